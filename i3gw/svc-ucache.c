/*
 * svc-ucache.c: the user cache, (mud, user) -> (visname, gender), from
 * chan-user-reply and ucache-update, kept in the store for channel-t.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

#define UCACHE_MAX_AGE	(30LL * 86400)	/* seconds, as Samson prunes */
#define UCACHE_MAX	100000

static json_t	*ucache;	/* "user@mud" -> [visname, gender, updated] */

static void	ucache_packet(const json_t *, const json_t *);
static char	*ucache_key(const char *, const char *);
static int	rpc_ucache_get(struct request *);

const struct svc svc_ucache = {
	.name = "ucache",
	.packets = { "ucache-update", NULL },
	.on_packet = ucache_packet,
	.methods = {
		{ "ucache_get", rpc_ucache_get, API_P_INFO, 0,
		    "[mud] [user]",
		    "the user cache" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* Loaded from the store the first time it is needed. */
void
svc_ucache_init(void)
{
	json_t	*list, *e;
	char	*k;
	size_t	 i;

	if (ucache != NULL)
		return;
	ucache = json_object();
	list = store_ucache_load(UCACHE_MAX_AGE);
	json_array_foreach(list, i, e) {
		k = ucache_key(json_string_value(json_array_get(e, 0)),
		    json_string_value(json_array_get(e, 1)));
		json_object_set_new(ucache, k, json_pack("[O, O, O]",
		    json_array_get(e, 2), json_array_get(e, 3),
		    json_array_get(e, 4)));
		free(k);
	}
	json_decref(list);
}

static char *
ucache_key(const char *mud, const char *user)
{
	char	*k, *p;

	xasprintf(&k, "%s@%s", user, mud);
	for (p = k; *p != '\0' && *p != '@'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	}
	return (k);
}

void
svc_ucache_put(const char *mud, const char *user, const char *visname,
    json_int_t gender)
{
	json_t	*old;
	char	*k;

	if (mud == NULL || user == NULL || visname == NULL)
		return;
	svc_ucache_init();
	k = ucache_key(mud, user);
	old = json_object_get(ucache, k);
	if (old != NULL && strcmp(json_string_value(json_array_get(old, 0)),
	    visname) == 0 && json_integer_value(json_array_get(old, 1)) ==
	    gender) {
		free(k);
		return;
	}
	if (old == NULL && json_object_size(ucache) >= UCACHE_MAX) {
		log_warnx("ucache: full (%d users), %s not kept", UCACHE_MAX,
		    k);
		free(k);
		return;
	}
	json_object_set_new(ucache, k, json_pack("[s, I, I]", visname, gender,
	    (json_int_t)time(NULL)));
	*strchr(k, '@') = '\0';
	if (store_ucache_put(mud, k, visname, gender) == -1)
		log_warnx("ucache: %s@%s could not be stored", k, mud);
	free(k);
}

/* The cached visname of a user, else dflt. */
const char *
svc_ucache_visname(const char *mud, const char *user, const char *dflt)
{
	json_t	*e;
	char	*k;

	if (mud == NULL || user == NULL)
		return (dflt);
	svc_ucache_init();
	if (json_object_size(ucache) == 0)
		return (dflt);
	k = ucache_key(mud, user);
	e = json_object_get(ucache, k);
	free(k);
	if (e == NULL)
		return (dflt);
	return (json_string_value(json_array_get(e, 0)));
}

static void
ucache_packet(const json_t *named, const json_t *raw)
{
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*user = i3_pkt_str(named, "username");
	const char	*vis = i3_pkt_str(named, "visname");

	/* Our own, broadcast back by the router. */
	if (omud == NULL || strcmp(omud, gw.conf->mud_name) == 0)
		return;
	svc_ucache_put(omud, user, vis, i3_pkt_int(named, "gender", 2));
}

/* ucache_get {mud, user}: one entry; {mud}: that MUD's; {}: all. */
static int
rpc_ucache_get(struct request *rq)
{
	const char	*mud, *user, *key, *at;
	json_t		*arr, *e;
	char		*k;

	if (rpc_str(rq->params, "mud", 0, &mud, &rq->err) == -1 ||
	    rpc_str(rq->params, "user", 0, &user, &rq->err) == -1)
		return (-1);
	if (user != NULL && mud == NULL)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "missing parameter: mud"));
	svc_ucache_init();
	arr = json_array();
	if (user != NULL) {
		k = ucache_key(mud, user);
		if ((e = json_object_get(ucache, k)) != NULL) {
			*strchr(k, '@') = '\0';
			json_array_append_new(arr, json_pack("{s:s, s:s, s:O, "
			    "s:O, s:O}", "mud", mud, "user", k, "visname",
			    json_array_get(e, 0), "gender", json_array_get(e,
			    1), "updated", json_array_get(e, 2)));
		}
		free(k);
	} else {
		json_object_foreach(ucache, key, e) {
			if ((at = strchr(key, '@')) == NULL ||
			    (mud != NULL && strcmp(at + 1, mud) != 0))
				continue;
			json_array_append_new(arr, json_pack("{s:s, s:s%, s:O, "
			    "s:O, s:O}", "mud", at + 1, "user", key,
			    (size_t)(at - key), "visname", json_array_get(e, 0),
			    "gender", json_array_get(e, 1), "updated",
			    json_array_get(e, 2)));
		}
	}
	rq->result = json_pack("{s:i, s:o}", "count", (int)json_array_size(arr),
	    "users", arr);
	return (0);
}
