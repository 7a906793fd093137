#include "core/json_out.h"

#include "core/error.h"
#include "core/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a string byte needs: copied as is (0), a short escape (the letter),
 * \u00XX (1), or a look at the UTF-8 sequence it starts (2), where 3 marks
 * the lead bytes of three-byte sequences that allow any continuation bytes
 * (E1, E3..EC, EE, EF: most Chinese text), checked inline. E2 (U+2028) and
 * ED (surrogates) are not among them. Sixteen bytes a row, so that the table
 * reads as a map of the byte values. */
/* clang-format off */
static const unsigned char byte_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 'b', 't', 'n', 1, 'f', 'r', 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 3,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
/* clang-format on */

static const char hex_digits[] = "0123456789abcdef";

/* Output goes on after invalid UTF-8 (it was replaced, the JSON stays valid)
 * but not after misuse or a failing sink. */
static bool stopped(const wg_json_out *w)
{
	return w->error != 0 && w->error != WG_EBADREQ;
}

/* A stopping error replaces WG_EBADREQ: otherwise the writer could not tell
 * later that output must stop, and misuse is the graver fault to report. */
static void fail(wg_json_out *w, int rc)
{
	if (w->error == 0 || (w->error == WG_EBADREQ && rc != WG_EBADREQ))
		w->error = rc;
}

static void emit(wg_json_out *w, const char *data, size_t len)
{
	int rc = w->sink(w->ctx, data, len);
	if (rc != 0)
		fail(w, rc < 0 ? rc : WG_EIO);
}

static void flush(wg_json_out *w)
{
	if (w->len && !stopped(w)) {
		emit(w, w->buf, w->len);
		w->len = 0;
	}
}

/* Makes room for n more bytes (n <= WG_JSON_BUF_SIZE); false when the sink
 * failed, and nothing may be written then. */
static bool reserve(wg_json_out *w, size_t n)
{
	if (WG_JSON_BUF_SIZE - w->len < n)
		flush(w);
	return !stopped(w);
}

static void put_char(wg_json_out *w, char c)
{
	if (reserve(w, 1))
		w->buf[w->len++] = c;
}

/* Long runs bypass the staging buffer so that a large string costs one
 * copy, not two. */
static void put_bytes(wg_json_out *w, const void *data, size_t n)
{
	if (n == 0 || stopped(w))
		return;
	if (WG_JSON_BUF_SIZE - w->len >= n) {
		memcpy(w->buf + w->len, data, n);
		w->len += n;
		return;
	}
	flush(w);
	if (stopped(w))
		return;
	if (n >= WG_JSON_BUF_SIZE)
		emit(w, data, n);
	else {
		memcpy(w->buf, data, n);
		w->len = n;
	}
}

static void misuse(wg_json_out *w)
{
	fail(w, WG_EINTERNAL);
}

void wg_json_init(wg_json_out *w, wg_json_sink_fn sink, void *ctx)
{
	/* The 4 KiB buffer is deliberately left uninitialised: this runs per
	 * response. */
	w->sink = sink;
	w->ctx = ctx;
	w->error = 0;
	w->depth = 0;
	w->need_comma = false;
	w->after_key = false;
	w->len = 0;
}

/* Checks that a value may come here and writes the comma before it.
 * Returns false (after recording misuse if it was one) when it may not. */
static bool value_begins(wg_json_out *w)
{
	if (stopped(w))
		return false;
	if (w->depth == 0) {
		/* A document is one value. */
		if (w->need_comma) {
			misuse(w);
			return false;
		}
	} else if (w->kind[w->depth - 1] == 'o') {
		if (!w->after_key) {
			misuse(w);
			return false;
		}
		w->after_key = false;
	} else if (w->need_comma) {
		put_char(w, ',');
	}
	w->need_comma = true;
	return !stopped(w);
}

/* True when none of the eight bytes in v needs a look: all are ASCII and
 * none is a control character, '"' or '\\'. Each term has the top bit of
 * a byte set when that byte matches (the has-less and has-zero tricks of
 * "Bit Twiddling Hacks"), so plain ASCII is checked a word at a time. */
static bool plain8(uint64_t v)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), tops = ones << 7;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
	return ((v | ((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & tops) == 0;
}

/* Index of the first byte at or after i that cannot be copied as it is. */
static size_t safe_run(const unsigned char *s, size_t i, size_t n)
{
	while (i < n) {
		if (n - i >= 8) {
			uint64_t v;
			memcpy(&v, s + i, sizeof v);
			if (plain8(v)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i], cls = byte_class[c];
		if (cls == 0) {
			i++;
			continue;
		}
		if (cls == 3 && n - i >= 3 && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
			i += 3;
			continue;
		}
		if (cls != 2 && cls != 3)
			return i;
		size_t k = wg_utf8_sequence(s + i, n - i);
		/* U+2028 and U+2029 are valid JSON but end a line in JavaScript
		 * source, so they are escaped for embedders. */
		if (k == 0 || (k == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8))
			return i;
		i += k;
	}
	return i;
}

static void put_string(wg_json_out *w, const unsigned char *s, size_t n)
{
	put_char(w, '"');
	size_t i = 0;
	while (i < n && !stopped(w)) {
		size_t end = safe_run(s, i, n);
		put_bytes(w, s + i, end - i);
		i = end;
		if (i == n)
			break;
		unsigned char cls = byte_class[s[i]];
		char esc[6];
		size_t elen;
		if (cls == 1) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex_digits[s[i] >> 4];
			esc[5] = hex_digits[s[i] & 15];
			elen = 6;
			i++;
		} else if (cls > 3) {
			esc[0] = '\\';
			esc[1] = (char)cls;
			elen = 2;
			i++;
		} else if (s[i] == 0xE2 && wg_utf8_sequence(s + i, n - i) == 3) {
			memcpy(esc, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
			elen = 6;
			i += 3;
		} else {
			memcpy(esc, "\xEF\xBF\xBD", 3);
			elen = 3;
			i += wg_utf8_invalid_length(s + i, n - i);
			fail(w, WG_EBADREQ);
		}
		put_bytes(w, esc, elen);
	}
	put_char(w, '"');
}

void wg_json_object_begin(wg_json_out *w)
{
	if (!value_begins(w))
		return;
	if (w->depth == WG_JSON_MAX_DEPTH) {
		misuse(w);
		return;
	}
	w->kind[w->depth++] = 'o';
	w->need_comma = false;
	put_char(w, '{');
}

void wg_json_array_begin(wg_json_out *w)
{
	if (!value_begins(w))
		return;
	if (w->depth == WG_JSON_MAX_DEPTH) {
		misuse(w);
		return;
	}
	w->kind[w->depth++] = 'a';
	w->need_comma = false;
	put_char(w, '[');
}

static void container_end(wg_json_out *w, unsigned char kind, char close)
{
	if (stopped(w))
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->after_key) {
		misuse(w);
		return;
	}
	w->depth--;
	/* The container just closed is a value of the level around it. */
	w->need_comma = true;
	put_char(w, close);
}

void wg_json_object_end(wg_json_out *w)
{
	container_end(w, 'o', '}');
}

void wg_json_array_end(wg_json_out *w)
{
	container_end(w, 'a', ']');
}

void wg_json_key_n(wg_json_out *w, const char *s, size_t n)
{
	if (stopped(w))
		return;
	if (!s || w->depth == 0 || w->kind[w->depth - 1] != 'o' || w->after_key) {
		misuse(w);
		return;
	}
	if (w->need_comma)
		put_char(w, ',');
	put_string(w, (const unsigned char *)s, n);
	put_char(w, ':');
	w->after_key = true;
	w->need_comma = true;
}

void wg_json_key(wg_json_out *w, const char *s)
{
	if (!s) {
		if (!stopped(w))
			misuse(w);
		return;
	}
	wg_json_key_n(w, s, strlen(s));
}

void wg_json_string_n(wg_json_out *w, const char *s, size_t n)
{
	if (!s) {
		wg_json_null(w);
		return;
	}
	if (value_begins(w))
		put_string(w, (const unsigned char *)s, n);
}

void wg_json_string(wg_json_out *w, const char *s)
{
	wg_json_string_n(w, s, s ? strlen(s) : 0);
}

/* Writes the decimal digits of v ending at end; returns where they start. */
static char *format_u64(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void wg_json_uint(wg_json_out *w, uint64_t v)
{
	if (!value_begins(w))
		return;
	char tmp[24];
	char *p = format_u64(tmp + sizeof tmp, v);
	put_bytes(w, p, (size_t)(tmp + sizeof tmp - p));
}

void wg_json_int(wg_json_out *w, int64_t v)
{
	if (!value_begins(w))
		return;
	char tmp[24];
	/* Negating in unsigned arithmetic keeps INT64_MIN exact. */
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char *p = format_u64(tmp + sizeof tmp, mag);
	if (v < 0)
		*--p = '-';
	put_bytes(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* The text %.15g gives for v, written into tmp without printf, when v is
 * the double nearest a decimal of at most 15 significant digits and at most
 * 9 places, between 1e-4 and 1e15 (where %g writes no exponent): returns
 * its length, or 0 when v is not such a number. Coordinates (7 places) and
 * money are; they would otherwise cost a printf and a strtod, or more.
 *
 * Why the text is the same: m / 10^k with m and 10^k exact doubles is
 * rounded once, so m / 10^k == v says that v is the double nearest the
 * decimal D = m * 10^-k. D has at most 15 significant digits, and the
 * neighbouring 15-digit decimals lie further from v than half a unit in the
 * last place of a double, so rounding v to 15 digits gives D back: %.15g
 * prints D, less its trailing zeros, and D reads back as v. */
static size_t short_decimal(double v, char *tmp)
{
	static const double scale[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	double a = fabs(v);
	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (int k = 0; k < (int)(sizeof scale / sizeof scale[0]); k++) {
		double scaled = a * scale[k];
		if (scaled >= 1e15)
			return 0;
		double m = nearbyint(scaled);
		if (m / scale[k] != a)
			continue;
		uint64_t whole = (uint64_t)m, unit = (uint64_t)scale[k];
		uint64_t ip = whole / unit, frac = whole % unit;
		char digits[24];
		size_t n = 0;
		if (v < 0)
			tmp[n++] = '-';
		size_t d = 0;
		do
			digits[d++] = (char)('0' + ip % 10);
		while ((ip /= 10) != 0);
		while (d)
			tmp[n++] = digits[--d];
		if (frac) {
			tmp[n++] = '.';
			for (int i = k - 1; i >= 0; i--) {
				digits[i] = (char)('0' + frac % 10);
				frac /= 10;
			}
			int last = k;
			while (last > 0 && digits[last - 1] == '0')
				last--;
			memcpy(tmp + n, digits, (size_t)last);
			n += (size_t)last;
		}
		return n;
	}
	return 0;
}

size_t wg_json_format_double(double v, char out[WG_JSON_DOUBLE_MAX])
{
	/* The first precision that reads back as the same double is the
	 * shortest of the three; %.17g always does. The C locale is assumed
	 * (the server never calls setlocale), so the point is '.'. At most 24
	 * characters, and ".0". */
	size_t n = short_decimal(v, out);
	for (int digits = 15; n == 0 && digits <= 17; digits++) {
		n = (size_t)snprintf(out, WG_JSON_DOUBLE_MAX - 3, "%.*g", digits, v);
		if (strtod(out, NULL) != v)
			n = digits < 17 ? 0 : n;
	}
	/* A whole number keeps a fraction so that readers which tell integers
	 * from reals (jansson, Python) read a real back; -0.0 keeps its sign. */
	if (!memchr(out, '.', n) && !memchr(out, 'e', n)) {
		out[n++] = '.';
		out[n++] = '0';
	}
	out[n] = '\0';
	return n;
}

void wg_json_double(wg_json_out *w, double v)
{
	if (!isfinite(v)) {
		wg_json_null(w);
		return;
	}
	if (!value_begins(w))
		return;
	char tmp[WG_JSON_DOUBLE_MAX];
	put_bytes(w, tmp, wg_json_format_double(v, tmp));
}

void wg_json_bool(wg_json_out *w, bool v)
{
	if (value_begins(w))
		put_bytes(w, v ? "true" : "false", v ? 4 : 5);
}

void wg_json_null(wg_json_out *w)
{
	if (value_begins(w))
		put_bytes(w, "null", 4);
}

void wg_json_raw(wg_json_out *w, const char *json)
{
	if (value_begins(w))
		put_bytes(w, json, strlen(json));
}

void wg_json_kv_string(wg_json_out *w, const char *key, const char *s)
{
	wg_json_key(w, key);
	wg_json_string(w, s);
}

void wg_json_kv_int(wg_json_out *w, const char *key, int64_t v)
{
	wg_json_key(w, key);
	wg_json_int(w, v);
}

void wg_json_kv_bool(wg_json_out *w, const char *key, bool v)
{
	wg_json_key(w, key);
	wg_json_bool(w, v);
}

void wg_json_kv_null(wg_json_out *w, const char *key)
{
	wg_json_key(w, key);
	wg_json_null(w);
}

int wg_json_finish(wg_json_out *w)
{
	/* Complete means one top-level value written and every container
	 * closed; anything else would hand the client invalid JSON. */
	if (!stopped(w) && (w->depth != 0 || !w->need_comma || w->after_key))
		misuse(w);
	flush(w);
	return w->error;
}
