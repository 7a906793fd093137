#include "domain/mediation.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/region.h"
#include "domain/role.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- vocabularies ------------------------------------------------------------ */

static const wg_term kinds[] = {
	{"village_committee", "村人民调解委员会", "Village people's mediation committee", NULL, 0},
	{"town_committee", "乡镇人民调解委员会", "Town people's mediation committee", NULL, 0},
	{"trade", "行业性专业性调解组织", "Trade mediation body", NULL, 0},
	{"expert_pool", "调解专家库", "Pool of mediation experts", NULL, 0},
};
static const wg_term trades[] = {
	{"property", "物业纠纷", "Property management", NULL, 0},
	{"labour", "劳动人事争议", "Labour and personnel", NULL, 0},
	{"traffic", "道路交通事故", "Road traffic accidents", NULL, 0},
	{"medical", "医疗纠纷", "Medical", NULL, 0},
	{"marriage_family", "婚姻家庭", "Marriage and family", NULL, 0},
};
static const wg_term posts[] = {
	{"party_secretary", "党组织书记", "Party secretary", NULL, 0},
	{"committee_member", "村委委员", "Village committee member", NULL, 0},
	{"womens_federation", "妇联执委", "Women's federation member", NULL, 0},
	{"dept_head", "站所负责人", "Town department head", NULL, 0},
	{"county_leader", "县级包抓领导", "County leader", NULL, 0},
};

const wg_terms wg_mediation_kinds = {"mediation body kind", kinds, sizeof kinds / sizeof kinds[0]};
const wg_terms wg_mediation_trades = {"trade", trades, sizeof trades / sizeof trades[0]};
const wg_terms wg_region_posts = {"post", posts, sizeof posts / sizeof posts[0]};

/* Levels a body of each kind, and each post, may serve: bits of
 * 1 << wg_region_level, in the order of the tables above. */
#define LEVEL(l) (1u << (l))
static const unsigned kind_levels[] = {LEVEL(WG_REGION_VILLAGE), LEVEL(WG_REGION_TOWN),
                                       LEVEL(WG_REGION_TOWN) | LEVEL(WG_REGION_COUNTY),
                                       LEVEL(WG_REGION_COUNTY)};
static const unsigned post_levels[] = {LEVEL(WG_REGION_VILLAGE) | LEVEL(WG_REGION_TOWN),
                                       LEVEL(WG_REGION_VILLAGE), LEVEL(WG_REGION_VILLAGE),
                                       LEVEL(WG_REGION_TOWN), LEVEL(WG_REGION_COUNTY)};
static const char *const kind_levels_text[] = {"a village", "a town", "a town or a county", "a county"};
static const char *const post_levels_text[] = {"a village or a town", "a village", "a village", "a town",
                                               "a county"};

/* ---- small checks ------------------------------------------------------------ */

static int first_row(wg_stmt *st, int rc, int none)
{
	if (!rc)
		rc = wg_stmt_step(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? none : rc;
}

static const char *text_or_null(wg_stmt *st, int col)
{
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
}

/* Free text: valid UTF-8 without control characters, 1..max_chars. */
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

/* Record the error of a text field; false when there was one. */
static bool check_text(wg_field_errors *fe, const char *field, const char *s, size_t max_chars, bool required)
{
	if (!s || !*s) {
		if (required)
			wg_field_errors_add(fe, field, "required", "%s is required", field);
		return !required;
	}
	if (text_ok(s, max_chars))
		return true;
	size_t n = strlen(s);
	if (wg_utf8_valid(s, n) && wg_utf8_count(s, n) > max_chars)
		wg_field_errors_add(fe, field, "too_long", "%s must be at most %zu characters", field,
		                    max_chars);
	else
		wg_field_errors_add(fe, field, "pattern", "%s must be text without control characters",
		                    field);
	return false;
}

static bool code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > WG_MEDIATION_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static size_t term_index(const wg_terms *v, const wg_term *t)
{
	return (size_t)(t - v->t);
}

/* The term of v named s, or the error "unknown" listing the keys. */
static const wg_term *check_term(wg_field_errors *fe, const char *field, const wg_terms *v, const char *s)
{
	const wg_term *t = wg_terms_key(v, s);
	if (!t) {
		char keys[160] = "";
		size_t used = 0;
		for (size_t i = 0; i < v->n && used < sizeof keys; i++) {
			int k = snprintf(keys + used, sizeof keys - used, "%s%s", i ? ", " : "", v->t[i].key);
			used += k > 0 ? (size_t)k : 0;
		}
		wg_field_errors_add(fe, field, "unknown", "%s must be one of %s", field, keys);
	}
	return t;
}

/* ---- who sees what ------------------------------------------------------------ */

/* Whether a region (12 digits) reaches a place (a region or grid code):
 * the place lies in the region's area. */
static bool reaches(const char *region, const char *place)
{
	char prefix[WG_SCOPE_KEY_MAX + 1];
	enum wg_region_level level;
	return region && place && wg_region_code_level(region, &level) && wg_scope_prefix(region, prefix) &&
	       strncmp(place, prefix, strlen(prefix)) == 0;
}

/* Visibility of a region column: in the scope, or above it. 7 parameters,
 * bound by bind_visible. */
#define VISIBLE_SQL(col) "((" col " >= ? AND " col " < ?) OR " col " IN (?, ?, ?, ?, ?))"

static int bind_visible(wg_stmt *st, int idx, const wg_scope *scope)
{
	wg_region_codes above;
	wg_region_above(scope->lo, &above);
	int rc = wg_scope_bind(scope, st, idx);
	return rc < 0 ? rc : wg_region_codes_bind(&above, st, rc);
}

static bool visible(const wg_scope *scope, const char *region)
{
	if (wg_scope_contains(scope, region))
		return true;
	wg_region_codes above;
	wg_region_above(scope->lo, &above);
	for (int i = 0; i < above.n; i++)
		if (strcmp(above.code[i], region) == 0)
			return true;
	return false;
}

/* How a row is looked up by id: by the id alone, or only within the
 * caller's area (its region column in [lo, hi)), or only where visible
 * (the 7 parameters of VISIBLE_SQL). */
enum reach { BY_ID, IN_AREA, VISIBLE };

/* Prepare sql, bind id (then scope as reach says) and step to the row.
 * Returns 0 with *out on the row, for the caller to finalize, or
 * WG_ENOTFOUND or another WG_E code with nothing left to finalize. */
static int row_by_id(wg_db *db, const char *sql, int64_t id, enum reach reach, const wg_scope *scope,
                     wg_stmt **out)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	if (reach == IN_AREA) {
		rc = wg_stmt_bindf(st, "itt", id, scope->lo, scope->hi);
	} else {
		rc = wg_stmt_bind_int(st, 1, id);
		if (!rc && reach == VISIBLE && (rc = bind_visible(st, 2, scope)) > 0)
			rc = 0;
	}
	rc = first_row(st, rc, WG_ENOTFOUND);
	if (rc)
		wg_stmt_finalize(st);
	else
		*out = st;
	return rc;
}

/* The id an INSERT ... RETURNING id gave into *id, once bound (rc: how
 * binding went); finalizes st. Returns 0 or a WG_E code (WG_ECONFLICT on a
 * unique violation). */
static int inserted(wg_stmt *st, int rc, int64_t *id)
{
	rc = first_row(st, rc, WG_ESTORE);
	if (!rc)
		*id = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc;
}

/* Who reads the bodies or mediators a get or list finds: give_row turns
 * each row into what the callback takes. */
struct reader {
	bool mediators; /* else bodies */
	union {
		wg_mediation_body_fn body;
		wg_mediator_fn mediator;
	} fn;
	void *ctx;
};

static int give_row(wg_stmt *st, void *ctx);

/* The row by id that the caller of scope sees, given to each; returns
 * its value, WG_ENOTFOUND or a store error. */
static int get_visible(wg_db *db, const char *sql, int64_t id, const wg_scope *scope,
                       int (*each)(wg_stmt *st, void *ctx), void *ctx)
{
	wg_stmt *st;
	int rc = row_by_id(db, sql, id, VISIBLE, scope, &st);
	if (rc)
		return rc;
	rc = each(st, ctx);
	wg_stmt_finalize(st);
	return rc;
}

/* A tri-state filter: WG_MEDIATION_UNSET for any, 0 or 1. */
static void check_tristate(wg_field_errors *fe, const char *field, int v)
{
	if (v < WG_MEDIATION_UNSET || v > 1)
		wg_field_errors_add(fe, field, "range", "%s must be true or false", field);
}

/* Binds a list's filter from parameter 1 on; returns the next index or a
 * negative WG_E code. */
typedef int (*filter_bind_fn)(wg_stmt *st, const void *filter);

/* A list: the count of its matches into *total (NULL: not asked for),
 * then a page of them, each row given to each(st, ctx) until it returns
 * non-zero. count_sql and page_sql take the filter's parameters, page_sql
 * then the id to start after and the limit. Returns 0, each's value or a
 * WG_E code. */
static int list_rows(wg_db *db, const char *count_sql, const char *page_sql, filter_bind_fn bind,
                     const void *filter, int64_t after_id, int64_t limit, int64_t *total,
                     int (*each)(wg_stmt *st, void *ctx), void *ctx)
{
	wg_stmt *st;
	int rc;
	if (total) {
		rc = wg_db_prepare_cached(db, count_sql, &st);
		if (rc)
			return rc;
		rc = bind(st, filter);
		rc = first_row(st, rc < 0 ? rc : 0, WG_ESTORE);
		if (!rc)
			*total = wg_stmt_int(st, 0);
		wg_stmt_finalize(st);
		if (rc)
			return rc;
	}
	rc = wg_db_prepare_cached(db, page_sql, &st);
	if (rc)
		return rc;
	int idx = bind(st, filter);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, after_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, limit > 0 ? limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = each(st, ctx);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- audit --------------------------------------------------------------------- */

static int audit(wg_db *db, const wg_mediation_env *env, const char *action, const char *type,
                 const char *object_id, const char *detail)
{
	const wg_caller *c = env->caller;
	wg_audit_entry e = {
		.actor = c && c->user_id ? c : NULL,
		.actor_name = c ? c->username : NULL,
		.action = action,
		.object_type = type,
		.object_id = object_id,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, env->audit_alg, &e);
}

/* detail NULL: it could not be made for want of memory. */
static int audit_id(wg_db *db, const wg_mediation_env *env, const char *action, const char *type, int64_t id,
                    const char *detail)
{
	if (!detail)
		return WG_ENOMEM;
	char object_id[24];
	snprintf(object_id, sizeof object_id, "%" PRId64, id);
	return audit(db, env, action, type, object_id, detail);
}

/* The fields an update changed, {"fields":[...]}, in the arena; NULL when
 * memory runs out. Field names are literals of this file: nothing to
 * escape. */
struct changed {
	size_t n;
	const char *names[8];
};

static void mark(struct changed *c, const char *field)
{
	if (c->n < sizeof c->names / sizeof c->names[0])
		c->names[c->n++] = field;
}

static const char *fields_detail(wg_arena *a, const struct changed *c)
{
	char buf[256];
	size_t used = (size_t)snprintf(buf, sizeof buf, "{\"fields\":[");
	for (size_t i = 0; i < c->n && used < sizeof buf; i++)
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\"%s\"", i ? "," : "",
		                         c->names[i]);
	if (used < sizeof buf)
		snprintf(buf + used, sizeof buf - used, "]}");
	return wg_arena_strdup(a, buf);
}

/* The audit row of an update that changed the fields c names; a stale
 * version (no row changed) is a conflict. */
static int audit_update(wg_db *db, const wg_mediation_env *env, const char *action, const char *type,
                        int64_t id, int64_t changes, const struct changed *c)
{
	if (changes != 1)
		return WG_ECONFLICT;
	return audit_id(db, env, action, type, id, fields_detail(env->arena, c));
}

/* A flag of an input (WG_MEDIATION_UNSET: not given) into *out, 0 or 1. */
static void check_flag(wg_field_errors *fe, struct changed *c, const char *field, int given, int *out)
{
	if (given == WG_MEDIATION_UNSET)
		return;
	mark(c, field);
	if (given != 0 && given != 1)
		wg_field_errors_add(fe, field, "range", "%s must be true or false", field);
	*out = given;
}

/* ---- bodies ------------------------------------------------------------------- */

#define BODY_COLUMNS                                                                              \
	"b.id, b.code, b.name, b.kind, b.trade, b.region, r.name, b.phone, b.address, b.active, " \
	"(SELECT count(*) FROM mediators m WHERE m.body = b.id AND m.active = 1), b.created_at, " \
	"b.updated_at, b.version"
#define BODY_FROM " FROM mediation_bodies b JOIN regions r ON r.code = b.region"

static void row_to_body(wg_stmt *st, wg_mediation_body *b)
{
	memset(b, 0, sizeof *b);
	b->id = wg_stmt_int(st, 0);
	b->code = wg_stmt_text(st, 1, NULL);
	b->name = wg_stmt_text(st, 2, NULL);
	b->kind = wg_stmt_text(st, 3, NULL);
	b->trade = text_or_null(st, 4);
	b->region = wg_stmt_text(st, 5, NULL);
	b->region_name = wg_stmt_text(st, 6, NULL);
	b->phone = text_or_null(st, 7);
	b->address = text_or_null(st, 8);
	b->active = wg_stmt_int(st, 9) != 0;
	b->mediators = wg_stmt_int(st, 10);
	b->created_at = wg_stmt_int(st, 11);
	b->updated_at = wg_stmt_int(st, 12);
	b->version = wg_stmt_int(st, 13);
}

int wg_mediation_body_get(wg_db *db, const wg_mediation_env *env, int64_t id, wg_mediation_body_fn fn,
                          void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	struct reader r = {.fn.body = fn, .ctx = ctx};
	return get_visible(db,
	                   "SELECT " BODY_COLUMNS BODY_FROM " WHERE b.id = ? AND " VISIBLE_SQL("b.region"),
	                   id, &scope, give_row, &r);
}

/* The range [lo, hi) of an area filter: everything when code is NULL. */
struct area {
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
};

static bool area_of(const char *code, struct area *a)
{
	enum wg_region_level level;
	if (!code) {
		snprintf(a->lo, sizeof a->lo, "%s", "");
		snprintf(a->hi, sizeof a->hi, "%s", ":");
		return true;
	}
	if (!wg_region_code_level(code, &level) || !wg_scope_prefix(code, a->lo))
		return false;
	size_t n = strlen(a->lo);
	memcpy(a->hi, a->lo, n + 1);
	a->hi[n - 1]++;
	return true;
}

/* Parameters: visibility (7), area (2), kind (2), trade (2), active (2). */
#define BODY_FILTER_SQL                                                                              \
	VISIBLE_SQL("b.region")                                                                      \
	" AND b.region >= ? AND b.region < ? AND (? = '' OR b.kind = ?) AND (? = '' OR b.trade = ?)" \
	" AND (? < 0 OR b.active = ?)"

struct body_binds {
	const wg_scope *scope;
	struct area area;
	const char *kind, *trade;
	int active;
};

static int bind_body_filter(wg_stmt *st, const void *filter)
{
	const struct body_binds *b = filter;
	const struct area *area = &b->area;
	const char *kind = b->kind, *trade = b->trade;
	int active = b->active;
	int idx = bind_visible(st, 1, b->scope);
	if (idx < 0)
		return idx;
	int rc = wg_stmt_bind_text(st, idx, area->lo, strlen(area->lo));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, area->hi, strlen(area->hi));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 2, kind, strlen(kind));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 3, kind, strlen(kind));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 4, trade, strlen(trade));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 5, trade, strlen(trade));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 6, active);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 7, active);
	return rc ? rc : idx + 8;
}

int wg_mediation_body_list(wg_db *db, const wg_mediation_env *env, const wg_mediation_body_filter *f,
                           wg_mediation_body_fn fn, void *ctx, int64_t *total, wg_field_errors *fe)
{
	size_t before = fe->n;
	wg_scope scope;
	struct body_binds b = {.scope = &scope,
	                       .kind = f->kind ? f->kind : "",
	                       .trade = f->trade ? f->trade : "",
	                       .active = f->active};
	if (!area_of(f->region, &b.area))
		wg_field_errors_add(fe, "region", "pattern", "region must be a 12-digit division code");
	if (f->kind)
		check_term(fe, "kind", &wg_mediation_kinds, f->kind);
	if (f->trade)
		check_term(fe, "trade", &wg_mediation_trades, f->trade);
	check_tristate(fe, "active", f->active);
	if (fe->n > before)
		return WG_EVALIDATION;
	wg_scope_of(env->caller, &scope);
	struct reader r = {.fn.body = fn, .ctx = ctx};
	return list_rows(db, "SELECT count(*) FROM mediation_bodies b WHERE " BODY_FILTER_SQL,
	                 "SELECT " BODY_COLUMNS BODY_FROM " WHERE " BODY_FILTER_SQL
	                 " AND b.id > ? ORDER BY b.id LIMIT ?",
	                 bind_body_filter, &b, f->after_id, f->limit, total, give_row, &r);
}

/* A body as it will be written. */
struct body_draft {
	int64_t version;
	const char *code, *name, *kind, *trade, *region, *address;
	char phone[24];
	bool has_phone;
	int active;
	struct changed changed;
};

/* The region of a new body: in the caller's area, of a level its kind
 * serves (kind_at: the kind's index, or -1 when the kind is bad). */
static int check_body_region(wg_db *db, const wg_scope *scope, const char *region, int kind_at,
                             wg_field_errors *fe)
{
	enum wg_region_level level;
	if (!region) {
		wg_field_errors_add(fe, "region", "required", "region is required");
		return 0;
	}
	if (!wg_region_code_level(region, &level)) {
		wg_field_errors_add(fe, "region", "pattern", "region must be a 12-digit division code");
		return 0;
	}
	int64_t found = 0;
	int rc = wg_scope_contains(scope, region)
	                 ? wg_db_query_int(db, "SELECT 1 FROM regions WHERE code = ?", &found, "t", region)
	                 : WG_ENOTFOUND;
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, "region", "not_found", "no region %s in your area", region);
		return 0;
	}
	if (rc)
		return rc;
	if (kind_at >= 0 && !(kind_levels[kind_at] & LEVEL(level)))
		wg_field_errors_add(fe, "region", "level", "a %s serves %s, not a %s", kinds[kind_at].key,
		                    kind_levels_text[kind_at], wg_region_level_name(level));
	return 0;
}

static int check_body_input(wg_db *db, const wg_scope *scope, const wg_mediation_body_input *in,
                            struct body_draft *d, bool creating, wg_field_errors *fe)
{
	size_t before = fe->n;
	int rc = 0;
	if (creating) {
		if (!in->code)
			wg_field_errors_add(fe, "code", "required", "code is required");
		else if (!code_ok(in->code))
			wg_field_errors_add(fe, "code", "pattern", "code must be 2 to %d of a-z, 0-9 and -",
			                    WG_MEDIATION_CODE_MAX);
		d->code = in->code;
		int kind_at = -1;
		const wg_term *k = NULL;
		if (!in->kind)
			wg_field_errors_add(fe, "kind", "required", "kind is required");
		else if ((k = check_term(fe, "kind", &wg_mediation_kinds, in->kind)) != NULL)
			kind_at = (int)term_index(&wg_mediation_kinds, k);
		d->kind = k ? k->key : NULL;
		bool is_trade = k && strcmp(k->key, "trade") == 0;
		if (in->trade && k && !is_trade)
			wg_field_errors_add(fe, "trade", "not_allowed", "only a trade body names a trade");
		else if (in->trade)
			check_term(fe, "trade", &wg_mediation_trades, in->trade);
		else if (is_trade)
			wg_field_errors_add(fe, "trade", "required", "a trade body names its trade");
		d->trade = in->trade;
		rc = check_body_region(db, scope, in->region, kind_at, fe);
		d->region = in->region;
	} else {
		static const char *const fixed[] = {"code", "kind", "trade", "region"};
		const char *given[] = {in->code, in->kind, in->trade, in->region};
		for (size_t i = 0; i < 4; i++)
			if (given[i])
				wg_field_errors_add(fe, fixed[i], "read_only",
				                    "%s names the body and cannot be changed", fixed[i]);
	}
	if (creating || in->name) {
		mark(&d->changed, "name");
		if (check_text(fe, "name", in->name, WG_MEDIATION_NAME_MAX, true))
			d->name = in->name;
	}
	if (in->set_phone || in->phone) {
		mark(&d->changed, "phone");
		d->has_phone = in->phone && *in->phone;
		const char *code = NULL, *why = NULL;
		if (d->has_phone && wg_ident_phone(in->phone, d->phone, &code, &why) != 0)
			wg_field_errors_add(fe, "phone", code ? code : "format", "%s",
			                    why ? why : "not a phone number");
	}
	if (in->set_address || in->address) {
		mark(&d->changed, "address");
		d->address = NULL;
		if (check_text(fe, "address", in->address, WG_MEDIATION_ADDRESS_MAX, false))
			d->address = in->address && *in->address ? in->address : NULL;
	}
	if (creating)
		d->active = 1;
	check_flag(fe, &d->changed, "active", in->active, &d->active);
	if (rc)
		return rc;
	return fe->n > before ? WG_EVALIDATION : 0;
}

/* The code taken, or the region served by a body of the kind and trade. */
static int check_body_unique(wg_db *db, const struct body_draft *d, wg_field_errors *fe)
{
	int64_t other;
	int rc = wg_db_query_int(db, "SELECT id FROM mediation_bodies WHERE code = ?", &other, "t", d->code);
	bool taken = false;
	if (!rc) {
		taken = true;
		wg_field_errors_add(fe, "code", "conflict", "a mediation body with code %s exists", d->code);
	} else if (rc != WG_ENOTFOUND) {
		return rc;
	}
	rc = wg_db_query_int(db,
	                     "SELECT id FROM mediation_bodies WHERE region = ? AND kind = ? AND "
	                     "coalesce(trade, '') = ?",
	                     &other, "ttt", d->region, d->kind, d->trade ? d->trade : "");
	if (!rc) {
		taken = true;
		wg_field_errors_add(fe, "region", "conflict", "region %s already has a %s%s%s", d->region,
		                    d->kind, d->trade ? " body for " : "", d->trade ? d->trade : "");
	} else if (rc != WG_ENOTFOUND) {
		return rc;
	}
	return taken ? WG_ECONFLICT : 0;
}

int wg_mediation_body_create(wg_db *db, const wg_mediation_env *env, const wg_mediation_body_input *in,
                             int64_t *id, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	struct body_draft d;
	memset(&d, 0, sizeof d);
	int rc = check_body_input(db, &scope, in, &d, true, fe);
	rc = rc ? rc : check_body_unique(db, &d, fe);
	if (rc)
		return rc;
	int64_t now = wg_clock_now_ms();
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "INSERT INTO mediation_bodies (code, name, kind, trade, region, phone, "
	                          "address, active, created_at, updated_at, version) "
	                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tttttttbii", d.code, d.name, d.kind, d.trade, d.region,
	                   d.has_phone ? d.phone : NULL, d.address, d.active, now, now);
	rc = inserted(st, rc, id);
	if (rc == WG_ECONFLICT)
		wg_field_errors_add(fe, "code", "conflict", "a mediation body with code %s exists", d.code);
	if (rc)
		return rc;
	const char *detail = wg_arena_printf(
		env->arena, "{\"code\":\"%s\",\"kind\":\"%s\",\"region\":\"%s\"}", d.code, d.kind, d.region);
	return audit_id(db, env, "mediation_body.create", "mediation_body", *id, detail);
}

int wg_mediation_body_update(wg_db *db, const wg_mediation_env *env, int64_t id,
                             const wg_mediation_body_input *in, int64_t expect_version, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = row_by_id(db,
	                   "SELECT name, phone, address, active, version FROM mediation_bodies "
	                   "WHERE id = ? AND region >= ? AND region < ?",
	                   id, IN_AREA, &scope, &st);
	if (rc)
		return rc;
	struct body_draft d;
	memset(&d, 0, sizeof d);
	const char *phone = text_or_null(st, 1), *address = text_or_null(st, 2);
	d.name = wg_arena_strdup(env->arena, wg_stmt_text(st, 0, NULL));
	d.address = address ? wg_arena_strdup(env->arena, address) : NULL;
	d.has_phone = phone != NULL;
	snprintf(d.phone, sizeof d.phone, "%s", phone ? phone : "");
	d.active = wg_stmt_int(st, 3) != 0;
	d.version = wg_stmt_int(st, 4);
	if (!d.name || (address && !d.address))
		rc = WG_ENOMEM;
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	if (expect_version && expect_version != d.version)
		return WG_ECONFLICT;
	rc = check_body_input(db, &scope, in, &d, false, fe);
	if (rc)
		return rc;
	int64_t changes = 0;
	rc = wg_db_execf(db,
	                 "UPDATE mediation_bodies SET name = ?, phone = ?, address = ?, active = ?, "
	                 "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
	                 &changes, "tttbiii", d.name, d.has_phone ? d.phone : NULL, d.address, d.active,
	                 wg_clock_now_ms(), id, d.version);
	if (rc)
		return rc;
	return audit_update(db, env, "mediation_body.update", "mediation_body", id, changes, &d.changed);
}

/* ---- mediators ------------------------------------------------------------------ */

#define MEDIATOR_COLUMNS                                                                               \
	"m.id, m.body, b.code, b.name, b.kind, b.trade, b.region, m.user_id, m.name, m.phone_masked, " \
	"m.specialities, m.lead, m.active, m.created_at, m.updated_at, m.version, u.username, u.name"
#define MEDIATOR_FROM                                                                             \
	" FROM mediators m JOIN mediation_bodies b ON b.id = m.body LEFT JOIN users u ON u.id = " \
	"m.user_id"

/* The codes of a specialities list as stored (["11","14"]): every quoted
 * string of two digits, so that a damaged value still reads as a list. */
static void parse_specialities(const char *text, char out[][3], size_t *n)
{
	*n = 0;
	for (const char *p = text ? strchr(text, '"') : NULL; p; p = strchr(p, '"')) {
		const char *end = strchr(p + 1, '"');
		if (!end)
			break;
		if (end - p == 3 && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
		    *n < WG_MEDIATOR_SPECIALITIES_MAX) {
			out[*n][0] = p[1];
			out[*n][1] = p[2];
			out[*n][2] = '\0';
			(*n)++;
		}
		p = end + 1;
	}
}

static void row_to_mediator(wg_stmt *st, wg_mediator *m)
{
	memset(m, 0, sizeof *m);
	m->id = wg_stmt_int(st, 0);
	m->body = wg_stmt_int(st, 1);
	m->body_code = wg_stmt_text(st, 2, NULL);
	m->body_name = wg_stmt_text(st, 3, NULL);
	m->body_kind = wg_stmt_text(st, 4, NULL);
	m->body_trade = text_or_null(st, 5);
	m->body_region = wg_stmt_text(st, 6, NULL);
	m->user_id = wg_stmt_int(st, 7);
	m->name = wg_stmt_text(st, 8, NULL);
	m->phone = text_or_null(st, 9);
	parse_specialities(wg_stmt_text(st, 10, NULL), m->specialities, &m->nspecialities);
	m->lead = wg_stmt_int(st, 11) != 0;
	m->active = wg_stmt_int(st, 12) != 0;
	m->created_at = wg_stmt_int(st, 13);
	m->updated_at = wg_stmt_int(st, 14);
	m->version = wg_stmt_int(st, 15);
	m->username = text_or_null(st, 16);
	m->user_name = text_or_null(st, 17);
}

static int give_row(wg_stmt *st, void *ctx)
{
	const struct reader *r = ctx;
	if (r->mediators) {
		wg_mediator m;
		row_to_mediator(st, &m);
		return r->fn.mediator(r->ctx, &m);
	}
	wg_mediation_body b;
	row_to_body(st, &b);
	return r->fn.body(r->ctx, &b);
}

int wg_mediator_get(wg_db *db, const wg_mediation_env *env, int64_t id, wg_mediator_fn fn, void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	struct reader r = {.mediators = true, .fn.mediator = fn, .ctx = ctx};
	return get_visible(
		db, "SELECT " MEDIATOR_COLUMNS MEDIATOR_FROM " WHERE m.id = ? AND " VISIBLE_SQL("b.region"),
		id, &scope, give_row, &r);
}

/* Whether code is a major dispute category ("11" 婚姻家庭纠纷 ...). */
static int dispute_major(wg_db *db, const char *code, bool *yes)
{
	*yes = false;
	if (strlen(code) != 2)
		return 0;
	int64_t one;
	int rc = wg_db_query_int(db,
	                         "SELECT 1 FROM categories WHERE code = ? AND parent IS NULL AND "
	                         "kind = 'dispute'",
	                         &one, "t", code);
	*yes = rc == 0;
	return rc == WG_ENOTFOUND ? 0 : rc;
}

/* Parameters: visibility (7), body (2), pool (1), reach (6), speciality
 * pattern, active (2). */
#define MEDIATOR_FILTER_SQL                                                                        \
	VISIBLE_SQL("b.region")                                                                    \
	" AND (? = 0 OR m.body = ?) AND (? = 0 OR (m.lead = 1 AND m.active = 1 AND b.active = 1))" \
	" AND (? = 0 OR b.region IN (?, ?, ?, ?, ?)) AND m.specialities LIKE ?"                    \
	" AND (? < 0 OR m.active = ?)"

struct mediator_binds {
	const wg_scope *scope;
	const wg_mediator_filter *f;
	wg_region_codes reach;
	bool by_reach;
	char pattern[8];
};

static int bind_mediator_filter(wg_stmt *st, const void *filter)
{
	const struct mediator_binds *b = filter;
	const wg_mediator_filter *f = b->f;
	int idx = bind_visible(st, 1, b->scope);
	if (idx < 0)
		return idx;
	int rc = wg_stmt_bind_int(st, idx, f->body);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->body);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 2, f->pool);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 3, b->by_reach);
	if (!rc && (rc = wg_region_codes_bind(&b->reach, st, idx + 4)) > 0)
		rc = 0;
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 9, b->pattern, strlen(b->pattern));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 10, f->active);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 11, f->active);
	return rc ? rc : idx + 12;
}

int wg_mediator_list(wg_db *db, const wg_mediation_env *env, const wg_mediator_filter *f, wg_mediator_fn fn,
                     void *ctx, int64_t *total, wg_field_errors *fe)
{
	size_t before = fe->n;
	wg_scope scope;
	struct mediator_binds b;
	memset(&b, 0, sizeof b);
	b.scope = &scope;
	b.f = f;
	if (f->region && !(b.by_reach = wg_region_reach(f->region, &b.reach)))
		wg_field_errors_add(fe, "region", "pattern", "region must be a 12-digit division code");
	snprintf(b.pattern, sizeof b.pattern, "%%");
	if (f->speciality) {
		bool known;
		int rc = dispute_major(db, f->speciality, &known);
		if (rc)
			return rc;
		if (!known)
			wg_field_errors_add(fe, "speciality", "unknown",
			                    "speciality must be the code of a major dispute category (11)");
		else
			snprintf(b.pattern, sizeof b.pattern, "%%\"%s\"%%", f->speciality);
	}
	check_tristate(fe, "active", f->active);
	if (fe->n > before)
		return WG_EVALIDATION;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc;
	if (f->body) {
		/* A body the caller cannot see has no mediators to list. */
		rc = row_by_id(db,
		               "SELECT 1 FROM mediation_bodies b WHERE b.id = ? AND " VISIBLE_SQL("b.region"),
		               f->body, VISIBLE, &scope, &st);
		if (rc)
			return rc;
		wg_stmt_finalize(st);
	}
	struct reader r = {.mediators = true, .fn.mediator = fn, .ctx = ctx};
	return list_rows(db, "SELECT count(*)" MEDIATOR_FROM " WHERE " MEDIATOR_FILTER_SQL,
	                 "SELECT " MEDIATOR_COLUMNS MEDIATOR_FROM " WHERE " MEDIATOR_FILTER_SQL
	                 " AND m.id > ? ORDER BY m.id LIMIT ?",
	                 bind_mediator_filter, &b, f->after_id, f->limit, total, give_row, &r);
}

/* An account named in a body (a mediator's or a post holder's) at field:
 * active, of role (0: any) and with an area that includes region, so that
 * it sees what it is given there. */
static int check_account(wg_db *db, int64_t user_id, unsigned role, const char *region, const char *field,
                         wg_field_errors *fe)
{
	wg_stmt *st;
	int rc = row_by_id(db, "SELECT roles, active, scope_key FROM users WHERE id = ?", user_id, BY_ID,
	                   NULL, &st);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, field, "not_found", "no account %" PRId64, user_id);
		return 0;
	}
	if (rc)
		return rc;
	unsigned roles = (unsigned)wg_stmt_int(st, 0);
	const char *area = wg_stmt_text(st, 2, NULL);
	wg_caller holder = {.user_id = user_id, .roles = roles, .scope = area};
	wg_scope s;
	wg_scope_of(&holder, &s);
	if (!wg_stmt_int(st, 1))
		wg_field_errors_add(fe, field, "inactive", "account %" PRId64 " is not active", user_id);
	else if (role && !(roles & role))
		wg_field_errors_add(fe, field, "role", "account %" PRId64 " is not a %s", user_id,
		                    wg_role_name(role));
	else if (!wg_scope_contains(&s, region))
		wg_field_errors_add(fe, field, "out_of_reach",
		                    "the area of account %" PRId64 " does not include region %s", user_id,
		                    region);
	wg_stmt_finalize(st);
	return 0;
}

/* A mediator as it will be written. */
struct mediator_draft {
	int64_t body, version, user_id;
	char body_region[WG_REGION_CODE_LEN + 1];
	const char *name;
	const char *phone_sealed; /* arena */
	char phone_masked[24];
	char specialities[WG_MEDIATOR_SPECIALITIES_MAX * 5 + 3]; /* JSON */
	int lead, active;
	struct changed changed;
};

static int check_specialities(wg_db *db, const wg_mediator_input *in, struct mediator_draft *d,
                              wg_field_errors *fe)
{
	if (in->nspecialities > WG_MEDIATOR_SPECIALITIES_MAX) {
		wg_field_errors_add(fe, "specialities", "too_long", "at most %d specialities",
		                    WG_MEDIATOR_SPECIALITIES_MAX);
		return 0;
	}
	size_t used = (size_t)snprintf(d->specialities, sizeof d->specialities, "[");
	for (size_t i = 0; i < in->nspecialities; i++) {
		char field[48];
		snprintf(field, sizeof field, "specialities[%zu]", i);
		const char *code = in->specialities[i];
		bool known = false;
		int rc = code ? dispute_major(db, code, &known) : 0;
		if (rc)
			return rc;
		if (!known) {
			wg_field_errors_add(fe, field, "unknown",
			                    "a speciality is the code of a major dispute category (11)");
			continue;
		}
		bool twice = false;
		for (size_t j = 0; j < i; j++)
			twice = twice || (in->specialities[j] && strcmp(in->specialities[j], code) == 0);
		if (twice) {
			wg_field_errors_add(fe, field, "duplicate", "speciality %s is given twice", code);
			continue;
		}
		used += (size_t)snprintf(d->specialities + used, sizeof d->specialities - used, "%s\"%s\"",
		                         used > 1 ? "," : "", code);
	}
	snprintf(d->specialities + used, sizeof d->specialities - used, "]");
	return 0;
}

static int check_mediator_input(wg_db *db, const wg_mediation_env *env, const wg_mediator_input *in,
                                struct mediator_draft *d, int64_t self, bool creating, wg_field_errors *fe)
{
	size_t before = fe->n;
	int rc = 0;
	if (creating || in->name) {
		mark(&d->changed, "name");
		if (check_text(fe, "name", in->name, WG_MEDIATOR_NAME_MAX, true))
			d->name = in->name;
	}
	char phone[24] = "";
	if (in->set_phone || in->phone) {
		mark(&d->changed, "phone");
		const char *code = NULL, *why = NULL;
		if (in->phone && *in->phone && wg_ident_phone(in->phone, phone, &code, &why) != 0) {
			wg_field_errors_add(fe, "phone", code ? code : "format", "%s",
			                    why ? why : "not a phone number");
			phone[0] = '\0';
		}
		d->phone_sealed = NULL;
		d->phone_masked[0] = '\0';
	}
	if (in->set_specialities) {
		mark(&d->changed, "specialities");
		rc = check_specialities(db, in, d, fe);
	} else if (creating) {
		snprintf(d->specialities, sizeof d->specialities, "[]");
	}
	if (!rc && in->user_id != WG_MEDIATION_UNSET) {
		mark(&d->changed, "user");
		d->user_id = in->user_id;
		if (in->user_id < 0)
			wg_field_errors_add(fe, "user", "not_found", "no account %" PRId64, in->user_id);
		else if (in->user_id > 0)
			rc = check_account(db, in->user_id, WG_ROLE_MEDIATOR, d->body_region, "user", fe);
	}
	check_flag(fe, &d->changed, "lead", in->lead, &d->lead);
	if (creating)
		d->active = 1;
	check_flag(fe, &d->changed, "active", in->active, &d->active);
	if (rc)
		return rc;
	if (fe->n > before)
		return WG_EVALIDATION;
	if (d->user_id > 0 && in->user_id > 0) {
		int64_t other;
		rc = wg_db_query_int(db,
		                     "SELECT id FROM mediators WHERE body = ? AND user_id = ? AND id <> ?",
		                     &other, "iii", d->body, d->user_id, self);
		if (!rc) {
			wg_field_errors_add(fe, "user", "conflict",
			                    "account %" PRId64 " already serves this body", d->user_id);
			return WG_ECONFLICT;
		}
		if (rc != WG_ENOTFOUND)
			return rc;
	}
	if (phone[0]) {
		if (!env->key)
			return WG_EINTERNAL;
		char *sealed = NULL;
		rc = wg_secret_seal(env->key, phone, strlen(phone), &sealed);
		if (rc)
			return rc;
		d->phone_sealed = wg_arena_strdup(env->arena, sealed);
		wg_free(sealed);
		if (!d->phone_sealed)
			return WG_ENOMEM;
		wg_ident_mask_phone(phone, d->phone_masked);
	}
	return 0;
}

static void user_conflict(const struct mediator_draft *d, wg_field_errors *fe)
{
	/* Only a concurrent write of the same account gets past the check. */
	wg_field_errors_add(fe, "user", "conflict", "account %" PRId64 " already serves this body",
	                    d->user_id);
}

int wg_mediator_create(wg_db *db, const wg_mediation_env *env, int64_t body, const wg_mediator_input *in,
                       int64_t *id, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = row_by_id(db,
	                   "SELECT region FROM mediation_bodies WHERE id = ? AND region >= ? AND region < ?",
	                   body, IN_AREA, &scope, &st);
	if (rc)
		return rc;
	struct mediator_draft d;
	memset(&d, 0, sizeof d);
	d.body = body;
	snprintf(d.body_region, sizeof d.body_region, "%s", wg_stmt_text(st, 0, NULL));
	wg_stmt_finalize(st);
	rc = check_mediator_input(db, env, in, &d, 0, true, fe);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          "INSERT INTO mediators (user_id, name, phone, phone_masked, specialities, "
	                          "lead, active, body, created_at, updated_at, version) "
	                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
	                          &st);
	if (rc)
		return rc;
	int64_t now = wg_clock_now_ms();
	rc = wg_stmt_bindf(st, "zttttbbiii", d.user_id, d.name, d.phone_sealed,
	                   d.phone_sealed ? d.phone_masked : NULL, d.specialities, d.lead != 0, d.active != 0,
	                   body, now, now);
	rc = inserted(st, rc, id);
	if (rc == WG_ECONFLICT)
		user_conflict(&d, fe);
	if (rc)
		return rc;
	const char *detail = wg_arena_printf(
		env->arena, "{\"body\":%" PRId64 ",\"user\":%" PRId64 ",\"phone\":%s,\"lead\":%s}", body,
		d.user_id, d.phone_sealed ? "true" : "false", d.lead ? "true" : "false");
	return audit_id(db, env, "mediator.create", "mediator", *id, detail);
}

int wg_mediator_update(wg_db *db, const wg_mediation_env *env, int64_t id, const wg_mediator_input *in,
                       int64_t expect_version, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = row_by_id(db,
	                   "SELECT m.body, b.region, m.user_id, m.name, m.phone, m.phone_masked, "
	                   "m.specialities, m.lead, m.active, m.version" MEDIATOR_FROM
	                   " WHERE m.id = ? AND b.region >= ? AND b.region < ?",
	                   id, IN_AREA, &scope, &st);
	if (rc)
		return rc;
	struct mediator_draft d;
	memset(&d, 0, sizeof d);
	d.body = wg_stmt_int(st, 0);
	snprintf(d.body_region, sizeof d.body_region, "%s", wg_stmt_text(st, 1, NULL));
	d.user_id = wg_stmt_int(st, 2);
	d.name = wg_arena_strdup(env->arena, wg_stmt_text(st, 3, NULL));
	const char *sealed = text_or_null(st, 4), *masked = text_or_null(st, 5);
	d.phone_sealed = sealed ? wg_arena_strdup(env->arena, sealed) : NULL;
	snprintf(d.phone_masked, sizeof d.phone_masked, "%s", masked ? masked : "");
	snprintf(d.specialities, sizeof d.specialities, "%s", wg_stmt_text(st, 6, NULL));
	d.lead = wg_stmt_int(st, 7) != 0;
	d.active = wg_stmt_int(st, 8) != 0;
	d.version = wg_stmt_int(st, 9);
	if (!d.name || (sealed && !d.phone_sealed))
		rc = WG_ENOMEM;
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	if (expect_version && expect_version != d.version)
		return WG_ECONFLICT;
	rc = check_mediator_input(db, env, in, &d, id, false, fe);
	if (rc)
		return rc;
	int64_t changes = 0;
	rc = wg_db_execf(db,
	                 "UPDATE mediators SET user_id = ?, name = ?, phone = ?, phone_masked = ?, "
	                 "specialities = ?, lead = ?, active = ?, updated_at = ?, version = version + 1 "
	                 "WHERE id = ? AND version = ?",
	                 &changes, "zttttbbiii", d.user_id, d.name, d.phone_sealed,
	                 d.phone_sealed ? d.phone_masked : NULL, d.specialities, d.lead != 0, d.active != 0,
	                 wg_clock_now_ms(), id, d.version);
	if (rc == WG_ECONFLICT)
		user_conflict(&d, fe);
	if (rc)
		return rc;
	return audit_update(db, env, "mediator.update", "mediator", id, changes, &d.changed);
}

/* ---- posts of a region ------------------------------------------------------------- */

/* The region whose posts are read (visible to the caller: writing false)
 * or set (in its area): a region code that exists, else WG_ENOTFOUND. */
static int posts_region(wg_db *db, const wg_scope *scope, const char *region, bool writing,
                        enum wg_region_level *level)
{
	if (!region || !wg_region_code_level(region, level) ||
	    !(writing ? wg_scope_contains(scope, region) : visible(scope, region)))
		return WG_ENOTFOUND;
	int64_t one;
	return wg_db_query_int(db, "SELECT 1 FROM regions WHERE code = ?", &one, "t", region);
}

int wg_region_posts_get(wg_db *db, const wg_mediation_env *env, const char *region, wg_region_post_fn fn,
                        void *ctx)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	enum wg_region_level level;
	int rc = posts_region(db, &scope, region, false, &level);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "SELECT p.post, p.user_id, u.username, u.name, u.active, p.created_at "
	                          "FROM region_posts p JOIN users u ON u.id = p.user_id WHERE p.region = ? "
	                          "ORDER BY CASE p.post WHEN 'party_secretary' THEN 0 "
	                          "WHEN 'committee_member' THEN 1 WHEN 'womens_federation' THEN 2 "
	                          "WHEN 'dept_head' THEN 3 ELSE 4 END, p.user_id",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", region);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_region_post p = {
			.post = wg_stmt_text(st, 0, NULL),
			.user_id = wg_stmt_int(st, 1),
			.username = wg_stmt_text(st, 2, NULL),
			.name = wg_stmt_text(st, 3, NULL),
			.active = wg_stmt_int(st, 4) != 0,
			.created_at = wg_stmt_int(st, 5),
		};
		rc = fn(ctx, &p);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int check_posts(wg_db *db, const char *region, enum wg_region_level level,
                       const wg_region_post_input *in, size_t n, wg_field_errors *fe)
{
	if (n > WG_REGION_POSTS_MAX) {
		wg_field_errors_add(fe, "posts", "too_long", "a region has at most %d post holders",
		                    WG_REGION_POSTS_MAX);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char field[64];
		snprintf(field, sizeof field, "posts[%zu].post", i);
		const wg_term *t = NULL;
		if (!in[i].post)
			wg_field_errors_add(fe, field, "required", "%s is required", field);
		else if ((t = check_term(fe, field, &wg_region_posts, in[i].post)) != NULL) {
			size_t at = term_index(&wg_region_posts, t);
			if (!(post_levels[at] & LEVEL(level)))
				wg_field_errors_add(fe, field, "level", "a %s serves %s, not a %s", t->key,
				                    post_levels_text[at], wg_region_level_name(level));
		}
		snprintf(field, sizeof field, "posts[%zu].user", i);
		if (in[i].user_id <= 0) {
			wg_field_errors_add(fe, field, "required", "%s is required", field);
		} else {
			int rc = check_account(db, in[i].user_id, 0, region, field, fe);
			if (rc)
				return rc;
		}
		for (size_t j = 0; t && j < i; j++) {
			if (in[j].user_id == in[i].user_id && in[j].post && strcmp(in[j].post, t->key) == 0) {
				snprintf(field, sizeof field, "posts[%zu]", i);
				wg_field_errors_add(fe, field, "duplicate",
				                    "account %" PRId64 " holds %s once", in[i].user_id,
				                    t->key);
				break;
			}
		}
	}
	return 0;
}

int wg_region_posts_set(wg_db *db, const wg_mediation_env *env, const char *region,
                        const wg_region_post_input *in, size_t n, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	enum wg_region_level level;
	int rc = posts_region(db, &scope, region, true, &level);
	if (rc)
		return rc;
	size_t before = fe->n;
	rc = check_posts(db, region, level, in, n, fe);
	if (rc)
		return rc;
	if (fe->n > before)
		return WG_EVALIDATION;
	rc = wg_db_execf(db, "DELETE FROM region_posts WHERE region = ?", NULL, "t", region);
	int64_t now = wg_clock_now_ms();
	for (size_t i = 0; !rc && i < n; i++)
		rc = wg_db_execf(db,
		                 "INSERT INTO region_posts (region, post, user_id, created_at) "
		                 "VALUES (?, ?, ?, ?)",
		                 NULL, "ttii", region, in[i].post, in[i].user_id, now);
	if (rc)
		return rc;
	/* The detail names posts and account ids, validated above: nothing to
	 * escape. */
	size_t cap = 32 + n * 64;
	char *detail = wg_arena_alloc(env->arena, cap);
	if (!detail)
		return WG_ENOMEM;
	size_t used = (size_t)snprintf(detail, cap, "{\"posts\":[");
	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(detail + used, cap - used,
		                         "%s{\"post\":\"%s\",\"user\":%" PRId64 "}", i ? "," : "", in[i].post,
		                         in[i].user_id);
	if (used < cap)
		snprintf(detail + used, cap - used, "]}");
	return audit(db, env, "region.posts", "region", region, detail);
}

/* ---- what the dispute flow calls ------------------------------------------------------ */

int wg_mediation_check_assignment(wg_db *db, int64_t body, int64_t mediator, const char *case_region,
                                  int64_t *mediator_user, char *name, size_t namelen, wg_field_errors *fe)
{
	wg_stmt *st;
	int rc = row_by_id(db, "SELECT region, active FROM mediation_bodies WHERE id = ?", body, BY_ID, NULL,
	                   &st);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, "body", "not_found", "no mediation body %" PRId64, body);
	} else if (rc) {
		return rc;
	} else {
		if (!wg_stmt_int(st, 1))
			wg_field_errors_add(fe, "body", "inactive",
			                    "mediation body %" PRId64 " is not active", body);
		else if (!reaches(wg_stmt_text(st, 0, NULL), case_region))
			wg_field_errors_add(fe, "body", "out_of_reach",
			                    "mediation body %" PRId64 " does not serve the dispute's region",
			                    body);
		wg_stmt_finalize(st);
	}
	rc = row_by_id(db, "SELECT body, user_id, name, lead, active FROM mediators WHERE id = ?", mediator,
	               BY_ID, NULL, &st);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, "mediator", "not_found", "no mediator %" PRId64, mediator);
		return 0;
	}
	if (rc)
		return rc;
	if (wg_stmt_int(st, 0) != body) {
		wg_field_errors_add(fe, "mediator", "not_member",
		                    "mediator %" PRId64 " does not serve mediation body %" PRId64, mediator,
		                    body);
	} else if (!wg_stmt_int(st, 4)) {
		wg_field_errors_add(fe, "mediator", "inactive", "mediator %" PRId64 " is not active",
		                    mediator);
	} else if (!wg_stmt_int(st, 3)) {
		wg_field_errors_add(fe, "mediator", "not_lead",
		                    "mediator %" PRId64 " may not lead a mediation", mediator);
	} else {
		if (mediator_user)
			*mediator_user = wg_stmt_int(st, 1);
		if (name && namelen)
			snprintf(name, namelen, "%s", wg_stmt_text(st, 2, NULL));
	}
	wg_stmt_finalize(st);
	return 0;
}

/* A holder read ahead of the callbacks. */
struct holder {
	int64_t id;
	char name[4 * 64 + 1];
};

int wg_region_post_holders(wg_db *db, const char *region, const char *post, wg_post_holder_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT p.user_id, u.name FROM region_posts p JOIN users u "
	                              "ON u.id = p.user_id WHERE p.region = ? AND p.post = ? "
	                              "AND u.active = 1 ORDER BY p.user_id",
	                              &st);
	if (rc)
		return rc;
	struct holder *h = NULL;
	size_t n = 0, cap = 0;
	rc = wg_stmt_bindf(st, "tt", region, post);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (n == cap) {
			size_t bigger = cap ? 2 * cap : 4;
			struct holder *more = wg_realloc(h, bigger * sizeof *h);
			if (!more) {
				rc = WG_ENOMEM;
				break;
			}
			h = more;
			cap = bigger;
		}
		const char *name = wg_stmt_text(st, 1, NULL);
		h[n].id = wg_stmt_int(st, 0);
		snprintf(h[n].name, sizeof h[n].name, "%s", name ? name : "");
		n++;
		rc = 0;
	}
	wg_stmt_finalize(st);
	if (rc == WG_DB_DONE)
		rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = fn(ctx, h[i].id, h[i].name);
	wg_free(h);
	return rc;
}

int wg_mediation_body_of(wg_db *db, const char *region, const char *kind, const char *trade, int64_t *id)
{
	if (!region || !kind)
		return WG_ENOTFOUND;
	const char *t = trade ? trade : "";
	return wg_db_query_int(db,
	                       "SELECT id FROM mediation_bodies WHERE region = ? AND kind = ? AND "
	                       "(? = '' OR trade = ?) AND active = 1 ORDER BY id LIMIT 1",
	                       id, "tttt", region, kind, t, t);
}
