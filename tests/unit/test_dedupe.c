/* test_dedupe.c - text similarity of Chinese and Latin text (also under a
 * failing allocator), the full-text index of a case, the candidates of a
 * report by category, window, state, place and text with their scores, and
 * the stored candidates as each scope sees them; on SQLite, and on
 * PostgreSQL when WG_TEST_PG_URL is set, with the same expected scores for
 * both. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "domain/dedupe.h"
#include "domain/scope.h"

#include "fixture.h"

/* ---- similarity ------------------------------------------------------------- */

static void test_similarity(void **state)
{
	(void)state;
	static const struct {
		const char *ta, *da, *tb, *db;
		double want;
	} t[] = {
		/* Three of eight and eleven bigrams shared: 2 * 3 / 19. */
		{"小区楼道堆放杂物影响通行", "", "楼道内堆放大量杂物", "", 6.0 / 19},
		{"楼道内堆放大量杂物", "", "小区楼道堆放杂物影响通行", "", 6.0 / 19},
		{"小区楼道堆放杂物影响通行", "", "路灯损坏", "", 0},
		{"楼道内堆放大量杂物", "", "路灯损坏", "", 0},
		{"路灯不亮", NULL, "路灯损坏", NULL, 2.0 / 6},
		{"路灯损坏", "", "路灯损坏", "", 1},
		/* Case and full-width forms fold; punctuation separates. */
		{"LED路灯不亮", "", "ｌｅｄ路灯不亮", "", 1},
		{"３号楼", "", "3号楼", "", 1},
		{"Street light broken", "", "street LIGHT, broken!", "", 1},
		{"楼道，堆放", "", "楼道堆放", "", 4.0 / 5},
		{"楼道 堆放", "", "楼道、堆放。", "", 1},
		/* A bad byte separates like punctuation. */
		{"路灯\xff损坏", "", "路灯 损坏", "", 1},
		/* A run of one character is itself. */
		{"坑", "", "坑", "", 1},
		{"坑", "", "路面有坑", "", 0},
		/* Titles alone, or with descriptions: the higher. */
		{"路灯损坏", "", "报修", "路灯损坏", 6.0 / 7},
		{"杂物", "楼道堆放杂物", "楼道内堆放大量杂物", "", 6.0 / 13},
		{"路灯损坏", "请尽快维修", "路灯损坏", "已经三天了", 1},
		/* Nothing to compare. */
		{"", "", "", "", 0},
		{NULL, NULL, "路灯", "", 0},
		{"，。！", "", "，。！", "", 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		double got = -1;
		int rc = wg_dedupe_similarity(t[i].ta, t[i].da, t[i].tb, t[i].db, &got);
		if (rc != 0 || got < t[i].want - 1e-12 || got > t[i].want + 1e-12)
			fail_msg("case %zu: rc %d, %.6f, want %.6f", i, rc, got, t[i].want);
	}
}

static void test_similarity_out_of_memory(void **state)
{
	(void)state;
	int failures = 0, rc = WG_ENOMEM;
	for (unsigned long n = 1; rc == WG_ENOMEM; n++) {
		double got = -1;
		wg_alloc_fail_at(n);
		rc = wg_dedupe_similarity("小区楼道堆放杂物", "影响通行", "楼道内堆放大量杂物", "请处理",
		                          &got);
		wg_alloc_fail_at(0);
		if (rc == WG_ENOMEM) {
			failures++;
			assert_true(got == 0);
		}
		assert_true(n < 20);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(failures, 4);
}

/* ---- stored ------------------------------------------------------------------ */

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326101201,610326101000,横渠村\n"
			   "610326102000,610326000000,齐镇\n"
			   "610326102201,610326102000,齐镇村\n";

#define G1 "610326101201001"
#define G2 "610326101201002"
#define G3 "610326102201001"
#define VILLAGE "610326101201"
#define DAY 86400000LL
#define NOW 1700000000000LL
#define LAT 34.2
#define LNG 107.8
/* Metres per degree of latitude on the sphere dedupe.c measures on. */
#define M_PER_DEG_LAT 111195.08
#define RAD (3.14159265358979323846 / 180.0)

/* The report looked for below, and what the rows are compared with. */
#define Q_TITLE "楼道内堆放大量杂物"

typedef struct case_row {
	int64_t id;
	const char *category, *title, *description, *state;
	bool point;
	double north_m; /* metres north of LAT, LNG */
	const char *grid, *region;
	int64_t reported_at, master;
	double east_m; /* metres east; last, so that most rows leave it 0 */
} case_row;

/* What each row tests; the comment says why it is (not) a candidate of
 * the report at the point in G1. */
static const case_row rows[] = {
	/* 59: text 6/19, place 1. */
	{1, "0101", "小区楼道堆放杂物影响通行", "", "reported", true, 0, G1, VILLAGE, NOW - DAY, 0},
	/* Another category. */
	{2, "0102", Q_TITLE, "", "reported", true, 0, G1, VILLAGE, NOW - DAY, 0},
	/* 80: text 1, 150 m of 300. */
	{3, "0101", Q_TITLE, "", "accepted", true, 150, G1, VILLAGE, NOW - 2 * DAY, 0},
	/* 400 m: beyond the radius, yet in G1. */
	{4, "0101", Q_TITLE, "", "reported", true, 400, G1, VILLAGE, NOW - DAY, 0},
	/* Reported before the window. */
	{5, "0101", Q_TITLE, "", "reported", true, 0, G1, VILLAGE, NOW - 8 * DAY, 0},
	/* Nothing alike in the text. */
	{6, "0101", "路灯损坏", "灯杆倾斜", "reported", true, 0, G1, VILLAGE, NOW - DAY, 0},
	/* Merged into 1. */
	{7, "0101", Q_TITLE, "", "reported", true, 0, G1, VILLAGE, NOW - DAY, 1},
	/* Rejected; merged (state only). */
	{8, "0101", Q_TITLE, "", "rejected", true, 0, G1, VILLAGE, NOW - DAY, 0},
	{9, "0101", Q_TITLE, "", "merged", true, 0, G1, VILLAGE, NOW - DAY, 0},
	/* 68: closed still counts; text from the description, 6/13. */
	{10, "0101", "杂物", "楼道堆放杂物", "closed", true, 0, G1, VILLAGE, NOW - 3 * DAY, 0},
	/* 71: no point, same grid: text 16/19, place 0.5. */
	{11, "0101", "楼道内堆放大量杂物请处理", "", "reported", false, 0, G1, VILLAGE, NOW - DAY, 0},
	/* No point, another grid of the same village. */
	{12, "0101", Q_TITLE, "", "reported", false, 0, G2, VILLAGE, NOW - DAY, 0},
	/* Reported after the report. */
	{13, "0101", Q_TITLE, "", "reported", true, 0, G1, VILLAGE, NOW + 60000, 0},
	/* Another town, at the same point (a point decides, not the grid). */
	{14, "0101", Q_TITLE, "", "reported", false, 0, G3, "610326102201", NOW - DAY, 0},
	/* In the box around the circle, at 354 m: beyond the radius. */
	{15, "0101", Q_TITLE, "", "reported", true, 250, G1, VILLAGE, NOW - DAY, 0, 250},
	/* The report itself. */
	{100, "0101", Q_TITLE, "", "reported", true, 0, G1, VILLAGE, NOW, 0},
};

static int add_case(wg_db *db, const case_row *r)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"INSERT INTO cases (id, number, kind, category, title, description, state, "
		"level, centre, source, lat, lng, grid, region, scope_key, master, "
		"reported_at, updated_at) VALUES (?, ?, 'event', ?, ?, ?, ?, 'village', ?, "
		"'grid', ?, ?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc)
		return rc;
	char number[32];
	snprintf(number, sizeof number, "SJ20231114-%06lld", (long long)r->id);
	rc = wg_stmt_bindf(st, "ittttt", r->id, number, r->category, r->title, r->description, r->state);
	if (!rc)
		rc = wg_stmt_bind_text(st, 7, r->region, strlen(r->region));
	if (!rc && r->point) {
		rc = wg_stmt_bind_double(st, 8, LAT + r->north_m / M_PER_DEG_LAT);
		if (!rc)
			rc = wg_stmt_bind_double(st, 9, LNG + r->east_m / (M_PER_DEG_LAT * cos(LAT * RAD)));
	} else if (!rc) {
		rc = wg_stmt_bind_null(st, 8);
		if (!rc)
			rc = wg_stmt_bind_null(st, 9);
	}
	if (!rc)
		rc = wg_stmt_bind_text(st, 10, r->grid, strlen(r->grid));
	if (!rc)
		rc = wg_stmt_bind_text(st, 11, r->region, strlen(r->region));
	if (!rc)
		rc = wg_stmt_bind_text(st, 12, r->grid, strlen(r->grid));
	if (!rc)
		rc = r->master ? wg_stmt_bind_int(st, 13, r->master) : wg_stmt_bind_null(st, 13);
	if (!rc)
		rc = wg_stmt_bind_int(st, 14, r->reported_at);
	if (!rc)
		rc = wg_stmt_bind_int(st, 15, r->reported_at);
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(*state, tree, 7) != 0)
		return -1;
	wg_test_db *t = *state;
	if (t->skip)
		return 0;
	wg_db *db = t->db;
	wg_test_begin(db);
	int rc = 0;
	static const char *const categories[] = {"01", "0101", "0102"};
	for (size_t i = 0; !rc && i < 3; i++)
		rc = wg_db_execf(db,
		                 "INSERT INTO categories (code, parent, kind, name, name_en, position) "
		                 "VALUES (?, ?, 'event', ?, ?, ?)",
		                 NULL, "tttti", categories[i], i ? "01" : NULL, categories[i], categories[i],
		                 (int64_t)i);
	static const char *const grids[][2] = {{G1, VILLAGE}, {G2, VILLAGE}, {G3, "610326102201"}};
	for (size_t i = 0; !rc && i < 3; i++)
		rc = wg_db_execf(
			db,
			"INSERT INTO grids (code, region, name, type, scope_key, created_at, updated_at) "
			"VALUES (?, ?, ?, 'urban', ?, 1, 1)",
			NULL, "tttt", grids[i][0], grids[i][1], grids[i][0], grids[i][0]);
	if (!rc)
		rc = wg_db_execf(db,
		                 "INSERT INTO departments (code, key, region, level, name, name_en, active, "
		                 "created_at, updated_at) VALUES ('610326-police', 'police', '610326000000', "
		                 "'county', '眉县公安局', 'police', 1, 1, 1)",
		                 NULL, "");
	for (size_t i = 0; !rc && i < sizeof rows / sizeof rows[0]; i++)
		rc = add_case(db, &rows[i]);
	if (wg_test_end(db, rc)) {
		fprintf(stderr, "fixture rows: %s\n", wg_db_errmsg(db));
		return -1;
	}
	return 0;
}

static wg_dedupe_query report(bool point, const char *grid, const char *region)
{
	return (wg_dedupe_query){
		.case_id = 100,
		.category = "0101",
		.title = Q_TITLE,
		.description = "",
		.has_location = point,
		.lat = LAT,
		.lng = LNG,
		.grid = grid,
		.region = region,
		.reported_at = NOW,
		.radius_m = 300,
		.window_ms = 7 * DAY,
	};
}

struct want {
	int64_t candidate;
	int score, distance_m;
};

static void expect_hits(wg_db *db, const char *what, const wg_dedupe_query *q, size_t max,
                        const struct want *w, size_t nw)
{
	wg_dedupe_hit hits[16];
	size_t n = 99;
	assert_true(max <= 16);
	int rc = wg_dedupe_find(db, q, hits, max, &n);
	if (rc)
		fail_msg("%s: rc %d (%s)", what, rc, wg_db_errmsg(db));
	bool same = n == nw;
	for (size_t i = 0; same && i < n; i++)
		same = hits[i].candidate == w[i].candidate && hits[i].score == w[i].score &&
		       hits[i].distance_m == w[i].distance_m;
	if (!same) {
		char got[512] = "";
		for (size_t i = 0; i < n; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), " %lld/%d/%d",
			         (long long)hits[i].candidate, hits[i].score, hits[i].distance_m);
		fail_msg("%s: got%s (%zu hits, want %zu)", what, got, n, nw);
	}
}

static void test_find(void **state)
{
	wg_db *db = wg_test_open(state);
	/* With a point: within 300 m, or without a point in G1. */
	wg_dedupe_query q = report(true, G1, VILLAGE);
	static const struct want point[] = {{3, 80, 150}, {11, 71, -1}, {10, 68, 0}, {1, 59, 0}};
	expect_hits(db, "point", &q, 16, point, 4);
	/* At most max, best first. */
	expect_hits(db, "max 2", &q, 2, point, 2);
	expect_hits(db, "max 0", &q, 0, point, 0);
	/* A wider radius takes in 15 and 4, at 400 m of 1000: 100 * (0.6 + 0.4 * 0.6);
	 * 1 at the very spot keeps its 59. */
	q.radius_m = 1000;
	static const struct want wide[] = {{3, 94, 150}, {15, 86, 354}, {4, 84, 400},
	                                   {11, 71, -1}, {10, 68, 0},   {1, 59, 0}};
	expect_hits(db, "1000 m", &q, 16, wide, 6);
	/* A shorter window leaves out what is older than two days. */
	q.radius_m = 300;
	q.window_ms = 2 * DAY - 1;
	static const struct want recent[] = {{11, 71, -1}, {1, 59, 0}};
	expect_hits(db, "2 days", &q, 16, recent, 2);
	/* Another category: only 2, which is alike in every way. */
	q = report(true, G1, VILLAGE);
	q.category = "0102";
	static const struct want other[] = {{2, 100, 0}};
	expect_hits(db, "0102", &q, 16, other, 1);
	/* Unlike text finds nothing even at the same spot. */
	q = report(true, G1, VILLAGE);
	q.title = "垃圾清运不及时";
	expect_hits(db, "unlike", &q, 16, NULL, 0);
	q.title = "路灯损坏";
	q.description = "灯杆倾斜";
	static const struct want lamp[] = {{6, 100, 0}};
	expect_hits(db, "lamp", &q, 16, lamp, 1);

	/* Without a point: the grid decides and every place part is 0.5, so 1
	 * (39) drops out and 4 and 15 come in; ties go by id. */
	q = report(false, G1, VILLAGE);
	static const struct want grid[] = {
		{3, 80, -1}, {4, 80, -1}, {15, 80, -1}, {11, 71, -1}, {10, 48, -1}};
	expect_hits(db, "grid", &q, 16, grid, 5);
	/* Without a grid either: the region, which holds G2's 12 too. */
	q = report(false, NULL, VILLAGE);
	static const struct want region[] = {{3, 80, -1},  {4, 80, -1},  {12, 80, -1},
	                                     {15, 80, -1}, {11, 71, -1}, {10, 48, -1}};
	expect_hits(db, "region", &q, 16, region, 6);
	/* A point without a grid: cases without a point by region. */
	q = report(true, NULL, VILLAGE);
	static const struct want point_region[] = {
		{3, 80, 150}, {12, 80, -1}, {11, 71, -1}, {10, 68, 0}, {1, 59, 0}};
	expect_hits(db, "point, region", &q, 16, point_region, 5);
	/* Another town's grid. */
	q = report(false, G3, "610326102201");
	static const struct want g3[] = {{14, 80, -1}};
	expect_hits(db, "G3", &q, 16, g3, 1);

	/* Arguments the caller must get right. */
	wg_dedupe_hit hits[4];
	size_t n = 9;
	q = report(true, G1, VILLAGE);
	q.radius_m = 0;
	assert_int_equal(wg_dedupe_find(db, &q, hits, 4, &n), WG_EINTERNAL);
	assert_int_equal(n, 0);
	q = report(true, G1, VILLAGE);
	q.window_ms = 0;
	assert_int_equal(wg_dedupe_find(db, &q, hits, 4, &n), WG_EINTERNAL);
	q = report(true, G1, NULL);
	assert_int_equal(wg_dedupe_find(db, &q, hits, 4, &n), WG_EINTERNAL);
}

static void test_find_out_of_memory(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_dedupe_query q = report(true, G1, VILLAGE);
	wg_dedupe_hit hits[8];
	size_t n;
	/* Once so that the statement is prepared and kept. */
	assert_int_equal(wg_dedupe_find(db, &q, hits, 8, &n), 0);
	assert_int_equal(n, 4);
	int failures = 0, rc = WG_ENOMEM;
	for (unsigned long k = 1; rc != 0; k++) {
		n = 99;
		wg_alloc_fail_at(k);
		rc = wg_dedupe_find(db, &q, hits, 8, &n);
		wg_alloc_fail_at(0);
		if (rc) {
			if (rc != WG_ENOMEM && rc != WG_ESTORE)
				fail_msg("allocation %lu: rc %d", k, rc);
			assert_int_equal(n, 0);
			failures++;
		}
		assert_true(k < 200);
	}
	assert_int_equal(n, 4);
	assert_true(failures >= 4);
}

static void test_index(void **state)
{
	wg_test_db *t = wg_test_of(state);
	wg_db *db = wg_test_open(state);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_dedupe_index(db, 1, "小区楼道堆放杂物影响通行", "请尽快处理")),
	                 0);
	if (t->kind == WG_DB_SQLITE) {
		static const char match[] = "SELECT count(*) FROM case_text WHERE case_text MATCH ?";
		assert_int_equal(wg_test_query_int(db, match, "\"楼道堆\"", 0), 1);
		assert_int_equal(wg_test_query_int(db, match, "description:\"尽快处\"", 0), 1);
		assert_int_equal(wg_test_query_int(db, "SELECT rowid FROM case_text WHERE case_text MATCH ?",
		                                   "\"影响通\"", 0),
		                 1);
		/* Indexing again replaces the text. */
		wg_test_begin(db);
		assert_int_equal(wg_test_end(db, wg_dedupe_index(db, 1, "路灯损坏", NULL)), 0);
		assert_int_equal(wg_test_query_int(db, match, "\"楼道堆\"", 0), 0);
		assert_int_equal(wg_test_query_int(db, match, "\"路灯损\"", 0), 1);
		assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM case_text", NULL, 0), 1);
	} else {
		/* Nothing was written: PostgreSQL has no case_text table, its
		 * index follows cases. */
		assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM pg_tables WHERE tablename = ?",
		                                   "case_text", 0),
		                 0);
	}
	/* Names that could not be spliced into SQL are refused on both. */
	static const char *const good[] = {"title", "description"}, *const bad[] = {"title", "x; DROP"};
	const char *values[] = {"a", "b"};
	assert_int_equal(wg_db_text_index(db, "case text", 1, good, values, 2), WG_EINTERNAL);
	assert_int_equal(wg_db_text_index(db, "case_text", 1, bad, values, 2), WG_EINTERNAL);
	assert_int_equal(wg_db_text_index(db, "case_text", 1, good, values, 0), WG_EINTERNAL);
	assert_int_equal(wg_db_text_index(db, "case_text", 1, good, values, WG_DB_TEXT_COLUMNS_MAX + 1),
	                 WG_EINTERNAL);
}

struct listed {
	int n;
	int64_t ids[8];
	int scores[8];
	char numbers[8][32], titles[8][64], states[8][16];
	int64_t master[8];
	int stop_at; /* return 7 at this call (1-based); 0 never */
};

static int collect(void *ctx, const wg_dedupe_candidate *c)
{
	struct listed *l = ctx;
	if (l->n == 8)
		return WG_EINTERNAL;
	l->ids[l->n] = c->id;
	l->scores[l->n] = c->score;
	snprintf(l->numbers[l->n], sizeof l->numbers[0], "%s", c->number);
	snprintf(l->titles[l->n], sizeof l->titles[0], "%s", c->title);
	snprintf(l->states[l->n], sizeof l->states[0], "%s", c->state);
	assert_string_equal(c->kind, "event");
	assert_true(c->reported_at > NOW - 8 * DAY && c->reported_at < NOW);
	l->master[l->n] = c->master;
	l->n++;
	return l->n == l->stop_at ? 7 : 0;
}

static wg_scope scope_of(const char *code, const char *department)
{
	wg_scope s;
	wg_caller c = {.user_id = code ? 5 : 0, .scope = code, .department = department};
	wg_scope_of(&c, &s);
	return s;
}

static void expect_listed(wg_db *db, const char *what, const wg_scope *s, const int64_t *ids, int n)
{
	struct listed l = {0};
	int rc = wg_dedupe_list(db, 100, s, collect, &l);
	if (rc)
		fail_msg("%s: rc %d", what, rc);
	bool same = l.n == n;
	for (int i = 0; same && i < n; i++)
		same = l.ids[i] == ids[i];
	if (!same)
		fail_msg("%s: %d listed, first %lld; want %d, first %lld", what, l.n,
		         l.n ? (long long)l.ids[0] : 0LL, n, n ? (long long)ids[0] : 0LL);
}

static void test_store_and_list(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_dedupe_query q = report(true, G1, VILLAGE);
	wg_dedupe_hit hits[8];
	size_t n;
	assert_int_equal(wg_dedupe_find(db, &q, hits, 8, &n), 0);
	assert_int_equal(n, 4);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_dedupe_store(db, 100, hits, n)), 0);
	/* 14, in another town, is a candidate here only to test visibility. */
	wg_dedupe_hit far = {14, 45, -1};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_dedupe_store(db, 100, &far, 1)), 0);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM case_similar WHERE case_id = ?", NULL, 100), 5);

	wg_scope all = scope_of(NULL, NULL);
	struct listed l = {0};
	assert_int_equal(wg_dedupe_list(db, 100, &all, collect, &l), 0);
	assert_int_equal(l.n, 5);
	static const int64_t order[] = {3, 11, 10, 1, 14};
	static const int scores[] = {80, 71, 68, 59, 45};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(l.ids[i], order[i]);
		assert_int_equal(l.scores[i], scores[i]);
	}
	assert_string_equal(l.numbers[0], "SJ20231114-000003");
	assert_string_equal(l.titles[0], Q_TITLE);
	assert_string_equal(l.states[0], "accepted");
	assert_string_equal(l.states[2], "closed");
	assert_int_equal(l.master[0], 0);

	/* The town sees its own four; a grid its own; another town only 14. */
	wg_scope town = scope_of("610326101000", NULL);
	static const int64_t own[] = {3, 11, 10, 1};
	expect_listed(db, "town", &town, own, 4);
	wg_scope grid = scope_of(G1, NULL);
	expect_listed(db, "grid", &grid, own, 4);
	wg_scope g2 = scope_of(G2, NULL);
	expect_listed(db, "G2", &g2, NULL, 0);
	wg_scope other = scope_of("610326102000", NULL);
	static const int64_t fourteen[] = {14};
	expect_listed(db, "other town", &other, fourteen, 1);
	/* A department sees what it is on, whatever its area. */
	wg_scope dept = scope_of("610326102000", "610326-police");
	expect_listed(db, "department, nothing assigned", &dept, fourteen, 1);
	assert_int_equal(wg_db_execf(db,
	                             "INSERT INTO case_departments (case_id, department, role, created_at) "
	                             "VALUES (?, '610326-police', 'co', 1)",
	                             NULL, "i", (int64_t)10),
	                 0);
	static const int64_t with_ten[] = {10, 14};
	expect_listed(db, "department", &dept, with_ten, 2);
	wg_scope nobody = scope_of("x", NULL);
	expect_listed(db, "no scope", &nobody, NULL, 0);
	/* Another case has no candidates. */
	struct listed none = {0};
	assert_int_equal(wg_dedupe_list(db, 3, &all, collect, &none), 0);
	assert_int_equal(none.n, 0);
	/* The callback's value stops the walk. */
	struct listed stop = {.stop_at = 2};
	assert_int_equal(wg_dedupe_list(db, 100, &all, collect, &stop), 7);
	assert_int_equal(stop.n, 2);

	/* Storing again replaces a score; an unknown case is a conflict. */
	wg_dedupe_hit again = {1, 90, 0};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_dedupe_store(db, 100, &again, 1)), 0);
	struct listed re = {0};
	assert_int_equal(wg_dedupe_list(db, 100, &all, collect, &re), 0);
	assert_int_equal(re.n, 5);
	assert_int_equal(re.ids[0], 1);
	assert_int_equal(re.scores[0], 90);
	wg_dedupe_hit missing = {9999, 50, -1};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_dedupe_store(db, 100, &missing, 1)), WG_ECONFLICT);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM case_similar WHERE case_id = ?", NULL, 100), 5);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_dedupe_store(db, 100, hits, 0)), 0);
}

#define STORE_TESTS(fx)                                                                                    \
	cmocka_unit_test_prestate_setup_teardown(test_find, setup, wg_test_teardown, &(fx)),               \
		cmocka_unit_test_prestate_setup_teardown(test_find_out_of_memory, setup, wg_test_teardown, \
	                                                 &(fx)),                                           \
		cmocka_unit_test_prestate_setup_teardown(test_index, setup, wg_test_teardown, &(fx)),      \
		cmocka_unit_test_prestate_setup_teardown(test_store_and_list, setup, wg_test_teardown,     \
	                                                 &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_similarity),
		cmocka_unit_test(test_similarity_out_of_memory),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
