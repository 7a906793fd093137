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

#include <cmocka.h>

#include "core/error.h"
#include "domain/region.h"
#include "domain/scope.h"

#include "fixture.h"

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

/* The regions around a place: above a scope prefix, and those whose area
 * holds a region (itself and above). */
static void test_above_and_reach(void **state)
{
	(void)state;
	wg_region_codes c;
	wg_region_above("610326101", &c); /* a town's prefix */
	assert_int_equal(c.n, 3);
	assert_string_equal(c.code[0], "610000000000");
	assert_string_equal(c.code[1], "610300000000");
	assert_string_equal(c.code[2], "610326000000");
	wg_region_above("610326101201003", &c); /* a grid's: its village too */
	assert_int_equal(c.n, 5);
	assert_string_equal(c.code[4], "610326101201");
	wg_region_above("~", &c); /* the empty scope */
	assert_int_equal(c.n, 0);

	assert_true(wg_region_reach("610326101201", &c));
	assert_int_equal(c.n, 5);
	assert_string_equal(c.code[3], "610326101000");
	assert_string_equal(c.code[4], "610326101201");
	assert_true(wg_region_reach("610326000000", &c));
	assert_int_equal(c.n, 3);
	assert_string_equal(c.code[2], "610326000000");
	assert_true(wg_region_reach("610000000000", &c));
	assert_int_equal(c.n, 1);
	static const char *const bad[] = {"6103", "610326101201003", "000000000000"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(wg_region_reach(bad[i], &c));
}

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326102000,610326000000,槐芽镇\n"
			   "610326103000,610326000000,汤峪镇\n"
			   "610326101201,610326101000,\"横渠村, 一组\"\n";

/* A fresh, migrated database with the tree above per test (fixture.h). */
static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0)
		return -1;
	return wg_test_load_regions(*state, tree, 7);
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

static wg_scope all; /* the system's scope: everything */

static wg_db *db_of(void **state)
{
	wg_scope_of(&(wg_caller){0}, &all);
	return wg_test_open(state);
}

static void test_children_and_paging(void **state)
{
	wg_db *db = db_of(state);
	struct collect c = {0};
	int64_t total = 0;
	assert_int_equal(wg_region_children(db, &all, "610326000000", NULL, 2, collect, &c, &total), 0);
	assert_int_equal(total, 3);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.codes[0], "610326101000");
	assert_int_equal(c.children[0], 1);
	assert_string_equal(c.codes[1], "610326102000");
	struct collect rest = {0};
	assert_int_equal(wg_region_children(db, &all, "610326000000", c.codes[1], 2, collect, &rest, &total),
	                 0);
	assert_int_equal(rest.n, 1);
	assert_string_equal(rest.codes[0], "610326103000");
	struct collect top = {0};
	assert_int_equal(wg_region_children(db, &all, NULL, NULL, 50, collect, &top, &total), 0);
	assert_int_equal(top.n, 1);
	assert_string_equal(top.names[0], "陕西省");
	struct collect none = {0};
	assert_int_equal(wg_region_children(db, &all, "610326999000", NULL, 50, collect, &none, &total),
	                 WG_ENOTFOUND);
}

static void test_get_with_path(void **state)
{
	wg_db *db = db_of(state);
	struct collect path = {0}, self = {0};
	assert_int_equal(wg_region_get(db, &all, "610326101201", collect, collect, &path), 0);
	(void)self;
	assert_int_equal(path.n, 5); /* four ancestors, then the region itself */
	assert_string_equal(path.codes[0], "610000000000");
	assert_string_equal(path.codes[3], "610326101000");
	assert_string_equal(path.names[4], "横渠村, 一组");
	struct collect none = {0};
	assert_int_equal(wg_region_get(db, &all, "610326101299", collect, collect, &none), WG_ENOTFOUND);
	assert_int_equal(wg_region_get(db, &all, "garbage", collect, collect, &none), WG_ENOTFOUND);
	assert_int_equal(none.n, 0);
}

static void test_create(void **state)
{
	wg_db *db = db_of(state);
	assert_int_equal(wg_region_create(db, &all, "610326102201", "槐芽村"), 0);
	assert_int_equal(wg_region_create(db, &all, "610326102201", "again"), WG_ECONFLICT);
	assert_int_equal(wg_region_create(db, &all, "610326104201", "no town"), WG_ENOTFOUND);
	assert_int_equal(wg_region_create(db, &all, "bad", "x"), WG_EVALIDATION);
	struct collect c = {0};
	int64_t total;
	assert_int_equal(wg_region_children(db, &all, "610326102000", NULL, 10, collect, &c, &total), 0);
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
	assert_int_equal(
		wg_region_children(db, &all, "610326000000", "610326102000", 10, collect, &c, &total), 0);
	assert_int_equal(total, 3);
	assert_string_equal(c.names[0], "汤峪镇(新)");
}

static void test_visibility(void **state)
{
	wg_db *db = db_of(state);
	wg_caller town = {.user_id = 7, .scope = "610326101000"};
	wg_scope s;
	wg_scope_of(&town, &s);
	struct collect c = {0};
	int64_t total;
	/* From the county down, a town operator sees only its own town. */
	assert_int_equal(wg_region_children(db, &s, "610326000000", NULL, 10, collect, &c, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.codes[0], "610326101000");
	/* Above it, the path stays visible; beside it, nothing is. */
	struct collect top = {0};
	assert_int_equal(wg_region_children(db, &s, NULL, NULL, 10, collect, &top, &total), 0);
	assert_int_equal(top.n, 1);
	struct collect path = {0}, none = {0};
	assert_int_equal(wg_region_get(db, &s, "610326101201", collect, collect, &path), 0);
	assert_int_equal(path.n, 5);
	assert_int_equal(wg_region_get(db, &s, "610326102000", collect, collect, &none), WG_ENOTFOUND);
	assert_int_equal(wg_region_children(db, &s, "610326102000", NULL, 10, collect, &none, &total),
	                 WG_ENOTFOUND);
	assert_int_equal(wg_region_create(db, &s, "610326102299", "not mine"), WG_ENOTFOUND);
	assert_int_equal(none.n, 0);
	/* A grid worker sees its village and everything above it, nothing else. */
	wg_caller grid = {.user_id = 8, .scope = "610326101201001"};
	wg_scope_of(&grid, &s);
	struct collect g = {0};
	assert_int_equal(wg_region_get(db, &s, "610326101201", collect, collect, &g), 0);
	assert_int_equal(wg_region_children(db, &s, "610326000000", NULL, 10, collect, &c, &total), 0);
	assert_int_equal(total, 1);
	/* An account with a broken scope sees nothing at all. */
	wg_caller broken = {.user_id = 9, .scope = "x"};
	wg_scope_of(&broken, &s);
	assert_int_equal(wg_region_children(db, &s, NULL, NULL, 10, collect, &none, &total), 0);
	assert_int_equal(total, 0);
}

#define STORE_TESTS(fx)                                                                                     \
	cmocka_unit_test_prestate_setup_teardown(test_children_and_paging, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_get_with_path, setup, wg_test_teardown,       \
	                                                 &(fx)),                                            \
		cmocka_unit_test_prestate_setup_teardown(test_create, setup, wg_test_teardown, &(fx)),      \
		cmocka_unit_test_prestate_setup_teardown(test_load_errors, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_visibility, setup, wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_level),
		cmocka_unit_test(test_parent_code),
		cmocka_unit_test(test_above_and_reach),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
