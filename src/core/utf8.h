/* utf8.h - UTF-8 validation (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF). Used on every request body and query value before parsing. */
#ifndef WG_CORE_UTF8_H
#define WG_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when the n bytes at s are well-formed UTF-8 (NUL bytes allowed). */
bool wg_utf8_valid(const char *s, size_t n);

/* Length of the well-formed sequence at s (1..4), or 0 if the bytes at s do
 * not start one; never reads past n. */
size_t wg_utf8_sequence(const unsigned char *s, size_t n);

/* When wg_utf8_sequence(s, n) is 0: the length (1..3) of the maximal subpart
 * at s, the bytes that one U+FFFD replaces (Unicode 3.9, "substitution of
 * maximal subparts", as the W3C encoding standard decodes). 0 if s starts a
 * well-formed sequence or n is 0; never reads past n. */
size_t wg_utf8_invalid_length(const unsigned char *s, size_t n);

/* Number of code points in a well-formed string (for length limits). */
size_t wg_utf8_count(const char *s, size_t n);

#endif
