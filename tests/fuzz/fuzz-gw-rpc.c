/*
 * fuzz-gw-rpc.c: libFuzzer target for a JSON-RPC line through the whole
 * dispatch: parse, gate (keys, permissions, rate limits), the method, its
 * answer, session and subscription state, with no router (the link idle).
 * The first byte picks the client: bit 0 trusted (the MUD's own), bit 1
 * authenticated with a key of tell and info permissions first; the rest
 * is lines, each given to rpc_line() as a connection would.
 */

#include <fcntl.h>

#include "fuzz-gw.h"

static const char fuzz_conf[] =
    "[mud]\nname = Fuzz\n"
    "[router *test]\nhost = 127.0.0.1\nport = 1\n"
    "[api]\nsocket = none\nauth_delay = 0\n"
    "[key bot]\n"
    "hash = sha256:c500106023716fc2293e93d36ba614da4e6a5f266f7bb41bfec6239556af8e47\n"
    "permissions = tell, info\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 devnull = -1;
	struct client	*cl;
	const char	*line, *end, *nl;
	static const char auth[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":"
	    "\"authenticate\",\"params\":{\"key\":\"fuzzkey\"}}";

	fuzz_gw_init(fuzz_conf, 0);
	if (devnull == -1 && (devnull = open("/dev/null", O_WRONLY)) == -1)
		abort();
	if (size < 1)
		return (0);
	cl = client_new(-1, dup(devnull), CLIENT_UNIX);
	session_new(cl);
	cl->trusted = data[0] & 1;
	if (data[0] & 2)
		rpc_line(cl, auth, sizeof auth - 1, 0);
	line = (const char *)data + 1;
	end = (const char *)data + size;
	while (line < end) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		if ((size_t)(nl - line) > gw.conf->max_line)
			rpc_line(cl, line, gw.conf->max_line, CONN_TOOLONG);
		else
			rpc_line(cl, line, nl - line, 0);
		line = nl + 1;
	}
	conn_flush_all();
	/* The connection ends: what a kept session leaves stays, bounded. */
	if (!session_client_gone(cl))
		client_free(cl);
	fuzz_gw_settle();
	return (0);
}
