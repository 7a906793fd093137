/* stats.h - the statistics of the closed loop: counts and rates over the
 * rollup tables stats_day and stats_state (migration 0010), which the case
 * engine keeps in the transaction of every change, so that a dashboard
 * never reads the cases table (docs/statistics.md has every definition).
 *
 * The rollups are a sum over the cases of what each case adds now: on its
 * report date (reported, accepted, rejected, merged, open, reported_closed,
 * self_resolved; its state in stats_state), on its closure date (closed,
 * closed_due, closed_on_time, rated, satisfied, reworked, extended,
 * returned, handled, handling_minutes and a histogram) and on the date it
 * is due to close (due, due_closed), under its scope_key, kind, category,
 * source, owner department and reporting grid worker. A change adds the
 * difference between what the case added after and before it, at most a
 * few upserts; wg_stats_rebuild recomputes everything from the cases.
 *
 * Reads are within the caller's area (a region or grid code in their
 * scope) and, for accounts of department roles only, their department's
 * cases. Dates are local (time.offset_minutes) YYYY-MM-DD, both ends in. */
#ifndef WG_DOMAIN_STATS_H
#define WG_DOMAIN_STATS_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/region.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

struct wg_case_env;
struct wg__case_row;

#define WG_STATS_DATE_LEN 10     /* YYYY-MM-DD */
#define WG_STATS_DAYS_MAX 3660   /* the longest period asked for at once */
#define WG_STATS_HISTOGRAM 12    /* handling-time buckets */
#define WG_STATS_GROUPS_MAX 4096 /* items of one rates answer */

/* Upper edges of the handling-time buckets in working hours; the last
 * bucket has none (at least the last edge). */
extern const int wg_stats_histogram_edges[WG_STATS_HISTOGRAM - 1];

/* ---- what the case engine calls ---------------------------------------- */

/* Move the rollups of one case from what before added to what after adds
 * (before NULL: a new report, reported now). Both rows are the engine's
 * view of the same case; before is the row as stored before the change.
 * Returns 0 or a store error (WG_ENOMEM). */
int wg__stats_case_changed(wg_db *db, const struct wg_case_env *env, const struct wg__case_row *before,
                           const struct wg__case_row *after);

/* Recompute both rollup tables from the cases table, with env's calendar
 * and time.offset_minutes. For operators and tests; in one write
 * transaction. Returns 0, WG_ENOMEM or a store error. */
int wg_stats_rebuild(wg_db *db, const struct wg_case_env *env);

/* ---- the cube ------------------------------------------------------------ */

/* The reads of a region's or department's figures go to stats_cube
 * (migration 0015): the rollup rows summed per area, day and one dimension,
 * so that what a dashboard reads grows with its days and groups, not with
 * the cases. The engine appends each change to stats_pending in its own
 * transaction; reads add the pending rows still there, so figures are
 * exact whether or not a fold has run. */

/* Fold the pending rows with ids up to upto into the cube and delete them,
 * in the caller's transaction (on PostgreSQL after a transaction lock, so
 * folds on two nodes take turns). *folded gets the rows folded. Returns 0,
 * WG_ENOMEM or a store error. */
int wg_stats_fold(wg_db *db, int64_t upto, int64_t *folded);

/* What the fold job looks at: *first_at the clock time the oldest pending
 * row was written (0 when none is pending), *upto the id of the max_rows-th
 * pending row (or of the last). Returns 0 or a store error. */
int wg_stats_fold_next(wg_db *db, size_t max_rows, int64_t *first_at, int64_t *upto);

/* Empty the cube and make every rollup row pending, to be folded again (the
 * end of wg_stats_rebuild). Returns 0 or a store error. */
int wg_stats_cube_reset(wg_db *db);

/* ---- reading --------------------------------------------------------------- */

/* Where and when: area a region or grid code (NULL: the caller's own),
 * from..to local dates. */
typedef struct wg_stats_query {
	const wg_caller *caller;
	const char *area;
	char from[WG_STATS_DATE_LEN + 1], to[WG_STATS_DATE_LEN + 1];
	int offset_minutes; /* time.offset_minutes */
	wg_arena *arena;    /* names and items of the answer */
} wg_stats_query;

/* The rows a statistics or warnings query may read: scope_key in
 * [lo, hi), and the department's own cases when dept is set. */
typedef struct wg_stats_area {
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
	const char *dept;           /* accounts of department roles only: their department ("-" for none) */
	const char *code;           /* the area answered for; NULL: everything (the system) */
	bool grid;                  /* code is a grid */
	enum wg_region_level level; /* of a region code */
} wg_stats_area;

/* The area of a query: area (a region or grid code; NULL: the caller's
 * own), checked against the caller's scope. Returns 0; WG_EVALIDATION (fe
 * names "region") for a text that is no code; WG_ENOTFOUND for an area
 * outside the scope or absent; a store error. */
int wg_stats_area_of(wg_db *db, const wg_caller *caller, const char *area, wg_stats_area *a,
                     wg_field_errors *fe);

/* Check and fill q->from and q->to from the texts given (NULL: to = today,
 * from = to minus 29 days, at now): field errors "from"/"to" for a text
 * that is not a date, "to" before "from" or a period longer than
 * WG_STATS_DAYS_MAX. Returns false when fe got an error. */
bool wg_stats_period(wg_stats_query *q, const char *from, const char *to, int64_t now, wg_field_errors *fe);

/* Days since 1970-01-01 of a date YYYY-MM-DD into *days; false when s is
 * no such date. */
bool wg_stats_day_parse(const char *s, int64_t *days);

/* The date YYYY-MM-DD of a day number. */
void wg_stats_day_format(int64_t days, char out[WG_STATS_DATE_LEN + 1]);

/* The day number of the local date (offset_minutes east of UTC) at clock
 * time ms. */
int64_t wg_stats_local_day(int64_t ms, int offset_minutes);

typedef struct wg_stats_count {
	const char *key, *name; /* name NULL where the key has none (kind, source) */
	int64_t count;
	const char *kind; /* by_state: the flow the state is of (states of two flows may share a name) */
} wg_stats_count;

typedef struct wg_stats_overview {
	const char *area; /* the area answered for */
	int64_t total, open, overdue, closed;
	wg_stats_count *by_state, *by_kind, *by_category, *by_source; /* arena arrays */
	size_t nstate, nkind, ncategory, nsource;
} wg_stats_overview;

/* Counts of the cases reported in the period in the area: total, open (not
 * closed, rejected or merged), closed (办结), overdue (a running clock
 * expired), and by state now, kind, category and source. Returns 0;
 * WG_EVALIDATION (fe names "region") for an area that is no code;
 * WG_ENOTFOUND for an area outside the caller's scope or absent;
 * WG_ENOMEM or a store error. */
int wg_stats_overview_get(wg_db *db, const wg_stats_query *q, wg_stats_overview *out, wg_field_errors *fe);

enum wg_stats_bucket { WG_STATS_DAY, WG_STATS_WEEK, WG_STATS_MONTH };

typedef struct wg_stats_point {
	char period[WG_STATS_DATE_LEN + 1]; /* first day: a Monday for weeks, the 1st for months */
	int64_t reported, closed;
} wg_stats_point;

typedef int (*wg_stats_point_fn)(void *ctx, const wg_stats_point *p);

/* Cases reported and closed per period from q->from to q->to, every period
 * in order, zeros included. Returns 0, fn's value or as overview. */
int wg_stats_trend(wg_db *db, const wg_stats_query *q, enum wg_stats_bucket bucket, wg_stats_point_fn fn,
                   void *ctx, wg_field_errors *fe);

enum wg_stats_group { WG_STATS_BY_REGION, WG_STATS_BY_DEPARTMENT, WG_STATS_BY_GRID_WORKER };

typedef struct wg_stats_rate {
	int64_t numerator, denominator; /* percent: numerator / denominator, NULL when 0 */
} wg_stats_rate;

enum wg_stats_rate_kind {
	WG_STATS_RESOLUTION,
	WG_STATS_CLOSURE,
	WG_STATS_ON_TIME,
	WG_STATS_SATISFACTION,
	WG_STATS_REWORK,
	WG_STATS_EXTENSION,
	WG_STATS_RETURN,
	WG_STATS_VALID_REPORT,
	WG_STATS_RATES
};

/* The API names of the rates, by enum wg_stats_rate_kind. */
extern const char *const wg_stats_rate_names[WG_STATS_RATES];

typedef struct wg_stats_group_figures {
	const char *key, *name;
	wg_stats_rate rates[WG_STATS_RATES];
	int64_t handled;          /* closures with a known handling time */
	int64_t handling_minutes; /* their sum, working minutes */
	int64_t histogram[WG_STATS_HISTOGRAM];
} wg_stats_group_figures;

typedef int (*wg_stats_group_fn)(void *ctx, const wg_stats_group_figures *g);

/* The rates per group in the period: the child regions of the area (towns
 * of a county, villages of a town, grids of a village; a case placed at
 * the area itself forms a group of the area's own code), the owner
 * departments, or the grid workers who reported. Groups in order of key.
 * Returns as wg_stats_trend. */
int wg_stats_rates(wg_db *db, const wg_stats_query *q, enum wg_stats_group group, wg_stats_group_fn fn,
                   void *ctx, wg_field_errors *fe);

typedef struct wg_stats_place {
	const char *key; /* a grid code, or a region code for cases placed at no grid */
	int64_t total, open, overdue;
} wg_stats_place;

typedef int (*wg_stats_place_fn)(void *ctx, const wg_stats_place *p);

/* Per place (scope_key) under the area, for the map: the cases reported in
 * the period, those of them open and overdue now, as the overview counts
 * them. Places with no case are left out; in order of key. Returns as
 * wg_stats_trend. */
int wg_stats_places(wg_db *db, const wg_stats_query *q, wg_stats_place_fn fn, void *ctx, wg_field_errors *fe);

/* Percent of a rate in tenths (667 for 2 / 3), rounded half up; -1 when
 * the denominator is 0. */
int64_t wg_stats_permille(const wg_stats_rate *r);

/* Mean handling time in tenths of a working hour, -1 when none. */
int64_t wg_stats_mean_tenths(const wg_stats_group_figures *g);

/* The 90th percentile of the handling time in working hours, read from
 * the histogram: the upper edge of the bucket holding it (the last edge
 * when it lies beyond), -1 when none. */
int64_t wg_stats_p90_hours(const wg_stats_group_figures *g);

#endif
