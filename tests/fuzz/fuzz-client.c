/*
 * fuzz-client.c: libFuzzer target for the client library's line parser:
 * a client attached to one end of a socketpair, with calls waiting and a
 * handler for every event, reads what the fuzzer writes to the other end
 * as a gateway's output (answers, notifications, garbage, long lines).
 */

#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t	 events, answers;

static void
on_event(i3_client *c, const char *event, const json_t *params, void *arg)
{
	if (event == NULL)
		abort();
	events++;
}

static void
on_result(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	answers++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	i3_client_opts	 o;
	i3_client	*c;
	char		 h[128];
	int		 sv[2], i;
	size_t		 off = 0;
	ssize_t		 n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (0);
	/* i3c1:KIND(none):rfd:wfd:pid:next id:skipping */
	snprintf(h, sizeof h, "i3c1:3:%d:%d:-1:1:0", sv[0], sv[0]);
	memset(&o, 0, sizeof o);
	o.max_line = 4096;
	o.no_reconnect = 1;
	if ((c = i3_client_attach(h, NULL, NULL, &o, NULL)) == NULL) {
		close(sv[0]);
		close(sv[1]);
		return (0);
	}
	i3_client_on(c, "*", on_event, NULL);
	i3_client_on(c, "tell_received", on_event, NULL);
	for (i = 0; i < 3; i++)
		(void)i3_client_ping(c, on_result, NULL);
	while (off < size) {
		n = write(sv[1], data + off, size - off > 65536 ? 65536 :
		    size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
		if (i3_client_poll(c, 0) == -1)
			break;
	}
	shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 4; i++) {
		if (i3_client_poll(c, 0) == -1)
			break;
	}
	i3_client_free(c);
	close(sv[1]);
	return (0);
}
