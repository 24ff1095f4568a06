/*
 * test-packet.c: the packet schema (lib/packet.c, lib/schema.c) against
 * tests/vectors/packets.vec, plus the round trip, coverage and docs checks.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "t.h"

#define VEC_FILE	"tests/vectors/packets.vec"
#define DOC_FILE	"docs/PROTOCOL.md"
#define MAX_LINES	32

struct group {
	int	 line;			/* first line in the file */
	char	 kind[32];
	char	 type[64];
	char	 mode[16];
	char	*l[MAX_LINES];		/* data lines */
	int	 nl;
	char	*bang[MAX_LINES];	/* "! text" lines */
	int	 nb;
};

static json_t	*covered;		/* type -> 1, from %%PACKET groups */
static int	 nroundtrip;

static char	*slurp(const char *, size_t *);
static json_t	*lpc(const char *);
static char	*enc(const json_t *);
static json_t	*js(const char *);
static int	 roundtrip(const char *, const json_t *, const char *);
static void	 do_group(struct group *);
static void	 run_vectors(void);
static void	 test_coverage(void);
static void	 test_docs(void);
static void	 test_api(void);
static void	 test_examples(void);
static void	 test_header(void);
static void	 test_key_order(void);
static void	 test_key_renamed(void);
static json_t	*reversed(const json_t *);

static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return (NULL);
	}
	buf[n] = '\0';
	fclose(f);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return (buf);
}

static json_t *
lpc(const char *s)
{
	i3_error	e;
	json_t		*v;

	if ((v = i3_lpc_decode(s, strlen(s), 0, NULL, &e)) == NULL)
		printf("  decode: %s\n", e.text);
	return (v);
}

static char *
enc(const json_t *v)
{
	i3_error	e;
	char		*s;

	if ((s = i3_lpc_encode(v, 0, NULL, &e)) == NULL)
		printf("  encode: %s\n", e.text);
	return (s);
}

static json_t *
js(const char *s)
{
	json_error_t	e;
	json_t		*v;

	if ((v = json_loads(s, JSON_DECODE_ANY, &e)) == NULL)
		printf("  json: %s\n", e.text);
	return (v);
}

/*
 * LPC -> raw -> named -> raw -> LPC: the text out must be want (the
 * canonical encoding) byte for byte.
 */
static int
roundtrip(const char *text, const json_t *named, const char *want)
{
	i3_error	 e;
	json_t		*raw;
	char		*out;
	int		 ok;

	(void)text;
	if ((raw = i3_packet_raw(named, I3_PKT_LENIENT, &e)) == NULL) {
		printf("  raw: %s\n", e.text);
		return (0);
	}
	out = enc(raw);
	ok = out != NULL && strcmp(out, want) == 0;
	if (!ok)
		printf("  got  %s\n  want %s\n", out ? out : "(null)", want);
	free(out);
	json_decref(raw);
	nroundtrip++;
	return (ok);
}

static void
do_group(struct group *g)
{
	i3_error	 e;
	json_t		*raw = NULL, *named = NULL, *want = NULL, *w = NULL;
	json_t		*fields = NULL, *r = NULL;
	char		*canon = NULL, *s;
	const char	*ws;
	int		 i, n, strict;

	strict = strcmp(g->mode, "strict") == 0;
	if (strcmp(g->kind, "%%PACKET") == 0 ||
	    strcmp(g->kind, "%%LENIENT") == 0) {
		T_OK(g->nl == 2, "line %d: want 2 lines", g->line);
		if (g->nl != 2 || (raw = lpc(g->l[0])) == NULL ||
		    (want = js(g->l[1])) == NULL) {
			T_OK(0, "line %d: unreadable vector", g->line);
			goto out;
		}
		canon = enc(raw);
		named = i3_packet_named(raw, I3_PKT_LENIENT, &w, &e);
		T_OK(named != NULL, "line %d: named: %s", g->line,
		    named ? "" : e.text);
		if (named == NULL)
			goto out;
		s = json_dumps(named, JSON_COMPACT);
		T_OK(json_equal(named, want), "line %d: named form\n  got  %s",
		    g->line, s);
		free(s);
		T_STREQ(i3_packet_type(named), i3_packet_type(raw),
		    "line %d: type", g->line);
		n = w != NULL ? (int)json_array_size(w) : 0;
		T_OK(n == g->nb, "line %d: %d warnings, want %d", g->line, n,
		    g->nb);
		for (i = 0; i < n && i < g->nb; i++) {
			ws = json_string_value(json_array_get(w, i));
			T_OK(ws != NULL && strstr(ws, g->bang[i]) != NULL,
			    "line %d: warning [%s], want [%s]", g->line,
			    ws ? ws : "", g->bang[i]);
		}
		if (strcmp(g->kind, "%%PACKET") == 0) {
			T_OK(w == NULL, "line %d: warnings not NULL", g->line);
			T_STREQ(canon, g->l[0], "line %d: text not canonical",
			    g->line);
			T_OK(i3_packet_validate(raw, I3_PKT_STRICT, NULL, &e)
			    == 0, "line %d: strict: %s", g->line, e.text);
			json_object_set_new(covered, g->type, json_true());
		} else if (g->nb > 0) {
			T_OK(i3_packet_validate(raw, I3_PKT_STRICT, NULL, &e)
			    == -1 && e.code == I3_EPACKET,
			    "line %d: strict accepted it", g->line);
		}
		T_OK(roundtrip(g->l[0], named, canon),
		    "line %d: round trip (named result)", g->line);
		T_OK(roundtrip(g->l[0], want, canon),
		    "line %d: round trip (vector's JSON)", g->line);
	} else if (strcmp(g->kind, "%%INVALID") == 0) {
		if (g->nl != 1 || g->nb != 1 || (raw = lpc(g->l[0])) == NULL) {
			T_OK(0, "line %d: unreadable vector", g->line);
			goto out;
		}
		named = i3_packet_named(raw, strict ? I3_PKT_STRICT :
		    I3_PKT_LENIENT, NULL, &e);
		T_OK(named == NULL && e.code == I3_EPACKET,
		    "line %d: accepted", g->line);
		if (named == NULL)
			T_OK(strstr(e.text, g->bang[0]) != NULL,
			    "line %d: error [%s], want [%s]", g->line, e.text,
			    g->bang[0]);
		json_decref(named);
		named = NULL;
		if (strict) {
			/* What strict refuses, lenient takes (and keeps). */
			named = i3_packet_named(raw, I3_PKT_LENIENT, &w, &e);
			T_OK(named != NULL && w != NULL,
			    "line %d: lenient: %s", g->line,
			    named ? "no warning" : e.text);
			canon = enc(raw);
			if (named != NULL)
				T_OK(roundtrip(g->l[0], named, canon),
				    "line %d: round trip", g->line);
		}
	} else if (strcmp(g->kind, "%%RAWFAIL") == 0) {
		if (g->nl != 1 || g->nb != 1 || (want = js(g->l[0])) == NULL) {
			T_OK(0, "line %d: unreadable vector", g->line);
			goto out;
		}
		r = i3_packet_raw(want, strict ? I3_PKT_STRICT :
		    I3_PKT_LENIENT, &e);
		T_OK(r == NULL && e.code == I3_EPACKET, "line %d: accepted",
		    g->line);
		if (r == NULL)
			T_OK(strstr(e.text, g->bang[0]) != NULL,
			    "line %d: error [%s], want [%s]", g->line, e.text,
			    g->bang[0]);
	} else if (strcmp(g->kind, "%%BUILD") == 0) {
		if (g->nl < 1 || (fields = js(g->l[0])) == NULL) {
			T_OK(0, "line %d: unreadable vector", g->line);
			goto out;
		}
		r = i3_packet_build(g->type, fields, &e);
		if (g->nb == 1) {
			T_OK(r == NULL && e.code == I3_EPACKET,
			    "line %d: built", g->line);
			if (r == NULL)
				T_OK(strstr(e.text, g->bang[0]) != NULL,
				    "line %d: error [%s], want [%s]", g->line,
				    e.text, g->bang[0]);
		} else {
			T_OK(r != NULL, "line %d: build: %s", g->line,
			    r ? "" : e.text);
			if (r != NULL && g->nl == 2) {
				canon = enc(r);
				T_STREQ(canon, g->l[1], "line %d: built",
				    g->line);
			}
		}
	} else
		T_OK(0, "line %d: unknown group %s", g->line, g->kind);
out:
	json_decref(raw);
	json_decref(named);
	json_decref(want);
	json_decref(w);
	json_decref(fields);
	json_decref(r);
	free(canon);
}

static void
run_vectors(void)
{
	struct group	 g;
	char		*buf, *p, *nl;
	int		 lineno = 0, in = 0, ngroups = 0;

	if ((buf = slurp(VEC_FILE, NULL)) == NULL) {
		T_OK(0, "cannot read %s", VEC_FILE);
		return;
	}
	memset(&g, 0, sizeof g);
	for (p = buf; p != NULL; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		lineno++;
		if (*p == '#')
			continue;
		if (*p == '\0') {
			if (in) {
				do_group(&g);
				ngroups++;
			}
			in = 0;
			continue;
		}
		if (!in) {
			memset(&g, 0, sizeof g);
			g.line = lineno;
			sscanf(p, "%31s %63s %15s", g.kind, g.type, g.mode);
			in = 1;
			continue;
		}
		if (p[0] == '!' && p[1] == ' ') {
			if (g.nb < MAX_LINES)
				g.bang[g.nb++] = p + 2;
		} else if (g.nl < MAX_LINES)
			g.l[g.nl++] = p;
	}
	if (in) {
		do_group(&g);
		ngroups++;
	}
	T_OK(ngroups > 50, "only %d vector groups", ngroups);
	free(buf);
}

/* Every type in the table has at least one %%PACKET vector. */
static void
test_coverage(void)
{
	json_t		*s, *p;
	size_t		 i;
	const char	*t;

	s = i3_schema_json(NULL);
	T_OK(s != NULL, "schema");
	json_array_foreach(json_object_get(s, "packets"), i, p) {
		t = json_string_value(json_object_get(p, "type"));
		T_OK(t != NULL && json_object_get(covered, t) != NULL,
		    "type %s has no %%%%PACKET vector", t ? t : "?");
	}
	T_OK(i >= 40, "only %zu types in the table", i);
	json_decref(s);
}

static void
doc_fields(const char *doc, const char *type, const json_t *fields)
{
	const json_t	*f;
	size_t		 i;
	char		 want[128];
	const char	*n;

	json_array_foreach(fields, i, f) {
		n = json_string_value(json_object_get(f, "name"));
		snprintf(want, sizeof want, "`%s`", n);
		T_OK(strstr(doc, want) != NULL, "%s does not mention %s (%s)",
		    DOC_FILE, want, type);
		if (json_object_get(f, "entry") != NULL)
			doc_fields(doc, type, json_object_get(f, "entry"));
	}
}

/* docs/PROTOCOL.md names every type and every field of the table. */
static void
test_docs(void)
{
	json_t		*s, *p;
	char		*doc, want[128];
	const char	*t;
	size_t		 i;

	if ((doc = slurp(DOC_FILE, NULL)) == NULL) {
		T_OK(0, "cannot read %s", DOC_FILE);
		return;
	}
	s = i3_schema_json(NULL);
	doc_fields(doc, "header", json_object_get(s, "header"));
	json_array_foreach(json_object_get(s, "packets"), i, p) {
		t = json_string_value(json_object_get(p, "type"));
		snprintf(want, sizeof want, "`%s`", t);
		T_OK(strstr(doc, want) != NULL, "%s does not mention %s",
		    DOC_FILE, want);
		doc_fields(doc, t, json_object_get(p, "fields"));
		if (json_object_get(p, "alt_body") != NULL)
			doc_fields(doc, t, json_object_get(p, "alt_body"));
	}
	T_OK(strstr(doc, "`_extra`") && strstr(doc, "`_fields`") &&
	    strstr(doc, "`_raw`") && strstr(doc, "`addr`"),
	    "%s does not document the keys for kept data", DOC_FILE);
	json_decref(s);
	free(doc);
}

/* Every table example names and converts back byte for byte. */
static void
test_examples(void)
{
	json_t		*s, *p, *ex;
	const char	*text;
	json_t		*raw, *named;
	char		*canon;
	size_t		 i;

	s = i3_schema_json(NULL);
	json_array_foreach(json_object_get(s, "packets"), i, p) {
		ex = json_object_get(p, "example");
		text = json_string_value(json_object_get(ex, "lpc"));
		named = json_object_get(ex, "named");
		T_OK(json_is_object(named), "example of %s does not name",
		    json_string_value(json_object_get(p, "type")));
		if (text == NULL || (raw = lpc(text)) == NULL)
			continue;
		canon = enc(raw);
		T_STREQ(canon, text, "example of %s not canonical",
		    json_string_value(json_object_get(p, "type")));
		if (json_is_object(named))
			T_OK(roundtrip(text, named, canon), "example round trip");
		free(canon);
		json_decref(raw);
	}
	json_decref(s);
	T_OK(i3_schema_json("no-such") == NULL, "schema of unknown type");
	s = i3_schema_json("tell");
	T_OK(s != NULL && json_integer_value(json_object_get(s, "elements"))
	    == 8, "schema of tell");
	json_decref(s);
}

static void
test_api(void)
{
	i3_error	 e;
	json_t		*raw, *named, *w, *f, *r;
	char		*s;

	raw = lpc("({\"finger-reply\",5,\"Beta\",0,\"Alpha\",\"bob\",\"Ann\","
	    "0,0,0,\"x\",42,0,0,0,})");
	named = i3_packet_named(raw, I3_PKT_LENIENT, &w, &e);
	T_OK(named != NULL && w == NULL, "finger-reply");
	T_STREQ(i3_pkt_str(named, "visname"), "Ann", "pkt_str");
	T_OK(i3_pkt_str(named, "title") == NULL, "pkt_str of 0");
	T_OK(i3_pkt_str(named, "nothing") == NULL, "pkt_str of absent");
	T_OK(i3_pkt_str(named, "idle_time") == NULL, "pkt_str of int");
	T_OK(i3_pkt_int(named, "idle_time", -7) == 42, "pkt_int");
	T_OK(i3_pkt_int(named, "visname", -7) == -7, "pkt_int of string");
	T_OK(i3_pkt_int(named, "nothing", -7) == -7, "pkt_int of absent");
	T_OK(i3_pkt_int(NULL, "x", 3) == 3 && i3_pkt_str(NULL, "x") == NULL,
	    "accessors on NULL");
	T_STREQ(i3_packet_type(named), "finger-reply", "type of named");
	T_STREQ(i3_packet_type(raw), "finger-reply", "type of raw");
	T_OK(i3_packet_type(NULL) == NULL, "type of NULL");
	/* The input is not changed. */
	s = enc(raw);
	T_STREQ(s, "({\"finger-reply\",5,\"Beta\",0,\"Alpha\",\"bob\",\"Ann\","
	    "0,0,0,\"x\",42,0,0,0,})", "input untouched");
	free(s);
	json_decref(named);
	json_decref(raw);

	T_OK(i3_packet_named(NULL, 0, NULL, &e) == NULL &&
	    e.code == I3_EINVAL, "named(NULL)");
	T_OK(i3_packet_raw(NULL, 0, &e) == NULL && e.code == I3_EINVAL,
	    "raw(NULL)");
	T_OK(i3_packet_validate(NULL, 0, NULL, NULL) == -1, "validate(NULL)");
	T_OK(i3_packet_build(NULL, NULL, &e) == NULL && e.code == I3_EINVAL,
	    "build(NULL)");

	/* Build takes the type from the fields when not given. */
	f = js("{\"type\":\"chanlist-req\",\"originator_mud\":\"A\","
	    "\"target_mud\":\"*r\"}");
	r = i3_packet_build(NULL, f, &e);
	s = r ? enc(r) : NULL;
	T_STREQ(s, "({\"chanlist-req\",5,\"A\",0,\"*r\",0,})", "build: %s",
	    r ? "" : e.text);
	free(s);
	json_decref(r);
	json_decref(f);

	/* Strict raw conversion checks what it makes. */
	f = js("{\"type\":\"channel-m\",\"ttl\":5,\"originator_mud\":\"A\","
	    "\"originator_user\":\"bob\",\"target_mud\":\"B\",\"target_user\":0,"
	    "\"channel\":\"c\",\"visname\":\"Bob\",\"message\":\"x\"}");
	r = i3_packet_raw(f, I3_PKT_STRICT, &e);
	T_OK(r == NULL && strstr(e.text, "target_mud: must be 0"),
	    "raw strict: %s", r ? "accepted" : e.text);
	json_decref(r);
	r = i3_packet_raw(f, I3_PKT_LENIENT, &e);
	T_OK(r != NULL, "raw lenient");
	json_decref(r);
	json_decref(f);
}

/*
 * i3_packet_header(): the six header elements as given, 0 for NULL names,
 * a body appended after them gives the packet i3_packet_build() makes,
 * and NULL for what json_string() refuses.
 */
static void
test_header(void)
{
	json_t		*h, *b, *f;
	char		*s;
	i3_error	 e;

	h = i3_packet_header("who-req", I3_TTL, "Alpha", "bob", "Beta", NULL);
	s = h ? enc(h) : NULL;
	T_STREQ(s, "({\"who-req\",5,\"Alpha\",\"bob\",\"Beta\",0,})",
	    "header: who-req");
	free(s);
	T_OK(h != NULL && i3_packet_validate(h, I3_PKT_STRICT, NULL, &e) == 0,
	    "header: a valid who-req: %s", h ? e.text : "NULL");
	json_decref(h);

	/* Every name NULL, another ttl: 0s and the ttl as given. */
	h = i3_packet_header("mudlist", 3, NULL, NULL, NULL, NULL);
	s = h ? enc(h) : NULL;
	T_STREQ(s, "({\"mudlist\",3,0,0,0,0,})", "header: all 0");
	free(s);
	json_decref(h);

	/* Names are not lower-cased (i3_packet_build() does that). */
	h = i3_packet_header("tell", I3_TTL, "A", "Bob", "B", "Ann");
	T_STREQ(h ? json_string_value(json_array_get(h, 3)) : NULL, "Bob",
	    "header: originator_user as given");
	T_STREQ(h ? json_string_value(json_array_get(h, 5)) : NULL, "Ann",
	    "header: target_user as given");
	json_decref(h);

	/* Header plus body == what the schema builds. */
	h = i3_packet_header("tell", I3_TTL, "A", "bob", "B", "ann");
	json_array_append_new(h, json_string("Bob"));
	json_array_append_new(h, json_string("hi"));
	f = js("{\"originator_mud\":\"A\",\"originator_user\":\"bob\","
	    "\"target_mud\":\"B\",\"target_user\":\"ann\","
	    "\"orig_visname\":\"Bob\",\"message\":\"hi\"}");
	b = i3_packet_build("tell", f, &e);
	T_OK(b != NULL && json_equal(h, b), "header + body == build: %s",
	    b ? "differ" : e.text);
	json_decref(b);
	json_decref(f);
	json_decref(h);

	/* Not UTF-8, no type: NULL, nothing leaked (ASan). */
	T_OK(i3_packet_header("tell", I3_TTL, "A", "b\xff", "B", NULL) ==
	    NULL, "header: originator_user not UTF-8");
	T_OK(i3_packet_header("tell", I3_TTL, "A", NULL, "\xc3", NULL) ==
	    NULL, "header: target_mud not UTF-8");
	T_OK(i3_packet_header(NULL, I3_TTL, "A", NULL, "B", NULL) == NULL,
	    "header: no type");
}

/* A deep copy of v with the keys of every object in reverse order. */
static json_t *
reversed(const json_t *v)
{
	const char	*k[64];
	json_t		*o, *e;
	void		*it;
	size_t		 n = 0, i;

	if (json_is_array(v)) {
		o = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(o, reversed(e));
		return (o);
	}
	if (!json_is_object(v))
		return (json_incref((json_t *)v));
	for (it = json_object_iter((json_t *)v); it != NULL && n < 64;
	    it = json_object_iter_next((json_t *)v, it))
		k[n++] = json_object_iter_key(it);
	o = json_object();
	while (n > 0) {
		n--;
		json_object_set_new(o, k[n], reversed(json_object_get(v,
		    k[n])));
	}
	return (o);
}

/*
 * named -> raw takes the keys in the order i3_packet_named() writes them
 * the quick way, and any other order the general way: the same packet
 * either way, and the same errors.
 */
static void
test_key_order(void)
{
	static const char *const pkts[] = {
		"({\"tell\",5,\"A\",\"bob\",\"B\",\"ann\",\"Bob\",\"hi\",})",
		"({\"who-reply\",5,\"B\",0,\"A\",\"bob\",({({\"Ann\",3,"
		    "\"x\",}),({\"Cy\",0,0,}),}),})",
		"({\"mudlist\",5,\"*r\",0,\"A\",0,7,([\"B\":({-1,"
		    "\"1.2.3.4\",4000,0,0,\"L\",\"L\",\"D\",\"LP\",\"o\","
		    "\"a@b\",([\"tell\":1,]),0,}),\"C\":0,]),})",
		"({\"error\",5,\"B\",0,\"A\",\"bob\",\"unk-user\",\"no\","
		    "({\"tell\",5,\"A\",\"bob\",\"B\",\"ann\",\"Bob\","
		    "\"hi\",}),})",
	};
	json_t		*raw, *named, *rev, *r1, *r2;
	i3_error	 e;
	size_t		 i;

	for (i = 0; i < sizeof pkts / sizeof pkts[0]; i++) {
		raw = lpc(pkts[i]);
		named = raw ? i3_packet_named(raw, I3_PKT_LENIENT, NULL, &e) :
		    NULL;
		rev = named ? reversed(named) : NULL;
		r1 = named ? i3_packet_raw(named, I3_PKT_STRICT, &e) : NULL;
		r2 = rev ? i3_packet_raw(rev, I3_PKT_STRICT, &e) : NULL;
		T_OK(r1 != NULL && json_equal(r1, raw), "key order: %zu: in "
		    "order", i);
		T_OK(r2 != NULL && json_equal(r2, raw), "key order: %zu: "
		    "reversed: %s", i, r2 ? "differs" : e.text);
		json_decref(r1);
		json_decref(r2);
		/* An unknown key is refused whatever the order. */
		json_object_set_new(named, "zz", json_integer(1));
		r1 = i3_packet_raw(named, I3_PKT_LENIENT, &e);
		T_OK(r1 == NULL && strstr(e.text, "unknown field \"zz\"") !=
		    NULL, "key order: %zu: unknown key: %s", i, r1 ?
		    "accepted" : e.text);
		json_decref(r1);
		json_decref(rev);
		json_decref(named);
		json_decref(raw);
	}
	test_key_renamed();
}

/*
 * A key as long as the field's name it stands in place of, but not that
 * name, is refused: the quick way compares lengths first, then the bytes.
 */
static void
test_key_renamed(void)
{
	json_t		*raw, *named, *copy, *r;
	const char	*k;
	char		 buf[64];
	void		*it;
	i3_error	 e;

	raw = lpc("({\"tell\",5,\"A\",\"bob\",\"B\",\"ann\",\"Bob\","
	    "\"hi\",})");
	named = raw ? i3_packet_named(raw, I3_PKT_LENIENT, NULL, &e) : NULL;
	copy = json_object();
	for (it = named ? json_object_iter(named) : NULL; it != NULL;
	    it = json_object_iter_next(named, it)) {
		k = json_object_iter_key(it);
		snprintf(buf, sizeof buf, "%s", k);
		if (strcmp(k, "message") == 0)
			buf[0] = 'Z';
		json_object_set(copy, buf, json_object_iter_value(it));
	}
	r = i3_packet_raw(copy, I3_PKT_LENIENT, &e);
	T_OK(r == NULL && strstr(e.text, "unknown field \"Zessage\"") !=
	    NULL, "key order: a key renamed, same length: %s", r ?
	    "accepted" : e.text);
	json_decref(r);
	json_decref(copy);
	json_decref(named);
	json_decref(raw);
}

int
main(void)
{
	covered = json_object();
	run_vectors();
	test_coverage();
	test_docs();
	test_examples();
	test_api();
	test_header();
	test_key_order();
	printf("round trips checked: %d\n", nroundtrip);
	json_decref(covered);
	return (T_DONE());
}
