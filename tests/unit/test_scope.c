/* test_scope.c - the scope rule (prefix ranges over scope_key) and the
 * role rules beside it (names, the three separate admin powers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/role.h"
#include "domain/scope.h"

static void test_prefix(void **state)
{
	(void)state;
	static const struct {
		const char *code, *prefix;
	} t[] = {
		{"610000000000", "61"},
		{"610300000000", "6103"},
		{"610326000000", "610326"},
		{"610326101000", "610326101"},
		{"610326101201", "610326101201"},
		{"610326101201003", "610326101201003"},
		{"610326101000003", NULL}, /* a grid under a town code: no such village */
		{"6103261012010031234567890123456789", NULL},
		{"61032610120", NULL},
		{"abc", NULL},
		{NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char prefix[WG_SCOPE_KEY_MAX + 1] = "";
		assert_int_equal(wg_scope_prefix(t[i].code, prefix), t[i].prefix != NULL);
		if (t[i].prefix)
			assert_string_equal(prefix, t[i].prefix);
	}
}

static void test_contains(void **state)
{
	(void)state;
	static const struct {
		const char *scope, *key;
		bool in;
	} t[] = {
		{"610326101000", "610326101000", true},    /* the town itself */
		{"610326101000", "610326101201", true},    /* its village */
		{"610326101000", "610326101201003", true}, /* a grid of its village */
		{"610326101000", "610326102201", false},   /* the next town */
		{"610326101000", "610326100999", false},   /* just below */
		{"610326109000", "610326109999", true},    /* a town ending in 9: hi is 61032611 */
		{"610326109000", "610326110000", false},       {"610326101201003", "610326101201003", true},
		{"610326101201003", "610326101201", false}, /* the village is above the grid */
		{"610326101201003", "610326101201004", false}, {"610326000000", "610326401000", true},
		{"610326000000", "610327000000", false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_caller c = {.user_id = 1, .scope = t[i].scope};
		wg_scope s;
		wg_scope_of(&c, &s);
		if (wg_scope_contains(&s, t[i].key) != t[i].in)
			fail_msg("case %zu: %s in %s", i, t[i].key, t[i].scope);
	}
}

static void test_system_and_broken(void **state)
{
	(void)state;
	wg_scope s;
	wg_scope_of(&(wg_caller){0}, &s);
	assert_true(wg_scope_contains(&s, "110101001001"));
	assert_true(wg_scope_contains(&s, "999999999999999"));
	assert_false(wg_scope_contains(&s, NULL));
	/* An account whose area is not a code sees nothing, never everything. */
	static const char *const broken[] = {"", "x", "61032610100", NULL};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		wg_caller c = {.user_id = 5, .scope = broken[i]};
		wg_scope_of(&c, &s);
		assert_false(wg_scope_contains(&s, "610326101201"));
		assert_false(wg_scope_contains(&s, ""));
	}
	wg_caller dept = {.user_id = 6, .scope = "610326000000", .department = "610326-police"};
	wg_scope_of(&dept, &s);
	assert_string_equal(s.department, "610326-police");
}

/* Matters: an account of department roles only sees none by area (its
 * department's cases come through the department); any other role keeps
 * its area. */
static void test_matters(void **state)
{
	(void)state;
	static const struct {
		unsigned roles;
		bool by_area;
	} t[] = {
		{WG_ROLE_DEPT_HANDLER, false},   {WG_ROLE_DEPT_HEAD, false},
		{WG_ROLES_DEPARTMENT, false},    {WG_ROLE_DEPT_HANDLER | WG_ROLE_LEADER, true},
		{WG_ROLE_CENTRE_OPERATOR, true}, {WG_ROLE_GRID_WORKER, true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_caller c = {.user_id = 7,
		               .roles = t[i].roles,
		               .scope = "610326000000",
		               .department = "610326-police"};
		wg_scope area, matters;
		wg_scope_of(&c, &area);
		wg_scope_of_matters(&c, &matters);
		assert_true(wg_scope_contains(&area, "610326101201"));
		if (wg_scope_contains(&matters, "610326101201") != t[i].by_area)
			fail_msg("case %zu: roles %#x", i, t[i].roles);
		assert_false(wg_scope_contains(&matters, ""));
		assert_string_equal(matters.department, "610326-police");
	}
	wg_scope s;
	wg_scope_of_matters(&(wg_caller){0}, &s);
	assert_true(wg_scope_contains(&s, "610326101201"));
}

static void test_roles(void **state)
{
	(void)state;
	assert_int_equal(wg_role_parse("grid_worker"), WG_ROLE_GRID_WORKER);
	assert_int_equal(wg_role_parse("auditor"), WG_ROLE_AUDITOR);
	assert_int_equal(wg_role_parse("Auditor"), 0);
	assert_int_equal(wg_role_parse(""), 0);
	assert_int_equal(wg_role_parse(NULL), 0);
	for (unsigned bit = 1; bit <= WG_ROLES_ALL; bit <<= 1) {
		assert_non_null(wg_role_name(bit));
		assert_int_equal(wg_role_parse(wg_role_name(bit)), bit);
		assert_non_null(wg_role_label(bit));
	}
	assert_null(wg_role_name(WG_ROLE_SYSADMIN | WG_ROLE_AUDITOR));
	static const struct {
		unsigned roles;
		bool conflict;
	} t[] = {
		{0, false},
		{WG_ROLE_SYSADMIN, false},
		{WG_ROLE_SECADMIN | WG_ROLE_CENTRE_OPERATOR, false},
		{WG_ROLE_SYSADMIN | WG_ROLE_SECADMIN, true},
		{WG_ROLE_SYSADMIN | WG_ROLE_AUDITOR, true},
		{WG_ROLE_SECADMIN | WG_ROLE_AUDITOR | WG_ROLE_LEADER, true},
		{WG_ROLES_ADMIN, true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		unsigned a = 0, b = 0;
		assert_int_equal(wg_role_admin_conflict(t[i].roles, &a, &b), t[i].conflict);
		if (t[i].conflict) {
			assert_true(a && b && a != b);
			assert_true((a | b) == ((a | b) & t[i].roles & WG_ROLES_ADMIN));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_system_and_broken),
		cmocka_unit_test(test_matters),
		cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
