/*
 * svc-channel.c: channel messages, emotes and targeted emotes; the MUD's
 * listen set.  Two things, not one: the listen set (the channels the
 * router sends us) is the gateway's, kept in the store, changed by
 * channel_join and channel_leave, restored at start-up, plus the config's
 * channels; a client's channels (cl->channels) only filter which channel
 * events reach that client, and end with it.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static json_t	*chan_joined;	/* channel -> true: joined, persisted */

static void	chan_packet(const json_t *, const json_t *);
static void	chan_listen(const char *, int);
static int	chan_listening(const char *);
static int	chan_in_config(const char *);
static void	chan_set(const char *, int);
static int	chan_send(struct request *, const char *);
static int	rpc_channel_send(struct request *);
static int	rpc_channel_emote(struct request *);
static int	rpc_channel_target(struct request *);
static int	rpc_channel_join(struct request *);
static int	rpc_channel_leave(struct request *);
static int	rpc_channel_list(struct request *);

const struct svc svc_channel = {
	.name = "channel",
	.packets = { "channel-m", "channel-e", "channel-t", NULL },
	.on_packet = chan_packet,
	.methods = {
		{ "channel_send", rpc_channel_send, API_P_CHANNEL, 0,
		    "channel from_user message [visname]",
		    "a channel message" },
		{ "channel_emote", rpc_channel_emote, API_P_CHANNEL, 0,
		    "channel from_user message [visname]",
		    "a channel emote" },
		{ "channel_target", rpc_channel_target, API_P_CHANNEL, 0,
		    "channel from_user target_mud target_user message_others "
		"message_target [visname] [target_visname]",
		    "a targeted channel emote" },
		{ "channel_join", rpc_channel_join, API_P_CHANNEL, 0,
		    "channel [user] [visname]",
		    "listen to a channel" },
		{ "channel_leave", rpc_channel_leave, API_P_CHANNEL, 0,
		    "channel [user]",
		    "stop listening to a channel" },
		{ "channel_list", rpc_channel_list, API_P_CHANNEL, 0,
		    "",
		    "the router's chanlist" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* The listen set as the store left it; the config's channels besides. */
void
svc_channel_init(void)
{
	json_decref(chan_joined);
	chan_joined = store_listen_load();
	if (chan_joined == NULL)
		chan_joined = json_object();
}

static int
chan_in_config(const char *chan)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(gw.conf->channels, i, v) {
		if (strcmp(json_string_value(v), chan) == 0)
			return (1);
	}
	return (0);
}

static int
chan_listening(const char *chan)
{
	return (json_object_get(chan_joined, chan) != NULL ||
	    chan_in_config(chan));
}

size_t
svc_channel_listening(void)
{
	json_t	*v;
	size_t	 i, n = json_object_size(chan_joined);

	json_array_foreach(gw.conf->channels, i, v) {
		if (json_object_get(chan_joined, json_string_value(v)) == NULL)
			n++;
	}
	return (n);
}

static void
chan_listen(const char *chan, int on)
{
	json_t	*fields;

	if (!router_ready())
		return;		/* sent at the next startup */
	fields = json_pack("{s:s, s:s, s:s, s:i}", "originator_mud",
	    gw.conf->mud_name, "target_mud", router_name(), "channel", chan,
	    "on", on);
	router_send_control(i3_packet_build("channel-listen", fields, NULL));
	json_decref(fields);
}

/* Join (on) or leave the channel for the MUD: the listen set changes. */
static void
chan_set(const char *chan, int on)
{
	int	was = chan_listening(chan);

	if (on)
		json_object_set_new(chan_joined, chan, json_true());
	else
		json_object_del(chan_joined, chan);
	if (store_listen_set(chan, on) == -1)
		log_warnx("channel %s: the listen set is not stored", chan);
	if (was != chan_listening(chan))
		chan_listen(chan, on);
}

/* After every startup: channel-listen 1 for every channel listened to. */
void
svc_channel_relisten(void)
{
	const char	*chan;
	json_t		*v;
	size_t		 i;

	json_object_foreach(chan_joined, chan, v)
		chan_listen(chan, 1);
	json_array_foreach(gw.conf->channels, i, v) {
		if (json_object_get(chan_joined, json_string_value(v)) == NULL)
			chan_listen(json_string_value(v), 1);
	}
}

/* A client's filter goes with it; the listen set stays. */
void
svc_channel_client_gone(struct client *cl)
{
	json_object_clear(cl->channels);
}

/* A notice of the gateway's own about a channel, to those hearing it. */
void
svc_channel_notice(const char *chan, const char *method, json_t *ev)
{
	event_deliver(method, ev, NULL, NULL);
}

/* An event's "text" for a channel packet, and the event's name. */
char *
svc_channel_text(const json_t *named, const char **method)
{
	const char	*type = i3_pkt_str(named, "type");
	const char	*chan = i3_pkt_str(named, "channel");
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*ouser = i3_pkt_str(named, "originator_user");
	const char	*msg;
	char		*who, *twho, *exp, *text;

	if (strcmp(type, "channel-t") == 0) {
		*method = "channel_targeted";
		who = svc_who(i3_pkt_str(named, "orig_visname"), ouser, omud);
		twho = svc_who(svc_ucache_visname(i3_pkt_str(named,
		    "targ_mud"), i3_pkt_str(named, "targ_user"),
		    i3_pkt_str(named, "targ_visname")),
		    i3_pkt_str(named, "targ_user"),
		    i3_pkt_str(named, "targ_mud"));
		msg = i3_pkt_str(named, "message_others");
		exp = svc_expand(msg ? msg : "", who, twho);
		xasprintf(&text, "[%s] %s", chan, exp ? exp : "");
		free(exp);
		free(twho);
	} else if (strcmp(type, "channel-e") == 0) {
		*method = "channel_emote";
		who = svc_who(i3_pkt_str(named, "visname"), ouser, omud);
		msg = i3_pkt_str(named, "message");
		exp = svc_emote(msg ? msg : "", who);
		xasprintf(&text, "[%s] %s", chan, exp ? exp : "");
		free(exp);
	} else {
		*method = "channel_message";
		who = svc_who(i3_pkt_str(named, "visname"), ouser, omud);
		msg = i3_pkt_str(named, "message");
		xasprintf(&text, "[%s] %s: %s", chan, who, msg ? msg : "");
	}
	free(who);
	return (text);
}

/* The target's own view of a channel-t, when the target is ours. */
static void
chan_target_text(const json_t *named, json_t *ev)
{
	const char	*msg = i3_pkt_str(named, "message_target");
	const char	*tmud = i3_pkt_str(named, "targ_mud");
	char		*who, *twho, *exp;

	if (msg == NULL || tmud == NULL ||
	    strcmp(tmud, gw.conf->mud_name) != 0)
		return;
	who = svc_who(i3_pkt_str(named, "orig_visname"),
	    i3_pkt_str(named, "originator_user"),
	    i3_pkt_str(named, "originator_mud"));
	twho = svc_who(svc_ucache_visname(tmud, i3_pkt_str(named,
	    "targ_user"), i3_pkt_str(named, "targ_visname")),
	    i3_pkt_str(named, "targ_user"), tmud);
	exp = svc_expand(msg, who, twho);
	if (exp != NULL)
		json_object_set_new(ev, "text_target", json_string(exp));
	free(exp);
	free(who);
	free(twho);
}

static void
chan_packet(const json_t *named, const json_t *raw)
{
	const char	*chan = i3_pkt_str(named, "channel");
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*method;
	char		*text;
	json_t		*ev, *ignored_by;

	if (chan == NULL)
		return;
	/* Our own message, echoed by the router: delivered at send time. */
	if (omud != NULL && strcmp(omud, gw.conf->mud_name) == 0) {
		gw.echoes_dropped++;
		return;
	}
	/* Moderation first: ignored gateway-wide is neither shown nor kept. */
	if (moderation_channel(named, &ignored_by))
		return;
	if (moderation_flood(named)) {
		history_packet(named);
		json_decref(ignored_by);
		return;
	}
	text = svc_channel_text(named, &method);
	ev = svc_event(named, text);
	free(text);
	if (strcmp(method, "channel_targeted") == 0)
		chan_target_text(named, ev);
	if (ignored_by != NULL)
		json_object_set_new(ev, "ignored_by", ignored_by);
	event_deliver(method, ev, NULL, NULL);
	/* Stored once it went out: the clients do not wait for the store. */
	history_packet(named);
}

/*
 * An error whose packet is our own channel-listen (the router's
 * unk-channel, not-allowed): send_failed to every client that joined the
 * channel, with the id of its channel_join; 1 when it was one.
 */
int
svc_channel_refused(const json_t *named, const char *text)
{
	const json_t	*pkt = json_object_get(named, "error_packet"), *id;
	const char	*chan = i3_pkt_str(pkt, "channel");
	const char	*omud = i3_pkt_str(pkt, "originator_mud");
	const char	*type = i3_pkt_str(pkt, "type");
	const char	*code = i3_pkt_str(named, "error_code");
	const char	*msg = i3_pkt_str(named, "error_message");
	const char	*from = i3_pkt_str(named, "originator_mud");
	struct client	*cl;

	if (chan == NULL || type == NULL || omud == NULL ||
	    strcmp(type, "channel-listen") != 0 ||
	    strcmp(omud, gw.conf->mud_name) != 0)
		return (0);
	log_warnx("%s (channel %s)", text, chan);
	/* Refused: out of the listen set, not asked again at each startup. */
	if (json_object_get(chan_joined, chan) != NULL) {
		json_object_del(chan_joined, chan);
		if (store_listen_set(chan, 0) == -1)
			log_warnx("channel %s: the listen set is not stored",
			    chan);
	}
	TAILQ_FOREACH(cl, &clients, entry) {
		if ((id = json_object_get(cl->channels, chan)) == NULL)
			continue;
		sendq_notify_failed(cl, json_is_true(id) ? NULL : id,
		    "channel-listen", chan, code != NULL ? code : "?",
		    msg != NULL ? msg : (code != NULL ? code : "?"),
		    from != NULL ? from : "?");
	}
	return (1);
}

/* channel-m, channel-e, channel-t from a client. */
static int
chan_send(struct request *rq, const char *type)
{
	struct client	*cl = rq->cl;
	const char	*chan, *from, *vis, *msg = NULL, *tmud = NULL;
	const char	*tuser = NULL, *tvis = NULL, *mo = NULL, *mt = NULL;
	const char	*method, *canon;
	json_t		*fields, *raw, *named, *ev;
	char		*fixed = NULL, *text;
	int		 queued;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1 ||
	    rpc_user(rq->params, &from, &rq->err) == -1 ||
	    rpc_str(rq->params, "visname", 0, &vis, &rq->err) == -1)
		return (-1);
	if (vis == NULL)
		vis = from;
	fields = json_pack("{s:s, s:s, s:s}", "originator_mud",
	    gw.conf->mud_name, "originator_user", from, "channel", chan);
	if (strcmp(type, "channel-t") == 0) {
		if (rpc_str(rq->params, "target_mud", 1, &tmud,
		    &rq->err) == -1 ||
		    rpc_str(rq->params, "target_user", 1, &tuser,
		    &rq->err) == -1 ||
		    rpc_str(rq->params, "target_visname", 0, &tvis,
		    &rq->err) == -1 ||
		    rpc_str(rq->params, "message_others", 1, &mo,
		    &rq->err) == -1 ||
		    rpc_str(rq->params, "message_target", 1, &mt,
		    &rq->err) == -1) {
			json_decref(fields);
			return (-1);
		}
		if (svc_mudlist_up(tmud, &canon) != -1)
			tmud = canon;
		json_object_set_new(fields, "targ_mud", json_string(tmud));
		json_object_set_new(fields, "targ_user", json_string(tuser));
		json_object_set_new(fields, "message_others", json_string(mo));
		json_object_set_new(fields, "message_target", json_string(mt));
		json_object_set_new(fields, "orig_visname", json_string(vis));
		json_object_set_new(fields, "targ_visname",
		    json_string(tvis != NULL ? tvis : tuser));
	} else {
		if (rpc_str(rq->params, "message", 0, &msg, &rq->err) == -1 ||
		    (msg == NULL &&
		    rpc_str(rq->params, "emote", 0, &msg, &rq->err) == -1)) {
			json_decref(fields);
			return (-1);
		}
		if (msg == NULL) {
			json_decref(fields);
			return (rpc_fail(&rq->err, I3_RPC_PARAMS, "missing "
			    "parameter: message"));
		}
		/* Always a $N in an emote (i3-protocol.md 4.3). */
		if (strcmp(type, "channel-e") == 0 &&
		    strstr(msg, "$N") == NULL) {
			xasprintf(&fixed, "$N %s", msg);
			msg = fixed;
		}
		json_object_set_new(fields, "visname", json_string(vis));
		json_object_set_new(fields, "message", json_string(msg));
		free(fixed);
	}
	raw = i3_packet_build(type, fields, NULL);
	if (raw == NULL) {
		json_decref(fields);
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "cannot build a %s packet from these parameters", type));
	}
	/* The other local clients hear it now: the echo will be dropped. */
	named = i3_packet_named(raw, I3_PKT_LENIENT, NULL, NULL);
	json_decref(fields);
	client_note_user(cl, from);
	if (router_send(raw, &queued, &rq->err) == -1) {
		json_decref(named);
		return (-1);
	}
	if (named != NULL) {
		text = svc_channel_text(named, &method);
		ev = svc_event(named, text);
		free(text);
		/* Every client but the sender; each session decides. */
		event_deliver(method, ev, NULL, cl);
		history_packet(named);
		json_decref(named);
	}
	rq->result = svc_sent_result(queued);
	return (0);
}

static int
rpc_channel_send(struct request *rq)
{
	return (chan_send(rq, "channel-m"));
}

static int
rpc_channel_emote(struct request *rq)
{
	return (chan_send(rq, "channel-e"));
}

static int
rpc_channel_target(struct request *rq)
{
	return (chan_send(rq, "channel-t"));
}

static int
rpc_channel_join(struct request *rq)
{
	struct client	*cl = rq->cl;
	const char	*chan, *user, *vis;
	json_t		*id;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1 ||
	    rpc_str(rq->params, "user", 0, &user, &rq->err) == -1 ||
	    rpc_str(rq->params, "visname", 0, &vis, &rq->err) == -1)
		return (-1);
	/* The MUD listens; the caller hears it, its id names a refusal. */
	if (json_object_get(chan_joined, chan) == NULL)
		chan_set(chan, 1);
	id = rq->id;
	json_object_set_new(cl->channels, chan, id != NULL ? json_incref(id) :
	    json_true());
	/* A user named: listed in chan-who-reply (svc-presence.c). */
	if (user != NULL)
		svc_presence_chan_join(cl, chan, user, vis);
	rq->result = json_pack("{s:s, s:b, s:b}", "channel", chan, "joined", 1,
	    "known", json_object_get(svc_mudlist_chans(), chan) != NULL);
	return (0);
}

static int
rpc_channel_leave(struct request *rq)
{
	struct client	*cl = rq->cl;
	const char	*chan, *user;
	int		 was;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1 ||
	    rpc_str(rq->params, "user", 0, &user, &rq->err) == -1)
		return (-1);
	/* With a user, only that user stops listening; the client stays. */
	if (user != NULL) {
		svc_presence_chan_leave(cl, chan, user);
		rq->result = json_pack("{s:s, s:s, s:b, s:b}", "channel", chan,
		    "user", user, "left", 1, "was_joined",
		    json_object_get(cl->channels, chan) != NULL);
		return (0);
	}
	was = json_object_get(chan_joined, chan) != NULL;
	json_object_del(cl->channels, chan);
	if (was)
		chan_set(chan, 0);
	rq->result = json_pack("{s:s, s:b, s:b}", "channel", chan, "left", 1,
	    "was_joined", was);
	return (0);
}

static int
rpc_channel_list(struct request *rq)
{
	const json_t	*list = svc_mudlist_chans();
	const char	*name;
	json_t		*v, *arr, *e;

	arr = json_array();
	json_object_foreach((json_t *)list, name, v) {
		e = json_pack("{s:s, s:O?, s:O?, s:b, s:b}", "name", name,
		    "owner", json_object_get(v, "owner"), "type",
		    json_object_get(v, "type"), "joined",
		    json_object_get(chan_joined, name) != NULL, "listening",
		    chan_listening(name));
		json_array_append_new(arr, e);
	}
	rq->result = json_pack("{s:i, s:o}", "count", (int)json_array_size(arr),
	    "channels", arr);
	return (0);
}
