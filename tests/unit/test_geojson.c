/* test_geojson.c - GeoJSON boundaries: what is accepted and how it reads
 * back as canonical text, each rejection with its message, rounding, the
 * round trip, the area, FeatureCollection iteration, and the failing
 * allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json_out.h"
#include "io/geojson.h"

#include <math.h>

#define SQUARE "[[0,0],[1,0],[1,1],[0,1],[0,0]]"
#define HOLE "[[0.2,0.2],[0.2,0.4],[0.4,0.4],[0.4,0.2],[0.2,0.2]]"
#define POLY(coords) "{\"type\":\"Polygon\",\"coordinates\":" coords "}"
#define MULTI(coords) "{\"type\":\"MultiPolygon\",\"coordinates\":" coords "}"

struct parse_case {
	const char *name;
	const char *in;
	int rc;
	const char *out; /* the canonical text when rc is 0, else the message */
};

static const struct parse_case cases[] = {
	{"polygon", POLY("[" SQUARE "]"), 0, POLY("[" SQUARE "]")},
	{"decimals", POLY("[[[107.7,34.1],[107.8,34.1],[107.8,34.2],[107.7,34.1]]]"), 0,
         POLY("[[[107.7,34.1],[107.8,34.1],[107.8,34.2],[107.7,34.1]]]")},
	{"hole", POLY("[" SQUARE "," HOLE "]"), 0, POLY("[" SQUARE "," HOLE "]")},
	{"multipolygon", MULTI("[[" SQUARE "],[[[2,0],[3,0],[3,1],[2,0]]]]"), 0,
         MULTI("[[" SQUARE "],[[[2,0],[3,0],[3,1],[2,0]]]]")},
	{"multipolygon of one is a polygon", MULTI("[[" SQUARE "," HOLE "]]"), 0,
         POLY("[" SQUARE "," HOLE "]")},
	{"rounded to 1e-7",
         POLY("[[[107.12345674,34.00000006],[107.9999999999,-0.00000004],[1e-8,-12.50000000],"
              "[1.5e1,0.1000000],[107.12345674,34.00000006]]]"),
         0, POLY("[[[107.1234567,34.0000001],[108,0],[0,-12.5],[15,0.1],[107.1234567,34.0000001]]]")},
	{"closed after rounding", POLY("[[[0,0],[1,0],[1,1],[0.00000001,-0.00000002]]]"), 0,
         POLY("[[[0,0],[1,0],[1,1],[0,0]]]")},
	{"altitude dropped", POLY("[[[0,0,5],[1,0,5.5],[1,1],[0,0,-3]]]"), 0,
         POLY("[[[0,0],[1,0],[1,1],[0,0]]]")},
	{"range limits", POLY("[[[-180,-90],[180,-90],[180,90],[-180,-90]]]"), 0,
         POLY("[[[-180,-90],[180,-90],[180,90],[-180,-90]]]")},
	{"negative decimals", POLY("[[[-0.5,-0.0000001],[-1.25,0],[-1,-1],[-0.5,-0.0000001]]]"), 0,
         POLY("[[[-0.5,-0.0000001],[-1.25,0],[-1,-1],[-0.5,-0.0000001]]]")},
	{"other members ignored",
         "{\"bbox\":[0,0,1,1],\"type\":\"Polygon\",\"x-note\":{\"a\":1},\"coordinates\":[" SQUARE "]}", 0,
         POLY("[" SQUARE "]")},
	{"crs84",
         "{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
         "\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"coordinates\":[" SQUARE "]}",
         0, POLY("[" SQUARE "]")},
	{"crs null", "{\"type\":\"Polygon\",\"crs\":null,\"coordinates\":[" SQUARE "]}", 0,
         POLY("[" SQUARE "]")},

	{"not an object", "[1,2]", WG_EVALIDATION, "a geometry must be a JSON object, not an array"},
	{"no type", "{\"coordinates\":[" SQUARE "]}", WG_EVALIDATION, "type: missing"},
	{"type not a string", "{\"type\":5,\"coordinates\":[" SQUARE "]}", WG_EVALIDATION,
         "type: expected a string, not a number"},
	{"feature", "{\"type\":\"Feature\",\"properties\":{},\"geometry\":" POLY("[" SQUARE "]") "}",
         WG_EVALIDATION, "type: a Feature is not a geometry: give its geometry (a Polygon or MultiPolygon)"},
	{"feature collection", "{\"type\":\"FeatureCollection\",\"features\":[]}", WG_EVALIDATION,
         "type: a FeatureCollection is not a geometry: give its geometry (a Polygon or MultiPolygon)"},
	{"point", "{\"type\":\"Point\",\"coordinates\":[1,2]}", WG_EVALIDATION,
         "type: \"Point\" is not Polygon or MultiPolygon"},
	{"lower case type", "{\"type\":\"polygon\",\"coordinates\":[" SQUARE "]}", WG_EVALIDATION,
         "type: \"polygon\" is not Polygon or MultiPolygon"},
	{"no coordinates", "{\"type\":\"Polygon\"}", WG_EVALIDATION, "coordinates: missing"},
	{"other crs",
         "{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
         "\"EPSG:3857\"}},\"coordinates\":[" SQUARE "]}",
         WG_EVALIDATION, "crs: only WGS-84 longitude/latitude (OGC CRS84) is accepted"},
	{"crs without a name", "{\"type\":\"Polygon\",\"crs\":{},\"coordinates\":[" SQUARE "]}",
         WG_EVALIDATION, "crs: only WGS-84 longitude/latitude (OGC CRS84) is accepted"},
	{"string for a number", POLY("[[[\"107.7\",34.1],[107.8,34.1],[107.8,34.2],[107.7,34.1]]]"),
         WG_EVALIDATION, "coordinates[0][0][0]: expected a number, not a string"},
	{"null for a number", POLY("[[[0,0],[1,null],[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][1][1]: expected a number, not null"},
	{"boolean for a number", POLY("[[[0,0],[1,0],[true,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][2][0]: expected a number, not a boolean"},
	{"altitude a string", POLY("[[[0,0,\"5\"],[1,0],[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][0][2]: expected a number, not a string"},
	{"latitude out of range", POLY("[[[0,0],[1,0],[1,1],[0,91.5],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][3][1]: latitude 91.5 is outside -90..90"},
	{"latitude below range", POLY("[[[0,0],[1,-90.0000001],[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][1][1]: latitude -90.0000001 is outside -90..90"},
	{"longitude out of range", POLY("[[[0,0],[180.0000001,0],[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][1][0]: longitude 180.0000001 is outside -180..180"},
	{"longitude far out", MULTI("[[" SQUARE "],[[[0,0],[1,0],[-1e300,1],[0,0]]]]"), WG_EVALIDATION,
         "coordinates[1][0][2][0]: longitude -1e+300 is outside -180..180"},
	{"unclosed ring", POLY("[[[0,0],[1,0],[1,1],[0,1]]]"), WG_EVALIDATION,
         "coordinates[0]: ring is not closed (its last position must equal its first)"},
	{"unclosed hole", POLY("[" SQUARE ",[[0.2,0.2],[0.2,0.4],[0.4,0.4],[0.4,0.2],[0.2,0.2000002]]]"),
         WG_EVALIDATION, "coordinates[1]: ring is not closed (its last position must equal its first)"},
	{"unclosed in a multipolygon",
         MULTI("[[" SQUARE "],[" SQUARE "," HOLE "],[[[0,0],[1,0],[1,1],[0,1]]]]"), WG_EVALIDATION,
         "coordinates[2][0]: ring is not closed (its last position must equal its first)"},
	{"three positions", POLY("[[[0,0],[1,0],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0]: a ring needs at least 4 positions, not 3"},
	{"empty ring", POLY("[" SQUARE ",[]]"), WG_EVALIDATION,
         "coordinates[1]: a ring needs at least 4 positions, not 0"},
	{"empty polygon", POLY("[]"), WG_EVALIDATION, "coordinates: a polygon needs at least one ring"},
	{"empty multipolygon", MULTI("[]"), WG_EVALIDATION,
         "coordinates: a MultiPolygon needs at least one polygon"},
	{"empty polygon in a multipolygon", MULTI("[[" SQUARE "],[]]"), WG_EVALIDATION,
         "coordinates[1]: a polygon needs at least one ring"},
	{"one number", POLY("[[[0],[1,0],[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][0]: a position has 2 or 3 numbers (longitude, latitude, altitude), not 1"},
	{"four numbers", POLY("[[[0,0],[1,0,0,0],[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][1]: a position has 2 or 3 numbers (longitude, latitude, altitude), not 4"},
	{"position an object", POLY("[[[0,0],{\"x\":1},[1,1],[0,0]]]"), WG_EVALIDATION,
         "coordinates[0][1]: expected a position [longitude, latitude], not an object"},
	{"coordinates an object", POLY("{}"), WG_EVALIDATION,
         "coordinates: expected an array of rings (a polygon), not an object"},
	{"multipolygon coordinates a string", MULTI("\"x\""), WG_EVALIDATION,
         "coordinates: expected an array of polygons, not a string"},
	{"ring a number", POLY("[5]"), WG_EVALIDATION,
         "coordinates: expected an array of rings (a polygon), not a position (nested two levels too "
         "shallow?)"},
	{"nested too deep", POLY("[[" SQUARE "]]"), WG_EVALIDATION,
         "coordinates[0][0]: expected a position [longitude, latitude], not an array of arrays "
         "(nested one level too deep?)"},
	{"nested too shallow", POLY(SQUARE), WG_EVALIDATION,
         "coordinates[0]: expected an array of positions (a ring), not a position "
         "(nested one level too shallow?)"},
	{"polygon given to multipolygon", MULTI("[" SQUARE "]"), WG_EVALIDATION,
         "coordinates[0][0]: expected an array of positions (a ring), not a position "
         "(nested one level too shallow?)"},
	{"ring a string", POLY("[" SQUARE ",\"hole\"]"), WG_EVALIDATION,
         "coordinates[1]: expected an array of positions (a ring), not a string"},
};

static bool geom_equal(const wg_geom *a, const wg_geom *b)
{
	if (a->npolys != b->npolys || a->min_lng != b->min_lng || a->max_lng != b->max_lng ||
	    a->min_lat != b->min_lat || a->max_lat != b->max_lat)
		return false;
	for (size_t i = 0; i < a->npolys; i++) {
		if (a->polys[i].nrings != b->polys[i].nrings)
			return false;
		for (size_t r = 0; r < a->polys[i].nrings; r++) {
			const wg_ring *x = &a->polys[i].rings[r], *y = &b->polys[i].rings[r];
			if (x->n != y->n)
				return false;
			for (size_t k = 0; k < 2 * x->n; k++)
				if (x->xy[k] != y->xy[k])
					return false;
		}
	}
	return true;
}

struct sink {
	char buf[8192];
	size_t len;
};

static int to_sink(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;
	if (len >= sizeof s->buf - s->len)
		return WG_EIO;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

/* The canonical text of g, also through the streaming writer, and that the
 * text parses back to exactly g. Returns the text (caller frees). */
static char *canonical(const char *name, const wg_geom *g)
{
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(wg_geojson_text(g, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	static wg_json_out w;
	struct sink s = {.len = 0};
	wg_json_init(&w, to_sink, &s);
	wg_geojson_write(&w, g);
	assert_int_equal(wg_json_finish(&w), 0);
	if (strcmp(s.buf, text) != 0)
		fail_msg("%s: writer '%s', text '%s'", name, s.buf, text);
	wg_geom again;
	char err[256];
	assert_int_equal(wg_geojson_parse_text(text, len, &again, err, sizeof err), 0);
	if (!geom_equal(g, &again))
		fail_msg("%s: '%s' does not parse back to the same geometry", name, text);
	wg_geom_free(&again);
	return text;
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct parse_case *c = &cases[i];
		wg_geom g;
		memset(&g, 0xAB, sizeof g);
		char err[256] = "untouched";
		/* A copy of exactly the text's length, for ASan. */
		size_t len = strlen(c->in);
		char *in = malloc(len);
		assert_non_null(in);
		memcpy(in, c->in, len);
		int rc = wg_geojson_parse_text(in, len, &g, err, sizeof err);
		free(in);
		if (rc != c->rc)
			fail_msg("%s: rc %d (%s), want %d", c->name, rc, err, c->rc);
		if (rc) {
			if (strcmp(err, c->out) != 0)
				fail_msg("%s: err '%s', want '%s'", c->name, err, c->out);
			assert_int_equal(g.npolys, 0);
			assert_null(g.polys);
			continue;
		}
		assert_string_equal(err, "");
		char *text = canonical(c->name, &g);
		if (strcmp(text, c->out) != 0)
			fail_msg("%s: text '%s', want '%s'", c->name, text, c->out);
		wg_free(text);
		wg_geom_free(&g);
		assert_int_equal(g.npolys, 0);
		assert_null(g.polys);
		wg_geom_free(&g); /* a zeroed geometry may be freed again */
	}
	wg_geom_free(NULL);
}

static void test_bbox_and_shape(void **state)
{
	(void)state;
	const char *in = MULTI("[[" SQUARE "," HOLE "],[[[2.5,-3],[3,-3],[3,4.25],[2.5,-3]]]]");
	wg_geom g;
	char err[128];
	assert_int_equal(wg_geojson_parse_text(in, strlen(in), &g, err, sizeof err), 0);
	assert_int_equal(g.npolys, 2);
	assert_int_equal(g.polys[0].nrings, 2);
	assert_int_equal(g.polys[0].rings[0].n, 5);
	assert_int_equal(g.polys[0].rings[1].n, 5);
	assert_int_equal(g.polys[1].nrings, 1);
	assert_int_equal(g.polys[1].rings[0].n, 4);
	assert_true(g.polys[0].rings[1].xy[2] == 0.2 && g.polys[0].rings[1].xy[3] == 0.4);
	assert_true(g.min_lng == 0 && g.min_lat == -3 && g.max_lng == 3 && g.max_lat == 4.25);

	wg_geom copy;
	assert_int_equal(wg_geom_copy(&g, &copy), 0);
	assert_true(geom_equal(&g, &copy));
	assert_ptr_not_equal(copy.polys[0].rings[0].xy, g.polys[0].rings[0].xy);
	wg_geom_free(&g);
	copy.min_lng = copy.max_lng = 99;
	wg_geom_compute_bbox(&copy);
	assert_true(copy.min_lng == 0 && copy.max_lng == 3);
	wg_geom_free(&copy);

	/* A parsed json_t, and err that is NULL or tiny. */
	json_t *j = json_loads(POLY("[[[0,0],[1,0],[1,1],[0,91.5],[0,0]]]"), 0, NULL);
	assert_non_null(j);
	assert_int_equal(wg_geojson_parse(j, &g, NULL, 0), WG_EVALIDATION);
	char small[12];
	assert_int_equal(wg_geojson_parse(j, &g, small, sizeof small), WG_EVALIDATION);
	assert_string_equal(small, "coordinates");
	json_decref(j);
	assert_int_equal(wg_geojson_parse(NULL, &g, err, sizeof err), WG_EVALIDATION);
	assert_string_equal(err, "a geometry must be a JSON object, not nothing");
}

static void test_not_json(void **state)
{
	(void)state;
	static const struct {
		const char *in, *err;
	} t[] = {
		{"", "line 1 column 0: "},
		{"{\"type\":", "line 1 column 8: "},
		{"{\"type\":\"Polygon\",\"type\":\"Polygon\",\"coordinates\":[]}", "line 1 column "},
		{"{\"type\":\"Polygon\",\n\"coordinates\":[[[1e400,0]]]}", "line 2 column "},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_geom g;
		char err[160];
		assert_int_equal(wg_geojson_parse_text(t[i].in, strlen(t[i].in), &g, err, sizeof err),
		                 WG_EBADREQ);
		if (strncmp(err, t[i].err, strlen(t[i].err)) != 0)
			fail_msg("case %zu: err '%s', want it to start '%s'", i, err, t[i].err);
		assert_int_equal(g.npolys, 0);
	}
}

/* A ring of n positions around a circle, as GeoJSON text (caller frees). */
static char *circle_text(size_t n, size_t *len)
{
	size_t cap = 64 + 40 * n;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t k = (size_t)snprintf(s, cap, "{\"type\":\"Polygon\",\"coordinates\":[[");
	for (size_t i = 0; i < n; i++) {
		double a = i + 1 == n ? 0 : 2 * M_PI * (double)i / (double)(n - 1);
		k += (size_t)snprintf(s + k, cap - k, "%s[%.7f,%.7f]", i ? "," : "", 107 + cos(a),
		                      34 + sin(a));
	}
	k += (size_t)snprintf(s + k, cap - k, "]]}");
	*len = k;
	return s;
}

static void test_point_limit(void **state)
{
	(void)state;
	size_t len;
	char *at = circle_text(WG_GEOJSON_MAX_POINTS, &len);
	wg_geom g;
	char err[128];
	assert_int_equal(wg_geojson_parse_text(at, len, &g, err, sizeof err), 0);
	assert_int_equal(g.polys[0].rings[0].n, WG_GEOJSON_MAX_POINTS);
	wg_geom_free(&g);
	free(at);
	char *over = circle_text(WG_GEOJSON_MAX_POINTS + 1, &len);
	assert_int_equal(wg_geojson_parse_text(over, len, &g, err, sizeof err), WG_EVALIDATION);
	assert_string_equal(err, "coordinates: more than 200000 positions in all");
	free(over);

	/* Counted over all rings: a second ring of 4 tips it over. */
	at = circle_text(WG_GEOJSON_MAX_POINTS - 3, &len);
	char *two = malloc(len + 64);
	assert_non_null(two);
	memcpy(two, at, len - 2);
	int n = snprintf(two + len - 2, 64, ",[[107,34],[107.1,34],[107,34.1],[107,34]]]}");
	assert_int_equal(wg_geojson_parse_text(two, len - 2 + (size_t)n, &g, err, sizeof err),
	                 WG_EVALIDATION);
	assert_string_equal(err, "coordinates: more than 200000 positions in all");
	free(two);
	free(at);
}

/* Random coordinates written with many digits parse to rounded values
 * whose canonical text parses back to the very same doubles. */
static void test_round_trip_random(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 200; round++) {
		char text[2048];
		size_t k = (size_t)snprintf(text, sizeof text, "{\"type\":\"Polygon\",\"coordinates\":[[");
		double first[2];
		for (int i = 0; i < 20; i++) {
			double x = ((double)rand() / RAND_MAX - 0.5) * 360,
			       y = ((double)rand() / RAND_MAX - 0.5) * 180;
			if (round % 3 == 0) { /* near 1e-7 steps and halves */
				x = (double)(rand() % 2000000001 - 1000000000) / 1e7 + 0.5e-7;
				y = (double)(rand() % 900000001) / 1e7 - 45;
			}
			if (i == 0) {
				first[0] = x;
				first[1] = y;
			}
			if (i == 19) {
				x = first[0];
				y = first[1];
			}
			k += (size_t)snprintf(text + k, sizeof text - k, "%s[%.17g,%.17g]", i ? "," : "", x,
			                      y);
		}
		k += (size_t)snprintf(text + k, sizeof text - k, "]]}");
		wg_geom g;
		char err[128];
		assert_int_equal(wg_geojson_parse_text(text, k, &g, err, sizeof err), 0);
		for (size_t i = 0; i < 2 * g.polys[0].rings[0].n; i++) {
			double v = g.polys[0].rings[0].xy[i];
			assert_true(v == (double)llround(v * 1e7) / 1e7);
		}
		char *out = canonical("random", &g);
		/* At most 7 decimals and no trailing zero after a point. */
		for (const char *p = out; (p = strchr(p, '.')) != NULL; p++) {
			size_t digits = strspn(p + 1, "0123456789");
			assert_true(digits >= 1 && digits <= 7);
			assert_true(p[digits] != '0');
		}
		wg_free(out);
		wg_geom_free(&g);
	}
}

static double parse_area(const char *in)
{
	wg_geom g;
	char err[128];
	assert_int_equal(wg_geojson_parse_text(in, strlen(in), &g, err, sizeof err), 0);
	double a = wg_geom_area_m2(&g);
	wg_geom_free(&g);
	return a;
}

static void test_area(void **state)
{
	(void)state;
	const double r = 6371008.8, deg = M_PI / 180;
	/* A cell bounded by meridians and parallels: exactly R^2 dlng (sin
	 * lat2 - sin lat1) on the sphere, which the line integral gives. */
	double cell = r * r * deg * (sin(35 * deg) - sin(34 * deg));
	double a = parse_area(POLY("[[[107,34],[108,34],[108,35],[107,35],[107,34]]]"));
	assert_true(fabs(a - cell) < 1e-9 * cell);
	/* Clockwise is the same area. */
	a = parse_area(POLY("[[[107,34],[107,35],[108,35],[108,34],[107,34]]]"));
	assert_true(fabs(a - cell) < 1e-9 * cell);
	/* A hole is subtracted, a second polygon added. */
	double hole = r * r * 0.5 * deg * (sin(34.75 * deg) - sin(34.25 * deg));
	a = parse_area(POLY("[[[107,34],[108,34],[108,35],[107,35],[107,34]],"
	                    "[[107.25,34.25],[107.25,34.75],[107.75,34.75],[107.75,34.25],[107.25,34.25]]]"));
	assert_true(fabs(a - (cell - hole)) < 1e-9 * cell);
	a = parse_area(MULTI("[[[[107,34],[108,34],[108,35],[107,35],[107,34]]],"
	                     "[[[109,34],[110,34],[110,35],[109,35],[109,34]]]]"));
	assert_true(fabs(a - 2 * cell) < 1e-9 * cell);
	/* A grid of about 100 m: 0.001 degree of latitude is 111.2 m. */
	a = parse_area(POLY("[[[107,34],[107.001,34],[107.001,34.001],[107,34.001],[107,34]]]"));
	assert_true(fabs(a - 111195.08 * 111195.08 * cos(34.0005 * deg) * 1e-6) < 1);
	wg_geom empty = {0};
	assert_true(wg_geom_area_m2(&empty) == 0);
}

/* What the feature callback saw, one line per feature. */
struct seen {
	char log[2048];
	size_t len;
	size_t calls;
	size_t stop_at; /* return stop_rc at this call (1-based); 0 never */
	int stop_rc;
};

static int on_feature(void *ctx, size_t index, const json_t *props, const wg_geom *g, const char *error)
{
	struct seen *s = ctx;
	const char *code = json_string_value(json_object_get(props, "code"));
	int n;
	if (g)
		n = snprintf(s->log + s->len, sizeof s->log - s->len, "%zu %s polys=%zu;", index,
		             code    ? code
		             : props ? "-"
		                     : "NULL",
		             g->npolys);
	else
		n = snprintf(s->log + s->len, sizeof s->log - s->len, "%zu %s !%s;", index,
		             code    ? code
		             : props ? "-"
		                     : "NULL",
		             error);
	assert_true(n > 0 && (size_t)n < sizeof s->log - s->len);
	assert_true((g == NULL) != (error == NULL));
	s->len += (size_t)n;
	s->calls++;
	return s->stop_at && s->calls == s->stop_at ? s->stop_rc : 0;
}

#define SQ_POLY "{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}"
#define SQ_MULTI "{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[" SQUARE "]]}"
#define FEATURE "{\"type\":\"Feature\","

/* clang-format off */
static const char collection[] =
	"{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4326\"}},"
	"\"features\":["
	FEATURE "\"properties\":{\"code\":\"A\"},\"geometry\":" SQ_POLY "},"
	FEATURE "\"properties\":{\"code\":\"B\"},\"geometry\":"
		"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}},"
	FEATURE "\"properties\":null,\"geometry\":" SQ_MULTI "},"
	FEATURE "\"properties\":{\"code\":\"D\"},\"geometry\":null},"
	FEATURE "\"properties\":{\"code\":\"E\"}},"
	FEATURE "\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}},"
	SQ_POLY ","
	"[1],"
	FEATURE "\"properties\":[1],\"geometry\":" SQ_POLY "},"
	FEATURE "\"properties\":{\"code\":\"J\"},\"geometry\":[]},"
	FEATURE "\"properties\":{},\"geometry\":" SQ_POLY "}"
	"]}";
/* clang-format on */

static void test_features(void **state)
{
	(void)state;
	struct seen s = {.len = 0};
	char err[160] = "untouched";
	assert_int_equal(
		wg_geojson_features(collection, sizeof collection - 1, on_feature, &s, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_string_equal(
		s.log,
		"0 A polys=1;"
		"1 B !geometry.coordinates[0]: ring is not closed (its last position must equal its first);"
		"2 NULL polys=2;"
		"3 D !geometry: missing;"
		"4 E !geometry: missing;"
		"5 NULL !geometry.type: \"Point\" is not Polygon or MultiPolygon;"
		"6 NULL !type: not a Feature;"
		"7 NULL !a feature must be an object, not an array;"
		"8 NULL !properties: expected an object or null, not an array;"
		"9 J !geometry: a geometry must be a JSON object, not an array;"
		"10 - polys=1;");

	/* The callback's non-zero value stops the walk and is returned. */
	static const struct {
		size_t stop_at;
		int rc;
	} stops[] = {{1, 5}, {2, -3}, {11, 1}};
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		struct seen t = {.stop_at = stops[i].stop_at, .stop_rc = stops[i].rc};
		assert_int_equal(
			wg_geojson_features(collection, sizeof collection - 1, on_feature, &t, NULL, 0),
			stops[i].rc);
		assert_int_equal(t.calls, stops[i].stop_at);
	}

	static const struct {
		const char *in, *err;
	} bad[] = {
		{"not json", "line 1 column "},
		{"[]", "not a FeatureCollection: the text is an array"},
		{"{\"features\":[]}", "not a FeatureCollection: its type is missing"},
		{"{\"type\":\"Feature\",\"geometry\":null}",
	         "not a FeatureCollection: its type is \"Feature\""},
		{"{\"type\":\"FeatureCollection\"}", "features: expected an array, not nothing"},
		{"{\"type\":\"FeatureCollection\",\"features\":{}}",
	         "features: expected an array, not an object"},
		{"{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:"
	         "4490\"}},"
	         "\"features\":[]}",
	         "crs: only WGS-84 longitude/latitude (OGC CRS84) is accepted"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct seen t = {.len = 0};
		assert_int_equal(
			wg_geojson_features(bad[i].in, strlen(bad[i].in), on_feature, &t, err, sizeof err),
			WG_EBADREQ);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)) != 0)
			fail_msg("bad %zu: err '%s', want '%s'", i, err, bad[i].err);
		assert_int_equal(t.calls, 0);
	}
	struct seen t = {.len = 0};
	const char none[] = "{\"type\":\"FeatureCollection\",\"features\":[]}";
	assert_int_equal(wg_geojson_features(none, sizeof none - 1, on_feature, &t, err, sizeof err), 0);
	assert_int_equal(t.calls, 0);
}

/* Every allocation is failed in turn until the call succeeds: each failure
 * is WG_ENOMEM with nothing to free (LeakSanitizer checks), and the run
 * that succeeds has the full result. */
static void test_failing_allocator(void **state)
{
	(void)state;
	const char *in = MULTI("[[" SQUARE "," HOLE "," HOLE "],[" SQUARE "],[" SQUARE "," HOLE "]]");
	size_t len = strlen(in);
	unsigned long failures = 0;
	for (unsigned long n = 1;; n++) {
		wg_geom g;
		wg_alloc_fail_at(n);
		int rc = wg_geojson_parse_text(in, len, &g, NULL, 0);
		wg_alloc_fail_at(0);
		if (rc == 0) {
			assert_int_equal(g.npolys, 3);
			wg_geom_free(&g);
			break;
		}
		assert_int_equal(rc, WG_ENOMEM);
		assert_int_equal(g.npolys, 0);
		assert_null(g.polys);
		failures++;
		assert_true(n < 100);
	}
	/* polys, 3 ring arrays, 6 rings */
	assert_int_equal(failures, 10);

	wg_geom g;
	assert_int_equal(wg_geojson_parse_text(in, len, &g, NULL, 0), 0);
	for (unsigned long n = 1;; n++) {
		wg_geom copy;
		wg_alloc_fail_at(n);
		int rc = wg_geom_copy(&g, &copy);
		wg_alloc_fail_at(0);
		if (rc == 0) {
			assert_true(geom_equal(&g, &copy));
			wg_geom_free(&copy);
			assert_int_equal(n, 11);
			break;
		}
		assert_int_equal(rc, WG_ENOMEM);
		assert_null(copy.polys);
	}
	char *text = (char *)"untouched";
	wg_alloc_fail_at(1);
	assert_int_equal(wg_geojson_text(&g, &text, NULL), WG_ENOMEM);
	wg_alloc_fail_at(0);
	assert_null(text);
	wg_geom_free(&g);

	for (unsigned long n = 1;; n++) {
		struct seen s = {.len = 0};
		wg_alloc_fail_at(n);
		int rc = wg_geojson_features(collection, sizeof collection - 1, on_feature, &s, NULL, 0);
		wg_alloc_fail_at(0);
		if (rc == 0) {
			assert_int_equal(s.calls, 11);
			break;
		}
		assert_int_equal(rc, WG_ENOMEM);
		assert_true(n < 100);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bbox_and_shape),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_point_limit),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_area),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_failing_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
