/*
 * pending.c: requests waiting for a remote answer, and the gateway's own
 * JSON-RPC requests to its clients, with their timeouts.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

#define PENDING_MAX	10000	/* waiting requests, all clients together */
#define CALLS_MAX	10000

TAILQ_HEAD(pendings, pending);
static struct pendings	 pendings = TAILQ_HEAD_INITIALIZER(pendings);
static size_t		 npending;
static uint64_t		 pending_seq;

/* A request of ours to a client: its id is "i3gw-SEQ". */
struct call {
	uint64_t	 seq;
	int		 client;
	call_fn		 fn;
	json_t		*ctx;
	uint64_t	 timer;
	TAILQ_ENTRY(call) entry;
};
TAILQ_HEAD(calls, call);
static struct calls	 calls = TAILQ_HEAD_INITIALIZER(calls);
static size_t		 ncalls;
static uint64_t		 call_seq;

static int	pending_timer(void *);
static void	pending_free(struct pending *);
static int	pending_same(const char *, const char *);
static int	call_timer(void *);
static void	call_done(struct call *, const json_t *);

size_t
pending_count(void)
{
	return (npending);
}

static int
pending_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcasecmp(a, b) == 0);
}

/*
 * Wait for the answer to rq (it is answered with rpc_respond()).  NULL
 * when too many wait already.
 */
struct pending *
pending_new(const struct request *rq, enum pend_kind kind, const char *mud,
    const char *user, const char *key, long timeout_ms, int profile)
{
	struct pending	*p;
	json_t		*id = rq->id;

	if (npending >= PENDING_MAX)
		return (NULL);
	p = xcalloc(1, sizeof *p);
	p->seq = ++pending_seq;
	p->kind = kind;
	p->client = rq->cl->id;
	p->rpc_id = id != NULL ? json_incref(id) : NULL;
	p->mud = mud != NULL ? xstrdup(mud) : NULL;
	p->user = user != NULL ? xstrdup(user) : NULL;
	p->key = key != NULL ? xstrdup(key) : NULL;
	p->profile = profile;
	p->started = ev_now();
	p->timer = ev_timer_add(timeout_ms, pending_timer, p);
	TAILQ_INSERT_TAIL(&pendings, p, entry);
	npending++;
	return (p);
}

static void
pending_free(struct pending *p)
{
	TAILQ_REMOVE(&pendings, p, entry);
	npending--;
	if (p->timer != 0)
		ev_timer_del(p->timer);
	json_decref(p->rpc_id);
	json_decref(p->acc);
	free(p->mud);
	free(p->user);
	free(p->key);
	free(p);
}

/*
 * The oldest request of this kind matching the fields given (NULL matches
 * anything).  When a user is given and none matches it, the oldest for that
 * MUD: some MUDs mangle user names (Samson keeps only a-z).
 */
struct pending *
pending_find(enum pend_kind kind, const char *mud, const char *user,
    const char *key)
{
	struct pending	*p, *loose = NULL;

	TAILQ_FOREACH(p, &pendings, entry) {
		if (p->kind != kind)
			continue;
		if (mud != NULL && p->mud != NULL && !pending_same(mud, p->mud))
			continue;
		if (key != NULL && p->key != NULL && !pending_same(key, p->key))
			continue;
		if (user == NULL || pending_same(user, p->user))
			return (p);
		if (loose == NULL && mud != NULL && p->mud != NULL)
			loose = p;
	}
	return (loose);
}

/* The next waiting request of a kind after p (NULL: the first). */
struct pending *
pending_next(struct pending *p, enum pend_kind kind)
{
	p = p == NULL ? TAILQ_FIRST(&pendings) : TAILQ_NEXT(p, entry);
	while (p != NULL && p->kind != kind)
		p = TAILQ_NEXT(p, entry);
	return (p);
}

/* Forget a request without answering it (its method fails at once). */
void
pending_drop(struct pending *p)
{
	pending_free(p);
}

/* Answer the waiting client (if it is still there) with result (stolen). */
void
pending_answer(struct pending *p, json_t *result)
{
	struct client	*cl;

	if ((cl = client_find(p->client)) != NULL && p->rpc_id != NULL)
		rpc_respond(cl, p->rpc_id, result, NULL);
	else
		json_decref(result);
	pending_free(p);
}

void
pending_fail(struct pending *p, int code, json_t *data, const char *fmt, ...)
{
	struct rpc_error	 re;
	struct client		*cl;
	va_list			 ap;

	memset(&re, 0, sizeof re);
	re.code = code;
	re.data = data;
	va_start(ap, fmt);
	vsnprintf(re.message, sizeof re.message, fmt, ap);
	va_end(ap);
	if ((cl = client_find(p->client)) != NULL && p->rpc_id != NULL) {
		gw.rpc_errors++;
		rpc_respond(cl, p->rpc_id, NULL, &re);
	}
	json_decref(data);
	pending_free(p);
}

static int
pending_timer(void *arg)
{
	struct pending	*p = arg;
	json_t		*r;

	p->timer = 0;
	if (p->kind == PEND_LOCATE) {
		/* The window is over: every reply gathered is the answer. */
		/* "locations": the same list, where the Python clients read. */
		if (p->acc == NULL)
			p->acc = json_array();
		r = json_pack("{s:s, s:i, s:O, s:O}", "user", p->key,
		    "count", (int)json_array_size(p->acc), "found", p->acc,
		    "locations", p->acc);
		pending_answer(p, r);
		return (EV_NOMORE);
	}
	if (p->kind == PEND_CHANADD) {
		/*
		 * CoffeeMud's router makes the channel and never says so: what
		 * is known is the answer; chanlist_changed confirms it if a
		 * chanlist naming it comes later (docs/PROTOCOL.md 5.1).
		 */
		pending_answer(p, json_pack("{s:s, s:b, s:b, s:s}", "channel",
		    p->key, "added", 0, "sent", 1, "text", "sent, not yet "
		    "confirmed by the router"));
		return (EV_NOMORE);
	}
	pending_fail(p, I3_RPC_TIMEOUT, NULL, "no answer from %s within %lu ms",
	    p->mud != NULL ? p->mud : "the network",
	    (unsigned long)(ev_now() - p->started));
	return (EV_NOMORE);
}

/*
 * An I3 error for one of our requests: its error_packet (when there is one)
 * says which; else the user and the MUD it comes from.  1 when it was ours.
 */
int
pending_error(const json_t *named)
{
	static const struct {
		const char	*type;
		enum pend_kind	 kind;
	} types[] = {
		{ "who-req", PEND_WHO },
		{ "finger-req", PEND_FINGER },
		{ "chan-who-req", PEND_CHANWHO },
		{ "chan-user-req", PEND_CHANUSER },
		{ "auth-mud-req", PEND_AUTH },
		{ "channel-add", PEND_CHANADD },
		{ "channel-remove", PEND_CHANREMOVE },
		{ "chan-adminlist", PEND_ADMINLIST },
	};
	const json_t	*ep = json_object_get(named, "error_packet");
	const char	*etype, *code, *msg, *tuser, *emud, *key = NULL;
	const char	*user;
	struct pending	*p = NULL;
	size_t		 i;

	code = i3_pkt_str(named, "error_code");
	msg = i3_pkt_str(named, "error_message");
	tuser = i3_pkt_str(named, "target_user");
	if (code == NULL || strcmp(code, "warning") == 0 || npending == 0)
		return (0);
	if ((etype = i3_packet_type(ep)) == NULL) {
		/*
		 * No packet (Samson, wileymud send 0): a request of ours to
		 * the MUD the error comes from, by the user it is for.
		 */
		emud = i3_pkt_str(named, "originator_mud");
		for (i = 0; i < 3 && p == NULL; i++) {
			for (p = pending_next(NULL, types[i].kind); p != NULL;
			    p = pending_next(p, types[i].kind)) {
				if (pending_same(p->mud, emud) &&
				    tuser != NULL && pending_same(p->user, tuser))
					break;
			}
		}
		if (p == NULL)
			return (0);
		goto found;
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (strcmp(types[i].type, etype) != 0)
			continue;
		emud = i3_pkt_str(ep, "target_mud");
		if (types[i].kind == PEND_FINGER ||
		    types[i].kind == PEND_CHANUSER)
			key = i3_pkt_str(ep, "username");
		else if (types[i].kind == PEND_CHANWHO ||
		    types[i].kind >= PEND_CHANADD)
			key = i3_pkt_str(ep, "channel");
		if (types[i].kind >= PEND_CHANADD)
			emud = NULL;
		/* chan-user-req goes out without a user: any waiter. */
		user = NULL;
		if (types[i].kind != PEND_CHANUSER &&
		    types[i].kind != PEND_AUTH &&
		    types[i].kind < PEND_CHANADD &&
		    (user = i3_pkt_str(ep, "originator_user")) == NULL)
			user = tuser;
		p = pending_find(types[i].kind, emud, user, key);
		break;
	}
	if (p == NULL)
		return (0);
found:
	pending_fail(p, I3_RPC_REMOTE, json_pack("{s:s, s:s?, s:s?}",
	    "error_code", code, "error_message", msg, "from",
	    i3_pkt_str(named, "originator_mud")), "%s: %s: %s",
	    i3_pkt_str(named, "originator_mud") ?
	    i3_pkt_str(named, "originator_mud") : "?", code, msg ? msg : "");
	return (1);
}

/*
 * The user name a request goes out under: the one given (lower-case), or
 * a fresh one of letters only ("gwqab"), so that concurrent requests to
 * one MUD are told apart by their replies.
 */
char *
pending_user(const char *given)
{
	static uint64_t	 n;
	char		 buf[32], *s, *p;
	uint64_t	 v;
	size_t		 i = 0;

	if (given != NULL) {
		s = xstrdup(given);
		for (p = s; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
		}
		return (s);
	}
	v = n++;
	buf[i++] = 'g';
	buf[i++] = 'w';
	buf[i++] = 'q';
	do {
		buf[i++] = 'a' + v % 26;
		v /= 26;
	} while (v != 0 && i < sizeof buf - 1);
	buf[i] = '\0';
	return (xstrdup(buf));
}

/*
 * Send a JSON-RPC request to a client (params stolen); fn(ctx, result)
 * runs once: with the result, or NULL on an error, a timeout or when the
 * client is gone.  ctx is stolen and released after fn.  -1 when it
 * could not be sent (fn is not called then, ctx is released).
 */
int
call_client(struct client *cl, const char *method, json_t *params,
    long timeout_ms, call_fn fn, json_t *ctx)
{
	struct call	*c;
	json_t		*req;
	char		 id[32];

	if (ncalls >= CALLS_MAX || cl == NULL) {
		json_decref(params);
		json_decref(ctx);
		return (-1);
	}
	c = xcalloc(1, sizeof *c);
	c->seq = ++call_seq;
	c->client = cl->id;
	c->fn = fn;
	c->ctx = ctx;
	snprintf(id, sizeof id, "i3gw-%llu", (unsigned long long)c->seq);
	req = json_pack("{s:s, s:s, s:s, s:o}", "jsonrpc", "2.0", "id", id,
	    "method", method, "params", params != NULL ? params :
	    json_object());
	c->timer = ev_timer_add(timeout_ms, call_timer, c);
	TAILQ_INSERT_TAIL(&calls, c, entry);
	ncalls++;
	gw.events++;
	client_send(cl, req);
	json_decref(req);
	return (0);
}

static void
call_done(struct call *c, const json_t *result)
{
	TAILQ_REMOVE(&calls, c, entry);
	ncalls--;
	if (c->timer != 0)
		ev_timer_del(c->timer);
	c->fn(c->ctx, result);
	json_decref(c->ctx);
	free(c);
}

static int
call_timer(void *arg)
{
	struct call	*c = arg;

	c->timer = 0;
	log_debug("client %d: no answer to i3gw-%llu in time", c->client,
	    (unsigned long long)c->seq);
	call_done(c, NULL);
	return (EV_NOMORE);
}

/* A client's response (from rpc.c): 1 when it answered one of our calls. */
int
call_response(struct client *cl, const json_t *msg)
{
	const char	*id = json_string_value(json_object_get(msg, "id"));
	const json_t	*result;
	struct call	*c;
	unsigned long long seq;
	char		*end;

	if (id == NULL || strncmp(id, "i3gw-", 5) != 0)
		return (0);
	seq = strtoull(id + 5, &end, 10);
	if (*end != '\0')
		return (0);
	TAILQ_FOREACH(c, &calls, entry) {
		if (c->seq == seq && c->client == cl->id)
			break;
	}
	if (c == NULL)
		return (0);
	result = json_object_get(msg, "result");
	if (result == NULL)
		log_debug("client %d: i3gw-%llu answered with an error",
		    cl->id, seq);
	call_done(c, result);
	return (1);
}
