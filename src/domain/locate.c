#include "domain/locate.h"

#include "core/alloc.h"
#include "core/error.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact orientation ------------------------------------------------ */

/* hi + lo == a * b exactly (barring underflow): fma gives the rounding
 * error of the product. */
static void two_product(double a, double b, double *hi, double *lo)
{
	*hi = a * b;
	*lo = fma(a, b, -*hi);
}

/* s + *err == a + b exactly, for any magnitudes (Knuth's TwoSum). */
static double two_sum(double a, double b, double *err)
{
	double s = a + b;
	double bv = s - a;
	double av = s - bv;
	*err = (a - av) + (b - bv);
	return s;
}

/* The sign of the exact sum of n doubles (n <= 12). Each term is added to a
 * floating-point expansion (components that do not overlap, increasing in
 * magnitude, zeros dropped), which represents the sum so far exactly; the
 * largest component, the last, has the sign of the whole. */
static int sum_sign(const double *terms, size_t n)
{
	double e[12];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		double q = terms[i];
		size_t k = 0;
		for (size_t j = 0; j < len; j++) {
			double err;
			q = two_sum(q, e[j], &err);
			if (err != 0)
				e[k++] = err;
		}
		if (q != 0)
			e[k++] = q;
		len = k;
	}
	return len == 0 ? 0 : e[len - 1] > 0 ? 1 : -1;
}

/* The exact sign of (b - a) x (p - a). Expanded, the determinant is
 * bx*py - bx*ay - ax*py - by*px + by*ax + ay*px (the ax*ay terms cancel):
 * six products, each split exactly into two doubles. */
static int orient_exact(double ax, double ay, double bx, double by, double px, double py)
{
	double t[12];
	two_product(bx, py, &t[0], &t[1]);
	two_product(-bx, ay, &t[2], &t[3]);
	two_product(-ax, py, &t[4], &t[5]);
	two_product(-by, px, &t[6], &t[7]);
	two_product(by, ax, &t[8], &t[9]);
	two_product(ay, px, &t[10], &t[11]);
	return sum_sign(t, 12);
}

/* 1 when p is left of the directed line a->b, -1 right, 0 on it. The
 * floating-point value is trusted when it is farther from 0 than its error
 * can be: each of the two products carries at most about 3 units of
 * roundoff (two subtractions, one product) and the final subtraction one
 * more, so 4u(|l| + |r|) bounds it (u = 2^-53); the bound used is twice
 * that, plus a tiny absolute term for products in the subnormal range. */
static int orient(double ax, double ay, double bx, double by, double px, double py)
{
	double l = (bx - ax) * (py - ay);
	double r = (by - ay) * (px - ax);
	double det = l - r;
	double bound = 0x1p-50 * (fabs(l) + fabs(r)) + 0x1p-960;
	if (det > bound)
		return 1;
	if (det < -bound)
		return -1;
	return orient_exact(ax, ay, bx, by, px, py);
}

/* ---- point in polygon ---------------------------------------------------- */

/* One edge a->b against the point p: true when p lies on the edge;
 * otherwise flips *inside when the ray from p towards +x crosses the edge.
 * An edge counts for the ray when it straddles p's latitude half-open
 * (one end <= py, the other > py), so a vertex on the ray counts once. */
static inline bool edge_test(double ax, double ay, double bx, double by, double px, double py, bool *inside)
{
	if ((py < ay && py < by) || (py > ay && py > by))
		return false;
	if (px > ax && px > bx)
		return false;
	bool straddle = (ay <= py) != (by <= py);
	if (px < ax && px < bx) {
		if (straddle)
			*inside = !*inside;
		return false;
	}
	/* p is in the edge's closed box: on the line means on the edge. */
	int o = orient(ax, ay, bx, by, px, py);
	if (o == 0)
		return true;
	if (straddle && (ay <= py ? o > 0 : o < 0))
		*inside = !*inside;
	return false;
}

/* The edges of one closed ring of n points; true when p is on one. */
static bool ring_test(const double *xy, size_t n, double px, double py, bool *inside)
{
	for (size_t k = 0; k + 1 < n; k++)
		if (edge_test(xy[2 * k], xy[2 * k + 1], xy[2 * k + 2], xy[2 * k + 3], px, py, inside))
			return true;
	return false;
}

/* Even-odd over all rings of the polygon, boundary included. */
static bool polygon_covers(const wg_polygon *poly, double px, double py)
{
	bool inside = false;
	for (size_t r = 0; r < poly->nrings; r++)
		if (ring_test(poly->rings[r].xy, poly->rings[r].n, px, py, &inside))
			return true;
	return inside;
}

bool wg_locate_covers(const wg_geom *g, double lng, double lat)
{
	if (isnan(lng) || isnan(lat))
		return false;
	for (size_t i = 0; i < g->npolys; i++)
		if (polygon_covers(&g->polys[i], lng, lat))
			return true;
	return false;
}

/* ---- the index ---------------------------------------------------------- */

#define RASTER_MIN 24 /* polygons with at least this many edges get a raster */
#define SLAB_MIN 64   /* polygons with more edges get slabs */
#define SLAB_EDGES 4  /* edges per slab aimed at */
#define SLAB_GROWTH 4 /* at most this many edge entries per edge */
#define MAX_ITEMS 0x3fffffffu
#define CELLS_PER_ITEM 2   /* buckets: at most this many per polygon, on average */
#define ENTRIES_PER_ITEM 8 /* bucket entries: at most this many per polygon, on average */
#define SUB_MIN 12         /* a bucket with more entries gets a subgrid */
#define SUB_MAX_SIDE 32    /* cells across a subgrid at most */

struct grid {
	char *code;
	size_t code_len;
	size_t order;    /* when it was added: ties of equal codes */
	size_t poly_off; /* its first polygon's box in wg_locate.poly_boxes */
	wg_geom geom;
};

/* A polygon with many edges has them listed again in horizontal slabs of
 * equal height: slab s lists every edge whose closed latitude range meets
 * it, by a pointer to the edge's first point (the second follows). Slabs
 * are numbered by the monotone `column`, so an edge whose range holds py is
 * always listed in py's slab, and only such edges can cross p's ray or hold
 * p. */
struct slabs {
	uint32_t n;
	double y0, inv_h;
	uint32_t *start;      /* n + 1 offsets into edges, allocated with the struct */
	const double **edges; /* allocated apart */
};

/* A polygon with many edges also has a raster: its box cut into cells,
 * each known to be inside, outside, or crossed by an edge. A cell is marked
 * crossed when the box of any edge meets it (columns and rows come from
 * the monotone mapping `column`, so that is decided without rounding
 * doubt); no edge passes through any other cell, so all of its points
 * share one answer, found by testing one point. Most points then need no
 * edge at all. */
enum { CELL_EDGE, CELL_IN, CELL_OUT, CELL_UNSET };

struct raster {
	double x0, y0, x1, y1; /* the polygon's box */
	double inv_w, inv_h;   /* cells per degree */
	uint32_t gx, gy;
	unsigned char cell[]; /* gy rows of gx */
};

/* One polygon: what a point test reads, in one place, so that it costs as
 * few cache misses as possible. */
struct item {
	const double *xy;            /* the outer ring */
	const char *code;            /* the grid's code */
	const wg_polygon *p;         /* for the holes */
	const struct raster *raster; /* or NULL */
	const struct slabs *slabs;   /* NULL: scan the rings */
	uint32_t n;                  /* points of the outer ring */
	uint32_t nrings;
	uint32_t grid; /* the grid's rank: index into wg_locate.grids */
	uint32_t poly; /* which polygon of the grid */
};

/* A polygon in a bucket: its box, rounded outwards to floats (an entry
 * fits in a third of a cache line), and which item it is. */
struct entry {
	float box[4];
	uint32_t item;
};

/* A bucket: where its list starts in wg_locate.entries (it ends where the
 * next one starts), and 0 or 1 + the index of its subgrid. */
struct bucket {
	uint32_t start;
	uint32_t sub;
};

/* Where grids crowd (a town's small grids on a county's map) a bucket
 * holding more than SUB_MIN polygons is cut again, into a grid of its own
 * with about two polygons a cell; the lookup then reads that cell's list
 * (the bucket's own list stays, for wg_locate_candidates). */
struct subgrid {
	double x0, y0, inv_w, inv_h;
	uint32_t nx, ny;
	uint32_t *start; /* per cell, and one more: offsets into entries */
	struct entry *entries;
};

struct wg_locate {
	atomic_size_t refs;
	size_t ngrids;
	struct grid *grids; /* by rank: longest code first, then strcmp order */
	double *poly_boxes; /* 4 per polygon of every grid: min x, min y, max x, max y */
	size_t nitems;
	struct item *items;     /* in Hilbert order, so that neighbours are near in memory */
	double box[4];          /* of all items */
	double inv_w, inv_h;    /* buckets per degree */
	uint32_t nx, ny;        /* buckets across and down */
	struct bucket *buckets; /* y * nx + x, and one more for the end */
	struct entry *entries;  /* all buckets' lists, one after another */
	struct subgrid *subs;   /* of crowded buckets */
	size_t nsubs;
};

struct wg_locate_builder {
	struct grid *grids;
	size_t n, cap;
};

/* The bucket column (or row, with y) of a coordinate within the box of all
 * items. Monotone in v, so an item whose box spans v is listed in v's
 * bucket: its first and last columns bracket v's. */
static uint32_t column(double v, double origin, double inv, uint32_t n)
{
	double f = (v - origin) * inv;
	if (!(f > 0))
		return 0;
	if (f >= n)
		return n - 1;
	return (uint32_t)f;
}

static bool item_covers(const struct item *it, double px, double py)
{
	if (it->raster) {
		const struct raster *r = it->raster;
		/* Points outside the box would be clamped to a border cell
		 * (crossed or outside, so the answer would hold): cheaper to
		 * say so at once. */
		if (px < r->x0 || px > r->x1 || py < r->y0 || py > r->y1)
			return false;
		unsigned char c = r->cell[(size_t)column(py, r->y0, r->inv_h, r->gy) * r->gx +
		                          column(px, r->x0, r->inv_w, r->gx)];
		if (c != CELL_EDGE)
			return c == CELL_IN;
	}
	bool inside = false;
	if (it->slabs) {
		const struct slabs *s = it->slabs;
		size_t k = column(py, s->y0, s->inv_h, s->n);
		for (uint32_t e = s->start[k]; e < s->start[k + 1]; e++) {
			const double *a = s->edges[e];
			if (edge_test(a[0], a[1], a[2], a[3], px, py, &inside))
				return true;
		}
		return inside;
	}
	if (ring_test(it->xy, it->n, px, py, &inside))
		return true;
	for (uint32_t r = 1; r < it->nrings; r++)
		if (ring_test(it->p->rings[r].xy, it->p->rings[r].n, px, py, &inside))
			return true;
	return inside;
}

static inline bool box_has(const float *box, double x, double y)
{
	return box[0] <= x && x <= box[2] && box[1] <= y && y <= box[3];
}

static inline bool box_meets(const double *box, const double *q)
{
	return box[0] <= q[2] && q[0] <= box[2] && box[1] <= q[3] && q[1] <= box[3];
}

static const double *item_box(const wg_locate *ix, const struct item *it)
{
	return &ix->poly_boxes[4 * (ix->grids[it->grid].poly_off + it->poly)];
}

const char *wg_locate_find(const wg_locate *ix, double lng, double lat)
{
	if (ix->nitems == 0 ||
	    !(ix->box[0] <= lng && lng <= ix->box[2] && ix->box[1] <= lat && lat <= ix->box[3]))
		return NULL;
	const struct bucket *bk = &ix->buckets[(size_t)column(lat, ix->box[1], ix->inv_h, ix->ny) * ix->nx +
	                                       column(lng, ix->box[0], ix->inv_w, ix->nx)];
	const struct entry *list = ix->entries;
	uint32_t first = bk[0].start, end = bk[1].start;
	if (bk->sub) {
		const struct subgrid *sg = &ix->subs[bk->sub - 1];
		size_t cell = (size_t)column(lat, sg->y0, sg->inv_h, sg->ny) * sg->nx +
		              column(lng, sg->x0, sg->inv_w, sg->nx);
		list = sg->entries;
		first = sg->start[cell];
		end = sg->start[cell + 1];
	}
	uint32_t best = UINT32_MAX;
	const char *code = NULL;
	for (uint32_t e = first; e < end; e++) {
		if (!box_has(list[e].box, lng, lat))
			continue;
		const struct item *it = &ix->items[list[e].item];
		if (it->grid < best && item_covers(it, lng, lat)) {
			best = it->grid;
			code = it->code;
		}
	}
	return code;
}

const char *wg_locate_find_brute(const wg_locate *ix, double lng, double lat)
{
	/* In rank order, so the first grid that covers the point is the
	 * answer. The grid's box (set at build) skips most of them. */
	for (size_t i = 0; i < ix->ngrids; i++) {
		const wg_geom *g = &ix->grids[i].geom;
		if (g->min_lng <= lng && lng <= g->max_lng && g->min_lat <= lat && lat <= g->max_lat &&
		    wg_locate_covers(g, lng, lat))
			return ix->grids[i].code;
	}
	return NULL;
}

int wg_locate_candidates(const wg_locate *ix, double min_lng, double min_lat, double max_lng, double max_lat,
                         int (*fn)(void *ctx, const char *code, const wg_geom *g), void *ctx)
{
	const double q[4] = {min_lng, min_lat, max_lng, max_lat};
	if (ix->nitems == 0 || !box_meets(ix->box, q))
		return 0;
	uint32_t x0 = column(q[0], ix->box[0], ix->inv_w, ix->nx),
		 x1 = column(q[2], ix->box[0], ix->inv_w, ix->nx);
	uint32_t y0 = column(q[1], ix->box[1], ix->inv_h, ix->ny),
		 y1 = column(q[3], ix->box[1], ix->inv_h, ix->ny);
	for (uint32_t y = y0; y <= y1; y++)
		for (uint32_t x = x0; x <= x1; x++) {
			size_t bucket = (size_t)y * ix->nx + x;
			for (uint32_t e = ix->buckets[bucket].start; e < ix->buckets[bucket + 1].start; e++) {
				const struct item *it = &ix->items[ix->entries[e].item];
				const double *b = item_box(ix, it);
				if (!box_meets(b, q))
					continue;
				/* An item is in several buckets: it is reported from
				 * the one holding the low corner of its overlap with
				 * the query box. */
				if (column(fmax(b[0], q[0]), ix->box[0], ix->inv_w, ix->nx) != x ||
				    column(fmax(b[1], q[1]), ix->box[1], ix->inv_h, ix->ny) != y)
					continue;
				/* A grid of several polygons is visited for the first
				 * of them that meets the box. */
				const struct grid *g = &ix->grids[it->grid];
				bool first = true;
				for (uint32_t k = 0; first && k < it->poly; k++)
					first = !box_meets(&ix->poly_boxes[4 * (g->poly_off + k)], q);
				if (!first)
					continue;
				int rc = fn(ctx, g->code, &g->geom);
				if (rc)
					return rc;
			}
		}
	return 0;
}

size_t wg_locate_count(const wg_locate *ix)
{
	return ix->ngrids;
}

/* ---- building ----------------------------------------------------------- */

wg_locate_builder *wg_locate_builder_new(void)
{
	return wg_calloc(1, sizeof(wg_locate_builder));
}

int wg_locate_builder_add(wg_locate_builder *b, const char *code, wg_geom *g)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct grid *bigger = wg_realloc(b->grids, cap * sizeof *bigger);
		if (!bigger)
			return WG_ENOMEM;
		b->grids = bigger;
		b->cap = cap;
	}
	size_t len = strlen(code);
	char *copy = wg_strndup(code, len);
	if (!copy)
		return WG_ENOMEM;
	struct grid *grid = &b->grids[b->n];
	memset(grid, 0, sizeof *grid);
	grid->code = copy;
	grid->code_len = len;
	grid->order = b->n++;
	grid->geom = *g;
	memset(g, 0, sizeof *g);
	return 0;
}

static void grids_free(struct grid *grids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		wg_free(grids[i].code);
		wg_geom_free(&grids[i].geom);
	}
	wg_free(grids);
}

void wg_locate_builder_free(wg_locate_builder *b)
{
	if (!b)
		return;
	grids_free(b->grids, b->n);
	wg_free(b);
}

static void locate_free(wg_locate *ix)
{
	grids_free(ix->grids, ix->ngrids);
	for (size_t i = 0; ix->items && i < ix->nitems; i++) {
		if (ix->items[i].slabs) {
			wg_free(ix->items[i].slabs->edges);
			wg_free((void *)ix->items[i].slabs);
		}
		wg_free((void *)ix->items[i].raster);
	}
	wg_free(ix->items);
	wg_free(ix->poly_boxes);
	for (size_t i = 0; i < ix->nsubs; i++) {
		wg_free(ix->subs[i].start);
		wg_free(ix->subs[i].entries);
	}
	wg_free(ix->subs);
	wg_free(ix->buckets);
	wg_free(ix->entries);
	wg_free(ix);
}

/* Rank order: the longest code first, then strcmp, then the order added. */
static int rank_cmp(const void *pa, const void *pb)
{
	const struct grid *a = pa, *b = pb;
	if (a->code_len != b->code_len)
		return a->code_len > b->code_len ? -1 : 1;
	int c = strcmp(a->code, b->code);
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Distance along a Hilbert curve over a 65536 x 65536 grid of cells: items
 * near each other on the map get near each other in memory, so that a
 * bucket's items share cache lines and pages. */
static uint32_t hilbert(uint32_t x, uint32_t y)
{
	const uint32_t n = 1u << 16;
	uint32_t d = 0;
	for (uint32_t s = n / 2; s > 0; s /= 2) {
		uint32_t rx = (x & s) ? 1 : 0, ry = (y & s) ? 1 : 0;
		d += s * s * ((3 * rx) ^ ry);
		/* Turn the quadrant so that the curve inside it starts and
		 * ends where the one above expects. */
		if (ry == 0) {
			if (rx == 1) {
				x = n - 1 - x;
				y = n - 1 - y;
			}
			uint32_t t = x;
			x = y;
			y = t;
		}
	}
	return d;
}

struct keyed {
	uint32_t key;
	uint32_t item;
};

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

static size_t polygon_edges(const wg_polygon *p)
{
	size_t n = 0;
	for (size_t r = 0; r < p->nrings; r++)
		n += p->rings[r].n > 1 ? p->rings[r].n - 1 : 0;
	return n;
}

/* The number of slab entries the edges of p need. With count, also adds
 * each slab's number to count[s]; with pos, also lists the edges, pos[s]
 * being the next free place of slab s. */
static size_t slab_entries(const wg_polygon *p, const struct slabs *s, uint32_t *count, uint32_t *pos)
{
	size_t entries = 0;
	for (size_t r = 0; r < p->nrings; r++) {
		const wg_ring *ring = &p->rings[r];
		for (size_t k = 0; k + 1 < ring->n; k++) {
			const double *a = &ring->xy[2 * k];
			size_t s0 = column(fmin(a[1], a[3]), s->y0, s->inv_h, s->n);
			size_t s1 = column(fmax(a[1], a[3]), s->y0, s->inv_h, s->n);
			entries += s1 - s0 + 1;
			for (size_t i = s0; i <= s1 && (count || pos); i++) {
				if (count)
					count[i]++;
				if (pos)
					s->edges[pos[i]++] = a;
			}
		}
	}
	return entries;
}

/* Slabs for a polygon with many edges: about SLAB_EDGES edges per slab,
 * fewer slabs when long edges would be listed in too many of them.
 * Returns 0 or WG_ENOMEM. */
static int build_slabs(struct item *it, const double *box)
{
	size_t nedges = polygon_edges(it->p);
	double height = box[3] - box[1];
	if (nedges <= SLAB_MIN || !(height > 0) || nedges > UINT32_MAX / SLAB_GROWTH)
		return 0;
	struct slabs shape = {.n = (uint32_t)(nedges / SLAB_EDGES), .y0 = box[1]};
	size_t entries;
	for (;;) {
		shape.inv_h = (double)shape.n / height;
		if (!isfinite(shape.inv_h))
			return 0;
		entries = slab_entries(it->p, &shape, NULL, NULL);
		if (shape.n == 1 || entries <= SLAB_GROWTH * nedges)
			break;
		shape.n /= 2;
	}
	struct slabs *s = wg_calloc(1, sizeof *s + (shape.n + 1) * sizeof(uint32_t));
	if (!s)
		return WG_ENOMEM;
	*s = shape;
	s->start = (uint32_t *)(s + 1);
	s->edges = wg_malloc(entries * sizeof *s->edges);
	uint32_t *pos = wg_malloc(shape.n * sizeof *pos);
	if (!s->edges || !pos) {
		wg_free(s->edges);
		wg_free(s);
		wg_free(pos);
		return WG_ENOMEM;
	}
	slab_entries(it->p, s, s->start + 1, NULL);
	for (size_t i = 0; i < shape.n; i++)
		s->start[i + 1] += s->start[i];
	memcpy(pos, s->start, shape.n * sizeof *pos);
	slab_entries(it->p, s, NULL, pos);
	wg_free(pos);
	it->slabs = s;
	return 0;
}

/* Marks the cells that the box of any edge meets. */
static void raster_edges(struct raster *r, const wg_polygon *p)
{
	for (size_t k = 0; k < p->nrings; k++) {
		const wg_ring *ring = &p->rings[k];
		for (size_t e = 0; e + 1 < ring->n; e++) {
			const double *a = &ring->xy[2 * e];
			uint32_t x0 = column(fmin(a[0], a[2]), r->x0, r->inv_w, r->gx);
			uint32_t x1 = column(fmax(a[0], a[2]), r->x0, r->inv_w, r->gx);
			uint32_t y0 = column(fmin(a[1], a[3]), r->y0, r->inv_h, r->gy);
			uint32_t y1 = column(fmax(a[1], a[3]), r->y0, r->inv_h, r->gy);
			for (uint32_t y = y0; y <= y1; y++)
				memset(&r->cell[(size_t)y * r->gx + x0], CELL_EDGE, x1 - x0 + 1);
		}
	}
}

/* The answer for the run of unmarked cells x0..x1 of row y: that of a cell
 * above it (cells side by side with no edge between share it), else a
 * test of a point in the run's first cell. CELL_EDGE when no point of the
 * doubles falls in that cell (then it is marked as crossed). */
static unsigned char raster_run(struct raster *r, const wg_polygon *p, uint32_t y, uint32_t x0, uint32_t x1)
{
	for (uint32_t x = x0; y > 0 && x <= x1; x++) {
		unsigned char above = r->cell[(size_t)(y - 1) * r->gx + x];
		if (above == CELL_IN || above == CELL_OUT)
			return above;
	}
	double cx = r->x0 + ((double)x0 + 0.5) / r->inv_w, cy = r->y0 + ((double)y + 0.5) / r->inv_h;
	if (column(cx, r->x0, r->inv_w, r->gx) != x0 || column(cy, r->y0, r->inv_h, r->gy) != y)
		return CELL_EDGE;
	return polygon_covers(p, cx, cy) ? CELL_IN : CELL_OUT;
}

/* A raster for a polygon with many edges, about four cells per edge.
 * Returns 0 or WG_ENOMEM. */
static int build_raster(struct item *it, const double *box)
{
	size_t nedges = polygon_edges(it->p);
	double w = box[2] - box[0], h = box[3] - box[1];
	if (nedges < RASTER_MIN || !(w > 0) || !(h > 0))
		return 0;
	double side = fmin(64, fmax(8, 2 * ceil(sqrt((double)nedges))));
	uint32_t g = (uint32_t)side;
	struct raster *r = wg_malloc(sizeof *r + (size_t)g * g);
	if (!r)
		return WG_ENOMEM;
	*r = (struct raster){box[0], box[1], box[2], box[3], side / w, side / h, g, g};
	if (!isfinite(r->inv_w) || !isfinite(r->inv_h)) {
		wg_free(r);
		return 0;
	}
	memset(r->cell, CELL_UNSET, (size_t)g * g);
	raster_edges(r, it->p);
	for (uint32_t y = 0; y < g; y++) {
		unsigned char *row = &r->cell[(size_t)y * g];
		uint32_t x = 0;
		while (x < g) {
			if (row[x] == CELL_EDGE) {
				x++;
				continue;
			}
			uint32_t end = x;
			while (end + 1 < g && row[end + 1] != CELL_EDGE)
				end++;
			unsigned char c = raster_run(r, it->p, y, x, end);
			if (c == CELL_EDGE) {
				row[x] = CELL_EDGE;
				continue;
			}
			memset(&row[x], c, end - x + 1);
			x = end + 1;
		}
	}
	it->raster = r;
	return 0;
}

static void polygon_box(const wg_polygon *p, double *box)
{
	box[0] = box[1] = INFINITY;
	box[2] = box[3] = -INFINITY;
	for (size_t r = 0; r < p->nrings; r++)
		for (size_t k = 0; k < p->rings[r].n; k++) {
			double x = p->rings[r].xy[2 * k], y = p->rings[r].xy[2 * k + 1];
			box[0] = fmin(box[0], x);
			box[1] = fmin(box[1], y);
			box[2] = fmax(box[2], x);
			box[3] = fmax(box[3], y);
		}
}

/* Polygon boxes (over all rings, as even-odd counts them all) and the
 * items, one per polygon that has points. */
static int build_items(wg_locate *ix)
{
	if (ix->ngrids > MAX_ITEMS)
		return WG_ENOMEM; /* ranks are 32-bit; more would not fit in memory anyway */
	size_t npolys = 0;
	for (size_t i = 0; i < ix->ngrids; i++) {
		ix->grids[i].poly_off = npolys;
		npolys += ix->grids[i].geom.npolys;
		wg_geom_compute_bbox(&ix->grids[i].geom);
	}
	ix->poly_boxes = wg_malloc((npolys ? npolys : 1) * 4 * sizeof(double));
	if (!ix->poly_boxes)
		return WG_ENOMEM;
	size_t nitems = 0;
	for (size_t i = 0; i < ix->ngrids; i++) {
		const wg_geom *g = &ix->grids[i].geom;
		for (size_t k = 0; k < g->npolys; k++) {
			double *box = &ix->poly_boxes[4 * (ix->grids[i].poly_off + k)];
			polygon_box(&g->polys[k], box);
			nitems += box[0] <= box[2];
			for (size_t r = 0; r < g->polys[k].nrings; r++)
				if (g->polys[k].rings[r].n > UINT32_MAX || g->polys[k].nrings > UINT32_MAX)
					return WG_ENOMEM; /* more than memory could hold */
		}
	}
	if (nitems > MAX_ITEMS)
		return WG_ENOMEM;
	ix->items = wg_calloc(nitems ? nitems : 1, sizeof *ix->items);
	if (!ix->items)
		return WG_ENOMEM;
	ix->nitems = nitems;
	size_t n = 0;
	for (size_t i = 0; i < ix->ngrids; i++) {
		const struct grid *grid = &ix->grids[i];
		for (size_t k = 0; k < grid->geom.npolys; k++) {
			const wg_polygon *p = &grid->geom.polys[k];
			if (ix->poly_boxes[4 * (grid->poly_off + k)] >
			    ix->poly_boxes[4 * (grid->poly_off + k) + 2])
				continue;
			ix->items[n] = (struct item){
				.xy = p->rings[0].xy,
				.code = grid->code,
				.p = p,
				.n = (uint32_t)p->rings[0].n,
				.nrings = (uint32_t)p->nrings,
				.grid = (uint32_t)i,
				.poly = (uint32_t)k,
			};
			n++;
		}
	}
	return 0;
}

/* Puts the items in Hilbert order of their box centres. */
static int sort_items(wg_locate *ix)
{
	double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
	for (size_t i = 0; i < ix->nitems; i++) {
		const double *b = item_box(ix, &ix->items[i]);
		for (int d = 0; d < 2; d++) {
			lo[d] = fmin(lo[d], (b[d] + b[d + 2]) / 2);
			hi[d] = fmax(hi[d], (b[d] + b[d + 2]) / 2);
		}
	}
	struct keyed *keys = wg_malloc(ix->nitems * sizeof *keys);
	struct item *sorted = wg_malloc(ix->nitems * sizeof *sorted);
	if (!keys || !sorted) {
		wg_free(keys);
		wg_free(sorted);
		return WG_ENOMEM;
	}
	for (size_t i = 0; i < ix->nitems; i++) {
		const double *b = item_box(ix, &ix->items[i]);
		uint32_t cell[2];
		for (int d = 0; d < 2; d++) {
			double span = hi[d] - lo[d];
			double f = span > 0 ? ((b[d] + b[d + 2]) / 2 - lo[d]) / span : 0;
			cell[d] = (uint32_t)(f * 65535.0);
		}
		keys[i] = (struct keyed){hilbert(cell[0], cell[1]), (uint32_t)i};
	}
	qsort(keys, ix->nitems, sizeof *keys, keyed_cmp);
	for (size_t i = 0; i < ix->nitems; i++)
		sorted[i] = ix->items[keys[i].item];
	wg_free(keys);
	wg_free(ix->items);
	ix->items = sorted;
	return 0;
}

/* A float no greater (down) or no less than v, so that a box in floats
 * still holds every point of the exact one. */
static float float_out(double v, bool down)
{
	float f = (float)v;
	if (down && (double)f > v)
		f = nextafterf(f, -INFINITY);
	if (!down && (double)f < v)
		f = nextafterf(f, INFINITY);
	return f;
}

static int double_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return a < b ? -1 : a > b;
}

/* Bucket entries all items need with the current bucket size. */
static size_t count_entries(const wg_locate *ix)
{
	size_t n = 0;
	for (size_t i = 0; i < ix->nitems; i++) {
		const double *b = item_box(ix, &ix->items[i]);
		size_t w = column(b[2], ix->box[0], ix->inv_w, ix->nx) -
		           column(b[0], ix->box[0], ix->inv_w, ix->nx) + 1;
		size_t h = column(b[3], ix->box[1], ix->inv_h, ix->ny) -
		           column(b[1], ix->box[1], ix->inv_h, ix->ny) + 1;
		n += w * h;
	}
	return n;
}

/* Sets the bucket size: the median polygon's width and height, so that a
 * bucket holds about one or two polygons where they tile the map; larger
 * when that would make more than CELLS_PER_ITEM buckets per polygon (a
 * sparse map) or more than ENTRIES_PER_ITEM entries per polygon (a few
 * small grids among large ones). Returns the number of entries. */
static size_t size_buckets(wg_locate *ix, double *scratch)
{
	for (size_t i = 0; i < ix->nitems; i++)
		scratch[i] = item_box(ix, &ix->items[i])[2] - item_box(ix, &ix->items[i])[0];
	qsort(scratch, ix->nitems, sizeof *scratch, double_cmp);
	double cw = scratch[ix->nitems / 2];
	for (size_t i = 0; i < ix->nitems; i++)
		scratch[i] = item_box(ix, &ix->items[i])[3] - item_box(ix, &ix->items[i])[1];
	qsort(scratch, ix->nitems, sizeof *scratch, double_cmp);
	double ch = scratch[ix->nitems / 2];
	double w = ix->box[2] - ix->box[0], h = ix->box[3] - ix->box[1];
	/* Degenerate sizes (points, lines) get a bucket of the whole extent,
	 * or of one degree when that is empty too. */
	cw = cw > 0 ? cw : w > 0 ? w : 1;
	ch = ch > 0 ? ch : h > 0 ? h : 1;
	double limit = (double)CELLS_PER_ITEM * (double)ix->nitems + 16;
	for (;;) {
		double nx = fmax(1, ceil(w / cw)), ny = fmax(1, ceil(h / ch));
		if (nx * ny > limit) {
			double grow = sqrt(nx * ny / limit) * 1.01;
			cw *= grow;
			ch *= grow;
			continue;
		}
		ix->nx = (uint32_t)nx;
		ix->ny = (uint32_t)ny;
		ix->inv_w = w > 0 ? nx / w : 0;
		ix->inv_h = h > 0 ? ny / h : 0;
		size_t entries = count_entries(ix);
		if (entries <= ENTRIES_PER_ITEM * ix->nitems || (ix->nx == 1 && ix->ny == 1))
			return entries;
		cw *= 1.5;
		ch *= 1.5;
	}
}

/* Fills the subgrid of bucket (bx, by): its cells are the bucket's width
 * and height cut in side parts, numbered by `column` from the bucket's
 * corner, so that the same monotone mapping places polygons and points.
 * Returns 0, WG_ENOMEM, or 1 when cutting would not help (the polygons
 * mostly span the whole bucket). */
static int fill_subgrid(const wg_locate *ix, size_t bx, size_t by, struct subgrid *sg)
{
	size_t bucket = by * ix->nx + bx;
	const struct entry *list = &ix->entries[ix->buckets[bucket].start];
	size_t m = ix->buckets[bucket + 1].start - ix->buckets[bucket].start;
	uint32_t side = (uint32_t)fmin(SUB_MAX_SIDE, ceil(sqrt((double)m / 2)));
	*sg = (struct subgrid){
		.x0 = ix->inv_w > 0 ? ix->box[0] + (double)bx / ix->inv_w : ix->box[0],
		.y0 = ix->inv_h > 0 ? ix->box[1] + (double)by / ix->inv_h : ix->box[1],
		.inv_w = ix->inv_w * side,
		.inv_h = ix->inv_h * side,
		.nx = side,
		.ny = side,
	};
	size_t cells = (size_t)side * side, total = 0;
	for (size_t e = 0; e < m; e++) {
		const double *b = item_box(ix, &ix->items[list[e].item]);
		total += (size_t)(column(b[2], sg->x0, sg->inv_w, side) -
		                  column(b[0], sg->x0, sg->inv_w, side) + 1) *
		         (column(b[3], sg->y0, sg->inv_h, side) - column(b[1], sg->y0, sg->inv_h, side) + 1);
	}
	if (total > 4 * m + cells)
		return 1;
	sg->start = wg_calloc(cells + 1, sizeof *sg->start);
	sg->entries = wg_malloc(total * sizeof *sg->entries);
	uint32_t *pos = wg_malloc(cells * sizeof *pos);
	if (!sg->start || !sg->entries || !pos) {
		wg_free(sg->start);
		wg_free(sg->entries);
		wg_free(pos);
		return WG_ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t e = 0; e < m; e++) {
			const double *b = item_box(ix, &ix->items[list[e].item]);
			uint32_t x0 = column(b[0], sg->x0, sg->inv_w, side),
				 x1 = column(b[2], sg->x0, sg->inv_w, side);
			uint32_t y0 = column(b[1], sg->y0, sg->inv_h, side),
				 y1 = column(b[3], sg->y0, sg->inv_h, side);
			for (uint32_t y = y0; y <= y1; y++)
				for (uint32_t x = x0; x <= x1; x++) {
					if (pass == 0)
						sg->start[(size_t)y * side + x + 1]++;
					else
						sg->entries[pos[(size_t)y * side + x]++] = list[e];
				}
		}
		for (size_t k = 0; pass == 0 && k < cells; k++) {
			sg->start[k + 1] += sg->start[k];
			pos[k] = sg->start[k];
		}
	}
	wg_free(pos);
	return 0;
}

/* Subgrids for the buckets with more than SUB_MIN entries. */
static int build_subgrids(wg_locate *ix)
{
	size_t n = 0, nbuckets = (size_t)ix->nx * ix->ny;
	for (size_t k = 0; k < nbuckets; k++)
		n += ix->buckets[k + 1].start - ix->buckets[k].start > SUB_MIN;
	if (n == 0)
		return 0;
	ix->subs = wg_calloc(n, sizeof *ix->subs);
	if (!ix->subs)
		return WG_ENOMEM;
	for (size_t k = 0; k < nbuckets; k++) {
		if (ix->buckets[k + 1].start - ix->buckets[k].start <= SUB_MIN)
			continue;
		int rc = fill_subgrid(ix, k % ix->nx, k / ix->nx, &ix->subs[ix->nsubs]);
		if (rc < 0)
			return rc;
		if (rc == 0)
			ix->buckets[k].sub = (uint32_t)++ix->nsubs;
	}
	return 0;
}

/* The buckets: each lists the items whose box meets it (CSR layout). */
static int build_buckets(wg_locate *ix)
{
	ix->box[0] = ix->box[1] = INFINITY;
	ix->box[2] = ix->box[3] = -INFINITY;
	for (size_t i = 0; i < ix->nitems; i++) {
		const double *b = item_box(ix, &ix->items[i]);
		ix->box[0] = fmin(ix->box[0], b[0]);
		ix->box[1] = fmin(ix->box[1], b[1]);
		ix->box[2] = fmax(ix->box[2], b[2]);
		ix->box[3] = fmax(ix->box[3], b[3]);
	}
	double *scratch = wg_malloc(ix->nitems * sizeof *scratch);
	if (!scratch)
		return WG_ENOMEM;
	size_t entries = size_buckets(ix, scratch);
	wg_free(scratch);
	size_t nbuckets = (size_t)ix->nx * ix->ny;
	if (entries > UINT32_MAX)
		return WG_ENOMEM;
	ix->buckets = wg_calloc(nbuckets + 1, sizeof *ix->buckets);
	ix->entries = wg_malloc(entries * sizeof *ix->entries);
	uint32_t *pos = wg_malloc(nbuckets * sizeof *pos);
	if (!ix->buckets || !ix->entries || !pos) {
		wg_free(pos);
		return WG_ENOMEM;
	}
	/* Twice over the items: count per bucket, then place. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ix->nitems; i++) {
			const double *b = item_box(ix, &ix->items[i]);
			uint32_t x0 = column(b[0], ix->box[0], ix->inv_w, ix->nx);
			uint32_t x1 = column(b[2], ix->box[0], ix->inv_w, ix->nx);
			uint32_t y0 = column(b[1], ix->box[1], ix->inv_h, ix->ny);
			uint32_t y1 = column(b[3], ix->box[1], ix->inv_h, ix->ny);
			struct entry en = {.item = (uint32_t)i};
			for (int d = 0; d < 4; d++)
				en.box[d] = float_out(b[d], d < 2);
			for (uint32_t y = y0; y <= y1; y++)
				for (uint32_t x = x0; x <= x1; x++) {
					size_t bucket = (size_t)y * ix->nx + x;
					if (pass == 0)
						ix->buckets[bucket + 1].start++;
					else
						ix->entries[pos[bucket]++] = en;
				}
		}
		for (size_t k = 0; pass == 0 && k < nbuckets; k++) {
			ix->buckets[k + 1].start += ix->buckets[k].start;
			pos[k] = ix->buckets[k].start;
		}
	}
	wg_free(pos);
	return build_subgrids(ix);
}

wg_locate *wg_locate_build(wg_locate_builder *b)
{
	if (!b)
		return NULL;
	wg_locate *ix = wg_calloc(1, sizeof *ix);
	if (!ix) {
		wg_locate_builder_free(b);
		return NULL;
	}
	atomic_init(&ix->refs, 1);
	ix->grids = b->grids;
	ix->ngrids = b->n;
	wg_free(b);
	if (ix->ngrids)
		qsort(ix->grids, ix->ngrids, sizeof *ix->grids, rank_cmp);
	int rc = build_items(ix);
	if (rc == 0 && ix->nitems)
		rc = sort_items(ix);
	for (size_t i = 0; rc == 0 && i < ix->nitems; i++) {
		rc = build_slabs(&ix->items[i], item_box(ix, &ix->items[i]));
		if (rc == 0)
			rc = build_raster(&ix->items[i], item_box(ix, &ix->items[i]));
	}
	if (rc == 0 && ix->nitems)
		rc = build_buckets(ix);
	if (rc) {
		locate_free(ix);
		return NULL;
	}
	return ix;
}

/* ---- the current index ---------------------------------------------------
 *
 * A reader must never add its reference to an index that a publisher has
 * already freed, and a plain "load the pointer, then increment its count"
 * leaves a gap between the two for exactly that. So an acquire announces
 * itself first, in one of two counters chosen by the parity of a
 * generation number, and a publisher, after swapping the pointer, moves the
 * generation on and waits until the counter of the old parity is empty
 * before dropping the old index's reference:
 *
 *   acquire: e = parity; active[e]++; if parity is still e { load current;
 *            its refs++ } active[e]--; otherwise retry.
 *   publish: swap current; parity flips from e; wait for active[e] == 0;
 *            drop the old index's reference.
 *
 * A reader that loaded the old pointer did so before the swap, so after it
 * had seen parity e; the first flip after that is from e, and the publisher
 * that made it waits for the reader's counter; publishers run one at a time
 * (a mutex, never taken by readers), so whoever frees the old index comes
 * at or after that one. All operations are sequentially consistent. */

static wg_locate empty_index;
static _Atomic(wg_locate *) current_index = &empty_index;
static atomic_uint generation;
static atomic_size_t active[2];
static pthread_mutex_t publish_lock = PTHREAD_MUTEX_INITIALIZER;

void (*wg__locate_acquire_hook)(void);

const wg_locate *wg_locate_acquire(void)
{
	for (;;) {
		unsigned e = atomic_load(&generation) & 1;
		atomic_fetch_add(&active[e], 1);
		if ((atomic_load(&generation) & 1) == e) {
			wg_locate *ix = atomic_load(&current_index);
			if (wg__locate_acquire_hook)
				wg__locate_acquire_hook();
			if (ix != &empty_index)
				atomic_fetch_add(&ix->refs, 1);
			atomic_fetch_sub(&active[e], 1);
			return ix;
		}
		atomic_fetch_sub(&active[e], 1);
	}
}

void wg_locate_release(const wg_locate *ix)
{
	if (!ix || ix == &empty_index)
		return;
	/* The reference count is the one mutable part of an index. */
	wg_locate *mut = (wg_locate *)ix;
	if (atomic_fetch_sub(&mut->refs, 1) == 1)
		locate_free(mut);
}

void wg_locate_publish(wg_locate *ix)
{
	if (!ix)
		ix = &empty_index;
	pthread_mutex_lock(&publish_lock);
	wg_locate *old = atomic_exchange(&current_index, ix);
	unsigned e = atomic_fetch_add(&generation, 1) & 1;
	while (atomic_load(&active[e]) != 0)
		sched_yield();
	pthread_mutex_unlock(&publish_lock);
	wg_locate_release(old);
}

void wg_locate_shutdown(void)
{
	wg_locate_publish(NULL);
}
