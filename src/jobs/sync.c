#include "jobs/sync.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "domain/grid.h"
#include "domain/holiday.h"
#include "domain/settings.h"
#include "jobs/scheduler.h"

#include <string.h>

/* The counters' names, by item id - 1. */
static const char *const kinds[WG_SYNC_KINDS] = {"grids", "calendar", "settings"};

struct wg_sync {
	wg_scheduler *scheduler;
	wg_sync_targets targets;
	/* The counter each kind's loaded state corresponds to. The scheduler
	 * calls due and fire one at a time, so only one thread uses these. */
	int64_t seen[WG_SYNC_KINDS];
};

int wg_sync_generations(wg_db *db, int64_t out[WG_SYNC_KINDS])
{
	memset(out, 0, WG_SYNC_KINDS * sizeof *out);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT name, generation FROM sync_generations", &st);
	if (rc)
		return rc;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		const char *name = wg_stmt_text(st, 0, NULL);
		for (size_t i = 0; name && i < WG_SYNC_KINDS; i++)
			if (strcmp(name, kinds[i]) == 0)
				out[i] = wg_stmt_int(st, 1);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Looked at every WG_SYNC_POLL_MS. */
static int next_due(wg_db *db, void *ctx, int64_t *when)
{
	(void)db;
	(void)ctx;
	*when = wg_clock_now_ms() + WG_SYNC_POLL_MS;
	return 0;
}

/* The kinds whose counter moved (ids 1..WG_SYNC_KINDS). */
static int due(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	(void)now;
	struct wg_sync *s = ctx;
	*n = 0;
	int64_t gen[WG_SYNC_KINDS];
	int rc = wg_sync_generations(db, gen);
	for (size_t i = 0; !rc && i < WG_SYNC_KINDS && *n < max; i++)
		if (gen[i] != s->seen[i])
			ids[(*n)++] = (int64_t)i + 1;
	return rc;
}

static int reload(wg_db *db, struct wg_sync *s, size_t kind)
{
	char err[256] = "";
	int rc;
	switch (kind) {
	case 0: rc = wg_grid_index_reload(db); break;
	case 1: rc = wg_holiday_apply_edits(db, s->targets.calendar, err, sizeof err); break;
	default: rc = wg_settings_apply(db, s->targets.cfg, NULL); break;
	}
	if (rc)
		wg_log(WG_LOG_ERROR, "sync: cannot reload %s: %s", kinds[kind],
		       err[0] ? err : wg_error_message(rc));
	return rc;
}

/* The counter is read first: a change committed while the state is rebuilt
 * moves it again, and the next poll rebuilds once more. */
static int fire(wg_db *db, void *ctx, int64_t id, int64_t now)
{
	(void)now;
	struct wg_sync *s = ctx;
	if (id < 1 || id > WG_SYNC_KINDS)
		return WG_EINTERNAL;
	size_t kind = (size_t)(id - 1);
	int64_t gen[WG_SYNC_KINDS];
	int rc = wg_sync_generations(db, gen);
	if (!rc)
		rc = reload(db, s, kind);
	if (!rc) {
		s->seen[kind] = gen[kind];
		wg_log(WG_LOG_INFO, "sync: %s changed elsewhere, reloaded", kinds[kind]);
	}
	return rc;
}

int wg_sync_start(wg_store *store, const wg_sync_targets *targets, const int64_t seen[WG_SYNC_KINDS],
                  wg_sync **out)
{
	*out = NULL;
	struct wg_sync *s = wg_calloc(1, sizeof *s);
	if (!s)
		return WG_ENOMEM;
	s->targets = *targets;
	memcpy(s->seen, seen, sizeof s->seen);
	const wg_scheduler_job job = {
		.name = "sync", .next_due = next_due, .due = due, .fire = fire, .ctx = s};
	int rc = wg_scheduler_start(store, &job, &s->scheduler);
	if (rc) {
		wg_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void wg_sync_stop(wg_sync *s)
{
	if (!s)
		return;
	wg_scheduler_stop(s->scheduler);
	wg_free(s);
}
