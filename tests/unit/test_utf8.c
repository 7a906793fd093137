/* test_utf8.c - UTF-8 validation against the classic ill-formed cases and an
 * exhaustive walk over every code point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

struct utf8_case {
	const char *name;
	const char *bytes;
	size_t n;
	bool valid;
	size_t first;   /* wg_utf8_sequence at the start */
	size_t invalid; /* wg_utf8_invalid_length at the start */
	size_t count;   /* wg_utf8_count, for valid cases */
};

#define B(s) (s), sizeof(s) - 1

static const struct utf8_case cases[] = {
	{"empty", B(""), true, 0, 0, 0},
	{"ascii", B("a"), true, 1, 0, 1},
	{"nul byte", B("\0"), true, 1, 0, 1},
	{"U+0080", B("\xC2\x80"), true, 2, 0, 1},
	{"U+07FF", B("\xDF\xBF"), true, 2, 0, 1},
	{"U+0800", B("\xE0\xA0\x80"), true, 3, 0, 1},
	{"U+4E2D", B("\xE4\xB8\xAD"), true, 3, 0, 1},
	{"U+D7FF", B("\xED\x9F\xBF"), true, 3, 0, 1},
	{"U+E000", B("\xEE\x80\x80"), true, 3, 0, 1},
	{"U+FFFF", B("\xEF\xBF\xBF"), true, 3, 0, 1},
	{"U+10000", B("\xF0\x90\x80\x80"), true, 4, 0, 1},
	{"U+10FFFF", B("\xF4\x8F\xBF\xBF"), true, 4, 0, 1},
	{"mixed",
         B("a\xE4\xB8\xAD"
           "b\xF0\x9F\x98\x80"),
         true, 1, 0, 4},
	{"long ascii", B("abcdefghijklmnopq"), true, 1, 0, 17},
	{"overlong C0 80", B("\xC0\x80"), false, 0, 1, 0},
	{"overlong C1 BF", B("\xC1\xBF"), false, 0, 1, 0},
	{"overlong E0 80 80", B("\xE0\x80\x80"), false, 0, 1, 0},
	{"overlong E0 9F BF", B("\xE0\x9F\xBF"), false, 0, 1, 0},
	{"overlong F0 80 80 80", B("\xF0\x80\x80\x80"), false, 0, 1, 0},
	{"overlong F0 8F BF BF", B("\xF0\x8F\xBF\xBF"), false, 0, 1, 0},
	{"surrogate ED A0 80", B("\xED\xA0\x80"), false, 0, 1, 0},
	{"surrogate ED BF BF", B("\xED\xBF\xBF"), false, 0, 1, 0},
	{"above U+10FFFF F4 90 80 80", B("\xF4\x90\x80\x80"), false, 0, 1, 0},
	{"lead F5", B("\xF5\x80\x80\x80"), false, 0, 1, 0},
	{"lead FE", B("\xFE"), false, 0, 1, 0},
	{"lead FF", B("\xFF"), false, 0, 1, 0},
	{"lone continuation 80", B("\x80"), false, 0, 1, 0},
	{"lone continuation BF", B("\xBF"), false, 0, 1, 0},
	{"truncated 2 of 2", B("\xC2"), false, 0, 1, 0},
	{"truncated 2 of 3", B("\xE4\xB8"), false, 0, 2, 0},
	{"truncated 3 of 4", B("\xF0\x90\x80"), false, 0, 3, 0},
	{"truncated 2 of 4", B("\xF0\x90"), false, 0, 2, 0},
	{"bad second byte", B("\xE4\x41"), false, 0, 1, 0},
	{"bad third byte", B("\xE4\xB8\x41"), false, 0, 2, 0},
	{"bad fourth byte", B("\xF0\x90\x80\x41"), false, 0, 3, 0},
	{"invalid after ascii run", B("abcdefghijklmnop\x80"), false, 1, 0, 0},
	{"invalid inside ascii run",
         B("abcd\xFF"
           "efghijklmnop"),
         false, 1, 0, 0},
	{"truncated at end", B("abc\xE4\xB8"), false, 1, 0, 0},
};

/* Each case is copied into a heap block of exactly n bytes, so that
 * AddressSanitizer reports any read past n. */
static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct utf8_case *c = &cases[i];
		unsigned char *copy = malloc(c->n ? c->n : 1);
		assert_non_null(copy);
		memcpy(copy, c->bytes, c->n);
		if (wg_utf8_valid((const char *)copy, c->n) != c->valid)
			fail_msg("%s: valid should be %d", c->name, c->valid);
		if (wg_utf8_sequence(copy, c->n) != c->first)
			fail_msg("%s: sequence %zu, want %zu", c->name, wg_utf8_sequence(copy, c->n),
			         c->first);
		if (wg_utf8_invalid_length(copy, c->n) != c->invalid)
			fail_msg("%s: invalid length %zu, want %zu", c->name,
			         wg_utf8_invalid_length(copy, c->n), c->invalid);
		if (c->valid && wg_utf8_count((const char *)copy, c->n) != c->count)
			fail_msg("%s: count %zu, want %zu", c->name, wg_utf8_count((const char *)copy, c->n),
			         c->count);
		free(copy);
	}
}

static size_t encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Every scalar value encodes to a valid sequence of the right length, every
 * surrogate and every overlong form (the value in one more byte than it
 * needs) is rejected, and so is each encoded value above U+10FFFF. */
static void test_every_code_point(void **state)
{
	(void)state;
	unsigned char buf[4];
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		size_t n = encode(cp, buf);
		bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
		if (wg_utf8_valid((const char *)buf, n) == surrogate)
			fail_msg("U+%04X: validity wrong", (unsigned)cp);
		if (wg_utf8_sequence(buf, n) != (surrogate ? 0 : n))
			fail_msg("U+%04X: sequence length wrong", (unsigned)cp);
		if (surrogate && wg_utf8_invalid_length(buf, n) != 1)
			fail_msg("U+%04X: surrogate subpart should be 1", (unsigned)cp);
		/* The overlong form, for values that fit in fewer than 4 bytes. */
		if (n < 4) {
			unsigned char longer[4];
			uint32_t v = cp;
			size_t m = n + 1;
			for (size_t i = m - 1; i > 0; i--) {
				longer[i] = (unsigned char)(0x80 | (v & 0x3F));
				v >>= 6;
			}
			longer[0] = (unsigned char)((m == 2 ? 0xC0 : m == 3 ? 0xE0 : 0xF0) | v);
			if (wg_utf8_valid((const char *)longer, m))
				fail_msg("U+%04X: overlong form accepted", (unsigned)cp);
		}
	}
	for (uint32_t cp = 0x110000; cp < 0x200000; cp += 0x123) {
		size_t n = encode(cp, buf);
		if (wg_utf8_valid((const char *)buf, n))
			fail_msg("U+%X above the range accepted", (unsigned)cp);
	}
}

/* wg_utf8_count counts code points of text with every length of sequence. */
static void test_count(void **state)
{
	(void)state;
	unsigned char buf[4 * 1000];
	size_t n = 0, expect = 0;
	for (uint32_t cp = 1; cp < 0x10FFFF && n + 4 <= sizeof buf; cp = cp * 3 + 1) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n += encode(cp, buf + n);
		expect++;
	}
	assert_true(wg_utf8_valid((const char *)buf, n));
	assert_int_equal(wg_utf8_count((const char *)buf, n), expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
