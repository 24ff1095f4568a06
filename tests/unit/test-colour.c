/* test-colour.c: Pinkfish colour vectors (tests/vectors/colour.vec) and API checks. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "t.h"

#define VEC_FILE	"tests/vectors/colour.vec"
#define MAXKEYS		32

struct kv {
	char	*key;
	char	*val;
	size_t	 len;
	int	 line;
};

static size_t	 unescape(char *);
static char	*show(const char *, size_t);
static const struct kv *find(const struct kv *, int, const char *);
static void	 check_render(const struct kv *, int);
static void	 check_group(const struct kv *, int);
static int	 run_vectors(const char *);
static void	 check_api(void);
static void	 check_random(void);

/* Decode \e \t \n \r \\ \s \xHH in place; returns the length. */
static size_t
unescape(char *s)
{
	char		*o = s, *start = s;
	unsigned int	 x;

	while (*s != '\0') {
		if (*s != '\\' || s[1] == '\0') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'e':
			*o++ = '\033';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 's':
			*o++ = ' ';
			break;
		case 'x':
			if (sscanf(s + 1, "%2x", &x) == 1) {
				*o++ = (char)x;
				s += 2;
			}
			break;
		default:
			*o++ = *s;
			break;
		}
		s++;
	}
	*o = '\0';
	return ((size_t)(o - start));
}

/* A printable copy for failure messages (static, overwritten). */
static char *
show(const char *s, size_t n)
{
	static char	 buf[4][2048];
	static int	 k;
	char		*o = buf[k = (k + 1) % 4], *e = o + sizeof buf[0] - 8;
	size_t		 i;

	if (s == NULL)
		return ((char *)"(null)");
	for (i = 0; i < n && o < e; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\033')
			o += sprintf(o, "\\e");
		else if (c == '\t')
			o += sprintf(o, "\\t");
		else if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	return (buf[k]);
}

static const struct kv *
find(const struct kv *g, int n, const char *key)
{
	int	 i;

	for (i = 0; i < n; i++) {
		if (strcmp(g[i].key, key) == 0)
			return (&g[i]);
	}
	return (NULL);
}

/* in: + one line per profile: render, then parse back. */
static void
check_render(const struct kv *g, int n)
{
	const struct kv	*in = &g[0], *pf, *back;
	char		 bk[64], *out, *rev;
	size_t		 olen, rlen;
	i3_error	 err;
	int		 i, p;

	pf = find(g, n, "pinkfish");
	for (i = 1; i < n; i++) {
		if (strncmp(g[i].key, "back.", 5) == 0)
			continue;
		if ((p = i3_colour_profile(g[i].key)) < 0) {
			T_OK(0, "line %d: unknown profile %s", g[i].line,
			    g[i].key);
			continue;
		}
		out = i3_colour_render(in->val, in->len, p, &olen, &err);
		T_OK(out != NULL && olen == g[i].len &&
		    memcmp(out, g[i].val, olen) == 0,
		    "line %d: render %s [%s]\n     got [%s]\n    want [%s]",
		    g[i].line, g[i].key, show(in->val, in->len),
		    show(out, out ? olen : 0), show(g[i].val, g[i].len));
		free(out);

		snprintf(bk, sizeof bk, "back.%s", g[i].key);
		back = find(g, n, bk);
		if (back == NULL)
			back = p == I3_COLOUR_PLAIN ? &g[i] : pf;
		if (back == NULL || strcmp(back->val, "-") == 0)
			continue;
		rev = i3_colour_parse(g[i].val, g[i].len, p, &rlen, &err);
		T_OK(rev != NULL && rlen == back->len &&
		    memcmp(rev, back->val, rlen) == 0,
		    "line %d: parse %s [%s]\n     got [%s]\n    want [%s]",
		    g[i].line, g[i].key, show(g[i].val, g[i].len),
		    show(rev, rev ? rlen : 0), show(back->val, back->len));
		free(rev);
	}
}

static void
check_group(const struct kv *g, int n)
{
	const struct kv	*src, *want;
	char		 a[32], b[32], *out;
	size_t		 olen, w, num;
	unsigned int	 flags;
	i3_error	 err;
	int		 from, to;

	if (strcmp(g[0].key, "in") == 0) {
		check_render(g, n);
		return;
	}
	src = find(g, n, "src");
	want = find(g, n, "want");
	if (src == NULL) {
		T_OK(0, "line %d: group without src", g[0].line);
		return;
	}
	if (strcmp(g[0].key, "width") == 0) {
		if (sscanf(g[0].val, "%31s %zu", a, &num) != 2) {
			T_OK(0, "line %d: bad width line", g[0].line);
			return;
		}
		w = i3_text_width(src->val, src->len, i3_colour_profile(a));
		T_OK(w == num, "line %d: width %s [%s] = %zu, want %zu",
		    g[0].line, a, show(src->val, src->len), w, num);
		return;
	}
	if (want == NULL) {
		T_OK(0, "line %d: group without want", g[0].line);
		return;
	}
	out = NULL;
	olen = 0;
	if (strcmp(g[0].key, "convert") == 0) {
		if (sscanf(g[0].val, "%31s %31s", a, b) != 2) {
			T_OK(0, "line %d: bad convert line", g[0].line);
			return;
		}
		from = i3_colour_profile(a);
		to = i3_colour_profile(b);
		out = i3_colour_convert(src->val, src->len, from, to, &olen,
		    &err);
	} else if (strcmp(g[0].key, "wrap") == 0) {
		if (sscanf(g[0].val, "%31s %zu", a, &num) != 2) {
			T_OK(0, "line %d: bad wrap line", g[0].line);
			return;
		}
		out = i3_text_wrap(src->val, src->len, i3_colour_profile(a),
		    num, &olen, &err);
	} else if (strcmp(g[0].key, "sanitize") == 0) {
		flags = strcmp(g[0].val, "oneline") == 0 ? I3_SAN_ONELINE : 0;
		out = i3_text_sanitize(src->val, src->len, flags, &olen, &err);
	} else {
		T_OK(0, "line %d: unknown group %s", g[0].line, g[0].key);
		return;
	}
	T_OK(out != NULL && olen == want->len &&
	    memcmp(out, want->val, olen) == 0,
	    "line %d: %s %s [%s]\n     got [%s]\n    want [%s]", g[0].line,
	    g[0].key, g[0].val, show(src->val, src->len),
	    show(out, out ? olen : 0), show(want->val, want->len));
	free(out);
}

static int
run_vectors(const char *path)
{
	FILE		*f;
	char		 line[4096], *colon;
	struct kv	 g[MAXKEYS];
	int		 n = 0, lineno = 0, groups = 0, i, eof;

	if ((f = fopen(path, "r")) == NULL) {
		T_OK(0, "cannot open %s (run from the top directory)", path);
		return (0);
	}
	do {
		eof = fgets(line, sizeof line, f) == NULL;
		lineno++;
		if (!eof) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0] == '#')
				continue;
		}
		if (eof || line[0] == '\0') {
			if (n > 0) {
				check_group(g, n);
				groups++;
			}
			for (i = 0; i < n; i++)
				free(g[i].key);
			n = 0;
			continue;
		}
		if ((colon = strchr(line, ':')) == NULL || n == MAXKEYS) {
			T_OK(0, "%s:%d: bad line", path, lineno);
			continue;
		}
		*colon++ = '\0';
		if (*colon == ' ')
			colon++;
		g[n].key = malloc(strlen(line) + strlen(colon) + 2);
		if (g[n].key == NULL)
			break;
		strcpy(g[n].key, line);
		g[n].val = g[n].key + strlen(line) + 1;
		strcpy(g[n].val, colon);
		g[n].len = unescape(g[n].val);
		g[n].line = lineno;
		n++;
	} while (!eof);
	fclose(f);
	return (groups);
}

/* What the vectors do not reach. */
static void
check_api(void)
{
	static const char *names[] = { "pinkfish", "ansi", "xterm256",
	    "plain", "html", "smaug", "rom", "tba", "circle", "none" };
	char		*s;
	size_t		 n, i;
	i3_error	 err;
	int		 p;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		T_OK(i3_colour_profile(names[i]) == (int)i, "profile %s",
		    names[i]);
		T_STREQ(i3_colour_profile_name((int)i), names[i],
		    "profile name %zu", i);
	}
	T_OK(i3_colour_profile("AFKMud") == I3_COLOUR_SMAUG, "alias afkmud");
	T_OK(i3_colour_profile("lope") == I3_COLOUR_ROM, "alias lope");
	T_OK(i3_colour_profile("xterm") == I3_COLOUR_XTERM256, "alias xterm");
	T_OK(i3_colour_profile("text") == I3_COLOUR_PLAIN, "alias text");
	T_OK(i3_colour_profile("tbamud") == I3_COLOUR_TBA, "alias tbamud");
	T_OK(i3_colour_profile("circlemud") == I3_COLOUR_CIRCLE,
	    "alias circlemud");
	T_OK(i3_colour_profile("mxp") == -1, "unknown profile");
	T_OK(i3_colour_profile(NULL) == -1, "NULL profile");
	T_STREQ(i3_colour_profile_name(99), "unknown", "name of 99");

	memset(&err, 0, sizeof err);
	s = i3_colour_render("x", 1, 42, &n, &err);
	T_OK(s == NULL && err.code == I3_ECOLOUR, "render bad profile");
	s = i3_colour_parse("x", 1, -1, &n, &err);
	T_OK(s == NULL && err.code == I3_ECOLOUR, "parse bad profile");
	s = i3_colour_render("x", 1, I3_COLOUR_NPROFILES, &n, NULL);
	T_OK(s == NULL, "render bad profile, err NULL");
	T_OK(i3_text_width("x", 1, 77) == (size_t)-1, "width bad profile");
	s = i3_text_wrap("x", 1, 77, 10, &n, &err);
	T_OK(s == NULL && err.code == I3_ECOLOUR, "wrap bad profile");

	/* none: untouched, control bytes and all */
	s = i3_colour_render("%^RED%^\033[2Jx", 13, I3_COLOUR_NONE, &n, &err);
	T_OK(s != NULL && n == 13 && memcmp(s, "%^RED%^\033[2Jx", 13) == 0,
	    "render none");
	free(s);
	s = i3_colour_parse("&Rx", 3, I3_COLOUR_NONE, &n, &err);
	T_STREQ(s, "&Rx", "parse none");
	free(s);

	/* empty input, NULL outlen, result always NUL-terminated */
	for (p = 0; p < I3_COLOUR_NPROFILES; p++) {
		s = i3_colour_render("", 0, p, NULL, &err);
		T_STREQ(s, "", "render empty %d", p);
		free(s);
		s = i3_colour_parse("", 0, p, &n, &err);
		T_OK(s != NULL && n == 0 && *s == '\0', "parse empty %d", p);
		free(s);
	}
	s = i3_colour_render("%^RED%^xy", 8, I3_COLOUR_ANSI, &n, NULL);
	T_STREQ(s, "\033[31mx\033[0m", "len is honoured");
	free(s);
	s = i3_colour_render("a\0b", 3, I3_COLOUR_ANSI, &n, NULL);
	T_OK(s != NULL && n == 2 && strcmp(s, "ab") == 0, "NUL stripped");
	free(s);
	s = i3_colour_convert(NULL, 3, 0, 1, &n, &err);
	T_OK(s == NULL && err.code == I3_EINVAL, "NULL text");

	/* Bright backgrounds must never come out as SGR 50-57 or 91-97. */
	for (p = 0; p < 9; p++) {
		char	 in[32], want[16];

		snprintf(in, sizeof in, "%%^%s%%^x", (const char *[]){
		    "B_BLACK", "B_RED", "B_GREEN", "B_ORANGE", "B_BLUE",
		    "B_MAGENTA", "B_CYAN", "B_WHITE", "B_YELLOW" }[p]);
		snprintf(want, sizeof want, "\033[%dmx\033[0m",
		    p == 8 ? 103 : 40 + p);
		s = i3_colour_render(in, strlen(in), I3_COLOUR_ANSI, &n, NULL);
		T_STREQ(s, want, "background %s", in);
		free(s);
	}

	/* Emotes */
	s = i3_emote_expand("$N smiles at $O.", "Bob@Alpha", "ann@Beta");
	T_STREQ(s, "Bob@Alpha smiles at ann@Beta.", "emote N O");
	free(s);
	s = i3_emote_expand("$N waves. $$N", "Bob@Alpha", NULL);
	T_STREQ(s, "Bob@Alpha waves. $Bob@Alpha", "emote repeated");
	free(s);
	s = i3_emote_expand("$N pokes $O$", NULL, NULL);
	T_STREQ(s, "$N pokes $O$", "emote NULL names");
	free(s);
	s = i3_emote_expand("", "a", "b");
	T_STREQ(s, "", "emote empty");
	free(s);
	T_OK(i3_emote_expand(NULL, "a", "b") == NULL, "emote NULL");

	/* Long input: buffers grow, colour closed once at the end. */
	{
		size_t	 big = 200000, k;
		char	*in = malloc(big + 1), *out;

		T_OK(in != NULL, "malloc");
		if (in != NULL) {
			for (k = 0; k + 7 <= big; k += 7)
				memcpy(in + k, "%^RED%^", 7);
			for (; k < big; k++)
				in[k] = 'x';
			in[big] = '\0';
			out = i3_colour_render(in, big, I3_COLOUR_ANSI, &n,
			    NULL);
			T_OK(out != NULL && n == 5 + (big % 7) + 4,
			    "many codes collapse (%zu)", n);
			free(out);
			free(in);
		}
	}
}

/*
 * Random strings of the bytes that matter, through every pair of profiles,
 * width and wrap: nothing may crash (run under ASan/valgrind), every result
 * must be NUL-terminated at *outlen, and rendered text must carry no
 * control byte but newline and the codes' own ESC/TAB.
 */
static void
check_random(void)
{
	static const char alpha[] = "%^%^RED%^BOLD&&^}{@\t<>;[]\"'amx0123 "
	    "\n\r\033\007\302\233\303\251\346\227\245\177";
	unsigned long long	 r = 42;
	char			 in[64], *out;
	size_t			 i, k, len, olen;
	int			 from, to, bad = 0, ctl = 0;

	for (i = 0; i < 1500; i++) {
		len = 0;
		for (k = 0; k < sizeof in; k++) {
			r = r * 6364136223846793005ULL + 1;
			if (k > 0 && (r >> 60) == 0)
				break;
			in[len++] = alpha[(r >> 33) % (sizeof alpha - 1)];
		}
		for (from = 0; from < I3_COLOUR_NPROFILES; from++) {
			for (to = 0; to < I3_COLOUR_NPROFILES; to++) {
				out = i3_colour_convert(in, len, from, to,
				    &olen, NULL);
				if (out == NULL || out[olen] != '\0') {
					if (bad++ == 0)
						printf("bad: %d -> %d [%s]\n",
						    from, to, show(in, len));
				}
				if (out != NULL && to == I3_COLOUR_PINKFISH &&
				    from != I3_COLOUR_NONE) {
					for (k = 0; k < olen; k++) {
						if ((unsigned char)out[k] <
						    0x20 && out[k] != '\n')
							ctl++;
					}
				}
				free(out);
			}
			(void)i3_text_width(in, len, from);
			out = i3_text_wrap(in, len, from, 1 + i % 20, &olen,
			    NULL);
			if (out == NULL || out[olen] != '\0') {
				if (bad++ == 0)
					printf("bad: wrap %d [%s]\n", from,
					    show(in, len));
			}
			free(out);
		}
	}
	T_OK(bad == 0, "random: %d bad results", bad);
	T_OK(ctl == 0, "random: %d control bytes in Pinkfish output", ctl);
}

int
main(void)
{
	int	 groups;

	groups = run_vectors(VEC_FILE);
	T_OK(groups >= 60, "vector groups read: %d", groups);
	check_api();
	check_random();
	return (T_DONE());
}
