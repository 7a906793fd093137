/* fixture.c - the shared fixture of the store-backed unit tests (see
 * fixture.h). */
#include "fixture.h"

#include "domain/region.h"
#include "store/migrate.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* How long a connection of wg_test_setup_open waits for SQLite's write
 * lock. */
#define BUSY_TIMEOUT_MS 5000

static char tmp_root[512];
static unsigned fresh_count;

/* The program's name without "test_", usable in an SQL identifier:
 * test_db gives "db". */
static const char *short_name(void)
{
	static char name[32];
	if (name[0])
		return name;
	const char *p = program_invocation_short_name;
	if (strncmp(p, "test_", 5) == 0)
		p += 5;
	size_t i = 0;
	for (; i < sizeof name - 1 && p[i]; i++)
		name[i] = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ? p[i] : '_';
	name[i] = '\0';
	if (!name[0])
		snprintf(name, sizeof name, "unit");
	return name;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

int wg_test_group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(tmp_root, sizeof tmp_root, "%s/wg-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", short_name());
	if (mkdtemp(tmp_root))
		return 0;
	fprintf(stderr, "mkdtemp %s: %s\n", tmp_root, strerror(errno));
	return -1;
}

int wg_test_group_teardown(void **state)
{
	(void)state;
	return nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *wg_test_dir(void)
{
	return tmp_root;
}

/* Run sql on the PostgreSQL server itself, outside any case's schema. */
static int admin_exec(const char *sql)
{
	wg_db *db;
	char err[256] = "";
	if (wg_db_open(getenv("WG_TEST_PG_URL"), 0, &db, err, sizeof err) != 0) {
		fprintf(stderr, "open WG_TEST_PG_URL: %s\n", err);
		return -1;
	}
	int rc = wg_db_exec(db, sql);
	if (rc)
		fprintf(stderr, "%s: %s\n", sql, wg_db_errmsg(db));
	wg_db_close(db);
	return rc ? -1 : 0;
}

int wg_test_setup(void **state)
{
	wg_test_db *t = *state;
	unsigned n = ++fresh_count;
	t->skip = false;
	t->db = NULL;
	if (t->kind == WG_DB_SQLITE) {
		snprintf(t->url, sizeof t->url, "sqlite:%s/t%u/wangge.db", tmp_root, n);
		return 0;
	}
	const char *pg = getenv("WG_TEST_PG_URL");
	if (!pg || !*pg) {
		t->skip = true;
		return 0;
	}
	snprintf(t->schema, sizeof t->schema, "wgt_%s_%ld_%u", short_name(), (long)getpid(), n);
	snprintf(t->url, sizeof t->url, "%s", pg);
	char sql[128], opts[128];
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", t->schema);
	if (admin_exec(sql))
		return -1;
	snprintf(opts, sizeof opts, "-c search_path=%s", t->schema);
	setenv("PGOPTIONS", opts, 1);
	return 0;
}

int wg_test_setup_open(void **state)
{
	if (wg_test_setup(state))
		return -1;
	wg_test_db *t = *state;
	if (t->skip)
		return 0;
	char err[256] = "";
	wg_db *db = NULL;
	if (wg_db_open(t->url, BUSY_TIMEOUT_MS, &db, err, sizeof err) != 0) {
		fprintf(stderr, "open %s: %s\n", t->url, err);
		wg_test_teardown(state);
		return -1;
	}
	t->db = db;
	if (wg_migrate(db, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "migrate: %s\n", err);
		wg_test_teardown(state);
		return -1;
	}
	return 0;
}

int wg_test_teardown(void **state)
{
	wg_test_db *t = *state;
	if (t->db)
		wg_db_close(t->db);
	t->db = NULL;
	if (t->kind != WG_DB_POSTGRES || t->skip)
		return 0;
	char sql[128];
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", t->schema);
	return admin_exec(sql);
}

int wg_test_load_regions(wg_test_db *t, const char *csv, int rows)
{
	if (t->skip)
		return 0;
	char err[256] = "";
	int loaded = 0;
	if (wg_region_load_csv(t->db, csv, strlen(csv), &loaded, err, sizeof err) != 0 || loaded != rows) {
		fprintf(stderr, "regions: %s (%d of %d loaded)\n", err, loaded, rows);
		return -1;
	}
	return 0;
}

wg_test_db *wg_test_of(void **state)
{
	wg_test_db *t = *state;
	if (t->skip)
		skip();
	return t;
}

wg_db *wg_test_open(void **state)
{
	wg_test_db *t = wg_test_of(state);
	assert_non_null(t->db);
	return t->db;
}

wg_db *wg_test_connect(void **state, int busy_timeout_ms)
{
	wg_test_db *t = wg_test_of(state);
	wg_db *db = NULL;
	char err[256] = "";
	int rc = wg_db_open(t->url, busy_timeout_ms, &db, err, sizeof err);
	if (rc)
		print_error("open %s: %s\n", t->url, err);
	assert_int_equal(rc, 0);
	assert_non_null(db);
	return db;
}

void wg_test_begin(wg_db *db)
{
	assert_int_equal(wg_db_begin(db), 0);
}

int wg_test_end(wg_db *db, int rc)
{
	if (rc == 0)
		assert_int_equal(wg_db_commit(db), 0);
	else
		assert_int_equal(wg_db_rollback(db), 0);
	return rc;
}

int64_t wg_test_query_int(wg_db *db, const char *sql, const char *text, int64_t num)
{
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(db, sql, &st), 0);
	int idx = 1;
	if (text)
		assert_int_equal(wg_stmt_bind_text(st, idx++, text, strlen(text)), 0);
	if (num)
		assert_int_equal(wg_stmt_bind_int(st, idx, num), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t v = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return v;
}
