/* test_demo_map.c - the demo county's map: grid counts, codes, and a
 * tiling without overlaps or gaps inside the county box. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/demo_map.h"
#include "core/alloc.h"
#include "core/error.h"

static const wg__demo_box county = {107.6, 33.95, 108.05, 34.35};

/* 97 villages in 10 towns of uneven sizes, like Mei county. */
static size_t make_villages(wg__demo_village *v, wg__demo_rng *r)
{
	static const int per_town[] = {16, 16, 6, 13, 16, 12, 7, 9, 1, 1};
	size_t n = 0;
	for (size_t t = 0; t < sizeof per_town / sizeof per_town[0]; t++)
		for (int k = 0; k < per_town[t]; k++, n++) {
			snprintf(v[n].town, sizeof v[n].town, "610326%03zu000", (101 + t) % 1000);
			snprintf(v[n].code, sizeof v[n].code, "610326%03zu%03d", (101 + t) % 1000,
			         (200 + k) % 1000);
			snprintf(v[n].name, sizeof v[n].name, "村%zu", n);
			v[n].type = "rural";
			v[n].weight = 0.5 + wg__demo_unit(r);
			v[n].area = 0.5 + wg__demo_unit(r);
		}
	return n;
}

static double area(const wg__demo_box *b)
{
	return (b->east - b->west) * (b->north - b->south);
}

static void test_tiles_the_county(void **state)
{
	(void)state;
	wg__demo_village v[97];
	wg__demo_rng r = {42};
	size_t nv = make_villages(v, &r);
	assert_int_equal(nv, 97);
	wg__demo_grid *g;
	size_t n;
	assert_int_equal(wg__demo_map(&county, v, nv, 974, &g, &n), 0);
	assert_int_equal(n, 974);
	int *per_village = calloc(nv, sizeof *per_village);
	assert_non_null(per_village);
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		const wg__demo_box *b = &g[i].box;
		assert_true(b->west >= county.west && b->east <= county.east);
		assert_true(b->south >= county.south && b->north <= county.north);
		assert_true(b->west < b->east && b->south < b->north);
		assert_memory_equal(g[i].code, v[g[i].village].code, 12);
		assert_int_equal(strlen(g[i].code), 15);
		if (i > 0)
			assert_true(strcmp(g[i - 1].code, g[i].code) < 0);
		per_village[g[i].village]++;
		sum += area(b);
		/* Interiors of two boxes meet only when they overlap on both axes. */
		for (size_t j = 0; j < i; j++) {
			const wg__demo_box *c = &g[j].box;
			bool overlap = b->west < c->east && c->west < b->east && b->south < c->north &&
			               c->south < b->north;
			if (overlap)
				fail_msg("grids %s and %s overlap", g[i].code, g[j].code);
		}
		/* Every coordinate is what GeoJSON storage keeps (1e-7 degree). */
		const double xs[] = {b->west, b->south, b->east, b->north};
		for (size_t k = 0; k < 4; k++)
			assert_true(round(xs[k] * 1e7) / 1e7 == xs[k]);
	}
	/* No overlaps and the same total area: no gaps either. */
	assert_true(sum > area(&county) * (1 - 1e-9) && sum < area(&county) * (1 + 1e-9));
	for (size_t i = 0; i < nv; i++)
		assert_true(per_village[i] >= 2);
	free(per_village);
	wg_free(g);
}

static void test_deterministic(void **state)
{
	(void)state;
	wg__demo_village v[97];
	wg__demo_rng r1 = {7}, r2 = {7};
	size_t nv = make_villages(v, &r1);
	wg__demo_grid *a, *b;
	size_t na, nb;
	assert_int_equal(wg__demo_map(&county, v, nv, 500, &a, &na), 0);
	make_villages(v, &r2);
	assert_int_equal(wg__demo_map(&county, v, nv, 500, &b, &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof *a);
	wg_free(a);
	wg_free(b);
}

static void test_refuses_too_few(void **state)
{
	(void)state;
	wg__demo_village v[97];
	wg__demo_rng r = {1};
	size_t nv = make_villages(v, &r);
	wg__demo_grid *g = (wg__demo_grid *)1;
	size_t n = 1;
	assert_int_equal(wg__demo_map(&county, v, nv, 193, &g, &n), WG_EVALIDATION);
	assert_null(g);
	assert_int_equal(n, 0);
	assert_int_equal(wg__demo_map(&county, v, 0, 10, &g, &n), WG_EVALIDATION);
}

static void test_rng(void **state)
{
	(void)state;
	wg__demo_rng r = {3};
	int seen[10] = {0};
	for (int i = 0; i < 10000; i++) {
		uint64_t x = wg__demo_below(&r, 10);
		assert_true(x < 10);
		seen[x]++;
		double u = wg__demo_unit(&r);
		assert_true(u >= 0 && u < 1);
	}
	for (int i = 0; i < 10; i++)
		assert_true(seen[i] > 800 && seen[i] < 1200);
	wg__demo_box b = {1, 2, 3, 4};
	for (int i = 0; i < 1000; i++) {
		double lng, lat;
		wg__demo_point_in(&r, &b, &lng, &lat);
		assert_true(lng >= 1.2 && lng <= 2.8 && lat >= 2.2 && lat <= 3.8);
	}
}

static void test_out_of_memory(void **state)
{
	(void)state;
	wg__demo_village v[97];
	wg__demo_rng r = {5};
	size_t nv = make_villages(v, &r);
	for (int nth = 1; nth < 20; nth++) {
		wg_alloc_fail_at(nth);
		wg__demo_grid *g;
		size_t n;
		int rc = wg__demo_map(&county, v, nv, 300, &g, &n);
		wg_alloc_fail_at(0);
		if (rc == 0) {
			wg_free(g);
			break;
		}
		assert_int_equal(rc, WG_ENOMEM);
		assert_null(g);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiles_the_county), cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_refuses_too_few),  cmocka_unit_test(test_rng),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
