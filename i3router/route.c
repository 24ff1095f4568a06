/*
 * route.c: i3router's handling of each packet received: startup, routing
 * by target MUD, broadcasts, router commands, channels, flood limits.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3router.h"

static void	 handle_routed(struct conn *, json_t *);
static void	 handle_router_cmd(struct conn *, json_t *, const char *);
static void	 handle_channel(struct conn *, json_t *, const char *);
static void	 deliver_channel(struct chan *, const json_t *, const char *);
static int	 flood_check(struct mud *, struct conn *, const json_t *,
		    int);
static int	 startup_shape_ok(const json_t *, int);
static json_t	*router_list(void);
static struct chan *named_chan(struct conn *, json_t *, size_t);
static struct chan *admin_chan(struct conn *, json_t *, size_t);
static void	 edit_list(json_t *, const json_t *, int);

/* ------------------------------------------------------------ packets */

void
handle_packet(struct conn *c, json_t *p)
{
	if (c->scripted) {
		if (json_array_size(c->inbox) >= INBOX_MAX) {
			log_warnx("conn %u: %d packets the script did not "
			    "expect, dropping it", c->id, INBOX_MAX);
			conn_close(c, "drop", 1);
			return;
		}
		json_array_append(c->inbox, p);
		script_run(c);
		return;
	}
	if (R.discard && c->mud != NULL) {
		R.disc_pkts++;
		return;
	}
	handle_routed(c, p);
}

/* Count p against its MUD's flood allowance; 0 = drop it. */
static int
flood_check(struct mud *m, struct conn *c, const json_t *p, int weight)
{
	time_t	 t;
	int64_t	 now;

	if (!R.ds_limits || m == NULL || m->fake)
		return (1);
	now = now_ms();
	if (m->gray_until > now)
		return (0);
	t = time(NULL);
	if (t != m->flood_sec) {
		m->flood_sec = t;
		m->flood_count = 0;
	}
	m->flood_count += weight;
	if (m->flood_count > FLOOD_MAX) {
		log_debug("mud %s: flood, graylisted for %d ms", m->name,
		    GRAYLIST_MS);
		send_error(c, "not-allowed", "Flood detected! Your mud is "
		    "graylisted for a while.", NULL, p);
		m->gray_until = now + GRAYLIST_MS;
		return (0);
	}
	return (1);
}

int
is_startup(const char *type)
{
	return (type != NULL && strncmp(type, "startup-req-", 12) == 0);
}

static void
handle_routed(struct conn *c, json_t *p)
{
	const char	*type, *tmud;
	struct mud	*m;

	if (!header_ok(p)) {
		if (c->mud != NULL || is_startup(jstr(p, 0)))
			send_error(c, "bad-pkt", "Invalid initial data", NULL,
			    p);
		return;
	}
	type = jstr(p, 0);
	if (is_startup(type)) {
		handle_startup(c, p, 1);
		return;
	}
	if (c->mud == NULL) {
		log_debug("conn %u: %s before startup dropped", c->id, type);
		return;
	}
	if (!flood_check(c->mud, c, p, strcmp(type, "channel-listen") == 0 ?
	    0 : 1))
		return;
	if (strcmp(jstr(p, 2), c->mud->name) != 0) {
		char	*msg;

		xasprintf(&msg, "Your MUD hasn't registered as %s yet",
		    jstr(p, 2));
		send_error(c, "unk-src", msg, NULL, p);
		free(msg);
		return;
	}
	if (strcmp(type, "startup-reply") == 0 ||
	    strcmp(type, "chanlist-reply") == 0 ||
	    strcmp(type, "mudlist") == 0 || strcmp(type, "bad-mojo") == 0) {
		send_error(c, "not-allowed", "Illegal packet type for a mud "
		    "to send", NULL, p);
		return;
	}
	if (strcmp(type, "channel-m") == 0 || strcmp(type, "channel-e") == 0 ||
	    strcmp(type, "channel-t") == 0) {
		handle_channel(c, p, type);
		return;
	}
	tmud = jstr(p, 4);
	if (tmud == NULL) {
		/* Target 0: to everybody, the sender included. */
		broadcast(p, NULL);
		return;
	}
	if (strcasecmp(tmud, R.name) == 0) {
		handle_router_cmd(c, p, type);
		return;
	}
	if ((m = mud_find(tmud)) == NULL) {
		send_error(c, "unk-dst", "destination unknown", NULL, p);
		return;
	}
	if (m->conn == NULL) {
		log_debug("conn %u: %s to %s (%s) dropped", c->id, type, tmud,
		    m->fake ? "fake" : "down");
		return;
	}
	conn_send(m->conn, p);
}

static int
startup_shape_ok(const json_t *p, int proto)
{
	size_t	n = json_array_size(p), i;

	if (proto == 2 && n == 20)
		proto = 3;
	if ((proto < 3 && n != 18) || (proto == 3 && n != 20))
		return (0);
	for (i = 6; i <= 11; i++)
		if (!jint(p, i, NULL))
			return (0);
	for (i = 12; i <= 16; i++)
		if (jstr(p, i) == NULL)
			return (0);
	if (n == 18)
		return (json_is_object(json_array_get(p, 17)));
	return (jstr(p, 17) != NULL && json_is_object(json_array_get(p, 18)) &&
	    (json_is_object(json_array_get(p, 19)) ||
	    (jint(p, 19, NULL) &&
	    json_integer_value(json_array_get(p, 19)) == 0)));
}

static json_t *
router_list(void)
{
	json_t	*l = json_array();
	char	*addr;

	if (R.redirect_name != NULL) {
		xasprintf(&addr, "%s %d", ROUTER_IP, R.redirect_port);
		json_array_append_new(l, json_pack("[s,s]", R.redirect_name,
		    addr));
		free(addr);
	}
	xasprintf(&addr, "%s %d", ROUTER_IP, R.port);
	json_array_append_new(l, json_pack("[s,s]", R.name, addr));
	free(addr);
	json_array_extend(l, R.peers);
	return (l);
}

/*
 * A startup-req on c.  reply 0: register the MUD without answering (a script
 * already sent its own startup-reply).
 */
void
handle_startup(struct conn *c, json_t *p, int reply)
{
	const char	*type = jstr(p, 0), *name;
	struct mud	*m;
	struct conn	*old;
	json_t		*info, *svc, *q, *map;
	json_int_t	 pw = 0;
	long long	 oldpw;
	int		 proto, n20, known, warn = 0;

	if (!header_ok(p)) {
		send_error(c, "bad-pkt", "Invalid initial data", NULL, p);
		return;
	}
	name = jstr(p, 2);
	if (jstr(p, 4) == NULL || strcasecmp(jstr(p, 4), R.name) != 0) {
		log_debug("conn %u: startup for router %s, closing", c->id,
		    jstr(p, 4) ? jstr(p, 4) : "0");
		conn_close(c, "drop", 1);
		return;
	}
	proto = type[12] - '0';
	if (proto < 1 || proto > 3 || type[13] != '\0') {
		send_error(c, "not-imp", "Unknown startup protocol", NULL, p);
		return;
	}
	if (!startup_shape_ok(p, proto)) {
		send_error(c, "bad-pkt", "Bad startup_req packet", NULL, p);
		return;
	}
	if (*name == '\0' || *name == '*' || strlen(name) > MAX_NAME) {
		log_debug("conn %u: startup for bad name ignored", c->id);
		return;
	}
	n20 = json_array_size(p) == 20;
	jint(p, 6, &pw);
	m = mud_find(name);
	if (m != NULL && m->fake) {
		send_error(c, "bad-proto", "MUD already connected", NULL, p);
		return;
	}
	if (m != NULL && m->gray_until > now_ms())
		return;
	if (m != NULL && m->conn != NULL && m->conn != c) {
		if (pw != m->password) {
			old = m->conn;
			send_error(c, "bad-proto", "MUD already connected",
			    NULL, p);
			q = i3_packet_header("error", I3_TTL, R.name, NULL,
			    m->name, NULL);
			json_array_append_new(q, json_string("bad-mojo"));
			json_array_append_new(q, json_string(
			    "Another mud is trying to be you."));
			json_array_append_new(q, json_pack("[s,O,O,O,O]",
			    ROUTER_IP, json_array_get(p, 12),
			    json_array_get(p, 13), n20 ?
			    json_array_get(p, 17) : json_array_get(p, 12),
			    json_array_get(p, 9)));
			conn_send(old, q);
			json_decref(q);
			return;
		}
		/* Same IP, same password: the newcomer wins (DS). */
		log_debug("mud %s: reconnected on conn %u, dropping conn %u",
		    name, c->id, m->conn->id);
		old = m->conn;
		mud_down(m);
		R.ndown_pending--;
		m->down_at = 0;
		conn_close(old, "drop", 0);
	}
	if ((m == NULL || m->conn == NULL) && R.ds_limits &&
	    R.nup >= DS_MAX_PER_IP) {
		send_error(c, "not-allowed", "Too many muds from your IP.",
		    NULL, p);
		return;
	}
	if (m == NULL && R.nmuds >= MAX_MUDS) {
		send_error(c, "not-allowed", "Too many muds.", NULL, p);
		return;
	}
	/* This socket registered as another MUD before: that one goes down. */
	if (c->mud != NULL && c->mud != m)
		mud_down(c->mud);
	known = m != NULL;
	if (m == NULL)
		m = mud_add(name);
	if (!flood_check(m, c, p, 6))
		return;
	oldpw = m->password;
	if (!known || pw != m->password) {
		if (known)
			warn = 1;
		m->password = new_password();
	}
	if (warn)
		send_error(c, "warning", "wrong password, but I'll allow you "
		    "since it's the same IP as last time", NULL, p);
	/* The info array, protocol 3 shape. */
	svc = json_array_get(p, n20 ? 18 : 17);
	info = json_pack("[i,s,O,O,O,O,O,O,O,O,o,O,o]", -1, ROUTER_IP,
	    json_array_get(p, 9), json_array_get(p, 10), json_array_get(p, 11),
	    json_array_get(p, 12), json_array_get(p, 13), json_array_get(p, 14),
	    json_array_get(p, 15), json_array_get(p, 16),
	    n20 ? json_deep_copy(json_array_get(p, 17)) : json_string(""),
	    svc, n20 ? json_incref(json_array_get(p, 19)) : json_integer(0));
	if (info == NULL) {
		send_error(c, "bad-pkt", "Bad startup_req packet", NULL, p);
		return;
	}
	json_decref(m->info);
	m->info = info;
	m->chansvc = json_is_integer(json_object_get(svc, "channel")) &&
	    json_integer_value(json_object_get(svc, "channel")) != 0;
	if (m->conn == NULL) {
		R.nup++;
		if (m->down_at != 0) {
			m->down_at = 0;
			R.ndown_pending--;
		}
	}
	m->conn = c;
	c->mud = m;
	R.mudlist_id++;
	free(R.lastmud);
	R.lastmud = xstrdup(name);
	log_debug("mud %s up on conn %u (%s, password %s)", name, c->id,
	    known ? "known" : "new", oldpw == m->password ? "kept" : "new");
	if (reply) {
		q = i3_packet_header("startup-reply", I3_TTL, R.name, NULL,
		    name, NULL);
		json_array_append_new(q, router_list());
		json_array_append_new(q, json_integer(
		    (json_int_t)m->password));
		conn_send(c, q);
		json_decref(q);
		q = mudlist_pkt(name, mudlist_map());
		conn_send(c, q);
		json_decref(q);
		if (m->chansvc) {
			map = chanlist_map();
			send_chanlist(c, map);
			json_decref(map);
		}
	}
	send_mudlist_one(m, c);
	state_save();
}

/*
 * The channel named at [6] of a packet of at least need elements; NULL
 * once c was sent bad-pkt or unk-channel.
 */
static struct chan *
named_chan(struct conn *c, json_t *p, size_t need)
{
	struct chan	*ch;
	char		*msg;

	if (json_array_size(p) < need || jstr(p, 6) == NULL) {
		send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
		return (NULL);
	}
	if ((ch = chan_find(jstr(p, 6))) == NULL) {
		xasprintf(&msg, "Unknown channel: %s", jstr(p, 6));
		send_error(c, "unk-channel", msg, NULL, p);
		free(msg);
	}
	return (ch);
}

/* As named_chan(), and c's MUD must own it (else not-allowed). */
static struct chan *
admin_chan(struct conn *c, json_t *p, size_t need)
{
	struct chan	*ch;

	if ((ch = named_chan(c, p, need)) == NULL)
		return (NULL);
	if (strcmp(ch->owner, c->mud->name) != 0) {
		send_error(c, "not-allowed", "You are not the owner of that "
		    "channel.", NULL, p);
		return (NULL);
	}
	return (ch);
}

static void
edit_list(json_t *list, const json_t *names, int add)
{
	size_t	 i;
	json_t	*v;

	if (!json_is_array(names))
		return;
	json_array_foreach(names, i, v)
		if (json_is_string(v)) {
			if (add)
				json_object_set_new(list,
				    json_string_value(v), json_true());
			else
				json_object_del(list, json_string_value(v));
		}
}

static void
handle_router_cmd(struct conn *c, json_t *p, const char *type)
{
	struct chan	*ch;
	json_t		*map, *q, *fp;
	json_int_t	 on, ctype;
	const char	*cname, *key;

	if (strcmp(type, "chanlist-req") == 0 ||
	    strcmp(type, "chanlist-request") == 0) {
		map = chanlist_map();
		send_chanlist(c, map);
		json_decref(map);
	} else if (strcmp(type, "channel-listen") == 0) {
		/* The Python gateway's flag "1" is read as libi3 reads it. */
		fp = json_pack("{s:O?}", "on", json_array_get(p, 7));
		on = i3_pkt_int(fp, "on", -1);
		json_decref(fp);
		if (json_array_size(p) < 8 || jstr(p, 6) == NULL || on == -1)
			return;
		if ((ch = named_chan(c, p, 8)) == NULL)
			return;
		if (on)
			json_object_set_new(ch->listen, c->mud->name,
			    json_true());
		else
			json_object_del(ch->listen, c->mud->name);
	} else if (strcmp(type, "channel-add") == 0) {
		cname = jstr(p, 6);
		if (json_array_size(p) < 8 || cname == NULL ||
		    !jint(p, 7, &ctype) || ctype < 0 || ctype > 2 ||
		    *cname == '\0' || strlen(cname) > 80) {
			send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
			return;
		}
		if (chan_find(cname) != NULL) {
			send_error(c, "not-allowed", "Channel already exists.",
			    NULL, p);
			return;
		}
		if (R.nchans >= MAX_CHANNELS) {
			send_error(c, "not-allowed", "Too many channels.",
			    NULL, p);
			return;
		}
		chan_add(cname, c->mud->name, (int)ctype);
		log_debug("channel %s added by %s, type %d", cname,
		    c->mud->name, (int)ctype);
		broadcast_chanlist();
	} else if (strcmp(type, "channel-remove") == 0) {
		if ((ch = admin_chan(c, p, 7)) == NULL)
			return;
		log_debug("channel %s removed by %s", ch->name, c->mud->name);
		chan_remove(ch);
		broadcast_chanlist();
	} else if (strcmp(type, "channel-admin") == 0) {
		if ((ch = admin_chan(c, p, 9)) == NULL)
			return;
		edit_list(ch->list, json_array_get(p, 7), 1);
		edit_list(ch->list, json_array_get(p, 8), 0);
	} else if (strcmp(type, "chan-adminlist") == 0) {
		if ((ch = named_chan(c, p, 7)) == NULL)
			return;
		q = i3_packet_header("chan-adminlist-reply", I3_TTL, R.name,
		    NULL, c->mud->name, jstr(p, 3));
		json_array_append_new(q, json_string(ch->name));
		map = json_array();
		json_object_foreach(ch->list, key, fp)
			json_array_append_new(map, json_string(key));
		json_array_append_new(q, map);
		conn_send(c, q);
		json_decref(q);
	} else if (strcmp(type, "chan-filter-reply") == 0) {
		fp = json_array_get(p, 7);
		if ((ch = chan_find(jstr(p, 6))) == NULL ||
		    strcmp(ch->owner, c->mud->name) != 0 ||
		    !json_is_array(fp) || json_array_size(fp) < 9 ||
		    jstr(fp, 0) == NULL || jstr(fp, 2) == NULL)
			return;
		deliver_channel(ch, fp, jstr(fp, 2));
	} else if (strcmp(type, "shutdown") == 0) {
		log_debug("mud %s: shutdown", c->mud->name);
		conn_close(c, "disconnect", 0);
	} else {
		send_error(c, "not-imp", "Unknown command sent to router",
		    NULL, p);
	}
}

static void
deliver_channel(struct chan *ch, const json_t *p, const char *from)
{
	const char	*key;
	json_t		*v;
	struct mud	*m;
	i3_buf		 b;

	i3_buf_init(&b);
	if (frame(&b, p) == 0)
		json_object_foreach(ch->listen, key, v) {
			if ((m = mud_find(key)) == NULL || m->conn == NULL)
				continue;
			if (R.no_echo && from != NULL &&
			    strcmp(key, from) == 0)
				continue;
			conn_queue(m->conn, b.data, b.len);
		}
	i3_buf_free(&b);
}

static void
handle_channel(struct conn *c, json_t *p, const char *type)
{
	struct chan	*ch;
	struct mud	*host;
	const char	*name = c->mud->name, *msgtxt, *vis;
	json_t		*q;
	char		*msg;
	size_t		 need = strcmp(type, "channel-t") == 0 ? 13 : 9;

	if (!json_is_integer(json_array_get(p, 4)) ||
	    !json_is_integer(json_array_get(p, 5)) ||
	    json_integer_value(json_array_get(p, 4)) != 0 ||
	    json_integer_value(json_array_get(p, 5)) != 0) {
		send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
		return;
	}
	if ((ch = named_chan(c, p, need)) == NULL)
		return;
	if ((ch->type == 0 && json_object_get(ch->list, name) != NULL) ||
	    (ch->type != 0 && json_object_get(ch->list, name) == NULL &&
	    strcmp(ch->owner, name) != 0)) {
		xasprintf(&msg, "You are not allowed on channel %s", ch->name);
		send_error(c, "not-allowed", msg, NULL, p);
		free(msg);
		return;
	}
	if (json_object_get(ch->listen, name) == NULL) {
		xasprintf(&msg, "Your mud was not listening to %s; it is now.",
		    ch->name);
		send_error(c, "warning", msg, NULL, p);
		free(msg);
		json_object_set_new(ch->listen, name, json_true());
	}
	if (strcmp(type, "channel-e") == 0 && (msgtxt = jstr(p, 8)) != NULL &&
	    strstr(msgtxt, "$N") == NULL) {
		vis = jstr(p, 7);
		xasprintf(&msg, "%s (from %s@%s)", msgtxt,
		    vis != NULL ? vis : (jstr(p, 3) ? jstr(p, 3) : "someone"),
		    name);
		json_array_set_new(p, 8, json_string(msg));
		free(msg);
	}
	if (ch->type == 2 && strcmp(ch->owner, name) != 0 &&
	    strcmp(ch->owner, R.name) != 0) {
		host = mud_find(ch->owner);
		if (host == NULL || host->conn == NULL) {
			send_error(c, "unk-dst", "destination unknown", NULL,
			    p);
			return;
		}
		q = i3_packet_header("chan-filter-req", I3_TTL, R.name, NULL,
		    host->name, NULL);
		json_array_append_new(q, json_string(ch->name));
		json_array_append(q, p);
		conn_send(host->conn, q);
		json_decref(q);
		return;
	}
	deliver_channel(ch, p, name);
}
