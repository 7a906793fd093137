/* idempotency.h - creates that a client may safely retry (API.md: writes
 * that create accept Idempotency-Key).
 *
 * The key and the first answer (status and body) are stored in the same
 * write transaction as what the request created, so that a retry after a
 * lost answer gets that answer again and creates nothing. A key is the
 * caller's own (per account; the citizen portal's per client address); the
 * same key sent with a different body is refused (422 on "Idempotency-Key"),
 * since it cannot be the same request. */
#ifndef WG_API_IDEMPOTENCY_H
#define WG_API_IDEMPOTENCY_H

#include "http/request.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

#define WG_IDEMPOTENCY_KEY_MAX 128

typedef struct wg_idempotency {
	bool given;
	int64_t user_id;
	char key[64 + 1 + WG_IDEMPOTENCY_KEY_MAX + 1]; /* "address key" for the portal */
	char hash[65];                                 /* SHA-256 of the request body */
} wg_idempotency;

/* Whether s is a well-formed key: 1 to WG_IDEMPOTENCY_KEY_MAX visible
 * ASCII characters (0x21..0x7e). */
bool wg_idempotency_key_ok(const char *s);

/* Read the Idempotency-Key header of req (1..128 visible ASCII characters)
 * into *out, keyed to the caller (portal: to the client address). Records a
 * field error and returns false when it is malformed; true otherwise (also
 * when there is none: out->given false). */
bool wg_idempotency_from_request(wg_req *req, bool portal, wg_idempotency *out);

/* The same for a request whose body is not JSON: text[0..len) is what a
 * retry must repeat (Open311: its format and its form). */
bool wg_idempotency_from_text(wg_req *req, bool portal, const char *text, size_t len, wg_idempotency *out);

/* In the create's write transaction, before creating: when the key was
 * used before, append the stored body to out, set *status and *replayed.
 * Returns 0, WG_EVALIDATION (the key came with another body: the error is
 * recorded in fe on "Idempotency-Key"), or a store error. */
int wg_idempotency_replay(wg_db *db, const wg_idempotency *k, struct evbuffer *out, int *status,
                          bool *replayed, wg_field_errors *fe);

/* After creating, in the same transaction: keep status and the body now in
 * out for a retry. Nothing happens without a key. Returns 0 or a store
 * error (WG_ECONFLICT if a concurrent request with the key won). */
int wg_idempotency_save(wg_db *db, const wg_idempotency *k, int status, struct evbuffer *out, int64_t now);

/* A create in its write transaction, the two above around it: the stored
 * answer when the key was used before (*status set, make not called), or
 * make(db, ctx), which creates and writes its answer to req->out, kept with
 * the key. *status is the new answer's status (set by the caller, e.g.
 * 201). Returns 0, what replay or make returned, or a store error. */
int wg_idempotency_run(wg_db *db, const wg_idempotency *k, wg_req *req, int *status, int64_t now,
                       int (*make)(wg_db *db, void *ctx), void *ctx);

#endif
