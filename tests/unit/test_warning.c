/* test_warning.c - early warnings (domain/warning.h): the spike rule on
 * synthetic series with and without spikes under each setting, and the
 * spike list read from stats_day rows on SQLite and, when WG_TEST_PG_URL
 * is set, PostgreSQL: the window and baseline edges, villages summed over
 * their grids, duplicates left out, the order, and the caller's scope. */
#include "core/arena.h"
#include "core/error.h"
#include "domain/dataload.h"
#include "domain/role.h"
#include "domain/warning.h"

#include "fixture.h"

#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* 2026-11-24T09:30:00+08:00, a Tuesday. */
#define T INT64_C(1795483800000)

#define COUNTY "610326000000"
#define TOWN1 "610326001000"
#define TOWN2 "610326101000"
#define VILLAGE1 "610326001002"
#define VILLAGE2 "610326101200"
#define GRID1 "610326001002001"
#define POLICE "610326-police"

/* The defaults of the settings warnings.spike_*. */
#define DEFAULT_RULE                                                                         \
	{                                                                                    \
		.window_days = 7, .baseline_days = 28, .min_count = 5, .ratio_percent = 300, \
		.expected_min = 1                                                            \
	}

/* ---- the rule ------------------------------------------------------------------ */

static void test_rule(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		wg_spike_rule rule;
		int64_t window, baseline;
		bool spike;
		int64_t expected_tenths, ratio_tenths;
	} cases[] = {
		/* defaults: 7 days over the 28 before, at least 5, 3 times the expected */
		{"flat: one a day throughout", DEFAULT_RULE, 7, 28, false, 70, 10},
		{"flat: nothing at all", DEFAULT_RULE, 0, 0, false, 10, 0},
		{"slow growth: 40% more", DEFAULT_RULE, 10, 28, false, 70, 14},
		{"doubling is not enough", DEFAULT_RULE, 14, 28, false, 70, 20},
		{"a jump below min_count", DEFAULT_RULE, 4, 0, false, 10, 40},
		{"a jump from zero to min_count", DEFAULT_RULE, 5, 0, true, 10, 50},
		{"from zero, the floor of 1 holds", DEFAULT_RULE, 5, 1, true, 10, 50},
		{"exactly at the threshold", DEFAULT_RULE, 21, 28, true, 70, 30},
		{"one below the threshold", DEFAULT_RULE, 20, 28, false, 70, 29},
		{"a fractional expected count, under", DEFAULT_RULE, 7, 10, false, 25, 28},
		{"a fractional expected count, over", DEFAULT_RULE, 8, 10, true, 25, 32},
		{"a sharp rise on a busy baseline", DEFAULT_RULE, 300, 400, true, 1000, 30},
		{"counts beyond any real one are clamped", DEFAULT_RULE, INT64_MAX, 0, true, 10, 10000000000},
		/* a long baseline: a year */
		{"a year's baseline, flat",
	         {.window_days = 7,
	          .baseline_days = 365,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         7,
	         365,
	         false,
	         70,
	         10},
		{"a year's baseline, at the threshold",
	         {.window_days = 7,
	          .baseline_days = 365,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         21,
	         365,
	         true,
	         70,
	         30},
		{"a year's baseline, seasonal peak diluted",
	         {.window_days = 7,
	          .baseline_days = 365,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         20,
	         365,
	         false,
	         70,
	         29},
		/* window of one day */
		{"one day over 28: five in a day",
	         {.window_days = 1,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         5,
	         28,
	         true,
	         10,
	         50},
		{"one day over 28: a busy ordinary day",
	         {.window_days = 1,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         5,
	         56,
	         false,
	         20,
	         25},
		/* min_count */
		{"min_count 1: three from nothing",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 1,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         3,
	         0,
	         true,
	         10,
	         30},
		{"min_count 1: two from nothing is under the ratio",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 1,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         2,
	         0,
	         false,
	         10,
	         20},
		{"min_count 20: a tripling of a small series",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 20,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         18,
	         24,
	         false,
	         60,
	         30},
		/* ratio */
		{"ratio 200%: doubling",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 200,
	          .expected_min = 1},
	         14,
	         28,
	         true,
	         70,
	         20},
		{"ratio 200%: just under",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 200,
	          .expected_min = 1},
	         13,
	         28,
	         false,
	         70,
	         19},
		{"ratio 100%: any rise over min_count",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 100,
	          .expected_min = 1},
	         7,
	         28,
	         true,
	         70,
	         10},
		/* the floor */
		{"floor 3: eight from nothing is under 3 x 3",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 3},
	         8,
	         0,
	         false,
	         30,
	         27},
		{"floor 3: nine from nothing",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 3},
	         9,
	         0,
	         true,
	         30,
	         30},
		{"floor 3: a baseline above the floor wins",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 3},
	         12,
	         16,
	         true,
	         40,
	         30},
		/* no rule, no spike */
		{"window_days 0",
	         {.window_days = 0,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         50,
	         0,
	         false,
	         0,
	         0},
		{"baseline_days beyond the bound",
	         {.window_days = 7,
	          .baseline_days = 367,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         50,
	         0,
	         false,
	         0,
	         0},
		{"ratio under 100%",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 99,
	          .expected_min = 1},
	         50,
	         0,
	         false,
	         0,
	         0},
		{"floor 0",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 5,
	          .ratio_percent = 300,
	          .expected_min = 0},
	         50,
	         0,
	         false,
	         0,
	         0},
		{"min_count 0",
	         {.window_days = 7,
	          .baseline_days = 28,
	          .min_count = 0,
	          .ratio_percent = 300,
	          .expected_min = 1},
	         50,
	         0,
	         false,
	         0,
	         0},
		{"a negative count", DEFAULT_RULE, -1, 0, false, 0, 0},
		{"a negative baseline", DEFAULT_RULE, 50, -3, false, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_spike_figures f;
		memset(&f, 0x5a, sizeof f);
		bool got = wg_spike_test(&cases[i].rule, cases[i].window, cases[i].baseline, &f);
		if (got != cases[i].spike)
			fail_msg("%s: spike %d, want %d", cases[i].what, got, cases[i].spike);
		if (f.expected_tenths != cases[i].expected_tenths || f.ratio_tenths != cases[i].ratio_tenths)
			fail_msg("%s: expected %lld ratio %lld (tenths), want %lld and %lld", cases[i].what,
			         (long long)f.expected_tenths, (long long)f.ratio_tenths,
			         (long long)cases[i].expected_tenths, (long long)cases[i].ratio_tenths);
		/* The answer does not depend on asking for the figures. */
		assert_int_equal(wg_spike_test(&cases[i].rule, cases[i].window, cases[i].baseline, NULL),
		                 got);
	}
	assert_false(wg_spike_test(NULL, 50, 0, NULL));
}

/* A series of daily counts against a rule: a spike exactly when the last
 * window_days of it reach the rule over the baseline_days before. */
static void test_series(void **state)
{
	(void)state;
	const wg_spike_rule rule = DEFAULT_RULE;
	/* 35 days, oldest first: the last 7 are the window. */
	static const struct {
		const char *what;
		int64_t days[35];
		bool spike;
	} series[] = {
		{"flat at 2 a day",
	         {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	          2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
	         false},
		{"slow growth from 1 to 3 a day",
	         {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
	          2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
	         false},
		{"quiet, then a burst in the last three days",
	         {0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	          0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5, 6},
	         true},
		{"a burst that ended before the window",
	         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	          0, 0, 9, 9, 9, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1},
	         false},
		{"nothing, then four in the window",
	         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1},
	         false},
		{"nothing, then five in the window",
	         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1},
	         true},
		{"one a day, then a week at three a day",
	         {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3},
	         true},
	};
	for (size_t i = 0; i < sizeof series / sizeof series[0]; i++) {
		int64_t window = 0, baseline = 0;
		for (int d = 0; d < 35; d++)
			*(d < 28 ? &baseline : &window) += series[i].days[d];
		if (wg_spike_test(&rule, window, baseline, NULL) != series[i].spike)
			fail_msg("%s: window %lld over baseline %lld: want spike %d", series[i].what,
			         (long long)window, (long long)baseline, series[i].spike);
	}
}

/* ---- the list on the rollups -------------------------------------------------------- */

static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0)
		return -1;
	wg_test_db *t = *state;
	if (t->skip)
		return 0;
	char err[512] = "";
	wg_test_begin(t->db);
	int rc = wg_dataload_all(t->db, WG_SOURCE_ROOT "/data", NULL, err, sizeof err);
	if (!rc)
		rc = wg_db_execf(
			t->db,
			"INSERT INTO grids (code, region, name, type, scope_key, created_at, updated_at) "
			"VALUES (?, ?, '一网格', 'rural', ?, 0, 0)",
			NULL, "ttt", GRID1, VILLAGE1, GRID1);
	if (wg_test_end(t->db, rc) != 0) {
		fprintf(stderr, "setup: %s %s\n", err, wg_db_errmsg(t->db));
		return -1;
	}
	return 0;
}

/* Reports (and duplicates among them) on one day of a place. */
static void put(wg_db *db, const char *day, const char *scope_key, const char *category,
                const char *department, int64_t reported, int64_t merged)
{
	int rc = wg_db_execf(
		db,
		"INSERT INTO stats_day (day, scope_key, kind, category, source, department, reporter, "
		"reported, merged) VALUES (?, ?, 'event', ?, 'grid', ?, 0, ?, ?)",
		NULL, "ttttii", day, scope_key, category, department, reported, merged);
	if (rc)
		fail_msg("insert %s %s %s: %s", day, scope_key, category, wg_db_errmsg(db));
}

struct got {
	char items[8][64];
	wg_spike_figures figures[8];
	const char *department[8];
	size_t n;
};

static int collect(void *ctx, const wg_warning *w)
{
	struct got *g = ctx;
	assert_int_equal(w->kind, WG_WARNING_SPIKE);
	assert_non_null(w->title);
	assert_non_null(w->detail);
	assert_string_equal(w->level, "orange");
	if (g->n < 8) {
		snprintf(g->items[g->n], sizeof g->items[0], "%s %s", w->region, w->category);
		g->figures[g->n] = w->spike;
		g->department[g->n] = w->department;
		g->n++;
	}
	return 0;
}

static int list(wg_db *db, wg_arena *arena, const wg_caller *c, const char *area, struct got *g,
                wg_warning_totals *totals, wg_field_errors *fe)
{
	memset(g, 0, sizeof *g);
	wg_warning_query q = {
		.caller = c,
		.area = area,
		.kinds = 1u << WG_WARNING_SPIKE,
		.now = T,
		.offset_minutes = 480,
		.spike = DEFAULT_RULE,
		.arena = arena,
	};
	return wg_warning_list(db, &q, collect, g, totals, NULL, fe);
}

static void test_spikes(void **state)
{
	wg_test_db *t = wg_test_of(state);
	wg_db *db = t->db;
	wg_test_begin(db);
	/* VILLAGE1, fire hazards (0101): 6 in the window (today, 11-18 the first
	 * day of it, 2 of them in its grid, 3 duplicates besides), 2 in the
	 * baseline (11-17 its last day, 10-21 its first), and 100 the day
	 * before the baseline, which nothing counts. */
	put(db, "2026-11-24", VILLAGE1, "0101", POLICE, 3, 0);
	put(db, "2026-11-24", GRID1, "0101", POLICE, 2, 0);
	put(db, "2026-11-20", GRID1, "0101", POLICE, 3, 3);
	put(db, "2026-11-18", VILLAGE1, "0101", POLICE, 1, 0);
	put(db, "2026-11-17", VILLAGE1, "0101", POLICE, 1, 0);
	put(db, "2026-10-21", VILLAGE1, "0101", POLICE, 1, 0);
	put(db, "2026-10-20", VILLAGE1, "0101", POLICE, 100, 0);
	/* VILLAGE1, litter (0301): flat at one a day, 7 and 28. */
	put(db, "2026-11-22", GRID1, "0301", "", 7, 0);
	put(db, "2026-11-01", GRID1, "0301", "", 28, 0);
	/* VILLAGE2, fire hazards: 9 from nothing. Tomorrow's rows (a clock
	 * ahead) are not in the window. */
	put(db, "2026-11-23", VILLAGE2, "0101", "", 9, 0);
	put(db, "2026-11-25", VILLAGE2, "0301", "", 50, 0);
	/* VILLAGE2, litter: 4 from nothing, under min_count. */
	put(db, "2026-11-24", VILLAGE2, "0301", "", 4, 0);
	assert_int_equal(wg_test_end(db, 0), 0);

	wg_arena arena;
	wg_arena_init(&arena, 4096);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	struct got g;
	wg_warning_totals totals;

	const wg_caller county = {.user_id = 2, .roles = WG_ROLE_CENTRE_OPERATOR, .scope = COUNTY};
	assert_int_equal(list(db, &arena, &county, NULL, &g, &totals, &fe), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(totals.n[WG_WARNING_SPIKE], 2);
	assert_int_equal(totals.n[WG_WARNING_OVERDUE], 0);
	assert_string_equal(g.items[0], VILLAGE2 " 0101"); /* ratio 9 before 6 */
	assert_string_equal(g.items[1], VILLAGE1 " 0101");
	assert_int_equal(g.figures[0].window, 9);
	assert_int_equal(g.figures[0].baseline, 0);
	assert_int_equal(g.figures[0].ratio_tenths, 90);
	assert_int_equal(g.figures[1].window, 6);
	assert_int_equal(g.figures[1].baseline, 2);
	assert_int_equal(g.figures[1].expected_tenths, 10);
	assert_int_equal(g.figures[1].ratio_tenths, 60);
	/* In charge: the owner of fire hazards at the village's town. */
	assert_non_null(g.department[1]);
	assert_string_equal(g.department[1], "610326001-emergency");

	/* A town sees its own; another town's code is not found. */
	const wg_caller town1 = {.user_id = 3, .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN1};
	assert_int_equal(list(db, &arena, &town1, NULL, &g, &totals, &fe), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.items[0], VILLAGE1 " 0101");
	assert_int_equal(list(db, &arena, &town1, TOWN2, &g, &totals, &fe), WG_ENOTFOUND);
	assert_int_equal(list(db, &arena, &county, TOWN2, &g, &totals, &fe), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.items[0], VILLAGE2 " 0101");
	/* The grid alone has 2 in the window: no spike. */
	assert_int_equal(list(db, &arena, &county, GRID1, &g, &totals, &fe), 0);
	assert_int_equal(g.n, 0);

	/* A department sees its own cases only. */
	const wg_caller police = {
		.user_id = 4, .roles = WG_ROLE_DEPT_HANDLER, .scope = COUNTY, .department = POLICE};
	assert_int_equal(list(db, &arena, &police, NULL, &g, &totals, &fe), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.items[0], VILLAGE1 " 0101");
	const wg_caller justice = {
		.user_id = 5, .roles = WG_ROLE_DEPT_HANDLER, .scope = COUNTY, .department = "610326-justice"};
	assert_int_equal(list(db, &arena, &justice, NULL, &g, &totals, &fe), 0);
	assert_int_equal(g.n, 0);

	/* Not a code: a field error on region. */
	assert_int_equal(list(db, &arena, &county, "61032x", &g, &totals, &fe), WG_EVALIDATION);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.e[0].field, "region");
	/* A code of no region. */
	assert_int_equal(list(db, &arena, &county, "610326999000", &g, &totals, &fe), WG_ENOTFOUND);
	wg_arena_clear(&arena);
}

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_series),
		cmocka_unit_test_prestate_setup_teardown(test_spikes, setup, wg_test_teardown,
	                                                 &sqlite_fixture),
		cmocka_unit_test_prestate_setup_teardown(test_spikes, setup, wg_test_teardown, &pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
