/*
 * rpc.c: calls as the commands make them: errors to exit codes, user@mud.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i3ctl.h"

static const char	*ctl_i3_code(const json_t *);
static json_t		*ctl_names_of(const json_t *, const char *,
			    const char *);

/* The I3 error code in an error's data, or NULL. */
static const char *
ctl_i3_code(const json_t *error)
{
	json_t	*data = json_object_get(error, "data");
	const char *s;

	if ((s = json_string_value(json_object_get(data, "error_code"))) !=
	    NULL)
		return (s);
	return (json_string_value(json_object_get(data, "code")));
}

/* The exit code for a JSON-RPC error object. */
int
ctl_error_exit(const json_t *error)
{
	json_int_t	code;

	code = json_integer_value(json_object_get(error, "code"));
	switch (code) {
	case I3_RPC_REMOTE:
	case I3_RPC_MUDDOWN:
	case I3_RPC_NOMUD:
		return (CTL_EI3);
	case I3_RPC_TIMEOUT:
		return (CTL_ETIMEOUT);
	case I3_RPC_PARAMS:
		return (CTL_EUSAGE);
	}
	/* The rest of the range JSON-RPC reserves: the gateway refused. */
	if (code <= I3_RPC_UNAVAILABLE && code >= -32768)
		return (CTL_EGATEWAY);
	return (CTL_EI3);
}

/* Report an error object on stderr (and on stdout with --json). */
void
ctl_report_error(struct ctl *ctl, const char *method, const json_t *error)
{
	json_int_t	 code;
	const char	*msg, *i3code, *what;
	char		*s;

	code = json_integer_value(json_object_get(error, "code"));
	msg = json_string_value(json_object_get(error, "message"));
	if (msg == NULL)
		msg = "(no message)";
	i3code = ctl_i3_code(error);
	if ((what = i3_rpc_strerror((int)code)) == NULL)
		what = "error";
	if (code == I3_RPC_NOMETHOD)
		ctl_warnx("%s: the gateway does not support method '%s' "
		    "(%lld %s)", method, method, (long long)code, what);
	else if (i3code != NULL)
		ctl_warnx("%s: %s: %s (%lld %s)", method, i3code, msg,
		    (long long)code, what);
	else
		ctl_warnx("%s: %s (%lld %s)", method, msg, (long long)code,
		    what);
	if (ctl->json && ctl->filter == NULL) {
		json_t	*o = json_pack("{s:O}", "error", error);

		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		printf("%s\n", s);
		fflush(stdout);
		free(s);
	}
}

/* A call that reports errors: the exit code; *result on CTL_OK. */
int
ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **result)
{
	json_t	*error;
	int	 rc;

	rc = ctl_call_quiet(ctl, method, params, result, &error);
	if (rc == CTL_OK || error == NULL)
		return (rc);
	ctl_report_error(ctl, method, error);
	rc = ctl_error_exit(error);
	json_decref(error);
	return (rc);
}

/* A call that leaves the error to the caller (*error when not CTL_OK). */
int
ctl_call_quiet(struct ctl *ctl, const char *method, json_t *params,
    json_t **result, json_t **error)
{
	int	rc;

	rc = client_call(ctl, method, params, result, error);
	if (rc != CTL_OK)
		return (rc);
	if (*error != NULL)
		return (ctl_error_exit(*error));
	return (CTL_OK);
}

/*
 * A call naming a MUD in params[key]: when the gateway does not know it,
 * retry once with the mudlist's spelling of the same name (MUD names match
 * case-insensitively).  key NULL: a plain ctl_call().
 */
int
ctl_call_mud(struct ctl *ctl, const char *method, json_t *params,
    const char *key, json_t **result)
{
	json_t		*error, *names, *v;
	const char	*mud, *code, *found = NULL;
	size_t		 i;
	int		 rc, n = 0;

	if (key == NULL)
		return (ctl_call(ctl, method, params, result));
	json_incref(params);
	rc = ctl_call_quiet(ctl, method, params, result, &error);
	if (rc == CTL_OK || error == NULL) {
		json_decref(params);
		return (rc);
	}
	code = ctl_i3_code(error);
	mud = json_string_value(json_object_get(params, key));
	if (mud != NULL && (json_integer_value(json_object_get(error,
	    "code")) == I3_RPC_NOMUD || (code != NULL &&
	    strcmp(code, "unk-dst") == 0)) &&
	    (names = ctl_mud_names(ctl)) != NULL) {
		json_array_foreach(names, i, v) {
			if (strcasecmp(json_string_value(v), mud) == 0 &&
			    strcmp(json_string_value(v), mud) != 0) {
				found = json_string_value(v);
				n++;
			}
		}
	}
	if (n == 1) {
		json_decref(error);
		json_object_set_new(params, key, json_string(found));
		return (ctl_call(ctl, method, params, result));
	}
	json_decref(params);
	ctl_report_error(ctl, method, error);
	rc = ctl_error_exit(error);
	json_decref(error);
	return (rc);
}

/*
 * Names out of a list result, whatever its shape: an array of strings or
 * of objects (field f1 or f2), an object keyed by name, or an object with
 * an array or object under wrap.
 */
static json_t *
ctl_names_of(const json_t *r, const char *wrap, const char *f1)
{
	json_t		*names, *v, *inner;
	const char	*k, *s;
	size_t		 i;

	if (json_is_object(r) && (inner = json_object_get(r, wrap)) != NULL)
		r = inner;
	names = json_array();
	if (json_is_array(r)) {
		json_array_foreach(r, i, v) {
			s = json_string_value(v);
			if (s == NULL)
				s = json_string_value(json_object_get(v, f1));
			if (s == NULL)
				s = json_string_value(json_object_get(v,
				    "name"));
			if (s != NULL)
				json_array_append_new(names, json_string(s));
		}
	} else if (json_is_object(r)) {
		json_object_foreach((json_t *)r, k, v)
			json_array_append_new(names, json_string(k));
	}
	return (names);
}

/* The MUD names of the gateway's mudlist (cached; borrowed), or NULL. */
json_t *
ctl_mud_names(struct ctl *ctl)
{
	json_t	*result, *error;

	if (ctl->mudnames != NULL)
		return (ctl->mudnames);
	if (ctl_call_quiet(ctl, "mudlist", json_object(), &result, &error) !=
	    CTL_OK) {
		json_decref(error);
		return (NULL);
	}
	ctl->mudnames = ctl_names_of(result, "muds", "mud");
	json_decref(result);
	return (ctl->mudnames);
}

/* The channel names the gateway knows (new reference), or NULL. */
json_t *
ctl_channel_names(struct ctl *ctl)
{
	json_t	*result, *error, *names;

	if (ctl_call_quiet(ctl, "channel_list", json_object(), &result,
	    &error) != CTL_OK) {
		json_decref(error);
		return (NULL);
	}
	names = ctl_names_of(result, "channels", "channel");
	json_decref(result);
	return (names);
}

/* Split user@mud (at the first @; the MUD name may hold spaces). */
int
ctl_split_address(struct ctl *ctl, const char *addr, char **user, char **mud)
{
	const char	*at;

	at = strchr(addr, '@');
	if (at == NULL || at == addr || at[1] == '\0') {
		ctl_warnx("expected USER@MUD, not '%s'", addr);
		return (CTL_EUSAGE);
	}
	*user = xstrndup(addr, at - addr);
	*mud = xstrdup(at + 1);
	return (CTL_OK);
}

/* All of stdin (at most max bytes), trailing newlines cut; NULL on error. */
char *
ctl_read_stdin(size_t max, char **cause)
{
	char	*buf;
	size_t	 len = 0, size = 4096;
	ssize_t	 n;

	buf = xmalloc(size);
	for (;;) {
		if (len + 1 >= size) {
			if (size > max) {
				xasprintf(cause, "stdin: more than %zu bytes",
				    max);
				free(buf);
				return (NULL);
			}
			size *= 2;
			buf = xrealloc(buf, size);
		}
		n = read(STDIN_FILENO, buf + len, size - len - 1);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "stdin: %s", strerror(errno));
			free(buf);
			return (NULL);
		}
		len += n;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return (buf);
}

/*
 * The message of a command from its words at idx on: "-" (or no words
 * when stdin is not a terminal) reads stdin.
 */
int
ctl_message(struct ctl *ctl, struct cmd_args *a, int idx, char **msg)
{
	char	*cause;

	*msg = NULL;
	if (a->argc > idx && !(a->argc == idx + 1 &&
	    strcmp(a->argv[idx], "-") == 0))
		*msg = args_join(a, idx);
	else if (a->argc == idx && (ctl->in_shell || isatty(STDIN_FILENO))) {
		ctl_warnx("missing message (give it, or '-' to read stdin)");
		return (CTL_EUSAGE);
	} else if ((*msg = ctl_read_stdin(64 * 1024, &cause)) == NULL) {
		ctl_warnx("%s", cause);
		free(cause);
		return (CTL_EUSAGE);
	}
	if (**msg == '\0') {
		ctl_warnx("empty message: nothing sent");
		free(*msg);
		*msg = NULL;
		return (CTL_EUSAGE);
	}
	return (CTL_OK);
}

/* Call the entry's method with params (stolen) and print the result. */
int
ctl_simple(struct ctl *ctl, const struct cmd_entry *entry, json_t *params)
{
	json_t	*result;
	int	 rc;

	rc = ctl_call(ctl, entry->method, params, &result);
	if (rc != CTL_OK)
		return (rc);
	rc = output_result(ctl, entry->name, result);
	json_decref(result);
	return (rc);
}

/*
 * The local user a message is from: -a, else $I3_USER, else the login
 * name ($USER, $LOGNAME), else "i3ctl".
 */
const char *
ctl_from_user(struct cmd_args *a)
{
	const char	*s;

	if ((s = args_get(a, 'a')) != NULL && *s != '\0')
		return (s);
	if ((s = getenv("I3_USER")) != NULL && *s != '\0')
		return (s);
	if ((s = getenv("USER")) != NULL && *s != '\0')
		return (s);
	if ((s = getenv("LOGNAME")) != NULL && *s != '\0')
		return (s);
	return (I3CTL_NAME);
}

/*
 * A send (tell, emote, beep, channel send...): the call, then a short wait
 * for the router's refusal of it (send_failed with this request's id),
 * -w seconds (default CTL_DEFAULT_WAIT, $I3CTL_WAIT), none with -N or over
 * HTTP.  A refusal is reported with the router's words, exit 1; --json
 * prints the result with the refusal under "failed".  params is stolen;
 * mudkey names the MUD in it (NULL: none).
 */
/* How long a send waits for a refusal: -w, $I3CTL_WAIT, -N; -1 if bad. */
static double
ctl_send_wait(struct ctl *ctl, struct cmd_args *a)
{
	const char	*s;
	char		*end;
	double		 wait = CTL_DEFAULT_WAIT;

	/* The shell shows events as they come: it does not wait. */
	if (ctl->in_shell)
		wait = 0;
	if ((s = args_get(a, 'w')) != NULL ||
	    (!ctl->in_shell && (s = getenv("I3CTL_WAIT")) != NULL)) {
		wait = strtod(s, &end);
		if (end == s || *end != '\0' || wait < 0 || wait > 3600) {
			ctl_warnx("-w: bad number of seconds: '%s'", s);
			return (-1);
		}
	}
	if (args_has(a, 'N'))
		wait = 0;
	return (wait);
}

/* Report a refusal (send_failed params) of a send. */
static void
ctl_send_refused(const struct cmd_entry *entry, const json_t *failed)
{
	ctl_warnx("%s: refused by %s: %s: %s", entry->name,
	    json_string_value(json_object_get(failed, "from")),
	    json_string_value(json_object_get(failed, "code")),
	    json_string_value(json_object_get(failed, "reason")));
}

/*
 * channel send --lines: one message per line of stdin, sent as it comes
 * (the gateway paces them), then one wait for refusals of any of them.
 * params (stolen) has everything but the message, under key.
 */
int
ctl_send_lines(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a, json_t *params, const char *key)
{
	json_t		*result, *ids = json_array(), *note, *p, *id;
	char		*line = NULL;
	size_t		 cap = 0, i;
	ssize_t		 n;
	double		 wait;
	int64_t		 deadline;
	int		 rc = CTL_OK, refused = 0;
	const char	*m;

	if ((wait = ctl_send_wait(ctl, a)) < 0) {
		json_decref(params);
		json_decref(ids);
		return (CTL_EUSAGE);
	}
	while (rc == CTL_OK && (n = getline(&line, &cap, stdin)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		p = json_deep_copy(params);
		json_object_set_new(p, key, json_string(line));
		if ((rc = ctl_call(ctl, entry->method, p, &result)) != CTL_OK)
			break;
		json_array_append_new(ids, json_integer(
		    client_last_id(ctl->client)));
		if (ctl->json || ctl->filter != NULL)
			rc = output_result(ctl, entry->name, result);
		json_decref(result);
	}
	free(line);
	json_decref(params);
	if (rc == CTL_OK && wait > 0 && json_array_size(ids) > 0 &&
	    client_streams(ctl->client)) {
		deadline = ctl_now() + (int64_t)(wait * 1000);
		while (client_next_event(ctl, deadline, &note) == CTL_OK) {
			p = json_object_get(note, "params");
			m = json_string_value(json_object_get(note, "method"));
			if (m != NULL && strcmp(m, "send_failed") == 0)
				json_array_foreach(ids, i, id)
					if (json_integer_value(id) ==
					    json_integer_value(json_object_get(
					    p, "id"))) {
						ctl_send_refused(entry, p);
						refused = 1;
					}
			json_decref(note);
		}
	}
	json_decref(ids);
	return (rc == CTL_OK && refused ? CTL_EI3 : rc);
}

int
ctl_send(struct ctl *ctl, const struct cmd_entry *entry, struct cmd_args *a,
    json_t *params, const char *mudkey)
{
	json_t		*result, *note = NULL, *p, *failed = NULL;
	const char	*m;
	double		 wait;
	json_int_t	 myid;
	int64_t		 deadline;
	int		 rc;

	if ((wait = ctl_send_wait(ctl, a)) < 0) {
		json_decref(params);
		return (CTL_EUSAGE);
	}
	rc = ctl_call_mud(ctl, entry->method, params, mudkey, &result);
	if (rc != CTL_OK)
		return (rc);
	if (wait > 0 && client_streams(ctl->client)) {
		myid = client_last_id(ctl->client);
		deadline = ctl_now() + (int64_t)(wait * 1000);
		while (failed == NULL && client_next_event(ctl, deadline,
		    &note) == CTL_OK) {
			p = json_object_get(note, "params");
			m = json_string_value(json_object_get(note, "method"));
			if (m != NULL && strcmp(m, "send_failed") == 0 &&
			    json_integer_value(json_object_get(p, "id")) ==
			    myid)
				failed = json_incref(p);
			json_decref(note);
		}
	}
	if (failed != NULL) {
		ctl_send_refused(entry, failed);
		json_object_set_new(result, "failed", failed);
	}
	/* Sends print nothing in human form; --json and -q see the result. */
	rc = CTL_OK;
	if (ctl->json || ctl->filter != NULL)
		rc = output_result(ctl, entry->name, result);
	json_decref(result);
	return (failed != NULL ? CTL_EI3 : rc);
}
