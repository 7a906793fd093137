/* json_out.h - the streaming JSON writer every response goes through.
 *
 * Values are appended to a small staging buffer that is flushed to a sink
 * (for HTTP, the response evbuffer), so a list of rows never becomes a tree
 * in memory. Commas and nesting are tracked by the writer. Strings are
 * escaped per RFC 8259 and validated as UTF-8: each invalid byte sequence is
 * written as U+FFFD (one per maximal subpart) and recorded as WG_EBADREQ, so
 * output is always valid JSON; U+2028 and U+2029 are escaped too. Integers
 * are exact (int64, uint64); doubles use the first of %.15g, %.16g, %.17g
 * that reads back as the same value, with ".0" added to whole numbers so
 * that they read back as reals; non-finite doubles are written as null.
 *
 * Misuse (a value where a key is needed, unbalanced end, nesting deeper than
 * WG_JSON_MAX_DEPTH, a NULL key, a second top-level value) sets the error
 * WG_EINTERNAL and stops output, as does a failing sink with its own code:
 * nothing more reaches the sink, not even what was staged. WG_EBADREQ does
 * not stop output, and a stopping error replaces it.
 *
 * The writer holds no memory of its own; the caller owns the struct (about
 * 4 KiB: put it in the request's arena, not on a small stack). */
#ifndef WG_CORE_JSON_OUT_H
#define WG_CORE_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_JSON_MAX_DEPTH 64
#define WG_JSON_BUF_SIZE 4096

/* Receives output; returns 0, or a negative WG_E code that stops the writer
 * (a positive value counts as WG_EIO). */
typedef int (*wg_json_sink_fn)(void *ctx, const char *data, size_t len);

typedef struct wg_json_out {
	wg_json_sink_fn sink;
	void *ctx;
	int error;                             /* 0, WG_EBADREQ, or what stopped output */
	unsigned depth;                        /* open containers */
	bool need_comma;                       /* a value was written at this level */
	bool after_key;                        /* a key was written, its value is due */
	unsigned char kind[WG_JSON_MAX_DEPTH]; /* 'o' object or 'a' array per level */
	size_t len;
	char buf[WG_JSON_BUF_SIZE];
} wg_json_out;

/* Start a document written to sink(ctx, ...); sink must not be NULL. */
void wg_json_init(wg_json_out *w, wg_json_sink_fn sink, void *ctx);

void wg_json_object_begin(wg_json_out *w);
void wg_json_object_end(wg_json_out *w);
void wg_json_array_begin(wg_json_out *w);
void wg_json_array_end(wg_json_out *w);

/* An object key; s need not be NUL-terminated for the _n form. */
void wg_json_key(wg_json_out *w, const char *s);
void wg_json_key_n(wg_json_out *w, const char *s, size_t n);

/* Values. wg_json_string with s == NULL writes null. */
void wg_json_string(wg_json_out *w, const char *s);
void wg_json_string_n(wg_json_out *w, const char *s, size_t n);
void wg_json_int(wg_json_out *w, int64_t v);
void wg_json_uint(wg_json_out *w, uint64_t v);
void wg_json_double(wg_json_out *w, double v);
void wg_json_bool(wg_json_out *w, bool v);
void wg_json_null(wg_json_out *w);

/* A value already serialised as JSON, written verbatim. Only for text this
 * program produced or validated (for example a JSON column checked on the
 * way in): nothing is escaped or checked here. */
void wg_json_raw(wg_json_out *w, const char *json);

/* The text wg_json_double writes for a finite v, NUL-terminated in out;
 * returns its length. For other formats that want the same numbers
 * (io/tree_out.h). */
#define WG_JSON_DOUBLE_MAX 40
size_t wg_json_format_double(double v, char out[WG_JSON_DOUBLE_MAX]);

/* Key followed by a value, the common case in handlers. */
void wg_json_kv_string(wg_json_out *w, const char *key, const char *s);
void wg_json_kv_int(wg_json_out *w, const char *key, int64_t v);
void wg_json_kv_bool(wg_json_out *w, const char *key, bool v);
void wg_json_kv_null(wg_json_out *w, const char *key);

/* Flush the staging buffer to the sink. Returns 0, WG_EBADREQ (invalid
 * UTF-8 was replaced), WG_EINTERNAL (misuse; also a document left unbalanced
 * or with no value at all) or the sink's error. */
int wg_json_finish(wg_json_out *w);

#endif
