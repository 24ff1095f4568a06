/*
 * log.c: logging, never to stdout (stdout carries the protocol in i3gw's
 * stdio mode): timestamped lines on stderr or a log file; on stderr going
 * to the systemd journal, "<priority>" and no timestamp of our own; or
 * syslog, once a daemon has detached.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static const char	*log_prog = "i3";
static int		 log_level;
static int		 log_to = LOG_TO_STDERR;

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_level = verbose;
}

/* Where lines go from now on: LOG_TO_STDERR, LOG_TO_JOURNAL, LOG_TO_SYSLOG. */
void
log_target(int to)
{
	log_to = to;
	if (to == LOG_TO_SYSLOG)
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_verbose(void)
{
	return (log_level);
}

/* Point stderr at a log file (again, on SIGHUP); NULL keeps it. */
void
log_reopen(const char *path)
{
	int	fd;

	if (path == NULL)
		return;
	if (log_to != LOG_TO_STDERR)
		log_target(LOG_TO_STDERR);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
		log_warn("%s", path);
		return;
	}
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void
log_vout(int pri, const char *level, int with_errno, const char *fmt,
    va_list ap)
{
	char		 msg[1024], ts[32];
	struct timespec	 now;
	struct tm	 tm;
	int		 saved = errno;

	if (log_to != LOG_TO_STDERR) {
		vsnprintf(msg, sizeof msg, fmt, ap);
		if (log_to == LOG_TO_SYSLOG && with_errno)
			syslog(pri, "%s%s: %s", level, msg, strerror(saved));
		else if (log_to == LOG_TO_SYSLOG)
			syslog(pri, "%s%s", level, msg);
		else if (with_errno)
			fprintf(stderr, "<%d>%s: %s%s: %s\n", pri, log_prog,
			    level, msg, strerror(saved));
		else
			fprintf(stderr, "<%d>%s: %s%s\n", pri, log_prog, level,
			    msg);
		fflush(stderr);
		errno = saved;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s.%03ldZ %s: %s%s: %s\n", ts,
		    now.tv_nsec / 1000000, log_prog, level, msg,
		    strerror(saved));
	else
		fprintf(stderr, "%s.%03ldZ %s: %s%s\n", ts,
		    now.tv_nsec / 1000000, log_prog, level, msg);
	fflush(stderr);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout(LOG_WARNING, "", 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout(LOG_WARNING, "", 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < 0)
		return;
	va_start(ap, fmt);
	log_vout(LOG_INFO, "", 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_vout(LOG_DEBUG, "debug: ", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout(LOG_ERR, "fatal: ", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout(LOG_ERR, "fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
