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
#define ROUNDS		5
#define ROUND_SECONDS	0.15

enum op { OP_DECODE, OP_NAMED, OP_RAW };

static double	secs(clockid_t);
static double	timed(enum op, json_t *, char **, size_t *, json_t **,
		    size_t);
static void	line(const char *, double, double, const char *);

/* Seconds on a clock: CLOCK_MONOTONIC, or the process's CPU time. */
static double
secs(clockid_t clock)
{
	struct timespec	ts;

	clock_gettime(clock, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* CPU seconds of one pass of op over the corpus (passes for ROUND_SECONDS). */
static double
timed(enum op op, json_t *corpus, char **lpc, size_t *len, json_t **named,
    size_t n)
{
	size_t	i, passes = 0;
	double	t0 = secs(CLOCK_PROCESS_CPUTIME_ID), t;

	do {
		for (i = 0; i < n; i++) {
			switch (op) {
			case OP_DECODE:
				json_decref(i3_lpc_decode(lpc[i], len[i], 0,
				    NULL, NULL));
				break;
			case OP_NAMED:
				json_decref(i3_packet_named(json_array_get(
				    corpus, i), I3_PKT_LENIENT, NULL, NULL));
				break;
			case OP_RAW:
				json_decref(i3_packet_raw(named[i],
				    I3_PKT_LENIENT, NULL));
				break;
			}
		}
		passes++;
	} while ((t = secs(CLOCK_PROCESS_CPUTIME_ID) - t0) <
	    ROUND_SECONDS);
	return (t / (double)passes);
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
	size_t		 n = json_array_size(corpus), i, k, rounds;
	size_t		 warned = 0;
	char		**lpc, *a, *b;
	size_t		*len;
	double		 t0, t, tdec, tnamed, traw;
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

	/*
	 * LPC text -> raw json_t: the cost conversion is measured against.
	 * The three are timed in turns, best of ROUNDS, in CPU time: on a
	 * shared machine what another process takes would otherwise land on
	 * whichever was running, and the ratios would be the noise's.
	 */
	tdec = tnamed = traw = 0;
	for (k = 0; k < ROUNDS; k++) {
		t = timed(OP_DECODE, corpus, lpc, len, named, n);
		tdec = k == 0 || t < tdec ? t : tdec;
		t = timed(OP_NAMED, corpus, lpc, len, named, n);
		tnamed = k == 0 || t < tnamed ? t : tnamed;
		t = timed(OP_RAW, corpus, lpc, len, named, n);
		traw = k == 0 || t < traw ? t : traw;
	}
	line("decode LPC -> raw", (double)n, tdec, "(reference)");
	snprintf(target, sizeof target, "%+.0f%% on top of decoding "
	    "(target <= +50%%: %s)", 100.0 * tnamed / tdec,
	    tnamed <= tdec / 2 ? "met" : "NOT met");
	line("raw -> named", (double)n, tnamed, target);
	snprintf(target, sizeof target, "%+.0f%% on top of decoding "
	    "(target <= +50%%: %s)", 100.0 * traw / tdec,
	    traw <= tdec / 2 ? "met" : "NOT met");
	line("named -> raw", (double)n, traw, target);

	rounds = 0;
	t0 = secs(CLOCK_MONOTONIC);
	do {
		for (i = 0; i < n; i++)
			i3_packet_validate(json_array_get(corpus, i),
			    I3_PKT_STRICT, NULL, NULL);
		rounds++;
	} while (secs(CLOCK_MONOTONIC) - t0 < MIN_SECONDS);
	line("validate strict", (double)n, (secs(CLOCK_MONOTONIC) - t0) /
	    (double)rounds, "");

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
