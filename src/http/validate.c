#include "http/validate.h"

#include "core/error.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <event2/http.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void field_error(wg_req *req, const char *field, const char *code, const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, field, arg);
	wg_req_field_error(req, field, code, msg);
}

static json_t *member(wg_req *req, const char *field, bool required)
{
	json_t *v = req->body ? json_object_get(req->body, field) : NULL;
	if ((!v || json_is_null(v)) && required)
		field_error(req, field, "required", "%s is required%s", "");
	return v && !json_is_null(v) ? v : NULL;
}

/* Trims ASCII white space; the result is an arena copy. */
static const char *trimmed(wg_req *req, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return wg_arena_strndup(&req->arena, s, n);
}

/* A string member without NUL, as sent; NULL (with an error if it is
 * present but not such a string, or required and missing). */
static const char *string_member(wg_req *req, const char *field, bool required, size_t *n)
{
	json_t *v = member(req, field, required);
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		field_error(req, field, "type", "%s must be a string%s", "");
		return NULL;
	}
	*n = json_string_length(v);
	if (memchr(json_string_value(v), '\0', *n)) {
		field_error(req, field, "pattern", "%s must not contain NUL characters%s", "");
		return NULL;
	}
	return json_string_value(v);
}

/* s when it is 1..max_chars code points, else NULL with the error. */
static const char *sized(wg_req *req, const char *field, const char *s, size_t n, size_t max_chars,
                         bool required)
{
	if (n == 0) {
		if (required)
			field_error(req, field, "required", "%s must not be empty%s", "");
		return NULL;
	}
	if (wg_utf8_count(s, n) > max_chars) {
		char limit[32];
		snprintf(limit, sizeof limit, "%zu", max_chars);
		field_error(req, field, "too_long", "%s must be at most %s characters", limit);
		return NULL;
	}
	return s;
}

const char *wg_body_string(wg_req *req, const char *field, size_t max_chars, bool required)
{
	size_t n;
	const char *raw = string_member(req, field, required, &n);
	const char *s = raw ? trimmed(req, raw, n) : NULL;
	return s ? sized(req, field, s, strlen(s), max_chars, required) : NULL;
}

const char *wg_body_raw_string(wg_req *req, const char *field, size_t max_chars, bool required)
{
	size_t n;
	const char *s = string_member(req, field, required, &n);
	/* An empty password is refused even where the field is optional. */
	return s ? sized(req, field, s, n, max_chars, true) : NULL;
}

bool wg_body_int(wg_req *req, const char *field, int64_t min, int64_t max, bool required, int64_t *out)
{
	json_t *v = member(req, field, required);
	if (!v)
		return false;
	if (!json_is_integer(v)) {
		field_error(req, field, "type", "%s must be a whole number%s", "");
		return false;
	}
	json_int_t n = json_integer_value(v);
	if (n < min || n > max) {
		char range[64];
		snprintf(range, sizeof range, "%lld..%lld", (long long)min, (long long)max);
		field_error(req, field, "range", "%s must be within %s", range);
		return false;
	}
	*out = n;
	return true;
}

bool wg_body_bool(wg_req *req, const char *field, bool required, bool *out)
{
	json_t *v = member(req, field, required);
	if (!v)
		return false;
	if (!json_is_boolean(v)) {
		field_error(req, field, "type", "%s must be true or false%s", "");
		return false;
	}
	*out = json_is_true(v);
	return true;
}

void wg_body_only(wg_req *req, const char *const *known)
{
	const char *key;
	json_t *value;
	json_object_foreach(req->body, key, value) {
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok)
			field_error(req, key, "unknown", "%s is not a field of this resource%s", "");
	}
}

bool wg_decimal_parse(const char *s, size_t n, int64_t *out)
{
	if (n == 0)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		int d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool wg_version_parse(const char *h, int64_t *version)
{
	size_t len = strlen(h);
	bool quoted = h[0] == '"';
	if (quoted && (len < 2 || h[len - 1] != '"'))
		return false;
	int64_t v;
	size_t quotes = quoted ? 2 : 0;
	if (!wg_decimal_parse(h + quoted, len - quotes, &v) || v == 0)
		return false;
	*version = v;
	return true;
}

/* If-Match: "7" (or 7) is the version the client last saw; absent: 0. */
bool wg_req_version_or_reply(wg_req *req, int64_t *version)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req->ev), "If-Match");
	*version = 0;
	if (!h)
		return true;
	if (!wg_version_parse(h, version)) {
		wg_req_problem(req, WG_EBADREQ,
		               "If-Match must be the version number of the record, e.g. \"3\"");
		return false;
	}
	return true;
}

bool wg_media_type_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);
	if (!content_type || strncasecmp(content_type, type, n) != 0)
		return false;
	char next = content_type[n];
	return next == '\0' || next == ';' || next == ' ';
}

bool wg_media_type_is_json(const char *content_type)
{
	return wg_media_type_is(content_type, "application/json");
}

int wg_degree_parse(const char *s, double max, double *out)
{
	/* Digits, a point, an exponent: not strtod's hexadecimal, "inf" or "nan". */
	if (!s || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || s[strspn(s, "0123456789.eE+-")] != '\0')
		return WG_EBADREQ;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return WG_EBADREQ;
	if (v < -max || v > max)
		return WG_EVALIDATION;
	*out = v;
	return 0;
}

bool wg_query_int(wg_req *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out)
{
	const char *v = wg_req_query(req, name);
	*out = def;
	if (!v)
		return true;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max || !isdigit((unsigned char)v[v[0] == '-'])) {
		char range[64];
		snprintf(range, sizeof range, "%lld..%lld", (long long)min, (long long)max);
		field_error(req, name, "range", "%s must be a whole number within %s", range);
		return false;
	}
	*out = n;
	return true;
}

bool wg_query_limit(wg_req *req, int64_t *out)
{
	return wg_query_int(req, "limit", 50, 1, 200, out);
}

const char *wg_query_string(wg_req *req, const char *name, size_t max_chars)
{
	const char *v = wg_req_query(req, name);
	if (!v || !*v)
		return NULL;
	if (wg_utf8_count(v, strlen(v)) > max_chars) {
		char limit[32];
		snprintf(limit, sizeof limit, "%zu", max_chars);
		field_error(req, name, "too_long", "%s must be at most %s characters", limit);
		return NULL;
	}
	return v;
}

/* A cursor is "c1." + base64url(key): opaque to clients, cheap to check. */
static const char cursor_prefix[] = "c1.";

const char *wg_cursor_encode(wg_req *req, const char *key)
{
	size_t n = strlen(key);
	size_t b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = wg_arena_alloc(&req->arena, sizeof cursor_prefix - 1 + b64);
	if (!out)
		return NULL;
	memcpy(out, cursor_prefix, sizeof cursor_prefix - 1);
	sodium_bin2base64(out + sizeof cursor_prefix - 1, b64, (const unsigned char *)key, n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

const char *wg_query_cursor(wg_req *req, bool *bad)
{
	*bad = false;
	const char *v = wg_req_query(req, "cursor");
	if (!v || !*v)
		return NULL;
	size_t n = strlen(v);
	char *key = n < 512 ? wg_arena_alloc(&req->arena, n + 1) : NULL;
	size_t keylen = 0;
	if (!key || strncmp(v, cursor_prefix, sizeof cursor_prefix - 1) != 0 ||
	    sodium_base642bin((unsigned char *)key, n, v + sizeof cursor_prefix - 1,
	                      n - (sizeof cursor_prefix - 1), NULL, &keylen, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    !wg_utf8_valid(key, keylen) || memchr(key, '\0', keylen)) {
		*bad = true;
		field_error(req, "cursor", "pattern", "%s is not a cursor returned by this list%s", "");
		return NULL;
	}
	key[keylen] = '\0';
	return key;
}
