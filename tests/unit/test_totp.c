/* test_totp.c - TOTP against RFC 6238's vectors, the verification window and
 * replay, base32 against RFC 4648's vectors, and the provisioning URI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/totp.h"

/* RFC 6238 appendix B's SHA-1 seed. */
static const unsigned char rfc_key[] = "12345678901234567890";
#define RFC_KEY rfc_key, 20

/* Appendix B gives eight digits; six-digit codes are their last six. */
static void test_rfc6238_vectors(void **state)
{
	(void)state;
	static const struct {
		int64_t t;
		unsigned code;
	} vectors[] = {
		{59, 287082},
		{1111111109, 81804},
		{1111111111, 50471},
		{1234567890, 5924},
		{2000000000, 279037},
		{20000000000, 353130},
		/* RFC 4226 appendix D, counters 0 and 1, are the first steps. */
		{0, 755224},
		{29, 755224},
		{30, 287082},
	};
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		unsigned code = 1234567;
		assert_int_equal(wg_totp_code(RFC_KEY, vectors[i].t, &code), 0);
		if (code != vectors[i].code)
			fail_msg("T=%lld: %06u, want %06u", (long long)vectors[i].t, code, vectors[i].code);
	}
	unsigned code;
	assert_int_equal(wg_totp_code(RFC_KEY, -1, &code), WG_EINTERNAL);
	/* An empty key is still a key to HMAC. */
	assert_int_equal(wg_totp_code((const unsigned char *)"", 0, 59, &code), 0);
}

/* 1111111109 is step 37037036; its code is 081804. */
#define T 1111111109
#define STEP 37037036

static void test_window(void **state)
{
	(void)state;
	static const struct {
		int64_t t;
		bool ok;
	} cases[] = {
		{T, true},
		{T - 30, true},  /* the code's step is now+1: the client's clock is ahead */
		{T + 30, true},  /* now-1: the client is behind, or the user was slow */
		{T - 60, false}, /* two steps off either way */
		{T + 60, false},
		{(int64_t)STEP * 30, true}, /* first and last second of the step */
		{STEP * 30 + 29, true},
		{(int64_t)(STEP - 1) * 30, true},
		{(STEP + 2) * 30 - 1, true},
		{(int64_t)(STEP + 2) * 30, false},
		{(STEP - 1) * 30 - 1, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t matched = -7;
		bool ok = wg_totp_verify(RFC_KEY, cases[i].t, "081804", -1, &matched);
		if (ok != cases[i].ok)
			fail_msg("t=%lld: %s", (long long)cases[i].t, ok ? "accepted" : "refused");
		assert_int_equal(matched, ok ? STEP : -7);
	}
}

/* A code is good once: its step, and every earlier one, is refused after. */
static void test_replay(void **state)
{
	(void)state;
	int64_t last = -1, matched = 0;
	assert_true(wg_totp_verify(RFC_KEY, T, "081804", last, &matched));
	assert_int_equal(matched, STEP);
	last = matched;
	assert_false(wg_totp_verify(RFC_KEY, T, "081804", last, &matched));
	assert_false(wg_totp_verify(RFC_KEY, T + 30, "081804", last, &matched));
	assert_false(wg_totp_verify(RFC_KEY, T, "081804", last + 5, &matched));
	assert_true(wg_totp_verify(RFC_KEY, T, "081804", last - 1, &matched));
	assert_int_equal(matched, STEP);

	/* The next step's code is still good within the window. */
	unsigned next;
	assert_int_equal(wg_totp_code(RFC_KEY, T + 30, &next), 0);
	char code[8];
	snprintf(code, sizeof code, "%06u", next);
	assert_true(wg_totp_verify(RFC_KEY, T, code, last, &matched));
	assert_int_equal(matched, STEP + 1);

	/* At the very start of time there is no step -1. */
	assert_true(wg_totp_verify(RFC_KEY, 5, "755224", -1, &matched));
	assert_int_equal(matched, 0);
	assert_false(wg_totp_verify(RFC_KEY, 5, "755224", 0, &matched));
}

#define FULL_WIDTH \
	"\xEF\xBC\x90\xEF\xBC\x98\xEF\xBC\x91\xEF\xBC\x98\xEF\xBC\x90\xEF\xBC\x94" /* ０８１８０４ */

static void test_bad_codes(void **state)
{
	(void)state;
	/* Wrong length, spaces, signs, letters, full-width digits, wrong code. */
	static const char *bad[] = {"",        "8180",     "81804",  "0818040", "0081804", " 081804",
	                            "081804 ", "081 804",  "08180a", "-81804",  "+81804",  "081804\n",
	                            "0x1804",  FULL_WIDTH, "000000", "999999",  "081805"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t matched = -7;
		if (wg_totp_verify(RFC_KEY, T, bad[i], -1, &matched))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(matched, -7);
	}
	int64_t matched = -7;
	assert_false(wg_totp_verify(RFC_KEY, T, NULL, -1, &matched));
	assert_false(wg_totp_verify(RFC_KEY, -1, "755224", -1, &matched));
	assert_int_equal(matched, -7);
}

static const struct {
	const char *plain, *encoded;
} rfc4648[] = {
	{"", ""},
	{"f", "MY"},
	{"fo", "MZXQ"},
	{"foo", "MZXW6"},
	{"foob", "MZXW6YQ"},
	{"fooba", "MZXW6YTB"},
	{"foobar", "MZXW6YTBOI"},
};

static void test_base32_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		const char *p = rfc4648[i].plain, *e = rfc4648[i].encoded;
		size_t n = strlen(p);
		char out[32];
		assert_int_equal(wg_base32_encode((const unsigned char *)p, n, out, sizeof out), strlen(e));
		assert_string_equal(out, e);

		unsigned char back[16];
		size_t got = 99;
		assert_int_equal(wg_base32_decode(e, back, sizeof back, &got), 0);
		assert_int_equal(got, n);
		assert_memory_equal(back, p, n);

		/* Lower case, with the RFC's padding, with spaces. */
		char variant[64];
		size_t k = 0;
		for (size_t j = 0; e[j]; j++) {
			variant[k++] = (char)(e[j] >= 'A' && e[j] <= 'Z' ? e[j] - 'A' + 'a' : e[j]);
			if (j % 3 == 2)
				variant[k++] = ' ';
		}
		while (k % 8)
			variant[k++] = '=';
		variant[k] = '\0';
		assert_int_equal(wg_base32_decode(variant, back, sizeof back, &got), 0);
		assert_int_equal(got, n);
		assert_memory_equal(back, p, n);
	}
}

static void test_base32_round_trip(void **state)
{
	(void)state;
	unsigned char in[64];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof in; n++) {
		char enc[WG_BASE32_ENCODED_SIZE(64)];
		size_t len = wg_base32_encode(in, n, enc, WG_BASE32_ENCODED_SIZE(n));
		assert_int_equal(len, (n * 8 + 4) / 5);
		assert_int_equal(strlen(enc), len);
		/* One byte short of the NUL is refused. */
		char small[WG_BASE32_ENCODED_SIZE(64)] = "unchanged";
		assert_int_equal(wg_base32_encode(in, n, small, WG_BASE32_ENCODED_SIZE(n) - 1), 0);
		assert_string_equal(small, n ? "" : "unchanged");
		unsigned char back[64];
		size_t got;
		assert_int_equal(wg_base32_decode(enc, back, n, &got), 0);
		assert_int_equal(got, n);
		assert_memory_equal(back, in, n);
		if (n > 0) {
			assert_int_equal(wg_base32_decode(enc, back, n - 1, &got), WG_ETOOLARGE);
			assert_int_equal(got, 0);
		}
	}
	assert_int_equal(wg_base32_encode(in, 1, NULL, 0), 0);
}

static void test_base32_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"MY1", "'1' is not in the alphabet"},
		{"MZXW0", "nor is '0'"},
		{"MZXW8", "nor is '8'"},
		{"MZXW-6", "nor is '-'"},
		{"MZXW\t6", "a tab is not a space"},
		{"MZXW\n6", "nor is a newline"},
		{"MZ\xC3\xA9", "nor is a letter outside ASCII"},
		{"M", "1 character carries no whole byte"},
		{"MZX", "nor do 3"},
		{"MZXW6Y", "nor do 6"},
		{"MZXW6YTBO", "nor do 8k + 1"},
		{"MZ", "'f' with a non-zero unused bit (MY is its encoding)"},
		{"MZXR", "\"fo\" with a non-zero unused bit"},
		{"MZXW7", "\"foo\" with a non-zero unused bit"},
		{"MZXW6YR", "\"foob\" with a non-zero unused bit"},
		{"MZXW6YTBOJ", "\"foobar\" with a non-zero unused bit"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned char out[16];
		size_t n = 99;
		int rc = wg_base32_decode(bad[i].text, out, sizeof out, &n);
		if (rc != WG_EBADREQ)
			fail_msg("\"%s\" (%s): %s", bad[i].text, bad[i].why, wg_error_name(rc));
		assert_int_equal(n, 0);
	}
	unsigned char out[1];
	size_t n;
	assert_int_equal(wg_base32_decode("  ==  ", out, 0, &n), 0);
	assert_int_equal(n, 0);
}

#define URI_WANT                                                                                      \
	"otpauth://totp/"                                                                             \
	"%E7%BD%91%E6%A0%BC%20Wangge:zhang.san%40example.cn?secret=JBSWY3DPEHPK3PXP&issuer=%E7%BD%91" \
	"%E6%A0%BC%20Wangge&algorithm=SHA1&digits=6&period=30"

static void test_uri(void **state)
{
	(void)state;
	char out[sizeof URI_WANT];
	assert_int_equal(
		wg_totp_uri("网格 Wangge", "zhang.san@example.cn", "JBSWY3DPEHPK3PXP", out, sizeof out), 0);
	assert_string_equal(out, URI_WANT);
	for (size_t len = 0; len < sizeof out; len++) {
		char small[sizeof URI_WANT];
		memset(small, 'x', sizeof small);
		assert_int_equal(
			wg_totp_uri("网格 Wangge", "zhang.san@example.cn", "JBSWY3DPEHPK3PXP", small, len),
			WG_ETOOLARGE);
		if (len > 0)
			assert_string_equal(small, "");
	}
	/* A colon in either name would split the label: it is encoded. */
	char colon[256];
	assert_int_equal(wg_totp_uri("a:b", "c:d~e_f.g-h", "MY", colon, sizeof colon), 0);
	assert_string_equal(
		colon, "otpauth://totp/a%3Ab:c%3Ad~e_f.g-h?secret=MY&issuer=a%3Ab&algorithm=SHA1&digits=6"
		       "&period=30");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors), cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay),          cmocka_unit_test(test_bad_codes),
		cmocka_unit_test(test_base32_vectors),  cmocka_unit_test(test_base32_round_trip),
		cmocka_unit_test(test_base32_invalid),  cmocka_unit_test(test_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
