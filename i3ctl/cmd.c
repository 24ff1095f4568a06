/*
 * cmd.c: the command table, command lookup and argument parsing.
 */

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3ctl.h"

/* Sorted by name: help, completions and the man page test follow it. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_beep_entry,
	&cmd_call_entry,
	&cmd_channel_entry,
	&cmd_chanuser_entry,
	&cmd_completion_entry,
	&cmd_emote_entry,
	&cmd_finger_entry,
	&cmd_help_entry,
	&cmd_ignore_entry,
	&cmd_list_commands_entry,
	&cmd_listen_entry,
	&cmd_locate_entry,
	&cmd_mudinfo_entry,
	&cmd_mudlist_entry,
	&cmd_ping_entry,
	&cmd_presence_entry,
	&cmd_reconnect_entry,
	&cmd_shell_entry,
	&cmd_shutdown_entry,
	&cmd_stats_entry,
	&cmd_status_entry,
	&cmd_tell_entry,
	&cmd_who_entry,
	NULL
};

/* Long-only global options. */
enum {
	OPT_JSON = 256,
	OPT_COLOR,
	OPT_CONNECT,
	OPT_TLS,
	OPT_INSECURE,
	OPT_CAFILE,
	OPT_URL,
	OPT_KEYFILE,
	OPT_KEY,
	OPT_TIMEOUT,
	OPT_VERBOSE,
	OPT_NOCOLOR
};

/* Global options: accepted before the command and among its options. */
const char ctl_global_shortopts[] = "rq:S:hV";
const struct option ctl_global_longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "raw", no_argument, NULL, 'r' },
	{ "filter", required_argument, NULL, 'q' },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "no-color", no_argument, NULL, OPT_NOCOLOR },
	{ "connect", required_argument, NULL, OPT_CONNECT },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "cafile", required_argument, NULL, OPT_CAFILE },
	{ "url", required_argument, NULL, OPT_URL },
	{ "socket", required_argument, NULL, 'S' },
	{ "key-file", required_argument, NULL, OPT_KEYFILE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Apply one global option: CTL_OK, CTL_EUSAGE (reported), or -1 when ch is
 * not a global option.  'h' and 'V' are left to the caller.
 */
int
ctl_global_option(struct ctl *ctl, int ch, const char *arg)
{
	char	*end;
	double	 d;

	switch (ch) {
	case OPT_JSON:
		ctl->json = 1;
		break;
	case 'r':
		ctl->raw = 1;
		break;
	case 'q':
		ctl->filter_src = arg;
		break;
	case OPT_NOCOLOR:
		ctl->color_mode = COLOR_NEVER;
		break;
	case OPT_COLOR:
		if (arg == NULL || strcmp(arg, "always") == 0)
			ctl->color_mode = COLOR_ALWAYS;
		else if (strcmp(arg, "auto") == 0)
			ctl->color_mode = COLOR_AUTO;
		else if (strcmp(arg, "never") == 0)
			ctl->color_mode = COLOR_NEVER;
		else {
			ctl_warnx("--color: expected auto, always or never, "
			    "not '%s'", arg);
			return (CTL_EUSAGE);
		}
		break;
	case OPT_CONNECT:
		ctl->connect = arg;
		break;
	case OPT_TLS:
		ctl->tls = 1;
		break;
	case OPT_INSECURE:
		ctl->insecure = 1;
		break;
	case OPT_CAFILE:
		ctl->cafile = arg;
		break;
	case OPT_URL:
		ctl->url = arg;
		break;
	case 'S':
		ctl->socket = arg;
		break;
	case OPT_KEYFILE:
		ctl->key_file = arg;
		break;
	case OPT_KEY:
		ctl_warnx("a key on the command line is refused (it would "
		    "show in ps): use $I3_API_KEY or --key-file FILE");
		return (CTL_EUSAGE);
	case OPT_TIMEOUT:
		errno = 0;
		d = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' || d < 0 ||
		    d > 86400 * 365) {
			ctl_warnx("--timeout: bad number of seconds: '%s'",
			    arg);
			return (CTL_EUSAGE);
		}
		ctl->timeout = d;
		break;
	case OPT_VERBOSE:
		ctl->verbose++;
		break;
	default:
		return (-1);
	}
	return (CTL_OK);
}

/*
 * Find a command: the exact name, then the alias, then a unique prefix.
 * On failure *cause says why (allocated).
 */
const struct cmd_entry *
cmd_find(const struct cmd_entry *const *table, const char *name, char **cause)
{
	const struct cmd_entry	*const *e, *found = NULL;
	size_t			 n = strlen(name), len = 0;
	int			 ambiguous = 0;
	char			*s;

	*cause = NULL;
	for (e = table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0)
			return (*e);
	}
	for (e = table; *e != NULL; e++) {
		if ((*e)->alias != NULL && strcmp((*e)->alias, name) == 0)
			return (*e);
	}
	if (n == 0) {
		*cause = xstrdup("empty command");
		return (NULL);
	}
	for (e = table; *e != NULL; e++) {
		if (strncmp((*e)->name, name, n) != 0)
			continue;
		if (found != NULL)
			ambiguous = 1;
		found = *e;
		len += strlen((*e)->name) + 2;
	}
	if (found != NULL && !ambiguous)
		return (found);
	if (!ambiguous) {
		xasprintf(cause, "unknown command: %s", name);
		return (NULL);
	}
	s = xmalloc(len + 1);
	*s = '\0';
	for (e = table; *e != NULL; e++) {
		if (strncmp((*e)->name, name, n) != 0)
			continue;
		if (*s != '\0')
			strcat(s, ", ");
		strcat(s, (*e)->name);
	}
	xasprintf(cause, "ambiguous command: %s, could be: %s", name, s);
	free(s);
	return (NULL);
}

/* "channel send" for a child, "tell" for a top-level command. */
void
cmd_full_name(const struct cmd_entry *parent, const struct cmd_entry *entry,
    char *buf, size_t len)
{
	if (parent != NULL)
		snprintf(buf, len, "%s %s", parent->name, entry->name);
	else
		snprintf(buf, len, "%s", entry->name);
}

/* Print the usage of a command to stderr; returns CTL_EUSAGE. */
int
cmd_usage(const struct cmd_entry *entry, const char *fullname)
{
	fprintf(stderr, "usage: %s %s%s%s\n", I3CTL_NAME,
	    fullname != NULL ? fullname : entry->name,
	    *entry->usage != '\0' ? " " : "", entry->usage);
	return (CTL_EUSAGE);
}

/* The last value of option ch, or NULL. */
const char *
args_get(struct cmd_args *a, int ch)
{
	int	i;

	for (i = a->nopts - 1; i >= 0; i--) {
		if (a->opts[i].ch == ch)
			return (a->opts[i].val != NULL ? a->opts[i].val : "");
	}
	return (NULL);
}

int
args_has(struct cmd_args *a, int ch)
{
	return (args_get(a, ch) != NULL);
}

int
args_count(struct cmd_args *a, int ch)
{
	int	i, n = 0;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].ch == ch)
			n++;
	}
	return (n);
}

/* The value of the nth (from 0) use of option ch, or NULL. */
const char *
args_nth(struct cmd_args *a, int ch, int nth)
{
	int	i;

	for (i = 0; i < a->nopts; i++) {
		if (a->opts[i].ch == ch && nth-- == 0)
			return (a->opts[i].val);
	}
	return (NULL);
}

/* The words from idx on, joined by spaces (allocated). */
char *
args_join(struct cmd_args *a, int idx)
{
	size_t	 len = 1;
	int	 i;
	char	*s;

	for (i = idx; i < a->argc; i++)
		len += strlen(a->argv[i]) + 1;
	s = xmalloc(len);
	*s = '\0';
	for (i = idx; i < a->argc; i++) {
		if (i != idx)
			strcat(s, " ");
		strcat(s, a->argv[i]);
	}
	return (s);
}

/* Count the entries of a NULL-terminated option array. */
static size_t
cmd_nopts(const struct option *o)
{
	size_t	n = 0;

	if (o == NULL)
		return (0);
	while (o[n].name != NULL)
		n++;
	return (n);
}

/* Parse argv (argv[0] is the command word) for one entry and run it. */
static int
cmd_parse_exec(struct ctl *ctl, const struct cmd_entry *parent,
    const struct cmd_entry *entry, int argc, char **argv)
{
	struct cmd_args	 a;
	struct option	*lo;
	size_t		 nl, ng;
	char		 optstring[128], full[64], *cause;
	int		 ch, rc;

	cmd_full_name(parent, entry, full, sizeof full);
	snprintf(optstring, sizeof optstring, "%s:%s%s",
	    (entry->flags & CMD_STOPOPTS) ? "+" : "", entry->args.template,
	    ctl_global_shortopts);
	nl = cmd_nopts(entry->longopts);
	ng = cmd_nopts(ctl_global_longopts);
	lo = xcalloc(nl + ng + 1, sizeof *lo);
	if (nl != 0)
		memcpy(lo, entry->longopts, nl * sizeof *lo);
	memcpy(lo + nl, ctl_global_longopts, ng * sizeof *lo);

	memset(&a, 0, sizeof a);
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, optstring, lo, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			if (ch == ':')
				ctl_warnx("%s: option requires an argument: %s",
				    full, argv[optind - 1]);
			else if (optopt != 0)
				ctl_warnx("%s: unknown option: -%c", full,
				    optopt);
			else
				ctl_warnx("%s: unknown option: %s", full,
				    argv[optind - 1]);
			free(lo);
			return (cmd_usage(entry, full));
		}
		if (ch == 'h') {
			free(lo);
			cmd_print_help(stdout, parent, entry);
			return (CTL_OK);
		}
		if (ch >= 256 || ch == ':' ||
		    strchr(entry->args.template, ch) == NULL) {
			rc = ctl_global_option(ctl, ch, optarg);
			if (rc != -1) {
				if (rc != CTL_OK) {
					free(lo);
					return (rc);
				}
				continue;
			}
		}
		if (a.nopts == ARGS_MAXOPTS) {
			ctl_warnx("%s: too many options", full);
			free(lo);
			return (CTL_EUSAGE);
		}
		a.opts[a.nopts].ch = ch;
		a.opts[a.nopts].val = optarg;
		a.nopts++;
	}
	free(lo);
	a.argc = argc - optind;
	a.argv = argv + optind;
	if (a.argc < entry->args.lower ||
	    (entry->args.upper != -1 && a.argc > entry->args.upper)) {
		ctl_warnx("%s: %s", full, a.argc < entry->args.lower ?
		    "missing argument" : "too many arguments");
		return (cmd_usage(entry, full));
	}
	if (ctl->filter_src != NULL && ctl->filter == NULL) {
		ctl->filter = filter_new(ctl->filter_src, &cause);
		if (ctl->filter == NULL) {
			ctl_warnx("filter: %s", cause);
			free(cause);
			return (CTL_EFILTER);
		}
	}
	output_init(ctl);
	if (ctl->timeout >= 0)
		ctl_set_deadline(ctl, ctl->timeout);
	else if (entry->flags & CMD_NODEADLINE)
		ctl_set_deadline(ctl, 0);
	else
		ctl_set_deadline(ctl, CTL_DEFAULT_TIMEOUT);
	return (entry->exec(ctl, entry, &a));
}

/* Edit distance (insert, delete, change, swap two neighbours). */
static size_t
cmd_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, d[33][33];

	if (la > 32 || lb > 32)
		return (SIZE_MAX);
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return (d[la][lb]);
}

/*
 * After an unknown command: the commands it is close to ("did you mean
 * tell?"), and for a command with subcommands the list of them.
 */
static void
cmd_suggest(FILE *f, const struct cmd_entry *parent,
    const struct cmd_entry *const *table, const char *name, int in_shell)
{
	const struct cmd_entry	*const *e;
	size_t			 best = SIZE_MAX, d, max;
	const char		*sep = "";

	max = strlen(name) <= 4 ? 1 : 2;
	for (e = table; *e != NULL; e++) {
		d = cmd_distance(name, (*e)->name);
		if ((*e)->alias != NULL && cmd_distance(name, (*e)->alias) < d)
			d = cmd_distance(name, (*e)->alias);
		if (d < best)
			best = d;
	}
	if (best <= max) {
		fprintf(f, "did you mean ");
		for (e = table; *e != NULL; e++) {
			d = cmd_distance(name, (*e)->name);
			if ((*e)->alias != NULL &&
			    cmd_distance(name, (*e)->alias) < d)
				d = cmd_distance(name, (*e)->alias);
			if (d != best)
				continue;
			fprintf(f, "%s%s%s%s", sep, parent != NULL ?
			    parent->name : "", parent != NULL ? " " : "",
			    (*e)->name);
			sep = " or ";
		}
		fprintf(f, "?\n");
	}
	if (parent != NULL) {
		fprintf(f, "%s commands:", parent->name);
		for (e = table; *e != NULL; e++)
			fprintf(f, " %s", (*e)->name);
		fprintf(f, "\n");
	} else if (in_shell)
		fprintf(f, "'help' lists the commands\n");
	else
		fprintf(f, "'%s help' lists the commands\n", I3CTL_NAME);
}

/* Find the command named by argv[0] in table and run it. */
static int
cmd_run_in(struct ctl *ctl, const struct cmd_entry *parent,
    const struct cmd_entry *const *table, int argc, char **argv)
{
	const struct cmd_entry	*entry, *const *e;
	char			*cause;

	entry = cmd_find(table, argv[0], &cause);
	if (entry == NULL) {
		if (parent != NULL)
			ctl_warnx("%s: %s", parent->name, cause);
		else
			ctl_warnx("%s", cause);
		free(cause);
		cmd_suggest(stderr, parent, table, argv[0], ctl->in_shell);
		return (CTL_EUSAGE);
	}
	if (entry->children == NULL)
		return (cmd_parse_exec(ctl, parent, entry, argc, argv));
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		if (argc < 2)
			ctl_warnx("%s: missing subcommand", entry->name);
		fprintf(argc < 2 ? stderr : stdout, "usage:\n");
		for (e = entry->children; *e != NULL; e++) {
			fprintf(argc < 2 ? stderr : stdout, "  %s %s %s %s\n",
			    I3CTL_NAME, entry->name, (*e)->name, (*e)->usage);
		}
		return (argc < 2 ? CTL_EUSAGE : CTL_OK);
	}
	return (cmd_run_in(ctl, entry, entry->children, argc - 1, argv + 1));
}

int
cmd_run(struct ctl *ctl, const struct cmd_entry *const *table, int argc,
    char **argv)
{
	return (cmd_run_in(ctl, NULL, table, argc, argv));
}
