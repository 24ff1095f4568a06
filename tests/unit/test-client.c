/*
 * test-client.c: the client API: dispatch, queue and pending limits,
 * reconnect to a socket, respawn of a child gateway, copyover by exec().
 */

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3.h"
#include "t.h"

struct seen {
	int	results;
	int	errors;
	int	last_code;
	int64_t	last_id;
	int	events;
	int	catchall;
	int	lost;
	int	connected;
	int	retries;
	int	warnings;
	char	status[256];
};

static struct seen	seen;
static char		tmpdir[] = "/tmp/test-client.XXXXXX";

static void
on_result(i3_client *c, int64_t id, const json_t *res, const json_t *err,
    void *arg)
{
	seen.last_id = id;
	if (err != NULL) {
		seen.errors++;
		seen.last_code = (int)json_integer_value(json_object_get(err,
		    "code"));
	} else
		seen.results++;
}

static void
on_event(i3_client *c, const char *event, const json_t *params, void *arg)
{
	seen.events++;
}

static void
on_any(i3_client *c, const char *event, const json_t *params, void *arg)
{
	seen.catchall++;
}

static void
on_status(i3_client *c, enum i3_client_status st, const char *text,
    void *arg)
{
	snprintf(seen.status, sizeof seen.status, "%s", text);
	switch (st) {
	case I3_CLIENT_LOST:
		seen.lost++;
		break;
	case I3_CLIENT_CONNECTED:
		seen.connected++;
		break;
	case I3_CLIENT_RETRY:
		seen.retries++;
		break;
	case I3_CLIENT_WARNING:
		seen.warnings++;
		break;
	}
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Poll until *flag reaches want or ms pass; 1 when it did. */
static int
poll_until(i3_client *c, const int *flag, int want, int ms)
{
	int64_t	end = now_ms() + ms;

	while (*flag < want && now_ms() < end)
		i3_client_poll(c, 20);
	return (*flag >= want);
}

/* Read one line from a fake gateway's end (1 s at most). */
static int
read_line(int fd, char *buf, size_t len)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		n = 0;
	char		ch;

	while (n + 1 < len) {
		if (poll(&pfd, 1, 1000) <= 0 || read(fd, &ch, 1) != 1)
			return (-1);
		if (ch == '\n')
			break;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	return ((int)n);
}

static void
write_str(int fd, const char *s)
{
	size_t	len = strlen(s);

	if (write(fd, s, len) != (ssize_t)len)
		printf("# short write\n");
}

/* A client on one end of a socketpair, the test the fake gateway. */
static void
test_socketpair(void)
{
	i3_client	*c;
	i3_client_opts	 o;
	i3_error	 err;
	char		 h[I3_CLIENT_HANDOFF_MAX], line[4096], *big;
	int		 sv[2], small = 4096, i, ok;
	int64_t		 id = 0, first;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		T_OK(0, "socketpair: %s", strerror(errno));
		return;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	memset(&o, 0, sizeof o);
	o.max_queue = 2048;
	o.max_pending = 100000;
	o.max_line = 1024;
	o.on_status = on_status;
	snprintf(h, sizeof h, "i3c1:3:%d:%d:-1:1:0", sv[0], sv[0]);
	c = i3_client_attach(h, NULL, NULL, &o, &err);
	T_OK(c != NULL, "attach to a socketpair: %s", err.text);
	if (c == NULL)
		return;
	T_OK(i3_client_connected(c), "attached means connected");
	T_OK(i3_client_fd(c) == sv[0], "the fd is the one handed over");

	/* Answers and events. */
	memset(&seen, 0, sizeof seen);
	i3_client_on(c, "tell_received", on_event, NULL);
	i3_client_on(c, "*", on_any, NULL);
	first = i3_client_ping(c, on_result, NULL);
	T_OK(first == 1, "the first id is 1 (%lld)", (long long)first);
	T_OK(read_line(sv[1], line, sizeof line) > 0 &&
	    strstr(line, "\"method\":\"ping\"") != NULL &&
	    strstr(line, "\"id\":1") != NULL, "the request went out: %s",
	    line);
	write_str(sv[1], "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
	    "{\"pong\":true}}\n{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"tell_received\",\"params\":{\"text\":\"hi\"}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"mud_online\",\"params\":{}}\n");
	poll_until(c, &seen.catchall, 1, 1000);
	T_OK(seen.results == 1 && seen.last_id == 1, "the answer reached "
	    "its callback (%d)", seen.results);
	T_OK(seen.events == 1, "the named handler took tell_received");
	T_OK(seen.catchall == 1, "the catch-all took the other event only");

	/* An over-long line is skipped, the next one still works. */
	big = malloc(3000);
	memset(big, 'x', 2998);
	big[2998] = '\n';
	big[2999] = '\0';
	write_str(sv[1], big);
	free(big);
	write_str(sv[1], "{\"jsonrpc\":\"2.0\",\"method\":\"tell_received\"}"
	    "\nnot json\n");
	poll_until(c, &seen.events, 2, 1000);
	T_OK(seen.events == 2, "the line after an over-long one arrives");
	T_OK(seen.warnings == 2, "warnings for the long line and bad JSON "
	    "(%d)", seen.warnings);

	/* Nobody reads: the send queue fills and says so. */
	for (i = 0; i < 100000; i++) {
		if ((id = i3_client_ping(c, on_result, NULL)) == -1)
			break;
	}
	T_OK(id == -1, "the send queue fills up");
	T_OK(strstr(i3_client_error(c)->text, "queue full") != NULL &&
	    i3_client_error(c)->code == I3_ECLIENT, "queue full: %s",
	    i3_client_error(c)->text);
	T_OK(i3_client_want_write(c), "output is waiting");
	/* Drain it: the queue empties into the socket, calls work again. */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	ok = 0;
	for (i = 0; i < 5000 && !ok; i++) {
		i3_client_poll(c, 0);
		while (read(sv[1], line, sizeof line) > 0 && !ok)
			continue;
		if (!i3_client_want_write(c))
			ok = 1;
	}
	T_OK(ok, "the queue drains once the gateway reads");
	T_OK(i3_client_ping(c, NULL, NULL) > 0, "calls work again");
	i3_client_free(c);	/* pending calls: ECLOSED */
	T_OK(seen.errors > 10 && seen.last_code == I3_CLIENT_ECLOSED,
	    "free answers pending calls with ECLOSED (%d, %d)", seen.errors,
	    seen.last_code);
	close(sv[1]);

	/* The pending table has its own bound. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	memset(&o, 0, sizeof o);
	o.max_pending = 3;
	snprintf(h, sizeof h, "i3c1:3:%d:%d:-1:1:0", sv[0], sv[0]);
	c = i3_client_attach(h, NULL, NULL, &o, &err);
	for (i = 0; i < 3; i++)
		i3_client_ping(c, NULL, NULL);
	T_OK(i3_client_ping(c, NULL, NULL) == -1 && strstr(
	    i3_client_error(c)->text, "too many calls") != NULL,
	    "pending full: %s", i3_client_error(c)->text);
	/* The peer goes: with nowhere to reconnect to, poll says -1. */
	close(sv[1]);
	for (i = 0; i < 50 && i3_client_poll(c, 20) != -1; i++)
		continue;
	T_OK(i < 50 && !i3_client_connected(c), "a dead link with no way "
	    "back makes poll fail");
	T_OK(i3_client_ping(c, NULL, NULL) == -1, "calls fail when down "
	    "for good");
	i3_client_free(c);

	T_OK(i3_client_attach("i3c1:0:x", NULL, NULL, NULL, &err) == NULL &&
	    err.code == I3_EINVAL, "a bad handoff string is refused");
	T_OK(i3_client_attach("i3c1:1:900:900:-1:1:0", NULL, NULL, NULL,
	    &err) == NULL && err.code == I3_ECLIENT,
	    "a handoff with closed fds is refused");
}

/* A fake gateway on a Unix socket that hangs up: the client comes back. */
static void
test_reconnect(void)
{
	struct sockaddr_un	 sun;
	i3_client		*c;
	i3_client_opts		 o;
	i3_error		 err;
	char			 path[100], line[4096];
	int			 lfd, afd, i, found;
	int64_t			 id;

	snprintf(path, sizeof path, "%s/gw.sock", tmpdir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);

	memset(&o, 0, sizeof o);
	o.backoff_min_ms = 20;
	o.backoff_max_ms = 100;
	o.on_status = on_status;
	c = i3_client_connect_unix(path, &o, &err);
	T_OK(c == NULL && err.code == I3_ECLIENT, "no socket yet: %s",
	    err.text);

	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(lfd, 5) == -1) {
		T_OK(0, "bind %s: %s", path, strerror(errno));
		return;
	}
	memset(&seen, 0, sizeof seen);
	c = i3_client_connect_unix(path, &o, &err);
	T_OK(c != NULL, "connect_unix: %s", err.text);
	if (c == NULL)
		return;
	afd = accept(lfd, NULL, NULL);
	i3_client_channel_join(c, "chat", NULL, NULL);
	id = i3_client_ping(c, on_result, NULL);
	/* Over a socket the client subscribes first (no answer here). */
	read_line(afd, line, sizeof line);
	T_OK(strstr(line, "\"subscribe\"") != NULL, "subscribe sent: %s",
	    line);
	read_line(afd, line, sizeof line);
	T_OK(strstr(line, "channel_join") != NULL, "join sent: %s", line);
	read_line(afd, line, sizeof line);
	T_OK(strstr(line, "ping") != NULL, "ping sent: %s", line);

	/* The gateway goes away with the ping unanswered. */
	close(afd);
	T_OK(poll_until(c, &seen.lost, 1, 2000), "the loss is reported");
	T_OK(seen.errors == 1 && seen.last_code == I3_CLIENT_ELOST &&
	    seen.last_id == id, "the unanswered call gets ELOST (%d)",
	    seen.last_code);
	/* A call made while down waits for the next connection. */
	id = i3_client_channel_send(c, "chat", "ann", "Ann", "while down",
	    NULL, NULL);
	T_OK(id > 0, "calls are queued while down");
	T_OK(poll_until(c, &seen.connected, 1, 3000), "reconnected (%s)",
	    seen.status);
	afd = accept(lfd, NULL, NULL);
	found = 0;
	for (i = 0; i < 3; i++) {
		if (read_line(afd, line, sizeof line) <= 0)
			break;
		if (strstr(line, "while down") != NULL)
			found |= 1;
		if (strstr(line, "channel_join") != NULL &&
		    strstr(line, "\"chat\"") != NULL)
			found |= 2;
		/* No token was ever given: a new subscription. */
		if (strstr(line, "\"subscribe\"") != NULL)
			found |= 4;
	}
	T_OK(found == 7, "subscribe, the queued call and the channel join go "
	    "out after the reconnect (%d)", found);

	/* The socket disappears: retries, with backoff, until it is back. */
	close(afd);
	close(lfd);
	unlink(path);
	seen.retries = 0;
	poll_until(c, &seen.retries, 3, 3000);
	T_OK(seen.retries >= 3, "retries are reported (%d): %s",
	    seen.retries, seen.status);
	T_OK(i3_client_fd(c) == -1, "no fd while down");
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(lfd, (struct sockaddr *)&sun, sizeof sun);
	listen(lfd, 5);
	seen.connected = 0;
	T_OK(poll_until(c, &seen.connected, 1, 3000), "back once the socket "
	    "is");
	i3_client_free(c);
	close(lfd);
	unlink(path);
}

/* Remove the temporary directory (ours: made by mkdtemp). */
static void
cleanup(const char *dir)
{
	char	cmd[256];

	if (dir == NULL || strncmp(dir, "/tmp/test-client.", 17) != 0)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

/* Find bin/i3gw: $I3_TOP or the cwd. */
static int
find_gw(char *buf, size_t len)
{
	const char	*top = getenv("I3_TOP");

	snprintf(buf, len, "%s/bin/i3gw", top != NULL ? top : ".");
	return (access(buf, X_OK) == 0);
}

static i3_client *
spawn_gw(const char *gw, i3_client_opts *o)
{
	char		 conf[256], state[256], log[256];
	char		*argv[7];
	FILE		*f;
	i3_error	 err;
	i3_client	*c;

	snprintf(conf, sizeof conf, "%s/gw.conf", tmpdir);
	snprintf(state, sizeof state, "%s/state", tmpdir);
	snprintf(log, sizeof log, "%s/gw.log", tmpdir);
	if ((f = fopen(conf, "w")) == NULL)
		return (NULL);
	/* Port 1 on loopback: refused at once; ping works without a router. */
	fprintf(f, "[mud]\nname = ClientTest\nadmin_email = t@localhost\n"
	    "[router *test]\nhost = 127.0.0.1\nport = 1\n[limits]\n"
	    "backoff_min = 1s\nconnect_spacing = no\n");
	fclose(f);
	argv[0] = "i3gw";
	argv[1] = "--stdio";
	argv[2] = "-f";
	argv[3] = conf;
	argv[4] = "--state-dir";
	argv[5] = state;
	argv[6] = NULL;
	o->stderr_path = log;
	c = i3_client_spawn(gw, argv, o, &err);
	if (c == NULL)
		printf("# spawn: %s\n", err.text);
	return (c);
}

static void
test_respawn(const char *gw)
{
	i3_client	*c;
	i3_client_opts	 o;
	i3_error	 err;
	long		 pid;

	c = i3_client_spawn("/nonexistent/i3gw", NULL, NULL, &err);
	T_OK(c == NULL && strstr(err.text, "cannot run") != NULL,
	    "exec failure is reported: %s", err.text);

	memset(&o, 0, sizeof o);
	o.backoff_min_ms = 20;
	o.on_status = on_status;
	memset(&seen, 0, sizeof seen);
	if ((c = spawn_gw(gw, &o)) == NULL) {
		T_OK(0, "spawn i3gw");
		return;
	}
	pid = i3_client_pid(c);
	T_OK(pid > 0, "a child pid");
	i3_client_ping(c, on_result, NULL);
	T_OK(poll_until(c, &seen.results, 1, 3000), "ping answered by i3gw");

	kill((pid_t)pid, SIGKILL);
	T_OK(poll_until(c, &seen.lost, 1, 3000) &&
	    strstr(seen.status, "signal 9") != NULL, "the death is reported: "
	    "%s", seen.status);
	T_OK(poll_until(c, &seen.connected, 1, 3000), "respawned");
	T_OK(i3_client_pid(c) > 0 && i3_client_pid(c) != pid,
	    "a new child (%ld, was %ld)", i3_client_pid(c), pid);
	i3_client_ping(c, on_result, NULL);
	T_OK(poll_until(c, &seen.results, 2, 3000), "ping answered by the "
	    "new i3gw");
	pid = i3_client_pid(c);
	i3_client_free(c);
	T_OK(kill((pid_t)pid, 0) == -1 && errno == ESRCH,
	    "free waits for the child to exit");
}

/* Copyover, first half: spawn, detach, exec ourselves with the string. */
static void
test_copyover(const char *gw, char *self)
{
	i3_client	*c;
	i3_client_opts	 o;
	i3_error	 err;
	char		 h[I3_CLIENT_HANDOFF_MAX], p[16], f[16];
	char		*argv[7];

	memset(&o, 0, sizeof o);
	memset(&seen, 0, sizeof seen);
	if ((c = spawn_gw(gw, &o)) == NULL) {
		T_OK(0, "spawn i3gw");
		return;
	}
	i3_client_ping(c, on_result, NULL);
	T_OK(poll_until(c, &seen.results, 1, 3000), "ping before copyover");
	T_OK(i3_client_detach(c, h, 8, &err) == -1 && err.code == I3_EINVAL,
	    "detach needs room");
	i3_client_ping(c, on_result, NULL);	/* answered after the exec */
	T_OK(i3_client_detach(c, h, sizeof h, &err) == 0, "detach: %s",
	    err.text);
	T_OK(seen.errors == 1 && seen.last_code == I3_CLIENT_ECLOSED,
	    "the pending call is closed");
	snprintf(p, sizeof p, "%d", t_passed);
	snprintf(f, sizeof f, "%d", t_failed);
	argv[0] = self;
	argv[1] = "--copyover";
	argv[2] = h;
	argv[3] = p;
	argv[4] = f;
	argv[5] = tmpdir;
	argv[6] = NULL;
	fflush(stdout);
	/* argv[0] rather than /proc/self/exe, which is valgrind's under it. */
	execv(strchr(self, '/') != NULL ? self : "/proc/self/exe", argv);
	T_OK(0, "exec: %s", strerror(errno));
}

/* Copyover, second half: the new program attaches and goes on. */
static int
after_copyover(char *argv[])
{
	i3_client	*c;
	i3_error	 err;
	char		 gw[1024];
	long		 pid;

	t_passed = atoi(argv[3]);
	t_failed = atoi(argv[4]);
	memset(&seen, 0, sizeof seen);
	find_gw(gw, sizeof gw);
	c = i3_client_attach(argv[2], gw, NULL, NULL, &err);
	T_OK(c != NULL, "attach after exec: %s", err.text);
	if (c != NULL) {
		T_OK(i3_client_connected(c), "still connected after exec");
		i3_client_ping(c, on_result, NULL);
		T_OK(poll_until(c, &seen.results, 1, 3000), "the same gateway "
		    "answers after exec");
		T_OK(seen.last_id > 2, "ids go on from the old ones (%lld)",
		    (long long)seen.last_id);
		pid = i3_client_pid(c);
		i3_client_free(c);
		T_OK(pid > 0 && kill((pid_t)pid, 0) == -1,
		    "the gateway is still our child: reaped at free");
	}
	cleanup(argv[5]);
	return (T_DONE());
}

int
main(int argc, char *argv[])
{
	char	gw[1024];

	signal(SIGPIPE, SIG_DFL);	/* the library must never raise it */
	if (argc >= 6 && strcmp(argv[1], "--copyover") == 0)
		return (after_copyover(argv));
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	test_socketpair();
	test_reconnect();
	if (!find_gw(gw, sizeof gw)) {
		printf("# %s not built: respawn and copyover not tested\n", gw);
		cleanup(tmpdir);
		return (T_DONE());
	}
	test_respawn(gw);
	test_copyover(gw, argv[0]);
	return (T_DONE());
}
