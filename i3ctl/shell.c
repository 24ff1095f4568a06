/*
 * shell.c: the interactive shell: libedit, history, completion, events.
 */

#include <sys/stat.h>

#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

#include <histedit.h>

#include "i3ctl.h"

static int	cmd_shell_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

const struct cmd_entry cmd_shell_entry = {
	.name = "shell",
	.alias = "sh",
	.args = { "", 0, 0 },
	.usage = "",
	.summary = "interactive shell: editing, history, completion, events",
	.method = NULL,
	.complete = "",
	.flags = CMD_NODEADLINE,
	.exec = cmd_shell_exec
};

#define SHELL_MAXARGS	256

static struct ctl	*shell_ctl;
static EditLine		*shell_el;
static int		 shell_tty;
static json_t		*shell_channels;

static char		 shell_prompt_text[80] = "i3> ";

/* "Alpha> ": the MUD the gateway serves, once status has said it. */
static const char *
shell_prompt(EditLine *el)
{
	return (shell_prompt_text);
}

/* An event while the shell waits: print it above the prompt. */
static void
shell_event(struct ctl *ctl, json_t *note)
{
	json_t		*ev, *p;
	const char	*m;

	m = json_string_value(json_object_get(note, "method"));
	if (m == NULL)
		return;
	p = json_object_get(note, "params");
	ev = json_pack("{s:s, s:O}", "event", m, "params", p != NULL ? p :
	    json_null());
	if (ev == NULL)
		return;
	if (shell_tty)
		printf("\r\033[K");
	output_event(ctl, ev);
	fflush(stdout);
	json_decref(ev);
}

/* Empty the line being edited. */
static void
shell_kill_line(EditLine *el)
{
	const LineInfo	*li = el_line(el);

	el_cursor(el, (int)(li->lastchar - li->cursor));
	li = el_line(el);
	el_deletestr(el, (int)(li->cursor - li->buffer));
	printf("^C");
}

/*
 * libedit's character source: wait on the terminal and the gateway at
 * once, so events show up between prompts.
 */
static int
shell_getc(EditLine *el, wchar_t *wc)
{
	struct pollfd	 pfd[2];
	mbstate_t	 mbs;
	sigset_t	 intr, old;
	char		 c;
	size_t		 r;
	ssize_t		 n;
	int		 nfd, rc;

	memset(&mbs, 0, sizeof mbs);
	sigemptyset(&intr);
	sigaddset(&intr, SIGINT);
	for (;;) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		nfd = 1;
		if (shell_ctl->client != NULL) {
			pfd[1].fd = client_fd(shell_ctl->client);
			pfd[1].events = POLLIN;
			nfd = 2;
		}
		/*
		 * A ^C that came before the wait (while a completion was
		 * drawn, say) is seen here; one during it ends it: SIGINT is
		 * let in only inside ppoll(), never between check and wait.
		 */
		sigprocmask(SIG_BLOCK, &intr, &old);
		if (ctl_sigint) {
			rc = -1;
			errno = EINTR;
		} else
			rc = ppoll(pfd, nfd, NULL, &old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (rc == -1) {
			if (errno == EINTR) {
				if (ctl_sigint) {
					/* ^C: forget the line, a new prompt. */
					ctl_sigint = 0;
					shell_kill_line(el);
					*wc = L'\n';
					return (1);
				}
				continue;
			}
			return (-1);
		}
		if (nfd == 2 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			if (client_poll_events(shell_ctl) != CTL_OK) {
				ctl_warnx("lost the gateway; commands will "
				    "reconnect");
				ctl_disconnect(shell_ctl);
			}
			el_set(el, EL_REFRESH);
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(STDIN_FILENO, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (n == 0 ? 0 : -1);
		r = mbrtowc(wc, &c, 1, &mbs);
		if (r == (size_t)-2)
			continue;
		if (r == (size_t)-1) {
			memset(&mbs, 0, sizeof mbs);
			*wc = (unsigned char)c;
		}
		return (1);
	}
}

/* Candidates for the word being completed: a new array of strings. */
static json_t *
shell_candidates(int nw, char **words, const char *cur, const char **prefix)
{
	const struct cmd_entry	*const *e, *entry, *const *table = cmd_table;
	json_t			*c, *names;
	char			*cause, *kinds, *w, *save;
	const char		*kind = NULL;
	int			 i, pos = 0, k;

	c = json_array();
	*prefix = "";
	entry = NULL;
	if (nw > 0) {
		entry = cmd_find(cmd_table, words[0], &cause);
		free(cause);
		if (entry != NULL && entry->children != NULL) {
			table = entry->children;
			if (nw > 1) {
				entry = cmd_find(entry->children, words[1],
				    &cause);
				free(cause);
			} else
				entry = NULL;
		}
	}
	if (nw == 0 || (entry == NULL && table != cmd_table && nw == 1)) {
		for (e = table; *e != NULL; e++)
			json_array_append_new(c, json_string((*e)->name));
		if (nw == 0) {
			json_array_append_new(c, json_string("quit"));
		}
		return (c);
	}
	if (entry == NULL || entry->complete == NULL)
		return (c);
	for (i = table == cmd_table ? 1 : 2; i < nw; i++) {
		if (words[i][0] != '-')
			pos++;
	}
	kinds = xstrdup(entry->complete);
	k = 0;
	for (w = strtok_r(kinds, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (k++ <= pos)
			kind = w;
	}
	if (kind == NULL || (k <= pos && entry->args.upper != -1))
		kind = "";
	if (strcmp(kind, "mud") == 0 || strcmp(kind, "user@mud") == 0) {
		if (strcmp(kind, "user@mud") == 0) {
			if (strchr(cur, '@') == NULL) {
				free(kinds);
				return (c);
			}
			*prefix = strchr(cur, '@') + 1;
		}
		if ((names = ctl_mud_names(shell_ctl)) != NULL)
			json_array_extend(c, names);
	} else if (strcmp(kind, "channel") == 0) {
		if (shell_channels == NULL)
			shell_channels = ctl_channel_names(shell_ctl);
		if (shell_channels != NULL)
			json_array_extend(c, shell_channels);
	} else if (strcmp(kind, "command") == 0) {
		for (e = cmd_table; *e != NULL; e++)
			json_array_append_new(c, json_string((*e)->name));
	} else if (strcmp(kind, "shell") == 0) {
		json_array_append_new(c, json_string("bash"));
		json_array_append_new(c, json_string("zsh"));
		json_array_append_new(c, json_string("fish"));
	}
	free(kinds);
	return (c);
}

/* Insert s, with spaces and quotes escaped. */
static void
shell_insert(EditLine *el, const char *s, size_t len)
{
	char	*buf, *p;
	size_t	 i;

	buf = p = xmalloc(len * 2 + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '"' || s[i] == '\'' || s[i] == '\\')
			*p++ = '\\';
		*p++ = s[i];
	}
	*p = '\0';
	if (*buf != '\0')
		el_insertstr(el, buf);
	free(buf);
}

/* TAB: complete commands, subcommands, MUD and channel names. */
static unsigned char
shell_complete(EditLine *el, int ch)
{
	const LineInfo	*li;
	char		*line, *words[SHELL_MAXARGS], *save, *w, *cur;
	const char	*prefix, *s, *first = NULL;
	json_t		*cands, *v, *matches;
	size_t		 i, plen, common = 0, len;
	int		 nw = 0, rc = CC_REFRESH;

	li = el_line(el);
	line = xstrndup(li->buffer, li->cursor - li->buffer);
	len = strlen(line);
	cur = line + len;
	while (cur > line && cur[-1] != ' ')
		cur--;
	cur = xstrdup(cur);
	line[len - strlen(cur)] = '\0';
	for (w = strtok_r(line, " ", &save); w != NULL && nw < SHELL_MAXARGS;
	    w = strtok_r(NULL, " ", &save))
		words[nw++] = w;
	cands = shell_candidates(nw, words, cur, &prefix);
	plen = strlen(prefix);
	s = cur + (prefix != NULL && *prefix != '\0' ? strlen(cur) - plen :
	    0);
	matches = json_array();
	json_array_foreach(cands, i, v) {
		if (strncasecmp(json_string_value(v), s, strlen(s)) == 0)
			json_array_append(matches, v);
	}
	json_array_foreach(matches, i, v) {
		const char *m = json_string_value(v);

		if (first == NULL) {
			first = m;
			common = strlen(m);
			continue;
		}
		len = 0;
		while (len < common && m[len] != '\0' &&
		    tolower((unsigned char)m[len]) ==
		    tolower((unsigned char)first[len]))
			len++;
		common = len;
	}
	if (json_array_size(matches) == 0)
		rc = CC_REFRESH_BEEP;
	else if (json_array_size(matches) == 1) {
		el_deletestr(el, (int)strlen(s));
		shell_insert(el, first, strlen(first));
		el_insertstr(el, " ");
	} else if (common > strlen(s)) {
		el_deletestr(el, (int)strlen(s));
		shell_insert(el, first, common);
	} else {
		printf("\n");
		json_array_foreach(matches, i, v)
			printf("%s%s", i == 0 ? "" : "  ", json_string_value(v));
		printf("\n");
		rc = CC_REDISPLAY;
	}
	json_decref(matches);
	json_decref(cands);
	free(cur);
	free(line);
	return (rc);
}

/* ~/.local/state/i3ctl/history (or under $XDG_STATE_HOME). */
static char *
shell_history_path(void)
{
	const char	*s, *home;
	char		*dir, *path, *p;

	if ((s = getenv("XDG_STATE_HOME")) != NULL && *s == '/')
		xasprintf(&dir, "%s/i3ctl", s);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		xasprintf(&dir, "%s/.local/state/i3ctl", home);
	else
		return (NULL);
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	mkdir(dir, 0700);
	xasprintf(&path, "%s/history", dir);
	free(dir);
	return (path);
}

/* Run one line; per-line global options do not stick. */
static int
shell_line(struct ctl *ctl, int argc, char **argv)
{
	struct ctl	 save = *ctl;
	int		 rc;

	ctl->filter_src = NULL;
	ctl->filter = NULL;
	rc = cmd_run(ctl, cmd_table, argc, argv);
	fflush(stdout);
	if (ctl->filter != NULL)
		filter_free(ctl->filter);
	save.client = ctl->client;
	save.mudnames = ctl->mudnames;
	*ctl = save;
	return (rc);
}

int
shell_run(struct ctl *ctl)
{
	History		*hist = NULL;
	HistEvent	 he;
	Tokenizer	*tok;
	json_t		*result, *err = NULL;
	const char	*line, **targv;
	char		*hpath = NULL, *argv[SHELL_MAXARGS + 1], *buf = NULL;
	size_t		 bsize = 0;
	ssize_t		 blen;
	int		 targc, count, i, rc, last = CTL_OK;

	shell_ctl = ctl;
	shell_tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	ctl->in_shell = 1;
	if ((rc = ctl_connect(ctl)) != CTL_OK)
		return (rc);
	client_set_event_cb(ctl->client, shell_event);
	ctl_set_deadline(ctl, ctl->timeout >= 0 ? ctl->timeout :
	    CTL_DEFAULT_TIMEOUT);
	if (ctl_call(ctl, "subscribe", json_object(), &result) == CTL_OK)
		json_decref(result);
	else
		ctl_warnx("events will not be shown");
	if (ctl_call_quiet(ctl, "status", json_object(), &result, &err) ==
	    CTL_OK) {
		const char *mud = json_string_value(json_object_get(result,
		    "mud"));

		if (mud != NULL)
			snprintf(shell_prompt_text, sizeof shell_prompt_text,
			    "%.60s> ", mud);
		json_decref(result);
	} else
		json_decref(err);
	tok = tok_init(NULL);
	if (shell_tty) {
		hist = history_init();
		history(hist, &he, H_SETSIZE, 1000);
		history(hist, &he, H_SETUNIQUE, 1);
		if ((hpath = shell_history_path()) != NULL)
			history(hist, &he, H_LOAD, hpath);
		shell_el = el_init(I3CTL_NAME, stdin, stdout, stderr);
		el_set(shell_el, EL_EDITOR, "emacs");
		el_set(shell_el, EL_PROMPT, shell_prompt);
		el_set(shell_el, EL_HIST, history, hist);
		el_set(shell_el, EL_GETCFN, shell_getc);
		el_set(shell_el, EL_ADDFN, "i3ctl-complete",
		    "complete a command or a name", shell_complete);
		el_set(shell_el, EL_BIND, "^I", "i3ctl-complete", NULL);
		el_source(shell_el, NULL);
	}
	for (;;) {
		if (shell_tty) {
			line = el_gets(shell_el, &count);
			if (line == NULL || count <= 0)
				break;
		} else {
			if (ctl->client != NULL && client_poll_events(ctl) !=
			    CTL_OK)
				ctl_disconnect(ctl);
			if ((blen = getline(&buf, &bsize, stdin)) == -1)
				break;
			line = buf;
		}
		tok_reset(tok);
		if (tok_str(tok, line, &targc, &targv) != 0) {
			ctl_warnx("unmatched quote");
			continue;
		}
		if (targc == 0)
			continue;
		if (shell_tty)
			history(hist, &he, H_ENTER, line);
		if (strcmp(targv[0], "quit") == 0 ||
		    strcmp(targv[0], "exit") == 0)
			break;
		if (strcmp(targv[0], "shell") == 0) {
			ctl_warnx("already in the shell");
			continue;
		}
		if (targc > SHELL_MAXARGS)
			targc = SHELL_MAXARGS;
		for (i = 0; i < targc; i++)
			argv[i] = xstrdup(targv[i]);
		argv[targc] = NULL;
		last = shell_line(ctl, targc, argv);
		for (i = 0; i < targc; i++)
			free(argv[i]);
		if (ctl->client != NULL) {
			client_set_event_cb(ctl->client, shell_event);
			/* Events that came in with the last answer. */
			if (client_poll_events(ctl) != CTL_OK)
				ctl_disconnect(ctl);
		}
		ctl_sigint = 0;
	}
	if (shell_tty) {
		printf("\n");
		if (hpath != NULL)
			history(hist, &he, H_SAVE, hpath);
		el_end(shell_el);
		history_end(hist);
	}
	tok_end(tok);
	free(hpath);
	free(buf);
	json_decref(shell_channels);
	shell_channels = NULL;
	return (shell_tty ? CTL_OK : last);
}

static int
cmd_shell_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	return (shell_run(ctl));
}
