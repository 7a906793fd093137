/* test_csv.c - the RFC 4180 reader: records, line numbers, errors, and the
 * failing allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/csv.h"

/* Records are rendered as "<line>[field][field]..." one after another, so a
 * whole parse compares as one string. */
struct collect {
	char out[4096];
	size_t len;
	unsigned records;
	unsigned stop_at; /* return stop_rc from this record on (1-based); 0 never */
	int stop_rc;
};

static void add(struct collect *c, const char *s, size_t n)
{
	assert_true(c->len + n < sizeof c->out);
	/* cppcheck-suppress uninitvar ; record() passes num with its length from the
	 * snprintf that fills it: the call's arguments are all evaluated first. */
	memcpy(c->out + c->len, s, n);
	c->len += n;
	c->out[c->len] = '\0';
}

static int record(void *ctx, unsigned line, const wg_csv_field *fields, size_t nfields)
{
	struct collect *c = ctx;
	char num[16];
	add(c, num, (size_t)snprintf(num, sizeof num, "%u", line));
	for (size_t i = 0; i < nfields; i++) {
		/* Every field is a NUL-terminated copy. */
		assert_int_equal(fields[i].s[fields[i].n], '\0');
		add(c, "[", 1);
		add(c, fields[i].s, fields[i].n);
		add(c, "]", 1);
	}
	c->records++;
	return c->stop_at && c->records >= c->stop_at ? c->stop_rc : 0;
}

struct csv_case {
	const char *name;
	const char *in;
	size_t len;
	int rc;
	const char *out;
	const char *err;
};

#define IN(s) (s), sizeof(s) - 1

static char many_fields[2 * (WG_CSV_MAX_FIELDS + 1) + 1];
static char too_many_fields[2 * (WG_CSV_MAX_FIELDS + 1) + 8];

static const struct csv_case cases[] = {
	{"empty", IN(""), 0, "", ""},
	{"one record", IN("a,b,c\n"), 0, "1[a][b][c]", ""},
	{"no final newline", IN("a,b,c"), 0, "1[a][b][c]", ""},
	{"CRLF", IN("a,b\r\nc,d\r\n"), 0, "1[a][b]2[c][d]", ""},
	{"quoted comma", IN("\"a,b\",c\n"), 0, "1[a,b][c]", ""},
	{"doubled quotes", IN("\"a \"\"b\"\", c\"\n"), 0, "1[a \"b\", c]", ""},
	{"only a doubled quote", IN("\"\"\"\"\n"), 0, "1[\"]", ""},
	{"quoted empty", IN("\"\",x\n"), 0, "1[][x]", ""},
	{"embedded LF", IN("\"x\ny\",z\nnext\n"), 0, "1[x\ny][z]3[next]", ""},
	{"embedded CRLF", IN("\"x\r\ny\r\n\"\r\nq\r\n"), 0, "1[x\r\ny\r\n]4[q]", ""},
	{"BOM",
         IN("\xEF\xBB\xBF"
            "a,b\n"),
         0, "1[a][b]", ""},
	{"BOM only", IN("\xEF\xBB\xBF"), 0, "", ""},
	{"BOM then quote", IN("\xEF\xBB\xBF\"a\"\n"), 0, "1[a]", ""},
	{"BOM later is data",
         IN("a\n\xEF\xBB\xBF"
            "b\n"),
         0,
         "1[a]2[\xEF\xBB\xBF"
         "b]",
         ""},
	{"blank lines", IN("\n\na\n\r\n\nb\n\n"), 0, "3[a]6[b]", ""},
	{"empty fields", IN(",,\n"), 0, "1[][][]", ""},
	{"trailing comma", IN("a,\n"), 0, "1[a][]", ""},
	{"trailing comma at end", IN("a,"), 0, "1[a][]", ""},
	{"spaces kept", IN(" a , b \n"), 0, "1[ a ][ b ]", ""},
	{"whitespace line is a record", IN(" \n"), 0, "1[ ]", ""},
	{"bare CR is data", IN("a\rb\n"), 0, "1[a\rb]", ""},
	{"CR at the end", IN("a\r"), 0, "1[a]", ""},
	{"quoted then CR at the end", IN("\"a\"\r"), 0, "1[a]", ""},
	{"UTF-8", IN("\xE4\xB8\xAD\xE6\x96\x87,ok\n"), 0, "1[\xE4\xB8\xAD\xE6\x96\x87][ok]", ""},
	{"unterminated quote", IN("a\n\"bc\nd"), WG_EBADREQ, "1[a]", "line 2: unterminated quoted field"},
	{"unterminated after doubled", IN("\"a\"\""), WG_EBADREQ, "", "line 1: unterminated quoted field"},
	{"text after closing quote", IN("\"a\"b\n"), WG_EBADREQ, "", "line 1: text after a closing quote"},
	{"space after closing quote", IN("ok\n\"a\" ,b\n"), WG_EBADREQ, "1[ok]",
         "line 2: text after a closing quote"},
	{"CR then text after quote", IN("\"a\"\rb\n"), WG_EBADREQ, "", "line 1: text after a closing quote"},
	{"text after quote after newline", IN("\"a\nb\"x\n"), WG_EBADREQ, "",
         "line 2: text after a closing quote"},
	{"quote inside field", IN("a\"b\n"), WG_EBADREQ, "", "line 1: quote inside an unquoted field"},
	{"invalid UTF-8", IN("ok\nx\xC0\x80\n"), WG_EBADREQ, "1[ok]", "line 2: invalid UTF-8"},
	{"invalid UTF-8 in quotes", IN("\"a\nb\xFF\"\n"), WG_EBADREQ, "", "line 2: invalid UTF-8"},
	{"truncated UTF-8 at end", IN("a,\xE4\xB8"), WG_EBADREQ, "", "line 1: invalid UTF-8"},
	{"surrogate", IN("\xED\xA0\x80\n"), WG_EBADREQ, "", "line 1: invalid UTF-8"},
};

static void run_case(const struct csv_case *c, const char *in, size_t len)
{
	struct collect col = {0};
	char err[128] = "untouched";
	int rc = wg_csv_parse(in, len, record, &col, err, sizeof err);
	if (rc != c->rc)
		fail_msg("%s: rc %d (%s), want %d", c->name, rc, err, c->rc);
	if (strcmp(col.out, c->out) != 0)
		fail_msg("%s: records '%s', want '%s'", c->name, col.out, c->out);
	if (strcmp(err, c->err) != 0)
		fail_msg("%s: err '%s', want '%s'", c->name, err, c->err);
}

/* Input is copied to a heap block of exactly its length, so reading past
 * the end is caught by AddressSanitizer. */
static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *copy = malloc(cases[i].len ? cases[i].len : 1);
		assert_non_null(copy);
		memcpy(copy, cases[i].in, cases[i].len);
		run_case(&cases[i], copy, cases[i].len);
		free(copy);
	}
}

static void test_field_limit(void **state)
{
	(void)state;
	/* WG_CSV_MAX_FIELDS single-letter fields, then one more. */
	size_t n = 0;
	char want[4 * WG_CSV_MAX_FIELDS + 8] = "1";
	for (int i = 0; i < WG_CSV_MAX_FIELDS; i++) {
		n += (size_t)snprintf(many_fields + n, sizeof many_fields - n, i ? ",%c" : "%c",
		                      'a' + i % 26);
		char f[4] = {'[', (char)('a' + i % 26), ']', '\0'};
		memcpy(want + strlen(want), f, 4);
	}
	memcpy(too_many_fields, "ok\n", 3);
	memcpy(too_many_fields + 3, many_fields, n);
	memcpy(too_many_fields + 3 + n, ",z\n", 4);
	const struct csv_case at_limit = {"64 fields", many_fields, n, 0, want, ""};
	run_case(&at_limit, many_fields, n);
	char msg[64];
	snprintf(msg, sizeof msg, "line 2: more than %d fields", WG_CSV_MAX_FIELDS);
	const struct csv_case over = {"65 fields", too_many_fields, n + 5, WG_EBADREQ, "1[ok]", msg};
	run_case(&over, too_many_fields, n + 5);
}

/* The callback's non-zero value stops parsing and is returned as is. */
static void test_callback_stop(void **state)
{
	(void)state;
	static const struct {
		unsigned stop_at;
		int stop_rc;
		unsigned records;
	} stops[] = {{1, 7, 1}, {2, -5, 2}, {3, 1, 3}, {0, 0, 4}};
	const char in[] = "a\nb\nc\nd\n";
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		struct collect col = {.stop_at = stops[i].stop_at, .stop_rc = stops[i].stop_rc};
		int rc = wg_csv_parse(in, sizeof in - 1, record, &col, NULL, 0);
		assert_int_equal(rc, stops[i].stop_rc);
		assert_int_equal(col.records, stops[i].records);
	}
}

/* err may be NULL or tiny; the message is cut, never overrun. */
static void test_err_buffer(void **state)
{
	(void)state;
	struct collect col = {0};
	assert_int_equal(wg_csv_parse("\"x", 2, record, &col, NULL, 0), WG_EBADREQ);
	char small[8];
	memset(small, 'Q', sizeof small);
	assert_int_equal(wg_csv_parse("\"x", 2, record, &col, small, sizeof small), WG_EBADREQ);
	assert_string_equal(small, "line 1:");
}

static int count_record(void *ctx, unsigned line, const wg_csv_field *fields, size_t nfields)
{
	size_t *longest = ctx;
	(void)line;
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].n > *longest)
			*longest = fields[i].n;
	return 0;
}

/* Every allocation the reader makes is failed in turn: each run returns
 * WG_ENOMEM cleanly (LeakSanitizer checks nothing is kept) until one
 * succeeds with the full result. */
static void test_failing_allocator(void **state)
{
	(void)state;
	/* A long quoted field of many doubled quotes is copied in short
	 * pieces, so the scratch buffer grows several times within it. */
	enum { PAIRS = 3000 };
	size_t len = 11 + 4 * PAIRS + 6, field = (size_t)3 * PAIRS;
	char *in = malloc(len);
	assert_non_null(in);
	memcpy(in, "id,name\n1,\"", 11);
	for (size_t i = 0; i < PAIRS; i++)
		memcpy(in + 11 + 4 * i, "ab\"\"", 4);
	memcpy(in + len - 6, "\"\n2,y\n", 6);
	unsigned long failures = 0;
	int rc;
	for (unsigned long n = 1;; n++) {
		size_t longest = 0;
		wg_alloc_fail_at(n);
		rc = wg_csv_parse(in, len, count_record, &longest, NULL, 0);
		wg_alloc_fail_at(0);
		if (rc != WG_ENOMEM) {
			assert_int_equal(longest, field);
			break;
		}
		failures++;
		assert_true(n < 100);
	}
	assert_int_equal(rc, 0);
	/* The first buffer and at least two enlargements were failed. */
	assert_true(failures >= 3);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_failing_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
