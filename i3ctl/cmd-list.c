/*
 * cmd-list.c: help, list-commands and completion, all from the table.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

static int	cmd_list_commands_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static int	cmd_completion_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static int	cmd_help_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);
static json_t	*cmd_entry_json(const struct cmd_entry *,
		    const struct cmd_entry *);
static void	 cmd_opts_words(const struct cmd_entry *, int, char *,
		    size_t);
static size_t	 cmd_all(const struct cmd_entry **,
		    const struct cmd_entry **);
static void	 cmd_cat(char *, const char *, size_t);
static void	 cmd_global_words(int, char *, size_t);
static const char *cmd_argkind(const char *);
static const struct option *cmd_global_opt(const char *);
static const char *cmd_optdoc(const char *, const char *, const char **);
static void	 cmd_tab_row(int, const char *, const char *, const char *,
		    const char *);
static void	 cmd_tab(int);
static void	 cmd_methods(void);
static void	 cmd_names(void);
static void	 cmd_sh_helpers(void);
static void	 cmd_sh_walk(const char *, const char *, const char *);
static void	 cmd_quote(const char *, int, int);
static void	 cmd_completion_bash(void);
static void	 cmd_completion_zsh(void);
static void	 cmd_completion_fish(void);
static void	 cmd_shell_names(const char *);

static const struct option cmd_list_commands_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_list_commands_entry = {
	.name = "list-commands",
	.alias = "lscm",
	.args = { "j", 0, 0 },
	.longopts = cmd_list_commands_longopts,
	.usage = "[--json]",
	.summary = "list every command (as JSON with --json)",
	.method = NULL,
	.complete = "",
	.flags = CMD_NOCONNECT,
	.exec = cmd_list_commands_exec
};

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.alias = NULL,
	.args = { "", 1, 1 },
	.usage = "bash|zsh|fish",
	.summary = "print the shell completion script",
	.method = NULL,
	.complete = "shell",
	.flags = CMD_NOCONNECT,
	.exec = cmd_completion_exec
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.alias = NULL,
	.args = { "", 0, 2 },
	.usage = "[command [subcommand]]",
	.summary = "describe the commands, or one command",
	.method = NULL,
	.complete = "command",
	.flags = CMD_NOCONNECT,
	.exec = cmd_help_exec
};

/*
 * What help says of each global option (ctl_global_longopts gives its short
 * form and whether it takes an argument); the ones without a row (--colour,
 * --key) are neither in help nor completed.  Each doc is a format given the
 * default timeout.  The argument's name also says how the completions
 * complete it (cmd_argkind).
 */
static const struct {
	const char	*name;
	const char	*arg;
	const char	*doc;
} cmd_global_docs[] = {
	{ "json", NULL, "print results as JSON (NDJSON for streams)" },
	{ "raw", NULL, "raw strings, one name a line for lists" },
	{ "filter", "FILTER", "run a jq program on each result or event" },
	{ "color", "[=WHEN]", "auto, always or never (NO_COLOR is honoured)" },
	{ "no-color", NULL, "no colour (as --color=never)" },
	{ "socket", "PATH", "the gateway's Unix socket" },
	{ "connect", "HOST:PORT", "TCP instead" },
	{ "tls", NULL, "TLS on that connection, the server verified" },
	{ "insecure", NULL, "do not verify the server's certificate" },
	{ "cafile", "FILE", "the authorities that verify it" },
	{ "url", "URL", "HTTP POST to the gateway's /rpc, or a WebSocket" },
	{ "key-file", "FILE", "the API key (or $I3_API_KEY)" },
	{ "timeout", "SECONDS", "bound everything (default %g; 0: none)" },
	{ "verbose", NULL, "say what is sent and received, on stderr" },
	{ "help", NULL, "help, of a command too: i3ctl help COMMAND" },
	{ "version", NULL, "the version" },
};
#define CMD_NGLOBAL (sizeof cmd_global_docs / sizeof cmd_global_docs[0])

/* The values of --color. */
static const char *const cmd_color_words =
    "--color=auto --color=always --color=never";

static json_t *
cmd_entry_json(const struct cmd_entry *e, const struct cmd_entry *parent)
{
	json_t			*o, *opts, *kinds, *kids;
	const struct option	*lo;
	const struct cmd_entry	*const *c;
	const char		*t;
	char			*s, *w, *save, full[64];

	cmd_full_name(parent, e, full, sizeof full);
	o = json_pack("{s:s, s:s, s:s, s:s}", "name", e->name, "command",
	    full, "usage", e->usage, "summary", e->summary);
	json_object_set_new(o, "alias", e->alias != NULL ?
	    json_string(e->alias) : json_null());
	json_object_set_new(o, "method", e->method != NULL ?
	    json_string(e->method) : json_null());
	json_object_set_new(o, "min_args", json_integer(e->args.lower));
	json_object_set_new(o, "max_args", e->args.upper == -1 ?
	    json_null() : json_integer(e->args.upper));
	opts = json_array();
	for (t = e->args.template; *t != '\0'; t++) {
		json_t	*op;

		if (*t == ':')
			continue;
		op = json_pack("{s:s#, s:b}", "short", t, 1, "argument",
		    t[1] == ':');
		for (lo = e->longopts; lo != NULL && lo->name != NULL; lo++) {
			if (lo->val == *t)
				json_object_set_new(op, "long",
				    json_string(lo->name));
		}
		json_array_append_new(opts, op);
	}
	json_object_set_new(o, "options", opts);
	kinds = json_array();
	s = xstrdup(e->complete != NULL ? e->complete : "");
	for (w = strtok_r(s, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		json_array_append_new(kinds, json_string(w));
	free(s);
	json_object_set_new(o, "arguments", kinds);
	if (e->children != NULL) {
		kids = json_array();
		for (c = e->children; *c != NULL; c++)
			json_array_append_new(kids, cmd_entry_json(*c, e));
		json_object_set_new(o, "subcommands", kids);
	}
	return (o);
}

/* The whole table as JSON. */
json_t *
cmd_table_json(void)
{
	json_t			*a;
	const struct cmd_entry	*const *e;

	a = json_array();
	for (e = cmd_table; *e != NULL; e++)
		json_array_append_new(a, cmd_entry_json(*e, NULL));
	return (a);
}

/*
 * What each command option does, for help: the command's full name (NULL:
 * any command with the option), the option's long name, its argument and
 * one line.  A test checks that every option of every command has one.
 */
static const struct {
	const char	*cmd;
	const char	*name;
	const char	*arg;
	const char	*doc;
} cmd_optdocs[] = {
	{ NULL, "as", "USER", "the MUD's user it comes from (default the "
	  "gateway's default_user)" },
	{ NULL, "visname", "NAME", "the name shown for that user" },
	{ NULL, "target-text", "TEXT", "what the target sees (channel target)" },
	{ "tell", "wait", "SECONDS", "wait that long for a refusal (default 1)" },
	{ "emote", "wait", "SECONDS", "wait that long for a refusal (default 1)" },
	{ "beep", "wait", "SECONDS", "wait that long for a refusal (default 1)" },
	{ "channel send", "wait", "SECONDS", "wait that long for a refusal "
	  "(default 1)" },
	{ "channel emote", "wait", "SECONDS", "wait that long for a refusal "
	  "(default 1)" },
	{ "channel target", "wait", "SECONDS", "wait that long for a refusal "
	  "(default 1)" },
	{ NULL, "wait", "SECONDS", "how long the gateway waits for the remote "
	  "answer" },
	{ NULL, "no-wait", NULL, "do not wait for a refusal: exit once sent" },
	{ NULL, "lines", NULL, "one message a line of stdin, sent as each "
	  "line comes" },
	{ "channel history", "limit", "N", "at most N messages (1 to 1000)" },
	{ NULL, "since", "TIME", "from TIME on: 2h, 1d, ISO 8601 or seconds "
	  "since 1970" },
	{ NULL, "until", "TIME", "up to TIME" },
	{ NULL, "grep", "WORDS", "only messages with these words (full-text)" },
	{ "channel history", "user", "USER@MUD", "only this user's messages" },
	{ NULL, "mud", "MUD", "only messages from this MUD" },
	{ NULL, "before", "ID", "messages before this id (paging)" },
	{ NULL, "follow", NULL, "then print new messages as they come, as tail -f" },
	{ "channel add", "type", "TYPE", "public (a ban list), private (an "
	  "admit list) or filtered" },
	{ "channel admin", "add", "MUD", "add to the ban or admit list" },
	{ "channel admin", "remove", "MUD", "remove from the ban or admit list" },
	{ "ignore add", "channel", "CHANNEL", "the rule holds on this channel "
	  "only" },
	{ "ignore remove", "channel", "CHANNEL", "the rule of this channel" },
	{ "ignore list", "channel", "CHANNEL", "only the rules of this "
	  "channel" },
	{ "ignore list", "user", "USER", "only the rules of this player" },
	{ NULL, "channel", "CHANNEL", "only this channel (repeatable)" },
	{ "listen", "event", "EVENT", "only this event (repeatable)" },
	{ "listen", "count", "N", "exit after N events" },
	{ "listen", "resume", "FILE", "keep the session: resume it from FILE "
	  "(token, last seq handled), replaying what was missed" },
	{ NULL, "user", "USER", "the rule of this player of the MUD (without: "
	  "the gateway's own)" },
	{ NULL, "up", NULL, "only MUDs that are up" },
	{ NULL, "driver", "DRIVER", "only MUDs whose driver holds DRIVER (any "
	  "case)" },
	{ NULL, "mudlib", "MUDLIB", "only MUDs whose mudlib holds MUDLIB (any "
	  "case)" },
	{ NULL, "service", "SERVICE", "only MUDs offering this service" },
	{ "list-commands", "json", NULL, "the command table as JSON" },
};

/* The global option of that long name (one of cmd_global_docs). */
static const struct option *
cmd_global_opt(const char *name)
{
	const struct option	*g;

	for (g = ctl_global_longopts; g->name != NULL; g++) {
		if (strcmp(g->name, name) == 0)
			return (g);
	}
	fatalx("%s: --%s is not a global option", __func__, name);
}

/* The line of help of one option of a command, or NULL. */
static const char *
cmd_optdoc(const char *full, const char *name, const char **arg)
{
	size_t	i;
	int	pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < sizeof cmd_optdocs / sizeof cmd_optdocs[0];
		    i++) {
			if (strcmp(cmd_optdocs[i].name, name) != 0)
				continue;
			if (pass == 0 ? cmd_optdocs[i].cmd == NULL ||
			    strcmp(cmd_optdocs[i].cmd, full) != 0 :
			    cmd_optdocs[i].cmd != NULL)
				continue;
			*arg = cmd_optdocs[i].arg;
			return (cmd_optdocs[i].doc);
		}
	return (NULL);
}

/* Help for one command, or for all (entry NULL). */
int
cmd_print_help(FILE *f, const struct cmd_entry *parent,
    const struct cmd_entry *entry)
{
	const struct cmd_entry	*const *e, *const *c;
	const struct option	*o;
	char			 full[64];
	size_t			 i;

	if (entry != NULL) {
		cmd_full_name(parent, entry, full, sizeof full);
		fprintf(f, "usage: %s %s%s%s\n  %s\n", I3CTL_NAME, full,
		    *entry->usage != '\0' ? " " : "", entry->usage,
		    entry->summary);
		if (entry->alias != NULL)
			fprintf(f, "  alias: %s\n", entry->alias);
		for (o = entry->longopts; o != NULL && o->name != NULL; o++) {
			const char	*arg = NULL, *doc;
			char		 flags[64];

			doc = cmd_optdoc(full, o->name, &arg);
			snprintf(flags, sizeof flags, "-%c, --%s%s%s", o->val,
			    o->name, arg != NULL ? " " : "", arg != NULL ?
			    arg : "");
			fprintf(f, "  %-24s %s\n", flags, doc != NULL ? doc :
			    "(no description)");
		}
		for (c = entry->children; c != NULL && *c != NULL; c++)
			fprintf(f, "  %s %s %s %s\n      %s\n", I3CTL_NAME,
			    entry->name, (*c)->name, (*c)->usage,
			    (*c)->summary);
		return (CTL_OK);
	}
	fprintf(f, "usage: %s [options] command [args ...]\n\noptions:\n",
	    I3CTL_NAME);
	for (i = 0; i < CMD_NGLOBAL; i++) {
		const struct option	*g;
		const char		*arg = cmd_global_docs[i].arg;
		char			 flags[64];

		g = cmd_global_opt(cmd_global_docs[i].name);

		if (g->val < 128)
			snprintf(flags, sizeof flags, "-%c, --%s", g->val,
			    g->name);
		else
			snprintf(flags, sizeof flags, "--%s", g->name);
		if (arg != NULL) {
			if (*arg != '[')
				cmd_cat(flags, " ", sizeof flags);
			cmd_cat(flags, arg, sizeof flags);
		}
		fprintf(f, "  %-19s ", flags);
		fprintf(f, cmd_global_docs[i].doc, CTL_DEFAULT_TIMEOUT);
		fputc('\n', f);
	}
	fprintf(f, "\ncommands:\n");
	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->children == NULL) {
			fprintf(f, "  %-14s %s\n", (*e)->name, (*e)->summary);
			continue;
		}
		for (c = (*e)->children; *c != NULL; c++)
			fprintf(f, "  %s %-*s %s\n", (*e)->name,
			    (int)(13 - strlen((*e)->name)), (*c)->name,
			    (*c)->summary);
	}
	fprintf(f, "\n'%s help COMMAND' for its usage; see i3ctl(1).\n",
	    I3CTL_NAME);
	return (CTL_OK);
}

static int
cmd_help_exec(struct ctl *ctl, const struct cmd_entry *self,
    struct cmd_args *a)
{
	const struct cmd_entry	*e, *parent = NULL;
	char			*cause;

	if (a->argc == 0)
		return (cmd_print_help(stdout, NULL, NULL));
	if ((e = cmd_find(cmd_table, a->argv[0], &cause)) == NULL) {
		ctl_warnx("%s", cause);
		free(cause);
		return (CTL_EUSAGE);
	}
	if (a->argc == 2 && e->children != NULL) {
		parent = e;
		if ((e = cmd_find(e->children, a->argv[1], &cause)) == NULL) {
			ctl_warnx("%s", cause);
			free(cause);
			return (CTL_EUSAGE);
		}
	}
	return (cmd_print_help(stdout, parent, e));
}

static int
cmd_list_commands_exec(struct ctl *ctl, const struct cmd_entry *self,
    struct cmd_args *a)
{
	const struct cmd_entry	*const *e, *const *c;
	json_t			*t;
	int			 rc;

	if (args_has(a, 'j') || ctl->json || ctl->filter != NULL) {
		ctl->json = 1;
		t = cmd_table_json();
		rc = output_value(ctl, t);
		json_decref(t);
		return (rc);
	}
	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->children == NULL) {
			printf("%s%s%s%s %s\n", (*e)->name,
			    (*e)->alias != NULL ? " (" : "",
			    (*e)->alias != NULL ? (*e)->alias : "",
			    (*e)->alias != NULL ? ")" : "", (*e)->usage);
			continue;
		}
		for (c = (*e)->children; *c != NULL; c++)
			printf("%s %s%s%s%s %s\n", (*e)->name, (*c)->name,
			    (*c)->alias != NULL ? " (" : "",
			    (*c)->alias != NULL ? (*c)->alias : "",
			    (*c)->alias != NULL ? ")" : "", (*c)->usage);
	}
	return (CTL_OK);
}

/* -x and --long for every option of an entry, space-separated. */
static void
cmd_opts_words(const struct cmd_entry *e, int witharg, char *buf, size_t len)
{
	const struct option	*lo;
	const char		*t;
	char			 w[64];

	*buf = '\0';
	for (t = e->args.template; *t != '\0'; t++) {
		if (*t == ':' || (t[1] == ':') != witharg)
			continue;
		snprintf(w, sizeof w, "%s-%c", *buf != '\0' ? " " : "", *t);
		cmd_cat(buf, w, len);
		for (lo = e->longopts; lo != NULL && lo->name != NULL; lo++) {
			if (lo->val == *t) {
				snprintf(w, sizeof w, " --%s", lo->name);
				cmd_cat(buf, w, len);
			}
		}
	}
}

/* The same for the global options of help (cmd_global_docs). */
static void
cmd_global_words(int witharg, char *buf, size_t len)
{
	const struct option	*g;
	char			 w[64];
	size_t			 i;

	*buf = '\0';
	for (i = 0; i < CMD_NGLOBAL; i++) {
		g = cmd_global_opt(cmd_global_docs[i].name);
		if ((g->has_arg == required_argument) != witharg)
			continue;
		if (g->val < 128) {
			snprintf(w, sizeof w, "%s-%c", *buf != '\0' ? " " : "",
			    g->val);
			cmd_cat(buf, w, len);
		}
		snprintf(w, sizeof w, "%s--%s", *buf != '\0' ? " " : "",
		    g->name);
		cmd_cat(buf, w, len);
		/* --color: its values as words of their own. */
		if (g->has_arg == optional_argument) {
			cmd_cat(buf, " ", len);
			cmd_cat(buf, cmd_color_words, len);
		}
	}
}

/*
 * How the completions complete an option's argument, from the argument's
 * name in help: "file", "event", "channel", "mud", "user@mud", or NULL
 * (nothing: a number, a time, a driver...).
 */
static const char *
cmd_argkind(const char *arg)
{
	static const struct {
		const char	*arg;
		const char	*kind;
	} kinds[] = {
		{ "FILE", "file" },
		{ "PATH", "file" },
		{ "EVENT", "event" },
		{ "CHANNEL", "channel" },
		{ "MUD", "mud" },
		{ "USER@MUD", "user@mud" },
	};
	size_t	i;

	for (i = 0; arg != NULL && i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(kinds[i].arg, arg) == 0)
			return (kinds[i].kind);
	}
	return (NULL);
}

/* Every command and subcommand, with its parent (NULL at the top). */
#define CMD_MAXENTRIES	128
static size_t
cmd_all(const struct cmd_entry **ents, const struct cmd_entry **pars)
{
	const struct cmd_entry	*const *e, *const *c;
	size_t			 n = 0;

	for (e = cmd_table; *e != NULL && n < CMD_MAXENTRIES; e++) {
		pars[n] = NULL;
		ents[n++] = *e;
		if ((*e)->children == NULL)
			continue;
		for (c = (*e)->children; *c != NULL && n < CMD_MAXENTRIES;
		    c++) {
			pars[n] = *e;
			ents[n++] = *c;
		}
	}
	return (n);
}

/* Append to a string buffer, cutting at its size. */
static void
cmd_cat(char *buf, const char *s, size_t len)
{
	size_t	n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

/*
 * One row of the scripts' table function (_i3ctl_tab WHAT KEY): WHAT:KEY
 * prints VAL; KEY NULL is any key, OPT appends ":OPT" to it.  bash and zsh
 * share the syntax; fish has its own.
 */
static void
cmd_tab_row(int fish, const char *what, const char *key, const char *opt,
    const char *val)
{
	if (fish) {
		printf("\tcase '%s:%s%s%s'\n\t\tprintf '%%s\\n' '%s'\n", what,
		    key != NULL ? key : "*", opt != NULL ? ":" : "",
		    opt != NULL ? opt : "", val);
		return;
	}
	printf("\t\"%s:%s%s%s\") printf '%%s\\n' \"%s\" ;;\n", what,
	    key != NULL ? key : "\"*\"", opt != NULL ? ":" : "",
	    opt != NULL ? opt : "", val);
}

/*
 * The table function: canonical names of aliases, subcommands, options,
 * options with an argument, argument kinds, and what each option's
 * argument is.  All from the command table.
 */
static void
cmd_tab(int fish)
{
	const struct cmd_entry	*all[CMD_MAXENTRIES], *allp[CMD_MAXENTRIES];
	const struct cmd_entry	*ent, *par, *const *c;
	const struct option	*lo, *g;
	const char		*arg, *kind;
	char			 key[64], buf[512], w[64];
	size_t			 i, nall;

	nall = cmd_all(all, allp);
	if (fish)
		printf("function __i3ctl_tab\n"
		    "\tswitch \"$argv[1]:$argv[2]\"\n");
	else
		printf("_i3ctl_tab()\n{\n\tcase \"$1:$2\" in\n");
	cmd_global_words(1, buf, sizeof buf);
	cmd_tab_row(fish, "global", "argopts", NULL, buf);
	cmd_global_words(0, buf, sizeof buf);
	cmd_tab_row(fish, "global", "flags", NULL, buf);
	for (i = 0; i < CMD_NGLOBAL; i++) {
		g = cmd_global_opt(cmd_global_docs[i].name);
		if ((kind = cmd_argkind(cmd_global_docs[i].arg)) == NULL)
			continue;
		snprintf(w, sizeof w, "--%s", g->name);
		cmd_tab_row(fish, "argkind", NULL, w, kind);
		if (g->val < 128) {
			snprintf(w, sizeof w, "-%c", g->val);
			cmd_tab_row(fish, "argkind", NULL, w, kind);
		}
	}
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		cmd_full_name(par, ent, key, sizeof key);
		if (ent->alias != NULL) {
			snprintf(buf, sizeof buf, "%s%s%s", par != NULL ?
			    par->name : "", par != NULL ? " " : "", ent->alias);
			cmd_tab_row(fish, "canon", buf, NULL, key);
		}
		if (ent->children != NULL) {
			*buf = '\0';
			for (c = ent->children; *c != NULL; c++) {
				if (c != ent->children)
					cmd_cat(buf, " ", sizeof buf);
				cmd_cat(buf, (*c)->name, sizeof buf);
			}
			cmd_tab_row(fish, "subs", key, NULL, buf);
		}
		cmd_opts_words(ent, 0, buf, sizeof buf);
		if (*buf != '\0')
			cmd_tab_row(fish, "opts", key, NULL, buf);
		cmd_opts_words(ent, 1, buf, sizeof buf);
		if (*buf != '\0')
			cmd_tab_row(fish, "argopts", key, NULL, buf);
		if (ent->complete != NULL && *ent->complete != '\0')
			cmd_tab_row(fish, "kinds", key, NULL, ent->complete);
		for (lo = ent->longopts; lo != NULL && lo->name != NULL; lo++) {
			arg = NULL;
			if (lo->has_arg != required_argument ||
			    cmd_optdoc(key, lo->name, &arg) == NULL ||
			    (kind = cmd_argkind(arg)) == NULL)
				continue;
			snprintf(buf, sizeof buf, "%s:-%c", key, lo->val);
			cmd_tab_row(fish, "argkind", buf, NULL, kind);
			snprintf(buf, sizeof buf, "%s:--%s", key, lo->name);
			cmd_tab_row(fish, "argkind", buf, NULL, kind);
		}
	}
	if (fish)
		printf("\tcase 'canon:*'\n\t\tprintf '%%s\\n' $argv[2]\n"
		    "\tend\nend\n\n");
	else
		printf("\tcanon:*) printf '%%s\\n' \"$2\" ;;\n\tesac\n}\n\n");
}

/* The methods "i3ctl call" completes: the table's and a few more. */
static void
cmd_methods(void)
{
	const struct cmd_entry	*const *e, *const *c;

	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->method != NULL)
			printf("%s ", (*e)->method);
		for (c = (*e)->children; c != NULL && *c != NULL; c++)
			printf("%s ", (*c)->method);
	}
	printf("authenticate unsubscribe session_resume");
}

/* The top-level command names, space-separated. */
static void
cmd_names(void)
{
	const struct cmd_entry	*const *e;

	for (e = cmd_table; *e != NULL; e++)
		printf("%s%s", e == cmd_table ? "" : " ", (*e)->name);
}

/* What bash and zsh share: MUD and channel names, event names. */
static void
cmd_sh_helpers(void)
{
	printf("_i3ctl_names()\n{\n"
	    "\tcommand i3ctl --timeout 0.5 --color=never \"$@\" -r "
	    "2>/dev/null\n}\n\n");
	printf("_i3ctl_events()\n{\n"
	    "\tcommand i3gw --list-events 2>/dev/null |\n"
	    "\t    sed -n 's/^| `\\([a-z_]*\\)`.*/\\1/p'\n}\n\n");
}

/*
 * The walk over the words before the current one that bash and zsh share:
 * the command, the subcommand, how many arguments (npos); an option's
 * argument is skipped.  Then, after an option that takes an argument, what
 * its argument is (_i3ctl_kind), else options after '-'.
 */
static void
cmd_sh_walk(const char *first, const char *end, const char *optsfmt)
{
	printf("\tfor ((i = %s; i < %s; i++)); do\n"
	    "\t\tw=${words[i]}\n"
	    "\t\tif ((skip)); then skip=0; continue; fi\n"
	    "\t\tkey=$cmd${sub:+ $sub}\n"
	    "\t\tcase \" $(_i3ctl_tab global argopts) "
	    "$(_i3ctl_tab argopts \"$key\") \" in\n"
	    "\t\t*\" $w \"*) skip=1; continue ;;\n"
	    "\t\tesac\n"
	    "\t\tcase $w in\n"
	    "\t\t-?*) continue ;;\n"
	    "\t\tesac\n"
	    "\t\tif [[ -z $cmd ]]; then\n"
	    "\t\t\tcmd=$(_i3ctl_tab canon \"$w\")\n"
	    "\t\telif [[ -z $sub && -n $(_i3ctl_tab subs \"$cmd\") ]]; then\n"
	    "\t\t\tsub=$(_i3ctl_tab canon \"$cmd $w\")\n"
	    "\t\t\tsub=${sub#* }\n"
	    "\t\telse\n"
	    "\t\t\tnpos=$((npos + 1))\n"
	    "\t\tfi\n"
	    "\tdone\n"
	    "\tkey=$cmd${sub:+ $sub}\n", first, end);
	printf("\tcase \" $(_i3ctl_tab global argopts) "
	    "$(_i3ctl_tab argopts \"$key\") \" in\n"
	    "\t*\" $prev \"*)\n"
	    "\t\t_i3ctl_kind \"$(_i3ctl_tab argkind \"$key:$prev\")\"\n"
	    "\t\treturn ;;\n"
	    "\tesac\n");
	printf(optsfmt, "$(_i3ctl_tab opts \"$key\") "
	    "$(_i3ctl_tab argopts \"$key\") $(_i3ctl_tab global argopts) "
	    "$(_i3ctl_tab global flags)");
	printf("\tif [[ -z $cmd ]]; then\n"
	    "\t\tkind=command\n"
	    "\telif [[ -z $sub && -n $(_i3ctl_tab subs \"$cmd\") ]]; then\n"
	    "\t\tkind=subs\n"
	    "\telse\n"
	    "\t\tkinds=($(_i3ctl_tab kinds \"$key\"))\n"
	    "\t\t[[ ${#kinds[@]} -eq 0 ]] && return\n"
	    "\t\tif ((npos < ${#kinds[@]})); then\n"
	    "\t\t\tkind=${kinds[%s]}\n"
	    "\t\telse\n"
	    "\t\t\tkind=${kinds[%s]}\n"
	    "\t\tfi\n"
	    "\tfi\n"
	    "\t_i3ctl_kind \"$kind\"\n}\n\n", first[0] == '1' ? "npos" :
	    "npos + 1", first[0] == '1' ? "${#kinds[@]} - 1" : "-1");
}

static void
cmd_completion_bash(void)
{
	printf("# i3ctl.bash: bash completion for i3ctl.\n"
	    "# Generated by 'i3ctl completion bash' from the command table; "
	    "do not edit.\n\n");
	cmd_sh_helpers();
	/*
	 * Words are split on blanks only, from COMP_LINE, so that "bob@Ob"
	 * is one word whatever COMP_WORDBREAKS holds; the reply is trimmed
	 * back to what bash replaces: after its last word break, except that
	 * '@' (one of bash's special prefixes) stays in the word replaced.
	 */
	printf("_i3ctl()\n{\n"
	    "\tlocal IFS=$' \\t\\n'\n"
	    "\tlocal line=${COMP_LINE:0:COMP_POINT} words cword cur prev w i "
	    "cmd= sub= npos=0 skip=0\n"
	    "\tlocal key kinds kind\n"
	    "\tif [[ -n ${COMP_LINE+set} ]]; then\n"
	    "\t\tread -ra words <<< \"$line\"\n"
	    "\t\t[[ $line == *[[:space:]] ]] && words+=(\"\")\n"
	    "\telse\n"
	    "\t\twords=(\"${COMP_WORDS[@]:0:COMP_CWORD + 1}\")\n"
	    "\tfi\n"
	    "\tcword=$((${#words[@]} - 1))\n"
	    "\tcur=${words[cword]} prev=${words[cword - 1]}\n"
	    "\tCOMPREPLY=()\n"
	    "\t_i3ctl_reply\n"
	    "\tlocal pre= c p\n"
	    "\tfor c in @ = :; do\n"
	    "\t\t[[ $COMP_WORDBREAKS == *\"$c\"* && $cur == *\"$c\"* ]] "
	    "|| continue\n"
	    "\t\tp=${cur%%\"$c\"*}\n"
	    "\t\t[[ $c == @ ]] || p+=$c\n"
	    "\t\t((${#p} > ${#pre})) && pre=$p\n"
	    "\tdone\n"
	    "\t[[ -n ${COMP_LINE+set} && -n $pre ]] && "
	    "COMPREPLY=(\"${COMPREPLY[@]#\"$pre\"}\")\n"
	    "\treturn 0\n}\n\n");
	printf("_i3ctl_reply()\n{\n");
	cmd_sh_walk("1", "cword", "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n"
	    "\t\treturn\n\tfi\n");
	printf("_i3ctl_kind()\n{\n"
	    "\tcase $1 in\n"
	    "\tfile|mud|channel|user@mud)\n"
	    "\t\tlocal IFS=$'\\n'\n"
	    "\t\tcompopt -o filenames 2>/dev/null ;;\n"
	    "\tesac\n"
	    "\tcase $1 in\n"
	    "\tfile) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	    "\tevent) COMPREPLY=($(compgen -W \"$(_i3ctl_events)\" -- "
	    "\"$cur\")) ;;\n"
	    "\tmud) COMPREPLY=($(compgen -W \"$(_i3ctl_names mudlist)\" -- "
	    "\"$cur\")) ;;\n"
	    "\tchannel) COMPREPLY=($(compgen -W \"$(_i3ctl_names channel "
	    "list)\" -- \"$cur\")) ;;\n"
	    "\tuser@mud)\n"
	    "\t\tif [[ $cur == *@* ]]; then\n"
	    "\t\t\tCOMPREPLY=($(compgen -P \"${cur%%%%@*}@\" -W "
	    "\"$(_i3ctl_names mudlist)\" -- \"${cur#*@}\"))\n"
	    "\t\tfi ;;\n"
	    "\tsubs) COMPREPLY=($(compgen -W \"$(_i3ctl_tab subs \"$cmd\")\" "
	    "-- \"$cur\")) ;;\n"
	    "\tcommand) COMPREPLY=($(compgen -W \"");
	cmd_names();
	printf("\" -- \"$cur\")) ;;\n"
	    "\tmethod) COMPREPLY=($(compgen -W \"");
	cmd_methods();
	printf("\" -- \"$cur\")) ;;\n"
	    "\tshell) COMPREPLY=($(compgen -W \"");
	cmd_shell_names(" ");
	printf("\" -- \"$cur\")) ;;\n"
	    "\tesac\n}\n\n");
	cmd_tab(0);
	printf("complete -F _i3ctl i3ctl\n");
}

/* A string for single quotes in sh or fish; in zsh's _describe, ':' too. */
static void
cmd_quote(const char *s, int fish, int colon)
{
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			printf(fish ? "\\'" : "'\\''");
		else if (*s == '\\' && fish)
			printf("\\\\");
		else if (*s == ':' && colon)
			printf("\\:");
		else
			putchar(*s);
	}
}

static void
cmd_completion_zsh(void)
{
	const struct cmd_entry	*const *e;

	printf("#compdef i3ctl\n"
	    "# _i3ctl: zsh completion for i3ctl.\n"
	    "# Generated by 'i3ctl completion zsh' from the command table; "
	    "do not edit.\n\n");
	cmd_sh_helpers();
	printf("_i3ctl()\n{\n"
	    "\tlocal -a cmds kinds opts\n"
	    "\tlocal w cmd= sub= key kind i npos=0 skip=0 "
	    "prev=${words[CURRENT - 1]}\n"
	    "\tcmds=(\n");
	for (e = cmd_table; *e != NULL; e++) {
		printf("\t\t'%s:", (*e)->name);
		cmd_quote((*e)->summary, 0, 1);
		printf("'\n");
	}
	printf("\t)\n");
	cmd_sh_walk("2", "CURRENT", "\tif [[ $PREFIX == -* ]]; then\n"
	    "\t\topts=(%s)\n"
	    "\t\tcompadd -a opts\n"
	    "\t\treturn\n\tfi\n");
	printf("_i3ctl_kind()\n{\n"
	    "\tlocal -a names\n"
	    "\tcase $1 in\n"
	    "\tfile) _files ;;\n"
	    "\tevent) names=(${(f)\"$(_i3ctl_events)\"}); compadd -a names ;;\n"
	    "\tmud) names=(${(f)\"$(_i3ctl_names mudlist)\"}); "
	    "compadd -a names ;;\n"
	    "\tchannel) names=(${(f)\"$(_i3ctl_names channel list)\"}); "
	    "compadd -a names ;;\n"
	    "\tuser@mud)\n"
	    "\t\tif [[ $PREFIX == *@* ]]; then\n"
	    "\t\t\tnames=(${(f)\"$(_i3ctl_names mudlist)\"})\n"
	    "\t\t\tcompset -P '*@'\n"
	    "\t\t\tcompadd -a names\n"
	    "\t\tfi ;;\n"
	    "\tsubs) compadd -- ${=$(_i3ctl_tab subs \"$cmd\")} ;;\n"
	    "\tcommand) _describe command cmds ;;\n"
	    "\tmethod) compadd -- ");
	cmd_methods();
	printf(";;\n"
	    "\tshell) compadd -- ");
	cmd_shell_names(" ");
	printf(" ;;\n"
	    "\tesac\n}\n\n");
	cmd_tab(0);
	printf("_i3ctl \"$@\"\n");
}

static void
cmd_completion_fish(void)
{
	const struct cmd_entry	*const *e;

	printf("# i3ctl.fish: fish completion for i3ctl.\n"
	    "# Generated by 'i3ctl completion fish' from the command table; "
	    "do not edit.\n\n"
	    "function __i3ctl_names\n"
	    "\tcommand i3ctl --timeout 0.5 --color=never $argv -r "
	    "2>/dev/null\nend\n\n");
	/* The same walk as bash's and zsh's (cmd_sh_walk). */
	printf("function __i3ctl_complete\n"
	    "\tset -l words (commandline -opc)\n"
	    "\tset -l cur (commandline -ct)\n"
	    "\tset -l cmd ''\n\tset -l sub ''\n\tset -l key ''\n"
	    "\tset -l npos 0\n\tset -l skip 0\n\tset -l kind\n"
	    "\tset -l argopts (string split ' ' -- "
	    "(__i3ctl_tab global argopts))\n"
	    "\tfor w in $words[2..-1]\n"
	    "\t\tif test $skip = 1\n\t\t\tset skip 0\n\t\t\tcontinue\n\t\tend\n"
	    "\t\tset key (string trim -- \"$cmd $sub\")\n"
	    "\t\tif contains -- $w $argopts "
	    "(string split ' ' -- (__i3ctl_tab argopts $key))\n"
	    "\t\t\tset skip 1\n\t\t\tcontinue\n\t\tend\n"
	    "\t\tstring match -q -- '-?*' $w; and continue\n"
	    "\t\tif test -z \"$cmd\"\n"
	    "\t\t\tset cmd (__i3ctl_tab canon $w)\n"
	    "\t\telse if test -z \"$sub\"; and "
	    "test -n \"$(__i3ctl_tab subs $cmd)\"\n"
	    "\t\t\tset sub (string replace -r '^\\S+ ' '' -- "
	    "(__i3ctl_tab canon \"$cmd $w\"))\n"
	    "\t\telse\n"
	    "\t\t\tset npos (math $npos + 1)\n"
	    "\t\tend\n"
	    "\tend\n"
	    "\tset key (string trim -- \"$cmd $sub\")\n"
	    "\tif test (count $words) -gt 1; and contains -- $words[-1] "
	    "$argopts (string split ' ' -- (__i3ctl_tab argopts $key))\n"
	    "\t\t__i3ctl_kind \"$(__i3ctl_tab argkind \"$key:$words[-1]\")\" "
	    "$cur\n"
	    "\t\treturn\n"
	    "\tend\n"
	    "\tif string match -q -- '-*' $cur\n"
	    "\t\tstring split ' ' -- (__i3ctl_tab opts $key) "
	    "(__i3ctl_tab argopts $key) (__i3ctl_tab global argopts) "
	    "(__i3ctl_tab global flags)\n"
	    "\t\treturn\n"
	    "\tend\n"
	    "\tif test -z \"$cmd\"\n"
	    "\t\tset kind command\n"
	    "\telse if test -z \"$sub\"; and "
	    "test -n \"$(__i3ctl_tab subs $cmd)\"\n"
	    "\t\tstring split ' ' -- (__i3ctl_tab subs $cmd)\n"
	    "\t\treturn\n"
	    "\telse\n"
	    "\t\tset -l kinds (string split ' ' -- (__i3ctl_tab kinds $key))\n"
	    "\t\ttest (count $kinds) -eq 0; and return\n"
	    "\t\tset kind $kinds[-1]\n"
	    "\t\ttest $npos -lt (count $kinds); "
	    "and set kind $kinds[(math $npos + 1)]\n"
	    "\tend\n"
	    "\t__i3ctl_kind $kind $cur\nend\n\n");
	printf("function __i3ctl_kind -a kind cur\n"
	    "\tswitch $kind\n"
	    "\tcase file\n\t\t__fish_complete_path $cur\n"
	    "\tcase event\n"
	    "\t\tcommand i3gw --list-events 2>/dev/null |\n"
	    "\t\t    string replace -rf '^\\\\| `([a-z_]+)`.*' '$1'\n"
	    "\tcase mud\n\t\t__i3ctl_names mudlist\n"
	    "\tcase channel\n\t\t__i3ctl_names channel list\n"
	    "\tcase user@mud\n"
	    "\t\tstring match -q -- '*@*' $cur; or return\n"
	    "\t\tset -l u (string replace -r '@.*' '' -- $cur)\n"
	    "\t\tfor m in (__i3ctl_names mudlist)\n"
	    "\t\t\tprintf '%%s@%%s\\n' $u $m\n"
	    "\t\tend\n"
	    "\tcase command\n");
	for (e = cmd_table; *e != NULL; e++) {
		printf("\t\tprintf '%%s\\t%%s\\n' %s '", (*e)->name);
		cmd_quote((*e)->summary, 1, 0);
		printf("'\n");
	}
	printf("\tcase method\n\t\tprintf '%%s\\n' ");
	cmd_methods();
	printf("\n\tcase shell\n\t\tprintf '%%s\\n' ");
	cmd_shell_names(" ");
	printf("\n\tend\nend\n\n");
	cmd_tab(1);
	printf("complete -c i3ctl -f -a '(__i3ctl_complete)'\n");
}

/* The shells "i3ctl completion" knows. */
static const struct {
	const char	*name;
	void		(*print)(void);
} cmd_shells[] = {
	{ "bash", cmd_completion_bash },
	{ "zsh", cmd_completion_zsh },
	{ "fish", cmd_completion_fish },
};
#define CMD_NSHELLS (sizeof cmd_shells / sizeof cmd_shells[0])

/* Their names, SEP between them. */
static void
cmd_shell_names(const char *sep)
{
	size_t	i;

	for (i = 0; i < CMD_NSHELLS; i++)
		printf("%s%s", i != 0 ? sep : "", cmd_shells[i].name);
}

static int
cmd_completion_exec(struct ctl *ctl, const struct cmd_entry *self,
    struct cmd_args *a)
{
	char	names[64];
	size_t	i;

	for (i = 0; i < CMD_NSHELLS; i++) {
		if (strcmp(a->argv[0], cmd_shells[i].name) == 0) {
			cmd_shells[i].print();
			return (CTL_OK);
		}
	}
	*names = '\0';
	for (i = 0; i < CMD_NSHELLS; i++) {
		cmd_cat(names, i == 0 ? "" : i + 1 < CMD_NSHELLS ? ", " :
		    " or ", sizeof names);
		cmd_cat(names, cmd_shells[i].name, sizeof names);
	}
	ctl_warnx("completion: expected %s, not '%s'", names, a->argv[0]);
	return (CTL_EUSAGE);
}
