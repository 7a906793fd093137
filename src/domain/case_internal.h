/* case_internal.h - what the parts of the case engine share: case.c
 * (reading, reporting, the portal), case_action.c (actions and their
 * effects) and case_clock.c (clocks and their expiry). Not for use outside
 * src/domain/case*.c. */
#ifndef WG_DOMAIN_CASE_INTERNAL_H
#define WG_DOMAIN_CASE_INTERNAL_H

#include "domain/case.h"
#include "domain/department.h"

/* The case row as the engine changes it. Strings are copies (or arena
 * text for result), so the row outlives its statement. */
typedef struct wg__case_row {
	int64_t id, version;
	const wg_flow *flow;
	int state; /* index into flow->states */
	char number[WG_CASE_NUMBER_MAX + 1];
	char kind[16], category[8], level[8], centre[16], source[16], priority[8];
	char grid[WG_SCOPE_KEY_MAX + 1], region[16], scope_key[WG_SCOPE_KEY_MAX + 1];
	char department[WG_DEPARTMENT_CODE_MAX + 1]; /* "" when none */
	char supervision[8];                         /* "" when none */
	char clock[WG_FLOW_NAME_MAX];                /* "" when none runs */
	char title[4 * WG_CASE_TITLE_MAX + 1];
	int64_t reporter_user, master;
	bool self_resolved;
	int64_t clock_started, deadline, clock_step, next_due;
	bool warned, overdue, handled_late;
	int64_t handle_deadline, pending_deadline;
	int64_t satisfaction;
	const char *result; /* NULL: unchanged */
	int64_t returns, extensions, reworks, reopens, escalations;
	int64_t accepted_at, dispatched_at, feedback_at, closed_at;
	/* Disputes (dispute.c): "" or 0 for other kinds. */
	char risk[8], tier[8];
	char judicial[12];    /* requested confirmed refused; read from disputes */
	char family_level[8]; /* read from disputes */
	int64_t mediator_user;
	int64_t ladder; /* 0..WG_DISPUTE_LADDER_TOP */
} wg__case_row;

/* Case id into *row when the caller sees it (system: always). Returns 0,
 * WG_ENOTFOUND, WG_ESTORE (also for a state the flow does not know). */
int wg__case_load(wg_db *db, const wg_case_env *env, int64_t id, wg__case_row *row);

/* Write the row's changes with version = version + 1 where the version is
 * still row->version. Returns 0, WG_ECONFLICT when someone else changed it
 * first, or a store error. */
int wg__case_save(wg_db *db, const wg_case_env *env, wg__case_row *row);

/* Append a timeline row. fields: a JSON object text or NULL ("{}"); role:
 * the role acted as ("system" for the scheduler, "citizen"). */
int wg__case_event(wg_db *db, const wg_case_env *env, int64_t case_id, const char *role, const char *action,
                   const char *from, const char *to, const char *fields, bool public, int64_t at);

/* Notify the audiences (enum wg_flow_audience bits) of the case of kind
 * ("case.dispatched"); more is a JSON object's members to add to the
 * payload ("" or NULL for none). */
int wg__case_notify(wg_db *db, const wg_case_env *env, const wg__case_row *row, unsigned audiences,
                    const char *kind, const char *more);

/* The audit row of an action on a case ("case.dispatch"). */
int wg__case_audit(wg_db *db, const wg_case_env *env, const wg__case_row *row, const char *action);

/* The region code of the centre of a case at level ("village", "town",
 * "county") for a case in region (12 digits) into out (13 bytes). Returns
 * false for a level above the region's own. */
bool wg__case_centre_at(const char *region, const char *level, char *out);

/* Raise the row's level (and centre with it) to level when that lies
 * above; true when it did or the row is at level already, false when
 * level lies below or has no centre for the case's region. */
bool wg__case_raise_level(wg__case_row *row, const char *level);

/* The next level above ("grid" -> "village" -> "town" -> "county"), NULL
 * for county. */
const char *wg__case_level_up(const char *level);

/* Free text: valid UTF-8, min..max code points, no control characters but
 * (when lines) newlines and tabs. Records the error on field (encoding,
 * control, too_short, too_long); false when there was one. */
bool wg__case_text(wg_field_errors *fe, const char *field, const char *s, size_t min, size_t max, bool lines);

/* An integer setting by name from env->cfg (0 when absent). */
int64_t wg__case_setting(const wg_case_env *env, const char *name);

/* ---- case_clock.c ---- */

/* Start the clock of row->state (its source's clock; none stops it) at
 * env->now, and recompute next_due. */
int wg__case_clock_start(wg_db *db, const wg_case_env *env, wg__case_row *row);

/* Recompute row->next_due from the running clock and open summons. */
int wg__case_clock_schedule(wg_db *db, const wg_case_env *env, wg__case_row *row);

/* The handling deadline of a case of this category dispatched at from. */
int wg__case_category_deadline(wg_db *db, const wg_case_env *env, const char *category, int64_t from,
                               int64_t *deadline);

/* ---- case_action.c ---- */

/* An action being applied: its checked fields by the field's index (NULL
 * when not given), what the effects add to its notice, and the outcome of
 * its to_if condition. dispute.c applies the dispute effects on it. */
typedef struct wg__case_act {
	wg_db *db;
	const wg_case_env *env;
	wg__case_row *row;
	const wg_flow_action *a;
	const json_t *v[WG_FLOW_FIELDS_MAX];
	int64_t time[WG_FLOW_FIELDS_MAX]; /* TIME fields, UTC ms */
	wg_field_errors *fe;
	unsigned notify; /* audiences beyond the action's */
	bool cond;       /* the action's to_if condition holds */
} wg__case_act;

/* The value of the field named (NULL when not given or not declared), as
 * text (NULL unless a string), whole number (0 when absent), time (0). */
const json_t *wg__act_value(const wg__case_act *x, const char *name);
const char *wg__act_text(const wg__case_act *x, const char *name);
int64_t wg__act_int(const wg__case_act *x, const char *name);
int64_t wg__act_time(const wg__case_act *x, const char *name);

/* Link the uploaded files of the attachments field named (the caller's
 * own uploads) to the case; a file not theirs is a field error. */
int wg__act_link_files(wg__case_act *x, const char *field);

/* The departments of the case released and, when owner, the owner set
 * (escalation, return and dispatch). */
int wg__act_set_departments(wg__case_act *x, const char *owner, const json_t *co);

/* Apply action a to the loaded row as the caller of env, with fields
 * already present in json (may be NULL): checks roles, place, state,
 * version (expect 0: none) and fields, then applies it. The scheduler's
 * escalation calls it as the system with check false. */
int wg__case_apply(wg_db *db, const wg_case_env *env, wg__case_row *row, const wg_flow_action *a,
                   const json_t *fields, int64_t expect_version, bool check, wg_field_errors *fe);

/* Whether the caller may take a in the row's state and place. */
bool wg__case_may(const wg_case_env *env, const wg__case_row *row, const wg_flow_action *a,
                  const wg_case_department *deps, size_t ndeps);

/* The departments on case id now (owner, co-handlers, summoned; not the
 * released ones) into deps (strings in arena), at most max. Returns 0, WG_ENOMEM or a store error. */
int wg__case_departments(wg_db *db, wg_arena *arena, int64_t id, wg_case_department *deps, size_t max,
                         size_t *n);

/* ---- dispute.c and petition.c: the kinds' own parts ---- */

/* What a report of a dispute or a petition carries besides a case's
 * fields (body: the request's JSON object), checked before the case is
 * placed and stored once it has an id. Members of another kind's report
 * are field errors. */
typedef struct wg__kind_report wg__kind_report;
int wg__kind_report_check(wg_db *db, const wg_case_env *env, const char *kind, const json_t *body,
                          wg__kind_report **out, wg_field_errors *fe);
int wg__kind_report_store(wg_db *db, const wg_case_env *env, const wg__case_row *row,
                          const wg__kind_report *k);

/* Apply a dispute effect (flow.h) to the action x. */
int wg__dispute_effect(wg__case_act *x, unsigned effect);

/* Whether the dispute effects leave an action anything to do in the
 * row's present (judicial confirmation asked for or not, a family level
 * to call back on). */
bool wg__dispute_possible(const wg__case_row *row, unsigned effects);

/* The lead mediator released (escalation): the next level assigns. */
int wg__dispute_release_mediator(wg__case_act *x);

/* The users with a duty on the case to notify (in charge), each fn(ctx, user id). */
int wg__case_people_users(wg_db *db, int64_t case_id, int (*fn)(void *ctx, int64_t user), void *ctx);

#endif
