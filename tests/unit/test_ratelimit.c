/* test_ratelimit.c - the sign-in limiter: bursts, refill, independence of
 * keys, eviction under a flood of keys, and threads. Time is passed in. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/ratelimit.h"

#define T0 INT64_C(1764000000000) /* an arbitrary wall-clock time in ms */

/* per_minute attempts at once, then refusal until a token has refilled. */
static void test_burst_then_refused(void **state)
{
	(void)state;
	static const unsigned limits[] = {1, 5, 10, 60, 1000};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		unsigned per_minute = limits[i];
		wg_ratelimit *r = wg_ratelimit_new(per_minute);
		assert_non_null(r);
		int64_t retry = -1;
		for (unsigned k = 0; k < per_minute; k++) {
			if (!wg_ratelimit_allow(r, "203.0.113.7", T0, &retry))
				fail_msg("limit %u: attempt %u refused", per_minute, k + 1);
			assert_int_equal(retry, 0);
		}
		assert_false(wg_ratelimit_allow(r, "203.0.113.7", T0, &retry));
		/* One token takes 60000 / per_minute ms to come back. */
		int64_t want = (60000 + per_minute - 1) / per_minute;
		if (retry != want)
			fail_msg("limit %u: retry after %lld ms, want %lld", per_minute, (long long)retry,
			         (long long)want);
		/* Refused attempts do not cost more. */
		assert_false(wg_ratelimit_allow(r, "203.0.113.7", T0, NULL));
		assert_false(wg_ratelimit_allow(r, "203.0.113.7", T0 + retry - 1, &retry));
		assert_int_equal(retry, 1);
		assert_true(wg_ratelimit_allow(r, "203.0.113.7", T0 + want, &retry));
		assert_false(wg_ratelimit_allow(r, "203.0.113.7", T0 + want, &retry));
		wg_ratelimit_free(r);
	}
}

static void test_refill(void **state)
{
	(void)state;
	wg_ratelimit *r = wg_ratelimit_new(6); /* one attempt every 10 s */
	assert_non_null(r);
	const char *key = "2001:db8::1";
	for (int k = 0; k < 6; k++)
		assert_true(wg_ratelimit_allow(r, key, T0, NULL));
	int64_t retry;
	assert_false(wg_ratelimit_allow(r, key, T0 + 5000, &retry));
	assert_int_equal(retry, 5000);
	assert_true(wg_ratelimit_allow(r, key, T0 + 10000, NULL));
	assert_false(wg_ratelimit_allow(r, key, T0 + 10000, NULL));
	/* 30 s later: three attempts, not more. */
	for (int k = 0; k < 3; k++)
		assert_true(wg_ratelimit_allow(r, key, T0 + 40000, NULL));
	assert_false(wg_ratelimit_allow(r, key, T0 + 40000, NULL));
	/* An hour later: a full bucket, never more than per_minute. */
	for (int k = 0; k < 6; k++)
		assert_true(wg_ratelimit_allow(r, key, T0 + 3600000, NULL));
	assert_false(wg_ratelimit_allow(r, key, T0 + 3600000, &retry));
	assert_int_equal(retry, 10000);
	/* A clock that steps back refills nothing, and the wait counts from
	 * the time already seen. */
	assert_false(wg_ratelimit_allow(r, key, T0, &retry));
	assert_int_equal(retry, 3600000 + 10000);
	wg_ratelimit_free(r);
}

static void test_keys_independent(void **state)
{
	(void)state;
	wg_ratelimit *r = wg_ratelimit_new(3);
	assert_non_null(r);
	for (int k = 0; k < 3; k++)
		assert_true(wg_ratelimit_allow(r, "198.51.100.1", T0, NULL));
	assert_false(wg_ratelimit_allow(r, "198.51.100.1", T0, NULL));
	static const char *others[] = {"198.51.100.2", "198.51.100.10", "198.51.100.1 ", "", "::1"};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		for (int k = 0; k < 3; k++)
			if (!wg_ratelimit_allow(r, others[i], T0, NULL))
				fail_msg("\"%s\" refused at attempt %d", others[i], k + 1);
		assert_false(wg_ratelimit_allow(r, others[i], T0, NULL));
	}
	assert_false(wg_ratelimit_allow(r, "198.51.100.1", T0, NULL));
	wg_ratelimit_free(r);
}

/* 100 000 distinct keys in a table of 4096 slots: every new key gets its
 * full bucket, and a key in active use keeps its state throughout. */
static void test_flood_of_keys(void **state)
{
	(void)state;
	wg_ratelimit *r = wg_ratelimit_new(5);
	assert_non_null(r);
	for (int k = 0; k < 5; k++)
		assert_true(wg_ratelimit_allow(r, "attacker", T0, NULL));
	char key[32];
	for (int i = 0; i < 100000; i++) {
		int64_t now = T0 + i / 1000; /* 1000 keys a millisecond */
		snprintf(key, sizeof key, "10.%d.%d.%d", i >> 16, (i >> 8) & 0xFF, i & 0xFF);
		if (!wg_ratelimit_allow(r, key, now, NULL))
			fail_msg("new key %d refused", i);
		/* The attacker keeps trying every 100 keys and never gets a
		 * fresh bucket, although its slots are shared with the flood. */
		if (i % 100 == 99 && wg_ratelimit_allow(r, "attacker", now, NULL))
			fail_msg("attacker allowed after key %d", i);
	}
	/* The last key of the flood is remembered: 4 of its 5 attempts left. */
	for (int k = 0; k < 4; k++)
		assert_true(wg_ratelimit_allow(r, key, T0 + 100, NULL));
	assert_false(wg_ratelimit_allow(r, key, T0 + 100, NULL));
	wg_ratelimit_free(r);
}

struct worker {
	wg_ratelimit *r;
	int allowed;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 2000; i++)
		if (wg_ratelimit_allow(w->r, "192.0.2.1", T0, NULL))
			w->allowed++;
	return NULL;
}

/* Threads sharing one key get per_minute attempts between them, exactly. */
static void test_threads(void **state)
{
	(void)state;
	wg_ratelimit *r = wg_ratelimit_new(100);
	assert_non_null(r);
	enum { N = 8 };
	struct worker w[N];
	pthread_t t[N];
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){r, 0};
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	int total = 0;
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		total += w[i].allowed;
	}
	assert_int_equal(total, 100);
	wg_ratelimit_free(r);
}

static void test_new(void **state)
{
	(void)state;
	assert_null(wg_ratelimit_new(0));
	wg_alloc_fail_at(1);
	wg_ratelimit *r = wg_ratelimit_new(5);
	wg_alloc_fail_at(0);
	assert_null(r);
	wg_ratelimit_free(NULL);
	/* The largest limit does not overflow the bucket arithmetic. */
	r = wg_ratelimit_new(UINT32_MAX);
	assert_non_null(r);
	for (int k = 0; k < 1000; k++)
		assert_true(wg_ratelimit_allow(r, "k", T0 + (int64_t)k * 59999, NULL));
	wg_ratelimit_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refused),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_keys_independent),
		cmocka_unit_test(test_flood_of_keys),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_new),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
