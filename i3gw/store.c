/*
 * store.c: the SQLite state store: the state directory's lock, router
 * passwords and list ids (per MUD name and router), the learned router
 * list, the mudlist and chanlist caches.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "i3gw.h"

static sqlite3	*store_db;

static int	 store_lockfd = -1;

/* Credentials and list ids: one row per (our MUD name, router). */
static const char *store_schema =
    "CREATE TABLE IF NOT EXISTS creds ("
    " mud TEXT NOT NULL, router TEXT NOT NULL,"
    " password INTEGER NOT NULL DEFAULT 0,"
    " mudlist_id INTEGER NOT NULL DEFAULT 0,"
    " chanlist_id INTEGER NOT NULL DEFAULT 0,"
    " updated INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (mud, router));"
    "CREATE TABLE IF NOT EXISTS mudstate ("
    " mud TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (mud, name));"
    "CREATE TABLE IF NOT EXISTS listen ("
    " mud TEXT NOT NULL, channel TEXT NOT NULL,"
    " PRIMARY KEY (mud, channel));"
    "CREATE TABLE IF NOT EXISTS learned ("
    " pos INTEGER PRIMARY KEY, name TEXT NOT NULL, host TEXT NOT NULL,"
    " port INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS mud ("
    " router TEXT NOT NULL, name TEXT NOT NULL, info TEXT NOT NULL,"
    " PRIMARY KEY (router, name));"
    "CREATE TABLE IF NOT EXISTS chan ("
    " router TEXT NOT NULL, name TEXT NOT NULL, info TEXT NOT NULL,"
    " PRIMARY KEY (router, name));"
    "CREATE TABLE IF NOT EXISTS ignore ("
    " pattern TEXT NOT NULL, channel TEXT NOT NULL DEFAULT '',"
    " owner TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (pattern, channel, owner));"
    "CREATE TABLE IF NOT EXISTS ucache ("
    " mud TEXT NOT NULL, user TEXT NOT NULL, visname TEXT NOT NULL,"
    " gender INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " PRIMARY KEY (mud, user));"
    "CREATE TABLE IF NOT EXISTS sendq ("
    " seq INTEGER PRIMARY KEY, prio INTEGER NOT NULL, frame BLOB NOT NULL,"
    " deadline INTEGER NOT NULL, target TEXT);";

static int	store_exec(const char *);
static int	store_lock(const char *, char **);
static int	store_migrate(void);
static int	store_mkdirs(const char *);
static int	store_id_set(const char *, const char *, long long);
static json_t	*store_load(const char *, const char *);
static int	store_put(const char *, const char *, const char *,
		    const json_t *);

/* mkdir -p, the last component owner-only. */
static int
store_mkdirs(const char *dir)
{
	char	*p, *copy;

	copy = xstrdup(dir);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST) {
			free(copy);
			return (-1);
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

static int
store_exec(const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(store_db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("store: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

int
store_open(const char *dir, char **cause)
{
	struct stat	 st;
	char		*path;
	mode_t		 old;

	if (store_mkdirs(dir) == -1) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (stat(dir, &st) == -1) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (st.st_uid != geteuid()) {
		xasprintf(cause, "%s: not owned by us", dir);
		return (-1);
	}
	if (st.st_mode & 077) {
		if (chmod(dir, st.st_mode & 0700) == -1) {
			xasprintf(cause, "%s: %s", dir, strerror(errno));
			return (-1);
		}
	}
	if (store_lock(dir, cause) == -1)
		return (-1);
	xasprintf(&path, "%s/i3gw.db", dir);
	old = umask(077);
	if (sqlite3_open_v2(path, &store_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, store_db ?
		    sqlite3_errmsg(store_db) : "cannot open");
		umask(old);
		sqlite3_close(store_db);
		store_db = NULL;
		free(path);
		return (-1);
	}
	umask(old);
	chmod(path, 0600);
	free(path);
	sqlite3_busy_timeout(store_db, 2000);
	/*
	 * The journal in WAL mode with full syncs: a password committed is a
	 * password kept, whatever crashes after.  A small page cache: the
	 * store is tiny and memory matters more.
	 */
	if (store_exec("PRAGMA journal_mode=WAL;") == -1 ||
	    store_exec("PRAGMA synchronous=FULL;") == -1 ||
	    store_exec("PRAGMA cache_size=-256;") == -1 ||
	    store_exec(store_schema) == -1 || store_migrate() == -1) {
		xasprintf(cause, "%s: cannot set up the store", dir);
		sqlite3_close(store_db);
		store_db = NULL;
		return (-1);
	}
	return (0);
}

/*
 * The state directory belongs to one gateway: an exclusive lock on
 * DIR/i3gw.pid, which holds the holder's pid.  The lock (flock) goes with
 * the descriptor, so it survives daemon(); store_lock_pid() rewrites the
 * pid after detaching.
 */
static int
store_lock(const char *dir, char **cause)
{
	char	*path, buf[32];
	ssize_t	 n;
	long	 pid;

	xasprintf(&path, "%s/i3gw.pid", dir);
	if ((store_lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	if (flock(store_lockfd, LOCK_EX | LOCK_NB) == -1) {
		n = errno == EWOULDBLOCK ? pread(store_lockfd, buf,
		    sizeof buf - 1, 0) : -1;
		buf[n > 0 ? n : 0] = '\0';
		pid = strtol(buf, NULL, 10);
		if (errno == EWOULDBLOCK || n >= 0)
			xasprintf(cause, "%s is in use by another i3gw (pid "
			    "%ld): one state directory per gateway, see "
			    "--state-dir", dir, pid);
		else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		close(store_lockfd);
		store_lockfd = -1;
		free(path);
		return (-1);
	}
	free(path);
	store_lock_pid();
	return (0);
}

void
store_lock_pid(void)
{
	char	buf[32];
	int	len;

	if (store_lockfd == -1)
		return;
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(store_lockfd, 0) == -1 ||
	    pwrite(store_lockfd, buf, len, 0) != len)
		log_warn("state lock: cannot write the pid");
}

/*
 * Stores older than the creds table kept one row per router, whoever the
 * MUD: they are taken, once, as the credentials of the MUD starting now.
 */
static int
store_migrate(void)
{
	sqlite3_stmt	*st;
	int		 rc, old = 0;

	if (sqlite3_prepare_v2(store_db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'router'", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	old = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!old)
		return (0);
	if (sqlite3_prepare_v2(store_db, "INSERT OR IGNORE INTO creds "
	    "(mud, router, password, mudlist_id, chanlist_id, updated) "
	    "SELECT ?1, name, password, mudlist_id, chanlist_id, updated "
	    "FROM router", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || store_exec("DROP TABLE router;") == -1)
		return (-1);
	log_info("store: router passwords of an older store taken as %s's",
	    gw.conf->mud_name);
	return (0);
}

void
store_close(void)
{
	if (store_db != NULL) {
		sqlite3_close(store_db);
		store_db = NULL;
	}
}

int
store_begin(void)
{
	return (store_db ? store_exec("BEGIN IMMEDIATE;") : -1);
}

int
store_commit(void)
{
	return (store_db ? store_exec("COMMIT;") : -1);
}

int
store_router_get(const char *router, struct store_router *out)
{
	sqlite3_stmt	*st;
	int		 found = 0;

	memset(out, 0, sizeof *out);
	if (store_db == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, "SELECT password, mudlist_id, "
	    "chanlist_id FROM creds WHERE mud = ?1 AND router = ?2", -1, &st,
	    NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, router, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->password = sqlite3_column_int64(st, 0);
		out->mudlist_id = sqlite3_column_int64(st, 1);
		out->chanlist_id = sqlite3_column_int64(st, 2);
		found = 1;
	}
	sqlite3_finalize(st);
	return (found);
}

/*
 * Every credential the store holds, whatever the MUD name (i3gw doctor):
 * [{mud, router, password: bool, updated}], or NULL.
 */
json_t *
store_creds_list(void)
{
	sqlite3_stmt	*st;
	json_t		*a;
	int		 rc;

	if (store_db == NULL || sqlite3_prepare_v2(store_db, "SELECT mud, "
	    "router, password != 0, updated FROM creds ORDER BY mud, router",
	    -1, &st, NULL) != SQLITE_OK)
		return (NULL);
	a = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{sssssbsI}", "mud",
		    (const char *)sqlite3_column_text(st, 0), "router",
		    (const char *)sqlite3_column_text(st, 1), "password",
		    sqlite3_column_int(st, 2), "updated",
		    (json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

static int
store_id_set(const char *column, const char *router, long long v)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	xasprintf(&sql, "INSERT INTO creds (mud, router, %s, updated) "
	    "VALUES (?3, ?1, ?2, strftime('%%s','now')) ON CONFLICT(mud, "
	    "router) DO UPDATE SET %s = ?2, updated = strftime('%%s','now')",
	    column, column);
	rc = sqlite3_prepare_v2(store_db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		log_warnx("store: %s", sqlite3_errmsg(store_db));
		return (-1);
	}
	sqlite3_bind_text(st, 1, router, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, v);
	sqlite3_bind_text(st, 3, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("store: %s", sqlite3_errmsg(store_db));
		return (-1);
	}
	return (0);
}

/* One statement is one transaction: committed (and synced) on return. */
int
store_password_set(const char *router, long long password)
{
	return (store_id_set("password", router, password));
}

int
store_mudlist_id_set(const char *router, long long id)
{
	return (store_id_set("mudlist_id", router, id));
}

int
store_chanlist_id_set(const char *router, long long id)
{
	return (store_id_set("chanlist_id", router, id));
}

/* A piece of the MUD's own state (presence): JSON by name; NULL deletes. */
int
store_mudstate_set(const char *name, const json_t *v)
{
	sqlite3_stmt	*st;
	char		*text = NULL;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	if (v != NULL && (text = json_dumps(v, JSON_COMPACT)) == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, v != NULL ? "INSERT OR REPLACE INTO "
	    "mudstate (mud, name, value) VALUES (?1, ?2, ?3)" : "DELETE FROM "
	    "mudstate WHERE mud = ?1 AND name = ?2", -1, &st, NULL) !=
	    SQLITE_OK) {
		free(text);
		return (-1);
	}
	sqlite3_bind_text(st, 1, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (text != NULL)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
	return (rc == SQLITE_DONE ? 0 : -1);
}

json_t *
store_mudstate_get(const char *name)
{
	sqlite3_stmt	*st;
	const char	*text;
	json_t		*v = NULL;

	if (store_db == NULL || sqlite3_prepare_v2(store_db, "SELECT value "
	    "FROM mudstate WHERE mud = ?1 AND name = ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		return (NULL);
	sqlite3_bind_text(st, 1, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (text = (const char *)sqlite3_column_text(st, 0)) != NULL)
		v = json_loads(text, 0, NULL);
	sqlite3_finalize(st);
	return (v);
}

/* The MUD's listen set: a channel joined (on) or left. */
int
store_listen_set(const char *chan, int on)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, on ? "INSERT OR IGNORE INTO listen "
	    "(mud, channel) VALUES (?1, ?2)" : "DELETE FROM listen WHERE "
	    "mud = ?1 AND channel = ?2", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, chan, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The listen set as stored: channel -> true. */
json_t *
store_listen_load(void)
{
	sqlite3_stmt	*st;
	json_t		*o = json_object();
	const char	*chan;

	if (store_db == NULL || sqlite3_prepare_v2(store_db, "SELECT channel "
	    "FROM listen WHERE mud = ?", -1, &st, NULL) != SQLITE_OK)
		return (o);
	sqlite3_bind_text(st, 1, gw.conf->mud_name, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((chan = (const char *)sqlite3_column_text(st, 0)) != NULL)
			json_object_set_new(o, chan, json_true());
	}
	sqlite3_finalize(st);
	return (o);
}

/* The learned routers: [[name, host, port], ...] replacing the last. */
int
store_routers_set(const json_t *list)
{
	sqlite3_stmt	*st;
	json_t		*e;
	size_t		 i;
	int		 rc = 0;

	if (store_db == NULL || store_begin() == -1)
		return (-1);
	store_exec("DELETE FROM learned;");
	if (sqlite3_prepare_v2(store_db, "INSERT INTO learned (pos, name, "
	    "host, port) VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		store_exec("ROLLBACK;");
		return (-1);
	}
	json_array_foreach(list, i, e) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (long long)i);
		sqlite3_bind_text(st, 2, json_string_value(json_array_get(e,
		    0)), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, json_string_value(json_array_get(e,
		    1)), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, json_integer_value(json_array_get(e,
		    2)));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
	}
	sqlite3_finalize(st);
	if (store_commit() == -1)
		rc = -1;
	return (rc);
}

json_t *
store_routers_get(void)
{
	sqlite3_stmt	*st;
	json_t		*list = json_array();

	if (store_db == NULL)
		return (list);
	if (sqlite3_prepare_v2(store_db, "SELECT name, host, port FROM "
	    "learned ORDER BY pos", -1, &st, NULL) != SQLITE_OK)
		return (list);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, json_pack("[ssI]",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (json_int_t)sqlite3_column_int64(st, 2)));
	sqlite3_finalize(st);
	return (list);
}

static int
store_put(const char *table, const char *router, const char *name,
    const json_t *info)
{
	sqlite3_stmt	*st;
	char		*sql, *text = NULL;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	if (info == NULL)
		xasprintf(&sql, "DELETE FROM %s WHERE router = ?1 AND "
		    "name = ?2", table);
	else {
		xasprintf(&sql, "INSERT OR REPLACE INTO %s (router, name, "
		    "info) VALUES (?1, ?2, ?3)", table);
		text = json_dumps(info, JSON_COMPACT | JSON_ENCODE_ANY);
	}
	rc = sqlite3_prepare_v2(store_db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		free(text);
		return (-1);
	}
	sqlite3_bind_text(st, 1, router, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (text != NULL)
		sqlite3_bind_text(st, 3, text, -1, free);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

static json_t *
store_load(const char *table, const char *router)
{
	sqlite3_stmt	*st;
	json_t		*obj = json_object(), *v;
	char		*sql;

	if (store_db == NULL)
		return (obj);
	xasprintf(&sql, "SELECT name, info FROM %s WHERE router = ?", table);
	if (sqlite3_prepare_v2(store_db, sql, -1, &st, NULL) != SQLITE_OK) {
		free(sql);
		return (obj);
	}
	free(sql);
	sqlite3_bind_text(st, 1, router, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = json_loads((const char *)sqlite3_column_text(st, 1),
		    JSON_DECODE_ANY, NULL);
		if (v != NULL)
			json_object_set_new(obj,
			    (const char *)sqlite3_column_text(st, 0), v);
	}
	sqlite3_finalize(st);
	return (obj);
}

int
store_mud_put(const char *router, const char *mud, const json_t *info)
{
	return (store_put("mud", router, mud, info));
}

json_t *
store_mudlist_load(const char *router)
{
	return (store_load("mud", router));
}

int
store_chan_put(const char *router, const char *chan, const json_t *info)
{
	return (store_put("chan", router, chan, info));
}

int
store_chan_clear(const char *router)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, "DELETE FROM chan WHERE router = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, router, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

json_t *
store_chanlist_load(const char *router)
{
	return (store_load("chan", router));
}

/* The user cache: one entry (mud, lower-case user) -> (visname, gender). */
int
store_ucache_put(const char *mud, const char *user, const char *visname,
    long long gender)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, "INSERT OR REPLACE INTO ucache (mud, "
	    "user, visname, gender, updated) VALUES (?, ?, ?, ?, "
	    "strftime('%s','now'))", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, mud, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, visname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, gender);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* [[mud, user, visname, gender, updated]], entries of max_age s or newer. */
json_t *
store_ucache_load(long long max_age)
{
	sqlite3_stmt	*st;
	json_t		*list = json_array();

	if (store_db == NULL)
		return (list);
	if (sqlite3_prepare_v2(store_db, "DELETE FROM ucache WHERE updated < "
	    "strftime('%s','now') - ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, max_age);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(store_db, "SELECT mud, user, visname, gender, "
	    "updated FROM ucache", -1, &st, NULL) != SQLITE_OK)
		return (list);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, json_pack("[s, s, s, I, I]",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (json_int_t)sqlite3_column_int64(st, 3),
		    (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_finalize(st);
	return (list);
}

/*
 * The send queue's frames waiting for a router (sendq.c): written in one
 * transaction per turn of the event loop, seq chosen by the caller.
 * deadline: wall-clock milliseconds.
 */
int
store_sendq_sync(const struct store_sendq_op *ops, size_t n)
{
	sqlite3_stmt	*ins = NULL, *del = NULL, *st;
	size_t		 i;
	int		 rc = 0;

	if (store_db == NULL || n == 0)
		return (store_db == NULL ? -1 : 0);
	if (sqlite3_prepare_v2(store_db, "INSERT OR REPLACE INTO sendq (seq, "
	    "prio, frame, deadline, target) VALUES (?, ?, ?, ?, ?)", -1, &ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_db, "DELETE FROM sendq WHERE seq = ?", -1,
	    &del, NULL) != SQLITE_OK) {
		sqlite3_finalize(ins);
		return (-1);
	}
	store_begin();
	for (i = 0; i < n; i++) {
		st = ops[i].frame != NULL ? ins : del;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ops[i].seq);
		if (ops[i].frame != NULL) {
			sqlite3_bind_int(st, 2, ops[i].prio);
			sqlite3_bind_blob(st, 3, ops[i].frame, (int)ops[i].len,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, ops[i].deadline);
			if (ops[i].target != NULL)
				sqlite3_bind_text(st, 5, ops[i].target, -1,
				    SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 5);
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
	}
	if (store_commit() == -1)
		rc = -1;
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	if (rc == -1)
		log_warnx("store: the send queue could not be written: %s",
		    sqlite3_errmsg(store_db));
	return (rc);
}

/* Every frame kept, in order, to fn. */
int
store_sendq_load(void (*fn)(const struct store_sendq_op *, void *), void *arg)
{
	struct store_sendq_op	 op;
	sqlite3_stmt		*st;

	if (store_db == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, "SELECT seq, prio, frame, deadline, "
	    "target FROM sendq ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		memset(&op, 0, sizeof op);
		op.seq = sqlite3_column_int64(st, 0);
		op.prio = sqlite3_column_int(st, 1);
		op.frame = sqlite3_column_blob(st, 2);
		op.len = (size_t)sqlite3_column_bytes(st, 2);
		op.deadline = sqlite3_column_int64(st, 3);
		op.target = (const char *)sqlite3_column_text(st, 4);
		if (op.frame != NULL && op.len > 5)
			fn(&op, arg);
	}
	sqlite3_finalize(st);
	return (0);
}

/* An ignore rule (moderation.c) kept (on) or forgotten; "" stands for none. */
int
store_ignore_put(const char *pattern, const char *channel, const char *owner,
    int on)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (store_db == NULL)
		return (-1);
	if (sqlite3_prepare_v2(store_db, on ? "INSERT OR REPLACE INTO ignore "
	    "(pattern, channel, owner) VALUES (?, ?, ?)" : "DELETE FROM ignore "
	    "WHERE pattern = ? AND channel = ? AND owner = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, channel != NULL ? channel : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, owner != NULL ? owner : "", -1,
	    SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* [[pattern, channel or null, owner or null]] in the order they came. */
json_t *
store_ignore_load(void)
{
	sqlite3_stmt	*st;
	json_t		*list = json_array();
	const char	*c, *o;

	if (store_db == NULL)
		return (list);
	if (sqlite3_prepare_v2(store_db, "SELECT pattern, channel, owner FROM "
	    "ignore ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return (list);
	while (sqlite3_step(st) == SQLITE_ROW) {
		c = (const char *)sqlite3_column_text(st, 1);
		o = (const char *)sqlite3_column_text(st, 2);
		json_array_append_new(list, json_pack("[s, s?, s?]",
		    (const char *)sqlite3_column_text(st, 0),
		    c != NULL && *c != '\0' ? c : NULL,
		    o != NULL && *o != '\0' ? o : NULL));
	}
	sqlite3_finalize(st);
	return (list);
}
