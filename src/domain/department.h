/* department.h - departments (部门 / 职能部门) and their duty lists
 * (职责清单 / 准入事项).
 *
 * The kinds of department are data: data/departments.json names each by a
 * key ("police"), its name at county and/or town level (公安局 / 派出所)
 * and its duties, the minor categories it handles and at which levels.
 * Loading instantiates every kind in every county and town of the region
 * table: code = the region's significant prefix, '-' and the key
 * (610326-police, 610326101-police), name = the region's name and the
 * level's (眉县公安局, 首善街道派出所). Because the code starts with the
 * region's prefix, a scope prefix also selects the departments of an area.
 *
 * A sysadmin may add further departments (wg_department_create) and
 * replace a department's duty list (wg_department_set_duties). Routing
 * reads the duty lists from the table on every dispatch (no copy in
 * memory), so an edit routes the next case on any node. An edited list is
 * marked, and a later load of a changed data file keeps it whole, while
 * still recording the file's list as the default (to which the sysadmin
 * may return).
 *
 * Every reader sees the departments of the regions in their scope and of
 * the regions above it (a town centre dispatches to county departments),
 * never those of a sibling area. */
#ifndef WG_DOMAIN_DEPARTMENT_H
#define WG_DOMAIN_DEPARTMENT_H

#include "core/fielderr.h"
#include "domain/category.h"
#include "domain/scope.h"
#include "store/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_DEPARTMENT_KEY_MAX 32
#define WG_DEPARTMENT_CODE_MAX (9 + 1 + WG_DEPARTMENT_KEY_MAX) /* town prefix, '-', key */
#define WG_DEPARTMENT_NAME_MAX 64                              /* characters */
#define WG_DEPARTMENT_NAME_EN_MAX 128                          /* characters */
#define WG_DEPARTMENT_DUTIES_MAX 1000                          /* categories in one duty list */

/* Levels as bits, so that a duty can name both. */
enum wg_department_level {
	WG_DEPARTMENT_COUNTY = 1,
	WG_DEPARTMENT_TOWN = 2,
};

/* Whether key has the form of a department key: [a-z][a-z0-9_]*, 1..32. */
bool wg_department_key_ok(const char *key);

/* "county" or "town" for one level bit; NULL otherwise. */
const char *wg_department_level_name(unsigned level);

/* Parse "county" / "town" into its bit; 0 for anything else. */
unsigned wg_department_level_parse(const char *name);

/* ---- the data file ------------------------------------------------------- */

typedef struct wg_department_duty {
	const char *category; /* minor category code */
	unsigned levels;      /* wg_department_level bits */
} wg_department_duty;

/* One kind of department from data/departments.json; strings belong to
 * the set. */
typedef struct wg_department_def {
	const char *key;
	const char *name[2];    /* [0] county, [1] town: NULL where it has none */
	const char *name_en[2]; /* the same levels as name */
	unsigned levels;        /* where it exists */
	wg_department_duty *duties;
	size_t nduties;
} wg_department_def;

typedef struct wg_department_set {
	wg_department_def *items;
	size_t n;
	wg_department_duty *duties; /* storage of every def's duties */
	json_t *doc;
} wg_department_set;

/* Parse and validate the text of data/departments.json:
 *   {"departments": [{"key": "police",
 *                     "name": {"county": "公安局", "town": "派出所"},
 *                     "name_en": {"county": "...", "town": "..."},
 *                     "duties": [{"category": "0501", "levels": ["town", "county"]}]}]}
 * Checks: no unknown members; keys of the form above and none twice; at
 * least one level, the same levels in name and name_en, names of 1..64
 * (English 1..128) characters; duties naming 4-digit codes, none twice,
 * with one or more levels among those the department has. Whether the
 * categories exist is wg_department_check's business. Returns 0 with *out
 * filled (free with wg_department_set_free); WG_EBADREQ (not JSON) or
 * WG_EVALIDATION with the path and reason in err; WG_ENOMEM. On failure
 * *out is empty. */
int wg_department_parse(const char *text, size_t len, wg_department_set *out, char *err, size_t errlen);

void wg_department_set_free(wg_department_set *s);

/* The kind with this key, or NULL. */
const wg_department_def *wg_department_find(const wg_department_set *s, const char *key);

/* Whether def handles category at level (one bit). */
bool wg_department_has_duty(const wg_department_def *def, const char *category, unsigned level);

/* Check the two files against each other: every duty names a minor
 * category of cats; every minor category's owner at town and at county is
 * a department that exists at that level and has the category among its
 * duties there. Messages start with the name of the file at fault
 * (cat_file or dep_file as given) and the JSON path. Returns 0 or
 * WG_EVALIDATION. */
int wg_department_check(const wg_department_set *deps, const wg_category_set *cats, const char *cat_file,
                        const char *dep_file, char *err, size_t errlen);

/* Create or update, in every county and town of the regions table, the
 * department of each kind that exists at that level, record the file's
 * duty list for that level as its default, and make it the duty list too
 * unless a sysadmin edited the list (wg_department_set_duties), which
 * stays. Departments added through the API (keys not in the file) are
 * left alone. *count (may be NULL) gets the departments written. Runs in
 * the caller's transaction. Returns 0, WG_ESTORE or WG_ENOMEM (err says
 * which department failed). */
int wg_department_instantiate(wg_db *db, const wg_department_set *s, int64_t *count, char *err,
                              size_t errlen);

/* Parse both files, check them against each other, store the categories
 * and instantiate the departments: what `wangge migrate` runs when either
 * file or the regions changed. cat_file and dep_file name the files in
 * messages. *loaded gets the categories plus the departments written.
 * Returns 0 or the first error, with the file and reason in err. */
int wg_department_load_data(wg_db *db, const char *cat_text, size_t cat_len, const char *cat_file,
                            const char *dep_text, size_t dep_len, const char *dep_file, int *loaded,
                            char *err, size_t errlen);

/* ---- stored departments --------------------------------------------------- */

/* A stored department; strings and duties are valid during the callback. */
typedef struct wg_department {
	const char *code;
	const char *key;
	const char *region; /* 12-digit county or town code */
	const char *level;  /* "county" or "town" */
	const char *name;
	const char *name_en;
	bool active;
	int64_t created_at;
	int64_t updated_at;
	size_t nduties;
	const char *const *duties; /* minor category codes, ascending */
	/* The data file's list for the department's level (for one added
	 * through the API: the list it was created with), ascending codes
	 * joined by ','; "" for none. */
	const char *default_duties;
	int64_t duties_edited_at; /* when a sysadmin set the list (UTC ms); 0: never */
	int64_t version;          /* counts changes of the department, for If-Match */
} wg_department;

typedef int (*wg_department_fn)(void *ctx, const wg_department *d);

typedef struct wg_department_filter {
	const char *region; /* departments of this region and the regions under it; NULL: all */
	unsigned level;     /* wg_department_level bit; 0: both */
	const char *q;      /* part of the name, or the exact key; NULL: any */
	const char *after;  /* paging: codes after this one; NULL: from the first */
	int64_t limit;      /* at most this many */
} wg_department_filter;

/* Departments visible in scope (see the top of this file) matching f, in
 * code order (a county's before its towns'), each with its duties.
 * *total gets the number of all matches. A callback's non-zero return
 * stops the walk and is returned. Returns 0, that value, WG_ESTORE or
 * WG_ENOMEM. */
int wg_department_list(wg_db *db, const wg_scope *scope, const wg_department_filter *f, wg_department_fn fn,
                       void *ctx, int64_t *total);

/* One department visible in scope. Returns 0 (fn called), WG_ENOTFOUND,
 * fn's value, WG_ESTORE or WG_ENOMEM. */
int wg_department_get(wg_db *db, const wg_scope *scope, const char *code, wg_department_fn fn, void *ctx);

/* A new department from the API. */
typedef struct wg_department_input {
	const char *key;
	const char *region; /* a county or town code in the actor's scope */
	const char *name;
	const char *name_en;
	const char *const *duties; /* minor category codes */
	size_t nduties;
} wg_department_input;

/* Create a department with its duties and append its audit row
 * (department.create) in the caller's transaction. Field errors: key
 * (required, pattern), region (required, pattern, level: not a county or
 * town, not_found: absent or outside the actor's scope), name, name_en
 * (required, too_long, pattern), duties[i] (pattern, not_found,
 * duplicate). The duties given are also its default list (see
 * wg_department_set_duties). code gets the new code. Returns 0, WG_EVALIDATION,
 * WG_ECONFLICT (the region already has a department with this key),
 * WG_ESTORE or WG_ENOMEM. */
int wg_department_create(wg_db *db, const wg_caller *actor, const char *audit_alg,
                         const wg_department_input *in, char code[WG_DEPARTMENT_CODE_MAX + 1],
                         wg_field_errors *fe);

/* Make the duty list of department code exactly the n categories given
 * (restore false), or its default list (restore true: categories unused),
 * in the caller's transaction, and append the audit row
 * "department.duties" with the codes added and removed. A set list is
 * marked edited by actor, so that data loads keep it; restoring clears the
 * mark. actor is the caller (user_id 0 and no scope: the system, which
 * sees every department). The department must be visible to actor (else WG_ENOTFOUND, as for
 * one that does not exist) and of a region in actor's own area (one of an
 * area above: WG_EFORBIDDEN). Field errors: categories[i] (pattern: not a
 * 4-digit code, NULL included; not_found: no such minor category;
 * duplicate), categories (too_long: more than WG_DEPARTMENT_DUTIES_MAX).
 * expect_version (0: not checked) must equal the stored version. Returns
 * 0; WG_ENOTFOUND; WG_EFORBIDDEN; WG_EVALIDATION; WG_ECONFLICT with *why
 * (may be NULL) set to a static sentence (an inactive department, a stale
 * version); WG_ESTORE or WG_ENOMEM. Allocates nothing that outlives the
 * call. */
int wg_department_set_duties(wg_db *db, const wg_caller *actor, const char *audit_alg, const char *code,
                             const char *const *categories, size_t n, bool restore, int64_t expect_version,
                             wg_field_errors *fe, const char **why);

#endif
