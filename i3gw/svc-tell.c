/*
 * svc-tell.c: tell, emoteto and beep, both ways.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static void	tell_packet(const json_t *, const json_t *);
static char	*tell_lower(const char *, char *, size_t);
static int	tell_send(struct request *, const char *);
static int	rpc_tell(struct request *);
static int	rpc_emoteto(struct request *);
static int	rpc_beep(struct request *);

const struct svc svc_tell = {
	.name = "tell",
	.packets = { "tell", "emoteto", "beep", NULL },
	.on_packet = tell_packet,
	.methods = {
		{ "tell", rpc_tell, API_P_TELL, 0,
		    "target_mud target_user from_user message [visname]",
		    "a private message" },
		{ "emoteto", rpc_emoteto, API_P_TELL, 0,
		    "target_mud target_user from_user message [visname]",
		    "a private emote" },
		{ "beep", rpc_beep, API_P_TELL, 0,
		    "target_mud target_user from_user [visname]",
		    "a beep" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* A user name as sent: lower-case, in buf when it fits, else allocated. */
static char *
tell_lower(const char *s, char *buf, size_t size)
{
	size_t	 len = strlen(s);
	char	*l, *p;

	l = len < size ? memcpy(buf, s, len + 1) : xstrdup(s);
	for (p = l; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	}
	return (l);
}

/*
 * The common part: check the target, build, send or queue.  type is the
 * packet type, message NULL for a beep.
 */
static int
tell_send(struct request *rq, const char *type)
{
	struct client	*cl = rq->cl;
	const char	*mud, *user, *from, *vis, *msg = NULL, *canon;
	json_t		*raw;
	char		*fixed = NULL, fbuf[256], ubuf[256], *lfrom, *luser;
	int		 queued, up;

	if (rpc_str(rq->params, "target_mud", 1, &mud, &rq->err) == -1 ||
	    rpc_str(rq->params, "target_user", 1, &user, &rq->err) == -1 ||
	    rpc_user(rq->params, &from, &rq->err) == -1 ||
	    rpc_str(rq->params, "visname", 0, &vis, &rq->err) == -1)
		return (-1);
	if (strcmp(type, "beep") != 0) {
		if (rpc_str(rq->params, "message", 0, &msg, &rq->err) == -1)
			return (-1);
		if (msg == NULL && rpc_str(rq->params, "emote", 0, &msg,
		    &rq->err) == -1)
			return (-1);
		if (msg == NULL)
			return (rpc_fail(&rq->err, I3_RPC_PARAMS, "missing "
			    "parameter: message"));
	}
	up = svc_mudlist_up(mud, &canon);
	if (up == 0)
		return (rpc_fail(&rq->err, I3_RPC_MUDDOWN,
		    "%s is down (mudlist)",
		    canon));
	if (strcmp(type, "emoteto") == 0 && strstr(msg, "$N") == NULL) {
		xasprintf(&fixed, "$N %s", msg);
		msg = fixed;
	}
	/*
	 * The three layouts are fixed and short (i3-protocol.md 3.3): built
	 * here directly, as i3_packet_build() would, without its checks
	 * of field names, on the gateway's busiest path.
	 */
	lfrom = tell_lower(from, fbuf, sizeof fbuf);
	luser = tell_lower(user, ubuf, sizeof ubuf);
	raw = i3_packet_header(type, I3_TTL, gw.conf->mud_name, lfrom, canon,
	    luser);
	if (lfrom != fbuf)
		free(lfrom);
	if (luser != ubuf)
		free(luser);
	json_array_append_new(raw, json_string(vis != NULL ? vis : from));
	if (msg != NULL)
		json_array_append_new(raw, json_string(msg));
	free(fixed);
	if (json_array_size(raw) != (msg != NULL ? 8U : 7U)) {
		json_decref(raw);
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "cannot build a %s packet "
		    "from these parameters (not UTF-8?)", type));
	}
	client_note_user(cl, from);
	if (router_send(raw, &queued, &rq->err) == -1)
		return (-1);
	if (gw.conf->log_tells)
		log_info("%s from %s to %s@%s", type, from, user, canon);
	rq->result = svc_sent_result(queued);
	return (0);
}

static int
rpc_tell(struct request *rq)
{
	return (tell_send(rq, "tell"));
}

static int
rpc_emoteto(struct request *rq)
{
	return (tell_send(rq, "emoteto"));
}

static int
rpc_beep(struct request *rq)
{
	return (tell_send(rq, "beep"));
}

/* Incoming: every client serving this MUD hears it. */
static void
tell_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_pkt_str(named, "type");
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*ouser = i3_pkt_str(named, "originator_user");
	const char	*vis = i3_pkt_str(named, "orig_visname");
	const char	*msg = i3_pkt_str(named, "message");
	const char	*tuser = i3_pkt_str(named, "target_user");
	const char	*method;
	char		*who, *text;

	/* For a user not online here: unk-user back, once presence is set. */
	if (!svc_presence_tell_ok(named, raw))
		return;
	/* Ignored by the gateway or by its target: counted, no more. */
	if (moderation_tell(named))
		return;
	history_packet(named);	/* stored with [history] tells = yes */
	who = svc_who(vis, ouser, omud);
	if (strcmp(type, "tell") == 0) {
		method = "tell_received";
		xasprintf(&text, "%s tells you: %s", who, msg ? msg : "");
	} else if (strcmp(type, "emoteto") == 0) {
		method = "emoteto_received";
		text = svc_emote(msg ? msg : "", who);
	} else {
		method = "beep_received";
		xasprintf(&text, "%s beeps you.", who);
	}
	if (gw.conf->log_tells || log_verbose() > 1)
		log_info("%s from %s to %s", type, who, tuser ? tuser : "?");
	event_deliver(method, svc_event(named, text), NULL, NULL);
	free(text);
	free(who);
}
