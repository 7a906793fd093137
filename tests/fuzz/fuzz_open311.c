/* fuzz_open311.c - an Open311 service request's form, as POST
 * /open311/v2/requests reads it (wg_target_parse_query, then
 * wg_open311_read_request), and what the answer writer (io/tree_out.h)
 * makes of the strings read, in XML and in JSON. The input is the form
 * body up to its first NUL.
 *
 * Checked:
 *   - a form read without error has a service code and a point within
 *     -90..90 and -180..180; a refused one has at least one error, each
 *     named by a parameter the reader knows;
 *   - every string read is valid UTF-8 (the decoder refuses the rest);
 *   - a photo link joins the description only as an http(s) URL without
 *     spaces or controls;
 *   - the XML of those strings is well formed as far as text goes: valid
 *     UTF-8, no control characters but tab, LF and CR, no '<' or '>' other
 *     than the tags', every '&' the start of one of XML's five entities;
 *     the JSON is read back by jansson with the same strings. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sys/queue.h>

#include "api/open311.h"
#include "core/utf8.h"
#include "http/target.h"
#include "io/tree_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
	char *data;
	size_t len;
};

static int sink(void *ctx, const char *d, size_t n)
{
	struct buf *b = ctx;
	char *p = realloc(b->data, b->len + n + 1);
	if (!p)
		abort();
	memcpy(p + b->len, d, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return 0;
}

static bool known_param(const char *name)
{
	static const char *const names[] = {"service_code",   "lat",        "long",       "description",
	                                    "media_url",      "phone",      "first_name", "last_name",
	                                    "address_string", "address_id", NULL};
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void check_utf8(const char *s)
{
	if (s && !wg_utf8_valid(s, strlen(s)))
		abort();
}

/* The text between the tags: what the rules above ask of it. */
static void check_xml(const struct buf *b)
{
	const char *body = strchr(b->data, '\n') + 1;
	if (!wg_utf8_valid(body, strlen(body)))
		abort();
	bool in_tag = false;
	for (const char *p = body; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			abort();
		if (c == '<') {
			if (in_tag)
				abort();
			in_tag = true;
		} else if (c == '>') {
			if (!in_tag)
				abort();
			in_tag = false;
		} else if (c == '&') {
			static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
			bool ok = false;
			for (size_t i = 0; i < 5; i++)
				ok = ok || strncmp(p, entities[i], strlen(entities[i])) == 0;
			if (!ok)
				abort();
		}
	}
}

static void write_request(wg_tree_out *t, const wg_open311_request *r)
{
	wg_tree_list_begin(t, "service_requests");
	wg_tree_object_begin(t, "request");
	wg_tree_string(t, "service_code", r->service_code);
	wg_tree_string(t, "description", r->description);
	wg_tree_string(t, "address", r->address);
	wg_tree_string(t, "name", r->name);
	wg_tree_string(t, "phone", r->phone);
	wg_tree_double(t, "lat", r->lat);
	wg_tree_double(t, "long", r->lng);
	wg_tree_object_end(t);
	wg_tree_list_end(t);
}

static void check_json_string(const json_t *obj, const char *key, const char *want)
{
	const json_t *v = json_object_get(obj, key);
	if (want ? strcmp(json_string_value(v) ? json_string_value(v) : "", want) != 0 : !json_is_null(v))
		abort();
}

static void check_output(const wg_open311_request *r)
{
	struct buf xml = {0}, js = {0};
	wg_tree_out t;
	wg_tree_init_xml(&t, sink, &xml);
	write_request(&t, r);
	if (wg_tree_finish(&t) != 0)
		abort();
	check_xml(&xml);
	wg_json_out *w = malloc(sizeof *w);
	if (!w)
		abort();
	wg_json_init(w, sink, &js);
	wg_tree_init_json(&t, w);
	write_request(&t, r);
	if (wg_tree_finish(&t) != 0)
		abort();
	json_t *doc = json_loadb(js.data, js.len, 0, NULL);
	const json_t *req = json_array_get(doc, 0);
	if (!req)
		abort();
	check_json_string(req, "service_code", r->service_code);
	check_json_string(req, "description", r->description);
	check_json_string(req, "name", r->name);
	json_decref(doc);
	free(w);
	free(xml.data);
	free(js.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct evkeyvalq form;
	TAILQ_INIT(&form);
	const char *why = NULL;
	if (wg_target_parse_query(text, &form, &why) != 0) {
		if (!why)
			abort();
		evhttp_clear_headers(&form);
		free(text);
		return 0;
	}
	wg_arena arena;
	wg_arena_init(&arena, 0);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	wg_open311_request r;
	bool ok = wg_open311_read_request(&form, &arena, &r, &fe);
	if (ok != (fe.n == 0))
		abort();
	for (unsigned i = 0; i < fe.n; i++)
		if (!known_param(fe.e[i].field))
			abort();
	if (ok && (!r.service_code || !r.has_location || !(r.lat >= -90 && r.lat <= 90) ||
	           !(r.lng >= -180 && r.lng <= 180)))
		abort();
	check_utf8(r.service_code);
	check_utf8(r.description);
	check_utf8(r.address);
	check_utf8(r.name);
	check_utf8(r.phone);
	const char *photo = r.description ? strstr(r.description, "\n照片：") : NULL;
	const char *sent = evhttp_find_header(&form, "media_url");
	if (ok && photo && sent && *sent && strcmp(photo + strlen("\n照片："), sent) == 0)
		for (const unsigned char *p = (const unsigned char *)sent; *p; p++)
			if (*p <= 0x20 || *p == 0x7f)
				abort();
	check_output(&r);
	evhttp_clear_headers(&form);
	wg_arena_clear(&arena);
	free(text);
	return 0;
}
