/* scope.h - who may see what: the one place where the caller's area is
 * turned into a query condition.
 *
 * Every scoped record carries a scope_key: its grid code when it has a grid,
 * else its region code (12 digits). Grid codes start with their village's
 * region code, so "everything under this region or grid" is a prefix of
 * scope_key, which is the range [lo, hi) on an indexed column:
 *
 *     town user 610326101000  -> prefix 610326101 -> [610326101, 610326102)
 *     grid user 610326101201003 -> the grid code itself
 *
 * Domain queries that list, load, count, search or export write
 * WG_SCOPE_SQL("t.scope_key") into their WHERE clause and bind it with
 * wg_scope_bind; a record outside the range is then absent, which the API
 * answers 404 exactly like a record that does not exist. Department roles
 * additionally see what is assigned to their department
 * (WG_SCOPE_DEPT_SQL). */
#ifndef WG_DOMAIN_SCOPE_H
#define WG_DOMAIN_SCOPE_H

#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

#define WG_SCOPE_KEY_MAX 32

/* The signed-in user making a request (or the system, user_id 0). Strings
 * are owned by whoever built the caller (the request's arena). */
typedef struct wg_caller {
	int64_t user_id;
	const char *username;
	unsigned roles;         /* enum wg_role bits */
	const char *scope;      /* the account's region or grid code */
	const char *department; /* department code for department roles, else NULL */
	const char *address;    /* client address, for the audit trail */
} wg_caller;

typedef struct wg_scope {
	char lo[WG_SCOPE_KEY_MAX + 1]; /* scope_key >= lo */
	char hi[WG_SCOPE_KEY_MAX + 1]; /* scope_key < hi */
	const char *department;        /* NULL unless a department role */
} wg_scope;

/* The caller's scope. The system caller (user_id 0, scope NULL) sees
 * everything; an account whose scope is not a region or grid code gets an
 * empty range and sees nothing. */
void wg_scope_of(const wg_caller *c, wg_scope *s);

/* The caller's scope over matters (cases and their attachments): as
 * wg_scope_of, except that an account holding only department roles gets
 * an empty range and sees matters only through its department (the ones
 * it owns, co-handles or was summoned to), though its account sits at the
 * county for the map and the region tree. */
void wg_scope_of_matters(const wg_caller *c, wg_scope *s);

/* The prefix of a region or grid code that its area shares with everything
 * under it: 2, 4, 6, 9 or 12 digits of a region code by its level; a grid
 * code whole. prefix gets WG_SCOPE_KEY_MAX + 1 bytes. Returns false when
 * code is neither. */
bool wg_scope_prefix(const char *code, char *prefix);

/* Whether a record's scope_key lies in s (what WG_SCOPE_SQL tests). */
bool wg_scope_contains(const wg_scope *s, const char *scope_key);

/* Condition on one column; bind with wg_scope_bind (2 parameters). */
#define WG_SCOPE_SQL(col) "(" col " >= ? AND " col " < ?)"
/* Region scope, or assigned to the caller's department; bind with
 * wg_scope_bind_dept (3 parameters). */
#define WG_SCOPE_DEPT_SQL(col, dept_col) "((" col " >= ? AND " col " < ?) OR " dept_col " = ?)"

/* Bind the parameters at idx and after. Returns the next free index, or a
 * negative WG_E code. */
int wg_scope_bind(const wg_scope *s, wg_stmt *st, int idx);
int wg_scope_bind_dept(const wg_scope *s, wg_stmt *st, int idx);

#endif
