/*
 * filter.c: subscription filters, declarative: globs on event kinds,
 * channels, MUDs and users, and a text substring.  Safe by construction:
 * a filter is data, never a program; at most FILTER_MAX_PATTERNS patterns
 * of FILTER_MAX_LEN bytes a field, each matched in at most pattern x
 * subject steps (no backtracking blow-up), the text found in linear time.
 * jq programs run on the client side (i3ctl), never in the gateway's loop.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

#define FILTER_NFIELDS		4
#define FILTER_MAX_PATTERNS	16
#define FILTER_MAX_LEN		64
#define FILTER_MAX_TEXT		128
#define FILTER_MAX_SUBJECT	256	/* longer names match nothing */

/* The glob fields, and where each looks in an event's params. */
static const struct {
	const char	*name;
	const char	*fields[3];	/* the first string present */
} filter_fields[FILTER_NFIELDS] = {
	{ "kinds", { NULL } },		/* the event's name */
	{ "channels", { "channel", NULL } },
	{ "muds", { "originator_mud", "mud", NULL } },
	{ "users", { "originator_user", "user", NULL } },
};

struct filter {
	char		*pat[FILTER_NFIELDS][FILTER_MAX_PATTERNS];
	size_t		 npat[FILTER_NFIELDS];
	char		*text;		/* lower-case */
	size_t		 textlen;
};

static int	filter_glob(const char *, const char *, size_t);
static int	filter_add(struct filter *, int, const json_t *, char *,
		    size_t);

/*
 * Does subject (len bytes) match the glob (* any run, ? one byte), ASCII
 * case ignored?  The classic iterative matcher: only the last star is
 * retried, so the work is at most strlen(glob) x len steps.
 */
static int
filter_glob(const char *glob, const char *s, size_t len)
{
	const char	*g = glob, *star = NULL;
	size_t		 i = 0, mark = 0;

	while (i < len) {
		if (*g == '*') {
			star = ++g;
			mark = i;
		} else if (*g != '\0' && (*g == '?' ||
		    tolower((unsigned char)*g) ==
		    tolower((unsigned char)s[i]))) {
			g++;
			i++;
		} else if (star != NULL) {
			g = star;
			i = ++mark;
		} else
			return (0);
	}
	while (*g == '*')
		g++;
	return (*g == '\0');
}

/* One field's patterns: a string or an array of strings. */
static int
filter_add(struct filter *f, int field, const json_t *v, char *err,
    size_t errlen)
{
	const char	*name = filter_fields[field].name, *s;
	const json_t	*e;
	size_t		 i, n;

	if (json_is_string(v))
		n = 1;
	else if (json_is_array(v))
		n = json_array_size(v);
	else {
		snprintf(err, errlen, "%s: a pattern or an array of patterns "
		    "is expected", name);
		return (-1);
	}
	if (n == 0 || n > FILTER_MAX_PATTERNS) {
		snprintf(err, errlen, "%s: 1 to %d patterns", name,
		    FILTER_MAX_PATTERNS);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		e = json_is_array(v) ? json_array_get(v, i) : v;
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > FILTER_MAX_LEN) {
			snprintf(err, errlen, "%s: patterns are strings of 1 "
			    "to %d bytes", name, FILTER_MAX_LEN);
			return (-1);
		}
		s = json_string_value(e);
		if (strlen(s) != json_string_length(e)) {
			snprintf(err, errlen, "%s: a pattern holds a NUL",
			    name);
			return (-1);
		}
		f->pat[field][f->npat[field]++] = xstrdup(s);
	}
	return (0);
}

/*
 * A filter from its JSON form {kinds?, channels?, muds?, users?, text?};
 * NULL with err filled when it is not one (a jq program, unknown keys,
 * past the limits).
 */
struct filter *
filter_new(const json_t *spec, char *err, size_t errlen)
{
	struct filter	*f;
	const char	*k;
	json_t		*v;
	size_t		 i;
	int		 field;

	if (json_is_string(spec)) {
		snprintf(err, errlen, "the gateway runs no filter programs "
		    "(run jq on the client side, e.g. i3ctl listen --filter); "
		    "a filter is {kinds, channels, muds, users, text}");
		return (NULL);
	}
	if (!json_is_object(spec)) {
		snprintf(err, errlen, "an object {kinds, channels, muds, "
		    "users, text} is expected");
		return (NULL);
	}
	f = xcalloc(1, sizeof *f);
	json_object_foreach((json_t *)spec, k, v) {
		for (field = 0; field < FILTER_NFIELDS; field++) {
			if (strcmp(k, filter_fields[field].name) == 0)
				break;
		}
		if (field < FILTER_NFIELDS) {
			if (filter_add(f, field, v, err, errlen) == -1)
				goto fail;
			continue;
		}
		if (strcmp(k, "text") != 0) {
			snprintf(err, errlen, "unknown key %.64s (kinds, "
			    "channels, muds, users, text)", k);
			goto fail;
		}
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > FILTER_MAX_TEXT ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			snprintf(err, errlen, "text: a string of 1 to %d bytes",
			    FILTER_MAX_TEXT);
			goto fail;
		}
		f->text = xstrdup(json_string_value(v));
		f->textlen = strlen(f->text);
		for (i = 0; i < f->textlen; i++)
			f->text[i] = tolower((unsigned char)f->text[i]);
	}
	return (f);

fail:
	filter_free(f);
	return (NULL);
}

/* The filter as JSON (a new reference), as filter_new() takes it. */
json_t *
filter_json(const struct filter *f)
{
	json_t	*o, *a;
	size_t	 i;
	int	 field;

	o = json_object();
	for (field = 0; field < FILTER_NFIELDS; field++) {
		if (f->npat[field] == 0)
			continue;
		a = json_array();
		for (i = 0; i < f->npat[field]; i++)
			json_array_append_new(a, json_string(f->pat[field][i]));
		json_object_set_new(o, filter_fields[field].name, a);
	}
	if (f->text != NULL)
		json_object_set_new(o, "text", json_string(f->text));
	return (o);
}

/*
 * Does the event pass?  Every field given must match: one of its patterns
 * matches the event's value (an event without that value does not pass),
 * and the text, when given, is in the event's text (or message), case
 * ignored.
 */
int
filter_match(const struct filter *f, const char *method,
    const json_t *params)
{
	const json_t	*v;
	const char	*s;
	char		*low;
	size_t		 i, j, len;
	int		 field, found;

	for (field = 0; field < FILTER_NFIELDS; field++) {
		if (f->npat[field] == 0)
			continue;
		s = NULL;
		len = 0;
		if (field == 0) {
			s = method;
			len = strlen(method);
		}
		for (j = 0; s == NULL && filter_fields[field].fields[j] != NULL;
		    j++) {
			v = json_object_get(params,
			    filter_fields[field].fields[j]);
			if (json_is_string(v)) {
				s = json_string_value(v);
				len = json_string_length(v);
			}
		}
		if (s == NULL || len > FILTER_MAX_SUBJECT)
			return (0);
		found = 0;
		for (i = 0; !found && i < f->npat[field]; i++)
			found = filter_glob(f->pat[field][i], s, len);
		if (!found)
			return (0);
	}
	if (f->text == NULL)
		return (1);
	v = json_object_get(params, "text");
	if (!json_is_string(v))
		v = json_object_get(params, "message");
	if (!json_is_string(v))
		return (0);
	len = json_string_length(v);
	low = xmalloc(len + 1);
	s = json_string_value(v);
	for (i = 0; i < len; i++)
		low[i] = tolower((unsigned char)s[i]);
	low[len] = '\0';
	/* glibc's memmem is the two-way algorithm: linear. */
	found = memmem(low, len, f->text, f->textlen) != NULL;
	free(low);
	return (found);
}

void
filter_free(struct filter *f)
{
	size_t	i;
	int	field;

	if (f == NULL)
		return;
	for (field = 0; field < FILTER_NFIELDS; field++) {
		for (i = 0; i < f->npat[field]; i++)
			free(f->pat[field][i]);
	}
	free(f->text);
	free(f);
}
