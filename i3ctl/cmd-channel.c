/*
 * cmd-channel.c: channel list|join|leave|send|emote|target|who|history|
 * add|remove|admin.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

static int	cmd_channel_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

static const struct option cmd_channel_send_longopts[] = {
	{ "as", required_argument, NULL, 'a' },
	{ "visname", required_argument, NULL, 'v' },
	{ "wait", required_argument, NULL, 'w' },
	{ "no-wait", no_argument, NULL, 'N' },
	{ "lines", no_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 }
};

static const struct option cmd_channel_target_longopts[] = {
	{ "as", required_argument, NULL, 'a' },
	{ "visname", required_argument, NULL, 'v' },
	{ "target-text", required_argument, NULL, 'T' },
	{ "wait", required_argument, NULL, 'w' },
	{ "no-wait", no_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 }
};

static const struct option cmd_channel_history_longopts[] = {
	{ "limit", required_argument, NULL, 'n' },
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "grep", required_argument, NULL, 'g' },
	{ "user", required_argument, NULL, 'U' },
	{ "mud", required_argument, NULL, 'm' },
	{ "before", required_argument, NULL, 'b' },
	{ "follow", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 }
};

static const struct option cmd_channel_add_longopts[] = {
	{ "type", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};

static const struct option cmd_channel_admin_longopts[] = {
	{ "add", required_argument, NULL, 'a' },
	{ "remove", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 }
};

static const struct cmd_entry cmd_channel_list_entry = {
	.name = "list",
	.alias = "ls",
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "list the channels on the network",
	.method = "channel_list",
	.complete = "",
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_join_entry = {
	.name = "join",
	.alias = NULL,
	.args = { "", 1, 1 },
	.usage = "channel",
	.summary = "start listening to a channel",
	.method = "channel_join",
	.complete = "channel",
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_leave_entry = {
	.name = "leave",
	.alias = NULL,
	.args = { "", 1, 1 },
	.usage = "channel",
	.summary = "stop listening to a channel",
	.method = "channel_leave",
	.complete = "channel",
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_send_entry = {
	.name = "send",
	.alias = "say",
	.args = { "a:v:w:Nl", 1, -1 },
	.longopts = cmd_channel_send_longopts,
	.usage = "[-Nl] [-a user] [-v visname] [-w seconds] channel "
	    "[message ... | -]",
	.summary = "send a message to a channel",
	.method = "channel_send",
	.complete = "channel -",
	.flags = CMD_STOPOPTS,
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_emote_entry = {
	.name = "emote",
	.alias = NULL,
	.args = { "a:v:w:Nl", 1, -1 },
	.longopts = cmd_channel_send_longopts,
	.usage = "[-Nl] [-a user] [-v visname] [-w seconds] channel "
	    "[text ... | -]",
	.summary = "send an emote ($N is you) to a channel",
	.method = "channel_emote",
	.complete = "channel -",
	.flags = CMD_STOPOPTS,
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_target_entry = {
	.name = "target",
	.alias = NULL,
	.args = { "a:v:T:w:N", 2, -1 },
	.longopts = cmd_channel_target_longopts,
	.usage = "[-N] [-a user] [-v visname] [-T target-text] [-w seconds] "
	    "channel user@mud [text ... | -]",
	.summary = "send a targeted emote ($N you, $O them) to a channel",
	.method = "channel_target",
	.complete = "channel user@mud -",
	.flags = CMD_STOPOPTS,
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_who_entry = {
	.name = "who",
	.alias = NULL,
	.args = { "", 2, 2 },
	.usage = "channel mud",
	.summary = "list who listens to a channel on a MUD",
	.method = "channel_who",
	.complete = "channel mud",
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_history_entry = {
	.name = "history",
	.alias = NULL,
	.args = { "n:s:u:g:U:m:b:f", 1, 1 },
	.longopts = cmd_channel_history_longopts,
	.usage = "[-f] [-n limit] [-s since] [-u until] [-g words] "
	    "[-U user[@mud]] [-m mud] [-b id] channel",
	.summary = "show the gateway's history of a channel (-f: and follow)",
	.method = "channel_history",
	.complete = "channel",
	.flags = CMD_STREAM | CMD_NODEADLINE,
	.exec = cmd_channel_history_exec
};

static const struct cmd_entry cmd_channel_add_entry = {
	.name = "add",
	.alias = "create",
	.args = { "t:", 1, 1 },
	.longopts = cmd_channel_add_longopts,
	.usage = "[-t ban|allow|filter] channel",
	.summary = "create a channel owned by this MUD",
	.method = "channel_add",
	.complete = "channel",
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_remove_entry = {
	.name = "remove",
	.alias = "rm",
	.args = { "", 1, 1 },
	.usage = "channel",
	.summary = "remove a channel owned by this MUD",
	.method = "channel_remove",
	.complete = "channel",
	.exec = cmd_channel_exec
};

static const struct cmd_entry cmd_channel_admin_entry = {
	.name = "admin",
	.alias = NULL,
	.args = { "a:d:", 1, 1 },
	.longopts = cmd_channel_admin_longopts,
	.usage = "[-a mud] ... [-d mud] ... channel",
	.summary = "show a channel's ban or allow list, or change it",
	.method = "channel_admin",
	.complete = "channel",
	.exec = cmd_channel_exec
};

static const struct cmd_entry *const cmd_channel_children[] = {
	&cmd_channel_add_entry,
	&cmd_channel_admin_entry,
	&cmd_channel_emote_entry,
	&cmd_channel_history_entry,
	&cmd_channel_join_entry,
	&cmd_channel_leave_entry,
	&cmd_channel_list_entry,
	&cmd_channel_remove_entry,
	&cmd_channel_send_entry,
	&cmd_channel_target_entry,
	&cmd_channel_who_entry,
	NULL
};

const struct cmd_entry cmd_channel_entry = {
	.name = "channel",
	.alias = "chan",
	.args = { "", 1, -1 },
	.usage = "list|join|leave|send|emote|target|who|history|add|remove|"
	    "admin ...",
	.summary = "channels: list, join, leave, talk, administer",
	.method = NULL,
	.complete = "",
	.children = cmd_channel_children,
	.exec = NULL
};

/* The channel type of -t: a name or 0, 1, 2. */
static int
cmd_channel_type(const char *s)
{
	if (strcmp(s, "0") == 0 || strcmp(s, "ban") == 0 ||
	    strcmp(s, "selective-ban") == 0 || strcmp(s, "public") == 0)
		return (0);
	if (strcmp(s, "1") == 0 || strcmp(s, "allow") == 0 ||
	    strcmp(s, "selective-allow") == 0 || strcmp(s, "private") == 0)
		return (1);
	if (strcmp(s, "2") == 0 || strcmp(s, "filter") == 0 ||
	    strcmp(s, "filtered") == 0)
		return (2);
	return (-1);
}

static int
cmd_channel_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t		*params, *result, *list;
	char		*msg = NULL, *user, *mud;
	const char	*s, *mudkey = NULL;
	int		 rc, i, type, quiet = 1, idx = 1;

	params = json_object();
	if (a->argc > 0)
		json_object_set_new(params, "channel", json_string(a->argv[0]));
	if (entry == &cmd_channel_list_entry ||
	    entry == &cmd_channel_who_entry)
		quiet = 0;
	if (entry == &cmd_channel_target_entry) {
		rc = ctl_split_address(ctl, a->argv[1], &user, &mud);
		if (rc != CTL_OK)
			goto fail;
		json_object_set_new(params, "target_mud", json_string(mud));
		json_object_set_new(params, "target_user", json_string(user));
		free(user);
		free(mud);
		idx = 2;
	}
	if (entry == &cmd_channel_send_entry ||
	    entry == &cmd_channel_emote_entry ||
	    entry == &cmd_channel_target_entry) {
		/* Who it comes from, for every way of sending. */
		json_object_set_new(params, "from_user",
		    json_string(ctl_from_user(a)));
		if (args_has(a, 'v'))
			json_object_set_new(params, "visname",
			    json_string(args_get(a, 'v')));
	}
	if (args_has(a, 'l')) {
		/* One message a line of stdin, as they come. */
		if (a->argc > 1 && !(a->argc == 2 && strcmp(a->argv[1], "-") ==
		    0)) {
			ctl_warnx("%s: --lines reads stdin: no message words",
			    entry->name);
			rc = CTL_EUSAGE;
			goto fail;
		}
		return (ctl_send_lines(ctl, entry, a, params, "message"));
	}
	if (entry == &cmd_channel_send_entry ||
	    entry == &cmd_channel_emote_entry ||
	    entry == &cmd_channel_target_entry) {
		if ((rc = ctl_message(ctl, a, idx, &msg)) != CTL_OK)
			goto fail;
		if (entry == &cmd_channel_target_entry) {
			json_object_set_new(params, "message_others",
			    json_string(msg));
			s = args_get(a, 'T');
			json_object_set_new(params, "message_target",
			    json_string(s != NULL ? s : msg));
		} else
			json_object_set_new(params, "message",
			    json_string(msg));
		free(msg);
	}
	if (entry == &cmd_channel_who_entry) {
		json_object_set_new(params, "target_mud",
		    json_string(a->argv[1]));
		mudkey = "target_mud";
	}
	if (entry == &cmd_channel_add_entry && (s = args_get(a, 't')) !=
	    NULL) {
		if ((type = cmd_channel_type(s)) == -1) {
			ctl_warnx("-t: expected public, private or filtered, not "
			    "'%s'", s);
			rc = CTL_EUSAGE;
			goto fail;
		}
		json_object_set_new(params, "type", json_integer(type));
	}
	if (entry == &cmd_channel_admin_entry) {
		/* Without -a or -d: the list as the router has it. */
		if (!args_has(a, 'a') && !args_has(a, 'd')) {
			rc = ctl_call(ctl, "channel_adminlist", params,
			    &result);
			if (rc != CTL_OK)
				return (rc);
			if (ctl->json || ctl->filter != NULL)
				rc = output_result(ctl, entry->name, result);
			else {
				json_array_foreach(json_object_get(result,
				    "list"), i, list)
					printf("%s\n", json_string_value(list));
			}
			json_decref(result);
			return (rc);
		}
		list = json_array();
		for (i = 0; (s = args_nth(a, 'a', i)) != NULL; i++)
			json_array_append_new(list, json_string(s));
		json_object_set_new(params, "add", list);
		list = json_array();
		for (i = 0; (s = args_nth(a, 'd', i)) != NULL; i++)
			json_array_append_new(list, json_string(s));
		json_object_set_new(params, "remove", list);
	}
	if (entry == &cmd_channel_send_entry ||
	    entry == &cmd_channel_emote_entry ||
	    entry == &cmd_channel_target_entry)
		return (ctl_send(ctl, entry, a, params, NULL));
	rc = ctl_call_mud(ctl, entry->method, params, mudkey, &result);
	if (rc != CTL_OK)
		return (rc);
	if (!quiet || ctl->json || ctl->filter != NULL)
		rc = output_result(ctl, entry->name, result);
	json_decref(result);
	return (rc);

fail:
	json_decref(params);
	return (rc);
}
