/* audit.h - the tamper-evident audit trail (安全审计).
 *
 * Append-only: rows are only ever inserted, by wg_audit_append inside the
 * transaction of the action they record, so an action and its audit row
 * commit together or not at all. Each row stores the hash of the previous
 * row and its own hash over its content and that previous hash, with the
 * algorithm named in the row (security.audit_hash: sha256 or sm3), so that
 * editing or deleting any row breaks the chain from there on and
 * wg_audit_verify names the first broken row.
 *
 * Never put passwords, tokens, TOTP secrets or unmasked personal numbers in
 * an entry: detail is for what was changed, not the values of secrets. */
#ifndef WG_DOMAIN_AUDIT_H
#define WG_DOMAIN_AUDIT_H

#include "domain/scope.h"
#include "store/db.h"

#include <stdint.h>

/* Results recorded. */
#define WG_AUDIT_OK "ok"
#define WG_AUDIT_DENIED "denied" /* refused by a rule: wrong password, role, lockout */
#define WG_AUDIT_FAILED "failed" /* invalid input */

typedef struct wg_audit_entry {
	const wg_caller *actor;  /* who; NULL for the system (CLI on the console, jobs) */
	const char *actor_name;  /* username when actor is NULL or not yet known (a failed login) */
	const char *action;      /* dotted verb: "session.login", "user.create", "role.grant", ... */
	const char *object_type; /* "user", "session", "setting", "case", ...; NULL if none */
	const char *object_id;   /* its id or code as text; NULL if none */
	const char *result;      /* WG_AUDIT_OK, _DENIED or _FAILED */
	const char *detail;      /* a JSON object as text, or NULL */
} wg_audit_entry;

/* Append one row in the caller's open write transaction, chained to the
 * last row (PostgreSQL: under a transaction-scoped advisory lock, so that
 * concurrent writers never fork the chain). alg is the algorithm for this
 * row's hash ("sha256" or "sm3"). The actor's name, roles and address are
 * copied from e->actor; without one the name is e->actor_name, or "system".
 * Returns 0, WG_EVALIDATION for a missing action, a result other than the
 * three above, an unknown alg, text that is not UTF-8 or a detail that is
 * not a JSON object, WG_ECONFLICT if another row already chains to the
 * same predecessor (only possible when called outside a transaction on
 * PostgreSQL: the table refuses the fork), WG_ESTORE or WG_ENOMEM. */
int wg_audit_append(wg_db *db, const char *alg, const wg_audit_entry *e);

struct json_t;

/* The usual row of a change that succeeded: actor (NULL or user 0: the
 * system, named by actor->username when there is one) did action to
 * object_type object_id, with detail, a JSON object whose reference this
 * takes (NULL: building it ran out of memory). Returns as
 * wg_audit_append, or WG_ENOMEM. */
int wg_audit_record(wg_db *db, const char *alg, const wg_caller *actor, const char *action,
                    const char *object_type, const char *object_id, struct json_t *detail);

/* A stored row, passed to callbacks; strings valid during the call only. */
typedef struct wg_audit_row {
	int64_t id;
	int64_t at_ms;
	int64_t actor_id; /* 0 when none */
	const char *actor_name;
	const char *actor_roles; /* comma-separated role names held at the time */
	const char *address;
	const char *action;
	const char *object_type;
	const char *object_id;
	const char *result;
	const char *detail;
	const char *alg;
	const char *prev_hash;
	const char *hash;
} wg_audit_row;

typedef int (*wg_audit_fn)(void *ctx, const wg_audit_row *row);

typedef struct wg_audit_filter {
	const char *actor;  /* username, exact; NULL: any */
	const char *action; /* exact, or a prefix ending in '.' ("user."); NULL: any */
	int64_t from_ms;    /* inclusive; 0: no bound */
	int64_t to_ms;      /* exclusive; 0: no bound */
	int64_t before_id;  /* paging: rows with id < before_id; 0: from the newest */
	int64_t limit;      /* at most this many rows; <= 0: 100 */
} wg_audit_filter;

/* Rows matching f (NULL: all), newest first; a callback returning non-zero
 * stops the walk. Returns 0, that value, WG_ESTORE or WG_ENOMEM. */
int wg_audit_list(wg_db *db, const wg_audit_filter *f, wg_audit_fn fn, void *ctx);

/* Walk the whole chain oldest first recomputing every hash, a page of rows
 * at a time (memory stays bounded). *rows gets the rows checked, up to and
 * including the first bad one; *first_bad the id of the first row whose
 * prev_hash is not the previous row's hash or whose hash does not match its
 * content (0 if the chain is intact). A row deleted in the middle shows as
 * the row after it; rows cut from the end cannot show in a chain at all,
 * hence wg_audit_count. Run it in wg_db_begin_read for one snapshot.
 * Returns 0 whether or not the chain is intact (check *first_bad),
 * WG_ESTORE or WG_ENOMEM. */
int wg_audit_verify(wg_db *db, int64_t *rows, int64_t *first_bad);

/* Rows in the trail, for `wangge check` to print: an operator who keeps it
 * from one check to the next sees rows removed from the end, which no
 * chain can reveal. Returns 0 or WG_ESTORE. */
int wg_audit_count(wg_db *db, int64_t *n);

#endif
