/*
 * methods.c: the method table: every service's rows collected in one list,
 * looked up for dispatch and authorisation, printed for --list-methods and
 * docs/API.md.  A method not in the table does not exist (-32601).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

/* The services that serve methods, in the order they are listed. */
static const struct svc *const method_svcs[] = {
	&svc_session,
	&svc_render,
	&svc_tell,
	&svc_channel,
	&svc_chanadmin,
	&svc_info,
	&svc_mudlist,
	&svc_ucache,
	&svc_auth,
	&svc_history,
	&svc_moderation,
	&svc_presence,
	&svc_admin,
};
#define NMETHOD_SVCS	(sizeof method_svcs / sizeof method_svcs[0])

/* The row of a method, or NULL when there is no such method. */
const struct method *
method_find(const char *name)
{
	const struct method	*m;
	size_t			 i;

	for (i = 0; i < NMETHOD_SVCS; i++) {
		for (m = method_svcs[i]->methods; m->name != NULL; m++) {
			if (strcmp(m->name, name) == 0)
				return (m);
		}
	}
	return (NULL);
}

/* The name of the permission a method or an event needs. */
const char *
method_perm_name(int perm)
{
	return (perm == 0 ? "any" : apiconf_group_name(perm));
}

static json_t *
method_json(const struct method *m)
{
	return (json_pack("{s:s, s:s?, s:s, s:s, s:b, s:b}", "name", m->name,
	    "permission", m->perm == 0 ? NULL : apiconf_group_name(m->perm),
	    "params", m->params, "doc", m->doc,
	    "before_authenticate", (m->flags & METHOD_NOKEY) != 0,
	    "http", (m->flags & METHOD_STREAM) == 0));
}

/* A table as JSON on f, indented; a (stolen) freed. */
void
method_dump(FILE *f, json_t *a)
{
	char	*s;

	s = json_dumps(a, JSON_INDENT(2));
	fprintf(f, "%s\n", s != NULL ? s : "null");
	free(s);
	json_decref(a);
}

/*
 * --list-methods: the table as the Markdown rows of docs/API.md's method
 * table, or (json) as an array of objects.
 */
void
method_list(FILE *f, int json)
{
	const struct method	*m;
	json_t			*a;
	size_t			 i;

	if (json) {
		a = json_array();
		for (i = 0; i < NMETHOD_SVCS; i++) {
			for (m = method_svcs[i]->methods; m->name != NULL; m++)
				json_array_append_new(a, method_json(m));
		}
		method_dump(f, a);
		return;
	}
	fprintf(f, "| method | permission | params | what it does |\n");
	fprintf(f, "|---|---|---|---|\n");
	for (i = 0; i < NMETHOD_SVCS; i++) {
		for (m = method_svcs[i]->methods; m->name != NULL; m++) {
			fprintf(f, "| `%s` | %s | %s | %s%s |\n", m->name,
			    method_perm_name(m->perm),
			    *m->params != '\0' ? m->params : "-", m->doc,
			    (m->flags & METHOD_STREAM) ? " (not over HTTP)" :
			    "");
		}
	}
}
