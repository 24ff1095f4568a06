/*
 * client.c: the client API: a MUD's connection to i3gw, with reconnection:
 * calls and their answers, events, lines in and out (transports in
 * client-conn.c, handoff across an exec in client-handoff.c).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client-int.h"


static void	 i3c_seterr(i3_client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 i3c_status(i3_client *, enum i3_client_status, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	 i3c_session(i3_client *);
static void	 i3c_keep_token(i3_client *, const json_t *);
static void	 i3c_subscribed(i3_client *, int64_t, const json_t *,
		    const json_t *, void *);
static void	 i3c_resumed(i3_client *, int64_t, const json_t *,
		    const json_t *, void *);
static void	 i3c_lost(i3_client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 i3c_schedule(i3_client *);
static void	 i3c_line(i3_client *, const char *, size_t);
static void	 i3c_answer(i3_client *, struct i3c_pending *,
		    const json_t *, const json_t *);
static void	 i3c_timeouts(i3_client *, int64_t);
static int	 i3c_enqueue(i3_client *, const json_t *);
static int64_t	 i3c_request(i3_client *, const char *, const json_t *,
		    i3_client_result_cb, void *, int);
static void	 i3c_replay(i3_client *);
static void	 i3c_housekeep(i3_client *);
static int64_t	 i3c_msg(i3_client *, const char *, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *, const char *, const char *,
		    i3_client_result_cb, void *);
static int	 i3c_set(json_t *, const char *, const char *);

int64_t
i3__c_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
i3c_seterr(i3_client *c, const char *fmt, ...)
{
	va_list	ap;

	c->err.code = I3_ECLIENT;
	c->err.offset = 0;
	va_start(ap, fmt);
	vsnprintf(c->err.text, sizeof c->err.text, fmt, ap);
	va_end(ap);
}

static void
i3c_status(i3_client *c, enum i3_client_status st, const char *fmt, ...)
{
	char	text[256];
	va_list	ap;

	if (c->o.on_status == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	c->busy++;
	c->o.on_status(c, st, text, c->o.status_arg);
	c->busy--;
}

i3_client *
i3__c_new(enum i3c_kind kind, const i3_client_opts *opts)
{
	i3_client	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return (NULL);
	if (opts != NULL)
		c->o = *opts;
	c->o.stderr_path = NULL;	/* copied below */
	if (c->o.max_line == 0)
		c->o.max_line = I3C_MAX_LINE;
	if (c->o.max_queue == 0)
		c->o.max_queue = I3C_MAX_QUEUE;
	if (c->o.max_pending == 0)
		c->o.max_pending = I3C_MAX_PENDING;
	if (c->o.max_dispatch == 0)
		c->o.max_dispatch = I3C_MAX_DISPATCH;
	if (c->o.backoff_min_ms == 0)
		c->o.backoff_min_ms = I3C_BACKOFF_MIN;
	if (c->o.backoff_max_ms == 0)
		c->o.backoff_max_ms = I3C_BACKOFF_MAX;
	if (c->o.backoff_max_ms < c->o.backoff_min_ms)
		c->o.backoff_max_ms = c->o.backoff_min_ms;
	if (opts != NULL && opts->stderr_path != NULL &&
	    (c->o.stderr_path = strdup(opts->stderr_path)) == NULL) {
		free(c);
		return (NULL);
	}
	c->kind = kind;
	c->state = I3C_DOWN;
	c->rfd = c->wfd = -1;
	c->pid = c->oldpid = -1;
	c->next_id = 1;
	c->backoff = c->o.backoff_min_ms;
	c->rnd = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)i3__c_now();
	c->isize = c->o.max_line + 1;
	c->ibuf = malloc(c->isize);
	c->pend = calloc(c->o.max_pending, sizeof *c->pend);
	c->channels = json_object();
	if (c->ibuf == NULL || c->pend == NULL || c->channels == NULL) {
		i3__c_destroy(c);
		return (NULL);
	}
	return (c);
}

/* Release memory only: the fds and the child are dealt with before. */
void
i3__c_destroy(i3_client *c)
{
	size_t	i;
	char	**p;

	if (c->argv != NULL) {
		for (p = c->argv; *p != NULL; p++)
			free(*p);
		free(c->argv);
	}
	for (i = 0; i < c->nhand; i++)
		free(c->hand[i].event);
	free(c->hand);
	free((char *)c->o.stderr_path);
	free(c->where);
	free(c->port);
	free(c->obuf);
	free(c->ibuf);
	free(c->pend);
	json_decref(c->channels);
	free(c);
}

void
i3__c_up(i3_client *c)
{
	c->state = I3C_UP;
	c->broken = 0;
	c->ilen = 0;
	c->skipping = 0;
	i3c_session(c);
	i3c_replay(c);
}

/*
 * A gateway reached over a socket sends a client only what it subscribed
 * to, and keeps it while the client is away: subscribe to everything the
 * first time, and after a reconnect resume the session, so the events of
 * the gap are replayed (or their loss is counted and reported).  A child
 * gateway's stdio client gets everything anyway.
 */
static void
i3c_session(i3_client *c)
{
	json_t	*params;

	/* A child gateway started again numbers its events from 1. */
	if (c->kind == I3C_SPAWN) {
		c->last_seq = 0;
		return;
	}
	if (c->token[0] != '\0') {
		/* From the first event after the last one handled. */
		params = json_pack("{s:s, s:I}", "token", c->token, "last_seq",
		    c->last_seq);
		(void)i3c_request(c, "session_resume", params, i3c_resumed,
		    NULL, 1);
	} else {
		/* keep: this library resumes the session after a gap. */
		c->last_seq = 0;
		params = json_pack("{s:b}", "keep", 1);
		(void)i3c_request(c, "subscribe", params, i3c_subscribed,
		    NULL, 1);
	}
	json_decref(params);
}

static void
i3c_keep_token(i3_client *c, const json_t *result)
{
	const char	*t;

	t = json_string_value(json_object_get(json_object_get(result,
	    "session"), "resume_token"));
	if (t != NULL && strlen(t) < sizeof c->token)
		snprintf(c->token, sizeof c->token, "%s", t);
}

static void
i3c_subscribed(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	if (result != NULL)
		i3c_keep_token(c, result);
	else
		i3c_status(c, I3_CLIENT_WARNING, "subscribe: %s",
		    json_string_value(json_object_get(error, "message")));
}

static void
i3c_resumed(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	json_int_t	age, count;
	json_t		*params;

	if (result == NULL) {
		/* Gone (expired, or a gateway without it): start again. */
		i3c_status(c, I3_CLIENT_WARNING, "session not resumed (%s): "
		    "what came while away is lost",
		    json_string_value(json_object_get(error, "message")));
		c->token[0] = '\0';
		c->last_seq = 0;
		params = json_pack("{s:b}", "keep", 1);
		(void)i3c_request(c, "subscribe", params, i3c_subscribed,
		    NULL, 1);
		json_decref(params);
		return;
	}
	i3c_keep_token(c, result);
	age = json_integer_value(json_object_get(result, "dropped_age"));
	count = json_integer_value(json_object_get(result, "dropped_count"));
	if (json_is_true(json_object_get(result, "gap")))
		i3c_status(c, I3_CLIENT_WARNING, "session resumed with a gap: "
		    "%lld events after #%lld could not be replayed (the first "
		    "replayed is #%lld)", (long long)json_integer_value(
		    json_object_get(result, "missed")), (long long)c->last_seq,
		    (long long)json_integer_value(json_object_get(result,
		    "first_seq")));
	else if (age + count > 0)
		i3c_status(c, I3_CLIENT_WARNING, "session resumed: %lld "
		    "events replayed, %lld dropped (too old: %lld, queue "
		    "full: %lld)", (long long)json_integer_value(
		    json_object_get(result, "replayed")),
		    (long long)(age + count), (long long)age,
		    (long long)count);
}

/* Join the remembered channels again (after whatever was queued). */
static void
i3c_replay(i3_client *c)
{
	const char	*name;
	json_t		*v, *params;

	json_object_foreach(c->channels, name, v) {
		if ((params = json_pack("{s:s}", "channel", name)) == NULL)
			continue;
		(void)i3c_request(c, "channel_join", params, NULL, NULL, 1);
		json_decref(params);
	}
}

/* The connection is gone: say why, tear down at the next safe point. */
static void
i3c_lost(i3_client *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->broken)
		return;
	c->broken = 1;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
}

void
i3__c_teardown(i3_client *c)
{
	size_t	b, n;
	int	st, i;
	pid_t	r;

	if (c->rfd != -1)
		close(c->rfd);
	if (c->wfd != -1 && c->wfd != c->rfd)
		close(c->wfd);
	c->rfd = c->wfd = -1;
	c->broken = 0;
	c->ilen = 0;
	c->skipping = 0;
	if (c->pid != -1) {
		/*
		 * It closed its end, so it is exiting: give it up to 20 ms to
		 * become reapable, so that its exit status can be told.
		 */
		for (i = 0; i < 20; i++) {
			r = waitpid((pid_t)c->pid, &st, WNOHANG);
			if (r != 0 && !(r == -1 && errno == EINTR))
				break;
			poll(NULL, 0, 1);
		}
		n = strlen(c->why);
		if (r == (pid_t)c->pid && WIFEXITED(st))
			snprintf(c->why + n, sizeof c->why - n,
			    " (exit status %d)", WEXITSTATUS(st));
		else if (r == (pid_t)c->pid && WIFSIGNALED(st))
			snprintf(c->why + n, sizeof c->why - n,
			    " (killed by signal %d)", WTERMSIG(st));
		else if (r == 0) {
			if (c->oldpid != -1)
				i3__c_reap(c, 1);
			c->oldpid = c->pid;
		}
		c->pid = -1;
	}

	/*
	 * Drop what was sent, and a line only partly sent: a pending call
	 * whose line went out may or may not have been carried out.  Lines
	 * never sent stay queued for the next connection.
	 */
	b = c->ooff;
	if (b > 0 && c->obuf[b - 1] != '\n') {
		while (b < c->olen && c->obuf[b] != '\n')
			b++;
		if (b < c->olen)
			b++;
	}
	memmove(c->obuf, c->obuf + b, c->olen - b);
	c->olen -= b;
	c->ooff = 0;
	c->obase += b;

	c->state = (c->o.no_reconnect || c->kind == I3C_NONE) ?
	    I3C_DEAD : I3C_DOWN;
	if (c->state == I3C_DOWN)
		i3c_schedule(c);
	i3c_status(c, I3_CLIENT_LOST, "%s", c->why);
	i3__c_fail_all(c, I3_CLIENT_ELOST, "connection to the gateway lost",
	    c->obase);
	if (c->state == I3C_DEAD)
		i3__c_fail_all(c, I3_CLIENT_ELOST,
		    "connection to the gateway lost", UINT64_MAX);
}

/* The next attempt: backoff with +-25% jitter, doubling. */
static void
i3c_schedule(i3_client *c)
{
	uint64_t	d;

	c->rnd ^= c->rnd << 13;
	c->rnd ^= c->rnd >> 7;
	c->rnd ^= c->rnd << 17;
	d = c->backoff;
	d = d * 3 / 4 + (d > 1 ? c->rnd % (d / 2 + 1) : 0);
	c->next_try = i3__c_now() + (int64_t)d;
	if (c->backoff < c->o.backoff_max_ms / 2)
		c->backoff *= 2;
	else
		c->backoff = c->o.backoff_max_ms;
}

/* Write what can be written; 0, or -1 when the connection broke. */
int
i3__c_flush(i3_client *c)
{
	ssize_t	n;

	while (c->state == I3C_UP && !c->broken && c->ooff < c->olen) {
		n = send(c->wfd, c->obuf + c->ooff, c->olen - c->ooff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == ENOTSOCK)
			n = write(c->wfd, c->obuf + c->ooff,
			    c->olen - c->ooff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			i3c_lost(c, "write to the gateway: %s",
			    strerror(errno));
			return (-1);
		}
		c->ooff += (size_t)n;
	}
	if (c->ooff == c->olen) {
		c->obase += c->olen;
		c->olen = c->ooff = 0;
	}
	return (c->broken ? -1 : 0);
}

/* Send what is queued, waiting up to ms for the gateway to take it. */
void
i3__c_drain(i3_client *c, int ms)
{
	struct pollfd	pfd;
	int64_t		end = i3__c_now() + ms;

	while (c->state == I3C_UP && !c->broken && c->ooff < c->olen &&
	    i3__c_now() < end) {
		pfd.fd = c->wfd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 50) > 0)
			i3__c_flush(c);
	}
}

/* Read once; the bytes read, 0, or -1 when the connection ended. */
int
i3__c_read(i3_client *c)
{
	ssize_t	n;
	size_t	room;

	room = c->isize - c->ilen;
	if (room > I3C_READ_CHUNK)
		room = I3C_READ_CHUNK;
	if (room == 0)
		return (0);
	do {
		n = read(c->rfd, c->ibuf + c->ilen, room);
	} while (n == -1 && errno == EINTR);
	if (n == 0) {
		i3c_lost(c, c->kind == I3C_SPAWN ? "the gateway exited" :
		    "the gateway closed the connection");
		return (-1);
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (0);
		i3c_lost(c, "read from the gateway: %s", strerror(errno));
		return (-1);
	}
	c->ilen += (size_t)n;
	return ((int)n);
}

/* Handle up to max whole lines from the input buffer; how many. */
int
i3__c_dispatch(i3_client *c, unsigned int max)
{
	char		*nl;
	size_t		 start = 0, len;
	unsigned int	 n = 0;

	while (n < max && !c->freeing && start < c->ilen) {
		nl = memchr(c->ibuf + start, '\n', c->ilen - start);
		if (nl == NULL) {
			if (c->ilen - start >= c->o.max_line) {
				/* Too long: drop it up to its newline. */
				if (!c->skipping)
					i3c_status(c, I3_CLIENT_WARNING,
					    "line from the gateway longer "
					    "than %zu bytes, skipped",
					    c->o.max_line);
				c->skipping = 1;
				start = c->ilen;
			}
			break;
		}
		len = (size_t)(nl - (c->ibuf + start));
		if (c->skipping)
			c->skipping = 0;
		else if (len > 0) {
			i3c_line(c, c->ibuf + start, len);
			n++;
		}
		start += len + 1;
	}
	if (start > 0) {
		memmove(c->ibuf, c->ibuf + start, c->ilen - start);
		c->ilen -= start;
	}
	return ((int)n);
}

static void
i3c_line(i3_client *c, const char *s, size_t len)
{
	json_t		*v, *id, *res, *errv;
	json_error_t	 jerr;
	const char	*method;
	int64_t		 n;
	json_int_t	 seq;
	unsigned int	 i;
	size_t		 h;
	int		 taken;
	struct i3c_pending p;
	i3_client_event_cb cb;
	void		*arg;

	if ((v = json_loadb(s, len, 0, &jerr)) == NULL ||
	    !json_is_object(v)) {
		i3c_status(c, I3_CLIENT_WARNING,
		    "a line from the gateway is not a JSON object");
		json_decref(v);
		return;
	}
	c->backoff = c->o.backoff_min_ms;	/* it works: start over */
	id = json_object_get(v, "id");
	method = json_string_value(json_object_get(v, "method"));
	res = json_object_get(v, "result");
	errv = json_object_get(v, "error");

	if (method != NULL && (id == NULL || json_is_null(id))) {
		/*
		 * Its session's number: one at or below the last handled is a
		 * replay of what this client had (skipped); the rest advance it.
		 */
		seq = json_integer_value(json_object_get(json_object_get(v,
		    "params"), "seq"));
		if (seq > 0 && seq <= c->last_seq) {
			json_decref(v);
			return;
		}
		if (seq > 0)
			c->last_seq = seq;
		c->busy++;
		taken = 0;
		for (h = 0; h < c->nhand && !c->freeing; h++) {
			if (c->hand[h].event == NULL ||
			    strcmp(c->hand[h].event, method) != 0)
				continue;
			cb = c->hand[h].cb;
			arg = c->hand[h].arg;
			cb(c, method, json_object_get(v, "params"), arg);
			taken++;
		}
		for (h = 0; !taken && h < c->nhand && !c->freeing; h++) {
			if (c->hand[h].event != NULL)
				continue;
			cb = c->hand[h].cb;
			arg = c->hand[h].arg;
			cb(c, method, json_object_get(v, "params"), arg);
		}
		c->busy--;
	} else if (json_is_integer(id) && (res != NULL || errv != NULL)) {
		n = json_integer_value(id);
		for (i = 0; i < c->npend; i++) {
			if (c->pend[i].id == n)
				break;
		}
		/* Unknown ids: timed out, or sent before a copyover. */
		if (i < c->npend) {
			p = c->pend[i];
			memmove(c->pend + i, c->pend + i + 1,
			    (c->npend - i - 1) * sizeof *c->pend);
			c->npend--;
			i3c_answer(c, &p, errv != NULL ? NULL : res, errv);
		}
	} else if (method == NULL)
		i3c_status(c, I3_CLIENT_WARNING,
		    "an unexpected message from the gateway");
	json_decref(v);
}

static void
i3c_answer(i3_client *c, struct i3c_pending *p, const json_t *res,
    const json_t *errv)
{
	const char	*msg;

	if (p->cb != NULL) {
		c->busy++;
		p->cb(c, p->id, res, errv, p->arg);
		c->busy--;
	} else if (errv != NULL) {
		msg = json_string_value(json_object_get(errv, "message"));
		i3c_status(c, I3_CLIENT_WARNING, "%s (call %" PRId64 "): %s "
		    "(%" JSON_INTEGER_FORMAT ")", p->method, p->id,
		    msg != NULL ? msg : "error",
		    json_integer_value(json_object_get(errv, "code")));
	}
}

/* Answer with an error every pending call whose line ends by upto. */
void
i3__c_fail_all(i3_client *c, int code, const char *msg, uint64_t upto)
{
	struct i3c_pending	 p;
	json_t			*e;
	unsigned int		 i;

	e = json_pack("{s:i,s:s}", "code", code, "message", msg);
	i = 0;
	while (i < c->npend) {
		if (c->pend[i].end > upto) {
			i++;
			continue;
		}
		p = c->pend[i];
		memmove(c->pend + i, c->pend + i + 1,
		    (c->npend - i - 1) * sizeof *c->pend);
		c->npend--;
		if (e != NULL)
			i3c_answer(c, &p, NULL, e);
		/* A callback may have added calls: they end later, go on. */
	}
	json_decref(e);
}

static void
i3c_timeouts(i3_client *c, int64_t now)
{
	struct i3c_pending	 p;
	json_t			*e;
	unsigned int		 i = 0;

	while (i < c->npend) {
		if (c->pend[i].deadline == 0 || c->pend[i].deadline > now) {
			i++;
			continue;
		}
		p = c->pend[i];
		memmove(c->pend + i, c->pend + i + 1,
		    (c->npend - i - 1) * sizeof *c->pend);
		c->npend--;
		e = json_pack("{s:i,s:s}", "code", I3_CLIENT_ETIMEDOUT,
		    "message", "no answer from the gateway in time");
		if (e != NULL)
			i3c_answer(c, &p, NULL, e);
		json_decref(e);
	}
}

/* Queue one line; 0, or -1 when the queue is full. */
static int
i3c_enqueue(i3_client *c, const json_t *msg)
{
	char	*s, *n;
	size_t	 len, need;

	if ((s = json_dumps(msg, JSON_COMPACT)) == NULL) {
		i3c_seterr(c, "cannot encode the request");
		return (-1);
	}
	len = strlen(s);
	if (c->olen - c->ooff + len + 1 > c->o.max_queue) {
		i3c_seterr(c, "send queue full (%zu bytes waiting)",
		    c->olen - c->ooff);
		free(s);
		return (-1);
	}
	if (c->ooff > 0) {
		memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
		c->olen -= c->ooff;
		c->obase += c->ooff;
		c->ooff = 0;
	}
	need = c->olen + len + 1;
	if (need > c->osize) {
		if (need < c->osize * 2)
			need = c->osize * 2;
		if (need < 4096)
			need = 4096;
		if ((n = realloc(c->obuf, need)) == NULL) {
			i3c_seterr(c, "out of memory");
			free(s);
			return (-1);
		}
		c->obuf = n;
		c->osize = need;
	}
	memcpy(c->obuf + c->olen, s, len);
	c->obuf[c->olen + len] = '\n';
	c->olen += len + 1;
	free(s);
	return (0);
}

static int64_t
i3c_request(i3_client *c, const char *method, const json_t *params,
    i3_client_result_cb cb, void *arg, int internal)
{
	struct i3c_pending	*p;
	json_t			*msg;
	const char		*ch;
	int64_t			 id;

	if (c == NULL || method == NULL ||
	    (params != NULL && !json_is_object(params))) {
		if (c != NULL)
			i3c_seterr(c, "bad arguments");
		return (-1);
	}
	if (c->state == I3C_DEAD || c->freeing) {
		i3c_seterr(c, "not connected to the gateway");
		return (-1);
	}
	if (c->npend >= c->o.max_pending) {
		i3c_seterr(c, "too many calls waiting for an answer (%u)",
		    c->npend);
		return (-1);
	}
	id = c->next_id;
	msg = json_pack("{s:s,s:I,s:s}", "jsonrpc", "2.0", "id",
	    (json_int_t)id, "method", method);
	if (msg == NULL || (params != NULL &&
	    json_object_set(msg, "params", (json_t *)params) == -1)) {
		json_decref(msg);
		i3c_seterr(c, "out of memory");
		return (-1);
	}
	if (i3c_enqueue(c, msg) == -1) {
		json_decref(msg);
		return (-1);
	}
	json_decref(msg);
	c->next_id++;
	p = &c->pend[c->npend++];
	memset(p, 0, sizeof *p);
	p->id = id;
	p->cb = cb;
	p->arg = arg;
	p->end = c->obase + c->olen;
	if (c->o.call_timeout_ms != 0)
		p->deadline = i3__c_now() + c->o.call_timeout_ms;
	snprintf(p->method, sizeof p->method, "%s", method);

	if (!internal && params != NULL &&
	    (ch = json_string_value(json_object_get(params, "channel"))) !=
	    NULL) {
		if (strcmp(method, "channel_join") == 0)
			json_object_set_new(c->channels, ch, json_true());
		else if (strcmp(method, "channel_leave") == 0)
			json_object_del(c->channels, ch);
	}
	i3__c_flush(c);
	return (id);
}

static int
i3c_set(json_t *o, const char *key, const char *val)
{
	if (o == NULL || val == NULL)
		return (0);
	return (json_object_set_new(o, key, json_string(val)));
}

/* ------------------------------------------------------------- public */

i3_client *
i3_client_spawn(const char *i3gw_path, char *const argv[],
    const i3_client_opts *opts, i3_error *err)
{
	i3_client	*c;

	if (i3gw_path == NULL || *i3gw_path == '\0') {
		i3__seterr(err, I3_EINVAL, 0, "no gateway program given");
		return (NULL);
	}
	if ((c = i3__c_new(I3C_SPAWN, opts)) == NULL ||
	    i3__c_target(c, i3gw_path, argv) == -1)
		goto nomem;
	if (i3__c_open(c, 0) == -1) {
		i3__seterr(err, I3_ECLIENT, 0, "%s", c->why);
		i3__c_destroy(c);
		return (NULL);
	}
	return (c);
nomem:
	if (c != NULL)
		i3__c_destroy(c);
	i3__seterr(err, I3_ENOMEM, 0, "out of memory");
	return (NULL);
}

i3_client *
i3_client_connect_unix(const char *path, const i3_client_opts *opts,
    i3_error *err)
{
	i3_client	*c;

	if (path == NULL || *path == '\0') {
		i3__seterr(err, I3_EINVAL, 0, "no socket path given");
		return (NULL);
	}
	if ((c = i3__c_new(I3C_UNIX, opts)) == NULL ||
	    (c->where = strdup(path)) == NULL) {
		if (c != NULL)
			i3__c_destroy(c);
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (NULL);
	}
	if (i3__c_open(c, 0) == -1) {
		i3__seterr(err, I3_ECLIENT, 0, "%s", c->why);
		i3__c_destroy(c);
		return (NULL);
	}
	return (c);
}

i3_client *
i3_client_connect_tcp(const char *host, const char *port,
    const i3_client_opts *opts, i3_error *err)
{
	i3_client	*c;

	if (host == NULL || port == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "no host or port given");
		return (NULL);
	}
	if ((c = i3__c_new(I3C_TCP, opts)) == NULL ||
	    (c->where = strdup(host)) == NULL ||
	    (c->port = strdup(port)) == NULL) {
		if (c != NULL)
			i3__c_destroy(c);
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (NULL);
	}
	if (i3__c_open(c, I3C_CONNECT_WAIT) == -1) {
		i3__seterr(err, I3_ECLIENT, 0, "%s", c->why);
		i3__c_destroy(c);
		return (NULL);
	}
	return (c);
}

void
i3_client_free(i3_client *c)
{
	int		st, i;
	pid_t		r;

	if (c == NULL)
		return;
	if (c->busy) {
		c->freeing = 1;
		return;
	}
	c->freeing = 1;
	c->busy++;
	/* Best effort: what is queued (a last message) goes out. */
	i3__c_drain(c, 1000);
	i3__c_fail_all(c, I3_CLIENT_ECLOSED, "client closed", UINT64_MAX);
	if (c->rfd != -1)
		close(c->rfd);
	if (c->wfd != -1 && c->wfd != c->rfd)
		close(c->wfd);
	if (c->pid != -1) {
		/* End of input: the gateway says goodbye and exits. */
		for (i = 0; i < I3C_FREE_WAIT / 20; i++) {
			r = waitpid((pid_t)c->pid, &st, WNOHANG);
			if (r != 0 && !(r == -1 && errno == EINTR))
				break;
			poll(NULL, 0, 20);
		}
		if (i == I3C_FREE_WAIT / 20) {
			i3__c_reap(c, 1);
			c->oldpid = c->pid;
		}
	}
	i3__c_reap(c, 1);
	i3__c_destroy(c);
}

int
i3_client_fd(const i3_client *c)
{
	return (c != NULL && (c->state == I3C_UP ||
	    c->state == I3C_CONNECTING) ? c->rfd : -1);
}

int
i3_client_wfd(const i3_client *c)
{
	return (c != NULL && (c->state == I3C_UP ||
	    c->state == I3C_CONNECTING) ? c->wfd : -1);
}

int
i3_client_want_write(const i3_client *c)
{
	if (c == NULL)
		return (0);
	return (c->state == I3C_CONNECTING ||
	    (c->state == I3C_UP && c->ooff < c->olen));
}

int
i3_client_connected(const i3_client *c)
{
	return (c != NULL && c->state == I3C_UP && !c->broken);
}

long
i3_client_pid(const i3_client *c)
{
	return (c != NULL ? c->pid : -1);
}

const i3_error *
i3_client_error(const i3_client *c)
{
	static const i3_error	none = { I3_EINVAL, 0, "no client" };

	return (c != NULL ? &c->err : &none);
}

/* Reconnect when due, time calls out, tear down a broken link. */
static void
i3c_housekeep(i3_client *c)
{
	int64_t	now;

	if (c->broken)
		i3__c_teardown(c);
	if (c->oldpid != -1)
		i3__c_reap(c, 0);
	now = i3__c_now();
	if (c->state == I3C_DOWN && now >= c->next_try && !c->freeing) {
		if (i3__c_open(c, 0) == -1) {
			i3c_schedule(c);
			i3c_status(c, I3_CLIENT_RETRY, "%s", c->why);
		} else if (c->state == I3C_UP)
			i3c_status(c, I3_CLIENT_CONNECTED, "%s",
			    c->kind == I3C_SPAWN ? "gateway started" :
			    "connected to the gateway");
	}
	if (c->npend > 0)
		i3c_timeouts(c, now);
}

int
i3_client_poll(i3_client *c, int timeout_ms)
{
	struct pollfd	 pfd[2];
	int64_t		 now, wait;
	unsigned int	 i;
	int		 n = 0, nfd = 0, rc;

	if (c == NULL)
		return (-1);
	if (c->busy)
		return (0);	/* from a callback: nothing to do */
	c->busy++;
	i3c_housekeep(c);

	now = i3__c_now();
	wait = timeout_ms < 0 ? INT32_MAX : timeout_ms;
	if (c->state == I3C_DOWN && c->next_try - now < wait)
		wait = c->next_try - now > 0 ? c->next_try - now : 0;
	for (i = 0; i < c->npend; i++) {
		if (c->pend[i].deadline != 0 &&
		    c->pend[i].deadline - now < wait)
			wait = c->pend[i].deadline - now > 0 ?
			    c->pend[i].deadline - now : 0;
	}
	if (c->ilen > 0 && memchr(c->ibuf, '\n', c->ilen) != NULL)
		wait = 0;
	if (c->state == I3C_DEAD)
		wait = 0;

	if (c->state == I3C_UP || c->state == I3C_CONNECTING) {
		pfd[0].fd = c->rfd;
		pfd[0].events = c->state == I3C_UP ? POLLIN : POLLOUT;
		pfd[0].revents = 0;
		nfd = 1;
		if (i3_client_want_write(c) && c->state == I3C_UP) {
			if (c->wfd == c->rfd)
				pfd[0].events |= POLLOUT;
			else {
				pfd[1].fd = c->wfd;
				pfd[1].events = POLLOUT;
				pfd[1].revents = 0;
				nfd = 2;
			}
		}
	}
	do {
		rc = poll(nfd > 0 ? pfd : NULL, (nfds_t)nfd, (int)wait);
	} while (rc == -1 && errno == EINTR && (wait = 0, 1));

	if (rc > 0 && c->state == I3C_CONNECTING) {
		if (pfd[0].revents != 0) {
			if (i3__c_tcp_done(c) == 0)
				i3c_status(c, I3_CLIENT_CONNECTED,
				    "connected to the gateway");
			else {
				i3c_schedule(c);
				i3c_status(c, I3_CLIENT_RETRY, "%s", c->why);
			}
		}
	} else if (rc > 0 && c->state == I3C_UP) {
		for (i = 0; i < (unsigned int)nfd; i++) {
			if ((pfd[i].revents & (POLLOUT | POLLERR)) != 0 &&
			    pfd[i].fd == c->wfd)
				i3__c_flush(c);
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			i3__c_read(c);
	}
	n = i3__c_dispatch(c, c->o.max_dispatch);
	if (c->broken || (c->state == I3C_DOWN && i3__c_now() >= c->next_try))
		i3c_housekeep(c);
	else if (c->state == I3C_UP && c->ooff < c->olen)
		i3__c_flush(c);
	c->busy--;
	if (c->freeing) {
		i3_client_free(c);
		return (n);
	}
	if (c->state == I3C_DEAD) {
		i3c_seterr(c, "the gateway is gone: %s", c->why);
		return (-1);
	}
	return (n);
}

int64_t
i3_client_call(i3_client *c, const char *method, const json_t *params,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_request(c, method, params, cb, arg, 0));
}

int64_t
i3_client_call_new(i3_client *c, const char *method, json_t *params,
    i3_client_result_cb cb, void *arg)
{
	int64_t	id;

	id = i3c_request(c, method, params, cb, arg, 0);
	json_decref(params);
	return (id);
}

int
i3_client_notify(i3_client *c, const char *method, const json_t *params)
{
	json_t	*msg;
	int	 rc;

	if (c == NULL || method == NULL ||
	    (params != NULL && !json_is_object(params)))
		return (-1);
	if (c->state == I3C_DEAD || c->freeing) {
		i3c_seterr(c, "not connected to the gateway");
		return (-1);
	}
	msg = json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", method);
	if (msg == NULL || (params != NULL &&
	    json_object_set(msg, "params", (json_t *)params) == -1)) {
		json_decref(msg);
		i3c_seterr(c, "out of memory");
		return (-1);
	}
	rc = i3c_enqueue(c, msg);
	json_decref(msg);
	if (rc == 0)
		i3__c_flush(c);
	return (rc);
}

/* A message call: the common shape of tell, emoteto and the channels. */
static int64_t
i3c_msg(i3_client *c, const char *method, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *from_user,
    const char *visname, const char *msgkey, const char *message,
    i3_client_result_cb cb, void *arg)
{
	json_t	*p;

	if ((p = json_object()) == NULL ||
	    i3c_set(p, k1, v1) == -1 || i3c_set(p, k2, v2) == -1 ||
	    i3c_set(p, "from_user", from_user) == -1 ||
	    i3c_set(p, "visname", visname) == -1 ||
	    i3c_set(p, msgkey, message) == -1) {
		json_decref(p);
		if (c != NULL)
			i3c_seterr(c, "out of memory");
		return (-1);
	}
	return (i3_client_call_new(c, method, p, cb, arg));
}

int64_t
i3_client_tell(i3_client *c, const char *from_user, const char *visname,
    const char *target_user, const char *target_mud, const char *message,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "tell", "target_user", target_user, "target_mud",
	    target_mud, from_user, visname, "message", message, cb, arg));
}

int64_t
i3_client_emoteto(i3_client *c, const char *from_user, const char *visname,
    const char *target_user, const char *target_mud, const char *message,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "emoteto", "target_user", target_user,
	    "target_mud", target_mud, from_user, visname, "message", message,
	    cb, arg));
}

int64_t
i3_client_channel_send(i3_client *c, const char *channel,
    const char *from_user, const char *visname, const char *message,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "channel_send", "channel", channel, NULL, NULL,
	    from_user, visname, "message", message, cb, arg));
}

int64_t
i3_client_channel_emote(i3_client *c, const char *channel,
    const char *from_user, const char *visname, const char *message,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "channel_emote", "channel", channel, NULL, NULL,
	    from_user, visname, "message", message, cb, arg));
}

int64_t
i3_client_channel_join(i3_client *c, const char *channel,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "channel_join", "channel", channel, NULL, NULL,
	    NULL, NULL, NULL, NULL, cb, arg));
}

int64_t
i3_client_channel_leave(i3_client *c, const char *channel,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "channel_leave", "channel", channel, NULL, NULL,
	    NULL, NULL, NULL, NULL, cb, arg));
}

int64_t
i3_client_who(i3_client *c, const char *mud, i3_client_result_cb cb,
    void *arg)
{
	return (i3c_msg(c, "who", "target_mud", mud, NULL, NULL, NULL, NULL,
	    NULL, NULL, cb, arg));
}

int64_t
i3_client_finger(i3_client *c, const char *user, const char *mud,
    i3_client_result_cb cb, void *arg)
{
	return (i3c_msg(c, "finger", "target_mud", mud, "user", user, NULL,
	    NULL, NULL, NULL, cb, arg));
}

int64_t
i3_client_locate(i3_client *c, const char *user, i3_client_result_cb cb,
    void *arg)
{
	return (i3c_msg(c, "locate", "user", user, NULL, NULL, NULL, NULL,
	    NULL, NULL, cb, arg));
}

int64_t
i3_client_mudlist(i3_client *c, const char *status, i3_client_result_cb cb,
    void *arg)
{
	return (i3c_msg(c, "mudlist", "status", status, NULL, NULL, NULL,
	    NULL, NULL, NULL, cb, arg));
}

int64_t
i3_client_ping(i3_client *c, i3_client_result_cb cb, void *arg)
{
	return (i3_client_call(c, "ping", NULL, cb, arg));
}

int64_t
i3_client_presence_update(i3_client *c, const json_t *params,
    i3_client_result_cb cb, void *arg)
{
	return (i3_client_call(c, "presence_update", params, cb, arg));
}

int
i3_client_on(i3_client *c, const char *event, i3_client_event_cb cb,
    void *arg)
{
	struct i3c_handler	*n;
	char			*name = NULL;

	if (c == NULL || cb == NULL)
		return (-1);
	if (event != NULL && strcmp(event, "*") != 0 &&
	    (name = strdup(event)) == NULL) {
		i3c_seterr(c, "out of memory");
		return (-1);
	}
	n = realloc(c->hand, (c->nhand + 1) * sizeof *c->hand);
	if (n == NULL) {
		free(name);
		i3c_seterr(c, "out of memory");
		return (-1);
	}
	c->hand = n;
	c->hand[c->nhand].event = name;
	c->hand[c->nhand].cb = cb;
	c->hand[c->nhand].arg = arg;
	c->nhand++;
	return (0);
}

void
i3_client_on_status(i3_client *c, i3_client_status_cb cb, void *arg)
{
	if (c == NULL)
		return;
	c->o.on_status = cb;
	c->o.status_arg = arg;
}

