/* fuzz_router.c - the request router (http/router.h) on arbitrary method
 * bits and path bytes against the real route table (wg_api_routes).
 *
 * Input: byte 0 picks the method (0: a method the server does not know,
 * which it passes as 0; 1..7: GET..OPTIONS) and, in its high bits, the
 * size of the Allow text buffer; the rest, up to a NUL, is the path. The
 * path is not percent-decoded first: the router must hold up on any text,
 * not only on what wg_target_decode_path lets through.
 *
 * Checked against a reference matcher written here from router.h's
 * contract (segments split on '/', a {parameter} matches one non-empty
 * segment, the first route in table order wins):
 *   - the same route, or none, as the reference;
 *   - a match accepts the method (GET routes also HEAD), its parameters are
 *     as many as the pattern's, each a whole non-empty segment, and putting
 *     them back into the pattern gives the path again;
 *   - no match: no parameters, and the methods of 405's Allow are exactly
 *     those of the routes whose pattern fits the path;
 *   - wg_router_index / wg_router_route agree on the route;
 *   - wg_router_methods_text fits any buffer, NUL-terminated, and writes
 *     whole method names only: a prefix of the text an ample buffer gets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wg_router *router;

static const unsigned method_bits[] = {0, WG_GET, WG_HEAD, WG_POST, WG_PUT, WG_PATCH, WG_DELETE, WG_OPTIONS};

/* The next '/'-separated segment of a path or pattern starting at *p (just
 * after a '/'); *p moves past it and its '/', NULL at the end. */
static const char *segment(const char **p, size_t *len)
{
	const char *s = *p;
	if (!s)
		return NULL;
	const char *slash = strchr(s, '/');
	*len = slash ? (size_t)(slash - s) : strlen(s);
	*p = slash ? slash + 1 : NULL;
	return s;
}

/* Whether pattern fits path segment by segment: literals equal, a
 * parameter any non-empty segment; "/" fits no pattern (none is "/"). */
static bool fits(const char *pattern, const char *path)
{
	if (path[0] != '/' || path[1] == '\0')
		return false;
	const char *pp = pattern + 1, *sp = path + 1;
	for (;;) {
		size_t plen = 0, slen = 0;
		const char *ps = segment(&pp, &plen);
		const char *ss = segment(&sp, &slen);
		if (!ps || !ss)
			return !ps && !ss;
		if (slen == 0)
			return false;
		bool param = plen >= 2 && ps[0] == '{' && ps[plen - 1] == '}';
		if (!param && (plen != slen || memcmp(ps, ss, slen) != 0))
			return false;
	}
}

static unsigned effective(const wg_route *r)
{
	return r->methods & WG_GET ? r->methods | WG_HEAD : r->methods;
}

/* The pattern with its parameters put back, compared with path. */
static bool rebuilds(const char *pattern, const char **params, unsigned n, const char *path)
{
	size_t at = 0, used = 0;
	const char *pp = pattern + 1;
	size_t plen;
	const char *ps;
	while ((ps = segment(&pp, &plen)) != NULL) {
		if (path[at++] != '/')
			return false;
		const char *text = ps;
		size_t len = plen;
		if (plen >= 2 && ps[0] == '{' && ps[plen - 1] == '}') {
			if (used == n)
				return false;
			text = params[used++];
			len = strlen(text);
			if (len == 0 || memchr(text, '/', len))
				return false;
		}
		if (strncmp(path + at, text, len) != 0)
			return false;
		at += len;
	}
	return used == n && path[at] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!router) {
		char err[128];
		if (wg_router_new(wg_api_routes, wg_api_route_count, &router, err, sizeof err) != 0)
			abort();
	}
	if (size == 0)
		return 0;
	unsigned method = method_bits[data[0] & 7u];
	size_t allow_len = data[0] >> 3; /* 0..31: too small for some method sets */
	data++, size--;
	char *path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';

	wg_arena arena;
	wg_arena_init(&arena, 256);
	const char *params[WG_MAX_PATH_PARAMS];
	unsigned np = 99, allowed = 99;
	const wg_route *got = wg_router_match(router, method, path, &arena, params, &np, &allowed);

	const wg_route *want = NULL;
	unsigned want_allowed = 0;
	for (size_t i = 0; i < wg_api_route_count && !want; i++) {
		const wg_route *r = &wg_api_routes[i];
		if (!fits(r->pattern, path))
			continue;
		if (effective(r) & method)
			want = r;
		else
			want_allowed |= effective(r);
	}
	if (got != want)
		abort();
	if (got) {
		size_t i = wg_router_index(router, got);
		if (i >= wg_router_count(router) || wg_router_route(router, i) != got)
			abort();
		if (!(effective(got) & method) || np > WG_MAX_PATH_PARAMS ||
		    !rebuilds(got->pattern, params, np, path))
			abort();
	} else if (np != 0 || allowed != want_allowed) {
		abort();
	}

	/* The Allow text: whole names that fit, always terminated. */
	char full[96];
	wg_router_methods_text(allowed, full, sizeof full);
	char *small = malloc(allow_len ? allow_len : 1);
	if (small) {
		wg_router_methods_text(allowed, small, allow_len);
		if (allow_len) {
			size_t n = strnlen(small, allow_len);
			if (n == allow_len || strncmp(small, full, n) != 0 ||
			    (n > 0 && full[n] != '\0' && strncmp(full + n, ", ", 2) != 0))
				abort();
		}
		free(small);
	}
	wg_arena_clear(&arena);
	free(path);
	return 0;
}
