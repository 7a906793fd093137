/* demo_walk.h - the walk through simulated time that the demo's case
 * generators (demo_cases.c: events; demo_disputes.c: disputes and
 * petitions) share, and what they both load to take it.
 *
 * A generator plans its cases first (each with its own random generator
 * and a report time within the year before now), then hands the walk its
 * plans and what it does at a step (wg__walk_ops: report a case, take the
 * step chosen, choose the next one and when it comes). The walk keeps a
 * time-ordered heap of (time, plan index) entries: it pops the earliest,
 * fires every case clock that falls due before it as the scheduler would
 * (jobs/case_clocks.c), sets the process clock and the engine's time to
 * the entry's time (so audit rows carry the time of the action they
 * record), reads the case and has the generator take its step, unless a
 * clock has moved the case meanwhile (then the step is chosen again).
 * Engine calls are batched into write transactions of a few thousand; the
 * progress line counts the cases reported.
 *
 * Besides the heap, the walk holds what both generators need of the
 * county and the engine: the flows and the holiday calendar as the server
 * loads them, the top-level grids with their workers, every active account
 * with the caller the server would build for it, the engine's call
 * environment, and the counters printed at the end. Messages name the
 * generator ("wangge: demo cases: ..."). One thread uses one walk. */
#ifndef WG_CLI_DEMO_WALK_H
#define WG_CLI_DEMO_WALK_H

#include "cli/demo_map.h"
#include "cli/progress.h"
#include "core/arena.h"
#include "core/calendar.h"
#include "core/config.h"
#include "core/fielderr.h"
#include "domain/case.h"
#include "domain/department.h"
#include "domain/region.h"
#include "domain/scope.h"
#include "store/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WG__WALK_YEAR_DAYS 365 /* the days before today that the walk takes */

struct wg_secret_key;
struct wg__walk_slot;

/* A top-level grid with a boundary, as the generators place cases in it. */
typedef struct wg__walk_grid {
	char code[19], village[13], town[13];
	char name[4 * WG_REGION_NAME_MAX + 1];  /* the village's: 北兴村村委会 */
	char place[4 * WG_REGION_NAME_MAX + 1]; /* ...short, for texts: 北兴村 */
	bool urban;
	double weight; /* relative number of cases, by grid type */
	wg__demo_box box;
	int32_t worker; /* index into the walk's accounts of its grid worker, -1 for none */
} wg__walk_grid;

/* An active account and the caller the server would build for it. */
typedef struct wg__walk_account {
	int64_t id;
	unsigned roles;
	char username[40];
	char scope[WG_SCOPE_KEY_MAX + 1];
	char department[WG_DEPARTMENT_CODE_MAX + 1];
	wg_scope area;
	size_t reach;     /* length of the scope prefix: longer is more local */
	wg_caller caller; /* points into this struct */
} wg__walk_account;

/* What both generators read of a case between steps. */
typedef struct wg__walk_case {
	int state; /* index into the generator's state names, -1 for one it does not know */
	char number[WG_CASE_NUMBER_MAX + 1];
	char level[8], centre[13], region[13], grid[19], category[8];
	char department[WG_DEPARTMENT_CODE_MAX + 1];
	int64_t deadline;
} wg__walk_case;

/* A flow a generator drives cases through, and what it must have. */
typedef struct wg__walk_flow {
	const char *kind;          /* "event", "dispute", "petition" */
	const char *const *states; /* state names... */
	const int *pick;           /* ...those at these indices; NULL: states[0..nstates) */
	size_t nstates;
	const char *const *actions; /* actions the generator takes in it */
	size_t nactions;
} wg__walk_flow;

/* The walk's part of a plan: the first member of each generator's plan
 * struct, so that the walk can order the plans and follow their cases. */
typedef struct wg__walk_plan {
	int64_t at;       /* reported at, UTC ms */
	int64_t id;       /* the case once reported, 0 before */
	wg__demo_rng rng; /* the plan's own draws */
	int8_t expect;    /* the state its next step was chosen for, -1 for none */
} wg__walk_plan;

/* What a generator does at each entry of the time line (ctx is the one
 * given to wg__walk_run; the engine's and the process's time are the
 * entry's, the clocks due before it have fired). */
typedef struct wg__walk_ops {
	size_t plan_size; /* of the generator's plan struct */
	/* Reads a case for one bound id: state, number, level, centre, region,
	 * grid, category, department and deadline first, then what more()
	 * (NULL: nothing) reads into the row from column 9 on. The state is
	 * looked up in states[0..nstates). */
	const char *sql;
	const char *const *states;
	int nstates;
	void (*more)(wg_stmt *st, void *row);
	/* Report the case of plan i and set its id. Returns 0, or a WG_E code
	 * after printing why. */
	int (*report)(void *ctx, uint32_t i);
	/* Take the step chosen for plan i on its case as read into row (the
	 * scratch for the engine call is fresh). Returns 0, or a WG_E code
	 * after printing why. */
	int (*take)(void *ctx, uint32_t i, const void *row);
	/* Choose plan i's next step from its case as read into row at now.
	 * Returns when it comes (after now), or 0 for none (the case has ended
	 * or is held where it is); a step after w->end does not happen. */
	int64_t (*schedule)(void *ctx, uint32_t i, const void *row, int64_t now);
} wg__walk_ops;

typedef struct wg__walk {
	wg_db *db;
	wg_config *cfg;
	const char *what; /* "cases", "disputes": in messages and the progress line */
	FILE *out;        /* progress and timing; NULL: quiet */
	wg_calendar *cal;
	int offset; /* minutes east of UTC */
	bool flows_loaded;
	wg_case_env env;
	wg_arena arena;
	wg_field_errors fe;
	wg__walk_grid *grids; /* by code */
	size_t ngrids;
	wg__walk_account *accounts; /* by id */
	size_t naccounts;
	struct wg__walk_slot *heap;
	size_t nheap, nplans;
	int64_t start, end; /* the year walked: [start, end = now]; start is the planner's */
	int64_t calls, fires, reported, started_us;
	wg_progress progress;
} wg__walk;

/* ---- the walk itself ---------------------------------------------------------------------- */

/* Start a walk: end is now (wg_clock_now_ms), the engine environment is
 * cfg's with key, and w->what ("cases") names the work; out takes the
 * progress line and the timing (NULL: quiet). Allocates nothing until
 * used; release with wg__walk_free. */
void wg__walk_init(wg__walk *w, wg_db *db, wg_config *cfg, const struct wg_secret_key *key, const char *what,
                   FILE *out);

/* Release what w holds (calendar, scratch memory, grids, accounts, heap)
 * and unload the flows if wg__walk_load_engine loaded them. w itself is
 * the caller's. */
void wg__walk_free(wg__walk *w);

/* Walk the nplans plans (of ops->plan_size bytes each, a wg__walk_plan
 * first) through time: each first when it is reported (ops->report),
 * then, at each entry, the case is read into row (the caller's scratch, a
 * struct whose first member is a wg__walk_case); if a clock has moved it
 * from the state its step was chosen for, the step is chosen again,
 * else taken (ops->take) and the case read again; either way
 * ops->schedule says when its next entry comes. The clocks due in
 * between are fired and, at the end, those due by w->end, in write
 * transactions of a few thousand engine calls, with the progress line
 * showing the cases reported (w->reported) of nplans. Returns 0, WG_ENOMEM
 * (nothing written), or the first failure's WG_E code (printed by whoever
 * found it; a store failure at commit or on reading a case again is
 * printed here): the failing transaction is rolled back, those before it
 * stay. The process clock is back to real time on return. */
int wg__walk_run(wg__walk *w, void *plans, size_t nplans, const wg__walk_ops *ops, void *row, void *ctx);

/* Print "demo <what> built in N s (calls, firings)" to the walk's out,
 * if any. */
void wg__walk_report_time(const wg__walk *w);

/* ---- calling the engine ------------------------------------------------------------------- */

/* Forget the last call's scratch memory and field errors. */
void wg__walk_next_call(wg__walk *w);

/* Take action on case id (number, for messages) as who at the engine's
 * time; fields is consumed (NULL counts as out of memory). Returns 0, or
 * the engine's WG_E code after printing it with wg__walk_refused. */
int wg__walk_act(wg__walk *w, int64_t id, const char *number, const wg_caller *who, const char *action,
                 json_t *fields);

/* Print why the engine refused action on case number (NULL or "": a new
 * case) as who, with the time and the field errors; returns rc. */
int wg__walk_refused(wg__walk *w, const char *number, const char *action, const wg_caller *who, int rc);

/* Print that the store failed at what ("wangge: demo <what>: what: ...",
 * the database's message for WG_ESTORE); returns rc. */
int wg__walk_store_failed(const wg__walk *w, const char *what, int rc);

/* Print that case number has no account of kind who for where; returns
 * WG_ENOTFOUND. */
int wg__walk_nobody(const char *number, const char *who, const char *where);

/* ---- time ----------------------------------------------------------------------------------- */

/* t plus minutes working minutes (at least one), by the calendar. */
int64_t wg__walk_add_minutes(const wg__walk *w, int64_t t, double minutes);

/* Working minutes from a to b, by the calendar. */
int64_t wg__walk_minutes_between(const wg__walk *w, int64_t a, int64_t b);

/* Working minutes from now to deadline, and least when fewer (also when
 * the deadline has passed). */
double wg__walk_time_left(const wg__walk *w, int64_t now, int64_t deadline, double least);

/* Local midnight (as UTC ms) of the day holding t. */
int64_t wg__walk_midnight(const wg__walk *w, int64_t t);

/* Whether the local day starting at midnight is a working day; *holiday
 * whether it is a public holiday (may be NULL). */
bool wg__walk_working_day(const wg__walk *w, int64_t midnight, bool *holiday);

/* Set w->start to the local midnight WG__WALK_YEAR_DAYS days before the
 * day of w->end, and make the cumulative weights for drawing a day of
 * the year (*days, WG__WALK_YEAR_DAYS + 1 of them: day d weighs
 * day_weight(w, its midnight, d)) and a grid (*grids, by the grids'
 * weights). Both come from wg_malloc for the caller to wg_free. Returns 0,
 * or WG_ENOMEM with neither allocated. */
int wg__walk_year(wg__walk *w, double (*day_weight)(const wg__walk *w, int64_t midnight, size_t d),
                  double **days, double **grids);

/* The midnight of a day of the year drawn with r from the weights that
 * wg__walk_year made. */
int64_t wg__walk_draw_day(const wg__walk *w, wg__demo_rng *r, const double *days);

/* A moment on the day starting at midnight, between from and to minutes
 * into it (local), drawn with r; one before w->end if that would come
 * after it. */
int64_t wg__walk_moment(const wg__walk *w, wg__demo_rng *r, int64_t midnight, double from, double to);

/* Index of a draw with r from cumulative weights cum[0..n), n > 0. */
size_t wg__walk_draw(wg__demo_rng *r, const double *cum, size_t n);

/* The generator of plan i of a walk seeded with base: one per plan, so
 * that one plan's draws never shift another's. */
wg__demo_rng wg__walk_plan_rng(uint64_t base, size_t i);

/* qsort order of plans (structs with a wg__walk_plan first): by report
 * time, then by the state of their generators. */
int wg__walk_by_time(const void *a, const void *b);

/* ---- loading ---------------------------------------------------------------------------------- */

/* Load the flows from cfg's flows.dir unless flows[0].kind is loaded
 * already (w->flows_loaded says whether this did), check that each of the
 * nflows flows has its states and actions, and load the holiday calendar
 * of data.dir with cfg's office hours into w->cal (and the engine's
 * environment). Returns 0, or after printing what is wrong WG_ECONFIG (a
 * flow lacks what the generator needs, bad office hours) or the loaders'
 * own code (WG_ENOMEM when memory runs out). */
int wg__walk_load_engine(wg__walk *w, const wg__walk_flow *flows, size_t nflows);

/* Load the top-level grids with boundaries into w->grids, by code,
 * weighted urban, special or 1 by type. Returns 0, WG_ENOTFOUND (printed)
 * when there are none, WG_ENOMEM, or a store error (printed). */
int wg__walk_load_grids(wg__walk *w, double urban, double special);

/* (Re)load every active account into w->accounts, by id, and make the
 * first grid worker of each grid its worker (grids first). Returns 0,
 * WG_ENOMEM, or a store error (printed). */
int wg__walk_load_accounts(wg__walk *w);

/* Index of grid code in w->grids, or -1. */
int32_t wg__walk_grid_index(const wg__walk *w, const char *code);

/* The grid worker of grid code ("" for none), or NULL. */
const wg__walk_account *wg__walk_worker(const wg__walk *w, const char *grid);

/* The most local centre operator account whose area holds the centre
 * code, or NULL. */
const wg__walk_account *wg__walk_centre(const wg__walk *w, const char *centre);

/* The account with this id, or NULL. */
const wg__walk_account *wg__walk_account_of(const wg__walk *w, int64_t id);

/* Append an item of size bytes to *items (*n of them, from wg_realloc:
 * the caller's to wg_free) for each row that sql gives, with text bound
 * to its one parameter unless NULL; fill sets the item from the row's
 * columns (the item is not cleared first). sql must be a string literal
 * (wg_db_prepare_cached). Returns 0, or WG_ENOMEM or a store error after
 * printing it as a failure at what; the items read before it stay. */
int wg__walk_rows(const wg__walk *w, const char *what, const char *sql, const char *text, void **items,
                  size_t *n, size_t size, void (*fill)(wg_stmt *st, void *item, const void *ctx),
                  const void *ctx);

/* Column col of st's row as text into dst (cap bytes, cut), "" for NULL. */
void wg__walk_copy_col(char *dst, size_t cap, wg_stmt *st, int col);

#endif
