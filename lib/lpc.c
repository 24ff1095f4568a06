/*
 * lpc.c: LPC save_variable text ("MudMode") <-> jansson values.
 *
 * The decoder accepts what real peers send (i3-protocol.md 2.4, 2.5); the
 * encoder writes what FluffOS's save_svalue writes, byte for byte (2.2).
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3-int.h"

/* ------------------------------------------------------------ decoder */

struct dec {
	const unsigned char	*start;
	const unsigned char	*p;
	const unsigned char	*end;
	unsigned int		 flags;
	unsigned int		 depth;
	i3_limits		 lim;
	i3_error		*err;
	i3_buf			 sbuf;	/* unescaped string bytes */
	i3_buf			 rbuf;	/* re-coded string bytes */
};

static json_t	*dec_value(struct dec *);

/* Byte classes for the string scanner: 1 = needs a closer look. */
static const unsigned char str_special[256] = {
	['\0'] = 1, ['\r'] = 1, ['"'] = 1, ['\\'] = 1,
	[0x80 ... 0xff] = 1,
};

static size_t
dec_off(const struct dec *d)
{
	return ((size_t)(d->p - d->start));
}

static void
dec_err(struct dec *d, enum i3_errcode code, const char *what)
{
	i3__seterr(d->err, code, dec_off(d), "%s at byte %zu", what,
	    dec_off(d));
}

static int
is_ws(unsigned char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

/* Skip whitespace; in strict mode there must be none. */
static int
dec_ws(struct dec *d)
{
	if (d->p < d->end && is_ws(*d->p)) {
		if (d->flags & I3_DEC_STRICT) {
			dec_err(d, I3_ESYNTAX, "whitespace (strict)");
			return (-1);
		}
		do
			d->p++;
		while (d->p < d->end && is_ws(*d->p));
	}
	return (0);
}

/*
 * Scan a string: sp and np get its decoded bytes, which point into the input
 * when it needed no change (returns 0), else into d->sbuf or d->rbuf,
 * valid until the next string (returns 1); -1 on error.
 */
static int
dec_strbytes(struct dec *d, const unsigned char **sp, size_t *np)
{
	const unsigned char	*s, *q;
	int			 slow = 0, high = 0;
	size_t			 n;

	s = ++d->p;	/* past the opening quote */
	q = s;
	for (;;) {
		while (q < d->end && !str_special[*q])
			q++;
		if (q >= d->end) {
			d->p = s - 1;
			dec_err(d, I3_ESYNTAX, "unterminated string");
			return (-1);
		}
		if (*q == '"')
			break;
		if (*q == '\0') {
			d->p = q;
			dec_err(d, I3_ENUL, "NUL byte in string");
			return (-1);
		}
		if (*q >= 0x80)
			high = 1;
		else {
			slow = 1;
			if (*q == '\\') {
				if (q + 1 >= d->end) {
					d->p = s - 1;
					dec_err(d, I3_ESYNTAX,
					    "unterminated string");
					return (-1);
				}
				if (q[1] == '\0') {
					d->p = q + 1;
					dec_err(d, I3_ENUL,
					    "NUL byte in string");
					return (-1);
				}
				if (q[1] >= 0x80)
					high = 1;
				q++;
			}
		}
		q++;
	}
	d->p = q + 1;	/* past the closing quote */
	n = (size_t)(q - s);

	if (slow) {
		const unsigned char	*i;
		char			*o;

		d->sbuf.len = 0;
		if (i3_buf_reserve(&d->sbuf, n) == -1)
			goto nomem;
		o = d->sbuf.data;
		for (i = s; i < q; i++) {
			if (*i == '\\')
				*o++ = (char)*++i;	/* \X -> X */
			else if (*i == '\r')
				*o++ = '\n';		/* raw CR -> LF */
			else
				*o++ = (char)*i;
		}
		d->sbuf.len = (size_t)(o - d->sbuf.data);
		s = (const unsigned char *)d->sbuf.data;
		n = d->sbuf.len;
	}
	if (high && i3__utf8_valid(s, n) != n) {
		d->rbuf.len = 0;
		if (i3__cp1252_to_utf8(&d->rbuf, s, n) == -1)
			goto nomem;
		s = (const unsigned char *)d->rbuf.data;
		n = d->rbuf.len;
	}
	*sp = s;
	*np = n;
	return (slow || high);

nomem:
	dec_err(d, I3_ENOMEM, "out of memory");
	return (-1);
}

static json_t *
dec_string(struct dec *d)
{
	const unsigned char	*s;
	size_t			 n;
	json_t			*v;

	if (dec_strbytes(d, &s, &n) == -1)
		return (NULL);
	if ((v = json_stringn_nocheck((const char *)s, n)) == NULL)
		dec_err(d, I3_ENOMEM, "out of memory");
	return (v);
}

static json_t *
dec_number(struct dec *d)
{
	const unsigned char	*s = d->p, *q = d->p;
	int			 neg = 0, isfloat = 0;
	uint64_t		 u = 0, lim;
	json_t			*v;

	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q >= d->end || *q < '0' || *q > '9') {
		dec_err(d, I3_ESYNTAX, "bad number");
		return (NULL);
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (q < d->end && *q >= '0' && *q <= '9') {
		unsigned int digit = (unsigned int)(*q - '0');

		if (u > (lim - digit) / 10) {
			/* Keep scanning: it may still be a float. */
			while (q < d->end && *q >= '0' && *q <= '9')
				q++;
			if (q < d->end && (*q == '.' || *q == 'e' ||
			    *q == 'E'))
				break;
			dec_err(d, I3_ERANGE, "integer beyond 64 bits");
			return (NULL);
		}
		u = u * 10 + digit;
		q++;
	}
	if (q < d->end && *q == '.') {
		isfloat = 1;
		q++;
		if (q >= d->end || *q < '0' || *q > '9') {
			d->p = q;
			dec_err(d, I3_ESYNTAX, "bad float");
			return (NULL);
		}
		while (q < d->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < d->end && (*q == 'e' || *q == 'E')) {
		isfloat = 1;
		q++;
		if (q < d->end && (*q == '+' || *q == '-'))
			q++;
		else if (d->flags & I3_DEC_STRICT) {
			d->p = q;
			dec_err(d, I3_ESYNTAX, "exponent without sign");
			return (NULL);
		}
		if (q >= d->end || *q < '0' || *q > '9') {
			d->p = q;
			dec_err(d, I3_ESYNTAX, "bad exponent");
			return (NULL);
		}
		while (q < d->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (isfloat) {
		char	tmp[512], *e;
		double	x;

		if ((size_t)(q - s) >= sizeof tmp) {
			dec_err(d, I3_ESYNTAX, "float too long");
			return (NULL);
		}
		memcpy(tmp, s, (size_t)(q - s));
		tmp[q - s] = '\0';
		errno = 0;
		x = strtod(tmp, &e);
		if (!isfinite(x)) {
			dec_err(d, I3_ERANGE, "float out of range");
			return (NULL);
		}
		v = json_real(x);
	} else if (neg)
		v = json_integer(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(json_int_t)u);
	else
		v = json_integer((json_int_t)u);
	if (v == NULL) {
		dec_err(d, I3_ENOMEM, "out of memory");
		return (NULL);
	}
	d->p = q;
	return (v);
}

/* After an element: a comma, or (leniently) the closing bracket. */
static int
dec_after(struct dec *d, unsigned char c1, const char *what)
{
	if (dec_ws(d) == -1)
		return (-1);
	if (d->p < d->end && *d->p == ',') {
		d->p++;
		return (0);
	}
	if (d->p + 1 < d->end && d->p[0] == c1 && d->p[1] == ')') {
		if (d->flags & I3_DEC_STRICT) {
			dec_err(d, I3_ESYNTAX, "missing trailing comma");
			return (-1);
		}
		return (0);	/* the caller sees the close */
	}
	if (d->p >= d->end)
		dec_err(d, I3_ESYNTAX, "unexpected end of input");
	else
		dec_err(d, I3_ESYNTAX, what);
	return (-1);
}

static int
dec_close(struct dec *d, unsigned char c1)
{
	return (d->p + 1 < d->end && d->p[0] == c1 && d->p[1] == ')');
}

static int
dec_empty(struct dec *d)
{
	if (d->flags & I3_DEC_STRICT) {
		dec_err(d, I3_ESYNTAX, "empty element (strict)");
		return (-1);
	}
	return (0);
}

/* "({" ... "})" or, with c1 '/', "(/" ... "/)". */
static json_t *
dec_array(struct dec *d, unsigned char c1)
{
	json_t	*a, *v;
	size_t	 count = 0;

	if ((a = json_array()) == NULL) {
		dec_err(d, I3_ENOMEM, "out of memory");
		return (NULL);
	}
	d->p += 2;
	for (;;) {
		if (dec_ws(d) == -1)
			goto fail;
		if (dec_close(d, c1)) {
			d->p += 2;
			return (a);
		}
		if (++count > d->lim.max_elements) {
			dec_err(d, I3_ELIMIT, "too many elements");
			goto fail;
		}
		if (d->p < d->end && *d->p == ',') {
			if (dec_empty(d) == -1)
				goto fail;
			v = json_integer(0);
		} else if ((v = dec_value(d)) == NULL)
			goto fail;
		if (json_array_append_new(a, v) == -1) {
			dec_err(d, I3_ENOMEM, "out of memory");
			goto fail;
		}
		if (dec_after(d, c1, c1 == '}' ? "expected ',' or '})'" :
		    "expected ',' or '/)'") == -1)
			goto fail;
	}
fail:
	json_decref(a);
	return (NULL);
}

/* Turn an object being built into the pair form, for a non-string key. */
static json_t *
dec_to_pairs(json_t *obj)
{
	json_t		*pairs, *pair;
	const char	*k;
	json_t		*v;

	if ((pairs = json_array()) == NULL)
		return (NULL);
	json_object_foreach(obj, k, v) {
		pair = json_pack("[sO]", k, v);
		if (pair == NULL || json_array_append_new(pairs, pair) == -1) {
			json_decref(pairs);
			return (NULL);
		}
	}
	return (pairs);
}

static json_t *
dec_mapping(struct dec *d)
{
	json_t		*obj, *pairs = NULL, *k = NULL, *v = NULL, *res;
	size_t		 count = 0, kn = 0;
	const char	*kp = NULL;
	char		 kstack[128], *kheap = NULL;

	if ((obj = json_object()) == NULL) {
		dec_err(d, I3_ENOMEM, "out of memory");
		return (NULL);
	}
	d->p += 2;
	for (;;) {
		if (dec_ws(d) == -1)
			goto fail;
		if (dec_close(d, ']')) {
			d->p += 2;
			break;
		}
		if (++count > d->lim.max_elements) {
			dec_err(d, I3_ELIMIT, "too many elements");
			goto fail;
		}
		/*
		 * The key: a string key is kept as bytes (no json_t) while the
		 * mapping can still be an object; anything else is a value.
		 */
		if (pairs == NULL && d->p < d->end && *d->p == '"') {
			const unsigned char	*ks;
			int			 rc;

			if ((rc = dec_strbytes(d, &ks, &kn)) == -1)
				goto fail;
			if (rc == 0)
				kp = (const char *)ks;
			else if (kn <= sizeof kstack) {
				memcpy(kstack, ks, kn);
				kp = kstack;
			} else {
				if ((kheap = malloc(kn)) == NULL)
					goto nomem;
				memcpy(kheap, ks, kn);
				kp = kheap;
			}
		} else if (d->p < d->end && *d->p == ':') {
			if (dec_empty(d) == -1)
				goto fail;
			if ((k = json_integer(0)) == NULL)
				goto nomem;
		} else if ((k = dec_value(d)) == NULL)
			goto fail;
		if (dec_ws(d) == -1)
			goto fail;
		if (d->p >= d->end || *d->p != ':') {
			dec_err(d, I3_ESYNTAX, "expected ':' in mapping");
			goto fail;
		}
		d->p++;
		if (dec_ws(d) == -1)
			goto fail;
		/* value */
		if (d->p < d->end && (*d->p == ',' || dec_close(d, ']'))) {
			if (dec_empty(d) == -1)
				goto fail;
			if ((v = json_integer(0)) == NULL)
				goto nomem;
		} else if ((v = dec_value(d)) == NULL)
			goto fail;

		if (pairs == NULL && kp == NULL) {
			/* The first key that is not a string. */
			if ((pairs = dec_to_pairs(obj)) == NULL)
				goto nomem;
		}
		if (pairs != NULL) {
			json_t *pair;

			if (k == NULL &&
			    (k = json_stringn_nocheck(kp, kn)) == NULL)
				goto nomem;
			pair = json_pack("[oo]", k, v);
			k = v = NULL;
			if (pair == NULL ||
			    json_array_append_new(pairs, pair) == -1)
				goto nomem;
		} else {
			if (json_object_setn_new_nocheck(obj, kp, kn, v) ==
			    -1) {
				v = NULL;
				goto nomem;
			}
			v = NULL;
		}
		free(kheap);
		kheap = NULL;
		kp = NULL;
		if (dec_after(d, ']', "expected ',' or '])'") == -1)
			goto fail;
	}

	/* A lone string key that looks like our marker is escaped too. */
	if (pairs == NULL && json_object_size(obj) == 1 &&
	    json_object_get(obj, I3_PAIRS_KEY) != NULL) {
		if ((pairs = dec_to_pairs(obj)) == NULL) {
			dec_err(d, I3_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (pairs != NULL) {
		json_decref(obj);
		if ((res = json_pack("{so}", I3_PAIRS_KEY, pairs)) == NULL)
			dec_err(d, I3_ENOMEM, "out of memory");
		return (res);
	}
	return (obj);

nomem:
	dec_err(d, I3_ENOMEM, "out of memory");
fail:
	free(kheap);
	json_decref(k);
	json_decref(v);
	json_decref(pairs);
	json_decref(obj);
	return (NULL);
}

static json_t *
dec_value(struct dec *d)
{
	json_t	*v;

	if (dec_ws(d) == -1)
		return (NULL);
	if (d->p >= d->end) {
		dec_err(d, I3_ESYNTAX, "unexpected end of input");
		return (NULL);
	}
	switch (*d->p) {
	case '"':
		return (dec_string(d));
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return (dec_number(d));
	case '(':
		if (d->p + 1 >= d->end)
			break;
		if (d->p[1] != '{' && d->p[1] != '[' && d->p[1] != '/')
			break;
		if (d->depth >= d->lim.max_depth) {
			dec_err(d, I3_EDEPTH, "nesting too deep");
			return (NULL);
		}
		d->depth++;
		if (d->p[1] == '{')
			v = dec_array(d, '}');
		else if (d->p[1] == '[')
			v = dec_mapping(d);
		else
			v = dec_array(d, '/');
		d->depth--;
		return (v);
	case '\0':
		dec_err(d, I3_ENUL, "NUL byte");
		return (NULL);
	}
	if (d->p + 1 >= d->end && *d->p == '(')
		dec_err(d, I3_ESYNTAX, "unexpected end of input");
	else
		dec_err(d, I3_ESYNTAX, "unexpected byte");
	return (NULL);
}

json_t *
i3_lpc_decode_ex(const char *buf, size_t len, unsigned int flags,
    const i3_limits *lim, size_t *endp, i3_error *err)
{
	struct dec	 d;
	json_t		*v;

	if (buf == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "no input");
		return (NULL);
	}
	memset(&d, 0, sizeof d);
	d.start = d.p = (const unsigned char *)buf;
	d.end = d.start + len;
	d.flags = flags;
	d.err = err;
	i3__limits(&d.lim, lim);
	i3_buf_init(&d.sbuf);
	i3_buf_init(&d.rbuf);

	v = dec_value(&d);
	if (v != NULL && !(flags & I3_DEC_PARTIAL)) {
		/* Allowed after the value: whitespace, then one NUL. */
		if (!(flags & I3_DEC_STRICT))
			while (d.p < d.end && is_ws(*d.p))
				d.p++;
		if (d.p + 1 == d.end && *d.p == '\0')
			d.p++;
		if (d.p != d.end) {
			if (*d.p == '\0')
				dec_err(&d, I3_ENUL, "NUL byte after the value");
			else
				dec_err(&d, I3_EFRAME, "bytes after the value");
			json_decref(v);
			v = NULL;
		}
	}
	if (v != NULL && endp != NULL)
		*endp = dec_off(&d);
	i3_buf_free(&d.sbuf);
	i3_buf_free(&d.rbuf);
	return (v);
}

json_t *
i3_lpc_decode(const char *buf, size_t len, unsigned int flags,
    const i3_limits *lim, i3_error *err)
{
	return (i3_lpc_decode_ex(buf, len, flags & ~I3_DEC_PARTIAL, lim, NULL,
	    err));
}

/* ------------------------------------------------------------ encoder */

#define ENC_MAX_DEPTH	1000

struct enc {
	i3_buf		*b;
	unsigned int	 flags;
	unsigned int	 depth;
	i3_error	*err;
};

static int	enc_value(struct enc *, const json_t *);

static int
enc_nomem(struct enc *e)
{
	i3__seterr(e->err, I3_ENOMEM, e->b->len, "out of memory");
	return (-1);
}

/* Append without the terminating NUL (added once, at the end). */
static inline int
enc_add(struct enc *e, const char *p, size_t n)
{
	i3_buf	*b = e->b;

	if (I3_UNLIKELY(b->len + n + 1 > b->size) &&
	    i3_buf_reserve(b, n) == -1)
		return (enc_nomem(e));
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return (0);
}

static inline int
enc_char(struct enc *e, char c)
{
	i3_buf	*b = e->b;

	if (I3_UNLIKELY(b->len + 2 > b->size) && i3_buf_reserve(b, 1) == -1)
		return (enc_nomem(e));
	b->data[b->len++] = c;
	return (0);
}

#define ENC_ADD(e, s, n) do {						\
	if (enc_add((e), (s), (n)) == -1)				\
		return (-1);						\
} while (0)

#define ENC_CHAR(e, c) do {						\
	if (enc_char((e), (c)) == -1)					\
		return (-1);						\
} while (0)

static int
enc_indent(struct enc *e)
{
	unsigned int	i;

	if (!(e->flags & I3_ENC_PRETTY))
		return (0);
	if (i3_buf_reserve(e->b, 1 + 2 * (size_t)e->depth) == -1)
		return (enc_nomem(e));
	e->b->data[e->b->len++] = '\n';
	for (i = 0; i < e->depth; i++) {
		e->b->data[e->b->len++] = ' ';
		e->b->data[e->b->len++] = ' ';
	}
	return (0);
}

/* Bytes the encoder must look at: everything else is copied raw. */
static const unsigned char enc_special[256] = {
	['\0'] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1, ['\\'] = 1,
};

static int
enc_string(struct enc *e, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	char			*o;

	/* At most two bytes out per byte in, plus the quotes. */
	if (i3_buf_reserve(e->b, 2 * n + 2) == -1)
		return (enc_nomem(e));
	o = e->b->data + e->b->len;
	*o++ = '"';
	while (p < end) {
		const unsigned char *run = p;

		while (p < end && !enc_special[*p])
			p++;
		if (p > run) {
			memcpy(o, run, (size_t)(p - run));
			o += p - run;
		}
		if (p >= end)
			break;
		switch (*p) {
		case '"':
		case '\\':
			*o++ = '\\';
			*o++ = (char)*p;
			break;
		case '\n':		/* the driver writes LF as raw CR */
			*o++ = '\r';
			break;
		case '\r':		/* and a literal CR as \CR */
			*o++ = '\\';
			*o++ = '\r';
			break;
		case '\0':
			if (!(e->flags & I3_ENC_NULOK)) {
				i3__seterr(e->err, I3_ENUL,
				    (size_t)(p - (const unsigned char *)s),
				    "NUL byte in string at byte %zu",
				    (size_t)(p - (const unsigned char *)s));
				return (-1);
			}
			break;
		}
		p++;
	}
	*o++ = '"';
	e->b->len = (size_t)(o - e->b->data);
	return (0);
}

static int
enc_int(struct enc *e, json_int_t i)
{
	char		 tmp[24], *q = tmp + sizeof tmp;
	uint64_t	 u;

	u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (i < 0)
		*--q = '-';
	ENC_ADD(e, q, (size_t)(tmp + sizeof tmp - q));
	return (0);
}

/* Is this object the {"$lpc_mapping": [[k, v], ...]} form? */
static const json_t *
enc_pairs(const json_t *obj)
{
	const json_t	*pairs, *pair;
	size_t		 i;

	if (json_object_size(obj) != 1)
		return (NULL);
	pairs = json_object_get(obj, I3_PAIRS_KEY);
	if (!json_is_array(pairs))
		return (NULL);
	json_array_foreach(pairs, i, pair) {
		if (!json_is_array(pair) || json_array_size(pair) != 2)
			return (NULL);
	}
	return (pairs);
}

static int
enc_open(struct enc *e, const char *s)
{
	if (e->depth >= ENC_MAX_DEPTH) {
		i3__seterr(e->err, I3_EDEPTH, e->b->len, "nesting too deep");
		return (-1);
	}
	ENC_ADD(e, s, 2);
	e->depth++;
	return (0);
}

static int
enc_close(struct enc *e, const char *s, int any)
{
	e->depth--;
	if (any && enc_indent(e) == -1)
		return (-1);
	ENC_ADD(e, s, 2);
	return (0);
}

static int
enc_value(struct enc *e, const json_t *v)
{
	size_t		 i, klen;
	const json_t	*x, *pairs;
	const char	*k;
	double		 r;
	char		 tmp[512];
	int		 n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return (enc_string(e, json_string_value(v),
		    json_string_length(v)));
	case JSON_INTEGER:
		return (enc_int(e, json_integer_value(v)));
	case JSON_TRUE:
		ENC_CHAR(e, '1');
		return (0);
	case JSON_FALSE:
	case JSON_NULL:
		ENC_CHAR(e, '0');
		return (0);
	case JSON_REAL:
		r = json_real_value(v);
		if (!(e->flags & I3_ENC_FLOATS) || !isfinite(r)) {
			i3__seterr(e->err, I3_ETYPE, e->b->len,
			    "float cannot be sent (I3 carries ints only)");
			return (-1);
		}
		n = snprintf(tmp, sizeof tmp, "%f", r);
		if (n < 0 || (size_t)n >= sizeof tmp) {
			i3__seterr(e->err, I3_ETYPE, e->b->len,
			    "float too large");
			return (-1);
		}
		ENC_ADD(e, tmp, (size_t)n);
		return (0);
	case JSON_ARRAY:
		if (enc_open(e, "({") == -1)
			return (-1);
		json_array_foreach(v, i, x) {
			if (enc_indent(e) == -1 || enc_value(e, x) == -1)
				return (-1);
			ENC_CHAR(e, ',');
		}
		return (enc_close(e, "})", json_array_size(v) != 0));
	case JSON_OBJECT:
		if (enc_open(e, "([") == -1)
			return (-1);
		if ((pairs = enc_pairs(v)) != NULL) {
			json_array_foreach(pairs, i, x) {
				if (enc_indent(e) == -1 ||
				    enc_value(e, json_array_get(x, 0)) == -1)
					return (-1);
				ENC_CHAR(e, ':');
				if (enc_value(e, json_array_get(x, 1)) == -1)
					return (-1);
				ENC_CHAR(e, ',');
			}
			return (enc_close(e, "])", json_array_size(pairs)));
		}
		json_object_keylen_foreach((json_t *)v, k, klen, x) {
			if (enc_indent(e) == -1 || enc_string(e, k, klen) == -1)
				return (-1);
			ENC_CHAR(e, ':');
			if (enc_value(e, x) == -1)
				return (-1);
			ENC_CHAR(e, ',');
		}
		return (enc_close(e, "])", json_object_size(v) != 0));
	}
	i3__seterr(e->err, I3_ETYPE, e->b->len, "unknown JSON type");
	return (-1);
}

int
i3_lpc_encode_buf(i3_buf *b, const json_t *v, unsigned int flags,
    i3_error *err)
{
	struct enc	e;
	size_t		old = b->len;

	if (v == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "no value");
		return (-1);
	}
	e.b = b;
	e.flags = flags;
	e.depth = 0;
	e.err = err;
	if (enc_value(&e, v) == -1 || i3_buf_reserve(b, 0) == -1) {
		if (err != NULL && err->code == I3_EOK)
			i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		b->len = old;
		if (b->data != NULL)
			b->data[old] = '\0';
		return (-1);
	}
	b->data[b->len] = '\0';
	return (0);
}

char *
i3_lpc_encode(const json_t *v, unsigned int flags, size_t *lenp,
    i3_error *err)
{
	i3_buf	b;

	i3_buf_init(&b);
	if (i3_buf_reserve(&b, 256) == -1) {
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (NULL);
	}
	if (i3_lpc_encode_buf(&b, v, flags, err) == -1) {
		i3_buf_free(&b);
		return (NULL);
	}
	if (lenp != NULL)
		*lenp = b.len;
	return (b.data);
}
