/*
 * test-codec.c: libi3 codec API tests beyond the vectors: limits, buffers,
 * frames, and a randomised encode/decode round trip.
 */

#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "t.h"

static unsigned int seed = 12345;

static unsigned int
rnd(unsigned int n)
{
	seed = seed * 1103515245 + 12345;
	return ((seed >> 8) % n);
}

static json_t *
random_value(int depth)
{
	static const char *words[] = { "tell", "%^RED%^hi%^RESET%^", "",
	    "a\"b", "back\\slash", "new\nline", "cr\rcr", "tab\tx", "é€😀",
	    "$N smiles", "*dalet", "127.0.0.1 8080", "(({[" };
	json_t	*v;
	int	 i, n;

	switch (depth > 4 ? rnd(3) : rnd(6)) {
	case 0:
		return (json_integer((json_int_t)rnd(1000000) - 500000));
	case 1:
		return (json_string(words[rnd(sizeof words / sizeof *words)]));
	case 2:
		return (json_integer(rnd(2) ? INT64_MAX : INT64_MIN));
	case 3:
	case 4:
		v = json_array();
		n = (int)rnd(6);
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(depth + 1));
		return (v);
	default:
		v = json_object();
		n = (int)rnd(5);
		for (i = 0; i < n; i++) {
			char k[16];

			snprintf(k, sizeof k, "k%u", rnd(100));
			json_object_set_new(v, k, random_value(depth + 1));
		}
		return (v);
	}
}

static void
test_random_roundtrip(void)
{
	int		 i, bad = 0;
	json_t		*v, *w;
	char		*s, *s2;
	size_t		 n, n2;
	i3_error	 e;

	for (i = 0; i < 5000; i++) {
		v = random_value(0);
		s = i3_lpc_encode(v, 0, &n, &e);
		w = s ? i3_lpc_decode(s, n, I3_DEC_STRICT, NULL, &e) : NULL;
		s2 = w ? i3_lpc_encode(w, 0, &n2, &e) : NULL;
		if (w == NULL || !json_equal(v, w) || s2 == NULL || n != n2 ||
		    memcmp(s, s2, n) != 0)
			bad++;
		free(s);
		free(s2);
		json_decref(v);
		json_decref(w);
	}
	T_OK(bad == 0, "random round trip: %d of 5000 differ", bad);
}

static void
test_limits(void)
{
	i3_limits	 lim = { 0, 3, 4 };
	i3_error	 e;
	json_t		*v;

	v = i3_lpc_decode("({({({1,}),}),})", 16, 0, &lim, &e);
	T_OK(v != NULL, "depth 3 within a limit of 3");
	json_decref(v);
	v = i3_lpc_decode("({({({({1,}),}),}),})", 21, 0, &lim, &e);
	T_OK(v == NULL && e.code == I3_EDEPTH && e.offset == 6,
	    "depth 4 over a limit of 3: %s %zu", i3_errname(e.code),
	    e.offset);
	v = i3_lpc_decode("({1,2,3,4,})", 12, 0, &lim, &e);
	T_OK(v != NULL, "4 elements within a limit of 4");
	json_decref(v);
	v = i3_lpc_decode("({1,2,3,4,5,})", 14, 0, &lim, &e);
	T_OK(v == NULL && e.code == I3_ELIMIT && e.offset == 10,
	    "5 elements over a limit of 4: %s %zu", i3_errname(e.code),
	    e.offset);
	v = i3_lpc_decode("([1:1,2:2,3:3,4:4,5:5,])", 24, 0, &lim, &e);
	T_OK(v == NULL && e.code == I3_ELIMIT, "5 pairs over a limit of 4");
}

static void
test_reader_limits(void)
{
	i3_limits	 lim = { 16, 0, 0 };
	i3_reader	*r = i3_reader_new(&lim);
	i3_error	 e;
	json_t		*v;
	const char	 ok[] = "\0\0\0\x07({1,})";	/* 7 = 6 + NUL */
	const char	 big[] = "\0\0\0\x11";		/* 17 > 16 */

	T_OK(i3_reader_feed(r, ok, 10, &e) == 0, "feed a small frame");
	T_OK(i3_reader_feed(r, "", 1, &e) == 0, "feed its NUL");
	T_OK(i3_reader_next(r, &v, &e) == 1 && json_is_array(v),
	    "small frame read");
	json_decref(v);
	T_OK(i3_reader_next(r, &v, &e) == 0, "then nothing");
	T_OK(i3_reader_feed(r, big, 4, &e) == -1 && e.code == I3_ETOOBIG,
	    "over-limit length refused at once");
	T_OK(i3_reader_failed(r), "the reader is dead");
	T_OK(i3_reader_feed(r, ok, 11, &e) == -1, "and stays dead");
	T_OK(i3_reader_next(r, &v, &e) == -1 && e.code == I3_ETOOBIG,
	    "with the same error");
	i3_reader_free(r);
}

static void
test_frame(void)
{
	json_t		*v = json_pack("[si]", "x", 1);
	size_t		 n;
	char		*f = i3_frame(v, 0, &n, NULL);
	i3_buf		 b;
	i3_error	 e;
	json_t		*bad = json_pack("[f]", 1.5);

	T_OK(f != NULL && n == 4 + 11 && memcmp(f, "\0\0\0\x0b({\"x\",1,})",
	    15) == 0, "frame bytes");
	free(f);
	i3_buf_init(&b);
	i3_buf_add(&b, "abc", 3);
	T_OK(i3_frame_buf(&b, bad, 0, &e) == -1 && e.code == I3_ETYPE &&
	    b.len == 3, "a failed frame leaves the buffer as it was");
	T_OK(i3_frame_buf(&b, v, 0, &e) == 0 && b.len == 3 + 15,
	    "frames append");
	T_OK(i3_lpc_encode_buf(&b, bad, 0, &e) == -1 && b.len == 18,
	    "a failed encode leaves the buffer as it was");
	i3_buf_free(&b);
	json_decref(v);
	json_decref(bad);
}

static void
test_pretty_and_errors(void)
{
	json_t	*v = json_pack("[s{si}[]]", "a", "k", 1);
	char	*s = i3_lpc_encode(v, I3_ENC_PRETTY, NULL, NULL);
	json_t	*w;
	int	 c;

	T_STREQ(s, "({\n  \"a\",\n  ([\n    \"k\":1,\n  ]),\n  ({}),\n})",
	    "pretty LPC");
	w = s ? i3_lpc_decode(s, strlen(s), 0, NULL, NULL) : NULL;
	T_OK(w != NULL && json_equal(v, w), "pretty LPC decodes back");
	json_decref(w);
	free(s);
	json_decref(v);
	for (c = 0; c < I3_NERRCODES; c++)
		T_OK(strncmp(i3_errname((enum i3_errcode)c), "I3_E", 4) == 0 &&
		    i3_strerror((enum i3_errcode)c)[0] != '\0',
		    "error %d has a name", c);
	T_OK(strcmp(i3_errname((enum i3_errcode)999), "I3_E?") == 0,
	    "unknown code");
	T_OK(i3_lpc_decode(NULL, 0, 0, NULL, NULL) == NULL, "NULL input");
}

static void
test_partial(void)
{
	const char	*s = "({1,}) ({2,})";
	size_t		 end = 0;
	json_t		*v;

	v = i3_lpc_decode_ex(s, strlen(s), I3_DEC_PARTIAL, NULL, &end, NULL);
	T_OK(v != NULL && end == 6, "partial decode stops after the value");
	json_decref(v);
}

int
main(void)
{
	test_random_roundtrip();
	test_limits();
	test_reader_limits();
	test_frame();
	test_pretty_and_errors();
	test_partial();
	return (T_DONE());
}
