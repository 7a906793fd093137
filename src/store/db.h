/* db.h - the storage driver interface.
 *
 * One connection type for both dialects. Domain code writes portable SQL with
 * '?' placeholders (pg.c rewrites them to $n), binds typed values, steps
 * through rows and reads typed columns. A query that must differ between
 * SQLite and PostgreSQL lives behind a named function in the drivers, never
 * as "if (pg)" in domain code.
 *
 * A wg_db is used by one thread at a time. Statements belong to their
 * connection and must be finalized before it is closed. */
#ifndef WG_STORE_DB_H
#define WG_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wg_db wg_db;
typedef struct wg_stmt wg_stmt;

enum wg_db_kind { WG_DB_SQLITE, WG_DB_POSTGRES };

/* wg_stmt_step results besides negative errors. */
enum { WG_DB_DONE = 0, WG_DB_ROW = 1 };

/* Which dialect a URL names: "sqlite:PATH" (or a path ending in .db) is
 * SQLite, "postgres://", "postgresql://" or a "key=value" libpq string is
 * PostgreSQL. Returns 0 or WG_ECONFIG. */
int wg_db_url_kind(const char *url, enum wg_db_kind *kind);

/* Open a connection. SQLite: WAL, synchronous=FULL, foreign_keys=ON, the
 * busy timeout given, a 16 MB page cache, reads through a mapping of up to
 * 1 GB, temporary files in memory; the folder of the file is created if
 * missing.
 * PostgreSQL: one libpq connection, client_encoding UTF8, time zone UTC.
 * Returns 0, WG_ECONFIG (bad URL), WG_ESTORE (cannot connect; reason in err)
 * or WG_ENOMEM. *out is closed with wg_db_close. */
int wg_db_open(const char *url, int busy_timeout_ms, wg_db **out, char *err, size_t errlen);
void wg_db_close(wg_db *db);

enum wg_db_kind wg_db_kind(const wg_db *db);
/* "sqlite" or "postgresql". */
const char *wg_db_kind_name(const wg_db *db);

/* Run SQL without parameters or results; several statements allowed.
 * Returns 0, WG_ECONFLICT (unique or foreign-key violation) or WG_ESTORE
 * (message in wg_db_errmsg). */
int wg_db_exec(wg_db *db, const char *sql);

/* Transactions and savepoints (names are plain identifiers, else
 * WG_EINTERNAL). wg_db_begin starts a transaction meant to write: on SQLite
 * BEGIN IMMEDIATE, which takes the write lock at once, where the busy
 * timeout applies. On PostgreSQL a failed statement spoils the whole
 * transaction until it is rolled back (to a savepoint): code that carries on
 * after WG_ECONFLICT must wrap the statement in its own savepoint or use
 * ON CONFLICT. */
int wg_db_begin(wg_db *db);
int wg_db_commit(wg_db *db);
/* Serialise writers on a name until the transaction ends (PostgreSQL: a
 * transaction-scoped advisory lock; SQLite: nothing to do, its one writer
 * already excludes the others). For chains such as the audit trail, where
 * each row depends on the last. Returns 0 or WG_ESTORE. */
int wg_db_lock(wg_db *db, const char *name);

/* A read-only transaction: every statement until wg_db_end_read sees one
 * snapshot (SQLite: a deferred transaction, which also takes the WAL read
 * lock once instead of per statement; PostgreSQL: REPEATABLE READ READ
 * ONLY). On PostgreSQL the BEGIN goes out with the transaction's first
 * statement, in one round trip, and wg_db_end_read sends the COMMIT without
 * waiting for its answer (a read-only transaction has nothing to make
 * durable): the connection's next command collects it. wg_db_commit ends a
 * read as well, waiting. */
int wg_db_begin_read(wg_db *db);
int wg_db_end_read(wg_db *db);
int wg_db_rollback(wg_db *db);
int wg_db_savepoint(wg_db *db, const char *name);
int wg_db_release(wg_db *db, const char *name);
int wg_db_rollback_to(wg_db *db, const char *name);

/* Dialect-specific integrity check: SQLite runs PRAGMA integrity_check and
 * foreign_key_check; PostgreSQL checks that the connection answers and the
 * server encoding is UTF8. Returns 0, or WG_ESTORE with the first problem in
 * err. */
int wg_db_integrity_check(wg_db *db, char *err, size_t errlen);

/* Full-text search kept apart from its table: SQLite's FTS5 index is a
 * table of its own (the virtual table named index, whose rowid is the
 * indexed row's id) that must be written beside each row; PostgreSQL
 * indexes an expression of the row's own table (a GIN index), so there
 * this does nothing. Makes the indexed text of rowid the n values given for
 * the columns named, replacing what it held (a NULL value indexes nothing
 * for its column). index and the column names are spliced into the SQL, so
 * they must be plain identifiers, at most WG_DB_TEXT_COLUMNS_MAX columns
 * (else WG_EINTERNAL). Call it in the transaction that writes the row; in
 * a write of the store (store.h) SQLite writes it at the end of the batch,
 * so the write itself does not read it back. Returns 0, WG_EINTERNAL,
 * WG_ESTORE or WG_ENOMEM. */
#define WG_DB_TEXT_COLUMNS_MAX 8
int wg_db_text_index(wg_db *db, const char *index, int64_t rowid, const char *const *columns,
                     const char *const *values, size_t n);

/* Last error text of this connection; valid until the next call on it. */
const char *wg_db_errmsg(const wg_db *db);

/* Prepare exactly one statement (none or two are refused: WG_EINTERNAL).
 * Returns 0, WG_ESTORE or WG_ENOMEM; on PostgreSQL the server sees the SQL
 * only at the first step, which reports its errors. A '?' inside a string
 * literal, quoted identifier or comment is not a placeholder; PostgreSQL's
 * jsonb '?' operators are unusable (use jsonb_exists). *out is freed with
 * wg_stmt_finalize. */
int wg_db_prepare(wg_db *db, const char *sql, wg_stmt **out);

/* Like wg_db_prepare, but the statement is prepared once per connection and
 * kept: sql must have static storage (a string literal), since its address
 * is the key. The statement comes back reset; bindings from its last use
 * remain, so bind every parameter. wg_stmt_finalize on it only resets it;
 * the connection frees it when it closes. Beyond 160 statements per
 * connection this falls back to an ordinary statement. */
int wg_db_prepare_cached(wg_db *db, const char *sql, wg_stmt **out);

/* Like wg_db_prepare_cached for a text built at run time (any storage):
 * each distinct text is kept process-wide (db_built.c, at most 256 of
 * them; beyond, an ordinary statement each time). Same returns. */
int wg_db_prepare_built(wg_db *db, const char *sql, wg_stmt **out);

/* Bind parameters, 1-based; unbound ones are NULL. Text is copied; s NULL
 * binds NULL. Return 0, WG_EINTERNAL (index out of range, or binding after
 * a step without wg_stmt_reset), WG_EVALIDATION (text holding NUL, which
 * PostgreSQL cannot store), WG_ETOOLARGE or WG_ENOMEM. */
int wg_stmt_bind_int(wg_stmt *st, int idx, int64_t v);
int wg_stmt_bind_text(wg_stmt *st, int idx, const char *s, size_t len);
int wg_stmt_bind_null(wg_stmt *st, int idx);
/* A double, exactly (sent as its shortest exact decimal text). */
int wg_stmt_bind_double(wg_stmt *st, int idx, double v);

/* Bind parameters 1, 2, ... from a format, one letter per parameter:
 *   't' const char * text (NULL binds NULL)   'i' int64_t
 *   'b' int as a 0/1 flag                    'n' NULL (takes no argument)
 *   'd' double                               'z' int64_t, 0 binds NULL (an unset time)
 * Returns 0 or the first binding error (WG_EINTERNAL for a bad letter). */
int wg_stmt_bindf(wg_stmt *st, const char *fmt, ...);

/* One statement that returns no rows (INSERT, UPDATE, DELETE): prepared
 * once per connection (sql must be a string literal, as for
 * wg_db_prepare_cached), bound by fmt as wg_stmt_bindf, run to completion.
 * *changes (may be NULL) gets the rows changed. Returns 0, WG_ECONFLICT on
 * a unique or foreign-key violation, or another WG_E code. */
int wg_db_execf(wg_db *db, const char *sql, int64_t *changes, const char *fmt, ...);

/* One value: the first column of the first row of a query (a count, an
 * id), prepared once per connection (sql a string literal), bound by fmt
 * as wg_stmt_bindf. Returns 0 with *out set; WG_ENOTFOUND when there is no
 * row (*out untouched); or another WG_E code. */
int wg_db_query_int(wg_db *db, const char *sql, int64_t *out, const char *fmt, ...);

/* Run or advance: WG_DB_ROW when a row is available, WG_DB_DONE at the end,
 * WG_ECONFLICT on a unique or foreign-key violation, WG_ESTORE otherwise.
 * A step after WG_DB_DONE runs the statement again. */
int wg_stmt_step(wg_stmt *st);

/* Column values of the current row, 0-based. Text stays valid until the next
 * step, reset or finalize; NULL columns, columns out of range and calls when
 * not on a row give 0 / NULL. Integers are exact 64-bit values (PostgreSQL
 * booleans read as 1 / 0). wg_stmt_columns is the result's width, known on
 * PostgreSQL only while on a row. */
bool wg_stmt_is_null(wg_stmt *st, int col);
int64_t wg_stmt_int(wg_stmt *st, int col);
const char *wg_stmt_text(wg_stmt *st, int col, size_t *len);
/* A float column (0 when NULL), as stored (PostgreSQL's text of a
 * double precision has 15 or more significant digits, enough for the
 * 1e-7 degree of coordinates). */
double wg_stmt_double(wg_stmt *st, int col);
int wg_stmt_columns(wg_stmt *st);

/* Rows changed by this statement's last completed run (WG_DB_DONE), 0 for
 * a statement that does not write. */
int64_t wg_stmt_changes(wg_stmt *st);

/* Ready the statement to run again; bindings are kept. */
void wg_stmt_reset(wg_stmt *st);
void wg_stmt_finalize(wg_stmt *st);

#endif
