/* demo_map.h - the grid map of the demo county: every village's grids
 * tiling the village's area, every village tiling its town's, every town
 * tiling the county box.
 *
 * The map is a treemap: a rectangle is split in two along its longer side
 * (measured on the ground, not in degrees) in proportion to the weights of
 * two halves of its items, down to one item per rectangle. Every split
 * coordinate is rounded to 1e-7 degree (what src/io/geojson.h keeps) once
 * and shared by both sides, so neighbours share their edges exactly: the
 * polygons are valid, never overlap and leave no gaps. Deterministic for a
 * seed. */
#ifndef WG_CLI_DEMO_MAP_H
#define WG_CLI_DEMO_MAP_H

#include <stddef.h>
#include <stdint.h>

/* A small deterministic generator (splitmix64), so that a seed gives the
 * same county on every machine. */
typedef struct wg__demo_rng {
	uint64_t state;
} wg__demo_rng;

uint64_t wg__demo_next(wg__demo_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t wg__demo_below(wg__demo_rng *r, uint64_t n);
/* Uniform in [0, 1). */
double wg__demo_unit(wg__demo_rng *r);

typedef struct wg__demo_box {
	double west, south, east, north;
} wg__demo_box;

/* A village to give grids to; town is its town's code. */
typedef struct wg__demo_village {
	char code[13];
	char town[13];
	char name[96];
	const char *type; /* grid type of its grids: "urban", "rural", "special" */
	double weight;    /* relative number of grids */
	double area;      /* relative share of its town's area */
} wg__demo_village;

typedef struct wg__demo_grid {
	char code[16];  /* the village code and 3 digits from 001 */
	size_t village; /* index into the villages given */
	int number;     /* 1-based within the village */
	wg__demo_box box;
} wg__demo_grid;

/* The map of total grids (at least 2 per village) over villages inside
 * county. Villages of one town must be adjacent in the array. Grid counts
 * follow the villages' weights (largest remainders, so they add up to
 * total exactly). *grids gets an array of *n grids from wg_malloc, ordered
 * by code; the caller frees it with wg_free. Returns 0, WG_EVALIDATION when
 * total is below 2 per village or there are no villages, or WG_ENOMEM. */
int wg__demo_map(const wg__demo_box *county, const wg__demo_village *villages, size_t nvillages, int total,
                 wg__demo_grid **grids, size_t *n);

/* A point inside a box, at least a tenth of its size from every edge, so
 * that it belongs to that box's grid alone. */
void wg__demo_point_in(wg__demo_rng *r, const wg__demo_box *b, double *lng, double *lat);

#endif
