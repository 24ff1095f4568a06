/*
 * router.c: the router link: connect, startup, keepalive, reconnect with
 * back-off and failover.  What is sent goes through sendq.c; the mudlist
 * and chanlist the router sends are svc-mudlist.c's.
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "i3gw.h"

#define ROUTER_STARTUP_COST	6
#define ROUTER_MAX_REDIRECTS	3
#define ROUTER_LIST_MAX		16	/* startup-reply router list entries */

static struct {
	enum router_state state;
	size_t		 idx;		/* config routers[] in use */
	int		 fd;
	struct conn	*conn;
	i3_reader	*reader;

	uint64_t	 t_connect;	/* timers */
	uint64_t	 t_startup;
	uint64_t	 t_keep;

	uint64_t	 last_rx;
	uint64_t	 last_tx;
	uint64_t	 ping_sent;
	unsigned int	 attempts;	/* failures since the last READY */
	int		 redirects;
	int		 orderly;	/* closed by us in good order */
	time_t		 last_connect;	/* wall-clock second */
	uint64_t	 since;		/* READY since (ev_now) */

	/* The password of the router whose lists svc-mudlist.c holds. */
	long long	 password;

	uint64_t	 connects;
	uint64_t	 disconnects;
} rt;

static const char	*router_cur_name(void);
static void		 router_set_state(enum router_state);
static void		 router_load_cache(const char *);
static void		 router_connect(void);
static int		 router_connect_timer(void *);
static void		 router_connected(int, int, void *);
static void		 router_read(struct conn *, const char *, size_t, int);
static void		 router_packet(json_t *);
static void		 router_startup_reply(const json_t *);
static void		 router_send_startup(void);
static void		 router_fail(const char *, int);
static void		 router_drop(void);
static void		 router_schedule(long);
static int		 router_startup_timer(void *);
static int		 router_keep_timer(void *);
static void		 router_auth_req(const json_t *);
static json_t		*router_build(const char *, json_t *);
static int		 router_learn(const char *, const char *, int);

static const char *router_state_names[] = {
	"idle", "connecting", "startup_sent", "ready", "backoff"
};

const char *
router_state_name(enum router_state s)
{
	return (router_state_names[s]);
}

enum router_state
router_state(void)
{
	return (rt.state);
}

int
router_ready(void)
{
	return (rt.state == RS_READY);
}

const char *
router_name(void)
{
	return (router_cur_name());
}

/* The router in use; the one whose caches are loaded while a reload moves. */
static const char *
router_cur_name(void)
{
	if (rt.idx >= gw.conf->nrouters)
		return (svc_mudlist_router());
	return (gw.conf->routers[rt.idx].name);
}

uint64_t
router_connected_since(void)
{
	return (rt.state == RS_READY ? rt.since : 0);
}

size_t
router_queue_len(void)
{
	return (sendq_len());
}

/* Something went out on the link (sendq.c). */
void
router_note_tx(void)
{
	rt.last_tx = ev_now();
}

/* Writing to the link failed (sendq.c): as a lost connection. */
void
router_link_failed(const char *why)
{
	router_fail(why, rt.state != RS_READY);
}

static void
router_set_state(enum router_state s)
{
	if (rt.state != s)
		log_debug("router: %s -> %s", router_state_name(rt.state),
		    router_state_name(s));
	rt.state = s;
}

void
router_init(void)
{
	json_t		*learned, *e;
	size_t		 i;

	rt.fd = -1;
	sendq_init();

	/*
	 * Routers learned from earlier startup-replies come after ours, when
	 * the config allows them at all, and never more than a list holds.
	 */
	learned = store_routers_get();
	json_array_foreach(learned, i, e) {
		if (!gw.conf->learn_routers || i >= ROUTER_LIST_MAX)
			break;
		router_learn(json_string_value(json_array_get(e, 0)),
		    json_string_value(json_array_get(e, 1)),
		    (int)json_integer_value(json_array_get(e, 2)));
	}
	json_decref(learned);
	srandom((unsigned int)(time(NULL) ^ getpid()));
}

/*
 * A router a startup-reply names (learn_routers): added after the config's
 * own, whose addresses it never replaces, ROUTER_LIST_MAX learned at most.
 * 1 when it is (still) a learned one.
 */
static int
router_learn(const char *name, const char *host, int port)
{
	size_t	i, nlearned = 0;

	if (name == NULL || host == NULL || *host == '\0' || port <= 0 ||
	    port > 65535)
		return (0);
	for (i = 0; i < gw.conf->nrouters; i++) {
		if (strcmp(gw.conf->routers[i].name, name) == 0) {
			if (!gw.conf->routers[i].learned)
				return (0);
			break;
		}
		if (gw.conf->routers[i].learned)
			nlearned++;
	}
	if (i == gw.conf->nrouters && nlearned >= ROUTER_LIST_MAX)
		return (0);
	config_add_router(gw.conf, name, host, port, 1);
	return (1);
}

/* The password stored for one router; its lists go to svc-mudlist.c. */
static void
router_load_cache(const char *name)
{
	struct store_router	sr;
	const char		*cur = svc_mudlist_router();

	if (cur != NULL && strcmp(cur, name) == 0)
		return;
	store_router_get(name, &sr);
	rt.password = sr.password;
	svc_mudlist_load(name, sr.mudlist_id, sr.chanlist_id);
}

void
router_start(void)
{
	rt.idx = 0;
	router_load_cache(router_cur_name());
	router_schedule(0);
}

/* Connect after ms, never twice within one wall-clock second. */
static void
router_schedule(long ms)
{
	struct timespec	now;
	long		until_next;

	if (rt.t_connect != 0)
		ev_timer_del(rt.t_connect);
	if (gw.conf->connect_spacing) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec + ms / 1000 <= rt.last_connect) {
			until_next = (rt.last_connect - now.tv_sec + 1) *
			    1000 - now.tv_nsec / 1000000 + 5;
			if (until_next > ms)
				ms = until_next;
		}
	}
	router_set_state(rt.state == RS_IDLE && ms == 0 ? RS_IDLE :
	    RS_BACKOFF);
	rt.t_connect = ev_timer_add(ms, router_connect_timer, NULL);
}

static int
router_connect_timer(void *arg)
{
	rt.t_connect = 0;
	router_connect();
	return (EV_NOMORE);
}

static void
router_connect(void)
{
	struct router_conf	*r = &gw.conf->routers[rt.idx];
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 port[16];
	int			 fd = -1, rc;
	struct timespec		 now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (gw.conf->connect_spacing && now.tv_sec <= rt.last_connect) {
		router_schedule(0);
		return;
	}
	rt.last_connect = now.tv_sec;
	router_load_cache(r->name);
	log_info("router %s: connecting to %s port %d", r->name, r->host,
	    r->port);
	rt.connects++;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", r->port);
	if ((rc = getaddrinfo(r->host, port, &hints, &res)) != 0) {
		log_warnx("router %s: %s: %s", r->name, r->host,
		    gai_strerror(rc));
		router_fail("address lookup failed", 1);
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		log_warn("router %s: connect", r->name);
		router_fail("connect failed", 1);
		return;
	}
	rt.fd = fd;
	router_set_state(RS_CONNECTING);
	ev_io_set(fd, EV_WRITE, router_connected, NULL);
	/* The startup timeout covers the connect too. */
	rt.t_startup = ev_timer_add(gw.conf->startup_timeout,
	    router_startup_timer, NULL);
}

static void
router_connected(int fd, int what, void *arg)
{
	int		err = 0, on = 1, v;
	socklen_t	len = sizeof err;
	i3_limits	lim;

	ev_io_del(fd);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		log_warnx("router %s: connect: %s", router_cur_name(),
		    strerror(err ? err : errno));
		router_fail("connect failed", 1);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	v = 60;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v);
	v = 15;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof v);
	v = 4;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof v);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);

	memset(&lim, 0, sizeof lim);
	lim.max_frame = gw.conf->max_frame;
	rt.reader = i3_reader_new(&lim);
	/* Read here; written by sendq.c, which tracks what was acknowledged. */
	rt.conn = conn_new(fd, -1, CONN_RAW, router_read, NULL);
	sendq_link_up(fd);
	rt.last_rx = rt.last_tx = ev_now();
	rt.ping_sent = 0;
	svc_mudlist_startup();
	router_send_startup();
}

static json_t *
router_build(const char *type, json_t *fields)
{
	json_t		*raw;
	i3_error	 err;

	if (json_object_get(fields, "originator_mud") == NULL)
		json_object_set_new(fields, "originator_mud",
		    json_string(gw.conf->mud_name));
	raw = i3_packet_build(type, fields, &err);
	if (raw == NULL)
		log_warnx("cannot build %s: %s", type, err.text);
	json_decref(fields);
	return (raw);
}

static void
router_send_startup(void)
{
	json_t		*f, *raw, *other;

	other = json_object();
	if (gw.conf->url != NULL)
		json_object_set_new(other, "url", json_string(gw.conf->url));
	f = json_pack("{s:s, s:I, s:I, s:I, s:i, s:i, s:i, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:O, s:o}",
	    "target_mud", router_cur_name(),
	    "password", (json_int_t)rt.password,
	    "old_mudlist_id", (json_int_t)svc_mudlist_id(),
	    "old_chanlist_id", (json_int_t)0,
	    "player_port", gw.conf->player_port,
	    "imud_tcp_port", 0,
	    "imud_udp_port", 0,
	    "mudlib", gw.conf->mudlib,
	    "base_mudlib", gw.conf->base_mudlib,
	    "driver", gw.conf->driver,
	    "mud_type", gw.conf->mud_type,
	    "open_status", gw.conf->open_status,
	    "admin_email", gw.conf->admin_email,
	    "services", gw.conf->services,
	    "other_data", other);
	if (f == NULL || (raw = router_build("startup-req-3", f)) == NULL)
		fatalx("cannot build the startup packet");
	sendq_control(raw, ROUTER_STARTUP_COST);
	router_set_state(RS_STARTUP_SENT);
	log_info("router %s: startup-req-3 sent (%s password)",
	    router_cur_name(), rt.password ? "with" : "no");
}

static int
router_startup_timer(void *arg)
{
	rt.t_startup = 0;
	log_warnx("router %s: no startup-reply within %ld ms",
	    router_cur_name(), gw.conf->startup_timeout);
	router_fail("startup timeout", 1);
	return (EV_NOMORE);
}

/* Close the link, whatever state it is in. */
static void
router_drop(void)
{
	int	was_ready = rt.state == RS_READY;

	if (rt.t_startup != 0)
		ev_timer_del(rt.t_startup);
	if (rt.t_keep != 0)
		ev_timer_del(rt.t_keep);
	rt.t_startup = rt.t_keep = 0;
	/* Before the socket closes: what did the router handle? */
	sendq_link_down(!rt.orderly);
	rt.orderly = 0;
	if (rt.conn != NULL) {
		conn_free(rt.conn);
		rt.conn = NULL;
	} else if (rt.fd != -1) {
		ev_io_del(rt.fd);
		close(rt.fd);
	}
	rt.fd = -1;
	if (rt.reader != NULL) {
		i3_reader_free(rt.reader);
		rt.reader = NULL;
	}
	if (was_ready) {
		rt.disconnects++;
		event_deliver("router_disconnected", json_pack("{s:s, s:s+}",
		    "router", router_cur_name(), "text", "router link lost: ",
		    router_cur_name()), NULL, NULL);
	}
	router_set_state(RS_IDLE);
}

/*
 * The link failed: close it and try again later.  A link that was up is
 * retried on the same router first; one that never came up moves on to
 * the next router, the delay growing with every failure.
 */
static void
router_fail(const char *why, int next)
{
	long	 delay, base;
	int	 was_ready = rt.state == RS_READY;
	double	 jitter;

	if (gw.stopping)
		return;
	router_drop();
	if (was_ready) {
		rt.attempts = 0;
		delay = gw.conf->backoff_min;
	} else {
		if (next && gw.conf->nrouters > 1)
			rt.idx = (rt.idx + 1) % gw.conf->nrouters;
		base = gw.conf->backoff_min;
		delay = base;
		if (rt.attempts < 20)
			delay = base << rt.attempts;
		if (delay > gw.conf->backoff_max || delay <= 0)
			delay = gw.conf->backoff_max;
		rt.attempts++;
	}
	/* Jitter: 75% to 125% of the delay. */
	jitter = 0.75 + (random() % 1000) / 2000.0;
	delay = (long)(delay * jitter);
	log_info("router: %s; next try %s in %ld ms", why,
	    gw.conf->routers[rt.idx].name, delay);
	router_schedule(delay);
}

/*
 * A reloaded config with another MUD or router list (config_reload() has
 * put the new list in place): the old link is dropped, then the router
 * state is rebuilt from the new list (its first router, that one's caches),
 * never indexed by a position in the old one.
 */
void
router_reconfigure(void)
{
	rt.orderly = 1;
	router_drop();
	rt.idx = 0;
	rt.attempts = 0;
	rt.redirects = 0;
	router_load_cache(router_cur_name());
	router_schedule(0);
}

void
router_reconnect(void)
{
	log_info("router: reconnect asked for");
	router_drop();
	rt.attempts = 0;
	router_schedule(0);
}

/* Say goodbye to the router and close (SIGTERM, shutdown, EOF). */
void
router_stop(int restart_delay)
{
	if (rt.t_connect != 0) {
		ev_timer_del(rt.t_connect);
		rt.t_connect = 0;
	}
	if (rt.state == RS_READY && rt.conn != NULL) {
		sendq_last_drain();
		sendq_control(router_build("shutdown", json_pack("{s:s,s:i}",
		    "target_mud", router_cur_name(), "restart_delay",
		    restart_delay)), 0);
		sendq_flush_wait(2000);
	}
	rt.orderly = 1;
	router_drop();
	if (sendq_len() > 0)
		log_warnx("router: %zu packets still queued at shutdown",
		    sendq_len());
}

static void
router_read(struct conn *c, const char *data, size_t len, int flags)
{
	i3_error	 err;
	json_t		*v;
	int		 r;

	if (data == NULL) {
		log_warnx("router %s: connection closed", router_cur_name());
		rt.conn = NULL;
		conn_free(c);
		rt.fd = -1;
		router_fail("connection lost", rt.state != RS_READY);
		return;
	}
	rt.last_rx = ev_now();
	rt.ping_sent = 0;
	if (i3_reader_feed(rt.reader, data, len, &err) == -1) {
		log_warnx("router %s: bad stream: %s", router_cur_name(),
		    err.text);
		router_fail("framing error", 1);
		return;
	}
	for (;;) {
		r = i3_reader_next(rt.reader, &v, &err);
		if (r == 0)
			break;
		if (r == -1) {
			if (i3_reader_failed(rt.reader)) {
				log_warnx("router %s: bad stream: %s",
				    router_cur_name(), err.text);
				router_fail("framing error", 1);
				return;
			}
			gw.pkts_bad++;
			log_warnx("router %s: bad packet skipped: %s",
			    router_cur_name(), err.text);
			continue;
		}
		gw.pkts_in++;
		/* The frame's bytes: where the stream is now, less its start. */
		metrics_pkt_in(i3_packet_type(v), (size_t)(c->bytes_in -
		    i3_reader_pending(rt.reader) -
		    i3_reader_frame_offset(rt.reader)));
		router_packet(v);
		json_decref(v);
		/* The packet may have closed or moved the link. */
		if (rt.reader == NULL || rt.conn != c)
			return;
	}
}

/* Is this packet from the router we are connected to? */
int
router_from_router(const json_t *named)
{
	const char	*o = i3_pkt_str(named, "originator_mud");
	const char	*cur = router_cur_name();

	return (o != NULL && cur != NULL && strcasecmp(o, cur) == 0);
}

static void
router_packet(json_t *raw)
{
	json_t		*named, *t;
	const char	*type, *tmud, *omud;
	i3_error	 err;

	if (!json_is_array(raw) || (type = i3_packet_type(raw)) == NULL) {
		gw.pkts_bad++;
		log_warnx("router: a packet that is not a typed array");
		return;
	}
	named = i3_packet_named(raw, I3_PKT_LENIENT, NULL, &err);
	if (named == NULL) {
		gw.pkts_bad++;
		log_warnx("router: bad %s packet: %s", type, err.text);
		return;
	}
	/* A Smaug-family MUD's &Y codes as Pinkfish, in every text field. */
	if ((t = peer_incoming(named)) != NULL) {
		json_decref(named);
		named = t;
	}
	if (log_verbose() > 1) {
		char	*s = json_dumps(named, JSON_COMPACT);

		log_debug("router -> %s", s);
		free(s);
	}
	if (strcmp(type, "startup-reply") == 0) {
		if (router_from_router(named))
			router_startup_reply(raw);
		else
			log_warnx("router: startup-reply from %s ignored",
			    i3_pkt_str(named, "originator_mud"));
	} else if (strcmp(type, "ping-req") == 0)
		router_auth_req(named);
	else if (strcmp(type, "ping-reply") == 0)
		;	/* keepalive answers: any traffic counts */
	else if (!svc_packet(named, raw)) {
		tmud = i3_pkt_str(named, "target_mud");
		omud = i3_pkt_str(named, "originator_mud");
		log_debug("router: %s packet ignored", type);
		/* unk-type only for packets addressed to us, never to errors. */
		if (tmud != NULL && omud != NULL &&
		    strcmp(tmud, gw.conf->mud_name) == 0 &&
		    strcmp(type, "error") != 0 &&
		    strcmp(omud, gw.conf->mud_name) != 0 && omud[0] != '*')
			router_send_reply(router_build("error", json_pack(
			    "{s:s, s:s?, s:s, s:s, s:O}", "target_mud", omud,
			    "target_user", i3_pkt_str(named,
			    "originator_user"), "error_code", "unk-type",
			    "error_message", "unknown packet type",
			    "error_packet", raw)));
	}
	json_decref(named);
}

/* ping-req (CoffeeMud); auth-mud-req and the keepalive are svc-auth.c's. */
static void
router_auth_req(const json_t *named)
{
	const char	*o = i3_pkt_str(named, "originator_mud");

	if (o == NULL || strcmp(o, gw.conf->mud_name) == 0)
		return;
	router_send_reply(router_build("ping-reply", json_pack("{s:s}",
	    "target_mud", o)));
}

static void
router_startup_reply(const json_t *raw)
{
	const json_t	*list = json_array_get(raw, 6), *e;
	json_t		*learned;
	json_int_t	 pw = json_integer_value(json_array_get(raw, 7));
	const char	*cur = router_cur_name(), *first = NULL, *name, *addr;
	const char	*sp;
	char		*host;
	size_t		 i, n;
	long		 port;

	/* The password first: nothing else may happen before it is kept. */
	if (store_password_set(cur, (long long)pw) == -1)
		log_warnx("router %s: the password could not be stored",
		    cur);
	if (pw != rt.password && rt.password != 0)
		log_info("router %s: a new password was issued", cur);
	rt.password = pw;
	if (log_verbose() > 1)
		log_debug("router %s: password %lld", cur, (long long)pw);

	/*
	 * The router list: a real one has a handful, so only the first
	 * ROUTER_LIST_MAX are read.  Its first name is where the router sends
	 * us; the addresses are only tried when the config allows it
	 * (learn_routers), and never replace the ones the config gives.
	 */
	n = json_array_size(list);
	if (n > ROUTER_LIST_MAX) {
		log_warnx("router %s: a router list of %zu entries, only the "
		    "first %d read", cur, n, ROUTER_LIST_MAX);
		n = ROUTER_LIST_MAX;
	}
	learned = json_array();
	for (i = 0; i < n; i++) {
		e = json_array_get(list, i);
		name = json_string_value(json_array_get(e, 0));
		addr = json_string_value(json_array_get(e, 1));
		if (name == NULL)
			continue;
		if (first == NULL)
			first = name;
		if (!gw.conf->learn_routers || addr == NULL ||
		    (sp = strrchr(addr, ' ')) == NULL)
			continue;
		port = strtol(sp + 1, NULL, 10);
		if (port <= 0 || port > 65535)
			continue;
		host = xstrndup(addr, sp - addr);
		if (router_learn(name, host, (int)port))
			json_array_append_new(learned, json_pack("[ssi]", name,
			    host, (int)port));
		free(host);
	}
	if (gw.conf->learn_routers)
		store_routers_set(learned);
	json_decref(learned);

	if (first != NULL && strcasecmp(first, cur) != 0) {
		for (i = 0; i < gw.conf->nrouters; i++) {
			if (strcasecmp(gw.conf->routers[i].name, first) == 0)
				break;
		}
		if (i < gw.conf->nrouters &&
		    rt.redirects < ROUTER_MAX_REDIRECTS) {
			rt.redirects++;
			log_info("router %s: redirected to %s", cur, first);
			/* Let the old router know we go (the DS way). */
			rt.orderly = 1;
			router_drop();
			rt.idx = i;
			router_schedule(0);
			return;
		}
		log_warnx("router %s: redirect to %s not followed", cur,
		    first);
	}

	if (rt.t_startup != 0) {
		ev_timer_del(rt.t_startup);
		rt.t_startup = 0;
	}
	if (rt.state == RS_READY)
		return;		/* an unsolicited reply, nothing to redo */
	router_set_state(RS_READY);
	rt.attempts = 0;
	rt.redirects = 0;
	rt.since = ev_now();
	log_info("router %s: ready", cur);
	if (rt.t_keep == 0 && gw.conf->idle_ping > 0)
		rt.t_keep = ev_timer_add(gw.conf->idle_ping / 4 + 1,
		    router_keep_timer, NULL);
	event_deliver("router_connected", json_pack("{s:s, s:s+}", "router",
	    cur, "text", "router connected: ", cur), NULL, NULL);
	svc_channel_relisten();
	sendq_ready();
}

/* Keepalive: an auth-mud-req to ourselves when idle; silence means dead. */
static int
router_keep_timer(void *arg)
{
	uint64_t	now = ev_now();
	long		period = gw.conf->idle_ping / 4 + 1;

	if (rt.state != RS_READY) {
		rt.t_keep = 0;
		return (EV_NOMORE);
	}
	if (gw.conf->dead_after > 0 &&
	    now - rt.last_rx >= (uint64_t)gw.conf->dead_after) {
		rt.t_keep = 0;
		log_warnx("router %s: nothing received for %ld ms, link dead",
		    router_cur_name(), (long)(now - rt.last_rx));
		router_fail("link dead", 0);
		return (EV_NOMORE);
	}
	if (now - rt.last_rx >= (uint64_t)gw.conf->idle_ping &&
	    (rt.ping_sent == 0 ||
	    now - rt.ping_sent >= (uint64_t)gw.conf->idle_ping)) {
		log_debug("router %s: idle, keepalive sent",
		    router_cur_name());
		rt.ping_sent = now;
		sendq_probe();
	}
	return (period);
}

/* The MUD's own sends: sent or queued (sendq.c). */
int
router_send(json_t *raw, int *queued, struct rpc_error *re)
{
	return (sendq_put(raw, SQ_MUD, queued, re));
}

/* Answers to remote requests and errors: below the MUD's own sends. */
void
router_send_reply(json_t *raw)
{
	struct rpc_error	re;
	int			queued;

	memset(&re, 0, sizeof re);
	if (sendq_put(raw, SQ_REPLY, &queued, &re) == -1)
		log_debug("router: reply not sent: %s", re.message);
}

/* Link control (channel-listen, keepalive): on a link in hand only. */
void
router_send_control(json_t *raw)
{
	if (rt.conn != NULL && (rt.state == RS_READY ||
	    rt.state == RS_STARTUP_SENT))
		sendq_control(raw, 1);
	else
		json_decref(raw);
}

void
router_stats(json_t *o)
{
	json_object_set_new(o, "router_state",
	    json_string(router_state_name(rt.state)));
	json_object_set_new(o, "router", router_cur_name() ?
	    json_string(router_cur_name()) : json_null());
	json_object_set_new(o, "connects", json_integer(rt.connects));
	json_object_set_new(o, "disconnects", json_integer(rt.disconnects));
	/* (the same counters as packets_out/_in: kept under both names) */
	json_object_set_new(o, "frames_out", json_integer(gw.pkts_out));
	json_object_set_new(o, "frames_in", json_integer(gw.pkts_in));
	sendq_stats(o);
	svc_mudlist_stats(o);
}
