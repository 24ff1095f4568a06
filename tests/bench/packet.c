/*
 * packet.c: benchmark of the packet schema: raw -> named and named -> raw
 * over the corpus, beside LPC decoding of the same packets; and what jansson
 * alone takes for the same objects and arrays (the floor under both).
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
#define FLOOR_KEYS	128

enum op { OP_DECODE, OP_NAMED, OP_RAW, OP_FLOOR_NAMED, OP_FLOOR_RAW };

/*
 * For the floors: each packet's top-level keys (those i3_packet_named()
 * gives it, in its order) as indexes into one table of the names.
 */
static const char	*fkey[FLOOR_KEYS];
static size_t		 fkeylen[FLOOR_KEYS], nfkeys;
static unsigned char	**fidx;
static size_t		*nfidx;

static double	secs(clockid_t);
static void	floor_named(const json_t *, size_t);
static void	floor_raw(json_t *);
static double	timed(enum op, json_t *, char **, size_t *, json_t **,
		    size_t);
static void	line(const char *, double, double, const char *);
static int	floor_keys(json_t **, size_t);

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
			case OP_FLOOR_NAMED:
				floor_named(json_array_get(corpus, i), i);
				break;
			case OP_FLOOR_RAW:
				floor_raw(named[i]);
				break;
			}
		}
		passes++;
	} while ((t = secs(CLOCK_PROCESS_CPUTIME_ID) - t0) <
	    ROUND_SECONDS);
	return (t / (double)passes);
}

/*
 * jansson alone, raw -> named: an object of the packet's keys, set by
 * length, each value the raw element at its place; nothing checked, nested
 * entries (who_data, mudlist) not rebuilt.
 */
static void
floor_named(const json_t *raw, size_t i)
{
	json_t		*o = json_object();
	size_t		 j;
	unsigned char	 k;

	for (j = 0; j < nfidx[i]; j++) {
		k = fidx[i][j];
		json_object_setn_nocheck(o, fkey[k], fkeylen[k],
		    json_array_get(raw, j));
	}
	json_decref(o);
}

/* jansson alone, named -> raw: an array of the object's values in order. */
static void
floor_raw(json_t *named)
{
	json_t	*a = json_array();
	void	*it;

	for (it = json_object_iter(named); it != NULL;
	    it = json_object_iter_next(named, it))
		json_array_append(a, json_object_iter_value(it));
	json_decref(a);
}

/* Fill fkey[] and fidx[] from the named packets; -1 when too many keys. */
static int
floor_keys(json_t **named, size_t n)
{
	const char	*key;
	size_t		 i, j, k, len;
	void		*it;

	fidx = calloc(n, sizeof *fidx);
	nfidx = calloc(n, sizeof *nfidx);
	if (fidx == NULL || nfidx == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((fidx[i] = malloc(json_object_size(named[i]))) == NULL)
			return (-1);
		j = 0;
		for (it = json_object_iter(named[i]); it != NULL;
		    it = json_object_iter_next(named[i], it)) {
			key = json_object_iter_key(it);
			len = json_object_iter_key_len(it);
			for (k = 0; k < nfkeys; k++) {
				if (fkeylen[k] == len &&
				    memcmp(fkey[k], key, len) == 0)
					break;
			}
			if (k == nfkeys) {
				if (nfkeys == FLOOR_KEYS ||
				    (fkey[k] = strdup(key)) == NULL)
					return (-1);
				fkeylen[nfkeys++] = len;
			}
			fidx[i][j++] = (unsigned char)k;
		}
		nfidx[i] = j;
	}
	return (0);
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
	double		 t0, t, tdec, tnamed, traw, tfn, tfr;
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

	/*
	 * The floor: what jansson alone takes to make the same top-level
	 * objects and arrays (measured the same way, after the figures above
	 * so that their rounds are as they were).  What the conversions take
	 * above it is theirs; the floor itself is not theirs to lower.
	 */
	if (floor_keys(named, n) == -1) {
		fprintf(stderr, "floor: out of memory or too many keys\n");
		return (1);
	}
	tfn = tfr = 0;
	for (k = 0; k < ROUNDS; k++) {
		t = timed(OP_FLOOR_NAMED, corpus, lpc, len, named, n);
		tfn = k == 0 || t < tfn ? t : tfn;
		t = timed(OP_FLOOR_RAW, corpus, lpc, len, named, n);
		tfr = k == 0 || t < tfr ? t : tfr;
	}
	snprintf(target, sizeof target, "%+.0f%% on top of decoding "
	    "(jansson alone, the top-level object)", 100.0 * tfn / tdec);
	line("floor: raw -> named", (double)n, tfn, target);
	snprintf(target, sizeof target, "%+.0f%% on top of decoding "
	    "(jansson alone, the top-level array)", 100.0 * tfr / tdec);
	line("floor: named -> raw", (double)n, tfr, target);

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
		free(fidx[i]);
		json_decref(named[i]);
	}
	for (k = 0; k < nfkeys; k++)
		free((char *)fkey[k]);
	free(fidx);
	free(nfidx);
	free(lpc);
	free(len);
	free(named);
	json_decref(corpus);
	return (0);
}
