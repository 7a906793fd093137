/* test_routing.c - the owner department of a category at each level, the
 * fallback when the owner is inactive or lacks the duty, and whether a
 * department is within a case's reach; on SQLite, and on PostgreSQL when
 * WG_TEST_PG_URL is set. Rows are written with SQL, not through the data
 * files, so that each case states exactly the duty lists it routes on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "domain/routing.h"

#include "fixture.h"

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326101201,610326101000,横渠村\n"
			   "610326102000,610326000000,齐镇\n"
			   "610327000000,610300000000,陇县\n"
			   "610327101000,610327000000,城关镇\n";

static int add_category(wg_db *db, const char *code, const char *parent, const char *owner_town,
                        const char *owner_county, int64_t position)
{
	return wg_db_execf(
		db,
		"INSERT INTO categories (code, parent, kind, name, name_en, deadline, deadline_unit, "
		"owner_town, owner_county, position) VALUES (?, ?, 'event', ?, ?, ?, ?, ?, ?, ?)",
		NULL, "ttttittti", code, parent, code, code, parent ? (int64_t)3 : (int64_t)0,
		parent ? "working_days" : NULL, owner_town, owner_county, position);
}

static int add_department(wg_db *db, const char *code, const char *key, const char *region, const char *level,
                          const char *name, const char *duties)
{
	int rc = wg_db_execf(db,
	                     "INSERT INTO departments (code, key, region, level, name, name_en, active, "
	                     "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1, 1)",
	                     NULL, "tttttt", code, key, region, level, name, key);
	/* duties: 4-digit codes separated by commas. */
	for (const char *p = duties; !rc && *p; p += p[4] ? 5 : 4) {
		char category[5];
		snprintf(category, sizeof category, "%.4s", p);
		rc = wg_db_execf(db, "INSERT INTO department_duties (department, category) VALUES (?, ?)",
		                 NULL, "tt", code, category);
	}
	return rc;
}

static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(*state, tree, 8) != 0)
		return -1;
	wg_test_db *t = *state;
	if (t->skip)
		return 0;
	wg_db *db = t->db;
	wg_test_begin(db);
	/* 0103's owners hold no duty anywhere: nobody can take it. */
	int rc = add_category(db, "01", NULL, NULL, NULL, 0);
	if (!rc)
		rc = add_category(db, "0101", "01", "police", "police", 1);
	if (!rc)
		rc = add_category(db, "0102", "01", "civil", "police", 2);
	if (!rc)
		rc = add_category(db, "0103", "01", "urban", "urban", 3);
	if (!rc)
		rc = add_category(db, "0201", "01", "justice", "justice", 4);
	static const struct {
		const char *code, *key, *region, *level, *name, *duties;
	} d[] = {
		{"610326-emergency", "emergency", "610326000000", "county", "眉县应急管理局", "0101"},
		{"610326-justice", "justice", "610326000000", "county", "眉县司法局", "0201"},
		{"610326-police", "police", "610326000000", "county", "眉县公安局", "0101,0102"},
		{"610326101-civil", "civil", "610326101000", "town", "横渠镇民政办", "0102"},
		{"610326101-emergency", "emergency", "610326101000", "town", "横渠镇应急办", "0101"},
		{"610326101-police", "police", "610326101000", "town", "横渠镇派出所", "0101"},
		{"610326101-zfire", "zfire", "610326101000", "town", "横渠镇消防站", "0101"},
		{"610326102-police", "police", "610326102000", "town", "齐镇派出所", "0101"},
		{"610327-police", "police", "610327000000", "county", "陇县公安局", "0101,0102"},
		{"610327101-police", "police", "610327101000", "town", "城关镇派出所", "0101"},
	};
	for (size_t i = 0; !rc && i < sizeof d / sizeof d[0]; i++)
		rc = add_department(db, d[i].code, d[i].key, d[i].region, d[i].level, d[i].name, d[i].duties);
	if (wg_test_end(db, rc)) {
		fprintf(stderr, "fixture rows: %s\n", wg_db_errmsg(db));
		return -1;
	}
	return 0;
}

static void set_active(wg_db *db, const char *code, int active)
{
	assert_int_equal(wg_db_execf(db, "UPDATE departments SET active = ? WHERE code = ?", NULL, "it",
	                             (int64_t)active, code),
	                 0);
}

struct owner_case {
	const char *category, *level, *region;
	int rc;
	const char *code;
};

static void expect_owners(wg_db *db, const char *what, const struct owner_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[WG_DEPARTMENT_CODE_MAX + 1] = "x";
		int rc = wg_routing_owner(db, t[i].category, t[i].level, t[i].region, out, sizeof out);
		if (rc != t[i].rc || strcmp(out, t[i].code) != 0)
			fail_msg("%s case %zu (%s, %s, %s): rc %d, '%s'; want %d, '%s'", what, i,
			         t[i].category ? t[i].category : "-", t[i].level ? t[i].level : "-",
			         t[i].region ? t[i].region : "-", rc, out, t[i].rc, t[i].code);
	}
}

static void test_owner(void **state)
{
	wg_db *db = wg_test_open(state);
	static const struct owner_case t[] = {
		/* The owner key under the case's town for grid, village and town. */
		{"0101", "town", "610326101201", 0, "610326101-police"},
		{"0101", "grid", "610326101201", 0, "610326101-police"},
		{"0101", "village", "610326101201", 0, "610326101-police"},
		{"0101", "town", "610326101000", 0, "610326101-police"},
		{"0101", "town", "610326102000", 0, "610326102-police"},
		{"0102", "town", "610326101201", 0, "610326101-civil"},
		/* ... and under the county for a county-level case. */
		{"0101", "county", "610326101201", 0, "610326-police"},
		{"0102", "county", "610326101201", 0, "610326-police"},
		{"0201", "county", "610326000000", 0, "610326-justice"},
		{"0101", "county", "610327101000", 0, "610327-police"},
		/* No town department holds 0201; nobody holds 0103. */
		{"0201", "town", "610326101201", WG_ENOTFOUND, ""},
		{"0103", "town", "610326101201", WG_ENOTFOUND, ""},
		{"0103", "county", "610326101201", WG_ENOTFOUND, ""},
		{"0999", "town", "610326101201", WG_ENOTFOUND, ""},
		{"01", "town", "610326101201", WG_ENOTFOUND, ""},
		{NULL, "town", "610326101201", WG_ENOTFOUND, ""},
		/* A county code has no town; a city code no county. */
		{"0101", "town", "610326000000", WG_ENOTFOUND, ""},
		{"0101", "county", "610300000000", WG_ENOTFOUND, ""},
		{"0101", "town", "6103261012", WG_ENOTFOUND, ""},
		{"0101", "town", NULL, WG_ENOTFOUND, ""},
		/* A town that has no departments at all. */
		{"0101", "town", "610327102000", WG_ENOTFOUND, ""},
		{"0101", "province", "610326101201", WG_EINTERNAL, ""},
		{"0101", NULL, "610326101201", WG_EINTERNAL, ""},
	};
	expect_owners(db, "owner", t, sizeof t / sizeof t[0]);
}

static void test_owner_fallback(void **state)
{
	wg_db *db = wg_test_open(state);
	/* The owner inactive: the first other active holder of the duty by
	 * code (emergency before zfire). */
	set_active(db, "610326101-police", 0);
	static const struct owner_case inactive[] = {
		{"0101", "town", "610326101201", 0, "610326101-emergency"},
		{"0102", "town", "610326101201", 0, "610326101-civil"},
	};
	expect_owners(db, "inactive", inactive, 2);
	set_active(db, "610326101-emergency", 0);
	static const struct owner_case two_inactive[] = {
		{"0101", "town", "610326101201", 0, "610326101-zfire"}};
	expect_owners(db, "two inactive", two_inactive, 1);
	set_active(db, "610326101-zfire", 0);
	static const struct owner_case none[] = {{"0101", "town", "610326101201", WG_ENOTFOUND, ""}};
	expect_owners(db, "all inactive", none, 1);

	/* Active again, but the owner's duty list no longer holds 0101. */
	set_active(db, "610326101-police", 1);
	set_active(db, "610326101-emergency", 1);
	set_active(db, "610326101-zfire", 1);
	assert_int_equal(wg_db_execf(db,
	                             "DELETE FROM department_duties WHERE department = ? AND category = ?",
	                             NULL, "tt", "610326101-police", "0101"),
	                 0);
	static const struct owner_case no_duty[] = {
		{"0101", "town", "610326101201", 0, "610326101-emergency"},
		/* Another town's owner is unaffected. */
		{"0101", "town", "610326102000", 0, "610326102-police"},
	};
	expect_owners(db, "no duty", no_duty, 2);

	/* At county level: police inactive leaves emergency for 0101 and
	 * nobody for 0102; the fallback never crosses into a town or another
	 * county. */
	set_active(db, "610326-police", 0);
	static const struct owner_case county[] = {
		{"0101", "county", "610326101201", 0, "610326-emergency"},
		{"0102", "county", "610326101201", WG_ENOTFOUND, ""},
		{"0102", "county", "610327000000", 0, "610327-police"},
	};
	expect_owners(db, "county", county, 3);
}

static void test_owner_buffer(void **state)
{
	wg_db *db = wg_test_open(state);
	char out[32];
	size_t need = strlen("610326101-police") + 1;
	memset(out, 'x', sizeof out);
	assert_int_equal(wg_routing_owner(db, "0101", "town", "610326101201", out, need - 1), WG_ETOOLARGE);
	assert_string_equal(out, "");
	assert_int_equal(wg_routing_owner(db, "0101", "town", "610326101201", out, need), 0);
	assert_string_equal(out, "610326101-police");
	assert_int_equal(wg_routing_owner(db, "0101", "town", "610326101201", out, 0), WG_ETOOLARGE);
}

static void test_check(void **state)
{
	wg_db *db = wg_test_open(state);
	set_active(db, "610326101-zfire", 0);
	static const struct {
		const char *department, *region, *level, *category;
		bool found, active, in_reach, has_duty;
		const char *dlevel, *name;
	} t[] = {
		/* A town-level case reaches its town's and its county's departments. */
		{"610326101-police", "610326101201", "town", "0101", true, true, true, true, "town",
	         "横渠镇派出所"},
		{"610326101-police", "610326101201", "grid", "0102", true, true, true, false, "town",
	         "横渠镇派出所"},
		{"610326-police", "610326101201", "village", "0102", true, true, true, true, "county",
	         "眉县公安局"},
		{"610326-justice", "610326101000", "town", "0101", true, true, true, false, "county",
	         "眉县司法局"},
		/* Not another town's, nor another county's. */
		{"610326102-police", "610326101201", "town", "0101", true, true, false, true, "town",
	         "齐镇派出所"},
		{"610327-police", "610326101201", "town", "0101", true, true, false, true, "county",
	         "陇县公安局"},
		{"610327101-police", "610326101201", "town", NULL, true, true, false, false, "town",
	         "城关镇派出所"},
		/* A county-level case reaches only its county's. */
		{"610326101-police", "610326101201", "county", "0101", true, true, false, true, "town",
	         "横渠镇派出所"},
		{"610326-police", "610326101201", "county", "0101", true, true, true, true, "county",
	         "眉县公安局"},
		{"610326-police", "610326000000", "county", NULL, true, true, true, false, "county",
	         "眉县公安局"},
		{"610327-police", "610326000000", "county", "0101", true, true, false, true, "county",
	         "陇县公安局"},
		/* A town-level case placed at the county has no town to reach. */
		{"610326101-police", "610326000000", "town", "0101", true, true, false, true, "town",
	         "横渠镇派出所"},
		/* Inactive: found, not to be dispatched to. */
		{"610326101-zfire", "610326101201", "town", "0101", true, false, false, true, "town",
	         "横渠镇消防站"},
		/* Absent. */
		{"610326101-nobody", "610326101201", "town", "0101", false, false, false, false, "", ""},
		{NULL, "610326101201", "town", "0101", false, false, false, false, "", ""},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_routing_dept d;
		memset(&d, 0x55, sizeof d);
		int rc = wg_routing_check(db, t[i].department, t[i].region, t[i].level, t[i].category, &d);
		if (rc != 0 || d.found != t[i].found || d.active != t[i].active ||
		    d.in_reach != t[i].in_reach || d.has_duty != t[i].has_duty ||
		    strcmp(d.level, t[i].dlevel) != 0 || strcmp(d.name, t[i].name) != 0)
			fail_msg("case %zu (%s): rc %d found %d active %d in_reach %d has_duty %d level '%s' "
			         "name "
			         "'%s'",
			         i, t[i].department ? t[i].department : "-", rc, d.found, d.active,
			         d.in_reach, d.has_duty, d.level, d.name);
		assert_string_equal(d.code, t[i].department ? t[i].department : "");
	}
	wg_routing_dept d;
	assert_int_equal(wg_routing_check(db, "610326-police", "610326101201", "city", "0101", &d),
	                 WG_EINTERNAL);
	assert_false(d.found);
}

#define STORE_TESTS(fx)                                                                                      \
	cmocka_unit_test_prestate_setup_teardown(test_owner, setup, wg_test_teardown, &(fx)),                \
		cmocka_unit_test_prestate_setup_teardown(test_owner_fallback, setup, wg_test_teardown,       \
	                                                 &(fx)),                                             \
		cmocka_unit_test_prestate_setup_teardown(test_owner_buffer, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_check, setup, wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
