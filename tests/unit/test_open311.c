/* test_open311.c - an Open311 service request's form read into a
 * citizen's report (api/open311.h): what is kept, how names join, and
 * each error named by its GeoReport parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <cmocka.h>

#include "api/open311.h"
#include "http/target.h"

struct read {
	wg_arena arena;
	wg_field_errors fe;
	wg_open311_request r;
	bool ok;
};

/* The form text read as the server reads it. */
static void read_form(struct read *rd, const char *text)
{
	wg_arena_init(&rd->arena, 0);
	wg_field_errors_init(&rd->fe, &rd->arena);
	struct evkeyvalq form;
	TAILQ_INIT(&form);
	const char *why = NULL;
	assert_int_equal(wg_target_parse_query(text, &form, &why), 0);
	rd->ok = wg_open311_read_request(&form, &rd->arena, &rd->r, &rd->fe);
	evhttp_clear_headers(&form);
}

/* Whether an error names field with this code. */
static bool has_error(const struct read *rd, const char *field, const char *code)
{
	for (unsigned i = 0; i < rd->fe.n; i++)
		if (strcmp(rd->fe.e[i].field, field) == 0 && strcmp(rd->fe.e[i].code, code) == 0)
			return true;
	return false;
}

static void test_a_whole_request(void **state)
{
	(void)state;
	struct read rd;
	read_form(&rd,
	          "service_code=0301&lat=34.25&long=107.5&description=%E5%9E%83%E5%9C%BE+%E5%A0%86%E7%A7%AF"
	          "&address_string=%E5%8C%97%E8%A1%97&first_name=%E5%B0%8F%E6%98%8E&last_name=%E7%8E%8B"
	          "&phone=13812345678&email=a%40b.c&api_key=k&attribute%5Bx%5D=1&jurisdiction_id=mx");
	assert_true(rd.ok);
	assert_int_equal(rd.fe.n, 0);
	assert_string_equal(rd.r.service_code, "0301");
	assert_true(rd.r.has_location);
	assert_true(rd.r.lat == 34.25 && rd.r.lng == 107.5);
	assert_string_equal(rd.r.description, "垃圾 堆积"); /* '+' is a space */
	assert_string_equal(rd.r.address, "北街");
	assert_string_equal(rd.r.name, "王小明");
	assert_string_equal(rd.r.phone, "13812345678");
	wg_arena_clear(&rd.arena);
}

static void test_names_and_photo(void **state)
{
	(void)state;
	struct read rd;
	read_form(&rd, "service_code=0301&lat=1&long=2&first_name=John&last_name=Smith&description=x"
	               "&media_url=https%3A%2F%2Fimg.example%2Fa.jpg");
	assert_true(rd.ok);
	assert_string_equal(rd.r.name, "John Smith");
	assert_string_equal(rd.r.description, "x\n照片：https://img.example/a.jpg");
	wg_arena_clear(&rd.arena);

	read_form(&rd, "service_code=0301&lat=1&long=2&last_name=%E7%8E%8B");
	assert_true(rd.ok);
	assert_string_equal(rd.r.name, "王");
	assert_null(rd.r.description); /* the engine says it is required */
	assert_null(rd.r.phone);
	wg_arena_clear(&rd.arena);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *form, *field, *code;
	} cases[] = {
		{"lat=1&long=2", "service_code", "required"},
		{"service_code=&lat=1&long=2", "service_code", "required"},
		{"service_code=0301", "lat", "required"},
		{"service_code=0301&address_string=x", "lat", "required"},
		{"service_code=0301&lat=1", "long", "required"},
		{"service_code=0301&long=1", "lat", "required"},
		{"service_code=0301&lat=north&long=1", "lat", "type"},
		{"service_code=0301&lat=1&long=+2", "long", "type"},
		{"service_code=0301&lat=1&long=2x", "long", "type"},
		{"service_code=0301&lat=91&long=1", "lat", "range"},
		{"service_code=0301&lat=1&long=-180.5", "long", "range"},
		{"service_code=0301&lat=nan&long=1", "lat", "type"},
		{"service_code=0301&service_code=0302&lat=1&long=2", "service_code", "duplicate"},
		{"service_code=0301&lat=1&long=2&lat=3", "lat", "duplicate"},
		{"service_code=0301&lat=1&long=2&description=x&media_url=ftp%3A%2F%2Fa", "media_url", "type"},
		{"service_code=0301&lat=1&long=2&description=x&media_url=https%3A%2F%2Fa+b", "media_url",
	         "type"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct read rd;
		read_form(&rd, cases[i].form);
		if (rd.ok || !has_error(&rd, cases[i].field, cases[i].code))
			fail_msg("%s: no %s error on %s (%u errors)", cases[i].form, cases[i].code,
			         cases[i].field, rd.fe.n);
		wg_arena_clear(&rd.arena);
	}
}

static void test_param_names(void **state)
{
	(void)state;
	assert_string_equal(wg_open311_param_of("category"), "service_code");
	assert_string_equal(wg_open311_param_of("location"), "lat");
	assert_string_equal(wg_open311_param_of("reporter_phone"), "phone");
	assert_string_equal(wg_open311_param_of("address"), "address_string");
	assert_string_equal(wg_open311_param_of("description"), "description");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_whole_request),
		cmocka_unit_test(test_names_and_photo),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_param_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
