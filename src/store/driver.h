/* driver.h - what db.c needs from a storage driver (private to src/store).
 *
 * db.c checks arguments and dispatches every wg_db / wg_stmt call through the
 * connection's table of operations; sqlite.c and pg.c each fill one table.
 * A driver's connection and statement structs start with struct wg_db and
 * struct wg_stmt, so the generic pointers convert to the driver's own. */
#ifndef WG_STORE_DRIVER_H
#define WG_STORE_DRIVER_H

#include "store/db.h"

#include <stdarg.h>

struct wg__db_ops {
	const char *name;           /* "sqlite" or "postgresql" */
	const char *begin_sql;      /* opens a transaction that will write */
	const char *begin_read_sql; /* opens a read-only snapshot */
	const char *lock_sql;       /* takes a named transaction lock (one text parameter), or NULL */
	/* wg_db_begin_read and wg_db_end_read where the driver does better
	 * than running begin_read_sql and COMMIT; NULL to run those. */
	int (*begin_read)(wg_db *db);
	int (*end_read)(wg_db *db);
	/* Frees the connection; statements are already finalized. */
	void (*close)(wg_db *db);
	int (*exec)(wg_db *db, const char *sql);
	int (*integrity_check)(wg_db *db, char *err, size_t errlen);
	/* 0 if the connection is usable (re-established if it was lost), else
	 * WG_ESTORE. Never called inside a transaction. */
	int (*reconnect)(wg_db *db);
	bool (*in_transaction)(const wg_db *db);
	int (*prepare)(wg_db *db, const char *sql, wg_stmt **out);
	/* Binders get a 1-based index already checked against the count. */
	int (*bind_int)(wg_stmt *st, int idx, int64_t v);
	int (*bind_text)(wg_stmt *st, int idx, const char *s, size_t len);
	int (*bind_null)(wg_stmt *st, int idx);
	int (*step)(wg_stmt *st);
	/* Getters get a column already checked against wg_stmt_columns and are
	 * called only while the statement is on a row. */
	bool (*is_null)(wg_stmt *st, int col);
	int64_t (*get_int)(wg_stmt *st, int col);
	double (*get_double)(wg_stmt *st, int col);
	const char *(*get_text)(wg_stmt *st, int col, size_t *len);
	int (*columns)(wg_stmt *st);
	void (*reset)(wg_stmt *st);
	/* Frees the statement. */
	void (*finalize)(wg_stmt *st);
	/* wg_db_text_index with its arguments checked, for a driver whose
	 * full-text index is a table of its own; NULL where the index lives on
	 * the row's table, so there is nothing to write. */
	int (*text_index)(wg_db *db, const char *index, int64_t rowid, const char *const *columns,
	                  const char *const *values, size_t n);
};

/* Longest error text kept per connection; longer messages are cut. */
#define WG__DB_ERRMSG_MAX 512

/* Statements kept per connection by wg_db_prepare_cached. */
#define WG__DB_CACHE_MAX 160

struct wg__db_cached {
	const char *sql; /* the caller's static text: its address is the key */
	wg_stmt *st;
};

struct wg_db {
	const struct wg__db_ops *ops;
	enum wg_db_kind kind;
	char errmsg[WG__DB_ERRMSG_MAX];
	unsigned ncached;
	struct wg__db_cached cached[WG__DB_CACHE_MAX];
};

struct wg_stmt {
	wg_db *db;
	int nparams;     /* highest bindable index */
	bool on_row;     /* the last step returned WG_DB_ROW */
	bool stepped;    /* stepped since prepare or reset: binding must wait */
	int64_t changes; /* set by the driver when a step completes */
	bool cached;     /* owned by the connection's cache: finalize only resets */
};

/* Open a SQLite file (path without the "sqlite:" prefix). Returns 0,
 * WG_ESTORE (reason in err) or WG_ENOMEM; *out is freed by ops->close. */
int wg__sqlite_open(const char *path, int busy_timeout_ms, wg_db **out, char *err, size_t errlen);

/* How many transactions connections of this process have committed so far
 * (any count that moved means new data: a snapshot begun after reading it
 * sees all of them). */
uint64_t wg__sqlite_commits(void);

/* What the store (store.c) does with its SQLite connections beyond db.h.
 *
 * Full-text writes (wg_db_text_index) deferred to the end of a batch: FTS5
 * writes what it holds to a new segment of its index at every SAVEPOINT
 * and RELEASE, and the writer opens one per job, so each report's text
 * became a segment of its own, to be merged again later. With defer on,
 * wg_db_text_index checks that the index exists and copies its arguments
 * (0, WG_ESTORE or WG_ENOMEM), and wg__sqlite_text_flush writes them in
 * order, outside every savepoint, and forgets them (0 or the first error,
 * which fails the batch as a failed commit does; the rest are dropped).
 * wg__sqlite_text_pending and wg__sqlite_text_drop let a job that rolls
 * back to its savepoint take its writes back. */
void wg__sqlite_defer_text(wg_db *db, bool on);
size_t wg__sqlite_text_pending(const wg_db *db);
void wg__sqlite_text_drop(wg_db *db, size_t keep);
int wg__sqlite_text_flush(wg_db *db);

/* Checkpoints by another thread: after wg__sqlite_leave_checkpoints, db
 * never checkpoints on commit (SQLite's automatic one, every 1,000 pages,
 * copies them and syncs the database inside the commit), and
 * wg__sqlite_wal_frames tells how many pages its last commit left in the
 * log. wg__sqlite_checkpoint, on another connection, copies what it can
 * without waiting for the writer or readers (PASSIVE); returns 0 or
 * WG_ESTORE. */
void wg__sqlite_leave_checkpoints(wg_db *db);
long wg__sqlite_wal_frames(const wg_db *db);
int wg__sqlite_checkpoint(wg_db *db);

/* Open a PostgreSQL connection from a URI or key=value string. Returns 0,
 * WG_ESTORE (reason in err) or WG_ENOMEM; *out is freed by ops->close. */
int wg__pg_open(const char *conninfo, wg_db **out, char *err, size_t errlen);

/* Rewrite the '?' placeholders of sql to $1, $2, ... leaving string
 * literals ('...', E'...', $tag$...$tag$), quoted identifiers and comments
 * alone. *out (freed by the caller with wg_free) gets the new text and
 * *nparams the number of placeholders. Returns 0, WG_ENOMEM, or WG_EINTERNAL
 * when there are more placeholders than PostgreSQL accepts (65535), or not
 * exactly one statement (as sqlite.c refuses those too). */
int wg__pg_rewrite(const char *sql, char **out, int *nparams);

/* Re-establish a lost connection (PostgreSQL; a no-op on SQLite) so that a
 * restarted server does not leave a long-lived connection dead. Call only
 * between transactions. Returns 0 or WG_ESTORE (message in wg_db_errmsg). */
int wg__db_reconnect(wg_db *db);

/* Whether a transaction is open on db. */
bool wg__db_in_transaction(const wg_db *db);

/* Record the connection's last error (printf-style, cut to fit). */
void wg__db_set_error(wg_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copy src into err (when err is not NULL), cut to errlen. */
void wg__db_copy_error(char *err, size_t errlen, const char *src);

#endif
