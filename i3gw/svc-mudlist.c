/*
 * svc-mudlist.c: the mudlist and chanlist from the router, mudlist and
 * mudinfo for clients, mud_online/mud_offline/chanlist_changed events.
 */

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

static void	mudlist_packet(const json_t *, const json_t *);
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
		router_mudlist_apply(named);
	else {
		router_chanlist_apply(named);
		svc_chanadmin_chanlist(named);
	}
}

static int
mud_is_up(const json_t *e)
{
	return (e != NULL && json_integer_value(json_object_get(e,
	    "state")) == -1);
}

void
svc_mudlist_changed(const char *mud, const json_t *old, const json_t *new)
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
	else
		event_deliver("mud_offline", json_pack("{s:s, s:s, s:b, s:s}",
		    "mud", mud, "timestamp", ts, "deleted", new == NULL,
		    "text", text), NULL, NULL);
	free(text);
	free(ts);
}

void
svc_chanlist_changed(json_t *added, json_t *removed)
{
	char	*ts = rpc_timestamp(), *text;

	svc_chanadmin_changed(added, removed);
	xasprintf(&text, "channels: %zu added, %zu removed, %zu in all",
	    json_array_size(added), json_array_size(removed),
	    json_object_size(router_chanlist()));
	event_deliver("chanlist_changed", json_pack("{s:O, s:O, s:s, s:i, "
	    "s:s}", "added", added, "removed", removed, "timestamp", ts,
	    "count", (int)json_object_size(router_chanlist()), "text", text),
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
	return (o);
}

/*
 * Filters: status "up", "down" or "all"; driver and mudlib (substrings, any
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
		if (strcmp(status, "up") == 0)
			want = 1;
		else if (strcmp(status, "down") == 0)
			want = 0;
		else if (strcmp(status, "all") != 0)
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter status: up, down or all"));
	}
	arr = json_array();
	json_object_foreach((json_t *)router_mudlist(), name, e) {
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
	if (router_mud_up(mud, &canon) == -1)
		return (rpc_fail(&rq->err, I3_RPC_NOMUD,
		    "%s is not in the mudlist",
		    mud));
	rq->result = mud_entry(canon, json_object_get(router_mudlist(), canon));
	return (0);
}
