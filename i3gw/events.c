/*
 * events.c: the event table: every notification the gateway sends a
 * client, the permission needed to receive it, how it finds its clients,
 * its fields.  An event not in the table is never sent; subscribe takes
 * only names from it; --list-events prints it for docs/API.md.  And the
 * one way an event reaches clients: event_deliver().
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
/* A session's events asked for are a bit each (event_bit()). */
_Static_assert(sizeof events / sizeof events[0] <= 33,
    "more events than bits in a session's set");

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

/* The event's bit in a session's set of events asked for. */
uint32_t
event_bit(const struct event *e)
{
	return ((uint32_t)1 << (e - events));
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

/* ------------------------------------------------------------- delivery */

#define EVOUT_HEAD	"{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":{"

static char	*evout_buf;	/* the line being written, per client */
static size_t	 evout_bufsize;

/* params stolen. */
static void
evout_init(struct evout *eo, const struct event *ev, json_t *params)
{
	memset(eo, 0, sizeof *eo);
	eo->ev = ev;
	eo->params = params;
	if (ev->flags & EVENT_CHANNEL)
		eo->chan = json_string_value(json_object_get(params,
		    "channel"));
}

void
evout_clear(struct evout *eo)
{
	size_t	i;

	for (i = 0; i < sizeof eo->line / sizeof eo->line[0]; i++)
		free(eo->line[i]);
	json_decref(eo->params);
	memset(eo, 0, sizeof *eo);
}

/*
 * The event's notification line in a render profile (EVOUT_RAW: the params
 * as built), without a sequence number: made the first time a client of
 * that profile needs it, then reused for every other one; NULL (logged)
 * when it cannot be encoded.
 */
static const char *
evout_make(struct evout *eo, int profile, size_t *len)
{
	json_t	*p;
	char	*s, *line;
	size_t	 slen;

	if (profile < 0 || profile >= 2 * EVOUT_PY)
		profile = EVOUT_RAW;
	if (eo->line[profile] != NULL) {
		*len = eo->len[profile];
		return (eo->line[profile]);
	}
	if (profile >= EVOUT_PY)
		/* A Python gateway's client: its field names besides. */
		p = ws_python_params(eo->ev->name, profile - EVOUT_PY ==
		    EVOUT_RAW ? json_incref(eo->params) : render_event(
		    profile - EVOUT_PY, json_incref(eo->params)));
	else if (profile == EVOUT_RAW)
		p = json_incref(eo->params);
	else
		p = render_event(profile, json_incref(eo->params));
	/* Unchanged by the profile: the raw line. */
	if (p == eo->params && profile != EVOUT_RAW) {
		json_decref(p);
		if (evout_make(eo, EVOUT_RAW, len) == NULL)
			return (NULL);
		eo->line[profile] = xmalloc(*len + 1);
		memcpy(eo->line[profile], eo->line[EVOUT_RAW], *len + 1);
		eo->len[profile] = *len;
		return (eo->line[profile]);
	}
	s = p != NULL ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	if (s == NULL || *s != '{') {
		log_warnx("cannot encode a %s event", eo->ev->name);
		free(s);
		return (NULL);
	}
	/* {"jsonrpc":"2.0","method":NAME,"params":{...}}\n */
	slen = strlen(s);
	eo->head = strlen(eo->ev->name) + sizeof EVOUT_HEAD - 3;
	line = xmalloc(eo->head + slen + 2);
	snprintf(line, eo->head + 1, EVOUT_HEAD, eo->ev->name);
	memcpy(line + eo->head, s + 1, slen - 1);
	memcpy(line + eo->head + slen - 1, "}\n", 3);
	free(s);
	eo->line[profile] = line;
	eo->len[profile] = *len = eo->head + slen + 1;
	return (line);
}

/* The params as built, as JSON (for the store): inside the raw line. */
const char *
evout_params(struct evout *eo, size_t *len)
{
	const char	*line;

	if ((line = evout_make(eo, EVOUT_RAW, len)) == NULL)
		return (NULL);
	*len -= eo->head + 1;
	return (line + eo->head - 1);
}

/*
 * The notification line for a client of this profile, with its session's
 * sequence number spliced in as the last member of params (none for 0):
 * the rest is the profile's line, made once.  The line lives until the
 * next call or the event's end.
 */
const char *
evout_line(struct evout *eo, int profile, uint64_t seq, size_t *len)
{
	const char	*line;
	char		 num[32], *p = num + sizeof num;
	size_t		 llen, nlen, cut;

	if ((line = evout_make(eo, profile, &llen)) == NULL)
		return (NULL);
	if (seq == 0) {
		*len = llen;
		return (line);
	}
	/* The line ends with params' "}", then "}\n": ,"seq":N goes before. */
	cut = llen - 3;
	do
		*--p = '0' + seq % 10;
	while ((seq /= 10) != 0);
	p -= sizeof "\"seq\":" - 1;
	memcpy(p, "\"seq\":", sizeof "\"seq\":" - 1);
	if (line[cut - 1] != '{')
		*--p = ',';
	nlen = num + sizeof num - p;
	if (llen + nlen + 1 > evout_bufsize) {
		evout_bufsize = llen + nlen + 4096;
		evout_buf = xrealloc(evout_buf, evout_bufsize);
	}
	memcpy(evout_buf, line, cut);
	memcpy(evout_buf + cut, p, nlen);
	memcpy(evout_buf + cut + nlen, line + cut, 4);
	*len = llen + nlen;
	return (evout_buf);
}

/*
 * Every event reaches its clients here: to one client (to), or to every
 * client but except.  Each client's session decides whether it wants it
 * (permission, subscription, filter) and whether it is written now or kept
 * for later (session_offer()); the text is made once per render profile.
 * A tell nobody takes goes back to its sender as an I3 error: never
 * silence.  params stolen (NULL: {}); how many clients took it.
 */
size_t
event_deliver(const char *name, json_t *params, struct client *to,
    struct client *except)
{
	const struct event	*ev;
	struct evout		 eo;
	struct client		*cl, *next;
	size_t			 taken = 0;

	if (params == NULL)
		params = json_object();
	if ((ev = event_find(name)) == NULL) {
		log_warnx("event %s is not in the event table: not sent", name);
		json_decref(params);
		return (0);
	}
	evout_init(&eo, ev, params);
	if (to != NULL)
		taken = session_offer(to, &eo);
	else {
		for (cl = TAILQ_FIRST(&clients); cl != NULL; cl = next) {
			next = TAILQ_NEXT(cl, entry);
			if (cl != except)
				taken += session_offer(cl, &eo);
		}
		if (taken == 0 && (ev->flags & EVENT_TELL) && router_ready())
			session_refuse_tell(params, session_detached() > 0 ?
			    "the MUD's message queue is full" : "no one is "
			    "attached to the MUD to receive it");
	}
	evout_clear(&eo);
	return (taken);
}

/* A kept event (session.c's store) as it goes out again, replayed. */
const char *
event_replay_line(const char *name, json_t *params, int profile,
    uint64_t seq, size_t *len, struct evout *eo)
{
	const struct event	*ev;
	const char		*line;

	if ((ev = event_find(name)) == NULL) {
		json_decref(params);
		return (NULL);
	}
	json_object_set_new(params, "replayed", json_true());
	evout_init(eo, ev, params);
	if ((line = evout_line(eo, profile, seq, len)) == NULL)
		evout_clear(eo);
	return (line);
}
