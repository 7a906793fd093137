#include "domain/department.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/region.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of a level bit in def->name. */
#define LEVEL_INDEX(bit) ((bit) == WG_DEPARTMENT_COUNTY ? 0 : 1)

static const unsigned level_bits[] = {WG_DEPARTMENT_COUNTY, WG_DEPARTMENT_TOWN};

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

bool wg_department_key_ok(const char *key)
{
	if (!key || key[0] < 'a' || key[0] > 'z' || strlen(key) > WG_DEPARTMENT_KEY_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

const char *wg_department_level_name(unsigned level)
{
	return level == WG_DEPARTMENT_COUNTY ? "county" : level == WG_DEPARTMENT_TOWN ? "town" : NULL;
}

unsigned wg_department_level_parse(const char *name)
{
	if (!name)
		return 0;
	return strcmp(name, "county") == 0 ? WG_DEPARTMENT_COUNTY
	       : strcmp(name, "town") == 0 ? WG_DEPARTMENT_TOWN
	                                   : 0;
}

/* ---- the data file ------------------------------------------------------- */

/* {"county": ..., "town": ...}: names per level, *levels the bits present. */
static int parse_names(const json_t *obj, const char *member, size_t max, const char *path,
                       const char *out[2], unsigned *levels, char *err, size_t errlen)
{
	static const char *const known[] = {"county", "town", NULL};
	char here[96];
	snprintf(here, sizeof here, "%s.%s", path, member);
	json_t *v = json_object_get(obj, member);
	if (!v)
		return fail(err, errlen, "%s: missing", here);
	if (!json_is_object(v) || json_object_size(v) == 0)
		return fail(err, errlen, "%s: must be an object naming the county and/or town level", here);
	int rc = wg__data_only(v, known, here, err, errlen);
	*levels = 0;
	for (size_t i = 0; !rc && i < 2; i++) {
		rc = wg__data_string(v, wg_department_level_name(level_bits[i]), max, false, here, &out[i],
		                     err, errlen);
		if (out[i])
			*levels |= level_bits[i];
	}
	return rc;
}

static int parse_duty(const json_t *obj, const char *path, const wg_department_def *def,
                      wg_department_duty *d, char *err, size_t errlen)
{
	static const char *const known[] = {"category", "levels", NULL};
	if (!json_is_object(obj))
		return fail(err, errlen, "%s: must be an object {\"category\", \"levels\"}", path);
	int rc = wg__data_only(obj, known, path, err, errlen);
	if (!rc)
		rc = wg__data_string(obj, "category", 4, true, path, &d->category, err, errlen);
	if (rc)
		return rc;
	bool digits = strlen(d->category) == 4;
	for (const char *p = d->category; digits && *p; p++)
		digits = *p >= '0' && *p <= '9';
	if (!digits)
		return fail(err, errlen, "%s.category: \"%s\" must be a 4-digit minor category code", path,
		            d->category);
	json_t *levels = json_object_get(obj, "levels");
	if (!json_is_array(levels) || json_array_size(levels) == 0)
		return fail(err, errlen, "%s.levels: must be a non-empty array of \"county\" and/or \"town\"",
		            path);
	size_t i;
	json_t *l;
	d->levels = 0;
	json_array_foreach(levels, i, l) {
		unsigned bit = wg_department_level_parse(json_string_value(l));
		if (!bit)
			return fail(err, errlen, "%s.levels[%zu]: must be \"county\" or \"town\"", path, i);
		if (d->levels & bit)
			return fail(err, errlen, "%s.levels[%zu]: %s appears twice", path, i,
			            wg_department_level_name(bit));
		if (!(def->levels & bit))
			return fail(err, errlen, "%s.levels[%zu]: %s has no %s level (see its name)", path, i,
			            def->key, wg_department_level_name(bit));
		d->levels |= bit;
	}
	return 0;
}

static int parse_def(const json_t *obj, size_t index, wg_department_set *s, wg_department_duty **next_duty,
                     char *err, size_t errlen)
{
	static const char *const known[] = {"key", "name", "name_en", "duties", NULL};
	char path[64];
	snprintf(path, sizeof path, "departments[%zu]", index);
	if (!json_is_object(obj))
		return fail(err, errlen, "%s: must be an object", path);
	wg_department_def *def = &s->items[s->n];
	*def = (wg_department_def){0};
	int rc = wg__data_only(obj, known, path, err, errlen);
	if (!rc)
		rc = wg__data_string(obj, "key", WG_DEPARTMENT_KEY_MAX, true, path, &def->key, err, errlen);
	if (!rc && !wg_department_key_ok(def->key))
		rc = fail(err, errlen, "%s.key: \"%s\" must be [a-z][a-z0-9_]*", path, def->key);
	if (!rc && wg_department_find(s, def->key))
		rc = fail(err, errlen, "%s.key: %s appears twice", path, def->key);
	unsigned en_levels = 0;
	if (!rc)
		rc = parse_names(obj, "name", WG_DEPARTMENT_NAME_MAX, path, def->name, &def->levels, err,
		                 errlen);
	if (!rc)
		rc = parse_names(obj, "name_en", WG_DEPARTMENT_NAME_EN_MAX, path, def->name_en, &en_levels,
		                 err, errlen);
	if (!rc && en_levels != def->levels)
		rc = fail(err, errlen, "%s.name_en: must name the same levels as name", path);
	json_t *duties = json_object_get(obj, "duties");
	if (!rc && !json_is_array(duties))
		rc = fail(err, errlen, "%s.duties: must be an array", path);
	if (rc)
		return rc;
	def->duties = *next_duty;
	size_t i;
	json_t *d;
	json_array_foreach(duties, i, d) {
		char here[96];
		snprintf(here, sizeof here, "%s.duties[%zu]", path, i);
		rc = parse_duty(d, here, def, &def->duties[i], err, errlen);
		for (size_t j = 0; !rc && j < i; j++)
			if (strcmp(def->duties[j].category, def->duties[i].category) == 0)
				rc = fail(err, errlen, "%s.category: %s appears twice", here,
				          def->duties[i].category);
		if (rc)
			return rc;
		def->nduties++;
	}
	*next_duty += def->nduties;
	s->n++;
	return 0;
}

const wg_department_def *wg_department_find(const wg_department_set *s, const char *key)
{
	for (size_t i = 0; key && i < s->n; i++)
		if (strcmp(s->items[i].key, key) == 0)
			return &s->items[i];
	return NULL;
}

bool wg_department_has_duty(const wg_department_def *def, const char *category, unsigned level)
{
	for (size_t i = 0; i < def->nduties; i++)
		if (strcmp(def->duties[i].category, category) == 0)
			return (def->duties[i].levels & level) != 0;
	return false;
}

void wg_department_set_free(wg_department_set *s)
{
	wg_free(s->items);
	wg_free(s->duties);
	json_decref(s->doc);
	*s = (wg_department_set){0};
}

int wg_department_parse(const char *text, size_t len, wg_department_set *out, char *err, size_t errlen)
{
	*out = (wg_department_set){0};
	if (err && errlen)
		err[0] = '\0';
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (err && errlen)
			snprintf(err, errlen, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return WG_EBADREQ;
	}
	static const char *const known[] = {"departments", NULL};
	json_t *list = json_object_get(doc, "departments");
	int rc = !json_is_object(doc)
	                 ? fail(err, errlen, "the document must be an object {\"departments\": [...]}")
	                 : wg__data_only(doc, known, "(document)", err, errlen);
	if (!rc && (!json_is_array(list) || json_array_size(list) == 0))
		rc = fail(err, errlen, "departments: must be a non-empty array");
	wg_department_set s = {.doc = doc};
	size_t nduties = 0, i;
	json_t *def;
	if (!rc) {
		json_array_foreach(list, i, def) {
			json_t *duties = json_object_get(def, "duties");
			nduties += json_is_array(duties) ? json_array_size(duties) : 0;
		}
		s.items = wg_calloc(json_array_size(list), sizeof *s.items);
		s.duties = wg_calloc(nduties ? nduties : 1, sizeof *s.duties);
		rc = s.items && s.duties ? 0 : WG_ENOMEM;
	}
	wg_department_duty *next = s.duties;
	if (!rc)
		json_array_foreach(list, i, def) {
			rc = parse_def(def, i, &s, &next, err, errlen);
			if (rc)
				break;
		}
	if (rc) {
		wg_department_set_free(&s);
		return rc;
	}
	*out = s;
	return 0;
}

static int check_owner(const wg_department_set *deps, const wg_category *c, unsigned level, const char *key,
                       const char *path, char *err, size_t errlen)
{
	const char *lname = wg_department_level_name(level);
	const wg_department_def *def = wg_department_find(deps, key);
	if (!def)
		return fail(err, errlen, "%s.owner.%s: no department \"%s\" in the departments file", path,
		            lname, key);
	if (!(def->levels & level))
		return fail(err, errlen, "%s.owner.%s: department %s has no %s level", path, lname, key,
		            lname);
	if (!wg_department_has_duty(def, c->code, level))
		return fail(err, errlen, "%s.owner.%s: department %s does not have %s among its %s duties",
		            path, lname, key, c->code, lname);
	return 0;
}

int wg_department_check(const wg_department_set *deps, const wg_category_set *cats, const char *cat_file,
                        const char *dep_file, char *err, size_t errlen)
{
	char why[400];
	for (size_t i = 0; i < deps->n; i++) {
		const wg_department_def *def = &deps->items[i];
		for (size_t j = 0; j < def->nduties; j++) {
			const wg_category *c = wg_category_find(cats, def->duties[j].category);
			if (!c || !c->parent)
				return fail(err, errlen,
				            "%s: departments[%zu].duties[%zu].category: %s is not a minor "
				            "category of %s",
				            dep_file, i, j, def->duties[j].category, cat_file);
		}
	}
	/* Paths into the categories file: find each minor's place again. */
	size_t major = 0, minor = 0;
	for (size_t i = 0; i < cats->n; i++) {
		const wg_category *c = &cats->items[i];
		if (!c->parent) {
			major = i ? major + 1 : 0;
			minor = 0;
			continue;
		}
		char path[64];
		snprintf(path, sizeof path, "categories[%zu].children[%zu]", major, minor++);
		int rc = check_owner(deps, c, WG_DEPARTMENT_TOWN, c->owner_town, path, why, sizeof why);
		if (!rc)
			rc = check_owner(deps, c, WG_DEPARTMENT_COUNTY, c->owner_county, path, why,
			                 sizeof why);
		if (rc)
			return fail(err, errlen, "%s: %s", cat_file, why);
	}
	return 0;
}

/* ---- instantiation ------------------------------------------------------------- */

struct place {
	char code[WG_REGION_CODE_LEN + 1];
	char name[4 * WG_REGION_NAME_MAX + 1];
	unsigned level;
};

/* Every county and town, read whole before writing (the writes must not
 * interleave with an open result on PostgreSQL's single connection). */
static int load_places(wg_db *db, struct place **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT code, name, level FROM regions WHERE level IN ('county', 'town') ORDER BY code",
		&st);
	if (rc)
		return rc;
	size_t cap = 0;
	struct place *p = NULL;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (*n == cap) {
			size_t bigger = cap ? 2 * cap : 64;
			struct place *q = wg_realloc(p, bigger * sizeof *q);
			if (!q) {
				rc = WG_ENOMEM;
				break;
			}
			p = q;
			cap = bigger;
		}
		const char *code = wg_stmt_text(st, 0, NULL), *name = wg_stmt_text(st, 1, NULL);
		snprintf(p[*n].code, sizeof p[*n].code, "%s", code ? code : "");
		snprintf(p[*n].name, sizeof p[*n].name, "%s", name ? name : "");
		p[*n].level = wg_department_level_parse(wg_stmt_text(st, 2, NULL));
		(*n)++;
	}
	wg_stmt_finalize(st);
	if (rc != WG_DB_DONE) {
		wg_free(p);
		*n = 0;
		return rc;
	}
	*out = p;
	return 0;
}

/* The region's significant prefix: 6 digits for a county, 9 for a town. */
static size_t prefix_len(unsigned level)
{
	return wg_region_prefix_len(level == WG_DEPARTMENT_COUNTY ? WG_REGION_COUNTY : WG_REGION_TOWN);
}

static int cmp_codes(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* codes[0..n) sorted and joined by ',' into a new string (free with
 * wg_free); NULL when memory runs out. Reorders codes. */
static char *join_codes(const char **codes, size_t n)
{
	qsort(codes, n, sizeof *codes, cmp_codes);
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(codes[i]) + 1;
	char *out = wg_malloc(len);
	if (!out)
		return NULL;
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s", i ? "," : "", codes[i]);
	return out;
}

/* The file's duties of def at one level, as the default_duties column
 * holds them. NULL when memory runs out. */
static char *default_duties_of(const wg_department_def *def, unsigned level)
{
	const char **codes = wg_calloc(def->nduties ? def->nduties : 1, sizeof *codes);
	if (!codes)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < def->nduties; i++)
		if (def->duties[i].levels & level)
			codes[n++] = def->duties[i].category;
	char *joined = join_codes(codes, n);
	wg_free(codes);
	return joined;
}

static int instantiate_one(wg_db *db, const struct place *p, const wg_department_def *def, int64_t now)
{
	unsigned li = LEVEL_INDEX(p->level);
	char code[WG_DEPARTMENT_CODE_MAX + 1], name[4 * (WG_REGION_NAME_MAX + WG_DEPARTMENT_NAME_MAX) + 1];
	snprintf(code, sizeof code, "%.*s-%s", (int)prefix_len(p->level), p->code, def->key);
	snprintf(name, sizeof name, "%s%s", p->name, def->name[li]);
	char *defaults = default_duties_of(def, p->level);
	if (!defaults)
		return WG_ENOMEM;
	int rc = wg_db_execf(db,
	                     "INSERT INTO departments (code, key, region, level, name, name_en, active, "
	                     "default_duties, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?) "
	                     "ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = "
	                     "excluded.name_en, active = 1, default_duties = excluded.default_duties, "
	                     "updated_at = excluded.updated_at, version = departments.version + 1",
	                     NULL, "tttttttii", code, def->key, p->code, wg_department_level_name(p->level),
	                     name, def->name_en[li], defaults, now, now);
	wg_free(defaults);
	/* An edited list stays as the sysadmin left it. */
	int64_t edited = 0;
	if (!rc)
		rc = wg_db_query_int(db,
		                     "SELECT coalesce(duties_edited_at, 0) FROM departments WHERE code = ?",
		                     &edited, "t", code);
	if (rc || edited)
		return rc;
	rc = wg_db_execf(db, "DELETE FROM department_duties WHERE department = ?", NULL, "t", code);
	for (size_t i = 0; !rc && i < def->nduties; i++)
		if (def->duties[i].levels & p->level)
			rc = wg_db_execf(db,
			                 "INSERT INTO department_duties (department, category) VALUES (?, ?)",
			                 NULL, "tt", code, def->duties[i].category);
	return rc;
}

int wg_department_instantiate(wg_db *db, const wg_department_set *s, int64_t *count, char *err, size_t errlen)
{
	struct place *places;
	size_t n;
	int64_t written = 0, now = wg_clock_now_ms();
	int rc = load_places(db, &places, &n);
	for (size_t i = 0; !rc && i < n; i++)
		for (size_t j = 0; !rc && j < s->n; j++) {
			if (!(s->items[j].levels & places[i].level))
				continue;
			rc = instantiate_one(db, &places[i], &s->items[j], now);
			if (rc && err && errlen)
				snprintf(err, errlen, "department %s of region %s: %s", s->items[j].key,
				         places[i].code,
				         rc == WG_ENOMEM ? "out of memory" : wg_db_errmsg(db));
			written++;
		}
	wg_free(places);
	if (count)
		*count = rc ? 0 : written;
	return rc;
}

int wg_department_load_data(wg_db *db, const char *cat_text, size_t cat_len, const char *cat_file,
                            const char *dep_text, size_t dep_len, const char *dep_file, int *loaded,
                            char *err, size_t errlen)
{
	wg_category_set cats;
	wg_department_set deps = {0};
	char why[400] = "";
	*loaded = 0;
	int rc = wg_category_parse(cat_text, cat_len, &cats, why, sizeof why);
	if (rc) {
		snprintf(err, errlen, "%s: %s", cat_file, why);
		return rc;
	}
	rc = wg_department_parse(dep_text, dep_len, &deps, why, sizeof why);
	if (rc)
		snprintf(err, errlen, "%s: %s", dep_file, why);
	if (!rc)
		rc = wg_department_check(&deps, &cats, cat_file, dep_file, err, errlen);
	if (!rc) {
		rc = wg_category_store(db, &cats, why, sizeof why);
		if (rc)
			snprintf(err, errlen, "%s: %s", cat_file, why);
	}
	int64_t count = 0;
	if (!rc) {
		rc = wg_department_instantiate(db, &deps, &count, why, sizeof why);
		if (rc)
			snprintf(err, errlen, "%s: %s", dep_file, why);
	}
	if (!rc)
		*loaded = (int)(cats.n + (size_t)count);
	wg_category_set_free(&cats);
	wg_department_set_free(&deps);
	return rc;
}

/* ---- stored departments --------------------------------------------------- */

#define VISIBLE_SQL "((d.region >= ? AND d.region < ?) OR d.region IN (?, ?, ?, ?, ?))"

/* Visibility: the scope, or a region above it (a town's users see their
 * county's departments). */
static int bind_visible(wg_stmt *st, int idx, const wg_scope *scope)
{
	wg_region_codes above;
	wg_region_above(scope->lo, &above);
	int rc = wg_scope_bind(scope, st, idx);
	return rc < 0 ? rc : wg_region_codes_bind(&above, st, rc);
}

/* Parameters: visibility (7), region range (2), level, pattern, key. */
#define FILTER_SQL                                                                            \
	VISIBLE_SQL " AND d.region >= ? AND d.region < ? AND d.level = coalesce(?, d.level) " \
		    "AND (d.name LIKE ? ESCAPE '!' OR d.key = ?)"

struct filter_binds {
	char lo[WG_REGION_CODE_LEN + 1], hi[WG_REGION_CODE_LEN + 1];
	char pattern[4 * WG_DEPARTMENT_NAME_MAX + 8];
};

static void filter_binds_of(const wg_department_filter *f, struct filter_binds *b)
{
	snprintf(b->lo, sizeof b->lo, "%s", "");
	snprintf(b->hi, sizeof b->hi, "%s", ":");
	enum wg_region_level level;
	if (wg_region_code_level(f->region, &level) && wg_scope_prefix(f->region, b->lo)) {
		size_t n = strlen(b->lo);
		memcpy(b->hi, b->lo, n + 1);
		b->hi[n - 1]++;
	}
	size_t j = 0;
	b->pattern[j++] = '%';
	for (const char *p = f->q ? f->q : ""; *p && j + 3 < sizeof b->pattern; p++) {
		if (*p == '%' || *p == '_' || *p == '!')
			b->pattern[j++] = '!';
		b->pattern[j++] = *p;
	}
	b->pattern[j++] = '%';
	b->pattern[j] = '\0';
}

static int bind_filter(wg_stmt *st, const wg_scope *scope, const wg_department_filter *f,
                       const struct filter_binds *b)
{
	int idx = bind_visible(st, 1, scope);
	if (idx < 0)
		return idx;
	int rc = wg_stmt_bind_text(st, idx, b->lo, strlen(b->lo));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, b->hi, strlen(b->hi));
	const char *level = wg_department_level_name(f->level);
	if (!rc)
		rc = level ? wg_stmt_bind_text(st, idx + 2, level, strlen(level))
		           : wg_stmt_bind_null(st, idx + 2);
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 3, b->pattern, strlen(b->pattern));
	if (!rc)
		rc = f->q ? wg_stmt_bind_text(st, idx + 4, f->q, strlen(f->q))
		          : wg_stmt_bind_null(st, idx + 4);
	return rc ? rc : idx + 5;
}

/* Rows of departments joined with their duties, one row per duty (one with
 * a NULL category for a department without duties), grouped into calls of
 * fn. */
struct grouper {
	char code[WG_DEPARTMENT_CODE_MAX + 1];
	char key[WG_DEPARTMENT_KEY_MAX + 1];
	char region[WG_REGION_CODE_LEN + 1];
	char level[8];
	char *name, *name_en, *default_duties;
	bool active, open;
	int64_t created_at, updated_at, duties_edited_at, version;
	char (*codes)[8];
	const char **ptrs;
	size_t n, cap;
};

static int grouper_flush(struct grouper *g, wg_department_fn fn, void *ctx)
{
	if (!g->open)
		return 0;
	for (size_t i = 0; i < g->n; i++)
		g->ptrs[i] = g->codes[i];
	wg_department d = {
		.code = g->code,
		.key = g->key,
		.region = g->region,
		.level = g->level,
		.name = g->name,
		.name_en = g->name_en,
		.active = g->active,
		.created_at = g->created_at,
		.updated_at = g->updated_at,
		.nduties = g->n,
		.duties = g->ptrs,
		.default_duties = g->default_duties,
		.duties_edited_at = g->duties_edited_at,
		.version = g->version,
	};
	g->open = false;
	return fn(ctx, &d);
}

static int grouper_row(struct grouper *g, wg_stmt *st, wg_department_fn fn, void *ctx)
{
	const char *code = wg_stmt_text(st, 0, NULL);
	if (!code)
		return WG_ESTORE;
	if (!g->open || strcmp(code, g->code) != 0) {
		int rc = grouper_flush(g, fn, ctx);
		if (rc)
			return rc;
		wg_free(g->name);
		wg_free(g->name_en);
		wg_free(g->default_duties);
		const char *name = wg_stmt_text(st, 4, NULL), *name_en = wg_stmt_text(st, 5, NULL),
			   *defaults = wg_stmt_text(st, 9, NULL);
		g->name = wg_strdup(name ? name : "");
		g->name_en = wg_strdup(name_en ? name_en : "");
		g->default_duties = wg_strdup(defaults ? defaults : "");
		if (!g->name || !g->name_en || !g->default_duties)
			return WG_ENOMEM;
		snprintf(g->code, sizeof g->code, "%s", code);
		const char *key = wg_stmt_text(st, 1, NULL), *region = wg_stmt_text(st, 2, NULL),
			   *level = wg_stmt_text(st, 3, NULL);
		snprintf(g->key, sizeof g->key, "%s", key ? key : "");
		snprintf(g->region, sizeof g->region, "%s", region ? region : "");
		snprintf(g->level, sizeof g->level, "%s", level ? level : "");
		g->active = wg_stmt_int(st, 6) != 0;
		g->created_at = wg_stmt_int(st, 7);
		g->updated_at = wg_stmt_int(st, 8);
		g->duties_edited_at = wg_stmt_int(st, 10);
		g->version = wg_stmt_int(st, 11);
		g->n = 0;
		g->open = true;
	}
	const char *category = wg_stmt_text(st, 12, NULL);
	if (!category)
		return 0;
	if (g->n == g->cap) {
		size_t bigger = g->cap ? 2 * g->cap : 32;
		void *codes = wg_realloc(g->codes, bigger * sizeof *g->codes);
		if (!codes)
			return WG_ENOMEM;
		g->codes = codes;
		void *ptrs = wg_realloc(g->ptrs, bigger * sizeof *g->ptrs);
		if (!ptrs)
			return WG_ENOMEM;
		g->ptrs = ptrs;
		g->cap = bigger;
	}
	snprintf(g->codes[g->n++], sizeof g->codes[0], "%s", category);
	return 0;
}

static int grouper_run(wg_stmt *st, int rc, wg_department_fn fn, void *ctx)
{
	struct grouper g = {0};
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = grouper_row(&g, st, fn, ctx);
	if (rc == WG_DB_DONE)
		rc = grouper_flush(&g, fn, ctx);
	wg_free(g.name);
	wg_free(g.name_en);
	wg_free(g.default_duties);
	wg_free(g.codes);
	wg_free(g.ptrs);
	return rc;
}

#define DEPARTMENT_COLUMNS                                                                            \
	"d.code, d.key, d.region, d.level, d.name, d.name_en, d.active, d.created_at, d.updated_at, " \
	"d.default_duties, d.duties_edited_at, d.version"

static int count_departments(wg_db *db, const wg_scope *scope, const wg_department_filter *f,
                             const struct filter_binds *b, int64_t *total)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT count(*) FROM departments d WHERE " FILTER_SQL, &st);
	if (rc)
		return rc;
	rc = bind_filter(st, scope, f, b);
	if (rc > 0)
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

int wg_department_list(wg_db *db, const wg_scope *scope, const wg_department_filter *f, wg_department_fn fn,
                       void *ctx, int64_t *total)
{
	struct filter_binds b = {0};
	filter_binds_of(f, &b);
	int rc = count_departments(db, scope, f, &b, total);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "SELECT " DEPARTMENT_COLUMNS
	                          ", dd.category FROM (SELECT " DEPARTMENT_COLUMNS
	                          " FROM departments d WHERE " FILTER_SQL " AND d.code > ? ORDER BY d.code "
	                          "LIMIT ?) d LEFT JOIN department_duties dd ON dd.department = d.code "
	                          "ORDER BY d.code, dd.category",
	                          &st);
	if (rc)
		return rc;
	rc = bind_filter(st, scope, f, &b);
	if (rc > 0) {
		const char *after = f->after ? f->after : "";
		int idx = rc;
		rc = wg_stmt_bind_text(st, idx, after, strlen(after));
		if (!rc)
			rc = wg_stmt_bind_int(st, idx + 1, f->limit);
	}
	rc = grouper_run(st, rc < 0 ? rc : 0, fn, ctx);
	wg_stmt_finalize(st);
	return rc;
}

struct found {
	wg_department_fn fn;
	void *ctx;
	bool seen;
};

static int found_one(void *ctx, const wg_department *d)
{
	struct found *f = ctx;
	f->seen = true;
	return f->fn(f->ctx, d);
}

int wg_department_get(wg_db *db, const wg_scope *scope, const char *code, wg_department_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT " DEPARTMENT_COLUMNS ", dd.category FROM departments d "
	                              "LEFT JOIN department_duties dd ON dd.department = d.code "
	                              "WHERE d.code = ? AND " VISIBLE_SQL " ORDER BY dd.category",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc)
		rc = bind_visible(st, 2, scope);
	struct found f = {fn, ctx, false};
	rc = grouper_run(st, rc < 0 ? rc : 0, found_one, &f);
	wg_stmt_finalize(st);
	return rc ? rc : f.seen ? 0 : WG_ENOTFOUND;
}

/* ---- create ----------------------------------------------------------------- */

static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!wg_utf8_valid(s, n) || wg_utf8_count(s, n) > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void check_name(const char *field, const char *value, size_t max, wg_field_errors *fe, bool *bad)
{
	if (!value || !*value) {
		*bad = true;
		wg_field_errors_add(fe, field, "required", "%s is required", field);
	} else if (!name_ok(value, max)) {
		*bad = true;
		wg_field_errors_add(fe, field, "pattern",
		                    "%s must be 1 to %zu characters without control characters", field, max);
	}
}

static int region_row(wg_db *db, const char *code, bool *found, char *name, size_t len)
{
	wg_stmt *st;
	*found = false;
	int rc = wg_db_prepare_cached(db, "SELECT name FROM regions WHERE code = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		*found = true;
		const char *n = wg_stmt_text(st, 0, NULL);
		snprintf(name, len, "%s", n ? n : "");
	}
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int check_input(wg_db *db, const wg_scope *scope, const wg_department_input *in, unsigned *level,
                       wg_field_errors *fe)
{
	bool bad = false;
	if (!in->key || !*in->key) {
		bad = true;
		wg_field_errors_add(fe, "key", "required", "key is required");
	} else if (!wg_department_key_ok(in->key)) {
		bad = true;
		wg_field_errors_add(fe, "key", "pattern",
		                    "key must be 1 to %d of a-z, 0-9 and '_', starting with a letter",
		                    WG_DEPARTMENT_KEY_MAX);
	}
	check_name("name", in->name, WG_DEPARTMENT_NAME_MAX, fe, &bad);
	check_name("name_en", in->name_en, WG_DEPARTMENT_NAME_EN_MAX, fe, &bad);
	enum wg_region_level rl;
	*level = 0;
	if (!in->region || !*in->region) {
		bad = true;
		wg_field_errors_add(fe, "region", "required", "region is required");
	} else if (!wg_region_code_level(in->region, &rl)) {
		bad = true;
		wg_field_errors_add(fe, "region", "pattern", "region must be a 12-digit division code");
	} else if (rl != WG_REGION_COUNTY && rl != WG_REGION_TOWN) {
		bad = true;
		wg_field_errors_add(fe, "region", "level",
		                    "departments belong to a county or a town, not a %s",
		                    wg_region_level_name(rl));
	} else {
		bool found = false;
		char name[4 * WG_REGION_NAME_MAX + 1];
		int rc = wg_scope_contains(scope, in->region)
		                 ? region_row(db, in->region, &found, name, sizeof name)
		                 : 0;
		if (rc)
			return rc;
		if (!found) {
			bad = true;
			wg_field_errors_add(fe, "region", "not_found", "no region %s in your area",
			                    in->region);
		}
		*level = rl == WG_REGION_COUNTY ? WG_DEPARTMENT_COUNTY : WG_DEPARTMENT_TOWN;
	}
	for (size_t i = 0; i < in->nduties; i++) {
		char field[32];
		snprintf(field, sizeof field, "duties[%zu]", i);
		const char *c = in->duties[i];
		bool found = false;
		int rc = c && strlen(c) == 4 ? wg_category_minor_exists(db, c, &found) : 0;
		if (rc)
			return rc;
		bool dup = false;
		for (size_t j = 0; c && j < i && !dup; j++)
			dup = in->duties[j] && strcmp(in->duties[j], c) == 0;
		if (!found) {
			bad = true;
			wg_field_errors_add(fe, field, "not_found", "%s is not a minor category code",
			                    c ? c : "null");
		} else if (dup) {
			bad = true;
			wg_field_errors_add(fe, field, "duplicate", "%s appears twice", c);
		}
	}
	return bad ? WG_EVALIDATION : 0;
}

int wg_department_create(wg_db *db, const wg_caller *actor, const char *audit_alg,
                         const wg_department_input *in, char code[WG_DEPARTMENT_CODE_MAX + 1],
                         wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(actor, &scope);
	unsigned level;
	int rc = check_input(db, &scope, in, &level, fe);
	if (rc)
		return rc;
	snprintf(code, WG_DEPARTMENT_CODE_MAX + 1, "%.*s-%s", (int)prefix_len(level), in->region, in->key);
	int64_t now = wg_clock_now_ms();
	/* The list it is created with is its default, as the file's is for
	 * the others. */
	const char **sorted = wg_calloc(in->nduties ? in->nduties : 1, sizeof *sorted);
	if (!sorted)
		return WG_ENOMEM;
	for (size_t i = 0; i < in->nduties; i++)
		sorted[i] = in->duties[i];
	char *defaults = join_codes(sorted, in->nduties);
	wg_free(sorted);
	if (!defaults)
		return WG_ENOMEM;
	rc = wg_db_execf(db,
	                 "INSERT INTO departments (code, key, region, level, name, name_en, active, "
	                 "default_duties, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
	                 NULL, "tttttttii", code, in->key, in->region, wg_department_level_name(level),
	                 in->name, in->name_en, defaults, now, now);
	wg_free(defaults);
	for (size_t i = 0; !rc && i < in->nduties; i++)
		rc = wg_db_execf(db, "INSERT INTO department_duties (department, category) VALUES (?, ?)",
		                 NULL, "tt", code, in->duties[i]);
	if (rc)
		return rc;
	json_t *detail = json_pack("{s:s, s:s, s:I}", "key", in->key, "region", in->region, "duties",
	                           (json_int_t)in->nduties);
	return wg_audit_record(db, audit_alg, actor, "department.create", "department", code, detail);
}

/* ---- an administrator's duty list ------------------------------------------- */

/* What set_duties reads of the department before changing it. */
struct duty_target {
	char region[WG_REGION_CODE_LEN + 1];
	bool active;
	int64_t version;
	char *defaults; /* default_duties; owned, free with wg_free */
};

static int load_target(wg_db *db, const wg_scope *scope, const char *code, struct duty_target *t)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT d.region, d.active, d.version, d.default_duties FROM "
	                              "departments d WHERE d.code = ? AND " VISIBLE_SQL,
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	if (!rc)
		rc = bind_visible(st, 2, scope);
	if (rc > 0)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		const char *region = wg_stmt_text(st, 0, NULL), *defaults = wg_stmt_text(st, 3, NULL);
		snprintf(t->region, sizeof t->region, "%s", region ? region : "");
		t->active = wg_stmt_int(st, 1) != 0;
		t->version = wg_stmt_int(st, 2);
		t->defaults = wg_strdup(defaults ? defaults : "");
		rc = t->defaults ? 0 : WG_ENOMEM;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	} else if (rc >= 0) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

/* A list of category codes read from the store or split from a column. */
struct code_list {
	char (*codes)[8];
	size_t n, cap;
};

static int code_list_add(struct code_list *l, const char *code, size_t len)
{
	if (l->n == l->cap) {
		size_t bigger = l->cap ? 2 * l->cap : 32;
		void *p = wg_realloc(l->codes, bigger * sizeof *l->codes);
		if (!p)
			return WG_ENOMEM;
		l->codes = p;
		l->cap = bigger;
	}
	snprintf(l->codes[l->n++], sizeof l->codes[0], "%.*s", (int)(len < 7 ? len : 7), code);
	return 0;
}

static bool code_list_has(const struct code_list *l, const char *code)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->codes[i], code) == 0)
			return true;
	return false;
}

/* The stored duty list of a department, read whole before any write. */
static int load_duties(wg_db *db, const char *code, struct code_list *out)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT category FROM department_duties WHERE department = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", code);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		size_t len;
		const char *c = wg_stmt_text(st, 0, &len);
		rc = c ? code_list_add(out, c, len) : 0;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* The default list that restoring puts back, without codes that are no
 * longer minor categories (a load that removed one rewrote the default
 * anyway; this only keeps the inserts valid). */
static int split_defaults(wg_db *db, const char *defaults, struct code_list *out)
{
	for (const char *p = defaults; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char code[8];
		snprintf(code, sizeof code, "%.*s", (int)(len < 7 ? len : 7), p);
		bool found = false;
		int rc = len == 4 ? wg_category_minor_exists(db, code, &found) : 0;
		if (!rc && found && !code_list_has(out, code))
			rc = code_list_add(out, code, len);
		if (rc)
			return rc;
		p = end ? end + 1 : p + len;
	}
	return 0;
}

static bool four_digits(const char *c)
{
	if (!c || strlen(c) != 4)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (c[i] < '0' || c[i] > '9')
			return false;
	return true;
}

static int check_duty_list(wg_db *db, const char *const *categories, size_t n, wg_field_errors *fe)
{
	if (n > WG_DEPARTMENT_DUTIES_MAX) {
		wg_field_errors_add(fe, "categories", "too_long", "a duty list holds at most %d categories",
		                    WG_DEPARTMENT_DUTIES_MAX);
		return WG_EVALIDATION;
	}
	bool bad = false;
	for (size_t i = 0; i < n; i++) {
		char field[32];
		snprintf(field, sizeof field, "categories[%zu]", i);
		const char *c = categories[i];
		bool found = false, dup = false;
		int rc = four_digits(c) ? wg_category_minor_exists(db, c, &found) : 0;
		if (rc)
			return rc;
		for (size_t j = 0; found && j < i && !dup; j++)
			dup = categories[j] && strcmp(categories[j], c) == 0;
		if (!four_digits(c))
			wg_field_errors_add(fe, field, "pattern", "a duty is a 4-digit minor category code");
		else if (!found)
			wg_field_errors_add(fe, field, "not_found", "%s is not a minor category", c);
		else if (dup)
			wg_field_errors_add(fe, field, "duplicate", "%s appears twice", c);
		bad = bad || !found || dup;
	}
	return bad ? WG_EVALIDATION : 0;
}

/* {"added": [...], "removed": [...], "restored": b}; NULL when memory ran out. */
static json_t *duties_detail(const struct code_list *was, const char *const *now, size_t n, bool restored)
{
	json_t *detail = json_pack("{s:[], s:[], s:b}", "added", "removed", "restored", restored);
	json_t *added = json_object_get(detail, "added"), *removed = json_object_get(detail, "removed");
	int bad = detail ? 0 : -1;
	for (size_t i = 0; !bad && i < n; i++)
		if (!code_list_has(was, now[i]))
			bad = json_array_append_new(added, json_string(now[i]));
	for (size_t i = 0; !bad && i < was->n; i++) {
		bool kept = false;
		for (size_t j = 0; j < n && !kept; j++)
			kept = strcmp(now[j], was->codes[i]) == 0;
		if (!kept)
			bad = json_array_append_new(removed, json_string(was->codes[i]));
	}
	if (bad) {
		json_decref(detail);
		return NULL;
	}
	return detail;
}

static int write_duties(wg_db *db, const wg_caller *actor, const char *audit_alg, const char *code,
                        const struct code_list *was, const char *const *list, size_t n, bool restore)
{
	int64_t now = wg_clock_now_ms();
	int rc = wg_db_execf(db, "DELETE FROM department_duties WHERE department = ?", NULL, "t", code);
	for (size_t i = 0; !rc && i < n; i++)
		rc = wg_db_execf(db, "INSERT INTO department_duties (department, category) VALUES (?, ?)",
		                 NULL, "tt", code, list[i]);
	if (!rc)
		rc = wg_db_execf(db,
		                 "UPDATE departments SET duties_edited_at = ?, duties_edited_by = ?, "
		                 "updated_at = ?, version = version + 1 WHERE code = ?",
		                 NULL, "zzit", restore ? (int64_t)0 : now,
		                 restore ? (int64_t)0 : actor->user_id, now, code);
	if (rc)
		return rc;
	return wg_audit_record(db, audit_alg, actor, "department.duties", "department", code,
	                       duties_detail(was, list, n, restore));
}

int wg_department_set_duties(wg_db *db, const wg_caller *actor, const char *audit_alg, const char *code,
                             const char *const *categories, size_t n, bool restore, int64_t expect_version,
                             wg_field_errors *fe, const char **why)
{
	wg_scope scope;
	wg_scope_of(actor, &scope);
	if (why)
		*why = NULL;
	struct duty_target t = {0};
	struct code_list was = {0}, defaults = {0};
	const char **list = NULL;
	int rc = code ? load_target(db, &scope, code, &t) : WG_ENOTFOUND;
	if (!rc && !wg_scope_contains(&scope, t.region))
		rc = WG_EFORBIDDEN;
	if (!rc && !restore)
		rc = check_duty_list(db, categories, n, fe);
	if (!rc && !t.active) {
		rc = WG_ECONFLICT;
		if (why)
			*why = "the department is not active";
	}
	if (!rc && expect_version && expect_version != t.version) {
		rc = WG_ECONFLICT;
		if (why)
			*why = "the department changed since you read it (If-Match)";
	}
	if (!rc)
		rc = load_duties(db, code, &was);
	if (!rc && restore) {
		rc = split_defaults(db, t.defaults, &defaults);
		list = wg_calloc(defaults.n ? defaults.n : 1, sizeof *list);
		if (!rc && !list)
			rc = WG_ENOMEM;
		for (size_t i = 0; !rc && i < defaults.n; i++)
			list[i] = defaults.codes[i];
		n = defaults.n;
	}
	const char *const *chosen = restore ? (const char *const *)list : categories;
	if (!rc)
		rc = write_duties(db, actor, audit_alg, code, &was, chosen, n, restore);
	wg_free(list);
	wg_free(defaults.codes);
	wg_free(was.codes);
	wg_free(t.defaults);
	return rc;
}
