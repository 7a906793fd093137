#include "http/router.h"

#include "core/alloc.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEGMENTS 16

struct compiled {
	const wg_route *route;
	unsigned nseg;
	const char *seg[MAX_SEGMENTS]; /* literal, or NULL for a parameter */
	size_t seglen[MAX_SEGMENTS];
};

struct wg_router {
	size_t n;
	struct compiled *c;
};

static int compile(const wg_route *route, struct compiled *c, char *err, size_t errlen)
{
	const char *p = route->pattern;
	c->route = route;
	c->nseg = 0;
	if (p[0] != '/')
		goto bad;
	while (*p == '/') {
		p++;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (c->nseg == MAX_SEGMENTS || (len == 0 && end))
			goto bad;
		if (len == 0)
			break; /* trailing slash is not part of any pattern */
		if (p[0] == '{') {
			if (p[len - 1] != '}' || len < 3)
				goto bad;
			c->seg[c->nseg] = NULL;
		} else {
			c->seg[c->nseg] = p;
		}
		c->seglen[c->nseg++] = len;
		p += len;
	}
	return 0;
bad:
	snprintf(err, errlen, "malformed route pattern '%s'", route->pattern);
	return WG_ECONFIG;
}

int wg_router_new(const wg_route *routes, size_t n, wg_router **out, char *err, size_t errlen)
{
	wg_router *r = wg_calloc(1, sizeof *r);
	struct compiled *c = wg_calloc(n, sizeof *c);
	if (!r || !c) {
		wg_free(r);
		wg_free(c);
		return WG_ENOMEM;
	}
	r->n = n;
	r->c = c;
	for (size_t i = 0; i < n; i++) {
		int rc = compile(&routes[i], &c[i], err, errlen);
		if (rc) {
			wg_router_free(r);
			return rc;
		}
	}
	*out = r;
	return 0;
}

void wg_router_free(wg_router *r)
{
	if (r) {
		wg_free(r->c);
		wg_free(r);
	}
}

static unsigned effective_methods(const wg_route *route)
{
	return route->methods & WG_GET ? route->methods | WG_HEAD : route->methods;
}

const wg_route *wg_router_match(const wg_router *r, unsigned method, const char *path, wg_arena *arena,
                                const char **params, unsigned *nparams, unsigned *allowed)
{
	const char *seg[MAX_SEGMENTS];
	size_t seglen[MAX_SEGMENTS];
	unsigned nseg = 0;
	*allowed = 0;
	*nparams = 0;
	if (path[0] != '/')
		return NULL;
	for (const char *p = path + 1;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 && !end && nseg == 0)
			break; /* "/" itself */
		if (nseg == MAX_SEGMENTS || len == 0)
			return NULL; /* "//", a trailing '/' or too deep: no route has it */
		seg[nseg] = p;
		seglen[nseg++] = len;
		if (!end)
			break;
		p = end + 1;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct compiled *c = &r->c[i];
		if (c->nseg != nseg)
			continue;
		unsigned k = 0;
		for (; k < nseg; k++)
			if (c->seg[k] &&
			    (c->seglen[k] != seglen[k] || memcmp(c->seg[k], seg[k], seglen[k]) != 0))
				break;
		if (k < nseg)
			continue;
		unsigned m = effective_methods(c->route);
		if (!(m & method)) {
			*allowed |= m;
			continue;
		}
		unsigned np = 0;
		for (k = 0; k < nseg && np < WG_MAX_PATH_PARAMS; k++)
			if (!c->seg[k]) {
				params[np] = wg_arena_strndup(arena, seg[k], seglen[k]);
				if (!params[np])
					return NULL;
				np++;
			}
		*nparams = np;
		return c->route;
	}
	return NULL;
}

size_t wg_router_index(const wg_router *r, const wg_route *route)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->c[i].route == route)
			return i;
	return r->n;
}

size_t wg_router_count(const wg_router *r)
{
	return r->n;
}

const wg_route *wg_router_route(const wg_router *r, size_t i)
{
	return i < r->n ? r->c[i].route : NULL;
}

void wg_router_methods_text(unsigned methods, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{WG_GET, "GET"},     {WG_HEAD, "HEAD"},     {WG_POST, "POST"},      {WG_PUT, "PUT"},
	             {WG_PATCH, "PATCH"}, {WG_DELETE, "DELETE"}, {WG_OPTIONS, "OPTIONS"}};
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(methods & names[i].bit))
			continue;
		size_t need = strlen(names[i].name) + (used ? 2 : 0);
		if (used + need >= len)
			return; /* only whole names */
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i].name);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}
