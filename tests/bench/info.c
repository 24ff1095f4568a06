/*
 * info.c: i3gw benchmark: who round trips per second through two gateways
 * and the test router (pacing off, no DS limits), the remote gateway
 * answering from presence; latency percentiles at a fixed number of
 * requests in flight and one at a time.  Figures beside their targets.
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

#include "common/common.h"
#include "proc.h"

#define TARGET_RATE	20000.0		/* who round trips a second */
#define TARGET_P99_US	2000.0

/* One run: requests sent and answered, their send times. */
struct run {
	size_t		 total;
	size_t		 sent;
	size_t		 done;
	size_t		 errors;
	uint64_t	*t_sent;
	uint64_t	*lat;
};

static const char	*top;
static char		 tmpdir[256];

static void	gw_up(struct proc *, const char *, int);
static void	answer_line(const char *, size_t, void *);
static double	cpu_us(pid_t);
static void	measure(struct proc *, struct proc *, struct proc *, size_t,
		    size_t, const char *);

/* A gateway in stdio mode, pacing off (rate = 0), connected. */
static void
gw_up(struct proc *p, const char *name, int port)
{
	char	 gw[512], conf[512], state[512];
	char	*argv[] = { gw, "-s", "-f", conf, "--state-dir", state, NULL };
	FILE	*f;

	snprintf(gw, sizeof gw, "%s/bin/i3gw", top);
	snprintf(conf, sizeof conf, "%s/%s.conf", tmpdir, name);
	snprintf(state, sizeof state, "%s/%s.state", tmpdir, name);
	if ((f = fopen(conf, "w")) == NULL)
		fatal("%s", conf);
	fprintf(f, "[mud]\nname = %s\n[router *test]\nhost = 127.0.0.1\n"
	    "port = %d\n[limits]\nrate = 0\nqueue = 100000\n"
	    "connect_spacing = no\nbackoff_min = 100ms\n"
	    "client_highwater = 64M\nclient_maxout = 512M\n", name, port);
	fclose(f);
	spawn(p, argv, 0);
	if (wait_line(p, "\"router_connected\"", 5000) == -1)
		fatalx("gateway %s did not connect", name);
}

/* {"jsonrpc":"2.0","id":N,"result":...}: its latency. */
static void
answer_line(const char *line, size_t len, void *arg)
{
	struct run	*r = arg;
	const char	*p;
	size_t		 id;

	if ((p = memmem(line, len, "\"id\":", 5)) == NULL)
		return;
	id = strtoul(p + 5, NULL, 10);
	if (id >= r->total || r->t_sent[id] == 0)
		return;
	if (memmem(line, len, "\"result\":{\"mud\":\"Beta\"", 22) == NULL)
		r->errors++;
	r->lat[r->done++] = now_us() - r->t_sent[id];
	r->t_sent[id] = 0;
}

/* User and system CPU time a process used so far, in microseconds. */
static double
cpu_us(pid_t pid)
{
	char	path[64];

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	return (proc_cpu_us(path));
}

/* n who requests to Beta through Alpha, depth of them in flight. */
static void
measure(struct proc *a, struct proc *b, struct proc *router, size_t n,
    size_t depth, const char *what)
{
	double		 ca, cb, cr;

	struct run	 r;
	struct pollfd	 pfd;
	char		 req[128 * 80];
	uint64_t	 t0, t1;
	size_t		 len;
	double		 secs, rate, p50, p99, max;

	memset(&r, 0, sizeof r);
	r.total = n;
	r.t_sent = xcalloc(n, sizeof *r.t_sent);
	r.lat = xcalloc(n, sizeof *r.lat);
	ca = cpu_us(a->pid);
	cb = cpu_us(b->pid);
	cr = cpu_us(router->pid);
	t0 = now_us();
	while (r.done < n) {
		/* The refills in one write, as a busy MUD would send. */
		len = 0;
		while (r.sent < n && r.sent - r.done < depth) {
			len += snprintf(req + len, sizeof req - len,
			    "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":"
			    "\"who\",\"params\":{\"target_mud\":\"Beta\"}}\n",
			    r.sent);
			r.t_sent[r.sent++] = now_us();
		}
		if (len > 0)
			write_all(a->in, req, len);
		pfd.fd = a->out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) <= 0)
			fatalx("%s: no answer for 5 s (%zu of %zu)", what,
			    r.done, n);
		if (pump(a, answer_line, &r) == -1)
			fatalx("%s: gateway gone", what);
		if ((r.done & 1023) == 0)
			pump(b, NULL, NULL);
	}
	t1 = now_us();
	secs = (t1 - t0) / 1e6;
	rate = n / secs;
	qsort(r.lat, n, sizeof *r.lat, cmp_u64);
	p50 = r.lat[n / 2];
	p99 = r.lat[(n * 99) / 100];
	max = r.lat[n - 1];
	printf("%-28s %8.0f/s  p50 %6.0f us  p99 %6.0f us  max %6.0f us"
	    "%s\n", what, rate, p50, p99, max, r.errors ? "  (errors!)" : "");
	printf("  CPU per round trip: Alpha %.1f us, Beta %.1f us, router "
	    "%.1f us\n", (cpu_us(a->pid) - ca) / n, (cpu_us(b->pid) - cb) / n,
	    (cpu_us(router->pid) - cr) / n);
	if (depth > 1)
		printf("  target: >= %.0f/s and p99 < %.0f us: %s\n",
		    TARGET_RATE, TARGET_P99_US, rate >= TARGET_RATE &&
		    p99 < TARGET_P99_US ? "met" : "NOT met");
	free(r.t_sent);
	free(r.lat);
}

int
main(int argc, char **argv)
{
	struct proc	 router, a, b;
	const char	*set;
	char		 cmd[2048];
	int		 port;
	size_t		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;

	signal(SIGPIPE, SIG_IGN);
	if ((top = getenv("I3_TOP")) == NULL)
		top = ".";
	snprintf(tmpdir, sizeof tmpdir, "/tmp/i3bench-info.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");

	port = proc_router(&router, top, NULL, NULL);
	gw_up(&a, "Alpha", port);
	gw_up(&b, "Beta", port);
	if (wait_line(&a, "\"mud_online\",\"params\":{\"mud\":\"Beta\"",
	    5000) == -1)
		fatalx("Alpha does not see Beta");
	set = "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"presence_set\","
	    "\"params\":{\"users\":[{\"name\":\"ann\",\"visname\":"
	    "\"%^RED%^Ann%^RESET%^\",\"idle\":30,\"title\":\"the Wise\"},"
	    "{\"name\":\"bob\",\"idle\":0,\"title\":\"the Bold\"},{\"name\":"
	    "\"cid\",\"idle\":300},{\"name\":\"dan\",\"title\":\"the "
	    "Builder\"},{\"name\":\"eve\",\"idle\":5}]}}\n";
	snprintf(cmd, sizeof cmd, "%s", set);
	write_all(b.in, cmd, strlen(cmd));
	if (wait_line(&b, "\"id\":\"p\",\"result\"", 5000) == -1)
		fatalx("presence_set: no answer");

	printf("who round trips: client -> i3gw Alpha -> i3router -> i3gw "
	    "Beta (5 users in presence) and back\n");
	measure(&a, &b, &router, n / 10, 1, "one at a time");
	measure(&a, &b, &router, n, 8, "8 in flight");
	measure(&a, &b, &router, n, 32, "32 in flight");

	stop(&a);
	stop(&b);
	kill(router.pid, SIGTERM);
	stop(&router);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		log_warnx("could not remove %s", tmpdir);
	return (0);
}
