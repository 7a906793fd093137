#include "domain/house.h"

#include "core/clock.h"
#include "core/error.h"
#include "domain/grid.h"

#include <stdio.h>
#include <string.h>

/* The count of residents is scoped too: a house near an area's edge may
 * have residents placed on the other side. Parameters: scope (2). */
#define HOUSE_COLUMNS                                                                                    \
	"h.id, h.address, h.use, h.rental, h.owner_name, h.lat, h.lng, h.grid, h.region, h.scope_key, "  \
	"h.created_at, h.updated_at, h.version, (SELECT count(*) FROM residents x WHERE x.house = h.id " \
	"AND " WG_SCOPE_SQL("x.scope_key") ")" WG_BASEDATA_NAMES_SQL("h")

enum {
	C_ID,
	C_ADDRESS,
	C_USE,
	C_RENTAL,
	C_OWNER,
	C_LAT,
	C_LNG,
	C_GRID,
	C_REGION,
	C_SCOPE,
	C_CREATED,
	C_UPDATED,
	C_VERSION,
	C_RESIDENTS,
	C_GRID_NAME,
	C_REGION_NAME
};

static const char *text_or_null(wg_stmt *st, int col)
{
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
}

static void row_to_house(wg_stmt *st, wg_house *h)
{
	memset(h, 0, sizeof *h);
	h->id = wg_stmt_int(st, C_ID);
	h->address = wg_stmt_text(st, C_ADDRESS, NULL);
	h->use = wg_stmt_text(st, C_USE, NULL);
	h->rental = wg_stmt_int(st, C_RENTAL) != 0;
	h->owner_name = text_or_null(st, C_OWNER);
	h->has_location = wg__basedata_location(st, C_LAT, &h->lat, &h->lng);
	h->grid = text_or_null(st, C_GRID);
	h->region = wg_stmt_text(st, C_REGION, NULL);
	h->grid_name = text_or_null(st, C_GRID_NAME);
	h->region_name = text_or_null(st, C_REGION_NAME);
	h->created_at = wg_stmt_int(st, C_CREATED);
	h->updated_at = wg_stmt_int(st, C_UPDATED);
	h->version = wg_stmt_int(st, C_VERSION);
	h->residents = wg_stmt_int(st, C_RESIDENTS);
}

/* House id in scope on its row (0), WG_ENOTFOUND or an error; the caller
 * finalizes *st unless preparing failed (*st NULL). */
static int load_row(wg_db *db, const wg_scope *scope, int64_t id, wg_stmt **st)
{
	*st = NULL;
	int rc = wg_db_prepare_cached(
		db, "SELECT " HOUSE_COLUMNS " FROM houses h WHERE h.id = ? AND " WG_SCOPE_SQL("h.scope_key"),
		st);
	if (rc)
		return rc;
	int idx = wg_scope_bind(scope, *st, 1);
	rc = idx < 0 ? idx : wg_stmt_bind_int(*st, idx, id);
	if (!rc && (rc = wg_scope_bind(scope, *st, idx + 1)) > 0)
		rc = 0;
	return wg__basedata_first(*st, rc, WG_ENOTFOUND);
}

int wg_house_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_house_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	if (!rc) {
		wg_house h;
		row_to_house(st, &h);
		rc = fn(ctx, &h);
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_house_place_of(wg_db *db, const wg_basedata_env *env, int64_t id, const char *field, wg_place *place,
                      bool *has_location, double *lat, double *lng, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, field, "not_found", "no house %lld in your area", (long long)id);
		rc = WG_EVALIDATION;
	} else if (!rc) {
		const char *grid = text_or_null(st, C_GRID);
		snprintf(place->grid, sizeof place->grid, "%s", grid ? grid : "");
		snprintf(place->region, sizeof place->region, "%s", wg_stmt_text(st, C_REGION, NULL));
		snprintf(place->scope_key, sizeof place->scope_key, "%s", wg_stmt_text(st, C_SCOPE, NULL));
		*has_location = wg__basedata_location(st, C_LAT, lat, lng);
	}
	wg_stmt_finalize(st);
	return rc;
}

/* ---- list ---------------------------------------------------------------- */

/* Parameters: scope (2), pattern, use (2), rental (2). */
#define FILTER_SQL                  \
	WG_SCOPE_SQL("h.scope_key") \
	" AND h.address LIKE ? ESCAPE '!' AND (? = '' OR h.use = ?) AND (? < 0 OR h.rental = ?)"

static int bind_filter(wg_stmt *st, int idx, const wg_scope *scope, const char *pattern,
                       const wg_house_filter *f)
{
	if ((idx = wg_scope_bind(scope, st, idx)) < 0)
		return idx;
	const char *use = f->use ? f->use : "";
	int rc = wg_stmt_bind_text(st, idx, pattern, strlen(pattern));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, use, strlen(use));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 2, use, strlen(use));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 3, f->rental);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 4, f->rental);
	return rc ? rc : idx + 5;
}

int wg_house_list(wg_db *db, const wg_basedata_env *env, const wg_house_filter *f, wg_house_fn fn, void *ctx,
                  int64_t *total, wg_field_errors *fe)
{
	size_t before = fe->n;
	wg_scope caller, scope;
	wg_scope_of(env->caller, &caller);
	scope = caller;
	if (f->area && !wg__basedata_narrow(&caller, f->area, &scope))
		wg_field_errors_add(fe, f->area_field ? f->area_field : "region", "pattern",
		                    "%s must be a region or grid code",
		                    f->area_field ? f->area_field : "region");
	if (f->use)
		wg__basedata_term(fe, "use", &wg_house_uses, f->use);
	if (f->q)
		wg__basedata_text(fe, "q", f->q, WG_HOUSE_ADDRESS_MAX, false);
	if (fe->n > before)
		return WG_EVALIDATION;
	char pattern[4 * WG_HOUSE_ADDRESS_MAX * 2 + 8];
	wg__basedata_like(f->q, pattern, sizeof pattern);
	wg_stmt *st;
	int rc;
	if (total) {
		rc = wg_db_prepare_cached(db, "SELECT count(*) FROM houses h WHERE " FILTER_SQL, &st);
		if (rc)
			return rc;
		rc = bind_filter(st, 1, &scope, pattern, f);
		rc = wg__basedata_first(st, rc < 0 ? rc : 0, WG_ESTORE);
		if (!rc)
			*total = wg_stmt_int(st, 0);
		wg_stmt_finalize(st);
		if (rc)
			return rc;
	}
	rc = wg_db_prepare_cached(db,
	                          "SELECT " HOUSE_COLUMNS " FROM houses h WHERE " FILTER_SQL
	                          " AND h.id > ? ORDER BY h.id LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	int idx = wg_scope_bind(&caller, st, 1);
	idx = idx < 0 ? idx : bind_filter(st, idx, &scope, pattern, f);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, f->after_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_house h;
		row_to_house(st, &h);
		rc = fn(ctx, &h);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- writing ------------------------------------------------------------------ */

struct draft {
	int64_t version;
	const char *address, *use, *owner_name;
	bool rental;
	bool has_location;
	double lat, lng;
	wg_place place;
	size_t nchanged;
	const char *changed[8];
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
		d->rental = wg_stmt_int(st, C_RENTAL) != 0;
		d->has_location = wg__basedata_location(st, C_LAT, &d->lat, &d->lng);
		if (!wg__basedata_copy(a, st, C_ADDRESS, &d->address) ||
		    !wg__basedata_copy(a, st, C_USE, &d->use) ||
		    !wg__basedata_copy(a, st, C_OWNER, &d->owner_name) ||
		    !wg__basedata_copy(a, st, C_GRID, &grid))
			rc = WG_ENOMEM;
		else {
			snprintf(d->place.grid, sizeof d->place.grid, "%s", grid ? grid : "");
			snprintf(d->place.region, sizeof d->place.region, "%s",
			         wg_stmt_text(st, C_REGION, NULL));
			snprintf(d->place.scope_key, sizeof d->place.scope_key, "%s",
			         wg_stmt_text(st, C_SCOPE, NULL));
		}
	}
	wg_stmt_finalize(st);
	return rc;
}

static int check_input(wg_db *db, const wg_basedata_env *env, const wg_house_input *in, struct draft *d,
                       bool creating, wg_field_errors *fe)
{
	size_t before = fe->n;
	if (creating || in->address) {
		changed(d, "address");
		if (wg__basedata_text(fe, "address", in->address, WG_HOUSE_ADDRESS_MAX, true))
			d->address = in->address;
	}
	if (creating || in->use) {
		if (in->use)
			changed(d, "use");
		const wg_term *t =
			wg__basedata_term(fe, "use", &wg_house_uses, in->use ? in->use : "residential");
		if (t)
			d->use = t->key;
	}
	if (in->set_rental) {
		changed(d, "rental");
		d->rental = in->rental;
	}
	if (in->set_owner_name || in->owner_name) {
		changed(d, "owner_name");
		if (wg__basedata_text(fe, "owner_name", in->owner_name, WG_HOUSE_OWNER_MAX, false))
			d->owner_name = in->owner_name;
	}
	if (in->where.given) {
		changed(d, "location");
		int rc = wg__basedata_place(db, env, &in->where, &d->place, fe);
		if (rc && rc != WG_EVALIDATION)
			return rc;
		d->has_location = in->where.has_location;
		d->lat = in->where.lat;
		d->lng = in->where.lng;
	} else if (creating) {
		wg_field_errors_add(fe, "location", "required", "give location, grid or region");
	}
	return fe->n > before ? WG_EVALIDATION : 0;
}

static int bind_values(wg_stmt *st, const struct draft *d)
{
	int rc = wg_stmt_bindf(st, "ttbt", d->address, d->use, d->rental, d->owner_name);
	if (!rc)
		rc = wg__basedata_bind_location(st, 5, d->has_location, d->lat, d->lng);
	if (!rc)
		rc = d->place.grid[0] ? wg_stmt_bind_text(st, 7, d->place.grid, strlen(d->place.grid))
		                      : wg_stmt_bind_null(st, 7);
	if (!rc)
		rc = wg_stmt_bind_text(st, 8, d->place.region, strlen(d->place.region));
	if (!rc)
		rc = wg_stmt_bind_text(st, 9, d->place.scope_key, strlen(d->place.scope_key));
	return rc ? rc : 10;
}

int wg_house_create(wg_db *db, const wg_basedata_env *env, const wg_house_input *in, int64_t *id,
                    wg_field_errors *fe)
{
	struct draft d;
	memset(&d, 0, sizeof d);
	d.rental = false;
	int rc = check_input(db, env, in, &d, true, fe);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(
		db,
		"INSERT INTO houses (address, use, rental, owner_name, lat, lng, grid, region, "
		"scope_key, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, 1) RETURNING id",
		&st);
	if (rc)
		return rc;
	rc = wg__basedata_insert(st, bind_values(st, &d), id);
	return rc ? rc : wg__basedata_audit(db, env, "house.create", "house", *id, NULL);
}

int wg_house_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_house_input *in,
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
	rc = wg_db_prepare_cached(
		db,
		"UPDATE houses SET address = ?, use = ?, rental = ?, owner_name = ?, lat = ?, "
		"lng = ?, grid = ?, region = ?, scope_key = ?, updated_at = ?, "
		"version = version + 1 WHERE id = ? AND version = ?",
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
	return detail ? wg__basedata_audit(db, env, "house.update", "house", id, detail) : WG_ENOMEM;
}
