/* case_clocks.h - the scheduler job that applies case clocks' expiry
 * (domain/case.h wg_case_clock_fire) as the system, one case per write. */
#ifndef WG_JOBS_CASE_CLOCKS_H
#define WG_JOBS_CASE_CLOCKS_H

#include "core/config.h"
#include "store/store.h"

struct wg_calendar;
struct wg_secret_key;
struct wg_scheduler;

/* Start the scheduler thread for case clocks; cfg, cal and key must outlive
 * it. Returns 0 with *out (stop with wg_scheduler_stop), or a WG_E code. */
int wg_case_clocks_start(wg_store *store, const wg_config *cfg, const struct wg_calendar *cal,
                         const struct wg_secret_key *key, struct wg_scheduler **out);

#endif
