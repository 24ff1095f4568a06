/*
 * gw.c: i3gw benchmark: tells per second through a stdio client to the
 * test router (--discard, pacing off), tell latency from the request line
 * to a second gateway's event at 10,000 tells/s, and the gateway's resident
 * memory with a 200-MUD mudlist cached.  Figures beside their targets.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "i3.h"
#include "common/common.h"
#include "proc.h"

static const char	*top;
static char		 tmpdir[256];

static void	write_conf(const char *, const char *, int);
static void	start_gw(struct proc *, const char *);
static void	bench_throughput(void);
static void	bench_latency(void);
static void	bench_wire_latency(void);
static void	bench_rss(void);

static void
write_conf(const char *name, const char *file, int port)
{
	FILE	*f;

	if ((f = fopen(file, "w")) == NULL)
		fatal("%s", file);
	fprintf(f, "[mud]\nname = %s\n[router *test]\nhost = 127.0.0.1\n"
	    "port = %d\n[limits]\nrate = 0\nqueue = 1000000\n"
	    "connect_spacing = no\nbackoff_min = 100ms\n"
	    "client_maxout = 512M\nclient_highwater = 64M\n", name, port);
	fclose(f);
}

static void
start_gw(struct proc *p, const char *name)
{
	char	 gw[512], conf[512], state[512];
	char	*argv[] = { gw, "-s", "-f", conf, "--state-dir", state, NULL };

	snprintf(gw, sizeof gw, "%s/bin/i3gw", top);
	snprintf(conf, sizeof conf, "%s/%s.conf", tmpdir, name);
	snprintf(state, sizeof state, "%s/%s.state", tmpdir, name);
	spawn(p, argv, 0);
	if (wait_line(p, "\"router_connected\"", 5000) == -1)
		fatalx("gateway %s did not connect", name);
}

static void
count_line(const char *line, size_t len, void *arg)
{
	(*(size_t *)arg)++;
}

/* 1: tells per second, pacing off, the router discarding. */
static void
bench_throughput(void)
{
	struct proc	 r, g;
	char		 conf[512], *all, *w;
	size_t		 n = 200000, i, got = 0, len, off = 0;
	uint64_t	 t0, t1;
	struct pollfd	 pfd[2];
	int		 port;
	double		 rate;

	port = proc_router(&r, top, "--discard", NULL);
	snprintf(conf, sizeof conf, "%s/T.conf", tmpdir);
	write_conf("T", conf, port);
	start_gw(&g, "T");

	all = xmalloc(n * 192);
	w = all;
	for (i = 0; i < n; i++)
		w += sprintf(w, "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":"
		    "\"tell\",\"params\":{\"target_mud\":\"Elsewhere\","
		    "\"target_user\":\"bob\",\"from_user\":\"ann\","
		    "\"message\":\"benchmark tell %zu\"}}\n", i, i);
	len = w - all;

	t0 = now_us();
	while (got < n) {
		pfd[0].fd = g.in;
		pfd[0].events = off < len ? POLLOUT : 0;
		pfd[1].fd = g.out;
		pfd[1].events = POLLIN;
		poll(pfd, 2, 1000);
		if (off < len && (pfd[0].revents & POLLOUT)) {
			ssize_t	k = write(g.in, all + off, len - off >
			    262144 ? 262144 : len - off);
			if (k > 0)
				off += k;
		}
		if (pump(&g, count_line, &got) == -1)
			break;
		if (now_us() - t0 > 60000000)
			break;
	}
	t1 = now_us();
	rate = got / ((t1 - t0) / 1e6);
	printf("  %-44s %10.0f /s   target >= 100000 /s  %s\n",
	    "tells through i3gw (pacing off, --discard)", rate,
	    rate >= 100000 ? "ok" : "BELOW");
	printf("  %-44s %10zu      of %zu answered in %.2f s\n",
	    "  answers", got, n, (t1 - t0) / 1e6);
	free(all);
	stop(&g);
	kill(r.pid, SIGTERM);
	stop(&r);
}

struct lat {
	uint64_t	*sent;
	uint64_t	*lat;
	size_t		 nlat;
};

static void
lat_line(const char *line, size_t len, void *arg)
{
	struct lat	*l = arg;
	const char	*m;
	size_t		 seq;

	if (memmem(line, len, "\"tell_received\"", 15) == NULL)
		return;
	if ((m = memmem(line, len, "\"message\":\"L", 12)) == NULL)
		return;
	seq = strtoul(m + 12, NULL, 10);
	l->lat[l->nlat++] = now_us() - l->sent[seq];
}

/* One frame to the gateway, from the bench playing the router. */
/*
 * 1b: the latency issue 4 names: from the request line written to i3gw's
 * stdin to the frame read on the router's socket, at 10,000 tells/s.  The
 * bench is the router here (startup answered, Beta listed up), so only the
 * gateway is between the two clocks.
 */
static void
bench_wire_latency(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	struct proc		 g;
	struct pollfd		 pfd;
	char			 conf[512], gw[512], state[512], line[256];
	char			 pkt[512], buf[65536];
	char			*argv[] = { gw, "-s", "-f", conf, "--state-dir",
				    state, NULL };
	size_t			 n = 20000, i = 0, k, len, nlat = 0;
	uint64_t		*sent, *lat, t0, due;
	i3_reader		*r;
	json_t			*v;
	const char		*m;
	ssize_t			 got;
	int			 lfd, fd, port, one = 1;

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, 4) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		fatal("listen");
	port = ntohs(sin.sin_port);
	snprintf(conf, sizeof conf, "%s/Gamma.conf", tmpdir);
	write_conf("Gamma", conf, port);
	snprintf(gw, sizeof gw, "%s/bin/i3gw", top);
	snprintf(state, sizeof state, "%s/Gamma.state", tmpdir);
	spawn(&g, argv, 0);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 || (fd = accept(lfd, NULL, NULL)) == -1)
		fatalx("the gateway did not connect");
	r = i3_reader_new(NULL);
	v = NULL;
	while (v == NULL) {		/* its startup-req-3 */
		if ((got = read(fd, buf, sizeof buf)) <= 0)
			fatalx("no startup from the gateway");
		i3_reader_feed(r, buf, (size_t)got, NULL);
		i3_reader_next(r, &v, NULL);
	}
	json_decref(v);
	snprintf(pkt, sizeof pkt, "[\"startup-reply\",5,\"*test\",0,"
	    "\"Gamma\",0,[[\"*test\",\"127.0.0.1 %d\"]],123456789]", port);
	send_packet(fd, pkt);
	send_packet(fd, "[\"mudlist\",5,\"*test\",0,\"Gamma\",0,1,{"
	    "\"Beta\":[-1,\"127.0.0.1\",4000,0,0,\"L\",\"L\",\"D\",\"LP\","
	    "\"open\",\"a@b\",{\"tell\":1},0],"
	    "\"Gamma\":[-1,\"127.0.0.1\",4000,0,0,\"L\",\"L\",\"D\",\"LP\","
	    "\"open\",\"a@b\",{\"tell\":1},0]}]");
	if (wait_line(&g, "\"router_connected\"", 5000) == -1)
		fatalx("gateway Gamma did not get ready");
	usleep(100000);

	sent = xcalloc(n, sizeof *sent);
	lat = xcalloc(n, sizeof *lat);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	t0 = now_us();
	while (nlat < n) {
		due = (now_us() - t0) / 100;	/* one every 100 us */
		for (k = 0; i < n && i <= due && k < 50; k++, i++) {
			len = snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\","
			    "\"id\":%zu,\"method\":\"tell\",\"params\":{"
			    "\"target_mud\":\"Beta\",\"target_user\":\"bob\","
			    "\"from_user\":\"ann\",\"message\":\"W%zu\"}}\n",
			    i, i);
			sent[i] = now_us();
			write_all(g.in, line, len);
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 1);
		while ((got = read(fd, buf, sizeof buf)) > 0) {
			uint64_t at = now_us();

			i3_reader_feed(r, buf, (size_t)got, NULL);
			while (i3_reader_next(r, &v, NULL) == 1) {
				m = json_string_value(json_array_get(v, 7));
				if (m != NULL && m[0] == 'W' &&
				    (k = strtoul(m + 1, NULL, 10)) < n)
					lat[nlat++] = at - sent[k];
				json_decref(v);
			}
		}
		pump(&g, NULL, NULL);
		if (now_us() - t0 > 30000000)
			break;
	}
	if (nlat > 0) {
		qsort(lat, nlat, sizeof *lat, cmp_u64);
		printf("  %-44s %10.3f ms  (%zu tells at %.0f /s)\n",
		    "request line -> frame on the router, p50",
		    lat[nlat / 2] / 1000.0, nlat,
		    n / ((now_us() - t0) / 1e6));
		printf("  %-44s %10.3f ms  target < 1 ms  %s\n",
		    "request line -> frame on the router, p99",
		    lat[nlat * 99 / 100] / 1000.0,
		    lat[nlat * 99 / 100] < 1000 ? "ok" : "ABOVE");
	} else
		printf("  wire latency: no frame arrived\n");
	free(sent);
	free(lat);
	i3_reader_free(r);
	close(fd);
	close(lfd);
	stop(&g);
}

/* 2: request line in at Alpha to the event out at Beta, 10,000 tells/s. */
static void
bench_latency(void)
{
	struct proc	 r, a, b;
	char		 conf[512], line[256];
	size_t		 n = 20000, i = 0, k, len;
	struct lat	 l;
	struct pollfd	 pfd[2];
	uint64_t	 t0, due;
	int		 port;

	port = proc_router(&r, top, NULL, NULL);
	snprintf(conf, sizeof conf, "%s/Alpha.conf", tmpdir);
	write_conf("Alpha", conf, port);
	snprintf(conf, sizeof conf, "%s/Beta.conf", tmpdir);
	write_conf("Beta", conf, port);
	start_gw(&b, "Beta");
	start_gw(&a, "Alpha");
	/* Alpha must know Beta is up. */
	usleep(200000);

	l.sent = xcalloc(n, sizeof *l.sent);
	l.lat = xcalloc(n, sizeof *l.lat);
	l.nlat = 0;
	t0 = now_us();
	while (l.nlat < n) {
		due = (now_us() - t0) / 100;	/* one every 100 us */
		for (k = 0; i < n && i <= due && k < 50; k++, i++) {
			len = snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\","
			    "\"id\":%zu,\"method\":\"tell\",\"params\":{"
			    "\"target_mud\":\"Beta\",\"target_user\":\"bob\","
			    "\"from_user\":\"ann\",\"message\":\"L%zu\"}}\n",
			    i, i);
			l.sent[i] = now_us();
			write_all(a.in, line, len);
		}
		pfd[0].fd = a.out;
		pfd[0].events = POLLIN;
		pfd[1].fd = b.out;
		pfd[1].events = POLLIN;
		poll(pfd, 2, 1);
		pump(&a, NULL, NULL);
		if (pump(&b, lat_line, &l) == -1)
			break;
		if (now_us() - t0 > 30000000)
			break;
	}
	if (l.nlat > 0) {
		qsort(l.lat, l.nlat, sizeof *l.lat, cmp_u64);
		printf("  %-44s %10.3f ms  (%zu tells at %.0f /s)\n",
		    "tell latency p50 (Alpha request -> Beta event)",
		    l.lat[l.nlat / 2] / 1000.0, l.nlat,
		    n / ((now_us() - t0) / 1e6));
		printf("  %-44s %10.3f ms  target < 1 ms  %s\n",
		    "tell latency p99", l.lat[l.nlat * 99 / 100] / 1000.0,
		    l.lat[l.nlat * 99 / 100] < 1000 ? "ok" : "ABOVE");
	} else
		printf("  tell latency: no tell arrived\n");
	free(l.sent);
	free(l.lat);
	stop(&a);
	stop(&b);
	kill(r.pid, SIGTERM);
	stop(&r);
}

/* 3: VmRSS of i3gw with a 200-MUD mudlist cached. */
static void
bench_rss(void)
{
	struct proc	 r, g;
	char		 conf[512], path[64], buf[4096];
	const char	*req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
			    "\"status\"}\n";
	FILE		*f;
	long		 kb = -1, anon = -1, file = -1;
	int		 port, tries;

	port = proc_router(&r, top, "--fake-muds", "200");
	snprintf(conf, sizeof conf, "%s/M.conf", tmpdir);
	write_conf("M", conf, port);
	start_gw(&g, "M");
	for (tries = 0; tries < 50; tries++) {
		write_all(g.in, req, strlen(req));
		if (wait_line(&g, "\"muds\":201", 200) == 0)
			break;
	}
	snprintf(path, sizeof path, "/proc/%ld/status", (long)g.pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof buf, f) != NULL) {
			if (strncmp(buf, "VmRSS:", 6) == 0)
				kb = strtol(buf + 6, NULL, 10);
			else if (strncmp(buf, "RssAnon:", 8) == 0)
				anon = strtol(buf + 8, NULL, 10);
			else if (strncmp(buf, "RssFile:", 8) == 0)
				file = strtol(buf + 8, NULL, 10);
		}
		fclose(f);
	}
	printf("  %-44s %10.2f MB  target < 4 MB  %s\n",
	    "i3gw VmRSS, 200 MUDs cached", kb / 1024.0,
	    kb >= 0 && kb < 4096 ? "ok" : "ABOVE");
	printf("  %-44s %10.2f MB  (shared library pages: %.2f MB)\n",
	    "  of which private (RssAnon)", anon / 1024.0, file / 1024.0);
	stop(&g);
	kill(r.pid, SIGTERM);
	stop(&r);
}

int
main(int argc, char **argv)
{
	char	cmd[300];

	signal(SIGPIPE, SIG_IGN);
	log_init("bench-gw", 0);
	if ((top = getenv("I3_TOP")) == NULL)
		top = ".";
	snprintf(tmpdir, sizeof tmpdir, "%s/i3gw-bench.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	printf("i3gw: one stdio client, the test router on 127.0.0.1\n");
	fflush(stdout);
	bench_throughput();
	fflush(stdout);
	bench_wire_latency();
	fflush(stdout);
	bench_latency();
	fflush(stdout);
	bench_rss();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		log_warnx("cannot remove %s", tmpdir);
	return (0);
}
