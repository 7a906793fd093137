/* /api/v1/session and /api/v1/me: sign-in, sign-out, the caller's own
 * account, password change and second-factor enrolment.
 *
 * Sign-in runs in four steps so that no thread ever waits on another's
 * work: load the account's sign-in state (read), verify the password
 * (worker pool: argon2id is slow by design), then record the outcome and
 * open the session (write). */
#include "api/api.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/password.h"
#include "core/ratelimit.h"
#include "core/secret.h"
#include "core/totp.h"
#include "domain/account.h"
#include "domain/role.h"
#include "domain/session.h"
#include "http/server.h"
#include "http/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

enum { TOTP_SECRET_BYTES = 20, RECOVERY_CODES = 10 };

static const char *state_name(enum wg_session_state s)
{
	return s == WG_SESSION_MUST_CHANGE_PASSWORD ? "password_change_required"
	       : s == WG_SESSION_MUST_ENROL_TOTP    ? "totp_enrolment_required"
	                                            : "full";
}

static bool needs_totp_enrolment(const wg_config *cfg, unsigned roles, bool enabled)
{
	return cfg->security_admin_2fa && (roles & WG_ROLES_ADMIN) && !enabled;
}

/* ---- POST /session ----------------------------------------------------- */

struct login {
	const char *username, *password, *totp;
	int64_t now;
	wg_login state;
	bool password_ok;
	bool totp_ok;
	int64_t totp_step;      /* step of a valid TOTP code, 0 if none */
	char recovery_hash[65]; /* hash of a recovery code given instead, "" if none */
	enum wg_session_state session_state;
	char token[WG_TOKEN_TEXT];
	char token_hash[WG_TOKEN_HASH_TEXT];
	char csrf[WG_TOKEN_TEXT];
	const char *failure; /* reason recorded for a failed attempt */
	wg_req *req;
};

static int login_load(wg_db *db, void *arg)
{
	struct login *l = arg;
	return wg_account_login_load(db, wg_req_config(l->req), l->username, l->now, &l->state);
}

static int login_verify(void *arg)
{
	struct login *l = arg;
	if (l->state.exists)
		l->password_ok = wg_password_verify(l->state.password_hash, l->password);
	else
		wg_password_dummy_verify(l->password);
	return 0;
}

static int login_failed(wg_db *db, void *arg)
{
	struct login *l = arg;
	return wg_account_login_failed(db, wg_req_config(l->req)->security_audit_hash, l->username,
	                               l->req->address, l->failure, l->now);
}

static void login_failed_then(wg_req *req, int status)
{
	struct login *l = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	if (strcmp(l->failure, "locked") == 0) {
		char retry[32];
		snprintf(retry, sizeof retry, "%lld", (long long)((l->state.locked_ms + 999) / 1000));
		wg_req_header(req, "Retry-After", retry);
		wg_req_problem(req, WG_ERATELIMIT, "too many wrong passwords: try again later");
		return;
	}
	if (strcmp(l->failure, "totp") == 0) {
		wg_req_field_error(req, "totp", "invalid", "the code is wrong or was already used");
		wg_req_problem(req, WG_EUNAUTH, "wrong second-factor code");
		return;
	}
	wg_req_problem(req, WG_EUNAUTH, "wrong username or password");
}

static void fail(wg_req *req, struct login *l, const char *reason)
{
	l->failure = reason;
	wg_req_write(req, login_failed, l, login_failed_then);
}

static int write_me(void *ctx, const wg_user *u)
{
	wg__api_write_user(ctx, u);
	return 0;
}

static int login_open(wg_db *db, void *arg)
{
	struct login *l = arg;
	const wg_config *cfg = wg_req_config(l->req);
	int rc = 0;
	if (l->totp_step)
		rc = wg_account_totp_used(db, l->state.user_id, l->totp_step);
	else if (l->recovery_hash[0])
		rc = wg_account_recovery_use(db, cfg->security_audit_hash, l->state.user_id, l->recovery_hash,
		                             l->now);
	if (rc)
		return rc;
	wg_caller who = {.user_id = l->state.user_id,
	                 .username = l->state.username,
	                 .roles = l->state.roles,
	                 .address = l->req->address};
	rc = wg_session_create(db, cfg->security_audit_hash, &who, l->token_hash, l->session_state, l->now,
	                       l->csrf);
	if (rc)
		return rc;
	wg_json_out *w = wg_req_json(l->req);
	wg_json_object_begin(w);
	wg_json_key(w, "user");
	wg_json_object_begin(w);
	rc = wg_account_get(db, &wg__api_system, l->state.user_id, write_me, l->req);
	wg_json_object_end(w);
	return rc;
}

static void set_cookie(wg_req *req, const char *token, int64_t max_age_s)
{
	char cookie[256];
	snprintf(cookie, sizeof cookie, "wg_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
	         token, (long long)max_age_s, wg_req_config(req)->security_cookie_secure ? "; Secure" : "");
	wg_req_header(req, "Set-Cookie", cookie);
}

static void login_opened(wg_req *req, int status)
{
	struct login *l = req->user;
	if (status == WG_ENOTFOUND) {
		/* The recovery code was not an unused one of this account. */
		fail(req, l, "totp");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	const wg_config *cfg = wg_req_config(req);
	int64_t idle = cfg->security_session_idle_s, absolute = cfg->security_session_absolute_s;
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_string(w, "token", l->token);
	wg_json_kv_string(w, "csrf_token", l->csrf);
	wg__api_kv_time(req, "expires_at", l->now + (idle < absolute ? idle : absolute) * 1000);
	wg_json_kv_string(w, "state", state_name(l->session_state));
	wg_json_object_end(w);
	set_cookie(req, l->token, absolute);
	sodium_memzero(l->token, sizeof l->token);
	wg_req_reply(req, 201);
}

static bool password_expired(const wg_config *cfg, const wg_login *s, int64_t now)
{
	return cfg->security_password_max_age_days > 0 &&
	       now - s->password_changed_at > cfg->security_password_max_age_days * 86400000LL;
}

/* A recovery code is "xxxx-xxxx" (base32 letters and digits); anything
 * else in the totp field is taken as a 6-digit code. */
static bool is_recovery_code(const char *s)
{
	return strlen(s) == 9 && s[4] == '-';
}

static void recovery_hash(const char *code, char hex[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char lower[10];
	for (size_t i = 0; i < 9; i++)
		lower[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
	lower[9] = '\0';
	crypto_hash_sha256(digest, (const unsigned char *)lower, 9);
	sodium_bin2hex(hex, 65, digest, sizeof digest);
}

static bool check_totp(wg_req *req, struct login *l)
{
	if (is_recovery_code(l->totp)) {
		recovery_hash(l->totp, l->recovery_hash);
		return true; /* checked when it is consumed, in the session's transaction */
	}
	unsigned char key[64];
	size_t keylen = 0;
	if (wg_secret_open(wg_req_secret_key(req), l->state.totp_secret, key, sizeof key, &keylen) != 0)
		return false;
	bool ok = wg_totp_verify(key, keylen, l->now / 1000, l->totp, l->state.totp_last_step, &l->totp_step);
	sodium_memzero(key, sizeof key);
	return ok;
}

static void login_verified(wg_req *req, int status)
{
	struct login *l = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	if (!l->password_ok) {
		fail(req, l, l->state.exists ? "password" : "unknown");
		return;
	}
	const wg_config *cfg = wg_req_config(req);
	if (l->state.totp_enabled) {
		if (!l->totp) {
			/* The password was right: say what is missing, record nothing. */
			wg_req_field_error(req, "totp", "required",
			                   "this account needs its second-factor code");
			wg_req_problem(req, WG_EUNAUTH, "a second-factor code is required");
			return;
		}
		if (!check_totp(req, l)) {
			fail(req, l, "totp");
			return;
		}
	}
	if (l->state.must_change || password_expired(cfg, &l->state, l->now))
		l->session_state = WG_SESSION_MUST_CHANGE_PASSWORD;
	else if (needs_totp_enrolment(cfg, l->state.roles, l->state.totp_enabled))
		l->session_state = WG_SESSION_MUST_ENROL_TOTP;
	wg_session_new_token(l->token, l->token_hash);
	wg_req_write(req, login_open, l, login_opened);
}

static void login_loaded(wg_req *req, int status)
{
	struct login *l = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	if (l->state.locked_ms > 0) {
		fail(req, l, "locked"); /* audited; a locked attempt does not extend the lock */
		return;
	}
	wg_req_compute(req, login_verify, l, login_verified);
}

void wg_api_session_create(wg_req *req)
{
	struct login *l = wg_req_state_or_reply(req, sizeof *l);
	if (!l)
		return;
	static const char *const fields[] = {"username", "password", "totp", NULL};
	wg_body_only(req, fields);
	l->req = req;
	l->username = wg_body_string(req, "username", WG_USERNAME_MAX, true);
	l->password = wg_body_raw_string(req, "password", WG_PASSWORD_MAX, true);
	l->totp = wg_body_string(req, "totp", 16, false);
	if (wg_req_errors_or_reply(req))
		return;
	l->now = wg_clock_now_ms();
	if (!wg__api_rate_or_reply(req, wg_req_login_limit(req),
	                           "too many sign-in attempts from this address"))
		return;
	wg_req_read(req, login_load, l, login_loaded);
}

/* ---- DELETE /session ---------------------------------------------------- */

static int logout(wg_db *db, void *arg)
{
	wg_req *req = arg;
	return wg_session_revoke(db, wg_req_config(req)->security_audit_hash, req->caller, req->token_hash,
	                         wg_clock_now_ms());
}

static void logged_out(wg_req *req, int status)
{
	if (wg_req_status_or_reply(req, status))
		return;
	set_cookie(req, "", 0);
	wg_req_reply_body(req, 204, "application/json; charset=utf-8");
}

void wg_api_session_delete(wg_req *req)
{
	wg_req_write(req, logout, req, logged_out);
}

/* ---- GET /me -------------------------------------------------------------- */

static int me_load(wg_db *db, void *arg)
{
	wg_req *req = arg;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	return wg_account_get(db, &wg__api_system, req->caller->user_id, write_me, req);
}

static void me_loaded(wg_req *req, int status)
{
	if (wg_req_status_or_reply(req, status))
		return;
	wg_json_out *w = wg_req_json(req);
	wg_json_key(w, "session");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "state", state_name(req->session->state));
	wg__api_kv_time(req, "expires_at", req->session->expires_at);
	wg_json_object_end(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}

void wg_api_me(wg_req *req)
{
	wg_req_read(req, me_load, req, me_loaded);
}

/* ---- PUT /me/password ------------------------------------------------------ */

enum { HISTORY_MAX = 25 };

struct password_change {
	const char *current, *next;
	const char *hashes[HISTORY_MAX + 1];
	unsigned nhashes;
	bool current_ok, reused;
	char hash[WG_PASSWORD_HASH_MAX];
	enum wg_session_state next_state;
	wg_req *req;
};

static int pc_load(wg_db *db, void *arg)
{
	struct password_change *p = arg;
	const wg_config *cfg = wg_req_config(p->req);
	return wg_account_password_hashes(db, p->req->caller->user_id, cfg->security_password_history,
	                                  &p->req->arena, p->hashes, HISTORY_MAX + 1, &p->nhashes);
}

static int pc_verify(void *arg)
{
	struct password_change *p = arg;
	const wg_config *cfg = wg_req_config(p->req);
	p->current_ok = p->nhashes > 0 && wg_password_verify(p->hashes[0], p->current);
	if (!p->current_ok)
		return 0;
	for (unsigned i = 0; i < p->nhashes && !p->reused; i++)
		p->reused = wg_password_verify(p->hashes[i], p->next);
	if (p->reused)
		return 0;
	return wg_password_hash(p->next, cfg->security_argon2_memory_kib, cfg->security_argon2_passes,
	                        p->hash);
}

static int pc_store(wg_db *db, void *arg)
{
	struct password_change *p = arg;
	wg_req *req = p->req;
	const wg_config *cfg = wg_req_config(req);
	int rc = wg_account_set_password(db, req->caller, cfg->security_audit_hash, req->caller->user_id,
	                                 p->hash, false, cfg->security_password_history, req->token_hash,
	                                 "password.change");
	if (rc == 0 && p->next_state != req->session->state)
		rc = wg_session_set_state(db, req->token_hash, p->next_state);
	return rc;
}

static void pc_stored(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply_body(req, 204, "application/json; charset=utf-8");
}

static int pc_totp_state(wg_db *db, void *arg)
{
	struct password_change *p = arg;
	char sealed[160];
	bool enabled = false;
	int64_t last;
	int rc = wg_account_totp_secret(db, p->req->caller->user_id, sealed, &enabled, &last);
	if (rc == 0 && needs_totp_enrolment(wg_req_config(p->req), p->req->caller->roles, enabled))
		p->next_state = WG_SESSION_MUST_ENROL_TOTP;
	return rc;
}

static void pc_verified(wg_req *req, int status)
{
	struct password_change *p = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	if (!p->current_ok)
		wg_req_field_error(req, "current_password", "invalid", "the current password is wrong");
	else if (p->reused)
		wg_req_field_error(req, "new_password", "reused",
		                   "the new password must differ from the current and recent ones");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, pc_store, p, pc_stored);
}

static void pc_state_known(wg_req *req, int status)
{
	struct password_change *p = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_req_compute(req, pc_verify, p, pc_verified);
}

static void pc_loaded(wg_req *req, int status)
{
	struct password_change *p = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_req_read(req, pc_totp_state, p, pc_state_known);
}

void wg_api_me_password(wg_req *req)
{
	struct password_change *p = wg_req_state_or_reply(req, sizeof *p);
	if (!p)
		return;
	static const char *const fields[] = {"current_password", "new_password", NULL};
	wg_body_only(req, fields);
	const wg_config *cfg = wg_req_config(req);
	p->req = req;
	p->current = wg_body_raw_string(req, "current_password", WG_PASSWORD_MAX, true);
	p->next = wg_body_raw_string(req, "new_password", WG_PASSWORD_MAX, true);
	const char *why = p->next ? wg_password_policy(p->next, cfg->security_password_min_length,
	                                               cfg->security_password_min_classes)
	                          : NULL;
	if (why)
		wg_req_field_error(req, "new_password", "policy", why);
	if (wg_req_errors_or_reply(req))
		return;
	p->next_state = WG_SESSION_FULL;
	wg_req_read(req, pc_load, p, pc_loaded);
}

/* ---- POST /me/totp and /me/totp/confirm ------------------------------------ */

struct totp_enrol {
	unsigned char secret[TOTP_SECRET_BYTES];
	char *sealed;
	char sealed_stored[160];
	bool enabled;
	int64_t last_step, step;
	const char *code;
	char codes[RECOVERY_CODES][10];
	char hashes[RECOVERY_CODES][65];
	wg_req *req;
};

static int totp_state(wg_db *db, void *arg)
{
	struct totp_enrol *t = arg;
	return wg_account_totp_secret(db, t->req->caller->user_id, t->sealed_stored, &t->enabled,
	                              &t->last_step);
}

static int totp_store(wg_db *db, void *arg)
{
	struct totp_enrol *t = arg;
	return wg_account_totp_begin(db, t->req->caller, wg_req_config(t->req)->security_audit_hash,
	                             t->sealed);
}

static void totp_stored(wg_req *req, int status)
{
	struct totp_enrol *t = req->user;
	wg_free(t->sealed);
	t->sealed = NULL;
	if (wg_req_status_or_reply(req, status)) {
		sodium_memzero(t->secret, sizeof t->secret);
		return;
	}
	char b32[64], uri[512];
	wg_base32_encode(t->secret, sizeof t->secret, b32, sizeof b32);
	sodium_memzero(t->secret, sizeof t->secret);
	wg_totp_uri("wangge", req->caller->username, b32, uri, sizeof uri);
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "secret", b32);
	wg_json_kv_string(w, "otpauth_uri", uri);
	wg_json_object_end(w);
	sodium_memzero(b32, sizeof b32);
	sodium_memzero(uri, sizeof uri);
	wg_req_reply(req, 201);
}

static void totp_begin_known(wg_req *req, int status)
{
	struct totp_enrol *t = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	if (t->enabled) {
		wg_req_problem(req, WG_ECONFLICT,
		               "a second factor is already enabled; a secadmin can reset it");
		return;
	}
	randombytes_buf(t->secret, sizeof t->secret);
	if (wg_secret_seal(wg_req_secret_key(req), t->secret, sizeof t->secret, &t->sealed) != 0) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	wg_req_write(req, totp_store, t, totp_stored);
}

static struct totp_enrol *new_enrol(wg_req *req)
{
	struct totp_enrol *t = wg_req_state_or_reply(req, sizeof *t);
	if (t)
		t->req = req;
	return t;
}

void wg_api_me_totp_begin(wg_req *req)
{
	struct totp_enrol *t = new_enrol(req);
	if (t)
		wg_req_read(req, totp_state, t, totp_begin_known);
}

static int totp_enable(wg_db *db, void *arg)
{
	struct totp_enrol *t = arg;
	wg_req *req = t->req;
	const char *hashes[RECOVERY_CODES];
	for (unsigned i = 0; i < RECOVERY_CODES; i++)
		hashes[i] = t->hashes[i];
	int rc = wg_account_totp_enable(db, req->caller, wg_req_config(req)->security_audit_hash, t->step,
	                                hashes, RECOVERY_CODES);
	if (rc == 0 && req->session->state == WG_SESSION_MUST_ENROL_TOTP)
		rc = wg_session_set_state(db, req->token_hash, WG_SESSION_FULL);
	return rc;
}

static void totp_enabled(wg_req *req, int status)
{
	struct totp_enrol *t = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_key(w, "recovery_codes");
	wg_json_array_begin(w);
	for (unsigned i = 0; i < RECOVERY_CODES; i++)
		wg_json_string(w, t->codes[i]);
	wg_json_array_end(w);
	wg_json_object_end(w);
	sodium_memzero(t->codes, sizeof t->codes);
	wg_req_reply(req, 200);
}

static void make_recovery_codes(struct totp_enrol *t)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	for (unsigned i = 0; i < RECOVERY_CODES; i++) {
		for (unsigned k = 0; k < 9; k++)
			t->codes[i][k] = k == 4 ? '-' : alphabet[randombytes_uniform(sizeof alphabet - 1)];
		t->codes[i][9] = '\0';
		recovery_hash(t->codes[i], t->hashes[i]);
	}
}

static void totp_confirm_known(wg_req *req, int status)
{
	struct totp_enrol *t = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	if (t->enabled || !t->sealed_stored[0]) {
		wg_req_problem(req, WG_ECONFLICT,
		               t->enabled ? "a second factor is already enabled"
		                          : "start with POST /api/v1/me/totp");
		return;
	}
	unsigned char key[64];
	size_t keylen = 0;
	bool ok = wg_secret_open(wg_req_secret_key(req), t->sealed_stored, key, sizeof key, &keylen) == 0 &&
	          wg_totp_verify(key, keylen, wg_clock_now_ms() / 1000, t->code, t->last_step, &t->step);
	sodium_memzero(key, sizeof key);
	if (!ok) {
		wg_req_field_error(req, "code", "invalid",
		                   "the code does not match: check the phone's clock");
		wg_req_errors_or_reply(req);
		return;
	}
	make_recovery_codes(t);
	wg_req_write(req, totp_enable, t, totp_enabled);
}

void wg_api_me_totp_confirm(wg_req *req)
{
	static const char *const fields[] = {"code", NULL};
	wg_body_only(req, fields);
	const char *code = wg_body_string(req, "code", 6, true);
	if (wg_req_errors_or_reply(req))
		return;
	struct totp_enrol *t = new_enrol(req);
	if (t) {
		t->code = code;
		wg_req_read(req, totp_state, t, totp_confirm_known);
	}
}
