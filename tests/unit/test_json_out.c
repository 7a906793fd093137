/* test_json_out.c - the streaming JSON writer: exact output for fixed cases,
 * and random documents written with wg_json_* and read back with jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <float.h>
#include <jansson.h>
#include <math.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/json_out.h"

/* A sink that collects output, and can fail from a given call on. */
struct sink {
	char *data;
	size_t len, cap;
	unsigned calls;
	unsigned fail_from; /* 1-based call that fails first; 0 never */
	int fail_rc;
};

static int sink_fn(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;
	s->calls++;
	if (s->fail_from && s->calls >= s->fail_from)
		return s->fail_rc;
	if (s->len + len + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->len + len + 1)
			cap *= 2;
		char *p = realloc(s->data, cap);
		assert_non_null(p);
		s->data = p;
		s->cap = cap;
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->data[s->len] = '\0';
	return 0;
}

static void sink_reset(struct sink *s)
{
	free(s->data);
	memset(s, 0, sizeof *s);
}

/* Runs a compact script of writer calls: { } [ ] open and close, k a key
 * "k", K a NULL key, s the string "s", n null, i 1, t true, S a NULL string,
 * x an invalid UTF-8 string, f finish is implied at the end. */
static int run_script(const char *script, struct sink *s)
{
	wg_json_out *w = malloc(sizeof *w);
	assert_non_null(w);
	wg_json_init(w, sink_fn, s);
	for (const char *p = script; *p; p++) {
		switch (*p) {
		case '{': wg_json_object_begin(w); break;
		case '}': wg_json_object_end(w); break;
		case '[': wg_json_array_begin(w); break;
		case ']': wg_json_array_end(w); break;
		case 'k': wg_json_key(w, "k"); break;
		case 'K': wg_json_key(w, NULL); break;
		case 's': wg_json_string(w, "s"); break;
		case 'S': wg_json_string(w, NULL); break;
		case 'x': wg_json_string(w, "\xFF"); break;
		case 'n': wg_json_null(w); break;
		case 'i': wg_json_int(w, 1); break;
		case 't': wg_json_bool(w, true); break;
		default: fail_msg("bad script character %c", *p);
		}
	}
	int rc = wg_json_finish(w);
	free(w);
	return rc;
}

struct script_case {
	const char *script;
	int rc;
	const char *out; /* NULL: nothing reaches the sink */
};

static const struct script_case scripts[] = {
	{"{}", 0, "{}"},
	{"[]", 0, "[]"},
	{"i", 0, "1"},
	{"s", 0, "\"s\""},
	{"S", 0, "null"},
	{"{ks}", 0, "{\"k\":\"s\"}"},
	{"{kskikn}", 0, "{\"k\":\"s\",\"k\":1,\"k\":null}"},
	{"[sitnS]", 0, "[\"s\",1,true,null,null]"},
	{"[[][]{}]", 0, "[[],[],{}]"},
	{"{k[]k{}k[{}]}", 0, "{\"k\":[],\"k\":{},\"k\":[{}]}"},
	{"[[[i]]]", 0, "[[[1]]]"},
	{"[x]", WG_EBADREQ, "[\"\xEF\xBF\xBD\"]"},
	{"[xs]", WG_EBADREQ, "[\"\xEF\xBF\xBD\",\"s\"]"},
	/* misuse: nothing more is written, not even what was staged */
	{"", WG_EINTERNAL, NULL},
	{"{i}", WG_EINTERNAL, NULL},
	{"{kk}", WG_EINTERNAL, NULL},
	{"{k}", WG_EINTERNAL, NULL},
	{"{K}", WG_EINTERNAL, NULL},
	{"[k]", WG_EINTERNAL, NULL},
	{"k", WG_EINTERNAL, NULL},
	{"}", WG_EINTERNAL, NULL},
	{"]", WG_EINTERNAL, NULL},
	{"{]", WG_EINTERNAL, NULL},
	{"[}", WG_EINTERNAL, NULL},
	{"ii", WG_EINTERNAL, NULL},
	{"{}{}", WG_EINTERNAL, NULL},
	{"[]]", WG_EINTERNAL, NULL},
	{"{", WG_EINTERNAL, NULL},
	{"[[]", WG_EINTERNAL, NULL},
	{"{ks", WG_EINTERNAL, NULL},
	{"[x{i}]", WG_EINTERNAL, NULL},
	{"[xk]", WG_EINTERNAL, NULL},
};

static void test_scripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		const struct script_case *c = &scripts[i];
		struct sink s = {0};
		int rc = run_script(c->script, &s);
		if (rc != c->rc)
			fail_msg("script '%s': rc %s, want %s", c->script, wg_error_name(rc),
			         wg_error_name(c->rc));
		if (c->out ? s.len != strlen(c->out) || memcmp(s.data, c->out, s.len) != 0 : s.len != 0)
			fail_msg("script '%s': output '%.*s', want '%s'", c->script, (int)s.len,
			         s.data ? s.data : "", c->out ? c->out : "(nothing)");
		sink_reset(&s);
	}
}

/* Renders one value with f and compares the text. */
struct text_case {
	const char *name;
	const char *in;
	size_t in_len;
	const char *out;
	int rc;
};

#define IN(s) (s), sizeof(s) - 1

static const struct text_case strings[] = {
	{"empty", IN(""), "\"\"", 0},
	{"plain", IN("grid 7"), "\"grid 7\"", 0},
	{"quote", IN("a\"b"), "\"a\\\"b\"", 0},
	{"backslash", IN("a\\b"), "\"a\\\\b\"", 0},
	{"short escapes", IN("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"", 0},
	{"nul", IN("a\0b"), "\"a\\u0000b\"", 0},
	{"control 01", IN("\x01"), "\"\\u0001\"", 0},
	{"control 0b", IN("\x0b"), "\"\\u000b\"", 0},
	{"control 1f", IN("\x1f"), "\"\\u001f\"", 0},
	{"space and DEL", IN(" \x7f"), "\" \x7f\"", 0},
	{"slash and script", IN("</script>"), "\"</script>\"", 0},
	{"chinese", IN("\xE7\xBD\x91\xE6\xA0\xBC"), "\"\xE7\xBD\x91\xE6\xA0\xBC\"", 0},
	{"4-byte", IN("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"", 0},
	{"U+2027 kept", IN("\xE2\x80\xA7"), "\"\xE2\x80\xA7\"", 0},
	{"U+2028",
         IN("a\xE2\x80\xA8"
            "b"),
         "\"a\\u2028b\"", 0},
	{"U+2029", IN("\xE2\x80\xA9"), "\"\\u2029\"", 0},
	{"U+202A kept", IN("\xE2\x80\xAA"), "\"\xE2\x80\xAA\"", 0},
	{"overlong C0 80", IN("\xC0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"", WG_EBADREQ},
	{"surrogate", IN("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"", WG_EBADREQ},
	{"truncated at end", IN("ab\xE4\xB8"), "\"ab\xEF\xBF\xBD\"", WG_EBADREQ},
	{"truncated before ascii",
         IN("\xF0\x90\x80"
            "A"),
         "\"\xEF\xBF\xBD"
         "A\"",
         WG_EBADREQ},
	{"lone continuation",
         IN("\x80"
            "x"),
         "\"\xEF\xBF\xBDx\"", WG_EBADREQ},
	{"above U+10FFFF", IN("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"",
         WG_EBADREQ},
	{"truncated E2 before U+2028 check", IN("\xE2\x80"), "\"\xEF\xBF\xBD\"", WG_EBADREQ},
	{"E4 then ASCII",
         IN("\xE4"
            "A"),
         "\"\xEF\xBF\xBD"
         "A\"",
         WG_EBADREQ},
	{"E4 B8 then ASCII",
         IN("\xE4\xB8"
            "A"),
         "\"\xEF\xBF\xBD"
         "A\"",
         WG_EBADREQ},
	{"U+FFFF", IN("\xEF\xBF\xBF"), "\"\xEF\xBF\xBF\"", 0},
	{"U+D7FF", IN("\xED\x9F\xBF"), "\"\xED\x9F\xBF\"", 0},
	{"U+E000", IN("\xEE\x80\x80"), "\"\xEE\x80\x80\"", 0},
	{"U+0800", IN("\xE0\xA0\x80"), "\"\xE0\xA0\x80\"", 0},
	{"overlong E0 9F BF", IN("\xE0\x9F\xBF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"", WG_EBADREQ},
};

static void check_text(const char *name, struct sink *s, int rc, const char *out, int want_rc)
{
	if (rc != want_rc)
		fail_msg("%s: rc %s, want %s", name, wg_error_name(rc), wg_error_name(want_rc));
	if (s->len != strlen(out) || memcmp(s->data, out, s->len) != 0)
		fail_msg("%s: got '%.*s', want '%s'", name, (int)s->len, s->data ? s->data : "", out);
}

static void test_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		const struct text_case *c = &strings[i];
		/* As a value, and as a key whose value is 1. */
		struct sink s = {0};
		wg_json_out w;
		wg_json_init(&w, sink_fn, &s);
		wg_json_string_n(&w, c->in, c->in_len);
		check_text(c->name, &s, wg_json_finish(&w), c->out, c->rc);
		sink_reset(&s);

		char want[128];
		snprintf(want, sizeof want, "{%s:1}", c->out);
		wg_json_init(&w, sink_fn, &s);
		wg_json_object_begin(&w);
		wg_json_key_n(&w, c->in, c->in_len);
		wg_json_int(&w, 1);
		wg_json_object_end(&w);
		check_text(c->name, &s, wg_json_finish(&w), want, c->rc);
		sink_reset(&s);
	}
}

/* Every byte value at every position of a 16-byte string, so that the
 * word-at-a-time scan misses no byte in any lane. A lone byte above 0x7F is
 * always ill-formed. */
static void test_every_byte(void **state)
{
	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		char want[16];
		if (b == '"' || b == '\\')
			snprintf(want, sizeof want, "\\%c", b);
		else if (b == '\b' || b == '\f' || b == '\n' || b == '\r' || b == '\t')
			snprintf(want, sizeof want, "\\%c",
			         "btnfr"[b == '\b'   ? 0
			                 : b == '\t' ? 1
			                 : b == '\n' ? 2
			                 : b == '\f' ? 3
			                             : 4]);
		else if (b < 0x20)
			snprintf(want, sizeof want, "\\u%04x", b);
		else if (b >= 0x80)
			snprintf(want, sizeof want, "\xEF\xBF\xBD");
		else
			snprintf(want, sizeof want, "%c", b);
		for (size_t pos = 0; pos < 16; pos++) {
			char in[16], expect[64];
			memset(in, 'a', sizeof in);
			in[pos] = (char)b;
			snprintf(expect, sizeof expect, "\"%.*s%s%.*s\"", (int)pos, in, want, (int)(15 - pos),
			         in + pos + 1);
			struct sink s = {0};
			wg_json_out w;
			wg_json_init(&w, sink_fn, &s);
			wg_json_string_n(&w, in, sizeof in);
			int rc = wg_json_finish(&w);
			if (rc != (b >= 0x80 ? WG_EBADREQ : 0) || s.len != strlen(expect) ||
			    memcmp(s.data, expect, s.len) != 0)
				fail_msg("byte %02x at %zu: '%.*s', want '%s'", b, pos, (int)s.len, s.data,
				         expect);
			sink_reset(&s);
		}
	}
}

static void test_integers(void **state)
{
	(void)state;
	static const struct {
		int64_t v;
		const char *out;
	} ints[] = {
		{0, "0"},
		{7, "7"},
		{-1, "-1"},
		{10, "10"},
		{-1234567890123, "-1234567890123"},
		{INT64_MAX, "9223372036854775807"},
		{INT64_MIN, "-9223372036854775808"},
	};
	static const struct {
		uint64_t v;
		const char *out;
	} uints[] = {
		{0, "0"},
		{UINT64_C(18446744073709551615), "18446744073709551615"},
		{UINT64_C(9223372036854775808), "9223372036854775808"},
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		struct sink s = {0};
		wg_json_out w;
		wg_json_init(&w, sink_fn, &s);
		wg_json_int(&w, ints[i].v);
		check_text(ints[i].out, &s, wg_json_finish(&w), ints[i].out, 0);
		sink_reset(&s);
	}
	for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) {
		struct sink s = {0};
		wg_json_out w;
		wg_json_init(&w, sink_fn, &s);
		wg_json_uint(&w, uints[i].v);
		check_text(uints[i].out, &s, wg_json_finish(&w), uints[i].out, 0);
		sink_reset(&s);
	}
}

static void test_doubles(void **state)
{
	(void)state;
	static const struct {
		double v;
		const char *out;
	} cases[] = {
		{0.1, "0.1"},
		{0.3, "0.3"},
		{0.1 + 0.2, "0.30000000000000004"},
		{1.0 / 3.0, "0.3333333333333333"},
		{1.0, "1.0"},
		{-1.5, "-1.5"},
		{100.0, "100.0"},
		{0.0, "0.0"},
		{-0.0, "-0.0"},
		{1e15, "1e+15"},
		{1e21, "1e+21"},
		{1e308, "1e+308"},
		{5e-324, "4.94065645841247e-324"},
		{DBL_MAX, "1.7976931348623157e+308"},
		{-DBL_MIN, "-2.2250738585072014e-308"},
		{123456789012345680.0, "1.2345678901234568e+17"},
		{INFINITY, "null"},
		{-INFINITY, "null"},
		{NAN, "null"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sink s = {0};
		wg_json_out w;
		wg_json_init(&w, sink_fn, &s);
		wg_json_double(&w, cases[i].v);
		check_text(cases[i].out, &s, wg_json_finish(&w), cases[i].out, 0);
		sink_reset(&s);
	}
}

static void test_kv_helpers(void **state)
{
	(void)state;
	struct sink s = {0};
	wg_json_out w;
	wg_json_init(&w, sink_fn, &s);
	wg_json_object_begin(&w);
	wg_json_kv_string(&w, "name", "\xE7\xBD\x91\xE6\xA0\xBC");
	wg_json_kv_string(&w, "none", NULL);
	wg_json_kv_int(&w, "n", -42);
	wg_json_kv_bool(&w, "yes", true);
	wg_json_kv_bool(&w, "no", false);
	wg_json_kv_null(&w, "z");
	wg_json_object_end(&w);
	check_text("kv", &s, wg_json_finish(&w),
	           "{\"name\":\"\xE7\xBD\x91\xE6\xA0\xBC\",\"none\":null,\"n\":-42,\"yes\":true,\"no\":false,"
	           "\"z\":null}",
	           0);
	sink_reset(&s);
}

static void test_depth(void **state)
{
	(void)state;
	for (int depth = WG_JSON_MAX_DEPTH; depth <= WG_JSON_MAX_DEPTH + 1; depth++) {
		struct sink s = {0};
		wg_json_out w;
		wg_json_init(&w, sink_fn, &s);
		for (int i = 0; i < depth; i++)
			wg_json_array_begin(&w);
		for (int i = 0; i < depth; i++)
			wg_json_array_end(&w);
		int rc = wg_json_finish(&w);
		if (depth <= WG_JSON_MAX_DEPTH) {
			assert_int_equal(rc, 0);
			assert_int_equal(s.len, 2 * (size_t)depth);
		} else {
			assert_int_equal(rc, WG_EINTERNAL);
			assert_int_equal(s.len, 0);
		}
		sink_reset(&s);
	}
}

/* A failing sink stops the writer: its code is returned, and the sink is
 * not called again. */
static void test_sink_failure(void **state)
{
	(void)state;
	static const struct {
		unsigned fail_from;
		int fail_rc;
		int want;
	} cases[] = {
		{1, WG_EIO, WG_EIO}, {2, WG_ESHUTDOWN, WG_ESHUTDOWN},
		{3, WG_EIO, WG_EIO}, {1, 1, WG_EIO}, /* a positive return is not success */
		{0, 0, 0},
	};
	char big[3000];
	memset(big, 'x', sizeof big);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sink s = {.fail_from = cases[i].fail_from, .fail_rc = cases[i].fail_rc};
		wg_json_out w;
		wg_json_init(&w, sink_fn, &s);
		wg_json_array_begin(&w);
		for (int k = 0; k < 5; k++)
			wg_json_string_n(&w, big, sizeof big);
		wg_json_array_end(&w);
		int rc = wg_json_finish(&w);
		assert_int_equal(rc, cases[i].want);
		if (cases[i].fail_from)
			assert_int_equal(s.calls, cases[i].fail_from);
		else
			assert_int_equal(s.len, 2 + 5 * (sizeof big + 2) + 4);
		sink_reset(&s);
	}
}

/* After misuse nothing more reaches the sink, even output already staged
 * and large values that would bypass the staging buffer. */
static void test_output_stops(void **state)
{
	(void)state;
	char big[10000];
	memset(big, 'y', sizeof big);
	struct sink s = {0};
	wg_json_out w;
	wg_json_init(&w, sink_fn, &s);
	wg_json_array_begin(&w);
	wg_json_string_n(&w, big, sizeof big);
	size_t before = s.len;
	assert_true(before > 0);
	wg_json_string(&w, "staged");
	wg_json_key(&w, "misuse");
	assert_int_equal(w.error, WG_EINTERNAL);
	wg_json_string_n(&w, big, sizeof big);
	wg_json_array_end(&w);
	assert_int_equal(wg_json_finish(&w), WG_EINTERNAL);
	assert_int_equal(s.len, before);
	sink_reset(&s);
}

/* A deterministic generator, so a failure can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* The reference for expected output: a decoder by code-point arithmetic,
 * and tables of every prefix of every well-formed sequence for the maximal
 * subpart, both independent of src/core/utf8.c. */
static unsigned char prefix2[1 << 16];
static unsigned char *prefix3; /* bitmap over 2^24 three-byte prefixes */

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

static int build_prefixes(void **state)
{
	(void)state;
	prefix3 = calloc(1, (1 << 24) / 8);
	if (!prefix3)
		return -1;
	unsigned char b[4];
	for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		size_t n = encode(cp, b);
		if (n >= 3)
			prefix2[b[0] << 8 | b[1]] = 1;
		if (n == 4) {
			uint32_t k = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
			prefix3[k >> 3] |= (unsigned char)(1u << (k & 7));
		}
	}
	return 0;
}

static int free_prefixes(void **state)
{
	(void)state;
	free(prefix3);
	return 0;
}

static size_t ref_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len = c < 0x80             ? 1
	             : (c & 0xE0) == 0xC0 ? 2
	             : (c & 0xF0) == 0xE0 ? 3
	             : (c & 0xF8) == 0xF0 ? 4
	                                  : 0;
	if (len <= 1 || len > n)
		return len == 1;
	uint32_t cp = c & (0xFF >> (len + 1));
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

static size_t ref_subpart(const unsigned char *s, size_t n)
{
	if (n < 2 || !prefix2[s[0] << 8 | s[1]])
		return 1;
	if (n < 3)
		return 2;
	uint32_t k = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
	return prefix3[k >> 3] & (1u << (k & 7)) ? 3 : 2;
}

/* Expected text of a written string: each maximal subpart of an ill-formed
 * sequence becomes U+FFFD. Returns whether any was replaced. */
static bool ref_replace(const unsigned char *s, size_t n, unsigned char *out, size_t *out_len)
{
	size_t o = 0;
	bool replaced = false;
	for (size_t i = 0; i < n;) {
		size_t k = ref_sequence(s + i, n - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i += ref_subpart(s + i, n - i);
			replaced = true;
		}
	}
	*out_len = o;
	return replaced;
}

/* A random byte string built from runs of every class a writer must treat
 * differently. Long strings cross the 4 KiB staging buffer. */
static size_t random_bytes(unsigned char *b, size_t cap)
{
	size_t target = below(8) == 0 ? 4000 + below(9000) : below(40);
	/* A step writes at most 30 bytes beyond target. */
	if (target > cap - 64)
		target = cap - 64;
	size_t n = 0;
	while (n < target) {
		switch (below(7)) {
		case 0: { /* printable ASCII run */
			size_t run = 1 + below(30);
			for (size_t i = 0; i < run && n < target; i++)
				b[n++] = (unsigned char)(' ' + below(95));
			break;
		}
		case 1: { /* something that must be escaped */
			static const unsigned char special[] = {'"', '\\', '/', 0x7F};
			size_t r = below(36);
			b[n++] = r < 32 ? (unsigned char)r : special[r - 32];
			break;
		}
		case 2: { /* any scalar value, U+2028 and U+2029 often */
			uint32_t cp;
			size_t r = below(6);
			if (r == 0)
				cp = 0x2028 + (uint32_t)below(2);
			else if (r == 1)
				cp = 0x80 + (uint32_t)below(0x780);
			else if (r == 2)
				cp = 0x10000 + (uint32_t)below(0x100000);
			else
				cp = 0x800 + (uint32_t)below(0xF800);
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			n += encode(cp, b + n);
			break;
		}
		case 3: /* any byte of the upper half */ b[n++] = (unsigned char)(0x80 + below(0x80)); break;
		case 4: { /* a well-formed sequence cut short */
			unsigned char t[4];
			size_t k = encode(0x80 + (uint32_t)below(0x10FF7F), t);
			size_t cut = k > 1 ? 1 + below(k - 1) : 1;
			memcpy(b + n, t, cut);
			n += cut;
			break;
		}
		case 5: /* a surrogate or an overlong form */
			if (below(2)) {
				b[n++] = 0xED;
				b[n++] = (unsigned char)(0xA0 + below(0x20));
				b[n++] = (unsigned char)(0x80 + below(0x40));
			} else {
				b[n++] = (unsigned char)(0xC0 + below(2));
				b[n++] = (unsigned char)(0x80 + below(0x40));
			}
			break;
		default: /* CJK text, the common case */
			for (size_t i = 0, run = 1 + below(10); i < run; i++)
				n += encode(0x4E00 + (uint32_t)below(0x5200), b + n);
			break;
		}
	}
	return n;
}

enum { MAX_STRING = 16384 };

struct gen {
	wg_json_out *w;
	bool replaced;
	unsigned char raw[MAX_STRING];
	unsigned char want[3 * MAX_STRING];
};

/* Writes a random string as a value and returns what jansson should read. */
static json_t *gen_string(struct gen *g)
{
	size_t n = random_bytes(g->raw, MAX_STRING), m;
	g->replaced |= ref_replace(g->raw, n, g->want, &m);
	wg_json_string_n(g->w, (const char *)g->raw, n);
	json_t *v = json_stringn(m ? (const char *)g->want : "", m);
	assert_non_null(v);
	return v;
}

/* Writes a random key for the i-th member; "#i" after the random part keeps
 * keys unique (replacement never produces '#'). The expected key is left in
 * g->want, its length in *klen. */
static void gen_key(struct gen *g, size_t i, size_t *klen)
{
	size_t n = random_bytes(g->raw, MAX_STRING - 24);
	/* jansson cannot read a NUL in a key; test_strings covers its escape. */
	for (size_t k = 0; k < n; k++)
		g->raw[k] = g->raw[k] ? g->raw[k] : 1;
	n += (size_t)snprintf((char *)g->raw + n, 24, "#%zu", i);
	g->replaced |= ref_replace(g->raw, n, g->want, klen);
	wg_json_key_n(g->w, (const char *)g->raw, n);
}

static double random_double(void)
{
	static const double specials[] = {0.1,  1e308,   5e-324,  -0.0, 0.0,    1.0,
	                                  -1.0, DBL_MAX, DBL_MIN, 1e-7, 123.456};
	if (below(2))
		return specials[below(sizeof specials / sizeof specials[0])];
	for (;;) {
		uint64_t bits = rnd();
		double d;
		memcpy(&d, &bits, sizeof d);
		if (isfinite(d))
			return d;
	}
}

static json_t *gen_value(struct gen *g, int depth)
{
	size_t kind = below(depth < 6 ? 12 : 9);
	switch (kind) {
	case 0:
	case 1: return gen_string(g);
	case 2: {
		static const int64_t edges[] = {INT64_MIN, INT64_MAX, 0, -1, 1};
		int64_t v = below(3) ? (int64_t)rnd() : edges[below(5)];
		wg_json_int(g->w, v);
		return json_integer(v);
	}
	case 3: {
		uint64_t v = rnd() >> 1;
		wg_json_uint(g->w, v);
		return json_integer((json_int_t)v);
	}
	case 4: {
		double d = random_double();
		wg_json_double(g->w, d);
		return json_real(d);
	}
	case 5: {
		static const double odd[] = {INFINITY, -INFINITY, NAN};
		wg_json_double(g->w, odd[below(3)]);
		return json_null();
	}
	case 6: {
		bool b = below(2);
		wg_json_bool(g->w, b);
		return json_boolean(b);
	}
	case 7:
		if (below(2))
			wg_json_null(g->w);
		else
			wg_json_string(g->w, NULL);
		return json_null();
	case 8:
	case 9: {
		json_t *arr = json_array();
		wg_json_array_begin(g->w);
		for (size_t i = 0, n = below(7); i < n; i++)
			json_array_append_new(arr, gen_value(g, depth + 1));
		wg_json_array_end(g->w);
		return arr;
	}
	default: {
		json_t *obj = json_object();
		wg_json_object_begin(g->w);
		for (size_t i = 0, n = below(7); i < n; i++) {
			size_t klen;
			if (below(5) == 0) {
				/* The key/value helpers take NUL-terminated keys. */
				char k[32];
				snprintf(k, sizeof k, "kv#%zu", i);
				json_t *v;
				switch (below(4)) {
				case 0:
					wg_json_kv_string(g->w, k, "v\n");
					v = json_string("v\n");
					break;
				case 1:
					wg_json_kv_int(g->w, k, -7);
					v = json_integer(-7);
					break;
				case 2:
					wg_json_kv_bool(g->w, k, false);
					v = json_false();
					break;
				default:
					wg_json_kv_null(g->w, k);
					v = json_null();
					break;
				}
				json_object_set_new(obj, k, v);
				continue;
			}
			gen_key(g, i, &klen);
			char *key = malloc(klen + 1);
			assert_non_null(key);
			memcpy(key, g->want, klen);
			json_t *v = gen_value(g, depth + 1);
			assert_int_equal(json_object_setn_new(obj, key, klen, v), 0);
			free(key);
		}
		wg_json_object_end(g->w);
		return obj;
	}
	}
}

/* Compares exactly: reals by their bits (so -0.0 differs from 0.0), strings
 * and keys by bytes and length. */
static bool same(const json_t *a, const json_t *b)
{
	/* a and b are never NULL: the caller's fail_msg ends the test first,
	 * which the analyzer cannot see (cmocka does not mark it noreturn).
	 * NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *key;
		size_t klen;
		json_t *v;
		json_object_keylen_foreach((json_t *)a, key, klen, v)
		{
			json_t *o = json_object_getn(b, key, klen);
			if (!o || !same(v, o))
				return false;
		}
		return true;
	}
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_INTEGER: return json_integer_value(a) == json_integer_value(b);
	case JSON_REAL: {
		double x = json_real_value(a), y = json_real_value(b);
		/* By their bits on purpose, so that -0.0 differs from 0.0.
		 * NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
		return memcmp(&x, &y, sizeof x) == 0;
	}
	default: return true;
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	struct gen *g = malloc(sizeof *g);
	wg_json_out *w = malloc(sizeof *w);
	assert_non_null(g);
	assert_non_null(w);
	size_t crossed = 0;
	for (int doc = 0; doc < 3000; doc++) {
		struct sink s = {0};
		wg_json_init(w, sink_fn, &s);
		g->w = w;
		g->replaced = false;
		json_t *want = gen_value(g, 0);
		assert_non_null(want);
		int rc = wg_json_finish(w);
		if (rc != (g->replaced ? WG_EBADREQ : 0))
			fail_msg("document %d: rc %s, replaced %d", doc, wg_error_name(rc), g->replaced);
		json_error_t err;
		json_t *got = json_loadb(s.data, s.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (!got)
			fail_msg("document %d: jansson: %s at %d: %.*s", doc, err.text, err.position,
			         (int)(s.len < 400 ? s.len : 400), s.data);
		if (!same(want, got))
			fail_msg("document %d differs: %.*s", doc, (int)(s.len < 400 ? s.len : 400), s.data);
		crossed += s.calls > 1;
		json_decref(want);
		json_decref(got);
		sink_reset(&s);
	}
	/* The generator must have exercised flushing mid-document. */
	assert_true(crossed > 100);
	free(w);
	free(g);
}

/* Every escape class placed at each offset around the end of the staging
 * buffer, so escapes and multi-byte sequences are split across flushes. */
static void test_buffer_boundary(void **state)
{
	(void)state;
	static const char *const tails[] = {
		"\n", "\x01", "\"", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xE2\x80\xA8", "\xFF", "\xE4\xB8"};
	char *in = malloc((size_t)2 * WG_JSON_BUF_SIZE);
	assert_non_null(in);
	for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
		for (size_t pad = WG_JSON_BUF_SIZE - 12; pad < WG_JSON_BUF_SIZE + 4; pad++) {
			size_t tl = strlen(tails[t]);
			memset(in, 'a', pad);
			memcpy(in + pad, tails[t], tl);
			memcpy(in + pad + tl, "z", 1);
			struct sink s = {0};
			wg_json_out w;
			wg_json_init(&w, sink_fn, &s);
			wg_json_array_begin(&w);
			wg_json_string_n(&w, in, pad + tl + 1);
			wg_json_array_end(&w);
			int rc = wg_json_finish(&w);
			json_error_t err;
			json_t *got = json_loadb(s.data, s.len, JSON_ALLOW_NUL, &err);
			if (!got)
				fail_msg("tail %zu pad %zu: %s", t, pad, err.text);
			unsigned char want[2 * WG_JSON_BUF_SIZE + 16];
			size_t wl;
			bool replaced = ref_replace((const unsigned char *)in, pad + tl + 1, want, &wl);
			assert_int_equal(rc, replaced ? WG_EBADREQ : 0);
			const json_t *str = json_array_get(got, 0);
			assert_int_equal(json_string_length(str), wl);
			assert_memory_equal(json_string_value(str), want, wl);
			json_decref(got);
			sink_reset(&s);
		}
	}
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),         cmocka_unit_test(test_strings),
		cmocka_unit_test(test_every_byte),      cmocka_unit_test(test_integers),
		cmocka_unit_test(test_doubles),         cmocka_unit_test(test_kv_helpers),
		cmocka_unit_test(test_depth),           cmocka_unit_test(test_sink_failure),
		cmocka_unit_test(test_output_stops),    cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_buffer_boundary),
	};
	return cmocka_run_group_tests(tests, build_prefixes, free_prefixes);
}
