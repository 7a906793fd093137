/* test_tree_out.c - one description written as JSON and as XML: exact
 * output of both, XML's escaping and replacements, misuse and a failing
 * sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <cmocka.h>

#include "core/error.h"
#include "io/tree_out.h"

struct sink {
	char data[4096];
	size_t len;
	unsigned calls, fail_from; /* 1-based call that fails first; 0: never */
};

static int sink_fn(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;
	if (s->fail_from && ++s->calls >= s->fail_from)
		return WG_ENOMEM;
	assert_true(s->len + len < sizeof s->data);
	memcpy(s->data + s->len, data, len);
	s->len += len;
	s->data[s->len] = '\0';
	return 0;
}

/* Writers of both formats over one sink each. */
struct both {
	struct sink js, xs;
	wg_json_out json;
	wg_tree_out j, x;
};

/* Both writers started on b (static storage: the struct is large). */
static struct both *both_new(void)
{
	static struct both both;
	struct both *b = &both;
	memset(b, 0, sizeof *b);
	wg_json_init(&b->json, sink_fn, &b->js);
	wg_tree_init_json(&b->j, &b->json);
	wg_tree_init_xml(&b->x, sink_fn, &b->xs);
	return b;
}

/* A GeoReport services list with a value of every kind. */
static void services(wg_tree_out *t)
{
	wg_tree_list_begin(t, "services");
	wg_tree_object_begin(t, "service");
	wg_tree_string(t, "service_code", "0301");
	wg_tree_string(t, "service_name", "垃圾堆积");
	wg_tree_bool(t, "metadata", false);
	wg_tree_int(t, "order", -12);
	wg_tree_double(t, "lat", 34.25);
	wg_tree_string(t, "group", NULL);
	wg_tree_list_begin(t, "formats");
	wg_tree_string(t, "format", "text/xml");
	wg_tree_string(t, "format", "application/json");
	wg_tree_list_end(t);
	wg_tree_object_end(t);
	wg_tree_list_end(t);
}

static void test_both_formats(void **state)
{
	(void)state;
	struct both *b = both_new();
	services(&b->j);
	services(&b->x);
	assert_int_equal(wg_tree_finish(&b->j), 0);
	assert_int_equal(wg_tree_finish(&b->x), 0);
	assert_string_equal(b->js.data,
	                    "[{\"service_code\":\"0301\",\"service_name\":\"垃圾堆积\",\"metadata\":false,"
	                    "\"order\":-12,\"lat\":34.25,\"group\":null,"
	                    "\"formats\":[\"text/xml\",\"application/json\"]}]");
	assert_string_equal(b->xs.data,
	                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                    "<services><service><service_code>0301</service_code>"
	                    "<service_name>垃圾堆积</service_name><metadata>false</metadata>"
	                    "<order>-12</order><lat>34.25</lat><group/>"
	                    "<formats><format>text/xml</format><format>application/json</format></formats>"
	                    "</service></services>\n");
}

static void test_numbers(void **state)
{
	(void)state;
	struct both *b = both_new();
	for (wg_tree_out *t = &b->j; t; t = t == &b->j ? &b->x : NULL) {
		wg_tree_object_begin(t, "n");
		wg_tree_int(t, "min", INT64_MIN);
		wg_tree_int(t, "zero", 0);
		wg_tree_double(t, "whole", 2);
		wg_tree_double(t, "nan", NAN);
		wg_tree_double(t, "inf", INFINITY);
		wg_tree_bool(t, "yes", true);
		wg_tree_object_end(t);
		assert_int_equal(wg_tree_finish(t), 0);
	}
	assert_string_equal(b->js.data, "{\"min\":-9223372036854775808,\"zero\":0,\"whole\":2.0,\"nan\":null,"
	                                "\"inf\":null,\"yes\":true}");
	const char *body = strchr(b->xs.data, '\n');
	assert_non_null(body);
	assert_string_equal(body + 1,
	                    "<n><min>-9223372036854775808</min><zero>0</zero><whole>2.0</whole><nan/><inf/>"
	                    "<yes>true</yes></n>\n");
}

/* XML text of one string value s. */
static const char *xml_text(struct sink *s, const char *value)
{
	memset(s, 0, sizeof *s);
	wg_tree_out t;
	wg_tree_init_xml(&t, sink_fn, s);
	wg_tree_string(&t, "v", value);
	assert_int_equal(wg_tree_finish(&t), 0);
	char *open = strstr(s->data, "<v>");
	assert_non_null(open);
	char *close = strstr(s->data, "</v>");
	assert_non_null(close);
	*close = '\0';
	return open + 3;
}

static void test_xml_escaping(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f"},
		{"line\none\ttab\rcr", "line\none\ttab\rcr"},
		{"\x01x\x1f\x7f", "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd"},
		{"bad\xff byte", "bad\xef\xbf\xbd byte"},
		{"cut \xe4\xb8", "cut \xef\xbf\xbd"},
		{"not a char \xef\xbf\xbe\xef\xbf\xbf", "not a char \xef\xbf\xbd\xef\xbf\xbd"},
		{"中文 ok \xf0\x9f\x98\x80", "中文 ok \xf0\x9f\x98\x80"},
		{"", ""},
		{"&&", "&amp;&amp;"},
	};
	struct sink s;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(xml_text(&s, cases[i].in), cases[i].out);
}

static void test_misuse(void **state)
{
	(void)state;
	struct sink s = {0};
	wg_tree_out t;
	wg_tree_init_xml(&t, sink_fn, &s);
	wg_tree_object_end(&t);
	assert_int_equal(wg_tree_finish(&t), WG_EINTERNAL);

	wg_tree_init_xml(&t, sink_fn, &s);
	wg_tree_list_begin(&t, "a");
	wg_tree_object_end(&t); /* a list ended as an object */
	assert_int_equal(wg_tree_finish(&t), WG_EINTERNAL);

	wg_tree_init_xml(&t, sink_fn, &s);
	wg_tree_object_begin(&t, "open");
	assert_int_equal(wg_tree_finish(&t), WG_EINTERNAL);

	wg_tree_init_xml(&t, sink_fn, &s);
	for (int i = 0; i <= WG_TREE_MAX_DEPTH; i++)
		wg_tree_list_begin(&t, "deep");
	assert_int_equal(wg_tree_finish(&t), WG_EINTERNAL);

	struct both *b = both_new();
	wg_tree_list_end(&b->j);
	assert_int_equal(wg_tree_finish(&b->j), WG_EINTERNAL);
}

static void test_failing_sink(void **state)
{
	(void)state;
	struct sink s = {.fail_from = 3};
	wg_tree_out t;
	wg_tree_init_xml(&t, sink_fn, &s);
	services(&t);
	assert_int_equal(wg_tree_finish(&t), WG_ENOMEM);
	assert_int_equal(s.calls, 3); /* nothing tried after the failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_formats), cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_xml_escaping), cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_failing_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
