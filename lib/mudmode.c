/*
 * mudmode.c: MudMode framing and the streaming reader.
 *
 * A frame is a 4-byte big-endian length, the LPC text of one value and a
 * NUL; the length counts the NUL (i3-protocol.md 1.1).  The reader accepts
 * frames with the NUL, without it, or ending in CR instead.
 */

#include <stdlib.h>
#include <string.h>

#include "i3-int.h"

int
i3_frame_buf(i3_buf *b, const json_t *v, unsigned int flags, i3_error *err)
{
	size_t		start = b->len, n;
	unsigned char	*h;

	if (i3_buf_reserve(b, 4 + 256) == -1) {
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (-1);
	}
	b->len += 4;
	if (i3_lpc_encode_buf(b, v, flags & ~I3_ENC_PRETTY, err) == -1 ||
	    i3_buf_reserve(b, 1) == -1) {
		if (err != NULL && err->code == I3_EOK)
			i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		b->len = start;
		if (b->data != NULL)
			b->data[start] = '\0';
		return (-1);
	}
	b->data[b->len++] = '\0';	/* the NUL, counted */
	n = b->len - start - 4;
	if (n > 0xffffffffU) {
		i3__seterr(err, I3_ETOOBIG, 0, "value too big for a frame");
		b->len = start;
		return (-1);
	}
	h = (unsigned char *)b->data + start;
	h[0] = (unsigned char)(n >> 24);
	h[1] = (unsigned char)(n >> 16);
	h[2] = (unsigned char)(n >> 8);
	h[3] = (unsigned char)n;
	return (0);
}

char *
i3_frame(const json_t *v, unsigned int flags, size_t *lenp, i3_error *err)
{
	i3_buf	b;

	i3_buf_init(&b);
	if (i3_frame_buf(&b, v, flags, err) == -1) {
		i3_buf_free(&b);
		return (NULL);
	}
	if (lenp != NULL)
		*lenp = b.len;
	return (b.data);
}

/* ------------------------------------------------------------- reader */

struct i3_reader {
	i3_limits	 lim;
	unsigned char	*buf;
	size_t		 start;		/* first unread byte */
	size_t		 len;		/* unread bytes */
	size_t		 size;
	uint64_t	 consumed;	/* stream offset of buf[start] */
	uint64_t	 frame_off;
	int		 failed;
	i3_error	 ferr;		/* the framing error, repeated */
};

i3_reader *
i3_reader_new(const i3_limits *lim)
{
	i3_reader	*r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return (NULL);
	i3__limits(&r->lim, lim);
	return (r);
}

void
i3_reader_free(i3_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static int
reader_fail(i3_reader *r, i3_error *err)
{
	if (err != NULL)
		*err = r->ferr;
	return (-1);
}

/* Check the length of the frame at the head of the buffer. */
static int
reader_check_head(i3_reader *r, i3_error *err)
{
	uint32_t	n;

	if (r->len < 4)
		return (0);
	n = be32(r->buf + r->start);
	if (n == 0) {
		r->failed = 1;
		i3__seterr(&r->ferr, I3_EFRAME, (size_t)r->consumed,
		    "zero frame length at stream offset %llu",
		    (unsigned long long)r->consumed);
		return (reader_fail(r, err));
	}
	if (n > r->lim.max_frame) {
		r->failed = 1;
		i3__seterr(&r->ferr, I3_ETOOBIG, (size_t)r->consumed,
		    "frame length %lu over the limit of %zu at stream "
		    "offset %llu", (unsigned long)n, r->lim.max_frame,
		    (unsigned long long)r->consumed);
		return (reader_fail(r, err));
	}
	return (0);
}

int
i3_reader_feed(i3_reader *r, const void *p, size_t n, i3_error *err)
{
	if (r->failed)
		return (reader_fail(r, err));
	if (n == 0)
		return (0);
	if (r->size - r->start - r->len < n) {
		/* Compact first, then grow if still short. */
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->len);
			r->start = 0;
		}
		if (r->size - r->len < n) {
			size_t		 size = r->size ? r->size : 16384;
			unsigned char	*nb;

			while (size - r->len < n) {
				if (size > SIZE_MAX / 2) {
					i3__seterr(err, I3_ENOMEM, 0,
					    "out of memory");
					return (-1);
				}
				size *= 2;
			}
			if ((nb = realloc(r->buf, size)) == NULL) {
				i3__seterr(err, I3_ENOMEM, 0, "out of memory");
				return (-1);
			}
			r->buf = nb;
			r->size = size;
		}
	}
	memcpy(r->buf + r->start + r->len, p, n);
	r->len += n;
	return (reader_check_head(r, err));
}

int
i3_reader_next_frame(i3_reader *r, const char **payload, size_t *lenp,
    i3_error *err)
{
	const unsigned char	*p;
	uint32_t		 n;

	if (r->failed)
		return (reader_fail(r, err));
	if (r->len < 4)
		return (0);
	if (reader_check_head(r, err) == -1)
		return (-1);
	n = be32(r->buf + r->start);
	if (r->len - 4 < n)
		return (0);
	p = r->buf + r->start + 4;
	r->frame_off = r->consumed;
	r->start += 4 + (size_t)n;
	r->len -= 4 + (size_t)n;
	r->consumed += 4 + (uint64_t)n;
	if (r->len == 0)
		r->start = 0;
	/* One trailing NUL, or a CR where old clients put the NUL. */
	if (n > 0 && (p[n - 1] == '\0' || p[n - 1] == '\r'))
		n--;
	*payload = (const char *)p;
	*lenp = n;
	return (1);
}

int
i3_reader_next(i3_reader *r, json_t **out, i3_error *err)
{
	const char	*p;
	size_t		 n;
	int		 rc;

	*out = NULL;
	if ((rc = i3_reader_next_frame(r, &p, &n, err)) != 1)
		return (rc);
	if ((*out = i3_lpc_decode(p, n, 0, &r->lim, err)) == NULL) {
		if (err != NULL)
			err->offset += (size_t)r->frame_off + 4;
		return (-1);
	}
	return (1);
}

uint64_t
i3_reader_frame_offset(const i3_reader *r)
{
	return (r->frame_off);
}

size_t
i3_reader_pending(const i3_reader *r)
{
	return (r->len);
}

int
i3_reader_failed(const i3_reader *r)
{
	return (r->failed);
}
