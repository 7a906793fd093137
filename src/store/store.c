#include "store/store.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "store/driver.h"
#include "store/pg_watch.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>

/* Savepoint around each write of a batch; one at a time, so one name. */
#define WRITE_SAVEPOINT "wg_write"

/* SQLite: pages in the write-ahead log after which the checkpointer is
 * woken (SQLite's own automatic checkpoint uses the same figure). */
#define CHECKPOINT_PAGES 1000

/* A queued write or read. Nodes are the store's: they are recycled through
 * a free list, so a steady load allocates nothing. arg stays the caller's
 * and is not touched once done has been called with it. */
struct job {
	struct job *next;
	wg_store_fn fn;
	wg_store_done_fn done;
	void *arg;
	int status;
	bool keeps_sessions; /* wg_store_write_keeping_sessions */
};

struct queue {
	struct job *head;
	struct job *tail;
	unsigned long n;
};

/* A thread with its own connection: the SQLite writer, or one PostgreSQL
 * pool member. db_lock is held while the thread works on db, so that
 * wg_store_run can borrow the connection between batches. */
struct worker {
	struct wg_store *s;
	wg_db *db;
	pthread_mutex_t db_lock;
	pthread_t thread;
	bool lock_ready;
	bool started;
};

/* A loop's read connection (SQLite). Its snapshot is kept from one read to
 * the next while nothing was committed since it began and it is younger
 * than SNAPSHOT_MAX_US: beginning and ending a read transaction takes
 * SQLite's shared-memory lock (a mutex the loops contend for and two
 * fcntl calls), about a sixth of a small request's time. A commit of this
 * process moves wg__sqlite_commits before it is acknowledged, so a read
 * after an acknowledged write always sees it; another process's commit
 * (a CLI's) is seen within SNAPSHOT_MAX_US. wg_store_read_release ends an
 * idle one, so that it does not hold back checkpoints. */
struct reader {
	wg_db *db;
	unsigned depth;    /* reads running on it now (nested from a done) */
	uint64_t commits;  /* wg__sqlite_commits() before the snapshot began */
	int64_t since_us;  /* when it began */
	uint64_t snapshot; /* snapshots begun on it, this one included */
};

enum { SNAPSHOT_MAX_US = 10000 };

/* What migration 0018's triggers NOTIFY when a session may have changed. */
#define SESSIONS_CHANNEL "wangge_sessions"

struct wg_store {
	enum wg_db_kind kind;
	unsigned long batch_max;
	bool ack_before_commit; /* tests only: wg_store_options */

	/* One lock and one condition guard both queues, the free list and
	 * stopping: a submit is a lock, a push and a signal. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queue writes;
	struct queue reads; /* PostgreSQL only: SQLite reads run inline */
	struct job *free_jobs;
	unsigned long nfree;
	unsigned long free_max;
	bool stopping;

	/* stopping as seen by inline readers, which never take the lock. */
	atomic_bool shut;
	bool joined;

	struct worker *workers;
	unsigned nworkers;
	struct reader *readers; /* SQLite: one connection per event loop */
	unsigned nreaders;

	/* SQLite: the checkpointer, its connection and its wake-up (under
	 * lock). It copies the log into the database beside the writer, which
	 * otherwise does it inside a commit every 1,000 pages, holding up
	 * every write of the batch meanwhile. */
	wg_db *ckpt_db;
	pthread_t ckpt_thread;
	pthread_cond_t ckpt_wake;
	bool ckpt_cond_ready;
	bool ckpt_started;
	bool ckpt_wanted;

	/* PostgreSQL: wg_store_session_epoch's listener, or NULL. */
	wg_pg_watch *sessions_watch;

	atomic_ullong commits;
	atomic_ullong acked;
	atomic_ullong errors;
	atomic_ulong depth;
};

static void push(struct queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
}

/* Detach up to max jobs from the front of q; *tail and *n describe them. */
static struct job *take(struct queue *q, unsigned long max, struct job **tail, unsigned long *n)
{
	struct job *head = q->head, *last = head;
	unsigned long count = 1;
	while (count < max && last->next) {
		last = last->next;
		count++;
	}
	q->head = last->next;
	if (!q->head)
		q->tail = NULL;
	q->n -= count;
	last->next = NULL;
	*tail = last;
	*n = count;
	return head;
}

/* Called with the lock held. A burst may leave more nodes than steady work
 * needs; those go back to the allocator. */
static void recycle(struct wg_store *s, struct job *head, struct job *tail, unsigned long n)
{
	if (s->nfree + n <= s->free_max) {
		tail->next = s->free_jobs;
		s->free_jobs = head;
		s->nfree += n;
		return;
	}
	while (head) {
		struct job *next = head->next;
		wg_free(head);
		head = next;
	}
}

static int submit(struct wg_store *s, struct queue *q, wg_store_fn fn, wg_store_done_fn done, void *arg,
                  bool keeps_sessions)
{
	struct job *j = NULL;
	pthread_mutex_lock(&s->lock);
	if (!s->stopping && !s->free_jobs) {
		/* Allocate outside the lock so that other submitters and the
		 * writer do not wait on malloc. */
		pthread_mutex_unlock(&s->lock);
		j = wg_malloc(sizeof *j);
		if (!j)
			return WG_ENOMEM;
		pthread_mutex_lock(&s->lock);
	}
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		wg_free(j);
		return WG_ESHUTDOWN;
	}
	if (!j) {
		j = s->free_jobs;
		s->free_jobs = j->next;
		s->nfree--;
	}
	*j = (struct job){.fn = fn, .done = done, .arg = arg, .keeps_sessions = keeps_sessions};
	push(q, j);
	if (q == &s->writes)
		atomic_store_explicit(&s->depth, q->n, memory_order_relaxed);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* A transaction left open by a job (a bug in it) would hold locks and pin
 * old rows; end it so that the connection's next user starts clean. */
static void end_stray_transaction(wg_db *db)
{
	if (wg__db_in_transaction(db))
		wg_db_rollback(db);
}

static int begin_batch(wg_db *db)
{
	int rc = wg__db_reconnect(db);
	if (rc == 0)
		rc = wg_db_begin(db);
	/* A PostgreSQL restart shows up on the first command after it; nothing
	 * has run yet, so reconnecting and beginning again is safe. */
	if (rc != 0 && wg_db_kind(db) == WG_DB_POSTGRES && wg__db_reconnect(db) == 0)
		rc = wg_db_begin(db);
	return rc;
}

/* Once per failed batch or connection, never per job: says why writes
 * are answered 503. */
static void log_failure(const char *msg, wg_db *db, unsigned long jobs)
{
	wg_json_out *w = wg_log_line_begin(WG_LOG_ERROR, msg);
	if (!w)
		return;
	wg_json_kv_string(w, "store", wg_db_kind_name(db));
	wg_json_kv_string(w, "error", wg_db_errmsg(db));
	wg_json_kv_int(w, "jobs", (int64_t)jobs);
	wg_log_line_end(w);
}

/* A session or an account may have changed: memos of sessions end here,
 * before the writes are acknowledged (wg_store_session_epoch). */
static void after_any_commit(struct wg_store *s)
{
	if (s->sessions_watch)
		wg__pg_watch_bump(s->sessions_watch);
}

/* Whether every write of a batch promised to leave sessions alone. */
static bool batch_keeps_sessions(const struct job *head)
{
	for (const struct job *j = head; j; j = j->next)
		if (!j->keeps_sessions)
			return false;
	return true;
}

/* Wakes the checkpointer once a commit has left enough in the log. */
static void after_commit(struct wg_store *s, wg_db *db)
{
	if (!s->ckpt_started || wg__sqlite_wal_frames(db) < CHECKPOINT_PAGES)
		return;
	pthread_mutex_lock(&s->lock);
	s->ckpt_wanted = true;
	pthread_cond_signal(&s->ckpt_wake);
	pthread_mutex_unlock(&s->lock);
}

/* Tests only (testing.ack_before_commit): answers a write that ran before
 * its batch commits, as a store without durability would; the crash test
 * must then find acknowledged writes lost. done is cleared so that the
 * writer does not call it again after the commit. */
static void ack_early(struct wg_store *s, struct job *j)
{
	if (!s->ack_before_commit)
		return;
	j->done(j->arg, j->status);
	j->done = NULL;
}

/* Group commit: every job of the batch in one transaction, each under its
 * own savepoint so that a failing job rolls back only itself. If the
 * transaction cannot commit, nothing in it is acknowledged. On SQLite the
 * jobs' full-text writes wait for the end of the batch (driver.h), and a
 * job rolled back takes its own back. */
static void run_batch(struct wg_store *s, wg_db *db, struct job *head, unsigned long n)
{
	bool sqlite = s->kind == WG_DB_SQLITE;
	int rc = begin_batch(db);
	if (sqlite)
		wg__sqlite_defer_text(db, true);
	for (struct job *j = head; j && rc == 0; j = j->next) {
		size_t texts = sqlite ? wg__sqlite_text_pending(db) : 0;
		rc = wg_db_savepoint(db, WRITE_SAVEPOINT);
		if (rc)
			break;
		j->status = j->fn(db, j->arg);
		if (j->status == 0 && wg_db_release(db, WRITE_SAVEPOINT) == 0) {
			ack_early(s, j);
			continue;
		}
		/* A job that failed, or that returned 0 over a statement error it
		 * ignored (PostgreSQL then refuses the release): undo only it. */
		if (j->status == 0)
			j->status = WG_ESTORE;
		if (sqlite)
			wg__sqlite_text_drop(db, texts);
		rc = wg_db_rollback_to(db, WRITE_SAVEPOINT);
		if (rc == 0)
			rc = wg_db_release(db, WRITE_SAVEPOINT);
	}
	if (sqlite) {
		wg__sqlite_defer_text(db, false);
		if (rc == 0)
			rc = wg__sqlite_text_flush(db);
		else
			wg__sqlite_text_drop(db, 0);
	}
	if (rc == 0)
		rc = wg_db_commit(db);
	if (rc == 0) {
		unsigned long long ok = 0;
		for (struct job *j = head; j; j = j->next)
			ok += j->status == 0;
		atomic_fetch_add_explicit(&s->commits, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->acked, ok, memory_order_relaxed);
		if (!batch_keeps_sessions(head))
			after_any_commit(s);
		if (sqlite)
			after_commit(s, db);
		return;
	}
	log_failure("write batch failed, nothing acknowledged", db, n);
	end_stray_transaction(db);
	for (struct job *j = head; j; j = j->next)
		j->status = WG_ESTORE;
	atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
}

/* The checkpointer: waits to be woken, then copies the log into the
 * database while the writer goes on. A failure is logged and the log
 * keeps growing until a later attempt succeeds. */
static void *checkpointer_main(void *arg)
{
	struct wg_store *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->ckpt_wanted && !s->stopping)
			pthread_cond_wait(&s->ckpt_wake, &s->lock);
		if (s->stopping)
			break;
		s->ckpt_wanted = false;
		pthread_mutex_unlock(&s->lock);
		if (wg__sqlite_checkpoint(s->ckpt_db) != 0) {
			log_failure("checkpoint failed", s->ckpt_db, 0);
			atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
		}
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* A read sees one snapshot from its first statement to its last, so that a
 * count and the page it describes agree. */
static int read_in_snapshot(wg_db *db, wg_store_fn fn, void *arg)
{
	int rc = wg_db_begin_read(db);
	if (rc == 0) {
		rc = fn(db, arg);
		int end = rc == 0 ? wg_db_end_read(db) : 0;
		rc = rc ? rc : end;
	}
	end_stray_transaction(db);
	return rc;
}

static void run_read(struct wg_store *s, wg_db *db, struct job *j)
{
	int rc = wg__db_reconnect(db);
	if (rc) {
		log_failure("read failed: no connection", db, 1);
		atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
		j->status = rc;
		return;
	}
	j->status = read_in_snapshot(db, j->fn, j->arg);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct wg_store *s = w->s;
	/* Alternate when both kinds wait, so neither starves the other. */
	bool read_next = false;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->writes.head && !s->reads.head && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		bool read = s->reads.head && (read_next || !s->writes.head);
		struct queue *q = read ? &s->reads : &s->writes;
		if (!q->head)
			break; /* stopping and drained */
		struct job *tail;
		unsigned long n;
		struct job *head = take(q, read ? 1 : s->batch_max, &tail, &n);
		if (!read)
			atomic_store_explicit(&s->depth, q->n, memory_order_relaxed);
		pthread_mutex_unlock(&s->lock);
		read_next = !read;

		pthread_mutex_lock(&w->db_lock);
		if (read)
			run_read(s, w->db, head);
		else
			run_batch(s, w->db, head, n);
		pthread_mutex_unlock(&w->db_lock);
		/* The nodes stay ours after done; the args are the callers'. */
		for (struct job *j = head; j; j = j->next)
			if (j->done)
				j->done(j->arg, j->status);

		pthread_mutex_lock(&s->lock);
		recycle(s, head, tail, n);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void free_jobs(struct job *j)
{
	while (j) {
		struct job *next = j->next;
		wg_free(j);
		j = next;
	}
}

/* Frees everything; safe on a partly opened store (threads already joined). */
static void destroy(struct wg_store *s)
{
	for (unsigned i = 0; s->workers && i < s->nworkers; i++) {
		wg_db_close(s->workers[i].db);
		if (s->workers[i].lock_ready)
			pthread_mutex_destroy(&s->workers[i].db_lock);
	}
	for (unsigned i = 0; s->readers && i < s->nreaders; i++)
		wg_db_close(s->readers[i].db);
	wg_db_close(s->ckpt_db);
	if (s->ckpt_cond_ready)
		pthread_cond_destroy(&s->ckpt_wake);
	free_jobs(s->free_jobs);
	free_jobs(s->writes.head);
	free_jobs(s->reads.head);
	wg_free(s->workers);
	wg_free(s->readers);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	wg_free(s);
}

static int open_connections(struct wg_store *s, const wg_store_options *opt, char *err, size_t errlen)
{
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];
		w->s = s;
		if (pthread_mutex_init(&w->db_lock, NULL) != 0)
			return WG_ENOMEM;
		w->lock_ready = true;
		int rc = wg_db_open(opt->url, opt->busy_timeout_ms, &w->db, err, errlen);
		if (rc)
			return rc;
	}
	if (s->kind == WG_DB_SQLITE) {
		if (pthread_cond_init(&s->ckpt_wake, NULL) != 0)
			return WG_ENOMEM;
		s->ckpt_cond_ready = true;
		int rc = wg_db_open(opt->url, opt->busy_timeout_ms, &s->ckpt_db, err, errlen);
		if (rc)
			return rc;
	}
	/* Opened after the writer, which creates the file and turns on WAL. */
	for (unsigned i = 0; i < s->nreaders; i++) {
		wg_db **db = &s->readers[i].db;
		int rc = wg_db_open(opt->url, opt->busy_timeout_ms, db, err, errlen);
		/* A read that wrote would bypass group commit and contend with
		 * the writer for the lock; make it fail instead. */
		if (rc == 0 && wg_db_exec(*db, "PRAGMA query_only=ON") != 0) {
			wg__db_copy_error(err, errlen, wg_db_errmsg(*db));
			rc = WG_ESTORE;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Store threads block every signal, so that signals reach the event loops
 * and never interrupt a commit. */
static int start_threads(struct wg_store *s)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = 0;
	/* The writer hands its checkpoints over only once the checkpointer
	 * runs, and before the writer's own thread uses its connection. */
	if (s->ckpt_db) {
		if (pthread_create(&s->ckpt_thread, NULL, checkpointer_main, s) == 0) {
			s->ckpt_started = true;
			wg__sqlite_leave_checkpoints(s->workers[0].db);
		} else {
			rc = WG_ENOMEM;
		}
	}
	for (unsigned i = 0; i < s->nworkers && rc == 0; i++) {
		if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) == 0)
			s->workers[i].started = true;
		else
			rc = WG_ENOMEM;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int wg_store_open(const wg_store_options *opt, wg_store **out, char *err, size_t errlen)
{
	*out = NULL;
	enum wg_db_kind kind;
	if (wg_db_url_kind(opt->url, &kind) != 0) {
		wg__db_copy_error(err, errlen, "invalid database URL");
		return WG_ECONFIG;
	}
	struct wg_store *s = wg_calloc(1, sizeof *s);
	if (!s)
		return WG_ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		wg_free(s);
		return WG_ENOMEM;
	}
	if (pthread_cond_init(&s->wake, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		wg_free(s);
		return WG_ENOMEM;
	}
	s->kind = kind;
	s->batch_max = opt->batch_max > 0 ? (unsigned long)opt->batch_max : 1;
	s->ack_before_commit = opt->ack_before_commit;
	s->free_max = 2 * s->batch_max + 64;
	s->nworkers = kind == WG_DB_SQLITE ? 1 : (opt->pool > 0 ? (unsigned)opt->pool : 1);
	s->nreaders = kind == WG_DB_SQLITE ? opt->readers : 0;
	s->workers = wg_calloc(s->nworkers, sizeof *s->workers);
	s->readers = s->nreaders ? wg_calloc(s->nreaders, sizeof *s->readers) : NULL;

	int rc = !s->workers || (s->nreaders && !s->readers) ? WG_ENOMEM
	                                                     : open_connections(s, opt, err, errlen);
	if (rc == 0)
		rc = start_threads(s);
	if (rc == 0 && kind == WG_DB_POSTGRES && opt->watch_sessions)
		rc = wg__pg_watch_start(opt->url, SESSIONS_CHANNEL, &s->sessions_watch);
	if (rc) {
		if (rc == WG_ENOMEM)
			wg__db_copy_error(err, errlen, "out of memory");
		wg_store_shutdown(s);
		destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

void wg_store_shutdown(wg_store *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	atomic_store(&s->shut, true);
	pthread_cond_broadcast(&s->wake);
	if (s->ckpt_cond_ready)
		pthread_cond_signal(&s->ckpt_wake);
	pthread_mutex_unlock(&s->lock);
	if (s->joined)
		return;
	for (unsigned i = 0; s->workers && i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	if (s->ckpt_started)
		pthread_join(s->ckpt_thread, NULL);
	wg__pg_watch_stop(s->sessions_watch);
	s->sessions_watch = NULL;
	s->joined = true;
}

void wg_store_close(wg_store *s)
{
	if (!s)
		return;
	wg_store_shutdown(s);
	destroy(s);
}

enum wg_db_kind wg_store_kind(const wg_store *s)
{
	return s->kind;
}

const char *wg_store_kind_name(const wg_store *s)
{
	return wg_db_kind_name(s->workers[0].db);
}

int wg_store_write(wg_store *s, wg_store_fn fn, wg_store_done_fn done, void *arg)
{
	return submit(s, &s->writes, fn, done, arg, false);
}

int wg_store_write_keeping_sessions(wg_store *s, wg_store_fn fn, wg_store_done_fn done, void *arg)
{
	return submit(s, &s->writes, fn, done, arg, true);
}

static void end_snapshot(struct reader *r)
{
	if (wg__db_in_transaction(r->db) && wg_db_commit(r->db) != 0)
		end_stray_transaction(r->db);
}

static bool snapshot_current(const struct reader *r)
{
	return wg__db_in_transaction(r->db) && r->commits == wg__sqlite_commits() &&
	       wg_clock_mono_us() - r->since_us < SNAPSHOT_MAX_US;
}

int wg_store_read(wg_store *s, unsigned reader, wg_store_fn fn, wg_store_done_fn done, void *arg)
{
	if (s->kind == WG_DB_POSTGRES)
		return submit(s, &s->reads, fn, done, arg, false);
	if (atomic_load_explicit(&s->shut, memory_order_relaxed))
		return WG_ESHUTDOWN;
	if (reader >= s->nreaders)
		return WG_EINTERNAL;
	struct reader *r = &s->readers[reader];
	/* A read started from another's done (the auth step, then the
	 * handler) joins its snapshot as it is. */
	if (r->depth == 0 && !snapshot_current(r))
		end_snapshot(r);
	int rc = 0;
	if (!wg__db_in_transaction(r->db)) {
		r->commits = wg__sqlite_commits();
		r->since_us = wg_clock_mono_us();
		rc = wg_db_begin_read(r->db);
		r->snapshot++;
	}
	r->depth++;
	if (rc == 0)
		rc = fn(r->db, arg);
	done(arg, rc);
	r->depth--;
	/* After a store failure the next read starts afresh. */
	if (r->depth == 0 && rc == WG_ESTORE)
		end_snapshot(r);
	return 0;
}

bool wg_store_read_release(wg_store *s, unsigned reader)
{
	if (s->kind != WG_DB_SQLITE || reader >= s->nreaders)
		return false;
	struct reader *r = &s->readers[reader];
	if (r->depth == 0)
		end_snapshot(r);
	return wg__db_in_transaction(r->db);
}

uint64_t wg_store_read_snapshot(wg_store *s, unsigned reader)
{
	if (s->kind != WG_DB_SQLITE || reader >= s->nreaders)
		return 0;
	const struct reader *r = &s->readers[reader];
	return r->depth > 0 && wg__db_in_transaction(r->db) ? r->snapshot : 0;
}

uint64_t wg_store_session_epoch(wg_store *s)
{
	return s->sessions_watch ? wg__pg_watch_epoch(s->sessions_watch) : 0;
}

bool wg_store_read_held(wg_store *s, unsigned reader)
{
	return s->kind == WG_DB_SQLITE && reader < s->nreaders &&
	       wg__db_in_transaction(s->readers[reader].db);
}

int wg_store_run(wg_store *s, wg_store_fn fn, void *arg)
{
	if (atomic_load(&s->shut))
		return WG_ESHUTDOWN;
	struct worker *w = &s->workers[0];
	pthread_mutex_lock(&w->db_lock);
	int rc = begin_batch(w->db);
	if (rc == 0)
		rc = fn(w->db, arg);
	if (rc == 0)
		rc = wg_db_commit(w->db);
	if (rc == 0 && s->kind == WG_DB_SQLITE)
		after_commit(s, w->db);
	if (rc == 0)
		after_any_commit(s);
	end_stray_transaction(w->db);
	pthread_mutex_unlock(&w->db_lock);
	return rc;
}

void wg_store_get_stats(wg_store *s, wg_store_stats *out)
{
	out->commits = atomic_load_explicit(&s->commits, memory_order_relaxed);
	out->writes = atomic_load_explicit(&s->acked, memory_order_relaxed);
	out->errors = atomic_load_explicit(&s->errors, memory_order_relaxed);
	out->queue_depth = atomic_load_explicit(&s->depth, memory_order_relaxed);
	out->session_watch = s->sessions_watch ? wg__pg_watch_epoch(s->sessions_watch) != 0 : -1;
}
