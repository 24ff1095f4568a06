/*
 * fuzz-lpc.c: libFuzzer target for the LPC decoder; whatever decodes must
 * encode, decode again to an equal value, and encode to the same bytes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	i3_limits	 lim = { 0, 64, 4096 };
	json_t		*v, *w;
	char		*s, *s2;
	size_t		 n, n2;

	v = i3_lpc_decode((const char *)data, size, 0, &lim, NULL);
	if (v == NULL)
		return (0);
	s = i3_lpc_encode(v, I3_ENC_FLOATS, &n, NULL);
	if (s == NULL) {
		/* Only NUL-free strings and finite numbers come out. */
		abort();
	}
	w = i3_lpc_decode(s, n, 0, &lim, NULL);
	if (w == NULL)
		abort();
	s2 = i3_lpc_encode(w, I3_ENC_FLOATS, &n2, NULL);
	if (s2 == NULL || (!json_is_real(v) && (n != n2 ||
	    memcmp(s, s2, n) != 0)))
		abort();
	free(s);
	free(s2);
	json_decref(v);
	json_decref(w);
	return (0);
}
