/* test_workpool.c - every job runs once and its done follows with fn's
 * result; free drains the queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/workpool.h"

struct job {
	int value;
	atomic_int ran;
	atomic_int done;
	int status;
};

static int run(void *arg)
{
	struct job *j = arg;
	atomic_fetch_add(&j->ran, 1);
	return j->value;
}

static void done(void *arg, int status)
{
	struct job *j = arg;
	j->status = status;
	atomic_fetch_add(&j->done, 1);
}

static void test_all_jobs_once(void **state)
{
	(void)state;
	enum { N = 2000 };
	static struct job jobs[N];
	wg_workpool *p = wg_workpool_new(3);
	assert_non_null(p);
	for (int i = 0; i < N; i++) {
		jobs[i].value = -i;
		assert_int_equal(wg_workpool_submit(p, run, done, &jobs[i]), 0);
	}
	wg_workpool_free(p); /* drains */
	for (int i = 0; i < N; i++) {
		assert_int_equal(atomic_load(&jobs[i].ran), 1);
		assert_int_equal(atomic_load(&jobs[i].done), 1);
		assert_int_equal(jobs[i].status, -i);
	}
}

static void test_zero_threads_means_one(void **state)
{
	(void)state;
	struct job j = {.value = 7};
	wg_workpool *p = wg_workpool_new(0);
	assert_non_null(p);
	assert_int_equal(wg_workpool_submit(p, run, done, &j), 0);
	wg_workpool_free(p);
	assert_int_equal(j.status, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_jobs_once),
		cmocka_unit_test(test_zero_threads_means_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
