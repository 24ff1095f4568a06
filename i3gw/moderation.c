/*
 * moderation.c: what reaches our clients from the network, before any of
 * them sees it: ignore rules (user@mud globs, per channel or everywhere,
 * the gateway's or one local user's) and a flood limit per remote user and
 * channel whose excess is folded into one "N messages suppressed" notice.
 *
 * A gateway-wide rule drops the message: not delivered, not stored,
 * counted.  A local user's rule does not drop a channel message (other
 * users hear it): the event names the users who ignore its sender in
 * "ignored_by", for the MUD to hide it from them; a tell to a user who
 * ignores its sender is dropped.  Rules made through the API are kept in
 * the store; [moderation] ignore in the config adds gateway-wide ones,
 * read again on SIGHUP.
 */

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

/* Flood counters kept at most; past it the idle ones are swept at once. */
#define MOD_FLOOD_MAX	10000

struct mod_rule {
	char		*pattern;	/* "user@mud" glob, lower-cased */
	char		*channel;	/* NULL: everywhere */
	char		*owner;		/* local user, NULL: the gateway */
};

static struct mod_rule	*mod_rules;
static size_t		 mod_nrules;
/* "chan\037user@mud" -> [start ms, messages, suppressed, "user@Mud"] */
static json_t		*mod_flood;
static uint64_t		 mod_timer;

static uint64_t		 mod_ignored;		/* dropped by a gateway rule */
static uint64_t		 mod_ignored_user;	/* flagged or tells dropped */
static uint64_t		 mod_suppressed;	/* over the flood limit */
static uint64_t		 mod_notices;

static int	mod_sweep(void *);

/* "SpamMud" is "*@SpamMud"; lower-cased, so matching ignores case. */
static char *
mod_pattern(const char *s)
{
	char	*p, *q;

	if (strchr(s, '@') == NULL)
		xasprintf(&p, "*@%s", s);
	else
		p = xstrdup(s);
	for (q = p; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return (p);
}

static int
mod_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcasecmp(a, b) == 0);
}

static ssize_t
mod_find(const char *pattern, const char *channel, const char *owner)
{
	size_t	i;

	for (i = 0; i < mod_nrules; i++) {
		if (strcmp(mod_rules[i].pattern, pattern) == 0 &&
		    mod_same(mod_rules[i].channel, channel) &&
		    mod_same(mod_rules[i].owner, owner))
			return ((ssize_t)i);
	}
	return (-1);
}

static void
mod_add(const char *pattern, const char *channel, const char *owner)
{
	struct mod_rule	*r;

	mod_rules = xrealloc(mod_rules, (mod_nrules + 1) * sizeof *mod_rules);
	r = &mod_rules[mod_nrules++];
	r->pattern = xstrdup(pattern);
	r->channel = channel != NULL ? xstrdup(channel) : NULL;
	r->owner = owner != NULL ? xstrdup(owner) : NULL;
}

static void
mod_del(size_t i)
{
	free(mod_rules[i].pattern);
	free(mod_rules[i].channel);
	free(mod_rules[i].owner);
	memmove(&mod_rules[i], &mod_rules[i + 1], (mod_nrules - i - 1) *
	    sizeof *mod_rules);
	mod_nrules--;
}

/* Does "user@mud" (lower-cased) match a rule for this channel? */
static int
mod_rule_match(const struct mod_rule *r, const char *who, const char *chan)
{
	if (r->channel != NULL && (chan == NULL ||
	    strcasecmp(r->channel, chan) != 0))
		return (0);
	return (fnmatch(r->pattern, who, 0) == 0);
}

/* Is this pattern one a rule takes: user@mud, globs allowed, bounded? */
int
moderation_pattern_ok(const char *s)
{
	const char	*at = strchr(s, '@');

	if (*s == '\0' || strlen(s) > 200)
		return (0);
	if (at != NULL && (at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL))
		return (0);
	return (1);
}

/* The rules of the store, and those of [moderation] ignore. */
void
moderation_init(void)
{
	json_t		*list, *e;
	size_t		 i;

	list = store_ignore_load();
	json_array_foreach(list, i, e) {
		const char	*p = json_string_value(json_array_get(e, 0));
		const char	*c = json_string_value(json_array_get(e, 1));
		const char	*o = json_string_value(json_array_get(e, 2));

		if (p != NULL && mod_find(p, c, o) == -1)
			mod_add(p, c, o);
	}
	json_decref(list);
	if (mod_flood == NULL)
		mod_flood = json_object();
}

/* "user@mud", lower-cased, for matching; NULL parts as "". */
static char *
mod_who(const char *user, const char *mud)
{
	char	*who, *q;

	xasprintf(&who, "%s@%s", user != NULL ? user : "",
	    mud != NULL ? mud : "");
	for (q = who; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return (who);
}

/* Gateway-wide: a config rule, or one of the store without an owner. */
static int
mod_gateway_ignores(const char *who, const char *chan)
{
	json_t		*v;
	size_t		 i;
	char		*p;
	int		 hit;

	for (i = 0; i < mod_nrules; i++) {
		if (mod_rules[i].owner == NULL &&
		    mod_rule_match(&mod_rules[i], who, chan))
			return (1);
	}
	json_array_foreach(gw.conf->mod_ignore, i, v) {
		p = mod_pattern(json_string_value(v));
		hit = fnmatch(p, who, 0) == 0;
		free(p);
		if (hit)
			return (1);
	}
	return (0);
}

/*
 * A channel message from the network: 0 deliver it, 1 drop it (ignored
 * gateway-wide: not stored either).  *ignored_by gets the local users who
 * ignore its sender (a new array, or NULL).
 */
int
moderation_channel(const json_t *named, json_t **ignored_by)
{
	const char	*chan = i3_pkt_str(named, "channel");
	char		*who;
	size_t		 i;

	*ignored_by = NULL;
	who = mod_who(i3_pkt_str(named, "originator_user"),
	    i3_pkt_str(named, "originator_mud"));
	if (mod_gateway_ignores(who, chan)) {
		free(who);
		mod_ignored++;
		return (1);
	}
	for (i = 0; i < mod_nrules; i++) {
		if (mod_rules[i].owner == NULL ||
		    !mod_rule_match(&mod_rules[i], who, chan))
			continue;
		if (*ignored_by == NULL)
			*ignored_by = json_array();
		json_array_append_new(*ignored_by,
		    json_string(mod_rules[i].owner));
	}
	if (*ignored_by != NULL)
		mod_ignored_user++;
	free(who);
	return (0);
}

/* A tell, emoteto or beep: 1 when ignored by the gateway or its target. */
int
moderation_tell(const json_t *named)
{
	const char	*target = i3_pkt_str(named, "target_user");
	char		*who;
	size_t		 i;
	int		 hit = 0;

	who = mod_who(i3_pkt_str(named, "originator_user"),
	    i3_pkt_str(named, "originator_mud"));
	if (mod_gateway_ignores(who, NULL)) {
		mod_ignored++;
		hit = 1;
	} else {
		for (i = 0; i < mod_nrules && !hit; i++) {
			if (mod_rules[i].owner != NULL && target != NULL &&
			    mod_rules[i].channel == NULL &&
			    strcasecmp(mod_rules[i].owner, target) == 0 &&
			    mod_rule_match(&mod_rules[i], who, NULL))
				hit = 1;
		}
		if (hit)
			mod_ignored_user++;
	}
	free(who);
	return (hit);
}

/* The notice for a window with suppressed messages: "[chan] N ... X". */
static void
mod_notice(const char *key, json_t *e)
{
	const char	*sep = strchr(key, '\037');
	json_int_t	 n = json_integer_value(json_array_get(e, 2));
	char		*chan, *text, *ts;
	const char	*who, *at;
	json_t		*ev;

	if (n <= 0 || sep == NULL)
		return;
	chan = xstrndup(key, sep - key);
	who = json_string_value(json_array_get(e, 3));
	at = strrchr(who, '@');
	xasprintf(&text, "[%s] %lld message%s from %s suppressed (flood)",
	    chan, (long long)n, n == 1 ? "" : "s", who);
	ts = rpc_timestamp();
	ev = json_pack("{s:s, s:s%, s:s, s:I, s:s, s:s}", "channel", chan,
	    "user", who, at != NULL ? (size_t)(at - who) : strlen(who),
	    "mud", at != NULL ? at + 1 : "", "count", n, "timestamp", ts,
	    "text", text);
	free(ts);
	free(text);
	mod_notices++;
	svc_channel_notice(chan, "channel_suppressed", ev);
	free(chan);
}

/* Windows that ended: their notices, and idle counters forgotten. */
static int
mod_sweep(void *arg)
{
	const char	*key;
	json_t		*e, *tmp;
	uint64_t	 now = ev_now();
	long		 win = gw.conf->flood_window;

	json_object_foreach_safe(mod_flood, tmp, key, e) {
		if (now - (uint64_t)json_integer_value(json_array_get(e, 0)) <
		    (uint64_t)win)
			continue;
		mod_notice(key, e);
		json_object_del(mod_flood, key);
	}
	if (json_object_size(mod_flood) == 0) {
		mod_timer = 0;
		return (EV_NOMORE);
	}
	return (win);
}

/*
 * The flood limit: 0 deliver, 1 suppressed (counted, folded into the
 * notice sent when the sender's window ends).
 */
int
moderation_flood(const json_t *named)
{
	const char	*chan = i3_pkt_str(named, "channel");
	json_t		*e;
	const char	*user = i3_pkt_str(named, "originator_user");
	const char	*mud = i3_pkt_str(named, "originator_mud");
	char		*who, *key;
	uint64_t	 now = ev_now();
	json_int_t	 n;

	if (gw.conf->flood_count <= 0 || chan == NULL)
		return (0);
	who = mod_who(user, mud);
	xasprintf(&key, "%s\037%s", chan, who);
	free(who);
	if ((e = json_object_get(mod_flood, key)) != NULL &&
	    now - (uint64_t)json_integer_value(json_array_get(e, 0)) >=
	    (uint64_t)gw.conf->flood_window) {
		mod_notice(key, e);
		json_object_del(mod_flood, key);
		e = NULL;
	}
	if (e == NULL) {
		if (json_object_size(mod_flood) >= MOD_FLOOD_MAX)
			mod_sweep(NULL);
		if (json_object_size(mod_flood) >= MOD_FLOOD_MAX) {
			/* Every counter busy: this sender goes unlimited. */
			free(key);
			return (0);
		}
		xasprintf(&who, "%s@%s", user != NULL ? user : "",
		    mud != NULL ? mud : "");
		e = json_pack("[I, i, i, s]", (json_int_t)now, 0, 0, who);
		free(who);
		json_object_set_new(mod_flood, key, e);
		if (mod_timer == 0)
			mod_timer = ev_timer_add(gw.conf->flood_window,
			    mod_sweep, NULL);
	}
	free(key);
	n = json_integer_value(json_array_get(e, 1)) + 1;
	json_array_set_new(e, 1, json_integer(n));
	if (n <= gw.conf->flood_count)
		return (0);
	json_array_set_new(e, 2, json_integer(json_integer_value(
	    json_array_get(e, 2)) + 1));
	mod_suppressed++;
	return (1);
}

/* ------------------------------------------------------------- methods */

static int
mod_params(struct client *cl, const json_t *params, const char **pattern,
    const char **chan, const char **owner, struct rpc_error *re)
{
	if ((pattern != NULL &&
	    rpc_str(params, "pattern", 1, pattern, re) == -1) ||
	    rpc_str(params, "channel", 0, chan, re) == -1 ||
	    rpc_str(params, "user", 0, owner, re) == -1)
		return (-1);
	if (pattern != NULL && !moderation_pattern_ok(*pattern))
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter pattern: "
		    "user@mud, or a MUD, globs allowed (*@SpamMud, bot*@*)"));
	if (*owner != NULL && **owner == '\0')
		*owner = NULL;
	/* The gateway's own rules are the operator's. */
	if (*owner == NULL && pattern != NULL && !cl->trusted &&
	    (cl->perms & API_P_ADMIN) == 0)
		return (rpc_fail(re, I3_RPC_FORBIDDEN, "forbidden: "
		    "gateway-wide rules need the admin permission; name a "
		"user"));
	return (0);
}

static json_t *
mod_rule_json(const char *pattern, const char *chan, const char *owner,
    const char *source)
{
	return (json_pack("{s:s, s:s?, s:s?, s:s}", "pattern", pattern,
	    "channel", chan, "user", owner, "source", source));
}

static int
rpc_ignore_add(struct request *rq)
{
	struct client	*cl = rq->cl;
	const char	*given, *chan, *owner;
	char		*p, *o = NULL;
	int		 added = 0;

	if (mod_params(cl, rq->params, &given, &chan, &owner, &rq->err) == -1)
		return (-1);
	p = mod_pattern(given);
	if (owner != NULL)
		o = pending_user(owner);
	if (mod_find(p, chan, o) == -1) {
		if (store_ignore_put(p, chan, o, 1) == -1) {
			free(p);
			free(o);
			return (rpc_fail(&rq->err, I3_RPC_INTERNAL, "the store "
			    "refused the rule"));
		}
		mod_add(p, chan, o);
		added = 1;
	}
	rq->result = mod_rule_json(p, chan, o, "api");
	json_object_set_new(rq->result, "added", json_boolean(added));
	free(p);
	free(o);
	return (0);
}

static int
rpc_ignore_remove(struct request *rq)
{
	struct client	*cl = rq->cl;
	const char	*given, *chan, *owner;
	char		*p, *o = NULL;
	ssize_t		 i;

	if (mod_params(cl, rq->params, &given, &chan, &owner, &rq->err) == -1)
		return (-1);
	p = mod_pattern(given);
	if (owner != NULL)
		o = pending_user(owner);
	if ((i = mod_find(p, chan, o)) != -1) {
		store_ignore_put(p, chan, o, 0);
		mod_del((size_t)i);
	}
	rq->result = mod_rule_json(p, chan, o, "api");
	json_object_set_new(rq->result, "removed", json_boolean(i != -1));
	free(p);
	free(o);
	return (0);
}

static int
rpc_ignore_list(struct request *rq)
{
	struct client	*cl = rq->cl;
	const char	*chan, *owner;
	json_t		*list, *v;
	size_t		 i;
	char		*p;

	if (mod_params(cl, rq->params, NULL, &chan, &owner, &rq->err) == -1)
		return (-1);
	list = json_array();
	if (owner == NULL) {
		json_array_foreach(gw.conf->mod_ignore, i, v) {
			p = mod_pattern(json_string_value(v));
			json_array_append_new(list, mod_rule_json(p, NULL,
			    NULL, "config"));
			free(p);
		}
	}
	for (i = 0; i < mod_nrules; i++) {
		if (owner != NULL && !mod_same(mod_rules[i].owner, owner))
			continue;
		if (chan != NULL && !mod_same(mod_rules[i].channel, chan))
			continue;
		json_array_append_new(list, mod_rule_json(mod_rules[i].pattern,
		    mod_rules[i].channel, mod_rules[i].owner, "api"));
	}
	rq->result = json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(list), "rules", list);
	return (0);
}

const struct svc svc_moderation = {
	.name = "moderation",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "ignore_add", rpc_ignore_add, API_P_CHANNEL, 0,
		    "pattern [channel] [user]",
		    "ignore a sender (a user's rule; without user: admin)" },
		{ "ignore_remove", rpc_ignore_remove, API_P_CHANNEL, 0,
		    "pattern [channel] [user]",
		    "remove an ignore rule" },
		{ "ignore_list", rpc_ignore_list, API_P_CHANNEL, 0,
		    "[user] [channel]",
		    "the ignore rules" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* A local user's rules, [[pattern, channel or null], ...], or NULL. */
json_t *
moderation_user_rules(const char *owner)
{
	json_t	*list = NULL;
	size_t	 i;

	for (i = 0; i < mod_nrules; i++) {
		if (mod_rules[i].owner == NULL ||
		    strcasecmp(mod_rules[i].owner, owner) != 0)
			continue;
		if (list == NULL)
			list = json_array();
		json_array_append_new(list, json_pack("[s, s?]",
		    mod_rules[i].pattern, mod_rules[i].channel));
	}
	return (list);
}

void
moderation_stats(json_t *o)
{
	json_object_set_new(o, "moderation", json_pack("{s:I, s:I, s:I, s:I, "
	    "s:I}", "ignored", (json_int_t)mod_ignored, "ignored_user",
	    (json_int_t)mod_ignored_user, "suppressed",
	    (json_int_t)mod_suppressed, "notices", (json_int_t)mod_notices,
	    "rules", (json_int_t)(mod_nrules +
	    json_array_size(gw.conf->mod_ignore))));
}
