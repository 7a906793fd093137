/* fuzz_action_fields.c - the JSON bodies of case actions and reports, fed
 * to the real case engine (domain/case.h) on an in-memory SQLite store.
 *
 * At start (LLVMFuzzerInitialize) the store is migrated and loaded with the
 * shipped data (regions, categories, departments), every flow in flows/ is
 * loaded (the folder is read: a new flow file is fuzzed without a change
 * here), and for every kind one case is made in each state of its flow:
 * reported with the kind's body from action_fields_reports.json (or a
 * plain one), then set to the state, owned by and summoned to the caller's
 * department, with a deadline and an extension pending. The caller is the
 * system with every role of the loop over a town, so that each action's
 * role, place and state rules let it through to its field checks; the start
 * fails when one does not (the setup would no longer test that action).
 *
 * Input: a first line, then a JSON body (an empty body is no body).
 *   "KIND ACTION [STATE]"  wg_case_act on the case of that kind in STATE
 *                          (the first state the action is taken from when
 *                          STATE is absent or not one of them)
 *   "create"               the body as POST /cases reads it (the
 *                          handler's validators, as src/api/cases.c
 *                          read_report applies them), then wg_case_create
 * Every call runs in a transaction that is rolled back, so each input sees
 * the same store.
 *
 * Checked: no answer that would be a 5xx (a store or internal error from a
 * body); WG_EVALIDATION always with field errors, each with a field (""
 * for a member named ""), a code and a message; and an action taken (0) only with a body that
 * flow.h's field rules admit: an object of the action's own fields, the
 * required ones given, each of its type and within its bounds (text
 * without control characters but, for text, line breaks and tabs); then
 * the case reads back. */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "api/api.h"
#include "api/basedata.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "domain/case.h"
#include "domain/dataload.h"
#include "domain/flow.h"
#include "domain/role.h"
#include "domain/stats.h"
#include "http/validate.h"
#include "store/migrate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-24T09:30:00+08:00, a Tuesday: "now" for every call. */
#define NOW INT64_C(1795483800000)
#define DAY INT64_C(86400000)

#define TOWN "610326001000"
#define VILLAGE "610326001002"
#define GRID "610326001002001"
#define DEPARTMENT "610326-police"

#define KINDS_MAX 8

static const wg_caller caller = {.user_id = 0,
                                 .username = "system",
                                 .roles = WG_ROLES_ALL & ~WG_ROLES_ADMIN,
                                 .scope = TOWN,
                                 .department = DEPARTMENT};

static struct {
	wg_db *db;
	wg_config cfg;
	wg_calendar *cal;
	wg_secret_key *key;
	struct kind {
		char name[16];
		const wg_flow *flow;
		int64_t case_of[WG_FLOW_STATES_MAX]; /* by state index */
	} kinds[KINDS_MAX];
	size_t nkinds;
} fx;

static _Noreturn void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_action_fields: %s: %s\n", what, why ? why : "");
	abort();
}

/* The source tree: $WG_SOURCE_ROOT, else what the build tree the driver
 * lies in (BUILD/tests/fuzz/) records in meson-info/meson-info.json. */
static void source_root(char *out, size_t len)
{
	const char *env = getenv("WG_SOURCE_ROOT");
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0)
		die("readlink /proc/self/exe", NULL);
	dir[n] = '\0';
	for (char *slash; (slash = strrchr(dir, '/')) != NULL && slash != dir;) {
		*slash = '\0';
		char info[PATH_MAX + 32];
		snprintf(info, sizeof info, "%s/meson-info/meson-info.json", dir);
		json_t *doc = json_load_file(info, 0, NULL);
		const char *src =
			json_string_value(json_object_get(json_object_get(doc, "directories"), "source"));
		if (src) {
			snprintf(out, len, "%s", src);
			json_decref(doc);
			return;
		}
		json_decref(doc);
	}
	die("no source tree", "set WG_SOURCE_ROOT");
}

static wg_case_env env_of(wg_arena *arena)
{
	return (wg_case_env){.caller = &caller,
	                     .cfg = &fx.cfg,
	                     .cal = fx.cal,
	                     .key = fx.key,
	                     .audit_alg = "sha256",
	                     .now = NOW,
	                     .arena = arena};
}

static bool is_5xx(int rc)
{
	return rc < 0 && wg_error_http_status(rc) >= 500;
}

/* Abort with what the engine answered, for the crash report. */
static _Noreturn void fail(const char *why, int rc, const wg_field_errors *fe)
{
	fprintf(stderr, "fuzz_action_fields: %s: the engine answered %s (%s) with %u field errors\n", why,
	        rc ? wg_error_name(rc) : "0", rc ? wg_error_message(rc) : "done", fe->n);
	for (unsigned i = 0; i < fe->n; i++)
		fprintf(stderr, "    %s %s: %s\n", fe->e[i].field ? fe->e[i].field : "(null)",
		        fe->e[i].code ? fe->e[i].code : "(null)",
		        fe->e[i].message ? fe->e[i].message : "(null)");
	if (fx.db)
		fprintf(stderr, "    store: %s\n", wg_db_errmsg(fx.db));
	abort();
}

static void check_errors(int rc, const wg_field_errors *fe)
{
	if (is_5xx(rc))
		fail("a server error", rc, fe);
	if (rc == WG_EVALIDATION && fe->n == 0)
		fail("a validation error without field errors", rc, fe);
	for (unsigned i = 0; i < fe->n; i++)
		if (!fe->e[i].field || !fe->e[i].code || !*fe->e[i].code || !fe->e[i].message ||
		    !*fe->e[i].message)
			fail("a field error without field, code or message", rc, fe);
}

/* ---- reports -------------------------------------------------------------- */

/* Report body (a JSON object) as the caller; in the caller's transaction.
 * Returns what wg_case_create does, or WG_EVALIDATION for what the
 * handler's validators refused, with the errors in *fe. */
static int report(json_t *body, wg_arena *arena, wg_field_errors *fe, int64_t *id)
{
	static wg_req req;
	memset(&req, 0, sizeof req);
	req.body = body;
	wg_arena_init(&req.arena, 4096);
	wg_field_errors_init(&req.errors, arena);
	wg_case_report r;
	memset(&r, 0, sizeof r);
	wg__api_case_read_report(&req, &r, false);
	*fe = req.errors;
	int rc = WG_EVALIDATION;
	if (!fe->n) {
		wg_case_env env = env_of(arena);
		rc = wg_case_create(fx.db, &env, &r, id, NULL, fe);
	}
	wg_arena_clear(&req.arena);
	return rc;
}

/* ---- start -------------------------------------------------------------- */

static void exec_or_die(const char *what, int rc)
{
	if (rc)
		die(what, wg_db_errmsg(fx.db));
}

/* The body a case of kind is reported with: the kind's entry of the
 * reports file, else a description at the grid; its category, when it
 * names none, the first minor category of the kind (of any kind when it
 * has none of its own). A new reference. */
static json_t *report_body(const json_t *reports, const char *kind)
{
	json_t *body = json_deep_copy(json_object_get(reports, kind));
	if (!body)
		body = json_pack("{s:s, s:s}", "description", "模糊测试的案件", "grid", GRID);
	if (!body)
		die("report body", "out of memory");
	json_object_set_new(body, "kind", json_string(kind));
	if (json_object_get(body, "category"))
		return body;
	wg_stmt *st;
	exec_or_die("categories",
	            wg_db_prepare(fx.db,
	                          "SELECT code FROM categories WHERE parent IS NOT NULL ORDER BY "
	                          "kind <> ?, code LIMIT 1",
	                          &st));
	exec_or_die("categories", wg_stmt_bindf(st, "t", kind));
	if (wg_stmt_step(st) != WG_DB_ROW)
		die("categories", "no minor category");
	json_object_set_new(body, "category", json_string(wg_stmt_text(st, 0, NULL)));
	wg_stmt_finalize(st);
	return body;
}

/* One case of kind k in each state of its flow. */
static void make_cases(struct kind *k, const json_t *reports)
{
	json_t *body = report_body(reports, k->name);
	for (size_t s = 0; s < k->flow->nstates; s++) {
		wg_arena arena;
		wg_arena_init(&arena, 16384);
		wg_field_errors fe;
		int64_t id = 0;
		exec_or_die("begin", wg_db_begin(fx.db));
		int rc = report(body, &arena, &fe, &id);
		if (rc) {
			fprintf(stderr, "fuzz_action_fields: reporting a %s: %s (%u field errors)\n", k->name,
			        wg_error_name(rc), fe.n);
			for (unsigned i = 0; i < fe.n; i++)
				fprintf(stderr, "    %s %s: %s\n", fe.e[i].field, fe.e[i].code,
				        fe.e[i].message);
			die("report",
			    "add a valid body for the kind to tests/fuzz/action_fields_reports.json");
		}
		exec_or_die("state",
		            wg_db_execf(fx.db,
		                        "UPDATE cases SET state = ?, department = ?, handle_deadline = ?, "
		                        "pending_deadline = ? WHERE id = ?",
		                        NULL, "ttiii", k->flow->states[s].name, DEPARTMENT, NOW + DAY,
		                        NOW + 3 * DAY, id));
		exec_or_die(
			"departments",
			wg_db_execf(
				fx.db,
				"INSERT INTO case_departments (case_id, department, role, due, created_at) "
				"VALUES (?, ?, 'owner', NULL, ?), (?, ?, 'summoned', ?, ?)",
				NULL, "itiitii", id, DEPARTMENT, NOW, id, DEPARTMENT, NOW + DAY, NOW));
		exec_or_die("commit", wg_db_commit(fx.db));
		k->case_of[s] = id;
		wg_arena_clear(&arena);
	}
	json_decref(body);
}

/* Every action of every kind must get past role, place and state to its
 * fields: taken without a body it may fail, but not as forbidden. */
static void check_reach(const struct kind *k)
{
	for (size_t i = 0; i < k->flow->nactions; i++) {
		const wg_flow_action *a = &k->flow->actions[i];
		int s = 0;
		while (s < (int)k->flow->nstates && !(a->from & (1u << s)))
			s++;
		wg_arena arena;
		wg_arena_init(&arena, 16384);
		wg_field_errors fe;
		wg_field_errors_init(&fe, &arena);
		wg_case_env env = env_of(&arena);
		exec_or_die("begin", wg_db_begin(fx.db));
		int rc = wg_case_act(fx.db, &env, k->case_of[s], a->name, NULL, 0, &fe);
		wg_db_rollback(fx.db);
		if (rc == WG_EFORBIDDEN ||
		    (rc == WG_ECONFLICT && fe.n && strcmp(fe.e[0].code, "state") == 0)) {
			fprintf(stderr, "fuzz_action_fields: %s %s from %s: %s\n", k->name, a->name,
			        k->flow->states[s].name, wg_error_name(rc));
			die("setup", "the action no longer reaches its field checks");
		}
		wg_arena_clear(&arena);
	}
}

/* The kinds of the flow files in dir, in name order. */
static void read_kinds(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		die(dir, "cannot read");
	for (int i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		size_t len = strlen(f);
		if (f[0] != '.' && len > 5 && strcmp(f + len - 5, ".json") == 0) {
			char path[PATH_MAX];
			snprintf(path, sizeof path, "%s/%s", dir, f);
			json_t *doc = json_load_file(path, 0, NULL);
			const char *kind = json_string_value(json_object_get(doc, "kind"));
			const wg_flow *flow = kind ? wg_flow_get(kind) : NULL;
			if (!flow || fx.nkinds == KINDS_MAX || strlen(kind) >= sizeof fx.kinds[0].name)
				die(path, "no kind loaded from it");
			snprintf(fx.kinds[fx.nkinds].name, sizeof fx.kinds[0].name, "%s", kind);
			fx.kinds[fx.nkinds++].flow = flow;
			json_decref(doc);
		}
		free(names[i]);
	}
	free(names);
	if (fx.nkinds == 0)
		die(dir, "no flow files");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char root[PATH_MAX], path[PATH_MAX + 64], err[512] = "";
	source_root(root, sizeof root);
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	wg_office_hours hours;
	if (wg_config_defaults(&fx.cfg) != 0 ||
	    wg_office_hours_parse(fx.cfg.office_hours, &hours, err, sizeof err))
		die("settings", err);
	snprintf(path, sizeof path, "%s/data/holidays", root);
	if (wg_calendar_load_dir(path, &hours, &fx.cal, err, sizeof err))
		die("holidays", err);
	snprintf(path, sizeof path, "%s/flows", root);
	if (wg_flow_load_dir(path, err, sizeof err))
		die("flows", err);
	read_kinds(path);

	/* The key seals reporters' and parties' phones; its file is only
	 * needed while it is read. */
	char keydir[] = "/tmp/wg-fuzz-key-XXXXXX";
	if (!mkdtemp(keydir))
		die("mkdtemp", NULL);
	snprintf(path, sizeof path, "%s/key", keydir);
	if (wg_secret_key_load(path, &fx.key, err, sizeof err))
		die("key", err);
	unlink(path);
	rmdir(keydir);

	if (wg_db_open("sqlite::memory:", 0, &fx.db, err, sizeof err) ||
	    wg_migrate(fx.db, NULL, err, sizeof err))
		die("store", err);
	snprintf(path, sizeof path, "%s/data", root);
	exec_or_die("begin", wg_db_begin(fx.db));
	if (wg_dataload_all(fx.db, path, NULL, err, sizeof err))
		die("data", err);
	exec_or_die("grid", wg_db_execf(fx.db,
	                                "INSERT INTO grids (code, region, name, type, scope_key, created_at, "
	                                "updated_at) VALUES (?, ?, '一网格', 'rural', ?, 0, 0)",
	                                NULL, "ttt", GRID, VILLAGE, GRID));
	exec_or_die("commit", wg_db_commit(fx.db));

	snprintf(path, sizeof path, "%s/tests/fuzz/action_fields_reports.json", root);
	json_error_t jerr;
	json_t *reports = json_load_file(path, 0, &jerr);
	if (!json_is_object(reports))
		die(path, jerr.text);
	for (size_t i = 0; i < fx.nkinds; i++)
		make_cases(&fx.kinds[i], reports);
	json_decref(reports);

	/* The states were set by hand: the rollups follow. */
	wg_arena arena;
	wg_arena_init(&arena, 16384);
	wg_case_env env = env_of(&arena);
	exec_or_die("begin", wg_db_begin(fx.db));
	exec_or_die("rollups", wg_stats_rebuild(fx.db, &env));
	exec_or_die("commit", wg_db_commit(fx.db));
	wg_arena_clear(&arena);
	for (size_t i = 0; i < fx.nkinds; i++)
		check_reach(&fx.kinds[i]);
	return 0;
}

/* ---- the field rules of flow.h, as an oracle ---------------------------------- */

/* Whether s is text of min..max code points without control characters
 * (line breaks, CR and LF, and tabs allowed when lines). */
static bool text_ok(const char *s, int64_t min, int64_t max, bool lines)
{
	size_t n = strlen(s);
	if (!wg_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 || c == 0x7f) && !(lines && (c == '\n' || c == '\r' || c == '\t')))
			return false;
	}
	int64_t chars = (int64_t)wg_utf8_count(s, n);
	return chars >= min && chars <= max;
}

static bool list_ok(const wg_flow_field *f, const json_t *v, bool sha)
{
	size_t n = json_array_size(v);
	if (!json_is_array(v) || (int64_t)n < f->min || (int64_t)n > f->max)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(v, i));
		if (!s || !*s || strlen(s) > 64 ||
		    (sha && (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s, json_string_value(json_array_get(v, j))) == 0)
				return false;
	}
	return true;
}

static bool value_ok(const wg_flow_field *f, const json_t *v)
{
	const char *s = json_string_value(v);
	int64_t ms;
	switch (f->type) {
	case WG_FLOW_STRING: return s && text_ok(s, f->min, f->max, false);
	case WG_FLOW_TEXT: return s && text_ok(s, f->min, f->max, true);
	case WG_FLOW_INT:
		return json_is_integer(v) && json_integer_value(v) >= f->min &&
		       json_integer_value(v) <= f->max;
	case WG_FLOW_BOOL: return json_is_boolean(v);
	case WG_FLOW_ENUM:
		for (size_t k = 0; s && k < f->nvalues; k++)
			if (strcmp(s, f->values[k]) == 0)
				return true;
		return false;
	case WG_FLOW_TIME: return s && wg_clock_parse_rfc3339(s, &ms) == 0 && ms > NOW;
	case WG_FLOW_DEPARTMENT:
	case WG_FLOW_CATEGORY: return s && *s && strlen(s) <= 64;
	case WG_FLOW_DEPARTMENTS: return list_ok(f, v, false);
	case WG_FLOW_ATTACHMENTS: return list_ok(f, v, true);
	case WG_FLOW_CASE: return json_is_integer(v) && json_integer_value(v) > 0;
	case WG_FLOW_FIELD_TYPE_COUNT: break;
	}
	return false;
}

/* Whether flow.h's rules admit body (NULL: none) for a. */
static bool admitted(const wg_flow_action *a, const json_t *body)
{
	if (body && !json_is_object(body))
		return false;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)body, key, v) {
		const wg_flow_field *f = wg_flow_field_find(a, key);
		if (!f || (!json_is_null(v) && !value_ok(f, v)))
			return false;
	}
	for (size_t i = 0; i < a->nfields; i++) {
		const json_t *given = json_object_get(body, a->fields[i].name);
		if (a->fields[i].required && (!given || json_is_null(given)))
			return false;
	}
	return true;
}

/* ---- one input ------------------------------------------------------------------ */

static void act(const char *line, json_t *body)
{
	char kind[32] = "", action[64] = "", state[64] = "";
	if (sscanf(line, "%31s %63s %63s", kind, action, state) < 2)
		return;
	const struct kind *k = NULL;
	for (size_t i = 0; i < fx.nkinds && !k; i++)
		if (strcmp(fx.kinds[i].name, kind) == 0)
			k = &fx.kinds[i];
	if (!k)
		return;
	const wg_flow_action *a = wg_flow_action_find(k->flow, action);
	int s = state[0] ? wg_flow_state_index(k->flow, state) : -1;
	if (a && (s < 0 || !(a->from & (1u << s))))
		for (s = 0; s < (int)k->flow->nstates && !(a->from & (1u << s));)
			s++;
	if (s < 0 || s >= (int)k->flow->nstates)
		s = 0;

	wg_arena arena;
	wg_arena_init(&arena, 16384);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	wg_case_env env = env_of(&arena);
	if (wg_db_begin(fx.db))
		abort();
	int rc = wg_case_act(fx.db, &env, k->case_of[s], action, body, 0, &fe);
	check_errors(rc, &fe);
	if (!a && rc != WG_EVALIDATION)
		fail("an unknown action not refused as such", rc, &fe);
	if (rc == 0 && !admitted(a, body))
		fail("a body the flow's field rules refuse was taken", rc, &fe);
	if (rc == 0 && wg_case_get(fx.db, &env, k->case_of[s], NULL, NULL) != 0)
		fail("the case does not read back", rc, &fe);
	wg_db_rollback(fx.db);
	wg_arena_clear(&arena);
}

static void create(json_t *body)
{
	if (!json_is_object(body))
		return; /* the route takes only a JSON object (400 before the handler) */
	wg_arena arena;
	wg_arena_init(&arena, 16384);
	wg_field_errors fe;
	int64_t id = 0;
	if (wg_db_begin(fx.db))
		abort();
	int rc = report(body, &arena, &fe, &id);
	check_errors(rc, &fe);
	wg_case_env env = env_of(&arena);
	if (rc == 0 && (id <= 0 || wg_case_get(fx.db, &env, id, NULL, NULL) != 0))
		fail("the new case does not read back", rc, &fe);
	wg_db_rollback(fx.db);
	wg_arena_clear(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl || nl - data > 200)
		return 0;
	char line[201];
	memcpy(line, data, (size_t)(nl - data));
	line[nl - data] = '\0';
	const char *text = (const char *)nl + 1;
	size_t len = size - (size_t)(nl - data) - 1;
	json_t *body = NULL;
	if (len) {
		body = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		if (!body)
			return 0; /* not JSON: 400 before the handler */
	}
	if (strcmp(line, "create") == 0)
		create(body);
	else
		act(line, body);
	json_decref(body);
	return 0;
}
