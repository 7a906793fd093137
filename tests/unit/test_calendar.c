/* test_calendar.c - the working-day calendar: office hours parsing, every
 * day of 2024-2027 in data/holidays against the notices as this test lists
 * them, deadlines in working days and working minutes against a naive
 * minute-by-minute count, the inverse properties, every parser error with
 * its path, the folder loader, and the failing allocator.
 *
 * The expectations never come from calendar.c: dates go through timegm and
 * gmtime, and the reference deadlines walk one minute or one day at a time
 * over the test's own copy of the holiday lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/error.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the notices, as this test reads them ---------------------------------- */

struct holiday {
	const char *name, *from, *to;
};

struct notice {
	int year;
	int statutory; /* weekdays off the law gives (11 until 2024, 13 from 2025) */
	int working;   /* working days in the year */
	struct holiday holidays[8];
	const char *workdays[8];
};

static const struct notice notices[] = {
	{2024,
         11,
         251,
         {{"元旦", "2024-01-01", "2024-01-01"},
          {"春节", "2024-02-10", "2024-02-17"},
          {"清明节", "2024-04-04", "2024-04-06"},
          {"劳动节", "2024-05-01", "2024-05-05"},
          {"端午节", "2024-06-08", "2024-06-10"},
          {"中秋节", "2024-09-15", "2024-09-17"},
          {"国庆节", "2024-10-01", "2024-10-07"}},
         {"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29",
          "2024-10-12"}},
	{2025,
         13,
         248,
         {{"元旦", "2025-01-01", "2025-01-01"},
          {"春节", "2025-01-28", "2025-02-04"},
          {"清明节", "2025-04-04", "2025-04-06"},
          {"劳动节", "2025-05-01", "2025-05-05"},
          {"端午节", "2025-05-31", "2025-06-02"},
          {"国庆节、中秋节", "2025-10-01", "2025-10-08"}},
         {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}},
	{2026,
         13,
         248,
         {{"元旦", "2026-01-01", "2026-01-03"},
          {"春节", "2026-02-15", "2026-02-23"},
          {"清明节", "2026-04-04", "2026-04-06"},
          {"劳动节", "2026-05-01", "2026-05-05"},
          {"端午节", "2026-06-19", "2026-06-21"},
          {"中秋节", "2026-09-25", "2026-09-27"},
          {"国庆节", "2026-10-01", "2026-10-07"}},
         {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}},
	{2027,
         13,
         248,
         {{"元旦", "2027-01-01", "2027-01-03"},
          {"春节", "2027-02-05", "2027-02-12"},
          {"清明节", "2027-04-03", "2027-04-05"},
          {"劳动节", "2027-05-01", "2027-05-05"},
          {"端午节", "2027-06-09", "2027-06-09"},
          {"中秋节", "2027-09-15", "2027-09-15"},
          {"国庆节", "2027-10-01", "2027-10-07"}},
         {"2027-01-31", "2027-02-13", "2027-05-08", "2027-09-26", "2027-10-09"}},
};
#define NNOTICES (sizeof notices / sizeof notices[0])

/* ---- dates the C library's way ----------------------------------------------- */

/* Days since 1970-01-01 of y-m-d, by timegm. */
static int64_t day_of(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
	return (int64_t)timegm(&tm) / 86400;
}

static int64_t parse_day(const char *s)
{
	int y, m, d;
	if (sscanf(s, "%d-%d-%d", &y, &m, &d) != 3)
		fail_msg("bad date %s in the test", s);
	return day_of(y, m, d);
}

static struct tm tm_of(int64_t day)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm;
}

/* "YYYY-MM-DD HH:MM" (optionally ":SS") local at offset off, as UTC ms. */
static int64_t at(const char *s, int off)
{
	int y, m, d, h, mi, sec = 0;
	if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &m, &d, &h, &mi, &sec) < 5)
		fail_msg("bad time %s in the test", s);
	return ((day_of(y, m, d) * 1440 + (int64_t)h * 60 + mi - off) * 60 + sec) * 1000;
}

static const char *show(int64_t ms, int off, char *buf, size_t n)
{
	int64_t l = ms + (int64_t)off * 60000;
	int64_t day = l >= 0 ? l / 86400000 : -((-l + 86399999) / 86400000);
	int64_t x = l - day * 86400000;
	struct tm tm = tm_of(day);
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         (int)(x / 3600000), (int)(x / 60000 % 60), (int)(x / 1000 % 60), (int)(x % 1000));
	return buf;
}

/* ---- the expectation ---------------------------------------------------------- */

/* Every day of 2019..2032: working or not, and the holiday's name. Years
 * without a notice follow the weekend rule. */
#define EXP_FIRST_YEAR 2019
#define EXP_LAST_YEAR 2032
static int64_t exp_first, exp_last;
static bool exp_work[5200];
static const char *exp_name[5200];
static bool exp_noholidays; /* the expectation of a calendar without files */

static void build_expectation(bool with_notices)
{
	exp_first = day_of(EXP_FIRST_YEAR, 1, 1);
	exp_last = day_of(EXP_LAST_YEAR, 12, 31);
	assert_true(exp_last - exp_first < 5200);
	exp_noholidays = !with_notices;
	for (int64_t z = exp_first; z <= exp_last; z++) {
		struct tm tm = tm_of(z);
		exp_work[z - exp_first] = tm.tm_wday != 0 && tm.tm_wday != 6;
		exp_name[z - exp_first] = NULL;
	}
	for (size_t i = 0; with_notices && i < NNOTICES; i++) {
		const struct notice *n = &notices[i];
		for (int h = 0; h < 8 && n->holidays[h].name; h++)
			for (int64_t z = parse_day(n->holidays[h].from); z <= parse_day(n->holidays[h].to);
			     z++) {
				exp_work[z - exp_first] = false;
				exp_name[z - exp_first] = n->holidays[h].name;
			}
		for (int w = 0; w < 8 && n->workdays[w]; w++) {
			int64_t z = parse_day(n->workdays[w]);
			struct tm tm = tm_of(z);
			assert_true(tm.tm_wday == 0 || tm.tm_wday == 6);
			exp_work[z - exp_first] = true;
		}
	}
}

static bool exp_working(int64_t z)
{
	if (z < exp_first || z > exp_last)
		fail_msg("day %lld outside the expectation", (long long)z);
	return exp_work[z - exp_first];
}

/* Local minutes since 1970-01-01. */
static bool exp_office(const wg_office_hours *h, int64_t minute)
{
	int64_t z = minute >= 0 ? minute / 1440 : -((-minute + 1439) / 1440);
	int64_t x = minute - z * 1440;
	if (!exp_working(z))
		return false;
	for (int i = 0; i < h->nspans; i++)
		if (x >= h->start[i] && x < h->end[i])
			return true;
	return false;
}

/* The naive deadline: minute by minute from the local minute start. */
static int64_t exp_add_minutes(const wg_office_hours *h, int64_t start, int64_t n)
{
	int64_t u = start;
	if (n == 0) {
		while (!exp_office(h, u))
			u++;
		return u;
	}
	for (int64_t c = 0;; u++)
		if (exp_office(h, u) && ++c == n)
			return u + 1;
}

static int64_t exp_between_minutes(const wg_office_hours *h, int64_t a, int64_t b)
{
	int64_t c = 0;
	for (int64_t u = a; u < b; u++)
		c += exp_office(h, u);
	return c;
}

static int close_of(const wg_office_hours *h)
{
	return h->end[h->nspans - 1];
}

/* The naive working-day deadline, as a local minute. */
static int64_t exp_add_days(const wg_office_hours *h, int64_t start, int n)
{
	int64_t z = start / 1440, x = start % 1440;
	if (n == 0) {
		if (exp_working(z) && x < close_of(h))
			return z * 1440 + close_of(h);
		n = 1;
	}
	while (n > 0)
		n -= exp_working(++z);
	return z * 1440 + close_of(h);
}

/* ---- shared ------------------------------------------------------------------ */

static const wg_office_hours standard = {{510, 840}, {720, 1050}, 2};
static const wg_office_hours one_span = {{540, 0}, {1020, 0}, 1};

static char source_root[PATH_MAX];

/* The source tree from this file's path as compiled, which meson gives
 * relative to the build folder that meson test runs the program in. */
static const char *holidays_dir(void)
{
	static char dir[PATH_MAX + 32];
	const char *me = __FILE__, *tail = "tests/unit/test_calendar.c";
	size_t n = strlen(me), t = strlen(tail);
	assert_true(n >= t && strcmp(me + n - t, tail) == 0);
	snprintf(source_root, sizeof source_root, "%.*s", (int)(n - t), me);
	snprintf(dir, sizeof dir, "%sdata/holidays", source_root);
	struct stat st;
	if (stat(dir, &st) != 0)
		fail_msg("%s not found: run the test with meson test, from the build folder", dir);
	return dir;
}

static wg_calendar *load_real(const wg_office_hours *h)
{
	wg_calendar *cal = NULL;
	char err[512];
	int rc = wg_calendar_load_dir(holidays_dir(), h, &cal, err, sizeof err);
	if (rc)
		fail_msg("load_dir: %d %s", rc, err);
	assert_string_equal(err, "");
	return cal;
}

/* A deterministic generator, so that a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

/* ---- office hours ------------------------------------------------------------ */

static void test_office_hours_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int nspans, s0, e0, s1, e1;
	} good[] = {
		{"08:30-12:00,14:00-17:30", 2, 510, 720, 840, 1050},
		{"09:00-17:00", 1, 540, 1020, 0, 0},
		{"00:00-24:00", 1, 0, 1440, 0, 0},
		{"00:00-00:01,23:59-24:00", 2, 0, 1, 1439, 1440},
		{"08:00-12:00,12:01-18:00", 2, 480, 720, 721, 1080},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		wg_office_hours h = {{-1, -1}, {-1, -1}, -1};
		char err[128] = "x";
		if (wg_office_hours_parse(good[i].in, &h, err, sizeof err) != 0)
			fail_msg("%s: %s", good[i].in, err);
		assert_string_equal(err, "");
		assert_int_equal(h.nspans, good[i].nspans);
		assert_int_equal(h.start[0], good[i].s0);
		assert_int_equal(h.end[0], good[i].e0);
		if (h.nspans == 2) {
			assert_int_equal(h.start[1], good[i].s1);
			assert_int_equal(h.end[1], good[i].e1);
		}
		wg_calendar *cal = wg_calendar_new(&h);
		assert_non_null(cal);
		wg_calendar_free(cal);
	}
	static const struct {
		const char *in, *err;
	} bad[] = {
		{NULL, "office hours: missing"},
		{"", "office hours \"\": must be HH:MM-HH:MM or HH:MM-HH:MM,HH:MM-HH:MM"},
		{"8:30-12:00", "must be HH:MM-HH:MM"},
		{"08:30-12:00,", "must be HH:MM-HH:MM"},
		{"08:30-12:00 ,14:00-17:30", "must be HH:MM-HH:MM"},
		{"08:30-12:00;14:00-17:30", "must be HH:MM-HH:MM"},
		{"08:30-12:00,14:00-17:30,18:00-19:00", "must be HH:MM-HH:MM"},
		{"08:30_12:00", "must be HH:MM-HH:MM"},
		{"08:30-12.00", "must be HH:MM-HH:MM"},
		{"08:60-12:00", "must be HH:MM-HH:MM"},
		{"25:00-26:00", "must be HH:MM-HH:MM"},
		{"24:00-24:00", "must be HH:MM-HH:MM"},
		{"08:00-24:01", "must be HH:MM-HH:MM"},
		{"0a:00-12:00", "must be HH:MM-HH:MM"},
		{"12:00-12:00", "office hours \"12:00-12:00\": span 1 must end after it starts"},
		{"12:00-08:00", "span 1 must end after it starts"},
		{"08:00-12:00,14:00-13:00", "span 2 must end after it starts"},
		{"08:30-12:00,12:00-17:30", "the second span must start after the first ends"},
		{"14:00-17:30,08:30-12:00", "the second span must start after the first ends"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wg_office_hours h = {{1, 2}, {3, 4}, 7};
		char err[128] = "";
		assert_int_equal(wg_office_hours_parse(bad[i].in, &h, err, sizeof err), WG_EVALIDATION);
		if (!strstr(err, bad[i].err))
			fail_msg("%s: err '%s', want '%s'", bad[i].in ? bad[i].in : "(null)", err,
			         bad[i].err);
		assert_int_equal(h.nspans, 7); /* untouched */
		assert_int_equal(h.start[0], 1);
	}
	/* No err buffer is fine. */
	wg_office_hours h;
	assert_int_equal(wg_office_hours_parse("x", &h, NULL, 0), WG_EVALIDATION);

	/* Hours that do not hold are refused by the constructors. */
	static const wg_office_hours wrong[] = {
		{{0, 0}, {0, 0}, 0},        {{0, 0}, {10, 0}, 3},   {{-1, 0}, {10, 0}, 1},
		{{10, 0}, {10, 0}, 1},      {{0, 0}, {1441, 0}, 1}, {{0, 10}, {10, 20}, 2},
		{{100, 50}, {200, 300}, 2},
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		assert_null(wg_calendar_new(&wrong[i]));
		wg_calendar *cal = (wg_calendar *)&h;
		char err[128];
		assert_int_equal(wg_calendar_load_dir("/nonexistent", &wrong[i], &cal, err, sizeof err),
		                 WG_EVALIDATION);
		assert_null(cal);
	}
	assert_null(wg_calendar_new(NULL));
	wg_calendar_free(NULL);
}

/* ---- the shipped files ------------------------------------------------------- */

static void check_every_day(const wg_calendar *cal, int from_year, int to_year)
{
	for (int64_t z = day_of(from_year, 1, 1); z <= day_of(to_year, 12, 31); z++) {
		struct tm tm = tm_of(z);
		int y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
		bool work = wg_calendar_is_working_day(cal, y, m, d);
		if (work != exp_working(z))
			fail_msg("%04d-%02d-%02d: working %d, want %d", y, m, d, work, exp_working(z));
		const char *name = wg_calendar_holiday(cal, y, m, d), *want = exp_name[z - exp_first];
		if ((name == NULL) != (want == NULL) || (name && strcmp(name, want) != 0))
			fail_msg("%04d-%02d-%02d: holiday %s, want %s", y, m, d, name ? name : "none",
			         want ? want : "none");
	}
}

static void test_every_day(void **state)
{
	(void)state;
	build_expectation(true);
	wg_calendar *cal = load_real(&standard);
	check_every_day(cal, 2022, 2029);

	/* Each year has its notice's count of working days, which is the count
	 * of Monday-to-Friday days less the statutory days: swaps only move
	 * days. */
	for (size_t i = 0; i < NNOTICES; i++) {
		int y = notices[i].year, work = 0, weekdays = 0;
		for (int64_t z = day_of(y, 1, 1); z <= day_of(y, 12, 31); z++) {
			struct tm tm = tm_of(z);
			work += wg_calendar_is_working_day(cal, y, tm.tm_mon + 1, tm.tm_mday);
			weekdays += tm.tm_wday != 0 && tm.tm_wday != 6;
		}
		assert_int_equal(work, notices[i].working);
		assert_int_equal(work, weekdays - notices[i].statutory);
		/* From the last instant of the year before to the last of this one. */
		char from[32], to[32];
		snprintf(from, sizeof from, "%d-01-01 00:00", y);
		snprintf(to, sizeof to, "%d-01-01 00:00", y + 1);
		assert_int_equal(
			wg_calendar_working_days_between(cal, at(from, 480) - 1, at(to, 480) - 1, 480),
			notices[i].working);
	}

	/* Single days the notices spell out. */
	static const struct {
		int y, m, d;
		bool work;
		const char *name;
	} days[] = {
		{2024, 1, 1, false, "元旦"},   {2024, 2, 4, true, NULL},
		{2024, 2, 9, true, NULL},      {2024, 2, 10, false, "春节"},
		{2024, 2, 17, false, "春节"},  {2024, 2, 18, true, NULL},
		{2024, 6, 8, false, "端午节"}, {2024, 9, 14, true, NULL},
		{2024, 12, 31, true, NULL},    {2025, 1, 1, false, "元旦"},
		{2025, 1, 2, true, NULL},      {2025, 1, 26, true, NULL},
		{2025, 1, 28, false, "春节"},  {2025, 2, 4, false, "春节"},
		{2025, 2, 8, true, NULL},      {2025, 10, 6, false, "国庆节、中秋节"},
		{2025, 10, 11, true, NULL},    {2025, 12, 31, true, NULL},
		{2026, 1, 2, false, "元旦"},   {2026, 1, 4, true, NULL},
		{2026, 2, 14, true, NULL},     {2026, 2, 15, false, "春节"},
		{2026, 2, 23, false, "春节"},  {2026, 2, 24, true, NULL},
		{2026, 2, 28, true, NULL},     {2026, 3, 1, false, NULL},
		{2026, 5, 9, true, NULL},      {2026, 9, 20, true, NULL},
		{2026, 10, 10, true, NULL},    {2027, 2, 12, false, "春节"},
		{2027, 2, 13, true, NULL},     {2027, 6, 9, false, "端午节"},
		{2027, 6, 10, true, NULL},     {2028, 1, 3, true, NULL},
		{2023, 10, 2, true, NULL},     {2026, 2, 29, false, NULL},
		{2026, 13, 1, false, NULL},    {2026, 0, 1, false, NULL},
		{2024, 2, 29, true, NULL},     {2024, 2, 30, false, NULL},
		{1999, 12, 31, true, NULL},    {2100, 1, 1, true, NULL},
		{-5, 1, 1, false, NULL},       {2026, 4, 31, false, NULL},
	};
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		bool work = wg_calendar_is_working_day(cal, days[i].y, days[i].m, days[i].d);
		const char *name = wg_calendar_holiday(cal, days[i].y, days[i].m, days[i].d);
		if (work != days[i].work || (name == NULL) != (days[i].name == NULL) ||
		    (name && strcmp(name, days[i].name) != 0))
			fail_msg("%d-%d-%d: working %d holiday %s", days[i].y, days[i].m, days[i].d, work,
			         name ? name : "none");
	}
	wg_calendar_free(cal);
}

static void test_no_files(void **state)
{
	(void)state;
	build_expectation(false);
	wg_calendar *cal = wg_calendar_new(&standard);
	assert_non_null(cal);
	check_every_day(cal, EXP_FIRST_YEAR, EXP_LAST_YEAR);
	build_expectation(true);
	/* Far outside the table too. */
	static const int years[] = {1900, 1970, 1999, 2000, 2099, 2100, 2400, 9999};
	for (size_t i = 0; i < sizeof years / sizeof years[0]; i++)
		for (int m = 1; m <= 12; m++) {
			struct tm tm = {
				.tm_year = years[i] - 1900, .tm_mon = m - 1, .tm_mday = 13, .tm_hour = 12};
			time_t t = timegm(&tm);
			gmtime_r(&t, &tm);
			assert_int_equal(wg_calendar_is_working_day(cal, years[i], m, 13),
			                 tm.tm_wday != 0 && tm.tm_wday != 6);
			assert_null(wg_calendar_holiday(cal, years[i], m, 13));
		}
	wg_calendar_free(cal);
}

/* ---- deadlines: tables --------------------------------------------------------- */

struct deadline_case {
	const char *t;
	int64_t n;
	const char *want;
};

static void run_days(const wg_calendar *cal, const struct deadline_case *c, size_t n, int off)
{
	for (size_t i = 0; i < n; i++) {
		int64_t got = wg_calendar_add_working_days(cal, at(c[i].t, off), (int)c[i].n, off);
		if (got != at(c[i].want, off)) {
			char buf[40];
			fail_msg("days %s + %lld (offset %d): %s, want %s", c[i].t, (long long)c[i].n, off,
			         show(got, off, buf, sizeof buf), c[i].want);
		}
	}
}

static void run_minutes(const wg_calendar *cal, const struct deadline_case *c, size_t n, int off)
{
	for (size_t i = 0; i < n; i++) {
		int64_t got = wg_calendar_add_working_minutes(cal, at(c[i].t, off), c[i].n, off);
		if (got != at(c[i].want, off)) {
			char buf[40];
			fail_msg("minutes %s + %lld (offset %d): %s, want %s", c[i].t, (long long)c[i].n, off,
			         show(got, off, buf, sizeof buf), c[i].want);
		}
	}
}

static void test_add_working_days(void **state)
{
	(void)state;
	wg_calendar *cal = load_real(&standard);
	static const struct deadline_case cases[] = {
		/* Year ends. */
		{"2024-12-31 10:00", 1, "2025-01-02 17:30"},
		{"2024-12-31 23:59", 1, "2025-01-02 17:30"},
		{"2025-12-31 09:00", 1, "2026-01-04 17:30"}, /* 元旦 1-3, then the swapped Sunday */
		{"2025-12-31 09:00", 2, "2026-01-05 17:30"},
		{"2026-12-31 09:00", 1, "2027-01-04 17:30"},
		{"2027-12-31 09:00", 1, "2028-01-03 17:30"}, /* 2028 has no file: Monday */
		{"2023-12-29 09:00", 1, "2024-01-02 17:30"}, /* 2023 has no file, 2024-01-01 is 元旦 */
		/* Spring Festival. */
		{"2025-01-27 10:00", 1, "2025-02-05 17:30"},
		{"2025-01-24 10:00", 1, "2025-01-26 17:30"}, /* the swapped Sunday counts */
		{"2025-01-24 10:00", 2, "2025-01-27 17:30"},
		{"2025-01-24 10:00", 3, "2025-02-05 17:30"},
		{"2026-02-13 16:00", 1, "2026-02-14 17:30"}, /* a working Saturday */
		{"2026-02-13 16:00", 2, "2026-02-24 17:30"},
		{"2026-02-15 10:00", 1, "2026-02-24 17:30"}, /* from inside the holiday */
		{"2026-02-27 10:00", 1, "2026-02-28 17:30"},
		{"2026-02-27 10:00", 2, "2026-03-02 17:30"},
		{"2027-02-04 10:00", 1, "2027-02-13 17:30"},
		{"2024-02-09 10:00", 5, "2024-02-22 17:30"}, /* 02-18 is a swapped Sunday */
		/* Weekends and the national day. */
		{"2026-03-06 10:00", 1, "2026-03-09 17:30"},
		{"2026-03-07 10:00", 1, "2026-03-09 17:30"},
		{"2026-09-30 10:00", 1, "2026-10-08 17:30"},
		{"2026-09-30 10:00", 3, "2026-10-10 17:30"},
		{"2025-09-30 10:00", 1, "2025-10-09 17:30"},
		{"2024-01-02 08:30", 251, "2025-01-02 17:30"},
		/* n == 0. */
		{"2026-03-09 10:00", 0, "2026-03-09 17:30"},
		{"2026-03-09 00:00", 0, "2026-03-09 17:30"},
		{"2026-03-09 17:29:59", 0, "2026-03-09 17:30"},
		{"2026-03-09 17:30", 0, "2026-03-10 17:30"},
		{"2026-03-09 23:59", 0, "2026-03-10 17:30"},
		{"2026-03-07 10:00", 0, "2026-03-09 17:30"},
		{"2026-02-14 10:00", 0, "2026-02-14 17:30"},
		{"2026-02-16 10:00", 0, "2026-02-24 17:30"},
		{"2026-03-09 10:00", -3, "2026-03-09 17:30"},
	};
	run_days(cal, cases, sizeof cases / sizeof cases[0], 480);
	wg_calendar_free(cal);

	/* One span, another offset. */
	cal = load_real(&one_span);
	static const struct deadline_case one[] = {
		{"2026-03-06 16:59", 0, "2026-03-06 17:00"},
		{"2026-03-06 17:00", 0, "2026-03-09 17:00"},
		{"2024-12-31 10:00", 1, "2025-01-02 17:00"},
	};
	run_days(cal, one, sizeof one / sizeof one[0], 480);
	run_days(cal, one, sizeof one / sizeof one[0], 0);
	run_days(cal, one, sizeof one / sizeof one[0], -300);
	/* The same instant is another local date elsewhere: 2026-03-06 23:00
	 * in Shanghai is still Friday afternoon in UTC. */
	int64_t t = at("2026-03-06 23:00", 480);
	assert_int_equal(wg_calendar_add_working_days(cal, t, 0, 480), at("2026-03-09 17:00", 480));
	assert_int_equal(wg_calendar_add_working_days(cal, t, 0, 0), at("2026-03-06 17:00", 0));
	wg_calendar_free(cal);
}

static void test_add_working_minutes(void **state)
{
	(void)state;
	wg_calendar *cal = load_real(&standard);
	static const struct deadline_case cases[] = {
		/* The header's example: Friday 17:00, 60 minutes. */
		{"2026-03-06 17:00", 60, "2026-03-09 09:00"},
		/* Across lunch. */
		{"2026-03-09 11:30", 60, "2026-03-09 14:30"},
		{"2026-03-09 11:30", 30, "2026-03-09 12:00"},
		{"2026-03-09 12:00", 1, "2026-03-09 14:01"},
		{"2026-03-09 12:30", 30, "2026-03-09 14:30"},
		/* Exactly the spans. */
		{"2026-03-09 08:30", 210, "2026-03-09 12:00"},
		{"2026-03-09 08:30", 420, "2026-03-09 17:30"},
		{"2026-03-09 08:30", 421, "2026-03-10 08:31"},
		{"2026-03-09 14:00", 210, "2026-03-09 17:30"},
		{"2026-03-09 17:30", 1, "2026-03-10 08:31"},
		{"2026-03-09 06:00", 30, "2026-03-09 09:00"},
		/* Nights, weekends, holidays, year ends. */
		{"2026-03-09 23:00", 60, "2026-03-10 09:30"},
		{"2026-02-13 17:00", 60, "2026-02-14 09:00"},
		{"2026-02-14 17:00", 60, "2026-02-24 09:00"},
		{"2025-12-31 17:00", 60, "2026-01-04 09:00"},
		{"2024-12-31 17:00", 60, "2025-01-02 09:00"},
		{"2026-09-30 17:00", 240, "2026-10-08 12:00"}, /* 30 + 210 */
		{"2027-12-31 17:00", 60, "2028-01-03 09:00"},
		/* Many days: the 251 working days of 2024 from its first. */
		{"2024-01-02 08:30", INT64_C(251) * 420, "2024-12-31 17:30"},
		{"2024-01-02 08:30", 251 * 420 + 1, "2025-01-02 08:31"},
		{"2024-01-02 08:30", INT64_C(250) * 420, "2024-12-30 17:30"},
		{"2024-01-02 08:30", 250 * 420 + 211, "2024-12-31 14:01"},
		/* n == 0. */
		{"2026-03-09 08:30", 0, "2026-03-09 08:30"},
		{"2026-03-09 11:59", 0, "2026-03-09 11:59"},
		{"2026-03-09 12:00", 0, "2026-03-09 14:00"},
		{"2026-03-09 13:00", 0, "2026-03-09 14:00"},
		{"2026-03-09 07:00", 0, "2026-03-09 08:30"},
		{"2026-03-09 17:30", 0, "2026-03-10 08:30"},
		{"2026-03-06 18:00", 0, "2026-03-09 08:30"},
		{"2026-02-16 10:00", 0, "2026-02-24 08:30"},
		{"2026-03-09 10:00", -5, "2026-03-09 10:00"},
	};
	run_minutes(cal, cases, sizeof cases / sizeof cases[0], 480);
	run_minutes(cal, cases, sizeof cases / sizeof cases[0], -210);
	wg_calendar_free(cal);

	cal = load_real(&one_span);
	static const struct deadline_case one[] = {
		{"2026-03-06 16:00", 120, "2026-03-09 10:00"},
		{"2026-03-06 09:00", 480, "2026-03-06 17:00"},
		{"2026-03-06 17:00", 0, "2026-03-09 09:00"},
		{"2026-02-13 16:30", 60, "2026-02-14 09:30"},
	};
	run_minutes(cal, one, sizeof one / sizeof one[0], 480);
	run_minutes(cal, one, sizeof one / sizeof one[0], 345);
	wg_calendar_free(cal);

	/* Sub-minute times keep their milliseconds. */
	cal = load_real(&standard);
	int64_t t = at("2026-03-09 11:59", 480) + 30500;
	assert_int_equal(wg_calendar_add_working_minutes(cal, t, 1, 480),
	                 at("2026-03-09 14:00", 480) + 30500);
	assert_int_equal(wg_calendar_add_working_minutes(cal, t, 0, 480), t);
	wg_calendar_free(cal);
}

static void test_between_tables(void **state)
{
	(void)state;
	wg_calendar *cal = load_real(&standard);
	static const struct {
		const char *a, *b;
		int64_t minutes;
		int days;
	} cases[] = {
		{"2026-03-09 08:30", "2026-03-09 17:30", 420, 0},
		{"2026-03-09 00:00", "2026-03-10 00:00", 420, 1},
		{"2026-03-09 11:00", "2026-03-09 15:00", 120, 0},
		{"2026-03-09 12:00", "2026-03-09 14:00", 0, 0},
		{"2026-03-06 17:00", "2026-03-09 09:00", 60, 1},
		{"2026-02-13 17:00", "2026-02-24 09:00", 60 + 420, 2},
		{"2024-12-31 17:00", "2025-01-02 09:00", 60, 1},
		{"2024-01-01 00:00", "2025-01-01 00:00", INT64_C(251) * 420, 251},
		{"2026-03-09 17:00", "2026-03-09 09:00", 0, 0},
		{"2026-03-09 10:00", "2026-03-09 10:00", 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t a = at(cases[i].a, 480), b = at(cases[i].b, 480);
		assert_int_equal(wg_calendar_working_minutes_between(cal, a, b, 480), cases[i].minutes);
		assert_int_equal(wg_calendar_working_days_between(cal, a, b, 480), cases[i].days);
	}
	/* Rounded down to whole minutes. */
	int64_t a = at("2026-03-09 10:00", 480);
	assert_int_equal(wg_calendar_working_minutes_between(cal, a, a + 59999, 480), 0);
	assert_int_equal(wg_calendar_working_minutes_between(cal, a, a + 60000, 480), 1);
	assert_int_equal(wg_calendar_working_minutes_between(cal, a + 1, a + 60000, 480), 0);
	wg_calendar_free(cal);
}

/* ---- deadlines against the naive count ------------------------------------------ */

static void compare_random(const wg_calendar *cal, const wg_office_hours *h, int off)
{
	char b1[40], b2[40];
	int64_t lo = day_of(2023, 11, 1) * 1440, span = (day_of(2028, 2, 1) * 1440) - lo;
	for (int i = 0; i < 600; i++) {
		int64_t start = lo + (int64_t)rnd((uint64_t)span);
		/* Times at span edges and midnight as often as elsewhere. */
		if (rnd(3) == 0) {
			int64_t z = start / 1440;
			int edges[5] = {0, h->start[0], h->end[0], h->nspans > 1 ? h->start[1] : 0,
			                h->nspans > 1 ? h->end[1] : 0};
			start = z * 1440 + edges[rnd(5)] - (int64_t)rnd(2);
		}
		int64_t n = rnd(4) == 0 ? 0 : (int64_t)rnd(3000);
		int64_t t = (start - off) * 60000;
		int64_t got = wg_calendar_add_working_minutes(cal, t, n, off);
		int64_t want = (exp_add_minutes(h, start, n) - off) * 60000;
		if (got != want)
			fail_msg("minutes %s + %lld (offset %d): %s, want %s", show(t, off, b1, sizeof b1),
			         (long long)n, off, show(got, off, b2, sizeof b2),
			         show(want, off, b1, sizeof b1));
		int64_t end = start + (int64_t)rnd(i % 20 == 0 ? 30000 : 5000);
		int64_t between = wg_calendar_working_minutes_between(cal, t, (end - off) * 60000, off);
		if (between != exp_between_minutes(h, start, end))
			fail_msg("between %s and +%lld minutes: %lld, want %lld", show(t, off, b1, sizeof b1),
			         (long long)(end - start), (long long)between,
			         (long long)exp_between_minutes(h, start, end));
		int days = (int)rnd(30);
		got = wg_calendar_add_working_days(cal, t, days, off);
		want = (exp_add_days(h, start, days) - off) * 60000;
		if (got != want)
			fail_msg("days %s + %d (offset %d): %s, want %s", show(t, off, b1, sizeof b1), days,
			         off, show(got, off, b2, sizeof b2), show(want, off, b1, sizeof b1));
		int64_t za = start / 1440, zb = end / 1440, count = 0;
		for (int64_t z = za + 1; z <= zb; z++)
			count += exp_working(z);
		assert_int_equal(wg_calendar_working_days_between(cal, t, (end - off) * 60000, off),
		                 end > start ? count : 0);
	}
}

static void test_against_naive_count(void **state)
{
	(void)state;
	static const int offsets[] = {480, 0, -300, 345, 540, -720, 840};
	build_expectation(true);
	for (int k = 0; k < 2; k++) {
		const wg_office_hours *h = k ? &one_span : &standard;
		wg_calendar *cal = load_real(h);
		for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++)
			compare_random(cal, h, offsets[i]);
		wg_calendar_free(cal);
	}
	build_expectation(false);
	wg_calendar *cal = wg_calendar_new(&standard);
	compare_random(cal, &standard, 480);
	wg_calendar_free(cal);
	build_expectation(true);
}

/* between(t, add(t, n)) == n for t in office hours, at millisecond times. */
static void test_inverse(void **state)
{
	(void)state;
	static const int offsets[] = {480, 0, -570};
	for (int k = 0; k < 2; k++) {
		const wg_office_hours *h = k ? &one_span : &standard;
		wg_calendar *cal = load_real(h);
		for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
			int off = offsets[o];
			for (int i = 0; i < 4000; i++) {
				int64_t z = day_of(2023, 6, 1) + (int64_t)rnd(UINT64_C(365) * 5);
				struct tm tm = tm_of(z);
				if (!wg_calendar_is_working_day(cal, tm.tm_year + 1900, tm.tm_mon + 1,
				                                tm.tm_mday))
					continue;
				int s = (int)rnd((uint64_t)h->nspans);
				int64_t x = h->start[s] * 60000LL +
				            (int64_t)rnd((uint64_t)(h->end[s] - h->start[s]) * 60000);
				int64_t t = z * 86400000 + x - off * 60000LL;
				int64_t n = (int64_t)rnd(i % 10 == 0 ? 2000000 : 5000);
				int64_t u = wg_calendar_add_working_minutes(cal, t, n, off);
				assert_true(u >= t);
				if (wg_calendar_working_minutes_between(cal, t, u, off) != n) {
					char buf[40];
					fail_msg("minutes from %s + %lld: between gives %lld",
					         show(t, off, buf, sizeof buf), (long long)n,
					         (long long)wg_calendar_working_minutes_between(cal, t, u,
					                                                        off));
				}
				int days = 1 + (int)rnd(i % 10 == 0 ? 3000 : 40);
				u = wg_calendar_add_working_days(cal, t, days, off);
				assert_int_equal(wg_calendar_working_days_between(cal, t, u, off), days);
				/* The deadline is the close of a working day. */
				int64_t lz = (u + off * 60000LL) / 86400000;
				struct tm dt = tm_of(lz);
				assert_true(wg_calendar_is_working_day(cal, dt.tm_year + 1900, dt.tm_mon + 1,
				                                       dt.tm_mday));
				assert_int_equal((u + off * 60000LL) - lz * 86400000, close_of(h) * 60000LL);
			}
		}
		wg_calendar_free(cal);
	}
}

/* Huge n and extreme times finish at once and stay consistent. */
static void test_extremes(void **state)
{
	(void)state;
	wg_calendar *cal = load_real(&standard);
	int64_t t = at("2026-03-09 10:00", 480);
	int64_t u = wg_calendar_add_working_days(cal, t, INT_MAX, 480);
	assert_true(u > t);
	assert_int_equal(wg_calendar_working_days_between(cal, t, u, 480), INT_MAX);
	u = wg_calendar_add_working_minutes(cal, t, INT64_MAX, 480);
	assert_int_equal(u, wg_calendar_add_working_minutes(cal, t, WG_CALENDAR_MINUTES_MAX, 480));
	assert_int_equal(wg_calendar_working_minutes_between(cal, t, u, 480), WG_CALENDAR_MINUTES_MAX);
	/* Across the years of the table, from before 2000 to after 2099: the
	 * weekdays less the notices' statutory days. */
	int64_t a = at("1990-01-01 23:00", 480), b = at("2109-12-31 23:00", 480);
	int64_t weekdays = 0, last = 0;
	for (int64_t z = day_of(1990, 1, 2); z <= day_of(2109, 12, 31); z++) {
		struct tm tm = tm_of(z);
		if (tm.tm_wday != 0 && tm.tm_wday != 6) {
			weekdays++;
			last = z;
		}
	}
	int64_t off_days = 0;
	for (size_t i = 0; i < NNOTICES; i++)
		off_days += notices[i].statutory;
	assert_int_equal(wg_calendar_working_days_between(cal, a, b, 480), weekdays - off_days);
	assert_int_equal(wg_calendar_working_minutes_between(cal, a, b, 480), (weekdays - off_days) * 420);
	assert_int_equal(wg_calendar_add_working_days(cal, a, (int)(weekdays - off_days), 480),
	                 (last * 1440 + 1050 - 480) * 60000);
	static const int64_t times[] = {
		INT64_MIN, INT64_MIN + 1, -WG_CALENDAR_TIME_LIMIT, -1, 0, WG_CALENDAR_TIME_LIMIT, INT64_MAX};
	static const int offs[] = {INT_MIN, -1440, 0, 480, INT_MAX};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
		for (size_t j = 0; j < sizeof offs / sizeof offs[0]; j++) {
			int64_t d = wg_calendar_add_working_days(cal, times[i], INT_MAX, offs[j]);
			int64_t m = wg_calendar_add_working_minutes(cal, times[i], INT64_MAX, offs[j]);
			assert_true(wg_calendar_working_days_between(cal, times[i], d, offs[j]) >= 0);
			assert_true(wg_calendar_working_minutes_between(cal, times[i], m, offs[j]) >= 0);
			assert_true(wg_calendar_working_minutes_between(cal, INT64_MIN, INT64_MAX, offs[j]) >
			            0);
			assert_true(wg_calendar_working_days_between(cal, INT64_MIN, INT64_MAX, offs[j]) > 0);
		}
	wg_calendar_free(cal);
}

/* ---- the file format ------------------------------------------------------------ */

#define OK_HOLIDAY "{\"name\":\"春节\",\"from\":\"2026-02-15\",\"to\":\"2026-02-23\"}"
#define DOC(members) "{\"year\":2026," members "}"
#define HW(h, w) DOC("\"holidays\":[" h "],\"workdays\":[" w "]")
#define H(from, to) "{\"name\":\"x\",\"from\":\"" from "\",\"to\":\"" to "\"}"

struct format_case {
	const char *text;
	int rc;
	const char *err; /* the whole message, or its start when it ends in '*' */
};

static const struct format_case format_cases[] = {
	{"not json", WG_EBADREQ, "t.json: line 1 column 3: '[' or '{' expected near 'not'"},
	{"", WG_EBADREQ, "t.json: line 1 column *"},
	{"{\"year\":2026,\"year\":2026}", WG_EBADREQ, "t.json: line 1 column *"},
	{"[]", WG_EVALIDATION, "t.json: (document): must be an object {year, source, holidays, workdays}"},
	{"2026", WG_EBADREQ, "t.json: line *"},
	{HW(OK_HOLIDAY, "") ",", WG_EBADREQ, "t.json: line *"},
	{DOC("\"holidays\":[" OK_HOLIDAY "],\"workdays\":[],\"notes\":1"), WG_EVALIDATION,
         "t.json: (document): unknown member \"notes\""},
	{"{\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]}", WG_EVALIDATION, "t.json: year: missing"},
	{"{\"year\":\"2026\",\"holidays\":[],\"workdays\":[]}", WG_EVALIDATION,
         "t.json: year: must be a whole number within 2000..2099"},
	{"{\"year\":1999,\"holidays\":[],\"workdays\":[]}", WG_EVALIDATION,
         "t.json: year: must be a whole number within 2000..2099"},
	{"{\"year\":2100,\"holidays\":[],\"workdays\":[]}", WG_EVALIDATION,
         "t.json: year: must be a whole number within 2000..2099"},
	{"{\"year\":2026.0,\"holidays\":[],\"workdays\":[]}", WG_EVALIDATION,
         "t.json: year: must be a whole number within 2000..2099"},
	{DOC("\"source\":5,\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]"), WG_EVALIDATION,
         "t.json: source: must be a string of 1 to 200 characters without control characters"},
	{DOC("\"source\":\"\",\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]"), WG_EVALIDATION,
         "t.json: source: *"},
	{DOC("\"source\":\"a\\nb\",\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]"), WG_EVALIDATION,
         "t.json: source: *"},
	{DOC("\"source\":\"a\\u0000b\",\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]"), WG_EBADREQ,
         "t.json: line *"},
	{DOC("\"workdays\":[]"), WG_EVALIDATION, "t.json: holidays: missing"},
	{DOC("\"holidays\":{},\"workdays\":[]"), WG_EVALIDATION,
         "t.json: holidays: must be an array of 1 to 32 holidays"},
	{DOC("\"holidays\":[],\"workdays\":[]"), WG_EVALIDATION,
         "t.json: holidays: must be an array of 1 to 32 holidays"},
	{DOC("\"holidays\":[" OK_HOLIDAY "]"), WG_EVALIDATION, "t.json: workdays: missing"},
	{DOC("\"holidays\":[" OK_HOLIDAY "],\"workdays\":\"2026-02-14\""), WG_EVALIDATION,
         "t.json: workdays: must be an array of dates (may be empty)"},
	{HW("[]", ""), WG_EVALIDATION, "t.json: holidays[0]: must be an object {name, from, to}"},
	{HW(OK_HOLIDAY ",\"春节\"", ""), WG_EVALIDATION,
         "t.json: holidays[1]: must be an object {name, from, to}"},
	{HW("{\"name\":\"x\",\"from\":\"2026-01-01\",\"to\":\"2026-01-01\",\"day\":1}", ""), WG_EVALIDATION,
         "t.json: holidays[0]: unknown member \"day\""},
	{HW("{\"from\":\"2026-01-01\",\"to\":\"2026-01-01\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].name: must be a string of 1 to 32 characters without control characters"},
	{HW("{\"name\":\"\",\"from\":\"2026-01-01\",\"to\":\"2026-01-01\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].name: *"},
	{HW("{\"name\":7,\"from\":\"2026-01-01\",\"to\":\"2026-01-01\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].name: *"},
	{HW("{\"name\":\"\\t\",\"from\":\"2026-01-01\",\"to\":\"2026-01-01\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].name: *"},
	{HW("{\"name\":\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\","
            "\"from\":\"2026-01-01\",\"to\":\"2026-01-01\"}",
            ""),
         WG_EVALIDATION, "t.json: holidays[0].name: *"},
	{HW("{\"name\":\"x\",\"to\":\"2026-01-01\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].from: missing"},
	{HW("{\"name\":\"x\",\"from\":\"2026-01-01\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].to: missing"},
	{HW(H("2026-2-15", "2026-02-16"), ""), WG_EVALIDATION,
         "t.json: holidays[0].from: must be a date YYYY-MM-DD"},
	{HW(H("2026/02/15", "2026-02-16"), ""), WG_EVALIDATION,
         "t.json: holidays[0].from: must be a date YYYY-MM-DD"},
	{HW("{\"name\":\"x\",\"from\":20260215,\"to\":\"2026-02-16\"}", ""), WG_EVALIDATION,
         "t.json: holidays[0].from: must be a date YYYY-MM-DD"},
	{HW(H("2026-02-30", "2026-03-01"), ""), WG_EVALIDATION,
         "t.json: holidays[0].from: 2026-02-30 is not a date"},
	{HW(H("2026-02-29", "2026-03-01"), ""), WG_EVALIDATION,
         "t.json: holidays[0].from: 2026-02-29 is not a date"},
	{HW(H("2026-00-10", "2026-03-01"), ""), WG_EVALIDATION,
         "t.json: holidays[0].from: 2026-00-10 is not a date"},
	{HW(H("2025-12-31", "2026-01-01"), ""), WG_EVALIDATION,
         "t.json: holidays[0].from: 2025-12-31 is not in 2026"},
	{HW(H("2026-12-31", "2027-01-01"), ""), WG_EVALIDATION,
         "t.json: holidays[0].to: 2027-01-01 is not in 2026"},
	{HW(H("2026-02-15", "2026-02-14"), ""), WG_EVALIDATION,
         "t.json: holidays[0].to: must not be before holidays[0].from"},
	{HW(H("2026-07-01", "2026-08-01"), ""), WG_EVALIDATION,
         "t.json: holidays[0].to: the span is 32 days, longer than 31"},
	{HW(OK_HOLIDAY "," H("2026-02-01", "2026-02-15"), ""), WG_EVALIDATION,
         "t.json: holidays[1]: 2026-02-15 lies in holidays[0] too"},
	{HW(H("2026-01-01", "2026-01-03") "," OK_HOLIDAY "," H("2026-02-23", "2026-02-23"), ""),
         WG_EVALIDATION, "t.json: holidays[2]: 2026-02-23 lies in holidays[1] too"},
	{HW(OK_HOLIDAY, "5"), WG_EVALIDATION, "t.json: workdays[0]: must be a date YYYY-MM-DD"},
	{HW(OK_HOLIDAY, "\"2026-02-14\",\"2026-02-16\""), WG_EVALIDATION,
         "t.json: workdays[1]: 2026-02-16 is Monday to Friday, a working day already"},
	{HW(OK_HOLIDAY, "\"2026-02-13\""), WG_EVALIDATION,
         "t.json: workdays[0]: 2026-02-13 is Monday to Friday, a working day already"},
	{HW(OK_HOLIDAY, "\"2026-02-21\""), WG_EVALIDATION,
         "t.json: workdays[0]: 2026-02-21 lies in holidays[0]"},
	{HW(OK_HOLIDAY, "\"2026-02-14\",\"2026-02-28\",\"2026-02-14\""), WG_EVALIDATION,
         "t.json: workdays[2]: 2026-02-14 appears twice"},
	{HW(OK_HOLIDAY, "\"2027-01-02\""), WG_EVALIDATION, "t.json: workdays[0]: 2027-01-02 is not in 2026"},
	{HW(OK_HOLIDAY, "\"2026-02-31\""), WG_EVALIDATION, "t.json: workdays[0]: 2026-02-31 is not a date"},
	/* The edges that hold. */
	{HW(H("2026-07-01", "2026-07-31"), "\"2026-12-27\",\"2026-01-03\""), 0, ""},
	{HW(H("2026-12-31", "2026-12-31") "," H("2026-01-01", "2026-01-01"), ""), 0, ""},
	{"{\"year\":2024,\"source\":\"s\",\"holidays\":[" H("2024-02-29", "2024-02-29") "],\"workdays\":[]}",
         0, ""},
};

static bool message_matches(const char *got, const char *want)
{
	size_t n = strlen(want);
	if (n && want[n - 1] == '*')
		return strncmp(got, want, n - 1) == 0;
	return strcmp(got, want) == 0;
}

static void test_format_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
		const struct format_case *c = &format_cases[i];
		wg_calendar *cal = wg_calendar_new(&standard);
		assert_non_null(cal);
		char err[512] = "x";
		int rc = wg_calendar_add_year(cal, c->text, strlen(c->text), "t.json", err, sizeof err);
		if (rc != c->rc || !message_matches(err, c->err))
			fail_msg("case %zu: %d '%s', want %d '%s'", i, rc, err, c->rc, c->err);
		if (rc) {
			/* Unchanged: 2026-02-16 is a Monday like any other. */
			assert_true(wg_calendar_is_working_day(cal, 2026, 2, 16));
			assert_null(wg_calendar_holiday(cal, 2026, 2, 16));
			assert_null(wg_calendar_holiday(cal, 2026, 7, 1));
		}
		wg_calendar_free(cal);
	}

	/* source: 200 characters hold, 201 do not (counted in characters). */
	char text[2048];
	char source[1024];
	size_t at_byte = 0;
	for (int i = 0; i < 200; i++)
		at_byte += (size_t)snprintf(source + at_byte, sizeof source - at_byte, "通");
	snprintf(text, sizeof text, DOC("\"source\":\"%s\",\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]"),
	         source);
	wg_calendar *cal = wg_calendar_new(&standard);
	char err[256];
	assert_int_equal(wg_calendar_add_year(cal, text, strlen(text), "t.json", err, sizeof err), 0);
	wg_calendar_free(cal);
	snprintf(source + at_byte, sizeof source - at_byte, "a");
	snprintf(text, sizeof text, DOC("\"source\":\"%s\",\"holidays\":[" OK_HOLIDAY "],\"workdays\":[]"),
	         source);
	cal = wg_calendar_new(&standard);
	assert_int_equal(wg_calendar_add_year(cal, text, strlen(text), "t.json", err, sizeof err),
	                 WG_EVALIDATION);
	assert_true(message_matches(err, "t.json: source: *"));

	/* 32 holidays hold, 33 do not. */
	size_t len = (size_t)snprintf(text, sizeof text, "{\"year\":2026,\"workdays\":[],\"holidays\":[");
	for (int i = 1; i <= 33; i++)
		len += (size_t)snprintf(
			text + len, sizeof text - len,
			"%s{\"name\":\"h%d\",\"from\":\"2026-03-%02d\",\"to\":\"2026-03-%02d\"}",
			i > 1 ? "," : "", i, i <= 31 ? i : 1, i <= 31 ? i : 1);
	snprintf(text + len, sizeof text - len, "]}");
	assert_int_equal(wg_calendar_add_year(cal, text, strlen(text), "t.json", err, sizeof err),
	                 WG_EVALIDATION);
	assert_string_equal(err, "t.json: holidays: must be an array of 1 to 32 holidays");
	wg_calendar_free(cal);

	/* A year given twice; the second attempt leaves the first in place. */
	cal = wg_calendar_new(&standard);
	const char *one = HW(OK_HOLIDAY, "\"2026-02-14\"");
	assert_int_equal(wg_calendar_add_year(cal, one, strlen(one), "a.json", err, sizeof err), 0);
	assert_string_equal(err, "");
	const char *two = HW(H("2026-03-02", "2026-03-02"), "");
	assert_int_equal(wg_calendar_add_year(cal, two, strlen(two), "b.json", err, sizeof err),
	                 WG_EVALIDATION);
	assert_string_equal(err, "b.json: year: 2026 is loaded already");
	assert_true(wg_calendar_is_working_day(cal, 2026, 3, 2));
	assert_false(wg_calendar_is_working_day(cal, 2026, 2, 16));
	assert_true(wg_calendar_is_working_day(cal, 2026, 2, 14));
	assert_string_equal(wg_calendar_holiday(cal, 2026, 2, 16), "春节");
	/* Another year beside it; no file name and no err buffer are fine. */
	const char *three =
		"{\"year\":2030,\"holidays\":[" H("2030-01-01", "2030-01-01") "],\"workdays\":[]}";
	assert_int_equal(wg_calendar_add_year(cal, three, strlen(three), NULL, NULL, 0), 0);
	assert_false(wg_calendar_is_working_day(cal, 2030, 1, 1));
	assert_int_equal(wg_calendar_add_year(cal, "{", 1, NULL, err, sizeof err), WG_EBADREQ);
	assert_true(message_matches(err, "(holidays): line *"));
	/* The text is read for len bytes only. */
	char cut[256];
	snprintf(cut, sizeof cut, "%sGARBAGE", three);
	wg_calendar_free(cal);
	cal = wg_calendar_new(&standard);
	assert_int_equal(wg_calendar_add_year(cal, cut, strlen(three), "c.json", err, sizeof err), 0);
	/* A short err buffer is cut, not overrun. */
	char small[8];
	assert_int_equal(wg_calendar_add_year(cal, cut, strlen(cut), "c.json", small, sizeof small),
	                 WG_EBADREQ);
	assert_string_equal(small, "c.json:");
	wg_calendar_free(cal);
}

/* ---- the folder ---------------------------------------------------------------- */

static char tmp[64];

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void clear_tmp(void)
{
	DIR *d = opendir(tmp);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
		if (unlink(path) != 0)
			assert_int_equal(rmdir(path), 0);
	}
	closedir(d);
}

static int load_tmp(wg_calendar **cal, char *err, size_t errlen)
{
	*cal = (wg_calendar *)tmp; /* must come back NULL on failure */
	return wg_calendar_load_dir(tmp, &standard, cal, err, errlen);
}

/* The local year of an instant, across New Year in Beijing and elsewhere. */
static void test_year_of(void **state)
{
	(void)state;
	static const struct {
		int64_t t;
		int offset, year;
	} t[] = {
		{1798732800000, 480, 2027},  /* 2027-01-01 00:00 Beijing = 2026-12-31T16:00Z */
		{1798732799999, 480, 2026},  /* a millisecond before */
		{1798732800000, 0, 2026},    /* the same instant in UTC */
		{1798761600000, 0, 2027},    /* 2027-01-01T00:00Z */
		{1798761599999, -300, 2026}, /* 18:59:59 on New Year's Eve in New York */
		{0, 0, 1970},
		{-1, 0, 1969},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (wg_calendar_year_of(t[i].t, t[i].offset) != t[i].year)
			fail_msg("case %zu: %d, not %d", i, wg_calendar_year_of(t[i].t, t[i].offset),
			         t[i].year);
}

/* wg_calendar_describe, wg_calendar_day_number and wg_calendar_local_day:
 * what GET /calendar shows of a day, against the notices and timegm. */
static void test_describe(void **state)
{
	(void)state;
	wg_calendar *cal = load_real(&standard);
	static const struct {
		int y, m, d, weekday;
		bool working, known;
		const char *holiday, *swapped_for;
	} t[] = {
		{2026, 2, 13, 5, true, true, NULL, NULL},
		{2026, 2, 14, 6, true, true, NULL, "春节"}, /* before its break */
		{2026, 2, 15, 7, false, true, "春节", NULL},
		{2026, 2, 23, 1, false, true, "春节", NULL},
		{2026, 2, 28, 6, true, true, NULL, "春节"}, /* five days after it */
		{2026, 3, 1, 7, false, true, NULL, NULL},   /* an ordinary Sunday */
		{2026, 1, 4, 7, true, true, NULL, "元旦"},
		{2026, 5, 9, 6, true, true, NULL, "劳动节"},
		{2026, 9, 20, 7, true, true, NULL, "中秋节"},
		{2026, 10, 10, 6, true, true, NULL, "国庆节"},
		{2025, 9, 28, 7, true, true, NULL, "国庆节、中秋节"},
		{2024, 2, 4, 7, true, true, NULL, "春节"},
		{2030, 1, 1, 2, true, false, NULL, NULL}, /* no file: Monday to Friday */
		{2030, 1, 5, 6, false, false, NULL, NULL},
		{1999, 12, 31, 5, true, false, NULL, NULL},
		{2100, 1, 2, 6, false, false, NULL, NULL},
		{2024, 2, 29, 4, true, true, NULL, NULL},
		{1, 1, 1, 1, true, false, NULL, NULL},
		{9999, 12, 31, 5, true, false, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t z = -1;
		assert_true(wg_calendar_day_number(t[i].y, t[i].m, t[i].d, &z));
		if (t[i].y >= 1902 && t[i].y < 2200)
			assert_int_equal(z, day_of(t[i].y, t[i].m, t[i].d));
		wg_calendar_day d;
		wg_calendar_describe(cal, z, &d);
		if (d.year != t[i].y || d.month != t[i].m || d.day != t[i].d || d.weekday != t[i].weekday ||
		    d.working != t[i].working || d.known != t[i].known ||
		    (d.holiday == NULL) != (t[i].holiday == NULL) ||
		    (d.holiday && strcmp(d.holiday, t[i].holiday) != 0) ||
		    (d.swapped_for == NULL) != (t[i].swapped_for == NULL) ||
		    (d.swapped_for && strcmp(d.swapped_for, t[i].swapped_for) != 0))
			fail_msg(
				"case %zu: %d-%d-%d weekday %d working %d known %d holiday %s swapped for %s",
				i, d.year, d.month, d.day, d.weekday, d.working, d.known,
				d.holiday ? d.holiday : "none", d.swapped_for ? d.swapped_for : "none");
	}

	/* Every day of 2022..2029 agrees with the other queries and with gmtime. */
	for (int64_t z = day_of(2022, 1, 1); z <= day_of(2029, 12, 31); z++) {
		wg_calendar_day d;
		wg_calendar_describe(cal, z, &d);
		struct tm tm = tm_of(z);
		assert_int_equal(d.year, tm.tm_year + 1900);
		assert_int_equal(d.month, tm.tm_mon + 1);
		assert_int_equal(d.day, tm.tm_mday);
		assert_int_equal(d.weekday, tm.tm_wday == 0 ? 7 : tm.tm_wday);
		assert_int_equal(d.working, wg_calendar_is_working_day(cal, d.year, d.month, d.day));
		assert_int_equal(d.known, wg_calendar_has_year(cal, d.year));
		assert_ptr_equal(d.holiday, wg_calendar_holiday(cal, d.year, d.month, d.day));
		/* Only a worked weekend day of a year with a file is swapped. */
		assert_int_equal(d.swapped_for != NULL, d.known && d.working && d.weekday >= 6);
	}

	/* Beyond years 1..9999 the day is clamped to them. */
	wg_calendar_day d;
	wg_calendar_describe(cal, INT64_MIN, &d);
	assert_true(d.year == 1 && d.month == 1 && d.day == 1);
	wg_calendar_describe(cal, INT64_MAX, &d);
	assert_true(d.year == 9999 && d.month == 12 && d.day == 31);

	static const struct {
		int y, m, d;
	} bad[] = {{2026, 2, 29}, {2026, 13, 1}, {2026, 0, 1}, {2026, 4, 31},
	           {0, 1, 1},     {10000, 1, 1}, {2026, 1, 0}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t z = 42;
		assert_false(wg_calendar_day_number(bad[i].y, bad[i].m, bad[i].d, &z));
		assert_int_equal(z, 42);
	}

	static const struct {
		const char *time;
		int offset;
		int y, m, d;
	} local[] = {
		{"2026-02-01 00:00", 480, 2026, 2, 1},
		{"2026-01-31 23:59", 480, 2026, 1, 31},
		{"2026-01-31 16:00", 0, 2026, 1, 31},
		{"1969-12-31 23:59", 0, 1969, 12, 31},
	};
	for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
		assert_int_equal(wg_calendar_local_day(at(local[i].time, local[i].offset), local[i].offset),
		                 day_of(local[i].y, local[i].m, local[i].d));
	wg_calendar_free(cal);

	/* A swapped day halfway between two breaks belongs to the earlier. */
	cal = wg_calendar_new(&standard);
	assert_non_null(cal);
	const char *text =
		"{\"year\": 2026, \"holidays\": [{\"name\": \"A\", \"from\": \"2026-03-04\", \"to\": "
		"\"2026-03-04\"}, {\"name\": \"B\", \"from\": \"2026-03-10\", \"to\": \"2026-03-10\"}], "
		"\"workdays\": [\"2026-03-07\", \"2026-03-08\"]}";
	char err[256];
	assert_int_equal(wg_calendar_add_year(cal, text, strlen(text), "t.json", err, sizeof err), 0);
	int64_t z = 0;
	assert_true(wg_calendar_day_number(2026, 3, 7, &z));
	wg_calendar_describe(cal, z, &d);
	assert_string_equal(d.swapped_for, "A");
	wg_calendar_describe(cal, z + 1, &d);
	assert_string_equal(d.swapped_for, "B");
	wg_calendar_free(cal);
}

static void test_load_dir(void **state)
{
	(void)state;
	snprintf(tmp, sizeof tmp, "%s/wg-calendar-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	char err[512], want[512];
	wg_calendar *cal;

	/* Empty: Monday to Friday. */
	assert_int_equal(load_tmp(&cal, err, sizeof err), 0);
	assert_true(wg_calendar_is_working_day(cal, 2026, 2, 16));
	assert_false(wg_calendar_has_year(cal, 2026));
	wg_calendar_free(cal);

	/* Other names are ignored. */
	put("2026.json", HW(OK_HOLIDAY, "\"2026-02-14\""));
	put("README", "not json");
	put("26.json", "not json");
	put("2026.json.bak", "not json");
	put("x2027.json", "not json");
	put("2027.JSON", "not json");
	assert_int_equal(load_tmp(&cal, err, sizeof err), 0);
	assert_false(wg_calendar_is_working_day(cal, 2026, 2, 16));
	assert_true(wg_calendar_is_working_day(cal, 2026, 2, 14));
	assert_true(wg_calendar_has_year(cal, 2026));
	static const int absent[] = {2025, 2027, WG_CALENDAR_YEAR_MIN - 1, WG_CALENDAR_YEAR_MAX + 1, 0, -1};
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		assert_false(wg_calendar_has_year(cal, absent[i]));
	wg_calendar_free(cal);

	/* Each failure names the file. */
	put("2025.json", "{\"year\":2025,");
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EBADREQ);
	assert_null(cal);
	snprintf(want, sizeof want, "%s/2025.json: line *", tmp);
	assert_true(message_matches(err, want));

	put("2025.json", "{\"year\":2024,\"holidays\":[" H("2024-01-01", "2024-01-01") "],\"workdays\":[]}");
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EVALIDATION);
	assert_null(cal);
	snprintf(want, sizeof want, "%s/2025.json: year: 2024 is not the year of the file's name", tmp);
	assert_string_equal(err, want);

	put("2025.json",
	    "{\"year\":2025,\"holidays\":[" H("2025-01-01", "2025-01-01") "],\"workdays\":[\"2025-01-06\"]}");
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EVALIDATION);
	snprintf(want, sizeof want,
	         "%s/2025.json: workdays[0]: 2025-01-06 is Monday to Friday, a working day already", tmp);
	assert_string_equal(err, want);

	/* The earliest bad year is the one named. */
	put("2031.json", "[");
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EVALIDATION);
	assert_string_equal(err, want);
	put("2025.json", "{\"year\":2025,\"holidays\":[" H("2025-01-01", "2025-01-01") "],\"workdays\":[]}");
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EBADREQ);
	snprintf(want, sizeof want, "%s/2031.json: line *", tmp);
	assert_true(message_matches(err, want));
	clear_tmp();

	/* A year outside the table, by its name. */
	put("1999.json", "{\"year\":1999,\"holidays\":[],\"workdays\":[]}");
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EVALIDATION);
	snprintf(want, sizeof want, "%s/1999.json: year: must be a whole number within 2000..2099", tmp);
	assert_string_equal(err, want);
	clear_tmp();

	/* Too large. */
	char *big = malloc(WG_CALENDAR_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', WG_CALENDAR_FILE_MAX + 1);
	big[WG_CALENDAR_FILE_MAX + 1] = '\0';
	put("2026.json", big);
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EVALIDATION);
	snprintf(want, sizeof want, "%s/2026.json: larger than %d bytes", tmp, WG_CALENDAR_FILE_MAX);
	assert_string_equal(err, want);
	/* Exactly the limit is read (and is not JSON, being blank). */
	big[WG_CALENDAR_FILE_MAX] = '\0';
	put("2026.json", big);
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EBADREQ);
	free(big);
	clear_tmp();

	/* Unreadable: a folder by a year's name, a file without permission. */
	char path[256];
	snprintf(path, sizeof path, "%s/2030.json", tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EIO);
	assert_null(cal);
	snprintf(want, sizeof want, "%s/2030.json: *", tmp);
	assert_true(message_matches(err, want));
	clear_tmp();
	if (geteuid() != 0) {
		put("2026.json", HW(OK_HOLIDAY, ""));
		snprintf(path, sizeof path, "%s/2026.json", tmp);
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EIO);
		snprintf(want, sizeof want, "%s/2026.json: Permission denied", tmp);
		assert_string_equal(err, want);
		clear_tmp();
	}
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(load_tmp(&cal, err, sizeof err), WG_EIO);
	assert_null(cal);
	snprintf(want, sizeof want, "%s: No such file or directory", tmp);
	assert_string_equal(err, want);
}

/* ---- the failing allocator ---------------------------------------------------- */

static void test_failing_allocator(void **state)
{
	(void)state;
	wg_alloc_fail_at(1);
	assert_null(wg_calendar_new(&standard));
	wg_alloc_fail_at(0);

	const char *text = HW(OK_HOLIDAY, "\"2026-02-14\"");
	unsigned long failures = 0;
	wg_calendar *cal = wg_calendar_new(&standard);
	for (unsigned long n = 1;; n++) {
		char err[256];
		wg_alloc_fail_at(n);
		int rc = wg_calendar_add_year(cal, text, strlen(text), "t.json", err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, WG_ENOMEM);
		assert_true(wg_calendar_is_working_day(cal, 2026, 2, 16));
		failures++;
		assert_true(n < 10);
	}
	assert_int_equal(failures, 1); /* the year's table */
	assert_false(wg_calendar_is_working_day(cal, 2026, 2, 16));
	wg_calendar_free(cal);

	/* The folder: the calendar, then per file its text and its table. */
	const char *dir = holidays_dir();
	failures = 0;
	for (unsigned long n = 1;; n++) {
		char err[256];
		wg_alloc_fail_at(n);
		int rc = wg_calendar_load_dir(dir, &standard, &cal, err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, WG_ENOMEM);
		assert_null(cal);
		failures++;
		assert_true(n < 100);
	}
	unsigned long files = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		files += strlen(e->d_name) == 9 && strcmp(e->d_name + 4, ".json") == 0;
	closedir(d);
	assert_int_equal(failures, 1 + 2 * files);
	assert_false(wg_calendar_is_working_day(cal, 2027, 2, 5));
	wg_calendar_free(cal);
}

/* Replacing a year while other threads read: readers see the old year or
 * the new, whole; names handed out before stay valid; a bad text changes
 * nothing. */
struct reader {
	const wg_calendar *cal;
	_Atomic int stop;
	long seen_old, seen_new;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	while (!atomic_load(&r->stop)) {
		/* 2026-03-11, a Wednesday: a holiday only in the edited year. One
		 * call reads the year once; two calls may each see another. */
		int64_t z = 0;
		assert_true(wg_calendar_day_number(2026, 3, 11, &z));
		wg_calendar_day d;
		wg_calendar_describe(r->cal, z, &d);
		if (d.working != (d.holiday == NULL) || !d.known)
			fail_msg("a half-replaced year: working %d, holiday %s", d.working,
			         d.holiday ? d.holiday : "-");
		if (d.working)
			r->seen_old++;
		else
			r->seen_new++;
	}
	return NULL;
}

static void test_replace_year(void **unused)
{
	(void)unused;
	wg_calendar *cal = load_real(&standard);
	char path[1200], err[512];
	snprintf(path, sizeof path, "%s/2026.json", holidays_dir());
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char text[65536], edited[65600];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	/* The same file with one more holiday, 2026-03-11. */
	const char *at = strstr(text, "\"holidays\": [");
	assert_non_null(at);
	size_t head = (size_t)(at - text) + strlen("\"holidays\": [");
	snprintf(edited, sizeof edited,
	         "%.*s{\"name\": \"测试\", \"from\": \"2026-03-11\", \"to\": \"2026-03-11\"}, %s", (int)head,
	         text, text + head);
	const char *spring = wg_calendar_holiday(cal, 2026, 2, 17);
	assert_non_null(spring);
	int year = 0;
	assert_int_equal(wg_calendar_check_year(cal, edited, strlen(edited), "t", &year, err, sizeof err), 0);
	assert_int_equal(year, 2026);
	assert_true(wg_calendar_is_working_day(cal, 2026, 3, 11)); /* checking changes nothing */
	assert_int_equal(wg_calendar_add_year(cal, edited, strlen(edited), "t", err, sizeof err),
	                 WG_EVALIDATION);
	assert_non_null(strstr(err, "loaded already"));
	assert_int_equal(wg_calendar_replace_year(cal, "{\"year\": 2026}", 14, "t", err, sizeof err),
	                 WG_EVALIDATION);
	assert_true(wg_calendar_is_working_day(cal, 2026, 3, 11));

	struct reader r = {.cal = cal};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, read_loop, &r), 0);
	for (int i = 0; i < 200; i++) {
		const char *doc = i % 2 ? text : edited;
		assert_int_equal(wg_calendar_replace_year(cal, doc, strlen(doc), "t", err, sizeof err), 0);
	}
	atomic_store(&r.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* The last text put in place was the file's own. */
	assert_true(wg_calendar_is_working_day(cal, 2026, 3, 11));
	assert_int_equal(wg_calendar_replace_year(cal, edited, strlen(edited), "t", err, sizeof err), 0);
	assert_false(wg_calendar_is_working_day(cal, 2026, 3, 11));
	assert_string_equal(wg_calendar_holiday(cal, 2026, 3, 11), "测试");
	/* A name read before the replacements is still the year's (ASan would tell). */
	assert_string_equal(spring, "春节");
	wg_calendar_free(cal);
}

int main(void)
{
	build_expectation(true);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_office_hours_parse),
		cmocka_unit_test(test_every_day),
		cmocka_unit_test(test_no_files),
		cmocka_unit_test(test_add_working_days),
		cmocka_unit_test(test_add_working_minutes),
		cmocka_unit_test(test_between_tables),
		cmocka_unit_test(test_against_naive_count),
		cmocka_unit_test(test_inverse),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_year_of),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_failing_allocator),
		cmocka_unit_test(test_replace_year),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
