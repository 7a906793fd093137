/* Actions on a case: who may take one where, its fields checked against
 * the flow, its effects, and the one transaction that records it. */
#include "domain/case_internal.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/attachment.h"
#include "domain/category.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/routing.h"
#include "domain/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- who and where ---------------------------------------------------------- */

static bool has_department(const wg_case_department *deps, size_t n, const char *dept, bool owner, bool co,
                           bool summoned_open)
{
	for (size_t i = 0; dept && i < n; i++) {
		if (strcmp(deps[i].code, dept) != 0)
			continue;
		if ((owner && strcmp(deps[i].role, "owner") == 0) ||
		    (co && strcmp(deps[i].role, "co") == 0) ||
		    (summoned_open && strcmp(deps[i].role, "summoned") == 0 && !deps[i].reported_in_at))
			return true;
	}
	return false;
}

/* The place rule of a (flow.h) for this caller and case. */
static bool place_ok(const wg_case_env *env, const wg__case_row *row, enum wg_flow_scope rule,
                     const wg_case_department *deps, size_t ndeps)
{
	const wg_caller *c = env->caller;
	wg_scope scope;
	wg_scope_of_matters(c, &scope);
	enum wg_region_level level;
	switch (rule) {
	case WG_FLOW_SCOPE_AREA: return wg_scope_contains(&scope, row->scope_key);
	case WG_FLOW_SCOPE_CENTRE:
		return c->scope && wg_region_code_level(c->scope, &level) &&
		       wg_scope_contains(&scope, row->centre);
	case WG_FLOW_SCOPE_DEPARTMENT: return c->department && strcmp(c->department, row->department) == 0;
	case WG_FLOW_SCOPE_HANDLER: return has_department(deps, ndeps, c->department, true, true, false);
	case WG_FLOW_SCOPE_SUMMONED: return has_department(deps, ndeps, c->department, false, false, true);
	case WG_FLOW_SCOPE_MEDIATOR:
		return (c->user_id && c->user_id == row->mediator_user) ||
		       place_ok(env, row, WG_FLOW_SCOPE_CENTRE, deps, ndeps);
	case WG_FLOW_SCOPE_ANY:
	case WG_FLOW_SCOPE_COUNT: break;
	}
	return true;
}

static bool town_caller(const wg_caller *c)
{
	enum wg_region_level lv;
	return c->scope && wg_region_code_level(c->scope, &lv) && lv == WG_REGION_TOWN;
}

/* Whether the effects leave the action anything to do for this caller: an
 * extension to decide on, a level to escalate to, a town to summon. The
 * effects refuse the same cases with a field error. */
static bool effects_possible(const wg_case_env *env, const wg__case_row *row, const wg_flow_action *a)
{
	if ((a->effects & (WG_FLOW_EFFECT_EXTEND_APPROVE | WG_FLOW_EFFECT_EXTEND_REFUSE)) &&
	    !row->pending_deadline)
		return false;
	if ((a->effects & WG_FLOW_EFFECT_SUMMON) && !town_caller(env->caller))
		return false;
	if ((a->effects & WG_FLOW_EFFECT_ESCALATE) && strcmp(row->level, "county") == 0)
		return false;
	return wg__dispute_possible(row, a->effects);
}

bool wg__case_may(const wg_case_env *env, const wg__case_row *row, const wg_flow_action *a,
                  const wg_case_department *deps, size_t ndeps)
{
	return (a->from & (1u << row->state)) && (env->caller->roles & a->roles) &&
	       effects_possible(env, row, a) && place_ok(env, row, a->scope, deps, ndeps);
}

/* ---- fields ------------------------------------------------------------------ */

static bool list_field(wg_field_errors *fe, const wg_flow_field *f, const json_t *v, bool sha)
{
	if (!json_is_array(v)) {
		wg_field_errors_add(fe, f->name, "type", "%s must be a list", f->name);
		return false;
	}
	size_t n = json_array_size(v);
	if ((int64_t)n < f->min || (int64_t)n > f->max) {
		wg_field_errors_add(fe, f->name, "length", "%s must hold %lld to %lld items", f->name,
		                    (long long)f->min, (long long)f->max);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(v, i));
		if (!s || (sha && !wg_attachment_sha256_valid(s)) || (!sha && (!*s || strlen(s) > 64))) {
			wg_field_errors_add(fe, f->name, "type", "%s[%zu] must be %s", f->name, i,
			                    sha ? "the sha256 of an uploaded file" : "a department code");
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(s, json_string_value(json_array_get(v, j))) == 0) {
				wg_field_errors_add(fe, f->name, "duplicate", "%s names %s twice", f->name,
				                    s);
				return false;
			}
	}
	return true;
}

static bool check_field(const wg_case_env *env, const wg_flow_field *f, const json_t *v, wg__case_act *x,
                        size_t i, wg_field_errors *fe)
{
	const char *s = json_string_value(v);
	switch (f->type) {
	case WG_FLOW_STRING:
	case WG_FLOW_TEXT:
		if (!s)
			break;
		return wg__case_text(fe, f->name, s, (size_t)f->min, (size_t)f->max, f->type == WG_FLOW_TEXT);
	case WG_FLOW_INT:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
			wg_field_errors_add(fe, f->name, "range", "%s must lie within %lld..%lld", f->name,
			                    (long long)f->min, (long long)f->max);
			return false;
		}
		return true;
	case WG_FLOW_BOOL:
		if (!json_is_boolean(v))
			break;
		return true;
	case WG_FLOW_ENUM:
		for (size_t k = 0; s && k < f->nvalues; k++)
			if (strcmp(s, f->values[k]) == 0)
				return true;
		wg_field_errors_add(fe, f->name, "unknown", "%s is not one of the allowed values", f->name);
		return false;
	case WG_FLOW_TIME:
		if (!s || wg_clock_parse_rfc3339(s, &x->time[i]) != 0)
			break;
		if (x->time[i] <= env->now) {
			wg_field_errors_add(fe, f->name, "past", "%s must lie in the future", f->name);
			return false;
		}
		return true;
	case WG_FLOW_DEPARTMENT:
	case WG_FLOW_CATEGORY:
		if (!s || !*s || strlen(s) > 64)
			break;
		return true;
	case WG_FLOW_DEPARTMENTS: return list_field(fe, f, v, false);
	case WG_FLOW_ATTACHMENTS: return list_field(fe, f, v, true);
	case WG_FLOW_CASE:
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			break;
		return true;
	case WG_FLOW_FIELD_TYPE_COUNT: break;
	}
	wg_field_errors_add(fe, f->name, "type", "%s must be of type %s", f->name,
	                    wg_flow_field_type_name(f->type));
	return false;
}

static int check_fields(const wg_case_env *env, const wg_flow_action *a, const json_t *fields,
                        wg__case_act *x, wg_field_errors *fe)
{
	if (fields && !json_is_object(fields)) {
		wg_field_errors_add(fe, "fields", "type",
		                    "the body must be a JSON object of the action's fields");
		return WG_EVALIDATION;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)fields, key, v) {
		const wg_flow_field *f = wg_flow_field_find(a, key);
		if (!f)
			wg_field_errors_add(fe, key, "unknown", "%s takes no field %s", a->name, key);
		else if (!json_is_null(v) && check_field(env, f, v, x, (size_t)(f - a->fields), fe))
			x->v[f - a->fields] = v;
	}
	/* A required field sent as null is as missing: the effects read its value. */
	for (size_t i = 0; i < a->nfields; i++) {
		const json_t *given = fields ? json_object_get(fields, a->fields[i].name) : NULL;
		if (a->fields[i].required && (!given || json_is_null(given)))
			wg_field_errors_add(fe, a->fields[i].name, "required", "%s is required",
			                    a->fields[i].name);
	}
	return fe->n ? WG_EVALIDATION : 0;
}

const json_t *wg__act_value(const wg__case_act *x, const char *name)
{
	const wg_flow_field *f = wg_flow_field_find(x->a, name);
	return f ? x->v[f - x->a->fields] : NULL;
}

const char *wg__act_text(const wg__case_act *x, const char *name)
{
	return json_string_value(wg__act_value(x, name));
}

int64_t wg__act_int(const wg__case_act *x, const char *name)
{
	return json_integer_value(wg__act_value(x, name));
}

int64_t wg__act_time(const wg__case_act *x, const char *name)
{
	const wg_flow_field *f = wg_flow_field_find(x->a, name);
	return f && x->v[f - x->a->fields] ? x->time[f - x->a->fields] : 0;
}

/* ---- effects ------------------------------------------------------------------ */

static int add_department(wg__case_act *x, const char *department, const char *role)
{
	return wg_db_execf(x->db,
	                   "INSERT INTO case_departments (case_id, department, role, created_at) "
	                   "VALUES (?, ?, ?, ?) ON CONFLICT (case_id, department, role) DO UPDATE SET "
	                   "released_at = NULL, created_at = excluded.created_at",
	                   NULL, "itti", x->row->id, department, role, x->env->now);
}

int wg__act_set_departments(wg__case_act *x, const char *owner, const json_t *co)
{
	/* Released, not deleted: the departments keep reading the case. */
	int rc = wg_db_execf(x->db,
	                     "UPDATE case_departments SET released_at = ? WHERE case_id = ? AND role IN "
	                     "('owner', 'co') AND released_at IS NULL",
	                     NULL, "ii", x->env->now, x->row->id);
	if (!rc && owner)
		rc = add_department(x, owner, "owner");
	size_t i;
	json_t *d;
	json_array_foreach((json_t *)co, i, d) {
		if (!rc)
			rc = add_department(x, json_string_value(d), "co");
	}
	snprintf(x->row->department, sizeof x->row->department, "%s", owner ? owner : "");
	return rc;
}

/* A department the case may go to (field error otherwise). */
static int reachable(wg__case_act *x, const char *field, const char *dept, bool county_only)
{
	wg_routing_dept d;
	int rc = wg_routing_check(x->db, dept, x->row->region, x->row->level, NULL, &d);
	if (rc)
		return rc;
	if (!d.found)
		wg_field_errors_add(x->fe, field, "not_found", "no department %s", dept);
	else if (!d.in_reach || (county_only && strcmp(d.level, "county") != 0))
		wg_field_errors_add(x->fe, field, "out_of_reach",
		                    "%s is not a %sdepartment this case may go to", dept,
		                    county_only ? "county " : "");
	return 0;
}

static int effect_dispatch(wg__case_act *x)
{
	char routed[WG_DEPARTMENT_CODE_MAX + 1] = "";
	int rc = wg_routing_owner(x->db, x->row->category, x->row->level, x->row->region, routed,
	                          sizeof routed);
	if (rc && rc != WG_ENOTFOUND)
		return rc;
	const char *owner = wg__act_text(x, "department");
	if (!owner && !*routed) {
		wg_field_errors_add(x->fe, "department", "required",
		                    "no department holds category %s at this level: name one",
		                    x->row->category);
		return WG_EVALIDATION;
	}
	if (!owner)
		owner = routed;
	else if ((rc = reachable(x, "department", owner, false)) != 0)
		return rc;
	if (strcmp(owner, routed) != 0 && !wg__act_text(x, "reason"))
		wg_field_errors_add(x->fe, "reason", "required",
		                    "a reason is required to dispatch elsewhere than the duty list's %s",
		                    *routed ? routed : "(none)");
	const json_t *co = wg__act_value(x, "co_departments");
	size_t i;
	json_t *d;
	json_array_foreach((json_t *)co, i, d) {
		if (strcmp(json_string_value(d), owner) == 0)
			wg_field_errors_add(x->fe, "co_departments", "owner",
			                    "the owner cannot also co-handle");
		else if ((rc = reachable(x, "co_departments", json_string_value(d), false)) != 0)
			return rc;
	}
	if (x->fe->n)
		return WG_EVALIDATION;
	x->row->dispatched_at = x->env->now;
	int64_t deadline = wg__act_time(x, "deadline");
	if (!deadline &&
	    (rc = wg__case_category_deadline(x->db, x->env, x->row->category, x->env->now, &deadline)))
		return rc;
	x->row->handle_deadline = deadline;
	x->row->pending_deadline = 0;
	return wg__act_set_departments(x, owner, co);
}

static int effect_assess(wg__case_act *x)
{
	const char *category = wg__act_text(x, "category");
	if (category) {
		/* Only a minor category of the case's own kind. */
		wg_stmt *st;
		int rc = wg_db_prepare_cached(
			x->db,
			"SELECT 1 FROM categories WHERE code = ? AND (kind = ? OR ? = 'petition') AND "
			"parent IS NOT NULL",
			&st);
		if (rc)
			return rc;
		rc = wg_stmt_bindf(st, "ttt", category, x->row->kind, x->row->kind);
		if (!rc)
			rc = wg_stmt_step(st);
		wg_stmt_finalize(st);
		if (rc == WG_DB_DONE)
			wg_field_errors_add(x->fe, "category", "not_found", "no %s category %s", x->row->kind,
			                    category);
		else if (rc != WG_DB_ROW)
			return rc;
		else
			snprintf(x->row->category, sizeof x->row->category, "%s", category);
	}
	const char *priority = wg__act_text(x, "priority");
	if (priority)
		snprintf(x->row->priority, sizeof x->row->priority, "%s", priority);
	const char *level = wg__act_text(x, "level");
	/* Assessment may raise the level, never lower it. */
	if (level && !wg__case_raise_level(x->row, level))
		wg_field_errors_add(x->fe, "level", "lower", "the level can only be raised from %s",
		                    x->row->level);
	return x->fe->n ? WG_EVALIDATION : 0;
}

static int effect_escalate(wg__case_act *x)
{
	const char *up = wg__case_level_up(x->row->level);
	char centre[16];
	if (!up || !wg__case_centre_at(x->row->region, up, centre)) {
		wg_field_errors_add(x->fe, "state", "top", "the case is already at county level");
		return WG_ECONFLICT;
	}
	snprintf(x->row->level, sizeof x->row->level, "%s", up);
	snprintf(x->row->centre, sizeof x->row->centre, "%s", centre);
	x->row->supervision[0] = '\0';
	x->row->escalations++;
	x->row->handle_deadline = 0;
	x->notify |= WG_FLOW_AUDIENCE_HANDLERS;
	int rc = wg__act_set_departments(x, NULL, NULL);
	return rc ? rc : wg__dispute_release_mediator(x);
}

static int effect_extend(wg__case_act *x, unsigned effect)
{
	wg__case_row *r = x->row;
	if (effect == WG_FLOW_EFFECT_EXTEND_REQUEST) {
		int64_t t = wg__act_time(x, "deadline");
		if (t <= r->handle_deadline) {
			wg_field_errors_add(x->fe, "deadline", "not_later",
			                    "the new deadline must be after the current one");
			return WG_EVALIDATION;
		}
		r->pending_deadline = t;
		return 0;
	}
	if (!r->pending_deadline) {
		wg_field_errors_add(x->fe, "state", "no_extension", "no extension has been asked for");
		return WG_ECONFLICT;
	}
	if (effect == WG_FLOW_EFFECT_EXTEND_APPROVE) {
		r->handle_deadline = r->pending_deadline;
		r->extensions++;
	}
	r->pending_deadline = 0;
	return 0;
}

static int effect_summon(wg__case_act *x)
{
	if (!town_caller(x->env->caller)) {
		wg_field_errors_add(x->fe, "departments", "role",
		                    "only a town centre summons county departments");
		return WG_EVALIDATION;
	}
	const json_t *deps = wg__act_value(x, "departments");
	int64_t hours = wg__act_int(x, "hours");
	int64_t due = wg_calendar_add_working_minutes(x->env->cal, x->env->now, hours * 60,
	                                              (int)wg__case_setting(x->env, "time.offset_minutes"));
	size_t i;
	json_t *d;
	int rc = 0;
	json_array_foreach((json_t *)deps, i, d)
		if (!rc)
			rc = reachable(x, "departments", json_string_value(d), true);
	if (rc || x->fe->n)
		return rc ? rc : WG_EVALIDATION;
	json_array_foreach((json_t *)deps, i, d) {
		if (!rc)
			rc = wg_db_execf(
				x->db,
				"INSERT INTO case_departments (case_id, department, role, due, created_at) "
				"VALUES (?, ?, 'summoned', ?, ?) ON CONFLICT (case_id, department, role) DO "
				"UPDATE SET due = excluded.due, reported_in_at = NULL, overdue_noted = 0",
				NULL, "itii", x->row->id, json_string_value(d), due, x->env->now);
	}
	return rc;
}

static int effect_merge(wg__case_act *x)
{
	int64_t master = wg__act_int(x, "master");
	wg__case_row m;
	int rc = master == x->row->id ? WG_ENOTFOUND : wg__case_load(x->db, x->env, master, &m);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(x->fe, "master", "not_found", "no other case %lld in your area",
		                    (long long)master);
		return WG_EVALIDATION;
	}
	if (rc)
		return rc;
	if (m.master || strcmp(m.kind, x->row->kind) != 0 ||
	    (m.flow->states[m.state].terminal && !m.closed_at)) {
		wg_field_errors_add(x->fe, "master", "invalid",
		                    "case %s cannot be a master: merged, rejected or of another kind",
		                    m.number);
		return WG_EVALIDATION;
	}
	x->row->master = master;
	return 0;
}

int wg__act_link_files(wg__case_act *x, const char *field)
{
	const json_t *files = wg__act_value(x, field);
	size_t i;
	json_t *p;
	int rc = 0;
	json_array_foreach((json_t *)files, i, p) {
		const char *sha = json_string_value(p);
		wg_attachment att;
		rc = wg_attachment_get(x->db, x->env->caller, sha, &att);
		if (rc == WG_ENOTFOUND) {
			wg_field_errors_add(x->fe, field, "not_found", "no uploaded file %s of yours", sha);
			return WG_EVALIDATION;
		}
		if (!rc)
			rc = wg_attachment_link_department(x->db, sha, "case", x->row->id, x->row->scope_key,
			                                   x->row->department[0] ? x->row->department : NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int apply_effect(wg__case_act *x, unsigned effect)
{
	wg__case_row *r = x->row;
	const wg_case_env *env = x->env;
	switch (effect) {
	case WG_FLOW_EFFECT_ACCEPT: r->accepted_at = env->now; return 0;
	case WG_FLOW_EFFECT_ASSESS: return effect_assess(x);
	case WG_FLOW_EFFECT_DISPATCH: return effect_dispatch(x);
	case WG_FLOW_EFFECT_RETURN:
		r->returns++;
		r->handle_deadline = 0;
		return wg__act_set_departments(x, NULL, NULL);
	case WG_FLOW_EFFECT_EXTEND_REQUEST:
	case WG_FLOW_EFFECT_EXTEND_APPROVE:
	case WG_FLOW_EFFECT_EXTEND_REFUSE: return effect_extend(x, effect);
	case WG_FLOW_EFFECT_FEEDBACK:
		r->feedback_at = env->now;
		r->handled_late = r->handle_deadline && env->now > r->handle_deadline;
		r->result = wg__act_text(x, "result");
		return 0;
	case WG_FLOW_EFFECT_REWORK:
		r->reworks++;
		r->handle_deadline = 0;
		return 0;
	case WG_FLOW_EFFECT_CLOSE: r->closed_at = env->now; return 0;
	case WG_FLOW_EFFECT_RATE: {
		int64_t s = wg__act_int(x, "satisfaction");
		r->satisfaction = s;
		x->cond = s <= 2 && r->reopens == 0;
		return 0;
	}
	case WG_FLOW_EFFECT_REOPEN:
		r->reopens++;
		r->closed_at = 0;
		r->satisfaction = 0;
		r->handle_deadline = 0;
		return 0;
	case WG_FLOW_EFFECT_ESCALATE: return effect_escalate(x);
	case WG_FLOW_EFFECT_SUPERVISE:
		snprintf(r->supervision, sizeof r->supervision, "%s", wg__act_text(x, "colour"));
		return 0;
	case WG_FLOW_EFFECT_SUMMON: return effect_summon(x);
	case WG_FLOW_EFFECT_REPORT_IN:
		return wg_db_execf(x->db,
		                   "UPDATE case_departments SET reported_in_at = ? WHERE case_id = ? AND "
		                   "department = ? AND role = 'summoned'",
		                   NULL, "iit", env->now, r->id, env->caller->department);
	case WG_FLOW_EFFECT_MERGE: return effect_merge(x);
	case WG_FLOW_EFFECT_RISK:
	case WG_FLOW_EFFECT_TRIAGE:
	case WG_FLOW_EFFECT_FAMILY:
	case WG_FLOW_EFFECT_MEDIATE:
	case WG_FLOW_EFFECT_SESSION:
	case WG_FLOW_EFFECT_MINUTES:
	case WG_FLOW_EFFECT_AGREE:
	case WG_FLOW_EFFECT_FAIL:
	case WG_FLOW_EFFECT_JUDICIAL_REQUEST:
	case WG_FLOW_EFFECT_JUDICIAL_RECORD:
	case WG_FLOW_EFFECT_PERFORM:
	case WG_FLOW_EFFECT_CALLBACK: return wg__dispute_effect(x, effect);
	}
	return WG_EINTERNAL;
}

/* ---- one action ------------------------------------------------------------------ */

/* The role the caller acts as: the first of theirs the action allows. */
static const char *acting_role(const wg_case_env *env, const wg_flow_action *a)
{
	const wg_caller *c = env->caller;
	if (c->user_id == 0)
		return c->username ? c->username : "system";
	unsigned both = c->roles & a->roles;
	const char *name = both ? wg_role_name(both & -both) : NULL;
	return name ? name : "system";
}

static int refuse(const wg_case_env *env, const wg__case_row *row, const wg_flow_action *a, int64_t expect,
                  wg_field_errors *fe)
{
	if (!(env->caller->roles & a->roles))
		return WG_EFORBIDDEN;
	if (!(a->from & (1u << row->state))) {
		wg_field_errors_add(fe, "state", "state", "%s (%s) is not possible while the case is %s",
		                    a->name, a->label, row->flow->states[row->state].label);
		return WG_ECONFLICT;
	}
	if (expect && expect != row->version) {
		wg_field_errors_add(fe, "version", "stale",
		                    "the case changed (version %lld, you sent %lld): reload it",
		                    (long long)row->version, (long long)expect);
		return WG_ECONFLICT;
	}
	return 0;
}

int wg__case_apply(wg_db *db, const wg_case_env *env, wg__case_row *row, const wg_flow_action *a,
                   const json_t *fields, int64_t expect_version, bool check, wg_field_errors *fe)
{
	int rc = 0;
	const wg__case_row stored = *row; /* what the statistics held of the case */
	if (check) {
		rc = refuse(env, row, a, expect_version, fe);
		if (rc)
			return rc;
		wg_case_department deps[WG_CASE_DEPARTMENTS_MAX];
		size_t n = 0;
		rc = wg__case_departments(db, env->arena, row->id, deps, WG_CASE_DEPARTMENTS_MAX, &n);
		if (rc)
			return rc;
		if (!place_ok(env, row, a->scope, deps, n))
			return WG_EFORBIDDEN;
	}
	wg__case_act x = {.db = db, .env = env, .row = row, .a = a, .fe = fe};
	rc = check_fields(env, a, fields, &x, fe);
	for (unsigned e = 0; !rc && e < WG_FLOW_EFFECT_COUNT; e++)
		if (a->effects & (1u << e))
			rc = apply_effect(&x, 1u << e);
	if (!rc && (a->effects & WG_FLOW_EFFECT_FEEDBACK || wg_flow_field_find(a, "photos")))
		rc = wg__act_link_files(&x, "photos");
	if (rc)
		return rc;
	/* The people in personal charge of a dispute hear of every step. */
	if (row->risk[0])
		x.notify |= WG_FLOW_AUDIENCE_IN_CHARGE;
	int from = row->state;
	int to = wg_flow_target(a, from, x.cond);
	bool moved = to >= 0 && to != from;
	if (to >= 0)
		row->state = to;
	if (moved && row->flow->states[to].terminal && !row->closed_at)
		row->closed_at = env->now;
	/* A state change restarts the clock; extensions and escalations move it. */
	if (moved || (a->effects & (WG_FLOW_EFFECT_EXTEND_APPROVE | WG_FLOW_EFFECT_ESCALATE)))
		rc = wg__case_clock_start(db, env, row);
	else if (a->effects & WG_FLOW_EFFECT_SUMMON)
		rc = wg__case_clock_schedule(db, env, row);
	if (!rc)
		rc = wg__case_save(db, env, row);
	if (!rc)
		rc = wg__stats_case_changed(db, env, &stored, row);
	char *text = NULL;
	if (!rc) {
		text = fields ? json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		rc = wg__case_event(db, env, row->id, acting_role(env, a), a->name,
		                    row->flow->states[from].name, row->flow->states[row->state].name, text,
		                    a->public, env->now);
		free(text);
	}
	if (!rc) {
		char kind[WG_FLOW_NAME_MAX + 8];
		snprintf(kind, sizeof kind, "case.%s", a->name);
		char more[64];
		snprintf(more, sizeof more, "{\"action\":\"%s\"}", a->name);
		rc = wg__case_notify(db, env, row, a->notify | x.notify, kind, more);
		if (!rc)
			rc = wg__case_audit(db, env, row, kind);
	}
	return rc;
}

int wg_case_act(wg_db *db, const wg_case_env *env, int64_t id, const char *action, const json_t *fields,
                int64_t expect_version, wg_field_errors *fe)
{
	wg__case_row row;
	int rc = wg__case_load(db, env, id, &row);
	if (rc)
		return rc;
	const wg_flow_action *a = wg_flow_action_find(row.flow, action);
	if (!a) {
		wg_field_errors_add(fe, "action", "unknown_action", "a %s has no action %s", row.kind,
		                    action);
		return WG_EVALIDATION;
	}
	return wg__case_apply(db, env, &row, a, fields, expect_version, true, fe);
}
