/* test_evaluation.c - the evaluation (domain/evaluation.h): the file's
 * validation (each kind of bad file, and under the failing allocator),
 * the periods, scores and ranks on hand-computed fixtures (weights, lower
 * is better, ties, missing data under each policy, rounding), and on
 * SQLite and, when WG_TEST_PG_URL is set, PostgreSQL the evaluation over
 * hand-made rollup rows: who sees what, an empty period, publishing and
 * the snapshot that stays while late figures move the live answer. */
#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "domain/dataload.h"
#include "domain/evaluation.h"
#include "domain/role.h"
#include "domain/stats.h"

#include "fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define COUNTY "610326000000"
#define TOWN1 "610326001000"
#define TOWN2 "610326101000"
#define TOWN3 "610326102000"
#define GRID1 "610326001002001"
#define GRID2 "610326101200001"

/* 2026-11-03T10:00+08:00, 2026-11-30T23:59+08:00 and the minute after. */
#define NOV3 INT64_C(1793671200000)
#define NOV30_LAST INT64_C(1796054340000)
#define DEC1 INT64_C(1796054400000)

/* JSON written with ' for ", so that the cases stay readable. */
static char *json_of(const char *s)
{
	static char buf[8][4096];
	static unsigned next;
	char *out = buf[next++ % 8];
	size_t n = strlen(s);
	assert_true(n < sizeof buf[0]);
	for (size_t i = 0; i <= n; i++)
		out[i] = s[i] == '\'' ? '"' : s[i];
	return out;
}

static wg_evaluation_config *parse_ok(const char *text)
{
	wg_evaluation_config *c = NULL;
	char err[512] = "";
	int rc = wg_evaluation_parse(text, strlen(text), "t.json", &c, err, sizeof err);
	if (rc)
		fail_msg("parse: %s", err);
	return c;
}

/* ---- the file --------------------------------------------------------------- */

#define HEAD "'scale': 100, 'no_data': 'reweight'"
#define PERIODS                                                                                \
	"'periods': {'month': {'label': '月评比', 'use': 'ranking'}, 'quarter': {'label': " \
	"'季考评', 'use': 'score'}}"
#define GRADES "'grades': [{'label': '优秀', 'min': 90}, {'label': '合格', 'min': 60}]"
#define SUBJECTS(town) "'subjects': {'town': " town "}"
#define TOWN(rates) SUBJECTS("{'label': '乡镇', 'rates': " rates "}")
#define REWORK "'rework': {'weight': 40, 'better': 'lower', 'min_denominator': 2}"
#define CLOSURE(rule) TOWN("{'closure': " rule ", " REWORK "}")
#define GOOD_CLOSURE "{'weight': 60, 'better': 'higher'}"
#define DOC(head, periods, grades, subjects) "{" head ", " periods ", " grades ", " subjects "}"
#define VALID DOC(HEAD, PERIODS, GRADES, CLOSURE(GOOD_CLOSURE))

static void test_shipped_file(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(wg_evaluation_load(WG_SOURCE_ROOT "/data/evaluation.json", err, sizeof err), 0);
	const wg_evaluation_config *c = wg_evaluation_loaded();
	assert_non_null(c);
	assert_int_equal(c->scale, 100);
	assert_int_equal(c->no_data, WG_EVALUATION_REWEIGHT);
	assert_true(c->periods[WG_EVALUATION_MONTH].ranking);
	assert_false(c->periods[WG_EVALUATION_YEAR].ranking);
	assert_string_equal(c->periods[WG_EVALUATION_QUARTER].label, "季考评");
	assert_int_equal(c->ngrades, 4);
	for (int s = 0; s < WG_EVALUATION_SUBJECTS; s++) {
		int64_t sum = 0;
		assert_true(c->subjects[s].configured);
		for (int r = 0; r < WG_STATS_RATES; r++)
			sum += c->subjects[s].rates[r].weight;
		assert_int_equal(sum, 100);
	}
	assert_true(c->subjects[WG_EVALUATION_DEPARTMENT].rates[WG_STATS_RETURN].lower_better);
	assert_int_equal(c->subjects[WG_EVALUATION_GRID_WORKER].rates[WG_STATS_VALID_REPORT].weight, 40);
	wg_evaluation_unload();
	assert_null(wg_evaluation_loaded());
}

static void test_bad_files(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int rc;
		const char *err; /* exactly, or the start when it ends in "..." */
	} cases[] = {
		{"{", WG_EBADREQ, "t.json: line 1 column ..."},
		{DOC(HEAD ", 'scale': 90", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)), WG_EBADREQ,
	         "t.json: line 1 column ..."},
		{"[]", WG_EVALIDATION, "t.json: must be a JSON object"},
		{DOC(HEAD ", 'colour': 1", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: colour: unknown member; the members here are note, scale, no_data, periods, "
	         "grades, subjects"},
		{DOC("'no_data': 'zero'", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: scale: required: an integer from 1 to 1000"},
		{DOC("'scale': 0, 'no_data': 'zero'", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: scale: must be an integer from 1 to 1000"},
		{DOC("'scale': '100', 'no_data': 'zero'", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: scale: must be an integer from 1 to 1000"},
		{DOC("'scale': 100", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: no_data: required: one of reweight, zero, full"},
		{DOC("'scale': 100, 'no_data': 'half'", PERIODS, GRADES, CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: no_data: must be one of reweight, zero, full"},
		{DOC(HEAD, "'note': 5", GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: note: must be a text of 1 to 500 characters, without control characters"},
		{DOC(HEAD, "'grades': []", "'note': 'x'", CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: periods: required"},
		{DOC(HEAD, "'periods': {}", GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: periods: must be an object with at least one member"},
		{DOC(HEAD, "'periods': {'week': {'label': '周', 'use': 'score'}}", GRADES,
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: periods.week: unknown period kind; one of month, quarter, year"},
		{DOC(HEAD, "'periods': {'month': 'ranking'}", GRADES, CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: periods.month: must be an object"},
		{DOC(HEAD, "'periods': {'month': {'label': '月', 'use': 'ranking', 'publish_after_days': 0}}",
	             GRADES, CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: periods.month.publish_after_days: must be an integer from 1 to 90"},
		{DOC(HEAD,
	             "'periods': {'month': {'label': '月', 'use': 'ranking', 'publish_after_days': '5'}}",
	             GRADES, CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: periods.month.publish_after_days: must be an integer from 1 to 90"},
		{DOC(HEAD, "'periods': {'month': {'use': 'ranking'}}", GRADES, CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: periods.month.label: required: a text of 1 to 32 characters"},
		{DOC(HEAD, "'periods': {'month': {'label': '', 'use': 'ranking'}}", GRADES,
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION,
	         "t.json: periods.month.label: must be a text of 1 to 32 characters, without control "
	         "characters"},
		{DOC(HEAD, "'periods': {'month': {'label': 'a\\u0001', 'use': 'ranking'}}", GRADES,
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION,
	         "t.json: periods.month.label: must be a text of 1 to 32 characters, without control "
	         "characters"},
		{DOC(HEAD,
	             "'periods': {'month': {'label': "
	             "'一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三', 'use': "
	             "'ranking'}}",
	             GRADES, CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION,
	         "t.json: periods.month.label: must be a text of 1 to 32 characters, without control "
	         "characters"},
		{DOC(HEAD, "'periods': {'month': {'label': '月', 'use': 'rank'}}", GRADES,
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: periods.month.use: must be one of ranking, score"},
		{DOC(HEAD, "'periods': {'month': {'label': '月', 'use': 'score', 'grades': []}}", GRADES,
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION,
	         "t.json: periods.month.grades: unknown member; the members here are label, use, "
	         "publish_after_days"},
		{DOC(HEAD, PERIODS, "'grades': {}", CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: grades: must be an array of at most 10 grades"},
		{DOC(HEAD, PERIODS,
	             "'grades': [{'label': 'a', 'min': 10}, {'label': 'b', 'min': 9}, {'label': 'c', 'min': "
	             "8}, {'label': 'd', 'min': 7}, {'label': 'e', 'min': 6}, {'label': 'f', 'min': 5}, "
	             "{'label': 'g', 'min': 4}, {'label': 'h', 'min': 3}, {'label': 'i', 'min': 2}, "
	             "{'label': 'j', 'min': 1}, {'label': 'k', 'min': 0}]",
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: grades: must be an array of at most 10 grades"},
		{DOC(HEAD, PERIODS, "'grades': [5]", CLOSURE(GOOD_CLOSURE)), WG_EVALIDATION,
	         "t.json: grades[0]: must be an object {\"label\", \"min\"}"},
		{DOC(HEAD, PERIODS, "'grades': [{'label': '优秀', 'min': 101}]", CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: grades[0].min: must be an integer from 0 to 100"},
		{DOC(HEAD, PERIODS, "'grades': [{'label': '合格', 'min': 60}, {'label': '优秀', 'min': 90}]",
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION,
	         "t.json: grades[1].min: must be below the min of the grade before it (60): grades go from "
	         "the best "
	         "down"},
		{DOC(HEAD, PERIODS, "'grades': [{'label': '优秀', 'min': 90}, {'label': '优秀', 'min': 60}]",
	             CLOSURE(GOOD_CLOSURE)),
	         WG_EVALIDATION, "t.json: grades[1].label: \"优秀\" is also the label of grades[0]"},
		{DOC(HEAD, PERIODS, GRADES, "'note': 'x'"), WG_EVALIDATION, "t.json: subjects: required"},
		{DOC(HEAD, PERIODS, GRADES, "'subjects': {'village': {'label': '村', 'rates': {}}}"),
	         WG_EVALIDATION,
	         "t.json: subjects.village: unknown subject kind; one of town, department, grid_worker"},
		{DOC(HEAD, PERIODS, GRADES, SUBJECTS("[]")), WG_EVALIDATION,
	         "t.json: subjects.town: must be an object {\"label\", \"rates\"}"},
		{DOC(HEAD, PERIODS, GRADES, SUBJECTS("{'label': '乡镇'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates: required"},
		{DOC(HEAD, PERIODS, GRADES,
	             SUBJECTS("{'rates': {'closure': {'weight': 100, 'better': 'higher'}}}")),
	         WG_EVALIDATION, "t.json: subjects.town.label: required: a text of 1 to 32 characters"},
		{DOC(HEAD, PERIODS, GRADES, TOWN("{}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates: must be an object with at least one member"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("60")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure: must be an object {\"weight\", \"better\", "
	         "\"min_denominator\"}"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'better': 'higher'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.weight: required: an integer from 1 to 100"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 0, 'better': 'higher'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.weight: must be an integer from 1 to 100"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 60.5, 'better': 'higher'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.weight: must be an integer from 1 to 100"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 60}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.better: required: one of higher, lower"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 60, 'better': 'up'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.better: must be one of higher, lower"},
		{DOC(HEAD, PERIODS, GRADES,
	             CLOSURE("{'weight': 60, 'better': 'higher', 'min_denominator': 0}")),
	         WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.min_denominator: must be an integer from 1 to 100000"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'wieght': 60, 'better': 'higher'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates.closure.wieght: unknown member; the members here are weight, "
	         "better, "
	         "min_denominator"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 55, 'better': 'higher'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates: the weights add up to 95, not the scale 100"},
		{DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 61, 'better': 'higher'}")), WG_EVALIDATION,
	         "t.json: subjects.town.rates: the weights add up to 101, not the scale 100"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *text = json_of(cases[i].text);
		wg_evaluation_config *c = (wg_evaluation_config *)&cases[i];
		char err[512] = "";
		int rc = wg_evaluation_parse(text, strlen(text), "t.json", &c, err, sizeof err);
		size_t want = strlen(cases[i].err);
		bool prefix = want > 3 && strcmp(cases[i].err + want - 3, "...") == 0;
		bool same =
			prefix ? strncmp(err, cases[i].err, want - 3) == 0 : strcmp(err, cases[i].err) == 0;
		if (rc != cases[i].rc || c != NULL || !same)
			fail_msg("case %zu: rc %d (want %d): %s\n  want: %s", i, rc, cases[i].rc, err,
			         cases[i].err);
	}
	/* An unknown rate is told the names of the statistics' rates. */
	char want[600] = "t.json: subjects.town.rates.closed: unknown rate; one of ";
	for (int r = 0; r < WG_STATS_RATES; r++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", r ? ", " : "",
		         wg_stats_rate_names[r]);
	const char *text =
		json_of(DOC(HEAD, PERIODS, GRADES, TOWN("{'closed': {'weight': 100, 'better': 'higher'}}")));
	wg_evaluation_config *bad = NULL;
	char err[600] = "";
	assert_int_equal(wg_evaluation_parse(text, strlen(text), "t.json", &bad, err, sizeof err),
	                 WG_EVALIDATION);
	assert_string_equal(err, want);
	assert_null(bad);
	/* And the base of those cases is good. */
	wg_evaluation_config *c = parse_ok(json_of(VALID));
	assert_int_equal(c->subjects[WG_EVALUATION_TOWN].rates[WG_STATS_CLOSURE].min_denominator, 1);
	assert_int_equal(c->subjects[WG_EVALUATION_TOWN].rates[WG_STATS_REWORK].min_denominator, 2);
	assert_false(c->subjects[WG_EVALUATION_DEPARTMENT].configured);
	assert_false(c->periods[WG_EVALUATION_YEAR].configured);
	wg_evaluation_free(c);
	wg_evaluation_free(NULL);
}

static void test_failing_allocator(void **state)
{
	(void)state;
	const char *text = json_of(VALID);
	size_t len = strlen(text);
	wg_evaluation_config *c = NULL;
	wg_alloc_fail_at(0);
	assert_int_equal(wg_evaluation_parse(text, len, "t.json", &c, NULL, 0), 0);
	unsigned long total = wg_alloc_count();
	wg_evaluation_free(c);
	assert_int_equal(total, 2); /* the config and its file name */
	for (unsigned long n = 1; n <= total + 1; n++) {
		char err[256] = "";
		c = NULL;
		wg_alloc_fail_at(n);
		int rc = wg_evaluation_parse(text, len, "t.json", &c, err, sizeof err);
		wg_alloc_fail_at(0);
		if (n <= total ? rc != WG_ENOMEM || c || strcmp(err, "t.json: out of memory") != 0
		               : rc != 0 || !c)
			fail_msg("allocation %lu: rc %d: %s", n, rc, err);
		wg_evaluation_free(c);
	}
	/* Loading: the file's text, then the parse; what was in force stays. */
	char path[1024];
	snprintf(path, sizeof path, "%s/alloc.json", wg_test_dir());
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	char err[512] = "";
	assert_int_equal(wg_evaluation_load(WG_SOURCE_ROOT "/data/evaluation.json", err, sizeof err), 0);
	const wg_evaluation_config *before = wg_evaluation_loaded();
	int rc = WG_ENOMEM;
	unsigned long n = 1;
	for (; rc == WG_ENOMEM; n++) {
		wg_alloc_fail_at(n);
		rc = wg_evaluation_load(path, err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == WG_ENOMEM) {
			assert_non_null(strstr(err, "out of memory"));
			assert_ptr_equal(wg_evaluation_loaded(), before);
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 5); /* three allocations fail, the fourth run succeeds */
	assert_false(wg_evaluation_loaded()->subjects[WG_EVALUATION_DEPARTMENT].configured);
	wg_evaluation_unload();
}

static void test_load(void **state)
{
	(void)state;
	char err[512] = "", path[1024], dir[1024];
	snprintf(path, sizeof path, "%s/nothing.json", wg_test_dir());
	assert_int_equal(wg_evaluation_load(path, err, sizeof err), WG_EIO);
	assert_non_null(strstr(err, "nothing.json: No such file"));
	snprintf(dir, sizeof dir, "%s", wg_test_dir());
	assert_int_equal(wg_evaluation_load(dir, err, sizeof err), WG_EIO);
	assert_non_null(strstr(err, ": not a regular file"));
	assert_null(wg_evaluation_loaded());

	assert_int_equal(wg_evaluation_load(WG_SOURCE_ROOT "/data/evaluation.json", err, sizeof err), 0);
	const wg_evaluation_config *good = wg_evaluation_loaded();
	/* A bad file names itself and leaves the good one in force. */
	snprintf(path, sizeof path, "%s/bad.json", wg_test_dir());
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	const char *bad = json_of(DOC(HEAD, PERIODS, GRADES, CLOSURE("{'weight': 50, 'better': 'higher'}")));
	fputs(bad, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(wg_evaluation_load(path, err, sizeof err), WG_EVALIDATION);
	char want[1200];
	snprintf(want, sizeof want, "%s: subjects.town.rates: the weights add up to 90, not the scale 100",
	         path);
	assert_string_equal(err, want);
	assert_ptr_equal(wg_evaluation_loaded(), good);
	wg_evaluation_unload();
}

/* ---- periods ----------------------------------------------------------------- */

static void test_periods(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int kind; /* -1: refused */
		const char *from, *to;
	} cases[] = {
		{"2026-10", WG_EVALUATION_MONTH, "2026-10-01", "2026-10-31"},
		{"2026-02", WG_EVALUATION_MONTH, "2026-02-01", "2026-02-28"},
		{"2024-02", WG_EVALUATION_MONTH, "2024-02-01", "2024-02-29"},
		{"2000-02", WG_EVALUATION_MONTH, "2000-02-01", "2000-02-29"},
		{"2100-02", WG_EVALUATION_MONTH, "2100-02-01", "2100-02-28"},
		{"2026-04", WG_EVALUATION_MONTH, "2026-04-01", "2026-04-30"},
		{"2026-Q1", WG_EVALUATION_QUARTER, "2026-01-01", "2026-03-31"},
		{"2026-Q3", WG_EVALUATION_QUARTER, "2026-07-01", "2026-09-30"},
		{"2026-Q4", WG_EVALUATION_QUARTER, "2026-10-01", "2026-12-31"},
		{"2026", WG_EVALUATION_YEAR, "2026-01-01", "2026-12-31"},
		{"1970", WG_EVALUATION_YEAR, "1970-01-01", "1970-12-31"},
		{"9999-12", WG_EVALUATION_MONTH, "9999-12-01", "9999-12-31"},
		{"1969", -1, NULL, NULL},
		{"2026-13", -1, NULL, NULL},
		{"2026-00", -1, NULL, NULL},
		{"2026-Q0", -1, NULL, NULL},
		{"2026-Q5", -1, NULL, NULL},
		{"2026-q3", -1, NULL, NULL},
		{"2026-H1", -1, NULL, NULL},
		{"2026-1", -1, NULL, NULL},
		{"26-10", -1, NULL, NULL},
		{"2026/10", -1, NULL, NULL},
		{"2026-10-01", -1, NULL, NULL},
		{"２０２６", -1, NULL, NULL},
		{"", -1, NULL, NULL},
		{NULL, -1, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_evaluation_period p;
		bool ok = wg_evaluation_period_parse(cases[i].text, &p);
		if (ok != (cases[i].kind >= 0))
			fail_msg("case %zu (%s): %s", i, cases[i].text ? cases[i].text : "NULL",
			         ok ? "accepted" : "refused");
		if (!ok)
			continue;
		assert_int_equal(p.kind, cases[i].kind);
		assert_string_equal(p.key, cases[i].text);
		assert_string_equal(p.from, cases[i].from);
		assert_string_equal(p.to, cases[i].to);
	}
}

/* ---- scores and ranks -------------------------------------------------------- */

/* closure 40 (min 5), satisfaction 30 (min 3), rework 30 lower. */
#define SCORE_FILE(no_data)                                                                                     \
	"{'scale': 100, 'no_data': '" no_data "', 'periods': {'month': {'label': '月', 'use': 'ranking'}, "    \
	"'year': {'label': '年', 'use': 'score'}}, 'grades': [{'label': '优秀', 'min': 90}, {'label': "      \
	"'良好', 'min': 80}, {'label': '合格', 'min': 60}, {'label': '不合格', 'min': 0}], 'subjects': " \
	"{'town': {'label': '乡镇', 'rates': {'closure': {'weight': 40, 'better': 'higher', "                 \
	"'min_denominator': 5}, 'satisfaction': {'weight': 30, 'better': 'higher', 'min_denominator': "         \
	"3}, 'rework': {'weight': 30, 'better': 'lower'}}}}}"

struct figures {
	int64_t closure[2], satisfaction[2], rework[2];
};

static wg_evaluation_item item_of(const char *key, struct figures f)
{
	wg_evaluation_item it = {.key = key, .name = key, .scope_key = COUNTY};
	it.rates[WG_STATS_CLOSURE] = (wg_stats_rate){f.closure[0], f.closure[1]};
	it.rates[WG_STATS_SATISFACTION] = (wg_stats_rate){f.satisfaction[0], f.satisfaction[1]};
	it.rates[WG_STATS_REWORK] = (wg_stats_rate){f.rework[0], f.rework[1]};
	/* Rates the file does not weight never count. */
	it.rates[WG_STATS_ON_TIME] = (wg_stats_rate){1, 9};
	return it;
}

static void test_scores(void **state)
{
	(void)state;
	static const struct {
		const char *no_data;
		struct figures f;
		int64_t score;                         /* hundredths; -1: no score */
		int64_t closure, satisfaction, rework; /* points in hundredths, -1 none */
	} cases[] = {
		/* 40 x 0.9 + 30 x 0.75 + 30 x (1 - 0.1) */
		{"reweight", {{9, 10}, {3, 4}, {1, 10}}, 8550, 3600, 2250, 2700},
		{"zero", {{9, 10}, {3, 4}, {1, 10}}, 8550, 3600, 2250, 2700},
		{"full", {{9, 10}, {3, 4}, {1, 10}}, 8550, 3600, 2250, 2700},
		/* Rounding half up: 35 + 3.75 + 28.125 = 66.875. */
		{"reweight", {{7, 8}, {1, 8}, {1, 16}}, 6688, 3500, 375, 2813},
		/* Closure 2/4 and rework 0/0 have no data. Reweight: 30 points
		 * of satisfaction 1/3 stand for the whole 100. */
		{"reweight", {{2, 4}, {1, 3}, {0, 0}}, 3333, -1, 3333, -1},
		{"zero", {{2, 4}, {1, 3}, {0, 0}}, 1000, 0, 1000, 0},
		{"full", {{2, 4}, {1, 3}, {0, 0}}, 8000, 4000, 1000, 3000},
		/* Reweight over 60: (10 + 28.125) x 100 / 60 = 63.541..; the
		 * points 16.666.. and 46.875 are rounded each. */
		{"reweight", {{3, 4}, {1, 3}, {1, 16}}, 6354, -1, 1667, 4688},
		/* Perfect where there is data is the whole scale. */
		{"reweight", {{0, 0}, {3, 3}, {0, 5}}, 10000, -1, 5000, 5000},
		{"zero", {{0, 0}, {3, 3}, {0, 5}}, 6000, 0, 3000, 3000},
		/* All worst. */
		{"reweight", {{0, 5}, {0, 3}, {7, 7}}, 0, 0, 0, 0},
		/* No rate with data: no score under any policy. */
		{"reweight", {{0, 0}, {1, 2}, {0, 0}}, -1, -1, -1, -1},
		{"zero", {{0, 0}, {1, 2}, {0, 0}}, -1, -1, -1, -1},
		{"full", {{0, 0}, {1, 2}, {0, 0}}, -1, -1, -1, -1},
		/* A numerator above its denominator counts as the denominator. */
		{"zero", {{12, 10}, {3, 3}, {0, 1}}, 10000, 4000, 3000, 3000},
	};
	const char *files[] = {SCORE_FILE("reweight"), SCORE_FILE("zero"), SCORE_FILE("full")};
	wg_evaluation_config *c[3];
	for (int i = 0; i < 3; i++)
		c[i] = parse_ok(json_of(files[i]));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int k = strcmp(cases[i].no_data, "reweight") == 0 ? 0
		        : strcmp(cases[i].no_data, "zero") == 0   ? 1
		                                                  : 2;
		wg_evaluation_item it = item_of("x", cases[i].f);
		wg_evaluation_score(c[k], WG_EVALUATION_TOWN, &it);
		if (it.scored != (cases[i].score >= 0) || (it.scored && it.score != cases[i].score) ||
		    it.points[WG_STATS_CLOSURE] != cases[i].closure ||
		    it.points[WG_STATS_SATISFACTION] != cases[i].satisfaction ||
		    it.points[WG_STATS_REWORK] != cases[i].rework || it.points[WG_STATS_ON_TIME] != -1)
			fail_msg("case %zu: scored %d score %lld points %lld %lld %lld", i, it.scored,
			         (long long)it.score, (long long)it.points[WG_STATS_CLOSURE],
			         (long long)it.points[WG_STATS_SATISFACTION],
			         (long long)it.points[WG_STATS_REWORK]);
		assert_int_equal(it.no_data[WG_STATS_CLOSURE], cases[i].f.closure[1] < 5);
		assert_int_equal(it.no_data[WG_STATS_SATISFACTION], cases[i].f.satisfaction[1] < 3);
		assert_int_equal(it.no_data[WG_STATS_REWORK], cases[i].f.rework[1] < 1);
	}
	for (int i = 0; i < 3; i++)
		wg_evaluation_free(c[i]);
}

static void test_ranks(void **state)
{
	(void)state;
	wg_evaluation_config *c = parse_ok(json_of(SCORE_FILE("reweight")));
	wg_evaluation_item items[] = {
		item_of("f", (struct figures){{0, 0}, {0, 0}, {0, 0}}),    /* no data */
		item_of("e", (struct figures){{5, 10}, {3, 3}, {0, 10}}),  /* 20 + 30 + 30 = 80 */
		item_of("d", (struct figures){{9, 10}, {3, 4}, {1, 10}}),  /* 85.50 */
		item_of("a", (struct figures){{0, 0}, {0, 2}, {0, 0}}),    /* no data */
		item_of("c", (struct figures){{9, 10}, {3, 4}, {1, 10}}),  /* 85.50 */
		item_of("b", (struct figures){{10, 10}, {3, 3}, {1, 10}}), /* 97 */
		item_of("g",
	                (struct figures){{5, 5}, {1, 1}, {0, 1}}), /* 40 + 0 + 30: satisfaction 1/1 < 3 */
	};
	size_t n = sizeof items / sizeof items[0];
	static const struct {
		const char *key;
		int64_t rank, score;
		const char *grade; /* for a year */
	} want[] = {
		{"g", 1, 10000, "优秀"}, {"b", 2, 9700, "优秀"}, {"c", 3, 8550, "良好"},
		{"d", 3, 8550, "良好"},  {"e", 5, 8000, "良好"}, {"a", 0, 0, NULL},
		{"f", 0, 0, NULL},
	};
	for (int kind = WG_EVALUATION_MONTH; kind <= WG_EVALUATION_YEAR; kind += 2) {
		for (size_t i = 0; i < n; i++)
			wg_evaluation_score(c, WG_EVALUATION_TOWN, &items[i]);
		int64_t ranked = -1;
		wg_evaluation_rank(c, (enum wg_evaluation_period_kind)kind, items, n, &ranked);
		assert_int_equal(ranked, 5);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(items[i].key, want[i].key) != 0 || items[i].rank != want[i].rank ||
			    (want[i].rank && items[i].score != want[i].score))
				fail_msg("%s: place %zu: %s rank %lld score %lld",
				         wg_evaluation_period_kind_names[kind], i, items[i].key,
				         (long long)items[i].rank, (long long)items[i].score);
			/* A month is a ranking: no grades. */
			const char *grade = kind == WG_EVALUATION_YEAR ? want[i].grade : NULL;
			if (grade ? !items[i].grade || strcmp(items[i].grade, grade) != 0
			          : items[i].grade != NULL)
				fail_msg("%s: %s grade %s", wg_evaluation_period_kind_names[kind],
				         items[i].key, items[i].grade ? items[i].grade : "NULL");
		}
	}
	/* An empty period ranks nobody; nothing at all is fine too. */
	int64_t ranked = -1;
	wg_evaluation_rank(c, WG_EVALUATION_MONTH, items, 0, &ranked);
	assert_int_equal(ranked, 0);
	wg_evaluation_item empty[] = {item_of("y", (struct figures){{0}, {0}, {0}}),
	                              item_of("x", (struct figures){{0}, {0}, {0}})};
	for (size_t i = 0; i < 2; i++)
		wg_evaluation_score(c, WG_EVALUATION_TOWN, &empty[i]);
	wg_evaluation_rank(c, WG_EVALUATION_YEAR, empty, 2, &ranked);
	assert_int_equal(ranked, 0);
	assert_string_equal(empty[0].key, "x");
	assert_int_equal(empty[0].rank, 0);
	assert_null(empty[0].grade);
	wg_evaluation_free(c);
}

static void test_rates_json(void **state)
{
	(void)state;
	wg_evaluation_config *c = parse_ok(json_of(SCORE_FILE("reweight")));
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	wg_evaluation_item it = item_of("x", (struct figures){{2, 4}, {1, 3}, {1, 16}});
	wg_evaluation_score(c, WG_EVALUATION_TOWN, &it);
	assert_int_equal(wg_evaluation_rates_json(c, WG_EVALUATION_TOWN, &it, &arena), 0);
	assert_non_null(
		strstr(it.rates_json,
	               "\"closure\":{\"numerator\":2,\"denominator\":4,\"percent\":50.0,\"weight\":40,"
	               "\"better\":\"higher\",\"min_denominator\":5,\"no_data\":true,\"points\":null}"));
	assert_non_null(
		strstr(it.rates_json,
	               "\"rework\":{\"numerator\":1,\"denominator\":16,\"percent\":6.3,\"weight\":30,"
	               "\"better\":\"lower\",\"min_denominator\":1,\"no_data\":false,\"points\":46.88}"));
	assert_non_null(strstr(it.rates_json,
	                       "\"on_time\":{\"numerator\":1,\"denominator\":9,\"percent\":11.1,\"weight\":0,"
	                       "\"better\":null,\"min_denominator\":1,\"no_data\":false,\"points\":null}"));
	assert_non_null(
		strstr(it.rates_json,
	               "\"resolution\":{\"numerator\":0,\"denominator\":0,\"percent\":null,\"weight\":0,"
	               "\"better\":null,\"min_denominator\":1,\"no_data\":true,\"points\":null}"));
	/* Valid JSON with every rate of the statistics, in their order. */
	json_error_t jerr;
	json_t *doc = json_loads(it.rates_json, 0, &jerr);
	assert_non_null(doc);
	assert_int_equal(json_object_size(doc), WG_STATS_RATES);
	assert_true(strncmp(it.rates_json, "{\"resolution\":", 14) == 0);
	double points = json_real_value(json_object_get(json_object_get(doc, "satisfaction"), "points"));
	assert_true(points > 16.6699 && points < 16.6701);
	json_decref(doc);
	wg_arena_clear(&arena);
	wg_evaluation_free(c);
}

/* The example of docs/statistics.md "Evaluation": the shipped weights. */
static void test_doc_example(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(wg_evaluation_load(WG_SOURCE_ROOT "/data/evaluation.json", err, sizeof err), 0);
	wg_evaluation_config *c = (wg_evaluation_config *)wg_evaluation_loaded();
	wg_evaluation_item it = {.key = "x"};
	it.rates[WG_STATS_CLOSURE] = (wg_stats_rate){45, 50};
	it.rates[WG_STATS_ON_TIME] = (wg_stats_rate){38, 40};
	it.rates[WG_STATS_SATISFACTION] = (wg_stats_rate){30, 36};
	it.rates[WG_STATS_RESOLUTION] = (wg_stats_rate){2, 2};
	it.rates[WG_STATS_VALID_REPORT] = (wg_stats_rate){57, 60};
	it.rates[WG_STATS_REWORK] = (wg_stats_rate){4, 40};
	it.rates[WG_STATS_EXTENSION] = (wg_stats_rate){2, 40};
	wg_evaluation_score(c, WG_EVALUATION_TOWN, &it);
	assert_int_equal(it.score, 9049);
	static const struct {
		int rate;
		int64_t points;
	} points[] = {{WG_STATS_CLOSURE, 2118},  {WG_STATS_ON_TIME, 2235},      {WG_STATS_SATISFACTION, 1961},
	              {WG_STATS_RESOLUTION, -1}, {WG_STATS_VALID_REPORT, 1118}, {WG_STATS_REWORK, 1059},
	              {WG_STATS_EXTENSION, 559}};
	for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
		assert_int_equal(it.points[points[i].rate], points[i].points);
	int64_t ranked;
	wg_evaluation_rank(c, WG_EVALUATION_QUARTER, &it, 1, &ranked);
	assert_string_equal(it.grade, "优秀");
	c->no_data = WG_EVALUATION_ZERO;
	wg_evaluation_score(c, WG_EVALUATION_TOWN, &it);
	assert_int_equal(it.score, 7692);
	c->no_data = WG_EVALUATION_FULL;
	wg_evaluation_score(c, WG_EVALUATION_TOWN, &it);
	assert_int_equal(it.score, 9192);
	wg_evaluation_unload();
}

/* ---- over the rollups ------------------------------------------------------------ */

/* closure and rework for towns, on-time and return for departments, the
 * valid report rate for grid workers; every rate counts from 1. */
#define STORE_FILE STORE_FILE_WITH("")
/* The same, October published by the system on November 5. */
#define AUTO_FILE STORE_FILE_WITH(", 'publish_after_days': 5")
#define STORE_FILE_WITH(month)                                                                               \
	"{'scale': 100, 'no_data': 'reweight', 'periods': {'month': {'label': '月评比', 'use': "          \
	"'ranking'" month "}, "                                                                              \
	"'quarter': {'label': '季考评', 'use': 'score'}}, 'grades': [{'label': '优秀', 'min': 90}], "   \
	"'subjects': {'town': {'label': '乡镇', 'rates': {'closure': {'weight': 50, 'better': 'higher'}, " \
	"'rework': {'weight': 50, 'better': 'lower'}}}, 'department': {'label': '部门', 'rates': "         \
	"{'on_time': "                                                                                       \
	"{'weight': 60, 'better': 'higher'}, 'return': {'weight': 40, 'better': 'lower'}}}, 'grid_worker': " \
	"{'label': '网格员', 'rates': {'valid_report': {'weight': 100, 'better': 'higher'}}}}}"

static wg_evaluation_config *store_file;

static const wg_caller county = {
	.user_id = 1, .username = "county", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = COUNTY};
static const wg_caller town1 = {
	.user_id = 2, .username = "town1", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN1};
static const wg_caller police = {.user_id = 3,
                                 .username = "police1",
                                 .roles = WG_ROLE_DEPT_HANDLER,
                                 .scope = COUNTY,
                                 .department = "610326-police"};
static const wg_caller worker7 = {
	.user_id = 7, .username = "worker7", .roles = WG_ROLE_GRID_WORKER, .scope = GRID1};

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
	const char *grids[][2] = {{GRID1, "610326001002"}, {GRID2, "610326101200"}};
	for (int i = 0; !rc && i < 2; i++)
		rc = wg_db_execf(
			t->db,
			"INSERT INTO grids (code, region, name, type, scope_key, created_at, updated_at) "
			"VALUES (?, ?, '网格', 'rural', ?, 0, 0)",
			NULL, "ttt", grids[i][0], grids[i][1], grids[i][0]);
	const struct {
		int64_t id;
		const char *username, *name, *scope;
	} users[] = {{7, "worker7", "网格员七", GRID1},
	             {8, "worker8", "网格员八", GRID2},
	             {9, "worker9", "网格员九", GRID1}};
	for (int i = 0; !rc && i < 3; i++)
		rc = wg_db_execf(
			t->db,
			"INSERT INTO users (id, username, name, scope_key, roles, password_hash, "
			"password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'x', 0, 0, 0)",
			NULL, "ittti", users[i].id, users[i].username, users[i].name, users[i].scope,
			(int64_t)WG_ROLE_GRID_WORKER);
	if (wg_test_end(t->db, rc) != 0) {
		fprintf(stderr, "setup: %s %s\n", err, wg_db_errmsg(t->db));
		return -1;
	}
	return 0;
}

/* One rollup row: reported, accepted, closed, closed_due, closed_on_time,
 * reworked, returned, due, due_closed. */
static void add(wg_db *db, const char *day, const char *scope_key, const char *dept, int64_t reporter,
                const int64_t v[9])
{
	wg_test_begin(db);
	int rc = wg_db_execf(
		db,
		"INSERT INTO stats_day (day, scope_key, kind, category, source, department, reporter, "
		"reported, accepted, closed, closed_due, closed_on_time, reworked, returned, due, "
		"due_closed) VALUES (?, ?, 'event', '0801', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		NULL, "ttttiiiiiiiiii", day, scope_key, reporter ? "grid" : "window", dept, reporter, v[0],
		v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
	/* The cube made again from the rows, and folded. */
	int64_t folded = 0;
	if (!rc)
		rc = wg_stats_cube_reset(db);
	if (!rc)
		rc = wg_stats_fold(db, INT64_MAX, &folded);
	assert_int_equal(wg_test_end(db, rc), 0);
}

static void october(wg_db *db)
{
	/* Towns: closure 3/4 and rework 1/4 in town 1 (plus the police
	 * station's 2 closures below: rework 1/6); 2/2 and 1/2 in town 2;
	 * 0/1 and no closure in town 3. */
	add(db, "2026-10-15", GRID1, "", 0, (int64_t[]){0, 0, 4, 0, 0, 1, 0, 4, 3});
	add(db, "2026-10-20", TOWN2, "", 0, (int64_t[]){0, 0, 2, 0, 0, 1, 0, 2, 2});
	add(db, "2026-10-31", TOWN3, "", 0, (int64_t[]){0, 0, 0, 0, 0, 0, 0, 1, 0});
	/* Departments: the county's police on time 4/5, returned 1/5; town
	 * 1's station 2/2 and 0/2. */
	add(db, "2026-10-10", COUNTY, "610326-police", 0, (int64_t[]){0, 0, 5, 5, 4, 0, 1, 0, 0});
	add(db, "2026-10-11", GRID1, "610326001-police", 0, (int64_t[]){0, 0, 2, 2, 2, 0, 0, 0, 0});
	/* Grid workers: 3 of worker7's 4 reports valid, both of worker8's. */
	add(db, "2026-10-12", GRID1, "", 7, (int64_t[]){4, 3, 0, 0, 0, 0, 0, 0, 0});
	add(db, "2026-10-13", GRID2, "", 8, (int64_t[]){2, 2, 0, 0, 0, 0, 0, 0, 0});
	/* Outside the month: never counted in it. */
	add(db, "2026-09-30", TOWN2, "", 0, (int64_t[]){0, 0, 9, 0, 0, 9, 0, 9, 0});
	add(db, "2026-11-01", TOWN2, "", 0, (int64_t[]){0, 0, 9, 0, 0, 9, 0, 9, 0});
}

static wg_evaluation_query query(const wg_caller *c, const char *period, enum wg_evaluation_subject s,
                                 wg_arena *arena)
{
	wg_evaluation_query q = {
		.caller = c, .config = store_file, .subject = s, .offset_minutes = 480, .arena = arena};
	assert_true(wg_evaluation_period_parse(period, &q.period));
	return q;
}

static const wg_evaluation_item *find(const wg_evaluation *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->items[i].key, key) == 0)
			return &e->items[i];
	fail_msg("no item %s", key);
	return NULL;
}

static void expect(const wg_evaluation *e, const char *key, int64_t rank, int64_t score)
{
	const wg_evaluation_item *it = find(e, key);
	if (it->rank != rank || it->scored != (rank > 0) || (rank > 0 && it->score != score))
		fail_msg("%s: rank %lld score %lld, want %lld %lld", key, (long long)it->rank,
		         (long long)it->score, (long long)rank, (long long)score);
}

struct groups {
	wg_stats_group_figures v[64];
	size_t n;
};

static int collect_group(void *ctx, const wg_stats_group_figures *g)
{
	struct groups *l = ctx;
	if (l->n < 64)
		l->v[l->n++] = *g;
	return 0;
}

struct seen {
	char period[8][16], subject[8][16];
	int n;
};

static int collect(void *ctx, const wg_evaluation_snapshot *s)
{
	struct seen *seen = ctx;
	if (seen->n < 8) {
		snprintf(seen->period[seen->n], 16, "%s", s->period);
		snprintf(seen->subject[seen->n], 16, "%s", s->subject);
		seen->n++;
	}
	return 0;
}

static int get(wg_db *db, const wg_caller *c, const char *period, enum wg_evaluation_subject s, wg_arena *a,
               wg_evaluation *e)
{
	wg_evaluation_query q = query(c, period, s, a);
	wg_field_errors fe;
	wg_field_errors_init(&fe, a);
	return wg_evaluation_get(db, &q, e, &fe);
}

static void test_live(void **state)
{
	wg_db *db = wg_test_open(state);
	october(db);
	wg_arena a;
	wg_arena_init(&a, 65536);
	wg_evaluation e;

	/* Towns: 37.50 + 41.67 = 79.17; 50 + 25 = 75; 0 with rework
	 * reweighted away; the other seven have no data. */
	assert_int_equal(get(db, &county, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_false(e.published);
	assert_string_equal(e.county, COUNTY);
	assert_int_equal(e.ranked, 3);
	assert_int_equal(e.n, 10);
	assert_string_equal(e.items[0].key, TOWN1);
	expect(&e, TOWN1, 1, 7917);
	expect(&e, TOWN2, 2, 7500);
	expect(&e, TOWN3, 3, 0);
	expect(&e, "610326103000", 0, 0);
	assert_string_equal(find(&e, TOWN1)->name, "首善街道");
	assert_non_null(
		strstr(find(&e, TOWN1)->rates_json,
	               "\"closure\":{\"numerator\":3,\"denominator\":4,\"percent\":75.0,\"weight\":50,"
	               "\"better\":\"higher\",\"min_denominator\":1,\"no_data\":false,\"points\":37.50}"));
	assert_non_null(
		strstr(find(&e, TOWN1)->rates_json, "\"rework\":{\"numerator\":1,\"denominator\":6,"));

	/* The figures are those the statistics give the county. */
	wg_stats_query sq = {.caller = &county,
	                     .from = "2026-10-01",
	                     .to = "2026-10-31",
	                     .offset_minutes = 480,
	                     .arena = &a};
	struct groups g = {.n = 0};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &a);
	assert_int_equal(wg_stats_rates(db, &sq, WG_STATS_BY_REGION, collect_group, &g, &fe), 0);
	for (size_t i = 0; i < g.n; i++) {
		if (strlen(g.v[i].key) != 12 || strcmp(g.v[i].key, COUNTY) == 0)
			continue;
		const wg_evaluation_item *it = find(&e, g.v[i].key);
		for (int r = 0; r < WG_STATS_RATES; r++) {
			assert_int_equal(it->rates[r].numerator, g.v[i].rates[r].numerator);
			assert_int_equal(it->rates[r].denominator, g.v[i].rates[r].denominator);
		}
	}
	assert_true(g.n >= 10);

	/* Departments: 48 + 32 = 80 and 60 + 40 = 100; every department of
	 * the county is listed, those without cases unranked. */
	assert_int_equal(get(db, &county, "2026-10", WG_EVALUATION_DEPARTMENT, &a, &e), 0);
	assert_int_equal(e.ranked, 2);
	expect(&e, "610326001-police", 1, 10000);
	expect(&e, "610326-police", 2, 8000);
	expect(&e, "610326-justice", 0, 0);
	int64_t departments = wg_test_query_int(
		db, "SELECT count(*) FROM departments WHERE region LIKE '610326%'", NULL, 0);
	assert_int_equal(e.n, departments);

	/* Grid workers: every active grid worker, with reports or without. */
	assert_int_equal(get(db, &county, "2026-10", WG_EVALUATION_GRID_WORKER, &a, &e), 0);
	assert_int_equal(e.ranked, 2);
	assert_int_equal(e.n, 3);
	expect(&e, "worker8", 1, 10000);
	expect(&e, "worker7", 2, 7500);
	expect(&e, "worker9", 0, 0);
	assert_string_equal(find(&e, "worker7")->name, "网格员七");

	/* A town sees itself among the towns, with its county rank; its own
	 * grid workers; its own town's departments. */
	assert_int_equal(get(db, &town1, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ranked, 3);
	expect(&e, TOWN1, 1, 7917);
	assert_int_equal(get(db, &town1, "2026-10", WG_EVALUATION_GRID_WORKER, &a, &e), 0);
	assert_int_equal(e.n, 2);
	expect(&e, "worker7", 2, 7500);
	expect(&e, "worker9", 0, 0);
	assert_int_equal(get(db, &town1, "2026-10", WG_EVALUATION_DEPARTMENT, &a, &e), 0);
	assert_true(e.n > 1);
	for (size_t i = 0; i < e.n; i++)
		assert_true(strncmp(e.items[i].key, "610326001-", 10) == 0);
	expect(&e, "610326001-police", 1, 10000);

	/* A department sees itself only, and no town or grid worker. */
	assert_int_equal(get(db, &police, "2026-10", WG_EVALUATION_DEPARTMENT, &a, &e), 0);
	assert_int_equal(e.n, 1);
	expect(&e, "610326-police", 2, 8000);
	assert_int_equal(get(db, &police, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(e.ranked, 3);
	/* A grid worker sees the workers of their grid. */
	assert_int_equal(get(db, &worker7, "2026-10", WG_EVALUATION_GRID_WORKER, &a, &e), 0);
	assert_int_equal(e.n, 2);
	assert_int_equal(get(db, &worker7, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_int_equal(e.n, 0);

	/* An empty period: everyone listed, nobody ranked. */
	assert_int_equal(get(db, &county, "2025-01", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_int_equal(e.ranked, 0);
	assert_int_equal(e.n, 10);
	for (size_t i = 0; i < e.n; i++)
		assert_false(e.items[i].scored);
	/* The quarter holds October and the November row: town 2 has
	 * closure 2/11 (9.09) and rework 10/11 (4.55). Quarters are scored
	 * with grades, and 79.17 is below the only one. */
	assert_int_equal(get(db, &county, "2026-Q4", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_false(e.ranking);
	expect(&e, TOWN1, 1, 7917);
	expect(&e, TOWN2, 2, 1364);
	expect(&e, TOWN3, 3, 0);
	assert_null(find(&e, TOWN1)->grade);
	wg_arena_clear(&a);
}

static void test_refused(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_arena a;
	wg_arena_init(&a, 4096);
	wg_evaluation e;
	wg_field_errors fe;
	static const struct {
		const wg_caller *caller;
		const char *region, *period;
		int subject;
		int rc;
		const char *field;
	} cases[] = {
		{&county, "610326001000", "2026-10", WG_EVALUATION_TOWN, WG_EVALIDATION, "region"},
		{&county, "6103260", "2026-10", WG_EVALUATION_TOWN, WG_EVALIDATION, "region"},
		{&county, "610327000000", "2026-10", WG_EVALUATION_TOWN, WG_ENOTFOUND, NULL},
		{&town1, "610327000000", "2026-10", WG_EVALUATION_TOWN, WG_ENOTFOUND, NULL},
		{&county, "610326000000", "2026-10", WG_EVALUATION_TOWN, 0, NULL},
		{&town1, "610326000000", "2026-10", WG_EVALUATION_TOWN, 0, NULL},
		/* The file of these cases has no years. */
		{&county, NULL, "2026", WG_EVALUATION_TOWN, WG_EVALIDATION, "period"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_field_errors_init(&fe, &a);
		wg_evaluation_query q = query(cases[i].caller, cases[i].period,
		                              (enum wg_evaluation_subject)cases[i].subject, &a);
		q.region = cases[i].region;
		int rc = wg_evaluation_get(db, &q, &e, &fe);
		if (rc != cases[i].rc ||
		    (cases[i].field ? fe.n != 1 || strcmp(fe.e[0].field, cases[i].field) != 0 : fe.n != 0))
			fail_msg("case %zu: rc %d, %u errors %s", i, rc, fe.n, fe.n ? fe.e[0].field : "");
	}
	/* Above a county the county must be named. */
	const wg_caller city = {
		.user_id = 4, .username = "city", .roles = WG_ROLE_LEADER, .scope = "610300000000"};
	wg_field_errors_init(&fe, &a);
	wg_evaluation_query q = query(&city, "2026-10", WG_EVALUATION_TOWN, &a);
	assert_int_equal(wg_evaluation_get(db, &q, &e, &fe), WG_EVALIDATION);
	assert_string_equal(fe.e[0].field, "region");
	q.region = COUNTY;
	assert_int_equal(wg_evaluation_get(db, &q, &e, &fe), 0);
	assert_int_equal(e.n, 10);
	/* A subject kind the file leaves out. */
	wg_evaluation_config *only_towns = parse_ok(json_of(VALID));
	q = query(&county, "2026-10", WG_EVALUATION_DEPARTMENT, &a);
	q.config = only_towns;
	wg_field_errors_init(&fe, &a);
	assert_int_equal(wg_evaluation_get(db, &q, &e, &fe), WG_EVALIDATION);
	assert_string_equal(fe.e[0].field, "subject");
	assert_string_equal(fe.e[0].message, "department evaluations are not configured in t.json");
	wg_evaluation_free(only_towns);
	wg_arena_clear(&a);
}

static int publish(wg_db *db, const wg_caller *c, const char *period, enum wg_evaluation_subject s,
                   int64_t now, wg_arena *a, wg_evaluation *e)
{
	wg_evaluation_query q = query(c, period, s, a);
	wg_field_errors fe;
	wg_field_errors_init(&fe, a);
	wg_test_begin(db);
	return wg_test_end(db, wg_evaluation_publish(db, &q, now, "sha256", e, &fe));
}

static void test_publish(void **state)
{
	wg_db *db = wg_test_open(state);
	october(db);
	wg_arena a;
	wg_arena_init(&a, 65536);
	wg_evaluation e;

	/* Only the county's centre or leaders, only after the period. */
	assert_int_equal(publish(db, &town1, "2026-10", WG_EVALUATION_TOWN, NOV3, &a, &e), WG_EFORBIDDEN);
	assert_int_equal(publish(db, &worker7, "2026-10", WG_EVALUATION_TOWN, NOV3, &a, &e), WG_EFORBIDDEN);
	assert_int_equal(publish(db, &police, "2026-10", WG_EVALUATION_DEPARTMENT, NOV3, &a, &e),
	                 WG_EFORBIDDEN);
	assert_int_equal(publish(db, &county, "2026-11", WG_EVALUATION_TOWN, NOV30_LAST, &a, &e),
	                 WG_ECONFLICT);
	assert_string_equal(
		e.conflict,
		"2026-11 has not ended: it ends on 2026-11-30 and may be published from the day after");
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM evaluation_snapshots", NULL, 0), 0);

	assert_int_equal(publish(db, &county, "2026-10", WG_EVALUATION_TOWN, NOV3, &a, &e), 0);
	assert_true(e.published);
	assert_int_equal(e.published_at, NOV3);
	assert_string_equal(e.published_by, "county");
	assert_int_equal(e.n, 10);
	expect(&e, TOWN1, 1, 7917);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM evaluation_rows", NULL, 0), 10);
	assert_int_equal(wg_test_query_int(db,
	                                   "SELECT count(*) FROM audit_log WHERE action = ? AND object_id = "
	                                   "'610326000000/town/2026-10'",
	                                   "evaluation.publish", 0),
	                 1);
	/* Once only. */
	assert_int_equal(publish(db, &county, "2026-10", WG_EVALUATION_TOWN, NOV3, &a, &e), WG_ECONFLICT);
	assert_string_equal(e.conflict, "the town evaluation of 2026-10 is already published");
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM evaluation_snapshots", NULL, 0), 1);

	/* Late data: two more closures in town 2 in October, neither
	 * reworked (rework 1/4: 50 + 37.50 = 87.50, first live). */
	add(db, "2026-10-30", TOWN2, "", 0, (int64_t[]){0, 0, 2, 0, 0, 0, 0, 0, 0});
	assert_int_equal(get(db, &county, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_true(e.published);
	expect(&e, TOWN1, 1, 7917);
	expect(&e, TOWN2, 2, 7500);
	assert_string_equal(e.items[0].key, TOWN1);
	assert_non_null(
		strstr(find(&e, TOWN2)->rates_json, "\"rework\":{\"numerator\":1,\"denominator\":2,"));
	/* Unpublished kinds and periods are live: the departments of
	 * October, and the towns of the quarter. */
	assert_int_equal(get(db, &county, "2026-10", WG_EVALUATION_DEPARTMENT, &a, &e), 0);
	assert_false(e.published);
	/* The snapshot is seen through the same scope as the live figures. */
	assert_int_equal(get(db, &town1, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_true(e.published);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ranked, 3);
	expect(&e, TOWN1, 1, 7917);
	assert_int_equal(get(db, &police, "2026-10", WG_EVALUATION_TOWN, &a, &e), 0);
	assert_int_equal(e.n, 0);

	/* Published later, a period shows the late figures. */
	assert_int_equal(publish(db, &county, "2026-11", WG_EVALUATION_TOWN, DEC1, &a, &e), 0);
	assert_int_equal(publish(db, &county, "2026-10", WG_EVALUATION_DEPARTMENT, DEC1, &a, &e), 0);

	/* The list: newest first, filtered, paged. */
	struct seen seen;
	wg_evaluation_list l = {.caller = &town1, .subject = -1, .kind = -1, .limit = 10};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &a);
	memset(&seen, 0, sizeof seen);
	assert_int_equal(wg_evaluation_snapshots(db, &l, collect, &seen, &fe), 0);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.period[0], "2026-10");
	assert_string_equal(seen.subject[0], "department");
	assert_string_equal(seen.period[1], "2026-11");
	assert_string_equal(seen.period[2], "2026-10");
	l.subject = WG_EVALUATION_TOWN;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(wg_evaluation_snapshots(db, &l, collect, &seen, &fe), 0);
	assert_int_equal(seen.n, 2);
	l.kind = WG_EVALUATION_QUARTER;
	memset(&seen, 0, sizeof seen);
	assert_int_equal(wg_evaluation_snapshots(db, &l, collect, &seen, &fe), 0);
	assert_int_equal(seen.n, 0);
	l = (wg_evaluation_list){.caller = &county, .subject = -1, .kind = -1, .limit = 1, .before_id = 3};
	memset(&seen, 0, sizeof seen);
	assert_int_equal(wg_evaluation_snapshots(db, &l, collect, &seen, &fe), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.period[0], "2026-11");
	l = (wg_evaluation_list){
		.caller = &county, .region = "610327000000", .subject = -1, .kind = -1, .limit = 1};
	assert_int_equal(wg_evaluation_snapshots(db, &l, collect, &seen, &fe), WG_ENOTFOUND);
	wg_arena_clear(&a);
}

/* 2026-11-05T00:00+08:00, 2026-12-05T00:00+08:00 and
 * 2027-02-05T00:00+08:00: October's, November's and January's publishing
 * by the system under AUTO_FILE. */
#define NOV5 (NOV3 + INT64_C(38) * 3600000)
#define DEC5 (DEC1 + INT64_C(4) * 86400000)
#define FEB5 (DEC5 + INT64_C(62) * 86400000)

static void test_publish_auto(void **state)
{
	wg_db *db = wg_test_open(state);
	october(db);
	wg_evaluation_config *c = parse_ok(json_of(AUTO_FILE));
	assert_int_equal(c->periods[WG_EVALUATION_MONTH].publish_after_days, 5);
	assert_int_equal(c->periods[WG_EVALUATION_QUARTER].publish_after_days, 0);
	int64_t counties =
		wg_test_query_int(db, "SELECT count(*) FROM regions WHERE level = 'county'", NULL, 0);
	assert_true(counties >= 1);
	wg_arena a;
	wg_arena_init(&a, 65536);
	wg_evaluation e;

	/* Not before November 5; the town evaluation published by hand. */
	bool due = true;
	int64_t next = 0;
	assert_int_equal(wg_evaluation_publish_due(db, c, 480, NOV5 - 1, &due, &next), 0);
	assert_false(due);
	assert_int_equal(next, NOV5);
	assert_int_equal(publish(db, &county, "2026-10", WG_EVALUATION_TOWN, NOV3, &a, &e), 0);

	/* On it, the rest of October, by the system: every county's
	 * departments and grid workers; the quarter is published by hand.
	 * September too, never published and with statistics (its last day
	 * has a row); August has none, so it is not published. */
	assert_int_equal(wg_evaluation_publish_due(db, c, 480, NOV5, &due, &next), 0);
	assert_true(due);
	assert_int_equal(next, NOV5);
	int64_t published = 0;
	wg_test_begin(db);
	assert_int_equal(
		wg_test_end(db, wg_evaluation_publish_auto(db, c, 480, NOV5 + 60000, "sha256", &published)),
		0);
	assert_int_equal(published, (3 * counties - 1) + 3 * counties);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM evaluation_snapshots WHERE period = ?",
	                                   "2026-09", 0),
	                 3 * counties);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM evaluation_snapshots WHERE period = ?",
	                                   "2026-08", 0),
	                 0);
	published -= 3 * counties;
	assert_int_equal(
		wg_test_query_int(db,
	                          "SELECT count(*) FROM evaluation_snapshots WHERE period = '2026-10' "
	                          "AND published_by IS NULL AND published_by_name = ?",
	                          "system", 0),
		published);
	assert_int_equal(
		wg_test_query_int(db,
	                          "SELECT count(*) FROM evaluation_snapshots WHERE period = '2026-10' "
	                          "AND subject = 'town' AND published_by_name = ?",
	                          "county", 0),
		1);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action = ?",
	                                   "evaluation.publish", 0),
	                 6 * counties);
	assert_int_equal(get(db, &county, "2026-10", WG_EVALUATION_DEPARTMENT, &a, &e), 0);
	assert_true(e.published);
	assert_string_equal(e.published_by, "system");

	/* Then nothing until November's turn; again, it publishes nothing. */
	assert_int_equal(wg_evaluation_publish_due(db, c, 480, NOV5 + 120000, &due, &next), 0);
	assert_false(due);
	assert_int_equal(next, DEC5);
	wg_test_begin(db);
	assert_int_equal(
		wg_test_end(db, wg_evaluation_publish_auto(db, c, 480, NOV5 + 120000, "sha256", &published)),
		0);
	assert_int_equal(published, 0);

	/* The server down from before December 5 to February 5: January's
	 * turn publishes December and November as well, each once. */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_evaluation_publish_auto(db, c, 480, FEB5, "sha256", &published)),
	                 0);
	assert_int_equal(published, counties * 9); /* three months, three subjects */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(
			wg_test_query_int(db,
		                          "SELECT count(*) FROM evaluation_snapshots WHERE period = ? AND "
		                          "published_by_name = 'system'",
		                          (const char *[]){"2026-11", "2026-12", "2027-01"}[i], 0),
			3 * counties);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_evaluation_publish_auto(db, c, 480, FEB5, "sha256", &published)),
	                 0);
	assert_int_equal(published, 0);
	/* Without publish_after_days, never by itself. */
	assert_int_equal(wg_evaluation_publish_due(db, store_file, 480, DEC5, &due, &next), 0);
	assert_false(due);
	assert_int_equal(next, 0);
	wg_evaluation_free(c);
	wg_arena_clear(&a);
}

#define STORE_TESTS(fx)                                                                                 \
	cmocka_unit_test_prestate_setup_teardown(test_live, setup, wg_test_teardown, &(fx)),            \
		cmocka_unit_test_prestate_setup_teardown(test_refused, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_publish, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_publish_auto, setup, wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	store_file = parse_ok(json_of(STORE_FILE));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_failing_allocator),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_ranks),
		cmocka_unit_test(test_rates_json),
		cmocka_unit_test(test_doc_example),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	int failed = cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
	wg_evaluation_free(store_file);
	return failed;
}
