/* test_scheduler.c - the due-time scheduler with a fake job over an array
 * (and one over a table), on a real store: SQLite and, when WG_TEST_PG_URL
 * is set, PostgreSQL. The clock is fixed and moved by the tests; waits poll
 * for a state with a generous timeout and never assert how fast it came. */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "jobs/scheduler.h"
#include "store/store.h"

#include "fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* The fixed time the tests start at (2026-11-24T09:30:00+08:00). */
#define T INT64_C(1795483800000)

/* How long a wait may take before the test fails: far beyond what any of
 * them needs, and shorter than the scheduler's 60-second safety re-check,
 * so that a wake that only the re-check would bring fails the test. */
#define WAIT_US INT64_C(30000000)

/* ---- the fake job ------------------------------------------------------- */

#define MAX_ITEMS 1200

struct item {
	int64_t due;      /* 0: never */
	int fail_left;    /* fires that fail before one succeeds */
	bool stays_due;   /* a successful fire leaves due as it was */
	int64_t then_due; /* what a successful fire sets due to (0: never again) */
	bool gate;        /* the fire waits until the gate opens */
	int attempts;
	int fired;
	int64_t fired_at; /* now of the last successful fire */
};

static struct fake {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	size_t n; /* ids are 1..n-1 */
	struct item items[MAX_ITEMS];
	int64_t order[MAX_ITEMS]; /* ids in the order their fires succeeded */
	size_t norder;
	int fires_total;
	size_t min_asked, max_asked; /* the max the scheduler passed to due */
	bool gate_open;
	int gate_waiting;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void fake_reset(size_t n)
{
	pthread_mutex_lock(&fake.lock);
	memset(fake.items, 0, sizeof fake.items);
	fake.n = n + 1;
	fake.norder = 0;
	fake.fires_total = 0;
	fake.min_asked = SIZE_MAX;
	fake.max_asked = 0;
	fake.gate_open = true;
	fake.gate_waiting = 0;
	pthread_mutex_unlock(&fake.lock);
}

static int fake_next_due(wg_db *db, void *ctx, int64_t *when)
{
	(void)db, (void)ctx;
	pthread_mutex_lock(&fake.lock);
	int64_t min = 0;
	for (size_t i = 1; i < fake.n; i++)
		if (fake.items[i].due && (!min || fake.items[i].due < min))
			min = fake.items[i].due;
	pthread_mutex_unlock(&fake.lock);
	*when = min;
	return 0;
}

static int by_due_then_id(const void *a, const void *b)
{
	const struct item *ia = &fake.items[*(const int64_t *)a], *ib = &fake.items[*(const int64_t *)b];
	if (ia->due != ib->due)
		return ia->due < ib->due ? -1 : 1;
	return *(const int64_t *)a < *(const int64_t *)b ? -1 : 1;
}

static int fake_due(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	(void)db, (void)ctx;
	static int64_t all[MAX_ITEMS];
	pthread_mutex_lock(&fake.lock);
	size_t k = 0;
	for (size_t i = 1; i < fake.n; i++)
		if (fake.items[i].due && fake.items[i].due <= now)
			all[k++] = (int64_t)i;
	qsort(all, k, sizeof all[0], by_due_then_id);
	*n = k < max ? k : max;
	memcpy(ids, all, *n * sizeof *ids);
	if (max < fake.min_asked)
		fake.min_asked = max;
	if (max > fake.max_asked)
		fake.max_asked = max;
	pthread_mutex_unlock(&fake.lock);
	return 0;
}

static int fake_fire(wg_db *db, void *ctx, int64_t id, int64_t now)
{
	(void)db, (void)ctx;
	pthread_mutex_lock(&fake.lock);
	struct item *it = &fake.items[id];
	if (it->gate) {
		fake.gate_waiting++;
		pthread_cond_broadcast(&fake.changed);
		while (!fake.gate_open)
			pthread_cond_wait(&fake.changed, &fake.lock);
	}
	it->attempts++;
	int rc = 0;
	if (it->fail_left > 0) {
		it->fail_left--;
		rc = WG_ECONFLICT;
	} else {
		if (!it->stays_due) {
			it->due = it->then_due;
			it->then_due = 0;
		}
		it->fired++;
		it->fired_at = now;
		fake.order[fake.norder++] = id;
		fake.fires_total++;
	}
	pthread_cond_broadcast(&fake.changed);
	pthread_mutex_unlock(&fake.lock);
	return rc;
}

static const wg_scheduler_job fake_job = {
	.name = "fake", .next_due = fake_next_due, .due = fake_due, .fire = fake_fire};

/* With fake.lock held: wait for a change, at most a short while. */
static void fake_wait_slice(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&fake.changed, &fake.lock, &ts);
}

/* Wait until expr (read under fake.lock) holds; fail after WAIT_US. */
#define WAIT_FOR(expr)                                                             \
	do {                                                                       \
		int64_t deadline_ = wg_clock_mono_us() + WAIT_US;                  \
		pthread_mutex_lock(&fake.lock);                                    \
		while (!(expr) && wg_clock_mono_us() < deadline_)                  \
			fake_wait_slice();                                         \
		bool ok_ = (expr);                                                 \
		pthread_mutex_unlock(&fake.lock);                                  \
		if (!ok_)                                                          \
			fail_msg("%d: timed out waiting for %s", __LINE__, #expr); \
	} while (0)

static int item_attempts(int64_t id)
{
	pthread_mutex_lock(&fake.lock);
	int n = fake.items[id].attempts;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

static int item_fired(int64_t id)
{
	pthread_mutex_lock(&fake.lock);
	int n = fake.items[id].fired;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

/* ---- the scheduler's state ---------------------------------------------- */

/* Wait until the scheduler has finished more than `after` passes and
 * chosen what to sleep until; returns its statistics then. */
static wg_scheduler_stats wait_asleep(wg_scheduler *s, unsigned long long after)
{
	int64_t deadline = wg_clock_mono_us() + WAIT_US;
	wg_scheduler_stats st;
	for (;;) {
		wg_scheduler_get_stats(s, &st);
		if (st.passes > after && st.next_run_ms != 0)
			return st;
		if (wg_clock_mono_us() > deadline)
			fail_msg("the scheduler did not finish pass %llu", after + 1);
		nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	}
}

/* Move the fixed clock to now, hint, and wait for the pass that follows. */
static wg_scheduler_stats move_to(wg_scheduler *s, int64_t now)
{
	wg_scheduler_stats st;
	wg_scheduler_get_stats(s, &st);
	wg_clock_set_ms(now);
	wg_scheduler_hint(s, now);
	return wait_asleep(s, st.passes);
}

/* ---- fixture ------------------------------------------------------------ */

static wg_store *open_store(void **state)
{
	wg_test_db *f = wg_test_of(state);
	wg_store_options opt = {
		.url = f->url, .busy_timeout_ms = 5000, .pool = 2, .batch_max = 64, .readers = 1};
	wg_store *store = NULL;
	char err[256] = "";
	int rc = wg_store_open(&opt, &store, err, sizeof err);
	if (rc)
		print_error("open %s: %s\n", f->url, err);
	assert_int_equal(rc, 0);
	return store;
}

static wg_scheduler *start(wg_store *store, const wg_scheduler_job *job)
{
	wg_scheduler *s = NULL;
	assert_int_equal(wg_scheduler_start(store, job, &s), 0);
	assert_non_null(s);
	return s;
}

static void finish(wg_scheduler *s, wg_store *store)
{
	wg_scheduler_stop(s);
	wg_store_close(store);
	wg_clock_set_ms(0);
}

/* ---- tests -------------------------------------------------------------- */

static void test_fires_when_due(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(2);
	fake.items[1].due = T + 1000;
	fake.items[2].due = T + 2000;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);

	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.next_run_ms, T + 1000);
	assert_int_equal(st.last_run_ms, T);
	assert_int_equal(item_attempts(1) + item_attempts(2), 0);

	/* A millisecond early: looked, nothing fired. */
	st = move_to(s, T + 999);
	assert_int_equal(st.next_run_ms, T + 1000);
	assert_int_equal(item_attempts(1) + item_attempts(2), 0);

	st = move_to(s, T + 1000);
	assert_int_equal(item_fired(1), 1);
	assert_int_equal(fake.items[1].fired_at, T + 1000);
	assert_int_equal(item_attempts(2), 0);
	assert_int_equal(st.next_run_ms, T + 2000);
	assert_int_equal(st.fired, 1);

	/* Both past due at once: the one left fires, nothing fires twice. */
	st = move_to(s, T + 5000);
	assert_int_equal(item_fired(2), 1);
	assert_int_equal(fake.items[2].fired_at, T + 5000);
	assert_int_equal(st.next_run_ms, T + 5000 + WG_SCHEDULER_RECHECK_MS);
	st = move_to(s, T + 6000);
	assert_int_equal(item_attempts(1), 1);
	assert_int_equal(item_attempts(2), 1);
	assert_int_equal(st.fired, 2);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.backed_off, 0);
	finish(s, store);
}

/* A fire that moves the item's due time on: the scheduler sleeps until the
 * new time and fires it again then. */
static void test_fire_reschedules(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(1);
	fake.items[1].due = T;
	fake.items[1].then_due = T + 7000;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	WAIT_FOR(fake.items[1].fired == 1);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.next_run_ms, T + 7000);
	st = move_to(s, T + 7000);
	assert_int_equal(item_fired(1), 2);
	assert_int_equal(st.next_run_ms, T + 7000 + WG_SCHEDULER_RECHECK_MS);
	finish(s, store);
}

static void test_hint_wakes_early(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(3);
	fake.items[1].due = T + 600000;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);

	/* Ten minutes away: the safety re-check comes first. */
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RECHECK_MS);

	/* A write sets an earlier time and hints: the sleep is cut short (a
	 * wake by the re-check alone would come after the wait gives up). */
	pthread_mutex_lock(&fake.lock);
	fake.items[2].due = T + 5000;
	pthread_mutex_unlock(&fake.lock);
	wg_scheduler_hint(s, T + 5000);
	st = wait_asleep(s, st.passes);
	assert_int_equal(st.next_run_ms, T + 5000);

	/* Something due now fires without the clock moving. */
	pthread_mutex_lock(&fake.lock);
	fake.items[3].due = T;
	pthread_mutex_unlock(&fake.lock);
	wg_scheduler_hint(s, T);
	WAIT_FOR(fake.items[3].fired == 1);
	assert_int_equal(item_attempts(1) + item_attempts(2), 0);

	/* A hint is kept as a time to look, even with nothing due then. */
	st = wait_asleep(s, 0);
	wg_scheduler_hint(s, T + 3000);
	st = wait_asleep(s, st.passes);
	assert_int_equal(st.next_run_ms, T + 3000);

	/* Through the process-wide pointer. */
	assert_false(wg_scheduler_global_stats(&st));
	wg_scheduler_hint_global(T + 1000); /* none registered: nothing */
	wg_scheduler_set_global(s);
	assert_true(wg_scheduler_global_stats(&st));
	wg_scheduler_hint_global(T + 2000);
	st = wait_asleep(s, st.passes);
	assert_int_equal(st.next_run_ms, T + 2000);
	wg_scheduler_set_global(NULL);
	assert_false(wg_scheduler_global_stats(&st));

	/* Stopping unregisters. */
	wg_scheduler_set_global(s);
	finish(s, store);
	assert_false(wg_scheduler_global_stats(&st));
	wg_scheduler_hint_global(T);
}

static void test_stop_while_sleeping(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(0);
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RECHECK_MS);
	int64_t t0 = wg_clock_mono_us();
	wg_scheduler_stop(s);
	/* The sleep would last a minute; stopping does not wait for it. */
	assert_true(wg_clock_mono_us() - t0 < WAIT_US / 3);
	wg_scheduler_stop(NULL);

	/* On the real clock too. */
	wg_clock_set_ms(0);
	s = start(store, &fake_job);
	wait_asleep(s, 0);
	t0 = wg_clock_mono_us();
	wg_scheduler_stop(s);
	assert_true(wg_clock_mono_us() - t0 < WAIT_US / 3);
	finish(NULL, store);
}

struct stopper {
	wg_scheduler *s;
};

static void *stop_main(void *arg)
{
	struct stopper *st = arg;
	wg_scheduler_stop(st->s);
	return NULL;
}

/* Stopping during a batch waits for the batch to be acknowledged (the
 * store's callbacks still point into the scheduler) and then returns. */
static void test_stop_during_batch(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(3);
	for (int64_t i = 1; i <= 3; i++)
		fake.items[i].due = T;
	fake.items[1].gate = true;
	fake.gate_open = false;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	WAIT_FOR(fake.gate_waiting == 1);

	struct stopper st = {s};
	pthread_t tid;
	assert_int_equal(pthread_create(&tid, NULL, stop_main, &st), 0);
	/* Most often the stop lands while the fire is held; the outcome is
	 * the same when it does not, so nothing here depends on timing. */
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	pthread_mutex_lock(&fake.lock);
	fake.gate_open = true;
	pthread_cond_broadcast(&fake.changed);
	pthread_mutex_unlock(&fake.lock);
	pthread_join(tid, NULL);

	assert_int_equal(item_fired(1), 1);
	assert_int_equal(item_fired(2), 1);
	assert_int_equal(item_fired(3), 1);
	finish(NULL, store);
}

static void test_failing_fire_backs_off(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(2);
	fake.items[1].due = T;
	fake.items[1].fail_left = 3;
	fake.items[2].due = T;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);

	WAIT_FOR(fake.items[1].attempts == 1 && fake.items[2].fired == 1);
	wg_scheduler_stats st = wait_asleep(s, 0);
	/* Held back, so it looks again in a few seconds, not at once. */
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RETRY_MS);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.backed_off, 1);
	assert_int_equal(st.fired, 1);

	/* Woken with the clock where it was: not tried again. */
	st = move_to(s, T);
	assert_int_equal(item_attempts(1), 1);

	/* Retried when its wait is over, and the wait doubles: 30 s, 60 s,
	 * 120 s after each failure. */
	static const struct {
		int64_t at;
		int attempts;
	} steps[] = {
		{T + WG_SCHEDULER_BACKOFF_MIN_MS - 1, 1},
		{T + WG_SCHEDULER_BACKOFF_MIN_MS, 2},
		{T + INT64_C(3) * WG_SCHEDULER_BACKOFF_MIN_MS - 1, 2},
		{T + INT64_C(3) * WG_SCHEDULER_BACKOFF_MIN_MS, 3},
		{T + INT64_C(7) * WG_SCHEDULER_BACKOFF_MIN_MS - 1, 3},
		{T + INT64_C(7) * WG_SCHEDULER_BACKOFF_MIN_MS, 4},
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		st = move_to(s, steps[i].at);
		if (item_attempts(1) != steps[i].attempts)
			fail_msg("step %zu: %d attempts, want %d", i, item_attempts(1), steps[i].attempts);
	}
	assert_int_equal(item_fired(1), 1);
	assert_int_equal(item_fired(2), 1);
	assert_int_equal(st.errors, 3);
	assert_int_equal(st.backed_off, 0);
	assert_int_equal(st.fired, 2);
	finish(s, store);
}

/* The longest wait caps the doubling. */
static void test_backoff_cap(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(1);
	fake.items[1].due = T;
	fake.items[1].fail_left = 1000;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	WAIT_FOR(fake.items[1].attempts == 1);
	int64_t now = T, wait = WG_SCHEDULER_BACKOFF_MIN_MS;
	for (int attempt = 2; attempt <= 10; attempt++) {
		now += wait;
		move_to(s, now - 1);
		assert_int_equal(item_attempts(1), attempt - 1);
		move_to(s, now);
		assert_int_equal(item_attempts(1), attempt);
		wait = wait * 2 > WG_SCHEDULER_BACKOFF_MAX_MS ? WG_SCHEDULER_BACKOFF_MAX_MS : wait * 2;
	}
	assert_int_equal(wait, WG_SCHEDULER_BACKOFF_MAX_MS);
	finish(s, store);
}

/* A fire that succeeds but leaves the item due is not repeated forever. */
static void test_still_due_after_firing(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(2);
	fake.items[1].due = T;
	fake.items[1].stays_due = true;
	fake.items[2].due = T + 10;
	wg_clock_set_ms(T + 10);
	wg_scheduler *s = start(store, &fake_job);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(item_fired(1), WG_SCHEDULER_MAX_REFIRES);
	assert_int_equal(item_fired(2), 1);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.backed_off, 1);
	assert_int_equal(st.next_run_ms, T + 10 + WG_SCHEDULER_RETRY_MS);

	move_to(s, T + 10);
	assert_int_equal(item_fired(1), WG_SCHEDULER_MAX_REFIRES);

	/* Mended: fired once more when its wait is over, then left alone. */
	pthread_mutex_lock(&fake.lock);
	fake.items[1].stays_due = false;
	pthread_mutex_unlock(&fake.lock);
	st = move_to(s, T + 10 + WG_SCHEDULER_BACKOFF_MIN_MS);
	assert_int_equal(item_fired(1), WG_SCHEDULER_MAX_REFIRES + 1);
	assert_int_equal(st.backed_off, 0);
	finish(s, store);
}

#define MANY 1050

static void test_many_in_batches(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(MANY);
	/* Due times spread over the past, not in id order, with ties. */
	for (int64_t i = 1; i <= MANY; i++)
		fake.items[i].due = T - (i * 7919) % 500;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	WAIT_FOR(fake.fires_total == MANY);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.fired, MANY);
	assert_int_equal(st.errors, 0);
	for (int64_t i = 1; i <= MANY; i++)
		assert_int_equal(item_fired(i), 1);
	assert_int_equal(fake.min_asked, WG_SCHEDULER_BATCH);
	assert_int_equal(fake.max_asked, WG_SCHEDULER_BATCH);
	/* Earliest first, a batch at a time: every item of a batch is due no
	 * later than any item of the next one (within a batch the fires may
	 * run on several connections). */
	for (size_t b = WG_SCHEDULER_BATCH; b < MANY; b += WG_SCHEDULER_BATCH) {
		int64_t latest = 0, earliest = INT64_MAX;
		for (size_t k = b - WG_SCHEDULER_BATCH; k < b; k++) {
			int64_t id = fake.order[k], due = T - (id * 7919) % 500;
			latest = due > latest ? due : latest;
		}
		for (size_t k = b; k < b + WG_SCHEDULER_BATCH && k < MANY; k++) {
			int64_t id = fake.order[k], due = T - (id * 7919) % 500;
			earliest = due < earliest ? due : earliest;
		}
		if (latest > earliest)
			fail_msg("batch ending at %zu: due up to %lld, the next from %lld", b,
			         (long long)latest, (long long)earliest);
	}
	finish(s, store);
}

/* Items failing at the head of the list do not hide the ones behind. */
static void test_failures_hide_nothing(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(150);
	for (int64_t i = 1; i <= 150; i++) {
		fake.items[i].due = T - 1000 + i;
		fake.items[i].fail_left = i <= 120 ? 1000 : 0;
	}
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	wg_scheduler_stats st = wait_asleep(s, 0);
	for (int64_t i = 1; i <= 150; i++) {
		assert_int_equal(item_attempts(i), 1);
		assert_int_equal(item_fired(i), i > 120);
	}
	assert_int_equal(st.errors, 120);
	assert_int_equal(st.backed_off, 120);
	assert_int_equal(st.fired, 30);
	/* The third round asked for a batch beside the 120 held back. */
	assert_int_equal(fake.max_asked, WG_SCHEDULER_BATCH + 120);
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RETRY_MS);

	/* Settled by someone else: no longer due, forgotten. */
	pthread_mutex_lock(&fake.lock);
	for (int64_t i = 1; i <= 120; i++)
		fake.items[i].due = 0;
	pthread_mutex_unlock(&fake.lock);
	st = move_to(s, T + 1);
	assert_int_equal(st.backed_off, 0);
	assert_int_equal(st.next_run_ms, T + 1 + WG_SCHEDULER_RECHECK_MS);
	finish(s, store);
}

/* More failing items than the table holds: the pass ends and the rest wait
 * for the next look instead of being tried over and over. */
static void test_backoff_table_full(void **state)
{
	enum { N = WG_SCHEDULER_BACKOFF_SLOTS + 76 };
	wg_store *store = open_store(state);
	fake_reset(N);
	for (int64_t i = 1; i <= N; i++) {
		fake.items[i].due = T;
		fake.items[i].fail_left = 1000;
	}
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &fake_job);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.errors, N);
	assert_int_equal(st.backed_off, WG_SCHEDULER_BACKOFF_SLOTS);
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RETRY_MS);
	for (int64_t i = 1; i <= N; i++)
		assert_int_equal(item_attempts(i), 1);
	/* The next look tries only those it could not hold back. */
	move_to(s, T);
	int again = 0;
	for (int64_t i = 1; i <= N; i++)
		again += item_attempts(i) - 1;
	assert_int_equal(again, N - WG_SCHEDULER_BACKOFF_SLOTS);
	finish(s, store);
}

/* ---- a job over a table: fires commit, failed fires roll back ----------- */

static int create_table(wg_db *db, void *arg)
{
	(void)arg;
	int rc = wg_db_exec(db, "CREATE TABLE sched_items (id BIGINT PRIMARY KEY, due_at BIGINT, "
	                        "fired BIGINT NOT NULL DEFAULT 0, bad INT NOT NULL DEFAULT 0)");
	static const int64_t rows[][3] = {{1, T - 10, 0}, {2, T, 0}, {3, T + 1000, 0}, {4, T - 5, 1}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && rc == 0; i++)
		rc = wg_db_execf(db, "INSERT INTO sched_items (id, due_at, bad) VALUES (?, ?, ?)", NULL,
		                 "iii", rows[i][0], rows[i][1], rows[i][2]);
	return rc;
}

static int table_next_due(wg_db *db, void *ctx, int64_t *when)
{
	(void)ctx;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT MIN(due_at) FROM sched_items", &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	*when = rc == WG_DB_ROW ? wg_stmt_int(st, 0) : 0;
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : rc < 0 ? rc : WG_ESTORE;
}

static int table_due(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	(void)ctx;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT id FROM sched_items WHERE due_at <= ? ORDER BY due_at, id LIMIT ?", &st);
	if (rc == 0)
		rc = wg_stmt_bindf(st, "ii", now, (int64_t)max);
	*n = 0;
	while (rc == 0 && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		ids[(*n)++] = wg_stmt_int(st, 0);
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc;
}

static int table_fire(wg_db *db, void *ctx, int64_t id, int64_t now)
{
	(void)ctx, (void)now;
	int rc = wg_db_execf(db, "UPDATE sched_items SET fired = fired + 1, due_at = NULL WHERE id = ?", NULL,
	                     "i", id);
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db, "SELECT bad FROM sched_items WHERE id = ?", &st);
	if (rc == 0)
		rc = wg_stmt_bindf(st, "i", id);
	if (rc == 0)
		rc = wg_stmt_step(st) == WG_DB_ROW && wg_stmt_int(st, 0) ? WG_ECONFLICT : 0;
	wg_stmt_finalize(st);
	return rc;
}

struct row {
	int64_t id, due, fired;
};

static int read_row(wg_db *db, void *arg)
{
	struct row *r = arg;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT due_at, fired FROM sched_items WHERE id = ?", &st);
	if (rc == 0)
		rc = wg_stmt_bindf(st, "i", r->id);
	if (rc == 0)
		rc = wg_stmt_step(st) == WG_DB_ROW ? 0 : WG_ENOTFOUND;
	r->due = wg_stmt_int(st, 0);
	r->fired = wg_stmt_int(st, 1);
	wg_stmt_finalize(st);
	return rc;
}

static void assert_row(wg_store *store, int64_t id, int64_t due, int64_t fired)
{
	struct row r = {.id = id};
	assert_int_equal(wg_store_run(store, read_row, &r), 0);
	if (r.due != due || r.fired != fired)
		fail_msg("item %lld: due %lld fired %lld, want %lld %lld", (long long)id, (long long)r.due,
		         (long long)r.fired, (long long)due, (long long)fired);
}

static int mend(wg_db *db, void *arg)
{
	(void)arg;
	return wg_db_execf(db, "UPDATE sched_items SET bad = 0", NULL, "");
}

static void test_table_job(void **state)
{
	wg_store *store = open_store(state);
	assert_int_equal(wg_store_run(store, create_table, NULL), 0);
	static const wg_scheduler_job job = {
		.name = "table", .next_due = table_next_due, .due = table_due, .fire = table_fire};
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &job);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(st.fired, 2);
	assert_int_equal(st.errors, 1);
	assert_row(store, 1, 0, 1);
	assert_row(store, 2, 0, 1);
	assert_row(store, 3, T + 1000, 0);
	assert_row(store, 4, T - 5, 0); /* its write rolled back */
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RETRY_MS);

	st = move_to(s, T + 1000);
	assert_int_equal(st.fired, 3);
	assert_row(store, 3, 0, 1);
	assert_row(store, 4, T - 5, 0);

	assert_int_equal(wg_store_run(store, mend, NULL), 0);
	st = move_to(s, T + 1000 + WG_SCHEDULER_BACKOFF_MIN_MS);
	assert_int_equal(st.fired, 4);
	assert_int_equal(st.backed_off, 0);
	assert_row(store, 4, 0, 1);
	assert_int_equal(st.next_run_ms, T + 1000 + WG_SCHEDULER_BACKOFF_MIN_MS + WG_SCHEDULER_RECHECK_MS);
	finish(s, store);
}

/* A job that cannot read: counted, retried every few seconds, not spun. */
static int broken_next_due(wg_db *db, void *ctx, int64_t *when)
{
	(void)db, (void)ctx, (void)when;
	return WG_ESTORE;
}

static void test_failing_reads(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(1);
	fake.items[1].due = T;
	wg_scheduler_job job = fake_job;
	job.next_due = broken_next_due;
	wg_clock_set_ms(T);
	wg_scheduler *s = start(store, &job);
	wg_scheduler_stats st = wait_asleep(s, 0);
	assert_int_equal(item_fired(1), 1); /* the due list still worked */
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.next_run_ms, T + WG_SCHEDULER_RETRY_MS);
	st = move_to(s, T);
	assert_int_equal(st.errors, 2);
	finish(s, store);
}

static void test_start_errors(void **state)
{
	wg_store *store = open_store(state);
	fake_reset(0);
	static int not_a_scheduler;
	wg_scheduler *s = (wg_scheduler *)&not_a_scheduler;
	wg_scheduler_job job = fake_job;
	job.fire = NULL;
	assert_int_equal(wg_scheduler_start(store, &job, &s), WG_EINTERNAL);
	assert_null(s);
	job = fake_job;
	job.due = NULL;
	assert_int_equal(wg_scheduler_start(store, &job, &s), WG_EINTERNAL);
	job = fake_job;
	job.next_due = NULL;
	assert_int_equal(wg_scheduler_start(store, &job, &s), WG_EINTERNAL);
	assert_int_equal(wg_scheduler_start(store, NULL, &s), WG_EINTERNAL);

	/* Every allocation failing in turn: a clean WG_ENOMEM and no leak. */
	int rc = WG_ENOMEM;
	unsigned long n;
	for (n = 1; rc == WG_ENOMEM && n < 100; n++) {
		wg_alloc_fail_at(n);
		rc = wg_scheduler_start(store, &fake_job, &s);
		wg_alloc_fail_at(0);
		if (rc == WG_ENOMEM)
			assert_null(s);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 3); /* the scheduler and its two tables */
	wg_scheduler_stop(s);
	wg_store_close(store);
}

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) \
	((struct CMUnitTest){prefix #fn, fn, wg_test_setup, wg_test_teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_BOTH(test_fires_when_due),
		ON_BOTH(test_fire_reschedules),
		ON_BOTH(test_hint_wakes_early),
		ON_BOTH(test_stop_while_sleeping),
		ON_BOTH(test_stop_during_batch),
		ON_BOTH(test_failing_fire_backs_off),
		ON("sqlite/", test_backoff_cap, sqlite_fixture),
		ON_BOTH(test_still_due_after_firing),
		ON_BOTH(test_many_in_batches),
		ON_BOTH(test_failures_hide_nothing),
		ON("sqlite/", test_backoff_table_full, sqlite_fixture),
		ON_BOTH(test_table_job),
		ON_BOTH(test_failing_reads),
		ON("sqlite/", test_start_errors, sqlite_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
