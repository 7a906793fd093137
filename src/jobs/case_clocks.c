#include "jobs/case_clocks.h"

#include "core/alloc.h"
#include "core/arena.h"
#include "domain/case.h"
#include "jobs/scheduler.h"

struct job {
	const wg_config *cfg;
	const struct wg_calendar *cal;
	const struct wg_secret_key *key;
};

static const wg_caller system_caller = {.user_id = 0, .username = "system"};

static int next_due(wg_db *db, void *ctx, int64_t *when)
{
	(void)ctx;
	return wg_case_next_due(db, when);
}

static int due(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	(void)ctx;
	return wg_case_due(db, now, ids, max, n);
}

static int fire(wg_db *db, void *ctx, int64_t id, int64_t now)
{
	struct job *j = ctx;
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	wg_case_env env = {
		.caller = &system_caller,
		.cfg = j->cfg,
		.cal = j->cal,
		.key = j->key,
		.audit_alg = j->cfg->security_audit_hash,
		.now = now,
		.arena = &arena,
	};
	int rc = wg_case_clock_fire(db, &env, id);
	wg_arena_clear(&arena);
	return rc;
}

int wg_case_clocks_start(wg_store *store, const wg_config *cfg, const struct wg_calendar *cal,
                         const struct wg_secret_key *key, struct wg_scheduler **out)
{
	/* Lives as long as the process: the scheduler keeps its ctx. */
	static struct job j;
	j = (struct job){cfg, cal, key};
	static const wg_scheduler_job job = {
		.name = "case clocks", .next_due = next_due, .due = due, .fire = fire, .ctx = &j};
	return wg_scheduler_start(store, &job, out);
}
