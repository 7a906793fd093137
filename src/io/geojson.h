/* geojson.h - grid boundaries as GeoJSON (RFC 7946): parsed, checked for
 * shape, and written back in one canonical text.
 *
 * Only Polygon and MultiPolygon geometries in WGS-84 longitude/latitude are
 * accepted, because a grid is an area. Every coordinate is rounded to 1e-7
 * degree (about 1 cm) on the way in, so that what is validated (GEOS, see
 * domain/geometry.h), stored, indexed (domain/locate.h) and written out is
 * the same set of numbers: the canonical text of a parsed geometry parses
 * back to exactly the same doubles.
 *
 * Decisions beyond RFC 7946:
 *   - a position is [lng, lat] or [lng, lat, altitude]; the altitude must be
 *     a number and is dropped (a grid is flat); longer positions are refused;
 *   - ring orientation is not checked (RFC 7946 says parsers should not);
 *   - a "crs" member (GeoJSON 2008) is accepted only when it names WGS-84
 *     longitude/latitude (OGC CRS84 or EPSG:4326); other members ("bbox",
 *     foreign members) are ignored;
 *   - a MultiPolygon of one polygon is written back as a Polygon (the
 *     parsed wg_geom does not record which of the two it was). */
#ifndef WG_IO_GEOJSON_H
#define WG_IO_GEOJSON_H

#include "core/json_out.h"

#include <jansson.h>
#include <stddef.h>

/* n points as lng,lat pairs (2n doubles); closed: point n-1 == point 0. */
typedef struct wg_ring {
	size_t n;
	double *xy;
} wg_ring;

/* rings[0] is the outer ring, the others are holes. */
typedef struct wg_polygon {
	size_t nrings;
	wg_ring *rings;
} wg_polygon;

/* One or more polygons and the bounding box of all their points. */
typedef struct wg_geom {
	size_t npolys;
	wg_polygon *polys;
	double min_lng, min_lat, max_lng, max_lat;
} wg_geom;

#define WG_GEOJSON_MAX_POINTS 200000 /* per geometry, closing points included */

/* Parse a GeoJSON geometry object of type Polygon or MultiPolygon. Checks:
 * an object with "type" and "coordinates"; the type (a Feature is named as
 * such: it is not a geometry); positions of two or three numbers; longitude
 * in -180..180 and latitude in -90..90; every ring closed (after rounding)
 * with at least 4 positions; at most WG_GEOJSON_MAX_POINTS positions in all.
 * Self-intersection and the other OGC rules are not checked here: that is
 * wg_geometry_check.
 *
 * Returns 0 with *out filled (free with wg_geom_free); WG_EVALIDATION with a
 * message in err naming the JSON path and the reason, e.g.
 * "coordinates[0][3][1]: latitude 91.5 is outside -90..90" or
 * "coordinates[1]: ring is not closed"; WG_ENOMEM. On failure *out is zeroed
 * (nothing to free). err may be NULL; it is "" after success. */
int wg_geojson_parse(const json_t *geometry, wg_geom *out, char *err, size_t errlen);

/* The same from JSON text (CLI import, rebuilding the index from stored
 * text). Returns as wg_geojson_parse, and WG_EBADREQ when the text is not
 * JSON (err: "line L column C: reason"). Duplicate keys count as not JSON. */
int wg_geojson_parse_text(const char *text, size_t len, wg_geom *out, char *err, size_t errlen);

/* Frees what parse (or wg_geom_copy) allocated and zeroes *g. NULL or a
 * zeroed geometry is fine. */
void wg_geom_free(wg_geom *g);

/* Sets the bounding box of g from its points (parse does this already; for
 * a geometry built by hand). Without points the box is empty: min > max. */
void wg_geom_compute_bbox(wg_geom *g);

/* A deep copy of src into *dst (for a feature callback that keeps its
 * geometry). Returns 0, or WG_ENOMEM with *dst zeroed. */
int wg_geom_copy(const wg_geom *src, wg_geom *dst);

/* The canonical compact text, {"type":"Polygon","coordinates":[[[107.7,34.1],
 * ...]]} (MultiPolygon when there is more than one polygon), each number
 * with at most 7 decimals and no trailing zeros, so that parsing it gives
 * back exactly g when g came from a parse. Coordinates are expected in the
 * ranges parse enforces; a non-finite one (never made by parse) is written
 * as 0. *out is NUL-terminated, from wg_malloc, freed by the caller with
 * wg_free; *len is its length without the NUL (len may be NULL). Returns 0
 * or WG_ENOMEM (then *out is NULL). */
int wg_geojson_text(const wg_geom *g, char **out, size_t *len);

/* Write the geometry as one JSON value into a streaming writer: the same
 * text as wg_geojson_text. Errors are the writer's (wg_json_finish). */
void wg_geojson_write(wg_json_out *w, const wg_geom *g);

/* Approximate area in square metres: the spherical polygon area on a sphere
 * of the mean Earth radius 6371008.8 m, by the line integral of Chamberlain
 * and Duquette (2007) (each edge taken as a segment that is straight in
 * longitude/latitude). Holes are subtracted; polygons of a MultiPolygon are
 * added. Within about 0.5% of the ellipsoidal area; orientation does not
 * matter. 0 for an empty geometry. */
double wg_geom_area_m2(const wg_geom *g);

/* Called per feature of a FeatureCollection with its 0-based index, its
 * "properties" object (NULL when absent or null) and its parsed geometry;
 * or with geom NULL and error saying what is wrong with that feature, its
 * path relative to the feature ("geometry.coordinates[0]: ring is not
 * closed", "geometry: missing", "type: not a Feature"). Both point into
 * memory that is freed after the call: copy what you keep (wg_geom_copy).
 * Return 0 to go on, non-zero to stop. */
typedef int (*wg_geojson_feature_fn)(void *ctx, size_t index, const json_t *properties, const wg_geom *geom,
                                     const char *error);

/* Parse text as a FeatureCollection (`wangge import grids FILE.geojson`) and
 * call fn once per feature, in order, bad features included, so that the
 * importer can report each by index. Returns 0; the callback's non-zero
 * value; WG_EBADREQ when the text is not JSON or not a FeatureCollection
 * with a "features" array (err says why); WG_ENOMEM. err may be NULL; it is
 * "" after success. */
int wg_geojson_features(const char *text, size_t len, wg_geojson_feature_fn fn, void *ctx, char *err,
                        size_t errlen);

#endif
