/*
 * svc-presence.c: the presence model: who is online here, as the MUD says
 * (presence_set, presence_update, presence_list), kept in the store; the
 * ucache-updates it implies; who listens to which channel; which client
 * answers which requests (answer); tells to absent users refused.  The
 * replies to who-req, finger-req, locate-req, chan-who-req and
 * chan-user-req built from it are in presence-reply.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "i3gw.h"

static json_t	*presence;	/* lower-case login -> user */
static int	 presence_ever;	/* presence_set or _update was called */
static json_t	*ucache_sent;	/* lower-case login -> [visname, gender] */
static json_t	*chan_users;	/* channel -> lower user -> {client, vis} */
static json_t	*answerers;	/* kind -> [client id, ...] */
static json_t	*all_tells;	/* "client id" -> true */

static const char *const presence_kinds[] = {
	"who_request", "finger_request", "locate_request",
	"channel_filter_request", NULL
};

/* Fields a user may mark private: sent as 0. */
static const char *const presence_private[] = {
	"title", "real_name", "email", "login_time", "idle", "ip", "level",
	"extra", "status", NULL
};

static int	presence_hidden(const json_t *, const char *);
static json_t	*presence_user(const json_t *, const json_t *,
		    struct rpc_error *);
static void	presence_ucache(const json_t *);
static json_t	*presence_view(const json_t *);
static int	rpc_presence_set(struct request *);
static int	rpc_presence_update(struct request *);
static int	rpc_presence_list(struct request *);
static int	rpc_answer(struct request *);

const struct svc svc_presence = {
	.name = "presence",
	.packets = { "who-req", "finger-req", "locate-req", "chan-who-req",
	    "chan-user-req", NULL },
	.on_packet = svc_presence_packet,
	.methods = {
		{ "presence_set", rpc_presence_set, API_P_PRESENCE, 0,
		    "users",
		    "replace the list of users online here" },
		{ "presence_update", rpc_presence_update, API_P_PRESENCE, 0,
		    "name [online] [user fields]",
		    "change one user online here" },
		{ "presence_list", rpc_presence_list, API_P_PRESENCE, 0,
		    "",
		    "the users online here" },
		{ "answer", rpc_answer, API_P_ANSWER, 0,
		    "[kinds] [all_tells]",
		    "answer these requests from other MUDs itself" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

char *
svc_presence_lower(const char *s)
{
	char	*l, *p;

	l = xstrdup(s);
	for (p = l; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	}
	return (l);
}

json_t *
svc_presence_get(const char *user)
{
	json_t	*u;
	char	*l;

	if (presence == NULL || user == NULL)
		return (NULL);
	if ((u = json_object_get(presence, user)) != NULL)
		return (u);
	l = svc_presence_lower(user);
	u = json_object_get(presence, l);
	free(l);
	return (u);
}

int
svc_presence_visible(const json_t *u)
{
	return (u != NULL && !json_is_true(json_object_get(u, "invisible")));
}

static int
presence_hidden(const json_t *u, const char *field)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(json_object_get(u, "private"), i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v),
		    field) == 0)
			return (1);
	}
	return (0);
}

/* A field as it goes on the wire: its value, or 0 (absent or private). */
json_t *
svc_presence_field(const json_t *u, const char *field)
{
	json_t	*v = json_object_get(u, field);

	if (v == NULL || json_is_null(v) || presence_hidden(u, field))
		return (json_integer(0));
	if (strcmp(field, "email") == 0 && !gw.conf->send_email)
		return (json_integer(0));
	if (strcmp(field, "ip") == 0 && !gw.conf->send_ip)
		return (json_integer(0));
	return (json_incref(v));
}

/* Every user online here (lower-case login -> user), or NULL. */
const json_t *
svc_presence_users(void)
{
	return (presence);
}

/* 1 once the MUD said who is online: absent users are then refused. */
int
svc_presence_enforced(void)
{
	return (presence_ever);
}

/* What the last ucache-update said of a user: [visname, gender], or NULL. */
const json_t *
svc_presence_ucache_sent(const char *lower)
{
	return (json_object_get(ucache_sent, lower));
}

/*
 * Presence is the MUD's and outlives a restart of the gateway: kept in the
 * store after every change, idle times as seconds (the clock that measures
 * them does not survive).
 */
static void
presence_store(void)
{
	json_t		*all, *c;
	const char	*k;
	json_t		*u;
	json_int_t	 idle, at;

	all = json_object();
	json_object_foreach(presence, k, u) {
		c = json_deep_copy(u);
		idle = json_integer_value(json_object_get(u, "idle"));
		at = json_integer_value(json_object_get(u, "idle_at"));
		if (idle >= 0)
			json_object_set_new(c, "idle", json_integer(idle +
			    ((json_int_t)ev_now() - at) / 1000));
		json_object_del(c, "idle_at");
		json_object_set_new(all, k, c);
	}
	if (store_mudstate_set("presence", all) == -1)
		log_warnx("presence: not stored");
	json_decref(all);
}

void
svc_presence_init(void)
{
	json_t		*all;
	const char	*k;
	json_t		*u;

	if ((all = store_mudstate_get("presence")) == NULL ||
	    !json_is_object(all)) {
		json_decref(all);
		return;
	}
	json_object_foreach(all, k, u)
		json_object_set_new(u, "idle_at", json_integer(
		    (json_int_t)ev_now()));
	json_decref(presence);
	presence = all;
	presence_ever = 1;
	log_info("presence: %zu users kept from before the restart",
	    json_object_size(presence));
}

/* Idle seconds now: as given, plus the time since. */
json_int_t
svc_presence_idle(const json_t *u)
{
	json_int_t	idle = json_integer_value(json_object_get(u, "idle"));
	json_int_t	at = json_integer_value(json_object_get(u, "idle_at"));

	if (presence_hidden(u, "idle"))
		return (0);
	if (idle < 0)
		return (idle);
	return (idle + ((json_int_t)ev_now() - at) / 1000);
}

/*
 * A user from the MUD, merged over old (NULL for a new one): login name,
 * visname, idle, title, level, real_name, email, login_time, extra, gender,
 * invisible, private, status, ip.  NULL with re set when malformed.
 */
static json_t *
presence_user(const json_t *in, const json_t *old, struct rpc_error *re)
{
	static const char *const strs[] = { "visname", "title", "level",
	    "real_name", "email", "extra", "status", "ip", NULL };
	const char	*name;
	json_t		*u, *v;
	json_int_t	 g;
	size_t		 i;
	time_t		 t;
	struct tm	 tm;
	char		 buf[64];

	if (!json_is_object(in)) {
		rpc_fail(re, I3_RPC_PARAMS, "a user must be an object");
		return (NULL);
	}
	if (rpc_str(in, "name", 1, &name, re) == -1)
		return (NULL);
	u = old != NULL ? json_deep_copy(old) : json_object();
	json_object_set_new(u, "name", json_string(name));
	for (i = 0; strs[i] != NULL; i++) {
		if ((v = json_object_get(in, strs[i])) == NULL)
			continue;
		if (json_is_null(v))
			json_object_del(u, strs[i]);
		else if (json_is_string(v))
			json_object_set(u, strs[i], v);
		else {
			rpc_fail(re, I3_RPC_PARAMS, "user %s: %s must be a "
			    "string", name, strs[i]);
			goto bad;
		}
	}
	if (json_object_get(u, "visname") == NULL)
		json_object_set_new(u, "visname", json_string(name));
	if ((v = json_object_get(in, "idle")) != NULL) {
		if (!json_is_integer(v)) {
			rpc_fail(re, I3_RPC_PARAMS, "user %s: idle must be an "
			    "integer (seconds)", name);
			goto bad;
		}
		json_object_set(u, "idle", v);
		json_object_set_new(u, "idle_at", json_integer(ev_now()));
	} else if (old == NULL) {
		json_object_set_new(u, "idle", json_integer(0));
		json_object_set_new(u, "idle_at", json_integer(ev_now()));
	}
	if ((v = json_object_get(in, "login_time")) != NULL) {
		if (json_is_integer(v)) {
			t = (time_t)json_integer_value(v);
			localtime_r(&t, &tm);
			strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
			json_object_set_new(u, "login_time", json_string(buf));
		} else if (json_is_string(v))
			json_object_set(u, "login_time", v);
		else if (json_is_null(v))
			json_object_del(u, "login_time");
		else {
			rpc_fail(re, I3_RPC_PARAMS, "user %s: login_time must "
			    "be a string or seconds since the epoch", name);
			goto bad;
		}
	}
	if ((v = json_object_get(in, "gender")) != NULL) {
		g = -1;
		if (json_is_integer(v))
			g = json_integer_value(v);
		else if (json_is_string(v)) {
			if (strcasecmp(json_string_value(v), "male") == 0)
				g = 0;
			else if (strcasecmp(json_string_value(v),
			    "female") == 0)
				g = 1;
			else
				g = 2;
		}
		if (g < 0 || g > 2) {
			rpc_fail(re, I3_RPC_PARAMS, "user %s: gender is 0 "
			    "(male), 1 (female), 2 (neuter) or its name", name);
			goto bad;
		}
		json_object_set_new(u, "gender", json_integer(g));
	} else if (old == NULL)
		json_object_set_new(u, "gender", json_integer(2));
	if ((v = json_object_get(in, "invisible")) != NULL) {
		if (!json_is_boolean(v)) {
			rpc_fail(re, I3_RPC_PARAMS, "user %s: invisible must "
			    "be true or false", name);
			goto bad;
		}
		json_object_set(u, "invisible", v);
	}
	if ((v = json_object_get(in, "private")) != NULL) {
		if (!json_is_array(v)) {
			rpc_fail(re, I3_RPC_PARAMS, "user %s: private must be "
			    "an array of field names", name);
			goto bad;
		}
		json_t	*f;
		size_t	 j;

		json_array_foreach(v, i, f) {
			for (j = 0; presence_private[j] != NULL; j++) {
				if (json_is_string(f) && strcmp(
				    json_string_value(f),
				    presence_private[j]) == 0)
					break;
			}
			if (presence_private[j] == NULL) {
				rpc_fail(re, I3_RPC_PARAMS, "user %s: private: "
				    "unknown field (title, real_name, email, "
				    "login_time, idle, ip, level, extra, "
				    "status)", name);
				goto bad;
			}
		}
		json_object_set(u, "private", v);
	}
	return (u);
bad:
	json_decref(u);
	return (NULL);
}

/* A ucache-update when a known user's visname or gender changed. */
static void
presence_ucache(const json_t *u)
{
	const char	*name = json_string_value(json_object_get(u, "name"));
	const char	*vis = json_string_value(json_object_get(u, "visname"));
	json_int_t	 g = json_integer_value(json_object_get(u, "gender"));
	json_t		*was, *raw;
	char		*l;

	if (ucache_sent == NULL)
		ucache_sent = json_object();
	l = svc_presence_lower(name);
	was = json_object_get(ucache_sent, l);
	if (was != NULL && strcmp(json_string_value(json_array_get(was, 0)),
	    vis) == 0 && json_integer_value(json_array_get(was, 1)) == g) {
		free(l);
		return;
	}
	if (was != NULL && json_integer_value(json_object_get(
	    gw.conf->services, "ucache")) != 0) {
		raw = i3_packet_header("ucache-update", I3_TTL,
		    gw.conf->mud_name, NULL, NULL, NULL);
		if (json_array_append_new(raw, json_string(l)) == -1 ||
		    json_array_append_new(raw, json_string(vis)) == -1 ||
		    json_array_append_new(raw, json_integer(g)) == -1) {
			json_decref(raw);
			raw = NULL;
		}
		log_debug("ucache-update for %s: %s, %d", l, vis, (int)g);
		router_send_reply(raw);
	}
	json_object_set_new(ucache_sent, l, json_pack("[s, I]", vis, g));
	free(l);
}

static int
rpc_presence_set(struct request *rq)
{
	const json_t	*list = json_object_get(rq->params, "users"), *v;
	const char	*key;
	json_t		*next, *u;
	char		*l;
	size_t		 i;

	if (!json_is_array(list))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter users: an array of users is expected"));
	next = json_object();
	json_array_foreach(list, i, v) {
		if ((u = presence_user(v, NULL, &rq->err)) == NULL) {
			json_decref(next);
			return (-1);
		}
		l = svc_presence_lower(json_string_value(json_object_get(u,
		    "name")));
		json_object_set_new(next, l, u);
		free(l);
	}
	json_object_foreach(next, key, u)
		presence_ucache(u);
	json_decref(presence);
	presence = next;
	presence_ever = 1;
	presence_store();
	rq->result = json_pack("{s:i}", "count",
	    (int)json_object_size(presence));
	return (0);
}

/* One user: fields merged; "online": false takes the user away. */
static int
rpc_presence_update(struct request *rq)
{
	const char	*name;
	json_t		*u, *on = json_object_get(rq->params, "online");
	char		*l;
	int		 online;

	if (rpc_str(rq->params, "name", 1, &name, &rq->err) == -1)
		return (-1);
	if (on != NULL && !json_is_boolean(on))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter online: true or false"));
	online = on == NULL || json_is_true(on);
	if (presence == NULL)
		presence = json_object();
	presence_ever = 1;
	l = svc_presence_lower(name);
	if (!online)
		json_object_del(presence, l);
	else {
		if ((u = presence_user(rq->params, json_object_get(presence, l),
		    &rq->err)) == NULL) {
			free(l);
			return (-1);
		}
		presence_ucache(u);
		json_object_set_new(presence, l, u);
	}
	presence_store();
	rq->result = json_pack("{s:s, s:b, s:i}", "name", l, "online", online,
	    "count", (int)json_object_size(presence));
	free(l);
	return (0);
}

/* A user as clients see it: idle now, no internal keys. */
static json_t *
presence_view(const json_t *u)
{
	json_t	*v = json_deep_copy(u);

	json_object_del(v, "idle_at");
	json_object_set_new(v, "idle", json_integer(svc_presence_idle(u)));
	return (v);
}

static int
rpc_presence_list(struct request *rq)
{
	const char	*key;
	json_t		*arr = json_array(), *u;

	json_object_foreach(presence, key, u)
		json_array_append_new(arr, presence_view(u));
	rq->result = json_pack("{s:i, s:o, s:b}", "count",
	    (int)json_array_size(arr), "users", arr, "enforced",
	    presence_ever);
	return (0);
}

/*
 * answer {kinds: [...], all_tells}: this client answers those requests
 * itself (replacing its earlier choice); all_tells: it takes every tell.
 */
static int
rpc_answer(struct request *rq)
{
	struct client	*cl = rq->cl;
	const json_t	*kinds = json_object_get(rq->params, "kinds"), *v;
	json_t		*mine, *arr, *at = json_object_get(rq->params,
	    "all_tells");
	const char	*k;
	char		 idbuf[16];
	size_t		 i, j;

	if (kinds != NULL && !json_is_array(kinds))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter kinds: an array of request kinds is expected"));
	if (at != NULL && !json_is_boolean(at))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter all_tells: true or false"));
	json_array_foreach(kinds, i, v) {
		for (j = 0; presence_kinds[j] != NULL; j++) {
			if (json_is_string(v) && strcmp(json_string_value(v),
			    presence_kinds[j]) == 0)
				break;
		}
		if (presence_kinds[j] == NULL)
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter kinds: "
			    "who_request, finger_request, locate_request or "
			    "channel_filter_request"));
	}
	if (answerers == NULL)
		answerers = json_object();
	if (all_tells == NULL)
		all_tells = json_object();
	snprintf(idbuf, sizeof idbuf, "%d", cl->id);
	if (at != NULL) {
		if (json_is_true(at))
			json_object_set_new(all_tells, idbuf, json_true());
		else
			json_object_del(all_tells, idbuf);
	}
	mine = json_array();
	for (j = 0; presence_kinds[j] != NULL; j++) {
		k = presence_kinds[j];
		if ((arr = json_object_get(answerers, k)) == NULL) {
			arr = json_array();
			json_object_set_new(answerers, k, arr);
		}
		if (kinds != NULL) {
			for (i = 0; i < json_array_size(arr); i++) {
				if (json_integer_value(json_array_get(arr,
				    i)) == cl->id)
					json_array_remove(arr, i--);
			}
			json_array_foreach(kinds, i, v) {
				if (strcmp(json_string_value(v), k) == 0) {
					json_array_append_new(arr,
					    json_integer(cl->id));
					break;
				}
			}
		}
		for (i = 0; i < json_array_size(arr); i++) {
			if (json_integer_value(json_array_get(arr, i)) ==
			    cl->id) {
				json_array_append_new(mine, json_string(k));
				break;
			}
		}
	}
	rq->result = json_pack("{s:o, s:b}", "kinds", mine, "all_tells",
	    json_object_get(all_tells, idbuf) != NULL);
	return (0);
}

/*
 * subscribe and unsubscribe: the request kinds among the events named
 * (NULL with on 0: every kind) are answered by this client, or no longer.
 */
void
svc_presence_answer_kinds(struct client *cl, const json_t *events, int on)
{
	json_t		*arr;
	const json_t	*v;
	size_t		 i, j;

	if (answerers == NULL)
		answerers = json_object();
	for (j = 0; presence_kinds[j] != NULL; j++) {
		if (events != NULL) {
			json_array_foreach(events, i, v) {
				if (json_is_string(v) && strcmp(
				    json_string_value(v), presence_kinds[j]) ==
				    0)
					break;
			}
			if (i == json_array_size(events))
				continue;
		}
		if ((arr = json_object_get(answerers, presence_kinds[j])) ==
		    NULL) {
			arr = json_array();
			json_object_set_new(answerers, presence_kinds[j], arr);
		}
		for (i = 0; i < json_array_size(arr); i++) {
			if (json_integer_value(json_array_get(arr, i)) ==
			    cl->id)
				json_array_remove(arr, i--);
		}
		if (on)
			json_array_append_new(arr, json_integer(cl->id));
	}
}

/* The client that answers this kind of request, if one is still here. */
struct client *
svc_presence_answerer(const char *kind)
{
	json_t		*arr = json_object_get(answerers, kind);
	struct client	*cl;
	size_t		 i;

	for (i = 0; i < json_array_size(arr); i++) {
		cl = client_find((int)json_integer_value(json_array_get(arr,
		    i)));
		if (cl != NULL)
			return (cl);
		json_array_remove(arr, i--);
	}
	return (NULL);
}

/*
 * Should a tell (emoteto, beep) for this user be delivered?  No, once the
 * MUD said who is online and the user is not (or is invisible), unless a
 * client or the config takes every tell: the sender gets unk-user.
 */
int
svc_presence_tell_ok(const json_t *named, const json_t *raw)
{
	const char	*user = i3_pkt_str(named, "target_user");
	const char	*key;
	json_t		*v;
	void		*tmp;
	char		*msg;

	if (!presence_ever || gw.conf->take_all_tells)
		return (1);
	json_object_foreach_safe(all_tells, tmp, key, v) {
		if (client_find(atoi(key)) != NULL)
			return (1);
		json_object_del(all_tells, key);	/* that client left */
	}
	if (svc_presence_visible(svc_presence_get(user)))
		return (1);
	xasprintf(&msg, "%s is not online on %s", user ? user : "that user",
	    gw.conf->mud_name);
	svc_presence_reply_error(named, raw, "unk-user", msg);
	free(msg);
	return (0);
}

/* channel_join with a user: the gateway knows who listens, for chan-who. */
void
svc_presence_chan_join(struct client *cl, const char *chan, const char *user,
    const char *visname)
{
	json_t	*users;
	char	*l;

	if (chan_users == NULL)
		chan_users = json_object();
	if ((users = json_object_get(chan_users, chan)) == NULL) {
		users = json_object();
		json_object_set_new(chan_users, chan, users);
	}
	l = svc_presence_lower(user);
	json_object_set_new(users, l, json_pack("{s:i, s:s}", "client",
	    cl->id, "visname", visname != NULL ? visname : user));
	free(l);
}

void
svc_presence_chan_leave(struct client *cl, const char *chan,
    const char *user)
{
	json_t	*users = json_object_get(chan_users, chan);
	char	*l;

	if (users == NULL)
		return;
	l = svc_presence_lower(user);
	json_object_del(users, l);
	free(l);
	if (json_object_size(users) == 0)
		json_object_del(chan_users, chan);
}

/*
 * The visnames of the local users listening to a channel (a new array):
 * those still here and, once the MUD said who is online, visible.
 */
json_t *
svc_presence_chan_listeners(const char *chan)
{
	const char	*key;
	json_t		*list, *users, *v, *u;
	void		*tmp;

	list = json_array();
	users = json_object_get(chan_users, chan);
	json_object_foreach_safe(users, tmp, key, v) {
		if (client_find((int)json_integer_value(json_object_get(v,
		    "client"))) == NULL) {
			json_object_del(users, key);	/* its client left */
			continue;
		}
		u = svc_presence_get(key);
		if (presence_ever && !svc_presence_visible(u))
			continue;
		json_array_append(list, u != NULL ? json_object_get(u,
		    "visname") : json_object_get(v, "visname"));
	}
	return (list);
}
