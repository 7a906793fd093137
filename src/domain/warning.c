/* Early warnings (warning.h): the spike rule as a pure function, and the
 * list read from the cases table's clock columns, the stats_day rollup and
 * the visit schedule, within the caller's scope as the statistics have it. */
#include "domain/warning.h"

#include "core/calendar.h"
#include "core/error.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/routing.h"
#include "domain/stats.h"
#include "domain/visit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const wg_warning_kind_names[WG_WARNING_KINDS] = {"overdue", "soon_due", "spike", "missed_visit",
                                                             "dispute"};

/* ---- the spike rule ------------------------------------------------------ */

static int64_t clamp_count(int64_t n)
{
	return n > WG_SPIKE_COUNT_MAX ? WG_SPIKE_COUNT_MAX : n;
}

bool wg_spike_test(const wg_spike_rule *r, int64_t window_count, int64_t baseline_count,
                   wg_spike_figures *out)
{
	wg_spike_figures f = {0};
	bool valid = r && r->window_days >= 1 && r->window_days <= WG_SPIKE_DAYS_MAX &&
	             r->baseline_days >= 1 && r->baseline_days <= WG_SPIKE_DAYS_MAX && r->min_count >= 1 &&
	             r->ratio_percent >= 100 && r->ratio_percent <= WG_SPIKE_RATIO_MAX &&
	             r->expected_min >= 1 && r->expected_min <= WG_SPIKE_EXPECTED_MAX && window_count >= 0 &&
	             baseline_count >= 0;
	if (!valid) {
		if (out)
			*out = f;
		return false;
	}
	int64_t w = clamp_count(window_count), b = clamp_count(baseline_count);
	int64_t wd = r->window_days, bd = r->baseline_days;
	/* The expected count is kept as e / bd, so that scaling the baseline
	 * to the window stays exact: e = max(b * wd, expected_min * bd). With
	 * the bounds above every product below stays under 2^62. */
	int64_t e = b * wd;
	if (e < r->expected_min * bd)
		e = r->expected_min * bd;
	f.window = w;
	f.baseline = b;
	f.expected_tenths = (20 * e + bd) / (2 * bd);
	f.ratio_tenths = (20 * w * bd + e) / (2 * e);
	if (out)
		*out = f;
	return w >= r->min_count && w * 100 * bd >= r->ratio_percent * e;
}

/* ---- helpers ------------------------------------------------------------------ */

static const char *dup_col(wg_arena *arena, wg_stmt *st, int col, int *rc)
{
	if (wg_stmt_is_null(st, col))
		return NULL;
	const char *s = wg_arena_strdup(arena, wg_stmt_text(st, col, NULL));
	if (!s)
		*rc = WG_ENOMEM;
	return s;
}

/* The local date days before now's, as YYYY-MM-DD. */
static void local_date(int64_t now, int offset_minutes, int64_t days_before, char out[11])
{
	int64_t ms = now + (int64_t)offset_minutes * 60000 - days_before * WG_DAY_MS;
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		snprintf(out, 11, "1970-01-01");
}

/* One text column of a one-row lookup by code, into the arena; NULL when
 * there is no such row. */
static int lookup(wg_db *db, const char *sql, const char *code, wg_arena *arena, const char **out)
{
	*out = NULL;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_text(st, 1, code, strlen(code));
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		rc = 0;
		*out = dup_col(arena, st, 0, &rc);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* "3 小时 20 分钟" (working time), into the arena. */
static const char *working_time(wg_arena *arena, int64_t minutes)
{
	if (minutes < 60)
		return wg_arena_printf(arena, "%lld 分钟", (long long)minutes);
	if (minutes % 60 == 0)
		return wg_arena_printf(arena, "%lld 小时", (long long)(minutes / 60));
	return wg_arena_printf(arena, "%lld 小时 %lld 分钟", (long long)(minutes / 60),
	                       (long long)(minutes % 60));
}

/* ---- overdue and soon due ---------------------------------------------------- */

/* Open cases (not merged, not ended) of the area whose running clock has
 * expired: overdue = 1 (few: the partial index cases_overdue_scope holds
 * only them), or a deadline past that the scheduler has not stepped yet.
 * An open case whose clock has not expired has next_due at or before its
 * deadline (the scheduler looks again by then), so those are among the few
 * with next_due past, read through cases_next_due. The area's range is
 * written as scope_key || '' where it must not be used as an index: on a
 * county it would be every case. Parameters: lo, hi, now, now, lo, hi, then
 * the department. */
#define OVERDUE_FROM                                                                                     \
	" (SELECT id FROM cases WHERE overdue = 1 AND scope_key >= ? AND scope_key < ? UNION SELECT id " \
	"FROM cases WHERE next_due <= ? AND deadline < ? AND overdue = 0 AND scope_key || '' >= ? AND "  \
	"scope_key || '' < ?) o JOIN cases c ON c.id = o.id"
/* Not expired, the deadline between now and the horizon (next_due is at or
 * before it). Parameters: horizon, now, horizon, lo, hi, the department. */
#define SOON_DUE_WHERE                                                                                   \
	" c.next_due <= ? AND c.deadline >= ? AND c.deadline <= ? AND c.overdue = 0 AND c.scope_key || " \
	"'' >= ? AND c.scope_key || '' < ? AND"
/* Open, and the department's own for department accounts. master and
 * closed_at are not written as index conditions: nearly every case has
 * master NULL. */
#define CASE_OPEN                                                                              \
	" COALESCE(c.master, 0) = 0 AND c.closed_at IS NULL AND COALESCE(c.department, '') = " \
	"COALESCE(?, COALESCE(c.department, ''))"
#define CASE_COLUMNS                                                                                 \
	"SELECT c.id, c.number, c.title, c.deadline, c.region, r.name, c.grid, c.category, k.name, " \
	"c.department, p.name, c.risk FROM"
#define CASE_NAMES                                                                                 \
	" JOIN regions r ON r.code = c.region JOIN categories k ON k.code = c.category LEFT JOIN " \
	"departments p ON p.code = c.department"

struct case_list {
	const wg_warning_query *q;
	enum wg_warning_kind kind;
	wg_warning_fn fn;
	void *ctx;
};

/* An open red or yellow dispute: its colour is the warning's level. */
static int dispute_item(struct case_list *l, wg_stmt *st, wg_warning *w)
{
	wg_arena *arena = l->q->arena;
	bool red = strcmp(wg_stmt_text(st, 11, NULL), "red") == 0;
	w->level = red ? "red" : "yellow";
	w->title = wg_arena_printf(arena, "%s矛盾纠纷：%s", red ? "红色" : "黄色",
	                           w->case_title ? w->case_title : "");
	w->detail = wg_arena_printf(arena, "%s %s，尚未化解，包抓责任人跟进",
	                            w->case_number ? w->case_number : "", red ? "易激化" : "较复杂");
	return w->title && w->detail ? l->fn(l->ctx, w) : WG_ENOMEM;
}

static int case_item(struct case_list *l, wg_stmt *st)
{
	const wg_warning_query *q = l->q;
	wg_arena *arena = q->arena;
	int rc = 0;
	wg_warning w = {.kind = l->kind};
	w.case_id = wg_stmt_int(st, 0);
	w.case_number = dup_col(arena, st, 1, &rc);
	w.case_title = dup_col(arena, st, 2, &rc);
	w.deadline = wg_stmt_int(st, 3);
	w.region = dup_col(arena, st, 4, &rc);
	w.region_name = dup_col(arena, st, 5, &rc);
	w.grid = dup_col(arena, st, 6, &rc);
	w.category = dup_col(arena, st, 7, &rc);
	w.category_name = dup_col(arena, st, 8, &rc);
	w.department = dup_col(arena, st, 9, &rc);
	w.department_name = dup_col(arena, st, 10, &rc);
	if (rc)
		return rc;
	if (l->kind == WG_WARNING_DISPUTE)
		return dispute_item(l, st, &w);
	bool overdue = l->kind == WG_WARNING_OVERDUE;
	if (q->cal && w.deadline)
		w.working_minutes = overdue ? wg_calendar_working_minutes_between(q->cal, w.deadline, q->now,
		                                                                  q->offset_minutes)
		                            : wg_calendar_working_minutes_between(q->cal, q->now, w.deadline,
		                                                                  q->offset_minutes);
	w.level = overdue ? "red" : "yellow";
	w.title = wg_arena_printf(arena, overdue ? "逾期：%s" : "即将到期：%s",
	                          w.case_title ? w.case_title : "");
	if (!w.title)
		return WG_ENOMEM;
	const char *t = working_time(arena, w.working_minutes);
	if (!t)
		return WG_ENOMEM;
	w.detail = wg_arena_printf(
		arena, overdue ? "%s 已超过办理时限 %s（工作时间）" : "%s 距办理时限还有 %s（工作时间）",
		w.case_number ? w.case_number : "", t);
	if (!w.detail)
		return WG_ENOMEM;
	return l->fn(l->ctx, &w);
}

static int overdue_list(wg_db *db, const wg_warning_query *q, const wg_stats_area *a, struct case_list *l,
                        int64_t *total)
{
	wg_stmt *st;
	int rc = wg_db_query_int(db, "SELECT count(*) FROM" OVERDUE_FROM " WHERE" CASE_OPEN, total, "ttiittt",
	                         a->lo, a->hi, q->now, q->now, a->lo, a->hi, a->dept);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          CASE_COLUMNS OVERDUE_FROM CASE_NAMES
	                          " WHERE" CASE_OPEN " ORDER BY COALESCE(c.deadline, 0), c.id LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttiittti", a->lo, a->hi, q->now, q->now, a->lo, a->hi, a->dept,
	                   (int64_t)WG_WARNING_ITEMS_MAX);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = case_item(l, st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int soon_due_list(wg_db *db, const wg_warning_query *q, const wg_stats_area *a, struct case_list *l,
                         int64_t *total)
{
	int64_t horizon = q->cal ? wg_calendar_add_working_minutes(q->cal, q->now, q->soon_due_hours * 60,
	                                                           q->offset_minutes)
	                         : q->now + q->soon_due_hours * 3600000;
	wg_stmt *st;
	int rc = wg_db_query_int(db, "SELECT count(*) FROM cases c WHERE" SOON_DUE_WHERE CASE_OPEN, total,
	                         "iiittt", horizon, q->now, horizon, a->lo, a->hi, a->dept);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          CASE_COLUMNS " cases c" CASE_NAMES " WHERE" SOON_DUE_WHERE CASE_OPEN
	                                       " ORDER BY c.deadline, c.id LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "iiittti", horizon, q->now, horizon, a->lo, a->hi, a->dept,
	                   (int64_t)WG_WARNING_ITEMS_MAX);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = case_item(l, st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Open red and yellow disputes of the area, through the partial index of
 * the dispute rows (cases_disputes). Parameters: lo, hi, the department. */
#define DISPUTE_WHERE \
	" c.kind = 'dispute' AND c.scope_key >= ? AND c.scope_key < ? AND c.risk IN ('red', 'yellow') AND"

static int dispute_list(wg_db *db, const wg_stats_area *a, struct case_list *l, int64_t *total)
{
	wg_stmt *st;
	int rc = wg_db_query_int(db, "SELECT count(*) FROM cases c WHERE" DISPUTE_WHERE CASE_OPEN, total,
	                         "ttt", a->lo, a->hi, a->dept);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          CASE_COLUMNS
	                          " cases c" CASE_NAMES " WHERE" DISPUTE_WHERE CASE_OPEN
	                          " ORDER BY CASE c.risk WHEN 'red' THEN 0 ELSE 1 END, c.id DESC LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttti", a->lo, a->hi, a->dept, (int64_t)WG_WARNING_ITEMS_MAX);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = case_item(l, st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- spikes ---------------------------------------------------------------------- */

struct spikes {
	const wg_warning_query *q;
	wg_warning *items;
	size_t n, cap;
};

/* Reports that are not duplicates (merged into another case) per place
 * (the first 12 digits of scope_key: the village of a grid, else the region
 * the case was placed at) and category, in the window and the baseline
 * before it, from stats_day. Only places with at least min_count in the
 * window come back: the rule's first condition, to keep the answer small;
 * wg_spike_test decides.
 *
 * Which rows are read depends on the area. A county or anything wider reads
 * the days' range of the primary key and leaves the area's range to a
 * filter (SPIKE_WIDE: the concatenation keeps the stores from answering
 * it through stats_day_scope, whose range would be all the area's days,
 * every year of them); a town or anything narrower reads its range of
 * stats_day_scope. With both as plain ranges SQLite took stats_day_scope
 * for a county too: 543 ms for a county's spikes on a year of a million
 * cases, 338 ms this way (docs/performance.md, "Warnings"). */
#define SPIKE_SQL(scope_key)                                                                               \
	"SELECT substr(d.scope_key, 1, 12), d.category, "                                                  \
	"sum(CASE WHEN d.day >= ? THEN d.reported - d.merged ELSE 0 END), "                                \
	"sum(CASE WHEN d.day < ? THEN d.reported - d.merged ELSE 0 END) FROM stats_day d "                 \
	"WHERE d.day >= ? AND d.day <= ? AND " scope_key " >= ? AND " scope_key " < ? AND d.department = " \
	"COALESCE(?, d.department) GROUP BY substr(d.scope_key, 1, 12), d.category "                       \
	"HAVING sum(CASE WHEN d.day >= ? THEN d.reported - d.merged ELSE 0 END) >= ? ORDER BY 1, 2"
#define SPIKE_NARROW SPIKE_SQL("d.scope_key")
#define SPIKE_WIDE SPIKE_SQL("(d.scope_key || '')")

static int spike_row(struct spikes *s, wg_stmt *st)
{
	wg_spike_figures f;
	if (!wg_spike_test(&s->q->spike, wg_stmt_int(st, 2), wg_stmt_int(st, 3), &f))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		wg_warning *items = wg_arena_calloc(s->q->arena, cap, sizeof *items);
		if (!items)
			return WG_ENOMEM;
		if (s->n)
			memcpy(items, s->items, s->n * sizeof *items);
		s->items = items;
		s->cap = cap;
	}
	int rc = 0;
	wg_warning *w = &s->items[s->n++];
	memset(w, 0, sizeof *w);
	w->kind = WG_WARNING_SPIKE;
	w->region = dup_col(s->q->arena, st, 0, &rc);
	w->category = dup_col(s->q->arena, st, 1, &rc);
	w->spike = f;
	return w->region && w->category ? rc : WG_ENOMEM;
}

static int by_severity(const void *pa, const void *pb)
{
	const wg_warning *a = pa, *b = pb;
	if (a->spike.ratio_tenths != b->spike.ratio_tenths)
		return a->spike.ratio_tenths > b->spike.ratio_tenths ? -1 : 1;
	if (a->spike.window != b->spike.window)
		return a->spike.window > b->spike.window ? -1 : 1;
	int c = strcmp(a->region, b->region);
	return c ? c : strcmp(a->category, b->category);
}

/* The department in charge of a category in a place: the owner routing
 * would dispatch a case of that level to (the town's for a village). */
static int in_charge(wg_db *db, wg_arena *arena, wg_warning *w)
{
	enum wg_region_level level;
	if (!wg_region_code_level(w->region, &level) || level < WG_REGION_COUNTY)
		return 0;
	const char *names[] = {
		[WG_REGION_COUNTY] = "county", [WG_REGION_TOWN] = "town", [WG_REGION_VILLAGE] = "village"};
	char code[WG_DEPARTMENT_CODE_MAX + 1];
	int rc = wg_routing_owner(db, w->category, names[level], w->region, code, sizeof code);
	if (rc == WG_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	w->department = wg_arena_strdup(arena, code);
	if (!w->department)
		return WG_ENOMEM;
	return lookup(db, "SELECT name FROM departments WHERE code = ?", w->department, arena,
	              &w->department_name);
}

/* Tenths as "12.5". */
static const char *tenths(wg_arena *arena, int64_t v)
{
	return wg_arena_printf(arena, "%lld.%lld", (long long)(v / 10), (long long)(v % 10));
}

static int spike_describe(wg_db *db, const wg_warning_query *q, wg_warning *w)
{
	wg_arena *arena = q->arena;
	int rc = lookup(db, "SELECT name FROM regions WHERE code = ?", w->region, arena, &w->region_name);
	if (!rc)
		rc = lookup(db, "SELECT name FROM categories WHERE code = ?", w->category, arena,
		            &w->category_name);
	if (!rc)
		rc = in_charge(db, arena, w);
	if (rc)
		return rc;
	w->level = "orange";
	w->title = wg_arena_printf(arena, "%s「%s」类事项短期内急剧攀升",
	                           w->region_name ? w->region_name : w->region,
	                           w->category_name ? w->category_name : w->category);
	const char *expected = tenths(arena, w->spike.expected_tenths);
	const char *ratio = tenths(arena, w->spike.ratio_tenths);
	if (!w->title || !expected || !ratio)
		return WG_ENOMEM;
	w->detail = wg_arena_printf(
		arena, "近 %lld 天上报 %lld 件，此前 %lld 天 %lld 件（按比例预期 %s 件），为预期的 %s 倍",
		(long long)q->spike.window_days, (long long)w->spike.window,
		(long long)q->spike.baseline_days, (long long)w->spike.baseline, expected, ratio);
	return w->detail ? 0 : WG_ENOMEM;
}

static int spike_list(wg_db *db, const wg_warning_query *q, const wg_stats_area *a, wg_warning_fn fn,
                      void *ctx, int64_t *total)
{
	char window_from[11], baseline_from[11], today[11];
	local_date(q->now, q->offset_minutes, 0, today);
	local_date(q->now, q->offset_minutes, q->spike.window_days - 1, window_from);
	local_date(q->now, q->offset_minutes, q->spike.window_days + q->spike.baseline_days - 1,
	           baseline_from);
	wg_stmt *st;
	bool wide = !a->code || (!a->grid && a->level <= WG_REGION_COUNTY);
	int rc = wg_db_prepare_cached(db, wide ? SPIKE_WIDE : SPIKE_NARROW, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tttttttti", window_from, window_from, baseline_from, today, a->lo, a->hi,
	                   a->dept, window_from, q->spike.min_count);
	struct spikes s = {.q = q};
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = spike_row(&s, st);
	wg_stmt_finalize(st);
	if (rc != WG_DB_DONE && rc)
		return rc;
	*total = (int64_t)s.n;
	if (s.n)
		qsort(s.items, s.n, sizeof *s.items, by_severity);
	rc = 0;
	for (size_t i = 0; !rc && i < s.n && i < WG_WARNING_ITEMS_MAX; i++) {
		rc = spike_describe(db, q, &s.items[i]);
		if (!rc)
			rc = fn(ctx, &s.items[i]);
	}
	return rc;
}

/* ---- missed visits ---------------------------------------------------------------- */

struct visits {
	wg_db *db;
	const wg_warning_query *q;
	wg_warning_fn fn;
	void *ctx;
	int64_t seen;
};

static int visit_item(void *ctx, const wg_visit_due *d)
{
	struct visits *v = ctx;
	if (!d->missed)
		return 0;
	if (v->seen++ >= WG_WARNING_ITEMS_MAX)
		return 0;
	wg_arena *arena = v->q->arena;
	wg_warning w = {.kind = WG_WARNING_MISSED_VISIT,
	                .level = d->missed_periods > 1 ? "orange" : "yellow"};
	w.subject_type = d->subject_type;
	w.subject_id = d->subject_id;
	w.subject_name = wg_arena_strdup(arena, d->name ? d->name : "");
	w.due_at = d->due_at;
	w.visit_days = d->visit_days;
	w.missed_periods = d->missed_periods;
	if (!w.subject_name)
		return WG_ENOMEM;
	int rc = 0;
	if (d->grid) {
		w.grid = wg_arena_strdup(arena, d->grid);
		w.region = wg_arena_strndup(arena, d->grid, WG_REGION_CODE_LEN);
		if (!w.grid || !w.region)
			return WG_ENOMEM;
		rc = lookup(v->db, "SELECT name FROM regions WHERE code = ?", w.region, arena,
		            &w.region_name);
	}
	if (rc)
		return rc;
	/* What is done on the subject's schedule: a visit, a patrol, a call-back. */
	const char *what = strcmp(d->subject_type, "resident") == 0 ? "走访"
	                   : strcmp(d->subject_type, "case") == 0   ? "家庭纠纷回访"
	                                                            : "巡查";
	w.title = wg_arena_printf(arena, "%s逾期：%s", what, w.subject_name);
	w.detail = wg_arena_printf(arena, "应每 %lld 天%s一次，已错过 %lld 个周期", (long long)d->visit_days,
	                           what, (long long)d->missed_periods);
	if (!w.title || !w.detail)
		return WG_ENOMEM;
	return v->fn(v->ctx, &w);
}

static int visit_list(wg_db *db, const wg_warning_query *q, const wg_stats_area *a, wg_warning_fn fn,
                      void *ctx, int64_t *total)
{
	/* The schedule as the caller sees it, narrowed to the area: the area
	 * lies in the caller's scope, so the same account seated there sees
	 * exactly the caller's subjects of the area. */
	wg_caller narrowed = *q->visits->caller;
	if (a->code)
		narrowed.scope = a->code;
	wg_basedata_env env = *q->visits;
	env.caller = &narrowed;
	struct visits v = {.db = db, .q = q, .fn = fn, .ctx = ctx};
	wg_visit_due_filter f = {.now = q->now, .within_days = 0, .limit = WG_WARNING_VISITS_COUNTED + 1};
	int rc = wg_visit_due_list(db, &env, &f, visit_item, &v);
	*total = v.seen > WG_WARNING_VISITS_COUNTED ? WG_WARNING_VISITS_COUNTED : v.seen;
	return rc;
}

/* ---- the list ------------------------------------------------------------------------ */

int wg_warning_list(wg_db *db, const wg_warning_query *q, wg_warning_fn fn, void *ctx,
                    wg_warning_totals *totals, const char **area_out, wg_field_errors *fe)
{
	memset(totals, 0, sizeof *totals);
	if (area_out)
		*area_out = NULL;
	wg_stats_area a;
	int rc = wg_stats_area_of(db, q->caller, q->area, &a, fe);
	if (rc)
		return rc;
	if (area_out)
		*area_out = a.code;
	struct case_list l = {.q = q, .fn = fn, .ctx = ctx};
	if (q->kinds & (1u << WG_WARNING_OVERDUE)) {
		l.kind = WG_WARNING_OVERDUE;
		rc = overdue_list(db, q, &a, &l, &totals->n[WG_WARNING_OVERDUE]);
	}
	if (!rc && (q->kinds & (1u << WG_WARNING_SOON_DUE))) {
		l.kind = WG_WARNING_SOON_DUE;
		rc = soon_due_list(db, q, &a, &l, &totals->n[WG_WARNING_SOON_DUE]);
	}
	if (!rc && (q->kinds & (1u << WG_WARNING_SPIKE)))
		rc = spike_list(db, q, &a, fn, ctx, &totals->n[WG_WARNING_SPIKE]);
	/* Visits are no department's cases: department accounts get none. */
	if (!rc && (q->kinds & (1u << WG_WARNING_MISSED_VISIT)) && q->visits && !a.dept)
		rc = visit_list(db, q, &a, fn, ctx, &totals->n[WG_WARNING_MISSED_VISIT]);
	if (!rc && (q->kinds & (1u << WG_WARNING_DISPUTE))) {
		l.kind = WG_WARNING_DISPUTE;
		rc = dispute_list(db, &a, &l, &totals->n[WG_WARNING_DISPUTE]);
	}
	return rc;
}
