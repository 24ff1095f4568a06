/*
 * auth.c: who may do what: API keys (SHA-256, constant-time), permissions
 * from the method table, token buckets per key and method, address lists.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "i3gw.h"

uint64_t	 auth_failures;
uint64_t	 auth_rate_limited;
uint64_t	 auth_forbidden;
uint64_t	 auth_successes;

static json_t	*auth_fails;	/* address -> [failures, last ms] */

#define AUTH_FAILS_MAX		4096
#define AUTH_FAILS_FORGET	(15 * 60 * 1000)

struct auth_later {
	int		 client;
	json_t		*id;
	struct rpc_error re;
};

static int	auth_take(struct api_bucket *, double, double);
static int	auth_later(void *);
static long	auth_fail_count(const char *, int);
static void	auth_sha256(const char *, size_t, unsigned char [32]);

/* Refill, then take one token; 0 when there was none.  rate 0: no limit. */
static int
auth_take(struct api_bucket *b, double rate, double burst)
{
	uint64_t	now = ev_now_us();

	if (rate <= 0)
		return (1);
	if (burst < 1)
		burst = 1;
	if (b->when == 0)
		b->tokens = burst;
	else {
		b->tokens += rate * (double)(now - b->when) / 1e6;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->when = now;
	if (b->tokens < 1)
		return (0);
	b->tokens -= 1;
	return (1);
}

/* May this client call this method now?  0, or -1 with re filled. */
int
auth_gate(struct client *cl, const struct method *m, struct rpc_error *re)
{
	const char		*method = m->name;
	struct api_key		*k = cl->key;
	struct api_bucket	 mb;
	json_t			*v;
	double			 rate, burst, mrate, mburst;
	int			 g, ok;

	if (cl->trusted)
		return (0);
	if (m->flags & METHOD_NOKEY)
		return (0);
	if (k == NULL)
		return (rpc_fail(re, I3_RPC_NOAUTH, "not authenticated: call "
		    "authenticate {key} first"));
	g = m->perm;
	if (g != 0 && (cl->perms & g) == 0) {
		auth_forbidden++;
		return (rpc_fail(re, I3_RPC_FORBIDDEN, "forbidden: key %s has "
		    "no %s permission", k->name, apiconf_group_name(g)));
	}
	apiconf_key_rates(k, &rate, &burst, &mrate, &mburst);
	if (!auth_take(&k->bucket, rate, burst)) {
		auth_rate_limited++;
		re->data = json_pack("{s:s, s:f}", "limit", "key", "rate",
		    rate);
		return (rpc_fail(re, I3_RPC_RATELIMIT, "rate limited: key %s "
		    "(%g requests/s)", k->name, rate));
	}
	if (mrate <= 0)
		return (0);
	if (k->mbuckets == NULL)
		k->mbuckets = json_object();
	memset(&mb, 0, sizeof mb);
	if ((v = json_object_get(k->mbuckets, method)) != NULL) {
		mb.tokens = json_real_value(json_array_get(v, 0));
		mb.when = (uint64_t)json_integer_value(json_array_get(v, 1));
	}
	ok = auth_take(&mb, mrate, mburst);
	json_object_set_new(k->mbuckets, method, json_pack("[f, I]",
	    mb.tokens, (json_int_t)mb.when));
	if (!ok) {
		auth_rate_limited++;
		/* Give a token back to the key: the call did not happen. */
		k->bucket.tokens += 1;
		re->data = json_pack("{s:s, s:s, s:f}", "limit", "method",
		    "method", method, "rate", mrate);
		return (rpc_fail(re, I3_RPC_RATELIMIT, "rate limited: %s for "
		    "key %s (%g/s)", method, k->name, mrate));
	}
	return (0);
}

/* Both lists: not denied, and allowed when there is an allow list. */
int
auth_addr_allowed(const struct sockaddr *sa)
{
	if (api->ndeny > 0 && apiconf_net_match(api->deny, api->ndeny, sa))
		return (0);
	if (api->nallow > 0 &&
	    !apiconf_net_match(api->allow, api->nallow, sa))
		return (0);
	return (1);
}

static void
auth_sha256(const char *s, size_t len, unsigned char out[32])
{
	unsigned int	n = 32;

	if (EVP_Digest(s, len, out, &n, EVP_sha256(), NULL) != 1)
		fatalx("SHA-256 failed");
}

/*
 * The key matching this secret, compared in constant time against every
 * key (no early exit); 0 with *out set, or -1.
 */
int
auth_key_find(const char *key, const struct sockaddr *sa,
    struct api_key **out)
{
	unsigned char	 h[32];
	struct api_key	*found = NULL;
	size_t		 i;

	*out = NULL;
	auth_sha256(key, strlen(key), h);
	for (i = 0; i < api->nkeys; i++) {
		if (CRYPTO_memcmp(h, api->keys[i].hash, sizeof h) == 0)
			found = &api->keys[i];
	}
	OPENSSL_cleanse(h, sizeof h);
	if (found == NULL)
		return (-1);
	if (found->nallow > 0 && (sa == NULL || sa->sa_family == AF_UNSPEC ||
	    !apiconf_net_match(found->allow, found->nallow, sa)))
		return (-1);
	*out = found;
	return (0);
}

/* Failures from an address lately (add: count one more). */
static long
auth_fail_count(const char *addr, int add)
{
	json_t		*v;
	long		 n = 0;
	uint64_t	 now = ev_now(), last;

	if (auth_fails == NULL)
		auth_fails = json_object();
	if ((v = json_object_get(auth_fails, addr)) != NULL) {
		n = (long)json_integer_value(json_array_get(v, 0));
		last = (uint64_t)json_integer_value(json_array_get(v, 1));
		if (now - last > AUTH_FAILS_FORGET)
			n = 0;
	}
	if (add) {
		if (json_object_size(auth_fails) >= AUTH_FAILS_MAX)
			json_object_clear(auth_fails);
		n++;
		json_object_set_new(auth_fails, addr, json_pack("[i, I]",
		    (int)n, (json_int_t)now));
	}
	return (n);
}

static int
auth_later(void *arg)
{
	struct auth_later	*al = arg;
	struct client		*cl;

	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->id == al->client) {
			rpc_respond(cl, al->id, NULL, &al->re);
			break;
		}
	}
	json_decref(al->id);
	json_decref(al->re.data);
	free(al);
	return (EV_NOMORE);
}

/* authenticate {key, render?}: the session methods' own entry. */
int
auth_authenticate(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct api_key		*k;
	struct auth_later	*al;
	const char		*key;
	json_t			*perms, *id;
	long			 fails, delay;
	int			 bit;

	/* "api_key" is the Python gateway's name for it. */
	if (rpc_str(rq->params, json_object_get(rq->params, "key") == NULL &&
	    json_object_get(rq->params, "api_key") != NULL ? "api_key" : "key",
	    1,
	    &key, &rq->err) == -1 || render_set(cl, rq->params, &rq->err) == -1)
		return (-1);
	if (auth_key_find(key, (const struct sockaddr *)&cl->sa, &k) == -1) {
		auth_failures++;
		fails = auth_fail_count(cl->addr, 1);
		log_warnx("client %d (%s): authentication failed (%ld lately)",
		    cl->id, cl->addr, fails);
		rpc_fail(&rq->err, I3_RPC_NOAUTH, "authentication failed");
		/* Slowed down: the answer comes later, doubling each time. */
		delay = api->auth_delay;
		while (--fails > 0 && delay < api->auth_delay_max)
			delay *= 2;
		if (delay > api->auth_delay_max)
			delay = api->auth_delay_max;
		if (delay <= 0 || (id = rq->id) == NULL)
			return (-1);
		al = xcalloc(1, sizeof *al);
		al->client = cl->id;
		al->id = json_incref(id);
		al->re = *&rq->err;
		ev_timer_add(delay, auth_later, al);
		return (RPC_DEFER);
	}
	auth_successes++;
	cl->key = k;
	cl->perms = cl->trusted ? API_P_ALL : k->perms;
	log_info("client %d (%s): authenticated as key %s", cl->id, cl->addr,
	    k->name);
	perms = json_array();
	for (bit = 1; bit <= API_P_ALL; bit <<= 1) {
		if (cl->perms & bit)
			json_array_append_new(perms,
			    json_string(apiconf_group_name(bit)));
	}
	/* status and mud_name: what the Python gateway's clients read. */
	rq->result = json_pack("{s:b, s:s, s:o, s:o, s:s, s:s}",
	    "authenticated",
	    1, "key", k->name, "permissions", perms, "session",
	    session_info(cl), "status", "authenticated", "mud_name",
	    gw.conf->mud_name);
	return (0);
}

void
auth_client_gone(struct client *cl)
{
	cl->key = NULL;
}

/*
 * i3gw genkey NAME: a new random key, printed once, and the config lines
 * holding its hash.
 */
int
auth_genkey(const char *name)
{
	unsigned char	 raw[32], h[32];
	char		 key[80], hex[65];
	size_t		 i;

	if (name == NULL || *name == '\0' || strpbrk(name, "[]\n\r") != NULL) {
		fprintf(stderr, "%s: genkey: a NAME without brackets is "
		    "needed\n", I3GW_NAME);
		return (1);
	}
	if (RAND_bytes(raw, sizeof raw) != 1) {
		fprintf(stderr, "%s: genkey: no random bytes\n", I3GW_NAME);
		return (1);
	}
	memcpy(key, "i3k_", 4);
	for (i = 0; i < sizeof raw; i++)
		snprintf(key + 4 + 2 * i, 3, "%02x", raw[i]);
	auth_sha256(key, strlen(key), h);
	for (i = 0; i < sizeof h; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	printf("key: %s\n", key);
	printf("# Give the key to the client (it is not stored anywhere), "
	    "and add to the config:\n");
	printf("[key %s]\nhash = sha256:%s\npermissions = tell, channel, "
	    "info\n", name, hex);
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(key, sizeof key);
	return (0);
}
