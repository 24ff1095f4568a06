/*
 * tap.c: "i3codec tap", a transparent MudMode proxy that logs every frame.
 *
 * A MUD's own I3 client connects to the tap instead of its router; the tap
 * connects on to the router and passes every byte through unchanged, in
 * both directions.  Beside the stream it cuts the bytes into frames and
 * writes one JSON line per frame (time, connection, direction, offset,
 * length, the packet raw and named) with the findings that explain most
 * I3 trouble: frames without their NUL, lengths that exclude it, a CR for
 * the NUL, Latin-1 text, non-canonical LPC, schema violations, floods, a
 * password other than the one the router issued, list ids going back.
 *
 * What the analysis cannot follow (a lost framing) it reports once and
 * then only counts: it never changes, delays or drops what passes through.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3.h"
#include "common.h"
#include "i3codec.h"

#define TX_OK		0
#define TX_USAGE	2
#define TX_IO		3

#define TAP_CHUNK	65536
#define TAP_OUTMAX	(4U * 1024 * 1024)	/* per direction, then stop reading */
#define TAP_MAXPW	256			/* MUD names remembered */

enum { MUD2R, R2MUD };			/* the two directions */
static const char *dirname_[2] = { "mud>router", "router>mud" };

struct tap_opts {
	int		 pretty;
	int		 quiet;
	int		 colour;
	unsigned int	 rate;		/* packets a second a router accepts */
	size_t		 max_line;	/* bytes of packet text shown per line */
	unsigned int	 max_clients;
	i3_limits	 lim;
};

struct tap_dir {
	unsigned char	*in;		/* bytes not yet cut into frames */
	size_t		 inlen, insize;
	uint64_t	 off;		/* stream offset of in[0] */
	int		 lost;		/* framing lost: count bytes only */
	int		 eof;		/* the source closed */
	unsigned char	*out;		/* bytes waiting for the other side */
	size_t		 outlen, outsize;
	uint64_t	 frames, bytes, findings;
	int64_t		 win[64];	/* times (ms) of the last frames */
	unsigned int	 nwin;
	int64_t		 flood_until;	/* ms: one finding per burst */
	json_int_t	 mudlist_id, chanlist_id;
	int		 prev_nonul;	/* last frame lacked its NUL */
};

struct tap_conn {
	struct tap_conn	*next;
	unsigned int	 id;
	int		 fd[2];		/* [MUD2R] the MUD, [R2MUD] the router */
	int		 connecting;
	char		 peer[80];
	struct tap_dir	 d[2];		/* d[MUD2R] carries MUD -> router */
	char		 mud[64];	/* from the startup packet */
};

struct tap_totals {
	uint64_t	 frames[2], bytes[2], findings[2];
	unsigned int	 conns;
};

static struct tap_opts	 T;
static struct tap_totals Tot;
static struct tap_conn	*conns;
static unsigned int	 nconns, next_id = 1;
static volatile sig_atomic_t stop;
static struct addrinfo	*upstream;
static const char	*upstream_name;
static FILE		*logf_;

static struct {
	char	mud[64];
	json_int_t pw;
} issued[TAP_MAXPW];
static unsigned int	 nissued;

void
tap_usage(FILE *f, const char *cmd)
{
	(void)cmd;
	fprintf(f,
"usage: i3codec tap [-pq] [-l ADDR:PORT] [-o FILE] [-r RATE] [-m BYTES]\n"
"                   [-L BYTES] [-c CLIENTS] ROUTER_HOST:PORT\n"
"A MudMode proxy: bytes pass unchanged, every frame is logged with findings.\n"
"  -l, --listen ADDR:PORT  where the MUD connects (default 127.0.0.1:8787;\n"
"                          port 0 picks one, printed on stderr)\n"
"  -o, --output FILE       append the log to FILE instead of stdout\n"
"  -p, --pretty            one readable line a frame (coloured on a tty)\n"
"  -q, --quiet             only frames with findings, and the totals\n"
"  -r, --rate N            flood rule: packets a second (default 10)\n"
"  -m, --max-frame BYTES   longest frame analysed (default 2097152)\n"
"  -L, --max-line BYTES    longest packet text shown in a line (default\n"
"                          65536; longer ones are logged without it)\n"
"  -c, --max-clients N     MUD connections at once (default 64)\n"
"  -h, --help              this help\n");
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static json_t *
stamp(void)
{
	struct timespec	ts;
	struct tm	tm;
	char		buf[80];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);
	return (json_string(buf));
}

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* "host:port" or "[v6]:port" -> addrinfo list; NULL and a message. */
static struct addrinfo *
resolve(const char *spec, int passive)
{
	struct addrinfo	 hints, *res;
	char		*host, *port;
	int		 rc;

	host = xstrdup(spec);
	if ((port = strrchr(host, ':')) == NULL || port[1] == '\0') {
		fprintf(stderr, "i3codec: %s: want HOST:PORT\n", spec);
		free(host);
		return (NULL);
	}
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		fprintf(stderr, "i3codec: %s: %s\n", spec, gai_strerror(rc));
		free(host);
		return (NULL);
	}
	free(host);
	return (res);
}

static void
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void
grow(unsigned char **p, size_t *size, size_t need)
{
	size_t	n = *size ? *size : 4096;

	if (need <= *size)
		return;
	while (n < need)
		n *= 2;
	*p = xrealloc(*p, n);
	*size = n;
}

/* ------------------------------------------------------------ output */

static void
add_finding(json_t *f, struct tap_dir *d, int dir, const char *code,
    const char *fmt, ...) C_PRINTF(5, 6);

static void
add_finding(json_t *f, struct tap_dir *d, int dir, const char *code,
    const char *fmt, ...)
{
	char	text[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_array_append_new(f, json_pack("{ssss}", "code", code, "text",
	    text));
	d->findings++;
	Tot.findings[dir]++;
}

static const char *
col(const char *c)
{
	return (T.colour ? c : "");
}

/* A log line: {"time":...,"conn":N,...} as JSON or one readable line. */
static void
put_line(json_t *line)
{
	json_t		*f = json_object_get(line, "findings"), *x;
	const char	*ev, *dir, *type;
	char		*s;
	size_t		 i;

	if (T.quiet && json_array_size(f) == 0 &&
	    json_object_get(line, "event") == NULL)
		goto done;
	if (T.quiet && (ev = json_string_value(json_object_get(line,
	    "event"))) != NULL && strcmp(ev, "stop") != 0 &&
	    json_array_size(f) == 0)
		goto done;
	if (!T.pretty) {
		if ((s = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII))
		    == NULL)
			goto done;
		fprintf(logf_, "%s\n", s);
		free(s);
		goto done;
	}
	/* Readable: 07:20:01.123 #1 mud>router @0 123B tell (...) */
	{
		const char *t = json_string_value(json_object_get(line, "time"));

		fprintf(logf_, "%s%.12s%s #%lld ", col("\033[2m"),
		    t != NULL && strlen(t) > 11 ? t + 11 : "", col("\033[0m"),
		    (long long)json_integer_value(json_object_get(line,
		    "conn")));
	}
	if ((ev = json_string_value(json_object_get(line, "event"))) != NULL) {
		json_t *cp = json_deep_copy(line);

		json_object_del(cp, "time");
		json_object_del(cp, "conn");
		json_object_del(cp, "event");
		json_object_del(cp, "findings");
		s = json_dumps(cp, JSON_COMPACT);
		fprintf(logf_, "%s%s%s %s\n", col("\033[1m"), ev,
		    col("\033[0m"), s != NULL ? s : "");
		free(s);
		json_decref(cp);
	} else {
		dir = json_string_value(json_object_get(line, "dir"));
		type = json_string_value(json_object_get(line, "type"));
		fprintf(logf_, "%s%s%s @%lld %lldB %s%s%s", col(dir != NULL &&
		    dir[0] == 'm' ? "\033[36m" : "\033[32m"), dir ? dir : "?",
		    col("\033[0m"), (long long)json_integer_value(
		    json_object_get(line, "offset")), (long long)
		    json_integer_value(json_object_get(line, "length")),
		    col("\033[1m"), type != NULL ? type : "-", col("\033[0m"));
		if ((x = json_object_get(line, "raw")) != NULL &&
		    (s = i3_lpc_encode(x, I3_ENC_FLOATS | I3_ENC_NULOK, NULL,
		    NULL)) != NULL) {
			if (strlen(s) > 160)
				strcpy(s + 157, "...");
			fprintf(logf_, " %s", s);
			free(s);
		}
		fputc('\n', logf_);
	}
	json_array_foreach(f, i, x)
		fprintf(logf_, "    %s! %s%s: %s\n", col("\033[31;1m"),
		    json_string_value(json_object_get(x, "code")),
		    col("\033[0m"), json_string_value(json_object_get(x,
		    "text")));
done:
	fflush(logf_);
	json_decref(line);
}

static json_t *
new_line(struct tap_conn *c)
{
	return (json_pack("{sosI}", "time", stamp(), "conn",
	    (json_int_t)c->id));
}

static json_t *
dir_totals(const uint64_t *frames, const uint64_t *bytes,
    const uint64_t *findings)
{
	json_t	*o = json_object();
	int	 i;

	for (i = 0; i < 2; i++)
		json_object_set_new(o, dirname_[i], json_pack("{sIsIsI}",
		    "frames", (json_int_t)frames[i], "bytes",
		    (json_int_t)bytes[i], "findings", (json_int_t)findings[i]));
	return (o);
}

/* ------------------------------------------------------------ analysis */

static json_int_t
issued_pw(const char *mud, int *known)
{
	unsigned int	i;

	for (i = 0; i < nissued; i++)
		if (strcasecmp(issued[i].mud, mud) == 0) {
			*known = 1;
			return (issued[i].pw);
		}
	*known = 0;
	return (0);
}

static void
remember_pw(const char *mud, json_int_t pw)
{
	unsigned int	i;

	for (i = 0; i < nissued; i++)
		if (strcasecmp(issued[i].mud, mud) == 0)
			break;
	if (i == nissued) {
		if (nissued == TAP_MAXPW)
			i = 0;		/* forget the oldest-placed */
		else
			nissued++;
	}
	snprintf(issued[i].mud, sizeof issued[i].mud, "%s", mud);
	issued[i].pw = pw;
}

/* A mudlist or chanlist id must not go back. */
static void
check_list_id(struct tap_dir *d, int dir, json_t *f, const char *what,
    json_int_t id, json_int_t *last)
{
	if (id < *last)
		add_finding(f, d, dir, "list-id", "%s id %lld after %lld: ids "
		    "must not go back", what, (long long)id, (long long)*last);
	*last = id;
}

/* Findings of what a packet says (as opposed to how it is written). */
static void
check_packet(struct tap_conn *c, int dir, json_t *raw, json_t *named,
    json_t *f)
{
	struct tap_dir	*d = &c->d[dir];
	const char	*type = i3_packet_type(raw), *mud;
	json_t		*w = NULL, *x;
	i3_error	 e;
	size_t		 i;
	json_int_t	 pw, had;
	int		 known;

	memset(&e, 0, sizeof e);
	if (i3_packet_validate(raw, I3_PKT_LENIENT, &w, &e) == -1)
		add_finding(f, d, dir, "schema", "%s", e.text);
	json_array_foreach(w, i, x)
		add_finding(f, d, dir, "schema", "%s", json_string_value(x));
	json_decref(w);
	if (type == NULL || named == NULL)
		return;
	if (dir == MUD2R && strncmp(type, "startup-req-", 12) == 0 &&
	    (mud = i3_pkt_str(named, "originator_mud")) != NULL) {
		snprintf(c->mud, sizeof c->mud, "%s", mud);
		pw = i3_pkt_int(named, "password", 0);
		had = issued_pw(mud, &known);
		if (known && pw != had)
			add_finding(f, d, dir, "password", "startup for %s "
			    "with password %lld, but the router issued %lld "
			    "last time: expect not-allowed (keep the "
			    "password from startup-reply)", mud,
			    (long long)pw, (long long)had);
	}
	if (dir == R2MUD && strcmp(type, "startup-reply") == 0 &&
	    (mud = i3_pkt_str(named, "target_mud")) != NULL)
		remember_pw(mud, i3_pkt_int(named, "password", 0));
	if (dir == R2MUD && strcmp(type, "mudlist") == 0)
		check_list_id(d, dir, f, "mudlist", i3_pkt_int(named,
		    "mudlist_id", 0), &d->mudlist_id);
	if (dir == R2MUD && strcmp(type, "chanlist-reply") == 0)
		check_list_id(d, dir, f, "chanlist", i3_pkt_int(named,
		    "chanlist_id", 0), &d->chanlist_id);
}

/* The router's flood rule: more than T.rate packets within one second. */
static void
check_rate(struct tap_dir *d, int dir, json_t *f)
{
	int64_t		 t = now_ms();
	unsigned int	 n = T.rate < 63 ? T.rate : 63, i;

	if (dir != MUD2R || T.rate == 0)
		return;
	if (d->nwin == 64) {
		memmove(d->win, d->win + 1, 63 * sizeof d->win[0]);
		d->nwin--;
	}
	d->win[d->nwin++] = t;
	if (d->nwin <= n)
		return;
	i = d->nwin - n - 1;		/* the frame n+1 back */
	if (t - d->win[i] < 1000 && t >= d->flood_until) {
		add_finding(f, d, dir, "flood", "%u packets within %lld ms: "
		    "over the router's flood rule of %u a second (routers "
		    "graylist floods)", n + 1, (long long)(t - d->win[i]),
		    T.rate);
		d->flood_until = t + 1000;
	}
}

/* One whole frame: payload p[0..n) as the length said it. */
static void
frame(struct tap_conn *c, int dir, const unsigned char *p, size_t n,
    uint64_t off)
{
	struct tap_dir	*d = &c->d[dir];
	json_t		*line = new_line(c), *f = json_array(), *raw, *named;
	json_t		*chk8;
	size_t		 body = n;
	i3_error	 e;

	d->frames++;
	Tot.frames[dir]++;
	json_object_set_new(line, "dir", json_string(dirname_[dir]));
	json_object_set_new(line, "offset", json_integer((json_int_t)off));
	json_object_set_new(line, "length", json_integer((json_int_t)n));
	d->prev_nonul = 0;
	if (n > 0 && p[n - 1] == '\0')
		body--;
	else if (n > 0 && p[n - 1] == '\r') {
		body--;
		add_finding(f, d, dir, "cr-end", "frame ends in CR, not NUL "
		    "(old clients; strict routers reject it)");
	} else {
		d->prev_nonul = 1;
		add_finding(f, d, dir, "no-nul", "frame does not end in NUL: "
		    "the length must count a trailing NUL");
	}
	/* jansson takes only UTF-8 (libi3's own check is not public). */
	if ((chk8 = json_stringn((const char *)p, body)) == NULL)
		add_finding(f, d, dir, "latin1", "text is not UTF-8 (Latin-1 "
		    "or CP1252?): routers pass it on as it is");
	json_decref(chk8);
	memset(&e, 0, sizeof e);
	raw = i3_lpc_decode((const char *)p, body, 0, &T.lim, &e);
	if (raw == NULL) {
		add_finding(f, d, dir, "not-lpc", "payload does not decode: "
		    "%s", e.text);
	} else {
		json_t *chk;

		memset(&e, 0, sizeof e);
		if ((chk = i3_lpc_decode((const char *)p, body, I3_DEC_STRICT,
		    &T.lim, &e)) == NULL)
			add_finding(f, d, dir, "non-canonical", "%s (routers "
			    "may reject what is not canonical)", e.text);
		json_decref(chk);
		named = i3_packet_named(raw, I3_PKT_LENIENT, NULL, NULL);
		if (i3_packet_type(raw) != NULL)
			json_object_set_new(line, "type",
			    json_string(i3_packet_type(raw)));
		check_packet(c, dir, raw, named, f);
		if (body <= T.max_line) {
			json_object_set(line, "raw", raw);
			if (named != NULL)
				json_object_set(line, "named", named);
		} else
			json_object_set_new(line, "truncated", json_true());
		json_decref(named);
		json_decref(raw);
	}
	if (raw == NULL) {
		size_t	k = body < 200 ? body : 200;

		json_object_set_new(line, "text", json_stringn_nocheck(
		    (const char *)p, k));
		if (!json_is_string(json_object_get(line, "text")))
			json_object_del(line, "text");
	}
	check_rate(d, dir, f);
	if (json_array_size(f) > 0)
		json_object_set(line, "findings", f);
	json_decref(f);
	put_line(line);
}

/* A finding that belongs to no whole frame (stray bytes, lost framing). */
static void
finding_line(struct tap_conn *c, int dir, uint64_t off, const char *code,
    const char *fmt, ...) C_PRINTF(5, 6);

static void
finding_line(struct tap_conn *c, int dir, uint64_t off, const char *code,
    const char *fmt, ...)
{
	json_t	*line = new_line(c), *f = json_array();
	char	 text[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	add_finding(f, &c->d[dir], dir, code, "%s", text);
	json_object_set_new(line, "dir", json_string(dirname_[dir]));
	json_object_set_new(line, "offset", json_integer((json_int_t)off));
	json_object_set_new(line, "findings", f);
	put_line(line);
}

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/*
 * Cut what has come so far into frames.  A frame whose length left out
 * its NUL is followed by that NUL: a header that reads as "({" one byte
 * later than it should is that case, reported and stepped over.
 */
static void
analyse(struct tap_conn *c, int dir)
{
	struct tap_dir	*d = &c->d[dir];
	size_t		 at = 0;
	uint32_t	 n;

	while (!d->lost && d->inlen - at >= 4) {
		const unsigned char *h = d->in + at;

		if (d->prev_nonul && h[0] == '\0') {
			if (d->inlen - at < 7)
				break;		/* need the "({" to decide */
			if (!(h[4] == '(' && h[5] == '{') &&
			    h[5] == '(' && h[6] == '{') {
				finding_line(c, dir, d->off + at, "stray-nul",
				    "a NUL after the frame, outside its "
				    "length: the length must count the NUL");
				d->prev_nonul = 0;
				at++;
				continue;
			}
		}
		n = be32(h);
		if (n == 0 || n > T.lim.max_frame) {
			finding_line(c, dir, d->off + at, n == 0 ?
			    "zero-length" : "too-big", n == 0 ? "frame length "
			    "0: framing lost, the rest is passed on unread" :
			    "frame length %lu over %zu: framing lost (text "
			    "sent without a length header?), the rest is "
			    "passed on unread", (unsigned long)n,
			    T.lim.max_frame);
			d->lost = 1;
			break;
		}
		if (d->inlen - at - 4 < n)
			break;
		frame(c, dir, h + 4, n, d->off + at);
		at += 4 + (size_t)n;
	}
	if (d->lost) {
		at = d->inlen;
	}
	if (at > 0) {
		memmove(d->in, d->in + at, d->inlen - at);
		d->inlen -= at;
		d->off += at;
	}
}

/* Bytes that passed in direction dir, for the analysis. */
static void
tap_take(struct tap_conn *c, int dir, const unsigned char *buf, size_t n)
{
	struct tap_dir	*d = &c->d[dir];

	if (d->lost)
		return;
	grow(&d->in, &d->insize, d->inlen + n);
	memcpy(d->in + d->inlen, buf, n);
	d->inlen += n;
	analyse(c, dir);
}

/* ------------------------------------------------------------ plumbing */

static void
conn_open_line(struct tap_conn *c)
{
	json_t	*line = new_line(c);

	json_object_set_new(line, "event", json_string("open"));
	json_object_set_new(line, "client", json_string(c->peer));
	json_object_set_new(line, "router", json_string(upstream_name));
	put_line(line);
}

static void
conn_close(struct tap_conn *c, const char *why)
{
	struct tap_conn	**pp;
	json_t		 *line;
	uint64_t	  fr[2], by[2], fi[2];
	int		  i;

	for (i = 0; i < 2; i++) {
		struct tap_dir *d = &c->d[i];

		if (!d->lost && d->inlen > 0) {
			if (d->inlen >= 4)
				finding_line(c, i, d->off, "truncated",
				    "closed mid-frame: %zu of %lu bytes came",
				    d->inlen - 4, (unsigned long)be32(d->in));
			else
				finding_line(c, i, d->off, "truncated",
				    "closed mid-header: %zu of 4 bytes came",
				    d->inlen);
		}
		fr[i] = d->frames;
		by[i] = d->bytes;
		fi[i] = d->findings;
	}
	line = new_line(c);
	json_object_set_new(line, "event", json_string("close"));
	json_object_set_new(line, "reason", json_string(why));
	json_object_set_new(line, "totals", dir_totals(fr, by, fi));
	put_line(line);
	for (i = 0; i < 2; i++) {
		if (c->fd[i] != -1)
			close(c->fd[i]);
		free(c->d[i].in);
		free(c->d[i].out);
	}
	for (pp = &conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	nconns--;
	free(c);
}

static void
peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char	host[INET6_ADDRSTRLEN], port[8];

	if (getnameinfo((const struct sockaddr *)ss, sizeof *ss, host,
	    sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV)
	    != 0)
		snprintf(buf, len, "?");
	else if (ss->ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, port);
	else
		snprintf(buf, len, "%s:%s", host, port);
}

static void
tap_accept(int lfd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	struct tap_conn		*c;
	struct addrinfo		*ai;
	int			 fd, rfd = -1, one = 1;

	if ((fd = accept(lfd, (struct sockaddr *)&ss, &sl)) == -1)
		return;
	if (nconns >= T.max_clients) {
		fprintf(stderr, "i3codec: tap: %u clients already: refused "
		    "one\n", nconns);
		close(fd);
		return;
	}
	nonblock(fd);
	for (ai = upstream; ai != NULL; ai = ai->ai_next) {
		if ((rfd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1)
			continue;
		nonblock(rfd);
		/* Frames go on as they come, not when Nagle allows. */
		setsockopt(rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(rfd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		close(rfd);
		rfd = -1;
	}
	c = xcalloc(1, sizeof *c);
	c->id = next_id++;
	c->fd[MUD2R] = fd;
	c->fd[R2MUD] = rfd;
	c->connecting = 1;
	peer_name(&ss, c->peer, sizeof c->peer);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->next = conns;
	conns = c;
	nconns++;
	Tot.conns++;
	conn_open_line(c);
	if (rfd == -1)
		conn_close(c, "cannot connect to the router");
}

static int	tap_write(struct tap_conn *, int);

/* Read from side dir's source; pass on, then analyse. 0, or -1 to close. */
static int
tap_read(struct tap_conn *c, int dir)
{
	struct tap_dir	*d = &c->d[dir];
	unsigned char	 buf[TAP_CHUNK];
	ssize_t		 n;

	n = read(c->fd[dir], buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		/* A reset is an end too: what came before it still goes on. */
		d->eof = 1;
		return (0);
	}
	d->bytes += (uint64_t)n;
	Tot.bytes[dir] += (uint64_t)n;
	grow(&d->out, &d->outsize, d->outlen + (size_t)n);
	memcpy(d->out + d->outlen, buf, (size_t)n);
	d->outlen += (size_t)n;
	/* Pass the bytes on first: the log never delays the stream. */
	if (tap_write(c, dir) == -1)
		return (-1);
	tap_take(c, dir, buf, (size_t)n);
	return (0);
}

/* Write what waits for the other side of dir. 0, or -1 to close. */
static int
tap_write(struct tap_conn *c, int dir)
{
	struct tap_dir	*d = &c->d[dir];
	ssize_t		 n;
	int		 to = c->fd[!dir];

	if (d->outlen == 0)
		return (0);
	n = write(to, d->out, d->outlen);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	memmove(d->out, d->out + n, d->outlen - (size_t)n);
	d->outlen -= (size_t)n;
	return (0);
}

static int
tap_listen(const char *spec)
{
	struct addrinfo		*res, *ai;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 name[96];
	int			 fd = -1, one = 1;

	if ((res = resolve(spec, 1)) == NULL)
		return (-1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 64) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1) {
		fprintf(stderr, "i3codec: tap: cannot listen on %s: %s\n",
		    spec, strerror(errno));
		freeaddrinfo(res);
		return (-1);
	}
	freeaddrinfo(res);
	nonblock(fd);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	peer_name(&ss, name, sizeof name);
	fprintf(stderr, "i3codec: tap: listening on %s, router %s\n", name,
	    upstream_name);
	return (fd);
}

static void
tap_stop_report(void)
{
	json_t	*line;
	int	 i;

	line = json_pack("{soss}", "time", stamp(), "event", "stop");
	json_object_set_new(line, "connections", json_integer(Tot.conns));
	json_object_set_new(line, "totals", dir_totals(Tot.frames, Tot.bytes,
	    Tot.findings));
	put_line(line);
	for (i = 0; i < 2; i++)
		fprintf(stderr, "i3codec: tap: %-10s %llu frames, %llu bytes, "
		    "%llu findings\n", dirname_[i],
		    (unsigned long long)Tot.frames[i],
		    (unsigned long long)Tot.bytes[i],
		    (unsigned long long)Tot.findings[i]);
}

/* The loop: one poll over the listener and both sides of each connection. */
static void
tap_loop(int lfd)
{
	struct pollfd	*pf = NULL;
	struct tap_conn	**who = NULL, *c, *next;
	size_t		 cap = 0, n, i;
	int		 dir;

	while (!stop) {
		if (cap < 1 + 2 * (size_t)nconns) {
			cap = 16 + 2 * (size_t)nconns;
			pf = xrealloc(pf, cap * sizeof *pf);
			who = xrealloc(who, cap * sizeof *who);
		}
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		n = 1;
		for (c = conns; c != NULL; c = c->next)
			for (dir = 0; dir < 2; dir++) {
				short ev = 0;

				/* read dir's source, write the other's out */
				if (!c->connecting || dir == MUD2R) {
					if (!c->d[dir].eof &&
					    c->d[dir].outlen < TAP_OUTMAX &&
					    !c->connecting)
						ev |= POLLIN;
					if (c->d[!dir].outlen > 0)
						ev |= POLLOUT;
				}
				if (c->connecting && dir == R2MUD)
					ev = POLLOUT;
				pf[n].fd = c->fd[dir];
				pf[n].events = ev;
				pf[n].revents = 0;
				who[n++] = c;
			}
		if (poll(pf, n, 1000) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pf[0].revents & POLLIN)
			tap_accept(lfd);
		/*
		 * Handle by connection, not by pollfd: a close frees the
		 * connection, and both of its entries are then skipped.
		 */
		for (i = 1; i + 1 < n; i += 2) {
			struct pollfd	*p = &pf[i];
			int		 bad = 0;

			c = who[i];
			for (next = conns; next != NULL && next != c;
			    next = next->next)
				;
			if (next == NULL)
				continue;	/* accepted this turn */
			if (c->connecting) {
				int		err = 0;
				socklen_t	el = sizeof err;

				if (p[1].revents == 0)
					continue;
				getsockopt(c->fd[R2MUD], SOL_SOCKET, SO_ERROR,
				    &err, &el);
				if (err != 0) {
					conn_close(c, strerror(err));
					continue;
				}
				c->connecting = 0;
				continue;
			}
			for (dir = 0; dir < 2 && !bad; dir++) {
				short re = p[dir].revents;

				if ((re & (POLLIN | POLLHUP | POLLERR)) &&
				    tap_read(c, dir) == -1)
					bad = 1;
				if ((re & POLLOUT) && tap_write(c, !dir) == -1)
					bad = 1;
			}
			if (bad) {
				conn_close(c, "connection error");
				continue;
			}
			/* A side that closed and whose bytes are all out. */
			for (dir = 0; dir < 2; dir++)
				if (c->d[dir].eof && c->d[dir].outlen == 0 &&
				    c->fd[!dir] != -1) {
					bad = 1;
					break;
				}
			if (bad)
				conn_close(c, dir == MUD2R ? "the MUD closed" :
				    "the router closed");
		}
	}
	free(pf);
	free(who);
	while (conns != NULL)
		conn_close(conns, "tap stopped");
}

int
cmd_tap(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "listen",	required_argument,	NULL, 'l' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "pretty",	no_argument,		NULL, 'p' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "rate",	required_argument,	NULL, 'r' },
		{ "max-frame",	required_argument,	NULL, 'm' },
		{ "max-line",	required_argument,	NULL, 'L' },
		{ "max-clients", required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct sigaction sa;
	const char	*listen_on = "127.0.0.1:8787", *out = NULL;
	char		*end;
	int		 ch, lfd;
	unsigned long	 v;

	T.rate = 10;
	T.max_line = 65536;
	T.max_clients = 64;
	T.lim.max_frame = I3_DEFAULT_MAX_FRAME;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:o:pqr:m:L:c:h", lopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_on = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			T.pretty = 1;
			break;
		case 'q':
			T.quiet = 1;
			break;
		case 'r': case 'm': case 'L': case 'c':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    v > 0x7fffffffUL || (v == 0 && ch != 'r')) {
				fprintf(stderr, "i3codec: tap: -%c: not a "
				    "number: %s\n", ch, optarg);
				return (TX_USAGE);
			}
			if (ch == 'r')
				T.rate = (unsigned int)v;
			else if (ch == 'm')
				T.lim.max_frame = v;
			else if (ch == 'L')
				T.max_line = v;
			else
				T.max_clients = (unsigned int)v;
			break;
		case 'h':
			tap_usage(stdout, "tap");
			return (TX_OK);
		default:
			tap_usage(stderr, "tap");
			return (TX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1) {
		tap_usage(stderr, "tap");
		return (TX_USAGE);
	}
	upstream_name = argv[0];
	if ((upstream = resolve(argv[0], 0)) == NULL)
		return (TX_USAGE);
	logf_ = stdout;
	if (out != NULL && (logf_ = fopen(out, "a")) == NULL) {
		fprintf(stderr, "i3codec: tap: %s: %s\n", out,
		    strerror(errno));
		return (TX_IO);
	}
	T.colour = T.pretty && isatty(fileno(logf_)) &&
	    getenv("NO_COLOR") == NULL;
	if ((lfd = tap_listen(listen_on)) == -1)
		return (TX_IO);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tap_loop(lfd);
	tap_stop_report();
	close(lfd);
	freeaddrinfo(upstream);
	if (logf_ != stdout)
		fclose(logf_);
	return (TX_OK);
}
