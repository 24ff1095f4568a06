/*
 * script.c: i3router -s: scripted connections (expect, await, send, flood,
 * sleep, drop, silent, auto, exit), for tests that need a router to
 * misbehave on cue.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "i3router.h"

static char	*subst(const char *, int, const char *);
static void	 script_send(struct conn *, const struct scmd *);

/* ------------------------------------------------------------- script */

/* tmpl with %PORT and %MUD replaced (the name escaped for a JSON string). */
static char *
subst(const char *tmpl, int port, const char *mud)
{
	i3_buf		 b;
	char		 num[16];
	const char	*p, *q;

	i3_buf_init(&b);
	snprintf(num, sizeof num, "%d", port);
	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "%PORT", 5) == 0) {
			i3_buf_add(&b, num, strlen(num));
			p += 4;
		} else if (strncmp(p, "%MUD", 4) == 0) {
			for (q = mud != NULL ? mud : ""; *q != '\0'; q++) {
				if (*q == '"' || *q == '\\')
					i3_buf_add(&b, "\\", 1);
				i3_buf_add(&b, q, 1);
			}
			p += 3;
		} else
			i3_buf_add(&b, p, 1);
	}
	i3_buf_add(&b, "", 1);
	if (b.data == NULL)
		fatalx("out of memory");
	return (b.data);
}

void
parse_script(const char *path)
{
	FILE		*f;
	char		*line = NULL, *s, *e, *arg, *t;
	size_t		 cap = 0;
	int		 lineno = 0;
	struct scmd	 sc;
	json_t		*j;
	json_error_t	 jerr;

	if ((f = fopen(path, "r")) == NULL)
		fatal("%s", path);
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		for (s = line; isspace((unsigned char)*s); s++)
			;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		for (arg = s; *arg != '\0' && !isspace((unsigned char)*arg);
		    arg++)
			;
		if (*arg != '\0')
			*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
		memset(&sc, 0, sizeof sc);
		sc.line = lineno;
		if ((strcmp(s, "expect") == 0 || strcmp(s, "await") == 0) &&
		    *arg != '\0') {
			sc.op = *s == 'e' ? S_EXPECT : S_AWAIT;
			sc.arg = xstrdup(arg);
		} else if (strcmp(s, "send") == 0 && *arg != '\0') {
			sc.op = S_SEND;
			sc.arg = xstrdup(arg);
			/* Check it now, with placeholder values. */
			t = subst(arg, 1, "MudX");
			j = json_loads(t, JSON_DECODE_ANY, &jerr);
			free(t);
			if (!json_is_array(j))
				fatalx("%s:%d: send needs a JSON array: %s",
				    path, lineno,
				    j == NULL ? jerr.text : "not an array");
			json_decref(j);
		} else if (strcmp(s, "flood") == 0 && *arg != '\0') {
			sc.op = S_FLOOD;
			sc.ms = strtol(arg, &t, 10);
			if (sc.ms <= 0 || sc.ms > 10000000 || !isspace(
			    (unsigned char)*t))
				fatalx("%s:%d: flood N JSON", path, lineno);
			sc.arg = xstrdup(t + 1);
		} else if (strcmp(s, "sleep") == 0 && *arg != '\0') {
			sc.op = S_SLEEP;
			sc.ms = strtol(arg, NULL, 10);
		} else if (strcmp(s, "drop") == 0)
			sc.op = S_DROP;
		else if (strcmp(s, "silent") == 0)
			sc.op = S_SILENT;
		else if (strcmp(s, "auto") == 0)
			sc.op = S_AUTO;
		else if (strcmp(s, "exit") == 0)
			sc.op = S_EXIT;
		else
			fatalx("%s:%d: unknown script command %s", path,
			    lineno, s);
		R.script = xrealloc(R.script, (R.nscript + 1) *
		    sizeof *R.script);
		R.script[R.nscript++] = sc;
	}
	free(line);
	fclose(f);
	if (R.nscript == 0)
		fatalx("%s: empty script", path);
}

static void
script_send(struct conn *c, const struct scmd *sc)
{
	char		*t;
	json_t		*p;
	json_error_t	 jerr;

	t = subst(sc->arg, R.port, c->lastmud != NULL ? c->lastmud :
	    R.lastmud);
	if ((p = json_loads(t, JSON_DECODE_ANY, &jerr)) == NULL ||
	    !json_is_array(p)) {
		log_warnx("script line %d: bad JSON after substitution: %s",
		    sc->line, t);
		json_decref(p);
		free(t);
		return;
	}
	free(t);
	if (jstr(p, 0) != NULL && strcmp(jstr(p, 0), "startup-reply") == 0)
		c->sent_reply = 1;
	conn_send(c, p);
	json_decref(p);
}

/* Run c's script until it waits for a packet or a timer, or ends. */
void
script_run(struct conn *c)
{
	const struct scmd	*sc;
	json_t			*p, *q;
	const char		*got;
	size_t			 i;

	while (c->scripted && !c->dead && !c->closing) {
		if (c->pc >= R.nscript) {
			/* Ended without auto: kept, but ignored. */
			json_array_clear(c->inbox);
			return;
		}
		sc = &R.script[c->pc];
		switch (sc->op) {
		case S_EXPECT:
		case S_AWAIT:
			if (json_array_size(c->inbox) == 0)
				return;
			p = json_incref(json_array_get(c->inbox, 0));
			json_array_remove(c->inbox, 0);
			got = jstr(p, 0);
			if (sc->op == S_AWAIT && (got == NULL ||
			    strcmp(got, sc->arg) != 0)) {
				log_debug("conn %u: script: %s passed over",
				    c->id, got != NULL ? got : "?");
				json_decref(p);
				continue;
			}
			if (got == NULL || strcmp(got, sc->arg) != 0) {
				log_warnx("script: expected %s got %s",
				    sc->arg, got != NULL ? got : "?");
				json_decref(p);
				finish(3);
			}
			if (is_startup(got)) {
				json_decref(c->startup);
				c->startup = json_incref(p);
				c->sent_reply = 0;
				if (jstr(p, 2) != NULL) {
					free(c->lastmud);
					c->lastmud = xstrdup(jstr(p, 2));
					free(R.lastmud);
					R.lastmud = xstrdup(jstr(p, 2));
				}
			}
			json_decref(p);
			break;
		case S_SEND:
			script_send(c, sc);
			break;
		case S_FLOOD:
			for (i = 0; i < (size_t)sc->ms && !c->dead; i++)
				script_send(c, sc);
			break;
		case S_SLEEP:
			if (c->sleep_until == 0) {
				c->sleep_until = now_ms() + sc->ms;
				return;
			}
			if (now_ms() < c->sleep_until)
				return;
			c->sleep_until = 0;
			break;
		case S_DROP:
			c->pc++;
			conn_close(c, "drop", 0);
			return;
		case S_SILENT:
			c->pc = R.nscript;
			c->silent = 1;
			c->scripted = 0;
			log_debug("conn %u: script: silent", c->id);
			return;
		case S_AUTO:
			c->pc++;
			c->scripted = 0;
			log_debug("conn %u: script: auto", c->id);
			if (c->startup != NULL && header_ok(c->startup))
				handle_startup(c, c->startup, !c->sent_reply);
			q = c->inbox;
			c->inbox = NULL;
			json_array_foreach(q, i, p) {
				if (c->dead || c->closing || c->silent)
					break;
				handle_packet(c, p);
			}
			json_decref(q);
			return;
		case S_EXIT:
			log_info("script: exit");
			finish(0);
		}
		c->pc++;
	}
}
