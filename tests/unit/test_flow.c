/* test_flow.c - the case flow files: flows/event.json loads and moves
 * cases as written; every rule of the validation refuses a small broken
 * flow with the file, the JSON path and the reason; parsing under a
 * failing allocator; loading a folder of flows.
 *
 * The flows written here use ' for " (json() swaps them) so that the
 * tables stay readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "domain/flow.h"
#include "domain/role.h"

#include "fixture.h"

#ifndef WG_SOURCE_ROOT
#error "tests/unit/meson.build passes WG_SOURCE_ROOT, the source tree's root"
#endif

#define EVENT_JSON WG_SOURCE_ROOT "/flows/event.json"

/* The smallest flow that passes: edits of it make the bad ones. */
static const char minimal[] =
	"{'kind': 'event', 'number_prefix': 'SJ', 'initial': 'open', 'report_roles': ['grid_worker'],"
	" 'states': {"
	"  'open': {'label': '待办', 'label_en': 'Open', 'clock': 'work'},"
	"  'done': {'label': '完成', 'label_en': 'Done', 'terminal': true}},"
	" 'actions': {"
	"  'finish': {'label': '完成', 'label_en': 'Finish', 'from': ['open'], 'to': 'done',"
	"   'roles': ['centre_operator'], 'scope': 'centre',"
	"   'fields': {'note': {'type': 'text', 'max': 500}}}},"
	" 'clocks': {"
	"  'work': {'label': '时限', 'label_en': 'Work', 'deadline': {'working_days': 2},"
	"   'steps': [{'after': {'working_hours': 0}, 'do': 'yellow'}]}}}";

/* s with every ' turned into ", in a buffer of its own per call slot. */
static const char *json(const char *s)
{
	static char buf[4][16384];
	static unsigned slot;
	char *out = buf[slot++ % 4];
	size_t n = strlen(s);
	assert_true(n < sizeof buf[0]);
	for (size_t i = 0; i <= n; i++)
		out[i] = s[i] == '\'' ? '"' : s[i];
	return out;
}

/* base with its first from replaced by to (all in ' form), in a buffer
 * of its own per call slot, so that edits nest. */
static const char *edit(const char *base, const char *from, const char *to)
{
	static char buf[4][16384];
	static unsigned slot;
	char *out = buf[slot++ % 4];
	const char *at = strstr(base, from);
	if (!at)
		fail_msg("'%s' is not in the flow", from);
	int n = snprintf(out, sizeof buf[0], "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	assert_true(n > 0 && (size_t)n < sizeof buf[0]);
	return out;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s", path);
	static char buf[1 << 16];
	*len = fread(buf, 1, sizeof buf, fp);
	assert_true(*len > 0 && *len < sizeof buf);
	fclose(fp);
	/* Not 0: assert_true above ends the test on an empty file, which the
	 * analyzer cannot see (cmocka does not mark it noreturn).
	 * NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
	char *copy = malloc(*len);
	assert_non_null(copy);
	memcpy(copy, buf, *len);
	return copy;
}

static wg_flow *parse_ok(const char *text)
{
	wg_flow *f = NULL;
	char err[512] = "";
	int rc = wg_flow_parse(text, strlen(text), "t.json", &f, err, sizeof err);
	if (rc)
		fail_msg("rc %d: %s", rc, err);
	assert_string_equal(err, "");
	return f;
}

static wg_flow *load_event(void)
{
	size_t len;
	char *text = read_all(EVENT_JSON, &len);
	wg_flow *f = NULL;
	char err[512] = "";
	int rc = wg_flow_parse(text, len, "flows/event.json", &f, err, sizeof err);
	free(text);
	if (rc)
		fail_msg("rc %d: %s", rc, err);
	return f;
}

static int state(const wg_flow *f, const char *name)
{
	int s = wg_flow_state_index(f, name);
	if (s < 0)
		fail_msg("no state %s", name);
	return s;
}

static void test_event_loads(void **unused)
{
	(void)unused;
	wg_flow *f = load_event();
	assert_string_equal(f->file, "flows/event.json");
	assert_string_equal(f->kind, "event");
	assert_string_equal(f->number_prefix, "SJ");
	assert_int_equal(f->nstates, 14);
	assert_int_equal(f->nactions, 21);
	assert_int_equal(f->nclocks, 10);
	assert_int_equal(f->initial, state(f, "reported"));
	assert_int_equal(f->self_resolved, state(f, "archived"));
	assert_int_equal(f->self_resolved_sampled, state(f, "sampled"));
	assert_int_equal(f->report_roles, WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD | WG_ROLE_CENTRE_OPERATOR |
	                                          WG_ROLE_DEPT_HANDLER | WG_ROLE_DEPT_HEAD |
	                                          WG_ROLE_MEDIATOR);
	const wg_flow_state *reported = &f->states[state(f, "reported")];
	assert_string_equal(reported->label, "待受理");
	assert_string_equal(reported->label_en, "Reported");
	assert_false(reported->terminal);
	assert_true(f->states[state(f, "merged")].terminal);
	assert_int_equal(f->states[state(f, "merged")].clock, -1);
	assert_int_equal(reported->clock, wg_flow_clock_index(f, "accept"));
	assert_int_equal(reported->clock_citizen, wg_flow_clock_index(f, "accept_citizen"));
	assert_int_equal(f->states[state(f, "handling")].clock_citizen, wg_flow_clock_index(f, "handle"));
	assert_int_equal(wg_flow_clock_index(f, "nope"), -1);
	assert_int_equal(wg_flow_state_index(f, "nope"), -1);
	assert_int_equal(wg_flow_state_index(f, NULL), -1);
	wg_flow_free(f);
}

static void test_event_clocks(void **unused)
{
	(void)unused;
	wg_flow *f = load_event();
	static const struct {
		const char *state, *source, *clock; /* clock NULL: none runs */
	} t[] = {
		{"reported", "citizen", "accept_citizen"},
		{"reported", "grid", "accept"},
		{"reported", "hotline", "accept"},
		{"reported", NULL, "accept"},
		{"reported", "nonsense", "accept"},
		{"handling", "citizen", "handle"},
		{"sampled", "grid", "verify"},
		{"dissatisfied", "citizen", "review"},
		{"archived", "citizen", NULL},
		{"archived", "grid", NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const wg_flow_clock *c = wg_flow_state_clock(f, state(f, t[i].state), t[i].source);
		if (t[i].clock ? !c || strcmp(c->name, t[i].clock) != 0 : c != NULL)
			fail_msg("case %zu: %s from %s runs %s", i, t[i].state, t[i].source,
			         c ? c->name : "none");
	}
	assert_null(wg_flow_state_clock(f, -1, "grid"));
	assert_null(wg_flow_state_clock(f, (int)f->nstates, "grid"));

	const wg_flow_clock *accept = &f->clocks[wg_flow_clock_index(f, "accept")];
	assert_string_equal(accept->label, "受理时限");
	assert_int_equal(accept->deadline.source, WG_FLOW_SETTING);
	assert_int_equal(accept->deadline.unit, WG_FLOW_WORKING_HOURS);
	assert_string_equal(accept->deadline.setting, "cases.accept_hours");
	assert_int_equal(accept->warn_percent, 25);
	assert_int_equal(accept->nsteps, 3);
	assert_int_equal(accept->steps[2].kind, WG_FLOW_STEP_ESCALATE);
	assert_int_equal(accept->steps[2].after.source, WG_FLOW_FIXED);
	assert_int_equal(accept->steps[2].after.amount, 8);
	assert_int_equal(accept->steps[2].up, 1);

	const wg_flow_clock *citizen = &f->clocks[wg_flow_clock_index(f, "accept_citizen")];
	assert_int_equal(citizen->steps[1].after.source, WG_FLOW_SETTING);
	assert_string_equal(citizen->steps[1].after.setting, "cases.citizen_town_hours");
	assert_int_equal(citizen->steps[1].kind, WG_FLOW_STEP_RED);
	assert_int_equal(citizen->steps[1].up, 2);

	const wg_flow_clock *handle = &f->clocks[wg_flow_clock_index(f, "handle")];
	assert_int_equal(handle->deadline.source, WG_FLOW_BY_CATEGORY);
	assert_int_equal(handle->warn_percent, 20);
	assert_int_equal(handle->steps[1].after.unit, WG_FLOW_WORKING_DAYS);
	assert_int_equal(handle->steps[1].after.amount, 1);
	assert_int_equal(f->clocks[wg_flow_clock_index(f, "assess")].warn_percent, 0);
	wg_flow_free(f);
}

static void test_event_transitions(void **unused)
{
	(void)unused;
	wg_flow *f = load_event();
	static const struct {
		const char *action, *from;
		bool cond;
		const char *to; /* NULL: stays */
	} t[] = {
		{"accept", "reported", false, "accepted"},
		{"reject", "reported", false, "rejected"},
		{"dispatch", "assessed", false, "dispatched"},
		{"dispatch", "returned", false, "dispatched"},
		{"return", "handling", false, "returned"},
		{"verify", "feedback", false, "verified"},
		{"verify", "sampled", false, "archived"}, /* to_from */
		{"rework", "feedback", false, "handling"},
		{"rework", "sampled", false, "accepted"}, /* to_from */
		{"callback", "closed", false, "archived"},
		{"callback", "closed", true, "dissatisfied"}, /* to_if */
		{"reopen", "dissatisfied", true, "handling"}, /* no to_if: cond ignored */
		{"extend", "handling", false, NULL},
		{"supervise", "closed", false, NULL},
		{"summon", "handling", true, NULL},
		{"escalate", "returned", false, "accepted"},
		{"merge", "assessed", false, "merged"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const wg_flow_action *a = wg_flow_action_find(f, t[i].action);
		assert_non_null(a);
		int from = state(f, t[i].from);
		assert_true(a->from & (1u << from));
		int to = wg_flow_target(a, from, t[i].cond);
		int want = t[i].to ? state(f, t[i].to) : -1;
		if (to != want)
			fail_msg("case %zu: %s from %s goes to %d, not %d", i, t[i].action, t[i].from, to,
			         want);
	}
	assert_null(wg_flow_action_find(f, "teleport"));
	assert_null(wg_flow_action_find(f, NULL));

	/* Which states an action may start from, as bits. */
	static const struct {
		const char *action;
		const char *from[11];
	} bits[] = {
		{"accept", {"reported"}},
		{"verify", {"feedback", "sampled"}},
		{"reopen", {"dissatisfied"}},
		{"escalate", {"reported", "accepted", "assessed", "returned", "dispatched", "handling"}},
		{"supervise",
	         {"reported", "accepted", "assessed", "returned", "dispatched", "handling", "feedback",
	          "verified", "closed", "dissatisfied"}},
	};
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		uint32_t want = 0;
		for (size_t k = 0; k < 11 && bits[i].from[k]; k++)
			want |= 1u << state(f, bits[i].from[k]);
		assert_int_equal(wg_flow_action_find(f, bits[i].action)->from, want);
	}
	wg_flow_free(f);
}

static void test_event_actions(void **unused)
{
	(void)unused;
	wg_flow *f = load_event();
	const wg_flow_action *d = wg_flow_action_find(f, "dispatch");
	assert_string_equal(d->label, "派遣");
	assert_int_equal(d->roles, WG_ROLE_CENTRE_OPERATOR);
	assert_int_equal(d->scope, WG_FLOW_SCOPE_CENTRE);
	assert_int_equal(d->effects, WG_FLOW_EFFECT_DISPATCH);
	assert_int_equal(d->notify, WG_FLOW_AUDIENCE_HANDLERS);
	assert_true(d->public);
	assert_int_equal(d->nfields, 5);

	static const struct {
		const char *action, *field;
		enum wg_flow_field_type type;
		bool required;
		int64_t min, max;
	} t[] = {
		{"dispatch", "department", WG_FLOW_DEPARTMENT, false, 0, 0},
		{"dispatch", "co_departments", WG_FLOW_DEPARTMENTS, false, 1, 5},
		{"dispatch", "deadline", WG_FLOW_TIME, false, 0, 0},
		{"dispatch", "reason", WG_FLOW_TEXT, false, 2, 500},
		{"dispatch", "note", WG_FLOW_TEXT, false, 1, 500},
		{"feedback", "result", WG_FLOW_TEXT, true, 2, 2000},
		{"feedback", "photos", WG_FLOW_ATTACHMENTS, false, 1, 9},
		{"callback", "satisfaction", WG_FLOW_INT, true, 1, 5},
		{"summon", "departments", WG_FLOW_DEPARTMENTS, true, 1, 10},
		{"summon", "hours", WG_FLOW_INT, true, 1, 72},
		{"merge", "master", WG_FLOW_CASE, true, 0, 0},
		{"assess", "category", WG_FLOW_CATEGORY, false, 0, 0},
		{"extend", "deadline", WG_FLOW_TIME, true, 0, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const wg_flow_field *fl = wg_flow_field_find(wg_flow_action_find(f, t[i].action), t[i].field);
		if (!fl || fl->type != t[i].type || fl->required != t[i].required || fl->min != t[i].min ||
		    fl->max != t[i].max)
			fail_msg("case %zu: %s.%s", i, t[i].action, t[i].field);
	}
	assert_null(wg_flow_field_find(d, "colour"));
	assert_null(wg_flow_field_find(NULL, "colour"));

	const wg_flow_field *colour = wg_flow_field_find(wg_flow_action_find(f, "supervise"), "colour");
	assert_int_equal(colour->type, WG_FLOW_ENUM);
	assert_int_equal(colour->nvalues, 2);
	assert_string_equal(colour->values[0], "yellow");
	assert_string_equal(colour->values[1], "red");
	const wg_flow_action *supervise = wg_flow_action_find(f, "supervise");
	assert_int_equal(supervise->roles, WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER);
	assert_int_equal(supervise->scope, WG_FLOW_SCOPE_AREA);
	assert_int_equal(supervise->to, -1);
	assert_false(supervise->public);
	assert_int_equal(wg_flow_action_find(f, "report_in")->scope, WG_FLOW_SCOPE_SUMMONED);
	assert_int_equal(wg_flow_action_find(f, "callback")->to_if, WG_FLOW_COND_DISSATISFIED);
	assert_int_equal(wg_flow_action_find(f, "accept")->to_if, WG_FLOW_COND_NONE);
	assert_int_equal(wg_flow_action_find(f, "feedback")->notify,
	                 WG_FLOW_AUDIENCE_CENTRE | WG_FLOW_AUDIENCE_GRID);

	assert_string_equal(wg_flow_field_type_name(WG_FLOW_DEPARTMENTS), "departments");
	assert_string_equal(wg_flow_field_type_name(WG_FLOW_ATTACHMENTS), "attachments");
	assert_null(wg_flow_field_type_name(WG_FLOW_FIELD_TYPE_COUNT));
	assert_string_equal(wg_flow_scope_name(WG_FLOW_SCOPE_HANDLER), "handler");
	assert_null(wg_flow_scope_name(WG_FLOW_SCOPE_COUNT));
	wg_flow_free(f);
}

/* An edit of minimal (up to two replacements) and the code and message it
 * must give; err must hold want (in ' form) after "t.json: ". */
typedef struct bad_case {
	const char *from, *to, *from2, *to2;
	int rc;
	const char *want;
} bad_case;

#define BAD(from, to, want)                                \
	{                                                  \
		from, to, NULL, NULL, WG_EVALIDATION, want \
	}
#define BAD2(from, to, from2, to2, want)                   \
	{                                                  \
		from, to, from2, to2, WG_EVALIDATION, want \
	}

/* Fields of the action "finish", for the effect rules. */
#define FIELDS "'fields': {'note': {'type': 'text', 'max': 500}}"
#define SCOPE "'scope': 'centre',"

static const bad_case bad_cases[] = {
	/* the document */
	{"'kind': 'event',", "'kind': 'event',,", NULL, NULL, WG_EBADREQ, "line 1 column"},
	{"'kind': 'event',", "'kind': 'event', 'kind': 'event',", NULL, NULL, WG_EBADREQ,
         "duplicate object key"},
	BAD("'initial': 'open',", "'initial': 'open', 'extra': 1,",
            "extra: unknown member (kind, number_prefix"),
	BAD("'kind': 'event',", "", "kind: missing"),
	BAD("'kind': 'event'", "'kind': 'events'",
            "kind: unknown flow kind 'events' (event, dispute, petition)"),
	BAD("'kind': 'event'", "'kind': 7", "kind: must be a flow kind: event, dispute, petition"),
	BAD("'number_prefix': 'SJ'", "'number_prefix': 'sj'",
            "number_prefix: must be 1 to 4 upper-case letters"),
	BAD("'number_prefix': 'SJ'", "'number_prefix': 'SJABC'", "number_prefix: must be 1 to 4"),
	BAD("'number_prefix': 'SJ'", "'number_prefix': ''", "number_prefix: must be 1 to 4"),
	BAD("'number_prefix': 'SJ'", "'number_prefix': 12", "number_prefix: must be 1 to 4"),
	BAD("'initial': 'open'", "'initial': 'nowhere'", "initial: unknown state 'nowhere'"),
	BAD("'initial': 'open'", "'initial': 'done'", "initial: 'done' is a terminal state"),
	BAD("'initial': 'open',", "", "initial: missing"),
	BAD("'initial': 'open',",
            "'initial': 'open', 'self_resolved': {'state': 'done', 'sampled_state': 'done'},",
            "self_resolved.sampled_state: 'done' is a terminal state"),
	BAD("'initial': 'open',",
            "'initial': 'open', 'self_resolved': {'state': 'gone', 'sampled_state': 'open'},",
            "self_resolved.state: unknown state 'gone'"),
	BAD("'initial': 'open',", "'initial': 'open', 'self_resolved': {'state': 'done'},",
            "self_resolved.sampled_state: missing"),
	BAD("'initial': 'open',", "'initial': 'open', 'self_resolved': {'state': 'done', 'sampled': 'open'},",
            "self_resolved.sampled: unknown member (state, sampled_state)"),
	BAD("'initial': 'open',", "'initial': 'open', 'self_resolved': 'done',",
            "self_resolved: must be an object"),
	BAD("'report_roles': ['grid_worker']", "'report_roles': []", "report_roles: must not be empty"),
	BAD("'report_roles': ['grid_worker']", "'report_roles': 'grid_worker'",
            "report_roles: must be a list"),
	BAD("'report_roles': ['grid_worker']", "'report_roles': ['sysadmin']",
            "report_roles[0]: 'sysadmin' is an admin role"),
	BAD("'report_roles': ['grid_worker']", "'report_roles': ['grid_worker', 'nobody']",
            "report_roles[1]: unknown role 'nobody'"),
	BAD("'report_roles': ['grid_worker']", "'report_roles': ['grid_worker', 'grid_worker']",
            "report_roles[1]: 'grid_worker' appears twice"),
	BAD("'report_roles': ['grid_worker']", "'report_roles': [3]", "report_roles[0]: must be a name"),

	/* states */
	BAD("'open': {'label'", "'Open': {'label'",
            "states.Open: 'Open' is not a name: [a-z][a-z0-9_]*, at most 31"),
	BAD("'finish': {", "'f_234567890123456789012345678901': {",
            "actions.f_234567890123456789012345678901: 'f_"),
	BAD("'label': '待办', ", "", "states.open.label: missing"),
	BAD("'label': '待办'", "'label': ''", "states.open.label: must be 1 to 32 characters"),
	BAD("'label': '待办'",
            "'label': '一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三'",
            "states.open.label: must be 1 to 32 characters without control characters"),
	BAD("'label': '待办'", "'label': 'a\\u0007b'", "states.open.label: must be 1 to 32"),
	BAD("'label': '待办'", "'label': 'a\\u0085b'", "states.open.label: must be 1 to 32"),
	BAD("'label': '待办'", "'label': 'a\\nb'", "states.open.label: must be 1 to 32"),
	BAD("'label': '待办'", "'label': 7", "states.open.label: must be 1 to 32"),
	BAD("'label_en': 'Open', ", "", "states.open.label_en: missing"),
	BAD("'terminal': true", "'terminal': 1", "states.done.terminal: must be true or false"),
	BAD("'terminal': true", "'terminal': true, 'final': true",
            "states.done.final: unknown member (label, label_en, terminal, clock, clock_by_source)"),
	BAD("'terminal': true", "'terminal': true, 'clock': 'work'",
            "states.done.clock: a terminal state runs no clock"),
	BAD("'terminal': true", "'terminal': true, 'clock_by_source': {'citizen': 'work'}",
            "states.done.clock_by_source: a terminal state runs no clock"),
	BAD("'clock': 'work'}", "'clock': 'wrk'}", "states.open.clock: unknown clock 'wrk'"),
	BAD("'clock': 'work'}", "'clock': ['work']}", "states.open.clock: must be the name of a clock"),
	BAD("'clock': 'work'}", "'clock': 'work', 'clock_by_source': {'phone': 'work'}}",
            "states.open.clock_by_source.phone: unknown source 'phone' (grid, citizen, hotline, window, "
            "department, "
            "camera)"),
	BAD("'clock': 'work'}", "'clock': 'work', 'clock_by_source': {'citizen': 'fast'}}",
            "states.open.clock_by_source.citizen: unknown clock 'fast'"),
	BAD("'clock': 'work'}", "'clock': 'work', 'clock_by_source': ['citizen']}",
            "states.open.clock_by_source: must be an object of sources by name"),
	BAD("'done': {'label': '完成', 'label_en': 'Done', 'terminal': true}",
            "'done': {'label': '完成', 'label_en': 'Done', 'terminal': true},"
            " 'limbo': {'label': '无', 'label_en': 'Limbo', 'terminal': true}",
            "states.limbo: no action leads here from the initial state"),
	BAD2("'done': {'label': '完成', 'label_en': 'Done', 'terminal': true}",
             "'done': {'label': '完成', 'label_en': 'Done', 'terminal': true},"
             " 'stuck': {'label': '卡住', 'label_en': 'Stuck'}",
             "'actions': {",
             "'actions': {'park': {'label': '搁置', 'label_en': 'Park', 'from': ['open'], 'to': 'stuck',"
             " 'roles': ['centre_operator'], 'scope': 'centre'},"
             " 'poke': {'label': '催', 'label_en': 'Poke', 'from': ['stuck'], 'roles': ['leader'], 'scope': "
             "'any'},",
             "states.stuck: not terminal, yet no action leads out of it"),
	BAD2("'done': {'label': '完成', 'label_en': 'Done', 'terminal': true}",
             "'done': {'label': '完成', 'label_en': 'Done', 'terminal': true},"
             " 'stuck': {'label': '卡住', 'label_en': 'Stuck'}",
             "'actions': {",
             "'actions': {'park': {'label': '搁置', 'label_en': 'Park', 'from': ['open'], 'to': 'stuck',"
             " 'roles': ['centre_operator'], 'scope': 'centre'},"
             " 'poke': {'label': '催', 'label_en': 'Poke', 'from': ['stuck'], 'to': 'stuck', 'roles': "
             "['leader'],"
             " 'scope': 'any'},",
             "states.stuck: not terminal, yet no action leads out of it"),

	/* actions */
	BAD("'from': ['open']", "'from': []", "actions.finish.from: must not be empty"),
	BAD("'from': ['open'], ", "", "actions.finish.from: missing"),
	BAD("'from': ['open']", "'from': ['open', 'done']",
            "actions.finish.from: 'done' is a terminal state: no action leaves it"),
	BAD("'from': ['open']", "'from': ['opne']", "actions.finish.from[0]: unknown state 'opne'"),
	BAD("'from': ['open']", "'from': ['open', 'open']", "actions.finish.from[1]: 'open' appears twice"),
	BAD("'to': 'done'", "'to': 'gone'", "actions.finish.to: unknown state 'gone'"),
	BAD("'to': 'done'", "'to': 5", "actions.finish.to: must be the name of a state"),
	BAD("'to': 'done',", "'to': 'done', 'to_from': {'done': 'open'},",
            "actions.finish.to_from.done: 'done' is not among the from states of the action"),
	BAD("'to': 'done',", "'to': 'done', 'to_from': {'gone': 'open'},",
            "actions.finish.to_from.gone: unknown state"),
	BAD("'to': 'done',", "'to': 'done', 'to_from': {'open': 'gone'},",
            "actions.finish.to_from.open: unknown state 'gone'"),
	BAD("'to': 'done',", "'to': 'done', 'to_if': {'angry': 'done'},",
            "actions.finish.to_if.angry: unknown condition 'angry' (dissatisfied, ladder_end)"),
	BAD("'to': 'done',", "'to': 'done', 'to_if': {'dissatisfied': 'done', 'angry': 'done'},",
            "actions.finish.to_if: must be an object with one condition"),
	BAD("'to': 'done',", "'to': 'done', 'to_if': 'dissatisfied',",
            "actions.finish.to_if: must be an object with one condition"),
	BAD("'to': 'done',", "'to': 'done', 'to_if': {'dissatisfied': 'gone'},",
            "actions.finish.to_if.dissatisfied: unknown state 'gone'"),
	BAD("'to': 'done',", "'to': 'done', 'to_if': {'dissatisfied': 'done'},",
            "actions.finish.to_if: the condition 'dissatisfied' needs the effect 'rate'"),
	BAD("'roles': ['centre_operator']", "'roles': ['auditor']",
            "actions.finish.roles[0]: 'auditor' is an admin role, which takes no part in cases"),
	BAD("'roles': ['centre_operator']", "'roles': ['secadmin']",
            "actions.finish.roles[0]: 'secadmin' is an admin"),
	BAD("'roles': ['centre_operator']", "'roles': ['operator']",
            "actions.finish.roles[0]: unknown role 'operator'"),
	BAD("'roles': ['centre_operator']", "'roles': []", "actions.finish.roles: must not be empty"),
	BAD("'roles': ['centre_operator'], ", "", "actions.finish.roles: missing"),
	BAD("'scope': 'centre'", "'scope': 'center'",
            "actions.finish.scope: unknown scope 'center' (area, centre, department, handler, summoned, "
            "mediator, any)"),
	BAD("'scope': 'centre',", "", "actions.finish.scope: missing"),
	BAD(SCOPE, "'scope': 'centre', 'form': 1,",
            "actions.finish.form: unknown member (label, label_en, from"),
	BAD(SCOPE, "'scope': 'centre', 'public': 'yes',", "actions.finish.public: must be true or false"),
	BAD(SCOPE, "'scope': 'centre', 'notify': ['everyone'],",
            "actions.finish.notify[0]: unknown audience 'everyone' (centre, department, handlers, summoned, "
            "reporter, grid, above, in_charge, mediator)"),
	BAD(SCOPE, "'scope': 'centre', 'notify': ['centre', 'centre'],",
            "actions.finish.notify[1]: 'centre' appears twice"),
	BAD(SCOPE, "'scope': 'centre', 'effects': ['teleport'],",
            "actions.finish.effects[0]: unknown effect 'teleport'"),
	BAD(SCOPE, "'scope': 'centre', 'effects': 'close',",
            "actions.finish.effects: must be a list of names"),
	BAD("'label_en': 'Finish', ", "", "actions.finish.label_en: missing"),
	BAD("'actions': {", "'actions': {'Bad': {}, ", "actions.Bad: 'Bad' is not a name"),
	BAD("'actions': {", "'actions': {'empty': [], ", "actions.empty: must be an object"),

	/* fields */
	BAD("'type': 'text'", "'type': 'dept'",
            "actions.finish.fields.note.type: unknown field type 'dept' (string, text, int, bool, enum, "
            "time, "
            "department, departments, category, case, attachments)"),
	BAD("'type': 'text', ", "", "actions.finish.fields.note.type: missing"),
	BAD("'max': 500}", "'max': 500, 'pattern': 'x'}",
            "actions.finish.fields.note.pattern: unknown member (type, required, min, max, values)"),
	BAD("'max': 500}", "'max': 20001}",
            "actions.finish.fields.note.max: must be a whole number within 1..20000"),
	BAD("'max': 500}", "'max': 5.5}",
            "actions.finish.fields.note.max: must be a whole number within 1..20000"),
	BAD("'max': 500}", "'min': 0, 'max': 500}",
            "actions.finish.fields.note.min: must be a whole number within 1"),
	BAD("'max': 500}", "'min': 10, 'max': 5}",
            "actions.finish.fields.note: min 10 is greater than max 5"),
	BAD("'max': 500}", "'min': 3000}", "actions.finish.fields.note: min 3000 is greater than max 2000"),
	BAD("'type': 'text', 'max': 500", "'type': 'string', 'max': 1001",
            "actions.finish.fields.note.max: must be a whole number within 1..1000"),
	BAD("'type': 'text', 'max': 500", "'type': 'int', 'max': 500",
            "actions.finish.fields.note.min: missing: a field of type int needs min and max"),
	BAD("'type': 'text', 'max': 500", "'type': 'int', 'min': 5",
            "actions.finish.fields.note.max: missing: a field of type int needs min and max"),
	BAD("'type': 'text', 'max': 500", "'type': 'bool', 'max': 500",
            "actions.finish.fields.note.max: a field of type bool has no max"),
	BAD("'type': 'text', 'max': 500", "'type': 'time', 'min': 1",
            "actions.finish.fields.note.min: a field of type time has no min"),
	BAD("'type': 'text', 'max': 500", "'type': 'departments', 'max': 11",
            "actions.finish.fields.note.max: must be a whole number within 1..10"),
	BAD("'type': 'text', 'max': 500", "'type': 'attachments', 'max': 10",
            "actions.finish.fields.note.max: must be a whole number within 1..9"),
	BAD("'type': 'text', 'max': 500", "'type': 'enum'", "actions.finish.fields.note.values: missing"),
	BAD("'type': 'text', 'max': 500", "'type': 'enum', 'max': 3",
            "actions.finish.fields.note.max: a field of type"),
	BAD("'type': 'text', 'max': 500", "'type': 'enum', 'values': []",
            "actions.finish.fields.note.values: must be a list of 1 to 16 names"),
	BAD("'type': 'text', 'max': 500", "'type': 'enum', 'values': 'a'",
            "actions.finish.fields.note.values: must be a list of 1 to 16 names"),
	BAD("'type': 'text', 'max': 500",
            "'type': 'enum', 'values': ['a','b','c','d','e','f','g','h','i','j','k','l','m','n','o','p','q']",
            "actions.finish.fields.note.values: must be a list of 1 to 16 names"),
	BAD("'type': 'text', 'max': 500", "'type': 'enum', 'values': ['a', 'b', 'a']",
            "actions.finish.fields.note.values[2]: 'a' appears twice"),
	BAD("'type': 'text', 'max': 500", "'type': 'enum', 'values': ['a', 'B']",
            "actions.finish.fields.note.values[1]: 'B' is not a name"),
	BAD("'max': 500}", "'max': 500, 'values': ['a']}",
            "actions.finish.fields.note.values: only an enum field has values"),
	BAD("'max': 500}", "'max': 500, 'required': 'yes'}",
            "actions.finish.fields.note.required: must be true or false"),
	BAD("'note':", "'Note':", "actions.finish.fields.Note: 'Note' is not a name"),
	BAD("'note': {'type'", "'n': 1, 'note': {'type'", "actions.finish.fields.n: must be an object"),
	BAD(FIELDS, "'fields': ['note']", "actions.finish.fields: must be an object of fields by name"),
	BAD(FIELDS,
            "'fields': {'a': {'type': 'bool'}, 'b': {'type': 'bool'}, 'c': {'type': 'bool'}, 'd': {'type': "
            "'bool'},"
            " 'e': {'type': 'bool'}, 'f': {'type': 'bool'}, 'g': {'type': 'bool'}, 'h': {'type': 'bool'},"
            " 'i': {'type': 'bool'}, 'j': {'type': 'bool'}, 'k': {'type': 'bool'}, 'l': {'type': 'bool'},"
            " 'm': {'type': 'bool'}}",
            "actions.finish.fields: more than 12 fields"),

	/* the dispute effects and conditions */
	BAD(SCOPE, "'scope': 'centre', 'effects': ['risk'],",
            "actions.finish.fields: the effect 'risk' needs a required field 'risk' of type enum"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['risk'],", FIELDS,
             "'fields': {'risk': {'type': 'enum', 'required': true, 'values': ['red', 'orange']}}",
             "actions.finish.fields.risk.values[1]: the effect 'risk' allows only red, yellow, blue"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['mediate'],", FIELDS,
             "'fields': {'body': {'type': 'int', 'required': true, 'min': 1, 'max': 9}}",
             "actions.finish.fields: the effect 'mediate' needs a required field 'mediator' of type int"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['family'],", FIELDS,
             "'fields': {'family_level': {'type': 'enum', 'values': ['safe', 'grave']}}",
             "actions.finish.fields.family_level.values[1]: the effect 'family' allows only safe, micro, "
             "low, "
             "medium, high"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['session'],", FIELDS,
             "'fields': {'at': {'type': 'string', 'required': true}}",
             "actions.finish.fields.at.type: the effect 'session' needs a field of type time, not string"),
	BAD("'to': 'done',", "'to': 'open', 'to_if': {'ladder_end': 'done'},",
            "actions.finish.to_if: the condition 'ladder_end' needs the effect 'fail'"),
	BAD("'scope': 'centre'", "'scope': 'mediators'", "actions.finish.scope: unknown scope 'mediators'"),
	BAD("'scope': 'centre'", "'scope': 'centre', 'notify': ['in_charges']",
            "unknown audience 'in_charges'"),

	/* effects and the fields they need */
	BAD(SCOPE, "'scope': 'centre', 'effects': ['supervise'],",
            "actions.finish.fields: the effect 'supervise' needs a required field 'colour' of type enum"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['supervise'],", FIELDS,
             "'fields': {'colour': {'type': 'enum', 'required': true, 'values': ['yellow', 'green']}}",
             "actions.finish.fields.colour.values[1]: the effect 'supervise' allows only yellow, red"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['supervise'],", FIELDS,
             "'fields': {'colour': {'type': 'enum', 'values': ['yellow', 'red']}}",
             "actions.finish.fields.colour.required: the effect 'supervise' needs this field required"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['supervise'],", FIELDS,
             "'fields': {'colour': {'type': 'string', 'required': true}}",
             "actions.finish.fields.colour.type: the effect 'supervise' needs a field of type enum, not "
             "string"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['rate'],", FIELDS,
             "'fields': {'satisfaction': {'type': 'int', 'required': true, 'min': 0, 'max': 5}}",
             "actions.finish.fields.satisfaction: the effect 'rate' needs min and max within 1..5"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['rate'],", FIELDS,
             "'fields': {'satisfaction': {'type': 'int', 'required': true, 'min': 1, 'max': 10}}",
             "actions.finish.fields.satisfaction: the effect 'rate' needs min and max within 1..5"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['rate'],", FIELDS,
             "'fields': {'satisfaction': {'type': 'text', 'required': true}}",
             "actions.finish.fields.satisfaction.type: the effect 'rate' needs a field of type int, not "
             "text"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['extend_request'],", FIELDS,
             "'fields': {'deadline': {'type': 'time'}}",
             "actions.finish.fields.deadline.required: the effect 'extend_request' needs this field "
             "required"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['summon'],", FIELDS,
             "'fields': {'departments': {'type': 'departments', 'required': true}}",
             "actions.finish.fields: the effect 'summon' needs a required field 'hours' of type int"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['summon'],", FIELDS,
             "'fields': {'departments': {'type': 'departments', 'required': true},"
             " 'hours': {'type': 'int', 'required': true, 'min': 0, 'max': 24}}",
             "actions.finish.fields.hours: the effect 'summon' needs min and max within 1..720"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['merge'],", FIELDS,
             "'fields': {'master': {'type': 'int', 'required': true, 'min': 1, 'max': 9}}",
             "actions.finish.fields.master.type: the effect 'merge' needs a field of type case, not int"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['feedback'],", FIELDS,
             "'fields': {'result': {'type': 'text', 'required': true}, 'photos': {'type': 'string'}}",
             "actions.finish.fields.photos.type: the effect 'feedback' needs a field of type attachments, "
             "not string"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['dispatch'],", FIELDS,
             "'fields': {'department': {'type': 'text'}}",
             "actions.finish.fields.department.type: the effect 'dispatch' needs a field of type department, "
             "not text"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['assess'],", FIELDS,
             "'fields': {'level': {'type': 'enum', 'values': ['town', 'city']}}",
             "actions.finish.fields.level.values[1]: the effect 'assess' allows only grid, village, town, "
             "county"),
	BAD2(SCOPE, "'scope': 'centre', 'effects': ['assess'],", FIELDS,
             "'fields': {'priority': {'type': 'enum', 'values': ['normal', 'low']}}",
             "actions.finish.fields.priority.values[1]: the effect 'assess' allows only normal, urgent"),
	BAD(SCOPE, "'scope': 'centre', 'effects': ['close', 'close'],",
            "actions.finish.effects[1]: 'close' appears twice"),

	/* clocks */
	BAD("'deadline': {'working_days': 2}", "'deadline': {'days': 2}",
            "clocks.work.deadline.days: unknown member (working_hours, working_days)"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'working_days': 0}",
            "clocks.work.deadline.working_days: must be a whole number within 1..365"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'working_days': 366}",
            "clocks.work.deadline.working_days: must be a whole number within 1..365"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'working_hours': 2921}",
            "clocks.work.deadline.working_hours: must be a whole number within 1..2920"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'working_days': 2, 'working_hours': 2}",
            "clocks.work.deadline: must have one member, working_hours or working_days"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {}",
            "clocks.work.deadline: must have one member, working_hours or working_days"),
	BAD("'deadline': {'working_days': 2}", "'deadline': 'categories'",
            "clocks.work.deadline: must be 'category', {'working_hours': N}, {'working_days': N} or "
            "{'setting': NAME, "
            "'unit': UNIT}"),
	BAD("'deadline': {'working_days': 2}, ", "", "clocks.work.deadline: missing"),
	BAD("'deadline': {'working_days': 2}",
            "'deadline': {'setting': 'cases.nope', 'unit': 'working_days'}",
            "clocks.work.deadline.setting: no setting 'cases.nope'"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'setting': 'db.url', 'unit': 'working_days'}",
            "clocks.work.deadline.setting: setting 'db.url' is not an integer"),
	BAD("'deadline': {'working_days': 2}",
            "'deadline': {'setting': 'http.access_log', 'unit': 'working_days'}",
            "clocks.work.deadline.setting: setting 'http.access_log' is not an integer"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'setting': 5, 'unit': 'working_days'}",
            "clocks.work.deadline.setting: must be the name of a setting"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'setting': 'cases.verify_days', 'unit': 'days'}",
            "clocks.work.deadline.unit: unknown unit 'days' (working_hours, working_days)"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'setting': 'cases.verify_days'}",
            "clocks.work.deadline.unit: missing"),
	BAD("'deadline': {'working_days': 2}",
            "'deadline': {'setting': 'cases.verify_days', 'unit': 'working_days', 'working_days': 1}",
            "clocks.work.deadline.working_days: unknown member (setting, unit)"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'working_days': 2}, 'warn_percent': 100",
            "clocks.work.warn_percent: must be a whole number within 0..99"),
	BAD("'deadline': {'working_days': 2}", "'deadline': {'working_days': 2}, 'colour': 'red'",
            "clocks.work.colour: unknown member (label, label_en, deadline, warn_percent, steps)"),
	BAD("'label_en': 'Work', ", "", "clocks.work.label_en: missing"),
	BAD("'do': 'yellow'", "'do': 'purple'",
            "clocks.work.steps[0].do: unknown step 'purple' (yellow, red, escalate)"),
	BAD("'do': 'yellow'", "'do': 'yellow', 'up': 3",
            "clocks.work.steps[0].up: must be a whole number within 1..2"),
	BAD("'do': 'yellow'", "'do': 'yellow', 'then': 3",
            "clocks.work.steps[0].then: unknown member (after, do, up)"),
	BAD("{'after': {'working_hours': 0}, ", "{", "clocks.work.steps[0].after: missing"),
	BAD("{'after': {'working_hours': 0}", "{'after': 'category'",
            "clocks.work.steps[0].after: must be {'working_hours': N}, {'working_days': N} or {'setting'"),
	BAD("{'after': {'working_hours': 0}", "{'after': {'working_hours': -1}",
            "clocks.work.steps[0].after.working_hours: must be a whole number within 0..2920"),
	BAD("'steps': [{", "'steps': [1, {", "clocks.work.steps[0]: must be an object"),
	BAD("'steps': [{'after': {'working_hours': 0}, 'do': 'yellow'}]", "'steps': {'a': 1}",
            "clocks.work.steps: must be a list of at most 4 steps"),
	BAD("'do': 'yellow'}]",
            "'do': 'yellow'}, {'after': {'working_hours': 1}, 'do': 'red'},"
            " {'after': {'working_hours': 2}, 'do': 'red'}, {'after': {'working_hours': 3}, 'do': 'red'},"
            " {'after': {'working_hours': 4}, 'do': 'escalate'}]",
            "clocks.work.steps: must be a list of at most 4 steps"),
	BAD("'do': 'yellow'}]",
            "'do': 'yellow'}, {'after': {'working_days': 2}, 'do': 'red'},"
            " {'after': {'working_days': 1}, 'do': 'escalate'}]",
            "clocks.work.steps[2].after: earlier than that of step 1: the steps must be in order"),
	BAD("{'after': {'working_hours': 0}, 'do': 'yellow'}]",
            "{'after': {'working_hours': 4}, 'do': 'yellow'}, {'after': {'working_days': 0}, 'do': 'red'}]",
            "clocks.work.steps[1].after: earlier than that of step 0"),
	BAD("'clocks': {",
            "'clocks': {'spare': {'label': '备用', 'label_en': 'Spare', 'deadline': 'category'}, ",
            "clocks.spare: no state runs this clock"),
	BAD("'clocks': {", "'clocks': {'Spare': {}, ", "clocks.Spare: 'Spare' is not a name"),
	BAD("'clock': 'work'}", "'terminal': false}", "clocks.work: no state runs this clock"),

	/* the graph */
	BAD("'to': 'done',", "'to': null,", "states.open: not terminal, yet no action leads out of it"),
	BAD("'to': 'done',", "'to': 'open',", "states.open: not terminal, yet no action leads out of it"),
	BAD("'to': 'done',", "'to': 'done', 'to_from': {'open': 'open'},",
            "states.open: not terminal, yet no action leads out of it"),
};

static void test_bad_flows(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const bad_case *t = &bad_cases[i];
		const char *once = edit(minimal, t->from, t->to);
		const char *text = json(t->from2 ? edit(once, t->from2, t->to2) : once);
		wg_flow *f = (wg_flow *)1;
		char err[1024] = "";
		int rc = wg_flow_parse(text, strlen(text), "t.json", &f, err, sizeof err);
		const char *want = json(t->want);
		if (rc != t->rc || strncmp(err, "t.json: ", 8) != 0 || !strstr(err, want))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, err, want);
		assert_null(f);
	}
}

static void test_bad_shapes(void **unused)
{
	(void)unused;
	static const struct {
		const char *text;
		int rc;
		const char *want;
	} t[] = {
		{"[]", WG_EVALIDATION, "x.json: (document): must be an object"},
		{"", WG_EBADREQ, "x.json: line 1 column 0"},
		{"{'kind': 'event'", WG_EBADREQ, "x.json: line 1 column 16"},
		{"{'kind': 'event', 'n': '\\u0000'}", WG_EBADREQ, "x.json: line 1"},
		{"{}", WG_EVALIDATION, "x.json: kind: missing"},
		{"{'kind': 'event', 'number_prefix': 'A', 'initial': 'a', 'report_roles': ['leader'], "
	         "'states': [],"
	         " 'actions': {}, 'clocks': {}}",
	         WG_EVALIDATION, "x.json: states: must be an object of states by name"},
		{"{'kind': 'event', 'number_prefix': 'A', 'initial': 'a', 'report_roles': ['leader'], "
	         "'states': {},"
	         " 'actions': {}, 'clocks': []}",
	         WG_EVALIDATION, "x.json: clocks: must be an object of clocks by name"},
		{"{'kind': 'event', 'number_prefix': 'A', 'initial': 'a', 'report_roles': ['leader'], "
	         "'states': {},"
	         " 'actions': {}, 'clocks': {}}",
	         WG_EVALIDATION, "x.json: states: a flow needs at least one state"},
		{"{'kind': 'event', 'number_prefix': 'A', 'initial': 'a', 'report_roles': ['leader'], "
	         "'states': {},"
	         " 'actions': {}}",
	         WG_EVALIDATION, "x.json: clocks: missing"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *text = json(t[i].text);
		wg_flow *f = NULL;
		char err[512] = "";
		int rc = wg_flow_parse(text, strlen(text), "x.json", &f, err, sizeof err);
		if (rc != t[i].rc || !strstr(err, json(t[i].want)))
			fail_msg("case %zu: rc %d, '%s'", i, rc, err);
		assert_null(f);
	}
	/* No room for a message is fine. */
	wg_flow *f = NULL;
	assert_int_equal(wg_flow_parse("[]", 2, "x.json", &f, NULL, 0), WG_EVALIDATION);
	assert_int_equal(wg_flow_parse("[", 1, NULL, &f, NULL, 0), WG_EBADREQ);
	char err[64];
	assert_int_equal(wg_flow_parse("[", 1, NULL, &f, err, sizeof err), WG_EBADREQ);
	assert_memory_equal(err, "(flow): line 1", 14);
	/* A message too long for err is cut, never overrun. */
	char tiny[12];
	const char *bad = json(edit(minimal, "'to': 'done'", "'to': 'gone'"));
	assert_int_equal(wg_flow_parse(bad, strlen(bad), "t.json", &f, tiny, sizeof tiny), WG_EVALIDATION);
	assert_string_equal(tiny, "t.json: act");
}

/* Too many states, actions or clocks. */
static void test_limits(void **unused)
{
	(void)unused;
	static char text[32768];
	static const struct {
		const char *anchor, *item, *want;
		int count;
	} t[] = {
		{"'states': {", "'s%d': {'label': 'S', 'label_en': 'S', 'terminal': true}, ",
	         "states: more than 32 states", 32},
		{"'actions': {",
	         "'a%d': {'label': 'A', 'label_en': 'A', 'from': ['open'], 'roles': ['leader'],"
	         " 'scope': 'any'}, ",
	         "actions: more than 48 actions", 48},
		{"'clocks': {", "'c%d': {'label': 'C', 'label_en': 'C', 'deadline': 'category'}, ",
	         "clocks: more than 32 clocks", 32},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char items[24576] = "";
		size_t used = strlen(t[i].anchor);
		memcpy(items, t[i].anchor, used + 1);
		for (int k = 0; k < t[i].count; k++) {
			int n = snprintf(items + used, sizeof items - used, t[i].item, k);
			assert_true(n > 0 && (size_t)n < sizeof items - used);
			used += (size_t)n;
		}
		snprintf(text, sizeof text, "%s", json(edit(minimal, t[i].anchor, items)));
		wg_flow *f = NULL;
		char err[512] = "";
		assert_int_equal(wg_flow_parse(text, strlen(text), "t.json", &f, err, sizeof err),
		                 WG_EVALIDATION);
		if (!strstr(err, t[i].want))
			fail_msg("case %zu: '%s'", i, err);
	}
}

/* Edits that must still pass, with what they must give. */
static void test_good_edits(void **unused)
{
	(void)unused;
	wg_flow *f = parse_ok(json(minimal));
	assert_int_equal(f->self_resolved, -1);
	assert_int_equal(f->self_resolved_sampled, -1);
	const wg_flow_field *note = &f->actions[0].fields[0];
	assert_int_equal(note->min, 1);
	assert_int_equal(note->max, 500);
	assert_false(note->required);
	assert_false(f->actions[0].public);
	assert_int_equal(f->actions[0].effects, 0);
	assert_int_equal(f->actions[0].notify, 0);
	assert_int_equal(f->actions[0].to_from[0], -2);
	assert_int_equal(f->clocks[0].deadline.source, WG_FLOW_FIXED);
	assert_int_equal(f->clocks[0].deadline.unit, WG_FLOW_WORKING_DAYS);
	assert_int_equal(f->clocks[0].deadline.amount, 2);
	assert_int_equal(f->states[0].clock_source[WG_FLOW_SOURCE_CAMERA], 0);
	wg_flow_free(f);

	static const struct {
		const char *from, *to;
	} t[] = {
		{"'label': '待办'",
	         "'label': '一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二'"},
		{"'finish': {", "'f_23456789012345678901234567890': {"},
		{"'to': 'done'", "'to': 'done', 'public': true, 'notify': ['reporter', 'above']"},
		{"'max': 500}", "'max': 20000}"},
		{"'type': 'text', 'max': 500",
	         "'type': 'int', 'min': -9007199254740991, 'max': 9007199254740991"},
		{"'type': 'text', 'max': 500", "'type': 'enum', 'values': ['a']"},
		{"'type': 'text', 'max': 500", "'type': 'case', 'required': true"},
		/* hours then days: different units, not compared */
		{"'do': 'yellow'}]",
	         "'do': 'yellow'}, {'after': {'working_hours': 8}, 'do': 'red', 'up': 2},"
	         " {'after': {'working_days': 1}, 'do': 'escalate'},"
	         " {'after': {'setting': 'cases.review_days', 'unit': 'working_days'}, 'do': 'escalate'}]"},
		{"'steps': [{'after': {'working_hours': 0}, 'do': 'yellow'}]", "'steps': []"},
		{"'deadline': {'working_days': 2}", "'deadline': 'category'"},
		{"'deadline': {'working_days': 2}", "'deadline': {'working_hours': 2920}"},
		{"'deadline': {'working_days': 2}",
	         "'deadline': {'setting': 'cases.accept_hours', 'unit': 'working_hours'}"},
		{"'clock': 'work'}",
	         "'clock': 'work', 'clock_by_source': {'grid': 'work', 'window': 'work'}}"},
		{"'initial': 'open',",
	         "'initial': 'open', 'self_resolved': {'state': 'done', 'sampled_state': 'open'},"},
		{"'to': 'done',", "'to': 'done', 'to_from': {'open': 'done'},"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *text = json(edit(minimal, t[i].from, t[i].to));
		char err[512] = "";
		f = NULL;
		int rc = wg_flow_parse(text, strlen(text), "t.json", &f, err, sizeof err);
		if (rc != 0)
			fail_msg("case %zu: rc %d: %s", i, rc, err);
		wg_flow_free(f);
	}
}

/* Targets through to_from, to_if and null, and reachability through them
 * and through self_resolved. */
static void test_targets(void **unused)
{
	(void)unused;
	const char *text = json(
		"{'kind': 'dispute', 'number_prefix': 'MD', 'initial': 'a', 'report_roles': ['mediator'],"
		" 'self_resolved': {'state': 'z', 'sampled_state': 's'},"
		" 'states': {'a': {'label': 'A', 'label_en': 'A'}, 'b': {'label': 'B', 'label_en': 'B'},"
		"  'c': {'label': 'C', 'label_en': 'C', 'clock': 'k', 'clock_by_source': {'citizen': 'q'}},"
		"  's': {'label': 'S', 'label_en': 'S'},"
		"  'x': {'label': 'X', 'label_en': 'X', 'terminal': true}, 'z': {'label': 'Z', 'label_en': "
		"'Z', "
		"'terminal': true}},"
		" 'actions': {"
		"  'go': {'label': 'G', 'label_en': 'G', 'from': ['a', 'b', 's'], 'to': 'b', 'to_from': "
		"{'b': 'x', 's': 'z'},"
		"   'roles': ['mediator'], 'scope': 'handler'},"
		"  'rate': {'label': 'R', 'label_en': 'R', 'from': ['b'], 'to': null, 'to_if': "
		"{'dissatisfied': 'c'},"
		"   'roles': ['centre_operator'], 'scope': 'area', 'effects': ['rate'],"
		"   'fields': {'satisfaction': {'type': 'int', 'required': true, 'min': 2, 'max': 4}}},"
		"  'end': {'label': 'E', 'label_en': 'E', 'from': ['c'], 'to': 'x', 'roles': ['leader'], "
		"'scope': 'any'}},"
		" 'clocks': {'k': {'label': 'K', 'label_en': 'K', 'deadline': {'working_hours': 1}},"
		"  'q': {'label': 'Q', 'label_en': 'Q', 'deadline': {'working_hours': 2}}}}");
	wg_flow *f = parse_ok(text);
	const wg_flow_action *go = wg_flow_action_find(f, "go"), *rate = wg_flow_action_find(f, "rate");
	int a = state(f, "a"), b = state(f, "b"), c = state(f, "c"), s = state(f, "s"), x = state(f, "x");
	assert_int_equal(wg_flow_target(go, a, false), b);
	assert_int_equal(wg_flow_target(go, b, false), x);
	assert_int_equal(wg_flow_target(go, s, true), state(f, "z"));
	assert_int_equal(wg_flow_target(go, -1, false), b);
	assert_int_equal(wg_flow_target(rate, b, false), -1);
	assert_int_equal(wg_flow_target(rate, b, true), c);
	assert_int_equal(rate->to_if_state, c);
	assert_string_equal(wg_flow_state_clock(f, c, "citizen")->name, "q");
	assert_string_equal(wg_flow_state_clock(f, c, "camera")->name, "k");
	assert_int_equal(f->states[c].clock_citizen, wg_flow_clock_index(f, "q"));
	assert_null(wg_flow_state_clock(f, a, "citizen"));
	wg_flow_free(f);
}

/* Every allocation of a parse fails in turn: WG_ENOMEM with its message,
 * nothing leaked (the sanitizer checks), until the parse succeeds. */
static void test_parse_out_of_memory(void **unused)
{
	(void)unused;
	size_t len;
	char *text = read_all(EVENT_JSON, &len);
	wg_flow *f = NULL;
	wg_alloc_fail_at(0);
	assert_int_equal(wg_flow_parse(text, len, "flows/event.json", &f, NULL, 0), 0);
	unsigned long total = wg_alloc_count();
	wg_flow_free(f);
	/* The flow, its file name and the values of the three enum fields. */
	assert_int_equal(total, 5);
	for (unsigned long n = 1; n <= total + 1; n++) {
		char err[256] = "";
		f = NULL;
		wg_alloc_fail_at(n);
		int rc = wg_flow_parse(text, len, "flows/event.json", &f, err, sizeof err);
		wg_alloc_fail_at(0);
		if (n <= total ? rc != WG_ENOMEM || f || strcmp(err, "flows/event.json: out of memory") != 0
		               : rc != 0)
			fail_msg("allocation %lu: rc %d: %s", n, rc, err);
		wg_flow_free(f);
	}

	/* jansson's own allocations do not go through wg_malloc, and a failed
	 * one often reads as a syntax error; but one that leaves no message at
	 * all (the first, for its lexer's buffer) is reported as memory. */
	json_set_alloc_funcs(wg_malloc, wg_free);
	wg_alloc_fail_at(1);
	char err[256] = "";
	int rc = wg_flow_parse(text, len, "flows/event.json", &f, err, sizeof err);
	wg_alloc_fail_at(0);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(rc, WG_ENOMEM);
	assert_string_equal(err, "flows/event.json: out of memory");
	assert_null(f);
	free(text);
}

/* ---- folders of flows ------------------------------------------------------------ */

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

static const char *fresh_dir(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof path, "%s/%s", wg_test_dir(), name);
	assert_int_equal(mkdir(path, 0700), 0);
	return path;
}

static const char *petition(void)
{
	static char text[8192];
	snprintf(text, sizeof text, "%s",
	         json(edit(edit(minimal, "'kind': 'event'", "'kind': 'petition'"), "'SJ'", "'XF'")));
	return text;
}

static void test_load_dir(void **unused)
{
	(void)unused;
	size_t len;
	char *event = read_all(EVENT_JSON, &len);
	char *copy = malloc(len + 1);
	memcpy(copy, event, len);
	copy[len] = '\0';
	char err[512] = "";

	const char *good = fresh_dir("good");
	put(good, "event.json", copy);
	put(good, "petition.json", petition());
	put(good, ".petition.json", "not even JSON");
	put(good, "README.md", "not a flow");
	put(good, "json", "no suffix");
	assert_int_equal(wg_flow_load_dir(good, err, sizeof err), 0);
	assert_string_equal(err, "");
	const wg_flow *e = wg_flow_get("event");
	assert_non_null(e);
	assert_int_equal(e->nstates, 14);
	char want[1100];
	snprintf(want, sizeof want, "%s/event.json", good);
	assert_string_equal(e->file, want);
	assert_string_equal(wg_flow_get("petition")->number_prefix, "XF");
	assert_null(wg_flow_get("dispute"));
	assert_null(wg_flow_get("nonsense"));
	assert_null(wg_flow_get(NULL));

	/* Each failure names its file and leaves the loaded flows in force. */
	static const struct {
		const char *dir, *name1, *text1, *name2, *text2;
		int rc;
		const char *want; /* after "DIR" */
	} t[] = {
		{"twice", "a.json", NULL, "b.json", NULL, WG_EVALIDATION,
	         "/b.json: kind: \"event\" is also the kind of "},
		{"prefix", "a.json", NULL, "b.json", "prefix", WG_EVALIDATION,
	         "/b.json: number_prefix: \"SJ\" is also that of "},
		{"broken", "a.json", NULL, "b.json", "{\"kind\": ", WG_EBADREQ, "/b.json: line 1 column"},
		{"invalid", "a.json", "{}", NULL, NULL, WG_EVALIDATION, "/a.json: kind: missing"},
		{"empty", NULL, NULL, NULL, NULL, WG_EVALIDATION, ": no flow files (*.json)"},
		{"subdir", "a.json", NULL, "b.json", "dir", WG_EIO, "/b.json: not a regular file"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *dir = fresh_dir(t[i].dir);
		char dirname[1024];
		snprintf(dirname, sizeof dirname, "%s", dir);
		const char *names[2] = {t[i].name1, t[i].name2}, *texts[2] = {t[i].text1, t[i].text2};
		for (size_t k = 0; k < 2; k++) {
			if (!names[k])
				continue;
			const char *text = texts[k] ? texts[k] : json(minimal);
			if (texts[k] && strcmp(texts[k], "prefix") == 0)
				text = json(edit(minimal, "'kind': 'event'", "'kind': 'dispute'"));
			if (texts[k] && strcmp(texts[k], "dir") == 0) {
				char sub[1100];
				snprintf(sub, sizeof sub, "%s/%s", dirname, names[k]);
				assert_int_equal(mkdir(sub, 0700), 0);
				continue;
			}
			put(dirname, names[k], text);
		}
		err[0] = '\0';
		int rc = wg_flow_load_dir(dirname, err, sizeof err);
		snprintf(want, sizeof want, "%s%s", dirname, t[i].want);
		if (rc != t[i].rc || strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: rc %d, '%s' does not start '%s'", i, rc, err, want);
		assert_ptr_equal(wg_flow_get("event"), e);
	}

	snprintf(want, sizeof want, "%s/missing", wg_test_dir());
	assert_int_equal(wg_flow_load_dir(want, err, sizeof err), WG_EIO);
	assert_non_null(strstr(err, "missing: No such file or directory"));
	assert_int_equal(wg_flow_load_dir(want, NULL, 0), WG_EIO);
	assert_ptr_equal(wg_flow_get("event"), e);

	/* A second load replaces the first. */
	const char *other = fresh_dir("other");
	put(other, "p.json", petition());
	assert_int_equal(wg_flow_load_dir(other, err, sizeof err), 0);
	assert_null(wg_flow_get("event"));
	assert_non_null(wg_flow_get("petition"));
	wg_flow_unload();
	assert_null(wg_flow_get("petition"));
	wg_flow_unload();
	free(copy);
	free(event);
}

/* The real flows: the dispute flow, and petitions on the event loop. */
static void test_real_flows(void **unused)
{
	(void)unused;
	char err[512] = "";
	if (wg_flow_load_dir(WG_SOURCE_ROOT "/flows", err, sizeof err) != 0)
		fail_msg("flows/: %s", err);
	const wg_flow *e = wg_flow_get("event"), *d = wg_flow_get("dispute"), *p = wg_flow_get("petition");
	assert_non_null(e);
	assert_non_null(d);
	assert_non_null(p);
	assert_string_equal(d->number_prefix, "JF");
	assert_string_equal(p->number_prefix, "XF");
	/* The petition is the event loop, reported by the window and the
	 * departments (grid staff, who alone self-resolve, do not). */
	assert_int_equal(p->nstates, e->nstates);
	assert_int_equal(p->nactions, e->nactions);
	assert_false(p->report_roles & WG_ROLE_GRID_WORKER);
	assert_true(p->report_roles & WG_ROLE_CENTRE_OPERATOR);
	/* A failed mediation climbs, and at the ladder's end is referred. */
	const wg_flow_action *fail = wg_flow_action_find(d, "fail");
	assert_non_null(fail);
	assert_true(fail->effects & WG_FLOW_EFFECT_FAIL);
	int mediating = wg_flow_state_index(d, "mediating");
	assert_int_equal(wg_flow_target(fail, mediating, false), wg_flow_state_index(d, "assessed"));
	assert_int_equal(wg_flow_target(fail, mediating, true), wg_flow_state_index(d, "referred"));
	assert_int_equal(wg_flow_action_find(d, "assign")->scope, WG_FLOW_SCOPE_CENTRE);
	assert_int_equal(wg_flow_action_find(d, "agree")->scope, WG_FLOW_SCOPE_MEDIATOR);
	/* Family call-backs go on in a terminal state, leaving it as it is. */
	const wg_flow_action *visit = wg_flow_action_find(d, "family_visit");
	int archived = wg_flow_state_index(d, "archived");
	assert_true(d->states[archived].terminal);
	assert_true(visit->from & (1u << archived));
	assert_int_equal(wg_flow_target(visit, archived, false), -1);
	wg_flow_unload();
}

/* A flow file with a base: the base's document with the file's members. */
static void test_base(void **unused)
{
	(void)unused;
	char err[512] = "";
	const char *event = json(minimal);
	static const struct {
		const char *dir, *text;
		int rc;
		const char *want; /* in err; NULL: loads */
	} t[] = {
		{"base-ok", "{\"base\": \"event\", \"kind\": \"petition\", \"number_prefix\": \"XF\"}", 0,
	         NULL},
		{"base-null",
	         "{\"base\": \"event\", \"kind\": \"petition\", \"number_prefix\": \"XF\", "
	         "\"report_roles\": null}",
	         WG_EVALIDATION, "report_roles: missing"},
		{"base-unknown", "{\"base\": \"dispute\", \"kind\": \"petition\", \"number_prefix\": \"XF\"}",
	         WG_EVALIDATION, "base: must name the kind of a flow file without a base"},
		{"base-kind", "{\"base\": \"event\", \"number_prefix\": \"XF\"}", WG_EVALIDATION,
	         "kind: \"event\" is also the kind of"},
		{"base-bad",
	         "{\"base\": \"event\", \"kind\": \"petition\", \"number_prefix\": \"XF\", "
	         "\"initial\": \"nowhere\"}",
	         WG_EVALIDATION, "initial: unknown state"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *dir = fresh_dir(t[i].dir);
		put(dir, "event.json", event);
		put(dir, "a-petition.json",
		    t[i].text); /* before event.json by name: a base loads first anyway */
		err[0] = '\0';
		int rc = wg_flow_load_dir(dir, err, sizeof err);
		if (rc != t[i].rc || (t[i].want && !strstr(err, t[i].want)))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, err, t[i].want ? t[i].want : "");
		if (!rc) {
			const wg_flow *p = wg_flow_get("petition");
			assert_non_null(p);
			assert_string_equal(p->number_prefix, "XF");
			assert_int_equal(p->nstates, 2);
			assert_non_null(wg_flow_get("event"));
		}
	}
	wg_flow_unload();
}

static void test_load_dir_out_of_memory(void **unused)
{
	(void)unused;
	const char *dir = fresh_dir("oom");
	put(dir, "petition.json", petition());
	put(dir, "event.json", json(edit(minimal, "'SJ'", "'EV'")));
	int rc = WG_ENOMEM;
	for (unsigned long n = 1; rc == WG_ENOMEM; n++) {
		char err[512] = "";
		wg_alloc_fail_at(n);
		rc = wg_flow_load_dir(dir, err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == WG_ENOMEM) {
			assert_non_null(strstr(err, "out of memory"));
			assert_null(wg_flow_get("event"));
		} else if (rc != 0) {
			fail_msg("allocation %lu: rc %d: %s", n, rc, err);
		}
	}
	assert_non_null(wg_flow_get("event"));
	assert_non_null(wg_flow_get("petition"));
	wg_flow_unload();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_loads),
		cmocka_unit_test(test_event_clocks),
		cmocka_unit_test(test_event_transitions),
		cmocka_unit_test(test_event_actions),
		cmocka_unit_test(test_bad_flows),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_good_edits),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_parse_out_of_memory),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_load_dir_out_of_memory),
		cmocka_unit_test(test_real_flows),
		cmocka_unit_test(test_base),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
