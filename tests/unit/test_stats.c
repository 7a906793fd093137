/* test_stats.c - the statistics (domain/stats.h) on SQLite and, when
 * WG_TEST_PG_URL is set, PostgreSQL: each rate on hand-computed rollup
 * rows (an empty period and 0 denominators included), the period and area
 * checks, and the rollups kept by real case-engine calls, which must equal
 * both a rebuild from the cases table and the backfill of migration 0010. */
#include "core/arena.h"
#include "core/calendar.h"
#include "core/config.h"
#include "core/error.h"
#include "domain/case.h"
#include "domain/dataload.h"
#include "domain/flow.h"
#include "domain/role.h"
#include "domain/stats.h"
#include "store/migrate.h"

#include "fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* 2026-11-24T09:30:00+08:00, a Tuesday. */
#define T INT64_C(1795483800000)
#define MIN INT64_C(60000)
#define DAY (1440 * MIN)

#define COUNTY "610326000000"
#define TOWN1 "610326001000"
#define TOWN2 "610326101000"
#define VILLAGE1 "610326001002"
#define GRID1 "610326001002001"
#define POLICE "610326-police"

static wg_calendar *cal;
static wg_config cfg;

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
	if (!rc)
		rc = wg_db_execf(
			t->db,
			"INSERT INTO users (id, username, name, scope_key, roles, password_hash, "
			"password_changed_at, created_at, updated_at) VALUES (7, 'worker7', '网格员七', ?, "
			"?, 'x', 0, 0, 0)",
			NULL, "ti", GRID1, (int64_t)WG_ROLE_GRID_WORKER);
	if (wg_test_end(t->db, rc) != 0) {
		fprintf(stderr, "setup: %s %s\n", err, wg_db_errmsg(t->db));
		return -1;
	}
	return 0;
}

/* ---- the period ------------------------------------------------------------ */

static void test_period(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to;
		const char *want_from, *want_to; /* NULL: an error on field */
		const char *field;
	} cases[] = {
		{NULL, NULL, "2026-10-26", "2026-11-24", NULL},
		{"2026-11-01", "2026-11-30", "2026-11-01", "2026-11-30", NULL},
		{NULL, "2026-03-01", "2026-01-31", "2026-03-01", NULL},
		{"2024-02-29", "2024-02-29", "2024-02-29", "2024-02-29", NULL},
		{"2026-02-29", NULL, NULL, NULL, "from"},
		{"2026-13-01", NULL, NULL, NULL, "from"},
		{"2026-1-01", NULL, NULL, NULL, "from"},
		{"20261101", NULL, NULL, NULL, "from"},
		{"2026-11-01x", NULL, NULL, NULL, "from"},
		{"1969-12-31", NULL, NULL, NULL, "from"},
		{NULL, "tomorrow", NULL, NULL, "to"},
		{"2026-11-02", "2026-11-01", NULL, NULL, "to"},
		{"2016-01-01", "2026-11-01", NULL, NULL, "to"},
		{"2016-11-24", "2026-11-24", "2016-11-24", "2026-11-24", NULL},
	};
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_stats_query q = {.offset_minutes = 480};
		wg_field_errors fe;
		wg_field_errors_init(&fe, &arena);
		bool ok = wg_stats_period(&q, cases[i].from, cases[i].to, T, &fe);
		if (cases[i].want_from) {
			if (!ok)
				fail_msg("case %zu: refused: %s", i, fe.n ? fe.e[0].message : "?");
			assert_string_equal(q.from, cases[i].want_from);
			assert_string_equal(q.to, cases[i].want_to);
		} else {
			if (ok)
				fail_msg("case %zu: accepted", i);
			assert_int_equal(fe.n, 1);
			assert_string_equal(fe.e[0].field, cases[i].field);
		}
	}
	/* Local dates: 23:30 UTC is the next day in Beijing, not in UTC-05:00. */
	wg_stats_query q = {.offset_minutes = 480};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	assert_true(wg_stats_period(&q, NULL, NULL, T + INT64_C(22) * 60 * MIN, &fe));
	assert_string_equal(q.to, "2026-11-25");
	q.offset_minutes = -300;
	assert_true(wg_stats_period(&q, NULL, NULL, T, &fe));
	assert_string_equal(q.to, "2026-11-23");
	wg_arena_clear(&arena);
}

static void test_figures(void **state)
{
	(void)state;
	static const struct {
		int64_t num, den, permille;
	} rates[] = {{0, 0, -1},  {5, 0, -1},  {0, 3, 0},    {2, 3, 667},  {1, 3, 333},
	             {1, 8, 125}, {1, 16, 63}, {3, 3, 1000}, {1, 2000, 1}, {1, 2001, 0}};
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		wg_stats_rate r = {rates[i].num, rates[i].den};
		assert_int_equal(wg_stats_permille(&r), rates[i].permille);
	}
	static const struct {
		int64_t hist[WG_STATS_HISTOGRAM];
		int64_t handled, minutes, mean, p90;
	} h[] = {
		{{0}, 0, 0, -1, -1},
		{{1}, 1, 30, 5, 2},                                          /* 0.5 h: below 2 */
		{{0, 0, 9, 1}, 10, 3000, 50, 8},                             /* rank 9 in [4, 8) */
		{{0, 0, 8, 2}, 10, 3000, 50, 16},                            /* rank 9 in [8, 16) */
		{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}, 3, 54000, 3000, 240}, /* beyond the last edge */
		{{1, 1}, 2, 7, 1, 4},                                        /* 3.5 min: 0.06 h -> 0.1 */
	};
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		wg_stats_group_figures g = {.handled = h[i].handled, .handling_minutes = h[i].minutes};
		memcpy(g.histogram, h[i].hist, sizeof g.histogram);
		assert_int_equal(wg_stats_mean_tenths(&g), h[i].mean);
		assert_int_equal(wg_stats_p90_hours(&g), h[i].p90);
	}
}

/* ---- rates on hand-made rollup rows ------------------------------------------- */

/* Fold every pending row into the cube, in the caller's transaction. */
static int fold(wg_db *db)
{
	int64_t folded = 0;
	return wg_stats_fold(db, INT64_MAX, &folded);
}

/* A hand-made stats_day row, and the cube made again from the rows. */
static int add_row(wg_db *db, const char *day, const char *scope_key, const char *kind, const char *source,
                   const char *dept, int64_t reporter, const int64_t v[21])
{
	int rc = wg_db_execf(
		db,
		"INSERT INTO stats_day (day, scope_key, kind, category, source, department, "
		"reporter, reported, accepted, rejected, merged, open, reported_closed, closed, "
		"closed_due, closed_on_time, rated, satisfied, reworked, extended, returned, "
		"handled, handling_minutes, h2, h3, due, due_closed, h0) VALUES (?, ?, ?, '0801', ?, "
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		NULL, "tttttiiiiiiiiiiiiiiiiiiiiii", day, scope_key, kind, source, dept, reporter, v[0], v[1],
		v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
		v[16], v[17], v[18], v[19], v[20]);
	if (!rc)
		rc = wg_stats_cube_reset(db);
	return rc ? rc : fold(db);
}

struct collected {
	wg_stats_group_figures g[64];
	size_t n;
};

static int collect(void *ctx, const wg_stats_group_figures *g)
{
	struct collected *c = ctx;
	if (c->n < 64)
		c->g[c->n++] = *g;
	return 0;
}

static const wg_stats_group_figures *group(const struct collected *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->g[i].key, key) == 0)
			return &c->g[i];
	fail_msg("no group %s", key);
	return NULL;
}

struct points {
	wg_stats_point p[64];
	size_t n;
};

static int point(void *ctx, const wg_stats_point *p)
{
	struct points *ps = ctx;
	if (ps->n < 64)
		ps->p[ps->n++] = *p;
	return 0;
}

static void test_rates(void **state)
{
	wg_db *db = wg_test_open(state);
	/* reported accepted rejected merged open reported_closed closed closed_due on_time rated
	 * satisfied reworked extended returned handled minutes h2 h3 due due_closed h0 */
	static const int64_t r1[21] = {3, 2, 1, 0, 0, 0, 2, 2, 1, 2, 1, 1, 0, 1, 2, 600, 1, 1, 3, 2, 0};
	static const int64_t r2[21] = {2, 2, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	static const int64_t r3[21] = {100, 100, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const int64_t r4[21] = {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	wg_test_begin(db);
	int rc = add_row(db, "2026-11-02", GRID1, "event", "grid", POLICE, 7, r1);
	if (!rc)
		rc = add_row(db, "2026-11-20", VILLAGE1, "dispute", "citizen", "", 0, r2);
	if (!rc)
		rc = add_row(db, "2026-10-01", GRID1, "event", "grid", POLICE, 7, r3);
	if (!rc)
		rc = add_row(db, "2026-11-05", "610326101200001", "event", "citizen", "", 0, r4);
	assert_int_equal(wg_test_end(db, rc), 0);

	wg_arena arena;
	wg_arena_init(&arena, 16384);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	const wg_caller county = {.user_id = 1, .roles = WG_ROLE_LEADER, .scope = COUNTY};
	wg_stats_query q = {.caller = &county,
	                    .from = "2026-11-01",
	                    .to = "2026-11-30",
	                    .arena = &arena,
	                    .offset_minutes = 480};
	struct collected c = {0};
	assert_int_equal(wg_stats_rates(db, &q, WG_STATS_BY_REGION, collect, &c, &fe), 0);
	const wg_stats_group_figures *t1 = group(&c, TOWN1);
	assert_non_null(t1->name);
	static const int64_t want[WG_STATS_RATES][3] = {
		{1, 2, 500}, /* resolution: disputes closed / valid disputes */
		{2, 3, 667}, /* closure: due_closed / due */
		{1, 2, 500}, /* on time / closed with a deadline */
		{1, 2, 500}, /* satisfied / rated */
		{1, 3, 333}, /* reworked / closed */
		{1, 3, 333}, /* extended / closed */
		{1, 3, 333}, /* returned / closed */
		{2, 3, 667}, /* valid reports of grid workers */
	};
	for (int r = 0; r < WG_STATS_RATES; r++) {
		assert_int_equal(t1->rates[r].numerator, want[r][0]);
		assert_int_equal(t1->rates[r].denominator, want[r][1]);
		assert_int_equal(wg_stats_permille(&t1->rates[r]), want[r][2]);
	}
	assert_int_equal(wg_stats_mean_tenths(t1), 50);
	assert_int_equal(wg_stats_p90_hours(t1), 16);
	const wg_stats_group_figures *t2 = group(&c, TOWN2);
	assert_int_equal(t2->rates[WG_STATS_CLOSURE].denominator, 0);
	assert_int_equal(wg_stats_permille(&t2->rates[WG_STATS_CLOSURE]), -1);
	assert_int_equal(wg_stats_permille(&t2->rates[WG_STATS_VALID_REPORT]), -1);
	assert_true(c.n >= 3);
	for (size_t i = 1; i < c.n; i++)
		assert_true(strcmp(c.g[i - 1].key, c.g[i].key) < 0);

	/* A town's groups are its villages; a village's its grids, and itself
	 * for cases without a grid. */
	q.area = TOWN1;
	c.n = 0;
	assert_int_equal(wg_stats_rates(db, &q, WG_STATS_BY_REGION, collect, &c, &fe), 0);
	assert_int_equal(group(&c, VILLAGE1)->rates[WG_STATS_CLOSURE].denominator, 3);
	q.area = VILLAGE1;
	c.n = 0;
	assert_int_equal(wg_stats_rates(db, &q, WG_STATS_BY_REGION, collect, &c, &fe), 0);
	assert_int_equal(group(&c, GRID1)->rates[WG_STATS_CLOSURE].denominator, 3);
	assert_int_equal(group(&c, VILLAGE1)->rates[WG_STATS_RESOLUTION].denominator, 2);
	q.area = NULL;

	/* By department and by grid worker. */
	c.n = 0;
	assert_int_equal(wg_stats_rates(db, &q, WG_STATS_BY_DEPARTMENT, collect, &c, &fe), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.g[0].key, POLICE);
	assert_int_equal(c.g[0].rates[WG_STATS_CLOSURE].numerator, 2);
	c.n = 0;
	assert_int_equal(wg_stats_rates(db, &q, WG_STATS_BY_GRID_WORKER, collect, &c, &fe), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.g[0].key, "worker7");
	assert_string_equal(c.g[0].name, "网格员七");
	assert_int_equal(wg_stats_permille(&c.g[0].rates[WG_STATS_VALID_REPORT]), 667);

	/* The empty period: every denominator 0. */
	memcpy(q.from, "2025-01-01", 11);
	memcpy(q.to, "2025-01-31", 11);
	c.n = 0;
	assert_int_equal(wg_stats_rates(db, &q, WG_STATS_BY_REGION, collect, &c, &fe), 0);
	t1 = group(&c, TOWN1);
	for (int r = 0; r < WG_STATS_RATES; r++)
		assert_int_equal(wg_stats_permille(&t1->rates[r]), -1);
	assert_int_equal(wg_stats_mean_tenths(t1), -1);
	assert_int_equal(wg_stats_p90_hours(t1), -1);
	wg_stats_overview o;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), 0);
	assert_int_equal(o.total, 0);
	assert_int_equal(o.nkind + o.nstate + o.ncategory + o.nsource, 0);

	/* Overview and trend of November, and of October and November. */
	memcpy(q.from, "2026-11-01", 11);
	memcpy(q.to, "2026-11-30", 11);
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), 0);
	assert_string_equal(o.area, COUNTY);
	assert_int_equal(o.total, 6);
	assert_int_equal(o.open, 2);
	assert_int_equal(o.closed, 1);
	assert_int_equal(o.nkind, 2);
	assert_string_equal(o.by_kind[0].key, "event"); /* 4, then dispute 2 */
	assert_int_equal(o.by_kind[0].count, 4);
	assert_int_equal(o.nsource, 2);
	assert_int_equal(o.ncategory, 1);
	assert_int_equal(o.by_category[0].count, 6);
	assert_non_null(o.by_category[0].name);
	memcpy(q.from, "2026-10-01", 11);
	struct points ps = {0};
	assert_int_equal(wg_stats_trend(db, &q, WG_STATS_MONTH, point, &ps, &fe), 0);
	assert_int_equal(ps.n, 2);
	assert_string_equal(ps.p[0].period, "2026-10-01");
	assert_int_equal(ps.p[0].reported, 100);
	assert_string_equal(ps.p[1].period, "2026-11-01");
	assert_int_equal(ps.p[1].reported, 6);
	assert_int_equal(ps.p[1].closed, 3);
	ps.n = 0;
	assert_int_equal(wg_stats_trend(db, &q, WG_STATS_WEEK, point, &ps, &fe), 0);
	assert_string_equal(ps.p[0].period, "2026-09-28");
	assert_int_equal(ps.n, 10);
	ps.n = 0;
	assert_int_equal(wg_stats_trend(db, &q, WG_STATS_DAY, point, &ps, &fe), 0);
	assert_int_equal(ps.n, 61);
	assert_string_equal(ps.p[32].period, "2026-11-02");
	assert_int_equal(ps.p[32].reported, 3);

	/* Scope: a town, a department account, a grid worker. */
	const wg_caller town2 = {.user_id = 2, .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN2};
	q.caller = &town2;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), 0);
	assert_int_equal(o.total, 1);
	q.area = TOWN1;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), WG_ENOTFOUND);
	q.area = COUNTY;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), WG_ENOTFOUND);
	q.area = "6103261010009"; /* neither a region nor a grid code */
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), WG_EVALIDATION);
	assert_string_equal(fe.e[fe.n - 1].field, "region");
	q.area = "610326101999"; /* no such village */
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), WG_ENOTFOUND);
	q.area = NULL;
	const wg_caller police = {
		.user_id = 3, .roles = WG_ROLE_DEPT_HANDLER, .scope = COUNTY, .department = POLICE};
	q.caller = &police;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), 0);
	assert_int_equal(o.total, 103);
	const wg_caller worker = {.user_id = 7, .roles = WG_ROLE_GRID_WORKER, .scope = GRID1};
	q.caller = &worker;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), 0);
	assert_string_equal(o.area, GRID1);
	assert_int_equal(o.total, 103);
	q.area = VILLAGE1;
	assert_int_equal(wg_stats_overview_get(db, &q, &o, &fe), WG_ENOTFOUND);
	wg_arena_clear(&arena);
}

/* ---- rollups kept by the engine ------------------------------------------------ */

struct engine {
	wg_db *db;
	wg_case_env env;
	wg_arena arena;
	wg_field_errors fe;
};

static const wg_caller worker7 = {
	.user_id = 7, .username = "worker7", .roles = WG_ROLE_GRID_WORKER, .scope = GRID1};
/* The system with every role of the loop, as the county and the police. */
static const wg_caller everyone = {.user_id = 0,
                                   .username = "system",
                                   .roles = WG_ROLES_ALL & ~WG_ROLES_ADMIN,
                                   .scope = COUNTY,
                                   .department = POLICE};

static int64_t report(struct engine *e, const wg_caller *who, const char *source)
{
	e->env.caller = who;
	e->env.now += 10 * MIN;
	wg_case_report r = {
		.category = "0801", .description = "小区门口有人聚集赌博", .grid = GRID1, .source = source};
	int64_t id = 0;
	char tracking[WG_CASE_TRACKING_LEN + 1];
	wg_test_begin(e->db);
	int rc = wg_test_end(e->db, wg_case_create(e->db, &e->env, &r, &id, tracking, &e->fe));
	if (rc)
		fail_msg("report: %d %s", rc, e->fe.n ? e->fe.e[0].message : wg_db_errmsg(e->db));
	return id;
}

static void act(struct engine *e, int64_t id, const char *action, const char *fields, int64_t advance)
{
	e->env.caller = &everyone;
	e->env.now += advance ? advance : 10 * MIN;
	json_t *f = fields ? json_loads(fields, 0, NULL) : NULL;
	wg_test_begin(e->db);
	int rc = wg_test_end(e->db, wg_case_act(e->db, &e->env, id, action, f, 0, &e->fe));
	json_decref(f);
	if (rc)
		fail_msg("%s on %lld: %d %s", action, (long long)id, rc,
		         e->fe.n ? e->fe.e[0].message : wg_db_errmsg(e->db));
}

/* The rollup tables as text, rows without counters left out, in key order;
 * handling false leaves out the working-time columns. */
static char *rollups(wg_db *db, bool handling)
{
	const char *sql =
		handling ? "SELECT day || '|' || scope_key || '|' || kind || '|' || category || '|' || "
			   "source || "
			   "'|' || department || '|' || reporter || '|' || reported || accepted || rejected "
			   "|| "
			   "merged || open || reported_closed || self_resolved || ':' || closed || "
			   "closed_due || "
			   "closed_on_time || rated || satisfied || reworked || extended || returned || ':' "
			   "|| "
			   "handled || ',' || handling_minutes || ',' || h0 || h1 || h2 || h3 || h4 || h5 || "
			   "h6 "
			   "|| h7 || h8 || h9 || h10 || h11 || ':' || due || due_closed FROM stats_day WHERE "
			   "reported <> 0 OR closed <> 0 OR due <> 0 OR accepted <> 0 OR open <> 0 ORDER BY 1"
			 : "SELECT day || '|' || scope_key || '|' || kind || '|' || category || '|' || "
			   "source || "
			   "'|' || department || '|' || reporter || '|' || reported || accepted || rejected "
			   "|| "
			   "merged || open || reported_closed || self_resolved || ':' || closed || "
			   "closed_due || "
			   "closed_on_time || rated || satisfied || reworked || extended || returned || ':' "
			   "|| "
			   "due || due_closed FROM stats_day WHERE reported <> 0 OR closed <> 0 OR due <> 0 "
			   "OR "
			   "accepted <> 0 OR open <> 0 ORDER BY 1";
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	for (int pass = 0; pass < 2; pass++) {
		wg_stmt *st;
		assert_int_equal(
			wg_db_prepare(db,
		                      pass ? "SELECT day || '|' || scope_key || '|' || kind || '|' || "
		                             "category || '|' || source || '|' || department || '|' "
		                             "|| state || '=' || n FROM stats_state WHERE n <> 0 "
		                             "ORDER BY 1"
		                           : sql,
		                      &st),
			0);
		int rc;
		while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
			const char *s = wg_stmt_text(st, 0, NULL);
			len += (size_t)snprintf(out + len, cap - len, "%s\n", s ? s : "(null)");
			assert_true(len < cap);
		}
		assert_int_equal(rc, WG_DB_DONE);
		wg_stmt_finalize(st);
	}
	return out;
}

static int64_t one(wg_db *db, const char *sql)
{
	return wg_test_query_int(db, sql, NULL, 0);
}

/* Text of a growing buffer. */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char line[512];
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof line);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	memcpy(t->s + t->len, line, (size_t)n + 1);
	t->len += (size_t)n;
}

static int group_text(void *ctx, const wg_stats_group_figures *g)
{
	struct text *t = ctx;
	text_add(t, "%s %s:", g->key, g->name ? g->name : "");
	for (int r = 0; r < WG_STATS_RATES; r++)
		text_add(t, " %lld/%lld", (long long)g->rates[r].numerator,
		         (long long)g->rates[r].denominator);
	text_add(t, " h%lld,%lld\n", (long long)g->handled, (long long)g->handling_minutes);
	return 0;
}

static int point_text(void *ctx, const wg_stats_point *p)
{
	text_add(ctx, "%s %lld %lld\n", p->period, (long long)p->reported, (long long)p->closed);
	return 0;
}

static int place_text(void *ctx, const wg_stats_place *p)
{
	text_add(ctx, "%s %lld %lld %lld\n", p->key, (long long)p->total, (long long)p->open,
	         (long long)p->overdue);
	return 0;
}

static void counts_text(struct text *t, const char *what, const wg_stats_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		text_add(t, "%s %s %lld\n", what, c[i].key, (long long)c[i].count);
}

/* Everything q's caller reads but the area's own code and the region
 * groups (which the system, having no area, cannot ask for), as text. */
static char *figures(wg_db *db, const wg_stats_query *q)
{
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	wg_stats_query at = *q;
	at.arena = &arena;
	struct text t = {0};
	wg_stats_overview o;
	assert_int_equal(wg_stats_overview_get(db, &at, &o, &fe), 0);
	text_add(&t, "total %lld open %lld closed %lld overdue %lld\n", (long long)o.total, (long long)o.open,
	         (long long)o.closed, (long long)o.overdue);
	counts_text(&t, "state", o.by_state, o.nstate);
	counts_text(&t, "kind", o.by_kind, o.nkind);
	counts_text(&t, "category", o.by_category, o.ncategory);
	counts_text(&t, "source", o.by_source, o.nsource);
	assert_int_equal(wg_stats_rates(db, &at, WG_STATS_BY_DEPARTMENT, group_text, &t, &fe), 0);
	assert_int_equal(wg_stats_rates(db, &at, WG_STATS_BY_GRID_WORKER, group_text, &t, &fe), 0);
	assert_int_equal(wg_stats_trend(db, &at, WG_STATS_MONTH, point_text, &t, &fe), 0);
	assert_int_equal(wg_stats_places(db, &at, place_text, &t, &fe), 0);
	wg_arena_clear(&arena);
	return t.s;
}

/* The cube's rows with any value, in key order, as text. */
static char *cube_rows(wg_db *db)
{
	struct text t = {0};
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(db,
	                               "SELECT area || '|' || dim || '|' || day || '|' || val || '|' || n || "
	                               "',' || grid_reported || ',' || grid_accepted || ',' || "
	                               "dispute_closed || ',' || dispute_accepted || ',' || reported || "
	                               "',' || accepted || ',' || open || ',' || closed || ',' || "
	                               "closed_on_time || ',' || handling_minutes || ',' || due FROM "
	                               "stats_cube WHERE n <> 0 OR reported <> 0 OR closed <> 0 OR due <> 0 "
	                               "OR accepted <> 0 OR open <> 0 ORDER BY area, dim, day, val",
	                               &st),
	                 0);
	int rc;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW)
		text_add(&t, "%s\n", wg_stmt_text(st, 0, NULL));
	assert_int_equal(rc, WG_DB_DONE);
	wg_stmt_finalize(st);
	assert_true(t.len > 0);
	return t.s;
}

static void test_engine(void **state)
{
	struct engine e = {.db = wg_test_open(state)};
	wg_arena_init(&e.arena, 16384);
	wg_field_errors_init(&e.fe, &e.arena);
	e.env = (wg_case_env){.cfg = &cfg, .cal = cal, .audit_alg = "sha256", .now = T, .arena = &e.arena};

	/* A: the whole loop, handled in one working day, rated 5. */
	int64_t a = report(&e, &worker7, NULL);
	assert_int_equal(one(e.db, "SELECT sum(reported) FROM stats_day"), 1);
	assert_int_equal(one(e.db, "SELECT sum(open) FROM stats_day"), 1);
	assert_int_equal(one(e.db, "SELECT sum(n) FROM stats_state WHERE state = 'reported'"), 1);
	act(&e, a, "accept", NULL, 0);
	assert_int_equal(one(e.db, "SELECT sum(accepted) FROM stats_day WHERE reporter = 7"), 1);
	assert_int_equal(one(e.db, "SELECT sum(n) FROM stats_state WHERE state = 'reported'"), 0);
	act(&e, a, "assess", "{\"level\":\"county\"}", 0);
	act(&e, a, "dispatch", NULL, 0);
	act(&e, a, "acknowledge", NULL, 0);
	act(&e, a, "feedback", "{\"result\":\"已处理\"}", DAY);
	act(&e, a, "verify", NULL, 0);
	act(&e, a, "close", NULL, 0);
	act(&e, a, "callback", "{\"satisfaction\":5}", 0);
	assert_int_equal(one(e.db, "SELECT sum(closed) FROM stats_day WHERE department = '" POLICE "'"), 1);
	assert_int_equal(one(e.db, "SELECT sum(handled) FROM stats_day"), 1);
	/* dispatch 10:10 to feedback 10:20 the next day: 7 h 10 min of office time */
	assert_int_equal(one(e.db, "SELECT sum(handling_minutes) FROM stats_day"), 430);
	assert_int_equal(one(e.db, "SELECT sum(h2) FROM stats_day"), 1);

	/* B rejected; C returned, extended, reworked, reopened and closed
	 * again; D a window report, open; E escalated unaccepted; F merged. */
	int64_t b = report(&e, &worker7, NULL);
	act(&e, b, "reject", "{\"reason\":\"不属实\"}", 0);
	int64_t c = report(&e, &worker7, NULL);
	act(&e, c, "accept", NULL, 0);
	act(&e, c, "assess", "{\"level\":\"county\"}", 0);
	act(&e, c, "dispatch", NULL, 0);
	act(&e, c, "return", "{\"reason\":\"不属于本部门\"}", 0);
	act(&e, c, "dispatch", NULL, 0);
	act(&e, c, "acknowledge", NULL, 0);
	act(&e, c, "extend", "{\"deadline\":\"2027-03-01T10:00:00+08:00\",\"reason\":\"需要协调\"}", 0);
	act(&e, c, "approve_extension", NULL, 0);
	act(&e, c, "feedback", "{\"result\":\"已处理\"}", 2 * DAY);
	act(&e, c, "rework", "{\"reason\":\"未到位\"}", 0);
	act(&e, c, "feedback", "{\"result\":\"再次处理\"}", 0);
	act(&e, c, "verify", NULL, 0);
	act(&e, c, "close", NULL, 0);
	act(&e, c, "callback", "{\"satisfaction\":1}", 0);
	act(&e, c, "reopen", "{\"reason\":\"不满意\"}", DAY);
	act(&e, c, "feedback", "{\"result\":\"第三次\"}", 0);
	act(&e, c, "verify", NULL, 0);
	act(&e, c, "close", NULL, 0);
	report(&e, &everyone, "window");
	int64_t x = report(&e, &worker7, NULL);
	act(&e, x, "escalate", "{\"reason\":\"村级无法处理\"}", 0);
	int64_t f = report(&e, &worker7, NULL);
	char merge[64];
	snprintf(merge, sizeof merge, "{\"master\":%lld}", (long long)a);
	act(&e, f, "merge", merge, 0);

	/* What the rates make of it (one local day each way round: the
	 * period is the whole of it). */
	wg_stats_query q = {.caller = &everyone, .arena = &e.arena, .offset_minutes = 480};
	memcpy(q.from, "2026-11-01", 11);
	memcpy(q.to, "2027-12-31", 11);
	wg_stats_overview o;
	assert_int_equal(wg_stats_overview_get(e.db, &q, &o, &e.fe), 0);
	assert_int_equal(o.total, 6);
	assert_int_equal(o.open, 2);   /* D, E */
	assert_int_equal(o.closed, 2); /* A, C */
	struct collected g = {0};
	assert_int_equal(wg_stats_rates(e.db, &q, WG_STATS_BY_DEPARTMENT, collect, &g, &e.fe), 0);
	assert_int_equal(g.n, 1);
	const wg_stats_rate *r = g.g[0].rates;
	assert_int_equal(r[WG_STATS_CLOSURE].numerator, 2);
	assert_int_equal(r[WG_STATS_CLOSURE].denominator, 2);
	assert_int_equal(r[WG_STATS_SATISFACTION].numerator, 1); /* C's rating went with its reopening */
	assert_int_equal(r[WG_STATS_SATISFACTION].denominator, 1);
	assert_int_equal(r[WG_STATS_REWORK].numerator, 1);
	assert_int_equal(r[WG_STATS_EXTENSION].numerator, 1);
	assert_int_equal(r[WG_STATS_RETURN].numerator, 1);
	assert_int_equal(r[WG_STATS_RETURN].denominator, 2);
	g.n = 0;
	assert_int_equal(wg_stats_rates(e.db, &q, WG_STATS_BY_GRID_WORKER, collect, &g, &e.fe), 0);
	assert_int_equal(g.n, 1);
	/* A, B, C, E, F by worker7: A, C and E valid */
	assert_int_equal(g.g[0].rates[WG_STATS_VALID_REPORT].numerator, 3);
	assert_int_equal(g.g[0].rates[WG_STATS_VALID_REPORT].denominator, 5);
	int64_t minutes = 0;
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(e.db,
	                               "SELECT dispatched_at, feedback_at FROM cases WHERE closed_at IS NOT "
	                               "NULL AND dispatched_at IS NOT NULL AND master IS NULL",
	                               &st),
	                 0);
	while (wg_stmt_step(st) == WG_DB_ROW)
		minutes +=
			wg_calendar_working_minutes_between(cal, wg_stmt_int(st, 0), wg_stmt_int(st, 1), 480);
	wg_stmt_finalize(st);
	assert_int_equal(g.g[0].handling_minutes, minutes);
	assert_int_equal(g.g[0].handled, 2);

	/* The cube (a county leader's reads) gives what the fine rows give
	 * (the system's), with the changes pending and after a fold. */
	const wg_caller leader = {.user_id = 1, .roles = WG_ROLE_LEADER, .scope = COUNTY};
	wg_stats_query qc = q;
	qc.caller = &leader;
	char *fine = figures(e.db, &q);
	assert_true(one(e.db, "SELECT count(*) FROM stats_pending") > 0);
	char *pending = figures(e.db, &qc);
	assert_string_equal(fine, pending);
	wg_test_begin(e.db);
	assert_int_equal(wg_test_end(e.db, fold(e.db)), 0);
	assert_int_equal(one(e.db, "SELECT count(*) FROM stats_pending"), 0);
	char *folded = figures(e.db, &qc);
	assert_string_equal(fine, folded);
	char *cube = cube_rows(e.db);
	free(fine);
	free(pending);
	free(folded);

	/* The rollups are what a rebuild makes of the cases... */
	char *kept = rollups(e.db, true);
	wg_test_begin(e.db);
	assert_int_equal(wg_test_end(e.db, wg_stats_rebuild(e.db, &e.env)), 0);
	char *rebuilt = rollups(e.db, true);
	assert_string_equal(kept, rebuilt);
	free(kept);
	free(rebuilt);
	wg_test_begin(e.db);
	assert_int_equal(wg_test_end(e.db, fold(e.db)), 0);
	char *cube_rebuilt = cube_rows(e.db);
	assert_string_equal(cube, cube_rebuilt);
	free(cube);
	free(cube_rebuilt);

	/* ...and, but for working time, what migration 0010 backfills. */
	kept = rollups(e.db, false);
	wg_test_begin(e.db);
	int rc = wg_db_exec(e.db,
	                    "DROP TABLE stats_day; DROP TABLE stats_state; DROP INDEX cases_overdue_scope; "
	                    "DROP INDEX cases_overdue_department; DELETE FROM schema_migrations WHERE "
	                    "name LIKE '0010%'");
	assert_int_equal(wg_test_end(e.db, rc), 0);
	char err[256] = "";
	int applied = 0;
	assert_int_equal(wg_migrate(e.db, &applied, err, sizeof err), 0);
	assert_int_equal(applied, 1);
	char *backfilled = rollups(e.db, false);
	assert_string_equal(kept, backfilled);
	free(kept);
	free(backfilled);
	wg_arena_clear(&e.arena);
}

#define STORE_TESTS(fx)                                                                       \
	cmocka_unit_test_prestate_setup_teardown(test_rates, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_engine, setup, wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	char err[512] = "";
	wg_office_hours hours;
	if (wg_config_defaults(&cfg) != 0 ||
	    wg_office_hours_parse("08:30-12:00,14:00-17:30", &hours, err, sizeof err) ||
	    wg_calendar_load_dir(WG_SOURCE_ROOT "/data/holidays", &hours, &cal, err, sizeof err) ||
	    wg_flow_load_dir(WG_SOURCE_ROOT "/flows", err, sizeof err)) {
		fprintf(stderr, "test_stats: %s\n", err);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_figures),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	int failed = cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
	wg_flow_unload();
	wg_calendar_free(cal);
	wg_config_free(&cfg);
	return failed;
}
