/* test_region.c - division codes and levels, the CSV loader, listing
 * children with paging, one region with its path, and creation rules; on
 * SQLite, and on PostgreSQL when WG_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "domain/region.h"
#include "store/migrate.h"

static void test_code_level(void **state)
{
	(void)state;
	static const struct {
		const char *code;
		bool ok;
		enum wg_region_level level;
	} t[] = {
		{"610000000000", true, WG_REGION_PROVINCE},
		{"610300000000", true, WG_REGION_CITY},
		{"610326000000", true, WG_REGION_COUNTY},
		{"610326101000", true, WG_REGION_TOWN},
		{"610326101201", true, WG_REGION_VILLAGE},
		{"610326000001", true, WG_REGION_VILLAGE},
		{"000000000000", false, 0},
		{"61032610120", false, 0},
		{"6103261012010", false, 0},
		{"61032610120x", false, 0},
		{"", false, 0},
		{"-10326101201", false, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum wg_region_level level = WG_REGION_PROVINCE;
		assert_int_equal(wg_region_code_level(t[i].code, &level), t[i].ok);
		if (t[i].ok)
			assert_int_equal(level, t[i].level);
	}
	assert_false(wg_region_code_level(NULL, &(enum wg_region_level){0}));
}

static void test_parent_code(void **state)
{
	(void)state;
	static const struct {
		const char *code, *parent;
	} t[] = {
		{"610326101201", "610326101000"}, {"610326101000", "610326000000"},
		{"610326000000", "610300000000"}, {"610300000000", "610000000000"},
		{"610000000000", NULL},           {"bad", NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char parent[13];
		assert_int_equal(wg_region_parent_code(t[i].code, parent), t[i].parent != NULL);
		if (t[i].parent)
			assert_string_equal(parent, t[i].parent);
	}
	assert_int_equal(wg_region_prefix_len(WG_REGION_TOWN), 9);
	assert_string_equal(wg_region_level_name(WG_REGION_VILLAGE), "village");
}

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326102000,610326000000,槐芽镇\n"
			   "610326103000,610326000000,汤峪镇\n"
			   "610326101201,610326101000,\"横渠村, 一组\"\n";

struct fixture {
	wg_db *db;
	char path[256];
};

static int open_db(void **state, const char *url)
{
	struct fixture *f = calloc(1, sizeof *f);
	char err[256] = "";
	char buf[512];
	if (!url) {
		snprintf(f->path, sizeof f->path, "%s/wg-region-%d.db",
		         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
		unlink(f->path);
		snprintf(buf, sizeof buf, "sqlite:%s", f->path);
		url = buf;
	} else {
		/* A clean slate on the shared test cluster. */
		wg_db *db;
		if (wg_db_open(url, 1000, &db, err, sizeof err) != 0) {
			free(f);
			return -1;
		}
		wg_db_exec(db, "DROP TABLE IF EXISTS regions, data_loads, schema_migrations CASCADE");
		wg_db_close(db);
	}
	if (wg_db_open(url, 1000, &f->db, err, sizeof err) != 0) {
		fprintf(stderr, "open %s: %s\n", url, err);
		free(f);
		return -1;
	}
	int applied;
	if (wg_migrate(f->db, &applied, err, sizeof err) != 0) {
		fprintf(stderr, "migrate: %s\n", err);
		return -1;
	}
	int loaded = 0;
	if (wg_region_load_csv(f->db, tree, sizeof tree - 1, &loaded, err, sizeof err) != 0 || loaded != 7) {
		fprintf(stderr, "load: %s (%d)\n", err, loaded);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup_sqlite(void **state)
{
	return open_db(state, NULL);
}

static int setup_pg(void **state)
{
	const char *url = getenv("WG_TEST_PG_URL");
	if (!url || !*url) {
		*state = NULL;
		return 0;
	}
	return open_db(state, url);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f) {
		wg_db_close(f->db);
		if (f->path[0])
			unlink(f->path);
		free(f);
	}
	return 0;
}

struct collect {
	char codes[16][13];
	char names[16][64];
	int64_t children[16];
	int n;
};

static int collect(void *ctx, const wg_region *r)
{
	struct collect *c = ctx;
	if (c->n == 16)
		return WG_EINTERNAL;
	snprintf(c->codes[c->n], 13, "%s", r->code);
	snprintf(c->names[c->n], 64, "%s", r->name);
	c->children[c->n] = r->children;
	c->n++;
	return 0;
}

static wg_db *db_of(void **state)
{
	struct fixture *f = *state;
	if (!f)
		skip();
	return f->db;
}

static void test_children_and_paging(void **state)
{
	wg_db *db = db_of(state);
	struct collect c = {0};
	int64_t total = 0;
	assert_int_equal(wg_region_children(db, "610326000000", NULL, 2, collect, &c, &total), 0);
	assert_int_equal(total, 3);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.codes[0], "610326101000");
	assert_int_equal(c.children[0], 1);
	assert_string_equal(c.codes[1], "610326102000");
	struct collect rest = {0};
	assert_int_equal(wg_region_children(db, "610326000000", c.codes[1], 2, collect, &rest, &total), 0);
	assert_int_equal(rest.n, 1);
	assert_string_equal(rest.codes[0], "610326103000");
	struct collect top = {0};
	assert_int_equal(wg_region_children(db, NULL, NULL, 50, collect, &top, &total), 0);
	assert_int_equal(top.n, 1);
	assert_string_equal(top.names[0], "陕西省");
	struct collect none = {0};
	assert_int_equal(wg_region_children(db, "610326999000", NULL, 50, collect, &none, &total),
	                 WG_ENOTFOUND);
}

static void test_get_with_path(void **state)
{
	wg_db *db = db_of(state);
	struct collect path = {0}, self = {0};
	assert_int_equal(wg_region_get(db, "610326101201", collect, collect, &path), 0);
	(void)self;
	assert_int_equal(path.n, 5); /* four ancestors, then the region itself */
	assert_string_equal(path.codes[0], "610000000000");
	assert_string_equal(path.codes[3], "610326101000");
	assert_string_equal(path.names[4], "横渠村, 一组");
	struct collect none = {0};
	assert_int_equal(wg_region_get(db, "610326101299", collect, collect, &none), WG_ENOTFOUND);
	assert_int_equal(wg_region_get(db, "garbage", collect, collect, &none), WG_ENOTFOUND);
	assert_int_equal(none.n, 0);
}

static void test_create(void **state)
{
	wg_db *db = db_of(state);
	assert_int_equal(wg_region_create(db, "610326102201", "槐芽村"), 0);
	assert_int_equal(wg_region_create(db, "610326102201", "again"), WG_ECONFLICT);
	assert_int_equal(wg_region_create(db, "610326104201", "no town"), WG_ENOTFOUND);
	assert_int_equal(wg_region_create(db, "bad", "x"), WG_EVALIDATION);
	struct collect c = {0};
	int64_t total;
	assert_int_equal(wg_region_children(db, "610326102000", NULL, 10, collect, &c, &total), 0);
	assert_int_equal(total, 1);
	assert_string_equal(c.names[0], "槐芽村");
}

static void test_load_errors(void **state)
{
	wg_db *db = db_of(state);
	static const struct {
		const char *csv;
		const char *needle;
	} t[] = {
		{"code,parent,name\n610326101201,610326101000\n", "line 2: expected 3 columns"},
		{"code,parent,name\n61032610120,610326101000,x\n", "line 2: '61032610120' is not"},
		{"code,parent,name\n610326101201,610326000000,x\n",
	         "line 2: parent of 610326101201 must be 610326101000"},
		{"610326101201,610326101000,\n", "line 1: name must be"},
		{"610326105201,610326105000,x\n", "line 1: parent 610326105000 is not loaded"},
		{"code,parent,name\n\"unterminated\n", "line 2"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char err[256] = "";
		int loaded = -1;
		assert_int_not_equal(
			wg_region_load_csv(db, t[i].csv, strlen(t[i].csv), &loaded, err, sizeof err), 0);
		if (!strstr(err, t[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, t[i].needle);
	}
	/* Loading the same file again renames, never duplicates. */
	static const char rename_csv[] = "610326103000,610326000000,汤峪镇(新)\n";
	char err[256];
	int loaded;
	assert_int_equal(wg_region_load_csv(db, rename_csv, sizeof rename_csv - 1, &loaded, err, sizeof err),
	                 0);
	assert_int_equal(loaded, 1);
	struct collect c = {0};
	int64_t total;
	assert_int_equal(wg_region_children(db, "610326000000", "610326102000", 10, collect, &c, &total), 0);
	assert_int_equal(total, 3);
	assert_string_equal(c.names[0], "汤峪镇(新)");
}

#define STORE_TESTS(setup)                                                            \
	cmocka_unit_test_setup_teardown(test_children_and_paging, setup, teardown),   \
		cmocka_unit_test_setup_teardown(test_get_with_path, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),        \
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_level),
		cmocka_unit_test(test_parent_code),
		STORE_TESTS(setup_sqlite),
		STORE_TESTS(setup_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
