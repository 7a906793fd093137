/* fuzz_geojson.c - GeoJSON geometries and FeatureCollections on arbitrary
 * text, and the point index on whatever parses.
 *
 * Every geometry that parses must have coordinates on the 1e-7 grid within
 * range and closed rings, and its canonical text must parse back to exactly
 * the same doubles and the same text. Every failure must come with a
 * message. A parsed geometry is also put in a point index, and the index
 * must agree with brute force on its vertices and a few points around. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "domain/locate.h"
#include "io/geojson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_geom(const wg_geom *a, const wg_geom *b)
{
	if (a->npolys != b->npolys)
		return false;
	for (size_t i = 0; i < a->npolys; i++) {
		if (a->polys[i].nrings != b->polys[i].nrings)
			return false;
		for (size_t r = 0; r < a->polys[i].nrings; r++) {
			const wg_ring *x = &a->polys[i].rings[r], *y = &b->polys[i].rings[r];
			if (x->n != y->n || memcmp(x->xy, y->xy, 2 * x->n * sizeof(double)) != 0)
				return false;
		}
	}
	return true;
}

static void check_shape(const wg_geom *g)
{
	size_t points = 0;
	if (g->npolys == 0)
		abort();
	for (size_t i = 0; i < g->npolys; i++) {
		if (g->polys[i].nrings == 0)
			abort();
		for (size_t r = 0; r < g->polys[i].nrings; r++) {
			const wg_ring *ring = &g->polys[i].rings[r];
			points += ring->n;
			if (ring->n < 4 || ring->xy[0] != ring->xy[2 * ring->n - 2] ||
			    ring->xy[1] != ring->xy[2 * ring->n - 1])
				abort();
			for (size_t k = 0; k < ring->n; k++) {
				double x = ring->xy[2 * k], y = ring->xy[2 * k + 1];
				if (!(fabs(x) <= 180 && fabs(y) <= 90) ||
				    x != (double)llround(x * 1e7) / 1e7 ||
				    y != (double)llround(y * 1e7) / 1e7 || x < g->min_lng || x > g->max_lng ||
				    y < g->min_lat || y > g->max_lat)
					abort();
			}
		}
	}
	if (points > WG_GEOJSON_MAX_POINTS)
		abort();
}

static void round_trip(const wg_geom *g)
{
	char *text, *again_text;
	size_t len, again_len;
	if (wg_geojson_text(g, &text, &len) != 0)
		abort();
	wg_geom again;
	char err[256];
	if (wg_geojson_parse_text(text, len, &again, err, sizeof err) != 0 || !same_geom(g, &again))
		abort();
	if (wg_geojson_text(&again, &again_text, &again_len) != 0 || again_len != len ||
	    memcmp(text, again_text, len) != 0)
		abort();
	wg_free(text);
	wg_free(again_text);
	wg_geom_free(&again);
}

static bool same_code(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The geometry as grid "G", next to a square "A" around its first point:
 * the index answers as brute force does on vertices, their neighbours one
 * unit in the last place away, and edge midpoints. */
static void check_index(const wg_geom *g)
{
	wg_geom copy;
	if (wg_geom_copy(g, &copy) != 0)
		abort();
	const double *p0 = g->polys[0].rings[0].xy;
	double sq[10] = {p0[0] - 0.001, p0[1] - 0.001, p0[0] + 0.001, p0[1] - 0.001, p0[0] + 0.001,
	                 p0[1] + 0.001, p0[0] - 0.001, p0[1] + 0.001, p0[0] - 0.001, p0[1] - 0.001};
	double *xy = wg_malloc(sizeof sq);
	wg_ring *ring = wg_malloc(sizeof *ring);
	wg_polygon *poly = wg_malloc(sizeof *poly);
	if (!xy || !ring || !poly)
		abort();
	memcpy(xy, sq, sizeof sq);
	*ring = (wg_ring){5, xy};
	*poly = (wg_polygon){1, ring};
	wg_geom square = {.npolys = 1, .polys = poly};
	wg_geom_compute_bbox(&square);
	wg_locate_builder *b = wg_locate_builder_new();
	if (!b || wg_locate_builder_add(b, "G", &copy) != 0 || wg_locate_builder_add(b, "A", &square) != 0)
		abort();
	wg_locate *ix = wg_locate_build(b);
	if (!ix)
		abort();
	size_t tested = 0;
	for (size_t i = 0; i < g->npolys && tested < 400; i++)
		for (size_t r = 0; r < g->polys[i].nrings && tested < 400; r++) {
			const wg_ring *gr = &g->polys[i].rings[r];
			for (size_t k = 0; k + 1 < gr->n && tested < 400; k++, tested++) {
				const double *a = &gr->xy[2 * k];
				const double pts[4][2] = {{a[0], a[1]},
				                          {nextafter(a[0], INFINITY), a[1]},
				                          {a[0], nextafter(a[1], -INFINITY)},
				                          {(a[0] + a[2]) / 2, (a[1] + a[3]) / 2}};
				for (int j = 0; j < 4; j++) {
					const char *found = wg_locate_find(ix, pts[j][0], pts[j][1]);
					if (!same_code(found, wg_locate_find_brute(ix, pts[j][0], pts[j][1])))
						abort();
					if (j == 0 && !found)
						abort(); /* a vertex is on the boundary */
				}
			}
		}
	wg_locate_release(ix);
}

static int on_feature(void *ctx, size_t index, const json_t *properties, const wg_geom *g, const char *error)
{
	size_t *next = ctx;
	if (index != (*next)++ || (g == NULL) == (error == NULL) ||
	    (properties && !json_is_object(properties)))
		abort();
	if (g) {
		check_shape(g);
		round_trip(g);
	} else if (!error[0]) {
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	wg_geom g;
	char err[256];
	int rc = wg_geojson_parse_text(text, size, &g, err, sizeof err);
	if (rc == 0) {
		if (err[0])
			abort();
		check_shape(&g);
		round_trip(&g);
		check_index(&g);
		wg_geom_free(&g);
	} else if ((rc != WG_EVALIDATION && rc != WG_EBADREQ) || !err[0] || g.npolys || g.polys ||
	           (rc == WG_EBADREQ && strncmp(err, "line ", 5) != 0)) {
		abort();
	}
	size_t next = 0;
	rc = wg_geojson_features(text, size, on_feature, &next, err, sizeof err);
	if (rc != 0 && (rc != WG_EBADREQ || !err[0] || next != 0))
		abort();
	free(text);
	return 0;
}
