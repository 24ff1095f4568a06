/*
 * cmd-listen.c: follow mode: one line per event until -n, --timeout or ^C;
 * with --resume FILE, a kept session resumed across runs and reconnects.
 */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3ctl.h"

static int	cmd_listen_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

static const struct option cmd_listen_longopts[] = {
	{ "channel", required_argument, NULL, 'c' },
	{ "event", required_argument, NULL, 'e' },
	{ "count", required_argument, NULL, 'n' },
	{ "resume", required_argument, NULL, 'R' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_listen_entry = {
	.name = "listen",
	.alias = "follow",
	.args = { "c:e:n:R:", 0, 0 },
	.longopts = cmd_listen_longopts,
	.usage = "[-c channel] ... [-e event] ... [-n count] [-R file]",
	.summary = "print events as they arrive (NDJSON with --json)",
	.method = "subscribe",
	.complete = "",
	.flags = CMD_STREAM | CMD_NODEADLINE,
	.exec = cmd_listen_exec
};

static int
cmd_listen_wanted(struct cmd_args *a, const char *method)
{
	const char	*e;
	int		 i;

	if (!args_has(a, 'e'))
		return (1);
	for (i = 0; (e = args_nth(a, 'e', i)) != NULL; i++) {
		if (strcmp(e, method) == 0)
			return (1);
	}
	return (0);
}

/* With -c, channel events of other channels are not shown. */
static int
cmd_listen_channel(struct cmd_args *a, const json_t *params)
{
	const char	*chan, *c;
	int		 i;

	chan = json_string_value(json_object_get(params, "channel"));
	if (!args_has(a, 'c') || chan == NULL)
		return (1);
	for (i = 0; (c = args_nth(a, 'c', i)) != NULL; i++) {
		if (strcmp(c, chan) == 0)
			return (1);
	}
	return (0);
}

/* Reconnecting: the first wait, the longest, and when to give up. */
#define LISTEN_BACKOFF_MIN	0.1
#define LISTEN_BACKOFF_MAX	5.0
#define LISTEN_GIVE_UP		60
/* listen_open(): worth trying again (the gateway is not there yet). */
#define LISTEN_AGAIN		(-3)

/* --resume FILE: the kept session's token and the last seq handled. */
struct listen_state {
	const char	*path;		/* NULL: no --resume */
	char		*token;
	json_int_t	 last;
	int		 fresh;		/* the token is a new session's */
};

/* Read FILE: 0 when absent, 1 read, or an exit code (reported). */
static int
listen_load(struct listen_state *st)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*token;
	json_int_t	 last;

	if ((j = json_load_file(st->path, 0, &jerr)) == NULL) {
		if (access(st->path, F_OK) == -1 && errno == ENOENT)
			return (0);
		ctl_warnx("listen: --resume %s: %s", st->path, jerr.text);
		return (CTL_EUSAGE);
	}
	token = json_string_value(json_object_get(j, "token"));
	last = json_integer_value(json_object_get(j, "last_seq"));
	if (token == NULL || *token == '\0' ||
	    !json_is_integer(json_object_get(j, "last_seq")) || last < 0) {
		ctl_warnx("listen: --resume %s: not a listen state file "
		    "(expected {\"token\":..., \"last_seq\":...})", st->path);
		json_decref(j);
		return (CTL_EUSAGE);
	}
	st->token = xstrdup(token);
	st->last = last;
	json_decref(j);
	return (1);
}

/* Write FILE atomically (a temporary file renamed over it), mode 0600. */
static int
listen_save(struct listen_state *st)
{
	json_t	*j;
	char	*tmp;
	int	 fd, rc = 0;

	if (st->path == NULL || st->token == NULL)
		return (0);
	xasprintf(&tmp, "%s.XXXXXX", st->path);
	if ((fd = mkstemp(tmp)) == -1) {
		ctl_warn("listen: --resume %s", tmp);
		free(tmp);
		return (-1);
	}
	j = json_pack("{s:s, s:I}", "token", st->token, "last_seq",
	    (json_int_t)st->last);
	if (fchmod(fd, 0600) == -1 || json_dumpfd(j, fd, JSON_COMPACT) ==
	    -1 || write(fd, "\n", 1) != 1 || close(fd) == -1) {
		ctl_warn("listen: --resume %s", tmp);
		unlink(tmp);
		rc = -1;
	} else if (rename(tmp, st->path) == -1) {
		ctl_warn("listen: --resume: rename to %s", st->path);
		unlink(tmp);
		rc = -1;
	}
	json_decref(j);
	free(tmp);
	return (rc);
}

/* Subscribe (with keep under --resume) and take the session's token. */
static int
listen_subscribe(struct ctl *ctl, struct listen_state *st, json_t *params)
{
	json_t		*result;
	const char	*token;
	int		 rc;

	if (st->path != NULL)
		json_object_set_new(params, "keep", json_true());
	if ((rc = ctl_call(ctl, "subscribe", json_incref(params), &result)) !=
	    CTL_OK)
		return (rc);
	if (st->path != NULL) {
		token = json_string_value(json_object_get(json_object_get(
		    result, "session"), "resume_token"));
		if (token == NULL) {
			ctl_warnx("listen: the gateway gave no resume_token");
			json_decref(result);
			return (CTL_EGATEWAY);
		}
		free(st->token);
		st->token = xstrdup(token);
		st->last = 0;
		st->fresh = 1;
		if (listen_save(st) == -1) {
			json_decref(result);
			return (CTL_EUSAGE);
		}
	}
	json_decref(result);
	return (CTL_OK);
}

/* session_resume {token, last_seq}; an unknown token subscribes afresh. */
static int
listen_resume(struct ctl *ctl, struct listen_state *st, json_t *params)
{
	json_t		*result, *error;
	const char	*msg;
	json_int_t	 missed;
	int		 rc;

	rc = ctl_call_quiet(ctl, "session_resume", json_pack("{s:s, s:I}",
	    "token", st->token, "last_seq", (json_int_t)st->last), &result,
	    &error);
	if (rc != CTL_OK && error != NULL && json_integer_value(
	    json_object_get(error, "code")) == I3_RPC_PARAMS) {
		/*
		 * Our last seq is past the session's: the gateway lost the
		 * numbers it gave last (killed before it stored them).  Take
		 * its numbering from here: what it kept unwritten comes.
		 */
		ctl_warnx("listen: the gateway's session is behind seq %lld "
		    "(%s): events it gave since it last stored the session "
		    "may be lost", (long long)st->last,
		    json_string_value(json_object_get(error, "message")));
		json_decref(error);
		rc = ctl_call_quiet(ctl, "session_resume", json_pack("{s:s}",
		    "token", st->token), &result, &error);
		/* What it replays was never written: none is skipped. */
		if (rc == CTL_OK)
			st->last = json_integer_value(json_object_get(result,
			    "replayed")) > 0 ? 0 : json_integer_value(
			    json_object_get(result, "last_seq"));
	}
	if (rc == CTL_OK) {
		if (json_is_true(json_object_get(result, "gap"))) {
			missed = json_integer_value(json_object_get(result,
			    "missed"));
			ctl_warnx("listen: %lld event%s after seq %lld missed: "
			    "the gateway could not keep %s", (long long)missed,
			    missed == 1 ? "" : "s", (long long)st->last,
			    missed == 1 ? "it" : "them");
		}
		json_decref(result);
		return (CTL_OK);
	}
	if (error == NULL)
		return (rc);
	msg = json_string_value(json_object_get(error, "message"));
	if (json_integer_value(json_object_get(error, "code")) ==
	    I3_RPC_NOSESSION) {
		if (msg != NULL && strstr(msg, "attached") != NULL) {
			/* The gateway has not seen our old connection go. */
			json_decref(error);
			return (LISTEN_AGAIN);
		}
		ctl_warnx("listen: --resume %s: the gateway does not know the "
		    "session (%s): subscribing afresh, events since seq %lld "
		    "are lost", st->path, msg != NULL ? msg : "unknown",
		    (long long)st->last);
		json_decref(error);
		return (listen_subscribe(ctl, st, params));
	}
	ctl_report_error(ctl, "session_resume", error);
	json_decref(error);
	return (rc);
}

/* Connect, then resume the kept session or subscribe. */
static int
listen_open(struct ctl *ctl, struct listen_state *st, json_t *params)
{
	int64_t	 deadline = ctl->deadline;
	int	 rc;

	if ((rc = ctl_connect(ctl)) != CTL_OK)
		return (rc);
	if (!client_streams(ctl->client)) {
		ctl_warnx("listen: events need a socket or TCP connection, "
		    "not --url");
		return (CTL_EUSAGE);
	}
	/* The call itself is bounded even without --timeout. */
	if (ctl->deadline == 0)
		ctl_set_deadline(ctl, CTL_DEFAULT_TIMEOUT);
	if (st->token != NULL)
		rc = listen_resume(ctl, st, params);
	else
		rc = listen_subscribe(ctl, st, params);
	ctl->deadline = deadline;
	return (rc);
}

/* Sleep, waking for SIGINT/SIGTERM: 0, or -1 when interrupted. */
static int
listen_sleep(double seconds)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < (int)(seconds * 20 + 0.5); i++) {
		if (ctl_sigint)
			return (-1);
		nanosleep(&ts, NULL);
	}
	return (ctl_sigint ? -1 : 0);
}

/*
 * The connection broke (or the gateway had not let our old one go): try
 * again, waiting 0.1 s, then twice as long each time up to 5 s, for at
 * most a minute, and resume from the last seq handled.
 */
static int
listen_reconnect(struct ctl *ctl, struct listen_state *st, json_t *params,
    int64_t deadline)
{
	int64_t	 give_up = ctl_now() + LISTEN_GIVE_UP * 1000;
	double	 wait = LISTEN_BACKOFF_MIN;
	int	 rc, attempt;

	for (attempt = 1;; attempt++) {
		ctl_disconnect(ctl);
		if (ctl_now() >= give_up) {
			ctl_warnx("listen: gave up reconnecting after %d s",
			    LISTEN_GIVE_UP);
			return (CTL_EGATEWAY);
		}
		if (deadline != 0 && ctl_now() >= deadline)
			return (CTL_ETIMEOUT);
		ctl_warnx("listen: reconnecting in %.1f s (attempt %d)", wait,
		    attempt);
		if (listen_sleep(wait) == -1)
			return (CLIENT_INTR);
		st->fresh = 0;
		rc = listen_open(ctl, st, params);
		if (rc == CTL_OK) {
			if (st->fresh)
				ctl_warnx("listen: reconnected, a new session");
			else
				ctl_warnx("listen: resumed after seq %lld",
				    (long long)st->last);
			return (CTL_OK);
		}
		if (rc != LISTEN_AGAIN && rc != CTL_EGATEWAY &&
		    rc != CTL_ETIMEOUT)
			return (rc);
		wait *= 2;
		if (wait > LISTEN_BACKOFF_MAX)
			wait = LISTEN_BACKOFF_MAX;
	}
}

static int
cmd_listen_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	struct listen_state	 st = { NULL, NULL, 0, 0 };
	json_t			*params, *list, *note, *ev;
	const char		*s, *method;
	char			*end;
	long			 count = -1, seen = 0;
	json_int_t		 seq;
	int64_t			 deadline;
	int			 i, rc;

	if ((s = args_get(a, 'n')) != NULL) {
		errno = 0;
		count = strtol(s, &end, 10);
		if (errno != 0 || end == s || *end != '\0' || count <= 0) {
			ctl_warnx("listen: -n: bad count: '%s'", s);
			return (CTL_EUSAGE);
		}
	}
	if ((st.path = args_get(a, 'R')) != NULL && *st.path == '\0') {
		ctl_warnx("listen: --resume: empty file name");
		return (CTL_EUSAGE);
	}
	if (st.path != NULL && (rc = listen_load(&st)) != 0 && rc != 1)
		return (rc);
	params = json_object();
	/* The gateway knows its events: a name it lacks is -32602. */
	if (args_has(a, 'e')) {
		list = json_array();
		for (i = 0; (s = args_nth(a, 'e', i)) != NULL; i++)
			json_array_append_new(list, json_string(s));
		json_object_set_new(params, "events", list);
	}
	if (args_has(a, 'c')) {
		list = json_array();
		for (i = 0; (s = args_nth(a, 'c', i)) != NULL; i++)
			json_array_append_new(list, json_string(s));
		json_object_set_new(params, "channels", list);
	}
	/* It prints requests to answer, never answers them: other MUDs' who
	 * and finger go on to the MUD, or to the gateway's presence. */
	json_object_set_new(params, "answer", json_false());
	deadline = ctl->deadline;
	rc = listen_open(ctl, &st, params);
	if (rc == LISTEN_AGAIN)
		rc = listen_reconnect(ctl, &st, params, deadline);
	if (rc == CLIENT_INTR)
		rc = CTL_OK;

	while (rc == CTL_OK) {
		if (count != -1 && seen >= count)
			break;
		rc = client_next_event(ctl, deadline, &note);
		if (rc == CTL_EGATEWAY && st.path != NULL) {
			/* Back on: the next event is the first replayed. */
			if ((rc = listen_reconnect(ctl, &st, params,
			    deadline)) == CTL_OK)
				continue;
		}
		if (rc == CLIENT_INTR) {
			rc = CTL_OK;
			break;
		}
		if (rc == CTL_ETIMEOUT) {
			if (count == -1)
				rc = CTL_OK;
			else
				ctl_warnx("listen: timed out after %ld of %ld "
				    "events", seen, count);
			break;
		}
		if (rc != CTL_OK)
			break;
		/* A replay of what we handled already: skipped. */
		seq = json_integer_value(json_object_get(json_object_get(note,
		    "params"), "seq"));
		if (st.path != NULL && seq > 0 && seq <= st.last) {
			json_decref(note);
			continue;
		}
		method = json_string_value(json_object_get(note, "method"));
		if (method == NULL || !cmd_listen_wanted(a, method) ||
		    !cmd_listen_channel(a, json_object_get(note, "params"))) {
			json_decref(note);
			if (seq > 0 && st.path != NULL) {
				st.last = seq;
				listen_save(&st);
			}
			continue;
		}
		ev = json_pack("{s:s, s:O}", "event", method, "params",
		    json_object_get(note, "params") != NULL ?
		    json_object_get(note, "params") : json_null());
		json_decref(note);
		if (ev == NULL)
			continue;
		rc = output_event(ctl, ev);
		json_decref(ev);
		fflush(stdout);
		if (seq > 0 && st.path != NULL) {
			st.last = seq;
			listen_save(&st);
		}
		if (rc != CTL_OK)
			break;
		seen++;
	}
	listen_save(&st);
	free(st.token);
	json_decref(params);
	return (rc);
}
