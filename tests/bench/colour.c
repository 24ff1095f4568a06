/* colour.c: benchmark of Pinkfish -> ANSI rendering over realistic chat texts. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i3.h"

#define NTEXTS		20000
#define MIN_SECONDS	0.5
#define ROUNDS		5	/* the fastest round counts: the host is shared */
#define TARGET_MBS	300.0

struct text {
	char	*s;
	size_t	 len;
};

static unsigned long long rng = 0x1234abcdULL;

static unsigned int	 rnd(void);
static double		 now(void);
static void		 add(char *, size_t *, size_t, const char *);
static void		 make_text(struct text *);
static double		 run_render(const struct text *, size_t, size_t);
static double		 run_reference(const struct text *, size_t, size_t,
			    char *);

static const char *const words[] = {
	"hello", "anyone", "around", "tonight", "the", "dragon", "is", "back",
	"reboot", "in", "five", "minutes", "lag", "again", "who", "knows",
	"where", "quest", "sword", "newbie", "help", "thanks", "mudlib",
	"driver", "fixed", "that", "bug", "gold", "level", "builder", "area",
	"I3", "router", "channel", "intermud", "grats", "lol", "brb", "afk",
	"caf\xc3\xa9", "na\xc3\xafve", "\xc3\xbc" "ber", "\xe6\x97\xa5\xe6\x9c\xac",
	"\xe2\x9c\x93", "r\xc3\xa9sum\xc3\xa9", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2"
	"\xd0\xb5\xd1\x82",
};
#define NWORDS	(sizeof words / sizeof words[0])

static const char *const codes[] = {
	"%^RED%^", "%^BOLD%^%^GREEN%^", "%^YELLOW%^", "%^CYAN%^",
	"%^BOLD%^RED%^", "%^B_BLUE%^%^WHITE%^", "%^MAGENTA%^", "%^ORANGE%^",
	"%^BOLD%^", "%^LIGHTBLUE%^", "%^FLASH%^%^RED%^", "%^UNDERLINE%^",
};
#define NCODES	(sizeof codes / sizeof codes[0])

static unsigned int
rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((unsigned int)(rng >> 33));
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
add(char *buf, size_t *len, size_t size, const char *s)
{
	size_t	 n = strlen(s);

	if (*len + n < size) {
		memcpy(buf + *len, s, n);
		*len += n;
	}
}

/* A channel line, a tell or an emote: 3 to 40 words, 30% with colour. */
static void
make_text(struct text *t)
{
	char	 buf[1024];
	size_t	 len = 0, i, nw = 3 + rnd() % 38;
	int	 colour = rnd() % 10 < 3;

	if (rnd() % 8 == 0)
		add(buf, &len, sizeof buf, "$N ");
	for (i = 0; i < nw; i++) {
		if (colour && rnd() % 5 == 0)
			add(buf, &len, sizeof buf, codes[rnd() % NCODES]);
		add(buf, &len, sizeof buf, words[rnd() % NWORDS]);
		if (colour && rnd() % 6 == 0)
			add(buf, &len, sizeof buf, "%^RESET%^");
		if (i + 1 < nw)
			add(buf, &len, sizeof buf, rnd() % 12 == 0 ? ", " : " ");
	}
	add(buf, &len, sizeof buf, rnd() % 3 == 0 ? "!" : ".");
	if (colour)
		add(buf, &len, sizeof buf, "%^RESET%^");
	t->s = malloc(len + 1);
	if (t->s == NULL) {
		perror("malloc");
		exit(1);
	}
	memcpy(t->s, buf, len);
	t->s[len] = '\0';
	t->len = len;
}

/* Seconds per pass of i3_colour_render() over every text. */
static double
run_render(const struct text *tx, size_t n, size_t iters)
{
	double	 t0;
	size_t	 it, i, outlen;
	char	*out;

	t0 = now();
	for (it = 0; it < iters; it++) {
		for (i = 0; i < n; i++) {
			out = i3_colour_render(tx[i].s, tx[i].len,
			    I3_COLOUR_ANSI, &outlen, NULL);
			if (out == NULL) {
				fprintf(stderr, "render failed\n");
				exit(1);
			}
			free(out);
		}
	}
	return ((now() - t0) / (double)iters);
}

/* The reference: malloc + memcpy + free of the same texts. */
static double
run_reference(const struct text *tx, size_t n, size_t iters, char *sink)
{
	double	 t0;
	size_t	 it, i;
	char	*out;

	t0 = now();
	for (it = 0; it < iters; it++) {
		for (i = 0; i < n; i++) {
			if ((out = malloc(tx[i].len + 1)) == NULL)
				exit(1);
			memcpy(out, tx[i].s, tx[i].len + 1);
			*sink ^= out[tx[i].len / 2];
			free(out);
		}
	}
	return ((now() - t0) / (double)iters);
}

int
main(void)
{
	struct text	*tx;
	size_t		 i, bytes = 0, iters;
	double		 per, ref, mb, t;
	char		 sink = 0;
	int		 r;

	if ((tx = calloc(NTEXTS, sizeof *tx)) == NULL)
		return (1);
	for (i = 0; i < NTEXTS; i++) {
		make_text(&tx[i]);
		bytes += tx[i].len;
	}
	mb = (double)bytes / 1e6;

	/* Calibrate: ROUNDS rounds of passes, MIN_SECONDS in all. */
	per = run_render(tx, NTEXTS, 1);
	iters = (size_t)(MIN_SECONDS / ROUNDS / (per > 1e-6 ? per : 1e-6)) + 1;
	per = ref = 1e9;
	for (r = 0; r < ROUNDS; r++) {
		t = run_render(tx, NTEXTS, iters);
		if (t < per)
			per = t;
		t = run_reference(tx, NTEXTS, iters, &sink);
		if (t < ref)
			ref = t;
	}

	printf("corpus  %d texts, %.2f MB, avg %zu bytes, ~30%% with "
	    "Pinkfish, some UTF-8\n", NTEXTS, mb, bytes / NTEXTS);
	printf("colour  pinkfish->ansi  %7.0f MB/s  (target >= %.0f MB/s)"
	    "  best of %d rounds of %zu passes\n", mb / per, TARGET_MBS,
	    ROUNDS, iters);
	printf("colour  reference       %7.0f MB/s  (malloc+memcpy+free of "
	    "the same texts)%s\n", mb / ref, sink == 42 ? " " : "");
	for (i = 0; i < NTEXTS; i++)
		free(tx[i].s);
	free(tx);
	return (0);
}
