/* category.h - case categories (事项分类): two levels, a major category of
 * two digits and its minor categories of four digits starting with the
 * major's (GB/T 30428.2 style), each minor with its default deadline and
 * the department (by key) that owns it at town and at county level.
 *
 * The categories are data, not code: data/categories.json is validated in
 * full by wg_category_parse (every problem names the JSON path), then
 * stored by wg_category_store; GET /categories reads them back with
 * wg_category_list. Owners are department keys (see department.h), which
 * routing resolves under a case's region.
 *
 * A sysadmin may change a minor category's deadline
 * (wg_category_set_deadline). The case engine reads the deadline from the
 * table each time it dispatches (there is no copy in memory), so the next
 * dispatch on any node uses the new one; cases already dispatched keep
 * theirs. The edit is marked, and a later load of a changed data file
 * keeps an edited deadline while still recording the file's value as the
 * default (to which the sysadmin may return). */
#ifndef WG_DOMAIN_CATEGORY_H
#define WG_DOMAIN_CATEGORY_H

#include "core/fielderr.h"
#include "domain/scope.h"
#include "store/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_CATEGORY_NAME_MAX 64     /* characters */
#define WG_CATEGORY_NAME_EN_MAX 128 /* characters */
#define WG_CATEGORY_DAYS_MAX 365    /* a deadline in working days */
#define WG_CATEGORY_HOURS_MAX 2920  /* a deadline in working hours (365 days of 8 hours) */

/* A category as parsed or stored. Strings belong to the set (parsed) or to
 * the statement (listed: valid during the callback only). The members
 * marked "stored" are 0 / NULL in a parsed set. */
typedef struct wg_category {
	const char *code;          /* "01" (major) or "0101" (minor) */
	const char *parent;        /* the major's code for a minor; NULL for a major */
	const char *kind;          /* "event" or "dispute" */
	const char *name;          /* Chinese */
	const char *name_en;       /* English */
	int64_t deadline;          /* minor: > 0; major: 0 */
	const char *deadline_unit; /* "working_days" or "working_hours"; NULL for a major */
	const char *owner_town;    /* department key owning it at town level; NULL for a major */
	const char *owner_county;  /* ... at county level */
	int64_t position;          /* order in the file, 0-based over all categories */
	/* stored: the data file's deadline, which an edit overrides; 0 / NULL for a major */
	int64_t default_deadline;
	const char *default_deadline_unit;
	int64_t deadline_edited_at; /* stored: when a sysadmin set the deadline (UTC ms); 0: never */
	int64_t version;            /* stored: counts changes of the row, for If-Match */
} wg_category;

/* Categories parsed from data/categories.json, majors each followed by
 * their minors, in file order. Owns the parsed document its strings point
 * into. */
typedef struct wg_category_set {
	wg_category *items;
	size_t n;
	json_t *doc;
} wg_category_set;

/* Parse and validate the text of data/categories.json:
 *   {"categories": [{"code": "01", "name", "name_en", "kind": "event"|"dispute",
 *                    "children": [{"code": "0101", "name", "name_en", "kind",
 *                                  "deadline": {"working_days": N} | {"working_hours": N},
 *                                  "owner": {"town": KEY, "county": KEY}}, ...]}, ...]}
 * Checks every member: no unknown members; codes of 2 and 4 digits, a
 * minor's starting with its major's, none twice; names of 1..64 (English
 * 1..128) characters without control characters; a minor's kind equal to
 * its major's; at least one minor per major; one deadline unit with a
 * whole number within 1..WG_CATEGORY_DAYS_MAX or 1..WG_CATEGORY_HOURS_MAX;
 * owners that are department keys (wg_department_key_ok; whether the departments exist and
 * hold the duty is checked by wg_department_check). Returns 0 with *out
 * filled (free with wg_category_set_free); WG_EBADREQ when the text is not
 * JSON and WG_EVALIDATION for a rule broken, with the path and reason in
 * err ("categories[2].children[0].deadline: ..."); WG_ENOMEM. On failure
 * *out is empty. */
int wg_category_parse(const char *text, size_t len, wg_category_set *out, char *err, size_t errlen);

/* Free what wg_category_parse made; an empty set is fine. */
void wg_category_set_free(wg_category_set *s);

/* The category with this code in the set, or NULL. */
const wg_category *wg_category_find(const wg_category_set *s, const char *code);

/* Make the categories table hold exactly the set: insert new codes, update
 * changed ones, delete codes no longer in the file together with their
 * duties (a category still used elsewhere cannot go: WG_ECONFLICT, named
 * in err). The file's deadline always becomes the default deadline, and
 * the deadline too unless a sysadmin edited it (wg_category_set_deadline),
 * which stays. Runs in the caller's transaction. Returns 0, WG_ECONFLICT,
 * WG_ESTORE. */
int wg_category_store(wg_db *db, const wg_category_set *s, char *err, size_t errlen);

/* Stored categories: every major (with kind given: of that kind) followed
 * by its minors, in file order. fn's non-zero return stops the walk and is
 * returned. Returns 0, that value or WG_ESTORE. */
typedef int (*wg_category_fn)(void *ctx, const wg_category *c);
int wg_category_list(wg_db *db, const char *kind, wg_category_fn fn, void *ctx);

/* Whether code names a stored minor category (what a duty or a case
 * refers to). Returns 0 with *found set, or WG_ESTORE. */
int wg_category_minor_exists(wg_db *db, const char *code, bool *found);

/* A change of a minor category's deadline. */
typedef struct wg_category_deadline_input {
	bool restore;      /* back to the default (the data file's); the rest unused */
	bool set_deadline; /* deadline given; otherwise the current number stays */
	int64_t deadline;  /* the number of units */
	const char *unit;  /* "working_days" or "working_hours"; NULL: keep the current unit */
} wg_category_deadline_input;

/* Set the deadline of the minor category code, mark it edited by actor
 * (so that data loads keep it), or with in->restore put back the default
 * and clear the mark; appends the audit row "category.deadline" in the
 * caller's transaction. The resulting number must lie within
 * 1..WG_CATEGORY_DAYS_MAX working days or 1..WG_CATEGORY_HOURS_MAX working
 * hours. Field errors: deadline (required: nothing given; range; major: a
 * major category has no deadline), deadline_unit (unknown). expect_version
 * (0: not checked) must equal the stored version. Returns 0, WG_ENOTFOUND
 * (no such code), WG_EVALIDATION, WG_ECONFLICT (stale version), WG_ESTORE
 * or WG_ENOMEM. Allocates nothing that outlives the call. */
int wg_category_set_deadline(wg_db *db, const wg_caller *actor, const char *audit_alg, const char *code,
                             const wg_category_deadline_input *in, int64_t expect_version,
                             wg_field_errors *fe);

/* Shared with department.c, which reads its data file the same way: each
 * records "PATH.member: reason" in err and returns WG_EVALIDATION. */
/* Refuse members of obj not in known (NULL-ended). */
int wg__data_only(const json_t *obj, const char *const *known, const char *path, char *err, size_t errlen);
/* A string member of 1..max_chars characters without control characters;
 * NULL in *out when absent and not required. */
int wg__data_string(const json_t *obj, const char *member, size_t max_chars, bool required, const char *path,
                    const char **out, char *err, size_t errlen);

#endif
