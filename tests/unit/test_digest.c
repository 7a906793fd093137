/* test_digest.c - SHA-256 and SM3 against published vectors, fed whole and
 * in parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/digest.h"
#include "core/error.h"

struct vector {
	const char *alg;
	const char *input;
	const char *hex;
};

/* SHA-256: FIPS 180-4 examples (NIST CSRC). SM3: GB/T 32905-2016 appendix A
 * ("abc" and "abcd" x 16); the empty string as OpenSSL and GmSSL give it. */
static const struct vector vectors[] = {
	{"sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"sha256", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{"sm3", "", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"},
	{"sm3", "abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
	{"sm3", "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd",
         "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
};

static void one_shot(const char *alg, const void *data, size_t n, char hex[WG_DIGEST_HEX_MAX])
{
	wg_digest *d = wg_digest_begin(alg);
	assert_non_null(d);
	wg_digest_update(d, data, n);
	assert_int_equal(wg_digest_end(d, hex), 0);
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		char hex[WG_DIGEST_HEX_MAX];
		one_shot(v->alg, v->input, strlen(v->input), hex);
		if (strcmp(hex, v->hex) != 0)
			fail_msg("%s(\"%s\") = %s, want %s", v->alg, v->input, hex, v->hex);
	}
}

/* Every split of every vector into two parts, and byte by byte, hashes as
 * the whole does. */
static void test_parts_equal_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		size_t n = strlen(v->input);
		char hex[WG_DIGEST_HEX_MAX];
		for (size_t cut = 0; cut <= n; cut++) {
			wg_digest *d = wg_digest_begin(v->alg);
			assert_non_null(d);
			wg_digest_update(d, v->input, cut);
			wg_digest_update(d, v->input + cut, n - cut);
			assert_int_equal(wg_digest_end(d, hex), 0);
			if (strcmp(hex, v->hex) != 0)
				fail_msg("%s \"%s\" cut at %zu: %s", v->alg, v->input, cut, hex);
		}
		wg_digest *d = wg_digest_begin(v->alg);
		assert_non_null(d);
		for (size_t k = 0; k < n; k++)
			wg_digest_update(d, v->input + k, 1);
		assert_int_equal(wg_digest_end(d, hex), 0);
		assert_string_equal(hex, v->hex);
	}
}

/* FIPS 180-4's long message: a million 'a', in uneven parts. */
static void test_million_a(void **state)
{
	(void)state;
	static char block[1000];
	memset(block, 'a', sizeof block);
	wg_digest *d = wg_digest_begin("sha256");
	assert_non_null(d);
	size_t left = 1000000, step = 1;
	while (left > 0) {
		size_t k = step < left ? step : left;
		wg_digest_update(d, block, k);
		left -= k;
		step = step % 997 + 1;
	}
	char hex[WG_DIGEST_HEX_MAX];
	assert_int_equal(wg_digest_end(d, hex), 0);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_names(void **state)
{
	(void)state;
	assert_true(wg_digest_known("sha256"));
	assert_true(wg_digest_known("sm3"));
	static const char *unknown[] = {"", "SHA256", "sha-256", "md5", "sha1", "sm3 ", "blake2b512"};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		if (wg_digest_known(unknown[i]))
			fail_msg("\"%s\" known", unknown[i]);
		if (wg_digest_begin(unknown[i]) != NULL)
			fail_msg("\"%s\" begun", unknown[i]);
	}
	assert_false(wg_digest_known(NULL));
	assert_null(wg_digest_begin(NULL));
}

/* When the allocator fails, begin returns NULL (and ASan sees no leak). */
static void test_out_of_memory(void **state)
{
	(void)state;
	wg_alloc_fail_at(1);
	wg_digest *d = wg_digest_begin("sm3");
	wg_alloc_fail_at(0);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),       cmocka_unit_test(test_parts_equal_whole),
		cmocka_unit_test(test_million_a),     cmocka_unit_test(test_names),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
