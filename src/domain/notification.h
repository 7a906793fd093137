/* notification.h - what the live stream (GET /events/stream) tells whom.
 *
 * The case engine writes one notifications row per audience inside the
 * write transaction of the change it reports, so a notification exists
 * exactly when its change was committed. A row is for
 *
 *   user        one account: target is the user id in decimal;
 *   scope       the accounts whose scope code EQUALS target (a centre's
 *               region code or a grid code: no prefix match, so a town's
 *               notice does not reach its villages) holding one of the
 *               role bits in roles;
 *   department  the accounts of department target holding one of roles.
 *
 * wg_notification_for states that rule in C for the stream's fan-out and
 * wg_notification_list in SQL; tests hold the two equal.
 *
 * Ids are handed out in commit order (wg_notify serialises the writers that
 * insert, see there), so "every row with id > n" read at any moment never
 * skips a row that commits later: a reader may remember the newest id it
 * has seen and ask for what is newer. Strings of a wg_notification passed to
 * a callback are valid during the call only. */
#ifndef WG_DOMAIN_NOTIFICATION_H
#define WG_DOMAIN_NOTIFICATION_H

#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

#define WG_NOTIFICATION_KIND_MAX 64       /* bytes of a kind: [a-z0-9._-] */
#define WG_NOTIFICATION_TARGET_MAX 64     /* bytes of a target */
#define WG_NOTIFICATION_PAYLOAD_MAX 16384 /* bytes of the payload as stored */

typedef struct wg_notification {
	int64_t id;
	const char *kind;        /* "case.reported" */
	int64_t case_id;         /* 0 when none */
	const char *target_kind; /* "user", "scope" or "department" */
	const char *target;
	unsigned roles;      /* enum wg_role bits (ignored for "user") */
	const char *payload; /* a JSON object */
	int64_t at;          /* UTC ms */
} wg_notification;

typedef int (*wg_notification_fn)(void *ctx, const wg_notification *n);

/* Insert one notification at now_ms; run inside the caller's write
 * transaction. kind is 1..WG_NOTIFICATION_KIND_MAX bytes of [a-z0-9._-];
 * target_kind one of the three above; target non-empty (decimal digits for
 * "user"); roles non-zero for "scope" and "department"; payload_json the
 * text of a JSON object (stored compact, at most
 * WG_NOTIFICATION_PAYLOAD_MAX bytes); case_id 0 stores NULL.
 *
 * On PostgreSQL the insert first takes the transaction lock of the audit
 * chain ("audit_log", wg_db_lock): held to the commit, it makes ids commit
 * in order, and since every writer that notifies also audits, it adds no
 * waiting and cannot deadlock against the audit's lock. Returns 0;
 * WG_EINTERNAL for arguments breaking the rules above (a bug in the caller);
 * WG_ENOMEM; WG_ECONFLICT (case_id names no case); WG_ESTORE. */
int wg_notify(wg_db *db, const char *kind, int64_t case_id, const char *target_kind, const char *target,
              unsigned roles, const char *payload_json, int64_t now_ms);

/* Whether caller c may hear n (the rule above; pure). A caller without a
 * scope or department hears nothing through them; the system caller
 * (user_id 0) hears no "user" row. */
bool wg_notification_for(const wg_caller *c, const wg_notification *n);

/* The rows c may hear with id > after_id, oldest first, at most limit of
 * them (1..1000), through fn. Returns 0, fn's non-zero value, WG_EINTERNAL
 * for a limit out of range, or a store error. */
int wg_notification_list(wg_db *db, const wg_caller *c, int64_t after_id, int64_t limit,
                         wg_notification_fn fn, void *ctx);

/* Every row with id > after_id whoever it is for, oldest first, at most
 * limit (1..1000): what a stream's loop reads once per tick and fans out
 * with wg_notification_for. Returns as wg_notification_list. */
int wg_notification_since(wg_db *db, int64_t after_id, int64_t limit, wg_notification_fn fn, void *ctx);

/* The newest id into *id (0 when there is none). Returns 0 or a store
 * error. */
int wg_notification_latest(wg_db *db, int64_t *id);

#endif
