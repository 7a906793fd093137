/* evaluation_publish.h - the scheduler job that publishes evaluations by
 * the system when their period kind says so (domain/evaluation.h
 * "publishing by the system"): it sleeps until the next local date a
 * period falls due, and then publishes, as one write, every county's
 * evaluations of it still unpublished. */
#ifndef WG_JOBS_EVALUATION_PUBLISH_H
#define WG_JOBS_EVALUATION_PUBLISH_H

#include "core/config.h"
#include "store/store.h"

struct wg_scheduler;
struct wg_evaluation_config;

/* Start the job's thread; cfg and c must outlive it. Returns 0 with *out
 * (stop with wg_scheduler_stop before the store closes), or a WG_E code. */
int wg_evaluation_publish_start(wg_store *store, const wg_config *cfg, const struct wg_evaluation_config *c,
                                struct wg_scheduler **out);

#endif
