/* sqlite.c - the SQLite driver behind db.h. */
#include "core/alloc.h"
#include "core/error.h"
#include "store/driver.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Statements run by wg_db_exec and wg_db_text_index are kept prepared, most
 * recent few: the writer runs SAVEPOINT and RELEASE around every job, and
 * sqlite3_exec would parse them each time (2 us against 0.25 us per job,
 * measured); a report indexes its text with two more. */
#define EXEC_CACHE 12

struct exec_entry {
	char *sql; /* key, owned */
	sqlite3_stmt *st;
};

/* A full-text write kept for the end of the store's batch: the index and
 * column names and the values, copied into one block. */
struct text_write {
	char *block; /* owns every string below */
	const char *index;
	int64_t rowid;
	const char *columns[WG_DB_TEXT_COLUMNS_MAX];
	const char *values[WG_DB_TEXT_COLUMNS_MAX];
	size_t n;
};

struct sqlite_db {
	struct wg_db base;
	sqlite3 *conn;
	struct exec_entry cache[EXEC_CACHE];
	unsigned victim; /* next slot to replace */
	long wal_frames; /* after the last commit, once the store checkpoints */
	bool defer_text;
	struct text_write *texts;
	size_t ntexts, texts_cap;
	char text_table[64]; /* the last index found to exist, "" for none */
	bool committing;     /* the commit hook ran in the statement being stepped */
};

struct sqlite_stmt {
	struct wg_stmt base;
	sqlite3_stmt *st;
};

/* Commits by every connection of this process, each counted once its
 * statement has returned, so durable and visible to a snapshot begun
 * after: readers that keep a snapshot across requests take a new one
 * when this moved (store.c). */
static _Atomic uint64_t commits;

static int note_commit(void *arg)
{
	((struct sqlite_db *)arg)->committing = true;
	return 0; /* 0: let the commit go on */
}

static void count_commit(struct sqlite_db *d)
{
	if (d->committing) {
		d->committing = false;
		atomic_fetch_add_explicit(&commits, 1, memory_order_release);
	}
}

uint64_t wg__sqlite_commits(void)
{
	return atomic_load_explicit(&commits, memory_order_acquire);
}

static sqlite3 *conn_of(const wg_db *db)
{
	return ((const struct sqlite_db *)db)->conn;
}

static sqlite3_stmt *stmt_of(wg_stmt *st)
{
	return ((struct sqlite_stmt *)st)->st;
}

/* Unique and foreign-key violations are the caller's business (a duplicate
 * key, a missing parent: 409); every other failure means the store itself
 * is in trouble. Needs extended result codes, which open turns on. */
static int map_error(wg_db *db, int rc)
{
	wg__db_set_error(db, "%s", sqlite3_errmsg(conn_of(db)));
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_FOREIGNKEY: return WG_ECONFLICT;
	default: return (rc & 0xff) == SQLITE_NOMEM ? WG_ENOMEM : WG_ESTORE;
	}
}

/* mkdir -p for the folder holding path, so that a fresh install can point
 * at var/wangge.db without preparing var/ first. */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = wg_strndup(path, (size_t)(slash - path));
	if (!dir)
		return WG_ENOMEM;
	int rc = 0;
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			if (err && errlen)
				snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			rc = WG_ESTORE;
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	wg_free(dir);
	return rc;
}

static void drop_texts(struct sqlite_db *d, size_t keep)
{
	while (d->ntexts > keep)
		wg_free(d->texts[--d->ntexts].block);
}

static void sqlite_close(wg_db *db)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	drop_texts(d, 0);
	wg_free(d->texts);
	for (unsigned i = 0; i < EXEC_CACHE; i++) {
		sqlite3_finalize(d->cache[i].st);
		wg_free(d->cache[i].sql);
	}
	sqlite3_close(d->conn);
	wg_free(d);
}

/* Run a prepared statement to its end, ignoring rows (PRAGMAs return some),
 * and leave it reset so that it holds no lock or snapshot. */
static int run_to_end(wg_db *db, sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	count_commit((struct sqlite_db *)db);
	int result = rc == SQLITE_DONE ? 0 : map_error(db, rc);
	sqlite3_reset(st);
	return result;
}

/* Whether the text after a statement holds no other one (the same rule as
 * pg.c's rewriter: blanks, semicolons and comments only). */
static bool only_blanks(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			s += strcspn(s, "\n");
		} else if (s[0] == '/' && s[1] == '*') {
			const char *end = strstr(s + 2, "*/");
			if (!end)
				return false;
			s = end + 2;
		} else {
			return *s == '\0';
		}
	}
}

/* The cached statement of sql, or NULL. */
static sqlite3_stmt *cache_find(struct sqlite_db *d, const char *sql)
{
	for (unsigned i = 0; i < EXEC_CACHE; i++)
		if (d->cache[i].sql && strcmp(d->cache[i].sql, sql) == 0)
			return d->cache[i].st;
	return NULL;
}

/* Keep st, prepared from sql, in place of the oldest entry. Without memory
 * for the key st is finalized: the statement has run, only the cache goes
 * without. */
static void cache_put(struct sqlite_db *d, const char *sql, sqlite3_stmt *st)
{
	char *key = wg_strdup(sql);
	if (!key) {
		sqlite3_finalize(st);
		return;
	}
	struct exec_entry *e = &d->cache[d->victim];
	d->victim = (d->victim + 1) % EXEC_CACHE;
	sqlite3_finalize(e->st);
	wg_free(e->sql);
	*e = (struct exec_entry){key, st};
}

static int sqlite_exec(wg_db *db, const char *sql)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	sqlite3_stmt *cached = cache_find(d, sql);
	if (cached)
		return run_to_end(db, cached);
	sqlite3_stmt *st;
	const char *tail;
	int rc = sqlite3_prepare_v2(d->conn, sql, -1, &st, &tail);
	if (rc != SQLITE_OK)
		return map_error(db, rc);
	if (!st)
		return 0; /* nothing but blanks and comments */
	if (!only_blanks(tail)) {
		/* Several statements (a migration): run them once, uncached. */
		sqlite3_finalize(st);
		rc = sqlite3_exec(d->conn, sql, NULL, NULL, NULL);
		count_commit(d);
		return rc == SQLITE_OK ? 0 : map_error(db, rc);
	}
	rc = run_to_end(db, st);
	cache_put(d, sql, st);
	return rc;
}

/* Both pragmas answer "ok" / no rows when all is well; the first row
 * otherwise describes the first problem. */
static int check_pragma(wg_db *db, const char *sql, bool ok_row, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(conn_of(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = map_error(db, rc);
		wg__db_copy_error(err, errlen, db->errmsg);
		return rc;
	}
	rc = sqlite3_step(st);
	int result = 0;
	if (rc == SQLITE_ROW) {
		const char *first = (const char *)sqlite3_column_text(st, 0);
		if (!ok_row || !first || strcmp(first, "ok") != 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", sql, first ? first : "(null)");
			result = WG_ESTORE;
		}
	} else if (rc != SQLITE_DONE) {
		result = map_error(db, rc);
		wg__db_copy_error(err, errlen, db->errmsg);
	}
	sqlite3_finalize(st);
	return result;
}

static int sqlite_integrity_check(wg_db *db, char *err, size_t errlen)
{
	int rc = check_pragma(db, "PRAGMA integrity_check", true, err, errlen);
	return rc ? rc : check_pragma(db, "PRAGMA foreign_key_check", false, err, errlen);
}

static int sqlite_reconnect(wg_db *db)
{
	(void)db;
	return 0;
}

static bool sqlite_in_transaction(const wg_db *db)
{
	return !sqlite3_get_autocommit(conn_of(db));
}

static int sqlite_prepare(wg_db *db, const char *sql, wg_stmt **out)
{
	struct sqlite_stmt *s = wg_malloc(sizeof *s);
	if (!s) {
		wg__db_set_error(db, "out of memory");
		return WG_ENOMEM;
	}
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(conn_of(db), sql, -1, &s->st, &tail);
	if (rc != SQLITE_OK) {
		wg_free(s);
		return map_error(db, rc);
	}
	/* sqlite3_prepare silently ignores a second statement; PostgreSQL
	 * refuses it, so refuse it here too. An empty string prepares nothing. */
	if (!s->st || !only_blanks(tail)) {
		sqlite3_finalize(s->st);
		wg_free(s);
		wg__db_set_error(db, "prepare takes exactly one statement");
		return WG_EINTERNAL;
	}
	s->base = (struct wg_stmt){.db = db, .nparams = sqlite3_bind_parameter_count(s->st)};
	*out = &s->base;
	return 0;
}

static int bind_result(wg_stmt *st, int rc)
{
	return rc == SQLITE_OK ? 0 : map_error(st->db, rc);
}

static int sqlite_bind_int(wg_stmt *st, int idx, int64_t v)
{
	return bind_result(st, sqlite3_bind_int64(stmt_of(st), idx, v));
}

static int sqlite_bind_text(wg_stmt *st, int idx, const char *s, size_t len)
{
	return bind_result(st, sqlite3_bind_text64(stmt_of(st), idx, s, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sqlite_bind_null(wg_stmt *st, int idx)
{
	return bind_result(st, sqlite3_bind_null(stmt_of(st), idx));
}

static int sqlite_step(wg_stmt *st)
{
	sqlite3_stmt *s = stmt_of(st);
	int rc = sqlite3_step(s);
	count_commit((struct sqlite_db *)st->db);
	if (rc == SQLITE_ROW)
		return WG_DB_ROW;
	if (rc == SQLITE_DONE) {
		/* sqlite3_changes64 keeps the count of the last writing statement,
		 * so a SELECT must not report it as its own. */
		st->changes = sqlite3_stmt_readonly(s) ? 0 : sqlite3_changes64(conn_of(st->db));
		return WG_DB_DONE;
	}
	return map_error(st->db, rc);
}

static bool sqlite_is_null(wg_stmt *st, int col)
{
	return sqlite3_column_type(stmt_of(st), col) == SQLITE_NULL;
}

static int64_t sqlite_get_int(wg_stmt *st, int col)
{
	return sqlite3_column_int64(stmt_of(st), col);
}

/* The stored double itself: reading it as text would cost SQLite a
 * printf and the caller a strtod. */
static double sqlite_get_double(wg_stmt *st, int col)
{
	return sqlite3_column_double(stmt_of(st), col);
}

static const char *sqlite_get_text(wg_stmt *st, int col, size_t *len)
{
	sqlite3_stmt *s = stmt_of(st);
	const char *text = (const char *)sqlite3_column_text(s, col);
	if (len)
		*len = text ? (size_t)sqlite3_column_bytes(s, col) : 0;
	return text;
}

static int sqlite_columns(wg_stmt *st)
{
	return sqlite3_column_count(stmt_of(st));
}

static void sqlite_reset(wg_stmt *st)
{
	sqlite3_reset(stmt_of(st));
}

static void sqlite_finalize(wg_stmt *st)
{
	sqlite3_finalize(stmt_of(st));
	wg_free(st);
}

/* One statement of wg_db_text_index: rowid bound first, then the values.
 * The SQL depends on the names only, so its statement is kept with those
 * of wg_db_exec. The values are bound without a copy: the statement is
 * reset (and forgets them) before this returns. */
static int run_text_sql(wg_db *db, const char *sql, int64_t rowid, const char *const *values, size_t n)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	sqlite3_stmt *st = cache_find(d, sql);
	bool cached = st != NULL;
	int rc = cached ? SQLITE_OK : sqlite3_prepare_v2(d->conn, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map_error(db, rc);
	rc = sqlite3_bind_int64(st, 1, rowid);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = values[i] ? sqlite3_bind_text64(st, (int)i + 2, values[i], strlen(values[i]),
		                                     SQLITE_STATIC, SQLITE_UTF8)
		               : sqlite3_bind_null(st, (int)i + 2);
	int result = rc == SQLITE_OK ? run_to_end(db, st) : map_error(db, rc);
	sqlite3_clear_bindings(st);
	if (!cached)
		cache_put(d, sql, st);
	return result;
}

/* An FTS5 table keeps its own copy of the text: replacing a row's text is
 * deleting the old row (none the first time) and inserting the new. */
static int write_text(wg_db *db, const char *index, int64_t rowid, const char *const *columns,
                      const char *const *values, size_t n)
{
	/* Names are at most 63 bytes and n at most WG_DB_TEXT_COLUMNS_MAX
	 * (db.c checked), so both statements fit. */
	char sql[128 + WG_DB_TEXT_COLUMNS_MAX * 72];
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE rowid = ?", index);
	int rc = run_text_sql(db, sql, rowid, NULL, 0);
	if (rc)
		return rc;
	size_t len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (rowid", index);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", %s", columns[i]);
	len += (size_t)snprintf(sql + len, sizeof sql - len, ") VALUES (?");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", ?");
	snprintf(sql + len, sizeof sql - len, ")");
	return run_text_sql(db, sql, rowid, values, n);
}

/* Whether the index exists, so that a misnamed one fails its own write
 * now and not, later, the whole batch. Names are at most 63 bytes (db.c). */
static int text_table_exists(struct sqlite_db *d, const char *index)
{
	if (strcmp(d->text_table, index) == 0)
		return 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(d->conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map_error(&d->base, rc);
	rc = sqlite3_bind_text(st, 1, index, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int result = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? WG_ESTORE : map_error(&d->base, rc);
	sqlite3_finalize(st);
	if (result == WG_ESTORE && rc == SQLITE_DONE)
		wg__db_set_error(&d->base, "no such table: %s", index);
	if (result == 0)
		snprintf(d->text_table, sizeof d->text_table, "%s", index);
	return result;
}

/* Copies a text write for wg__sqlite_text_flush. */
static int defer_text(struct sqlite_db *d, const char *index, int64_t rowid, const char *const *columns,
                      const char *const *values, size_t n)
{
	int rc = text_table_exists(d, index);
	if (rc)
		return rc;
	if (d->ntexts == d->texts_cap) {
		size_t cap = d->texts_cap ? 2 * d->texts_cap : 64;
		struct text_write *t = wg_realloc(d->texts, cap * sizeof *t);
		if (!t)
			return WG_ENOMEM;
		d->texts = t;
		d->texts_cap = cap;
	}
	size_t size = strlen(index) + 1;
	for (size_t i = 0; i < n; i++)
		size += strlen(columns[i]) + 1 + (values[i] ? strlen(values[i]) + 1 : 0);
	struct text_write *t = &d->texts[d->ntexts];
	*t = (struct text_write){.block = wg_malloc(size), .rowid = rowid, .n = n};
	if (!t->block)
		return WG_ENOMEM;
	char *p = t->block;
	size_t len = strlen(index) + 1;
	t->index = memcpy(p, index, len);
	p += len;
	for (size_t i = 0; i < n; i++) {
		len = strlen(columns[i]) + 1;
		t->columns[i] = memcpy(p, columns[i], len);
		p += len;
		if (!values[i])
			continue;
		len = strlen(values[i]) + 1;
		t->values[i] = memcpy(p, values[i], len);
		p += len;
	}
	d->ntexts++;
	return 0;
}

static int sqlite_text_index(wg_db *db, const char *index, int64_t rowid, const char *const *columns,
                             const char *const *values, size_t n)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	return d->defer_text ? defer_text(d, index, rowid, columns, values, n)
	                     : write_text(db, index, rowid, columns, values, n);
}

static const struct wg__db_ops sqlite_ops = {
	.name = "sqlite",
	/* IMMEDIATE takes the write lock up front, where the busy timeout
	 * applies; a deferred transaction upgrading later in WAL mode can fail
	 * with SQLITE_BUSY_SNAPSHOT without waiting. */
	.begin_sql = "BEGIN IMMEDIATE",
	.begin_read_sql = "BEGIN",
	.close = sqlite_close,
	.exec = sqlite_exec,
	.integrity_check = sqlite_integrity_check,
	.reconnect = sqlite_reconnect,
	.in_transaction = sqlite_in_transaction,
	.prepare = sqlite_prepare,
	.bind_int = sqlite_bind_int,
	.bind_text = sqlite_bind_text,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.is_null = sqlite_is_null,
	.get_int = sqlite_get_int,
	.get_double = sqlite_get_double,
	.get_text = sqlite_get_text,
	.columns = sqlite_columns,
	.reset = sqlite_reset,
	.finalize = sqlite_finalize,
	.text_index = sqlite_text_index,
};

/* ---- for the store: deferred full-text writes and checkpoints ----------- */

void wg__sqlite_defer_text(wg_db *db, bool on)
{
	((struct sqlite_db *)db)->defer_text = on;
}

size_t wg__sqlite_text_pending(const wg_db *db)
{
	return ((const struct sqlite_db *)db)->ntexts;
}

void wg__sqlite_text_drop(wg_db *db, size_t keep)
{
	drop_texts((struct sqlite_db *)db, keep);
}

int wg__sqlite_text_flush(wg_db *db)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	int rc = 0;
	for (size_t i = 0; !rc && i < d->ntexts; i++) {
		const struct text_write *t = &d->texts[i];
		rc = write_text(db, t->index, t->rowid, t->columns, t->values, t->n);
	}
	drop_texts(d, 0);
	return rc;
}

/* Replaces SQLite's own hook, which checkpoints in the committing thread
 * once the log passes 1,000 pages. */
static int note_wal_frames(void *arg, sqlite3 *conn, const char *name, int frames)
{
	(void)conn;
	(void)name;
	((struct sqlite_db *)arg)->wal_frames = frames;
	return SQLITE_OK;
}

void wg__sqlite_leave_checkpoints(wg_db *db)
{
	struct sqlite_db *d = (struct sqlite_db *)db;
	sqlite3_wal_hook(d->conn, note_wal_frames, d);
}

long wg__sqlite_wal_frames(const wg_db *db)
{
	return ((const struct sqlite_db *)db)->wal_frames;
}

int wg__sqlite_checkpoint(wg_db *db)
{
	int rc = sqlite3_wal_checkpoint_v2(conn_of(db), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	/* Busy: another checkpoint runs (a CLI's); the next signal retries. */
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : map_error(db, rc);
}

/* journal_mode=WAL quietly keeps the old mode where WAL is impossible (some
 * network file systems); readers would then block the writer, so say so. */
static int enable_wal(wg_db *db, const char *path)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(conn_of(db), "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map_error(db, rc);
	rc = sqlite3_step(st);
	int result = 0;
	if (rc != SQLITE_ROW) {
		result = map_error(db, rc);
	} else {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		const char *want = strcmp(path, ":memory:") == 0 ? "memory" : "wal";
		if (!mode || strcmp(mode, want) != 0) {
			wg__db_set_error(db, "journal_mode is %s, not WAL", mode ? mode : "unknown");
			result = WG_ESTORE;
		}
	}
	sqlite3_finalize(st);
	return result;
}

/* SQLite counts every allocation under one process-wide mutex for
 * sqlite3_memory_used(), which nothing here asks for: the loops' readers
 * and the writer would take turns on it for each statement. The setting
 * must precede the library's initialisation, hence once, before the first
 * open; should the library be initialised already, it is refused and
 * nothing changes. */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void configure_library(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int wg__sqlite_open(const char *path, int busy_timeout_ms, wg_db **out, char *err, size_t errlen)
{
	*out = NULL;
	pthread_once(&library_once, configure_library);
	int rc = strcmp(path, ":memory:") == 0 ? 0 : make_parent_dirs(path, err, errlen);
	if (rc)
		return rc;
	struct sqlite_db *db = wg_calloc(1, sizeof *db);
	if (!db)
		return WG_ENOMEM;
	db->base = (struct wg_db){.ops = &sqlite_ops, .kind = WG_DB_SQLITE};
	/* NOMUTEX: a connection is used by one thread at a time (db.h), so
	 * SQLite's per-connection lock would only cost time. */
	int src = sqlite3_open_v2(path, &db->conn,
	                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		if (err && errlen)
			snprintf(err, errlen, "cannot open %s: %s", path,
			         db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(src));
		sqlite3_close(db->conn);
		wg_free(db);
		return src == SQLITE_NOMEM ? WG_ENOMEM : WG_ESTORE;
	}
	sqlite3_extended_result_codes(db->conn, 1);
	sqlite3_commit_hook(db->conn, note_commit, db);
	if (busy_timeout_ms > 0)
		sqlite3_busy_timeout(db->conn, busy_timeout_ms);
	/* synchronous=FULL: a write is acknowledged only once the WAL is synced
	 * (group commit makes this cheap, DESIGN.md "Request execution"). */
	rc = enable_wal(&db->base, path);
	/* A page cache of 2 MB (the default) keeps little of a county's cases:
	 * each miss is a pread and a copy. The file is also read through a
	 * mapping (address space only; the kernel's page cache holds the
	 * pages), so that pages outside the cache cost no system call.
	 * temp_store=MEMORY keeps the statement journal of each write's
	 * savepoint in memory: by default past 64 KB it goes to a temporary
	 * file, one write() per page a report touches. */
	if (rc == 0)
		rc = sqlite_exec(&db->base, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
		                            "PRAGMA cache_size=-16384; PRAGMA mmap_size=1073741824; "
		                            "PRAGMA temp_store=MEMORY");
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "cannot set up %s: %s", path, db->base.errmsg);
		sqlite_close(&db->base);
		return rc;
	}
	*out = &db->base;
	return 0;
}
