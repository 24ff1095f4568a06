/*
 * session-store.c: the sessions kept in SQLite (state_dir/sessions.db,
 * owner only): a session's row, so that it survives a restart; the events
 * kept for a client gone or not reading, in (session_keep) and out again
 * in order (session_replay); the events written lately, stored when the
 * client goes, for a resume from its last_seq.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "i3gw.h"
#include "session-int.h"

static sqlite3	*sdb;

static int	session_step(sqlite3_stmt *, const char *);
static int	session_exec(const char *);
static void	session_column(const char *, const char *, const char *);
static void	session_private(const char *);
static void	session_load_row(sqlite3_stmt *);

/* One step of a statement that returns no row; -1 (logged) on failure. */
static int
session_step(sqlite3_stmt *st, const char *what)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return (0);
	log_warnx("sessions: %s: %s", what, sqlite3_errmsg(sdb));
	return (-1);
}

static int
session_exec(const char *sql)
{
	char	*msg = NULL;

	if (sdb == NULL)
		return (-1);
	if (sqlite3_exec(sdb, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("sessions: %s", msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

/* A column a store from before it lacks, added once. */
static void
session_column(const char *table, const char *col, const char *decl)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 found = 0;

	if (sdb == NULL)
		return;
	xasprintf(&sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name = "
	    "'%s'", table, col);
	if (sqlite3_prepare_v2(sdb, sql, -1, &st, NULL) == SQLITE_OK) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	free(sql);
	if (found)
		return;
	xasprintf(&sql, "ALTER TABLE %s ADD COLUMN %s %s", table, col, decl);
	(void)session_exec(sql);
	free(sql);
}

/*
 * The sessions database and its -wal and -shm files are the owner's only
 * (SQLite gives the last two the mode of the first): made 0600 before
 * SQLite opens it, an older 0644 one tightened.
 */
static void
session_private(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char	*p;
	size_t	 i;
	int	 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) != -1)
		close(fd);
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		xasprintf(&p, "%s%s", path, sfx[i]);
		if (chmod(p, 0600) == -1 && errno != ENOENT)
			log_warn("%s", p);
		free(p);
	}
}

/* A session of a detached client loaded from the store. */
static void
session_load_row(sqlite3_stmt *st)
{
	struct client	*cl;
	struct session	*s;
	const struct event *e;
	json_t		*sub, *v;
	const char	*id, *sub_text, *key;
	const void	*hash;
	size_t		 i;
	char		 err[256];

	id = (const char *)sqlite3_column_text(st, 0);
	hash = sqlite3_column_blob(st, 1);
	sub_text = (const char *)sqlite3_column_text(st, 2);
	key = (const char *)sqlite3_column_text(st, 3);
	if (id == NULL || hash == NULL || sqlite3_column_bytes(st, 1) != 32)
		return;
	cl = client_new(-1, -1, -1);
	s = xcalloc(1, sizeof *s);
	cl->session = s;
	snprintf(s->id, sizeof s->id, "%s", id);
	memcpy(s->token_hash, hash, 32);
	s->kept = 1;
	s->saved = 1;
	session_set_detached(s, 1);
	s->detached_at = ev_now();
	s->key = key != NULL ? xstrdup(key) : NULL;
	/*
	 * Its permissions, for the events it may keep: its key's as the
	 * config says now (none when the key is gone); a session without a
	 * key was a trusted client's.
	 */
	if (key == NULL) {
		cl->trusted = 1;
		cl->perms = API_P_ALL;
	}
	for (i = 0; key != NULL && i < api->nkeys; i++) {
		if (strcmp(api->keys[i].name, key) == 0)
			cl->perms = api->keys[i].perms;
	}
	s->dropped_count = sqlite3_column_int64(st, 4);
	s->seq = (uint64_t)sqlite3_column_int64(st, 5);
	sub = json_loads(sub_text != NULL ? sub_text : "{}", 0, NULL);
	s->all = json_is_true(json_object_get(sub, "all"));
	json_array_foreach(json_object_get(sub, "events"), i, v) {
		if (json_is_string(v) &&
		    (e = event_find(json_string_value(v))) != NULL)
			s->events |= event_bit(e);
	}
	/* Read back as data, bounded as when it was given; never a program. */
	if ((v = json_object_get(sub, "filter")) != NULL &&
	    (s->filter = filter_new(v, err, sizeof err)) == NULL)
		log_warnx("session %s: its stored filter is dropped: %s",
		    s->id, err);
	/* Its delivery filter; the MUD's listen set is svc-channel.c's. */
	json_array_foreach(json_object_get(sub, "channels"), i, v) {
		if (!cl->trusted && (cl->perms & API_P_CHANNEL) == 0)
			break;
		if (json_is_string(v))
			json_object_set_new(cl->channels,
			    json_string_value(v), json_true());
	}
	json_decref(sub);
	s->queued = session_count("SELECT COUNT(*) FROM event WHERE "
	    "session = ? AND sent = 0", s->id, 0);
	/* The last number given, whichever of the rows says more. */
	if ((uint64_t)session_count("SELECT MAX(eseq) FROM event WHERE "
	    "session = ?", s->id, 0) > s->seq)
		s->seq = (uint64_t)session_count("SELECT MAX(eseq) FROM event "
		    "WHERE session = ?", s->id, 0);
	log_info("session %s: kept from before the restart, %ld events",
	    s->id, s->queued);
}

long
session_count(const char *sql, const char *id, long long arg)
{
	sqlite3_stmt	*st;
	long		 n = 0;

	if (sdb == NULL || sqlite3_prepare_v2(sdb, sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return (0);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (arg != 0)
		sqlite3_bind_int64(st, 2, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (n);
}

/* Into the store, bounded; 0 when kept, -1 when refused (full, a tell). */
int
session_keep(struct client *cl, struct evout *eo)
{
	struct session	*s = cl->session;
	const struct event *ev = eo->ev;
	sqlite3_stmt	*st;
	const char	*text;
	size_t		 len;
	int		 rc;

	if (sdb == NULL)
		return (-1);
	session_save(cl);
	if (s->queued >= api->session_queue) {
		/*
		 * A tell is refused (its sender told when no one else takes
		 * it), but it has its number: the resume says it is missing.
		 */
		if (ev->flags & EVENT_TELL) {
			s->seq++;
			return (-1);
		}
		/* The oldest goes, and is counted. */
		if (sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE seq = "
		    "(SELECT MIN(seq) FROM event WHERE session = ? AND sent = "
		    "0)", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
			(void)session_step(st, "delete from event");
			sqlite3_finalize(st);
		}
		s->queued--;
		s->dropped_count++;
		session_dropped_total++;
		if (sqlite3_prepare_v2(sdb, "UPDATE session SET dropped = ? "
		    "WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, s->dropped_count);
			sqlite3_bind_text(st, 2, s->id, -1, SQLITE_STATIC);
			(void)session_step(st, "update session");
			sqlite3_finalize(st);
		}
	}
	if (api->session_queue == 0)
		return (-1);
	if ((text = evout_params(eo, &len)) == NULL)
		return (-1);
	if (sqlite3_prepare_v2(sdb, "INSERT INTO event (session, ts, method, "
	    "params, eseq) VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)session_wall_ms());
	sqlite3_bind_text(st, 3, ev->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, (int)len, SQLITE_STATIC);
	/* Its number is given when it is kept: none is wasted on a refusal. */
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(s->seq + 1));
	/* A row not written is an event not kept: the caller is told. */
	rc = session_step(st, "insert into event");
	sqlite3_finalize(st);
	if (rc == -1)
		return (-1);
	s->seq++;
	s->queued++;
	return (0);
}

/* The session's row: what it asked for, to survive a restart. */
void
session_save(struct client *cl)
{
	struct session	*s = cl->session;
	sqlite3_stmt	*st;
	json_t		*sub, *ev, *ch, *v;
	const char	*k;
	char		*text;

	if (sdb == NULL)
		return;
	ev = session_event_names(s);
	ch = json_array();
	json_object_foreach(cl->channels, k, v)
		json_array_append_new(ch, json_string(k));
	sub = json_pack("{s:b, s:o, s:o}", "all", s->all, "events", ev,
	    "channels", ch);
	if (s->filter != NULL)
		json_object_set_new(sub, "filter", filter_json(s->filter));
	text = json_dumps(sub, JSON_COMPACT);
	json_decref(sub);
	if (sqlite3_prepare_v2(sdb, "INSERT OR REPLACE INTO session (id, "
	    "token_hash, sub, key, dropped, detached, seq) VALUES (?, ?, ?, "
	    "?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, s->token_hash, 32, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
		if (s->key != NULL)
			sqlite3_bind_text(st, 4, s->key, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, s->dropped_count);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)session_wall_ms());
		sqlite3_bind_int64(st, 7, (sqlite3_int64)s->seq);
		(void)session_step(st, "insert or replace into session");
		sqlite3_finalize(st);
	}
	free(text);
	s->saved = 1;
}

void
session_forget(struct session *s)
{
	sqlite3_stmt	*st;

	if (sdb == NULL || !s->saved)
		return;
	if (sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE session = ?",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		(void)session_step(st, "delete from event");
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(sdb, "DELETE FROM session WHERE id = ?",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		(void)session_step(st, "delete from session");
		sqlite3_finalize(st);
	}
	s->saved = 0;
}

/*
 * The client is gone (or the gateway stops): what was written to it lately
 * goes to the store beside what waits, marked sent, and is replayed only
 * to a resume that says it did not handle it (last_seq).
 */
void
session_sent_store(struct client *cl)
{
	struct session	*s = cl->session;
	struct sent	*e;
	sqlite3_stmt	*st;
	char		*text;
	size_t		 i;

	if (sdb == NULL || s->sent_n == 0) {
		session_sent_drop(s);
		return;
	}
	if (sqlite3_prepare_v2(sdb, "INSERT INTO event (session, ts, method, "
	    "params, eseq, sent) VALUES (?, ?, ?, ?, ?, 1)", -1, &st, NULL) !=
	    SQLITE_OK) {
		session_sent_drop(s);
		return;
	}
	(void)session_exec("BEGIN");
	for (i = 0; i < s->sent_n; i++) {
		e = &s->sent[(s->sent_first + i) % s->sent_cap];
		if ((text = json_dumps(e->params, JSON_COMPACT)) == NULL)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)e->ts);
		sqlite3_bind_text(st, 3, e->ev->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)e->seq);
		(void)session_step(st, "insert into event");
		free(text);
	}
	(void)session_exec("COMMIT");
	sqlite3_finalize(st);
	session_sent_drop(s);
}

/* Send what the store holds, in order, then carry on live. */
void
session_replay(struct client *cl)
{
	struct session	*s = cl->session;
	sqlite3_stmt	*st;
	struct evout	 eo;
	json_t		*params;
	const char	*method, *text, *line;
	long long	 last = 0;
	uint64_t	 eseq;
	size_t		 len;

	if (sdb != NULL && sqlite3_prepare_v2(sdb, "SELECT seq, method, "
	    "params, eseq FROM event WHERE session = ? ORDER BY eseq, seq",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			method = (const char *)sqlite3_column_text(st, 1);
			text = (const char *)sqlite3_column_text(st, 2);
			params = json_loads(text != NULL ? text : "{}", 0,
			    NULL);
			if (params == NULL || method == NULL) {
				json_decref(params);
				continue;
			}
			/* A row from before sequence numbers gets one. */
			eseq = (uint64_t)sqlite3_column_int64(st, 3);
			if (eseq == 0)
				eseq = ++s->seq;
			line = event_replay_line(method, params,
			    client_profile(cl), eseq, &len, &eo);
			if (line != NULL) {
				client_send_line(cl, line, len);
				if (s->kept)
					session_sent_add(s, eo.ev, eo.params,
					    eseq, len);
				evout_clear(&eo);
			}
			cl->notifications++;
			session_replayed_total++;
		}
		sqlite3_finalize(st);
		/* All of it went out (nothing is kept meanwhile). */
		if (last != 0 && sqlite3_prepare_v2(sdb, "DELETE FROM event "
		    "WHERE session = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
			(void)session_step(st, "delete from event");
			sqlite3_finalize(st);
		}
	}
	s->queued = 0;
	s->spooling = 0;
	s->replaying = 0;
	s->paused_at = 0;
}

/*
 * What a resume with last_seq replays: the events after it, written before
 * (sent) or waiting; written ones up to it were handled and go.  Fills the
 * first number replayed and how many after last_seq are missing (dropped
 * from the store, or out of the ring before the client went).
 */
void
session_resume_from(struct session *s, uint64_t last, uint64_t *first,
    uint64_t *missed)
{
	sqlite3_stmt	*st;
	uint64_t	 have = 0;

	*first = s->seq + 1;
	*missed = 0;
	if (sdb == NULL) {
		*missed = s->seq - last;
		return;
	}
	if (sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE session = ? AND "
	    "sent = 1 AND eseq <= ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
		(void)session_step(st, "delete from event");
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(sdb, "UPDATE event SET sent = 0 WHERE session = "
	    "? AND sent = 1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		(void)session_step(st, "update event");
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(sdb, "SELECT COUNT(*), MIN(eseq) FROM event "
	    "WHERE session = ? AND eseq > ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
		if (sqlite3_step(st) == SQLITE_ROW) {
			have = (uint64_t)sqlite3_column_int64(st, 0);
			if (have > 0)
				*first = (uint64_t)sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	if (s->seq - last > have)
		*missed = s->seq - last - have;
}

/* Events kept unwritten since before cutoff (wall ms) dropped: how many. */
long
session_store_drop_aged(struct session *s, uint64_t cutoff)
{
	sqlite3_stmt	*st;
	long		 n = 0;

	if (sdb == NULL || sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE "
	    "session = ? AND ts < ? AND sent = 0", -1, &st, NULL) != SQLITE_OK)
		return (0);
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cutoff);
	if (session_step(st, "delete from event") == 0)
		n = sqlite3_changes(sdb);
	sqlite3_finalize(st);
	return (n);
}

/* The events written to the client before it went: handled, gone. */
void
session_store_drop_written(struct session *s)
{
	sqlite3_stmt	*st;

	if (sdb == NULL || sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE "
	    "session = ? AND sent = 1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	(void)session_step(st, "delete from event");
	sqlite3_finalize(st);
}

/*
 * The store (state_dir/sessions.db): opened, its schema made or brought
 * up to date, sessions detached too long ago gone, the others loaded.
 */
void
session_store_open(void)
{
	sqlite3_stmt	*st;
	char		*path;
	uint64_t	 cutoff;

	xasprintf(&path, "%s/sessions.db", gw.state_dir);
	/* Tell text is inside: owner only, and so its -wal and -shm. */
	session_private(path);
	if (sqlite3_open_v2(path, &sdb, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		log_warnx("%s: %s: sessions are not kept", path,
		    sqlite3_errmsg(sdb));
		sqlite3_close(sdb);
		sdb = NULL;
		free(path);
		return;
	}
	free(path);
	sqlite3_busy_timeout(sdb, 1000);
	session_exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "CREATE TABLE IF NOT EXISTS session (id TEXT PRIMARY KEY,"
	    " token_hash BLOB NOT NULL, sub TEXT NOT NULL, key TEXT,"
	    " dropped INTEGER NOT NULL DEFAULT 0, detached INTEGER);"
	    "CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY"
	    " AUTOINCREMENT, session TEXT NOT NULL, ts INTEGER NOT NULL,"
	    " method TEXT NOT NULL, params TEXT NOT NULL);"
	    "CREATE INDEX IF NOT EXISTS event_session ON event (session, "
	"seq);");
	/*
	 * Sequence numbers: the session's last, each event's; sent: written
	 * to the client before it went (replayed only after last_seq).
	 */
	session_column("session", "seq", "INTEGER NOT NULL DEFAULT 0");
	session_column("event", "eseq", "INTEGER NOT NULL DEFAULT 0");
	session_column("event", "sent", "INTEGER NOT NULL DEFAULT 0");
	/* Sessions detached too long ago are gone. */
	cutoff = session_wall_ms() - (uint64_t)api->session_expire;
	if (sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE session IN "
	    "(SELECT id FROM session WHERE detached < ?1); DELETE FROM "
	    "session WHERE detached < ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)cutoff);
		(void)session_step(st, "delete from event");
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(sdb, "DELETE FROM session WHERE detached < ?",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)cutoff);
		(void)session_step(st, "delete from session");
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(sdb, "SELECT id, token_hash, sub, key, "
	    "dropped, seq FROM session", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			session_load_row(st);
		sqlite3_finalize(st);
	}
}
