/* test_store.c - the executor: group commit, per-write savepoints, failed
 * commits, draining on shutdown and reads, on SQLite and (when
 * WG_TEST_PG_URL is set) on PostgreSQL, each test on a fresh database. */
#include "core/alloc.h"
#include "core/error.h"
#include "store/store.h"

#include "fixture.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* ---- fixture: a fresh database per test (fixture.h) ------------------- */

/* PostgreSQL: the application name of this test's connections comes from
 * PGAPPNAME (as the schema comes from PGOPTIONS), so that the store's own
 * connections use it too and the reconnect test can find them. */
static char app_name[64];

static int setup(void **state)
{
	int rc = wg_test_setup(state);
	wg_test_db *f = *state;
	if (rc || f->kind != WG_DB_POSTGRES || f->skip)
		return rc;
	snprintf(app_name, sizeof app_name, "wg_test_store_%ld", (long)getpid());
	setenv("PGAPPNAME", app_name, 1);
	return 0;
}

static int create_tables(wg_db *db, void *arg)
{
	(void)arg;
	return wg_db_exec(db,
	                  "CREATE TABLE IF NOT EXISTS items (id BIGINT PRIMARY KEY, v BIGINT NOT NULL);"
	                  "CREATE TABLE IF NOT EXISTS parent (id BIGINT PRIMARY KEY);"
	                  "CREATE TABLE IF NOT EXISTS child (id BIGINT PRIMARY KEY, parent BIGINT NOT NULL "
	                  "REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
}

static wg_store *open_store_watching(void **state, int pool, int batch_max, bool watch_sessions)
{
	wg_test_db *f = *state;
	if (f->skip)
		skip();
	wg_store_options opt = {.url = f->url,
	                        .busy_timeout_ms = 5000,
	                        .pool = pool,
	                        .batch_max = batch_max,
	                        .readers = 2,
	                        .watch_sessions = watch_sessions};
	wg_store *s = NULL;
	char err[256] = "";
	int rc = wg_store_open(&opt, &s, err, sizeof err);
	if (rc)
		print_error("open %s: %s\n", f->url, err);
	assert_int_equal(rc, 0);
	assert_int_equal(wg_store_kind(s), f->kind);
	assert_int_equal(wg_store_run(s, create_tables, NULL), 0);
	return s;
}

static wg_store *open_store(void **state, int pool, int batch_max)
{
	return open_store_watching(state, pool, batch_max, false);
}

/* ---- jobs ------------------------------------------------------------ */

/* A latch the main thread opens; jobs that wait on it hold their store
 * thread, so that everything submitted meanwhile queues up. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int gate_waiting;

static void gate_close(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = false;
	gate_waiting = 0;
	pthread_mutex_unlock(&gate_lock);
}

static void gate_release(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static int gate_fn(wg_db *db, void *arg)
{
	(void)db, (void)arg;
	pthread_mutex_lock(&gate_lock);
	gate_waiting++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return 0;
}

static void wait_gate_waiting(int n)
{
	pthread_mutex_lock(&gate_lock);
	while (gate_waiting < n)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

/* One submitted job and what came back. Completion is counted under a lock
 * that the main thread waits on. */
struct job {
	int64_t id;
	int ret;          /* what fn returns after its insert */
	atomic_int calls; /* done callbacks seen */
	int status;
	pthread_t done_thread;
};

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done_total;

static void done_reset(void)
{
	pthread_mutex_lock(&done_lock);
	done_total = 0;
	pthread_mutex_unlock(&done_lock);
}

static void done_cb(void *arg, int status)
{
	struct job *j = arg;
	j->status = status;
	j->done_thread = pthread_self();
	atomic_fetch_add(&j->calls, 1);
	pthread_mutex_lock(&done_lock);
	done_total++;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
}

static void done_ignore(void *arg, int status)
{
	(void)arg, (void)status;
}

static void wait_done(int n)
{
	pthread_mutex_lock(&done_lock);
	while (done_total < n)
		pthread_cond_wait(&done_cond, &done_lock);
	pthread_mutex_unlock(&done_lock);
}

static const char insert_items[] = "INSERT INTO items (id, v) VALUES (?, 0)";
static const char insert_parent[] = "INSERT INTO parent (id) VALUES (?)";
static const char insert_orphan[] = "INSERT INTO child (id, parent) VALUES (?, 99)";

static int insert_item(wg_db *db, const char *sql, int64_t id)
{
	wg_stmt *st;
	int rc = wg_db_prepare(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (rc == 0)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc;
}

/* Insert the job's item, then return what the job says. */
static int insert_fn(wg_db *db, void *arg)
{
	struct job *j = arg;
	int rc = insert_item(db, insert_items, j->id);
	return rc ? rc : j->ret;
}

struct count_arg {
	const char *sql;
	int64_t n;
};

static int count_fn(wg_db *db, void *arg)
{
	struct count_arg *c = arg;
	wg_stmt *st;
	int rc = wg_db_prepare(db, c->sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	c->n = rc == WG_DB_ROW ? wg_stmt_int(st, 0) : -1;
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : rc;
}

static int64_t count(wg_store *s, const char *sql)
{
	struct count_arg c = {sql, -1};
	assert_int_equal(wg_store_run(s, count_fn, &c), 0);
	return c.n;
}

static void submit_gates(wg_store *s, int n)
{
	gate_close();
	/* One at a time, so that each lands on a different idle thread. */
	for (int i = 0; i < n; i++) {
		assert_int_equal(wg_store_write(s, gate_fn, done_ignore, NULL), 0);
		wait_gate_waiting(i + 1);
	}
}

/* ---- tests ----------------------------------------------------------- */

#define WRITERS 4
#define PER_WRITER 250
#define BATCH 64

struct writer_arg {
	wg_store *s;
	struct job *jobs;
	int rc;
};

static void *writer_main(void *p)
{
	struct writer_arg *w = p;
	for (int i = 0; i < PER_WRITER && w->rc == 0; i++)
		w->rc = wg_store_write(w->s, insert_fn, done_cb, &w->jobs[i]);
	return NULL;
}

static void test_group_commit(void **state)
{
	wg_test_db *f = *state;
	int pool = 3;
	wg_store *s = open_store(state, pool, BATCH);
	int threads = f->kind == WG_DB_SQLITE ? 1 : pool;
	static struct job jobs[WRITERS * PER_WRITER];
	for (int i = 0; i < WRITERS * PER_WRITER; i++)
		jobs[i] = (struct job){.id = i + 1};
	done_reset();
	submit_gates(s, threads);

	pthread_t tid[WRITERS];
	struct writer_arg args[WRITERS];
	for (int t = 0; t < WRITERS; t++) {
		args[t] = (struct writer_arg){s, jobs + (size_t)t * PER_WRITER, 0};
		assert_int_equal(pthread_create(&tid[t], NULL, writer_main, &args[t]), 0);
	}
	for (int t = 0; t < WRITERS; t++) {
		pthread_join(tid[t], NULL);
		assert_int_equal(args[t].rc, 0);
	}
	wg_store_stats st;
	wg_store_get_stats(s, &st);
	assert_int_equal(st.queue_depth, WRITERS * PER_WRITER);
	gate_release();
	wait_done(WRITERS * PER_WRITER);

	for (int i = 0; i < WRITERS * PER_WRITER; i++) {
		assert_int_equal(atomic_load(&jobs[i].calls), 1);
		assert_int_equal(jobs[i].status, 0);
	}
	assert_int_equal(count(s, "SELECT count(*) FROM items"), WRITERS * PER_WRITER);
	wg_store_get_stats(s, &st);
	assert_int_equal(st.writes, WRITERS * PER_WRITER + threads);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.queue_depth, 0);
	/* Everything was queued before the gates opened, so the writes went in
	 * full batches: on SQLite exactly 1 + ceil(1000 / 64) commits. */
	if (f->kind == WG_DB_SQLITE)
		assert_int_equal(st.commits, 1 + (WRITERS * PER_WRITER + BATCH - 1) / BATCH);
	else
		assert_true(st.commits <=
		            (unsigned long long)threads * 2 + (WRITERS * PER_WRITER) / BATCH + 1);
	wg_store_close(s);
}

/* Insert the job's item twice and ignore the second insert's error: wrong,
 * but it must cost no other write its place (on PostgreSQL the error spoils
 * the transaction until the savepoint is rolled back). */
static int swallow_fn(wg_db *db, void *arg)
{
	struct job *j = arg;
	insert_item(db, insert_items, j->id);
	insert_item(db, insert_items, j->id);
	return 0;
}

/* A write that fails rolls back only itself; the others of its batch
 * commit. pool 1 keeps the whole batch on one connection. */
static void test_failing_write(void **state)
{
	wg_store *s = open_store(state, 1, BATCH);
	static const struct {
		int64_t id;
		int ret;
		bool swallow;
		int status; /* expected on each dialect */
		int pg_status;
	} cases[] = {
		{1, 0, false, 0, 0},
		{2, WG_EVALIDATION, false, WG_EVALIDATION, WG_EVALIDATION}, /* inserted, then gives up */
		{1, 0, false, WG_ECONFLICT, WG_ECONFLICT},                  /* duplicate key */
		{3, 7, false, 7, 7},                                        /* any non-zero value */
		{5, 0, true, 0, WG_ESTORE},
		{4, 0, false, 0, 0},
	};
	enum { N = sizeof cases / sizeof cases[0] };
	struct job jobs[N];
	done_reset();
	submit_gates(s, 1);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){.id = cases[i].id, .ret = cases[i].ret};
		wg_store_fn fn = cases[i].swallow ? swallow_fn : insert_fn;
		assert_int_equal(wg_store_write(s, fn, done_cb, &jobs[i]), 0);
	}
	gate_release();
	wait_done(N);
	bool pg = wg_store_kind(s) == WG_DB_POSTGRES;
	for (int i = 0; i < N; i++) {
		assert_int_equal(atomic_load(&jobs[i].calls), 1);
		assert_int_equal(jobs[i].status, pg ? cases[i].pg_status : cases[i].status);
	}
	/* SQLite keeps the swallowing job's first insert; PostgreSQL cannot. */
	assert_int_equal(count(s, "SELECT count(*) FROM items"), pg ? 2 : 3);
	assert_int_equal(count(s, "SELECT count(*) FROM items WHERE id IN (1, 4)"), 2);
	wg_store_stats st;
	wg_store_get_stats(s, &st);
	assert_int_equal(st.commits, 2); /* the gate's batch and this one */
	assert_int_equal(st.writes, pg ? 3 : 4);
	assert_int_equal(st.errors, 0);
	wg_store_close(s);
}

/* A deferred foreign key is only checked by COMMIT: one bad write makes the
 * whole batch fail to commit, and none of it may be acknowledged. */
static int parent_fn(wg_db *db, void *arg)
{
	return insert_item(db, insert_parent, ((struct job *)arg)->id);
}

static int orphan_fn(wg_db *db, void *arg)
{
	return insert_item(db, insert_orphan, ((struct job *)arg)->id);
}

static void test_failed_commit(void **state)
{
	wg_store *s = open_store(state, 1, BATCH);
	wg_store_fn fns[] = {parent_fn, insert_fn, orphan_fn, parent_fn};
	enum { N = sizeof fns / sizeof fns[0] };
	struct job jobs[N];
	done_reset();
	submit_gates(s, 1);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){.id = i + 1};
		assert_int_equal(wg_store_write(s, fns[i], done_cb, &jobs[i]), 0);
	}
	gate_release();
	wait_done(N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(atomic_load(&jobs[i].calls), 1);
		assert_int_equal(jobs[i].status, WG_ESTORE);
	}
	assert_int_equal(count(s, "SELECT count(*) FROM parent"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM items"), 0);
	wg_store_stats st;
	wg_store_get_stats(s, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.commits, 1);

	/* The writer goes on with the next batch. */
	struct job after = {.id = 10};
	assert_int_equal(wg_store_write(s, insert_fn, done_cb, &after), 0);
	wait_done(N + 1);
	assert_int_equal(after.status, 0);
	assert_int_equal(count(s, "SELECT count(*) FROM items"), 1);
	wg_store_close(s);
}

struct shutdown_arg {
	wg_store *s;
};

static void *shutdown_main(void *p)
{
	wg_store_shutdown(((struct shutdown_arg *)p)->s);
	return NULL;
}

/* Shutdown refuses new work at once but finishes what was queued. */
static void test_shutdown_drains(void **state)
{
	wg_test_db *f = *state;
	wg_store *s = open_store(state, 2, BATCH);
	enum { QUEUED = 100, EXTRA_MAX = 100000 };
	static struct job jobs[QUEUED];
	static struct job extra[EXTRA_MAX];
	done_reset();
	submit_gates(s, f->kind == WG_DB_SQLITE ? 1 : 2);
	for (int i = 0; i < QUEUED; i++) {
		jobs[i] = (struct job){.id = i + 1};
		assert_int_equal(wg_store_write(s, insert_fn, done_cb, &jobs[i]), 0);
	}
	struct shutdown_arg sa = {s};
	pthread_t tid;
	assert_int_equal(pthread_create(&tid, NULL, shutdown_main, &sa), 0);
	/* Writes keep being accepted until the shutdown takes effect. */
	int accepted = 0, rc;
	for (;;) {
		assert_true(accepted < EXTRA_MAX);
		extra[accepted] = (struct job){.id = QUEUED + accepted + 1};
		rc = wg_store_write(s, insert_fn, done_cb, &extra[accepted]);
		if (rc)
			break;
		accepted++;
		sched_yield();
	}
	assert_int_equal(rc, WG_ESHUTDOWN);
	gate_release();
	pthread_join(tid, NULL);
	/* After wg_store_shutdown returns, every accepted write is done. */
	pthread_mutex_lock(&done_lock);
	assert_int_equal(done_total, QUEUED + accepted);
	pthread_mutex_unlock(&done_lock);
	for (int i = 0; i < QUEUED; i++) {
		assert_int_equal(atomic_load(&jobs[i].calls), 1);
		assert_int_equal(jobs[i].status, 0);
	}
	for (int i = 0; i < accepted; i++)
		assert_int_equal(atomic_load(&extra[i].calls), 1);

	struct job late = {.id = 1};
	struct count_arg c = {"SELECT count(*) FROM items", -1};
	assert_int_equal(wg_store_write(s, insert_fn, done_cb, &late), WG_ESHUTDOWN);
	assert_int_equal(wg_store_read(s, 0, count_fn, done_cb, &c), WG_ESHUTDOWN);
	assert_int_equal(wg_store_run(s, count_fn, &c), WG_ESHUTDOWN);
	assert_int_equal(atomic_load(&late.calls), 0);
	wg_store_shutdown(s); /* again: harmless */
	wg_store_close(s);

	wg_db *db;
	char err[256];
	assert_int_equal(wg_db_open(f->url, 0, &db, err, sizeof err), 0);
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(db, "SELECT count(*) FROM items", &st), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	assert_int_equal(wg_stmt_int(st, 0), QUEUED + accepted);
	wg_stmt_finalize(st);
	wg_db_close(db);
}

struct read_arg {
	struct count_arg c;
	struct job j;
};

static void read_done(void *arg, int status)
{
	done_cb(&((struct read_arg *)arg)->j, status);
}

static int write_in_read_fn(wg_db *db, void *arg)
{
	(void)arg;
	return wg_db_exec(db, "INSERT INTO items (id, v) VALUES (1000, 1)");
}

static void test_reads(void **state)
{
	wg_test_db *f = *state;
	wg_store *s = open_store(state, 2, BATCH);
	struct job w = {.id = 1};
	done_reset();
	assert_int_equal(wg_store_write(s, insert_fn, done_cb, &w), 0);
	wait_done(1);
	assert_int_equal(w.status, 0);

	for (unsigned reader = 0; reader < 2; reader++) {
		struct read_arg r = {.c = {"SELECT count(*) FROM items", -1}};
		assert_int_equal(wg_store_read(s, reader, count_fn, read_done, &r), 0);
		if (f->kind == WG_DB_SQLITE) {
			/* Inline: answered before wg_store_read returns. */
			assert_int_equal(atomic_load(&r.j.calls), 1);
			assert_true(pthread_equal(r.j.done_thread, pthread_self()));
		} else {
			wait_done(2 + (int)reader);
			assert_false(pthread_equal(r.j.done_thread, pthread_self()));
			/* Nothing is kept on the loop's side: no snapshot to key on. */
			assert_false(wg_store_read_held(s, reader));
			assert_int_equal(wg_store_read_snapshot(s, reader), 0);
		}
		assert_int_equal(r.j.status, 0);
		assert_int_equal(r.c.n, 1);
	}
	if (f->kind == WG_DB_SQLITE) {
		struct read_arg r = {0};
		assert_int_equal(wg_store_read(s, 2, count_fn, read_done, &r), WG_EINTERNAL);
		assert_int_equal(atomic_load(&r.j.calls), 0);
	}
	/* Reads refuse to write (SQLite: query_only connections; PostgreSQL:
	 * READ ONLY transactions, whose BEGIN went out with the write). */
	struct read_arg bad = {0};
	assert_int_equal(wg_store_read(s, 0, write_in_read_fn, read_done, &bad), 0);
	wait_done(4);
	assert_int_equal(bad.j.status, WG_ESTORE);
	assert_int_equal(count(s, "SELECT count(*) FROM items"), 1);
	wg_store_close(s);
}

/* A read started from the completion of another (the auth step, then the
 * handler) joins its snapshot on SQLite: a row committed in between is not
 * seen by the second, and is seen by the next request. */
struct nested {
	wg_store *s;
	struct count_arg outer, inner;
	int inner_status;
};

static void inner_done(void *arg, int status)
{
	((struct nested *)arg)->inner_status = status;
}

static int inner_fn(wg_db *db, void *arg)
{
	return count_fn(db, &((struct nested *)arg)->inner);
}

static int insert_between(wg_db *db, void *arg)
{
	(void)arg;
	return insert_item(db, insert_items, 4242);
}

static void outer_done(void *arg, int status)
{
	struct nested *n = arg;
	assert_int_equal(status, 0);
	assert_int_equal(wg_store_run(n->s, insert_between, NULL), 0);
	assert_int_equal(wg_store_read(n->s, 0, inner_fn, inner_done, n), 0);
}

static int outer_fn(wg_db *db, void *arg)
{
	return count_fn(db, &((struct nested *)arg)->outer);
}

static void test_nested_read_snapshot(void **state)
{
	wg_store *s = open_store(state, 1, BATCH);
	struct nested n = {.s = s,
	                   .outer = {"SELECT count(*) FROM items", -1},
	                   .inner = {"SELECT count(*) FROM items", -1},
	                   .inner_status = 1};
	assert_int_equal(wg_store_read(s, 0, outer_fn, outer_done, &n), 0);
	assert_int_equal(n.inner_status, 0);
	assert_int_equal(n.outer.n, 0);
	assert_int_equal(n.inner.n, 0); /* the same snapshot as the outer read */
	struct read_arg after = {.c = {"SELECT count(*) FROM items", -1}};
	assert_int_equal(wg_store_read(s, 0, count_fn, read_done, &after), 0);
	assert_int_equal(after.c.n, 1);
	wg_store_close(s);
}

/* A loop's snapshot is kept from one read to the next until something is
 * committed (here by another connection of the process), until it is
 * 10 ms old, or until the loop releases it. */
struct kept {
	wg_store *s;
	struct count_arg c;
	uint64_t snapshot;
};

static int kept_fn(wg_db *db, void *arg)
{
	struct kept *k = arg;
	k->snapshot = wg_store_read_snapshot(k->s, 0);
	return count_fn(db, &k->c);
}

static void kept_done(void *arg, int status)
{
	(void)arg;
	assert_int_equal(status, 0);
}

static uint64_t kept_read(struct kept *k, int64_t want)
{
	assert_int_equal(wg_store_read(k->s, 0, kept_fn, kept_done, k), 0);
	assert_int_equal(k->c.n, want);
	return k->snapshot;
}

static void test_kept_snapshot(void **state)
{
	wg_test_db *f = *state;
	wg_store *s = open_store(state, 1, BATCH);
	struct kept k = {.s = s, .c = {"SELECT count(*) FROM items", -1}};
	uint64_t first = kept_read(&k, 0);
	assert_true(first > 0);
	assert_true(wg_store_read_held(s, 0));
	assert_int_equal(wg_store_read_snapshot(s, 0), 0); /* outside a read */
	assert_int_equal(kept_read(&k, 0), first);

	/* A commit by any connection of the process: the next read sees it. */
	wg_db *other;
	char err[256];
	assert_int_equal(wg_db_open(f->url, 0, &other, err, sizeof err), 0);
	assert_int_equal(insert_item(other, insert_items, 7), 0);
	wg_db_close(other);
	uint64_t second = kept_read(&k, 1);
	assert_true(second > first);

	/* Released: the next read begins another. */
	assert_false(wg_store_read_release(s, 0));
	assert_false(wg_store_read_held(s, 0));
	uint64_t third = kept_read(&k, 1);
	assert_true(third > second);

	/* Older than 10 ms: another. */
	struct timespec pause = {.tv_nsec = 15000000L};
	nanosleep(&pause, NULL);
	assert_true(kept_read(&k, 1) > third);
	wg_store_close(s);
}

static int run_fn(wg_db *db, void *arg)
{
	struct job *j = arg;
	int rc = insert_item(db, insert_items, j->id);
	return rc ? rc : j->ret;
}

/* wg_store_run shares the writer connection with a busy writer thread. */
static void test_run_beside_writer(void **state)
{
	wg_store *s = open_store(state, 1, 4);
	enum { N = 200 };
	static struct job jobs[N];
	done_reset();
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){.id = i + 1};
		assert_int_equal(wg_store_write(s, insert_fn, done_cb, &jobs[i]), 0);
		if (i % 20 == 0) {
			struct job r = {.id = 100000 + i};
			assert_int_equal(wg_store_run(s, run_fn, &r), 0);
		}
	}
	struct job bad = {.id = 999999, .ret = WG_EVALIDATION};
	assert_int_equal(wg_store_run(s, run_fn, &bad), WG_EVALIDATION);
	struct job dup = {.id = 100000};
	assert_int_equal(wg_store_run(s, run_fn, &dup), WG_ECONFLICT);
	wait_done(N);
	for (int i = 0; i < N; i++)
		assert_int_equal(jobs[i].status, 0);
	assert_int_equal(count(s, "SELECT count(*) FROM items"), N + N / 20);
	assert_int_equal(count(s, "SELECT count(*) FROM items WHERE id = 999999"), 0);
	wg_store_close(s);
}

static int terminate_fn(wg_db *db, void *arg)
{
	const char *app = arg;
	wg_stmt *st;
	int rc = wg_db_prepare(db,
	                       "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	                       "WHERE application_name = ? AND pid <> pg_backend_pid()",
	                       &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_text(st, 1, app, strlen(app));
	if (rc == 0)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : rc;
}

/* A restarted server (here: every connection of the pool killed) must not
 * leave the pool dead: writes reconnect before their batch begins. */
static void test_pg_reconnect(void **state)
{
	wg_test_db *f = *state;
	if (f->kind != WG_DB_POSTGRES || f->skip)
		skip();
	wg_store *s = open_store(state, 2, BATCH);
	wg_db *admin;
	char err[256];
	unsetenv("PGAPPNAME");
	assert_int_equal(wg_db_open(f->url, 0, &admin, err, sizeof err), 0);
	setenv("PGAPPNAME", app_name, 1);
	assert_int_equal(terminate_fn(admin, app_name), 0);
	wg_db_close(admin);

	done_reset();
	enum { N = 8 };
	struct job jobs[N];
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){.id = i + 1};
		assert_int_equal(wg_store_write(s, insert_fn, done_cb, &jobs[i]), 0);
	}
	wait_done(N);
	for (int i = 0; i < N; i++)
		assert_int_equal(jobs[i].status, 0);
	/* A read on a dead connection fails once; the next one reconnects. */
	int ok = 0;
	for (int i = 0; i < 4; i++) {
		struct read_arg r = {.c = {"SELECT count(*) FROM items", -1}};
		assert_int_equal(wg_store_read(s, 0, count_fn, read_done, &r), 0);
		wait_done(N + i + 1);
		ok += r.j.status == 0 && r.c.n == N;
	}
	assert_true(ok >= 2);
	wg_store_close(s);
}

/* ---- the session epoch (PostgreSQL) ------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* The epoch once it is neither 0 nor was, waiting up to 10 s; 0 if never. */
static uint64_t epoch_other_than(wg_store *s, uint64_t was)
{
	for (int i = 0; i < 1000; i++) {
		uint64_t e = wg_store_session_epoch(s);
		if (e && e != was)
			return e;
		sleep_ms(10);
	}
	return 0;
}

static int64_t listener_pid(wg_db *admin)
{
	return wg_test_query_int(admin,
	                         "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE "
	                         "application_name = ? AND query = 'LISTEN wangge_sessions'",
	                         app_name, 0);
}

/* SQLite, or a store not asked to watch: always 0. PostgreSQL: not 0 once
 * listening; moved by this process's commits before they return (but for
 * writes that keep sessions), by a
 * NOTIFY from elsewhere soon after, and by losing the listening connection,
 * which comes back by itself. */
static void test_session_epoch(void **state)
{
	wg_test_db *f = *state;
	wg_store *s = open_store_watching(state, 1, BATCH, true);
	if (f->kind == WG_DB_SQLITE) {
		assert_int_equal(wg_store_session_epoch(s), 0);
		wg_store_close(s);
		return;
	}
	uint64_t e = epoch_other_than(s, 0);
	assert_true(e != 0);
	struct job j = {.id = 1};
	assert_int_equal(wg_store_run(s, run_fn, &j), 0);
	uint64_t after_run = wg_store_session_epoch(s);
	assert_true(after_run > e);
	done_reset();
	j.id = 2;
	assert_int_equal(wg_store_write(s, insert_fn, done_cb, &j), 0);
	wait_done(1);
	uint64_t after_write = wg_store_session_epoch(s);
	assert_true(after_write > after_run);
	/* A write that keeps sessions (marking one used) leaves it. Tests on
	 * other schemas of the database may NOTIFY meanwhile, so one of a few
	 * tries must see it unchanged; each write's own commit never would. */
	bool kept = false;
	for (int i = 0; i < 5 && !kept; i++) {
		uint64_t was = wg_store_session_epoch(s);
		done_reset();
		j.id = 10 + i;
		assert_int_equal(wg_store_write_keeping_sessions(s, insert_fn, done_cb, &j), 0);
		wait_done(1);
		assert_int_equal(j.status, 0);
		kept = wg_store_session_epoch(s) == was;
	}
	assert_true(kept);
	after_write = wg_store_session_epoch(s);

	wg_db *admin;
	char err[256];
	unsetenv("PGAPPNAME");
	assert_int_equal(wg_db_open(f->url, 0, &admin, err, sizeof err), 0);
	setenv("PGAPPNAME", app_name, 1);
	assert_int_equal(wg_db_exec(admin, "NOTIFY wangge_sessions"), 0);
	assert_true(epoch_other_than(s, after_write) > after_write);

	/* The listening connection killed: a new one listens, under a new epoch. */
	int64_t pid = listener_pid(admin);
	assert_true(pid > 0);
	uint64_t before_loss = wg_store_session_epoch(s);
	assert_int_equal(terminate_fn(admin, app_name), 0);
	int64_t again = 0;
	for (int i = 0; i < 1000 && (again == 0 || again == pid); i++) {
		sleep_ms(10);
		again = listener_pid(admin);
	}
	assert_true(again != 0 && again != pid);
	assert_true(epoch_other_than(s, before_loss) > before_loss);
	wg_db_close(admin);
	wg_store_close(s);
	/* Not asked to watch: 0 whatever happens. */
	s = open_store(state, 1, BATCH);
	assert_int_equal(wg_store_session_epoch(s), 0);
	wg_store_close(s);
}

/* Every allocation of open, a write and close fails in turn. */
static void test_alloc_failures(void **state)
{
	wg_test_db *f = *state;
	if (f->skip)
		skip();
	wg_store_options opt = {
		.url = f->url, .busy_timeout_ms = 5000, .pool = 2, .batch_max = 8, .readers = 2};
	for (unsigned long n = 1;; n++) {
		wg_store *s = NULL;
		char err[256];
		struct job j = {.id = (int64_t)n};
		done_reset();
		wg_alloc_fail_at(n);
		int open_rc = wg_store_open(&opt, &s, err, sizeof err);
		int write_rc = open_rc ? open_rc : wg_store_write(s, insert_fn, done_cb, &j);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		if (write_rc == 0)
			wait_done(1);
		wg_store_close(s);
		/* A failure may also be absorbed (a statement not cached). */
		if (write_rc == 0) {
			assert_int_equal(atomic_load(&j.calls), 1);
			/* The table does not exist: the write failed cleanly. */
			assert_int_equal(j.status, WG_ESTORE);
			if (used < n)
				break;
			continue;
		}
		assert_true(used >= n);
		assert_int_equal(write_rc, WG_ENOMEM);
		assert_int_equal(atomic_load(&j.calls), 0);
		if (open_rc)
			assert_null(s);
	}
}

static void test_bad_url(void **state)
{
	(void)state;
	wg_store_options opt = {.url = "mysql://x", .pool = 1, .batch_max = 1};
	wg_store *s = (wg_store *)1;
	char err[256] = "";
	assert_int_equal(wg_store_open(&opt, &s, err, sizeof err), WG_ECONFIG);
	assert_null(s);
	assert_true(err[0] != '\0');
	opt.url = "sqlite:/proc/no-such-dir/x.db";
	assert_int_equal(wg_store_open(&opt, &s, err, sizeof err), WG_ESTORE);
	assert_null(s);
}

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

/* A named case of fn on one fixture (cmocka names it after fn alone). */
/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) ((struct CMUnitTest){prefix #fn, fn, setup, wg_test_teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_url),
		ON_BOTH(test_group_commit),
		ON_BOTH(test_failing_write),
		ON_BOTH(test_failed_commit),
		ON_BOTH(test_shutdown_drains),
		ON_BOTH(test_reads),
		ON_BOTH(test_run_beside_writer),
		ON("sqlite/", test_nested_read_snapshot, sqlite_fixture),
		ON("sqlite/", test_kept_snapshot, sqlite_fixture),
		ON_BOTH(test_alloc_failures),
		ON("postgresql/", test_pg_reconnect, pg_fixture),
		ON_BOTH(test_session_epoch),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
