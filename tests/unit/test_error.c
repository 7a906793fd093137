/* test_error.c - the status code table: every row's name, message, HTTP
 * status and problem type, and what unknown codes map to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"

struct row {
	int code;
	int status;
	const char *name;
	const char *type;
	const char *message;
};

/* The expectations come from the same X-macro, read independently of
 * error.c's own table. */
static const struct row rows[] = {
#define ROW(name, value, status, type, msg) {WG_E##name, status, "WG_E" #name, type, msg},
	WG_ERROR_MAP(ROW)
#undef ROW
};

enum { NROWS = sizeof rows / sizeof rows[0] };

static void test_every_row(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		assert_true(r->code < 0);
		assert_string_equal(wg_error_name(r->code), r->name);
		assert_string_equal(wg_error_message(r->code), r->message);
		assert_int_equal(wg_error_http_status(r->code), r->status);
		assert_string_equal(wg_error_type(r->code), r->type);
		/* Statuses are errors, messages are lower-case phrases without a
		 * final period (they are embedded in sentences), types are slugs. */
		assert_true(r->status >= 400 && r->status <= 599);
		assert_true(r->message[0] >= 'a' && r->message[0] <= 'z');
		assert_true(r->message[strlen(r->message) - 1] != '.');
		assert_true(strlen(r->type) > 0);
		for (const char *p = r->type; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '-');
	}
}

/* Codes and names are unique, and one HTTP status always has the same
 * problem type. */
static void test_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		for (size_t j = i + 1; j < NROWS; j++) {
			assert_int_not_equal(rows[i].code, rows[j].code);
			assert_string_not_equal(rows[i].name, rows[j].name);
			if (rows[i].status == rows[j].status)
				assert_string_equal(rows[i].type, rows[j].type);
		}
	}
}

static void test_ok_and_unknown(void **state)
{
	(void)state;
	assert_string_equal(wg_error_name(WG_OK), "WG_OK");
	assert_string_equal(wg_error_message(WG_OK), "success");
	assert_int_equal(wg_error_http_status(WG_OK), 200);
	static const int unknown[] = {1, 42, -9999, INT32_MIN, INT32_MAX};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		assert_string_equal(wg_error_name(unknown[i]), "WG_EUNKNOWN");
		assert_string_equal(wg_error_message(unknown[i]), "unknown error");
		assert_int_equal(wg_error_http_status(unknown[i]), 500);
		assert_string_equal(wg_error_type(unknown[i]), "internal");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_consistent),
		cmocka_unit_test(test_ok_and_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
