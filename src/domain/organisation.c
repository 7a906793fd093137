#include "domain/organisation.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/ident.h"
#include "domain/grid.h"

#include <stdio.h>
#include <string.h>

#define ORG_COLUMNS                                                                                   \
	"o.id, o.name, o.credit_code, o.type, o.legal_person, o.employees, o.address, o.lat, o.lng, " \
	"o.grid, o.region, o.scope_key, o.created_at, o.updated_at, o.version" WG_BASEDATA_NAMES_SQL("o")

enum {
	C_ID,
	C_NAME,
	C_CREDIT,
	C_TYPE,
	C_PERSON,
	C_EMPLOYEES,
	C_ADDRESS,
	C_LAT,
	C_LNG,
	C_GRID,
	C_REGION,
	C_SCOPE,
	C_CREATED,
	C_UPDATED,
	C_VERSION,
	C_GRID_NAME,
	C_REGION_NAME
};

static const char *text_or_null(wg_stmt *st, int col)
{
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
}

static void row_to_org(wg_stmt *st, wg_organisation *o)
{
	memset(o, 0, sizeof *o);
	o->id = wg_stmt_int(st, C_ID);
	o->name = wg_stmt_text(st, C_NAME, NULL);
	o->credit_code = text_or_null(st, C_CREDIT);
	o->type = wg_stmt_text(st, C_TYPE, NULL);
	o->legal_person = text_or_null(st, C_PERSON);
	o->employees = wg_stmt_is_null(st, C_EMPLOYEES) ? -1 : wg_stmt_int(st, C_EMPLOYEES);
	o->address = text_or_null(st, C_ADDRESS);
	o->has_location = wg__basedata_location(st, C_LAT, &o->lat, &o->lng);
	o->grid = text_or_null(st, C_GRID);
	o->region = wg_stmt_text(st, C_REGION, NULL);
	o->grid_name = text_or_null(st, C_GRID_NAME);
	o->region_name = text_or_null(st, C_REGION_NAME);
	o->created_at = wg_stmt_int(st, C_CREATED);
	o->updated_at = wg_stmt_int(st, C_UPDATED);
	o->version = wg_stmt_int(st, C_VERSION);
}

static int load_row(wg_db *db, const wg_scope *scope, int64_t id, wg_stmt **st)
{
	*st = NULL;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " ORG_COLUMNS
	                              " FROM organisations o WHERE o.id = ? AND " WG_SCOPE_SQL("o.scope_key"),
	                              st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(*st, 1, id);
	if (!rc && (rc = wg_scope_bind(scope, *st, 2)) > 0)
		rc = 0;
	return wg__basedata_first(*st, rc, WG_ENOTFOUND);
}

int wg_organisation_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_organisation_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	if (!rc) {
		wg_organisation o;
		row_to_org(st, &o);
		rc = fn(ctx, &o);
	}
	wg_stmt_finalize(st);
	return rc;
}

/* ---- list ---------------------------------------------------------------- */

/* Parameters: scope (2), pattern, type (2), credit code (2). */
#define FILTER_SQL                                                 \
	WG_SCOPE_SQL("o.scope_key")                                \
	" AND o.name LIKE ? ESCAPE '!' AND (? = '' OR o.type = ?)" \
	" AND (? = '' OR o.credit_code = ?)"

static int bind_filter(wg_stmt *st, const wg_scope *scope, const char *pattern, const char *type,
                       const char *credit)
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
		rc = wg_stmt_bind_text(st, idx + 3, credit, strlen(credit));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 4, credit, strlen(credit));
	return rc ? rc : idx + 5;
}

int wg_organisation_list(wg_db *db, const wg_basedata_env *env, const wg_organisation_filter *f,
                         wg_organisation_fn fn, void *ctx, int64_t *total, wg_field_errors *fe)
{
	size_t before = fe->n;
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	if (f->area && !wg__basedata_narrow(&scope, f->area, &scope))
		wg_field_errors_add(fe, f->area_field ? f->area_field : "region", "pattern",
		                    "%s must be a region or grid code",
		                    f->area_field ? f->area_field : "region");
	if (f->type)
		wg__basedata_term(fe, "type", &wg_organisation_types, f->type);
	if (f->q)
		wg__basedata_text(fe, "q", f->q, WG_ORGANISATION_NAME_MAX, false);
	char credit[19] = "";
	const char *code = NULL, *why = NULL;
	if (f->credit_code && wg_ident_credit_code(f->credit_code, credit, &code, &why) != 0)
		wg_field_errors_add(fe, "credit_code", code, "%s", why);
	if (fe->n > before)
		return WG_EVALIDATION;
	char pattern[4 * WG_ORGANISATION_NAME_MAX * 2 + 8];
	wg__basedata_like(f->q, pattern, sizeof pattern);
	const char *type = f->type ? f->type : "";
	wg_stmt *st;
	int rc;
	if (total) {
		rc = wg_db_prepare_cached(db, "SELECT count(*) FROM organisations o WHERE " FILTER_SQL, &st);
		if (rc)
			return rc;
		rc = bind_filter(st, &scope, pattern, type, credit);
		rc = wg__basedata_first(st, rc < 0 ? rc : 0, WG_ESTORE);
		if (!rc)
			*total = wg_stmt_int(st, 0);
		wg_stmt_finalize(st);
		if (rc)
			return rc;
	}
	rc = wg_db_prepare_cached(db,
	                          "SELECT " ORG_COLUMNS " FROM organisations o WHERE " FILTER_SQL
	                          " AND o.id > ? ORDER BY o.id LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	int idx = bind_filter(st, &scope, pattern, type, credit);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, f->after_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_organisation o;
		row_to_org(st, &o);
		rc = fn(ctx, &o);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- writing ------------------------------------------------------------------ */

struct draft {
	int64_t id, version;
	const char *name, *type, *legal_person, *address;
	bool has_credit, new_credit;
	char credit[19];
	int64_t employees;
	bool has_location;
	double lat, lng;
	wg_place place;
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
		d->id = id;
		d->version = wg_stmt_int(st, C_VERSION);
		d->employees = wg_stmt_is_null(st, C_EMPLOYEES) ? -1 : wg_stmt_int(st, C_EMPLOYEES);
		d->has_credit = !wg_stmt_is_null(st, C_CREDIT);
		snprintf(d->credit, sizeof d->credit, "%s",
		         d->has_credit ? wg_stmt_text(st, C_CREDIT, NULL) : "");
		d->has_location = wg__basedata_location(st, C_LAT, &d->lat, &d->lng);
		if (!wg__basedata_copy(a, st, C_NAME, &d->name) ||
		    !wg__basedata_copy(a, st, C_TYPE, &d->type) ||
		    !wg__basedata_copy(a, st, C_PERSON, &d->legal_person) ||
		    !wg__basedata_copy(a, st, C_ADDRESS, &d->address) ||
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

static int check_input(wg_db *db, const wg_basedata_env *env, const wg_organisation_input *in,
                       struct draft *d, bool creating, wg_field_errors *fe)
{
	size_t before = fe->n;
	if (creating || in->name) {
		changed(d, "name");
		if (wg__basedata_text(fe, "name", in->name, WG_ORGANISATION_NAME_MAX, true))
			d->name = in->name;
	}
	if (in->set_credit_code || in->credit_code) {
		changed(d, "credit_code");
		const char *code = NULL, *why = NULL;
		d->has_credit = in->credit_code != NULL;
		d->new_credit = d->has_credit;
		if (in->credit_code && wg_ident_credit_code(in->credit_code, d->credit, &code, &why) != 0) {
			wg_field_errors_add(fe, "credit_code", code, "%s", why);
			d->new_credit = false;
		}
	}
	if (creating || in->type) {
		changed(d, "type");
		const wg_term *t =
			in->type ? wg__basedata_term(fe, "type", &wg_organisation_types, in->type) : NULL;
		if (!in->type)
			wg_field_errors_add(fe, "type", "required", "type is required");
		if (t)
			d->type = t->key;
	}
	if (in->set_legal_person || in->legal_person) {
		changed(d, "legal_person");
		if (wg__basedata_text(fe, "legal_person", in->legal_person, WG_ORGANISATION_PERSON_MAX,
		                      false))
			d->legal_person = in->legal_person;
	}
	if (in->set_employees) {
		changed(d, "employees");
		if (in->employees < -1 || in->employees > WG_ORGANISATION_EMPLOYEES_MAX)
			wg_field_errors_add(fe, "employees", "range", "employees must be within 0..%d",
			                    WG_ORGANISATION_EMPLOYEES_MAX);
		else
			d->employees = in->employees;
	} else if (creating) {
		d->employees = -1;
	}
	if (in->set_address || in->address) {
		changed(d, "address");
		if (wg__basedata_text(fe, "address", in->address, WG_ORGANISATION_ADDRESS_MAX, false))
			d->address = in->address;
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
	if (fe->n > before)
		return WG_EVALIDATION;
	if (d->new_credit) {
		wg_stmt *st;
		int rc = wg_db_prepare_cached(db, "SELECT id FROM organisations WHERE credit_code = ?", &st);
		if (rc)
			return rc;
		rc = wg__basedata_first(st, wg_stmt_bind_text(st, 1, d->credit, strlen(d->credit)),
		                        WG_ENOTFOUND);
		bool taken = !rc && wg_stmt_int(st, 0) != d->id;
		wg_stmt_finalize(st);
		if (rc && rc != WG_ENOTFOUND)
			return rc;
		if (taken) {
			wg_field_errors_add(fe, "credit_code", "conflict",
			                    "an organisation with this credit_code is already registered");
			return WG_ECONFLICT;
		}
	}
	return 0;
}

static int bind_values(wg_stmt *st, const struct draft *d)
{
	int rc = wg_stmt_bindf(st, "tttt", d->name, d->has_credit ? d->credit : NULL, d->type,
	                       d->legal_person);
	if (!rc)
		rc = d->employees >= 0 ? wg_stmt_bind_int(st, 5, d->employees) : wg_stmt_bind_null(st, 5);
	if (!rc)
		rc = wg_stmt_bind_text(st, 6, d->address, d->address ? strlen(d->address) : 0);
	if (!rc && !d->address)
		rc = wg_stmt_bind_null(st, 6);
	if (!rc)
		rc = wg__basedata_bind_location(st, 7, d->has_location, d->lat, d->lng);
	if (!rc)
		rc = d->place.grid[0] ? wg_stmt_bind_text(st, 9, d->place.grid, strlen(d->place.grid))
		                      : wg_stmt_bind_null(st, 9);
	if (!rc)
		rc = wg_stmt_bind_text(st, 10, d->place.region, strlen(d->place.region));
	if (!rc)
		rc = wg_stmt_bind_text(st, 11, d->place.scope_key, strlen(d->place.scope_key));
	return rc ? rc : 12;
}

static int conflict(wg_field_errors *fe)
{
	/* Only a concurrent insert of the same code gets past the check. */
	wg_field_errors_add(fe, "credit_code", "conflict",
	                    "an organisation with this credit_code is already registered");
	return WG_ECONFLICT;
}

int wg_organisation_create(wg_db *db, const wg_basedata_env *env, const wg_organisation_input *in,
                           int64_t *id, wg_field_errors *fe)
{
	struct draft d;
	memset(&d, 0, sizeof d);
	int rc = check_input(db, env, in, &d, true, fe);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(
		db,
		"INSERT INTO organisations (name, credit_code, type, legal_person, employees, "
		"address, lat, lng, grid, region, scope_key, created_at, updated_at, version) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
		&st);
	if (rc)
		return rc;
	rc = wg__basedata_insert(st, bind_values(st, &d), id);
	if (rc == WG_ECONFLICT)
		return conflict(fe);
	return rc ? rc : wg__basedata_audit(db, env, "organisation.create", "organisation", *id, NULL);
}

int wg_organisation_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_organisation_input *in,
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
		"UPDATE organisations SET name = ?, credit_code = ?, type = ?, legal_person = ?, "
		"employees = ?, address = ?, lat = ?, lng = ?, grid = ?, region = ?, "
		"scope_key = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
		&st);
	if (rc)
		return rc;
	bool stale;
	rc = wg__basedata_update(st, bind_values(st, &d), id, d.version, &stale);
	if (rc == WG_ECONFLICT)
		return conflict(fe);
	if (rc)
		return rc;
	if (stale)
		return WG_ECONFLICT;
	const char *detail = wg__basedata_fields_detail(env->arena, d.changed, d.nchanged);
	return detail ? wg__basedata_audit(db, env, "organisation.update", "organisation", id, detail)
	              : WG_ENOMEM;
}
