/*
 * faults.c: the delivery fault matrix.  Two gateways (Alpha, Beta) on the
 * test router; Alpha's client sends N tells to Beta's, and a fault strikes
 * part way; each row prints how many were sent, accepted (answered sent or
 * queued), delivered (reached Beta's client, counted once), reported
 * (send_failed came back for them) and lost (accepted, neither delivered
 * nor reported); dup says how many tells Beta got more than once (a link
 * reset makes the gateway send again what the router may not have read).
 * In the rows where Beta's client goes away and resumes, that client is a
 * socket client of Beta's with a kept session: it counts a tell delivered
 * when it handles it, tracks the last sequence number it handled and
 * resumes with it (session_resume last_seq), as libi3's client does; what
 * was written to the connection it dropped unread must come again.
 * A kept session may hold 100,000 events here (session_queue): when Beta
 * goes down, Alpha sends again what no probe showed the router handled
 * (it drops, without a word, what it gets for a MUD it knows is down), so
 * what waits for the client may be more than the tells.
 * Exit 1 when anything was lost.
 *
 * faults [-n N] [-r ROW]	(N tells a row, default 2000: make bench;
 *				 tests/bats/gw-delivery.bats runs 300)
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

#include "i3.h"
#include "common/common.h"
#include "../bench/proc.h"

enum fault {
	F_DEAF_RESET,
	F_HALF_OPEN,
	F_ROUTER_RESTART,
	F_GW_TERM,
	F_GW_KILL,
	F_NO_MUD,
	F_GW_RESTART,
	F_CLIENT_GONE,
	F_NONE
};

static const struct row {
	enum fault	 fault;
	const char	*name;
	const char	*what;
} rows[] = {
	{ F_DEAF_RESET, "deaf-reset",
	    "router stops reading, then resets the link" },
	{ F_HALF_OPEN, "half-open", "half-open link (router stopped, "
	    "dead_after)" },
	{ F_ROUTER_RESTART, "router-restart",
	    "router killed and restarted" },
	{ F_GW_TERM, "gw-term", "gateway SIGTERM with the tells queued, "
	    "started again" },
	{ F_GW_KILL, "gw-kill", "gateway SIGKILL with the tells queued, "
	    "started again" },
	{ F_NO_MUD, "no-mud", "tells to a MUD the router does not know" },
	{ F_GW_RESTART, "gw-b-restart", "gateway B restarted, client resumes" },
	{ F_CLIENT_GONE, "client-resume", "B's client disconnects, resumes up "
	    "to 300 tells later" },
};

/* Beta's socket client (the resume rows). */
struct sclient {
	int		 fd;
	char		*buf;
	size_t		 len;
	size_t		 size;
	char		 token[80];
	unsigned long long last_seq;	/* the last one handled */
	int		 resumed;	/* the answer to session_resume came */
	int		 gap;		/* it said some could not be replayed */
	size_t		 replays;	/* seen again, at or below last_seq */
};

static const char	*top;
static char		 tmpdir[256];
static int		 port;
static struct proc	 router;
static size_t		 n;
static unsigned char	*accepted, *delivered, *reported, *answered;
static char		 sockpath[300];
static struct sclient	 sc = { .fd = -1 };

static void
router_up(int fixed)
{
	char	 path[512], pbuf[16], line[64], state[512];
	char	*argv[12];
	int	 i = 0;
	ssize_t	 got;
	struct pollfd pfd;

	snprintf(path, sizeof path, "%s/build/tests/i3router", top);
	snprintf(state, sizeof state, "%s/router.json", tmpdir);
	argv[i++] = path;
	argv[i++] = "--max-seconds";
	argv[i++] = "600";
	argv[i++] = "--state";
	argv[i++] = state;
	if (fixed) {
		snprintf(pbuf, sizeof pbuf, "%d", port);
		argv[i++] = "-p";
		argv[i++] = pbuf;
	}
	argv[i] = NULL;
	spawn(&router, argv, 0);
	pfd.fd = router.out;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) <= 0)
		fatalx("router: no port");
	usleep(20000);
	if ((got = read(router.out, line, sizeof line - 1)) <= 0)
		fatalx("router: no port");
	line[got] = '\0';
	port = atoi(line);
}

static void
router_kill(void)
{
	int	status;

	kill(router.pid, SIGKILL);
	waitpid(router.pid, &status, 0);
	close(router.in);
	close(router.out);
	close(router.err);
	free(router.buf);
}

static void
write_conf(const char *name, const char *extra)
{
	char	 file[512];
	FILE	*f;

	snprintf(file, sizeof file, "%s/%s.conf", tmpdir, name);
	if ((f = fopen(file, "w")) == NULL)
		fatal("%s", file);
	fprintf(f, "[mud]\nname = %s\n[router *test]\nhost = 127.0.0.1\n"
	    "port = %d\n[limits]\nrate = 0\nqueue = 100000\n"
	    "connect_spacing = no\nbackoff_min = 100ms\nbackoff_max = 500ms\n"
	    "startup_timeout = 2s\nidle_ping = 300ms\ndead_after = 1500ms\n"
	    "client_maxout = 512M\nclient_highwater = 64M\n"
	    "[api]\nsession_queue = 100000\n%s", name, port,
	    extra != NULL ? extra : "");
	fclose(f);
}

static void
gw_up(struct proc *p, const char *name, int wait)
{
	char	 gw[512], conf[512], state[512];
	char	*argv[] = { gw, "-s", "-f", conf, "--state-dir", state, NULL,
		    NULL, NULL };

	/* Beta's Unix socket, for the resume rows' client. */
	if (strcmp(name, "Beta") == 0) {
		argv[6] = "-S";
		argv[7] = sockpath;
	}
	snprintf(gw, sizeof gw, "%s/bin/i3gw", top);
	snprintf(conf, sizeof conf, "%s/%s.conf", tmpdir, name);
	snprintf(state, sizeof state, "%s/%s.state", tmpdir, name);
	spawn(p, argv, 0);
	if (wait && wait_line(p, "\"router_connected\"", 10000) == -1)
		fatalx("gateway %s did not connect", name);
}

static void
gw_kill(struct proc *p, int sig)
{
	int	status, i;

	kill(p->pid, sig);
	for (i = 0; i < 250; i++) {
		pump(p, NULL, NULL);
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			break;
		usleep(20000);
	}
	if (i == 250) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	close(p->in);
	close(p->out);
	close(p->err);
	free(p->buf);
}

/* A number after key in a line, or -1. */
static long
num_after(const char *line, size_t len, const char *key)
{
	const char	*p;

	if ((p = memmem(line, len, key, strlen(key))) == NULL)
		return (-1);
	return (strtol(p + strlen(key), NULL, 10));
}

/* Alpha's client: answers (accepted or not) and send_failed. */
static void
alpha_line(const char *line, size_t len, void *arg)
{
	long	id;

	if (memmem(line, len, "\"send_failed\"", 13) != NULL) {
		id = num_after(line, len, "\"id\":");
		if (id >= 0 && (size_t)id < n)
			reported[id] = 1;
		return;
	}
	if (memmem(line, len, "\"method\"", 8) != NULL)
		return;
	id = num_after(line, len, "\"id\":");
	if (id < 0 || (size_t)id >= n)
		return;
	answered[id] = 1;
	if (memmem(line, len, "\"result\"", 8) != NULL)
		accepted[id] = 1;
}

/* Beta's client: tells received, "m<i>". */
static void
beta_line(const char *line, size_t len, void *arg)
{
	long	i;

	if (memmem(line, len, "\"tell_received\"", 15) == NULL)
		return;
	i = num_after(line, len, "\"message\":\"m");
	if (i >= 0 && (size_t)i < n && delivered[i] < 255)
		delivered[i]++;
}

static int
has(const char *line, size_t len, const char *what)
{
	return (memmem(line, len, what, strlen(what)) != NULL);
}

/* A line to Beta's socket client: answers, tells (counted if handled). */
static void
sc_line(const char *line, size_t len)
{
	const char	*p;
	long		 i;
	long long	 seq;
	size_t		 t;

	if ((p = memmem(line, len, "\"resume_token\":\"", 16)) != NULL) {
		p += 16;
		for (t = 0; t < sizeof sc.token - 1 && p + t < line + len &&
		    p[t] != '"'; t++)
			sc.token[t] = p[t];
		sc.token[t] = '\0';
	}
	if (has(line, len, "\"id\":2,\"result\"")) {
		sc.resumed = 1;
		sc.gap = has(line, len, "\"gap\":true");
	}
	if (has(line, len, "\"id\":2,\"error\""))
		fatalx("session_resume refused: %.*s", (int)len, line);
	if (!has(line, len, "\"method\":\"tell_received\""))
		return;
	if ((seq = num_after(line, len, "\"seq\":")) <= 0)
		fatalx("an event without a sequence number: %.*s", (int)len,
		    line);
	/* Handled already (a replay of what it had): skipped. */
	if ((unsigned long long)seq <= sc.last_seq) {
		sc.replays++;
		return;
	}
	sc.last_seq = (unsigned long long)seq;
	i = num_after(line, len, "\"message\":\"m");
	if (i >= 0 && (size_t)i < n && delivered[i] < 255)
		delivered[i]++;
}

static void
sc_pump(void)
{
	ssize_t	 got;
	char	*nl, *s;

	if (sc.fd == -1)
		return;
	for (;;) {
		if (sc.size - sc.len < 65536) {
			sc.size = sc.len + 262144;
			sc.buf = xrealloc(sc.buf, sc.size);
		}
		got = read(sc.fd, sc.buf + sc.len, sc.size - sc.len);
		if (got <= 0) {
			if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* The gateway went: the client will resume. */
				close(sc.fd);
				sc.fd = -1;
			}
			break;
		}
		sc.len += got;
	}
	s = sc.buf;
	while ((nl = memchr(s, '\n', sc.len - (s - sc.buf))) != NULL) {
		sc_line(s, nl - s);
		s = nl + 1;
	}
	sc.len -= s - sc.buf;
	memmove(sc.buf, s, sc.len);
}

/*
 * Connect to Beta's socket (retrying up to 10 s) and subscribe to tells,
 * kept; or, with a token, resume with the last sequence number handled.
 */
static void
sc_connect(void)
{
	struct sockaddr_un sun;
	char		 req[400];
	int		 i, len;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof sun.sun_path)
		fatalx("%s: too long for a socket", sockpath);
	memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
	for (i = 0; i < 500; i++) {
		if ((sc.fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			fatal("socket");
		if (connect(sc.fd, (struct sockaddr *)&sun, sizeof sun) == 0)
			break;
		close(sc.fd);
		sc.fd = -1;
		usleep(20000);
	}
	if (sc.fd == -1)
		fatalx("Beta's socket %s: no connection", sockpath);
	fcntl(sc.fd, F_SETFL, O_NONBLOCK);
	sc.len = 0;
	sc.resumed = 0;
	if (sc.token[0] == '\0')
		len = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"subscribe\",\"params\":{\"events\":"
		    "[\"tell_received\"],\"keep\":true}}\n");
	else
		len = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":2,"
		    "\"method\":\"session_resume\",\"params\":{\"token\":"
		    "\"%s\",\"last_seq\":%llu}}\n", sc.token, sc.last_seq);
	write_all(sc.fd, req, len);
}

/* The client drops its connection with what it has not read unread. */
static void
sc_drop(void)
{
	if (sc.fd != -1)
		close(sc.fd);
	sc.fd = -1;
	sc.len = 0;
}

static void
send_tell(struct proc *a, size_t i, const char *mud)
{
	char	buf[256];
	int	len;

	len = snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":%zu,"
	    "\"method\":\"tell\",\"params\":{\"target_mud\":\"%s\","
	    "\"target_user\":\"bob\",\"from_user\":\"ann\",\"message\":"
	    "\"m%zu\"}}\n", i, mud, i);
	write_all(a->in, buf, len);
}

/* The resume rows: Beta's socket client counts; paused: it does not read. */
static int	sc_rows, sc_paused;

static void
pump_both(struct proc *a, struct proc *b, int ms)
{
	uint64_t	end = now_us() + (uint64_t)ms * 1000;
	struct pollfd	pfd[3];

	do {
		if (a != NULL)
			pump(a, alpha_line, NULL);
		if (b != NULL)
			pump(b, sc_rows ? NULL : beta_line, NULL);
		if (sc_rows && !sc_paused)
			sc_pump();
		pfd[0].fd = a != NULL ? a->out : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = b != NULL ? b->out : -1;
		pfd[1].events = POLLIN;
		pfd[2].fd = sc_rows && !sc_paused ? sc.fd : -1;
		pfd[2].events = POLLIN;
		poll(pfd, 3, 5);
	} while (now_us() < end);
}

static size_t
count(const unsigned char *v)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		c += v[i] != 0;
	return (c);
}

static size_t
dups(void)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		c += delivered[i] > 1;
	return (c);
}

/* Accepted, neither delivered nor reported. */
static size_t
lost(void)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		c += accepted[i] && !delivered[i] && !reported[i];
	return (c);
}

static int
run_row(const struct row *r)
{
	struct proc	 a, b;
	size_t		 i, fault_at = n * 35 / 100, lst, back_at;
	uint64_t	 t0, gap;
	const char	*mud = r->fault == F_NO_MUD ? "NoSuchMud" : "Beta";
	char		 cmd[600];
	int		 wait_ms;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/i3faults.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	memset(accepted, 0, n);
	memset(delivered, 0, n);
	memset(reported, 0, n);
	memset(answered, 0, n);
	free(sc.buf);
	memset(&sc, 0, sizeof sc);
	sc.fd = -1;
	sc_rows = r->fault == F_GW_RESTART || r->fault == F_CLIENT_GONE;
	sc_paused = 0;
	snprintf(sockpath, sizeof sockpath, "%s/Beta.sock", tmpdir);
	/* The client comes back 300 tells later (fewer in a short run). */
	back_at = fault_at + (n - fault_at - n / 10 < 300 ?
	    n - fault_at - n / 10 : 300);
	router_up(0);
	write_conf("Beta", NULL);
	write_conf("Alpha", NULL);
	gw_up(&b, "Beta", 1);
	gw_up(&a, "Alpha", 0);
	if (wait_line(&a, "\"mud\":\"Beta\"", 10000) == -1)
		fatalx("Alpha never saw Beta up");
	if (sc_rows) {
		sc_connect();
		for (i = 0; i < 250 && sc.token[0] == '\0'; i++)
			pump_both(&a, &b, 20);
		if (sc.token[0] == '\0')
			fatalx("Beta's client: no resume token");
	}
	pump_both(&a, &b, 300);

	/* About 1,000 a second; the fault at 35%. */
	gap = 1000;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		if (i == fault_at) {
			switch (r->fault) {
			case F_DEAF_RESET:
				kill(router.pid, SIGUSR2);
				break;
			case F_HALF_OPEN:
				kill(router.pid, SIGSTOP);
				break;
			case F_ROUTER_RESTART:
				router_kill();
				break;
			case F_GW_RESTART:
				/* What it flushes before it ends is read. */
				gw_kill(&b, SIGTERM);
				while (sc.fd != -1)
					sc_pump();
				gw_up(&b, "Beta", 1);
				sc_connect();
				break;
			case F_CLIENT_GONE:
				sc_paused = 1;
				break;
			case F_GW_TERM:
			case F_GW_KILL:
				/* The router goes: what follows queues. */
				router_kill();
				pump_both(&a, &b, 200);
				break;
			default:
				break;
			}
		}
		if (r->fault == F_DEAF_RESET && i == fault_at + n / 4) {
			kill(router.pid, SIGHUP);	/* resets, unread */
			kill(router.pid, SIGUSR2);
		}
		if (r->fault == F_HALF_OPEN && i == fault_at + n / 4) {
			pump_both(&a, &b, 2000);	/* past dead_after */
			kill(router.pid, SIGCONT);
		}
		if (r->fault == F_ROUTER_RESTART && i == fault_at + n / 4)
			router_up(1);
		/* Gone with tells written to it unread; back later. */
		if (r->fault == F_CLIENT_GONE && i == fault_at + 20)
			sc_drop();
		if (r->fault == F_CLIENT_GONE && i == back_at) {
			sc_paused = 0;
			sc_connect();
		}
		send_tell(&a, i, mud);
		while (now_us() < t0 + (i + 1) * gap)
			pump_both(&a, &b, 0);
	}
	/* Every request answered. */
	for (i = 0; i < 500 && count(answered) < n; i++)
		pump_both(&a, &b, 20);
	if (r->fault == F_GW_TERM || r->fault == F_GW_KILL) {
		gw_kill(&a, r->fault == F_GW_TERM ? SIGTERM : SIGKILL);
		router_up(1);
		gw_up(&a, "Alpha", 0);
	}
	wait_ms = 30000;
	t0 = now_us();
	while (now_us() - t0 < (uint64_t)wait_ms * 1000 &&
	    (lst = lost()) > 0)
		pump_both(&a, &b, 50);
	pump_both(&a, &b, 300);
	lst = lost();
	printf("  %-54s %6zu %8zu %9zu %8zu %5zu %5zu\n", r->what, n,
	    count(accepted), count(delivered), count(reported), lst, dups());
	if (sc_rows)
		printf("    (resumed at seq %llu: %zu seen again and skipped, "
		    "gap %s)\n", sc.last_seq, sc.replays, sc.gap ? "yes" :
		    "no");
	fflush(stdout);
	if (sc.fd != -1)
		close(sc.fd);
	sc.fd = -1;
	sc_rows = 0;
	gw_kill(&a, SIGTERM);
	gw_kill(&b, SIGTERM);
	router_kill();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "faults: cannot remove %s\n", tmpdir);
	return (lst == 0 && count(accepted) > 0);
}

int
main(int argc, char **argv)
{
	const char	*only = NULL;
	size_t		 i;
	int		 ch, passed = 0, failed = 0;

	if ((top = getenv("I3_TOP")) == NULL)
		top = ".";
	n = 2000;
	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: faults [-n N] [-r row]\n");
			return (2);
		}
	}
	if (n < 10 || n > 1000000)
		fatalx("-n: 10 to 1000000");
	signal(SIGPIPE, SIG_IGN);
	accepted = xcalloc(n, 1);
	delivered = xcalloc(n, 1);
	reported = xcalloc(n, 1);
	answered = xcalloc(n, 1);
	printf("i3gw delivery under faults: %zu tells Alpha -> Beta a row, "
	    "the fault at #%zu\n", n, n * 35 / 100);
	printf("  %-54s %6s %8s %9s %8s %5s %5s\n", "fault", "sent",
	    "accepted", "delivered", "reported", "lost", "dup");
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (only != NULL && strcmp(only, rows[i].name) != 0)
			continue;
		if (run_row(&rows[i]))
			passed++;
		else
			failed++;
	}
	if (passed + failed == 0)
		fatalx("no row %s", only);
	printf("%d passed, %d failed\n", passed, failed);
	return (failed == 0 ? 0 : 1);
}
