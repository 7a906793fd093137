#include "api/idempotency.h"

#include "core/digest.h"
#include "core/error.h"
#include "domain/scope.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wg_idempotency_key_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > WG_IDEMPOTENCY_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

bool wg_idempotency_from_text(wg_req *req, bool portal, const char *text, size_t len, wg_idempotency *out)
{
	memset(out, 0, sizeof *out);
	const char *key = evhttp_find_header(evhttp_request_get_input_headers(req->ev), "Idempotency-Key");
	if (!key)
		return true;
	if (!wg_idempotency_key_ok(key)) {
		wg_req_field_error(req, "Idempotency-Key", "format",
		                   "Idempotency-Key is 1 to 128 visible ASCII characters");
		return false;
	}
	out->given = true;
	out->user_id = portal ? 0 : req->caller->user_id;
	snprintf(out->key, sizeof out->key, "%s%s%s", portal ? req->address : "", portal ? " " : "", key);
	wg_digest *d = wg_digest_begin("sha256");
	char hex[WG_DIGEST_HEX_MAX];
	if (d) {
		wg_digest_update(d, text, len);
		if (wg_digest_end(d, hex) == 0)
			snprintf(out->hash, sizeof out->hash, "%s", hex);
	}
	return true;
}

bool wg_idempotency_from_request(wg_req *req, bool portal, wg_idempotency *out)
{
	char *body = req->body ? json_dumps(req->body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	bool ok = wg_idempotency_from_text(req, portal, body ? body : "", body ? strlen(body) : 0, out);
	free(body);
	return ok;
}

int wg_idempotency_replay(wg_db *db, const wg_idempotency *k, struct evbuffer *out, int *status,
                          bool *replayed, wg_field_errors *fe)
{
	*replayed = false;
	if (!k->given)
		return 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = ? AND key = ?",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "it", k->user_id, k->key);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		if (strcmp(wg_stmt_text(st, 0, NULL), k->hash) != 0) {
			wg_field_errors_add(fe, "Idempotency-Key", "reused",
			                    "this Idempotency-Key was used for a different request");
			rc = WG_EVALIDATION;
		} else {
			size_t len = 0;
			const char *body = wg_stmt_text(st, 2, &len);
			*status = (int)wg_stmt_int(st, 1);
			*replayed = true;
			rc = evbuffer_add(out, body, len) ? WG_ENOMEM : 0;
		}
	} else if (rc == WG_DB_DONE) {
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_idempotency_save(wg_db *db, const wg_idempotency *k, int status, struct evbuffer *out, int64_t now)
{
	if (!k->given)
		return 0;
	size_t len = evbuffer_get_length(out);
	const char *body = (const char *)evbuffer_pullup(out, -1);
	if (!body && len)
		return WG_ENOMEM;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, "
		"created_at) VALUES (?, ?, ?, ?, ?, ?)",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "itti", k->user_id, k->key, k->hash, (int64_t)status);
	if (!rc)
		rc = wg_stmt_bind_text(st, 5, body ? body : "", len);
	if (!rc)
		rc = wg_stmt_bind_int(st, 6, now);
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_idempotency_run(wg_db *db, const wg_idempotency *k, wg_req *req, int *status, int64_t now,
                       int (*make)(wg_db *db, void *ctx), void *ctx)
{
	bool replayed = false;
	int rc = wg_idempotency_replay(db, k, req->out, status, &replayed, &req->errors);
	if (rc || replayed)
		return rc;
	rc = make(db, ctx);
	return rc ? rc : wg_idempotency_save(db, k, *status, req->out, now);
}
