/*
 * session.c: client sessions: ids, resume tokens, subscriptions and
 * filters, events kept (in SQLite) for a client gone or not reading,
 * sequence numbers and the events written lately (to replay what a
 * connection that died never handed over), session_resume, --linger.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "i3gw.h"

/* An event written to a kept session's client: replayed after a resume. */
struct sent {
	uint64_t	 seq;
	const struct event *ev;
	json_t		*params;	/* as built (shared, never changed) */
	size_t		 bytes;		/* its line */
	uint64_t	 ts;		/* wall-clock ms */
};

struct session {
	char		 id[33];
	char		 token[65];
	unsigned char	 token_hash[32];
	int		 all;		/* every event */
	json_t		*events;	/* method -> true */
	struct filter	*filter;	/* declarative (filter.c) */
	char		*key;		/* the key that made it, or NULL */
	int		 kept;		/* worth keeping when the client goes */
	int		 detached;
	int		 spooling;	/* events go to the store, not out */
	int		 replaying;
	uint64_t	 detached_at;
	uint64_t	 paused_at;
	long		 queued;	/* events in the store */
	long		 dropped_count;
	int		 saved;		/* a row in the store */
	uint64_t	 seq;		/* the last event's sequence number */
	struct sent	*sent;		/* ring: written lately (kept ones) */
	size_t		 sent_cap;
	size_t		 sent_first;
	size_t		 sent_n;
	size_t		 sent_bytes;
};

static sqlite3		*sdb;
static uint64_t		 session_timer;
static uint64_t		 linger_timer;
static uint64_t		 refused_tells;
static uint64_t		 dropped_total;
static uint64_t		 replayed_total;
static uint64_t		 resumed_total;
static uint64_t		 evicted_total;
static uint64_t		 gaps_total;	/* resumes that could not be whole */

static int	session_rpc_subscribe(struct request *);
static int	session_rpc_unsubscribe(struct request *);
static int	session_rpc_resume(struct request *);
static void	session_detach(struct client *, const char *);
static int	session_wants(struct client *, const struct event *,
		    const json_t *);
static int	session_keep(struct client *, struct evout *);
static void	session_save(struct client *);
static int	session_step(sqlite3_stmt *, const char *);
static void	session_forget(struct session *);
static void	session_replay(struct client *);
static int	session_tick(void *);
static int	session_linger_end(void *);
static void	session_free(struct session *);
static void	session_noop(struct conn *, const char *, size_t, int);
static void	session_private(const char *);
static long	session_count(const char *, const char *, long long);
static int	session_exec(const char *);
static void	session_bound(void);
static void	session_evict(struct client *, const char *);
static void	session_sent_add(struct session *, const struct event *,
		    json_t *, uint64_t, size_t);
static void	session_sent_drop(struct session *);
static void	session_sent_store(struct client *);
static void	session_column(const char *, const char *, const char *);

const struct svc svc_session = {
	.name = "session",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "authenticate", auth_authenticate, 0, METHOD_NOKEY,
		    "key",
		    "prove a key; the permissions are the key's" },
		{ "subscribe", session_rpc_subscribe, 0, METHOD_STREAM,
		    "[events] [channels] [filter] [render] [keep]",
		    "choose the events this client gets; a session" },
		{ "unsubscribe", session_rpc_unsubscribe, 0, METHOD_STREAM,
		    "[events] [channels]",
		    "stop events; none named: all" },
		{ "session_resume", session_rpc_resume, 0, METHOD_STREAM,
		    "token [last_seq]",
		    "take over a kept session; replay from after last_seq" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	}
};

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

static uint64_t
session_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
session_noop(struct conn *c, const char *msg, size_t len, int flags)
{
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
	s->events = json_object();
	s->kept = 1;
	s->saved = 1;
	s->detached = 1;
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
	json_array_foreach(json_object_get(sub, "events"), i, v)
		json_object_set_new(s->events, json_string_value(v),
		    json_true());
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

void
session_init(void)
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
	/* A store from before the bounds (or with lower ones) is cut. */
	session_bound();
	session_timer = ev_timer_add(100, session_tick, NULL);
}

static long
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

/* Every client has one: an id and a resume token, random. */
void
session_new(struct client *cl)
{
	struct session	*s;
	unsigned char	 raw[32];
	unsigned int	 n = 32;
	size_t		 i;

	s = xcalloc(1, sizeof *s);
	if (RAND_bytes(raw, 16) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < 16; i++)
		snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
	if (RAND_bytes(raw, 32) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < 32; i++)
		snprintf(s->token + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	EVP_Digest(s->token, 64, s->token_hash, &n, EVP_sha256(), NULL);
	s->events = json_object();
	/* The MUD on stdio hears everything, as before sessions. */
	if (cl->transport == CLIENT_STDIO) {
		s->all = 1;
		s->kept = gw.linger > 0;
	}
	/* The Python gateway's WebSocket clients hear events unasked. */
	if (cl->transport == CLIENT_WS)
		s->all = 1;
	cl->session = s;
}

static void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	json_decref(s->events);
	filter_free(s->filter);
	session_sent_drop(s);
	free(s->sent);
	free(s->key);
	OPENSSL_cleanse(s->token, sizeof s->token);
	free(s);
}

json_t *
session_info(struct client *cl)
{
	struct session	*s = cl->session;
	json_t		*o, *ev;
	const char	*k;
	json_t		*v;

	if (s == NULL)
		return (json_pack("{s:i}", "client", cl->id));
	ev = json_array();
	json_object_foreach(s->events, k, v)
		json_array_append_new(ev, json_string(k));
	o = json_pack("{s:s, s:i, s:b, s:o, s:O}", "id", s->id, "client",
	    cl->id, "all", s->all, "events", ev, "channels", cl->channels);
	/* The token is shown to the client that holds the session only. */
	if (s->token[0] != '\0')
		json_object_set_new(o, "resume_token", json_string(s->token));
	if (s->filter != NULL)
		json_object_set_new(o, "filter", filter_json(s->filter));
	return (o);
}

/* Is this event for this client at all? */
static int
session_wants(struct client *cl, const struct event *ev,
    const json_t *params)
{
	struct session	*s = cl->session;
	const char	*chan;
	int		 asked = 0;

	/* Receiving needs the event's permission, as calling a method does. */
	if (!event_allowed(cl, ev))
		return (0);
	if (s->all || json_object_get(s->events, ev->name) != NULL)
		asked = 1;
	else if ((ev->flags & EVENT_CHANNEL) &&
	    (chan = json_string_value(json_object_get(params, "channel"))) !=
	    NULL && json_object_get(cl->channels, chan) != NULL)
		asked = 1;
	else if (ev->flags & EVENT_SENDER)
		asked = 1;
	if (!asked)
		return (0);
	if (s->filter != NULL && !filter_match(s->filter, ev->name, params))
		return (0);
	return (1);
}

/* Into the store, bounded; 0 when kept, -1 when refused (full, a tell). */
static int
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
		dropped_total++;
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
static void
session_save(struct client *cl)
{
	struct session	*s = cl->session;
	sqlite3_stmt	*st;
	json_t		*sub, *ev, *ch, *v;
	const char	*k;
	char		*text;

	if (sdb == NULL)
		return;
	ev = json_array();
	json_object_foreach(s->events, k, v)
		json_array_append_new(ev, json_string(k));
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

static void
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
 * An event offered to this client (event_deliver()): 1 when taken (written
 * now, or kept for later), 0 when not for it.
 */
int
session_offer(struct client *cl, struct evout *eo)
{
	struct session	*s = cl->session;
	const char	*line;
	size_t		 len;

	/* An HTTP request's answer carries no events. */
	if (cl->http != NULL)
		return (0);
	if (s != NULL && !session_wants(cl, eo->ev, eo->params))
		return (0);
	if (s != NULL && (s->detached || s->spooling || cl->conn->paused)) {
		/* Gone, replaying, or not reading: into the store, in order. */
		if (!s->detached && !s->spooling) {
			s->spooling = 1;
			s->paused_at = ev_now();
		}
		return (session_keep(cl, eo) == 0);
	}
	if ((line = evout_line(eo, cl->render, s != NULL ? s->seq + 1 : 0,
	    &len)) == NULL)
		return (0);
	client_send_line(cl, line, len);
	cl->notifications++;
	gw.events++;
	if (s != NULL) {
		s->seq++;
		/* Written is not handled: kept a while, for a resume. */
		if (s->kept)
			session_sent_add(s, eo->ev, eo->params, s->seq, len);
	}
	return (1);
}

/*
 * The ring of events written to a kept session's client, bounded by
 * resume_events and resume_bytes: the oldest go first.
 */
static void
session_sent_add(struct session *s, const struct event *ev, json_t *params,
    uint64_t seq, size_t bytes)
{
	struct sent	*e;
	size_t		 cap = (size_t)api->resume_events;

	if (cap == 0 || bytes > api->resume_bytes)
		return;
	if (s->sent_cap != cap) {
		/* First use, or resume_events changed: start afresh. */
		session_sent_drop(s);
		free(s->sent);
		s->sent = xcalloc(cap, sizeof *s->sent);
		s->sent_cap = cap;
	}
	while (s->sent_n > 0 && (s->sent_n == s->sent_cap ||
	    s->sent_bytes + bytes > api->resume_bytes)) {
		e = &s->sent[s->sent_first];
		json_decref(e->params);
		s->sent_bytes -= e->bytes;
		s->sent_first = (s->sent_first + 1) % s->sent_cap;
		s->sent_n--;
	}
	e = &s->sent[(s->sent_first + s->sent_n) % s->sent_cap];
	e->seq = seq;
	e->ev = ev;
	e->params = json_incref(params);
	e->bytes = bytes;
	e->ts = session_wall_ms();
	s->sent_bytes += bytes;
	s->sent_n++;
}

static void
session_sent_drop(struct session *s)
{
	size_t	i;

	for (i = 0; i < s->sent_n; i++)
		json_decref(s->sent[(s->sent_first + i) % s->sent_cap].params);
	s->sent_first = s->sent_n = s->sent_bytes = 0;
}

/*
 * The client is gone (or the gateway stops): what was written to it lately
 * goes to the store beside what waits, marked sent, and is replayed only
 * to a resume that says it did not handle it (last_seq).
 */
static void
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

/* Never silence: an I3 error to the sender of a tell nobody took. */
void
session_refuse_tell(const json_t *ev, const char *why)
{
	const char	*omud, *ouser, *tuser;
	json_t		*raw;
	char		*msg;

	omud = json_string_value(json_object_get(ev, "originator_mud"));
	ouser = json_string_value(json_object_get(ev, "originator_user"));
	tuser = json_string_value(json_object_get(ev, "target_user"));
	if (omud == NULL)
		return;
	refused_tells++;
	xasprintf(&msg, "%s@%s cannot take your message: %s",
	    tuser != NULL ? tuser : "someone", gw.conf->mud_name, why);
	raw = i3_packet_header("error", I3_TTL, gw.conf->mud_name, NULL, omud,
	    ouser != NULL ? ouser : "");
	log_info("a tell from %s@%s refused: %s", ouser ? ouser : "?", omud,
	    why);
	if (raw != NULL) {
		json_array_append_new(raw, json_string("unk-user"));
		json_array_append_new(raw, json_string(msg));
		json_array_append_new(raw, json_integer(0));
		router_send_reply(raw);
	}
	free(msg);
}

/* The connection is gone or stuck: keep the session without it. */
static void
session_detach(struct client *cl, const char *why)
{
	struct session	*s = cl->session;

	log_info("client %d: %s; session %s kept (%ld events waiting)",
	    cl->id, why, s->id, s->queued);
	/* Requests it answered go back to the gateway at once. */
	svc_presence_answer_kinds(cl, NULL, 0);
	if (s->key == NULL && cl->key != NULL)
		s->key = xstrdup(cl->key->name);
	s->detached = 1;
	s->spooling = 0;
	s->replaying = 0;
	s->detached_at = ev_now();
	session_save(cl);
	session_sent_store(cl);
	listen_client_gone(cl);
	conn_free(cl->conn);
	tls_detach(cl);
	cl->conn = conn_new(-1, -1, CONN_LINES, session_noop, cl);
	cl->stdio = 0;
	cl->transport = -1;
}

/* The client's connection is gone: 1 when its session stays. */
int
session_client_gone(struct client *cl)
{
	struct session	*s = cl->session;

	if (s == NULL || s->detached)
		return (0);
	if (gw.stopping) {
		/*
		 * The gateway stops with the client still here: a session it
		 * asked to keep is stored, to be resumed after the restart.
		 */
		if (!cl->stdio && s->kept) {
			if (s->key == NULL && cl->key != NULL)
				s->key = xstrdup(cl->key->name);
			session_save(cl);
			session_sent_store(cl);
			log_info("client %d: session %s kept for after the "
			    "restart (events to seq %llu)", cl->id, s->id,
			    (unsigned long long)s->seq);
		}
		return (0);
	}
	if (cl->stdio) {
		if (gw.linger <= 0)
			goto drop;
		session_detach(cl, "end of input on stdin (lingering)");
		linger_timer = ev_timer_add(gw.linger, session_linger_end,
		    NULL);
		log_info("stdin closed: lingering %ld s for session_resume",
		    gw.linger / 1000);
		return (1);
	}
	if (!s->kept)
		goto drop;
	session_detach(cl, "gone");
	session_bound();
	return (1);

drop:
	/* Nothing asked for: the session ends with its connection. */
	session_forget(s);
	session_free(s);
	cl->session = NULL;
	return (0);
}

static int
session_linger_end(void *arg)
{
	struct client	*cl;

	linger_timer = 0;
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->session != NULL && !cl->session->detached)
			return (EV_NOMORE);
	}
	gw_shutdown("--linger time over and no client came back");
	return (EV_NOMORE);
}

/* Send what the store holds, in order, then carry on live. */
static void
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
			line = event_replay_line(method, params, cl->render,
			    eseq, &len, &eo);
			if (line != NULL) {
				client_send_line(cl, line, len);
				if (s->kept)
					session_sent_add(s, eo.ev, eo.params,
					    eseq, len);
				evout_clear(&eo);
			}
			cl->notifications++;
			replayed_total++;
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

/* A detached session forgotten, with its client, and why in the log. */
static void
session_evict(struct client *cl, const char *why)
{
	struct session	*s = cl->session;

	log_info("session %s (key %s): dropped: %s", s->id,
	    s->key != NULL ? s->key : "none", why);
	evicted_total++;
	session_forget(s);
	cl->session = NULL;
	session_free(s);
	client_free(cl);
}

/*
 * Sessions kept for clients gone are bounded: sessions_per_key for one key
 * (the sessions of trusted clients, which have none, count as one key)
 * and sessions_max in all; past either, the one detached longest goes.
 */
static void
session_bound(void)
{
	struct client	*cl, *oldest;
	struct session	*s;
	json_t		*counts;
	const char	*k;
	long		 total;
	json_int_t	 n;
	int		 all;
	char		 why[128];

	for (;;) {
		counts = json_object();
		total = 0;
		oldest = NULL;
		TAILQ_FOREACH(cl, &clients, entry) {
			if ((s = cl->session) == NULL || !s->detached)
				continue;
			total++;
			k = s->key != NULL ? s->key : "";
			n = json_integer_value(json_object_get(counts, k)) + 1;
			json_object_set_new(counts, k, json_integer(n));
		}
		/* The oldest of a key over its bound first, else of all. */
		for (all = 0; all < 2 && oldest == NULL; all++) {
			if (all && total <= api->sessions_max)
				break;
			TAILQ_FOREACH(cl, &clients, entry) {
				if ((s = cl->session) == NULL || !s->detached)
					continue;
				k = s->key != NULL ? s->key : "";
				if (!all && json_integer_value(json_object_get(
				    counts, k)) <= api->sessions_per_key)
					continue;
				if (oldest == NULL || s->detached_at <
				    oldest->session->detached_at)
					oldest = cl;
			}
		}
		json_decref(counts);
		if (oldest == NULL)
			return;
		if (all == 1)
			snprintf(why, sizeof why, "%ld sessions kept per key at "
			    "most (sessions_per_key)", api->sessions_per_key);
		else
			snprintf(why, sizeof why, "%ld sessions kept at most "
			    "(sessions_max)", api->sessions_max);
		session_evict(oldest, why);
	}
}

/* Every 100 ms: replays due, stuck clients dropped, old sessions gone. */
static int
session_tick(void *arg)
{
	struct client	*cl, *next;
	struct session	*s;
	uint64_t	 now = ev_now();

	session_bound();

	for (cl = TAILQ_FIRST(&clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if ((s = cl->session) == NULL)
			continue;
		if (s->detached) {
			if (now - s->detached_at > (uint64_t)api->session_expire)
				session_evict(cl, "expired (session_expire)");
			continue;
		}
		if (!s->spooling)
			continue;
		if (!cl->conn->paused && conn_pending(cl->conn) <
		    cl->conn->highwater / 2) {
			session_replay(cl);
			continue;
		}
		if (!s->replaying && s->paused_at != 0 && !cl->stdio &&
		    now - s->paused_at > (uint64_t)api->pause_grace) {
			if (s->kept)
				session_detach(cl, "not reading its output");
			else {
				/* It did not ask to be kept: it goes. */
				log_info("client %d: not reading its output; "
				    "dropped", cl->id);
				conn_free(cl->conn);
				cl->conn = conn_new(-1, -1, CONN_LINES,
				    session_noop, cl);
				client_free(cl);
			}
		}
	}
	return (100);
}

/*
 * subscribe {events?, channels?, filter?, render?, keep?}: what reaches this
 * client (channels filter channel events; the MUD's listen set is changed
 * by channel_join and channel_leave only).  With keep, the session outlives
 * the connection, for session_resume with its token.
 */
static int
session_rpc_subscribe(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct session	*s = cl->session;
	json_t		*events, *chans, *v, *spec;
	json_t		*refused, *granted;
	const struct event *e;
	struct filter	*f = NULL;
	size_t		 i;
	int		 keep;
	char		 err[256];

	if (s == NULL)
		return (rpc_fail(&rq->err, I3_RPC_INVALID, "no session on this "
		    "connection"));
	events = json_object_get(rq->params, "events");
	chans = json_object_get(rq->params, "channels");
	if (events != NULL && !json_is_array(events))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter events: an array of event names is expected"));
	json_array_foreach(events, i, v) {
		if (!json_is_string(v))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter events: names are strings"));
		if (event_find(json_string_value(v)) == NULL)
			return (rpc_fail(&rq->err, I3_RPC_PARAMS,
			    "parameter events: "
			    "no event %.100s (i3gw --list-events)",
			    json_string_value(v)));
	}
	if (chans != NULL && !json_is_array(chans))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter channels: an "
		    "array of channel names is expected"));
	json_array_foreach(chans, i, v) {
		if (!json_is_string(v))
			return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter "
			    "channels: names are strings"));
	}
	if ((v = json_object_get(rq->params, "keep")) != NULL &&
	    !json_is_boolean(v))
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter keep: true or false is expected"));
	keep = json_is_true(v);
	if (render_set(cl, rq->params, &rq->err) == -1)
		return (-1);
	spec = json_object_get(rq->params, "filter");
	if (spec != NULL && !json_is_null(spec) &&
	    (f = filter_new(spec, err, sizeof err)) == NULL)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS,
		    "parameter filter: %s",
		    err));
	/*
	 * What the client may have: each event needs its group's permission
	 * (requests to answer: answer), joining a channel needs channel.
	 * What it asked for and may not have is refused and named.
	 */
	refused = json_array();
	granted = json_array();
	if (json_array_size(events) == 0 && json_array_size(chans) == 0) {
		s->all = 1;
		for (e = event_next(NULL); e != NULL; e = event_next(e)) {
			if (!event_allowed(cl, e))
				json_array_append_new(refused, json_pack(
				    "{s:s, s:s}", "event", e->name, "needs",
				    apiconf_group_name(e->perm)));
			else if (e->flags & EVENT_REQUEST)
				json_array_append_new(granted,
				    json_string(e->name));
		}
	}
	json_array_foreach(events, i, v) {
		e = event_find(json_string_value(v));
		if (!event_allowed(cl, e)) {
			json_array_append_new(refused, json_pack("{s:s, s:s}",
			    "event", e->name, "needs",
			    apiconf_group_name(e->perm)));
			continue;
		}
		json_object_set_new(s->events, e->name, json_true());
		json_array_append_new(granted, json_string(e->name));
	}
	/* who_request, finger_request...: this client answers them. */
	svc_presence_answer_kinds(cl, granted, 1);
	json_decref(granted);
	if (f != NULL) {
		filter_free(s->filter);
		s->filter = f;
	}
	json_array_foreach(chans, i, v) {
		if (!cl->trusted && (cl->perms & API_P_CHANNEL) == 0) {
			json_array_append_new(refused, json_pack("{s:O, s:s}",
			    "channel", v, "needs", "channel"));
			continue;
		}
		json_object_set_new(cl->channels, json_string_value(v),
		    json_true());
	}
	if (keep)
		s->kept = 1;
	if (cl->key != NULL && s->key == NULL)
		s->key = xstrdup(cl->key->name);
	rq->result = json_pack("{s:b, s:o, s:o}", "subscribed", 1, "session",
	    session_info(cl), "refused", refused);
	return (0);
}

/* unsubscribe {events?, channels?}: none named, everything. */
static int
session_rpc_unsubscribe(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct session	*s = cl->session;
	json_t		*events, *chans, *v;
	size_t		 i;

	if (s == NULL)
		return (rpc_fail(&rq->err, I3_RPC_INVALID, "no session"));
	events = json_object_get(rq->params, "events");
	chans = json_object_get(rq->params, "channels");
	if (events == NULL && chans == NULL) {
		s->all = 0;
		json_object_clear(s->events);
		filter_free(s->filter);
		s->filter = NULL;
		s->kept = 0;
		svc_presence_answer_kinds(cl, NULL, 0);
		json_object_clear(cl->channels);
	} else {
		json_array_foreach(events, i, v) {
			if (json_is_string(v))
				json_object_del(s->events,
				    json_string_value(v));
		}
		if (json_array_size(events) > 0)
			s->all = 0;
		svc_presence_answer_kinds(cl, events, 0);
		json_array_foreach(chans, i, v) {
			if (json_is_string(v))
				json_object_del(cl->channels,
				    json_string_value(v));
		}
	}
	rq->result = json_pack("{s:b, s:o}", "unsubscribed", 1, "session",
	    session_info(cl));
	return (0);
}

/*
 * What a resume with last_seq replays: the events after it, written before
 * (sent) or waiting; written ones up to it were handled and go.  Fills the
 * first number replayed and how many after last_seq are missing (dropped
 * from the store, or out of the ring before the client went).
 */
static void
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

/*
 * session_resume {token, last_seq?}: take a kept session over and replay:
 * with last_seq, every event after it (those written to the connection
 * that died included); without, what waited unwritten.
 */
static int
session_rpc_resume(struct request *rq)
{
	struct client	*cl = rq->cl;
	struct client	*o;
	struct session	*s = NULL, *mine;
	const char	*token;
	unsigned char	 h[32];
	unsigned int	 n = 32;
	json_t		*tmp;
	json_int_t	 last = -1;
	sqlite3_stmt	*st;
	long		 dropped_age = 0, dropped_count;
	uint64_t	 cutoff, first = 0, missed = 0;
	char		 after[32] = "";

	if (rpc_str(rq->params, "token", 1, &token, &rq->err) == -1 ||
	    rpc_int(rq->params, "last_seq", 0, &last, &rq->err) == -1)
		return (-1);
	if (json_object_get(rq->params, "last_seq") != NULL && last < 0)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter last_seq: "
		    "0 or more"));
	EVP_Digest(token, strlen(token), h, &n, EVP_sha256(), NULL);
	TAILQ_FOREACH(o, &clients, entry) {
		if (o->session != NULL && o != cl &&
		    CRYPTO_memcmp(o->session->token_hash, h, 32) == 0) {
			s = o->session;
			break;
		}
	}
	if (s == NULL)
		return (rpc_fail(&rq->err, I3_RPC_NOSESSION,
		    "unknown or expired session"));
	if (!s->detached)
		return (rpc_fail(&rq->err, I3_RPC_NOSESSION,
		    "session %s is attached to another connection", s->id));
	if (!cl->trusted && (s->key == NULL || cl->key == NULL ||
	    strcmp(s->key, cl->key->name) != 0))
		return (rpc_fail(&rq->err, I3_RPC_FORBIDDEN, "session %s belongs to "
		    "another key", s->id));
	if (last > 0 && (uint64_t)last > s->seq)
		return (rpc_fail(&rq->err, I3_RPC_PARAMS, "parameter last_seq: %lld "
		    "is past the session's last event (%llu)", (long long)last,
		    (unsigned long long)s->seq));

	/* Too old to replay: dropped, and counted. */
	cutoff = session_wall_ms() - (uint64_t)api->session_age;
	if (sdb != NULL && sqlite3_prepare_v2(sdb, "DELETE FROM event WHERE "
	    "session = ? AND ts < ? AND sent = 0", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)cutoff);
		if (session_step(st, "delete from event") == 0)
			dropped_age = sqlite3_changes(sdb);
		sqlite3_finalize(st);
	}
	s->queued -= dropped_age;
	if (s->queued < 0)
		s->queued = 0;
	dropped_total += dropped_age;
	dropped_count = s->dropped_count;
	if (last >= 0)
		session_resume_from(s, (uint64_t)last, &first, &missed);
	else if (sdb != NULL && sqlite3_prepare_v2(sdb, "DELETE FROM event "
	    "WHERE session = ? AND sent = 1", -1, &st, NULL) == SQLITE_OK) {
		/* No last_seq: what was written counts as handled. */
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		(void)session_step(st, "delete from event");
		sqlite3_finalize(st);
	}
	s->queued = session_count("SELECT COUNT(*) FROM event WHERE "
	    "session = ?", s->id, 0);

	/* The new connection takes the session, its channels, its token. */
	mine = cl->session;
	cl->session = s;
	o->session = mine;
	tmp = cl->channels;
	cl->channels = o->channels;
	o->channels = tmp;
	if (mine != NULL)
		mine->kept = 0;
	if (cl->stdio == 0 && o->stdio)
		o->stdio = 0;
	client_free(o);
	session_free(mine);
	if (linger_timer != 0) {
		ev_timer_del(linger_timer);
		linger_timer = 0;
	}
	s->detached = 0;
	s->spooling = 1;
	s->replaying = 1;
	s->paused_at = 0;
	s->dropped_count = 0;
	resumed_total++;
	if (missed > 0)
		gaps_total++;
	if (last >= 0)
		snprintf(after, sizeof after, " after #%lld", (long long)last);
	log_info("client %d: resumed session %s%s: %ld to replay, %ld dropped "
	    "(age), %ld dropped (count), %llu missing", cl->id, s->id, after,
	    s->queued, dropped_age, dropped_count, (unsigned long long)missed);
	rq->result = json_pack("{s:o, s:I}", "session", session_info(cl),
	    "last_seq", (json_int_t)s->seq);
	if (last >= 0) {
		json_object_set_new(rq->result, "first_seq",
		    json_integer((json_int_t)first));
		json_object_set_new(rq->result, "gap", json_boolean(missed > 0));
		json_object_set_new(rq->result, "missed",
		    json_integer((json_int_t)missed));
	}
	json_object_set_new(rq->result, "replayed", json_integer(s->queued));
	json_object_set_new(rq->result, "dropped_age", json_integer(dropped_age));
	json_object_set_new(rq->result, "dropped_count",
	    json_integer(dropped_count));
	return (0);
}

size_t
session_detached(void)
{
	struct client	*cl;
	size_t		 n = 0;

	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->session != NULL && cl->session->detached)
			n++;
	}
	return (n);
}

size_t
session_queued(void)
{
	struct client	*cl;
	size_t		 n = 0;

	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->session != NULL)
			n += cl->session->queued;
	}
	return (n);
}

void
session_stats(json_t *o)
{
	json_object_set_new(o, "sessions_detached",
	    json_integer(session_detached()));
	json_object_set_new(o, "sessions_queued",
	    json_integer(session_queued()));
	json_object_set_new(o, "sessions_resumed",
	    json_integer(resumed_total));
	json_object_set_new(o, "events_replayed",
	    json_integer(replayed_total));
	json_object_set_new(o, "events_dropped",
	    json_integer(dropped_total));
	json_object_set_new(o, "tells_refused", json_integer(refused_tells));
	json_object_set_new(o, "sessions_evicted", json_integer(evicted_total));
	json_object_set_new(o, "resume_gaps", json_integer(gaps_total));
}
