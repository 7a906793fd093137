/* fuzz_json_out.c - the JSON writer driven by arbitrary call sequences.
 *
 * Input bytes are read as writer calls with their payloads. Beside the
 * writer runs a shadow that builds the expected document as a jansson tree
 * and predicts misuse. Unless the sink was told to fail, the writer must
 * report exactly the predicted error, and whenever no misuse occurred its
 * output must parse with jansson into the shadow's document. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/json_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t byte(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint64_t word(struct input *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(in);
	return v;
}

/* A payload: a length byte, then that many bytes (fewer at the end of the
 * input); the top bit of the length repeats them 100 times, so that short
 * inputs still produce strings longer than the staging buffer. */
static uint8_t *payload(struct input *in, size_t *n)
{
	uint8_t b = byte(in);
	size_t len = b & 0x7F, reps = b & 0x80 ? 100 : 1;
	if (len > in->left)
		len = in->left;
	uint8_t *s = malloc(len * reps + 1);
	if (!s)
		abort();
	for (size_t r = 0; r < reps; r++)
		memcpy(s + r * len, in->p, len);
	in->p += len;
	in->left -= len;
	*n = len * reps;
	s[*n] = '\0';
	return s;
}

/* The reference UTF-8 repair: each maximal subpart of an ill-formed
 * sequence becomes U+FFFD (decoded by code-point arithmetic, see
 * fuzz_utf8.c). */
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

/* Repaired copy of s (caller frees); sets *bad when anything was replaced. */
static char *repair(const uint8_t *s, size_t n, size_t *out_len, bool *bad)
{
	char *out = malloc(3 * n + 1);
	if (!out)
		abort();
	size_t o = 0;
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
			*bad = true;
		}
	}
	*out_len = o;
	return out;
}

struct shadow {
	json_t *root;
	json_t *stack[WG_JSON_MAX_DEPTH];
	unsigned depth;
	char *key;
	size_t klen;
	bool after_key;
	bool misuse;
	bool bad_utf8;
};

/* Places v (a new reference) where the writer would, or records misuse. */
static void place(struct shadow *sh, json_t *v)
{
	if (!v)
		abort();
	if (sh->misuse) {
		json_decref(v);
		return;
	}
	if (sh->depth == 0) {
		if (sh->root) {
			sh->misuse = true;
			json_decref(v);
			return;
		}
		sh->root = v;
		return;
	}
	json_t *top = sh->stack[sh->depth - 1];
	if (json_is_object(top)) {
		if (!sh->after_key) {
			sh->misuse = true;
			json_decref(v);
			return;
		}
		/* Repeated keys: the last wins, in jansson's reading as here. */
		json_object_setn_new(top, sh->key, sh->klen, v);
		free(sh->key);
		sh->key = NULL;
		sh->after_key = false;
	} else {
		json_array_append_new(top, v);
	}
}

static void open_container(struct shadow *sh, json_t *c)
{
	place(sh, json_incref(c));
	if (!sh->misuse && sh->depth == WG_JSON_MAX_DEPTH)
		sh->misuse = true;
	if (!sh->misuse)
		sh->stack[sh->depth++] = c;
	json_decref(c);
}

static void close_container(struct shadow *sh, bool object)
{
	if (sh->misuse)
		return;
	if (sh->depth == 0 || json_is_object(sh->stack[sh->depth - 1]) != object || sh->after_key) {
		sh->misuse = true;
		return;
	}
	sh->depth--;
}

static void shadow_key(struct shadow *sh, const uint8_t *s, size_t n)
{
	if (sh->misuse)
		return;
	if (!s || sh->depth == 0 || !json_is_object(sh->stack[sh->depth - 1]) || sh->after_key) {
		sh->misuse = true;
		return;
	}
	sh->key = repair(s, n, &sh->klen, &sh->bad_utf8);
	sh->after_key = true;
}

static void shadow_string(struct shadow *sh, const uint8_t *s, size_t n)
{
	if (sh->misuse)
		return;
	size_t m;
	bool bad = false;
	char *r = repair(s, n, &m, &bad);
	json_t *v = json_stringn(r, m);
	free(r);
	place(sh, v);
	/* Invalid UTF-8 in a value that was refused is never written. */
	if (!sh->misuse)
		sh->bad_utf8 |= bad;
}

/* The sink appends to a growing buffer, and fails from call fail_from on
 * (0: never). */
struct sink {
	char *data;
	size_t len, cap;
	unsigned calls, fail_from;
	unsigned long total; /* every call, to see that output stops */
	bool failed;
};

static int sink_fn(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;
	s->total++;
	if (s->failed)
		abort(); /* the writer must stop calling a failed sink */
	if (s->fail_from && ++s->calls >= s->fail_from) {
		s->failed = true;
		return WG_EIO;
	}
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->data = realloc(s->data, s->cap);
		if (!s->data)
			abort();
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	return 0;
}

/* Compares exactly: reals by bits, strings by bytes. */
static bool same(const json_t *a, const json_t *b)
{
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

/* jansson reads neither a NUL in a key nor integers above INT64_MAX; those
 * are covered by the unit tests, so the driver avoids them. */
static void no_nul(uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			s[i] = 1;
}

static void step(wg_json_out *w, struct shadow *sh, struct input *in)
{
	uint8_t op = byte(in) % 17;
	size_t n;
	uint8_t *s;
	switch (op) {
	case 0:
		wg_json_object_begin(w);
		open_container(sh, json_object());
		break;
	case 1:
		wg_json_object_end(w);
		close_container(sh, true);
		break;
	case 2:
		wg_json_array_begin(w);
		open_container(sh, json_array());
		break;
	case 3:
		wg_json_array_end(w);
		close_container(sh, false);
		break;
	case 4:
		s = payload(in, &n);
		no_nul(s, n);
		wg_json_key_n(w, (const char *)s, n);
		shadow_key(sh, s, n);
		free(s);
		break;
	case 5: /* NUL-terminated key, or NULL */
		s = payload(in, &n);
		if (n == 0) {
			wg_json_key(w, NULL);
			shadow_key(sh, NULL, 0);
		} else {
			wg_json_key(w, (const char *)s);
			shadow_key(sh, s, strlen((const char *)s));
		}
		free(s);
		break;
	case 6:
		s = payload(in, &n);
		wg_json_string_n(w, (const char *)s, n);
		shadow_string(sh, s, n);
		free(s);
		break;
	case 7: /* NUL-terminated string, or NULL for null */
		s = payload(in, &n);
		if (n == 0) {
			wg_json_string(w, NULL);
			place(sh, json_null());
		} else {
			wg_json_string(w, (const char *)s);
			shadow_string(sh, s, strlen((const char *)s));
		}
		free(s);
		break;
	case 8: {
		int64_t v = (int64_t)word(in);
		wg_json_int(w, v);
		place(sh, json_integer(v));
		break;
	}
	case 9: {
		uint64_t v = word(in) >> 1;
		wg_json_uint(w, v);
		place(sh, json_integer((json_int_t)v));
		break;
	}
	case 10: {
		uint64_t bits = word(in);
		double d;
		memcpy(&d, &bits, sizeof d);
		wg_json_double(w, d);
		place(sh, isfinite(d) ? json_real(d) : json_null());
		break;
	}
	case 11: {
		bool b = byte(in) & 1;
		wg_json_bool(w, b);
		place(sh, json_boolean(b));
		break;
	}
	case 12:
		wg_json_null(w);
		place(sh, json_null());
		break;
	case 13: {
		s = payload(in, &n);
		no_nul(s, n);
		wg_json_kv_string(w, (const char *)s, "v");
		shadow_key(sh, s, n);
		shadow_string(sh, (const uint8_t *)"v", 1);
		free(s);
		break;
	}
	case 14: {
		s = payload(in, &n);
		no_nul(s, n);
		int64_t v = (int64_t)word(in);
		wg_json_kv_int(w, (const char *)s, v);
		shadow_key(sh, s, n);
		place(sh, json_integer(v));
		free(s);
		break;
	}
	case 15: {
		s = payload(in, &n);
		no_nul(s, n);
		wg_json_kv_bool(w, (const char *)s, true);
		shadow_key(sh, s, n);
		place(sh, json_true());
		free(s);
		break;
	}
	default: {
		s = payload(in, &n);
		no_nul(s, n);
		wg_json_kv_null(w, (const char *)s);
		shadow_key(sh, s, n);
		place(sh, json_null());
		free(s);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t first = byte(&in);
	struct sink sink = {.fail_from = (first & 7) == 7 ? (unsigned)(first >> 3) + 1 : 0};
	struct shadow sh = {0};
	wg_json_out *w = malloc(sizeof *w);
	if (!w)
		abort();
	wg_json_init(w, sink_fn, &sink);
	/* After misuse the sink is never called again, finish included. */
	unsigned long before = 0;
	bool stopped = false;
	while (in.left) {
		step(w, &sh, &in);
		if (stopped && sink.total != before)
			abort();
		stopped = w->error == WG_EINTERNAL;
		before = sink.total;
	}
	int rc = wg_json_finish(w);
	if (stopped && sink.total != before)
		abort();
	if (!sh.misuse && (sh.depth != 0 || !sh.root || sh.after_key))
		sh.misuse = true;

	if (sink.failed) {
		if (rc != WG_EIO && rc != WG_EINTERNAL)
			abort();
	} else {
		int want = sh.misuse ? WG_EINTERNAL : sh.bad_utf8 ? WG_EBADREQ : 0;
		if (rc != want)
			abort();
		if (!sh.misuse) {
			json_error_t err;
			json_t *got = json_loadb(sink.data, sink.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
			if (!got || !same(sh.root, got))
				abort();
			json_decref(got);
		}
	}
	json_decref(sh.root);
	free(sh.key);
	free(sink.data);
	free(w);
	return 0;
}
