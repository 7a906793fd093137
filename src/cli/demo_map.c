/* The demo county's grid map: a treemap of towns, villages and grids. */
#include "cli/demo_map.h"

#include "core/alloc.h"
#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MIN_GRIDS_PER_VILLAGE 2
#define KM_PER_DEGREE_LAT 110.57
#define KM_PER_DEGREE_LNG_EQUATOR 111.32

uint64_t wg__demo_next(wg__demo_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t wg__demo_below(wg__demo_rng *r, uint64_t n)
{
	/* Rejection keeps it uniform; the loop almost never repeats. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = wg__demo_next(r);
	while (x >= limit);
	return x % n;
}

double wg__demo_unit(wg__demo_rng *r)
{
	return (double)(wg__demo_next(r) >> 11) * 0x1.0p-53;
}

void wg__demo_point_in(wg__demo_rng *r, const wg__demo_box *b, double *lng, double *lat)
{
	*lng = b->west + (b->east - b->west) * (0.1 + 0.8 * wg__demo_unit(r));
	*lat = b->south + (b->north - b->south) * (0.1 + 0.8 * wg__demo_unit(r));
}

/* What geojson.c keeps of a coordinate. */
static double round7(double x)
{
	return round(x * 1e7) / 1e7;
}

/* Split box among n weighted items into out[0..n): halves of the weight on
 * each side of a cut across the longer side, recursively. */
static void treemap(const wg__demo_box *box, const double *weights, size_t n, wg__demo_box *out)
{
	if (n == 1) {
		out[0] = *box;
		return;
	}
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += weights[i];
	/* The cut after item k leaves the two sides closest to equal weight. */
	size_t k = 1;
	double left = weights[0], best = fabs(total - 2 * left);
	for (size_t i = 1; i + 1 < n; i++) {
		double next = left + weights[i];
		if (fabs(total - 2 * next) >= best)
			break;
		left = next;
		best = fabs(total - 2 * next);
		k = i + 1;
	}
	double frac = left / total;
	double mid_lat = (box->south + box->north) / 2;
	double width_km = (box->east - box->west) * KM_PER_DEGREE_LNG_EQUATOR * cos(mid_lat * M_PI / 180);
	double height_km = (box->north - box->south) * KM_PER_DEGREE_LAT;
	wg__demo_box a = *box, b = *box;
	if (width_km >= height_km) {
		double x = round7(box->west + (box->east - box->west) * frac);
		a.east = b.west = x;
	} else {
		double y = round7(box->south + (box->north - box->south) * frac);
		a.north = b.south = y;
	}
	treemap(&a, weights, k, out);
	treemap(&b, weights + k, n - k, out + k);
}

/* Grids per village: the minimum each, the rest by weight with the largest
 * remainders rounding up, so the counts add up to total. */
static int grid_counts(const wg__demo_village *v, size_t n, int total, int *count)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i].weight > 0 ? v[i].weight : 0;
	int spare = total - MIN_GRIDS_PER_VILLAGE * (int)n;
	if (spare < 0 || sum <= 0)
		return WG_EVALIDATION;
	double *rest = wg_malloc(n * sizeof *rest);
	if (!rest)
		return WG_ENOMEM;
	int given = 0;
	for (size_t i = 0; i < n; i++) {
		double share = spare * (v[i].weight > 0 ? v[i].weight : 0) / sum;
		int whole = (int)floor(share);
		count[i] = MIN_GRIDS_PER_VILLAGE + whole;
		rest[i] = share - whole;
		given += whole;
	}
	for (; given < spare; given++) {
		size_t top = 0;
		for (size_t i = 1; i < n; i++)
			if (rest[i] > rest[top])
				top = i;
		count[top]++;
		rest[top] = -1;
	}
	wg_free(rest);
	for (size_t i = 0; i < n; i++)
		if (count[i] > 999)
			return WG_EVALIDATION;
	return 0;
}

/* Boxes of the towns (runs of villages with one town), then of the
 * villages inside each town. */
static int village_boxes(const wg__demo_box *county, const wg__demo_village *v, size_t n, wg__demo_box *vbox)
{
	double *w = wg_malloc(n * sizeof *w);
	wg__demo_box *tbox = wg_malloc(n * sizeof *tbox);
	size_t *start = wg_malloc((n + 1) * sizeof *start);
	if (!w || !tbox || !start) {
		wg_free(w);
		wg_free(tbox);
		wg_free(start);
		return WG_ENOMEM;
	}
	size_t towns = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i].town, v[i - 1].town) != 0) {
			start[towns] = i;
			w[towns++] = 0;
		}
		w[towns - 1] += v[i].area;
	}
	start[towns] = n;
	treemap(county, w, towns, tbox);
	for (size_t t = 0; t < towns; t++) {
		for (size_t i = start[t]; i < start[t + 1]; i++)
			w[i - start[t]] = v[i].area;
		treemap(&tbox[t], w, start[t + 1] - start[t], vbox + start[t]);
	}
	wg_free(w);
	wg_free(tbox);
	wg_free(start);
	return 0;
}

int wg__demo_map(const wg__demo_box *county, const wg__demo_village *villages, size_t nvillages, int total,
                 wg__demo_grid **grids, size_t *n)
{
	*grids = NULL;
	*n = 0;
	/* Three digits number a village's grids. */
	if (nvillages == 0 || total < MIN_GRIDS_PER_VILLAGE * (int)nvillages || total > 999 * (int)nvillages)
		return WG_EVALIDATION;
	int *count = wg_malloc(nvillages * sizeof *count);
	wg__demo_box *vbox = wg_malloc(nvillages * sizeof *vbox);
	wg__demo_grid *out = wg_malloc((size_t)total * sizeof *out);
	double *ones = wg_malloc((size_t)total * sizeof *ones);
	wg__demo_box *gbox = wg_malloc((size_t)total * sizeof *gbox);
	int rc = count && vbox && out && ones && gbox ? 0 : WG_ENOMEM;
	rc = rc ? rc : grid_counts(villages, nvillages, total, count);
	rc = rc ? rc : village_boxes(county, villages, nvillages, vbox);
	size_t g = 0;
	for (size_t i = 0; !rc && i < nvillages; i++) {
		for (int k = 0; k < count[i]; k++)
			ones[k] = 1;
		treemap(&vbox[i], ones, (size_t)count[i], gbox);
		for (int k = 0; k < count[i]; k++, g++) {
			snprintf(out[g].code, sizeof out[g].code, "%.12s%03d", villages[i].code,
			         (k + 1) % 1000);
			out[g].village = i;
			out[g].number = k + 1;
			out[g].box = gbox[k];
		}
	}
	wg_free(count);
	wg_free(vbox);
	wg_free(ones);
	wg_free(gbox);
	if (rc) {
		wg_free(out);
		return rc;
	}
	*grids = out;
	*n = g;
	return 0;
}
