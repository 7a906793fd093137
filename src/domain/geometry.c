#include "domain/geometry.h"

#include "core/alloc.h"
#include "core/error.h"

#include <geos_c.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A GEOS context and the last error GEOS reported through it: the C API
 * returns NULL or 2 on an exception, and only the message tells an
 * allocation failure from bad input. */
struct context {
	GEOSContextHandle_t h;
	char msg[256];
};

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static bool key_ok;
static _Thread_local struct context *current;

static void on_error(const char *message, void *userdata)
{
	struct context *c = userdata;
	snprintf(c->msg, sizeof c->msg, "%s", message);
}

static void context_free(void *p)
{
	struct context *c = p;
	if (c) {
		GEOS_finish_r(c->h);
		wg_free(c);
	}
}

static void make_key(void)
{
	key_ok = pthread_key_create(&key, context_free) == 0;
}

static struct context *context_new(void)
{
	struct context *c = wg_malloc(sizeof *c);
	if (!c)
		return NULL;
	c->msg[0] = '\0';
	c->h = GEOS_init_r();
	if (!c->h) {
		wg_free(c);
		return NULL;
	}
	GEOSContext_setErrorMessageHandler_r(c->h, on_error, c);
	return c;
}

/* The calling thread's context, made on first use; NULL when out of memory.
 * Its last message is cleared for the operation about to run. */
static struct context *context(void)
{
	if (!current) {
		pthread_once(&key_once, make_key);
		struct context *c = context_new();
		if (!c)
			return NULL;
		/* Without the key the context is still finished by
		 * wg_geometry_thread_end, just not at thread exit. */
		if (key_ok)
			pthread_setspecific(key, c);
		current = c;
	}
	current->msg[0] = '\0';
	return current;
}

void wg_geometry_thread_end(void)
{
	if (!current)
		return;
	if (key_ok)
		pthread_setspecific(key, NULL);
	context_free(current);
	current = NULL;
}

/* What a failed GEOS call means: memory, or (for what != 0) that code. */
static int failure(const struct context *c, int what)
{
	if (c->msg[0] == '\0' || strstr(c->msg, "bad_alloc"))
		return WG_ENOMEM;
	return what;
}

static GEOSGeometry *make_ring(GEOSContextHandle_t h, const wg_ring *r)
{
	if (r->n > UINT_MAX)
		return NULL;
	GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, r->xy, (unsigned)r->n, 0, 0);
	/* The ring owns the sequence from here on, also when it throws. */
	return cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
}

static GEOSGeometry *make_polygon(GEOSContextHandle_t h, const wg_polygon *p)
{
	if (p->nrings == 0)
		return GEOSGeom_createEmptyPolygon_r(h);
	if (p->nrings - 1 > UINT_MAX)
		return NULL;
	GEOSGeometry *shell = make_ring(h, &p->rings[0]);
	if (!shell)
		return NULL;
	size_t nholes = p->nrings - 1;
	GEOSGeometry **holes = NULL;
	if (nholes) {
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
		holes = wg_malloc(nholes * sizeof *holes);
		if (!holes) {
			GEOSGeom_destroy_r(h, shell);
			return NULL;
		}
	}
	for (size_t i = 0; i < nholes; i++) {
		holes[i] = make_ring(h, &p->rings[i + 1]);
		if (!holes[i]) {
			while (i > 0)
				GEOSGeom_destroy_r(h, holes[--i]);
			GEOSGeom_destroy_r(h, shell);
			wg_free(holes);
			return NULL;
		}
	}
	/* Shell and holes of the right type belong to the polygon now. */
	GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nholes);
	wg_free(holes);
	return poly;
}

/* g as a GEOS Polygon (one polygon) or MultiPolygon. Returns 0 with *out
 * for the caller to destroy, WG_ENOMEM, or WG_EVALIDATION when GEOS refuses
 * the rings (c->msg says why). */
static int make_geom(struct context *c, const wg_geom *g, GEOSGeometry **out)
{
	*out = NULL;
	if (g->npolys == 1) {
		*out = make_polygon(c->h, &g->polys[0]);
		return *out ? 0 : failure(c, WG_EVALIDATION);
	}
	if (g->npolys > UINT_MAX)
		return WG_ENOMEM;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	GEOSGeometry **polys = wg_malloc((g->npolys ? g->npolys : 1) * sizeof *polys);
	if (!polys)
		return WG_ENOMEM;
	for (size_t i = 0; i < g->npolys; i++) {
		polys[i] = make_polygon(c->h, &g->polys[i]);
		if (!polys[i]) {
			int rc = failure(c, WG_EVALIDATION);
			while (i > 0)
				GEOSGeom_destroy_r(c->h, polys[--i]);
			wg_free(polys);
			return rc;
		}
	}
	*out = GEOSGeom_createCollection_r(c->h, GEOS_MULTIPOLYGON, polys, (unsigned)g->npolys);
	wg_free(polys);
	return *out ? 0 : failure(c, WG_EVALIDATION);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int wg_geometry_check(const wg_geom *g, char *err, size_t errlen)
{
	set_err(err, errlen, "%s", "");
	if (g->npolys == 0) {
		set_err(err, errlen, "the geometry is empty");
		return WG_EVALIDATION;
	}
	struct context *c = context();
	if (!c)
		return WG_ENOMEM;
	GEOSGeometry *geom;
	int rc = make_geom(c, g, &geom);
	if (rc) {
		if (rc == WG_EVALIDATION)
			set_err(err, errlen, "%s", c->msg);
		return rc;
	}
	char *reason = NULL;
	GEOSGeometry *where = NULL;
	char valid = GEOSisValidDetail_r(c->h, geom, 0, &reason, &where);
	if (valid == 1) {
		rc = 0;
	} else if (valid == 0) {
		double x = 0, y = 0;
		if (where && GEOSGeomGetX_r(c->h, where, &x) == 1 && GEOSGeomGetY_r(c->h, where, &y) == 1)
			set_err(err, errlen, "%s at %.7f %.7f", reason ? reason : "invalid", x, y);
		else
			set_err(err, errlen, "%s", reason ? reason : "invalid");
		rc = WG_EVALIDATION;
	} else {
		rc = failure(c, WG_EINTERNAL);
	}
	if (reason)
		GEOSFree_r(c->h, reason);
	if (where)
		GEOSGeom_destroy_r(c->h, where);
	GEOSGeom_destroy_r(c->h, geom);
	return rc;
}

/* Runs a binary GEOS predicate on a and b. Returns 0 with *result, or
 * WG_ENOMEM / WG_EINTERNAL. */
static int predicate(const wg_geom *a, const wg_geom *b, bool overlap_pattern, bool *result)
{
	*result = false;
	struct context *c = context();
	if (!c)
		return WG_ENOMEM;
	GEOSGeometry *ga, *gb;
	int rc = make_geom(c, a, &ga);
	if (rc)
		return rc == WG_EVALIDATION ? WG_EINTERNAL : rc;
	rc = make_geom(c, b, &gb);
	if (rc) {
		GEOSGeom_destroy_r(c->h, ga);
		return rc == WG_EVALIDATION ? WG_EINTERNAL : rc;
	}
	char r = overlap_pattern ? GEOSRelatePattern_r(c->h, ga, gb, "2********")
	                         : GEOSCoveredBy_r(c->h, ga, gb);
	if (r == 0 || r == 1)
		*result = r == 1;
	else
		rc = failure(c, WG_EINTERNAL);
	GEOSGeom_destroy_r(c->h, ga);
	GEOSGeom_destroy_r(c->h, gb);
	return rc;
}

int wg_geometry_overlaps(const wg_geom *a, const wg_geom *b, bool *overlap)
{
	/* Disjoint boxes cannot share an area: most pairs end here. */
	if (a->npolys == 0 || b->npolys == 0 || a->max_lng < b->min_lng || b->max_lng < a->min_lng ||
	    a->max_lat < b->min_lat || b->max_lat < a->min_lat) {
		*overlap = false;
		return 0;
	}
	return predicate(a, b, true, overlap);
}

int wg_geometry_within(const wg_geom *a, const wg_geom *b, bool *within)
{
	return predicate(a, b, false, within);
}

struct wg_geometry_prepared {
	struct context *c;
	GEOSGeometry *g;
	const GEOSPreparedGeometry *pg;
};

int wg_geometry_prepare(const wg_geom *g, wg_geometry_prepared **out)
{
	*out = NULL;
	wg_geometry_prepared *p = wg_calloc(1, sizeof *p);
	if (!p)
		return WG_ENOMEM;
	p->c = context_new();
	if (!p->c) {
		wg_free(p);
		return WG_ENOMEM;
	}
	int rc = make_geom(p->c, g, &p->g);
	if (rc == 0) {
		p->pg = GEOSPrepare_r(p->c->h, p->g);
		if (!p->pg)
			rc = failure(p->c, WG_EINTERNAL);
	}
	if (rc) {
		wg_geometry_prepared_free(p);
		return rc == WG_EVALIDATION ? WG_EINTERNAL : rc;
	}
	*out = p;
	return 0;
}

bool wg_geometry_prepared_covers(const wg_geometry_prepared *p, double lng, double lat)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(p->c->h, lng, lat);
	if (!pt)
		return false;
	char r = GEOSPreparedCovers_r(p->c->h, p->pg, pt);
	GEOSGeom_destroy_r(p->c->h, pt);
	return r == 1;
}

void wg_geometry_prepared_free(wg_geometry_prepared *p)
{
	if (!p)
		return;
	if (p->pg)
		GEOSPreparedGeom_destroy_r(p->c->h, p->pg);
	if (p->g)
		GEOSGeom_destroy_r(p->c->h, p->g);
	context_free(p->c);
	wg_free(p);
}
