/* sync.h - the scheduler job that reads again what a server keeps in memory
 * from the database when something other than this server changed it:
 * another node on PostgreSQL, a CLI command on either store. The grid
 * index, the holiday calendar's edited years and the live settings each
 * have a counter in sync_generations that triggers move with every change
 * of their table (migration 0017). The job polls the three counters every
 * WG_SYNC_POLL_MS and rebuilds what moved. A change this server made
 * itself is applied at once by the request that made it; the job then
 * applies it once more, which changes nothing. */
#ifndef WG_JOBS_SYNC_H
#define WG_JOBS_SYNC_H

#include "core/config.h"
#include "store/store.h"

#include <stdint.h>

struct wg_calendar;

enum {
	WG_SYNC_POLL_MS = 2000,
	WG_SYNC_KINDS = 3, /* grids, calendar, settings */
};

/* What the job rebuilds. cfg is the live configuration the server reads
 * (its live settings are set in place, as a change through the API sets
 * them); calendar the server's. Both must outlive the job. */
typedef struct wg_sync_targets {
	wg_config *cfg;
	struct wg_calendar *calendar;
} wg_sync_targets;

/* The counters now, in the order above: read before the server loads what
 * they count, so that a change made while it loads is seen by the job. */
int wg_sync_generations(wg_db *db, int64_t out[WG_SYNC_KINDS]);

typedef struct wg_sync wg_sync;

/* Start the job with the counters the loaded state corresponds to (stop it
 * with wg_sync_stop before the store closes). Returns 0 with *out, or a
 * WG_E code. */
int wg_sync_start(wg_store *store, const wg_sync_targets *targets, const int64_t seen[WG_SYNC_KINDS],
                  wg_sync **out);

/* Stop the job and free it. NULL is ignored. */
void wg_sync_stop(wg_sync *s);

#endif
