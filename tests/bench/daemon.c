/*
 * daemon.c: i3gw as a daemon: resident memory with 1,000 and 10,000 idle
 * authenticated clients, one channel message fanned out to 1,000
 * subscribed clients (Unix socket, then TCP; fanout.h's figures), TCP
 * connect + authenticate + ping + close per second.
 * Figures beside their targets; nothing here fails on time.
 */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
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

#include "fanout.h"

struct cl {
	int	 fd;
	int	 want;		/* answers (or events) still to come */
	char	 buf[2048];
	size_t	 len;
	uint64_t when;		/* microseconds: the event arrived */
};

static const char	*top;
static char		 dir[256];
static char		 sock[300];
static char		 key[300];
static pid_t		 router_pid = -1;
static pid_t		 gw_pid = -1;
static int		 tcp_port;

static uint64_t	now_us(void);
static void	die(const char *);
static int	start_router(void);
static void	make_key(void);
static int	start_gw(int);
static void	stop(pid_t *);
static long	rss_kb(pid_t, long *);
static int	unix_connect(void);
static int	tcp_connect(void);
static int	send_all(int, const char *, size_t);
static int	collect(struct cl *, size_t, const char *, int);
static void	open_clients(struct cl *, size_t, const char *, int);
static void	close_clients(struct cl *, size_t);
static void	bench_memory(void);
static void	bench_fanout(int);
static void	bench_connect_rate(void);

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void
die(const char *what)
{
	fprintf(stderr, "daemon bench: %s: %s\n", what, strerror(errno));
	stop(&gw_pid);
	stop(&router_pid);
	exit(1);
}

/* build/tests/i3router on port 0; its port from the first stdout line. */
static int
start_router(void)
{
	char	 path[512], buf[64];
	int	 p[2], port = -1;
	ssize_t	 n;
	size_t	 len = 0;

	snprintf(path, sizeof path, "%s/build/tests/i3router", top);
	if (pipe(p) == -1)
		die("pipe");
	if ((router_pid = fork()) == -1)
		die("fork");
	if (router_pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		freopen("/dev/null", "w", stderr);
		execl(path, path, "--max-seconds", "600", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (len < sizeof buf - 1 &&
	    (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0) {
		len += n;
		buf[len] = '\0';
		if (strchr(buf, '\n') != NULL) {
			port = atoi(buf);
			break;
		}
	}
	close(p[0]);
	return (port);
}

/* A key from i3gw genkey: the key, and its config lines in dir/key. */
static void
make_key(void)
{
	char	 cmd[1024], line[256], path[300];
	FILE	*f, *out;

	snprintf(cmd, sizeof cmd, "%s/bin/i3gw genkey bench", top);
	snprintf(path, sizeof path, "%s/key", dir);
	if ((f = popen(cmd, "r")) == NULL || (out = fopen(path, "w")) == NULL)
		die("genkey");
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "key: ", 5) == 0) {
			snprintf(key, sizeof key, "%s", line + 5);
			key[strcspn(key, "\n")] = '\0';
		} else if (line[0] != '#')
			fputs(line, out);
	}
	pclose(f);
	fclose(out);
	/* Every method, and no rate limit: this is a benchmark. */
	if ((out = fopen(path, "a")) == NULL)
		die("key");
	fprintf(out, "rate = 0\nmethod_rate = 0\n");
	fclose(out);
}

/* The gateway with its Unix socket and TCP; stderr to dir/gw.err. */
static int
start_gw(int rport)
{
	char	 conf[300], err[300], state[300], bin[512], line[512];
	char	 keylines[1024];
	FILE	*f;
	size_t	 n;
	int	 i, fd;

	snprintf(conf, sizeof conf, "%s/gw.conf", dir);
	snprintf(err, sizeof err, "%s/gw.err", dir);
	snprintf(state, sizeof state, "%s/state", dir);
	snprintf(sock, sizeof sock, "%s/gw.sock", dir);
	snprintf(line, sizeof line, "%s/key", dir);
	if ((f = fopen(line, "r")) == NULL)
		die("key");
	n = fread(keylines, 1, sizeof keylines - 1, f);
	keylines[n] = '\0';
	fclose(f);
	if ((f = fopen(conf, "w")) == NULL)
		die(conf);
	fprintf(f, "[mud]\nname = Bench\nadmin_email = bench@localhost\n\n"
	    "[router *test]\nhost = 127.0.0.1\nport = %d\n\n"
	    "[limits]\nrate = 0\nconnect_spacing = no\n\n"
	    "[log]\n\n"
	    "[api]\nsocket = %s\ntcp = 127.0.0.1:0\nmax_per_uid = 20000\n"
	    "max_clients = 20000\nmax_per_ip = 100000\nrate = 0\nmethod_rate = 0\n\n%s",
	    rport, sock, keylines);
	fclose(f);
	snprintf(bin, sizeof bin, "%s/bin/i3gw", top);
	if ((gw_pid = fork()) == -1)
		die("fork");
	if (gw_pid == 0) {
		if ((fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
		    -1)
			_exit(127);
		dup2(fd, 2);
		freopen("/dev/null", "r", stdin);
		freopen("/dev/null", "w", stdout);
		execl(bin, bin, "-d", "-f", conf, "--state-dir", state,
		    (char *)NULL);
		_exit(127);
	}
	/* The TCP port it printed, and the router link up. */
	for (i = 0; i < 500; i++) {
		usleep(10000);
		if ((f = fopen(err, "r")) == NULL)
			continue;
		tcp_port = 0;
		while (fgets(line, sizeof line, f) != NULL) {
			char	*p = strstr(line, "listening on tcp 127.0.0.1:");

			if (p != NULL)
				tcp_port = atoi(p + 27);
			if (strstr(line, ": ready") != NULL && tcp_port > 0) {
				fclose(f);
				return (0);
			}
		}
		fclose(f);
	}
	fprintf(stderr, "daemon bench: the gateway did not start (%s)\n",
	    err);
	return (-1);
}

static void
stop(pid_t *pid)
{
	int	i;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = -1;
			return;
		}
		usleep(10000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

/* VmRSS in kB; *priv the private memory (smaps_rollup), in kB. */
static long
rss_kb(pid_t pid, long *priv)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 rss = -1, v;

	*priv = 0;
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "VmRSS: %ld", &v) == 1)
				rss = v;
		}
		fclose(f);
	}
	snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "Private_Clean: %ld", &v) == 1 ||
			    sscanf(line, "Private_Dirty: %ld", &v) == 1)
				*priv += v;
		}
		fclose(f);
	}
	return (rss);
}

static int
unix_connect(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof sun.sun_path)
		return (-1);
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
tcp_connect(void)
{
	struct sockaddr_in	sin;
	struct linger		lg = { 1, 0 };
	int			fd, on = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(tcp_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	/* Closed with a reset: no TIME_WAIT pile-up on the client side. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
send_all(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (-1);
		}
		s += n;
		len -= n;
	}
	return (0);
}

/*
 * Read until every client has had its want lines containing what (an
 * answer "\"id\":" or an event), or ms pass; how many are still waiting.
 */
static int
collect(struct cl *cs, size_t n, const char *what, int ms)
{
	struct pollfd	*pfd;
	uint64_t	 deadline = now_us() + (uint64_t)ms * 1000;
	size_t		 i, np, *idx;
	ssize_t		 r;
	char		*nl;
	int		 left, waiting = 0;

	pfd = calloc(n, sizeof *pfd);
	idx = calloc(n, sizeof *idx);
	for (;;) {
		for (i = np = 0; i < n; i++) {
			if (cs[i].want <= 0)
				continue;
			pfd[np].fd = cs[i].fd;
			pfd[np].events = POLLIN;
			idx[np++] = i;
		}
		waiting = (int)np;
		if (np == 0)
			break;
		left = (int)(((int64_t)deadline - (int64_t)now_us()) / 1000);
		if (left <= 0)
			break;
		if (poll(pfd, np, left) <= 0)
			continue;
		for (i = 0; i < np; i++) {
			struct cl	*c = &cs[idx[i]];

			if (pfd[i].revents == 0)
				continue;
			r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 -
			    c->len);
			if (r <= 0) {
				c->want = 0;
				continue;
			}
			c->len += r;
			c->buf[c->len] = '\0';
			while ((nl = strchr(c->buf, '\n')) != NULL) {
				*nl = '\0';
				if (strstr(c->buf, what) != NULL &&
				    --c->want == 0)
					c->when = now_us();
				c->len -= nl + 1 - c->buf;
				memmove(c->buf, nl + 1, c->len + 1);
			}
			if (c->len >= sizeof c->buf - 1)
				c->len = 0;
		}
	}
	free(pfd);
	free(idx);
	return (waiting);
}

/* n clients over the Unix socket or TCP, authenticated; subscribed to chan. */
static void
open_clients(struct cl *cs, size_t n, const char *chan, int tcp)
{
	char	req[512];
	int	len;
	size_t	i;

	len = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"authenticate\",\"params\":{\"key\":\"%s\"}}\n", key);
	if (chan != NULL)
		len += snprintf(req + len, sizeof req - len, "{\"jsonrpc\":"
		    "\"2.0\",\"id\":2,\"method\":\"subscribe\",\"params\":"
		    "{\"channels\":[\"%s\"]}}\n", chan);
	len += snprintf(req + len, sizeof req - len, "{\"jsonrpc\":\"2.0\","
	    "\"id\":3,\"method\":\"ping\"}\n");
	for (i = 0; i < n; i++) {
		memset(&cs[i], 0, sizeof cs[i]);
		if ((cs[i].fd = tcp ? tcp_connect() : unix_connect()) == -1)
			die("connect");
		if (send_all(cs[i].fd, req, len) == -1)
			die("write");
		cs[i].want = chan != NULL ? 3 : 2;
		/* Not too many unanswered at once: the backlog is finite. */
		if (i % 500 == 499)
			collect(cs + i - 499, 500, "\"id\":", 10000);
	}
	i = collect(cs, n, "\"id\":", 20000);
	if (i > 0)
		fprintf(stderr, "daemon bench: %zu clients not answered\n", i);
}

static void
close_clients(struct cl *cs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		close(cs[i].fd);
}

static void
bench_memory(void)
{
	static const size_t	 counts[] = { 1000, 10000 };
	static const long	 targets[] = { 16, 64 };
	struct cl		*cs;
	long			 rss, priv, rss0, priv0;
	size_t			 k;

	rss0 = rss_kb(gw_pid, &priv0);
	printf("  idle gateway, no clients:        VmRSS %6.1f MB, "
	    "private %6.1f MB\n", rss0 / 1024.0, priv0 / 1024.0);
	for (k = 0; k < 2; k++) {
		cs = calloc(counts[k], sizeof *cs);
		open_clients(cs, counts[k], NULL, 0);
		usleep(300000);
		rss = rss_kb(gw_pid, &priv);
		printf("  %5zu idle authenticated clients: VmRSS %6.1f MB, "
		    "private %6.1f MB (target < %ld MB; %.1f kB each)\n",
		    counts[k], rss / 1024.0, priv / 1024.0, targets[k],
		    (double)(priv - priv0) / counts[k]);
		fflush(stdout);
		close_clients(cs, counts[k]);
		free(cs);
		usleep(300000);
	}
}

/*
 * Read what the clients have, every socket in one epoll set, the time taken
 * as the bytes arrive: a line with what in it counts for its client; up to
 * ms, or until none waits.  How many still wait.
 */
static size_t
fan_read(int ep, struct fanout *fo, size_t waiting, const char *what, int ms)
{
	struct epoll_event	 evs[256];
	uint64_t		 deadline = now_us() + (uint64_t)ms * 1000, t;
	ssize_t			 r;
	char			*nl;
	int			 k, m;

	while (waiting > 0 && now_us() < deadline) {
		m = epoll_wait(ep, evs, 256, (int)((deadline - now_us()) /
		    1000) + 1);
		for (k = 0; k < m; k++) {
			struct cl	*c = evs[k].data.ptr;

			r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 -
			    c->len);
			t = now_us();
			if (r <= 0) {
				if (r == 0 || errno != EAGAIN)
					die("a fan-out client lost");
				continue;
			}
			c->len += r;
			c->buf[c->len] = '\0';
			while ((nl = strchr(c->buf, '\n')) != NULL) {
				*nl = '\0';
				if (c->want > 0 && strstr(c->buf, what) != NULL
				    && --c->want == 0) {
					c->when = t;
					waiting--;
					if (fo != NULL)
						fanout_arrived(fo, t);
				}
				c->len -= nl + 1 - c->buf;
				memmove(c->buf, nl + 1, c->len + 1);
			}
			if (c->len >= sizeof c->buf - 1)
				c->len = 0;
		}
	}
	return (waiting);
}

/*
 * One channel message to N subscribed clients (Unix socket or TCP), timed
 * from the sender's write to each client's read: BATCHES runs of ROUNDS
 * messages, each run's figures printed; the gateway and the bench on CPUs
 * of their own (fanout_pin()), but for the last run.
 */
static void
bench_fanout(int tcp)
{
	enum { N = 1000, ROUNDS = 30, BATCHES = 4 };
	struct cl		*cs, sender;
	struct fanout		 fo;
	struct epoll_event	 ev;
	char			 req[512], what[64];
	size_t			 i, missing;
	int			 r, b, len, ep, apart;

	cs = calloc(N, sizeof *cs);
	open_clients(cs, N, "dchat", tcp);
	open_clients(&sender, 1, NULL, tcp);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	for (i = 0; i < N; i++) {
		fcntl(cs[i].fd, F_SETFL, O_NONBLOCK);
		ev.events = EPOLLIN;
		ev.data.ptr = &cs[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) == -1)
			die("epoll_ctl");
	}
	printf("  one channel message to %d subscribed %s clients, from the "
	    "sender's write to each client's read:\n", N, tcp ? "TCP" :
	    "Unix-socket");
	apart = fanout_pin(gw_pid, 1) == 0;
	fanout_pin(gw_pid, 0);
	fanout_floor(N, tcp, apart);
	if (apart)
		printf("    runs 1-%d: the gateway on CPU 0, the bench's clients "
		    "on CPU 1; run %d: wherever the scheduler puts them\n",
		    BATCHES - 1, BATCHES);
	for (b = 0; b < BATCHES; b++) {
		fanout_pin(gw_pid, apart && b < BATCHES - 1);
		fanout_begin(&fo, gw_pid, N, ROUNDS);
		for (r = 0; r < ROUNDS; r++) {
			for (i = 0; i < N; i++)
				cs[i].want = 1;
			len = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\","
			    "\"id\":%d,\"method\":\"channel_send\",\"params\":"
			    "{\"channel\":\"dchat\",\"from_user\":\"bencher\","
			    "\"message\":\"m%d.%d\"}}\n", 10 + r, b, r);
			snprintf(what, sizeof what, "\"m%d.%d\"", b, r);
			fanout_send(&fo, now_us());
			if (send_all(sender.fd, req, len) == -1)
				die("write");
			missing = fan_read(ep, &fo, N, what, 3000);
			fanout_done(&fo);
			if (missing > 0) {
				printf("    %zu of %d clients had no message "
				    "within 3 s\n", missing, N);
				break;
			}
			sender.want = 1;
			collect(&sender, 1, "\"id\":", 1000);
			usleep(20000);
		}
		snprintf(what, sizeof what, "run %d (%s)", b + 1, apart &&
		    b < BATCHES - 1 ? "apart" : "the scheduler's choice");
		fanout_report(&fo, what);
	}
	close(ep);
	close_clients(cs, N);
	close(sender.fd);
	free(cs);
}

/* Workers in parallel, each connect + authenticate + ping + close. */
static void
bench_connect_rate(void)
{
	enum { WORKERS = 2, SECONDS = 2 };
	char		 req[512], buf[4096];
	pid_t		 pids[WORKERS];
	int		 p[2], w, len, fd, answers;
	long		 total = 0, fails = 0, v[2];
	uint64_t	 t0, end;
	ssize_t		 n;
	char		*q;

	len = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"authenticate\",\"params\":{\"key\":\"%s\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n", key);
	if (pipe(p) == -1)
		die("pipe");
	t0 = now_us();
	for (w = 0; w < WORKERS; w++) {
		if ((pids[w] = fork()) == -1)
			die("fork");
		if (pids[w] != 0)
			continue;
		close(p[0]);
		v[0] = v[1] = 0;
		end = now_us() + SECONDS * 1000000ULL;
		while (now_us() < end) {
			if ((fd = tcp_connect()) == -1 ||
			    send_all(fd, req, len) == -1) {
				v[1]++;
				if (fd != -1)
					close(fd);
				continue;
			}
			answers = 0;
			while (answers < 2 && (n = read(fd, buf,
			    sizeof buf)) > 0) {
				for (q = buf; q < buf + n; q++)
					answers += (*q == '\n');
			}
			if (answers == 2 && memmem(buf, n, "\"pong\":true",
			    11) != NULL)
				v[0]++;
			else
				v[1]++;
			close(fd);
		}
		if (write(p[1], v, sizeof v) != sizeof v)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	for (w = 0; w < WORKERS; w++) {
		if (read(p[0], v, sizeof v) == sizeof v) {
			total += v[0];
			fails += v[1];
		}
		waitpid(pids[w], NULL, 0);
	}
	close(p[0]);
	printf("  TCP connect + authenticate + ping + close, %d clients in "
	    "parallel:\n    %.0f/s (%ld in %.1f s, %ld failed; target "
	    "10,000/s)\n", WORKERS, total / ((now_us() - t0) / 1e6), total,
	    (now_us() - t0) / 1e6, fails);
}

int
main(void)
{
	struct rlimit	 rl;
	char		 cmd[600];
	int		 rport;

	if ((top = getenv("I3_TOP")) == NULL)
		top = ".";
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 10100)
		printf("  (only %ld descriptors: fewer clients will connect)\n",
		    (long)rl.rlim_cur);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof dir, "/tmp/i3-bench-daemon.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	if ((rport = start_router()) <= 0) {
		fprintf(stderr, "daemon bench: no test router\n");
		return (1);
	}
	make_key();
	if (start_gw(rport) == -1) {
		stop(&gw_pid);
		stop(&router_pid);
		return (1);
	}
	printf("i3gw daemon (pid %ld), test router, Unix socket and TCP on "
	    "loopback\n", (long)gw_pid);
	bench_memory();
	fflush(stdout);
	bench_fanout(0);
	bench_fanout(1);
	bench_connect_rate();
	stop(&gw_pid);
	stop(&router_pid);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "daemon bench: %s left behind\n", dir);
	return (0);
}
