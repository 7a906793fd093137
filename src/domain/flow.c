/* flow.c - loading and validating the case flow files (see flow.h).
 *
 * Everything a flow may say is checked here once, at start, so that
 * domain/case.c can trust the tables: a broken file stops the server with
 * the file, the JSON path and the reason of the first problem found.
 *
 * The readers are layered: members of an object (only), typed getters of
 * one member (get_bool, get_int, get_label, get_choice, get_set) built on
 * converters of one value (name_of, choice_of, state_of, clock_of,
 * duration_of), and a walker over name-keyed objects (each_entry) that the
 * states, actions, clocks, fields, clock_by_source and to_from share. What
 * differs between field types and between effects is data: field_rules
 * and effect_rules. */
#include "domain/flow.h"

#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/category.h"
#include "domain/role.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_LEN 200                  /* a JSON path in a message; longer ones are cut */
#define FILE_MAX (1024L * 1024)       /* bytes of one flow file: the real ones are ~15 KB */
#define LIST_LEN 256                  /* "a, b, c" lists of allowed names in messages: all fit */
#define JS_INT_MAX 9007199254740991LL /* 2^53 - 1: the web app's numbers are exact up to here */

/* ---- names ------------------------------------------------------------------ */

#define WG__FLOW_NAME(name, str) str,
static const char *const effect_names[WG_FLOW_EFFECT_COUNT] = {WG_FLOW_EFFECT_MAP(WG__FLOW_NAME)};
static const char *const audience_names[WG_FLOW_AUDIENCE_COUNT] = {WG_FLOW_AUDIENCE_MAP(WG__FLOW_NAME)};
static const char *const source_names[WG_FLOW_SOURCE_COUNT] = {WG_FLOW_SOURCE_MAP(WG__FLOW_NAME)};
#undef WG__FLOW_NAME

static const char *const scope_names[WG_FLOW_SCOPE_COUNT] = {
	[WG_FLOW_SCOPE_AREA] = "area",
	[WG_FLOW_SCOPE_CENTRE] = "centre",
	[WG_FLOW_SCOPE_DEPARTMENT] = "department",
	[WG_FLOW_SCOPE_HANDLER] = "handler",
	[WG_FLOW_SCOPE_SUMMONED] = "summoned",
	[WG_FLOW_SCOPE_MEDIATOR] = "mediator",
	[WG_FLOW_SCOPE_ANY] = "any",
};
#define COUNT(a) (sizeof(a) / sizeof(a)[0])

static const char *const kind_names[] = {"event", "dispute", "petition"};
#define KIND_COUNT COUNT(kind_names)
static const char *const step_names[] = {
	[WG_FLOW_STEP_YELLOW] = "yellow",
	[WG_FLOW_STEP_RED] = "red",
	[WG_FLOW_STEP_ESCALATE] = "escalate",
};
static const char *const unit_names[] = {
	[WG_FLOW_WORKING_HOURS] = "working_hours",
	[WG_FLOW_WORKING_DAYS] = "working_days",
};

/* A to_if condition, and the effect (its index) that gives case.c what it
 * decides on. */
static const char *const condition_names[WG_FLOW_COND_COUNT] = {
	[WG_FLOW_COND_DISSATISFIED] = "dissatisfied",
	[WG_FLOW_COND_LADDER_END] = "ladder_end",
};
static const int condition_effects[WG_FLOW_COND_COUNT] = {
	[WG_FLOW_COND_DISSATISFIED] = WG_FLOW_EFFECT_INDEX_RATE,
	[WG_FLOW_COND_LADDER_END] = WG_FLOW_EFFECT_INDEX_FAIL,
};

static const char *const type_names[WG_FLOW_FIELD_TYPE_COUNT] = {
	[WG_FLOW_STRING] = "string",
	[WG_FLOW_TEXT] = "text",
	[WG_FLOW_INT] = "int",
	[WG_FLOW_BOOL] = "bool",
	[WG_FLOW_ENUM] = "enum",
	[WG_FLOW_TIME] = "time",
	[WG_FLOW_DEPARTMENT] = "department",
	[WG_FLOW_DEPARTMENTS] = "departments",
	[WG_FLOW_CATEGORY] = "category",
	[WG_FLOW_CASE] = "case",
	[WG_FLOW_ATTACHMENTS] = "attachments",
};

/* What min and max mean for each field type: lengths in characters,
 * values, or list lengths; the types not listed take neither. */
static const struct field_rule {
	bool sized;           /* takes min and max */
	bool bounds_required; /* ...and must give both */
	int64_t def_min, def_max;
	int64_t lo, hi; /* where min and max may lie */
} field_rules[WG_FLOW_FIELD_TYPE_COUNT] = {
	[WG_FLOW_STRING] = {true, false, 1, 200, 1, 1000},
	[WG_FLOW_TEXT] = {true, false, 1, 2000, 1, WG_FLOW_TEXT_MAX},
	[WG_FLOW_INT] = {true, true, 0, 0, -JS_INT_MAX, JS_INT_MAX},
	[WG_FLOW_DEPARTMENTS] = {true, false, 1, 10, 1, 10},
	[WG_FLOW_ATTACHMENTS] = {true, false, 1, 9, 1, 9},
};

/* The fields an effect reads (flow.h). A field named here must have this
 * type when the action declares it; a needed one must be declared, and
 * required. Enum values must lie within what the cases table accepts. */
typedef struct effect_field {
	const char *name;
	enum wg_flow_field_type type;
	bool needed;
	int64_t lo, hi;            /* INT: min and max must lie within */
	const char *const *values; /* ENUM: NULL-ended */
} effect_field;

static const char *const priorities[] = {"normal", "urgent", NULL};
static const char *const levels[] = {"grid", "village", "town", "county", NULL};
static const char *const colours[] = {"yellow", "red", NULL};
static const char *const risks[] = {"red", "yellow", "blue", NULL};
static const char *const family_levels[] = {"safe", "micro", "low", "medium", "high", NULL};
static const char *const judicial_results[] = {"confirmed", "refused", NULL};

#define EFFECT_FIELDS_MAX 4
#define E(name) [WG_FLOW_EFFECT_INDEX_##name]
static const effect_field effect_rules[WG_FLOW_EFFECT_COUNT][EFFECT_FIELDS_MAX] = {
	E(ASSESS) = {{"category", WG_FLOW_CATEGORY},
                     {"priority", WG_FLOW_ENUM, .values = priorities},
                     {"level", WG_FLOW_ENUM, .values = levels}},
	E(DISPATCH) = {{"department", WG_FLOW_DEPARTMENT},
                       {"co_departments", WG_FLOW_DEPARTMENTS},
                       {"deadline", WG_FLOW_TIME},
                       {"reason", WG_FLOW_TEXT}},
	E(EXTEND_REQUEST) = {{"deadline", WG_FLOW_TIME, true}},
	E(FEEDBACK) = {{"result", WG_FLOW_TEXT, true}, {"photos", WG_FLOW_ATTACHMENTS}},
	E(RATE) = {{"satisfaction", WG_FLOW_INT, true, 1, 5}},
	E(SUPERVISE) = {{"colour", WG_FLOW_ENUM, true, .values = colours}},
	/* A summons is answered within hours: at most a month of them. */
	E(SUMMON) = {{"departments", WG_FLOW_DEPARTMENTS, true}, {"hours", WG_FLOW_INT, true, 1, 720}},
	E(MERGE) = {{"master", WG_FLOW_CASE, true}},
	E(RISK) = {{"risk", WG_FLOW_ENUM, true, .values = risks}},
	E(TRIAGE) = {{"tier", WG_FLOW_ENUM, true, .values = levels}},
	E(FAMILY) = {{"family_level", WG_FLOW_ENUM, .values = family_levels}},
	/* Ids of the registries (domain/mediation.h). */
	E(MEDIATE) = {{"body", WG_FLOW_INT, true, 1, JS_INT_MAX},
                      {"mediator", WG_FLOW_INT, true, 1, JS_INT_MAX}},
	E(SESSION) = {{"at", WG_FLOW_TIME, true},
                      {"place", WG_FLOW_STRING},
                      {"online", WG_FLOW_BOOL},
                      {"attendees", WG_FLOW_TEXT}},
	E(MINUTES) = {{"session", WG_FLOW_INT, true, 1, JS_INT_MAX}, {"minutes", WG_FLOW_TEXT, true}},
	E(AGREE) = {{"terms", WG_FLOW_TEXT, true}, {"documents", WG_FLOW_ATTACHMENTS}},
	E(FAIL) = {{"reason", WG_FLOW_TEXT, true}},
	E(JUDICIAL_REQUEST) = {{"court", WG_FLOW_STRING, true}},
	E(JUDICIAL_RECORD) = {{"result", WG_FLOW_ENUM, true, .values = judicial_results},
                              {"ruling", WG_FLOW_STRING}},
};
#undef E

/* n names, some NULL, or with n UNTIL_NULL all up to the first NULL. */
#define UNTIL_NULL SIZE_MAX

static int find_name(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n && (n != UNTIL_NULL || names[i]); i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* names (as find_name takes them) joined by ", " into buf, for "one of"
 * messages. */
static const char *joined(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && (n != UNTIL_NULL || names[i]); i++) {
		if (!names[i] || used >= len)
			continue;
		int k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i]);
		used += k > 0 ? (size_t)k : 0;
	}
	return buf;
}

/* ---- paths and messages --------------------------------------------------------- */

typedef struct jpath {
	char s[PATH_LEN];
} jpath;

/* A path too long for PATH_LEN (only in a hostile file) ends in "...". */
static jpath ellipsis_if(jpath p, int n)
{
	if (n >= (int)sizeof p.s)
		memcpy(p.s + sizeof p.s - 4, "...", 4);
	return p;
}

static jpath sub(const char *base, const char *member)
{
	jpath p;
	int n = snprintf(p.s, sizeof p.s, "%s%s%s", base, base[0] ? "." : "", member);
	return ellipsis_if(p, n);
}

static jpath item(const char *base, size_t i)
{
	jpath p;
	int n = snprintf(p.s, sizeof p.s, "%s[%zu]", base, i);
	return ellipsis_if(p, n);
}

typedef struct parser {
	wg_flow *f;
	wg_flow_state *state;   /* whose clock_by_source is read */
	wg_flow_action *action; /* whose to_from, to_if or fields are read */
	char *err;
	size_t errlen;
} parser;

static int fail(const parser *p, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "FILE: PATH: reason" (no PATH for the document) in err; WG_EVALIDATION. */
static int fail(const parser *p, const char *at, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return WG_EVALIDATION;
	int n = snprintf(p->err, p->errlen, "%s: %s%s", p->f->file, at, at[0] ? ": " : "");
	if (n >= 0 && (size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return WG_EVALIDATION;
}

/* ---- one value ------------------------------------------------------------------ */

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= WG_FLOW_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* C0, DEL and C1 (U+0080..U+009F, encoded C2 80..C2 9F); s is UTF-8. */
static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0))
			return true;
	}
	return false;
}

static int name_of(const parser *p, const char *at, const json_t *v, const char **out)
{
	if (!json_is_string(v))
		return fail(p, at, "must be a name (a string)");
	if (!name_ok(json_string_value(v)))
		return fail(p, at, "\"%s\" is not a name: [a-z][a-z0-9_]*, at most %d bytes",
		            json_string_value(v), WG_FLOW_NAME_MAX - 1);
	*out = json_string_value(v);
	return 0;
}

/* s (NULL: not a string) as the index of one of names; noun says what it
 * is in messages. */
static int choice_of(const parser *p, const char *at, const char *s, const char *noun,
                     const char *const *names, size_t n, int *out)
{
	char list[LIST_LEN];
	int i = find_name(names, n, s);
	if (i < 0 && !s)
		return fail(p, at, "must be a %s: %s", noun, joined(list, sizeof list, names, n));
	if (i < 0)
		return fail(p, at, "unknown %s \"%s\" (%s)", noun, s, joined(list, sizeof list, names, n));
	*out = i;
	return 0;
}

static int state_of(const parser *p, const char *at, const json_t *v, int *out)
{
	if (!json_is_string(v))
		return fail(p, at, "must be the name of a state");
	*out = wg_flow_state_index(p->f, json_string_value(v));
	return *out < 0 ? fail(p, at, "unknown state \"%s\"", json_string_value(v)) : 0;
}

static int clock_of(const parser *p, const char *at, const json_t *v, int *out)
{
	if (!json_is_string(v))
		return fail(p, at, "must be the name of a clock");
	*out = wg_flow_clock_index(p->f, json_string_value(v));
	return *out < 0 ? fail(p, at, "unknown clock \"%s\"", json_string_value(v)) : 0;
}

static bool int_setting(const char *name)
{
	wg_setting_info info;
	for (size_t i = 0; wg_config_info(i, &info); i++)
		if (strcmp(info.name, name) == 0)
			return strcmp(info.type, "integer") == 0;
	return false;
}

/* ---- one member ------------------------------------------------------------------ */

/* obj must be an object whose members are all among known (NULL-ended). */
static int only(const parser *p, const json_t *obj, const char *at, const char *const *known)
{
	char list[LIST_LEN];
	if (!json_is_object(obj))
		return fail(p, at[0] ? at : "(document)", "must be an object");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		if (find_name(known, UNTIL_NULL, key) < 0)
			return fail(p, sub(at, key).s, "unknown member (%s)",
			            joined(list, sizeof list, known, UNTIL_NULL));
	}
	return 0;
}

/* The member name of obj in *out, NULL when absent (an error if required). */
static int get(const parser *p, const json_t *obj, const char *at, const char *name, bool required,
               json_t **out)
{
	*out = json_object_get(obj, name);
	return !*out && required ? fail(p, sub(at, name).s, "missing") : 0;
}

/* A bool member; *out keeps its default when absent. */
static int get_bool(const parser *p, const json_t *obj, const char *at, const char *name, bool *out)
{
	json_t *v = json_object_get(obj, name);
	if (v && !json_is_boolean(v))
		return fail(p, sub(at, name).s, "must be true or false");
	if (v)
		*out = json_is_true(v);
	return 0;
}

/* A whole-number member within lo..hi; *out keeps its default when absent. */
static int get_int(const parser *p, const json_t *obj, const char *at, const char *name, bool required,
                   int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v;
	int rc = get(p, obj, at, name, required, &v);
	if (rc || !v)
		return rc;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(p, sub(at, name).s, "must be a whole number within %lld..%lld", (long long)lo,
		            (long long)hi);
	*out = json_integer_value(v);
	return 0;
}

static int get_label(const parser *p, const json_t *obj, const char *at, const char *name, const char **out)
{
	json_t *v;
	int rc = get(p, obj, at, name, true, &v);
	if (rc)
		return rc;
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	if (!s || n == 0 || strlen(s) != n || !wg_utf8_valid(s, n) || has_control(s, n) ||
	    wg_utf8_count(s, n) > WG_FLOW_LABEL_MAX)
		return fail(p, sub(at, name).s, "must be 1 to %d characters without control characters",
		            WG_FLOW_LABEL_MAX);
	*out = s;
	return 0;
}

/* label and label_en, which states, actions and clocks all have. */
static int get_labels(const parser *p, const json_t *obj, const char *at, const char **label, const char **en)
{
	int rc = get_label(p, obj, at, "label", label);
	return rc ? rc : get_label(p, obj, at, "label_en", en);
}

static int get_choice(const parser *p, const json_t *obj, const char *at, const char *name, bool required,
                      const char *noun, const char *const *names, size_t n, int *out)
{
	json_t *v;
	int rc = get(p, obj, at, name, required, &v);
	return rc || !v ? rc : choice_of(p, sub(at, name).s, json_string_value(v), noun, names, n, out);
}

/* What a list element names, as a bit of a set. */
typedef int (*bit_fn)(const parser *p, const char *at, const char *name, uint32_t *bit);

/* A member that is a list of distinct names, as the set of their bits;
 * required: present and not empty. */
static int get_set(const parser *p, const json_t *obj, const char *at, const char *name, bool required,
                   bit_fn fn, uint32_t *out)
{
	json_t *list;
	int rc = get(p, obj, at, name, required, &list);
	*out = 0;
	if (rc || !list)
		return rc;
	jpath here = sub(at, name);
	if (!json_is_array(list))
		return fail(p, here.s, "must be a list of names");
	if (required && json_array_size(list) == 0)
		return fail(p, here.s, "must not be empty");
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		jpath el = item(here.s, i);
		uint32_t bit = 0;
		if (!json_is_string(v))
			return fail(p, el.s, "must be a name (a string)");
		rc = fn(p, el.s, json_string_value(v), &bit);
		if (rc)
			return rc;
		if (*out & bit)
			return fail(p, el.s, "\"%s\" appears twice", json_string_value(v));
		*out |= bit;
	}
	return 0;
}

static int role_bit(const parser *p, const char *at, const char *name, uint32_t *bit)
{
	*bit = wg_role_parse(name);
	if (!*bit)
		return fail(p, at, "unknown role \"%s\"", name);
	if (*bit & WG_ROLES_ADMIN)
		return fail(p, at, "\"%s\" is an admin role, which takes no part in cases", name);
	return 0;
}

static int choice_bit(const parser *p, const char *at, const char *noun, const char *const *names, size_t n,
                      const char *name, uint32_t *bit)
{
	int i = 0;
	int rc = choice_of(p, at, name, noun, names, n, &i);
	*bit = rc ? 0 : 1u << i;
	return rc;
}

static int effect_bit(const parser *p, const char *at, const char *name, uint32_t *bit)
{
	return choice_bit(p, at, "effect", effect_names, WG_FLOW_EFFECT_COUNT, name, bit);
}

static int audience_bit(const parser *p, const char *at, const char *name, uint32_t *bit)
{
	return choice_bit(p, at, "audience", audience_names, WG_FLOW_AUDIENCE_COUNT, name, bit);
}

static int from_bit(const parser *p, const char *at, const char *name, uint32_t *bit)
{
	int s = wg_flow_state_index(p->f, name);
	if (s < 0)
		return fail(p, at, "unknown state \"%s\"", name);
	*bit = 1u << s;
	return 0;
}

/* The members of a name-keyed object (states, actions, fields...), each
 * key checked as a name and handed to fn with its path and position. */
typedef int (*entry_fn)(parser *p, const char *at, const char *key, const json_t *v, size_t i);

static int each_entry(parser *p, const json_t *obj, const char *at, size_t max, const char *noun, entry_fn fn)
{
	if (!json_is_object(obj))
		return fail(p, at, "must be an object of %s by name", noun);
	if (json_object_size(obj) > max)
		return fail(p, at, "more than %zu %s", max, noun);
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		jpath here = sub(at, key);
		if (!name_ok(key))
			return fail(p, here.s, "\"%s\" is not a name: [a-z][a-z0-9_]*, at most %d bytes", key,
			            WG_FLOW_NAME_MAX - 1);
		int rc = fn(p, here.s, key, v, i++);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- durations and clocks --------------------------------------------------------- */

static int setting_duration(const parser *p, const char *at, const json_t *v, wg_flow_duration *d)
{
	static const char *const known[] = {"setting", "unit", NULL};
	json_t *name = NULL;
	int unit = 0;
	int rc = only(p, v, at, known);
	if (!rc)
		rc = get(p, v, at, "setting", true, &name);
	const char *setting = rc ? NULL : json_string_value(name);
	jpath here = sub(at, "setting");
	if (!rc && !setting)
		rc = fail(p, here.s, "must be the name of a setting");
	if (!rc && !wg_config_exists(setting))
		rc = fail(p, here.s, "no setting \"%s\"", setting);
	if (!rc && !int_setting(setting))
		rc = fail(p, here.s, "setting \"%s\" is not an integer", setting);
	if (!rc)
		rc = get_choice(p, v, at, "unit", true, "unit", unit_names, COUNT(unit_names), &unit);
	if (!rc)
		*d = (wg_flow_duration){.source = WG_FLOW_SETTING, .unit = unit, .setting = setting};
	return rc;
}

/* A clock's deadline (is_deadline: may be "category", fixed ones at least
 * 1) or a step's "after" (fixed ones from 0). */
static int duration_of(const parser *p, const char *at, const json_t *v, bool is_deadline,
                       wg_flow_duration *d)
{
	static const char *const fixed[] = {"working_hours", "working_days", NULL};
	if (is_deadline && json_is_string(v) && strcmp(json_string_value(v), "category") == 0) {
		*d = (wg_flow_duration){.source = WG_FLOW_BY_CATEGORY};
		return 0;
	}
	if (!json_is_object(v))
		return fail(p, at,
		            "must be %s{\"working_hours\": N}, {\"working_days\": N} or {\"setting\": NAME, "
		            "\"unit\": UNIT}",
		            is_deadline ? "\"category\", " : "");
	if (json_object_get(v, "setting"))
		return setting_duration(p, at, v, d);
	int rc = only(p, v, at, fixed);
	if (!rc && json_object_size(v) != 1)
		rc = fail(p, at, "must have one member, working_hours or working_days");
	int unit = json_object_get(v, "working_days") ? WG_FLOW_WORKING_DAYS : WG_FLOW_WORKING_HOURS;
	int64_t amount = 0;
	if (!rc)
		rc = get_int(p, v, at, unit_names[unit], true, is_deadline ? 1 : 0,
		             unit == WG_FLOW_WORKING_DAYS ? WG_CATEGORY_DAYS_MAX : WG_CATEGORY_HOURS_MAX,
		             &amount);
	if (!rc)
		*d = (wg_flow_duration){.source = WG_FLOW_FIXED, .unit = unit, .amount = amount};
	return rc;
}

/* Whether a step whose "after" is b may follow one whose "after" is a: b
 * not earlier, where both are fixed and comparable (0 is 0 in any unit;
 * hours and days are not compared, a working day's hours being a
 * setting). */
static bool step_order_ok(const wg_flow_duration *a, const wg_flow_duration *b)
{
	if (a->source != WG_FLOW_FIXED || b->source != WG_FLOW_FIXED || a->amount == 0)
		return true;
	if (b->amount == 0)
		return false;
	return a->unit != b->unit || b->amount >= a->amount;
}

static int parse_step(const parser *p, const char *at, const json_t *v, wg_flow_step *s)
{
	static const char *const known[] = {"after", "do", "up", NULL};
	json_t *after = NULL;
	int kind = 0;
	int64_t up = 1;
	int rc = only(p, v, at, known);
	if (!rc)
		rc = get(p, v, at, "after", true, &after);
	if (!rc)
		rc = duration_of(p, sub(at, "after").s, after, false, &s->after);
	if (!rc)
		rc = get_choice(p, v, at, "do", true, "step", step_names, COUNT(step_names), &kind);
	if (!rc)
		rc = get_int(p, v, at, "up", false, 1, 2, &up);
	s->kind = (enum wg_flow_step_kind)kind;
	s->up = (int)up;
	return rc;
}

static int parse_steps(const parser *p, const json_t *obj, const char *at, wg_flow_clock *c)
{
	json_t *steps = json_object_get(obj, "steps");
	jpath here = sub(at, "steps");
	if (!steps)
		return 0;
	if (!json_is_array(steps) || json_array_size(steps) > WG_FLOW_STEPS_MAX)
		return fail(p, here.s, "must be a list of at most %d steps", WG_FLOW_STEPS_MAX);
	size_t i;
	json_t *v;
	json_array_foreach(steps, i, v) {
		jpath el = item(here.s, i);
		int rc = parse_step(p, el.s, v, &c->steps[i]);
		if (!rc && i > 0 && !step_order_ok(&c->steps[i - 1].after, &c->steps[i].after))
			rc = fail(p, sub(el.s, "after").s,
			          "earlier than that of step %zu: the steps must be in order", i - 1);
		if (rc)
			return rc;
		c->nsteps = i + 1;
	}
	return 0;
}

static int declare_clock(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	(void)at, (void)v;
	p->f->clocks[i].name = key;
	p->f->nclocks = i + 1;
	return 0;
}

static int parse_clock(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	static const char *const known[] = {"label", "label_en", "deadline", "warn_percent", "steps", NULL};
	wg_flow_clock *c = &p->f->clocks[i];
	json_t *deadline = NULL;
	int64_t warn = 0;
	(void)key;
	int rc = only(p, v, at, known);
	if (!rc)
		rc = get_labels(p, v, at, &c->label, &c->label_en);
	if (!rc)
		rc = get(p, v, at, "deadline", true, &deadline);
	if (!rc)
		rc = duration_of(p, sub(at, "deadline").s, deadline, true, &c->deadline);
	if (!rc)
		rc = get_int(p, v, at, "warn_percent", false, 0, 99, &warn);
	c->warn_percent = (int)warn;
	return rc ? rc : parse_steps(p, v, at, c);
}

/* ---- states ---------------------------------------------------------------------- */

static int declare_state(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	(void)at, (void)v;
	p->f->states[i].name = key;
	p->f->nstates = i + 1;
	return 0;
}

static int source_clock(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	char list[LIST_LEN];
	int src = find_name(source_names, WG_FLOW_SOURCE_COUNT, key);
	(void)i;
	if (src < 0)
		return fail(p, at, "unknown source \"%s\" (%s)", key,
		            joined(list, sizeof list, source_names, WG_FLOW_SOURCE_COUNT));
	return clock_of(p, at, v, &p->state->clock_source[src]);
}

static int parse_state(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	static const char *const known[] = {"label", "label_en",        "terminal",
	                                    "clock", "clock_by_source", NULL};
	wg_flow_state *s = &p->f->states[i];
	json_t *clock = NULL, *by_source = NULL;
	(void)key;
	s->clock = -1;
	int rc = only(p, v, at, known);
	if (!rc)
		rc = get_labels(p, v, at, &s->label, &s->label_en);
	if (!rc)
		rc = get_bool(p, v, at, "terminal", &s->terminal);
	if (!rc)
		rc = get(p, v, at, "clock", false, &clock);
	if (!rc && clock)
		rc = clock_of(p, sub(at, "clock").s, clock, &s->clock);
	if (!rc)
		rc = get(p, v, at, "clock_by_source", false, &by_source);
	if (!rc && s->terminal && (clock || by_source))
		rc = fail(p, sub(at, clock ? "clock" : "clock_by_source").s,
		          "a terminal state runs no clock");
	for (size_t src = 0; src < WG_FLOW_SOURCE_COUNT; src++)
		s->clock_source[src] = s->clock;
	p->state = s;
	if (!rc && by_source)
		rc = each_entry(p, by_source, sub(at, "clock_by_source").s, WG_FLOW_SOURCE_COUNT, "sources",
		                source_clock);
	s->clock_citizen = s->clock_source[WG_FLOW_SOURCE_CITIZEN];
	return rc;
}

/* ---- fields ---------------------------------------------------------------------- */

static int field_bounds(const parser *p, const char *at, const json_t *v, wg_flow_field *fl)
{
	static const char *const bounds[] = {"min", "max"};
	const struct field_rule *r = &field_rules[fl->type];
	fl->min = r->def_min;
	fl->max = r->def_max;
	for (size_t i = 0; i < COUNT(bounds); i++) {
		bool given = json_object_get(v, bounds[i]) != NULL;
		if (given && !r->sized)
			return fail(p, sub(at, bounds[i]).s, "a field of type %s has no %s",
			            type_names[fl->type], bounds[i]);
		if (!given && r->bounds_required)
			return fail(p, sub(at, bounds[i]).s, "missing: a field of type %s needs min and max",
			            type_names[fl->type]);
	}
	if (!r->sized)
		return 0;
	int rc = get_int(p, v, at, "min", false, r->lo, r->hi, &fl->min);
	if (!rc)
		rc = get_int(p, v, at, "max", false, r->lo, r->hi, &fl->max);
	if (!rc && fl->min > fl->max)
		rc = fail(p, at, "min %lld is greater than max %lld", (long long)fl->min, (long long)fl->max);
	return rc;
}

/* An enum field's values: 1..WG_FLOW_VALUES_MAX distinct names, in an
 * array of the field's own (freed by wg_flow_free). */
static int field_values(const parser *p, const char *at, const json_t *v, wg_flow_field *fl)
{
	json_t *values = json_object_get(v, "values");
	jpath here = sub(at, "values");
	if (fl->type != WG_FLOW_ENUM)
		return values ? fail(p, here.s, "only an enum field has values") : 0;
	if (!values)
		return fail(p, here.s, "missing: an enum field needs its values");
	size_t n = json_is_array(values) ? json_array_size(values) : 0;
	if (n == 0 || n > WG_FLOW_VALUES_MAX)
		return fail(p, here.s, "must be a list of 1 to %d names", WG_FLOW_VALUES_MAX);
	const char **list = wg_calloc(n, sizeof *list);
	if (!list)
		return WG_ENOMEM;
	fl->values = list;
	for (size_t i = 0; i < n; i++) {
		jpath el = item(here.s, i);
		int rc = name_of(p, el.s, json_array_get(values, i), &list[i]);
		if (!rc && find_name(list, i, list[i]) >= 0)
			rc = fail(p, el.s, "\"%s\" appears twice", list[i]);
		if (rc)
			return rc;
		fl->nvalues = i + 1;
	}
	return 0;
}

static int parse_field(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	static const char *const known[] = {"type", "required", "min", "max", "values", NULL};
	wg_flow_field *fl = &p->action->fields[i];
	int type = 0;
	fl->name = key;
	p->action->nfields = i + 1;
	int rc = only(p, v, at, known);
	if (!rc)
		rc = get_choice(p, v, at, "type", true, "field type", type_names, WG_FLOW_FIELD_TYPE_COUNT,
		                &type);
	fl->type = (enum wg_flow_field_type)type;
	if (!rc)
		rc = get_bool(p, v, at, "required", &fl->required);
	if (!rc)
		rc = field_bounds(p, at, v, fl);
	return rc ? rc : field_values(p, at, v, fl);
}

/* ---- actions --------------------------------------------------------------------- */

static int to_from_entry(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	int s = wg_flow_state_index(p->f, key);
	(void)i;
	if (s < 0)
		return fail(p, at, "unknown state \"%s\"", key);
	if (!(p->action->from & (1u << s)))
		return fail(p, at, "\"%s\" is not among the from states of the action", key);
	return state_of(p, at, v, &p->action->to_from[s]);
}

static int to_if_entry(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	int cond = 0;
	int rc = choice_of(p, at, key, "condition", condition_names, WG_FLOW_COND_COUNT, &cond);
	(void)i;
	if (!rc)
		rc = state_of(p, at, v, &p->action->to_if_state);
	if (!rc)
		p->action->to_if = (enum wg_flow_condition)cond;
	return rc;
}

static int parse_targets(parser *p, const json_t *obj, const char *at, wg_flow_action *a)
{
	json_t *to = NULL, *to_from = NULL, *to_if = NULL;
	int rc = get(p, obj, at, "to", false, &to);
	if (!rc && to && !json_is_null(to))
		rc = state_of(p, sub(at, "to").s, to, &a->to);
	if (!rc)
		rc = get(p, obj, at, "to_from", false, &to_from);
	if (!rc && to_from)
		rc = each_entry(p, to_from, sub(at, "to_from").s, WG_FLOW_STATES_MAX, "states",
		                to_from_entry);
	if (!rc)
		rc = get(p, obj, at, "to_if", false, &to_if);
	if (!rc && to_if && (!json_is_object(to_if) || json_object_size(to_if) != 1))
		rc = fail(p, sub(at, "to_if").s,
		          "must be an object with one condition: {\"dissatisfied\": STATE}");
	if (!rc && to_if)
		rc = each_entry(p, to_if, sub(at, "to_if").s, 1, "conditions", to_if_entry);
	return rc;
}

static int check_effect_field(const parser *p, const char *at, const char *effect, const effect_field *r,
                              const wg_flow_field *fl)
{
	char list[LIST_LEN];
	jpath fields = sub(at, "fields");
	if (!fl)
		return r->needed ? fail(p, fields.s,
		                        "the effect \"%s\" needs a required field \"%s\" of type %s", effect,
		                        r->name, type_names[r->type])
		                 : 0;
	jpath here = sub(fields.s, r->name);
	if (fl->type != r->type)
		return fail(p, sub(here.s, "type").s, "the effect \"%s\" needs a field of type %s, not %s",
		            effect, type_names[r->type], type_names[fl->type]);
	if (r->needed && !fl->required)
		return fail(p, sub(here.s, "required").s, "the effect \"%s\" needs this field required",
		            effect);
	if (r->lo < r->hi && (fl->min < r->lo || fl->max > r->hi))
		return fail(p, here.s, "the effect \"%s\" needs min and max within %lld..%lld", effect,
		            (long long)r->lo, (long long)r->hi);
	for (size_t i = 0; r->values && i < fl->nvalues; i++)
		if (find_name(r->values, UNTIL_NULL, fl->values[i]) < 0)
			return fail(p, item(sub(here.s, "values").s, i).s, "the effect \"%s\" allows only %s",
			            effect, joined(list, sizeof list, r->values, UNTIL_NULL));
	return 0;
}

static int check_effects(const parser *p, const char *at, const wg_flow_action *a)
{
	for (size_t e = 0; e < WG_FLOW_EFFECT_COUNT; e++) {
		if (!(a->effects & (1u << e)))
			continue;
		for (const effect_field *r = effect_rules[e];
		     r < effect_rules[e] + EFFECT_FIELDS_MAX && r->name; r++) {
			int rc =
				check_effect_field(p, at, effect_names[e], r, wg_flow_field_find(a, r->name));
			if (rc)
				return rc;
		}
	}
	int needs = condition_effects[a->to_if];
	if (a->to_if != WG_FLOW_COND_NONE && !(a->effects & (1u << needs)))
		return fail(p, sub(at, "to_if").s, "the condition \"%s\" needs the effect \"%s\"",
		            condition_names[a->to_if], effect_names[needs]);
	return 0;
}

/* An action may be taken in a terminal state only when it leaves the
 * state as it is (a family dispute's call-backs go on after it closed):
 * nothing leaves a terminal state. */
static int stays_in_terminal(const parser *p, const char *at, const wg_flow_action *a)
{
	for (size_t s = 0; s < p->f->nstates; s++) {
		if (!(a->from & (1u << s)) || !p->f->states[s].terminal)
			continue;
		if (a->to >= 0 || a->to_if != WG_FLOW_COND_NONE || a->to_from[s] != -2)
			return fail(p, sub(at, "from").s,
			            "\"%s\" is a terminal state: no action leaves it (an action from it has "
			            "no \"to\")",
			            p->f->states[s].name);
	}
	return 0;
}

static int parse_action(parser *p, const char *at, const char *key, const json_t *v, size_t i)
{
	static const char *const known[] = {"label",  "label_en", "from",  "to",     "to_from",
	                                    "to_if",  "roles",    "scope", "fields", "effects",
	                                    "notify", "public",   NULL};
	wg_flow_action *a = &p->f->actions[i];
	json_t *fields = NULL;
	int scope = 0;
	*a = (wg_flow_action){.name = key, .to = -1, .to_if_state = -1};
	for (size_t s = 0; s < WG_FLOW_STATES_MAX; s++)
		a->to_from[s] = -2;
	p->f->nactions = i + 1;
	p->action = a;
	int rc = only(p, v, at, known);
	if (!rc)
		rc = get_labels(p, v, at, &a->label, &a->label_en);
	if (!rc)
		rc = get_set(p, v, at, "from", true, from_bit, &a->from);
	if (!rc)
		rc = parse_targets(p, v, at, a);
	if (!rc)
		rc = stays_in_terminal(p, at, a);
	if (!rc)
		rc = get_set(p, v, at, "roles", true, role_bit, &a->roles);
	if (!rc)
		rc = get_choice(p, v, at, "scope", true, "scope", scope_names, WG_FLOW_SCOPE_COUNT, &scope);
	a->scope = (enum wg_flow_scope)scope;
	if (!rc)
		rc = get(p, v, at, "fields", false, &fields);
	if (!rc && fields)
		rc = each_entry(p, fields, sub(at, "fields").s, WG_FLOW_FIELDS_MAX, "fields", parse_field);
	if (!rc)
		rc = get_set(p, v, at, "effects", false, effect_bit, &a->effects);
	if (!rc)
		rc = get_set(p, v, at, "notify", false, audience_bit, &a->notify);
	if (!rc)
		rc = get_bool(p, v, at, "public", &a->public);
	return rc ? rc : check_effects(p, at, a);
}

/* ---- the whole flow -------------------------------------------------------------- */

/* The (up to two) states a goes to from s; -1 for none or "stays". */
static void targets(const wg_flow_action *a, int s, int out[2])
{
	out[0] = a->to_from[s] != -2 ? a->to_from[s] : a->to;
	out[1] = a->to_if != WG_FLOW_COND_NONE ? a->to_if_state : -1;
}

static uint32_t reachable(const wg_flow *f)
{
	uint32_t seen = 1u << f->initial, before = 0;
	if (f->self_resolved >= 0)
		seen |= 1u << f->self_resolved | 1u << f->self_resolved_sampled;
	while (seen != before) {
		before = seen;
		for (size_t i = 0; i < f->nactions; i++)
			for (int s = 0; s < (int)f->nstates; s++) {
				int t[2];
				if (!(f->actions[i].from & seen & (1u << s)))
					continue;
				targets(&f->actions[i], s, t);
				for (size_t k = 0; k < 2; k++)
					seen |= t[k] >= 0 ? 1u << t[k] : 0;
			}
	}
	return seen;
}

static bool has_exit(const wg_flow *f, int s)
{
	for (size_t i = 0; i < f->nactions; i++) {
		int t[2];
		if (!(f->actions[i].from & (1u << s)))
			continue;
		targets(&f->actions[i], s, t);
		if ((t[0] >= 0 && t[0] != s) || (t[1] >= 0 && t[1] != s))
			return true;
	}
	return false;
}

static int check_graph(const parser *p)
{
	const wg_flow *f = p->f;
	uint32_t seen = reachable(f), used = 0;
	for (size_t s = 0; s < f->nstates; s++) {
		const char *name = f->states[s].name;
		if (!(seen & (1u << s)))
			return fail(p, sub("states", name).s, "no action leads here from the initial state");
		if (!f->states[s].terminal && !has_exit(f, (int)s))
			return fail(p, sub("states", name).s, "not terminal, yet no action leads out of it");
		for (size_t src = 0; src < WG_FLOW_SOURCE_COUNT; src++)
			used |= f->states[s].clock_source[src] >= 0 ? 1u << f->states[s].clock_source[src]
			                                            : 0;
		used |= f->states[s].clock >= 0 ? 1u << f->states[s].clock : 0;
	}
	for (size_t c = 0; c < f->nclocks; c++)
		if (!(used & (1u << c)))
			return fail(p, sub("clocks", f->clocks[c].name).s, "no state runs this clock");
	return 0;
}

static int parse_self_resolved(const parser *p, const json_t *doc, wg_flow *f)
{
	static const char *const known[] = {"state", "sampled_state", NULL};
	json_t *sr = NULL, *state = NULL, *sampled = NULL;
	f->self_resolved = f->self_resolved_sampled = -1;
	int rc = get(p, doc, "", "self_resolved", false, &sr);
	if (rc || !sr)
		return rc;
	rc = only(p, sr, "self_resolved", known);
	if (!rc)
		rc = get(p, sr, "self_resolved", "state", true, &state);
	if (!rc)
		rc = state_of(p, "self_resolved.state", state, &f->self_resolved);
	if (!rc)
		rc = get(p, sr, "self_resolved", "sampled_state", true, &sampled);
	if (!rc)
		rc = state_of(p, "self_resolved.sampled_state", sampled, &f->self_resolved_sampled);
	if (!rc && f->states[f->self_resolved_sampled].terminal)
		rc = fail(p, "self_resolved.sampled_state",
		          "\"%s\" is a terminal state: a sampled case waits for verification",
		          f->states[f->self_resolved_sampled].name);
	return rc;
}

static int parse_head(const parser *p, const json_t *doc, wg_flow *f)
{
	int kind = 0;
	json_t *prefix = NULL;
	int rc = get_choice(p, doc, "", "kind", true, "flow kind", kind_names, KIND_COUNT, &kind);
	f->kind = json_string_value(json_object_get(doc, "kind"));
	if (!rc)
		rc = get(p, doc, "", "number_prefix", true, &prefix);
	const char *s = rc ? NULL : json_string_value(prefix);
	size_t n = s ? strlen(s) : 0;
	bool upper = n >= 1 && n <= 4;
	for (size_t i = 0; i < n; i++)
		upper = upper && s[i] >= 'A' && s[i] <= 'Z';
	if (!rc && !upper)
		rc = fail(p, "number_prefix", "must be 1 to 4 upper-case letters A-Z");
	f->number_prefix = s;
	return rc;
}

static int parse_initial(const parser *p, const json_t *doc, wg_flow *f)
{
	json_t *initial = NULL;
	int rc = get(p, doc, "", "initial", true, &initial);
	if (!rc)
		rc = state_of(p, "initial", initial, &f->initial);
	if (!rc && f->states[f->initial].terminal)
		rc = fail(p, "initial", "\"%s\" is a terminal state", f->states[f->initial].name);
	return rc;
}

static int parse_doc(parser *p, const json_t *doc)
{
	static const char *const known[] = {"kind",          "number_prefix", "initial",
	                                    "self_resolved", "report_roles",  "states",
	                                    "actions",       "clocks",        NULL};
	wg_flow *f = p->f;
	json_t *states = NULL, *actions = NULL, *clocks = NULL;
	int rc = only(p, doc, "", known);
	if (!rc)
		rc = parse_head(p, doc, f);
	if (!rc)
		rc = get(p, doc, "", "states", true, &states);
	if (!rc)
		rc = get(p, doc, "", "actions", true, &actions);
	if (!rc)
		rc = get(p, doc, "", "clocks", true, &clocks);
	/* Names first, so that states and clocks may refer to each other in
	 * any order. */
	if (!rc)
		rc = each_entry(p, clocks, "clocks", WG_FLOW_STATES_MAX, "clocks", declare_clock);
	if (!rc)
		rc = each_entry(p, states, "states", WG_FLOW_STATES_MAX, "states", declare_state);
	if (!rc && f->nstates == 0)
		rc = fail(p, "states", "a flow needs at least one state");
	if (!rc)
		rc = each_entry(p, clocks, "clocks", WG_FLOW_STATES_MAX, "clocks", parse_clock);
	if (!rc)
		rc = each_entry(p, states, "states", WG_FLOW_STATES_MAX, "states", parse_state);
	if (!rc)
		rc = parse_initial(p, doc, f);
	if (!rc)
		rc = parse_self_resolved(p, doc, f);
	if (!rc)
		rc = get_set(p, doc, "", "report_roles", true, role_bit, &f->report_roles);
	if (!rc)
		rc = each_entry(p, actions, "actions", WG_FLOW_ACTIONS_MAX, "actions", parse_action);
	return rc ? rc : check_graph(p);
}

void wg_flow_free(wg_flow *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < WG_FLOW_ACTIONS_MAX; i++)
		for (size_t k = 0; k < WG_FLOW_FIELDS_MAX; k++)
			wg_free((void *)f->actions[i].fields[k].values);
	wg_free((void *)f->file);
	json_decref(f->doc);
	wg_free(f);
}

/* jansson says nothing (an empty message) when an allocation fails. */
static bool out_of_memory(const json_error_t *e)
{
	return json_error_code(e) == json_error_out_of_memory || e->text[0] == '\0';
}

int wg_flow_parse(const char *text, size_t len, const char *file, wg_flow **out, char *err, size_t errlen)
{
	json_error_t jerr;
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	file = file ? file : "(flow)";
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc && !out_of_memory(&jerr)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: line %d column %d: %s", file, jerr.line, jerr.column,
			         jerr.text);
		return WG_EBADREQ;
	}
	wg_flow *f = doc ? wg_calloc(1, sizeof *f) : NULL;
	if (!f)
		json_decref(doc);
	else
		*f = (wg_flow){.doc = doc, .file = wg_strdup(file)};
	int rc = f && f->file ? 0 : WG_ENOMEM;
	if (!rc) {
		parser p = {.f = f, .err = err, .errlen = errlen};
		rc = parse_doc(&p, doc);
	}
	if (rc == WG_ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", file);
	if (rc)
		wg_flow_free(f);
	else
		*out = f;
	return rc;
}

/* ---- the flows in force ---------------------------------------------------------- */

static wg_flow *loaded[KIND_COUNT];

static void say(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int io_fail(char *err, size_t errlen, const char *what, const char *why)
{
	say(err, errlen, "%s: %s", what, why);
	return WG_EIO;
}

/* The whole of file path in *text (wg_free it), *len bytes. */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return io_fail(err, errlen, path, strerror(errno));
	int rc = fstat(fileno(fp), &st) != 0 ? io_fail(err, errlen, path, strerror(errno)) : 0;
	if (!rc && !S_ISREG(st.st_mode))
		rc = io_fail(err, errlen, path, "not a regular file");
	if (!rc && st.st_size > FILE_MAX)
		rc = io_fail(err, errlen, path, "larger than 1 MiB");
	*len = rc ? 0 : (size_t)st.st_size;
	*text = rc ? NULL : wg_malloc(*len + 1);
	if (!rc && !*text) {
		say(err, errlen, "%s: out of memory", path);
		rc = WG_ENOMEM;
	}
	if (!rc && fread(*text, 1, *len, fp) != *len)
		rc = io_fail(err, errlen, path, ferror(fp) ? strerror(errno) : "changed while being read");
	fclose(fp);
	if (rc) {
		wg_free(*text);
		*text = NULL;
	}
	return rc;
}

static int kind_index(const char *kind)
{
	return find_name(kind_names, KIND_COUNT, kind);
}

/* The text of a flow file that names a base ({"base": "event", ...}): the
 * base flow's document with each of the file's members in place of the
 * base's, a null member removing it. Returns 0 with *merged (free()) or
 * NULL when the file has no base; WG_EVALIDATION when the base is not a
 * flow loaded without a base of its own; WG_EBADREQ for text that is not
 * JSON (left to wg_flow_parse to describe); WG_ENOMEM. *skip: the file
 * loads on the other pass (load_one). */
static int based_text(const char *file, const char *text, size_t len, wg_flow *const *set, int pass,
                      char **merged, bool *skip, char *err, size_t errlen)
{
	*merged = NULL;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *base = json_object_get(doc, "base");
	*skip = (base != NULL) != (pass == 1);
	if (!base || *skip) {
		json_decref(doc);
		return 0;
	}
	int k = kind_index(json_string_value(base));
	json_t *copy = k >= 0 && set[k] ? json_deep_copy(set[k]->doc) : NULL;
	int rc = 0;
	if (k < 0 || !set[k]) {
		say(err, errlen, "%s: base: must name the kind of a flow file without a base (%s)", file,
		    "event, dispute, petition");
		rc = WG_EVALIDATION;
	} else if (!copy) {
		rc = WG_ENOMEM;
	}
	const char *key;
	json_t *v;
	json_object_foreach(doc, key, v) {
		if (rc || strcmp(key, "base") == 0)
			continue;
		if (json_is_null(v))
			json_object_del(copy, key);
		else if (json_object_set(copy, key, v) != 0)
			rc = WG_ENOMEM;
	}
	if (!rc && !(*merged = json_dumps(copy, 0)))
		rc = WG_ENOMEM;
	json_decref(copy);
	json_decref(doc);
	return rc;
}

/* Parse dir/name into set, refusing a second flow of a kind or a number
 * prefix already taken. Files without a base load on pass 0, those that
 * name one (based_text) on pass 1, so that a base is loaded first. */
static int load_one(const char *dir, const char *name, int pass, wg_flow **set, char *err, size_t errlen)
{
	char file[4096];
	char *text, *merged = NULL;
	size_t len;
	wg_flow *f;
	if ((size_t)snprintf(file, sizeof file, "%s/%s", dir, name) >= sizeof file)
		return io_fail(err, errlen, name, "path too long");
	int rc = read_file(file, &text, &len, err, errlen);
	if (rc)
		return rc;
	bool skip = false;
	rc = based_text(file, text, len, set, pass, &merged, &skip, err, errlen);
	if (!rc && skip) {
		wg_free(text);
		return 0;
	}
	if (!rc)
		rc = merged ? wg_flow_parse(merged, strlen(merged), file, &f, err, errlen)
		            : wg_flow_parse(text, len, file, &f, err, errlen);
	wg_free(text);
	free(merged);
	if (rc == WG_ENOMEM && err && errlen && !err[0])
		say(err, errlen, "%s: out of memory", file);
	if (rc)
		return rc;
	int k = kind_index(f->kind);
	for (size_t j = 0; j < KIND_COUNT && !rc; j++) {
		if (!set[j])
			continue;
		if ((int)j == k)
			say(err, errlen, "%s: kind: \"%s\" is also the kind of %s", file, f->kind,
			    set[j]->file);
		else if (strcmp(set[j]->number_prefix, f->number_prefix) == 0)
			say(err, errlen, "%s: number_prefix: \"%s\" is also that of %s", file,
			    f->number_prefix, set[j]->file);
		else
			continue;
		rc = WG_EVALIDATION;
	}
	if (rc)
		wg_flow_free(f);
	else
		set[k] = f;
	return rc;
}

static int is_flow_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int wg_flow_load_dir(const char *dir, char *err, size_t errlen)
{
	struct dirent **names;
	wg_flow *set[KIND_COUNT] = {0};
	if (err && errlen)
		err[0] = '\0';
	int n = scandir(dir, &names, is_flow_file, alphasort);
	if (n < 0)
		return io_fail(err, errlen, dir, strerror(errno));
	int rc = 0;
	if (n == 0) {
		say(err, errlen, "%s: no flow files (*.json)", dir);
		rc = WG_EVALIDATION;
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; !rc && i < n; i++)
			rc = load_one(dir, names[i]->d_name, pass, set, err, errlen);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc) {
		for (size_t k = 0; k < KIND_COUNT; k++)
			wg_flow_free(set[k]);
		return rc;
	}
	wg_flow_unload();
	memcpy(loaded, set, sizeof loaded);
	return 0;
}

void wg_flow_unload(void)
{
	for (size_t k = 0; k < KIND_COUNT; k++) {
		wg_flow_free(loaded[k]);
		loaded[k] = NULL;
	}
}

const wg_flow *wg_flow_get(const char *kind)
{
	int k = kind_index(kind);
	return k < 0 ? NULL : loaded[k];
}

/* ---- lookups --------------------------------------------------------------------- */

int wg_flow_state_index(const wg_flow *f, const char *name)
{
	for (size_t i = 0; f && name && i < f->nstates; i++)
		if (strcmp(f->states[i].name, name) == 0)
			return (int)i;
	return -1;
}

int wg_flow_clock_index(const wg_flow *f, const char *name)
{
	for (size_t i = 0; f && name && i < f->nclocks; i++)
		if (strcmp(f->clocks[i].name, name) == 0)
			return (int)i;
	return -1;
}

const wg_flow_action *wg_flow_action_find(const wg_flow *f, const char *name)
{
	for (size_t i = 0; f && name && i < f->nactions; i++)
		if (strcmp(f->actions[i].name, name) == 0)
			return &f->actions[i];
	return NULL;
}

const wg_flow_field *wg_flow_field_find(const wg_flow_action *a, const char *name)
{
	for (size_t i = 0; a && name && i < a->nfields; i++)
		if (strcmp(a->fields[i].name, name) == 0)
			return &a->fields[i];
	return NULL;
}

int wg_flow_target(const wg_flow_action *a, int state, bool cond_holds)
{
	if (a->to_if != WG_FLOW_COND_NONE && cond_holds)
		return a->to_if_state;
	if (state >= 0 && state < WG_FLOW_STATES_MAX && a->to_from[state] != -2)
		return a->to_from[state];
	return a->to;
}

const wg_flow_clock *wg_flow_state_clock(const wg_flow *f, int state, const char *source)
{
	if (!f || state < 0 || (size_t)state >= f->nstates)
		return NULL;
	const wg_flow_state *s = &f->states[state];
	int src = find_name(source_names, WG_FLOW_SOURCE_COUNT, source);
	int c = src >= 0 ? s->clock_source[src] : s->clock;
	return c >= 0 ? &f->clocks[c] : NULL;
}

const char *wg_flow_field_type_name(enum wg_flow_field_type t)
{
	return (unsigned)t < WG_FLOW_FIELD_TYPE_COUNT ? type_names[t] : NULL;
}

const char *wg_flow_scope_name(enum wg_flow_scope s)
{
	return (unsigned)s < WG_FLOW_SCOPE_COUNT ? scope_names[s] : NULL;
}
