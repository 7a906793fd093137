/* scheduler.h - one thread that wakes when something is due and fires it.
 *
 * A job says three things through callbacks that run on a store thread
 * with a connection: when its next item falls due (next_due), which items
 * are due now (due), and what falling due means for one item (fire). The
 * scheduler is generic: the case clocks are one job; tests use a fake one.
 *
 * The thread sleeps until the earliest of the job's next due time, a hint
 * (wg_scheduler_hint: a write has just set an earlier time, or the test
 * clock moved) and a safety re-check a minute later, so an idle server
 * reads one row a minute and never scans every item every second. Awake,
 * it lists what is due in batches of WG_SCHEDULER_BATCH and fires each item
 * as a write of its own (wg_store_write: its own savepoint in the group
 * commit, so a failing item rolls back only itself), waits until the whole
 * batch is acknowledged, and lists again until nothing fresh is due; then
 * it reads next_due and sleeps again.
 *
 * Time comes from wg_clock_now_ms: with the clock fixed by a test, a due
 * time is reached when the test moves the clock (and hints), not when real
 * time passes. How long to sleep is still measured on the monotonic clock.
 *
 * An item whose fire fails is logged, counted and left alone for a while
 * (WG_SCHEDULER_BACKOFF_MIN_MS, doubling up to WG_SCHEDULER_BACKOFF_MAX_MS
 * on each further failure): it is never retried in a tight loop. An item
 * that stays due after WG_SCHEDULER_MAX_REFIRES successful fires in a row
 * is treated the same way, since firing it again would change nothing.
 *
 * Reads go through the store like everything else: on PostgreSQL through
 * the pool (wg_store_read); on SQLite, where each read connection belongs
 * to one event loop, through the write queue as a write that writes
 * nothing. */
#ifndef WG_JOBS_SCHEDULER_H
#define WG_JOBS_SCHEDULER_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WG_SCHEDULER_BATCH = 100,              /* items listed and fired per round */
	WG_SCHEDULER_RECHECK_MS = 60000,       /* longest sleep, whatever next_due says */
	WG_SCHEDULER_RETRY_MS = 5000,          /* sleep after a failed read, or while only
	                                       * backed-off items are due */
	WG_SCHEDULER_BACKOFF_MIN_MS = 30000,   /* first wait after a failed fire */
	WG_SCHEDULER_BACKOFF_MAX_MS = 1800000, /* longest wait between retries */
	WG_SCHEDULER_BACKOFF_SLOTS = 1024,     /* failing items remembered at once */
	WG_SCHEDULER_MAX_REFIRES = 3,
	WG_SCHEDULER_RUNNING_MAX = 8, /* schedulers wg_scheduler_hint_all reaches */
};

/* The callbacks run on a store thread, one at a time, and must not block on
 * anything but the database. Each returns 0 or a negative WG_E code. */
typedef struct wg_scheduler_job {
	const char *name; /* for logs */
	/* The earliest time anything falls due, in clock ms; 0 when nothing
	 * ever will. */
	int (*next_due)(wg_db *db, void *ctx, int64_t *when);
	/* Up to max ids of items due at or before now, earliest first (ties in
	 * a stable order, such as by id), into ids; their count into *n. */
	int (*due)(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n);
	/* Apply what is due on item id at now and move its due time on (or
	 * clear it). Runs inside its own write savepoint: a non-zero return
	 * rolls back what it wrote. */
	int (*fire)(wg_db *db, void *ctx, int64_t id, int64_t now);
	void *ctx;
} wg_scheduler_job;

typedef struct wg_scheduler wg_scheduler;

/* Start the thread. *job is copied; job->name and job->ctx must outlive the
 * scheduler, and so must store (stop the scheduler before wg_store_close).
 * Returns 0, WG_EINTERNAL when a callback is missing, or WG_ENOMEM (memory
 * or a thread; nothing is left allocated). */
int wg_scheduler_start(wg_store *store, const wg_scheduler_job *job, wg_scheduler **out);

/* Something may be due at `when` (clock ms): a write has set an earlier due
 * time, or the test clock moved. Wakes the thread when that is earlier than
 * the time it sleeps until or when the clock has already reached that time;
 * otherwise it is remembered and the thread wakes for it anyway. Call it
 * after the write committed (from its done callback), so that the pass it
 * starts sees the write. Cheap (one lock); any thread, also a store
 * thread, but not once wg_scheduler_stop has begun (code that may outlive
 * the scheduler uses wg_scheduler_hint_global). */
void wg_scheduler_hint(wg_scheduler *s, int64_t when);

/* Ask the thread to stop, wait for the batch in flight to be acknowledged
 * and the thread to end, and free s. Unregisters s if it is the global
 * scheduler. NULL is ignored. */
void wg_scheduler_stop(wg_scheduler *s);

/* The process-wide scheduler, for code that has no pointer to it (the test
 * clock route). wg_scheduler_set_global(NULL) unregisters. */
void wg_scheduler_set_global(wg_scheduler *s);

/* wg_scheduler_hint on the registered scheduler; nothing when none is. */
void wg_scheduler_hint_global(int64_t when);

/* wg_scheduler_hint on every running scheduler (the test clock moved:
 * anything may be due). */
void wg_scheduler_hint_all(int64_t when);

/* Statistics for /metrics. */
typedef struct wg_scheduler_stats {
	unsigned long long passes; /* times the thread woke and looked */
	unsigned long long fired;  /* fires acknowledged */
	unsigned long long errors; /* failed fires, failed reads, items stuck due */
	int64_t last_run_ms;       /* clock time of the last pass; 0 before the first */
	int64_t next_run_ms;       /* clock time it sleeps until; 0 while awake */
	unsigned long backed_off;  /* items waiting out a failure */
} wg_scheduler_stats;

void wg_scheduler_get_stats(wg_scheduler *s, wg_scheduler_stats *out);

/* The registered scheduler's statistics; false (and *out zeroed) when none
 * is registered. */
bool wg_scheduler_global_stats(wg_scheduler_stats *out);

#endif
