/* Clocks of a case: the deadline of the state it is in, counted on the
 * working calendar, the near-deadline notice and the expiry steps of the
 * flow's clock (yellow, red, escalation), and summoned departments'
 * report-in times. next_due is when any of them next needs the scheduler. */
#include "domain/case_internal.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/region.h"

#include <stdio.h>
#include <string.h>

static int offset_of(const wg_case_env *env)
{
	return (int)wg__case_setting(env, "time.offset_minutes");
}

static int64_t add_amount(const wg_case_env *env, int64_t from, enum wg_flow_unit unit, int64_t amount)
{
	if (unit == WG_FLOW_WORKING_DAYS)
		return wg_calendar_add_working_days(env->cal, from, (int)amount, offset_of(env));
	return wg_calendar_add_working_minutes(env->cal, from, amount * 60, offset_of(env));
}

int wg__case_category_deadline(wg_db *db, const wg_case_env *env, const char *category, int64_t from,
                               int64_t *deadline)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT deadline, deadline_unit FROM categories WHERE code = ?",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", category);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		const char *unit = wg_stmt_text(st, 1, NULL);
		bool days = unit && strcmp(unit, "working_days") == 0;
		*deadline = add_amount(env, from, days ? WG_FLOW_WORKING_DAYS : WG_FLOW_WORKING_HOURS,
		                       wg_stmt_int(st, 0));
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}

/* from plus a duration of the flow (never CATEGORY here). */
static int64_t add_duration(const wg_case_env *env, int64_t from, const wg_flow_duration *d)
{
	int64_t amount = d->source == WG_FLOW_SETTING ? wg__case_setting(env, d->setting) : d->amount;
	/* Nothing to add is the instant itself, not the next working minute
	 * (a deadline at 12:00 is due at 12:00, not after lunch). */
	return amount ? add_amount(env, from, d->unit, amount) : from;
}

static const wg_flow_clock *running_clock(const wg__case_row *row)
{
	int k = row->clock[0] ? wg_flow_clock_index(row->flow, row->clock) : -1;
	return k >= 0 ? &row->flow->clocks[k] : NULL;
}

/* When the near-deadline notice is due: when warn_percent of the working
 * time is left, counted on the calendar so that it falls in office hours. */
static int64_t warn_at(const wg_case_env *env, const wg__case_row *row, const wg_flow_clock *c)
{
	if (!c->warn_percent || row->warned || row->clock_step > 0 || row->deadline <= row->clock_started)
		return 0;
	int offset = offset_of(env);
	int64_t total =
		wg_calendar_working_minutes_between(env->cal, row->clock_started, row->deadline, offset);
	if (total <= 0)
		return 0;
	int64_t at = wg_calendar_add_working_minutes(env->cal, row->clock_started,
	                                             total - total * c->warn_percent / 100, offset);
	return at < row->deadline ? at : 0;
}

static int64_t step_at(const wg_case_env *env, const wg__case_row *row, const wg_flow_clock *c)
{
	if (row->clock_step >= (int64_t)c->nsteps)
		return 0;
	return add_duration(env, row->deadline, &c->steps[row->clock_step].after);
}

/* The earliest report-in time of a summoned department not yet noted. */
static int summons_due(wg_db *db, int64_t id, int64_t *due)
{
	*due = 0; /* min() of no rows is NULL, read as 0 */
	return wg_db_query_int(db,
	                       "SELECT min(due) FROM case_departments WHERE case_id = ? AND role = "
	                       "'summoned' AND reported_in_at IS NULL AND overdue_noted = 0",
	                       due, "i", id);
}

static int64_t earliest(int64_t a, int64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

int wg__case_clock_schedule(wg_db *db, const wg_case_env *env, wg__case_row *row)
{
	int64_t due = 0;
	int rc = summons_due(db, row->id, &due);
	if (rc)
		return rc;
	const wg_flow_clock *c = running_clock(row);
	if (c && !row->flow->states[row->state].terminal) {
		due = earliest(due, warn_at(env, row, c));
		due = earliest(due, step_at(env, row, c));
		if (!row->overdue)
			due = earliest(due, row->deadline);
	}
	row->next_due = due;
	return 0;
}

int wg__case_clock_start(wg_db *db, const wg_case_env *env, wg__case_row *row)
{
	const wg_flow_clock *c = wg_flow_state_clock(row->flow, row->state, row->source);
	row->clock_step = 0;
	row->warned = false;
	row->overdue = false;
	if (!c) {
		row->clock[0] = '\0';
		row->clock_started = row->deadline = 0;
		return wg__case_clock_schedule(db, env, row);
	}
	snprintf(row->clock, sizeof row->clock, "%s", c->name);
	row->clock_started = env->now;
	int rc = 0;
	if (c->deadline.source != WG_FLOW_BY_CATEGORY)
		row->deadline = add_duration(env, env->now, &c->deadline);
	else if (row->handle_deadline)
		row->deadline = row->handle_deadline;
	else if (!(rc = wg__case_category_deadline(db, env, row->category, env->now, &row->deadline)))
		row->handle_deadline = row->deadline;
	return rc ? rc : wg__case_clock_schedule(db, env, row);
}

/* ---- expiry -------------------------------------------------------------------- */

static int clock_event(wg_db *db, const wg_case_env *env, const wg__case_row *row, const char *action,
                       const wg_flow_clock *c, const char *supervisor)
{
	char deadline[40] = "";
	wg_clock_format_rfc3339(row->deadline, offset_of(env), 0, deadline, sizeof deadline);
	char *fields = wg_arena_printf(env->arena, "{\"clock\":\"%s\",\"deadline\":\"%s\"%s%s%s}",
	                               c ? c->name : "", deadline, supervisor ? ",\"supervisor\":\"" : "",
	                               supervisor ? supervisor : "", supervisor ? "\"" : "");
	if (!fields)
		return WG_ENOMEM;
	const char *state = row->flow->states[row->state].name;
	return wg__case_event(db, env, row->id, "system", action, state, state, fields, false, env->now);
}

/* The centre up levels above the case's, as a region code. */
static bool supervisor_of(const wg__case_row *row, int up, char *out)
{
	memcpy(out, row->centre, WG_REGION_CODE_LEN);
	out[WG_REGION_CODE_LEN] = '\0';
	for (int i = 0; i < up; i++) {
		char parent[WG_REGION_CODE_LEN + 1];
		if (!wg_region_parent_code(out, parent))
			return i > 0;
		memcpy(out, parent, sizeof parent);
	}
	return true;
}

static int notify_supervisor(wg_db *db, const wg_case_env *env, wg__case_row *row, const char *kind,
                             const char *supervisor)
{
	/* The supervising centre hears of it as if it were the case's centre. */
	char centre[sizeof row->centre];
	memcpy(centre, row->centre, sizeof centre);
	snprintf(row->centre, sizeof row->centre, "%s", supervisor);
	int rc = wg__case_notify(db, env, row, WG_FLOW_AUDIENCE_CENTRE, kind, NULL);
	memcpy(row->centre, centre, sizeof centre);
	return rc ? rc
	          : wg__case_notify(db, env, row, WG_FLOW_AUDIENCE_CENTRE | WG_FLOW_AUDIENCE_HANDLERS, kind,
	                            NULL);
}

static int apply_step(wg_db *db, const wg_case_env *env, wg__case_row *row, const wg_flow_clock *c,
                      const wg_flow_step *s)
{
	if (s->kind == WG_FLOW_STEP_ESCALATE) {
		const wg_flow_action *a = wg_flow_action_find(row->flow, "escalate");
		if (!a || !(a->from & (1u << row->state)) || !wg__case_level_up(row->level) ||
		    strcmp(row->level, "county") == 0)
			return clock_event(db, env, row, "clock.escalate", c, NULL);
		wg_field_errors fe;
		wg_field_errors_init(&fe, env->arena);
		json_t *fields = json_pack("{s:s}", "reason", "超时自动提级");
		int rc = fields ? wg__case_apply(db, env, row, a, fields, 0, false, &fe) : WG_ENOMEM;
		json_decref(fields);
		return rc;
	}
	const char *colour = s->kind == WG_FLOW_STEP_RED ? "red" : "yellow";
	char supervisor[WG_REGION_CODE_LEN + 1];
	supervisor_of(row, s->up, supervisor);
	snprintf(row->supervision, sizeof row->supervision, "%s", colour);
	int rc = clock_event(db, env, row, s->kind == WG_FLOW_STEP_RED ? "clock.red" : "clock.yellow", c,
	                     supervisor);
	return rc ? rc
	          : notify_supervisor(db, env, row, s->kind == WG_FLOW_STEP_RED ? "case.red" : "case.yellow",
	                              supervisor);
}

/* Summoned departments that did not report in by their time. */
static int summons_overdue(wg_db *db, const wg_case_env *env, wg__case_row *row)
{
	int64_t changes = 0;
	int rc = wg_db_execf(db,
	                     "UPDATE case_departments SET overdue_noted = 1 WHERE case_id = ? AND role = "
	                     "'summoned' AND reported_in_at IS NULL AND overdue_noted = 0 AND due <= ?",
	                     &changes, "ii", row->id, env->now);
	if (rc || !changes)
		return rc;
	const char *state = row->flow->states[row->state].name;
	rc = wg__case_event(db, env, row->id, "system", "summon.overdue", state, state, NULL, false,
	                    env->now);
	return rc ? rc
	          : wg__case_notify(db, env, row, WG_FLOW_AUDIENCE_CENTRE | WG_FLOW_AUDIENCE_SUMMONED,
	                            "case.summon_overdue", NULL);
}

int wg_case_clock_fire(wg_db *db, const wg_case_env *env, int64_t id)
{
	wg__case_row row;
	int rc = wg__case_load(db, env, id, &row);
	if (rc == WG_ENOTFOUND)
		return 0;
	if (rc || !row.next_due || row.next_due > env->now)
		return rc;
	rc = summons_overdue(db, env, &row);
	const wg_flow_clock *c = running_clock(&row);
	int64_t version = row.version;
	if (!rc && c && !row.warned) {
		int64_t w = warn_at(env, &row, c);
		if (w && w <= env->now && env->now < row.deadline) {
			row.warned = true;
			rc = clock_event(db, env, &row, "clock.warn", c, NULL);
			if (!rc)
				rc = wg__case_notify(db, env, &row,
				                     WG_FLOW_AUDIENCE_CENTRE | WG_FLOW_AUDIENCE_HANDLERS,
				                     "case.near_deadline", NULL);
		}
	}
	if (!rc && c && row.deadline <= env->now)
		row.overdue = true;
	/* Steps in order while due; an escalation restarts the clock and ends
	 * this round (the new clock has its own steps). */
	while (!rc && c && row.version == version && row.clock_step < (int64_t)c->nsteps) {
		int64_t at = step_at(env, &row, c);
		if (at > env->now)
			break;
		const wg_flow_step *s = &c->steps[row.clock_step++];
		rc = apply_step(db, env, &row, c, s);
	}
	if (!rc && row.version == version) {
		rc = wg__case_clock_schedule(db, env, &row);
		if (!rc)
			rc = wg__case_save(db, env, &row);
	}
	return rc;
}
