/*
 * svc.c: the list of I3 services, and what they share.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static const struct svc *svcs[] = {
	&svc_tell,
	&svc_channel,
	&svc_mudlist,
	&svc_admin,
	&svc_error,
	&svc_info,
	&svc_presence,
	&svc_ucache,
	&svc_auth,
	&svc_chanadmin,
	&svc_session,
	&svc_render,
	&svc_history,
	&svc_moderation,
};
#define NSVCS	(sizeof svcs / sizeof svcs[0])

/* Hand a packet to the service that handles its type; 0 when none does. */
int
svc_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_packet_type(raw);
	size_t		 i, j;

	if (type == NULL)
		return (0);
	for (i = 0; i < NSVCS; i++) {
		for (j = 0; svcs[i]->packets[j] != NULL; j++) {
			if (strcmp(svcs[i]->packets[j], type) == 0) {
				svcs[i]->on_packet(named, raw);
				return (1);
			}
		}
	}
	return (0);
}

/* An event's params: the named fields, a timestamp and the text. */
json_t *
svc_event(const json_t *named, const char *text)
{
	json_t	*ev;
	char	*ts;

	ev = json_deep_copy(named);
	if (ev == NULL)
		ev = json_object();
	ts = rpc_timestamp();
	json_object_set_new(ev, "timestamp", json_string(ts));
	free(ts);
	if (text != NULL)
		json_object_set_new(ev, "text", json_string(text));
	return (ev);
}

/* "Visname@Mud", the visname falling back to the user name. */
char *
svc_who(const char *visname, const char *user, const char *mud)
{
	char	*s;

	xasprintf(&s, "%s@%s", visname != NULL ? visname :
	    (user != NULL ? user : "someone"), mud != NULL ? mud : "?");
	return (s);
}

/* $N and $O in an emote replaced by the names given (NULL leaves the token). */
char *
svc_expand(const char *text, const char *n, const char *o)
{
	char	*out;

	if ((out = i3_emote_expand(text, n, o)) == NULL)
		fatalx("out of memory");
	return (out);
}

/*
 * An incoming emote (emoteto, channel-e) expanded: one without $N (the
 * Python gateway sends them) gets its sender in front, as Samson and Dead
 * Souls show it.
 */
char *
svc_emote(const char *text, const char *n)
{
	char	*t, *out;

	if (strstr(text, "$N") != NULL)
		return (svc_expand(text, n, NULL));
	xasprintf(&t, "$N %s", text);
	out = svc_expand(t, n, NULL);
	free(t);
	return (out);
}

/* {"sent":true,"queued":false} or the other way round, shared. */
json_t *
svc_sent_result(int queued)
{
	static json_t	*sent, *held;

	if (sent == NULL) {
		sent = json_pack("{s:b, s:b}", "sent", 1, "queued", 0);
		held = json_pack("{s:b, s:b}", "sent", 0, "queued", 1);
	}
	return (json_incref(queued ? held : sent));
}
