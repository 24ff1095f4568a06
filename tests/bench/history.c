/*
 * history.c: what channel history costs i3gw.  The bench is the router: it
 * sends channel messages to a gateway that stores them (history on) or not
 * (history off), and reads the frames the gateway sends.  Two figures:
 * tell latency (request line to frame on the router) while 100,000 channel
 * messages are stored, and the event loop's CPU time while 1,000 channel
 * messages a second are stored (the loop thread alone, from
 * /proc/PID/task/PID/stat), each beside the same run with history off.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

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

#include "i3.h"
#include "common/common.h"
#include "proc.h"

static const char	*top;
static char		 tmpdir[256];

struct gwrun {
	struct proc	 g;
	int		 lfd;
	int		 fd;
	i3_reader	*r;
};

/* A gateway Gamma hearing chat, its router the bench. */
static void
gw_up(struct gwrun *w, int history)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	struct pollfd		 pfd;
	char			 conf[512], gw[512], state[512], pkt[512];
	char			 buf[65536];
	char			*argv[] = { gw, "-s", "-f", conf, "--state-dir",
				    state, NULL };
	json_t			*v = NULL;
	ssize_t			 got;
	FILE			*f;
	int			 port, one = 1;

	if ((w->lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	setsockopt(w->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(w->lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(w->lfd, 4) == -1 ||
	    getsockname(w->lfd, (struct sockaddr *)&sin, &slen) == -1)
		fatal("listen");
	port = ntohs(sin.sin_port);
	snprintf(conf, sizeof conf, "%s/Gamma%d.conf", tmpdir, history);
	if ((f = fopen(conf, "w")) == NULL)
		fatal("%s", conf);
	fprintf(f, "[mud]\nname = Gamma\nchannels = chat\n[router *test]\n"
	    "host = 127.0.0.1\nport = %d\n[limits]\nrate = 0\n"
	    "queue = 1000000\nconnect_spacing = no\nclient_maxout = 512M\n"
	    "client_highwater = 64M\n[moderation]\nflood_count = 0\n"
	    "[history]\nstore = %s\n[api]\nsocket = none\n", port,
	    history ? "yes" : "no");
	fclose(f);
	snprintf(gw, sizeof gw, "%s/bin/i3gw", top);
	snprintf(state, sizeof state, "%s/Gamma%d.state", tmpdir, history);
	spawn(&w->g, argv, 0);

	pfd.fd = w->lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 ||
	    (w->fd = accept(w->lfd, NULL, NULL)) == -1)
		fatalx("the gateway did not connect");
	w->r = i3_reader_new(NULL);
	while (v == NULL) {		/* its startup-req-3 */
		if ((got = read(w->fd, buf, sizeof buf)) <= 0)
			fatalx("no startup from the gateway");
		i3_reader_feed(w->r, buf, (size_t)got, NULL);
		i3_reader_next(w->r, &v, NULL);
	}
	json_decref(v);
	snprintf(pkt, sizeof pkt, "[\"startup-reply\",5,\"*test\",0,"
	    "\"Gamma\",0,[[\"*test\",\"127.0.0.1 %d\"]],123456789]", port);
	send_packet(w->fd, pkt);
	send_packet(w->fd, "[\"mudlist\",5,\"*test\",0,\"Gamma\",0,1,{"
	    "\"Beta\":[-1,\"127.0.0.1\",4000,0,0,\"L\",\"L\",\"D\",\"LP\","
	    "\"open\",\"a@b\",{\"tell\":1,\"channel\":1},0],"
	    "\"Gamma\":[-1,\"127.0.0.1\",4000,0,0,\"L\",\"L\",\"D\",\"LP\","
	    "\"open\",\"a@b\",{\"tell\":1,\"channel\":1},0]}]");
	if (wait_line(&w->g, "\"router_connected\"", 5000) == -1)
		fatalx("gateway Gamma did not get ready");
	usleep(100000);
	fcntl(w->fd, F_SETFL, O_NONBLOCK);
}

static void
gw_down(struct gwrun *w)
{
	stop(&w->g);
	i3_reader_free(w->r);
	close(w->fd);
	close(w->lfd);
}

/* A channel-m frame of the router's, about 80 bytes of text. */
static size_t
chan_frame(char *buf, size_t size, size_t i)
{
	static const char *const words[] = { "lag", "dragon", "quest",
	    "server", "reboot", "tonight", "guild", "sword" };
	char	 text[160];
	char	*f;
	json_t	*v;
	size_t	 n;

	snprintf(text, sizeof text, "message %zu about the %s and the %s, "
	    "%%^RED%%^again%%^RESET%%^ %s", i, words[i % 8],
	    words[(i / 8) % 8], words[(i / 64) % 8]);
	v = json_pack("[s, i, s, s, i, i, s, s, s]", "channel-m", 5, "Beta",
	    i % 2 ? "bob" : "ann", 0, 0, "chat", "Bob", text);
	if ((f = i3_frame(v, 0, &n, NULL)) == NULL || n > size)
		fatalx("channel frame");
	memcpy(buf, f, n);
	free(f);
	json_decref(v);
	return (n);
}

/* CPU time of one thread, in microseconds. */
static double
thread_us(pid_t pid, pid_t tid)
{
	char	path[128];

	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
	return (proc_cpu_us(path));
}

/* Every thread's CPU time but the loop's (the history writer). */
static double
other_us(pid_t pid)
{
	char	 path[128], cmd[256], line[64];
	double	 t = 0;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/task", pid);
	snprintf(cmd, sizeof cmd, "ls %s", path);
	if ((f = popen(cmd, "r")) == NULL)
		return (0);
	while (fgets(line, sizeof line, f) != NULL) {
		if (atoi(line) != pid)
			t += thread_us(pid, atoi(line));
	}
	pclose(f);
	return (t);
}

/*
 * Tells at one a millisecond while nchan channel messages come at rate a
 * second; latencies of the tells.  Returns p99 in microseconds.
 */
static uint64_t
run_latency(int history, size_t nchan, int rate, const char *label)
{
	struct gwrun	 w;
	struct pollfd	 pfd;
	char		 line[256], buf[65536], frame[512];
	size_t		 nt = 0, i = 0, c = 0, k, len, nlat = 0, cap = 1 << 20;
	uint64_t	*sent, *lat, t0, due, at;
	json_t		*v;
	const char	*m, *type;
	ssize_t		 got;

	gw_up(&w, history);
	sent = xcalloc(cap, sizeof *sent);
	lat = xcalloc(cap, sizeof *lat);
	t0 = now_us();
	while (c < nchan || nlat < i) {
		due = (now_us() - t0) * (uint64_t)rate / 1000000;
		while (c < nchan && c <= due) {
			len = chan_frame(frame, sizeof frame, c++);
			write_all(w.fd, frame, len);
		}
		/* One tell a millisecond while the channel runs. */
		if (c < nchan && i < cap && i <= (now_us() - t0) / 1000) {
			len = snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\","
			    "\"id\":%zu,\"method\":\"tell\",\"params\":{"
			    "\"target_mud\":\"Beta\",\"target_user\":\"bob\","
			    "\"from_user\":\"ann\",\"message\":\"W%zu\"}}\n",
			    i, i);
			sent[i] = now_us();
			write_all(w.g.in, line, len);
			i++;
		}
		pfd.fd = w.fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 1);
		while ((got = read(w.fd, buf, sizeof buf)) > 0) {
			at = now_us();
			i3_reader_feed(w.r, buf, (size_t)got, NULL);
			while (i3_reader_next(w.r, &v, NULL) == 1) {
				type = json_string_value(json_array_get(v, 0));
				m = json_string_value(json_array_get(v, 7));
				if (type != NULL && strcmp(type, "tell") == 0 &&
				    m != NULL && m[0] == 'W' &&
				    (k = strtoul(m + 1, NULL, 10)) < i) {
					lat[nlat++] = at - sent[k];
					nt++;
				}
				json_decref(v);
			}
		}
		pump(&w.g, NULL, NULL);
		if (now_us() - t0 > 120000000)
			break;
	}
	gw_down(&w);
	if (nlat == 0) {
		printf("  %s: no tell arrived\n", label);
		free(sent);
		free(lat);
		return (0);
	}
	qsort(lat, nlat, sizeof *lat, cmp_u64);
	printf("  %-40s p50 %7.3f ms  p99 %7.3f ms  (%zu tells, %zu channel "
	    "msgs in %.1f s)\n", label, lat[nlat / 2] / 1000.0,
	    lat[nlat * 99 / 100] / 1000.0, nlat, nchan,
	    (now_us() - t0) / 1e6);
	at = lat[nlat * 99 / 100];
	free(sent);
	free(lat);
	return (at);
}

/* The loop thread's CPU share while rate channel messages a second come. */
static double
run_cpu(int history, int rate, int seconds, double *writer)
{
	struct gwrun		 w;
	char			 frame[512];
	size_t			 c = 0, len, n = (size_t)rate * seconds;
	uint64_t		 t0, due, wall;
	double			 l0, l1, o0, o1;
	char			 buf[65536];

	gw_up(&w, history);
	l0 = thread_us(w.g.pid, w.g.pid);
	o0 = other_us(w.g.pid);
	t0 = now_us();
	while (c < n) {
		due = (now_us() - t0) * (uint64_t)rate / 1000000;
		while (c < n && c <= due) {
			len = chan_frame(frame, sizeof frame, c++);
			write_all(w.fd, frame, len);
		}
		while (read(w.fd, buf, sizeof buf) > 0)
			;
		pump(&w.g, NULL, NULL);
		usleep(500);
	}
	usleep(300000);		/* the last batch written */
	wall = now_us() - t0;
	l1 = thread_us(w.g.pid, w.g.pid);
	o1 = other_us(w.g.pid);
	gw_down(&w);
	*writer = 100.0 * (o1 - o0) / (double)wall;
	return (100.0 * (l1 - l0) / (double)wall);
}

int
main(int argc, char **argv)
{
	char	cmd[300];
	double	on, off, won, woff;
	uint64_t p99;

	signal(SIGPIPE, SIG_IGN);
	log_init("bench-history", 0);
	if ((top = getenv("I3_TOP")) == NULL)
		top = ".";
	snprintf(tmpdir, sizeof tmpdir, "%s/i3gw-history.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	printf("i3gw channel history: the bench is the router; tells from a "
	    "stdio client\n");
	fflush(stdout);
	run_latency(0, 100000, 5000, "tells, 100,000 channel msgs, history off");
	fflush(stdout);
	p99 = run_latency(1, 100000, 5000, "tells, 100,000 channel msgs stored");
	printf("  %-40s target p99 < 2 ms  %s\n", "", p99 < 2000 ? "ok" :
	    "ABOVE");
	fflush(stdout);
	off = run_cpu(0, 1000, 10, &woff);
	on = run_cpu(1, 1000, 10, &won);
	printf("  %-40s loop %5.1f %% CPU (history off)\n",
	    "1,000 channel msgs/s for 10 s", off);
	printf("  %-40s loop %5.1f %% CPU (history on), writer thread "
	    "%.1f %%\n", "", on, won);
	printf("  %-40s storing costs the loop %+.1f %% of a core; target "
	    "< 5 %%  %s\n", "", on - off, on - off < 5.0 ? "ok" : "ABOVE");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		log_warnx("cannot remove %s", tmpdir);
	return (0);
}
