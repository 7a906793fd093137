/* routing.h - routing (分流): which department owns a case, and which
 * departments a case may go to, from the duty lists (职责清单).
 *
 * A case stands at a level (grid, village, town or county) in a region.
 * Up to the town level its departments are those of its town (the
 * region's first 9 digits) and of its county above; a county-level case
 * has only the county's. The owner of a category at each level is a
 * department key in the categories table (owner_town, owner_county), which
 * names the department "prefix-key" of the town or county (department.h).
 *
 * The case engine calls these inside its write transactions; they only
 * read. Nothing here knows the caller's scope: deciding who may dispatch
 * is the case engine's business. */
#ifndef WG_DOMAIN_ROUTING_H
#define WG_DOMAIN_ROUTING_H

#include "domain/department.h"
#include "domain/region.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a stored department name: instantiation joins the region's name
 * and the kind's, each of up to 64 characters of up to 4 bytes. */
#define WG_ROUTING_NAME_MAX (4 * (WG_REGION_NAME_MAX + WG_DEPARTMENT_NAME_MAX))

/* The owner department of category for a case at level ("grid", "village",
 * "town" or "county") in region (a 12-digit code): the category's
 * owner_town key under the case's town for the first three levels, its
 * owner_county key under the county for "county". When that department
 * does not exist, is inactive or lacks the category in its duty list, the
 * first active department (by code) of the same town or county whose duty
 * list holds the category. out gets the code (WG_DEPARTMENT_CODE_MAX + 1
 * bytes are always enough). Returns 0; WG_ENOTFOUND when no department
 * qualifies (also for an unknown category, or a region that has no town or
 * county at that level, such as a county code for a town-level case);
 * WG_ETOOLARGE when the code does not fit in outlen bytes (out is then
 * empty); WG_EINTERNAL for a level that is none of the four; WG_ESTORE.
 * Allocates nothing of its own. */
int wg_routing_owner(wg_db *db, const char *category, const char *level, const char *region, char *out,
                     size_t outlen);

/* What wg_routing_check found out about one department. */
typedef struct wg_routing_dept {
	char code[WG_DEPARTMENT_CODE_MAX + 1]; /* as asked (cut to fit) */
	char name[WG_ROUTING_NAME_MAX + 1];    /* "" when not found */
	char level[8];                         /* "county" or "town"; "" when not found */
	bool found;                            /* the department exists */
	bool active;                           /* ... and is active */
	/* It may take the case: found, active, and a department of the case's
	 * town or county (county only for a county-level case). */
	bool in_reach;
	/* A category was given and the department's duty list holds it. A
	 * centre may still dispatch outside the duty list (with a reason);
	 * this only tells. */
	bool has_duty;
} wg_routing_dept;

/* Whether department may be dispatched to, summoned or made a co-handler
 * for a case at level in region, and whether its duty list holds category
 * (NULL: not asked, has_duty false). Fills *out in every case. Callers
 * answering a user should give a found department that is out of reach the
 * same answer as an absent one where the user cannot see it. Returns 0
 * (the answer is in out), WG_EINTERNAL for an unknown level, or WG_ESTORE.
 * Allocates nothing of its own. */
int wg_routing_check(wg_db *db, const char *department, const char *region, const char *level,
                     const char *category, wg_routing_dept *out);

#endif
