/*
 * cmd-admin.c: ping, status, stats, reconnect, shutdown, presence and call.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3ctl.h"

static int	cmd_admin_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static int	cmd_ping_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static int	cmd_call_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static int	cmd_presence_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

const struct cmd_entry cmd_ping_entry = {
	.name = "ping",
	.alias = NULL,
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "check that the gateway answers (and how fast)",
	.method = "ping",
	.complete = "",
	.exec = cmd_ping_exec
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.alias = "st",
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "show the gateway's router link and identity",
	.method = "status",
	.complete = "",
	.exec = cmd_admin_exec
};

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.alias = NULL,
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "show the gateway's counters",
	.method = "stats",
	.complete = "",
	.exec = cmd_admin_exec
};

const struct cmd_entry cmd_reconnect_entry = {
	.name = "reconnect",
	.alias = NULL,
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "make the gateway reconnect to its router",
	.method = "reconnect",
	.complete = "",
	.exec = cmd_admin_exec
};

const struct cmd_entry cmd_shutdown_entry = {
	.name = "shutdown",
	.alias = NULL,
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "stop the gateway",
	.method = "shutdown",
	.complete = "",
	.exec = cmd_admin_exec
};

const struct cmd_entry cmd_call_entry = {
	.name = "call",
	.alias = NULL,
	.args = { "", 1, 2 },
	.usage = "method [json-params | -]",
	.summary = "call any gateway method with raw JSON parameters",
	.method = NULL,
	.complete = "method -",
	.flags = 0,
	.exec = cmd_call_exec
};

static const struct cmd_entry cmd_presence_set_entry = {
	.name = "set",
	.alias = NULL,
	.args = { "", 0, 1 },
	.usage = "[json | -]",
	.summary = "replace who is online (JSON from stdin)",
	.method = "presence_set",
	.complete = "-",
	.exec = cmd_presence_exec
};

static const struct cmd_entry cmd_presence_update_entry = {
	.name = "update",
	.alias = NULL,
	.args = { "", 0, 1 },
	.usage = "[json | -]",
	.summary = "change part of who is online (JSON from stdin)",
	.method = "presence_update",
	.complete = "-",
	.exec = cmd_presence_exec
};

static const struct cmd_entry *const cmd_presence_children[] = {
	&cmd_presence_set_entry,
	&cmd_presence_update_entry,
	NULL
};

const struct cmd_entry cmd_presence_entry = {
	.name = "presence",
	.alias = NULL,
	.args = { "", 1, -1 },
	.usage = "set|update [json | -]",
	.summary = "tell the gateway who is online on this MUD",
	.method = NULL,
	.complete = "",
	.children = cmd_presence_children,
	.exec = NULL
};

static int
cmd_admin_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	return (ctl_simple(ctl, entry, NULL));
}

static int
cmd_ping_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	struct timespec	 t0, t1;
	json_t		*result;
	double		 ms;
	int		 rc;

	/* Connect first, so the figure is the round trip only. */
	if ((rc = ctl_connect(ctl)) != CTL_OK)
		return (rc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = ctl_call(ctl, "ping", NULL, &result);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != CTL_OK)
		return (rc);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (ctl->json || ctl->filter != NULL || ctl->raw)
		rc = output_result(ctl, entry->name, result);
	else
		printf("pong from the gateway in %.3f ms\n", ms);
	json_decref(result);
	return (rc);
}

/* A JSON value from an argument, or stdin for "-" or nothing. */
static int
cmd_json_arg(struct ctl *ctl, struct cmd_args *a, int idx, json_t **out)
{
	json_error_t	 jerr;
	char		*text, *cause;

	*out = NULL;
	if (a->argc > idx && strcmp(a->argv[idx], "-") != 0)
		text = xstrdup(a->argv[idx]);
	else if (a->argc <= idx && (ctl->in_shell || isatty(STDIN_FILENO)))
		return (CTL_OK);
	else if ((text = ctl_read_stdin(16 * 1024 * 1024, &cause)) == NULL) {
		ctl_warnx("%s", cause);
		free(cause);
		return (CTL_EUSAGE);
	}
	*out = json_loads(text, JSON_DECODE_ANY, &jerr);
	free(text);
	if (*out == NULL) {
		ctl_warnx("bad JSON: %s (line %d, column %d)", jerr.text,
		    jerr.line, jerr.column);
		return (CTL_EUSAGE);
	}
	return (CTL_OK);
}

static int
cmd_call_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t	*params, *result;
	int	 rc;

	params = NULL;
	if (a->argc == 2 && (rc = cmd_json_arg(ctl, a, 1, &params)) != CTL_OK)
		return (rc);
	rc = ctl_call(ctl, a->argv[0], params, &result);
	if (rc != CTL_OK)
		return (rc);
	rc = output_result(ctl, a->argv[0], result);
	json_decref(result);
	return (rc);
}

static int
cmd_presence_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t	*params;
	int	 rc;

	if ((rc = cmd_json_arg(ctl, a, 0, &params)) != CTL_OK)
		return (rc);
	if (params == NULL) {
		ctl_warnx("presence %s: give the JSON on stdin (or as an "
		    "argument)", entry->name);
		return (cmd_usage(entry, entry == &cmd_presence_set_entry ?
		    "presence set" : "presence update"));
	}
	if (!json_is_object(params)) {
		ctl_warnx("presence %s: expected a JSON object", entry->name);
		json_decref(params);
		return (CTL_EUSAGE);
	}
	return (ctl_simple(ctl, entry, params));
}
