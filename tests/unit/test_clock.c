/* test_clock.c - RFC 3339 formatting and the fixed test clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/error.h"

struct format_case {
	int64_t ms;
	int offset;
	int with_ms;
	const char *out; /* NULL: WG_EBADREQ */
};

static const struct format_case cases[] = {
	{0, 0, 0, "1970-01-01T00:00:00Z"},
	{0, 0, 1, "1970-01-01T00:00:00.000Z"},
	{0, 480, 1, "1970-01-01T08:00:00.000+08:00"},
	{1795483800123, 480, 1, "2026-11-24T09:30:00.123+08:00"},
	{1795483800123, 480, 0, "2026-11-24T09:30:00+08:00"},
	{1795483800123, 0, 1, "2026-11-24T01:30:00.123Z"},
	{1795483800999, -330, 1, "2026-11-23T20:00:00.999-05:30"},
	{1709136000000, 480, 0, "2024-02-29T00:00:00+08:00"},
	{946684800000 - 1, 0, 1, "1999-12-31T23:59:59.999Z"},
	/* before 1970: the fraction stays positive, the second rounds down */
	{-1, 0, 1, "1969-12-31T23:59:59.999Z"},
	{-999, 0, 1, "1969-12-31T23:59:59.001Z"},
	{-1000, 0, 1, "1969-12-31T23:59:59.000Z"},
	{-1001, 0, 1, "1969-12-31T23:59:58.999Z"},
	{-1, 480, 0, "1970-01-01T07:59:59+08:00"},
	{-14182940000, 0, 0, "1969-07-20T20:17:40Z"},
	{-2208988800000, 480, 1, "1900-01-01T08:00:00.000+08:00"},
	/* the representable range: four-digit years, offsets within +-23:59 */
	{INT64_C(-62167219200000), 0, 1, "0000-01-01T00:00:00.000Z"},
	{INT64_C(253402300799999), 0, 1, "9999-12-31T23:59:59.999Z"},
	{INT64_C(253402300799999), -1439, 0, "9999-12-31T00:00:59-23:59"},
	{0, 1439, 0, "1970-01-01T23:59:00+23:59"},
	{INT64_C(-62167219200001), 0, 1, NULL},
	{INT64_C(253402300800000), 0, 1, NULL},
	{INT64_C(253402300799999), 1, 1, NULL},
	{INT64_C(-62167219200000), -1, 1, NULL},
	{INT64_MAX, 0, 1, NULL},
	{INT64_MIN, 0, 1, NULL},
	{INT64_MIN, -1439, 1, NULL},
	{0, 1440, 0, NULL},
	{0, -1440, 0, NULL},
	{0, INT32_MIN, 0, NULL},
};

static void test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct format_case *c = &cases[i];
		char buf[64];
		int rc = wg_clock_format_rfc3339(c->ms, c->offset, c->with_ms, buf, sizeof buf);
		if (!c->out) {
			if (rc != WG_EBADREQ)
				fail_msg("case %zu: %lld %+d should be refused", i, (long long)c->ms,
				         c->offset);
			continue;
		}
		if (rc != 0 || strcmp(buf, c->out) != 0)
			fail_msg("case %zu: rc %d '%s', want '%s'", i, rc, buf, c->out);
		/* Exactly enough room works; one byte less is refused. */
		size_t need = strlen(c->out) + 1;
		assert_int_equal(wg_clock_format_rfc3339(c->ms, c->offset, c->with_ms, buf, need), 0);
		assert_string_equal(buf, c->out);
		assert_int_equal(wg_clock_format_rfc3339(c->ms, c->offset, c->with_ms, buf, need - 1),
		                 WG_EBADREQ);
	}
}

static void test_fixed_clock(void **state)
{
	(void)state;
	static const int64_t fixed[] = {1795483800123, 1, -1000, INT64_C(253402300799999)};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		wg_clock_set_ms(fixed[i]);
		assert_int_equal(wg_clock_now_ms(), fixed[i]);
		assert_int_equal(wg_clock_now_ms(), fixed[i]);
	}
	/* Back to the real clock: within a minute of time(). */
	wg_clock_set_ms(0);
	int64_t now = wg_clock_now_ms(), t = (int64_t)time(NULL) * 1000;
	assert_true(now > t - 60000 && now < t + 60000);
}

static void test_monotonic(void **state)
{
	(void)state;
	int64_t prev = wg_clock_mono_us();
	assert_true(prev > 0);
	for (int i = 0; i < 1000; i++) {
		int64_t now = wg_clock_mono_us();
		assert_true(now >= prev);
		prev = now;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_fixed_clock),
		cmocka_unit_test(test_monotonic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
