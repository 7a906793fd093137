/* store.h - the executor between request loops and the database.
 *
 * The store owns every database connection and the threads that use them.
 * Callers never hold a connection: they hand a function to run.
 *
 * Writes (wg_store_write) are queued. SQLite has one writer thread that takes
 * everything queued (up to db.batch_max), runs it in ONE transaction with each
 * write inside its own SAVEPOINT (a failing write rolls back only itself),
 * commits with synchronous=FULL, and only then calls each write's done
 * callback: one fsync acknowledges many requests (group commit). If the
 * commit fails, every write of the batch is reported WG_ESTORE and none is
 * acknowledged. PostgreSQL runs the same loop on each of its db.pool
 * connection threads. On SQLite a thread of its own, with a connection of
 * its own, checkpoints (copies the log into the database) beside the
 * writer, which no longer does it inside a commit; and the full-text
 * writes of a batch's jobs (wg_db_text_index) are written at the end of the
 * batch, outside the jobs' savepoints (a job rolled back takes its own
 * back; one that cannot be written fails the batch, as a failed commit
 * does).
 *
 * Reads (wg_store_read) on SQLite run inline on the calling loop thread with
 * that loop's own read connection (done is called before wg_store_read
 * returns); on PostgreSQL they are queued to the pool so that no loop ever
 * blocks on the network (done is called from a pool thread). Either way a
 * read runs in one read-only transaction: all its statements see one
 * snapshot. On SQLite done runs before that snapshot ends, and a read
 * started from it on the same loop joins it (one transaction per request);
 * the snapshot is also kept for the loop's next reads while nothing has
 * been committed since it began, for at most 10 ms (store.c, "struct
 * reader"): a read always sees every write acknowledged before it began.
 *
 * done callbacks from store threads must not block; the HTTP layer posts them
 * back to the request's loop. A fn runs on a store thread (or inline for
 * SQLite reads) and may queue more work with wg_store_write, but must not
 * call wg_store_run (the connection it would need is the one it holds) nor
 * end the transaction it runs in.
 *
 * Shutting down: wg_store_shutdown drains and stops while the loops still
 * run (so they can answer with what the done callbacks bring, and new work
 * is refused with WG_ESHUTDOWN); wg_store_close frees the store once nothing
 * can call it any more. */
#ifndef WG_STORE_STORE_H
#define WG_STORE_STORE_H

#include "store/db.h"

typedef struct wg_store wg_store;

/* Work to run on a connection. For writes it runs inside a savepoint of the
 * batch transaction; returning non-zero rolls back to that savepoint and the
 * value is passed to done. For reads the return value is passed to done. */
typedef int (*wg_store_fn)(wg_db *db, void *arg);

/* Called once per submitted job with fn's result, or WG_ESTORE when the batch
 * could not commit, or WG_ESHUTDOWN if the store closed first. */
typedef void (*wg_store_done_fn)(void *arg, int status);

typedef struct wg_store_options {
	const char *url;
	int busy_timeout_ms;
	int pool;         /* PostgreSQL connections; ignored for SQLite */
	int batch_max;    /* most writes in one transaction */
	unsigned readers; /* SQLite read connections: one per event loop */
	/* Tests only (testing.ack_before_commit): done is called for each write
	 * that succeeded as soon as it ran, before its batch commits, so that a
	 * crash loses acknowledged writes; the crash test's positive control. */
	bool ack_before_commit;
	/* PostgreSQL: keep wg_store_session_epoch (below); the server sets it. */
	bool watch_sessions;
} wg_store_options;

/* Open connections and start threads. Returns 0, WG_ECONFIG, WG_ESTORE (with
 * the reason in err) or WG_ENOMEM. Close with wg_store_close. */
int wg_store_open(const wg_store_options *opt, wg_store **out, char *err, size_t errlen);

/* Refuse new work from now on (WG_ESHUTDOWN), finish every queued write and
 * read (their done callbacks run) and stop the threads. Other threads may
 * keep calling the store meanwhile; call it from one thread only. Safe to
 * call again, and wg_store_close calls it. */
void wg_store_shutdown(wg_store *s);

/* Shut down (above) if not done yet, then close all connections and free s.
 * No other thread may use s during or after this. NULL is ignored. */
void wg_store_close(wg_store *s);

enum wg_db_kind wg_store_kind(const wg_store *s);
const char *wg_store_kind_name(const wg_store *s);

/* Queue a write. Returns 0 (done will be called exactly once, from the writer
 * thread) or WG_ESHUTDOWN / WG_ENOMEM (done is not called). */
int wg_store_write(wg_store *s, wg_store_fn fn, wg_store_done_fn done, void *arg);

/* The same, for a write that changes no session and no account column a
 * session lookup reads, only marks a session used (later, never earlier):
 * a batch of nothing else leaves wg_store_session_epoch as it was, so
 * that marking sessions used, once a minute per active session, does not
 * end every memo of the server. */
int wg_store_write_keeping_sessions(wg_store *s, wg_store_fn fn, wg_store_done_fn done, void *arg);

/* Run a read for loop number reader (0 <= reader < readers; each loop uses
 * only its own number). Returns 0 (done called exactly once, possibly before
 * this returns) or WG_ESHUTDOWN / WG_ENOMEM / WG_EINTERNAL for a reader out of
 * range (done is not called). SQLite read connections are query_only: a
 * read that writes fails. */
int wg_store_read(wg_store *s, unsigned reader, wg_store_fn fn, wg_store_done_fn done, void *arg);

/* SQLite: whether loop number reader keeps a snapshot now, and ending it
 * when no read runs on it (the loop calls this soon after its reads, so
 * that an idle loop holds back no checkpoint); returns whether one is
 * still kept. Both false on PostgreSQL. */
bool wg_store_read_held(wg_store *s, unsigned reader);
bool wg_store_read_release(wg_store *s, unsigned reader);

/* SQLite, from inside a read on loop number reader: a number for the
 * snapshot it runs in, different from every earlier snapshot of that
 * loop, for a memo of a read's answer (the same snapshot gives the same
 * answer); 0 when there is none, and always on PostgreSQL, whose reads
 * run on pool threads and must not touch a loop's memo. */
uint64_t wg_store_read_snapshot(wg_store *s, unsigned reader);

/* PostgreSQL, opened with watch_sessions: a number that stays the same
 * only while no session and no account a session rests on can have
 * changed, for a memo of sessions looked up (http/auth.c). It moves on
 * every commit of this process (before its writes are acknowledged), on
 * every notification of a change by another process (migration 0018's
 * triggers NOTIFY the channel "wangge_sessions" on any change to the
 * sessions' or the accounts' columns a session lookup reads; marking a
 * session used does not), and whenever the listening connection is lost
 * or back. 0 when nothing may be memoised: not listening (yet), SQLite, or
 * not watched. Any thread. */
uint64_t wg_store_session_epoch(wg_store *s);

/* Run fn synchronously on the writer connection (PostgreSQL: the first pool
 * connection) in one transaction, committed when fn returns 0 (used by the
 * CLI: migrate, check, import). Safe while the store threads run: it takes
 * the connection between two batches. Returns fn's non-zero result (rolled
 * back), the commit's error, WG_ESTORE when no transaction could begin, or
 * WG_ESHUTDOWN after wg_store_shutdown. */
int wg_store_run(wg_store *s, wg_store_fn fn, void *arg);

/* Statistics for /metrics. */
typedef struct wg_store_stats {
	unsigned long long commits; /* batch transactions committed */
	unsigned long long writes;  /* writes acknowledged */
	unsigned long long errors;  /* failed commits or connection errors */
	unsigned long queue_depth;  /* writes waiting now */
	int session_watch;          /* 1 listening, 0 not (yet), -1 not watched (wg_store_session_epoch) */
} wg_store_stats;
void wg_store_get_stats(wg_store *s, wg_store_stats *out);

#endif
