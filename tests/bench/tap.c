/*
 * tap.c (bench): what "i3codec tap" adds to each frame's trip.  A client
 * sends a tell every millisecond (1,000 frames/s, the tap logging each as
 * JSON) to a sink, once directly and once through the tap; each frame
 * carries its send time, and the sink takes the difference.
 * Target: the tap adds under 1 ms per frame (p99) at 1,000 frames/s.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <stdio.h>

#include "i3.h"
#include "proc.h"

#define RATE	1000
#define SECONDS	3

static int
listen_any(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 8) == -1)
		fatal("bind");
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return (fd);
}

static int
connect_to(int port, int tries)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	while (tries-- > 0) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			fatal("socket");
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
			return (fd);
		}
		close(fd);
		usleep(20000);
	}
	fatal("connect to %d", port);
}

/* Send RATE frames/s for SECONDS from cfd; the sink is lfd's peer. */
static void
run(const char *label, int lfd, int cfd)
{
	static uint64_t	 lat[RATE * SECONDS];
	i3_reader	*r = i3_reader_new(NULL);
	size_t		 got = 0, sent = 0, total = RATE * SECONDS;
	uint64_t	 start, next;
	int		 sfd;
	json_t		*v;

	if ((sfd = accept(lfd, NULL, NULL)) == -1)
		fatal("accept");
	fcntl(sfd, F_SETFL, O_NONBLOCK);
	start = next = now_us();
	while (got < total) {
		struct pollfd	 pfd = { sfd, POLLIN, 0 };
		uint64_t	 now = now_us();
		unsigned char	 buf[65536];
		ssize_t		 n;
		int		 wait;

		if (sent < total && now >= next) {
			char	 msg[64];
			json_t	*pkt;
			char	*f;
			size_t	 len;

			snprintf(msg, sizeof msg, "%llu",
			    (unsigned long long)now_us());
			pkt = json_pack("[sissssss]", "tell", 5, "Alpha", "bob",
			    "Beta", "ann", "Bob", msg);
			if ((f = i3_frame(pkt, 0, &len, NULL)) == NULL)
				fatalx("frame");
			write_all(cfd, f, len);
			free(f);
			json_decref(pkt);
			sent++;
			next = start + sent * (1000000 / RATE);
		}
		now = now_us();
		wait = sent < total && next > now ? (int)((next - now) / 1000) :
		    0;
		if (sent == total)
			wait = 100;
		if (poll(&pfd, 1, wait) <= 0) {
			if (sent == total && now_us() - next > 5000000)
				break;
			continue;
		}
		if ((n = read(sfd, buf, sizeof buf)) <= 0)
			break;
		now = now_us();
		i3_reader_feed(r, buf, (size_t)n, NULL);
		while (i3_reader_next(r, &v, NULL) == 1) {
			const char *m = json_string_value(json_array_get(v, 7));

			if (m != NULL && got < total)
				lat[got++] = now - strtoull(m, NULL, 10);
			json_decref(v);
		}
	}
	qsort(lat, got, sizeof lat[0], cmp_u64);
	printf("%-12s %zu frames at %d/s: p50 %6.3f ms  p99 %6.3f ms  max "
	    "%6.3f ms\n", label, got, RATE, lat[got / 2] / 1000.0,
	    lat[got * 99 / 100] / 1000.0, lat[got ? got - 1 : 0] / 1000.0);
	close(sfd);
	i3_reader_free(r);
}

/* user+system time of a child so far, from /proc, in microseconds */
static double
cpu_us(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut = 0, st = 0;
	FILE		*fp;
	int		 i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof buf, fp) == NULL || (p = strrchr(buf, ')'))
	    == NULL) {
		fclose(fp);
		return (0);
	}
	fclose(fp);
	for (i = 0; i < 11 && p != NULL; i++)	/* to field 14, utime */
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lu %lu", &ut, &st) != 2)
		return (0);
	return ((double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK));
}

int
main(void)
{
	struct proc	 tap;
	char		 up[64], on[64], bin[4096];
	const char	*top = getenv("I3_TOP");
	int		 lfd, port, tport, cfd, t;

	log_init("bench-tap", 0);
	signal(SIGPIPE, SIG_IGN);
	printf("target: the tap adds < 1 ms per frame (p99) at 1,000 "
	    "frames/s; reference: the same client straight to the sink\n");
	lfd = listen_any(&port);

	cfd = connect_to(port, 1);
	run("direct", lfd, cfd);
	close(cfd);

	t = listen_any(&tport);		/* a free port for the tap */
	close(t);
	snprintf(up, sizeof up, "127.0.0.1:%d", port);
	snprintf(on, sizeof on, "127.0.0.1:%d", tport);
	snprintf(bin, sizeof bin, "%s/bin/i3codec", top ? top : ".");
	{
		char *argv[] = { bin, "tap", "-l", on, "-o", "/dev/null", up,
		    NULL };

		spawn(&tap, argv, 0);
	}
	cfd = connect_to(tport, 100);
	run("through tap", lfd, cfd);
	close(cfd);
	printf("tap CPU: %.1f us a frame (user+system, whatever the load)\n",
	    cpu_us(tap.pid) / (RATE * SECONDS));
	kill(tap.pid, SIGTERM);
	stop(&tap);
	close(lfd);
	return (0);
}
