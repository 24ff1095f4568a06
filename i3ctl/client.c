/*
 * client.c: the connection to i3gw: Unix socket, TCP (+TLS), HTTP POST or
 * a WebSocket (ws://, wss://, framed by ws.c).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "i3ctl.h"

#define CLIENT_UNIX	0
#define CLIENT_TCP	1
#define CLIENT_HTTP	2

#define CLIENT_MAXLINE	(64 * 1024 * 1024)
#define CLIENT_MAXQUEUE	4096

struct client {
	int		 type;
	int		 fd;
	char		*where;		/* for messages */
	SSL_CTX		*ssl_ctx;
	SSL		*ssl;
	CURL		*curl;
	struct curl_slist *headers;
	char		*rbuf;
	size_t		 rlen;
	size_t		 rsize;
	int		 eof;
	json_int_t	 next_id;
	json_t		*queue;		/* notifications not yet taken */
	struct wsc	*ws;		/* --url ws:// or wss:// */
	client_event_fn	 cb;
};

static int	client_deadline_ms(struct ctl *, int64_t);
static int	client_wait(struct ctl *, struct client *, short, int64_t);
static int	client_open_unix(struct ctl *, struct client *, const char *,
		    int64_t);
static int	client_open_tcp(struct ctl *, struct client *, int64_t);
static int	client_tls(struct ctl *, struct client *, const char *,
		    int64_t);
static int	client_write(struct ctl *, struct client *, const char *,
		    size_t, int64_t);
static int	client_write_raw(struct ctl *, struct client *, const char *,
		    size_t, int64_t);
static ssize_t	client_recv(struct client *, char *, size_t, int *);
static int	client_open_ws(struct ctl *, struct client *, int64_t);
static ssize_t	client_read_some(struct client *, int *);
static int	client_read_line(struct ctl *, struct client *, int64_t,
		    json_t **);
static int	client_call_http(struct ctl *, struct client *, json_t *,
		    json_t **);
static int	client_authenticate(struct ctl *);
static char	*client_key(struct ctl *, int *);
static void	client_note(struct ctl *, json_t *);

/* Milliseconds left until deadline (or -1 for none), at least 0. */
static int
client_deadline_ms(struct ctl *ctl, int64_t deadline)
{
	int64_t	left;

	if (deadline == 0)
		return (-1);
	left = deadline - ctl_now();
	if (left < 0)
		left = 0;
	if (left > 1000000000)
		left = 1000000000;
	return ((int)left);
}

/* Wait for events on the connection: 1 ready, 0 timeout, CLIENT_INTR. */
static int
client_wait(struct ctl *ctl, struct client *c, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int		ms, n;

	for (;;) {
		if (ctl_sigint)
			return (CLIENT_INTR);
		ms = client_deadline_ms(ctl, deadline);
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		/* Wake every 200 ms to notice a signal that raced poll(). */
		n = poll(&pfd, 1, ms == -1 || ms > 200 ? 200 : ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (1);
		if (n > 0)
			return (1);
		if (ms != -1 && ms <= 200)
			return (0);
	}
}

static int
client_open_unix(struct ctl *ctl, struct client *c, const char *path,
    int64_t deadline)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd, soerr, rc;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		ctl_warnx("socket path too long: %s", path);
		return (CTL_EGATEWAY);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		ctl_warn("socket");
		return (CTL_EGATEWAY);
	}
	c->fd = fd;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
		return (CTL_OK);
	if (errno != EINPROGRESS && errno != EAGAIN) {
		ctl_warnx("cannot reach the gateway at %s: %s%s", path,
		    strerror(errno), errno == ENOENT || errno == ECONNREFUSED ?
		    " (is i3gw running? see I3_SOCKET, --socket)" : "");
		return (CTL_EGATEWAY);
	}
	rc = client_wait(ctl, c, POLLOUT, deadline);
	if (rc != 1) {
		ctl_warnx("cannot reach the gateway at %s: %s", path,
		    rc == 0 ? "timed out" : "interrupted");
		return (rc == 0 ? CTL_ETIMEOUT : CTL_EGATEWAY);
	}
	len = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
	    soerr != 0) {
		ctl_warnx("cannot reach the gateway at %s: %s", path,
		    strerror(soerr));
		return (CTL_EGATEWAY);
	}
	return (CTL_OK);
}

static int
client_open_tcp(struct ctl *ctl, struct client *c, int64_t deadline)
{
	struct addrinfo	 hints, *res, *ai;
	char		*host, *port;
	socklen_t	 len;
	int		 fd = -1, error, rc, soerr, one = 1;
	const char	*why = "no address";

	host = xstrdup(ctl->connect);
	if ((port = strrchr(host, ':')) == NULL || port[1] == '\0') {
		ctl_warnx("--connect: expected HOST:PORT, not '%s'",
		    ctl->connect);
		free(host);
		return (CTL_EUSAGE);
	}
	*port++ = '\0';
	if (*host == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
		ctl_warnx("cannot reach the gateway at %s: %s", ctl->connect,
		    gai_strerror(error));
		free(host);
		return (CTL_EGATEWAY);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			why = strerror(errno);
			continue;
		}
		c->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			rc = client_wait(ctl, c, POLLOUT, deadline);
			if (rc == 0) {
				freeaddrinfo(res);
				free(host);
				ctl_warnx("cannot reach the gateway at %s: "
				    "connect timed out", ctl->connect);
				return (CTL_ETIMEOUT);
			}
			len = sizeof soerr;
			if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &len) == 0 && soerr == 0)
				break;
			why = rc == 1 ? strerror(soerr) : "interrupted";
		} else
			why = strerror(errno);
		close(fd);
		c->fd = fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		ctl_warnx("cannot reach the gateway at %s: %s", ctl->connect,
		    why);
		free(host);
		return (CTL_EGATEWAY);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	rc = CTL_OK;
	if (ctl->tls)
		rc = client_tls(ctl, c, host, deadline);
	free(host);
	return (rc);
}

/*
 * --url ws://HOST[:PORT][/PATH] or wss://: TCP (TLS for wss, verified as
 * --tls is), the upgrade to a WebSocket (PATH defaults to /ws), then every
 * line is a message.
 */
static int
client_open_ws(struct ctl *ctl, struct client *c, int64_t deadline)
{
	const char	*u = ctl->url, *saved = ctl->connect, *p, *q;
	char		*hostport, *req, *end, key[25], accept[29], *left;
	char		 status[128];
	size_t		 hlen, nleft, len;
	ssize_t		 n;
	int		 secure, saved_tls = ctl->tls, rc, want;

	secure = strncmp(u, "wss://", 6) == 0;
	u += secure ? 6 : 5;
	p = strchr(u, '/');
	hostport = p != NULL ? xstrndup(u, p - u) : xstrdup(u);
	q = strrchr(hostport, ']');
	if (strchr(q != NULL ? q : hostport, ':') == NULL) {
		left = hostport;
		xasprintf(&hostport, "%s:%d", left, secure ? 443 : 80);
		free(left);
	}
	ctl->connect = hostport;
	ctl->tls = secure;
	rc = client_open_tcp(ctl, c, deadline);
	ctl->connect = saved;
	ctl->tls = saved_tls;
	if (rc != CTL_OK) {
		free(hostport);
		return (rc);
	}
	wsc_key(key, accept);
	xasprintf(&req, "GET %s HTTP/1.1\r\nHost: %.*s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", p != NULL && *p != '\0' ? p :
	    "/ws", (int)(p != NULL ? (size_t)(p - u) : strlen(u)), u, key);
	free(hostport);
	rc = client_write_raw(ctl, c, req, strlen(req), deadline);
	free(req);
	if (rc != CTL_OK)
		return (rc);

	/* The answer's head, bounded; what follows it is frames already. */
	for (;;) {
		if (c->rlen > 0 && (end = memmem(c->rbuf, c->rlen,
		    "\r\n\r\n", 4)) != NULL)
			break;
		if (c->rlen > 16384) {
			ctl_warnx("%s: no WebSocket handshake", c->where);
			return (CTL_EGATEWAY);
		}
		n = client_read_some(c, &want);
		if (n > 0) {
			c->rlen += n;
			continue;
		}
		if (n == 0 || n == -2) {
			ctl_warnx("%s: the gateway closed the connection "
			    "during the WebSocket handshake", c->where);
			return (CTL_EGATEWAY);
		}
		rc = client_wait(ctl, c, (short)want, deadline);
		if (rc == 0) {
			ctl_warnx("%s: timed out in the WebSocket handshake",
			    c->where);
			return (CTL_ETIMEOUT);
		}
		if (rc != 1)
			return (rc);
	}
	hlen = end - c->rbuf + 4;
	len = strcspn(c->rbuf, "\r\n");
	snprintf(status, sizeof status, "%.*s", (int)(len < hlen ? len : 0),
	    c->rbuf);
	c->rbuf[hlen - 2] = '\0';
	if (strncmp(status, "HTTP/1.1 101", 12) != 0) {
		ctl_warnx("%s: no WebSocket: %s", c->where, status);
		return (CTL_EGATEWAY);
	}
	if ((left = strcasestr(c->rbuf, "\r\nSec-WebSocket-Accept:")) == NULL ||
	    strncmp(left + 24 + strspn(left + 24, " "), accept, 28) != 0) {
		ctl_warnx("%s: a wrong Sec-WebSocket-Accept", c->where);
		return (CTL_EGATEWAY);
	}
	c->ws = wsc_new(CLIENT_MAXLINE);
	nleft = c->rlen - hlen;
	left = nleft > 0 ? xmalloc(nleft) : NULL;
	if (nleft > 0)
		memcpy(left, c->rbuf + hlen, nleft);
	c->rlen = 0;
	if (nleft > 0) {
		const char	*out;
		size_t		 outlen;

		rc = wsc_feed(c->ws, left, nleft, &c->rbuf, &c->rlen,
		    &c->rsize, &out, &outlen);
		free(left);
		if (rc == -1) {
			ctl_warnx("%s: bad WebSocket frames", c->where);
			return (CTL_EGATEWAY);
		}
		if (outlen > 0 && (rc = client_write_raw(ctl, c, out, outlen,
		    deadline)) != CTL_OK)
			return (rc);
	}
	return (CTL_OK);
}

/* The TLS handshake, verifying the server unless --insecure. */
static int
client_tls(struct ctl *ctl, struct client *c, const char *host,
    int64_t deadline)
{
	unsigned char	 buf[sizeof(struct in6_addr)];
	unsigned long	 e;
	char		 ebuf[256];
	int		 rc, w, isip;

	if ((c->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
	if (!ctl->insecure) {
		SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
		if (ctl->cafile != NULL) {
			if (SSL_CTX_load_verify_locations(c->ssl_ctx,
			    ctl->cafile, NULL) != 1) {
				ctl_warnx("--cafile %s: cannot load it",
				    ctl->cafile);
				return (CTL_EUSAGE);
			}
		} else
			SSL_CTX_set_default_verify_paths(c->ssl_ctx);
	} else
		SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, NULL);
	if ((c->ssl = SSL_new(c->ssl_ctx)) == NULL)
		goto fail;
	isip = inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
	if (!isip)
		SSL_set_tlsext_host_name(c->ssl, host);
	if (!ctl->insecure) {
		if (isip)
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
			    host);
		else
			SSL_set1_host(c->ssl, host);
	}
	SSL_set_fd(c->ssl, c->fd);
	for (;;) {
		ERR_clear_error();
		if ((rc = SSL_connect(c->ssl)) == 1)
			return (CTL_OK);
		switch (SSL_get_error(c->ssl, rc)) {
		case SSL_ERROR_WANT_READ:
			w = client_wait(ctl, c, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			w = client_wait(ctl, c, POLLOUT, deadline);
			break;
		default:
			goto fail;
		}
		if (w == 0) {
			ctl_warnx("%s: TLS handshake timed out", ctl->connect);
			return (CTL_ETIMEOUT);
		}
		if (w != 1)
			return (CTL_EGATEWAY);
	}
fail:
	e = ERR_get_error();
	if (c->ssl != NULL && SSL_get_verify_result(c->ssl) != X509_V_OK)
		ctl_warnx("%s: TLS: certificate verification failed: %s "
		    "(--insecure skips the check)", ctl->connect,
		    X509_verify_cert_error_string(
		    SSL_get_verify_result(c->ssl)));
	else {
		ERR_error_string_n(e, ebuf, sizeof ebuf);
		ctl_warnx("%s: TLS: %s", ctl->connect, e != 0 ? ebuf :
		    "handshake failed");
	}
	return (CTL_EGATEWAY);
}

/* Read the API key: $I3_API_KEY or --key-file; NULL when none. */
static char *
client_key(struct ctl *ctl, int *rc)
{
	const char	*env;
	struct stat	 sb;
	FILE		*f;
	char		 line[1024], *p;

	*rc = CTL_OK;
	if (ctl->key_file != NULL) {
		if ((f = fopen(ctl->key_file, "r")) == NULL) {
			ctl_warn("--key-file %s", ctl->key_file);
			*rc = CTL_EUSAGE;
			return (NULL);
		}
		if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077) != 0)
			ctl_warnx("warning: %s is readable by others (chmod "
			    "600 it)", ctl->key_file);
		if (fgets(line, sizeof line, f) == NULL)
			line[0] = '\0';
		fclose(f);
		line[strcspn(line, "\r\n")] = '\0';
		p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0') {
			ctl_warnx("--key-file %s: no key in it", ctl->key_file);
			*rc = CTL_EUSAGE;
			return (NULL);
		}
		return (xstrdup(p));
	}
	if ((env = getenv("I3_API_KEY")) != NULL && *env != '\0')
		return (xstrdup(env));
	return (NULL);
}

static int
client_authenticate(struct ctl *ctl)
{
	json_t	*result = NULL, *error = NULL;
	char	*key;
	int	 rc;

	key = client_key(ctl, &rc);
	if (key == NULL)
		return (rc);
	if (ctl->client->type == CLIENT_HTTP) {
		/* Every HTTP request carries the key as a bearer token. */
		char *h;

		xasprintf(&h, "Authorization: Bearer %s", key);
		ctl->client->headers = curl_slist_append(ctl->client->headers,
		    h);
		free(h);
		free(key);
		return (CTL_OK);
	}
	rc = client_call(ctl, "authenticate", json_pack("{s:s}", "key", key),
	    &result, &error);
	free(key);
	if (rc != CTL_OK)
		return (rc);
	json_decref(result);
	if (error != NULL) {
		ctl_report_error(ctl, "authenticate", error);
		json_decref(error);
		return (CTL_EGATEWAY);
	}
	return (CTL_OK);
}

/* Connect to the gateway (once); CTL_OK or an exit code (reported). */
int
ctl_connect(struct ctl *ctl)
{
	struct client	*c;
	int64_t		 deadline;
	char		*path;
	int		 rc;

	if (ctl->client != NULL)
		return (CTL_OK);
	c = xcalloc(1, sizeof *c);
	c->fd = -1;
	c->next_id = 1;
	c->queue = json_array();
	deadline = ctl_now() + (int64_t)(CTL_CONNECT_TIMEOUT * 1000);
	if (ctl->deadline != 0 && ctl->deadline < deadline)
		deadline = ctl->deadline;
	if (ctl->url != NULL && (strncmp(ctl->url, "ws://", 5) == 0 ||
	    strncmp(ctl->url, "wss://", 6) == 0)) {
		c->type = CLIENT_TCP;
		c->where = xstrdup(ctl->url);
		ctl->client = c;
		rc = client_open_ws(ctl, c, deadline);
	} else if (ctl->url != NULL) {
		if (strncmp(ctl->url, "http://", 7) != 0 &&
		    strncmp(ctl->url, "https://", 8) != 0) {
			ctl_warnx("--url: expected http://, https://, ws:// "
			    "or wss://, not '%s'", ctl->url);
			free(c);
			return (CTL_EUSAGE);
		}
		c->type = CLIENT_HTTP;
		c->where = xstrdup(ctl->url);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if ((c->curl = curl_easy_init()) == NULL)
			fatalx("curl_easy_init failed");
		c->headers = curl_slist_append(NULL,
		    "Content-Type: application/json");
		rc = CTL_OK;
	} else if (ctl->connect != NULL) {
		c->type = CLIENT_TCP;
		c->where = xstrdup(ctl->connect);
		ctl->client = c;
		rc = client_open_tcp(ctl, c, deadline);
	} else {
		c->type = CLIENT_UNIX;
		path = ctl->socket != NULL ? xstrdup(ctl->socket) :
		    ctl_socket_path();
		c->where = path;
		ctl->client = c;
		rc = client_open_unix(ctl, c, path, deadline);
	}
	ctl->client = c;
	if (rc == CTL_OK)
		rc = client_authenticate(ctl);
	if (rc != CTL_OK)
		ctl_disconnect(ctl);
	return (rc);
}

void
ctl_disconnect(struct ctl *ctl)
{
	struct client	*c = ctl->client;

	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ssl_ctx != NULL)
		SSL_CTX_free(c->ssl_ctx);
	if (c->fd != -1)
		close(c->fd);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	wsc_free(c->ws);
	curl_slist_free_all(c->headers);
	json_decref(c->queue);
	free(c->rbuf);
	free(c->where);
	free(c);
	ctl->client = NULL;
}

int
client_fd(struct client *c)
{
	return (c->fd);
}

/* Whether notifications can arrive (not over HTTP). */
/* The id of the last request sent. */
json_int_t
client_last_id(struct client *c)
{
	return (c->next_id - 1);
}

int
client_streams(struct client *c)
{
	return (c->type != CLIENT_HTTP);
}

void
client_set_event_cb(struct client *c, client_event_fn cb)
{
	c->cb = cb;
}

/* One line to the gateway: as it is, or one WebSocket message. */
static int
client_write(struct ctl *ctl, struct client *c, const char *buf, size_t len,
    int64_t deadline)
{
	const char	*out;
	size_t		 outlen;

	if (c->ws == NULL)
		return (client_write_raw(ctl, c, buf, len, deadline));
	if (wsc_send(c->ws, buf, len, &out, &outlen) == -1) {
		ctl_warnx("%s: the WebSocket is closed", c->where);
		return (CTL_EGATEWAY);
	}
	return (client_write_raw(ctl, c, out, outlen, deadline));
}

static int
client_write_raw(struct ctl *ctl, struct client *c, const char *buf,
    size_t len, int64_t deadline)
{
	ssize_t	n;
	int	rc, err;

	while (len > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_write(c->ssl, buf, len > 65536 ? 65536 :
			    (int)len);
			if (n <= 0) {
				err = SSL_get_error(c->ssl, (int)n);
				if (err == SSL_ERROR_WANT_READ)
					rc = client_wait(ctl, c, POLLIN,
					    deadline);
				else if (err == SSL_ERROR_WANT_WRITE)
					rc = client_wait(ctl, c, POLLOUT,
					    deadline);
				else {
					ctl_warnx("%s: TLS write failed",
					    c->where);
					return (CTL_EGATEWAY);
				}
				goto waited;
			}
		} else {
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN) {
					ctl_warnx("%s: write: %s", c->where,
					    strerror(errno));
					return (CTL_EGATEWAY);
				}
				rc = client_wait(ctl, c, POLLOUT, deadline);
				goto waited;
			}
		}
		buf += n;
		len -= n;
		continue;
waited:
		if (rc == 0) {
			ctl_warnx("%s: timed out writing to the gateway",
			    c->where);
			return (CTL_ETIMEOUT);
		}
		if (rc != 1)
			return (CTL_EGATEWAY);
	}
	return (CTL_OK);
}

/*
 * Read what is there into the line buffer: > 0 bytes, 0 EOF, -1 would block
 * (*want), -2 error.  Over a WebSocket the bytes are frames, and what
 * reaches the buffer is their text messages, a line each.
 */
static ssize_t
client_read_some(struct client *c, int *want)
{
	char		 frames[65536];
	const char	*out;
	size_t		 outlen, len;
	ssize_t		 n;
	int		 rc;

	if (c->rsize - c->rlen < 65536) {
		c->rsize = c->rsize == 0 ? 131072 : c->rsize * 2;
		c->rbuf = xrealloc(c->rbuf, c->rsize);
	}
	if (c->ws == NULL)
		return (client_recv(c, c->rbuf + c->rlen, c->rsize - c->rlen - 1,
		    want));
	if ((n = client_recv(c, frames, sizeof frames, want)) <= 0)
		return (n);
	len = c->rlen;
	rc = wsc_feed(c->ws, frames, (size_t)n, &c->rbuf, &len, &c->rsize,
	    &out, &outlen);
	/* Pongs and the close reply go out at once, best effort. */
	if (outlen > 0 && client_write_raw(NULL, c, out, outlen,
	    ctl_now() + 1000) != CTL_OK)
		return (-2);
	if (rc == -1)
		return (-2);
	n = (ssize_t)(len - c->rlen);
	if (n > 0)
		return (n);
	if (rc == 1)
		return (0);
	*want = POLLIN;
	return (-1);
}

/* read(2) or SSL_read, as client_read_some() answers. */
static ssize_t
client_recv(struct client *c, char *buf, size_t size, int *want)
{
	ssize_t	n;
	int	err;

	*want = POLLIN;
	if (c->ssl != NULL) {
		ERR_clear_error();
		n = SSL_read(c->ssl, buf, (int)size);
		if (n > 0)
			return (n);
		err = SSL_get_error(c->ssl, (int)n);
		if (err == SSL_ERROR_WANT_READ)
			return (-1);
		if (err == SSL_ERROR_WANT_WRITE) {
			*want = POLLOUT;
			return (-1);
		}
		if (err == SSL_ERROR_ZERO_RETURN)
			return (0);
		if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			return (0);
		return (-2);
	}
	for (;;) {
		n = read(c->fd, buf, size);
		if (n >= 0)
			return (n);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return (-1);
		return (-2);
	}
}

/*
 * The next line from the gateway, parsed: CTL_OK, CTL_ETIMEOUT (nothing
 * reported), CTL_EGATEWAY (reported) or CLIENT_INTR.  A deadline of -1
 * means: only what is already buffered or readable now.
 */
static int
client_read_line(struct ctl *ctl, struct client *c, int64_t deadline,
    json_t **out)
{
	json_error_t	 jerr;
	char		*nl;
	size_t		 len;
	ssize_t		 n;
	int		 want, rc;

	for (;;) {
		if (c->rlen > 0 && (nl = memchr(c->rbuf, '\n', c->rlen)) !=
		    NULL) {
			len = nl - c->rbuf;
			*out = json_loadb(c->rbuf, len, 0, &jerr);
			if (*out == NULL || !json_is_object(*out)) {
				ctl_warnx("%s: garbage from the gateway: "
				    "%.*s%s", c->where, len > 80 ? 80 :
				    (int)len, c->rbuf, len > 80 ? "..." : "");
				json_decref(*out);
				*out = NULL;
				return (CTL_EGATEWAY);
			}
			memmove(c->rbuf, nl + 1, c->rlen - len - 1);
			c->rlen -= len + 1;
			return (CTL_OK);
		}
		if (c->eof) {
			if (c->rlen != 0)
				ctl_warnx("%s: the gateway closed the "
				    "connection mid-line", c->where);
			else
				ctl_warnx("%s: the gateway closed the "
				    "connection", c->where);
			return (CTL_EGATEWAY);
		}
		if (c->rlen > CLIENT_MAXLINE) {
			ctl_warnx("%s: line from the gateway too long",
			    c->where);
			return (CTL_EGATEWAY);
		}
		n = client_read_some(c, &want);
		if (n > 0) {
			c->rlen += n;
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			continue;
		}
		if (n == -2) {
			ctl_warnx("%s: read: %s", c->where, c->ssl != NULL ?
			    "TLS error" : strerror(errno));
			return (CTL_EGATEWAY);
		}
		if (deadline == -1)
			return (CTL_ETIMEOUT);
		rc = client_wait(ctl, c, (short)want, deadline);
		if (rc == 0)
			return (CTL_ETIMEOUT);
		if (rc != 1)
			return (rc);
	}
}

/* A notification: to the callback, else to the queue. */
static void
client_note(struct ctl *ctl, json_t *msg)
{
	struct client	*c = ctl->client;

	if (c->cb != NULL) {
		c->cb(ctl, msg);
		json_decref(msg);
		return;
	}
	if (json_array_size(c->queue) >= CLIENT_MAXQUEUE)
		json_array_remove(c->queue, 0);
	json_array_append_new(c->queue, msg);
}

static size_t
client_curl_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct client	*c = arg;
	size_t		 n = size * nmemb;

	if (c->rlen + n + 1 > CLIENT_MAXLINE)
		return (0);
	if (c->rlen + n + 1 > c->rsize) {
		c->rsize = c->rlen + n + 65536;
		c->rbuf = xrealloc(c->rbuf, c->rsize);
	}
	memcpy(c->rbuf + c->rlen, ptr, n);
	c->rlen += n;
	return (n);
}

/* One request over HTTP POST; *resp is the response object. */
static int
client_call_http(struct ctl *ctl, struct client *c, json_t *req,
    json_t **resp)
{
	json_error_t	 jerr;
	CURLcode	 cc;
	long		 status = 0;
	char		*body;
	int		 ms;

	body = json_dumps(req, JSON_COMPACT);
	c->rlen = 0;
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, c->where);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, client_curl_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(CTL_CONNECT_TIMEOUT * 1000));
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if ((ms = client_deadline_ms(ctl, ctl->deadline)) != -1)
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
		    (long)(ms > 0 ? ms : 1));
	if (ctl->insecure) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (ctl->cafile != NULL)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, ctl->cafile);
	cc = curl_easy_perform(c->curl);
	free(body);
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		ctl_warnx("%s: timed out", c->where);
		return (CTL_ETIMEOUT);
	}
	if (cc != CURLE_OK) {
		ctl_warnx("cannot reach the gateway at %s: %s", c->where,
		    curl_easy_strerror(cc));
		return (CTL_EGATEWAY);
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	*resp = json_loadb(c->rbuf != NULL ? c->rbuf : "", c->rlen, 0, &jerr);
	if (*resp == NULL || !json_is_object(*resp)) {
		json_decref(*resp);
		*resp = NULL;
		ctl_warnx("%s: HTTP %ld without a JSON-RPC answer", c->where,
		    status);
		return (CTL_EGATEWAY);
	}
	return (CTL_OK);
}

/*
 * Call a method; params is stolen (NULL: none).  CTL_OK with *result or
 * *error set (the response's error object), or an exit code (reported).
 */
int
client_call(struct ctl *ctl, const char *method, json_t *params,
    json_t **result, json_t **error)
{
	struct client	*c;
	json_t		*req, *msg = NULL, *id;
	json_int_t	 myid;
	char		*line;
	int		 rc;

	*result = *error = NULL;
	if ((rc = ctl_connect(ctl)) != CTL_OK) {
		json_decref(params);
		return (rc);
	}
	c = ctl->client;
	myid = c->next_id++;
	req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", myid,
	    "method", method);
	if (params != NULL)
		json_object_set_new(req, "params", params);
	if (ctl->verbose)
		ctl_debug("-> %s", method);
	if (c->type == CLIENT_HTTP) {
		rc = client_call_http(ctl, c, req, &msg);
		json_decref(req);
		if (rc != CTL_OK)
			return (rc);
		goto answer;
	}
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	line = xrealloc(line, strlen(line) + 2);
	strcat(line, "\n");
	rc = client_write(ctl, c, line, strlen(line), ctl->deadline);
	free(line);
	if (rc != CTL_OK)
		return (rc);
	for (;;) {
		rc = client_read_line(ctl, c, ctl->deadline, &msg);
		if (rc == CTL_ETIMEOUT) {
			ctl_warnx("%s: no answer from the gateway in time "
			    "(--timeout)", method);
			return (rc);
		}
		if (rc == CLIENT_INTR) {
			ctl_warnx("%s: interrupted", method);
			return (CTL_EGATEWAY);
		}
		if (rc != CTL_OK)
			return (rc);
		id = json_object_get(msg, "id");
		if (json_object_get(msg, "method") != NULL && (id == NULL ||
		    json_is_null(id))) {
			client_note(ctl, msg);
			continue;
		}
		if (json_is_integer(id) && json_integer_value(id) == myid)
			break;
		if (json_is_null(id) && json_object_get(msg, "error") != NULL)
			break;	/* the gateway could not read our request */
		json_decref(msg);
	}
answer:
	if (ctl->verbose)
		ctl_debug("<- %s: %s", method,
		    json_object_get(msg, "error") != NULL ? "error" : "result");
	if ((*error = json_object_get(msg, "error")) != NULL) {
		json_incref(*error);
		if (!json_is_object(*error)) {
			json_decref(*error);
			*error = json_pack("{s:i, s:s}", "code",
			    I3_RPC_INTERNAL,
			    "message", "malformed error from the gateway");
		}
	} else if ((*result = json_object_get(msg, "result")) != NULL)
		json_incref(*result);
	else {
		ctl_warnx("%s: the gateway answered with neither a result "
		    "nor an error", method);
		json_decref(msg);
		return (CTL_EGATEWAY);
	}
	json_decref(msg);
	return (CTL_OK);
}

/*
 * The next notification, waiting until deadline (0: forever).  CTL_OK,
 * CTL_ETIMEOUT (not reported), CTL_EGATEWAY (reported) or CLIENT_INTR.
 */
int
client_next_event(struct ctl *ctl, int64_t deadline, json_t **note)
{
	struct client	*c = ctl->client;
	json_t		*msg;
	int		 rc;

	for (;;) {
		if (json_array_size(c->queue) > 0) {
			*note = json_incref(json_array_get(c->queue, 0));
			json_array_remove(c->queue, 0);
			return (CTL_OK);
		}
		rc = client_read_line(ctl, c, deadline, &msg);
		if (rc != CTL_OK)
			return (rc);
		if (json_object_get(msg, "method") != NULL) {
			*note = msg;
			return (CTL_OK);
		}
		json_decref(msg);	/* a stray response */
	}
}

/* Deliver every notification already readable to the callback. */
int
client_poll_events(struct ctl *ctl)
{
	struct client	*c = ctl->client;
	json_t		*msg;
	int		 rc;

	if (c == NULL || c->cb == NULL)
		return (CTL_OK);
	while (json_array_size(c->queue) > 0) {
		msg = json_incref(json_array_get(c->queue, 0));
		json_array_remove(c->queue, 0);
		client_note(ctl, msg);
	}
	for (;;) {
		rc = client_read_line(ctl, c, -1, &msg);
		if (rc == CTL_ETIMEOUT)
			return (CTL_OK);
		if (rc != CTL_OK)
			return (rc);
		if (json_object_get(msg, "method") != NULL)
			client_note(ctl, msg);
		else
			json_decref(msg);
	}
}
