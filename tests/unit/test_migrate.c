/* test_migrate.c - the embedded migrations on SQLite and (when
 * WG_TEST_PG_URL is set) on PostgreSQL, each test on a fresh database. */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/migrate.h"
#include "store/migrate_embed.h"
#include "store/store.h"

#include "fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* A new connection to the case's database (fixture.h). */
static wg_db *open_fixture(void **state)
{
	return wg_test_connect(state, 5000);
}

static const char *dialect(const wg_test_db *f)
{
	return f->kind == WG_DB_SQLITE ? "sqlite" : "postgres";
}

/* How many embedded migrations the fixture's dialect has. */
static int embedded(const wg_test_db *f)
{
	int n = 0;
	for (unsigned i = 0; i < wg__migration_count; i++)
		n += strcmp(wg__migrations[i].dialect, dialect(f)) == 0;
	return n;
}

static int64_t count_rows(wg_db *db, const char *sql)
{
	wg_stmt *st;
	int prc = wg_db_prepare(db, sql, &st);
	if (prc)
		print_error("prepare %s: %s\n", sql, wg_db_errmsg(db));
	assert_int_equal(prc, 0);
	int rc = wg_stmt_step(st);
	if (rc != WG_DB_ROW)
		print_error("%s: %s\n", sql, wg_db_errmsg(db));
	assert_int_equal(rc, WG_DB_ROW);
	int64_t n = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return n;
}

/* wg_migrate_status's report as a string (freed by the caller with free). */
static char *status_text(wg_db *db, int *pending)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	*pending = wg_migrate_status(db, out);
	fclose(out);
	return buf;
}

/* ---- tests ----------------------------------------------------------- */

static void test_embedded(void **state)
{
	(void)state;
	/* Both dialects have migrations, in name order, in step. */
	int sqlite = 0, pg = 0;
	for (unsigned i = 0; i < wg__migration_count; i++) {
		const struct wg__migration *m = &wg__migrations[i];
		assert_true(strcmp(m->dialect, "sqlite") == 0 || strcmp(m->dialect, "postgres") == 0);
		sqlite += strcmp(m->dialect, "sqlite") == 0;
		pg += strcmp(m->dialect, "postgres") == 0;
		assert_true(strlen(m->sql) > 0);
		if (i > 0 && strcmp(wg__migrations[i - 1].dialect, m->dialect) == 0)
			assert_true(strcmp(wg__migrations[i - 1].name, m->name) < 0);
	}
	assert_true(sqlite > 0);
	assert_int_equal(sqlite, pg);
}

static void test_applies_once(void **state)
{
	wg_test_db *f = *state;
	wg_db *db = open_fixture(state);
	int n = embedded(f);
	char err[256] = "";
	int applied = -1;
	wg_clock_set_ms(1764000000123);
	assert_int_equal(wg_migrate(db, &applied, err, sizeof err), 0);
	wg_clock_set_ms(0);
	assert_int_equal(applied, n);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"), n);
	assert_int_equal(
		count_rows(db, "SELECT count(*) FROM schema_migrations WHERE applied_at = 1764000000123"), n);
	/* The schema is there. */
	assert_int_equal(count_rows(db, "SELECT count(*) FROM regions"), 0);

	applied = -1;
	assert_int_equal(wg_migrate(db, &applied, err, sizeof err), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(wg_migrate(db, NULL, NULL, 0), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"), n);
	wg_db_close(db);
}

static void test_status(void **state)
{
	wg_test_db *f = *state;
	wg_db *db = open_fixture(state);
	int n = embedded(f);
	char first[128];
	snprintf(first, sizeof first, "%s/%s", dialect(f), "0001_core.sql");

	/* Before anything ran there is no table, and status must not make one. */
	int pending = -1;
	char *text = status_text(db, &pending);
	assert_int_equal(pending, n);
	char *line = strstr(text, first);
	assert_non_null(line);
	assert_non_null(strstr(text, "pending"));
	assert_null(strstr(text, "applied"));
	free(text);
	wg_stmt *st;
	int rc = wg_db_prepare(db, "SELECT count(*) FROM schema_migrations", &st);
	if (rc == 0) { /* PostgreSQL sees the SQL only at the first step */
		rc = wg_stmt_step(st);
		wg_stmt_finalize(st);
	}
	assert_int_equal(rc, WG_ESTORE);

	wg_clock_set_ms(1764000000000); /* 2025-11-24T16:00:00Z */
	assert_int_equal(wg_migrate(db, NULL, NULL, 0), 0);
	wg_clock_set_ms(0);
	text = status_text(db, &pending);
	assert_int_equal(pending, 0);
	assert_null(strstr(text, "pending"));
	assert_non_null(strstr(text, "applied"));
	assert_non_null(strstr(text, first));
	assert_non_null(strstr(text, "2025-11-24T16:00:00Z"));
	/* One line per migration. */
	int lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, n);
	free(text);
	wg_db_close(db);
}

/* A failing migration is rolled back with its record, and named. */
static void test_failure_rolls_back(void **state)
{
	wg_test_db *f = *state;
	wg_db *db = open_fixture(state);
	/* 0001 creates regions; a table of that name already there breaks it. */
	assert_int_equal(wg_db_exec(db, "CREATE TABLE regions (x TEXT)"), 0);
	char err[256] = "";
	int applied = -1;
	assert_int_equal(wg_migrate(db, &applied, err, sizeof err), WG_ESTORE);
	assert_int_equal(applied, 0);
	char want[128];
	snprintf(want, sizeof want, "%s/0001_core.sql", dialect(f));
	assert_non_null(strstr(err, want));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"), 0);
	/* Nothing of 0001 stayed: its index does not exist either. */
	assert_int_equal(wg_db_exec(db, "DROP TABLE regions"), 0);
	assert_int_equal(wg_migrate(db, &applied, err, sizeof err), 0);
	assert_int_equal(applied, embedded(f));
	wg_db_close(db);
}

struct racer {
	const char *url;
	int rc;
	int applied;
};

static void *racer_main(void *p)
{
	struct racer *r = p;
	wg_db *db;
	char err[256];
	r->rc = wg_db_open(r->url, 10000, &db, err, sizeof err);
	if (r->rc == 0) {
		r->rc = wg_migrate(db, &r->applied, err, sizeof err);
		wg_db_close(db);
	}
	return NULL;
}

/* Nodes starting together: each migration is applied exactly once. */
static void test_concurrent(void **state)
{
	wg_test_db *f = *state;
	if (f->skip)
		skip();
	enum { RACERS = 4 };
	struct racer r[RACERS];
	pthread_t tid[RACERS];
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){f->url, -1, 0};
		assert_int_equal(pthread_create(&tid[i], NULL, racer_main, &r[i]), 0);
	}
	int total = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(tid[i], NULL);
		assert_int_equal(r[i].rc, 0);
		total += r[i].applied;
	}
	assert_int_equal(total, embedded(f));
}

static int migrate_fn(wg_db *db, void *arg)
{
	return wg_migrate(db, arg, NULL, 0);
}

static int fail_after_migrate_fn(wg_db *db, void *arg)
{
	int rc = wg_migrate(db, arg, NULL, 0);
	return rc ? rc : WG_EINTERNAL;
}

/* Inside wg_store_run the migrations share the caller's transaction. */
static void test_in_store_run(void **state)
{
	wg_test_db *f = *state;
	if (f->skip)
		skip();
	wg_store_options opt = {
		.url = f->url, .busy_timeout_ms = 5000, .pool = 1, .batch_max = 8, .readers = 1};
	wg_store *s;
	char err[256];
	assert_int_equal(wg_store_open(&opt, &s, err, sizeof err), 0);
	int applied = -1;
	/* Rolled back with the caller's transaction: nothing stays. */
	assert_int_equal(wg_store_run(s, fail_after_migrate_fn, &applied), WG_EINTERNAL);
	assert_int_equal(applied, embedded(f));
	applied = -1;
	assert_int_equal(wg_store_run(s, migrate_fn, &applied), 0);
	assert_int_equal(applied, embedded(f));
	assert_int_equal(wg_store_run(s, migrate_fn, &applied), 0);
	assert_int_equal(applied, 0);
	wg_store_close(s);

	wg_db *db = open_fixture(state);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"), embedded(f));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM regions"), 0);
	wg_db_close(db);
}

/* Every allocation of open and migrate fails in turn, each time on a new
 * database: a clean WG_ENOMEM (or success), nothing recorded that did not
 * run, and the next run completes the rest. */
static void test_alloc_failures(void **state)
{
	wg_test_db *f = *state;
	if (f->skip)
		skip();
	for (unsigned long n = 1;; n++) {
		char url[1100];
		snprintf(url, sizeof url, "sqlite:%s/alloc-%lu.db", wg_test_dir(), n);
		wg_db *db = NULL;
		char err[256];
		int applied = -1;
		wg_alloc_fail_at(n);
		int rc = wg_db_open(url, 0, &db, err, sizeof err);
		if (rc == 0)
			rc = wg_migrate(db, &applied, err, sizeof err);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		/* A failure may also be absorbed (a statement not cached). */
		if (rc == 0) {
			assert_int_equal(applied, embedded(f));
			wg_db_close(db);
			if (used < n)
				break;
			continue;
		}
		assert_true(used >= n);
		assert_int_equal(rc, WG_ENOMEM);
		if (db) {
			/* The failure may come before schema_migrations exists (the
			 * allocation of the first BEGIN), or after some migrations. */
			int64_t recorded = count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = "
			                                  "'schema_migrations'")
			                           ? count_rows(db, "SELECT count(*) FROM schema_migrations")
			                           : 0;
			assert_true(recorded >= 0 && recorded <= embedded(f));
			assert_int_equal(wg_migrate(db, &applied, err, sizeof err), 0);
			assert_int_equal(recorded + applied, embedded(f));
		}
		wg_db_close(db);
	}
}

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

/* A named case of fn on one fixture (cmocka names it after fn alone). */
/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) \
	((struct CMUnitTest){prefix #fn, fn, wg_test_setup, wg_test_teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded),
		ON_BOTH(test_applies_once),
		ON_BOTH(test_status),
		ON_BOTH(test_failure_rolls_back),
		ON_BOTH(test_concurrent),
		ON_BOTH(test_in_store_run),
		ON("sqlite/", test_alloc_failures, sqlite_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
