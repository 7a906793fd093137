/* fuzz_utf8.c - wg_utf8_* against a slow reference decoder.
 *
 * The reference decodes by code-point arithmetic (lead byte pattern, then
 * the value checked for overlongs, surrogates and the U+10FFFF limit), a
 * different method from utf8.c's table of second-byte ranges. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the well-formed sequence at s, or 0. */
static size_t ref_sequence(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len = c < 0x80             ? 1
	             : (c & 0xE0) == 0xC0 ? 2
	             : (c & 0xF0) == 0xE0 ? 3
	             : (c & 0xF8) == 0xF0 ? 4
	                                  : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t cp = len == 1 ? c : c & (0xFFu >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < least[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

/* The maximal subpart: the longest prefix (up to 3 bytes) that some
 * well-formed sequence starts with. Completing the prefix with 0x80 bytes
 * decides it, because every boundary (0x800, 0xD800, 0xE000, 0x10000,
 * 0x110000) is a multiple of the 64 values the missing bytes span. */
static size_t ref_subpart(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	for (size_t k = len - 1 < n ? len - 1 : n; len && k >= 1; k--) {
		uint8_t t[4] = {0x80, 0x80, 0x80, 0x80};
		bool cont = true;
		for (size_t i = 0; i < k; i++) {
			t[i] = s[i];
			if (i && (s[i] & 0xC0) != 0x80)
				cont = false;
		}
		if (cont && ref_sequence(t, len) == len)
			return k;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	uint8_t *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	for (size_t i = 0; i < size; i++)
		s[i] = data[i];
	bool valid = true;
	size_t points = 0;
	for (size_t i = 0; i < size;) {
		size_t want = ref_sequence(s + i, size - i);
		if (wg_utf8_sequence(s + i, size - i) != want)
			abort();
		if (want) {
			if (wg_utf8_invalid_length(s + i, size - i) != 0)
				abort();
			i += want;
			points++;
			continue;
		}
		valid = false;
		size_t bad = ref_subpart(s + i, size - i);
		if (wg_utf8_invalid_length(s + i, size - i) != bad)
			abort();
		i += bad;
	}
	if (wg_utf8_valid((const char *)s, size) != valid)
		abort();
	if (valid && wg_utf8_count((const char *)s, size) != points)
		abort();
	free(s);
	return 0;
}
