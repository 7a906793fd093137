#include "io/geojson.h"

#include "core/alloc.h"
#include "core/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state of one wg_geojson_parse: where the error message goes, the
 * array indexes below "coordinates" that lead to the value being read (for
 * messages like "coordinates[0][3][1]: ..."), and the positions so far. */
struct parse {
	const char *root; /* "geometry" inside a feature, else NULL */
	char *err;
	size_t errlen;
	size_t path[4];
	unsigned depth;
	size_t points;
};

/* Writes "<where>: <reason>" into the error buffer, where is member, or
 * the path below "coordinates" when member is NULL, or the geometry itself
 * when member is "", each after "geometry." inside a feature. Returns
 * WG_EVALIDATION so that callers can return it directly. */
static int report(struct parse *p, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int report(struct parse *p, const char *member, const char *fmt, ...)
{
	if (!p->err || p->errlen == 0)
		return WG_EVALIDATION;
	char where[128];
	size_t n = 0;
	if (p->root)
		n = (size_t)snprintf(where, sizeof where, member && !member[0] ? "%s" : "%s.", p->root);
	if (member) {
		n += (size_t)snprintf(where + n, sizeof where - n, "%s", member);
	} else {
		n += (size_t)snprintf(where + n, sizeof where - n, "coordinates");
		for (unsigned i = 0; i < p->depth && n < sizeof where; i++)
			n += (size_t)snprintf(where + n, sizeof where - n, "[%zu]", p->path[i]);
	}
	if (n >= sizeof where)
		n = sizeof where - 1;
	int head = n ? snprintf(p->err, p->errlen, "%s: ", where) : 0;
	if (head >= 0 && (size_t)head < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + head, p->errlen - (size_t)head, fmt, ap);
		va_end(ap);
	}
	return WG_EVALIDATION;
}

static const char *kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* The shortest %g text that reads back as v, so that a message quotes the
 * number the way the client most likely wrote it. */
static const char *shortest(double v, char *buf, size_t size)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

/* The nearest multiple of 1e-7 to v: k / 1e7 with k an exact integer is the
 * double nearest to the decimal k * 10^-7, which is also what strtod makes
 * of that decimal, so rounding is idempotent and text round-trips. */
static double round7(double v)
{
	return (double)llround(v * 1e7) / 1e7;
}

static int parse_number(struct parse *p, const json_t *pos, size_t k, double *out)
{
	const json_t *e = json_array_get(pos, k);
	if (!json_is_number(e)) {
		p->path[p->depth++] = k;
		int rc = report(p, NULL, "expected a number, not %s", kind(e));
		p->depth--;
		return rc;
	}
	*out = json_number_value(e);
	return 0;
}

static int parse_position(struct parse *p, const json_t *v, double *xy)
{
	if (!json_is_array(v))
		return report(p, NULL, "expected a position [longitude, latitude], not %s", kind(v));
	if (json_is_array(json_array_get(v, 0)))
		return report(p, NULL,
		              "expected a position [longitude, latitude], not an array of arrays "
		              "(nested one level too deep?)");
	size_t n = json_array_size(v);
	if (n < 2 || n > 3)
		return report(p, NULL,
		              "a position has 2 or 3 numbers (longitude, latitude, altitude), not %zu", n);
	double c[3] = {0, 0, 0};
	for (size_t k = 0; k < n; k++) {
		int rc = parse_number(p, v, k, &c[k]);
		if (rc)
			return rc;
	}
	static const struct {
		const char *name;
		double limit;
	} axis[2] = {{"longitude", 180}, {"latitude", 90}};
	for (size_t k = 0; k < 2; k++) {
		if (!(c[k] >= -axis[k].limit && c[k] <= axis[k].limit)) {
			char num[32];
			p->path[p->depth++] = k;
			report(p, NULL, "%s %s is outside %g..%g", axis[k].name,
			       shortest(c[k], num, sizeof num), -axis[k].limit, axis[k].limit);
			p->depth--;
			return WG_EVALIDATION;
		}
		xy[k] = round7(c[k]);
	}
	return 0;
}

static int parse_ring(struct parse *p, const json_t *v, wg_ring *out)
{
	if (!json_is_array(v))
		return report(p, NULL, "expected an array of positions (a ring), not %s", kind(v));
	if (json_is_number(json_array_get(v, 0)))
		return report(p, NULL,
		              "expected an array of positions (a ring), not a position "
		              "(nested one level too shallow?)");
	size_t n = json_array_size(v);
	if (n > WG_GEOJSON_MAX_POINTS - p->points)
		return report(p, "coordinates", "more than %d positions in all", WG_GEOJSON_MAX_POINTS);
	p->points += n;
	double *xy = wg_malloc(2 * n * sizeof *xy);
	if (!xy)
		return WG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		p->path[p->depth++] = i;
		int rc = parse_position(p, json_array_get(v, i), &xy[2 * i]);
		p->depth--;
		if (rc) {
			wg_free(xy);
			return rc;
		}
	}
	/* Counted after the positions are read, so that a ring holding one
	 * polygon's rings (nested too deep) is named as such. */
	if (n < 4) {
		wg_free(xy);
		return report(p, NULL, "a ring needs at least 4 positions, not %zu", n);
	}
	if (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]) {
		wg_free(xy);
		return report(p, NULL, "ring is not closed (its last position must equal its first)");
	}
	out->n = n;
	out->xy = xy;
	return 0;
}

static void polygon_free(wg_polygon *poly)
{
	for (size_t i = 0; i < poly->nrings; i++)
		wg_free(poly->rings[i].xy);
	wg_free(poly->rings);
	poly->rings = NULL;
	poly->nrings = 0;
}

static int parse_polygon(struct parse *p, const json_t *v, wg_polygon *out)
{
	if (!json_is_array(v))
		return report(p, NULL, "expected an array of rings (a polygon), not %s", kind(v));
	if (json_is_number(json_array_get(v, 0)))
		return report(p, NULL,
		              "expected an array of rings (a polygon), not a position "
		              "(nested two levels too shallow?)");
	size_t n = json_array_size(v);
	if (n == 0)
		return report(p, NULL, "a polygon needs at least one ring");
	out->rings = wg_calloc(n, sizeof *out->rings);
	if (!out->rings)
		return WG_ENOMEM;
	out->nrings = n;
	for (size_t i = 0; i < n; i++) {
		p->path[p->depth++] = i;
		int rc = parse_ring(p, json_array_get(v, i), &out->rings[i]);
		p->depth--;
		if (rc) {
			polygon_free(out);
			return rc;
		}
	}
	return 0;
}

/* GeoJSON 2008 named the CRS; RFC 7946 fixed it to WGS-84 longitude and
 * latitude. Files from older tools still carry one of these names. */
static bool crs_is_wgs84(const json_t *crs)
{
	static const char *const names[] = {
		"urn:ogc:def:crs:OGC:1.3:CRS84",
		"urn:ogc:def:crs:OGC::CRS84",
		"CRS84",
		"urn:ogc:def:crs:EPSG::4326",
		"EPSG:4326",
	};
	if (!crs || json_is_null(crs))
		return true;
	const char *name = json_string_value(json_object_get(json_object_get(crs, "properties"), "name"));
	for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

void wg_geom_compute_bbox(wg_geom *g)
{
	g->min_lng = g->min_lat = INFINITY;
	g->max_lng = g->max_lat = -INFINITY;
	for (size_t i = 0; i < g->npolys; i++)
		for (size_t r = 0; r < g->polys[i].nrings; r++) {
			const wg_ring *ring = &g->polys[i].rings[r];
			for (size_t k = 0; k < ring->n; k++) {
				g->min_lng = fmin(g->min_lng, ring->xy[2 * k]);
				g->max_lng = fmax(g->max_lng, ring->xy[2 * k]);
				g->min_lat = fmin(g->min_lat, ring->xy[2 * k + 1]);
				g->max_lat = fmax(g->max_lat, ring->xy[2 * k + 1]);
			}
		}
}

static int parse_coordinates(struct parse *p, bool multi, const json_t *coords, wg_geom *g)
{
	size_t n = 1;
	if (multi) {
		if (!json_is_array(coords))
			return report(p, NULL, "expected an array of polygons, not %s", kind(coords));
		n = json_array_size(coords);
		if (n == 0)
			return report(p, NULL, "a MultiPolygon needs at least one polygon");
	}
	g->polys = wg_calloc(n, sizeof *g->polys);
	if (!g->polys)
		return WG_ENOMEM;
	g->npolys = n;
	if (!multi)
		return parse_polygon(p, coords, &g->polys[0]);
	for (size_t i = 0; i < n; i++) {
		p->path[p->depth++] = i;
		int rc = parse_polygon(p, json_array_get(coords, i), &g->polys[i]);
		p->depth--;
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_geometry(struct parse *p, const json_t *geometry, wg_geom *out)
{
	memset(out, 0, sizeof *out);
	if (p->err && p->errlen)
		p->err[0] = '\0';
	if (!json_is_object(geometry))
		return report(p, "", "a geometry must be a JSON object, not %s",
		              geometry ? kind(geometry) : "nothing");
	const json_t *type = json_object_get(geometry, "type");
	if (!type)
		return report(p, "type", "missing");
	const char *t = json_string_value(type);
	if (!t)
		return report(p, "type", "expected a string, not %s", kind(type));
	bool multi = strcmp(t, "MultiPolygon") == 0;
	if (strcmp(t, "Feature") == 0 || strcmp(t, "FeatureCollection") == 0)
		return report(p, "type",
		              "a %s is not a geometry: give its geometry (a Polygon or MultiPolygon)", t);
	if (!multi && strcmp(t, "Polygon") != 0)
		return report(p, "type", "\"%.40s\" is not Polygon or MultiPolygon", t);
	if (!crs_is_wgs84(json_object_get(geometry, "crs")))
		return report(p, "crs", "only WGS-84 longitude/latitude (OGC CRS84) is accepted");
	const json_t *coords = json_object_get(geometry, "coordinates");
	if (!coords)
		return report(p, "coordinates", "missing");
	int rc = parse_coordinates(p, multi, coords, out);
	if (rc) {
		wg_geom_free(out);
		return rc;
	}
	wg_geom_compute_bbox(out);
	return 0;
}

int wg_geojson_parse(const json_t *geometry, wg_geom *out, char *err, size_t errlen)
{
	struct parse p = {.err = err, .errlen = errlen};
	return parse_geometry(&p, geometry, out);
}

/* jansson's own message for text that is not JSON, with where it is;
 * WG_ENOMEM when jansson ran out of memory instead. */
static int not_json(const json_error_t *je, char *err, size_t errlen)
{
	if (json_error_code(je) == json_error_out_of_memory)
		return WG_ENOMEM;
	if (err && errlen)
		snprintf(err, errlen, "line %d column %d: %s", je->line, je->column, je->text);
	return WG_EBADREQ;
}

int wg_geojson_parse_text(const char *text, size_t len, wg_geom *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return not_json(&je, err, errlen);
	int rc = wg_geojson_parse(root, out, err, errlen);
	json_decref(root);
	return rc;
}

void wg_geom_free(wg_geom *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->npolys; i++)
		polygon_free(&g->polys[i]);
	wg_free(g->polys);
	memset(g, 0, sizeof *g);
}

int wg_geom_copy(const wg_geom *src, wg_geom *dst)
{
	memset(dst, 0, sizeof *dst);
	dst->min_lng = src->min_lng;
	dst->min_lat = src->min_lat;
	dst->max_lng = src->max_lng;
	dst->max_lat = src->max_lat;
	if (src->npolys == 0)
		return 0;
	dst->polys = wg_calloc(src->npolys, sizeof *dst->polys);
	if (!dst->polys)
		goto nomem;
	dst->npolys = src->npolys;
	for (size_t i = 0; i < src->npolys; i++) {
		const wg_polygon *from = &src->polys[i];
		wg_polygon *to = &dst->polys[i];
		if (from->nrings == 0)
			continue;
		to->rings = wg_calloc(from->nrings, sizeof *to->rings);
		if (!to->rings)
			goto nomem;
		to->nrings = from->nrings;
		for (size_t r = 0; r < from->nrings; r++) {
			size_t bytes = 2 * from->rings[r].n * sizeof(double);
			to->rings[r].xy = wg_malloc(bytes);
			if (!to->rings[r].xy)
				goto nomem;
			if (bytes)
				memcpy(to->rings[r].xy, from->rings[r].xy, bytes);
			to->rings[r].n = from->rings[r].n;
		}
	}
	return 0;
nomem:
	wg_geom_free(dst);
	return WG_ENOMEM;
}

/* Room for any coordinate as written by format_coord. */
#define COORD_MAX 32

/* A coordinate as a decimal with at most 7 decimals and no trailing zeros,
 * made from the integer number of 1e-7 degrees so that no printf rounding
 * is involved. Returns the length. */
static size_t format_coord(double v, char *buf)
{
	if (!isfinite(v))
		v = 0;
	if (fabs(v) >= 1e11) /* beyond int64 in 1e-7 units; parse never makes one */
		return (size_t)snprintf(buf, COORD_MAX, "%.17g", v);
	long long k = llround(v * 1e7);
	unsigned long long a = k < 0 ? 0ULL - (unsigned long long)k : (unsigned long long)k;
	int n = snprintf(buf, COORD_MAX, "%s%llu", k < 0 ? "-" : "", a / 10000000ULL);
	unsigned long long frac = a % 10000000ULL;
	if (frac) {
		int digits = 7;
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		n += snprintf(buf + n, COORD_MAX - (size_t)n, ".%0*llu", digits, frac);
	}
	return (size_t)n;
}

/* Output of wg_geojson_text: counts only while buf is NULL. */
struct text {
	char *buf;
	size_t len;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->buf)
		memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void put_geom(struct text *t, const wg_geom *g)
{
	bool multi = g->npolys != 1;
	if (multi)
		put(t, "{\"type\":\"MultiPolygon\",\"coordinates\":[", 38);
	else
		put(t, "{\"type\":\"Polygon\",\"coordinates\":", 32);
	char num[COORD_MAX];
	for (size_t i = 0; i < g->npolys; i++) {
		const wg_polygon *poly = &g->polys[i];
		put(t, i ? ",[" : "[", i ? 2 : 1);
		for (size_t r = 0; r < poly->nrings; r++) {
			const wg_ring *ring = &poly->rings[r];
			put(t, r ? ",[" : "[", r ? 2 : 1);
			for (size_t k = 0; k < ring->n; k++) {
				put(t, k ? ",[" : "[", k ? 2 : 1);
				put(t, num, format_coord(ring->xy[2 * k], num));
				put(t, ",", 1);
				put(t, num, format_coord(ring->xy[2 * k + 1], num));
				put(t, "]", 1);
			}
			put(t, "]", 1);
		}
		put(t, "]", 1);
	}
	put(t, multi ? "]}" : "}", multi ? 2 : 1);
}

int wg_geojson_text(const wg_geom *g, char **out, size_t *len)
{
	struct text t = {0};
	put_geom(&t, g);
	size_t need = t.len;
	t.buf = wg_malloc(need + 1);
	*out = t.buf;
	if (!t.buf)
		return WG_ENOMEM;
	t.len = 0;
	put_geom(&t, g);
	t.buf[t.len] = '\0';
	if (len)
		*len = t.len;
	return 0;
}

void wg_geojson_write(wg_json_out *w, const wg_geom *g)
{
	bool multi = g->npolys != 1;
	char num[COORD_MAX];
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", multi ? "MultiPolygon" : "Polygon");
	wg_json_key(w, "coordinates");
	if (multi)
		wg_json_array_begin(w);
	for (size_t i = 0; i < g->npolys; i++) {
		wg_json_array_begin(w);
		for (size_t r = 0; r < g->polys[i].nrings; r++) {
			const wg_ring *ring = &g->polys[i].rings[r];
			wg_json_array_begin(w);
			for (size_t k = 0; k < ring->n; k++) {
				wg_json_array_begin(w);
				for (size_t c = 0; c < 2; c++) {
					num[format_coord(ring->xy[2 * k + c], num)] = '\0';
					wg_json_raw(w, num);
				}
				wg_json_array_end(w);
			}
			wg_json_array_end(w);
		}
		wg_json_array_end(w);
	}
	if (multi)
		wg_json_array_end(w);
	wg_json_object_end(w);
}

#define EARTH_RADIUS_M 6371008.8
#define DEG 0.017453292519943295 /* pi / 180 */

/* Twice the signed area of a ring on the unit sphere, by the line integral
 * sum of (lng2 - lng1) * (2 + sin lat1 + sin lat2) over the edges. */
static double ring_area2(const wg_ring *ring)
{
	double sum = 0;
	for (size_t k = 0; k + 1 < ring->n; k++) {
		const double *a = &ring->xy[2 * k], *b = &ring->xy[2 * k + 2];
		sum += (b[0] - a[0]) * DEG * (2 + sin(a[1] * DEG) + sin(b[1] * DEG));
	}
	return sum;
}

double wg_geom_area_m2(const wg_geom *g)
{
	double total = 0;
	for (size_t i = 0; i < g->npolys; i++) {
		const wg_polygon *poly = &g->polys[i];
		double area = 0;
		for (size_t r = 0; r < poly->nrings; r++) {
			double a = fabs(ring_area2(&poly->rings[r])) / 2;
			area += r == 0 ? a : -a;
		}
		if (area > 0)
			total += area;
	}
	return total * EARTH_RADIUS_M * EARTH_RADIUS_M;
}

/* One feature: its geometry parsed, or the reason it is bad in msg. */
static int feature(size_t index, const json_t *f, wg_geojson_feature_fn fn, void *ctx)
{
	char msg[256];
	const json_t *props = NULL;
	wg_geom g;
	int rc = WG_EVALIDATION;
	memset(&g, 0, sizeof g);
	if (!json_is_object(f)) {
		snprintf(msg, sizeof msg, "a feature must be an object, not %s", kind(f));
	} else if (!json_is_string(json_object_get(f, "type")) ||
	           strcmp(json_string_value(json_object_get(f, "type")), "Feature") != 0) {
		snprintf(msg, sizeof msg, "type: not a Feature");
	} else {
		props = json_object_get(f, "properties");
		const json_t *geometry = json_object_get(f, "geometry");
		if (props && !json_is_object(props) && !json_is_null(props)) {
			snprintf(msg, sizeof msg, "properties: expected an object or null, not %s",
			         kind(props));
		} else if (!geometry || json_is_null(geometry)) {
			snprintf(msg, sizeof msg, "geometry: missing");
		} else {
			struct parse p = {.root = "geometry", .err = msg, .errlen = sizeof msg};
			rc = parse_geometry(&p, geometry, &g);
		}
		if (!json_is_object(props))
			props = NULL;
	}
	if (rc == WG_ENOMEM)
		return rc;
	rc = rc == 0 ? fn(ctx, index, props, &g, NULL) : fn(ctx, index, props, NULL, msg);
	wg_geom_free(&g);
	return rc;
}

int wg_geojson_features(const char *text, size_t len, wg_geojson_feature_fn fn, void *ctx, char *err,
                        size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return not_json(&je, err, errlen);
	int rc = WG_EBADREQ;
	const char *type = json_string_value(json_object_get(root, "type"));
	const json_t *features = json_object_get(root, "features");
	if (!json_is_object(root)) {
		if (err && errlen)
			snprintf(err, errlen, "not a FeatureCollection: the text is %s", kind(root));
	} else if (!type || strcmp(type, "FeatureCollection") != 0) {
		if (err && errlen)
			snprintf(err, errlen, "not a FeatureCollection: its type is %s%.40s%s",
			         type ? "\"" : "", type ? type : "missing", type ? "\"" : "");
	} else if (!crs_is_wgs84(json_object_get(root, "crs"))) {
		if (err && errlen)
			snprintf(err, errlen, "crs: only WGS-84 longitude/latitude (OGC CRS84) is accepted");
	} else if (!json_is_array(features)) {
		if (err && errlen)
			snprintf(err, errlen, "features: expected an array, not %s",
			         features ? kind(features) : "nothing");
	} else {
		rc = 0;
		for (size_t i = 0; rc == 0 && i < json_array_size(features); i++)
			rc = feature(i, json_array_get(features, i), fn, ctx);
	}
	json_decref(root);
	return rc;
}
