/*
 * fuzz-tap.c: libFuzzer target for the analysis of "i3codec tap": bytes
 * in both directions, in chunks, cut into frames and checked; then the
 * connection closes (mid-frame findings).  Whatever the bytes, nothing
 * may crash, leak or read out of bounds.  The first byte of the input
 * chooses the chunk size; each chunk's direction alternates.
 */

#include "../../i3codec/tap.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tap_conn	*c;
	size_t		 chunk, off = 1, n;
	int		 dir = 0;

	if (size < 1)
		return (0);
	if (logf_ == NULL) {
		logf_ = fopen("/dev/null", "w");
		T.rate = 3;
		T.max_line = 256;
		T.max_clients = 1;
		T.lim.max_frame = 4096;
		upstream_name = "fuzz";
	}
	chunk = 1 + data[0] % 64;
	c = xcalloc(1, sizeof *c);
	c->id = next_id++;
	c->fd[0] = c->fd[1] = -1;
	c->next = conns;
	conns = c;
	nconns++;
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		tap_take(c, dir, data + off, n);
		off += n;
		dir = !dir;
	}
	conn_close(c, "fuzz");
	return (0);
}
