/* What the base-data modules share: vocabularies, placement, the
 * responsible worker, personal numbers, audit rows and query helpers. */
#include "domain/basedata.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/json_out.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/grid.h"
#include "domain/region.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- vocabularies ------------------------------------------------------- */

static const wg_term special_groups[] = {
#define WG__SPECIAL_GROUP_TERM(name, key, zh, en, alias, days) {key, zh, en, alias, days},
	WG_SPECIAL_GROUP_MAP(WG__SPECIAL_GROUP_TERM)
#undef WG__SPECIAL_GROUP_TERM
};

static const wg_term place_types[] = {
#define WG__PLACE_TYPE_TERM(name, key, zh, en, alias) {key, zh, en, alias, 0},
	WG_PLACE_TYPE_MAP(WG__PLACE_TYPE_TERM)
#undef WG__PLACE_TYPE_TERM
};

/* These follow the CHECK constraints of 0006_basedata.sql. */
static const wg_term house_uses[] = {
	{"residential", "住宅", "Residential", "居住", 0}, {"commercial", "商业", "Commercial", "商铺", 0},
	{"mixed", "商住", "Mixed use", "商住两用", 0},     {"industrial", "工业", "Industrial", "厂房", 0},
	{"public", "公共", "Public", "公共建筑", 0},       {"other", "其他", "Other", NULL, 0},
};

static const wg_term organisation_types[] = {
	{"enterprise", "企业", "Enterprise", "公司", 0},
	{"individual", "个体工商户", "Individual business", "个体户", 0},
	{"social", "社会组织", "Social organisation", NULL, 0},
	{"government", "机关事业单位", "Government body or public institution", "机关", 0},
	{"school", "学校", "School", NULL, 0},
	{"hospital", "医疗机构", "Hospital or clinic", "医院", 0},
	{"other", "其他", "Other", NULL, 0},
};

static const wg_term residence_types[] = {
	{"registered", "户籍人口", "Registered resident", "户籍", 0},
	{"floating", "流动人口", "Floating population", "流动", 0},
	{"overseas", "境外人员", "Foreign or overseas resident", "境外", 0},
};

static const wg_term house_relations[] = {
	{"owner", "房主", "Owner", "户主", 0},
	{"family", "家庭成员", "Family member", "家属", 0},
	{"tenant", "租户", "Tenant", "承租人", 0},
};

#define TERMS(what, a)                                  \
	{                                               \
		(what), (a), sizeof(a) / sizeof((a)[0]) \
	}
const wg_terms wg_special_groups = TERMS("special group", special_groups);
const wg_terms wg_place_types = TERMS("place type", place_types);
const wg_terms wg_house_uses = TERMS("house use", house_uses);
const wg_terms wg_organisation_types = TERMS("organisation type", organisation_types);
const wg_terms wg_residence_types = TERMS("residence type", residence_types);
const wg_terms wg_house_relations = TERMS("relation to the house", house_relations);

const wg_term *wg_terms_key(const wg_terms *v, const char *s)
{
	for (size_t i = 0; s && i < v->n; i++)
		if (strcmp(v->t[i].key, s) == 0)
			return &v->t[i];
	return NULL;
}

const wg_term *wg_terms_find(const wg_terms *v, const char *s)
{
	const wg_term *t = wg_terms_key(v, s);
	for (size_t i = 0; s && !t && i < v->n; i++)
		if (strcmp(v->t[i].label, s) == 0 || (v->t[i].alias && strcmp(v->t[i].alias, s) == 0))
			t = &v->t[i];
	return t;
}

const wg_term *wg__basedata_term(wg_field_errors *fe, const char *field, const wg_terms *v, const char *s)
{
	if (!s)
		return NULL;
	const wg_term *t = wg_terms_key(v, s);
	if (t)
		return t;
	char keys[512];
	size_t used = 0;
	keys[0] = '\0';
	for (size_t i = 0; i < v->n && used < sizeof keys; i++) {
		int n = snprintf(keys + used, sizeof keys - used, "%s%s", i ? ", " : "", v->t[i].key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	wg_field_errors_add(fe, field, "unknown", "%s is not a %s: use one of %s", field, v->what, keys);
	return NULL;
}

/* ---- checks ---------------------------------------------------------------- */

bool wg__basedata_text(wg_field_errors *fe, const char *field, const char *s, size_t max_chars, bool required)
{
	if (!s || !*s) {
		if (required)
			wg_field_errors_add(fe, field, "required", "%s is required", field);
		return !required;
	}
	size_t n = strlen(s);
	if (!wg_utf8_valid(s, n)) {
		wg_field_errors_add(fe, field, "pattern", "%s is not valid UTF-8", field);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') || s[i] == 0x7f) {
			wg_field_errors_add(fe, field, "pattern", "%s must not contain control characters",
			                    field);
			return false;
		}
	if (wg_utf8_count(s, n) > max_chars) {
		wg_field_errors_add(fe, field, "too_long", "%s must be at most %zu characters", field,
		                    max_chars);
		return false;
	}
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool wg__basedata_date_ok(const char *s, int today_ymd)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	int v[3] = {0, 0, 0};
	static const int at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < len[k]; i++) {
			char c = s[at[k] + i];
			if (c < '0' || c > '9')
				return false;
			v[k] = v[k] * 10 + (c - '0');
		}
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (v[1] < 1 || v[1] > 12 || v[2] < 1)
		return false;
	int days = mdays[v[1] - 1] + (v[1] == 2 && leap(v[0]));
	return v[2] <= days && v[0] >= 1900 && v[0] * 10000 + v[1] * 100 + v[2] <= today_ymd;
}

int wg__basedata_first(wg_stmt *st, int rc, int none)
{
	if (!rc)
		rc = wg_stmt_step(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? none : rc;
}

int wg__basedata_insert(wg_stmt *st, int idx, int64_t *id)
{
	int64_t now = wg_clock_now_ms();
	int rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, now);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, now);
	rc = wg__basedata_first(st, rc, WG_ESTORE);
	if (!rc)
		*id = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc;
}

int wg__basedata_update(wg_stmt *st, int idx, int64_t id, int64_t version, bool *stale)
{
	int rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, wg_clock_now_ms());
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 2, version);
	if (!rc)
		rc = wg_stmt_step(st);
	*stale = rc == WG_DB_DONE && wg_stmt_changes(st) != 1;
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc < 0 ? rc : WG_ESTORE;
}

/* ---- placement and references ------------------------------------------------ */

int wg__basedata_place(wg_db *db, const wg_basedata_env *env, const wg_basedata_where *w, wg_place *out,
                       wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	double lnglat[2] = {w->lng, w->lat};
	unsigned before = fe->n;
	int rc = wg_grid_place(db, &scope, w->grid, w->has_location ? lnglat : NULL, w->region, out, fe);
	if (rc)
		return rc;
	if (fe->n > before)
		return WG_EVALIDATION;
	/* grid.c places within the scope given; this keeps the promise of
	 * basedata.h even if a placement rule there changes. */
	if (!wg_scope_contains(&scope, out->scope_key)) {
		const char *field = w->grid ? "grid" : w->has_location ? "location" : "region";
		wg_field_errors_add(fe, field, "not_found", "%s is not in your area", field);
		return WG_EVALIDATION;
	}
	return 0;
}

int wg__basedata_check_worker(wg_db *db, const wg_basedata_env *env, int64_t id, const char *scope_key,
                              const char *field, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT roles, active, scope_key FROM users WHERE id = ? AND " WG_SCOPE_SQL("scope_key"),
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (!rc && (rc = wg_scope_bind(&scope, st, 2)) > 0)
		rc = 0;
	rc = wg__basedata_first(st, rc, WG_ENOTFOUND);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, field, "not_found", "no account %" PRId64 " in your area", id);
		rc = WG_EVALIDATION;
	} else if (!rc) {
		unsigned roles = (unsigned)wg_stmt_int(st, 0);
		bool active = wg_stmt_int(st, 1) != 0;
		wg_caller worker = {.user_id = id, .scope = wg_stmt_text(st, 2, NULL)};
		wg_scope area;
		wg_scope_of(&worker, &area);
		if (!active || !(roles & WG_ROLES_VISITOR)) {
			wg_field_errors_add(fe, field, "role",
			                    "%s must be an active grid worker or grid head", field);
			rc = WG_EVALIDATION;
		} else if (!wg_scope_contains(&area, scope_key)) {
			wg_field_errors_add(fe, field, "area", "the area of %s does not include this record",
			                    field);
			rc = WG_EVALIDATION;
		}
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg__basedata_ref(wg_db *db, const wg_basedata_env *env, const char *sql, int64_t id, const char *field,
                     char *scope_key, wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (!rc && (rc = wg_scope_bind(&scope, st, 2)) > 0)
		rc = 0;
	rc = wg__basedata_first(st, rc, WG_ENOTFOUND);
	if (rc == WG_ENOTFOUND) {
		wg_field_errors_add(fe, field, "not_found", "no %s %" PRId64 " in your area", field, id);
		rc = WG_EVALIDATION;
	} else if (!rc && scope_key) {
		snprintf(scope_key, WG_SCOPE_KEY_MAX + 1, "%s", wg_stmt_text(st, 0, NULL));
	}
	wg_stmt_finalize(st);
	return rc;
}

/* ---- personal numbers ------------------------------------------------------ */

int wg__basedata_index(const wg_secret_key *k, const char *context, const char *norm, char index[65])
{
	return wg_secret_blind_index(k, context, norm, strlen(norm), index);
}

int wg__basedata_seal(const wg_basedata_env *env, const char *context, const char *norm,
                      wg__basedata_number *out)
{
	char *sealed = NULL;
	int rc = wg_secret_seal(env->key, norm, strlen(norm), &sealed);
	if (rc)
		return rc;
	out->sealed = wg_arena_strdup(env->arena, sealed);
	wg_free(sealed);
	if (!out->sealed)
		return WG_ENOMEM;
	if (strcmp(context, "idcard") == 0) {
		char masked[19];
		wg_ident_mask_id_number(norm, masked);
		snprintf(out->masked, sizeof out->masked, "%s", masked);
	} else {
		wg_ident_mask_phone(norm, out->masked);
	}
	return wg__basedata_index(env->key, context, norm, out->index);
}

int wg_basedata_reveal(const wg_secret_key *k, const char *sealed, char *out, size_t cap)
{
	size_t n = 0;
	if (cap)
		out[0] = '\0';
	if (!cap)
		return WG_ETOOLARGE;
	int rc = wg_secret_open(k, sealed, (unsigned char *)out, cap - 1, &n);
	if (rc) {
		out[0] = '\0';
		return rc;
	}
	out[n] = '\0';
	return 0;
}

/* ---- audit ------------------------------------------------------------------- */

int wg__basedata_audit(wg_db *db, const wg_basedata_env *env, const char *action, const char *type,
                       int64_t id, const char *detail)
{
	char object_id[24];
	snprintf(object_id, sizeof object_id, "%" PRId64, id);
	const wg_caller *c = env->caller;
	wg_audit_entry e = {
		.actor = c && c->user_id ? c : NULL,
		.actor_name = c ? c->username : NULL,
		.action = action,
		.object_type = type,
		.object_id = id ? object_id : NULL,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, env->audit_alg, &e);
}

struct buf_sink {
	wg_arena *arena;
	char *data;
	size_t len, cap;
};

static int to_arena(void *ctx, const char *data, size_t len)
{
	struct buf_sink *b = ctx;
	if (b->len + len + 1 > b->cap) {
		size_t cap = (b->len + len + 1) * 2;
		char *p = wg_arena_alloc(b->arena, cap);
		if (!p)
			return WG_ENOMEM;
		if (b->len)
			memcpy(p, b->data, b->len);
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

const char *wg__basedata_fields_detail(wg_arena *a, const char *const *names, size_t n)
{
	struct buf_sink b = {.arena = a};
	/* The writer is large (its staging buffer): not for a small stack. */
	wg_json_out *w = wg_arena_alloc(a, sizeof *w);
	if (!w)
		return NULL;
	wg_json_init(w, to_arena, &b);
	wg_json_object_begin(w);
	wg_json_key(w, "fields");
	wg_json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		wg_json_string(w, names[i]);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return wg_json_finish(w) == 0 ? b.data : NULL;
}

const char *wg__basedata_reason_detail(wg_arena *a, const char *reason)
{
	struct buf_sink b = {.arena = a};
	wg_json_out *w = wg_arena_alloc(a, sizeof *w);
	if (!w)
		return NULL;
	wg_json_init(w, to_arena, &b);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "reason", reason);
	wg_json_object_end(w);
	return wg_json_finish(w) == 0 ? b.data : NULL;
}

/* ---- query helpers ------------------------------------------------------------ */

bool wg__basedata_narrow(const wg_scope *scope, const char *code, wg_scope *out)
{
	char prefix[WG_SCOPE_KEY_MAX + 1];
	if (!wg_scope_prefix(code, prefix))
		return false;
	char hi[WG_SCOPE_KEY_MAX + 1];
	size_t n = strlen(prefix);
	memcpy(hi, prefix, n + 1);
	hi[n - 1]++; /* as scope.c: '9' + 1 is ':', above every digit */
	*out = *scope;
	if (strcmp(prefix, out->lo) > 0)
		memcpy(out->lo, prefix, n + 1);
	if (strcmp(hi, out->hi) < 0)
		memcpy(out->hi, hi, n + 1);
	return true;
}

void wg__basedata_like(const char *q, char *buf, size_t len)
{
	size_t j = 0;
	buf[j++] = '%';
	for (const char *p = q ? q : ""; *p && j + 3 < len; p++) {
		if (*p == '%' || *p == '_' || *p == '!')
			buf[j++] = '!';
		buf[j++] = *p;
	}
	if (q && *q)
		buf[j++] = '%';
	buf[j] = '\0';
}

int wg__basedata_bind_location(wg_stmt *st, int idx, bool has, double lat, double lng)
{
	if (!has) {
		int rc = wg_stmt_bind_null(st, idx);
		return rc ? rc : wg_stmt_bind_null(st, idx + 1);
	}
	int rc = wg_stmt_bind_double(st, idx, lat);
	return rc ? rc : wg_stmt_bind_double(st, idx + 1, lng);
}

bool wg__basedata_location(wg_stmt *st, int col, double *lat, double *lng)
{
	if (wg_stmt_is_null(st, col) || wg_stmt_is_null(st, col + 1))
		return false;
	*lat = wg_stmt_double(st, col);
	*lng = wg_stmt_double(st, col + 1);
	return true;
}

bool wg__basedata_copy(wg_arena *a, wg_stmt *st, int col, const char **out)
{
	if (wg_stmt_is_null(st, col)) {
		*out = NULL;
		return true;
	}
	size_t n = 0;
	const char *s = wg_stmt_text(st, col, &n);
	*out = wg_arena_strndup(a, s ? s : "", s ? n : 0);
	return *out != NULL;
}
