/*
 * main.c: i3ctl start-up: global options, the gateway's address, dispatch.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3ctl.h"

volatile int	ctl_sigint;

static void	usage(void) C_DEAD;
static void	ctl_signal(int);
static void	ctl_checkfds(void);
static int	 ctl_config_key(void *, const char *, const char *,
		    const char *);

static int	ctl_verbosity;

/* Diagnostics: "i3ctl: message" on stderr (no timestamps: a CLI). */
static void
ctl_vwarn(int with_errno, const char *fmt, va_list ap)
{
	int	saved = errno;

	fflush(stdout);
	fprintf(stderr, "%s: ", I3CTL_NAME);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void
ctl_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ctl_vwarn(1, fmt, ap);
	va_end(ap);
}

void
ctl_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ctl_vwarn(0, fmt, ap);
	va_end(ap);
}

void
ctl_debug(const char *fmt, ...)
{
	va_list	ap;

	if (ctl_verbosity < 1)
		return;
	va_start(ap, fmt);
	ctl_vwarn(0, fmt, ap);
	va_end(ap);
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [--json] [-r] [-q filter] "
	    "[--color[=when]] [--timeout seconds]\n"
	    "             [-S socket | --connect host:port [--tls] "
	    "[--insecure] | --url url]\n"
	    "             [--key-file file] command [args ...]\n"
	    "try '%s list-commands' or '%s help'\n", I3CTL_NAME, I3CTL_NAME,
	    I3CTL_NAME);
	exit(CTL_EUSAGE);
}

static void
ctl_signal(int sig)
{
	ctl_sigint = sig;
}

/* fds 0-2 must be open, or a socket could land on stdout (as curl checks). */
static void
ctl_checkfds(void)
{
	int	fd;

	for (;;) {
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			exit(CTL_EGATEWAY);
		if (fd > 2) {
			close(fd);
			return;
		}
	}
}

/* Milliseconds on the monotonic clock. */
int64_t
ctl_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The deadline of what follows: seconds from now; 0 or less is none. */
void
ctl_set_deadline(struct ctl *ctl, double seconds)
{
	if (seconds <= 0)
		ctl->deadline = 0;
	else
		ctl->deadline = ctl_now() + (int64_t)(seconds * 1000 + 0.5);
}

struct ctl_conf {
	char	*socket;
	int	 none;
};

/* [api] socket, read as i3gw reads it (paths_ini). */
static int
ctl_config_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctl_conf	*cc = user;

	if (strcmp(section, "api") != 0 || strcmp(name, "socket") != 0)
		return (1);
	free(cc->socket);
	cc->socket = NULL;
	cc->none = *value == '\0' || strcmp(value, "none") == 0 ||
	    strcmp(value, "no") == 0;
	if (!cc->none)
		cc->socket = xstrdup(value);
	return (1);
}

/*
 * The gateway's socket, found as i3gw finds it: $I3_SOCKET, else
 * $I3GW_API_SOCKET, else the [api] socket of the config file i3gw would
 * read (paths_config()), else the default (paths_socket()).
 */
char *
ctl_socket_path(void)
{
	struct ctl_conf	 cc;
	const char	*s;
	char		*conf, *why = NULL, *cause = NULL;

	if ((s = getenv("I3_SOCKET")) != NULL && *s != '\0')
		return (xstrdup(s));
	if ((s = getenv("I3GW_API_SOCKET")) != NULL && *s == '/')
		return (xstrdup(s));
	memset(&cc, 0, sizeof cc);
	if ((conf = paths_config(NULL)) != NULL) {
		if (paths_ini(conf, ctl_config_key, &cc, &why, &cause) == -1) {
			log_debug("%s", cause);
			free(cause);
		}
		free(conf);
		if (cc.socket != NULL)
			return (cc.socket);
	}
	return (paths_socket());
}

int
main(int argc, char **argv)
{
	struct ctl		 ctl;
	struct sigaction	 sa;
	int			 ch, rc;

	ctl_checkfds();
	log_init(I3CTL_NAME, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ctl_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	memset(&ctl, 0, sizeof ctl);
	ctl.timeout = -1;
	ctl.color_mode = COLOR_AUTO;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:rq:S:hV",
	    ctl_global_longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_print_help(stdout, NULL, NULL);
			exit(CTL_OK);
		case 'V':
			printf("%s %s\n", I3CTL_NAME, I3CTL_VERSION);
			exit(CTL_OK);
		case ':':
			ctl_warnx("option requires an argument: %s",
			    argv[optind - 1]);
			usage();
		case '?':
			if (optopt != 0)
				ctl_warnx("unknown option: -%c", optopt);
			else
				ctl_warnx("unknown option: %s",
				    argv[optind - 1]);
			usage();
		default:
			rc = ctl_global_option(&ctl, ch, optarg);
			if (rc != CTL_OK)
				exit(rc == -1 ? CTL_EUSAGE : rc);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_warnx("no command given");
		usage();
	}
	log_init(I3CTL_NAME, ctl.verbose);
	ctl_verbosity = ctl.verbose;

	rc = cmd_run(&ctl, cmd_table, argc, argv);
	output_flush();
	ctl_disconnect(&ctl);
	if (ctl.filter != NULL)
		filter_free(ctl.filter);
	json_decref(ctl.mudnames);
	if (fflush(stdout) == EOF && rc == CTL_OK && errno != EPIPE) {
		ctl_warn("stdout");
		rc = CTL_EGATEWAY;
	}
	return (rc);
}
