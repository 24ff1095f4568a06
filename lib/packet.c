/*
 * packet.c: I3 packets, positional LPC array ("raw") <-> named JSON object.
 *
 * Driven by the table in schema.c.  Conversions share unchanged values with
 * their input (jansson references) and never lose an element: what cannot be
 * named is kept under "_fields", "_extra" or "_raw" (docs/PROTOCOL.md).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3-int.h"

#define PKT_MAX_NEST	8	/* packets nested deeper are kept raw */
#define PKT_AHEAD	24	/* elements of a packet fetched at once */
#define RAW_KEY		"_raw"
#define EXTRA_KEY	"_extra"
#define FIELDS_KEY	"_fields"
#define REF(v)		json_incref((json_t *)(v))

/* Where in a packet a message is about: field, field["key"] or field[idx]. */
struct where {
	const char	*field;
	const char	*key;
	size_t		 idx;
	int		 has_idx;
};

struct pctx {
	unsigned int	 flags;
	const char	*type;
	int		 want;		/* collect warnings */
	json_t		*warn;
	i3_error	*err;
	int		 depth;
};

static void	 pkt_vmsg(char *, size_t, struct pctx *,
		    const struct where *, const char *, va_list);
static int	 pkt_fail(struct pctx *, const struct where *,
		    const char *, ...) I3_PRINTF(3, 4);
static int	 pkt_dev(struct pctx *, const struct where *,
		    const char *, ...) I3_PRINTF(3, 4);
static const char *vdesc(const json_t *);
static int	 is_zero(const json_t *);
static int	 fits(enum i3__ftype, const json_t *);
static int	 is_key(const char *, size_t, const struct i3__field *);
static void	 prefetch_all(const json_t *);
static int	 check_value(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static int	 check_other(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static json_t	*keep_raw(const json_t *);
static int	 unwrap_raw(struct pctx *, const struct where *,
		    const json_t *, const json_t **);
static json_t	*rec_named(struct pctx *, const struct where *,
		    const struct i3__field *, size_t, const json_t *);
static json_t	*rec_raw(struct pctx *, const struct where *,
		    const struct i3__field *, size_t, const json_t *);
static json_t	*router_named(struct pctx *, const struct where *,
		    const json_t *);
static json_t	*router_raw(struct pctx *, const struct where *,
		    const json_t *);
static json_t	*map_named(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static json_t	*map_raw(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static json_t	*nested_named(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static json_t	*nested_raw(struct pctx *, const struct where *,
		    const json_t *);
static json_t	*val_named(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static json_t	*val_raw(struct pctx *, const struct where *,
		    enum i3__ftype, const json_t *);
static json_t	*pkt_named(struct pctx *, const json_t *);
static json_t	*pkt_raw(struct pctx *, const json_t *);
static int	 pkt_raw_ordered(struct pctx *, const json_t *, json_t **);
static const struct i3__field *pkt_body(const struct i3__ptype *,
		    const json_t *, size_t *);
static int	 body_has(const struct i3__field *, size_t, const char *);
static json_t	*lower(const json_t *);
static json_t	*fields_json(const struct i3__field *, size_t, size_t);
static json_t	*type_json(const struct i3__ptype *);

/* ------------------------------------------------------------ messages */

static void
pkt_vmsg(char *buf, size_t size, struct pctx *c, const struct where *w,
    const char *fmt, va_list ap)
{
	size_t	n;
	int	r;

	r = snprintf(buf, size, "%s: ", c->type != NULL ? c->type : "packet");
	n = r < 0 ? 0 : (size_t)r;
	if (w != NULL && n < size) {
		if (w->key != NULL)
			r = snprintf(buf + n, size - n, "%s[\"%s\"]: ",
			    w->field, w->key);
		else if (w->has_idx)
			r = snprintf(buf + n, size - n, "%s[%zu]: ", w->field,
			    w->idx);
		else
			r = snprintf(buf + n, size - n, "%s: ", w->field);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n < size)
		vsnprintf(buf + n, size - n, fmt, ap);
	/* Cut a multibyte character that truncation split. */
	buf[i3__utf8_valid((const unsigned char *)buf, strlen(buf))] = '\0';
}

/* A fault in either mode. */
static int
pkt_fail(struct pctx *c, const struct where *w, const char *fmt, ...)
{
	char	buf[sizeof ((i3_error *)0)->text];
	va_list	ap;

	va_start(ap, fmt);
	pkt_vmsg(buf, sizeof buf, c, w, fmt, ap);
	va_end(ap);
	i3__seterr(c->err, I3_EPACKET, 0, "%s", buf);
	return (-1);
}

/* A deviation: an error when strict, else a warning and 0. */
static int
pkt_dev(struct pctx *c, const struct where *w, const char *fmt, ...)
{
	char	 buf[sizeof ((i3_error *)0)->text];
	va_list	 ap;
	json_t	*s;

	if (!(c->flags & I3_PKT_STRICT) && !c->want)
		return (0);
	va_start(ap, fmt);
	pkt_vmsg(buf, sizeof buf, c, w, fmt, ap);
	va_end(ap);
	if (c->flags & I3_PKT_STRICT) {
		i3__seterr(c->err, I3_EPACKET, 0, "%s", buf);
		return (-1);
	}
	if (c->warn == NULL && (c->warn = json_array()) == NULL)
		return (0);
	if ((s = json_string(buf)) != NULL)
		json_array_append_new(c->warn, s);
	return (0);
}

/*
 * A string that is a decimal int ("1", "-1": up to 18 digits) where an
 * int is expected; its value in *out.  Lenient naming keeps the string
 * (the round trip stays exact) and i3_pkt_int() reads it.
 */
static int
int_string(const json_t *v, json_int_t *out)
{
	const char	*s, *p;
	size_t		 n;

	if (!json_is_string(v))
		return (0);
	s = json_string_value(v);
	p = *s == '-' ? s + 1 : s;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 18 || p[n] != '\0')
		return (0);
	if (out != NULL)
		*out = (json_int_t)strtoll(s, NULL, 10);
	return (1);
}

static const char *
vdesc(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return ("mapping");
	case JSON_ARRAY:
		return ("array");
	case JSON_STRING:
		return ("string");
	case JSON_INTEGER:
		return (json_integer_value(v) == 0 ? "0" : "int");
	case JSON_REAL:
		return ("float");
	default:
		return ("null");
	}
}

static int
is_zero(const json_t *v)
{
	return (json_is_integer(v) && json_integer_value(v) == 0);
}

/*
 * 1 when a value is what a field of type t holds as it is: nothing to
 * report and nothing to convert (the value is shared as it is).  The common
 * case, tested before anything else.
 */
static inline int
fits(enum i3__ftype t, const json_t *v)
{
	switch (t) {
	case I3F_STR:
		return (json_is_string(v));
	case I3F_STR0:
		return (json_is_string(v) || is_zero(v));
	case I3F_INT:
		return (json_is_integer(v));
	case I3F_MAP:
		return (json_is_object(v));
	case I3F_MAP0:
		return (json_is_object(v) || is_zero(v));
	case I3F_ARR:
		return (json_is_array(v));
	case I3F_ANY:
		return (1);
	default:
		return (0);
	}
}

/* 1 when a key (from json_object_iter_key()) is the field's name. */
static inline int
is_key(const char *key, size_t len, const struct i3__field *f)
{
	return (len == f->namelen && memcmp(key, f->name, len) == 0);
}

/* Ask for the values of an array before they are read one by one. */
static void
prefetch_all(const json_t *a)
{
	size_t	i, n = json_array_size(a);

	for (i = 0; i < n; i++)
		I3_PREFETCH(json_array_get(a, i));
}

/*
 * Check a value against a field type: 0 when it fits (perhaps with a
 * warning), -1 on a strict deviation (error set), 1 when it does not fit at
 * all (error not set: the caller decides).
 */
static inline int
check_value(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *v)
{
	if (I3_LIKELY(fits(t, v)))
		return (0);
	return (check_other(c, w, t, v));
}

/* check_value() for a value that does not simply fit. */
static int
check_other(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *v)
{
	struct where	 ew;
	const json_t	*e;
	size_t		 i;

	switch (t) {
	case I3F_STR:
		if (json_is_string(v))
			return (0);
		if (is_zero(v))
			return (pkt_dev(c, w, "0 where a string is expected"));
		return (1);
	case I3F_STR0:
		return (json_is_string(v) || is_zero(v) ? 0 : 1);
	case I3F_INT:
		if (json_is_integer(v))
			return (0);
		/* The Python gateway's channel-listen flag "1"; never ttl. */
		if (int_string(v, NULL) && w->field != NULL &&
		    strcmp(w->field, "ttl") != 0)
			return (pkt_dev(c, w, "a string where an int is "
			    "expected, read as %s", json_string_value(v)));
		return (1);
	case I3F_MAP:
	case I3F_MUDLIST:
	case I3F_CHANLIST:
		if (json_is_object(v))
			return (0);
		if (is_zero(v))
			return (pkt_dev(c, w, "0 where a mapping is expected"));
		return (1);
	case I3F_MAP0:
		return (json_is_object(v) || is_zero(v) ? 0 : 1);
	case I3F_ARR:
	case I3F_ROUTERS:
	case I3F_WHO:
	case I3F_PACKET:
		if (json_is_array(v))
			return (0);
		if (is_zero(v))
			return (pkt_dev(c, w, "0 where an array is expected"));
		return (1);
	case I3F_STRARR:
		if (is_zero(v))
			return (pkt_dev(c, w, "0 where an array is expected"));
		if (!json_is_array(v))
			return (1);
		ew = *w;
		ew.has_idx = 1;
		json_array_foreach(v, i, e) {
			if (json_is_string(e))
				continue;
			ew.idx = i;
			if (!is_zero(e))
				return (pkt_fail(c, &ew, "expected string, "
				    "got %s", vdesc(e)));
			if (pkt_dev(c, &ew, "0 where a string is expected")
			    == -1)
				return (-1);
		}
		return (0);
	case I3F_ANY:
	case I3F_PACKET0:
		return (0);
	}
	return (1);
}

/* ------------------------------------------------- kept-as-is values */

/* A value that could not be named: a mapping is wrapped so it is not read
 * back as a named structure. */
static json_t *
keep_raw(const json_t *v)
{
	json_t	*o;

	if (!json_is_object(v))
		return (REF(v));
	if ((o = json_object()) == NULL)
		return (NULL);
	if (json_object_setn_nocheck(o, RAW_KEY, sizeof RAW_KEY - 1,
	    (json_t *)v) == -1) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

/* 1 and *out set when v is {"_raw": x}; 0 when it has no "_raw"; -1. */
static int
unwrap_raw(struct pctx *c, const struct where *w, const json_t *v,
    const json_t **out)
{
	const json_t	*r;

	if ((r = json_object_get(v, RAW_KEY)) == NULL)
		return (0);
	if (json_object_size(v) != 1)
		return (pkt_fail(c, w, "\"" RAW_KEY "\" beside other keys"));
	*out = r;
	return (1);
}

/* ------------------------------------------------- nested structures */

/* A fixed array of fields -> an object; kept as it is when it won't fit. */
static json_t *
rec_named(struct pctx *c, const struct where *w, const struct i3__field *f,
    size_t nf, const json_t *v)
{
	json_t		*o;
	const json_t	*e, *el[PKT_AHEAD];
	size_t		 i;
	int		 r;

	if (!json_is_array(v) || json_array_size(v) != nf) {
		if (json_is_array(v) && f == i3__mud_fields &&
		    (json_array_size(v) == 11 || json_array_size(v) == 12))
			r = pkt_dev(c, w, "%zu-element entry (protocol 1/2 "
			    "form) kept as an array", json_array_size(v));
		else
			r = pkt_dev(c, w, "not a %zu-element array (%s), kept "
			    "as it is", nf, vdesc(v));
		return (r == -1 ? NULL : keep_raw(v));
	}
	for (i = 0; i < nf; i++) {
		el[i] = json_array_get(v, i);
		I3_PREFETCH(el[i]);
	}
	for (i = 0; i < nf; i++) {
		e = el[i];
		if ((r = check_value(c, w, f[i].type, e)) == -1)
			return (NULL);
		if (r == 1) {
			if (pkt_dev(c, w, "%s: expected %s, got %s; kept as "
			    "an array", f[i].name, i3__ftype_name(f[i].type),
			    vdesc(e)) == -1)
				return (NULL);
			return (keep_raw(v));
		}
	}
	if ((o = json_object()) == NULL)
		return (NULL);
	for (i = 0; i < nf; i++) {
		if (json_object_setn_nocheck(o, f[i].name, f[i].namelen,
		    (json_t *)el[i]) == -1) {
			json_decref(o);
			return (NULL);
		}
	}
	return (o);
}

static json_t *
rec_raw(struct pctx *c, const struct where *w, const struct i3__field *f,
    size_t nf, const json_t *v)
{
	json_t		*a, *val[PKT_AHEAD];
	const json_t	*e;
	void		*it;
	size_t		 i, n;
	int		 r;

	if (!json_is_object(v))
		return (REF(v));
	/* The quick way first: the keys in the order of the fields. */
	n = 0;
	for (it = json_object_iter((json_t *)v); it != NULL;
	    it = json_object_iter_next((json_t *)v, it)) {
		if (n == nf || !is_key(json_object_iter_key(it),
		    json_object_iter_key_len(it), &f[n]))
			break;
		val[n] = json_object_iter_value(it);
		I3_PREFETCH(val[n]);
		n++;
	}
	if ((a = json_array()) == NULL)
		return (NULL);
	if (n == nf && it == NULL) {
		for (i = 0; i < nf; i++) {
			if (json_array_append(a, val[i]) == -1)
				goto fail;
		}
		return (a);
	}
	if ((r = unwrap_raw(c, w, v, &e)) != 0) {
		json_decref(a);
		return (r == -1 ? NULL : REF(e));
	}
	for (i = 0; i < nf; i++) {
		if ((e = json_object_get(v, f[i].name)) == NULL) {
			pkt_fail(c, w, "%s missing", f[i].name);
			goto fail;
		}
		if (json_array_append(a, (json_t *)e) == -1)
			goto fail;
	}
	if (json_object_size(v) != nf) {
		pkt_fail(c, w, "unknown key in entry");
		goto fail;
	}
	return (a);
fail:
	json_decref(a);
	return (NULL);
}

/* ({ name, "host port" }) -> {"name", "host", "port"[, "addr"]}. */
static json_t *
router_named(struct pctx *c, const struct where *w, const json_t *v)
{
	const char	*s, *sp, *p;
	size_t		 len;
	json_int_t	 port = 0;
	int		 canon = 0, digits = 0, r;
	json_t		*o;

	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_string(json_array_get(v, 0)) ||
	    !json_is_string(json_array_get(v, 1))) {
		r = pkt_dev(c, w, "not ({ name, \"host port\" }), kept as it "
		    "is");
		return (r == -1 ? NULL : keep_raw(v));
	}
	s = json_string_value(json_array_get(v, 1));
	len = json_string_length(json_array_get(v, 1));
	sp = NULL;
	for (p = s + len; p > s; p--) {
		if (p[-1] == ' ') {
			sp = p - 1;
			break;
		}
	}
	if (sp != NULL && sp + 1 < s + len && s + len - (sp + 1) <= 9) {
		digits = 1;
		for (p = sp + 1; p < s + len; p++) {
			if (*p < '0' || *p > '9') {
				digits = 0;
				port = 0;
				break;
			}
			port = port * 10 + (*p - '0');
		}
		/* A leading zero parses but would not come back. */
		canon = digits && !(sp[1] == '0' && s + len - (sp + 1) > 1);
	}
	if (!digits) {
		sp = NULL;
		if (pkt_dev(c, w, "address \"%s\" is not \"host port\"", s)
		    == -1)
			return (NULL);
	}
	if ((o = json_object()) == NULL)
		return (NULL);
	if (json_object_set_nocheck(o, "name", json_array_get(v, 0)) == -1 ||
	    json_object_set_new_nocheck(o, "host", json_stringn(s,
	    sp != NULL ? (size_t)(sp - s) : len)) == -1 ||
	    json_object_set_new_nocheck(o, "port", json_integer(port)) == -1 ||
	    (!canon && json_object_set_nocheck(o, "addr",
	    json_array_get(v, 1)) == -1)) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

static json_t *
router_raw(struct pctx *c, const struct where *w, const json_t *v)
{
	const json_t	*name, *host, *port, *addr, *e;
	char		*buf;
	size_t		 n;
	json_t		*a, *s;
	int		 r;

	if (!json_is_object(v))
		return (REF(v));
	if ((r = unwrap_raw(c, w, v, &e)) != 0)
		return (r == -1 ? NULL : REF(e));
	name = json_object_get(v, "name");
	host = json_object_get(v, "host");
	port = json_object_get(v, "port");
	addr = json_object_get(v, "addr");
	n = (name != NULL) + (host != NULL) + (port != NULL) + (addr != NULL);
	if (name == NULL || n != json_object_size(v) ||
	    (addr == NULL && (host == NULL || port == NULL))) {
		pkt_fail(c, w, "want {\"name\", \"host\", \"port\"}");
		return (NULL);
	}
	if (addr != NULL)
		s = REF(addr);
	else {
		if (!json_is_string(host) || !json_is_integer(port)) {
			pkt_fail(c, w, "host must be a string, port an int");
			return (NULL);
		}
		n = json_string_length(host) + 32;
		if ((buf = malloc(n)) == NULL)
			return (NULL);
		memcpy(buf, json_string_value(host), json_string_length(host));
		n = json_string_length(host);
		n += (size_t)snprintf(buf + n, 32, " %" JSON_INTEGER_FORMAT,
		    json_integer_value(port));
		s = json_stringn_nocheck(buf, n);
		free(buf);
	}
	if (s == NULL || (a = json_array()) == NULL) {
		json_decref(s);
		return (NULL);
	}
	if (json_array_append(a, (json_t *)name) == -1 ||
	    json_array_append_new(a, s) == -1) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

/* mudlist info or chanlist channels: name -> entry | 0. */
static json_t *
map_named(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *m)
{
	const struct i3__field	*f;
	size_t			 nf, klen;
	const char		*key;
	json_t			*o, *e, *v;
	struct where		 ew;

	if (json_object_size(m) == 1 &&
	    json_object_get(m, I3_PAIRS_KEY) != NULL) {
		if (pkt_dev(c, w, "mapping with non-string keys, kept as it "
		    "is") == -1)
			return (NULL);
		return (REF(m));
	}
	if (t == I3F_MUDLIST) {
		f = i3__mud_fields;
		nf = 13;
	} else {
		f = i3__chan_fields;
		nf = 2;
	}
	if ((o = json_object()) == NULL)
		return (NULL);
	ew = *w;
	json_object_keylen_foreach((json_t *)m, key, klen, v) {
		if (is_zero(v))
			e = REF(v);
		else {
			ew.key = key;
			if ((e = rec_named(c, &ew, f, nf, v)) == NULL)
				goto fail;
		}
		if (json_object_setn_new_nocheck(o, key, klen, e) == -1)
			goto fail;
	}
	return (o);
fail:
	json_decref(o);
	return (NULL);
}

static json_t *
map_raw(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *m)
{
	const struct i3__field	*f;
	size_t			 nf, klen;
	const char		*key;
	json_t			*o, *e, *v;
	struct where		 ew;

	if (!json_is_object(m) || (json_object_size(m) == 1 &&
	    json_object_get(m, I3_PAIRS_KEY) != NULL))
		return (REF(m));
	if (t == I3F_MUDLIST) {
		f = i3__mud_fields;
		nf = 13;
	} else {
		f = i3__chan_fields;
		nf = 2;
	}
	if ((o = json_object()) == NULL)
		return (NULL);
	ew = *w;
	json_object_keylen_foreach((json_t *)m, key, klen, v) {
		ew.key = key;
		if ((e = rec_raw(c, &ew, f, nf, v)) == NULL)
			goto fail;
		if (json_object_setn_new_nocheck(o, key, klen, e) == -1)
			goto fail;
	}
	return (o);
fail:
	json_decref(o);
	return (NULL);
}

/* A packet inside a packet: named when it parses (leniently). */
static json_t *
nested_named(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *v)
{
	struct pctx	 n;
	i3_error	 e;
	json_t		*o;

	if (json_is_object(v))
		return (keep_raw(v));
	if (!json_is_array(v) || c->depth >= PKT_MAX_NEST)
		return (REF(v));
	memset(&n, 0, sizeof n);
	memset(&e, 0, sizeof e);
	n.flags = I3_PKT_LENIENT;
	n.err = &e;
	n.depth = c->depth + 1;
	if ((o = pkt_named(&n, v)) != NULL)
		return (o);
	if (t == I3F_PACKET && pkt_dev(c, w, "not a packet (%s), kept as it "
	    "is", e.text) == -1)
		return (NULL);
	return (REF(v));
}

static json_t *
nested_raw(struct pctx *c, const struct where *w, const json_t *v)
{
	struct pctx	 n;
	const json_t	*e;
	int		 r;

	if (!json_is_object(v))
		return (REF(v));
	if ((r = unwrap_raw(c, w, v, &e)) != 0)
		return (r == -1 ? NULL : REF(e));
	if (c->depth >= PKT_MAX_NEST) {
		pkt_fail(c, w, "packets nested too deep");
		return (NULL);
	}
	memset(&n, 0, sizeof n);
	n.flags = I3_PKT_LENIENT;
	n.err = c->err;
	n.depth = c->depth + 1;
	return (pkt_raw(&n, v));
}

static json_t *
val_named(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *v)
{
	struct where	 ew;
	json_t		*a, *e;
	const json_t	*x;
	size_t		 i;

	switch (t) {
	case I3F_ROUTERS:
	case I3F_WHO:
		if (!json_is_array(v))
			break;
		if ((a = json_array()) == NULL)
			return (NULL);
		prefetch_all(v);
		ew = *w;
		ew.has_idx = 1;
		json_array_foreach(v, i, x) {
			ew.idx = i;
			if (t == I3F_ROUTERS)
				e = router_named(c, &ew, x);
			else
				e = rec_named(c, &ew, i3__who_fields, 3, x);
			if (e == NULL || json_array_append_new(a, e) == -1) {
				json_decref(a);
				return (NULL);
			}
		}
		return (a);
	case I3F_MUDLIST:
	case I3F_CHANLIST:
		if (!json_is_object(v))
			break;
		return (map_named(c, w, t, v));
	case I3F_PACKET:
	case I3F_PACKET0:
		return (nested_named(c, w, t, v));
	default:
		break;
	}
	return (REF(v));
}

static json_t *
val_raw(struct pctx *c, const struct where *w, enum i3__ftype t,
    const json_t *v)
{
	struct where	 ew;
	json_t		*a, *e;
	const json_t	*x;
	size_t		 i;

	switch (t) {
	case I3F_ROUTERS:
	case I3F_WHO:
		if (!json_is_array(v))
			break;
		if ((a = json_array()) == NULL)
			return (NULL);
		prefetch_all(v);
		ew = *w;
		ew.has_idx = 1;
		json_array_foreach(v, i, x) {
			ew.idx = i;
			if (t == I3F_ROUTERS)
				e = router_raw(c, &ew, x);
			else
				e = rec_raw(c, &ew, i3__who_fields, 3, x);
			if (e == NULL || json_array_append_new(a, e) == -1) {
				json_decref(a);
				return (NULL);
			}
		}
		return (a);
	case I3F_MUDLIST:
	case I3F_CHANLIST:
		return (map_raw(c, w, t, v));
	case I3F_PACKET:
	case I3F_PACKET0:
		return (nested_raw(c, w, v));
	default:
		break;
	}
	return (REF(v));
}

/* --------------------------------------------------------- packets */

static int
body_has(const struct i3__field *f, size_t nf, const char *name)
{
	size_t	i;

	for (i = 0; i < nf; i++) {
		if (strcmp(f[i].name, name) == 0)
			return (1);
	}
	return (0);
}

/* The body layout of a named packet: the alternative one when it has a
 * field only the alternative knows (startup-req-2 with a protocol-3 body). */
static const struct i3__field *
pkt_body(const struct i3__ptype *pt, const json_t *named, size_t *nf)
{
	const struct i3__ptype	*alt = pt->alt;
	size_t			 i;

	if (alt != NULL) {
		for (i = 0; i < alt->nfields; i++) {
			if (!body_has(pt->fields, pt->nfields,
			    alt->fields[i].name) &&
			    json_object_get(named, alt->fields[i].name) != NULL) {
				*nf = alt->nfields;
				return (alt->fields);
			}
		}
	}
	*nf = pt->nfields;
	return (pt->fields);
}

static json_t *
pkt_named(struct pctx *c, const json_t *raw)
{
	const struct i3__ptype	*pt;
	const struct i3__field	*f;
	struct where		 w;
	json_t			*o, *a, *nv;
	const json_t		*v, *el[PKT_AHEAD];
	size_t			 n, nb, nf, nreq, base, i, m;
	int			 r;

	c->type = NULL;
	if (!json_is_array(raw)) {
		pkt_fail(c, NULL, "not an array (got %s)", vdesc(raw));
		return (NULL);
	}
	n = json_array_size(raw);
	/*
	 * Every value is read and referenced: ask for them all at once
	 * rather than wait for each in turn.
	 */
	m = n < PKT_AHEAD ? n : PKT_AHEAD;
	for (i = 0; i < m; i++) {
		el[i] = json_array_get(raw, i);
		I3_PREFETCH(el[i]);
	}
#define EL(i)	((i) < m ? el[i] : json_array_get(raw, (i)))
	if (n == 0 || !json_is_string(json_array_get(raw, 0))) {
		pkt_fail(c, NULL, "element 0 (type) is not a string");
		return (NULL);
	}
	c->type = json_string_value(json_array_get(raw, 0));
	pt = i3__ptype_find(c->type, strlen(c->type));
	if ((o = json_object()) == NULL)
		return (NULL);
	if (json_object_setn_nocheck(o, "type", 4, json_array_get(raw, 0)) ==
	    -1)
		goto fail;

	if (pt != NULL && (pt->flags & I3T_NOHDR))
		base = 1;
	else {
		base = 6;
		if (n < 6) {
			pkt_fail(c, NULL, "%zu elements, the header needs 6", n);
			goto fail;
		}
		for (i = 1; i < 6; i++) {
			v = el[i];
			f = &i3__hdr_fields[i];
			memset(&w, 0, sizeof w);
			w.field = f->name;
			if (check_value(c, &w, f->type, v) != 0 ||
			    (i == 2 && !json_is_string(v))) {
				pkt_fail(c, &w, "expected %s, got %s",
				    i3__ftype_name(f->type), vdesc(v));
				goto fail;
			}
			if (json_object_setn_nocheck(o, f->name, f->namelen,
			    (json_t *)v) == -1)
				goto fail;
		}
		if (pt == NULL) {
			if (c->flags & I3_PKT_STRICT) {
				pkt_fail(c, NULL, "unknown packet type");
				goto fail;
			}
			pkt_dev(c, NULL, "unknown packet type, elements kept "
			    "in " FIELDS_KEY);
			if ((a = json_array()) == NULL)
				goto fail;
			for (i = 6; i < n; i++)
				json_array_append(a, json_array_get(raw, i));
			if (json_object_setn_new_nocheck(o, FIELDS_KEY,
			    sizeof FIELDS_KEY - 1, a) == -1)
				goto fail;
			return (o);
		}
		for (i = 0; i < 3; i++) {
			v = el[3 + i];
			if (pt->hdr[i] == '0' ? is_zero(v) :
			    pt->hdr[i] != 's' || json_is_string(v))
				continue;
			memset(&w, 0, sizeof w);
			w.field = i3__hdr_fields[3 + i].name;
			if (pt->hdr[i] == '0')
				r = pkt_dev(c, &w, "must be 0");
			else
				r = pkt_dev(c, &w, "0 where a string is "
				    "expected");
			if (r == -1)
				goto fail;
		}
	}

	f = pt->fields;
	nf = pt->nfields;
	nb = n - base;
	if (pt->alt != NULL && nb == pt->alt->nfields) {
		if (pkt_dev(c, NULL, "%zu elements: protocol-3 body accepted",
		    n) == -1)
			goto fail;
		f = pt->alt->fields;
		nf = pt->alt->nfields;
	}
	for (nreq = nf; nreq > 0 && (f[nreq - 1].flags & I3F_OPT); nreq--)
		/* nothing */;
	if (nb < nreq) {
		if (pt->oldform != 0 && n == pt->oldform)
			r = pkt_dev(c, NULL, "%zu elements: older protocol form",
			    n);
		else
			r = pkt_dev(c, NULL, "%s missing (%zu of %zu elements)",
			    f[nb].name, n, base + nf);
		if (r == -1)
			goto fail;
	}
	memset(&w, 0, sizeof w);
	for (i = 0; i < nb && i < nf; i++) {
		v = EL(base + i);
		if (I3_LIKELY(fits(f[i].type, v)))
			nv = REF(v);
		else {
			w.field = f[i].name;
			if ((r = check_other(c, &w, f[i].type, v)) == -1)
				goto fail;
			if (r == 1) {
				pkt_fail(c, &w, "expected %s, got %s",
				    i3__ftype_name(f[i].type), vdesc(v));
				goto fail;
			}
			if ((nv = val_named(c, &w, f[i].type, v)) == NULL)
				goto fail;
		}
		if (json_object_setn_new_nocheck(o, f[i].name, f[i].namelen,
		    nv) == -1)
			goto fail;
	}
	if (nb > nf) {
		if (pkt_dev(c, NULL, "%zu extra element(s) (kept in " EXTRA_KEY ")",
		    nb - nf) == -1)
			goto fail;
		if ((a = json_array()) == NULL)
			goto fail;
		for (i = base + nf; i < n; i++)
			json_array_append(a, json_array_get(raw, i));
		if (json_object_setn_new_nocheck(o, EXTRA_KEY,
		    sizeof EXTRA_KEY - 1, a) == -1)
			goto fail;
	}
	return (o);

fail:
	if (c->err != NULL && c->err->code != I3_EPACKET)
		i3__seterr(c->err, I3_ENOMEM, 0, "out of memory");
	json_decref(o);
	return (NULL);
}
#undef EL

/*
 * named -> raw the quick way, for a packet whose keys come in the order of
 * its fields (as i3_packet_named() and i3_packet_build() make them): one
 * walk over the keys, no lookups.  1 and *out set; 0 when the keys are in
 * another order, or others are there (pkt_raw() then looks each field up,
 * and reports what is wrong); -1 on an error.
 */
static int
pkt_raw_ordered(struct pctx *c, const json_t *named, json_t **out)
{
	const struct i3__ptype	*pt;
	const struct i3__field	*f;
	const char		*key[PKT_AHEAD];
	size_t			 klen[PKT_AHEAD], n, nh, i;
	json_t			*val[PKT_AHEAD], *a, *nv;
	struct where		 w;
	void			*it;

	/*
	 * The keys and values first, each value asked for as it is found:
	 * the walk does not wait for them.
	 */
	n = 0;
	for (it = json_object_iter((json_t *)named); it != NULL;
	    it = json_object_iter_next((json_t *)named, it)) {
		if (n == PKT_AHEAD)
			return (0);
		key[n] = json_object_iter_key(it);
		klen[n] = json_object_iter_key_len(it);
		val[n] = json_object_iter_value(it);
		I3_PREFETCH(val[n]);
		n++;
	}
	if (n == 0 || !is_key(key[0], klen[0], &i3__hdr_fields[0]) ||
	    !json_is_string(val[0]))
		return (0);
	c->type = json_string_value(val[0]);
	if ((pt = i3__ptype_find(c->type, strlen(c->type))) == NULL)
		return (0);
	nh = (pt->flags & I3T_NOHDR) ? 1 : 6;
	f = pt->fields;
	if (n < nh || n - nh > pt->nfields)
		return (0);
	for (i = 1; i < nh; i++) {
		if (!is_key(key[i], klen[i], &i3__hdr_fields[i]))
			return (0);
	}
	for (i = nh; i < n; i++) {
		if (!is_key(key[i], klen[i], &f[i - nh]))
			return (0);
	}

	if ((a = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < nh; i++) {
		if (json_array_append(a, val[i]) == -1)
			goto nomem;
	}
	memset(&w, 0, sizeof w);
	for (i = nh; i < n; i++) {
		w.field = f[i - nh].name;
		if ((nv = val_raw(c, &w, f[i - nh].type, val[i])) == NULL) {
			json_decref(a);
			return (-1);
		}
		if (json_array_append_new(a, nv) == -1)
			goto nomem;
	}
	*out = a;
	return (1);

nomem:
	json_decref(a);
	i3__seterr(c->err, I3_ENOMEM, 0, "out of memory");
	return (-1);
}

static json_t *
pkt_raw(struct pctx *c, const json_t *named)
{
	const struct i3__ptype	*pt;
	const struct i3__field	*f = NULL;
	const json_t		*t, *v, *extra = NULL, *vals[32];
	struct where		 w;
	json_t			*a, *nv, *chk;
	struct pctx		 sc;
	size_t			 used, nf = 0, i, last;
	const char		*key;
	int			 hdr;

	c->type = NULL;
	if (!json_is_object(named)) {
		pkt_fail(c, NULL, "named packet is not an object (got %s)",
		    vdesc(named));
		return (NULL);
	}
	switch (pkt_raw_ordered(c, named, &a)) {
	case 1:
		goto built;
	case -1:
		return (NULL);
	}
	if (!json_is_string(t = json_object_get(named, "type"))) {
		pkt_fail(c, NULL, "no \"type\" string");
		return (NULL);
	}
	c->type = json_string_value(t);
	pt = i3__ptype_find(c->type, strlen(c->type));
	hdr = pt == NULL || !(pt->flags & I3T_NOHDR);
	if ((a = json_array()) == NULL)
		goto nomem;
	if (json_array_append(a, (json_t *)t) == -1)
		goto nomem;
	used = 1;
	memset(&w, 0, sizeof w);
	for (i = 1; hdr && i < 6; i++) {
		if ((v = json_object_get(named, i3__hdr_fields[i].name)) ==
		    NULL) {
			pkt_fail(c, NULL, "%s missing", i3__hdr_fields[i].name);
			goto fail;
		}
		if (json_array_append(a, (json_t *)v) == -1)
			goto nomem;
		used++;
	}
	if (pt == NULL) {
		if ((v = json_object_get(named, FIELDS_KEY)) != NULL) {
			if (!json_is_array(v)) {
				pkt_fail(c, NULL, FIELDS_KEY " is not an array");
				goto fail;
			}
			if (json_array_extend(a, (json_t *)v) == -1)
				goto nomem;
			used++;
		}
	} else {
		f = pkt_body(pt, named, &nf);
		last = 0;
		for (i = 0; i < nf && i < 32; i++) {
			if ((vals[i] = json_object_get(named, f[i].name)) !=
			    NULL)
				last = i + 1;
		}
		if ((extra = json_object_get(named, EXTRA_KEY)) != NULL) {
			if (!json_is_array(extra)) {
				pkt_fail(c, NULL, EXTRA_KEY " is not an array");
				goto fail;
			}
			last = nf;
		}
		for (i = 0; i < last; i++) {
			w.field = f[i].name;
			if (vals[i] == NULL) {
				pkt_fail(c, NULL, "%s missing", f[i].name);
				goto fail;
			}
			if ((nv = val_raw(c, &w, f[i].type, vals[i])) == NULL)
				goto fail;
			if (json_array_append_new(a, nv) == -1)
				goto nomem;
			used++;
		}
		if (extra != NULL) {
			if (json_array_extend(a, (json_t *)extra) == -1)
				goto nomem;
			used++;
		}
	}
	if (used != json_object_size(named)) {
		json_object_foreach((json_t *)named, key, v) {
			if (strcmp(key, "type") == 0 ||
			    (hdr && body_has(i3__hdr_fields, 6, key)) ||
			    (pt == NULL && strcmp(key, FIELDS_KEY) == 0) ||
			    (pt != NULL && (strcmp(key, EXTRA_KEY) == 0 ||
			    body_has(f, nf, key))))
				continue;
			break;
		}
		pkt_fail(c, NULL, "unknown field \"%s\"", key != NULL ? key :
		    "?");
		goto fail;
	}
built:
	if (c->flags & I3_PKT_STRICT) {
		memset(&sc, 0, sizeof sc);
		sc.flags = I3_PKT_STRICT;
		sc.err = c->err;
		sc.depth = c->depth;
		if ((chk = pkt_named(&sc, a)) == NULL)
			goto fail;
		json_decref(chk);
	}
	return (a);

nomem:
	i3__seterr(c->err, I3_ENOMEM, 0, "out of memory");
fail:
	json_decref(a);
	return (NULL);
}

/* ----------------------------------------------------------- public */

json_t *
i3_packet_named(const json_t *raw, unsigned int flags, json_t **warnings,
    i3_error *err)
{
	struct pctx	 c;
	json_t		*o;

	memset(&c, 0, sizeof c);
	c.flags = flags;
	c.err = err;
	c.want = warnings != NULL;
	if (warnings != NULL)
		*warnings = NULL;
	if (err != NULL)
		err->code = I3_EOK;
	if (raw == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "no packet");
		return (NULL);
	}
	o = pkt_named(&c, raw);
	if (o != NULL && warnings != NULL)
		*warnings = c.warn;
	else
		json_decref(c.warn);
	return (o);
}

json_t *
i3_packet_raw(const json_t *named, unsigned int flags, i3_error *err)
{
	struct pctx	c;

	memset(&c, 0, sizeof c);
	c.flags = flags;
	c.err = err;
	if (err != NULL)
		err->code = I3_EOK;
	if (named == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "no packet");
		return (NULL);
	}
	return (pkt_raw(&c, named));
}

int
i3_packet_validate(const json_t *raw, unsigned int flags, json_t **warnings,
    i3_error *err)
{
	json_t	*o;

	if ((o = i3_packet_named(raw, flags, warnings, err)) == NULL)
		return (-1);
	json_decref(o);
	return (0);
}

/* A copy of a string with A-Z lower-cased; other values referenced. */
static json_t *
lower(const json_t *v)
{
	const char	*s;
	char		*t;
	size_t		 n, i;
	json_t		*r;

	if (!json_is_string(v))
		return (REF(v));
	s = json_string_value(v);
	n = json_string_length(v);
	if ((t = malloc(n + 1)) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		t[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	t[n] = '\0';
	r = json_stringn_nocheck(t, n);
	free(t);
	return (r);
}

json_t *
i3_packet_build(const char *type, const json_t *fields, i3_error *err)
{
	const struct i3__ptype	*pt;
	const struct i3__field	*f;
	struct pctx		 c;
	json_t			*named, *v, *raw;
	const json_t		*g;
	const char		*key;
	size_t			 i;

	if (err != NULL)
		err->code = I3_EOK;
	if (fields != NULL && !json_is_object(fields)) {
		i3__seterr(err, I3_EINVAL, 0, "fields must be an object");
		return (NULL);
	}
	if (type == NULL && fields != NULL)
		type = json_string_value(json_object_get(fields, "type"));
	if (type == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "no packet type");
		return (NULL);
	}
	memset(&c, 0, sizeof c);
	c.flags = I3_PKT_STRICT;
	c.err = err;
	c.type = type;
	if ((pt = i3__ptype_find(type, strlen(type))) == NULL) {
		pkt_fail(&c, NULL, "unknown packet type");
		return (NULL);
	}
	if (fields != NULL) {
		json_object_foreach((json_t *)fields, key, v) {
			if (strcmp(key, "type") == 0 ||
			    body_has(pt->fields, pt->nfields, key) ||
			    (!(pt->flags & I3T_NOHDR) &&
			    body_has(i3__hdr_fields, 6, key)))
				continue;
			pkt_fail(&c, NULL, "unknown field \"%s\"", key);
			return (NULL);
		}
	}
	if ((named = json_object()) == NULL)
		goto nomem;
	if (json_object_setn_new_nocheck(named, "type", 4, json_string(type))
	    == -1)
		goto nomem;
	for (i = 1; !(pt->flags & I3T_NOHDR) && i < 6; i++) {
		f = &i3__hdr_fields[i];
		g = fields != NULL ? json_object_get(fields, f->name) : NULL;
		if (g == NULL)
			v = json_integer(i == 1 ? 5 : 0);
		else if (f->flags & I3F_USER)
			v = lower(g);
		else
			v = REF(g);
		if (v == NULL || json_object_setn_new_nocheck(named, f->name,
		    f->namelen, v) == -1)
			goto nomem;
	}
	for (i = 0; i < pt->nfields; i++) {
		f = &pt->fields[i];
		g = fields != NULL ? json_object_get(fields, f->name) : NULL;
		if (g == NULL) {
			if (f->flags & I3F_OPT)
				continue;
			switch (f->type) {
			case I3F_STR:
			case I3F_PACKET:
				pkt_fail(&c, NULL, "%s missing", f->name);
				json_decref(named);
				return (NULL);
			case I3F_MAP:
			case I3F_MUDLIST:
			case I3F_CHANLIST:
				v = json_object();
				break;
			case I3F_ARR:
			case I3F_STRARR:
			case I3F_ROUTERS:
			case I3F_WHO:
				v = json_array();
				break;
			default:
				v = json_integer(0);
				break;
			}
		} else if (f->flags & I3F_USER)
			v = lower(g);
		else
			v = REF(g);
		if (v == NULL || json_object_setn_new_nocheck(named, f->name,
		    f->namelen, v) == -1)
			goto nomem;
	}
	raw = pkt_raw(&c, named);
	json_decref(named);
	return (raw);

nomem:
	json_decref(named);
	i3__seterr(err, I3_ENOMEM, 0, "out of memory");
	return (NULL);
}

json_t *
i3_packet_header(const char *type, int ttl, const char *omud,
    const char *ouser, const char *tmud, const char *tuser)
{
	const char	*name[4];
	json_t		*p;
	size_t		 i;

	if (type == NULL || (p = json_array()) == NULL)
		return (NULL);
	name[0] = omud;
	name[1] = ouser;
	name[2] = tmud;
	name[3] = tuser;
	/* json_array_append_new() fails on a NULL value: not UTF-8. */
	if (json_array_append_new(p, json_string(type)) == -1 ||
	    json_array_append_new(p, json_integer(ttl)) == -1)
		goto fail;
	for (i = 0; i < 4; i++) {
		if (json_array_append_new(p, name[i] != NULL ?
		    json_string(name[i]) : json_integer(0)) == -1)
			goto fail;
	}
	return (p);

fail:
	json_decref(p);
	return (NULL);
}

const char *
i3_packet_type(const json_t *p)
{
	if (json_is_array(p))
		return (json_string_value(json_array_get(p, 0)));
	if (json_is_object(p))
		return (json_string_value(json_object_get(p, "type")));
	return (NULL);
}

const char *
i3_pkt_str(const json_t *named, const char *field)
{
	if (!json_is_object(named) || field == NULL)
		return (NULL);
	return (json_string_value(json_object_get(named, field)));
}

json_int_t
i3_pkt_int(const json_t *named, const char *field, json_int_t dflt)
{
	const json_t	*v;
	json_int_t	 n;

	if (!json_is_object(named) || field == NULL)
		return (dflt);
	v = json_object_get(named, field);
	if (json_is_integer(v))
		return (json_integer_value(v));
	if (int_string(v, &n))
		return (n);
	return (dflt);
}

/* ----------------------------------------------------------- schema */

static json_t *
fields_json(const struct i3__field *f, size_t nf, size_t base)
{
	json_t	*a, *o, *sub;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < nf; i++) {
		o = json_pack("{sssIssss}", "name", f[i].name,
		    "index", (json_int_t)(base + i),
		    "type", i3__ftype_name(f[i].type), "doc", f[i].doc);
		if (o == NULL)
			goto fail;
		if (f[i].flags & I3F_OPT)
			json_object_set_new(o, "optional", json_true());
		if (f[i].flags & I3F_USER)
			json_object_set_new(o, "user", json_true());
		sub = NULL;
		switch (f[i].type) {
		case I3F_ROUTERS:
			sub = fields_json(i3__router_fields, 4, 0);
			break;
		case I3F_MUDLIST:
			sub = fields_json(i3__mud_fields, 13, 0);
			break;
		case I3F_CHANLIST:
			sub = fields_json(i3__chan_fields, 2, 0);
			break;
		case I3F_WHO:
			sub = fields_json(i3__who_fields, 3, 0);
			break;
		default:
			break;
		}
		if (sub != NULL)
			json_object_set_new(o, "entry", sub);
		if (json_array_append_new(a, o) == -1)
			goto fail;
	}
	return (a);
fail:
	json_decref(a);
	return (NULL);
}

static json_t *
type_json(const struct i3__ptype *pt)
{
	json_t		*o, *h, *raw, *named;
	size_t		 i, base;
	const char	*s;

	base = (pt->flags & I3T_NOHDR) ? 1 : 6;
	o = json_pack("{sssssIso}", "type", pt->name, "summary", pt->summary,
	    "elements", (json_int_t)(base + pt->nfields),
	    "fields", fields_json(pt->fields, pt->nfields, base));
	if (o == NULL)
		return (NULL);
	if (!(pt->flags & I3T_NOHDR)) {
		h = json_object();
		for (i = 0; i < 3; i++) {
			s = pt->hdr[i] == 's' ? "string" :
			    pt->hdr[i] == '0' ? "0" : "string|0";
			json_object_set_new(h, i3__hdr_fields[3 + i].name,
			    json_string(s));
		}
		json_object_set_new(o, "header", h);
	} else
		json_object_set_new(o, "header", json_null());
	if (pt->oldform != 0)
		json_object_set_new(o, "older_form",
		    json_integer((json_int_t)pt->oldform));
	if (pt->alt != NULL)
		json_object_set_new(o, "alt_body", fields_json(pt->alt->fields,
		    pt->alt->nfields, base));
	raw = i3_lpc_decode(pt->example, strlen(pt->example), 0, NULL, NULL);
	named = raw != NULL ? i3_packet_named(raw, 0, NULL, NULL) : NULL;
	json_object_set_new(o, "example", json_pack("{sssO*}", "lpc",
	    pt->example, "named", named));
	json_decref(named);
	json_decref(raw);
	return (o);
}

json_t *
i3_schema_json(const char *type)
{
	const struct i3__ptype	*pt;
	json_t			*a;
	size_t			 i;

	if (type != NULL) {
		if ((pt = i3__ptype_find(type, strlen(type))) == NULL)
			return (NULL);
		return (type_json(pt));
	}
	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < i3__nptypes; i++)
		json_array_append_new(a, type_json(&i3__ptypes[i]));
	return (json_pack("{sosos{ssssss}}",
	    "header", fields_json(i3__hdr_fields, 6, 0),
	    "packets", a,
	    "keys", EXTRA_KEY, "elements after a known type's last field",
	    FIELDS_KEY, "an unknown type's elements after the header",
	    RAW_KEY, "a mapping kept as it is where a named entry was "
	    "expected"));
}
