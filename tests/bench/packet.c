/*
 * packet.c: benchmark of the packet schema: raw -> named and named -> raw
 * over the corpus, beside LPC decoding of the same packets.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i3.h"
#include "corpus.h"

#define MIN_SECONDS	0.7

static double	now(void);
static void	line(const char *, double, double, const char *);

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
line(const char *what, double packets, double secs, const char *target)
{
	printf("  %-30s %11.0f packets/s   %s\n", what, packets / secs,
	    target);
}

int
main(void)
{
	json_t		*corpus = corpus_make(42, 50000), *v, **named;
	size_t		 n = json_array_size(corpus), i, rounds, warned = 0;
	char		**lpc, *a, *b;
	size_t		*len;
	double		 t0, tdec, tnamed, traw;
	char		 target[128];
	i3_error	 e;
	json_t		*w;

	lpc = calloc(n, sizeof *lpc);
	len = calloc(n, sizeof *len);
	named = calloc(n, sizeof *named);
	for (i = 0; i < n; i++) {
		v = json_array_get(corpus, i);
		lpc[i] = i3_lpc_encode(v, 0, &len[i], &e);
		named[i] = i3_packet_named(v, I3_PKT_LENIENT, &w, &e);
		if (lpc[i] == NULL || named[i] == NULL) {
			fprintf(stderr, "corpus packet %zu: %s\n", i, e.text);
			return (1);
		}
		if (w != NULL)
			warned++;
		json_decref(w);
		/* The round trip is exact over the whole corpus. */
		v = i3_packet_raw(named[i], I3_PKT_LENIENT, &e);
		a = v != NULL ? i3_lpc_encode(v, 0, NULL, NULL) : NULL;
		b = lpc[i];
		if (a == NULL || strcmp(a, b) != 0) {
			fprintf(stderr, "corpus packet %zu: round trip\n", i);
			return (1);
		}
		free(a);
		json_decref(v);
	}
	printf("corpus: %zu packets (%zu with warnings), round trip exact\n",
	    n, warned);

	/* LPC text -> raw json_t: the cost conversion is measured against. */
	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			json_decref(i3_lpc_decode(lpc[i], len[i], 0, NULL,
			    NULL));
		rounds++;
	} while (now() - t0 < MIN_SECONDS);
	tdec = (now() - t0) / (double)rounds;
	line("decode LPC -> raw", (double)n, tdec, "(reference)");

	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			json_decref(i3_packet_named(json_array_get(corpus, i),
			    I3_PKT_LENIENT, NULL, NULL));
		rounds++;
	} while (now() - t0 < MIN_SECONDS);
	tnamed = (now() - t0) / (double)rounds;
	snprintf(target, sizeof target, "%+.0f%% on top of decoding "
	    "(target <= 50%%)", 100.0 * tnamed / tdec);
	line("raw -> named", (double)n, tnamed, target);

	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			json_decref(i3_packet_raw(named[i], I3_PKT_LENIENT,
			    NULL));
		rounds++;
	} while (now() - t0 < MIN_SECONDS);
	traw = (now() - t0) / (double)rounds;
	snprintf(target, sizeof target, "%+.0f%% on top of decoding "
	    "(target <= 50%%)", 100.0 * traw / tdec);
	line("named -> raw", (double)n, traw, target);

	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			i3_packet_validate(json_array_get(corpus, i),
			    I3_PKT_STRICT, NULL, NULL);
		rounds++;
	} while (now() - t0 < MIN_SECONDS);
	line("validate strict", (double)n, (now() - t0) / (double)rounds, "");

	for (i = 0; i < n; i++) {
		free(lpc[i]);
		json_decref(named[i]);
	}
	free(lpc);
	free(len);
	free(named);
	json_decref(corpus);
	return (0);
}
