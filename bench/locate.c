/* bench/locate.c - point-to-grid lookups per second with the in-memory
 * locate index (src/domain/locate.h), beside testing every grid in turn
 * (the brute-force baseline), over two maps: the demo county's 974 grids and
 * 100,000 synthetic grids covering a province-sized box. Both maps are the
 * demo's treemap (src/cli/demo_map.h), so they tile without overlaps.
 *
 *   bench_locate [--points=N] [--dump=DIR]
 *
 * Prints one line per measurement. With --dump, writes for each map
 * DIR/<map>-grids.csv (code, WKT) and DIR/<map>-points.csv (id, lng, lat)
 * so that bench/locate.sh can load the same grids and points into PostGIS,
 * and DIR/<map>-found.txt, how many points the index placed, to compare. */
#include "domain/locate.h"
#include "cli/demo_map.h"
#include "core/alloc.h"
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct map {
	const char *name;
	wg__demo_box box;
	size_t villages, towns;
	int grids;
};

static void fake_villages(const struct map *m, wg__demo_rng *r, wg__demo_village *v)
{
	for (size_t i = 0; i < m->villages; i++) {
		size_t town = i * m->towns / m->villages;
		/* Town and village numbers fit the 12 digits of a village code. */
		snprintf(v[i].town, sizeof v[i].town, "61%07zu000", town % 10000000);
		snprintf(v[i].code, sizeof v[i].code, "61%07zu%03zu", town % 10000000, i % 1000);
		v[i].type = "rural";
		v[i].weight = 0.5 + wg__demo_unit(r);
		v[i].area = 0.5 + wg__demo_unit(r);
	}
}

static wg_locate *build(const wg__demo_grid *g, size_t n)
{
	wg_locate_builder *b = wg_locate_builder_new();
	for (size_t i = 0; b && i < n; i++) {
		const wg__demo_box *x = &g[i].box;
		double *xy = wg_malloc(10 * sizeof *xy);
		wg_ring *ring = wg_malloc(sizeof *ring);
		wg_polygon *poly = wg_malloc(sizeof *poly);
		if (!xy || !ring || !poly) {
			fprintf(stderr, "bench_locate: out of memory\n");
			exit(1);
		}
		const double pts[] = {x->west,  x->south, x->east,  x->south, x->east,
		                      x->north, x->west,  x->north, x->west,  x->south};
		memcpy(xy, pts, sizeof pts);
		*ring = (wg_ring){5, xy};
		*poly = (wg_polygon){1, ring};
		wg_geom geom = {1, poly, x->west, x->south, x->east, x->north};
		if (wg_locate_builder_add(b, g[i].code, &geom) != 0) {
			fprintf(stderr, "bench_locate: out of memory\n");
			exit(1);
		}
	}
	return b ? wg_locate_build(b) : NULL;
}

static void dump(const char *dir, const struct map *m, const wg__demo_grid *g, size_t n, const double *pts,
                 size_t npts, size_t found)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s-grids.csv", dir, m->name);
	FILE *f = fopen(path, "w");
	for (size_t i = 0; f && i < n; i++) {
		const wg__demo_box *x = &g[i].box;
		fprintf(f, "%s,\"POLYGON((%.7f %.7f,%.7f %.7f,%.7f %.7f,%.7f %.7f,%.7f %.7f))\"\n", g[i].code,
		        x->west, x->south, x->east, x->south, x->east, x->north, x->west, x->north, x->west,
		        x->south);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "%s/%s-points.csv", dir, m->name);
	f = fopen(path, "w");
	for (size_t i = 0; f && i < npts; i++)
		fprintf(f, "%zu,%.17g,%.17g\n", i, pts[2 * i], pts[2 * i + 1]);
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "%s/%s-found.txt", dir, m->name);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%zu\n", found);
		fclose(f);
	}
}

static void run(const struct map *m, size_t npoints, const char *dump_dir)
{
	wg__demo_rng r = {1};
	wg__demo_village *v = wg_calloc(m->villages, sizeof *v);
	wg__demo_grid *g;
	size_t n;
	if (v)
		fake_villages(m, &r, v);
	if (!v || wg__demo_map(&m->box, v, m->villages, m->grids, &g, &n) != 0) {
		fprintf(stderr, "bench_locate: cannot make the %s map\n", m->name);
		exit(1);
	}
	int64_t t0 = wg_clock_mono_us();
	wg_locate *ix = build(g, n);
	int64_t t1 = wg_clock_mono_us();
	if (!ix) {
		fprintf(stderr, "bench_locate: out of memory\n");
		exit(1);
	}
	/* Points over a box a little larger than the map, so some miss. */
	double *pts = wg_malloc(2 * npoints * sizeof *pts);
	double w = m->box.east - m->box.west, h = m->box.north - m->box.south;
	for (size_t i = 0; pts && i < npoints; i++) {
		pts[2 * i] = m->box.west - w * 0.05 + w * 1.1 * wg__demo_unit(&r);
		pts[2 * i + 1] = m->box.south - h * 0.05 + h * 1.1 * wg__demo_unit(&r);
	}
	if (!pts)
		exit(1);
	size_t found = 0;
	int64_t t2 = wg_clock_mono_us();
	for (size_t i = 0; i < npoints; i++)
		found += wg_locate_find(ix, pts[2 * i], pts[2 * i + 1]) != NULL;
	int64_t t3 = wg_clock_mono_us();
	/* Brute force is slow on big maps: a sample, which also checks answers. */
	size_t sample = npoints < 2000 ? npoints : 2000, differ = 0;
	int64_t t4 = wg_clock_mono_us();
	for (size_t i = 0; i < sample; i++) {
		const char *a = wg_locate_find_brute(ix, pts[2 * i], pts[2 * i + 1]);
		const char *b = wg_locate_find(ix, pts[2 * i], pts[2 * i + 1]);
		differ += (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
	}
	int64_t t5 = wg_clock_mono_us();
	double index_rate = (double)npoints / ((double)(t3 - t2) / 1e6);
	double brute_rate = (double)sample / ((double)(t5 - t4) / 1e6);
	printf("locate %-8s grids=%zu build_ms=%.1f points=%zu found=%zu index_per_s=%.0f "
	       "brute_per_s=%.0f index_vs_brute=%.1fx disagreements=%zu\n",
	       m->name, n, (double)(t1 - t0) / 1e3, npoints, found, index_rate, brute_rate,
	       index_rate / brute_rate, differ);
	if (dump_dir)
		dump(dump_dir, m, g, n, pts, npoints, found);
	wg_locate_release(ix);
	wg_free(pts);
	wg_free(g);
	wg_free(v);
	if (differ)
		exit(1);
}

int main(int argc, char **argv)
{
	size_t points = 1000000;
	const char *dump_dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--points=", 9) == 0)
			points = strtoul(argv[i] + 9, NULL, 10);
		else if (strncmp(argv[i], "--dump=", 7) == 0)
			dump_dir = argv[i] + 7;
		else {
			fprintf(stderr, "usage: bench_locate [--points=N] [--dump=DIR]\n");
			return 2;
		}
	}
	if (points == 0)
		points = 1;
	/* Mei county: 97 villages in 10 towns, 974 grids; a province: 100,000
	 * grids over Shaanxi's box. */
	const struct map maps[] = {
		{"county", {107.6, 33.95, 108.05, 34.35}, 97, 10, 974},
		{"province", {105.5, 31.7, 111.2, 39.6}, 10000, 1000, 100000},
	};
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
		run(&maps[i], points, dump_dir);
	return 0;
}
