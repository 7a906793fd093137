/* stats_fold.h - the scheduler job that folds the statistics' pending rows
 * into the cube (domain/stats.h wg_stats_fold): a second after the oldest
 * was written, in runs of WG_STATS_FOLD_ROWS per write. Reads are exact
 * without it; it keeps the pending rows, which every read also scans, few. */
#ifndef WG_JOBS_STATS_FOLD_H
#define WG_JOBS_STATS_FOLD_H

#include "store/store.h"

#include <stdint.h>

struct wg_scheduler;

enum {
	WG_STATS_FOLD_DELAY_MS = 1000, /* wait for more rows to share the cube rows' writes */
	WG_STATS_FOLD_ROWS = 4096,     /* pending rows per fold: bounds its memory and write */
};

/* Start the job's scheduler thread (stop it with wg_stats_fold_stop before
 * the store closes). Returns 0 with *out, or a WG_E code. */
int wg_stats_fold_start(wg_store *store, struct wg_scheduler **out);

/* Stop it and forget it for wg_stats_fold_hint. NULL is ignored. */
void wg_stats_fold_stop(struct wg_scheduler *s);

/* A write at clock time now may have left pending rows: the job looks
 * WG_STATS_FOLD_DELAY_MS later. Cheap; any thread; nothing when the job is
 * not running. */
void wg_stats_fold_hint(int64_t now);

#endif
