/* The case engine's reading side, reporting and the citizen portal; the
 * shared row functions of case_internal.h. Actions are case_action.c,
 * clocks case_clock.c. */
#include "domain/case_internal.h"

#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "domain/attachment.h"
#include "domain/audit.h"
#include "domain/dedupe.h"
#include "domain/department.h"
#include "domain/dispute.h"
#include "domain/grid.h"
#include "domain/notification.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/stats.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared row functions ------------------------------------------------ */

/* Column col into dst of cap bytes, cut to fit ("" for NULL); a row is
 * read on every request, so without printf. */
static void copy_text(char *dst, size_t cap, wg_stmt *st, int col)
{
	size_t n = 0;
	const char *s = wg_stmt_text(st, col, &n);
	if (!s || n >= cap)
		n = s ? cap - 1 : 0;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
}

#define ROW_COLUMNS                                                                                         \
	"c.id, c.version, c.kind, c.state, c.number, c.category, c.level, c.centre, c.source, c.priority, " \
	"c.grid, c.region, c.scope_key, c.department, c.supervision, c.clock, c.title, c.reporter_user, "   \
	"c.master, c.self_resolved, c.clock_started, c.deadline, c.clock_step, c.next_due, c.warned, "      \
	"c.overdue, c.handled_late, c.handle_deadline, c.pending_deadline, c.satisfaction, c.returns, "     \
	"c.extensions, c.reworks, c.reopens, c.escalations, c.accepted_at, c.dispatched_at, "               \
	"c.feedback_at, c.closed_at, c.risk, c.tier, c.mediator_user, c.ladder, dd.judicial, "              \
	"dd.family_level"

/* The row from ROW_COLUMNS at the start of st's columns; *next: the first
 * column after them. */
static int row_from(wg_stmt *st, wg__case_row *r, int *next)
{
	memset(r, 0, sizeof *r);
	int i = 0;
	r->id = wg_stmt_int(st, i++);
	r->version = wg_stmt_int(st, i++);
	copy_text(r->kind, sizeof r->kind, st, i++);
	r->flow = wg_flow_get(r->kind);
	r->state = r->flow ? wg_flow_state_index(r->flow, wg_stmt_text(st, i, NULL)) : -1;
	i++;
	copy_text(r->number, sizeof r->number, st, i++);
	copy_text(r->category, sizeof r->category, st, i++);
	copy_text(r->level, sizeof r->level, st, i++);
	copy_text(r->centre, sizeof r->centre, st, i++);
	copy_text(r->source, sizeof r->source, st, i++);
	copy_text(r->priority, sizeof r->priority, st, i++);
	copy_text(r->grid, sizeof r->grid, st, i++);
	copy_text(r->region, sizeof r->region, st, i++);
	copy_text(r->scope_key, sizeof r->scope_key, st, i++);
	copy_text(r->department, sizeof r->department, st, i++);
	copy_text(r->supervision, sizeof r->supervision, st, i++);
	copy_text(r->clock, sizeof r->clock, st, i++);
	copy_text(r->title, sizeof r->title, st, i++);
	r->reporter_user = wg_stmt_int(st, i++);
	r->master = wg_stmt_int(st, i++);
	r->self_resolved = wg_stmt_int(st, i++) != 0;
	r->clock_started = wg_stmt_int(st, i++);
	r->deadline = wg_stmt_int(st, i++);
	r->clock_step = wg_stmt_int(st, i++);
	r->next_due = wg_stmt_int(st, i++);
	r->warned = wg_stmt_int(st, i++) != 0;
	r->overdue = wg_stmt_int(st, i++) != 0;
	r->handled_late = wg_stmt_int(st, i++) != 0;
	r->handle_deadline = wg_stmt_int(st, i++);
	r->pending_deadline = wg_stmt_int(st, i++);
	r->satisfaction = wg_stmt_int(st, i++);
	r->returns = wg_stmt_int(st, i++);
	r->extensions = wg_stmt_int(st, i++);
	r->reworks = wg_stmt_int(st, i++);
	r->reopens = wg_stmt_int(st, i++);
	r->escalations = wg_stmt_int(st, i++);
	r->accepted_at = wg_stmt_int(st, i++);
	r->dispatched_at = wg_stmt_int(st, i++);
	r->feedback_at = wg_stmt_int(st, i++);
	r->closed_at = wg_stmt_int(st, i++);
	copy_text(r->risk, sizeof r->risk, st, i++);
	copy_text(r->tier, sizeof r->tier, st, i++);
	r->mediator_user = wg_stmt_int(st, i++);
	r->ladder = wg_stmt_int(st, i++);
	copy_text(r->judicial, sizeof r->judicial, st, i++);
	copy_text(r->family_level, sizeof r->family_level, st, i++);
	*next = i;
	return r->state < 0 ? WG_ESTORE : 0;
}

int wg__case_load(wg_db *db, const wg_case_env *env, int64_t id, wg__case_row *row)
{
	wg_scope scope;
	wg_scope_of_matters(env->caller, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " ROW_COLUMNS
	                              " FROM cases c LEFT JOIN disputes dd ON dd.case_id = c.id WHERE c.id = "
	                              "? AND " WG_CASE_VISIBLE_SQL("c"),
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (!rc && (rc = wg_scope_bind_dept(&scope, st, 2)) > 0)
		rc = 0;
	if (!rc)
		rc = wg_stmt_step(st);
	int next;
	if (rc == WG_DB_ROW)
		rc = row_from(st, row, &next);
	else if (rc == WG_DB_DONE)
		rc = WG_ENOTFOUND;
	wg_stmt_finalize(st);
	return rc;
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

int wg__case_save(wg_db *db, const wg_case_env *env, wg__case_row *r)
{
	int64_t changes = 0;
	int rc = wg_db_execf(
		db,
		"UPDATE cases SET state = ?, category = ?, level = ?, centre = ?, priority = ?, "
		"department = ?, supervision = ?, clock = ?, clock_started = ?, deadline = ?, "
		"clock_step = ?, next_due = ?, warned = ?, overdue = ?, handled_late = ?, "
		"handle_deadline = ?, pending_deadline = ?, satisfaction = ?, "
		"result = COALESCE(?, result), master = ?, returns = ?, extensions = ?, reworks = ?, "
		"reopens = ?, escalations = ?, accepted_at = ?, dispatched_at = ?, feedback_at = ?, "
		"closed_at = ?, risk = ?, tier = ?, mediator_user = ?, ladder = ?, updated_at = ?, "
		"version = version + 1 WHERE id = ? AND version = ?",
		&changes, "ttttttttzzizbbbzzztziiiiizzzzttziiii", r->flow->states[r->state].name, r->category,
		r->level, r->centre, r->priority, or_null(r->department), or_null(r->supervision),
		or_null(r->clock), r->clock_started, r->deadline, r->clock_step, r->next_due, r->warned,
		r->overdue, r->handled_late, r->handle_deadline, r->pending_deadline, r->satisfaction,
		r->result, r->master, r->returns, r->extensions, r->reworks, r->reopens, r->escalations,
		r->accepted_at, r->dispatched_at, r->feedback_at, r->closed_at, or_null(r->risk),
		or_null(r->tier), r->mediator_user, r->ladder, env->now, r->id, r->version);
	if (rc)
		return rc;
	if (changes != 1)
		return WG_ECONFLICT;
	r->version++;
	return 0;
}

int wg__case_event(wg_db *db, const wg_case_env *env, int64_t case_id, const char *role, const char *action,
                   const char *from, const char *to, const char *fields, bool public, int64_t at)
{
	const wg_caller *c = env->caller;
	int64_t actor = c && c->user_id > 0 ? c->user_id : 0;
	return wg_db_execf(db,
	                   "INSERT INTO case_events (case_id, actor, actor_name, role, action, from_state, "
	                   "to_state, fields, public, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                   NULL, "izttttttbi", case_id, actor, actor ? c->username : NULL, role, action, from,
	                   to, fields ? fields : "{}", public, at);
}

bool wg__case_centre_at(const char *region, const char *level, char *out)
{
	static const struct {
		const char *level;
		size_t keep;
	} levels[] = {{"village", 12}, {"grid", 12}, {"town", 9}, {"county", 6}};
	enum wg_region_level own;
	if (!wg_region_code_level(region, &own))
		return false;
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		if (strcmp(levels[i].level, level) != 0)
			continue;
		size_t have = wg_region_prefix_len(own);
		if (have < levels[i].keep && levels[i].keep != 12)
			return false;
		if (levels[i].keep == 12 && own != WG_REGION_VILLAGE)
			return false;
		memcpy(out, region, levels[i].keep);
		memset(out + levels[i].keep, '0', 12 - levels[i].keep);
		out[12] = '\0';
		return true;
	}
	return false;
}

bool wg__case_raise_level(wg__case_row *row, const char *level)
{
	if (strcmp(level, row->level) == 0)
		return true;
	bool above = false;
	for (const char *l = wg__case_level_up(row->level); l; l = wg__case_level_up(l))
		above = above || strcmp(l, level) == 0;
	char centre[16];
	if (!above || !wg__case_centre_at(row->region, level, centre))
		return false;
	snprintf(row->level, sizeof row->level, "%s", level);
	snprintf(row->centre, sizeof row->centre, "%s", centre);
	return true;
}

const char *wg__case_level_up(const char *level)
{
	static const char *const order[] = {"grid", "village", "town", "county"};
	for (size_t i = 0; i + 1 < sizeof order / sizeof order[0]; i++)
		if (strcmp(order[i], level) == 0)
			return order[i + 1];
	return NULL;
}

int64_t wg__case_setting(const wg_case_env *env, const char *name)
{
	char buf[32];
	if (!env->cfg || wg_config_get(env->cfg, name, buf, sizeof buf) != 0)
		return 0;
	return strtoll(buf, NULL, 10);
}

/* The payload every notification of a case carries, plus more. */
static char *notice_payload(const wg_case_env *env, const wg__case_row *row, const char *more)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "case_id", (json_int_t)row->id, "number",
	                      row->number, "title", row->title, "state", row->flow->states[row->state].name,
	                      "state_label", row->flow->states[row->state].label);
	if (!o)
		return NULL;
	if (more && *more) {
		json_t *m = json_loads(more, 0, NULL);
		if (m)
			json_object_update(o, m);
		json_decref(m);
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	char *copy = s ? wg_arena_strdup(env->arena, s) : NULL;
	free(s);
	return copy;
}

static int notify_one(wg_db *db, const wg_case_env *env, const wg__case_row *row, const char *kind,
                      const char *target_kind, const char *target, unsigned roles, const char *payload)
{
	if (!target || !*target)
		return 0;
	return wg_notify(db, kind, row->id, target_kind, target, roles, payload, env->now);
}

static int notify_user(wg_db *db, const wg_case_env *env, const wg__case_row *row, const char *kind,
                       int64_t user, const char *payload)
{
	if (user <= 0)
		return 0;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)user);
	return notify_one(db, env, row, kind, "user", id, WG_ROLES_ALL, payload);
}

struct user_notice {
	wg_db *db;
	const wg_case_env *env;
	const wg__case_row *row;
	const char *kind, *payload;
};

static int notify_in_charge(void *ctx, int64_t user)
{
	struct user_notice *n = ctx;
	return notify_user(n->db, n->env, n->row, n->kind, user, n->payload);
}

static int notify_departments(wg_db *db, const wg_case_env *env, const wg__case_row *row, const char *kind,
                              const char *payload, bool owner, bool co, bool summoned)
{
	wg_case_department deps[WG_CASE_DEPARTMENTS_MAX];
	size_t n = 0;
	int rc = wg__case_departments(db, env->arena, row->id, deps, WG_CASE_DEPARTMENTS_MAX, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		bool want = (owner && strcmp(deps[i].role, "owner") == 0) ||
		            (co && strcmp(deps[i].role, "co") == 0) ||
		            (summoned && strcmp(deps[i].role, "summoned") == 0 && !deps[i].reported_in_at);
		if (want)
			rc = notify_one(db, env, row, kind, "department", deps[i].code, WG_ROLES_DEPARTMENT,
			                payload);
	}
	return rc;
}

int wg__case_notify(wg_db *db, const wg_case_env *env, const wg__case_row *row, unsigned audiences,
                    const char *kind, const char *more)
{
	if (!audiences)
		return 0;
	const char *payload = notice_payload(env, row, more);
	if (!payload)
		return WG_ENOMEM;
	const unsigned centre_roles = WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER;
	int rc = 0;
	if (audiences & WG_FLOW_AUDIENCE_CENTRE)
		rc = notify_one(db, env, row, kind, "scope", row->centre, centre_roles, payload);
	if (!rc && (audiences & WG_FLOW_AUDIENCE_ABOVE)) {
		char above[WG_REGION_CODE_LEN + 1];
		if (wg_region_parent_code(row->centre, above))
			rc = notify_one(db, env, row, kind, "scope", above, centre_roles, payload);
	}
	if (!rc && (audiences & WG_FLOW_AUDIENCE_GRID))
		rc = notify_one(db, env, row, kind, "scope", row->grid,
		                WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD, payload);
	if (!rc && (audiences & WG_FLOW_AUDIENCE_REPORTER))
		rc = notify_user(db, env, row, kind, row->reporter_user, payload);
	if (!rc && (audiences & WG_FLOW_AUDIENCE_MEDIATOR))
		rc = notify_user(db, env, row, kind, row->mediator_user, payload);
	if (!rc && (audiences & WG_FLOW_AUDIENCE_IN_CHARGE)) {
		struct user_notice n = {db, env, row, kind, payload};
		rc = wg__case_people_users(db, row->id, notify_in_charge, &n);
	}
	bool owner = audiences & (WG_FLOW_AUDIENCE_DEPARTMENT | WG_FLOW_AUDIENCE_HANDLERS);
	bool co = audiences & WG_FLOW_AUDIENCE_HANDLERS;
	bool summoned = audiences & WG_FLOW_AUDIENCE_SUMMONED;
	if (!rc && (owner || co || summoned))
		rc = notify_departments(db, env, row, kind, payload, owner, co, summoned);
	return rc;
}

int wg__case_audit(wg_db *db, const wg_case_env *env, const wg__case_row *row, const char *action)
{
	char id[24], detail[96];
	snprintf(id, sizeof id, "%lld", (long long)row->id);
	snprintf(detail, sizeof detail, "{\"number\":\"%s\",\"state\":\"%s\"}", row->number,
	         row->flow->states[row->state].name);
	bool system = !env->caller || (env->caller->user_id == 0);
	wg_audit_entry e = {
		.actor = system ? NULL : env->caller,
		.actor_name =
			system ? (env->caller && env->caller->username ? env->caller->username : "system")
			       : NULL,
		.action = action,
		.object_type = "case",
		.object_id = id,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, env->audit_alg, &e);
}

int wg__case_departments(wg_db *db, wg_arena *arena, int64_t id, wg_case_department *deps, size_t max,
                         size_t *n)
{
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT d.department, (SELECT p.name FROM departments p WHERE "
		"p.code = d.department), d.role, d.due, d.reported_in_at "
		"FROM case_departments d WHERE d.case_id = ? AND d.released_at IS NULL ORDER BY CASE d.role "
		"WHEN 'owner' THEN 0 "
		"WHEN 'co' THEN 1 ELSE 2 END, d.created_at, d.department",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (*n == max)
			continue;
		wg_case_department *d = &deps[(*n)++];
		d->code = wg_arena_strdup(arena, wg_stmt_text(st, 0, NULL));
		d->name = wg_arena_strdup(arena, wg_stmt_text(st, 1, NULL));
		d->role = wg_arena_strdup(arena, wg_stmt_text(st, 2, NULL));
		d->due = wg_stmt_int(st, 3);
		d->reported_in_at = wg_stmt_int(st, 4);
		rc = d->code && d->name && d->role ? 0 : WG_ENOMEM;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- reporting ------------------------------------------------------------ */

bool wg__case_text(wg_field_errors *fe, const char *field, const char *s, size_t min, size_t max, bool lines)
{
	size_t n = strlen(s);
	if (!wg_utf8_valid(s, n)) {
		wg_field_errors_add(fe, field, "encoding", "%s is not valid UTF-8", field);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(lines && (*p == '\n' || *p == '\t' || *p == '\r'))) || *p == 0x7f) {
			wg_field_errors_add(fe, field, "control", "%s holds a control character", field);
			return false;
		}
	size_t chars = wg_utf8_count(s, n);
	if (chars < min || chars > max) {
		wg_field_errors_add(fe, field, chars > max ? "too_long" : "too_short",
		                    "%s must be %zu to %zu characters", field, min, max);
		return false;
	}
	return true;
}

/* An optional or required text of the report. */
static bool text_ok(wg_field_errors *fe, const char *field, const char *s, size_t max, bool required,
                    bool lines)
{
	if (s && *s)
		return wg__case_text(fe, field, s, 1, max, lines);
	if (required)
		wg_field_errors_add(fe, field, "required", "%s is required", field);
	return !required;
}

static bool one_of(const char *s, const char *const *values)
{
	for (size_t i = 0; values[i]; i++)
		if (strcmp(s, values[i]) == 0)
			return true;
	return false;
}

static const char *default_source(const wg_caller *c, bool citizen)
{
	if (citizen)
		return "citizen";
	if (c->roles & (WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD))
		return "grid";
	if (c->roles & WG_ROLES_DEPARTMENT)
		return "department";
	return "window";
}

/* The category must be a minor of the flow's kind; a petition may be
 * about any matter, an event's or a dispute's. */
static int check_category(wg_db *db, wg_field_errors *fe, const char *field, const char *code,
                          const char *kind)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT kind FROM categories WHERE code = ? AND parent IS NOT NULL",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_DONE)
		wg_field_errors_add(fe, field, "not_found", "no minor category %s (GET /api/v1/categories)",
		                    code);
	else if (rc == WG_DB_ROW && strcmp(wg_stmt_text(st, 0, NULL), kind) != 0 &&
	         strcmp(kind, "petition") != 0)
		wg_field_errors_add(fe, field, "kind", "category %s is not of kind %s", code, kind);
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW || rc == WG_DB_DONE ? 0 : rc;
}

static int next_number(wg_db *db, const wg_case_env *env, const wg_flow *f, char *out)
{
	int ymd = wg_ident_ymd(env->now, (int)wg__case_setting(env, "time.offset_minutes"));
	char day[16];
	snprintf(day, sizeof day, "%.4s%08d", f->number_prefix, ymd % 100000000);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "INSERT INTO case_numbers (day, last) VALUES (?, 1) ON CONFLICT (day) "
	                              "DO UPDATE SET last = case_numbers.last + 1 RETURNING last",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", day);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		snprintf(out, WG_CASE_NUMBER_MAX + 1, "%s-%06d", day, (int)(wg_stmt_int(st, 0) % 1000000));
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

static const char tracking_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
#define TRACKING_CHARS 10

/* Ten characters of Crockford's base32 (no I, L, O, U): 50 random bits. */
static void tracking_code(char *out)
{
	for (int i = 0; i < TRACKING_CHARS; i++)
		out[i] = tracking_alphabet[randombytes_uniform(32)];
	out[TRACKING_CHARS] = '\0';
}

bool wg_case_tracking_code_ok(const char *s)
{
	return strlen(s) == TRACKING_CHARS && strspn(s, tracking_alphabet) == TRACKING_CHARS;
}

/* Reporter contact: a phone is sealed, and kept masked for display. */
struct contact {
	char *sealed;
	char masked[24];
};

static int seal_phone(const wg_case_env *env, const char *phone, struct contact *c, wg_field_errors *fe)
{
	memset(c, 0, sizeof *c);
	if (!phone || !*phone)
		return 0;
	char norm[24];
	const char *code, *why;
	if (wg_ident_phone(phone, norm, &code, &why) != 0) {
		wg_field_errors_add(fe, "reporter_phone", code, "%s", why);
		return WG_EVALIDATION;
	}
	wg_ident_mask_phone(norm, c->masked);
	return env->key ? wg_secret_seal(env->key, norm, strlen(norm), &c->sealed) : WG_EINTERNAL;
}

/* Photos must be files the reporter may read (uploaded by them). */
static int check_photos(wg_db *db, const wg_case_env *env, const wg_case_report *r, wg_field_errors *fe)
{
	for (size_t i = 0; i < r->nphotos; i++) {
		wg_attachment a;
		int rc = wg_attachment_get(db, env->caller, r->photos[i], &a);
		if (rc == WG_ENOTFOUND) {
			char field[32];
			snprintf(field, sizeof field, "photos[%zu]", i);
			wg_field_errors_add(fe, field, "not_found", "no uploaded file %s of yours",
			                    r->photos[i]);
		} else if (rc) {
			return rc;
		}
	}
	return 0;
}

static int link_photos(wg_db *db, const wg__case_row *row, const char *const *photos, size_t n)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = wg_attachment_link(db, photos[i], "case", row->id, row->scope_key);
	return rc;
}

static void check_report(const wg_case_env *env, const wg_case_report *r, const wg_flow *f,
                         const char *source, wg_field_errors *fe)
{
	static const char *const sources[] = {"grid",       "citizen", "hotline", "window",
	                                      "department", "camera",  NULL};
	static const char *const priorities[] = {"normal", "urgent", NULL};
	text_ok(fe, "title", r->title, WG_CASE_TITLE_MAX, false, false);
	text_ok(fe, "description", r->description, WG_CASE_DESCRIPTION_MAX, true, true);
	text_ok(fe, "address", r->address, WG_CASE_ADDRESS_MAX, false, false);
	text_ok(fe, "reporter_name", r->reporter_name, WG_CASE_NAME_MAX, false, false);
	if (!r->category)
		wg_field_errors_add(fe, "category", "required", "category is required");
	if (!one_of(source, sources))
		wg_field_errors_add(fe, "source", "unknown",
		                    "source is one of grid, citizen, hotline, window, "
		                    "department, camera");
	else if (r->citizen != (strcmp(source, "citizen") == 0))
		wg_field_errors_add(fe, "source", "forbidden",
		                    "only the citizen portal reports with source citizen");
	if (r->priority && !one_of(r->priority, priorities))
		wg_field_errors_add(fe, "priority", "unknown", "priority is normal or urgent");
	if (r->self_resolved) {
		if (f->self_resolved < 0)
			wg_field_errors_add(fe, "self_resolved", "unsupported",
			                    "a %s cannot be self-resolved", f->kind);
		else if (!(env->caller->roles & (WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD)))
			wg_field_errors_add(fe, "self_resolved", "role",
			                    "only grid staff self-resolve a matter");
		else if (r->nphotos == 0)
			wg_field_errors_add(fe, "photos", "required", "a self-resolved matter needs photos");
	}
}

/* The state a new report starts in: self-resolved ones are closed, and a
 * sample of them goes to verification on site. */
static int initial_state(const wg_case_env *env, const wg_flow *f, const wg_case_report *r)
{
	if (!r->self_resolved)
		return f->initial;
	int64_t pct = wg__case_setting(env, "cases.sample_percent");
	if (f->self_resolved_sampled >= 0 && (int64_t)randombytes_uniform(100) < pct)
		return f->self_resolved_sampled;
	return f->self_resolved;
}

/* Centre and level of a new report from where it lies. */
static void place_level(const wg_place *p, bool self_resolved, wg__case_row *row)
{
	enum wg_region_level lv = WG_REGION_VILLAGE;
	wg_region_code_level(p->region, &lv);
	const char *level = lv == WG_REGION_VILLAGE ? "village" : lv == WG_REGION_TOWN ? "town" : "county";
	if (self_resolved && lv == WG_REGION_VILLAGE)
		level = "grid";
	snprintf(row->level, sizeof row->level, "%s", level);
	if (!wg__case_centre_at(p->region, lv == WG_REGION_VILLAGE ? "village" : level, row->centre))
		snprintf(row->centre, sizeof row->centre, "%s", p->region);
}

static int insert_case(wg_db *db, const wg_case_env *env, const wg_case_report *r, const wg__case_row *row,
                       const wg_place *p, const char *title, const struct contact *c, const char *tracking,
                       int64_t *id)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"INSERT INTO cases (number, kind, category, title, description, state, level, centre, "
		"source, priority, self_resolved, lat, lng, address, grid, region, scope_key, "
		"reporter_user, reporter_name, reporter_phone, reporter_phone_masked, tracking_code, "
		"reported_at, closed_at, updated_at, clock, clock_started, deadline, next_due, "
		"handle_deadline, tier) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?, ?) RETURNING id",
		&st);
	if (rc)
		return rc;
	const wg_flow_state *s = &row->flow->states[row->state];
	rc = wg_stmt_bindf(st, "tttttttttt", row->number, row->kind, row->category, title, r->description,
	                   s->name, row->level, row->centre, row->source, row->priority);
	if (!rc)
		rc = wg_stmt_bind_int(st, 11, r->self_resolved);
	if (!rc)
		rc = r->has_location ? wg_stmt_bind_double(st, 12, r->lat) : wg_stmt_bind_null(st, 12);
	if (!rc)
		rc = r->has_location ? wg_stmt_bind_double(st, 13, r->lng) : wg_stmt_bind_null(st, 13);
	const char *rest[] = {or_null(r->address), or_null(p->grid), p->region, p->scope_key};
	for (int i = 0; !rc && i < 4; i++)
		rc = wg_stmt_bind_text(st, 14 + i, rest[i], rest[i] ? strlen(rest[i]) : 0);
	if (!rc)
		rc = row->reporter_user ? wg_stmt_bind_int(st, 18, row->reporter_user)
		                        : wg_stmt_bind_null(st, 18);
	const char *who[] = {or_null(r->reporter_name), c->sealed, or_null(c->masked), or_null(tracking)};
	for (int i = 0; !rc && i < 4; i++)
		rc = wg_stmt_bind_text(st, 19 + i, who[i], who[i] ? strlen(who[i]) : 0);
	if (!rc)
		rc = wg_stmt_bind_int(st, 23, env->now);
	if (!rc)
		rc = s->terminal ? wg_stmt_bind_int(st, 24, env->now) : wg_stmt_bind_null(st, 24);
	if (!rc)
		rc = wg_stmt_bind_int(st, 25, env->now);
	/* The clock started before the insert: the row is written once. */
	if (!rc)
		rc = row->clock[0] ? wg_stmt_bind_text(st, 26, row->clock, strlen(row->clock))
		                   : wg_stmt_bind_null(st, 26);
	const int64_t times[] = {row->clock_started, row->deadline, row->next_due, row->handle_deadline};
	for (int i = 0; !rc && i < 4; i++)
		rc = times[i] ? wg_stmt_bind_int(st, 27 + i, times[i]) : wg_stmt_bind_null(st, 27 + i);
	if (!rc)
		rc = row->tier[0] ? wg_stmt_bind_text(st, 31, row->tier, strlen(row->tier))
		                  : wg_stmt_bind_null(st, 31);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		*id = wg_stmt_int(st, 0);
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

enum { DUPLICATES_MAX = 8 };

/* The duplicate search for report r placed at p (case_id 0 before it exists). */
static wg_dedupe_query dedupe_query_of(const wg_case_env *env, const wg_case_report *r, const wg_place *p,
                                       const char *title, int64_t case_id)
{
	return (wg_dedupe_query){
		.case_id = case_id,
		.category = r->category,
		.title = title,
		.description = r->description,
		.has_location = r->has_location,
		.lat = r->lat,
		.lng = r->lng,
		.grid = or_null(p->grid),
		.region = p->region,
		.reported_at = env->now,
		.radius_m = wg__case_setting(env, "cases.dedupe_radius_m"),
		.window_ms = wg__case_setting(env, "cases.dedupe_days") * 86400000LL,
	};
}

/* Possible duplicates of the new case, kept with their scores. */
static int find_duplicates(wg_db *db, const wg_case_env *env, const wg_case_report *r,
                           const wg__case_row *row, const wg_place *p, const char *title)
{
	int rc = wg_dedupe_index(db, row->id, title, r->description);
	if (rc)
		return rc;
	wg_dedupe_query q = dedupe_query_of(env, r, p, title, row->id);
	wg_dedupe_hit hits[DUPLICATES_MAX];
	size_t n = 0;
	rc = wg_dedupe_find(db, &q, hits, DUPLICATES_MAX, &n);
	return rc ? rc : wg_dedupe_store(db, row->id, hits, n);
}

/* The title when none is given: the description's first line, cut to the
 * title's length on a character boundary. */
static const char *title_of(const wg_case_env *env, const wg_case_report *r)
{
	if (r->title && *r->title)
		return r->title;
	const char *s = r->description;
	size_t n = 0, chars = 0;
	while (s[n] && s[n] != '\n' && chars < WG_CASE_TITLE_MAX) {
		size_t k = wg_utf8_sequence((const unsigned char *)s + n, strlen(s + n));
		n += k ? k : 1;
		chars++;
	}
	return wg_arena_strndup(env->arena, s, n);
}

static int report_event(wg_db *db, const wg_case_env *env, const wg_case_report *r, const wg__case_row *row)
{
	json_t *f = json_pack("{s:s, s:s, s:b}", "source", row->source, "category", row->category,
	                      "self_resolved", r->self_resolved);
	json_t *photos = json_array();
	for (size_t i = 0; f && photos && i < r->nphotos; i++)
		json_array_append_new(photos, json_string(r->photos[i]));
	if (f && photos && r->nphotos)
		json_object_set(f, "photos", photos);
	json_decref(photos);
	char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
	json_decref(f);
	if (!text)
		return WG_ENOMEM;
	const char *role = r->citizen ? "citizen" : wg_role_name(env->caller->roles & -env->caller->roles);
	int rc = wg__case_event(db, env, row->id, role ? role : "system", "report", NULL,
	                        row->flow->states[row->state].name, text, true, env->now);
	free(text);
	return rc;
}

/* The flow of r's kind (event when none), or NULL with a field error. */
static const wg_flow *report_flow(const wg_case_report *r, wg_field_errors *fe)
{
	const wg_flow *f = wg_flow_get(r->kind ? r->kind : "event");
	if (!f)
		wg_field_errors_add(fe, "kind", "unknown", "kind is event, dispute or petition");
	return f;
}

/* Where r lies (wg_grid_place, within the caller's scope), once the checks
 * before gave checked: a store error is returned as it is; any field error
 * so far makes WG_EVALIDATION; else 0 with *p. */
static int place_report(wg_db *db, const wg_case_env *env, const wg_case_report *r, int checked, wg_place *p,
                        wg_field_errors *fe)
{
	int rc = checked;
	if (!rc) {
		wg_scope scope;
		wg_scope_of(env->caller, &scope);
		double lnglat[2] = {r->lng, r->lat};
		rc = wg_grid_place(db, &scope, r->grid, r->has_location ? lnglat : NULL, r->region, p, fe);
	}
	if (rc && rc != WG_EVALIDATION)
		return rc;
	return rc || fe->n ? WG_EVALIDATION : 0;
}

int wg_case_create(wg_db *db, const wg_case_env *env, const wg_case_report *r, int64_t *id, char *tracking,
                   wg_field_errors *fe)
{
	const wg_flow *f = report_flow(r, fe);
	if (!f)
		return WG_EVALIDATION;
	const char *kind = f->kind;
	if (!r->citizen && !(env->caller->roles & f->report_roles))
		return WG_EFORBIDDEN;
	const char *source = r->source ? r->source : default_source(env->caller, r->citizen);
	check_report(env, r, f, source, fe);
	int rc = r->category ? check_category(db, fe, "category", r->category, kind) : 0;
	if (!rc)
		rc = check_photos(db, env, r, fe);
	wg__kind_report *kind_part = NULL;
	if (!rc)
		rc = wg__kind_report_check(db, env, kind, r->body, &kind_part, fe);
	wg_place p;
	if ((rc = place_report(db, env, r, rc, &p, fe)) != 0)
		return rc;

	wg__case_row row = {.flow = f, .state = initial_state(env, f, r)};
	snprintf(row.kind, sizeof row.kind, "%s", kind);
	snprintf(row.category, sizeof row.category, "%s", r->category);
	snprintf(row.source, sizeof row.source, "%s", source);
	snprintf(row.priority, sizeof row.priority, "%s", r->priority ? r->priority : "normal");
	snprintf(row.grid, sizeof row.grid, "%s", p.grid);
	snprintf(row.region, sizeof row.region, "%s", p.region);
	snprintf(row.scope_key, sizeof row.scope_key, "%s", p.scope_key);
	row.self_resolved = r->self_resolved;
	row.reporter_user = r->citizen ? 0 : env->caller->user_id;
	place_level(&p, r->self_resolved, &row);
	/* A dispute's triage starts where it was reported (四级分诊). */
	if (strcmp(kind, "dispute") == 0)
		snprintf(row.tier, sizeof row.tier, "%s", row.level);
	const char *title = title_of(env, r);
	snprintf(row.title, sizeof row.title, "%s", title ? title : "");

	struct contact contact = {0};
	char code[WG_CASE_TRACKING_LEN + 1] = "";
	if (r->citizen)
		tracking_code(code);
	row.version = 1;
	if (row.flow->states[row.state].terminal)
		row.closed_at = env->now;
	rc = title ? seal_phone(env, r->reporter_phone, &contact, fe) : WG_ENOMEM;
	/* The clock is started on the row before it exists (id 0: no summons
	 * to wait for), so that one INSERT writes it whole. */
	if (!rc)
		rc = wg__case_clock_start(db, env, &row);
	if (!rc)
		rc = next_number(db, env, f, row.number);
	if (!rc)
		rc = insert_case(db, env, r, &row, &p, title, &contact, r->citizen ? code : NULL, &row.id);
	wg_free(contact.sealed);
	if (!rc)
		rc = wg__kind_report_store(db, env, &row, kind_part);
	if (!rc)
		rc = wg__stats_case_changed(db, env, NULL, &row);
	if (!rc)
		rc = link_photos(db, &row, r->photos, r->nphotos);
	if (!rc && !r->self_resolved)
		rc = find_duplicates(db, env, r, &row, &p, title);
	if (!rc)
		rc = report_event(db, env, r, &row);
	if (!rc && !row.flow->states[row.state].terminal)
		rc = wg__case_notify(db, env, &row, WG_FLOW_AUDIENCE_CENTRE | WG_FLOW_AUDIENCE_GRID,
		                     "case.reported", NULL);
	if (!rc)
		rc = wg__case_audit(db, env, &row, "case.create");
	if (!rc) {
		*id = row.id;
		if (tracking)
			snprintf(tracking, WG_CASE_TRACKING_LEN + 1, "%s", code);
	}
	return rc;
}

int wg_case_candidates(wg_db *db, const wg_case_env *env, const wg_case_report *r, wg_dedupe_fn fn, void *ctx,
                       wg_field_errors *fe)
{
	const wg_flow *f = report_flow(r, fe);
	if (!f)
		return WG_EVALIDATION;
	text_ok(fe, "title", r->title, WG_CASE_TITLE_MAX, false, false);
	text_ok(fe, "description", r->description, WG_CASE_DESCRIPTION_MAX, false, true);
	if (!r->category)
		wg_field_errors_add(fe, "category", "required", "category is required");
	int rc = r->category ? check_category(db, fe, "category", r->category, f->kind) : 0;
	wg_place p;
	if ((rc = place_report(db, env, r, rc, &p, fe)) != 0)
		return rc;
	wg_dedupe_query q = dedupe_query_of(env, r, &p, r->title ? r->title : "", 0);
	wg_dedupe_hit hits[DUPLICATES_MAX];
	size_t n = 0;
	rc = wg_dedupe_find(db, &q, hits, DUPLICATES_MAX, &n);
	wg_scope scope;
	wg_scope_of_matters(env->caller, &scope);
	return rc ? rc : wg_dedupe_each(db, hits, n, &scope, fn, ctx);
}

/* ---- reading ---------------------------------------------------------------- */

/* A case as read: the engine's row (ROW_COLUMNS, what the actions are
 * worked out from) and then what only readers need (case_from). The names
 * of the category, the grid, the region and the department are looked up
 * per row: joined, PostgreSQL's plan read the tables whole into a hash for
 * every case by id, 40 % more work per query. */
#define CASE_COLUMNS                                                                                 \
	ROW_COLUMNS ", (SELECT k.name FROM categories k WHERE k.code = c.category), c.description, " \
		    "c.lat, c.lng, c.address, (SELECT g.name FROM grids g WHERE g.code = c.grid), "  \
		    "(SELECT r.name FROM regions r WHERE r.code = c.region), (SELECT p.name FROM "   \
		    "departments p WHERE p.code = c.department), c.reporter_name, "                  \
		    "c.reporter_phone_masked, c.tracking_code, c.result, c.reported_at, c.updated_at"
#define CASE_FROM " FROM cases c LEFT JOIN disputes dd ON dd.case_id = c.id"

static const char *col_text(wg_stmt *st, int col)
{
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
}

/* A reporter's name shows only its first character: 张** */
static const char *mask_name(wg_arena *a, const char *name)
{
	if (!name || !*name)
		return NULL;
	size_t k = wg_utf8_sequence((const unsigned char *)name, strlen(name));
	char *out = wg_arena_printf(a, "%.*s**", (int)(k ? k : 1), name);
	return out;
}

/* c from a statement on CASE_COLUMNS: the row into *row (which c then
 * points into, so it must outlive c), the rest from the columns after it. */
static void case_from(const wg_case_env *env, wg_stmt *st, wg__case_row *row, wg_case *c)
{
	memset(c, 0, sizeof *c);
	int i;
	(void)row_from(st, row, &i); /* a state the flow does not know reads without a label */
	c->id = row->id;
	c->number = row->number;
	c->kind = row->kind;
	c->category = row->category;
	c->category_name = col_text(st, i++);
	c->title = row->title;
	c->description = col_text(st, i++);
	c->state = row->state >= 0 ? row->flow->states[row->state].name : NULL;
	c->level = row->level;
	c->centre = row->centre;
	c->source = row->source;
	c->priority = row->priority;
	c->self_resolved = row->self_resolved;
	c->has_location = !wg_stmt_is_null(st, i);
	c->lat = wg_stmt_double(st, i++);
	c->lng = wg_stmt_double(st, i++);
	c->address = col_text(st, i++);
	c->grid = or_null(row->grid);
	c->grid_name = col_text(st, i++);
	c->region = row->region;
	c->region_name = col_text(st, i++);
	c->department = or_null(row->department);
	c->department_name = col_text(st, i++);
	c->reporter_user = row->reporter_user;
	c->reporter_name = mask_name(env->arena, col_text(st, i++));
	c->reporter_phone = col_text(st, i++);
	c->tracking_code = col_text(st, i++);
	c->master = row->master;
	c->supervision = or_null(row->supervision);
	c->risk = or_null(row->risk);
	c->tier = or_null(row->tier);
	c->clock = or_null(row->clock);
	c->deadline = row->deadline;
	c->overdue = row->overdue || (c->deadline && c->deadline < env->now);
	c->pending_deadline = row->pending_deadline;
	c->satisfaction = (int)row->satisfaction;
	c->result = col_text(st, i++);
	c->returns = row->returns;
	c->extensions = row->extensions;
	c->reworks = row->reworks;
	c->reopens = row->reopens;
	c->escalations = row->escalations;
	c->reported_at = wg_stmt_int(st, i++);
	c->accepted_at = row->accepted_at;
	c->dispatched_at = row->dispatched_at;
	c->closed_at = row->closed_at;
	c->updated_at = wg_stmt_int(st, i++);
	c->version = row->version;
	if (row->state >= 0) {
		c->state_label = row->flow->states[row->state].label;
		c->terminal = row->flow->states[row->state].terminal;
	}
	int k = row->flow && c->clock ? wg_flow_clock_index(row->flow, c->clock) : -1;
	if (k >= 0)
		c->clock_label = row->flow->clocks[k].label;
}

/* The actions the caller may take on c now, from its row. */
static int fill_actions(const wg_case_env *env, const wg__case_row *row, wg_case *c)
{
	if (row->state < 0)
		return WG_ESTORE;
	for (size_t i = 0; i < row->flow->nactions; i++)
		if (wg__case_may(env, row, &row->flow->actions[i], c->departments, c->ndepartments))
			c->actions[c->nactions++] = row->flow->actions[i].name;
	c->has_actions = true;
	return 0;
}

/* A dispute's or a petition's own part, and the people on the case. */
static int fill_kind(wg_db *db, const wg_case_env *env, const wg_scope *scope, wg_case *c)
{
	int rc = 0;
	if (strcmp(c->kind, "dispute") == 0) {
		wg_dispute *d = wg_arena_alloc(env->arena, sizeof *d);
		rc = d ? wg_dispute_read(db, env->arena, c->id, d) : WG_ENOMEM;
		c->dispute = rc ? NULL : d;
	} else if (strcmp(c->kind, "petition") == 0) {
		wg_petition *p = wg_arena_alloc(env->arena, sizeof *p);
		rc = p ? wg_petition_read(db, env->arena, scope, c->id, p) : WG_ENOMEM;
		c->petition = rc ? NULL : p;
	}
	/* A row missing for a case made before its kind kept one reads as none. */
	if (rc == WG_ENOTFOUND)
		rc = 0;
	wg_case_person *people = NULL;
	if (!rc)
		rc = wg_case_people(db, env->arena, c->id, &people, &c->npeople);
	c->people = people;
	return rc;
}

int wg_case_get(wg_db *db, const wg_case_env *env, int64_t id, wg_case_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of_matters(env->caller, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT " CASE_COLUMNS CASE_FROM " WHERE c.id = ? AND " WG_CASE_VISIBLE_SQL("c"), &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (!rc && (rc = wg_scope_bind_dept(&scope, st, 2)) > 0)
		rc = 0;
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		wg__case_row row;
		wg_case c;
		case_from(env, st, &row, &c);
		rc = wg__case_departments(db, env->arena, id, c.departments, WG_CASE_DEPARTMENTS_MAX,
		                          &c.ndepartments);
		if (!rc)
			rc = fill_actions(env, &row, &c);
		if (!rc)
			rc = fill_kind(db, env, &scope, &c);
		if (!rc && fn)
			rc = fn(ctx, &c);
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc;
}

/* Filters as "(? = '' OR col = ?)" pairs, bound twice each ("" when not
 * given: an untyped NULL parameter has no type on PostgreSQL). */
/* A list query holds only the conditions a request gives, so each can use
 * its index, and is prepared once per distinct text (wg_db_prepare_built).
 * Visibility is WG_CASE_VISIBLE_SQL reduced to what the caller has: a
 * region range, a department, or both. Newest first, SQLite walks the
 * primary key backwards and stops at the page's end, which is right for a
 * county or a town (most rows match) but reads every case for a grid with
 * a handful of them: the planner cannot tell the two apart with the range
 * bound as parameters. So a narrow range (a village or a grid: a prefix of
 * 12 digits or more) orders by "+c.id", which keeps the primary key out of
 * the ordering and sends SQLite to the range index, in a subquery that
 * picks the page's ids, so that the sort holds ids and not whole rows.
 * PostgreSQL plans from its statistics and gets the plain text. */
enum { LIST_WHERE_MAX = 1536, LIST_BINDS_MAX = 24, NARROW_PREFIX = 12 };

struct list_query {
	char where[LIST_WHERE_MAX];
	size_t len;
	struct {
		const char *text; /* NULL: num */
		int64_t num;
	} binds[LIST_BINDS_MAX];
	int nbinds;
	bool nothing;   /* the caller sees no case at all */
	bool narrow;    /* SQLite: a narrow range, see above */
	bool overflow;  /* a bug: the buffers are sized for every filter */
	wg_scope scope; /* the caller's: binds point into it and lo, hi */
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
};

static void list_cond(struct list_query *q, const char *sql)
{
	int n = snprintf(q->where + q->len, sizeof q->where - q->len, "%s%s", q->len ? " AND " : "", sql);
	if (n < 0 || (size_t)n >= sizeof q->where - q->len)
		q->overflow = true;
	else
		q->len += (size_t)n;
}

static void list_text(struct list_query *q, const char *v)
{
	if (q->nbinds == LIST_BINDS_MAX) {
		q->overflow = true;
		return;
	}
	q->binds[q->nbinds].text = v;
	q->binds[q->nbinds++].num = 0;
}

static void list_int(struct list_query *q, int64_t v)
{
	if (q->nbinds == LIST_BINDS_MAX) {
		q->overflow = true;
		return;
	}
	q->binds[q->nbinds].text = NULL;
	q->binds[q->nbinds++].num = v;
}

static void list_range(struct list_query *q, bool sqlite, const char *lo, const char *hi)
{
	if (sqlite && strlen(lo) >= NARROW_PREFIX)
		q->narrow = true;
	list_cond(q, "c.scope_key >= ? AND c.scope_key < ?");
	list_text(q, lo);
	list_text(q, hi);
}

static void list_visible(struct list_query *q, const wg_scope *scope, bool sqlite)
{
	bool region = strcmp(scope->lo, scope->hi) < 0;
	if (region && scope->department) {
		list_cond(q, WG_CASE_VISIBLE_SQL("c"));
		list_text(q, scope->lo);
		list_text(q, scope->hi);
		list_text(q, scope->department);
	} else if (region) {
		list_range(q, sqlite, scope->lo, scope->hi);
	} else if (scope->department) {
		list_cond(q, "c.id IN (SELECT vd.case_id FROM case_departments vd WHERE vd.department = ?)");
		list_text(q, scope->department);
	} else {
		q->nothing = true;
	}
}

static void list_equal(struct list_query *q, const char *column_sql, const char *v)
{
	if (v) {
		list_cond(q, column_sql);
		list_text(q, v);
	}
}

static int make_list_query(const wg_case_env *env, const wg_case_filter *f, bool sqlite, struct list_query *q,
                           wg_field_errors *fe)
{
	memset(q, 0, sizeof *q);
	wg_scope_of_matters(env->caller, &q->scope);
	list_visible(q, &q->scope, sqlite);
	if (f->area) {
		if (!wg_scope_prefix(f->area, q->lo)) {
			wg_field_errors_add(fe, f->area_field, "format", "%s is not a region or grid code",
			                    f->area_field);
			return WG_EVALIDATION;
		}
		size_t n = strlen(q->lo);
		memcpy(q->hi, q->lo, n + 1);
		q->hi[n - 1]++;
		list_range(q, sqlite, q->lo, q->hi);
	}
	list_equal(q, "c.kind = ?", f->kind);
	list_equal(q, "c.state = ?", f->state);
	list_equal(q, "c.category = ?", f->category);
	list_equal(q, "c.department = ?", f->department);
	list_equal(q, "c.source = ?", f->source);
	list_equal(q, "c.risk = ?", f->risk);
	list_equal(q, "c.tier = ?", f->tier);
	if (f->in_charge) {
		list_cond(q, "c.id IN (SELECT ic.case_id FROM case_in_charge ic WHERE ic.user_id = ? AND "
		             "ic.released_at IS NULL)");
		list_int(q, f->in_charge);
	}
	if (f->mediator) {
		list_cond(q, "c.mediator_user = ?");
		list_int(q, f->mediator);
	}
	if (f->overdue == 1) {
		list_cond(q, "(c.overdue = 1 OR c.deadline < ?)");
		list_int(q, env->now);
	} else if (f->overdue == 0) {
		list_cond(q, "c.overdue = 0 AND (c.deadline IS NULL OR c.deadline >= ?)");
		list_int(q, env->now);
	}
	if (f->from) {
		list_cond(q, "c.reported_at >= ?");
		list_int(q, f->from);
	}
	if (f->to) {
		list_cond(q, "c.reported_at < ?");
		list_int(q, f->to);
	}
	if (f->q) {
		/* LIKE with ! as the escape of its wildcards. */
		size_t n = strlen(f->q);
		char *p = wg_arena_alloc(env->arena, 2 * n + 3);
		if (!p)
			return WG_ENOMEM;
		size_t k = 0;
		p[k++] = '%';
		for (size_t i = 0; i < n; i++) {
			if (f->q[i] == '%' || f->q[i] == '_' || f->q[i] == '!')
				p[k++] = '!';
			p[k++] = f->q[i];
		}
		p[k++] = '%';
		p[k] = '\0';
		list_cond(q, "(c.title LIKE ? ESCAPE '!' OR c.number = ?)");
		list_text(q, p);
		list_text(q, f->q);
	}
	if (!q->len)
		list_cond(q, "1 = 1");
	return q->overflow ? WG_EINTERNAL : 0;
}

static int bind_list(wg_stmt *st, const struct list_query *q)
{
	int rc = 0;
	for (int i = 0; !rc && i < q->nbinds; i++)
		rc = q->binds[i].text
		             ? wg_stmt_bind_text(st, i + 1, q->binds[i].text, strlen(q->binds[i].text))
		             : wg_stmt_bind_int(st, i + 1, q->binds[i].num);
	return rc ? rc : q->nbinds + 1;
}

static int count_list(wg_db *db, const struct list_query *q, int64_t *total)
{
	char sql[LIST_WHERE_MAX + 64];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM cases c WHERE %s", q->where);
	wg_stmt *st;
	int rc = wg_db_prepare_built(db, sql, &st);
	if (rc)
		return rc;
	int idx = bind_list(st, q);
	rc = idx < 0 ? idx : wg_stmt_step(st);
	if (rc == WG_DB_ROW)
		*total = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? WG_ESTORE : rc;
}

int wg_case_list(wg_db *db, const wg_case_env *env, const wg_case_filter *f, wg_case_fn fn, void *ctx,
                 int64_t *total, wg_field_errors *fe)
{
	struct list_query q;
	int rc = make_list_query(env, f, wg_db_kind(db) == WG_DB_SQLITE, &q, fe);
	if (rc)
		return rc;
	if (q.nothing) {
		if (total)
			*total = 0;
		return 0;
	}
	if (total && (rc = count_list(db, &q, total)) != 0)
		return rc;
	static const char head[] = "SELECT " CASE_COLUMNS CASE_FROM " WHERE ";
	static const char tail[] = " AND c.id < ? ORDER BY c.id DESC LIMIT ?";
	/* Narrow: the page's ids first, so that the sort holds ids, not rows. */
	static const char head_narrow[] =
		"SELECT " CASE_COLUMNS CASE_FROM " WHERE c.id IN (SELECT c.id FROM cases c WHERE ";
	static const char tail_narrow[] = " AND c.id < ? ORDER BY +c.id DESC LIMIT ?) ORDER BY c.id DESC";
	char sql[sizeof head_narrow + LIST_WHERE_MAX + sizeof tail_narrow];
	snprintf(sql, sizeof sql, "%s%s%s", q.narrow ? head_narrow : head, q.where,
	         q.narrow ? tail_narrow : tail);
	wg_stmt *st;
	rc = wg_db_prepare_built(db, sql, &st);
	if (rc)
		return rc;
	int idx = bind_list(st, &q);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, f->before_id > 0 ? f->before_id : INT64_MAX);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg__case_row row;
		wg_case c;
		case_from(env, st, &row, &c);
		rc = fn(ctx, &c);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- the timeline ------------------------------------------------------------ */

/* Labels of the events that are not flow actions. */
static const char *event_label(const wg_flow *f, const char *action)
{
	static const struct {
		const char *action, *label;
	} own[] = {
		{"report", "上报"},
		{"attach", "补充附件"},
		{"clock.warn", "临期提醒"},
		{"clock.yellow", "黄牌督办"},
		{"clock.red", "红牌督办"},
		{"clock.escalate", "超时提级"},
		{"summon.overdue", "报到超时"},
	};
	const wg_flow_action *a = f ? wg_flow_action_find(f, action) : NULL;
	if (a)
		return a->label;
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strcmp(own[i].action, action) == 0)
			return own[i].label;
	return NULL;
}

static int events_of(wg_db *db, int64_t id, const wg_flow *f, bool public_only, wg_case_event_fn fn,
                     void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT id, actor, actor_name, role, action, from_state, to_state, fields, "
		"public, at FROM case_events WHERE case_id = ? AND (? = 0 OR public = 1) "
		"ORDER BY id",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ib", id, public_only);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_case_event e = {
			.id = wg_stmt_int(st, 0),
			.actor = wg_stmt_int(st, 1),
			.actor_name = col_text(st, 2),
			.role = col_text(st, 3),
			.action = col_text(st, 4),
			.from_state = col_text(st, 5),
			.to_state = col_text(st, 6),
			.fields = col_text(st, 7),
			.public = wg_stmt_int(st, 8) != 0,
			.at = wg_stmt_int(st, 9),
		};
		e.action_label = event_label(f, e.action);
		rc = fn(ctx, &e);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_case_timeline(wg_db *db, const wg_case_env *env, int64_t id, wg_case_event_fn fn, void *ctx)
{
	wg__case_row row;
	int rc = wg__case_load(db, env, id, &row);
	return rc ? rc : events_of(db, id, row.flow, false, fn, ctx);
}

int wg_case_attach(wg_db *db, const wg_case_env *env, int64_t id, const char *sha256)
{
	wg__case_row row;
	int rc = wg__case_load(db, env, id, &row);
	if (rc)
		return rc;
	if (row.flow->states[row.state].terminal)
		return WG_ECONFLICT;
	rc = wg_attachment_link_department(db, sha256, "case", id, row.scope_key, or_null(row.department));
	char *fields = rc ? NULL : wg_arena_printf(env->arena, "{\"sha256\":\"%s\"}", sha256);
	if (!rc && !fields)
		rc = WG_ENOMEM;
	const char *role = wg_role_name(env->caller->roles & -env->caller->roles);
	if (!rc)
		rc = wg__case_event(db, env, id, role ? role : "system", "attach", NULL, NULL, fields, false,
		                    env->now);
	return rc ? rc : wg__case_audit(db, env, &row, "case.attach");
}

/* ---- the citizen portal ------------------------------------------------------ */

struct public_events {
	const wg_flow *flow;
	wg_case_public_event_fn fn;
	void *ctx;
};

static int public_event(void *ctx, const wg_case_event *e)
{
	struct public_events *p = ctx;
	const char *state = e->to_state ? e->to_state : e->from_state;
	int s = state ? wg_flow_state_index(p->flow, state) : -1;
	wg_case_public_event pe = {
		.action = e->action,
		.label = e->action_label,
		.state = state,
		.state_label = s >= 0 ? p->flow->states[s].label : NULL,
		.at = e->at,
	};
	return p->fn(p->ctx, &pe);
}

/* Whether the reporter may rate a report in state s (the flow's callback). */
static bool may_rate(const wg_flow *f, int s)
{
	const wg_flow_action *rate = wg_flow_action_find(f, "callback");
	return rate && (rate->from & (1u << s));
}

/* Whether a report in state s is dealt with, from the citizen's side. */
static bool state_done(const wg_flow *f, int s)
{
	return f->states[s].terminal || may_rate(f, s);
}

/* What a merged report's reporter follows of the master it was merged
 * into: its state, its department (the name into department, cap bytes)
 * and that department's deadline, and when it last changed. */
static int master_state(wg_db *db, int64_t master, const wg_flow *f, wg_case_public *pc, char *department,
                        size_t cap)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT c.state, c.handle_deadline, c.updated_at, d.name FROM cases c "
	                              "LEFT JOIN departments d ON d.code = c.department WHERE c.id = ?",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", master);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		int s = wg_flow_state_index(f, wg_stmt_text(st, 0, NULL));
		if (s >= 0) {
			pc->master_state = f->states[s].name;
			pc->master_state_label = f->states[s].label;
			pc->done = state_done(f, s);
		}
		pc->handle_deadline = wg_stmt_int(st, 1);
		if (wg_stmt_int(st, 2) > pc->updated_at)
			pc->updated_at = wg_stmt_int(st, 2);
		copy_text(department, cap, st, 3);
		pc->department_name = wg_stmt_is_null(st, 3) ? NULL : department;
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int find_tracking(wg_db *db, const char *code, int64_t *id)
{
	return wg_db_query_int(db, "SELECT id FROM cases WHERE tracking_code = ?", id, "t", code);
}

int wg_case_public_get(wg_db *db, const wg_case_env *env, const char *tracking_code, wg_case_public_fn fn,
                       wg_case_public_event_fn efn, void *ctx)
{
	int64_t id = 0;
	int rc = find_tracking(db, tracking_code, &id);
	wg__case_row row;
	if (!rc)
		rc = wg__case_load(db, env, id, &row);
	if (rc)
		return rc;
	const wg_flow_state *s = &row.flow->states[row.state];
	wg_case_public pc = {
		.tracking_code = tracking_code,
		.number = row.number,
		.category = row.category,
		.state = s->name,
		.state_label = s->label,
		.closed = may_rate(row.flow, row.state),
		.done = state_done(row.flow, row.state),
		.satisfaction = (int)row.satisfaction,
		.closed_at = row.closed_at,
		.handle_deadline = row.handle_deadline,
	};
	char category_name[4 * WG_CATEGORY_NAME_MAX + 1] = "";
	char department_name[4 * WG_DEPARTMENT_NAME_MAX + 1] = "";
	wg_stmt *st = NULL;
	rc = wg_db_prepare_cached(db,
	                          "SELECT k.name, c.reported_at, c.updated_at, c.lat, c.lng, d.name "
	                          "FROM cases c JOIN categories k ON k.code = c.category "
	                          "LEFT JOIN departments d ON d.code = c.department WHERE c.id = ?",
	                          &st);
	if (!rc)
		rc = wg_stmt_bindf(st, "i", id);
	if (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		copy_text(category_name, sizeof category_name, st, 0);
		pc.reported_at = wg_stmt_int(st, 1);
		pc.updated_at = wg_stmt_int(st, 2);
		pc.has_location = !wg_stmt_is_null(st, 3) && !wg_stmt_is_null(st, 4);
		pc.lat = wg_stmt_double(st, 3);
		pc.lng = wg_stmt_double(st, 4);
		copy_text(department_name, sizeof department_name, st, 5);
		pc.department_name = wg_stmt_is_null(st, 5) ? NULL : department_name;
		rc = 0;
	}
	if (st)
		wg_stmt_finalize(st);
	pc.category_name = category_name;
	if (!rc && row.master)
		rc = master_state(db, row.master, row.flow, &pc, department_name, sizeof department_name);
	if (!rc)
		rc = fn(ctx, &pc);
	struct public_events pe = {row.flow, efn, ctx};
	if (!efn)
		return rc;
	if (!rc)
		rc = events_of(db, id, row.flow, true, public_event, &pe);
	if (!rc && row.master)
		rc = events_of(db, row.master, row.flow, true, public_event, &pe);
	return rc;
}

int wg_case_public_rate(wg_db *db, const wg_case_env *env, const char *tracking_code, int satisfaction,
                        const char *comment, wg_field_errors *fe)
{
	int64_t id = 0;
	int rc = find_tracking(db, tracking_code, &id);
	wg__case_row row;
	if (!rc)
		rc = wg__case_load(db, env, id, &row);
	if (rc)
		return rc;
	const wg_flow_action *a = wg_flow_action_find(row.flow, "callback");
	if (!a || !(a->from & (1u << row.state))) {
		wg_field_errors_add(fe, "state", "state",
		                    "the report can be rated once it is closed (now: %s)",
		                    row.flow->states[row.state].label);
		return WG_ECONFLICT;
	}
	json_t *fields = json_pack("{s:i}", "satisfaction", satisfaction);
	if (fields && comment)
		json_object_set_new(fields, "comment", json_string(comment));
	rc = fields ? wg__case_apply(db, env, &row, a, fields, 0, false, fe) : WG_ENOMEM;
	json_decref(fields);
	return rc;
}

/* ---- what the scheduler asks -------------------------------------------------- */

int wg_case_next_due(wg_db *db, int64_t *when)
{
	*when = 0; /* min() of no rows is NULL, read as 0 */
	return wg_db_query_int(db, "SELECT min(next_due) FROM cases WHERE next_due IS NOT NULL", when, "");
}

int wg_case_due(wg_db *db, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT id FROM cases WHERE next_due IS NOT NULL AND next_due <= ? "
	                              "ORDER BY next_due, id LIMIT ?",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ii", now, (int64_t)max);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		ids[(*n)++] = wg_stmt_int(st, 0);
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}
