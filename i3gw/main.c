/*
 * main.c: i3gw, the Intermud-3 gateway daemon: flags, set-up, signals.
 */

#include <sys/stat.h>

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

struct gw	 gw;

static void	 usage(void) C_DEAD;
static void	 gw_fail(const char *, ...) C_PRINTF(1, 2) C_DEAD;
static void	 gw_detach_begin(void);
static void	 gw_detach_end(void);
static void	 gw_pidfile(const char *);
static void	 on_term(int);
static void	 on_hup(int);
static void	 prepoll(void);
static void	 reload(void);
static struct config *gw_config(char **);

/* The options, as --help shows them (the man page is checked against it). */
static const char *const usage_opts[][2] = {
	{ "-f, --config FILE", "the configuration (default: the first of "
	  "i3gw.conf(5)'s paths)" },
	{ "-n, --check", "check the configuration and exit; with -v print it "
	  "all" },
	{ "-s, --stdio", "serve one client (the MUD) on standard input and "
	  "output" },
	{ "-d, --foreground", "stay in the foreground, logs on standard error" },
	{ "-S, --socket PATH", "the Unix socket to serve ([api] socket)" },
	{ "    --state-dir DIR", "the state directory (passwords, caches, "
	  "queue)" },
	{ "    --pidfile FILE", "write the gateway's pid there" },
	{ "    --linger DURATION", "with -s: keep running that long after "
	  "standard input ends" },
	{ "    --render PROFILE", "the colour profile clients start with" },
	{ "    --list-keys", "print the configuration key table and exit" },
	{ "    --list-methods", "print the method table and exit" },
	{ "    --list-events", "print the event table and exit" },
	{ "    --json", "with --list-methods or --list-events: as JSON" },
	{ "-v, --verbose", "more logging (twice: every packet)" },
	{ "-V, --version", "print the version and exit" },
	{ "-h, --help", "this help" },
};

/* On stdout for --help (exit 0), on stderr for a usage error (exit 1). */
static void
usage_to(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: %s [options]\n"
	    "       %s genkey NAME\n"
	    "       %s doctor [--json] [-f file] [--state-dir dir] "
	    "[-t duration]\n"
	    "The Intermud-3 gateway: one router link, JSON-RPC for the MUD "
	    "and its clients.\n", I3GW_NAME, I3GW_NAME, I3GW_NAME);
	for (i = 0; i < sizeof usage_opts / sizeof usage_opts[0]; i++)
		fprintf(f, "  %-22s %s\n", usage_opts[i][0], usage_opts[i][1]);
	fprintf(f, "See i3gw(8) and i3gw.conf(5).\n");
}

static int	 gw_detach_fd = -1;

/* A start-up failure: on stderr (the terminal's, even for a daemon), exit 1. */
static void
gw_fail(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", I3GW_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/*
 * Fork; the parent waits for the child to say it is ready (one byte on a
 * pipe) and exits 0, or takes the child's exit status when it fails.
 */
static void
gw_detach_begin(void)
{
	int	p[2], status;
	pid_t	pid;
	ssize_t	n;
	char	c;

	if (pipe2(p, O_CLOEXEC) == -1)
		gw_fail("pipe: %s", strerror(errno));
	switch (pid = fork()) {
	case -1:
		gw_fail("fork: %s", strerror(errno));
	case 0:
		close(p[0]);
		gw_detach_fd = p[1];
		if (setsid() == -1)
			gw_fail("setsid: %s", strerror(errno));
		return;
	}
	close(p[1]);
	do
		n = read(p[0], &c, 1);
	while (n == -1 && errno == EINTR);
	if (n == 1)
		_exit(0);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0)
		_exit(WEXITSTATUS(status));
	_exit(1);
}

/* Ready: leave the terminal, log to syslog (or the log file), tell the parent. */
static void
gw_detach_end(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (gw.conf->log_file == NULL)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (gw.conf->log_file == NULL)
		log_target(LOG_TO_SYSLOG);
	if (write(gw_detach_fd, "", 1) != 1)
		log_warn("cannot tell the parent we are ready");
	close(gw_detach_fd);
	gw_detach_fd = -1;
}

/* --pidfile: our pid (after the fork), removed at exit. */
static void
gw_pidfile(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		gw_fail("%s: %s", path, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF)
		gw_fail("%s: %s", path, strerror(errno));
}

static void
usage(void)
{
	usage_to(stderr);
	exit(1);
}

void
gw_shutdown(const char *why)
{
	struct client	*cl;

	if (gw.stopping)
		return;
	gw.stopping = 1;
	log_info("shutting down: %s", why);
	router_stop(0);
	TAILQ_FOREACH(cl, &clients, entry) {
		conn_flush(cl->conn, 2000);
		/* Sessions to keep are stored for after the restart. */
		(void)session_client_gone(cl);
	}
	notify_send("STOPPING=1");
	ev_break();
}

static void
on_term(int sig)
{
	gw_shutdown(sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/*
 * The configuration: the file (-f, else the one paths_config() finds), the
 * environment, -S; checked.  NULL with *cause, which names the paths tried
 * when no file was found.
 */
static struct config *
gw_config(char **cause)
{
	struct config	*c;
	char		*why = NULL;

	if ((c = config_load(gw.conf_path, &why)) == NULL ||
	    config_env(c, &why) == -1 || config_check(c, &why) == -1) {
		if (gw.conf_path == NULL)
			xasprintf(cause, "%s (no config file: tried %s)", why,
			    gw.conf_tried);
		else
			*cause = xstrdup(why);
		free(why);
		config_free(c);
		return (NULL);
	}
	if (gw.socket_arg != NULL) {
		free(c->api->socket);
		c->api->socket = xstrdup(gw.socket_arg);
		c->api->unix_on = 1;
	}
	return (c);
}

/* Before each poll: what this turn produced goes out, one write each. */
static void
prepoll(void)
{
	sendq_flush_pending();
	conn_flush_all();
}

/*
 * SIGHUP: reopen the log, read the config again and apply it key by key as
 * config.c's table says: at once, by reconnecting, or (said in the log)
 * not until a restart.
 */
static void
reload(void)
{
	struct config	*nc, *oc = gw.conf;
	struct client	*cl;
	char		*cause = NULL, *applied, *restart;
	int		 link;

	if (gw.conf_path == NULL) {
		log_reopen(oc->log_file);
		log_info("SIGHUP: log reopened; no config file to read");
		return;
	}
	if ((nc = gw_config(&cause)) == NULL) {
		log_reopen(oc->log_file);
		log_warnx("SIGHUP: config not reloaded: %s", cause);
		free(cause);
		return;
	}
	link = config_reload(oc, nc, &applied, &restart);
	history_reconf();
	log_reopen(oc->log_file);
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->conn != NULL)
			conn_set_limits(cl->conn, oc->max_line,
			    oc->client_highwater, oc->client_maxout);
	}
	if (strstr(applied, "mud.channels") != NULL)
		svc_channel_relisten();
	log_info("SIGHUP: %s reloaded; changed: %s%s%s%s", gw.conf_path,
	    *applied != '\0' ? applied : "nothing",
	    link ? " (reconnecting to apply)" : "",
	    *restart != '\0' ? "; need a restart, left as they were: " : "",
	    restart);
	free(applied);
	free(restart);
	/* The router state rebuilt from the new list, not the old one's. */
	if (link)
		router_reconfigure();
}

static void
on_hup(int sig)
{
	reload();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stdio", no_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "socket", required_argument, NULL, 'S' },
		{ "linger", required_argument, NULL, 'L' },
		{ "render", required_argument, NULL, 'R' },
		{ "config", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-keys", no_argument, NULL, 'K' },
		{ "list-methods", no_argument, NULL, 'M' },
		{ "list-events", no_argument, NULL, 'E' },
		{ "json", no_argument, NULL, 'J' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	int		 ch, check = 0, fg = 0, ok, list = 0, json = 0, daemonise;
	char		*cause = NULL, *pidfile = NULL;

	memset(&gw, 0, sizeof gw);
	if (argc > 1 && strcmp(argv[1], "doctor") == 0)
		return (doctor_main(argc - 1, argv + 1));
	while ((ch = getopt_long(argc, argv, "df:hnS:sVv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			fg = 1;
			break;
		case 'f':
			free(gw.conf_path);
			gw.conf_path = xstrdup(optarg);
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			gw.stdio = 1;
			break;
		case 'D':
			free(gw.state_dir);
			gw.state_dir = xstrdup(optarg);
			break;
		case 'S':
			free(gw.socket_arg);
			gw.socket_arg = xstrdup(optarg);
			break;
		case 'K':
			config_list_keys(stdout);
			return (0);
		case 'P':
			free(pidfile);
			pidfile = xstrdup(optarg);
			break;
		case 'L':
			gw.linger = config_duration(optarg, &ok);
			if (!ok)
				usage();
			break;
		case 'R':
			if ((render_default = i3_colour_profile(optarg)) ==
			    -1) {
				fprintf(stderr, "%s: --render: unknown colour "
				    "profile %s\n", I3GW_NAME, optarg);
				return (1);
			}
			break;
		case 'V':
			printf("%s %s\n", I3GW_NAME, I3_VERSION);
			return (0);
		case 'M':
		case 'E':
			list = ch;
			break;
		case 'J':
			json = 1;
			break;
		case 'v':
			gw.verbose++;
			break;
		case 'h':
			usage_to(stdout);
			return (0);
		default:
			usage();
		}
	}
	/* The method and event tables, for people and docs/API.md. */
	if (list != 0 && optind == argc) {
		if (list == 'M')
			method_list(stdout, json);
		else
			event_list(stdout, json);
		return (fflush(stdout) == 0 ? 0 : 1);
	}
	if (json)
		usage();
	if (optind < argc && strcmp(argv[optind], "genkey") == 0) {
		if (argc - optind != 2)
			usage();
		return (auth_genkey(argv[optind + 1]));
	}
	if (optind < argc && strcmp(argv[optind], "doctor") == 0)
		return (doctor_main(argc - optind, argv + optind));
	if (optind != argc)
		usage();
	log_init(I3GW_NAME, gw.verbose);

	if (gw.conf_path == NULL)
		gw.conf_path = paths_config(&gw.conf_tried);
	if ((gw.conf = gw_config(&cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", I3GW_NAME, cause);
		return (1);
	}
	api = gw.conf->api;
	/* What start-up would refuse besides the keys: the TLS files. */
	if (check && tls_init(&cause) == -1) {
		fprintf(stderr, "%s: %s\n", I3GW_NAME, cause);
		return (1);
	}
	if (check) {
		if (gw.verbose) {
			if (gw.conf_path == NULL)
				printf("; no config file: tried %s\n",
				    gw.conf_tried);
			config_dump(gw.conf, stdout);
		}
		fprintf(stderr, "%s: configuration OK (%s)\n", I3GW_NAME,
		    gw.conf_path ? gw.conf_path : "environment only");
		return (0);
	}
	/*
	 * A daemon forks first and checks everything in the child, its
	 * stderr still ours: the parent exits 1 if the child fails to start,
	 * 0 once it is listening.  Only then does it leave the terminal.
	 */
	daemonise = !gw.stdio && !fg && getenv("NOTIFY_SOCKET") == NULL &&
	    getenv("LISTEN_FDS") == NULL;
	if (daemonise)
		gw_detach_begin();
	else if (getenv("JOURNAL_STREAM") != NULL &&
	    gw.conf->log_file == NULL)
		log_target(LOG_TO_JOURNAL);
	if (gw.state_dir == NULL && (gw.state_dir = paths_state()) ==
	    NULL)
		gw_fail("no state directory (use --state-dir)");
	if (store_open(gw.state_dir, &cause) == -1)
		gw_fail("state: %s", cause);
	if (pidfile != NULL)
		gw_pidfile(pidfile);

	gw.started = time(NULL);
	ev_init();
	ev_set_prepoll(prepoll);
	gw.started_ms = ev_now();
	ev_signal(SIGTERM, on_term);
	ev_signal(SIGINT, on_term);
	ev_signal(SIGHUP, on_hup);

	router_init();
	svc_channel_init();
	svc_presence_init();
	session_init();
	if (tls_init(&cause) == -1 || listen_init(&cause) == -1 ||
	    http_init(&cause) == -1)
		gw_fail("%s", cause);
	if (gw.stdio)
		session_new(client_stdio());
	/* After the listeners: no client is served before ev_run(). */
	if (history_open(gw.state_dir, &cause) == -1)
		fatalx("history: %s", cause);
	moderation_init();

	if (gw.conf->log_file != NULL)
		log_reopen(gw.conf->log_file);
	if (daemonise)
		gw_detach_end();
	log_info("%s %s: MUD %s, state in %s", I3GW_NAME, I3_VERSION,
	    gw.conf->mud_name, gw.state_dir);
	router_start();
	notify_init();
	notify_send("READY=1");
	ev_run();
	http_stop();
	listen_close();

	history_close();
	store_close();
	if (pidfile != NULL)
		unlink(pidfile);
	log_info("stopped");
	return (0);
}
