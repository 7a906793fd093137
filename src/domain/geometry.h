/* geometry.h - grid boundaries checked by GEOS: OGC validity, overlap
 * between grids, a micro-grid inside its parent, and the reference answer
 * to "which points does this boundary cover" for tests and benchmarks.
 *
 * DESIGN.md leaves validity and overlaps to GEOS (its reentrant C API),
 * never to hand-written code. Each thread gets its own GEOS context on first
 * use; it is finished when the thread exits (a pthread key destructor), or
 * earlier by wg_geometry_thread_end. The main thread's context is still
 * reachable at exit, so LeakSanitizer does not count it; call
 * wg_geometry_thread_end there too for a clean shutdown.
 *
 * The geometries are wg_geom values from io/geojson.h. GEOS itself cannot be
 * made to fail on purpose, so out of memory inside GEOS is recognised by its
 * message (std::bad_alloc) and reported as WG_ENOMEM. */
#ifndef WG_DOMAIN_GEOMETRY_H
#define WG_DOMAIN_GEOMETRY_H

#include "io/geojson.h"

#include <stdbool.h>
#include <stddef.h>

/* OGC validity (GEOSisValidDetail_r, strict: a ring touching itself is
 * invalid too). Returns 0; WG_EVALIDATION with err like "Self-intersection
 * at 107.8123456 34.1234567" or "Hole lies outside shell at ..." (GEOS's
 * reason and where, 7 decimals), or "the geometry is empty" when it has no
 * polygon; WG_ENOMEM. err may be NULL; it is "" after success. */
int wg_geometry_check(const wg_geom *g, char *err, size_t errlen);

/* Whether the interiors of a and b share an area (DE-9IM pattern
 * 2********): touching along an edge or at a point is not an overlap.
 * Returns 0 with *overlap set; WG_ENOMEM; WG_EINTERNAL when GEOS fails
 * (it may on invalid input: check both first). */
int wg_geometry_overlaps(const wg_geom *a, const wg_geom *b, bool *overlap);

/* Whether a lies inside b, boundaries allowed to touch (GEOS covered-by):
 * a micro-grid inside its parent. Returns as wg_geometry_overlaps, with
 * *within set. */
int wg_geometry_within(const wg_geom *a, const wg_geom *b, bool *within);

/* A GEOS prepared geometry, to ask about many points: the reference answer
 * for domain/locate.h in tests and the benchmark. It has a GEOS context of
 * its own, so it does not depend on the thread that made it; but one
 * prepared geometry must not be used by two threads at once. */
typedef struct wg_geometry_prepared wg_geometry_prepared;

/* Prepare g (which is copied: g may be freed afterwards). Returns 0 with
 * *out to be freed by wg_geometry_prepared_free; WG_ENOMEM; WG_EINTERNAL if
 * GEOS refuses the geometry (a ring with fewer than 4 points or not closed,
 * which parse never makes). *out is NULL on failure. */
int wg_geometry_prepare(const wg_geom *g, wg_geometry_prepared **out);

/* Whether the geometry covers the point (lng, lat): inside or on the
 * boundary. False also when GEOS runs out of memory. */
bool wg_geometry_prepared_covers(const wg_geometry_prepared *p, double lng, double lat);

/* Frees p; NULL is fine. */
void wg_geometry_prepared_free(wg_geometry_prepared *p);

/* Finishes the calling thread's GEOS context now rather than at thread exit
 * (the next call on this thread makes a new one). */
void wg_geometry_thread_end(void);

#endif
