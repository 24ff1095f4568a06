/*
 * history.c: channel history in SQLite (history.db in the state directory),
 * written and read by a thread of its own so that no disk stall reaches the
 * event loop: the loop queues rows and queries, the thread runs them in
 * order (a query sees every row queued before it), one transaction per
 * batch, then applies retention by age and by count per channel.  Answers
 * come back through a pipe the loop watches.  Full-text search is FTS5 over
 * the text with its colour codes stripped.
 */

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "i3gw.h"

/*
 * Rows are written at most every HIST_BATCH_MS, or as soon as HIST_BATCH_ROWS
 * wait, or at once when a query or the stop is queued behind them.
 */
#define HIST_BATCH_MS	100
#define HIST_BATCH_ROWS	1000

enum hist_job_kind {
	HJ_ROW = 1,
	HJ_QUERY,
	HJ_STOP,
};

struct hist_row {
	long long	 ts;		/* ms since the epoch */
	const char	*kind;		/* message, emote, targeted, tell */
	char		*channel;	/* NULL for a tell */
	char		*mud;
	char		*user;
	char		*visname;
	char		*message;
	char		*tmud;
	char		*tuser;
	char		*tvisname;
	char		*tmessage;
};

struct hist_query {
	char		*channel;
	char		*user;
	char		*mud;
	char		*search;	/* an FTS5 expression, built safely */
	long long	 since;		/* ms, -1 none */
	long long	 until;
	long long	 before_id;	/* -1 none */
	long long	 after_id;
	long		 limit;
	int		 tells;
	json_t		*hide;		/* [[pattern, channel], ...]: as_user's */
	int		 client;
	json_t		*rpc_id;
	int		 profile;
	json_t		*result;	/* set by the thread */
	char		 error[256];
};

struct hist_job {
	enum hist_job_kind	 kind;
	struct hist_row		 row;
	struct hist_query	 q;
	struct hist_job		*next;
};

struct hist_fifo {
	struct hist_job	*head;
	struct hist_job	*tail;
	size_t		 len;
};

static struct {
	int		 on;
	sqlite3		*db;
	pthread_t	 thread;
	int		 started;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct hist_fifo todo;
	struct hist_fifo done;
	int		 pipe[2];
	long long	 last_age_check;
	long		 max_age;	/* copies of the config, under lock */
	long		 max_count;
	int		 idle;		/* the thread waits with nothing due */
	int		 urgent;	/* a query or the stop is queued */
} hist = { .pipe = { -1, -1 } };

/* The thread's own copies of the retention settings. */
static long		 th_max_age;
static long		 th_max_count;

/* Counters (/metrics, stats); written by either side. */
static atomic_ullong	 hist_stored;
static atomic_ullong	 hist_dropped;
static atomic_ullong	 hist_expired;
static atomic_ullong	 hist_failed;
static atomic_ullong	 hist_batches;
static atomic_ullong	 hist_queries;
static atomic_ullong	 hist_queued;

static const char *hist_schema =
    "CREATE TABLE IF NOT EXISTS msg ("
    " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,"
    " channel TEXT, mud TEXT NOT NULL, user TEXT NOT NULL, visname TEXT,"
    " message TEXT NOT NULL, tmud TEXT, tuser TEXT, tvisname TEXT,"
    " tmessage TEXT, plain TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS msg_channel ON msg (channel, id);"
    "CREATE INDEX IF NOT EXISTS msg_ts ON msg (ts);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS msg_fts USING fts5 (plain,"
    " content = 'msg', content_rowid = 'id', tokenize = 'unicode61');"
    "CREATE TRIGGER IF NOT EXISTS msg_ai AFTER INSERT ON msg BEGIN"
    " INSERT INTO msg_fts (rowid, plain) VALUES (new.id, new.plain); END;"
    "CREATE TRIGGER IF NOT EXISTS msg_ad AFTER DELETE ON msg BEGIN"
    " INSERT INTO msg_fts (msg_fts, rowid, plain)"
    " VALUES ('delete', old.id, old.plain); END;";

static void	 hist_row_free(struct hist_row *);
static void	 hist_query_free(struct hist_query *);
static void	*hist_main(void *);
static void	 hist_readable(int, int, void *);
static int	 hist_exec(const char *);

static void
hist_fifo_push(struct hist_fifo *f, struct hist_job *j)
{
	j->next = NULL;
	if (f->tail != NULL)
		f->tail->next = j;
	else
		f->head = j;
	f->tail = j;
	f->len++;
}

static long long
hist_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
hist_exec(const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(hist.db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("history: %s", msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

int
history_enabled(void)
{
	return (hist.on);
}

/* Open (create) dir/history.db and start the writer thread. */
int
history_open(const char *dir, char **cause)
{
	char	*path;
	mode_t	 old;

	if (!gw.conf->history) {
		log_debug("history: off ([history] store = no)");
		return (0);
	}
	xasprintf(&path, "%s/history.db", dir);
	old = umask(077);
	if (sqlite3_open_v2(path, &hist.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, hist.db != NULL ?
		    sqlite3_errmsg(hist.db) : "cannot open");
		umask(old);
		sqlite3_close(hist.db);
		hist.db = NULL;
		free(path);
		return (-1);
	}
	umask(old);
	chmod(path, 0600);
	sqlite3_busy_timeout(hist.db, 2000);
	/*
	 * WAL with normal syncs: a crash may lose the last batch, never
	 * corrupt the file.  History is not worth an fsync a message.
	 */
	if (hist_exec("PRAGMA journal_mode=WAL;") == -1 ||
	    hist_exec("PRAGMA synchronous=NORMAL;") == -1 ||
	    hist_exec("PRAGMA cache_size=-2048;") == -1 ||
	    hist_exec(hist_schema) == -1) {
		xasprintf(cause, "%s: cannot set up the history (FTS5?)",
		    path);
		sqlite3_close(hist.db);
		hist.db = NULL;
		free(path);
		return (-1);
	}
	free(path);
	if (pipe2(hist.pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		xasprintf(cause, "history: pipe: %s", strerror(errno));
		return (-1);
	}
	hist.max_age = gw.conf->history_max_age;
	hist.max_count = gw.conf->history_max_count;
	pthread_mutex_init(&hist.lock, NULL);
	pthread_cond_init(&hist.cond, NULL);
	if (pthread_create(&hist.thread, NULL, hist_main, NULL) != 0) {
		xasprintf(cause, "history: cannot start its thread");
		return (-1);
	}
	hist.started = 1;
	hist.on = 1;
	ev_io_set(hist.pipe[0], EV_READ, hist_readable, NULL);
	return (0);
}

/* After a reload: retention as the config now says. */
void
history_reconf(void)
{
	if (!hist.started)
		return;
	pthread_mutex_lock(&hist.lock);
	hist.max_age = gw.conf->history_max_age;
	hist.max_count = gw.conf->history_max_count;
	pthread_mutex_unlock(&hist.lock);
}

/* Everything queued is written, then the thread ends. */
void
history_close(void)
{
	struct hist_job	*j;

	if (!hist.started)
		return;
	j = xcalloc(1, sizeof *j);
	j->kind = HJ_STOP;
	pthread_mutex_lock(&hist.lock);
	hist_fifo_push(&hist.todo, j);
	hist.urgent = 1;
	pthread_cond_signal(&hist.cond);
	pthread_mutex_unlock(&hist.lock);
	pthread_join(hist.thread, NULL);
	hist.started = 0;
	hist.on = 0;
	ev_io_del(hist.pipe[0]);
	/* Answers nobody will read: the loop has stopped. */
	while ((j = hist.done.head) != NULL) {
		hist.done.head = j->next;
		hist_query_free(&j->q);
		free(j);
	}
	sqlite3_close(hist.db);
	hist.db = NULL;
	close(hist.pipe[0]);
	close(hist.pipe[1]);
	hist.pipe[0] = hist.pipe[1] = -1;
}

static void
hist_row_free(struct hist_row *r)
{
	free(r->channel);
	free(r->mud);
	free(r->user);
	free(r->visname);
	free(r->message);
	free(r->tmud);
	free(r->tuser);
	free(r->tvisname);
	free(r->tmessage);
}

static void
hist_query_free(struct hist_query *q)
{
	free(q->channel);
	free(q->user);
	free(q->mud);
	free(q->search);
	json_decref(q->hide);
	json_decref(q->rpc_id);
	json_decref(q->result);
}

static char *
hist_dup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

/* Queue a job for the thread; 0, or -1 when the queue is full. */
static int
hist_submit(struct hist_job *j, int droppable)
{
	size_t	len;

	pthread_mutex_lock(&hist.lock);
	len = hist.todo.len;
	if (droppable && len >= gw.conf->history_queue) {
		pthread_mutex_unlock(&hist.lock);
		return (-1);
	}
	hist_fifo_push(&hist.todo, j);
	/* A row alone wakes the thread only when it sleeps with nothing due. */
	if (j->kind != HJ_ROW)
		hist.urgent = 1;
	if (hist.idle || hist.urgent || hist.todo.len >= HIST_BATCH_ROWS)
		pthread_cond_signal(&hist.cond);
	pthread_mutex_unlock(&hist.lock);
	return (0);
}

/*
 * A channel message, emote or targeted emote (a named packet, from the
 * router or sent by one of our clients), or a tell: stored when history is
 * on (tells only with [history] tells = yes).
 */
void
history_packet(const json_t *named)
{
	const char	*type = i3_pkt_str(named, "type");
	struct hist_job	*j;
	struct hist_row	*r;
	static uint64_t	 warned;

	if (!hist.on || type == NULL)
		return;
	j = xcalloc(1, sizeof *j);
	j->kind = HJ_ROW;
	r = &j->row;
	r->ts = hist_now_ms();
	r->mud = hist_dup(i3_pkt_str(named, "originator_mud"));
	r->user = hist_dup(i3_pkt_str(named, "originator_user"));
	if (strcmp(type, "tell") == 0 || strcmp(type, "emoteto") == 0) {
		if (!gw.conf->history_tells) {
			free(r->mud);
			free(r->user);
			free(j);
			return;
		}
		r->kind = strcmp(type, "tell") == 0 ? "tell" : "emoteto";
		r->visname = hist_dup(i3_pkt_str(named, "orig_visname"));
		r->message = hist_dup(i3_pkt_str(named, "message"));
		r->tmud = hist_dup(i3_pkt_str(named, "target_mud"));
		r->tuser = hist_dup(i3_pkt_str(named, "target_user"));
	} else {
		r->channel = hist_dup(i3_pkt_str(named, "channel"));
		if (strcmp(type, "channel-t") == 0) {
			r->kind = "targeted";
			r->visname = hist_dup(i3_pkt_str(named,
			    "orig_visname"));
			r->message = hist_dup(i3_pkt_str(named,
			    "message_others"));
			r->tmud = hist_dup(i3_pkt_str(named, "targ_mud"));
			r->tuser = hist_dup(i3_pkt_str(named, "targ_user"));
			r->tvisname = hist_dup(i3_pkt_str(named,
			    "targ_visname"));
			r->tmessage = hist_dup(i3_pkt_str(named,
			    "message_target"));
		} else {
			r->kind = strcmp(type, "channel-e") == 0 ? "emote" :
			    "message";
			r->visname = hist_dup(i3_pkt_str(named, "visname"));
			r->message = hist_dup(i3_pkt_str(named, "message"));
		}
	}
	if (r->mud == NULL)
		r->mud = xstrdup("");
	if (r->user == NULL)
		r->user = xstrdup("");
	if (r->message == NULL)
		r->message = xstrdup("");
	if (hist_submit(j, 1) == -1) {
		/* Counted, and said once per 1,000. */
		if (warned++ % 1000 == 0)
			log_warnx("history: queue full (%zu): messages not "
			    "stored (%llu so far)", gw.conf->history_queue,
			    (unsigned long long)hist_dropped + 1);
		hist_dropped++;
		hist_row_free(r);
		free(j);
		return;
	}
	hist_queued++;
}

/* ---------------------------------------------------------- the thread */

static void
hist_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int
hist_insert(sqlite3_stmt *st, struct hist_row *r)
{
	char	*plain;
	size_t	 len;
	int	 rc;

	plain = i3_colour_render(r->message, strlen(r->message),
	    I3_COLOUR_PLAIN, &len, NULL);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, r->ts);
	hist_bind_text(st, 2, r->kind);
	hist_bind_text(st, 3, r->channel);
	hist_bind_text(st, 4, r->mud);
	hist_bind_text(st, 5, r->user);
	hist_bind_text(st, 6, r->visname);
	hist_bind_text(st, 7, r->message);
	hist_bind_text(st, 8, r->tmud);
	hist_bind_text(st, 9, r->tuser);
	hist_bind_text(st, 10, r->tvisname);
	hist_bind_text(st, 11, r->tmessage);
	hist_bind_text(st, 12, plain != NULL ? plain : r->message);
	rc = sqlite3_step(st);
	free(plain);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * Keep the newest max_per_channel rows of a channel.  The thread counts
 * each channel's rows (counted once, then kept up to date), so the delete,
 * which walks the channel's index, runs once a channel is 1% over.
 */
static json_t	*th_counts;	/* channel -> rows; the thread's own */

static void
hist_trim(const char *chan, long long added)
{
	sqlite3_stmt	*st;
	long long	 n;
	json_t		*v;

	if (th_max_count <= 0)
		return;
	if (th_counts == NULL)
		th_counts = json_object();
	if ((v = json_object_get(th_counts, chan)) != NULL)
		n = json_integer_value(v) + added;
	else {
		n = 0;
		if (sqlite3_prepare_v2(hist.db, "SELECT count(*) FROM msg "
		    "WHERE channel = ?", -1, &st, NULL) != SQLITE_OK)
			return;
		sqlite3_bind_text(st, 1, chan, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (n > th_max_count + th_max_count / 100) {
		if (sqlite3_prepare_v2(hist.db, "DELETE FROM msg WHERE "
		    "channel = ?1 AND id <= (SELECT id FROM msg WHERE "
		    "channel = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)", -1, &st,
		    NULL) != SQLITE_OK)
			return;
		sqlite3_bind_text(st, 1, chan, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, th_max_count);
		if (sqlite3_step(st) == SQLITE_DONE) {
			hist_expired += sqlite3_changes(hist.db);
			n -= sqlite3_changes(hist.db);
		}
		sqlite3_finalize(st);
	}
	json_object_set_new(th_counts, chan, json_integer(n));
}

/* Rows older than max_age go, once a minute at most. */
static void
hist_age(int force)
{
	sqlite3_stmt	*st;
	long long	 now = hist_now_ms();

	if (th_max_age <= 0 ||
	    (!force && now - hist.last_age_check < 60000))
		return;
	hist.last_age_check = now;
	if (sqlite3_prepare_v2(hist.db, "DELETE FROM msg WHERE ts < ?", -1,
	    &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, now - th_max_age);
	if (sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(hist.db) > 0) {
		hist_expired += sqlite3_changes(hist.db);
		json_decref(th_counts);		/* counted again */
		th_counts = NULL;
	}
	sqlite3_finalize(st);
}

/* The rows of a batch, in one transaction, then retention. */
static void
hist_write(struct hist_job *batch)
{
	sqlite3_stmt	*st;
	struct hist_job	*j;
	json_t		*chans;
	const char	*chan;
	json_t		*v;
	uint64_t	 n = 0, bad = 0;

	if (hist_exec("BEGIN;") == -1) {
		for (j = batch; j != NULL; j = j->next)
			if (j->kind == HJ_ROW)
				bad++;
		hist_failed += bad;
		return;
	}
	if (sqlite3_prepare_v2(hist.db, "INSERT INTO msg (ts, kind, channel, "
	    "mud, user, visname, message, tmud, tuser, tvisname, tmessage, "
	    "plain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
	    NULL) != SQLITE_OK) {
		log_warnx("history: %s", sqlite3_errmsg(hist.db));
		hist_exec("ROLLBACK;");
		return;
	}
	chans = json_object();
	for (j = batch; j != NULL; j = j->next) {
		if (j->kind != HJ_ROW)
			continue;
		if (hist_insert(st, &j->row) == 0) {
			n++;
			if (j->row.channel != NULL)
				json_object_set_new(chans, j->row.channel,
				    json_integer(json_integer_value(
				    json_object_get(chans, j->row.channel)) + 1));
		} else
			bad++;
	}
	sqlite3_finalize(st);
	json_object_foreach(chans, chan, v)
		hist_trim(chan, json_integer_value(v));
	json_decref(chans);
	hist_age(0);
	if (hist_exec("COMMIT;") == -1) {
		hist_exec("ROLLBACK;");
		bad += n;
		n = 0;
	}
	hist_stored += n;
	hist_failed += bad;
	hist_batches++;
}

/*
 * A search string as an FTS5 expression: each word a quoted phrase (so no
 * word is taken as an operator or column), a trailing * kept as a prefix
 * search, all words required.
 */
char *
history_fts_query(const char *s)
{
	i3_buf		 b;
	const char	*p, *e;
	int		 prefix;

	i3_buf_init(&b);
	for (p = s; *p != '\0'; p = e) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		prefix = e > p && e[-1] == '*';
		if (b.len > 0)
			i3_buf_add(&b, " ", 1);
		i3_buf_add(&b, "\"", 1);
		for (; p < e - prefix; p++) {
			if (*p == '"')
				i3_buf_add(&b, "\"", 1);
			i3_buf_add(&b, p, 1);
		}
		i3_buf_add(&b, "\"", 1);
		if (prefix)
			i3_buf_add(&b, "*", 1);
	}
	if (b.len == 0) {
		i3_buf_free(&b);
		return (NULL);
	}
	i3_buf_add(&b, "", 1);
	return (b.data);
}

static void
hist_addstr(i3_buf *b, const char *s)
{
	i3_buf_add(b, s, strlen(s));
}

static json_t *
hist_col(sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	return (s != NULL ? json_string(s) : json_null());
}

static json_t *
hist_row_json(sqlite3_stmt *st)
{
	long long	 ts = sqlite3_column_int64(st, 1);
	time_t		 sec = ts / 1000;
	struct tm	 tm;
	char		 buf[40], stamp[48];
	const char	*kind = (const char *)sqlite3_column_text(st, 2);
	json_t		*o;

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp, sizeof stamp, "%s.%03lldZ", buf, ts % 1000);
	o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
	    (json_int_t)sqlite3_column_int64(st, 0), "timestamp", stamp,
	    "type", kind, "channel", hist_col(st, 3), "mud", hist_col(st, 4),
	    "user", hist_col(st, 5), "visname", hist_col(st, 6), "message",
	    hist_col(st, 7));
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		json_object_set_new(o, "target_mud", hist_col(st, 8));
		json_object_set_new(o, "target_user", hist_col(st, 9));
	}
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		json_object_set_new(o, "target_visname", hist_col(st, 10));
	if (sqlite3_column_type(st, 11) != SQLITE_NULL)
		json_object_set_new(o, "message_target", hist_col(st, 11));
	return (o);
}

/* Does one of the rules (as_user's ignores) match this row's sender? */
static int
hist_hidden(const json_t *rules, sqlite3_stmt *st)
{
	const char	*chan = (const char *)sqlite3_column_text(st, 3);
	const char	*rc;
	const json_t	*r;
	char		*who, *p;
	size_t		 i;
	int		 hit = 0;

	xasprintf(&who, "%s@%s", (const char *)sqlite3_column_text(st, 5),
	    (const char *)sqlite3_column_text(st, 4));
	for (p = who; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	json_array_foreach(rules, i, r) {
		rc = json_string_value(json_array_get(r, 1));
		if (rc != NULL && (chan == NULL || strcasecmp(rc, chan) != 0))
			continue;
		if (fnmatch(json_string_value(json_array_get(r, 0)), who,
		    0) == 0) {
			hit = 1;
			break;
		}
	}
	free(who);
	return (hit);
}

static void
hist_query_run(struct hist_query *q)
{
	sqlite3_stmt	*st;
	i3_buf		 sql;
	json_t		*list;
	int		 n = 0, i = 1, rc, more = 0;
	const char	*order = q->after_id >= 0 ? "ASC" : "DESC";
	char		 tail[96];

	i3_buf_init(&sql);
	hist_addstr(&sql, "SELECT id, ts, kind, channel, mud, user, visname, "
	    "message, tmud, tuser, tvisname, tmessage FROM msg WHERE 1");
	if (q->channel != NULL)
		hist_addstr(&sql, " AND channel = ?1");
	else if (!q->tells)
		hist_addstr(&sql, " AND channel IS NOT NULL");
	else
		hist_addstr(&sql, " AND channel IS NULL");
	if (q->since >= 0)
		hist_addstr(&sql, " AND ts >= ?2");
	if (q->until >= 0)
		hist_addstr(&sql, " AND ts < ?3");
	if (q->before_id >= 0)
		hist_addstr(&sql, " AND id < ?4");
	if (q->after_id >= 0)
		hist_addstr(&sql, " AND id > ?5");
	if (q->user != NULL)
		hist_addstr(&sql, " AND user = ?6 COLLATE NOCASE");
	if (q->mud != NULL)
		hist_addstr(&sql, " AND mud = ?7 COLLATE NOCASE");
	if (q->search != NULL)
		hist_addstr(&sql, " AND id IN (SELECT rowid FROM msg_fts "
		    "WHERE msg_fts MATCH ?8)");
	/* With rules to hide by, rows are read until enough pass. */
	if (q->hide != NULL)
		snprintf(tail, sizeof tail, " ORDER BY id %s", order);
	else
		snprintf(tail, sizeof tail, " ORDER BY id %s LIMIT %ld", order,
		    q->limit + 1);
	hist_addstr(&sql, tail);
	i3_buf_add(&sql, "", 1);
	rc = sqlite3_prepare_v2(hist.db, sql.data, -1, &st, NULL);
	i3_buf_free(&sql);
	if (rc != SQLITE_OK) {
		snprintf(q->error, sizeof q->error, "history: %s",
		    sqlite3_errmsg(hist.db));
		return;
	}
	hist_bind_text(st, 1, q->channel);
	sqlite3_bind_int64(st, 2, q->since);
	sqlite3_bind_int64(st, 3, q->until);
	sqlite3_bind_int64(st, 4, q->before_id);
	sqlite3_bind_int64(st, 5, q->after_id);
	hist_bind_text(st, 6, q->user);
	hist_bind_text(st, 7, q->mud);
	hist_bind_text(st, 8, q->search);
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (q->hide != NULL && hist_hidden(q->hide, st))
			continue;
		if (n++ == q->limit) {
			more = 1;
			break;
		}
		json_array_append_new(list, hist_row_json(st));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		/* A bad FTS5 expression shows here, at the first step. */
		snprintf(q->error, sizeof q->error, "history: %s",
		    sqlite3_errmsg(hist.db));
		sqlite3_finalize(st);
		json_decref(list);
		return;
	}
	sqlite3_finalize(st);
	/* Oldest first, whichever way the rows were read. */
	if (q->after_id < 0) {
		json_t	*rev = json_array();

		for (i = (int)json_array_size(list) - 1; i >= 0; i--)
			json_array_append(rev, json_array_get(list, i));
		json_decref(list);
		list = rev;
	}
	q->result = json_pack("{s:o, s:b}", "messages", list, "more", more);
	hist_queries++;
}

static void *
hist_main(void *arg)
{
	struct hist_job	*batch, *j, *next, *dhead, *dtail;
	struct timespec	 due;
	int		 stop = 0;
	char		 c = 1;

	/* Below the event loop: when the CPUs are busy, the loop goes first. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) == -1)
		log_debug("history: setpriority: %s", strerror(errno));
	pthread_mutex_lock(&hist.lock);
	th_max_age = hist.max_age;
	th_max_count = hist.max_count;
	pthread_mutex_unlock(&hist.lock);
	hist_age(1);
	pthread_mutex_lock(&hist.lock);
	while (!stop) {
		hist.idle = 1;
		while (hist.todo.head == NULL)
			pthread_cond_wait(&hist.cond, &hist.lock);
		hist.idle = 0;
		/* Rows alone: wait for more, up to HIST_BATCH_MS. */
		clock_gettime(CLOCK_REALTIME, &due);
		due.tv_nsec += HIST_BATCH_MS * 1000000L;
		if (due.tv_nsec >= 1000000000L) {
			due.tv_sec++;
			due.tv_nsec -= 1000000000L;
		}
		while (!hist.urgent && hist.todo.len < HIST_BATCH_ROWS) {
			if (pthread_cond_timedwait(&hist.cond, &hist.lock,
			    &due) == ETIMEDOUT)
				break;
		}
		hist.urgent = 0;
		batch = hist.todo.head;
		th_max_age = hist.max_age;
		th_max_count = hist.max_count;
		hist.todo.head = hist.todo.tail = NULL;
		hist.todo.len = 0;
		pthread_mutex_unlock(&hist.lock);

		/* Rows first (queued before any query of this batch). */
		hist_write(batch);
		dhead = dtail = NULL;
		for (j = batch; j != NULL; j = next) {
			next = j->next;
			if (j->kind == HJ_ROW) {
				hist_queued--;
				hist_row_free(&j->row);
				free(j);
				continue;
			}
			if (j->kind == HJ_STOP) {
				stop = 1;
				free(j);
				continue;
			}
			hist_query_run(&j->q);
			j->next = NULL;
			if (dtail != NULL)
				dtail->next = j;
			else
				dhead = j;
			dtail = j;
		}
		pthread_mutex_lock(&hist.lock);
		for (j = dhead; j != NULL; j = next) {
			next = j->next;
			hist_fifo_push(&hist.done, j);
		}
		if (dhead != NULL && write(hist.pipe[1], &c, 1) == -1 &&
		    errno != EAGAIN)
			log_warn("history: pipe");
	}
	pthread_mutex_unlock(&hist.lock);
	return (NULL);
}

/* ------------------------------------------------------ back in the loop */

/* "[chan] text" as an event would carry it, in the profile asked for. */
static void
hist_text(json_t *m, int profile)
{
	json_t		*named;
	const char	*type = json_string_value(json_object_get(m, "type"));
	const char	*method;
	char		*text, *out;
	size_t		 len;

	named = json_pack("{s:s, s:O, s:O, s:O, s:O?, s:O?}", "type",
	    strcmp(type, "targeted") == 0 ? "channel-t" :
	    strcmp(type, "emote") == 0 ? "channel-e" : "channel-m",
	    "channel", json_object_get(m, "channel"), "originator_mud",
	    json_object_get(m, "mud"), "originator_user",
	    json_object_get(m, "user"), "visname",
	    json_object_get(m, "visname"), "orig_visname",
	    json_object_get(m, "visname"));
	if (named == NULL)
		return;
	json_object_set(named, strcmp(type, "targeted") == 0 ?
	    "message_others" : "message", json_object_get(m, "message"));
	if (strcmp(type, "targeted") == 0) {
		json_object_set(named, "targ_mud",
		    json_object_get(m, "target_mud"));
		json_object_set(named, "targ_user",
		    json_object_get(m, "target_user"));
		json_object_set(named, "targ_visname",
		    json_object_get(m, "target_visname"));
	}
	if (json_is_null(json_object_get(m, "channel")))
		xasprintf(&text, "%s@%s: %s", json_string_value(
		    json_object_get(m, "user")), json_string_value(
		    json_object_get(m, "mud")), json_string_value(
		    json_object_get(m, "message")));
	else
		text = svc_channel_text(named, &method);
	json_decref(named);
	if (profile != I3_COLOUR_NONE &&
	    (out = i3_colour_render(text, strlen(text), profile, &len,
	    NULL)) != NULL) {
		free(text);
		text = out;
	}
	json_object_set_new(m, "text", json_string(text));
	free(text);
	/* The names the Python and JavaScript gateways' clients read. */
	json_object_set(m, "from_mud", json_object_get(m, "mud"));
	json_object_set(m, "from_user", json_object_get(m, "user"));
}

static void
hist_answer(struct hist_job *j)
{
	struct hist_query	*q = &j->q;
	struct rpc_error	 re;
	struct client		*cl;
	json_t			*list, *m, *result;
	size_t			 i;

	if ((cl = client_find(q->client)) == NULL)
		return;
	if (q->result == NULL) {
		memset(&re, 0, sizeof re);
		re.code = q->error[0] != '\0' && strstr(q->error, "fts5") !=
		    NULL ? I3_RPC_PARAMS : I3_RPC_INTERNAL;
		snprintf(re.message, sizeof re.message, "%s", q->error);
		gw.rpc_errors++;
		rpc_respond(cl, q->rpc_id, NULL, &re);
		return;
	}
	result = q->result;
	q->result = NULL;
	list = json_object_get(result, "messages");
	json_array_foreach(list, i, m)
		hist_text(m, q->profile);
	if (q->channel != NULL)
		json_object_set_new(result, "channel",
		    json_string(q->channel));
	json_object_set_new(result, "count",
	    json_integer(json_array_size(list)));
	json_object_set_new(result, "first_id", json_array_size(list) > 0 ?
	    json_incref(json_object_get(json_array_get(list, 0), "id")) :
	    json_null());
	json_object_set_new(result, "last_id", json_array_size(list) > 0 ?
	    json_incref(json_object_get(json_array_get(list,
	    json_array_size(list) - 1), "id")) : json_null());
	rpc_respond(cl, q->rpc_id, result, NULL);
}

static void
hist_readable(int fd, int what, void *arg)
{
	struct hist_job	*j, *list;
	char		 buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&hist.lock);
	list = hist.done.head;
	hist.done.head = hist.done.tail = NULL;
	hist.done.len = 0;
	pthread_mutex_unlock(&hist.lock);
	while ((j = list) != NULL) {
		list = j->next;
		hist_answer(j);
		hist_query_free(&j->q);
		free(j);
	}
}

/* ------------------------------------------------------------- methods */

/* A time: seconds since the epoch, ISO 8601 UTC, or a duration ago. */
static int
hist_time(const json_t *params, const char *key, long long *out,
    struct rpc_error *re)
{
	const json_t	*v = json_object_get(params, key);
	const char	*s;
	struct tm	 tm;
	char		*end;
	long		 ms, frac = 0;
	int		 ok;

	*out = -1;
	if (v == NULL || json_is_null(v))
		return (0);
	if (json_is_number(v)) {
		*out = (long long)(json_number_value(v) * 1000);
		return (0);
	}
	if (!json_is_string(v))
		goto bad;
	s = json_string_value(v);
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL ||
	    (end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) != NULL) {
		if (*end == '.') {
			ms = strtol(end + 1, &end, 10);
			frac = ms;
		}
		if (*end == 'Z')
			end++;
		if (*end != '\0')
			goto bad;
		*out = (long long)timegm(&tm) * 1000 + frac % 1000;
		return (0);
	}
	ms = config_duration(s, &ok);
	if (ok && ms >= 0) {
		*out = hist_now_ms() - ms;
		return (0);
	}
bad:
	return (rpc_fail(re, I3_RPC_PARAMS, "parameter %s: seconds since the "
	    "epoch, an ISO 8601 UTC time or a duration ago (2h, 30m)", key));
}

static int
hist_id(const json_t *params, const char *key, long long *out,
    struct rpc_error *re)
{
	json_int_t	v = -1;

	if (rpc_int(params, key, 0, &v, re) == -1)
		return (-1);
	if (json_object_get(params, key) != NULL && v < 0)
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter %s: an id >= 0",
		    key));
	*out = v;
	return (0);
}

static int
hist_request(struct request *rq, int need_channel)
{
	struct client		*cl = rq->cl;
	const json_t		*params = rq->params;
	struct rpc_error	*re = &rq->err;
	struct hist_job		*j;
	struct hist_query	*q;
	const char		*chan, *user, *mud, *search, *at, *prof;
	json_int_t		 limit = 50;
	int			 tells;

	if (!hist.on)
		return (rpc_fail(re, I3_RPC_UNAVAILABLE, "history is off "
		    "([history] store = no)"));
	if (rpc_str(params, "channel", need_channel, &chan, re) == -1 ||
	    rpc_str(params, "user", 0, &user, re) == -1 ||
	    rpc_str(params, "mud", 0, &mud, re) == -1 ||
	    rpc_str(params, "search", !need_channel, &search, re) == -1 ||
	    rpc_int(params, "limit", 0, &limit, re) == -1)
		return (-1);
	if (limit < 1 || limit > 1000)
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter limit: 1 to "
		    "1000"));
	tells = json_is_true(json_object_get(params, "tells"));
	j = xcalloc(1, sizeof *j);
	j->kind = HJ_QUERY;
	q = &j->q;
	q->limit = limit;
	if (hist_time(params, "since", &q->since, re) == -1 ||
	    hist_time(params, "until", &q->until, re) == -1 ||
	    hist_id(params, "before_id", &q->before_id, re) == -1 ||
	    hist_id(params, "after_id", &q->after_id, re) == -1) {
		free(j);
		return (-1);
	}
	if (q->before_id >= 0 && q->after_id >= 0) {
		free(j);
		return (rpc_fail(re, I3_RPC_PARAMS, "before_id and after_id: "
		    "one or the other"));
	}
	q->channel = hist_dup(chan);
	/* user "bob@Some": the user and the MUD. */
	if (user != NULL && (at = strchr(user, '@')) != NULL) {
		q->user = xstrndup(user, at - user);
		if (mud == NULL && at[1] != '\0')
			mud = at + 1;
		if (q->user[0] == '\0') {
			free(q->user);
			q->user = NULL;
		}
	} else
		q->user = hist_dup(user);
	q->mud = hist_dup(mud);
	if (search != NULL)
		q->search = history_fts_query(search);
	q->tells = tells && chan == NULL;
	/* as_user: without what that local user ignores. */
	if (rpc_str(params, "as_user", 0, &at, re) == -1) {
		hist_query_free(q);
		free(j);
		return (-1);
	}
	if (at != NULL && *at != '\0')
		q->hide = moderation_user_rules(at);
	q->client = cl->id;
	q->rpc_id = json_incref(rq->id);
	/* The client's profile, or the one asked for. */
	q->profile = cl->render;
	if (rpc_str(params, "colour", 0, &prof, re) == -1 ||
	    (prof == NULL && rpc_str(params, "render", 0, &prof, re) == -1)) {
		hist_query_free(q);
		free(j);
		return (-1);
	}
	if (prof != NULL && (q->profile = i3_colour_profile(prof)) == -1) {
		hist_query_free(q);
		free(j);
		return (rpc_fail(re, I3_RPC_PARAMS, "unknown colour profile %s",
		    prof));
	}
	if (q->rpc_id == NULL) {
		/* A notification: nobody to answer. */
		hist_query_free(q);
		free(j);
		return (0);
	}
	hist_submit(j, 0);
	return (RPC_DEFER);
}

static int
rpc_channel_history(struct request *rq)
{
	return (hist_request(rq, 1));
}

static int
rpc_history_search(struct request *rq)
{
	return (hist_request(rq, 0));
}

const struct svc svc_history = {
	.name = "history",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "channel_history", rpc_channel_history, API_P_CHANNEL, 0,
		    "channel [limit] [before_id] [after_id] [since] [until] "
		    "[user] [mud] [search] [colour] [as_user]",
		    "what was said on a channel, from the gateway's store" },
		{ "history_search", rpc_history_search, API_P_CHANNEL, 0,
		    "search [channel] [tells] [limit] [before_id] [after_id] "
		    "[since] [until] [user] [mud] [colour] [as_user]",
		    "channel_history across channels, or stored tells" },
		{ NULL, NULL, 0, 0, NULL, NULL }
	},
};

/* Counters for stats and /metrics. */
void
history_stats(json_t *o)
{
	json_object_set_new(o, "history", json_pack("{s:b, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I}", "on", hist.on, "stored",
	    (json_int_t)hist_stored, "dropped", (json_int_t)hist_dropped,
	    "expired", (json_int_t)hist_expired, "failed",
	    (json_int_t)hist_failed, "batches", (json_int_t)hist_batches,
	    "queries", (json_int_t)hist_queries, "queued",
	    (json_int_t)hist_queued));
}
