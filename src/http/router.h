/* router.h - the route table and path matching.
 *
 * Routes are one static table (src/api/routes.c): a method set, a pattern
 * with {parameters} ("/api/v1/regions/{code}") and a handler. The table is
 * compiled once at start into segment lists; matching splits the decoded
 * path on '/' and compares segment by segment. A path that matches a pattern
 * but not the method gives the methods that would have matched (for 405's
 * Allow header). */
#ifndef WG_HTTP_ROUTER_H
#define WG_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

enum wg_method {
	WG_GET = 1 << 0,
	WG_HEAD = 1 << 1,
	WG_POST = 1 << 2,
	WG_PUT = 1 << 3,
	WG_PATCH = 1 << 4,
	WG_DELETE = 1 << 5,
	WG_OPTIONS = 1 << 6,
};

enum wg_route_flags {
	WG_ROUTE_JSON_BODY = 1, /* parse a JSON object body (415/400 before the handler) */
	WG_ROUTE_PUBLIC = 2,    /* no session needed */
	WG_ROUTE_ANY_STATE = 4, /* open to a session that must first change its
	                         * password or enrol a second factor */
	WG_ROUTE_RAW_BODY = 8,  /* the body is a file, not JSON: the handler gets
	                         * its bytes (req->raw_body), and the body may be
	                         * as large as the attachment limits instead of
	                         * http.max_body (server.c) */
};

typedef void (*wg_handler_fn)(wg_req *req);

typedef struct wg_route {
	unsigned methods; /* WG_GET | ...; GET routes also answer HEAD */
	const char *pattern;
	wg_handler_fn handler;
	unsigned flags;
	unsigned roles;      /* enum wg_role bits that may call it; 0: anyone signed in */
	const char *summary; /* one line for the API's description (api/openapi.c) */
	/* The query parameters it reads, space-separated, for the same
	 * description; NULL for none. tests/api/openapi.test.mjs holds it to
	 * what the handler's source reads. */
	const char *query;
} wg_route;

typedef struct wg_router wg_router;

/* Compile routes (the table must outlive the router). Returns 0, WG_ENOMEM,
 * or WG_ECONFIG for a malformed pattern (named in err). */
int wg_router_new(const wg_route *routes, size_t n, wg_router **out, char *err, size_t errlen);
void wg_router_free(wg_router *r);

/* Find the route for method and decoded path. On a match returns the route
 * and stores parameter values (pointers into the arena copy of path) in
 * params/nparams. Otherwise returns NULL and sets *allowed to the methods
 * some route accepts on this path (0: no route has this path). */
const wg_route *wg_router_match(const wg_router *r, unsigned method, const char *path, wg_arena *arena,
                                const char **params, unsigned *nparams, unsigned *allowed);

/* Index of a route in the table (for metrics), and the table size. */
size_t wg_router_index(const wg_router *r, const wg_route *route);
size_t wg_router_count(const wg_router *r);
const wg_route *wg_router_route(const wg_router *r, size_t i);

/* "GET, HEAD, POST" for a method set, into buf. */
void wg_router_methods_text(unsigned methods, char *buf, size_t len);

#endif
