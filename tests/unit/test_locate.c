/* test_locate.c - the point-to-grid index: the precedence rule on shared
 * edges and micro-grids, random layouts checked against the brute-force
 * answer and, grid by grid, against GEOS's prepared covers on random
 * points, vertices, points exactly on edges, next to edges and in holes;
 * candidates by box; acquire/publish from many threads; and the failing
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
#include "domain/locate.h"
#include "io/geojson.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

/* A small deterministic generator, so that a failure repeats. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double uniform(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng() >> 11) / 9007199254740992.0;
}

/* What parse makes of a coordinate. */
static double r7(double v)
{
	return (double)llround(v * 1e7) / 1e7;
}

/* ---- building geometries by hand ------------------------------------- */

/* A polygon under construction: rings of points, closed when added. */
struct shape {
	wg_geom g;
};

static void shape_ring(struct shape *s, size_t poly, const double *xy, size_t n, bool round)
{
	wg_geom *g = &s->g;
	if (poly == g->npolys) {
		g->polys = wg_realloc(g->polys, (g->npolys + 1) * sizeof *g->polys);
		assert_non_null(g->polys);
		g->polys[g->npolys++] = (wg_polygon){0, NULL};
	}
	wg_polygon *p = &g->polys[poly];
	p->rings = wg_realloc(p->rings, (p->nrings + 1) * sizeof *p->rings);
	assert_non_null(p->rings);
	double *copy = wg_malloc(2 * (n + 1) * sizeof *copy);
	assert_non_null(copy);
	for (size_t i = 0; i < 2 * n; i++)
		copy[i] = round ? r7(xy[i]) : xy[i];
	copy[2 * n] = copy[0];
	copy[2 * n + 1] = copy[1];
	p->rings[p->nrings++] = (wg_ring){n + 1, copy};
	wg_geom_compute_bbox(g);
}

static void shape_rect(struct shape *s, size_t poly, double x0, double y0, double x1, double y1)
{
	const double xy[] = {x0, y0, x1, y0, x1, y1, x0, y1};
	shape_ring(s, poly, xy, 4, true);
}

/* ---- the precedence rule, by hand --------------------------------------- */

static wg_locate *build(struct shape *shapes, const char *const *codes, size_t n)
{
	wg_locate_builder *b = wg_locate_builder_new();
	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(wg_locate_builder_add(b, codes[i], &shapes[i].g), 0);
		assert_int_equal(shapes[i].g.npolys, 0);
	}
	wg_locate *ix = wg_locate_build(b);
	assert_non_null(ix);
	return ix;
}

static void test_rule(void **state)
{
	(void)state;
	/* Four unit squares around (1,1); B1 has a micro-grid B1001 and a
	 * hole with H inside; a Z (shorter code) covers everything. */
	static const char *const codes[] = {"A2", "B1", "A1", "B2", "B1001", "H0001", "Z", "B1002"};
	struct shape s[8];
	memset(s, 0, sizeof s);
	shape_rect(&s[0], 0, 0, 0, 1, 1);
	shape_rect(&s[1], 0, 1, 0, 2, 1);
	shape_rect(&s[1], 0, 1.5, 0.5, 1.75, 0.75); /* hole */
	shape_rect(&s[2], 0, 0, 1, 1, 2);
	shape_rect(&s[3], 0, 1, 1, 2, 2);
	shape_rect(&s[4], 0, 1, 0, 1.25, 0.25);
	shape_rect(&s[5], 0, 1.5, 0.5, 1.6, 0.6);
	shape_rect(&s[6], 0, -10, -10, 10, 10);
	shape_rect(&s[7], 0, 5, 5, 6, 6);
	shape_rect(&s[7], 1, 7, 7, 8, 8); /* two polygons */
	wg_locate *ix = build(s, codes, 8);
	assert_int_equal(wg_locate_count(ix), 8);
	static const struct {
		double x, y;
		const char *code;
	} t[] = {
		{0.5, 0.5, "A2"},     {1.5, 0.25, "B1"},     {0.5, 1.5, "A1"},      {1.5, 1.5, "B2"},
		{1, 0.5, "A2"},                        /* A2|B1 edge: A2 < B1 */
		{0.5, 1, "A1"},                        /* A2|A1 edge */
		{1, 1, "A1"},                          /* the corner of all four */
		{1.5, 1, "B1"},                        /* B1|B2 edge */
		{1.1, 0.1, "B1001"},  {1, 0, "B1001"}, /* micro-grid corner on three boundaries */
		{1.25, 0.1, "B1001"}, {1.3, 0.1, "B1"},      {1.55, 0.55, "H0001"}, {1.6, 0.6, "H0001"},
		{1.7, 0.7, "Z"},   /* in B1's hole, outside H0001 */
		{1.75, 0.7, "B1"}, /* on the hole's edge: B1's boundary */
		{1.5, 0.5, "H0001"},  {5.5, 5.5, "B1002"},   {8, 8, "B1002"},       {6.5, 6.5, "Z"},
		{10, 10, "Z"},        {10.0000001, 0, NULL}, {-11, 0, NULL},        {NAN, 0, NULL},
		{0, NAN, NULL},       {INFINITY, 0, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = wg_locate_find(ix, t[i].x, t[i].y);
		const char *brute = wg_locate_find_brute(ix, t[i].x, t[i].y);
		if ((got == NULL) != (t[i].code == NULL) || (got && strcmp(got, t[i].code) != 0) ||
		    (got == NULL) != (brute == NULL) || (got && strcmp(got, brute) != 0))
			fail_msg("point %g %g: find %s, brute %s, want %s", t[i].x, t[i].y,
			         got ? got : "NULL", brute ? brute : "NULL", t[i].code ? t[i].code : "NULL");
	}
	wg_locate_release(ix);

	/* An empty index, and an empty geometry among others. */
	ix = wg_locate_build(wg_locate_builder_new());
	assert_non_null(ix);
	assert_int_equal(wg_locate_count(ix), 0);
	assert_null(wg_locate_find(ix, 0, 0));
	wg_locate_release(ix);
	struct shape e[2];
	memset(e, 0, sizeof e);
	shape_rect(&e[1], 0, 0, 0, 1, 1);
	static const char *const ecodes[] = {"EMPTY", "X"};
	ix = build(e, ecodes, 2);
	assert_string_equal(wg_locate_find(ix, 0.5, 0.5), "X");
	assert_null(wg_locate_find(ix, 2, 2));
	wg_locate_release(ix);
	wg_locate_release(NULL);
	wg_locate_builder_free(NULL);
	assert_null(wg_locate_build(NULL));
}

/* ---- random layouts ------------------------------------------------------ */

struct layout {
	struct shape *shapes;
	char (*codes)[24];
	size_t n, cap;
};

static struct shape *layout_add(struct layout *l, const char *code)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->shapes = realloc(l->shapes, l->cap * sizeof *l->shapes);
		l->codes = realloc(l->codes, l->cap * sizeof *l->codes);
		assert_true(l->shapes && l->codes);
	}
	memset(&l->shapes[l->n], 0, sizeof l->shapes[l->n]);
	snprintf(l->codes[l->n], sizeof l->codes[l->n], "%s", code);
	return &l->shapes[l->n++];
}

#define LNG0 107.0
#define LAT0 34.0
#define CELL 0.01

/* A lattice of nx * ny jittered quads sharing their vertices (codes of one
 * length, so shared edges go to the smaller); holes in some, with a
 * micro-grid (parent code + 3 digits) in part of the hole or filling it;
 * micro-grids in others. */
static void lattice(struct layout *l, int nx, int ny, bool holes)
{
	double *vx = malloc((size_t)(nx + 1) * (size_t)(ny + 1) * 2 * sizeof *vx);
	assert_non_null(vx);
	for (int j = 0; j <= ny; j++)
		for (int i = 0; i <= nx; i++) {
			double *v = &vx[2 * ((size_t)j * (size_t)(nx + 1) + (size_t)i)];
			v[0] = r7(LNG0 + i * CELL + uniform(-0.25, 0.25) * CELL);
			v[1] = r7(LAT0 + j * CELL + uniform(-0.25, 0.25) * CELL);
			/* Some rows and columns straight, for axis-parallel edges. */
			if (i % 4 == 0)
				v[0] = r7(LNG0 + i * CELL);
			if (j % 3 == 0)
				v[1] = r7(LAT0 + j * CELL);
		}
	for (int j = 0; j < ny; j++)
		for (int i = 0; i < nx; i++) {
			char code[24];
			int id = j * nx + i;
			snprintf(code, sizeof code, "6103261012%05d", id);
			struct shape *s = layout_add(l, code);
			double xy[8];
			const int corner[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
			for (int k = 0; k < 4; k++)
				memcpy(&xy[(size_t)2 * k],
				       &vx[2 * ((size_t)(j + corner[k][1]) * (size_t)(nx + 1) +
				                (size_t)(i + corner[k][0]))],
				       2 * sizeof *xy);
			shape_ring(s, 0, xy, 4, false);
			double cx = LNG0 + (i + 0.5) * CELL, cy = LAT0 + (j + 0.5) * CELL;
			if (holes && id % 7 == 3) {
				shape_rect(s, 0, cx - 0.15 * CELL, cy - 0.15 * CELL, cx + 0.15 * CELL,
				           cy + 0.15 * CELL);
				char micro[32];
				snprintf(micro, sizeof micro, "%.20s901", code);
				struct shape *m = layout_add(l, micro);
				if (id % 2)
					shape_rect(m, 0, cx - 0.15 * CELL, cy - 0.15 * CELL, cx + 0.15 * CELL,
					           cy + 0.15 * CELL);
				else
					shape_rect(m, 0, cx - 0.05 * CELL, cy - 0.05 * CELL, cx + 0.1 * CELL,
					           cy);
			} else if (holes && id % 5 == 1) {
				char micro[32];
				snprintf(micro, sizeof micro, "%.20s001", code);
				struct shape *m = layout_add(l, micro);
				shape_rect(m, 0, cx - 0.1 * CELL, cy - 0.1 * CELL, cx + 0.1 * CELL,
				           cy + 0.1 * CELL);
			}
		}
	free(vx);
}

/* A star-shaped polygon of n vertices around (cx, cy), and sometimes a
 * smaller star as its hole: simple by construction. */
static void star(struct shape *s, size_t poly, double cx, double cy, double r, size_t n, bool hole)
{
	double *xy = malloc(2 * n * sizeof *xy);
	assert_non_null(xy);
	for (int ring = 0; ring < (hole ? 2 : 1); ring++) {
		for (size_t k = 0; k < n; k++) {
			double a = 2 * M_PI * ((double)k + uniform(0.1, 0.9)) / (double)n;
			double rr = ring == 0 ? r * uniform(0.6, 1.0) : r * uniform(0.2, 0.4);
			xy[2 * k] = cx + rr * cos(ring ? -a : a);
			xy[2 * k + 1] = cy + rr * sin(ring ? -a : a);
		}
		shape_ring(s, poly, xy, n, true);
	}
	free(xy);
}

/* A comb: a bar with teeth, all edges axis-parallel, many of them long
 * vertical ones (the slabs must cope). */
static void comb(struct shape *s, double x0, double y0, double w, double h, int teeth)
{
	size_t n = 0;
	double *xy = malloc((size_t)(4 * teeth + 4) * 2 * sizeof *xy);
	assert_non_null(xy);
	double tw = w / (2 * teeth - 1);
	xy[n++] = x0;
	xy[n++] = y0;
	for (int t = 0; t < teeth; t++) {
		double l = x0 + 2 * t * tw, r = l + tw;
		if (t) {
			xy[n++] = l;
			xy[n++] = y0 + 0.2 * h;
		}
		xy[n++] = l;
		xy[n++] = y0 + h;
		xy[n++] = r;
		xy[n++] = y0 + h;
		if (t + 1 < teeth) {
			xy[n++] = r;
			xy[n++] = y0 + 0.2 * h;
		}
	}
	xy[n++] = x0 + w;
	xy[n++] = y0;
	shape_ring(s, 0, xy, n / 2, true);
	free(xy);
}

static void random_shapes(struct layout *l, int count)
{
	for (int i = 0; i < count; i++) {
		char code[24];
		snprintf(code, sizeof code, "R%05d", i);
		struct shape *s = layout_add(l, code);
		double cx = uniform(LNG0 - 0.02, LNG0 + 0.12), cy = uniform(LAT0 - 0.02, LAT0 + 0.12);
		size_t n = (size_t)(3 + rng() % (i % 4 == 0 ? 120 : 30));
		star(s, 0, cx, cy, uniform(0.002, 0.03), n, i % 3 == 0);
		if (i % 5 == 0)
			star(s, 1, cx + 0.07, cy, uniform(0.002, 0.01), 5, false);
	}
	struct shape *c = layout_add(l, "C1");
	comb(c, LNG0 + 0.01, LAT0 + 0.02, 0.06, 0.05, 25);
	struct shape *big = layout_add(l, "W");
	star(big, 0, LNG0 + 0.05, LAT0 + 0.05, 0.08, 400, false);
}

/* ---- points to ask about --------------------------------------------- */

struct points {
	double *xy;
	size_t n, cap;
};

static void add_point(struct points *p, double x, double y)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->xy = realloc(p->xy, 2 * p->cap * sizeof *p->xy);
		assert_non_null(p->xy);
	}
	p->xy[2 * p->n] = x;
	p->xy[2 * p->n + 1] = y;
	p->n++;
}

/* a + b when it is exact (so that a point is exactly on a segment). */
static bool exact_sum(double a, double b, double *s)
{
	*s = a + b;
	double bv = *s - a, av = *s - bv;
	return (a - av) + (b - bv) == 0;
}

/* Points on and around the geometry: every vertex, the midpoint of every
 * edge where it is exactly representable, points along axis-parallel
 * edges, the neighbours one unit in the last place away from vertices and
 * midpoints, and random points in its box. */
static void points_for(struct points *p, const wg_geom *g, int random)
{
	for (size_t i = 0; i < g->npolys; i++)
		for (size_t r = 0; r < g->polys[i].nrings; r++) {
			const wg_ring *ring = &g->polys[i].rings[r];
			for (size_t k = 0; k + 1 < ring->n; k++) {
				const double *a = &ring->xy[2 * k], *b = &ring->xy[2 * k + 2];
				add_point(p, a[0], a[1]);
				add_point(p, nextafter(a[0], INFINITY), a[1]);
				add_point(p, a[0], nextafter(a[1], -INFINITY));
				double mx, my;
				if (exact_sum(a[0], b[0], &mx) && exact_sum(a[1], b[1], &my)) {
					add_point(p, mx / 2, my / 2);
					add_point(p, nextafter(mx / 2, INFINITY), my / 2);
					add_point(p, mx / 2, nextafter(my / 2, INFINITY));
				}
				if (a[1] == b[1])
					add_point(p, uniform(fmin(a[0], b[0]), fmax(a[0], b[0])), a[1]);
				if (a[0] == b[0])
					add_point(p, a[0], uniform(fmin(a[1], b[1]), fmax(a[1], b[1])));
			}
		}
	for (int i = 0; i < random; i++)
		add_point(p, uniform(g->min_lng, g->max_lng), uniform(g->min_lat, g->max_lat));
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static const struct layout *sorting_layout;

static int code_cmp(const void *a, const void *b)
{
	return strcmp(sorting_layout->codes[*(const size_t *)a], sorting_layout->codes[*(const size_t *)b]);
}

/* Index against brute force on every point, and each grid's exact test
 * against GEOS on the points made for it (grids GEOS calls valid only:
 * for an invalid polygon "covers" has no agreed answer). */
static void check_layout(struct layout *l, int random_points, size_t geos_every)
{
	struct points pts = {0};
	size_t geos_checked = 0, on_boundary = 0;
	for (size_t i = 0; i < l->n; i++) {
		const wg_geom *g = &l->shapes[i].g;
		if (g->npolys == 0)
			continue;
		size_t first = pts.n;
		points_for(&pts, g, 20);
		if (i % geos_every)
			continue;
		char err[128];
		if (wg_geometry_check(g, err, sizeof err) != 0)
			continue;
		wg_geometry_prepared *prep;
		assert_int_equal(wg_geometry_prepare(g, &prep), 0);
		for (size_t k = first; k < pts.n; k++) {
			double x = pts.xy[2 * k], y = pts.xy[2 * k + 1];
			bool want = wg_geometry_prepared_covers(prep, x, y);
			if (wg_locate_covers(g, x, y) != want)
				fail_msg("%s: point %.17g %.17g: covers %d, GEOS %d", l->codes[i], x, y,
				         !want, want);
			geos_checked++;
		}
		wg_geometry_prepared_free(prep);
	}
	assert_true(geos_checked > 1000);
	for (int i = 0; i < random_points; i++)
		add_point(&pts, uniform(LNG0 - 0.05, LNG0 + 0.2), uniform(LAT0 - 0.05, LAT0 + 0.2));

	/* The index gets copies: the layout stays whole for the checks. */
	const char **codes = malloc(l->n * sizeof *codes);
	struct shape *copies = malloc(l->n * sizeof *copies);
	size_t *by_code = malloc(l->n * sizeof *by_code);
	assert_true(codes && copies && by_code);
	for (size_t i = 0; i < l->n; i++) {
		codes[i] = l->codes[i];
		by_code[i] = i;
		assert_int_equal(wg_geom_copy(&l->shapes[i].g, &copies[i].g), 0);
	}
	sorting_layout = l;
	qsort(by_code, l->n, sizeof *by_code, code_cmp);
	wg_locate *ix = build(copies, codes, l->n);
	assert_int_equal(wg_locate_count(ix), l->n);
	size_t found = 0;
	for (size_t k = 0; k < pts.n; k++) {
		double x = pts.xy[2 * k], y = pts.xy[2 * k + 1];
		const char *got = wg_locate_find(ix, x, y), *want = wg_locate_find_brute(ix, x, y);
		if (!same(got, want))
			fail_msg("point %.17g %.17g: find %s, brute %s", x, y, got ? got : "NULL",
			         want ? want : "NULL");
		if (!got)
			continue;
		found++;
		/* The answer must be a grid that covers the point. */
		size_t lo = 0, hi = l->n;
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(l->codes[by_code[mid]], got) <= 0)
				lo = mid;
			else
				hi = mid;
		}
		const wg_geom *g = &l->shapes[by_code[lo]].g;
		assert_string_equal(l->codes[by_code[lo]], got);
		assert_true(wg_locate_covers(g, x, y));
		on_boundary += !wg_locate_covers(g, nextafter(x, INFINITY), y) ||
		               !wg_locate_covers(g, nextafter(x, -INFINITY), y);
	}
	/* Both kinds of answer, and many points on a boundary. */
	assert_true(found > pts.n / 4 && found < pts.n);
	assert_true(on_boundary > 1000);
	wg_locate_release(ix);
	free(copies);
	free(codes);
	free(by_code);
	free(pts.xy);
}

static void layout_free(struct layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		wg_geom_free(&l->shapes[i].g);
	free(l->shapes);
	free(l->codes);
}

static void test_lattice(void **state)
{
	(void)state;
	struct layout l = {0};
	lattice(&l, 12, 10, true);
	check_layout(&l, 20000, 1);
	layout_free(&l);
}

static void test_random_shapes(void **state)
{
	(void)state;
	struct layout l = {0};
	lattice(&l, 8, 8, true);
	random_shapes(&l, 150);
	check_layout(&l, 20000, 1);
	layout_free(&l);
}

/* A county of coarse squares (some missing) with a town of small squares
 * crowded into one of them: the buckets are cut again there. */
static void test_clustered(void **state)
{
	(void)state;
	struct layout l = {0};
	for (int j = 0; j < 25; j++)
		for (int i = 0; i < 25; i++) {
			if ((i * 25 + j) % 7 == 3)
				continue;
			char code[24];
			snprintf(code, sizeof code, "610326%06d", j * 25 + i);
			shape_rect(layout_add(&l, code), 0, LNG0 - 0.05 + i * 0.01, LAT0 - 0.05 + j * 0.01,
			           LNG0 - 0.04 + i * 0.01, LAT0 - 0.04 + j * 0.01);
		}
	for (int j = 0; j < 60; j++)
		for (int i = 0; i < 60; i++) {
			char code[24];
			snprintf(code, sizeof code, "610326101%06d", j * 60 + i);
			double x = LNG0 + 0.03 + i * 0.0002 + uniform(0, 0.00005),
			       y = LAT0 + 0.03 + j * 0.0002;
			shape_rect(layout_add(&l, code), 0, x, y, x + 0.00018, y + uniform(0.0001, 0.0004));
		}
	check_layout(&l, 20000, 25);
	/* And points in the town itself. */
	struct points pts = {0};
	for (int i = 0; i < 20000; i++)
		add_point(&pts, uniform(LNG0 + 0.029, LNG0 + 0.043), uniform(LAT0 + 0.029, LAT0 + 0.043));
	const char **codes = malloc(l.n * sizeof *codes);
	assert_non_null(codes);
	for (size_t i = 0; i < l.n; i++)
		codes[i] = l.codes[i];
	wg_locate *ix = build(l.shapes, codes, l.n);
	for (size_t k = 0; k < pts.n; k++) {
		double x = pts.xy[2 * k], y = pts.xy[2 * k + 1];
		const char *got = wg_locate_find(ix, x, y), *want = wg_locate_find_brute(ix, x, y);
		if (!same(got, want))
			fail_msg("point %.17g %.17g: find %s, brute %s", x, y, got ? got : "NULL",
			         want ? want : "NULL");
	}
	wg_locate_release(ix);
	free(codes);
	free(pts.xy);
	layout_free(&l);
}

/* Points exactly on a segment in general position, found by stepping from
 * one end by a fraction k / 2^m of an edge whose differences are small
 * integers times a power of two: then every step lands exactly on it. */
static void test_exact_on_edges(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		double ax = r7(uniform(73, 135)), ay = r7(uniform(18, 53));
		double dx = (double)((int)(rng() % 2001) - 1000) * 0x1p-20;
		double dy = (double)((int)(rng() % 2001) - 1000) * 0x1p-20;
		double bx = ax + dx, by = ay + dy, cx = ax + dy, cy = ay - dx;
		if (bx - ax != dx || by - ay != dy || cx - ax != dy || cy - ay != -dx || (dx == 0 && dy == 0))
			continue;
		struct shape s = {0};
		const double tri[] = {ax, ay, bx, by, cx, cy};
		shape_ring(&s, 0, tri, 3, false);
		wg_geometry_prepared *prep;
		assert_int_equal(wg_geometry_prepare(&s.g, &prep), 0);
		for (int k = 0; k <= 16; k++) {
			double t = k / 16.0, px = ax + t * dx, py = ay + t * dy;
			if (px - ax != t * dx || py - ay != t * dy)
				continue;
			assert_true(wg_locate_covers(&s.g, px, py));
			assert_true(wg_geometry_prepared_covers(prep, px, py));
			/* One ulp to the far side of the edge is outside. */
			double ox = nextafter(px, dy > 0 ? INFINITY : -INFINITY);
			if (dy != 0 && ox != px)
				assert_int_equal(wg_locate_covers(&s.g, ox, py),
				                 wg_geometry_prepared_covers(prep, ox, py));
		}
		wg_geometry_prepared_free(prep);
		wg_geom_free(&s.g);
	}
}

/* Points a few units in the last place from the line y = x near (0.5,
 * 0.5), against an edge from (-24, -24) to (12, 12): the differences p - a
 * are rounded, and plain floating point gets the side wrong for some of
 * them (Kettner et al., "Classroom examples of robustness problems"). The
 * triangle lies below the line, so p is covered exactly when x >= y. */
static void test_near_degenerate(void **state)
{
	(void)state;
	struct shape s = {0};
	const double tri[] = {-24, -24, 12, -24, 12, 12};
	shape_ring(&s, 0, tri, 3, false);
	wg_geometry_prepared *prep;
	assert_int_equal(wg_geometry_prepare(&s.g, &prep), 0);
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < 64; j++) {
			double x = 0.5 + i * 0x1p-53, y = 0.5 + j * 0x1p-53;
			bool want = x >= y;
			assert_int_equal(wg_geometry_prepared_covers(prep, x, y), want);
			if (wg_locate_covers(&s.g, x, y) != want)
				fail_msg("point %.17g %.17g: covers %d, want %d", x, y, !want, want);
		}
	wg_geometry_prepared_free(prep);
	wg_geom_free(&s.g);
}

/* v * 2^53 as an exact integer (v a multiple of 2^-53, |v| < 32). */
static __int128 fixed(double v)
{
	return (__int128)ldexp(v, 53);
}

/* A multiple of 2^-53 near v. */
static double quantize(double v)
{
	return ldexp(nearbyint(ldexp(v, 53)), -53);
}

/* A multiple of 2^-48 near v: such numbers below 32 in magnitude add and
 * subtract exactly. */
static double q48(double v)
{
	return ldexp(nearbyint(ldexp(v, 48)), -48);
}

/* Points on, or a few units in the last place from, the edge a->b of a
 * triangle that lies left of it. Everything is a multiple of 2^-53 below 32
 * in magnitude, so that 128-bit integers give the exact side: p is covered
 * exactly when it is on or left of the line. The edge is b = a + 1000 e
 * with e a small step, so that a + j e is exactly on it. Also against
 * GEOS. */
static void test_near_degenerate_random(void **state)
{
	(void)state;
	size_t on_line = 0, off_line = 0;
	for (int round = 0; round < 400; round++) {
		double ax = q48(uniform(-30, 30)), ay = q48(uniform(-30, 30));
		double scale = ldexp(1, -48 + (int)(rng() % 30));
		double ex = (double)((int)(rng() % 2001) - 1000) * scale,
		       ey = (double)((int)(rng() % 2001) - 1000) * scale;
		double bx = ax + 1000 * ex, by = ay + 1000 * ey;
		bool kettner = round % 2;
		if (kettner) {
			/* A long edge through the unit square, queried near its
			 * middle, where p - a is rounded: points near the line then
			 * fool plain floating point. */
			double ox = quantize(uniform(-0.9, 0.9)), oy = quantize(uniform(-0.9, 0.9));
			ax = q48(uniform(-28, 28));
			ay = q48(uniform(-28, 28));
			bx = quantize(2 * ox - ax);
			by = quantize(2 * oy - ay);
			ex = (bx - ax) / 1000;
			ey = (by - ay) / 1000;
		}
		/* c to the left, far from ab compared with the ulps used. */
		double cx = q48((ax + bx) / 2 - 1000 * ey), cy = q48((ay + by) / 2 + 1000 * ex);
		if (fmax(fmax(fabs(bx), fabs(by)), fmax(fabs(cx), fabs(cy))) >= 31 || (ex == 0 && ey == 0))
			continue;
		struct shape s = {0};
		const double tri[] = {ax, ay, bx, by, cx, cy};
		shape_ring(&s, 0, tri, 3, false);
		wg_geometry_prepared *prep;
		assert_int_equal(wg_geometry_prepare(&s.g, &prep), 0);
		for (int k = 0; k < 30; k++) {
			double j = (double)(100 + rng() % 801);
			double px = ax + j * ex, py = ay + j * ey;
			if (kettner) {
				px = quantize(ax + uniform(0.45, 0.55) * (bx - ax));
				py = quantize(ay + (px - ax) / (bx - ax) * (by - ay));
			} else {
				assert_true(fixed(px) ==
				            fixed(ax) + (__int128)j * (fixed(bx) - fixed(ax)) / 1000);
			}
			if (k % 3 || kettner) {
				for (int d = (int)(rng() % 7) - 3; d != 0; d += d > 0 ? -1 : 1)
					px = nextafter(px, d > 0 ? INFINITY : -INFINITY);
				for (int d = (int)(rng() % 7) - 3; d != 0; d += d > 0 ? -1 : 1)
					py = nextafter(py, d > 0 ? INFINITY : -INFINITY);
				px = quantize(px);
				py = quantize(py);
			}
			__int128 det = (fixed(bx) - fixed(ax)) * (fixed(py) - fixed(ay)) -
			               (fixed(by) - fixed(ay)) * (fixed(px) - fixed(ax));
			bool want = det >= 0;
			on_line += det == 0;
			off_line += det != 0;
			if (wg_locate_covers(&s.g, px, py) != want)
				fail_msg("edge %.17g %.17g %.17g %.17g, point %.17g %.17g: covers %d, exact "
				         "%d",
				         ax, ay, bx, by, px, py, !want, want);
			if (wg_geometry_prepared_covers(prep, px, py) != want)
				fail_msg("edge %.17g %.17g %.17g %.17g, point %.17g %.17g: GEOS %d, exact %d",
				         ax, ay, bx, by, px, py, !want, want);
		}
		wg_geometry_prepared_free(prep);
		wg_geom_free(&s.g);
	}
	assert_true(on_line > 1000);
	assert_true(off_line > 5000);
}

/* ---- candidates ------------------------------------------------------- */

struct visit {
	char seen[64][24];
	size_t n;
	size_t stop_at;
};

static int on_candidate(void *ctx, const char *code, const wg_geom *g)
{
	struct visit *v = ctx;
	assert_true(g->npolys > 0);
	assert_true(v->n < 64);
	for (size_t i = 0; i < v->n; i++)
		assert_string_not_equal(v->seen[i], code); /* once per grid */
	snprintf(v->seen[v->n++], sizeof v->seen[0], "%s", code);
	return v->stop_at && v->n == v->stop_at ? 42 : 0;
}

static void test_candidates(void **state)
{
	(void)state;
	struct layout l = {0};
	lattice(&l, 6, 6, false);
	struct shape *m = layout_add(&l, "M");
	shape_rect(m, 0, LNG0, LAT0, LNG0 + 0.001, LAT0 + 0.001);
	shape_rect(m, 1, LNG0 + 0.052, LAT0 + 0.052, LNG0 + 0.053, LAT0 + 0.053);
	struct shape *copies = malloc(l.n * sizeof *copies);
	const char **codes = malloc(l.n * sizeof *codes);
	assert_true(copies && codes);
	for (size_t i = 0; i < l.n; i++) {
		assert_int_equal(wg_geom_copy(&l.shapes[i].g, &copies[i].g), 0);
		codes[i] = l.codes[i];
	}
	wg_locate *ix = build(l.shapes, codes, l.n);
	for (int round = 0; round < 300; round++) {
		double x0 = uniform(LNG0 - 0.01, LNG0 + 0.07), y0 = uniform(LAT0 - 0.01, LAT0 + 0.07);
		double x1 = x0 + uniform(0, 0.02), y1 = y0 + uniform(0, 0.02);
		if (round % 10 == 0) /* a box exactly touching a grid's box */
			x1 = x0 = copies[round % l.n].g.max_lng;
		struct visit v = {.n = 0};
		assert_int_equal(wg_locate_candidates(ix, x0, y0, x1, y1, on_candidate, &v), 0);
		size_t want = 0;
		for (size_t i = 0; i < l.n; i++) {
			bool meets = false;
			for (size_t k = 0; k < copies[i].g.npolys; k++) {
				wg_geom one = {.npolys = 1, .polys = &copies[i].g.polys[k]};
				wg_geom_compute_bbox(&one);
				meets |= one.min_lng <= x1 && x0 <= one.max_lng && one.min_lat <= y1 &&
				         y0 <= one.max_lat;
			}
			bool seen = false;
			for (size_t k = 0; k < v.n; k++)
				seen |= strcmp(v.seen[k], l.codes[i]) == 0;
			if (meets != seen)
				fail_msg("box %g %g %g %g: %s meets %d, seen %d", x0, y0, x1, y1, l.codes[i],
				         meets, seen);
			want += meets;
		}
		assert_int_equal(v.n, want);
		if (want > 1) {
			struct visit stop = {.stop_at = 1};
			assert_int_equal(wg_locate_candidates(ix, x0, y0, x1, y1, on_candidate, &stop), 42);
			assert_int_equal(stop.n, 1);
		}
	}
	struct visit v = {.n = 0};
	assert_int_equal(wg_locate_candidates(ix, 0, 0, 1, 1, on_candidate, &v), 0);
	assert_int_equal(v.n, 0);
	wg_locate_release(ix);
	for (size_t i = 0; i < l.n; i++)
		wg_geom_free(&copies[i].g);
	free(copies);
	free(codes);
	layout_free(&l);
}

/* ---- scale ------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 grids: built, and a sample of points answered as brute force
 * does. The times printed are under the sanitizers, so only a guide; the
 * numbers to quote come from an optimised build. */
static void test_scale(void **state)
{
	(void)state;
	struct layout l = {0};
	lattice(&l, 400, 250, false);
	assert_int_equal(l.n, 100000);
	const char **codes = malloc(l.n * sizeof *codes);
	assert_non_null(codes);
	for (size_t i = 0; i < l.n; i++)
		codes[i] = l.codes[i];
	double t0 = now();
	wg_locate *ix = build(l.shapes, codes, l.n);
	double t1 = now();
	size_t found = 0, n = 200000;
	for (size_t i = 0; i < n; i++)
		found += wg_locate_find(ix, uniform(LNG0, LNG0 + 4), uniform(LAT0, LAT0 + 2.5)) != NULL;
	double t2 = now();
	assert_true(found > n * 9 / 10);
	for (int i = 0; i < 50; i++) {
		double x = uniform(LNG0, LNG0 + 4), y = uniform(LAT0, LAT0 + 2.5);
		assert_true(same(wg_locate_find(ix, x, y), wg_locate_find_brute(ix, x, y)));
	}
	print_message("100000 grids: build %.0f ms, %.2f M lookups/s (sanitized build)\n", (t1 - t0) * 1e3,
	              (double)n / (t2 - t1) / 1e6);
	wg_locate_release(ix);
	free(codes);
	layout_free(&l);
}

/* ---- the current index, shared between threads ------------------------- */

static wg_locate *generation_index(int gen)
{
	struct shape s = {0};
	shape_rect(&s, 0, 0, 0, 1, 1);
	char code[24];
	snprintf(code, sizeof code, "gen%06d", gen);
	wg_locate_builder *b = wg_locate_builder_new();
	assert_non_null(b);
	assert_int_equal(wg_locate_builder_add(b, code, &s.g), 0);
	wg_locate *ix = wg_locate_build(b);
	assert_non_null(ix);
	return ix;
}

#define READERS 3
#define WRITERS 2
#define PUBLISHES 300

static atomic_int writers_done;
static atomic_int next_gen;

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < PUBLISHES; i++)
		wg_locate_publish(generation_index(atomic_fetch_add(&next_gen, 1) + 1));
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

/* Reads until the writers are done: every index seen answers with its own
 * generation, and a reader never sees generations go back by more than
 * the other writer can interleave. */
static void *reader(void *arg)
{
	(void)arg;
	long reads = 0;
	while (atomic_load(&writers_done) < WRITERS || reads < 1000) {
		const wg_locate *ix = wg_locate_acquire();
		if (!ix)
			return (void *)1;
		const char *code = wg_locate_find(ix, 0.5, 0.5);
		if (wg_locate_count(ix) == 0) {
			if (code)
				return (void *)2;
		} else if (!code || strncmp(code, "gen", 3) != 0 ||
		           !same(code, wg_locate_find(ix, 0.25, 0.75))) {
			return (void *)3;
		}
		/* Hold it a while sometimes, across other publishes. */
		if (reads % 64 == 0)
			sched_yield();
		wg_locate_release(ix);
		reads++;
	}
	return NULL;
}

/* Between reading the pointer and taking the reference, a reader pauses
 * (every fourth time for 20 us) so that publishes and frees happen in
 * that window: without the generation counters this is a use after free
 * that AddressSanitizer reports. */
static void widen_race(void)
{
	static _Thread_local unsigned calls;
	if (calls++ % 4 == 0)
		nanosleep(&(struct timespec){0, 20000}, NULL);
	else
		sched_yield();
}

static void test_publish_threads(void **state)
{
	(void)state;
	wg__locate_acquire_hook = widen_race;
	/* Before any publish: the empty index. */
	const wg_locate *first = wg_locate_acquire();
	assert_non_null(first);
	assert_int_equal(wg_locate_count(first), 0);
	wg_locate_release(first);

	/* A reader's index outlives a publish. */
	wg_locate_publish(generation_index(0));
	const wg_locate *held = wg_locate_acquire();
	wg_locate_publish(generation_index(-1));
	assert_string_equal(wg_locate_find(held, 0.5, 0.5), "gen000000");
	const wg_locate *cur = wg_locate_acquire();
	assert_string_equal(wg_locate_find(cur, 0.5, 0.5), "gen-00001");
	wg_locate_release(cur);
	wg_locate_release(held);

	pthread_t r[READERS], w[WRITERS];
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader, NULL), 0);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, writer, NULL), 0);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_join(w[i], NULL), 0);
	for (int i = 0; i < READERS; i++) {
		void *rc;
		assert_int_equal(pthread_join(r[i], &rc), 0);
		assert_null(rc);
	}
	wg__locate_acquire_hook = NULL;
	cur = wg_locate_acquire();
	assert_int_equal(wg_locate_count(cur), 1);
	wg_locate_release(cur);
	wg_locate_publish(NULL);
	cur = wg_locate_acquire();
	assert_int_equal(wg_locate_count(cur), 0);
	wg_locate_release(cur);
	wg_locate_publish(generation_index(7));
	wg_locate_shutdown();
	cur = wg_locate_acquire();
	assert_int_equal(wg_locate_count(cur), 0);
	wg_locate_release(cur);
}

/* ---- the failing allocator ------------------------------------------- */

static void test_failing_allocator(void **state)
{
	(void)state;
	struct layout l = {0};
	lattice(&l, 9, 9, true);
	random_shapes(&l, 12);         /* with slabs: polygons of many edges */
	for (int i = 0; i < 30; i++) { /* a crowd: a subgrid */
		char code[24];
		snprintf(code, sizeof code, "T%02d", i);
		shape_rect(layout_add(&l, code), 0, LNG0 + 0.011 + i * 1e-5, LAT0 + 0.011,
		           LNG0 + 0.011 + i * 1e-5 + 1e-5, LAT0 + 0.0111);
	}
	unsigned long failures = 0;
	for (unsigned long n = 1;; n++) {
		struct shape *copies = malloc(l.n * sizeof *copies);
		assert_non_null(copies);
		for (size_t i = 0; i < l.n; i++)
			assert_int_equal(wg_geom_copy(&l.shapes[i].g, &copies[i].g), 0);
		wg_alloc_fail_at(n);
		wg_locate_builder *b = wg_locate_builder_new();
		int rc = b ? 0 : WG_ENOMEM;
		size_t added = 0;
		for (; rc == 0 && added < l.n; added++) {
			rc = wg_locate_builder_add(b, l.codes[added], &copies[added].g);
			if (rc)
				assert_true(copies[added].g.npolys > 0); /* still the caller's */
			else
				assert_int_equal(copies[added].g.npolys, 0);
		}
		wg_locate *ix = rc == 0 ? wg_locate_build(b) : NULL;
		wg_alloc_fail_at(0);
		if (rc)
			wg_locate_builder_free(b);
		for (size_t i = 0; i < l.n; i++)
			wg_geom_free(&copies[i].g);
		free(copies);
		if (ix) {
			assert_int_equal(wg_locate_count(ix), l.n);
			assert_non_null(wg_locate_find(ix, LNG0 + 0.05, LAT0 + 0.05));
			wg_locate_release(ix);
			break;
		}
		failures++;
		assert_true(n < 2000);
	}
	assert_true(failures > l.n);
	layout_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_lattice),
		cmocka_unit_test(test_random_shapes),
		cmocka_unit_test(test_clustered),
		cmocka_unit_test(test_exact_on_edges),
		cmocka_unit_test(test_near_degenerate),
		cmocka_unit_test(test_near_degenerate_random),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_publish_threads),
		cmocka_unit_test(test_failing_allocator),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	wg_geometry_thread_end();
	return rc;
}
