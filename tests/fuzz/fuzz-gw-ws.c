/*
 * fuzz-gw-ws.c: libFuzzer target for the WebSocket frame path of i3gw's
 * ws.c: a client attached as after the upgrade (its output to /dev/null),
 * the input fed as if read from its socket, in chunks whose size comes
 * from the first byte (bit 7: the key came on the upgrade): frames through
 * libwslay, messages through rpc_line(), replies, pings, closes.
 */

#include <fcntl.h>

#include "fuzz-gw.h"

static const char fuzz_conf[] =
    "[mud]\nname = Fuzz\n"
    "[router *test]\nhost = 127.0.0.1\nport = 1\n"
    "[api]\nsocket = none\nauth_delay = 0\nws_max_message = 4096\n"
    "[key bot]\n"
    "hash = sha256:c500106023716fc2293e93d36ba614da4e6a5f266f7bb41bfec6239556af8e47\n"
    "permissions = tell, info\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 devnull = -1;
	struct client	*cl;
	size_t		 chunk, off, n;
	int		 id, alive;

	fuzz_gw_init(fuzz_conf, 0);
	if (devnull == -1 && (devnull = open("/dev/null", O_RDWR)) == -1)
		abort();
	if (size < 1)
		return (0);
	chunk = (data[0] & 0x3f) + 1;
	cl = ws_attach(dup(devnull), NULL, (data[0] & 0x80) &&
	    api->nkeys > 0 ? &api->keys[0] : NULL, NULL);
	id = cl->id;
	for (off = 1; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		/* The client may be gone: a close, an error. */
		alive = 0;
		TAILQ_FOREACH(cl, &clients, entry) {
			if (cl->id == id) {
				alive = 1;
				break;
			}
		}
		if (!alive)
			break;
		ws_input(cl, (const char *)data + off, n);
	}
	conn_flush_all();
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->id == id) {
			if (!session_client_gone(cl))
				client_free(cl);
			break;
		}
	}
	fuzz_gw_settle();
	return (0);
}
