/*
 * http.c: the HTTP endpoints through libmicrohttpd inside the event loop:
 * POST /rpc, GET /health, /health/ready, /metrics, the WebSocket
 * upgrade on /ws (ws.c), and the chat page's files at / (share/web).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "i3gw.h"

#define HTTP_WAIT_MAX	120000	/* ms: the longest a request is held */
#define HTTP_TIMEOUT	30	/* s: an idle HTTP connection */
#define HTTP_BODY_LINES	16	/* a body: at most this many max_line */
#define HTTP_FILE_MAX	(1024 * 1024)	/* a page's file */
/*
 * A connection's buffers in libmicrohttpd (its default is 32 kB): a
 * request's head must fit; an upgraded WebSocket keeps them while it
 * lives, so they are most of what an idle WebSocket client costs.
 */
#define HTTP_CONN_MEMORY	4096

/* The page's files: nothing else is served from the web directory. */
static const struct {
	const char	*url;
	const char	*file;
	const char	*type;
} http_files[] = {
	{ "/", "index.html", "text/html; charset=utf-8" },
	{ "/index.html", "index.html", "text/html; charset=utf-8" },
	{ "/i3gw.css", "i3gw.css", "text/css; charset=utf-8" },
	{ "/i3gw.js", "i3gw.js", "text/javascript; charset=utf-8" },
};

struct http_req {
	struct MHD_Connection	*mc;
	char			*body;
	size_t			 bodylen;
	size_t			 bodysize;
	int			 toolarge;
	int			 started;	/* the requests are dispatched */
	int			 done;		/* the answer is ready */
	int			 suspended;
	struct client		*cl;
	int			 batch;
	int			 dispatching;
	size_t			 captured;	/* lines during one dispatch */
	int			 waiting;	/* deferred answers to come */
	char			*out;		/* answers, comma-separated */
	size_t			 outlen;
	size_t			 outsize;
	size_t			 nout;
	unsigned int		 status;
	char			*resp;
	size_t			 resplen;
	int			 unauthorized;
	uint64_t		 timer;		/* finish (0 ms) or give up */
	TAILQ_ENTRY(http_req)	 entry;
};
TAILQ_HEAD(http_reqs, http_req);

static struct MHD_Daemon	*http_d;
static char			*http_cert;	/* PEM, while the daemon runs */
static char			*http_key;
static struct http_reqs		 http_held = TAILQ_HEAD_INITIALIZER(http_held);
static uint64_t			 http_tick_timer;
static int			 http_epfd = -1;

static int	http_listen(const char *, char **);
static char	*http_pem(const char *, char **);
static void	http_io(int, int, void *);
static int	http_tick(void *);
static void	http_run(void);
static void	http_log(void *, const char *, va_list);
static enum MHD_Result http_accept(void *, const struct sockaddr *,
		    socklen_t);
static enum MHD_Result http_handler(void *, struct MHD_Connection *,
		    const char *, const char *, const char *, const char *,
		    size_t *, void **);
static void	http_completed(void *, struct MHD_Connection *, void **,
		    enum MHD_RequestTerminationCode);
static enum MHD_Result http_reply(struct MHD_Connection *, unsigned int,
		    const char *, char *, size_t);
static enum MHD_Result http_json(struct MHD_Connection *, unsigned int,
		    json_t *);
static enum MHD_Result http_rpc(struct http_req *);
static enum MHD_Result http_answer(struct http_req *);
static int	http_auth(struct http_req *, const json_t *);
static void	http_dispatch(struct http_req *, json_t *);
static void	http_out(struct http_req *, const char *, size_t);
static void	http_noauth(struct http_req *, const char *);
static void	http_error(struct http_req *, int, const char *);
static void	http_build(struct http_req *);
static void	http_hold(struct http_req *, long);
static int	http_finish(void *);
static const struct sockaddr *http_peer(struct MHD_Connection *,
		    socklen_t *);
static enum MHD_Result http_file(struct MHD_Connection *, size_t);
static const char *http_webdir(void);

/* "[host:]port", "[v6]:port": the host defaults to 127.0.0.1. */
/* A PEM file's text, NUL-terminated, for GnuTLS through MHD. */
static char *
http_pem(const char *path, char **cause)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if (path == NULL) {
		xasprintf(cause, "[api] http_tls needs tls_cert and tls_key");
		return (NULL);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "http_tls: %s: %s", path, strerror(errno));
		return (NULL);
	}
	buf = xmalloc(HTTP_FILE_MAX + 1);
	while (len < HTTP_FILE_MAX && (n = read(fd, buf + len,
	    HTTP_FILE_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return (buf);
}

static int
http_listen(const char *spec, char **cause)
{
	struct addrinfo		 hints, *res;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			*copy, hbuf[64], pbuf[16];
	const char		*host, *port;
	int			 fd, on = 1, error;

	copy = config_hostport(spec, &host, &port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((error = getaddrinfo(*host != '\0' ? host : "127.0.0.1", port,
	    &hints, &res)) != 0) {
		xasprintf(cause, "http %s: %s", spec, gai_strerror(error));
		free(copy);
		return (-1);
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, res->ai_protocol);
	if (fd == -1) {
		xasprintf(cause, "http %s: socket: %s", spec, strerror(errno));
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		xasprintf(cause, "http %s: %s", spec, strerror(errno));
		close(fd);
		goto fail;
	}
	sslen = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sslen);
	getnameinfo((struct sockaddr *)&ss, sslen, hbuf, sizeof hbuf, pbuf,
	    sizeof pbuf, NI_NUMERICHOST | NI_NUMERICSERV);
	log_info(ss.ss_family == AF_INET6 ? "listening on http [%s]:%s%s" :
	    "listening on http %s:%s%s", hbuf, pbuf, api->http_tls ?
	    " (TLS)" : "");
	freeaddrinfo(res);
	free(copy);
	return (fd);
fail:
	freeaddrinfo(res);
	free(copy);
	return (-1);
}

static void
http_log(void *arg, const char *fmt, va_list ap)
{
	char	buf[512];
	size_t	n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_warnx("http: %s", buf);
}

static enum MHD_Result
http_accept(void *arg, const struct sockaddr *sa, socklen_t len)
{
	if (auth_addr_allowed(sa))
		return (MHD_YES);
	listen_refused++;
	return (MHD_NO);
}

int
http_init(char **cause)
{
	const union MHD_DaemonInfo	*di;
	struct MHD_OptionItem		 opts[8];
	unsigned int			 flags;
	int				 fd, n = 0;

	memset(opts, 0, sizeof opts);
	if ((fd = listen_http_fd()) != -1) {
		ev_set_nonblock(fd);
		log_info("listening on http (activated fd %d)", fd);
	} else if (api->http == NULL)
		return (0);
	else if ((fd = http_listen(api->http, cause)) == -1)
		return (-1);

	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE |
	    MHD_USE_ERROR_LOG;
	/* https and wss: the TCP listener's certificate and key (GnuTLS). */
	if (api->http_tls) {
		if ((http_cert = http_pem(api->tls_cert, cause)) == NULL ||
		    (http_key = http_pem(api->tls_key, cause)) == NULL) {
			close(fd);
			return (-1);
		}
		flags |= MHD_USE_TLS;
		opts[n].option = MHD_OPTION_HTTPS_MEM_CERT;
		opts[n++].ptr_value = http_cert;
		opts[n].option = MHD_OPTION_HTTPS_MEM_KEY;
		opts[n++].ptr_value = http_key;
		opts[n].option = MHD_OPTION_HTTPS_PRIORITIES;
		opts[n++].ptr_value = strcmp(api->tls_min, "1.3") == 0 ?
		    "NORMAL:-VERS-ALL:+VERS-TLS1.3" :
		    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
	}
	opts[n].option = MHD_OPTION_END;
	http_d = MHD_start_daemon(flags, 0, http_accept, NULL, http_handler,
	    NULL, MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)api->max_clients,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)api->max_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (http_d == NULL) {
		xasprintf(cause, "http: libmicrohttpd did not start");
		close(fd);
		return (-1);
	}
	di = MHD_get_daemon_info(http_d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL) {
		xasprintf(cause, "http: no epoll descriptor");
		MHD_stop_daemon(http_d);
		http_d = NULL;
		return (-1);
	}
	http_epfd = di->epoll_fd;
	ev_io_set(http_epfd, EV_READ, http_io, NULL);
	http_run();
	return (0);
}

void
http_stop(void)
{
	struct http_req	*hr;

	if (http_d == NULL)
		return;
	/* WebSocket peers hear why, and their sockets go back to MHD. */
	ws_stop();
	/* Nothing may stay suspended when the daemon stops. */
	while ((hr = TAILQ_FIRST(&http_held)) != NULL) {
		TAILQ_REMOVE(&http_held, hr, entry);
		if (hr->suspended) {
			hr->suspended = 0;
			MHD_resume_connection(hr->mc);
		}
	}
	ev_io_del(http_epfd);
	if (http_tick_timer != 0)
		ev_timer_del(http_tick_timer);
	http_tick_timer = 0;
	MHD_stop_daemon(http_d);
	http_d = NULL;
	if (http_key != NULL)
		OPENSSL_cleanse(http_key, strlen(http_key));
	free(http_key);
	free(http_cert);
	http_key = http_cert = NULL;
}

/* Let libmicrohttpd work, then wake it again when it asks to be. */
static void
http_run(void)
{
	MHD_UNSIGNED_LONG_LONG	to;
	long			ms = 1000;

	if (http_d == NULL)
		return;
	MHD_run(http_d);
	if (MHD_get_timeout(http_d, &to) == MHD_YES && to < 1000)
		ms = (long)to;
	if (http_tick_timer != 0)
		ev_timer_del(http_tick_timer);
	http_tick_timer = ev_timer_add(ms, http_tick, NULL);
}

/* Something changed outside a callback (a WebSocket closed): run soon. */
void
http_kick(void)
{
	if (http_d == NULL)
		return;
	if (http_tick_timer != 0)
		ev_timer_del(http_tick_timer);
	http_tick_timer = ev_timer_add(0, http_tick, NULL);
}

static int
http_tick(void *arg)
{
	http_tick_timer = 0;
	http_run();
	return (EV_NOMORE);
}

static void
http_io(int fd, int what, void *arg)
{
	http_run();
}

static enum MHD_Result
http_reply(struct MHD_Connection *mc, unsigned int status, const char *type,
    char *body, size_t len)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return (MHD_NO);
	}
	if (type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return (ret);
}

/* The answer built (its body handed over). */
static enum MHD_Result
http_answer(struct http_req *hr)
{
	char	*s = hr->resp;

	hr->resp = NULL;
	return (http_reply(hr->mc, hr->status, s != NULL ?
	    "application/json" : NULL, s, s != NULL ? hr->resplen : 0));
}

/* A JSON body (stolen), one line. */
static enum MHD_Result
http_json(struct MHD_Connection *mc, unsigned int status, json_t *v)
{
	char	*s;

	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (s == NULL)
		return (MHD_NO);
	return (http_reply(mc, status, "application/json", s, strlen(s)));
}

static const struct sockaddr *
http_peer(struct MHD_Connection *mc, socklen_t *len)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return (NULL);
	*len = ci->client_addr->sa_family == AF_INET6 ?
	    sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);
	return (ci->client_addr);
}

static enum MHD_Result
http_handler(void *arg, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *data,
    size_t *datalen, void **ctx)
{
	struct http_req	*hr = *ctx;
	json_t		*v;
	char		*s;
	size_t		 len, max, i;
	int		 get, ready;

	if (hr == NULL) {
		hr = xcalloc(1, sizeof *hr);
		hr->mc = mc;
		*ctx = hr;
		return (MHD_YES);
	}
	if (*datalen != 0) {
		max = gw.conf->max_line * HTTP_BODY_LINES;
		if (!hr->toolarge && hr->bodylen + *datalen <= max) {
			if (hr->bodylen + *datalen + 1 > hr->bodysize) {
				hr->bodysize = hr->bodylen + *datalen + 4096;
				hr->body = xrealloc(hr->body, hr->bodysize);
			}
			memcpy(hr->body + hr->bodylen, data, *datalen);
			hr->bodylen += *datalen;
		} else
			hr->toolarge = 1;
		*datalen = 0;
		return (MHD_YES);
	}
	if (hr->done)
		return (http_answer(hr));	/* resumed: the answers are in */
	if (hr->started)
		return (MHD_YES);
	hr->started = 1;

	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	/* The Python gateway's clients may ask on / as well as /ws. */
	if (strcmp(url, "/ws") == 0 || (strcmp(url, "/") == 0 &&
	    ws_wanted(mc))) {
		metrics_http[METRICS_HTTP_WS]++;
		return ((enum MHD_Result)ws_handshake(mc, method, version));
	}
	if (strcmp(url, "/rpc") == 0) {
		metrics_http[METRICS_HTTP_RPC]++;
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return (http_json(mc, MHD_HTTP_METHOD_NOT_ALLOWED,
			    json_pack("{s:s}", "error", "POST a JSON-RPC "
			    "request to /rpc")));
		return (http_rpc(hr));
	}
	if (strcmp(url, "/health") == 0 || strcmp(url, "/health/ready") ==
	    0) {
		metrics_http[METRICS_HTTP_HEALTH]++;
		if (!get)
			return (http_json(mc, MHD_HTTP_METHOD_NOT_ALLOWED,
			    json_pack("{s:s}", "error", "GET only")));
		ready = router_ready();
		if (strcmp(url, "/health/ready") == 0)
			return (http_json(mc, ready ? MHD_HTTP_OK :
			    MHD_HTTP_SERVICE_UNAVAILABLE, json_pack("{s:b, "
			    "s:s}", "ready", ready, "router_state",
			    router_state_name(router_state()))));
		v = json_pack("{s:s, s:s, s:s, s:I, s:I, s:{s:b, s:s, s:s?}}",
		    "status", "ok", "version", I3_VERSION, "mud",
		    gw.conf->mud_name, "uptime", (json_int_t)(time(NULL) -
		    gw.started), "clients", (json_int_t)client_count(),
		    "router", "ready", ready, "state",
		    router_state_name(router_state()), "name", router_name());
		return (http_json(mc, MHD_HTTP_OK, v));
	}
	for (i = 0; i < sizeof http_files / sizeof http_files[0]; i++) {
		if (strcmp(url, http_files[i].url) != 0)
			continue;
		metrics_http[METRICS_HTTP_OTHER]++;
		if (!get)
			return (http_json(mc, MHD_HTTP_METHOD_NOT_ALLOWED,
			    json_pack("{s:s}", "error", "GET only")));
		return (http_file(mc, i));
	}
	if (strcmp(url, "/metrics") == 0) {
		metrics_http[METRICS_HTTP_METRICS]++;
		if (!get)
			return (http_json(mc, MHD_HTTP_METHOD_NOT_ALLOWED,
			    json_pack("{s:s}", "error", "GET only")));
		metrics_text(&s, &len);
		return (http_reply(mc, MHD_HTTP_OK, "text/plain; "
		    "version=0.0.4; charset=utf-8", s, len));
	}
	metrics_http[METRICS_HTTP_OTHER]++;
	return (http_json(mc, MHD_HTTP_NOT_FOUND, json_pack("{s:s}", "error",
	    "not found: /, /ws, /rpc, /health, /health/ready, /metrics")));
}

/*
 * Where the page's files are: [api] web_root, else beside the program:
 * PREFIX/share/i3gw/web when installed (PREFIX/bin/i3gw), share/web in a
 * source tree (bin/i3gw).
 */
static const char *
http_webdir(void)
{
	static char	 dir[PATH_MAX + 64];
	char		 exe[PATH_MAX], *p;
	ssize_t		 n;

	if (api->web_root != NULL)
		return (api->web_root);
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return ("/usr/share/i3gw/web");
	exe[n] = '\0';
	if ((p = strrchr(exe, '/')) != NULL)
		*p = '\0';
	if ((p = strrchr(exe, '/')) != NULL)
		*p = '\0';
	snprintf(dir, sizeof dir, "%s/share/i3gw/web/index.html", exe);
	if (access(dir, R_OK) == 0)
		snprintf(dir, sizeof dir, "%s/share/i3gw/web", exe);
	else
		snprintf(dir, sizeof dir, "%s/share/web", exe);
	return (dir);
}

/* One of the page's files, read whole (they are small). */
static enum MHD_Result
http_file(struct MHD_Connection *mc, size_t i)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	char			 path[PATH_MAX + 128], *buf;
	ssize_t			 n;
	size_t			 len = 0;
	int			 fd;

	snprintf(path, sizeof path, "%s/%s", http_webdir(), http_files[i].file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("http: %s", path);
		return (http_json(mc, MHD_HTTP_NOT_FOUND, json_pack("{s:s}",
		    "error", "the page is not installed (web_root)")));
	}
	buf = xmalloc(HTTP_FILE_MAX);
	while (len < HTTP_FILE_MAX && (n = read(fd, buf + len,
	    HTTP_FILE_MAX - len)) > 0)
		len += n;
	close(fd);
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return (MHD_NO);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    http_files[i].type);
	/* Nothing from another host, no framing by another site. */
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; connect-src 'self' ws: wss:; "
	    "frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(mc, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return (ret);
}

/*
 * The key: "Authorization: Bearer KEY", or an authenticate call first (the
 * request, or the first of a batch).  1 to go on; 0 when answered (401);
 * -1 when a bad key is answered later, slowed down.
 */
static int
http_auth(struct http_req *hr, const json_t *first)
{
	const struct method	*mt;
	const struct sockaddr	*sa;
	struct api_key		*k;
	const char		*h, *m;
	socklen_t		 salen = 0;

	h = MHD_lookup_connection_value(hr->mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		h += 7;
		while (*h == ' ')
			h++;
		sa = http_peer(hr->mc, &salen);
		if (auth_key_find(h, sa, &k) == 0) {
			auth_successes++;
			hr->cl->key = k;
			hr->cl->perms = k->perms;
			return (1);
		}
		auth_failures++;
		log_warnx("http client %d (%s): bad key", hr->cl->id,
		    hr->cl->addr);
		hr->unauthorized = 1;
		http_noauth(hr, "authentication failed");
		return (-1);
	}
	m = json_string_value(json_object_get(first, "method"));
	if (m != NULL && (mt = method_find(m)) != NULL &&
	    (mt->flags & METHOD_NOKEY))
		return (1);
	hr->unauthorized = 1;
	http_noauth(hr, "not authenticated: send Authorization: Bearer KEY, "
	    "or an authenticate call first");
	return (0);
}

static enum MHD_Result
http_rpc(struct http_req *hr)
{
	const struct sockaddr	*sa;
	json_error_t		 jerr;
	json_t			*req, *first;
	char			 msg[300];
	socklen_t		 salen = 0;
	size_t			 i;
	int			 rc;

	hr->cl = client_new(-1, -1, CLIENT_HTTP);
	hr->cl->http = hr;
	if ((sa = http_peer(hr->mc, &salen)) != NULL) {
		memcpy(&hr->cl->sa, sa, salen);
		getnameinfo(sa, salen, hr->cl->addr, sizeof hr->cl->addr,
		    NULL, 0, NI_NUMERICHOST);
	}
	if (hr->toolarge) {
		snprintf(msg, sizeof msg, "{\"error\":\"body over %zu bytes\"}",
		    gw.conf->max_line * HTTP_BODY_LINES);
		http_out(hr, msg, 0);
		hr->status = MHD_HTTP_CONTENT_TOO_LARGE;
		goto now;
	}
	req = json_loadb(hr->body != NULL ? hr->body : "", hr->bodylen,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		gw.rpc_requests++;
		gw.rpc_errors++;
		snprintf(msg, sizeof msg, "parse error: %s (column %d)",
		    jerr.text, jerr.column);
		http_error(hr, I3_RPC_PARSE, msg);
		goto now;
	}
	hr->batch = json_is_array(req);
	if (hr->batch && json_array_size(req) == 0) {
		gw.rpc_requests++;
		gw.rpc_errors++;
		hr->batch = 0;
		http_error(hr, I3_RPC_INVALID, "invalid request: an empty "
		    "batch");
		json_decref(req);
		goto now;
	}
	first = hr->batch ? json_array_get(req, 0) : req;
	if ((rc = http_auth(hr, first)) <= 0) {
		json_decref(req);
		hr->batch = 0;
		if (rc == 0)
			goto now;
		/* A bad key: answered after auth_delay, as over a socket. */
		hr->status = MHD_HTTP_UNAUTHORIZED;
		http_hold(hr, api->auth_delay);
		return (MHD_YES);
	}
	if (hr->batch) {
		for (i = 0; i < json_array_size(req); i++)
			http_dispatch(hr, json_array_get(req, i));
	} else
		http_dispatch(hr, req);
	json_decref(req);
	if (hr->waiting > 0) {
		http_hold(hr, HTTP_WAIT_MAX);
		return (MHD_YES);
	}
now:
	http_build(hr);
	return (http_answer(hr));
}

/* One request of the body, through rpc_line() as if it came on a line. */
static void
http_dispatch(struct http_req *hr, json_t *r)
{
	const struct method *mt;
	const char	*m;
	char		*s, msg[256];
	int		 expect;

	m = json_string_value(json_object_get(r, "method"));
	expect = json_is_object(r) && json_object_get(r, "id") != NULL &&
	    json_object_get(r, "method") != NULL;
	/* A session needs a connection that stays. */
	if (m != NULL && (mt = method_find(m)) != NULL &&
	    (mt->flags & METHOD_STREAM)) {
		if (!expect)
			return;
		s = json_dumps(json_object_get(r, "id"), JSON_ENCODE_ANY);
		snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%s,"
		    "\"error\":{\"code\":%d,\"message\":\"%s is not "
		    "available over HTTP\"}}", s != NULL ? s : "null",
		    I3_RPC_NOMETHOD, m);
		free(s);
		gw.rpc_requests++;
		gw.rpc_errors++;
		http_out(hr, msg, 0);
		return;
	}
	if ((s = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return;
	hr->captured = 0;
	hr->dispatching = 1;
	rpc_line(hr->cl, s, strlen(s), strlen(s) > gw.conf->max_line ?
	    CONN_TOOLONG : 0);
	hr->dispatching = 0;
	free(s);
	if (expect && hr->captured == 0)
		hr->waiting++;
}

/* An error answer with a null id. */
static void
http_error(struct http_req *hr, int code, const char *msg)
{
	json_t	*e;
	char	*s;

	e = json_pack("{s:s, s:n, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	    "error", "code", code, "message", msg);
	if ((s = json_dumps(e, JSON_COMPACT)) != NULL)
		http_out(hr, s, 0);
	free(s);
	json_decref(e);
}

/* A -32007 answer without an id; msg needs no JSON escaping. */
static void
http_noauth(struct http_req *hr, const char *msg)
{
	char	buf[256];

	snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"error\":{\"code\":%d,\"message\":\"%s\"}}", I3_RPC_NOAUTH,
	    msg);
	http_out(hr, buf, 0);
}

/* One answer (len 0: a string), kept comma-separated. */
static void
http_out(struct http_req *hr, const char *buf, size_t len)
{
	if (len == 0)
		len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (hr->outlen + len + 2 > hr->outsize) {
		hr->outsize = hr->outlen + len + 4096;
		hr->out = xrealloc(hr->out, hr->outsize);
	}
	if (hr->nout > 0)
		hr->out[hr->outlen++] = ',';
	memcpy(hr->out + hr->outlen, buf, len);
	hr->outlen += len;
	hr->nout++;
}

/* An answer for an HTTP client (client.c): now, or one that waited. */
void
http_capture(struct client *cl, const char *buf, size_t len)
{
	struct http_req	*hr = cl->http;

	if (hr == NULL || hr->done)
		return;
	if (hr->dispatching) {
		hr->captured++;
		http_out(hr, buf, len);
		return;
	}
	/* Anything but a deferred answer (a request of ours) is dropped. */
	if (hr->waiting == 0)
		return;
	http_out(hr, buf, len);
	if (--hr->waiting == 0) {
		if (hr->timer != 0)
			ev_timer_del(hr->timer);
		hr->timer = ev_timer_add(0, http_finish, hr);
	}
}

/* The answer's body and status from what was captured. */
static void
http_build(struct http_req *hr)
{
	size_t	len;

	if (hr->unauthorized)
		hr->status = MHD_HTTP_UNAUTHORIZED;
	else if (hr->status == 0)
		hr->status = hr->nout > 0 ? MHD_HTTP_OK : MHD_HTTP_NO_CONTENT;
	if (hr->nout == 0) {
		hr->resp = NULL;
		hr->resplen = 0;
	} else if (hr->batch) {
		len = hr->outlen + 3;
		hr->resp = xmalloc(len);
		hr->resp[0] = '[';
		memcpy(hr->resp + 1, hr->out, hr->outlen);
		hr->resp[hr->outlen + 1] = ']';
		hr->resp[hr->outlen + 2] = '\n';
		hr->resplen = len;
	} else {
		hr->resp = xmalloc(hr->outlen + 1);
		memcpy(hr->resp, hr->out, hr->outlen);
		hr->resp[hr->outlen] = '\n';
		hr->resplen = hr->outlen + 1;
	}
	hr->done = 1;
	if (hr->cl != NULL) {
		hr->cl->http = NULL;
		client_free(hr->cl);
		hr->cl = NULL;
	}
}

/* Hold the connection until the answers are in, or ms at most. */
static void
http_hold(struct http_req *hr, long ms)
{
	MHD_suspend_connection(hr->mc);
	hr->suspended = 1;
	TAILQ_INSERT_TAIL(&http_held, hr, entry);
	hr->timer = ev_timer_add(ms, http_finish, hr);
}

/* Every answer is in (or the wait is over): resume and answer. */
static int
http_finish(void *arg)
{
	struct http_req	*hr = arg;

	hr->timer = 0;
	if (hr->waiting > 0)
		log_warnx("http: %d answers did not come in time",
		    hr->waiting);
	http_build(hr);
	if (hr->suspended) {
		TAILQ_REMOVE(&http_held, hr, entry);
		hr->suspended = 0;
		MHD_resume_connection(hr->mc);
	}
	http_run();
	return (EV_NOMORE);
}

static void
http_completed(void *arg, struct MHD_Connection *mc, void **ctx,
    enum MHD_RequestTerminationCode why)
{
	struct http_req	*hr = *ctx;

	if (hr == NULL)
		return;
	*ctx = NULL;
	if (hr->timer != 0)
		ev_timer_del(hr->timer);
	if (hr->suspended)
		TAILQ_REMOVE(&http_held, hr, entry);
	if (hr->cl != NULL) {
		hr->cl->http = NULL;
		client_free(hr->cl);
	}
	free(hr->body);
	free(hr->out);
	free(hr->resp);
	free(hr);
}
