/*
 * codec.c: benchmark of libi3's LPC decoder, encoder and reader over a
 * realistic corpus, beside jansson parsing and dumping the same values.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i3.h"
#include "corpus.h"

#define MIN_SECONDS	0.7

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

struct item {
	char	*lpc;
	size_t	 lpclen;
	char	*json;
	size_t	 jsonlen;
};

static void
line(const char *what, double bytes, double packets, double secs,
    const char *target)
{
	printf("  %-30s %9.1f MB/s %11.0f packets/s   %s\n", what,
	    bytes / secs / 1e6, packets / secs, target);
}

int
main(void)
{
	json_t		*corpus = corpus_make(42, 50000), *v;
	size_t		 n = json_array_size(corpus), i, total = 0, jtotal = 0;
	struct item	*it = calloc(n, sizeof *it);
	i3_buf		 stream, out;
	double		 t0, secs;
	size_t		 rounds, done;
	i3_error	 e;

	i3_buf_init(&stream);
	i3_buf_init(&out);
	for (i = 0; i < n; i++) {
		v = json_array_get(corpus, i);
		it[i].lpc = i3_lpc_encode(v, 0, &it[i].lpclen, &e);
		if (it[i].lpc == NULL) {
			fprintf(stderr, "corpus packet %zu: %s\n", i, e.text);
			return (1);
		}
		it[i].json = json_dumps(v, JSON_COMPACT);
		it[i].jsonlen = strlen(it[i].json);
		total += it[i].lpclen;
		jtotal += it[i].jsonlen;
		i3_frame_buf(&stream, v, 0, NULL);
	}
	printf("corpus: %zu packets, %.1f MB of LPC text, %.1f MB as JSON, "
	    "%.1f MB framed\n", n, total / 1e6, jtotal / 1e6,
	    stream.len / 1e6);

	/* LPC text -> json_t */
	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			v = i3_lpc_decode(it[i].lpc, it[i].lpclen, 0, NULL,
			    NULL);
			json_decref(v);
		}
		rounds++;
	} while ((secs = now() - t0) < MIN_SECONDS);
	line("decode LPC -> json_t", (double)total * rounds,
	    (double)n * rounds, secs, "(target >= 100 MB/s)");

	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			v = json_loadb(it[i].json, it[i].jsonlen, 0, NULL);
			json_decref(v);
		}
		rounds++;
	} while ((secs = now() - t0) < MIN_SECONDS);
	line("  reference: jansson loads", (double)jtotal * rounds,
	    (double)n * rounds, secs, "(same values as JSON text)");

	/* json_t -> LPC text */
	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			out.len = 0;
			i3_lpc_encode_buf(&out, json_array_get(corpus, i), 0,
			    NULL);
		}
		rounds++;
	} while ((secs = now() - t0) < MIN_SECONDS);
	line("encode json_t -> LPC", (double)total * rounds,
	    (double)n * rounds, secs, "(target >= 200 MB/s)");

	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			char *s = json_dumps(json_array_get(corpus, i),
			    JSON_COMPACT);

			free(s);
		}
		rounds++;
	} while ((secs = now() - t0) < MIN_SECONDS);
	line("  reference: jansson dumps", (double)jtotal * rounds,
	    (double)n * rounds, secs, "(same values as JSON text)");

	/* The reader's framing alone, fed in 64 KiB chunks. */
	rounds = 0;
	t0 = now();
	do {
		i3_reader	*r = i3_reader_new(NULL);
		const char	*p;
		size_t		 plen, off = 0, chunk;

		done = 0;
		while (off < stream.len) {
			chunk = stream.len - off < 65536 ? stream.len - off :
			    65536;
			i3_reader_feed(r, stream.data + off, chunk, NULL);
			off += chunk;
			while (i3_reader_next_frame(r, &p, &plen, NULL) == 1)
				done++;
		}
		i3_reader_free(r);
		if (done != n) {
			fprintf(stderr, "reader: %zu frames of %zu\n", done,
			    n);
			return (1);
		}
		rounds++;
	} while ((secs = now() - t0) < MIN_SECONDS);
	line("reader framing alone", (double)stream.len * rounds,
	    (double)n * rounds, secs, "(target >= 1000 MB/s)");

	/* The reader with decoding: what a gateway does per packet. */
	rounds = 0;
	t0 = now();
	do {
		i3_reader	*r = i3_reader_new(NULL);
		size_t		 off = 0, chunk;

		while (off < stream.len) {
			chunk = stream.len - off < 65536 ? stream.len - off :
			    65536;
			i3_reader_feed(r, stream.data + off, chunk, NULL);
			off += chunk;
			while (i3_reader_next(r, &v, NULL) == 1)
				json_decref(v);
		}
		i3_reader_free(r);
		rounds++;
	} while ((secs = now() - t0) < MIN_SECONDS);
	line("reader + decode", (double)stream.len * rounds,
	    (double)n * rounds, secs, "");

	for (i = 0; i < n; i++) {
		free(it[i].lpc);
		free(it[i].json);
	}
	free(it);
	i3_buf_free(&stream);
	i3_buf_free(&out);
	json_decref(corpus);
	return (0);
}
