/* The walk through simulated time that demo_cases.c and demo_disputes.c
 * share (see demo_walk.h). */
#include "cli/demo_walk.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/flow.h"
#include "domain/grid.h"
#include "domain/role.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINUTE_MS ((int64_t)60 * 1000)
#define HOUR_MS (60 * MINUTE_MS)
#define DAY_MS (24 * HOUR_MS)
#define BATCH_CALLS 4000 /* engine calls per write transaction */
#define NONE (-1)

static const wg_caller system_caller = {.user_id = 0, .username = "system"};

/* ---- the walk itself ---------------------------------------------------------------------- */

struct wg__walk_slot {
	int64_t t;
	uint32_t plan;
};

void wg__walk_init(wg__walk *w, wg_db *db, wg_config *cfg, const struct wg_secret_key *key, const char *what,
                   FILE *out)
{
	*w = (wg__walk){.db = db,
	                .cfg = cfg,
	                .what = what,
	                .out = out,
	                .offset = (int)cfg->time_offset_minutes,
	                .started_us = wg_clock_mono_us()};
	w->end = wg_clock_now_ms();
	wg_arena_init(&w->arena, 4096);
	wg_field_errors_init(&w->fe, &w->arena);
	w->env = (wg_case_env){
		.cfg = cfg, .key = key, .audit_alg = cfg->security_audit_hash, .arena = &w->arena};
}

void wg__walk_free(wg__walk *w)
{
	if (w->flows_loaded)
		wg_flow_unload();
	w->flows_loaded = false;
	wg_calendar_free(w->cal);
	w->cal = NULL;
	wg_arena_clear(&w->arena);
	wg_free(w->grids);
	wg_free(w->accounts);
	wg_free(w->heap);
	w->grids = NULL;
	w->accounts = NULL;
	w->heap = NULL;
	w->ngrids = w->naccounts = w->nheap = 0;
}

static bool earlier(const struct wg__walk_slot *a, const struct wg__walk_slot *b)
{
	return a->t < b->t || (a->t == b->t && a->plan < b->plan);
}

static void push(wg__walk *w, int64_t t, uint32_t plan)
{
	size_t i = w->nheap++;
	struct wg__walk_slot s = {t, plan};
	while (i > 0 && earlier(&s, &w->heap[(i - 1) / 2])) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = s;
}

static struct wg__walk_slot pop(wg__walk *w)
{
	struct wg__walk_slot top = w->heap[0], last = w->heap[--w->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && earlier(&w->heap[c + 1], &w->heap[c]))
			c++;
		if (!earlier(&w->heap[c], &last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->nheap)
		w->heap[i] = last;
	return top;
}

/* Run the engine at t: audit rows take their time from the clock. */
static void set_time(wg__walk *w, int64_t t)
{
	w->env.now = t;
	wg_clock_set_ms(t);
}

/* Fire every clock due by until, each at its due time, as the scheduler
 * does (jobs/case_clocks.c). */
static int fire_clocks(wg__walk *w, int64_t until)
{
	int64_t last = 0, same = 0;
	for (;;) {
		int64_t when = 0, ids[64];
		size_t n = 0;
		int rc = wg_case_next_due(w->db, &when);
		if (rc)
			return wg__walk_store_failed(w, "next clock", rc);
		if (!when || when > until)
			return 0;
		rc = wg_case_due(w->db, when, ids, sizeof ids / sizeof ids[0], &n);
		if (rc)
			return wg__walk_store_failed(w, "due clocks", rc);
		/* Each firing moves a case's next due time on; one that stays is
		 * an engine fault, not something to loop on. */
		same = when == last ? same + (int64_t)n : (int64_t)n;
		last = when;
		if (!n || same > 8 * (int64_t)w->nplans + 64) {
			fprintf(stderr,
			        "wangge: demo %s: the clocks due at %" PRId64 " do not move on (case %" PRId64
			        ")\n",
			        w->what, when, n ? ids[0] : 0);
			return WG_EINTERNAL;
		}
		for (size_t i = 0; i < n; i++) {
			wg__walk_next_call(w);
			/* A deadline already past when its clock started (a late
			 * acknowledgement eats into the handling time) is due at once:
			 * the scheduler fires it now, not back then. */
			set_time(w, when > w->env.now ? when : w->env.now);
			w->env.caller = &system_caller;
			rc = wg_case_clock_fire(w->db, &w->env, ids[i]);
			w->fires++;
			if (rc) {
				char number[24];
				snprintf(number, sizeof number, "id %" PRId64, ids[i]);
				return wg__walk_refused(w, number, "clock", &system_caller, rc);
			}
		}
	}
}

/* Read case id as ops says into row; 0, WG_ENOTFOUND or a store error. */
static int read_case(wg__walk *w, const wg__walk_ops *ops, int64_t id, void *row)
{
	wg__walk_case *c = row;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(w->db, ops->sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", id);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		const char *state = wg_stmt_text(st, 0, NULL);
		c->state = NONE;
		for (int s = 0; state && s < ops->nstates; s++)
			if (strcmp(state, ops->states[s]) == 0)
				c->state = s;
		wg__walk_copy_col(c->number, sizeof c->number, st, 1);
		wg__walk_copy_col(c->level, sizeof c->level, st, 2);
		wg__walk_copy_col(c->centre, sizeof c->centre, st, 3);
		wg__walk_copy_col(c->region, sizeof c->region, st, 4);
		wg__walk_copy_col(c->grid, sizeof c->grid, st, 5);
		wg__walk_copy_col(c->category, sizeof c->category, st, 6);
		wg__walk_copy_col(c->department, sizeof c->department, st, 7);
		c->deadline = wg_stmt_int(st, 8);
		if (ops->more)
			ops->more(st, row);
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc;
}

static wg__walk_plan *plan_at(void *plans, const wg__walk_ops *ops, uint32_t i)
{
	return (wg__walk_plan *)((char *)plans + (size_t)i * ops->plan_size);
}

/* Put plan i on the time line where its generator says, if before the
 * end, as chosen for the state the case is in. */
static void schedule(wg__walk *w, const wg__walk_ops *ops, wg__walk_plan *p, uint32_t i, const void *row,
                     void *ctx, int64_t now)
{
	int64_t t = ops->schedule(ctx, i, row, now);
	p->expect = NONE;
	if (!t || t > w->end)
		return;
	p->expect = (int8_t)((const wg__walk_case *)row)->state;
	push(w, t, i);
}

/* One entry of the time line: the report, or the step chosen for the
 * state the case was in (a clock may have moved it since: then choose
 * again from where it is now). */
static int step(wg__walk *w, void *plans, const wg__walk_ops *ops, void *row, void *ctx,
                struct wg__walk_slot s)
{
	wg__walk_plan *p = plan_at(plans, ops, s.plan);
	const wg__walk_case *c = row;
	int rc;
	if (!p->id) {
		rc = ops->report(ctx, s.plan);
		w->reported += rc == 0;
	} else {
		rc = read_case(w, ops, p->id, row);
		if (!rc && c->state != p->expect) {
			schedule(w, ops, p, s.plan, row, ctx, s.t);
			return 0;
		}
		wg__walk_next_call(w);
		rc = rc ? rc : ops->take(ctx, s.plan, row);
	}
	if (!rc && (rc = read_case(w, ops, p->id, row)) != 0)
		return wg__walk_store_failed(w, "reading a case", rc);
	if (!rc)
		schedule(w, ops, p, s.plan, row, ctx, s.t);
	return rc;
}

int wg__walk_run(wg__walk *w, void *plans, size_t nplans, const wg__walk_ops *ops, void *row, void *ctx)
{
	w->heap = wg_malloc(nplans * sizeof *w->heap);
	if (!w->heap)
		return WG_ENOMEM;
	w->nplans = nplans;
	w->nheap = 0;
	for (size_t i = 0; i < nplans; i++)
		push(w, plan_at(plans, ops, (uint32_t)i)->at, (uint32_t)i);
	int rc = wg_db_begin(w->db);
	rc = rc ? rc : wg_grid_index_reload(w->db);
	wg_progress_start(&w->progress, w->out, w->what, (int64_t)nplans);
	int64_t calls_then = 0;
	while (!rc && w->nheap) {
		struct wg__walk_slot s = pop(w);
		rc = fire_clocks(w, s.t);
		if (!rc) {
			set_time(w, s.t);
			rc = step(w, plans, ops, row, ctx, s);
		}
		if (!rc && w->calls + w->fires - calls_then >= BATCH_CALLS) {
			calls_then = w->calls + w->fires;
			rc = wg_db_commit(w->db);
			rc = rc ? rc : wg_db_begin(w->db);
			wg_clock_set_ms(0);
			wg_progress_update(&w->progress, w->reported);
		}
	}
	rc = rc ? rc : fire_clocks(w, w->end);
	wg_clock_set_ms(0);
	rc = rc ? rc : wg_db_commit(w->db);
	if (rc) {
		if (rc == WG_ESTORE) {
			char what[40];
			snprintf(what, sizeof what, "writing %s", w->what);
			wg__walk_store_failed(w, what, rc);
		}
		wg_db_rollback(w->db);
	}
	wg_progress_update(&w->progress, w->reported);
	wg_progress_finish(&w->progress);
	return rc;
}

void wg__walk_report_time(const wg__walk *w)
{
	if (w->out)
		fprintf(w->out,
		        "demo %s built in %.1f s (%" PRId64 " engine calls, %" PRId64 " clock firings)\n",
		        w->what, (double)(wg_clock_mono_us() - w->started_us) / 1e6, w->calls, w->fires);
}

/* ---- calling the engine ------------------------------------------------------------------- */

void wg__walk_next_call(wg__walk *w)
{
	wg_arena_clear(&w->arena);
	wg_field_errors_init(&w->fe, &w->arena);
}

int wg__walk_act(wg__walk *w, int64_t id, const char *number, const wg_caller *who, const char *action,
                 json_t *fields)
{
	w->env.caller = who;
	int rc = fields ? wg_case_act(w->db, &w->env, id, action, fields, 0, &w->fe) : WG_ENOMEM;
	json_decref(fields);
	w->calls++;
	return rc ? wg__walk_refused(w, number, action, who, rc) : 0;
}

int wg__walk_refused(wg__walk *w, const char *number, const char *action, const wg_caller *who, int rc)
{
	char at[40] = "";
	wg_clock_format_rfc3339(w->env.now, w->offset, 0, at, sizeof at);
	fprintf(stderr, "wangge: demo case %s: %s as %s at %s: %s", number && *number ? number : "(new)",
	        action, who->username ? who->username : "system", at,
	        rc == WG_ESTORE ? wg_db_errmsg(w->db) : wg_error_message(rc));
	for (unsigned i = 0; i < w->fe.n; i++)
		fprintf(stderr, "%s %s: %s", i ? ";" : ":", w->fe.e[i].field, w->fe.e[i].message);
	fputc('\n', stderr);
	return rc;
}

int wg__walk_store_failed(const wg__walk *w, const char *what, int rc)
{
	fprintf(stderr, "wangge: demo %s: %s: %s\n", w->what, what,
	        rc == WG_ESTORE ? wg_db_errmsg(w->db) : wg_error_message(rc));
	return rc;
}

int wg__walk_nobody(const char *number, const char *who, const char *where)
{
	fprintf(stderr, "wangge: demo case %s: no %s account for %s\n", number, who, where);
	return WG_ENOTFOUND;
}

/* ---- time ----------------------------------------------------------------------------------- */

int64_t wg__walk_add_minutes(const wg__walk *w, int64_t t, double minutes)
{
	return wg_calendar_add_working_minutes(w->cal, t, minutes < 1 ? 1 : (int64_t)minutes, w->offset);
}

int64_t wg__walk_minutes_between(const wg__walk *w, int64_t a, int64_t b)
{
	return wg_calendar_working_minutes_between(w->cal, a, b, w->offset);
}

double wg__walk_time_left(const wg__walk *w, int64_t now, int64_t deadline, double least)
{
	double left = deadline > now ? (double)wg__walk_minutes_between(w, now, deadline) : least;
	return left < least ? least : left;
}

int64_t wg__walk_midnight(const wg__walk *w, int64_t t)
{
	int64_t local = t + (int64_t)w->offset * MINUTE_MS;
	int64_t day = local / DAY_MS - (local % DAY_MS < 0);
	return day * DAY_MS - (int64_t)w->offset * MINUTE_MS;
}

bool wg__walk_working_day(const wg__walk *w, int64_t midnight, bool *holiday)
{
	/* Noon, so that the date is the day's whatever the offset's sign. */
	time_t secs = (time_t)((midnight + (int64_t)w->offset * MINUTE_MS) / 1000 + 43200);
	struct tm tm;
	gmtime_r(&secs, &tm);
	if (holiday)
		*holiday = wg_calendar_holiday(w->cal, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) != NULL;
	return wg_calendar_is_working_day(w->cal, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int wg__walk_year(wg__walk *w, double (*day_weight)(const wg__walk *w, int64_t midnight, size_t d),
                  double **days, double **grids)
{
	*days = wg_malloc((WG__WALK_YEAR_DAYS + 1) * sizeof **days);
	*grids = wg_malloc(w->ngrids * sizeof **grids);
	if (!*days || !*grids) {
		wg_free(*days);
		wg_free(*grids);
		*days = *grids = NULL;
		return WG_ENOMEM;
	}
	w->start = wg__walk_midnight(w, w->end) - WG__WALK_YEAR_DAYS * DAY_MS;
	double sum = 0;
	for (size_t d = 0; d <= WG__WALK_YEAR_DAYS; d++)
		(*days)[d] = sum += day_weight(w, w->start + (int64_t)d * DAY_MS, d);
	sum = 0;
	for (size_t i = 0; i < w->ngrids; i++)
		(*grids)[i] = sum += w->grids[i].weight;
	return 0;
}

int64_t wg__walk_draw_day(const wg__walk *w, wg__demo_rng *r, const double *days)
{
	return w->start + (int64_t)wg__walk_draw(r, days, WG__WALK_YEAR_DAYS + 1) * DAY_MS;
}

int64_t wg__walk_moment(const wg__walk *w, wg__demo_rng *r, int64_t midnight, double from, double to)
{
	int64_t at = midnight + (int64_t)((from + wg__demo_unit(r) * (to - from)) * (double)MINUTE_MS);
	if (at >= w->end)
		at = midnight + (int64_t)(wg__demo_unit(r) * (double)(w->end - midnight));
	return at;
}

size_t wg__walk_draw(wg__demo_rng *r, const double *cum, size_t n)
{
	double x = wg__demo_unit(r) * cum[n - 1];
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

wg__demo_rng wg__walk_plan_rng(uint64_t base, size_t i)
{
	wg__demo_rng seeder = {base ^ ((uint64_t)i * 0x9E3779B97F4A7C15ULL)};
	return (wg__demo_rng){wg__demo_next(&seeder)};
}

int wg__walk_by_time(const void *a, const void *b)
{
	const wg__walk_plan *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->rng.state < y->rng.state ? -1 : x->rng.state > y->rng.state;
}

/* ---- loading ---------------------------------------------------------------------------------- */

static void check_flow(const wg__walk *w, const wg__walk_flow *need, char *err, size_t errlen)
{
	const wg_flow *f = wg_flow_get(need->kind);
	if (!f) {
		snprintf(err, errlen, "%s holds no flow of kind %s", w->cfg->flows_dir, need->kind);
		return;
	}
	for (size_t i = 0; i < need->nstates; i++) {
		const char *state = need->states[need->pick ? need->pick[i] : (int)i];
		if (wg_flow_state_index(f, state) < 0)
			snprintf(err, errlen, "%s: no state %s, which demo %s pass through", f->file, state,
			         w->what);
	}
	for (size_t i = 0; i < need->nactions; i++)
		if (!wg_flow_action_find(f, need->actions[i]))
			snprintf(err, errlen, "%s: no action %s, which demo %s take", f->file,
			         need->actions[i], w->what);
}

int wg__walk_load_engine(wg__walk *w, const wg__walk_flow *flows, size_t nflows)
{
	char err[512] = "";
	w->flows_loaded = false;
	int rc = 0;
	if (!wg_flow_get(flows[0].kind)) {
		rc = wg_flow_load_dir(w->cfg->flows_dir, err, sizeof err);
		w->flows_loaded = rc == 0;
	}
	for (size_t i = 0; !rc && i < nflows; i++)
		check_flow(w, &flows[i], err, sizeof err);
	wg_office_hours hours;
	char why[200];
	if (!err[0] && wg_office_hours_parse(w->cfg->office_hours, &hours, why, sizeof why) != 0)
		snprintf(err, sizeof err, "office.hours: %s", why);
	if (!err[0]) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/holidays", w->cfg->data_dir);
		rc = wg_calendar_load_dir(dir, &hours, &w->cal, err, sizeof err);
		w->env.cal = w->cal;
	}
	if (err[0]) {
		fprintf(stderr, "wangge: demo %s: %s\n", w->what, err);
		return rc ? rc : WG_ECONFIG;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A village's short name for texts: 北兴村委会 -> 北兴村, 第五村村委会 ->
 * 第五村, 东关社区居委会 -> 东关社区. */
static void short_place(const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	if (ends_with(name, "村村委会"))
		snprintf(out, len, "%.*s", (int)(n - strlen("村委会")), name);
	else if (ends_with(name, "村委会"))
		snprintf(out, len, "%.*s", (int)(n - strlen("委会")), name);
	else if (ends_with(name, "居委会"))
		snprintf(out, len, "%.*s", (int)(n - strlen("居委会")), name);
	else
		snprintf(out, len, "%s", name);
}

struct weights {
	double urban, special;
};

static void fill_grid(wg_stmt *st, void *item, const void *ctx)
{
	const struct weights *by = ctx;
	wg__walk_grid *x = item;
	wg__walk_copy_col(x->code, sizeof x->code, st, 0);
	wg__walk_copy_col(x->village, sizeof x->village, st, 1);
	wg__walk_copy_col(x->name, sizeof x->name, st, 2);
	short_place(x->name, x->place, sizeof x->place);
	snprintf(x->town, sizeof x->town, "%.9s000", x->village);
	const char *type = wg_stmt_text(st, 3, NULL);
	x->urban = type && strcmp(type, "urban") == 0;
	x->weight = x->urban ? by->urban : type && strcmp(type, "special") == 0 ? by->special : 1.0;
	x->box = (wg__demo_box){wg_stmt_double(st, 4), wg_stmt_double(st, 5), wg_stmt_double(st, 6),
	                        wg_stmt_double(st, 7)};
	x->worker = NONE;
}

int wg__walk_load_grids(wg__walk *w, double urban, double special)
{
	struct weights by = {urban, special};
	int rc = wg__walk_rows(w, "grids",
	                       "SELECT g.code, g.region, r.name, g.type, g.min_lng, g.min_lat, g.max_lng, "
	                       "g.max_lat FROM grids g JOIN regions r ON r.code = g.region WHERE "
	                       "g.parent IS NULL AND g.boundary IS NOT NULL ORDER BY g.code",
	                       NULL, (void **)&w->grids, &w->ngrids, sizeof *w->grids, fill_grid, &by);
	if (!rc && !w->ngrids) {
		fprintf(stderr, "wangge: demo %s: no grids with boundaries (the demo county comes first)\n",
		        w->what);
		return WG_ENOTFOUND;
	}
	return rc;
}

static int by_grid_code(const void *key, const void *item)
{
	return strcmp(key, ((const wg__walk_grid *)item)->code);
}

int32_t wg__walk_grid_index(const wg__walk *w, const char *code)
{
	const wg__walk_grid *x = bsearch(code, w->grids, w->ngrids, sizeof *w->grids, by_grid_code);
	return x ? (int32_t)(x - w->grids) : NONE;
}

static void fill_account(wg_stmt *st, void *item, const void *ctx)
{
	(void)ctx;
	wg__walk_account *a = item;
	a->id = wg_stmt_int(st, 0);
	wg__walk_copy_col(a->username, sizeof a->username, st, 1);
	a->roles = (unsigned)wg_stmt_int(st, 2) & WG_ROLES_ALL;
	wg__walk_copy_col(a->scope, sizeof a->scope, st, 3);
	wg__walk_copy_col(a->department, sizeof a->department, st, 4);
}

int wg__walk_load_accounts(wg__walk *w)
{
	w->naccounts = 0;
	for (size_t i = 0; i < w->ngrids; i++)
		w->grids[i].worker = NONE;
	int rc = wg__walk_rows(
		w, "accounts",
		"SELECT id, username, roles, scope_key, department FROM users WHERE active = 1 ORDER BY id",
		NULL, (void **)&w->accounts, &w->naccounts, sizeof *w->accounts, fill_account, NULL);
	if (rc)
		return rc;
	/* Callers point into the array, which no longer moves. */
	for (size_t i = 0; i < w->naccounts; i++) {
		wg__walk_account *a = &w->accounts[i];
		a->caller = (wg_caller){.user_id = a->id,
		                        .username = a->username,
		                        .roles = a->roles,
		                        .scope = a->scope,
		                        .department = a->department[0] ? a->department : NULL};
		wg_scope_of(&a->caller, &a->area);
		a->reach = strlen(a->area.lo);
		int32_t k;
		if ((a->roles & WG_ROLE_GRID_WORKER) && (k = wg__walk_grid_index(w, a->scope)) != NONE &&
		    w->grids[k].worker == NONE)
			w->grids[k].worker = (int32_t)i;
	}
	return 0;
}

const wg__walk_account *wg__walk_worker(const wg__walk *w, const char *grid)
{
	int32_t k = *grid ? wg__walk_grid_index(w, grid) : NONE;
	return k != NONE && w->grids[k].worker != NONE ? &w->accounts[w->grids[k].worker] : NULL;
}

const wg__walk_account *wg__walk_centre(const wg__walk *w, const char *centre)
{
	const wg__walk_account *best = NULL;
	for (size_t i = 0; w->accounts && i < w->naccounts; i++) {
		const wg__walk_account *a = &w->accounts[i];
		enum wg_region_level level;
		if ((a->roles & WG_ROLE_CENTRE_OPERATOR) && wg_region_code_level(a->scope, &level) &&
		    wg_scope_contains(&a->area, centre) && (!best || a->reach > best->reach))
			best = a;
	}
	return best;
}

const wg__walk_account *wg__walk_account_of(const wg__walk *w, int64_t id)
{
	size_t lo = 0, hi = w->accounts ? w->naccounts : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (w->accounts[mid].id == id)
			return &w->accounts[mid];
		if (w->accounts[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Make room for one more of n items of size bytes in *items (*cap of
 * them allocated); false when memory runs out (*items as it was). */
static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t bigger = *cap ? *cap * 2 : 128;
	void *q = wg_realloc(*items, bigger * size);
	if (!q)
		return false;
	*items = q;
	*cap = bigger;
	return true;
}

int wg__walk_rows(const wg__walk *w, const char *what, const char *sql, const char *text, void **items,
                  size_t *n, size_t size, void (*fill)(wg_stmt *st, void *item, const void *ctx),
                  const void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(w->db, sql, &st);
	if (!rc && text)
		rc = wg_stmt_bindf(st, "t", text);
	size_t cap = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (!grow(items, &cap, *n, size)) {
			rc = WG_ENOMEM;
			break;
		}
		fill(st, (char *)*items + (*n)++ * size, ctx);
		rc = 0;
	}
	wg_stmt_finalize(st);
	return rc < 0 ? wg__walk_store_failed(w, what, rc) : 0;
}

void wg__walk_copy_col(char *dst, size_t cap, wg_stmt *st, int col)
{
	const char *s = wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, NULL);
	snprintf(dst, cap, "%s", s ? s : "");
}
