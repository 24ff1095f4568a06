/*
 * paths.c: where i3gw and i3ctl look for the configuration file, the API
 * socket and the state directory, and the one INI reader both use.
 */

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "common.h"

/*
 * The configuration file: $I3GW_CONFIG, else $XDG_CONFIG_HOME/i3gw/i3gw.conf
 * (~/.config/i3gw/i3gw.conf), else /etc/i3gw.conf; the first that exists
 * ($I3GW_CONFIG is taken as given, so that its absence is an error).  NULL
 * when none does; *tried (if not NULL) lists the paths looked at.
 */
char *
paths_config(char **tried)
{
	const char	*s;
	char		*cand[2], *found = NULL, *list;
	size_t		 i;

	if (tried != NULL)
		*tried = NULL;
	if ((s = getenv("I3GW_CONFIG")) != NULL && *s != '\0')
		return (xstrdup(s));
	if ((s = getenv("XDG_CONFIG_HOME")) != NULL && *s == '/')
		xasprintf(&cand[0], "%s/i3gw/i3gw.conf", s);
	else if ((s = getenv("HOME")) != NULL && *s != '\0')
		xasprintf(&cand[0], "%s/.config/i3gw/i3gw.conf", s);
	else
		cand[0] = xstrdup("~/.config/i3gw/i3gw.conf (no $HOME)");
	cand[1] = xstrdup("/etc/i3gw.conf");
	for (i = 0; i < 2 && found == NULL; i++) {
		if (access(cand[i], R_OK) == 0)
			found = xstrdup(cand[i]);
	}
	if (tried != NULL) {
		xasprintf(&list, "$I3GW_CONFIG (not set), %s, %s", cand[0],
		    cand[1]);
		*tried = list;
	}
	free(cand[0]);
	free(cand[1]);
	return (found);
}

/* $XDG_RUNTIME_DIR/i3gw/i3gw.sock, else /tmp/i3gw-UID/i3gw.sock. */
char *
paths_socket(void)
{
	const char	*s;
	char		*path;

	if ((s = getenv("XDG_RUNTIME_DIR")) != NULL && *s == '/')
		xasprintf(&path, "%s/i3gw/i3gw.sock", s);
	else
		xasprintf(&path, "/tmp/i3gw-%ld/i3gw.sock", (long)getuid());
	return (path);
}

/*
 * The state directory: $STATE_DIRECTORY (systemd, the first of several),
 * $XDG_STATE_HOME/i3gw, ~/.local/state/i3gw.  NULL if there is no home.
 */
char *
paths_state(void)
{
	const char	*s, *home;
	char		*dir, *p;
	struct passwd	*pw;

	if ((s = getenv("STATE_DIRECTORY")) != NULL && *s != '\0') {
		dir = xstrdup(s);
		if ((p = strchr(dir, ':')) != NULL)
			*p = '\0';
		return (dir);
	}
	if ((s = getenv("XDG_STATE_HOME")) != NULL && *s == '/') {
		xasprintf(&dir, "%s/i3gw", s);
		return (dir);
	}
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL)
			return (NULL);
		home = pw->pw_dir;
	}
	xasprintf(&dir, "%s/.local/state/i3gw", home);
	return (dir);
}

/*
 * Run libinih over a file: comments start a line with '#' or ';', or follow
 * whitespace inside one.  The handler leaves the reason of its first
 * refusal in *why.  0, or -1 with *cause "file:line: why".  A file others
 * may write is refused.
 */
int
paths_ini(const char *path,
    int (*fn)(void *, const char *, const char *, const char *), void *user,
    char **why, char **cause)
{
	struct stat	 st;
	FILE		*f;
	int		 line;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	/* As OpenSSH and msmtp: only its owner, root or us, may write it. */
	if (fstat(fileno(f), &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		fclose(f);
		return (-1);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "%s: writable by %s (mode %03o), refused: "
		    "chmod go-w it", path, (st.st_mode & S_IWOTH) ? "others" :
		    "its group", (unsigned int)(st.st_mode & 0777));
		fclose(f);
		return (-1);
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		xasprintf(cause, "%s: owned by uid %lu, neither root nor "
		    "this user (uid %lu), refused", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		fclose(f);
		return (-1);
	}
	ini_allow_inline_comments = 1;
	ini_inline_comment_prefixes = ";#";
	ini_stop_on_first_error = 1;
	line = ini_parse_file(f, fn, user);
	fclose(f);
	if (line == 0 && *why == NULL)
		return (0);
	if (line < 0)
		xasprintf(cause, "%s: cannot read", path);
	else
		xasprintf(cause, "%s:%d: %s", path, line,
		    *why != NULL ? *why : "syntax error");
	free(*why);
	*why = NULL;
	return (-1);
}
