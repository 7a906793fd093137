/* test_password.c - argon2id hashing at the policy floor, and the
 * complexity policy. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/password.h"

#define FLOOR_M WG_PASSWORD_MIN_MEMORY_KIB
#define FLOOR_T WG_PASSWORD_MIN_PASSES

static void hash_ok(const char *password, long long m, long long t, char out[WG_PASSWORD_HASH_MAX])
{
	int rc = wg_password_hash(password, m, t, out);
	if (rc != 0)
		fail_msg("hash(m=%lld, t=%lld): %s", m, t, wg_error_name(rc));
}

static void test_round_trip(void **state)
{
	(void)state;
	static const char *passwords[] = {"Correct horse 1!", "网格员Zhang2024", "", "x"};
	for (size_t i = 0; i < sizeof passwords / sizeof passwords[0]; i++) {
		char h[WG_PASSWORD_HASH_MAX];
		hash_ok(passwords[i], FLOOR_M, FLOOR_T, h);
		if (!wg_password_verify(h, passwords[i]))
			fail_msg("\"%s\" does not verify against its own hash", passwords[i]);
	}
}

static void test_wrong_password(void **state)
{
	(void)state;
	char h[WG_PASSWORD_HASH_MAX];
	hash_ok("Correct horse 1!", FLOOR_M, FLOOR_T, h);
	static const char *wrong[] = {"correct horse 1!", "Correct horse 1", "Correct horse 1! ", "", "C"};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
		if (wg_password_verify(h, wrong[i]))
			fail_msg("\"%s\" accepted", wrong[i]);
	assert_false(wg_password_verify(h, NULL));
	assert_false(wg_password_verify(NULL, "Correct horse 1!"));
}

/* A fresh salt each time: equal passwords do not give equal hashes. */
static void test_salted(void **state)
{
	(void)state;
	char a[WG_PASSWORD_HASH_MAX], b[WG_PASSWORD_HASH_MAX];
	hash_ok("same password", FLOOR_M, FLOOR_T, a);
	hash_ok("same password", FLOOR_M, FLOOR_T, b);
	assert_string_not_equal(a, b);
	assert_true(wg_password_verify(a, "same password"));
	assert_true(wg_password_verify(b, "same password"));
}

/* The stored string names argon2id and the cost it was made with. */
static void test_parameters_in_string(void **state)
{
	(void)state;
	static const struct {
		long long m, t;
		const char *prefix;
	} cases[] = {
		{FLOOR_M, FLOOR_T, "$argon2id$v=19$m=19456,t=2,p=1$"},
		{20480, 3, "$argon2id$v=19$m=20480,t=3,p=1$"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char h[WG_PASSWORD_HASH_MAX];
		hash_ok("pw", cases[i].m, cases[i].t, h);
		if (strncmp(h, cases[i].prefix, strlen(cases[i].prefix)) != 0)
			fail_msg("hash %s, want prefix %s", h, cases[i].prefix);
		assert_true(wg_password_verify(h, "pw"));
		assert_false(wg_password_needs_rehash(h, cases[i].m, cases[i].t));
		assert_true(wg_password_needs_rehash(h, cases[i].m + 1024, cases[i].t));
		assert_true(wg_password_needs_rehash(h, cases[i].m, cases[i].t + 1));
	}
	assert_true(wg_password_needs_rehash("not a hash", FLOOR_M, FLOOR_T));
	assert_true(wg_password_needs_rehash(NULL, FLOOR_M, FLOOR_T));
}

/* Never weaker than the floor, never beyond what libsodium takes. */
static void test_refused_below_floor(void **state)
{
	(void)state;
	static const long long cost[][2] = {
		{FLOOR_M - 1, FLOOR_T}, {FLOOR_M, FLOOR_T - 1}, {0, 0}, {-1, 2}, {FLOOR_M, -5}, {8192, 3},
		{1LL << 60, 2},         {FLOOR_M, 1LL << 40},
	};
	for (size_t i = 0; i < sizeof cost / sizeof cost[0]; i++) {
		char h[WG_PASSWORD_HASH_MAX];
		memset(h, 'x', sizeof h);
		int rc = wg_password_hash("pw", cost[i][0], cost[i][1], h);
		if (rc != WG_EVALIDATION)
			fail_msg("m=%lld t=%lld: %s", cost[i][0], cost[i][1], wg_error_name(rc));
		assert_string_equal(h, "");
		assert_true(wg_password_needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		                                     cost[i][0], cost[i][1]));
	}
	char h[WG_PASSWORD_HASH_MAX];
	assert_int_equal(wg_password_hash(NULL, FLOOR_M, FLOOR_T, h), WG_EVALIDATION);
}

static void test_malformed_hash(void **state)
{
	(void)state;
	char good[WG_PASSWORD_HASH_MAX];
	hash_ok("pw", FLOOR_M, FLOOR_T, good);
	char changed[WG_PASSWORD_HASH_MAX];
	memcpy(changed, good, sizeof good);
	size_t last = strlen(changed) - 2;
	changed[last] = changed[last] == 'A' ? 'B' : 'A';
	char cut[WG_PASSWORD_HASH_MAX];
	memcpy(cut, good, sizeof good);
	cut[strlen(cut) / 2] = '\0';
	char overlong[WG_PASSWORD_HASH_MAX + 10];
	memset(overlong, 'A', sizeof overlong - 1);
	overlong[sizeof overlong - 1] = '\0';
	memcpy(overlong, good, strlen(good));
	const char *bad[] = {
		"",      "pw", "$argon2id$", "$argon2id$v=19$m=19456,t=2,p=1$",
		changed, cut,  overlong,     "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (wg_password_verify(bad[i], "pw"))
			fail_msg("malformed hash %zu accepted", i);
}

static void *dummy_thread(void *arg)
{
	wg_password_dummy_verify(arg);
	return NULL;
}

/* The dummy hash is made once even when threads race for it. */
static void test_dummy_verify(void **state)
{
	(void)state;
	pthread_t t[4];
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, dummy_thread, "guess"), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	wg_password_dummy_verify("");
	wg_password_dummy_verify(NULL);
	wg_password_dummy_verify("wangge dummy password");
}

#define MIX2 "must mix at least 2 of: lower-case letters, upper-case letters, digits, other characters"
#define MIX3 "must mix at least 3 of: lower-case letters, upper-case letters, digits, other characters"
#define MIX4 "must mix at least 4 of: lower-case letters, upper-case letters, digits, other characters"

static void test_policy(void **state)
{
	(void)state;
	static const struct {
		const char *password;
		long long min_length, min_classes;
		const char *want; /* NULL: accepted */
	} cases[] = {
		{"Abcdef1!", 8, 3, NULL},
		{"Abcde1!", 8, 3, "must be at least 8 characters long"},
		{"", 8, 3, "must be at least 8 characters long"},
		{"abcdefgh", 8, 3, MIX3},
		{"abcdefg1", 8, 3, MIX3},
		{"abcdefG1", 8, 3, NULL},
		{"abcdefg1", 8, 2, NULL},
		{"ABCDEFGH", 8, 1, NULL},
		{"12345678", 8, 2, MIX2},
		/* Length in code points: 8 characters, 20 bytes; CJK is "other". */
		{"密码密码密码Ab", 8, 3, NULL},
		/* 5 characters, 9 bytes: too short although 9 bytes >= 8. */
		{"密码Ab1", 8, 3, "must be at least 8 characters long"},
		{"密码密码密码密码", 8, 2, MIX2},
		{"密码密码密码密码", 8, 1, NULL},
		{"网格员zhang1", 8, 3, NULL},
		/* A space and punctuation are "other". */
		{"abcdefg ", 8, 2, NULL},
		{"abcdefg-", 8, 2, NULL},
		{"Abcdefgh1 !x", 12, 4, NULL},
		{"Abcdefghij1x", 12, 4, MIX4},
		{"Abcdefgh1 !", 12, 4, "must be at least 12 characters long"},
		{"x", 1, 0, NULL},
		{"", 1, 0, "must be at least 1 character long"},
		{"", 0, 0, NULL},
		/* More than four classes asked counts as four. */
		{"Abcdef1!", 8, 5, NULL},
		{"Abcdef12", 8, 5, MIX4},
		{"abc\xFF\xFE"
	         "defgh",
	         8, 1, "must be valid UTF-8 text"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got =
			wg_password_policy(cases[i].password, cases[i].min_length, cases[i].min_classes);
		if (!cases[i].want && got)
			fail_msg("case %zu \"%s\": refused: %s", i, cases[i].password, got);
		if (cases[i].want && (!got || strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu \"%s\": %s, want %s", i, cases[i].password, got ? got : "accepted",
			         cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_salted),
		cmocka_unit_test(test_parameters_in_string),
		cmocka_unit_test(test_refused_below_floor),
		cmocka_unit_test(test_malformed_hash),
		cmocka_unit_test(test_dummy_verify),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
