#include "store/db.h"

#include "core/error.h"
#include "store/driver.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* libpq's key=value form starts with a keyword, optional blanks and '='. */
static bool is_libpq_keyword_value(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	const char *key = s;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	if (s == key)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	return *s == '=';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int wg_db_url_kind(const char *url, enum wg_db_kind *kind)
{
	if (!url || !*url)
		return WG_ECONFIG;
	if (has_prefix(url, "sqlite:")) {
		if (!url[strlen("sqlite:")])
			return WG_ECONFIG;
		*kind = WG_DB_SQLITE;
		return 0;
	}
	if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://") ||
	    is_libpq_keyword_value(url)) {
		*kind = WG_DB_POSTGRES;
		return 0;
	}
	/* A bare path is accepted only when it plainly names a database file, so
	 * that a mistyped URL ("postgress://...") is an error, not a new file. */
	if (ends_with(url, ".db") && !strstr(url, "://")) {
		*kind = WG_DB_SQLITE;
		return 0;
	}
	return WG_ECONFIG;
}

int wg_db_open(const char *url, int busy_timeout_ms, wg_db **out, char *err, size_t errlen)
{
	enum wg_db_kind kind;
	*out = NULL;
	if (wg_db_url_kind(url, &kind) != 0) {
		wg__db_copy_error(
			err, errlen,
			"database URL must be sqlite:PATH, postgres://... or a libpq key=value string");
		return WG_ECONFIG;
	}
	if (kind == WG_DB_SQLITE)
		return wg__sqlite_open(has_prefix(url, "sqlite:") ? url + strlen("sqlite:") : url,
		                       busy_timeout_ms, out, err, errlen);
	return wg__pg_open(url, out, err, errlen);
}

void wg_db_close(wg_db *db)
{
	if (!db)
		return;
	for (unsigned i = 0; i < db->ncached; i++)
		db->ops->finalize(db->cached[i].st);
	db->ncached = 0;
	db->ops->close(db);
}

enum wg_db_kind wg_db_kind(const wg_db *db)
{
	return db->kind;
}

const char *wg_db_kind_name(const wg_db *db)
{
	return db->ops->name;
}

int wg_db_exec(wg_db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

static int exec_cached(wg_db *db, const char *sql);

int wg_db_begin(wg_db *db)
{
	return exec_cached(db, db->ops->begin_sql);
}

/* Transaction control on the hot path (every read, every batch) runs from
 * statements prepared once per connection instead of being parsed again. */
static int exec_cached(wg_db *db, const char *sql)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc < 0 ? rc : WG_EINTERNAL;
}

int wg_db_lock(wg_db *db, const char *name)
{
	if (!db->ops->lock_sql)
		return 0; /* SQLite: the one writer already excludes every other */
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, db->ops->lock_sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_text(st, 1, name, strlen(name));
	if (rc == 0)
		do
			rc = wg_stmt_step(st);
		while (rc == WG_DB_ROW);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_db_begin_read(wg_db *db)
{
	return db->ops->begin_read ? db->ops->begin_read(db) : exec_cached(db, db->ops->begin_read_sql);
}

static const char commit_sql[] = "COMMIT";

int wg_db_commit(wg_db *db)
{
	return exec_cached(db, commit_sql);
}

int wg_db_end_read(wg_db *db)
{
	return db->ops->end_read ? db->ops->end_read(db) : wg_db_commit(db);
}

int wg_db_rollback(wg_db *db)
{
	return db->ops->exec(db, "ROLLBACK");
}

/* Savepoint names are spliced into SQL (they cannot be bound), so only plain
 * identifiers are let through. */
static int exec_named(wg_db *db, const char *verb, const char *name)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n <= 63 && (isalpha((unsigned char)name[0]) || name[0] == '_');
	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || name[i] == '_';
	if (!ok) {
		wg__db_set_error(db, "invalid savepoint name");
		return WG_EINTERNAL;
	}
	char sql[96];
	snprintf(sql, sizeof sql, "%s %s", verb, name);
	return db->ops->exec(db, sql);
}

int wg_db_savepoint(wg_db *db, const char *name)
{
	return exec_named(db, "SAVEPOINT", name);
}

int wg_db_release(wg_db *db, const char *name)
{
	return exec_named(db, "RELEASE SAVEPOINT", name);
}

int wg_db_rollback_to(wg_db *db, const char *name)
{
	return exec_named(db, "ROLLBACK TO SAVEPOINT", name);
}

int wg_db_integrity_check(wg_db *db, char *err, size_t errlen)
{
	return db->ops->integrity_check(db, err, errlen);
}

/* Index and column names go into the SQL text (identifiers cannot be
 * bound), so only plain ones pass. */
static bool plain_identifier(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	bool ok = n > 0 && n <= 63 && (isalpha((unsigned char)s[0]) || s[0] == '_');
	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '_';
	return ok;
}

int wg_db_text_index(wg_db *db, const char *index, int64_t rowid, const char *const *columns,
                     const char *const *values, size_t n)
{
	bool ok = plain_identifier(index) && n > 0 && n <= WG_DB_TEXT_COLUMNS_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = plain_identifier(columns[i]);
	if (!ok) {
		wg__db_set_error(db, "invalid full-text index or column name");
		return WG_EINTERNAL;
	}
	return db->ops->text_index ? db->ops->text_index(db, index, rowid, columns, values, n) : 0;
}

const char *wg_db_errmsg(const wg_db *db)
{
	return db->errmsg;
}

int wg_db_prepare(wg_db *db, const char *sql, wg_stmt **out)
{
	*out = NULL;
	return db->ops->prepare(db, sql, out);
}

int wg_db_prepare_cached(wg_db *db, const char *sql, wg_stmt **out)
{
	for (unsigned i = 0; i < db->ncached; i++)
		if (db->cached[i].sql == sql) {
			*out = db->cached[i].st;
			wg_stmt_reset(*out);
			return 0;
		}
	int rc = wg_db_prepare(db, sql, out);
	if (rc == 0 && db->ncached < WG__DB_CACHE_MAX) {
		(*out)->cached = true;
		db->cached[db->ncached].sql = sql;
		db->cached[db->ncached++].st = *out;
	}
	return rc;
}

/* Binding between a step and a reset is a misuse that SQLite refuses; both
 * drivers refuse it here so that code tested on one dialect runs on both. */
static int check_bind(wg_stmt *st, int idx)
{
	if (idx < 1 || idx > st->nparams) {
		wg__db_set_error(st->db, "bind index %d out of range 1..%d", idx, st->nparams);
		return WG_EINTERNAL;
	}
	if (st->stepped) {
		wg__db_set_error(st->db, "bind after step without reset");
		return WG_EINTERNAL;
	}
	return 0;
}

int wg_stmt_bind_int(wg_stmt *st, int idx, int64_t v)
{
	int rc = check_bind(st, idx);
	return rc ? rc : st->db->ops->bind_int(st, idx, v);
}

int wg_stmt_bind_text(wg_stmt *st, int idx, const char *s, size_t len)
{
	int rc = check_bind(st, idx);
	if (rc)
		return rc;
	if (!s)
		return st->db->ops->bind_null(st, idx);
	if (len > INT_MAX) {
		wg__db_set_error(st->db, "text parameter too long");
		return WG_ETOOLARGE;
	}
	/* PostgreSQL text cannot hold NUL; refusing it on both dialects keeps
	 * them storing the same values. */
	if (memchr(s, '\0', len)) {
		wg__db_set_error(st->db, "text parameter contains NUL");
		return WG_EVALIDATION;
	}
	return st->db->ops->bind_text(st, idx, s, len);
}

static int bind_va(wg_stmt *st, const char *fmt, va_list ap)
{
	int rc = 0;
	for (int i = 0; fmt[i] && rc == 0; i++) {
		switch (fmt[i]) {
		case 't': {
			const char *s = va_arg(ap, const char *);
			rc = wg_stmt_bind_text(st, i + 1, s, s ? strlen(s) : 0);
			break;
		}
		case 'i': rc = wg_stmt_bind_int(st, i + 1, va_arg(ap, int64_t)); break;
		case 'z': {
			int64_t v = va_arg(ap, int64_t);
			rc = v ? wg_stmt_bind_int(st, i + 1, v) : wg_stmt_bind_null(st, i + 1);
			break;
		}
		case 'd': rc = wg_stmt_bind_double(st, i + 1, va_arg(ap, double)); break;
		case 'b': rc = wg_stmt_bind_int(st, i + 1, va_arg(ap, int) != 0); break;
		case 'n': rc = wg_stmt_bind_null(st, i + 1); break;
		default: wg__db_set_error(st->db, "bad bind format letter '%c'", fmt[i]); rc = WG_EINTERNAL;
		}
	}
	return rc;
}

int wg_stmt_bindf(wg_stmt *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = bind_va(st, fmt, ap);
	va_end(ap);
	return rc;
}

int wg_db_execf(wg_db *db, const char *sql, int64_t *changes, const char *fmt, ...)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	rc = bind_va(st, fmt, ap);
	va_end(ap);
	if (rc == 0)
		do
			rc = wg_stmt_step(st);
		while (rc == WG_DB_ROW);
	if (rc == WG_DB_DONE && changes)
		*changes = wg_stmt_changes(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_db_query_int(wg_db *db, const char *sql, int64_t *out, const char *fmt, ...)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	rc = bind_va(st, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW)
		*out = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? WG_ENOTFOUND : rc;
}

int wg_stmt_bind_null(wg_stmt *st, int idx)
{
	int rc = check_bind(st, idx);
	return rc ? rc : st->db->ops->bind_null(st, idx);
}

int wg_stmt_step(wg_stmt *st)
{
	int rc = st->db->ops->step(st);
	st->stepped = true;
	st->on_row = rc == WG_DB_ROW;
	return rc;
}

static bool valid_column(wg_stmt *st, int col)
{
	return st->on_row && col >= 0 && col < st->db->ops->columns(st);
}

bool wg_stmt_is_null(wg_stmt *st, int col)
{
	return !valid_column(st, col) || st->db->ops->is_null(st, col);
}

int64_t wg_stmt_int(wg_stmt *st, int col)
{
	return valid_column(st, col) ? st->db->ops->get_int(st, col) : 0;
}

/* Doubles travel as text in both drivers: "%.17g" round-trips every
 * double, and both databases parse it into their float column exactly. */
int wg_stmt_bind_double(wg_stmt *st, int idx, double v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%.17g", v);
	return wg_stmt_bind_text(st, idx, buf, (size_t)n);
}

double wg_stmt_double(wg_stmt *st, int col)
{
	return valid_column(st, col) && !st->db->ops->is_null(st, col) ? st->db->ops->get_double(st, col) : 0;
}

const char *wg_stmt_text(wg_stmt *st, int col, size_t *len)
{
	if (valid_column(st, col))
		return st->db->ops->get_text(st, col, len);
	if (len)
		*len = 0;
	return NULL;
}

int wg_stmt_columns(wg_stmt *st)
{
	return st->db->ops->columns(st);
}

int64_t wg_stmt_changes(wg_stmt *st)
{
	return st->changes;
}

void wg_stmt_reset(wg_stmt *st)
{
	st->db->ops->reset(st);
	st->stepped = false;
	st->on_row = false;
}

void wg_stmt_finalize(wg_stmt *st)
{
	if (st && st->cached)
		wg_stmt_reset(st);
	else if (st)
		st->db->ops->finalize(st);
}

int wg__db_reconnect(wg_db *db)
{
	return db->ops->reconnect(db);
}

bool wg__db_in_transaction(const wg_db *db)
{
	return db->ops->in_transaction(db);
}

void wg__db_set_error(wg_db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
	va_end(ap);
}

void wg__db_copy_error(char *err, size_t errlen, const char *src)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", src);
}
