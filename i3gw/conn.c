/*
 * conn.c: buffered connections with separate read and write fds, bounded
 * output and back-pressure.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

#define CONN_READ_CHUNK		65536
#define CONN_DEF_MAXLINE	65536
#define CONN_DEF_HIGHWATER	(1024 * 1024)
#define CONN_DEF_MAXOUT		(16 * 1024 * 1024)
#define CONN_OUT_MIN		4096

/* Reads land here first; a connection keeps only a partial line. */
static char	conn_scratch[CONN_READ_CHUNK];

static void	conn_update(struct conn *);
static void	conn_io(int, int, void *);
static void	conn_read(struct conn *);
static int	conn_try_write(struct conn *);
static void	conn_lines(struct conn *);
static void	conn_lost(struct conn *);
static void	conn_eof(struct conn *);
static int	conn_gone_timer(void *);
static void	conn_release(struct conn *);
static ssize_t	conn_sysread(struct conn *, void *, size_t);
static ssize_t	conn_syswrite(struct conn *, const void *, size_t);
static int	conn_is_socket(int);
static void	conn_keep(struct conn *);

struct conn *
conn_new(int rfd, int wfd, int mode, conn_dispatch_fn fn, void *arg)
{
	struct conn	*c;

	c = xcalloc(1, sizeof *c);
	c->rfd = rfd;
	c->wfd = wfd;
	c->mode = mode;
	c->dispatch = fn;
	c->arg = arg;
	c->maxline = CONN_DEF_MAXLINE;
	c->highwater = CONN_DEF_HIGHWATER;
	c->maxout = CONN_DEF_MAXOUT;
	c->wsock = conn_is_socket(wfd);
	if (rfd >= 0)
		ev_set_nonblock(rfd);
	if (wfd >= 0 && wfd != rfd)
		ev_set_nonblock(wfd);
	conn_update(c);
	return (c);
}

void
conn_set_limits(struct conn *c, size_t maxline, size_t highwater,
    size_t maxout)
{
	if (maxline != 0)
		c->maxline = maxline;
	if (highwater != 0)
		c->highwater = highwater;
	if (maxout != 0)
		c->maxout = maxout;
	if (c->highwater > c->maxout)
		c->highwater = c->maxout;
}

/* Register the interest this connection has now. */
static void
conn_update(struct conn *c)
{
	int	rd, wr;

	if (c->gone) {
		if (c->rfd >= 0)
			ev_io_del(c->rfd);
		if (c->wfd >= 0)
			ev_io_del(c->wfd);
		return;
	}
	rd = (c->rfd >= 0 && !c->paused && !c->eof) ? EV_READ : 0;
	wr = (c->wfd >= 0 && (c->outlen > 0 || c->io_want)) ? EV_WRITE : 0;
	if (c->rfd == c->wfd) {
		if (rd | wr)
			ev_io_set(c->rfd, rd | wr, conn_io, c);
		else
			ev_io_del(c->rfd);
		return;
	}
	if (c->rfd >= 0) {
		if (rd)
			ev_io_set(c->rfd, rd, conn_io, c);
		else
			ev_io_del(c->rfd);
	}
	if (c->wfd >= 0) {
		if (wr)
			ev_io_set(c->wfd, wr, conn_io, c);
		else
			ev_io_del(c->wfd);
	}
}

static void
conn_io(int fd, int what, void *arg)
{
	struct conn	*c = arg;

	c->busy++;
	/* The transport wanted to write in the middle of a read (TLS). */
	if ((what & EV_WRITE) && c->io_want) {
		c->io_want = 0;
		what |= EV_READ;
	}
	if ((what & EV_WRITE) && fd == c->wfd && !c->gone) {
		if (conn_try_write(c) == -1)
			conn_lost(c);
	}
	if ((what & EV_READ) && fd == c->rfd && !c->gone && !c->freed)
		conn_read(c);
	c->busy--;
	if (c->freed && c->busy == 0) {
		conn_release(c);
		return;
	}
	if (!c->freed)
		conn_update(c);
}

static ssize_t
conn_sysread(struct conn *c, void *buf, size_t len)
{
	if (c->io_read != NULL)
		return (c->io_read(c, buf, len));
	return (read(c->rfd, buf, len));
}

/*
 * send(2) on a socket: no trip through the file layer (a tenth less CPU a
 * line when one event goes to 1,000 clients), and no SIGPIPE.
 */
static ssize_t
conn_syswrite(struct conn *c, const void *buf, size_t len)
{
	if (c->io_write != NULL)
		return (c->io_write(c, buf, len));
	if (c->wsock)
		return (send(c->wfd, buf, len, MSG_NOSIGNAL));
	return (write(c->wfd, buf, len));
}

static int
conn_is_socket(int fd)
{
	struct stat	sb;

	return (fd >= 0 && fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode));
}

static void
conn_read(struct conn *c)
{
	ssize_t	n;
	char	buf[CONN_READ_CHUNK];

	if (c->mode == CONN_RAW) {
		n = conn_sysread(c, buf, sizeof buf);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_eof(c);
			return;
		}
		c->bytes_in += n;
		c->dispatch(c, buf, n, 0);
		return;
	}

	/*
	 * Nothing held: read into the shared buffer, keep what is left.  A
	 * partial line held grows by what comes, not by a whole read's room:
	 * a client sending a byte at a time holds a few bytes, not 64k.
	 */
	if (c->inlen == 0) {
		free(c->in);
		c->in = conn_scratch;
		c->insize = sizeof conn_scratch;
		n = conn_sysread(c, c->in, c->insize - 1);
	} else {
		n = conn_sysread(c, conn_scratch, sizeof conn_scratch - 1);
		if (n > 0 && c->inlen + (size_t)n + 1 > c->insize) {
			c->insize *= 2;
			if (c->insize < c->inlen + (size_t)n + 1)
				c->insize = c->inlen + (size_t)n + 1;
			c->in = xrealloc(c->in, c->insize);
		}
		if (n > 0)
			memcpy(c->in + c->inlen, conn_scratch, n);
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		conn_keep(c);
		return;
	}
	if (n <= 0) {
		c->eof = 1;
		/* A last line without its newline still counts. */
		if (c->inlen > 0 && !c->skipping) {
			c->in[c->inlen] = '\0';
			c->dispatch(c, c->in, c->inlen, 0);
			c->inlen = 0;
		}
		conn_keep(c);
		if (!c->freed)
			conn_eof(c);
		return;
	}
	c->bytes_in += n;
	c->inlen += n;
	/*
	 * The answers to the lines of one read go out together, in one write
	 * before the next poll, not one each (a client that pipelines
	 * requests: 157k tells/s with, 88k without).
	 */
	c->hold++;
	conn_lines(c);
	if (!c->freed)
		c->hold--;
	conn_keep(c);
}

/* Off the shared buffer: an allocation only for a partial line. */
static void
conn_keep(struct conn *c)
{
	char	*p;

	if (c->in != conn_scratch)
		return;
	if (c->inlen == 0) {
		c->in = NULL;
		c->insize = 0;
		return;
	}
	c->insize = (c->inlen + 64) & ~(size_t)63;
	p = xmalloc(c->insize);
	memcpy(p, c->in, c->inlen);
	c->in = p;
}

/* Hand every whole line to dispatch(); cut lines over the limit. */
static void
conn_lines(struct conn *c)
{
	char	*p, *nl, *end;
	size_t	 len;

	p = c->in;
	end = c->in + c->inlen;
	while (p < end && !c->freed && !c->gone) {
		nl = memchr(p, '\n', end - p);
		if (nl == NULL) {
			if ((size_t)(end - p) > c->maxline) {
				if (!c->skipping)
					c->dispatch(c, p, c->maxline,
					    CONN_TOOLONG);
				c->skipping = 1;
				p = end;
			}
			break;
		}
		len = nl - p;
		*nl = '\0';
		if (len > 0 && p[len - 1] == '\r')
			p[--len] = '\0';
		if (c->skipping)
			c->skipping = 0;
		else if (len > c->maxline)
			c->dispatch(c, p, c->maxline, CONN_TOOLONG);
		else if (len > 0)
			c->dispatch(c, p, len, 0);
		p = nl + 1;
		/* Back-pressure: stop handing lines over while paused. */
		if (c->paused)
			break;
	}
	if (c->freed)
		return;
	len = end - p;
	if (len > 0 && p != c->in)
		memmove(c->in, p, len);
	c->inlen = len;
	if (c->in == conn_scratch)
		return;
	if (c->inlen == 0) {
		free(c->in);
		c->in = NULL;
		c->insize = 0;
	} else if (c->insize > 2 * c->inlen + 256) {
		/* What was held is mostly handed over: give the room back. */
		c->insize = (c->inlen + 64) & ~(size_t)63;
		c->in = xrealloc(c->in, c->insize);
	}
}

static int
conn_try_write(struct conn *c)
{
	ssize_t	n;

	while (c->outlen > 0) {
		n = conn_syswrite(c, c->out + c->outoff, c->outlen);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return (-1);
		}
		c->bytes_out += n;
		c->outoff += n;
		c->outlen -= n;
	}
	if (c->outlen == 0) {
		/* An idle connection holds no output buffer. */
		c->outoff = 0;
		free(c->out);
		c->out = NULL;
		c->outsize = 0;
	}
	if (c->paused && c->outlen < c->highwater / 2) {
		c->paused = 0;
		/* Lines read while paused are waiting in the buffer. */
		if (c->mode == CONN_LINES && c->inlen > 0) {
			c->busy++;
			conn_lines(c);
			c->busy--;
		}
	}
	return (0);
}

/*
 * Output goes straight to the socket when nothing is waiting before it (no
 * copy, no buffer: one channel message to 1,000 clients is 1,000 writes and
 * nothing else).  What the socket does not take, or what comes while output
 * waits or the connection is held, is buffered and written once per turn of
 * the event loop, just before poll: the rest of one batch of input's output
 * goes out in one more write, and the buffer is freed as soon as it is
 * empty.
 */
static struct conn	**flushq;
static size_t		  nflushq, flushqsize;

void
conn_flush_all(void)
{
	struct conn	*c;
	size_t		 i;

	for (i = 0; i < nflushq; i++) {
		if ((c = flushq[i]) == NULL)
			continue;
		c->queued = 0;
		if (c->gone || c->freed)
			continue;
		c->busy++;
		if (conn_try_write(c) == -1)
			conn_lost(c);
		c->busy--;
		if (c->freed && c->busy == 0)
			conn_release(c);
		else if (!c->freed)
			conn_update(c);
	}
	nflushq = 0;
}

static void
conn_queue_flush(struct conn *c)
{
	if (c->queued)
		return;
	if (nflushq == flushqsize) {
		flushqsize = flushqsize ? flushqsize * 2 : 64;
		flushq = xrealloc(flushq, flushqsize * sizeof *flushq);
	}
	flushq[nflushq++] = c;
	c->queued = 1;
}

int
conn_write(struct conn *c, const void *data, size_t len)
{
	ssize_t	n;

	if (c->gone || c->freed || c->wfd < 0)
		return (-1);
	/* A transport of its own (TLS) writes records: those are batched. */
	if (c->outlen == 0 && c->hold == 0 && c->io_write == NULL && len > 0) {
		n = conn_syswrite(c, data, len);
		if (n > 0) {
			c->bytes_out += n;
			if ((size_t)n == len)
				return (0);
			data = (const char *)data + n;
			len -= n;
		}
		/* Not taken (or an error): buffered, conn_flush_all() sees. */
	}
	if (c->outlen + len > c->maxout) {
		log_warnx("connection fd %d: output over %zu bytes, dropped",
		    c->wfd, c->maxout);
		c->outlen = 0;
		conn_lost(c);
		return (-1);
	}
	if (c->outoff + c->outlen + len > c->outsize) {
		if (c->outoff > 0) {
			memmove(c->out, c->out + c->outoff, c->outlen);
			c->outoff = 0;
		}
		if (c->outlen + len > c->outsize) {
			c->outsize = c->outlen + len;
			if (c->outsize < CONN_OUT_MIN)
				c->outsize = CONN_OUT_MIN;
			else
				c->outsize += c->outsize / 2;
			c->out = xrealloc(c->out, c->outsize);
		}
	}
	memcpy(c->out + c->outoff + c->outlen, data, len);
	c->outlen += len;
	if (c->outlen > c->highwater && c->rfd >= 0)
		c->paused = 1;
	conn_queue_flush(c);
	return (0);
}

int
conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n, r;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		fatal("vasprintf");
	r = conn_write(c, s, n);
	free(s);
	return (r);
}

/*
 * Hold output in the buffer (on), as when several pieces make one message;
 * let go (off): what was held goes out with the next conn_flush_all().
 */
void
conn_hold(struct conn *c, int on)
{
	if (on)
		c->hold++;
	else if (c->hold > 0)
		c->hold--;
}

size_t
conn_pending(const struct conn *c)
{
	return (c->outlen);
}

/* Write out what is buffered, waiting at most timeout_ms; 0 when empty. */
int
conn_flush(struct conn *c, int timeout_ms)
{
	struct pollfd	pfd;
	uint64_t	deadline = ev_now() + timeout_ms;
	int		left;

	while (c->outlen > 0 && !c->gone) {
		if (conn_try_write(c) == -1)
			return (-1);
		if (c->outlen == 0)
			break;
		left = (int)(deadline - ev_now());
		if (ev_now() >= deadline)
			return (-1);
		pfd.fd = c->wfd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, left) <= 0)
			return (-1);
	}
	return (c->outlen == 0 ? 0 : -1);
}

/* The peer is gone: tell the owner from a fresh stack. */
static void
conn_lost(struct conn *c)
{
	if (c->gone)
		return;
	c->gone = 1;
	conn_update(c);
	c->gone_timer = ev_timer_add(0, conn_gone_timer, c);
}

/*
 * End of input.  With a write fd of its own the connection can still send
 * (stdio: answers go out after stdin closes); the owner hears of it as gone.
 */
static void
conn_eof(struct conn *c)
{
	c->eof = 1;
	if (c->rfd == c->wfd || c->wfd < 0) {
		conn_lost(c);
		return;
	}
	if (c->gone_timer == 0)
		c->gone_timer = ev_timer_add(0, conn_gone_timer, c);
	if (!c->busy)
		conn_update(c);
}

static int
conn_gone_timer(void *arg)
{
	struct conn	*c = arg;

	c->gone_timer = 0;
	c->busy++;
	c->dispatch(c, NULL, 0, 0);
	c->busy--;
	if (c->freed && c->busy == 0)
		conn_release(c);
	return (EV_NOMORE);
}

void
conn_free(struct conn *c)
{
	if (c == NULL || c->freed)
		return;
	/* What is still buffered goes out if the socket takes it now. */
	if (c->outlen > 0 && !c->gone && c->wfd >= 0)
		(void)conn_try_write(c);
	c->freed = 1;
	if (c->gone_timer != 0) {
		ev_timer_del(c->gone_timer);
		c->gone_timer = 0;
	}
	c->gone = 1;
	conn_update(c);
	if (c->busy == 0)
		conn_release(c);
}

static void
conn_release(struct conn *c)
{
	size_t	i;

	if (c->queued) {
		for (i = 0; i < nflushq; i++)
			if (flushq[i] == c)
				flushq[i] = NULL;
	}
	if (c->rfd > STDERR_FILENO)
		close(c->rfd);
	if (c->wfd > STDERR_FILENO && c->wfd != c->rfd)
		close(c->wfd);
	free(c->in);
	free(c->out);
	free(c);
}
