#include "domain/region.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/scope.h"
#include "io/csv.h"

#include <stdio.h>
#include <string.h>

static const char *const level_names[] = {"province", "city", "county", "town", "village"};
static const size_t prefix_lens[] = {2, 4, 6, 9, 12};

const char *wg_region_level_name(enum wg_region_level level)
{
	return level_names[level];
}

size_t wg_region_prefix_len(enum wg_region_level level)
{
	return prefix_lens[level];
}

void wg_region_above(const char *prefix, wg_region_codes *out)
{
	size_t len = strlen(prefix);
	out->n = 0;
	for (size_t i = 0; i < 5 && prefix[0] != '~' && prefix_lens[i] < len; i++) {
		memcpy(out->code[i], prefix, prefix_lens[i]);
		memset(out->code[i] + prefix_lens[i], '0', WG_REGION_CODE_LEN - prefix_lens[i]);
		out->code[i][WG_REGION_CODE_LEN] = '\0';
		out->n++;
	}
}

bool wg_region_reach(const char *region, wg_region_codes *out)
{
	char prefix[WG_SCOPE_KEY_MAX + 1];
	enum wg_region_level level;
	if (!wg_region_code_level(region, &level) || !wg_scope_prefix(region, prefix))
		return false;
	wg_region_above(prefix, out);
	memcpy(out->code[out->n], region, WG_REGION_CODE_LEN + 1);
	out->n++;
	return true;
}

int wg_region_codes_bind(const wg_region_codes *c, wg_stmt *st, int idx)
{
	for (int i = 0; i < 5; i++) {
		int rc = i < c->n ? wg_stmt_bind_text(st, idx + i, c->code[i], WG_REGION_CODE_LEN)
		                  : wg_stmt_bind_null(st, idx + i);
		if (rc)
			return rc;
	}
	return idx + 5;
}

static bool all_zero(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s[i] != '0')
			return false;
	return true;
}

bool wg_region_code_level(const char *s, enum wg_region_level *level)
{
	if (!s || strlen(s) != WG_REGION_CODE_LEN)
		return false;
	for (size_t i = 0; i < WG_REGION_CODE_LEN; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (all_zero(s, 0, 2))
		return false;
	/* The most significant non-zero group decides the level. */
	enum wg_region_level l = WG_REGION_VILLAGE;
	for (int i = WG_REGION_TOWN; i >= (int)WG_REGION_PROVINCE; i--)
		if (all_zero(s, prefix_lens[i], WG_REGION_CODE_LEN))
			l = (enum wg_region_level)i;
	*level = l;
	return true;
}

bool wg_region_parent_code(const char *code, char parent[WG_REGION_CODE_LEN + 1])
{
	enum wg_region_level level;
	if (!wg_region_code_level(code, &level) || level == WG_REGION_PROVINCE)
		return false;
	size_t keep = prefix_lens[level - 1];
	memcpy(parent, code, keep);
	memset(parent + keep, '0', WG_REGION_CODE_LEN - keep);
	parent[WG_REGION_CODE_LEN] = '\0';
	return true;
}

/* Columns: code, parent, level, name, children. */
#define REGION_COLUMNS \
	"r.code, r.parent, r.level, r.name, (SELECT count(*) FROM regions c WHERE c.parent = r.code)"

static int row_to_region(wg_stmt *st, wg_region *r)
{
	r->code = wg_stmt_text(st, 0, NULL);
	r->parent = wg_stmt_is_null(st, 1) ? NULL : wg_stmt_text(st, 1, NULL);
	const char *level = wg_stmt_text(st, 2, NULL);
	r->name = wg_stmt_text(st, 3, NULL);
	r->children = wg_stmt_int(st, 4);
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (level && strcmp(level, level_names[i]) == 0) {
			r->level = (enum wg_region_level)i;
			return r->code && r->name ? 0 : WG_ESTORE;
		}
	return WG_ESTORE;
}

/* What a scope may see of the tree: its own range, and the regions above
 * it, so that the path from the province down stays navigable. */
struct visible {
	const wg_scope *scope;
	int n;
	char above[WG_REGION_VILLAGE + 1][WG_REGION_CODE_LEN + 1];
};

#define VISIBLE_SQL "((r.code >= ? AND r.code < ?) OR r.code IN (?, ?, ?, ?, ?))"

static void visible_of(const wg_scope *scope, struct visible *v)
{
	v->scope = scope;
	v->n = 0;
	size_t len = strlen(scope->lo);
	for (int l = WG_REGION_PROVINCE; l <= WG_REGION_VILLAGE; l++) {
		size_t keep = prefix_lens[l];
		if (keep >= len || !scope->lo[0])
			break;
		memcpy(v->above[v->n], scope->lo, keep);
		memset(v->above[v->n] + keep, '0', WG_REGION_CODE_LEN - keep);
		v->above[v->n][WG_REGION_CODE_LEN] = '\0';
		v->n++;
	}
}

static int bind_visible(wg_stmt *st, int idx, const struct visible *v)
{
	int rc = wg_scope_bind(v->scope, st, idx);
	if (rc < 0)
		return rc;
	idx = rc;
	for (int i = 0; i <= WG_REGION_VILLAGE; i++) {
		rc = i < v->n ? wg_stmt_bind_text(st, idx + i, v->above[i], WG_REGION_CODE_LEN)
		              : wg_stmt_bind_null(st, idx + i);
		if (rc)
			return rc;
	}
	return idx + WG_REGION_VILLAGE + 1;
}

static int exists(wg_db *db, const struct visible *v, const char *code, bool *found)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT 1 FROM regions r WHERE r.code = ? AND " VISIBLE_SQL, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc && (rc = bind_visible(st, 2, v)) > 0)
		rc = wg_stmt_step(st);
	*found = rc == WG_DB_ROW;
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int count_children(wg_db *db, const struct visible *v, const char *parent, int64_t *total)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		parent ? "SELECT count(*) FROM regions r WHERE r.parent = ? AND " VISIBLE_SQL
		       : "SELECT count(*) FROM regions r WHERE r.parent IS NULL AND " VISIBLE_SQL,
		&st);
	if (rc)
		return rc;
	rc = parent ? wg_stmt_bindf(st, "t", parent) : 0;
	if (!rc && (rc = bind_visible(st, parent ? 2 : 1, v)) > 0)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		*total = wg_stmt_int(st, 0);
		rc = 0;
	} else if (rc >= 0) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_region_children(wg_db *db, const wg_scope *scope, const char *parent, const char *after, int64_t limit,
                       wg_region_fn fn, void *ctx, int64_t *total)
{
	struct visible v;
	visible_of(scope, &v);
	if (parent) {
		bool found;
		int rc = exists(db, &v, parent, &found);
		if (rc)
			return rc;
		if (!found)
			return WG_ENOTFOUND;
	}
	int rc = count_children(db, &v, parent, total);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(
		db,
		parent ? "SELECT " REGION_COLUMNS " FROM regions r WHERE r.parent = ? AND r.code > ? "
			 "AND " VISIBLE_SQL " ORDER BY r.code LIMIT ?"
		       : "SELECT " REGION_COLUMNS " FROM regions r WHERE r.parent IS NULL AND "
			 "r.code > ? AND " VISIBLE_SQL " ORDER BY r.code LIMIT ?",
		&st);
	if (rc)
		return rc;
	const char *from = after ? after : "";
	rc = parent ? wg_stmt_bindf(st, "tt", parent, from) : wg_stmt_bindf(st, "t", from);
	if (!rc && (rc = bind_visible(st, parent ? 3 : 2, &v)) > 0)
		rc = wg_stmt_bind_int(st, rc, limit);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_region r;
		rc = row_to_region(st, &r);
		if (!rc)
			rc = fn(ctx, &r);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Prepare sql, a string literal (the statement is cached) with one text
 * parameter, and step it for code to its first row: 0 when on it (the
 * caller reads it), WG_ENOTFOUND when there is none, else the error. The
 * caller finalizes *st unless preparing failed (then *st is NULL). */
static int row_by_code(wg_db *db, const char *sql, const char *code, wg_stmt **st)
{
	*st = NULL;
	int rc = wg_db_prepare_cached(db, sql, st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(*st, "t", code);
	if (!rc)
		rc = wg_stmt_step(*st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? WG_ENOTFOUND : rc;
}

static int load_one(wg_db *db, const char *code, wg_region_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = row_by_code(db, "SELECT " REGION_COLUMNS " FROM regions r WHERE r.code = ?", code, &st);
	if (!rc) {
		wg_region r;
		rc = row_to_region(st, &r);
		if (!rc)
			rc = fn(ctx, &r);
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_region_get(wg_db *db, const wg_scope *scope, const char *code, wg_region_fn path_fn,
                  wg_region_fn self_fn, void *ctx)
{
	enum wg_region_level level;
	if (!wg_region_code_level(code, &level))
		return WG_ENOTFOUND;
	/* Ancestors follow from the code itself: one point query per level.
	 * Everything above a visible region is visible too. */
	char chain[WG_REGION_VILLAGE + 1][WG_REGION_CODE_LEN + 1];
	int n = 0;
	snprintf(chain[0], sizeof chain[0], "%s", code);
	while (n < (int)level && wg_region_parent_code(chain[n], chain[n + 1]))
		n++;
	struct visible v;
	visible_of(scope, &v);
	bool found;
	int rc = exists(db, &v, code, &found);
	if (rc)
		return rc;
	if (!found)
		return WG_ENOTFOUND;
	for (int i = n; i >= 1 && !rc; i--) {
		rc = load_one(db, chain[i], path_fn, ctx);
		if (rc == WG_ENOTFOUND)
			rc = 0; /* a gap above (data loaded without its province) is not an error */
	}
	return rc ? rc : load_one(db, code, self_fn, ctx);
}

static int parent_path(wg_db *db, const char *parent, char *path, size_t len)
{
	wg_stmt *st;
	int rc = row_by_code(db, "SELECT path FROM regions WHERE code = ?", parent, &st);
	if (!rc)
		snprintf(path, len, "%s", wg_stmt_text(st, 0, NULL));
	wg_stmt_finalize(st);
	return rc;
}

/* Insert, or with rename set update the name of an existing code. */
static int upsert(wg_db *db, const char *code, const char *name, bool rename)
{
	enum wg_region_level level;
	if (!wg_region_code_level(code, &level))
		return WG_EVALIDATION;
	char parent[WG_REGION_CODE_LEN + 1] = "";
	char path[128] = "";
	bool has_parent = wg_region_parent_code(code, parent);
	if (has_parent) {
		int rc = parent_path(db, parent, path, sizeof path - WG_REGION_CODE_LEN - 1);
		if (rc)
			return rc;
		strncat(path, "/", sizeof path - strlen(path) - 1);
	}
	strncat(path, code, sizeof path - strlen(path) - 1);
	int64_t now = wg_clock_now_ms();
	/* Either SQL is a literal, so each is cached on its own. */
	return wg_db_execf(
		db,
		rename ? "INSERT INTO regions (code, parent, level, name, path, created_at, updated_at) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
			 "name = excluded.name, updated_at = excluded.updated_at"
		       : "INSERT INTO regions (code, parent, level, name, path, created_at, updated_at) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?)",
		NULL, "tttttii", code, has_parent ? parent : NULL, level_names[level], name, path, now, now);
}

int wg_region_create(wg_db *db, const wg_scope *scope, const char *code, const char *name)
{
	if (wg_region_code_level(code, &(enum wg_region_level){0}) && !wg_scope_contains(scope, code))
		return WG_ENOTFOUND;
	return upsert(db, code, name, false);
}

struct csv_load {
	wg_db *db;
	int loaded;
	char *err;
	size_t errlen;
};

static int load_record(void *ctx, unsigned line, const wg_csv_field *f, size_t n)
{
	struct csv_load *l = ctx;
	if (line == 1 && n >= 1 && strcmp(f[0].s, "code") == 0)
		return 0; /* header */
	enum wg_region_level level;
	char parent[WG_REGION_CODE_LEN + 1];
	if (n != 3) {
		snprintf(l->err, l->errlen, "line %u: expected 3 columns (code,parent,name), found %zu", line,
		         n);
		return WG_EVALIDATION;
	}
	if (!wg_region_code_level(f[0].s, &level)) {
		snprintf(l->err, l->errlen, "line %u: '%s' is not a 12-digit division code", line, f[0].s);
		return WG_EVALIDATION;
	}
	bool has_parent = wg_region_parent_code(f[0].s, parent);
	if (has_parent ? strcmp(parent, f[1].s) != 0 : f[1].n != 0) {
		snprintf(l->err, l->errlen, "line %u: parent of %s must be %s, not '%s'", line, f[0].s,
		         has_parent ? parent : "empty", f[1].s);
		return WG_EVALIDATION;
	}
	if (f[2].n == 0 || wg_utf8_count(f[2].s, f[2].n) > WG_REGION_NAME_MAX) {
		snprintf(l->err, l->errlen, "line %u: name must be 1 to %d characters", line,
		         WG_REGION_NAME_MAX);
		return WG_EVALIDATION;
	}
	int rc = upsert(l->db, f[0].s, f[2].s, true);
	if (rc == WG_ENOTFOUND) {
		snprintf(l->err, l->errlen, "line %u: parent %s is not loaded before %s", line, parent,
		         f[0].s);
		return WG_EVALIDATION;
	}
	if (rc) {
		snprintf(l->err, l->errlen, "line %u: %s", line, wg_db_errmsg(l->db));
		return rc;
	}
	l->loaded++;
	return 0;
}

int wg_region_load_csv(wg_db *db, const char *text, size_t len, int *loaded, char *err, size_t errlen)
{
	struct csv_load l = {.db = db, .err = err, .errlen = errlen};
	int rc = wg_csv_parse(text, len, load_record, &l, err, errlen);
	*loaded = l.loaded;
	return rc;
}
