#include "domain/key_place.h"

#include "core/clock.h"
#include "core/error.h"
#include "domain/grid.h"

#include <stdio.h>
#include <string.h>

#define PLACE_COLUMNS                                                                                        \
	"p.id, p.name, p.type, p.address, p.organisation, p.visit_days, p.worker, p.lat, p.lng, p.grid, "    \
	"p.region, p.scope_key, p.created_at, p.updated_at, p.version, p.visit_since" WG_BASEDATA_NAMES_SQL( \
		"p")

enum {
	C_ID,
	C_NAME,
	C_TYPE,
	C_ADDRESS,
	C_ORG,
	C_DAYS,
	C_WORKER,
	C_LAT,
	C_LNG,
	C_GRID,
	C_REGION,
	C_SCOPE,
	C_CREATED,
	C_UPDATED,
	C_VERSION,
	C_SINCE,
	C_GRID_NAME,
	C_REGION_NAME
};

static const char *text_or_null(wg_stmt *st, int col)
{
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
}

static void row_to_place(wg_stmt *st, wg_key_place *p)
{
	memset(p, 0, sizeof *p);
	p->id = wg_stmt_int(st, C_ID);
	p->name = wg_stmt_text(st, C_NAME, NULL);
	p->type = wg_stmt_text(st, C_TYPE, NULL);
	p->address = text_or_null(st, C_ADDRESS);
	p->organisation = wg_stmt_int(st, C_ORG);
	p->visit_days = wg_stmt_int(st, C_DAYS);
	p->worker = wg_stmt_int(st, C_WORKER);
	p->has_location = wg__basedata_location(st, C_LAT, &p->lat, &p->lng);
	p->grid = text_or_null(st, C_GRID);
	p->region = wg_stmt_text(st, C_REGION, NULL);
	p->grid_name = text_or_null(st, C_GRID_NAME);
	p->region_name = text_or_null(st, C_REGION_NAME);
	p->created_at = wg_stmt_int(st, C_CREATED);
	p->updated_at = wg_stmt_int(st, C_UPDATED);
	p->version = wg_stmt_int(st, C_VERSION);
}

static int load_row(wg_db *db, const wg_scope *scope, int64_t id, wg_stmt **st)
{
	*st = NULL;
	int rc = wg_db_prepare_cached(
		db, "SELECT " PLACE_COLUMNS " FROM places p WHERE p.id = ? AND " WG_SCOPE_SQL("p.scope_key"),
		st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(*st, 1, id);
	if (!rc && (rc = wg_scope_bind(scope, *st, 2)) > 0)
		rc = 0;
	return wg__basedata_first(*st, rc, WG_ENOTFOUND);
}

int wg_key_place_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_key_place_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	if (!rc) {
		wg_key_place p;
		row_to_place(st, &p);
		rc = fn(ctx, &p);
	}
	wg_stmt_finalize(st);
	return rc;
}

/* ---- list ---------------------------------------------------------------- */

/* Parameters: scope (2), pattern, type (2), organisation (2). */
#define FILTER_SQL                  \
	WG_SCOPE_SQL("p.scope_key") \
	" AND p.name LIKE ? ESCAPE '!' AND (? = '' OR p.type = ?) AND (? = 0 OR p.organisation = ?)"

static int bind_filter(wg_stmt *st, const wg_scope *scope, const char *pattern, const char *type, int64_t org)
{
	int idx = wg_scope_bind(scope, st, 1);
	if (idx < 0)
		return idx;
	int rc = wg_stmt_bind_text(st, idx, pattern, strlen(pattern));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, type, strlen(type));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 2, type, strlen(type));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 3, org);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 4, org);
	return rc ? rc : idx + 5;
}

int wg_key_place_list(wg_db *db, const wg_basedata_env *env, const wg_key_place_filter *f, wg_key_place_fn fn,
                      void *ctx, int64_t *total, wg_field_errors *fe)
{
	size_t before = fe->n;
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	if (f->area && !wg__basedata_narrow(&scope, f->area, &scope))
		wg_field_errors_add(fe, f->area_field ? f->area_field : "region", "pattern",
		                    "%s must be a region or grid code",
		                    f->area_field ? f->area_field : "region");
	if (f->type)
		wg__basedata_term(fe, "type", &wg_place_types, f->type);
	if (f->q)
		wg__basedata_text(fe, "q", f->q, WG_KEY_PLACE_NAME_MAX, false);
	if (fe->n > before)
		return WG_EVALIDATION;
	char pattern[4 * WG_KEY_PLACE_NAME_MAX * 2 + 8];
	wg__basedata_like(f->q, pattern, sizeof pattern);
	const char *type = f->type ? f->type : "";
	wg_stmt *st;
	int rc;
	if (total) {
		rc = wg_db_prepare_cached(db, "SELECT count(*) FROM places p WHERE " FILTER_SQL, &st);
		if (rc)
			return rc;
		rc = bind_filter(st, &scope, pattern, type, f->organisation);
		rc = wg__basedata_first(st, rc < 0 ? rc : 0, WG_ESTORE);
		if (!rc)
			*total = wg_stmt_int(st, 0);
		wg_stmt_finalize(st);
		if (rc)
			return rc;
	}
	rc = wg_db_prepare_cached(db,
	                          "SELECT " PLACE_COLUMNS " FROM places p WHERE " FILTER_SQL
	                          " AND p.id > ? ORDER BY p.id LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	int idx = bind_filter(st, &scope, pattern, type, f->organisation);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, f->after_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_key_place p;
		row_to_place(st, &p);
		rc = fn(ctx, &p);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- writing ------------------------------------------------------------------ */

struct draft {
	int64_t version;
	const char *name, *type, *address;
	int64_t organisation, visit_days, worker, visit_since;
	bool has_location;
	double lat, lng;
	wg_place place;
	bool placed, moved;
	size_t nchanged;
	const char *changed[10];
};

static void changed(struct draft *d, const char *field)
{
	if (d->nchanged < sizeof d->changed / sizeof d->changed[0])
		d->changed[d->nchanged++] = field;
}

static int load_draft(wg_db *db, const wg_basedata_env *env, int64_t id, struct draft *d)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	if (!rc) {
		wg_arena *a = env->arena;
		const char *grid;
		d->version = wg_stmt_int(st, C_VERSION);
		d->organisation = wg_stmt_int(st, C_ORG);
		d->visit_days = wg_stmt_int(st, C_DAYS);
		d->worker = wg_stmt_int(st, C_WORKER);
		d->visit_since = wg_stmt_int(st, C_SINCE);
		d->has_location = wg__basedata_location(st, C_LAT, &d->lat, &d->lng);
		if (!wg__basedata_copy(a, st, C_NAME, &d->name) ||
		    !wg__basedata_copy(a, st, C_TYPE, &d->type) ||
		    !wg__basedata_copy(a, st, C_ADDRESS, &d->address) ||
		    !wg__basedata_copy(a, st, C_GRID, &grid))
			rc = WG_ENOMEM;
		else {
			snprintf(d->place.grid, sizeof d->place.grid, "%s", grid ? grid : "");
			snprintf(d->place.region, sizeof d->place.region, "%s",
			         wg_stmt_text(st, C_REGION, NULL));
			snprintf(d->place.scope_key, sizeof d->place.scope_key, "%s",
			         wg_stmt_text(st, C_SCOPE, NULL));
			d->placed = true;
		}
	}
	wg_stmt_finalize(st);
	return rc;
}

static int check_schedule(wg_db *db, const wg_basedata_env *env, const wg_key_place_input *in,
                          struct draft *d, wg_field_errors *fe)
{
	if (in->set_visit_days) {
		changed(d, "visit_days");
		if (in->visit_days < 0 || in->visit_days > 366) {
			wg_field_errors_add(fe, "visit_days", "range",
			                    "visit_days must be within 1..366, or null");
		} else if (in->visit_days != d->visit_days) {
			/* A new interval starts counting now. */
			d->visit_days = in->visit_days;
			d->visit_since = in->visit_days ? wg_clock_now_ms() : 0;
		}
	}
	bool grid_worker = (env->caller->roles & WG_ROLE_GRID_WORKER) && env->caller->user_id > 0;
	if (in->worker != WG_BASEDATA_UNSET) {
		changed(d, "worker");
		d->worker = in->worker;
		if (in->worker < 0) {
			wg_field_errors_add(fe, "worker", "range", "worker must be an account id");
			return 0;
		}
	} else if (in->set_visit_days && d->visit_days && !d->worker && grid_worker) {
		d->worker = env->caller->user_id;
	}
	if (d->worker > 0 && d->placed && (in->worker != WG_BASEDATA_UNSET || d->moved)) {
		wg_field_errors scratch;
		wg_field_errors_init(&scratch, env->arena);
		/* Moving keeps the worker only if they still serve the place. */
		bool keep_quiet = in->worker == WG_BASEDATA_UNSET;
		int rc = wg__basedata_check_worker(db, env, d->worker, d->place.scope_key, "worker",
		                                   keep_quiet ? &scratch : fe);
		if (rc == WG_EVALIDATION && keep_quiet)
			d->worker = 0;
		else if (rc && rc != WG_EVALIDATION)
			return rc;
	}
	return 0;
}

static int check_input(wg_db *db, const wg_basedata_env *env, const wg_key_place_input *in, struct draft *d,
                       bool creating, wg_field_errors *fe)
{
	size_t before = fe->n;
	if (creating || in->name) {
		changed(d, "name");
		if (wg__basedata_text(fe, "name", in->name, WG_KEY_PLACE_NAME_MAX, true))
			d->name = in->name;
	}
	if (creating || in->type) {
		changed(d, "type");
		const wg_term *t = in->type ? wg__basedata_term(fe, "type", &wg_place_types, in->type) : NULL;
		if (!in->type)
			wg_field_errors_add(fe, "type", "required", "type is required");
		if (t)
			d->type = t->key;
	}
	if (in->set_address || in->address) {
		changed(d, "address");
		if (wg__basedata_text(fe, "address", in->address, WG_KEY_PLACE_ADDRESS_MAX, false))
			d->address = in->address;
	}
	if (in->organisation != WG_BASEDATA_UNSET) {
		changed(d, "organisation");
		d->organisation = in->organisation;
		if (in->organisation < 0) {
			wg_field_errors_add(fe, "organisation", "range",
			                    "organisation must be an organisation id");
		} else if (in->organisation > 0) {
			int rc = wg__basedata_ref(
				db, env,
				"SELECT scope_key FROM organisations WHERE id = ? AND " WG_SCOPE_SQL(
					"scope_key"),
				in->organisation, "organisation", NULL, fe);
			if (rc && rc != WG_EVALIDATION)
				return rc;
		}
	}
	if (in->where.given) {
		changed(d, "location");
		int rc = wg__basedata_place(db, env, &in->where, &d->place, fe);
		if (rc && rc != WG_EVALIDATION)
			return rc;
		d->placed = rc == 0;
		d->moved = true;
		d->has_location = in->where.has_location;
		d->lat = in->where.lat;
		d->lng = in->where.lng;
	} else if (creating) {
		wg_field_errors_add(fe, "location", "required", "give location, grid or region");
	}
	int rc = check_schedule(db, env, in, d, fe);
	if (rc)
		return rc;
	return fe->n > before ? WG_EVALIDATION : 0;
}

static int bind_opt_id(wg_stmt *st, int idx, int64_t v)
{
	return v > 0 ? wg_stmt_bind_int(st, idx, v) : wg_stmt_bind_null(st, idx);
}

static int bind_values(wg_stmt *st, const struct draft *d)
{
	int rc = wg_stmt_bindf(st, "ttt", d->name, d->type, d->address);
	if (!rc)
		rc = bind_opt_id(st, 4, d->organisation);
	if (!rc)
		rc = bind_opt_id(st, 5, d->visit_days);
	if (!rc)
		rc = bind_opt_id(st, 6, d->visit_days ? d->worker : 0);
	if (!rc)
		rc = bind_opt_id(st, 7, d->visit_days ? d->visit_since : 0);
	if (!rc)
		rc = wg__basedata_bind_location(st, 8, d->has_location, d->lat, d->lng);
	if (!rc)
		rc = d->place.grid[0] ? wg_stmt_bind_text(st, 10, d->place.grid, strlen(d->place.grid))
		                      : wg_stmt_bind_null(st, 10);
	if (!rc)
		rc = wg_stmt_bind_text(st, 11, d->place.region, strlen(d->place.region));
	if (!rc)
		rc = wg_stmt_bind_text(st, 12, d->place.scope_key, strlen(d->place.scope_key));
	return rc ? rc : 13;
}

int wg_key_place_create(wg_db *db, const wg_basedata_env *env, const wg_key_place_input *in, int64_t *id,
                        wg_field_errors *fe)
{
	struct draft d;
	memset(&d, 0, sizeof d);
	int rc = check_input(db, env, in, &d, true, fe);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(
		db,
		"INSERT INTO places (name, type, address, organisation, visit_days, worker, "
		"visit_since, lat, lng, grid, region, scope_key, created_at, updated_at, version) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
		&st);
	if (rc)
		return rc;
	rc = wg__basedata_insert(st, bind_values(st, &d), id);
	return rc ? rc : wg__basedata_audit(db, env, "place.create", "place", *id, NULL);
}

int wg_key_place_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_key_place_input *in,
                        int64_t expect_version, wg_field_errors *fe)
{
	struct draft d;
	memset(&d, 0, sizeof d);
	int rc = load_draft(db, env, id, &d);
	if (rc)
		return rc;
	if (expect_version && expect_version != d.version)
		return WG_ECONFLICT;
	rc = check_input(db, env, in, &d, false, fe);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "UPDATE places SET name = ?, type = ?, address = ?, organisation = ?, "
	                          "visit_days = ?, worker = ?, visit_since = ?, lat = ?, lng = ?, grid = ?, "
	                          "region = ?, scope_key = ?, updated_at = ?, version = version + 1 "
	                          "WHERE id = ? AND version = ?",
	                          &st);
	if (rc)
		return rc;
	bool stale;
	rc = wg__basedata_update(st, bind_values(st, &d), id, d.version, &stale);
	if (rc)
		return rc;
	if (stale)
		return WG_ECONFLICT;
	const char *detail = wg__basedata_fields_detail(env->arena, d.changed, d.nchanged);
	return detail ? wg__basedata_audit(db, env, "place.update", "place", id, detail) : WG_ENOMEM;
}
