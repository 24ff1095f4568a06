/*
 * log.c: timestamped logging to stderr or a log file, never to stdout
 * (stdout carries the protocol in i3gw's stdio mode).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static const char	*log_prog = "i3";
static int		 log_level;

void
log_init(const char *progname, int verbose)
{
	log_prog = progname;
	log_level = verbose;
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
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
		log_warn("%s", path);
		return;
	}
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void
log_vout(const char *level, int with_errno, const char *fmt, va_list ap)
{
	char		 msg[1024], ts[32];
	struct timespec	 now;
	struct tm	 tm;
	int		 saved = errno;

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
	log_vout("", 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout("", 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < 0)
		return;
	va_start(ap, fmt);
	log_vout("", 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_vout("debug: ", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout("fatal: ", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout("fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
