/*
 * conn.c: i3router's connections: reading frames, queueing and writing
 * packets (one, errors, broadcasts), closing, and the packet log.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3router.h"

static void	 log_packet(struct conn *, const json_t *);
static void	 log_event(struct conn *, const char *);
static void	 log_line(json_t *);

/* ------------------------------------------------------------ helpers */

/* [i] of an array when it is a string, else NULL. */
const char *
jstr(const json_t *a, size_t i)
{
	json_t	*v = json_array_get(a, i);

	return (json_is_string(v) ? json_string_value(v) : NULL);
}

int
jint(const json_t *a, size_t i, json_int_t *out)
{
	json_t	*v = json_array_get(a, i);

	if (!json_is_integer(v))
		return (0);
	if (out != NULL)
		*out = json_integer_value(v);
	return (1);
}

/* DS header check: 6+ elements, [0] string, [1] int, [2] string, [3-5]. */
int
header_ok(const json_t *p)
{
	return (json_is_array(p) && json_array_size(p) >= 6 &&
	    jstr(p, 0) != NULL && jint(p, 1, NULL) && jstr(p, 2) != NULL &&
	    (json_is_string(json_array_get(p, 3)) ||
	    json_is_integer(json_array_get(p, 3))) &&
	    (json_is_string(json_array_get(p, 4)) ||
	    json_is_integer(json_array_get(p, 4))) &&
	    (json_is_string(json_array_get(p, 5)) ||
	    json_is_integer(json_array_get(p, 5))));
}

int
frame(i3_buf *b, const json_t *p)
{
	i3_error	err;

	if (i3_frame_buf(b, p, ENC_FLAGS, &err) == -1) {
		log_warnx("cannot frame a packet: %s", err.text);
		return (-1);
	}
	return (0);
}

/* -------------------------------------------------------------- log */

static void
log_line(json_t *o)
{
	char	*s;

	if (R.logf == NULL)
		return;
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		fprintf(R.logf, "%s\n", s);
		fflush(R.logf);
		free(s);
	}
}

static void
log_packet(struct conn *c, const json_t *p)
{
	json_t	*o;

	if (R.logf == NULL)
		return;
	o = json_pack("{s:I,s:I,s:o,s:O}", "t", (json_int_t)(now_ms() - R.t0),
	    "conn", (json_int_t)c->id,
	    "mud", c->mud != NULL ? json_string(c->mud->name) : json_null(),
	    "packet", p);
	if (o != NULL) {
		log_line(o);
		json_decref(o);
	}
}

static void
log_event(struct conn *c, const char *ev)
{
	json_t	*o;

	if (R.logf == NULL)
		return;
	o = json_pack("{s:I,s:I,s:s}", "t", (json_int_t)(now_ms() - R.t0),
	    "conn", (json_int_t)c->id, "event", ev);
	if (o != NULL) {
		log_line(o);
		json_decref(o);
	}
}

/* ---------------------------------------------------------- sending */

void
conn_queue(struct conn *c, const void *p, size_t n)
{
	if (c->dead || c->silent || c->fd == -1)
		return;
	if (c->out.len - c->off + n > OUT_MAX) {
		log_warnx("conn %u: output over %u bytes, dropping it", c->id,
		    OUT_MAX);
		conn_close(c, "drop", 0);
		return;
	}
	if (c->off > 0 && c->off == c->out.len) {
		c->out.len = 0;
		c->off = 0;
	}
	if (i3_buf_add(&c->out, p, n) == -1)
		fatalx("out of memory");
}

void
conn_send(struct conn *c, const json_t *p)
{
	i3_buf	b;

	if (c->dead || c->silent)
		return;
	i3_buf_init(&b);
	if (frame(&b, p) == 0)
		conn_queue(c, b.data, b.len);
	i3_buf_free(&b);
}

/* An error from the router to c, about packet p (may be NULL). */
void
send_error(struct conn *c, const char *code, const char *msg,
    const char *tuser, const json_t *p)
{
	json_t		*e;
	const char	*tmud;

	tmud = c->mud != NULL ? c->mud->name : (p != NULL ? jstr(p, 2) : NULL);
	if (tuser == NULL && p != NULL)
		tuser = jstr(p, 3);
	e = i3_packet_header("error", I3_TTL, R.name, NULL, tmud, tuser);
	json_array_append_new(e, json_string(code));
	json_array_append_new(e, json_string(msg));
	json_array_append_new(e, p != NULL ? json_deep_copy(p) :
	    json_integer(0));
	conn_send(c, e);
	json_decref(e);
	log_debug("conn %u: error %s: %s", c->id, code, msg);
}

/* To every connected MUD; except may be NULL. */
void
broadcast(const json_t *p, struct conn *except)
{
	i3_buf	b;
	size_t	i;

	i3_buf_init(&b);
	if (frame(&b, p) == 0)
		for (i = 0; i < R.nconns; i++)
			if (R.conns[i]->mud != NULL &&
			    R.conns[i]->mud->conn == R.conns[i] &&
			    R.conns[i] != except)
				conn_queue(R.conns[i], b.data, b.len);
	i3_buf_free(&b);
}

/* ------------------------------------------------------- connections */

void
mud_down(struct mud *m)
{
	if (m->conn == NULL)
		return;
	m->conn->mud = NULL;
	m->conn = NULL;
	R.nup--;
	if (m->info != NULL)
		json_array_set_new(m->info, 0, json_integer(0));
	R.mudlist_id++;
	m->down_at = now_ms() + R.down_delay;
	R.ndown_pending++;
	log_debug("mud %s is down", m->name);
	state_save();
}

/*
 * Close c: at once (now) or once its output is written.  The MUD on it is
 * marked down at once either way.
 */
void
conn_close(struct conn *c, const char *why, int now)
{
	if (c->dead)
		return;
	if (c->mud != NULL && c->mud->conn == c)
		mud_down(c->mud);
	c->mud = NULL;
	if (now || c->out.len == c->off) {
		c->dead = 1;
	} else if (!c->closing) {
		c->closing = 1;
		c->close_by = now_ms() + CLOSE_GRACE_MS;
	}
	if (c->why == NULL)
		c->why = why;
}

struct conn *
conn_new(int fd, int scripted)
{
	struct conn	*c;
	i3_limits	 lim;
	int		 on = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->id = ++R.nextid;
	memset(&lim, 0, sizeof lim);
	lim.max_frame = MAX_FRAME;
	if ((c->rd = i3_reader_new(&lim)) == NULL)
		fatalx("out of memory");
	i3_buf_init(&c->out);
	if (R.nconns == R.cconns) {
		R.cconns = R.cconns ? R.cconns * 2 : 64;
		R.conns = xrealloc(R.conns, R.cconns * sizeof *R.conns);
	}
	R.conns[R.nconns++] = c;
	log_event(c, "connect");
	log_debug("conn %u: connected", c->id);
	if (R.script != NULL && scripted) {
		c->scripted = 1;
		c->inbox = json_array();
		script_run(c);
	}
	return (c);
}

void
conn_free(struct conn *c)
{
	if (c->mud != NULL && c->mud->conn == c)
		mud_down(c->mud);
	log_event(c, c->why != NULL ? c->why : "disconnect");
	log_debug("conn %u: closed (%s)", c->id,
	    c->why != NULL ? c->why : "disconnect");
	if (c->fd != -1)
		close(c->fd);
	i3_reader_free(c->rd);
	i3_buf_free(&c->out);
	json_decref(c->inbox);
	json_decref(c->startup);
	free(c->lastmud);
	free(c);
}

void
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (!c->dead && c->off < c->out.len) {
		n = write(c->fd, c->out.data + c->off, c->out.len - c->off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c, "disconnect", 1);
			break;
		}
		c->off += (size_t)n;
	}
	if (c->off == c->out.len) {
		c->off = 0;
		c->out.len = 0;
		if (c->out.size > 1024 * 1024) {
			i3_buf_free(&c->out);
			i3_buf_init(&c->out);
		}
		if (c->closing)
			c->dead = 1;
	} else if (c->off > 65536 && c->off > c->out.len / 2) {
		memmove(c->out.data, c->out.data + c->off,
		    c->out.len - c->off);
		c->out.len -= c->off;
		c->off = 0;
	}
}

void
conn_read(struct conn *c)
{
	char		 buf[READ_CHUNK];
	ssize_t		 n;
	i3_error	 err;
	json_t		*p;
	const char	*pl;
	size_t		 pn;
	int		 rc;

	n = read(c->fd, buf, sizeof buf);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c, "disconnect", 1);
		return;
	}
	if (n == 0) {
		conn_close(c, "disconnect", 1);
		return;
	}
	if (i3_reader_feed(c->rd, buf, (size_t)n, &err) == -1) {
		log_warnx("conn %u: bad frame: %s", c->id, err.text);
		conn_close(c, "drop", 1);
		return;
	}
	while (!c->dead && !c->closing && !c->silent) {
		if (R.discard && c->mud != NULL && !c->scripted &&
		    R.logf == NULL) {
			rc = i3_reader_next_frame(c->rd, &pl, &pn, &err);
			if (rc == 1) {
				R.disc_pkts++;
				R.disc_bytes += pn + 5;
				continue;
			}
			p = NULL;
		} else
			rc = i3_reader_next(c->rd, &p, &err);
		if (rc == 0)
			break;
		if (rc == -1) {
			if (i3_reader_failed(c->rd)) {
				log_warnx("conn %u: bad frame: %s", c->id,
				    err.text);
				conn_close(c, "drop", 1);
				break;
			}
			log_debug("conn %u: bad packet: %s", c->id, err.text);
			c->npkts++;
			if (!c->scripted)
				send_error(c, "bad-pkt", "Bad packet format.",
				    NULL, NULL);
		} else {
			c->npkts++;
			log_packet(c, p);
			handle_packet(c, p);
			json_decref(p);
		}
		if (R.silent_after > 0 &&
		    c->npkts >= (unsigned long)R.silent_after) {
			log_debug("conn %u: silent after %lu packets", c->id,
			    c->npkts);
			c->silent = 1;
		}
	}
}
