/*
 * svc-tell.c: tell, emoteto and beep, both ways.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static void	tell_packet(const json_t *, const json_t *);
static int	tell_send(struct client *, const char *, const json_t *,
		    json_t **, struct rpc_error *);
static int	rpc_tell(struct client *, const json_t *, json_t **,
		    struct rpc_error *);
static int	rpc_emoteto(struct client *, const json_t *, json_t **,
		    struct rpc_error *);
static int	rpc_beep(struct client *, const json_t *, json_t **,
		    struct rpc_error *);

const struct svc svc_tell = {
	.name = "tell",
	.packets = { "tell", "emoteto", "beep", NULL },
	.on_packet = tell_packet,
	.methods = {
		{ "tell", rpc_tell },
		{ "emoteto", rpc_emoteto },
		{ "beep", rpc_beep },
		{ NULL, NULL }
	},
};

/*
 * The common part: check the target, build, send or queue.  type is the
 * packet type, message NULL for a beep.
 */
static int
tell_send(struct client *cl, const char *type, const json_t *params,
    json_t **result, struct rpc_error *re)
{
	const char	*mud, *user, *from, *vis, *msg = NULL, *canon;
	json_t		*fields, *raw;
	char		*fixed = NULL;
	int		 queued, up;

	if (rpc_str(params, "target_mud", 1, &mud, re) == -1 ||
	    rpc_str(params, "target_user", 1, &user, re) == -1 ||
	    rpc_str(params, "from_user", 1, &from, re) == -1 ||
	    rpc_str(params, "visname", 0, &vis, re) == -1)
		return (-1);
	if (strcmp(type, "beep") != 0) {
		if (rpc_str(params, "message", 0, &msg, re) == -1)
			return (-1);
		if (msg == NULL && rpc_str(params, "emote", 0, &msg, re) == -1)
			return (-1);
		if (msg == NULL)
			return (rpc_fail(re, RPC_PARAMS, "missing parameter: "
			    "message"));
	}
	up = router_mud_up(mud, &canon);
	if (up == 0)
		return (rpc_fail(re, RPC_MUDDOWN, "%s is down (mudlist)",
		    canon));
	if (strcmp(type, "emoteto") == 0 && strstr(msg, "$N") == NULL) {
		xasprintf(&fixed, "$N %s", msg);
		msg = fixed;
	}
	fields = json_pack("{s:s, s:s, s:s, s:s}", "originator_user", from,
	    "target_mud", canon, "target_user", user, "orig_visname",
	    vis != NULL ? vis : from);
	if (msg != NULL)
		json_object_set_new(fields, "message", json_string(msg));
	free(fixed);
	json_object_set_new(fields, "originator_mud",
	    json_string(gw.conf->mud_name));
	raw = i3_packet_build(type, fields, NULL);
	json_decref(fields);
	if (raw == NULL)
		return (rpc_fail(re, RPC_PARAMS, "cannot build a %s packet "
		    "from these parameters", type));
	client_note_user(cl, from);
	if (router_send(raw, &queued, re) == -1)
		return (-1);
	if (gw.conf->log_tells)
		log_info("%s from %s to %s@%s", type, from, user, canon);
	*result = json_pack("{s:b, s:b}", "sent", !queued, "queued", queued);
	return (0);
}

static int
rpc_tell(struct client *cl, const json_t *params, json_t **result,
    struct rpc_error *re)
{
	return (tell_send(cl, "tell", params, result, re));
}

static int
rpc_emoteto(struct client *cl, const json_t *params, json_t **result,
    struct rpc_error *re)
{
	return (tell_send(cl, "emoteto", params, result, re));
}

static int
rpc_beep(struct client *cl, const json_t *params, json_t **result,
    struct rpc_error *re)
{
	return (tell_send(cl, "beep", params, result, re));
}

/* Incoming: every client serving this MUD hears it. */
static void
tell_packet(const json_t *named, const json_t *raw)
{
	const char	*type = i3_pkt_str(named, "type");
	const char	*omud = i3_pkt_str(named, "originator_mud");
	const char	*ouser = i3_pkt_str(named, "originator_user");
	const char	*vis = i3_pkt_str(named, "orig_visname");
	const char	*msg = i3_pkt_str(named, "message");
	const char	*tuser = i3_pkt_str(named, "target_user");
	const char	*method;
	char		*who, *text, *exp;

	who = svc_who(vis, ouser, omud);
	if (strcmp(type, "tell") == 0) {
		method = "tell_received";
		xasprintf(&text, "%s tells you: %s", who, msg ? msg : "");
	} else if (strcmp(type, "emoteto") == 0) {
		method = "emoteto_received";
		exp = svc_expand(msg ? msg : "", who, NULL);
		text = exp != NULL ? exp : xstrdup(msg ? msg : "");
	} else {
		method = "beep_received";
		xasprintf(&text, "%s beeps you.", who);
	}
	if (gw.conf->log_tells || log_verbose() > 1)
		log_info("%s from %s to %s", type, who, tuser ? tuser : "?");
	rpc_broadcast(method, svc_event(named, text));
	free(text);
	free(who);
}
