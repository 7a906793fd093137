#include "jobs/evaluation_publish.h"

#include "core/clock.h"
#include "domain/evaluation.h"
#include "jobs/scheduler.h"

struct job {
	const wg_config *cfg;
	const wg_evaluation_config *c;
};

/* The one item: what is due now. */
enum { ITEM = 1 };

static int next_due(wg_db *db, void *ctx, int64_t *when)
{
	struct job *j = ctx;
	bool due = false;
	return wg_evaluation_publish_due(db, j->c, (int)j->cfg->time_offset_minutes, wg_clock_now_ms(), &due,
	                                 when);
}

static int due(wg_db *db, void *ctx, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	struct job *j = ctx;
	bool any = false;
	int64_t next = 0;
	*n = 0;
	int rc = wg_evaluation_publish_due(db, j->c, (int)j->cfg->time_offset_minutes, now, &any, &next);
	if (!rc && any && max) {
		ids[0] = ITEM;
		*n = 1;
	}
	return rc;
}

static int fire(wg_db *db, void *ctx, int64_t id, int64_t now)
{
	struct job *j = ctx;
	(void)id;
	int64_t published = 0;
	return wg_evaluation_publish_auto(db, j->c, (int)j->cfg->time_offset_minutes, now,
	                                  j->cfg->security_audit_hash, &published);
}

int wg_evaluation_publish_start(wg_store *store, const wg_config *cfg, const struct wg_evaluation_config *c,
                                struct wg_scheduler **out)
{
	/* Lives as long as the process: the scheduler keeps its ctx. */
	static struct job j;
	j = (struct job){cfg, c};
	static const wg_scheduler_job job = {
		.name = "evaluation publishing", .next_due = next_due, .due = due, .fire = fire, .ctx = &j};
	return wg_scheduler_start(store, &job, out);
}
