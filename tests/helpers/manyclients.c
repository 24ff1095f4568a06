/*
 * manyclients.c: open many connections to i3gw at once, optionally
 * authenticate and subscribe on each, and check a ping on every one.
 *
 * usage: manyclients -a unix:PATH|tcp:HOST:PORT [-n count] [-k key]
 *	      [-c channel] [-H seconds] [-t seconds]
 *
 * Every connection sends its requests (authenticate, subscribe, ping) in
 * one go; the program then waits (-t, default 20 s) until every one has
 * its answers, holds the connections (-H) and prints one line:
 * "connected N answered N pong N errors N".  Exit 0 when every ping was
 * answered with a pong and nothing failed, 1 otherwise.
 */

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct mc {
	int	 fd;
	int	 want;		/* answers still to come */
	char	 buf[4096];
	size_t	 len;
};

static long	 mc_ms(void);
static int	 mc_connect(const char *);
static void	 mc_line(struct mc *, const char *, int *, int *, int *);
static void	 usage(void);

static long
mc_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000);
}

static void
usage(void)
{
	fprintf(stderr, "usage: manyclients -a unix:PATH|tcp:HOST:PORT "
	    "[-n count] [-k key] [-c channel] [-H seconds] [-t seconds]\n");
	exit(2);
}

static int
mc_connect(const char *addr)
{
	struct sockaddr_un	 sun;
	struct sockaddr_in	 sin;
	char			 host[64];
	const char		*p;
	int			 fd, on = 1;

	if (strncmp(addr, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", addr + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			return (-1);
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
			close(fd);
			return (-1);
		}
	} else if (strncmp(addr, "tcp:", 4) == 0 &&
	    (p = strrchr(addr + 4, ':')) != NULL &&
	    (size_t)(p - (addr + 4)) < sizeof host) {
		memcpy(host, addr + 4, p - (addr + 4));
		host[p - (addr + 4)] = '\0';
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)atoi(p + 1));
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			return (-1);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return (-1);
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
			close(fd);
			return (-1);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	} else
		usage();
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return (fd);
}

/* One line from the gateway: an answer, or an event (not counted). */
static void
mc_line(struct mc *c, const char *line, int *answered, int *pongs,
    int *errors)
{
	if (strstr(line, "\"id\":") == NULL || strstr(line, "\"method\":") !=
	    NULL)
		return;
	c->want--;
	(*answered)++;
	if (strstr(line, "\"error\":") != NULL) {
		(*errors)++;
		fprintf(stderr, "manyclients: %s\n", line);
	}
	if (strstr(line, "\"pong\":true") != NULL)
		(*pongs)++;
}

int
main(int argc, char **argv)
{
	struct rlimit	 rl;
	struct pollfd	*pfd;
	struct mc	*cs;
	const char	*addr = NULL, *key = NULL, *chan = NULL;
	char		 req[1024], *nl;
	long		 n = 100, i, deadline, hold = 0, timeout = 20;
	int		 ch, connected = 0, answered = 0, pongs = 0;
	int		 errors = 0, left, want, len, np;
	ssize_t		 r;

	while ((ch = getopt(argc, argv, "a:c:H:k:n:t:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'c':
			chan = optarg;
			break;
		case 'H':
			hold = atol(optarg);
			break;
		case 'k':
			key = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 't':
			timeout = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (addr == NULL || n <= 0)
		usage();

	/* A descriptor per connection, and a few more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <
	    (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur < (rlim_t)n + 64)
			fprintf(stderr, "manyclients: only %ld descriptors\n",
			    (long)rl.rlim_cur);
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	cs = calloc(n, sizeof *cs);
	pfd = calloc(n, sizeof *pfd);
	if (cs == NULL || pfd == NULL)
		return (1);
	want = 1 + (key != NULL) + (chan != NULL);
	for (i = 0; i < n; i++) {
		if ((cs[i].fd = mc_connect(addr)) == -1) {
			fprintf(stderr, "manyclients: connection %ld: %s\n",
			    i, strerror(errno));
			break;
		}
		connected++;
		len = 0;
		if (key != NULL)
			len += snprintf(req + len, sizeof req - len,
			    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
			    "\"authenticate\",\"params\":{\"key\":\"%s\"}}\n",
			    key);
		if (chan != NULL)
			len += snprintf(req + len, sizeof req - len,
			    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
			    "\"subscribe\",\"params\":{\"channels\":"
			    "[\"%s\"]}}\n", chan);
		len += snprintf(req + len, sizeof req - len,
		    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n");
		if (write(cs[i].fd, req, len) != len) {
			fprintf(stderr, "manyclients: write %ld: %s\n", i,
			    strerror(errno));
			errors++;
		}
		cs[i].want = want;
	}

	deadline = mc_ms() + timeout * 1000;
	for (;;) {
		for (i = np = 0; i < connected; i++) {
			if (cs[i].want <= 0 || cs[i].fd == -1)
				continue;
			pfd[np].fd = cs[i].fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		if (np == 0)
			break;
		if ((left = (int)(deadline - mc_ms())) <= 0) {
			fprintf(stderr, "manyclients: %d connections still "
			    "waiting\n", np);
			break;
		}
		if (poll(pfd, np, left) == -1 && errno != EINTR)
			break;
		for (i = 0; i < connected; i++) {
			struct mc	*c = &cs[i];

			if (c->want <= 0 || c->fd == -1)
				continue;
			r = read(c->fd, c->buf + c->len, sizeof c->buf -
			    c->len - 1);
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0) {
				fprintf(stderr, "manyclients: connection %ld "
				    "closed\n", i);
				errors++;
				close(c->fd);
				c->fd = -1;
				continue;
			}
			c->len += r;
			c->buf[c->len] = '\0';
			while ((nl = strchr(c->buf, '\n')) != NULL) {
				*nl = '\0';
				mc_line(c, c->buf, &answered, &pongs, &errors);
				c->len -= nl + 1 - c->buf;
				memmove(c->buf, nl + 1, c->len + 1);
			}
			if (c->len == sizeof c->buf - 1)
				c->len = 0;	/* an event too long: dropped */
		}
	}
	if (hold > 0)
		sleep((unsigned int)hold);
	printf("connected %d answered %d pong %d errors %d\n", connected,
	    answered, pongs, errors);
	for (i = 0; i < connected; i++) {
		if (cs[i].fd != -1)
			close(cs[i].fd);
	}
	free(cs);
	free(pfd);
	return (connected == n && pongs == n && errors == 0 ? 0 : 1);
}
