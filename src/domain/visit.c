#include "domain/visit.h"

#include "core/clock.h"
#include "core/error.h"
#include "domain/attachment.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- recording --------------------------------------------------------- */

/* The subject in the caller's scope: its scope_key and grid ("" when
 * none), or the field error. */
static int find_subject(wg_db *db, const wg_basedata_env *env, const wg_visit_input *in, char *scope_key,
                        char *grid, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	bool resident = strcmp(in->subject_type, "resident") == 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		resident ? "SELECT scope_key, grid FROM residents WHERE id = ? AND " WG_SCOPE_SQL("scope_key")
			 : "SELECT scope_key, grid FROM places WHERE id = ? AND " WG_SCOPE_SQL("scope_key"),
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, in->subject_id);
	if (!rc && (rc = wg_scope_bind(&scope, st, 2)) > 0)
		rc = 0;
	rc = wg__basedata_first(st, rc, WG_ENOTFOUND);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, "subject.id", "not_found", "no %s %" PRId64 " in your area",
		                    in->subject_type, in->subject_id);
		rc = WG_EVALIDATION;
	} else if (!rc) {
		snprintf(scope_key, WG_SCOPE_KEY_MAX + 1, "%s", wg_stmt_text(st, 0, NULL));
		snprintf(grid, WG_SCOPE_KEY_MAX + 1, "%s",
		         wg_stmt_is_null(st, 1) ? "" : wg_stmt_text(st, 1, NULL));
	}
	wg_stmt_finalize(st);
	return rc;
}

static int check_photos(wg_db *db, const wg_basedata_env *env, const wg_visit_input *in, wg_field_errors *fe)
{
	for (size_t i = 0; i < in->nphotos; i++) {
		char field[40];
		snprintf(field, sizeof field, "photos[%zu]", i);
		const char *sha = in->photos[i];
		if (!sha || !wg_attachment_sha256_valid(sha)) {
			wg_field_errors_add(fe, field, "pattern", "%s must be a SHA-256 in lower-case hex",
			                    field);
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup = dup || (in->photos[k] && strcmp(in->photos[k], sha) == 0);
		if (dup) {
			wg_field_errors_add(fe, field, "duplicate", "%s names a photo twice", field);
			continue;
		}
		/* Only a file the caller may read already: linking it makes it
		 * readable to everyone who sees the subject. */
		wg_attachment a;
		int rc = wg_attachment_get(db, env->caller, sha, &a);
		if (rc == WG_ENOTFOUND)
			wg_field_errors_add(fe, field, "not_found",
			                    "%s is not an uploaded file: upload it first", field);
		else if (rc)
			return rc;
	}
	return 0;
}

int wg_visit_create(wg_db *db, const wg_basedata_env *env, const wg_visit_input *in, int64_t *id,
                    wg_field_errors *fe)
{
	if (env->caller->user_id <= 0)
		return WG_EFORBIDDEN; /* a visit is somebody's: the console has no account */
	size_t before = fe->n;
	char scope_key[WG_SCOPE_KEY_MAX + 1] = "", grid[WG_SCOPE_KEY_MAX + 1] = "";
	int rc = 0;
	if (!in->subject_type)
		wg_field_errors_add(fe, "subject.type", "required", "subject.type is required");
	else if (strcmp(in->subject_type, "resident") != 0 && strcmp(in->subject_type, "place") != 0)
		wg_field_errors_add(fe, "subject.type", "unknown", "subject.type must be resident or place");
	else if (in->subject_id <= 0)
		wg_field_errors_add(fe, "subject.id", "required", "subject.id is required");
	else if ((rc = find_subject(db, env, in, scope_key, grid, fe)) != 0 && rc != WG_EVALIDATION)
		return rc;
	int64_t now = wg_clock_now_ms();
	if (in->at > now + WG_VISIT_CLOCK_SKEW_MS)
		wg_field_errors_add(fe, "at", "future", "at must not be in the future");
	else if (in->at < now - WG_VISIT_MAX_AGE_DAYS * WG_DAY_MS)
		wg_field_errors_add(fe, "at", "too_old", "visits are recorded within %d days",
		                    WG_VISIT_MAX_AGE_DAYS);
	wg__basedata_text(fe, "notes", in->notes, WG_VISIT_NOTES_MAX, false);
	if (in->nphotos > WG_VISIT_PHOTOS_MAX)
		wg_field_errors_add(fe, "photos", "too_long", "at most %d photos", WG_VISIT_PHOTOS_MAX);
	else if ((rc = check_photos(db, env, in, fe)) != 0)
		return rc;
	if (fe->n > before)
		return WG_EVALIDATION;

	wg_stmt *st;
	rc = wg_db_prepare_cached(
		db,
		"INSERT INTO visits (subject_type, subject_id, user_id, at, lat, lng, notes, grid, "
		"scope_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tiii", in->subject_type, in->subject_id, env->caller->user_id, in->at);
	if (!rc)
		rc = wg__basedata_bind_location(st, 5, in->has_location, in->lat, in->lng);
	if (!rc)
		rc = wg_stmt_bind_text(st, 7, in->notes, in->notes ? strlen(in->notes) : 0);
	if (!rc && (!in->notes || !*in->notes))
		rc = wg_stmt_bind_null(st, 7);
	if (!rc)
		rc = grid[0] ? wg_stmt_bind_text(st, 8, grid, strlen(grid)) : wg_stmt_bind_null(st, 8);
	if (!rc)
		rc = wg_stmt_bind_text(st, 9, scope_key, strlen(scope_key));
	if (!rc)
		rc = wg_stmt_bind_int(st, 10, now);
	rc = wg__basedata_first(st, rc, WG_ESTORE);
	if (!rc)
		*id = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	for (size_t i = 0; !rc && i < in->nphotos; i++)
		rc = wg_attachment_link(db, in->photos[i], "visit", *id, scope_key);
	return rc ? rc : wg__basedata_audit(db, env, "visit.create", "visit", *id, NULL);
}

/* ---- reading ----------------------------------------------------------------- */

/* The subject's and the visitor's names come along; a subject deleted
 * later leaves its name NULL. */
#define VISIT_COLUMNS                                                                                \
	"v.id, v.subject_type, v.subject_id, CASE WHEN v.subject_type = 'resident' THEN "            \
	"(SELECT r.name FROM residents r WHERE r.id = v.subject_id) ELSE "                           \
	"(SELECT p.name FROM places p WHERE p.id = v.subject_id) END, v.user_id, "                   \
	"(SELECT u.name FROM users u WHERE u.id = v.user_id), v.at, v.lat, v.lng, v.notes, v.grid, " \
	"v.created_at"

static int row_to_visit(wg_db *db, wg_stmt *st, wg_visit *v)
{
	memset(v, 0, sizeof *v);
	v->id = wg_stmt_int(st, 0);
	v->subject_type = wg_stmt_text(st, 1, NULL);
	v->subject_id = wg_stmt_int(st, 2);
	v->subject_name = wg_stmt_is_null(st, 3) ? NULL : wg_stmt_text(st, 3, NULL);
	v->user_id = wg_stmt_int(st, 4);
	v->user_name = wg_stmt_is_null(st, 5) ? NULL : wg_stmt_text(st, 5, NULL);
	v->at = wg_stmt_int(st, 6);
	v->has_location = wg__basedata_location(st, 7, &v->lat, &v->lng);
	v->notes = wg_stmt_is_null(st, 9) ? NULL : wg_stmt_text(st, 9, NULL);
	v->grid = wg_stmt_is_null(st, 10) ? NULL : wg_stmt_text(st, 10, NULL);
	v->created_at = wg_stmt_int(st, 11);
	wg_stmt *ph;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT sha256 FROM attachment_links WHERE owner_type = 'visit' AND "
	                              "owner_id = ? ORDER BY created_at, sha256",
	                              &ph);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(ph, 1, v->id);
	while (!rc && (rc = wg_stmt_step(ph)) == WG_DB_ROW) {
		rc = 0;
		if (v->nphotos < WG_VISIT_PHOTOS_MAX)
			snprintf(v->photos[v->nphotos++], sizeof v->photos[0], "%s",
			         wg_stmt_text(ph, 0, NULL));
	}
	wg_stmt_finalize(ph);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_visit_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_visit_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT " VISIT_COLUMNS " FROM visits v WHERE v.id = ? AND " WG_SCOPE_SQL("v.scope_key"),
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (!rc && (rc = wg_scope_bind(&scope, st, 2)) > 0)
		rc = 0;
	rc = wg__basedata_first(st, rc, WG_ENOTFOUND);
	if (!rc) {
		wg_visit v;
		rc = row_to_visit(db, st, &v);
		if (!rc)
			rc = fn(ctx, &v);
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_visit_list(wg_db *db, const wg_basedata_env *env, const wg_visit_filter *f, wg_visit_fn fn, void *ctx,
                  wg_field_errors *fe)
{
	size_t before = fe->n;
	const char *type = f->subject_type ? f->subject_type : "";
	if (f->subject_type && strcmp(type, "resident") != 0 && strcmp(type, "place") != 0)
		wg_field_errors_add(fe, "subject_type", "unknown", "subject_type must be resident or place");
	if (f->subject_type && f->subject_id <= 0)
		wg_field_errors_add(fe, "subject_id", "required", "subject_id goes with subject_type");
	if (!f->subject_type && f->subject_id)
		wg_field_errors_add(fe, "subject_type", "required", "subject_type goes with subject_id");
	if (fe->n > before)
		return WG_EVALIDATION;
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT " VISIT_COLUMNS " FROM visits v WHERE " WG_SCOPE_SQL(
			"v.scope_key") " AND (? = '' OR (v.subject_type = ? AND v.subject_id = ?))"
				       " AND (? = 0 OR v.id < ?) ORDER BY v.id DESC LIMIT ?",
		&st);
	if (rc)
		return rc;
	int idx = wg_scope_bind(&scope, st, 1);
	rc = idx < 0 ? idx : wg_stmt_bind_text(st, idx, type, strlen(type));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, type, strlen(type));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 2, f->subject_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 3, f->before_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 4, f->before_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 5, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_visit v;
		rc = row_to_visit(db, st, &v);
		if (!rc)
			rc = fn(ctx, &v);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- the schedule ----------------------------------------------------------------- */

/* Family disputes' call-backs (dispute.h) for the person responsible:
 * the caller (user id), or the centre of the caller's region when the
 * post has no holder or is a centre's (region, whether a centre). */
#define CALLBACKS_SQL                                                                                      \
	"SELECT 'case', c.id, c.title, c.grid, dd.family_level, "                                          \
	"CASE dd.family_level WHEN 'micro' THEN 30 WHEN 'low' THEN 15 WHEN 'medium' THEN 7 ELSE 3 END, "   \
	"coalesce(dd.last_callback_at, 0), dd.callback_due FROM disputes dd JOIN cases c ON c.id = "       \
	"dd.case_id WHERE dd.callback_due IS NOT NULL AND EXISTS (SELECT 1 FROM case_in_charge ic WHERE "  \
	"ic.case_id = dd.case_id AND ic.duty = 'callback' AND ic.released_at IS NULL AND (ic.user_id = ? " \
	"OR (ic.user_id IS NULL AND ic.region = ? AND ? = 1)))"

/* Residents: per tag, the later of the last visit and the day the tag was
 * set, plus its interval; per resident, the earliest of those. Places:
 * the same with their one interval. Parameters: scope (2), worker (2) for
 * each half; then the horizon, the cursor (due twice, kind twice, id) and
 * the limit. The last visit is looked up per subject through the
 * visits_subject index. */
#define DUE_SQL                                                                                              \
	"SELECT d.kind, d.id, d.name, d.grid, d.ptype, d.period, d.last_visit, d.due FROM ("                 \
	"SELECT 'resident' AS kind, rt.id AS id, rt.name AS name, rt.grid AS grid, NULL AS ptype, "          \
	"min(rt.visit_days) AS period, max(rt.last_visit) AS last_visit, "                                   \
	"min(CASE WHEN rt.last_visit > rt.since THEN rt.last_visit ELSE rt.since END "                       \
	"+ rt.visit_days * 86400000) AS due FROM ("                                                          \
	"SELECT r.id, r.name, r.grid, t.visit_days, t.since, coalesce((SELECT max(v.at) FROM visits v "      \
	"WHERE v.subject_type = 'resident' AND v.subject_id = r.id), 0) AS last_visit "                      \
	"FROM resident_tags t JOIN residents r ON r.id = t.resident WHERE " WG_SCOPE_SQL(                    \
		"t.scope_key") " AND (? = 0 OR t.worker = ?)) rt GROUP BY rt.id, rt.name, rt.grid "          \
			       "UNION ALL "                                                                  \
			       "SELECT 'place', pt.id, pt.name, pt.grid, pt.type, pt.visit_days, "           \
			       "pt.last_visit, "                                                             \
			       "CASE WHEN pt.last_visit > pt.since THEN pt.last_visit ELSE pt.since END + "  \
			       "pt.visit_days * 86400000 "                                                   \
			       "FROM (SELECT p.id, p.name, p.grid, p.type, p.visit_days, "                   \
			       "coalesce(p.visit_since, p.created_at) "                                      \
			       "AS since, coalesce((SELECT max(v.at) FROM visits v WHERE v.subject_type = "  \
			       "'place' AND "                                                                \
			       "v.subject_id = p.id), 0) AS last_visit FROM places p WHERE p.visit_days IS " \
			       "NOT NULL AND " WG_SCOPE_SQL(                                                 \
				       "p.scope_key") " AND (? = 0 OR p.worker = ?)) pt"                     \
						      " UNION ALL " CALLBACKS_SQL                            \
						      ") d WHERE d.due <= ? AND (? = '' OR d.kind = ?) AND " \
						      "(d.due > ? OR (d.due = ? "                            \
						      "AND (d.kind > ? OR (d.kind = ? AND d.id > ?)))) "     \
						      "ORDER BY d.due, d.kind, d.id LIMIT ?"

static int due_tags(wg_db *db, int64_t resident, int64_t worker, wg_visit_due *d)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT tag FROM resident_tags WHERE resident = ? AND (? = 0 OR worker = ?) "
		"ORDER BY tag",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "iii", resident, worker, worker);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		rc = 0;
		const wg_term *t = wg_terms_key(&wg_special_groups, wg_stmt_text(st, 0, NULL));
		if (t && d->ntags < WG_SPECIAL_GROUP_COUNT)
			d->tags[d->ntags++] = t->key;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_visit_due_list(wg_db *db, const wg_basedata_env *env, const wg_visit_due_filter *f, wg_visit_due_fn fn,
                      void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	/* Heads, centres and leaders oversee their whole area; a grid worker
	 * sees their own round. */
	unsigned overseers = WG_ROLE_GRID_HEAD | WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER;
	int64_t worker =
		env->caller->user_id > 0 && !(env->caller->roles & overseers) ? env->caller->user_id : 0;
	int64_t horizon = f->now + f->within_days * WG_DAY_MS;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, DUE_SQL, &st);
	if (rc)
		return rc;
	int idx = wg_scope_bind(&scope, st, 1);
	rc = idx < 0 ? idx : 0;
	if (!rc)
		rc = wg_stmt_bind_int(st, idx, worker);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, worker);
	if (!rc && (idx = wg_scope_bind(&scope, st, idx + 2)) < 0)
		rc = idx;
	if (!rc) {
		const char *kind = f->after_type ? f->after_type : "";
		int64_t due = f->after_type ? f->after_due : -1;
		/* The call-backs: the caller's own, and their centre's. */
		const char *region = env->caller->scope ? env->caller->scope : "";
		bool centre = (env->caller->roles & WG_ROLE_CENTRE_OPERATOR) != 0;
		const int64_t ints[] = {worker, worker, env->caller->user_id};
		for (int i = 0; !rc && i < 3; i++)
			rc = wg_stmt_bind_int(st, idx + i, ints[i]);
		idx += 3;
		if (!rc)
			rc = wg_stmt_bind_text(st, idx, region, strlen(region));
		const int64_t more[] = {centre, horizon};
		for (int i = 0; !rc && i < 2; i++)
			rc = wg_stmt_bind_int(st, idx + 1 + i, more[i]);
		idx += 3;
		const char *type = f->type ? f->type : "";
		for (int i = 0; !rc && i < 2; i++)
			rc = wg_stmt_bind_text(st, idx + i, type, strlen(type));
		for (int i = 0; !rc && i < 2; i++)
			rc = wg_stmt_bind_int(st, idx + 2 + i, due);
		idx += 4;
		if (!rc)
			rc = wg_stmt_bind_text(st, idx, kind, strlen(kind));
		if (!rc)
			rc = wg_stmt_bind_text(st, idx + 1, kind, strlen(kind));
		if (!rc)
			rc = wg_stmt_bind_int(st, idx + 2, f->after_type ? f->after_id : 0);
		if (!rc)
			rc = wg_stmt_bind_int(st, idx + 3, f->limit > 0 ? f->limit : 0);
	}
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_visit_due d;
		memset(&d, 0, sizeof d);
		const char *type = wg_stmt_text(st, 0, NULL);
		bool resident = strcmp(type, "resident") == 0, dispute = strcmp(type, "case") == 0;
		d.subject_type = resident ? "resident" : dispute ? "case" : "place";
		d.subject_id = wg_stmt_int(st, 1);
		d.name = wg_stmt_text(st, 2, NULL);
		d.grid = wg_stmt_is_null(st, 3) ? NULL : wg_stmt_text(st, 3, NULL);
		const char *kind = wg_stmt_is_null(st, 4) ? NULL : wg_stmt_text(st, 4, NULL);
		d.kind = dispute ? NULL : kind;
		d.family_level = dispute ? kind : NULL;
		d.visit_days = wg_stmt_int(st, 5);
		d.last_visit = wg_stmt_int(st, 6);
		d.due_at = wg_stmt_int(st, 7);
		d.missed = d.due_at < f->now;
		if (d.missed && d.visit_days > 0)
			d.missed_periods = (f->now - d.due_at) / (d.visit_days * WG_DAY_MS) + 1;
		rc = resident ? due_tags(db, d.subject_id, worker, &d) : 0;
		if (!rc)
			rc = fn(ctx, &d);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}
