/*
 * svc-info.c: asking other MUDs: who, finger, locate, channel_who and
 * chan_user wait for the remote reply and return it as the result.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3gw.h"


static void	info_packet(const json_t *, const json_t *);
static int	info_target(const json_t *, const char **,
		    struct rpc_error *);
static int	info_user(const json_t *, const char **, struct rpc_error *);
static int	info_common(const json_t *, long, long *, int *, char **,
		    struct rpc_error *);
static int	info_send(json_t *, struct pending *, struct rpc_error *);
static json_t	*info_str(const json_t *, const char *);
static char	*info_idle(json_int_t);
static void	info_add(i3_buf *, const char *, size_t);
static void	info_adds(i3_buf *, const char *);
static int	info_request(struct request *, const char *, enum pend_kind,
		    json_t *, const char *, char *, const char *, long, int,
		    struct pending **);
static void	info_who_reply(const json_t *);
static void	info_finger_reply(const json_t *);
static void	info_locate_reply(const json_t *);
static void	info_chanwho_reply(const json_t *);
static void	info_chanuser_reply(const json_t *);
static int	rpc_who(struct request *);
static int	rpc_finger(struct request *);
static int	rpc_locate(struct request *);
static int	rpc_channel_who(struct request *);
static int	rpc_chan_user(struct request *);

const struct svc svc_info = {
	.name = "info",
	.packets = { "who-reply", "finger-reply", "locate-reply",
	    "chan-who-reply", "chan-user-reply", NULL },
	.on_packet = info_packet,
	.methods = {
		{ "who", rpc_who, API_P_INFO, 0,
		    "target_mud [timeout] [from_user] [colour]",
		    "who is on a MUD" },
		{ "finger", rpc_finger, API_P_INFO, 0,
		    "target_mud user [timeout] [from_user] [colour]",
		    "one user of a MUD (`user` or `target_user`)" },
		{ "locate", rpc_locate, API_P_INFO, 0,
		    "user [timeout] [from_user] [colour]",
		    "which MUDs a user is on (`user` or `target_user`)" },
		{ "channel_who", rpc_channel_who, API_P_CHANNEL, 0,
		    "[target_mud] channel [timeout] [from_user] [colour]",
		    "who listens to a channel on a MUD (default this one)" },
		{ "chan_user", rpc_chan_user, API_P_INFO, 0,
		    "target_mud user [timeout]",
		    "a user's visname and gender" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* Samson's who banner rows: the idle value is a layout marker. */
#define WHO_BANNER(i)	((i) == 9999 || (i) == 19998 || (i) == 29997)

/* timeout: seconds (a number), else dflt ms; at most an hour. */
int
svc_info_timeout(const json_t *params, long dflt, long *ms,
    struct rpc_error *re)
{
	json_t	*v = json_object_get(params, "timeout");
	double	 d;

	*ms = dflt;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_number(v))
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter timeout: "
		    "seconds (a number) are expected"));
	d = json_number_value(v);
	if (d <= 0 || d > 3600)
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter timeout: more "
		    "than 0 and at most 3600 seconds"));
	*ms = (long)(d * 1000);
	if (*ms == 0)
		*ms = 1;
	return (0);
}

/* colour: the profile of the "text" forms (default plain). */
int
svc_info_profile(const json_t *params, int *profile, struct rpc_error *re)
{
	const char	*name;

	*profile = I3_COLOUR_PLAIN;
	if (rpc_str(params, "colour", 0, &name, re) == -1)
		return (-1);
	if (name == NULL)
		return (0);
	if ((*profile = i3_colour_profile(name)) == -1)
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter colour: unknown "
		    "profile %s", name));
	return (0);
}

/* Pinkfish text rendered in a profile; never NULL. */
char *
svc_info_render(const char *text, int profile)
{
	const unsigned char	*p;
	char			*out;
	size_t			 len;

	if (text == NULL)
		return (xstrdup(""));
	/* Nothing to translate or strip: as it is. */
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '%' || *p < 0x20 || *p == 0x7f || *p >= 0x80)
			break;
	}
	if (*p == '\0')
		return (xstrdup(text));
	out = i3_colour_render(text, strlen(text), profile, &len, NULL);
	return (out != NULL ? out : xstrdup(text));
}

/* A string field as it goes into a result: 0 becomes null. */
static json_t *
info_str(const json_t *named, const char *field)
{
	const char	*s = i3_pkt_str(named, field);

	return (s != NULL ? json_string(s) : json_null());
}

/* "5s", "3m", "2h", "4d" */
static char *
info_idle(json_int_t idle)
{
	char		 buf[32], *p = buf + sizeof buf;
	long long	 v = idle;
	char		 unit = 's';

	if (v >= 86400)
		v /= 86400, unit = 'd';
	else if (v >= 3600)
		v /= 3600, unit = 'h';
	else if (v >= 60)
		v /= 60, unit = 'm';
	if (v < 0)
		v = 0;
	*--p = '\0';
	*--p = unit;
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	return (xstrdup(p));
}

/* target_mud: a MUD the mudlist does not show down (unknown ones are tried). */
static int
info_target(const json_t *params, const char **canon, struct rpc_error *re)
{
	const char	*mud;

	if (rpc_str(params, "target_mud", 1, &mud, re) == -1)
		return (-1);
	if (svc_mudlist_up(mud, canon) == 0)
		return (rpc_fail(re, I3_RPC_MUDDOWN, "%s is down (mudlist)",
		    *canon));
	return (0);
}

/*
 * The user asked about: "user", or "target_user" as the Python gateway's
 * clients name it.
 */
static int
info_user(const json_t *params, const char **who, struct rpc_error *re)
{
	return (rpc_str(params, json_object_get(params, "target_user") !=
	    NULL ? "target_user" : "user", 1, who, re));
}

/* timeout, colour and from_user, shared by every method here. */
static int
info_common(const json_t *params, long dflt, long *ms, int *profile,
    char **user, struct rpc_error *re)
{
	const char	*from;

	*user = NULL;
	if (svc_info_timeout(params, dflt, ms, re) == -1 ||
	    svc_info_profile(params, profile, re) == -1 ||
	    rpc_str(params, "from_user", 0, &from, re) == -1)
		return (-1);
	*user = pending_user(from);
	return (0);
}

/* Send the request; on failure the waiting entry goes too. */
static int
info_send(json_t *raw, struct pending *p, struct rpc_error *re)
{
	int	queued;

	/* No router link: nobody can be asked; say so now, not after ms. */
	if (!router_ready()) {
		json_decref(raw);
		pending_drop(p);
		return (rpc_fail(re, I3_RPC_UNAVAILABLE, "router unavailable: no "
		    "link to a router to ask through"));
	}
	if (router_send(raw, &queued, re) == -1) {
		pending_drop(p);
		return (-1);
	}
	return (RPC_DEFER);
}

/*
 * A request of this type built from fields (stolen), registered as kind
 * to wait for its answer, and sent.  user is the requesting user (freed).
 */
static int
info_request(struct request *rq, const char *type, enum pend_kind kind,
    json_t *fields, const char *mud, char *user, const char *key, long ms,
    int profile, struct pending **pp)
{
	struct rpc_error *re = &rq->err;
	struct pending	*p;
	json_t		*raw;

	raw = i3_packet_build(type, fields, NULL);
	json_decref(fields);
	if (raw == NULL) {
		free(user);
		return (rpc_fail(re, I3_RPC_PARAMS, "cannot build a %s from "
		    "these parameters", type));
	}
	p = pending_new(rq, kind, mud, user, key, ms, profile);
	free(user);
	if (p == NULL) {
		json_decref(raw);
		return (rpc_fail(re, I3_RPC_QUEUEFULL, "too many requests "
		    "waiting for answers"));
	}
	if (pp != NULL)
		*pp = p;
	return (info_send(raw, p, re));
}

static int
rpc_who(struct request *rq)
{
	const char	*mud;
	struct pending	*p;
	json_t		*raw;
	char		*user;
	long		 ms;
	int		 profile;

	if (info_target(rq->params, &mud, &rq->err) == -1 ||
	    info_common(rq->params, gw.conf->info_timeout, &ms, &profile, &user,
	    &rq->err) == -1)
		return (-1);
	if ((p = pending_new(rq, PEND_WHO, mud, user, NULL, ms,
	    profile)) == NULL) {
		free(user);
		return (rpc_fail(&rq->err, I3_RPC_QUEUEFULL,
		    "too many requests waiting for answers"));
	}
	/* The gateway's busiest request: a bare header, as tell does. */
	raw = i3_packet_header("who-req", I3_TTL, gw.conf->mud_name, user,
	    mud, NULL);
	free(user);
	if (raw == NULL) {
		pending_drop(p);
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "cannot build a who-req "
		    "from these parameters (not UTF-8?)"));
	}
	return (info_send(raw, p, &rq->err));
}

static int
rpc_finger(struct request *rq)
{
	const char	*mud, *who;
	json_t		*f;
	char		*user;
	long		 ms;
	int		 profile;

	if (info_target(rq->params, &mud, &rq->err) == -1 ||
	    info_user(rq->params, &who, &rq->err) == -1 ||
	    info_common(rq->params, gw.conf->info_timeout, &ms, &profile, &user,
	    &rq->err) == -1)
		return (-1);
	f = json_pack("{s:s, s:s, s:s, s:s}", "originator_mud",
	    gw.conf->mud_name, "originator_user", user, "target_mud", mud,
	    "username", who);
	return (info_request(rq, "finger-req", PEND_FINGER, f, mud, user, who,
	    ms, profile, NULL));
}

static int
rpc_locate(struct request *rq)
{
	const char	*who;
	struct pending	*p = NULL;
	json_t		*f;
	char		*user;
	long		 ms;
	int		 profile, rc;

	if (info_user(rq->params, &who, &rq->err) == -1 ||
	    info_common(rq->params, gw.conf->locate_window, &ms, &profile,
	    &user,
	    &rq->err) == -1)
		return (-1);
	f = json_pack("{s:s, s:s, s:s}", "originator_mud", gw.conf->mud_name,
	    "originator_user", user, "username", who);
	rc = info_request(rq, "locate-req", PEND_LOCATE, f, NULL, user, who,
	    ms, profile, &p);
	/* Every reply within the window is gathered. */
	if (rc == RPC_DEFER)
		p->acc = json_array();
	return (rc);
}

static int
rpc_channel_who(struct request *rq)
{
	const char	*mud, *chan;
	json_t		*f;
	char		*user;
	long		 ms;
	int		 profile;

	/*
	 * The Python gateway's clients name no MUD: this one is asked (the
	 * users who joined the channel here, presence's chan-who-reply).
	 */
	if (json_object_get(rq->params, "target_mud") == NULL)
		mud = gw.conf->mud_name;
	else if (info_target(rq->params, &mud, &rq->err) == -1)
		return (-1);
	if (rpc_str(rq->params, "channel", 1, &chan, &rq->err) == -1 ||
	    info_common(rq->params, gw.conf->info_timeout, &ms, &profile, &user,
	    &rq->err) == -1)
		return (-1);
	f = json_pack("{s:s, s:s, s:s, s:s}", "originator_mud",
	    gw.conf->mud_name, "originator_user", user, "target_mud", mud,
	    "channel", chan);
	return (info_request(rq, "chan-who-req", PEND_CHANWHO, f, mud, user,
	    chan, ms, profile, NULL));
}

/* chan-user-req carries no requesting user: waiters share the answer. */
static int
rpc_chan_user(struct request *rq)
{
	const char	*mud, *who;
	struct pending	*p;
	json_t		*f, *raw;
	long		 ms;
	int		 profile, again;

	if (info_target(rq->params, &mud, &rq->err) == -1 ||
	    rpc_str(rq->params, "user", 1, &who, &rq->err) == -1 ||
	    svc_info_timeout(rq->params, gw.conf->info_timeout, &ms,
	    &rq->err) == -1 ||
	    svc_info_profile(rq->params, &profile, &rq->err) == -1)
		return (-1);
	again = pending_find(PEND_CHANUSER, mud, NULL, who) != NULL;
	if ((p = pending_new(rq, PEND_CHANUSER, mud, NULL, who, ms,
	    profile)) == NULL)
		return (rpc_fail(&rq->err, I3_RPC_QUEUEFULL,
		    "too many requests waiting for answers"));
	if (again)
		return (RPC_DEFER);	/* one question on the wire is enough */
	f = json_pack("{s:s, s:s, s:s}", "originator_mud", gw.conf->mud_name,
	    "target_mud", mud, "username", who);
	raw = i3_packet_build("chan-user-req", f, NULL);
	json_decref(f);
	return (info_send(raw, p, &rq->err));
}

static void
info_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_pkt_str(named, "type");

	if (strcmp(type, "who-reply") == 0)
		info_who_reply(named);
	else if (strcmp(type, "finger-reply") == 0)
		info_finger_reply(named);
	else if (strcmp(type, "locate-reply") == 0)
		info_locate_reply(named);
	else if (strcmp(type, "chan-who-reply") == 0)
		info_chanwho_reply(named);
	else
		info_chanuser_reply(named);
}

/* Append s (len bytes) to the text being made (libi3's i3_buf). */
static void
info_add(i3_buf *b, const char *s, size_t len)
{
	if (i3_buf_add(b, s, len) == -1)
		fatalx("out of memory");
}

static void
info_adds(i3_buf *b, const char *s)
{
	info_add(b, s, strlen(s));
}

/* The gateway's busiest answer: built without format strings. */
static void
info_who_reply(const json_t *named)
{
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const json_t	*rows = json_object_get(named, "who_data"), *row;
	struct pending	*p;
	i3_buf		 text;
	json_t		*users, *u, *extra, *r;
	json_int_t	 idle;
	char		*s;
	size_t		 i;

	p = pending_find(PEND_WHO, omud, i3_pkt_str(named, "target_user"),
	    NULL);
	if (p == NULL) {
		log_debug("who-reply from %s: nobody waits for it", omud);
		return;
	}
	i3_buf_init(&text);
	info_add(&text, "", 0);
	users = json_array();
	json_array_foreach(rows, i, row) {
		if (!json_is_object(row))
			continue;
		idle = json_integer_value(json_object_get(row, "idle"));
		extra = json_object_get(row, "extra");
		u = json_object();
		json_object_set(u, "visname", json_object_get(row, "visname"));
		json_object_set_new(u, "idle", json_integer(idle));
		json_object_set_new(u, "extra", json_is_string(extra) ?
		    json_incref(extra) : json_null());
		json_array_append_new(users, u);
		if (text.len > 0)
			info_add(&text, "\n", 1);
		s = svc_info_render(json_string_value(json_object_get(row,
		    "visname")), p->profile);
		info_adds(&text, s);
		free(s);
		if (!WHO_BANNER(idle) && idle > 0) {
			s = info_idle(idle);
			info_add(&text, "  (idle ", 8);
			info_adds(&text, s);
			info_add(&text, ")", 1);
			free(s);
		}
		if (json_is_string(extra)) {
			s = svc_info_render(json_string_value(extra),
			    p->profile);
			info_add(&text, "  ", 2);
			info_adds(&text, s);
			free(s);
		}
	}
	r = json_object();
	json_object_set_new(r, "mud", json_string(omud));
	json_object_set_new(r, "count", json_integer(json_array_size(users)));
	json_object_set_new(r, "users", users);
	json_object_set_new(r, "text", json_string(text.data));
	free(text.data);
	pending_answer(p, r);
}

static void
info_finger_reply(const json_t *named)
{
	static const char *const labels[][2] = {
		{ "title", "Title" },
		{ "real_name", "Real name" },
		{ "email", "E-mail" },
		{ "loginout_time", NULL },
		{ "ip_name", "Host" },
		{ "level", "Level" },
	};
	const char	*omud = i3_pkt_str(named, "originator_mud"), *s;
	const char	*when = i3_pkt_str(named, "loginout_time");
	struct pending	*p;
	json_t		*r;
	json_int_t	 idle = i3_pkt_int(named, "idle_time", -1);
	char		*text, *t, *v, *id;
	size_t		 i;
	int		 online;

	p = pending_find(PEND_FINGER, omud, i3_pkt_str(named, "target_user"),
	    NULL);
	if (p == NULL) {
		log_debug("finger-reply from %s: nobody waits for it", omud);
		return;
	}
	/*
	 * Online from what the reply says (docs/PROTOCOL.md 5.3): an idle
	 * time says so; idle -1 with a login/logout time is the LIMA and
	 * Dead Souls "not logged on"; Samson's i3.c answers only for players
	 * who are on and always says idle -1 and loginout "-1", which is no
	 * time; idle -1 and no time at all says nothing (null).
	 */
	if (when != NULL && strcmp(when, "-1") == 0)
		when = NULL;
	if (idle >= 0)
		online = 1;
	else if (i3_pkt_str(named, "loginout_time") != NULL)
		online = when == NULL;
	else
		online = -1;
	r = json_pack("{s:s, s:s?, s:o, s:o, s:o, s:o, s:s?, s:I, s:o, s:o,"
	    " s:o, s:o}", "mud", omud, "user", p->key,
	    "visname", info_str(named, "visname"),
	    "title", info_str(named, "title"),
	    "real_name", info_str(named, "real_name"),
	    "email", info_str(named, "email"),
	    "loginout_time", when,
	    "idle", idle,
	    "ip_name", info_str(named, "ip_name"),
	    "level", info_str(named, "level"),
	    "extra", info_str(named, "extra"),
	    "online", online == -1 ? json_null() : json_boolean(online));
	v = svc_info_render(i3_pkt_str(named, "visname"), p->profile);
	xasprintf(&text, "%s@%s", v, omud);
	free(v);
	for (i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		if ((s = i3_pkt_str(named, labels[i][0])) == NULL)
			continue;
		if (labels[i][1] == NULL && (s = when) == NULL)
			continue;
		v = svc_info_render(s, p->profile);
		if (labels[i][1] == NULL)
			xasprintf(&t, "%s\n%s: %s", text, online == 0 ?
			    "Last on" : "On since", v);
		else
			xasprintf(&t, "%s\n%s: %s", text, labels[i][1], v);
		free(v);
		free(text);
		text = t;
	}
	if (online == 0)
		xasprintf(&t, "%s\nNot logged on.", text);
	else if (idle < 0)
		xasprintf(&t, "%s\n%s", text, online == 1 ? "Logged on." :
		    "Online: not said.");
	else {
		id = info_idle(idle);
		xasprintf(&t, "%s\nIdle: %s", text, id);
		free(id);
	}
	free(text);
	text = t;
	if ((s = i3_pkt_str(named, "extra")) != NULL) {
		v = svc_info_render(s, p->profile);
		xasprintf(&t, "%s\n%s", text, v);
		free(v);
		free(text);
		text = t;
	}
	json_object_set_new(r, "text", json_string(text));
	free(text);
	pending_answer(p, r);
}

static void
info_locate_reply(const json_t *named)
{
	const char	*lmud = i3_pkt_str(named, "located_mud");
	const char	*st = i3_pkt_str(named, "status");
	struct pending	*p;
	json_int_t	 idle = i3_pkt_int(named, "idle_time", 0);
	char		*vis, *id, *text;

	p = pending_find(PEND_LOCATE, NULL, i3_pkt_str(named, "target_user"),
	    NULL);
	if (p == NULL) {
		log_debug("locate-reply from %s: nobody waits for it",
		    i3_pkt_str(named, "originator_mud"));
		return;
	}
	if (lmud == NULL)
		lmud = i3_pkt_str(named, "originator_mud");
	vis = svc_info_render(i3_pkt_str(named, "located_visname"),
	    p->profile);
	id = idle > 0 ? info_idle(idle) : NULL;
	xasprintf(&text, "%s was found on %s%s%s%s%s%s", vis, lmud,
	    id || st ? " (" : "", id ? "idle " : "", id ? id : "",
	    id && st ? ", " : "", st ? st : "");
	if (id || st) {
		char	*t;

		xasprintf(&t, "%s)", text);
		free(text);
		text = t;
	}
	json_array_append_new(p->acc, json_pack("{s:s, s:o, s:I, s:o, s:s}",
	    "mud", lmud, "visname", info_str(named, "located_visname"),
	    "idle", idle, "status", info_str(named, "status"), "text", text));
	free(vis);
	free(id);
	free(text);
}

static void
info_chanwho_reply(const json_t *named)
{
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*chan = i3_pkt_str(named, "channel");
	const json_t	*list = json_object_get(named, "user_list"), *v;
	struct pending	*p;
	json_t		*users;
	char		*text, *t, *r;
	size_t		 i;

	p = pending_find(PEND_CHANWHO, omud, i3_pkt_str(named, "target_user"),
	    chan);
	if (p == NULL) {
		log_debug("chan-who-reply from %s: nobody waits for it", omud);
		return;
	}
	users = json_array();
	xasprintf(&text, "[%s] on %s:", chan ? chan : p->key, omud);
	json_array_foreach(list, i, v) {
		if (!json_is_string(v))
			continue;
		json_array_append(users, (json_t *)v);
		r = svc_info_render(json_string_value(v), p->profile);
		xasprintf(&t, "%s%s %s", text, i > 0 ? "," : "", r);
		free(r);
		free(text);
		text = t;
	}
	if (json_array_size(users) == 0) {
		xasprintf(&t, "%s nobody", text);
		free(text);
		text = t;
	}
	pending_answer(p, json_pack("{s:s, s:s, s:i, s:o, s:s}", "mud", omud,
	    "channel", chan ? chan : p->key, "count",
	    (int)json_array_size(users), "users", users, "text", text));
	free(text);
}

/* Into the user cache; every client waiting for it gets the answer. */
static void
info_chanuser_reply(const json_t *named)
{
	static const char *const genders[] = { "male", "female", "neuter" };
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*user = i3_pkt_str(named, "username");
	const char	*vis = i3_pkt_str(named, "visname");
	json_int_t	 g = i3_pkt_int(named, "gender", 2);
	struct pending	*p;

	if (omud == NULL || user == NULL)
		return;
	svc_ucache_put(omud, user, vis, g);
	while ((p = pending_find(PEND_CHANUSER, omud, NULL, user)) != NULL)
		pending_answer(p, json_pack("{s:s, s:s, s:s?, s:I, s:s}",
		    "mud", omud, "user", user, "visname", vis, "gender", g,
		    "gender_name", g >= 0 && g <= 2 ? genders[g] : "unknown"));
}
