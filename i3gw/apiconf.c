/*
 * apiconf.c: the [api] and [key NAME] sections: listeners, TLS, API keys,
 * limits, sessions.  A second libinih pass over the file config.c read.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


#include "i3gw.h"

struct api_conf	*api;

struct apiconf_ctx {
	struct api_conf	*a;
	char		*cause;
};

static struct api_conf	*apiconf_defaults(void);
static int		 apiconf_handler(void *, const char *, const char *,
			    const char *);
static int		 apiconf_set(struct apiconf_ctx *, const char *,
			    const char *, const char *);
static struct api_key	*apiconf_key(struct api_conf *, const char *);
static int		 apiconf_rate(const char *, double *);
static int		 apiconf_perms(const char *, int *);
static int		 apiconf_nets(const char *, struct api_net **,
			    size_t *);
static void		 apiconf_fail(struct apiconf_ctx *, const char *, ...)
			    C_PRINTF(2, 3);

static const char *const apiconf_groups[] = {
	"tell", "channel", "info", "presence", "admin", NULL
};

static struct api_conf *
apiconf_defaults(void)
{
	struct api_conf	*a;

	a = xcalloc(1, sizeof *a);
	a->unix_on = 1;
	a->max_per_uid = 64;
	a->max_clients = 4096;
	a->max_inflight = 64;
	a->tls_min = "1.2";
	a->rate = 50;
	a->burst = 100;
	a->method_rate = 20;
	a->method_burst = 40;
	a->auth_delay = 200;
	a->auth_delay_max = 3000;
	a->session_queue = 1000;
	a->session_age = 3600 * 1000L;
	a->session_expire = 24 * 3600 * 1000L;
	a->pause_grace = 10000;
	a->tell_queue = 1;
	return (a);
}

void
apiconf_free(struct api_conf *a)
{
	size_t	i;

	if (a == NULL)
		return;
	free(a->socket);
	free(a->socket_group);
	free(a->tcp);
	free(a->http);
	free(a->tls_cert);
	free(a->tls_key);
	free(a->tls_ca);
	free(a->allow);
	free(a->deny);
	for (i = 0; i < a->nkeys; i++) {
		free(a->keys[i].name);
		free(a->keys[i].allow);
	}
	free(a->keys);
	free(a);
}

static void
apiconf_fail(struct apiconf_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	if (ctx->cause != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&ctx->cause, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
}

/* Requests per second, "0" for unlimited; "5", "0.5", "5/s", "60/m". */
static int
apiconf_rate(const char *s, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
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

/* "tell, channel, info" or "all" as a mask of API_P_*. */
static int
apiconf_perms(const char *s, int *out)
{
	json_t		*list = json_array(), *v;
	const char	*p = s, *q, *name;
	size_t		 i;
	int		 j, mask = 0, found;

	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ',' && !isspace((unsigned char)*q))
			q++;
		json_array_append_new(list, json_stringn(p, q - p));
		p = q;
	}
	json_array_foreach(list, i, v) {
		name = json_string_value(v);
		if (strcmp(name, "all") == 0) {
			mask |= API_P_ALL;
			continue;
		}
		if (strcmp(name, "none") == 0)
			continue;
		found = 0;
		for (j = 0; apiconf_groups[j] != NULL; j++) {
			if (strcmp(apiconf_groups[j], name) == 0) {
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

	for (j = 0; apiconf_groups[j] != NULL; j++) {
		if (bit == (1 << j))
			return (apiconf_groups[j]);
	}
	return ("?");
}

/* "127.0.0.1, 10.0.0.0/8, ::1": a list of networks. */
static int
apiconf_nets(const char *s, struct api_net **out, size_t *nout)
{
	struct api_net	*nets = NULL, *n;
	size_t		 count = 0;
	const char	*p = s, *q;
	char		*item, *slash;
	long		 bits;
	int		 max;

	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ',' && !isspace((unsigned char)*q))
			q++;
		item = xstrndup(p, q - p);
		p = q;
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
		} else {
			free(item);
			free(nets);
			return (-1);
		}
		bits = max;
		if (slash != NULL &&
		    config_int(slash, 0, max, &bits) == -1) {
			free(item);
			free(nets);
			return (-1);
		}
		n->bits = (int)bits;
		free(item);
		count++;
	}
	free(*out);
	*out = nets;
	*nout = count;
	return (0);
}

/* Is the address in one of the networks? */
int
apiconf_net_match(const struct api_net *nets, size_t n,
    const struct sockaddr *sa)
{
	const unsigned char	*a;
	unsigned char		 mapped[16];
	int			 family, bits, i;
	size_t			 k;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		a = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* ::ffff:a.b.c.d is matched as IPv4. */
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memcpy(mapped, a + 12, 4);
			a = mapped;
			family = AF_INET;
		}
	} else
		return (0);
	for (k = 0; k < n; k++) {
		if (nets[k].family != family)
			continue;
		bits = nets[k].bits;
		for (i = 0; bits >= 8; i++, bits -= 8) {
			if (a[i] != nets[k].addr[i])
				break;
		}
		if (bits >= 8)
			continue;
		if (bits == 0 || ((a[i] ^ nets[k].addr[i]) &
		    (0xff << (8 - bits)) & 0xff) == 0)
			return (1);
	}
	return (0);
}

static struct api_key *
apiconf_key(struct api_conf *a, const char *name)
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

static int
apiconf_set(struct apiconf_ctx *ctx, const char *section, const char *name,
    const char *value)
{
	struct api_conf	*a = ctx->a;
	struct api_key	*k;
	long		 l;
	int		 b, ok;
	double		 d;
	size_t		 i;

	if (strcasecmp(section, "api") == 0) {
		if (strcmp(name, "socket") == 0) {
			free(a->socket);
			a->socket = NULL;
			if (strcmp(value, "none") == 0 ||
			    strcmp(value, "no") == 0 || *value == '\0')
				a->unix_on = 0;
			else {
				if (*value != '/')
					goto bad;
				a->unix_on = 1;
				a->socket = xstrdup(value);
			}
		} else if (strcmp(name, "socket_group") == 0) {
			free(a->socket_group);
			a->socket_group = xstrdup(value);
		} else if (strcmp(name, "max_per_uid") == 0) {
			if (config_int(value, 1, 1000000, &l) == -1)
				goto bad;
			a->max_per_uid = l;
		} else if (strcmp(name, "max_clients") == 0) {
			if (config_int(value, 1, 1000000, &l) == -1)
				goto bad;
			a->max_clients = l;
		} else if (strcmp(name, "max_inflight") == 0) {
			if (config_int(value, 1, 1000000, &l) == -1)
				goto bad;
			a->max_inflight = l;
		} else if (strcmp(name, "tcp") == 0) {
			free(a->tcp);
			a->tcp = (*value == '\0' || strcmp(value, "no") == 0 ||
			    strcmp(value, "none") == 0) ? NULL :
			    xstrdup(value);
		} else if (strcmp(name, "http") == 0) {
			free(a->http);
			a->http = (*value == '\0' || strcmp(value, "no") == 0 ||
			    strcmp(value, "none") == 0) ? NULL :
			    xstrdup(value);
		} else if (strcmp(name, "tls") == 0) {
			if (config_bool(value, &b) == -1)
				goto bad;
			a->tls = b;
		} else if (strcmp(name, "tls_cert") == 0) {
			free(a->tls_cert);
			a->tls_cert = xstrdup(value);
		} else if (strcmp(name, "tls_key") == 0) {
			free(a->tls_key);
			a->tls_key = xstrdup(value);
		} else if (strcmp(name, "tls_client_ca") == 0) {
			free(a->tls_ca);
			a->tls_ca = xstrdup(value);
		} else if (strcmp(name, "tls_client_cert") == 0) {
			if (strcmp(value, "none") == 0)
				a->tls_verify = 0;
			else if (strcmp(value, "optional") == 0)
				a->tls_verify = 1;
			else if (strcmp(value, "require") == 0)
				a->tls_verify = 2;
			else
				goto bad;
		} else if (strcmp(name, "tls_min_version") == 0) {
			if (strcmp(value, "1.2") == 0)
				a->tls_min = "1.2";
			else if (strcmp(value, "1.3") == 0)
				a->tls_min = "1.3";
			else
				goto bad;
		} else if (strcmp(name, "allow") == 0) {
			if (apiconf_nets(value, &a->allow, &a->nallow) == -1)
				goto bad;
		} else if (strcmp(name, "deny") == 0) {
			if (apiconf_nets(value, &a->deny, &a->ndeny) == -1)
				goto bad;
		} else if (strcmp(name, "rate") == 0) {
			if (apiconf_rate(value, &a->rate) == -1)
				goto bad;
		} else if (strcmp(name, "burst") == 0) {
			if (apiconf_rate(value, &a->burst) == -1)
				goto bad;
		} else if (strcmp(name, "method_rate") == 0) {
			if (apiconf_rate(value, &a->method_rate) == -1)
				goto bad;
		} else if (strcmp(name, "method_burst") == 0) {
			if (apiconf_rate(value, &a->method_burst) == -1)
				goto bad;
		} else if (strcmp(name, "auth_delay") == 0 ||
		    strcmp(name, "auth_delay_max") == 0 ||
		    strcmp(name, "session_max_age") == 0 ||
		    strcmp(name, "session_expire") == 0 ||
		    strcmp(name, "pause_grace") == 0) {
			l = config_duration(value, &ok);
			if (!ok)
				goto bad;
			if (strcmp(name, "auth_delay") == 0)
				a->auth_delay = l;
			else if (strcmp(name, "auth_delay_max") == 0)
				a->auth_delay_max = l;
			else if (strcmp(name, "session_max_age") == 0)
				a->session_age = l;
			else if (strcmp(name, "session_expire") == 0)
				a->session_expire = l;
			else
				a->pause_grace = l;
		} else if (strcmp(name, "session_queue") == 0) {
			if (config_int(value, 0, 10000000, &l) == -1)
				goto bad;
			a->session_queue = l;
		} else if (strcmp(name, "queue_tells") == 0) {
			if (config_bool(value, &b) == -1)
				goto bad;
			a->tell_queue = b;
		} else
			goto unknown;
		return (1);
	}
	if (strncasecmp(section, "key ", 4) == 0) {
		section += 4;
		while (isspace((unsigned char)*section))
			section++;
		if (*section == '\0') {
			apiconf_fail(ctx, "key section without a name");
			return (0);
		}
		k = apiconf_key(a, section);
		if (strcmp(name, "hash") == 0) {
			if (strncmp(value, "sha256:", 7) == 0)
				value += 7;
			if (strlen(value) != 64)
				goto bad;
			for (i = 0; i < 32; i++) {
				if (sscanf(value + 2 * i, "%2hhx",
				    &k->hash[i]) != 1 ||
				    !isxdigit((unsigned char)value[2 * i]) ||
				    !isxdigit((unsigned char)value[2 * i + 1]))
					goto bad;
			}
			k->has_hash = 1;
		} else if (strcmp(name, "permissions") == 0) {
			if (apiconf_perms(value, &k->perms) == -1)
				goto bad;
		} else if (strcmp(name, "rate") == 0) {
			if (apiconf_rate(value, &d) == -1)
				goto bad;
			k->rate = d;
		} else if (strcmp(name, "burst") == 0) {
			if (apiconf_rate(value, &d) == -1)
				goto bad;
			k->burst = d;
		} else if (strcmp(name, "method_rate") == 0) {
			if (apiconf_rate(value, &d) == -1)
				goto bad;
			k->method_rate = d;
		} else if (strcmp(name, "method_burst") == 0) {
			if (apiconf_rate(value, &d) == -1)
				goto bad;
			k->method_burst = d;
		} else if (strcmp(name, "allow") == 0) {
			if (apiconf_nets(value, &k->allow, &k->nallow) == -1)
				goto bad;
		} else
			goto unknown;
		return (1);
	}
	return (1);

unknown:
	apiconf_fail(ctx, "unknown key '%s' in [%s]", name, section);
	return (0);
bad:
	apiconf_fail(ctx, "bad value for %s: '%s'", name, value);
	return (0);
}

static int
apiconf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct apiconf_ctx	*ctx = user;

	if (ctx->cause != NULL)
		return (1);
	return (apiconf_set(ctx, section, name, value));
}

/*
 * Read [api] and [key] from the file (NULL: defaults), then I3GW_API_<KEY>
 * from the environment.
 */
struct api_conf *
apiconf_load(const char *path, char **cause)
{
	extern char		**environ;
	struct apiconf_ctx	  ctx;
	struct api_conf		 *a;
	char			**e, *k, *p;
	size_t			  i;

	memset(&ctx, 0, sizeof ctx);
	ctx.a = a = apiconf_defaults();
	if (path != NULL && config_ini_file(path, apiconf_handler, &ctx,
	    &ctx.cause, cause) == -1) {
		apiconf_free(a);
		return (NULL);
	}
	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, "I3GW_API_", 9) != 0 ||
		    (p = strchr(*e, '=')) == NULL)
			continue;
		k = xstrndup(*e + 9, p - *e - 9);
		for (i = 0; k[i] != '\0'; i++)
			k[i] = tolower((unsigned char)k[i]);
		if (!apiconf_set(&ctx, "api", k, p + 1)) {
			xasprintf(cause, "I3GW_API_%.*s: %s",
			    (int)(p - *e - 9), *e + 9, ctx.cause);
			free(ctx.cause);
			free(k);
			apiconf_free(a);
			return (NULL);
		}
		free(k);
	}
	for (i = 0; i < a->nkeys; i++) {
		if (!a->keys[i].has_hash) {
			xasprintf(cause, "[key %s]: no hash (i3gw genkey "
			    "prints one)", a->keys[i].name);
			apiconf_free(a);
			return (NULL);
		}
	}
	if (a->tls && (a->tls_cert == NULL || a->tls_key == NULL)) {
		xasprintf(cause, "[api] tls needs tls_cert and tls_key");
		apiconf_free(a);
		return (NULL);
	}
	return (a);
}

/* A key's rate figures, the [api] defaults where it sets none. */
void
apiconf_key_rates(const struct api_key *k, double *rate, double *burst,
    double *mrate, double *mburst)
{
	*rate = (k != NULL && k->rate >= 0) ? k->rate : api->rate;
	*burst = (k != NULL && k->burst >= 0) ? k->burst : api->burst;
	*mrate = (k != NULL && k->method_rate >= 0) ? k->method_rate :
	    api->method_rate;
	*mburst = (k != NULL && k->method_burst >= 0) ? k->method_burst :
	    api->method_burst;
}
