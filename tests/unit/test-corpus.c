/*
 * test-corpus.c: the benchmark corpus (tests/bench/corpus.h: a 200-MUD
 * mudlist, a 170-channel chanlist, 50,000 mixed packets) goes through
 * LPC -> raw -> named -> raw -> LPC and framed -> reader -> raw, byte for
 * byte, with no packet rejected and none warned about.
 */

#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "t.h"
#include "../bench/corpus.h"

int
main(void)
{
	json_t		*corpus = corpus_make(42, 50000), *v, *raw, *named, *w;
	json_t		*back, *warn;
	size_t		 n = json_array_size(corpus), i, len, blen;
	size_t		 bad_decode = 0, bad_named = 0, bad_raw = 0, warned = 0;
	size_t		 bad_reader = 0, frames = 0;
	char		*lpc, *again;
	i3_buf		 stream;
	i3_reader	*r;
	i3_error	 e;
	int		 rc;

	T_OK(n == 50000, "corpus of 50000 packets (%zu)", n);
	i3_buf_init(&stream);
	for (i = 0; i < n; i++) {
		v = json_array_get(corpus, i);
		lpc = i3_lpc_encode(v, 0, &len, &e);
		raw = lpc ? i3_lpc_decode(lpc, len, I3_DEC_STRICT, NULL, &e) :
		    NULL;
		if (raw == NULL || !json_equal(raw, v)) {
			bad_decode++;
			goto next;
		}
		warn = NULL;
		named = i3_packet_named(raw, I3_PKT_LENIENT, &warn, &e);
		if (warn != NULL)
			warned++;
		json_decref(warn);
		if (named == NULL) {
			bad_named++;
			goto next;
		}
		back = i3_packet_raw(named, I3_PKT_LENIENT, &e);
		again = back ? i3_lpc_encode(back, 0, &blen, &e) : NULL;
		if (again == NULL || blen != len || memcmp(again, lpc, len))
			bad_raw++;
		free(again);
		json_decref(back);
		json_decref(named);
		i3_frame_buf(&stream, raw, 0, NULL);
next:
		json_decref(raw);
		free(lpc);
	}
	T_OK(bad_decode == 0, "LPC round trip: %zu packets differ",
	    bad_decode);
	T_OK(bad_named == 0, "raw -> named: %zu packets refused", bad_named);
	T_OK(bad_raw == 0, "named -> raw -> LPC: %zu packets not byte-exact",
	    bad_raw);
	T_OK(warned == 0, "%zu packets with warnings", warned);

	/* The whole stream through the reader in odd-sized pieces. */
	r = i3_reader_new(NULL);
	for (i = 0; i < stream.len; i += 4093) {
		len = stream.len - i < 4093 ? stream.len - i : 4093;
		if (i3_reader_feed(r, stream.data + i, len, &e) == -1)
			break;
		while ((rc = i3_reader_next(r, &w, &e)) == 1) {
			if (!json_equal(w, json_array_get(corpus, frames)))
				bad_reader++;
			frames++;
			json_decref(w);
		}
		if (rc == -1)
			break;
	}
	T_OK(frames == n && bad_reader == 0 && i3_reader_pending(r) == 0,
	    "reader: %zu of %zu frames, %zu differ", frames, n, bad_reader);
	i3_reader_free(r);
	i3_buf_free(&stream);
	json_decref(corpus);
	return (T_DONE());
}
