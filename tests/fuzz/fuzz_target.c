/* fuzz_target.c - the request target: path decoding, query parsing and
 * route matching on arbitrary bytes. Input: "path?query". Checks that a
 * decoded path is NUL-free valid UTF-8 and that a match's parameters are
 * segments of that path. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "api/api.h"
#include "core/utf8.h"
#include "http/router.h"
#include "http/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wg_router *router;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!router) {
		char err[128];
		if (wg_router_new(wg_api_routes, wg_api_route_count, &router, err, sizeof err) != 0)
			abort();
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *query = strchr(text, '?');
	if (query)
		*query++ = '\0';

	wg_arena arena;
	wg_arena_init(&arena, 1024);
	const char *path = NULL;
	if (wg_target_decode_path(text, &arena, &path) == 0) {
		size_t n = strlen(path);
		if (path[0] != '/' || !wg_utf8_valid(path, n))
			abort();
		const char *params[WG_MAX_PATH_PARAMS];
		unsigned np = 0, allowed = 0;
		unsigned methods[] = {WG_GET, WG_POST, WG_DELETE};
		for (size_t m = 0; m < 3; m++) {
			const wg_route *r =
				wg_router_match(router, methods[m], path, &arena, params, &np, &allowed);
			for (unsigned i = 0; r && i < np; i++)
				if (!strstr(path, params[i]) || strchr(params[i], '/'))
					abort();
			if (!r && np != 0)
				abort();
		}
	}
	if (query) {
		struct evkeyvalq q;
		TAILQ_INIT(&q);
		const char *why = NULL;
		if (wg_target_parse_query(query, &q, &why) != 0 && !why)
			abort();
		evhttp_clear_headers(&q);
	}
	wg_arena_clear(&arena);
	free(text);
	return 0;
}
