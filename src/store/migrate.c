#include "store/migrate.h"

#include "core/clock.h"
#include "core/error.h"
#include "store/driver.h"
#include "store/migrate_embed.h"

#include <stdio.h>
#include <string.h>

/* Key of the PostgreSQL advisory lock that serialises migrations: two nodes
 * starting together must not both apply 0002 (its bytes spell "wangge"). */
#define MIGRATE_LOCK_KEY INT64_C(0x77616e6767650001)

/* Savepoint used when the caller already holds a transaction. */
#define MIGRATE_SAVEPOINT "wg_migration"

static const char *dialect_of(const wg_db *db)
{
	return wg_db_kind(db) == WG_DB_SQLITE ? "sqlite" : "postgres";
}

/* Run a statement that takes at most one integer parameter and return its
 * first column of the first row in *value (0 when there is no row). */
static int query_int(wg_db *db, const char *sql, const int64_t *param, const char *text, int64_t *value)
{
	*value = 0;
	wg_stmt *st;
	int rc = wg_db_prepare(db, sql, &st);
	if (rc)
		return rc;
	if (param)
		rc = wg_stmt_bind_int(st, 1, *param);
	else if (text)
		rc = wg_stmt_bind_text(st, 1, text, strlen(text));
	if (rc == 0)
		rc = wg_stmt_step(st);
	*value = rc == WG_DB_ROW ? wg_stmt_int(st, 0) : 0;
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* SQLite's BEGIN IMMEDIATE already excludes other writers, so only
 * PostgreSQL needs a lock; it is released by the transaction's end. */
static int lock_migrations(wg_db *db)
{
	if (wg_db_kind(db) != WG_DB_POSTGRES)
		return 0;
	int64_t key = MIGRATE_LOCK_KEY, ignored;
	return query_int(db, "SELECT pg_advisory_xact_lock(?)", &key, NULL, &ignored);
}

/* A migration runs in its own transaction, or under a savepoint when the
 * caller already holds one (wg_store_run), so that it commits with it. */
static int unit_begin(wg_db *db, bool nested)
{
	int rc = nested ? wg_db_savepoint(db, MIGRATE_SAVEPOINT) : wg_db_begin(db);
	return rc ? rc : lock_migrations(db);
}

static int unit_end(wg_db *db, bool nested, int rc)
{
	if (rc == 0)
		rc = nested ? wg_db_release(db, MIGRATE_SAVEPOINT) : wg_db_commit(db);
	if (rc == 0)
		return 0;
	if (nested) {
		wg_db_rollback_to(db, MIGRATE_SAVEPOINT);
		wg_db_release(db, MIGRATE_SAVEPOINT);
	} else {
		wg_db_rollback(db);
	}
	return rc;
}

/* BIGINT is INTEGER affinity on SQLite, so one statement serves both. */
static const char create_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
				 "name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)";

static int is_applied(wg_db *db, const char *name, bool *applied)
{
	int64_t n;
	int rc = query_int(db, "SELECT count(*) FROM schema_migrations WHERE name = ?", NULL, name, &n);
	*applied = n > 0;
	return rc;
}

/* Apply m unless it is recorded; *ran says whether it was. The check runs
 * under the lock, so two nodes starting together apply it once. */
static int apply_one(wg_db *db, const struct wg__migration *m, bool nested, bool *ran)
{
	bool done = false;
	int rc = unit_begin(db, nested);
	if (rc == 0)
		rc = is_applied(db, m->name, &done);
	if (rc == 0 && !done)
		rc = wg_db_exec(db, m->sql);
	if (rc == 0 && !done) {
		wg_stmt *st;
		rc = wg_db_prepare(db, "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", &st);
		if (rc == 0) {
			rc = wg_stmt_bind_text(st, 1, m->name, strlen(m->name));
			if (rc == 0)
				rc = wg_stmt_bind_int(st, 2, wg_clock_now_ms());
			if (rc == 0)
				rc = wg_stmt_step(st);
			wg_stmt_finalize(st);
		}
	}
	rc = unit_end(db, nested, rc);
	*ran = rc == 0 && !done;
	return rc;
}

int wg_migrate(wg_db *db, int *applied, char *err, size_t errlen)
{
	if (applied)
		*applied = 0;
	bool nested = wg__db_in_transaction(db);
	int rc = unit_begin(db, nested);
	if (rc == 0)
		rc = wg_db_exec(db, create_sql);
	rc = unit_end(db, nested, rc);
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "schema_migrations: %s", wg_db_errmsg(db));
		return rc == WG_ENOMEM ? rc : WG_ESTORE;
	}
	const char *dialect = dialect_of(db);
	for (unsigned i = 0; i < wg__migration_count; i++) {
		const struct wg__migration *m = &wg__migrations[i];
		bool ran;
		if (strcmp(m->dialect, dialect) != 0)
			continue;
		rc = apply_one(db, m, nested, &ran);
		if (rc) {
			if (err && errlen)
				snprintf(err, errlen, "%s/%s: %s", dialect, m->name, wg_db_errmsg(db));
			return rc == WG_ENOMEM ? rc : WG_ESTORE;
		}
		if (ran && applied)
			(*applied)++;
	}
	return 0;
}

/* Status only reads: a database that never ran wg_migrate has no table. */
static int table_exists(wg_db *db, bool *exists)
{
	static const char sqlite_sql[] = "SELECT count(*) FROM sqlite_master "
					 "WHERE type = 'table' AND name = 'schema_migrations'";
	static const char pg_sql[] =
		"SELECT count(*) FROM (SELECT to_regclass('schema_migrations') AS t) AS r "
		"WHERE t IS NOT NULL";
	int64_t n;
	int rc = query_int(db, wg_db_kind(db) == WG_DB_SQLITE ? sqlite_sql : pg_sql, NULL, NULL, &n);
	*exists = n > 0;
	return rc;
}

int wg_migrate_status(wg_db *db, FILE *out)
{
	bool exists;
	int rc = table_exists(db, &exists);
	if (rc)
		return rc;
	wg_stmt *st = NULL;
	if (exists) {
		rc = wg_db_prepare(db, "SELECT applied_at FROM schema_migrations WHERE name = ?", &st);
		if (rc)
			return rc;
	}
	const char *dialect = dialect_of(db);
	int pending = 0;
	for (unsigned i = 0; i < wg__migration_count && rc == 0; i++) {
		const struct wg__migration *m = &wg__migrations[i];
		if (strcmp(m->dialect, dialect) != 0)
			continue;
		int step = WG_DB_DONE;
		if (st) {
			wg_stmt_reset(st);
			rc = wg_stmt_bind_text(st, 1, m->name, strlen(m->name));
			step = rc ? rc : wg_stmt_step(st);
			if (step < 0) {
				rc = step;
				break;
			}
		}
		char when[40] = "";
		if (step == WG_DB_ROW)
			wg_clock_format_rfc3339(wg_stmt_int(st, 0), 0, 0, when, sizeof when);
		else
			pending++;
		fprintf(out, "%-8s %s/%s%s%s\n", step == WG_DB_ROW ? "applied" : "pending", dialect, m->name,
		        step == WG_DB_ROW ? "  " : "", when);
	}
	wg_stmt_finalize(st);
	return rc ? rc : pending;
}
