/* test_router.c - route compilation, matching with parameters, 405 sets,
 * and the request-target parsers (path decoding, query). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "core/alloc.h"
#include "core/error.h"
#include "http/router.h"
#include "http/target.h"

static void h_list(wg_req *req)
{
	(void)req;
}
static void h_create(wg_req *req)
{
	(void)req;
}
static void h_one(wg_req *req)
{
	(void)req;
}
static void h_nested(wg_req *req)
{
	(void)req;
}

static const wg_route routes[] = {
	{WG_GET, "/api/v1/regions", h_list, 0},
	{WG_POST, "/api/v1/regions", h_create, WG_ROUTE_JSON_BODY},
	{WG_GET | WG_PATCH, "/api/v1/regions/{code}", h_one, 0},
	{WG_POST, "/api/v1/cases/{id}/actions/{action}", h_nested, 0},
};

struct match_case {
	unsigned method;
	const char *path;
	wg_handler_fn want; /* NULL: no match */
	unsigned allowed;   /* expected Allow set when no match */
	const char *p0, *p1;
};

static const struct match_case cases[] = {
	{WG_GET, "/api/v1/regions", h_list, 0, NULL, NULL},
	{WG_HEAD, "/api/v1/regions", h_list, 0, NULL, NULL},
	{WG_POST, "/api/v1/regions", h_create, 0, NULL, NULL},
	{WG_DELETE, "/api/v1/regions", NULL, WG_GET | WG_HEAD | WG_POST, NULL, NULL},
	{WG_GET, "/api/v1/regions/610326000000", h_one, 0, "610326000000", NULL},
	{WG_PATCH, "/api/v1/regions/x", h_one, 0, "x", NULL},
	{WG_POST, "/api/v1/regions/x", NULL, WG_GET | WG_HEAD | WG_PATCH, NULL, NULL},
	{WG_POST, "/api/v1/cases/42/actions/accept", h_nested, 0, "42", "accept"},
	{WG_GET, "/api/v1/cases/42/actions/accept", NULL, WG_POST, NULL, NULL},
	{WG_GET, "/api/v1/regions/", NULL, 0, NULL, NULL}, /* one spelling per resource */
	{WG_GET, "/api/v1//regions", NULL, 0, NULL, NULL},
	{WG_GET, "/api/v1/region", NULL, 0, NULL, NULL},
	{WG_GET, "/api/v1/regions/a/b", NULL, 0, NULL, NULL},
	{WG_GET, "/", NULL, 0, NULL, NULL},
	{WG_GET, "relative", NULL, 0, NULL, NULL},
	{WG_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s", NULL, 0, NULL, NULL},
};

static void test_match(void **state)
{
	(void)state;
	wg_router *r;
	char err[128];
	assert_int_equal(wg_router_new(routes, 4, &r, err, sizeof err), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct match_case *c = &cases[i];
		wg_arena a;
		wg_arena_init(&a, 512);
		const char *params[WG_MAX_PATH_PARAMS];
		unsigned np, allowed;
		const wg_route *m = wg_router_match(r, c->method, c->path, &a, params, &np, &allowed);
		if (c->want) {
			assert_non_null(m);
			assert_ptr_equal(m->handler, c->want);
			assert_int_equal(np, (c->p0 != NULL) + (c->p1 != NULL));
			if (c->p0)
				assert_string_equal(params[0], c->p0);
			if (c->p1)
				assert_string_equal(params[1], c->p1);
		} else {
			assert_null(m);
			assert_int_equal(allowed, c->allowed);
		}
		wg_arena_clear(&a);
	}
	assert_int_equal(wg_router_count(r), 4);
	assert_int_equal(wg_router_index(r, &routes[2]), 2);
	wg_router_free(r);
}

static void test_bad_patterns(void **state)
{
	(void)state;
	static const char *const bad[] = {"relative", "/a//b", "/{}", "/{open", "/a/{x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wg_route one = {WG_GET, bad[i], h_list, 0};
		wg_router *r = NULL;
		char err[128] = "";
		assert_int_equal(wg_router_new(&one, 1, &r, err, sizeof err), WG_ECONFIG);
		assert_non_null(strstr(err, bad[i]));
	}
}

static void test_router_out_of_memory(void **state)
{
	(void)state;
	for (unsigned long n = 1;; n++) {
		wg_router *r = NULL;
		char err[64];
		wg_alloc_fail_at(n);
		int rc = wg_router_new(routes, 4, &r, err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == 0) {
			wg_router_free(r);
			assert_true(n > 1);
			break;
		}
		assert_int_equal(rc, WG_ENOMEM);
	}
}

static void test_methods_text(void **state)
{
	(void)state;
	char buf[64];
	wg_router_methods_text(WG_GET | WG_HEAD | WG_POST, buf, sizeof buf);
	assert_string_equal(buf, "GET, HEAD, POST");
	wg_router_methods_text(0, buf, sizeof buf);
	assert_string_equal(buf, "");
	wg_router_methods_text(WG_GET | WG_DELETE, buf, 6);
	assert_string_equal(buf, "GET"); /* cut at a whole name */
}

static void test_decode_path(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		int rc;
		const char *want;
	} t[] = {
		{"/api/v1/regions", 0, "/api/v1/regions"},
		{"/a%20b", 0, "/a b"},
		{"/a+b", 0, "/a+b"},
		{"/%E7%BD%91%E6%A0%BC", 0, "/网格"},
		{"/%2e%2e/etc", 0, "/../etc"}, /* decoded; the static server refuses it */
		{"/x%00y", WG_EBADREQ, NULL},
		{"/x%zz", WG_EBADREQ, NULL},
		{"/x%f", WG_EBADREQ, NULL},
		{"/x%", WG_EBADREQ, NULL},
		{"/%ff", WG_EBADREQ, NULL},
		{"/%C0%AF", WG_EBADREQ, NULL}, /* overlong '/' */
		{"relative", WG_EBADREQ, NULL},
		{NULL, WG_EBADREQ, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_arena a;
		wg_arena_init(&a, 256);
		const char *out = NULL;
		assert_int_equal(wg_target_decode_path(t[i].raw, &a, &out), t[i].rc);
		if (t[i].want)
			assert_string_equal(out, t[i].want);
		wg_arena_clear(&a);
	}
}

static void test_parse_query(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		int rc;
		const char *key, *value;
	} t[] = {
		{"parent=610326000000&limit=3", 0, "limit", "3"},
		{"q=%E7%BD%91", 0, "q", "网"},
		{"q=a%20b", 0, "q", "a b"},
		{"q=%ff", WG_EBADREQ, NULL, NULL},
		{"%ff=1", 0, "%ff", "1"}, /* libevent decodes values, not names */
		{"q=a%00b", WG_EBADREQ, NULL, NULL},
		{"q=%zz", WG_EBADREQ, NULL, NULL},
		{"q=%f", WG_EBADREQ, NULL, NULL},
		{"q=%", WG_EBADREQ, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct evkeyvalq q;
		TAILQ_INIT(&q);
		const char *why = NULL;
		assert_int_equal(wg_target_parse_query(t[i].raw, &q, &why), t[i].rc);
		if (t[i].key)
			assert_string_equal(evhttp_find_header(&q, t[i].key), t[i].value);
		else
			assert_non_null(why);
		evhttp_clear_headers(&q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_router_out_of_memory),
		cmocka_unit_test(test_methods_text),
		cmocka_unit_test(test_decode_path),
		cmocka_unit_test(test_parse_query),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
