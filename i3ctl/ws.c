/*
 * ws.c: i3ctl's WebSocket framing (--url ws:// or wss://) through libwslay,
 * in memory: messages out become masked text frames, bytes in become one
 * line per text message; the connection itself is client.c's.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "i3ctl.h"

#define WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct wsc {
	wslay_event_context_ptr	 ctx;
	const char		*in;
	size_t			 inlen;
	char			*out;		/* frames to write */
	size_t			 outlen;
	size_t			 outsize;
	char			**rbuf;		/* lines for the reader */
	size_t			*rlen;
	size_t			*rsize;
	size_t			 max;
	int			 closed;	/* a close frame came */
	int			 toolong;
};

static ssize_t
wsc_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct wsc	*w = arg;

	if (w->inlen == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (len > w->inlen)
		len = w->inlen;
	memcpy(buf, w->in, len);
	w->in += len;
	w->inlen -= len;
	return ((ssize_t)len);
}

static ssize_t
wsc_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct wsc	*w = arg;

	if (w->outlen + len > w->outsize) {
		w->outsize = w->outlen + len + 4096;
		w->out = xrealloc(w->out, w->outsize);
	}
	memcpy(w->out + w->outlen, data, len);
	w->outlen += len;
	return ((ssize_t)len);
}

static int
wsc_mask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *arg)
{
	if (RAND_bytes(buf, (int)len) != 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return (0);
}

/* A text message: a line for client.c's reader. */
static void
wsc_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *m, void *arg)
{
	struct wsc	*w = arg;

	if (m->opcode == WSLAY_CONNECTION_CLOSE) {
		w->closed = 1;
		return;
	}
	if (m->opcode != WSLAY_TEXT_FRAME)
		return;
	if (*w->rlen + m->msg_length + 2 > *w->rsize) {
		*w->rsize = *w->rlen + m->msg_length + 65536;
		*w->rbuf = xrealloc(*w->rbuf, *w->rsize);
	}
	memcpy(*w->rbuf + *w->rlen, m->msg, m->msg_length);
	*w->rlen += m->msg_length;
	(*w->rbuf)[(*w->rlen)++] = '\n';
}

static const struct wslay_event_callbacks wsc_callbacks = {
	wsc_recv_cb, wsc_send_cb, wsc_mask_cb, NULL, NULL, NULL, wsc_msg_cb
};

struct wsc *
wsc_new(size_t max)
{
	struct wsc	*w;

	w = xcalloc(1, sizeof *w);
	if (wslay_event_context_client_init(&w->ctx, &wsc_callbacks, w) != 0)
		fatalx("wslay_event_context_client_init");
	wslay_event_config_set_max_recv_msg_length(w->ctx, max);
	return (w);
}

void
wsc_free(struct wsc *w)
{
	if (w == NULL)
		return;
	wslay_event_context_free(w->ctx);
	free(w->out);
	free(w);
}

/* The handshake's key and the accept value the server must answer. */
void
wsc_key(char key[25], char accept[29])
{
	unsigned char	raw[16], md[SHA_DIGEST_LENGTH];
	char		buf[64];

	if (RAND_bytes(raw, sizeof raw) != 1)
		fatalx("RAND_bytes failed");
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
	snprintf(buf, sizeof buf, "%s%s", key, WS_GUID);
	SHA1((unsigned char *)buf, strlen(buf), md);
	EVP_EncodeBlock((unsigned char *)accept, md, sizeof md);
}

/* Frames to write now (*out, *outlen, owned by w until the next call). */
static void
wsc_take(struct wsc *w, const char **out, size_t *outlen)
{
	(void)wslay_event_send(w->ctx);
	*out = w->out;
	*outlen = w->outlen;
	w->outlen = 0;
}

/* One line (its newline dropped) as a text message. */
int
wsc_send(struct wsc *w, const char *line, size_t len, const char **out,
    size_t *outlen)
{
	struct wslay_event_msg	m;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	m.opcode = WSLAY_TEXT_FRAME;
	m.msg = (const uint8_t *)line;
	m.msg_length = len;
	if (wslay_event_queue_msg(w->ctx, &m) != 0)
		return (-1);
	wsc_take(w, out, outlen);
	return (0);
}

/*
 * Bytes read: text messages appended to the reader's buffer as lines;
 * pongs and the close reply in *out.  -1 on a protocol error; 1 once the
 * server closed.
 */
int
wsc_feed(struct wsc *w, const char *in, size_t inlen, char **rbuf,
    size_t *rlen, size_t *rsize, const char **out, size_t *outlen)
{
	int	rc;

	w->in = in;
	w->inlen = inlen;
	w->rbuf = rbuf;
	w->rlen = rlen;
	w->rsize = rsize;
	rc = wslay_event_recv(w->ctx);
	w->inlen = 0;
	wsc_take(w, out, outlen);
	if (rc != 0)
		return (-1);
	return (w->closed ? 1 : 0);
}
