/*
 * events.c: the event table: every notification the gateway sends a
 * client, the permission needed to receive it, how it finds its clients,
 * its fields.  An event not in the table is never sent; subscribe takes
 * only names from it; --list-events prints it for docs/API.md.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static const struct event events[] = {
	{ "tell_received", API_P_TELL, EVENT_TELL,
	    "orig_visname message",
	    "a `tell` for a user here" },
	{ "emoteto_received", API_P_TELL, EVENT_TELL,
	    "orig_visname message",
	    "an `emoteto` for a user here" },
	{ "beep_received", API_P_TELL, EVENT_TELL,
	    "orig_visname",
	    "a `beep` for a user here" },
	{ "channel_message", API_P_CHANNEL, EVENT_CHANNEL,
	    "channel visname message",
	    "`channel-m` on a channel this client hears" },
	{ "channel_emote", API_P_CHANNEL, EVENT_CHANNEL,
	    "channel visname message",
	    "`channel-e` on a channel this client hears" },
	{ "channel_targeted", API_P_CHANNEL, EVENT_CHANNEL,
	    "channel targ_mud targ_user message_others message_target "
	    "orig_visname targ_visname [text_target]",
	    "`channel-t` on a channel this client hears" },
	{ "send_failed", 0, EVENT_SENDER,
	    "id type target code reason from",
	    "a packet this client sent was refused or expired (Delivery); "
	    "always delivered, whatever the subscription" },
	{ "error_received", API_P_TELL, EVENT_SENDER,
	    "error_code error_message error_packet",
	    "an I3 `error` for a user this client sent for, not the refusal "
	    "of one of its requests" },
	{ "channel_suppressed", API_P_CHANNEL, EVENT_CHANNEL,
	    "channel user mud count",
	    "a flood window ended with messages held back (Moderation)" },
	{ "mud_online", API_P_INFO, 0,
	    "mud info",
	    "a MUD came up in the mudlist" },
	{ "mud_offline", API_P_INFO, 0,
	    "mud deleted",
	    "a MUD went down or left the mudlist" },
	{ "chanlist_changed", API_P_INFO, 0,
	    "added removed count",
	    "channels appeared or went" },
	{ "router_connected", 0, 0,
	    "router",
	    "the router link is up (startup completed)" },
	{ "router_disconnected", 0, 0,
	    "router",
	    "the router link was lost" },
	{ "who_request", API_P_ANSWER, EVENT_REQUEST,
	    "(the who-req's fields)",
	    "another MUD asks who is here (`answer`)" },
	{ "finger_request", API_P_ANSWER, EVENT_REQUEST,
	    "username",
	    "another MUD fingers a user here (`answer`)" },
	{ "locate_request", API_P_ANSWER, EVENT_REQUEST,
	    "username",
	    "another MUD looks for a user (`answer`)" },
	{ "channel_filter_request", API_P_ANSWER, EVENT_REQUEST,
	    "channel packet raw",
	    "a message on a filtered channel this MUD hosts (`answer`)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* The row of an event, or NULL. */
const struct event *
event_find(const char *name)
{
	const struct event	*e;

	for (e = events; e->name != NULL; e++) {
		if (strcmp(e->name, name) == 0)
			return (e);
	}
	return (NULL);
}

/* The row after e (the first for NULL), NULL after the last. */
const struct event *
event_next(const struct event *e)
{
	e = e == NULL ? events : e + 1;
	return (e->name != NULL ? e : NULL);
}

/*
 * May this client receive the event?  As calling a method: the group's
 * permission, unless the client is trusted or the event needs none.
 */
int
event_allowed(const struct client *cl, const struct event *e)
{
	return (cl->trusted || e->perm == 0 || (cl->perms & e->perm) != 0);
}

/* --list-events: docs/API.md's event table rows, or a JSON array. */
void
event_list(FILE *f, int json)
{
	const struct event	*e;
	json_t			*a;

	if (json) {
		a = json_array();
		for (e = events; e->name != NULL; e++) {
			json_array_append_new(a, json_pack("{s:s, s:s?, s:s, "
			    "s:s, s:b}", "name", e->name, "permission",
			    e->perm == 0 ? NULL : apiconf_group_name(e->perm),
			    "fields", e->fields, "doc", e->doc, "request",
			    (e->flags & EVENT_REQUEST) != 0));
		}
		method_dump(f, a);
		return;
	}
	fprintf(f, "| event | permission | fields | when |\n");
	fprintf(f, "|---|---|---|---|\n");
	for (e = events; e->name != NULL; e++) {
		fprintf(f, "| `%s` | %s | %s | %s |\n", e->name,
		    method_perm_name(e->perm), e->fields, e->doc);
	}
}
