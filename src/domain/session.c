#include "domain/session.h"

#include "core/arena.h"
#include "core/error.h"
#include "domain/audit.h"
#include "domain/role.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define TOKEN_BYTES 32

void wg_session_new_token(char token[WG_TOKEN_TEXT], char hash[WG_TOKEN_HASH_TEXT])
{
	unsigned char raw[TOKEN_BYTES];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, WG_TOKEN_TEXT, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	if (hash)
		wg_session_hash(token, hash);
}

void wg_session_hash(const char *token, char hash[WG_TOKEN_HASH_TEXT])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hash, WG_TOKEN_HASH_TEXT, digest, sizeof digest);
}

static const char *state_name(enum wg_session_state state)
{
	switch (state) {
	case WG_SESSION_FULL: return "full";
	case WG_SESSION_MUST_CHANGE_PASSWORD: return "must_change_password";
	case WG_SESSION_MUST_ENROL_TOTP: return "must_enrol_totp";
	}
	return NULL;
}

static int audit(wg_db *db, const char *alg, const wg_caller *who, const char *action, const char *detail)
{
	char id[24];
	snprintf(id, sizeof id, "%" PRId64, who->user_id);
	wg_audit_entry e = {
		.actor = who,
		.actor_name = who->username,
		.action = action,
		.object_type = "user",
		.object_id = id,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, alg, &e);
}

int wg_session_create(wg_db *db, const char *audit_alg, const wg_caller *who, const char *token_hash,
                      enum wg_session_state state, int64_t now_ms, char csrf[WG_TOKEN_TEXT])
{
	const char *sname = state_name(state);
	if (!sname || !token_hash || who->user_id <= 0)
		return WG_EINTERNAL;
	wg_session_new_token(csrf, NULL);
	int rc = wg_db_execf(db,
	                     "INSERT INTO sessions (token_hash, user_id, csrf_token, state, address, "
	                     "created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                     NULL, "tititii", token_hash, who->user_id, csrf, (int64_t)state, who->address,
	                     now_ms, now_ms);
	if (rc)
		return rc;
	rc = wg_db_execf(db, "UPDATE users SET last_login_at = ? WHERE id = ?", NULL, "ii", now_ms,
	                 who->user_id);
	if (rc)
		return rc;
	/* The failures were recorded under the name typed, which is the
	 * account's username once it signed in. */
	rc = wg_db_execf(
		db, "DELETE FROM login_failures WHERE username = (SELECT username FROM users WHERE id = ?)",
		NULL, "i", who->user_id);
	if (rc)
		return rc;

	char detail[64];
	snprintf(detail, sizeof detail, "{\"state\":\"%s\"}", sname);
	return audit(db, audit_alg, who, "session.login", detail);
}

static char *dup_col(wg_stmt *st, int col, struct wg_arena *arena, int *rc)
{
	size_t len;
	const char *s = wg_stmt_text(st, col, &len);
	if (!s)
		return NULL;
	char *copy = wg_arena_strndup(arena, s, len);
	if (!copy)
		*rc = WG_ENOMEM;
	return copy;
}

int wg_session_lookup(wg_db *db, const char *token_hash, int64_t now_ms, int64_t idle_ms, int64_t absolute_ms,
                      struct wg_arena *arena, wg_session_info *out)
{
	memset(out, 0, sizeof *out);
	if (!token_hash)
		return WG_EUNAUTH;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT s.csrf_token, s.state, s.created_at, s.last_seen_at, "
	                              "s.revoked_at, u.id, u.username, u.roles, u.scope_key, u.department, "
	                              "u.active FROM sessions s JOIN users u ON u.id = s.user_id "
	                              "WHERE s.token_hash = ?",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", token_hash);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_DONE) {
		rc = WG_EUNAUTH;
	} else if (rc == WG_DB_ROW) {
		rc = 0;
		out->created_at = wg_stmt_int(st, 2);
		out->last_seen_at = wg_stmt_int(st, 3);
		int64_t state = wg_stmt_int(st, 1);
		if (!wg_stmt_is_null(st, 4) || !wg_stmt_int(st, 10) || now_ms - out->last_seen_at > idle_ms ||
		    now_ms - out->created_at > absolute_ms || !state_name((enum wg_session_state)state)) {
			rc = WG_EUNAUTH;
		} else {
			size_t n = 0;
			const char *csrf = wg_stmt_text(st, 0, &n);
			if (!csrf)
				n = 0;
			else if (n >= sizeof out->csrf)
				n = sizeof out->csrf - 1;
			memcpy(out->csrf, csrf ? csrf : "", n);
			out->csrf[n] = '\0';
			out->state = (enum wg_session_state)state;
			int64_t idle_end = out->last_seen_at + idle_ms;
			int64_t absolute_end = out->created_at + absolute_ms;
			out->expires_at = idle_end < absolute_end ? idle_end : absolute_end;
			out->caller.user_id = wg_stmt_int(st, 5);
			out->caller.username = dup_col(st, 6, arena, &rc);
			out->caller.roles = (unsigned)wg_stmt_int(st, 7) & WG_ROLES_ALL;
			out->caller.scope = dup_col(st, 8, arena, &rc);
			out->caller.department = dup_col(st, 9, arena, &rc);
		}
	}
	wg_stmt_finalize(st);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int wg_session_touch(wg_db *db, const char *token_hash, int64_t now_ms)
{
	return wg_db_execf(db,
	                   "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND "
	                   "revoked_at IS NULL AND last_seen_at < ?",
	                   NULL, "iti", now_ms, token_hash, now_ms);
}

int wg_session_set_state(wg_db *db, const char *token_hash, enum wg_session_state state)
{
	if (!state_name(state))
		return WG_EINTERNAL;
	int64_t changed = 0;
	int rc = wg_db_execf(db, "UPDATE sessions SET state = ? WHERE token_hash = ? AND revoked_at IS NULL",
	                     &changed, "it", (int64_t)state, token_hash);
	return !rc && changed != 1 ? WG_ENOTFOUND : rc;
}

int wg_session_revoke(wg_db *db, const char *audit_alg, const wg_caller *who, const char *token_hash,
                      int64_t now_ms)
{
	int64_t changed = 0;
	int rc = wg_db_execf(db,
	                     "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND user_id = ? "
	                     "AND revoked_at IS NULL",
	                     &changed, "iti", now_ms, token_hash, who->user_id);
	if (rc || changed == 0)
		return rc; /* already ended: nothing to record */
	return audit(db, audit_alg, who, "session.logout", "{}");
}

int wg_session_revoke_user(wg_db *db, int64_t user_id, const char *keep_token_hash, int64_t now_ms)
{
	/* '' is never a token hash, so binding it keeps nothing. */
	return wg_db_execf(db,
	                   "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS "
	                   "NULL AND token_hash <> ?",
	                   NULL, "iit", now_ms, user_id, keep_token_hash ? keep_token_hash : "");
}
