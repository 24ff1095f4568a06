/*
 * config.c: the configuration key table, and everything it drives: reading
 * the INI file (libinih, through paths_ini), environment overrides, the
 * defaults, the -n -v dump, what SIGHUP may change, and --list-keys.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

/* Value types: how a value is parsed, printed, copied and freed. */
enum ck_type {
	CK_STR,		/* char * */
	CK_OPTSTR,	/* char *, "", "no" or "none" for NULL */
	CK_SOCKET,	/* char * absolute path; "none": aux int off */
	CK_ADDRS,	/* char *: [host:]port, ... */
	CK_ADDR,	/* char *: one [host:]port */
	CK_INT,		/* int in [min, max] */
	CK_LONG,	/* long in [min, max] */
	CK_COUNT,	/* size_t in [min, max] */
	CK_SIZE,	/* size_t, k and M suffixes */
	CK_MS,		/* long milliseconds, >= min */
	CK_BOOL,	/* int */
	CK_LIST,	/* json_t * array of strings */
	CK_SERVICES,	/* json_t * object: name -> 1 or port */
	CK_RATE,	/* double per second; "5/m" */
	CK_NETS,	/* struct api_net *, aux size_t count */
	CK_PERMS,	/* int mask of API_P_* */
	CK_HASH,	/* unsigned char[32], aux int set: a secret */
	CK_ENUM,	/* int index in choices */
	CK_CHOICE,	/* const char * from choices */
};

/* Where a value goes. */
enum ck_where {
	CW_CONF,	/* struct config */
	CW_API,		/* struct api_conf */
	CW_ROUTER,	/* struct router_conf of [router NAME] */
	CW_KEY,		/* struct api_key of [key NAME] */
	CW_PEER,	/* struct peer_conf of [peer NAME] */
};

/* What SIGHUP does with a changed value. */
#define RL_NOW		0	/* applied at once */
#define RL_LINK		1	/* applied by reconnecting to the router */
#define RL_RESTART	2	/* kept until the gateway is restarted */

struct config_key {
	const char		*section;
	const char		*key;
	enum ck_type		 type;
	enum ck_where		 where;
	size_t			 off;
	size_t			 aux;
	long long		 min;
	long long		 max;
	const char *const	*choices;
	int			 reload;
	const char		*dflt;	/* parsed into fresh state; NULL none */
	const char		*doc;
};

static const char *const config_tls_verify[] = {
	"none", "optional", "require", NULL
};
static const char *const config_tls_min[] = { "1.2", "1.3", NULL };
static const char *const config_groups[] = {
	"tell", "channel", "info", "presence", "admin", "answer", NULL
};

#define C(f)		CW_CONF, offsetof(struct config, f), 0
#define A(f)		CW_API, offsetof(struct api_conf, f), 0
#define A2(f, g)	CW_API, offsetof(struct api_conf, f), \
			offsetof(struct api_conf, g)
#define R(f)		CW_ROUTER, offsetof(struct router_conf, f), 0
#define K(f)		CW_KEY, offsetof(struct api_key, f), 0
#define K2(f, g)	CW_KEY, offsetof(struct api_key, f), \
			offsetof(struct api_key, g)
#define P(f)		CW_PEER, offsetof(struct peer_conf, f), 0
#define BIG		1000000000LL

static const struct config_key config_keys[] = {
	{ "mud", "name", CK_STR, C(mud_name), 0, 0, NULL, RL_LINK, NULL,
	  "the MUD's name on the network (required)" },
	{ "mud", "player_port", CK_INT, C(player_port), 0, 65535, NULL,
	  RL_LINK, "0", "the port players connect to" },
	{ "mud", "mudlib", CK_STR, C(mudlib), 0, 0, NULL, RL_LINK, "i3gw",
	  "mudlist: the mudlib" },
	{ "mud", "base_mudlib", CK_STR, C(base_mudlib), 0, 0, NULL, RL_LINK,
	  "i3gw", "mudlist: the base mudlib" },
	{ "mud", "driver", CK_STR, C(driver), 0, 0, NULL, RL_LINK,
	  "i3gw " I3_VERSION, "mudlist: the driver" },
	{ "mud", "mud_type", CK_STR, C(mud_type), 0, 0, NULL, RL_LINK, "LP",
	  "mudlist: the MUD type" },
	{ "mud", "open_status", CK_STR, C(open_status), 0, 0, NULL, RL_LINK,
	  "mudlib development", "mudlist: the open status" },
	{ "mud", "admin_email", CK_STR, C(admin_email), 0, 0, NULL, RL_LINK,
	  "", "mudlist: the admin's e-mail address" },
	{ "mud", "url", CK_OPTSTR, C(url), 0, 0, NULL, RL_LINK, NULL,
	  "a web page, in the startup's other_data" },
	{ "mud", "services", CK_SERVICES, C(services), 0, 0, NULL, RL_LINK,
	  "tell, emoteto, beep, channel, who, finger, locate, ucache",
	  "the services advertised: name or name=port" },
	{ "mud", "channels", CK_LIST, C(channels), 0, 0, NULL, RL_NOW, "",
	  "channels listened to for every client" },

	{ "router", "host", CK_STR, R(host), 0, 0, NULL, RL_LINK, NULL,
	  "the router's address or host name" },
	{ "router", "port", CK_INT, R(port), 1, 65535, NULL, RL_LINK, NULL,
	  "the router's TCP port" },

	{ "limits", "rate", CK_INT, C(rate), 0, 1000000, NULL, RL_NOW, "8",
	  "packets a second to the router; 0 unpaced" },
	{ "limits", "queue", CK_COUNT, C(queue_max), 1, 10000000, NULL,
	  RL_RESTART, "1000", "packets held for the router" },
	{ "limits", "reply_queue", CK_COUNT, C(reply_queue), 1, 10000000,
	  NULL, RL_NOW, "500", "answers to other MUDs held; past it dropped" },
	{ "limits", "queue_deadline", CK_MS, C(queue_deadline), 0, 0, NULL,
	  RL_NOW, "5m", "how long a queued packet may wait; 0 for ever" },
	{ "limits", "startup_timeout", CK_MS, C(startup_timeout), 0, 0, NULL,
	  RL_NOW, "60s", "time allowed for the startup-reply" },
	{ "limits", "idle_ping", CK_MS, C(idle_ping), 0, 0, NULL, RL_NOW,
	  "90s", "silence before an auth-mud-req to ourselves" },
	{ "limits", "dead_after", CK_MS, C(dead_after), 0, 0, NULL, RL_NOW,
	  "5m", "silence after which the link is dead" },
	{ "limits", "backoff_min", CK_MS, C(backoff_min), 1, 0, NULL, RL_NOW,
	  "5s", "first reconnect delay" },
	{ "limits", "backoff_max", CK_MS, C(backoff_max), 1, 0, NULL, RL_NOW,
	  "5m", "longest reconnect delay" },
	{ "limits", "connect_spacing", CK_BOOL, C(connect_spacing), 0, 0,
	  NULL, RL_NOW, "yes", "never two connects in one second" },
	{ "limits", "learn_routers", CK_BOOL, C(learn_routers), 0, 0, NULL,
	  RL_NOW, "no", "try routers a startup-reply names that this file "
	  "does not (at most 16)" },
	{ "limits", "max_line", CK_SIZE, C(max_line), 1, 1LL << 30, NULL,
	  RL_NOW, "64k", "longest request line" },
	{ "limits", "client_highwater", CK_SIZE, C(client_highwater), 1,
	  1LL << 40, NULL, RL_NOW, "1M", "output pending past which a client "
	  "is not read" },
	{ "limits", "client_maxout", CK_SIZE, C(client_maxout), 1, 1LL << 40,
	  NULL, RL_NOW, "16M", "output pending past which a client is "
	  "dropped" },
	{ "limits", "max_frame", CK_SIZE, C(max_frame), 1, 1LL << 30, NULL,
	  RL_NOW, "2M", "largest router frame (from the next connection)" },
	{ "limits", "info_timeout", CK_MS, C(info_timeout), 1, 0, NULL,
	  RL_NOW, "5s", "default wait for remote answers" },
	{ "limits", "locate_window", CK_MS, C(locate_window), 1, 0, NULL,
	  RL_NOW, "3s", "how long locate gathers replies" },
	{ "limits", "answer_timeout", CK_MS, C(answer_timeout), 1, 0, NULL,
	  RL_NOW, "2s", "time an answering client has" },

	{ "presence", "send_email", CK_BOOL, C(send_email), 0, 0, NULL,
	  RL_NOW, "no", "e-mail addresses in finger replies" },
	{ "presence", "send_ip", CK_BOOL, C(send_ip), 0, 0, NULL, RL_NOW, "no",
	  "host names in finger replies" },
	{ "presence", "take_all_tells", CK_BOOL, C(take_all_tells), 0, 0,
	  NULL, RL_NOW, "no", "tells for users not present reach clients" },

	{ "log", "file", CK_OPTSTR, C(log_file), 0, 0, NULL, RL_NOW, NULL,
	  "log to this file (reopened on SIGHUP)" },
	{ "log", "tells", CK_BOOL, C(log_tells), 0, 0, NULL, RL_NOW, "no",
	  "log senders and receivers of tells" },

	{ "history", "store", CK_BOOL, C(history), 0, 0, NULL, RL_RESTART,
	  "yes", "store channel messages in history.db" },
	{ "history", "tells", CK_BOOL, C(history_tells), 0, 0, NULL, RL_NOW,
	  "no", "store tells and emotetos too" },
	{ "history", "max_age", CK_MS, C(history_max_age), 0, 0, NULL,
	  RL_NOW, "90d", "messages older than this go; 0 never" },
	{ "history", "max_per_channel", CK_LONG, C(history_max_count), 0,
	  BIG, NULL, RL_NOW, "100000", "messages kept per channel; 0 all" },
	{ "history", "queue", CK_COUNT, C(history_queue), 1, 10000000, NULL,
	  RL_NOW, "100000", "messages waiting to be written, at most" },

	{ "moderation", "ignore", CK_LIST, C(mod_ignore), 0, 0, NULL, RL_NOW,
	  "", "senders ignored gateway-wide: user@mud or MUD globs" },
	{ "moderation", "flood_count", CK_LONG, C(flood_count), 0, 1000000,
	  NULL, RL_NOW, "10", "messages per user and channel a window; 0 off" },
	{ "moderation", "flood_window", CK_MS, C(flood_window), 1, 0, NULL,
	  RL_NOW, "10s", "the flood limit's window" },

	{ "api", "socket", CK_SOCKET, A2(socket, unix_on), 0, 0, NULL,
	  RL_RESTART, NULL, "the Unix socket's path; none turns it off" },
	{ "api", "socket_group", CK_OPTSTR, A(socket_group), 0, 0, NULL,
	  RL_RESTART, NULL, "a group whose members may connect" },
	{ "api", "max_per_uid", CK_LONG, A(max_per_uid), 1, 1000000, NULL,
	  RL_NOW, "64", "Unix socket connections per user" },
	{ "api", "max_clients", CK_LONG, A(max_clients), 1, 1000000, NULL,
	  RL_NOW, "4096", "clients at once" },
	{ "api", "max_inflight", CK_LONG, A(max_inflight), 0, 1000000, NULL,
	  RL_NOW, "64", "requests of a client waiting at once; 0 no limit" },
	{ "api", "reserve_local", CK_LONG, A(reserve_local), 0, 1000000, NULL,
	  RL_NOW, "16", "of max_clients, kept for the MUD's own (stdio, "
	  "Unix socket of its user)" },
	{ "api", "max_per_ip", CK_LONG, A(max_per_ip), 1, 1000000, NULL,
	  RL_NOW, "32", "TCP, TLS and HTTP connections per address" },
	{ "api", "handshake_timeout", CK_MS, A(handshake_timeout), 1, 0, NULL,
	  RL_NOW, "10s", "a TLS handshake not done by then is dropped" },
	{ "api", "auth_timeout", CK_MS, A(auth_timeout), 1, 0, NULL, RL_NOW,
	  "30s", "a client not authenticated by then is dropped" },
	{ "api", "tcp", CK_ADDRS, A(tcp), 0, 0, NULL, RL_RESTART, NULL,
	  "TCP listeners: [host:]port, ..." },
	{ "api", "http", CK_ADDR, A(http), 0, 0, NULL, RL_RESTART, NULL,
	  "the HTTP listener: [host:]port" },
	{ "api", "tls", CK_BOOL, A(tls), 0, 0, NULL, RL_RESTART, "no",
	  "the TCP listeners speak TLS" },
	{ "api", "tls_cert", CK_OPTSTR, A(tls_cert), 0, 0, NULL, RL_RESTART,
	  NULL, "the server certificate chain (PEM)" },
	{ "api", "tls_key", CK_OPTSTR, A(tls_key), 0, 0, NULL, RL_RESTART,
	  NULL, "the server key (PEM)" },
	{ "api", "tls_client_ca", CK_OPTSTR, A(tls_ca), 0, 0, NULL,
	  RL_RESTART, NULL, "CAs client certificates are checked against" },
	{ "api", "tls_client_cert", CK_ENUM, A(tls_verify), 0, 0,
	  config_tls_verify, RL_RESTART, "none",
	  "none, optional or require" },
	{ "api", "tls_min_version", CK_CHOICE, A(tls_min), 0, 0,
	  config_tls_min, RL_RESTART, "1.2", "1.2 or 1.3" },
	{ "api", "allow", CK_NETS, A2(allow, nallow), 0, 0, NULL, RL_NOW, NULL,
	  "addresses TCP, TLS and HTTP clients may come from" },
	{ "api", "deny", CK_NETS, A2(deny, ndeny), 0, 0, NULL, RL_NOW, NULL,
	  "addresses refused" },
	{ "api", "rate", CK_RATE, A(rate), 0, 0, NULL, RL_NOW, "50",
	  "requests a second per key" },
	{ "api", "burst", CK_RATE, A(burst), 0, 0, NULL, RL_NOW, "100",
	  "the rate bucket's size" },
	{ "api", "method_rate", CK_RATE, A(method_rate), 0, 0, NULL, RL_NOW,
	  "20", "requests a second per key and method" },
	{ "api", "method_burst", CK_RATE, A(method_burst), 0, 0, NULL, RL_NOW,
	  "40", "that bucket's size" },
	{ "api", "auth_delay", CK_MS, A(auth_delay), 0, 0, NULL, RL_NOW,
	  "200ms", "delay of a failed authentication" },
	{ "api", "auth_delay_max", CK_MS, A(auth_delay_max), 0, 0, NULL,
	  RL_NOW, "3s", "its doubling stops here" },
	{ "api", "session_queue", CK_LONG, A(session_queue), 0, 10000000,
	  NULL, RL_NOW, "1000", "events kept per session" },
	{ "api", "resume_events", CK_LONG, A(resume_events), 0, 1000000,
	  NULL, RL_NOW, "1000", "events written to a kept session's client, "
	  "kept to replay after a resume" },
	{ "api", "resume_bytes", CK_SIZE, A(resume_bytes), 0, 1LL << 30,
	  NULL, RL_NOW, "1M", "their bytes, at most" },
	{ "api", "session_max_age", CK_MS, A(session_age), 0, 0, NULL, RL_NOW,
	  "1h", "events older than this are dropped" },
	{ "api", "session_expire", CK_MS, A(session_expire), 0, 0, NULL,
	  RL_NOW, "1h", "a session nobody resumes goes after this" },
	{ "api", "sessions_per_key", CK_LONG, A(sessions_per_key), 0, 1000000,
	  NULL, RL_NOW, "8", "sessions kept for clients gone, per key" },
	{ "api", "sessions_max", CK_LONG, A(sessions_max), 0, 1000000, NULL,
	  RL_NOW, "256", "sessions kept for clients gone, in all" },
	{ "api", "pause_grace", CK_MS, A(pause_grace), 0, 0, NULL, RL_NOW,
	  "10s", "a client not reading is detached after this" },
	{ "api", "queue_tells", CK_BOOL, A(tell_queue), 0, 0, NULL, RL_NOW,
	  "yes", "tells wait in a detached session" },
	{ "api", "ws_ping", CK_MS, A(ws_ping), 0, 0, NULL, RL_NOW, "30s",
	  "a quiet WebSocket peer is pinged after this; 0 never" },
	{ "api", "ws_timeout", CK_MS, A(ws_timeout), 1, 0, NULL, RL_NOW,
	  "30s", "a pinged WebSocket peer silent this long is dropped" },
	{ "api", "ws_max_message", CK_LONG, A(ws_max_message), 128,
	  16 * 1024 * 1024, NULL, RL_NOW, "65536",
	  "bytes in one WebSocket message (1009 past it)" },
	{ "api", "default_user", CK_OPTSTR, A(default_user), 0, 0, NULL,
	  RL_NOW, "system", "from_user when a client gives none; none: "
	  "required" },
	{ "api", "welcome", CK_BOOL, A(welcome), 0, 0, NULL, RL_NOW, "no",
	  "a welcome notification first on TCP, as the Python gateway" },
	{ "api", "http_tls", CK_BOOL, A(http_tls), 0, 0, NULL, RL_RESTART,
	  "no", "the HTTP listener speaks TLS (https, wss), tls_cert's" },
	{ "api", "web_root", CK_OPTSTR, A(web_root), 0, 0, NULL, RL_NOW, NULL,
	  "the chat page's directory (default beside the program)" },

	{ "key", "hash", CK_HASH, K2(hash, has_hash), 0, 0, NULL, RL_NOW,
	  NULL, "sha256:HEX of the key (required)" },
	{ "key", "permissions", CK_PERMS, K(perms), 0, 0, config_groups,
	  RL_NOW, NULL, "method groups the key may call" },
	{ "key", "rate", CK_RATE, K(rate), 0, 0, NULL, RL_NOW, NULL,
	  "this key's rate" },
	{ "key", "burst", CK_RATE, K(burst), 0, 0, NULL, RL_NOW, NULL,
	  "this key's burst" },
	{ "key", "method_rate", CK_RATE, K(method_rate), 0, 0, NULL, RL_NOW,
	  NULL, "this key's method rate" },
	{ "key", "method_burst", CK_RATE, K(method_burst), 0, 0, NULL, RL_NOW,
	  NULL, "this key's method burst" },
	{ "key", "allow", CK_NETS, K2(allow, nallow), 0, 0, NULL, RL_NOW,
	  NULL, "addresses the key may be used from" },

	{ "peer", "colour", CK_ENUM, P(colour), 0, 0, peer_colours, RL_NOW,
	  NULL, "the colour codes in this MUD's text, in place of its "
	  "mudlist's guess" },
};
#define NKEYS	(sizeof config_keys / sizeof config_keys[0])

struct config_ctx {
	struct config	*conf;
	char		*cause;
};

static const char *const config_reloads[] = { "yes", "reconnect", "restart" };

static int	 config_section_known(const char *);
static const struct config_key *config_find(const char *, const char *);
static int	 config_set(struct config *, const char *, const char *,
		    const char *, char **);
static int	 config_parse(const struct config_key *, void *, const char *,
		    char **);
static char	*config_fmt(const struct config_key *, const void *, int);
static void	 config_release(const struct config_key *, void *);
static void	*config_base(struct config *, const struct config_key *,
		    const char *);
static int	 config_size(const char *, size_t *);
static json_t	*config_list(const char *);
static int	 config_rate(const char *, double *);
static int	 config_perms(const char *, int *);
static int	 config_nets(const char *, struct api_net **, size_t *);
static int	 config_addr(const char *, char **);
static char	*config_ms_fmt(long);
static char	*config_size_fmt(size_t);
static struct api_key *config_key_add(struct api_conf *, const char *);
static struct peer_conf *config_peer_add(struct config *, const char *);

/* The section a table row is for: "[key NAME]" matches "key". */
static int
config_section_known(const char *section)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (strcasecmp(config_keys[i].section, section) == 0)
			return (1);
	}
	return (0);
}

static const struct config_key *
config_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (strcasecmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return (&config_keys[i]);
	}
	return (NULL);
}

static void *
config_base(struct config *c, const struct config_key *k, const char *name)
{
	int	i;

	switch (k->where) {
	case CW_CONF:
		return (c);
	case CW_API:
		return (c->api);
	case CW_ROUTER:
		i = config_add_router(c, name, NULL, 0, 0);
		return (&c->routers[i]);
	case CW_KEY:
		return (config_key_add(c->api, name));
	case CW_PEER:
		return (config_peer_add(c, name));
	}
	return (NULL);
}

/* "500ms", "5s", "2m", "1h"; a bare number is seconds.  -1 when bad. */
long
config_duration(const char *s, int *ok)
{
	char		*end;
	double		 v;

	*ok = 0;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return (-1);
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "ms") == 0)
		;
	else if (strcmp(end, "m") == 0)
		v *= 60000;
	else if (strcmp(end, "h") == 0)
		v *= 3600000;
	else if (strcmp(end, "d") == 0)
		v *= 86400000;
	else
		return (-1);
	if (v > (double)LONG_MAX / 2)
		return (-1);
	*ok = 1;
	return ((long)v);
}

int
config_bool(const char *s, int *out)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "off") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

int
config_int(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* "64k", "2M", bare bytes. */
static int
config_size(const char *s, size_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	if (*s == '-')
		return (-1);
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return (-1);
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	if (*end != '\0' || v == 0 || v > (1ULL << 40))
		return (-1);
	*out = v;
	return (0);
}

static char *
config_size_fmt(size_t v)
{
	char	*s;

	if (v % (1024 * 1024) == 0)
		xasprintf(&s, "%zuM", v / (1024 * 1024));
	else if (v % 1024 == 0)
		xasprintf(&s, "%zuk", v / 1024);
	else
		xasprintf(&s, "%zu", v);
	return (s);
}

static char *
config_ms_fmt(long v)
{
	char	*s;

	if (v != 0 && v % 3600000 == 0)
		xasprintf(&s, "%ldh", v / 3600000);
	else if (v != 0 && v % 60000 == 0)
		xasprintf(&s, "%ldm", v / 60000);
	else if (v % 1000 == 0)
		xasprintf(&s, "%lds", v / 1000);
	else
		xasprintf(&s, "%ldms", v);
	return (s);
}

/* A comma or space separated list as a JSON array of strings. */
static json_t *
config_list(const char *s)
{
	json_t		*a = json_array();
	const char	*p = s, *q;

	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ',' && !isspace((unsigned char)*q))
			q++;
		json_array_append_new(a, json_stringn(p, q - p));
		p = q;
	}
	return (a);
}

/* Requests per second, "0" for unlimited; "5", "0.5", "5/s", "60/m". */
static int
config_rate(const char *s, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0 || v > 1e9)
		return (-1);
	if (strcmp(end, "/m") == 0)
		v /= 60;
	else if (strcmp(end, "/h") == 0)
		v /= 3600;
	else if (*end != '\0' && strcmp(end, "/s") != 0)
		return (-1);
	*out = v;
	return (0);
}

/* "tell, channel, info", "all" or "none" as a mask of API_P_*. */
static int
config_perms(const char *s, int *out)
{
	json_t		*list, *v;
	const char	*name;
	size_t		 i;
	int		 j, mask = 0, found;

	list = config_list(s);
	json_array_foreach(list, i, v) {
		name = json_string_value(v);
		if (strcmp(name, "all") == 0) {
			mask |= API_P_ALL;
			continue;
		}
		if (strcmp(name, "none") == 0)
			continue;
		found = 0;
		for (j = 0; config_groups[j] != NULL; j++) {
			if (strcmp(config_groups[j], name) == 0) {
				mask |= 1 << j;
				found = 1;
			}
		}
		if (!found) {
			json_decref(list);
			return (-1);
		}
	}
	json_decref(list);
	*out = mask;
	return (0);
}

const char *
apiconf_group_name(int bit)
{
	int	j;

	for (j = 0; config_groups[j] != NULL; j++) {
		if (bit == (1 << j))
			return (config_groups[j]);
	}
	return ("?");
}

/* "127.0.0.1, 10.0.0.0/8, ::1": a list of networks. */
static int
config_nets(const char *s, struct api_net **out, size_t *nout)
{
	struct api_net	*nets = NULL, *n;
	json_t		*list, *v;
	size_t		 i, count = 0;
	char		*item, *slash;
	long		 bits;
	int		 max;

	list = config_list(s);
	json_array_foreach(list, i, v) {
		item = xstrdup(json_string_value(v));
		nets = xrealloc(nets, (count + 1) * sizeof *nets);
		n = &nets[count];
		memset(n, 0, sizeof *n);
		if ((slash = strchr(item, '/')) != NULL)
			*slash++ = '\0';
		if (inet_pton(AF_INET, item, n->addr) == 1) {
			n->family = AF_INET;
			max = 32;
		} else if (inet_pton(AF_INET6, item, n->addr) == 1) {
			n->family = AF_INET6;
			max = 128;
		} else
			max = -1;
		bits = max;
		if (max == -1 || (slash != NULL &&
		    config_int(slash, 0, max, &bits) == -1)) {
			free(item);
			free(nets);
			json_decref(list);
			return (-1);
		}
		free(item);
		n->bits = (int)bits;
		count++;
	}
	json_decref(list);
	free(*out);
	*out = nets;
	*nout = count;
	return (0);
}

/*
 * "port", "host:port", "[v6]:port" split: *host ("127.0.0.1" when none) and
 * *port point into the copy returned, which the caller frees.
 */
char *
config_hostport(const char *spec, const char **host, const char **port)
{
	char	*copy, *p;

	copy = xstrdup(spec);
	if (copy[0] == '[' && (p = strstr(copy, "]:")) != NULL) {
		*host = copy + 1;
		*p = '\0';
		*port = p + 2;
	} else if ((p = strrchr(copy, ':')) != NULL) {
		*host = copy;
		*p = '\0';
		*port = p + 1;
	} else {
		*host = "127.0.0.1";
		*port = copy;
	}
	return (copy);
}

/*
 * A listener address as start-up will take it: "port", "host:port",
 * "[v6]:port", "*:port"; the host must resolve.  0, or -1 with *why.
 */
static int
config_addr(const char *spec, char **why)
{
	struct addrinfo	 hints, *res;
	char		*copy;
	const char	*host, *port;
	long		 l;
	int		 error;

	copy = config_hostport(spec, &host, &port);
	if (*host == '\0' || strcmp(host, "*") == 0)
		host = NULL;
	if (config_int(port, 0, 65535, &l) == -1) {
		xasprintf(why, "'%s': the port must be 0-65535", spec);
		free(copy);
		return (-1);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
		xasprintf(why, "'%s': %s", spec, gai_strerror(error));
		free(copy);
		return (-1);
	}
	freeaddrinfo(res);
	free(copy);
	return (0);
}

/* One value into its field.  0, or -1 with *why. */
static int
config_parse(const struct config_key *k, void *base, const char *value,
    char **why)
{
	char		*p = (char *)base + k->off, *aux = (char *)base + k->aux;
	json_t		*j, *list, *v;
	const char	*item, *eq;
	char		*name;
	long		 l;
	size_t		 i, z;
	int		 b, n;
	double		 d;

	switch (k->type) {
	case CK_STR:
		free(*(char **)p);
		*(char **)p = xstrdup(value);
		return (0);
	case CK_OPTSTR:
		free(*(char **)p);
		*(char **)p = (*value == '\0' || strcmp(value, "no") == 0 ||
		    strcmp(value, "none") == 0) ? NULL : xstrdup(value);
		return (0);
	case CK_SOCKET:
		if (strcmp(value, "none") == 0 || strcmp(value, "no") == 0 ||
		    *value == '\0') {
			free(*(char **)p);
			*(char **)p = NULL;
			*(int *)aux = 0;
			return (0);
		}
		if (*value != '/')
			break;
		free(*(char **)p);
		*(char **)p = xstrdup(value);
		*(int *)aux = 1;
		return (0);
	case CK_ADDRS:
	case CK_ADDR:
		list = config_list(value);
		if (k->type == CK_ADDR && json_array_size(list) > 1) {
			json_decref(list);
			xasprintf(why, "one address only: '%s'", value);
			return (-1);
		}
		json_array_foreach(list, i, v) {
			if (config_addr(json_string_value(v), why) == -1) {
				json_decref(list);
				return (-1);
			}
		}
		free(*(char **)p);
		*(char **)p = json_array_size(list) == 0 ? NULL :
		    xstrdup(value);
		json_decref(list);
		return (0);
	case CK_INT:
	case CK_LONG:
		if (config_int(value, (long)k->min, (long)k->max, &l) == -1) {
			xasprintf(why, "bad value for %s: '%s' (a whole "
			    "number from %lld to %lld)", k->key, value, k->min,
			    k->max);
			return (-1);
		}
		if (k->type == CK_INT)
			*(int *)p = (int)l;
		else
			*(long *)p = l;
		return (0);
	case CK_COUNT:
		if (config_int(value, (long)k->min, (long)k->max, &l) == -1) {
			xasprintf(why, "bad value for %s: '%s' (a whole "
			    "number from %lld to %lld)", k->key, value, k->min,
			    k->max);
			return (-1);
		}
		*(size_t *)p = (size_t)l;
		return (0);
	case CK_SIZE:
		if (config_size(value, &z) == -1 || (long long)z < k->min ||
		    (long long)z > k->max)
			break;
		*(size_t *)p = z;
		return (0);
	case CK_MS:
		l = config_duration(value, &n);
		if (!n || l < k->min)
			break;
		*(long *)p = l;
		return (0);
	case CK_BOOL:
		if (config_bool(value, &b) == -1)
			break;
		*(int *)p = b;
		return (0);
	case CK_LIST:
		json_decref(*(json_t **)p);
		*(json_t **)p = config_list(value);
		return (0);
	case CK_SERVICES:
		list = config_list(value);
		j = json_object();
		json_array_foreach(list, i, v) {
			item = json_string_value(v);
			if ((eq = strchr(item, '=')) == NULL) {
				json_object_set_new(j, item, json_integer(1));
				continue;
			}
			if (config_int(eq + 1, 0, 65535, &l) == -1) {
				xasprintf(why, "bad service port: %s", item);
				json_decref(list);
				json_decref(j);
				return (-1);
			}
			name = xstrndup(item, eq - item);
			json_object_set_new(j, name, json_integer(l));
			free(name);
		}
		json_decref(list);
		json_decref(*(json_t **)p);
		*(json_t **)p = j;
		return (0);
	case CK_RATE:
		if (config_rate(value, &d) == -1)
			break;
		*(double *)p = d;
		return (0);
	case CK_NETS:
		if (config_nets(value, (struct api_net **)p,
		    (size_t *)aux) == -1)
			break;
		return (0);
	case CK_PERMS:
		if (config_perms(value, &b) == -1)
			break;
		*(int *)p = b;
		return (0);
	case CK_HASH:
		if (strncmp(value, "sha256:", 7) == 0)
			value += 7;
		if (strlen(value) != 64)
			break;
		for (i = 0; i < 64; i++) {
			if (!isxdigit((unsigned char)value[i]))
				goto bad;
		}
		for (i = 0; i < 32; i++) {
			if (sscanf(value + 2 * i, "%2hhx",
			    (unsigned char *)p + i) != 1)
				goto bad;
		}
		*(int *)aux = 1;
		return (0);
	case CK_ENUM:
	case CK_CHOICE:
		for (n = 0; k->choices[n] != NULL; n++) {
			if (strcmp(k->choices[n], value) != 0)
				continue;
			if (k->type == CK_ENUM)
				*(int *)p = n;
			else
				*(const char **)p = k->choices[n];
			return (0);
		}
		break;
	}
bad:
	xasprintf(why, "bad value for %s: '%s'", k->key, value);
	return (-1);
}

/*
 * A value as the file would give it; NULL when not set.  Secrets (a key's
 * hash) are shown only when mask is 0.
 */
static char *
config_fmt(const struct config_key *k, const void *base, int mask)
{
	const char		*p = (const char *)base + k->off;
	const char		*aux = (const char *)base + k->aux;
	const struct api_net	*nets;
	const char		*key;
	json_t			*v;
	char			*s = NULL, *t, addr[INET6_ADDRSTRLEN];
	size_t			 i, n;
	int			 bit;

	switch (k->type) {
	case CK_STR:
	case CK_OPTSTR:
	case CK_ADDRS:
	case CK_ADDR:
		return (*(char *const *)p != NULL ?
		    xstrdup(*(char *const *)p) : NULL);
	case CK_SOCKET:
		if (!*(const int *)aux)
			return (xstrdup("none"));
		return (*(char *const *)p != NULL ?
		    xstrdup(*(char *const *)p) : paths_socket());
	case CK_INT:
	case CK_BOOL:
		if (k->type == CK_BOOL)
			return (xstrdup(*(const int *)p ? "yes" : "no"));
		xasprintf(&s, "%d", *(const int *)p);
		return (s);
	case CK_LONG:
		xasprintf(&s, "%ld", *(const long *)p);
		return (s);
	case CK_COUNT:
		xasprintf(&s, "%zu", *(const size_t *)p);
		return (s);
	case CK_SIZE:
		return (config_size_fmt(*(const size_t *)p));
	case CK_MS:
		return (config_ms_fmt(*(const long *)p));
	case CK_LIST:
		json_array_foreach(*(json_t *const *)p, i, v) {
			t = s;
			xasprintf(&s, "%s%s%s", t != NULL ? t : "",
			    t != NULL ? ", " : "", json_string_value(v));
			free(t);
		}
		return (s != NULL ? s : xstrdup(""));
	case CK_SERVICES:
		json_object_foreach(*(json_t *const *)p, key, v) {
			t = s;
			if (json_integer_value(v) == 1)
				xasprintf(&s, "%s%s%s", t != NULL ? t : "",
				    t != NULL ? ", " : "", key);
			else
				xasprintf(&s, "%s%s%s=%lld", t != NULL ? t :
				    "", t != NULL ? ", " : "", key,
				    (long long)json_integer_value(v));
			free(t);
		}
		return (s != NULL ? s : xstrdup(""));
	case CK_RATE:
		if (*(const double *)p < 0)
			return (NULL);
		xasprintf(&s, "%g", *(const double *)p);
		return (s);
	case CK_NETS:
		nets = *(struct api_net *const *)p;
		n = *(const size_t *)aux;
		for (i = 0; i < n; i++) {
			inet_ntop(nets[i].family, nets[i].addr, addr,
			    sizeof addr);
			t = s;
			xasprintf(&s, "%s%s%s/%d", t != NULL ? t : "",
			    t != NULL ? ", " : "", addr, nets[i].bits);
			free(t);
		}
		return (s);
	case CK_PERMS:
		for (bit = 0; k->choices[bit] != NULL; bit++) {
			if ((*(const int *)p & (1 << bit)) == 0)
				continue;
			t = s;
			xasprintf(&s, "%s%s%s", t != NULL ? t : "",
			    t != NULL ? ", " : "", k->choices[bit]);
			free(t);
		}
		return (s != NULL ? s : xstrdup("none"));
	case CK_HASH:
		if (!*(const int *)aux)
			return (NULL);
		if (mask)
			return (xstrdup("sha256:(secret)"));
		s = xmalloc(7 + 64 + 1);
		memcpy(s, "sha256:", 7);
		for (i = 0; i < 32; i++)
			snprintf(s + 7 + 2 * i, 3, "%02x",
			    ((const unsigned char *)p)[i]);
		return (s);
	case CK_ENUM:
		return (xstrdup(k->choices[*(const int *)p]));
	case CK_CHOICE:
		return (*(const char *const *)p != NULL ?
		    xstrdup(*(const char *const *)p) : NULL);
	}
	return (NULL);
}

/* Free what a field holds. */
static void
config_release(const struct config_key *k, void *base)
{
	char	*p = (char *)base + k->off;

	switch (k->type) {
	case CK_STR:
	case CK_OPTSTR:
	case CK_SOCKET:
	case CK_ADDRS:
	case CK_ADDR:
		free(*(char **)p);
		*(char **)p = NULL;
		break;
	case CK_LIST:
	case CK_SERVICES:
		json_decref(*(json_t **)p);
		*(json_t **)p = NULL;
		break;
	case CK_NETS:
		free(*(struct api_net **)p);
		*(struct api_net **)p = NULL;
		break;
	default:
		break;
	}
}

/* Swap a field (and its aux) between two configurations. */
static void
config_swap(const struct config_key *k, void *a, void *b)
{
	unsigned char	 tmp[32];
	size_t		 size, auxsize = 0;

	switch (k->type) {
	case CK_INT:
	case CK_BOOL:
	case CK_PERMS:
	case CK_ENUM:
		size = sizeof(int);
		break;
	case CK_LONG:
	case CK_MS:
		size = sizeof(long);
		break;
	case CK_COUNT:
	case CK_SIZE:
		size = sizeof(size_t);
		break;
	case CK_RATE:
		size = sizeof(double);
		break;
	case CK_HASH:
		size = 32;
		auxsize = sizeof(int);
		break;
	case CK_NETS:
		size = sizeof(void *);
		auxsize = sizeof(size_t);
		break;
	case CK_SOCKET:
		size = sizeof(void *);
		auxsize = sizeof(int);
		break;
	default:
		size = sizeof(void *);
		break;
	}
	memcpy(tmp, (char *)a + k->off, size);
	memcpy((char *)a + k->off, (char *)b + k->off, size);
	memcpy((char *)b + k->off, tmp, size);
	if (auxsize != 0) {
		memcpy(tmp, (char *)a + k->aux, auxsize);
		memcpy((char *)a + k->aux, (char *)b + k->aux, auxsize);
		memcpy((char *)b + k->aux, tmp, auxsize);
	}
}

static struct peer_conf *
config_peer_add(struct config *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->npeers; i++) {
		if (strcmp(c->peers[i].name, name) == 0)
			return (&c->peers[i]);
	}
	c->peers = xrealloc(c->peers, (c->npeers + 1) * sizeof *c->peers);
	c->peers[c->npeers].name = xstrdup(name);
	c->peers[c->npeers].colour = 0;
	return (&c->peers[c->npeers++]);
}

/* The [peer NAME] of a MUD (any case), or NULL. */
const struct peer_conf *
config_peer(const struct config *c, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < c->npeers; i++) {
		if (strcasecmp(c->peers[i].name, name) == 0)
			return (&c->peers[i]);
	}
	return (NULL);
}

static struct api_key *
config_key_add(struct api_conf *a, const char *name)
{
	struct api_key	*k;
	size_t		 i;

	for (i = 0; i < a->nkeys; i++) {
		if (strcmp(a->keys[i].name, name) == 0)
			return (&a->keys[i]);
	}
	a->keys = xrealloc(a->keys, (a->nkeys + 1) * sizeof *a->keys);
	k = &a->keys[a->nkeys++];
	memset(k, 0, sizeof *k);
	k->name = xstrdup(name);
	k->rate = k->burst = k->method_rate = k->method_burst = -1;
	return (k);
}

int
config_add_router(struct config *c, const char *name, const char *host,
    int port, int learned)
{
	size_t			 i;
	struct router_conf	*r;

	for (i = 0; i < c->nrouters; i++) {
		r = &c->routers[i];
		if (strcmp(r->name, name) != 0)
			continue;
		if (host != NULL) {
			free(r->host);
			r->host = xstrdup(host);
		}
		if (port != 0)
			r->port = port;
		return ((int)i);
	}
	c->routers = xrealloc(c->routers, (c->nrouters + 1) *
	    sizeof *c->routers);
	r = &c->routers[c->nrouters];
	r->name = xstrdup(name);
	r->host = host != NULL ? xstrdup(host) : NULL;
	r->port = port;
	r->learned = learned;
	return ((int)c->nrouters++);
}

/* The defaults of every key of the unnamed sections. */
static struct config *
config_defaults(void)
{
	struct config		*c;
	const struct config_key	*k;
	char			*why = NULL;
	size_t			 i;

	c = xcalloc(1, sizeof *c);
	c->api = xcalloc(1, sizeof *c->api);
	c->api->unix_on = 1;
	c->origin = json_object();
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (k->dflt == NULL)
			continue;
		if (config_parse(k, config_base(c, k, NULL), k->dflt,
		    &why) == -1)
			fatalx("default of %s.%s: %s", k->section, k->key, why);
	}
	return (c);
}

void
config_free(struct config *c)
{
	const struct config_key	*k;
	size_t			 i, j;

	if (c == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (k->where == CW_CONF)
			config_release(k, c);
		else if (k->where == CW_API)
			config_release(k, c->api);
		else if (k->where == CW_ROUTER) {
			for (j = 0; j < c->nrouters; j++)
				config_release(k, &c->routers[j]);
		} else if (k->where == CW_PEER) {
			for (j = 0; j < c->npeers; j++)
				config_release(k, &c->peers[j]);
		} else {
			for (j = 0; j < c->api->nkeys; j++)
				config_release(k, &c->api->keys[j]);
		}
	}
	for (j = 0; j < c->nrouters; j++)
		free(c->routers[j].name);
	free(c->routers);
	for (j = 0; j < c->npeers; j++)
		free(c->peers[j].name);
	free(c->peers);
	for (j = 0; j < c->api->nkeys; j++) {
		free(c->api->keys[j].name);
		json_decref(c->api->keys[j].mbuckets);
	}
	free(c->api->keys);
	free(c->api);
	json_decref(c->origin);
	free(c->path);
	free(c);
}

/*
 * One key of a section ("router *x" and "key bot" name their entry).  0, or
 * -1 with *why.
 */
static int
config_set(struct config *c, const char *section, const char *name,
    const char *value, char **why)
{
	const struct config_key	*k;
	char			*kind, *sp;
	const char		*entry = NULL;

	kind = xstrdup(section);
	if ((sp = strchr(kind, ' ')) != NULL) {
		*sp = '\0';
		entry = section + (sp - kind) + 1;
		while (isspace((unsigned char)*entry))
			entry++;
	}
	if (strcasecmp(kind, "router") != 0 && strcasecmp(kind, "key") != 0 &&
	    strcasecmp(kind, "peer") != 0) {
		if (entry != NULL) {
			xasprintf(why, "unknown section [%s]", section);
			free(kind);
			return (-1);
		}
	} else if (entry == NULL || *entry == '\0') {
		xasprintf(why, "%s section without a name", kind);
		free(kind);
		return (-1);
	}
	if ((k = config_find(kind, name)) == NULL) {
		if (config_section_known(kind))
			xasprintf(why, "unknown key '%s' in [%s]", name,
			    section);
		else
			xasprintf(why, "unknown section [%s]", section);
		free(kind);
		return (-1);
	}
	free(kind);
	return (config_parse(k, config_base(c, k, entry), value, why));
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_ctx	*ctx = user;

	if (ctx->cause != NULL)
		return (0);
	return (config_set(ctx->conf, section, name, value, &ctx->cause) == 0);
}

/* Read a file; NULL path gives the defaults alone. */
struct config *
config_load(const char *path, char **cause)
{
	struct config_ctx	 ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.conf = config_defaults();
	if (path == NULL)
		return (ctx.conf);
	ctx.conf->path = xstrdup(path);
	if (paths_ini(path, config_handler, &ctx, &ctx.cause, cause) == -1) {
		config_free(ctx.conf);
		return (NULL);
	}
	return (ctx.conf);
}

/*
 * Environment overrides: I3GW_<SECTION>_<KEY> for every key of the unnamed
 * sections (I3GW_MUD_NAME, I3GW_LIMITS_RATE, I3GW_API_TCP), and
 * I3GW_ROUTER=name:host:port (several separated by commas) replacing the
 * routers of the file.
 */
int
config_env(struct config *c, char **cause)
{
	extern char		**environ;
	const struct config_key	 *k;
	char			**e, *key, *p, *dup, *item, *why = NULL;
	char			 *name, *host, *port, *save;
	const char		 *val;
	size_t			  i, n;
	long			  l;

	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "I3GW_", 5) != 0 ||
		    (p = strchr(*e, '=')) == NULL)
			continue;
		key = xstrndup(*e + 5, p - *e - 5);
		val = p + 1;
		for (i = 0; key[i] != '\0'; i++)
			key[i] = tolower((unsigned char)key[i]);
		for (i = 0; i < NKEYS; i++) {
			k = &config_keys[i];
			n = strlen(k->section);
			if (k->where == CW_ROUTER || k->where == CW_KEY ||
			    k->where == CW_PEER ||
			    strncmp(key, k->section, n) != 0 || key[n] != '_')
				continue;
			if (strcmp(key + n + 1, k->key) != 0) {
				/* The section's: it must name a key. */
				k = config_find(k->section, key + n + 1);
				if (k == NULL) {
					xasprintf(cause, "%.*s: no such key "
					    "in [%.*s]", (int)(p - *e), *e,
					    (int)n, key);
					free(key);
					return (-1);
				}
			}
			if (config_parse(k, config_base(c, k, NULL), val,
			    &why) == -1) {
				xasprintf(cause, "%.*s: %s", (int)(p - *e),
				    *e, why);
				free(why);
				free(key);
				return (-1);
			}
			p = xstrndup(*e, p - *e);
			json_object_set_new(c->origin, p, json_string(val));
			free(p);
			break;
		}
		free(key);
	}
	if ((val = getenv("I3GW_ROUTER")) != NULL && *val != '\0') {
		for (i = 0; i < c->nrouters; i++) {
			free(c->routers[i].name);
			free(c->routers[i].host);
		}
		c->nrouters = 0;
		dup = xstrdup(val);
		for (item = strtok_r(dup, ",", &save); item != NULL;
		    item = strtok_r(NULL, ",", &save)) {
			name = item;
			if ((host = strchr(name, ':')) == NULL ||
			    (port = strrchr(host + 1, ':')) == NULL) {
				xasprintf(cause, "I3GW_ROUTER: '%s' is not "
				    "name:host:port", item);
				free(dup);
				return (-1);
			}
			*host++ = '\0';
			*port++ = '\0';
			if (config_int(port, 1, 65535, &l) == -1 ||
			    *name == '\0' || *host == '\0') {
				xasprintf(cause, "I3GW_ROUTER: bad router "
				    "'%s'", name);
				free(dup);
				return (-1);
			}
			config_add_router(c, name, host, (int)l, 0);
		}
		free(dup);
		json_object_set_new(c->origin, "I3GW_ROUTER",
		    json_string(val));
	}
	return (0);
}

/* What no single key can say: required keys, and keys that go together. */
int
config_check(const struct config *c, char **cause)
{
	const char	*where = c->path != NULL ? c->path : "config";
	size_t		 i;
	const char	*p;

	if (c->mud_name == NULL || *c->mud_name == '\0') {
		xasprintf(cause, "%s: no MUD name ([mud] name or "
		    "I3GW_MUD_NAME)", where);
		return (-1);
	}
	if (c->mud_name[0] == '*') {
		xasprintf(cause, "MUD name '%s' may not start with '*'",
		    c->mud_name);
		return (-1);
	}
	for (p = c->mud_name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '@' ||
		    (unsigned char)*p < 32) {
			xasprintf(cause, "MUD name '%s' has a character "
			    "routers and clients mishandle", c->mud_name);
			return (-1);
		}
	}
	if (c->nrouters == 0) {
		xasprintf(cause, "%s: no router ([router NAME] with host "
		    "and port, or I3GW_ROUTER)", where);
		return (-1);
	}
	for (i = 0; i < c->nrouters; i++) {
		if (c->routers[i].host == NULL || c->routers[i].port == 0) {
			xasprintf(cause, "router %s: host and port are both "
			    "needed", c->routers[i].name);
			return (-1);
		}
	}
	if (c->backoff_max < c->backoff_min) {
		xasprintf(cause, "backoff_min must be <= backoff_max");
		return (-1);
	}
	for (i = 0; i < c->api->nkeys; i++) {
		if (!c->api->keys[i].has_hash) {
			xasprintf(cause, "[key %s]: no hash (i3gw genkey "
			    "prints one)", c->api->keys[i].name);
			return (-1);
		}
	}
	if (c->api->tls && (c->api->tls_cert == NULL ||
	    c->api->tls_key == NULL)) {
		xasprintf(cause, "[api] tls needs tls_cert and tls_key");
		return (-1);
	}
	return (0);
}

/* Print one key: its value, or a comment when it is not set. */
static void
config_dump_key(const struct config *c, const struct config_key *k,
    const void *base, FILE *f)
{
	char		*v, *env, *s;
	const char	*from;

	v = config_fmt(k, base, 1);
	if (v == NULL) {
		fprintf(f, "; %s (not set)\n", k->key);
		return;
	}
	xasprintf(&env, "I3GW_%s_%s", k->section, k->key);
	for (s = env; *s != '\0'; s++)
		*s = toupper((unsigned char)*s);
	from = (k->where == CW_CONF || k->where == CW_API) &&
	    json_object_get(c->origin, env) != NULL ? env : NULL;
	fprintf(f, "%s = %s%s%s\n", k->key, v, from ? "	; from " : "",
	    from ? from : "");
	free(env);
	free(v);
}

/* The whole effective configuration, as a file; secrets masked. */
void
config_dump(const struct config *c, FILE *f)
{
	const struct config_key	*k;
	size_t			 i, j, n, e;

	fprintf(f, "; read: %s\n", c->path != NULL ? c->path :
	    "no file (defaults and environment)");
	if (json_object_get(c->origin, "I3GW_ROUTER") != NULL)
		fprintf(f, "; routers from I3GW_ROUTER\n");
	for (i = 0; i < NKEYS; i = j) {
		k = &config_keys[i];
		for (j = i; j < NKEYS && config_keys[j].where == k->where &&
		    strcmp(config_keys[j].section, k->section) == 0; j++)
			;
		if (k->where == CW_ROUTER) {
			for (e = 0; e < c->nrouters; e++) {
				fprintf(f, "\n[router %s]%s\n",
				    c->routers[e].name, c->routers[e].learned ?
				    "\t; learned" : "");
				for (n = i; n < j; n++)
					config_dump_key(c, &config_keys[n],
					    &c->routers[e], f);
			}
		} else if (k->where == CW_PEER) {
			for (e = 0; e < c->npeers; e++) {
				fprintf(f, "\n[peer %s]\n", c->peers[e].name);
				for (n = i; n < j; n++)
					config_dump_key(c, &config_keys[n],
					    &c->peers[e], f);
			}
		} else if (k->where == CW_KEY) {
			for (e = 0; e < c->api->nkeys; e++) {
				fprintf(f, "\n[key %s]\n",
				    c->api->keys[e].name);
				for (n = i; n < j; n++)
					config_dump_key(c, &config_keys[n],
					    &c->api->keys[e], f);
			}
		} else {
			fprintf(f, "\n[%s]\n", k->section);
			for (n = i; n < j; n++)
				config_dump_key(c, &config_keys[n],
				    k->where == CW_API ? (void *)c->api :
				    (void *)c, f);
		}
	}
}

/* i3gw --list-keys: the table, one key a line, tab separated. */
void
config_list_keys(FILE *f)
{
	static const char *const types[] = {
		"string", "string", "path", "addresses", "address", "integer",
		"integer", "integer", "size", "duration", "boolean", "list",
		"services", "rate", "networks", "groups", "secret", "choice",
		"choice"
	};
	const struct config_key	*k;
	size_t			 i;

	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\n", k->section, k->key,
		    types[k->type], config_reloads[k->reload],
		    k->dflt != NULL ? (*k->dflt != '\0' ? k->dflt : "\"\"") :
		    "-", k->doc);
	}
}

/* Carry the rate state of keys that stay over to the new key list. */
static void
config_keys_move(struct api_conf *oa, struct api_conf *na)
{
	struct client	*cl;
	struct api_key	*nk;
	size_t		 i, j;

	for (i = 0; i < oa->nkeys; i++) {
		for (j = 0; j < na->nkeys; j++) {
			nk = &na->keys[j];
			if (strcmp(nk->name, oa->keys[i].name) != 0)
				continue;
			nk->bucket = oa->keys[i].bucket;
			nk->mbuckets = oa->keys[i].mbuckets;
			oa->keys[i].mbuckets = NULL;
		}
	}
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->key == NULL)
			continue;
		nk = NULL;
		for (j = 0; j < na->nkeys; j++) {
			if (strcmp(na->keys[j].name, cl->key->name) == 0 &&
			    memcmp(na->keys[j].hash, cl->key->hash,
			    sizeof nk->hash) == 0)
				nk = &na->keys[j];
		}
		if (nk == NULL) {
			log_info("client %d: key %s removed or changed: no "
			    "longer authenticated", cl->id, cl->key->name);
			cl->key = NULL;
			cl->perms = 0;
			continue;
		}
		cl->key = nk;
		if (!cl->trusted)
			cl->perms = nk->perms;
	}
}

static int
config_keys_same(const struct api_conf *oa, const struct api_conf *na)
{
	const struct config_key	*k;
	char			*a, *b;
	size_t			 i, j;
	int			 same;

	if (oa->nkeys != na->nkeys)
		return (0);
	for (j = 0; j < oa->nkeys; j++) {
		if (strcmp(oa->keys[j].name, na->keys[j].name) != 0)
			return (0);
		for (i = 0; i < NKEYS; i++) {
			k = &config_keys[i];
			if (k->where != CW_KEY)
				continue;
			a = config_fmt(k, &oa->keys[j], 0);
			b = config_fmt(k, &na->keys[j], 0);
			same = (a == NULL && b == NULL) || (a != NULL &&
			    b != NULL && strcmp(a, b) == 0);
			free(a);
			free(b);
			if (!same)
				return (0);
		}
	}
	return (1);
}

static int
config_peers_same(const struct config *a, const struct config *b)
{
	size_t	i;

	if (a->npeers != b->npeers)
		return (0);
	for (i = 0; i < a->npeers; i++) {
		if (strcmp(a->peers[i].name, b->peers[i].name) != 0 ||
		    a->peers[i].colour != b->peers[i].colour)
			return (0);
	}
	return (1);
}

static int
config_routers_same(const struct config *a, const struct config *b)
{
	size_t	i, n = 0;

	for (i = 0; i < a->nrouters; i++) {
		if (a->routers[i].learned)
			continue;
		if (n >= b->nrouters ||
		    strcmp(a->routers[i].name, b->routers[n].name) != 0 ||
		    strcmp(a->routers[i].host, b->routers[n].host) != 0 ||
		    a->routers[i].port != b->routers[n].port)
			return (0);
		n++;
	}
	return (n == b->nrouters);
}

/*
 * SIGHUP: move what changed from nc into oc, key by key as the table says.
 * *applied and *restart get the names of the keys changed ("" when none);
 * the return is 1 when the router link must be made again.  nc is freed.
 */
int
config_reload(struct config *oc, struct config *nc, char **applied,
    char **restart)
{
	const struct config_key	*k;
	struct api_key		*tk;
	struct peer_conf	*pc;
	void			*ob, *nb;
	char			*a, *b, *t, **to;
	size_t			 i, tn;
	int			 link = 0;

	*applied = xstrdup("");
	*restart = xstrdup("");
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		if (k->where == CW_ROUTER || k->where == CW_KEY ||
		    k->where == CW_PEER)
			continue;
		ob = k->where == CW_API ? (void *)oc->api : (void *)oc;
		nb = k->where == CW_API ? (void *)nc->api : (void *)nc;
		a = config_fmt(k, ob, 0);
		b = config_fmt(k, nb, 0);
		if ((a == NULL && b == NULL) || (a != NULL && b != NULL &&
		    strcmp(a, b) == 0)) {
			free(a);
			free(b);
			continue;
		}
		free(a);
		free(b);
		to = k->reload == RL_RESTART ? restart : applied;
		t = *to;
		xasprintf(to, "%s%s%s.%s", t, *t != '\0' ? ", " : "",
		    k->section, k->key);
		free(t);
		if (k->reload == RL_RESTART)
			continue;
		if (k->reload == RL_LINK)
			link = 1;
		config_swap(k, ob, nb);
	}
	if (!config_routers_same(oc, nc)) {
		link = 1;
		t = *applied;
		xasprintf(applied, "%s%srouters", t, *t != '\0' ? ", " : "");
		free(t);
		for (i = 0; i < oc->nrouters; i++) {
			if (oc->routers[i].learned)
				config_add_router(nc, oc->routers[i].name,
				    oc->routers[i].host, oc->routers[i].port,
				    1);
		}
		tk = (void *)oc->routers;
		oc->routers = nc->routers;
		nc->routers = (void *)tk;
		tn = oc->nrouters;
		oc->nrouters = nc->nrouters;
		nc->nrouters = tn;
	}
	if (!config_peers_same(oc, nc)) {
		t = *applied;
		xasprintf(applied, "%s%speers", t, *t != '\0' ? ", " : "");
		free(t);
		pc = oc->peers;
		oc->peers = nc->peers;
		nc->peers = pc;
		tn = oc->npeers;
		oc->npeers = nc->npeers;
		nc->npeers = tn;
	}
	if (!config_keys_same(oc->api, nc->api)) {
		config_keys_move(oc->api, nc->api);
		t = *applied;
		xasprintf(applied, "%s%skeys", t, *t != '\0' ? ", " : "");
		free(t);
		tk = oc->api->keys;
		oc->api->keys = nc->api->keys;
		nc->api->keys = tk;
		tn = oc->api->nkeys;
		oc->api->nkeys = nc->api->nkeys;
		nc->api->nkeys = tn;
	}
	json_decref(oc->origin);
	oc->origin = json_incref(nc->origin);
	config_free(nc);
	return (link);
}
