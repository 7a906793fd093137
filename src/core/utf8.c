#include "core/utf8.h"

#include <stdint.h>
#include <string.h>

/* Decodes one sequence by Table 3-7 of the Unicode standard, whose per-lead
 * ranges for the second byte are what exclude overlongs (E0 80..9F, F0
 * 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..).
 * Returns the length of the well-formed sequence at s, or 0 with *bad set to
 * the number of leading bytes that still match some well-formed sequence
 * (at least 1). */
static size_t decode(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4) {
		*bad = 1;
		return 0;
	}
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0xE0) {
		need = 2;
	} else if (c < 0xF0) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else {
		need = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	if (n < 2 || s[1] < lo || s[1] > hi) {
		*bad = 1;
		return 0;
	}
	for (size_t i = 2; i < need; i++) {
		if (i >= n || (s[i] & 0xC0) != 0x80) {
			*bad = i;
			return 0;
		}
	}
	return need;
}

size_t wg_utf8_sequence(const unsigned char *s, size_t n)
{
	size_t bad;
	return n ? decode(s, n, &bad) : 0;
}

size_t wg_utf8_invalid_length(const unsigned char *s, size_t n)
{
	size_t bad = 0;
	if (n == 0 || decode(s, n, &bad) != 0)
		return 0;
	return bad;
}

bool wg_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* Request bodies are mostly ASCII: test eight bytes at a time. */
		while (n - i >= 8) {
			uint64_t word;
			memcpy(&word, s + i, sizeof word);
			if (word & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i == n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t bad, k = decode(s + i, n - i, &bad);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

size_t wg_utf8_count(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t count = 0;
	/* In well-formed text every byte but a continuation byte starts a code
	 * point. */
	for (size_t i = 0; i < n; i++)
		count += (s[i] & 0xC0) != 0x80;
	return count;
}
