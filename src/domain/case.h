/* case.h - the case engine: matters in the closed loop (事项), moved by
 * the actions of their kind's flow (domain/flow.h).
 *
 * Every change is one call in one write transaction: check the caller's
 * role and place (the flow action's scope rule), the version (If-Match),
 * the fields; write one case_events row, update the cases row (the
 * projection), start or stop the clock of the new state, write the
 * notifications and one audit row. A clock's expiry is applied the same
 * way by the scheduler (wg_case_clock_fire), as the system.
 *
 * Who sees a case (the one place, WG_CASE_VISIBLE_SQL over
 * wg_scope_of_matters): a caller whose scope holds its scope_key (not
 * accounts of department roles only), or one of a department role whose
 * department owns, co-handles or was summoned to it, now or before (a
 * department that returned a case still reads it). Absent and out of
 * sight are the same answer, WG_ENOTFOUND.
 *
 * Strings of a wg_case passed to a callback are valid during the call
 * only. */
#ifndef WG_DOMAIN_CASE_H
#define WG_DOMAIN_CASE_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/dedupe.h"
#include "domain/flow.h"
#include "domain/scope.h"
#include "store/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct wg_calendar;
struct wg_config;
struct wg_secret_key;

#define WG_CASE_TITLE_MAX 100        /* characters */
#define WG_CASE_DESCRIPTION_MAX 5000 /* characters */
#define WG_CASE_ADDRESS_MAX 200      /* characters */
#define WG_CASE_NAME_MAX 64          /* characters of a reporter's name */
#define WG_CASE_PHOTOS_MAX 9
#define WG_CASE_NUMBER_MAX 24      /* bytes: "SJ20261124-000042" */
#define WG_CASE_TRACKING_LEN 12    /* a buffer for a tracking code; the codes are 10 characters */
#define WG_CASE_DEPARTMENTS_MAX 16 /* owner, co-handlers and summoned shown */

/* What every case call needs: who asks, when, and the settings. */
typedef struct wg_case_env {
	const wg_caller *caller;
	const struct wg_config *cfg;     /* cases.* settings, time.offset_minutes */
	const struct wg_calendar *cal;   /* working days and hours */
	const struct wg_secret_key *key; /* seals reporters' phones */
	const char *audit_alg;           /* security.audit_hash */
	int64_t now;                     /* UTC ms */
	wg_arena *arena;                 /* scratch for the call */
} wg_case_env;

/* POST /cases, and the portal's report (citizen: no account). */
typedef struct wg_case_report {
	const char *kind;        /* "event" (default), "dispute", "petition": a loaded flow */
	const char *category;    /* a minor category of that kind */
	const char *title;       /* 1..WG_CASE_TITLE_MAX; default: the description's start */
	const char *description; /* 1..WG_CASE_DESCRIPTION_MAX */
	const char *source;      /* grid citizen hotline window department camera; default by role */
	const char *priority;    /* normal (default) or urgent */
	const char *address;
	const char *grid; /* where: grid code, or a point, or both absent for a region */
	bool has_location;
	double lat, lng;
	const char *region;
	const char *reporter_name;  /* citizen or hotline caller */
	const char *reporter_phone; /* sealed; shown masked */
	bool self_resolved;         /* grid staff closed it on the spot: photos required */
	const char *photos[WG_CASE_PHOTOS_MAX];
	size_t nphotos;
	bool citizen; /* from the portal: source citizen, a tracking code */
	/* The request's JSON object, for the members only a kind has (a
	 * dispute's parties, subject_matter, amount; a petition's petition:
	 * dispute.h); NULL for none. */
	const json_t *body;
} wg_case_report;

typedef struct wg_case_department {
	const char *code, *name;
	const char *role;            /* owner, co, summoned */
	int64_t due, reported_in_at; /* summoned: 0 when none */
} wg_case_department;

typedef struct wg_case {
	int64_t id;
	const char *number, *kind, *category, *category_name;
	const char *title, *description;
	const char *state, *state_label; /* label in Chinese from the flow */
	bool terminal;
	const char *level, *centre, *source, *priority;
	bool self_resolved;
	bool has_location;
	double lat, lng;
	const char *address, *grid, *region;
	const char *grid_name, *region_name;      /* NULL when the code names none */
	const char *department, *department_name; /* owner; NULL when none */
	wg_case_department departments[WG_CASE_DEPARTMENTS_MAX];
	size_t ndepartments;
	int64_t reporter_user;
	const char *reporter_name;  /* masked to the family name for every reader */
	const char *reporter_phone; /* masked */
	const char *tracking_code;  /* citizen reports */
	int64_t master;             /* 0 when not merged */
	const char *supervision, *risk, *tier;
	const char *clock, *clock_label;
	int64_t deadline; /* 0 when no clock runs */
	bool overdue;
	int64_t pending_deadline; /* an extension asked for, 0 when none */
	int satisfaction;         /* 0 when not rated */
	const char *result;
	int64_t returns, extensions, reworks, reopens, escalations;
	int64_t reported_at, accepted_at, dispatched_at, closed_at, updated_at, version;
	/* Read with one case by id (wg_case_get), NULL in lists: a dispute's
	 * or a petition's own part (dispute.h), and the people with a duty
	 * on it (in personal charge, calling back). */
	const struct wg_dispute *dispute;
	const struct wg_petition *petition;
	const struct wg_case_person *people;
	size_t npeople;
	/* The actions the caller may take now, by name (flow order). */
	const char *actions[WG_FLOW_ACTIONS_MAX];
	size_t nactions;
	bool has_actions; /* actions were worked out (one case read by id); lists leave them out */
} wg_case;

/* The one visibility rule (above) as SQL on the cases row alias: bind the
 * caller's scope and department as wg_scope_bind_dept binds
 * WG_SCOPE_DEPT_SQL (3 parameters). For every read of cases. */
#define WG_CASE_VISIBLE_SQL(alias)                                                            \
	"(" WG_SCOPE_SQL(alias ".scope_key") " OR EXISTS (SELECT 1 FROM case_departments vd " \
					     "WHERE vd.case_id = " alias ".id AND vd.department = ?))"

typedef int (*wg_case_fn)(void *ctx, const wg_case *c);

/* The cases a report like r would be a possible duplicate of, before it is
 * made (the search of wg_case_create, dedupe.h), those the caller sees,
 * best first, at most 8. r needs a category and a place (grid, location
 * or region) as for wg_case_create; title and description may be partial.
 * Returns 0, WG_EVALIDATION (fe), fn's value or a store error. */
int wg_case_candidates(wg_db *db, const wg_case_env *env, const wg_case_report *r, wg_dedupe_fn fn, void *ctx,
                       wg_field_errors *fe);

/* Report a case: check the fields, place it (grid.h), number it, pick its
 * centre (the village's, the town's when placed by a town) and its flow's
 * initial state (a self-resolved report: the flow's self_resolved state,
 * or its sampled state for cases.sample_percent of them), start the clock,
 * look for duplicates (dedupe.h), write the "report" event, notifications
 * and audit. Citizens (env->caller->user_id 0 with r->citizen) get
 * *tracking (WG_CASE_TRACKING_LEN + 1 bytes, may be NULL otherwise).
 * Returns 0 with *id; WG_EFORBIDDEN when the caller's roles may not report
 * this kind; WG_EVALIDATION (fe); store errors. */
int wg_case_create(wg_db *db, const wg_case_env *env, const wg_case_report *r, int64_t *id, char *tracking,
                   wg_field_errors *fe);

/* Case id as the caller sees it, with the actions they may take (fn NULL:
 * only whether it is in sight). Returns 0, WG_ENOTFOUND, fn's non-zero
 * value or a store error. */
int wg_case_get(wg_db *db, const wg_case_env *env, int64_t id, wg_case_fn fn, void *ctx);

/* Take action on case id with fields (a JSON object, may be NULL for
 * none): expect_version 0 does not check. Returns 0; WG_ENOTFOUND (no such
 * case in sight); WG_EFORBIDDEN (no role for it, or the place rule fails:
 * fe empty); WG_ECONFLICT (stale version, or the action is not allowed in
 * the state: fe names "version" or "state" with a message); WG_EVALIDATION
 * (an unknown action names the path, code "unknown_action"; fields
 * otherwise); store errors. Nothing is changed on any error. */
int wg_case_act(wg_db *db, const wg_case_env *env, int64_t id, const char *action, const json_t *fields,
                int64_t expect_version, wg_field_errors *fe);

typedef struct wg_case_filter {
	const char *kind, *state, *category, *department, *source, *risk, *q;
	const char *area, *area_field; /* region or grid code, field name for errors */
	const char *tier;              /* disputes: the triage tier */
	int64_t in_charge;             /* cases this account is in charge of or calls back; 0 any */
	int64_t mediator;              /* disputes this account leads the mediation of; 0 any */
	int64_t assignee;              /* cases whose owner is this account's department; 0 any */
	int overdue;                   /* -1 any, 0 not overdue, 1 overdue */
	int64_t from, to;              /* reported_at range, 0 open */
	int64_t before_id;             /* newest first: ids below this; 0 from the newest */
	int64_t limit;
} wg_case_filter;

/* Cases the caller sees matching f, newest first (by id below
 * f->before_id), at most f->limit; *total (may be NULL) the count of all
 * matches. Returns 0, WG_EVALIDATION, fn's value or a store error. */
int wg_case_list(wg_db *db, const wg_case_env *env, const wg_case_filter *f, wg_case_fn fn, void *ctx,
                 int64_t *total, wg_field_errors *fe);

typedef struct wg_case_event {
	int64_t id;
	int64_t actor;          /* 0: the system or a citizen */
	const char *actor_name; /* NULL for the system */
	const char *role;       /* role name, "system" or "citizen" */
	const char *action, *action_label;
	const char *from_state, *to_state;
	const char *fields; /* JSON object text */
	bool public;
	int64_t at;
} wg_case_event;

typedef int (*wg_case_event_fn)(void *ctx, const wg_case_event *e);

/* Every event of case id, oldest first. Returns 0, WG_ENOTFOUND, fn's
 * value or a store error. */
int wg_case_timeline(wg_db *db, const wg_case_env *env, int64_t id, wg_case_event_fn fn, void *ctx);

/* Link an uploaded file (attachment.h, already recorded) to case id the
 * caller sees, as a "case" attachment readable by everyone who sees the
 * case; writes an "attach" event. Returns 0, WG_ENOTFOUND, WG_ECONFLICT
 * for a terminal case, store errors. */
int wg_case_attach(wg_db *db, const wg_case_env *env, int64_t id, const char *sha256);

/* ---- the citizen portal: no account, by tracking code -------------------- */

typedef struct wg_case_public {
	const char *tracking_code, *number, *category, *category_name, *state, *state_label;
	bool closed; /* may be rated */
	/* Dealt with: closed (may be rated), or in a terminal state; for a
	 * merged report, whether its master is. */
	bool done;
	int satisfaction;
	int64_t reported_at, updated_at, closed_at;
	/* The owner department (NULL when none) and its deadline (0 when
	 * none); a merged report's are its master's, as its updated_at is the
	 * later of the two. */
	int64_t handle_deadline;
	const char *department_name;
	bool has_location;
	double lat, lng; /* where it was reported */
	/* The master's state when this report was merged into it. */
	const char *master_state, *master_state_label;
} wg_case_public;

typedef struct wg_case_public_event {
	const char *action, *label;
	const char *state, *state_label;
	int64_t at;
} wg_case_public_event;

typedef int (*wg_case_public_fn)(void *ctx, const wg_case_public *c);
typedef int (*wg_case_public_event_fn)(void *ctx, const wg_case_public_event *e);

/* Whether s is of the form of a tracking code: ten characters of
 * Crockford's base32 in upper case (0-9, A-Z without I, L, O, U). */
bool wg_case_tracking_code_ok(const char *s);

/* The report with this tracking code and its public timeline (no names,
 * numbers or free text of anyone); a merged report shows its master's
 * progress. efn may be NULL: no timeline. Returns 0, WG_ENOTFOUND, a
 * callback's value or a store error. */
int wg_case_public_get(wg_db *db, const wg_case_env *env, const char *tracking_code, wg_case_public_fn fn,
                       wg_case_public_event_fn efn, void *ctx);

/* The citizen's rating of a closed report: the flow's "callback" action
 * taken as the citizen. Returns as wg_case_act; WG_ECONFLICT when not
 * closed (or already rated). */
int wg_case_public_rate(wg_db *db, const wg_case_env *env, const char *tracking_code, int satisfaction,
                        const char *comment, wg_field_errors *fe);

/* ---- clocks: what the scheduler (jobs/scheduler.h) calls ---------------- */

/* The earliest next_due of any case, 0 when none is due ever. */
int wg_case_next_due(wg_db *db, int64_t *when);

/* Ids of up to max cases due at or before now, earliest first. */
int wg_case_due(wg_db *db, int64_t now, int64_t *ids, size_t max, size_t *n);

/* Apply what is due on case id at env->now (near-deadline notice, yellow,
 * red, escalation; overdue summons), each written to the timeline and
 * notified, and set its next_due. Run as the system caller, in its own
 * write transaction. Returns 0 (also when nothing was due) or a store
 * error. */
int wg_case_clock_fire(wg_db *db, const wg_case_env *env, int64_t id);

#endif
