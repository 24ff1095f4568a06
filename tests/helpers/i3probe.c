/*
 * i3probe.c: a raw MudMode test client: JSON lines in, frames out, and back.
 *
 * i3probe -p PORT [-t TIMEOUT_MS] [--expect N] [--wait MS]
 *
 * Connects to 127.0.0.1:PORT.  Each stdin line is one of:
 *	[...]		a packet as a JSON array, sent as a canonical frame
 *	sleep MS	pause before the next line (still reading)
 *	wait TYPE	pause until a packet of that type arrives (each wait
 *			consumes the packets it looked at)
 *	hex HEX...	raw bytes (spaces allowed), e.g. a broken frame
 *	lpc TEXT	TEXT framed as it is (length + TEXT + NUL)
 *	quit		exit 0 at once
 *	# ...		a comment; blank lines are skipped
 * Every packet received is printed on stdout as one compact JSON line.
 *
 * Exit: 0 done (N packets with --expect, else stdin EOF plus --wait MS);
 * 1 usage or connect error; 2 timeout (-t, default 5000 ms) before N
 * packets; 3 the router closed the connection first.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "i3.h"
#include "common/common.h"

static struct {
	int		 fd;
	i3_reader	*rd;
	i3_buf		 out;		/* to the router */
	size_t		 off;
	i3_buf		 in;		/* stdin not yet processed */
	int		 in_eof;
	long		 expect;	/* -1 none */
	long		 got;
	long		 wait_ms;
	json_t		*types;		/* types received, for "wait" */
	size_t		 claimed;	/* types[0..claimed) used by waits */
	char		*waiting;	/* a "wait TYPE" in progress */
	int64_t		 sleep_until;
	int64_t		 eof_at;
} P;

static int64_t	now_ms(void);
static void	usage(void) C_DEAD;
static int	hexval(int);
static void	out_add(const void *, size_t);
static int	do_line(char *);
static void	process_input(void);
static int	wait_done(void);
static void	sock_read(void);
static void	sock_write(void);

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
usage(void)
{
	fprintf(stderr, "usage: i3probe -p port [-t timeout_ms] [--expect n] "
	    "[--wait ms]\n");
	exit(1);
}

static void
out_add(const void *p, size_t n)
{
	if (i3_buf_add(&P.out, p, n) == -1)
		fatalx("out of memory");
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* One stdin line; 0 to go on with the next, 1 to pause. */
static int
do_line(char *line)
{
	char		*arg, *e;
	json_t		*j;
	json_error_t	 jerr;
	i3_error	 err;
	unsigned char	 len[4], byte;
	size_t		 n;
	int		 hi, lo;

	while (isspace((unsigned char)*line))
		line++;
	e = line + strlen(line);
	while (e > line && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (*line == '\0' || *line == '#')
		return (0);
	if (*line == '[') {
		if ((j = json_loads(line, 0, &jerr)) == NULL) {
			log_warnx("bad JSON: %s: %s", jerr.text, line);
			return (0);
		}
		if (i3_frame_buf(&P.out, j, I3_ENC_FLOATS, &err) == -1)
			log_warnx("cannot frame: %s", err.text);
		json_decref(j);
		return (0);
	}
	for (arg = line; *arg != '\0' && !isspace((unsigned char)*arg); arg++)
		;
	if (*arg != '\0')
		*arg++ = '\0';
	while (isspace((unsigned char)*arg))
		arg++;
	if (strcmp(line, "sleep") == 0) {
		P.sleep_until = now_ms() + strtol(arg, NULL, 10);
		return (1);
	} else if (strcmp(line, "wait") == 0) {
		free(P.waiting);
		P.waiting = xstrdup(arg);
		return (wait_done() ? 0 : 1);
	} else if (strcmp(line, "hex") == 0) {
		while (*arg != '\0') {
			if (isspace((unsigned char)*arg)) {
				arg++;
				continue;
			}
			if ((hi = hexval((unsigned char)arg[0])) == -1 ||
			    (lo = hexval((unsigned char)arg[1])) == -1)
				fatalx("bad hex: %s", arg);
			byte = (unsigned char)(hi << 4 | lo);
			out_add(&byte, 1);
			arg += 2;
		}
	} else if (strcmp(line, "lpc") == 0) {
		n = strlen(arg) + 1;
		len[0] = (unsigned char)(n >> 24);
		len[1] = (unsigned char)(n >> 16);
		len[2] = (unsigned char)(n >> 8);
		len[3] = (unsigned char)n;
		out_add(len, 4);
		out_add(arg, n);
	} else if (strcmp(line, "quit") == 0) {
		sock_write();
		exit(0);
	} else
		log_warnx("unknown input line: %s", line);
	return (0);
}

/* A pending "wait TYPE": 1 once a packet of that type has arrived. */
static int
wait_done(void)
{
	size_t		 i;
	const char	*t;

	if (P.waiting == NULL)
		return (1);
	for (i = P.claimed; i < json_array_size(P.types); i++) {
		t = json_string_value(json_array_get(P.types, i));
		if (t != NULL && strcmp(t, P.waiting) == 0) {
			P.claimed = i + 1;
			free(P.waiting);
			P.waiting = NULL;
			return (1);
		}
	}
	return (0);
}

/* Run whole stdin lines until one pauses. */
static void
process_input(void)
{
	char	*nl, *line;
	size_t	 n;

	for (;;) {
		if (P.sleep_until != 0) {
			if (now_ms() < P.sleep_until)
				return;
			P.sleep_until = 0;
		}
		if (!wait_done())
			return;
		nl = P.in.len > 0 ? memchr(P.in.data, '\n', P.in.len) : NULL;
		if (nl == NULL && !(P.in_eof && P.in.len > 0))
			break;
		n = nl != NULL ? (size_t)(nl - P.in.data) : P.in.len;
		line = xstrndup(P.in.data, n);
		if (nl != NULL)
			n++;
		memmove(P.in.data, P.in.data + n, P.in.len - n);
		P.in.len -= n;
		do_line(line);
		free(line);
	}
	if (P.in_eof && P.in.len == 0 && P.eof_at == 0)
		P.eof_at = now_ms();
}

static void
sock_read(void)
{
	char		 buf[65536];
	ssize_t		 n;
	json_t		*p;
	i3_error	 err;
	char		*s;
	int		 rc;

	n = read(P.fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fprintf(stderr, "i3probe: connection closed by peer\n");
		exit(P.expect >= 0 && P.got >= P.expect ? 0 : 3);
	}
	if (i3_reader_feed(P.rd, buf, (size_t)n, &err) == -1) {
		fprintf(stderr, "i3probe: bad frame: %s\n", err.text);
		exit(1);
	}
	for (;;) {
		rc = i3_reader_next(P.rd, &p, &err);
		if (rc == 0)
			break;
		if (rc == -1) {
			fprintf(stderr, "i3probe: bad packet: %s\n", err.text);
			if (i3_reader_failed(P.rd))
				exit(1);
			continue;
		}
		s = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%s\n", s != NULL ? s : "null");
		fflush(stdout);
		free(s);
		json_array_append_new(P.types, json_is_array(p) &&
		    json_is_string(json_array_get(p, 0)) ?
		    json_incref(json_array_get(p, 0)) : json_null());
		json_decref(p);
		P.got++;
		if (P.expect >= 0 && P.got >= P.expect)
			exit(0);
	}
}

static void
sock_write(void)
{
	ssize_t	n;

	while (P.off < P.out.len) {
		n = write(P.fd, P.out.data + P.off, P.out.len - P.off);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fprintf(stderr, "i3probe: write: %s\n",
			    strerror(errno));
			exit(3);
		}
		P.off += (size_t)n;
	}
	P.off = P.out.len = 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_in	 sin;
	struct pollfd		 pfd[2];
	long			 port = 0, timeout = 5000;
	int64_t			 start, deadline, next, now;
	char			 buf[65536];
	ssize_t			 n;
	int			 ch, on = 1;

	P.expect = -1;
	while ((ch = getopt_long(argc, argv, "p:t:e:w:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout = strtol(optarg, NULL, 10);
			break;
		case 'e':
			P.expect = strtol(optarg, NULL, 10);
			break;
		case 'w':
			P.wait_ms = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || port <= 0 || port > 65535 || timeout <= 0)
		usage();
	log_init("i3probe", 0);
	signal(SIGPIPE, SIG_IGN);
	P.types = json_array();
	i3_buf_init(&P.out);
	i3_buf_init(&P.in);
	if ((P.rd = i3_reader_new(NULL)) == NULL)
		fatalx("out of memory");
	if ((P.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(P.fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		fprintf(stderr, "i3probe: connect 127.0.0.1:%ld: %s\n", port,
		    strerror(errno));
		return (1);
	}
	setsockopt(P.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	fcntl(P.fd, F_SETFL, O_NONBLOCK);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) |
	    O_NONBLOCK);
	start = now_ms();
	deadline = start + timeout;
	for (;;) {
		process_input();
		sock_write();
		now = now_ms();
		if (now >= deadline) {
			fprintf(stderr, "i3probe: timeout after %ld ms (%ld "
			    "packets)\n", timeout, P.got);
			return (P.expect >= 0 || P.eof_at == 0 ? 2 : 0);
		}
		if (P.eof_at != 0 && P.expect < 0 && P.off == P.out.len &&
		    now >= P.eof_at + P.wait_ms)
			return (0);
		next = deadline;
		if (P.sleep_until != 0 && P.sleep_until < next)
			next = P.sleep_until;
		if (P.eof_at != 0 && P.expect < 0 &&
		    P.eof_at + P.wait_ms < next)
			next = P.eof_at + P.wait_ms;
		pfd[0].fd = P.fd;
		pfd[0].events = POLLIN | (P.off < P.out.len ? POLLOUT : 0);
		pfd[1].fd = P.in_eof ? -1 : STDIN_FILENO;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, next > now ? (int)(next - now) : 0) == -1 &&
		    errno != EINTR)
			fatal("poll");
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			sock_read();
		if (pfd[0].revents & POLLOUT)
			sock_write();
		if (pfd[1].fd != -1 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			n = read(STDIN_FILENO, buf, sizeof buf);
			if (n > 0) {
				if (i3_buf_add(&P.in, buf, (size_t)n) == -1)
					fatalx("out of memory");
			} else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR))
				P.in_eof = 1;
		}
	}
}
