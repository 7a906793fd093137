/* test_geometry.c - GEOS on grid boundaries: validity with its reasons,
 * overlap against touching and contained neighbours, within, prepared
 * covers on the boundary, contexts on several threads, and the failing
 * allocator. */
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
#include "domain/geometry.h"
#include "io/geojson.h"

#include <pthread.h>

#define POLY(coords) "{\"type\":\"Polygon\",\"coordinates\":" coords "}"
#define MULTI(coords) "{\"type\":\"MultiPolygon\",\"coordinates\":" coords "}"
#define SQ(x0, y0, x1, y1) \
	"[[" #x0 "," #y0 "],[" #x1 "," #y0 "],[" #x1 "," #y1 "],[" #x0 "," #y1 "],[" #x0 "," #y0 "]]"

static wg_geom parse(const char *text)
{
	wg_geom g;
	char err[256];
	int rc = wg_geojson_parse_text(text, strlen(text), &g, err, sizeof err);
	if (rc)
		fail_msg("test geometry does not parse: %s: %s", err, text);
	return g;
}

static void test_check(void **state)
{
	(void)state;
	static const struct {
		const char *name, *in;
		int rc;
		const char *err;
	} t[] = {
		{"square", POLY("[" SQ(0, 0, 1, 1) "]"), 0, ""},
		{"square with a hole", POLY("[" SQ(0, 0, 4, 4) "," SQ(1, 1, 2, 2) "]"), 0, ""},
		{"hole touching the shell at a point", POLY("[" SQ(0, 0, 4, 4) ",[[0,2],[1,1],[1,3],[0,2]]]"),
	         0, ""},
		{"two separate polygons", MULTI("[[" SQ(0, 0, 1, 1) "],[" SQ(2, 0, 3, 1) "]]"), 0, ""},
		{"polygons touching at a corner", MULTI("[[" SQ(0, 0, 1, 1) "],[" SQ(1, 1, 2, 2) "]]"), 0,
	         ""},
		{"real coordinates",
	         POLY("[[[107.7123456,34.1234567],[107.8123456,34.1234567],[107.8123456,34.2234567],"
	              "[107.7123456,34.1234567]]]"),
	         0, ""},
		{"bow-tie", POLY("[[[0,0],[1,1],[1,0],[0,1],[0,0]]]"), WG_EVALIDATION,
	         "Self-intersection at 0.5000000 0.5000000"},
		{"bow-tie at real coordinates",
	         POLY("[[[107.8,34.1],[107.8246912,34.1469134],[107.8246912,34.1],[107.8,34.1469134],"
	              "[107.8,34.1]]]"),
	         WG_EVALIDATION, "Self-intersection at 107.8123456 34.1234567"},
		{"hole outside the shell", POLY("[" SQ(0, 0, 1, 1) "," SQ(2, 2, 3, 3) "]"), WG_EVALIDATION,
	         "Hole lies outside shell at 2.0000000 2.0000000"},
		{"ring touching itself", POLY("[[[0,0],[4,0],[4,4],[2,4],[3,2],[1,2],[2,4],[0,4],[0,0]]]"),
	         WG_EVALIDATION, "Ring Self-intersection at 2.0000000 4.0000000"},
		{"holes overlapping", POLY("[" SQ(0, 0, 4, 4) "," SQ(1, 1, 2, 2) "," SQ(1.5, 1.5, 3, 3) "]"),
	         WG_EVALIDATION, "Self-intersection at 2.0000000 1.5000000"},
		{"polygons overlapping", MULTI("[[" SQ(0, 0, 2, 2) "],[" SQ(1, 1, 3, 3) "]]"), WG_EVALIDATION,
	         "Self-intersection at 2.0000000 1.0000000"},
		{"polygons sharing an edge", MULTI("[[" SQ(0, 0, 1, 1) "],[" SQ(1, 0, 2, 1) "]]"),
	         WG_EVALIDATION, "Self-intersection at 1.0000000 1.0000000"},
		{"polygon inside another", MULTI("[[" SQ(0, 0, 4, 4) "],[" SQ(1, 1, 2, 2) "]]"),
	         WG_EVALIDATION, "Nested shells at 1.0000000 1.0000000"},
		{"collapsed by rounding", POLY("[[[0,0],[0.00000001,0],[0,0.00000001],[0,0]]]"),
	         WG_EVALIDATION, "Too few points in geometry component at 0.0000000 0.0000000"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_geom g = parse(t[i].in);
		char err[256] = "untouched";
		int rc = wg_geometry_check(&g, err, sizeof err);
		if (rc != t[i].rc || strcmp(err, t[i].err) != 0)
			fail_msg("%s: rc %d '%s', want %d '%s'", t[i].name, rc, err, t[i].rc, t[i].err);
		assert_int_equal(wg_geometry_check(&g, NULL, 0), t[i].rc);
		wg_geom_free(&g);
	}
	wg_geom empty = {0};
	char err[64];
	assert_int_equal(wg_geometry_check(&empty, err, sizeof err), WG_EVALIDATION);
	assert_string_equal(err, "the geometry is empty");
}

static void test_overlaps_within(void **state)
{
	(void)state;
	static const struct {
		const char *name, *a, *b;
		bool overlap, a_within_b;
	} t[] = {
		{"neighbours sharing an edge", POLY("[" SQ(0, 0, 1, 1) "]"), POLY("[" SQ(1, 0, 2, 1) "]"),
	         false, false},
		{"sharing part of an edge", POLY("[" SQ(0, 0, 1, 1) "]"), POLY("[" SQ(1, 0.5, 2, 3) "]"),
	         false, false},
		{"touching at a corner", POLY("[" SQ(0, 0, 1, 1) "]"), POLY("[" SQ(1, 1, 2, 2) "]"), false,
	         false},
		{"apart", POLY("[" SQ(0, 0, 1, 1) "]"), POLY("[" SQ(5, 5, 6, 6) "]"), false, false},
		{"boxes meet, shapes apart", POLY("[[[0,0],[2,0],[0,2],[0,0]]]"),
	         POLY("[[[2,2],[2,1.5],[1.5,2],[2,2]]]"), false, false},
		{"overlapping", POLY("[" SQ(0, 0, 2, 2) "]"), POLY("[" SQ(1, 1, 3, 3) "]"), true, false},
		{"sliver overlap", POLY("[" SQ(0, 0, 1, 1) "]"), POLY("[" SQ(0.9999999, 0, 2, 1) "]"), true,
	         false},
		{"micro-grid inside", POLY("[" SQ(1, 1, 2, 2) "]"), POLY("[" SQ(0, 0, 4, 4) "]"), true, true},
		{"micro-grid on the parent's edge", POLY("[" SQ(0, 0, 1, 1) "]"),
	         POLY("[" SQ(0, 0, 4, 4) "]"), true, true},
		{"micro-grid poking out", POLY("[" SQ(3, 3, 5, 5) "]"), POLY("[" SQ(0, 0, 4, 4) "]"), true,
	         false},
		{"parent around a micro-grid", POLY("[" SQ(0, 0, 4, 4) "]"), POLY("[" SQ(1, 1, 2, 2) "]"),
	         true, false},
		{"identical", POLY("[" SQ(0, 0, 1, 1) "]"), POLY("[" SQ(0, 0, 1, 1) "]"), true, true},
		{"filling a hole", POLY("[" SQ(1, 1, 2, 2) "]"),
	         POLY("[" SQ(0, 0, 4, 4) "," SQ(1, 1, 2, 2) "]"), false, false},
		{"inside a hole", POLY("[" SQ(1.2, 1.2, 1.8, 1.8) "]"),
	         POLY("[" SQ(0, 0, 4, 4) "," SQ(1, 1, 2, 2) "]"), false, false},
		{"multipolygon, one part overlapping",
	         MULTI("[[" SQ(10, 10, 11, 11) "],[" SQ(3, 3, 5, 5) "]]"), POLY("[" SQ(0, 0, 4, 4) "]"), true,
	         false},
		{"multipolygon inside", MULTI("[[" SQ(0, 0, 1, 1) "],[" SQ(3, 3, 4, 4) "]]"),
	         POLY("[" SQ(0, 0, 4, 4) "]"), true, true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_geom a = parse(t[i].a), b = parse(t[i].b);
		bool overlap = !t[i].overlap, ba = !t[i].overlap, within = !t[i].a_within_b;
		assert_int_equal(wg_geometry_overlaps(&a, &b, &overlap), 0);
		assert_int_equal(wg_geometry_overlaps(&b, &a, &ba), 0);
		assert_int_equal(wg_geometry_within(&a, &b, &within), 0);
		if (overlap != t[i].overlap || ba != t[i].overlap || within != t[i].a_within_b)
			fail_msg("%s: overlap %d/%d within %d, want %d within %d", t[i].name, overlap, ba,
			         within, t[i].overlap, t[i].a_within_b);
		wg_geom_free(&a);
		wg_geom_free(&b);
	}
}

static void test_prepared_covers(void **state)
{
	(void)state;
	wg_geom g = parse(POLY("[" SQ(0, 0, 4, 4) "," SQ(1, 1, 2, 2) "]"));
	wg_geometry_prepared *p = NULL;
	assert_int_equal(wg_geometry_prepare(&g, &p), 0);
	wg_geom_free(&g); /* the prepared geometry has its own copy */
	static const struct {
		double x, y;
		bool covered;
	} t[] = {
		{3, 3, true},          {0, 0, true},    {4, 2, true},      {2, 0, true},
		{1, 1, true},          {1.5, 1, true},  {1.5, 1.5, false}, {1.999, 1.5, false},
		{4.0000001, 2, false}, {-1, -1, false}, {0.5, 3.5, true},  {2, 2, true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (wg_geometry_prepared_covers(p, t[i].x, t[i].y) != t[i].covered)
			fail_msg("point %g %g: want %d", t[i].x, t[i].y, t[i].covered);
	wg_geometry_prepared_free(p);
	wg_geometry_prepared_free(NULL);

	/* A ring GEOS refuses (not closed: parse never makes one). */
	double xy[] = {0, 0, 1, 0, 1, 1, 0, 1};
	wg_ring ring = {4, xy};
	wg_polygon poly = {1, &ring};
	wg_geom bad = {.npolys = 1, .polys = &poly};
	p = (wg_geometry_prepared *)&bad;
	assert_int_equal(wg_geometry_prepare(&bad, &p), WG_EINTERNAL);
	assert_null(p);
	char err[128];
	assert_int_equal(wg_geometry_check(&bad, err, sizeof err), WG_EVALIDATION);
	assert_true(strstr(err, "LinearRing") != NULL);
	bool overlap;
	assert_int_equal(wg_geometry_overlaps(&bad, &bad, &overlap), WG_EINTERNAL);
}

/* Checks on one thread; odd-numbered threads also finish their context
 * now and then, and get a new one on the next call. */
static void *check_many(void *arg)
{
	int id = *(const int *)arg;
	wg_geom bow = parse(POLY("[[[0,0],[1,1],[1,0],[0,1],[0,0]]]")),
		good = parse(POLY("[" SQ(0, 0, 1, 1) "]"));
	void *rc = NULL;
	for (int i = 0; i < 200 && !rc; i++) {
		char err[128];
		if (wg_geometry_check(&bow, err, sizeof err) != WG_EVALIDATION ||
		    strcmp(err, "Self-intersection at 0.5000000 0.5000000") != 0 ||
		    wg_geometry_check(&good, err, sizeof err) != 0)
			rc = (void *)1;
		if (id % 2 && i % 50 == 49)
			wg_geometry_thread_end();
	}
	wg_geom_free(&bow);
	wg_geom_free(&good);
	return rc;
}

/* Each thread has its own GEOS context, finished at thread exit (LeakSanitizer
 * would report one that is not). */
static void test_threads(void **state)
{
	(void)state;
	pthread_t th[4];
	int ids[4];
	for (int i = 0; i < 4; i++) {
		ids[i] = i;
		assert_int_equal(pthread_create(&th[i], NULL, check_many, &ids[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *rc;
		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_null(rc);
	}
}

static void test_failing_allocator(void **state)
{
	(void)state;
	wg_geom holes = parse(MULTI("[[" SQ(0, 0, 4, 4) "," SQ(1, 1, 2, 2) "],[" SQ(5, 0, 6, 1) "]]"));
	wg_geom inner = parse(POLY("[" SQ(1, 1, 3, 3) "]"));
	/* The thread's context is made again, so its allocation is failed too. */
	for (int which = 0; which < 4; which++) {
		unsigned long failures = 0;
		for (unsigned long n = 1;; n++) {
			wg_geometry_thread_end();
			bool r = false;
			char err[64];
			wg_geometry_prepared *p = NULL;
			wg_alloc_fail_at(n);
			int rc = which == 0   ? wg_geometry_check(&holes, err, sizeof err)
			         : which == 1 ? wg_geometry_overlaps(&holes, &inner, &r)
			         : which == 2 ? wg_geometry_within(&inner, &holes, &r)
			                      : wg_geometry_prepare(&holes, &p);
			wg_alloc_fail_at(0);
			if (rc == 0) {
				assert_true(which != 1 || r);
				assert_true(which != 2 || !r);
				wg_geometry_prepared_free(p);
				break;
			}
			assert_int_equal(rc, WG_ENOMEM);
			assert_null(p);
			failures++;
			assert_true(n < 50);
		}
		/* the context, the polygon and hole arrays (the other geometry
		 * has neither); prepare: itself and a context of its own */
		static const unsigned long want[] = {3, 3, 3, 4};
		assert_int_equal(failures, want[which]);
	}
	wg_geom_free(&holes);
	wg_geom_free(&inner);
	wg_geometry_thread_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_overlaps_within),
		cmocka_unit_test(test_prepared_covers),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_failing_allocator),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	wg_geometry_thread_end();
	return rc;
}
