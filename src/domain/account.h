/* account.h - accounts: who they are, where they act, their roles and
 * passwords, sign-in with lockout, and the TOTP second factor.
 *
 * Every function that changes an account takes the acting caller and
 * appends its audit row in the same transaction. Password hashing and
 * verification are slow on purpose (argon2id) and never run here: callers
 * hash and verify on a worker thread (core/password.h) and pass the
 * results in, so that a database transaction never waits on them.
 * Field problems are recorded in the wg_field_errors given and reported as
 * WG_EVALIDATION. */
#ifndef WG_DOMAIN_ACCOUNT_H
#define WG_DOMAIN_ACCOUNT_H

#include "core/config.h"
#include "core/fielderr.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

#define WG_USERNAME_MAX 32
#define WG_PASSWORD_MAX 128 /* characters; longer input is refused before hashing */

/* An account as stored; strings valid during a callback or until the
 * owning arena is cleared. */
typedef struct wg_user {
	int64_t id;
	const char *username;
	const char *name;
	const char *phone;
	const char *scope;      /* region or grid code */
	const char *department; /* NULL when none */
	unsigned roles;
	bool active;
	bool must_change_password;
	bool totp_enabled;
	int64_t password_changed_at;
	int64_t last_login_at; /* 0 when never */
	int64_t created_at;
	int64_t updated_at;
	int64_t version;
} wg_user;

typedef int (*wg_user_fn)(void *ctx, const wg_user *u);

/* Fields of a new or changed account; NULL means "not given". */
typedef struct wg_user_input {
	const char *username;
	const char *name;
	const char *phone;
	const char *scope;
	const char *scope_field; /* name of the field scope came in, for errors: "region", "grid" */
	const char *department;
	bool set_department; /* department given, possibly as null to clear it */
	bool set_active;
	bool active;
} wg_user_input;

/* Check a username (3..32 of [a-z0-9_.-], starting with a letter; not
 * taken; on update not given at all: code "read_only"), a name of 1..64
 * characters, a mainland mobile or landline phone (an empty phone means
 * none, and clears it on update), that scope names an existing region (or
 * a grid code: an existing village's code and 3 digits), and a department
 * of 1..64 of [A-Za-z0-9_.-]. Codes: required, too_short, too_long,
 * pattern, not_found, conflict, read_only. wg_account_create and
 * wg_account_update run it themselves. Records field errors; returns 0 or
 * WG_EVALIDATION / WG_ESTORE. */
int wg_account_check_input(wg_db *db, const wg_user_input *in, bool creating, wg_field_errors *fe);

/* Create an account with an already computed password hash. must_change is
 * set for accounts an admin creates. The actor must have in its scope the
 * new account's scope: one outside it gets the same field error as an area
 * that does not exist ("not_found"), so the answer tells nothing about
 * other areas. Returns 0 with *id set, WG_EVALIDATION (also for a taken
 * username: field "username", code "conflict") or WG_ESTORE. */
int wg_account_create(wg_db *db, const wg_caller *actor, const char *audit_alg, const wg_user_input *in,
                      const char *password_hash, bool must_change, int64_t *id, wg_field_errors *fe);

/* The id of the account with this username (active or not), or
 * WG_ENOTFOUND. For the command line, which names accounts by username. */
int wg_account_id_by_username(wg_db *db, const char *username, int64_t *id);

/* One account in the actor's scope, or WG_ENOTFOUND. */
int wg_account_get(wg_db *db, const wg_caller *actor, int64_t id, wg_user_fn fn, void *ctx);

/* Accounts in the actor's scope, by id, after `after_id`, at most limit.
 * q matches username or name (substring); role (bits, 0: any) and active
 * (-1: any) filter; reaches (a region code, NULL: any) keeps the accounts
 * whose area holds that region, those that may serve it (its own and those
 * of the regions above it; never a grid's). *total gets the count of all
 * matches. */
typedef struct wg_user_filter {
	const char *q;
	unsigned role;
	int active; /* -1 any, 0, 1 */
	const char *reaches;
	int64_t after_id;
	int64_t limit;
} wg_user_filter;
int wg_account_list(wg_db *db, const wg_caller *actor, const wg_user_filter *f, wg_user_fn fn, void *ctx,
                    int64_t *total);

/* Change name, phone, scope, department or active. Deactivating revokes
 * the account's sessions; nobody deactivates themselves (WG_EFORBIDDEN).
 * expect_version (0: don't check) guards against lost updates
 * (WG_ECONFLICT). */
int wg_account_update(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id,
                      const wg_user_input *in, int64_t expect_version, wg_field_errors *fe);

/* Grant exactly this role set (secadmin). WG_EFORBIDDEN for one's own
 * account; WG_EVALIDATION (field "roles", code "conflict") when it would
 * combine two admin powers, code "unknown" for bits beyond WG_ROLES_ALL. */
int wg_account_set_roles(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id, unsigned roles,
                         wg_field_errors *fe);

/* ---- passwords ----------------------------------------------------------- */

/* Hashes of the account's current and last `history` passwords, newest
 * first, for the reuse check (verified by the caller off the database
 * thread). hashes gets at most max entries copied into arena; *n the count. */
struct wg_arena;
int wg_account_password_hashes(wg_db *db, int64_t id, long long history, struct wg_arena *arena,
                               const char **hashes, unsigned max, unsigned *n);

/* Store a new password hash: the old one moves to the history (trimmed to
 * `history`), must_change is set as given (true after an admin reset), and
 * every session of the account except keep_token_hash (may be NULL) is
 * revoked. action is the audit action ("password.change" or
 * "password.reset"). */
int wg_account_set_password(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id,
                            const char *password_hash, bool must_change, long long history,
                            const char *keep_token_hash, const char *action);

/* ---- sign-in ------------------------------------------------------------- */

/* What sign-in needs to know about a username, read before the password is
 * verified. exists is false for an unknown or deactivated account: the
 * caller then verifies against a dummy hash and fails exactly the same way. */
typedef struct wg_login {
	bool exists;
	int64_t user_id;
	char username[WG_USERNAME_MAX + 1];
	char password_hash[160];
	unsigned roles;
	bool must_change;
	int64_t password_changed_at;
	bool totp_enabled;
	char totp_secret[160]; /* sealed (core/secret.h), "" when none */
	int64_t totp_last_step;
	int64_t locked_ms; /* > 0: locked for this many more milliseconds */
} wg_login;

/* Load the sign-in state of username at now_ms under the lockout policy
 * of cfg (failures within the window; locked_ms set while locked). */
int wg_account_login_load(wg_db *db, const wg_config *cfg, const char *username, int64_t now_ms,
                          wg_login *out);

/* Record a failed sign-in (audited as "session.login" denied with the
 * reason: "password", "totp", "locked", "inactive"; another reason is
 * WG_EINTERNAL). Every reason but "locked" counts towards the lockout:
 * attempts refused while locked do not prolong it, else anyone could keep
 * an account locked for ever. Failures older than the largest window and
 * lockout the settings allow are purged on the way. */
int wg_account_login_failed(wg_db *db, const char *audit_alg, const char *username, const char *address,
                            const char *reason, int64_t now_ms);

/* ---- second factor ------------------------------------------------------- */

/* Store a new sealed TOTP secret, not yet enabled (enrolment started);
 * a pending one is replaced. WG_ECONFLICT when TOTP is already enabled (it
 * is reset first), WG_ENOTFOUND for an unknown or inactive actor. */
int wg_account_totp_begin(wg_db *db, const wg_caller *actor, const char *audit_alg,
                          const char *sealed_secret);

/* The sealed secret of the actor's pending or enabled TOTP ("" if none)
 * and its last used step. */
int wg_account_totp_secret(wg_db *db, int64_t id, char sealed[160], bool *enabled, int64_t *last_step);

/* Enable TOTP after a correct code at step, storing hashes of the recovery
 * codes (SHA-256 hex, computed by the caller) in place of any earlier ones.
 * WG_ECONFLICT when no enrolment is pending. */
int wg_account_totp_enable(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t step,
                           const char *const *recovery_hashes, unsigned nrecovery);

/* Record the step of a code just used (replay protection): WG_ECONFLICT
 * when step is not after the last one recorded (a replay racing this one). */
int wg_account_totp_used(wg_db *db, int64_t id, int64_t step);

/* Consume a recovery code by its hash, audited as "recovery.use" by the
 * account; WG_ENOTFOUND if not an unused code of the account. */
int wg_account_recovery_use(wg_db *db, const char *audit_alg, int64_t id, const char *code_hash,
                            int64_t now_ms);

/* Turn TOTP off for an account (secadmin reset, or the user with a valid
 * code); its sessions are revoked when it is another account. */
int wg_account_totp_reset(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id);

#endif
