/* test_notification.c - who hears a notification: the rule in C
 * (wg_notification_for) over a table of callers and rows, the same rule in
 * SQL (wg_notification_list) giving exactly the same rows, the argument
 * checks of wg_notify, the unfiltered read of the stream's loops
 * (wg_notification_since) and the newest id; on SQLite, and on PostgreSQL
 * when WG_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "domain/notification.h"
#include "domain/role.h"

#include "fixture.h"

#define VILLAGE "610326101201"
#define GRID VILLAGE "001"
#define TOWN "610326101000"
#define CENTRE (WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER)
#define GRID_STAFF (WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD)

/* The rows, inserted in this order: ids 1..NROWS. */
static const struct row {
	const char *kind, *target_kind, *target;
	unsigned roles;
} rows[] = {
	{"case.reported", "user", "7", WG_ROLES_ALL}, /* 1 */
	{"case.reported", "user", "8", WG_ROLES_ALL}, /* 2 */
	{"case.reported", "scope", VILLAGE, CENTRE},  /* 3 */
	{"case.reported", "scope", GRID, GRID_STAFF}, /* 4 */
	{"case.escalated", "scope", TOWN, CENTRE},    /* 5: not the villages under it */
	{"case.dispatched", "department", "610326-police", WG_ROLES_DEPARTMENT}, /* 6 */
	{"case.summoned", "department", "610326-justice", WG_ROLE_DEPT_HEAD},    /* 7 */
	{"case.red", "scope", VILLAGE, WG_ROLE_LEADER},                          /* 8 */
	{"case.closed", "user", "70", WG_ROLES_ALL},                             /* 9: not user 7 */
	{"case.closed", "scope", VILLAGE "0", CENTRE},                           /* 10: longer than a code */
	{"case.closed", "user", "07", WG_ROLES_ALL},                             /* 11: not user 7 either */
	{"case.reported", "scope", GRID, WG_ROLE_GRID_HEAD},                     /* 12 */
};
#define NROWS (sizeof rows / sizeof rows[0])

/* Each caller with the ids it hears, in order. */
static const struct listener {
	const char *name;
	wg_caller caller;
	int64_t hears[NROWS];
	size_t n;
} listeners[] = {
	{"village operator 7", {.user_id = 7, .roles = WG_ROLE_CENTRE_OPERATOR, .scope = VILLAGE}, {1, 3}, 2},
	{"grid worker 8", {.user_id = 8, .roles = WG_ROLE_GRID_WORKER, .scope = GRID}, {2, 4}, 2},
	{"grid head 15", {.user_id = 15, .roles = WG_ROLE_GRID_HEAD, .scope = GRID}, {4, 12}, 2},
	{"village leader 9", {.user_id = 9, .roles = WG_ROLE_LEADER, .scope = VILLAGE}, {3, 8}, 2},
	{"police handler 10",
         {.user_id = 10,
          .roles = WG_ROLE_DEPT_HANDLER,
          .scope = "610326000000",
          .department = "610326-police"},
         {6},
         1},
	{"justice handler 11",
         {.user_id = 11, .roles = WG_ROLE_DEPT_HANDLER, .department = "610326-justice"},
         {0},
         0},
	{"justice head 12",
         {.user_id = 12, .roles = WG_ROLE_DEPT_HEAD, .department = "610326-justice"},
         {7},
         1},
	{"town operator 13", {.user_id = 13, .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN}, {5}, 1},
	{"grid worker 70 at the village",
         {.user_id = 70, .roles = WG_ROLE_GRID_WORKER, .scope = VILLAGE},
         {9},
         1},
	{"the system", {.user_id = 0}, {0}, 0},
	{"operator without a scope 14", {.user_id = 14, .roles = WG_ROLE_CENTRE_OPERATOR}, {0}, 0},
	{"two roles 16",
         {.user_id = 16, .roles = WG_ROLE_GRID_WORKER | WG_ROLE_CENTRE_OPERATOR, .scope = VILLAGE},
         {3},
         1},
};
#define NLISTENERS (sizeof listeners / sizeof listeners[0])

static wg_notification as_notification(size_t i)
{
	return (wg_notification){.id = (int64_t)i + 1,
	                         .kind = rows[i].kind,
	                         .target_kind = rows[i].target_kind,
	                         .target = rows[i].target,
	                         .roles = rows[i].roles,
	                         .payload = "{}"};
}

static bool expected(const struct listener *l, int64_t id)
{
	for (size_t k = 0; k < l->n; k++)
		if (l->hears[k] == id)
			return true;
	return false;
}

static void test_rule(void **state)
{
	(void)state;
	for (size_t c = 0; c < NLISTENERS; c++)
		for (size_t i = 0; i < NROWS; i++) {
			wg_notification n = as_notification(i);
			if (wg_notification_for(&listeners[c].caller, &n) != expected(&listeners[c], n.id))
				fail_msg("%s, row %zu: the C rule says %d", listeners[c].name, i + 1,
				         (int)wg_notification_for(&listeners[c].caller, &n));
		}
	wg_notification odd = {.target_kind = "group", .target = VILLAGE, .roles = CENTRE};
	assert_false(wg_notification_for(&listeners[0].caller, &odd));
	assert_false(wg_notification_for(NULL, &odd));
	assert_false(wg_notification_for(&listeners[0].caller, NULL));
}

/* ---- the store ------------------------------------------------------------ */

static int setup(void **state)
{
	return wg_test_setup_open(state);
}

static void insert_rows(wg_db *db)
{
	wg_test_begin(db);
	int rc = 0;
	for (size_t i = 0; !rc && i < NROWS; i++)
		rc = wg_notify(db, rows[i].kind, 0, rows[i].target_kind, rows[i].target, rows[i].roles,
		               "{\"n\":1}", 1000 + (int64_t)i);
	assert_int_equal(wg_test_end(db, rc), 0);
}

struct ids {
	int64_t id[64];
	size_t n;
	const wg_caller *filter; /* since + the C rule when set */
};

static int collect(void *ctx, const wg_notification *n)
{
	struct ids *s = ctx;
	if (s->filter && !wg_notification_for(s->filter, n))
		return 0;
	if (s->n == 64)
		return WG_EINTERNAL;
	s->id[s->n++] = n->id;
	return 0;
}

static void test_list_matches_rule(void **state)
{
	wg_db *db = wg_test_open(state);
	insert_rows(db);
	for (size_t c = 0; c < NLISTENERS; c++) {
		const struct listener *l = &listeners[c];
		for (int64_t after = 0; after <= (int64_t)NROWS; after++) {
			struct ids sql = {0}, rule = {.filter = &l->caller};
			assert_int_equal(wg_notification_list(db, &l->caller, after, 100, collect, &sql), 0);
			assert_int_equal(wg_notification_since(db, after, 100, collect, &rule), 0);
			if (sql.n != rule.n ||
			    (sql.n && memcmp(sql.id, rule.id, sql.n * sizeof sql.id[0]) != 0))
				fail_msg("%s after %lld: SQL gives %zu rows, the C rule %zu", l->name,
				         (long long)after, sql.n, rule.n);
			size_t want = 0;
			for (size_t k = 0; k < l->n; k++)
				if (l->hears[k] > after)
					assert_int_equal(sql.id[want++], l->hears[k]);
			assert_int_equal(sql.n, want);
		}
		/* One row per call walks the same rows. */
		struct ids paged = {0};
		int64_t after = 0;
		for (;;) {
			size_t before = paged.n;
			assert_int_equal(wg_notification_list(db, &l->caller, after, 1, collect, &paged), 0);
			if (paged.n == before)
				break;
			assert_int_equal(paged.n, before + 1);
			after = paged.id[before];
		}
		assert_int_equal(paged.n, l->n);
	}
}

struct seen {
	wg_notification n;
	char kind[64], target_kind[16], target[64], payload[256];
	int calls;
};

static int keep_last(void *ctx, const wg_notification *n)
{
	struct seen *s = ctx;
	s->n = *n;
	snprintf(s->kind, sizeof s->kind, "%s", n->kind);
	snprintf(s->target_kind, sizeof s->target_kind, "%s", n->target_kind);
	snprintf(s->target, sizeof s->target, "%s", n->target);
	snprintf(s->payload, sizeof s->payload, "%s", n->payload);
	s->calls++;
	return 0;
}

static int stop_at_first(void *ctx, const wg_notification *n)
{
	(void)n;
	(*(int *)ctx)++;
	return WG_ECONFLICT;
}

static void test_since_latest_and_fields(void **state)
{
	wg_db *db = wg_test_open(state);
	int64_t latest = -1;
	assert_int_equal(wg_notification_latest(db, &latest), 0);
	assert_int_equal(latest, 0);
	struct ids none = {0};
	assert_int_equal(wg_notification_since(db, 0, 10, collect, &none), 0);
	assert_int_equal(none.n, 0);

	insert_rows(db);
	assert_int_equal(wg_notification_latest(db, &latest), 0);
	assert_int_equal(latest, (int64_t)NROWS);
	struct ids page = {0};
	assert_int_equal(wg_notification_since(db, 3, 4, collect, &page), 0);
	assert_int_equal(page.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(page.id[i], 4 + (int64_t)i);

	/* Every field comes back as written; the payload compact. */
	wg_test_begin(db);
	int rc = wg_notify(db, "case.yellow", 0, "department", "610326-police", WG_ROLE_DEPT_HEAD,
	                   "{ \"number\" : \"SJ20261124-000042\",\n  \"title\": \"路灯\\n坏了\" }",
	                   1764000000123);
	assert_int_equal(wg_test_end(db, rc), 0);
	struct seen s = {0};
	assert_int_equal(wg_notification_since(db, latest, 10, keep_last, &s), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.n.id, latest + 1);
	assert_string_equal(s.kind, "case.yellow");
	assert_int_equal(s.n.case_id, 0);
	assert_string_equal(s.target_kind, "department");
	assert_string_equal(s.target, "610326-police");
	assert_int_equal(s.n.roles, WG_ROLE_DEPT_HEAD);
	assert_string_equal(s.payload, "{\"number\":\"SJ20261124-000042\",\"title\":\"路灯\\n坏了\"}");
	assert_int_equal(s.n.at, 1764000000123);

	/* A callback's non-zero value stops the walk and comes back. */
	int calls = 0;
	assert_int_equal(wg_notification_since(db, 0, 10, stop_at_first, &calls), WG_ECONFLICT);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(wg_notification_list(db, &listeners[0].caller, 0, 10, stop_at_first, &calls),
	                 WG_ECONFLICT);
	assert_int_equal(calls, 1);
	/* Limits out of range are the caller's bug. */
	assert_int_equal(wg_notification_since(db, 0, 0, collect, &page), WG_EINTERNAL);
	assert_int_equal(wg_notification_since(db, 0, 1001, collect, &page), WG_EINTERNAL);
	assert_int_equal(wg_notification_list(db, &listeners[0].caller, 0, 0, collect, &page), WG_EINTERNAL);
	assert_int_equal(wg_notification_list(db, NULL, 0, 10, collect, &page), WG_EINTERNAL);
}

static void test_notify_arguments(void **state)
{
	wg_db *db = wg_test_open(state);
	char long_kind[WG_NOTIFICATION_KIND_MAX + 2];
	memset(long_kind, 'a', sizeof long_kind - 1);
	long_kind[sizeof long_kind - 1] = '\0';
	char long_target[WG_NOTIFICATION_TARGET_MAX + 2];
	memset(long_target, '1', sizeof long_target - 1);
	long_target[sizeof long_target - 1] = '\0';
	static char big[WG_NOTIFICATION_PAYLOAD_MAX + 16];
	snprintf(big, sizeof big, "{\"x\":\"%0*d\"}", WG_NOTIFICATION_PAYLOAD_MAX, 0);
	static const struct {
		const char *why, *kind, *target_kind, *target, *payload;
		int64_t case_id;
		unsigned roles;
	} bad[] = {
		{"no kind", NULL, "user", "7", "{}", 0, 0},
		{"empty kind", "", "user", "7", "{}", 0, 0},
		{"upper case kind", "Case.Reported", "user", "7", "{}", 0, 0},
		{"space in kind", "case reported", "user", "7", "{}", 0, 0},
		{"line break in kind", "case\nreported", "user", "7", "{}", 0, 0},
		{"unknown target kind", "case.reported", "group", "7", "{}", 0, CENTRE},
		{"no target kind", "case.reported", NULL, "7", "{}", 0, CENTRE},
		{"no target", "case.reported", "scope", NULL, "{}", 0, CENTRE},
		{"empty target", "case.reported", "scope", "", "{}", 0, CENTRE},
		{"user by name", "case.reported", "user", "alice", "{}", 0, 0},
		{"scope without roles", "case.reported", "scope", VILLAGE, "{}", 0, 0},
		{"department without roles", "case.reported", "department", "610326-police", "{}", 0, 0},
		{"negative case", "case.reported", "user", "7", "{}", -1, 0},
		{"no payload", "case.reported", "user", "7", NULL, 0, 0},
		{"array payload", "case.reported", "user", "7", "[1]", 0, 0},
		{"not JSON", "case.reported", "user", "7", "{\"a\":", 0, 0},
		{"duplicate key", "case.reported", "user", "7", "{\"a\":1,\"a\":2}", 0, 0},
		{"invalid UTF-8 in target", "case.reported", "scope", "\xff\xfe", "{}", 0, CENTRE},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (wg_notify(db, bad[i].kind, bad[i].case_id, bad[i].target_kind, bad[i].target,
		              bad[i].roles, bad[i].payload, 1) != WG_EINTERNAL)
			fail_msg("%s: accepted", bad[i].why);
	assert_int_equal(wg_notify(db, long_kind, 0, "user", "7", 0, "{}", 1), WG_EINTERNAL);
	assert_int_equal(wg_notify(db, "case.reported", 0, "user", long_target, 0, "{}", 1), WG_EINTERNAL);
	assert_int_equal(wg_notify(db, "case.reported", 0, "user", "7", 0, big, 1), WG_EINTERNAL);
	long_kind[WG_NOTIFICATION_KIND_MAX] = '\0';
	long_target[WG_NOTIFICATION_TARGET_MAX] = '\0';
	wg_test_begin(db);
	int rc = wg_notify(db, long_kind, 0, "user", long_target, 0, "{}", 1);
	assert_int_equal(wg_test_end(db, rc), 0);
	int64_t latest;
	assert_int_equal(wg_notification_latest(db, &latest), 0);
	assert_int_equal(latest, 1);

	/* A case that does not exist is refused by the store. */
	wg_test_begin(db);
	rc = wg_notify(db, "case.reported", 424242, "user", "7", 0, "{}", 1);
	assert_int_equal(wg_test_end(db, rc), WG_ECONFLICT);
	/* One that exists is kept. */
	wg_test_begin(db);
	rc = wg_db_exec(db, "INSERT INTO regions (code, parent, level, name, path, created_at, updated_at) "
	                    "VALUES ('610326000000', NULL, 'county', '眉县', '610326000000', 0, 0)");
	if (!rc)
		rc = wg_db_exec(db, "INSERT INTO categories (code, parent, kind, name, name_en, position) "
		                    "VALUES ('01', NULL, 'event', '治安', 'Order', 1)");
	if (!rc)
		rc = wg_db_exec(db,
		                "INSERT INTO cases (id, number, kind, category, title, description, state, "
		                "level, centre, source, region, scope_key, reported_at, updated_at) VALUES "
		                "(31, 'SJ20261124-000001', 'event', '01', 't', 'd', 'reported', 'county', "
		                "'610326000000', 'grid', '610326000000', '610326000000', 0, 0)");
	if (!rc)
		rc = wg_notify(db, "case.reported", 31, "scope", "610326000000", CENTRE, "{\"case_id\":31}",
		               2);
	assert_int_equal(wg_test_end(db, rc), 0);
	struct seen s = {0};
	assert_int_equal(wg_notification_since(db, 1, 10, keep_last, &s), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.n.case_id, 31);
}

/* Every allocation of an insert failing in turn gives a clean error, and
 * exactly the inserts that said 0 are there. */
static void test_notify_out_of_memory(void **state)
{
	wg_db *db = wg_test_open(state);
	int64_t want = 0;
	for (unsigned long nth = 1; nth < 1000; nth++) {
		assert_int_equal(wg_db_begin(db), 0);
		wg_alloc_fail_at(nth);
		int rc = wg_notify(db, "case.reported", 0, "scope", VILLAGE, CENTRE, "{\"a\":[1,2]}", 5);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		if (rc == 0) {
			assert_int_equal(wg_db_commit(db), 0);
			want++;
		} else {
			if (rc != WG_ENOMEM && rc != WG_ESTORE)
				fail_msg("allocation %lu: %s", nth, wg_error_name(rc));
			assert_int_equal(wg_db_rollback(db), 0);
		}
		if (rc == 0 && used < nth)
			break;
	}
	assert_true(want > 0);
	struct ids all = {0};
	assert_int_equal(wg_notification_since(db, 0, 100, collect, &all), 0);
	assert_int_equal((int64_t)all.n, want);
}

#define STORE_TESTS(fx)                                                                                      \
	cmocka_unit_test_prestate_setup_teardown(test_list_matches_rule, setup, wg_test_teardown, &(fx)),    \
		cmocka_unit_test_prestate_setup_teardown(test_since_latest_and_fields, setup,                \
	                                                 wg_test_teardown, &(fx)),                           \
		cmocka_unit_test_prestate_setup_teardown(test_notify_arguments, setup, wg_test_teardown,     \
	                                                 &(fx)),                                             \
		cmocka_unit_test_prestate_setup_teardown(test_notify_out_of_memory, setup, wg_test_teardown, \
	                                                 &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
