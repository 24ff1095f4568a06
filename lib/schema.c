/*
 * schema.c: the table of every I3 packet type, its fields by name and type.
 *
 * One table drives the raw <-> named mapping, the validation, the builder,
 * i3codec's "schema" command and the checks that keep docs/PROTOCOL.md in
 * step.  Layouts from i3-protocol.md section 3.
 */

#include <string.h>

#include "i3-int.h"

#define NF(a)	(sizeof (a) / sizeof (a)[0])
/* A field, its name's length beside it (JSON keys are set by length). */
#define F(name, type, flags, doc) \
	{ name, type, flags, doc, sizeof (name) - 1 }

const struct i3__field i3__hdr_fields[6] = {
	F("type", I3F_STR, 0, "packet type"),
	F("ttl", I3F_INT, 0, "time to live, 5"),
	F("originator_mud", I3F_STR, 0, "sending MUD"),
	F("originator_user", I3F_STR0, I3F_USER,
	    "acting user (lower-case) or 0"),
	F("target_mud", I3F_STR0, 0, "target MUD, 0 to broadcast"),
	F("target_user", I3F_STR0, I3F_USER, "target user (lower-case) or 0"),
};

/* What a MUD says of itself: in its mudlist entry and its startup-req-3. */
#define MUD_INFO_FIELDS \
	F("player_port", I3F_INT, 0, "telnet port"), \
	F("imud_tcp_port", I3F_INT, 0, "OOB TCP port or 0"), \
	F("imud_udp_port", I3F_INT, 0, "UDP port or 0"), \
	F("mudlib", I3F_STR, 0, "mudlib"), \
	F("base_mudlib", I3F_STR, 0, "base mudlib"), \
	F("driver", I3F_STR, 0, "driver"), \
	F("mud_type", I3F_STR, 0, "LP, Diku, ..."), \
	F("open_status", I3F_STR, 0, "open for public, ..."), \
	F("admin_email", I3F_STR, 0, "admin address"), \
	F("services", I3F_MAP, 0, "service -> 1 or port"), \
	F("other_data", I3F_MAP0, 0, "mapping or 0")

/* Nested structures. */
const struct i3__field i3__mud_fields[13] = {
	F("state", I3F_INT, 0, "-1 up, 0 down, n back in n seconds"),
	F("ip", I3F_STR, 0, "address as the router sees it"),
	MUD_INFO_FIELDS,
};

const struct i3__field i3__chan_fields[2] = {
	F("owner", I3F_STR, 0, "host MUD"),
	F("type", I3F_INT, 0, "0 banned, 1 admitted, 2 filtered"),
};

const struct i3__field i3__who_fields[3] = {
	F("visname", I3F_STR, 0, "user's visible name"),
	F("idle", I3F_INT, 0, "idle seconds"),
	F("extra", I3F_STR0, 0, "extra text or 0"),
};

/* "addr" only when host + " " + port would not give the string back. */
const struct i3__field i3__router_fields[4] = {
	F("name", I3F_STR, 0, "router name, e.g. *dalet"),
	F("host", I3F_STR, 0, "address before the last space"),
	F("port", I3F_INT, 0, "port after the last space"),
	F("addr", I3F_STR, I3F_OPT, "the original \"ip port\" string, "
	    "only when not canonical"),
};

/* Packet bodies (elements after the 6-element header). */
static const struct i3__field f_none[1] = {
	{ NULL, I3F_ANY, 0, NULL, 0 }
};

static const struct i3__field f_startup12[] = {
	F("password", I3F_INT, 0, "0, or the one the router gave"),
	F("old_mudlist_id", I3F_INT, 0, "last mudlist id seen"),
	F("old_chanlist_id", I3F_INT, 0, "last chanlist id seen"),
	F("player_port", I3F_INT, 0, "telnet port"),
	F("imud_tcp_port", I3F_INT, 0, "OOB TCP port or 0"),
	F("imud_udp_port", I3F_INT, 0, "UDP port or 0"),
	F("mudlib", I3F_STR, 0, "mudlib"),
	F("base_mudlib", I3F_STR, 0, "base mudlib"),
	F("driver", I3F_STR, 0, "driver"),
	F("mud_type", I3F_STR, 0, "LP, Diku, ..."),
	F("open_status", I3F_STR, 0, "open for public, ..."),
	F("services", I3F_MAP, 0, "service -> 1 or port"),
};

static const struct i3__field f_startup3[] = {
	F("password", I3F_INT, 0, "0, or the one the router gave"),
	F("old_mudlist_id", I3F_INT, 0, "last mudlist id seen"),
	F("old_chanlist_id", I3F_INT, 0, "last chanlist id seen"),
	MUD_INFO_FIELDS,
};

static const struct i3__field f_startup_reply[] = {
	F("router_list", I3F_ROUTERS, 0, "routers, [0] the one to use"),
	F("password", I3F_INT, 0, "password to keep"),
};

static const struct i3__field f_mudlist[] = {
	F("mudlist_id", I3F_INT, 0, "list id"),
	F("info", I3F_MUDLIST, 0, "MUD name -> entry, 0 = deleted"),
};

static const struct i3__field f_chanlist_reply[] = {
	F("chanlist_id", I3F_INT, 0, "list id"),
	F("channels", I3F_CHANLIST, 0, "channel -> {owner, type}, 0 = deleted"),
};

static const struct i3__field f_error[] = {
	F("error_code", I3F_STR, 0, "unk-dst, not-imp, ..."),
	F("error_message", I3F_STR0, 0, "human-readable text"),
	F("error_packet", I3F_PACKET0, 0, "the offending packet or 0"),
};

static const struct i3__field f_shutdown[] = {
	F("restart_delay", I3F_INT, 0, "0 unknown, n back in n seconds"),
};

static const struct i3__field f_tell[] = {
	F("orig_visname", I3F_STR, 0, "sender's visible name"),
	F("message", I3F_STR, 0, "text (emoteto: $N = sender)"),
};

static const struct i3__field f_beep[] = {
	F("orig_visname", I3F_STR, 0, "sender's visible name"),
};

static const struct i3__field f_who_reply[] = {
	F("who_data", I3F_WHO, 0, "[{visname, idle, extra}]"),
};

static const struct i3__field f_username[] = {
	F("username", I3F_STR, I3F_USER, "user asked about (lower-case)"),
};

static const struct i3__field f_finger_reply[] = {
	F("visname", I3F_STR, 0, "visible name"),
	F("title", I3F_STR0, 0, "title or 0"),
	F("real_name", I3F_STR0, 0, "real name or 0"),
	F("email", I3F_STR0, 0, "e-mail or 0"),
	F("loginout_time", I3F_STR0, 0, "login or logout time, free text"),
	F("idle_time", I3F_INT, 0, "idle seconds, -1 not logged in"),
	F("ip_name", I3F_STR0, 0, "host name or 0"),
	F("level", I3F_STR0, 0, "level or 0"),
	F("extra", I3F_STR0, 0, "extra text (.plan) or 0"),
};

static const struct i3__field f_locate_reply[] = {
	F("located_mud", I3F_STR, 0, "MUD where the user is"),
	F("located_visname", I3F_STR, 0, "user's visible name"),
	F("idle_time", I3F_INT, 0, "idle seconds"),
	F("status", I3F_STR0, 0, "link-dead, editing, ... or 0"),
};

static const struct i3__field f_channel_m[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("visname", I3F_STR, 0, "sender's visible name"),
	F("message", I3F_STR, 0, "text (channel-e: $N = sender)"),
};

static const struct i3__field f_channel_t[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("targ_mud", I3F_STR, 0, "target's MUD"),
	F("targ_user", I3F_STR, I3F_USER, "target user (lower-case)"),
	F("message_others", I3F_STR, 0, "text for others ($N, $O)"),
	F("message_target", I3F_STR, 0, "text for the target ($N, $O)"),
	F("orig_visname", I3F_STR, 0, "sender's visible name"),
	F("targ_visname", I3F_STR, 0, "target's visible name"),
};

static const struct i3__field f_channel_add[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("channel_type", I3F_INT, 0, "0 banned, 1 admitted, 2 filtered"),
};

static const struct i3__field f_channel[] = {
	F("channel", I3F_STR, 0, "channel name"),
};

static const struct i3__field f_channel_admin[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("add_list", I3F_STRARR, 0, "MUD names to add"),
	F("remove_list", I3F_STRARR, 0, "MUD names to remove"),
};

static const struct i3__field f_channel_listen[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("on", I3F_INT, 0, "1 listen, 0 stop"),
};

static const struct i3__field f_chan_who_reply[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("user_list", I3F_STRARR, 0, "visible names"),
};

static const struct i3__field f_chan_user_reply[] = {
	F("username", I3F_STR, I3F_USER, "user (lower-case)"),
	F("visname", I3F_STR, 0, "visible name"),
	F("gender", I3F_INT, 0, "0 male, 1 female, 2 neuter"),
};

static const struct i3__field f_chan_filter[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("packet", I3F_PACKET, 0, "channel-m/e/t packet"),
};

static const struct i3__field f_chan_adminlist_reply[] = {
	F("channel", I3F_STR, 0, "channel name"),
	F("list", I3F_STRARR, 0, "banned or admitted MUDs"),
};

static const struct i3__field f_auth_mud_reply[] = {
	F("session_key", I3F_INT, 0, "key, valid 10 min, one use"),
};

static const struct i3__field f_router_shutdown[] = {
	F("delay", I3F_INT, 0, "0 going away, n back in n seconds"),
};

static const struct i3__field f_ping[] = {
	F("data", I3F_ANY, I3F_OPT, "optional; CoffeeMud sends 0"),
};

static const struct i3__field f_chan_ack[] = {
	F("message", I3F_STR0, 0, "acknowledgement text"),
};

static const struct i3__field f_oob_begin[] = {
	F("originator_mud", I3F_STR, 0, "MUD opening the link"),
	F("auth_type", I3F_INT, 0, "0 none, 1 auth-mud-reply key"),
	F("auth_token", I3F_ANY, 0, "key or 0"),
};

static const struct i3__field f_oob_end[] = {
	F("originator_mud", I3F_STR, 0, "MUD closing the link"),
};

#define T(name, hdr, fl, f, old, alt, sum, ex) \
	{ name, hdr, fl, f, NF(f), old, alt, sum, ex, sizeof (name) - 1 }
#define T0(name, hdr, sum, ex) \
	{ name, hdr, 0, f_none, 0, 0, NULL, sum, ex, sizeof (name) - 1 }

/* startup-req-2 with a protocol-3 body of 20 elements (i3-protocol.md 6.8). */
static const struct i3__ptype startup3_body =
	T("startup-req-3", "0s0", 0, f_startup3, 0, NULL, NULL, NULL);

const struct i3__ptype i3__ptypes[] = {
	T("startup-req-1", "0s0", 0, f_startup12, 0, NULL,
	    "protocol-1 startup (18 elements)",
	    "({\"startup-req-1\",5,\"Alpha\",0,\"*dalet\",0,0,0,0,4000,0,0,"
	    "\"Lib\",\"Lib\",\"FluffOS\",\"LP\",\"open for public\","
	    "([\"tell\":1,]),})"),
	T("startup-req-2", "0s0", 0, f_startup12, 0, &startup3_body,
	    "protocol-2 startup (18 elements; 20 = protocol-3 body)",
	    "({\"startup-req-2\",5,\"Alpha\",0,\"*dalet\",0,0,0,0,4000,0,0,"
	    "\"Lib\",\"Lib\",\"FluffOS\",\"LP\",\"open for public\","
	    "([\"tell\":1,]),})"),
	T("startup-req-3", "0s0", 0, f_startup3, 0, NULL,
	    "protocol-3 startup (20 elements)",
	    "({\"startup-req-3\",5,\"Alpha\",0,\"*dalet\",0,0,0,0,4000,0,0,"
	    "\"Lib\",\"Lib\",\"FluffOS\",\"LP\",\"open for public\","
	    "\"admin@example.org\",([\"channel\":1,\"tell\":1,]),0,})"),
	T("startup-reply", "0s0", 0, f_startup_reply, 0, NULL,
	    "router list and password",
	    "({\"startup-reply\",5,\"*dsr\",0,\"ProbeMud\",0,"
	    "({({\"*dsr\",\"127.0.0.1 23002\",}),}),967966668,})"),
	T("mudlist", "0.0", 0, f_mudlist, 0, NULL,
	    "MUD list (delta or whole)",
	    "({\"mudlist\",5,\"*dsr\",0,\"ProbeMud\",0,3,([\"ProbeMud\":"
	    "({-1,\"127.0.0.1\",4000,0,0,\"ProbeLib\",\"ProbeLib\","
	    "\"python-probe\",\"LP\",\"mudlib development\","
	    "\"admin@localhost\",([\"channel\":1,\"tell\":1,]),0,}),"
	    "\"Gone\":0,]),})"),
	T("chanlist-reply", "0.0", 0, f_chanlist_reply, 0, NULL,
	    "channel list (delta or whole)",
	    "({\"chanlist-reply\",5,\"*dsr\",0,\"ProbeMud\",0,8,"
	    "([\"dchat\":({\"Frontiers\",0,}),\"old\":0,]),})"),
	T("error", "0s.", 0, f_error, 0, NULL,
	    "error report",
	    "({\"error\",5,\"*dalet\",0,\"Alpha\",\"bob\",\"unk-dst\","
	    "\"destination unknown\",({\"tell\",5,\"Alpha\",\"bob\",\"Nowhere\","
	    "\"ann\",\"Bob\",\"hi\",}),})"),
	T("shutdown", "0s0", 0, f_shutdown, 0, NULL,
	    "MUD leaves the router",
	    "({\"shutdown\",5,\"Alpha\",0,\"*dalet\",0,0,})"),
	T("tell", "sss", 0, f_tell, 0, NULL,
	    "private message",
	    "({\"tell\",5,\"Alpha\",\"bob\",\"Beta\",\"ann\",\"Bob\","
	    "\"hi there\",})"),
	T("emoteto", "sss", 0, f_tell, 0, NULL,
	    "private emote ($N = sender)",
	    "({\"emoteto\",5,\"Alpha\",\"bob\",\"Beta\",\"ann\",\"Bob\","
	    "\"$N waves.\",})"),
	T("beep", "sss", 0, f_beep, 0, NULL,
	    "tell without text (Diku clients)",
	    "({\"beep\",5,\"Alpha\",\"bob\",\"Beta\",\"ann\",\"Bob\",})"),
	T0("who-req", "s.0", "who is on (target 0 = everybody)",
	    "({\"who-req\",5,\"Alpha\",\"bob\",\"Beta\",0,})"),
	T("who-reply", "0ss", 0, f_who_reply, 0, NULL,
	    "who is on",
	    "({\"who-reply\",5,\"Beta\",0,\"Alpha\",\"bob\",({({\"Ann\",30,"
	    "\"the Wise\",}),({\"Cid\",-1,0,}),}),})"),
	T("finger-req", "ss0", 0, f_username, 0, NULL,
	    "ask about a user",
	    "({\"finger-req\",5,\"Alpha\",\"bob\",\"Beta\",0,\"ann\",})"),
	T("finger-reply", "0ss", 0, f_finger_reply, 0, NULL,
	    "about a user (any text field may be 0)",
	    "({\"finger-reply\",5,\"Beta\",0,\"Alpha\",\"bob\",\"Ann\","
	    "\"the Wise\",0,0,\"Mon Jan  1 10:00:00 2024\",42,0,\"wizard\","
	    "\"plan\",})"),
	T("locate-req", "s00", 0, f_username, 0, NULL,
	    "find a user (always broadcast)",
	    "({\"locate-req\",5,\"Alpha\",\"bob\",0,0,\"ann\",})"),
	T("locate-reply", "0ss", 0, f_locate_reply, 8, NULL,
	    "user found (protocol 2: 8 elements)",
	    "({\"locate-reply\",5,\"Beta\",0,\"Alpha\",\"bob\",\"Beta\","
	    "\"Ann\",12,0,})"),
	T("channel-m", "s00", 0, f_channel_m, 0, NULL,
	    "channel message",
	    "({\"channel-m\",5,\"Alpha\",\"bob\",0,0,\"dchat\",\"Bob\","
	    "\"hello %^RED%^all%^RESET%^\",})"),
	T("channel-e", "s00", 0, f_channel_m, 0, NULL,
	    "channel emote ($N = sender)",
	    "({\"channel-e\",5,\"Alpha\",\"bob\",0,0,\"dchat\",\"Bob\","
	    "\"$N smiles.\",})"),
	T("channel-t", "s00", 0, f_channel_t, 0, NULL,
	    "targetted channel emote",
	    "({\"channel-t\",5,\"Alpha\",\"bob\",0,0,\"dchat\",\"Beta\","
	    "\"ann\",\"$N pokes $O.\",\"$N pokes you.\",\"Bob\",\"Ann\",})"),
	T("channel-add", "ss0", 0, f_channel_add, 0, NULL,
	    "create a channel",
	    "({\"channel-add\",5,\"Alpha\",\"bob\",\"*dalet\",0,\"alpha_chat\","
	    "0,})"),
	T("channel-remove", "ss0", 0, f_channel, 0, NULL,
	    "delete a channel",
	    "({\"channel-remove\",5,\"Alpha\",\"bob\",\"*dalet\",0,"
	    "\"alpha_chat\",})"),
	T("channel-admin", "ss0", 0, f_channel_admin, 0, NULL,
	    "edit a channel's ban/admit list",
	    "({\"channel-admin\",5,\"Alpha\",\"bob\",\"*dalet\",0,"
	    "\"alpha_chat\",({\"Beta\",}),({}),})"),
	T("channel-listen", "0s0", 0, f_channel_listen, 0, NULL,
	    "listen to a channel or stop",
	    "({\"channel-listen\",5,\"Alpha\",0,\"*dalet\",0,\"dchat\",1,})"),
	T("chan-who-req", "ss0", 0, f_channel, 0, NULL,
	    "who listens to a channel on a MUD",
	    "({\"chan-who-req\",5,\"Alpha\",\"bob\",\"Beta\",0,\"dchat\",})"),
	T("chan-who-reply", "0ss", 0, f_chan_who_reply, 0, NULL,
	    "who listens to a channel",
	    "({\"chan-who-reply\",5,\"Beta\",0,\"Alpha\",\"bob\",\"dchat\","
	    "({\"Ann\",\"Cid\",}),})"),
	T("chan-user-req", "0s0", 0, f_username, 0, NULL,
	    "ask a user's visname and gender",
	    "({\"chan-user-req\",5,\"Alpha\",0,\"Beta\",0,\"ann\",})"),
	T("chan-user-reply", "0s0", 0, f_chan_user_reply, 0, NULL,
	    "a user's visname and gender",
	    "({\"chan-user-reply\",5,\"Beta\",0,\"Alpha\",0,\"ann\",\"Ann\","
	    "1,})"),
	T("chan-filter-req", "0s0", 0, f_chan_filter, 0, NULL,
	    "router asks the host to filter a message",
	    "({\"chan-filter-req\",5,\"*dalet\",0,\"Alpha\",0,\"alpha_chat\","
	    "({\"channel-m\",5,\"Beta\",\"ann\",0,0,\"alpha_chat\",\"Ann\","
	    "\"hi\",}),})"),
	T("chan-filter-reply", "0s0", 0, f_chan_filter, 0, NULL,
	    "host returns the filtered message",
	    "({\"chan-filter-reply\",5,\"Alpha\",0,\"*dalet\",0,\"alpha_chat\","
	    "({\"channel-m\",5,\"Beta\",\"ann\",0,0,\"alpha_chat\",\"Ann\","
	    "\"hi\",}),})"),
	T("chan-adminlist", ".s0", 0, f_channel, 0, NULL,
	    "ask a channel's ban/admit list (non-standard)",
	    "({\"chan-adminlist\",5,\"Alpha\",\"bob\",\"*dalet\",0,"
	    "\"alpha_chat\",})"),
	T("chan-adminlist-reply", "0s.", 0, f_chan_adminlist_reply, 0, NULL,
	    "a channel's ban/admit list (non-standard)",
	    "({\"chan-adminlist-reply\",5,\"*dalet\",0,\"Alpha\",\"bob\","
	    "\"alpha_chat\",({\"Beta\",}),})"),
	T0("chanlist-req", "0s0", "ask the router for the chanlist",
	    "({\"chanlist-req\",5,\"Alpha\",0,\"*dalet\",0,})"),
	T0("chanlist-request", "0s0", "chanlist-req, older name",
	    "({\"chanlist-request\",5,\"Alpha\",0,\"*dalet\",0,})"),
	T0("auth-mud-req", "0s0", "ask for an OOB session key",
	    "({\"auth-mud-req\",5,\"Alpha\",0,\"Beta\",0,})"),
	T("auth-mud-reply", "0s0", 0, f_auth_mud_reply, 0, NULL,
	    "OOB session key",
	    "({\"auth-mud-reply\",5,\"Beta\",0,\"Alpha\",0,123456789,})"),
	T("ucache-update", "000", 0, f_chan_user_reply, 0, NULL,
	    "a user's visname or gender changed (broadcast)",
	    "({\"ucache-update\",5,\"Beta\",0,0,0,\"ann\",\"Ann\",1,})"),
	T0("oob-req", "0s0", "ask for an OOB connection",
	    "({\"oob-req\",5,\"Alpha\",0,\"Beta\",0,})"),
	T("router-shutdown", "0.0", 0, f_router_shutdown, 0, NULL,
	    "router going away (non-standard)",
	    "({\"router-shutdown\",5,\"*dalet\",0,\"Alpha\",0,0,})"),
	T("ping-req", "0s0", 0, f_ping, 0, NULL,
	    "keepalive (non-standard)",
	    "({\"ping-req\",5,\"*cm\",0,\"Alpha\",0,0,})"),
	T("ping-reply", "0s0", 0, f_ping, 0, NULL,
	    "keepalive answer (non-standard)",
	    "({\"ping-reply\",5,\"Alpha\",0,\"*cm\",0,0,})"),
	T("chan-ack", "...", 0, f_chan_ack, 0, NULL,
	    "acknowledgement text (non-standard)",
	    "({\"chan-ack\",5,\"*x\",0,\"Alpha\",0,\"channel added\",})"),
	T("oob-begin", "", I3T_NOHDR, f_oob_begin, 0, NULL,
	    "opens an OOB TCP link (no header)",
	    "({\"oob-begin\",\"Alpha\",1,123456789,})"),
	T("oob-end", "", I3T_NOHDR, f_oob_end, 0, NULL,
	    "closes an OOB TCP link (no header)",
	    "({\"oob-end\",\"Alpha\",})"),
};

const size_t i3__nptypes = NF(i3__ptypes);

/* Every packet is looked up here: by length and first byte before memcmp. */
const struct i3__ptype *
i3__ptype_find(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < i3__nptypes; i++) {
		if (i3__ptypes[i].namelen == len &&
		    i3__ptypes[i].name[0] == name[0] &&
		    memcmp(i3__ptypes[i].name, name, len) == 0)
			return (&i3__ptypes[i]);
	}
	return (NULL);
}

const char *
i3__ftype_name(enum i3__ftype t)
{
	switch (t) {
	case I3F_STR:
		return ("string");
	case I3F_STR0:
		return ("string|0");
	case I3F_INT:
		return ("int");
	case I3F_MAP:
		return ("mapping");
	case I3F_MAP0:
		return ("mapping|0");
	case I3F_ARR:
		return ("array");
	case I3F_STRARR:
		return ("string[]");
	case I3F_ANY:
		return ("any");
	case I3F_ROUTERS:
		return ("router_list");
	case I3F_MUDLIST:
		return ("mudlist");
	case I3F_CHANLIST:
		return ("chanlist");
	case I3F_WHO:
		return ("who_data");
	case I3F_PACKET:
		return ("packet");
	case I3F_PACKET0:
		return ("packet|0");
	}
	return ("?");
}
