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

#define TARGET_RATE	20000.0		/* who round trips a second */
#define TARGET_P99_US	2000.0

struct proc {
	pid_t	 pid;
	int	 in;
	int	 out;
	char	*buf;
	size_t	 len;
	size_t	 size;
};

/* One run: requests sent and answered, their send times. */
struct run {
	size_t		 total;
	size_t		 sent;
	size_t		 done;
	size_t		 errors;
	uint64_t	*t_sent;
	uint64_t	*lat;
};

typedef void	(*line_fn)(const char *, size_t, void *);

static const char	*top;
static char		 tmpdir[256];

static uint64_t	now_us(void);
static void	spawn(struct proc *, char *const []);
static int	drain(struct proc *, line_fn, void *);
static void	find_line(const char *, size_t, void *);
static int	wait_for(struct proc *, const char *, int);
static int	router_up(struct proc *);
static void	gw_up(struct proc *, const char *, int);
static void	finish(struct proc *);
static void	put(int, const char *, size_t);
static void	answer_line(const char *, size_t, void *);
static int	cmp_u64(const void *, const void *);
static double	cpu_us(pid_t);
static void	measure(struct proc *, struct proc *, struct proc *, size_t,
		    size_t, const char *);

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Start argv with pipes for stdin and stdout; stderr to /dev/null. */
static void
spawn(struct proc *p, char *const argv[])
{
	int	in[2], out[2], null;

	memset(p, 0, sizeof *p);
	if (pipe(in) == -1 || pipe(out) == -1)
		fatal("pipe");
	if ((p->pid = fork()) == -1)
		fatal("fork");
	if (p->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if ((null = open("/dev/null", O_WRONLY)) != -1)
			dup2(null, 2);
		closefrom(3);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	p->in = in[1];
	p->out = out[0];
	fcntl(p->in, F_SETFL, O_NONBLOCK);
	fcntl(p->out, F_SETFL, O_NONBLOCK);
}

/* Read what is there and hand over every whole line; -1 at EOF. */
static int
drain(struct proc *p, line_fn fn, void *arg)
{
	ssize_t	 n;
	char	*s, *nl;

	for (;;) {
		if (p->size - p->len < 65536) {
			p->size = p->len + 262144;
			p->buf = xrealloc(p->buf, p->size);
		}
		n = read(p->out, p->buf + p->len, p->size - p->len);
		if (n == 0)
			return (-1);
		if (n < 0)
			break;
		p->len += n;
	}
	s = p->buf;
	while ((nl = memchr(s, '\n', p->len - (s - p->buf))) != NULL) {
		if (fn != NULL)
			fn(s, nl - s, arg);
		s = nl + 1;
	}
	p->len -= s - p->buf;
	memmove(p->buf, s, p->len);
	return (0);
}

struct find {
	const char	*what;
	int		 found;
};

static void
find_line(const char *line, size_t len, void *arg)
{
	struct find	*f = arg;

	if (memmem(line, len, f->what, strlen(f->what)) != NULL)
		f->found = 1;
}

static int
wait_for(struct proc *p, const char *what, int ms)
{
	struct find	f = { what, 0 };
	struct pollfd	pfd;
	uint64_t	end = now_us() + (uint64_t)ms * 1000;

	for (;;) {
		if (drain(p, find_line, &f) == -1 || f.found)
			return (f.found ? 0 : -1);
		if (now_us() >= end)
			return (-1);
		pfd.fd = p->out;
		pfd.events = POLLIN;
		poll(&pfd, 1, 20);
	}
}

/* The test router on any port, without --ds-limits; its port. */
static int
router_up(struct proc *p)
{
	char		 path[512], line[64];
	char		*argv[] = { path, "--max-seconds", "300", NULL };
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 port;

	snprintf(path, sizeof path, "%s/build/tests/i3router", top);
	spawn(p, argv);
	pfd.fd = p->out;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) <= 0)
		fatalx("router: no port");
	usleep(20000);
	if ((n = read(p->out, line, sizeof line - 1)) <= 0)
		fatalx("router: no port");
	line[n] = '\0';
	if ((port = atoi(line)) <= 0)
		fatalx("router: bad port line");
	return (port);
}

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
	spawn(p, argv);
	if (wait_for(p, "\"router_connected\"", 5000) == -1)
		fatalx("gateway %s did not connect", name);
}

static void
finish(struct proc *p)
{
	int	status, i;

	close(p->in);
	for (i = 0; i < 100; i++) {
		drain(p, NULL, NULL);
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			goto done;
		usleep(20000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
done:
	close(p->out);
	free(p->buf);
}

static void
put(int fd, const char *s, size_t len)
{
	struct pollfd	pfd;
	ssize_t		n;

	while (len > 0) {
		if ((n = write(fd, s, len)) > 0) {
			s += n;
			len -= n;
			continue;
		}
		if (n == -1 && errno != EAGAIN)
			fatal("write");
		pfd.fd = fd;
		pfd.events = POLLOUT;
		poll(&pfd, 1, 100);
	}
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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* User and system CPU time a process used so far, in microseconds. */
static double
cpu_us(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut, st;
	FILE		*f;
	int		 i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof buf, f) == NULL) {
		fclose(f);
		return (0);
	}
	fclose(f);
	if ((p = strrchr(buf, ')')) == NULL)
		return (0);
	/* Fields 14 and 15 (utime, stime) count from the state, field 3. */
	for (i = 0; i < 11 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
		return (0);
	return ((ut + st) * 1e6 / sysconf(_SC_CLK_TCK));
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
			put(a->in, req, len);
		pfd.fd = a->out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) <= 0)
			fatalx("%s: no answer for 5 s (%zu of %zu)", what,
			    r.done, n);
		if (drain(a, answer_line, &r) == -1)
			fatalx("%s: gateway gone", what);
		if ((r.done & 1023) == 0)
			drain(b, NULL, NULL);
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

	port = router_up(&router);
	gw_up(&a, "Alpha", port);
	gw_up(&b, "Beta", port);
	if (wait_for(&a, "\"mud_online\",\"params\":{\"mud\":\"Beta\"",
	    5000) == -1)
		fatalx("Alpha does not see Beta");
	set = "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"presence_set\","
	    "\"params\":{\"users\":[{\"name\":\"ann\",\"visname\":"
	    "\"%^RED%^Ann%^RESET%^\",\"idle\":30,\"title\":\"the Wise\"},"
	    "{\"name\":\"bob\",\"idle\":0,\"title\":\"the Bold\"},{\"name\":"
	    "\"cid\",\"idle\":300},{\"name\":\"dan\",\"title\":\"the "
	    "Builder\"},{\"name\":\"eve\",\"idle\":5}]}}\n";
	snprintf(cmd, sizeof cmd, "%s", set);
	put(b.in, cmd, strlen(cmd));
	if (wait_for(&b, "\"id\":\"p\",\"result\"", 5000) == -1)
		fatalx("presence_set: no answer");

	printf("who round trips: client -> i3gw Alpha -> i3router -> i3gw "
	    "Beta (5 users in presence) and back\n");
	measure(&a, &b, &router, n / 10, 1, "one at a time");
	measure(&a, &b, &router, n, 8, "8 in flight");
	measure(&a, &b, &router, n, 32, "32 in flight");

	finish(&a);
	finish(&b);
	kill(router.pid, SIGTERM);
	finish(&router);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		log_warnx("could not remove %s", tmpdir);
	return (0);
}
