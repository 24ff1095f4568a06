/*
 * run-vectors.c: drives the LPC codec and the reader with the data-driven
 * vectors in tests/vectors/lpc*.vec and frames*.vec (format: lpc.vec).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "t.h"

struct group {
	const char	*file;
	int		 line;
	char		 mode[64];
	char		 arg1[64];
	char		 arg2[64];
	char		*lines[64];
	int		 nlines;
};

/* The vector files' escapes for bytes a text line cannot hold. */
static char *
unescape(const char *s, size_t *lenp)
{
	char	*out = malloc(strlen(s) + 1), *o = out;

	while (*s != '\0') {
		if (strncmp(s, "{CR}", 4) == 0) {
			*o++ = '\r';
			s += 4;
		} else if (strncmp(s, "{LF}", 4) == 0) {
			*o++ = '\n';
			s += 4;
		} else if (strncmp(s, "{TAB}", 5) == 0) {
			*o++ = '\t';
			s += 5;
		} else if (strncmp(s, "{NUL}", 5) == 0) {
			*o++ = '\0';
			s += 5;
		} else if (s[0] == '{' && s[1] == 'x' && s[2] && s[3] &&
		    s[4] == '}') {
			char hex[3] = { s[2], s[3], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 5;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	*lenp = (size_t)(o - out);
	return (out);
}

static char *
unhex(const char *s, size_t *lenp)
{
	char	*out = malloc(strlen(s) / 2 + 1);
	size_t	 n = 0;
	int	 hi = -1;

	for (; *s != '\0'; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi == -1)
			hi = v;
		else {
			out[n++] = (char)(hi << 4 | v);
			hi = -1;
		}
	}
	*lenp = n;
	return (out);
}

static int
json_same(const char *got_json, const char *want_json)
{
	json_t	*a, *b;
	int	 same;

	a = json_loads(got_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	b = json_loads(want_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	same = a != NULL && b != NULL && json_equal(a, b);
	/* json_equal ignores object key order: check it too. */
	if (same) {
		char *sa = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
		char *sb = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);

		same = strcmp(sa, sb) == 0;
		free(sa);
		free(sb);
	}
	json_decref(a);
	json_decref(b);
	return (same);
}

static char *
dump(const json_t *v)
{
	return (json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
}

static enum i3_errcode
code_of(const char *name)
{
	int	c;

	for (c = 0; c < I3_NERRCODES; c++)
		if (strcmp(i3_errname((enum i3_errcode)c), name) == 0)
			return ((enum i3_errcode)c);
	return (I3_NERRCODES);
}

/* Decode g->lines[0] and compare with the JSON in g->lines[1]. */
static void
check_decode(struct group *g, unsigned int flags, int roundtrip)
{
	size_t		 n, elen;
	char		*lpc = unescape(g->lines[0], &n), *got, *enc;
	i3_error	 e;
	json_t		*v;

	memset(&e, 0, sizeof e);
	v = i3_lpc_decode(lpc, n, flags, NULL, &e);
	T_OK(v != NULL, "%s:%d: decode failed: %s", g->file, g->line, e.text);
	if (v == NULL) {
		free(lpc);
		return;
	}
	got = dump(v);
	T_OK(json_same(got, g->lines[1]), "%s:%d: decode\n  got  %s\n  want %s",
	    g->file, g->line, got, g->lines[1]);
	if (roundtrip) {
		enc = i3_lpc_encode(v, 0, &elen, &e);
		T_OK(enc != NULL && elen == n && memcmp(enc, lpc, n) == 0,
		    "%s:%d: encode is not byte-exact\n  got  %s\n  want %s",
		    g->file, g->line, enc ? enc : e.text, g->lines[0]);
		free(enc);
	}
	free(got);
	free(lpc);
	json_decref(v);
}

static void
check_encode(struct group *g, unsigned int flags)
{
	json_error_t	 je;
	json_t		*v;
	size_t		 n, wn;
	char		*enc, *want = unescape(g->lines[1], &wn);
	i3_error	 e;

	v = json_loads(g->lines[0], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	T_OK(v != NULL, "%s:%d: bad JSON in vector: %s", g->file, g->line,
	    je.text);
	if (v != NULL) {
		enc = i3_lpc_encode(v, flags, &n, &e);
		T_OK(enc != NULL && n == wn && memcmp(enc, want, n) == 0,
		    "%s:%d: encode\n  got  %s\n  want %s", g->file, g->line,
		    enc ? enc : e.text, g->lines[1]);
		free(enc);
		json_decref(v);
	}
	free(want);
}

static void
check_fail(struct group *g, unsigned int flags)
{
	size_t		 n;
	char		*lpc = unescape(g->lines[0], &n);
	i3_error	 e;
	json_t		*v;
	enum i3_errcode	 want = code_of(g->arg1);
	long		 off = g->arg2[0] ? strtol(g->arg2, NULL, 10) : -1;

	memset(&e, 0, sizeof e);
	T_OK(want != I3_NERRCODES, "%s:%d: unknown code %s", g->file, g->line,
	    g->arg1);
	v = i3_lpc_decode(lpc, n, flags, NULL, &e);
	T_OK(v == NULL, "%s:%d: decode should fail", g->file, g->line);
	T_OK(v != NULL || (e.code == want && (off < 0 ||
	    (size_t)off == e.offset)),
	    "%s:%d: want %s at %ld, got %s at %zu (%s)", g->file, g->line,
	    g->arg1, off, i3_errname(e.code), e.offset, e.text);
	json_decref(v);
	free(lpc);
}

static void
check_encfail(struct group *g)
{
	json_t		*v;
	i3_error	 e;
	char		*enc;

	memset(&e, 0, sizeof e);
	v = json_loads(g->lines[0], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	T_OK(v != NULL, "%s:%d: bad JSON in vector", g->file, g->line);
	enc = i3_lpc_encode(v, 0, NULL, &e);
	T_OK(enc == NULL && e.code == code_of(g->arg1),
	    "%s:%d: encode should fail with %s, got %s", g->file, g->line,
	    g->arg1, enc ? enc : i3_errname(e.code));
	free(enc);
	json_decref(v);
}

/*
 * Feed a byte stream to a reader split at every boundary (and one byte at
 * a time) and compare the values or error with the expected lines.
 */
static int
run_frames(const char *bytes, size_t n, size_t split, char ***gotp)
{
	i3_reader	*r = i3_reader_new(NULL);
	i3_error	 e;
	json_t		*v;
	char		**got = calloc(64, sizeof *got);
	int		 ng = 0, rc, dead = 0;
	size_t		 off = 0, step;

	while (off < n && !dead && ng < 60) {
		step = split == 0 ? 1 : (off == 0 ? split : n - off);
		if (step > n - off)
			step = n - off;
		if (i3_reader_feed(r, bytes + off, step, &e) == -1) {
			dead = 1;
			break;
		}
		off += step;
		while (ng < 60 && (rc = i3_reader_next(r, &v, &e)) != 0) {
			if (rc == 1) {
				got[ng++] = dump(v);
				json_decref(v);
			} else if (i3_reader_failed(r)) {
				dead = 1;
				break;
			} else {
				char tmp[128];

				snprintf(tmp, sizeof tmp, "ERROR %s %zu",
				    i3_errname(e.code), e.offset);
				got[ng++] = strdup(tmp);
			}
		}
	}
	if (dead) {
		char tmp[128];

		snprintf(tmp, sizeof tmp, "FAIL %s %zu", i3_errname(e.code),
		    e.offset);
		got[ng++] = strdup(tmp);
	} else if (i3_reader_pending(r) != 0)
		got[ng++] = strdup("PENDING");
	i3_reader_free(r);
	*gotp = got;
	return (ng);
}

static void
check_frames(struct group *g)
{
	size_t	 n, split;
	char	*bytes = unhex(g->lines[0], &n), **got;
	int	 ng, i, ok, want = g->nlines - 1;

	/* split 0 = one byte at a time; 1..n = two feeds. */
	for (split = 0; split <= n; split++) {
		ng = run_frames(bytes, n, split, &got);
		ok = ng == want;
		for (i = 0; ok && i < ng; i++) {
			if (strncmp(got[i], "ERROR", 5) == 0 ||
			    strncmp(got[i], "FAIL", 4) == 0 ||
			    strcmp(got[i], "PENDING") == 0)
				ok = strcmp(got[i], g->lines[i + 1]) == 0;
			else
				ok = json_same(got[i], g->lines[i + 1]);
		}
		T_OK(ok, "%s:%d: frames split at %zu: got %d values, "
		    "first [%s]", g->file, g->line, split, ng,
		    ng > 0 ? got[0] : "");
		for (i = 0; i < ng; i++)
			free(got[i]);
		free(got);
		if (!ok)
			break;
	}
	free(bytes);
}

static void
run_group(struct group *g)
{
	if (g->nlines == 0)
		return;
	if (strcmp(g->mode, "%%ROUNDTRIP") == 0 && g->nlines == 2)
		check_decode(g, I3_DEC_STRICT, 1);
	else if (strcmp(g->mode, "%%DECODE") == 0 && g->nlines == 2)
		check_decode(g, 0, 0);
	else if (strcmp(g->mode, "%%ENCODE") == 0 && g->nlines == 2)
		check_encode(g, 0);
	else if (strcmp(g->mode, "%%ENCODE-FLOATS") == 0 && g->nlines == 2)
		check_encode(g, I3_ENC_FLOATS);
	else if (strcmp(g->mode, "%%FAIL") == 0 && g->nlines == 1)
		check_fail(g, 0);
	else if (strcmp(g->mode, "%%STRICTFAIL") == 0 && g->nlines == 1)
		check_fail(g, I3_DEC_STRICT);
	else if (strcmp(g->mode, "%%ENCFAIL") == 0 && g->nlines == 1)
		check_encfail(g);
	else if (strcmp(g->mode, "%%FRAMES") == 0 && g->nlines >= 2)
		check_frames(g);
	else
		T_OK(0, "%s:%d: bad group %s with %d lines", g->file, g->line,
		    g->mode, g->nlines);
}

static void
run_file(const char *path)
{
	FILE		*f = fopen(path, "r");
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0, i;
	struct group	 g;

	T_OK(f != NULL, "cannot open %s", path);
	if (f == NULL)
		return;
	memset(&g, 0, sizeof g);
	g.file = path;
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#')
			continue;
		if (n == 0 || strncmp(line, "%%", 2) == 0) {
			run_group(&g);
			for (i = 0; i < g.nlines; i++)
				free(g.lines[i]);
			memset(&g, 0, sizeof g);
			g.file = path;
			if (n != 0) {
				g.line = lineno;
				sscanf(line, "%63s %63s %63s", g.mode, g.arg1,
				    g.arg2);
			}
			continue;
		}
		if (g.nlines < 64)
			g.lines[g.nlines++] = strdup(line);
	}
	run_group(&g);
	for (i = 0; i < g.nlines; i++)
		free(g.lines[i]);
	free(line);
	fclose(f);
}

int
main(int argc, char **argv)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[512];
	int		 i, files = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			run_file(argv[i]);
		return (T_DONE());
	}
	if ((d = opendir("tests/vectors")) == NULL) {
		printf("FAIL: no tests/vectors (run from the top)\n");
		return (T_DONE() | 1);
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		/* lpc-*.vec and frames-*.vec belong to this runner. */
		if (l < 5 || strcmp(de->d_name + l - 4, ".vec") != 0 ||
		    (strncmp(de->d_name, "lpc", 3) != 0 &&
		    strncmp(de->d_name, "frames", 6) != 0))
			continue;
		snprintf(path, sizeof path, "tests/vectors/%s", de->d_name);
		run_file(path);
		files++;
	}
	closedir(d);
	T_OK(files > 0, "no vector files found");
	return (T_DONE());
}
