/*
 * i3router.c: a small I3 router on 127.0.0.1: for MUD developers to test
 * their I3 code offline (never a router of the public network), and for the
 * tests, benchmarks and the demo.  Installed, with i3router(1).
 *
 * It behaves like the Dead Souls router (i3-protocol.md 1.4, 9.1) by default:
 * startup with passwords, routing by target MUD, broadcasts that reach the
 * sender too, channels with echo, DS errors.  Options add the DS limits,
 * scripted connections, fake MUDs, a redirect, silence, a packet log and
 * persistent passwords.  Single-threaded: one poll() loop, non-blocking
 * sockets, bounded buffers.  Packets are handled as raw JSON arrays.
 *
 * i3router [-v] [-p port] [-n name] [-c chan,...] [-l logfile] [-s script]
 *	[--ds-limits] [--discard] [--no-echo] [--redirect name:port]
 *	[--peer name:port] [--silent-after n] [--state file] [--fake-muds n]
 *	[--down-delay ms] [--max-seconds n]
 *
 *  -p	port on 127.0.0.1 (0, the default: any); printed alone on stdout
 *  -n	router name (default *test)
 *  -c	channels owned by the router, type 0 (default
 *	dchat,imud_code,imud_gossip; "" for none)
 *  -l	one JSON line per packet received and per connection event
 *  -s	script run by every new connection: expect TYPE, await TYPE (the
 *	packets before one of TYPE are passed over), send JSON (%PORT,
 *	%MUD substituted), flood N JSON (send it N times), sleep MS, drop,
 *	silent, auto, exit.  auto after an
 *	expected startup answers it normally, or only registers the MUD when
 *	the script already sent a startup-reply.
 *  -v	debug logs on stderr
 * SIGTERM/SIGINT exit 0, SIGHUP drops every connection, SIGUSR1 prints the
 * --discard counts, SIGUSR2 stops reading from every connection (it still
 * writes and accepts; deaf, as a stuck router is) and a second resumes.
 * Exit 3: a script expectation failed.
 *
 * This file holds the options, signals, the listening socket and the poll
 * loop; conn.c the connections, registry.c the MUDs, channels and --state,
 * route.c the handling of each packet, script.c the -s scripts.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3router.h"

struct router	R;

static volatile sig_atomic_t	got_sig[NSIG];

static void	 usage(void) C_DEAD;
static void	 help(void) C_DEAD;
static void	 on_signal(int);
static void	 setup_signals(void);
static void	 raise_nofile(void);
static void	 listen_start(int);
static void	 discard_report(void);
static void	 run(void);
static void	 do_accept(void);
static int	 timers(void);
static void	 signals(void);
static void	 parse_peer(const char *, char **, int *);
static long	 num(const char *, const char *);

int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

#define USAGE \
	"usage: i3router [-hv] [-p port] [-n name] [-c chan,...] [-l log]\n" \
	"\t[-s script] [--ds-limits] [--discard] [--no-echo]\n" \
	"\t[--redirect name:port] [--peer name:port] [--silent-after n]\n" \
	"\t[--state file] [--fake-muds n] [--down-delay ms]\n" \
	"\t[--max-seconds n]\n"

static void
usage(void)
{
	fputs(USAGE, stderr);
	exit(2);
}

/* --help: every option, on stdout (i3router(1) says the same at length). */
static void
help(void)
{
	fputs(USAGE, stdout);
	fputs("A local Intermud-3 router on 127.0.0.1 to test I3 code offline; "
	    "never for the\npublic network.\n\n"
	    "  -p, --port N          port on 127.0.0.1 (default 0: any free "
	    "one); printed\n"
	    "                        alone on stdout once listening\n"
	    "  -n, --name NAME       router name (default *test)\n"
	    "  -c, --channels LIST   channels it owns, comma-separated "
	    "(default\n"
	    "                        dchat,imud_code,imud_gossip; \"\" for none)\n"
	    "  -l, --log FILE        one JSON line per packet received and per "
	    "connection event\n"
	    "  -s, --script FILE     script run by every new connection "
	    "(expect, await, send,\n"
	    "                        sleep, drop, silent, auto, exit: see "
	    "i3router(1))\n"
	    "  -v, --verbose         debug logs on stderr\n"
	    "  -h, --help            this help\n"
	    "      --ds-limits       the Dead Souls router's limits: flood "
	    "graylisting, one\n"
	    "                        connect a second\n"
	    "      --discard         count and drop what MUDs send (SIGUSR1 "
	    "prints the counts)\n"
	    "      --no-echo         channel messages not echoed to their "
	    "sender\n"
	    "      --redirect NAME:PORT  name another router on 127.0.0.1 first "
	    "in the router\n"
	    "                        list sent at startup\n"
	    "      --peer NAME:PORT  a peer router on 127.0.0.1 in the router "
	    "list\n"
	    "      --silent-after N  neither read nor answer a connection "
	    "after N packets\n"
	    "      --state FILE      keep MUD passwords and the mudlist in FILE "
	    "across restarts\n"
	    "      --fake-muds N     N fake MUDs in the mudlist\n"
	    "      --down-delay MS   announce a MUD down MS after it "
	    "disconnects\n"
	    "      --max-seconds N   exit 0 after N seconds\n\n"
	    "SIGTERM and SIGINT exit 0, SIGHUP drops every connection. "
	    "Exit 3: a script\nexpectation failed.\n", stdout);
	exit(0);
}

static void
on_signal(int sig)
{
	int	saved = errno;
	char	c = (char)sig;

	if (sig > 0 && sig < NSIG)
		got_sig[sig] = 1;
	if (write(R.sigfd[1], &c, 1) != 1) {
		/* The pipe is full: a wake-up is pending anyway. */
	}
	errno = saved;
}

static void
setup_signals(void)
{
	struct sigaction	sa;
	int			i;

	if (pipe(R.sigfd) == -1)
		fatal("pipe");
	for (i = 0; i < 2; i++) {
		fcntl(R.sigfd[i], F_SETFL, O_NONBLOCK);
		fcntl(R.sigfd[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
}

static void
listen_start(int port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			on = 1;

	if ((R.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	setsockopt(R.lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(R.lfd, (struct sockaddr *)&sin, sizeof sin) == -1)
		fatal("bind 127.0.0.1:%d", port);
	if (listen(R.lfd, 1024) == -1)
		fatal("listen");
	if (getsockname(R.lfd, (struct sockaddr *)&sin, &len) == -1)
		fatal("getsockname");
	R.port = ntohs(sin.sin_port);
	printf("%d\n", R.port);
	fflush(stdout);
	log_info("router %s listening on %s:%d", R.name, ROUTER_IP, R.port);
}

/* ---------------------------------------------------------------- main */

static void
discard_report(void)
{
	fprintf(stderr, "i3router: discard: %llu packets, %llu bytes\n",
	    R.disc_pkts, R.disc_bytes);
	fflush(stderr);
}

void
finish(int status)
{
	size_t	i;

	for (i = 0; i < R.nconns; i++)
		if (!R.conns[i]->dead)
			conn_flush(R.conns[i]);
	for (i = 0; i < R.nconns; i++) {
		if (R.conns[i]->why == NULL)
			R.conns[i]->why = "drop";
		conn_free(R.conns[i]);
	}
	R.nconns = 0;
	if (R.discard)
		discard_report();
	state_write();
	if (R.logf != NULL)
		fclose(R.logf);
	exit(status);
}

static void
do_accept(void)
{
	struct conn	*c;
	int		 fd;
	time_t		 t;

	for (;;) {
		fd = accept4(R.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept");
				R.accept_pause = now_ms() + 100;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		t = time(NULL);
		if (R.ds_limits && t == R.last_accept) {
			/* DS: one new connection per wall-clock second. */
			c = conn_new(fd, 0);
			conn_close(c, "drop", 1);
			log_debug("conn %u: second connect in one second, "
			    "closed", c->id);
			continue;
		}
		R.last_accept = t;
		conn_new(fd, 1);
	}
}

/* Timers: script sleeps, closes, down broadcasts; returns the poll timeout. */
static int
timers(void)
{
	int64_t		 now = now_ms(), next = now + 1000;
	struct conn	*c;
	struct mud	*m;
	size_t		 i;

	if (R.max_seconds > 0 && now - R.t0 >= R.max_seconds * 1000) {
		log_warnx("--max-seconds %ld reached, exiting",
		    R.max_seconds);
		finish(0);
	}
	if (R.max_seconds > 0 && R.t0 + R.max_seconds * 1000 < next)
		next = R.t0 + R.max_seconds * 1000;
	for (i = 0; i < R.nconns; i++) {
		c = R.conns[i];
		if (c->scripted && c->sleep_until != 0) {
			if (c->sleep_until <= now)
				script_run(c);
			if (c->sleep_until != 0 && c->sleep_until < next)
				next = c->sleep_until;
		}
		if (c->closing && !c->dead) {
			if (c->close_by <= now)
				c->dead = 1;
			else if (c->close_by < next)
				next = c->close_by;
		}
	}
	if (R.ndown_pending > 0) {
		for (i = 0; i < R.nmuds; i++) {
			m = R.muds[i];
			if (m->down_at == 0)
				continue;
			if (m->down_at <= now) {
				m->down_at = 0;
				R.ndown_pending--;
				if (m->conn == NULL && m->info != NULL)
					send_mudlist_one(m, NULL);
			} else if (m->down_at < next)
				next = m->down_at;
		}
	}
	if (R.accept_pause > now && R.accept_pause < next)
		next = R.accept_pause;
	if (R.state_dirty) {
		if (now - R.state_saved >= STATE_MS)
			state_write();
		else if (R.state_saved + STATE_MS < next)
			next = R.state_saved + STATE_MS;
	}
	now = now_ms();
	return (next <= now ? 0 : (int)(next - now));
}

static void
signals(void)
{
	char	buf[64];
	size_t	i;

	while (read(R.sigfd[0], buf, sizeof buf) > 0)
		;
	if (got_sig[SIGTERM] || got_sig[SIGINT]) {
		log_info("signal, exiting");
		finish(0);
	}
	if (got_sig[SIGHUP]) {
		got_sig[SIGHUP] = 0;
		log_info("SIGHUP: dropping every connection");
		for (i = 0; i < R.nconns; i++)
			conn_close(R.conns[i], "drop", 0);
	}
	if (got_sig[SIGUSR1]) {
		got_sig[SIGUSR1] = 0;
		discard_report();
	}
	if (got_sig[SIGUSR2]) {
		got_sig[SIGUSR2] = 0;
		R.deaf = !R.deaf;
		log_info("SIGUSR2: %s", R.deaf ? "deaf: reading nothing" :
		    "reading again");
	}
}

static void
run(void)
{
	struct pollfd	*pfd = NULL;
	size_t		 npfd = 0, n, i, j;
	struct conn	*c;
	int		 timeout;

	for (;;) {
		timeout = timers();
		n = R.nconns;
		if (npfd < n + 2) {
			npfd = (n + 2) * 2;
			pfd = xrealloc(pfd, npfd * sizeof *pfd);
		}
		pfd[0].fd = R.sigfd[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = R.accept_pause > now_ms() ? -1 : R.lfd;
		pfd[1].events = POLLIN;
		for (i = 0; i < n; i++) {
			c = R.conns[i];
			pfd[i + 2].fd = c->dead ? -1 : c->fd;
			pfd[i + 2].events = 0;
			if (c->silent)
				pfd[i + 2].events |= POLLRDHUP;
			else if (!c->closing && !R.deaf)
				pfd[i + 2].events |= POLLIN;
			if (c->off < c->out.len)
				pfd[i + 2].events |= POLLOUT;
		}
		if (poll(pfd, n + 2, timeout) == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[0].revents & POLLIN)
			signals();
		if (pfd[1].fd != -1 && (pfd[1].revents & POLLIN))
			do_accept();
		for (i = 0; i < n; i++) {
			c = R.conns[i];
			if (c->dead || pfd[i + 2].revents == 0)
				continue;
			if (c->silent) {
				/* What was queued before the silence goes. */
				if (pfd[i + 2].revents &
				    (POLLRDHUP | POLLHUP | POLLERR))
					conn_close(c, "disconnect", 1);
				continue;
			}
			if (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(c);
			else if (c->closing && (pfd[i + 2].revents & POLLHUP))
				c->dead = 1;
		}
		for (i = 0; i < R.nconns; i++)
			if (!R.conns[i]->dead &&
			    R.conns[i]->off < R.conns[i]->out.len)
				conn_flush(R.conns[i]);
		for (i = j = 0; i < R.nconns; i++) {
			if (R.conns[i]->dead)
				conn_free(R.conns[i]);
			else
				R.conns[j++] = R.conns[i];
		}
		R.nconns = j;
	}
}

static void
parse_peer(const char *arg, char **name, int *port)
{
	const char	*colon;
	char		*end;
	long		 n;

	if ((colon = strrchr(arg, ':')) == NULL || colon == arg)
		fatalx("bad NAME:PORT: %s", arg);
	n = strtol(colon + 1, &end, 10);
	if (*end != '\0' || n <= 0 || n > 65535)
		fatalx("bad port in %s", arg);
	*name = xstrndup(arg, (size_t)(colon - arg));
	*port = (int)n;
}

static long
num(const char *s, const char *what)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < 0)
		fatalx("bad %s: %s", what, s);
	return (n);
}

int
main(int argc, char *argv[])
{
	enum {
		O_DS = 256, O_DISCARD, O_NOECHO, O_REDIRECT, O_PEER,
		O_SILENT, O_STATE, O_FAKE, O_DOWN, O_MAXSEC
	};
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "channels", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'l' },
		{ "script", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "ds-limits", no_argument, NULL, O_DS },
		{ "discard", no_argument, NULL, O_DISCARD },
		{ "no-echo", no_argument, NULL, O_NOECHO },
		{ "redirect", required_argument, NULL, O_REDIRECT },
		{ "peer", required_argument, NULL, O_PEER },
		{ "silent-after", required_argument, NULL, O_SILENT },
		{ "state", required_argument, NULL, O_STATE },
		{ "fake-muds", required_argument, NULL, O_FAKE },
		{ "down-delay", required_argument, NULL, O_DOWN },
		{ "max-seconds", required_argument, NULL, O_MAXSEC },
		{ NULL, 0, NULL, 0 }
	};
	const char	*chans = "dchat,imud_code,imud_gossip";
	const char	*logpath = NULL, *script = NULL;
	long		 port = 0, fake = 0;
	char		*pname, *addr;
	int		 ch, pport;

	R.name = "*test";
	R.peers = json_array();
	R.mudidx = json_object();
	while ((ch = getopt_long(argc, argv, "c:hl:n:p:s:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			chans = optarg;
			break;
		case 'h':
			help();
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'n':
			R.name = optarg;
			break;
		case 'p':
			port = num(optarg, "port");
			if (port > 65535)
				fatalx("bad port: %s", optarg);
			break;
		case 's':
			script = optarg;
			break;
		case 'v':
			R.verbose++;
			break;
		case O_DS:
			R.ds_limits = 1;
			break;
		case O_DISCARD:
			R.discard = 1;
			break;
		case O_NOECHO:
			R.no_echo = 1;
			break;
		case O_REDIRECT:
			free(R.redirect_name);
			parse_peer(optarg, &R.redirect_name, &R.redirect_port);
			break;
		case O_PEER:
			parse_peer(optarg, &pname, &pport);
			xasprintf(&addr, "%s %d", ROUTER_IP, pport);
			json_array_append_new(R.peers, json_pack("[s,s]",
			    pname, addr));
			free(pname);
			free(addr);
			break;
		case O_SILENT:
			R.silent_after = num(optarg, "--silent-after");
			break;
		case O_STATE:
			R.state_path = optarg;
			break;
		case O_FAKE:
			fake = num(optarg, "--fake-muds");
			break;
		case O_DOWN:
			R.down_delay = num(optarg, "--down-delay");
			break;
		case O_MAXSEC:
			R.max_seconds = num(optarg, "--max-seconds");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("i3router", R.verbose);
	R.t0 = now_ms();
	srandom((unsigned int)(time(NULL) ^ getpid()));
	raise_nofile();
	setup_signals();
	if (logpath != NULL && (R.logf = fopen(logpath, "a")) == NULL)
		fatal("%s", logpath);
	if (script != NULL)
		parse_script(script);
	state_load();
	add_channels(chans);
	if (fake > 0)
		add_fake_muds(fake);
	listen_start((int)port);
	run();
	return (0);
}
