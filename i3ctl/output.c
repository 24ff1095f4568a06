/*
 * output.c: results and events as tables, text, JSON, raw strings or jq.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3.h"
#include "i3ctl.h"

#define TABLE_MAXCELL	48

struct filter_out {
	struct ctl	*ctl;
};

/* Tables of MUDs show these columns only (--json has everything). */
static const char *const mudlist_cols[] = {
	"name", "up", "mudlib", "driver", "mud_type", "open_status", "ip",
	"player_port", NULL
};
static int	out_exclusive;
static const char *const who_cols[] = {
	"user", "name", "visname", "idle", "idle_time", "extra", "info",
	"title", NULL
};
static const char *const chan_cols[] = {
	"channel", "name", "owner", "host", "type", "listening", "joined",
	NULL
};
static const char *const generic_cols[] = { "name", NULL };

static int	 output_filter_cb(void *, json_t *);
static void	 output_generic(struct ctl *, const json_t *, int,
		    const char *const *);
static char	*output_cell(struct ctl *, const json_t *, int);
static int	 output_raw_names(struct ctl *, const char *, const json_t *);
static const char *ev_str(const json_t *, ...);

/* Decide colour once: --color, NO_COLOR, a terminal on stdout. */
void
output_init(struct ctl *ctl)
{
	const char	*nc, *term;

	switch (ctl->color_mode) {
	case COLOR_ALWAYS:
		ctl->color = 1;
		break;
	case COLOR_NEVER:
		ctl->color = 0;
		break;
	default:
		nc = getenv("NO_COLOR");
		term = getenv("TERM");
		ctl->color = isatty(STDOUT_FILENO) &&
		    (nc == NULL || *nc == '\0') &&
		    (term == NULL || strcmp(term, "dumb") != 0);
		break;
	}
}

void
output_flush(void)
{
	fflush(stdout);
}

/* Pinkfish text for the terminal: ANSI colour or plain (allocated). */
char *
output_colour(struct ctl *ctl, const char *text)
{
	i3_error	 err;
	size_t		 outlen;
	char		*s;

	s = i3_colour_render(text, strlen(text), ctl->color ?
	    I3_COLOUR_ANSI : I3_COLOUR_PLAIN, &outlen, &err);
	if (s == NULL)
		return (xstrdup(text));
	return (s);
}

/* One filter output: a JSON line, or the string with -r. */
static int
output_filter_cb(void *arg, json_t *v)
{
	struct filter_out	*fo = arg;
	char			*s;

	if (fo->ctl->raw && json_is_string(v))
		printf("%s\n", json_string_value(v));
	else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%s\n", s);
		free(s);
	}
	json_decref(v);
	return (0);
}

/* A value through the filter, or as JSON: CTL_OK or CTL_EFILTER. */
int
output_value(struct ctl *ctl, const json_t *v)
{
	struct filter_out	 fo;
	char			*s, *cause;

	if (ctl->filter != NULL) {
		fo.ctl = ctl;
		if (filter_run(ctl->filter, v, output_filter_cb, &fo,
		    &cause) == -1) {
			fflush(stdout);
			ctl_warnx("filter: %s", cause);
			free(cause);
			return (CTL_EFILTER);
		}
		return (CTL_OK);
	}
	if (ctl->raw && json_is_string(v)) {
		printf("%s\n", json_string_value(v));
		return (CTL_OK);
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	printf("%s\n", s);
	free(s);
	return (CTL_OK);
}

/* -r on a list: one name a line. */
static int
output_raw_names(struct ctl *ctl, const char *cmd, const json_t *r)
{
	json_t		*names, *v;
	size_t		 i;

	if (strcmp(cmd, "mudlist") == 0) {
		names = json_object_get(r, "muds");
		if (names == NULL)
			names = (json_t *)r;
	} else if (strcmp(cmd, "list") == 0) {
		names = json_object_get(r, "channels");
		if (names == NULL)
			names = (json_t *)r;
	} else if (strcmp(cmd, "who") == 0) {
		names = json_object_get(r, "users");
		if (names == NULL)
			names = (json_t *)r;
	} else
		return (0);
	if (json_is_array(names)) {
		json_array_foreach(names, i, v) {
			if (json_is_string(v))
				printf("%s\n", json_string_value(v));
			else if (json_is_object(v)) {
				const char *s;

				s = json_string_value(json_object_get(v,
				    "name"));
				if (s == NULL)
					s = json_string_value(json_object_get(v,
					    "visname"));
				if (s == NULL)
					s = json_string_value(json_object_get(v,
					    "user"));
				if (s == NULL)
					s = json_string_value(json_object_get(v,
					    "channel"));
				if (s == NULL)
					s = json_string_value(json_object_get(v,
					    "mud"));
				if (s != NULL)
					printf("%s\n", s);
			} else if (json_is_array(v) &&
			    json_is_string(json_array_get(v, 0)))
				printf("%s\n", json_string_value(
				    json_array_get(v, 0)));
		}
		return (1);
	}
	if (json_is_object(names)) {
		const char	*k;

		json_object_foreach(names, k, v)
			printf("%s\n", k);
		return (1);
	}
	return (0);
}

/* A table cell as plain text (allocated). */
static char *
output_cell(struct ctl *ctl, const json_t *v, int colour)
{
	i3_error	 err;
	size_t		 outlen;
	char		*s, *p;

	if (v == NULL || json_is_null(v))
		return (xstrdup(""));
	if (json_is_string(v)) {
		s = i3_colour_render(json_string_value(v),
		    json_string_length(v), colour && ctl->color ?
		    I3_COLOUR_ANSI : I3_COLOUR_PLAIN, &outlen, &err);
		if (s == NULL)
			s = xstrdup(json_string_value(v));
		for (p = s; *p != '\0'; p++) {
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		}
		return (s);
	}
	if (json_is_true(v))
		return (xstrdup("yes"));
	if (json_is_false(v))
		return (xstrdup("no"));
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (strlen(s) > TABLE_MAXCELL)
		strcpy(s + TABLE_MAXCELL - 3, "...");
	return (s);
}

/* A table from an array of objects (or arrays), preferred columns first. */
void
output_table(struct ctl *ctl, const json_t *rows, const char *const *pref)
{
	json_t		*cols, *row, *v;
	const char	*k;
	size_t		 i, j, ncols, nrows, *width, w;
	char		***cells, *hdr;
	int		 arrays;

	nrows = json_array_size(rows);
	if (nrows == 0)
		return;
	arrays = json_is_array(json_array_get(rows, 0));
	cols = json_array();
	if (!arrays) {
		for (i = 0; pref != NULL && pref[i] != NULL; i++) {
			json_array_foreach(rows, j, row) {
				if (json_object_get(row, pref[i]) != NULL) {
					json_array_append_new(cols,
					    json_string(pref[i]));
					break;
				}
			}
		}
		json_array_foreach(rows, j, row) {
			if (out_exclusive && json_array_size(cols) > 0)
				break;
			json_object_foreach(row, k, v) {
				size_t	c;
				int	seen = 0;

				for (c = 0; c < json_array_size(cols); c++) {
					if (strcmp(json_string_value(
					    json_array_get(cols, c)), k) == 0)
						seen = 1;
				}
				if (!seen)
					json_array_append_new(cols,
					    json_string(k));
			}
		}
	} else {
		w = 0;
		json_array_foreach(rows, j, row) {
			if (json_array_size(row) > w)
				w = json_array_size(row);
		}
		for (i = 0; i < w; i++)
			json_array_append_new(cols, json_integer(i));
	}
	ncols = json_array_size(cols);
	width = xcalloc(ncols, sizeof *width);
	cells = xcalloc(nrows, sizeof *cells);
	for (j = 0; j < ncols; j++) {
		if (arrays)
			continue;
		width[j] = strlen(json_string_value(json_array_get(cols, j)));
	}
	for (i = 0; i < nrows; i++) {
		row = json_array_get(rows, i);
		cells[i] = xcalloc(ncols, sizeof **cells);
		for (j = 0; j < ncols; j++) {
			if (arrays)
				v = json_array_get(row, j);
			else
				v = json_object_get(row, json_string_value(
				    json_array_get(cols, j)));
			cells[i][j] = output_cell(ctl, v, 0);
			w = i3_text_width(cells[i][j], strlen(cells[i][j]),
			    I3_COLOUR_PLAIN);
			if (w == (size_t)-1)
				w = strlen(cells[i][j]);
			if (w > width[j])
				width[j] = w;
		}
	}
	if (!arrays) {
		for (j = 0; j < ncols; j++) {
			hdr = xstrdup(json_string_value(json_array_get(cols,
			    j)));
			for (i = 0; hdr[i] != '\0'; i++)
				hdr[i] = toupper((unsigned char)hdr[i]);
			if (ctl->color)
				printf("\033[1m");
			printf("%s", hdr);
			if (ctl->color)
				printf("\033[0m");
			if (j + 1 < ncols)
				printf("%*s", (int)(width[j] - strlen(hdr) + 2),
				    "");
			free(hdr);
		}
		printf("\n");
	}
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < ncols; j++) {
			printf("%s", cells[i][j]);
			w = i3_text_width(cells[i][j], strlen(cells[i][j]),
			    I3_COLOUR_PLAIN);
			if (w == (size_t)-1)
				w = strlen(cells[i][j]);
			if (j + 1 < ncols)
				printf("%*s", (int)(width[j] - w + 2), "");
			free(cells[i][j]);
		}
		printf("\n");
		free(cells[i]);
	}
	free(cells);
	free(width);
	json_decref(cols);
}

/* Whether every element of an array is an object (or every one an array). */
static int
output_is_rows(const json_t *a)
{
	json_t	*v;
	size_t	 i;
	int	 objs = 0, arrs = 0;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return (0);
	json_array_foreach(a, i, v) {
		if (json_is_object(v))
			objs++;
		else if (json_is_array(v))
			arrs++;
	}
	return (objs == (int)json_array_size(a) ||
	    arrs == (int)json_array_size(a));
}

/* Human form of any value: key: value lines, tables for lists. */
static void
output_generic(struct ctl *ctl, const json_t *v, int indent,
    const char *const *pref)
{
	json_t		*e;
	const char	*k;
	size_t		 i;
	char		*s;
	int		 rows;

	if (json_is_array(v)) {
		if (output_is_rows(v)) {
			output_table(ctl, v, pref);
			return;
		}
		json_array_foreach(v, i, e) {
			if (json_is_object(e) || json_is_array(e))
				output_generic(ctl, e, indent, pref);
			else {
				s = output_cell(ctl, e, 1);
				printf("%*s%s\n", indent, "", s);
				free(s);
			}
		}
		return;
	}
	if (!json_is_object(v)) {
		s = output_cell(ctl, v, 1);
		if (*s != '\0')
			printf("%*s%s\n", indent, "", s);
		free(s);
		return;
	}
	rows = 0;
	json_object_foreach((json_t *)v, k, e) {
		if (output_is_rows(e))
			rows++;
	}
	json_object_foreach((json_t *)v, k, e) {
		/* {"count": N, "muds": [...]}: the table says it all. */
		if (rows == 1 && indent == 0 && output_is_rows(e)) {
			output_table(ctl, e, pref);
			continue;
		}
		if (rows == 1 && indent == 0 && strcmp(k, "count") == 0)
			continue;
		if (json_is_object(e) && json_object_size(e) != 0) {
			printf("%*s%s:\n", indent, "", k);
			output_generic(ctl, e, indent + 2, pref);
		} else if (json_is_array(e) && json_array_size(e) != 0 &&
		    (output_is_rows(e) || json_array_size(e) > 1)) {
			printf("%*s%s:\n", indent, "", k);
			if (output_is_rows(e) && indent == 0) {
				output_table(ctl, e, pref);
				continue;
			}
			output_generic(ctl, e, indent + 2, pref);
		} else {
			if (json_is_array(e) && json_array_size(e) == 1)
				e = json_array_get(e, 0);
			s = output_cell(ctl, e, 1);
			printf("%*s%s: %s\n", indent, "", k, s);
			free(s);
		}
	}
}

/* I3 channel types and MUD states in words (i3-protocol.md). */
static json_t *
output_chan_type(const json_t *v)
{
	switch (json_integer_value(v)) {
	case 0:
		return (json_string("public"));
	case 1:
		return (json_string("private"));
	case 2:
		return (json_string("filtered"));
	}
	return (json_deep_copy(v));
}

static json_t *
output_mud_state(const json_t *v)
{
	json_int_t	n = json_integer_value(v);
	char		buf[64];

	if (!json_is_integer(v))
		return (json_deep_copy(v));
	if (n == -1)
		return (json_string("up"));
	if (n == 0)
		return (json_string("down"));
	snprintf(buf, sizeof buf, "down, back in %lld s", (long long)n);
	return (json_string(buf));
}

/* Drop the fields that say nothing (empty strings, null) of an object. */
static void
output_drop_empty(json_t *o)
{
	const char	*k;
	json_t		*v;
	void		*tmp;

	json_object_foreach_safe(o, tmp, k, v) {
		if (json_is_null(v) || (json_is_string(v) &&
		    json_string_length(v) == 0))
			json_object_del(o, k);
	}
}

/*
 * A result as people read it (a new reference): words for codes, no empty
 * fields, no text that repeats the table.  NULL when it was printed here.
 */
static json_t *
output_human(const char *cmd, const json_t *r)
{
	json_t	*c = json_deep_copy(r), *rows, *row;
	size_t	 i;

	if (strcmp(cmd, "list") == 0 && json_is_array(rows =
	    json_object_get(c, "channels"))) {
		json_array_foreach(rows, i, row)
			if (json_object_get(row, "type") != NULL)
				json_object_set_new(row, "type",
				    output_chan_type(json_object_get(row,
				    "type")));
	} else if (strcmp(cmd, "mudinfo") == 0 &&
	    json_object_get(c, "state") != NULL)
		json_object_set_new(c, "state", output_mud_state(
		    json_object_get(c, "state")));
	else if (strcmp(cmd, "who") == 0) {
		json_object_del(c, "text");
		if (json_array_size(json_object_get(c, "users")) == 0) {
			printf("nobody is on %s\n", json_string_value(
			    json_object_get(c, "mud")) != NULL ?
			    json_string_value(json_object_get(c, "mud")) :
			    "that MUD");
			json_decref(c);
			return (NULL);
		}
		json_object_del(c, "count");
	} else if (strcmp(cmd, "finger") == 0)
		output_drop_empty(c);
	return (c);
}

/* The result of a command, in the form asked for. */
int
output_result(struct ctl *ctl, const char *cmd, const json_t *r)
{
	const char *const	*pref = generic_cols;
	json_t			*h;

	if (ctl->filter != NULL || ctl->json)
		return (output_value(ctl, r));
	if (ctl->raw) {
		if (output_raw_names(ctl, cmd, r))
			return (CTL_OK);
		return (output_value(ctl, r));
	}
	if ((h = output_human(cmd, r)) == NULL)
		return (CTL_OK);
	r = h;
	out_exclusive = 0;
	if (strcmp(cmd, "mudlist") == 0) {
		pref = mudlist_cols;
		out_exclusive = 1;
	} else if (strcmp(cmd, "mudinfo") == 0)
		pref = mudlist_cols;
	else if (strcmp(cmd, "who") == 0 || strcmp(cmd, "locate") == 0)
		pref = who_cols;
	else if (strcmp(cmd, "list") == 0)
		pref = chan_cols;
	output_generic(ctl, r, 0, pref);
	json_decref(h);
	return (CTL_OK);
}

/* The first string among the named fields of an object. */
static const char *
ev_str(const json_t *o, ...)
{
	va_list		 ap;
	const char	*k, *s = NULL;

	va_start(ap, o);
	while ((k = va_arg(ap, const char *)) != NULL) {
		if ((s = json_string_value(json_object_get(o, k))) != NULL)
			break;
	}
	va_end(ap);
	return (s);
}

/* One notification {"event":..., "params":...} in the form asked for. */
int
output_event(struct ctl *ctl, const json_t *ev)
{
	const char	*m, *text, *s;
	json_t		*p;
	char		*line, *out, *dump;

	if (ctl->filter != NULL || ctl->json || ctl->raw) {
		if (ctl->raw && ctl->filter == NULL) {
			p = json_object_get(ev, "params");
			s = ev_str(p, "text", "rendered", "message", NULL);
			if (s != NULL) {
				printf("%s\n", s);
				return (CTL_OK);
			}
		}
		return (output_value(ctl, ev));
	}
	/* The gateway's text is the line to show, sender and all. */
	m = json_string_value(json_object_get(ev, "event"));
	p = json_object_get(ev, "params");
	if ((text = ev_str(p, "text", NULL)) != NULL)
		line = xstrdup(text);
	else {
		dump = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
		xasprintf(&line, "%s %s", m != NULL ? m : "?",
		    dump != NULL ? dump : "");
		free(dump);
	}
	out = output_colour(ctl, line);
	printf("%s\n", out);
	free(out);
	free(line);
	return (CTL_OK);
}
