/*
 * fuzz-gw-http.c: libFuzzer target for an HTTP request to the gateway's
 * handler: the bytes go over a TCP connection to the gateway's own HTTP
 * listener (libmicrohttpd in the gateway's loop, as i3gw runs it), the
 * loop runs until the answer is complete or 50 ms passed.  /rpc, /health
 * and /metrics, keys by header or authenticate, batches, no router.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>

#include "fuzz-gw.h"

static int	 fuzz_fd = -1;
static uint64_t	 fuzz_deadline;

static char	 fuzz_ans[65536];
static size_t	 fuzz_anslen;

/* A whole answer: headers, then Content-Length bytes or the last chunk. */
static int
fuzz_complete(void)
{
	const char	*h, *cl;
	size_t		 hlen;

	fuzz_ans[fuzz_anslen] = '\0';
	if ((h = strstr(fuzz_ans, "\r\n\r\n")) == NULL)
		return (0);
	hlen = (size_t)(h - fuzz_ans) + 4;
	if (strncmp(fuzz_ans, "HTTP/1.1 100", 12) == 0)
		return (0);
	if ((cl = strcasestr(fuzz_ans, "\r\nContent-Length:")) != NULL &&
	    cl < h)
		return (fuzz_anslen - hlen >= strtoul(cl + 17, NULL, 10));
	if (strcasestr(fuzz_ans, "\r\nTransfer-Encoding: chunked") != NULL)
		return (strstr(h, "\r\n0\r\n\r\n") != NULL);
	return (0);
}

/* Every ms: the answer read; the loop stops at its end or the deadline. */
static int
fuzz_poll(void *arg)
{
	ssize_t	 n;

	for (;;) {
		n = read(fuzz_fd, fuzz_ans + fuzz_anslen, sizeof fuzz_ans - 1 -
		    fuzz_anslen);
		if (n > 0) {
			fuzz_anslen += (size_t)n;
			if (fuzz_anslen == sizeof fuzz_ans - 1)
				fuzz_anslen = 0;	/* only the head counts */
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			ev_break();
			return (EV_NOMORE);
		}
		break;
	}
	if (fuzz_complete() || ev_now() >= fuzz_deadline) {
		ev_break();
		return (EV_NOMORE);
	}
	return (1);
}

static int
fuzz_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port;

	/* A free port now, for the listener to take just after. */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 port;
	static char		 conf[1024];
	struct sockaddr_in	 sin;
	size_t			 off = 0;
	ssize_t			 n;

	if (port == 0) {
		port = fuzz_port();
		snprintf(conf, sizeof conf, "[mud]\nname = Fuzz\n"
		    "[router *test]\nhost = 127.0.0.1\nport = 1\n"
		    "[api]\nsocket = none\nauth_delay = 0\n"
		    "http = 127.0.0.1:%d\n[key bot]\nhash = sha256:"
		    "c500106023716fc2293e93d36ba614da4e6a5f266f7bb41bfec6239556af8e47"
		    "\npermissions = tell, info\n", port);
	}
	fuzz_gw_init(conf, 1);
	if (size > 65536)
		return (0);
	if ((fuzz_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		abort();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* No port left for a moment (TIME_WAIT): not the gateway's fault. */
	if (connect(fuzz_fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fuzz_fd);
		fuzz_fd = -1;
		return (0);
	}
	fcntl(fuzz_fd, F_SETFL, O_NONBLOCK);
	while (off < size) {
		n = write(fuzz_fd, data + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fuzz_fd, SHUT_WR);
	fuzz_anslen = 0;
	fuzz_deadline = ev_now() + 50;
	ev_timer_add(0, fuzz_poll, NULL);
	ev_run();
	close(fuzz_fd);
	fuzz_fd = -1;
	fuzz_gw_settle();
	return (0);
}
