/* validate.h - typed access to the JSON body and the query, collecting
 * field errors.
 *
 * Each getter checks presence, type and bounds; on a problem it records a
 * field error on the request (see wg_req_field_error) and returns NULL or
 * false, so a handler reads every field first and then calls
 * wg_req_errors_or_reply once to answer 422 with all the problems at once.
 * Strings returned are owned by the request (jansson body or arena). */
#ifndef WG_HTTP_VALIDATE_H
#define WG_HTTP_VALIDATE_H

#include "http/request.h"

#include <stdbool.h>
#include <stdint.h>

/* A string field of at most max_chars code points (trimmed of surrounding
 * white space). Missing or null: NULL, and an error when required. An
 * empty string counts as missing. */
const char *wg_body_string(wg_req *req, const char *field, size_t max_chars, bool required);

/* A string taken exactly as sent (passwords: white space counts), 1 to
 * max_chars code points, without NUL. */
const char *wg_body_raw_string(wg_req *req, const char *field, size_t max_chars, bool required);

/* An integer field within [min, max]. Returns true with *out set when
 * present and valid; false when missing (error if required) or invalid. */
bool wg_body_int(wg_req *req, const char *field, int64_t min, int64_t max, bool required, int64_t *out);

/* A boolean field; false when missing (error if required) or invalid. */
bool wg_body_bool(wg_req *req, const char *field, bool required, bool *out);

/* Record an "unknown" error for each body member not in known (NULL-ended). */
void wg_body_only(wg_req *req, const char *const *known);

/* If-Match: "7" (or 7), the version the client last saw, for optimistic
 * concurrency; *version = 0 when absent. Replies 400 and returns false for
 * anything else (wg_version_parse). */
bool wg_req_version_or_reply(wg_req *req, int64_t *version);

/* Decimal digits s[0..n), nothing else (n >= 1; leading zeros allowed), as
 * an int64. Returns true with *out set when they fit, false (and *out
 * untouched) otherwise. The header values below and Last-Event-ID
 * (http/sse.h) are read with it. */
bool wg_decimal_parse(const char *s, size_t n, int64_t *out);

/* The version in an If-Match value h: decimal digits, in double quotes or
 * not, from 1 to INT64_MAX (leading zeros allowed); no sign, space or
 * anything else. Returns true with *version set, false (and *version
 * untouched) otherwise. */
bool wg_version_parse(const char *h, int64_t *version);

/* Whether a Content-Type value is the media type type (lower case): in
 * any case, alone or followed by its parameters ("; charset=utf-8"). */
bool wg_media_type_is(const char *content_type, const char *type);

/* wg_media_type_is(content_type, "application/json"). */
bool wg_media_type_is_json(const char *content_type);

/* A decimal number of degrees (WGS-84) in s, within -max..max: the whole
 * text a finite number, starting with a digit or '-'. Returns 0 with *out
 * set, WG_EBADREQ when s is not such a number, WG_EVALIDATION when it lies
 * outside the range (*out untouched on failure). */
int wg_degree_parse(const char *s, double max, double *out);

/* ?name= as an integer in [min, max], def when absent. false (and an error)
 * when present and invalid. */
bool wg_query_int(wg_req *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out);

/* ?limit= by API.md: default 50, 1..200. */
bool wg_query_limit(wg_req *req, int64_t *out);

/* ?name= of at most max_chars code points, or NULL when absent or empty. */
const char *wg_query_string(wg_req *req, const char *name, size_t max_chars);

/* ?cursor=: the key it encodes (arena string), NULL when absent; records an
 * error and sets *bad for a cursor this server did not make. */
const char *wg_query_cursor(wg_req *req, bool *bad);

/* Opaque cursor for a key (arena string), NULL when memory runs out. */
const char *wg_cursor_encode(wg_req *req, const char *key);

#endif
