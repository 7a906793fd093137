/* grid.h - grids (网格) and micro-grids (微网格), their staff, and where
 * a record lies.
 *
 * A grid belongs to a village: its code is the village's 12-digit code and
 * 3 digits (610326101201 003). A micro-grid lies inside one grid: its code
 * is the grid's and 3 more digits. So a grid's code is also its scope_key,
 * and a scope prefix (scope.h) covers a grid with its micro-grids. A grid
 * has a name, a type (urban 城镇, rural 农村, special 专属) and a boundary:
 * a GeoJSON Polygon or MultiPolygon (io/geojson.h) that GEOS found valid
 * (domain/geometry.h), that overlaps no other grid except its own parent
 * or micro-grids, and, for a micro-grid, that lies within its parent.
 *
 * Locating a point uses the process-wide index of domain/locate.h, built
 * from every stored boundary. Every write that changes a boundary builds
 * the next index inside its own transaction (so the overlap check sees
 * exactly what the transaction sees); the caller publishes it once the
 * transaction has committed (wg_grid_index_publish). Grid writers are
 * serialised (wg_db_lock "grids"), and each index carries the sequence
 * number of its build, so a late publish of an older index never replaces
 * a newer one.
 *
 * Grid staff are people, with or without an account: workers and
 * assistants serve one grid; chief grid heads, grid heads and instructors
 * serve a village or a town. Their phones are sealed (core/secret.h) with
 * a blind index and shown masked.
 *
 * Every write takes the acting caller, checks the caller's scope (a grid
 * or area outside it reads as absent) and appends its audit row in the
 * same transaction. Field problems go to a wg_field_errors and are
 * reported as WG_EVALIDATION. */
#ifndef WG_DOMAIN_GRID_H
#define WG_DOMAIN_GRID_H

#include "core/fielderr.h"
#include "domain/scope.h"
#include "io/geojson.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_secret_key;
struct wg_locate;

#define WG_GRID_CODE_LEN 15       /* village code + 3 digits */
#define WG_MICRO_GRID_CODE_LEN 18 /* grid code + 3 digits */
#define WG_GRID_NAME_MAX 64       /* characters */
#define WG_STAFF_NAME_MAX 64      /* characters */

/* ---- codes and types ------------------------------------------------------ */

enum wg_grid_form {
	WG_GRID_FORM_BAD,
	WG_GRID_FORM_GRID,  /* 15 digits under a village code */
	WG_GRID_FORM_MICRO, /* 18 digits: a grid code and 3 digits */
};

/* The form of a code. village (13 bytes, may be NULL) gets the village
 * code for either form; parent (16 bytes, may be NULL) the parent grid of
 * a micro-grid ("" for a grid). Only the digits are checked here, not
 * whether the village exists. The 3-digit parts may be any digits but
 * "000". */
enum wg_grid_form wg_grid_code_form(const char *code, char *village, char *parent);

/* The stored key of a type given as "urban", "rural", "special" or by its
 * Chinese name (城镇, 农村, 专属); NULL for anything else. Static string. */
const char *wg_grid_type_parse(const char *s);

/* Chinese name of a stored type key, or NULL. */
const char *wg_grid_type_label(const char *type);

/* ---- reading ------------------------------------------------------------------ */

/* A stored grid; strings valid during the callback only. */
typedef struct wg_grid {
	const char *code;
	const char *region; /* the village */
	const char *parent; /* NULL for a grid */
	const char *name;
	const char *type;
	const char *boundary; /* canonical GeoJSON text; NULL when undrawn, or not read (lists) */
	bool drawn;
	double min_lng, min_lat, max_lng, max_lat; /* 0 when undrawn */
	double area_m2;
	int64_t created_at;
	int64_t updated_at;
	int64_t version;
} wg_grid;

typedef int (*wg_grid_fn)(void *ctx, const wg_grid *g);

typedef struct wg_grid_filter {
	const char *region; /* grids under this region (or grid) code; NULL: all in scope */
	const char *q;      /* part of the name, or the start of the code; NULL: any */
	const char *after;  /* paging: codes after this one; NULL: from the first */
	int64_t limit;
} wg_grid_filter;

/* Grids in scope matching f, in code order, without their boundary text.
 * *total gets the number of matches. Returns 0, WG_ENOTFOUND when
 * f->region is not a region or grid in scope, a callback's non-zero value,
 * WG_ESTORE. */
int wg_grid_list(wg_db *db, const wg_scope *scope, const wg_grid_filter *f, wg_grid_fn fn, void *ctx,
                 int64_t *total);

/* One grid in scope, with its boundary. Returns 0, WG_ENOTFOUND (absent or
 * outside scope), fn's value, WG_ESTORE. */
int wg_grid_get(wg_db *db, const wg_scope *scope, const char *code, wg_grid_fn fn, void *ctx);

/* Every drawn grid in scope under region (NULL: all), with its boundary,
 * in code order: the map. Returns as wg_grid_list (no total). */
int wg_grid_boundaries(wg_db *db, const wg_scope *scope, const char *region, wg_grid_fn fn, void *ctx);

/* The micro-grids of a grid, in code order (boundary not read). */
int wg_grid_children(wg_db *db, const char *code, wg_grid_fn fn, void *ctx);

/* Base data under a grid (its micro-grids included). */
typedef struct wg_grid_counts {
	int64_t residents, houses, organisations, places;
} wg_grid_counts;
int wg_grid_count_records(wg_db *db, const char *code, wg_grid_counts *out);

/* ---- where a record lies ------------------------------------------------------ */

typedef struct wg_place {
	char grid[19];
	char region[13];
	char scope_key[19];
} wg_place;

/* Where a base-data record or a case lies. Inputs (any may be NULL): a
 * grid code, a point (lnglat[0] = lng, lnglat[1] = lat), a region code.
 * - grid given: it must exist and lie in scope, else field error on
 *   "grid" (code "not_found", "no grid <code> in your area"); region = the
 *   grid's village.
 * - else point given: the current locate index gives the grid; a grid
 *   outside scope is field error "location" ("out_of_area"); when no grid
 *   covers it, region is then required ("location", code "no_grid", unless
 *   region is given).
 * - else region given: a village or town code that exists and lies in
 *   scope, else field error "region" (pattern, level, not_found).
 * - none: field error on "grid" code "required".
 * out->grid is "" when the record has no grid; scope_key = grid if any,
 * else region. Returns 0, WG_EVALIDATION (errors recorded in fe) or
 * WG_ESTORE. */
int wg_grid_place(wg_db *db, const wg_scope *scope, const char *grid, const double *lnglat,
                  const char *region, wg_place *out, wg_field_errors *fe);

/* ---- the locate index ------------------------------------------------------------- */

/* An index built from the grids a transaction sees, not yet published. */
typedef struct wg_grid_index {
	struct wg_locate *ix; /* NULL: nothing to publish */
	uint64_t seq;
} wg_grid_index;

/* Build the index of every stored boundary as db sees it now (inside the
 * caller's transaction, serialised with grid writes by the "grids" lock).
 * Returns 0 with *out owned by the caller (publish or discard it),
 * WG_ESTORE, WG_ENOMEM, or WG_EVALIDATION when a stored boundary does not
 * parse (the database was edited behind our back). */
int wg_grid_index_build(wg_db *db, wg_grid_index *out);

/* Make b the current index unless a newer build was published already (then
 * b is dropped); b is emptied either way. Call once the transaction that
 * built b has committed. Thread-safe. */
void wg_grid_index_publish(wg_grid_index *b);

/* Drop an unpublished build (its transaction failed); b is emptied. */
void wg_grid_index_discard(wg_grid_index *b);

/* Rebuild the process-wide locate index from every grid's stored boundary
 * and publish it at once: at server start (through wg_grid_index_load),
 * and by CLI commands that place records. Run it in a transaction that
 * will not roll back the grids it reads (at start, nothing else writes).
 * Returns 0, WG_ESTORE, WG_ENOMEM (or WG_EVALIDATION as build). */
int wg_grid_index_reload(wg_db *db);

/* wg_grid_index_reload as a wg_store_fn (arg unused), for wg_store_run. */
int wg_grid_index_load(wg_db *db, void *arg);

/* ---- writing grids ------------------------------------------------------------------ */

/* Low-level insert for bulk loaders (the demo): row already validated, no
 * overlap check (the caller checks), no audit row. boundary may be NULL
 * (undrawn). Returns 0, WG_EVALIDATION (a code or type of the wrong form),
 * WG_ECONFLICT (the code exists, or the village or parent does not),
 * WG_ESTORE, WG_ENOMEM. */
typedef struct wg_grid_row {
	const char *code, *parent, *name, *type;
	const wg_geom *boundary;
} wg_grid_row;
int wg_grid_insert(wg_db *db, const wg_grid_row *row);

/* One grid to create or change. Strings and the geometry stay the
 * caller's; boundary must already have passed wg_geometry_check. */
typedef struct wg_grid_input {
	const char *code;
	const char *parent; /* optional: a micro-grid's parent follows from its code */
	const char *name;   /* NULL on update: unchanged */
	const char *type;   /* as given (see wg_grid_type_parse); NULL on update: unchanged */
	bool set_boundary;  /* a boundary is given (create: optional) */
	wg_geom boundary;   /* when set_boundary */
	int64_t version;    /* update: If-Match, 0 when not given */
	size_t feature;     /* import: the feature's index, for field names */
} wg_grid_input;

enum wg_grid_mode {
	WG_GRID_CREATE, /* new grids only: an existing code is WG_ECONFLICT */
	WG_GRID_UPDATE, /* existing grids only: absent or out of scope is WG_ENOTFOUND */
	WG_GRID_IMPORT, /* each created or, when it exists, redrawn and renamed */
};

/* A problem with one input, for importers that report more than a
 * wg_field_errors holds. field is relative to the input ("code",
 * "boundary", ...). */
typedef void (*wg_grid_report_fn)(void *ctx, const wg_grid_input *in, const char *field, const char *code,
                                  const char *message);

typedef struct wg_grid_batch {
	enum wg_grid_mode mode;
	wg_grid_input *items;
	size_t n;
	wg_grid_report_fn report; /* NULL: problems go to fe, fields named as the API names them */
	void *report_ctx;
	/* results */
	size_t created, updated;
	size_t bad;          /* inputs with at least one problem */
	wg_grid_index built; /* the next index when a boundary changed: publish after commit */
} wg_grid_batch;

/* Create, redraw or import grids, all or nothing: every input is checked
 * (code form; village existing in the actor's scope; parent existing;
 * name; type; duplicates; on update the version) and, when all pass, all
 * are written with their audit rows (grid.create, grid.update), the next
 * index is built, and every new boundary is checked against it: no
 * overlap with any grid but its parent or micro-grids ("boundary",
 * "overlap", naming the grids), a micro-grid within its parent
 * ("outside_parent"; "parent_undrawn"), a redrawn grid still holding its
 * micro-grids ("children_outside"). Field names are "code", "name",
 * "type", "parent", "boundary" (import: "features[i].properties.code",
 * "features[i].geometry", ...). On WG_EVALIDATION rows may have been
 * written: the caller rolls back (the store's savepoint does). Returns 0
 * with s->built to publish once committed, WG_EVALIDATION, WG_ECONFLICT
 * (create: the code exists; update: stale version), WG_ENOTFOUND (update:
 * no such grid in scope), WG_ESTORE, WG_ENOMEM. */
int wg_grid_save(wg_db *db, const wg_caller *actor, const char *audit_alg, wg_grid_batch *s,
                 wg_field_errors *fe);

/* ---- staff ------------------------------------------------------------------------- */

/* Roles of grid staff, in the order they are shown. */
#define WG_GRID_STAFF_ROLES(X)                    \
	X("chief_grid_head", "总网格长", false)   \
	X("grid_head", "网格长", false)           \
	X("grid_instructor", "网格指导员", false) \
	X("grid_worker", "网格员", true)          \
	X("grid_assistant", "网格辅助员", true)

/* The stored key of a staff role, or NULL; *on_grid (may be NULL) is true
 * for the roles that serve one grid, false for those serving an area. */
const char *wg_grid_staff_role(const char *s, bool *on_grid);

typedef struct wg_grid_staff {
	int64_t id;
	const char *role;
	const char *name;
	const char *phone_masked; /* NULL when none */
	int64_t user_id;          /* 0 when none */
	const char *scope_key;    /* grid, village or town code */
	int64_t created_at;
} wg_grid_staff;

typedef int (*wg_grid_staff_fn)(void *ctx, const wg_grid_staff *s);

/* Staff serving a grid: its own (scope_key = the grid) and those of its
 * village and town, in role order then name. No scope check: the caller
 * has loaded the grid in scope. Returns 0, fn's value, WG_ESTORE. */
int wg_grid_staff_of(wg_db *db, const char *grid, wg_grid_staff_fn fn, void *ctx);

typedef struct wg_grid_staff_filter {
	const char *area; /* staff whose grid or area lies under this code; NULL: all in scope */
	const char *role; /* stored key; NULL: any */
	int64_t after_id; /* paging */
	int64_t limit;
} wg_grid_staff_filter;

/* Staff in scope matching f, by id. Returns 0, WG_ENOTFOUND (area not a
 * region or grid code), fn's value, WG_ESTORE. */
int wg_grid_staff_list(wg_db *db, const wg_scope *scope, const wg_grid_staff_filter *f, wg_grid_staff_fn fn,
                       void *ctx, int64_t *total);

/* One staff member in scope. Returns 0, WG_ENOTFOUND, fn's value, WG_ESTORE. */
int wg_grid_staff_get(wg_db *db, const wg_scope *scope, int64_t id, wg_grid_staff_fn fn, void *ctx);

/* Low-level insert for bulk loaders (the demo): role a stored key, phone
 * already normalised (core/ident.h) or NULL, no checks beyond the role, no
 * audit row. Returns 0 with *id, WG_EVALIDATION (role), WG_ECONFLICT (no
 * such user), WG_ESTORE, WG_ENOMEM. */
int wg_grid_staff_insert(wg_db *db, const struct wg_secret_key *key, const char *role, const char *name,
                         const char *phone, int64_t user_id, const char *scope_key, int64_t *id);

typedef struct wg_grid_staff_input {
	const char *role;
	const char *name;
	const char *phone;  /* as typed; NULL: none */
	int64_t user_id;    /* 0: none */
	const char *grid;   /* for workers and assistants */
	const char *region; /* a village or town, for heads and instructors */
} wg_grid_staff_input;

/* Add a staff member with its audit row (staff.create). Field errors:
 * role (required, unknown), name, phone (format), grid / region
 * (required, not_found: absent or outside the actor's scope, pattern,
 * level), user (not_found). Returns 0 with *id, WG_EVALIDATION,
 * WG_ESTORE, WG_ENOMEM. */
int wg_grid_staff_add(wg_db *db, const wg_caller *actor, const char *audit_alg,
                      const struct wg_secret_key *key, const wg_grid_staff_input *in, int64_t *id,
                      wg_field_errors *fe);

/* Remove a staff member in the actor's scope, with its audit row
 * (staff.delete). Returns 0, WG_ENOTFOUND, WG_ESTORE. */
int wg_grid_staff_remove(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id);

#endif
