/* demo_disputes.h - a year of disputes (矛盾纠纷) and petitions (信访) in
 * the demo county (`wangge demo --cases[=N]`), made by the case engine
 * itself (domain/case.h, flows/dispute.json and flows/petition.json) so
 * that each has the parties, sessions, agreements, people in charge,
 * timeline, notifications, audit rows and statistics a served county
 * would have.
 *
 * They scale with the cases: about 3 disputes and 0.7 petitions per 100
 * cases (900 and 210 for the default 30,000, as a county the size of
 * Licheng finds 924 disputes a year and resolves 907). A dispute is
 * registered at the window or by the grid's worker (a few by the
 * hotline) with two or three parties (names, mobiles, some ID numbers,
 * organisations with credit codes), the subject matter and, for money
 * disputes, the amount; accepted and assessed by the most local centre
 * (risk colour about 70% blue, 25% yellow, 5% red; the triage tier; a
 * family level for 11xx); assigned to the village's or town's people's
 * mediation committee or a county trade body by speciality, with one of
 * its lead mediators (who acts through their account when they have one,
 * the centre acting for those without); mediated in sessions with
 * minutes; agreed, some confirmed by the court, checked as performed by
 * the grid worker or the mediator, closed and called back. About 2% fail
 * up the five-step ladder, a few to arbitration or court; some breach,
 * some callers are dissatisfied; family disputes are called back when
 * due. Petitions are registered at the town's or county's window with the
 * visitor, form, subject and demands; some visitors come back on the same
 * matter (same ID number and category), which the engine links; they run
 * the event loop as the departments routing picks.
 *
 * Every action is taken at its simulated time (the process clock is set
 * to it, so audit rows carry that time), in write transactions of a few
 * thousand engine calls, with the case clocks that fall due in between
 * fired as the scheduler would fire them. Actions that would come after
 * the present do not happen; the most recent disputes are held in each
 * state that is not terminal. Deterministic for a seed and a present
 * time, but for what the engine draws itself. The walk through time is
 * shared with demo_cases.c: demo_walk.h. */
#ifndef WG_CLI_DEMO_DISPUTES_H
#define WG_CLI_DEMO_DISPUTES_H

#include "cli/demo_cases.h"
#include "core/config.h"
#include "store/db.h"

#include <stdbool.h>

struct wg_secret_key;

/* Make the disputes and petitions for o->count cases (o->seed, o->progress;
 * the accounts of the demo, its grid workers and department handlers and
 * its mediation registries must exist: demo.c and demo_cases.c make them
 * first). Nothing is made when a dispute or petition exists already (a
 * second run) or o->count is too small for one. Prints what was made on
 * stdout. Returns 0, or a WG_E code after printing the reason (the case,
 * the action, the account and the engine's field errors) to stderr; the
 * failing transaction is rolled back, those before it stay. */
int wg__demo_disputes(wg_db *db, wg_config *cfg, const struct wg_secret_key *key,
                      const wg__demo_cases_options *o);

#endif
