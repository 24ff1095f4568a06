/*
 * filter.c: jq filters through libjq (the only file that sees jq.h/jv.h).
 *
 * jv's rule is the opposite of jansson's: every jv_* call consumes its
 * arguments (except jv_copy) and returns a new value.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>
#include <jv.h>

#include "i3ctl.h"

struct filter {
	jq_state	*jq;
	char		*errors;	/* messages from jq, collected */
};

static void	filter_error_cb(void *, jv);
static void	filter_errors_add(struct filter *, const char *);

static void
filter_errors_add(struct filter *f, const char *msg)
{
	char	*s;

	if (f->errors == NULL) {
		f->errors = xstrdup(msg);
		return;
	}
	xasprintf(&s, "%s; %s", f->errors, msg);
	free(f->errors);
	f->errors = s;
}

/* jq reports compile and runtime messages here; msg is ours to free. */
static void
filter_error_cb(void *arg, jv msg)
{
	struct filter	*f = arg;

	if (jv_get_kind(msg) == JV_KIND_STRING)
		filter_errors_add(f, jv_string_value(msg));
	else {
		jv	s = jv_dump_string(jv_copy(msg), 0);

		filter_errors_add(f, jv_string_value(s));
		jv_free(s);
	}
	jv_free(msg);
}

/* Compile a filter once; NULL and *cause (allocated) on error. */
struct filter *
filter_new(const char *program, char **cause)
{
	struct filter	*f;

	f = xcalloc(1, sizeof *f);
	if ((f->jq = jq_init()) == NULL) {
		free(f);
		*cause = xstrdup("cannot start libjq");
		return (NULL);
	}
	jq_set_error_cb(f->jq, filter_error_cb, f);
	/* jq_compile_args() returns nonzero on success and eats its jv. */
	if (!jq_compile_args(f->jq, program, jv_array())) {
		xasprintf(cause, "%s", f->errors != NULL ? f->errors :
		    "compile error");
		filter_free(f);
		return (NULL);
	}
	free(f->errors);
	f->errors = NULL;
	return (f);
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	jq_teardown(&f->jq);
	free(f->errors);
	free(f);
}

/*
 * Run the filter on one value; every output, as a new json_t, goes to
 * cb(arg, value) (which takes it).  0, or -1 with *cause on a runtime
 * error or when cb returns -1.
 */
int
filter_run(struct filter *f, const json_t *value, int (*cb)(void *, json_t *),
    void *arg, char **cause)
{
	json_error_t	 jerr;
	json_t		*out;
	char		*s;
	jv		 in, r, msg, d;
	int		 rc = 0;

	*cause = NULL;
	s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL) {
		*cause = xstrdup("cannot encode the value for jq");
		return (-1);
	}
	in = jv_parse_sized(s, (int)strlen(s));
	free(s);
	if (!jv_is_valid(in)) {
		jv_free(in);
		*cause = xstrdup("jq cannot read the value");
		return (-1);
	}
	jq_start(f->jq, in, 0);
	while (jv_is_valid(r = jq_next(f->jq))) {
		if (rc != 0) {
			jv_free(r);
			continue;
		}
		d = jv_dump_string(r, 0);
		out = json_loads(jv_string_value(d), JSON_DECODE_ANY, &jerr);
		jv_free(d);
		if (out == NULL) {
			*cause = xstrdup("jq produced a value jansson cannot "
			    "read (NaN or infinite?)");
			rc = -1;
			continue;
		}
		if (cb(arg, out) == -1)
			rc = -1;
	}
	if (jv_invalid_has_msg(jv_copy(r))) {
		msg = jv_invalid_get_msg(r);
		if (jv_get_kind(msg) == JV_KIND_STRING)
			xasprintf(cause, "jq: error: %s", jv_string_value(msg));
		else {
			d = jv_dump_string(msg, 0);
			xasprintf(cause, "jq: error (not a string): %s",
			    jv_string_value(d));
			jv_free(d);
			msg = jv_null();
		}
		jv_free(msg);
		rc = -1;
	} else
		jv_free(r);
	if (rc == -1 && *cause == NULL && f->errors != NULL)
		*cause = xstrdup(f->errors);
	free(f->errors);
	f->errors = NULL;
	return (rc);
}
