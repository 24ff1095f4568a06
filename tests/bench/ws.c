/*
 * ws.c: i3gw WebSocket benchmark: the gateway's resident memory with 1,000
 * idle WebSocket clients, and the time a channel message takes to reach
 * all 1,000 (sent by a second gateway through the test router, timed from
 * the request line to the read that brought each client's frame; fanout.h's
 * figures, three runs).  Figures beside their targets.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wslay/wslay.h>

#include "i3.h"
#include "common/common.h"
#include "proc.h"
#include "fanout.h"

#define NCLIENTS	1000
#define NMSGS		30	/* a run */
#define NRUNS		4	/* the last with nothing pinned */

struct wsclient {
	int			 fd;
	size_t			 up;	/* the 101 came */
	wslay_event_context_ptr	 ctx;
	char			 buf[8192];
	size_t			 len;
	const uint8_t		*in;
	size_t			 inlen;
	size_t			 got;	/* channel messages */
	size_t			 answers;
	uint64_t		 rx_at;	/* the last read */
};

static const char	*top;
static char		 tmpdir[256];
static char		 key[512];
static struct wsclient	 cl[NCLIENTS];
static struct fanout	 fo;

static void	client_read(struct wsclient *);

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct wsclient	*c = arg;

	if (c->inlen == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (len > c->inlen)
		len = c->inlen;
	memcpy(buf, c->in, len);
	c->in += len;
	c->inlen -= len;
	return ((ssize_t)len);
}

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct wsclient	*c = arg;
	ssize_t		 n;

	if ((n = send(c->fd, data, len, MSG_NOSIGNAL)) == -1) {
		wslay_event_set_error(ctx, errno == EAGAIN ?
		    WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return (n);
}

static int
mask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *arg)
{
	memset(buf, 0x5a, len);
	return (0);
}

static void
msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg
    *m, void *arg)
{
	struct wsclient	*c = arg;

	if (m->opcode == WSLAY_TEXT_FRAME && memmem(m->msg, m->msg_length,
	    "\"joined\":true", 13) != NULL)
		c->answers++;
	if (m->opcode != WSLAY_TEXT_FRAME || memmem(m->msg, m->msg_length,
	    "\"channel_message\"", 17) == NULL)
		return;
	c->got++;
	fanout_arrived(&fo, c->rx_at);
}

static const struct wslay_event_callbacks cbs = {
	recv_cb, send_cb, mask_cb, NULL, NULL, NULL, msg_cb
};

static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("free port");
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

static void
start_gw(struct proc *p, const char *name, int rport, int hport)
{
	char	 gw[512], conf[512], state[512], cmd[600], line[512];
	char	*argv[] = { gw, "-s", "-f", conf, "--state-dir", state, NULL };
	FILE	*f, *g;

	snprintf(gw, sizeof gw, "%s/bin/i3gw", top);
	snprintf(conf, sizeof conf, "%s/%s.conf", tmpdir, name);
	snprintf(state, sizeof state, "%s/%s.state", tmpdir, name);
	if ((f = fopen(conf, "w")) == NULL)
		fatal("%s", conf);
	fprintf(f, "[mud]\nname = %s\n[router *test]\nhost = 127.0.0.1\n"
	    "port = %d\n[moderation]\nflood_count = 0\n"
	    "[limits]\nrate = 0\nqueue = 1000000\n"
	    "connect_spacing = no\nbackoff_min = 100ms\n[log]\nfile = %s/%s.log\n"
	    "[api]\nsocket = none\n", name, rport, tmpdir, name);
	if (hport != 0) {
		fprintf(f, "http = 127.0.0.1:%d\nrate = 1000000\n"
		    "burst = 1000000\nmethod_rate = 1000000\nmax_per_ip = 100000\n"
		    "method_burst = 1000000\n", hport);
		snprintf(cmd, sizeof cmd, "%s genkey bench", gw);
		if ((g = popen(cmd, "r")) == NULL)
			fatal("genkey");
		while (fgets(line, sizeof line, g) != NULL) {
			if (strncmp(line, "key: ", 5) == 0) {
				snprintf(key, sizeof key, "%s", line + 5);
				key[strcspn(key, "\n")] = '\0';
			} else if (line[0] != '#')
				fputs(line, f);
		}
		pclose(g);
	}
	fclose(f);
	spawn(p, argv, 0);
	if (wait_line(p, "\"router_connected\"", 5000) == -1)
		fatalx("gateway %s did not connect", name);
}

static void
dbg_line(const char *line, size_t len, void *arg)
{
	fprintf(stderr, "%s: %.*s\n", (const char *)arg, (int)(len > 300 ?
	    300 : len), line);
}

/* Read the clients until each counts one (a size_t at off), 20 s at most. */
static size_t
wait_clients(int ep, size_t off)
{
	struct epoll_event	 evs[256];
	uint64_t		 deadline = now_us() + 20000000;
	size_t			 i, n;
	int			 k, m;

	for (;;) {
		for (i = 0, n = 0; i < NCLIENTS; i++)
			n += *(size_t *)((char *)&cl[i] + off) != 0;
		if (n == NCLIENTS || now_us() > deadline)
			return (n);
		m = epoll_wait(ep, evs, 256, 100);
		for (k = 0; k < m; k++)
			client_read(evs[k].data.ptr);
	}
}

static long
rss_kb(pid_t pid)
{
	char	 path[64], buf[256];
	FILE	*f;
	long	 kb = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(buf, sizeof buf, f) != NULL)
		if (strncmp(buf, "VmRSS:", 6) == 0)
			kb = strtol(buf + 6, NULL, 10);
	fclose(f);
	return (kb);
}

/* Read what a client has: the 101 first, then frames through wslay. */
static void
client_read(struct wsclient *c)
{
	char	 buf[65536], *end;
	ssize_t	 n;

	while ((n = read(c->fd, buf, sizeof buf)) > 0) {
		c->rx_at = now_us();
		if (!c->up) {
			if (c->len + n > sizeof c->buf)
				fatalx("a long handshake answer");
			memcpy(c->buf + c->len, buf, n);
			c->len += n;
			if ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) ==
			    NULL)
				continue;
			if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0)
				fatalx("no upgrade: %.40s", c->buf);
			c->up = 1;
			c->in = (const uint8_t *)end + 4;
			c->inlen = c->len - (end + 4 - c->buf);
		} else {
			c->in = (const uint8_t *)buf;
			c->inlen = n;
		}
		if (c->inlen > 0 && wslay_event_recv(c->ctx) != 0)
			fatalx("client: bad frames");
		wslay_event_send(c->ctx);
	}
}

int
main(void)
{
	struct proc		 r, a, b;
	struct epoll_event	 ev, evs[256];
	struct sockaddr_in	 sin;
	struct rlimit		 rl;
	char			 req[512], line[256];
	uint64_t		 t0, deadline;
	long			 rss0, rss1;
	size_t			 i, up, want;
	int			 rport, hport, ep, n, k, run, on = 1, apart;

	if ((top = getenv("I3_TOP")) == NULL)
		top = ".";
	snprintf(tmpdir, sizeof tmpdir, "/tmp/i3bench-ws.%ld", (long)getpid());
	mkdir(tmpdir, 0700);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 4 * NCLIENTS) {
		rl.rlim_cur = rl.rlim_max < 4 * NCLIENTS ? rl.rlim_max :
		    4 * NCLIENTS;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rport = proc_router(&r, top, NULL, NULL);
	hport = free_port();
	start_gw(&a, "A", rport, hport);
	start_gw(&b, "B", rport, 0);
	/* A listens to the channel (its stdio client joins), B sends. */
	snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"channel_join\",\"params\":{\"channel\":\"dchat\"}}\n");
	write_all(a.in, req, strlen(req));
	if (wait_line(&a, "\"id\":1,", 5000) == -1)
		fatalx("A did not join");
	usleep(300000);
	rss0 = rss_kb(a.pid);

	ep = epoll_create1(0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(hport);
	t0 = now_us();
	for (i = 0; i < NCLIENTS; i++) {
		struct wsclient	*c = &cl[i];

		if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			fatal("socket");
		if (connect(c->fd, (struct sockaddr *)&sin, sizeof sin) == -1)
			fatal("connect");
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
		fcntl(c->fd, F_SETFL, O_NONBLOCK);
		wslay_event_context_client_init(&c->ctx, &cbs, c);
		n = snprintf(req, sizeof req, "GET /ws HTTP/1.1\r\nHost: "
		    "127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade"
		    "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		    "Sec-WebSocket-Version: 13\r\nX-API-Key: %s\r\n\r\n", key);
		write_all(c->fd, req, n);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		/* Keep the accept queue short: take answers as they come. */
		while ((n = epoll_wait(ep, evs, 256, 0)) > 0)
			for (k = 0; k < n; k++)
				client_read(evs[k].data.ptr);
	}
	if ((up = wait_clients(ep, offsetof(struct wsclient, up))) != NCLIENTS)
		fatalx("only %zu of %d WebSocket clients up", up, NCLIENTS);
	printf("%d WebSocket clients connected in %.0f ms\n", NCLIENTS,
	    (now_us() - t0) / 1000.0);
	usleep(500000);
	rss1 = rss_kb(a.pid);
	printf("gateway RSS: %ld kB before, %ld kB with %d idle WebSocket "
	    "clients: +%ld kB, %.1f kB a client (target: under 16 MB for "
	    "1,000)\n", rss0, rss1, NCLIENTS, rss1 - rss0,
	    (double)(rss1 - rss0) / NCLIENTS);

	/* Each client joins the channel, as the Python clients do. */
	for (i = 0; i < NCLIENTS; i++) {
		struct wslay_event_msg	m;

		m.opcode = WSLAY_TEXT_FRAME;
		m.msg = (const uint8_t *)"{\"jsonrpc\":\"2.0\",\"id\":\"j\","
		    "\"method\":\"channel_join\",\"params\":{\"channel\":"
		    "\"dchat\"}}";
		m.msg_length = strlen((const char *)m.msg);
		wslay_event_queue_msg(cl[i].ctx, &m);
		wslay_event_send(cl[i].ctx);
	}
	if ((up = wait_clients(ep, offsetof(struct wsclient, answers))) !=
	    NCLIENTS)
		fatalx("only %zu of %d clients joined", up, NCLIENTS);
	usleep(300000);
	printf("gateway RSS with the %d clients on a channel: %ld kB\n",
	    NCLIENTS, rss_kb(a.pid));

	printf("channel message from another gateway through the router to "
	    "all %d WebSocket clients:\n", NCLIENTS);
	apart = fanout_pin(a.pid, 1) == 0;
	fanout_pin(a.pid, 0);
	fanout_floor(NCLIENTS, 1, apart);
	if (apart)
		printf("    runs 1-%d: the gateway on CPU 0, the bench's clients "
		    "on CPU 1; run %d: wherever the scheduler puts them\n",
		    NRUNS - 1, NRUNS);
	for (run = 0; run < NRUNS; run++) {
		fanout_pin(a.pid, apart && run < NRUNS - 1);
		fanout_begin(&fo, a.pid, NCLIENTS, NMSGS);
		for (i = 0; i < NMSGS; i++) {
			n = snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\","
			    "\"id\":%zu,\"method\":\"channel_send\",\"params\":"
			    "{\"channel\":\"dchat\",\"from_user\":\"bench\","
			    "\"message\":\"m%zu\"}}\n", i + 10, i);
			want = fo.nlat + NCLIENTS;
			fanout_send(&fo, now_us());
			write_all(b.in, line, n);
			deadline = now_us() + 5000000;
			while (fo.nlat < want && now_us() < deadline) {
				n = epoll_wait(ep, evs, 256, 50);
				for (k = 0; k < n; k++)
					client_read(evs[k].data.ptr);
			}
			fanout_done(&fo);
			pump(&b, getenv("WSB_DEBUG") ? dbg_line : NULL, "B");
			pump(&a, getenv("WSB_DEBUG") ? dbg_line : NULL, "A");
			if (fo.nlat < want)
				fatalx("message %zu reached %zu of %d clients",
				    i, NCLIENTS - (want - fo.nlat), NCLIENTS);
			usleep(20000);
		}
		snprintf(line, sizeof line, "run %d (%s)", run + 1, apart &&
		    run < NRUNS - 1 ? "apart" : "the scheduler's choice");
		fanout_report(&fo, line);
	}

	for (i = 0; i < NCLIENTS; i++) {
		wslay_event_context_free(cl[i].ctx);
		close(cl[i].fd);
	}
	stop(&b);
	stop(&a);
	stop(&r);
	return (0);
}
