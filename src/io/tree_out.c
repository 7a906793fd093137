#include "io/tree_out.h"

#include "core/error.h"
#include "core/utf8.h"

#include <math.h>
#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static void emit(wg_tree_out *t, const char *s, size_t n)
{
	if (t->error || n == 0)
		return;
	int rc = t->sink(t->ctx, s, n);
	if (rc)
		t->error = rc < 0 ? rc : WG_EIO;
}

static void emit_str(wg_tree_out *t, const char *s)
{
	emit(t, s, strlen(s));
}

/* The entity for an ASCII byte XML text cannot carry as it is, or NULL. */
static const char *entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&apos;";
	case '\t':
	case '\n':
	case '\r': return NULL;
	default: return c < 0x20 || c == 0x7f ? replacement : NULL;
	}
}

/* The length of the character at s (1..4), and whether XML 1.0 allows it
 * as it is: not invalid UTF-8 (a maximal invalid subpart counts as one
 * character), U+FFFE or U+FFFF. */
static size_t xml_char(const unsigned char *s, size_t n, bool *allowed)
{
	size_t k = wg_utf8_sequence(s, n);
	*allowed = k != 0 && !(k == 3 && s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf));
	return k ? k : wg_utf8_invalid_length(s, n);
}

static void emit_text(wg_tree_out *t, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), run = 0, i = 0;
	while (i < n) {
		const char *e = NULL;
		bool allowed;
		size_t k;
		if (s[i] < 0x80) {
			e = entity(s[i]);
			allowed = e == NULL;
			k = 1;
		} else {
			k = xml_char(s + i, n - i, &allowed);
		}
		if (!allowed) {
			emit(t, text + run, i - run);
			emit_str(t, e ? e : replacement);
			run = i + k;
		}
		i += k;
	}
	emit(t, text + run, n - run);
}

void wg_tree_init_json(wg_tree_out *t, wg_json_out *w)
{
	*t = (wg_tree_out){.json = w};
}

void wg_tree_init_xml(wg_tree_out *t, wg_json_sink_fn sink, void *ctx)
{
	*t = (wg_tree_out){.sink = sink, .ctx = ctx};
	emit_str(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

static void open_tag(wg_tree_out *t, const char *name)
{
	emit(t, "<", 1);
	emit_str(t, name);
	emit(t, ">", 1);
}

static void close_tag(wg_tree_out *t, const char *name)
{
	emit(t, "</", 2);
	emit_str(t, name);
	emit(t, ">", 1);
}

/* JSON: a value named name begins; the key when inside an object. */
static void json_name(wg_tree_out *t, const char *name)
{
	if (t->depth > 0 && !t->list[t->depth - 1])
		wg_json_key(t->json, name);
}

static void begin(wg_tree_out *t, const char *name, bool list)
{
	if (t->depth == WG_TREE_MAX_DEPTH) {
		t->error = t->error ? t->error : WG_EINTERNAL;
		return;
	}
	if (t->json) {
		json_name(t, name);
		if (list)
			wg_json_array_begin(t->json);
		else
			wg_json_object_begin(t->json);
	} else {
		open_tag(t, name);
	}
	t->name[t->depth] = name;
	t->list[t->depth++] = list;
}

static void end(wg_tree_out *t, bool list)
{
	if (t->depth == 0 || t->list[t->depth - 1] != list) {
		t->error = t->error ? t->error : WG_EINTERNAL;
		return;
	}
	t->depth--;
	if (!t->json)
		close_tag(t, t->name[t->depth]);
	else if (list)
		wg_json_array_end(t->json);
	else
		wg_json_object_end(t->json);
}

void wg_tree_object_begin(wg_tree_out *t, const char *name)
{
	begin(t, name, false);
}

void wg_tree_object_end(wg_tree_out *t)
{
	end(t, false);
}

void wg_tree_list_begin(wg_tree_out *t, const char *name)
{
	begin(t, name, true);
}

void wg_tree_list_end(wg_tree_out *t)
{
	end(t, true);
}

void wg_tree_string(wg_tree_out *t, const char *name, const char *s)
{
	if (t->json) {
		json_name(t, name);
		wg_json_string(t->json, s);
		return;
	}
	if (!s) {
		emit(t, "<", 1);
		emit_str(t, name);
		emit(t, "/>", 2);
		return;
	}
	open_tag(t, name);
	emit_text(t, s);
	close_tag(t, name);
}

/* XML: a number or a boolean as an element. */
static void xml_scalar(wg_tree_out *t, const char *name, const char *text)
{
	open_tag(t, name);
	emit_str(t, text);
	close_tag(t, name);
}

void wg_tree_int(wg_tree_out *t, const char *name, int64_t v)
{
	if (t->json) {
		json_name(t, name);
		wg_json_int(t->json, v);
		return;
	}
	char text[24];
	char *p = text + sizeof text;
	*--p = '\0';
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	xml_scalar(t, name, p);
}

void wg_tree_double(wg_tree_out *t, const char *name, double v)
{
	if (t->json) {
		json_name(t, name);
		wg_json_double(t->json, v);
	} else if (!isfinite(v)) {
		wg_tree_string(t, name, NULL);
	} else {
		char text[WG_JSON_DOUBLE_MAX];
		wg_json_format_double(v, text);
		xml_scalar(t, name, text);
	}
}

void wg_tree_bool(wg_tree_out *t, const char *name, bool v)
{
	if (t->json) {
		json_name(t, name);
		wg_json_bool(t->json, v);
	} else {
		xml_scalar(t, name, v ? "true" : "false");
	}
}

int wg_tree_finish(wg_tree_out *t)
{
	if (!t->error && t->depth != 0)
		t->error = WG_EINTERNAL;
	if (t->json) {
		int rc = wg_json_finish(t->json);
		return t->error ? t->error : rc;
	}
	if (!t->error)
		emit(t, "\n", 1);
	return t->error;
}
