/* flow.h - the case flows as data (flows/event.json, and later
 * dispute.json and petition.json): which states a case of a kind passes
 * through, which actions move it between them, who may take each, what
 * each must carry, what it does besides moving the state, and which clock
 * runs in each state and what its expiry triggers.
 *
 * A flow file is validated in full when the server starts (wg_flow_load_dir):
 * an unknown state, a state nothing leads to, a non-terminal state with no
 * way out, a bad field type, an unknown role, effect, scope rule or
 * setting stops the start with the file, the JSON path in it and the
 * reason ("flows/event.json: actions.dispatch.fields.department.type:
 * unknown field type \"dept\""). domain/case.c applies actions by looking
 * them up here; adding a state or an action is an edit to the file.
 *
 * The file:
 *
 *   {"kind": "event", "number_prefix": "SJ",
 *    "initial": "reported",
 *    "self_resolved": {"state": "archived", "sampled_state": "sampled"},
 *    "report_roles": ["grid_worker", "centre_operator", ...],
 *    "states": {"reported": {"label": "待受理", "label_en": "Reported",
 *                            "terminal": false, "clock": "accept",
 *                            "clock_by_source": {"citizen": "accept_citizen"}}, ...},
 *    "actions": {"dispatch": {"label": "派遣", "label_en": "Dispatch",
 *                             "from": ["assessed", "returned"], "to": "dispatched",
 *                             "to_from": {"returned": "dispatched"},
 *                             "to_if": {"dissatisfied": "dissatisfied"},
 *                             "roles": ["centre_operator"], "scope": "centre",
 *                             "fields": {"department": {"type": "department", "required": false},
 *                                        "reason": {"type": "text", "min": 2, "max": 500}},
 *                             "effects": ["dispatch"], "notify": ["department"],
 *                             "public": true}, ...},
 *    "clocks": {"handle": {"label": "办理时限", "label_en": "Handling",
 *                          "deadline": "category" | {"working_hours": 4} | {"working_days": 2}
 *                                      | {"setting": "cases.accept_hours", "unit": "working_hours"},
 *                          "warn_percent": 20,
 *                          "steps": [{"after": {"working_hours": 0}, "do": "yellow", "up": 1},
 *                                    {"after": {"working_days": 1}, "do": "red", "up": 1},
 *                                    {"after": {"working_days": 2}, "do": "escalate"}]}}}
 *
 * "to" absent or null: the action leaves the state as it is (extend,
 * supervise, summon...). "to_from" overrides "to" for some from-states;
 * "to_if" names a condition (enum wg_flow_condition) under which the
 * action goes elsewhere ("dissatisfied" needs the effect "rate"). Step
 * "after" counts from the deadline, and a fixed one may not come before
 * the fixed one of the step above it in the same unit; "up" is how many
 * levels above the case's centre the supervising centre is (1 or 2,
 * default 1). "clock_by_source" keys are enum wg_flow_source names. A
 * fixed deadline is at least 1; a "setting" must be an integer setting.
 * Every object member is checked: unknown members are errors. Besides,
 * every state must be reachable from the initial one (or the
 * self_resolved ones), every non-terminal state must have an action
 * leading elsewhere, and every clock must run in some state. */
#ifndef WG_DOMAIN_FLOW_H
#define WG_DOMAIN_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_FLOW_STATES_MAX 32  /* states of one flow: a state set is a uint32_t */
#define WG_FLOW_ACTIONS_MAX 48 /* actions of one flow */
#define WG_FLOW_FIELDS_MAX 12  /* fields of one action */
#define WG_FLOW_STEPS_MAX 4    /* expiry steps of one clock */
#define WG_FLOW_NAME_MAX 32    /* bytes of a state, action, clock or field name: [a-z][a-z0-9_]* */
#define WG_FLOW_LABEL_MAX 32   /* characters of a label */
#define WG_FLOW_TEXT_MAX 20000 /* the largest "max" of a text field, characters */
#define WG_FLOW_VALUES_MAX 16  /* values of one enum field */

enum wg_flow_field_type {
	WG_FLOW_STRING,      /* one line, min..max characters (default 1..200; max <= 1000) */
	WG_FLOW_TEXT,        /* multi-line, min..max characters (default 1..2000; max <= WG_FLOW_TEXT_MAX) */
	WG_FLOW_INT,         /* whole number within min..max (both given; |x| < 2^53) */
	WG_FLOW_BOOL,        /* true or false */
	WG_FLOW_ENUM,        /* one of "values" */
	WG_FLOW_TIME,        /* RFC 3339 time; must lie in the future */
	WG_FLOW_DEPARTMENT,  /* a department code */
	WG_FLOW_DEPARTMENTS, /* a list of min..max department codes (default 1..10; max <= 10) */
	WG_FLOW_CATEGORY,    /* a minor category code */
	WG_FLOW_CASE,        /* a case id */
	WG_FLOW_ATTACHMENTS, /* a list of min..max sha256 names of uploaded files (default 1..9; max <= 9) */
	WG_FLOW_FIELD_TYPE_COUNT
};

/* Where a caller with one of an action's roles must stand (case.c checks):
 *   area        the case's scope_key lies in the caller's scope
 *   centre      the case's centre (region code) lies in the caller's scope
 *               and the caller's scope is a region (a centre, not a grid)
 *   department  the caller's department owns the case
 *   handler     the caller's department owns or co-handles the case
 *   summoned    the caller's department was summoned and has not reported in
 *   mediator    the caller is the case's lead mediator
 *   any         no place rule (the portal and the scheduler) */
enum wg_flow_scope {
	WG_FLOW_SCOPE_AREA,
	WG_FLOW_SCOPE_CENTRE,
	WG_FLOW_SCOPE_DEPARTMENT,
	WG_FLOW_SCOPE_HANDLER,
	WG_FLOW_SCOPE_SUMMONED,
	WG_FLOW_SCOPE_MEDIATOR,
	WG_FLOW_SCOPE_ANY,
	WG_FLOW_SCOPE_COUNT
};

/* What an action does besides moving the state, as bits; the names in the
 * file are the lower-case suffixes ("dispatch", "extend_request"). Each
 * needs the fields named beside it (validation checks the action declares
 * them with the right type; "required" ones must be declared, required;
 * enum values must lie within those listed):
 *   ACCEPT          accepted_at is set
 *   ASSESS          category (category), priority (enum normal|urgent), level
 *                   (enum grid|village|town|county) as given
 *   DISPATCH        owner department (department; routing when absent, a
 *                   reason (text) required when it differs from routing),
 *                   co_departments (departments), deadline (time) optional
 *   RETURN          the owner is cleared; returns counted
 *   EXTEND_REQUEST  deadline (time, required; after the current one) pending approval
 *   EXTEND_APPROVE  the pending deadline takes effect; extensions counted
 *   EXTEND_REFUSE   the pending deadline is dropped
 *   FEEDBACK        result (text, required) and photos (attachments) kept as the result
 *   REWORK          reworks counted
 *   CLOSE           closed_at is set
 *   RATE            satisfaction (int, required, min and max within 1..5) kept
 *   REOPEN          reopens counted
 *   ESCALATE        the level goes up one and the centre with it
 *   SUPERVISE       colour (enum yellow|red, required) set as the supervision
 *   SUMMON          departments (departments, required) must report in within
 *                   hours (int, required, min and max within 1..720)
 *   REPORT_IN       the caller's department has reported in
 *   MERGE           master (case, required) becomes the case's master
 * Disputes (domain/dispute.h applies these):
 *   RISK            risk (enum red|yellow|blue, required) set; the people in
 *                   personal charge (包抓) of that colour named
 *   TRIAGE          tier (enum grid|village|town|county, required) set; the
 *                   level raised to it when above
 *   FAMILY          family_level (enum safe|micro|low|medium|high) of a family
 *                   dispute set, which names who calls back and how often
 *   MEDIATE         body (int) and mediator (int), both required: the
 *                   mediation body and lead mediator assigned
 *   SESSION         a mediation session at (time, required), place (string),
 *                   online (bool), attendees (text) scheduled
 *   MINUTES         session (int, required) held, minutes (text, required)
 *   AGREE           an agreement: terms (text, required), documents (attachments)
 *   FAIL            the mediation failed: the five-step ladder goes up one
 *                   (town joint and county joint raise the level), the
 *                   mediator is released
 *   JUDICIAL_REQUEST  judicial confirmation asked of court (string, required)
 *   JUDICIAL_RECORD   its result (enum confirmed|refused, required), ruling (string)
 *   PERFORM         the agreement was performed: the dispute is resolved
 *   CALLBACK        a family call-back made: the next one is due an interval on */
#define WG_FLOW_EFFECT_MAP(X)                   \
	X(ACCEPT, "accept")                     \
	X(ASSESS, "assess")                     \
	X(DISPATCH, "dispatch")                 \
	X(RETURN, "return")                     \
	X(EXTEND_REQUEST, "extend_request")     \
	X(EXTEND_APPROVE, "extend_approve")     \
	X(EXTEND_REFUSE, "extend_refuse")       \
	X(FEEDBACK, "feedback")                 \
	X(REWORK, "rework")                     \
	X(CLOSE, "close")                       \
	X(RATE, "rate")                         \
	X(REOPEN, "reopen")                     \
	X(ESCALATE, "escalate")                 \
	X(SUPERVISE, "supervise")               \
	X(SUMMON, "summon")                     \
	X(REPORT_IN, "report_in")               \
	X(MERGE, "merge")                       \
	X(RISK, "risk")                         \
	X(TRIAGE, "triage")                     \
	X(FAMILY, "family")                     \
	X(MEDIATE, "mediate")                   \
	X(SESSION, "session")                   \
	X(MINUTES, "minutes")                   \
	X(AGREE, "agree")                       \
	X(FAIL, "fail")                         \
	X(JUDICIAL_REQUEST, "judicial_request") \
	X(JUDICIAL_RECORD, "judicial_record")   \
	X(PERFORM, "perform")                   \
	X(CALLBACK, "callback")

enum wg_flow_effect_index {
#define WG__FLOW_EFFECT_INDEX(name, str) WG_FLOW_EFFECT_INDEX_##name,
	WG_FLOW_EFFECT_MAP(WG__FLOW_EFFECT_INDEX)
#undef WG__FLOW_EFFECT_INDEX
		WG_FLOW_EFFECT_COUNT
};
enum wg_flow_effect {
#define WG__FLOW_EFFECT_BIT(name, str) WG_FLOW_EFFECT_##name = 1u << WG_FLOW_EFFECT_INDEX_##name,
	WG_FLOW_EFFECT_MAP(WG__FLOW_EFFECT_BIT)
#undef WG__FLOW_EFFECT_BIT
};

/* Who hears of an action (a notification row for the live stream), as
 * bits; names in the file: "centre", "department", "handlers" (owner and
 * co-handlers), "summoned", "reporter", "grid" (the grid's staff),
 * "above" (the centre one level up), "in_charge" (the people in personal
 * charge of a dispute, who hear of every step of it anyway), "mediator"
 * (the lead mediator's account). */
#define WG_FLOW_AUDIENCE_MAP(X)     \
	X(CENTRE, "centre")         \
	X(DEPARTMENT, "department") \
	X(HANDLERS, "handlers")     \
	X(SUMMONED, "summoned")     \
	X(REPORTER, "reporter")     \
	X(GRID, "grid")             \
	X(ABOVE, "above")           \
	X(IN_CHARGE, "in_charge")   \
	X(MEDIATOR, "mediator")

enum wg_flow_audience_index {
#define WG__FLOW_AUDIENCE_INDEX(name, str) WG_FLOW_AUDIENCE_INDEX_##name,
	WG_FLOW_AUDIENCE_MAP(WG__FLOW_AUDIENCE_INDEX)
#undef WG__FLOW_AUDIENCE_INDEX
		WG_FLOW_AUDIENCE_COUNT
};
enum wg_flow_audience {
#define WG__FLOW_AUDIENCE_BIT(name, str) WG_FLOW_AUDIENCE_##name = 1u << WG_FLOW_AUDIENCE_INDEX_##name,
	WG_FLOW_AUDIENCE_MAP(WG__FLOW_AUDIENCE_BIT)
#undef WG__FLOW_AUDIENCE_BIT
};

/* Conditions "to_if" may name: case.c decides them.
 *   dissatisfied  satisfaction given is 1 or 2 and the case was never reopened
 *   ladder_end    a failed mediation reached the ladder's last step
 *                 (arbitration or court) */
enum wg_flow_condition {
	WG_FLOW_COND_NONE,
	WG_FLOW_COND_DISSATISFIED,
	WG_FLOW_COND_LADDER_END,
	WG_FLOW_COND_COUNT
};

enum wg_flow_unit { WG_FLOW_WORKING_HOURS, WG_FLOW_WORKING_DAYS };

/* Where a case came from (cases.source), which may pick a state's clock
 * ("clock_by_source" in the file). */
#define WG_FLOW_SOURCE_MAP(X)       \
	X(GRID, "grid")             \
	X(CITIZEN, "citizen")       \
	X(HOTLINE, "hotline")       \
	X(WINDOW, "window")         \
	X(DEPARTMENT, "department") \
	X(CAMERA, "camera")

enum wg_flow_source {
#define WG__FLOW_SOURCE_INDEX(name, str) WG_FLOW_SOURCE_##name,
	WG_FLOW_SOURCE_MAP(WG__FLOW_SOURCE_INDEX)
#undef WG__FLOW_SOURCE_INDEX
		WG_FLOW_SOURCE_COUNT
};

/* An amount of working time: fixed in the file, read from an integer
 * setting (by its dotted name, checked with wg_config_exists), or the
 * case category's deadline (clock deadlines only). */
/* WG_FLOW_BY_CATEGORY, not WG_FLOW_CATEGORY: that is the field type. */
enum wg_flow_duration_source { WG_FLOW_FIXED, WG_FLOW_SETTING, WG_FLOW_BY_CATEGORY };
typedef struct wg_flow_duration {
	enum wg_flow_duration_source source;
	enum wg_flow_unit unit; /* FIXED and SETTING */
	int64_t amount;         /* FIXED: 0..WG_CATEGORY_HOURS_MAX hours or 0..WG_CATEGORY_DAYS_MAX days */
	const char *setting;    /* SETTING */
} wg_flow_duration;

enum wg_flow_step_kind { WG_FLOW_STEP_YELLOW, WG_FLOW_STEP_RED, WG_FLOW_STEP_ESCALATE };

typedef struct wg_flow_step {
	wg_flow_duration after; /* counted from the deadline; never BY_CATEGORY */
	enum wg_flow_step_kind kind;
	int up; /* 1 or 2: the supervising centre's distance above the case's */
} wg_flow_step;

typedef struct wg_flow_clock {
	const char *name, *label, *label_en;
	wg_flow_duration deadline;
	int warn_percent; /* 0..99: notify "near deadline" when this much of the time is left; 0 never */
	wg_flow_step steps[WG_FLOW_STEPS_MAX]; /* in order of "after", which must not decrease */
	size_t nsteps;
} wg_flow_clock;

typedef struct wg_flow_field {
	const char *name;
	enum wg_flow_field_type type;
	bool required;
	int64_t min, max;          /* characters, value or list length by type */
	const char *const *values; /* ENUM: the allowed values */
	size_t nvalues;
} wg_flow_field;

typedef struct wg_flow_state {
	const char *name, *label, *label_en;
	bool terminal;
	int clock;         /* index into clocks, -1 when none runs */
	int clock_citizen; /* clock for cases of source "citizen"; = clock unless given */
	int clock_source[WG_FLOW_SOURCE_COUNT]; /* clock per enum wg_flow_source; = clock unless given */
} wg_flow_state;

typedef struct wg_flow_action {
	const char *name, *label, *label_en;
	uint32_t from;                   /* bit i: allowed from state i */
	int to;                          /* state index; -1: stays */
	int to_from[WG_FLOW_STATES_MAX]; /* per from-state override; -2 when none */
	enum wg_flow_condition to_if;    /* WG_FLOW_COND_NONE when none */
	int to_if_state;                 /* state index when to_if holds */
	unsigned roles;                  /* enum wg_role bits */
	enum wg_flow_scope scope;
	wg_flow_field fields[WG_FLOW_FIELDS_MAX];
	size_t nfields;
	unsigned effects; /* enum wg_flow_effect bits */
	unsigned notify;  /* enum wg_flow_audience bits */
	bool public;      /* shown on the citizen portal's timeline */
} wg_flow_action;

typedef struct wg_flow {
	const char *file;          /* a copy of the name given to wg_flow_parse, for messages */
	const char *kind;          /* "event", "dispute", "petition" */
	const char *number_prefix; /* 1..4 upper-case ASCII letters */
	int initial;
	int self_resolved;         /* state of a self-resolved report; -1 when the flow has none */
	int self_resolved_sampled; /* ...when drawn for verification; -1 when none */
	unsigned report_roles;
	wg_flow_state states[WG_FLOW_STATES_MAX];
	size_t nstates;
	wg_flow_action actions[WG_FLOW_ACTIONS_MAX];
	size_t nactions;
	wg_flow_clock clocks[WG_FLOW_STATES_MAX]; /* at most one per state: each is used */
	size_t nclocks;
	json_t *doc; /* owns every string above but file */
} wg_flow;

/* Parse and validate one flow file's text; file names it in messages (it
 * is copied). Returns 0 with *out set (free with wg_flow_free); WG_EBADREQ
 * when the text is not JSON ("FILE: line L column C: ..."), WG_EVALIDATION
 * for the first broken rule found ("FILE: PATH: reason"), both in err;
 * WG_ENOMEM ("FILE: out of memory"). On failure *out is NULL. */
int wg_flow_parse(const char *text, size_t len, const char *file, wg_flow **out, char *err, size_t errlen);

/* Free a parsed flow; NULL is fine. */
void wg_flow_free(wg_flow *f);

/* The flows in force, one per kind, loaded at start from dir
 * ("<data.dir>/../flows" is not assumed: the caller passes the folder).
 * Loads every "*.json" in dir (not those whose name starts with a dot:
 * editors' files), in name order; files are named "DIR/NAME" in messages.
 * A folder without one, two files of one kind, and two kinds with one
 * number_prefix are errors (WG_EVALIDATION). A file may name another
 * kind's flow as its base ({"base": "event", "kind": "petition", ...}):
 * it is that flow's document with each member the file gives in place of
 * the base's (null removes one), validated as a whole; a base may not have
 * a base itself (petitions run the event loop: flows/petition.json). Returns 0, WG_EIO (unreadable
 * folder or file, or one larger than 1 MiB), WG_EBADREQ / WG_EVALIDATION
 * (as wg_flow_parse), WG_ENOMEM, with the reason in err. On success
 * replaces what a previous call loaded; on failure that stays in force.
 * Not thread-safe against wg_flow_get (call before the loops start). */
int wg_flow_load_dir(const char *dir, char *err, size_t errlen);

/* Free what wg_flow_load_dir loaded; wg_flow_get then finds nothing. */
void wg_flow_unload(void);

/* The loaded flow for kind, or NULL. Valid until the next
 * wg_flow_load_dir or wg_flow_unload. */
const wg_flow *wg_flow_get(const char *kind);

/* Index of the state / clock named, or -1. */
int wg_flow_state_index(const wg_flow *f, const char *name);
int wg_flow_clock_index(const wg_flow *f, const char *name);

/* The action named, or NULL. */
const wg_flow_action *wg_flow_action_find(const wg_flow *f, const char *name);

/* The field of a named in a, or NULL. */
const wg_flow_field *wg_flow_field_find(const wg_flow_action *a, const char *name);

/* Where a taken from state goes: to_if_state when a has a to_if and
 * cond_holds (whether that condition holds; ignored when it has none),
 * else the to_from override for state, else to; -1 stays. */
int wg_flow_target(const wg_flow_action *a, int state, bool cond_holds);

/* The clock running in state for a case of this source (a source name,
 * "citizen" etc., picks that source's clock_source; NULL or an unknown
 * name picks the state's clock), or NULL when none runs or state is out
 * of range. */
const wg_flow_clock *wg_flow_state_clock(const wg_flow *f, int state, const char *source);

/* Names of the enums, for messages and the API; NULL out of range.
 * Static storage. */
const char *wg_flow_field_type_name(enum wg_flow_field_type t);
const char *wg_flow_scope_name(enum wg_flow_scope s);

#endif
