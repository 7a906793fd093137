/* test_report.c - the periods of the reports (week Monday..Sunday, month,
 * quarter, half-year) across month, year and leap-day boundaries, the date
 * parser, the period names and titles, the two writers on a small
 * hand-made report (a workbook and a PDF come out, a font libharu cannot
 * read is a configuration error naming the setting), and gathering a
 * report from the statistics of an empty period in scope, also with each
 * allocation failing in turn; on SQLite, and on PostgreSQL when
 * WG_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/calendar.h"
#include "core/error.h"
#include "domain/dataload.h"
#include "domain/report.h"
#include "domain/role.h"
#include "io/pdf_report.h"
#include "io/xlsx_report.h"

#include "fixture.h"

#define FONT "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

static void test_bounds(void **state)
{
	(void)state;
	static const struct {
		enum wg_report_period p;
		const char *date, *from, *to;
	} t[] = {
		/* 2026-11-24 is a Tuesday. */
		{WG_REPORT_WEEK, "2026-11-24", "2026-11-23", "2026-11-29"},
		{WG_REPORT_WEEK, "2026-11-23", "2026-11-23", "2026-11-29"},
		{WG_REPORT_WEEK, "2026-11-29", "2026-11-23", "2026-11-29"},
		/* A week across the year end, and across a leap day. */
		{WG_REPORT_WEEK, "2026-12-31", "2026-12-28", "2027-01-03"},
		{WG_REPORT_WEEK, "2027-01-01", "2026-12-28", "2027-01-03"},
		{WG_REPORT_WEEK, "2028-02-29", "2028-02-28", "2028-03-05"},
		{WG_REPORT_WEEK, "1970-01-01", "1969-12-29", "1970-01-04"},
		{WG_REPORT_WEEK, "1969-12-31", "1969-12-29", "1970-01-04"},
		{WG_REPORT_WEEK, "0001-01-03", "0001-01-01", "0001-01-07"},
		{WG_REPORT_WEEK, "9999-12-26", "9999-12-20", "9999-12-26"},
		{WG_REPORT_MONTH, "2026-11-24", "2026-11-01", "2026-11-30"},
		{WG_REPORT_MONTH, "2026-02-10", "2026-02-01", "2026-02-28"},
		{WG_REPORT_MONTH, "2028-02-10", "2028-02-01", "2028-02-29"},
		{WG_REPORT_MONTH, "2000-02-29", "2000-02-01", "2000-02-29"},
		{WG_REPORT_MONTH, "2100-02-01", "2100-02-01", "2100-02-28"},
		{WG_REPORT_MONTH, "2026-12-31", "2026-12-01", "2026-12-31"},
		{WG_REPORT_QUARTER, "2026-01-01", "2026-01-01", "2026-03-31"},
		{WG_REPORT_QUARTER, "2026-03-31", "2026-01-01", "2026-03-31"},
		{WG_REPORT_QUARTER, "2026-04-01", "2026-04-01", "2026-06-30"},
		{WG_REPORT_QUARTER, "2026-08-15", "2026-07-01", "2026-09-30"},
		{WG_REPORT_QUARTER, "2026-12-31", "2026-10-01", "2026-12-31"},
		{WG_REPORT_HALF, "2026-06-30", "2026-01-01", "2026-06-30"},
		{WG_REPORT_HALF, "2026-07-01", "2026-07-01", "2026-12-31"},
		{WG_REPORT_HALF, "2028-02-29", "2028-01-01", "2028-06-30"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int y, m, d;
		assert_true(wg_report_parse_date(t[i].date, &y, &m, &d));
		char from[11] = "", to[11] = "";
		assert_true(wg_report_period_bounds(t[i].p, y, m, d, from, to));
		assert_string_equal(from, t[i].from);
		assert_string_equal(to, t[i].to);
	}
	char from[11] = "unchanged", to[11] = "unchanged";
	assert_false(wg_report_period_bounds(WG_REPORT_MONTH, 2026, 2, 29, from, to));
	assert_false(wg_report_period_bounds(WG_REPORT_WEEK, 2026, 13, 1, from, to));
	/* The last week of year 9999 ends in year 10000 (9999-12-31 is a
	 * Friday); the first of year 1 starts on its Monday, 0001-01-01. */
	assert_false(wg_report_period_bounds(WG_REPORT_WEEK, 9999, 12, 31, from, to));
	assert_false(wg_report_period_bounds(WG_REPORT_PERIODS, 2026, 1, 1, from, to));
	assert_string_equal(from, "unchanged");
	assert_string_equal(to, "unchanged");
}

static void test_parse_date(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		int y, m, d;
	} t[] = {
		{"2026-11-24", true, 2026, 11, 24}, {"2028-02-29", true, 2028, 2, 29},
		{"0001-01-01", true, 1, 1, 1},      {"2026-02-29", false, 0, 0, 0},
		{"1900-02-29", false, 0, 0, 0},     {"2026-13-01", false, 0, 0, 0},
		{"2026-00-10", false, 0, 0, 0},     {"2026-11-31", false, 0, 0, 0},
		{"2026-1-01", false, 0, 0, 0},      {"2026-11-240", false, 0, 0, 0},
		{"2026/11/24", false, 0, 0, 0},     {"2026-1a-24", false, 0, 0, 0},
		{"+026-11-24", false, 0, 0, 0},     {"", false, 0, 0, 0},
		{"0000-01-01", false, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int y = -1, m = -1, d = -1;
		assert_int_equal(wg_report_parse_date(t[i].s, &y, &m, &d), t[i].ok);
		if (t[i].ok) {
			assert_int_equal(y, t[i].y);
			assert_int_equal(m, t[i].m);
			assert_int_equal(d, t[i].d);
		} else {
			assert_int_equal(y, -1);
		}
	}
	assert_false(wg_report_parse_date(NULL, &(int){0}, &(int){0}, &(int){0}));
}

/* Day numbers and dates agree both ways over four centuries. */
static void test_date_of_day(void **state)
{
	(void)state;
	int64_t first, last;
	assert_true(wg_calendar_day_number(1899, 12, 25, &first));
	assert_true(wg_calendar_day_number(2301, 1, 5, &last));
	for (int64_t z = first; z <= last; z++) {
		int y, m, d;
		wg_report_date_of_day(z, &y, &m, &d);
		int64_t back = 0;
		assert_true(wg_calendar_day_number(y, m, d, &back));
		assert_int_equal(back, z);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(wg_report_period_parse("week", 4), WG_REPORT_WEEK);
	assert_int_equal(wg_report_period_parse("month", 5), WG_REPORT_MONTH);
	assert_int_equal(wg_report_period_parse("quarter", 7), WG_REPORT_QUARTER);
	assert_int_equal(wg_report_period_parse("half", 4), WG_REPORT_HALF);
	assert_int_equal(wg_report_period_parse("month.xlsx", 10), -1);
	assert_int_equal(wg_report_period_parse("mont", 4), -1);
	assert_int_equal(wg_report_period_parse("", 0), -1);
	assert_int_equal(wg_report_period_parse("year", 4), -1);

	static const struct {
		enum wg_report_period p;
		const char *from, *to, *label, *kind;
	} t[] = {
		{WG_REPORT_WEEK, "2026-11-23", "2026-11-29", "2026年第48周（11月23日至11月29日）",
	         "每周梳理"},
		/* Weeks across the year end: in the year of their Thursday. */
		{WG_REPORT_WEEK, "2026-12-28", "2027-01-03", "2026年第53周（12月28日至1月3日）", "每周梳理"},
		{WG_REPORT_WEEK, "2024-12-30", "2025-01-05", "2025年第1周（12月30日至1月5日）", "每周梳理"},
		{WG_REPORT_MONTH, "2026-11-01", "2026-11-30", "2026年11月", "每月分析"},
		{WG_REPORT_QUARTER, "2026-10-01", "2026-12-31", "2026年第四季度", "每季研判"},
		{WG_REPORT_QUARTER, "2026-01-01", "2026-03-31", "2026年第一季度", "每季研判"},
		{WG_REPORT_HALF, "2026-01-01", "2026-06-30", "2026年上半年", "半年总结"},
		{WG_REPORT_HALF, "2026-07-01", "2026-12-31", "2026年下半年", "半年总结"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char buf[96];
		wg_report_period_label(t[i].p, t[i].from, t[i].to, buf, sizeof buf);
		assert_string_equal(buf, t[i].label);
		assert_string_equal(wg_report_kind_title(t[i].p), t[i].kind);
	}
	assert_string_equal(wg_report_source_title("grid"), "网格员上报");
	assert_string_equal(wg_report_source_title("unknown"), "unknown");
	assert_string_equal(wg_report_kind_name("dispute"), "矛盾纠纷");
	assert_string_equal(wg_report_rate_titles[WG_STATS_CLOSURE], "结案率");
}

/* A report as the builder would gather it, without a database. */
static void sample(wg_report *r, wg_stats_count *cats, wg_stats_point *pts, wg_stats_group_figures *g)
{
	memset(r, 0, sizeof *r);
	r->period = WG_REPORT_MONTH;
	memcpy(r->from, "2026-11-01", 11);
	memcpy(r->to, "2026-11-30", 11);
	r->area = "610326000000";
	r->area_name = "眉县";
	r->label = "2026年11月";
	r->title = "眉县 2026年11月 每月分析";
	r->overview = (wg_stats_overview){.area = r->area, .total = 7, .open = 4, .overdue = 1, .closed = 3};
	cats[0] = (wg_stats_count){"0801", "治安隐患", 5};
	cats[1] = (wg_stats_count){"0101", "消防安全隐患", 2};
	r->overview.by_category = cats;
	r->overview.ncategory = 2;
	r->bucket = WG_STATS_DAY;
	for (int i = 0; i < 30; i++) {
		snprintf(pts[i].period, sizeof pts[i].period, "2026-11-%02d", i + 1);
		pts[i].reported = i % 3;
		pts[i].closed = i % 2;
	}
	r->trend = pts;
	r->ntrend = 30;
	memset(g, 0, sizeof *g);
	g->key = "610326001000";
	g->name = "首善街道";
	g->rates[WG_STATS_CLOSURE] = (wg_stats_rate){2, 3};
	r->groups = g;
	r->ngroups = 1;
}

/* The first bytes of the file at path into buf (NUL-terminated). */
static size_t head_of(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void test_writers(void **state)
{
	(void)state;
	wg_report r;
	wg_stats_count cats[2];
	wg_stats_point pts[30];
	wg_stats_group_figures g;
	sample(&r, cats, pts, &g);
	char path[] = "/tmp/wg-test-report-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char err[512] = "", head[8];

	assert_int_equal(wg_xlsx_report_write(&r, path, err, sizeof err), 0);
	assert_int_equal(head_of(path, head, sizeof head), 7);
	assert_memory_equal(head, "PK\x03\x04", 4);

	if (access(FONT, R_OK) == 0) {
		assert_int_equal(wg_pdf_report_font_check(FONT, 0, err, sizeof err), 0);
		assert_int_equal(wg_pdf_report_write(&r, FONT, 0, path, err, sizeof err), 0);
		head_of(path, head, sizeof head);
		assert_memory_equal(head, "%PDF-", 5);
	} else {
		print_message("%s is missing: the PDF is not drawn here (the API tests draw it)\n", FONT);
	}

	/* Not a font at all, and no file. */
	assert_int_equal(wg_pdf_report_write(&r, path, 0, path, err, sizeof err), WG_ECONFIG);
	assert_non_null(strstr(err, "reports.font"));
	err[0] = '\0';
	assert_int_equal(wg_pdf_report_font_check("/nonexistent/font.ttf", 0, err, sizeof err), WG_ECONFIG);
	assert_non_null(strstr(err, "/nonexistent/font.ttf"));
	/* A folder cannot become a workbook. */
	assert_int_equal(wg_xlsx_report_write(&r, "/nonexistent/dir/r.xlsx", err, sizeof err), WG_EIO);
	unlink(path);
}

/* ---- gathering from the statistics ---------------------------------------------- */

#define COUNTY "610326000000"
#define TOWN1 "610326001000"
#define TOWN2 "610326101000"
#define VILLAGE1 "610326001002"
#define GRID1 "610326001002001"

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

static int build(wg_db *db, const wg_caller *caller, const char *area, enum wg_report_period p, int y, int m,
                 int d, wg_arena *arena, wg_report *r, wg_field_errors *fe)
{
	wg_stats_query q = {.caller = caller, .area = area, .offset_minutes = 480, .arena = arena};
	wg_field_errors_init(fe, arena);
	return wg_report_build(db, &q, p, y, m, d, r, fe);
}

static void test_build(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	wg_field_errors fe;
	wg_report r;
	const wg_caller county = {.user_id = 1, .roles = WG_ROLE_LEADER, .scope = COUNTY};
	const wg_caller town2 = {.user_id = 2, .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN2};
	const wg_caller worker = {.user_id = 7, .roles = WG_ROLE_GRID_WORKER, .scope = GRID1};

	assert_int_equal(build(db, &county, NULL, WG_REPORT_MONTH, 2026, 2, 14, &arena, &r, &fe), 0);
	assert_string_equal(r.from, "2026-02-01");
	assert_string_equal(r.to, "2026-02-28");
	assert_string_equal(r.area, COUNTY);
	assert_string_equal(r.area_name, "眉县");
	assert_string_equal(r.title, "眉县 2026年2月 每月分析");
	assert_int_equal(r.overview.total, 0);
	assert_int_equal(r.overview.ncategory, 0);
	assert_int_equal(r.bucket, WG_STATS_DAY);
	assert_int_equal(r.ntrend, 28);
	assert_string_equal(r.trend[27].period, "2026-02-28");
	/* Every town is listed, with nothing counted. */
	int64_t towns = wg_test_query_int(db, "SELECT count(*) FROM regions WHERE parent = ?", COUNTY, 0);
	assert_true(towns > 1);
	assert_int_equal((int64_t)r.ngroups, towns);
	for (size_t i = 0; i < r.ngroups; i++)
		assert_int_equal(r.groups[i].rates[WG_STATS_CLOSURE].denominator, 0);

	/* A quarter counts by weeks: the Mondays from the one on or before
	 * 2026-10-01 (a Thursday) to the one of 2026-12-31. */
	assert_int_equal(build(db, &county, TOWN1, WG_REPORT_QUARTER, 2026, 11, 24, &arena, &r, &fe), 0);
	assert_string_equal(r.title, "首善街道 2026年第四季度 每季研判");
	assert_int_equal(r.bucket, WG_STATS_WEEK);
	assert_int_equal(r.ntrend, 14);
	assert_string_equal(r.trend[0].period, "2026-09-28");

	assert_int_equal(build(db, &worker, NULL, WG_REPORT_WEEK, 2026, 11, 24, &arena, &r, &fe), 0);
	assert_string_equal(r.area_name, "一网格");
	assert_int_equal(r.ntrend, 7);

	assert_int_equal(build(db, &town2, TOWN1, WG_REPORT_HALF, 2026, 3, 1, &arena, &r, &fe), WG_ENOTFOUND);
	assert_int_equal(build(db, &county, "x", WG_REPORT_HALF, 2026, 3, 1, &arena, &r, &fe),
	                 WG_EVALIDATION);
	assert_string_equal(fe.e[0].field, "region");
	assert_int_equal(build(db, &county, NULL, WG_REPORT_MONTH, 2026, 2, 30, &arena, &r, &fe),
	                 WG_EVALIDATION);
	assert_string_equal(fe.e[0].field, "date");
	wg_arena_clear(&arena);
}

/* Each allocation failing in turn: WG_ENOMEM (or the store's own error
 * when its allocation fails), never a crash or a leak, until it succeeds. */
static void test_build_failing_allocator(void **state)
{
	wg_db *db = wg_test_open(state);
	const wg_caller county = {.user_id = 1, .roles = WG_ROLE_LEADER, .scope = COUNTY};
	unsigned long n = 1;
	for (;; n++) {
		wg_arena arena;
		wg_arena_init(&arena, 256);
		wg_field_errors fe;
		wg_report r;
		wg_alloc_fail_at(n);
		int rc = build(db, &county, NULL, WG_REPORT_HALF, 2026, 8, 1, &arena, &r, &fe);
		unsigned long made = wg_alloc_count();
		wg_alloc_fail_at(0);
		wg_arena_clear(&arena);
		if (rc == 0) {
			assert_true(made < n);
			break;
		}
		if (rc != WG_ENOMEM && rc != WG_ESTORE)
			fail_msg("allocation %lu: %d", n, rc);
	}
	assert_true(n > 3);
}

#define STORE_TESTS(fx)                                                                       \
	cmocka_unit_test_prestate_setup_teardown(test_build, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_build_failing_allocator, setup, \
	                                                 wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_date_of_day),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_writers),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
