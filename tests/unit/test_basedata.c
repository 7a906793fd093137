/* test_basedata.c - base data: the vocabularies and small helpers;
 * residents (validation, sealing, masking, unmasking and its audit row,
 * duplicates, updates, tags, lists and searches), houses, organisations,
 * key places, visits and the visit schedule; scope on every read and
 * write; the failing allocator on the create path. On SQLite, and on
 * PostgreSQL when WG_TEST_PG_URL is set. */
#include "core/alloc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/secret.h"
#include "domain/attachment.h"
#include "domain/basedata.h"
#include "domain/grid.h"
#include "domain/house.h"
#include "domain/key_place.h"
#include "domain/organisation.h"
#include "domain/resident.h"
#include "domain/role.h"
#include "domain/visit.h"
#include "io/geojson.h"

#include "fixture.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define ALG "sha256"
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define DAY WG_DAY_MS

#define TOWN1 "610326101000"
#define TOWN2 "610326102000"
#define VILLAGE1 "610326101201"
#define VILLAGE1B "610326101202"
#define VILLAGE2 "610326102201"
#define GRID1 VILLAGE1 "001"
#define GRID1B VILLAGE1 "002"
#define GRID2 VILLAGE2 "001"

/* Valid GB 11643 numbers (core/ident.h's own tests check them). */
#define ID_M "610326199001011233"  /* male, 1990-01-01 */
#define ID_F "610326200002290022"  /* female, 2000-02-29 */
#define ID_X "11010519491231002X"  /* female, 1949-12-31, check character X */
#define ID_M2 "110105194912310011" /* male, 1949-12-31 */

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326102000,610326000000,槐芽镇\n"
			   "610326101201,610326101000,横渠村\n"
			   "610326101202,610326101000,二村\n"
			   "610326102201,610326102000,槐芽村\n";

/* ---- fixture ------------------------------------------------------------------ */

struct fixture {
	wg_test_db t; /* first: fixture.c finds it at *state */
	wg_db *db;
	wg_arena arena;
	wg_field_errors fe;
	wg_secret_key *key;
	int64_t worker1, worker2, head1, leader; /* accounts */
};

static char key_path[600];

static int group_setup(void **state)
{
	if (sodium_init() < 0 || wg_test_group_setup(state) != 0)
		return -1;
	snprintf(key_path, sizeof key_path, "%s/wangge.key", wg_test_dir());
	return 0;
}

static wg_geom rect(double x0, double y0, double x1, double y1)
{
	char text[512];
	snprintf(text, sizeof text,
	         "{\"type\":\"Polygon\",\"coordinates\":[[[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%."
	         "7f,%.7f]]]}",
	         x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
	wg_geom g;
	char err[256];
	if (wg_geojson_parse_text(text, strlen(text), &g, err, sizeof err) != 0)
		fail_msg("rect: %s", err);
	return g;
}

static int64_t add_user(wg_db *db, const char *username, unsigned roles, const char *scope)
{
	wg_stmt *st;
	assert_int_equal(
		wg_db_prepare(
			db,
			"INSERT INTO users (username, name, scope_key, roles, password_hash, "
			"password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'x', 0, 0, 0) "
			"RETURNING id",
			&st),
		0);
	assert_int_equal(wg_stmt_bindf(st, "ttti", username, username, scope, (int64_t)roles), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t id = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return id;
}

/* Regions, two drawn grids in village 1 and one in village 2, accounts. */
static int setup(void **state)
{
	struct fixture *f = *state;
	wg_clock_set_ms(T0);
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(&f->t, tree, 8) != 0)
		return -1;
	f->db = f->t.db;
	if (f->t.skip)
		return 0;
	char err[256];
	if (wg_secret_key_load(key_path, &f->key, err, sizeof err) != 0) {
		fprintf(stderr, "key: %s\n", err);
		return -1;
	}
	wg_arena_init(&f->arena, 4096);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_geom g1 = rect(107.70, 34.10, 107.71, 34.11), g1b = rect(107.71, 34.10, 107.72, 34.11),
		g2 = rect(107.80, 34.10, 107.81, 34.11);
	wg_grid_row rows[] = {
		{.code = GRID1, .name = "一网格", .type = "rural", .boundary = &g1},
		{.code = GRID1B, .name = "二网格", .type = "rural", .boundary = &g1b},
		{.code = GRID2, .name = "槐芽网格", .type = "rural", .boundary = &g2},
	};
	int rc = wg_db_begin(f->db);
	for (size_t i = 0; !rc && i < sizeof rows / sizeof rows[0]; i++)
		rc = wg_grid_insert(f->db, &rows[i]);
	if (!rc)
		rc = wg_grid_index_reload(f->db);
	if (!rc) {
		f->worker1 = add_user(f->db, "worker1", WG_ROLE_GRID_WORKER, GRID1);
		f->worker2 = add_user(f->db, "worker2", WG_ROLE_GRID_WORKER, GRID2);
		f->head1 = add_user(f->db, "head1", WG_ROLE_GRID_HEAD, VILLAGE1);
		f->leader = add_user(f->db, "leader", WG_ROLE_LEADER, "610326000000");
	}
	rc = rc ? rc : wg_db_commit(f->db);
	wg_geom_free(&g1);
	wg_geom_free(&g1b);
	wg_geom_free(&g2);
	if (rc)
		fprintf(stderr, "setup: %s\n", wg_db_errmsg(f->db));
	return rc ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	wg_clock_set_ms(0);
	if (f->t.skip)
		return 0;
	wg_arena_clear(&f->arena);
	wg_secret_key_free(f->key);
	f->key = NULL;
	f->db = NULL;
	return wg_test_teardown(state);
}

static struct fixture *fixture_of(void **state)
{
	wg_test_of(state);
	struct fixture *f = *state;
	wg_field_errors_init(&f->fe, &f->arena);
	return f;
}

static wg_caller caller(int64_t id, const char *username, unsigned roles, const char *scope)
{
	return (wg_caller){.user_id = id, .username = username, .roles = roles, .scope = scope};
}

static wg_basedata_env env_of(struct fixture *f, const wg_caller *c)
{
	return (wg_basedata_env){
		.caller = c, .key = f->key, .audit_alg = ALG, .offset_minutes = 480, .arena = &f->arena};
}

static const wg_caller town1 = {
	.user_id = 0, .username = "town1", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN1};
static const wg_caller town2 = {
	.user_id = 0, .username = "town2", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN2};

/* The first error is on field with code. */
static void expect_error(struct fixture *f, const char *field, const char *code)
{
	for (unsigned i = 0; i < f->fe.n; i++)
		if (strcmp(f->fe.e[i].field, field) == 0 && strcmp(f->fe.e[i].code, code) == 0)
			return;
	fail_msg("no %s/%s among %u errors (first: %s/%s %s)", field, code, f->fe.n,
	         f->fe.n ? f->fe.e[0].field : "-", f->fe.n ? f->fe.e[0].code : "-",
	         f->fe.n ? f->fe.e[0].message : "-");
}

static int64_t count(struct fixture *f, const char *sql)
{
	return wg_test_query_int(f->db, sql, NULL, 0);
}

/* ---- pure helpers ---------------------------------------------------------- */

static void test_vocabularies(void **state)
{
	(void)state;
	const wg_terms *all[] = {&wg_special_groups,     &wg_place_types,     &wg_house_uses,
	                         &wg_organisation_types, &wg_residence_types, &wg_house_relations};
	for (size_t v = 0; v < sizeof all / sizeof all[0]; v++) {
		assert_true(all[v]->n > 0);
		for (size_t i = 0; i < all[v]->n; i++) {
			const wg_term *t = &all[v]->t[i];
			assert_ptr_equal(wg_terms_key(all[v], t->key), t);
			assert_ptr_equal(wg_terms_find(all[v], t->label), t);
			if (t->alias)
				assert_ptr_equal(wg_terms_find(all[v], t->alias), t);
			assert_non_null(t->label_en);
			for (size_t k = 0; k < i; k++) {
				assert_string_not_equal(all[v]->t[k].key, t->key);
				assert_string_not_equal(all[v]->t[k].label, t->label);
			}
		}
		assert_null(wg_terms_key(all[v], "nonexistent"));
		assert_null(wg_terms_find(all[v], NULL));
	}
	/* Labels are for imports, keys for the API: a label is no key. */
	assert_null(wg_terms_key(&wg_special_groups, "社区矫正对象"));
	assert_int_equal(wg_special_groups.n, WG_SPECIAL_GROUP_COUNT);
	for (size_t i = 0; i < wg_special_groups.n; i++) {
		assert_true(wg_special_groups.t[i].visit_days >= 1);
		assert_true(wg_special_groups.t[i].visit_days <= 366);
	}
	assert_int_equal(wg_terms_key(&wg_special_groups, "community_correction")->visit_days, 7);
	assert_int_equal(wg_terms_key(&wg_special_groups, "veteran")->visit_days, 90);
	assert_string_equal(wg_terms_find(&wg_residence_types, "流动")->key, "floating");
	assert_string_equal(wg_terms_find(&wg_place_types, "网吧")->key, "internet_cafe");
	assert_int_equal(wg_place_types.n, 12);
	/* Roles: leaders read but never unmask or write. */
	assert_true(WG_ROLES_BASEDATA_READ & WG_ROLE_LEADER);
	assert_false(WG_ROLES_UNMASK & WG_ROLE_LEADER);
	assert_false(WG_ROLES_BASEDATA_WRITE & WG_ROLE_LEADER);
	assert_false((WG_ROLES_BASEDATA_READ | WG_ROLES_UNMASK) & (WG_ROLES_ADMIN | WG_ROLES_DEPARTMENT));
}

static void test_dates(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{"2000-02-29", true},  {"1900-02-28", true},  {"1900-02-29", false},  {"2025-12-31", true},
		{"2026-01-01", true},  {"2026-01-02", false}, {"1899-12-31", false},  {"2001-13-01", false},
		{"2001-00-10", false}, {"2001-04-31", false}, {"2001-4-30", false},   {"2001-04-3O", false},
		{"20010430", false},   {"", false},           {"2001-04-30 ", false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (wg__basedata_date_ok(t[i].s, 20260101) != t[i].ok)
			fail_msg("%s: expected %d", t[i].s, t[i].ok);
	assert_false(wg__basedata_date_ok(NULL, 20260101));
}

static void test_narrow_and_like(void **state)
{
	(void)state;
	wg_scope county, town, out;
	wg_scope_of(&(wg_caller){.user_id = 1, .scope = "610326000000"}, &county);
	wg_scope_of(&(wg_caller){.user_id = 1, .scope = TOWN1}, &town);
	static const struct {
		bool from_town;
		const char *code;
		bool ok;
		const char *lo, *hi;
	} t[] = {
		{false, TOWN1, true, "610326101", "610326102"},
		{false, GRID1, true, GRID1, VILLAGE1 "002"},
		{true, VILLAGE1, true, VILLAGE1, "610326101202"},
		{true, "610326000000", true, "610326101", "610326102"}, /* wider than the caller: theirs */
		{true, TOWN2, true, "610326102", "610326102"},          /* elsewhere: empty */
		{false, "61032610100", false, NULL, NULL},
		{false, "abc", false, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(wg__basedata_narrow(t[i].from_town ? &town : &county, t[i].code, &out),
		                 t[i].ok);
		if (!t[i].ok)
			continue;
		assert_string_equal(out.lo, t[i].lo);
		assert_string_equal(out.hi, t[i].hi);
	}
	/* The empty range contains nothing. */
	assert_true(wg__basedata_narrow(&town, TOWN2, &out));
	assert_false(wg_scope_contains(&out, TOWN2));
	assert_false(wg_scope_contains(&out, TOWN1));

	static const struct {
		const char *q, *pattern;
	} l[] = {{NULL, "%"}, {"", "%"}, {"张", "%张%"}, {"50%_!", "%50!%!_!!%"}};
	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
		char buf[64];
		wg__basedata_like(l[i].q, buf, sizeof buf);
		assert_string_equal(buf, l[i].pattern);
	}
}

static void test_details(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 256);
	const char *names[] = {"name", "phone"};
	assert_string_equal(wg__basedata_fields_detail(&a, names, 2), "{\"fields\":[\"name\",\"phone\"]}");
	assert_string_equal(wg__basedata_fields_detail(&a, names, 0), "{\"fields\":[]}");
	assert_string_equal(wg__basedata_reason_detail(&a, "核查\"走访\"\n"),
	                    "{\"reason\":\"核查\\\"走访\\\"\\n\"}");
	wg_arena_clear(&a);
	/* Out of memory at every allocation: NULL, nothing leaked (ASan). */
	for (unsigned long n = 1;; n++) {
		wg_arena_init(&a, 16);
		wg_alloc_fail_at(n);
		const char *d = wg__basedata_reason_detail(
			&a, "a reason long enough to need a second chunk of the arena");
		wg_alloc_fail_at(0);
		wg_arena_clear(&a);
		if (d)
			break;
		assert_true(n < 50);
	}
	/* Text checks. */
	wg_arena_init(&a, 256);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &a);
	static const struct {
		const char *s;
		bool required, ok;
		const char *code;
	} t[] = {
		{"张三", true, true, NULL},
		{NULL, true, false, "required"},
		{"", true, false, "required"},
		{NULL, false, true, NULL},
		{"a\x01", false, false, "pattern"},
		{"a\x7f", false, false, "pattern"},
		{"\xff\xfe", false, false, "pattern"},
		{"一二三四五六", false, false, "too_long"},
		{"一二三四五", false, true, NULL},
		{"two\nlines\tok", false, true, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		fe.n = 0;
		assert_int_equal(wg__basedata_text(&fe, "f", t[i].s,
		                                   5 + (t[i].s && strchr(t[i].s, '\n') ? 20 : 0),
		                                   t[i].required),
		                 t[i].ok);
		assert_int_equal(fe.n, t[i].ok ? 0 : 1);
		if (!t[i].ok)
			assert_string_equal(fe.e[0].code, t[i].code);
	}
	wg_arena_clear(&a);
}

/* ---- residents ------------------------------------------------------------------- */

static int create_resident(struct fixture *f, const wg_caller *c, const wg_resident_input *in, int64_t *id)
{
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	return wg_test_end(f->db, wg_resident_create(f->db, &env, in, id, &f->fe));
}

static int update_resident(struct fixture *f, const wg_caller *c, int64_t id, const wg_resident_input *in,
                           int64_t version)
{
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	return wg_test_end(f->db, wg_resident_update(f->db, &env, id, in, version, &f->fe));
}

/* A copy of what a callback saw. */
struct seen {
	int n;
	int64_t ids[64];
	char id_number[32], phone[32], sex[8], birth[12], grid[20], region[16], relation[12];
	bool unmasked;
	int64_t version, house;
	size_t ntags;
	wg_resident_tag tags[WG_SPECIAL_GROUP_COUNT];
	bool has_location;
	double lat, lng;
};

static int see(void *ctx, const wg_resident *r)
{
	struct seen *s = ctx;
	if (s->n < 64)
		s->ids[s->n] = r->id;
	s->n++;
	snprintf(s->id_number, sizeof s->id_number, "%s", r->id_number ? r->id_number : "");
	snprintf(s->phone, sizeof s->phone, "%s", r->phone ? r->phone : "");
	snprintf(s->sex, sizeof s->sex, "%s", r->sex ? r->sex : "");
	snprintf(s->birth, sizeof s->birth, "%s", r->birth_date ? r->birth_date : "");
	snprintf(s->grid, sizeof s->grid, "%s", r->grid ? r->grid : "");
	snprintf(s->region, sizeof s->region, "%s", r->region ? r->region : "");
	snprintf(s->relation, sizeof s->relation, "%s", r->house_relation ? r->house_relation : "");
	s->unmasked = r->unmasked;
	s->version = r->version;
	s->house = r->house;
	s->ntags = r->ntags;
	memcpy(s->tags, r->tags, sizeof s->tags);
	s->has_location = r->has_location;
	s->lat = r->lat;
	s->lng = r->lng;
	return 0;
}

static int get_resident(struct fixture *f, const wg_caller *c, int64_t id, struct seen *s)
{
	memset(s, 0, sizeof *s);
	wg_basedata_env env = env_of(f, c);
	return wg_resident_get(f->db, &env, id, see, s);
}

static int list_residents(struct fixture *f, const wg_caller *c, wg_resident_filter flt, struct seen *s,
                          int64_t *total)
{
	memset(s, 0, sizeof *s);
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	if (!flt.limit)
		flt.limit = 50;
	return wg_resident_list(f->db, &env, &flt, see, s, total, &f->fe);
}

#define IN_VILLAGE1                               \
	{                                         \
		.given = true, .region = VILLAGE1 \
	}

static void test_resident_validation(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t house2 = 0, id;
	{
		/* A house in town 2, invisible to town 1. */
		wg_basedata_env env = env_of(f, &town2);
		wg_house_input h = {.address = "槐芽村1号", .where = {.given = true, .region = VILLAGE2}};
		wg_test_begin(f->db);
		assert_int_equal(wg_test_end(f->db, wg_house_create(f->db, &env, &h, &house2, &f->fe)), 0);
	}
	char long_name[300];
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	static const wg_resident_tag_input no_tag = {.worker = WG_BASEDATA_UNSET};
	(void)no_tag;
	const struct {
		wg_resident_input in;
		const char *field, *code;
		int rc;
	} t[] = {
		{{.where = IN_VILLAGE1}, "name", "required", WG_EVALIDATION},
		{{.name = long_name, .where = IN_VILLAGE1}, "name", "too_long", WG_EVALIDATION},
		{{.name = "a\x01", .where = IN_VILLAGE1}, "name", "pattern", WG_EVALIDATION},
		{{.name = "张三"}, "location", "required", WG_EVALIDATION},
		{{.name = "张三", .id_number = "610326199001011234", .where = IN_VILLAGE1},
	         "id_number",
	         "checksum",
	         WG_EVALIDATION},
		{{.name = "张三", .id_number = "61032619900101123", .where = IN_VILLAGE1},
	         "id_number",
	         "length",
	         WG_EVALIDATION},
		{{.name = "张三", .id_number = ID_M, .sex = "female", .where = IN_VILLAGE1},
	         "sex",
	         "conflict",
	         WG_EVALIDATION},
		{{.name = "张三", .id_number = ID_M, .birth_date = "1990-01-02", .where = IN_VILLAGE1},
	         "birth_date",
	         "conflict",
	         WG_EVALIDATION},
		{{.name = "张三", .sex = "m", .where = IN_VILLAGE1}, "sex", "unknown", WG_EVALIDATION},
		{{.name = "张三", .birth_date = "2030-01-01", .where = IN_VILLAGE1},
	         "birth_date",
	         "pattern",
	         WG_EVALIDATION},
		{{.name = "张三", .phone = "12345", .where = IN_VILLAGE1}, "phone", "format", WG_EVALIDATION},
		{{.name = "张三", .residence_type = "tourist", .where = IN_VILLAGE1},
	         "residence_type",
	         "unknown",
	         WG_EVALIDATION},
		{{.name = "张三", .house_relation = "owner", .where = IN_VILLAGE1},
	         "house_relation",
	         "conflict",
	         WG_EVALIDATION},
		{{.name = "张三", .house = house2, .set_house = true, .house_relation = "owner"},
	         "house",
	         "not_found",
	         WG_EVALIDATION},
		{{.name = "张三", .where = {.given = true, .region = VILLAGE2}},
	         "region",
	         "not_found",
	         WG_EVALIDATION},
		{{.name = "张三", .where = {.given = true, .grid = GRID2}},
	         "grid",
	         "not_found",
	         WG_EVALIDATION},
		{{.name = "张三",
	          .where = {.given = true, .has_location = true, .lat = 34.105, .lng = 107.805}},
	         "location",
	         "out_of_area",
	         WG_EVALIDATION},
		{{.name = "张三",
	          .where = IN_VILLAGE1,
	          .set_tags = true,
	          .ntags = 1,
	          .tags = {{.tag = "vip", .worker = -1}}},
	         "tags[0].tag",
	         "unknown",
	         WG_EVALIDATION},
		{{.name = "张三",
	          .where = IN_VILLAGE1,
	          .set_tags = true,
	          .ntags = 2,
	          .tags = {{.tag = "disabled", .worker = -1}, {.tag = "disabled", .worker = -1}}},
	         "tags[1].tag",
	         "duplicate",
	         WG_EVALIDATION},
		{{.name = "张三",
	          .where = IN_VILLAGE1,
	          .set_tags = true,
	          .ntags = 1,
	          .tags = {{.tag = "disabled", .visit_days = 400, .worker = -1}}},
	         "tags[0].visit_days",
	         "range",
	         WG_EVALIDATION},
		{{.name = "张三",
	          .where = IN_VILLAGE1,
	          .set_tags = true,
	          .ntags = 1,
	          .tags = {{.tag = "disabled", .worker = 999}}},
	         "tags[0].worker",
	         "not_found",
	         WG_EVALIDATION},
		{{.name = "张三",
	          .where = IN_VILLAGE1,
	          .set_tags = true,
	          .ntags = 1,
	          .tags = {{.tag = "disabled", .worker = 0}}},
	         NULL,
	         NULL,
	         0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = create_resident(f, &town1, &t[i].in, &id);
		if (rc != t[i].rc)
			fail_msg("case %zu: %d, expected %d (first error %s/%s)", i, rc, t[i].rc,
			         f->fe.n ? f->fe.e[0].field : "-", f->fe.n ? f->fe.e[0].code : "-");
		if (t[i].field)
			expect_error(f, t[i].field, t[i].code);
	}
	/* A worker must be a grid worker or head whose area holds the record. */
	wg_resident_input in = {.name = "王五",
	                        .where = IN_VILLAGE1,
	                        .set_tags = true,
	                        .ntags = 1,
	                        .tags = {{.tag = "disabled", .worker = f->leader}}};
	assert_int_equal(
		create_resident(f, &(wg_caller){.user_id = 0, .roles = WG_ROLE_CENTRE_OPERATOR}, &in, &id),
		WG_EVALIDATION);
	expect_error(f, "tags[0].worker", "role");
	in.tags[0].worker = f->worker1; /* serves grid 1, the resident is placed by village only */
	assert_int_equal(create_resident(f, &town1, &in, &id), WG_EVALIDATION);
	expect_error(f, "tags[0].worker", "area");
	in.tags[0].worker = f->worker2; /* another town's worker: not in town 1's area */
	assert_int_equal(create_resident(f, &town1, &in, &id), WG_EVALIDATION);
	expect_error(f, "tags[0].worker", "not_found");
	in.tags[0].worker = f->head1;
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	/* Every problem at once. */
	wg_resident_input bad = {.id_number = "x", .phone = "y", .sex = "z"};
	assert_int_equal(create_resident(f, &town1, &bad, &id), WG_EVALIDATION);
	assert_true(f->fe.n >= 5);
	/* Nothing of the failed cases was kept: one row from the valid case,
	 * one from the head. */
	assert_int_equal(count(f, "SELECT count(*) FROM residents"), 2);
}

static void test_resident_sealed(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_resident_input in = {.name = "张三",
	                        .id_number = "11010519491231002x",
	                        .phone = "+86 138-1234-5678",
	                        .where = IN_VILLAGE1};
	int64_t id;
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	wg_stmt *st;
	assert_int_equal(
		wg_db_prepare(f->db,
	                      "SELECT id_number, id_number_index, id_number_masked, phone, phone_index, "
	                      "phone_masked, sex, birth_date FROM residents WHERE id = ?",
	                      &st),
		0);
	assert_int_equal(wg_stmt_bind_int(st, 1, id), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	const char *sealed = wg_stmt_text(st, 0, NULL);
	assert_true(strncmp(sealed, "v1.", 3) == 0);
	assert_null(strstr(sealed, "1949"));
	char index[65], plain[32];
	assert_int_equal(wg_secret_blind_index(f->key, "idcard", ID_X, 18, index), 0);
	assert_string_equal(wg_stmt_text(st, 1, NULL), index); /* normalised: upper-case X */
	assert_string_equal(wg_stmt_text(st, 2, NULL), "110***********002X");
	assert_int_equal(wg_basedata_reveal(f->key, sealed, plain, sizeof plain), 0);
	assert_string_equal(plain, ID_X);
	assert_int_equal(wg_basedata_reveal(f->key, wg_stmt_text(st, 3, NULL), plain, sizeof plain), 0);
	assert_string_equal(plain, "13812345678");
	assert_int_equal(wg_secret_blind_index(f->key, "phone", "13812345678", 11, index), 0);
	assert_string_equal(wg_stmt_text(st, 4, NULL), index);
	assert_string_equal(wg_stmt_text(st, 5, NULL), "138****5678");
	assert_string_equal(wg_stmt_text(st, 6, NULL), "female");
	assert_string_equal(wg_stmt_text(st, 7, NULL), "1949-12-31");
	/* A seal that does not open: nothing leaks into out. */
	assert_int_equal(wg_basedata_reveal(f->key, "v1.AAAA", plain, sizeof plain), WG_EBADREQ);
	assert_string_equal(plain, "");
	assert_int_equal(wg_basedata_reveal(f->key, sealed, plain, 5), WG_ETOOLARGE);
	wg_stmt_finalize(st);
	/* Reads are masked. */
	struct seen s;
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.id_number, "110***********002X");
	assert_string_equal(s.phone, "138****5678");
	assert_false(s.unmasked);
	assert_string_equal(s.sex, "female");
	assert_string_equal(s.birth, "1949-12-31");
	/* Without the numbers, sex and birth date are whatever was given. */
	wg_resident_input none = {
		.name = "无证", .sex = "male", .birth_date = "2020-05-06", .where = IN_VILLAGE1};
	assert_int_equal(create_resident(f, &town1, &none, &id), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.id_number, "");
	assert_string_equal(s.sex, "male");
	assert_string_equal(s.birth, "2020-05-06");
}

static void test_unmask(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_resident_input in = {
		.name = "张三", .id_number = ID_M, .phone = "13812345678", .where = IN_VILLAGE1};
	int64_t id;
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	wg_caller leader = caller(f->leader, "leader", WG_ROLE_LEADER, "610326000000");
	wg_caller head = caller(f->head1, "head1", WG_ROLE_GRID_HEAD, VILLAGE1);
	const struct {
		const wg_caller *c;
		const char *reason;
		int rc;
	} t[] = {
		{&leader, "核查身份", WG_EFORBIDDEN},
		{&head, "核", WG_EVALIDATION},
		{&head, NULL, WG_EVALIDATION},
		{&town2, "核查身份", WG_ENOTFOUND},
		{&head, "核查身份", 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct seen s = {0};
		wg_basedata_env env = env_of(f, t[i].c);
		wg_field_errors_init(&f->fe, &f->arena);
		int64_t before = count(f, "SELECT count(*) FROM audit_log WHERE action = 'resident.unmask'");
		wg_test_begin(f->db);
		int rc =
			wg_test_end(f->db, wg_resident_unmask(f->db, &env, id, t[i].reason, see, &s, &f->fe));
		assert_int_equal(rc, t[i].rc);
		int64_t after = count(f, "SELECT count(*) FROM audit_log WHERE action = 'resident.unmask'");
		assert_int_equal(after - before, rc == 0 ? 1 : 0);
		if (rc)
			continue;
		assert_true(s.unmasked);
		assert_string_equal(s.id_number, ID_M);
		assert_string_equal(s.phone, "13812345678");
	}
	/* The row says who, which resident and why; never the numbers. */
	wg_stmt *st;
	assert_int_equal(
		wg_db_prepare(f->db,
	                      "SELECT actor_name, object_type, object_id, detail FROM audit_log WHERE "
	                      "action = 'resident.unmask'",
	                      &st),
		0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	assert_string_equal(wg_stmt_text(st, 0, NULL), "head1");
	assert_string_equal(wg_stmt_text(st, 1, NULL), "resident");
	char idtext[24];
	snprintf(idtext, sizeof idtext, "%" PRId64, id);
	assert_string_equal(wg_stmt_text(st, 2, NULL), idtext);
	assert_string_equal(wg_stmt_text(st, 3, NULL), "{\"reason\":\"核查身份\"}");
	wg_stmt_finalize(st);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE detail LIKE '%1990%' OR detail LIKE "
	                          "'%5678%'"),
	                 0);
}

static void test_duplicate_id(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_resident_input in = {.name = "张三", .id_number = ID_X, .where = IN_VILLAGE1};
	int64_t id, id2;
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	/* The same number, typed with a lower-case x, anywhere in the county. */
	wg_resident_input again = {.name = "张三",
	                           .id_number = "11010519491231002x",
	                           .where = {.given = true, .region = VILLAGE2}};
	assert_int_equal(create_resident(f, &town2, &again, &id2), WG_ECONFLICT);
	expect_error(f, "id_number", "conflict");
	/* Changing another resident to it conflicts too; keeping one's own does not. */
	wg_resident_input other = {.name = "李四", .id_number = ID_M, .where = IN_VILLAGE1};
	assert_int_equal(create_resident(f, &town1, &other, &id2), 0);
	wg_resident_input change = {.id_number = ID_X};
	assert_int_equal(update_resident(f, &town1, id2, &change, 0), WG_ECONFLICT);
	expect_error(f, "id_number", "conflict");
	assert_int_equal(update_resident(f, &town1, id, &change, 0), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM residents"), 2);
}

static void test_resident_update(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_resident_input in = {.name = "张三",
	                        .id_number = ID_M,
	                        .phone = "13812345678",
	                        .household = "H1",
	                        .address = "横渠村一组",
	                        .where = IN_VILLAGE1};
	int64_t id;
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	struct seen s;
	/* Stale version; absent and out of scope alike. */
	wg_resident_input name = {.name = "张三丰"};
	assert_int_equal(update_resident(f, &town1, id, &name, 2), WG_ECONFLICT);
	assert_int_equal(f->fe.n, 0);
	assert_int_equal(update_resident(f, &town2, id, &name, 0), WG_ENOTFOUND);
	assert_int_equal(update_resident(f, &town1, id + 100, &name, 0), WG_ENOTFOUND);
	assert_int_equal(update_resident(f, &town1, id, &name, 1), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_int_equal(s.version, 2);
	assert_string_equal(s.phone, "138****5678"); /* untouched fields stay */
	/* A new number brings its sex and birth date; a sex that disagrees is refused. */
	wg_resident_input idn = {.id_number = ID_F, .sex = "male"};
	assert_int_equal(update_resident(f, &town1, id, &idn, 0), WG_EVALIDATION);
	expect_error(f, "sex", "conflict");
	idn.sex = NULL;
	assert_int_equal(update_resident(f, &town1, id, &idn, 0), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.sex, "female");
	assert_string_equal(s.birth, "2000-02-29");
	assert_string_equal(s.id_number, "610***********0022");
	wg_resident_input sex = {.sex = "male"};
	assert_int_equal(update_resident(f, &town1, id, &sex, 0), WG_EVALIDATION);
	expect_error(f, "sex", "conflict");
	/* Clearing: phone and ID number; then sex may be set. */
	wg_resident_input clear = {.set_phone = true, .set_id_number = true, .set_household = true};
	assert_int_equal(update_resident(f, &town1, id, &clear, 0), 0);
	assert_int_equal(update_resident(f, &town1, id, &sex, 0), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.phone, "");
	assert_string_equal(s.id_number, "");
	assert_string_equal(s.sex, "male");
	assert_int_equal(
		count(f, "SELECT count(*) FROM residents WHERE phone IS NULL AND phone_index IS NULL AND "
	                 "id_number_index IS NULL AND household IS NULL AND address IS NOT NULL"),
		1);
	/* Moving by point puts it in the grid there. */
	wg_resident_input move = {
		.where = {.given = true, .has_location = true, .lat = 34.105, .lng = 107.715}};
	assert_int_equal(update_resident(f, &town1, id, &move, 0), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.grid, GRID1B);
	assert_string_equal(s.region, VILLAGE1);
	assert_true(s.has_location);
	assert_true(s.lat == 34.105 && s.lng == 107.715);
	/* Each update is audited with the names of the fields, never values. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'resident.update'"), 5);
	assert_int_equal(count(f,
	                       "SELECT count(*) FROM audit_log WHERE action = 'resident.update' AND detail = "
	                       "'{\"fields\":[\"name\"]}'"),
	                 1);
	assert_int_equal(
		count(f, "SELECT count(*) FROM audit_log WHERE detail LIKE '%0022%' OR detail LIKE '%1381%'"),
		0);
}

static void test_resident_tags(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	/* A grid worker who records a special group is its worker by default;
	 * the interval is the group's. */
	wg_resident_input in = {.name = "赵六",
	                        .where = {.given = true, .grid = GRID1},
	                        .set_tags = true,
	                        .ntags = 2,
	                        .tags = {{.tag = "community_correction", .worker = WG_BASEDATA_UNSET},
	                                 {.tag = "veteran", .visit_days = 60, .worker = 0}}};
	int64_t id;
	assert_int_equal(create_resident(f, &w1, &in, &id), 0);
	struct seen s;
	assert_int_equal(get_resident(f, &w1, id, &s), 0);
	assert_int_equal(s.ntags, 2);
	assert_string_equal(s.tags[0].tag, "community_correction");
	assert_int_equal(s.tags[0].visit_days, 7);
	assert_int_equal(s.tags[0].worker, f->worker1);
	assert_int_equal(s.tags[0].since, T0);
	assert_string_equal(s.tags[1].tag, "veteran");
	assert_int_equal(s.tags[1].visit_days, 60);
	assert_int_equal(s.tags[1].worker, 0);
	/* Re-sent later: a kept tag keeps its start and worker, a new one
	 * starts now, a missing one goes. */
	wg_clock_set_ms(T0 + 3 * DAY);
	wg_resident_input tags = {.set_tags = true,
	                          .ntags = 2,
	                          .tags = {{.tag = "community_correction", .worker = WG_BASEDATA_UNSET},
	                                   {.tag = "disabled", .worker = WG_BASEDATA_UNSET}}};
	assert_int_equal(update_resident(f, &town1, id, &tags, 0), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_int_equal(s.ntags, 2);
	assert_string_equal(s.tags[0].tag, "community_correction");
	assert_int_equal(s.tags[0].since, T0);
	assert_int_equal(s.tags[0].worker, f->worker1);
	assert_string_equal(s.tags[1].tag, "disabled");
	assert_int_equal(s.tags[1].since, T0 + 3 * DAY);
	assert_int_equal(s.tags[1].worker, 0); /* town 1 is no grid worker */
	assert_int_equal(s.tags[1].visit_days, 30);
	/* Moving out of worker 1's grid drops them from the schedule. */
	wg_resident_input move = {.where = {.given = true, .grid = GRID1B}};
	assert_int_equal(update_resident(f, &town1, id, &move, 0), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_int_equal(s.tags[0].worker, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM resident_tags WHERE scope_key = '" GRID1B "'"), 2);
	/* Cleared. */
	wg_resident_input none = {.set_tags = true};
	assert_int_equal(update_resident(f, &town1, id, &none, 0), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM resident_tags"), 0);
}

static void test_resident_list(void **state)
{
	struct fixture *f = fixture_of(state);
	const struct {
		const char *name, *id, *phone, *grid, *region, *tag;
	} people[] = {
		{"张三", ID_M, "13812345678", GRID1, NULL, "disabled"},
		{"张三丰", ID_F, "13812345678", GRID1B, NULL, NULL},
		{"李四", ID_X, NULL, NULL, VILLAGE1, "disabled"},
		{"王_五%", NULL, NULL, NULL, VILLAGE1B, NULL},
	};
	int64_t ids[5];
	for (size_t i = 0; i < 4; i++) {
		wg_resident_input in = {
			.name = people[i].name,
			.id_number = people[i].id,
			.phone = people[i].phone,
			.where = {.given = true, .grid = people[i].grid, .region = people[i].region}};
		if (people[i].tag) {
			in.set_tags = true;
			in.ntags = 1;
			in.tags[0] = (wg_resident_tag_input){.tag = people[i].tag, .worker = 0};
		}
		assert_int_equal(create_resident(f, &town1, &in, &ids[i]), 0);
	}
	wg_resident_input far = {.name = "张三",
	                         .id_number = ID_M2,
	                         .phone = "13812345678",
	                         .where = {.given = true, .grid = GRID2}};
	assert_int_equal(create_resident(f, &town2, &far, &ids[4]), 0);

	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	wg_caller county = caller(1, "county", WG_ROLE_CENTRE_OPERATOR, "610326000000");
	const struct {
		const wg_caller *c;
		wg_resident_filter f;
		int n;
		int64_t total;
	} t[] = {
		{&town1, {0}, 4, 4},
		{&county, {0}, 5, 5},
		{&town2, {0}, 1, 1},
		{&w1, {0}, 1, 1},
		{&town1, {.q = "张三"}, 2, 2},
		{&town1, {.q = "三"}, 2, 2},
		{&town1, {.q = "_"}, 1, 1}, /* LIKE's wildcards are literal */
		{&town1, {.q = "%"}, 1, 1},
		{&town1, {.area = GRID1, .area_field = "grid"}, 1, 1},
		{&town1, {.area = VILLAGE1, .area_field = "region"}, 3, 3},
		{&town1, {.area = VILLAGE2, .area_field = "region"}, 0, 0},
		{&town1, {.tag = "disabled"}, 2, 2},
		{&town1, {.id_number = ID_M}, 1, 1},
		{&town1, {.id_number = ID_M2}, 0, 0}, /* town 2's: never found from town 1 */
		{&county, {.id_number = ID_M2}, 1, 1},
		{&town1, {.phone = "138 1234 5678"}, 2, 2},
		{&county, {.phone = "+8613812345678"}, 3, 3},
		{&town2, {.phone = "13812345678"}, 1, 1},
		{&town1, {.limit = 2}, 2, 4},
		{&town1, {.after_id = 0, .q = "张", .limit = 1}, 1, 2},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct seen s;
		int64_t total = -1;
		int rc = list_residents(f, t[i].c, t[i].f, &s, &total);
		if (rc || s.n != t[i].n || total != t[i].total)
			fail_msg("case %zu: rc %d, %d rows of %" PRId64 ", expected %d of %" PRId64, i, rc,
			         s.n, total, t[i].n, t[i].total);
		/* Lists are masked, always. */
		if (s.n && s.id_number[0])
			assert_non_null(strstr(s.id_number, "***"));
	}
	/* Paging by id. */
	struct seen s;
	assert_int_equal(
		list_residents(f, &town1, (wg_resident_filter){.after_id = ids[1], .limit = 50}, &s, NULL),
		0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], ids[2]);
	/* Bad filters are field errors. */
	const struct {
		wg_resident_filter f;
		const char *field, *code;
	} bad[] = {
		{{.id_number = "123"}, "id_number", "length"},
		{{.phone = "12"}, "phone", "format"},
		{{.tag = "vip"}, "special_group", "unknown"},
		{{.area = "6103261", .area_field = "grid"}, "grid", "pattern"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(list_residents(f, &town1, bad[i].f, &s, NULL), WG_EVALIDATION);
		expect_error(f, bad[i].field, bad[i].code);
	}
}

static void test_placement(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id;
	struct seen s;
	/* A point in grid 1 places the record there. */
	wg_resident_input in = {
		.name = "甲", .where = {.given = true, .has_location = true, .lat = 34.105, .lng = 107.705}};
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.grid, GRID1);
	assert_string_equal(s.region, VILLAGE1);
	assert_int_equal(count(f, "SELECT count(*) FROM residents WHERE scope_key = '" GRID1 "'"), 1);
	/* A point in no grid needs a region. */
	in.where = (wg_basedata_where){.given = true, .has_location = true, .lat = 34.2, .lng = 107.9};
	assert_int_equal(create_resident(f, &town1, &in, &id), WG_EVALIDATION);
	expect_error(f, "location", "no_grid");
	in.where.region = VILLAGE1B;
	assert_int_equal(create_resident(f, &town1, &in, &id), 0);
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.grid, "");
	assert_string_equal(s.region, VILLAGE1B);
	assert_true(s.has_location);
	/* A grid worker places only in their grid. */
	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	wg_resident_input other = {.name = "乙", .where = {.given = true, .grid = GRID1B}};
	assert_int_equal(create_resident(f, &w1, &other, &id), WG_EVALIDATION);
	expect_error(f, "grid", "not_found");
	other.where.grid = GRID1;
	assert_int_equal(create_resident(f, &w1, &other, &id), 0);
}

/* ---- houses ----------------------------------------------------------------------- */

struct seen_house {
	int n;
	int64_t residents, version;
	bool rental;
	char use[16], grid[20], owner[64];
};

static int see_house(void *ctx, const wg_house *h)
{
	struct seen_house *s = ctx;
	s->n++;
	s->residents = h->residents;
	s->version = h->version;
	s->rental = h->rental;
	snprintf(s->use, sizeof s->use, "%s", h->use);
	snprintf(s->grid, sizeof s->grid, "%s", h->grid ? h->grid : "");
	snprintf(s->owner, sizeof s->owner, "%s", h->owner_name ? h->owner_name : "");
	return 0;
}

static int house_write(struct fixture *f, const wg_caller *c, int64_t id, const wg_house_input *in,
                       int64_t version, int64_t *out)
{
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	return wg_test_end(f->db, id ? wg_house_update(f->db, &env, id, in, version, &f->fe)
	                             : wg_house_create(f->db, &env, in, out, &f->fe));
}

static void test_house(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t house, id;
	wg_house_input bad = {.use = "castle"};
	assert_int_equal(house_write(f, &town1, 0, &bad, 0, &house), WG_EVALIDATION);
	expect_error(f, "address", "required");
	expect_error(f, "use", "unknown");
	expect_error(f, "location", "required");
	for (size_t i = 0; i < wg_house_uses.n; i++) { /* every use the schema allows */
		wg_house_input h = {.address = "横渠村2号",
		                    .use = wg_house_uses.t[i].key,
		                    .where = {.given = true, .grid = GRID1}};
		assert_int_equal(house_write(f, &town1, 0, &h, 0, &house), 0);
	}
	wg_house_input h = {.address = "横渠村1号",
	                    .set_rental = true,
	                    .rental = true,
	                    .owner_name = "张三",
	                    .where = {.given = true, .has_location = true, .lat = 34.101, .lng = 107.701}};
	assert_int_equal(house_write(f, &town1, 0, &h, 0, &house), 0);
	wg_basedata_env env = env_of(f, &town1);
	struct seen_house sh = {0};
	assert_int_equal(wg_house_get(f->db, &env, house, see_house, &sh), 0);
	assert_string_equal(sh.grid, GRID1);
	assert_string_equal(sh.use, "residential");
	assert_true(sh.rental);
	/* Residents of the house live where it is unless told otherwise. */
	wg_resident_input owner = {
		.name = "张三", .house = house, .set_house = true, .house_relation = "owner"};
	int64_t owner_id;
	assert_int_equal(create_resident(f, &town1, &owner, &owner_id), 0);
	id = owner_id;
	struct seen s;
	assert_int_equal(get_resident(f, &town1, id, &s), 0);
	assert_string_equal(s.grid, GRID1);
	assert_int_equal(s.house, house);
	assert_true(s.has_location && s.lat == 34.101);
	wg_resident_input tenant = {
		.name = "租客", .house = house, .set_house = true, .house_relation = "tenant"};
	assert_int_equal(create_resident(f, &town1, &tenant, &id), 0);
	wg_resident_input norel = {.name = "无关系", .house = house, .set_house = true};
	assert_int_equal(create_resident(f, &town1, &norel, &id), WG_EVALIDATION);
	expect_error(f, "house_relation", "required");
	/* The household apart from the tenants. */
	int64_t total;
	assert_int_equal(
		list_residents(f, &town1, (wg_resident_filter){.house = house, .tenant = 2}, &s, &total), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.relation, "tenant");
	assert_int_equal(list_residents(f, &town1,
	                                (wg_resident_filter){.house = house, .tenant = 1, .limit = 50}, &s,
	                                &total),
	                 0);
	assert_int_equal(total, 1);
	assert_string_equal(s.relation, "owner");
	/* Leaving the house clears the relation. */
	wg_resident_input leave = {.set_house = true};
	assert_int_equal(update_resident(f, &town1, owner_id, &leave, 0), 0);
	memset(&sh, 0, sizeof sh);
	assert_int_equal(wg_house_get(f->db, &env, house, see_house, &sh), 0);
	assert_int_equal(sh.residents, 1);
	/* Update, version, scope. */
	wg_house_input patch = {.set_owner_name = true, .set_rental = true, .rental = false};
	assert_int_equal(house_write(f, &town1, house, &patch, 5, NULL), WG_ECONFLICT);
	assert_int_equal(house_write(f, &town2, house, &patch, 0, NULL), WG_ENOTFOUND);
	assert_int_equal(house_write(f, &town1, house, &patch, 1, NULL), 0);
	memset(&sh, 0, sizeof sh);
	assert_int_equal(wg_house_get(f->db, &env, house, see_house, &sh), 0);
	assert_false(sh.rental);
	assert_string_equal(sh.owner, "");
	assert_int_equal(sh.version, 2);
	wg_basedata_env env2 = env_of(f, &town2);
	assert_int_equal(wg_house_get(f->db, &env2, house, see_house, &sh), WG_ENOTFOUND);
	/* Lists and their filters. */
	const struct {
		const wg_caller *c;
		wg_house_filter flt;
		int n;
	} t[] = {
		{&town1, {.rental = -1}, 7},
		{&town2, {.rental = -1}, 0},
		{&town1, {.rental = 1}, 0},
		{&town1, {.rental = 0}, 7},
		{&town1, {.rental = -1, .use = "mixed"}, 1},
		{&town1, {.rental = -1, .q = "1号"}, 1},
		{&town1, {.rental = -1, .area = GRID1B, .area_field = "grid"}, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&sh, 0, sizeof sh);
		wg_basedata_env e = env_of(f, t[i].c);
		wg_house_filter flt = t[i].flt;
		flt.limit = 50;
		int64_t n = -1;
		assert_int_equal(wg_house_list(f->db, &e, &flt, see_house, &sh, &n, &f->fe), 0);
		if (sh.n != t[i].n || n != t[i].n)
			fail_msg("case %zu: %d rows, total %" PRId64 ", expected %d", i, sh.n, n, t[i].n);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'house.create'"), 7);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'house.update'"), 1);
}

/* ---- organisations ------------------------------------------------------------------- */

struct seen_org {
	int n;
	char credit[20];
	int64_t employees;
};

static int see_org(void *ctx, const wg_organisation *o)
{
	struct seen_org *s = ctx;
	s->n++;
	snprintf(s->credit, sizeof s->credit, "%s", o->credit_code ? o->credit_code : "");
	s->employees = o->employees;
	return 0;
}

static int org_write(struct fixture *f, const wg_caller *c, int64_t id, const wg_organisation_input *in,
                     int64_t *out)
{
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	return wg_test_end(f->db, id ? wg_organisation_update(f->db, &env, id, in, 0, &f->fe)
	                             : wg_organisation_create(f->db, &env, in, out, &f->fe));
}

#define CREDIT "91610326MA6XB1234F"

static void test_organisation(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t id, id2;
	wg_organisation_input bad = {.name = "公司",
	                             .credit_code = "91610326MA6XB1234G",
	                             .type = "bank",
	                             .set_employees = true,
	                             .employees = -5,
	                             .where = IN_VILLAGE1};
	assert_int_equal(org_write(f, &town1, 0, &bad, &id), WG_EVALIDATION);
	expect_error(f, "credit_code", "checksum");
	expect_error(f, "type", "unknown");
	expect_error(f, "employees", "range");
	wg_organisation_input in = {.name = "眉县猕猴桃合作社",
	                            .credit_code = "91610326ma6xb1234f",
	                            .type = "enterprise",
	                            .legal_person = "张三",
	                            .set_employees = true,
	                            .employees = 12,
	                            .where = IN_VILLAGE1};
	assert_int_equal(org_write(f, &town1, 0, &in, &id), 0);
	wg_organisation_input dup = {.name = "另一家",
	                             .credit_code = CREDIT,
	                             .type = "social",
	                             .where = {.given = true, .region = VILLAGE2}};
	assert_int_equal(org_write(f, &town2, 0, &dup, &id2), WG_ECONFLICT);
	expect_error(f, "credit_code", "conflict");
	dup.credit_code = NULL;
	assert_int_equal(org_write(f, &town2, 0, &dup, &id2), 0);
	wg_organisation_input to_dup = {.credit_code = CREDIT};
	assert_int_equal(org_write(f, &town2, id2, &to_dup, NULL), WG_ECONFLICT);
	assert_int_equal(org_write(f, &town1, id, &to_dup, NULL), 0); /* its own code */
	wg_organisation_input clear = {.set_employees = true, .employees = -1};
	assert_int_equal(org_write(f, &town1, id, &clear, NULL), 0);
	wg_basedata_env env = env_of(f, &town1);
	struct seen_org s = {0};
	assert_int_equal(wg_organisation_get(f->db, &env, id, see_org, &s), 0);
	assert_string_equal(s.credit, CREDIT);
	assert_int_equal(s.employees, -1);
	assert_int_equal(wg_organisation_get(f->db, &env, id2, see_org, &s), WG_ENOTFOUND);
	const struct {
		wg_organisation_filter flt;
		int n;
	} t[] = {{{0}, 1},
	         {{.credit_code = "91610326ma6xb1234f"}, 1},
	         {{.type = "social"}, 0},
	         {{.q = "合作"}, 1}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&s, 0, sizeof s);
		wg_organisation_filter flt = t[i].flt;
		flt.limit = 10;
		assert_int_equal(wg_organisation_list(f->db, &env, &flt, see_org, &s, NULL, &f->fe), 0);
		assert_int_equal(s.n, t[i].n);
	}
	wg_organisation_filter badf = {.credit_code = "x", .limit = 10};
	assert_int_equal(wg_organisation_list(f->db, &env, &badf, see_org, &s, NULL, &f->fe), WG_EVALIDATION);
}

/* ---- key places --------------------------------------------------------------------- */

struct seen_place {
	int n;
	int64_t visit_days, worker, organisation;
	char type[32];
};

static int see_place(void *ctx, const wg_key_place *p)
{
	struct seen_place *s = ctx;
	s->n++;
	s->visit_days = p->visit_days;
	s->worker = p->worker;
	s->organisation = p->organisation;
	snprintf(s->type, sizeof s->type, "%s", p->type);
	return 0;
}

static int place_write(struct fixture *f, const wg_caller *c, int64_t id, const wg_key_place_input *in,
                       int64_t *out)
{
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	return wg_test_end(f->db, id ? wg_key_place_update(f->db, &env, id, in, 0, &f->fe)
	                             : wg_key_place_create(f->db, &env, in, out, &f->fe));
}

static void test_key_place(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t org2, id;
	wg_organisation_input o = {
		.name = "槐芽中学", .type = "school", .where = {.given = true, .region = VILLAGE2}};
	assert_int_equal(org_write(f, &town2, 0, &o, &org2), 0);
	wg_key_place_input bad = {.name = "网吧",
	                          .type = "casino",
	                          .organisation = org2,
	                          .worker = WG_BASEDATA_UNSET,
	                          .where = IN_VILLAGE1};
	assert_int_equal(place_write(f, &town1, 0, &bad, &id), WG_EVALIDATION);
	expect_error(f, "type", "unknown");
	expect_error(f, "organisation", "not_found");
	/* A grid worker setting a schedule becomes its worker. */
	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	wg_key_place_input in = {.name = "星空网吧",
	                         .type = "internet_cafe",
	                         .organisation = WG_BASEDATA_UNSET,
	                         .set_visit_days = true,
	                         .visit_days = 7,
	                         .worker = WG_BASEDATA_UNSET,
	                         .where = {.given = true, .grid = GRID1}};
	assert_int_equal(place_write(f, &w1, 0, &in, &id), 0);
	wg_basedata_env env = env_of(f, &town1);
	struct seen_place s = {0};
	assert_int_equal(wg_key_place_get(f->db, &env, id, see_place, &s), 0);
	assert_string_equal(s.type, "internet_cafe");
	assert_int_equal(s.visit_days, 7);
	assert_int_equal(s.worker, f->worker1);
	assert_int_equal(count(f, "SELECT visit_since FROM places"), T0);
	/* A new interval restarts the count; the same one does not. */
	wg_clock_set_ms(T0 + DAY);
	wg_key_place_input same = {.set_visit_days = true,
	                           .visit_days = 7,
	                           .organisation = WG_BASEDATA_UNSET,
	                           .worker = WG_BASEDATA_UNSET};
	assert_int_equal(place_write(f, &town1, id, &same, NULL), 0);
	assert_int_equal(count(f, "SELECT visit_since FROM places"), T0);
	same.visit_days = 14;
	assert_int_equal(place_write(f, &town1, id, &same, NULL), 0);
	assert_int_equal(count(f, "SELECT visit_since FROM places"), T0 + DAY);
	/* A worker who does not serve the place is refused; moving drops one. */
	wg_key_place_input worker = {.organisation = WG_BASEDATA_UNSET, .worker = f->worker2};
	assert_int_equal(place_write(f, &town1, id, &worker, NULL), WG_EVALIDATION);
	expect_error(f, "worker", "not_found");
	wg_key_place_input move = {.organisation = WG_BASEDATA_UNSET,
	                           .worker = WG_BASEDATA_UNSET,
	                           .where = {.given = true, .grid = GRID1B}};
	assert_int_equal(place_write(f, &town1, id, &move, NULL), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(wg_key_place_get(f->db, &env, id, see_place, &s), 0);
	assert_int_equal(s.worker, 0);
	/* Clearing the schedule. */
	wg_key_place_input stop = {.set_visit_days = true,
	                           .visit_days = 0,
	                           .organisation = WG_BASEDATA_UNSET,
	                           .worker = WG_BASEDATA_UNSET};
	assert_int_equal(place_write(f, &town1, id, &stop, NULL), 0);
	assert_int_equal(
		count(f, "SELECT count(*) FROM places WHERE visit_days IS NULL AND visit_since IS NULL"), 1);
	/* Lists. */
	wg_key_place_filter flt = {.type = "internet_cafe", .limit = 10};
	memset(&s, 0, sizeof s);
	assert_int_equal(wg_key_place_list(f->db, &env, &flt, see_place, &s, NULL, &f->fe), 0);
	assert_int_equal(s.n, 1);
	wg_basedata_env env2 = env_of(f, &town2);
	memset(&s, 0, sizeof s);
	assert_int_equal(wg_key_place_list(f->db, &env2, &flt, see_place, &s, NULL, &f->fe), 0);
	assert_int_equal(s.n, 0);
}

/* ---- visits ----------------------------------------------------------------------------- */

struct seen_visit {
	int n;
	int64_t ids[16];
	size_t nphotos;
	char subject_name[64], user_name[64], grid[20];
};

static int see_visit(void *ctx, const wg_visit *v)
{
	struct seen_visit *s = ctx;
	if (s->n < 16)
		s->ids[s->n] = v->id;
	s->n++;
	s->nphotos = v->nphotos;
	snprintf(s->subject_name, sizeof s->subject_name, "%s", v->subject_name ? v->subject_name : "");
	snprintf(s->user_name, sizeof s->user_name, "%s", v->user_name ? v->user_name : "");
	snprintf(s->grid, sizeof s->grid, "%s", v->grid ? v->grid : "");
	return 0;
}

static int visit(struct fixture *f, const wg_caller *c, const wg_visit_input *in, int64_t *id)
{
	wg_basedata_env env = env_of(f, c);
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	return wg_test_end(f->db, wg_visit_create(f->db, &env, in, id, &f->fe));
}

static void upload(struct fixture *f, char c, int64_t user)
{
	wg_attachment a = {.media = WG_MEDIA_JPEG, .size = 100};
	memset(a.sha256, c, 64);
	a.sha256[64] = '\0';
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_attachment_record(f->db, &a, user, T0)), 0);
}

/* A resident of grid 1 in a special group of worker 1, and a key place
 * of grid 1 patrolled by worker 1; the same in grid 2 for worker 2. */
struct subjects {
	int64_t r1, r2, p1, p2, untagged;
};

static void subjects(struct fixture *f, struct subjects *s)
{
	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	wg_caller w2 = caller(f->worker2, "worker2", WG_ROLE_GRID_WORKER, GRID2);
	wg_resident_input r = {.name = "矫正对象",
	                       .where = {.given = true, .grid = GRID1},
	                       .set_tags = true,
	                       .ntags = 2,
	                       .tags = {{.tag = "community_correction", .worker = WG_BASEDATA_UNSET},
	                                {.tag = "disabled", .worker = WG_BASEDATA_UNSET}}};
	assert_int_equal(create_resident(f, &w1, &r, &s->r1), 0);
	r.name = "二号对象";
	r.where.grid = GRID2;
	assert_int_equal(create_resident(f, &w2, &r, &s->r2), 0);
	wg_resident_input plain = {.name = "普通居民", .where = {.given = true, .grid = GRID1}};
	assert_int_equal(create_resident(f, &w1, &plain, &s->untagged), 0);
	wg_key_place_input p = {.name = "网吧",
	                        .type = "internet_cafe",
	                        .organisation = WG_BASEDATA_UNSET,
	                        .set_visit_days = true,
	                        .visit_days = 10,
	                        .worker = WG_BASEDATA_UNSET,
	                        .where = {.given = true, .grid = GRID1}};
	assert_int_equal(place_write(f, &w1, 0, &p, &s->p1), 0);
	p.where.grid = GRID2;
	assert_int_equal(place_write(f, &w2, 0, &p, &s->p2), 0);
}

static void test_visit_create(void **state)
{
	struct fixture *f = fixture_of(state);
	struct subjects s;
	subjects(f, &s);
	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	char mine[65], theirs[65], absent[65];
	memset(mine, 'a', 64), mine[64] = '\0';
	memset(theirs, 'b', 64), theirs[64] = '\0';
	memset(absent, 'c', 64), absent[64] = '\0';
	upload(f, 'a', f->worker1);
	upload(f, 'b', f->worker2);
	wg_clock_set_ms(T0 + 40 * DAY);
	int64_t now = T0 + 40 * DAY, id;
	const struct {
		wg_visit_input in;
		const char *field, *code;
	} t[] = {
		{{.subject_type = "house", .subject_id = s.r1, .at = now}, "subject.type", "unknown"},
		{{.subject_type = "resident", .subject_id = s.r2, .at = now}, "subject.id", "not_found"},
		{{.subject_type = "place", .subject_id = s.r1 + 1000, .at = now}, "subject.id", "not_found"},
		{{.subject_type = "resident", .subject_id = s.r1, .at = now + INT64_C(6) * 60 * 1000},
	         "at",
	         "future"},
		{{.subject_type = "resident", .subject_id = s.r1, .at = now - 31 * DAY}, "at", "too_old"},
		{{.subject_type = "resident", .subject_id = s.r1, .at = now, .nphotos = 1, .photos = {"ABC"}},
	         "photos[0]",
	         "pattern"},
		{{.subject_type = "resident",
	          .subject_id = s.r1,
	          .at = now,
	          .nphotos = 1,
	          .photos = {absent}},
	         "photos[0]",
	         "not_found"},
		{{.subject_type = "resident",
	          .subject_id = s.r1,
	          .at = now,
	          .nphotos = 1,
	          .photos = {theirs}},
	         "photos[0]",
	         "not_found"}, /* another's upload, seen nowhere by worker 1 */
		{{.subject_type = "resident",
	          .subject_id = s.r1,
	          .at = now,
	          .nphotos = 2,
	          .photos = {mine, mine}},
	         "photos[1]",
	         "duplicate"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = visit(f, &w1, &t[i].in, &id);
		if (rc != WG_EVALIDATION)
			fail_msg("case %zu: %d", i, rc);
		expect_error(f, t[i].field, t[i].code);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM visits"), 0);
	wg_visit_input ok = {.subject_type = "resident",
	                     .subject_id = s.r1,
	                     .at = now - 29 * DAY,
	                     .has_location = true,
	                     .lat = 34.105,
	                     .lng = 107.705,
	                     .notes = "情况稳定",
	                     .nphotos = 1,
	                     .photos = {mine}};
	assert_int_equal(visit(f, &w1, &ok, &id), 0);
	ok.at = now + INT64_C(4) * 60 * 1000; /* within the skew of a phone's clock */
	ok.nphotos = 0;
	int64_t id2;
	assert_int_equal(visit(f, &w1, &ok, &id2), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM attachment_links WHERE owner_type = 'visit'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'visit.create'"), 2);
	/* The console has no account to visit with. */
	assert_int_equal(visit(f, &town1, &ok, &id2), WG_EFORBIDDEN);
	/* Read back where the subject is seen, newest first. */
	wg_basedata_env env = env_of(f, &town1), env2 = env_of(f, &town2);
	struct seen_visit sv = {0};
	assert_int_equal(wg_visit_get(f->db, &env, id, see_visit, &sv), 0);
	assert_int_equal(sv.nphotos, 1);
	assert_string_equal(sv.subject_name, "矫正对象");
	assert_string_equal(sv.user_name, "worker1");
	assert_string_equal(sv.grid, GRID1);
	assert_int_equal(wg_visit_get(f->db, &env2, id, see_visit, &sv), WG_ENOTFOUND);
	wg_visit_filter flt = {.subject_type = "resident", .subject_id = s.r1, .limit = 10};
	memset(&sv, 0, sizeof sv);
	assert_int_equal(wg_visit_list(f->db, &env, &flt, see_visit, &sv, &f->fe), 0);
	assert_int_equal(sv.n, 2);
	assert_true(sv.ids[0] > sv.ids[1]);
	memset(&sv, 0, sizeof sv);
	assert_int_equal(wg_visit_list(f->db, &env2, &flt, see_visit, &sv, &f->fe), 0);
	assert_int_equal(sv.n, 0);
	flt.before_id = id2;
	memset(&sv, 0, sizeof sv);
	assert_int_equal(wg_visit_list(f->db, &env, &flt, see_visit, &sv, &f->fe), 0);
	assert_int_equal(sv.n, 1);
	wg_visit_filter half = {.subject_id = s.r1, .limit = 10};
	assert_int_equal(wg_visit_list(f->db, &env, &half, see_visit, &sv, &f->fe), WG_EVALIDATION);
	/* The linked photo is now readable by those who see the subject. */
	wg_attachment a;
	assert_int_equal(wg_attachment_get(f->db, &town1, mine, &a), 0);
	assert_int_equal(wg_attachment_get(f->db, &town2, mine, &a), WG_ENOTFOUND);
}

struct due_seen {
	int n;
	struct {
		char type[12];
		int64_t id, due, last, periods, days;
		bool missed;
		size_t ntags;
	} d[16];
};

static int see_due(void *ctx, const wg_visit_due *d)
{
	struct due_seen *s = ctx;
	if (s->n == 16)
		return WG_EINTERNAL;
	snprintf(s->d[s->n].type, sizeof s->d[0].type, "%s", d->subject_type);
	s->d[s->n].id = d->subject_id;
	s->d[s->n].due = d->due_at;
	s->d[s->n].last = d->last_visit;
	s->d[s->n].periods = d->missed_periods;
	s->d[s->n].days = d->visit_days;
	s->d[s->n].missed = d->missed;
	s->d[s->n].ntags = d->ntags;
	s->n++;
	return 0;
}

static int due(struct fixture *f, const wg_caller *c, int64_t now, int64_t within, struct due_seen *s)
{
	memset(s, 0, sizeof *s);
	wg_basedata_env env = env_of(f, c);
	wg_visit_due_filter flt = {.now = now, .within_days = within, .limit = 16};
	return wg_visit_due_list(f->db, &env, &flt, see_due, s);
}

static void test_visit_due(void **state)
{
	struct fixture *f = fixture_of(state);
	struct subjects s;
	subjects(f, &s); /* residents due every 7 days (the tightest group), places every 10 */
	wg_caller w1 = caller(f->worker1, "worker1", WG_ROLE_GRID_WORKER, GRID1);
	wg_caller head = caller(f->head1, "head1", WG_ROLE_GRID_HEAD, VILLAGE1);
	wg_caller leader = caller(f->leader, "leader", WG_ROLE_LEADER, "610326000000");
	struct due_seen d;
	/* Day 3: nothing within 3 days; within 4 the resident (day 7). */
	assert_int_equal(due(f, &w1, T0 + 3 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(due(f, &w1, T0 + 3 * DAY, 4, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.d[0].type, "resident");
	assert_int_equal(d.d[0].id, s.r1);
	assert_int_equal(d.d[0].due, T0 + 7 * DAY);
	assert_int_equal(d.d[0].days, 7);
	assert_int_equal(d.d[0].ntags, 2);
	assert_false(d.d[0].missed);
	assert_int_equal(d.d[0].last, 0);
	/* Day 22: the resident missed 3 visits (days 7, 14, 21), the place 2
	 * (days 10, 20); sorted by when they fell due. */
	assert_int_equal(due(f, &w1, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.d[0].type, "resident");
	assert_true(d.d[0].missed);
	assert_int_equal(d.d[0].periods, 3);
	assert_string_equal(d.d[1].type, "place");
	assert_int_equal(d.d[1].id, s.p1);
	assert_int_equal(d.d[1].periods, 2);
	/* A visit resets the clock from when it happened. */
	wg_clock_set_ms(T0 + 22 * DAY);
	wg_visit_input v = {.subject_type = "resident", .subject_id = s.r1, .at = T0 + 21 * DAY};
	int64_t id;
	assert_int_equal(visit(f, &w1, &v, &id), 0);
	assert_int_equal(due(f, &w1, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.d[0].type, "place");
	assert_int_equal(due(f, &w1, T0 + 22 * DAY, 7, &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.d[1].due, T0 + 28 * DAY);
	assert_int_equal(d.d[1].last, T0 + 21 * DAY);
	/* A head sees their area, a leader the county; worker 2 their own. */
	assert_int_equal(due(f, &head, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(due(f, &leader, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 3); /* place 1, resident 2, place 2 */
	wg_caller w2 = caller(f->worker2, "worker2", WG_ROLE_GRID_WORKER, GRID2);
	assert_int_equal(due(f, &w2, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(due(f, &town2, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 2);
	/* A worker who is not the responsible one does not get it. */
	wg_caller other = caller(f->worker1 + 100, "nobody", WG_ROLE_GRID_WORKER, GRID1);
	assert_int_equal(due(f, &other, T0 + 22 * DAY, 3, &d), 0);
	assert_int_equal(d.n, 0);
	/* Paging: after the first item's key, the rest. */
	memset(&d, 0, sizeof d);
	wg_basedata_env env = env_of(f, &leader);
	wg_visit_due_filter flt = {.now = T0 + 22 * DAY, .within_days = 3, .limit = 1};
	assert_int_equal(wg_visit_due_list(f->db, &env, &flt, see_due, &d), 0);
	assert_int_equal(d.n, 1);
	flt.after_due = d.d[0].due;
	flt.after_type = d.d[0].type[0] == 'r' ? "resident" : "place";
	flt.after_id = d.d[0].id;
	flt.limit = 10;
	memset(&d, 0, sizeof d);
	assert_int_equal(wg_visit_due_list(f->db, &env, &flt, see_due, &d), 0);
	assert_int_equal(d.n, 2);
}

/* ---- out of memory ------------------------------------------------------------------- */

static void test_create_alloc_failures(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_resident_input in = {.name = "张三",
	                        .id_number = ID_M,
	                        .phone = "13812345678",
	                        .where = IN_VILLAGE1,
	                        .set_tags = true,
	                        .ntags = 1,
	                        .tags = {{.tag = "disabled", .worker = f->head1}}};
	wg_basedata_env env = env_of(f, &town1);
	for (unsigned long n = 1;; n++) {
		wg_arena_clear(&f->arena);
		wg_field_errors_init(&f->fe, &f->arena);
		int64_t id = 0;
		wg_test_begin(f->db);
		wg_alloc_fail_at(n);
		int rc = wg_resident_create(f->db, &env, &in, &id, &f->fe);
		wg_alloc_fail_at(0);
		wg_test_end(f->db, rc);
		if (rc == 0) {
			assert_int_equal(count(f, "SELECT count(*) FROM residents"), 1);
			break;
		}
		/* A clean error and nothing written. */
		if (rc != WG_ENOMEM && rc != WG_ESTORE && rc != WG_EVALIDATION)
			fail_msg("allocation %lu: %d", n, rc);
		assert_int_equal(count(f, "SELECT count(*) FROM residents"), 0);
		assert_true(n < 500);
	}
}

static struct fixture sqlite_fixture = {.t.kind = WG_DB_SQLITE};
static struct fixture pg_fixture = {.t.kind = WG_DB_POSTGRES};

/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) ((struct CMUnitTest){prefix #fn, fn, setup, teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabularies),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_narrow_and_like),
		cmocka_unit_test(test_details),
		ON_BOTH(test_resident_validation),
		ON_BOTH(test_resident_sealed),
		ON_BOTH(test_unmask),
		ON_BOTH(test_duplicate_id),
		ON_BOTH(test_resident_update),
		ON_BOTH(test_resident_tags),
		ON_BOTH(test_resident_list),
		ON_BOTH(test_placement),
		ON_BOTH(test_house),
		ON_BOTH(test_organisation),
		ON_BOTH(test_key_place),
		ON_BOTH(test_visit_create),
		ON_BOTH(test_visit_due),
		ON("sqlite/", test_create_alloc_failures, sqlite_fixture),
	};
	return cmocka_run_group_tests(tests, group_setup, wg_test_group_teardown);
}
