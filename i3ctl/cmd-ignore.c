/*
 * cmd-ignore.c: ignore add|remove|list: the gateway's ignore rules
 * (user@mud or MUD globs, per channel or everywhere, the gateway's or one
 * local user's).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

static int	cmd_ignore_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

static const struct option cmd_ignore_longopts[] = {
	{ "channel", required_argument, NULL, 'c' },
	{ "user", required_argument, NULL, 'u' },
	{ NULL, 0, NULL, 0 }
};

static const struct cmd_entry cmd_ignore_add_entry = {
	.name = "add",
	.alias = NULL,
	.args = { "c:u:", 1, 1 },
	.longopts = cmd_ignore_longopts,
	.usage = "[-c channel] [-u user] user@mud|mud",
	.summary = "ignore a sender (globs: *@SpamMud, bot*@*)",
	.method = "ignore_add",
	.complete = "user@mud",
	.exec = cmd_ignore_exec
};

static const struct cmd_entry cmd_ignore_remove_entry = {
	.name = "remove",
	.alias = "rm",
	.args = { "c:u:", 1, 1 },
	.longopts = cmd_ignore_longopts,
	.usage = "[-c channel] [-u user] user@mud|mud",
	.summary = "stop ignoring a sender",
	.method = "ignore_remove",
	.complete = "user@mud",
	.exec = cmd_ignore_exec
};

static const struct cmd_entry cmd_ignore_list_entry = {
	.name = "list",
	.alias = "ls",
	.args = { "c:u:", 0, 0 },
	.longopts = cmd_ignore_longopts,
	.usage = "[-c channel] [-u user]",
	.summary = "list the ignore rules",
	.method = "ignore_list",
	.complete = "",
	.exec = cmd_ignore_exec
};

static const struct cmd_entry *const cmd_ignore_children[] = {
	&cmd_ignore_add_entry,
	&cmd_ignore_list_entry,
	&cmd_ignore_remove_entry,
	NULL
};

const struct cmd_entry cmd_ignore_entry = {
	.name = "ignore",
	.alias = NULL,
	.args = { "", 1, -1 },
	.usage = "add|remove|list ...",
	.summary = "ignore senders: gateway-wide or for one user",
	.method = NULL,
	.complete = "",
	.children = cmd_ignore_children,
	.exec = NULL
};

/* A rule as a line: "pattern [on channel] [for user] (source)". */
static void
cmd_ignore_print(const json_t *r)
{
	const char	*chan = json_string_value(json_object_get(r, "channel"));
	const char	*user = json_string_value(json_object_get(r, "user"));

	printf("%s", json_string_value(json_object_get(r, "pattern")));
	if (chan != NULL)
		printf(" on %s", chan);
	printf(" %s%s", user != NULL ? "for " : "gateway-wide",
	    user != NULL ? user : "");
	if (strcmp(json_string_value(json_object_get(r, "source")),
	    "config") == 0)
		printf(" (config)");
	printf("\n");
}

static int
cmd_ignore_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t		*params, *result, *r;
	const char	*s;
	size_t		 i;
	int		 rc;

	params = json_object();
	if (a->argc > 0)
		json_object_set_new(params, "pattern", json_string(a->argv[0]));
	if ((s = args_get(a, 'c')) != NULL)
		json_object_set_new(params, "channel", json_string(s));
	if ((s = args_get(a, 'u')) != NULL)
		json_object_set_new(params, "user", json_string(s));
	rc = ctl_call(ctl, entry->method, params, &result);
	if (rc != CTL_OK)
		return (rc);
	if (ctl->json || ctl->filter != NULL || ctl->raw)
		rc = output_result(ctl, entry->name, result);
	else if (entry == &cmd_ignore_list_entry) {
		json_array_foreach(json_object_get(result, "rules"), i, r)
			cmd_ignore_print(r);
	} else if (entry == &cmd_ignore_add_entry &&
	    !json_is_true(json_object_get(result, "added")))
		printf("already ignored\n");
	else if (entry == &cmd_ignore_remove_entry &&
	    !json_is_true(json_object_get(result, "removed"))) {
		ctl_warnx("no such rule");
		rc = CTL_EI3;
	}
	json_decref(result);
	return (rc);
}
