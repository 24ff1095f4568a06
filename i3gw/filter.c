/*
 * filter.c: subscription filters, jq programs run by libjq on each event.
 * All of the gateway's jq and jv code is here: jv values are consumed by
 * the calls they are given to (the opposite of jansson's borrowing).
 */

#include <stdlib.h>
#include <string.h>

#include <jq.h>
#include <jv.h>

#include "i3gw.h"

struct filter {
	jq_state	*jq;
	char		*error;
};

static void	filter_error_cb(void *, jv);

static void
filter_error_cb(void *arg, jv msg)
{
	struct filter	*f = arg;
	jv		 s;

	if (f->error == NULL) {
		if (jv_get_kind(msg) == JV_KIND_STRING)
			f->error = xstrdup(jv_string_value(msg));
		else {
			s = jv_dump_string(jv_copy(msg), 0);
			f->error = xstrdup(jv_string_value(s));
			jv_free(s);
		}
	}
	jv_free(msg);
}

/* Compile once; NULL with *error (to free) when jq refuses it. */
struct filter *
filter_compile(const char *program, char **error)
{
	struct filter	*f;

	f = xcalloc(1, sizeof *f);
	if ((f->jq = jq_init()) == NULL)
		fatalx("jq_init failed");
	jq_set_error_cb(f->jq, filter_error_cb, f);
	if (!jq_compile(f->jq, program)) {
		*error = f->error != NULL ? f->error :
		    xstrdup("jq: cannot compile the filter");
		f->error = NULL;
		filter_free(f);
		return (NULL);
	}
	free(f->error);
	f->error = NULL;
	return (f);
}

/*
 * Does the event pass?  The program sees {"event": METHOD, "params": {...}}
 * (and the params' fields at the top too, for short filters); its first
 * output decides: anything but false, null or nothing passes.
 */
int
filter_match(struct filter *f, const char *method, const json_t *params)
{
	json_t	*in;
	char	*text;
	jv	 input, out;
	int	 pass = 0;

	in = json_deep_copy(params);
	if (!json_is_object(in)) {
		json_decref(in);
		in = json_object();
	}
	json_object_set_new(in, "event", json_string(method));
	json_object_set(in, "params", (json_t *)params);
	text = json_dumps(in, JSON_COMPACT);
	json_decref(in);
	if (text == NULL)
		return (0);
	input = jv_parse(text);
	free(text);
	if (!jv_is_valid(input)) {
		jv_free(input);
		return (0);
	}
	jq_start(f->jq, input, 0);	/* input consumed */
	out = jq_next(f->jq);
	if (jv_is_valid(out)) {
		pass = jv_get_kind(out) != JV_KIND_FALSE &&
		    jv_get_kind(out) != JV_KIND_NULL;
	}
	jv_free(out);
	free(f->error);
	f->error = NULL;
	return (pass);
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	if (f->jq != NULL)
		jq_teardown(&f->jq);
	free(f->error);
	free(f);
}
