/* test_text.c - UTF-8 and GBK/GB18030 import text: real GBK bytes, the byte
 * order mark, damaged and mixed input, the line named in errors, and the
 * failing allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/text.h"

struct text_case {
	const char *name;
	const char *in;
	size_t len;
	int rc;
	const char *encoding; /* on success */
	const char *out;      /* on success */
	size_t outlen;
	const char *err; /* on failure */
};

#define B(s) (s), sizeof(s) - 1
#define OUT(s) (s), sizeof(s) - 1

/* GBK bytes written out: 中文 D6D0 CEC4, 姓名 D0D5 C3FB, 身份证号 C9ED B7DD
 * D6A4 BAC5, 电话 B5E7 BBB0, 张三 D5C5 C8FD, 联通 C1AA CDA8, 眉县 C3BC CFD8;
 * GB18030 four-byte: U+1F600 9439FC36, U+20000 95328236. */
static const struct text_case cases[] = {
	{"empty", NULL, 0, 0, "utf-8", OUT(""), NULL},
	{"ascii", B("name,phone\r\nzhang,138\r\n"), 0, "utf-8", OUT("name,phone\r\nzhang,138\r\n"), NULL},
	{"utf-8", B("姓名,电话\n张三,13812345678\n"), 0, "utf-8", OUT("姓名,电话\n张三,13812345678\n"), NULL},
	{"utf-8 with bom", B("\xEF\xBB\xBF姓名,电话\n"), 0, "utf-8", OUT("姓名,电话\n"), NULL},
	{"bom only", B("\xEF\xBB\xBF"), 0, "utf-8", OUT(""), NULL},
	{"bom not at start", B("a\xEF\xBB\xBF"), 0, "utf-8", OUT("a\xEF\xBB\xBF"), NULL},
	{"nul inside", B("a\0b"), 0, "utf-8", OUT("a\0b"), NULL},
	/* Valid UTF-8 wins even where the bytes are GBK too (C3A9 is GBK 茅). */
	{"utf-8 and gbk", B("\xC3\xA9"), 0, "utf-8", OUT("é"), NULL},
	{"gbk", B("\xD6\xD0\xCE\xC4"), 0, "gb18030", OUT("中文"), NULL},
	{"gbk csv",
         B("\xD0\xD5\xC3\xFB,\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5,\xB5\xE7\xBB\xB0\r\n"
           "\xD5\xC5\xC8\xFD,610326199001011233,13812345678\r\n"),
         0, "gb18030", OUT("姓名,身份证号,电话\r\n张三,610326199001011233,13812345678\r\n"), NULL},
	/* C1 is never UTF-8, so the classic Notepad trap is no trap here. */
	{"gbk lian tong", B("\xC1\xAA\xCD\xA8"), 0, "gb18030", OUT("联通"), NULL},
	{"gb18030 four-byte", B("\xC3\xBC\xCF\xD8\x94\x39\xFC\x36\x95\x32\x82\x36"), 0, "gb18030",
         OUT("眉县\xF0\x9F\x98\x80\xF0\xA0\x80\x80"), NULL},
	{"gbk then ascii", B("\xD6\xD0x"), 0, "gb18030", OUT("中x"), NULL},
	/* Two bytes for a character beyond the BMP (U+241FE): 4 UTF-8 bytes. */
	{"gb18030 two-byte supplementary", B("\xFE\x91\xFE\x51"), 0, "gb18030",
         OUT("\xF0\xA4\x87\xBE\xF0\xA0\x82\x87"), NULL},
	/* failures */
	{"bad byte in gbk", B("\xD6\xD0\xCE\xC4\nabc\n\xFF\n"), WG_EVALIDATION, NULL, NULL, 0,
         "line 3: bytes are neither UTF-8 nor GBK"},
	{"gbk cut short", B("\xD6\xD0\n\xCE"), WG_EVALIDATION, NULL, NULL, 0,
         "line 2: bytes are neither UTF-8 nor GBK"},
	{"lone 0x80", B("abc\n\x80"), WG_EVALIDATION, NULL, NULL, 0,
         "line 2: bytes are neither UTF-8 nor GBK"},
	{"gbk bad trail", B("\xD6\x7F"), WG_EVALIDATION, NULL, NULL, 0,
         "line 1: bytes are neither UTF-8 nor GBK"},
	/* UTF-8 gets further than GB18030 (which fails at the 0A after AD). */
	{"utf-8 further", B("\xE4\xB8\xAD\nabc\n\xFF\n"), WG_EVALIDATION, NULL, NULL, 0,
         "line 3: bytes are neither UTF-8 nor GBK"},
	{"utf-16", B("\xFF\xFE\x61\x00"), WG_EVALIDATION, NULL, NULL, 0,
         "line 1: bytes are neither UTF-8 nor GBK"},
	{"bom then bad", B("\xEF\xBB\xBF\xE4\xB8\xAD\n\n\xD6\xD0"), WG_EVALIDATION, NULL, NULL, 0,
         "line 3: bytes are not UTF-8 although the file starts with a UTF-8 byte order mark"},
	/* 16 two-character UTF-8 names on 8 lines (6 bytes each, so GB18030
	 * would pair them up into mojibake), then a damaged character. */
	{"damaged utf-8",
         B("张三,李四\n王五,赵六\n孙七,周八\n吴九,郑十\n"
           "张三,李四\n王五,赵六\n孙七,周八\n吴九,郑十\n"
           "\xE5\xBC\n"),
         WG_EVALIDATION, NULL, NULL, 0, "line 9: bytes are not UTF-8, though the text before them is"},
};

/* Each input is copied into a heap block of exactly its size, so that
 * AddressSanitizer reports any read past the end. */
static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct text_case *c = &cases[i];
		char *copy = NULL;
		if (c->in) {
			copy = malloc(c->len ? c->len : 1);
			assert_non_null(copy);
			memcpy(copy, c->in, c->len);
		}
		char *out = (char *)"unset";
		size_t outlen = 99;
		const char *encoding = "unset";
		char err[160] = "unset";
		int rc = wg_text_to_utf8(copy, c->len, &out, &outlen, &encoding, err, sizeof err);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc, err);
		if (rc == 0) {
			assert_string_equal(encoding, c->encoding);
			if (outlen != c->outlen || memcmp(out, c->out, outlen) != 0)
				fail_msg("%s: output differs (%zu bytes, want %zu)", c->name, outlen,
				         c->outlen);
			assert_int_equal(out[outlen], '\0');
			assert_string_equal(err, "");
			wg_free(out);
		} else {
			assert_null(out);
			assert_int_equal(outlen, 0);
			assert_null(encoding);
			if (strcmp(err, c->err) != 0)
				fail_msg("%s: err \"%s\", want \"%s\"", c->name, err, c->err);
		}
		free(copy);
	}
}

/* The output buffer is sized for the worst case: the two-byte codes of
 * characters beyond the BMP (FE51 ... FE91), 4 UTF-8 bytes for 2; common
 * hanzi take 3 for 2. A large mixed file round-trips too. */
static void test_sizes(void **state)
{
	(void)state;
	static const struct {
		const char *gb, *utf8;
		size_t utf8len;
	} chars[] = {{"\xD6\xD0", "中", 3}, {"\xFE\x91", "\xF0\xA4\x87\xBE", 4}};
	for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
		for (size_t n = 1; n <= 300; n++) {
			size_t len = 2 * n + n % 2;
			char *in = malloc(len);
			assert_non_null(in);
			for (size_t i = 0; i < n; i++)
				memcpy(in + 2 * i, chars[c].gb, 2);
			if (n % 2)
				in[len - 1] = 'x';
			char *out;
			size_t outlen;
			const char *enc;
			assert_int_equal(wg_text_to_utf8(in, len, &out, &outlen, &enc, NULL, 0), 0);
			assert_string_equal(enc, "gb18030");
			size_t w = chars[c].utf8len;
			assert_int_equal(outlen, w * n + n % 2);
			for (size_t i = 0; i < n; i++)
				assert_memory_equal(out + w * i, chars[c].utf8, w);
			wg_free(out);
			free(in);
		}
	}
	static const char row[] = "\xD5\xC5\xC8\xFD,610326199001011233,13812345678,\x94\x39\xFC\x36\r\n";
	static const char want[] = "张三,610326199001011233,13812345678,\xF0\x9F\x98\x80\r\n";
	size_t rows = 20000, rl = sizeof row - 1, wl = sizeof want - 1;
	char *in = malloc(rows * rl);
	assert_non_null(in);
	for (size_t i = 0; i < rows; i++)
		memcpy(in + i * rl, row, rl);
	char *out;
	size_t outlen;
	const char *enc;
	assert_int_equal(wg_text_to_utf8(in, rows * rl, &out, &outlen, &enc, NULL, 0), 0);
	assert_int_equal(outlen, rows * wl);
	for (size_t i = 0; i < rows; i++)
		assert_memory_equal(out + i * wl, want, wl);
	wg_free(out);
	/* A bad byte in the last row is reported on that row's line. */
	in[rows * rl - 3] = (char)0xFF;
	char err[80];
	assert_int_equal(wg_text_to_utf8(in, rows * rl, &out, &outlen, &enc, err, sizeof err),
	                 WG_EVALIDATION);
	assert_string_equal(err, "line 20000: bytes are neither UTF-8 nor GBK");
	free(in);
}

/* A short err buffer is truncated, never overrun. */
static void test_err_buffer(void **state)
{
	(void)state;
	char *out;
	size_t outlen;
	const char *enc;
	char err[8];
	memset(err, '#', sizeof err);
	assert_int_equal(wg_text_to_utf8("\xFF", 1, &out, &outlen, &enc, err, 5), WG_EVALIDATION);
	assert_string_equal(err, "line");
	assert_int_equal(err[5], '#');
	assert_int_equal(wg_text_to_utf8("\xFF", 1, &out, &outlen, &enc, err, 0), WG_EVALIDATION);
	assert_int_equal(err[5], '#');
}

/* Every allocation fails in turn: WG_ENOMEM with nothing returned, and no
 * leak (AddressSanitizer's leak check), on both paths. */
static void test_failing_allocator(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;
	} inputs[] = {
		{B("姓名,电话\n")},
		{B("\xEF\xBB\xBF姓名\n")},
		{B("\xD6\xD0\xCE\xC4\n")},
		{NULL, 0},
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		int failures = 0, rc;
		for (unsigned long n = 1;; n++) {
			char *out = (char *)"unset";
			size_t outlen = 99;
			const char *enc = "unset";
			wg_alloc_fail_at(n);
			rc = wg_text_to_utf8(inputs[i].in, inputs[i].len, &out, &outlen, &enc, NULL, 0);
			wg_alloc_fail_at(0);
			if (rc != WG_ENOMEM) {
				assert_int_equal(rc, 0);
				assert_non_null(enc);
				wg_free(out);
				break;
			}
			assert_null(out);
			assert_null(enc);
			assert_int_equal(outlen, 0);
			failures++;
			assert_true(n < 10);
		}
		assert_int_equal(failures, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_failing_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
