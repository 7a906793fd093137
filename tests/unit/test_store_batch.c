/* test_store_batch.c - what the store and its drivers do for speed without
 * changing what a write means: on SQLite, full-text writes held to the end
 * of a batch (a write that rolls back takes its own back) and checkpoints
 * taken by a thread of their own; on PostgreSQL (with WG_TEST_PG_URL),
 * cached statements prepared on the server once per session, and again
 * after a rolled-back transaction, a failed prepare or a lost connection. */
#include "core/alloc.h"
#include "core/error.h"
#include "store/driver.h"
#include "store/store.h"

#include "fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* ---- a store, and a gate that makes one batch of what follows ------------ */

static int create_tables(wg_db *db, void *arg)
{
	(void)arg;
	return wg_db_exec(db, "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL);"
	                      "CREATE VIRTUAL TABLE notes_text USING fts5(body, tokenize = 'trigram')");
}

static wg_store *open_store(wg_test_db *f)
{
	wg_store_options opt = {
		.url = f->url, .busy_timeout_ms = 5000, .pool = 1, .batch_max = 64, .readers = 1};
	wg_store *s = NULL;
	char err[256] = "";
	int rc = wg_store_open(&opt, &s, err, sizeof err);
	if (rc)
		print_error("open %s: %s\n", f->url, err);
	assert_int_equal(rc, 0);
	assert_int_equal(wg_store_run(s, create_tables, NULL), 0);
	return s;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool gate_open, gate_reached;
static int done_total;

static int gate_fn(wg_db *db, void *arg)
{
	(void)db, (void)arg;
	pthread_mutex_lock(&lock);
	gate_reached = true;
	pthread_cond_broadcast(&cond);
	while (!gate_open)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void done_cb(void *arg, int status)
{
	pthread_mutex_lock(&lock);
	if (arg)
		*(int *)arg = status;
	done_total++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Holds the writer in a job of its own until release_writer. */
static void hold_writer(wg_store *s)
{
	pthread_mutex_lock(&lock);
	gate_open = gate_reached = false;
	done_total = 0;
	pthread_mutex_unlock(&lock);
	assert_int_equal(wg_store_write(s, gate_fn, done_cb, NULL), 0);
	pthread_mutex_lock(&lock);
	while (!gate_reached)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

/* Lets the writer go and waits for n jobs (the gate's included). */
static void release_writer(int n)
{
	pthread_mutex_lock(&lock);
	gate_open = true;
	pthread_cond_broadcast(&cond);
	while (done_total < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

/* The integer of the one row of sql, binding text and then num as
 * wg_test_query_int does, on the store's writer connection. */
struct query {
	const char *sql;
	const char *text;
	int64_t num;
	int64_t n;
};

static int query_fn(wg_db *db, void *arg)
{
	struct query *q = arg;
	q->n = wg_test_query_int(db, q->sql, q->text, q->num);
	return 0;
}

static int64_t query(wg_store *s, const char *sql, const char *text)
{
	struct query q = {sql, text, 0, -1};
	assert_int_equal(wg_store_run(s, query_fn, &q), 0);
	return q.n;
}

static int64_t query_num(wg_store *s, const char *sql, int64_t num)
{
	struct query q = {sql, NULL, num, -1};
	assert_int_equal(wg_store_run(s, query_fn, &q), 0);
	return q.n;
}

/* ---- SQLite: full-text writes at the end of the batch -------------------- */

/* A note: its row, then its text in index (notes_text when NULL); returns
 * fail afterwards. */
struct note {
	int64_t id;
	const char *body;
	const char *index;
	int fail;
	int status;
};

static int note_fn(wg_db *db, void *arg)
{
	struct note *n = arg;
	static const char *const columns[] = {"body"};
	const char *values[] = {n->body};
	int rc = wg_db_execf(db, "INSERT INTO notes (id, body) VALUES (?, ?)", NULL, "it", n->id, n->body);
	if (!rc)
		rc = wg_db_text_index(db, n->index ? n->index : "notes_text", n->id, columns, values, 1);
	return rc ? rc : n->fail;
}

static void note_done(void *arg, int status)
{
	done_cb(&((struct note *)arg)->status, status);
}

static const char match_sql[] = "SELECT count(*) FROM notes_text WHERE notes_text MATCH ?";

/* Five writes in one batch: the one that fails after indexing its text and
 * the one naming an index that does not exist leave neither row nor text;
 * the others' text is found once the batch has committed, and the batch
 * committed once. */
static void test_text_in_batch(void **state)
{
	wg_test_db *f = wg_test_of(state);
	wg_store *s = open_store(f);
	struct note notes[] = {
		{.id = 1, .body = "路灯不亮夜间通行不便"},
		{.id = 2, .body = "井盖松动存在安全隐患", .fail = WG_ECONFLICT},
		{.id = 3, .body = "垃圾堆积无人清运"},
		{.id = 4, .body = "井盖缺失需要补装", .index = "no_such_index"},
		{.id = 5, .body = "占道经营堵塞人行道"},
	};
	enum { N = sizeof notes / sizeof notes[0] };
	wg_store_stats before;
	wg_store_get_stats(s, &before);
	hold_writer(s);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(wg_store_write(s, note_fn, note_done, &notes[i]), 0);
	release_writer(1 + N);

	static const int want[N] = {0, WG_ECONFLICT, 0, WG_ESTORE, 0};
	for (size_t i = 0; i < N; i++)
		assert_int_equal(notes[i].status, want[i]);
	wg_store_stats after;
	wg_store_get_stats(s, &after);
	assert_int_equal(after.commits - before.commits, 2); /* the gate's batch, then the five */
	assert_int_equal(after.errors, 0);
	assert_int_equal(query(s, "SELECT count(*) FROM notes", NULL), 3);
	assert_int_equal(query(s, "SELECT count(*) FROM notes_text", NULL), 3);
	assert_int_equal(query(s, match_sql, "路灯不亮"), 1);
	assert_int_equal(query(s, match_sql, "垃圾堆积"), 1);
	assert_int_equal(query(s, match_sql, "占道经营"), 1);
	assert_int_equal(query(s, match_sql, "井盖"), 0);
	wg_store_close(s);
}

/* Only the text of a row: for one row indexed several times. */
struct text {
	int64_t id;
	const char *body;
	int status;
};

static int text_fn(wg_db *db, void *arg)
{
	struct text *t = arg;
	static const char *const columns[] = {"body"};
	const char *values[] = {t->body};
	return wg_db_text_index(db, "notes_text", t->id, columns, values, 1);
}

static void text_done(void *arg, int status)
{
	done_cb(&((struct text *)arg)->status, status);
}

/* One row indexed by two writes of a batch, then by a write of a later
 * batch: the last text wins each time, as when each went in at once. */
static void test_text_replaced(void **state)
{
	wg_test_db *f = wg_test_of(state);
	wg_store *s = open_store(f);
	struct text a = {7, "施工噪音夜间扰民", -1}, b = {7, "广告牌松动", -1}, c = {7, "排水沟堵塞", -1};
	hold_writer(s);
	assert_int_equal(wg_store_write(s, text_fn, text_done, &a), 0);
	assert_int_equal(wg_store_write(s, text_fn, text_done, &b), 0);
	release_writer(3);
	assert_int_equal(a.status, 0);
	assert_int_equal(b.status, 0);
	assert_int_equal(query(s, "SELECT count(*) FROM notes_text", NULL), 1);
	assert_int_equal(query(s, match_sql, "施工噪音"), 0);
	assert_int_equal(query(s, match_sql, "广告牌"), 1);

	hold_writer(s);
	assert_int_equal(wg_store_write(s, text_fn, text_done, &c), 0);
	release_writer(2);
	assert_int_equal(c.status, 0);
	assert_int_equal(query(s, "SELECT count(*) FROM notes_text", NULL), 1);
	assert_int_equal(query(s, match_sql, "广告牌"), 0);
	assert_int_equal(query(s, match_sql, "排水沟"), 1);
	wg_store_close(s);
}

/* Each allocation of a batch of one indexed note fails in turn: the write
 * then fails whole (no row, no text) or succeeds whole, and nothing leaks. */
static void test_text_alloc_failures(void **state)
{
	wg_test_db *f = wg_test_of(state);
	wg_store *s = open_store(f);
	for (unsigned long n = 1;; n++) {
		struct note note = {.id = (int64_t)n, .body = "电动车楼道充电存在火灾隐患", .status = -1};
		hold_writer(s);
		assert_int_equal(wg_store_write(s, note_fn, note_done, &note), 0);
		wg_alloc_fail_at(n);
		release_writer(2);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		int64_t want = note.status == 0;
		if (note.status != 0)
			assert_true(note.status == WG_ENOMEM || note.status == WG_ESTORE);
		assert_int_equal(query_num(s, "SELECT count(*) FROM notes WHERE id = ?", note.id), want);
		assert_int_equal(query_num(s, "SELECT count(*) FROM notes_text WHERE rowid = ?", note.id),
		                 want);
		if (used < n) {
			assert_int_equal(note.status, 0);
			break;
		}
	}
	wg_store_close(s);
}

/* ---- SQLite: checkpoints beside the writer ------------------------------- */

static int blob_fn(wg_db *db, void *arg)
{
	int64_t id = *(int64_t *)arg;
	static char body[16385];
	if (!body[0])
		memset(body, 'x', sizeof body - 1);
	return wg_db_execf(db, "INSERT INTO notes (id, body) VALUES (?, ?)", NULL, "it", id, body);
}

static int blob_failures;

static void blob_done(void *arg, int status)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	blob_failures += status != 0;
	pthread_mutex_unlock(&lock);
	done_cb(NULL, status);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The writer's connection no longer checkpoints on commit; the checkpointer
 * does, so pages reach the database file while the store runs (in WAL mode
 * nothing else writes that file before the last connection closes). */
static void test_checkpoints_beside_the_writer(void **state)
{
	wg_test_db *f = wg_test_of(state);
	wg_store *s = open_store(f);
	const char *path = f->url + strlen("sqlite:");
	off_t start = file_size(path);
	assert_true(start > 0);
	enum { ROWS = 800 }; /* 16 KB each: over 3,000 pages in the log */
	static int64_t ids[ROWS];
	pthread_mutex_lock(&lock);
	done_total = blob_failures = 0;
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < ROWS; i++) {
		ids[i] = i + 1;
		assert_int_equal(wg_store_write(s, blob_fn, blob_done, &ids[i]), 0);
	}
	pthread_mutex_lock(&lock);
	while (done_total < ROWS)
		pthread_cond_wait(&cond, &lock);
	int failures = blob_failures;
	pthread_mutex_unlock(&lock);
	assert_int_equal(failures, 0);
	/* The checkpointer runs on its own time: give it up to ten seconds. */
	bool grew = false;
	for (int i = 0; i < 1000 && !grew; i++) {
		grew = file_size(path) > start + INT64_C(4) * 1024 * 1024;
		if (!grew)
			nanosleep(&(struct timespec){.tv_nsec = 10L * 1000 * 1000}, NULL);
	}
	assert_true(grew);
	assert_int_equal(query(s, "SELECT count(*) FROM notes", NULL), ROWS);
	wg_store_close(s);
}

/* ---- PostgreSQL: cached statements prepared on the server ----------------- */

static const char count_sql[] = "SELECT count(*) FROM pg_class WHERE relname <> ?";

/* Steps the cached count_sql; 0 when it gave its row. */
static int run_cached(wg_db *db)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, count_sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_text(st, 1, "x", 1);
	if (!rc)
		rc = wg_stmt_step(st);
	bool row = rc == WG_DB_ROW && wg_stmt_int(st, 0) > 0;
	wg_stmt_finalize(st);
	return row ? 0 : rc == WG_DB_ROW ? WG_EINTERNAL : rc;
}

/* Prepared in a transaction that rolls back, it stays prepared; one whose
 * prepare failed (the transaction had failed before it) is prepared at its
 * next step. */
static void test_pg_prepared_across_transactions(void **state)
{
	wg_db *db = wg_test_connect(state, 0);
	assert_int_equal(wg_db_begin(db), 0);
	assert_int_equal(run_cached(db), 0);
	assert_int_equal(wg_db_rollback(db), 0);
	assert_int_equal(run_cached(db), 0);
	assert_int_equal(run_cached(db), 0);

	static const char other_sql[] = "SELECT count(*) FROM pg_namespace WHERE nspname <> ?";
	assert_int_equal(wg_db_begin(db), 0);
	assert_int_not_equal(wg_db_exec(db, "SELECT * FROM no_such_table"), 0);
	wg_stmt *st;
	assert_int_equal(wg_db_prepare_cached(db, other_sql, &st), 0);
	assert_int_equal(wg_stmt_bind_text(st, 1, "x", 1), 0);
	assert_int_equal(wg_stmt_step(st), WG_ESTORE);
	wg_stmt_finalize(st);
	assert_int_equal(wg_db_rollback(db), 0);
	assert_int_equal(wg_db_prepare_cached(db, other_sql, &st), 0);
	assert_int_equal(wg_stmt_bind_text(st, 1, "x", 1), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	wg_stmt_finalize(st);
	wg_db_close(db);
}

/* The server ended the session: the statement it had prepared is gone, and
 * the cached statement is prepared again in the new one. */
static void test_pg_prepared_after_reconnect(void **state)
{
	wg_db *db = wg_test_connect(state, 0);
	wg_db *admin = wg_test_connect(state, 0);
	assert_int_equal(run_cached(db), 0);
	int64_t pid = wg_test_query_int(db, "SELECT pg_backend_pid()", NULL, 0);
	assert_true(pid > 0);
	assert_int_equal(wg_test_query_int(admin,
	                                   "SELECT count(pg_terminate_backend(pid)) FROM "
	                                   "pg_stat_activity WHERE pid = ?",
	                                   NULL, pid),
	                 1);
	wg_db_close(admin);
	/* The backend may take a moment to go: until then the old session
	 * answers, after it the step fails and the connection is re-made. */
	int rc = 0;
	for (int i = 0; i < 200 && rc == 0; i++) {
		rc = run_cached(db);
		if (rc == 0)
			nanosleep(&(struct timespec){.tv_nsec = 10L * 1000 * 1000}, NULL);
	}
	assert_int_equal(rc, WG_ESTORE);
	assert_int_equal(wg__db_reconnect(db), 0);
	assert_int_equal(run_cached(db), 0);
	assert_int_equal(run_cached(db), 0);
	wg_db_close(db);
}

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) \
	((struct CMUnitTest){prefix #fn, fn, wg_test_setup, wg_test_teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON("sqlite/", test_text_in_batch, sqlite_fixture),
		ON("sqlite/", test_text_replaced, sqlite_fixture),
		ON("sqlite/", test_text_alloc_failures, sqlite_fixture),
		ON("sqlite/", test_checkpoints_beside_the_writer, sqlite_fixture),
		ON("postgresql/", test_pg_prepared_across_transactions, pg_fixture),
		ON("postgresql/", test_pg_prepared_after_reconnect, pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
