#include "domain/routing.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

/* The town and county a case at level in region deals with, as 12-digit
 * codes; town is "" for a county-level case. Returns 0, WG_ENOTFOUND when
 * region is not a code at or below the level's area, WG_EINTERNAL for an
 * unknown level. */
static int areas_of(const char *region, const char *level, char town[WG_REGION_CODE_LEN + 1],
                    char county[WG_REGION_CODE_LEN + 1])
{
	bool at_county;
	if (!level)
		return WG_EINTERNAL;
	if (strcmp(level, "county") == 0)
		at_county = true;
	else if (strcmp(level, "town") == 0 || strcmp(level, "village") == 0 || strcmp(level, "grid") == 0)
		at_county = false;
	else
		return WG_EINTERNAL;
	town[0] = county[0] = '\0';
	enum wg_region_level rl;
	if (!wg_region_code_level(region, &rl) || rl < (at_county ? WG_REGION_COUNTY : WG_REGION_TOWN))
		return WG_ENOTFOUND;
	size_t cl = wg_region_prefix_len(WG_REGION_COUNTY), tl = wg_region_prefix_len(WG_REGION_TOWN);
	snprintf(county, WG_REGION_CODE_LEN + 1, "%.*s%0*d", (int)cl, region, (int)(WG_REGION_CODE_LEN - cl),
	         0);
	if (!at_county)
		snprintf(town, WG_REGION_CODE_LEN + 1, "%.*s%0*d", (int)tl, region,
		         (int)(WG_REGION_CODE_LEN - tl), 0);
	return 0;
}

/* The owner first, then the others by code: one query answers both the
 * rule and its fallback. d.region is the town or county itself, which
 * with the key makes the code "prefix-key" (UNIQUE (region, key)). */
static const char owner_sql[] =
	"SELECT d.code FROM departments d "
	"JOIN department_duties dd ON dd.department = d.code "
	"JOIN categories c ON c.code = dd.category "
	"WHERE dd.category = ? AND d.region = ? AND d.active = 1 "
	"ORDER BY CASE WHEN d.key = CASE WHEN ? = 1 THEN c.owner_county ELSE c.owner_town END "
	"THEN 0 ELSE 1 END, d.code "
	"LIMIT 1";

int wg_routing_owner(wg_db *db, const char *category, const char *level, const char *region, char *out,
                     size_t outlen)
{
	if (outlen)
		out[0] = '\0';
	char town[WG_REGION_CODE_LEN + 1], county[WG_REGION_CODE_LEN + 1];
	int rc = areas_of(region, level, town, county);
	if (rc)
		return rc;
	if (!category)
		return WG_ENOTFOUND;
	bool at_county = town[0] == '\0';
	wg_stmt *st;
	rc = wg_db_prepare_cached(db, owner_sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tti", category, at_county ? county : town, (int64_t)at_county);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		size_t len;
		const char *code = wg_stmt_text(st, 0, &len);
		if (!code) {
			rc = WG_ESTORE;
		} else if (len >= outlen) {
			rc = WG_ETOOLARGE;
		} else {
			memcpy(out, code, len + 1);
			rc = 0;
		}
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc;
}

static const char check_sql[] =
	"SELECT d.name, d.level, d.region, d.active, "
	"EXISTS (SELECT 1 FROM department_duties dd WHERE dd.department = d.code AND dd.category = ?) "
	"FROM departments d WHERE d.code = ?";

int wg_routing_check(wg_db *db, const char *department, const char *region, const char *level,
                     const char *category, wg_routing_dept *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->code, sizeof out->code, "%s", department ? department : "");
	char town[WG_REGION_CODE_LEN + 1], county[WG_REGION_CODE_LEN + 1];
	int area = areas_of(region, level, town, county);
	if (area == WG_EINTERNAL)
		return area;
	if (!department)
		return 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, check_sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tt", category, department);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		const char *name = wg_stmt_text(st, 0, NULL), *lv = wg_stmt_text(st, 1, NULL),
			   *at = wg_stmt_text(st, 2, NULL);
		out->found = true;
		snprintf(out->name, sizeof out->name, "%s", name ? name : "");
		snprintf(out->level, sizeof out->level, "%s", lv ? lv : "");
		out->active = wg_stmt_int(st, 3) != 0;
		out->has_duty = category && wg_stmt_int(st, 4) != 0;
		/* An area that does not exist (area != 0) reaches nothing. */
		out->in_reach = out->active && area == 0 && at &&
		                (strcmp(at, county) == 0 || (town[0] && strcmp(at, town) == 0));
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc;
}
