/*
 * svc-auth.c: auth-mud-req answered with a fresh session key (10 minutes,
 * one use), auth-mud-reply taken: the keepalive's own, or one we asked for.
 */

#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

#define AUTH_VALID_MS	(10 * 60 * 1000)
#define AUTH_MAX	10000

static json_t	*auth_keys;	/* "key" -> [mud, expires (ev_now)] */
static uint64_t	 auth_keepalives;

static void	auth_packet(const json_t *, const json_t *);
static json_int_t auth_new_key(void);
static void	auth_prune(void);
static int	auth_take(const char *, json_int_t);
static int	rpc_auth_request(struct request *);
static int	rpc_auth_verify(struct request *);

const struct svc svc_auth = {
	.name = "auth",
	.packets = { "auth-mud-req", "auth-mud-reply", NULL },
	.on_packet = auth_packet,
	.methods = {
		{ "auth_request", rpc_auth_request, API_P_INFO, 0,
		    "target_mud [timeout]",
		    "a session key from another MUD" },
		{ "auth_verify", rpc_auth_verify, API_P_INFO, 0,
		    "mud key",
		    "check a session key given to a MUD" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* A positive 31-bit key from the kernel's generator. */
static json_int_t
auth_new_key(void)
{
	uint32_t	v = 0;

	do {
		if (getrandom(&v, sizeof v, 0) != sizeof v)
			v = (uint32_t)random();
		v &= 0x7fffffff;
	} while (v == 0);
	return ((json_int_t)v);
}

static void
auth_prune(void)
{
	const char	*k;
	json_t		*v;
	void		*tmp;
	uint64_t	 now = ev_now();

	json_object_foreach_safe(auth_keys, tmp, k, v) {
		if ((uint64_t)json_integer_value(json_array_get(v, 1)) <= now)
			json_object_del(auth_keys, k);
	}
}

/* Use a key up: 1 when it was issued to that MUD and is still valid. */
static int
auth_take(const char *mud, json_int_t key)
{
	json_t	*v;
	char	 k[32];
	int	 ok;

	snprintf(k, sizeof k, "%lld", (long long)key);
	if ((v = json_object_get(auth_keys, k)) == NULL)
		return (0);
	ok = mud != NULL && strcmp(json_string_value(json_array_get(v, 0)),
	    mud) == 0 && (uint64_t)json_integer_value(json_array_get(v,
	    1)) > ev_now();
	if (ok)
		json_object_del(auth_keys, k);
	return (ok);
}

static void
auth_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_pkt_str(named, "type");
	const char	*omud = i3_pkt_str(named, "originator_mud");
	json_t		*reply;
	json_int_t	 key;
	struct pending	*p;
	char		 k[32];

	if (omud == NULL)
		return;
	if (strcmp(type, "auth-mud-req") == 0) {
		/* Ours, back: the router handled all we sent before it. */
		if (strcmp(omud, gw.conf->mud_name) == 0)
			sendq_probe_back();
		if (auth_keys == NULL)
			auth_keys = json_object();
		auth_prune();
		if (json_object_size(auth_keys) >= AUTH_MAX) {
			log_warnx("auth: %d keys outstanding, %s refused",
			    AUTH_MAX, omud);
			return;
		}
		key = auth_new_key();
		snprintf(k, sizeof k, "%lld", (long long)key);
		json_object_set_new(auth_keys, k, json_pack("[s, I]", omud,
		    (json_int_t)(ev_now() + AUTH_VALID_MS)));
		reply = i3_packet_header("auth-mud-reply", I3_TTL,
		    gw.conf->mud_name, NULL, omud, NULL);
		json_array_append_new(reply, json_integer(key));
		/*
		 * To ourselves it is link control, as the probe was: as a
		 * reply it would be traffic a probe must confirm, and its
		 * probe would come back to be answered again, for ever.
		 */
		if (strcmp(omud, gw.conf->mud_name) == 0)
			router_send_control(reply);
		else
			router_send_reply(reply);
		return;
	}
	key = i3_pkt_int(named, "session_key", 0);
	if (strcmp(omud, gw.conf->mud_name) == 0) {
		/* Our keepalive went round: the key we gave ourselves. */
		if (auth_take(omud, key))
			auth_keepalives++;
		log_debug("auth: keepalive round trip %s",
		    auth_keepalives ? "complete" : "with an unknown key");
		if ((p = pending_find(PEND_AUTH, omud, NULL, NULL)) == NULL)
			return;
	} else if ((p = pending_find(PEND_AUTH, omud, NULL, NULL)) == NULL) {
		log_debug("auth-mud-reply from %s: nobody waits for it", omud);
		return;
	}
	pending_answer(p, json_pack("{s:s, s:I, s:i}", "mud", omud,
	    "session_key", key, "valid_for", AUTH_VALID_MS / 1000));
}

/* auth_request {target_mud, timeout}: ask a MUD for a session key. */
static int
rpc_auth_request(struct request *rq)
{
	const char	*mud, *canon;
	struct pending	*p;
	long		 ms;
	int		 queued;

	if (rpc_str(rq->params, "target_mud", 1, &mud, &rq->err) == -1 ||
	    svc_info_timeout(rq->params, gw.conf->info_timeout, &ms,
	    &rq->err) == -1)
		return (-1);
	if (svc_mudlist_up(mud, &canon) == 0)
		return (rpc_fail(&rq->err, I3_RPC_MUDDOWN,
		    "%s is down (mudlist)",
		    canon));
	if ((p = pending_new(rq, PEND_AUTH, canon, NULL, NULL, ms,
	    I3_COLOUR_PLAIN)) == NULL)
		return (rpc_fail(&rq->err, I3_RPC_QUEUEFULL,
		    "too many requests "
		    "waiting for answers"));
	if (router_send(i3_packet_header("auth-mud-req", I3_TTL,
	    gw.conf->mud_name, NULL, canon, NULL), &queued, &rq->err) == -1) {
		pending_drop(p);
		return (-1);
	}
	return (RPC_DEFER);
}

/* auth_verify {mud, key}: was this key given to that MUD?  Used up. */
static int
rpc_auth_verify(struct request *rq)
{
	const char	*mud;
	json_int_t	 key = 0;

	if (rpc_str(rq->params, "mud", 1, &mud, &rq->err) == -1 ||
	    rpc_int(rq->params, "key", 1, &key, &rq->err) == -1)
		return (-1);
	auth_prune();
	rq->result = json_pack("{s:b}", "valid", auth_take(mud, key));
	return (0);
}
