/*
 * main.c: i3gw, the Intermud-3 gateway daemon: flags, set-up, signals.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

struct gw	 gw;

static void	 usage(void) C_DEAD;
static char	*find_config(void);
static void	 on_term(int);
static void	 on_hup(int);
static void	 reload(void);
static int	 config_same_link(const struct config *,
		    const struct config *);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-dnsVv] [-f file] [-S socket] "
	    "[--state-dir dir] [--linger seconds] [--render profile]\n"
	    "       %s genkey NAME\n", I3GW_NAME, I3GW_NAME);
	exit(1);
}

/* -f, else $I3GW_CONFIG, ~/.config/i3gw/i3gw.conf, /etc/i3gw.conf. */
static char *
find_config(void)
{
	const char	*s;
	char		*path;

	if ((s = getenv("I3GW_CONFIG")) != NULL && *s != '\0')
		return (xstrdup(s));
	if ((s = getenv("XDG_CONFIG_HOME")) != NULL && *s == '/')
		xasprintf(&path, "%s/i3gw/i3gw.conf", s);
	else if ((s = getenv("HOME")) != NULL && *s != '\0')
		xasprintf(&path, "%s/.config/i3gw/i3gw.conf", s);
	else
		path = NULL;
	if (path != NULL && access(path, R_OK) == 0)
		return (path);
	free(path);
	if (access("/etc/i3gw.conf", R_OK) == 0)
		return (xstrdup("/etc/i3gw.conf"));
	return (NULL);
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

static int
config_same_link(const struct config *a, const struct config *b)
{
	size_t	i, n = 0;

	if (strcmp(a->mud_name, b->mud_name) != 0)
		return (0);
	for (i = 0; i < a->nrouters; i++) {
		if (a->routers[i].learned)
			continue;
		if (n >= b->nrouters ||
		    strcmp(a->routers[i].name, b->routers[n].name) != 0 ||
		    strcmp(a->routers[i].host, b->routers[n].host) != 0 ||
		    a->routers[i].port != b->routers[n].port)
			return (0);
		n++;
	}
	return (n == b->nrouters);
}

/* SIGHUP: reopen the log, read the config again. */
static void
reload(void)
{
	struct config	*nc, *oc = gw.conf;
	char		*cause = NULL;
	size_t		 i;

	log_reopen(oc->log_file);
	if (gw.conf_path == NULL) {
		log_info("SIGHUP: log reopened; no config file to read");
		return;
	}
	if ((nc = config_load(gw.conf_path, &cause)) == NULL ||
	    config_env(nc, &cause) == -1 || config_check(nc, &cause) == -1) {
		log_warnx("SIGHUP: config not reloaded: %s", cause);
		free(cause);
		config_free(nc);
		return;
	}
	/* Limits apply at once; a new identity or router list reconnects. */
	oc->rate = nc->rate;
	oc->startup_timeout = nc->startup_timeout;
	oc->idle_ping = nc->idle_ping;
	oc->dead_after = nc->dead_after;
	oc->backoff_min = nc->backoff_min;
	oc->backoff_max = nc->backoff_max;
	oc->connect_spacing = nc->connect_spacing;
	oc->log_tells = nc->log_tells;
	oc->info_timeout = nc->info_timeout;
	oc->locate_window = nc->locate_window;
	oc->answer_timeout = nc->answer_timeout;
	oc->send_email = nc->send_email;
	oc->send_ip = nc->send_ip;
	oc->take_all_tells = nc->take_all_tells;
	if (config_same_link(oc, nc)) {
		log_info("SIGHUP: %s reloaded", gw.conf_path);
		config_free(nc);
		return;
	}
	for (i = 0; i < oc->nrouters; i++) {
		if (oc->routers[i].learned)
			config_add_router(nc, oc->routers[i].name,
			    oc->routers[i].host, oc->routers[i].port, 1);
	}
	nc->queue_max = oc->queue_max;
	gw.conf = nc;
	config_free(oc);
	log_info("SIGHUP: %s reloaded, MUD or routers changed: reconnecting",
	    gw.conf_path);
	router_reconnect();
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
		{ NULL, 0, NULL, 0 }
	};
	int		 ch, check = 0, fg = 0, ok;
	char		*cause = NULL, *sockpath = NULL;

	memset(&gw, 0, sizeof gw);
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
			free(sockpath);
			sockpath = xstrdup(optarg);
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
		case 'v':
			gw.verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind < argc && strcmp(argv[optind], "genkey") == 0) {
		if (argc - optind != 2)
			usage();
		return (auth_genkey(argv[optind + 1]));
	}
	if (optind != argc)
		usage();
	log_init(I3GW_NAME, gw.verbose);

	if (gw.conf_path == NULL)
		gw.conf_path = find_config();
	if ((gw.conf = config_load(gw.conf_path, &cause)) == NULL ||
	    config_env(gw.conf, &cause) == -1 ||
	    config_check(gw.conf, &cause) == -1) {
		fprintf(stderr, "%s: %s\n", I3GW_NAME, cause);
		return (1);
	}
	/* [api] and [key NAME]: listeners, keys, sessions (apiconf.c). */
	if ((api = apiconf_load(gw.conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", I3GW_NAME, cause);
		return (1);
	}
	if (sockpath != NULL) {
		free(api->socket);
		api->socket = sockpath;
		api->unix_on = 1;
	}
	if (check) {
		if (gw.verbose)
			config_dump(gw.conf, stdout);
		fprintf(stderr, "%s: configuration OK (%s)\n", I3GW_NAME,
		    gw.conf_path ? gw.conf_path : "environment only");
		return (0);
	}
	if (gw.conf->log_file != NULL)
		log_reopen(gw.conf->log_file);

	if (gw.state_dir == NULL && (gw.state_dir = store_default_dir()) ==
	    NULL)
		fatalx("no state directory (use --state-dir)");
	if (store_open(gw.state_dir, &cause) == -1)
		fatalx("state: %s", cause);

	if (!gw.stdio && !fg && getenv("NOTIFY_SOCKET") == NULL &&
	    getenv("LISTEN_FDS") == NULL) {
		if (daemon(1, gw.conf->log_file != NULL) == -1)
			fatal("daemon");
	}

	gw.started = time(NULL);
	ev_init();
	ev_set_prepoll(conn_flush_all);
	gw.started_ms = ev_now();
	ev_signal(SIGTERM, on_term);
	ev_signal(SIGINT, on_term);
	ev_signal(SIGHUP, on_hup);

	router_init();
	svc_channel_init();
	session_init();
	if (tls_init(&cause) == -1 || listen_init(&cause) == -1 ||
	    http_init(&cause) == -1)
		fatalx("%s", cause);
	if (gw.stdio)
		session_new(client_stdio());
	log_info("%s %s: MUD %s, state in %s", I3GW_NAME, I3_VERSION,
	    gw.conf->mud_name, gw.state_dir);
	router_start();
	notify_init();
	notify_send("READY=1");
	ev_run();
	http_stop();
	listen_close();

	store_close();
	log_info("stopped");
	return (0);
}
