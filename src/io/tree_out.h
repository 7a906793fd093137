/* tree_out.h - one document of named values, written as JSON or as XML.
 *
 * Open311 (api/open311.c) answers every request in either format from one
 * description of the answer. Every value has a name: inside an object the
 * name is the JSON key, inside a list it is dropped; in XML every value is
 * an element of that name. So
 *
 *     list("services") { object("service") { string("service_code", "0101") } }
 *
 * is  [{"service_code":"0101"}]  or
 *     <?xml version="1.0" encoding="UTF-8"?>
 *     <services><service><service_code>0101</service_code></service></services>
 *
 * A NULL string is JSON null and an empty element in XML; numbers are
 * written as core/json_out.h writes them in both. XML text is escaped
 * (& < > and both quotes), and what XML 1.0 cannot carry at all (control
 * characters other than tab, LF and CR; invalid UTF-8) becomes U+FFFD, as
 * the JSON writer does for invalid UTF-8. Names are the caller's literals:
 * they are written as they are and must be valid XML names.
 *
 * Misuse (an end without its begin, nesting deeper than WG_TREE_MAX_DEPTH)
 * stops the output with WG_EINTERNAL, as a failing sink stops it with its
 * code; wg_tree_finish returns it. */
#ifndef WG_IO_TREE_OUT_H
#define WG_IO_TREE_OUT_H

#include "core/json_out.h"

#include <stdbool.h>
#include <stdint.h>

#define WG_TREE_MAX_DEPTH 16

typedef struct wg_tree_out {
	wg_json_out *json;    /* the JSON writer; NULL when writing XML */
	wg_json_sink_fn sink; /* XML: where the text goes */
	void *ctx;
	int error;
	unsigned depth;
	const char *name[WG_TREE_MAX_DEPTH]; /* open elements, for XML's end tags */
	bool list[WG_TREE_MAX_DEPTH];        /* whether each open value is a list */
} wg_tree_out;

/* Write JSON through w (started, nothing written yet). */
void wg_tree_init_json(wg_tree_out *t, wg_json_out *w);

/* Write XML, the declaration first, to sink(ctx, ...). */
void wg_tree_init_xml(wg_tree_out *t, wg_json_sink_fn sink, void *ctx);

void wg_tree_object_begin(wg_tree_out *t, const char *name);
void wg_tree_object_end(wg_tree_out *t);
void wg_tree_list_begin(wg_tree_out *t, const char *name);
void wg_tree_list_end(wg_tree_out *t);

void wg_tree_string(wg_tree_out *t, const char *name, const char *s);
void wg_tree_int(wg_tree_out *t, const char *name, int64_t v);
void wg_tree_double(wg_tree_out *t, const char *name, double v); /* not finite: null */
void wg_tree_bool(wg_tree_out *t, const char *name, bool v);

/* The end of the document. Returns 0, WG_EINTERNAL (misuse, or values
 * left open), the sink's error, or for JSON what wg_json_finish returns. */
int wg_tree_finish(wg_tree_out *t);

#endif
