/* test_db.c - the driver interface on SQLite and, when WG_TEST_PG_URL is
 * set, on PostgreSQL (each PostgreSQL test works in a schema of its own,
 * chosen through PGOPTIONS, and drops it afterwards). */
#include "core/alloc.h"
#include "core/error.h"
#include "store/db.h"
#include "store/driver.h"

#include "fixture.h"

#include <inttypes.h>
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
	return wg_test_connect(state, 1000);
}

static void exec_ok(wg_db *db, const char *sql)
{
	int rc = wg_db_exec(db, sql);
	if (rc)
		print_error("%s: %s\n", sql, wg_db_errmsg(db));
	assert_int_equal(rc, 0);
}

static wg_stmt *prepare_ok(wg_db *db, const char *sql)
{
	wg_stmt *st = NULL;
	int rc = wg_db_prepare(db, sql, &st);
	if (rc)
		print_error("%s: %s\n", sql, wg_db_errmsg(db));
	assert_int_equal(rc, 0);
	return st;
}

static int64_t count_rows(wg_db *db, const char *sql)
{
	wg_stmt *st = prepare_ok(db, sql);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t n = wg_stmt_int(st, 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_DONE);
	wg_stmt_finalize(st);
	return n;
}

/* ---- dialect-free cases ------------------------------------------------ */

static void test_url_kind(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int rc;
		enum wg_db_kind kind;
	} cases[] = {
		{"sqlite:var/wangge.db", 0, WG_DB_SQLITE},
		{"sqlite:/abs/path/x", 0, WG_DB_SQLITE},
		{"sqlite::memory:", 0, WG_DB_SQLITE},
		{"data/wangge.db", 0, WG_DB_SQLITE},
		{"postgres://wg@localhost/wangge", 0, WG_DB_POSTGRES},
		{"postgresql://localhost:5433/wangge?sslmode=disable", 0, WG_DB_POSTGRES},
		{"host=/run/postgresql dbname=wangge", 0, WG_DB_POSTGRES},
		{"  dbname = wangge", 0, WG_DB_POSTGRES},
		{"sqlite:", WG_ECONFIG, WG_DB_SQLITE},
		{"postgress://h/x.db", WG_ECONFIG, WG_DB_SQLITE},
		{"mysql://h/db", WG_ECONFIG, WG_DB_SQLITE},
		{"wangge", WG_ECONFIG, WG_DB_SQLITE},
		{"=x", WG_ECONFIG, WG_DB_SQLITE},
		{"", WG_ECONFIG, WG_DB_SQLITE},
		{NULL, WG_ECONFIG, WG_DB_SQLITE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum wg_db_kind kind = (enum wg_db_kind) - 1;
		int rc = wg_db_url_kind(cases[i].url, &kind);
		if (rc != cases[i].rc)
			print_error("url %s\n", cases[i].url ? cases[i].url : "(null)");
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0)
			assert_int_equal(kind, cases[i].kind);
	}
}

static void test_open_errors(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int rc;
	} cases[] = {
		{"mysql://h/db", WG_ECONFIG},
		{"", WG_ECONFIG},
		{"sqlite:/proc/no-such-dir/x.db", WG_ESTORE},
		/* A socket folder with no server: refused at once, no network. */
		{"host=/nonexistent-wg-socket-dir port=1 dbname=x connect_timeout=1", WG_ESTORE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_db *db = (wg_db *)1;
		char err[256] = "";
		assert_int_equal(wg_db_open(cases[i].url, 0, &db, err, sizeof err), cases[i].rc);
		assert_null(db);
		assert_true(err[0] != '\0');
	}
}

static void test_pg_rewrite(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out; /* NULL: refused with WG_EINTERNAL */
		int nparams;
	} cases[] = {
		{"SELECT ?", "SELECT $1", 1},
		{"", NULL, 0},
		{" -- only a comment\n;", NULL, 0},
		{"SELECT 1", "SELECT 1", 0},
		{"SELECT ?, ?", "SELECT $1, $2", 2},
		{"SELECT '?', ?", "SELECT '?', $1", 1},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1},
		{"SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1},
		{"SELECT e'a\\'?' || ?", "SELECT e'a\\'?' || $1", 1},
		/* A literal after an identifier ending in e takes no escapes. */
		{"SELECT type'x\\', ?", "SELECT type'x\\', $1", 1},
		{"SELECT \"a?b\" FROM t WHERE x = ?", "SELECT \"a?b\" FROM t WHERE x = $1", 1},
		{"SELECT 1 -- why?\n, ?", "SELECT 1 -- why?\n, $1", 1},
		{"SELECT 1 - ?", "SELECT 1 - $1", 1},
		{"SELECT /* ? /* ? */ ? */ ?", "SELECT /* ? /* ? */ ? */ $1", 1},
		{"SELECT 4 / ?", "SELECT 4 / $1", 1},
		{"SELECT $$?$$, $t$ ? $ ? $t$, ?", "SELECT $$?$$, $t$ ? $ ? $t$, $1", 1},
		{"SELECT a$b, ?", "SELECT a$b, $1", 1},
		{"SELECT x::int = ?", "SELECT x::int = $1", 1},
		{"VALUES (?,?,?,?,?,?,?,?,?,?,?)", "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", 11},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?", 0},
		{"SELECT ?;", "SELECT $1;", 1},
		{"SELECT ?; -- trailing\n /* c */ ", "SELECT $1; -- trailing\n /* c */ ", 1},
		{"SELECT ';', ?", "SELECT ';', $1", 1},
		{"SELECT 1; SELECT 2", NULL, 0},
		{"SELECT 1; ?", NULL, 0},
		{"SELECT 1; 'x'", NULL, 0},
		{"网格 = ?", "网格 = $1", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = NULL;
		int n = -1;
		int rc = wg__pg_rewrite(cases[i].in, &out, &n);
		if (!cases[i].out) {
			assert_int_equal(rc, WG_EINTERNAL);
			assert_null(out);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, cases[i].nparams);
		wg_free(out);
	}
}

static void test_pg_rewrite_limit(void **state)
{
	(void)state;
	size_t n = 65536;
	char *sql = wg_malloc(2 * n + 1);
	assert_non_null(sql);
	for (size_t i = 0; i < n; i++) {
		sql[2 * i] = '?';
		sql[2 * i + 1] = ',';
	}
	sql[2 * n - 1] = '\0';
	char *out = NULL;
	int count;
	assert_int_equal(wg__pg_rewrite(sql, &out, &count), WG_EINTERNAL);
	assert_null(out);
	sql[2 * (n - 1) - 1] = '\0'; /* 65535 placeholders: accepted */
	assert_int_equal(wg__pg_rewrite(sql, &out, &count), 0);
	assert_int_equal(count, 65535);
	assert_non_null(strstr(out, "$65535"));
	wg_free(out);
	wg_free(sql);
}

/* ---- cases run on each dialect ------------------------------------------ */

static void test_kind(void **state)
{
	wg_test_db *f = *state;
	wg_db *db = open_fixture(state);
	assert_int_equal(wg_db_kind(db), f->kind);
	assert_string_equal(wg_db_kind_name(db), f->kind == WG_DB_SQLITE ? "sqlite" : "postgresql");
	char err[256] = "x";
	assert_int_equal(wg_db_integrity_check(db, err, sizeof err), 0);
	wg_db_close(db);
}

static void test_roundtrip(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE rt (id BIGINT PRIMARY KEY, name TEXT, note TEXT)");
	wg_stmt *ins = prepare_ok(db, "INSERT INTO rt (id, name, note) VALUES (?, ?, ?)");
	for (int i = 1; i <= 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "row%d", i);
		assert_int_equal(wg_stmt_bind_int(ins, 1, i), 0);
		assert_int_equal(wg_stmt_bind_text(ins, 2, name, strlen(name)), 0);
		assert_int_equal(i == 2 ? wg_stmt_bind_null(ins, 3) : wg_stmt_bind_text(ins, 3, "n", 1), 0);
		assert_int_equal(wg_stmt_step(ins), WG_DB_DONE);
		assert_int_equal(wg_stmt_changes(ins), 1);
		wg_stmt_reset(ins);
	}
	wg_stmt_finalize(ins);

	wg_stmt *sel = prepare_ok(db, "SELECT id, name, note FROM rt WHERE id >= ? ORDER BY id");
	assert_int_equal(wg_stmt_bind_int(sel, 1, 2), 0);
	assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
	assert_int_equal(wg_stmt_columns(sel), 3);
	size_t len = 99;
	assert_int_equal(wg_stmt_int(sel, 0), 2);
	assert_string_equal(wg_stmt_text(sel, 1, &len), "row2");
	assert_int_equal(len, 4);
	assert_true(wg_stmt_is_null(sel, 2));
	assert_false(wg_stmt_is_null(sel, 1));
	assert_null(wg_stmt_text(sel, 2, &len));
	assert_int_equal(len, 0);
	assert_int_equal(wg_stmt_int(sel, 2), 0);
	/* Out-of-range columns read as NULL instead of crashing. */
	assert_true(wg_stmt_is_null(sel, 3));
	assert_true(wg_stmt_is_null(sel, -1));
	assert_null(wg_stmt_text(sel, 7, NULL));
	assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
	assert_int_equal(wg_stmt_int(sel, 0), 3);
	assert_string_equal(wg_stmt_text(sel, 2, NULL), "n");
	assert_int_equal(wg_stmt_step(sel), WG_DB_DONE);
	assert_int_equal(wg_stmt_changes(sel), 0);
	/* Not on a row any more. */
	assert_int_equal(wg_stmt_int(sel, 0), 0);
	assert_null(wg_stmt_text(sel, 1, NULL));
	/* A step after DONE runs the statement again. */
	assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
	assert_int_equal(wg_stmt_int(sel, 0), 2);
	/* Reset keeps the bindings. */
	wg_stmt_reset(sel);
	assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
	assert_int_equal(wg_stmt_int(sel, 0), 2);
	wg_stmt_reset(sel);
	assert_int_equal(wg_stmt_bind_int(sel, 1, 100), 0);
	assert_int_equal(wg_stmt_step(sel), WG_DB_DONE);
	wg_stmt_finalize(sel);
	wg_db_close(db);
}

static void test_int64_extremes(void **state)
{
	static const int64_t values[] = {0,
	                                 1,
	                                 -1,
	                                 2147483647,
	                                 2147483648LL,
	                                 -2147483649LL,
	                                 9007199254740993LL,
	                                 INT64_MAX,
	                                 INT64_MIN,
	                                 INT64_MIN + 1};
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE ints (k BIGINT PRIMARY KEY, v BIGINT)");
	wg_stmt *ins = prepare_ok(db, "INSERT INTO ints (k, v) VALUES (?, ?)");
	wg_stmt *sel = prepare_ok(db, "SELECT v, v = ? FROM ints WHERE k = ?");
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		wg_stmt_reset(ins);
		assert_int_equal(wg_stmt_bind_int(ins, 1, (int64_t)i), 0);
		assert_int_equal(wg_stmt_bind_int(ins, 2, values[i]), 0);
		assert_int_equal(wg_stmt_step(ins), WG_DB_DONE);
		wg_stmt_reset(sel);
		assert_int_equal(wg_stmt_bind_int(sel, 1, values[i]), 0);
		assert_int_equal(wg_stmt_bind_int(sel, 2, (int64_t)i), 0);
		assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
		assert_true(wg_stmt_int(sel, 0) == values[i]);
		/* The comparison is done by the server: the bound text was exact. */
		assert_int_equal(wg_stmt_int(sel, 1), 1);
	}
	wg_stmt_finalize(ins);
	wg_stmt_finalize(sel);
	wg_db_close(db);
}

static void test_utf8_text(void **state)
{
	static const char *const texts[] = {
		"",
		"网格化管理",
		"街道 / 社区 / 网格 🏘️",
		"quote ' and \" and \\ and ?",
		"línea\nnueva\ttab",
	};
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE texts (k BIGINT PRIMARY KEY, v TEXT NOT NULL)");
	wg_stmt *ins = prepare_ok(db, "INSERT INTO texts (k, v) VALUES (?, ?)");
	wg_stmt *sel = prepare_ok(db, "SELECT v, length(v) FROM texts WHERE k = ?");
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		size_t n = strlen(texts[i]);
		wg_stmt_reset(ins);
		assert_int_equal(wg_stmt_bind_int(ins, 1, (int64_t)i), 0);
		assert_int_equal(wg_stmt_bind_text(ins, 2, texts[i], n), 0);
		assert_int_equal(wg_stmt_step(ins), WG_DB_DONE);
		wg_stmt_reset(sel);
		assert_int_equal(wg_stmt_bind_int(sel, 1, (int64_t)i), 0);
		assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
		size_t len = 99;
		const char *v = wg_stmt_text(sel, 0, &len);
		/* An empty string is not NULL. */
		assert_non_null(v);
		assert_false(wg_stmt_is_null(sel, 0));
		assert_int_equal(len, n);
		assert_memory_equal(v, texts[i], n);
		/* Both dialects count characters, not bytes. */
		size_t chars = 0;
		for (size_t b = 0; b < n; b++)
			chars += ((unsigned char)texts[i][b] & 0xC0) != 0x80;
		assert_int_equal(wg_stmt_int(sel, 1), (int64_t)chars);
	}
	/* Binding copies: the caller's buffer may change afterwards. */
	char buf[8] = "abc";
	wg_stmt_reset(ins);
	assert_int_equal(wg_stmt_bind_int(ins, 1, 100), 0);
	assert_int_equal(wg_stmt_bind_text(ins, 2, buf, 2), 0);
	buf[0] = 'X';
	assert_int_equal(wg_stmt_step(ins), WG_DB_DONE);
	wg_stmt_reset(sel);
	assert_int_equal(wg_stmt_bind_int(sel, 1, 100), 0);
	assert_int_equal(wg_stmt_step(sel), WG_DB_ROW);
	assert_string_equal(wg_stmt_text(sel, 0, NULL), "ab");
	wg_stmt_finalize(ins);
	wg_stmt_finalize(sel);
	wg_db_close(db);
}

static void test_constraints(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db,
	        "CREATE TABLE parent (id BIGINT PRIMARY KEY, code TEXT UNIQUE);"
	        "CREATE TABLE child (id BIGINT PRIMARY KEY, parent BIGINT NOT NULL REFERENCES parent(id))");
	exec_ok(db, "INSERT INTO parent (id, code) VALUES (1, 'a')");
	static const struct {
		const char *sql;
		int rc;
	} cases[] = {
		{"INSERT INTO parent (id, code) VALUES (1, 'b')", WG_ECONFLICT}, /* primary key */
		{"INSERT INTO parent (id, code) VALUES (2, 'a')", WG_ECONFLICT}, /* unique */
		{"INSERT INTO child (id, parent) VALUES (1, 99)", WG_ECONFLICT}, /* foreign key */
		{"INSERT INTO child (id, parent) VALUES (1, NULL)", WG_ESTORE},  /* not null */
		{"INSERT INTO no_such_table VALUES (1)", WG_ESTORE},
		{"INSERT INTO child (id, parent) VALUES (1, 1)", WG_DB_DONE},
		{"DELETE FROM parent WHERE id = 1", WG_ECONFLICT}, /* still referenced */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_stmt *st = NULL;
		int rc = wg_db_prepare(db, cases[i].sql, &st);
		if (rc == 0) {
			rc = wg_stmt_step(st);
			wg_stmt_finalize(st);
		}
		if (rc != cases[i].rc)
			print_error("%s: %d %s\n", cases[i].sql, rc, wg_db_errmsg(db));
		assert_int_equal(rc, cases[i].rc);
		if (rc < 0)
			assert_true(wg_db_errmsg(db)[0] != '\0');
	}
	assert_int_equal(wg_db_exec(db, "INSERT INTO parent (id, code) VALUES (3, 'a')"), WG_ECONFLICT);
	assert_int_equal(wg_db_exec(db, "THIS IS NOT SQL"), WG_ESTORE);
	assert_true(strlen(wg_db_errmsg(db)) > 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM parent"), 1);
	wg_db_close(db);
}

static void test_transactions(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE tx (id BIGINT PRIMARY KEY)");
	assert_false(wg__db_in_transaction(db));
	assert_int_equal(wg_db_begin(db), 0);
	assert_true(wg__db_in_transaction(db));
	exec_ok(db, "INSERT INTO tx VALUES (1)");
	assert_int_equal(wg_db_savepoint(db, "sp_1"), 0);
	exec_ok(db, "INSERT INTO tx VALUES (2)");
	assert_int_equal(wg_db_rollback_to(db, "sp_1"), 0);
	assert_int_equal(wg_db_release(db, "sp_1"), 0);
	/* After a failed statement the transaction goes on from a savepoint
	 * (on PostgreSQL it would be spoilt otherwise). */
	assert_int_equal(wg_db_savepoint(db, "sp_2"), 0);
	assert_int_equal(wg_db_exec(db, "INSERT INTO tx VALUES (1)"), WG_ECONFLICT);
	assert_int_equal(wg_db_rollback_to(db, "sp_2"), 0);
	assert_int_equal(wg_db_release(db, "sp_2"), 0);
	exec_ok(db, "INSERT INTO tx VALUES (3)");
	assert_int_equal(wg_db_commit(db), 0);
	assert_false(wg__db_in_transaction(db));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM tx"), 2);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM tx WHERE id = 2"), 0);

	assert_int_equal(wg_db_begin(db), 0);
	exec_ok(db, "DELETE FROM tx");
	assert_int_equal(wg_db_rollback(db), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM tx"), 2);

	static const char *const bad_names[] = {
		"",    "1abc",
		"a b", "x;DROP TABLE tx",
		"a-b", "a234567890123456789012345678901234567890123456789012345678901234"};
	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
		assert_int_equal(wg_db_savepoint(db, bad_names[i]), WG_EINTERNAL);
	assert_int_equal(wg_db_release(db, "no_such_savepoint"), WG_ESTORE);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM tx"), 2);
	wg_db_close(db);
}

/* Reads: one snapshot from the first statement to wg_db_end_read. On
 * PostgreSQL the BEGIN goes out with the first statement and the COMMIT is
 * not waited for, so what follows on the connection must still work. */
static void test_read_transactions(void **state)
{
	wg_db *db = open_fixture(state);
	wg_db *other = open_fixture(state);
	bool pg = wg_db_kind(db) == WG_DB_POSTGRES;
	exec_ok(db, "CREATE TABLE rt (id BIGINT PRIMARY KEY)");
	exec_ok(db, "INSERT INTO rt VALUES (1)");

	assert_int_equal(wg_db_begin_read(db), 0);
	assert_true(wg__db_in_transaction(db));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rt"), 1);
	exec_ok(other, "INSERT INTO rt VALUES (2)");
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rt"), 1); /* the same snapshot */
	assert_int_equal(wg_db_end_read(db), 0);
	assert_false(wg__db_in_transaction(db));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rt"), 2);

	/* One read after another, then a write on the same connection. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(wg_db_begin_read(db), 0);
		assert_int_equal(count_rows(db, "SELECT count(*) FROM rt"), 2);
		assert_int_equal(wg_db_end_read(db), 0);
	}
	assert_int_equal(wg_db_begin(db), 0);
	exec_ok(db, "INSERT INTO rt VALUES (3)");
	assert_int_equal(wg_db_commit(db), 0);
	assert_int_equal(count_rows(other, "SELECT count(*) FROM rt"), 3);

	/* A read that runs nothing ends cleanly. */
	assert_int_equal(wg_db_begin_read(db), 0);
	assert_int_equal(wg_db_end_read(db), 0);
	assert_false(wg__db_in_transaction(db));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rt"), 3);

	if (pg) {
		/* The BEGIN that went out with the statement made it read-only. */
		assert_int_equal(wg_db_begin_read(db), 0);
		wg_stmt *st = prepare_ok(db, "INSERT INTO rt VALUES (4)");
		assert_int_equal(wg_stmt_step(st), WG_ESTORE);
		assert_non_null(strstr(wg_db_errmsg(db), "read-only"));
		wg_stmt_finalize(st);
		assert_true(wg__db_in_transaction(db));
		assert_int_equal(wg_db_rollback(db), 0);
		assert_false(wg__db_in_transaction(db));
		/* A failed first statement leaves the transaction to roll back. */
		assert_int_equal(wg_db_begin_read(db), 0);
		st = prepare_ok(db, "SELECT 1 / (count(*) - count(*)) FROM rt");
		assert_int_equal(wg_stmt_step(st), WG_ESTORE);
		wg_stmt_finalize(st);
		assert_int_equal(wg_db_rollback(db), 0);
		/* A command other than a statement sends the owed BEGIN first. */
		assert_int_equal(wg_db_begin_read(db), 0);
		assert_int_equal(wg_db_exec(db, "CREATE TABLE rt2 (id BIGINT)"), WG_ESTORE);
		assert_int_equal(wg_db_rollback(db), 0);
	}
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rt"), 3);
	wg_db_close(other);
	wg_db_close(db);
}

static void test_changes(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE ch (id BIGINT PRIMARY KEY, v BIGINT)");
	exec_ok(db, "INSERT INTO ch VALUES (1, 0), (2, 0), (3, 0), (4, 1)");
	static const struct {
		const char *sql;
		int64_t changes;
	} cases[] = {
		{"UPDATE ch SET v = 5 WHERE v = 0", 3},
		{"UPDATE ch SET v = 5 WHERE id = 99", 0},
		{"SELECT count(*) FROM ch", 0},
		{"DELETE FROM ch WHERE id > 2", 2},
		{"INSERT INTO ch VALUES (7, 7), (8, 8)", 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_stmt *st = prepare_ok(db, cases[i].sql);
		int rc;
		while ((rc = wg_stmt_step(st)) == WG_DB_ROW)
			;
		assert_int_equal(rc, WG_DB_DONE);
		assert_int_equal(wg_stmt_changes(st), cases[i].changes);
		wg_stmt_finalize(st);
	}
	wg_db_close(db);
}

static void test_prepare_cached(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE pc (id BIGINT PRIMARY KEY, name TEXT)");
	exec_ok(db, "INSERT INTO pc VALUES (1, 'one'), (2, 'two')");
	static const char sql[] = "SELECT name FROM pc WHERE id = ?";
	wg_stmt *first = NULL, *again = NULL;
	assert_int_equal(wg_db_prepare_cached(db, sql, &first), 0);
	assert_int_equal(wg_stmt_bind_int(first, 1, 1), 0);
	/* Left on a row: the next use must start from a reset statement. */
	assert_int_equal(wg_stmt_step(first), WG_DB_ROW);
	wg_stmt_finalize(first);
	assert_int_equal(wg_db_prepare_cached(db, sql, &again), 0);
	assert_ptr_equal(first, again);
	assert_int_equal(wg_stmt_bind_int(again, 1, 2), 0);
	assert_int_equal(wg_stmt_step(again), WG_DB_ROW);
	assert_string_equal(wg_stmt_text(again, 0, NULL), "two");
	assert_int_equal(wg_stmt_step(again), WG_DB_DONE);
	wg_stmt_finalize(again);
	/* A different text (even equal contents at another address) is another entry. */
	char copy[sizeof sql];
	memcpy(copy, sql, sizeof sql);
	wg_stmt *other = NULL;
	assert_int_equal(wg_db_prepare_cached(db, copy, &other), 0);
	assert_ptr_not_equal(other, first);
	wg_stmt_finalize(other);
	/* The connection frees its cache on close (ASan reports any leak). */
	wg_db_close(db);
}

/* Texts built at run time: equal contents share one cached statement,
 * whatever buffer they were built in; past the intern table's size every
 * text still prepares and runs (as an ordinary statement). */
static void test_prepare_built(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE pb (id BIGINT PRIMARY KEY, name TEXT)");
	exec_ok(db, "INSERT INTO pb VALUES (1, 'one'), (2, 'two')");
	char a[64], b[64];
	snprintf(a, sizeof a, "SELECT name FROM pb WHERE id = %s", "?");
	snprintf(b, sizeof b, "SELECT name FROM pb WHERE id = %s", "?");
	wg_stmt *first = NULL, *again = NULL;
	assert_int_equal(wg_db_prepare_built(db, a, &first), 0);
	wg_stmt_finalize(first);
	memset(a, 0, sizeof a); /* the kept text is a copy */
	assert_int_equal(wg_db_prepare_built(db, b, &again), 0);
	assert_ptr_equal(first, again);
	assert_int_equal(wg_stmt_bind_int(again, 1, 2), 0);
	assert_int_equal(wg_stmt_step(again), WG_DB_ROW);
	assert_string_equal(wg_stmt_text(again, 0, NULL), "two");
	wg_stmt_finalize(again);
	for (int i = 0; i < 300; i++) {
		char sql[64];
		snprintf(sql, sizeof sql, "SELECT id + %d FROM pb WHERE id = 1", i);
		wg_stmt *st = NULL;
		assert_int_equal(wg_db_prepare_built(db, sql, &st), 0);
		assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
		assert_int_equal(wg_stmt_int(st, 0), 1 + i);
		wg_stmt_finalize(st);
	}
	wg_db_close(db);
}

static void test_query_int(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE qi (id BIGINT PRIMARY KEY, name TEXT)");
	exec_ok(db, "INSERT INTO qi VALUES (1, 'one'), (2, 'two'), (3, 'two')");
	int64_t n = -1;
	assert_int_equal(wg_db_query_int(db, "SELECT count(*) FROM qi WHERE name = ?", &n, "t", "two"), 0);
	assert_int_equal(n, 2);
	assert_int_equal(wg_db_query_int(db, "SELECT id FROM qi WHERE name = ? ORDER BY id", &n, "t", "two"),
	                 0);
	assert_int_equal(n, 2);
	n = -1;
	assert_int_equal(wg_db_query_int(db, "SELECT id FROM qi WHERE name = ?", &n, "t", "none"),
	                 WG_ENOTFOUND);
	assert_int_equal(n, -1);
	assert_int_equal(wg_db_query_int(db, "SELECT count(*) FROM qi WHERE id > ?", &n, "x", 1),
	                 WG_EINTERNAL);
	wg_db_close(db);
}

static void test_bindf_execf(void **state)
{
	wg_db *db = open_fixture(state);
	exec_ok(db, "CREATE TABLE bf (id BIGINT PRIMARY KEY, name TEXT, flag BIGINT, note TEXT)");
	int64_t changes = -1;
	static const char insert[] = "INSERT INTO bf (id, name, flag, note) VALUES (?, ?, ?, ?)";
	/* cppcheck-suppress varFuncNullUB ; 'n' binds NULL and reads no argument: the
	 * trailing NULL is never read. */
	assert_int_equal(wg_db_execf(db, insert, &changes, "itbn", (int64_t)1, "一", 5, NULL), 0);
	assert_int_equal(changes, 1);
	assert_int_equal(
		wg_db_execf(db, insert, NULL, "itit", INT64_MAX, (const char *)NULL, (int64_t)7, "y"), 0);
	assert_int_equal(wg_db_execf(db, insert, NULL, "itbn", (int64_t)1, "dup", 0), WG_ECONFLICT);
	assert_int_equal(
		wg_db_execf(db, "UPDATE bf SET flag = ? WHERE id > ?", &changes, "bi", 0, (int64_t)0), 0);
	assert_int_equal(changes, 2);
	assert_int_equal(wg_db_execf(db, insert, NULL, "iq", (int64_t)3), WG_EINTERNAL);
	/* 'z': an unset time (0) binds NULL, any other value itself. */
	assert_int_equal(wg_db_execf(db, "UPDATE bf SET note = ? WHERE id = ?", &changes, "zi", (int64_t)0,
	                             (int64_t)1),
	                 0);
	wg_stmt *zt = prepare_ok(db, "SELECT count(*) FROM bf WHERE note IS NULL AND id = ?");
	assert_int_equal(wg_stmt_bindf(zt, "z", (int64_t)1), 0);
	assert_int_equal(wg_stmt_step(zt), WG_DB_ROW);
	assert_int_equal(wg_stmt_int(zt, 0), 1);
	wg_stmt_finalize(zt);
	wg_stmt *st = prepare_ok(db, "SELECT name, flag, note FROM bf WHERE id = ?");
	assert_int_equal(wg_stmt_bindf(st, "i", (int64_t)1), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	assert_string_equal(wg_stmt_text(st, 0, NULL), "一");
	assert_int_equal(wg_stmt_int(st, 1), 0);
	assert_true(wg_stmt_is_null(st, 2));
	wg_stmt_finalize(st);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM bf WHERE name IS NULL AND note = 'y'"), 1);
	wg_db_close(db);
}

static void test_misuse(void **state)
{
	wg_db *db = open_fixture(state);
	wg_stmt *st = prepare_ok(db, "SELECT ?, '?'");
	assert_int_equal(wg_stmt_bind_int(st, 0, 1), WG_EINTERNAL);
	assert_int_equal(wg_stmt_bind_int(st, 2, 1), WG_EINTERNAL);
	assert_int_equal(wg_stmt_bind_text(st, 1, "a\0b", 3), WG_EVALIDATION);
	assert_int_equal(wg_stmt_bind_text(st, 1, NULL, 0), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	assert_true(wg_stmt_is_null(st, 0));
	assert_string_equal(wg_stmt_text(st, 1, NULL), "?");
	/* Binding between step and reset is refused on both dialects. */
	assert_int_equal(wg_stmt_bind_int(st, 1, 5), WG_EINTERNAL);
	wg_stmt_reset(st);
	assert_int_equal(wg_stmt_bind_int(st, 1, 5), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	assert_int_equal(wg_stmt_int(st, 0), 5);
	wg_stmt_finalize(st);
	wg_stmt_finalize(NULL);
	st = prepare_ok(db, "SELECT 1; -- a comment after the statement\n/* and another */");
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	wg_stmt_finalize(st);

	static const char *const refused[] = {"SELECT 1; SELECT 2", "", "  ", "-- nothing\n"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		st = (wg_stmt *)1;
		int rc = wg_db_prepare(db, refused[i], &st);
		assert_null(st);
		if (rc == 0) {
			print_error("prepare accepted \"%s\"\n", refused[i]);
			fail();
		}
	}
	wg_db_close(db);
}

/* Every allocation on the open and prepare paths fails in turn: each must
 * give WG_ENOMEM and leak nothing (ASan checks at exit). */
static void test_alloc_failures(void **state)
{
	wg_test_db *f = *state;
	if (f->skip)
		skip();
	for (unsigned long n = 1;; n++) {
		wg_db *db = NULL;
		wg_stmt *st = NULL;
		char err[256];
		wg_alloc_fail_at(n);
		int rc = wg_db_open(f->url, 0, &db, err, sizeof err);
		if (rc == 0)
			rc = wg_db_prepare(db, "SELECT ? || ?", &st);
		if (rc == 0)
			rc = wg_stmt_bind_text(st, 1, "网", strlen("网"));
		if (rc == 0)
			rc = wg_stmt_bind_text(st, 2, "格", strlen("格"));
		if (rc == 0) {
			rc = wg_stmt_step(st);
			assert_int_equal(rc, WG_DB_ROW);
			assert_string_equal(wg_stmt_text(st, 0, NULL), "网格");
		}
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		wg_stmt_finalize(st);
		wg_db_close(db);
		if (used < n) {
			assert_true(rc == WG_DB_ROW);
			assert_true(n > 1);
			break;
		}
		assert_int_equal(rc, WG_ENOMEM);
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
		cmocka_unit_test(test_url_kind),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_pg_rewrite),
		cmocka_unit_test(test_pg_rewrite_limit),
		ON_BOTH(test_kind),
		ON_BOTH(test_roundtrip),
		ON_BOTH(test_int64_extremes),
		ON_BOTH(test_utf8_text),
		ON_BOTH(test_constraints),
		ON_BOTH(test_transactions),
		ON_BOTH(test_read_transactions),
		ON_BOTH(test_changes),
		ON_BOTH(test_prepare_cached),
		ON_BOTH(test_prepare_built),
		ON_BOTH(test_query_int),
		ON_BOTH(test_bindf_execf),
		ON_BOTH(test_misuse),
		ON_BOTH(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
