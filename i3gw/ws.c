/*
 * ws.c: WebSocket (RFC 6455) clients on the HTTP listener: the upgrade
 * through libmicrohttpd, frames through libwslay, one JSON-RPC message per
 * text frame, idle pings, and the same bounded output as other clients.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "i3gw.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_SWEEP_MAX	1000	/* ms: the longest between two sweeps */
#define WS_CLOSE_WAIT	2000	/* ms: a close sent, waiting for the peer's */

struct ws {
	struct client			*cl;
	wslay_event_context_ptr		 ctx;
	struct MHD_UpgradeResponseHandle *urh;
	const unsigned char		*in;	/* bytes being fed to wslay */
	size_t				 inlen;
	uint64_t			 last_rx;	/* ev_now() */
	uint64_t			 ping_sent;	/* 0: none outstanding */
	uint64_t			 close_sent;
	int				 done;
	int				 python;	/* came with X-API-Key */
	TAILQ_ENTRY(ws)			 entry;
};
TAILQ_HEAD(wss, ws);

static struct wss	 ws_all = TAILQ_HEAD_INITIALIZER(ws_all);
static size_t		 ws_n;
static uint64_t		 ws_sweep_timer;

uint64_t		 ws_accepted;
uint64_t		 ws_refused;

static ssize_t	ws_recv_cb(wslay_event_context_ptr, uint8_t *, size_t, int,
		    void *);
static ssize_t	ws_send_cb(wslay_event_context_ptr, const uint8_t *, size_t,
		    int, void *);
static void	ws_msg_cb(wslay_event_context_ptr,
		    const struct wslay_event_on_msg_recv_arg *, void *);
static void	ws_read(struct conn *, const char *, size_t, int);
static void	ws_pump(struct ws *);
static void	ws_drop(struct ws *);
static int	ws_sweep(void *);
static void	ws_upgraded(void *, struct MHD_Connection *, void *,
		    const char *, size_t, MHD_socket,
		    struct MHD_UpgradeResponseHandle *);
static int	ws_token(const char *, const char *);
static enum MHD_Result ws_refuse(struct MHD_Connection *, unsigned int,
		    const char *);

/*
 * A server's frames are not masked, so a text frame's bytes are the same
 * for every peer: the last one made (header and payload, by wslay's frame
 * layer) is kept for the next peer sent the same text.
 */
static wslay_frame_context_ptr	 ws_fctx;
static unsigned char		*ws_frame;
static size_t			 ws_framelen, ws_framesize, ws_framepay;

static ssize_t	ws_frame_cb(const uint8_t *, size_t, int, void *);
static const unsigned char *ws_text_frame(const char *, size_t, size_t *);
static void	ws_send_text(struct ws *, const char *, size_t);
static void	ws_python_twin(struct ws *, const char *, size_t);

static const struct wslay_frame_callbacks ws_frame_callbacks = {
	ws_frame_cb,
	NULL,
	NULL,
};

static const struct wslay_event_callbacks ws_callbacks = {
	ws_recv_cb,
	ws_send_cb,
	NULL,		/* genmask: a server sends unmasked */
	NULL,
	NULL,
	NULL,
	ws_msg_cb,
};

/* Is tok one of the comma-separated tokens of the header value? */
static int
ws_token(const char *value, const char *tok)
{
	const char	*p, *q;
	size_t		 n = strlen(tok);

	if (value == NULL)
		return (0);
	for (p = value; *p != '\0'; p = q) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		q = p;
		while (*q != '\0' && *q != ',')
			q++;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if ((size_t)(q - p) == n && strncasecmp(p, tok, n) == 0)
			return (1);
		while (*q != '\0' && *q != ',')
			q++;
	}
	return (0);
}

static enum MHD_Result
ws_refuse(struct MHD_Connection *mc, unsigned int status, const char *why)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	char			*body;

	ws_refused++;
	xasprintf(&body, "{\"error\":\"%s\"}\n", why);
	r = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return (MHD_NO);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (status == MHD_HTTP_UPGRADE_REQUIRED)
		MHD_add_response_header(r, "Sec-WebSocket-Version", "13");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer");
	ret = MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return (ret);
}

/* Does this request ask for a WebSocket (an Upgrade header)? */
int
ws_wanted(struct MHD_Connection *mc)
{
	return (MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_UPGRADE) != NULL);
}

/*
 * GET /ws (or / with Upgrade): check the handshake and the key, answer 101
 * and hand the socket to ws_upgraded(), or refuse with a status.
 */
int
ws_handshake(struct MHD_Connection *mc, const char *method,
    const char *version)
{
	const union MHD_ConnectionInfo	*ci;
	struct MHD_Response		*r;
	struct api_key			*k = NULL;
	const char			*up, *conn, *ver, *key, *h;
	unsigned char			 raw[32], md[SHA_DIGEST_LENGTH];
	char				 buf[128], accept[64];
	enum MHD_Result			 ret;
	int				 n;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return (ws_refuse(mc, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "a WebSocket starts with GET"));
	up = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_UPGRADE);
	conn = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONNECTION);
	ver = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    "Sec-WebSocket-Version");
	key = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    "Sec-WebSocket-Key");
	if (strcmp(version, MHD_HTTP_VERSION_1_1) != 0 ||
	    !ws_token(up, "websocket") || !ws_token(conn, "upgrade"))
		return (ws_refuse(mc, MHD_HTTP_BAD_REQUEST, "not a WebSocket "
		    "handshake (HTTP/1.1, Upgrade: websocket, Connection: "
		    "Upgrade)"));
	if (ver == NULL || strcmp(ver, "13") != 0)
		return (ws_refuse(mc, MHD_HTTP_UPGRADE_REQUIRED,
		    "Sec-WebSocket-Version 13 only"));
	/* The key: base64 of 16 bytes. */
	if (key == NULL || strlen(key) != 24 ||
	    EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18)
		return (ws_refuse(mc, MHD_HTTP_BAD_REQUEST,
		    "bad Sec-WebSocket-Key"));
	if ((long)client_count() >= api->max_clients &&
	    (long)client_count() - (long)session_detached() >=
	    api->max_clients)
		return (ws_refuse(mc, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many clients"));

	/* A key on the upgrade: X-API-Key (as the Python gateway) or Bearer. */
	h = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-API-Key");
	if (h == NULL) {
		h = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_AUTHORIZATION);
		if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
			for (h += 7; *h == ' '; h++)
				;
		else
			h = NULL;
	}
	if (h != NULL) {
		ci = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (auth_key_find(h, ci != NULL ? ci->client_addr : NULL,
		    &k) != 0) {
			auth_failures++;
			log_warnx("websocket: bad key on the upgrade");
			return (ws_refuse(mc, MHD_HTTP_UNAUTHORIZED,
			    "authentication failed"));
		}
		auth_successes++;
	}

	n = snprintf(buf, sizeof buf, "%s%s", key, WS_GUID);
	SHA1((unsigned char *)buf, n, md);
	EVP_EncodeBlock((unsigned char *)accept, md, sizeof md);

	r = MHD_create_response_for_upgrade(ws_upgraded, k);
	if (r == NULL)
		return (MHD_NO);
	MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
	ret = MHD_queue_response(mc, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	return (ret);
}

/* The 101 went out: the socket is ours (a copy of it: MHD closes its own). */
static void
ws_upgraded(void *arg, struct MHD_Connection *mc, void *ctx,
    const char *extra, size_t extralen, MHD_socket sock,
    struct MHD_UpgradeResponseHandle *urh)
{
	const union MHD_ConnectionInfo	*ci;
	struct client			*cl;
	struct ws			*ws;
	int				 fd, on = 1;

	if ((fd = fcntl(sock, F_DUPFD_CLOEXEC, 3)) == -1) {
		log_warn("websocket: dup");
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	cl = ws_attach(fd, urh, arg, ci != NULL ? ci->client_addr : NULL);
	/* The Python gateway's clients send its header: its event names too. */
	if (MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-API-Key") !=
	    NULL) {
		ws = cl->ws;
		ws->python = 1;
	}
	/* Frames that came with the handshake. */
	if (extralen > 0)
		ws_input(cl, extra, extralen);
}

/*
 * A WebSocket client on fd (ours to close), after the handshake: urh is
 * MHD's handle to give back (NULL: none), k the key of the upgrade.
 */
struct client *
ws_attach(int fd, struct MHD_UpgradeResponseHandle *urh, struct api_key *k,
    const struct sockaddr *sa)
{
	struct client	*cl;
	struct ws	*ws;
	socklen_t	 salen;

	cl = client_new(fd, fd, CLIENT_WS);
	cl->conn->mode = CONN_RAW;
	cl->conn->dispatch = ws_read;
	if (sa != NULL && (sa->sa_family == AF_INET ||
	    sa->sa_family == AF_INET6)) {
		salen = sa->sa_family == AF_INET6 ?
		    sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);
		memcpy(&cl->sa, sa, salen);
		getnameinfo(sa, salen, cl->addr, sizeof cl->addr, NULL, 0,
		    NI_NUMERICHOST);
	}
	if (k != NULL) {
		cl->key = k;
		cl->perms = k->perms;
	}
	ws = xcalloc(1, sizeof *ws);
	ws->cl = cl;
	ws->urh = urh;
	ws->last_rx = ev_now();
	cl->ws = ws;
	if (wslay_event_context_server_init(&ws->ctx, &ws_callbacks,
	    ws) != 0)
		fatalx("wslay_event_context_server_init");
	wslay_event_config_set_max_recv_msg_length(ws->ctx,
	    (size_t)api->ws_max_message);
	TAILQ_INSERT_TAIL(&ws_all, ws, entry);
	ws_n++;
	ws_accepted++;
	listen_accepted++;
	if (ws_sweep_timer == 0)
		ws_sweep_timer = ev_timer_add(WS_SWEEP_MAX, ws_sweep, NULL);
	log_debug("client %d: websocket from %s%s", cl->id, cl->addr,
	    k != NULL ? " (key on the upgrade)" : "");
	session_new(cl);
	return (cl);
}

/* Bytes from the peer, as if read from its socket. */
void
ws_input(struct client *cl, const char *buf, size_t len)
{
	if (cl->ws != NULL && len > 0)
		ws_read(cl->conn, buf, len, 0);
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct ws	*ws = arg;

	if (ws->inlen == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (len > ws->inlen)
		len = ws->inlen;
	memcpy(buf, ws->in, len);
	ws->in += len;
	ws->inlen -= len;
	return ((ssize_t)len);
}

/* Frames go to the connection's bounded buffer (conn.c pauses, drops). */
static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws	*ws = arg;

	if (ws->done || conn_write(ws->cl->conn, data, len) == -1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return ((ssize_t)len);
}

/* A whole message: text is one JSON-RPC message; binary is refused. */
static void
ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *m, void *arg)
{
	struct ws	*ws = arg;
	json_t		*utf8;
	static const char binary[] = "binary frames are not accepted: send "
	    "JSON-RPC as text";
	static const char badtext[] = "text is not valid UTF-8";

	ws->ping_sent = 0;
	if (ws->done || wslay_event_get_close_sent(ctx))
		return;
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
		/* jansson makes no string of text that is not UTF-8. */
		utf8 = json_stringn((const char *)m->msg, m->msg_length);
		if (utf8 == NULL) {
			wslay_event_queue_close(ctx,
			    WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
			    (const uint8_t *)badtext, sizeof badtext - 1);
			ws->close_sent = ev_now();
			return;
		}
		json_decref(utf8);
		if (m->msg_length == 0)
			return;
		rpc_line(ws->cl, (const char *)m->msg, m->msg_length, 0);
		break;
	case WSLAY_BINARY_FRAME:
		log_info("client %d: binary frame: closing", ws->cl->id);
		wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA,
		    (const uint8_t *)binary, sizeof binary - 1);
		ws->close_sent = ev_now();
		break;
	default:
		/* Ping (answered by wslay), pong, close: nothing more here. */
		break;
	}
}

/* Bytes from the peer (NULL: gone). */
static void
ws_read(struct conn *c, const char *buf, size_t len, int flags)
{
	struct client	*cl = c->arg;
	struct ws	*ws = cl->ws;

	if (buf == NULL || ws == NULL) {
		if (ws != NULL)
			ws->done = 1;
		if (session_client_gone(cl))
			return;
		client_free(cl);
		return;
	}
	ws->last_rx = ev_now();
	ws->ping_sent = 0;
	ws->in = (const unsigned char *)buf;
	ws->inlen = len;
	if (wslay_event_recv(ws->ctx) != 0) {
		ws->inlen = 0;
		log_info("client %d: websocket read failed", cl->id);
		ws_drop(ws);
		return;
	}
	ws->inlen = 0;
	/* The client may be gone (a shutdown method): cl->ws tells. */
	if (cl->ws == ws)
		ws_pump(ws);
}

/*
 * Write what wslay has queued (a frame's header and payload held to go out
 * in one write); drop the peer once both sides closed.
 */
static void
ws_pump(struct ws *ws)
{
	int	r;

	if (ws->done)
		return;
	conn_hold(ws->cl->conn, 1);
	r = wslay_event_send(ws->ctx);
	conn_hold(ws->cl->conn, 0);
	if (r != 0) {
		ws_drop(ws);
		return;
	}
	if (wslay_event_get_close_sent(ws->ctx) && ws->close_sent == 0)
		ws->close_sent = ev_now();
	if (!wslay_event_want_read(ws->ctx) &&
	    !wslay_event_want_write(ws->ctx)) {
		log_debug("client %d: websocket closed (%u)", ws->cl->id,
		    (unsigned)wslay_event_get_status_code_received(ws->ctx));
		ws_drop(ws);
	}
}

/* The peer is gone or done: the client goes (a session may stay). */
static void
ws_drop(struct ws *ws)
{
	struct client	*cl = ws->cl;

	if (ws->done)
		return;
	ws->done = 1;
	conn_flush(cl->conn, 100);
	if (session_client_gone(cl))
		return;
	client_free(cl);
}

/* The frame layer writes into ws_frame. */
static ssize_t
ws_frame_cb(const uint8_t *data, size_t len, int flags, void *arg)
{
	if (ws_framelen + len > ws_framesize) {
		ws_framesize = ws_framelen + len + 256;
		ws_frame = xrealloc(ws_frame, ws_framesize);
	}
	memcpy(ws_frame + ws_framelen, data, len);
	ws_framelen += len;
	return ((ssize_t)len);
}

/* One unmasked text frame of buf (the last one again if the same text). */
static const unsigned char *
ws_text_frame(const char *buf, size_t len, size_t *framelen)
{
	struct wslay_frame_iocb	io;

	if (ws_framelen > 0 && ws_framepay == len &&
	    memcmp(ws_frame + ws_framelen - len, buf, len) == 0) {
		*framelen = ws_framelen;
		return (ws_frame);
	}
	if (ws_fctx == NULL && wslay_frame_context_init(&ws_fctx,
	    &ws_frame_callbacks, NULL) != 0)
		fatalx("wslay_frame_context_init");
	memset(&io, 0, sizeof io);
	io.fin = 1;
	io.opcode = WSLAY_TEXT_FRAME;
	io.payload_length = len;
	io.data = (const uint8_t *)buf;
	io.data_length = len;
	ws_framelen = 0;
	if (wslay_frame_send(ws_fctx, &io) != (ssize_t)len ||
	    ws_framelen <= len) {
		/* Not whole: a fresh frame context, wslay's queue instead. */
		wslay_frame_context_free(ws_fctx);
		ws_fctx = NULL;
		ws_framelen = 0;
		return (NULL);
	}
	ws_framepay = len;
	*framelen = ws_framelen;
	return (ws_frame);
}

/*
 * One line for a WebSocket client: one text frame, without the newline;
 * to a client of the Python gateway's kind, that gateway's name of the
 * event after ours where the two differ (its field names are in the line
 * already: events.c's EVOUT_PY profiles).
 */
void
ws_send(struct client *cl, const char *buf, size_t len)
{
	struct ws	*ws = cl->ws;

	if (ws == NULL || ws->done || wslay_event_get_close_sent(ws->ctx))
		return;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	ws_send_text(ws, buf, len);
	if (ws->python && cl->ws == ws)
		ws_python_twin(ws, buf, len);
}

/*
 * With nothing in wslay's queue the frame (made once for every peer sent
 * the same text) goes straight to the connection; else it queues behind.
 */
static void
ws_send_text(struct ws *ws, const char *buf, size_t len)
{
	struct wslay_event_msg	 m;
	const unsigned char	*f;
	size_t			 flen;

	if (wslay_event_get_queued_msg_count(ws->ctx) == 0 &&
	    (f = ws_text_frame(buf, len, &flen)) != NULL) {
		/* A connection over its limit is dropped (conn.c). */
		(void)conn_write(ws->cl->conn, f, flen);
		return;
	}
	m.opcode = WSLAY_TEXT_FRAME;
	m.msg = (const uint8_t *)buf;
	m.msg_length = len;
	if (wslay_event_queue_msg(ws->ctx, &m) != 0)
		return;
	ws_pump(ws);
}

/*
 * The Python gateway names two events otherwise (docs/API.md, the
 * compatibility table): its clients hear error_occurred after our
 * error_received and gateway_reconnected after our router_connected, with
 * that gateway's fields.  Its other event names are ours.
 */
static void
ws_python_twin(struct ws *ws, const char *buf, size_t len)
{
	json_t		*n, *p, *t = NULL;
	const char	*method;
	char		*s, *ts;
	size_t		 head = len < 64 ? len : 64;

	if (memmem(buf, head, "\"error_received\"", 16) == NULL &&
	    memmem(buf, head, "\"router_connected\"", 18) == NULL)
		return;
	if ((n = json_loadb(buf, len, 0, NULL)) == NULL)
		return;
	method = json_string_value(json_object_get(n, "method"));
	p = json_object_get(n, "params");
	/* That gateway stamps every event. */
	if (json_string_value(json_object_get(p, "timestamp")) != NULL)
		ts = xstrdup(json_string_value(json_object_get(p,
		    "timestamp")));
	else
		ts = rpc_timestamp();
	if (method != NULL && strcmp(method, "error_received") == 0)
		t = json_pack("{s:s, s:s, s:{s:O*, s:O*, s:O*, s:O*, s:O*, "
		    "s:s, s:s}}", "jsonrpc", "2.0", "method", "error_occurred",
		    "params",
		    "error_code", json_object_get(p, "error_code"),
		    "error_message", json_object_get(p, "error_message"),
		    "from_mud", json_object_get(p, "originator_mud"),
		    "to_mud", json_object_get(p, "target_mud"),
		    "to_user", json_object_get(p, "target_user"),
		    "context", "i3_packet_error",
		    "timestamp", ts);
	else if (method != NULL && strcmp(method, "router_connected") == 0)
		t = json_pack("{s:s, s:s, s:{s:s, s:s, s:O*, s:s}}",
		    "jsonrpc", "2.0", "method", "gateway_reconnected", "params",
		    "message", "Gateway reconnected to I3 router",
		    "status", "connected",
		    "router", json_object_get(p, "router"),
		    "timestamp", ts);
	json_decref(n);
	free(ts);
	if (t == NULL)
		return;
	if ((s = json_dumps(t, JSON_COMPACT)) != NULL)
		ws_send_text(ws, s, strlen(s));
	free(s);
	json_decref(t);
}

/*
 * The Python gateway's field names, beside ours, in the events its
 * clients' handlers read (docs/API.md, the compatibility table): a tell's
 * or emote's from_mud, from_user, to_mud, to_user and visname, a channel
 * message's from_mud and from_user, a MUD's mud_name and status ("online"
 * or "offline").  Made once per event (events.c, the EVOUT_PY profiles).
 * params stolen; the params to send.
 */
json_t *
ws_python_params(const char *method, json_t *params)
{
	static const char *tell[] = { "originator_mud", "from_mud",
	    "originator_user", "from_user", "target_mud", "to_mud",
	    "target_user", "to_user", "orig_visname", "visname", NULL };
	static const char *chan[] = { "originator_mud", "from_mud",
	    "originator_user", "from_user", NULL };
	static const char *mud[] = { "mud", "mud_name", NULL };
	static const struct {
		const char	 *method;
		const char	**names;	/* ours, theirs, ... */
	} map[] = {
		{ "tell_received", tell },
		{ "emoteto_received", tell },
		{ "channel_message", chan },
		{ "channel_emote", chan },
		{ "mud_online", mud },
		{ "mud_offline", mud },
	};
	const char	**f;
	json_t		*p, *v;
	size_t		  i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(method, map[i].method) == 0)
			break;
	}
	if (i == sizeof map / sizeof map[0] || !json_is_object(params))
		return (params);
	p = json_copy(params);
	json_decref(params);
	for (f = map[i].names; f[0] != NULL; f += 2) {
		v = json_object_get(p, f[0]);
		json_object_set(p, f[1], v != NULL ? v : json_null());
	}
	if (map[i].names == mud)
		json_object_set_new(p, "status", json_string(strcmp(method,
		    "mud_online") == 0 ? "online" : "offline"));
	return (p);
}

/* A client of the Python gateway's kind (it came with X-API-Key)? */
int
ws_python(const struct client *cl)
{
	const struct ws	*ws = cl->ws;

	return (ws != NULL && ws->python);
}

/* The client is freed (client.c): the socket goes back to MHD to close. */
void
ws_detach(struct client *cl)
{
	struct ws	*ws = cl->ws;

	if (ws == NULL)
		return;
	cl->ws = NULL;
	ws->done = 1;
	TAILQ_REMOVE(&ws_all, ws, entry);
	ws_n--;
	wslay_event_context_free(ws->ctx);
	if (ws->urh != NULL) {
		MHD_upgrade_action(ws->urh, MHD_UPGRADE_ACTION_CLOSE);
		http_kick();
	}
	free(ws);
}

/* Ping the idle, drop those that stopped answering or never closed. */
static int
ws_sweep(void *arg)
{
	struct ws		*ws, *next;
	struct wslay_event_msg	 m;
	uint64_t		 now = ev_now();
	long			 every;

	for (ws = TAILQ_FIRST(&ws_all); ws != NULL; ws = next) {
		next = TAILQ_NEXT(ws, entry);
		if (ws->done)
			continue;
		if (ws->close_sent != 0 && now - ws->close_sent >=
		    WS_CLOSE_WAIT) {
			log_info("client %d: no close from the peer",
			    ws->cl->id);
			ws_drop(ws);
			continue;
		}
		if (ws->ping_sent != 0) {
			if (now - ws->ping_sent >= (uint64_t)api->ws_timeout) {
				log_info("client %d: no answer to a ping in "
				    "%ld ms: dropped", ws->cl->id,
				    api->ws_timeout);
				ws_drop(ws);
			}
			continue;
		}
		if (api->ws_ping > 0 && now - ws->last_rx >=
		    (uint64_t)api->ws_ping) {
			m.opcode = WSLAY_PING;
			m.msg = (const uint8_t *)"i3gw";
			m.msg_length = 4;
			if (wslay_event_queue_msg(ws->ctx, &m) == 0) {
				ws->ping_sent = now;
				ws_pump(ws);
			}
		}
	}
	if (ws_n == 0) {
		ws_sweep_timer = 0;
		return (EV_NOMORE);
	}
	every = WS_SWEEP_MAX;
	if (api->ws_ping > 0 && api->ws_ping / 2 < every)
		every = api->ws_ping / 2;
	if (api->ws_timeout / 2 < every)
		every = api->ws_timeout / 2;
	return (every < 50 ? 50 : every);
}

/* Shutting down: every WebSocket peer hears 1001 (going away). */
void
ws_stop(void)
{
	struct ws	*ws;
	static const char why[] = "the gateway is shutting down";

	while ((ws = TAILQ_FIRST(&ws_all)) != NULL) {
		if (!ws->done) {
			wslay_event_queue_close(ws->ctx,
			    WSLAY_CODE_GOING_AWAY, (const uint8_t *)why,
			    sizeof why - 1);
			(void)wslay_event_send(ws->ctx);
			ws->done = 1;
			conn_flush(ws->cl->conn, 200);
		}
		/*
		 * The socket goes back to MHD; the client stays in the list
		 * until the process ends, as every other client does (its
		 * session was stored by gw_shutdown()).
		 */
		ws_detach(ws->cl);
	}
	if (ws_sweep_timer != 0)
		ev_timer_del(ws_sweep_timer);
	ws_sweep_timer = 0;
}

size_t
ws_count(void)
{
	return (ws_n);
}
