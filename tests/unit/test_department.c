/* test_department.c - the category and department data files (every rule
 * of the validation, each file against the other, under a failing
 * allocator), their instantiation in every county and town, the scoped
 * list, one department, creation by a sysadmin and the category tree, a
 * sysadmin's edits of a deadline and of a duty list (which routing follows
 * and a reload of changed files keeps); on SQLite, and on PostgreSQL when
 * WG_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "domain/category.h"
#include "domain/department.h"
#include "domain/routing.h"
#include "domain/scope.h"

#include "fixture.h"

/* Two majors; owners police and justice, civil only in towns. */
#define MINOR(code, kind, unit, n, town, county)                                                           \
	"{\"code\":\"" code "\",\"name\":\"小类" code "\",\"name_en\":\"Minor " code "\",\"kind\":\"" kind \
	"\",\"deadline\":{\"" unit "\":" #n "},\"owner\":{\"town\":\"" town "\",\"county\":\"" county "\"}}"

static const char categories[] =
	"{\"categories\":["
	"{\"code\":\"01\",\"name\":\"安全隐患\",\"name_en\":\"Safety "
	"hazards\",\"kind\":\"event\",\"children\":[" MINOR(
		"0101", "event", "working_days", 3, "police",
		"police") "," MINOR("0102", "event", "working_hours", 24, "civil",
                                    "police") "]},"
					      "{\"code\":\"02\",\"name\":\"矛盾纠纷\",\"name_en\":"
					      "\"Disputes\",\"kind\":\"dispute\",\"children\":[" MINOR(
						      "0201", "dispute", "working_days", 15, "justice",
						      "justice") "]}]}";

static const char departments[] =
	"{\"departments\":["
	"{\"key\":\"police\",\"name\":{\"county\":\"公安局\",\"town\":\"派出所\"},"
	"\"name_en\":{\"county\":\"Public Security Bureau\",\"town\":\"Police Station\"},"
	"\"duties\":[{\"category\":\"0101\",\"levels\":[\"town\",\"county\"]},"
	"{\"category\":\"0102\",\"levels\":[\"county\"]}]},"
	"{\"key\":\"justice\",\"name\":{\"county\":\"司法局\",\"town\":\"司法所\"},"
	"\"name_en\":{\"county\":\"Justice Bureau\",\"town\":\"Justice Office\"},"
	"\"duties\":[{\"category\":\"0201\",\"levels\":[\"county\",\"town\"]}]},"
	"{\"key\":\"civil\",\"name\":{\"town\":\"民政办\"},\"name_en\":{\"town\":\"Civil Affairs Office\"},"
	"\"duties\":[{\"category\":\"0102\",\"levels\":[\"town\"]}]}]}";

static void test_keys_and_levels(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		bool ok;
	} t[] = {
		{"police", true},
		{"a", true},
		{"urban_mgmt2", true},
		{"Police", false},
		{"2police", false},
		{"_x", false},
		{"a-b", false},
		{"", false},
		{"abcdefghijklmnopqrstuvwxyz012345", true},
		{"abcdefghijklmnopqrstuvwxyz0123456", false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (wg_department_key_ok(t[i].key) != t[i].ok)
			fail_msg("key '%s'", t[i].key);
	assert_false(wg_department_key_ok(NULL));
	assert_int_equal(wg_department_level_parse("county"), WG_DEPARTMENT_COUNTY);
	assert_int_equal(wg_department_level_parse("town"), WG_DEPARTMENT_TOWN);
	assert_int_equal(wg_department_level_parse("village"), 0);
	assert_int_equal(wg_department_level_parse(NULL), 0);
	assert_string_equal(wg_department_level_name(WG_DEPARTMENT_TOWN), "town");
	assert_null(wg_department_level_name(3));
}

static void test_parse_good(void **state)
{
	(void)state;
	wg_category_set c;
	wg_department_set d;
	char err[400];
	assert_int_equal(wg_category_parse(categories, sizeof categories - 1, &c, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.n, 5);
	assert_string_equal(c.items[0].code, "01");
	assert_null(c.items[0].parent);
	assert_string_equal(c.items[2].code, "0102");
	assert_string_equal(c.items[2].parent, "01");
	assert_string_equal(c.items[2].deadline_unit, "working_hours");
	assert_int_equal(c.items[2].deadline, 24);
	assert_string_equal(c.items[2].owner_town, "civil");
	assert_int_equal(c.items[4].position, 4);
	assert_non_null(wg_category_find(&c, "0201"));
	assert_null(wg_category_find(&c, "0301"));
	assert_int_equal(wg_department_parse(departments, sizeof departments - 1, &d, err, sizeof err), 0);
	assert_int_equal(d.n, 3);
	const wg_department_def *civil = wg_department_find(&d, "civil");
	assert_non_null(civil);
	assert_int_equal(civil->levels, WG_DEPARTMENT_TOWN);
	assert_null(civil->name[0]);
	assert_string_equal(civil->name[1], "民政办");
	const wg_department_def *police = wg_department_find(&d, "police");
	assert_true(wg_department_has_duty(police, "0102", WG_DEPARTMENT_COUNTY));
	assert_false(wg_department_has_duty(police, "0102", WG_DEPARTMENT_TOWN));
	assert_false(wg_department_has_duty(police, "0201", WG_DEPARTMENT_COUNTY));
	assert_int_equal(wg_department_check(&d, &c, "c.json", "d.json", err, sizeof err), 0);
	wg_category_set_free(&c);
	wg_department_set_free(&d);
	assert_null(c.items);
}

/* Replace the first occurrence of from in base by to (static buffer, so
 * base must not be a result of edit). */
static const char *edit(const char *base, const char *from, const char *to)
{
	static char buf[8192];
	const char *at = strstr(base, from);
	if (!at)
		fail_msg("'%s' is not in the fixture", from);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	return buf;
}

static void test_category_errors(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to;
		int rc;
		const char *needle;
	} t[] = {
		{"{\"categories\":[", "{\"categories\":[,", WG_EBADREQ, "line 1"},
		{"\"categories\":[", "\"extra\":1,\"categories\":[", WG_EVALIDATION,
	         "unknown member \"extra\""},
		{"\"code\":\"01\"", "\"code\":\"001\"", WG_EVALIDATION, "categories[0].code"},
		{"\"code\":\"02\"", "\"code\":\"01\"", WG_EVALIDATION,
	         "categories[1].code: 01 appears twice"},
		{"\"code\":\"0102\"", "\"code\":\"0202\"", WG_EVALIDATION,
	         "categories[0].children[1].code: \"0202\" must be 4 digits starting with 01"},
		{"\"code\":\"0102\"", "\"code\":\"0101\"", WG_EVALIDATION,
	         "categories[0].children[1].code: 0101 appears twice"},
		{"{\"working_days\":3}", "{\"working_days\":0}", WG_EVALIDATION,
	         "children[0].deadline.working_days: must be a whole number within 1..365"},
		{"{\"working_days\":3}", "{\"working_days\":366}", WG_EVALIDATION, "within 1..365"},
		{"{\"working_days\":3}", "{\"working_days\":\"3\"}", WG_EVALIDATION, "deadline.working_days"},
		{"{\"working_days\":3}", "{\"days\":3}", WG_EVALIDATION, "the unit must be"},
		{"{\"working_days\":3}", "{\"working_days\":3,\"working_hours\":2}", WG_EVALIDATION,
	         "one member"},
		{"{\"working_hours\":24}", "{\"working_hours\":3000}", WG_EVALIDATION, "within 1..2920"},
		{"\"deadline\":{\"working_days\":3},", "", WG_EVALIDATION, "children[0].deadline: missing"},
		{"\"kind\":\"dispute\",\"children\"", "\"kind\":\"other\",\"children\"", WG_EVALIDATION,
	         "categories[1].kind: must be"},
		{"\"kind\":\"dispute\",\"deadline\"", "\"kind\":\"event\",\"deadline\"", WG_EVALIDATION,
	         "differs from its major"},
		{"\"name\":\"小类0101\"", "\"name\":\"\"", WG_EVALIDATION,
	         "children[0].name: must be 1 to 64"},
		{"\"name\":\"小类0101\"", "\"name\":\"a\\u0001b\"", WG_EVALIDATION, "without control"},
		{"\"name_en\":\"Minor 0101\",", "", WG_EVALIDATION, "children[0].name_en: missing"},
		{"\"owner\":{\"town\":\"police\",", "\"owner\":{\"town\":\"Police\",", WG_EVALIDATION,
	         "owner.town: \"Police\" is not a department key"},
		{"\"owner\":{\"town\":\"police\",", "\"owner\":{\"village\":\"x\",\"town\":\"police\",",
	         WG_EVALIDATION, "unknown member \"village\""},
		{",\"county\":\"police\"}}", "}}", WG_EVALIDATION, "owner.county: missing"},
		{MINOR("0201", "dispute", "working_days", 15, "justice", "justice"), "", WG_EVALIDATION,
	         "categories[1].children: must be a non-empty array"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *text = edit(categories, t[i].from, t[i].to);
		wg_category_set c;
		char err[400] = "";
		int rc = wg_category_parse(text, strlen(text), &c, err, sizeof err);
		if (rc != t[i].rc || !strstr(err, t[i].needle))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, err, t[i].needle);
		assert_null(c.items);
	}
	wg_category_set c;
	assert_int_equal(wg_category_parse("[]", 2, &c, NULL, 0), WG_EVALIDATION);
	assert_int_equal(wg_category_parse("{\"categories\":[]}", 17, &c, NULL, 0), WG_EVALIDATION);
}

static void test_department_errors(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to;
		int rc;
		const char *needle;
	} t[] = {
		{"{\"departments\":[", "{\"departments\":[}", WG_EBADREQ, "line 1"},
		{"\"key\":\"justice\"", "\"key\":\"police\"", WG_EVALIDATION,
	         "departments[1].key: police appears twice"},
		{"\"key\":\"justice\"", "\"key\":\"Justice\"", WG_EVALIDATION, "departments[1].key"},
		{"\"name\":{\"town\":\"民政办\"}", "\"name\":{}", WG_EVALIDATION,
	         "departments[2].name: must be"},
		{"\"name\":{\"town\":\"民政办\"}", "\"name\":{\"village\":\"x\"}", WG_EVALIDATION,
	         "unknown member \"village\""},
		{"\"name_en\":{\"town\":\"Civil Affairs Office\"}",
	         "\"name_en\":{\"county\":\"Civil Affairs Bureau\"}", WG_EVALIDATION,
	         "departments[2].name_en: must name the same levels"},
		{"{\"category\":\"0102\",\"levels\":[\"town\"]}",
	         "{\"category\":\"0102\",\"levels\":[\"county\"]}", WG_EVALIDATION,
	         "departments[2].duties[0].levels[0]: civil has no county level"},
		{"{\"category\":\"0102\",\"levels\":[\"town\"]}", "{\"category\":\"0102\",\"levels\":[]}",
	         WG_EVALIDATION, "duties[0].levels: must be a non-empty array"},
		{"{\"category\":\"0102\",\"levels\":[\"town\"]}",
	         "{\"category\":\"0102\",\"levels\":[\"town\",\"town\"]}", WG_EVALIDATION,
	         "levels[1]: town appears twice"},
		{"{\"category\":\"0102\",\"levels\":[\"town\"]}",
	         "{\"category\":\"102\",\"levels\":[\"town\"]}", WG_EVALIDATION,
	         "duties[0].category: \"102\" must be a 4-digit"},
		{"{\"category\":\"0102\",\"levels\":[\"county\"]}",
	         "{\"category\":\"0101\",\"levels\":[\"county\"]}", WG_EVALIDATION,
	         "departments[0].duties[1].category: 0101 appears twice"},
		{"\"duties\":[{\"category\":\"0201\"", "\"duties\":{},\"x\":[{\"category\":\"0201\"",
	         WG_EVALIDATION, "departments[1]: unknown member \"x\""},
		{"{\"category\":\"0201\",\"levels\":[\"county\",\"town\"]}",
	         "{\"category\":\"0201\",\"levels\":[1]}", WG_EVALIDATION,
	         "levels[0]: must be \"county\" or \"town\""},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *text = edit(departments, t[i].from, t[i].to);
		wg_department_set d;
		char err[400] = "";
		int rc = wg_department_parse(text, strlen(text), &d, err, sizeof err);
		if (rc != t[i].rc || !strstr(err, t[i].needle))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, err, t[i].needle);
		assert_null(d.items);
	}
}

/* Each file is fine alone; together they disagree. */
static void test_cross_check(void **state)
{
	(void)state;
	static const struct {
		bool in_categories; /* which file to edit */
		const char *from, *to;
		const char *needle;
	} t[] = {
		{true, "\"town\":\"civil\"", "\"town\":\"housing\"",
	         "c.json: categories[0].children[1].owner.town: no department \"housing\""},
		{true, "\"county\":\"police\"}}]}", "\"county\":\"civil\"}}]}",
	         "c.json: categories[0].children[1].owner.county: department civil has no county level"},
		{true, "\"town\":\"police\",\"county\":\"police\"",
	         "\"town\":\"justice\",\"county\":\"police\"",
	         "c.json: categories[0].children[0].owner.town: department justice does not have 0101 among "
	         "its "
	         "town duties"},
		{false, "{\"category\":\"0102\",\"levels\":[\"county\"]}",
	         "{\"category\":\"0102\",\"levels\":[\"town\"]}",
	         "c.json: categories[0].children[1].owner.county: department police does not have 0102"},
		{false, "{\"category\":\"0201\",\"levels\":[\"county\",\"town\"]}",
	         "{\"category\":\"0202\",\"levels\":[\"county\",\"town\"]}",
	         "d.json: departments[1].duties[0].category: 0202 is not a minor category of c.json"},
		{false, "{\"category\":\"0201\",\"levels\":[\"county\",\"town\"]}",
	         "{\"category\":\"0201\",\"levels\":[\"county\"]}",
	         "categories[1].children[0].owner.town: department justice does not have 0201"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char cat_text[8192], dep_text[8192];
		snprintf(cat_text, sizeof cat_text, "%s",
		         t[i].in_categories ? edit(categories, t[i].from, t[i].to) : categories);
		snprintf(dep_text, sizeof dep_text, "%s",
		         t[i].in_categories ? departments : edit(departments, t[i].from, t[i].to));
		wg_category_set c;
		wg_department_set d;
		char err[400] = "";
		assert_int_equal(wg_category_parse(cat_text, strlen(cat_text), &c, err, sizeof err), 0);
		assert_int_equal(wg_department_parse(dep_text, strlen(dep_text), &d, err, sizeof err), 0);
		int rc = wg_department_check(&d, &c, "c.json", "d.json", err, sizeof err);
		if (rc != WG_EVALIDATION || !strstr(err, t[i].needle))
			fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, err, t[i].needle);
		wg_category_set_free(&c);
		wg_department_set_free(&d);
	}
}

/* Every allocation of both parsers failing in turn: a clean WG_ENOMEM,
 * nothing leaked (the sanitizer checks), then success. */
static void test_parse_out_of_memory(void **state)
{
	(void)state;
	for (int which = 0; which < 2; which++) {
		int rc = WG_ENOMEM;
		unsigned long n = 1, failures = 0;
		for (; rc == WG_ENOMEM; n++) {
			wg_category_set c;
			wg_department_set d;
			wg_alloc_fail_at(n);
			rc = which ? wg_department_parse(departments, sizeof departments - 1, &d, NULL, 0)
			           : wg_category_parse(categories, sizeof categories - 1, &c, NULL, 0);
			wg_alloc_fail_at(0);
			if (rc == WG_ENOMEM) {
				failures++;
				assert_null(which ? (void *)d.items : (void *)c.items);
			} else if (which) {
				wg_department_set_free(&d);
			} else {
				wg_category_set_free(&c);
			}
			assert_true(n < 50);
		}
		assert_int_equal(rc, 0);
		assert_true(failures >= 1);
	}
}

/* ---- stored ---------------------------------------------------------------- */

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326001000,610326000000,首善街道\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326101201,610326101000,横渠村\n";

static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(*state, tree, 6) != 0)
		return -1;
	wg_test_db *t = *state;
	if (t->skip)
		return 0;
	int loaded = 0;
	char err[400] = "";
	wg_test_begin(t->db);
	int rc = wg_test_end(t->db, wg_department_load_data(t->db, categories, sizeof categories - 1,
	                                                    "c.json", departments, sizeof departments - 1,
	                                                    "d.json", &loaded, err, sizeof err));
	if (rc) {
		fprintf(stderr, "load: %s\n", err);
		return -1;
	}
	/* 5 categories; county: police, justice; each of 2 towns: 3. */
	return loaded == 5 + 2 + 6 ? 0 : -1;
}

struct seen {
	int n;
	char codes[16][48];
	char names[16][128];
	char duties[16][64];
	char levels[16][8];
};

static int collect(void *ctx, const wg_department *d)
{
	struct seen *s = ctx;
	if (s->n == 16)
		return WG_EINTERNAL;
	snprintf(s->codes[s->n], sizeof s->codes[0], "%s", d->code);
	snprintf(s->names[s->n], sizeof s->names[0], "%s", d->name);
	snprintf(s->levels[s->n], sizeof s->levels[0], "%s", d->level);
	s->duties[s->n][0] = '\0';
	for (size_t i = 0; i < d->nduties; i++)
		snprintf(s->duties[s->n] + strlen(s->duties[s->n]),
		         sizeof s->duties[0] - strlen(s->duties[s->n]), "%s%s", i ? "," : "", d->duties[i]);
	s->n++;
	return 0;
}

static wg_scope scope_of(const char *code)
{
	wg_scope s;
	wg_caller c = {.user_id = code ? 5 : 0, .scope = code};
	wg_scope_of(&c, &s);
	return s;
}

static void test_instantiated(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_scope all = scope_of(NULL);
	struct seen s = {0};
	int64_t total = 0;
	wg_department_filter f = {.limit = 50};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &s, &total), 0);
	assert_int_equal(total, 8);
	static const char *const codes[] = {"610326-justice",    "610326-police",    "610326001-civil",
	                                    "610326001-justice", "610326001-police", "610326101-civil",
	                                    "610326101-justice", "610326101-police"};
	static const char *const names[] = {"眉县司法局",     "眉县公安局",     "首善街道民政办",
	                                    "首善街道司法所", "首善街道派出所", "横渠镇民政办",
	                                    "横渠镇司法所",   "横渠镇派出所"};
	static const char *const duties[] = {"0201", "0101,0102", "0102", "0201",
	                                     "0101", "0102",      "0201", "0101"};
	for (int i = 0; i < 8; i++) {
		assert_string_equal(s.codes[i], codes[i]);
		assert_string_equal(s.names[i], names[i]);
		assert_string_equal(s.duties[i], duties[i]);
	}
	assert_string_equal(s.levels[0], "county");
	assert_string_equal(s.levels[7], "town");

	/* Paging, filters. */
	struct seen p = {0};
	f = (wg_department_filter){.limit = 3, .after = "610326001-civil"};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &p, &total), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.codes[0], "610326001-justice");
	struct seen lv = {0};
	f = (wg_department_filter){.limit = 50, .level = WG_DEPARTMENT_COUNTY};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &lv, &total), 0);
	assert_int_equal(total, 2);
	struct seen rg = {0};
	f = (wg_department_filter){.limit = 50, .region = "610326101000"};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &rg, &total), 0);
	assert_int_equal(total, 3);
	assert_string_equal(rg.codes[0], "610326101-civil");
	struct seen q = {0};
	f = (wg_department_filter){.limit = 50, .q = "派出所"};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &q, &total), 0);
	assert_int_equal(total, 2);
	struct seen key = {0};
	f = (wg_department_filter){.limit = 50, .q = "justice"};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &key, &total), 0);
	assert_int_equal(total, 3);
	struct seen pct = {0};
	f = (wg_department_filter){.limit = 50, .q = "%"};
	assert_int_equal(wg_department_list(db, &all, &f, collect, &pct, &total), 0);
	assert_int_equal(total, 0);

	/* A town sees its county's departments and its own, not the other town's. */
	wg_scope town = scope_of("610326101000");
	struct seen t = {0};
	f = (wg_department_filter){.limit = 50};
	assert_int_equal(wg_department_list(db, &town, &f, collect, &t, &total), 0);
	assert_int_equal(total, 5);
	for (int i = 0; i < t.n; i++)
		assert_null(strstr(t.codes[i], "610326001-"));
	struct seen one = {0};
	assert_int_equal(wg_department_get(db, &town, "610326-police", collect, &one), 0);
	assert_string_equal(one.duties[0], "0101,0102");
	assert_int_equal(wg_department_get(db, &town, "610326001-police", collect, &one), WG_ENOTFOUND);
	assert_int_equal(wg_department_get(db, &all, "610326-none", collect, &one), WG_ENOTFOUND);
	/* A village's grid worker sees its town's and its county's. */
	wg_scope grid = scope_of("610326101201001");
	struct seen g = {0};
	assert_int_equal(wg_department_list(db, &grid, &f, collect, &g, &total), 0);
	assert_int_equal(total, 5);
	wg_scope broken = scope_of("x");
	assert_int_equal(wg_department_list(db, &broken, &f, collect, &g, &total), 0);
	assert_int_equal(total, 0);
}

struct tree_seen {
	int n;
	char codes[8][8];
	char owners[8][32];
};

static int collect_category(void *ctx, const wg_category *c)
{
	struct tree_seen *s = ctx;
	if (s->n == 8)
		return WG_EINTERNAL;
	snprintf(s->codes[s->n], sizeof s->codes[0], "%s", c->code);
	snprintf(s->owners[s->n], sizeof s->owners[0], "%s/%s", c->owner_town ? c->owner_town : "-",
	         c->owner_county ? c->owner_county : "-");
	s->n++;
	return 0;
}

static void test_categories_and_reload(void **state)
{
	wg_test_db *t = wg_test_of(state);
	wg_db *db = wg_test_open(state);
	struct tree_seen all = {0}, disputes = {0};
	assert_int_equal(wg_category_list(db, NULL, collect_category, &all), 0);
	assert_int_equal(all.n, 5);
	static const char *const order[] = {"01", "0101", "0102", "02", "0201"};
	for (int i = 0; i < 5; i++)
		assert_string_equal(all.codes[i], order[i]);
	assert_string_equal(all.owners[0], "-/-");
	assert_string_equal(all.owners[2], "civil/police");
	assert_int_equal(wg_category_list(db, "dispute", collect_category, &disputes), 0);
	assert_int_equal(disputes.n, 2);
	bool found;
	assert_int_equal(wg_category_minor_exists(db, "0101", &found), 0);
	assert_true(found);
	assert_int_equal(wg_category_minor_exists(db, "01", &found), 0);
	assert_false(found);

	/* A new version without 0102: the category and its duties go; loading
	 * twice changes nothing more. */
	char cat_text[8192], dep_text[8192];
	snprintf(cat_text, sizeof cat_text, "%s",
	         edit(categories, "," MINOR("0102", "event", "working_hours", 24, "civil", "police"), ""));
	snprintf(dep_text, sizeof dep_text, "%s",
	         edit(departments, ",{\"category\":\"0102\",\"levels\":[\"county\"]}", ""));
	snprintf(dep_text, sizeof dep_text, "%s",
	         edit(dep_text, "{\"category\":\"0102\",\"levels\":[\"town\"]}", ""));
	for (int round = 0; round < 2; round++) {
		int loaded = 0;
		char err[400] = "";
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_department_load_data(db, cat_text, strlen(cat_text), "c.json",
		                                                 dep_text, strlen(dep_text), "d.json",
		                                                 &loaded, err, sizeof err));
		if (rc)
			fail_msg("reload: %s", err);
		assert_int_equal(loaded, 4 + 8);
	}
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM categories", NULL, 0), 4);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM department_duties WHERE category = ?", "0102", 0),
		0);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM department_duties", NULL, 0), 6);
	/* A bad file stores nothing: the caller rolls back. */
	int loaded = 0;
	char err[400] = "";
	wg_test_begin(db);
	int rc = wg_test_end(db, wg_department_load_data(db, categories, sizeof categories - 1, "c.json",
	                                                 "{\"departments\":[]}", 18, "d.json", &loaded, err,
	                                                 sizeof err));
	assert_int_equal(rc, WG_EVALIDATION);
	assert_string_equal(err, "d.json: departments: must be a non-empty array");
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM categories", NULL, 0), 4);
	(void)t;
}

static void test_create(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	wg_caller admin = {.user_id = 1, .username = "sysadmin", .scope = "610326000000"};
	const char *duties[] = {"0101", "0201"};
	wg_department_input in = {.key = "fire",
	                          .region = "610326101000",
	                          .name = "横渠镇消防站",
	                          .name_en = "Fire Station",
	                          .duties = duties,
	                          .nduties = 2};
	char code[WG_DEPARTMENT_CODE_MAX + 1];
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_create(db, &admin, "sha256", &in, code, &fe)), 0);
	assert_string_equal(code, "610326101-fire");
	assert_int_equal(fe.n, 0);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM department_duties WHERE department = ?", code, 0),
		2);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action = ?",
	                                   "department.create", 0),
	                 1);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_create(db, &admin, "sha256", &in, code, &fe)),
	                 WG_ECONFLICT);

	static const struct {
		const char *key, *region, *name, *name_en, *duty;
		const char *field, *code;
	} t[] = {
		{NULL, "610326101000", "n", "e", NULL, "key", "required"},
		{"Fire", "610326101000", "n", "e", NULL, "key", "pattern"},
		{"x", NULL, "n", "e", NULL, "region", "required"},
		{"x", "61032610100", "n", "e", NULL, "region", "pattern"},
		{"x", "610326101201", "n", "e", NULL, "region", "level"},
		{"x", "610327000000", "n", "e", NULL, "region", "not_found"},
		{"x", "610326102000", "n", "e", NULL, "region", "not_found"},
		{"x", "610326101000", NULL, "e", NULL, "name", "required"},
		{"x", "610326101000", "n\n", "e", NULL, "name", "pattern"},
		{"x", "610326101000", "n", "", NULL, "name_en", "required"},
		{"x", "610326101000", "n", "e", "01", "duties[0]", "not_found"},
		{"x", "610326101000", "n", "e", "0999", "duties[0]", "not_found"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&fe, &arena);
		const char *d[] = {t[i].duty};
		wg_department_input bad = {.key = t[i].key,
		                           .region = t[i].region,
		                           .name = t[i].name,
		                           .name_en = t[i].name_en,
		                           .duties = d,
		                           .nduties = t[i].duty ? 1 : 0};
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_department_create(db, &admin, "sha256", &bad, code, &fe));
		if (rc != WG_EVALIDATION || fe.n != 1 || strcmp(fe.e[0].field, t[i].field) != 0 ||
		    strcmp(fe.e[0].code, t[i].code) != 0)
			fail_msg("case %zu: rc %d, %u errors, first %s/%s", i, rc, fe.n,
			         fe.n ? fe.e[0].field : "-", fe.n ? fe.e[0].code : "-");
	}
	/* A duty given twice. */
	wg_field_errors_init(&fe, &arena);
	const char *twice[] = {"0101", "0101"};
	wg_department_input dup = {.key = "y",
	                           .region = "610326000000",
	                           .name = "n",
	                           .name_en = "e",
	                           .duties = twice,
	                           .nduties = 2};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_create(db, &admin, "sha256", &dup, code, &fe)),
	                 WG_EVALIDATION);
	assert_string_equal(fe.e[0].field, "duties[1]");
	assert_string_equal(fe.e[0].code, "duplicate");
	wg_arena_clear(&arena);
}

/* ---- a sysadmin's edits ------------------------------------------------------------------ */

/* The account edits are marked with (users.id is a foreign key). */
static void add_admin(wg_db *db)
{
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_db_exec(db, "INSERT INTO users (id, username, name, scope_key, "
	                                                "roles, password_hash, password_changed_at, "
	                                                "created_at, updated_at) VALUES (1, 'sysadmin', "
	                                                "'管理员', '610326000000', 0, 'x', 0, 0, 0)")),
	                 0);
}

struct minor_seen {
	char code[8];
	bool found;
	int64_t deadline, default_deadline, edited_at, version;
	char unit[16], default_unit[16];
};

static int find_minor(void *ctx, const wg_category *c)
{
	struct minor_seen *m = ctx;
	if (!c->parent || strcmp(c->code, m->code) != 0)
		return 0;
	m->found = true;
	m->deadline = c->deadline;
	m->default_deadline = c->default_deadline;
	m->edited_at = c->deadline_edited_at;
	m->version = c->version;
	snprintf(m->unit, sizeof m->unit, "%s", c->deadline_unit ? c->deadline_unit : "");
	snprintf(m->default_unit, sizeof m->default_unit, "%s",
	         c->default_deadline_unit ? c->default_deadline_unit : "");
	return 0;
}

/* The stored state of minor category code. */
static struct minor_seen minor_of(wg_db *db, const char *code)
{
	struct minor_seen m = {0};
	snprintf(m.code, sizeof m.code, "%s", code);
	assert_int_equal(wg_category_list(db, NULL, find_minor, &m), 0);
	assert_true(m.found);
	return m;
}

static int load(wg_db *db, const char *cat, const char *dep)
{
	int loaded = 0;
	char err[400] = "";
	wg_test_begin(db);
	int rc = wg_test_end(db, wg_department_load_data(db, cat, strlen(cat), "c.json", dep, strlen(dep),
	                                                 "d.json", &loaded, err, sizeof err));
	if (rc)
		fail_msg("load: %s", err);
	return rc;
}

static void test_set_deadline(void **state)
{
	wg_db *db = wg_test_open(state);
	add_admin(db);
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_caller admin = {.user_id = 1, .username = "sysadmin", .scope = "610326000000"};
	struct minor_seen was = minor_of(db, "0101");
	assert_int_equal(was.deadline, 3);
	assert_string_equal(was.unit, "working_days");
	assert_int_equal(was.default_deadline, 3);
	assert_int_equal(was.edited_at, 0);

	/* Refusals: nothing changes. */
	static const struct {
		const char *code;
		wg_category_deadline_input in;
		int64_t version; /* added to the stored one; -1000: not checked */
		int rc;
		const char *field, *why;
	} bad[] = {
		{"0101", {0}, -1000, WG_EVALIDATION, "deadline", "required"},
		{"0101", {.set_deadline = true, .deadline = 0}, -1000, WG_EVALIDATION, "deadline", "range"},
		{"0101", {.set_deadline = true, .deadline = -1}, -1000, WG_EVALIDATION, "deadline", "range"},
		{"0101", {.set_deadline = true, .deadline = 366}, -1000, WG_EVALIDATION, "deadline", "range"},
		{"0101",
	         {.set_deadline = true, .deadline = 2921, .unit = "working_hours"},
	         -1000,
	         WG_EVALIDATION,
	         "deadline",
	         "range"},
		{"0102",
	         {.set_deadline = true, .deadline = 2921},
	         -1000,
	         WG_EVALIDATION,
	         "deadline",
	         "range"},
		{"0101", {.unit = "weeks"}, -1000, WG_EVALIDATION, "deadline_unit", "unknown"},
		{"01", {.set_deadline = true, .deadline = 3}, -1000, WG_EVALIDATION, "deadline", "major"},
		{"9999", {.set_deadline = true, .deadline = 3}, -1000, WG_ENOTFOUND, NULL, NULL},
		{NULL, {.set_deadline = true, .deadline = 3}, -1000, WG_ENOTFOUND, NULL, NULL},
		{"0101", {.set_deadline = true, .deadline = 4}, 1, WG_ECONFLICT, NULL, NULL},
		{"0101", {.set_deadline = true, .deadline = 4}, 2, WG_ECONFLICT, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wg_field_errors_init(&fe, &arena);
		int64_t version = bad[i].version == -1000 ? 0 : was.version + bad[i].version;
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_category_set_deadline(db, &admin, "sha256", bad[i].code,
		                                                  &bad[i].in, version, &fe));
		if (rc != bad[i].rc ||
		    (bad[i].field && (fe.n != 1 || strcmp(fe.e[0].field, bad[i].field) != 0 ||
		                      strcmp(fe.e[0].code, bad[i].why) != 0)))
			fail_msg("case %zu: rc %d, %u errors, first %s/%s", i, rc, fe.n,
			         fe.n ? fe.e[0].field : "-", fe.n ? fe.e[0].code : "-");
		wg_arena_clear(&arena);
	}
	struct minor_seen same = minor_of(db, "0101");
	assert_int_equal(same.deadline, 3);
	assert_int_equal(same.version, was.version);

	/* Set (with the right version), then the unit alone; each audited. */
	wg_field_errors_init(&fe, &arena);
	wg_category_deadline_input five = {.set_deadline = true, .deadline = 5};
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_category_set_deadline(db, &admin, "sha256", "0101", &five,
	                                                          was.version, &fe)),
	                 0);
	struct minor_seen now = minor_of(db, "0101");
	assert_int_equal(now.deadline, 5);
	assert_string_equal(now.unit, "working_days");
	assert_int_equal(now.default_deadline, 3);
	assert_true(now.edited_at > 0);
	assert_int_equal(now.version, was.version + 1);
	assert_int_equal(
		wg_test_query_int(db, "SELECT deadline_edited_by FROM categories WHERE code = ?", "0101", 0),
		1);
	wg_category_deadline_input hours = {.unit = "working_hours"};
	wg_test_begin(db);
	assert_int_equal(
		wg_test_end(db, wg_category_set_deadline(db, &admin, "sha256", "0102", &hours, 0, &fe)), 0);
	struct minor_seen h = minor_of(db, "0102");
	assert_int_equal(h.deadline, 24);
	assert_string_equal(h.unit, "working_hours");
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action = ?",
	                                   "category.deadline", 0),
	                 2);

	/* A changed file: 0101's edit stays while the file's value becomes
	 * the default; 0201, not edited, follows the file. */
	char cat_text[8192];
	snprintf(cat_text, sizeof cat_text, "%s",
	         edit(categories, MINOR("0101", "event", "working_days", 3, "police", "police"),
	              MINOR("0101", "event", "working_days", 4, "police", "police")));
	snprintf(cat_text, sizeof cat_text, "%s",
	         edit(cat_text, MINOR("0201", "dispute", "working_days", 15, "justice", "justice"),
	              MINOR("0201", "dispute", "working_days", 10, "justice", "justice")));
	for (int round = 0; round < 2; round++)
		assert_int_equal(load(db, cat_text, departments), 0);
	now = minor_of(db, "0101");
	assert_int_equal(now.deadline, 5);
	assert_int_equal(now.default_deadline, 4);
	assert_true(now.edited_at > 0);
	struct minor_seen plain = minor_of(db, "0201");
	assert_int_equal(plain.deadline, 10);
	assert_int_equal(plain.default_deadline, 10);
	assert_int_equal(plain.edited_at, 0);

	/* Back to the default, which is now the file's 4 days. */
	wg_category_deadline_input restore = {.restore = true};
	wg_test_begin(db);
	assert_int_equal(
		wg_test_end(db, wg_category_set_deadline(db, &admin, "sha256", "0101", &restore, 0, &fe)), 0);
	now = minor_of(db, "0101");
	assert_int_equal(now.deadline, 4);
	assert_int_equal(now.edited_at, 0);
	assert_int_equal(wg_test_query_int(db,
	                                   "SELECT count(*) FROM categories WHERE code = ? AND "
	                                   "deadline_edited_by IS NULL",
	                                   "0101", 0),
	                 1);

	/* Out of memory at every allocation: WG_ENOMEM and nothing written,
	 * until it goes through. */
	int rc = WG_ENOMEM;
	unsigned long failures = 0;
	wg_category_deadline_input seven = {.set_deadline = true, .deadline = 7};
	for (unsigned long n = 1; rc == WG_ENOMEM; n++) {
		wg_arena_clear(&arena);
		wg_field_errors_init(&fe, &arena);
		wg_test_begin(db);
		wg_alloc_fail_at(n);
		rc = wg_category_set_deadline(db, &admin, "sha256", "0201", &seven, 0, &fe);
		wg_alloc_fail_at(0);
		wg_test_end(db, rc);
		if (rc == WG_ENOMEM) {
			failures++;
			assert_int_equal(minor_of(db, "0201").deadline, 10);
		} else if (rc) {
			fail_msg("allocation %lu: rc %d", n, rc);
		}
		assert_true(n < 500);
	}
	assert_int_equal(minor_of(db, "0201").deadline, 7);
	wg_arena_clear(&arena);
	(void)failures;
}

/* A department's duties as "a,b,c", and its default list. */
struct duties_seen {
	char duties[64], defaults[64];
	int64_t edited_at, version;
};

static int duties_of_cb(void *ctx, const wg_department *d)
{
	struct duties_seen *s = ctx;
	s->duties[0] = '\0';
	for (size_t i = 0; i < d->nduties; i++)
		snprintf(s->duties + strlen(s->duties), sizeof s->duties - strlen(s->duties), "%s%s",
		         i ? "," : "", d->duties[i]);
	snprintf(s->defaults, sizeof s->defaults, "%s", d->default_duties);
	s->edited_at = d->duties_edited_at;
	s->version = d->version;
	return 0;
}

static struct duties_seen duties_of(wg_db *db, const char *code)
{
	struct duties_seen s = {0};
	wg_scope all = scope_of(NULL);
	assert_int_equal(wg_department_get(db, &all, code, duties_of_cb, &s), 0);
	return s;
}

static const char *owner(wg_db *db, const char *category, const char *region)
{
	static char out[WG_DEPARTMENT_CODE_MAX + 1];
	int rc = wg_routing_owner(db, category, "village", region, out, sizeof out);
	return rc == WG_ENOTFOUND ? "(none)" : rc ? "(error)" : out;
}

static void test_set_duties(void **state)
{
	wg_db *db = wg_test_open(state);
	add_admin(db);
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	static const wg_caller admin = {.user_id = 1, .username = "sysadmin", .scope = "610326000000"};
	static const wg_caller town_admin = {.user_id = 1, .username = "sysadmin", .scope = "610326101000"};
	const char *village = "610326101201";
	struct duties_seen police = duties_of(db, "610326101-police");
	assert_string_equal(police.duties, "0101");
	assert_string_equal(police.defaults, "0101");
	assert_int_equal(police.edited_at, 0);
	assert_string_equal(owner(db, "0102", village), "610326101-civil");
	assert_string_equal(owner(db, "0101", village), "610326101-police");

	/* Refusals: nothing changes. */
	const char *many[WG_DEPARTMENT_DUTIES_MAX + 1];
	for (size_t i = 0; i < WG_DEPARTMENT_DUTIES_MAX + 1; i++)
		many[i] = "0101";
	static const char *const not_minor[] = {"0101", "9999"}, *const major[] = {"01"},
				 *const null[] = {NULL}, *const letters[] = {"01a1"},
				 *const twice[] = {"0102", "0101", "0102"};
	static const struct {
		const char *code;
		const wg_caller *who;
		const char *const *list;
		size_t n;
		int64_t version; /* added to the stored one; -1000: not checked */
		int rc;
		const char *field, *why;
	} bad[] = {
		{"610326101-police", &admin, not_minor, 2, -1000, WG_EVALIDATION, "categories[1]",
	         "not_found"},
		{"610326101-police", &admin, major, 1, -1000, WG_EVALIDATION, "categories[0]", "pattern"},
		{"610326101-police", &admin, null, 1, -1000, WG_EVALIDATION, "categories[0]", "pattern"},
		{"610326101-police", &admin, letters, 1, -1000, WG_EVALIDATION, "categories[0]", "pattern"},
		{"610326101-police", &admin, twice, 3, -1000, WG_EVALIDATION, "categories[2]", "duplicate"},
		{"610326101-police", &admin, NULL, WG_DEPARTMENT_DUTIES_MAX + 1, -1000, WG_EVALIDATION,
	         "categories", "too_long"},
		{"610326101-police", &admin, not_minor, 1, 1, WG_ECONFLICT, NULL, NULL},
		{"610326-none", &admin, not_minor, 1, -1000, WG_ENOTFOUND, NULL, NULL},
		{NULL, &admin, not_minor, 1, -1000, WG_ENOTFOUND, NULL, NULL},
		{"610326001-police", &town_admin, not_minor, 1, -1000, WG_ENOTFOUND, NULL, NULL},
		{"610326-police", &town_admin, not_minor, 1, -1000, WG_EFORBIDDEN, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wg_field_errors_init(&fe, &arena);
		int64_t version = bad[i].version == -1000 ? 0 : police.version + bad[i].version;
		const char *why = NULL;
		const char *const *list = bad[i].list ? bad[i].list : many;
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_department_set_duties(db, bad[i].who, "sha256", bad[i].code, list,
		                                                  bad[i].n, false, version, &fe, &why));
		if (rc != bad[i].rc ||
		    (bad[i].field && (fe.n != 1 || strcmp(fe.e[0].field, bad[i].field) != 0 ||
		                      strcmp(fe.e[0].code, bad[i].why) != 0)))
			fail_msg("case %zu: rc %d, %u errors, first %s/%s", i, rc, fe.n,
			         fe.n ? fe.e[0].field : "-", fe.n ? fe.e[0].code : "-");
		if (rc == WG_ECONFLICT)
			assert_non_null(strstr(why, "If-Match"));
		wg_arena_clear(&arena);
	}
	/* Every bad element at once. */
	static const char *const mixed[] = {"9999", "0101", "x", "0101"};
	wg_field_errors_init(&fe, &arena);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_set_duties(db, &admin, "sha256", "610326101-police",
	                                                          mixed, 4, false, 0, &fe, NULL)),
	                 WG_EVALIDATION);
	assert_int_equal(fe.n, 3);
	assert_string_equal(fe.e[0].field, "categories[0]");
	assert_string_equal(fe.e[1].field, "categories[2]");
	assert_string_equal(fe.e[2].field, "categories[3]");
	wg_arena_clear(&arena);
	/* An inactive department keeps its list. */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_db_exec(db, "UPDATE departments SET active = 0 WHERE code = "
	                                                "'610326001-justice'")),
	                 0);
	const char *why = NULL;
	wg_field_errors_init(&fe, &arena);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_set_duties(db, &admin, "sha256", "610326001-justice",
	                                                          not_minor, 1, false, 0, &fe, &why)),
	                 WG_ECONFLICT);
	assert_non_null(strstr(why, "not active"));
	assert_string_equal(duties_of(db, "610326101-police").duties, "0101");
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM audit_log WHERE action = ?",
	                                   "department.duties", 0),
	                 0);

	/* The town's sysadmin gives 0102 to its police, then takes it from
	 * civil affairs, the owner: routing follows each edit at once. */
	static const char *const only_0102[] = {"0102"}, *const none[] = {NULL};
	wg_test_begin(db);
	assert_int_equal(
		wg_test_end(db, wg_department_set_duties(db, &town_admin, "sha256", "610326101-police",
	                                                 only_0102, 1, false, police.version, &fe, NULL)),
		0);
	struct duties_seen now = duties_of(db, "610326101-police");
	assert_string_equal(now.duties, "0102");
	assert_string_equal(now.defaults, "0101");
	assert_true(now.edited_at > 0);
	assert_int_equal(now.version, police.version + 1);
	assert_string_equal(owner(db, "0102", village), "610326101-civil");
	assert_string_equal(owner(db, "0101", village), "(none)");
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_set_duties(db, &admin, "sha256", "610326101-civil",
	                                                          none, 0, false, 0, &fe, NULL)),
	                 0);
	assert_string_equal(duties_of(db, "610326101-civil").duties, "");
	assert_string_equal(owner(db, "0102", village), "610326101-police");
	assert_string_equal(owner(db, "0102", "610326001002"), "610326001-civil");
	assert_int_equal(wg_test_query_int(db,
	                                   "SELECT count(*) FROM audit_log WHERE action = ? AND detail "
	                                   "LIKE '%\"removed\":[\"0102\"]%'",
	                                   "department.duties", 0),
	                 1);

	/* A changed departments file: police gains 0201 in towns. The edited
	 * lists stay whole, with the file's new list as their default; the
	 * other town's police follows the file. */
	char dep_text[8192];
	snprintf(dep_text, sizeof dep_text, "%s",
	         edit(departments, "{\"category\":\"0102\",\"levels\":[\"county\"]}",
	              "{\"category\":\"0102\",\"levels\":[\"county\"]},"
	              "{\"category\":\"0201\",\"levels\":[\"town\"]}"));
	for (int round = 0; round < 2; round++)
		assert_int_equal(load(db, categories, dep_text), 0);
	now = duties_of(db, "610326101-police");
	assert_string_equal(now.duties, "0102");
	assert_string_equal(now.defaults, "0101,0201");
	assert_string_equal(duties_of(db, "610326101-civil").duties, "");
	struct duties_seen other = duties_of(db, "610326001-police");
	assert_string_equal(other.duties, "0101,0201");
	assert_int_equal(other.edited_at, 0);

	/* Back to the default: the file's new list, unmarked. */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_department_set_duties(db, &admin, "sha256", "610326101-police",
	                                                          NULL, 0, true, 0, &fe, NULL)),
	                 0);
	now = duties_of(db, "610326101-police");
	assert_string_equal(now.duties, "0101,0201");
	assert_int_equal(now.edited_at, 0);

	/* Out of memory at every allocation: WG_ENOMEM and the list as it
	 * was, until it goes through. */
	int rc = WG_ENOMEM;
	for (unsigned long n = 1; rc == WG_ENOMEM; n++) {
		wg_arena_clear(&arena);
		wg_field_errors_init(&fe, &arena);
		wg_test_begin(db);
		wg_alloc_fail_at(n);
		rc = wg_department_set_duties(db, &admin, "sha256", "610326101-civil", NULL, 0, true, 0, &fe,
		                              NULL);
		wg_alloc_fail_at(0);
		wg_test_end(db, rc);
		if (rc == WG_ENOMEM)
			assert_string_equal(duties_of(db, "610326101-civil").duties, "");
		else if (rc)
			fail_msg("allocation %lu: rc %d", n, rc);
		assert_true(n < 500);
	}
	assert_string_equal(duties_of(db, "610326101-civil").duties, "0102");
	wg_arena_clear(&arena);
}

#define STORE_TESTS(fx)                                                                                      \
	cmocka_unit_test_prestate_setup_teardown(test_instantiated, setup, wg_test_teardown, &(fx)),         \
		cmocka_unit_test_prestate_setup_teardown(test_categories_and_reload, setup,                  \
	                                                 wg_test_teardown, &(fx)),                           \
		cmocka_unit_test_prestate_setup_teardown(test_create, setup, wg_test_teardown, &(fx)),       \
		cmocka_unit_test_prestate_setup_teardown(test_set_deadline, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_set_duties, setup, wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_and_levels),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_category_errors),
		cmocka_unit_test(test_department_errors),
		cmocka_unit_test(test_cross_check),
		cmocka_unit_test(test_parse_out_of_memory),
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
