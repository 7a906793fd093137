/* test_sse.c - the pure parts of the event stream: Last-Event-ID values and
 * the text of one event (framing, the data object, what cannot break the
 * framing), also under a failing allocator. The stream itself is driven
 * over HTTP in tests/api/events.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "http/sse.h"

static void test_last_event_id(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		int64_t id;
	} t[] = {
		{"0", true, 0},
		{"7", true, 7},
		{"0042", true, 42},
		{"9223372036854775807", true, INT64_MAX},
		{"9223372036854775808", false, 0},
		{"99999999999999999999", false, 0},
		{"00000000000000000001", false, 0}, /* 20 digits */
		{"", false, 0},
		{"-1", false, 0},
		{"+1", false, 0},
		{" 1", false, 0},
		{"1 ", false, 0},
		{"1.0", false, 0},
		{"0x1f", false, 0},
		{"1e3", false, 0},
		{"１", false, 0}, /* a full-width digit */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t id = -5;
		if (wg_sse_parse_last_event_id(t[i].text, &id) != t[i].ok)
			fail_msg("'%s': expected %s", t[i].text, t[i].ok ? "valid" : "invalid");
		assert_int_equal(id, t[i].ok ? t[i].id : -5);
	}
	int64_t id = -5;
	assert_false(wg_sse_parse_last_event_id(NULL, &id));
	assert_int_equal(id, -5);
}

static void test_event_text(void **state)
{
	(void)state;
	/* 2026-11-24T01:30:00Z */
	const int64_t at = 1795483800000;
	static const struct {
		const char *why;
		wg_notification n;
		int offset;
		const char *want;
	} t[] = {
		{"payload members follow case_id and at",
	         {.id = 42,
	          .kind = "case.reported",
	          .case_id = 7,
	          .payload = "{\"number\":\"SJ1\",\"n\":[1,2]}"},
	         480,
	         "id: 42\nevent: case.reported\ndata: "
	         "{\"case_id\":7,\"at\":\"2026-11-24T09:30:00+08:00\",\"number\":\"SJ1\",\"n\":[1,2]}\n\n"},
		{"no case: null; another offset",
	         {.id = 1, .kind = "case.red", .payload = "{}"},
	         -300,
	         "id: 1\nevent: case.red\ndata: {\"case_id\":null,\"at\":\"2026-11-23T20:30:00-05:00\"}\n\n"},
		{"the row's case_id and at win over the payload's",
	         {.id = 3, .kind = "a", .case_id = 9, .payload = "{\"case_id\":1,\"at\":\"x\",\"t\":\"y\"}"},
	         0,
	         "id: 3\nevent: a\ndata: "
	         "{\"case_id\":9,\"at\":\"2026-11-24T01:30:00Z\",\"t\":\"y\"}\n\n"},
		{"line breaks stay escaped: one data line",
	         {.id = 4, .kind = "k", .payload = "{\"t\":\"a\\nb\\r\\nc\"}"},
	         480,
	         "id: 4\nevent: k\ndata: "
	         "{\"case_id\":null,\"at\":\"2026-11-24T09:30:00+08:00\",\"t\":\"a\\nb\\r\\nc\"}\n\n"},
		{"a payload that is not an object counts as {}",
	         {.id = 5, .kind = "k", .payload = "[1]"},
	         480,
	         "id: 5\nevent: k\ndata: {\"case_id\":null,\"at\":\"2026-11-24T09:30:00+08:00\"}\n\n"},
		{"nor does broken JSON",
	         {.id = 6, .kind = "k", .payload = "{\"t\":"},
	         480,
	         "id: 6\nevent: k\ndata: {\"case_id\":null,\"at\":\"2026-11-24T09:30:00+08:00\"}\n\n"},
		{"a kind that would break the framing is replaced",
	         {.id = 7, .kind = "case\ndata: x", .payload = "{}"},
	         480,
	         "id: 7\nevent: notification\ndata: "
	         "{\"case_id\":null,\"at\":\"2026-11-24T09:30:00+08:00\"}\n\n"},
		{"Chinese text as is",
	         {.id = 8, .kind = "k", .payload = "{\"title\":\"路灯坏了\"}"},
	         480,
	         "id: 8\nevent: k\ndata: "
	         "{\"case_id\":null,\"at\":\"2026-11-24T09:30:00+08:00\",\"title\":\"路灯坏了\"}\n\n"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_notification n = t[i].n;
		n.at = at;
		n.target_kind = "user";
		n.target = "1";
		size_t len = 0;
		char *text = wg_sse_event_text(&n, t[i].offset, &len);
		assert_non_null(text);
		if (strcmp(text, t[i].want) != 0)
			fail_msg("%s:\n got %s\nwant %s", t[i].why, text, t[i].want);
		assert_int_equal(len, strlen(t[i].want));
		wg_free(text);
	}
}

/* Each allocation failing in turn: NULL, nothing leaked (the sanitizer
 * checks), until it succeeds. */
static void test_event_text_out_of_memory(void **state)
{
	(void)state;
	wg_notification n = {.id = 2, .kind = "case.reported", .case_id = 3, .payload = "{\"x\":1}", .at = 1};
	bool done = false;
	for (unsigned long nth = 1; nth < 100 && !done; nth++) {
		size_t len = 0;
		wg_alloc_fail_at(nth);
		char *text = wg_sse_event_text(&n, 480, &len);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		if (text) {
			assert_true(len > 0);
			wg_free(text);
			done = used < nth;
		}
	}
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_event_id),
		cmocka_unit_test(test_event_text),
		cmocka_unit_test(test_event_text_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
