/* region.h - the region tree (行政区划) keyed by 12-digit division codes.
 *
 * Levels follow from the code: 61 0000000000 is a province, 6103 00000000 a
 * city, 610326 000000 a county, 610326101 000 a town (镇/街道) and
 * 610326101201 a village or community (村/社区). The significant prefix of a
 * code (2, 4, 6, 9 or 12 digits) is what scope checks and statistics match
 * on. Rows are visited through callbacks so that callers stream them
 * without copying; a wg_region passed to a callback is valid during the
 * call only. */
#ifndef WG_DOMAIN_REGION_H
#define WG_DOMAIN_REGION_H

#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wg_region_level {
	WG_REGION_PROVINCE,
	WG_REGION_CITY,
	WG_REGION_COUNTY,
	WG_REGION_TOWN,
	WG_REGION_VILLAGE,
};

#define WG_REGION_CODE_LEN 12
#define WG_REGION_NAME_MAX 64 /* characters */

typedef struct wg_region {
	const char *code;
	const char *parent; /* NULL for a province */
	enum wg_region_level level;
	const char *name;
	int64_t children; /* regions directly under it */
} wg_region;

/* Level of a 12-digit code; false if s is not one (wrong length, non-digits,
 * or province digits 00). */
bool wg_region_code_level(const char *s, enum wg_region_level *level);

/* "province", "city", "county", "town", "village". */
const char *wg_region_level_name(enum wg_region_level level);

/* The code of the level above (for a province: false). parent gets 13 bytes. */
bool wg_region_parent_code(const char *code, char parent[WG_REGION_CODE_LEN + 1]);

/* Digits of a code that matter at its level (2, 4, 6, 9 or 12). */
size_t wg_region_prefix_len(enum wg_region_level level);

/* Region codes of the areas around a place, at most one per level. */
typedef struct wg_region_codes {
	int n;
	char code[5][WG_REGION_CODE_LEN + 1];
} wg_region_codes;

/* The regions above a scope prefix (wg_scope's lo): a town's province, city
 * and county, a grid's village too; none for the empty scope ("~"). Their
 * records (departments, mediation bodies) are seen from below. */
void wg_region_above(const char *prefix, wg_region_codes *out);

/* The regions whose areas hold region (12 digits): those above it and
 * itself. false when region is not a region code. */
bool wg_region_reach(const char *region, wg_region_codes *out);

/* Binds the codes at idx .. idx + 4, NULL where there are fewer (for
 * "col IN (?, ?, ?, ?, ?)"). Returns idx + 5 or a negative WG_E code. */
int wg_region_codes_bind(const wg_region_codes *c, wg_stmt *st, int idx);

typedef int (*wg_region_fn)(void *ctx, const wg_region *r);

/* What a scope sees of the tree: the regions in its range and those above
 * it (so a town operator sees the province, city and county on the way
 * down to the town, but no other town). */
struct wg_scope;

/* Children of parent (NULL: the top level) visible in scope, ordered by
 * code, starting after code `after` (NULL: from the first), at most limit
 * of them. *total gets the number of all visible children. Returns 0,
 * WG_ENOTFOUND if parent does not exist or is not visible, the callback's
 * non-zero value, or WG_ESTORE / WG_ENOMEM. */
int wg_region_children(wg_db *db, const struct wg_scope *scope, const char *parent, const char *after,
                       int64_t limit, wg_region_fn fn, void *ctx, int64_t *total);

/* One region visible in scope: fn is called for each region on the path from the top down
 * (ancestors first), then self_fn for the region itself. Returns 0,
 * WG_ENOTFOUND, a callback's value, or WG_ESTORE. */
int wg_region_get(wg_db *db, const struct wg_scope *scope, const char *code, wg_region_fn path_fn,
                  wg_region_fn self_fn, void *ctx);

/* Create a region under the parent its code implies, within scope.
 * Returns 0, WG_ECONFLICT if the code exists, WG_ENOTFOUND if the parent
 * does not exist or the code lies outside scope,
 * WG_EVALIDATION for a code that is not a region code, or WG_ESTORE. */
int wg_region_create(wg_db *db, const struct wg_scope *scope, const char *code, const char *name);

/* Load region rows from CSV text (columns code,parent,name with a header
 * line; parents before children), inserting new codes and renaming
 * existing ones. *loaded gets the rows applied. Errors name the line in
 * err: WG_EVALIDATION for bad rows, WG_EBADREQ for malformed CSV. */
int wg_region_load_csv(wg_db *db, const char *text, size_t len, int *loaded, char *err, size_t errlen);

#endif
