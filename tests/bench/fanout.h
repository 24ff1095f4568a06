/*
 * fanout.h: figures for one message fanned out to many clients: each
 * client's latency (taken when its bytes arrive), the last client's per
 * message, p50/p99/max beside the target, and the CPU time the gateway and
 * the bench spent (from /proc/PID/schedstat: time run and time waiting for
 * a CPU, in ns).  Header-only, as proc.h.
 */

#ifndef BENCH_FANOUT_H
#define BENCH_FANOUT_H

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FANOUT_TARGET_US	5000

struct fanout {
	pid_t		 gw;		/* the gateway measured */
	size_t		 clients;
	uint64_t	*lat;		/* every client, every message (us) */
	size_t		 nlat;
	uint64_t	*last;		/* the last client, per message (us) */
	size_t		 nlast;
	size_t		 size;		/* messages room */
	uint64_t	 sent_at;	/* this message's, or 0 */
	uint64_t	 worst;		/* this message's last so far */
	size_t		 got;		/* this message's arrivals */
	uint64_t	 gw_run, gw_wait, me_run, me_wait;
};

/* Nanoseconds run and waited for a CPU so far; 0 when unknown. */
static inline void
fanout_schedstat(pid_t pid, uint64_t *run, uint64_t *wait)
{
	char			 path[64];
	unsigned long long	 r = 0, w = 0;
	FILE			*f;

	snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%llu %llu", &r, &w) != 2)
			r = w = 0;
		fclose(f);
	}
	*run = r;
	*wait = w;
}

/* Every thread of process pid (its history writer too) on the CPUs set. */
static inline int
fanout_pin_all(pid_t pid, const cpu_set_t *set)
{
	char		 path[64];
	struct dirent	*d;
	DIR		*dir;
	int		 rc = 0;

	snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
	if ((dir = opendir(path)) == NULL)
		return (sched_setaffinity(pid, sizeof *set, set));
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.' && sched_setaffinity((pid_t)atol(
		    d->d_name), sizeof *set, set) == -1)
			rc = -1;
	}
	closedir(dir);
	return (rc);
}

/*
 * Runs "apart": the gateway measured on one CPU, this process (the
 * clients' reader and the sender) on another, as a server and its clients
 * on different machines or cores.  Otherwise the scheduler's choice: on a
 * 2-CPU machine it often puts the woken reader on the gateway's CPU, and
 * the figures are the two sharing one CPU.  cpu -1: every CPU again.  0
 * when done; -1 when the machine has fewer than 2 CPUs.
 */
static inline int
fanout_pin(pid_t gw, int apart)
{
	cpu_set_t	all, one;
	long		n = sysconf(_SC_NPROCESSORS_ONLN), i;

	if (n < 2)
		return (-1);
	CPU_ZERO(&all);
	for (i = 0; i < n; i++)
		CPU_SET(i, &all);
	if (!apart) {
		fanout_pin_all(gw, &all);
		sched_setaffinity(0, sizeof all, &all);
		return (0);
	}
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (fanout_pin_all(gw, &one) == -1)
		return (-1);
	CPU_ZERO(&one);
	CPU_SET(1, &one);
	return (sched_setaffinity(0, sizeof one, &one));
}

/* Start measuring messages to clients clients of the gateway gw. */
static inline void
fanout_begin(struct fanout *fo, pid_t gw, size_t clients, size_t messages)
{
	memset(fo, 0, sizeof *fo);
	fo->gw = gw;
	fo->clients = clients;
	fo->size = messages;
	if ((fo->lat = calloc(clients * messages, sizeof *fo->lat)) == NULL ||
	    (fo->last = calloc(messages, sizeof *fo->last)) == NULL) {
		perror("calloc");
		exit(1);
	}
	fanout_schedstat(gw, &fo->gw_run, &fo->gw_wait);
	fanout_schedstat(getpid(), &fo->me_run, &fo->me_wait);
}

/* The message is being sent now (us, CLOCK_MONOTONIC). */
static inline void
fanout_send(struct fanout *fo, uint64_t now)
{
	fo->sent_at = now;
	fo->worst = 0;
	fo->got = 0;
}

/* One client has it; its bytes came at when. */
static inline void
fanout_arrived(struct fanout *fo, uint64_t when)
{
	uint64_t	d;

	if (fo->sent_at == 0 || fo->nlat == fo->clients * fo->size)
		return;
	d = when > fo->sent_at ? when - fo->sent_at : 0;
	fo->lat[fo->nlat++] = d;
	fo->got++;
	if (d > fo->worst)
		fo->worst = d;
}

/* This message is done (every client has it, or time ran out). */
static inline void
fanout_done(struct fanout *fo)
{
	if (fo->sent_at != 0 && fo->got == fo->clients &&
	    fo->nlast < fo->size)
		fo->last[fo->nlast++] = fo->worst;
	fo->sent_at = 0;
}

static inline int
fanout_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static inline uint64_t
fanout_pct(const uint64_t *v, size_t n, int pct)
{
	size_t	i = n * pct / 100;

	return (v[i < n ? i : n - 1]);
}

/* Print the figures of what was measured since fanout_begin(); free. */
static inline void
fanout_report(struct fanout *fo, const char *what)
{
	uint64_t	 run, wait, mrun, mwait;
	double		 load = 0;
	size_t		 n = fo->nlast;
	FILE		*f;

	fanout_schedstat(fo->gw, &run, &wait);
	fanout_schedstat(getpid(), &mrun, &mwait);
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(f, "%lf", &load) != 1)
			load = 0;
		fclose(f);
	}
	if (fo->nlat == 0 || n == 0) {
		printf("    %s: nothing arrived\n", what);
		goto out;
	}
	qsort(fo->lat, fo->nlat, sizeof *fo->lat, fanout_cmp);
	qsort(fo->last, n, sizeof *fo->last, fanout_cmp);
	printf("    %s, %zu messages (load %.1f):\n"
	    "      each client: p50 %.2f ms, p99 %.2f ms, max %.2f ms "
	    "(target p99 < %.0f ms: %s)\n"
	    "      last client: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n"
	    "      CPU a message: gateway %.2f ms (+%.2f ms waiting for a "
	    "CPU), bench %.2f ms\n", what, n, load,
	    fanout_pct(fo->lat, fo->nlat, 50) / 1000.0,
	    fanout_pct(fo->lat, fo->nlat, 99) / 1000.0,
	    fo->lat[fo->nlat - 1] / 1000.0, FANOUT_TARGET_US / 1000.0,
	    fanout_pct(fo->lat, fo->nlat, 99) < FANOUT_TARGET_US ? "met" :
	    "NOT met",
	    fanout_pct(fo->last, n, 50) / 1000.0,
	    fanout_pct(fo->last, n, 99) / 1000.0, fo->last[n - 1] / 1000.0,
	    (run - fo->gw_run) / 1e6 / n, (wait - fo->gw_wait) / 1e6 / n,
	    (mrun - fo->me_run) / 1e6 / n);
	if (n < fo->size)
		printf("      (%zu of %zu messages did not reach every "
		    "client)\n", fo->size - n, fo->size);
out:
	fflush(stdout);
	free(fo->lat);
	free(fo->last);
	fo->lat = fo->last = NULL;
}

/*
 * The floor beside the gateway's figures: the CPU time this process spends
 * sending a 300-byte line to n sockets (Unix socket pairs, or TCP on
 * loopback, where the sender also pays for the receiving side) while a
 * child reads them all through epoll, here and now; 30 rounds' mean.
 */
static inline void
fanout_floor(size_t n, int tcp, int apart)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev, evs[256];
	struct timespec		 a, b;
	socklen_t		 sl = sizeof sin;
	char			 line[300], buf[4096];
	int			*w, *r, sv[2], ls = -1, ep, on = 1, k, m;
	double			 cpu = 0;
	size_t			 i, round;
	pid_t			 pid;

	memset(line, 'x', sizeof line);
	line[sizeof line - 1] = '\n';
	w = calloc(n, sizeof *w);
	r = calloc(n, sizeof *r);
	if (tcp) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((ls = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    bind(ls, (struct sockaddr *)&sin, sizeof sin) == -1 ||
		    listen(ls, 4096) == -1 ||
		    getsockname(ls, (struct sockaddr *)&sin, &sl) == -1)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		if (!tcp) {
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
				goto fail;
			w[i] = sv[0];
			r[i] = sv[1];
			continue;
		}
		if ((r[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(r[i], (struct sockaddr *)&sin, sizeof sin) == -1 ||
		    (w[i] = accept(ls, NULL, NULL)) == -1)
			goto fail;
		setsockopt(w[i], IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	}
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		if (apart)
			fanout_pin(getppid(), 1);
		ep = epoll_create1(0);
		for (i = 0; i < n; i++) {
			close(w[i]);
			ev.events = EPOLLIN;
			ev.data.fd = r[i];
			epoll_ctl(ep, EPOLL_CTL_ADD, r[i], &ev);
		}
		while ((m = epoll_wait(ep, evs, 256, 1000)) > 0)
			for (k = 0; k < m; k++)
				if (read(evs[k].data.fd, buf, sizeof buf) <= 0)
					_exit(0);
		_exit(0);
	}
	for (i = 0; i < n; i++)
		close(r[i]);
	usleep(100000);
	for (round = 0; round < 30; round++) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		for (i = 0; i < n; i++)
			if (send(w[i], line, sizeof line, MSG_NOSIGNAL) !=
			    sizeof line)
				goto fail;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		cpu += (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) /
		    1e6;
		usleep(20000);
	}
	for (i = 0; i < n; i++)
		close(w[i]);
	waitpid(pid, NULL, 0);
	if (apart)
		fanout_pin(getpid(), 0);
	printf("    floor, here and now: send(2) of a line to %zu %s "
	    "sockets costs %.2f ms CPU%s\n", n, tcp ? "TCP" : "Unix",
	    cpu / 30, apart ? " (sender and reader apart, as below)" : "");
	goto out;
fail:
	perror("fanout floor");
out:
	if (ls != -1)
		close(ls);
	free(w);
	free(r);
	fflush(stdout);
}

#endif /* BENCH_FANOUT_H */
