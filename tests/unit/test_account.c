/* test_account.c - accounts: input checks, scope on every read and write,
 * roles and the three powers, passwords and their history, sign-in lockout,
 * the TOTP second factor, and the audit rows of each change; on SQLite, and
 * on PostgreSQL when WG_TEST_PG_URL is set (each test in a schema of its
 * own, chosen through PGOPTIONS, dropped afterwards). */
#include "core/alloc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "domain/account.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/session.h"

#include "fixture.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define ALG "sha256"
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

#define TOWN1 "610326101000"
#define TOWN2 "610326102000"
#define VILLAGE1 "610326101201"
#define VILLAGE2 "610326102201"
#define GRID1 "610326101201001"

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326102000,610326000000,槐芽镇\n"
			   "610326101201,610326101000,横渠村\n"
			   "610326102201,610326102000,槐芽村\n";

/* ---- fixture: a fresh, migrated database with regions per test (fixture.h) */

struct fixture {
	wg_test_db t; /* first: the shared setup and teardown find it at *state */
	wg_db *db;    /* t.db, under the name the cases use */
	wg_arena arena;
	wg_config cfg;
};

static int group_setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	return wg_test_group_setup(state);
}

static int setup(void **state)
{
	struct fixture *f = *state;
	wg_clock_set_ms(T0);
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(&f->t, tree, 7) != 0)
		return -1;
	f->db = f->t.db;
	if (f->t.skip)
		return 0;
	if (wg_config_defaults(&f->cfg) != 0)
		return -1;
	wg_arena_init(&f->arena, 4096);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	wg_clock_set_ms(0);
	if (f->t.skip)
		return 0;
	wg_arena_clear(&f->arena);
	wg_config_free(&f->cfg);
	f->db = NULL;
	return wg_test_teardown(state);
}

static struct fixture *fixture_of(void **state)
{
	wg_test_of(state); /* skips a case without a store */
	return *state;
}

static int64_t audit_count(struct fixture *f, const char *action, const char *result)
{
	wg_stmt *st;
	assert_int_equal(
		wg_db_prepare(f->db, "SELECT count(*) FROM audit_log WHERE action = ? AND result = ?", &st),
		0);
	assert_int_equal(wg_stmt_bind_text(st, 1, action, strlen(action)), 0);
	assert_int_equal(wg_stmt_bind_text(st, 2, result, strlen(result)), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t v = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return v;
}

/* The detail of the newest audit row of an action, into buf. */
static const char *audit_detail(struct fixture *f, const char *action, char *buf, size_t len)
{
	wg_stmt *st;
	assert_int_equal(
		wg_db_prepare(f->db,
	                      "SELECT detail, actor_name FROM audit_log WHERE action = ? ORDER BY id "
	                      "DESC LIMIT 1",
	                      &st),
		0);
	assert_int_equal(wg_stmt_bind_text(st, 1, action, strlen(action)), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	const char *d = wg_stmt_text(st, 0, NULL);
	snprintf(buf, len, "%s", d ? d : "");
	wg_stmt_finalize(st);
	return buf;
}

/* No audit detail anywhere holds s (a hash, secret or token). */
static void assert_not_in_audit(struct fixture *f, const char *s)
{
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(f->db, "SELECT detail FROM audit_log", &st), 0);
	int rows = 0, rc;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		const char *d = wg_stmt_text(st, 0, NULL);
		assert_null(d ? strstr(d, s) : NULL);
		rows++;
	}
	assert_int_equal(rc, WG_DB_DONE);
	assert_true(rows > 0);
	wg_stmt_finalize(st);
}

static const wg_caller sys = {.user_id = 0, .username = "console"};

static int64_t create(struct fixture *f, const wg_caller *actor, const char *username, const char *name,
                      const char *scope)
{
	wg_user_input in = {.username = username, .name = name, .scope = scope};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	int64_t id = 0;
	wg_test_begin(f->db);
	int rc = wg_test_end(f->db,
	                     wg_account_create(f->db, actor, ALG, &in, "$argon2id$initial", false, &id, &fe));
	if (rc)
		print_error("create %s: %s (%u field errors)\n", username, wg_error_name(rc), fe.n);
	assert_int_equal(rc, 0);
	assert_true(id > 0);
	return id;
}

static void set_roles(struct fixture *f, int64_t id, unsigned roles)
{
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &sys, ALG, id, roles, &fe)), 0);
}

/* A caller as the HTTP layer builds it from a session. */
static wg_caller caller(int64_t id, const char *username, unsigned roles, const char *scope)
{
	return (wg_caller){.user_id = id, .username = username, .roles = roles, .scope = scope};
}

struct got {
	int calls;
	int64_t ids[16];
	char username[WG_USERNAME_MAX + 1];
	char name[256];
	char phone[32];
	char scope[WG_SCOPE_KEY_MAX + 1];
	char department[80];
	bool has_phone, has_department;
	wg_user u;
};

static int collect(void *ctx, const wg_user *u)
{
	struct got *g = ctx;
	if (g->calls < 16)
		g->ids[g->calls] = u->id;
	g->calls++;
	g->u = *u;
	snprintf(g->username, sizeof g->username, "%s", u->username);
	snprintf(g->name, sizeof g->name, "%s", u->name);
	snprintf(g->phone, sizeof g->phone, "%s", u->phone ? u->phone : "");
	snprintf(g->scope, sizeof g->scope, "%s", u->scope);
	snprintf(g->department, sizeof g->department, "%s", u->department ? u->department : "");
	g->has_phone = u->phone != NULL;
	g->has_department = u->department != NULL;
	return 0;
}

static int get(struct fixture *f, const wg_caller *actor, int64_t id, struct got *g)
{
	memset(g, 0, sizeof *g);
	return wg_account_get(f->db, actor, id, collect, g);
}

/* ---- input checks ------------------------------------------------------- */

/* n copies of the string s into out. */
static void repeat(char *out, const char *s, int n)
{
	size_t len = strlen(s);
	for (int i = 0; i < n; i++)
		memcpy(out + (size_t)i * len, s, len);
	out[(size_t)n * len] = '\0';
}

static void test_check_input(void **state)
{
	struct fixture *f = fixture_of(state);
	create(f, &sys, "taken", "已有", TOWN1);
	char long_name[65 * 3 + 1], max_name[64 * 3 + 1], long_dept[66], user32[33], user33[34];
	repeat(long_name, "网", 65);
	repeat(max_name, "格", 64);
	repeat(long_dept, "d", 65);
	repeat(user32, "u", 32);
	repeat(user33, "u", 33);

	static const wg_user_input base = {.username = "zhang.san", .name = "张三", .scope = TOWN1};
	struct {
		const char *what;
		wg_user_input in;
		bool creating;
		const char *field, *code; /* NULL: valid */
	} t[] = {
		{"valid", base, true, NULL, NULL},
		{"username missing", {.name = "张三", .scope = TOWN1}, true, "username", "required"},
		{"username empty",
	         {.username = "", .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "required"},
		{"username short",
	         {.username = "ab", .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "too_short"},
		{"username 3", {.username = "abc", .name = "张三", .scope = TOWN1}, true, NULL, NULL},
		{"username 32", {.username = user32, .name = "张三", .scope = TOWN1}, true, NULL, NULL},
		{"username 33",
	         {.username = user33, .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "too_long"},
		{"username digit first",
	         {.username = "1abc", .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "pattern"},
		{"username upper",
	         {.username = "Abc", .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "pattern"},
		{"username space",
	         {.username = "ab c", .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "pattern"},
		{"username chars",
	         {.username = "a_b.c-d9", .name = "张三", .scope = TOWN1},
	         true,
	         NULL,
	         NULL},
		{"username taken",
	         {.username = "taken", .name = "张三", .scope = TOWN1},
	         true,
	         "username",
	         "conflict"},
		{"username on update", {.username = "zhang.san"}, false, "username", "read_only"},
		{"name missing", {.username = "zhang.san", .scope = TOWN1}, true, "name", "required"},
		{"name empty",
	         {.username = "zhang.san", .name = "", .scope = TOWN1},
	         true,
	         "name",
	         "required"},
		{"name 64", {.username = "zhang.san", .name = max_name, .scope = TOWN1}, true, NULL, NULL},
		{"name 65",
	         {.username = "zhang.san", .name = long_name, .scope = TOWN1},
	         true,
	         "name",
	         "too_long"},
		{"name control",
	         {.username = "zhang.san", .name = "张\n三", .scope = TOWN1},
	         true,
	         "name",
	         "pattern"},
		{"name invalid utf-8",
	         {.username = "zhang.san", .name = "\xe5\xbc", .scope = TOWN1},
	         true,
	         "name",
	         "pattern"},
		{"name absent on update", {.phone = "13800138000"}, false, NULL, NULL},
		{"mobile",
	         {.username = "zhang.san", .name = "张三", .phone = "13800138000", .scope = TOWN1},
	         true,
	         NULL,
	         NULL},
		{"mobile 12x",
	         {.username = "zhang.san", .name = "张三", .phone = "12800138000", .scope = TOWN1},
	         true,
	         "phone",
	         "pattern"},
		{"mobile short",
	         {.username = "zhang.san", .name = "张三", .phone = "1380013800", .scope = TOWN1},
	         true,
	         "phone",
	         "pattern"},
		{"landline dash",
	         {.username = "zhang.san", .name = "张三", .phone = "0917-5512345", .scope = TOWN1},
	         true,
	         NULL,
	         NULL},
		{"landline 010",
	         {.username = "zhang.san", .name = "张三", .phone = "010-12345678", .scope = TOWN1},
	         true,
	         NULL,
	         NULL},
		{"landline plain",
	         {.username = "zhang.san", .name = "张三", .phone = "09175512345", .scope = TOWN1},
	         true,
	         NULL,
	         NULL},
		{"landline short",
	         {.username = "zhang.san", .name = "张三", .phone = "0917-551234", .scope = TOWN1},
	         true,
	         "phone",
	         "pattern"},
		{"landline area",
	         {.username = "zhang.san", .name = "张三", .phone = "09-5512345", .scope = TOWN1},
	         true,
	         "phone",
	         "pattern"},
		{"phone letters",
	         {.username = "zhang.san", .name = "张三", .phone = "1380013800a", .scope = TOWN1},
	         true,
	         "phone",
	         "pattern"},
		{"phone empty",
	         {.username = "zhang.san", .name = "张三", .phone = "", .scope = TOWN1},
	         true,
	         NULL,
	         NULL},
		{"scope missing", {.username = "zhang.san", .name = "张三"}, true, "scope", "required"},
		{"scope absent on update", {.name = "李四"}, false, NULL, NULL},
		{"scope short",
	         {.username = "zhang.san", .name = "张三", .scope = "61032610100"},
	         true,
	         "scope",
	         "pattern"},
		{"scope letters",
	         {.username = "zhang.san", .name = "张三", .scope = "abc"},
	         true,
	         "scope",
	         "pattern"},
		{"scope unknown",
	         {.username = "zhang.san", .name = "张三", .scope = "610326199000"},
	         true,
	         "scope",
	         "not_found"},
		{"scope village",
	         {.username = "zhang.san", .name = "张三", .scope = VILLAGE1},
	         true,
	         NULL,
	         NULL},
		{"scope grid", {.username = "zhang.san", .name = "张三", .scope = GRID1}, true, NULL, NULL},
		{"grid of unknown village",
	         {.username = "zhang.san", .name = "张三", .scope = "610326101299001"},
	         true,
	         "scope",
	         "not_found"},
		{"grid under a town",
	         {.username = "zhang.san", .name = "张三", .scope = "610326101000001"},
	         true,
	         "scope",
	         "pattern"},
		{"grid too long",
	         {.username = "zhang.san", .name = "张三", .scope = "6103261012010011"},
	         true,
	         "scope",
	         "pattern"},
		{"department",
	         {.username = "zhang.san", .name = "张三", .scope = TOWN1, .department = "police.mx_1"},
	         true,
	         NULL,
	         NULL},
		{"department empty",
	         {.username = "zhang.san", .name = "张三", .scope = TOWN1, .department = ""},
	         true,
	         "department",
	         "pattern"},
		{"department space",
	         {.username = "zhang.san", .name = "张三", .scope = TOWN1, .department = "police mx"},
	         true,
	         "department",
	         "pattern"},
		{"department long",
	         {.username = "zhang.san", .name = "张三", .scope = TOWN1, .department = long_dept},
	         true,
	         "department",
	         "pattern"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors fe;
		wg_field_errors_init(&fe, &f->arena);
		int rc = wg_account_check_input(f->db, &t[i].in, t[i].creating, &fe);
		if (rc != (t[i].field ? WG_EVALIDATION : 0) || fe.n != (t[i].field ? 1u : 0u))
			fail_msg("%s: rc %s, %u errors (%s %s)", t[i].what, wg_error_name(rc), fe.n,
			         fe.n ? fe.e[0].field : "", fe.n ? fe.e[0].code : "");
		if (t[i].field) {
			assert_string_equal(fe.e[0].field, t[i].field);
			assert_string_equal(fe.e[0].code, t[i].code);
			assert_true(strlen(fe.e[0].message) > 10);
		}
	}

	/* Every problem at once, and messages that name what is wrong. */
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	wg_user_input all = {
		.username = "X", .name = "", .phone = "123", .scope = "610326199000", .department = "-?"};
	assert_int_equal(wg_account_check_input(f->db, &all, true, &fe), WG_EVALIDATION);
	assert_int_equal(fe.n, 5);
	assert_non_null(strstr(fe.e[3].message, "610326199000"));
	wg_field_errors_init(&fe, &f->arena);
	wg_user_input grid = {.username = "zhang.san", .name = "张三", .scope = "610326101299001"};
	assert_int_equal(wg_account_check_input(f->db, &grid, true, &fe), WG_EVALIDATION);
	assert_non_null(strstr(fe.e[0].message, "610326101299"));
}

/* With each allocation failing in turn an invalid input still fails the
 * check (a dropped error message must not make it pass) and leaks nothing. */
static void test_check_input_alloc_failures(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_user_input bad = {.username = "X", .name = "张三", .scope = TOWN1};
	for (unsigned long n = 1;; n++) {
		wg_arena arena;
		wg_arena_init(&arena, 256);
		wg_field_errors fe;
		wg_field_errors_init(&fe, &arena);
		wg_alloc_fail_at(n);
		int rc = wg_account_check_input(f->db, &bad, true, &fe);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		wg_arena_clear(&arena);
		assert_true(rc == WG_EVALIDATION || rc == WG_ENOMEM);
		if (used < n) {
			assert_int_equal(rc, WG_EVALIDATION);
			assert_int_equal(fe.n, 1);
			break;
		}
	}
}

/* ---- scope -------------------------------------------------------------- */

static void test_scope(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t admin1 = create(f, &sys, "admin1", "一镇管理员", TOWN1);
	int64_t user1 = create(f, &sys, "worker1", "一镇网格员", GRID1);
	int64_t user2 = create(f, &sys, "worker2", "二镇网格员", VILLAGE2);
	wg_caller a1 = caller(admin1, "admin1", WG_ROLE_SYSADMIN, TOWN1);

	struct got g;
	assert_int_equal(get(f, &a1, user1, &g), 0);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.username, "worker1");
	assert_string_equal(g.name, "一镇网格员");
	assert_string_equal(g.scope, GRID1);
	assert_false(g.has_phone);
	assert_false(g.has_department);
	assert_true(g.u.active);
	assert_int_equal(g.u.version, 1);
	assert_int_equal(g.u.created_at, T0);
	assert_int_equal(g.u.password_changed_at, T0);
	assert_int_equal(g.u.last_login_at, 0);

	/* Out of scope is exactly like missing. */
	assert_int_equal(get(f, &a1, user2, &g), WG_ENOTFOUND);
	assert_int_equal(g.calls, 0);
	assert_int_equal(get(f, &a1, 9999, &g), WG_ENOTFOUND);
	assert_int_equal(get(f, &sys, user2, &g), 0);

	wg_user_filter all = {.active = -1, .limit = 50};
	int64_t total = -1;
	memset(&g, 0, sizeof g);
	assert_int_equal(wg_account_list(f->db, &a1, &all, collect, &g, &total), 0);
	assert_int_equal(total, 2);
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.ids[0], admin1);
	assert_int_equal(g.ids[1], user1);
	memset(&g, 0, sizeof g);
	assert_int_equal(wg_account_list(f->db, &sys, &all, collect, &g, &total), 0);
	assert_int_equal(total, 3);
	assert_int_equal(g.calls, 3);

	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	wg_user_input rename = {.name = "改名"};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &a1, ALG, user2, &rename, 0, &fe)),
	                 WG_ENOTFOUND);
	assert_int_equal(get(f, &sys, user2, &g), 0);
	assert_string_equal(g.name, "二镇网格员");
	/* Nor may an account be moved out of the actor's area. */
	wg_user_input move = {.scope = VILLAGE2};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &a1, ALG, user1, &move, 0, &fe)),
	                 WG_EVALIDATION);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].code, "not_found"); /* worded like an area that does not exist */

	/* Creating in another town is refused like an area that does not
	 * exist; in one's own village it works. */
	wg_field_errors_init(&fe, &f->arena);
	wg_user_input other = {.username = "worker3", .name = "三", .scope = TOWN2};
	int64_t id = 0;
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_account_create(f->db, &a1, ALG, &other, "$h", false, &id, &fe)),
		WG_EVALIDATION);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].code, "not_found");
	assert_int_equal(id, 0);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM users WHERE username = ?", "worker3", 0), 0);
	int64_t user3 = create(f, &a1, "worker3", "三", VILLAGE1);
	assert_int_equal(get(f, &a1, user3, &g), 0);

	/* A grid account sees its grid only; a broken scope sees nothing. */
	wg_caller w1 = caller(user1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	assert_int_equal(get(f, &w1, user1, &g), 0);
	assert_int_equal(get(f, &w1, user3, &g), WG_ENOTFOUND);
	wg_caller broken = caller(admin1, "admin1", WG_ROLE_SYSADMIN, "bogus");
	assert_int_equal(get(f, &broken, admin1, &g), WG_ENOTFOUND);
	memset(&g, 0, sizeof g);
	assert_int_equal(wg_account_list(f->db, &broken, &all, collect, &g, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(g.calls, 0);

	/* Roles and passwords follow the same rule. */
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_account_set_roles(f->db, &a1, ALG, user2, WG_ROLE_GRID_WORKER, &fe)),
		WG_ENOTFOUND);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_password(f->db, &a1, ALG, user2, "$new", true, 5,
	                                                            NULL, "password.reset")),
	                 WG_ENOTFOUND);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_reset(f->db, &a1, ALG, user2)), WG_ENOTFOUND);
	assert_int_equal(audit_count(f, "user.create", "ok"), 4);
	assert_int_equal(audit_count(f, "user.update", "ok"), 0);
	assert_int_equal(audit_count(f, "role.grant", "ok"), 0);
	assert_int_equal(audit_count(f, "password.reset", "ok"), 0);
}

static void test_create_audit(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_user_input in = {.username = "li.si",
	                    .name = "李四",
	                    .phone = "13800138000",
	                    .scope = VILLAGE1,
	                    .department = "police"};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	int64_t id = 0;
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_create(f->db, &sys, ALG, &in, "$argon2id$secret-hash",
	                                                      true, &id, &fe)),
	                 0);
	struct got g;
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_string_equal(g.phone, "13800138000");
	assert_string_equal(g.department, "police");
	assert_true(g.u.must_change_password);
	assert_int_equal(g.u.roles, 0);
	assert_false(g.u.totp_enabled);
	assert_int_equal(audit_count(f, "user.create", "ok"), 1);
	char d[512];
	audit_detail(f, "user.create", d, sizeof d);
	assert_string_equal(d, "{\"username\":\"li.si\",\"scope\":\"" VILLAGE1
	                       "\",\"department\":\"police\",\"must_change\":true}");
	assert_not_in_audit(f, "secret-hash");
	assert_not_in_audit(f, "13800138000");
	/* The system acts under its console name, without an account id. */
	assert_int_equal(wg_test_query_int(f->db,
	                                   "SELECT count(*) FROM audit_log WHERE action = 'user.create' AND "
	                                   "actor_name = ? AND actor_id IS NULL",
	                                   "console", 0),
	                 1);
	char idtext[24];
	snprintf(idtext, sizeof idtext, "%" PRId64, id);
	assert_int_equal(
		wg_test_query_int(
			f->db, "SELECT count(*) FROM audit_log WHERE object_type = 'user' AND object_id = ?",
			idtext, 0),
		1);
}

static void test_duplicate_username(void **state)
{
	struct fixture *f = fixture_of(state);
	create(f, &sys, "wang.wu", "王五", TOWN1);
	wg_user_input in = {.username = "wang.wu", .name = "另一个王五", .scope = TOWN2};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	int64_t id = 0;
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_create(f->db, &sys, ALG, &in, "$h", false, &id, &fe)),
	                 WG_EVALIDATION);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].field, "username");
	assert_string_equal(fe.e[0].code, "conflict");
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM users", NULL, 0), 1);

	/* Create checks its input itself. */
	wg_user_input bad = {.username = "zhao.liu", .name = "赵六", .phone = "555", .scope = TOWN1};
	wg_field_errors_init(&fe, &f->arena);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_create(f->db, &sys, ALG, &bad, "$h", false, &id, &fe)),
	                 WG_EVALIDATION);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].field, "phone");
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM users", NULL, 0), 1);
	assert_int_equal(audit_count(f, "user.create", "ok"), 1);
}

/* ---- listing -------------------------------------------------------------- */

static void test_list_filters(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t a = create(f, &sys, "alpha", "张伟", TOWN1);
	int64_t b = create(f, &sys, "bravo", "李伟", VILLAGE1);
	int64_t c = create(f, &sys, "charlie_x", "王芳", GRID1);
	int64_t d = create(f, &sys, "delta", "Zhao 100%", TOWN2);
	set_roles(f, a, WG_ROLE_GRID_WORKER);
	set_roles(f, b, WG_ROLE_GRID_HEAD | WG_ROLE_MEDIATOR);
	set_roles(f, c, WG_ROLE_MEDIATOR);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	wg_user_input off = {.set_active = true, .active = false};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, c, &off, 0, &fe)), 0);

	struct {
		wg_user_filter f;
		int64_t total;
		int n;
		int64_t first;
	} t[] = {
		{{.active = -1, .limit = 50}, 4, 4, a},
		{{.q = "伟", .active = -1, .limit = 50}, 2, 2, a},
		{{.q = "BRA", .active = -1, .limit = 50}, 1, 1, b},
		{{.q = "_", .active = -1, .limit = 50}, 1, 1, c}, /* '_' is literal, not "any" */
		{{.q = "%", .active = -1, .limit = 50}, 1, 1, d}, /* so is '%' */
		{{.q = "zzz", .active = -1, .limit = 50}, 0, 0, 0},
		{{.role = WG_ROLE_MEDIATOR, .active = -1, .limit = 50}, 2, 2, b},
		{{.role = WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD, .active = -1, .limit = 50}, 2, 2, a},
		{{.role = WG_ROLE_SYSADMIN, .active = -1, .limit = 50}, 0, 0, 0},
		{{.active = 1, .limit = 50}, 3, 3, a},
		{{.active = 0, .limit = 50}, 1, 1, c},
		{{.role = WG_ROLE_MEDIATOR, .active = 1, .limit = 50}, 1, 1, b},
		{{.active = -1, .limit = 2}, 4, 2, a},
		{{.active = -1, .after_id = b, .limit = 50}, 4, 2, c},
		{{.active = -1, .after_id = b, .limit = 1}, 4, 1, c},
		{{.active = -1, .limit = 0}, 4, 0, 0},
		{{.active = -1, .limit = -5}, 4, 0, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct got g = {0};
		int64_t total = -1;
		assert_int_equal(wg_account_list(f->db, &sys, &t[i].f, collect, &g, &total), 0);
		if (total != t[i].total || g.calls != t[i].n || (t[i].n && g.ids[0] != t[i].first))
			fail_msg("case %zu: total %" PRId64 ", %d rows, first %" PRId64, i, total, g.calls,
			         g.calls ? g.ids[0] : 0);
	}
}

static void test_list_long_query(void **state)
{
	struct fixture *f = fixture_of(state);
	create(f, &sys, "aaaa", "甲", TOWN1);
	char q[300];
	memset(q, 'a', sizeof q - 1);
	q[sizeof q - 1] = '\0';
	wg_user_filter filter = {.q = q, .active = -1, .limit = 50};
	struct got g = {0};
	int64_t total = -1;
	assert_int_equal(wg_account_list(f->db, &sys, &filter, collect, &g, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(g.calls, 0);
	q[4] = '\0';
	assert_int_equal(wg_account_list(f->db, &sys, &filter, collect, &g, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(g.calls, 1);
}

static int stop_at_first(void *ctx, const wg_user *u)
{
	(void)u;
	++*(int *)ctx;
	return WG_EIO;
}

static void test_list_callback_stops(void **state)
{
	struct fixture *f = fixture_of(state);
	create(f, &sys, "one", "一", TOWN1);
	create(f, &sys, "two", "二", TOWN1);
	int calls = 0;
	int64_t total;
	wg_user_filter all = {.active = -1, .limit = 50};
	assert_int_equal(wg_account_list(f->db, &sys, &all, stop_at_first, &calls, &total), WG_EIO);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(wg_account_get(f->db, &sys, 1, stop_at_first, &calls), WG_EIO);
	assert_int_equal(calls, 1);
}

/* ---- update ---------------------------------------------------------------- */

static void test_update(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id = create(f, &sys, "zhou", "周", TOWN1);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);

	wg_clock_set_ms(T0 + 5000);
	wg_user_input in = {.name = "周杰", .phone = "13912345678", .department = "civil"};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, id, &in, 1, &fe)), 0);
	struct got g;
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_string_equal(g.name, "周杰");
	assert_string_equal(g.phone, "13912345678");
	assert_string_equal(g.department, "civil");
	assert_string_equal(g.scope, TOWN1);
	assert_int_equal(g.u.version, 2);
	assert_int_equal(g.u.updated_at, T0 + 5000);
	assert_int_equal(audit_count(f, "user.update", "ok"), 1);
	char d[512];
	assert_string_equal(audit_detail(f, "user.update", d, sizeof d),
	                    "{\"fields\":[\"name\",\"phone\",\"department\"]}");
	assert_not_in_audit(f, "13912345678");

	/* A stale version loses. */
	wg_user_input again = {.name = "周二"};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, id, &again, 1, &fe)),
	                 WG_ECONFLICT);
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_string_equal(g.name, "周杰");

	/* Same values: nothing written, nothing audited. */
	wg_user_input same = {.name = "周杰", .scope = TOWN1, .set_active = true, .active = true};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, id, &same, 2, &fe)), 0);
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_int_equal(g.u.version, 2);
	assert_int_equal(audit_count(f, "user.update", "ok"), 1);

	/* Clearing phone and department, moving scope. */
	wg_user_input clear = {.phone = "", .set_department = true, .department = NULL, .scope = GRID1};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, id, &clear, 0, &fe)), 0);
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_false(g.has_phone);
	assert_false(g.has_department);
	assert_string_equal(g.scope, GRID1);
	assert_string_equal(audit_detail(f, "user.update", d, sizeof d),
	                    "{\"fields\":[\"phone\",\"scope\",\"department\"]}");

	/* Invalid input changes nothing. */
	wg_user_input bad = {.name = "好名字", .phone = "12"};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, id, &bad, 0, &fe)),
	                 WG_EVALIDATION);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].field, "phone");
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_string_equal(g.name, "周杰");
	assert_int_equal(audit_count(f, "user.update", "ok"), 2);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &sys, ALG, 9999, &again, 0, &fe)),
	                 WG_ENOTFOUND);
}

static void test_deactivate(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t admin = create(f, &sys, "admin", "管理员", TOWN1);
	int64_t id = create(f, &sys, "leaver", "离职", VILLAGE1);
	wg_caller a = caller(admin, "admin", WG_ROLE_SYSADMIN, TOWN1);
	wg_caller who = caller(id, "leaver", 0, VILLAGE1);
	char token[WG_TOKEN_TEXT], hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	wg_session_new_token(token, hash);
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_session_create(f->db, ALG, &who, hash, WG_SESSION_FULL, T0, csrf)), 0);
	wg_session_info info;
	assert_int_equal(wg_session_lookup(f->db, hash, T0, 1800000, 43200000, &f->arena, &info), 0);

	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	wg_user_input off = {.set_active = true, .active = false};
	/* Not oneself. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &a, ALG, admin, &off, 0, &fe)),
	                 WG_EFORBIDDEN);
	struct got g;
	assert_int_equal(get(f, &sys, admin, &g), 0);
	assert_true(g.u.active);

	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &a, ALG, id, &off, 0, &fe)), 0);
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_false(g.u.active);
	assert_int_equal(wg_session_lookup(f->db, hash, T0, 1800000, 43200000, &f->arena, &info), WG_EUNAUTH);
	assert_int_equal(
		wg_test_query_int(
			f->db,
			"SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL AND token_hash = ?", hash,
			0),
		1);
	char d[512];
	assert_string_equal(audit_detail(f, "user.update", d, sizeof d),
	                    "{\"fields\":[\"active\"],\"active\":false}");

	/* A deactivated account signs in like an unknown one. */
	wg_login l;
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, "leaver", T0, &l), 0);
	assert_false(l.exists);
	assert_int_equal(l.user_id, 0);
	assert_string_equal(l.password_hash, "");

	wg_user_input on = {.set_active = true, .active = true};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_update(f->db, &a, ALG, id, &on, 0, &fe)), 0);
	assert_string_equal(audit_detail(f, "user.update", d, sizeof d),
	                    "{\"fields\":[\"active\"],\"active\":true}");
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, "leaver", T0, &l), 0);
	assert_true(l.exists);
	assert_int_equal(l.user_id, id);
	/* Reactivating does not bring the revoked session back. */
	assert_int_equal(wg_session_lookup(f->db, hash, T0, 1800000, 43200000, &f->arena, &info), WG_EUNAUTH);
}

/* ---- roles ------------------------------------------------------------------ */

static void test_roles(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t sec = create(f, &sys, "secadmin", "安全管理员", TOWN1);
	int64_t id = create(f, &sys, "staff", "员工", TOWN1);
	set_roles(f, sec, WG_ROLE_SECADMIN);
	wg_caller s = caller(sec, "secadmin", WG_ROLE_SECADMIN, TOWN1);
	wg_field_errors fe;

	static const struct {
		unsigned roles;
		const char *message;
	} conflicts[] = {
		{WG_ROLE_SYSADMIN | WG_ROLE_AUDITOR,
	         "sysadmin and auditor are separate powers and cannot be held together"},
		{WG_ROLE_SYSADMIN | WG_ROLE_SECADMIN,
	         "sysadmin and secadmin are separate powers and cannot be held together"},
		{WG_ROLE_SECADMIN | WG_ROLE_AUDITOR | WG_ROLE_GRID_WORKER,
	         "secadmin and auditor are separate powers and cannot be held together"},
	};
	for (size_t i = 0; i < sizeof conflicts / sizeof conflicts[0]; i++) {
		wg_field_errors_init(&fe, &f->arena);
		wg_test_begin(f->db);
		assert_int_equal(
			wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, id, conflicts[i].roles, &fe)),
			WG_EVALIDATION);
		assert_int_equal(fe.n, 1);
		assert_string_equal(fe.e[0].field, "roles");
		assert_string_equal(fe.e[0].code, "conflict");
		assert_string_equal(fe.e[0].message, conflicts[i].message);
	}
	wg_field_errors_init(&fe, &f->arena);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, id, 1u << 20, &fe)),
	                 WG_EVALIDATION);
	assert_string_equal(fe.e[0].code, "unknown");

	/* Not one's own roles, not even to drop one. */
	wg_field_errors_init(&fe, &f->arena);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, sec, 0, &fe)),
	                 WG_EFORBIDDEN);
	struct got g;
	assert_int_equal(get(f, &sys, sec, &g), 0);
	assert_int_equal(g.u.roles, WG_ROLE_SECADMIN);

	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, id,
	                                                WG_ROLE_GRID_WORKER | WG_ROLE_SYSADMIN, &fe)),
		0);
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_int_equal(g.u.roles, WG_ROLE_GRID_WORKER | WG_ROLE_SYSADMIN);
	assert_int_equal(g.u.version, 2);
	char d[512];
	assert_string_equal(audit_detail(f, "role.grant", d, sizeof d),
	                    "{\"roles\":[\"grid_worker\",\"sysadmin\"],\"previous\":[]}");
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, id, WG_ROLE_AUDITOR, &fe)),
	                 0);
	assert_string_equal(audit_detail(f, "role.grant", d, sizeof d),
	                    "{\"roles\":[\"auditor\"],\"previous\":[\"grid_worker\",\"sysadmin\"]}");
	/* The same set again changes nothing. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, id, WG_ROLE_AUDITOR, &fe)),
	                 0);
	/* set_roles(sec) by the fixture, then two grants by secadmin. */
	assert_int_equal(audit_count(f, "role.grant", "ok"), 3);
	assert_int_equal(
		wg_test_query_int(
			f->db,
			"SELECT count(*) FROM audit_log WHERE action = 'role.grant' AND actor_name = ?",
			"secadmin", 0),
		2);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &s, ALG, 9999, WG_ROLE_AUDITOR, &fe)),
	                 WG_ENOTFOUND);
}

/* ---- passwords ---------------------------------------------------------------- */

static void test_password_history(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id = create(f, &sys, "pwuser", "密码", TOWN1);
	wg_caller me = caller(id, "pwuser", 0, TOWN1);
	char names[8][16];
	for (int i = 1; i <= 6; i++) {
		snprintf(names[i], sizeof names[i], "$h%d", i);
		wg_clock_set_ms(T0 + (int64_t)i * 1000);
		wg_test_begin(f->db);
		assert_int_equal(
			wg_test_end(f->db, wg_account_set_password(f->db, &me, ALG, id, names[i], false, 3,
		                                                   NULL, "password.change")),
			0);
	}
	const char *h[8];
	unsigned n = 0;
	assert_int_equal(wg_account_password_hashes(f->db, id, 3, &f->arena, h, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(h[0], "$h6");
	assert_string_equal(h[1], "$h5");
	assert_string_equal(h[2], "$h4");
	assert_string_equal(h[3], "$h3");
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM password_history WHERE user_id = ?", NULL, id),
		3);
	/* Fewer asked for, fewer given; at most max. */
	assert_int_equal(wg_account_password_hashes(f->db, id, 1, &f->arena, h, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[1], "$h5");
	assert_int_equal(wg_account_password_hashes(f->db, id, 3, &f->arena, h, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(wg_account_password_hashes(f->db, id, 0, &f->arena, h, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0], "$h6");
	assert_int_equal(wg_account_password_hashes(f->db, 9999, 3, &f->arena, h, 8, &n), WG_ENOTFOUND);
	assert_int_equal(n, 0);

	struct got g;
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_int_equal(g.u.password_changed_at, T0 + 6000);
	assert_false(g.u.must_change_password);
	assert_int_equal(audit_count(f, "password.change", "ok"), 6);
	assert_not_in_audit(f, "$h");

	/* A smaller history trims the table at the next change. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_password(f->db, &sys, ALG, id, "$h7", true, 1,
	                                                            NULL, "password.reset")),
	                 0);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM password_history WHERE user_id = ?", NULL, id),
		1);
	assert_int_equal(wg_account_password_hashes(f->db, id, 5, &f->arena, h, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0], "$h7");
	assert_string_equal(h[1], "$h6");
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_true(g.u.must_change_password);
	assert_int_equal(audit_count(f, "password.reset", "ok"), 1);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_password(f->db, &sys, ALG, id, "$h8", false, 0,
	                                                            NULL, "password.reset")),
	                 0);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM password_history WHERE user_id = ?", NULL, id),
		0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_password(f->db, &sys, ALG, id, "$h9", false, 0,
	                                                            NULL, "user.delete")),
	                 WG_EINTERNAL);
}

static void test_password_revokes_sessions(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id = create(f, &sys, "sess", "会话", TOWN1);
	wg_caller me = caller(id, "sess", 0, TOWN1);
	char tok[3][WG_TOKEN_TEXT], hash[3][WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	for (int i = 0; i < 3; i++) {
		wg_session_new_token(tok[i], hash[i]);
		wg_test_begin(f->db);
		assert_int_equal(wg_test_end(f->db, wg_session_create(f->db, ALG, &me, hash[i],
		                                                      WG_SESSION_FULL, T0, csrf)),
		                 0);
	}
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_password(f->db, &me, ALG, id, "$new", false, 5,
	                                                            hash[1], "password.change")),
	                 0);
	wg_session_info info;
	for (int i = 0; i < 3; i++)
		assert_int_equal(wg_session_lookup(f->db, hash[i], T0, 1800000, 43200000, &f->arena, &info),
		                 i == 1 ? 0 : WG_EUNAUTH);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_password(f->db, &sys, ALG, id, "$newer", true, 5,
	                                                            NULL, "password.reset")),
	                 0);
	assert_int_equal(wg_session_lookup(f->db, hash[1], T0, 1800000, 43200000, &f->arena, &info),
	                 WG_EUNAUTH);
}

/* ---- sign-in and lockout ---------------------------------------------------- */

static void fail_login(struct fixture *f, const char *username, const char *reason, int64_t at)
{
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_account_login_failed(f->db, ALG, username, "192.0.2.1", reason, at)),
		0);
}

static int64_t locked_ms(struct fixture *f, const char *username, int64_t at)
{
	wg_login l;
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, username, at, &l), 0);
	return l.locked_ms;
}

static void test_login_load(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id = create(f, &sys, "login", "登录", TOWN1);
	set_roles(f, id, WG_ROLE_LEADER);
	wg_login l;
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, "login", T0, &l), 0);
	assert_true(l.exists);
	assert_int_equal(l.user_id, id);
	assert_string_equal(l.username, "login");
	assert_string_equal(l.password_hash, "$argon2id$initial");
	assert_int_equal(l.roles, WG_ROLE_LEADER);
	assert_false(l.must_change);
	assert_int_equal(l.password_changed_at, T0);
	assert_false(l.totp_enabled);
	assert_string_equal(l.totp_secret, "");
	assert_int_equal(l.locked_ms, 0);
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, "nobody", T0, &l), 0);
	assert_false(l.exists);
	assert_string_equal(l.password_hash, "");
	/* Usernames are exact. */
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, "LOGIN", T0, &l), 0);
	assert_false(l.exists);
}

static void test_lockout(void **state)
{
	struct fixture *f = fixture_of(state);
	create(f, &sys, "target", "目标", TOWN1);
	const int64_t lockout = 300000, s = 1000;
	for (const char *name = "target";; name = "ghost") {
		/* Four failures: not locked yet. */
		for (int i = 0; i < 4; i++) {
			fail_login(f, name, "password", T0 + i * s);
			assert_int_equal(locked_ms(f, name, T0 + i * s + 1), 0);
		}
		fail_login(f, name, "password", T0 + 4 * s);
		/* The sixth attempt finds the account locked until the fifth
		 * failure plus the lockout. */
		assert_int_equal(locked_ms(f, name, T0 + 5 * s), T0 + 4 * s + lockout - (T0 + 5 * s));
		assert_int_equal(locked_ms(f, name, T0 + 4 * s + lockout - 1), 1);
		/* Attempts refused while locked do not prolong it. */
		fail_login(f, name, "locked", T0 + 6 * s);
		assert_int_equal(locked_ms(f, name, T0 + 7 * s), T0 + 4 * s + lockout - (T0 + 7 * s));
		/* Released after the lockout. */
		assert_int_equal(locked_ms(f, name, T0 + 4 * s + lockout), 0);
		if (strcmp(name, "ghost") == 0)
			break;
	}
	/* Other names are not affected. */
	assert_int_equal(locked_ms(f, "bystander", T0 + 5 * s), 0);
	assert_int_equal(audit_count(f, "session.login", "denied"), 12);
	char d[512];
	assert_string_equal(audit_detail(f, "session.login", d, sizeof d), "{\"reason\":\"locked\"}");
	assert_int_equal(
		wg_test_query_int(f->db,
	                          "SELECT count(*) FROM audit_log WHERE action = 'session.login' AND "
	                          "actor_name = ? AND address = '192.0.2.1' AND actor_id IS NULL",
	                          "ghost", 0),
		6);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM login_failures WHERE username = ?",
	                                   "ghost", 0),
	                 5);
}

static void test_lockout_window(void **state)
{
	struct fixture *f = fixture_of(state);
	const int64_t s = 1000;
	/* Five failures spread over more than the window never lock. */
	static const int64_t spread[] = {0, 100, 200, 299, 301};
	for (size_t i = 0; i < 5; i++)
		fail_login(f, "spread", "password", T0 + spread[i] * s);
	assert_int_equal(locked_ms(f, "spread", T0 + 302 * s), 0);
	/* One more inside the window of the last four locks. */
	fail_login(f, "spread", "totp", T0 + 310 * s);
	assert_int_equal(locked_ms(f, "spread", T0 + 311 * s), 299 * s);

	/* Exactly the window apart still counts. */
	for (int i = 0; i < 4; i++)
		fail_login(f, "edge", "inactive", T0 + i * s);
	fail_login(f, "edge", "password", T0 + 300 * s);
	assert_int_equal(locked_ms(f, "edge", T0 + 300 * s), 300 * s);

	/* Another policy: 3 failures in 60 s lock for 600 s. */
	f->cfg.security_lockout_failures = 3;
	f->cfg.security_lockout_window_s = 60;
	f->cfg.security_lockout_s = 600;
	for (int i = 0; i < 3; i++)
		fail_login(f, "strict", "password", T0 + (int64_t)i * 20 * s);
	assert_int_equal(locked_ms(f, "strict", T0 + 40 * s), 600 * s);
	assert_int_equal(locked_ms(f, "strict", T0 + 640 * s), 0);

	/* Unknown reasons are a programming error. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_login_failed(f->db, ALG, "x", NULL, "typo", T0)),
	                 WG_EINTERNAL);
	/* Very long names are cut, still counted, still locked. */
	char longname[300];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	f->cfg.security_lockout_failures = 1;
	fail_login(f, longname, "password", T0);
	assert_true(locked_ms(f, longname, T0 + 1) > 0);
}

static void test_lockout_purge_and_login(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id = create(f, &sys, "user", "用户", TOWN1);
	for (int i = 0; i < 3; i++)
		fail_login(f, "old", "password", T0 + i);
	for (int i = 0; i < 3; i++)
		fail_login(f, "user", "password", T0 + i);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM login_failures", NULL, 0), 6);
	/* Days later, a failure of anyone purges what can no longer count. */
	int64_t later = T0 + INT64_C(3) * 86400 * 1000;
	fail_login(f, "someone", "password", later);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM login_failures", NULL, 0), 1);

	/* Signing in clears the account's failures, nobody else's. */
	for (int i = 0; i < 4; i++)
		fail_login(f, "user", "password", later + i);
	wg_caller who = caller(id, "user", 0, TOWN1);
	char token[WG_TOKEN_TEXT], hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	wg_session_new_token(token, hash);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_create(f->db, ALG, &who, hash, WG_SESSION_FULL,
	                                                      later + 10, csrf)),
	                 0);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM login_failures WHERE username = ?", "user", 0),
		0);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM login_failures", NULL, 0), 1);
	assert_int_equal(audit_count(f, "session.login", "ok"), 1);
	assert_int_equal(audit_count(f, "session.login", "denied"), 11);
	assert_not_in_audit(f, hash);
	assert_not_in_audit(f, token);
	assert_not_in_audit(f, csrf);
}

/* ---- second factor ------------------------------------------------------------ */

static void test_totp(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id = create(f, &sys, "twofa", "双因子", TOWN1);
	int64_t sec = create(f, &sys, "sec", "安全", TOWN1);
	wg_caller me = caller(id, "twofa", WG_ROLE_SYSADMIN, TOWN1);
	wg_caller s = caller(sec, "sec", WG_ROLE_SECADMIN, TOWN1);
	char sealed[160];
	bool enabled = true;
	int64_t last = -1;
	assert_int_equal(wg_account_totp_secret(f->db, id, sealed, &enabled, &last), 0);
	assert_string_equal(sealed, "");
	assert_false(enabled);
	assert_int_equal(last, 0);
	assert_int_equal(wg_account_totp_secret(f->db, 9999, sealed, &enabled, &last), WG_ENOTFOUND);

	/* Nothing pending: cannot enable. */
	const char *codes[] = {"c0de1", "c0de2", "c0de3"};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_enable(f->db, &me, ALG, 100, codes, 3)),
	                 WG_ECONFLICT);

	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_begin(f->db, &me, ALG, "sealed-one")), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_begin(f->db, &me, ALG, "sealed-two")),
	                 0); /* replaces */
	assert_int_equal(wg_account_totp_secret(f->db, id, sealed, &enabled, &last), 0);
	assert_string_equal(sealed, "sealed-two");
	assert_false(enabled);

	/* Codes left from an earlier enrolment never survive a new one. */
	char sql[128];
	snprintf(sql, sizeof sql,
	         "INSERT INTO recovery_codes (user_id, code_hash) VALUES (%" PRId64 ", 'stale')", id);
	assert_int_equal(wg_db_exec(f->db, sql), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_enable(f->db, &me, ALG, 100, codes, 3)), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_recovery_use(f->db, ALG, id, "stale", T0)),
	                 WG_ENOTFOUND);
	assert_int_equal(wg_account_totp_secret(f->db, id, sealed, &enabled, &last), 0);
	assert_true(enabled);
	assert_int_equal(last, 100);
	wg_login l;
	assert_int_equal(wg_account_login_load(f->db, &f->cfg, "twofa", T0, &l), 0);
	assert_true(l.totp_enabled);
	assert_string_equal(l.totp_secret, "sealed-two");
	assert_int_equal(l.totp_last_step, 100);
	struct got g;
	assert_int_equal(get(f, &sys, id, &g), 0);
	assert_true(g.u.totp_enabled);

	/* Enabled: neither re-enrolled nor enabled twice. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_begin(f->db, &me, ALG, "sealed-three")),
	                 WG_ECONFLICT);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_enable(f->db, &me, ALG, 101, codes, 3)),
	                 WG_ECONFLICT);

	/* Steps only move forward. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_used(f->db, id, 99)), WG_ECONFLICT);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_used(f->db, id, 100)), WG_ECONFLICT);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_used(f->db, id, 101)), 0);
	assert_int_equal(wg_account_totp_secret(f->db, id, sealed, &enabled, &last), 0);
	assert_int_equal(last, 101);

	/* Recovery codes work once each. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_recovery_use(f->db, ALG, id, "c0de2", T0)), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_recovery_use(f->db, ALG, id, "c0de2", T0)),
	                 WG_ENOTFOUND);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_recovery_use(f->db, ALG, id, "nope", T0)),
	                 WG_ENOTFOUND);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_recovery_use(f->db, ALG, sec, "c0de1", T0)),
	                 WG_ENOTFOUND);
	assert_int_equal(
		wg_test_query_int(f->db,
	                          "SELECT count(*) FROM recovery_codes WHERE used_at IS NULL AND user_id = ?",
	                          NULL, id),
		2);
	assert_int_equal(wg_test_query_int(f->db,
	                                   "SELECT count(*) FROM audit_log WHERE action = 'recovery.use' AND "
	                                   "actor_name = ?",
	                                   "twofa", 0),
	                 1);

	/* A reset by someone else turns it off, drops the codes and ends the
	 * account's sessions. */
	char token[WG_TOKEN_TEXT], hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	wg_session_new_token(token, hash);
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_session_create(f->db, ALG, &me, hash, WG_SESSION_FULL, T0, csrf)), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_reset(f->db, &s, ALG, id)), 0);
	assert_int_equal(wg_account_totp_secret(f->db, id, sealed, &enabled, &last), 0);
	assert_false(enabled);
	assert_string_equal(sealed, "");
	wg_session_info info;
	assert_int_equal(wg_session_lookup(f->db, hash, T0, 1800000, 43200000, &f->arena, &info), WG_EUNAUTH);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_recovery_use(f->db, ALG, id, "c0de1", T0)),
	                 WG_ENOTFOUND);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM recovery_codes WHERE user_id = ?", NULL, id),
		0);

	/* Enrol again; a reset of one's own keeps one's sessions. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_begin(f->db, &me, ALG, "sealed-four")), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_enable(f->db, &me, ALG, 200, codes, 1)), 0);
	wg_session_new_token(token, hash);
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_session_create(f->db, ALG, &me, hash, WG_SESSION_FULL, T0, csrf)), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_reset(f->db, &me, ALG, id)), 0);
	assert_int_equal(wg_session_lookup(f->db, hash, T0, 1800000, 43200000, &f->arena, &info), 0);

	assert_int_equal(audit_count(f, "totp.begin", "ok"), 3);
	assert_int_equal(audit_count(f, "totp.enable", "ok"), 2);
	assert_int_equal(audit_count(f, "totp.reset", "ok"), 2);
	assert_int_equal(audit_count(f, "recovery.use", "ok"), 1);
	char d[512];
	assert_string_equal(audit_detail(f, "totp.reset", d, sizeof d), "{\"self\":true}");
	assert_string_equal(audit_detail(f, "totp.enable", d, sizeof d), "{\"recovery_codes\":1}");
	assert_not_in_audit(f, "sealed");
	assert_not_in_audit(f, "c0de");

	/* Outside the actor's scope: not found. */
	int64_t far = create(f, &sys, "far", "远", TOWN2);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_totp_reset(f->db, &s, ALG, far)), WG_ENOTFOUND);
}

static struct fixture sqlite_fixture = {.t.kind = WG_DB_SQLITE};
static struct fixture pg_fixture = {.t.kind = WG_DB_POSTGRES};

/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) ((struct CMUnitTest){prefix #fn, fn, setup, teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_BOTH(test_check_input),
		ON("sqlite/", test_check_input_alloc_failures, sqlite_fixture),
		ON_BOTH(test_scope),
		ON_BOTH(test_create_audit),
		ON_BOTH(test_duplicate_username),
		ON_BOTH(test_list_filters),
		ON_BOTH(test_list_long_query),
		ON_BOTH(test_list_callback_stops),
		ON_BOTH(test_update),
		ON_BOTH(test_deactivate),
		ON_BOTH(test_roles),
		ON_BOTH(test_password_history),
		ON_BOTH(test_password_revokes_sessions),
		ON_BOTH(test_login_load),
		ON_BOTH(test_lockout),
		ON_BOTH(test_lockout_window),
		ON_BOTH(test_lockout_purge_and_login),
		ON_BOTH(test_totp),
	};
	return cmocka_run_group_tests(tests, group_setup, wg_test_group_teardown);
}
