/*
 * fuzz-ws.c: libFuzzer target for the WebSocket frame path as i3gw's ws.c
 * sets it up: a libwslay server context fed the input in chunks (sizes
 * from the first byte), a message limit, whole text messages checked as
 * UTF-8 and parsed as JSON, replies (pongs, closes) written to memory.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wslay/wslay.h>

#include "i3.h"
#include "i3-int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct feed {
	const uint8_t	*in;
	size_t		 inlen;
	size_t		 out;
	size_t		 msgs;
};

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct feed	*f = arg;

	if (f->inlen == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (len > f->inlen)
		len = f->inlen;
	memcpy(buf, f->in, len);
	f->in += len;
	f->inlen -= len;
	return ((ssize_t)len);
}

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct feed	*f = arg;

	f->out += len;
	return ((ssize_t)len);
}

static void
msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg
    *m, void *arg)
{
	struct feed	*f = arg;
	json_t		*v;

	f->msgs++;
	if (m->opcode == WSLAY_TEXT_FRAME) {
		if (i3__utf8_valid(m->msg, m->msg_length) != m->msg_length) {
			wslay_event_queue_close(ctx, 1007, NULL, 0);
			return;
		}
		v = json_loadb((const char *)m->msg, m->msg_length, 0, NULL);
		json_decref(v);
	} else if (m->opcode == WSLAY_BINARY_FRAME)
		wslay_event_queue_close(ctx, 1003, NULL, 0);
}

static const struct wslay_event_callbacks cbs = {
	recv_cb, send_cb, NULL, NULL, NULL, NULL, msg_cb
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wslay_event_context_ptr	 ctx;
	struct feed		 f;
	size_t			 chunk, off, n;

	if (size < 1)
		return (0);
	chunk = (data[0] % 64) + 1;
	data++;
	size--;
	memset(&f, 0, sizeof f);
	if (wslay_event_context_server_init(&ctx, &cbs, &f) != 0)
		return (0);
	wslay_event_config_set_max_recv_msg_length(ctx, 4096);
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		f.in = data + off;
		f.inlen = n;
		if (wslay_event_recv(ctx) != 0)
			break;
		if (wslay_event_send(ctx) != 0)
			break;
		if (!wslay_event_want_read(ctx) && !wslay_event_want_write(ctx))
			break;
	}
	wslay_event_context_free(ctx);
	return (0);
}
