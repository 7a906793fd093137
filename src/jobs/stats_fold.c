#include "jobs/stats_fold.h"

#include "domain/stats.h"
#include "jobs/scheduler.h"

#include <stdatomic.h>

static _Atomic(struct wg_scheduler *) running;

static int next_due(wg_db *db, void *ctx, int64_t *when)
{
	(void)ctx;
	int64_t first_at = 0, upto = 0;
	int rc = wg_stats_fold_next(db, WG_STATS_FOLD_ROWS, &first_at, &upto);
	*when = !rc && upto ? first_at + WG_STATS_FOLD_DELAY_MS : 0;
	return rc;
}

/* One item when anything is due: the id the next fold runs to. */
static int due(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	(void)ctx;
	*n = 0;
	int64_t first_at = 0, upto = 0;
	int rc = wg_stats_fold_next(db, WG_STATS_FOLD_ROWS, &first_at, &upto);
	if (!rc && upto && max && first_at + WG_STATS_FOLD_DELAY_MS <= now) {
		ids[0] = upto;
		*n = 1;
	}
	return rc;
}

static int fire(wg_db *db, void *ctx, int64_t id, int64_t now)
{
	(void)ctx;
	(void)now;
	int64_t folded = 0;
	return wg_stats_fold(db, id, &folded);
}

int wg_stats_fold_start(wg_store *store, struct wg_scheduler **out)
{
	static const wg_scheduler_job job = {
		.name = "statistics fold", .next_due = next_due, .due = due, .fire = fire};
	int rc = wg_scheduler_start(store, &job, out);
	if (!rc)
		atomic_store(&running, *out);
	return rc;
}

void wg_stats_fold_stop(struct wg_scheduler *s)
{
	if (!s)
		return;
	atomic_store(&running, NULL);
	wg_scheduler_stop(s);
}

void wg_stats_fold_hint(int64_t now)
{
	struct wg_scheduler *s = atomic_load(&running);
	if (s)
		wg_scheduler_hint(s, now + WG_STATS_FOLD_DELAY_MS);
}
