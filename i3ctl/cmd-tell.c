/*
 * cmd-tell.c: tell, emote and beep: one user at one MUD.
 */

#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

static int	cmd_tell_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

static const struct option cmd_tell_longopts[] = {
	{ "as", required_argument, NULL, 'a' },
	{ "visname", required_argument, NULL, 'v' },
	{ "wait", required_argument, NULL, 'w' },
	{ "no-wait", no_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_tell_entry = {
	.name = "tell",
	.alias = "t",
	.args = { "a:v:w:N", 1, -1 },
	.longopts = cmd_tell_longopts,
	.usage = "[-N] [-a user] [-v visname] [-w seconds] user@mud [message ... | -]",
	.summary = "send a tell to a user on a MUD",
	.method = "tell",
	.complete = "user@mud -",
	.flags = CMD_STOPOPTS,
	.exec = cmd_tell_exec
};

const struct cmd_entry cmd_emote_entry = {
	.name = "emote",
	.alias = "emoteto",
	.args = { "a:v:w:N", 1, -1 },
	.longopts = cmd_tell_longopts,
	.usage = "[-N] [-a user] [-v visname] [-w seconds] user@mud [text ... | -]",
	.summary = "send an emote ($N is you) to a user on a MUD",
	.method = "emoteto",
	.complete = "user@mud -",
	.flags = CMD_STOPOPTS,
	.exec = cmd_tell_exec
};

const struct cmd_entry cmd_beep_entry = {
	.name = "beep",
	.alias = NULL,
	.args = { "a:v:w:N", 1, 1 },
	.longopts = cmd_tell_longopts,
	.usage = "[-N] [-a user] [-v visname] [-w seconds] user@mud",
	.summary = "beep a user on a MUD",
	.method = "beep",
	.complete = "user@mud",
	.flags = 0,
	.exec = cmd_tell_exec
};

static int
cmd_tell_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t	*params;
	char	*user, *mud, *msg = NULL;
	int	 rc;

	if ((rc = ctl_split_address(ctl, a->argv[0], &user, &mud)) != CTL_OK)
		return (rc);
	if (entry != &cmd_beep_entry &&
	    (rc = ctl_message(ctl, a, 1, &msg)) != CTL_OK) {
		free(user);
		free(mud);
		return (rc);
	}
	params = json_pack("{s:s, s:s, s:s}", "target_mud", mud, "target_user",
	    user, "from_user", ctl_from_user(a));
	if (msg != NULL)
		json_object_set_new(params, "message", json_string(msg));
	if (args_has(a, 'v'))
		json_object_set_new(params, "visname",
		    json_string(args_get(a, 'v')));
	free(user);
	free(mud);
	free(msg);
	return (ctl_send(ctl, entry, a, params, "target_mud"));
}
