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
static void	 cmd_key(const struct cmd_entry *, const struct cmd_entry *,
		    char *, size_t);
static void	 cmd_completion_bash(void);
static void	 cmd_completion_zsh(void);
static void	 cmd_fish_quote(const char *);
static void	 cmd_completion_fish(void);

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

/* The global options that take an argument (for the completions). */
static const char *const cmd_global_argopts =
    "-q --filter -S --socket --connect --url --key-file --timeout --cafile";
static const char *const cmd_global_flags =
    "--json -r --raw --color --color=auto --color=always --color=never "
    "--no-color --tls --insecure --verbose -h --help -V --version";

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
	{ NULL, "user", "USER", "the rule of this player of the MUD (without: "
	  "the gateway's own)" },
	{ NULL, "up", NULL, "only MUDs that are up" },
	{ NULL, "driver", "DRIVER", "only MUDs on this driver (glob)" },
	{ NULL, "mudlib", "MUDLIB", "only MUDs with this mudlib (glob)" },
	{ NULL, "service", "SERVICE", "only MUDs offering this service" },
	{ "list-commands", "json", NULL, "the command table as JSON" },
};

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
	fprintf(f, "usage: %s [options] command [args ...]\n\n", I3CTL_NAME);
	fprintf(f, "options:\n"
	    "  --json              print results as JSON (NDJSON for "
	    "streams)\n"
	    "  -r, --raw           raw strings, one name a line for lists\n"
	    "  -q, --filter FILTER run a jq program on each result or "
	    "event\n"
	    "  --color[=WHEN]      auto, always or never (NO_COLOR is "
	    "honoured)\n"
	    "  -S, --socket PATH   the gateway's Unix socket\n"
	    "  --connect HOST:PORT TCP instead (--tls, --insecure, --cafile "
	    "FILE)\n"
	    "  --url URL           HTTP POST to the gateway's /rpc\n"
	    "  --key-file FILE     the API key (or $I3_API_KEY)\n"
	    "  --timeout SECONDS   bound everything (default %g; 0: none)\n"
	    "  --no-color          no colour (as --color=never)\n"
	    "  --verbose           say what is sent and received, on "
	    "stderr\n"
	    "  -h, --help          help, of a command too: i3ctl help "
	    "COMMAND\n"
	    "  -V, --version       the version\n"
	    "\ncommands:\n", CTL_DEFAULT_TIMEOUT);
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

/* The key of an entry in the scripts: "tell", "channel send". */
static void
cmd_key(const struct cmd_entry *e, const struct cmd_entry *par, char *buf,
    size_t len)
{
	cmd_full_name(par, e, buf, len);
}

static void
cmd_completion_bash(void)
{
	const struct cmd_entry	*const *e, *const *c, *ent, *par;
	const struct cmd_entry	*all[CMD_MAXENTRIES], *allp[CMD_MAXENTRIES];
	char			 key[64], buf[512];
	size_t			 i, nall;

	nall = cmd_all(all, allp);
	printf("# i3ctl.bash: bash completion for i3ctl.\n"
	    "# Generated by 'i3ctl completion bash' from the command table; "
	    "do not edit.\n\n");
	printf("_i3ctl_names()\n{\n"
	    "\tcommand i3ctl --timeout 0.5 --color=never \"$@\" -r "
	    "2>/dev/null\n}\n\n");
	printf("_i3ctl_events()\n{\n"
	    "\tcommand i3gw --list-events 2>/dev/null |\n"
	    "\t    sed -n 's/^| `\\([a-z_]*\\)`.*/\\1/p'\n}\n\n");
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
	    "\tlocal key kinds kind opts argopts\n"
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
	    "\t[[ -n ${COMP_LINE+set} && -n $pre ]] && COMPREPLY=(\"${COMPREPLY[@]#\"$pre\"}\")\n"
	    "\treturn 0\n}\n\n");
	printf("_i3ctl_reply()\n{\n");
	printf("\tfor ((i = 1; i < cword; i++)); do\n"
	    "\t\tw=${words[i]}\n"
	    "\t\tif ((skip)); then skip=0; continue; fi\n"
	    "\t\tkey=$cmd${sub:+ $sub}\n"
	    "\t\tcase \" %s $(_i3ctl_argopts \"$key\") \" in\n"
	    "\t\t*\" $w \"*) skip=1; continue ;;\n"
	    "\t\tesac\n"
	    "\t\tcase $w in\n"
	    "\t\t-?*) continue ;;\n"
	    "\t\tesac\n"
	    "\t\tif [[ -z $cmd ]]; then\n"
	    "\t\t\tcmd=$(_i3ctl_canon \"$w\")\n"
	    "\t\telif [[ -z $sub && ( $cmd == channel || $cmd == presence ) "
	    "]]; then\n"
	    "\t\t\tsub=$(_i3ctl_canon \"$cmd $w\")\n"
	    "\t\t\tsub=${sub#* }\n"
	    "\t\telse\n"
	    "\t\t\tnpos=$((npos + 1))\n"
	    "\t\tfi\n"
	    "\tdone\n", cmd_global_argopts);
	printf("\tkey=$cmd${sub:+ $sub}\n"
	    "\tcase $prev in\n"
	    "\t--color) return ;;\n"
	    "\t-S|--socket|--key-file|--cafile)\n"
	    "\t\tIFS=$'\\n'\n"
	    "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	    "\t\treturn ;;\n"
	    "\t-e|--event)\n"
	    "\t\t[[ $key == listen ]] && "
	    "COMPREPLY=($(compgen -W \"$(_i3ctl_events)\" -- \"$cur\"))\n"
	    "\t\treturn ;;\n"
	    "\t-c|--channel)\n"
	    "\t\tIFS=$'\\n'\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$(_i3ctl_names channel list)\" "
	    "-- \"$cur\"))\n"
	    "\t\treturn ;;\n"
	    "\tesac\n"
	    "\tcase \" %s $(_i3ctl_argopts \"$key\") \" in\n"
	    "\t*\" $prev \"*) return ;;\n"
	    "\tesac\n", cmd_global_argopts);
	printf("\tkey=$cmd${sub:+ $sub}\n"
	    "\tif [[ -z $cmd ]]; then\n"
	    "\t\tcase $cur in\n"
	    "\t\t-*) COMPREPLY=($(compgen -W \"%s %s\" -- \"$cur\")) ;;\n",
	    cmd_global_argopts, cmd_global_flags);
	printf("\t\t*) COMPREPLY=($(compgen -W \"");
	for (e = cmd_table; *e != NULL; e++)
		printf("%s%s", e == cmd_table ? "" : " ", (*e)->name);
	printf("\" -- \"$cur\")) ;;\n\t\tesac\n\t\treturn\n\tfi\n");
	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->children == NULL)
			continue;
		printf("\tif [[ $cmd == %s && -z $sub ]]; then\n"
		    "\t\tCOMPREPLY=($(compgen -W \"", (*e)->name);
		for (c = (*e)->children; *c != NULL; c++)
			printf("%s%s", c == (*e)->children ? "" : " ",
			    (*c)->name);
		printf("\" -- \"$cur\"))\n\t\treturn\n\tfi\n");
	}
	printf("\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$(_i3ctl_opts \"$key\") "
	    "$(_i3ctl_argopts \"$key\") %s %s\" -- \"$cur\"))\n"
	    "\t\treturn\n\tfi\n", cmd_global_argopts, cmd_global_flags);
	printf("\tkinds=($(_i3ctl_kinds \"$key\"))\n"
	    "\t[[ ${#kinds[@]} -eq 0 ]] && return\n"
	    "\tif ((npos < ${#kinds[@]})); then kind=${kinds[npos]}; "
	    "else kind=${kinds[${#kinds[@]} - 1]}; fi\n"
	    "\tcase $kind in\n"
	    "\tmud|channel|user@mud) IFS=$'\\n' ;;\n"
	    "\tesac\n"
	    "\tcase $kind in\n"
	    "\tmud) COMPREPLY=($(compgen -W \"$(_i3ctl_names mudlist)\" -- "
	    "\"$cur\")) ;;\n"
	    "\tchannel) COMPREPLY=($(compgen -W \"$(_i3ctl_names channel "
	    "list)\" -- \"$cur\")) ;;\n"
	    "\tuser@mud)\n"
	    "\t\tif [[ $cur == *@* ]]; then\n"
	    "\t\t\tCOMPREPLY=($(compgen -P \"${cur%%%%@*}@\" -W "
	    "\"$(_i3ctl_names mudlist)\" -- \"${cur#*@}\"))\n"
	    "\t\tfi ;;\n"
	    "\tcommand) COMPREPLY=($(compgen -W \"");
	for (e = cmd_table; *e != NULL; e++)
		printf("%s%s", e == cmd_table ? "" : " ", (*e)->name);
	printf("\" -- \"$cur\")) ;;\n"
	    "\tmethod) COMPREPLY=($(compgen -W \"");
	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->method != NULL)
			printf("%s ", (*e)->method);
		for (c = (*e)->children; c != NULL && *c != NULL; c++)
			printf("%s ", (*c)->method);
	}
	printf("authenticate unsubscribe session_resume\" -- \"$cur\")) ;;\n"
	    "\tshell) COMPREPLY=($(compgen -W \"bash zsh fish\" -- "
	    "\"$cur\")) ;;\n"
	    "\tesac\n}\n\n");

	/* Tables: canonical names, options, argument kinds. */
	printf("_i3ctl_canon()\n{\n\tcase $1 in\n");
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		if (ent->alias == NULL)
			continue;
		printf("\t\"%s%s%s\") echo \"", par != NULL ? par->name : "",
		    par != NULL ? " " : "", ent->alias);
		cmd_key(ent, par, key, sizeof key);
		printf("%s\" ;;\n", key);
	}
	printf("\t*) echo \"$1\" ;;\n\tesac\n}\n\n");
	printf("_i3ctl_opts()\n{\n\tcase $1 in\n");
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		cmd_opts_words(ent, 0, buf, sizeof buf);
		if (*buf == '\0')
			continue;
		cmd_key(ent, par, key, sizeof key);
		printf("\t\"%s\") echo \"%s\" ;;\n", key, buf);
	}
	printf("\tesac\n}\n\n");
	printf("_i3ctl_argopts()\n{\n\tcase $1 in\n");
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		cmd_opts_words(ent, 1, buf, sizeof buf);
		if (*buf == '\0')
			continue;
		cmd_key(ent, par, key, sizeof key);
		printf("\t\"%s\") echo \"%s\" ;;\n", key, buf);
	}
	printf("\tesac\n}\n\n");
	printf("_i3ctl_kinds()\n{\n\tcase $1 in\n");
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		if (ent->complete == NULL || *ent->complete == '\0')
			continue;
		cmd_key(ent, par, key, sizeof key);
		snprintf(buf, sizeof buf, "%s", ent->complete);
		printf("\t\"%s\") printf '%%s\\n' %s ;;\n", key, buf);
	}
	printf("\tesac\n}\n\n");
	printf("complete -F _i3ctl i3ctl\n");
}

static void
cmd_completion_zsh(void)
{
	const struct cmd_entry	*const *e, *const *c, *ent, *par;
	const struct cmd_entry	*all[CMD_MAXENTRIES], *allp[CMD_MAXENTRIES];
	char			 key[64], buf[512];
	const char		*s;
	size_t			 i, nall;

	nall = cmd_all(all, allp);

	printf("#compdef i3ctl\n"
	    "# _i3ctl: zsh completion for i3ctl.\n"
	    "# Generated by 'i3ctl completion zsh' from the command table; "
	    "do not edit.\n\n");
	printf("_i3ctl_names() {\n"
	    "\tlocal -a names\n"
	    "\tnames=(${(f)\"$(command i3ctl --timeout 0.5 --color=never "
	    "\"$@\" -r 2>/dev/null)\"})\n"
	    "\tprint -rl -- $names\n}\n\n");
	printf("_i3ctl() {\n"
	    "\tlocal -a cmds subs kinds opts names\n"
	    "\tlocal w cmd= sub= key kind i npos=0 skip=0\n"
	    "\tlocal argopts=\" %s \"\n", cmd_global_argopts);
	printf("\tcmds=(\n");
	for (e = cmd_table; *e != NULL; e++) {
		printf("\t\t'%s:", (*e)->name);
		for (s = (*e)->summary; *s != '\0'; s++) {
			if (*s == '\'')
				printf("'\\''");
			else if (*s == ':')
				printf("\\:");
			else
				putchar(*s);
		}
		printf("'\n");
	}
	printf("\t)\n");
	printf("\tfor ((i = 2; i < CURRENT; i++)); do\n"
	    "\t\tw=${words[i]}\n"
	    "\t\tif ((skip)); then skip=0; continue; fi\n"
	    "\t\tkey=$cmd${sub:+ $sub}\n"
	    "\t\tif [[ \"$argopts $(_i3ctl_tab argopts \"$key\") \" == *\" $w "
	    "\"* ]]; then skip=1; continue; fi\n"
	    "\t\t[[ $w == -?* ]] && continue\n"
	    "\t\tif [[ -z $cmd ]]; then cmd=$(_i3ctl_tab canon \"$w\")\n"
	    "\t\telif [[ -z $sub && ( $cmd == channel || $cmd == presence ) "
	    "]]; then sub=$(_i3ctl_tab canon \"$cmd $w\"); sub=${sub#* }\n"
	    "\t\telse npos=$((npos + 1)); fi\n"
	    "\tdone\n"
	    "\tkey=$cmd${sub:+ $sub}\n");
	printf("\tif [[ -z $cmd ]]; then\n"
	    "\t\tif [[ $PREFIX == -* ]]; then compadd -- %s %s; else "
	    "_describe command cmds; fi\n"
	    "\t\treturn\n\tfi\n", cmd_global_argopts, cmd_global_flags);
	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->children == NULL)
			continue;
		printf("\tif [[ $cmd == %s && -z $sub ]]; then\n\t\tcompadd --",
		    (*e)->name);
		for (c = (*e)->children; *c != NULL; c++)
			printf(" %s", (*c)->name);
		printf("\n\t\treturn\n\tfi\n");
	}
	printf("\tif [[ $PREFIX == -* ]]; then\n"
	    "\t\tcompadd -- ${=$(_i3ctl_tab opts \"$key\")} "
	    "${=$(_i3ctl_tab argopts \"$key\")} %s %s\n"
	    "\t\treturn\n\tfi\n", cmd_global_argopts, cmd_global_flags);
	printf("\tkinds=(${=$(_i3ctl_tab kinds \"$key\")})\n"
	    "\t(( ${#kinds} == 0 )) && return\n"
	    "\tif (( npos < ${#kinds} )); then kind=${kinds[npos + 1]}; "
	    "else kind=${kinds[-1]}; fi\n"
	    "\tcase $kind in\n"
	    "\tmud) names=(${(f)\"$(_i3ctl_names mudlist)\"}); compadd -a "
	    "names ;;\n"
	    "\tchannel) names=(${(f)\"$(_i3ctl_names channel list)\"}); "
	    "compadd -a names ;;\n"
	    "\tuser@mud) if [[ $PREFIX == *@* ]]; then "
	    "names=(${(f)\"$(_i3ctl_names mudlist)\"}); "
	    "compset -P '*@'; compadd -a names; fi ;;\n"
	    "\tcommand) _describe command cmds ;;\n"
	    "\tshell) compadd bash zsh fish ;;\n"
	    "\tmethod) compadd --");
	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->method != NULL)
			printf(" %s", (*e)->method);
		for (c = (*e)->children; c != NULL && *c != NULL; c++)
			printf(" %s", (*c)->method);
	}
	printf(" authenticate unsubscribe session_resume ;;\n"
	    "\tesac\n}\n\n");
	printf("_i3ctl_tab() {\n\tcase \"$1:$2\" in\n");
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		cmd_key(ent, par, key, sizeof key);
		if (ent->alias != NULL)
			printf("\t\"canon:%s%s%s\") print -r -- \"%s\" ;;\n",
			    par != NULL ? par->name : "", par != NULL ? " " :
			    "", ent->alias, key);
		cmd_opts_words(ent, 0, buf, sizeof buf);
		if (*buf != '\0')
			printf("\t\"opts:%s\") print -r -- \"%s\" ;;\n", key,
			    buf);
		cmd_opts_words(ent, 1, buf, sizeof buf);
		if (*buf != '\0')
			printf("\t\"argopts:%s\") print -r -- \"%s\" ;;\n",
			    key, buf);
		if (ent->complete != NULL && *ent->complete != '\0')
			printf("\t\"kinds:%s\") print -r -- \"%s\" ;;\n", key,
			    ent->complete);
	}
	printf("\tcanon:*) print -r -- \"$2\" ;;\n\tesac\n}\n\n"
	    "_i3ctl \"$@\"\n");
}

static void
cmd_fish_quote(const char *s)
{
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('\'');
}

static void
cmd_completion_fish(void)
{
	const struct cmd_entry	*const *e, *ent, *par;
	const struct option	*lo;
	const struct cmd_entry	*all[CMD_MAXENTRIES], *allp[CMD_MAXENTRIES];
	const char		*t;
	char			 cond[256];
	size_t			 i, nall;

	nall = cmd_all(all, allp);

	printf("# i3ctl.fish: fish completion for i3ctl.\n"
	    "# Generated by 'i3ctl completion fish' from the command table; "
	    "do not edit.\n\n"
	    "function __i3ctl_names\n"
	    "\tcommand i3ctl --timeout 0.5 --color=never $argv -r "
	    "2>/dev/null\nend\n\n"
	    "complete -c i3ctl -f\n"
	    "complete -c i3ctl -l json -d 'print JSON'\n"
	    "complete -c i3ctl -s r -l raw -d 'raw strings'\n"
	    "complete -c i3ctl -s q -l filter -r -d 'jq filter'\n"
	    "complete -c i3ctl -l color -a 'auto always never' -d "
	    "'colour output'\n"
	    "complete -c i3ctl -s S -l socket -r -F -d 'gateway socket'\n"
	    "complete -c i3ctl -l connect -r -d 'HOST:PORT'\n"
	    "complete -c i3ctl -l tls -d 'TLS for --connect'\n"
	    "complete -c i3ctl -l insecure -d 'skip certificate checks'\n"
	    "complete -c i3ctl -l url -r -d 'gateway HTTP or WebSocket URL'\n"
	    "complete -c i3ctl -l key-file -r -F -d 'API key file'\n"
	    "complete -c i3ctl -l timeout -r -d 'seconds'\n\n");
	printf("set -l __i3ctl_cmds");
	for (e = cmd_table; *e != NULL; e++)
		printf(" %s", (*e)->name);
	printf("\n");
	for (e = cmd_table; *e != NULL; e++) {
		printf("complete -c i3ctl -n \"not __fish_seen_subcommand_from "
		    "$__i3ctl_cmds\" -a %s -d ", (*e)->name);
		cmd_fish_quote((*e)->summary);
		printf("\n");
	}
	for (i = 0; i < nall; i++) {
		ent = all[i];
		par = allp[i];
		if (par == NULL)
			snprintf(cond, sizeof cond,
			    "__fish_seen_subcommand_from %s", ent->name);
		else {
			snprintf(cond, sizeof cond,
			    "__fish_seen_subcommand_from %s; and "
			    "__fish_seen_subcommand_from %s", par->name,
			    ent->name);
			printf("complete -c i3ctl -n \"__fish_seen_subcommand_"
			    "from %s\" -a %s -d ", par->name, ent->name);
			cmd_fish_quote(ent->summary);
			printf("\n");
		}
		for (t = ent->args.template; *t != '\0'; t++) {
			if (*t == ':')
				continue;
			printf("complete -c i3ctl -n \"%s\" -s %c", cond, *t);
			for (lo = ent->longopts; lo != NULL && lo->name != NULL;
			    lo++) {
				if (lo->val == *t)
					printf(" -l %s", lo->name);
			}
			printf("%s\n", t[1] == ':' ? " -r" : "");
		}
		if (ent->complete == NULL)
			continue;
		if (strstr(ent->complete, "mud") != NULL &&
		    strstr(ent->complete, "user@mud") == NULL)
			printf("complete -c i3ctl -n \"%s\" -a "
			    "'(__i3ctl_names mudlist)'\n", cond);
		if (strstr(ent->complete, "user@mud") != NULL)
			printf("complete -c i3ctl -n \"%s\" -a "
			    "'(string match -q \"*@*\" -- (commandline -ct); "
			    "and for m in (__i3ctl_names mudlist); "
			    "echo (string replace -r \"@.*\" \"\" -- "
			    "(commandline -ct))@$m; end)'\n", cond);
		if (strstr(ent->complete, "channel") != NULL)
			printf("complete -c i3ctl -n \"%s\" -a "
			    "'(__i3ctl_names channel list)'\n", cond);
		if (strstr(ent->complete, "shell") != NULL)
			printf("complete -c i3ctl -n \"%s\" -a "
			    "'bash zsh fish'\n", cond);
		if (strcmp(ent->complete, "command") == 0)
			printf("complete -c i3ctl -n \"%s\" -a "
			    "\"$__i3ctl_cmds\"\n", cond);
	}
}

static int
cmd_completion_exec(struct ctl *ctl, const struct cmd_entry *self,
    struct cmd_args *a)
{
	if (strcmp(a->argv[0], "bash") == 0)
		cmd_completion_bash();
	else if (strcmp(a->argv[0], "zsh") == 0)
		cmd_completion_zsh();
	else if (strcmp(a->argv[0], "fish") == 0)
		cmd_completion_fish();
	else {
		ctl_warnx("completion: expected bash, zsh or fish, not '%s'",
		    a->argv[0]);
		return (CTL_EUSAGE);
	}
	return (CTL_OK);
}
