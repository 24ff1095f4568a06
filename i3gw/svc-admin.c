/*
 * svc-admin.c: ping (and heartbeat), status, stats, reconnect and shutdown.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

static int	rpc_ping(struct request *);
static int	rpc_heartbeat(struct request *);
static int	rpc_status(struct request *);
static int	rpc_stats(struct request *);
static int	rpc_reconnect(struct request *);
static int	rpc_shutdown(struct request *);
static int	admin_shutdown_timer(void *);
static long	admin_rss_kb(void);

const struct svc svc_admin = {
	.name = "admin",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "ping", rpc_ping, 0, 0,
		    "",
		    "is the gateway there" },
		{ "heartbeat", rpc_heartbeat, 0, 0,
		    "",
		    "the Python gateway's keepalive (its CircleMUD client's, "
		    "every 30 s): `{\"status\":\"ok\",\"timestamp\"}`" },
		{ "status", rpc_status, 0, 0,
		    "",
		    "the router link, counts, version (any key)" },
		{ "stats", rpc_stats, 0, 0,
		    "[detailed]",
		    "counters: the link's and this client's for any key, every "
		    "counter for admin (detailed needs admin)" },
		{ "reconnect", rpc_reconnect, API_P_ADMIN, 0,
		    "",
		    "drop the router link and connect again" },
		{ "shutdown", rpc_shutdown, API_P_ADMIN, 0,
		    "",
		    "stop the gateway" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

static int
rpc_ping(struct request *rq)
{
	char	*ts = rpc_timestamp();

	rq->result = json_pack("{s:b, s:s}", "pong", 1, "timestamp", ts);
	free(ts);
	return (0);
}

static int
rpc_heartbeat(struct request *rq)
{
	char	*ts = rpc_timestamp();

	rq->result = json_pack("{s:s, s:s}", "status", "ok", "timestamp", ts);
	free(ts);
	return (0);
}

static int
rpc_status(struct request *rq)
{
	const json_t	*ml = svc_mudlist_muds();
	const char	*name;
	json_t		*e;
	int		 up = 0;
	uint64_t	 since = router_connected_since(), now = ev_now();

	json_object_foreach((json_t *)ml, name, e) {
		if (json_integer_value(json_object_get(e, "state")) == -1)
			up++;
	}
	rq->result = json_pack("{s:s, s:s, s:b, s:s?, s:I, s:I, s:i, s:i, s:i, "
	    "s:i, s:i, s:i, s:s, s:s}",
	    "mud", gw.conf->mud_name,
	    "router_state", router_state_name(router_state()),
	    "connected", router_ready(),
	    "router", router_name(),
	    "uptime", (json_int_t)((now - gw.started_ms) / 1000),
	    "connected_for", (json_int_t)(since ? (now - since) / 1000 : 0),
	    "muds", (int)json_object_size(ml),
	    "muds_up", up,
	    "channels", (int)json_object_size(svc_mudlist_chans()),
	    "listening", (int)svc_channel_listening(),
	    "queue", (int)router_queue_len(),
	    "clients", (int)client_count(),
	    "version", I3_VERSION,
	    /* The Python gateway's name for "mud", which its clients read. */
	    "mud_name", gw.conf->mud_name);
	return (0);
}

static long
admin_rss_kb(void)
{
	FILE	*f;
	char	 line[256];
	long	 kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (kb);
}

/*
 * Any key sees the link's counters and its own client's, as the Python
 * gateway shows every key; the gateway's counters (sessions, history,
 * moderation, memory) are the admin's, and asking for them (detailed)
 * without admin is refused, as there.
 */
static int
rpc_stats(struct request *rq)
{
	struct client	*cl = rq->cl;
	json_t		*o;
	int		 admin = cl->trusted || (cl->perms & API_P_ADMIN);

	if (json_is_true(json_object_get(rq->params, "detailed")) && !admin)
		return (rpc_fail(&rq->err, I3_RPC_FORBIDDEN, "forbidden: "
		    "detailed stats need the admin permission"));
	if (!admin) {
		rq->result = json_pack("{s:b, s:I, s:i, s:i, s:I, s:I, s:{s:I, "
		    "s:I, s:I}}",
		    "connected", router_ready(),
		    "uptime", (json_int_t)((ev_now() - gw.started_ms) / 1000),
		    "muds", (int)json_object_size(svc_mudlist_muds()),
		    "channels", (int)json_object_size(svc_mudlist_chans()),
		    "packets_in", (json_int_t)gw.pkts_in,
		    "packets_out", (json_int_t)gw.pkts_out,
		    "client",
		    "requests", (json_int_t)cl->requests,
		    "notifications", (json_int_t)cl->notifications,
		    "connected_for", (json_int_t)((ev_now() - cl->since) /
		    1000));
		return (0);
	}
	o = json_object();
	router_stats(o);
	json_object_set_new(o, "packets_in", json_integer(gw.pkts_in));
	json_object_set_new(o, "packets_out", json_integer(gw.pkts_out));
	json_object_set_new(o, "packets_bad", json_integer(gw.pkts_bad));
	json_object_set_new(o, "requests", json_integer(gw.rpc_requests));
	json_object_set_new(o, "errors", json_integer(gw.rpc_errors));
	json_object_set_new(o, "events", json_integer(gw.events));
	json_object_set_new(o, "echoes_dropped",
	    json_integer(gw.echoes_dropped));
	json_object_set_new(o, "clients", json_integer(client_count()));
	json_object_set_new(o, "uptime", json_integer((ev_now() -
	    gw.started_ms) / 1000));
	json_object_set_new(o, "rss_kb", json_integer(admin_rss_kb()));
	history_stats(o);
	moderation_stats(o);
	/* Sessions: detached, queued, resumed, evicted... (session.c) */
	session_stats(o);
	rq->result = o;
	return (0);
}

static int
rpc_reconnect(struct request *rq)
{
	router_reconnect();
	rq->result = json_pack("{s:b}", "reconnecting", 1);
	return (0);
}

static int
admin_shutdown_timer(void *arg)
{
	gw_shutdown("shutdown asked for");
	return (EV_NOMORE);
}

/* Answer first, then go: the answer is flushed on the way out. */
static int
rpc_shutdown(struct request *rq)
{
	ev_timer_add(0, admin_shutdown_timer, NULL);
	rq->result = json_pack("{s:b}", "shutting_down", 1);
	return (0);
}
