/* test_validate.c - typed body and query getters and the field errors they
 * record; opaque list cursors; the If-Match, Content-Type and
 * Idempotency-Key values. Requests are built without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "api/idempotency.h"
#include "core/error.h"
#include "http/validate.h"

static wg_req *make_req(const char *body, const char *query)
{
	wg_req *req = calloc(1, sizeof *req);
	wg_arena_init(&req->arena, 1024);
	wg_field_errors_init(&req->errors, &req->arena);
	if (body) {
		req->body = json_loads(body, JSON_ALLOW_NUL, NULL); /* the server refuses NUL earlier */
		assert_non_null(req->body);
	}
	if (query) {
		req->query = calloc(1, sizeof *req->query);
		TAILQ_INIT(req->query);
		assert_int_equal(evhttp_parse_query_str(query, req->query), 0);
	}
	return req;
}

static void free_req(wg_req *req)
{
	json_decref(req->body);
	if (req->query) {
		evhttp_clear_headers(req->query);
		free(req->query);
	}
	wg_arena_clear(&req->arena);
	free(req);
}

static void assert_error(const wg_req *req, unsigned i, const char *field, const char *code)
{
	assert_true(i < req->errors.n);
	assert_string_equal(req->errors.e[i].field, field);
	assert_string_equal(req->errors.e[i].code, code);
	assert_non_null(strstr(req->errors.e[i].message, field));
}

static void test_strings(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		bool required;
		const char *want; /* NULL: no value */
		const char *code; /* NULL: no error */
	} t[] = {
		{"{\"name\":\"横渠镇\"}", true, "横渠镇", NULL},
		{"{\"name\":\"  pad \\t\"}", true, "pad", NULL},
		{"{\"name\":\"一二三四五\"}", true, "一二三四五", NULL}, /* 5 characters, 15 bytes */
		{"{\"name\":\"一二三四五六\"}", true, NULL, "too_long"},
		{"{}", true, NULL, "required"},
		{"{}", false, NULL, NULL},
		{"{\"name\":null}", true, NULL, "required"},
		{"{\"name\":\"   \"}", true, NULL, "required"},
		{"{\"name\":\"   \"}", false, NULL, NULL},
		{"{\"name\":5}", false, NULL, "type"},
		{"{\"name\":[\"x\"]}", true, NULL, "type"},
		{"{\"name\":\"a\\u0000b\"}", true, NULL, "pattern"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_req *req = make_req(t[i].body, NULL);
		const char *v = wg_body_string(req, "name", 5, t[i].required);
		if (t[i].want)
			assert_string_equal(v, t[i].want);
		else
			assert_null(v);
		assert_int_equal(req->errors.n, t[i].code != NULL);
		if (t[i].code)
			assert_error(req, 0, "name", t[i].code);
		free_req(req);
	}
}

static void test_ints_and_bools(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		bool ok;
		int64_t want;
		const char *code;
	} t[] = {
		{"{\"n\":3}", true, 3, NULL},        {"{\"n\":-5}", true, -5, NULL},
		{"{\"n\":6}", false, 0, "range"},    {"{\"n\":1.5}", false, 0, "type"},
		{"{\"n\":\"3\"}", false, 0, "type"}, {"{}", false, 0, "required"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_req *req = make_req(t[i].body, NULL);
		int64_t v = 99;
		assert_int_equal(wg_body_int(req, "n", -5, 5, true, &v), t[i].ok);
		if (t[i].ok)
			assert_int_equal(v, t[i].want);
		if (t[i].code)
			assert_error(req, 0, "n", t[i].code);
		else
			assert_int_equal(req->errors.n, 0);
		free_req(req);
	}
	wg_req *req = make_req("{\"a\":true,\"b\":\"yes\"}", NULL);
	bool b = false;
	assert_true(wg_body_bool(req, "a", true, &b));
	assert_true(b);
	assert_false(wg_body_bool(req, "b", true, &b));
	assert_false(wg_body_bool(req, "c", false, &b));
	assert_int_equal(req->errors.n, 1);
	assert_error(req, 0, "b", "type");
	free_req(req);
}

static void test_unknown_fields(void **state)
{
	(void)state;
	static const char *const known[] = {"code", "name", NULL};
	wg_req *req = make_req("{\"code\":\"1\",\"nmae\":\"typo\",\"extra\":1}", NULL);
	wg_body_only(req, known);
	assert_int_equal(req->errors.n, 2);
	assert_string_equal(req->errors.e[0].code, "unknown");
	assert_string_equal(req->errors.e[1].code, "unknown");
	free_req(req);
}

static void test_error_cap(void **state)
{
	(void)state;
	wg_req *req = make_req("{}", NULL);
	for (int i = 0; i < 2 * WG_MAX_FIELD_ERRORS; i++)
		wg_body_string(req, "missing", 5, true);
	assert_int_equal(req->errors.n, WG_MAX_FIELD_ERRORS);
	free_req(req);
}

static void test_query(void **state)
{
	(void)state;
	static const struct {
		const char *query;
		bool ok;
		int64_t limit;
	} t[] = {
		{"", true, 50},          {"limit=1", true, 1},     {"limit=200", true, 200},
		{"limit=0", false, 50},  {"limit=201", false, 50}, {"limit=x", false, 50},
		{"limit=5x", false, 50}, {"limit=-1", false, 50},  {"limit=%2B5", false, 50},
		{"limit= 5", false, 50}, {"limit=", false, 50},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_req *req = make_req(NULL, t[i].query);
		int64_t limit = -1;
		assert_int_equal(wg_query_limit(req, &limit), t[i].ok);
		assert_int_equal(limit, t[i].ok ? t[i].limit : 50);
		assert_int_equal(req->errors.n, !t[i].ok);
		free_req(req);
	}
	wg_req *req = make_req(NULL, "q=%E7%BD%91%E6%A0%BC&empty=&long=abcdef");
	assert_string_equal(wg_query_string(req, "q", 2), "网格");
	assert_null(wg_query_string(req, "empty", 2));
	assert_null(wg_query_string(req, "absent", 2));
	assert_null(wg_query_string(req, "long", 5));
	assert_int_equal(req->errors.n, 1);
	assert_error(req, 0, "long", "too_long");
	free_req(req);
}

/* If-Match values: digits, quoted or not, 1..INT64_MAX, nothing else. */
static void test_version(void **state)
{
	(void)state;
	static const struct {
		const char *h;
		bool ok;
		int64_t v;
	} cases[] = {
		{"7", true, 7},
		{"\"7\"", true, 7},
		{"007", true, 7},
		{"\"9223372036854775807\"", true, INT64_MAX},
		{"9223372036854775808", false, 0}, /* one past INT64_MAX */
		{"99999999999999999999", false, 0},
		{"0", false, 0},
		{"\"0\"", false, 0},
		{"", false, 0},
		{"\"\"", false, 0},
		{"\"", false, 0},
		{"\"7", false, 0},
		{"7\"", false, 0},
		{"\"7\"x", false, 0},
		{"+7", false, 0},
		{"-7", false, 0},
		{" 7", false, 0},
		{"7 ", false, 0},
		{"W/\"7\"", false, 0},
		{"*", false, 0},
		{"0x7", false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t v = -1;
		bool ok = wg_version_parse(cases[i].h, &v);
		if (ok != cases[i].ok)
			fail_msg("If-Match %s: %s", cases[i].h, ok ? "accepted" : "refused");
		assert_int_equal(v, ok ? cases[i].v : -1); /* untouched when refused */
	}
}

static void test_json_media_type(void **state)
{
	(void)state;
	static const struct {
		const char *ct;
		bool json;
	} cases[] = {
		{"application/json", true},
		{"Application/JSON", true},
		{"application/json; charset=utf-8", true},
		{"application/json;charset=UTF-8", true},
		{"application/json ; charset=utf-8", true},
		{"application/jsonp", false},
		{"application/json-patch+json", false},
		{"application/jso", false},
		{"text/json", false},
		{"", false},
		{NULL, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (wg_media_type_is_json(cases[i].ct) != cases[i].json)
			fail_msg("Content-Type %s", cases[i].ct ? cases[i].ct : "(none)");
	static const char form[] = "application/x-www-form-urlencoded";
	assert_true(wg_media_type_is("application/x-www-form-urlencoded; charset=UTF-8", form));
	assert_true(wg_media_type_is("Application/X-WWW-Form-Urlencoded", form));
	assert_false(wg_media_type_is("application/x-www-form-urlencodedx", form));
	assert_false(wg_media_type_is("multipart/form-data; boundary=x", form));
	assert_false(wg_media_type_is(NULL, form));
}

/* Degrees: the whole text a finite decimal number within -max..max. */
static void test_degrees(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int rc;
		double v;
	} cases[] = {
		{"34.25", 0, 34.25},
		{"-90", 0, -90},
		{"90", 0, 90},
		{"0", 0, 0},
		{"1e1", 0, 10},
		{"90.0001", WG_EVALIDATION, 0},
		{"-91", WG_EVALIDATION, 0},
		{"+1", WG_EBADREQ, 0},
		{" 1", WG_EBADREQ, 0},
		{"1 ", WG_EBADREQ, 0},
		{"", WG_EBADREQ, 0},
		{".5", WG_EBADREQ, 0},
		{"nan", WG_EBADREQ, 0},
		{"-inf", WG_EBADREQ, 0},
		{"1e999", WG_EBADREQ, 0},
		{"0x10", WG_EBADREQ, 0},
		{"12abc", WG_EBADREQ, 0},
		{NULL, WG_EBADREQ, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v = -1;
		int rc = wg_degree_parse(cases[i].s, 90, &v);
		if (rc != cases[i].rc)
			fail_msg("degrees '%s': %d, not %d", cases[i].s ? cases[i].s : "(null)", rc,
			         cases[i].rc);
		assert_true(v == (rc ? -1 : cases[i].v)); /* untouched when refused */
	}
}

/* Idempotency-Key values: 1..128 visible ASCII characters. */
static void test_idempotency_key(void **state)
{
	(void)state;
	char longest[WG_IDEMPOTENCY_KEY_MAX + 2];
	memset(longest, 'k', WG_IDEMPOTENCY_KEY_MAX);
	longest[WG_IDEMPOTENCY_KEY_MAX] = '\0';
	assert_true(wg_idempotency_key_ok(longest));
	longest[WG_IDEMPOTENCY_KEY_MAX] = 'k';
	longest[WG_IDEMPOTENCY_KEY_MAX + 1] = '\0';
	assert_false(wg_idempotency_key_ok(longest));
	static const struct {
		const char *key;
		bool ok;
	} cases[] = {
		{"a", true},      {"2026-11-25/report#1", true},
		{"!~", true},     {"", false},
		{"a b", false},   {"a\tb", false},
		{"a\x7f", false}, {"\xe4\xb8\xad", false},
		{"\x80", false},  {"abc\n", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (wg_idempotency_key_ok(cases[i].key) != cases[i].ok)
			fail_msg("Idempotency-Key case %zu", i);
}

static void test_cursor(void **state)
{
	(void)state;
	wg_req *req = make_req(NULL, NULL);
	const char *c = wg_cursor_encode(req, "610326102000");
	assert_non_null(c);
	assert_null(strchr(c, '=')); /* URL-safe, unpadded */
	char query[128];
	snprintf(query, sizeof query, "cursor=%s", c);
	wg_req *next = make_req(NULL, query);
	bool bad = true;
	assert_string_equal(wg_query_cursor(next, &bad), "610326102000");
	assert_false(bad);
	free_req(next);
	free_req(req);

	static const char *const garbage[] = {"cursor=zzz", "cursor=c1.!!", "cursor=c2.NjEw", "cursor=c1.AA"};
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		wg_req *g = make_req(NULL, garbage[i]);
		assert_null(wg_query_cursor(g, &bad));
		assert_true(bad);
		assert_error(g, 0, "cursor", "pattern");
		free_req(g);
	}
	wg_req *none = make_req(NULL, "limit=3");
	assert_null(wg_query_cursor(none, &bad));
	assert_false(bad);
	free_req(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),         cmocka_unit_test(test_ints_and_bools),
		cmocka_unit_test(test_unknown_fields),  cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_query),           cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_version),         cmocka_unit_test(test_json_media_type),
		cmocka_unit_test(test_idempotency_key), cmocka_unit_test(test_degrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
