#include "domain/resident.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/utf8.h"
#include "domain/grid.h"
#include "domain/house.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define RESIDENT_COLUMNS                                                                                \
	"r.id, r.name, r.id_number, r.id_number_masked, r.sex, r.birth_date, r.phone, r.phone_masked, " \
	"r.residence_type, r.household, r.address, r.house, r.house_relation, r.lat, r.lng, r.grid, "   \
	"r.region, r.scope_key, r.created_at, r.updated_at, r.version, r.id_number_index, "             \
	"r.phone_index" WG_BASEDATA_NAMES_SQL("r")

enum {
	C_ID,
	C_NAME,
	C_IDN,
	C_IDN_MASKED,
	C_SEX,
	C_BIRTH,
	C_PHONE,
	C_PHONE_MASKED,
	C_RTYPE,
	C_HOUSEHOLD,
	C_ADDRESS,
	C_HOUSE,
	C_RELATION,
	C_LAT,
	C_LNG,
	C_GRID,
	C_REGION,
	C_SCOPE,
	C_CREATED,
	C_UPDATED,
	C_VERSION,
	C_IDN_INDEX,
	C_PHONE_INDEX,
	C_GRID_NAME,
	C_REGION_NAME,
};

static const char *text_or_null(wg_stmt *st, int col)
{
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
}

/* A row as a wg_resident, masked; tags are loaded by load_tags. */
static void row_to_resident(wg_stmt *st, wg_resident *r)
{
	memset(r, 0, sizeof *r);
	r->id = wg_stmt_int(st, C_ID);
	r->name = wg_stmt_text(st, C_NAME, NULL);
	r->id_number = text_or_null(st, C_IDN_MASKED);
	r->phone = text_or_null(st, C_PHONE_MASKED);
	r->sex = text_or_null(st, C_SEX);
	r->birth_date = text_or_null(st, C_BIRTH);
	r->residence_type = text_or_null(st, C_RTYPE);
	r->household = text_or_null(st, C_HOUSEHOLD);
	r->address = text_or_null(st, C_ADDRESS);
	r->house = wg_stmt_int(st, C_HOUSE);
	r->house_relation = text_or_null(st, C_RELATION);
	r->has_location = wg__basedata_location(st, C_LAT, &r->lat, &r->lng);
	r->grid = text_or_null(st, C_GRID);
	r->region = text_or_null(st, C_REGION);
	r->grid_name = text_or_null(st, C_GRID_NAME);
	r->region_name = text_or_null(st, C_REGION_NAME);
	r->created_at = wg_stmt_int(st, C_CREATED);
	r->updated_at = wg_stmt_int(st, C_UPDATED);
	r->version = wg_stmt_int(st, C_VERSION);
}

static int load_tags(wg_db *db, int64_t id, wg_resident_tag *tags, size_t *n)
{
	wg_stmt *st;
	*n = 0;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT tag, visit_days, worker, since FROM resident_tags WHERE resident = ? ORDER BY tag",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		rc = 0;
		/* Tags are kept by their key from the table, so that what a
		 * callback sees outlives the row. */
		const wg_term *t = wg_terms_key(&wg_special_groups, wg_stmt_text(st, 0, NULL));
		if (!t || *n == WG_SPECIAL_GROUP_COUNT)
			continue;
		tags[*n] =
			(wg_resident_tag){t->key, wg_stmt_int(st, 1), wg_stmt_int(st, 2), wg_stmt_int(st, 3)};
		(*n)++;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- reading --------------------------------------------------------------- */

/* Load resident id in scope onto its row (0), WG_ENOTFOUND or an error;
 * the caller finalizes *st unless preparing failed (*st NULL). */
static int load_row(wg_db *db, const wg_scope *scope, int64_t id, wg_stmt **st)
{
	*st = NULL;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " RESIDENT_COLUMNS
	                              " FROM residents r WHERE r.id = ? AND " WG_SCOPE_SQL("r.scope_key"),
	                              st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(*st, 1, id);
	if (!rc && (rc = wg_scope_bind(scope, *st, 2)) > 0)
		rc = 0;
	return wg__basedata_first(*st, rc, WG_ENOTFOUND);
}

/* Resident id for a callback; with key set, the numbers come out in full. */
static int read_one(wg_db *db, const wg_basedata_env *env, int64_t id, const struct wg_secret_key *key,
                    wg_resident_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	wg_resident r;
	char idn[32], phone[32];
	if (!rc) {
		row_to_resident(st, &r);
		rc = load_tags(db, r.id, r.tags, &r.ntags);
	}
	if (!rc && key) {
		r.unmasked = true;
		if (!wg_stmt_is_null(st, C_IDN) &&
		    (rc = wg_basedata_reveal(key, wg_stmt_text(st, C_IDN, NULL), idn, sizeof idn)) == 0)
			r.id_number = idn;
		if (!rc && !wg_stmt_is_null(st, C_PHONE) &&
		    (rc = wg_basedata_reveal(key, wg_stmt_text(st, C_PHONE, NULL), phone, sizeof phone)) == 0)
			r.phone = phone;
		if (rc)
			rc = WG_EBADREQ;
	}
	if (!rc)
		rc = fn(ctx, &r);
	wg_stmt_finalize(st);
	return rc;
}

int wg_resident_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_resident_fn fn, void *ctx)
{
	return read_one(db, env, id, NULL, fn, ctx);
}

int wg_resident_unmask(wg_db *db, const wg_basedata_env *env, int64_t id, const char *reason,
                       wg_resident_fn fn, void *ctx, wg_field_errors *fe)
{
	if (!(env->caller->roles & WG_ROLES_UNMASK))
		return WG_EFORBIDDEN;
	size_t before = fe->n;
	if (wg__basedata_text(fe, "unmask", reason, WG_RESIDENT_UNMASK_REASON_MAX, true) &&
	    wg_utf8_count(reason, strlen(reason)) < WG_RESIDENT_UNMASK_REASON_MIN)
		wg_field_errors_add(fe, "unmask", "too_short",
		                    "the reason to unmask must be at least %d characters",
		                    WG_RESIDENT_UNMASK_REASON_MIN);
	if (fe->n > before)
		return WG_EVALIDATION;
	/* Absent and out of scope answer before anything is recorded. */
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = load_row(db, &scope, id, &st);
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	const char *detail = wg__basedata_reason_detail(env->arena, reason);
	if (!detail)
		return WG_ENOMEM;
	rc = wg__basedata_audit(db, env, "resident.unmask", "resident", id, detail);
	return rc ? rc : read_one(db, env, id, env->key, fn, ctx);
}

/* Conditions of a list after the scope; parameters: name pattern, tag (2),
 * house (2), tenant (2). */
#define FILTER_SQL                                                                                      \
	WG_SCOPE_SQL("r.scope_key")                                                                     \
	" AND r.name LIKE ? ESCAPE '!'"                                                                 \
	" AND (? = '' OR EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident = r.id AND t.tag = ?))" \
	" AND (? = 0 OR r.house = ?)"                                                                   \
	" AND (? = 0 OR (CASE WHEN r.house_relation = 'tenant' THEN 2 ELSE 1 END) = ?)"

/* Exact searches go through their own index; the rest walk the scope. */
#define BY_ID "r.id_number_index = ? AND "
#define BY_PHONE "r.phone_index = ? AND "
#define COUNT_SQL(by) "SELECT count(*) FROM residents r WHERE " by FILTER_SQL
#define PAGE_SQL(by)                                                        \
	"SELECT " RESIDENT_COLUMNS " FROM residents r WHERE " by FILTER_SQL \
	" AND r.id > ? ORDER BY r.id LIMIT ?"

struct list_query {
	wg_scope scope;
	const char *index; /* blind index searched, or NULL */
	char index_buf[65];
	char pattern[4 * WG_RESIDENT_NAME_MAX * 2 + 8];
};

static int bind_filter(wg_stmt *st, const struct list_query *q, const wg_resident_filter *f)
{
	int idx = 1, rc = 0;
	if (q->index && (rc = wg_stmt_bind_text(st, idx++, q->index, strlen(q->index))) != 0)
		return rc;
	if ((idx = wg_scope_bind(&q->scope, st, idx)) < 0)
		return idx;
	const char *tag = f->tag ? f->tag : "";
	rc = wg_stmt_bind_text(st, idx, q->pattern, strlen(q->pattern));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, tag, strlen(tag));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 2, tag, strlen(tag));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 3, f->house);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 4, f->house);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 5, f->tenant);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 6, f->tenant);
	return rc ? rc : idx + 7;
}

/* The filter as a query, or WG_EVALIDATION with the field errors. */
static int make_query(const wg_basedata_env *env, const wg_resident_filter *f, struct list_query *q,
                      wg_field_errors *fe)
{
	size_t before = fe->n;
	wg_scope_of(env->caller, &q->scope);
	if (f->area && !wg__basedata_narrow(&q->scope, f->area, &q->scope))
		wg_field_errors_add(fe, f->area_field ? f->area_field : "region", "pattern",
		                    "%s must be a region or grid code",
		                    f->area_field ? f->area_field : "region");
	if (f->tag)
		wg__basedata_term(fe, "special_group", &wg_special_groups, f->tag);
	if (f->q)
		wg__basedata_text(fe, "q", f->q, WG_RESIDENT_NAME_MAX, false);
	q->index = NULL;
	const char *code = NULL, *why = NULL;
	if (f->id_number) {
		char norm[19];
		if (wg_ident_id_number(f->id_number, wg_ident_ymd(wg_clock_now_ms(), env->offset_minutes),
		                       norm, NULL, &code, &why) != 0)
			wg_field_errors_add(fe, "id_number", code, "%s", why);
		else if (wg__basedata_index(env->key, "idcard", norm, q->index_buf) != 0)
			return WG_EINTERNAL;
		else
			q->index = q->index_buf;
	} else if (f->phone) {
		char norm[24];
		if (wg_ident_phone(f->phone, norm, &code, &why) != 0)
			wg_field_errors_add(fe, "phone", code, "%s", why);
		else if (wg__basedata_index(env->key, "phone", norm, q->index_buf) != 0)
			return WG_EINTERNAL;
		else
			q->index = q->index_buf;
	}
	if (fe->n > before)
		return WG_EVALIDATION;
	wg__basedata_like(f->q, q->pattern, sizeof q->pattern);
	return 0;
}

int wg_resident_list(wg_db *db, const wg_basedata_env *env, const wg_resident_filter *f, wg_resident_fn fn,
                     void *ctx, int64_t *total, wg_field_errors *fe)
{
	struct list_query q;
	int rc = make_query(env, f, &q, fe);
	if (rc)
		return rc;
	bool by_id = f->id_number != NULL, by_phone = !by_id && f->phone;
	wg_stmt *st;
	/* Without filters the count reads the scope index alone. */
	bool plain = !f->q && !f->tag && !f->house && !f->tenant && !q.index;
	if (total) {
		rc = wg_db_prepare_cached(
			db,
			by_id      ? COUNT_SQL(BY_ID)
			: by_phone ? COUNT_SQL(BY_PHONE)
			: plain    ? "SELECT count(*) FROM residents r WHERE " WG_SCOPE_SQL("r.scope_key")
				   : COUNT_SQL(""),
			&st);
		if (rc)
			return rc;
		rc = plain ? wg_scope_bind(&q.scope, st, 1) : bind_filter(st, &q, f);
		rc = wg__basedata_first(st, rc < 0 ? rc : 0, WG_ESTORE);
		if (!rc)
			*total = wg_stmt_int(st, 0);
		wg_stmt_finalize(st);
		if (rc)
			return rc;
	}
	rc = wg_db_prepare_cached(db,
	                          by_id      ? PAGE_SQL(BY_ID)
	                          : by_phone ? PAGE_SQL(BY_PHONE)
	                                     : PAGE_SQL(""),
	                          &st);
	if (rc)
		return rc;
	int idx = bind_filter(st, &q, f);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, f->after_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_resident r;
		row_to_resident(st, &r);
		rc = load_tags(db, r.id, r.tags, &r.ntags);
		if (!rc)
			rc = fn(ctx, &r);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- writing ------------------------------------------------------------------- */

/* A resident's values while it is checked and written: loaded (update) or
 * empty (create), then changed by the input. Strings live in env->arena. */
struct draft {
	int64_t id, version;
	const char *name;
	bool has_id, new_id;
	char id_norm[19];
	wg__basedata_number idn;
	const char *sex, *birth_date;
	bool has_phone, new_phone;
	char phone_norm[24];
	wg__basedata_number phone;
	const char *residence_type;
	const char *household, *address;
	int64_t house;
	const char *relation;
	bool has_location;
	double lat, lng;
	wg_place place;
	bool placed; /* place is known (loaded, or set by this change) */
	bool moved;  /* place changed */
	size_t ntags;
	wg_resident_tag tags[WG_SPECIAL_GROUP_COUNT];
	/* Names of the fields given, for the audit row. */
	size_t nchanged;
	const char *changed[24];
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
	wg_arena *a = env->arena;
	const char *scope_key = NULL, *grid = NULL, *region = NULL;
	if (!rc) {
		d->id = id;
		d->version = wg_stmt_int(st, C_VERSION);
		d->has_id = !wg_stmt_is_null(st, C_IDN);
		d->has_phone = !wg_stmt_is_null(st, C_PHONE);
		d->house = wg_stmt_int(st, C_HOUSE);
		d->has_location = wg__basedata_location(st, C_LAT, &d->lat, &d->lng);
		bool ok = wg__basedata_copy(a, st, C_NAME, &d->name) &&
		          wg__basedata_copy(a, st, C_IDN, &d->idn.sealed) &&
		          wg__basedata_copy(a, st, C_PHONE, &d->phone.sealed) &&
		          wg__basedata_copy(a, st, C_SEX, &d->sex) &&
		          wg__basedata_copy(a, st, C_BIRTH, &d->birth_date) &&
		          wg__basedata_copy(a, st, C_RTYPE, &d->residence_type) &&
		          wg__basedata_copy(a, st, C_HOUSEHOLD, &d->household) &&
		          wg__basedata_copy(a, st, C_ADDRESS, &d->address) &&
		          wg__basedata_copy(a, st, C_RELATION, &d->relation) &&
		          wg__basedata_copy(a, st, C_GRID, &grid) &&
		          wg__basedata_copy(a, st, C_REGION, &region) &&
		          wg__basedata_copy(a, st, C_SCOPE, &scope_key);
		if (!ok)
			rc = WG_ENOMEM;
		snprintf(d->idn.index, sizeof d->idn.index, "%s",
		         d->has_id ? text_or_null(st, C_IDN_INDEX) : "");
		snprintf(d->idn.masked, sizeof d->idn.masked, "%s",
		         d->has_id && !wg_stmt_is_null(st, C_IDN_MASKED)
		                 ? wg_stmt_text(st, C_IDN_MASKED, NULL)
		                 : "");
		snprintf(d->phone.masked, sizeof d->phone.masked, "%s",
		         d->has_phone && !wg_stmt_is_null(st, C_PHONE_MASKED)
		                 ? wg_stmt_text(st, C_PHONE_MASKED, NULL)
		                 : "");
		snprintf(d->phone.index, sizeof d->phone.index, "%s",
		         d->has_phone ? text_or_null(st, C_PHONE_INDEX) : "");
	}
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	snprintf(d->place.grid, sizeof d->place.grid, "%s", grid ? grid : "");
	snprintf(d->place.region, sizeof d->place.region, "%s", region ? region : "");
	snprintf(d->place.scope_key, sizeof d->place.scope_key, "%s", scope_key ? scope_key : "");
	d->placed = true;
	return load_tags(db, id, d->tags, &d->ntags);
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void check_person(const wg_basedata_env *env, const wg_resident_input *in, struct draft *d,
                         wg_field_errors *fe)
{
	int today = wg_ident_ymd(wg_clock_now_ms(), env->offset_minutes);
	const char *code = NULL, *why = NULL;
	bool id_bad = false;
	if (in->set_id_number || in->id_number) {
		changed(d, "id_number");
		d->has_id = in->id_number != NULL;
		d->new_id = d->has_id;
		wg_id_info info;
		if (in->id_number &&
		    wg_ident_id_number(in->id_number, today, d->id_norm, &info, &code, &why) != 0) {
			wg_field_errors_add(fe, "id_number", code, "%s", why);
			d->new_id = false;
			id_bad = true;
		} else if (in->id_number) {
			d->sex = info.sex == 'M' ? "male" : "female";
			d->birth_date = wg_arena_strdup(env->arena, info.birth_date);
		}
	}
	if (in->sex) {
		changed(d, "sex");
		if (!same(in->sex, "male") && !same(in->sex, "female"))
			wg_field_errors_add(fe, "sex", "unknown", "sex must be male or female");
		else if (d->has_id && !id_bad && d->sex && !same(in->sex, d->sex))
			wg_field_errors_add(fe, "sex", "conflict", "sex must agree with the ID number (%s)",
			                    d->sex);
		else if (!d->has_id)
			d->sex = in->sex;
	}
	if (in->birth_date) {
		changed(d, "birth_date");
		if (!wg__basedata_date_ok(in->birth_date, today))
			wg_field_errors_add(fe, "birth_date", "pattern",
			                    "birth_date must be a date YYYY-MM-DD from 1900 to today");
		else if (d->has_id && !id_bad && d->birth_date && !same(in->birth_date, d->birth_date))
			wg_field_errors_add(fe, "birth_date", "conflict",
			                    "birth_date must agree with the ID number (%s)", d->birth_date);
		else if (!d->has_id)
			d->birth_date = in->birth_date;
	}
	if (in->set_phone || in->phone) {
		changed(d, "phone");
		d->has_phone = in->phone != NULL;
		d->new_phone = d->has_phone;
		if (in->phone && wg_ident_phone(in->phone, d->phone_norm, &code, &why) != 0) {
			wg_field_errors_add(fe, "phone", code, "%s", why);
			d->new_phone = false;
		}
	}
}

static int check_house(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, struct draft *d,
                       wg_field_errors *fe)
{
	if (in->set_house) {
		changed(d, "house");
		d->house = in->house;
		if (!in->house_relation)
			d->relation = NULL;
		if (in->house > 0 && !in->where.given) {
			/* A resident given a house and no place of their own lives there. */
			int rc = wg_house_place_of(db, env, in->house, "house", &d->place, &d->has_location,
			                           &d->lat, &d->lng, fe);
			if (rc && rc != WG_EVALIDATION)
				return rc;
			if (!rc) {
				d->placed = true;
				d->moved = true;
			}
		} else if (in->house > 0) {
			int rc = wg__basedata_ref(
				db, env,
				"SELECT scope_key FROM houses WHERE id = ? AND " WG_SCOPE_SQL("scope_key"),
				in->house, "house", NULL, fe);
			if (rc && rc != WG_EVALIDATION)
				return rc;
		}
	}
	if (in->house_relation) {
		changed(d, "house_relation");
		const wg_term *t =
			wg__basedata_term(fe, "house_relation", &wg_house_relations, in->house_relation);
		if (t)
			d->relation = t->key;
	}
	if (d->house > 0 && !d->relation)
		wg_field_errors_add(fe, "house_relation", "required",
		                    "house_relation (owner, family or tenant) is required with a house");
	else if (d->house <= 0 && d->relation && in->house_relation)
		wg_field_errors_add(fe, "house_relation", "conflict", "house_relation needs a house");
	else if (d->house <= 0)
		d->relation = NULL;
	return 0;
}

static int check_where(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, struct draft *d,
                       bool creating, wg_field_errors *fe)
{
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
	} else if (creating && !d->placed && !(in->set_house && in->house > 0)) {
		wg_field_errors_add(fe, "location", "required", "give location, grid or region (or a house)");
	}
	return 0;
}

/* The tags as given, on top of what the resident had. */
static int check_tags(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, struct draft *d,
                      wg_field_errors *fe)
{
	if (!in->set_tags) {
		/* Moving keeps the tags; a worker who does not serve the new
		 * area can no longer visit, so the schedule falls to the area's
		 * heads and centre until someone is assigned. */
		for (size_t i = 0; d->moved && d->placed && i < d->ntags; i++) {
			if (!d->tags[i].worker)
				continue;
			wg_field_errors scratch;
			wg_field_errors_init(&scratch, env->arena);
			int rc = wg__basedata_check_worker(db, env, d->tags[i].worker, d->place.scope_key,
			                                   "worker", &scratch);
			if (rc == WG_EVALIDATION)
				d->tags[i].worker = 0;
			else if (rc)
				return rc;
		}
		return 0;
	}
	changed(d, "tags");
	wg_resident_tag next[WG_SPECIAL_GROUP_COUNT] = {0};
	size_t n = 0;
	int64_t now = wg_clock_now_ms();
	bool grid_worker =
		env->caller && (env->caller->roles & WG_ROLE_GRID_WORKER) && env->caller->user_id > 0;
	for (size_t i = 0; i < in->ntags; i++) {
		char field[40];
		const wg_resident_tag_input *t = &in->tags[i];
		snprintf(field, sizeof field, "tags[%zu].tag", i);
		const wg_term *term =
			t->tag ? wg__basedata_term(fe, field, &wg_special_groups, t->tag) : NULL;
		if (!t->tag)
			wg_field_errors_add(fe, field, "required", "%s is required", field);
		if (!term)
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup = dup || next[k].tag == term->key;
		if (dup) {
			wg_field_errors_add(fe, field, "duplicate", "%s names a special group twice", field);
			continue;
		}
		const wg_resident_tag *had = NULL;
		for (size_t k = 0; k < d->ntags; k++)
			if (d->tags[k].tag == term->key)
				had = &d->tags[k];
		wg_resident_tag tag = {term->key, t->visit_days, t->worker, had ? had->since : now};
		if (!tag.visit_days)
			tag.visit_days = had ? had->visit_days : term->visit_days;
		if (tag.visit_days < 1 || tag.visit_days > 366) {
			snprintf(field, sizeof field, "tags[%zu].visit_days", i);
			wg_field_errors_add(fe, field, "range", "%s must be within 1..366", field);
		}
		if (tag.worker == WG_BASEDATA_UNSET)
			tag.worker = had ? had->worker : grid_worker ? env->caller->user_id : 0;
		if (tag.worker < 0) {
			snprintf(field, sizeof field, "tags[%zu].worker", i);
			wg_field_errors_add(fe, field, "range", "%s must be an account id", field);
		} else if (tag.worker > 0 && d->placed) {
			snprintf(field, sizeof field, "tags[%zu].worker", i);
			int rc =
				wg__basedata_check_worker(db, env, tag.worker, d->place.scope_key, field, fe);
			if (rc && rc != WG_EVALIDATION)
				return rc;
		}
		next[n++] = tag;
	}
	memcpy(d->tags, next, n * sizeof next[0]);
	d->ntags = n;
	return 0;
}

/* Check everything given against the draft; on success the draft holds
 * the values to write. */
static int check_input(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, struct draft *d,
                       bool creating, wg_field_errors *fe)
{
	size_t before = fe->n;
	if (creating || in->name) {
		changed(d, "name");
		if (wg__basedata_text(fe, "name", in->name, WG_RESIDENT_NAME_MAX, true))
			d->name = in->name;
	}
	check_person(env, in, d, fe);
	if (in->residence_type || creating) {
		const wg_term *t = wg__basedata_term(fe, "residence_type", &wg_residence_types,
		                                     in->residence_type ? in->residence_type : "registered");
		if (in->residence_type)
			changed(d, "residence_type");
		if (t)
			d->residence_type = t->key;
	}
	if (in->set_household || in->household) {
		changed(d, "household");
		if (wg__basedata_text(fe, "household", in->household, WG_RESIDENT_HOUSEHOLD_MAX, false))
			d->household = in->household;
	}
	if (in->set_address || in->address) {
		changed(d, "address");
		if (wg__basedata_text(fe, "address", in->address, WG_RESIDENT_ADDRESS_MAX, false))
			d->address = in->address;
	}
	int rc = check_house(db, env, in, d, fe);
	if (!rc)
		rc = check_where(db, env, in, d, creating, fe);
	if (!rc)
		rc = check_tags(db, env, in, d, fe);
	if (rc)
		return rc;
	if (fe->n > before)
		return WG_EVALIDATION;
	/* One person, one record: the index of the number finds it anywhere,
	 * in scope or not, and the answer names no record. */
	if (d->new_id) {
		char index[65];
		if (wg__basedata_index(env->key, "idcard", d->id_norm, index) != 0)
			return WG_EINTERNAL;
		wg_stmt *st;
		rc = wg_db_prepare_cached(db, "SELECT id FROM residents WHERE id_number_index = ?", &st);
		if (rc)
			return rc;
		rc = wg__basedata_first(st, wg_stmt_bind_text(st, 1, index, strlen(index)), WG_ENOTFOUND);
		bool taken = !rc && wg_stmt_int(st, 0) != d->id;
		wg_stmt_finalize(st);
		if (rc && rc != WG_ENOTFOUND)
			return rc;
		if (taken) {
			wg_field_errors_add(fe, "id_number", "conflict",
			                    "a resident with this id_number is already registered");
			return WG_ECONFLICT;
		}
	}
	if (d->new_id && (rc = wg__basedata_seal(env, "idcard", d->id_norm, &d->idn)) != 0)
		return rc;
	if (d->new_phone && (rc = wg__basedata_seal(env, "phone", d->phone_norm, &d->phone)) != 0)
		return rc;
	return 0;
}

static int write_tags(wg_db *db, const struct draft *d)
{
	int rc = wg_db_execf(db, "DELETE FROM resident_tags WHERE resident = ?", NULL, "i", d->id);
	for (size_t i = 0; !rc && i < d->ntags; i++) {
		const wg_resident_tag *t = &d->tags[i];
		rc = t->worker
		             ? wg_db_execf(
				       db,
				       "INSERT INTO resident_tags (resident, tag, visit_days, worker, since, "
				       "scope_key) VALUES (?, ?, ?, ?, ?, ?)",
				       NULL, "itiiit", d->id, t->tag, t->visit_days, t->worker, t->since,
				       d->place.scope_key)
		             : wg_db_execf(
				       db,
				       "INSERT INTO resident_tags (resident, tag, visit_days, worker, since, "
				       "scope_key) VALUES (?, ?, ?, NULL, ?, ?)",
				       NULL, "itiit", d->id, t->tag, t->visit_days, t->since,
				       d->place.scope_key);
	}
	return rc;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* Bind the stored columns in INSERT/UPDATE order from idx; returns the next
 * index or a negative code. */
static int bind_values(wg_stmt *st, const struct draft *d)
{
	int rc = wg_stmt_bindf(st, "tttttttttttt", d->name, d->has_id ? d->idn.sealed : NULL,
	                       d->has_id ? d->idn.index : NULL, d->has_id ? d->idn.masked : NULL, d->sex,
	                       d->birth_date, d->has_phone ? d->phone.sealed : NULL,
	                       d->has_phone ? d->phone.index : NULL, d->has_phone ? d->phone.masked : NULL,
	                       d->residence_type, nonempty(d->household), nonempty(d->address));
	if (!rc)
		rc = d->house > 0 ? wg_stmt_bind_int(st, 13, d->house) : wg_stmt_bind_null(st, 13);
	if (!rc)
		rc = wg_stmt_bind_text(st, 14, d->relation, d->relation ? strlen(d->relation) : 0);
	if (!rc && !d->relation)
		rc = wg_stmt_bind_null(st, 14);
	if (!rc)
		rc = wg__basedata_bind_location(st, 15, d->has_location, d->lat, d->lng);
	if (!rc)
		rc = d->place.grid[0] ? wg_stmt_bind_text(st, 17, d->place.grid, strlen(d->place.grid))
		                      : wg_stmt_bind_null(st, 17);
	if (!rc)
		rc = wg_stmt_bind_text(st, 18, d->place.region, strlen(d->place.region));
	if (!rc)
		rc = wg_stmt_bind_text(st, 19, d->place.scope_key, strlen(d->place.scope_key));
	return rc ? rc : 20;
}

int wg_resident_add(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, int64_t *id,
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
		"INSERT INTO residents (name, id_number, id_number_index, id_number_masked, sex, "
		"birth_date, phone, phone_index, phone_masked, residence_type, household, "
		"address, house, house_relation, lat, lng, grid, region, scope_key, created_at, "
		"updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?, ?, ?, 1) RETURNING id",
		&st);
	if (rc)
		return rc;
	rc = wg__basedata_insert(st, bind_values(st, &d), &d.id);
	if (rc == WG_ECONFLICT) {
		/* Only a concurrent insert of the same number gets here. */
		wg_field_errors_add(fe, "id_number", "conflict",
		                    "a resident with this id_number is already registered");
		return rc;
	}
	if (!rc)
		rc = write_tags(db, &d);
	if (!rc)
		*id = d.id;
	return rc;
}

int wg_resident_create(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, int64_t *id,
                       wg_field_errors *fe)
{
	int rc = wg_resident_add(db, env, in, id, fe);
	return rc ? rc : wg__basedata_audit(db, env, "resident.create", "resident", *id, NULL);
}

int wg_resident_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_resident_input *in,
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
		"UPDATE residents SET name = ?, id_number = ?, id_number_index = ?, "
		"id_number_masked = ?, sex = ?, birth_date = ?, phone = ?, phone_index = ?, "
		"phone_masked = ?, residence_type = ?, household = ?, address = ?, house = ?, "
		"house_relation = ?, lat = ?, lng = ?, grid = ?, region = ?, scope_key = ?, "
		"updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
		&st);
	if (rc)
		return rc;
	bool stale;
	rc = wg__basedata_update(st, bind_values(st, &d), id, d.version, &stale);
	if (rc == WG_ECONFLICT) {
		wg_field_errors_add(fe, "id_number", "conflict",
		                    "a resident with this id_number is already registered");
		return rc;
	}
	if (rc)
		return rc;
	if (stale)
		return WG_ECONFLICT;
	rc = write_tags(db, &d);
	if (rc)
		return rc;
	const char *detail = wg__basedata_fields_detail(env->arena, d.changed, d.nchanged);
	return detail ? wg__basedata_audit(db, env, "resident.update", "resident", id, detail) : WG_ENOMEM;
}
