/*
 * session.c: client sessions: ids, resume tokens, subscriptions and
 * filters, events offered to a client (written, or kept for a client gone
 * or not reading: session-store.c), sequence numbers and the events
 * written lately (to replay what a connection that died never handed
 * over), session_resume, --linger, the bounds on sessions kept.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "i3gw.h"
#include "session-int.h"

static uint64_t		 session_timer;
static uint64_t		 linger_timer;
static uint64_t		 refused_tells;
uint64_t		 session_dropped_total;
uint64_t		 session_replayed_total;
static uint64_t		 resumed_total;
static uint64_t		 evicted_total;
static uint64_t		 gaps_total;	/* resumes that could not be whole */

static int	session_rpc_subscribe(struct request *);
static int	session_rpc_unsubscribe(struct request *);
static int	session_rpc_resume(struct request *);
static void	session_detach(struct client *, const char *);
static int	session_wants(struct client *, const struct evout *);
static int	session_tick(void *);
static int	session_linger_end(void *);
static size_t	ndetached;	/* sessions without a client */
static void	session_free(struct session *);
static void	session_noop(struct conn *, const char *, size_t, int);
static void	session_bound(void);
static void	session_evict(struct client *, const char *);

const struct svc svc_session = {
	.name = "session",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "authenticate", auth_authenticate, 0, METHOD_NOKEY,
		    "key",
		    "prove a key; the permissions are the key's" },
		{ "subscribe", session_rpc_subscribe, 0, METHOD_STREAM,
		    "[events] [channels] [filter] [render] [keep] [answer]",
		    "choose the events this client gets; a session" },
		{ "unsubscribe", session_rpc_unsubscribe, 0, METHOD_STREAM,
		    "[events] [channels]",
		    "stop events; none named: all" },
		{ "session_resume", session_rpc_resume, 0, METHOD_STREAM,
		    "token [last_seq]",
		    "take over a kept session; replay from after last_seq" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	}
};

uint64_t
session_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
session_noop(struct conn *c, const char *msg, size_t len, int flags)
{
}

void
session_init(void)
{
	session_store_open();
	/* A store from before the bounds (or with lower ones) is cut. */
	session_bound();
	session_timer = ev_timer_add(100, session_tick, NULL);
}

/* Every client has one: an id and a resume token, random. */
void
session_new(struct client *cl)
{
	struct session	*s;
	unsigned char	 raw[32];
	unsigned int	 n = 32;
	size_t		 i;

	s = xcalloc(1, sizeof *s);
	if (RAND_bytes(raw, 16) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < 16; i++)
		snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
	if (RAND_bytes(raw, 32) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < 32; i++)
		snprintf(s->token + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	EVP_Digest(s->token, 64, s->token_hash, &n, EVP_sha256(), NULL);
	/* The MUD on stdio hears everything, as before sessions. */
	if (cl->transport == CLIENT_STDIO) {
		s->all = 1;
		s->kept = gw.linger > 0;
	}
	/* The Python gateway's WebSocket clients hear events unasked. */
	if (cl->transport == CLIENT_WS)
		s->all = 1;
	cl->session = s;
}

static void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	session_set_detached(s, 0);
	filter_free(s->filter);
	session_sent_drop(s);
	free(s->sent);
	free(s->key);
	OPENSSL_cleanse(s->token, sizeof s->token);
	free(s);
}

/* The names of the events the session asked for (a new array). */
json_t *
session_event_names(const struct session *s)
{
	const struct event	*e;
	json_t			*a = json_array();

	for (e = event_next(NULL); e != NULL; e = event_next(e)) {
		if (s->events & event_bit(e))
			json_array_append_new(a, json_string(e->name));
	}
	return (a);
}

json_t *
session_info(struct client *cl)
{
	struct session	*s = cl->session;
	json_t		*o, *ev;

	if (s == NULL)
		return (json_pack("{s:i}", "client", cl->id));
	ev = session_event_names(s);
	o = json_pack("{s:s, s:i, s:b, s:o, s:O}", "id", s->id, "client",
	    cl->id, "all", s->all, "events", ev, "channels", cl->channels);
	/* The token is shown to the client that holds the session only. */
	if (s->token[0] != '\0')
		json_object_set_new(o, "resume_token", json_string(s->token));
	if (s->filter != NULL)
		json_object_set_new(o, "filter", filter_json(s->filter));
	return (o);
}

/* Is this event for this client at all? */
static int
session_wants(struct client *cl, const struct evout *eo)
{
	struct session		*s = cl->session;
	const struct event	*ev = eo->ev;
	int			 asked = 0;

	/* Receiving needs the event's permission, as calling a method does. */
	if (!event_allowed(cl, ev))
		return (0);
	if (s->all || (s->events & event_bit(ev)) != 0)
		asked = 1;
	else if (eo->chan != NULL &&
	    json_object_get(cl->channels, eo->chan) != NULL)
		asked = 1;
	else if (ev->flags & EVENT_SENDER)
		asked = 1;
	if (!asked)
		return (0);
	if (s->filter != NULL && !filter_match(s->filter, ev->name,
	    eo->params))
		return (0);
	return (1);
}

/*
 * An event offered to this client (event_deliver()): 1 when taken (written
 * now, or kept for later), 0 when not for it.
 */
int
session_offer(struct client *cl, struct evout *eo)
{
	struct session	*s = cl->session;
	const char	*line;
	size_t		 len;

	/* An HTTP request's answer carries no events. */
	if (cl->http != NULL)
		return (0);
	if (s != NULL && !session_wants(cl, eo))
		return (0);
	if (s != NULL && (s->detached || s->spooling || cl->conn->paused)) {
		/* Gone, replaying, or not reading: into the store, in order. */
		if (!s->detached && !s->spooling) {
			s->spooling = 1;
			s->paused_at = ev_now();
		}
		return (session_keep(cl, eo) == 0);
	}
	if ((line = evout_line(eo, client_profile(cl), s != NULL ?
	    s->seq + 1 : 0, &len)) == NULL)
		return (0);
	client_send_line(cl, line, len);
	cl->notifications++;
	gw.events++;
	if (s != NULL) {
		s->seq++;
		/* Written is not handled: kept a while, for a resume. */
		if (s->kept)
			session_sent_add(s, eo->ev, eo->params, s->seq, len);
	}
	return (1);
}

/*
 * The ring of events written to a kept session's client, bounded by
 * resume_events and resume_bytes: the oldest go first.
 */
void
session_sent_add(struct session *s, const struct event *ev, json_t *params,
    uint64_t seq, size_t bytes)
{
	struct sent	*e;
	size_t		 cap = (size_t)api->resume_events;

	if (cap == 0 || bytes > api->resume_bytes)
		return;
	if (s->sent_cap != cap) {
		/* First use, or resume_events changed: start afresh. */
		session_sent_drop(s);
		free(s->sent);
		s->sent = xcalloc(cap, sizeof *s->sent);
		s->sent_cap = cap;
	}
	while (s->sent_n > 0 && (s->sent_n == s->sent_cap ||
	    s->sent_bytes + bytes > api->resume_bytes)) {
		e = &s->sent[s->sent_first];
		json_decref(e->params);
		s->sent_bytes -= e->bytes;
		s->sent_first = (s->sent_first + 1) % s->sent_cap;
		s->sent_n--;
	}
	e = &s->sent[(s->sent_first + s->sent_n) % s->sent_cap];
	e->seq = seq;
	e->ev = ev;
	e->params = json_incref(params);
	e->bytes = bytes;
	e->ts = session_wall_ms();
	s->sent_bytes += bytes;
	s->sent_n++;
}

void
session_sent_drop(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->sent_n; i++)
		json_decref(s->sent[(s->sent_first + i) % s->sent_cap].params);
	s->sent_first = s->sent_n = s->sent_bytes = 0;
}

/* Never silence: an I3 error to the sender of a tell nobody took. */
void
session_refuse_tell(const json_t *ev, const char *why)
{
	const char	*omud, *ouser, *tuser;
	json_t		*raw;
	char		*msg;

	omud = json_string_value(json_object_get(ev, "originator_mud"));
	ouser = json_string_value(json_object_get(ev, "originator_user"));
	tuser = json_string_value(json_object_get(ev, "target_user"));
	if (omud == NULL)
		return;
	refused_tells++;
	xasprintf(&msg, "%s@%s cannot take your message: %s",
	    tuser != NULL ? tuser : "someone", gw.conf->mud_name, why);
	raw = i3_packet_header("error", I3_TTL, gw.conf->mud_name, NULL, omud,
	    ouser != NULL ? ouser : "");
	log_info("a tell from %s@%s refused: %s", ouser ? ouser : "?", omud,
	    why);
	if (raw != NULL) {
		json_array_append_new(raw, json_string("unk-user"));
		json_array_append_new(raw, json_string(msg));
		json_array_append_new(raw, json_integer(0));
		router_send_reply(raw);
	}
	free(msg);
}

/* The connection is gone or stuck: keep the session without it. */
static void
session_detach(struct client *cl, const char *why)
{
	struct session	*s = cl->session;

	log_info("client %d: %s; session %s kept (%ld events waiting)",
	    cl->id, why, s->id, s->queued);
	/* Requests it answered go back to the gateway at once. */
	svc_presence_answer_kinds(cl, NULL, 0);
	if (s->key == NULL && cl->key != NULL)
		s->key = xstrdup(cl->key->name);
	session_set_detached(s, 1);
	s->spooling = 0;
	s->replaying = 0;
	s->detached_at = ev_now();
	session_save(cl);
	session_sent_store(cl);
	listen_client_gone(cl);
	conn_free(cl->conn);
	tls_detach(cl);
	cl->conn = conn_new(-1, -1, CONN_LINES, session_noop, cl);
	cl->stdio = 0;
	cl->transport = -1;
}

/* The client's connection is gone: 1 when its session stays. */
int
session_client_gone(struct client *cl)
{
	struct session	*s = cl->session;

	if (s == NULL || s->detached)
		return (0);
	if (gw.stopping) {
		/*
		 * The gateway stops with the client still here: a session it
		 * asked to keep is stored, to be resumed after the restart.
		 */
		if (!cl->stdio && s->kept) {
			if (s->key == NULL && cl->key != NULL)
				s->key = xstrdup(cl->key->name);
			session_save(cl);
			session_sent_store(cl);
			log_info("client %d: session %s kept for after the "
			    "restart (events to seq %llu)", cl->id, s->id,
			    (unsigned long long)s->seq);
		}
		return (0);
	}
	if (cl->stdio) {
		if (gw.linger <= 0)
			goto drop;
		session_detach(cl, "end of input on stdin (lingering)");
		linger_timer = ev_timer_add(gw.linger, session_linger_end,
		    NULL);
		log_info("stdin closed: lingering %ld s for session_resume",
		    gw.linger / 1000);
		return (1);
	}
	if (!s->kept)
		goto drop;
	session_detach(cl, "gone");
	session_bound();
	return (1);

drop:
	/* Nothing asked for: the session ends with its connection. */
	session_forget(s);
	session_free(s);
	cl->session = NULL;
	return (0);
}

static int
session_linger_end(void *arg)
{
	struct client	*cl;

	linger_timer = 0;
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->session != NULL && !cl->session->detached)
			return (EV_NOMORE);
	}
	gw_shutdown("--linger time over and no client came back");
	return (EV_NOMORE);
}

/* A detached session forgotten, with its client, and why in the log. */
static void
session_evict(struct client *cl, const char *why)
{
	struct session	*s = cl->session;

	log_info("session %s (key %s): dropped: %s", s->id,
	    s->key != NULL ? s->key : "none", why);
	evicted_total++;
	session_forget(s);
	cl->session = NULL;
	session_free(s);
	client_free(cl);
}

/*
 * Sessions kept for clients gone are bounded: sessions_per_key for one key
 * (the sessions of trusted clients, which have none, count as one key)
 * and sessions_max in all; past either, the one detached longest goes.
 */
static void
session_bound(void)
{
	struct client	*cl, *oldest;
	struct session	*s;
	json_t		*counts;
	const char	*k;
	long		 total;
	json_int_t	 n;
	int		 all;
	char		 why[128];

	/* Too few kept to be over either bound: nothing to look at. */
	if ((long)ndetached <= api->sessions_per_key &&
	    (long)ndetached <= api->sessions_max)
		return;
	for (;;) {
		counts = json_object();
		total = 0;
		oldest = NULL;
		TAILQ_FOREACH(cl, &clients, entry) {
			if ((s = cl->session) == NULL || !s->detached)
				continue;
			total++;
			k = s->key != NULL ? s->key : "";
			n = json_integer_value(json_object_get(counts, k)) + 1;
			json_object_set_new(counts, k, json_integer(n));
		}
		/* The oldest of a key over its bound first, else of all. */
		for (all = 0; all < 2 && oldest == NULL; all++) {
			if (all && total <= api->sessions_max)
				break;
			TAILQ_FOREACH(cl, &clients, entry) {
				if ((s = cl->session) == NULL || !s->detached)
					continue;
				k = s->key != NULL ? s->key : "";
				if (!all && json_integer_value(json_object_get(
				    counts, k)) <= api->sessions_per_key)
					continue;
				if (oldest == NULL || s->detached_at <
				    oldest->session->detached_at)
					oldest = cl;
			}
		}
		json_decref(counts);
		if (oldest == NULL)
			return;
		if (all == 1)
			snprintf(why, sizeof why, "%ld sessions kept per key at "
			    "most (sessions_per_key)", api->sessions_per_key);
		else
			snprintf(why, sizeof why, "%ld sessions kept at most "
			    "(sessions_max)", api->sessions_max);
		session_evict(oldest, why);
	}
}

/* Every 100 ms: replays due, stuck clients dropped, old sessions gone. */
static int
session_tick(void *arg)
{
	struct client	*cl, *next;
	struct session	*s;
	uint64_t	 now = ev_now();

	session_bound();

	for (cl = TAILQ_FIRST(&clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if ((s = cl->session) == NULL)
			continue;
		if (s->detached) {
			if (now - s->detached_at > (uint64_t)api->session_expire)
				session_evict(cl, "expired (session_expire)");
			continue;
		}
		if (!s->spooling)
			continue;
		if (!cl->conn->paused && conn_pending(cl->conn) <
		    cl->conn->highwater / 2) {
			session_replay(cl);
			continue;
		}
		if (!s->replaying && s->paused_at != 0 && !cl->stdio &&
		    now - s->paused_at > (uint64_t)api->pause_grace) {
			if (s->kept)
				session_detach(cl, "not reading its output");
			else {
				/* It did not ask to be kept: it goes. */
				log_info("client %d: not reading its output; "
				    "dropped", cl->id);
				conn_free(cl->conn);
				cl->conn = conn_new(-1, -1, CONN_LINES,
				    session_noop, cl);
				client_free(cl);
			}
		}
	}
	return (100);
}

/*
 * subscribe {events?, channels?, filter?, render?, keep?}: what reaches this
 * client (channels filter channel events; the MUD's listen set is changed
 * by channel_join and channel_leave only).  With keep, the session outlives
 * the connection, for session_resume with its token.
 */
static int
session_rpc_subscribe(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct session	*s = cl->session;
	json_t		*events, *chans, *v, *spec;
	json_t		*refused, *granted;
	const struct event *e;
	struct filter	*f = NULL;
	size_t		 i;
	int		 keep, answer;
	char		 err[256];

	if (s == NULL)
		return (rpc_fail(&rq->err, I3_RPC_INVALID, "no session on this "
		    "connection"));
	events = json_object_get(rq->params, "events");
	chans = json_object_get(rq->params, "channels");
	if (events != NULL && !json_is_array(events))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter events: an array of event names is expected"));
	json_array_foreach(events, i, v) {
		if (!json_is_string(v))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter events: names are strings"));
		if (event_find(json_string_value(v)) == NULL)
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter events: "
			    "no event %.100s (i3gw --list-events)",
			    json_string_value(v)));
	}
	if (chans != NULL && !json_is_array(chans))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter channels: an "
		    "array of channel names is expected"));
	json_array_foreach(chans, i, v) {
		if (!json_is_string(v))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter "
			    "channels: names are strings"));
	}
	if ((v = json_object_get(rq->params, "keep")) != NULL &&
	    !json_is_boolean(v))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter keep: true or false is expected"));
	keep = json_is_true(v);
	if ((v = json_object_get(rq->params, "answer")) != NULL &&
	    !json_is_boolean(v))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter answer: true or false is expected"));
	answer = v == NULL || json_is_true(v);
	if (render_set(cl, rq->params, &rq->err) == -1)
		return (-1);
	spec = json_object_get(rq->params, "filter");
	if (spec != NULL && !json_is_null(spec) &&
	    (f = filter_new(spec, err, sizeof err)) == NULL)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter filter: %s",
		    err));
	/*
	 * What the client may have: each event needs its group's permission
	 * (requests to answer: answer), joining a channel needs channel.
	 * What it asked for and may not have is refused and named.
	 */
	refused = json_array();
	granted = json_array();
	if (json_array_size(events) == 0 && json_array_size(chans) == 0) {
		s->all = 1;
		for (e = event_next(NULL); e != NULL; e = event_next(e)) {
			if (!event_allowed(cl, e))
				json_array_append_new(refused, json_pack(
				    "{s:s, s:s}", "event", e->name, "needs",
				    apiconf_group_name(e->perm)));
			else if (e->flags & EVENT_REQUEST)
				json_array_append_new(granted,
				    json_string(e->name));
		}
	}
	json_array_foreach(events, i, v) {
		e = event_find(json_string_value(v));
		if (!event_allowed(cl, e)) {
			json_array_append_new(refused, json_pack("{s:s, s:s}",
			    "event", e->name, "needs",
			    apiconf_group_name(e->perm)));
			continue;
		}
		s->events |= event_bit(e);
		json_array_append_new(granted, json_string(e->name));
	}
	/* who_request, finger_request...: this client answers them. */
	if (answer)
		svc_presence_answer_kinds(cl, granted, 1);
	json_decref(granted);
	if (f != NULL) {
		filter_free(s->filter);
		s->filter = f;
	}
	json_array_foreach(chans, i, v) {
		if (!cl->trusted && (cl->perms & API_P_CHANNEL) == 0) {
			json_array_append_new(refused, json_pack("{s:O, s:s}",
			    "channel", v, "needs", "channel"));
			continue;
		}
		json_object_set_new(cl->channels, json_string_value(v),
		    json_true());
	}
	if (keep)
		s->kept = 1;
	if (cl->key != NULL && s->key == NULL)
		s->key = xstrdup(cl->key->name);
	rq->result = json_pack("{s:b, s:o, s:o}", "subscribed", 1, "session",
	    session_info(cl), "refused", refused);
	return (0);
}

/* unsubscribe {events?, channels?}: none named, everything. */
static int
session_rpc_unsubscribe(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct session		*s = cl->session;
	const struct event	*e;
	json_t			*events, *chans, *v;
	size_t			 i;

	if (s == NULL)
		return (rpc_fail(&rq->err, I3_RPC_INVALID, "no session"));
	events = json_object_get(rq->params, "events");
	chans = json_object_get(rq->params, "channels");
	if (events == NULL && chans == NULL) {
		s->all = 0;
		s->events = 0;
		filter_free(s->filter);
		s->filter = NULL;
		s->kept = 0;
		svc_presence_answer_kinds(cl, NULL, 0);
		json_object_clear(cl->channels);
	} else {
		json_array_foreach(events, i, v) {
			if (json_is_string(v) &&
			    (e = event_find(json_string_value(v))) != NULL)
				s->events &= ~event_bit(e);
		}
		if (json_array_size(events) > 0)
			s->all = 0;
		svc_presence_answer_kinds(cl, events, 0);
		json_array_foreach(chans, i, v) {
			if (json_is_string(v))
				json_object_del(cl->channels,
				    json_string_value(v));
		}
	}
	rq->result = json_pack("{s:b, s:o}", "unsubscribed", 1, "session",
	    session_info(cl));
	return (0);
}

/*
 * session_resume {token, last_seq?}: take a kept session over and replay:
 * with last_seq, every event after it (those written to the connection
 * that died included); without, what waited unwritten.
 */
static int
session_rpc_resume(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct client	*o;
	struct session	*s = NULL, *mine;
	const char	*token;
	unsigned char	 h[32];
	unsigned int	 n = 32;
	json_t		*tmp;
	json_int_t	 last = -1;
	long		 dropped_age = 0, dropped_count;
	uint64_t	 cutoff, first = 0, missed = 0;
	char		 after[32] = "";

	if (rpc_str(rq->params, "token", 1, &token, &rq->err) == -1 ||
	    rpc_int(rq->params, "last_seq", 0, &last, &rq->err) == -1)
		return (-1);
	if (json_object_get(rq->params, "last_seq") != NULL && last < 0)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter last_seq: "
		    "0 or more"));
	EVP_Digest(token, strlen(token), h, &n, EVP_sha256(), NULL);
	TAILQ_FOREACH(o, &clients, entry) {
		if (o->session != NULL && o != cl &&
		    CRYPTO_memcmp(o->session->token_hash, h, 32) == 0) {
			s = o->session;
			break;
		}
	}
	if (s == NULL)
		return (rpc_fail(&rq->err, I3_RPC_NOSESSION,
		    "unknown or expired session"));
	if (!s->detached)
		return (rpc_fail(&rq->err, I3_RPC_NOSESSION,
		    "session %s is attached to another connection", s->id));
	if (!cl->trusted && (s->key == NULL || cl->key == NULL ||
	    strcmp(s->key, cl->key->name) != 0))
		return (rpc_fail(&rq->err, I3_RPC_FORBIDDEN, "session %s belongs to "
		    "another key", s->id));
	if (last > 0 && (uint64_t)last > s->seq)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter last_seq: %lld "
		    "is past the session's last event (%llu)", (long long)last,
		    (unsigned long long)s->seq));

	/* Too old to replay: dropped, and counted. */
	cutoff = session_wall_ms() - (uint64_t)api->session_age;
	dropped_age = session_store_drop_aged(s, cutoff);
	s->queued -= dropped_age;
	if (s->queued < 0)
		s->queued = 0;
	session_dropped_total += dropped_age;
	dropped_count = s->dropped_count;
	if (last >= 0)
		session_resume_from(s, (uint64_t)last, &first, &missed);
	else
		/* No last_seq: what was written counts as handled. */
		session_store_drop_written(s);
	s->queued = session_count("SELECT COUNT(*) FROM event WHERE "
	    "session = ?", s->id, 0);

	/* The new connection takes the session, its channels, its token. */
	mine = cl->session;
	cl->session = s;
	o->session = mine;
	tmp = cl->channels;
	cl->channels = o->channels;
	o->channels = tmp;
	if (mine != NULL)
		mine->kept = 0;
	if (cl->stdio == 0 && o->stdio)
		o->stdio = 0;
	client_free(o);
	session_free(mine);
	if (linger_timer != 0) {
		ev_timer_del(linger_timer);
		linger_timer = 0;
	}
	session_set_detached(s, 0);
	s->spooling = 1;
	s->replaying = 1;
	s->paused_at = 0;
	s->dropped_count = 0;
	resumed_total++;
	if (missed > 0)
		gaps_total++;
	if (last >= 0)
		snprintf(after, sizeof after, " after #%lld", (long long)last);
	log_info("client %d: resumed session %s%s: %ld to replay, %ld dropped "
	    "(age), %ld dropped (count), %llu missing", cl->id, s->id, after,
	    s->queued, dropped_age, dropped_count, (unsigned long long)missed);
	rq->result = json_pack("{s:o, s:I}", "session", session_info(cl),
	    "last_seq", (json_int_t)s->seq);
	if (last >= 0) {
		json_object_set_new(rq->result, "first_seq",
		    json_integer((json_int_t)first));
		json_object_set_new(rq->result, "gap", json_boolean(missed > 0));
		json_object_set_new(rq->result, "missed",
		    json_integer((json_int_t)missed));
	}
	json_object_set_new(rq->result, "replayed", json_integer(s->queued));
	json_object_set_new(rq->result, "dropped_age", json_integer(dropped_age));
	json_object_set_new(rq->result, "dropped_count",
	    json_integer(dropped_count));
	return (0);
}

size_t
session_detached(void)
{
	return (ndetached);
}

/* A session has no client (1) or has one again (0): counted here. */
void
session_set_detached(struct session *s, int on)
{
	if (s->detached == on)
		return;
	s->detached = on;
	if (on)
		ndetached++;
	else
		ndetached--;
}

size_t
session_queued(void)
{
	struct client	*cl;
	size_t		 n = 0;

	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->session != NULL)
			n += cl->session->queued;
	}
	return (n);
}

void
session_stats(json_t *o)
{
	json_object_set_new(o, "sessions_detached",
	    json_integer(session_detached()));
	json_object_set_new(o, "sessions_queued",
	    json_integer(session_queued()));
	json_object_set_new(o, "sessions_resumed",
	    json_integer(resumed_total));
	json_object_set_new(o, "events_replayed",
	    json_integer(session_replayed_total));
	json_object_set_new(o, "events_dropped",
	    json_integer(session_dropped_total));
	json_object_set_new(o, "tells_refused", json_integer(refused_tells));
	json_object_set_new(o, "sessions_evicted", json_integer(evicted_total));
	json_object_set_new(o, "resume_gaps", json_integer(gaps_total));
}

