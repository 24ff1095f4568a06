/*
 * config.c: the INI configuration file (libinih), environment overrides.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "i3gw.h"

struct config_ctx {
	struct config	*conf;
	char		*cause;
	int		 fromenv;
};

static struct config	*config_defaults(void);
static int		 config_handler(void *, const char *, const char *,
			    const char *);
static int		 config_set(struct config_ctx *, const char *,
			    const char *, const char *);
static int		 config_size(const char *, size_t *);
static json_t		*config_list(const char *);
static json_t		*config_services(const char *, char **);
static void		 config_fail(struct config_ctx *, const char *, ...)
			    C_PRINTF(2, 3);

static struct config *
config_defaults(void)
{
	struct config	*c;

	c = xcalloc(1, sizeof *c);
	c->player_port = 0;
	c->mudlib = xstrdup("i3gw");
	c->base_mudlib = xstrdup("i3gw");
	c->driver = xstrdup("i3gw " I3_VERSION);
	c->mud_type = xstrdup("LP");
	c->open_status = xstrdup("mudlib development");
	c->admin_email = xstrdup("");
	c->url = NULL;
	c->services = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "tell",
	    1, "emoteto", 1, "beep", 1, "channel", 1, "who", 1, "finger", 1,
	    "locate", 1, "ucache", 1);
	c->channels = json_array();

	c->rate = 8;
	c->queue_max = 1000;
	c->startup_timeout = 60000;
	c->idle_ping = 90000;
	c->dead_after = 300000;
	c->backoff_min = 5000;
	c->backoff_max = 300000;
	c->connect_spacing = 1;
	c->max_line = 65536;
	c->client_highwater = 1024 * 1024;
	c->client_maxout = 16 * 1024 * 1024;
	c->max_frame = 2 * 1024 * 1024;
	c->log_tells = 0;
	c->info_timeout = 5000;
	c->locate_window = 3000;
	c->answer_timeout = 2000;
	return (c);
}

void
config_free(struct config *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->mud_name);
	free(c->mudlib);
	free(c->base_mudlib);
	free(c->driver);
	free(c->mud_type);
	free(c->open_status);
	free(c->admin_email);
	free(c->url);
	json_decref(c->services);
	json_decref(c->channels);
	for (i = 0; i < c->nrouters; i++) {
		free(c->routers[i].name);
		free(c->routers[i].host);
	}
	free(c->routers);
	free(c->log_file);
	free(c);
}

static void
config_fail(struct config_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (ctx->cause != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	ctx->cause = msg;
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

/* "tell, emoteto, channel, http=8080": name -> 1 or port. */
static json_t *
config_services(const char *s, char **cause)
{
	json_t		*list, *m, *v;
	size_t		 i;
	const char	*item, *eq;
	char		*name;
	long		 port;

	list = config_list(s);
	m = json_object();
	json_array_foreach(list, i, v) {
		item = json_string_value(v);
		if ((eq = strchr(item, '=')) == NULL) {
			json_object_set_new(m, item, json_integer(1));
			continue;
		}
		if (config_int(eq + 1, 0, 65535, &port) == -1) {
			xasprintf(cause, "bad service port: %s", item);
			json_decref(list);
			json_decref(m);
			return (NULL);
		}
		name = xstrndup(item, eq - item);
		json_object_set_new(m, name, json_integer(port));
		free(name);
	}
	json_decref(list);
	return (m);
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

#define SETSTR(field) do {			\
	free(c->field);				\
	c->field = xstrdup(value);		\
} while (0)

static int
config_set(struct config_ctx *ctx, const char *section, const char *name,
    const char *value)
{
	struct config	*c = ctx->conf;
	long		 l;
	int		 ok, b, i;
	json_t		*j;
	char		*why = NULL;

	if (strcasecmp(section, "mud") == 0) {
		if (strcmp(name, "name") == 0)
			SETSTR(mud_name);
		else if (strcmp(name, "player_port") == 0) {
			if (config_int(value, 0, 65535, &l) == -1)
				goto bad;
			c->player_port = l;
		} else if (strcmp(name, "mudlib") == 0)
			SETSTR(mudlib);
		else if (strcmp(name, "base_mudlib") == 0)
			SETSTR(base_mudlib);
		else if (strcmp(name, "driver") == 0)
			SETSTR(driver);
		else if (strcmp(name, "mud_type") == 0)
			SETSTR(mud_type);
		else if (strcmp(name, "open_status") == 0)
			SETSTR(open_status);
		else if (strcmp(name, "admin_email") == 0)
			SETSTR(admin_email);
		else if (strcmp(name, "url") == 0)
			SETSTR(url);
		else if (strcmp(name, "services") == 0) {
			if ((j = config_services(value, &why)) == NULL) {
				config_fail(ctx, "%s", why);
				free(why);
				return (0);
			}
			json_decref(c->services);
			c->services = j;
		} else if (strcmp(name, "channels") == 0) {
			json_decref(c->channels);
			c->channels = config_list(value);
		} else
			goto unknown;
		return (1);
	}
	if (strncasecmp(section, "router ", 7) == 0) {
		section += 7;
		while (isspace((unsigned char)*section))
			section++;
		if (*section == '\0') {
			config_fail(ctx, "router section without a name");
			return (0);
		}
		if (strcmp(name, "host") == 0)
			config_add_router(c, section, value, 0, 0);
		else if (strcmp(name, "port") == 0) {
			if (config_int(value, 1, 65535, &l) == -1)
				goto bad;
			config_add_router(c, section, NULL, (int)l, 0);
		} else
			goto unknown;
		return (1);
	}
	if (strcasecmp(section, "limits") == 0) {
		if (strcmp(name, "rate") == 0) {
			if (config_int(value, 0, 1000000, &l) == -1)
				goto bad;
			c->rate = l;
		} else if (strcmp(name, "queue") == 0) {
			if (config_int(value, 1, 10000000, &l) == -1)
				goto bad;
			c->queue_max = l;
		} else if (strcmp(name, "info_timeout") == 0 ||
		    strcmp(name, "locate_window") == 0 ||
		    strcmp(name, "answer_timeout") == 0) {
			l = config_duration(value, &ok);
			if (!ok || l <= 0)
				goto bad;
			if (strcmp(name, "info_timeout") == 0)
				c->info_timeout = l;
			else if (strcmp(name, "locate_window") == 0)
				c->locate_window = l;
			else
				c->answer_timeout = l;
		} else if (strcmp(name, "startup_timeout") == 0 ||
		    strcmp(name, "idle_ping") == 0 ||
		    strcmp(name, "dead_after") == 0 ||
		    strcmp(name, "backoff_min") == 0 ||
		    strcmp(name, "backoff_max") == 0) {
			l = config_duration(value, &ok);
			if (!ok)
				goto bad;
			if (strcmp(name, "startup_timeout") == 0)
				c->startup_timeout = l;
			else if (strcmp(name, "idle_ping") == 0)
				c->idle_ping = l;
			else if (strcmp(name, "dead_after") == 0)
				c->dead_after = l;
			else if (strcmp(name, "backoff_min") == 0)
				c->backoff_min = l;
			else
				c->backoff_max = l;
		} else if (strcmp(name, "connect_spacing") == 0) {
			if (config_bool(value, &b) == -1)
				goto bad;
			c->connect_spacing = b;
		} else if (strcmp(name, "max_line") == 0) {
			if (config_size(value, &c->max_line) == -1)
				goto bad;
		} else if (strcmp(name, "client_highwater") == 0) {
			if (config_size(value, &c->client_highwater) == -1)
				goto bad;
		} else if (strcmp(name, "client_maxout") == 0) {
			if (config_size(value, &c->client_maxout) == -1)
				goto bad;
		} else if (strcmp(name, "max_frame") == 0) {
			if (config_size(value, &c->max_frame) == -1)
				goto bad;
		} else
			goto unknown;
		return (1);
	}
	if (strcasecmp(section, "log") == 0) {
		if (strcmp(name, "file") == 0)
			SETSTR(log_file);
		else if (strcmp(name, "tells") == 0) {
			if (config_bool(value, &i) == -1)
				goto bad;
			c->log_tells = i;
		} else
			goto unknown;
		return (1);
	}
	if (strcasecmp(section, "presence") == 0) {
		if (config_bool(value, &b) == -1) {
			if (strcmp(name, "send_email") == 0 ||
			    strcmp(name, "send_ip") == 0 ||
			    strcmp(name, "take_all_tells") == 0)
				goto bad;
			goto unknown;
		}
		if (strcmp(name, "send_email") == 0)
			c->send_email = b;
		else if (strcmp(name, "send_ip") == 0)
			c->send_ip = b;
		else if (strcmp(name, "take_all_tells") == 0)
			c->take_all_tells = b;
		else
			goto unknown;
		return (1);
	}
	/* Sections of later issues ([api], [key ...], [presence]) pass. */
	if (strcasecmp(section, "api") == 0 ||
	    strncasecmp(section, "key ", 4) == 0 ||
	    strcasecmp(section, "presence") == 0)
		return (1);
	config_fail(ctx, "unknown section [%s]", section);
	return (0);

unknown:
	config_fail(ctx, "unknown key '%s' in [%s]", name, section);
	return (0);
bad:
	config_fail(ctx, "bad value for %s: '%s'", name, value);
	return (0);
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_ctx	*ctx = user;

	if (ctx->cause != NULL)
		return (1);
	return (config_set(ctx, section, name, value));
}

/*
 * Read a file; NULL path gives the defaults alone.  A file that others may
 * write or read is refused only for writing (it holds no secret itself).
 */
struct config *
config_load(const char *path, char **cause)
{
	struct config_ctx	 ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.conf = config_defaults();
	if (path == NULL)
		return (ctx.conf);
	ctx.conf->path = xstrdup(path);
	if (config_ini_file(path, config_handler, &ctx, &ctx.cause,
	    cause) == -1) {
		config_free(ctx.conf);
		return (NULL);
	}
	return (ctx.conf);
}

/*
 * Run libinih over a file, for config.c and apiconf.c alike: the handler
 * leaves the reason of its first refusal in *why.  0, or -1 with *cause
 * "file:line: why".  A file others may write is refused.
 */
int
config_ini_file(const char *path,
    int (*fn)(void *, const char *, const char *, const char *), void *user,
    char **why, char **cause)
{
	struct stat	 st;
	FILE		*f;
	int		 line;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IWOTH)) {
		xasprintf(cause, "%s: writable by others, refused", path);
		fclose(f);
		return (-1);
	}
	/* libinih returns the line of the first error; the handler the why. */
	line = ini_parse_file(f, fn, user);
	fclose(f);
	if (line == 0 && *why == NULL)
		return (0);
	if (line < 0)
		xasprintf(cause, "%s: cannot read", path);
	else
		xasprintf(cause, "%s:%d: %s", path, line,
		    *why != NULL ? *why : "syntax error");
	free(*why);
	*why = NULL;
	return (-1);
}

/*
 * Environment overrides: I3GW_<SECTION>_<KEY> for [mud], [limits] and [log]
 * (e.g. I3GW_MUD_NAME, I3GW_LIMITS_RATE), and I3GW_ROUTER=name:host:port
 * (several separated by commas) replacing the routers of the file.
 */
int
config_env(struct config *c, char **cause)
{
	extern char		**environ;
	struct config_ctx	  ctx;
	char			**e, *key, *section, *k, *p, *dup, *item;
	char			 *name, *host, *port, *save;
	const char		 *val;
	long			  l;
	size_t			  i;

	memset(&ctx, 0, sizeof ctx);
	ctx.conf = c;
	ctx.fromenv = 1;
	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "I3GW_", 5) != 0)
			continue;
		if ((p = strchr(*e, '=')) == NULL)
			continue;
		key = xstrndup(*e + 5, p - *e - 5);
		val = p + 1;
		section = NULL;
		if (strncmp(key, "MUD_", 4) == 0)
			section = "mud";
		else if (strncmp(key, "LIMITS_", 7) == 0)
			section = "limits";
		else if (strncmp(key, "LOG_", 4) == 0)
			section = "log";
		if (section != NULL) {
			k = xstrdup(key + strlen(section) + 1);
			for (p = k; *p != '\0'; p++)
				*p = tolower((unsigned char)*p);
			if (!config_set(&ctx, section, k, val)) {
				xasprintf(cause, "I3GW_%s: %s", key,
				    ctx.cause);
				free(ctx.cause);
				free(k);
				free(key);
				return (-1);
			}
			free(k);
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
	}
	return (0);
}

int
config_check(const struct config *c, char **cause)
{
	size_t		 i;
	const char	*p;

	if (c->mud_name == NULL || *c->mud_name == '\0') {
		xasprintf(cause, "%s: no MUD name ([mud] name or "
		    "I3GW_MUD_NAME)", c->path ? c->path : "config");
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
		    "and port, or I3GW_ROUTER)", c->path ? c->path : "config");
		return (-1);
	}
	for (i = 0; i < c->nrouters; i++) {
		if (c->routers[i].host == NULL || c->routers[i].port == 0) {
			xasprintf(cause, "router %s: host and port are both "
			    "needed", c->routers[i].name);
			return (-1);
		}
	}
	if (c->backoff_min <= 0 || c->backoff_max < c->backoff_min) {
		xasprintf(cause, "backoff_min must be > 0 and <= backoff_max");
		return (-1);
	}
	return (0);
}

void
config_dump(const struct config *c, FILE *f)
{
	size_t	 i;
	char	*s;

	fprintf(f, "[mud]\nname = %s\nplayer_port = %d\nmudlib = %s\n"
	    "base_mudlib = %s\ndriver = %s\nmud_type = %s\n"
	    "open_status = %s\nadmin_email = %s\n", c->mud_name,
	    c->player_port, c->mudlib, c->base_mudlib, c->driver, c->mud_type,
	    c->open_status, c->admin_email);
	s = json_dumps(c->services, JSON_COMPACT | JSON_SORT_KEYS);
	fprintf(f, "services = %s\n", s);
	free(s);
	s = json_dumps(c->channels, JSON_COMPACT);
	fprintf(f, "channels = %s\n", s);
	free(s);
	for (i = 0; i < c->nrouters; i++)
		fprintf(f, "\n[router %s]\nhost = %s\nport = %d\n",
		    c->routers[i].name, c->routers[i].host,
		    c->routers[i].port);
	fprintf(f, "\n[limits]\nrate = %d\nqueue = %zu\n"
	    "startup_timeout = %ldms\nidle_ping = %ldms\ndead_after = %ldms\n"
	    "backoff_min = %ldms\nbackoff_max = %ldms\nconnect_spacing = %s\n"
	    "max_line = %zu\nclient_highwater = %zu\nclient_maxout = %zu\n"
	    "max_frame = %zu\n", c->rate, c->queue_max, c->startup_timeout,
	    c->idle_ping, c->dead_after, c->backoff_min, c->backoff_max,
	    c->connect_spacing ? "yes" : "no", c->max_line,
	    c->client_highwater, c->client_maxout, c->max_frame);
}
