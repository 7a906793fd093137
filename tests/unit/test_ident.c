/* test_ident.c - ID numbers, credit codes and phones: tables of valid and
 * invalid input, every single-character change of valid numbers, masks and
 * the calendar date helper against gmtime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/ident.h"

#define TODAY 20260115

/* ---- ID numbers ---- */

struct id_valid {
	const char *in, *norm, *birth, *region;
	char sex;
};

/* Check characters computed independently of ident.c (by hand with the
 * weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2); the first two are the
 * examples printed in GB 11643-1999 itself, the second born in 1880. */
static const struct id_valid id_valid[] = {
	{"11010519491231002X", "11010519491231002X", "1949-12-31", "110105", 'F'},
	{"11010519491231002x", "11010519491231002X", "1949-12-31", "110105", 'F'},
	{"610326199001011233", "610326199001011233", "1990-01-01", "610326", 'M'},
	{"610326200002290022", "610326200002290022", "2000-02-29", "610326", 'F'},
	{"610326200402290048", "610326200402290048", "2004-02-29", "610326", 'F'},
	{"810000198512310510", "810000198512310510", "1985-12-31", "810000", 'M'},
	{"830000201007150024", "830000201007150024", "2010-07-15", "830000", 'F'},
	{"460100202512310077", "460100202512310077", "2025-12-31", "460100", 'M'},
	{"460100202601150079", "460100202601150079", "2026-01-15", "460100", 'M'}, /* born today */
	{"120100190001010087", "120100190001010087", "1900-01-01", "120100", 'F'},
	{"110105194912310011", "110105194912310011", "1949-12-31", "110105", 'M'},
};

struct id_invalid {
	const char *in, *code;
};

static const struct id_invalid id_invalid[] = {
	{"", "length"},
	{"11010519491231002", "length"},
	{"11010519491231002XX", "length"},
	{"110105194912310020000", "length"},
	{"11010519491231002Y", "characters"},
	{"1101051949123100X2", "characters"},
	{"A1010519491231002X", "characters"},
	{"110105 9491231002X", "characters"},
	{"11010519491231002\xC3", "characters"},
	{"000105194912310024", "region"},
	{"990105194912310023", "region"},
	{"160105194912310024", "region"},
	{"910105194912310024", "region"},
	{"610326190002290018", "birth_date"}, /* 1900 is no leap year */
	{"610326200102290011", "birth_date"},
	{"610326200113010011", "birth_date"},
	{"610326200100010011", "birth_date"},
	{"610326200104310011", "birth_date"},
	{"610326200101000011", "birth_date"},
	{"440524188001010014", "birth_date"}, /* the standard's own example, before 1900 */
	{"540102189912311238", "birth_date"},
	{"460100202601160074", "birth_date"}, /* tomorrow */
	{"11010519491231002 ", "characters"},
	{"110105194912310021", "checksum"},
	{"610326199001011234", "checksum"},
};

static void test_id_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof id_valid / sizeof id_valid[0]; i++) {
		const struct id_valid *c = &id_valid[i];
		char norm[19] = "";
		wg_id_info info;
		memset(&info, 0, sizeof info);
		const char *code = NULL, *why = NULL;
		int rc = wg_ident_id_number(c->in, TODAY, norm, &info, &code, &why);
		if (rc != 0)
			fail_msg("%s: rejected (%s: %s)", c->in, code, why);
		assert_string_equal(norm, c->norm);
		assert_string_equal(info.birth_date, c->birth);
		assert_string_equal(info.region, c->region);
		assert_int_equal(info.sex, c->sex);
		assert_int_equal(wg_ident_id_check_char(c->in), c->norm[17]);
		/* Every output may be left out. */
		assert_int_equal(wg_ident_id_number(c->in, TODAY, NULL, NULL, NULL, NULL), 0);
	}
}

static void test_id_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof id_invalid / sizeof id_invalid[0]; i++) {
		const struct id_invalid *c = &id_invalid[i];
		char norm[19] = "untouched";
		const char *code = NULL, *why = NULL;
		int rc = wg_ident_id_number(c->in, TODAY, norm, NULL, &code, &why);
		if (rc != WG_EVALIDATION)
			fail_msg("%s: rc %d", c->in, rc);
		if (strcmp(code, c->code) != 0)
			fail_msg("%s: code %s, want %s", c->in, code, c->code);
		assert_non_null(why);
		assert_true(strlen(why) > 10);
		assert_string_equal(norm, "untouched");
		assert_int_equal(wg_ident_id_number(c->in, TODAY, NULL, NULL, NULL, NULL), WG_EVALIDATION);
	}
	const char *code = NULL;
	assert_int_equal(wg_ident_id_number(NULL, TODAY, NULL, NULL, &code, NULL), WG_EVALIDATION);
	assert_string_equal(code, "length");
	/* A NUL ends the string, here after 17 characters. */
	assert_int_equal(wg_ident_id_number("11010519491231002\0009", TODAY, NULL, NULL, &code, NULL),
	                 WG_EVALIDATION);
	assert_string_equal(code, "length");
	/* The future is relative to the day given. */
	assert_int_equal(wg_ident_id_number("460100202601160074", 20260116, NULL, NULL, NULL, NULL), 0);
}

/* Which codes a single changed character at position pos may produce: the
 * structural check of that position, or failing that the checksum. */
static int id_code_allowed(size_t pos, const char *code)
{
	if (strcmp(code, "checksum") == 0)
		return 1;
	if (pos < 2)
		return strcmp(code, "region") == 0;
	if (pos >= 6 && pos < 14)
		return strcmp(code, "birth_date") == 0;
	return 0;
}

/* MOD 11-2 catches every single wrong character and every swap of two
 * neighbouring different digits. */
static void test_id_every_single_change(void **state)
{
	(void)state;
	unsigned rejected = 0;
	for (size_t i = 0; i < sizeof id_valid / sizeof id_valid[0]; i++) {
		const char *good = id_valid[i].norm;
		for (size_t pos = 0; pos < 18; pos++) {
			const char *alphabet = pos == 17 ? "0123456789Xx" : "0123456789";
			for (const char *a = alphabet; *a; a++) {
				char s[19];
				memcpy(s, good, sizeof s);
				if (s[pos] == *a || (pos == 17 && s[pos] == 'X' && *a == 'x'))
					continue;
				s[pos] = *a;
				const char *code = NULL;
				if (wg_ident_id_number(s, TODAY, NULL, NULL, &code, NULL) != WG_EVALIDATION)
					fail_msg("%s (from %s) accepted", s, good);
				if (!id_code_allowed(pos, code))
					fail_msg("%s: code %s at position %zu", s, code, pos + 1);
				rejected++;
			}
			if (pos < 16 && good[pos] != good[pos + 1]) {
				char s[19];
				memcpy(s, good, sizeof s);
				s[pos] = good[pos + 1];
				s[pos + 1] = good[pos];
				if (wg_ident_id_number(s, TODAY, NULL, NULL, NULL, NULL) != WG_EVALIDATION)
					fail_msg("swap in %s accepted", s);
			}
		}
	}
	assert_true(rejected > 1500);
}

static void test_id_check_char(void **state)
{
	(void)state;
	assert_int_equal(wg_ident_id_check_char("11010519491231002"), 'X');
	assert_int_equal(wg_ident_id_check_char("44052418800101001"), '4');
	assert_int_equal(wg_ident_id_check_char("00000000000000000"), '1');
	assert_int_equal(wg_ident_id_check_char("1101051949123100A"), '?');
	/* Every check value occurs: sum = 1 (mod 11) over all 18 positions. */
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int seen = 0;
	for (int n = 0; n < 2000; n++) {
		char d[18];
		snprintf(d, sizeof d, "6103261990%07d", n * 37);
		char c = wg_ident_id_check_char(d);
		int sum = c == 'X' ? 10 : c - '0';
		for (int i = 0; i < 17; i++)
			sum += (d[i] - '0') * w[i];
		assert_int_equal(sum % 11, 1);
		seen |= 1 << (c == 'X' ? 10 : c - '0');
	}
	assert_int_equal(seen, 0x7FF);
}

/* ---- credit codes ---- */

struct credit_valid {
	const char *in, *norm;
};

static const struct credit_valid credit_valid[] = {
	/* Published codes of well-known companies: Huawei Technologies,
	 * Tencent (Shenzhen), Xiaomi, Sinopec. */
	{"914403001922038216", "914403001922038216"},
	{"9144030071526726XG", "9144030071526726XG"},
	{"91110108551385082Q", "91110108551385082Q"},
	{"91110000710926094P", "91110000710926094P"},
	/* Check characters computed by hand with the weights 3^i mod 31. */
	{"91610326MA6XB1234F", "91610326MA6XB1234F"},
	{"91610326ma6xb1234f", "91610326MA6XB1234F"},
	{"N2610326MF01234568", "N2610326MF01234568"},
	{"12610326436200012F", "12610326436200012F"},
	{"52610326MJY012345E", "52610326MJY012345E"},
	{"92610326MA6XQ7R8T8", "92610326MA6XQ7R8T8"},
	{"546103260000000000", "546103260000000000"},
	{"Y1610326000000000F", "Y1610326000000000F"},
	{"11100000000013127D", "11100000000013127D"},
};

static const struct id_invalid credit_invalid[] = {
	{"", "length"},
	{"91440300192203821", "length"},
	{"9144030019220382166", "length"},
	{"91440300192203821I", "characters"},
	{"9144030019220382O6", "characters"},
	{"91440300192203821Z", "characters"},
	{"9144030019220382S6", "characters"},
	{"9144030019220382V6", "characters"},
	{"9144A3001922038216", "characters"},
	{"914403001922038-16", "characters"},
	{"91440300192203821\xC3", "characters"},
	{"964403001922038216", "authority"},
	{"994403001922038216", "authority"},
	{"B14403001922038216", "authority"},
	{"Y24403001922038216", "authority"},
	{"064403001922038216", "authority"},
	{"914403001922038217", "checksum"},
	{"914403001922038261", "checksum"},
};

static void test_credit(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof credit_valid / sizeof credit_valid[0]; i++) {
		const struct credit_valid *c = &credit_valid[i];
		char norm[19] = "";
		const char *code = NULL, *why = NULL;
		if (wg_ident_credit_code(c->in, norm, &code, &why) != 0)
			fail_msg("%s: rejected (%s: %s)", c->in, code, why);
		assert_string_equal(norm, c->norm);
		assert_int_equal(wg_ident_credit_check_char(c->in), c->norm[17]);
		assert_int_equal(wg_ident_credit_code(c->in, NULL, NULL, NULL), 0);
	}
	for (size_t i = 0; i < sizeof credit_invalid / sizeof credit_invalid[0]; i++) {
		const struct id_invalid *c = &credit_invalid[i];
		char norm[19] = "untouched";
		const char *code = NULL, *why = NULL;
		if (wg_ident_credit_code(c->in, norm, &code, &why) != WG_EVALIDATION)
			fail_msg("%s: accepted", c->in);
		if (strcmp(code, c->code) != 0)
			fail_msg("%s: code %s, want %s", c->in, code, c->code);
		assert_true(strlen(why) > 10);
		assert_string_equal(norm, "untouched");
	}
	const char *code = NULL;
	assert_int_equal(wg_ident_credit_code(NULL, NULL, &code, NULL), WG_EVALIDATION);
	assert_string_equal(code, "length");
	assert_int_equal(wg_ident_credit_check_char("9144030019220382I"), '?');
}

/* Every character of every valid code replaced by each other character of
 * the set (and by I, O, Z, S, V) is refused, with the code that position's
 * check gives or the checksum; so is every swap of neighbours. */
static void test_credit_every_single_change(void **state)
{
	(void)state;
	static const char set[] = "0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV";
	unsigned rejected = 0;
	for (size_t i = 0; i < sizeof credit_valid / sizeof credit_valid[0]; i++) {
		const char *good = credit_valid[i].norm;
		for (size_t pos = 0; pos < 18; pos++) {
			for (const char *a = set; *a; a++) {
				if (good[pos] == *a)
					continue;
				char s[19];
				memcpy(s, good, sizeof s);
				s[pos] = *a;
				const char *code = NULL;
				if (wg_ident_credit_code(s, NULL, &code, NULL) != WG_EVALIDATION)
					fail_msg("%s (from %s) accepted", s, good);
				int ok = strcmp(code, "checksum") == 0 ||
				         (strchr("IOZSV", *a) && strcmp(code, "characters") == 0) ||
				         (pos >= 2 && pos < 8 && strcmp(code, "characters") == 0) ||
				         (pos < 2 && strcmp(code, "authority") == 0);
				if (!ok)
					fail_msg("%s: code %s at position %zu", s, code, pos + 1);
				rejected++;
			}
			if (pos < 17 && good[pos] != good[pos + 1]) {
				char s[19];
				memcpy(s, good, sizeof s);
				s[pos] = good[pos + 1];
				s[pos + 1] = good[pos];
				if (wg_ident_credit_code(s, NULL, NULL, NULL) != WG_EVALIDATION)
					fail_msg("swap in %s accepted", s);
			}
		}
	}
	assert_true(rejected > 8000);
}

/* ---- phones ---- */

struct phone_case {
	const char *in;
	const char *norm; /* NULL: refused */
};

static const struct phone_case phones[] = {
	{"13812345678", "13812345678"},
	{"138 1234 5678", "13812345678"},
	{"138-1234-5678", "13812345678"},
	{"+8613812345678", "13812345678"},
	{"+86 138 1234 5678", "13812345678"},
	{"+86-138-1234-5678", "13812345678"},
	{"(+86) 138 1234 5678", "13812345678"},
	{"008613812345678", "13812345678"},
	{"8613812345678", "13812345678"},
	{"(86)13812345678", "13812345678"},
	{"19912345678", "19912345678"},
	{"14512345678", "14512345678"},
	{"16612345678", "16612345678"},
	{"17012345678", "17012345678"},
	{"0917-5512345", "09175512345"},
	{"0917-55123456", "091755123456"},
	{"(0917) 551 2345", "09175512345"},
	{"(029)87654321", "02987654321"},
	{"029 8765 4321", "02987654321"},
	{"02987654321", "02987654321"},
	{"010-62345678", "01062345678"},
	{"+86 29 8765 4321", "02987654321"},
	{"+86 (29) 8765 4321", "02987654321"},
	{"+86 10 6234 5678", "01062345678"},
	{"+86 917 551 2345", "09175512345"},
	{"+86 0917 551 2345", "09175512345"},
	{"0086 917 5512345", "09175512345"},
	{"0086-10-62345678", "01062345678"},
	/* refused */
	{"", NULL},
	{"12812345678", NULL}, /* 12x is no mobile prefix */
	{"11812345678", NULL},
	{"10812345678", NULL},
	{"1381234567", NULL},   /* 10 digits */
	{"138123456789", NULL}, /* 12 digits */
	{"+8513812345678", NULL},
	{"+1 650 253 0000", NULL},
	{"+86 138 1234 567", NULL},
	{"86 1381234567", NULL},
	{"8613812345", NULL},
	{"138 1234 5678 ext 12", NULL},
	{"0917-5512345-801", NULL}, /* extensions are refused */
	{"0917-551234", NULL},      /* 6-digit local number */
	{"0917-551234567", NULL},   /* 9-digit local number */
	{"029-7654321", NULL},      /* the big cities have 8 digits */
	{"011-62345678", NULL},
	{"026-62345678", NULL},
	{"0917-0512345", NULL}, /* local numbers start with 2-9 */
	{"0917-1512345", NULL},
	{"00917-5512345", NULL},
	{"95588", NULL},
	{"400-123-4567", NULL},
	{"+8686 13812345678", NULL},
	{"13812345678+", NULL},
	{"138+12345678", NULL},
	{"++8613812345678", NULL},
	{"(138)12345678", NULL}, /* parentheses only around codes */
	{"(0917 5512345", NULL},
	{"0917) 5512345", NULL},
	{"(09175)512345", NULL},
	{"()13812345678", NULL},
	{"(029)(8765)4321", NULL},
	{"138.1234.5678", NULL},
	{"１３８12345678", NULL},
	{"1381234567812345678901234567890", NULL},
};

static void test_phone(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
		const struct phone_case *c = &phones[i];
		char norm[24] = "untouched";
		const char *code = NULL, *why = NULL;
		int rc = wg_ident_phone(c->in, norm, &code, &why);
		if (c->norm) {
			if (rc != 0)
				fail_msg("\"%s\": refused (%s)", c->in, why);
			if (strcmp(norm, c->norm) != 0)
				fail_msg("\"%s\": norm %s, want %s", c->in, norm, c->norm);
			assert_int_equal(wg_ident_phone(c->in, NULL, NULL, NULL), 0);
			/* The normal form is itself accepted, unchanged. */
			char again[24];
			assert_int_equal(wg_ident_phone(norm, again, NULL, NULL), 0);
			assert_string_equal(again, norm);
		} else {
			if (rc != WG_EVALIDATION)
				fail_msg("\"%s\": accepted as %s", c->in, norm);
			assert_string_equal(code, "format");
			assert_true(strlen(why) > 10);
			assert_string_equal(norm, "untouched");
		}
	}
	const char *code = NULL;
	assert_int_equal(wg_ident_phone(NULL, NULL, &code, NULL), WG_EVALIDATION);
	assert_string_equal(code, "format");
}

/* ---- masks ---- */

struct mask_case {
	const char *in, *out;
};

static void test_masks(void **state)
{
	(void)state;
	static const struct mask_case ids[] = {
		{"11010519491231002X", "110***********002X"},
		{"610326199001011233", "610***********1233"},
		{"12345678", "123*5678"},
		{"1234567", "*******"},
		{"", ""},
		{"1101051949123100201", "******************"},
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char out[19];
		memset(out, '#', sizeof out);
		wg_ident_mask_id_number(ids[i].in, out);
		assert_string_equal(out, ids[i].out);
	}
	static const struct mask_case phones_masked[] = {
		{"13812345678", "138****5678"},
		{"09175512345", "0917*****45"},
		{"091755123456", "0917******56"},
		{"02987654321", "029******21"},
		{"01062345678", "010******78"},
		{"0917551", "*******"},
		{"12345", "*****"},
		{"", ""},
		{"999999999999999999999999", "***********************"},
	};
	for (size_t i = 0; i < sizeof phones_masked / sizeof phones_masked[0]; i++) {
		char out[24];
		memset(out, '#', sizeof out);
		wg_ident_mask_phone(phones_masked[i].in, out);
		assert_string_equal(out, phones_masked[i].out);
	}
	char out[24];
	wg_ident_mask_id_number(NULL, out);
	assert_string_equal(out, "");
	wg_ident_mask_phone(NULL, out);
	assert_string_equal(out, "");
}

/* ---- dates ---- */

static int reference_ymd(int64_t ms, int offset)
{
	int64_t secs = ms / 1000 - (ms % 1000 < 0) + (int64_t)offset * 60;
	time_t t = (time_t)secs;
	struct tm tm;
	assert_non_null(gmtime_r(&t, &tm));
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static void test_ymd(void **state)
{
	(void)state;
	/* 2025-12-31T16:00:00Z is already 2026 in Beijing. */
	assert_int_equal(wg_ident_ymd(INT64_C(1767196800000), 480), 20260101);
	assert_int_equal(wg_ident_ymd(INT64_C(1767196799999), 480), 20251231);
	assert_int_equal(wg_ident_ymd(0, 0), 19700101);
	assert_int_equal(wg_ident_ymd(-1, 0), 19691231);
	assert_int_equal(wg_ident_ymd(INT64_C(951782400000), 0), 20000229);
	/* Beyond the years 0001-9999 (less a day at each end), or with an offset
	 * beyond a day: 0. */
	assert_int_equal(wg_ident_ymd(INT64_MAX, 0), 0);
	assert_int_equal(wg_ident_ymd(INT64_MIN, 480), 0);
	assert_int_equal(wg_ident_ymd(INT64_C(-62135596800000) + 86400000, 0), 10102);
	assert_int_equal(wg_ident_ymd(INT64_C(-62135596800000) + 86400000 - 1, 0), 0);
	assert_int_equal(wg_ident_ymd(INT64_C(253370764800000), 0), 99990101);
	assert_int_equal(wg_ident_ymd(INT64_C(253402300799999), 0), 0);
	assert_int_equal(wg_ident_ymd(0, 24 * 60 + 1), 0);
	assert_int_equal(wg_ident_ymd(0, 24 * 60), 19700102);
	/* Every 7 hours and 13 minutes from 1890 to 2110, at three offsets. */
	for (int64_t ms = INT64_C(-2524521600000); ms < INT64_C(4417977600000); ms += 26000000) {
		assert_int_equal(wg_ident_ymd(ms, 0), reference_ymd(ms, 0));
		assert_int_equal(wg_ident_ymd(ms, 480), reference_ymd(ms, 480));
		assert_int_equal(wg_ident_ymd(ms, -300), reference_ymd(ms, -300));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_id_invalid),
		cmocka_unit_test(test_id_every_single_change),
		cmocka_unit_test(test_id_check_char),
		cmocka_unit_test(test_credit),
		cmocka_unit_test(test_credit_every_single_change),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_ymd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
