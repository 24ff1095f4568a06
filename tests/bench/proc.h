/*
 * proc.h: the benchmarks' child processes (test router, gateways): spawn
 * one with pipes, read its output line by line, wait for a line, write to
 * it, stop it.  Header-only, as corpus.h.
 */

#ifndef BENCH_PROC_H
#define BENCH_PROC_H

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

#include "i3.h"
#include "common/common.h"

struct proc {
	pid_t	 pid;
	int	 in;		/* its stdin, ours to write */
	int	 out;		/* its stdout, ours to read */
	int	 err;		/* its stderr, or -1 */
	char	*buf;		/* unread output */
	size_t	 len;
	size_t	 size;
};

typedef void	(*line_fn)(const char *, size_t, void *);

static inline uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Start argv with pipes; its stderr kept (keep_err) or /dev/null. */
static inline void
spawn(struct proc *p, char *const argv[], int keep_err)
{
	int	in[2], out[2], err[2], null;

	memset(p, 0, sizeof *p);
	if (pipe(in) == -1 || pipe(out) == -1 || pipe(err) == -1)
		fatal("pipe");
	if ((p->pid = fork()) == -1)
		fatal("fork");
	if (p->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (keep_err)
			dup2(err[1], 2);
		else if ((null = open("/dev/null", O_WRONLY)) != -1)
			dup2(null, 2);
		closefrom(3);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	fcntl(p->in, F_SETFL, O_NONBLOCK);
	fcntl(p->out, F_SETFL, O_NONBLOCK);
	fcntl(p->err, F_SETFL, O_NONBLOCK);
}

/* Read what is there; hand over whole lines.  -1 at EOF. */
static inline int
pump(struct proc *p, line_fn fn, void *arg)
{
	ssize_t	 n;
	char	*nl, *s;

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

struct proc_match {
	const char	*what;
	int		 found;
};

static inline void
proc_match_line(const char *line, size_t len, void *arg)
{
	struct proc_match	*m = arg;

	if (memmem(line, len, m->what, strlen(m->what)) != NULL)
		m->found = 1;
}

/* Wait for an output line containing what; 0 found, -1 not in time. */
static inline int
wait_line(struct proc *p, const char *what, int ms)
{
	struct proc_match	m = { what, 0 };
	struct pollfd		pfd;
	uint64_t		end = now_us() + (uint64_t)ms * 1000;

	while (!m.found) {
		if (pump(p, proc_match_line, &m) == -1)
			return (m.found ? 0 : -1);
		if (m.found)
			break;
		if (now_us() >= end)
			return (-1);
		pfd.fd = p->out;
		pfd.events = POLLIN;
		poll(&pfd, 1, 20);
	}
	return (0);
}

/* Close its stdin, wait up to 2 s for it to end (then SIGKILL). */
static inline void
stop(struct proc *p)
{
	int	status, i;

	close(p->in);
	for (i = 0; i < 100; i++) {
		pump(p, NULL, NULL);
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			goto done;
		usleep(20000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
done:
	close(p->out);
	close(p->err);
	free(p->buf);
}

static inline void
write_all(int fd, const char *s, size_t len)
{
	struct pollfd	pfd;
	ssize_t		n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n > 0) {
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

static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * User and system CPU time so far, in microseconds, from a stat file of
 * /proc: /proc/PID/stat for a process, /proc/PID/task/TID/stat for one of
 * its threads.  0 when it cannot be read.
 */
static inline double
proc_cpu_us(const char *path)
{
	char		 buf[1024], *p;
	unsigned long	 ut, st;
	FILE		*f;
	int		 i;

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

/* A packet given as JSON text, framed and written. */
static inline void
send_packet(int fd, const char *json)
{
	json_t	*v = json_loads(json, 0, NULL);
	char	*f;
	size_t	 n;

	if (v == NULL || (f = i3_frame(v, 0, &n, NULL)) == NULL)
		fatalx("bad packet %s", json);
	write_all(fd, f, n);
	free(f);
	json_decref(v);
}

/*
 * The test router (top/build/tests/i3router, --max-seconds 300, then opt
 * and optarg when given); its port.
 */
static inline int
proc_router(struct proc *p, const char *top, const char *opt,
    const char *optarg)
{
	char		 path[512], line[64];
	char		*argv[8];
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 i = 0, port;

	snprintf(path, sizeof path, "%s/build/tests/i3router", top);
	argv[i++] = path;
	argv[i++] = "--max-seconds";
	argv[i++] = "300";
	if (opt != NULL)
		argv[i++] = (char *)opt;
	if (optarg != NULL)
		argv[i++] = (char *)optarg;
	argv[i] = NULL;
	spawn(p, argv, 0);
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

#endif /* BENCH_PROC_H */
