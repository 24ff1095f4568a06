/*
 * svc-mudlist.c: the mudlist and chanlist caches, their one owner: loaded
 * from the store for the router in use, kept current by its mudlist and
 * chanlist-reply packets (and persisted), read by everyone else through
 * svc_mudlist_muds(), svc_mudlist_chans() and svc_mudlist_up(); mudlist
 * and mudinfo for clients; mud_online/mud_offline/chanlist_changed events.
 */

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

/* The lists of the router they came from. */
static struct {
	char		*router;
	json_t		*mudlist;	/* name -> named entry */
	json_t		*chanlist;	/* name -> {owner, type} */
	long long	 mudlist_id;
	long long	 chanlist_id;
	int		 chanlist_fresh;	/* one since the startup */
} ml;

static void	mudlist_packet(const json_t *, const json_t *);
static void	mudlist_apply(const json_t *);
static void	mudlist_changed(const char *, const json_t *,
		    const json_t *);
static void	chanlist_changed(json_t *, json_t *);
static json_t	*chan_entry(const char *, const json_t *);
static int	mud_is_up(const json_t *);
static json_t	*mud_entry(const char *, const json_t *);
static int	rpc_mudlist(struct request *);
static int	rpc_mudinfo(struct request *);

const struct svc svc_mudlist = {
	.name = "mudlist",
	.packets = { "mudlist", "chanlist-reply", NULL },
	.on_packet = mudlist_packet,
	.methods = {
		{ "mudlist", rpc_mudlist, API_P_INFO, 0,
		    "[status] [driver] [mudlib] [name] [service]",
		    "the cached mudlist, filtered" },
		{ "mudinfo", rpc_mudinfo, API_P_INFO, 0,
		    "mud",
		    "one MUD of the mudlist" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

static void
mudlist_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_pkt_str(named, "type");

	/* Lists count only from the router we are connected to. */
	if (!router_from_router(named)) {
		log_warnx("%s from %s ignored (not our router)", type,
		    i3_pkt_str(named, "originator_mud"));
		return;
	}
	if (strcmp(type, "mudlist") == 0)
		mudlist_apply(named);
	else {
		svc_mudlist_chanlist_apply(named);
		svc_chanadmin_chanlist(named);
	}
}

/* The lists stored for a router, with their ids: those in use from now. */
void
svc_mudlist_load(const char *router, long long mudlist_id,
    long long chanlist_id)
{
	free(ml.router);
	ml.router = xstrdup(router);
	ml.mudlist_id = mudlist_id;
	ml.chanlist_id = chanlist_id;
	json_decref(ml.mudlist);
	json_decref(ml.chanlist);
	ml.mudlist = store_mudlist_load(router);
	ml.chanlist = store_chanlist_load(router);
	log_debug("router %s: %zu MUDs, %zu channels cached", router,
	    json_object_size(ml.mudlist), json_object_size(ml.chanlist));
}

/* The router whose lists are loaded, or NULL. */
const char *
svc_mudlist_router(void)
{
	return (ml.router);
}

/* A startup was sent: the next chanlist-reply replaces the list. */
void
svc_mudlist_startup(void)
{
	ml.chanlist_fresh = 0;
}

/* The mudlist id to send in a startup. */
long long
svc_mudlist_id(void)
{
	return (ml.mudlist_id);
}

/* name -> mudlist entry (borrowed; NULL before any router). */
const json_t *
svc_mudlist_muds(void)
{
	return (ml.mudlist);
}

/* channel -> {owner, type} (borrowed; NULL before any router). */
const json_t *
svc_mudlist_chans(void)
{
	return (ml.chanlist);
}

void
svc_mudlist_stats(json_t *o)
{
	json_object_set_new(o, "mudlist_id", json_integer(ml.mudlist_id));
	json_object_set_new(o, "chanlist_id", json_integer(ml.chanlist_id));
	json_object_set_new(o, "muds", json_integer(
	    json_object_size(ml.mudlist)));
	json_object_set_new(o, "channels", json_integer(
	    json_object_size(ml.chanlist)));
}

int
svc_mudlist_up(const char *name, const char **canon)
{
	const char	*key;
	json_t		*v;
	json_int_t	 state;

	*canon = name;
	if ((v = json_object_get(ml.mudlist, name)) == NULL) {
		json_t	*e;

		json_object_foreach(ml.mudlist, key, e) {
			if (strcasecmp(key, name) == 0) {
				*canon = key;
				v = e;
				break;
			}
		}
		if (v == NULL)
			return (-1);
	}
	state = json_integer_value(json_object_get(v, "state"));
	return (state == -1);
}

/* A mudlist packet: merge, 0 deletes; persisted with its id. */
static void
mudlist_apply(const json_t *named)
{
	json_t		*info = json_object_get(named, "info"), *v, *old;
	const char	*name;
	json_int_t	 id = i3_pkt_int(named, "mudlist_id", 0);

	if (!json_is_object(info))
		return;
	store_begin();
	json_object_foreach(info, name, v) {
		old = json_object_get(ml.mudlist, name);
		if (old != NULL)
			json_incref(old);
		if (json_is_object(v)) {
			json_object_set(ml.mudlist, name, v);
			store_mud_put(ml.router, name, v);
		} else {
			json_object_del(ml.mudlist, name);
			store_mud_put(ml.router, name, NULL);
		}
		mudlist_changed(name, old, json_is_object(v) ? v : NULL);
		json_decref(old);
	}
	if (id != ml.mudlist_id) {
		ml.mudlist_id = id;
		store_mudlist_id_set(ml.router, id);
	}
	store_commit();
	/* Frames held for the mudlist, or for a MUD now up. */
	sendq_mudlist();
}

/*
 * A chanlist entry as {owner, type}, whatever shape it came in (new), or
 * NULL when it says the channel is gone.  The Dead Souls router announces a
 * channel just added as ({owner, ({})}): a type that is not an int is 0,
 * and the first one is logged (i3-protocol.md 9.1; docs/PROTOCOL.md 5).
 */
static json_t *
chan_entry(const char *name, const json_t *v)
{
	static int	 noted;
	const json_t	*owner, *type;
	json_t		*e;

	if (json_is_object(v)) {
		owner = json_object_get(v, "owner");
		type = json_object_get(v, "type");
	} else if (json_is_array(v) && json_array_size(v) == 2) {
		owner = json_array_get(v, 0);
		type = json_array_get(v, 1);
	} else
		return (NULL);
	if (!json_is_integer(type) && !noted) {
		noted = 1;
		log_info("router %s: chanlist entry \"%s\" has a type that "
		    "is not an int: read as 0 (noted once)", ml.router,
		    name);
	}
	e = json_object();
	json_object_set_new(e, "owner", json_is_string(owner) ?
	    json_incref((json_t *)owner) : json_integer(0));
	json_object_set_new(e, "type", json_integer(json_is_integer(type) ?
	    json_integer_value(type) : 0));
	return (e);
}

/* A chanlist-reply: the first after startup replaces, later ones merge. */
void
svc_mudlist_chanlist_apply(const json_t *named)
{
	json_t		*chans = json_object_get(named, "channels"), *v;
	json_t		*added, *removed, *old, *e;
	const char	*name;
	json_int_t	 id = i3_pkt_int(named, "chanlist_id", 0);
	void		*tmp;

	if (!json_is_object(chans))
		return;
	added = json_array();
	removed = json_array();
	store_begin();
	if (!ml.chanlist_fresh) {
		ml.chanlist_fresh = 1;
		json_object_foreach_safe(ml.chanlist, tmp, name, v) {
			old = json_object_get(chans, name);
			if (old == NULL || (!json_is_object(old) &&
			    !json_is_array(old))) {
				json_array_append_new(removed,
				    json_string(name));
				json_object_del(ml.chanlist, name);
			}
		}
		store_chan_clear(ml.router);
		json_object_foreach(ml.chanlist, name, v)
			store_chan_put(ml.router, name, v);
	}
	json_object_foreach(chans, name, v) {
		old = json_object_get(ml.chanlist, name);
		if ((e = chan_entry(name, v)) != NULL) {
			if (old == NULL)
				json_array_append_new(added, json_string(name));
			json_object_set(ml.chanlist, name, e);
			store_chan_put(ml.router, name, e);
			json_decref(e);
		} else if (old != NULL) {
			json_array_append_new(removed, json_string(name));
			json_object_del(ml.chanlist, name);
			store_chan_put(ml.router, name, NULL);
		}
	}
	if (id != ml.chanlist_id) {
		ml.chanlist_id = id;
		store_chanlist_id_set(ml.router, id);
	}
	store_commit();
	if (json_array_size(added) > 0 || json_array_size(removed) > 0)
		chanlist_changed(added, removed);
	json_decref(added);
	json_decref(removed);
}

static int
mud_is_up(const json_t *e)
{
	return (e != NULL && json_integer_value(json_object_get(e,
	    "state")) == -1);
}

static void
mudlist_changed(const char *mud, const json_t *old, const json_t *new)
{
	int	was = mud_is_up(old), is = mud_is_up(new);
	char	*ts, *text;

	if (was == is)
		return;
	ts = rpc_timestamp();
	xasprintf(&text, "%s is %s", mud, is ? "up" : (new == NULL ?
	    "gone from the mudlist" : "down"));
	if (is)
		event_deliver("mud_online", json_pack("{s:s, s:s, s:O, s:s}",
		    "mud", mud, "timestamp", ts, "info", new, "text", text),
		    NULL, NULL);
	else {
		/* What the router dropped for it meanwhile goes again. */
		sendq_target_down(mud);
		event_deliver("mud_offline", json_pack("{s:s, s:s, s:b, s:s}",
		    "mud", mud, "timestamp", ts, "deleted", new == NULL,
		    "text", text), NULL, NULL);
	}
	free(text);
	free(ts);
}

static void
chanlist_changed(json_t *added, json_t *removed)
{
	char	*ts = rpc_timestamp(), *text;

	svc_chanadmin_changed(added, removed);
	xasprintf(&text, "channels: %zu added, %zu removed, %zu in all",
	    json_array_size(added), json_array_size(removed),
	    json_object_size(svc_mudlist_chans()));
	event_deliver("chanlist_changed", json_pack("{s:O, s:O, s:s, s:i, "
	    "s:s}", "added", added, "removed", removed, "timestamp", ts,
	    "count", (int)json_object_size(svc_mudlist_chans()), "text", text),
	    NULL, NULL);
	free(text);
	free(ts);
}

static json_t *
mud_entry(const char *name, const json_t *e)
{
	json_t	*o = json_deep_copy(e);

	if (o == NULL)
		o = json_object();
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "up", json_boolean(mud_is_up(e)));
	/* The Python gateway's clients read "status", as their filter. */
	json_object_set_new(o, "status", json_string(mud_is_up(e) ? "up" :
	    "down"));
	return (o);
}

/*
 * Filters: status "up", "down" or "all" ("online", "offline" too); driver
 * case); name (a shell pattern, any case); service (advertised).  The
 * Python gateway's clients put them in a "filter" object ("has_service"
 * for service) beside "refresh": the list is kept current by the router's
 * updates, so there is nothing to refresh.
 */
static int
rpc_mudlist(struct request *rq)
{
	const char	*status, *driver, *mudlib, *pattern, *service, *name;
	const char	*s;
	const json_t	*f;
	json_t		*arr, *e;
	int		 want = -1;

	if ((f = json_object_get(rq->params, "filter")) != NULL &&
	    !json_is_null(f)) {
		if (!json_is_object(f))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter filter: an object is expected"));
		rq->params = f;
	}
	if (rpc_str(rq->params, json_object_get(rq->params,
	    "has_service") != NULL ?
	    "has_service" : "service", 0, &service, &rq->err) == -1)
		return (-1);
	if (rpc_str(rq->params, "status", 0, &status, &rq->err) == -1 ||
	    rpc_str(rq->params, "driver", 0, &driver, &rq->err) == -1 ||
	    rpc_str(rq->params, "mudlib", 0, &mudlib, &rq->err) == -1 ||
	    rpc_str(rq->params, "name", 0, &pattern, &rq->err) == -1)
		return (-1);
	if (status != NULL) {
		/* "online" and "offline": the Python gateway's examples. */
		if (strcmp(status, "up") == 0 || strcmp(status, "online") == 0)
			want = 1;
		else if (strcmp(status, "down") == 0 ||
		    strcmp(status, "offline") == 0)
			want = 0;
		else if (strcmp(status, "all") != 0)
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter status: up, down or all"));
	}
	arr = json_array();
	json_object_foreach((json_t *)svc_mudlist_muds(), name, e) {
		if (want != -1 && mud_is_up(e) != want)
			continue;
		if (driver != NULL && ((s = json_string_value(json_object_get(
		    e, "driver"))) == NULL || strcasestr(s, driver) == NULL))
			continue;
		if (mudlib != NULL && ((s = json_string_value(json_object_get(
		    e, "mudlib"))) == NULL || strcasestr(s, mudlib) == NULL))
			continue;
		if (pattern != NULL &&
		    fnmatch(pattern, name, FNM_CASEFOLD) != 0)
			continue;
		if (service != NULL && json_integer_value(json_object_get(
		    json_object_get(e, "services"), service)) == 0)
			continue;
		json_array_append_new(arr, mud_entry(name, e));
	}
	rq->result = json_pack("{s:i, s:o}", "count", (int)json_array_size(arr),
	    "muds", arr);
	return (0);
}

static int
rpc_mudinfo(struct request *rq)
{
	const char	*mud, *canon;

	if (rpc_str(rq->params, "mud", 1, &mud, &rq->err) == -1)
		return (-1);
	if (svc_mudlist_up(mud, &canon) == -1)
		return (rpc_fail(&rq->err, I3_RPC_NOMUD,
		    "%s is not in the mudlist",
		    mud));
	rq->result = mud_entry(canon, json_object_get(svc_mudlist_muds(),
	    canon));
	return (0);
}
