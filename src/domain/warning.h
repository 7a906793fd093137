/* warning.h - early warnings (预警) for leaders, centres and departments:
 * what needs attention now in an area, read from the cases table (through
 * its clock indexes), the statistics rollups (domain/stats.h) and the visit
 * schedule (domain/visit.h). docs/statistics.md states every rule.
 *
 *   overdue       open cases whose running clock has expired (cases.overdue,
 *                 or a deadline already past that the scheduler has not
 *                 stepped yet), most overdue first;
 *   soon_due      open cases whose deadline falls within the next
 *                 warnings.soon_due_hours working hours, soonest first;
 *   spike         a category whose reports in the recent window rise sharply
 *                 over its baseline in one place (短期内急剧攀升), by the rule
 *                 of wg_spike_test, named with the department in charge;
 *   missed_visit  a special-group resident or key place whose scheduled
 *                 visit is past due, or a family dispute's call-back;
 *   dispute       open red and yellow disputes (risk colours, dispute.h),
 *                 red first.
 *
 * Everything is within the caller's scope as the statistics count it: the
 * area asked for must lie in the account's area, and accounts holding
 * department roles only see their department's cases (and no visits). */
#ifndef WG_DOMAIN_WARNING_H
#define WG_DOMAIN_WARNING_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/basedata.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

struct wg_calendar;

/* Items of one kind in an answer; the totals count them all. */
#define WG_WARNING_ITEMS_MAX 50
/* Missed visits are counted up to this many (the schedule is computed per
 * subject, not kept as a rollup). */
#define WG_WARNING_VISITS_COUNTED 1000
/* Counts beyond this are clamped before the spike arithmetic, so that no
 * product can overflow; no real count comes near. */
#define WG_SPIKE_COUNT_MAX INT64_C(1000000000)
/* Bounds of a rule (the settings' bounds lie within them). */
#define WG_SPIKE_DAYS_MAX 366
#define WG_SPIKE_RATIO_MAX 100000
#define WG_SPIKE_EXPECTED_MAX 1000000

/* ---- the spike rule ------------------------------------------------------ */

/* The rule, from the settings warnings.spike_*. A category spikes in a place
 * when, with W = window_days and B = baseline_days:
 *
 *   window   = reports in the last W days (today included)
 *   baseline = reports in the B days before those
 *   expected = max(baseline * W / B, expected_min)
 *   spike   <=> window >= min_count  and  window * 100 >= ratio_percent * expected
 *
 * The floor expected_min makes a category that had nothing before need
 * min_count reports and ratio_percent of the floor. */
typedef struct wg_spike_rule {
	int64_t window_days;   /* 1..WG_SPIKE_DAYS_MAX */
	int64_t baseline_days; /* 1..WG_SPIKE_DAYS_MAX */
	int64_t min_count;     /* >= 1 */
	int64_t ratio_percent; /* 100..WG_SPIKE_RATIO_MAX */
	int64_t expected_min;  /* 1..WG_SPIKE_EXPECTED_MAX */
} wg_spike_rule;

/* What the rule saw, for the answer. */
typedef struct wg_spike_figures {
	int64_t window, baseline;
	int64_t expected_tenths; /* expected in tenths, rounded half up */
	int64_t ratio_tenths;    /* window / expected in tenths, rounded half up */
} wg_spike_figures;

/* Whether window_count over baseline_count is a spike by rule r (above);
 * *out (may be NULL) gets the figures in every case. A rule outside the
 * bounds noted above, or a negative count, is never a spike (figures then
 * all 0). Counts above WG_SPIKE_COUNT_MAX count as that. Pure; allocates
 * nothing. */
bool wg_spike_test(const wg_spike_rule *r, int64_t window_count, int64_t baseline_count,
                   wg_spike_figures *out);

/* ---- the list ------------------------------------------------------------------ */

enum wg_warning_kind {
	WG_WARNING_OVERDUE,
	WG_WARNING_SOON_DUE,
	WG_WARNING_SPIKE,
	WG_WARNING_MISSED_VISIT,
	WG_WARNING_DISPUTE,
	WG_WARNING_KINDS
};

/* API names by enum wg_warning_kind: "overdue", "soon_due", "spike",
 * "missed_visit", "dispute". */
extern const char *const wg_warning_kind_names[WG_WARNING_KINDS];

typedef struct wg_warning_query {
	const wg_caller *caller;
	const char *area; /* a region or grid code; NULL: the caller's own */
	unsigned kinds;   /* bits 1u << enum wg_warning_kind */
	int64_t now;      /* UTC ms */
	int offset_minutes;
	const struct wg_calendar *cal; /* working hours of the clocks */
	int64_t soon_due_hours;        /* working hours ahead */
	wg_spike_rule spike;
	/* Missed visits are read as this environment's caller sees the
	 * schedule; NULL leaves them out (callers who may not read base data). */
	const wg_basedata_env *visits;
	wg_arena *arena; /* the answer's strings */
} wg_warning_query;

/* One warning. Strings are in q->arena; NULL where the kind has none. */
typedef struct wg_warning {
	enum wg_warning_kind kind;
	const char *level; /* "red", "orange" or "yellow" */
	const char *title, *detail;
	const char *region, *region_name; /* the place: the case's region, the spike's village */
	const char *grid;                 /* the case's or visit subject's grid */
	const char *category, *category_name;
	const char *department, *department_name; /* the owner now; for a spike the one in charge */
	/* overdue, soon_due and dispute */
	int64_t case_id;
	const char *case_number, *case_title;
	int64_t deadline;        /* UTC ms */
	int64_t working_minutes; /* overdue: since the deadline; soon_due: left */
	/* spike */
	wg_spike_figures spike;
	/* missed_visit */
	const char *subject_type; /* "resident", "place" or "case" (a family call-back) */
	int64_t subject_id;
	const char *subject_name;
	int64_t due_at, visit_days, missed_periods;
} wg_warning;

typedef struct wg_warning_totals {
	int64_t n[WG_WARNING_KINDS]; /* of each kind asked for, all of them */
} wg_warning_totals;

typedef int (*wg_warning_fn)(void *ctx, const wg_warning *w);

/* The warnings of q->kinds in the area, kind by kind in enum order, at most
 * WG_WARNING_ITEMS_MAX of each: overdue by deadline (earliest first),
 * soon_due by deadline, spikes by ratio (highest first; then window count,
 * place and category), missed visits by due time, disputes red first and
 * newest first. totals gets how many
 * there are of each (missed visits up to WG_WARNING_VISITS_COUNTED);
 * *area_out (may be NULL) the area answered for (NULL: the whole system,
 * for the system caller). Returns 0; WG_EVALIDATION (fe names "region")
 * for an area that is no code; WG_ENOTFOUND for an area outside the
 * caller's scope or absent; fn's value; WG_ENOMEM or a store error. */
int wg_warning_list(wg_db *db, const wg_warning_query *q, wg_warning_fn fn, void *ctx,
                    wg_warning_totals *totals, const char **area_out, wg_field_errors *fe);

#endif
