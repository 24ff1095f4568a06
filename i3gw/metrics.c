/*
 * metrics.c: counters for GET /metrics, in the Prometheus text format.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

#define METRICS_TYPES	64	/* packet types counted by name; then "other" */
#define METRICS_TYPELEN	24
#define METRICS_OTHER	(METRICS_TYPES - 1)

struct metrics_type {
	char		 name[METRICS_TYPELEN];
	uint64_t	 pkts[2];	/* in, out */
	uint64_t	 bytes[2];
};

/* Request latency buckets, in microseconds. */
static const uint64_t metrics_bounds[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000, 10000000
};
#define METRICS_NBOUNDS	(sizeof metrics_bounds / sizeof metrics_bounds[0])

static struct metrics_type	 metrics_types[METRICS_TYPES];
static size_t			 metrics_ntypes;
static uint64_t			 metrics_hist[METRICS_NBOUNDS + 1];
static uint64_t			 metrics_hist_count;
static uint64_t			 metrics_hist_sum;	/* microseconds */
static uint64_t			 metrics_rpc_failed;
static uint64_t			 metrics_busy;

uint64_t			 metrics_http[5];	/* METRICS_HTTP_* */

struct metrics_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static struct metrics_type *metrics_type(const char *, size_t);
static void	metrics_pkt(int, const char *, size_t);
static void	metrics_add(struct metrics_buf *, const char *, ...)
		    C_PRINTF(2, 3);
static void	metrics_head(struct metrics_buf *, const char *,
		    const char *, const char *);
static const char *metrics_label(const char *, char *, size_t);
static void	metrics_history(struct metrics_buf *);

/* The history's and moderation's counters (stats has the same). */
static void
metrics_history(struct metrics_buf *b)
{
	static const struct {
		const char	*group;
		const char	*key;
		const char	*name;
		const char	*type;
		const char	*help;
	} rows[] = {
		{ "history", "stored", "history_stored_total", "counter",
		  "Channel messages written to the history." },
		{ "history", "dropped", "history_dropped_total", "counter",
		  "Messages not stored: the history's queue was full." },
		{ "history", "failed", "history_failed_total", "counter",
		  "Messages not stored: a database error." },
		{ "history", "expired", "history_expired_total", "counter",
		  "Messages removed by retention (age or count)." },
		{ "history", "queries", "history_queries_total", "counter",
		  "History queries answered." },
		{ "history", "queued", "history_queued", "gauge",
		  "Messages waiting to be written." },
		{ "moderation", "ignored", "moderation_ignored_total",
		  "counter", "Messages dropped by a gateway-wide ignore rule." },
		{ "moderation", "ignored_user", "moderation_ignored_user_total",
		  "counter", "Messages marked ignored_by local users, or tells "
		  "to them dropped." },
		{ "moderation", "suppressed", "moderation_suppressed_total",
		  "counter", "Channel messages over the flood limit." },
		{ "moderation", "notices", "moderation_notices_total",
		  "counter", "channel_suppressed notices sent." },
		{ "moderation", "rules", "moderation_rules", "gauge",
		  "Ignore rules (the store's and the config's)." },
		{ NULL, NULL, NULL, NULL, NULL }
	};
	json_t	*o = json_object(), *g;
	size_t	 i;

	history_stats(o);
	moderation_stats(o);
	for (i = 0; rows[i].group != NULL; i++) {
		g = json_object_get(o, rows[i].group);
		metrics_head(b, rows[i].name, rows[i].type, rows[i].help);
		metrics_add(b, "i3gw_%s %lld\n", rows[i].name,
		    (long long)json_integer_value(json_object_get(g,
		    rows[i].key)));
	}
	json_decref(o);
}

/*
 * The counters of a packet type.  Only the types of the packet schema get
 * a label of their own: whatever else a router or a MUD calls a packet is
 * counted under "other", so the label set is bounded and no remote string
 * ever reaches the exposition.
 */
static struct metrics_type *
metrics_type(const char *name, size_t len)
{
	struct metrics_type	*t;
	json_t			*schema;
	char			 buf[METRICS_TYPELEN];
	size_t			 i;

	t = &metrics_types[METRICS_OTHER];
	if (t->name[0] == '\0')
		memcpy(t->name, "other", 6);
	if (len == 0 || len >= METRICS_TYPELEN)
		return (t);
	for (i = 0; i < metrics_ntypes; i++) {
		if (strncmp(metrics_types[i].name, name, len) == 0 &&
		    metrics_types[i].name[len] == '\0')
			return (&metrics_types[i]);
	}
	if (metrics_ntypes == METRICS_OTHER)
		return (t);
	memcpy(buf, name, len);
	buf[len] = '\0';
	if ((schema = i3_schema_json(buf)) == NULL)
		return (t);
	json_decref(schema);
	i = metrics_ntypes++;
	memcpy(metrics_types[i].name, buf, len + 1);
	return (&metrics_types[i]);
}

/* A label value by the Prometheus text rules: \\, \" and \n escaped. */
static const char *
metrics_label(const char *v, char *buf, size_t size)
{
	size_t	n = 0;

	for (; *v != '\0' && n + 3 < size; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n') {
			buf[n++] = '\\';
			buf[n++] = *v == '\n' ? 'n' : *v;
		} else
			buf[n++] = *v;
	}
	buf[n] = '\0';
	return (buf);
}

/* A packet of this type (NULL: none), this many bytes framed. */
static void
metrics_pkt(int dir, const char *type, size_t bytes)
{
	struct metrics_type	*t;

	t = metrics_type(type != NULL ? type : "", type != NULL ?
	    strlen(type) : 0);
	t->pkts[dir]++;
	t->bytes[dir] += bytes;
}

/* A packet from the router. */
void
metrics_pkt_in(const char *type, size_t bytes)
{
	metrics_pkt(0, type, bytes);
}

/* A frame to the router: its type as the send queue kept it. */
void
metrics_pkt_out(const char *type, size_t bytes)
{
	metrics_pkt(1, type, bytes);
}

/* One request answered (or deferred answer sent) after us microseconds. */
void
metrics_rpc(const char *method, uint64_t us, int failed)
{
	size_t	i;

	for (i = 0; i < METRICS_NBOUNDS; i++) {
		if (us <= metrics_bounds[i])
			break;
	}
	metrics_hist[i]++;
	metrics_hist_count++;
	metrics_hist_sum += us;
	if (failed)
		metrics_rpc_failed++;
}

void
metrics_rpc_busy(void)
{
	metrics_busy++;
}

static void
metrics_add(struct metrics_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->size - b->len) {
			b->len += n;
			return;
		}
		b->size = b->size * 2 + n;
		b->s = xrealloc(b->s, b->size);
	}
}

static void
metrics_head(struct metrics_buf *b, const char *name, const char *type,
    const char *help)
{
	metrics_add(b, "# HELP i3gw_%s %s\n# TYPE i3gw_%s %s\n", name, help,
	    name, type);
}

/* The whole exposition, a new string (*out, *len). */
void
metrics_text(char **out, size_t *outlen)
{
	static const char *const states[] = { "idle", "connecting",
	    "startup_sent", "ready", "backoff" };
	static const char *const transports[] = { "stdio", "unix", "tcp",
	    "tls", "http", "ws" };
	static const char *const dirs[] = { "in", "out" };
	struct metrics_buf	 b;
	struct client		*cl;
	json_t			*rs;
	size_t			 i, d, ntr[CLIENT_NTRANSPORTS];
	uint64_t		 cum, outq = 0;
	int			 st, paused = 0;
	char			 lb[2 * METRICS_TYPELEN];

	memset(&b, 0, sizeof b);
	b.size = 8192;
	b.s = xmalloc(b.size);
	b.s[0] = '\0';

	rs = json_object();
	router_stats(rs);
	st = (int)router_state();

	metrics_head(&b, "up", "gauge", "1 while the gateway runs.");
	metrics_add(&b, "i3gw_up 1\n");
	metrics_head(&b, "start_time_seconds", "gauge",
	    "Start time, seconds since the epoch.");
	metrics_add(&b, "i3gw_start_time_seconds %lld\n",
	    (long long)gw.started);

	metrics_head(&b, "router_state", "gauge",
	    "The router link's state: 1 for the current one.");
	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		metrics_add(&b, "i3gw_router_state{state=\"%s\"} %d\n",
		    states[i], (int)i == st);
	metrics_head(&b, "router_ready", "gauge",
	    "1 when the router link is ready.");
	metrics_add(&b, "i3gw_router_ready %d\n", router_ready());
	metrics_head(&b, "router_connects_total", "counter",
	    "Connections made to a router.");
	metrics_add(&b, "i3gw_router_connects_total %lld\n",
	    json_integer_value(json_object_get(rs, "connects")));
	metrics_head(&b, "router_disconnects_total", "counter",
	    "Router links lost or closed (each is followed by a reconnect).");
	metrics_add(&b, "i3gw_router_disconnects_total %lld\n",
	    json_integer_value(json_object_get(rs, "disconnects")));
	metrics_head(&b, "router_reconnects_total", "counter",
	    "Connections made after the first.");
	cum = (uint64_t)json_integer_value(json_object_get(rs, "connects"));
	metrics_add(&b, "i3gw_router_reconnects_total %llu\n",
	    (unsigned long long)(cum > 0 ? cum - 1 : 0));

	metrics_head(&b, "router_packets_total", "counter",
	    "I3 packets to and from the router, by type.");
	for (d = 0; d < 2; d++) {
		for (i = 0; i < METRICS_TYPES; i++) {
			if (metrics_types[i].name[0] == '\0' ||
			    metrics_types[i].pkts[d] == 0)
				continue;
			metrics_add(&b, "i3gw_router_packets_total{direction="
			    "\"%s\",type=\"%s\"} %llu\n", dirs[d],
			    metrics_label(metrics_types[i].name, lb,
			    sizeof lb),
			    (unsigned long long)metrics_types[i].pkts[d]);
		}
	}
	metrics_head(&b, "router_bytes_total", "counter",
	    "Bytes of I3 frames to and from the router, by packet type.");
	for (d = 0; d < 2; d++) {
		for (i = 0; i < METRICS_TYPES; i++) {
			if (metrics_types[i].name[0] == '\0' ||
			    metrics_types[i].pkts[d] == 0)
				continue;
			metrics_add(&b, "i3gw_router_bytes_total{direction="
			    "\"%s\",type=\"%s\"} %llu\n", dirs[d],
			    metrics_label(metrics_types[i].name, lb,
			    sizeof lb),
			    (unsigned long long)metrics_types[i].bytes[d]);
		}
	}
	metrics_head(&b, "router_packets_bad_total", "counter",
	    "Packets from the router that could not be read.");
	metrics_add(&b, "i3gw_router_packets_bad_total %llu\n",
	    (unsigned long long)gw.pkts_bad);
	metrics_head(&b, "router_queue_length", "gauge",
	    "Packets waiting to go to the router.");
	metrics_add(&b, "i3gw_router_queue_length %zu\n", router_queue_len());
	metrics_head(&b, "router_queue_capacity", "gauge",
	    "The router send queue's size.");
	metrics_add(&b, "i3gw_router_queue_capacity %lld\n",
	    json_integer_value(json_object_get(rs, "queue_max")));
	metrics_head(&b, "router_queue_peak", "gauge",
	    "The longest the router send queue has been.");
	metrics_add(&b, "i3gw_router_queue_peak %lld\n",
	    json_integer_value(json_object_get(rs, "queue_peak")));
	json_decref(rs);

	memset(ntr, 0, sizeof ntr);
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->transport >= 0 && cl->transport < CLIENT_NTRANSPORTS)
			ntr[cl->transport]++;
		if (cl->conn != NULL) {
			outq += conn_pending(cl->conn);
			paused += cl->conn->paused;
		}
	}
	metrics_head(&b, "clients", "gauge",
	    "API clients connected, by transport.");
	for (i = 0; i < CLIENT_NTRANSPORTS; i++)
		metrics_add(&b, "i3gw_clients{transport=\"%s\"} %zu\n",
		    transports[i], ntr[i]);
	metrics_head(&b, "clients_accepted_total", "counter",
	    "Connections accepted on the listeners.");
	metrics_add(&b, "i3gw_clients_accepted_total %llu\n",
	    (unsigned long long)listen_accepted);
	metrics_head(&b, "clients_refused_total", "counter",
	    "Connections refused (limits, addresses, peers).");
	metrics_add(&b, "i3gw_clients_refused_total %llu\n",
	    (unsigned long long)listen_refused);
	metrics_head(&b, "clients_timed_out_total", "counter",
	    "Clients dropped for a TLS handshake or an authentication not "
	    "done in time.");
	metrics_add(&b, "i3gw_clients_timed_out_total %llu\n",
	    (unsigned long long)listen_timeouts);
	metrics_head(&b, "client_output_bytes", "gauge",
	    "Bytes waiting to be written to clients, all together.");
	metrics_add(&b, "i3gw_client_output_bytes %llu\n",
	    (unsigned long long)outq);
	metrics_head(&b, "clients_paused", "gauge",
	    "Clients not read from because they do not read their answers.");
	metrics_add(&b, "i3gw_clients_paused %d\n", paused);
	metrics_head(&b, "sessions_detached", "gauge",
	    "Sessions kept for clients gone.");
	metrics_add(&b, "i3gw_sessions_detached %zu\n", session_detached());
	metrics_head(&b, "session_queued_events", "gauge",
	    "Events stored for sessions, waiting for their clients.");
	metrics_add(&b, "i3gw_session_queued_events %zu\n", session_queued());
	metrics_head(&b, "pending_requests", "gauge",
	    "Requests waiting for a remote answer.");
	metrics_add(&b, "i3gw_pending_requests %zu\n", pending_count());

	metrics_history(&b);

	metrics_head(&b, "rpc_requests_total", "counter",
	    "JSON-RPC requests received.");
	metrics_add(&b, "i3gw_rpc_requests_total %llu\n",
	    (unsigned long long)gw.rpc_requests);
	metrics_head(&b, "rpc_errors_total", "counter",
	    "JSON-RPC error answers sent.");
	metrics_add(&b, "i3gw_rpc_errors_total %llu\n",
	    (unsigned long long)gw.rpc_errors);
	metrics_head(&b, "rpc_busy_total", "counter",
	    "Requests refused: max_inflight reached.");
	metrics_add(&b, "i3gw_rpc_busy_total %llu\n",
	    (unsigned long long)metrics_busy);
	metrics_head(&b, "events_total", "counter",
	    "Notifications sent to clients.");
	metrics_add(&b, "i3gw_events_total %llu\n",
	    (unsigned long long)gw.events);
	metrics_head(&b, "auth_failures_total", "counter",
	    "Failed authentications.");
	metrics_add(&b, "i3gw_auth_failures_total %llu\n",
	    (unsigned long long)auth_failures);
	metrics_head(&b, "auth_successes_total", "counter",
	    "Successful authentications.");
	metrics_add(&b, "i3gw_auth_successes_total %llu\n",
	    (unsigned long long)auth_successes);
	metrics_head(&b, "rate_limited_total", "counter",
	    "Requests refused by a rate limit.");
	metrics_add(&b, "i3gw_rate_limited_total %llu\n",
	    (unsigned long long)auth_rate_limited);
	metrics_head(&b, "forbidden_total", "counter",
	    "Requests refused by a key's permissions.");
	metrics_add(&b, "i3gw_forbidden_total %llu\n",
	    (unsigned long long)auth_forbidden);
	metrics_head(&b, "http_requests_total", "counter",
	    "HTTP requests, by endpoint.");
	metrics_add(&b, "i3gw_http_requests_total{path=\"/rpc\"} %llu\n"
	    "i3gw_http_requests_total{path=\"/health\"} %llu\n"
	    "i3gw_http_requests_total{path=\"/metrics\"} %llu\n"
	    "i3gw_http_requests_total{path=\"other\"} %llu\n"
	    "i3gw_http_requests_total{path=\"/ws\"} %llu\n",
	    (unsigned long long)metrics_http[METRICS_HTTP_RPC],
	    (unsigned long long)metrics_http[METRICS_HTTP_HEALTH],
	    (unsigned long long)metrics_http[METRICS_HTTP_METRICS],
	    (unsigned long long)metrics_http[METRICS_HTTP_OTHER],
	    (unsigned long long)metrics_http[METRICS_HTTP_WS]);
	metrics_head(&b, "websocket_refused_total", "counter",
	    "WebSocket handshakes refused.");
	metrics_add(&b, "i3gw_websocket_refused_total %llu\n",
	    (unsigned long long)ws_refused);

	metrics_head(&b, "rpc_duration_seconds", "histogram",
	    "Time from a request to its answer (deferred ones included).");
	cum = 0;
	for (i = 0; i < METRICS_NBOUNDS; i++) {
		cum += metrics_hist[i];
		metrics_add(&b, "i3gw_rpc_duration_seconds_bucket{le=\"%g\"} "
		    "%llu\n", (double)metrics_bounds[i] / 1e6,
		    (unsigned long long)cum);
	}
	metrics_add(&b, "i3gw_rpc_duration_seconds_bucket{le=\"+Inf\"} "
	    "%llu\n", (unsigned long long)metrics_hist_count);
	metrics_add(&b, "i3gw_rpc_duration_seconds_sum %.6f\n",
	    (double)metrics_hist_sum / 1e6);
	metrics_add(&b, "i3gw_rpc_duration_seconds_count %llu\n",
	    (unsigned long long)metrics_hist_count);
	metrics_head(&b, "rpc_failed_total", "counter",
	    "Requests answered with an error (of those timed).");
	metrics_add(&b, "i3gw_rpc_failed_total %llu\n",
	    (unsigned long long)metrics_rpc_failed);

	*out = b.s;
	*outlen = b.len;
}
