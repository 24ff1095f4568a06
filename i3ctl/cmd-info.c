/*
 * cmd-info.c: who, finger, locate, chanuser, mudlist and mudinfo.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

static int	cmd_info_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static int	cmd_mudlist_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

static const struct option cmd_wait_longopts[] = {
	{ "wait", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_who_entry = {
	.name = "who",
	.alias = NULL,
	.args = { "w:", 1, 1 },
	.longopts = cmd_wait_longopts,
	.usage = "[-w seconds] mud",
	.summary = "list the users on a MUD",
	.method = "who",
	.complete = "mud",
	.exec = cmd_info_exec
};

const struct cmd_entry cmd_finger_entry = {
	.name = "finger",
	.alias = NULL,
	.args = { "w:", 1, 1 },
	.longopts = cmd_wait_longopts,
	.usage = "[-w seconds] user@mud",
	.summary = "show what a MUD says about one of its users",
	.method = "finger",
	.complete = "user@mud",
	.exec = cmd_info_exec
};

const struct cmd_entry cmd_locate_entry = {
	.name = "locate",
	.alias = NULL,
	.args = { "w:", 1, 1 },
	.longopts = cmd_wait_longopts,
	.usage = "[-w seconds] user",
	.summary = "find which MUDs a user is on",
	.method = "locate",
	.complete = "user",
	.exec = cmd_info_exec
};

const struct cmd_entry cmd_chanuser_entry = {
	.name = "chanuser",
	.alias = NULL,
	.args = { "w:", 1, 1 },
	.longopts = cmd_wait_longopts,
	.usage = "[-w seconds] user@mud",
	.summary = "ask a MUD about one of its channel users",
	.method = "chan_user",
	.complete = "user@mud",
	.exec = cmd_info_exec
};

const struct cmd_entry cmd_mudinfo_entry = {
	.name = "mudinfo",
	.alias = NULL,
	.args = { "", 1, 1 },
	.usage = "mud",
	.summary = "show everything the mudlist says about a MUD",
	.method = "mudinfo",
	.complete = "mud",
	.exec = cmd_info_exec
};

static const struct option cmd_mudlist_longopts[] = {
	{ "up", no_argument, NULL, 'u' },
	{ "driver", required_argument, NULL, 'd' },
	{ "mudlib", required_argument, NULL, 'l' },
	{ "service", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_mudlist_entry = {
	.name = "mudlist",
	.alias = "muds",
	.args = { "ud:l:s:", 0, 1 },
	.longopts = cmd_mudlist_longopts,
	.usage = "[--up] [--driver driver] [--mudlib mudlib] "
	    "[--service service] [pattern]",
	.summary = "list the MUDs on the network",
	.method = "mudlist",
	.complete = "mud",
	.exec = cmd_mudlist_exec
};

/* -w SECONDS as the gateway's timeout parameter. */
static int
cmd_info_wait(struct cmd_args *a, json_t *params)
{
	const char	*s;
	char		*end;
	double		 d;

	if ((s = args_get(a, 'w')) == NULL)
		return (CTL_OK);
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || d <= 0 || d > 3600) {
		ctl_warnx("-w: bad number of seconds: '%s'", s);
		return (CTL_EUSAGE);
	}
	if (d == (double)(json_int_t)d)
		json_object_set_new(params, "timeout",
		    json_integer((json_int_t)d));
	else
		json_object_set_new(params, "timeout", json_real(d));
	return (CTL_OK);
}

static int
cmd_info_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t		*params, *result;
	char		*user = NULL, *mud = NULL;
	const char	*mudkey = NULL;
	int		 rc;

	params = json_object();
	if (entry == &cmd_who_entry) {
		json_object_set_new(params, "target_mud",
		    json_string(a->argv[0]));
		mudkey = "target_mud";
	} else if (entry == &cmd_mudinfo_entry) {
		json_object_set_new(params, "mud", json_string(a->argv[0]));
		mudkey = "mud";
	} else if (entry == &cmd_locate_entry)
		json_object_set_new(params, "user", json_string(a->argv[0]));
	else {
		rc = ctl_split_address(ctl, a->argv[0], &user, &mud);
		if (rc != CTL_OK) {
			json_decref(params);
			return (rc);
		}
		json_object_set_new(params, "target_mud", json_string(mud));
		json_object_set_new(params, "user", json_string(user));
		mudkey = "target_mud";
		free(user);
		free(mud);
	}
	if ((rc = cmd_info_wait(a, params)) != CTL_OK) {
		json_decref(params);
		return (rc);
	}
	rc = ctl_call_mud(ctl, entry->method, params, mudkey, &result);
	if (rc != CTL_OK)
		return (rc);
	rc = output_result(ctl, entry->name, result);
	json_decref(result);
	return (rc);
}

static int
cmd_mudlist_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t	*params;

	params = json_object();
	if (args_has(a, 'u'))
		json_object_set_new(params, "status", json_string("up"));
	if (args_has(a, 'd'))
		json_object_set_new(params, "driver",
		    json_string(args_get(a, 'd')));
	if (args_has(a, 'l'))
		json_object_set_new(params, "mudlib",
		    json_string(args_get(a, 'l')));
	if (args_has(a, 's'))
		json_object_set_new(params, "service",
		    json_string(args_get(a, 's')));
	if (a->argc == 1)
		json_object_set_new(params, "name", json_string(a->argv[0]));
	return (ctl_simple(ctl, entry, params));
}
