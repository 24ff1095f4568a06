/*
 * svc-chanadmin.c: channels this MUD owns: channel_add, channel_remove,
 * channel_admin, the admin list, chanlist-req, and chan-filter-req for
 * filtered (type 2) channels, handed to a client or passed through.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static void	chanadmin_packet(const json_t *, const json_t *);
static void	chanadmin_filter(const json_t *, const json_t *);
static void	chanadmin_filtered(json_t *, const json_t *);
static void	chanadmin_filter_reply(const char *, const json_t *);
static int	chanadmin_send(struct request *, const char *, json_t *,
		    enum pend_kind, const char *);
static int	rpc_channel_add(struct request *);
static int	rpc_channel_remove(struct request *);
static int	rpc_channel_admin(struct request *);
static int	rpc_channel_adminlist(struct request *);
static int	rpc_chanlist_refresh(struct request *);

const struct svc svc_chanadmin = {
	.name = "chanadmin",
	.packets = { "chan-filter-req", "chan-adminlist-reply", NULL },
	.on_packet = chanadmin_packet,
	.methods = {
		{ "channel_add", rpc_channel_add, API_P_CHANNEL, 0,
		    "channel [type] [from_user]",
		    "create a channel on the router" },
		{ "channel_remove", rpc_channel_remove, API_P_CHANNEL, 0,
		    "channel [from_user]",
		    "remove a channel from the router" },
		{ "channel_admin", rpc_channel_admin, API_P_CHANNEL, 0,
		    "channel [add] [remove] [from_user]",
		    "edit a channel's ban or admit list" },
		{ "channel_adminlist", rpc_channel_adminlist, API_P_CHANNEL, 0,
		    "channel",
		    "a channel's ban or admit list" },
		{ "chanlist_refresh", rpc_chanlist_refresh, API_P_CHANNEL, 0,
		    "",
		    "ask the router for the chanlist again" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/*
 * Build and send a packet to the router (fields stolen); with a kind, wait
 * for its answer (the chanlist, the admin list), else answer sent/queued.
 */
static int
chanadmin_send(struct request *rq, const char *type, json_t *fields,
    enum pend_kind kind, const char *chan)
{
	struct rpc_error *re = &rq->err;
	struct pending	*p = NULL;
	const char	*from;
	json_t		*raw;
	long		 ms;
	int		 queued;
	i3_error	 err;

	if (rpc_str(rq->params, "from_user", 0, &from, re) == -1 ||
	    svc_info_timeout(rq->params, gw.conf->info_timeout, &ms,
	    re) == -1) {
		json_decref(fields);
		return (-1);
	}
	if (router_name() == NULL) {
		json_decref(fields);
		return (rpc_fail(re, I3_RPC_UNAVAILABLE, "no router"));
	}
	json_object_set_new(fields, "originator_mud",
	    json_string(gw.conf->mud_name));
	json_object_set_new(fields, "target_mud", json_string(router_name()));
	/* channel-add, -remove and -admin want a user: the MUD's admin. */
	if (strcmp(type, "chanlist-req") != 0) {
		if (from == NULL)
			from = "admin";
		json_object_set_new(fields, "originator_user",
		    json_string(from));
		client_note_user(rq->cl, from);	/* errors come back to it */
	}
	raw = i3_packet_build(type, fields, &err);
	json_decref(fields);
	if (raw == NULL)
		return (rpc_fail(re, I3_RPC_PARAMS, "cannot build %s: %s", type,
		    err.text));
	if (kind != 0 && (p = pending_new(rq, kind, NULL, NULL, chan, ms,
	    I3_COLOUR_PLAIN)) == NULL) {
		json_decref(raw);
		return (rpc_fail(re, I3_RPC_QUEUEFULL, "too many requests "
		    "waiting for answers"));
	}
	if (router_send(raw, &queued, re) == -1) {
		if (p != NULL)
			pending_drop(p);
		return (-1);
	}
	if (p != NULL)
		return (RPC_DEFER);
	rq->result = svc_sent_result(queued);
	return (0);
}

/* type: 0 or "banned", 1 or "admitted", 2 or "filtered". */
static int
rpc_channel_add(struct request *rq)
{
	const char	*chan;
	json_t		*t = json_object_get(rq->params, "type");
	json_int_t	 type = -1;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1)
		return (-1);
	if (t == NULL)
		type = 0;
	else if (json_is_integer(t))
		type = json_integer_value(t);
	else if (json_is_string(t)) {
		if (strcmp(json_string_value(t), "banned") == 0)
			type = 0;
		else if (strcmp(json_string_value(t), "admitted") == 0)
			type = 1;
		else if (strcmp(json_string_value(t), "filtered") == 0)
			type = 2;
	}
	if (type < 0 || type > 2)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter type: 0 "
		    "(banned), 1 (admitted) or 2 (filtered)"));
	return (chanadmin_send(rq, "channel-add", json_pack("{s:s, s:I}",
	    "channel", chan, "channel_type", type), PEND_CHANADD, chan));
}

static int
rpc_channel_remove(struct request *rq)
{
	const char	*chan;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1)
		return (-1);
	return (chanadmin_send(rq, "channel-remove", json_pack("{s:s}",
	    "channel", chan), PEND_CHANREMOVE, chan));
}

/* add, remove: MUD names for the ban list (type 0) or the admit list. */
static int
rpc_channel_admin(struct request *rq)
{
	const char	*chan;
	json_t		*add = json_object_get(rq->params, "add");
	json_t		*rem = json_object_get(rq->params, "remove"), *v;
	size_t		 i;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1)
		return (-1);
	if ((add != NULL && !json_is_array(add)) ||
	    (rem != NULL && !json_is_array(rem)))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameters add and "
		    "remove: arrays of MUD names"));
	json_array_foreach(add, i, v) {
		if (!json_is_string(v))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter add: MUD names are strings"));
	}
	json_array_foreach(rem, i, v) {
		if (!json_is_string(v))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter remove: MUD names are strings"));
	}
	return (chanadmin_send(rq, "channel-admin", json_pack("{s:s, s:o, "
	    "s:o}", "channel", chan, "add_list", add ? json_incref(add) :
	    json_array(), "remove_list", rem ? json_incref(rem) :
	    json_array()), 0, chan));
}

static int
rpc_channel_adminlist(struct request *rq)
{
	const char	*chan;

	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1)
		return (-1);
	return (chanadmin_send(rq, "chan-adminlist", json_pack("{s:s}",
	    "channel", chan), PEND_ADMINLIST, chan));
}

static int
rpc_chanlist_refresh(struct request *rq)
{
	return (chanadmin_send(rq, "chanlist-req", json_object(), 0, NULL));
}

/* The chanlist changed: channel_add and channel_remove waiters answered. */
void
svc_chanadmin_changed(const json_t *added, const json_t *removed)
{
	const json_t	*v, *e;
	struct pending	*p;
	const char	*chan;
	size_t		 i;

	json_array_foreach(added, i, v) {
		chan = json_string_value(v);
		while ((p = pending_find(PEND_CHANADD, NULL, NULL, chan)) !=
		    NULL) {
			e = json_object_get(svc_mudlist_chans(), chan);
			pending_answer(p, json_pack("{s:s, s:O?, s:O?, s:b}",
			    "channel", chan, "owner", json_object_get(e,
			    "owner"), "type", json_object_get(e, "type"),
			    "added", 1));
		}
	}
	json_array_foreach(removed, i, v) {
		chan = json_string_value(v);
		while ((p = pending_find(PEND_CHANREMOVE, NULL, NULL, chan)) !=
		    NULL)
			pending_answer(p, json_pack("{s:s, s:b}", "channel",
			    chan, "removed", 1));
	}
}

/*
 * A chanlist-reply without a channel we asked to remove: the Dead Souls
 * router sends the whole list and leaves removed channels out, never 0.
 * Taken as a deletion, which answers the channel_remove.
 */
void
svc_chanadmin_chanlist(const json_t *named)
{
	const json_t	*chans = json_object_get(named, "channels");
	struct pending	*p;
	const char	*chan;
	json_t		*gone, *delta, *v;

	gone = json_object();
	for (p = pending_next(NULL, PEND_CHANREMOVE); p != NULL;
	    p = pending_next(p, PEND_CHANREMOVE)) {
		if (!json_is_object(json_object_get(chans, p->key)))
			json_object_set_new(gone, p->key, json_integer(0));
	}
	if (json_object_size(gone) > 0) {
		/* Out of our cache too: svc_chanadmin_changed() answers. */
		delta = json_pack("{s:O?, s:O}", "chanlist_id",
		    json_object_get(named, "chanlist_id"), "channels", gone);
		svc_mudlist_chanlist_apply(delta);
		json_decref(delta);
		json_object_foreach(gone, chan, v) {
			while ((p = pending_find(PEND_CHANREMOVE, NULL, NULL,
			    chan)) != NULL)
				pending_answer(p, json_pack("{s:s, s:b}",
				    "channel", chan, "removed", 1));
		}
	}
	json_decref(gone);
}

static void
chanadmin_packet(const json_t *named, const json_t *raw)
{
	const char	*chan = i3_pkt_str(named, "channel");
	struct pending	*p;

	if (!router_from_router(named)) {
		log_warnx("%s from %s ignored (not our router)",
		    i3_pkt_str(named, "type"),
		    i3_pkt_str(named, "originator_mud"));
		return;
	}
	if (strcmp(i3_pkt_str(named, "type"), "chan-filter-req") == 0) {
		chanadmin_filter(named, raw);
		return;
	}
	if ((p = pending_find(PEND_ADMINLIST, NULL, NULL, chan)) == NULL)
		return;
	pending_answer(p, json_pack("{s:s, s:o}", "channel", chan, "list",
	    json_is_array(json_object_get(named, "list")) ?
	    json_incref(json_object_get(named, "list")) : json_array()));
}

static void
chanadmin_filter_reply(const char *chan, const json_t *pkt)
{
	json_t	*raw;

	raw = i3_packet_header("chan-filter-reply", I3_TTL, gw.conf->mud_name,
	    NULL, router_name(), NULL);
	if (raw == NULL || json_array_append_new(raw, json_string(chan)) ==
	    -1 || json_array_append(raw, (json_t *)pkt) == -1) {
		json_decref(raw);
		log_warnx("chan-filter-reply for %s: cannot build", chan);
		return;
	}
	router_send_reply(raw);
}

/* A message on our filtered channel: a client vets it, or it passes. */
static void
chanadmin_filter(const json_t *named, const json_t *raw)
{
	const char	*chan = i3_pkt_str(named, "channel");
	const json_t	*pkt = json_array_get(raw, 7), *e;
	struct client	*cl;
	json_t		*params;

	if (chan == NULL || !json_is_array(pkt))
		return;
	e = json_object_get(svc_mudlist_chans(), chan);
	if (e == NULL || json_integer_value(json_object_get(e, "type")) != 2)
		log_debug("chan-filter-req for %s, not a filtered channel "
		    "of ours in the chanlist", chan);
	if ((cl = svc_presence_answerer("channel_filter_request")) != NULL) {
		params = json_pack("{s:s, s:O, s:O}", "channel", chan,
		    "packet", json_object_get(named, "packet"), "raw", pkt);
		if (call_client(cl, "channel_filter_request", params,
		    gw.conf->answer_timeout, chanadmin_filtered,
		    json_pack("{s:s, s:O}", "channel", chan, "raw", pkt)) == 0)
			return;
	}
	chanadmin_filter_reply(chan, pkt);
}

/*
 * The client's verdict: {"packet": named or raw} replaces the message,
 * {"drop": true} drops it; anything else, or none, lets it through.
 */
static void
chanadmin_filtered(json_t *ctx, const json_t *result)
{
	const char	*chan = json_string_value(json_object_get(ctx,
			    "channel"));
	const json_t	*orig = json_object_get(ctx, "raw"), *pkt;
	json_t		*conv = NULL;

	if (json_is_true(json_object_get(result, "drop"))) {
		log_debug("chan-filter: a message on %s dropped", chan);
		return;
	}
	pkt = json_object_get(result, "packet");
	if (json_is_object(pkt))
		pkt = conv = i3_packet_raw(pkt, I3_PKT_LENIENT, NULL);
	if (!json_is_array(pkt) || json_array_size(pkt) < 9 ||
	    i3_packet_type(pkt) == NULL)
		pkt = orig;
	chanadmin_filter_reply(chan, pkt);
	json_decref(conv);
}
