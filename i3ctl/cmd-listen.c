/*
 * cmd-listen.c: follow mode: one line per event until -n, --timeout or ^C.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

static int	cmd_listen_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

static const struct option cmd_listen_longopts[] = {
	{ "channel", required_argument, NULL, 'c' },
	{ "event", required_argument, NULL, 'e' },
	{ "count", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_listen_entry = {
	.name = "listen",
	.alias = "follow",
	.args = { "c:e:n:", 0, 0 },
	.longopts = cmd_listen_longopts,
	.usage = "[-c channel] ... [-e event] ... [-n count]",
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

static int
cmd_listen_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t		*params, *list, *result, *note, *ev;
	const char	*s, *method;
	char		*end;
	long		 count = -1, seen = 0;
	int64_t		 deadline;
	int		 i, rc;

	if ((s = args_get(a, 'n')) != NULL) {
		errno = 0;
		count = strtol(s, &end, 10);
		if (errno != 0 || end == s || *end != '\0' || count <= 0) {
			ctl_warnx("listen: -n: bad count: '%s'", s);
			return (CTL_EUSAGE);
		}
	}
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
	deadline = ctl->deadline;
	if ((rc = ctl_connect(ctl)) != CTL_OK) {
		json_decref(params);
		return (rc);
	}
	if (!client_streams(ctl->client)) {
		ctl_warnx("listen: events need a socket or TCP connection, "
		    "not --url");
		json_decref(params);
		return (CTL_EUSAGE);
	}
	/* The subscribe call itself is bounded even without --timeout. */
	if (ctl->deadline == 0)
		ctl_set_deadline(ctl, CTL_DEFAULT_TIMEOUT);
	rc = ctl_call(ctl, "subscribe", params, &result);
	ctl->deadline = deadline;
	if (rc != CTL_OK)
		return (rc);
	json_decref(result);

	for (;;) {
		if (count != -1 && seen >= count)
			return (CTL_OK);
		rc = client_next_event(ctl, deadline, &note);
		if (rc == CLIENT_INTR)
			return (CTL_OK);
		if (rc == CTL_ETIMEOUT) {
			if (count == -1)
				return (CTL_OK);
			ctl_warnx("listen: timed out after %ld of %ld events",
			    seen, count);
			return (CTL_ETIMEOUT);
		}
		if (rc != CTL_OK)
			return (rc);
		method = json_string_value(json_object_get(note, "method"));
		if (method == NULL || !cmd_listen_wanted(a, method) ||
		    !cmd_listen_channel(a, json_object_get(note, "params"))) {
			json_decref(note);
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
		if (rc != CTL_OK)
			return (rc);
		seen++;
	}
}
