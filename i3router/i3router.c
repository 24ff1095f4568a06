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
 * writes and accepts; deaf, as a stuck router is) and a second resumes.  Exit 3: a script expectation failed.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "i3.h"
#include "common/common.h"

#define ROUTER_IP	"127.0.0.1"
#define OUT_MAX		(4U * 1024 * 1024)	/* queued bytes per conn */
#define READ_CHUNK	65536
#define MAX_FRAME	(2U * 1024 * 1024)
#define MAX_CHANNELS	4096
#define MAX_MUDS	100000
#define MAX_NAME	128
#define CLOSE_GRACE_MS	2000
#define FLOOD_MAX	10
#define GRAYLIST_MS	5000
#define DS_MAX_PER_IP	32
#define ENC_FLAGS	(I3_ENC_FLOATS | I3_ENC_NULOK)
#define STATE_MS	200		/* --state writes at most this often */
#define INBOX_MAX	10000		/* packets a script did not expect yet */

/* One line of a script (-s). */
enum sop {
	S_EXPECT, S_AWAIT, S_SEND, S_FLOOD, S_SLEEP, S_DROP, S_SILENT, S_AUTO,
	S_EXIT
};

struct scmd {
	enum sop	 op;
	long		 ms;
	char		*arg;
	int		 line;
};

struct mud {
	char		*name;
	json_t		*info;		/* 13-element info array */
	long long	 password;
	struct conn	*conn;		/* NULL when down (or fake) */
	int		 fake;
	int		 chansvc;	/* advertises the channel service */
	int64_t		 down_at;	/* ms: broadcast "down" then; 0 none */
	time_t		 flood_sec;
	int		 flood_count;
	int64_t		 gray_until;
};

struct chan {
	char		*name;
	char		*owner;
	int		 type;
	json_t		*listen;	/* mud name -> true */
	json_t		*list;		/* ban (type 0) or admit (1, 2) list */
};

struct conn {
	int		 fd;
	unsigned int	 id;
	i3_reader	*rd;
	i3_buf		 out;
	size_t		 off;		/* bytes of out already written */
	struct mud	*mud;
	unsigned long	 npkts;
	int		 silent;	/* neither read nor answer */
	int		 closing;	/* flush, then close */
	int64_t		 close_by;
	int		 dead;		/* close now */
	const char	*why;		/* log event for the close */
	/* script mode */
	int		 scripted;	/* still under the script's control */
	size_t		 pc;
	int64_t		 sleep_until;
	json_t		*inbox;		/* packets not yet expected */
	json_t		*startup;	/* last startup-req expected */
	int		 sent_reply;	/* script sent a startup-reply */
	char		*lastmud;
};

static struct {
	const char	*name;
	int		 port;
	int		 lfd;
	int		 sigfd[2];
	int64_t		 t0;
	int		 verbose;
	/* options */
	int		 ds_limits;
	int		 discard;
	int		 no_echo;
	long		 down_delay;
	long		 silent_after;
	int		 deaf;		/* SIGUSR2: read nothing */
	long		 max_seconds;
	const char	*state_path;
	FILE		*logf;
	char		*redirect_name;
	int		 redirect_port;
	json_t		*peers;		/* ({name, "ip port"}) entries */
	struct scmd	*script;
	size_t		 nscript;
	/* state */
	struct conn	**conns;
	size_t		 nconns;
	size_t		 cconns;
	unsigned int	 nextid;
	struct mud	**muds;
	size_t		 nmuds;
	size_t		 cmuds;
	json_t		*mudidx;	/* name -> index into muds */
	size_t		 nup;
	size_t		 ndown_pending;
	struct chan	**chans;
	size_t		 nchans;
	long long	 mudlist_id;
	long long	 chanlist_id;
	time_t		 last_accept;
	int64_t		 accept_pause;
	char		*lastmud;
	int		 state_dirty;
	int64_t		 state_saved;
	unsigned long long disc_pkts;
	unsigned long long disc_bytes;
} R;

static volatile sig_atomic_t	got_sig[NSIG];

static int64_t	 now_ms(void);
static void	 usage(void) C_DEAD;
static void	 help(void) C_DEAD;
static void	 on_signal(int);
static void	 setup_signals(void);
static void	 raise_nofile(void);
static void	 listen_start(int);
static void	 parse_script(const char *);
static void	 add_channels(const char *);
static void	 add_fake_muds(long);
static void	 state_load(void);
static void	 state_save(void);
static void	 state_write(void);
static void	 log_packet(struct conn *, const json_t *);
static void	 log_event(struct conn *, const char *);
static struct mud *mud_find(const char *);
static struct mud *mud_add(const char *);
static struct chan *chan_find(const char *);
static struct chan *chan_add(const char *, const char *, int);
static void	 chan_remove(struct chan *);
static const char *jstr(const json_t *, size_t);
static int	 jint(const json_t *, size_t, json_int_t *);
static json_t	*hdr(const char *, const char *, const char *,
		    const char *, const char *);
static int	 frame(i3_buf *, const json_t *);
static void	 conn_queue(struct conn *, const void *, size_t);
static void	 conn_send(struct conn *, const json_t *);
static void	 send_error(struct conn *, const char *, const char *,
		    const char *, const json_t *);
static void	 broadcast(const json_t *, struct conn *);
static json_t	*mudlist_map(void);
static void	 send_mudlist_one(struct mud *, struct conn *);
static json_t	*chanlist_map(void);
static void	 send_chanlist(struct conn *, const json_t *);
static void	 broadcast_chanlist(void);
static void	 mud_down(struct mud *);
static void	 conn_close(struct conn *, const char *, int);
static struct conn *conn_new(int, int);
static void	 conn_free(struct conn *);
static void	 conn_read(struct conn *);
static void	 conn_flush(struct conn *);
static void	 handle_packet(struct conn *, json_t *);
static void	 handle_routed(struct conn *, json_t *);
static void	 handle_startup(struct conn *, json_t *, int);
static void	 handle_router_cmd(struct conn *, json_t *, const char *);
static void	 handle_channel(struct conn *, json_t *, const char *);
static void	 deliver_channel(struct chan *, const json_t *, const char *);
static int	 flood_check(struct mud *, struct conn *, const json_t *,
		    int);
static int	 header_ok(const json_t *);
static char	*subst(const char *, int, const char *);
static void	 script_run(struct conn *);
static void	 script_send(struct conn *, const struct scmd *);
static void	 discard_report(void);
static void	 run(void);
static void	 finish(int) C_DEAD;
static json_t	*strz(const char *);
static void	 log_line(json_t *);
static long long new_password(void);
static json_t	*mudlist_pkt(const char *, json_t *);
static int	 is_startup(const char *);
static int	 startup_shape_ok(const json_t *, int);
static json_t	*router_list(void);
static struct chan *admin_chan(struct conn *, json_t *, size_t);
static void	 edit_list(json_t *, const json_t *, int);
static void	 do_accept(void);
static int	 timers(void);
static void	 signals(void);
static void	 parse_peer(const char *, char **, int *);
static long	 num(const char *, const char *);

static int64_t
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

/* ------------------------------------------------------------ helpers */

/* [i] of an array when it is a string, else NULL. */
static const char *
jstr(const json_t *a, size_t i)
{
	json_t	*v = json_array_get(a, i);

	return (json_is_string(v) ? json_string_value(v) : NULL);
}

static int
jint(const json_t *a, size_t i, json_int_t *out)
{
	json_t	*v = json_array_get(a, i);

	if (!json_is_integer(v))
		return (0);
	if (out != NULL)
		*out = json_integer_value(v);
	return (1);
}

static json_t *
strz(const char *s)
{
	return (s != NULL ? json_string(s) : json_integer(0));
}

/* A packet header; NULL fields become 0. */
static json_t *
hdr(const char *type, const char *omud, const char *ouser, const char *tmud,
    const char *tuser)
{
	return (json_pack("[s,i,o,o,o,o]", type, 5, strz(omud), strz(ouser),
	    strz(tmud), strz(tuser)));
}

/* DS header check: 6+ elements, [0] string, [1] int, [2] string, [3-5]. */
static int
header_ok(const json_t *p)
{
	return (json_is_array(p) && json_array_size(p) >= 6 &&
	    jstr(p, 0) != NULL && jint(p, 1, NULL) && jstr(p, 2) != NULL &&
	    (json_is_string(json_array_get(p, 3)) ||
	    json_is_integer(json_array_get(p, 3))) &&
	    (json_is_string(json_array_get(p, 4)) ||
	    json_is_integer(json_array_get(p, 4))) &&
	    (json_is_string(json_array_get(p, 5)) ||
	    json_is_integer(json_array_get(p, 5))));
}

static int
frame(i3_buf *b, const json_t *p)
{
	i3_error	err;

	if (i3_frame_buf(b, p, ENC_FLAGS, &err) == -1) {
		log_warnx("cannot frame a packet: %s", err.text);
		return (-1);
	}
	return (0);
}

/* -------------------------------------------------------------- log */

static void
log_line(json_t *o)
{
	char	*s;

	if (R.logf == NULL)
		return;
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		fprintf(R.logf, "%s\n", s);
		fflush(R.logf);
		free(s);
	}
}

static void
log_packet(struct conn *c, const json_t *p)
{
	json_t	*o;

	if (R.logf == NULL)
		return;
	o = json_pack("{s:I,s:I,s:o,s:O}", "t", (json_int_t)(now_ms() - R.t0),
	    "conn", (json_int_t)c->id,
	    "mud", c->mud != NULL ? json_string(c->mud->name) : json_null(),
	    "packet", p);
	if (o != NULL) {
		log_line(o);
		json_decref(o);
	}
}

static void
log_event(struct conn *c, const char *ev)
{
	json_t	*o;

	if (R.logf == NULL)
		return;
	o = json_pack("{s:I,s:I,s:s}", "t", (json_int_t)(now_ms() - R.t0),
	    "conn", (json_int_t)c->id, "event", ev);
	if (o != NULL) {
		log_line(o);
		json_decref(o);
	}
}

/* ------------------------------------------------------ muds, channels */

static struct mud *
mud_find(const char *name)
{
	json_t	*v;

	if (name == NULL || (v = json_object_get(R.mudidx, name)) == NULL)
		return (NULL);
	return (R.muds[json_integer_value(v)]);
}

static struct mud *
mud_add(const char *name)
{
	struct mud	*m;

	if (R.nmuds == R.cmuds) {
		R.cmuds = R.cmuds ? R.cmuds * 2 : 64;
		R.muds = xrealloc(R.muds, R.cmuds * sizeof *R.muds);
	}
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	R.muds[R.nmuds] = m;
	json_object_set_new(R.mudidx, name, json_integer((json_int_t)R.nmuds));
	R.nmuds++;
	return (m);
}

static long long
new_password(void)
{
	return (100000000LL + (long long)(random() % 900000000L));
}

static struct chan *
chan_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < R.nchans; i++)
		if (strcmp(R.chans[i]->name, name) == 0)
			return (R.chans[i]);
	return (NULL);
}

static struct chan *
chan_add(const char *name, const char *owner, int type)
{
	struct chan	*ch;

	ch = xcalloc(1, sizeof *ch);
	ch->name = xstrdup(name);
	ch->owner = xstrdup(owner);
	ch->type = type;
	ch->listen = json_object();
	ch->list = json_object();
	R.chans = xrealloc(R.chans, (R.nchans + 1) * sizeof *R.chans);
	R.chans[R.nchans++] = ch;
	R.chanlist_id++;
	return (ch);
}

static void
chan_remove(struct chan *ch)
{
	size_t	i;

	for (i = 0; i < R.nchans; i++)
		if (R.chans[i] == ch)
			break;
	if (i == R.nchans)
		return;
	memmove(R.chans + i, R.chans + i + 1,
	    (R.nchans - i - 1) * sizeof *R.chans);
	R.nchans--;
	free(ch->name);
	free(ch->owner);
	json_decref(ch->listen);
	json_decref(ch->list);
	free(ch);
	R.chanlist_id++;
}

static void
add_channels(const char *list)
{
	char	*s, *p, *tok, *save = NULL;

	s = xstrdup(list);
	for (p = s; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL)
		if (*tok != '\0' && chan_find(tok) == NULL)
			chan_add(tok, R.name, 0);
	free(s);
}

static void
add_fake_muds(long n)
{
	static const char *libs[][4] = {
		{ "Dead Souls 3.9", "Dead Souls", "FluffOS v2019", "LP" },
		{ "SmaugFUSS 1.9.4", "SmaugFUSS", "SmaugFUSS", "Diku" },
		{ "CoffeeMud 5.10", "CoffeeMud", "CoffeeMud", "CoffeeMud" },
		{ "Lima 1.1", "Lima", "FluffOS v2023", "LP" },
		{ "tbaMUD 2023", "CircleMUD", "tbaMUD", "DikuMUD" },
		{ "Discworld", "Discworld", "FluffOS v2017", "LPMud" },
	};
	static const char *status[] = {
		"open for public", "mudlib development", "beta testing",
		"restricted access"
	};
	struct mud	*m;
	char		 name[32], ip[32], mail[64], url[64];
	long		 i;
	size_t		 k;

	for (i = 1; i <= n && R.nmuds < MAX_MUDS; i++) {
		snprintf(name, sizeof name, "FakeMud%03ld", i);
		if (mud_find(name) != NULL)
			continue;
		k = (size_t)i % (sizeof libs / sizeof libs[0]);
		snprintf(ip, sizeof ip, "192.0.2.%ld", i % 254 + 1);
		snprintf(mail, sizeof mail, "admin@fakemud%03ld.example.org",
		    i);
		snprintf(url, sizeof url, "http://fakemud%03ld.example.org/",
		    i);
		m = mud_add(name);
		m->fake = 1;
		m->chansvc = 1;
		m->password = new_password();
		m->info = json_pack("[i,s,i,i,i,s,s,s,s,s,s,"
		    "{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},{s:s,s:s}]",
		    -1, ip, (int)(4000 + i % 1000), 0, 0, libs[k][0],
		    libs[k][1], libs[k][2], libs[k][3],
		    status[(size_t)i % 4], mail,
		    "tell", 1, "emoteto", 1, "who", 1, "finger", 1,
		    "locate", 1, "channel", 1, "ucache", 1, "auth", 1,
		    "url", url, "time", "2026-01-01 00:00:00");
	}
	R.mudlist_id++;
}

/* ------------------------------------------------------------- state */

static void
state_load(void)
{
	json_t		*st, *muds, *v, *info;
	json_error_t	 jerr;
	const char	*name;
	struct mud	*m;

	if (R.state_path == NULL)
		return;
	if ((st = json_load_file(R.state_path, 0, &jerr)) == NULL) {
		if (access(R.state_path, F_OK) == 0)
			log_warnx("%s: %s", R.state_path, jerr.text);
		return;
	}
	R.mudlist_id = json_integer_value(json_object_get(st, "mudlist_id"));
	R.chanlist_id = json_integer_value(json_object_get(st,
	    "chanlist_id"));
	muds = json_object_get(st, "muds");
	json_object_foreach(muds, name, v) {
		if (mud_find(name) != NULL || R.nmuds >= MAX_MUDS)
			continue;
		m = mud_add(name);
		m->password = json_integer_value(json_object_get(v,
		    "password"));
		info = json_object_get(v, "info");
		if (json_is_array(info) && json_array_size(info) == 13) {
			m->info = json_deep_copy(info);
			json_array_set_new(m->info, 0, json_integer(0));
		}
		m->chansvc = json_is_true(json_object_get(v, "channel"));
	}
	json_decref(st);
	log_info("state: %zu muds from %s", R.nmuds, R.state_path);
}

/* Note a change; timers() writes the file at most every STATE_MS. */
static void
state_save(void)
{
	if (R.state_path != NULL)
		R.state_dirty = 1;
}

static void
state_write(void)
{
	json_t	*st, *muds;
	char	*tmp;
	size_t	 i;

	if (R.state_path == NULL || !R.state_dirty)
		return;
	R.state_dirty = 0;
	R.state_saved = now_ms();
	muds = json_object();
	for (i = 0; i < R.nmuds; i++) {
		if (R.muds[i]->fake)
			continue;
		json_object_set_new(muds, R.muds[i]->name, json_pack(
		    "{s:I,s:O?,s:b}", "password",
		    (json_int_t)R.muds[i]->password, "info", R.muds[i]->info,
		    "channel", R.muds[i]->chansvc));
	}
	st = json_pack("{s:I,s:I,s:o}", "mudlist_id",
	    (json_int_t)R.mudlist_id, "chanlist_id",
	    (json_int_t)R.chanlist_id, "muds", muds);
	xasprintf(&tmp, "%s.tmp%ld", R.state_path, (long)getpid());
	if (json_dump_file(st, tmp, JSON_INDENT(1)) == -1)
		log_warnx("cannot write %s", tmp);
	else if (rename(tmp, R.state_path) == -1)
		log_warn("rename %s", tmp);
	free(tmp);
	json_decref(st);
}

/* ---------------------------------------------------------- sending */

static void
conn_queue(struct conn *c, const void *p, size_t n)
{
	if (c->dead || c->silent || c->fd == -1)
		return;
	if (c->out.len - c->off + n > OUT_MAX) {
		log_warnx("conn %u: output over %u bytes, dropping it", c->id,
		    OUT_MAX);
		conn_close(c, "drop", 0);
		return;
	}
	if (c->off > 0 && c->off == c->out.len) {
		c->out.len = 0;
		c->off = 0;
	}
	if (i3_buf_add(&c->out, p, n) == -1)
		fatalx("out of memory");
}

static void
conn_send(struct conn *c, const json_t *p)
{
	i3_buf	b;

	if (c->dead || c->silent)
		return;
	i3_buf_init(&b);
	if (frame(&b, p) == 0)
		conn_queue(c, b.data, b.len);
	i3_buf_free(&b);
}

/* An error from the router to c, about packet p (may be NULL). */
static void
send_error(struct conn *c, const char *code, const char *msg,
    const char *tuser, const json_t *p)
{
	json_t		*e;
	const char	*tmud;

	tmud = c->mud != NULL ? c->mud->name : (p != NULL ? jstr(p, 2) : NULL);
	if (tuser == NULL && p != NULL)
		tuser = jstr(p, 3);
	e = hdr("error", R.name, NULL, tmud, tuser);
	json_array_append_new(e, json_string(code));
	json_array_append_new(e, json_string(msg));
	json_array_append_new(e, p != NULL ? json_deep_copy(p) :
	    json_integer(0));
	conn_send(c, e);
	json_decref(e);
	log_debug("conn %u: error %s: %s", c->id, code, msg);
}

/* To every connected MUD; except may be NULL. */
static void
broadcast(const json_t *p, struct conn *except)
{
	i3_buf	b;
	size_t	i;

	i3_buf_init(&b);
	if (frame(&b, p) == 0)
		for (i = 0; i < R.nconns; i++)
			if (R.conns[i]->mud != NULL &&
			    R.conns[i]->mud->conn == R.conns[i] &&
			    R.conns[i] != except)
				conn_queue(R.conns[i], b.data, b.len);
	i3_buf_free(&b);
}

static json_t *
mudlist_map(void)
{
	json_t	*map = json_object();
	size_t	 i;

	for (i = 0; i < R.nmuds; i++)
		if (R.muds[i]->info != NULL)
			json_object_set(map, R.muds[i]->name,
			    R.muds[i]->info);
	return (map);
}

static json_t *
mudlist_pkt(const char *target, json_t *map)
{
	json_t	*p = hdr("mudlist", R.name, NULL, target, NULL);

	json_array_append_new(p, json_integer((json_int_t)R.mudlist_id));
	json_array_append_new(p, map);
	return (p);
}

/* A one-entry mudlist about m, to c or (c NULL) to every connected MUD. */
static void
send_mudlist_one(struct mud *m, struct conn *except)
{
	json_t	*map, *p;

	map = json_object();
	json_object_set(map, m->name, m->info);
	p = mudlist_pkt(NULL, map);
	broadcast(p, except);
	json_decref(p);
}

static json_t *
chanlist_map(void)
{
	json_t	*map = json_object();
	size_t	 i;

	for (i = 0; i < R.nchans; i++)
		json_object_set_new(map, R.chans[i]->name, json_pack("[s,i]",
		    R.chans[i]->owner, R.chans[i]->type));
	return (map);
}

static void
send_chanlist(struct conn *c, const json_t *map)
{
	json_t	*p;

	if (c->mud == NULL)
		return;
	p = hdr("chanlist-reply", R.name, NULL, c->mud->name, NULL);
	json_array_append_new(p, json_integer((json_int_t)R.chanlist_id));
	json_array_append(p, (json_t *)map);
	conn_send(c, p);
	json_decref(p);
}

static void
broadcast_chanlist(void)
{
	json_t	*map = chanlist_map();
	size_t	 i;

	for (i = 0; i < R.nconns; i++)
		if (R.conns[i]->mud != NULL &&
		    R.conns[i]->mud->conn == R.conns[i])
			send_chanlist(R.conns[i], map);
	json_decref(map);
	state_save();
}

/* ------------------------------------------------------- connections */

static void
mud_down(struct mud *m)
{
	if (m->conn == NULL)
		return;
	m->conn->mud = NULL;
	m->conn = NULL;
	R.nup--;
	if (m->info != NULL)
		json_array_set_new(m->info, 0, json_integer(0));
	R.mudlist_id++;
	m->down_at = now_ms() + R.down_delay;
	R.ndown_pending++;
	log_debug("mud %s is down", m->name);
	state_save();
}

/*
 * Close c: at once (now) or once its output is written.  The MUD on it is
 * marked down at once either way.
 */
static void
conn_close(struct conn *c, const char *why, int now)
{
	if (c->dead)
		return;
	if (c->mud != NULL && c->mud->conn == c)
		mud_down(c->mud);
	c->mud = NULL;
	if (now || c->out.len == c->off) {
		c->dead = 1;
	} else if (!c->closing) {
		c->closing = 1;
		c->close_by = now_ms() + CLOSE_GRACE_MS;
	}
	if (c->why == NULL)
		c->why = why;
}

static struct conn *
conn_new(int fd, int scripted)
{
	struct conn	*c;
	i3_limits	 lim;
	int		 on = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->id = ++R.nextid;
	memset(&lim, 0, sizeof lim);
	lim.max_frame = MAX_FRAME;
	if ((c->rd = i3_reader_new(&lim)) == NULL)
		fatalx("out of memory");
	i3_buf_init(&c->out);
	if (R.nconns == R.cconns) {
		R.cconns = R.cconns ? R.cconns * 2 : 64;
		R.conns = xrealloc(R.conns, R.cconns * sizeof *R.conns);
	}
	R.conns[R.nconns++] = c;
	log_event(c, "connect");
	log_debug("conn %u: connected", c->id);
	if (R.script != NULL && scripted) {
		c->scripted = 1;
		c->inbox = json_array();
		script_run(c);
	}
	return (c);
}

static void
conn_free(struct conn *c)
{
	if (c->mud != NULL && c->mud->conn == c)
		mud_down(c->mud);
	log_event(c, c->why != NULL ? c->why : "disconnect");
	log_debug("conn %u: closed (%s)", c->id,
	    c->why != NULL ? c->why : "disconnect");
	if (c->fd != -1)
		close(c->fd);
	i3_reader_free(c->rd);
	i3_buf_free(&c->out);
	json_decref(c->inbox);
	json_decref(c->startup);
	free(c->lastmud);
	free(c);
}

static void
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (!c->dead && c->off < c->out.len) {
		n = write(c->fd, c->out.data + c->off, c->out.len - c->off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c, "disconnect", 1);
			break;
		}
		c->off += (size_t)n;
	}
	if (c->off == c->out.len) {
		c->off = 0;
		c->out.len = 0;
		if (c->out.size > 1024 * 1024) {
			i3_buf_free(&c->out);
			i3_buf_init(&c->out);
		}
		if (c->closing)
			c->dead = 1;
	} else if (c->off > 65536 && c->off > c->out.len / 2) {
		memmove(c->out.data, c->out.data + c->off,
		    c->out.len - c->off);
		c->out.len -= c->off;
		c->off = 0;
	}
}

static void
conn_read(struct conn *c)
{
	char		 buf[READ_CHUNK];
	ssize_t		 n;
	i3_error	 err;
	json_t		*p;
	const char	*pl;
	size_t		 pn;
	int		 rc;

	n = read(c->fd, buf, sizeof buf);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c, "disconnect", 1);
		return;
	}
	if (n == 0) {
		conn_close(c, "disconnect", 1);
		return;
	}
	if (i3_reader_feed(c->rd, buf, (size_t)n, &err) == -1) {
		log_warnx("conn %u: bad frame: %s", c->id, err.text);
		conn_close(c, "drop", 1);
		return;
	}
	while (!c->dead && !c->closing && !c->silent) {
		if (R.discard && c->mud != NULL && !c->scripted &&
		    R.logf == NULL) {
			rc = i3_reader_next_frame(c->rd, &pl, &pn, &err);
			if (rc == 1) {
				R.disc_pkts++;
				R.disc_bytes += pn + 5;
				continue;
			}
			p = NULL;
		} else
			rc = i3_reader_next(c->rd, &p, &err);
		if (rc == 0)
			break;
		if (rc == -1) {
			if (i3_reader_failed(c->rd)) {
				log_warnx("conn %u: bad frame: %s", c->id,
				    err.text);
				conn_close(c, "drop", 1);
				break;
			}
			log_debug("conn %u: bad packet: %s", c->id, err.text);
			c->npkts++;
			if (!c->scripted)
				send_error(c, "bad-pkt", "Bad packet format.",
				    NULL, NULL);
		} else {
			c->npkts++;
			log_packet(c, p);
			handle_packet(c, p);
			json_decref(p);
		}
		if (R.silent_after > 0 &&
		    c->npkts >= (unsigned long)R.silent_after) {
			log_debug("conn %u: silent after %lu packets", c->id,
			    c->npkts);
			c->silent = 1;
		}
	}
}

/* ------------------------------------------------------------ packets */

static void
handle_packet(struct conn *c, json_t *p)
{
	if (c->scripted) {
		if (json_array_size(c->inbox) >= INBOX_MAX) {
			log_warnx("conn %u: %d packets the script did not "
			    "expect, dropping it", c->id, INBOX_MAX);
			conn_close(c, "drop", 1);
			return;
		}
		json_array_append(c->inbox, p);
		script_run(c);
		return;
	}
	if (R.discard && c->mud != NULL) {
		R.disc_pkts++;
		return;
	}
	handle_routed(c, p);
}

/* Count p against its MUD's flood allowance; 0 = drop it. */
static int
flood_check(struct mud *m, struct conn *c, const json_t *p, int weight)
{
	time_t	 t;
	int64_t	 now;

	if (!R.ds_limits || m == NULL || m->fake)
		return (1);
	now = now_ms();
	if (m->gray_until > now)
		return (0);
	t = time(NULL);
	if (t != m->flood_sec) {
		m->flood_sec = t;
		m->flood_count = 0;
	}
	m->flood_count += weight;
	if (m->flood_count > FLOOD_MAX) {
		log_debug("mud %s: flood, graylisted for %d ms", m->name,
		    GRAYLIST_MS);
		send_error(c, "not-allowed", "Flood detected! Your mud is "
		    "graylisted for a while.", NULL, p);
		m->gray_until = now + GRAYLIST_MS;
		return (0);
	}
	return (1);
}

static int
is_startup(const char *type)
{
	return (type != NULL && strncmp(type, "startup-req-", 12) == 0);
}

static void
handle_routed(struct conn *c, json_t *p)
{
	const char	*type, *tmud;
	struct mud	*m;

	if (!header_ok(p)) {
		if (c->mud != NULL || is_startup(jstr(p, 0)))
			send_error(c, "bad-pkt", "Invalid initial data", NULL,
			    p);
		return;
	}
	type = jstr(p, 0);
	if (is_startup(type)) {
		handle_startup(c, p, 1);
		return;
	}
	if (c->mud == NULL) {
		log_debug("conn %u: %s before startup dropped", c->id, type);
		return;
	}
	if (!flood_check(c->mud, c, p, strcmp(type, "channel-listen") == 0 ?
	    0 : 1))
		return;
	if (strcmp(jstr(p, 2), c->mud->name) != 0) {
		char	*msg;

		xasprintf(&msg, "Your MUD hasn't registered as %s yet",
		    jstr(p, 2));
		send_error(c, "unk-src", msg, NULL, p);
		free(msg);
		return;
	}
	if (strcmp(type, "startup-reply") == 0 ||
	    strcmp(type, "chanlist-reply") == 0 ||
	    strcmp(type, "mudlist") == 0 || strcmp(type, "bad-mojo") == 0) {
		send_error(c, "not-allowed", "Illegal packet type for a mud "
		    "to send", NULL, p);
		return;
	}
	if (strcmp(type, "channel-m") == 0 || strcmp(type, "channel-e") == 0 ||
	    strcmp(type, "channel-t") == 0) {
		handle_channel(c, p, type);
		return;
	}
	tmud = jstr(p, 4);
	if (tmud == NULL) {
		/* Target 0: to everybody, the sender included. */
		broadcast(p, NULL);
		return;
	}
	if (strcasecmp(tmud, R.name) == 0) {
		handle_router_cmd(c, p, type);
		return;
	}
	if ((m = mud_find(tmud)) == NULL) {
		send_error(c, "unk-dst", "destination unknown", NULL, p);
		return;
	}
	if (m->conn == NULL) {
		log_debug("conn %u: %s to %s (%s) dropped", c->id, type, tmud,
		    m->fake ? "fake" : "down");
		return;
	}
	conn_send(m->conn, p);
}

static int
startup_shape_ok(const json_t *p, int proto)
{
	size_t	n = json_array_size(p), i;

	if (proto == 2 && n == 20)
		proto = 3;
	if ((proto < 3 && n != 18) || (proto == 3 && n != 20))
		return (0);
	for (i = 6; i <= 11; i++)
		if (!jint(p, i, NULL))
			return (0);
	for (i = 12; i <= 16; i++)
		if (jstr(p, i) == NULL)
			return (0);
	if (n == 18)
		return (json_is_object(json_array_get(p, 17)));
	return (jstr(p, 17) != NULL && json_is_object(json_array_get(p, 18)) &&
	    (json_is_object(json_array_get(p, 19)) ||
	    (jint(p, 19, NULL) &&
	    json_integer_value(json_array_get(p, 19)) == 0)));
}

static json_t *
router_list(void)
{
	json_t	*l = json_array();
	char	*addr;

	if (R.redirect_name != NULL) {
		xasprintf(&addr, "%s %d", ROUTER_IP, R.redirect_port);
		json_array_append_new(l, json_pack("[s,s]", R.redirect_name,
		    addr));
		free(addr);
	}
	xasprintf(&addr, "%s %d", ROUTER_IP, R.port);
	json_array_append_new(l, json_pack("[s,s]", R.name, addr));
	free(addr);
	json_array_extend(l, R.peers);
	return (l);
}

/*
 * A startup-req on c.  reply 0: register the MUD without answering (a script
 * already sent its own startup-reply).
 */
static void
handle_startup(struct conn *c, json_t *p, int reply)
{
	const char	*type = jstr(p, 0), *name;
	struct mud	*m;
	struct conn	*old;
	json_t		*info, *svc, *q, *map;
	json_int_t	 pw = 0;
	long long	 oldpw;
	int		 proto, n20, known, warn = 0;

	if (!header_ok(p)) {
		send_error(c, "bad-pkt", "Invalid initial data", NULL, p);
		return;
	}
	name = jstr(p, 2);
	if (jstr(p, 4) == NULL || strcasecmp(jstr(p, 4), R.name) != 0) {
		log_debug("conn %u: startup for router %s, closing", c->id,
		    jstr(p, 4) ? jstr(p, 4) : "0");
		conn_close(c, "drop", 1);
		return;
	}
	proto = type[12] - '0';
	if (proto < 1 || proto > 3 || type[13] != '\0') {
		send_error(c, "not-imp", "Unknown startup protocol", NULL, p);
		return;
	}
	if (!startup_shape_ok(p, proto)) {
		send_error(c, "bad-pkt", "Bad startup_req packet", NULL, p);
		return;
	}
	if (*name == '\0' || *name == '*' || strlen(name) > MAX_NAME) {
		log_debug("conn %u: startup for bad name ignored", c->id);
		return;
	}
	n20 = json_array_size(p) == 20;
	jint(p, 6, &pw);
	m = mud_find(name);
	if (m != NULL && m->fake) {
		send_error(c, "bad-proto", "MUD already connected", NULL, p);
		return;
	}
	if (m != NULL && m->gray_until > now_ms())
		return;
	if (m != NULL && m->conn != NULL && m->conn != c) {
		if (pw != m->password) {
			old = m->conn;
			send_error(c, "bad-proto", "MUD already connected",
			    NULL, p);
			q = hdr("error", R.name, NULL, m->name, NULL);
			json_array_append_new(q, json_string("bad-mojo"));
			json_array_append_new(q, json_string(
			    "Another mud is trying to be you."));
			json_array_append_new(q, json_pack("[s,O,O,O,O]",
			    ROUTER_IP, json_array_get(p, 12),
			    json_array_get(p, 13), n20 ?
			    json_array_get(p, 17) : json_array_get(p, 12),
			    json_array_get(p, 9)));
			conn_send(old, q);
			json_decref(q);
			return;
		}
		/* Same IP, same password: the newcomer wins (DS). */
		log_debug("mud %s: reconnected on conn %u, dropping conn %u",
		    name, c->id, m->conn->id);
		old = m->conn;
		mud_down(m);
		R.ndown_pending--;
		m->down_at = 0;
		conn_close(old, "drop", 0);
	}
	if ((m == NULL || m->conn == NULL) && R.ds_limits &&
	    R.nup >= DS_MAX_PER_IP) {
		send_error(c, "not-allowed", "Too many muds from your IP.",
		    NULL, p);
		return;
	}
	if (m == NULL && R.nmuds >= MAX_MUDS) {
		send_error(c, "not-allowed", "Too many muds.", NULL, p);
		return;
	}
	/* This socket registered as another MUD before: that one goes down. */
	if (c->mud != NULL && c->mud != m)
		mud_down(c->mud);
	known = m != NULL;
	if (m == NULL)
		m = mud_add(name);
	if (!flood_check(m, c, p, 6))
		return;
	oldpw = m->password;
	if (!known || pw != m->password) {
		if (known)
			warn = 1;
		m->password = new_password();
	}
	if (warn)
		send_error(c, "warning", "wrong password, but I'll allow you "
		    "since it's the same IP as last time", NULL, p);
	/* The info array, protocol 3 shape. */
	svc = json_array_get(p, n20 ? 18 : 17);
	info = json_pack("[i,s,O,O,O,O,O,O,O,O,o,O,o]", -1, ROUTER_IP,
	    json_array_get(p, 9), json_array_get(p, 10), json_array_get(p, 11),
	    json_array_get(p, 12), json_array_get(p, 13), json_array_get(p, 14),
	    json_array_get(p, 15), json_array_get(p, 16),
	    n20 ? json_deep_copy(json_array_get(p, 17)) : json_string(""),
	    svc, n20 ? json_incref(json_array_get(p, 19)) : json_integer(0));
	if (info == NULL) {
		send_error(c, "bad-pkt", "Bad startup_req packet", NULL, p);
		return;
	}
	json_decref(m->info);
	m->info = info;
	m->chansvc = json_is_integer(json_object_get(svc, "channel")) &&
	    json_integer_value(json_object_get(svc, "channel")) != 0;
	if (m->conn == NULL) {
		R.nup++;
		if (m->down_at != 0) {
			m->down_at = 0;
			R.ndown_pending--;
		}
	}
	m->conn = c;
	c->mud = m;
	R.mudlist_id++;
	free(R.lastmud);
	R.lastmud = xstrdup(name);
	log_debug("mud %s up on conn %u (%s, password %s)", name, c->id,
	    known ? "known" : "new", oldpw == m->password ? "kept" : "new");
	if (reply) {
		q = hdr("startup-reply", R.name, NULL, name, NULL);
		json_array_append_new(q, router_list());
		json_array_append_new(q, json_integer(
		    (json_int_t)m->password));
		conn_send(c, q);
		json_decref(q);
		q = mudlist_pkt(name, mudlist_map());
		conn_send(c, q);
		json_decref(q);
		if (m->chansvc) {
			map = chanlist_map();
			send_chanlist(c, map);
			json_decref(map);
		}
	}
	send_mudlist_one(m, c);
	state_save();
}

static struct chan *
admin_chan(struct conn *c, json_t *p, size_t need)
{
	struct chan	*ch;
	char		*msg;

	if (json_array_size(p) < need || jstr(p, 6) == NULL) {
		send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
		return (NULL);
	}
	if ((ch = chan_find(jstr(p, 6))) == NULL) {
		xasprintf(&msg, "Unknown channel: %s", jstr(p, 6));
		send_error(c, "unk-channel", msg, NULL, p);
		free(msg);
		return (NULL);
	}
	if (strcmp(ch->owner, c->mud->name) != 0) {
		send_error(c, "not-allowed", "You are not the owner of that "
		    "channel.", NULL, p);
		return (NULL);
	}
	return (ch);
}

static void
edit_list(json_t *list, const json_t *names, int add)
{
	size_t	 i;
	json_t	*v;

	if (!json_is_array(names))
		return;
	json_array_foreach(names, i, v)
		if (json_is_string(v)) {
			if (add)
				json_object_set_new(list,
				    json_string_value(v), json_true());
			else
				json_object_del(list, json_string_value(v));
		}
}

static void
handle_router_cmd(struct conn *c, json_t *p, const char *type)
{
	struct chan	*ch;
	json_t		*map, *q, *fp;
	json_int_t	 on, ctype;
	const char	*cname, *key;
	char		*msg;

	if (strcmp(type, "chanlist-req") == 0 ||
	    strcmp(type, "chanlist-request") == 0) {
		map = chanlist_map();
		send_chanlist(c, map);
		json_decref(map);
	} else if (strcmp(type, "channel-listen") == 0) {
		/* The Python gateway's flag "1" is read as libi3 reads it. */
		fp = json_pack("{s:O?}", "on", json_array_get(p, 7));
		on = i3_pkt_int(fp, "on", -1);
		json_decref(fp);
		if (json_array_size(p) < 8 || jstr(p, 6) == NULL || on == -1)
			return;
		if ((ch = chan_find(jstr(p, 6))) == NULL) {
			xasprintf(&msg, "Unknown channel: %s", jstr(p, 6));
			send_error(c, "unk-channel", msg, NULL, p);
			free(msg);
			return;
		}
		if (on)
			json_object_set_new(ch->listen, c->mud->name,
			    json_true());
		else
			json_object_del(ch->listen, c->mud->name);
	} else if (strcmp(type, "channel-add") == 0) {
		cname = jstr(p, 6);
		if (json_array_size(p) < 8 || cname == NULL ||
		    !jint(p, 7, &ctype) || ctype < 0 || ctype > 2 ||
		    *cname == '\0' || strlen(cname) > 80) {
			send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
			return;
		}
		if (chan_find(cname) != NULL) {
			send_error(c, "not-allowed", "Channel already exists.",
			    NULL, p);
			return;
		}
		if (R.nchans >= MAX_CHANNELS) {
			send_error(c, "not-allowed", "Too many channels.",
			    NULL, p);
			return;
		}
		chan_add(cname, c->mud->name, (int)ctype);
		log_debug("channel %s added by %s, type %d", cname,
		    c->mud->name, (int)ctype);
		broadcast_chanlist();
	} else if (strcmp(type, "channel-remove") == 0) {
		if ((ch = admin_chan(c, p, 7)) == NULL)
			return;
		log_debug("channel %s removed by %s", ch->name, c->mud->name);
		chan_remove(ch);
		broadcast_chanlist();
	} else if (strcmp(type, "channel-admin") == 0) {
		if ((ch = admin_chan(c, p, 9)) == NULL)
			return;
		edit_list(ch->list, json_array_get(p, 7), 1);
		edit_list(ch->list, json_array_get(p, 8), 0);
	} else if (strcmp(type, "chan-adminlist") == 0) {
		if (json_array_size(p) < 7 || jstr(p, 6) == NULL) {
			send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
			return;
		}
		if ((ch = chan_find(jstr(p, 6))) == NULL) {
			xasprintf(&msg, "Unknown channel: %s", jstr(p, 6));
			send_error(c, "unk-channel", msg, NULL, p);
			free(msg);
			return;
		}
		q = hdr("chan-adminlist-reply", R.name, NULL, c->mud->name,
		    jstr(p, 3));
		json_array_append_new(q, json_string(ch->name));
		map = json_array();
		json_object_foreach(ch->list, key, fp)
			json_array_append_new(map, json_string(key));
		json_array_append_new(q, map);
		conn_send(c, q);
		json_decref(q);
	} else if (strcmp(type, "chan-filter-reply") == 0) {
		fp = json_array_get(p, 7);
		if ((ch = chan_find(jstr(p, 6))) == NULL ||
		    strcmp(ch->owner, c->mud->name) != 0 ||
		    !json_is_array(fp) || json_array_size(fp) < 9 ||
		    jstr(fp, 0) == NULL || jstr(fp, 2) == NULL)
			return;
		deliver_channel(ch, fp, jstr(fp, 2));
	} else if (strcmp(type, "shutdown") == 0) {
		log_debug("mud %s: shutdown", c->mud->name);
		conn_close(c, "disconnect", 0);
	} else {
		send_error(c, "not-imp", "Unknown command sent to router",
		    NULL, p);
	}
}

static void
deliver_channel(struct chan *ch, const json_t *p, const char *from)
{
	const char	*key;
	json_t		*v;
	struct mud	*m;
	i3_buf		 b;

	i3_buf_init(&b);
	if (frame(&b, p) == 0)
		json_object_foreach(ch->listen, key, v) {
			if ((m = mud_find(key)) == NULL || m->conn == NULL)
				continue;
			if (R.no_echo && from != NULL &&
			    strcmp(key, from) == 0)
				continue;
			conn_queue(m->conn, b.data, b.len);
		}
	i3_buf_free(&b);
}

static void
handle_channel(struct conn *c, json_t *p, const char *type)
{
	struct chan	*ch;
	struct mud	*host;
	const char	*name = c->mud->name, *msgtxt, *vis;
	json_t		*q;
	char		*msg;
	size_t		 need = strcmp(type, "channel-t") == 0 ? 13 : 9;

	if (!json_is_integer(json_array_get(p, 4)) ||
	    !json_is_integer(json_array_get(p, 5)) ||
	    json_integer_value(json_array_get(p, 4)) != 0 ||
	    json_integer_value(json_array_get(p, 5)) != 0 ||
	    json_array_size(p) < need || jstr(p, 6) == NULL) {
		send_error(c, "bad-pkt", "Bad packet format.", NULL, p);
		return;
	}
	if ((ch = chan_find(jstr(p, 6))) == NULL) {
		xasprintf(&msg, "Unknown channel: %s", jstr(p, 6));
		send_error(c, "unk-channel", msg, NULL, p);
		free(msg);
		return;
	}
	if ((ch->type == 0 && json_object_get(ch->list, name) != NULL) ||
	    (ch->type != 0 && json_object_get(ch->list, name) == NULL &&
	    strcmp(ch->owner, name) != 0)) {
		xasprintf(&msg, "You are not allowed on channel %s", ch->name);
		send_error(c, "not-allowed", msg, NULL, p);
		free(msg);
		return;
	}
	if (json_object_get(ch->listen, name) == NULL) {
		xasprintf(&msg, "Your mud was not listening to %s; it is now.",
		    ch->name);
		send_error(c, "warning", msg, NULL, p);
		free(msg);
		json_object_set_new(ch->listen, name, json_true());
	}
	if (strcmp(type, "channel-e") == 0 && (msgtxt = jstr(p, 8)) != NULL &&
	    strstr(msgtxt, "$N") == NULL) {
		vis = jstr(p, 7);
		xasprintf(&msg, "%s (from %s@%s)", msgtxt,
		    vis != NULL ? vis : (jstr(p, 3) ? jstr(p, 3) : "someone"),
		    name);
		json_array_set_new(p, 8, json_string(msg));
		free(msg);
	}
	if (ch->type == 2 && strcmp(ch->owner, name) != 0 &&
	    strcmp(ch->owner, R.name) != 0) {
		host = mud_find(ch->owner);
		if (host == NULL || host->conn == NULL) {
			send_error(c, "unk-dst", "destination unknown", NULL,
			    p);
			return;
		}
		q = hdr("chan-filter-req", R.name, NULL, host->name, NULL);
		json_array_append_new(q, json_string(ch->name));
		json_array_append(q, p);
		conn_send(host->conn, q);
		json_decref(q);
		return;
	}
	deliver_channel(ch, p, name);
}

/* ------------------------------------------------------------- script */

/* tmpl with %PORT and %MUD replaced (the name escaped for a JSON string). */
static char *
subst(const char *tmpl, int port, const char *mud)
{
	i3_buf		 b;
	char		 num[16];
	const char	*p, *q;

	i3_buf_init(&b);
	snprintf(num, sizeof num, "%d", port);
	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "%PORT", 5) == 0) {
			i3_buf_add(&b, num, strlen(num));
			p += 4;
		} else if (strncmp(p, "%MUD", 4) == 0) {
			for (q = mud != NULL ? mud : ""; *q != '\0'; q++) {
				if (*q == '"' || *q == '\\')
					i3_buf_add(&b, "\\", 1);
				i3_buf_add(&b, q, 1);
			}
			p += 3;
		} else
			i3_buf_add(&b, p, 1);
	}
	i3_buf_add(&b, "", 1);
	if (b.data == NULL)
		fatalx("out of memory");
	return (b.data);
}

static void
parse_script(const char *path)
{
	FILE		*f;
	char		*line = NULL, *s, *e, *arg, *t;
	size_t		 cap = 0;
	int		 lineno = 0;
	struct scmd	 sc;
	json_t		*j;
	json_error_t	 jerr;

	if ((f = fopen(path, "r")) == NULL)
		fatal("%s", path);
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		for (s = line; isspace((unsigned char)*s); s++)
			;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		for (arg = s; *arg != '\0' && !isspace((unsigned char)*arg);
		    arg++)
			;
		if (*arg != '\0')
			*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
		memset(&sc, 0, sizeof sc);
		sc.line = lineno;
		if ((strcmp(s, "expect") == 0 || strcmp(s, "await") == 0) &&
		    *arg != '\0') {
			sc.op = *s == 'e' ? S_EXPECT : S_AWAIT;
			sc.arg = xstrdup(arg);
		} else if (strcmp(s, "send") == 0 && *arg != '\0') {
			sc.op = S_SEND;
			sc.arg = xstrdup(arg);
			/* Check it now, with placeholder values. */
			t = subst(arg, 1, "MudX");
			j = json_loads(t, JSON_DECODE_ANY, &jerr);
			free(t);
			if (!json_is_array(j))
				fatalx("%s:%d: send needs a JSON array: %s",
				    path, lineno,
				    j == NULL ? jerr.text : "not an array");
			json_decref(j);
		} else if (strcmp(s, "flood") == 0 && *arg != '\0') {
			sc.op = S_FLOOD;
			sc.ms = strtol(arg, &t, 10);
			if (sc.ms <= 0 || sc.ms > 10000000 || !isspace(
			    (unsigned char)*t))
				fatalx("%s:%d: flood N JSON", path, lineno);
			sc.arg = xstrdup(t + 1);
		} else if (strcmp(s, "sleep") == 0 && *arg != '\0') {
			sc.op = S_SLEEP;
			sc.ms = strtol(arg, NULL, 10);
		} else if (strcmp(s, "drop") == 0)
			sc.op = S_DROP;
		else if (strcmp(s, "silent") == 0)
			sc.op = S_SILENT;
		else if (strcmp(s, "auto") == 0)
			sc.op = S_AUTO;
		else if (strcmp(s, "exit") == 0)
			sc.op = S_EXIT;
		else
			fatalx("%s:%d: unknown script command %s", path,
			    lineno, s);
		R.script = xrealloc(R.script, (R.nscript + 1) *
		    sizeof *R.script);
		R.script[R.nscript++] = sc;
	}
	free(line);
	fclose(f);
	if (R.nscript == 0)
		fatalx("%s: empty script", path);
}

static void
script_send(struct conn *c, const struct scmd *sc)
{
	char		*t;
	json_t		*p;
	json_error_t	 jerr;

	t = subst(sc->arg, R.port, c->lastmud != NULL ? c->lastmud :
	    R.lastmud);
	if ((p = json_loads(t, JSON_DECODE_ANY, &jerr)) == NULL ||
	    !json_is_array(p)) {
		log_warnx("script line %d: bad JSON after substitution: %s",
		    sc->line, t);
		json_decref(p);
		free(t);
		return;
	}
	free(t);
	if (jstr(p, 0) != NULL && strcmp(jstr(p, 0), "startup-reply") == 0)
		c->sent_reply = 1;
	conn_send(c, p);
	json_decref(p);
}

/* Run c's script until it waits for a packet or a timer, or ends. */
static void
script_run(struct conn *c)
{
	const struct scmd	*sc;
	json_t			*p, *q;
	const char		*got;
	size_t			 i;

	while (c->scripted && !c->dead && !c->closing) {
		if (c->pc >= R.nscript) {
			/* Ended without auto: kept, but ignored. */
			json_array_clear(c->inbox);
			return;
		}
		sc = &R.script[c->pc];
		switch (sc->op) {
		case S_EXPECT:
		case S_AWAIT:
			if (json_array_size(c->inbox) == 0)
				return;
			p = json_incref(json_array_get(c->inbox, 0));
			json_array_remove(c->inbox, 0);
			got = jstr(p, 0);
			if (sc->op == S_AWAIT && (got == NULL ||
			    strcmp(got, sc->arg) != 0)) {
				log_debug("conn %u: script: %s passed over",
				    c->id, got != NULL ? got : "?");
				json_decref(p);
				continue;
			}
			if (got == NULL || strcmp(got, sc->arg) != 0) {
				log_warnx("script: expected %s got %s",
				    sc->arg, got != NULL ? got : "?");
				json_decref(p);
				finish(3);
			}
			if (is_startup(got)) {
				json_decref(c->startup);
				c->startup = json_incref(p);
				c->sent_reply = 0;
				if (jstr(p, 2) != NULL) {
					free(c->lastmud);
					c->lastmud = xstrdup(jstr(p, 2));
					free(R.lastmud);
					R.lastmud = xstrdup(jstr(p, 2));
				}
			}
			json_decref(p);
			break;
		case S_SEND:
			script_send(c, sc);
			break;
		case S_FLOOD:
			for (i = 0; i < (size_t)sc->ms && !c->dead; i++)
				script_send(c, sc);
			break;
		case S_SLEEP:
			if (c->sleep_until == 0) {
				c->sleep_until = now_ms() + sc->ms;
				return;
			}
			if (now_ms() < c->sleep_until)
				return;
			c->sleep_until = 0;
			break;
		case S_DROP:
			c->pc++;
			conn_close(c, "drop", 0);
			return;
		case S_SILENT:
			c->pc = R.nscript;
			c->silent = 1;
			c->scripted = 0;
			log_debug("conn %u: script: silent", c->id);
			return;
		case S_AUTO:
			c->pc++;
			c->scripted = 0;
			log_debug("conn %u: script: auto", c->id);
			if (c->startup != NULL && header_ok(c->startup))
				handle_startup(c, c->startup, !c->sent_reply);
			q = c->inbox;
			c->inbox = NULL;
			json_array_foreach(q, i, p) {
				if (c->dead || c->closing || c->silent)
					break;
				handle_packet(c, p);
			}
			json_decref(q);
			return;
		case S_EXIT:
			log_info("script: exit");
			finish(0);
		}
		c->pc++;
	}
}

/* ---------------------------------------------------------------- main */

static void
discard_report(void)
{
	fprintf(stderr, "i3router: discard: %llu packets, %llu bytes\n",
	    R.disc_pkts, R.disc_bytes);
	fflush(stderr);
}

static void
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
