/* locate.h - which grid a point lies in: an immutable in-memory index over
 * all grid boundaries, built once, queried from many threads without locks,
 * and replaced as a whole when a grid changes.
 *
 * Design (DESIGN.md "Geography"): uniform buckets over the bounding boxes
 * of all polygons, sized from the data: the median polygon's width and
 * height, so that a bucket holds one or two polygons where grids tile the
 * map, made larger when the map is sparse or a few small grids sit among
 * large ones (limits on buckets and entries per polygon); a bucket still
 * crowded (a town's small grids on a county's map) is cut again into a
 * finer grid of its own. A lookup reads one bucket (or one cell of it),
 * then tests the polygons whose box holds the point exactly: even-odd over
 * all rings, so holes count. A polygon with many edges also has a raster of
 * cells known to be inside or outside, so that most points need no edge at
 * all, and its edges listed in horizontal slabs, so that the others read
 * only the edges near the point's latitude.
 *
 * Measured (optimised build, one core of a shared 2-core VM, random points
 * over the map): 100,000 jittered quadrilaterals build in about 0.1 s and
 * answer 2.7 to 2.9 million lookups a second; with 40 edges a grid, 0.34 s
 * and 1.9 million; 10,000 large grids with 90,000 small ones crowded in one
 * town, about 6 million a second over the county and 2.5 million inside the
 * town.
 *
 * A point on a boundary is inside, and that is decided exactly: the side of
 * an edge a point is on comes from an orientation predicate with a
 * floating-point filter and an exact fallback (products split with fma,
 * summed as a floating-point expansion), so the answers equal GEOS's
 * prepared covers (domain/geometry.h) on vertices and edges too. Exact for
 * grids as wg_geojson_parse makes them (nonzero coordinates are at least
 * 1e-7) and query points whose nonzero coordinates exceed 1e-280 in
 * magnitude; nearer 0 than that, products of coordinates underflow.
 *
 * Ownership: the builder owns the grids added to it; wg_locate_build moves
 * them into the index, which owns them until its last reference is dropped. */
#ifndef WG_DOMAIN_LOCATE_H
#define WG_DOMAIN_LOCATE_H

#include "io/geojson.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct wg_locate wg_locate;
typedef struct wg_locate_builder wg_locate_builder;

/* A new, empty builder; NULL when out of memory. */
wg_locate_builder *wg_locate_builder_new(void);

/* Adds a grid: code (copied) and its geometry, whose arrays move into the
 * builder (*g is zeroed). Codes are expected to be unique; when one repeats,
 * either grid may answer for it. Returns 0, or WG_ENOMEM with *g untouched
 * (still the caller's). */
int wg_locate_builder_add(wg_locate_builder *b, const char *code, wg_geom *g);

/* Frees a builder and its grids without building (NULL is fine): for a
 * caller that gives up half way. */
void wg_locate_builder_free(wg_locate_builder *b);

/* Builds the index; consumes and frees the builder in all cases. Returns an
 * index holding one reference, the caller's: give it to wg_locate_publish,
 * or drop it with wg_locate_release (which frees it). NULL when out of
 * memory. An empty index is fine. */
wg_locate *wg_locate_build(wg_locate_builder *b);

/* The grid covering the point (boundary counts as inside). When several
 * cover it (a shared edge, a micro-grid inside its parent) the answer is the
 * one with the LONGEST code, then the smallest code in strcmp order, so that
 * a micro-grid (parent code + 3 digits) wins over its parent and a point on
 * the edge between two grids gets the smaller code. NULL when none covers it
 * (and for NaN). The string lives as long as the index. Thread-safe. */
const char *wg_locate_find(const wg_locate *ix, double lng, double lat);

/* The same answer by testing every grid in turn (those whose bounding box
 * holds the point), without the buckets, the rasters or the slabs: the
 * baseline for tests and the benchmark. */
const char *wg_locate_find_brute(const wg_locate *ix, double lng, double lat);

/* Whether g covers the point (inside or on its boundary) by the same exact
 * test the index uses: for checking one grid without an index. */
bool wg_locate_covers(const wg_geom *g, double lng, double lat);

/* Calls fn for each grid that has a polygon whose bounding box meets the
 * closed box (touching counts), once per grid, in no particular order: the
 * candidates for the overlap check when a grid is created or redrawn.
 * Returns 0, or fn's first non-zero value, which stops the visit. */
int wg_locate_candidates(const wg_locate *ix, double min_lng, double min_lat, double max_lng, double max_lat,
                         int (*fn)(void *ctx, const char *code, const wg_geom *g), void *ctx);

/* Number of grids in the index. */
size_t wg_locate_count(const wg_locate *ix);

/* The process-wide current index, shared by all event loops. A reader takes
 * a reference with acquire and drops it with release; a writer publishes a
 * new index, and the old one is freed when its last reader releases it.
 * Acquire and release never block (atomic counts; see locate.c for why an
 * acquire racing a publish cannot touch a freed index); publishers are
 * serialised among themselves and wait only for acquires in progress. */

/* The current index with a reference taken for the caller; never NULL (an
 * empty index before the first publish). */
const wg_locate *wg_locate_acquire(void);

/* Drops a reference taken by acquire, or the one build returned; frees the
 * index with the last. NULL is fine. */
void wg_locate_release(const wg_locate *ix);

/* Makes ix the current index, taking over the caller's reference (NULL
 * publishes the empty index). */
void wg_locate_publish(wg_locate *ix);

/* At exit: replaces the current index by the empty one and drops the
 * process's reference, so that nothing is left once readers are done. */
void wg_locate_shutdown(void);

/* Test hook: when set, acquire calls it between reading the current index
 * and taking its reference, the moment a racing publish must not free the
 * index; the thread test widens that moment with it. NULL in the program. */
extern void (*wg__locate_acquire_hook)(void);

#endif
