/*
 * fuzz-reader.c: libFuzzer target for the streaming reader; the input is
 * fed in chunks whose sizes come from its first byte, and the values must
 * not depend on how the stream was split.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
run(const uint8_t *data, size_t size, size_t chunk, json_t *out)
{
	i3_limits	 lim = { 65536, 32, 1024 };
	i3_reader	*r = i3_reader_new(&lim);
	json_t		*v;
	size_t		 off = 0, n;
	int		 rc;

	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		if (i3_reader_feed(r, data + off, n, NULL) == -1)
			break;
		off += n;
		while ((rc = i3_reader_next(r, &v, NULL)) != 0) {
			if (rc == 1)
				json_array_append_new(out, v);
			else if (i3_reader_failed(r))
				break;
			else
				json_array_append_new(out, json_null());
		}
		if (i3_reader_failed(r))
			break;
	}
	rc = i3_reader_failed(r);
	i3_reader_free(r);
	return (rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*a, *b;
	size_t	 chunk;

	if (size < 1)
		return (0);
	chunk = (size_t)data[0] % 17 + 1;
	a = json_array();
	b = json_array();
	run(data + 1, size - 1, size, a);
	run(data + 1, size - 1, chunk, b);
	if (!json_equal(a, b))
		abort();
	json_decref(a);
	json_decref(b);
	return (0);
}
