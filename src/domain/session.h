/* session.h - sign-in sessions.
 *
 * A session is a 256-bit random token given to the client once; the
 * database keeps only its SHA-256 (hex), so a leaked table gives no usable
 * token. Each session has a CSRF token that browser requests (cookie auth)
 * must echo, and a state: a session opened with an expired password or a
 * missing required second factor may only finish that step. Sessions end
 * after security.session_idle_s without use or security.session_absolute_s
 * after sign-in, whichever comes first. */
#ifndef WG_DOMAIN_SESSION_H
#define WG_DOMAIN_SESSION_H

#include "domain/scope.h"
#include "store/db.h"

#include <stdint.h>

#define WG_TOKEN_TEXT 44      /* 32 bytes as unpadded base64url + NUL */
#define WG_TOKEN_HASH_TEXT 65 /* SHA-256 hex + NUL */

enum wg_session_state {
	WG_SESSION_FULL = 0,
	WG_SESSION_MUST_CHANGE_PASSWORD = 1,
	WG_SESSION_MUST_ENROL_TOTP = 2,
};

/* A new random token and its stored hash (hash may be NULL). libsodium
 * must have been initialised (sodium_init, done by the server at start). */
void wg_session_new_token(char token[WG_TOKEN_TEXT], char hash[WG_TOKEN_HASH_TEXT]);

/* The stored hash of a token presented by a client. */
void wg_session_hash(const char *token, char hash[WG_TOKEN_HASH_TEXT]);

/* Create a session for a successful sign-in (updates the account's
 * last_login_at, clears its sign-in failures, appends the audit row
 * "session.login" ok). csrf gets a fresh random token. */
int wg_session_create(wg_db *db, const char *audit_alg, const wg_caller *who, const char *token_hash,
                      enum wg_session_state state, int64_t now_ms, char csrf[WG_TOKEN_TEXT]);

/* The caller behind a token hash at now_ms, or WG_EUNAUTH when the session
 * is unknown, revoked, idle or too old, or the account inactive. Strings are
 * copied into arena. *last_seen_ms lets the caller decide whether to touch. */
struct wg_arena;
typedef struct wg_session_info {
	wg_caller caller;
	char csrf[WG_TOKEN_TEXT];
	enum wg_session_state state;
	int64_t created_at;
	int64_t last_seen_at;
	int64_t expires_at; /* the earlier of the idle and absolute ends */
} wg_session_info;
int wg_session_lookup(wg_db *db, const char *token_hash, int64_t now_ms, int64_t idle_ms, int64_t absolute_ms,
                      struct wg_arena *arena, wg_session_info *out);

/* Mark a session used at now_ms (idle timeout). */
int wg_session_touch(wg_db *db, const char *token_hash, int64_t now_ms);

/* Move a session to another state (after the password change or the
 * enrolment it was waiting for). */
int wg_session_set_state(wg_db *db, const char *token_hash, enum wg_session_state state);

/* Sign out: revoke the session and audit "session.logout". */
int wg_session_revoke(wg_db *db, const char *audit_alg, const wg_caller *who, const char *token_hash,
                      int64_t now_ms);

/* Revoke every session of an account except keep (may be NULL). */
int wg_session_revoke_user(wg_db *db, int64_t user_id, const char *keep_token_hash, int64_t now_ms);

#endif
