/* test_clock.c - RFC 3339 formatting and parsing, and the fixed test
 * clock. */
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

struct parse_case {
	const char *in;
	int64_t ms; /* when ok */
	bool ok;
};

static const struct parse_case parse_cases[] = {
	{"1970-01-01T00:00:00Z", 0, true},
	{"1970-01-01t00:00:00z", 0, true},
	{"2026-11-24T09:30:00+08:00", 1795483800000, true},
	{"2026-11-24T09:30:00.123+08:00", 1795483800123, true},
	{"2026-11-24T01:30:00.123Z", 1795483800123, true},
	{"2026-11-23T20:00:00.999-05:30", 1795483800999, true},
	/* fractions: shorter ones scaled, longer ones cut (not rounded) */
	{"2026-11-24T01:30:00.1Z", 1795483800100, true},
	{"2026-11-24T01:30:00.12Z", 1795483800120, true},
	{"2026-11-24T01:30:00.123999999Z", 1795483800123, true},
	{"2024-02-29T00:00:00+08:00", 1709136000000, true},
	{"2000-02-29T12:00:00Z", 951825600000, true},
	{"1969-12-31T23:59:59.999Z", -1, true},
	{"1969-07-20T20:17:40Z", -14182940000, true},
	{"1900-01-01T08:00:00.000+08:00", -2208988800000, true},
	{"0000-01-01T00:00:00Z", INT64_C(-62167219200000), true},
	{"9999-12-31T23:59:59.999Z", INT64_C(253402300799999), true},
	{"9999-12-31T00:00:59-23:59", INT64_C(253402300799000), true},
	{"1970-01-01T23:59:00+23:59", 0, true},
	/* a leap second is the last second of its minute */
	{"2016-12-31T23:59:60Z", 1483228799000, true},
	{"2016-12-31T23:59:60.5Z", 1483228799500, true},
	/* refused */
	{"", 0, false},
	{"2026-11-24", 0, false},
	{"2026-11-24T09:30:00", 0, false},
	{"2026-11-24T09:30Z", 0, false},
	{"2026-11-24 09:30:00Z", 0, false},
	{"2026-11-24T09:30:00+0800", 0, false},
	{"2026-11-24T09:30:00+08", 0, false},
	{"2026-11-24T09:30:00+08:00 ", 0, false},
	{"2026-11-24T09:30:00Z ", 0, false},
	{"2026-11-24T09:30:00ZZ", 0, false},
	{"2026-11-24T09:30:00.Z", 0, false},
	{"2026-11-24T09:30:00,5Z", 0, false},
	{"2026-11-24T09:30:00+24:00", 0, false},
	{"2026-11-24T09:30:00+08:60", 0, false},
	{"2026-11-24T09:30:00+8:00", 0, false},
	{"2026-11-24T24:00:00Z", 0, false},
	{"2026-11-24T23:60:00Z", 0, false},
	{"2026-11-24T23:59:61Z", 0, false},
	{"2026-13-01T00:00:00Z", 0, false},
	{"2026-00-01T00:00:00Z", 0, false},
	{"2026-11-00T00:00:00Z", 0, false},
	{"2026-11-31T00:00:00Z", 0, false},
	{"2025-02-29T00:00:00Z", 0, false},
	{"1900-02-29T00:00:00Z", 0, false},
	{"+2026-11-24T09:30:00Z", 0, false},
	{"20261-11-24T09:30:00Z", 0, false},
	{"2026-1-24T09:30:00Z", 0, false},
	{"2026-11-24T09:3a:00Z", 0, false},
	{"2026-11-24T-9:30:00Z", 0, false},
	{"2026-11-24T09:30:00.12a3Z", 0, false},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		int64_t ms = 42;
		int rc = wg_clock_parse_rfc3339(c->in, &ms);
		if (c->ok && (rc != 0 || ms != c->ms))
			fail_msg("case %zu '%s': rc %d ms %lld, want %lld", i, c->in, rc, (long long)ms,
			         (long long)c->ms);
		if (!c->ok && (rc != WG_EBADREQ || ms != 42))
			fail_msg("case %zu '%s' should be refused (rc %d, ms %lld)", i, c->in, rc,
			         (long long)ms);
	}
	int64_t ms = 42;
	assert_int_equal(wg_clock_parse_rfc3339(NULL, &ms), WG_EBADREQ);
	assert_int_equal(ms, 42);
}

/* Every formatted time parses back to itself, and cutting the string
 * anywhere short of its end is refused. */
static void test_parse_round_trip(void **state)
{
	(void)state;
	static const int offsets[] = {0, 480, -330, 1439, -1439, 345};
	/* A step prime to days and years sweeps times of day, leap days and
	 * both sides of 1970 across the whole four-digit range. */
	const int64_t step = INT64_C(86400000) * 97 + INT64_C(3600000) * 7 + INT64_C(60000) * 13 +
	                     INT64_C(1000) * 29 + 321;
	int n = 0;
	for (int64_t ms = INT64_C(-62167219200000) + 86400000; ms < INT64_C(253402300799999) - 86400000;
	     ms += step, n++) {
		int offset = offsets[n % 6];
		char buf[64];
		assert_int_equal(wg_clock_format_rfc3339(ms, offset, 1, buf, sizeof buf), 0);
		int64_t back = 0;
		if (wg_clock_parse_rfc3339(buf, &back) != 0 || back != ms)
			fail_msg("%lld -> '%s' -> %lld", (long long)ms, buf, (long long)back);
		assert_int_equal(wg_clock_format_rfc3339(ms, offset, 0, buf, sizeof buf), 0);
		assert_int_equal(wg_clock_parse_rfc3339(buf, &back), 0);
		assert_int_equal(back, ms - ((ms % 1000) + 1000) % 1000);
		if (n % 1000 == 0)
			for (size_t cut = 0; cut < strlen(buf); cut++) {
				char part[64];
				memcpy(part, buf, cut);
				part[cut] = '\0';
				assert_int_equal(wg_clock_parse_rfc3339(part, &back), WG_EBADREQ);
			}
	}
	assert_true(n > 30000);
}

/* The formatter's own date arithmetic agrees with the C library's
 * gmtime_r across the range it shares with strftime's %Y (years from
 * 1000 on: strftime does not pad shorter years). */
static void test_format_matches_gmtime(void **state)
{
	(void)state;
	const int64_t step = INT64_C(86400000) * 31 + INT64_C(3600000) * 5 + INT64_C(60000) * 7 + 1011;
	int n = 0;
	for (int64_t ms = INT64_C(-30610224000000); ms < INT64_C(253402300799999) - 86400000;
	     ms += step, n++) {
		char ours[64], theirs[64];
		assert_int_equal(wg_clock_format_rfc3339(ms, 0, 0, ours, sizeof ours), 0);
		time_t secs = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
		struct tm tm;
		assert_non_null(gmtime_r(&secs, &tm));
		assert_true(strftime(theirs, sizeof theirs, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
		if (strcmp(ours, theirs) != 0)
			fail_msg("%lld: '%s', gmtime_r '%s'", (long long)ms, ours, theirs);
	}
	assert_true(n > 100000);
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
		cmocka_unit_test(test_format),           cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_round_trip), cmocka_unit_test(test_format_matches_gmtime),
		cmocka_unit_test(test_fixed_clock),      cmocka_unit_test(test_monotonic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
