/* Statistics: the rollups the case engine keeps (stats.h) and the counts
 * and rates read from them. What a case adds is one pure function of its
 * row (contribute), used alike by the engine's changes and the rebuild,
 * and mirrored by the backfill of migration 0010. */
#include "domain/stats.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/case_internal.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/stats_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int wg_stats_histogram_edges[WG_STATS_HISTOGRAM - 1] = {2, 4, 8, 16, 24, 40, 56, 80, 120, 160, 240};

const char *const wg_stats_rate_names[WG_STATS_RATES] = {
	"resolution", "closure", "on_time", "satisfaction", "rework", "extension", "return", "valid_report",
};

/* ---- dates ------------------------------------------------------------------ */

static void format_day(int64_t days, char out[WG_STATS_DATE_LEN + 1])
{
	int64_t y;
	int m, d;
	wg_civil_from_days(days, &y, &m, &d);
	/* Years stay within 0..9999: the digits are written one by one, so
	 * that no format can overflow the buffer. */
	int yy = (int)(((y % 10000) + 10000) % 10000);
	const int v[] = {yy / 1000, yy / 100 % 10, yy / 10 % 10, yy % 10, -1,
	                 m / 10,    m % 10,        -1,           d / 10,  d % 10};
	for (int i = 0; i < WG_STATS_DATE_LEN; i++)
		out[i] = v[i] < 0 ? '-' : (char)('0' + v[i]);
	out[WG_STATS_DATE_LEN] = '\0';
}

/* The local day number of a UTC time. */
static int64_t local_day(int64_t ms, int offset_minutes)
{
	return wg_floor_div(wg_floor_div(ms, 60000) + offset_minutes, 1440);
}

/* YYYY-MM-DD exactly, a real date; *days its day number. */
static bool parse_day(const char *s, int64_t *days)
{
	if (!s || strlen(s) != WG_STATS_DATE_LEN || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < WG_STATS_DATE_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return false;
	*days = wg_days_from_civil(y, m, d);
	return true;
}

bool wg_stats_period(wg_stats_query *q, const char *from, const char *to, int64_t now, wg_field_errors *fe)
{
	int64_t f = 0, t = local_day(now, q->offset_minutes);
	unsigned errors = fe->n;
	if (to && !parse_day(to, &t))
		wg_field_errors_add(fe, "to", "format", "to must be a date YYYY-MM-DD");
	if (from && !parse_day(from, &f))
		wg_field_errors_add(fe, "from", "format", "from must be a date YYYY-MM-DD");
	if (fe->n != errors)
		return false;
	if (!from)
		f = t - 29;
	if (t < f)
		wg_field_errors_add(fe, "to", "range", "to must not be before from");
	else if (t - f + 1 > WG_STATS_DAYS_MAX)
		wg_field_errors_add(fe, "to", "range", "a period is at most %d days", WG_STATS_DAYS_MAX);
	if (fe->n != errors)
		return false;
	format_day(f, q->from);
	format_day(t, q->to);
	return true;
}

bool wg_stats_day_parse(const char *s, int64_t *days)
{
	return s && parse_day(s, days);
}

void wg_stats_day_format(int64_t days, char out[WG_STATS_DATE_LEN + 1])
{
	format_day(days, out);
}

int64_t wg_stats_local_day(int64_t ms, int offset_minutes)
{
	return local_day(ms, offset_minutes);
}

/* ---- what a case adds --------------------------------------------------------- */

/* The columns of a case that its figures depend on. Strings are borrowed. */
struct fig {
	const char *scope_key, *kind, *category, *source, *department, *state;
	int64_t reporter; /* the reporting account with source grid, else 0 */
	int64_t reported_at, accepted_at, closed_at, handle_deadline, dispatched_at, feedback_at;
	int64_t escalations, satisfaction, reworks, reopens, extensions, returns;
	bool self_resolved, handled_late, merged;
};

struct entry {
	int64_t day;
	const struct fig *dims;
	int64_t c[NCOUNTERS];
};

struct ctx {
	int offset;
	const wg_calendar *cal;
	int64_t now; /* stamped on pending rows */
	bool pend;   /* append changes to stats_pending (not while rebuilding) */
};

static int bucket_of(int64_t minutes)
{
	int b = 0;
	while (b < WG_STATS_HISTOGRAM - 1 && minutes >= (int64_t)wg_stats_histogram_edges[b] * 60)
		b++;
	return b;
}

/* What f adds, into e (at most 3 entries): on its report date, its closure
 * date and the date it is due to close. */
static size_t contribute(const struct ctx *x, const struct fig *f, struct entry e[3])
{
	bool valid = !f->merged && (f->accepted_at || f->self_resolved || f->escalations > 0);
	/* A dispute referred to arbitration or court left mediation unresolved:
	 * it ended, but was not closed (办结). */
	bool closed = f->closed_at && valid && strcmp(f->state, "referred") != 0;
	size_t n = 0;
	struct entry *r = &e[n++];
	memset(r, 0, sizeof *r);
	r->day = local_day(f->reported_at, x->offset);
	r->dims = f;
	r->c[K_reported] = 1;
	r->c[K_accepted] = valid;
	r->c[K_rejected] = !f->merged && f->closed_at && !valid;
	r->c[K_merged] = f->merged;
	r->c[K_open] = !f->merged && !f->closed_at;
	r->c[K_reported_closed] = closed;
	r->c[K_self_resolved] = f->self_resolved;
	if (closed) {
		struct entry *c = &e[n++];
		memset(c, 0, sizeof *c);
		c->day = local_day(f->closed_at, x->offset);
		c->dims = f;
		c->c[K_closed] = 1;
		c->c[K_closed_due] = f->handle_deadline != 0;
		c->c[K_closed_on_time] = f->handle_deadline && !f->handled_late;
		c->c[K_rated] = f->satisfaction > 0;
		c->c[K_satisfied] = f->satisfaction >= 4;
		c->c[K_reworked] = f->reworks + f->reopens > 0;
		c->c[K_extended] = f->extensions > 0;
		c->c[K_returned] = f->returns > 0;
		if (x->cal && f->dispatched_at && f->feedback_at >= f->dispatched_at) {
			int64_t m = wg_calendar_working_minutes_between(x->cal, f->dispatched_at,
			                                                f->feedback_at, x->offset);
			c->c[K_handled] = 1;
			c->c[K_handling_minutes] = m;
			c->c[K_h0 + bucket_of(m)] = 1;
		}
	}
	if (valid && f->handle_deadline) {
		struct entry *d = &e[n++];
		memset(d, 0, sizeof *d);
		int64_t at = closed && f->closed_at < f->handle_deadline ? f->closed_at : f->handle_deadline;
		d->day = local_day(at, x->offset);
		d->dims = f;
		d->c[K_due] = 1;
		d->c[K_due_closed] = closed;
	}
	return n;
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_dims(const struct fig *a, const struct fig *b)
{
	return same_text(a->scope_key, b->scope_key) && same_text(a->kind, b->kind) &&
	       same_text(a->category, b->category) && same_text(a->source, b->source) &&
	       same_text(a->department, b->department) && a->reporter == b->reporter;
}

/* Whether two views of a case add the same (reported_at aside, which
 * never changes). */
static bool same_figures(const struct fig *a, const struct fig *b)
{
	return same_dims(a, b) && same_text(a->state, b->state) && a->accepted_at == b->accepted_at &&
	       a->closed_at == b->closed_at && a->handle_deadline == b->handle_deadline &&
	       a->dispatched_at == b->dispatched_at && a->feedback_at == b->feedback_at &&
	       (a->escalations > 0) == (b->escalations > 0) && a->satisfaction == b->satisfaction &&
	       (a->reworks + a->reopens > 0) == (b->reworks + b->reopens > 0) &&
	       (a->extensions > 0) == (b->extensions > 0) && (a->returns > 0) == (b->returns > 0) &&
	       a->self_resolved == b->self_resolved && a->handled_late == b->handled_late &&
	       a->merged == b->merged;
}

static void fig_of_row(const wg__case_row *r, int64_t reported_at, struct fig *f)
{
	*f = (struct fig){
		.scope_key = r->scope_key,
		.kind = r->kind,
		.category = r->category,
		.source = r->source,
		.department = r->department,
		.state = r->flow->states[r->state].name,
		.reporter = strcmp(r->source, "grid") == 0 ? r->reporter_user : 0,
		.reported_at = reported_at,
		.accepted_at = r->accepted_at,
		.closed_at = r->closed_at,
		.handle_deadline = r->handle_deadline,
		.dispatched_at = r->dispatched_at,
		.feedback_at = r->feedback_at,
		.escalations = r->escalations,
		.satisfaction = r->satisfaction,
		.reworks = r->reworks,
		.reopens = r->reopens,
		.extensions = r->extensions,
		.returns = r->returns,
		.self_resolved = r->self_resolved,
		.handled_late = r->handled_late,
		.merged = r->master != 0,
	};
}

/* ---- writing the rollups --------------------------------------------------------- */

#define ADD(n) ", " #n " = stats_day." #n " + excluded." #n

static const char upsert_day_sql[] =
	"INSERT INTO stats_day (day, scope_key, kind, category, source, department, "
	"reporter" COUNTERS(COL) ") VALUES (?, ?, ?, ?, ?, ?, ?" COUNTERS(
		QMARK) ") ON CONFLICT (day, scope_key, kind, category, "
		       "source, department, reporter) DO UPDATE SET reporter = "
		       "excluded.reporter" COUNTERS(ADD);

static int bind_dims(wg_stmt *st, const char *day, const struct fig *f)
{
	const char *text[] = {day,         f->scope_key, f->kind,
	                      f->category, f->source,    f->department ? f->department : ""};
	int rc = 0;
	for (int i = 0; !rc && i < 6; i++)
		rc = wg_stmt_bind_text(st, i + 1, text[i], strlen(text[i]));
	return rc;
}

/* The same changes appended to stats_pending, for the fold job to move
 * into stats_cube (migration 0015): the parameters of the upserts, then
 * the clock time. */
static const char pend_day_sql[] =
	"INSERT INTO stats_pending (day, scope_key, kind, category, source, department, "
	"reporter" COUNTERS(COL) ", at) VALUES (?, ?, ?, ?, ?, ?, ?" COUNTERS(QMARK) ", ?)";

static const char upsert_state_sql[] =
	"INSERT INTO stats_state (day, scope_key, kind, category, source, department, state, n) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, scope_key, kind, category, source, "
	"department, state) DO UPDATE SET n = stats_state.n + excluded.n";

static const char pend_state_sql[] =
	"INSERT INTO stats_pending (day, scope_key, kind, category, source, department, state, n, "
	"at, reporter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)";

/* Run sql (upsert_day_sql or pend_day_sql: stamped) on entry e. */
static int write_day(wg_db *db, const char *sql, const struct ctx *x, const struct entry *e, bool stamped)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	char day[WG_STATS_DATE_LEN + 1];
	format_day(e->day, day);
	rc = bind_dims(st, day, e->dims);
	if (!rc)
		rc = wg_stmt_bind_int(st, 7, e->dims->reporter);
	for (int i = 0; !rc && i < NCOUNTERS; i++)
		rc = wg_stmt_bind_int(st, 8 + i, e->c[i]);
	if (!rc && stamped)
		rc = wg_stmt_bind_int(st, 8 + NCOUNTERS, x->now);
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Run sql (upsert_state_sql or pend_state_sql: stamped): n more cases of
 * f's keys in its state, on its report day. */
static int write_state(wg_db *db, const char *sql, const struct ctx *x, const struct fig *f, int64_t n,
                       bool stamped)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	char day[WG_STATS_DATE_LEN + 1];
	format_day(local_day(f->reported_at, x->offset), day);
	rc = bind_dims(st, day, f);
	if (!rc)
		rc = wg_stmt_bind_text(st, 7, f->state, strlen(f->state));
	if (!rc)
		rc = wg_stmt_bind_int(st, 8, n);
	if (!rc && stamped)
		rc = wg_stmt_bind_int(st, 9, x->now);
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* A rollup row's change, in the fine tables and, unless rebuilding, as
 * pending for the cube. */
static int move_day(wg_db *db, const struct ctx *x, const struct entry *e)
{
	int rc = write_day(db, upsert_day_sql, x, e, false);
	return rc || !x->pend ? rc : write_day(db, pend_day_sql, x, e, true);
}

static int move_state(wg_db *db, const struct ctx *x, const struct fig *f, int64_t n)
{
	int rc = write_state(db, upsert_state_sql, x, f, n, false);
	return rc || !x->pend ? rc : write_state(db, pend_state_sql, x, f, n, true);
}

/* Add after's figures and take away before's (either may be NULL), writing
 * only the rows whose counters change. */
static int cmp_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* One order of rollup keys for every writer: on PostgreSQL two changes
 * that lock the same rows in opposite orders would deadlock. */
static int cmp_key(int64_t day_a, const struct fig *a, const char *extra_a, int64_t day_b,
                   const struct fig *b, const char *extra_b)
{
	if (day_a != day_b)
		return day_a < day_b ? -1 : 1;
	const char *ka[] = {a->scope_key, a->kind, a->category, a->source, a->department, extra_a};
	const char *kb[] = {b->scope_key, b->kind, b->category, b->source, b->department, extra_b};
	for (int i = 0; i < 6; i++) {
		int c = cmp_text(ka[i], kb[i]);
		if (c)
			return c;
	}
	return a->reporter < b->reporter ? -1 : a->reporter > b->reporter;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	return cmp_key(a->day, a->dims, NULL, b->day, b->dims, NULL);
}

static int apply_change(wg_db *db, const struct ctx *x, const struct fig *before, const struct fig *after)
{
	struct entry e[6];
	size_t n = 0;
	if (before) {
		n = contribute(x, before, e);
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < NCOUNTERS; k++)
				e[i].c[k] = -e[i].c[k];
	}
	struct entry add[3];
	size_t nadd = after ? contribute(x, after, add) : 0;
	for (size_t j = 0; j < nadd; j++) {
		size_t i = 0;
		while (i < n && !(e[i].day == add[j].day && same_dims(e[i].dims, add[j].dims)))
			i++;
		if (i == n)
			e[n++] = add[j];
		else
			for (int k = 0; k < NCOUNTERS; k++)
				e[i].c[k] += add[j].c[k];
	}
	qsort(e, n, sizeof e[0], cmp_entry);
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		bool any = false;
		for (int k = 0; k < NCOUNTERS; k++)
			any = any || e[i].c[k] != 0;
		if (any)
			rc = move_day(db, x, &e[i]);
	}
	bool moved =
		!before || !after || !same_dims(before, after) || !same_text(before->state, after->state);
	if (!moved)
		return rc;
	const struct fig *first = before, *second = after;
	if (before && after &&
	    cmp_key(local_day(before->reported_at, x->offset), before, before->state,
	            local_day(after->reported_at, x->offset), after, after->state) > 0) {
		first = after;
		second = before;
	}
	if (!rc && first)
		rc = move_state(db, x, first, first == before ? -1 : 1);
	if (!rc && second)
		rc = move_state(db, x, second, second == before ? -1 : 1);
	return rc;
}

static struct ctx ctx_of(const wg_case_env *env)
{
	return (struct ctx){.offset = (int)wg__case_setting(env, "time.offset_minutes"),
	                    .cal = env->cal,
	                    .now = env->now,
	                    .pend = true};
}

static int reported_at_of(wg_db *db, int64_t id, int64_t *at)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT reported_at FROM cases WHERE id = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, id);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		*at = wg_stmt_int(st, 0);
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg__stats_case_changed(wg_db *db, const wg_case_env *env, const wg__case_row *before,
                           const wg__case_row *after)
{
	struct ctx x = ctx_of(env);
	struct fig fa, fb;
	if (!before) {
		fig_of_row(after, env->now, &fa);
		return apply_change(db, &x, NULL, &fa);
	}
	fig_of_row(before, 0, &fb);
	fig_of_row(after, 0, &fa);
	if (same_figures(&fb, &fa))
		return 0;
	int64_t at = 0;
	int rc = reported_at_of(db, after->id, &at);
	if (rc)
		return rc;
	fb.reported_at = fa.reported_at = at;
	return apply_change(db, &x, &fb, &fa);
}

/* ---- rebuild ------------------------------------------------------------------- */

#define REBUILD_BATCH 256

static char *dup_col(wg_arena *a, wg_stmt *st, int col)
{
	const char *s = wg_stmt_text(st, col, NULL);
	return wg_arena_strdup(a, s ? s : "");
}

int wg_stats_rebuild(wg_db *db, const wg_case_env *env)
{
	struct ctx x = ctx_of(env);
	x.pend = false; /* the cube is made again from the whole tables below */
	int rc = wg_db_execf(db, "DELETE FROM stats_day", NULL, "");
	if (!rc)
		rc = wg_db_execf(db, "DELETE FROM stats_state", NULL, "");
	int64_t last = 0;
	wg_arena arena;
	wg_arena_init(&arena, (size_t)64 * 1024);
	while (!rc) {
		wg_arena_clear(&arena);
		struct fig *figs = wg_arena_calloc(&arena, REBUILD_BATCH, sizeof *figs);
		if (!figs) {
			rc = WG_ENOMEM;
			break;
		}
		wg_stmt *st;
		rc = wg_db_prepare_cached(
			db,
			"SELECT id, scope_key, kind, category, source, COALESCE(department, ''), state, "
			"CASE WHEN source = 'grid' THEN COALESCE(reporter_user, 0) ELSE 0 END, reported_at, "
			"accepted_at, closed_at, handle_deadline, dispatched_at, feedback_at, escalations, "
			"satisfaction, reworks, reopens, extensions, returns, self_resolved, handled_late, "
			"master FROM cases WHERE id > ? ORDER BY id LIMIT 256",
			&st);
		if (rc)
			break;
		rc = wg_stmt_bind_int(st, 1, last);
		size_t n = 0;
		while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
			rc = 0;
			struct fig *f = &figs[n++];
			last = wg_stmt_int(st, 0);
			f->scope_key = dup_col(&arena, st, 1);
			f->kind = dup_col(&arena, st, 2);
			f->category = dup_col(&arena, st, 3);
			f->source = dup_col(&arena, st, 4);
			f->department = dup_col(&arena, st, 5);
			f->state = dup_col(&arena, st, 6);
			f->reporter = wg_stmt_int(st, 7);
			int64_t *t[] = {&f->reported_at,     &f->accepted_at,   &f->closed_at,
			                &f->handle_deadline, &f->dispatched_at, &f->feedback_at,
			                &f->escalations,     &f->satisfaction,  &f->reworks,
			                &f->reopens,         &f->extensions,    &f->returns};
			for (int i = 0; i < 12; i++)
				*t[i] = wg_stmt_int(st, 8 + i);
			f->self_resolved = wg_stmt_int(st, 20) != 0;
			f->handled_late = wg_stmt_int(st, 21) != 0;
			f->merged = wg_stmt_int(st, 22) != 0;
			if (!f->scope_key || !f->kind || !f->category || !f->source || !f->department ||
			    !f->state)
				rc = WG_ENOMEM;
		}
		wg_stmt_finalize(st);
		if (rc == WG_DB_DONE)
			rc = 0;
		for (size_t i = 0; !rc && i < n; i++)
			rc = apply_change(db, &x, NULL, &figs[i]);
		if (n < REBUILD_BATCH)
			break;
	}
	wg_arena_clear(&arena);
	return rc ? rc : wg_stats_cube_reset(db);
}

/* ---- reading ----------------------------------------------------------------------- */

static int exists(wg_db *db, const char *sql, const char *code)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_text(st, 1, code, strlen(code));
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? WG_ENOTFOUND : rc;
}

int wg_stats_area_of(wg_db *db, const wg_caller *c, const char *area, wg_stats_area *a, wg_field_errors *fe)
{
	memset(a, 0, sizeof *a);
	a->code = area ? area : c->scope;
	if (c->user_id && c->roles && !(c->roles & ~WG_ROLES_DEPARTMENT))
		a->dept = c->department ? c->department : "-";
	if (!a->code) {
		wg_scope matters;
		wg_scope_of(c, &matters);
		memcpy(a->lo, matters.lo, sizeof a->lo);
		memcpy(a->hi, matters.hi, sizeof a->hi);
		return 0;
	}
	char prefix[WG_SCOPE_KEY_MAX + 1];
	if (!wg_scope_prefix(a->code, prefix)) {
		wg_field_errors_add(fe, "region", "pattern", "region must be a region or grid code");
		return WG_EVALIDATION;
	}
	wg_scope own;
	wg_scope_of(c, &own);
	if (!wg_scope_contains(&own, a->code))
		return WG_ENOTFOUND;
	a->grid = strlen(a->code) > WG_REGION_CODE_LEN;
	if (!a->grid)
		wg_region_code_level(a->code, &a->level);
	int rc = exists(
		db, a->grid ? "SELECT 1 FROM grids WHERE code = ?" : "SELECT 1 FROM regions WHERE code = ?",
		a->code);
	if (rc)
		return rc;
	const wg_caller as_area = {.user_id = 1, .scope = a->code};
	wg_scope s;
	wg_scope_of(&as_area, &s);
	memcpy(a->lo, s.lo, sizeof a->lo);
	memcpy(a->hi, s.hi, sizeof a->hi);
	return 0;
}

#define FILTER                                                                                    \
	" d.day >= ? AND d.day <= ? AND d.scope_key >= ? AND d.scope_key < ? AND d.department = " \
	"COALESCE(?, d.department)"

static int bind_filter(wg_stmt *st, int first, const wg_stats_query *q, const wg_stats_area *a)
{
	const char *v[] = {q->from, q->to, a->lo, a->hi};
	int rc = 0;
	for (int i = 0; !rc && i < 4; i++)
		rc = wg_stmt_bind_text(st, first + i, v[i], strlen(v[i]));
	if (!rc)
		rc = a->dept ? wg_stmt_bind_text(st, first + 4, a->dept, strlen(a->dept))
		             : wg_stmt_bind_null(st, first + 4);
	return rc;
}

typedef int (*row_fn)(void *ctx, wg_stmt *st);

/* One read of the rollups: rows keyed k, each with cols, summed as outer
 * and rest say over the subquery x. From the cube (rows of the area's dim,
 * plus the pending rows) where it holds the area, else from the fine rows. */
struct read {
	const char *dim;       /* the cube's dimension */
	const char *key;       /* k over a fine or pending row d */
	const char *cube_key;  /* k over a cube row d; NULL: d.val */
	const char *cols;      /* columns over a fine or pending row d */
	const char *cube_cols; /* the same over a cube row; NULL: cols */
	bool state;            /* of stats_state (pending rows with a state) */
	const char *outer;     /* the select list over x */
	const char *rest;      /* joins, GROUP BY, HAVING, ORDER BY */
};

/* The cube's area answering a's figures of dim, into area; false when the
 * cube does not hold them (wg__stats_cube_holds), nor a grid's (its rows
 * are few; stats_day_scope finds them), a department's cases in a part of
 * its area, or the system's whole range. A department's cases lie in its
 * region, which holds the account's scope, so 'd:' and the department
 * alone give the same rows. */
static bool cube_area(const wg_stats_query *q, const wg_stats_area *a, const char *dim, char *area,
                      size_t size)
{
	if (a->dept)
		return !q->area && wg__stats_cube_holds(true, WG_REGION_PROVINCE, dim) &&
		       snprintf(area, size, "d:%s", a->dept) < (int)size;
	return a->code && !a->grid && wg__stats_cube_holds(false, a->level, dim) &&
	       snprintf(area, size, "%s", a->code) < (int)size;
}

static int read_rows(wg_db *db, const wg_stats_query *q, const wg_stats_area *a, const struct read *r,
                     row_fn fn, void *ctx)
{
	char area[64], sql[4096];
	bool cube = cube_area(q, a, r->dim, area, sizeof area);
	int len;
	if (cube)
		len = snprintf(sql, sizeof sql,
		               "SELECT %s FROM (SELECT %s AS k, %s FROM stats_cube d WHERE d.area = ? AND "
		               "d.dim = '%s' AND d.day >= ? AND d.day <= ? UNION ALL SELECT %s AS k, %s FROM "
		               "stats_pending d WHERE" FILTER " AND d.state %s '') x %s",
		               r->outer, r->cube_key ? r->cube_key : "d.val",
		               r->cube_cols ? r->cube_cols : r->cols, r->dim, r->key, r->cols,
		               r->state ? "<>" : "=", r->rest);
	else
		len = snprintf(sql, sizeof sql,
		               "SELECT %s FROM (SELECT %s AS k, %s FROM %s d WHERE" FILTER ") x %s", r->outer,
		               r->key, r->cols, r->state ? "stats_state" : "stats_day", r->rest);
	if (len < 0 || (size_t)len >= sizeof sql)
		return WG_EINTERNAL;
	wg_stmt *st;
	int rc = wg_db_prepare_built(db, sql, &st);
	if (rc)
		return rc;
	int first = 1;
	if (cube) {
		rc = wg_stmt_bindf(st, "ttt", area, q->from, q->to);
		first = 4;
	}
	if (!rc)
		rc = bind_filter(st, first, q, a);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = fn(ctx, st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- overview ---- */

struct counts {
	wg_arena *arena;
	wg_stats_count *items;
	size_t n, cap;
	bool named;
};

static wg_stats_count *counts_add(struct counts *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		wg_stats_count *items = wg_arena_calloc(c->arena, cap, sizeof *items);
		if (!items)
			return NULL;
		if (c->n)
			memcpy(items, c->items, c->n * sizeof *items);
		c->items = items;
		c->cap = cap;
	}
	return &c->items[c->n++];
}

static int count_row(void *ctx, wg_stmt *st)
{
	struct counts *c = ctx;
	wg_stats_count *it = counts_add(c);
	if (!it)
		return WG_ENOMEM;
	it->key = dup_col(c->arena, st, 0);
	it->name = c->named ? dup_col(c->arena, st, 1) : NULL;
	it->count = wg_stmt_int(st, c->named ? 2 : 1);
	return it->key && (!c->named || it->name) ? 0 : WG_ENOMEM;
}

/* State rows come per kind ("event:handling"): one item per kind and
 * state, labelled by that kind's flow, since two flows may name a state
 * alike and mean different steps. */
static int state_row(void *ctx, wg_stmt *st)
{
	struct counts *c = ctx;
	const char *key = wg_stmt_text(st, 0, NULL);
	const char *colon = key ? strchr(key, ':') : NULL;
	if (!colon)
		return WG_ESTORE;
	char kind[32];
	snprintf(kind, sizeof kind, "%.*s", (int)(colon - key), key);
	const char *state = colon + 1;
	int64_t n = wg_stmt_int(st, 1);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->items[i].key, state) == 0 && strcmp(c->items[i].kind, kind) == 0) {
			c->items[i].count += n;
			return 0;
		}
	wg_stats_count *it = counts_add(c);
	if (!it)
		return WG_ENOMEM;
	const wg_flow *f = wg_flow_get(kind);
	int k = f ? wg_flow_state_index(f, state) : -1;
	it->key = wg_arena_strdup(c->arena, state);
	it->kind = wg_arena_strdup(c->arena, kind);
	it->name = k >= 0 ? f->states[k].label : it->key;
	it->count = n;
	return it->key && it->kind ? 0 : WG_ENOMEM;
}

static int totals_row(void *ctx, wg_stmt *st)
{
	wg_stats_overview *o = ctx;
	o->total = wg_stmt_int(st, 0);
	o->open = wg_stmt_int(st, 1);
	o->closed = wg_stmt_int(st, 2);
	return 0;
}

static int by_count_desc(const void *a, const void *b)
{
	const wg_stats_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Overdue cases reported in the period: few, read through the partial
 * indexes of migration 0010. */
static int overdue_count(wg_db *db, const wg_stats_query *q, const wg_stats_area *a, int64_t *n)
{
	int64_t from = 0, to = 0;
	parse_day(q->from, &from);
	parse_day(q->to, &to);
	int64_t off = (int64_t)q->offset_minutes * 60000;
	return wg_db_query_int(db,
	                       "SELECT count(*) FROM cases WHERE overdue = 1 AND scope_key >= ? AND "
	                       "scope_key < ? AND reported_at >= ? AND reported_at < ? AND "
	                       "COALESCE(department, '') = COALESCE(?, COALESCE(department, ''))",
	                       n, "ttiit", a->lo, a->hi, from * 86400000 - off, (to + 1) * 86400000 - off,
	                       a->dept);
}

int wg_stats_overview_get(wg_db *db, const wg_stats_query *q, wg_stats_overview *out, wg_field_errors *fe)
{
	memset(out, 0, sizeof *out);
	wg_stats_area a;
	int rc = wg_stats_area_of(db, q->caller, q->area, &a, fe);
	if (rc)
		return rc;
	out->area = a.code;
	static const struct read totals = {
		.dim = "all",
		.key = "''",
		.cols = "d.reported, d.open, d.reported_closed",
		.outer = "sum(x.reported), sum(x.open), sum(x.reported_closed)",
		.rest = "",
	};
	static const struct read by_state = {
		.dim = "state",
		.key = "d.kind || ':' || d.state",
		.cols = "d.n",
		.state = true,
		.outer = "x.k, sum(x.n)",
		.rest = "GROUP BY x.k HAVING sum(x.n) > 0 ORDER BY x.k",
	};
	static const struct read by_kind = {
		.dim = "kind",
		.key = "d.kind",
		.cols = "d.reported",
		.outer = "x.k, sum(x.reported)",
		.rest = "GROUP BY x.k HAVING sum(x.reported) > 0",
	};
	static const struct read by_category = {
		.dim = "category",
		.key = "d.category",
		.cols = "d.reported",
		.outer = "x.k, c.name, sum(x.reported)",
		.rest = "JOIN categories c ON c.code = x.k GROUP BY x.k, c.name HAVING sum(x.reported) > 0",
	};
	static const struct read by_source = {
		.dim = "source",
		.key = "d.source",
		.cols = "d.reported",
		.outer = "x.k, sum(x.reported)",
		.rest = "GROUP BY x.k HAVING sum(x.reported) > 0",
	};
	rc = read_rows(db, q, &a, &totals, totals_row, out);
	struct counts states = {.arena = q->arena}, kinds = {.arena = q->arena},
		      categories = {.arena = q->arena, .named = true}, sources = {.arena = q->arena};
	if (!rc)
		rc = read_rows(db, q, &a, &by_state, state_row, &states);
	if (!rc)
		rc = read_rows(db, q, &a, &by_kind, count_row, &kinds);
	if (!rc)
		rc = read_rows(db, q, &a, &by_category, count_row, &categories);
	if (!rc)
		rc = read_rows(db, q, &a, &by_source, count_row, &sources);
	if (!rc)
		rc = overdue_count(db, q, &a, &out->overdue);
	if (rc)
		return rc;
	struct counts *all[] = {&states, &kinds, &categories, &sources};
	for (size_t i = 0; i < 4; i++)
		if (all[i]->n)
			qsort(all[i]->items, all[i]->n, sizeof *all[i]->items, by_count_desc);
	out->by_state = states.items, out->nstate = states.n;
	out->by_kind = kinds.items, out->nkind = kinds.n;
	out->by_category = categories.items, out->ncategory = categories.n;
	out->by_source = sources.items, out->nsource = sources.n;
	return 0;
}

/* ---- places ---- */

struct places {
	wg_arena *arena;
	wg_stats_place *items;
	size_t n, cap;
};

static int place_row(void *ctx, wg_stmt *st)
{
	struct places *p = ctx;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		wg_stats_place *items = wg_arena_calloc(p->arena, cap, sizeof *items);
		if (!items)
			return WG_ENOMEM;
		if (p->n)
			memcpy(items, p->items, p->n * sizeof *items);
		p->items = items, p->cap = cap;
	}
	wg_stats_place *it = &p->items[p->n++];
	it->key = wg_arena_strdup(p->arena, wg_stmt_text(st, 0, NULL));
	it->total = wg_stmt_int(st, 1);
	it->open = wg_stmt_int(st, 2);
	return it->key ? 0 : WG_ENOMEM;
}

static int place_by_key(const void *key, const void *item)
{
	return strcmp(key, ((const wg_stats_place *)item)->key);
}

/* Overdue cases per place, added to the places already read (sorted by key). */
static int places_overdue(wg_db *db, const wg_stats_query *q, const wg_stats_area *a, struct places *p)
{
	int64_t from = 0, to = 0;
	parse_day(q->from, &from);
	parse_day(q->to, &to);
	int64_t off = (int64_t)q->offset_minutes * 60000;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT scope_key, count(*) FROM cases WHERE overdue = 1 AND scope_key >= ? AND "
		"scope_key < ? AND reported_at >= ? AND reported_at < ? AND "
		"COALESCE(department, '') = COALESCE(?, COALESCE(department, '')) "
		"GROUP BY scope_key",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttiit", a->lo, a->hi, from * 86400000 - off, (to + 1) * 86400000 - off,
	                   a->dept);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_stats_place *it = p->n ? bsearch(wg_stmt_text(st, 0, NULL), p->items, p->n,
		                                    sizeof *p->items, place_by_key)
		                          : NULL;
		if (it)
			it->overdue = wg_stmt_int(st, 1);
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_stats_places(wg_db *db, const wg_stats_query *q, wg_stats_place_fn fn, void *ctx, wg_field_errors *fe)
{
	wg_stats_area a;
	int rc = wg_stats_area_of(db, q->caller, q->area, &a, fe);
	if (rc)
		return rc;
	struct places p = {.arena = q->arena};
	static const struct read by_place = {
		.dim = "place",
		.key = "d.scope_key",
		.cols = "d.reported, d.open",
		.outer = "x.k, sum(x.reported), sum(x.open)",
		.rest = "GROUP BY x.k HAVING sum(x.reported) > 0 ORDER BY x.k",
	};
	rc = read_rows(db, q, &a, &by_place, place_row, &p);
	if (!rc)
		rc = places_overdue(db, q, &a, &p);
	for (size_t i = 0; !rc && i < p.n; i++)
		rc = fn(ctx, &p.items[i]);
	return rc;
}

/* ---- trend ---- */

struct trend {
	int64_t from, to;
	int64_t *reported, *closed; /* per day from `from` */
};

static int trend_row(void *ctx, wg_stmt *st)
{
	struct trend *t = ctx;
	int64_t day;
	if (!parse_day(wg_stmt_text(st, 0, NULL), &day) || day < t->from || day > t->to)
		return WG_ESTORE;
	t->reported[day - t->from] += wg_stmt_int(st, 1);
	t->closed[day - t->from] += wg_stmt_int(st, 2);
	return 0;
}

/* The first day of the period holding day. */
static int64_t period_start(int64_t day, enum wg_stats_bucket b)
{
	if (b == WG_STATS_DAY)
		return day;
	if (b == WG_STATS_WEEK) /* 1970-01-01 was a Thursday */
		return day - (((day + 3) % 7) + 7) % 7;
	int64_t y;
	int m, d;
	wg_civil_from_days(day, &y, &m, &d);
	return day - (d - 1);
}

int wg_stats_trend(wg_db *db, const wg_stats_query *q, enum wg_stats_bucket bucket, wg_stats_point_fn fn,
                   void *ctx, wg_field_errors *fe)
{
	wg_stats_area a;
	int rc = wg_stats_area_of(db, q->caller, q->area, &a, fe);
	if (rc)
		return rc;
	struct trend t;
	if (!parse_day(q->from, &t.from) || !parse_day(q->to, &t.to) || t.to < t.from)
		return WG_EINTERNAL;
	size_t days = (size_t)(t.to - t.from + 1);
	t.reported = wg_arena_calloc(q->arena, days, sizeof *t.reported);
	t.closed = wg_arena_calloc(q->arena, days, sizeof *t.closed);
	if (!t.reported || !t.closed)
		return WG_ENOMEM;
	static const struct read by_day = {
		.dim = "all",
		.key = "d.day",
		.cube_key = "d.day",
		.cols = "d.reported, d.closed",
		.outer = "x.k, sum(x.reported), sum(x.closed)",
		.rest = "GROUP BY x.k",
	};
	rc = read_rows(db, q, &a, &by_day, trend_row, &t);
	for (int64_t day = t.from; !rc && day <= t.to;) {
		wg_stats_point p = {0};
		int64_t start = period_start(day, bucket);
		format_day(start, p.period);
		for (; day <= t.to && period_start(day, bucket) == start; day++) {
			p.reported += t.reported[day - t.from];
			p.closed += t.closed[day - t.from];
		}
		rc = fn(ctx, &p);
	}
	return rc;
}

/* ---- rates ---- */

/* The terms of the rates, in the order of enum wg_stats_rate_kind
 * (numerator, denominator), then the handling times. */
#define RATE_SUMS                                                                                     \
	"sum(x.dispute_closed), sum(x.dispute_accepted), sum(x.due_closed), sum(x.due), "             \
	"sum(x.closed_on_time), sum(x.closed_due), sum(x.satisfied), sum(x.rated), sum(x.reworked), " \
	"sum(x.closed), sum(x.extended), sum(x.closed), sum(x.returned), sum(x.closed), "             \
	"sum(x.grid_accepted), sum(x.grid_reported), sum(x.handled), sum(x.handling_minutes), "       \
	"sum(x.h0), sum(x.h1), sum(x.h2), sum(x.h3), sum(x.h4), sum(x.h5), sum(x.h6), sum(x.h7), "    \
	"sum(x.h8), sum(x.h9), sum(x.h10), sum(x.h11)"

#define RATE_PLAIN_COLS                                                                             \
	"d.due_closed, d.due, d.closed_on_time, d.closed_due, d.satisfied, d.rated, d.reworked, "   \
	"d.closed, d.extended, d.returned, d.handled, d.handling_minutes, d.h0, d.h1, d.h2, d.h3, " \
	"d.h4, d.h5, d.h6, d.h7, d.h8, d.h9, d.h10, d.h11"

/* A fine row has the derived terms as expressions, a cube row as columns. */
#define RATE_COLS                                                                            \
	"CASE WHEN d.kind = 'dispute' THEN d.reported_closed ELSE 0 END AS dispute_closed, " \
	"CASE WHEN d.kind = 'dispute' THEN d.accepted ELSE 0 END AS dispute_accepted, "      \
	"CASE WHEN d.reporter <> 0 THEN d.accepted ELSE 0 END AS grid_accepted, "            \
	"CASE WHEN d.reporter <> 0 THEN d.reported ELSE 0 END AS grid_reported, " RATE_PLAIN_COLS
#define RATE_CUBE_COLS \
	"d.dispute_closed, d.dispute_accepted, d.grid_accepted, d.grid_reported, " RATE_PLAIN_COLS

struct groups {
	wg_arena *arena;
	wg_stats_group_figures *items;
	size_t n, cap;
	size_t keylen; /* regions: key digits, padded with zeros to a code; 0 keeps the key */
	bool named;    /* the second column is the name */
};

static wg_stats_group_figures *groups_add(struct groups *g)
{
	if (g->n == g->cap) {
		if (g->cap >= WG_STATS_GROUPS_MAX)
			return NULL;
		size_t cap = g->cap ? g->cap * 2 : 32;
		wg_stats_group_figures *items = wg_arena_calloc(g->arena, cap, sizeof *items);
		if (!items)
			return NULL;
		if (g->n)
			memcpy(items, g->items, g->n * sizeof *items);
		g->items = items;
		g->cap = cap;
	}
	wg_stats_group_figures *it = &g->items[g->n++];
	memset(it, 0, sizeof *it);
	return it;
}

static int group_row(void *ctx, wg_stmt *st)
{
	struct groups *g = ctx;
	wg_stats_group_figures *it = groups_add(g);
	if (!it)
		return g->cap >= WG_STATS_GROUPS_MAX ? WG_ETOOLARGE : WG_ENOMEM;
	const char *key = wg_stmt_text(st, 0, NULL);
	key = key ? key : "";
	if (g->keylen && strlen(key) < WG_REGION_CODE_LEN)
		it->key = wg_arena_printf(g->arena, "%s%.*s", key, (int)(WG_REGION_CODE_LEN - strlen(key)),
		                          "000000000000");
	else
		it->key = wg_arena_strdup(g->arena, key);
	int col = 1;
	if (g->named)
		it->name = dup_col(g->arena, st, col++);
	for (int r = 0; r < WG_STATS_RATES; r++) {
		it->rates[r].numerator = wg_stmt_int(st, col++);
		it->rates[r].denominator = wg_stmt_int(st, col++);
	}
	it->handled = wg_stmt_int(st, col++);
	it->handling_minutes = wg_stmt_int(st, col++);
	for (int h = 0; h < WG_STATS_HISTOGRAM; h++)
		it->histogram[h] = wg_stmt_int(st, col++);
	return it->key && (!g->named || it->name) ? 0 : WG_ENOMEM;
}

/* The children of the area (code and name, in code order) into c. */
static int area_children(wg_db *db, const wg_stats_area *a, struct counts *c)
{
	wg_stmt *st;
	const char *sql = a->grid ? "SELECT code, name, 0 FROM grids WHERE code = ?"
	                  : a->level == WG_REGION_VILLAGE
	                          ? "SELECT code, name, 0 FROM grids WHERE region = ? ORDER BY code"
	                          : "SELECT code, name, 0 FROM regions WHERE parent = ? ORDER BY code";
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_text(st, 1, a->code, strlen(a->code));
	c->named = true;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW)
		rc = count_row(c, st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int name_of(wg_db *db, wg_arena *arena, const char *code, const char **name)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT name FROM regions WHERE code = ? UNION ALL SELECT name FROM grids WHERE code = ?",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tt", code, code);
	if (!rc)
		rc = wg_stmt_step(st);
	*name = rc == WG_DB_ROW ? dup_col(arena, st, 0) : code;
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? (*name ? 0 : WG_ENOMEM) : rc == WG_DB_DONE ? 0 : rc;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const wg_stats_group_figures *)a)->key, ((const wg_stats_group_figures *)b)->key);
}

/* Region groups: every child of the area, with or without figures, and
 * the area's own cases; figures of a code that is no child keep it. */
static int region_groups(wg_db *db, const wg_stats_query *q, const wg_stats_area *a, struct groups *g)
{
	struct counts children = {.arena = q->arena};
	int rc = area_children(db, a, &children);
	size_t nfig = g->n;
	for (size_t i = 0; !rc && i < children.n; i++) {
		size_t j = 0;
		while (j < nfig && strcmp(g->items[j].key, children.items[i].key) != 0)
			j++;
		if (j < nfig) {
			g->items[j].name = children.items[i].name;
			continue;
		}
		wg_stats_group_figures *it = groups_add(g);
		if (!it)
			return WG_ENOMEM;
		it->key = children.items[i].key;
		it->name = children.items[i].name;
	}
	for (size_t j = 0; !rc && j < nfig; j++)
		if (!g->items[j].name)
			rc = name_of(db, q->arena, g->items[j].key, &g->items[j].name);
	if (!rc && g->n)
		qsort(g->items, g->n, sizeof *g->items, by_key);
	return rc;
}

int wg_stats_rates(wg_db *db, const wg_stats_query *q, enum wg_stats_group group, wg_stats_group_fn fn,
                   void *ctx, wg_field_errors *fe)
{
	wg_stats_area a;
	int rc = wg_stats_area_of(db, q->caller, q->area, &a, fe);
	if (rc)
		return rc;
	struct groups g = {.arena = q->arena};
	if (group == WG_STATS_BY_REGION) {
		if (!a.code)
			return WG_ENOTFOUND;
		/* Children of a village are its grids, whole codes. */
		g.keylen = a.grid || a.level >= WG_REGION_VILLAGE ? 0 : wg_region_prefix_len(a.level + 1);
	}
	struct read r = {.cols = RATE_COLS, .cube_cols = RATE_CUBE_COLS};
	switch (group) {
	case WG_STATS_BY_REGION:
		r.dim = "child";
		/* The child's significant digits: the cube's "child" values. */
		r.key = g.keylen == 4    ? "substr(d.scope_key, 1, 4)"
		        : g.keylen == 6  ? "substr(d.scope_key, 1, 6)"
		        : g.keylen == 9  ? "substr(d.scope_key, 1, 9)"
		        : g.keylen == 12 ? "substr(d.scope_key, 1, 12)"
		                         : "d.scope_key";
		r.outer = "x.k, " RATE_SUMS;
		r.rest = "GROUP BY x.k ORDER BY x.k";
		break;
	case WG_STATS_BY_DEPARTMENT:
		g.named = true;
		r.dim = "department";
		r.key = "d.department";
		r.outer = "x.k, p.name, " RATE_SUMS;
		r.rest = "JOIN departments p ON p.code = x.k GROUP BY x.k, p.name ORDER BY x.k";
		break;
	case WG_STATS_BY_GRID_WORKER:
		g.named = true;
		r.dim = "reporter";
		r.key = "CAST(d.reporter AS TEXT)";
		r.outer = "u.username, u.name, " RATE_SUMS;
		r.rest = "JOIN users u ON u.id = CAST(x.k AS BIGINT) GROUP BY u.username, u.name ORDER BY "
			 "u.username";
		break;
	}
	rc = read_rows(db, q, &a, &r, group_row, &g);
	if (!rc && group == WG_STATS_BY_REGION)
		rc = region_groups(db, q, &a, &g);
	for (size_t i = 0; !rc && i < g.n; i++)
		rc = fn(ctx, &g.items[i]);
	return rc;
}

/* ---- figures ---- */

int64_t wg_stats_permille(const wg_stats_rate *r)
{
	if (r->denominator <= 0)
		return -1;
	return (r->numerator * 1000 + r->denominator / 2) / r->denominator;
}

int64_t wg_stats_mean_tenths(const wg_stats_group_figures *g)
{
	if (g->handled <= 0)
		return -1;
	/* minutes / handled / 60 hours, in tenths, rounded half up */
	return (g->handling_minutes + 3 * g->handled) / (6 * g->handled);
}

int64_t wg_stats_p90_hours(const wg_stats_group_figures *g)
{
	int64_t n = 0;
	for (int h = 0; h < WG_STATS_HISTOGRAM; h++)
		n += g->histogram[h];
	if (n <= 0)
		return -1;
	int64_t rank = (n * 9 + 9) / 10; /* ceil(0.9 n) */
	int64_t seen = 0;
	for (int h = 0; h < WG_STATS_HISTOGRAM - 1; h++) {
		seen += g->histogram[h];
		if (seen >= rank)
			return wg_stats_histogram_edges[h];
	}
	return wg_stats_histogram_edges[WG_STATS_HISTOGRAM - 2];
}
