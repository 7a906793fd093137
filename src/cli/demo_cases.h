/* demo_cases.h - a year of cases in the demo county (`wangge demo
 * --cases[=N]`), made by the case engine itself (domain/case.h) so that
 * every case has the timeline, audit rows, notifications and projection a
 * served county would have.
 *
 * The generator plans each case (when and where it is reported, its
 * category and source, and how it will go: rejected, merged into an
 * earlier report, self-resolved, returned, extended, reworked, escalated,
 * rated badly and reopened...), then walks the past year in time order:
 * every action is taken as the account a county would use for it (the
 * grid's worker, the most local demo centre, the handler of the department
 * routing chose, the leader, a citizen on the portal) at the simulated
 * time, and whatever the case clocks (flows/event.json) have due in
 * between is fired as the scheduler would fire it. The clock of the
 * process is set to the simulated time while the engine runs, so audit
 * rows carry the time of the action they record. Actions that would fall
 * after the present do not happen: recent cases stay open in the state
 * they reached; a share of the last four weeks' cases is held in each
 * state that is not terminal, so that every state has cases (from about
 * 300 cases up).
 *
 * Departments without a handler account get one ("h" and the department
 * code), since only a department's own staff acknowledge and handle its
 * cases. Deterministic for a seed and a present time, but for what the
 * engine draws itself (tracking codes). The walk through time is shared
 * with demo_disputes.c: demo_walk.h. */
#ifndef WG_CLI_DEMO_CASES_H
#define WG_CLI_DEMO_CASES_H

#include "core/config.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct wg_secret_key;

#define WG__DEMO_CASES 30000       /* default of --cases: about a year of Mei county */
#define WG__DEMO_CASES_MAX 1000000 /* largest --cases=N */

typedef struct wg__demo_cases_options {
	uint64_t seed;
	int64_t count;             /* cases to report */
	const char *password_hash; /* of the department handler accounts made; NULL makes none */
	FILE *progress;            /* NULL: quiet */
} wg__demo_cases_options;

/* Report o->count cases over the year before now and take them as far as
 * the present, in transactions of a few thousand engine calls, then fire
 * every clock due by now. Needs the demo's grids and accounts (demo.c
 * makes them first), the flows in cfg's flows.dir, the holidays in
 * data.dir; photos go to attachments.dir. cfg's cases.sample_percent is
 * changed while self-resolved cases are reported and put back. Prints what
 * was made on stdout. Returns 0 (*made false when cases existed already:
 * they are left as they are), or a WG_E code after printing the reason
 * (the case, the action, the account and the engine's field errors) to
 * stderr; what the failing transaction wrote is rolled back, the cases of
 * those before it stay (start again on a new database). */
int wg__demo_cases(wg_db *db, wg_config *cfg, const struct wg_secret_key *key,
                   const wg__demo_cases_options *o, bool *made);

#endif
