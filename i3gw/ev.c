/*
 * ev.c: a small epoll(7) event loop: file events, timers, signals.
 *
 * epoll, not poll: with thousands of clients a turn of the loop costs what
 * is ready, not every fd there is.  Files epoll cannot watch (a regular
 * file or /dev/null on stdin or stdout) are always ready, as poll says.
 */

#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3gw.h"

struct ev_io {
	int		 what;
	ev_io_fn	 fn;
	void		*arg;
	int		 in_epoll;	/* the events registered, -1: none */
	int		 always;	/* not pollable: always ready */
};

struct ev_timer {
	uint64_t	 id;
	uint64_t	 when;
	ev_timer_fn	 fn;
	void		*arg;
	int		 dead;
};

#define EV_NSIG	65

static struct ev_io	*ev_ios;
static int		 ev_nios;
static int		 ev_epfd = -1;
static int		 ev_nalways;	/* fds with always set */
static struct ev_timer	*ev_timers;
static size_t		 ev_ntimers;
static size_t		 ev_stimers;
static uint64_t		 ev_next_id = 1;
static int		 ev_stop;
static void		(*ev_prepoll)(void);
static int		 ev_pipe[2] = { -1, -1 };
static ev_signal_fn	 ev_sigfns[EV_NSIG];

static void	ev_sig_handler(int);
static void	ev_sig_read(int, int, void *);
static int	ev_run_timers(void);

uint64_t
ev_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

uint64_t
ev_now(void)
{
	return (ev_now_us() / 1000);
}

int
ev_set_nonblock(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	if (flags & O_NONBLOCK)
		return (0);
	return (fcntl(fd, F_SETFL, flags | O_NONBLOCK));
}

void
ev_init(void)
{
	if ((ev_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	if (pipe2(ev_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe2");
	ev_io_set(ev_pipe[0], EV_READ, ev_sig_read, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Tell epoll what fd wants now (what 0: nothing). */
static void
ev_epoll_sync(int fd)
{
	struct ev_io		*io = &ev_ios[fd];
	struct epoll_event	 ee;
	uint32_t		 want = 0;

	if (io->what & EV_READ)
		want |= EPOLLIN;
	if (io->what & EV_WRITE)
		want |= EPOLLOUT;
	if (io->always) {
		if (want == 0) {
			io->always = 0;
			ev_nalways--;
		}
		return;
	}
	if (want == 0) {
		if (io->in_epoll >= 0)
			(void)epoll_ctl(ev_epfd, EPOLL_CTL_DEL, fd, NULL);
		io->in_epoll = -1;
		return;
	}
	if (io->in_epoll == (int)want)
		return;
	memset(&ee, 0, sizeof ee);
	ee.events = want;
	ee.data.fd = fd;
	if (io->in_epoll >= 0 &&
	    epoll_ctl(ev_epfd, EPOLL_CTL_MOD, fd, &ee) == 0) {
		io->in_epoll = (int)want;
		return;
	}
	/* New, or closed and reused since (epoll forgot it). */
	if (epoll_ctl(ev_epfd, EPOLL_CTL_ADD, fd, &ee) == 0) {
		io->in_epoll = (int)want;
		return;
	}
	if (errno == EEXIST &&
	    epoll_ctl(ev_epfd, EPOLL_CTL_MOD, fd, &ee) == 0) {
		io->in_epoll = (int)want;
		return;
	}
	if (errno == EPERM) {		/* a regular file: always ready */
		io->in_epoll = -1;
		io->always = 1;
		ev_nalways++;
		return;
	}
	fatal("epoll_ctl fd %d", fd);
}

void
ev_io_set(int fd, int what, ev_io_fn fn, void *arg)
{
	int	n, i;

	if (fd < 0)
		return;
	if (fd >= ev_nios) {
		n = fd + 16;
		ev_ios = xrealloc(ev_ios, n * sizeof *ev_ios);
		memset(ev_ios + ev_nios, 0, (n - ev_nios) * sizeof *ev_ios);
		for (i = ev_nios; i < n; i++)
			ev_ios[i].in_epoll = -1;
		ev_nios = n;
	}
	ev_ios[fd].what = what;
	ev_ios[fd].fn = fn;
	ev_ios[fd].arg = arg;
	ev_epoll_sync(fd);
}

void
ev_io_del(int fd)
{
	if (fd >= 0 && fd < ev_nios) {
		ev_ios[fd].what = 0;
		ev_ios[fd].fn = NULL;
		ev_ios[fd].arg = NULL;
		ev_epoll_sync(fd);
	}
}

uint64_t
ev_timer_add(long ms, ev_timer_fn fn, void *arg)
{
	struct ev_timer	*t;

	if (ev_ntimers == ev_stimers) {
		ev_stimers = ev_stimers ? ev_stimers * 2 : 16;
		ev_timers = xrealloc(ev_timers, ev_stimers * sizeof *ev_timers);
	}
	t = &ev_timers[ev_ntimers++];
	t->id = ev_next_id++;
	t->when = ev_now() + (ms < 0 ? 0 : (uint64_t)ms);
	t->fn = fn;
	t->arg = arg;
	t->dead = 0;
	return (t->id);
}

void
ev_timer_del(uint64_t id)
{
	size_t	i;

	if (id == 0)
		return;
	for (i = 0; i < ev_ntimers; i++) {
		if (ev_timers[i].id == id)
			ev_timers[i].dead = 1;
	}
}

static void
ev_sig_handler(int sig)
{
	unsigned char	c = sig;
	int		saved = errno;

	if (write(ev_pipe[1], &c, 1) != 1) {
		/* The pipe is full: a wake-up is pending anyway. */
	}
	errno = saved;
}

void
ev_signal(int sig, ev_signal_fn fn)
{
	struct sigaction	sa;

	if (sig <= 0 || sig >= EV_NSIG)
		return;
	ev_sigfns[sig] = fn;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ev_sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static void
ev_sig_read(int fd, int what, void *arg)
{
	unsigned char	buf[64];
	ssize_t		n, i;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] < EV_NSIG && ev_sigfns[buf[i]] != NULL)
				ev_sigfns[buf[i]](buf[i]);
		}
	}
}

void
ev_break(void)
{
	ev_stop = 1;
}

/* Run due timers; return ms until the next one, or -1 when none. */
static int
ev_run_timers(void)
{
	uint64_t	 now = ev_now(), next = UINT64_MAX;
	size_t		 i, n, j;
	int		 r;
	struct ev_timer	*t;

	n = ev_ntimers;
	for (i = 0; i < n; i++) {
		t = &ev_timers[i];
		if (t->dead || t->when > now)
			continue;
		r = t->fn(t->arg);
		t = &ev_timers[i];	/* the array may have moved */
		if (r == EV_NOMORE || t->dead)
			t->dead = 1;
		else
			t->when = ev_now() + (uint64_t)r;
	}
	for (i = j = 0; i < ev_ntimers; i++) {
		if (ev_timers[i].dead)
			continue;
		if (ev_timers[i].when < next)
			next = ev_timers[i].when;
		ev_timers[j++] = ev_timers[i];
	}
	ev_ntimers = j;
	if (next == UINT64_MAX)
		return (-1);
	now = ev_now();
	return (next <= now ? 0 : (int)(next - now));
}

/* Called once per loop, after the timers and before poll (conn.c). */
void
ev_set_prepoll(void (*fn)(void))
{
	ev_prepoll = fn;
}

void
ev_run(void)
{
	struct epoll_event	 evs[256];
	int			 i, n, fd, timeout, what;
	uint32_t		 ev;

	ev_stop = 0;
	while (!ev_stop) {
		timeout = ev_run_timers();
		if (ev_stop)
			break;
		if (ev_prepoll != NULL) {
			ev_prepoll();
			if (ev_stop)
				break;
		}
		if (ev_nalways > 0)
			timeout = 0;
		n = epoll_wait(ev_epfd, evs, (int)(sizeof evs / sizeof *evs),
		    timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n && !ev_stop; i++) {
			fd = evs[i].data.fd;
			ev = evs[i].events;
			what = 0;
			if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
				what |= EV_READ;
			if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				what |= EV_WRITE;
			/* An earlier callback of this turn may have dropped it. */
			if (fd >= ev_nios || ev_ios[fd].fn == NULL)
				continue;
			what &= ev_ios[fd].what;
			if (what != 0)
				ev_ios[fd].fn(fd, what, ev_ios[fd].arg);
		}
		for (fd = 0; ev_nalways > 0 && fd < ev_nios && !ev_stop; fd++) {
			if (ev_ios[fd].always && ev_ios[fd].fn != NULL &&
			    ev_ios[fd].what != 0)
				ev_ios[fd].fn(fd, ev_ios[fd].what,
				    ev_ios[fd].arg);
		}
	}
}
