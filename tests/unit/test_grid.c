/* test_grid.c - grid codes and types; creating, redrawing and importing
 * grids with every rule of their boundaries (overlap, micro-grids inside
 * their parent, a parent still holding its micro-grids); the index built
 * in the write and published by sequence; where a record lies
 * (wg_grid_place); reading in scope; staff; on SQLite, and on PostgreSQL
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
#include "core/arena.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "core/secret.h"
#include "domain/grid.h"
#include "domain/locate.h"
#include "domain/scope.h"
#include "io/geojson.h"

#include "fixture.h"

#define V1 "610326101201" /* 横渠村, of 横渠镇 */
#define V2 "610326101202" /* 二村, of 横渠镇 */
#define V3 "610326001201" /* 东街社区, of 首善街道 */

static void test_code_form(void **state)
{
	(void)state;
	static const struct {
		const char *code;
		enum wg_grid_form form;
		const char *village, *parent;
	} t[] = {
		{V1 "001", WG_GRID_FORM_GRID, V1, ""},
		{V1 "999", WG_GRID_FORM_GRID, V1, ""},
		{V1 "001002", WG_GRID_FORM_MICRO, V1, V1 "001"},
		{V1 "000", WG_GRID_FORM_BAD, NULL, NULL},
		{V1 "001000", WG_GRID_FORM_BAD, NULL, NULL},
		{"610326101000001", WG_GRID_FORM_BAD, NULL, NULL}, /* under a town */
		{V1 "01", WG_GRID_FORM_BAD, NULL, NULL},
		{V1 "0011", WG_GRID_FORM_BAD, NULL, NULL},
		{V1 "00a", WG_GRID_FORM_BAD, NULL, NULL},
		{V1, WG_GRID_FORM_BAD, NULL, NULL},
		{"", WG_GRID_FORM_BAD, NULL, NULL},
		{"000000000000001", WG_GRID_FORM_BAD, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char village[13] = "", parent[16] = "x";
		enum wg_grid_form f = wg_grid_code_form(t[i].code, village, parent);
		if (f != t[i].form)
			fail_msg("case %zu (%s): form %d", i, t[i].code, f);
		if (t[i].village) {
			assert_string_equal(village, t[i].village);
			assert_string_equal(parent, t[i].parent);
		}
	}
	assert_int_equal(wg_grid_code_form(NULL, NULL, NULL), WG_GRID_FORM_BAD);
	assert_int_equal(wg_grid_code_form(V1 "001", NULL, NULL), WG_GRID_FORM_GRID);
}

static void test_types_and_roles(void **state)
{
	(void)state;
	static const struct {
		const char *in, *key;
	} t[] = {{"urban", "urban"}, {"rural", "rural"}, {"special", "special"},
	         {"城镇", "urban"},  {"农村", "rural"},  {"专属", "special"},
	         {"Urban", NULL},    {"", NULL},         {NULL, NULL}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *k = wg_grid_type_parse(t[i].in);
		if (t[i].key ? !k || strcmp(k, t[i].key) != 0 : k != NULL)
			fail_msg("type '%s'", t[i].in ? t[i].in : "(null)");
	}
	assert_string_equal(wg_grid_type_label("rural"), "农村");
	assert_null(wg_grid_type_label("x"));
	bool on_grid = false;
	assert_string_equal(wg_grid_staff_role("grid_worker", &on_grid), "grid_worker");
	assert_true(on_grid);
	assert_string_equal(wg_grid_staff_role("grid_assistant", &on_grid), "grid_assistant");
	assert_true(on_grid);
	assert_string_equal(wg_grid_staff_role("chief_grid_head", &on_grid), "chief_grid_head");
	assert_false(on_grid);
	assert_string_equal(wg_grid_staff_role("grid_instructor", &on_grid), "grid_instructor");
	assert_false(on_grid);
	assert_null(wg_grid_staff_role("grid_boss", &on_grid));
	assert_null(wg_grid_staff_role(NULL, NULL));
}

/* ---- stored ------------------------------------------------------------------ */

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326001000,610326000000,首善街道\n"
			   "610326101000,610326000000,横渠镇\n" V3 ",610326001000,东街社区\n" V1
			   ",610326101000,横渠村\n" V2 ",610326101000,二村\n";

static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0)
		return -1;
	return wg_test_load_regions(*state, tree, 8);
}

/* Geometries of the tests: rectangles and an L near 110 E, 30 N. */
static wg_geom rect(double x0, double y0, double x1, double y1)
{
	char text[512];
	snprintf(text, sizeof text,
	         "{\"type\":\"Polygon\",\"coordinates\":[[[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%."
	         "7f,%.7f]]]}",
	         x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
	wg_geom g;
	char err[256];
	if (wg_geojson_parse_text(text, strlen(text), &g, err, sizeof err) != 0)
		fail_msg("rect: %s", err);
	return g;
}

static const wg_caller county = {.user_id = 3, .username = "county", .scope = "610326000000"};
static const wg_caller town = {.user_id = 4, .username = "town", .scope = "610326101000"};
static const wg_caller other_town = {.user_id = 5, .username = "town1", .scope = "610326001000"};

struct run {
	wg_arena arena;
	wg_field_errors fe;
	wg_grid_batch b;
};

/* Save n inputs in a transaction of their own (committed on success) as
 * actor; returns the status, with the errors in r->fe and the index built
 * in r->b.built (discarded unless publish). */
static int save(wg_db *db, struct run *r, const wg_caller *actor, enum wg_grid_mode mode, wg_grid_input *in,
                size_t n, bool publish)
{
	wg_arena_init(&r->arena, 1024);
	wg_field_errors_init(&r->fe, &r->arena);
	r->b = (wg_grid_batch){.mode = mode, .items = in, .n = n};
	wg_test_begin(db);
	int rc = wg_test_end(db, wg_grid_save(db, actor, "sha256", &r->b, &r->fe));
	if (publish)
		wg_grid_index_publish(&r->b.built);
	else
		wg_grid_index_discard(&r->b.built);
	return rc;
}

static void done(struct run *r)
{
	wg_arena_clear(&r->arena);
}

/* The first error is on field with code, and its message holds needle. */
static void expect_error(struct run *r, const char *field, const char *code, const char *needle)
{
	for (unsigned i = 0; i < r->fe.n; i++)
		if (strcmp(r->fe.e[i].field, field) == 0 && strcmp(r->fe.e[i].code, code) == 0 &&
		    (!needle || strstr(r->fe.e[i].message, needle)))
			return;
	fail_msg("no %s/%s '%s' among %u errors (first: %s/%s %s)", field, code, needle ? needle : "",
	         r->fe.n, r->fe.n ? r->fe.e[0].field : "-", r->fe.n ? r->fe.e[0].code : "-",
	         r->fe.n ? r->fe.e[0].message : "-");
}

static int create(wg_db *db, const wg_caller *actor, const char *code, wg_geom *g, struct run *r)
{
	wg_grid_input in = {.code = code, .name = "网格", .type = "rural", .set_boundary = g != NULL};
	if (g)
		in.boundary = *g;
	return save(db, r, actor, WG_GRID_CREATE, &in, 1, true);
}

static void test_create(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom a = rect(110, 30, 110.01, 30.01), b = rect(110.01, 30, 110.02, 30.01),
		over = rect(110.005, 30.005, 110.015, 30.02), far = rect(111, 31, 111.01, 31.01);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", &a, &r), 0);
	assert_int_equal(r.b.created, 1);
	done(&r);
	/* Touching along an edge is not an overlap. */
	assert_int_equal(create(db, &town, V1 "002", &b, &r), 0);
	done(&r);
	assert_int_equal(create(db, &town, V2 "001", &over, &r), WG_EVALIDATION);
	expect_error(&r, "boundary", "overlap", "overlaps grids " V1 "001, " V1 "002");
	done(&r);
	assert_int_equal(create(db, &town, V1 "001", &far, &r), WG_ECONFLICT);
	done(&r);
	/* Another town's village reads as absent; so does a village not stored. */
	assert_int_equal(create(db, &other_town, V1 "003", &far, &r), WG_EVALIDATION);
	expect_error(&r, "code", "not_found", "no village " V1 " in your area");
	done(&r);
	assert_int_equal(create(db, &county, "610326101299001", &far, &r), WG_EVALIDATION);
	expect_error(&r, "code", "not_found", NULL);
	done(&r);
	/* An undrawn grid is fine. */
	assert_int_equal(create(db, &town, V2 "002", NULL, &r), 0);
	assert_null(r.b.built.ix);
	done(&r);

	static const struct {
		wg_grid_input in;
		const char *field, *code;
	} t[] = {
		{{.name = "n", .type = "rural"}, "code", "required"},
		{{.code = V1 "0x1", .name = "n", .type = "rural"}, "code", "pattern"},
		{{.code = V1 "009", .type = "rural"}, "name", "required"},
		{{.code = V1 "009", .name = "n"}, "type", "required"},
		{{.code = V1 "009", .name = "n", .type = "city"}, "type", "unknown"},
		{{.code = V1 "009", .name = "a\tb", .type = "rural"}, "name", "pattern"},
		{{.code = V1 "009", .name = "n", .type = "rural", .parent = V1 "001"}, "parent", "mismatch"},
		{{.code = V1 "009002", .name = "n", .type = "rural", .parent = V1 "001"},
	         "parent",
	         "mismatch"},
		{{.code = V1 "009002", .name = "n", .type = "rural"}, "parent", "not_found"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_grid_input in = t[i].in;
		int rc = save(db, &r, &town, WG_GRID_CREATE, &in, 1, false);
		if (rc != WG_EVALIDATION)
			fail_msg("case %zu: rc %d", i, rc);
		expect_error(&r, t[i].field, t[i].code, NULL);
		done(&r);
	}
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids", NULL, 0), 3);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action = ?", "grid.create", 0),
		3);
	/* The published index answers for the grids drawn. */
	const wg_locate *ix = wg_locate_acquire();
	assert_string_equal(wg_locate_find(ix, 110.005, 30.005), V1 "001");
	assert_string_equal(wg_locate_find(ix, 110.015, 30.005), V1 "002");
	assert_null(wg_locate_find(ix, 110.5, 30.5));
	wg_locate_release(ix);
	wg_geom_free(&a);
	wg_geom_free(&b);
	wg_geom_free(&over);
	wg_geom_free(&far);
}

struct seen {
	int n;
	char codes[8][19];
	char boundary[512];
	int64_t version;
};

static int collect(void *ctx, const wg_grid *g)
{
	struct seen *s = ctx;
	if (s->n == 8)
		return WG_EINTERNAL;
	snprintf(s->codes[s->n++], sizeof s->codes[0], "%s", g->code);
	snprintf(s->boundary, sizeof s->boundary, "%s", g->boundary ? g->boundary : "");
	s->version = g->version;
	return 0;
}

static wg_scope scope_of(const wg_caller *c)
{
	wg_scope s;
	wg_scope_of(c, &s);
	return s;
}

static void test_read(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom a = rect(110, 30, 110.01, 30.01), b = rect(110.02, 30, 110.03, 30.01),
		c = rect(110.04, 30, 110.05, 30.01);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", &a, &r), 0);
	done(&r);
	assert_int_equal(create(db, &town, V2 "001", &b, &r), 0);
	done(&r);
	wg_grid_input named = {
		.code = V3 "001", .name = "东街一网格", .type = "城镇", .set_boundary = true, .boundary = c};
	assert_int_equal(save(db, &r, &other_town, WG_GRID_CREATE, &named, 1, true), 0);
	done(&r);
	assert_int_equal(create(db, &town, V1 "002", NULL, &r), 0);
	done(&r);

	wg_scope all = scope_of(&county), t = scope_of(&town), o = scope_of(&other_town);
	struct seen s = {0};
	int64_t total = 0;
	wg_grid_filter f = {.limit = 2};
	assert_int_equal(wg_grid_list(db, &all, &f, collect, &s, &total), 0);
	assert_int_equal(total, 4);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.codes[0], V3 "001");
	assert_string_equal(s.boundary, ""); /* lists leave the boundary out */
	struct seen next = {0};
	f = (wg_grid_filter){.limit = 10, .after = s.codes[1]};
	assert_int_equal(wg_grid_list(db, &all, &f, collect, &next, &total), 0);
	assert_int_equal(next.n, 2);
	assert_string_equal(next.codes[1], V2 "001");
	struct seen mine = {0};
	f = (wg_grid_filter){.limit = 10};
	assert_int_equal(wg_grid_list(db, &t, &f, collect, &mine, &total), 0);
	assert_int_equal(total, 3);
	struct seen v = {0};
	f = (wg_grid_filter){.limit = 10, .region = V1};
	assert_int_equal(wg_grid_list(db, &t, &f, collect, &v, &total), 0);
	assert_int_equal(total, 2);
	/* The county as region narrows nothing for a town; another town's
	 * village and a region that does not exist are absent. */
	f = (wg_grid_filter){.limit = 10, .region = "610326000000"};
	assert_int_equal(wg_grid_list(db, &t, &f, collect, &(struct seen){0}, &total), 0);
	assert_int_equal(total, 3);
	f = (wg_grid_filter){.limit = 10, .region = V3};
	assert_int_equal(wg_grid_list(db, &t, &f, collect, &(struct seen){0}, &total), WG_ENOTFOUND);
	f = (wg_grid_filter){.limit = 10, .region = "610326101299"};
	assert_int_equal(wg_grid_list(db, &t, &f, collect, &(struct seen){0}, &total), WG_ENOTFOUND);
	f = (wg_grid_filter){.limit = 10, .region = V1 "001"};
	assert_int_equal(wg_grid_list(db, &t, &f, collect, &(struct seen){0}, &total), 0);
	assert_int_equal(total, 1);
	struct seen q = {0};
	f = (wg_grid_filter){.limit = 10, .q = "东街"};
	assert_int_equal(wg_grid_list(db, &all, &f, collect, &q, &total), 0);
	assert_int_equal(total, 1);
	f = (wg_grid_filter){.limit = 10, .q = V1};
	assert_int_equal(wg_grid_list(db, &all, &f, collect, &(struct seen){0}, &total), 0);
	assert_int_equal(total, 2);
	f = (wg_grid_filter){.limit = 10, .q = "_"};
	assert_int_equal(wg_grid_list(db, &all, &f, collect, &(struct seen){0}, &total), 0);
	assert_int_equal(total, 0);

	struct seen one = {0};
	assert_int_equal(wg_grid_get(db, &t, V1 "001", collect, &one), 0);
	assert_non_null(strstr(one.boundary, "\"type\":\"Polygon\""));
	assert_int_equal(one.version, 1);
	assert_int_equal(wg_grid_get(db, &o, V1 "001", collect, &one), WG_ENOTFOUND);
	assert_int_equal(wg_grid_get(db, &t, V1 "009", collect, &one), WG_ENOTFOUND);
	struct seen map = {0};
	assert_int_equal(wg_grid_boundaries(db, &t, NULL, collect, &map), 0);
	assert_int_equal(map.n, 2); /* the undrawn one is not on the map */
	struct seen omap = {0};
	assert_int_equal(wg_grid_boundaries(db, &o, NULL, collect, &omap), 0);
	assert_int_equal(omap.n, 1);
	assert_int_equal(wg_grid_boundaries(db, &o, V1, collect, &omap), WG_ENOTFOUND);
	wg_grid_counts counts = {-1, -1, -1, -1};
	assert_int_equal(wg_grid_count_records(db, V1 "001", &counts), 0);
	assert_int_equal(counts.residents + counts.houses + counts.organisations + counts.places, 0);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids WHERE type = ?", "urban", 0), 1);
	wg_geom_free(&a);
	wg_geom_free(&b);
	wg_geom_free(&c);
}

static void test_micro_grids(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom parent = rect(110, 30, 110.02, 30.02), m1 = rect(110, 30, 110.01, 30.01),
		m2 = rect(110.005, 30.005, 110.015, 30.015), out = rect(110.015, 30.015, 110.03, 30.03),
		small = rect(110.01, 30.01, 110.02, 30.02), next = rect(110.02, 30, 110.03, 30.01);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", &parent, &r), 0);
	done(&r);
	/* Inside its parent, sharing the parent's corner: fine, and the index
	 * prefers the micro-grid. */
	assert_int_equal(create(db, &town, V1 "001001", &m1, &r), 0);
	done(&r);
	const wg_locate *ix = wg_locate_acquire();
	assert_string_equal(wg_locate_find(ix, 110.005, 30.005), V1 "001001");
	assert_string_equal(wg_locate_find(ix, 110.015, 30.015), V1 "001");
	wg_locate_release(ix);
	assert_int_equal(create(db, &town, V1 "001002", &m2, &r), WG_EVALIDATION);
	expect_error(&r, "boundary", "overlap", V1 "001001");
	done(&r);
	assert_int_equal(create(db, &town, V1 "001003", &out, &r), WG_EVALIDATION);
	expect_error(&r, "boundary", "outside_parent", V1 "001");
	done(&r);
	assert_int_equal(create(db, &town, V1 "002", NULL, &r), 0);
	done(&r);
	assert_int_equal(create(db, &town, V1 "002001", &next, &r), WG_EVALIDATION);
	expect_error(&r, "boundary", "parent_undrawn", V1 "002");
	done(&r);
	/* A grid entirely apart from its parent: outside, though no box meets. */
	wg_geom far = rect(112, 32, 112.01, 32.01);
	assert_int_equal(create(db, &town, V1 "001004", &far, &r), WG_EVALIDATION);
	expect_error(&r, "boundary", "outside_parent", NULL);
	done(&r);
	/* Redrawing the parent so that its micro-grid falls out. */
	wg_grid_input redraw = {.code = V1 "001", .set_boundary = true, .boundary = small};
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &redraw, 1, false), WG_EVALIDATION);
	expect_error(&r, "boundary", "children_outside", V1 "001001");
	done(&r);
	/* Redrawing both in one import is fine. */
	wg_geom m1b = rect(110.01, 30.01, 110.015, 30.015);
	wg_grid_input both[] = {{.code = V1 "001", .set_boundary = true, .boundary = small, .feature = 0},
	                        {.code = V1 "001001", .set_boundary = true, .boundary = m1b, .feature = 1}};
	assert_int_equal(save(db, &r, &town, WG_GRID_IMPORT, both, 2, true), 0);
	assert_int_equal(r.b.updated, 2);
	done(&r);
	ix = wg_locate_acquire();
	assert_null(wg_locate_find(ix, 110.005, 30.005));
	assert_string_equal(wg_locate_find(ix, 110.012, 30.012), V1 "001001");
	wg_locate_release(ix);
	wg_geom *all[] = {&parent, &m1, &m2, &out, &small, &next, &far, &m1b};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		wg_geom_free(all[i]);
}

static void test_update(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom a = rect(110, 30, 110.01, 30.01), b = rect(110.01, 30, 110.02, 30.01),
		a2 = rect(110, 30, 110.011, 30.01);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", &a, &r), 0);
	done(&r);
	assert_int_equal(create(db, &town, V1 "002", &b, &r), 0);
	done(&r);
	/* A new name: no boundary changed, no index to publish. */
	wg_grid_input rename = {.code = V1 "001", .name = "新名", .version = 1};
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &rename, 1, false), 0);
	assert_int_equal(r.b.updated, 1);
	assert_null(r.b.built.ix);
	done(&r);
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &rename, 1, false), WG_ECONFLICT);
	done(&r);
	/* The same values again: nothing written, the version stays. */
	rename.version = 2;
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &rename, 1, false), 0);
	assert_int_equal(r.b.updated, 0);
	done(&r);
	assert_int_equal(wg_test_query_int(db, "SELECT version FROM grids WHERE code = ?", V1 "001", 0), 2);
	wg_grid_input redraw = {.code = V1 "001", .set_boundary = true, .boundary = a2, .version = 2};
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &redraw, 1, false), WG_EVALIDATION);
	expect_error(&r, "boundary", "overlap", "overlaps grid " V1 "002");
	done(&r);
	assert_int_equal(wg_test_query_int(db, "SELECT version FROM grids WHERE code = ?", V1 "001", 0), 2);
	wg_grid_input gone = {.code = V1 "009", .name = "x"};
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &gone, 1, false), WG_ENOTFOUND);
	done(&r);
	assert_int_equal(save(db, &r, &other_town, WG_GRID_UPDATE, &rename, 1, false), WG_ENOTFOUND);
	done(&r);
	wg_grid_input bad = {.code = "x"};
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &bad, 1, false), WG_ENOTFOUND);
	done(&r);
	wg_grid_input type = {.code = V1 "001", .type = "downtown"};
	assert_int_equal(save(db, &r, &town, WG_GRID_UPDATE, &type, 1, false), WG_EVALIDATION);
	expect_error(&r, "type", "unknown", NULL);
	done(&r);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action = ?", "grid.update", 0),
		1);
	wg_geom_free(&a);
	wg_geom_free(&b);
	wg_geom_free(&a2);
}

struct reports {
	int n;
	char lines[8][160];
};

static void report(void *ctx, const wg_grid_input *in, const char *field, const char *code,
                   const char *message)
{
	struct reports *r = ctx;
	(void)message;
	if (r->n < 8)
		snprintf(r->lines[r->n], sizeof r->lines[0], "%zu %s %s %s", in->feature,
		         in->code ? in->code : "-", field, code);
	r->n++;
}

static void test_import(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom g1 = rect(110, 30, 110.01, 30.01), g2 = rect(110.01, 30, 110.02, 30.01),
		m = rect(110, 30, 110.005, 30.005), over = rect(110.005, 30.005, 110.015, 30.009);
	/* The micro-grid comes before its parent: order does not matter. */
	wg_grid_input in[] = {
		{.code = V1 "001001", .set_boundary = true, .boundary = m, .feature = 0},
		{.code = V1 "001", .name = "一网格", .set_boundary = true, .boundary = g1, .feature = 1},
		{.code = V1 "002", .type = "专属", .set_boundary = true, .boundary = g2, .feature = 2},
	};
	struct run r;
	assert_int_equal(save(db, &r, &county, WG_GRID_IMPORT, in, 3, true), 0);
	assert_int_equal(r.b.created, 3);
	done(&r);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids WHERE name = code", NULL, 0), 2);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids WHERE type = ?", "special", 0), 1);
	/* Again: nothing changes. */
	assert_int_equal(save(db, &r, &county, WG_GRID_IMPORT, in, 3, true), 0);
	assert_int_equal(r.b.created + r.b.updated, 0);
	done(&r);

	/* Every bad feature is reported, with its index; nothing is written. */
	wg_grid_input bad[] = {
		{.code = V2 "001", .set_boundary = true, .boundary = over, .feature = 0},
		{.code = V2 "002", .type = "city", .set_boundary = true, .boundary = m, .feature = 1},
		{.code = V2 "001", .set_boundary = true, .boundary = g1, .feature = 2},
		{.code = "6103261012", .set_boundary = true, .boundary = g1, .feature = 3},
	};
	struct reports rep = {0};
	wg_arena_init(&r.arena, 1024);
	wg_field_errors_init(&r.fe, &r.arena);
	r.b = (wg_grid_batch){
		.mode = WG_GRID_IMPORT, .items = bad, .n = 4, .report = report, .report_ctx = &rep};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_save(db, &county, "sha256", &r.b, &r.fe)), WG_EVALIDATION);
	assert_int_equal(r.fe.n, 0);
	assert_int_equal(rep.n, 3);
	assert_int_equal(r.b.bad, 3);
	assert_string_equal(rep.lines[0], "1 " V2 "002 type unknown");
	assert_string_equal(rep.lines[1], "2 " V2 "001 code duplicate");
	assert_string_equal(rep.lines[2], "3 6103261012 code pattern");
	done(&r);
	/* Without the others, the first one's overlap shows, named as the API
	 * names the fields of a feature. */
	assert_int_equal(save(db, &r, &county, WG_GRID_IMPORT, bad, 1, false), WG_EVALIDATION);
	expect_error(&r, "features[0].geometry", "overlap", V1 "001");
	done(&r);
	assert_int_equal(save(db, &r, &county, WG_GRID_IMPORT, &bad[1], 1, false), WG_EVALIDATION);
	expect_error(&r, "features[1].properties.type", "unknown", NULL);
	done(&r);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids", NULL, 0), 3);
	wg_geom *all[] = {&g1, &g2, &m, &over};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		wg_geom_free(all[i]);
}

static void test_index_sequence(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom a = rect(110, 30, 110.01, 30.01), b = rect(110.01, 30, 110.02, 30.01);
	wg_grid_row ra = {.code = V1 "001", .name = "a", .type = "rural", .boundary = &a};
	wg_grid_row rb = {.code = V1 "002", .name = "b", .type = "rural", .boundary = &b};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_insert(db, &ra)), 0);
	wg_grid_index old, newer;
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_index_build(db, &old)), 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_insert(db, &rb)), 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_index_build(db, &newer)), 0);
	assert_true(newer.seq > old.seq);
	/* Published out of order: the older build is dropped. */
	wg_grid_index_publish(&newer);
	wg_grid_index_publish(&old);
	assert_null(old.ix);
	const wg_locate *ix = wg_locate_acquire();
	assert_int_equal(wg_locate_count(ix), 2);
	assert_string_equal(wg_locate_find(ix, 110.015, 30.005), V1 "002");
	wg_locate_release(ix);
	/* The bulk insert refuses what is malformed or there already. */
	wg_grid_row bad[] = {
		{.code = V1, .name = "x", .type = "rural"},
		{.code = V1 "003", .name = "x", .type = "village"},
		{.code = V1 "003", .name = "", .type = "rural"},
		{.code = V1 "003001", .parent = V1 "004", .name = "x", .type = "rural"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wg_test_begin(db);
		assert_int_equal(wg_test_end(db, wg_grid_insert(db, &bad[i])), WG_EVALIDATION);
	}
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_insert(db, &ra)), WG_ECONFLICT);
	wg_grid_row orphan = {.code = V1 "009001", .name = "x", .type = "rural"};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_insert(db, &orphan)), WG_ECONFLICT);
	/* A build in a transaction that rolls back leaves nothing behind: the
	 * next build answers for what is stored. */
	wg_test_begin(db);
	assert_int_equal(wg_db_exec(db, "UPDATE grids SET boundary = '{\"type\":\"Polygon\",\"coordinates\":"
	                                "[[[120,40],[121,40],[121,41],[120,40]]]}' WHERE code = '" V1 "001'"),
	                 0);
	wg_grid_index moved;
	assert_int_equal(wg_grid_index_build(db, &moved), 0);
	assert_string_equal(wg_locate_find(moved.ix, 120.9, 40.1), V1 "001");
	wg_grid_index_discard(&moved);
	assert_int_equal(wg_db_rollback(db), 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_index_reload(db)), 0);
	ix = wg_locate_acquire();
	assert_null(wg_locate_find(ix, 120.9, 40.1));
	assert_string_equal(wg_locate_find(ix, 110.005, 30.005), V1 "001");
	wg_locate_release(ix);
	/* Reload publishes what is stored, at once. */
	assert_int_equal(wg_db_exec(db, "UPDATE grids SET boundary = NULL WHERE code = '" V1 "002'"), 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_index_reload(db)), 0);
	ix = wg_locate_acquire();
	assert_int_equal(wg_locate_count(ix), 1);
	wg_locate_release(ix);
	/* A stored boundary that is not GeoJSON any more is reported. */
	assert_int_equal(wg_db_exec(db, "UPDATE grids SET boundary = 'nonsense' WHERE code = '" V1 "001'"),
	                 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_index_reload(db)), WG_EVALIDATION);
	wg_geom_free(&a);
	wg_geom_free(&b);
}

static void test_place(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom a = rect(110, 30, 110.01, 30.01), c = rect(110.02, 30, 110.03, 30.01);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", &a, &r), 0);
	done(&r);
	assert_int_equal(create(db, &other_town, V3 "001", &c, &r), 0);
	done(&r);
	wg_scope t = scope_of(&town);
	static const double inside[2] = {110.005, 30.005}, other[2] = {110.025, 30.005},
			    nowhere[2] = {115, 35};
	static const struct {
		const char *grid;
		const double *point;
		const char *region;
		int rc;
		const char *out_grid, *out_region, *field, *code;
	} cases[] = {
		{V1 "001", NULL, NULL, 0, V1 "001", V1, NULL, NULL},
		{V1 "001", nowhere, "610326101000", 0, V1 "001", V1, NULL, NULL}, /* the grid wins */
		{V3 "001", NULL, NULL, WG_EVALIDATION, NULL, NULL, "grid", "not_found"},
		{V1 "009", NULL, NULL, WG_EVALIDATION, NULL, NULL, "grid", "not_found"},
		{"bad", NULL, NULL, WG_EVALIDATION, NULL, NULL, "grid", "not_found"},
		{NULL, inside, NULL, 0, V1 "001", V1, NULL, NULL},
		{NULL, inside, V2, 0, V1 "001", V1, NULL, NULL},
		{NULL, other, NULL, WG_EVALIDATION, NULL, NULL, "location", "out_of_area"},
		{NULL, nowhere, NULL, WG_EVALIDATION, NULL, NULL, "location", "no_grid"},
		{NULL, nowhere, V2, 0, "", V2, NULL, NULL},
		{NULL, NULL, "610326101000", 0, "", "610326101000", NULL, NULL},
		{NULL, NULL, "610326000000", WG_EVALIDATION, NULL, NULL, "region", "level"},
		{NULL, NULL, V3, WG_EVALIDATION, NULL, NULL, "region", "not_found"},
		{NULL, NULL, "610326101299", WG_EVALIDATION, NULL, NULL, "region", "not_found"},
		{NULL, NULL, "61032610", WG_EVALIDATION, NULL, NULL, "region", "pattern"},
		{NULL, NULL, NULL, WG_EVALIDATION, NULL, NULL, "grid", "required"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wg_arena arena;
		wg_arena_init(&arena, 512);
		wg_field_errors fe;
		wg_field_errors_init(&fe, &arena);
		wg_place p;
		int rc = wg_grid_place(db, &t, cases[i].grid, cases[i].point, cases[i].region, &p, &fe);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s)", i, rc, fe.n ? fe.e[0].message : "");
		if (!rc) {
			assert_string_equal(p.grid, cases[i].out_grid);
			assert_string_equal(p.region, cases[i].out_region);
			assert_string_equal(p.scope_key, p.grid[0] ? p.grid : p.region);
			assert_int_equal(fe.n, 0);
		} else {
			assert_int_equal(fe.n, 1);
			assert_string_equal(fe.e[0].field, cases[i].field);
			assert_string_equal(fe.e[0].code, cases[i].code);
		}
		wg_arena_clear(&arena);
	}
	wg_geom_free(&a);
	wg_geom_free(&c);
}

struct staff_seen {
	int n;
	char lines[8][128];
};

static int collect_staff(void *ctx, const wg_grid_staff *s)
{
	struct staff_seen *c = ctx;
	if (c->n == 8)
		return WG_EINTERNAL;
	snprintf(c->lines[c->n++], sizeof c->lines[0], "%s %s %s %s", s->role, s->name, s->scope_key,
	         s->phone_masked ? s->phone_masked : "-");
	return 0;
}

static void test_staff(void **state)
{
	wg_db *db = wg_test_open(state);
	char path[600], err[256];
	snprintf(path, sizeof path, "%s/grid.key", wg_test_dir());
	wg_secret_key *key;
	assert_int_equal(wg_secret_key_load(path, &key, err, sizeof err), 0);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", NULL, &r), 0);
	done(&r);
	assert_int_equal(create(db, &town, V1 "002", NULL, &r), 0);
	done(&r);
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	const wg_grid_staff_input good[] = {
		{.role = "grid_worker", .name = "王网格", .phone = "138 1234 5678", .grid = V1 "001"},
		{.role = "grid_head", .name = "李村长", .region = V1},
		{.role = "grid_instructor",
	         .name = "赵干部",
	         .phone = "0917-8765432",
	         .region = "610326101000"},
		{.role = "grid_worker", .name = "隔壁", .grid = V1 "002"},
	};
	int64_t ids[4];
	for (size_t i = 0; i < 4; i++) {
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_grid_staff_add(db, &town, "sha256", key, &good[i], &ids[i], &fe));
		if (rc)
			fail_msg("staff %zu: %d %s", i, rc, fe.n ? fe.e[0].message : "");
	}
	struct staff_seen of = {0};
	assert_int_equal(wg_grid_staff_of(db, V1 "001", collect_staff, &of), 0);
	assert_int_equal(of.n, 3);
	assert_string_equal(of.lines[0], "grid_head 李村长 " V1 " -");
	assert_string_equal(of.lines[1], "grid_instructor 赵干部 610326101000 0917*****32");
	assert_string_equal(of.lines[2], "grid_worker 王网格 " V1 "001 138****5678");
	/* The phone is stored sealed, with its blind index. */
	assert_int_equal(wg_test_query_int(db,
	                                   "SELECT count(*) FROM grid_staff WHERE phone LIKE 'v1.%' AND "
	                                   "phone_index IS NOT NULL",
	                                   NULL, 0),
	                 2);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM grid_staff WHERE phone LIKE '%5678%'", NULL, 0),
		0);

	wg_scope t = scope_of(&town), o = scope_of(&other_town);
	struct staff_seen list = {0};
	int64_t total;
	wg_grid_staff_filter f = {.area = V1, .limit = 10};
	assert_int_equal(wg_grid_staff_list(db, &t, &f, collect_staff, &list, &total), 0);
	assert_int_equal(total, 3);
	f = (wg_grid_staff_filter){.role = "grid_worker", .limit = 1};
	struct staff_seen w = {0};
	assert_int_equal(wg_grid_staff_list(db, &t, &f, collect_staff, &w, &total), 0);
	assert_int_equal(total, 2);
	assert_int_equal(w.n, 1);
	f = (wg_grid_staff_filter){.role = "grid_worker", .after_id = ids[0], .limit = 10};
	struct staff_seen w2 = {0};
	assert_int_equal(wg_grid_staff_list(db, &t, &f, collect_staff, &w2, &total), 0);
	assert_int_equal(w2.n, 1);
	assert_string_equal(w2.lines[0], "grid_worker 隔壁 " V1 "002 -");
	f = (wg_grid_staff_filter){.limit = 10};
	assert_int_equal(wg_grid_staff_list(db, &o, &f, collect_staff, &(struct staff_seen){0}, &total), 0);
	assert_int_equal(total, 0);
	f = (wg_grid_staff_filter){.area = V1, .limit = 10};
	assert_int_equal(wg_grid_staff_list(db, &o, &f, collect_staff, &(struct staff_seen){0}, &total),
	                 WG_ENOTFOUND);
	struct staff_seen one = {0};
	assert_int_equal(wg_grid_staff_get(db, &t, ids[0], collect_staff, &one), 0);
	assert_int_equal(wg_grid_staff_get(db, &o, ids[0], collect_staff, &one), WG_ENOTFOUND);

	static const struct {
		wg_grid_staff_input in;
		const char *field, *code;
	} t_bad[] = {
		{{.name = "x", .grid = V1 "001"}, "role", "required"},
		{{.role = "boss", .name = "x", .grid = V1 "001"}, "role", "unknown"},
		{{.role = "grid_worker", .grid = V1 "001"}, "name", "required"},
		{{.role = "grid_worker", .name = "x\x01", .grid = V1 "001"}, "name", "pattern"},
		{{.role = "grid_worker", .name = "x", .phone = "12345", .grid = V1 "001"}, "phone", "format"},
		{{.role = "grid_worker", .name = "x", .region = V1}, "grid", "required"},
		{{.role = "grid_worker", .name = "x", .grid = V3 "001"}, "grid", "not_found"},
		{{.role = "grid_worker", .name = "x", .grid = V1 "009"}, "grid", "not_found"},
		{{.role = "grid_head", .name = "x", .grid = V1 "001"}, "region", "required"},
		{{.role = "grid_head", .name = "x", .region = "610326000000"}, "region", "level"},
		{{.role = "grid_head", .name = "x", .region = "6103"}, "region", "pattern"},
		{{.role = "grid_head", .name = "x", .region = V3}, "region", "not_found"},
		{{.role = "grid_head", .name = "x", .region = V1, .user_id = 999}, "user", "not_found"},
	};
	for (size_t i = 0; i < sizeof t_bad / sizeof t_bad[0]; i++) {
		wg_field_errors_init(&fe, &arena);
		int64_t id;
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_grid_staff_add(db, &town, "sha256", key, &t_bad[i].in, &id, &fe));
		if (rc != WG_EVALIDATION || fe.n != 1 || strcmp(fe.e[0].field, t_bad[i].field) != 0 ||
		    strcmp(fe.e[0].code, t_bad[i].code) != 0)
			fail_msg("case %zu: rc %d, %u errors, first %s/%s", i, rc, fe.n,
			         fe.n ? fe.e[0].field : "-", fe.n ? fe.e[0].code : "-");
	}
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_staff_remove(db, &other_town, "sha256", ids[0])),
	                 WG_ENOTFOUND);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_staff_remove(db, &town, "sha256", ids[0])), 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_staff_remove(db, &town, "sha256", ids[0])), WG_ENOTFOUND);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'staff.%'", NULL, 0),
		5);
	/* The bulk insert checks only the role. */
	int64_t id;
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_staff_insert(db, key, "grid_boss", "x", NULL, 0, V1, &id)),
	                 WG_EVALIDATION);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_grid_staff_insert(db, key, "grid_assistant", "x", "13912345678",
	                                                      0, V1 "002", &id)),
	                 0);
	wg_arena_clear(&arena);
	wg_secret_key_free(key);
}

/* Every allocation of a create failing in turn (parse of the stored
 * neighbour, the index build, the overlap check, the audit row): a clean
 * WG_ENOMEM, nothing stored, nothing leaked (the sanitizer checks); then
 * success. */
static void test_save_out_of_memory(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_geom a = rect(110, 30, 110.01, 30.01), b = rect(110.01, 30, 110.02, 30.01);
	struct run r;
	assert_int_equal(create(db, &town, V1 "001", &a, &r), 0);
	done(&r);
	int rc = WG_ENOMEM;
	unsigned long failures = 0;
	for (unsigned long n = 1; rc == WG_ENOMEM; n++) {
		wg_arena_init(&r.arena, 1024);
		wg_field_errors_init(&r.fe, &r.arena);
		wg_grid_input in = {
			.code = V1 "002", .name = "二", .type = "rural", .set_boundary = true, .boundary = b};
		r.b = (wg_grid_batch){.mode = WG_GRID_CREATE, .items = &in, .n = 1};
		wg_test_begin(db);
		wg_alloc_fail_at(n);
		rc = wg_grid_save(db, &town, "sha256", &r.b, &r.fe);
		wg_alloc_fail_at(0);
		wg_test_end(db, rc);
		wg_grid_index_discard(&r.b.built);
		done(&r);
		if (rc == WG_ENOMEM) {
			failures++;
			assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids", NULL, 0), 1);
		} else if (rc) {
			fail_msg("allocation %lu: rc %d", n, rc);
		}
		assert_true(n < 2000);
	}
	assert_true(failures > 5);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM grids", NULL, 0), 2);
	wg_geom_free(&a);
	wg_geom_free(&b);
}

#define STORE_TEST(name, fx) cmocka_unit_test_prestate_setup_teardown(name, setup, wg_test_teardown, &(fx))
#define STORE_TESTS(fx)                                                                           \
	STORE_TEST(test_create, fx), STORE_TEST(test_read, fx), STORE_TEST(test_micro_grids, fx), \
		STORE_TEST(test_update, fx), STORE_TEST(test_import, fx),                         \
		STORE_TEST(test_index_sequence, fx), STORE_TEST(test_place, fx), STORE_TEST(test_staff, fx)

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_form), cmocka_unit_test(test_types_and_roles),
		STORE_TESTS(sqlite_fixture),      STORE_TEST(test_save_out_of_memory, sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	int rc = cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
	wg_locate_shutdown();
	return rc;
}
