/* error.h - the one table of status codes.
 *
 * Every fallible function in wangge returns an int: 0 for success, or a
 * negative WG_E... code from WG_ERROR_MAP. The same table yields the code's
 * name, its message, the HTTP status it maps to and the RFC 9457 problem
 * "type" slug, so the HTTP layer never keeps a second list. */
#ifndef WG_CORE_ERROR_H
#define WG_CORE_ERROR_H

/* X(NAME, value, http status, problem type slug, message) */
#define WG_ERROR_MAP(X)                                                                 \
	X(NOMEM, -1, 503, "unavailable", "out of memory")                               \
	X(BADREQ, -2, 400, "bad-request", "malformed request")                          \
	X(VALIDATION, -3, 422, "validation", "one or more fields are invalid")          \
	X(NOTFOUND, -4, 404, "not-found", "no such resource")                           \
	X(CONFLICT, -5, 409, "conflict", "conflicts with the current state")            \
	X(TOOLARGE, -6, 413, "too-large", "request body too large")                     \
	X(MEDIATYPE, -7, 415, "unsupported-media-type", "unsupported media type")       \
	X(METHOD, -8, 405, "method-not-allowed", "method not allowed on this resource") \
	X(UNAUTH, -9, 401, "unauthorized", "authentication required")                   \
	X(FORBIDDEN, -10, 403, "forbidden", "not permitted")                            \
	X(RATELIMIT, -11, 429, "rate-limited", "too many requests")                     \
	X(STORE, -12, 503, "unavailable", "storage unavailable")                        \
	X(IO, -13, 500, "internal", "input/output error")                               \
	X(CONFIG, -14, 500, "internal", "invalid configuration")                        \
	X(SHUTDOWN, -15, 503, "unavailable", "server is shutting down")                 \
	X(INTERNAL, -16, 500, "internal", "internal error")

enum wg_error {
	WG_OK = 0,
#define WG__ERROR_ENUM(name, value, status, type, msg) WG_E##name = (value),
	WG_ERROR_MAP(WG__ERROR_ENUM)
#undef WG__ERROR_ENUM
};

/* Name of a code ("WG_ENOTFOUND"); "WG_OK" for 0, "WG_EUNKNOWN" otherwise.
 * Static storage, never freed. */
const char *wg_error_name(int code);

/* Human message of a code. Static storage. */
const char *wg_error_message(int code);

/* HTTP status a code maps to (200 for WG_OK, 500 for an unknown code). */
int wg_error_http_status(int code);

/* Problem type slug ("validation"); the HTTP layer prefixes the base URI. */
const char *wg_error_type(int code);

#endif
