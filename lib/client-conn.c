/*
 * client-conn.c: the client API's transports: a spawned i3gw on a socket
 * pair, a Unix socket, TCP; where the gateway is; reaping the child.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-int.h"

static int	i3c_spawn(i3_client *);
static int	i3c_unix(i3_client *);
static int	i3c_tcp(i3_client *, int);

int
i3__c_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	return (fcntl(fd, F_SETFL, fl | O_NONBLOCK));
}

int
i3__c_cloexec(int fd, int on)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return (-1);
	fl = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
	return (fcntl(fd, F_SETFD, fl));
}

/* One attempt to get the gateway: 0 (up or connecting) or -1 (c->why). */
int
i3__c_open(i3_client *c, int wait_ms)
{
	switch (c->kind) {
	case I3C_SPAWN:
		return (i3c_spawn(c));
	case I3C_UNIX:
		return (i3c_unix(c));
	case I3C_TCP:
		return (i3c_tcp(c, wait_ms));
	default:
		snprintf(c->why, sizeof c->why, "nowhere to reconnect to");
		return (-1);
	}
}

static int
i3c_spawn(i3_client *c)
{
	int	 sv[2], ep[2], fd, e, n, lfd = -1;
	pid_t	 pid;
	char	*const *argv = c->argv;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(c->why, sizeof c->why, "socketpair: %s",
		    strerror(errno));
		return (-1);
	}
	/* The child's end must not be 0 or 1, which dup2 would clobber. */
	if (sv[1] < 3) {
		fd = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
		e = errno;
		close(sv[1]);
		sv[1] = fd;
		if (fd == -1) {
			close(sv[0]);
			snprintf(c->why, sizeof c->why, "fcntl: %s",
			    strerror(e));
			return (-1);
		}
	}
	if (c->o.stderr_path != NULL &&
	    (lfd = open(c->o.stderr_path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) == -1) {
		snprintf(c->why, sizeof c->why, "%s: %s", c->o.stderr_path,
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	if (pipe2(ep, O_CLOEXEC) == -1) {
		snprintf(c->why, sizeof c->why, "pipe: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		if (lfd != -1)
			close(lfd);
		return (-1);
	}
	pid = fork();
	if (pid == -1) {
		snprintf(c->why, sizeof c->why, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		if (lfd != -1)
			close(lfd);
		return (-1);
	}
	if (pid == 0) {
		/* The child: only async-signal-safe calls from here. */
		if (dup2(sv[1], 0) == -1 || dup2(sv[1], 1) == -1 ||
		    (lfd != -1 && lfd != 2 && dup2(lfd, 2) == -1))
			goto fail;
		signal(SIGPIPE, SIG_DFL);
		if (strchr(c->where, '/') != NULL)
			execv(c->where, argv);
		else
			execvp(c->where, argv);
	fail:
		e = errno;
		n = write(ep[1], &e, sizeof e);
		(void)n;
		_exit(127);
	}
	close(sv[1]);
	close(ep[1]);
	if (lfd != -1)
		close(lfd);
	/* Nothing to read means the exec worked (the pipe was close-on-exec). */
	do {
		n = read(ep[0], &e, sizeof e);
	} while (n == -1 && errno == EINTR);
	close(ep[0]);
	if (n == (int)sizeof e) {
		snprintf(c->why, sizeof c->why, "cannot run %s: %s", c->where,
		    strerror(e));
		close(sv[0]);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			continue;
		return (-1);
	}
	i3__c_nonblock(sv[0]);
	c->rfd = c->wfd = sv[0];
	c->pid = pid;
	i3__c_up(c);
	return (0);
}

static int
i3c_unix(i3_client *c)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(c->where) >= sizeof sun.sun_path) {
		snprintf(c->why, sizeof c->why, "socket path too long");
		return (-1);
	}
	memcpy(sun.sun_path, c->where, strlen(c->where));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(c->why, sizeof c->why, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		snprintf(c->why, sizeof c->why, "%s: %s", c->where,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	c->rfd = c->wfd = fd;
	i3__c_up(c);
	return (0);
}

/* Connect to the first address; wait_ms 0 leaves it in progress. */
static int
i3c_tcp(i3_client *c, int wait_ms)
{
	struct addrinfo	 hints, *res, *ai;
	struct pollfd	 pfd;
	int		 fd = -1, rc, e = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(c->where, c->port, &hints, &res)) != 0) {
		snprintf(c->why, sizeof c->why, "%s: %s", c->where,
		    gai_strerror(rc));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(c->why, sizeof c->why, "%s port %s: %s", c->where,
		    c->port, strerror(e));
		return (-1);
	}
	c->rfd = c->wfd = fd;
	c->state = I3C_CONNECTING;
	if (wait_ms > 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do {
			rc = poll(&pfd, 1, wait_ms);
		} while (rc == -1 && errno == EINTR);
		if (rc == 0) {
			snprintf(c->why, sizeof c->why, "%s port %s: timed out",
			    c->where, c->port);
			close(fd);
			c->rfd = c->wfd = -1;
			c->state = I3C_DOWN;
			return (-1);
		}
		return (i3__c_tcp_done(c));
	}
	return (0);
}

/* The connect finished (the fd is writable): up, or -1 and down. */
int
i3__c_tcp_done(i3_client *c)
{
	int		e = 0;
	socklen_t	len = sizeof e;

	if (getsockopt(c->rfd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e != 0) {
		snprintf(c->why, sizeof c->why, "%s port %s: %s", c->where,
		    c->port, strerror(e));
		close(c->rfd);
		c->rfd = c->wfd = -1;
		c->state = I3C_DOWN;
		return (-1);
	}
	i3__c_up(c);
	return (0);
}

/* Collect a child: block for the old one only (it was killed). */
void
i3__c_reap(i3_client *c, int kill_old)
{
	int	st;
	pid_t	r;

	if (c->oldpid == -1)
		return;
	if (kill_old)
		kill((pid_t)c->oldpid, SIGKILL);
	do {
		r = waitpid((pid_t)c->oldpid, &st, kill_old ? 0 : WNOHANG);
	} while (r == -1 && errno == EINTR);
	if (r != 0)
		c->oldpid = -1;
}

/* Where the gateway is: the program and its argv, a path, a host. */
int
i3__c_target(i3_client *c, const char *where, char *const argv[])
{
	size_t	n, i;

	if ((c->where = strdup(where)) == NULL)
		return (-1);
	if (c->kind != I3C_SPAWN)
		return (0);
	for (n = 0; argv != NULL && argv[n] != NULL; n++)
		continue;
	if ((c->argv = calloc(n > 0 ? n + 1 : 3, sizeof *c->argv)) == NULL)
		return (-1);
	if (n == 0) {
		c->argv[0] = strdup(where);
		c->argv[1] = strdup("--stdio");
		if (c->argv[0] == NULL || c->argv[1] == NULL)
			return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((c->argv[i] = strdup(argv[i])) == NULL)
			return (-1);
	}
	return (0);
}
