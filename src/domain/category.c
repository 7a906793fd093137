#include "domain/category.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/department.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return WG_EVALIDATION;
}

int wg__data_only(const json_t *obj, const char *const *known, const char *path, char *err, size_t errlen)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value) {
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok)
			return fail(err, errlen, "%s: unknown member \"%s\"", path, key);
	}
	return 0;
}

static bool text_ok(const char *s, size_t n)
{
	if (!wg_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int wg__data_string(const json_t *obj, const char *member, size_t max_chars, bool required, const char *path,
                    const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, member);
	*out = NULL;
	if (!v) {
		return required ? fail(err, errlen, "%s.%s: missing", path, member) : 0;
	}
	if (!json_is_string(v))
		return fail(err, errlen, "%s.%s: must be a string", path, member);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0 || strlen(s) != n || !text_ok(s, n) || wg_utf8_count(s, n) > max_chars)
		return fail(err, errlen, "%s.%s: must be 1 to %zu characters without control characters",
		            path, member, max_chars);
	*out = s;
	return 0;
}

static bool digits(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int parse_kind(const json_t *obj, const char *path, const char **kind, char *err, size_t errlen)
{
	int rc = wg__data_string(obj, "kind", 16, true, path, kind, err, errlen);
	if (!rc && (!*kind || (strcmp(*kind, "event") != 0 && strcmp(*kind, "dispute") != 0)))
		rc = fail(err, errlen, "%s.kind: must be \"event\" or \"dispute\", not \"%s\"", path, *kind);
	return rc;
}

static int parse_deadline(const json_t *obj, const char *path, wg_category *c, char *err, size_t errlen)
{
	json_t *d = json_object_get(obj, "deadline");
	if (!d)
		return fail(err, errlen, "%s.deadline: missing", path);
	if (!json_is_object(d) || json_object_size(d) != 1)
		return fail(err, errlen,
		            "%s.deadline: must be an object with one member, working_days or working_hours",
		            path);
	json_t *days = json_object_get(d, "working_days"), *hours = json_object_get(d, "working_hours");
	json_t *v = days ? days : hours;
	if (!v)
		return fail(err, errlen, "%s.deadline: the unit must be working_days or working_hours", path);
	int64_t max = days ? WG_CATEGORY_DAYS_MAX : WG_CATEGORY_HOURS_MAX;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
		return fail(err, errlen, "%s.deadline.%s: must be a whole number within 1..%lld", path,
		            days ? "working_days" : "working_hours", (long long)max);
	c->deadline = json_integer_value(v);
	c->deadline_unit = days ? "working_days" : "working_hours";
	return 0;
}

static int parse_owner(const json_t *obj, const char *path, wg_category *c, char *err, size_t errlen)
{
	static const char *const known[] = {"town", "county", NULL};
	json_t *o = json_object_get(obj, "owner");
	char here[128];
	snprintf(here, sizeof here, "%s.owner", path);
	if (!o)
		return fail(err, errlen, "%s: missing", here);
	if (!json_is_object(o))
		return fail(err, errlen, "%s: must be an object {\"town\": KEY, \"county\": KEY}", here);
	int rc = wg__data_only(o, known, here, err, errlen);
	if (!rc)
		rc = wg__data_string(o, "town", 32, true, here, &c->owner_town, err, errlen);
	if (!rc)
		rc = wg__data_string(o, "county", 32, true, here, &c->owner_county, err, errlen);
	if (!rc && !wg_department_key_ok(c->owner_town))
		rc = fail(err, errlen, "%s.town: \"%s\" is not a department key ([a-z][a-z0-9_]*)", here,
		          c->owner_town);
	if (!rc && !wg_department_key_ok(c->owner_county))
		rc = fail(err, errlen, "%s.county: \"%s\" is not a department key ([a-z][a-z0-9_]*)", here,
		          c->owner_county);
	return rc;
}

static int parse_common(const json_t *obj, const char *path, wg_category *c, char *err, size_t errlen)
{
	int rc = wg__data_string(obj, "name", WG_CATEGORY_NAME_MAX, true, path, &c->name, err, errlen);
	if (!rc)
		rc = wg__data_string(obj, "name_en", WG_CATEGORY_NAME_EN_MAX, true, path, &c->name_en, err,
		                     errlen);
	if (!rc)
		rc = parse_kind(obj, path, &c->kind, err, errlen);
	return rc;
}

const wg_category *wg_category_find(const wg_category_set *s, const char *code)
{
	for (size_t i = 0; code && i < s->n; i++)
		if (strcmp(s->items[i].code, code) == 0)
			return &s->items[i];
	return NULL;
}

static int parse_minor(const json_t *obj, const char *path, const wg_category *major, wg_category *c,
                       char *err, size_t errlen)
{
	static const char *const known[] = {"code", "name", "name_en", "kind", "deadline", "owner", NULL};
	if (!json_is_object(obj))
		return fail(err, errlen, "%s: must be an object", path);
	int rc = wg__data_only(obj, known, path, err, errlen);
	if (!rc)
		rc = wg__data_string(obj, "code", 4, true, path, &c->code, err, errlen);
	if (!rc && (!digits(c->code, 4) || strncmp(c->code, major->code, 2) != 0))
		rc = fail(err, errlen, "%s.code: \"%s\" must be 4 digits starting with %s", path, c->code,
		          major->code);
	if (!rc)
		rc = parse_common(obj, path, c, err, errlen);
	if (!rc && strcmp(c->kind, major->kind) != 0)
		rc = fail(err, errlen, "%s.kind: \"%s\" differs from its major category's \"%s\"", path,
		          c->kind, major->kind);
	if (!rc)
		rc = parse_deadline(obj, path, c, err, errlen);
	if (!rc)
		rc = parse_owner(obj, path, c, err, errlen);
	c->parent = major->code;
	return rc;
}

static int parse_major(const json_t *obj, size_t index, wg_category_set *s, char *err, size_t errlen)
{
	static const char *const known[] = {"code", "name", "name_en", "kind", "children", NULL};
	char path[64];
	snprintf(path, sizeof path, "categories[%zu]", index);
	if (!json_is_object(obj))
		return fail(err, errlen, "%s: must be an object", path);
	wg_category *major = &s->items[s->n];
	*major = (wg_category){.position = (int64_t)s->n};
	int rc = wg__data_only(obj, known, path, err, errlen);
	if (!rc)
		rc = wg__data_string(obj, "code", 2, true, path, &major->code, err, errlen);
	if (!rc && !digits(major->code, 2))
		rc = fail(err, errlen, "%s.code: \"%s\" must be 2 digits", path, major->code);
	if (!rc && wg_category_find(s, major->code))
		rc = fail(err, errlen, "%s.code: %s appears twice", path, major->code);
	if (!rc)
		rc = parse_common(obj, path, major, err, errlen);
	json_t *children = json_object_get(obj, "children");
	if (!rc && (!json_is_array(children) || json_array_size(children) == 0))
		rc = fail(err, errlen, "%s.children: must be a non-empty array of minor categories", path);
	if (rc)
		return rc;
	s->n++;
	size_t i;
	json_t *child;
	json_array_foreach(children, i, child) {
		char here[96];
		snprintf(here, sizeof here, "%s.children[%zu]", path, i);
		wg_category *c = &s->items[s->n];
		*c = (wg_category){.position = (int64_t)s->n};
		rc = parse_minor(child, here, major, c, err, errlen);
		if (!rc && wg_category_find(s, c->code))
			rc = fail(err, errlen, "%s.code: %s appears twice", here, c->code);
		if (rc)
			return rc;
		s->n++;
	}
	return 0;
}

void wg_category_set_free(wg_category_set *s)
{
	wg_free(s->items);
	json_decref(s->doc);
	*s = (wg_category_set){0};
}

int wg_category_parse(const char *text, size_t len, wg_category_set *out, char *err, size_t errlen)
{
	*out = (wg_category_set){0};
	if (err && errlen)
		err[0] = '\0';
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (err && errlen)
			snprintf(err, errlen, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return WG_EBADREQ;
	}
	static const char *const known[] = {"categories", NULL};
	json_t *list = json_object_get(doc, "categories");
	int rc = !json_is_object(doc)
	                 ? fail(err, errlen, "the document must be an object {\"categories\": [...]}")
	                 : wg__data_only(doc, known, "(document)", err, errlen);
	if (!rc && (!json_is_array(list) || json_array_size(list) == 0))
		rc = fail(err, errlen, "categories: must be a non-empty array");
	/* Room for every major and minor, counted before parsing so that the
	 * items never move (the set hands out pointers to them). */
	size_t count = 0, i;
	json_t *major;
	if (!rc)
		json_array_foreach(list, i, major) {
			json_t *children = json_object_get(major, "children");
			count += 1 + (json_is_array(children) ? json_array_size(children) : 0);
		}
	wg_category_set s = {.doc = doc};
	if (!rc) {
		s.items = wg_calloc(count, sizeof *s.items);
		rc = s.items ? 0 : WG_ENOMEM;
	}
	if (!rc)
		json_array_foreach(list, i, major) {
			rc = parse_major(major, i, &s, err, errlen);
			if (rc)
				break;
		}
	if (rc) {
		wg_category_set_free(&s);
		return rc;
	}
	*out = s;
	return 0;
}

/* ---- storage ---------------------------------------------------------------- */

/* An edited deadline (deadline_edited_at set) survives the load; the
 * file's value still becomes the default. */
static const char store_sql[] =
	"INSERT INTO categories (code, parent, kind, name, name_en, deadline, deadline_unit, "
	"default_deadline, default_deadline_unit, owner_town, owner_county, position) VALUES "
	"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
	"parent = excluded.parent, kind = excluded.kind, name = excluded.name, "
	"name_en = excluded.name_en, "
	"deadline = CASE WHEN categories.deadline_edited_at IS NULL THEN excluded.deadline "
	"ELSE categories.deadline END, "
	"deadline_unit = CASE WHEN categories.deadline_edited_at IS NULL THEN excluded.deadline_unit "
	"ELSE categories.deadline_unit END, "
	"default_deadline = excluded.default_deadline, "
	"default_deadline_unit = excluded.default_deadline_unit, owner_town = excluded.owner_town, "
	"owner_county = excluded.owner_county, position = excluded.position, "
	"version = categories.version + 1";

static int store_one(wg_db *db, const wg_category *c)
{
	/* A major has no deadline and no owners: NULL, not 0. */
	if (!c->parent)
		return wg_db_execf(db, store_sql, NULL, "tntttnnnnnni", c->code, c->kind, c->name, c->name_en,
		                   c->position);
	return wg_db_execf(db, store_sql, NULL, "tttttitittti", c->code, c->parent, c->kind, c->name,
	                   c->name_en, c->deadline, c->deadline_unit, c->deadline, c->deadline_unit,
	                   c->owner_town, c->owner_county, c->position);
}

/* Codes stored but no longer in the set, minors before majors so that a
 * major goes after its children. */
static int remove_stale(wg_db *db, const wg_category_set *s, char *err, size_t errlen)
{
	wg_stmt *st;
	int rc = wg_db_prepare(db, "SELECT code FROM categories ORDER BY length(code) DESC, code", &st);
	if (rc)
		return rc;
	char(*stale)[8] = NULL;
	size_t n = 0, cap = 0;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		const char *code = wg_stmt_text(st, 0, NULL);
		if (!code || wg_category_find(s, code))
			continue;
		if (n == cap) {
			size_t bigger = cap ? 2 * cap : 16;
			void *p = wg_realloc(stale, bigger * sizeof *stale);
			if (!p) {
				rc = WG_ENOMEM;
				break;
			}
			stale = p;
			cap = bigger;
		}
		snprintf(stale[n++], sizeof stale[0], "%s", code);
	}
	wg_stmt_finalize(st);
	rc = rc == WG_DB_DONE ? 0 : rc;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = wg_db_execf(db, "DELETE FROM department_duties WHERE category = ?", NULL, "t", stale[i]);
		if (!rc)
			rc = wg_db_execf(db, "DELETE FROM categories WHERE code = ?", NULL, "t", stale[i]);
		if (rc == WG_ECONFLICT && err && errlen)
			snprintf(err, errlen, "category %s is still in use and cannot be removed", stale[i]);
	}
	wg_free(stale);
	return rc;
}

int wg_category_store(wg_db *db, const wg_category_set *s, char *err, size_t errlen)
{
	int rc = 0;
	/* Majors come first in the set, so a minor's parent is always there. */
	for (size_t i = 0; !rc && i < s->n; i++) {
		rc = store_one(db, &s->items[i]);
		if (rc && err && errlen)
			snprintf(err, errlen, "category %s: %s", s->items[i].code, wg_db_errmsg(db));
	}
	return rc ? rc : remove_stale(db, s, err, errlen);
}

#define CATEGORY_COLUMNS                                                                           \
	"c.code, c.parent, c.kind, c.name, c.name_en, c.deadline, c.deadline_unit, c.owner_town, " \
	"c.owner_county, c.position, c.default_deadline, c.default_deadline_unit, "                \
	"c.deadline_edited_at, c.version"

int wg_category_list(wg_db *db, const char *kind, wg_category_fn fn, void *ctx)
{
	wg_stmt *st;
	/* Each major sorts before its minors: by the major's position, then
	 * the major itself, then the minors' positions. */
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " CATEGORY_COLUMNS " FROM categories c "
	                              "JOIN categories m ON m.code = coalesce(c.parent, c.code) "
	                              "WHERE c.kind = coalesce(?, c.kind) "
	                              "ORDER BY m.position, c.parent IS NOT NULL, c.position",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", kind);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_category c = {
			.code = wg_stmt_text(st, 0, NULL),
			.parent = wg_stmt_text(st, 1, NULL),
			.kind = wg_stmt_text(st, 2, NULL),
			.name = wg_stmt_text(st, 3, NULL),
			.name_en = wg_stmt_text(st, 4, NULL),
			.deadline = wg_stmt_int(st, 5),
			.deadline_unit = wg_stmt_text(st, 6, NULL),
			.owner_town = wg_stmt_text(st, 7, NULL),
			.owner_county = wg_stmt_text(st, 8, NULL),
			.position = wg_stmt_int(st, 9),
			.default_deadline = wg_stmt_int(st, 10),
			.default_deadline_unit = wg_stmt_text(st, 11, NULL),
			.deadline_edited_at = wg_stmt_int(st, 12),
			.version = wg_stmt_int(st, 13),
		};
		rc = fn(ctx, &c);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_category_minor_exists(wg_db *db, const char *code, bool *found)
{
	wg_stmt *st;
	*found = false;
	int rc = wg_db_prepare_cached(db, "SELECT 1 FROM categories WHERE code = ? AND parent IS NOT NULL",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc)
		rc = wg_stmt_step(st);
	*found = rc == WG_DB_ROW;
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- an administrator's edit ------------------------------------------------ */

/* What set_deadline reads of the row before changing it. */
struct deadline_row {
	bool minor;
	int64_t deadline, default_deadline, version;
	char unit[16], default_unit[16];
};

static int load_deadline_row(wg_db *db, const char *code, struct deadline_row *r)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT parent, deadline, deadline_unit, default_deadline, "
	                              "default_deadline_unit, version FROM categories WHERE code = ?",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		const char *unit = wg_stmt_text(st, 2, NULL), *def_unit = wg_stmt_text(st, 4, NULL);
		r->minor = !wg_stmt_is_null(st, 0);
		r->deadline = wg_stmt_int(st, 1);
		snprintf(r->unit, sizeof r->unit, "%s", unit ? unit : "");
		/* A row stored before the defaults existed falls back on itself. */
		r->default_deadline = wg_stmt_is_null(st, 3) ? r->deadline : wg_stmt_int(st, 3);
		snprintf(r->default_unit, sizeof r->default_unit, "%s", def_unit ? def_unit : r->unit);
		r->version = wg_stmt_int(st, 5);
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc;
}

static int64_t unit_max(const char *unit)
{
	return strcmp(unit, "working_days") == 0 ? WG_CATEGORY_DAYS_MAX : WG_CATEGORY_HOURS_MAX;
}

static bool unit_known(const char *unit)
{
	return unit && (strcmp(unit, "working_days") == 0 || strcmp(unit, "working_hours") == 0);
}

static int audit_deadline(wg_db *db, const wg_caller *actor, const char *alg, const char *code,
                          const struct deadline_row *was, int64_t deadline, const char *unit, bool restored)
{
	json_t *detail = json_pack("{s:I, s:s, s:I, s:s, s:b}", "deadline", (json_int_t)deadline,
	                           "deadline_unit", unit, "previous_deadline", (json_int_t)was->deadline,
	                           "previous_deadline_unit", was->unit, "restored", restored);
	return wg_audit_record(db, alg, actor, "category.deadline", "category", code, detail);
}

int wg_category_set_deadline(wg_db *db, const wg_caller *actor, const char *audit_alg, const char *code,
                             const wg_category_deadline_input *in, int64_t expect_version,
                             wg_field_errors *fe)
{
	struct deadline_row was;
	int rc = code ? load_deadline_row(db, code, &was) : WG_ENOTFOUND;
	if (rc)
		return rc;
	if (!was.minor) {
		wg_field_errors_add(
			fe, "deadline", "major",
			"%s is a major category, which has no deadline: edit its minor categories", code);
		return WG_EVALIDATION;
	}
	int64_t deadline = was.default_deadline;
	const char *unit = was.default_unit;
	if (!in->restore) {
		if (!in->set_deadline && !in->unit) {
			wg_field_errors_add(fe, "deadline", "required",
			                    "give deadline, deadline_unit or both");
			return WG_EVALIDATION;
		}
		if (in->unit && !unit_known(in->unit)) {
			wg_field_errors_add(fe, "deadline_unit", "unknown",
			                    "deadline_unit must be working_days or working_hours");
			return WG_EVALIDATION;
		}
		unit = in->unit ? in->unit : was.unit;
		deadline = in->set_deadline ? in->deadline : was.deadline;
		if (!unit_known(unit)) /* a row that never had a unit: the number alone cannot say */
			unit = "working_days";
		if (deadline < 1 || deadline > unit_max(unit)) {
			wg_field_errors_add(
				fe, "deadline", "range", "deadline must be a whole number within 1..%lld %s",
				(long long)unit_max(unit),
				strcmp(unit, "working_days") == 0 ? "working days" : "working hours");
			return WG_EVALIDATION;
		}
	}
	if (expect_version && expect_version != was.version)
		return WG_ECONFLICT;
	int64_t now = wg_clock_now_ms();
	rc = wg_db_execf(db,
	                 "UPDATE categories SET deadline = ?, deadline_unit = ?, deadline_edited_at = ?, "
	                 "deadline_edited_by = ?, version = version + 1 WHERE code = ?",
	                 NULL, "itzzt", deadline, unit, in->restore ? (int64_t)0 : now,
	                 in->restore || !actor ? (int64_t)0 : actor->user_id, code);
	return rc ? rc : audit_deadline(db, actor, audit_alg, code, &was, deadline, unit, in->restore);
}
