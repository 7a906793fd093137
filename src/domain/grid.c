#include "domain/grid.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/geometry.h"
#include "domain/locate.h"
#include "domain/region.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lock that serialises grid writers on PostgreSQL (wg_db_lock), so
 * that each build of the index sees the writes of every build before it. */
#define GRIDS_LOCK "grids"

/* ---- codes and types ------------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

enum wg_grid_form wg_grid_code_form(const char *code, char *village, char *parent)
{
	size_t n = code ? strlen(code) : 0;
	if ((n != WG_GRID_CODE_LEN && n != WG_MICRO_GRID_CODE_LEN) || !all_digits(code, n))
		return WG_GRID_FORM_BAD;
	char v[WG_REGION_CODE_LEN + 1];
	memcpy(v, code, WG_REGION_CODE_LEN);
	v[WG_REGION_CODE_LEN] = '\0';
	enum wg_region_level level;
	if (!wg_region_code_level(v, &level) || level != WG_REGION_VILLAGE)
		return WG_GRID_FORM_BAD;
	/* A number part of 000 would read as "no grid" in printed registers. */
	for (size_t at = WG_REGION_CODE_LEN; at < n; at += 3)
		if (memcmp(code + at, "000", 3) == 0)
			return WG_GRID_FORM_BAD;
	if (village)
		memcpy(village, v, sizeof v);
	if (parent) {
		size_t keep = n == WG_MICRO_GRID_CODE_LEN ? WG_GRID_CODE_LEN : 0;
		memcpy(parent, code, keep);
		parent[keep] = '\0';
	}
	return n == WG_GRID_CODE_LEN ? WG_GRID_FORM_GRID : WG_GRID_FORM_MICRO;
}

static const struct {
	const char *key, *label;
} grid_types[] = {{"urban", "城镇"}, {"rural", "农村"}, {"special", "专属"}};

const char *wg_grid_type_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof grid_types / sizeof grid_types[0]; i++)
		if (strcmp(s, grid_types[i].key) == 0 || strcmp(s, grid_types[i].label) == 0)
			return grid_types[i].key;
	return NULL;
}

const char *wg_grid_type_label(const char *type)
{
	for (size_t i = 0; type && i < sizeof grid_types / sizeof grid_types[0]; i++)
		if (strcmp(type, grid_types[i].key) == 0)
			return grid_types[i].label;
	return NULL;
}

/* ---- small helpers ----------------------------------------------------------- */

/* The box of a drawn grid as text, so that an undrawn one binds NULL
 * through the same format string; %.17g round-trips every double, as
 * wg_stmt_bind_double does. */
static void double_text(double v, char buf[32])
{
	snprintf(buf, 32, "%.17g", v);
}

/* Step a statement whose binding gave rc to its first row: 0 on a row,
 * none when there is none, else the error. */
static int first_row(wg_stmt *st, int rc, int none)
{
	if (!rc)
		rc = wg_stmt_step(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? none : rc;
}

/* Whether sql (a literal, one text parameter) finds a row for value. */
static int exists(wg_db *db, const char *sql, const char *value, bool *found)
{
	wg_stmt *st;
	*found = false;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "t", value), WG_ENOTFOUND);
	*found = rc == 0;
	wg_stmt_finalize(st);
	return rc == WG_ENOTFOUND ? 0 : rc;
}

static bool text_ok(const char *s, size_t max_chars)
{
	size_t n = strlen(s);
	if (n == 0 || !wg_utf8_valid(s, n) || wg_utf8_count(s, n) > max_chars)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* The range [lo, hi) of scope_keys under code (a region or grid code),
 * narrowed to scope. False when code is neither, or when the two ranges do
 * not meet (prefix ranges are nested or apart, never partly overlapping). */
static bool narrow(const wg_scope *scope, const char *code, char *lo, char *hi)
{
	char prefix[WG_SCOPE_KEY_MAX + 1];
	if (!wg_scope_prefix(code, prefix))
		return false;
	size_t n = strlen(prefix), sn = strlen(scope->lo);
	if (strcmp(scope->lo, scope->hi) >= 0)
		return false; /* an empty scope */
	if (strncmp(prefix, scope->lo, sn) == 0) {
		memcpy(lo, prefix, n + 1);
		memcpy(hi, prefix, n + 1);
		hi[n - 1]++;
		return true;
	}
	if (strncmp(scope->lo, prefix, n) == 0) {
		memcpy(lo, scope->lo, sn + 1);
		memcpy(hi, scope->hi, strlen(scope->hi) + 1);
		return true;
	}
	return false;
}

/* An area code of a query (?region=) that exists: a region or a grid. */
static int area_exists(wg_db *db, const char *code, bool *found)
{
	if (strlen(code) == WG_REGION_CODE_LEN)
		return exists(db, "SELECT 1 FROM regions WHERE code = ?", code, found);
	return exists(db, "SELECT 1 FROM grids WHERE code = ?", code, found);
}

/* "%q%" for LIKE ... ESCAPE '!', and "q%" for a code prefix. */
static void like_pattern(const char *q, bool leading, char *buf, size_t len)
{
	size_t j = 0;
	if (leading)
		buf[j++] = '%';
	for (const char *p = q ? q : ""; *p && j + 3 < len; p++) {
		if (*p == '%' || *p == '_' || *p == '!')
			buf[j++] = '!';
		buf[j++] = *p;
	}
	buf[j++] = '%';
	buf[j] = '\0';
}

/* ---- reading ------------------------------------------------------------------ */

#define GRID_COLUMNS                                                                                 \
	"g.code, g.region, g.parent, g.name, g.type, g.boundary IS NOT NULL, g.min_lng, g.min_lat, " \
	"g.max_lng, g.max_lat, g.area_m2, g.created_at, g.updated_at, g.version"

static void row_to_grid(wg_stmt *st, bool with_boundary, wg_grid *g)
{
	*g = (wg_grid){
		.code = wg_stmt_text(st, 0, NULL),
		.region = wg_stmt_text(st, 1, NULL),
		.parent = wg_stmt_text(st, 2, NULL),
		.name = wg_stmt_text(st, 3, NULL),
		.type = wg_stmt_text(st, 4, NULL),
		.drawn = wg_stmt_int(st, 5) != 0,
		.created_at = wg_stmt_int(st, 11),
		.updated_at = wg_stmt_int(st, 12),
		.version = wg_stmt_int(st, 13),
	};
	if (g->drawn) {
		g->min_lng = wg_stmt_double(st, 6);
		g->min_lat = wg_stmt_double(st, 7);
		g->max_lng = wg_stmt_double(st, 8);
		g->max_lat = wg_stmt_double(st, 9);
		g->area_m2 = wg_stmt_double(st, 10);
	}
	if (with_boundary)
		g->boundary = wg_stmt_text(st, 14, NULL);
}

static int walk(wg_stmt *st, int rc, bool with_boundary, wg_grid_fn fn, void *ctx)
{
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_grid g;
		row_to_grid(st, with_boundary, &g);
		rc = g.code && g.region && g.name && g.type ? fn(ctx, &g) : WG_ESTORE;
	}
	return rc == WG_DB_DONE ? 0 : rc;
}

/* The range of a list: the scope, narrowed to f->region when given. */
static int list_range(wg_db *db, const wg_scope *scope, const char *area, char *lo, char *hi)
{
	if (!area) {
		memcpy(lo, scope->lo, strlen(scope->lo) + 1);
		memcpy(hi, scope->hi, strlen(scope->hi) + 1);
		return 0;
	}
	if (!narrow(scope, area, lo, hi))
		return WG_ENOTFOUND;
	bool found;
	int rc = area_exists(db, area, &found);
	return rc ? rc : found ? 0 : WG_ENOTFOUND;
}

/* Parameters: range (2), name pattern, code pattern. */
#define LIST_FILTER_SQL \
	"g.scope_key >= ? AND g.scope_key < ? AND (g.name LIKE ? ESCAPE '!' OR g.code LIKE ? ESCAPE '!')"

int wg_grid_list(wg_db *db, const wg_scope *scope, const wg_grid_filter *f, wg_grid_fn fn, void *ctx,
                 int64_t *total)
{
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
	int rc = list_range(db, scope, f->region, lo, hi);
	if (rc)
		return rc;
	char name_like[4 * WG_GRID_NAME_MAX + 8], code_like[4 * WG_GRID_NAME_MAX + 8];
	like_pattern(f->q, true, name_like, sizeof name_like);
	like_pattern(f->q, false, code_like, sizeof code_like);
	wg_stmt *st;
	rc = wg_db_prepare_cached(db, "SELECT count(*) FROM grids g WHERE " LIST_FILTER_SQL, &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "tttt", lo, hi, name_like, code_like), WG_ESTORE);
	if (!rc)
		*total = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          "SELECT " GRID_COLUMNS " FROM grids g WHERE " LIST_FILTER_SQL
	                          " AND g.code > ? ORDER BY g.code LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttttti", lo, hi, name_like, code_like, f->after ? f->after : "", f->limit);
	rc = walk(st, rc, false, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_get(wg_db *db, const wg_scope *scope, const char *code, wg_grid_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " GRID_COLUMNS ", g.boundary FROM grids g WHERE g.code = ? AND "
	                              "g.scope_key >= ? AND g.scope_key < ?",
	                              &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "ttt", code, scope->lo, scope->hi), WG_ENOTFOUND);
	if (!rc) {
		wg_grid g;
		row_to_grid(st, true, &g);
		rc = g.code && g.region && g.name && g.type ? fn(ctx, &g) : WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_boundaries(wg_db *db, const wg_scope *scope, const char *region, wg_grid_fn fn, void *ctx)
{
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
	int rc = list_range(db, scope, region, lo, hi);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "SELECT " GRID_COLUMNS
	                          ", g.boundary FROM grids g WHERE g.scope_key >= ? AND "
	                          "g.scope_key < ? AND g.boundary IS NOT NULL ORDER BY g.code",
	                          &st);
	if (rc)
		return rc;
	rc = walk(st, wg_stmt_bindf(st, "tt", lo, hi), true, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_children(wg_db *db, const char *code, wg_grid_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT " GRID_COLUMNS " FROM grids g WHERE g.parent = ? ORDER BY g.code", &st);
	if (rc)
		return rc;
	rc = walk(st, wg_stmt_bindf(st, "t", code), false, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_count_records(wg_db *db, const char *code, wg_grid_counts *out)
{
	char hi[WG_SCOPE_KEY_MAX + 1];
	size_t n = strlen(code);
	if (n == 0 || n > WG_SCOPE_KEY_MAX)
		return WG_EINTERNAL;
	memcpy(hi, code, n + 1);
	hi[n - 1]++;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT (SELECT count(*) FROM residents WHERE scope_key >= ? AND scope_key < ?), "
		"(SELECT count(*) FROM houses WHERE scope_key >= ? AND scope_key < ?), "
		"(SELECT count(*) FROM organisations WHERE scope_key >= ? AND scope_key < ?), "
		"(SELECT count(*) FROM places WHERE scope_key >= ? AND scope_key < ?)",
		&st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "tttttttt", code, hi, code, hi, code, hi, code, hi), WG_ESTORE);
	if (!rc)
		*out = (wg_grid_counts){wg_stmt_int(st, 0), wg_stmt_int(st, 1), wg_stmt_int(st, 2),
		                        wg_stmt_int(st, 3)};
	wg_stmt_finalize(st);
	return rc;
}

/* ---- where a record lies ------------------------------------------------------ */

/* The village of a stored grid into region; WG_ENOTFOUND when absent. */
static int grid_region(wg_db *db, const char *code, char region[WG_REGION_CODE_LEN + 1])
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT region FROM grids WHERE code = ?", &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "t", code), WG_ENOTFOUND);
	if (!rc) {
		const char *r = wg_stmt_text(st, 0, NULL);
		snprintf(region, WG_REGION_CODE_LEN + 1, "%s", r ? r : "");
	}
	wg_stmt_finalize(st);
	return rc;
}

static void place_grid(wg_place *out, const char *grid, const char *region)
{
	snprintf(out->grid, sizeof out->grid, "%s", grid);
	snprintf(out->region, sizeof out->region, "%s", region);
	snprintf(out->scope_key, sizeof out->scope_key, "%s", grid);
}

static int place_region(wg_db *db, const wg_scope *scope, const char *region, wg_place *out,
                        wg_field_errors *fe)
{
	enum wg_region_level level;
	if (!wg_region_code_level(region, &level)) {
		wg_field_errors_add(fe, "region", "pattern", "region must be a 12-digit division code");
		return WG_EVALIDATION;
	}
	if (level != WG_REGION_VILLAGE && level != WG_REGION_TOWN) {
		wg_field_errors_add(fe, "region", "level", "a record lies in a village or a town, not a %s",
		                    wg_region_level_name(level));
		return WG_EVALIDATION;
	}
	bool found = false;
	int rc = wg_scope_contains(scope, region)
	                 ? exists(db, "SELECT 1 FROM regions WHERE code = ?", region, &found)
	                 : 0;
	if (rc)
		return rc;
	if (!found) {
		wg_field_errors_add(fe, "region", "not_found", "no region %s in your area", region);
		return WG_EVALIDATION;
	}
	snprintf(out->region, sizeof out->region, "%s", region);
	snprintf(out->scope_key, sizeof out->scope_key, "%s", region);
	return 0;
}

int wg_grid_place(wg_db *db, const wg_scope *scope, const char *grid, const double *lnglat,
                  const char *region, wg_place *out, wg_field_errors *fe)
{
	*out = (wg_place){0};
	char village[WG_REGION_CODE_LEN + 1];
	if (grid) {
		int rc = wg_grid_code_form(grid, NULL, NULL) != WG_GRID_FORM_BAD &&
		                         wg_scope_contains(scope, grid)
		                 ? grid_region(db, grid, village)
		                 : WG_ENOTFOUND;
		if (rc == WG_ENOTFOUND) {
			wg_field_errors_add(fe, "grid", "not_found", "no grid %s in your area", grid);
			return WG_EVALIDATION;
		}
		if (!rc)
			place_grid(out, grid, village);
		return rc;
	}
	if (lnglat) {
		char found[WG_SCOPE_KEY_MAX + 1] = "";
		const wg_locate *ix = wg_locate_acquire();
		const char *code = wg_locate_find(ix, lnglat[0], lnglat[1]);
		if (code)
			snprintf(found, sizeof found, "%s", code);
		wg_locate_release(ix);
		if (found[0] && !wg_scope_contains(scope, found)) {
			wg_field_errors_add(fe, "location", "out_of_area",
			                    "the location lies outside your area");
			return WG_EVALIDATION;
		}
		/* A grid of the index that the database no longer has counts as
		 * none: the index is rebuilt after every grid write. */
		int rc = found[0] ? grid_region(db, found, village) : WG_ENOTFOUND;
		if (!rc) {
			place_grid(out, found, village);
			return 0;
		}
		if (rc != WG_ENOTFOUND)
			return rc;
		if (!region) {
			wg_field_errors_add(
				fe, "location", "no_grid",
				"no grid covers this location: give the region (village or town) too");
			return WG_EVALIDATION;
		}
	}
	if (region)
		return place_region(db, scope, region, out, fe);
	wg_field_errors_add(fe, "grid", "required", "give a grid, a location or a region");
	return WG_EVALIDATION;
}

/* ---- the locate index ------------------------------------------------------------- */

static pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t built_seq;     /* of the last build */
static uint64_t published_seq; /* of the index published now */

/* The parsed boundaries of the last build, by code, each with a hash of its
 * stored text, so that a build parses only what changed since: parsing is
 * most of a build (1,000 grids of 50 points: about 60 ms to parse, 8 ms to
 * index). Keyed by the text itself, never by a version number, so an entry
 * left by a build whose transaction rolled back cannot stand for another
 * boundary. It holds a second copy of every geometry besides the index's.
 * Ordered by code like the query that fills it; cache_lock is taken after
 * the "grids" database lock, never before. */
#define HASH_BYTES 16

struct cached {
	char code[WG_SCOPE_KEY_MAX + 1];
	unsigned char hash[HASH_BYTES];
	wg_geom geom;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached *cache;
static size_t cache_n;

static void free_entries(struct cached *c, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		wg_geom_free(&c[i].geom);
}

/* The geometry of code with this stored text: the cached one when the text
 * is the same (moved out of the old cache at *j), else parsed. */
static int entry_for(struct cached *e, const char *code, const char *text, size_t len, size_t *j)
{
	snprintf(e->code, sizeof e->code, "%s", code);
	crypto_generichash(e->hash, sizeof e->hash, (const unsigned char *)text, len, NULL, 0);
	while (*j < cache_n && strcmp(cache[*j].code, code) < 0)
		wg_geom_free(&cache[(*j)++].geom);
	if (*j < cache_n && strcmp(cache[*j].code, code) == 0) {
		struct cached *old = &cache[(*j)++];
		if (memcmp(old->hash, e->hash, sizeof e->hash) == 0) {
			e->geom = old->geom;
			old->geom = (wg_geom){0};
			return 0;
		}
		wg_geom_free(&old->geom);
	}
	int rc = wg_geojson_parse_text(text, len, &e->geom, NULL, 0);
	return rc == WG_EBADREQ ? WG_EVALIDATION : rc;
}

/* Rows of (code, boundary) into the builder through the cache, which ends
 * up holding exactly these rows (or nothing after a failure). */
static int build_rows(wg_stmt *st, wg_locate_builder *b)
{
	struct cached *next = NULL;
	size_t n = 0, cap = 0, j = 0;
	int rc = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		size_t len = 0;
		const char *code = wg_stmt_text(st, 0, NULL), *text = wg_stmt_text(st, 1, &len);
		if (!code || !text || strlen(code) > WG_SCOPE_KEY_MAX) {
			rc = WG_ESTORE;
			break;
		}
		if (n == cap) {
			size_t bigger = cap ? 2 * cap : 256;
			struct cached *p = wg_realloc(next, bigger * sizeof *p);
			if (!p) {
				rc = WG_ENOMEM;
				break;
			}
			next = p;
			cap = bigger;
		}
		rc = entry_for(&next[n], code, text, len, &j);
		if (rc)
			break;
		n++;
		wg_geom copy;
		rc = wg_geom_copy(&next[n - 1].geom, &copy);
		if (!rc && (rc = wg_locate_builder_add(b, code, &copy)) != 0)
			wg_geom_free(&copy);
	}
	free_entries(cache, j, cache_n);
	wg_free(cache);
	if (rc != WG_DB_DONE) {
		free_entries(next, 0, n);
		wg_free(next);
		next = NULL;
		n = 0;
	}
	cache = next;
	cache_n = n;
	return rc == WG_DB_DONE ? 0 : rc ? rc : WG_ESTORE;
}

int wg_grid_index_build(wg_db *db, wg_grid_index *out)
{
	*out = (wg_grid_index){0};
	if (sodium_init() < 0) /* for the hash of the cache; idempotent */
		return WG_EINTERNAL;
	int rc = wg_db_lock(db, GRIDS_LOCK);
	if (rc)
		return rc;
	wg_locate_builder *b = wg_locate_builder_new();
	if (!b)
		return WG_ENOMEM;
	wg_stmt *st = NULL;
	rc = wg_db_prepare_cached(
		db, "SELECT code, boundary FROM grids WHERE boundary IS NOT NULL ORDER BY code", &st);
	if (!rc) {
		pthread_mutex_lock(&cache_lock);
		rc = build_rows(st, b);
		pthread_mutex_unlock(&cache_lock);
		wg_stmt_finalize(st);
	}
	if (rc) {
		wg_locate_builder_free(b);
		return rc;
	}
	wg_locate *ix = wg_locate_build(b);
	if (!ix)
		return WG_ENOMEM;
	pthread_mutex_lock(&index_lock);
	out->seq = ++built_seq;
	pthread_mutex_unlock(&index_lock);
	out->ix = ix;
	return 0;
}

void wg_grid_index_publish(wg_grid_index *b)
{
	if (!b->ix)
		return;
	pthread_mutex_lock(&index_lock);
	if (b->seq > published_seq) {
		published_seq = b->seq;
		wg_locate_publish(b->ix);
	} else {
		wg_locate_release(b->ix);
	}
	pthread_mutex_unlock(&index_lock);
	*b = (wg_grid_index){0};
}

void wg_grid_index_discard(wg_grid_index *b)
{
	wg_locate_release(b->ix);
	*b = (wg_grid_index){0};
}

int wg_grid_index_reload(wg_db *db)
{
	wg_grid_index b;
	int rc = wg_grid_index_build(db, &b);
	if (!rc)
		wg_grid_index_publish(&b);
	return rc;
}

int wg_grid_index_load(wg_db *db, void *arg)
{
	(void)arg;
	return wg_grid_index_reload(db);
}

/* ---- writing grids ------------------------------------------------------------------ */

/* What a boundary is stored as: canonical text, box and area. */
struct stored_boundary {
	char *text; /* wg_malloc'd; NULL when undrawn */
	char box[4][32];
	char area[32];
};

static int stored_of(const wg_geom *g, struct stored_boundary *s)
{
	*s = (struct stored_boundary){0};
	if (!g || g->npolys == 0)
		return 0;
	int rc = wg_geojson_text(g, &s->text, NULL);
	if (rc)
		return rc;
	double_text(g->min_lng, s->box[0]);
	double_text(g->min_lat, s->box[1]);
	double_text(g->max_lng, s->box[2]);
	double_text(g->max_lat, s->box[3]);
	double_text(wg_geom_area_m2(g), s->area);
	return 0;
}

static int insert_row(wg_db *db, const char *code, const char *village, const char *parent, const char *name,
                      const char *type, const struct stored_boundary *b, int64_t now)
{
	bool drawn = b->text != NULL;
	return wg_db_execf(db,
	                   "INSERT INTO grids (code, region, parent, name, type, boundary, min_lng, min_lat, "
	                   "max_lng, max_lat, area_m2, scope_key, created_at, updated_at, version) "
	                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
	                   NULL, "ttttttttttttii", code, village, parent && *parent ? parent : NULL, name,
	                   type, b->text, drawn ? b->box[0] : NULL, drawn ? b->box[1] : NULL,
	                   drawn ? b->box[2] : NULL, drawn ? b->box[3] : NULL, drawn ? b->area : NULL, code,
	                   now, now);
}

int wg_grid_insert(wg_db *db, const wg_grid_row *row)
{
	char village[WG_REGION_CODE_LEN + 1], parent[WG_GRID_CODE_LEN + 1];
	enum wg_grid_form form = wg_grid_code_form(row->code, village, parent);
	const char *type = wg_grid_type_parse(row->type);
	if (form == WG_GRID_FORM_BAD || !type || !row->name || !*row->name ||
	    (row->parent && *row->parent && strcmp(row->parent, parent) != 0))
		return WG_EVALIDATION;
	int rc = wg_db_lock(db, GRIDS_LOCK);
	if (rc)
		return rc;
	struct stored_boundary b;
	rc = stored_of(row->boundary, &b);
	if (!rc)
		rc = insert_row(db, row->code, village, parent, row->name, type, &b, wg_clock_now_ms());
	wg_free(b.text);
	return rc;
}

/* What checking one input learned. */
struct item {
	enum wg_grid_form form;
	char village[WG_REGION_CODE_LEN + 1];
	char parent[WG_GRID_CODE_LEN + 1];
	const char *type; /* stored key; NULL when not given */
	bool exists;      /* a stored grid */
	int64_t version;
	char *old_name, *old_boundary; /* of a stored grid; wg_malloc'd */
	char old_type[16];
	bool bad;
	bool boundary_changed;
};

struct save {
	wg_db *db;
	const wg_caller *actor;
	const char *alg;
	wg_scope scope;
	wg_grid_batch *s;
	wg_field_errors *fe;
	struct item *it;
	bool any;      /* a problem was recorded */
	bool conflict; /* create: the code exists; update: stale version */
};

static void problem(struct save *c, size_t i, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void problem(struct save *c, size_t i, const char *field, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!c->it[i].bad) {
		c->it[i].bad = true;
		c->s->bad++;
	}
	c->any = true;
	const wg_grid_input *in = &c->s->items[i];
	if (c->s->report) {
		c->s->report(c->s->report_ctx, in, field, code, msg);
		return;
	}
	char name[96];
	if (c->s->mode != WG_GRID_IMPORT)
		snprintf(name, sizeof name, "%s", field);
	else if (strcmp(field, "boundary") == 0)
		snprintf(name, sizeof name, "features[%zu].geometry", in->feature);
	else
		snprintf(name, sizeof name, "features[%zu].properties.%s", in->feature, field);
	wg_field_errors_add(c->fe, name, code, "%s", msg);
}

static int load_existing(struct save *c, size_t i)
{
	struct item *it = &c->it[i];
	wg_stmt *st;
	int rc = wg_db_prepare_cached(c->db, "SELECT version, name, type, boundary FROM grids WHERE code = ?",
	                              &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "t", c->s->items[i].code), WG_ENOTFOUND);
	if (!rc) {
		const char *name = wg_stmt_text(st, 1, NULL), *type = wg_stmt_text(st, 2, NULL),
			   *boundary = wg_stmt_text(st, 3, NULL);
		it->exists = true;
		it->version = wg_stmt_int(st, 0);
		snprintf(it->old_type, sizeof it->old_type, "%s", type ? type : "");
		it->old_name = wg_strdup(name ? name : "");
		it->old_boundary = boundary ? wg_strdup(boundary) : NULL;
		if (!it->old_name || (boundary && !it->old_boundary))
			rc = WG_ENOMEM;
	}
	wg_stmt_finalize(st);
	return rc == WG_ENOTFOUND ? 0 : rc;
}

/* Whether another input of the batch has this code (and is not bad in its
 * code), so a micro-grid may come with its parent. */
static bool in_batch(const struct save *c, size_t self, const char *code)
{
	for (size_t j = 0; j < c->s->n; j++)
		if (j != self && c->s->items[j].code && strcmp(c->s->items[j].code, code) == 0)
			return true;
	return false;
}

static int check_item(struct save *c, size_t i)
{
	const wg_grid_input *in = &c->s->items[i];
	struct item *it = &c->it[i];
	enum wg_grid_mode mode = c->s->mode;
	if (!in->code || !*in->code) {
		problem(c, i, "code", "required", "code is required");
		return 0;
	}
	it->form = wg_grid_code_form(in->code, it->village, it->parent);
	if (it->form == WG_GRID_FORM_BAD) {
		if (mode == WG_GRID_UPDATE)
			return WG_ENOTFOUND;
		problem(c, i, "code", "pattern",
		        "code must be a village's 12-digit code and 3 digits (a grid), or a grid's code and "
		        "3 "
		        "digits (a micro-grid), without a 000 part");
		return 0;
	}
	for (size_t j = 0; j < i; j++)
		if (c->s->items[j].code && strcmp(c->s->items[j].code, in->code) == 0) {
			problem(c, i, "code", "duplicate", "%s appears twice (also in features[%zu])",
			        in->code, c->s->items[j].feature);
			return 0;
		}
	if (in->parent && *in->parent && strcmp(in->parent, it->parent) != 0) {
		if (it->form == WG_GRID_FORM_MICRO)
			problem(c, i, "parent", "mismatch",
			        "the parent of micro-grid %s is %s, as its code says", in->code, it->parent);
		else
			problem(c, i, "parent", "mismatch",
			        "%s is a grid (15 digits) and has no parent; a micro-grid has 18 digits",
			        in->code);
	}
	if (in->name && !text_ok(in->name, WG_GRID_NAME_MAX))
		problem(c, i, "name", "pattern", "name must be 1 to %d characters without control characters",
		        WG_GRID_NAME_MAX);
	if (in->type && !(it->type = wg_grid_type_parse(in->type)))
		problem(c, i, "type", "unknown", "type must be urban, rural or special (城镇, 农村, 专属)");

	bool in_scope = wg_scope_contains(&c->scope, in->code);
	int rc = in_scope ? load_existing(c, i) : 0;
	if (rc)
		return rc;
	if (mode == WG_GRID_UPDATE) {
		if (!it->exists)
			return WG_ENOTFOUND;
		if (in->version && in->version != it->version)
			c->conflict = true;
		return 0;
	}
	bool found = false;
	rc = in_scope ? exists(c->db, "SELECT 1 FROM regions WHERE code = ? AND level = 'village'",
	                       it->village, &found)
	              : 0;
	if (rc)
		return rc;
	if (!found) {
		problem(c, i, "code", "not_found", "no village %s in your area", it->village);
		return 0;
	}
	if (mode == WG_GRID_CREATE) {
		if (it->exists)
			c->conflict = true;
		if (!in->name)
			problem(c, i, "name", "required", "name is required");
		if (!in->type)
			problem(c, i, "type", "required", "type is required: urban, rural or special");
	}
	if (it->form == WG_GRID_FORM_MICRO && !it->exists) {
		rc = exists(c->db, "SELECT 1 FROM grids WHERE code = ?", it->parent, &found);
		if (rc)
			return rc;
		if (!found && !in_batch(c, i, it->parent))
			problem(c, i, "parent", "not_found", "no grid %s in your area for micro-grid %s",
			        it->parent, in->code);
	}
	return 0;
}

static int audit_grid(struct save *c, const char *action, const char *code, json_t *detail)
{
	return wg_audit_record(c->db, c->alg, c->actor, action, "grid", code, detail);
}

static int update_item(struct save *c, size_t i, const struct stored_boundary *b, int64_t now)
{
	const wg_grid_input *in = &c->s->items[i];
	struct item *it = &c->it[i];
	bool name_changed = in->name && strcmp(in->name, it->old_name) != 0;
	bool type_changed = it->type && strcmp(it->type, it->old_type) != 0;
	it->boundary_changed = b->text && (!it->old_boundary || strcmp(b->text, it->old_boundary) != 0);
	if (!name_changed && !type_changed && !it->boundary_changed)
		return 0; /* nothing to write, nothing to audit */
	int64_t rows = 0;
	int rc = wg_db_execf(c->db,
	                     "UPDATE grids SET name = ?, type = ?, updated_at = ?, version = version + 1 "
	                     "WHERE code = ? AND version = ?",
	                     &rows, "ttiti", name_changed ? in->name : it->old_name,
	                     type_changed ? it->type : it->old_type, now, in->code, it->version);
	if (!rc && rows != 1)
		rc = WG_ECONFLICT;
	if (!rc && it->boundary_changed)
		rc = wg_db_execf(c->db,
		                 "UPDATE grids SET boundary = ?, min_lng = ?, min_lat = ?, max_lng = ?, "
		                 "max_lat = ?, area_m2 = ? WHERE code = ?",
		                 NULL, "ttttttt", b->text, b->box[0], b->box[1], b->box[2], b->box[3],
		                 b->area, in->code);
	if (rc)
		return rc;
	json_t *fields = json_array();
	if (fields && name_changed)
		json_array_append_new(fields, json_string("name"));
	if (fields && type_changed)
		json_array_append_new(fields, json_string("type"));
	if (fields && it->boundary_changed)
		json_array_append_new(fields, json_string("boundary"));
	c->s->updated++;
	return audit_grid(c, "grid.update", in->code, fields ? json_pack("{s:o}", "fields", fields) : NULL);
}

static int write_item(struct save *c, size_t i, int64_t now)
{
	const wg_grid_input *in = &c->s->items[i];
	struct item *it = &c->it[i];
	struct stored_boundary b;
	int rc = stored_of(in->set_boundary ? &in->boundary : NULL, &b);
	if (!rc && it->exists)
		rc = update_item(c, i, &b, now);
	else if (!rc) {
		/* An imported feature may leave out name and type. */
		const char *name = in->name ? in->name : in->code, *type = it->type ? it->type : "rural";
		rc = insert_row(c->db, in->code, it->village, it->parent, name, type, &b, now);
		it->boundary_changed = b.text != NULL;
		if (!rc) {
			c->s->created++;
			rc = audit_grid(c, "grid.create", in->code,
			                json_pack("{s:s, s:s, s:b}", "region", it->village, "type", type,
			                          "drawn", b.text != NULL));
		}
	}
	wg_free(b.text);
	return rc;
}

/* One new boundary against the grids its box meets in the new index. */
struct against {
	const wg_grid_input *in;
	const struct item *it;
	char overlaps[5][WG_SCOPE_KEY_MAX + 1];
	size_t noverlaps;
	bool parent_seen, within_parent;
};

/* A code and the codes above or below it (a grid and its micro-grids) may
 * share area; nothing else may. */
static bool related(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	return na != nb && strncmp(a, b, na < nb ? na : nb) == 0;
}

static int on_candidate(void *ctx, const char *code, const wg_geom *g)
{
	struct against *a = ctx;
	if (strcmp(code, a->in->code) == 0)
		return 0;
	if (a->it->form == WG_GRID_FORM_MICRO && strcmp(code, a->it->parent) == 0) {
		a->parent_seen = true;
		return wg_geometry_within(&a->in->boundary, g, &a->within_parent);
	}
	if (related(code, a->in->code))
		return 0;
	bool overlap;
	int rc = wg_geometry_overlaps(&a->in->boundary, g, &overlap);
	if (!rc && overlap) {
		if (a->noverlaps < sizeof a->overlaps / sizeof a->overlaps[0])
			snprintf(a->overlaps[a->noverlaps], sizeof a->overlaps[0], "%s", code);
		a->noverlaps++;
	}
	return rc;
}

/* The stored micro-grids of a redrawn grid must stay inside it (those
 * redrawn in the same batch are checked against it from their side). */
static int check_children(struct save *c, size_t i)
{
	const wg_grid_input *in = &c->s->items[i];
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		c->db,
		"SELECT code, boundary FROM grids WHERE parent = ? AND boundary IS NOT NULL "
		"ORDER BY code",
		&st);
	if (rc)
		return rc;
	char outside[3][WG_SCOPE_KEY_MAX + 1];
	size_t n = 0;
	rc = wg_stmt_bindf(st, "t", in->code);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		rc = 0;
		size_t len = 0;
		const char *code = wg_stmt_text(st, 0, NULL), *text = wg_stmt_text(st, 1, &len);
		bool redrawn = false;
		for (size_t j = 0; code && j < c->s->n && !redrawn; j++)
			redrawn = c->s->items[j].set_boundary && strcmp(c->s->items[j].code, code) == 0;
		if (!code || !text || redrawn)
			continue;
		wg_geom g;
		bool within = false;
		rc = wg_geojson_parse_text(text, len, &g, NULL, 0);
		if (rc == WG_EBADREQ)
			rc = WG_EVALIDATION;
		if (!rc) {
			rc = wg_geometry_within(&g, &in->boundary, &within);
			wg_geom_free(&g);
		}
		if (!rc && !within) {
			if (n < 3)
				snprintf(outside[n], sizeof outside[0], "%s", code);
			n++;
		}
	}
	wg_stmt_finalize(st);
	if (rc != WG_DB_DONE)
		return rc ? rc : WG_ESTORE;
	if (n)
		problem(c, i, "boundary", "children_outside",
		        "micro-grid%s %s%s%s%s%s would lie outside the new boundary", n > 1 ? "s" : "",
		        outside[0], n > 1 ? ", " : "", n > 1 ? outside[1] : "", n > 2 ? ", " : "",
		        n > 2 ? outside[2] : "");
	return 0;
}

static int by_code(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int check_geometry(struct save *c, size_t i)
{
	const wg_grid_input *in = &c->s->items[i];
	const wg_geom *g = &in->boundary;
	struct against a = {.in = in, .it = &c->it[i]};
	int rc = wg_locate_candidates(c->s->built.ix, g->min_lng, g->min_lat, g->max_lng, g->max_lat,
	                              on_candidate, &a);
	if (rc)
		return rc;
	if (a.noverlaps) {
		char list[160] = "";
		size_t shown = a.noverlaps < 5 ? a.noverlaps : 5;
		/* Candidates come in no particular order; messages should not. */
		qsort(a.overlaps, shown, sizeof a.overlaps[0], by_code);
		for (size_t k = 0; k < shown; k++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
			         a.overlaps[k]);
		if (a.noverlaps > shown)
			problem(c, i, "boundary", "overlap", "the boundary overlaps grids %s and %zu more",
			        list, a.noverlaps - shown);
		else
			problem(c, i, "boundary", "overlap", "the boundary overlaps grid%s %s",
			        shown > 1 ? "s" : "", list);
	}
	if (c->it[i].form == WG_GRID_FORM_MICRO) {
		if (!a.parent_seen) {
			bool drawn;
			rc = exists(c->db, "SELECT 1 FROM grids WHERE code = ? AND boundary IS NOT NULL",
			            c->it[i].parent, &drawn);
			if (rc)
				return rc;
			if (drawn)
				problem(c, i, "boundary", "outside_parent",
				        "a micro-grid must lie within its grid %s", c->it[i].parent);
			else
				problem(c, i, "boundary", "parent_undrawn",
				        "grid %s has no boundary yet: draw it before its micro-grids",
				        c->it[i].parent);
		} else if (!a.within_parent) {
			problem(c, i, "boundary", "outside_parent",
			        "a micro-grid must lie within its grid %s", c->it[i].parent);
		}
	} else if (c->it[i].exists) {
		rc = check_children(c, i);
	}
	return rc;
}

int wg_grid_save(wg_db *db, const wg_caller *actor, const char *audit_alg, wg_grid_batch *s,
                 wg_field_errors *fe)
{
	s->created = s->updated = s->bad = 0;
	s->built = (wg_grid_index){0};
	struct save c = {.db = db, .actor = actor, .alg = audit_alg, .s = s, .fe = fe};
	wg_scope_of(actor, &c.scope);
	c.it = wg_calloc(s->n ? s->n : 1, sizeof *c.it);
	if (!c.it)
		return WG_ENOMEM;
	int rc = wg_db_lock(db, GRIDS_LOCK);
	for (size_t i = 0; !rc && i < s->n; i++)
		rc = check_item(&c, i);
	if (!rc && c.any)
		rc = WG_EVALIDATION;
	if (!rc && c.conflict)
		rc = WG_ECONFLICT;
	bool redrawn = false;
	int64_t now = wg_clock_now_ms();
	/* Grids before micro-grids, whose parent must be stored first. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; !rc && i < s->n; i++) {
			if ((c.it[i].form == WG_GRID_FORM_MICRO) != (pass == 1))
				continue;
			rc = write_item(&c, i, now);
			redrawn = redrawn || c.it[i].boundary_changed;
		}
	if (!rc && redrawn)
		rc = wg_grid_index_build(db, &s->built);
	for (size_t i = 0; !rc && redrawn && i < s->n; i++)
		if (c.it[i].boundary_changed)
			rc = check_geometry(&c, i);
	if (!rc && c.any)
		rc = WG_EVALIDATION;
	if (rc)
		wg_grid_index_discard(&s->built);
	for (size_t i = 0; i < s->n; i++) {
		wg_free(c.it[i].old_name);
		wg_free(c.it[i].old_boundary);
	}
	wg_free(c.it);
	return rc;
}

/* ---- staff ------------------------------------------------------------------------- */

static const struct {
	const char *key, *label;
	bool on_grid;
} staff_roles[] = {
#define WG__STAFF_ROLE(key, label, on_grid) {key, label, on_grid},
	WG_GRID_STAFF_ROLES(WG__STAFF_ROLE)
#undef WG__STAFF_ROLE
};

const char *wg_grid_staff_role(const char *s, bool *on_grid)
{
	for (size_t i = 0; s && i < sizeof staff_roles / sizeof staff_roles[0]; i++)
		if (strcmp(s, staff_roles[i].key) == 0) {
			if (on_grid)
				*on_grid = staff_roles[i].on_grid;
			return staff_roles[i].key;
		}
	return NULL;
}

#define STAFF_COLUMNS "s.id, s.role, s.name, s.phone_masked, s.user_id, s.scope_key, s.created_at"
/* Staff in the order of WG_GRID_STAFF_ROLES. */
#define STAFF_ROLE_ORDER                                                                                   \
	"CASE s.role WHEN 'chief_grid_head' THEN 0 WHEN 'grid_head' THEN 1 WHEN 'grid_instructor' THEN 2 " \
	"WHEN 'grid_worker' THEN 3 ELSE 4 END"

static int staff_row(wg_stmt *st, wg_grid_staff_fn fn, void *ctx)
{
	wg_grid_staff s = {
		.id = wg_stmt_int(st, 0),
		.role = wg_stmt_text(st, 1, NULL),
		.name = wg_stmt_text(st, 2, NULL),
		.phone_masked = wg_stmt_text(st, 3, NULL),
		.user_id = wg_stmt_int(st, 4),
		.scope_key = wg_stmt_text(st, 5, NULL),
		.created_at = wg_stmt_int(st, 6),
	};
	return s.role && s.name && s.scope_key ? fn(ctx, &s) : WG_ESTORE;
}

static int walk_staff(wg_stmt *st, int rc, wg_grid_staff_fn fn, void *ctx)
{
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = staff_row(st, fn, ctx);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_grid_staff_of(wg_db *db, const char *grid, wg_grid_staff_fn fn, void *ctx)
{
	char village[WG_REGION_CODE_LEN + 1], parent[WG_GRID_CODE_LEN + 1], town[WG_REGION_CODE_LEN + 1];
	if (wg_grid_code_form(grid, village, parent) == WG_GRID_FORM_BAD ||
	    !wg_region_parent_code(village, town))
		return WG_ENOTFOUND;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " STAFF_COLUMNS
	                              " FROM grid_staff s WHERE s.scope_key IN (?, ?, ?, ?) "
	                              "ORDER BY " STAFF_ROLE_ORDER ", s.name, s.id",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tttt", grid, parent[0] ? parent : NULL, village, town);
	rc = walk_staff(st, rc, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_staff_list(wg_db *db, const wg_scope *scope, const wg_grid_staff_filter *f, wg_grid_staff_fn fn,
                       void *ctx, int64_t *total)
{
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
	int rc = list_range(db, scope, f->area, lo, hi);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(
		db,
		"SELECT count(*) FROM grid_staff s WHERE s.scope_key >= ? AND s.scope_key < ? "
		"AND s.role = coalesce(?, s.role)",
		&st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "ttt", lo, hi, f->role), WG_ESTORE);
	if (!rc)
		*total = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(
		db,
		"SELECT " STAFF_COLUMNS " FROM grid_staff s WHERE s.scope_key >= ? AND "
		"s.scope_key < ? AND s.role = coalesce(?, s.role) AND s.id > ? ORDER BY s.id "
		"LIMIT ?",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tttii", lo, hi, f->role, f->after_id, f->limit);
	rc = walk_staff(st, rc, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_staff_get(wg_db *db, const wg_scope *scope, int64_t id, wg_grid_staff_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " STAFF_COLUMNS " FROM grid_staff s WHERE s.id = ? AND "
	                              "s.scope_key >= ? AND s.scope_key < ?",
	                              &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "itt", id, scope->lo, scope->hi), WG_ENOTFOUND);
	if (!rc)
		rc = staff_row(st, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

int wg_grid_staff_insert(wg_db *db, const struct wg_secret_key *key, const char *role, const char *name,
                         const char *phone, int64_t user_id, const char *scope_key, int64_t *id)
{
	const char *r = wg_grid_staff_role(role, NULL);
	if (!r || !name || !*name || !scope_key)
		return WG_EVALIDATION;
	char *sealed = NULL, index[WG_SECRET_INDEX_HEX] = "", masked[24] = "";
	int rc = 0;
	if (phone && *phone) {
		rc = wg_secret_seal(key, phone, strlen(phone), &sealed);
		if (!rc)
			rc = wg_secret_blind_index(key, "phone", phone, strlen(phone), index);
		wg_ident_mask_phone(phone, masked);
	}
	int64_t now = wg_clock_now_ms();
	wg_stmt *st;
	if (!rc)
		rc = wg_db_prepare_cached(
			db,
			"INSERT INTO grid_staff (role, name, phone, phone_masked, phone_index, "
			"user_id, scope_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
			"?) RETURNING id",
			&st);
	if (!rc) {
		rc = wg_stmt_bindf(st, "ttttt", r, name, sealed, sealed ? masked : NULL,
		                   sealed ? index : NULL);
		if (!rc)
			rc = user_id > 0 ? wg_stmt_bind_int(st, 6, user_id) : wg_stmt_bind_null(st, 6);
		if (!rc)
			rc = wg_stmt_bind_text(st, 7, scope_key, strlen(scope_key));
		if (!rc)
			rc = wg_stmt_bind_int(st, 8, now);
		if (!rc)
			rc = wg_stmt_bind_int(st, 9, now);
		rc = first_row(st, rc, WG_ESTORE);
		if (!rc)
			*id = wg_stmt_int(st, 0);
		wg_stmt_finalize(st);
	}
	wg_free(sealed);
	return rc;
}

static int audit_staff(wg_db *db, const wg_caller *actor, const char *alg, const char *action, int64_t id,
                       json_t *detail)
{
	char object[24];
	snprintf(object, sizeof object, "%lld", (long long)id);
	return wg_audit_record(db, alg, actor, action, "grid_staff", object, detail);
}

/* Where a new staff member serves: a grid for the roles of one grid, a
 * village or town for the others, in the actor's scope. */
static int staff_area(wg_db *db, const wg_scope *scope, const wg_grid_staff_input *in, const char *role,
                      bool on_grid, const char **area, wg_field_errors *fe)
{
	*area = NULL;
	bool found = false;
	int rc = 0;
	if (on_grid) {
		if (!in->grid) {
			wg_field_errors_add(fe, "grid", "required", "a %s serves one grid: give grid", role);
			return WG_EVALIDATION;
		}
		if (wg_grid_code_form(in->grid, NULL, NULL) != WG_GRID_FORM_BAD &&
		    wg_scope_contains(scope, in->grid))
			rc = exists(db, "SELECT 1 FROM grids WHERE code = ?", in->grid, &found);
		if (!rc && !found) {
			wg_field_errors_add(fe, "grid", "not_found", "no grid %s in your area", in->grid);
			return WG_EVALIDATION;
		}
		*area = in->grid;
		return rc;
	}
	enum wg_region_level level;
	if (!in->region) {
		wg_field_errors_add(fe, "region", "required", "a %s serves a village or a town: give region",
		                    role);
		return WG_EVALIDATION;
	}
	if (!wg_region_code_level(in->region, &level)) {
		wg_field_errors_add(fe, "region", "pattern", "region must be a 12-digit division code");
		return WG_EVALIDATION;
	}
	if (level != WG_REGION_VILLAGE && level != WG_REGION_TOWN) {
		wg_field_errors_add(fe, "region", "level", "a %s serves a village or a town, not a %s", role,
		                    wg_region_level_name(level));
		return WG_EVALIDATION;
	}
	if (wg_scope_contains(scope, in->region))
		rc = exists(db, "SELECT 1 FROM regions WHERE code = ?", in->region, &found);
	if (!rc && !found) {
		wg_field_errors_add(fe, "region", "not_found", "no region %s in your area", in->region);
		return WG_EVALIDATION;
	}
	*area = in->region;
	return rc;
}

int wg_grid_staff_add(wg_db *db, const wg_caller *actor, const char *audit_alg,
                      const struct wg_secret_key *key, const wg_grid_staff_input *in, int64_t *id,
                      wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(actor, &scope);
	bool bad = false, on_grid = false;
	const char *role = in->role ? wg_grid_staff_role(in->role, &on_grid) : NULL;
	if (!in->role) {
		bad = true;
		wg_field_errors_add(fe, "role", "required", "role is required");
	} else if (!role) {
		bad = true;
		wg_field_errors_add(
			fe, "role", "unknown",
			"role must be chief_grid_head, grid_head, grid_instructor, grid_worker or "
			"grid_assistant");
	}
	if (!in->name || !*in->name) {
		bad = true;
		wg_field_errors_add(fe, "name", "required", "name is required");
	} else if (!text_ok(in->name, WG_STAFF_NAME_MAX)) {
		bad = true;
		wg_field_errors_add(fe, "name", "pattern",
		                    "name must be 1 to %d characters without control characters",
		                    WG_STAFF_NAME_MAX);
	}
	char phone[24] = "";
	const char *pcode = NULL, *why = NULL;
	if (in->phone && wg_ident_phone(in->phone, phone, &pcode, &why) != 0) {
		bad = true;
		wg_field_errors_add(fe, "phone", pcode ? pcode : "format", "%s",
		                    why ? why : "not a phone number");
	}
	const char *area = NULL;
	int rc = role ? staff_area(db, &scope, in, role, on_grid, &area, fe) : 0;
	if (rc == WG_EVALIDATION) {
		bad = true;
		rc = 0;
	}
	if (!rc && in->user_id > 0) {
		wg_stmt *st;
		rc = wg_db_prepare_cached(
			db, "SELECT 1 FROM users WHERE id = ? AND scope_key >= ? AND scope_key < ?", &st);
		if (!rc) {
			rc = first_row(st, wg_stmt_bindf(st, "itt", in->user_id, scope.lo, scope.hi),
			               WG_ENOTFOUND);
			wg_stmt_finalize(st);
		}
		if (rc == WG_ENOTFOUND) {
			bad = true;
			rc = 0;
			wg_field_errors_add(fe, "user", "not_found", "no account %lld in your area",
			                    (long long)in->user_id);
		}
	}
	if (rc)
		return rc;
	if (bad)
		return WG_EVALIDATION;
	rc = wg_grid_staff_insert(db, key, role, in->name, phone[0] ? phone : NULL, in->user_id, area, id);
	if (rc)
		return rc;
	json_t *detail = json_pack("{s:s, s:s, s:b}", "role", role, "area", area, "phone", phone[0] != '\0');
	if (detail && in->user_id > 0)
		json_object_set_new(detail, "user", json_integer(in->user_id));
	return audit_staff(db, actor, audit_alg, "staff.create", *id, detail);
}

int wg_grid_staff_remove(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id)
{
	wg_scope scope;
	wg_scope_of(actor, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT role, scope_key FROM grid_staff WHERE id = ? AND scope_key >= ? AND "
		"scope_key < ?",
		&st);
	if (rc)
		return rc;
	char role[32] = "", area[WG_SCOPE_KEY_MAX + 1] = "";
	rc = first_row(st, wg_stmt_bindf(st, "itt", id, scope.lo, scope.hi), WG_ENOTFOUND);
	if (!rc) {
		const char *r = wg_stmt_text(st, 0, NULL), *a = wg_stmt_text(st, 1, NULL);
		snprintf(role, sizeof role, "%s", r ? r : "");
		snprintf(area, sizeof area, "%s", a ? a : "");
	}
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	int64_t rows = 0;
	rc = wg_db_execf(db, "DELETE FROM grid_staff WHERE id = ?", &rows, "i", id);
	if (!rc && rows != 1)
		rc = WG_ENOTFOUND;
	if (rc)
		return rc;
	return audit_staff(db, actor, audit_alg, "staff.delete", id,
	                   json_pack("{s:s, s:s}", "role", role, "area", area));
}
