/* target.h - the request target: path decoding and query parsing.
 *
 * Both are parsers of untrusted input, kept apart from the server so that
 * they have unit tests and a fuzz driver of their own. */
#ifndef WG_HTTP_TARGET_H
#define WG_HTTP_TARGET_H

#include "core/arena.h"

struct evkeyvalq;

/* Percent-decode an absolute path into the arena ('+' stays '+'). Returns 0
 * with *out set, WG_EBADREQ when the path is not absolute, has a '%' without two hex
 * digits, decodes to a NUL
 * byte or to invalid UTF-8, or WG_ENOMEM. */
int wg_target_decode_path(const char *raw, wg_arena *arena, const char **out);

/* Parse a raw query string into q (initialised by the caller, freed with
 * evhttp_clear_headers). Returns 0, or WG_EBADREQ for a malformed query
 * (including a '%' without two hex digits), %00, or invalid UTF-8 in a name or value (with the reason in *why). */
int wg_target_parse_query(const char *raw, struct evkeyvalq *q, const char **why);

#endif
