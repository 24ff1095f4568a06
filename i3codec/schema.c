/*
 * schema.c: "i3codec schema [--json] [TYPE]", the packet table as text or JSON.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "i3codec.h"

static void	schema_fields(const json_t *, int);
static void	schema_type(const json_t *);

static void
schema_fields(const json_t *fields, int indent)
{
	const json_t	*f, *idx;
	size_t		 i;
	char		 pos[16];

	json_array_foreach(fields, i, f) {
		idx = json_object_get(f, "index");
		if (indent == 0)
			snprintf(pos, sizeof pos, "[%d]",
			    (int)json_integer_value(idx));
		else
			snprintf(pos, sizeof pos, "%*s.", indent, "");
		printf("  %-6s %-18s %-12s %s%s\n", pos,
		    json_string_value(json_object_get(f, "name")),
		    json_string_value(json_object_get(f, "type")),
		    json_string_value(json_object_get(f, "doc")),
		    json_is_true(json_object_get(f, "optional")) ?
		    " (optional)" : "");
		if (json_object_get(f, "entry") != NULL)
			schema_fields(json_object_get(f, "entry"), indent + 2);
	}
}

static void
schema_type(const json_t *t)
{
	const json_t	*h, *ex;
	char		*s;

	printf("%s (%d elements): %s\n",
	    json_string_value(json_object_get(t, "type")),
	    (int)json_integer_value(json_object_get(t, "elements")),
	    json_string_value(json_object_get(t, "summary")));
	h = json_object_get(t, "header");
	if (json_is_object(h))
		printf("  header: originator_user %s, target_mud %s, "
		    "target_user %s\n",
		    json_string_value(json_object_get(h, "originator_user")),
		    json_string_value(json_object_get(h, "target_mud")),
		    json_string_value(json_object_get(h, "target_user")));
	else
		printf("  no header\n");
	schema_fields(json_object_get(t, "fields"), 0);
	if (json_object_get(t, "older_form") != NULL)
		printf("  older form: %d elements (accepted when lenient)\n",
		    (int)json_integer_value(json_object_get(t, "older_form")));
	if (json_object_get(t, "alt_body") != NULL) {
		printf("  with %d elements, the protocol-3 body:\n",
		    6 + (int)json_array_size(json_object_get(t, "alt_body")));
		schema_fields(json_object_get(t, "alt_body"), 0);
	}
	ex = json_object_get(t, "example");
	printf("  example: %s\n",
	    json_string_value(json_object_get(ex, "lpc")));
	if ((s = json_dumps(json_object_get(ex, "named"), JSON_COMPACT)) !=
	    NULL) {
		printf("  named:   %s\n", s);
		free(s);
	}
	printf("\n");
}

void
schema_usage(FILE *f, const char *cmd)
{
	(void)cmd;
	fprintf(f,
"usage: i3codec schema [-j] [TYPE]\n"
"The I3 packet types: fields, their types, an example; or one TYPE.\n"
"  -j, --json           the table as JSON\n"
"  -h, --help           this help\n");
}

int
cmd_schema(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL,		0,		NULL, 0 }
	};
	json_t		*s, *p;
	const char	*type = NULL;
	char		*out;
	size_t		 i;
	int		 ch, json = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			schema_usage(stdout, "schema");
			return (0);
		default:
			schema_usage(stderr, "schema");
			return (2);
		}
	}
	if (argc - optind > 1) {
		schema_usage(stderr, "schema");
		return (2);
	}
	if (argc - optind == 1)
		type = argv[optind];
	if ((s = i3_schema_json(type)) == NULL) {
		fprintf(stderr, "i3codec: schema: unknown packet type: %s\n",
		    type != NULL ? type : "?");
		return (1);
	}
	if (json) {
		if ((out = json_dumps(s, JSON_INDENT(2))) != NULL) {
			printf("%s\n", out);
			free(out);
		}
	} else if (type != NULL)
		schema_type(s);
	else {
		printf("Every packet starts with the header: [0] type, [1] ttl, "
		    "[2] originator_mud,\n[3] originator_user, [4] target_mud, "
		    "[5] target_user (OOB packets have none).\n"
		    "Kept data: _extra (extra elements), _fields (unknown "
		    "type), _raw (unnamed mapping).\n\n");
		json_array_foreach(json_object_get(s, "packets"), i, p)
			schema_type(p);
	}
	json_decref(s);
	return (0);
}
