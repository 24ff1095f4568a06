/*
 * presence-reply.c: the answers to who-req, finger-req, locate-req,
 * chan-who-req and chan-user-req: from a client that answers that kind of
 * request itself (answer), else from the presence model (svc-presence.c);
 * and the I3 errors sent back to a request's sender.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

static json_t	*presence_hdr(const char *, const json_t *);
static void	presence_send(json_t *);
static void	presence_dispatch(const json_t *, const json_t *,
		    const char *);
static void	presence_answered(json_t *, const json_t *);
static void	presence_answer(const json_t *);
static int	presence_from_client(const json_t *, const json_t *);
static void	presence_who(const json_t *, const json_t *);
static void	presence_finger(const json_t *, const json_t *);
static void	presence_locate(const json_t *, const json_t *);
static void	presence_chanwho(const json_t *);
static void	presence_chanuser(const json_t *);

/* A header for a reply to the request named. */
static json_t *
presence_hdr(const char *type, const json_t *named)
{
	return (i3_packet_header(type, I3_TTL, gw.conf->mud_name, NULL,
	    i3_pkt_str(named, "originator_mud"),
	    i3_pkt_str(named, "originator_user")));
}

static void
presence_send(json_t *raw)
{
	if (raw == NULL) {
		log_warnx("cannot build a reply");
		return;
	}
	peer_reply(raw);
	router_send_reply(raw);
}

/* An I3 error back to the sender of a packet (never for errors). */
void
svc_presence_reply_error(const json_t *named, const json_t *raw,
    const char *code, const char *msg)
{
	const char	*omud = i3_pkt_str(named, "originator_mud");
	json_t		*e, *copy;

	if (omud == NULL || omud[0] == '*' ||
	    strcmp(i3_pkt_str(named, "type"), "error") == 0)
		return;
	e = presence_hdr("error", named);
	json_array_append_new(e, json_string(code));
	json_array_append_new(e, json_string(msg));
	if (raw != NULL)
		json_array_append(e, (json_t *)raw);
	else if ((copy = i3_packet_raw(named, I3_PKT_LENIENT, NULL)) != NULL)
		json_array_append_new(e, copy);
	else
		json_array_append_new(e, json_integer(0));
	presence_send(e);
}

void
svc_presence_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_pkt_str(named, "type");
	const char	*user = i3_pkt_str(named, "username"), *at;
	json_t		*own = NULL;

	if (i3_pkt_str(named, "originator_mud") == NULL)
		return;
	/*
	 * Samson's "i3finger ann@Alpha" asks for "ann@Alpha": a trailing
	 * @ and our own MUD name (any case) is dropped from the username of
	 * finger-req, locate-req and chan-user-req.
	 */
	if (user != NULL && (at = strrchr(user, '@')) != NULL &&
	    at > user && strcasecmp(at + 1, gw.conf->mud_name) == 0) {
		own = json_copy((json_t *)named);
		json_object_set_new(own, "username", json_stringn(user,
		    (size_t)(at - user)));
		named = own;
	}
	presence_dispatch(named, raw, type);
	json_decref(own);
}

static void
presence_dispatch(const json_t *named, const json_t *raw, const char *type)
{
	const char	*kind = NULL;
	struct client	*cl;
	json_t		*params;

	if (strcmp(type, "who-req") == 0)
		kind = "who_request";
	else if (strcmp(type, "finger-req") == 0)
		kind = "finger_request";
	else if (strcmp(type, "locate-req") == 0)
		kind = "locate_request";
	if (kind != NULL && (cl = svc_presence_answerer(kind)) != NULL) {
		params = svc_event(named, NULL);
		if (call_client(cl, kind, params, gw.conf->answer_timeout,
		    presence_answered, json_pack("{s:O, s:O}", "named", named,
		    "raw", raw)) == 0)
			return;
	}
	presence_answer(named);
}

/* The client's answer, or NULL: then presence answers. */
static void
presence_answered(json_t *ctx, const json_t *result)
{
	const json_t	*named = json_object_get(ctx, "named");

	if (result != NULL && presence_from_client(named, result))
		return;
	presence_answer(named);
}

static void
presence_answer(const json_t *named)
{
	const char	*type = i3_pkt_str(named, "type");

	if (strcmp(type, "who-req") == 0)
		presence_who(named, NULL);
	else if (strcmp(type, "finger-req") == 0)
		presence_finger(named, NULL);
	else if (strcmp(type, "locate-req") == 0)
		presence_locate(named, NULL);
	else if (strcmp(type, "chan-who-req") == 0)
		presence_chanwho(named);
	else
		presence_chanuser(named);
}

/*
 * A client's result as the reply: who {users: [{visname, idle, extra}]}
 * (or the array), finger {found: false} or the finger fields, locate
 * {found: false} or {visname, idle, status}.  0 when it does not fit.
 */
static int
presence_from_client(const json_t *named, const json_t *result)
{
	const char	*type = i3_pkt_str(named, "type");
	const json_t	*users = result, *found;

	found = json_object_get(result, "found");
	if (strcmp(type, "who-req") == 0) {
		if (json_is_object(result))
			users = json_object_get(result, "users");
		if (!json_is_array(users))
			return (0);
		presence_who(named, users);
		return (1);
	}
	if (!json_is_object(result))
		return (0);
	if (strcmp(type, "finger-req") == 0) {
		if (json_is_false(found)) {
			presence_finger(named, json_null());
			return (1);
		}
		if (!json_is_string(json_object_get(result, "visname")))
			return (0);
		presence_finger(named, result);
		return (1);
	}
	if (json_is_false(found))
		return (1);	/* not here: locate has no negative reply */
	if (!json_is_string(json_object_get(result, "visname")))
		return (0);
	presence_locate(named, result);
	return (1);
}

/* who-reply: every visible user, or the rows a client gave. */
static void
presence_who(const json_t *named, const json_t *rows)
{
	const char	*key;
	const json_t	*u;
	json_t		*raw, *data, *x, *row;
	size_t		 i;

	data = json_array();
	if (rows != NULL) {
		json_array_foreach(rows, i, u) {
			if (!json_is_object(u) || !json_is_string(
			    json_object_get(u, "visname")))
				continue;
			x = json_object_get(u, "extra");
			json_array_append_new(data, json_pack("[O, I, o]",
			    json_object_get(u, "visname"), json_integer_value(
			    json_object_get(u, "idle")), json_is_string(x) ?
			    json_incref(x) : json_integer(0)));
		}
	} else {
		json_object_foreach((json_t *)svc_presence_users(), key, u) {
			if (!svc_presence_visible(u))
				continue;
			/* The title, never the .plan (extra) in a who list. */
			x = svc_presence_field(u, "title");
			row = json_array();
			json_array_append(row, json_object_get(u, "visname"));
			json_array_append_new(row, json_integer(
			    svc_presence_idle(u)));
			json_array_append_new(row, x);
			json_array_append_new(data, row);
		}
	}
	raw = presence_hdr("who-reply", named);
	json_array_append_new(raw, data);
	presence_send(raw);
}

/* finger-reply, or unk-user (f json_null(): a client said not found). */
static void
presence_finger(const json_t *named, const json_t *f)
{
	const char	*user = i3_pkt_str(named, "username");
	const json_t	*u = svc_presence_get(user);
	json_t		*raw, *idle;
	char		*msg;

	if (f == NULL && !svc_presence_visible(u))
		f = json_null();
	if (json_is_null(f)) {
		xasprintf(&msg, "%s is not online on %s", user ? user :
		    "that user", gw.conf->mud_name);
		svc_presence_reply_error(named, NULL, "unk-user", msg);
		free(msg);
		return;
	}
	raw = presence_hdr("finger-reply", named);
	if (f != NULL) {
		/* A client's answer: its fields, the config's rules. */
		idle = json_object_get(f, "idle_time");
		if (idle == NULL)
			idle = json_object_get(f, "idle");
		json_array_append(raw, json_object_get(f, "visname"));
		json_array_append_new(raw, svc_presence_field(f, "title"));
		json_array_append_new(raw, svc_presence_field(f, "real_name"));
		json_array_append_new(raw, svc_presence_field(f, "email"));
		json_array_append_new(raw, json_object_get(f,
		    "loginout_time") != NULL ? svc_presence_field(f,
		    "loginout_time") : svc_presence_field(f, "login_time"));
		json_array_append_new(raw, json_integer(json_is_integer(idle) ?
		    json_integer_value(idle) : 0));
		json_array_append_new(raw, json_object_get(f, "ip_name") !=
		    NULL && gw.conf->send_ip ? json_incref(json_object_get(f,
		    "ip_name")) : svc_presence_field(f, "ip"));
		json_array_append_new(raw, svc_presence_field(f, "level"));
		json_array_append_new(raw, svc_presence_field(f, "extra"));
		presence_send(raw);
		return;
	}
	json_array_append(raw, json_object_get(u, "visname"));
	json_array_append_new(raw, svc_presence_field(u, "title"));
	json_array_append_new(raw, svc_presence_field(u, "real_name"));
	json_array_append_new(raw, svc_presence_field(u, "email"));
	json_array_append_new(raw, svc_presence_field(u, "login_time"));
	json_array_append_new(raw, json_integer(svc_presence_idle(u)));
	json_array_append_new(raw, svc_presence_field(u, "ip"));
	json_array_append_new(raw, svc_presence_field(u, "level"));
	json_array_append_new(raw, svc_presence_field(u, "extra"));
	presence_send(raw);
}

/* locate-reply only where the user is here and visible. */
static void
presence_locate(const json_t *named, const json_t *f)
{
	const json_t	*u;
	json_t		*raw, *st;
	json_int_t	 idle;

	if (f != NULL) {
		u = f;
		idle = json_integer_value(json_object_get(f, "idle"));
	} else {
		u = svc_presence_get(i3_pkt_str(named, "username"));
		if (!svc_presence_visible(u))
			return;
		idle = svc_presence_idle(u);
	}
	raw = presence_hdr("locate-reply", named);
	json_array_append_new(raw, json_string(gw.conf->mud_name));
	json_array_append(raw, json_object_get(u, "visname"));
	json_array_append_new(raw, json_integer(idle));
	/*
	 * Always a string: Samson prints the status as it is (0 reads
	 * ": 0."), Dead Souls in brackets (docs/PROTOCOL.md 5.3).
	 */
	st = svc_presence_field(u, "status");
	if (!json_is_string(st) || json_string_length(st) == 0) {
		json_decref(st);
		st = json_string("online");
	}
	json_array_append_new(raw, st);
	presence_send(raw);
}

/* chan-who-reply: the visible local users listening to the channel. */
static void
presence_chanwho(const json_t *named)
{
	const char	*chan = i3_pkt_str(named, "channel");
	json_t		*raw, *list;

	if (chan == NULL)
		return;
	list = svc_presence_chan_listeners(chan);
	raw = presence_hdr("chan-who-reply", named);
	json_array_append_new(raw, json_string(chan));
	json_array_append_new(raw, list);
	presence_send(raw);
}

/* chan-user-reply from presence, or from what we last said of the user. */
static void
presence_chanuser(const json_t *named)
{
	const char	*user = i3_pkt_str(named, "username");
	const json_t	*u = svc_presence_get(user), *was;
	json_t		*raw;
	char		*l, *msg;

	if (user == NULL)
		return;
	raw = presence_hdr("chan-user-reply", named);
	l = svc_presence_lower(user);
	json_array_append_new(raw, json_string(l));
	was = svc_presence_ucache_sent(l);
	free(l);
	if (u != NULL) {
		json_array_append(raw, json_object_get(u, "visname"));
		json_array_append(raw, json_object_get(u, "gender"));
	} else if (was != NULL) {
		json_array_append(raw, json_array_get(was, 0));
		json_array_append(raw, json_array_get(was, 1));
	} else {
		json_decref(raw);
		xasprintf(&msg, "%s is not known on %s", user,
		    gw.conf->mud_name);
		svc_presence_reply_error(named, NULL, "unk-user", msg);
		free(msg);
		return;
	}
	presence_send(raw);
}
