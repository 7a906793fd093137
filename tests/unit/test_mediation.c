/* test_mediation.c - mediation bodies, mediators and the posts of a region:
 * every validation rule, who sees and who writes what, phones sealed and
 * masked, the audit rows, and the three functions the dispute flow calls
 * (assignment check, post holders, the body of a place); writes under a
 * failing allocator; on SQLite, and on PostgreSQL when WG_TEST_PG_URL is
 * set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "core/secret.h"
#include "domain/mediation.h"
#include "domain/role.h"

#include "fixture.h"

#define ALG "sha256"
#define T0 ((int64_t)1767225600000) /* 2026-01-01 00:00 UTC */
#define COUNTY "610326000000"
#define TOWN1 "610326101000"
#define TOWN2 "610326102000"
#define VILLAGE1 "610326101201"
#define VILLAGE1B "610326101202"
#define VILLAGE2 "610326102201"

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
	/* accounts */
	int64_t med1, med2, med_county, med_off, leader, sec1, mem1, gw1, sec_off;
};

static char key_path[600];

static int group_setup(void **state)
{
	if (sodium_init() < 0 || wg_test_group_setup(state) != 0)
		return -1;
	snprintf(key_path, sizeof key_path, "%s/wangge.key", wg_test_dir());
	return 0;
}

static int64_t add_user(wg_db *db, const char *username, unsigned roles, const char *scope, bool active)
{
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(db,
	                               "INSERT INTO users (username, name, scope_key, roles, active, "
	                               "password_hash, password_changed_at, created_at, updated_at) "
	                               "VALUES (?, ?, ?, ?, ?, 'x', 0, 0, 0) RETURNING id",
	                               &st),
	                 0);
	assert_int_equal(wg_stmt_bindf(st, "tttib", username, username, scope, (int64_t)roles, active), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t id = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return id;
}

/* Two dispute majors, an event major and a dispute minor: only the first
 * two are specialities. */
static int add_categories(wg_db *db)
{
	static const char *const rows[][4] = {
		{"01", NULL, "event", "安全隐患"},
		{"11", NULL, "dispute", "婚姻家庭纠纷"},
		{"14", NULL, "dispute", "劳动与工资纠纷"},
		{"1101", "11", "dispute", "离婚纠纷"},
	};
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof rows / sizeof rows[0]; i++)
		rc = wg_db_execf(db,
		                 "INSERT INTO categories (code, parent, kind, name, name_en, position) "
		                 "VALUES (?, ?, ?, ?, ?, ?)",
		                 NULL, "ttttti", rows[i][0], rows[i][1], rows[i][2], rows[i][3], rows[i][3],
		                 (int64_t)i);
	return rc;
}

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
	int rc = wg_db_begin(f->db);
	rc = rc ? rc : add_categories(f->db);
	if (!rc) {
		f->med1 = add_user(f->db, "med1", WG_ROLE_MEDIATOR, TOWN1, true);
		f->med2 = add_user(f->db, "med2", WG_ROLE_MEDIATOR, TOWN2, true);
		f->med_county = add_user(f->db, "medc", WG_ROLE_MEDIATOR, COUNTY, true);
		f->med_off = add_user(f->db, "medoff", WG_ROLE_MEDIATOR, TOWN1, false);
		f->leader = add_user(f->db, "leader", WG_ROLE_LEADER, COUNTY, true);
		f->sec1 = add_user(f->db, "sec1", WG_ROLE_LEADER, VILLAGE1, true);
		f->mem1 = add_user(f->db, "mem1", WG_ROLE_LEADER, VILLAGE1, true);
		f->gw1 = add_user(f->db, "gw1", WG_ROLE_GRID_WORKER, VILLAGE1 "001", true);
		f->sec_off = add_user(f->db, "secoff", WG_ROLE_LEADER, VILLAGE1, false);
	}
	rc = rc ? rc : wg_db_commit(f->db);
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

static const wg_caller system_caller = {0};
static const wg_caller county = {
	.user_id = 0, .username = "county", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = COUNTY};
static const wg_caller town1 = {
	.user_id = 0, .username = "town1", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN1};
static const wg_caller town2 = {
	.user_id = 0, .username = "town2", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = TOWN2};
static const wg_caller village1 = {
	.user_id = 0, .username = "village1", .roles = WG_ROLE_CENTRE_OPERATOR, .scope = VILLAGE1};
static const wg_caller worker1 = {
	.user_id = 0, .username = "worker1", .roles = WG_ROLE_GRID_WORKER, .scope = VILLAGE1 "001"};

static wg_mediation_env env_of(struct fixture *f, const wg_caller *c)
{
	return (wg_mediation_env){.caller = c, .key = f->key, .audit_alg = ALG, .arena = &f->arena};
}

static void expect_error(struct fixture *f, const char *field, const char *code)
{
	for (unsigned i = 0; i < f->fe.n; i++)
		if (strcmp(f->fe.e[i].field, field) == 0 && strcmp(f->fe.e[i].code, code) == 0)
			return;
	fail_msg("no %s/%s among %u errors (first: %s/%s %s)", field, code, f->fe.n,
	         f->fe.n ? f->fe.e[0].field : "-", f->fe.n ? f->fe.e[0].code : "-",
	         f->fe.n ? f->fe.e[0].message : "-");
}

/* Case i of a table returned rc: fails unless it is want and, when field
 * is given, the errors hold field/code. */
static void expect_case(struct fixture *f, size_t i, int rc, int want, const char *field, const char *code)
{
	if (rc != want)
		fail_msg("case %zu: rc %d, want %d (%s/%s)", i, rc, want, f->fe.n ? f->fe.e[0].field : "-",
		         f->fe.n ? f->fe.e[0].code : "-");
	if (field)
		expect_error(f, field, code);
}

static int64_t count(struct fixture *f, const char *sql, const char *text)
{
	return wg_test_query_int(f->db, sql, text, 0);
}

/* A body made in its own transaction; the id, or fails the case. */
static int64_t body(struct fixture *f, const wg_caller *c, const char *code, const char *kind,
                    const char *trade, const char *region)
{
	wg_mediation_env env = env_of(f, c);
	wg_mediation_body_input in = {.code = code,
	                              .name = code,
	                              .kind = kind,
	                              .trade = trade,
	                              .region = region,
	                              .active = WG_MEDIATION_UNSET};
	int64_t id = 0;
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	int rc = wg_test_end(f->db, wg_mediation_body_create(f->db, &env, &in, &id, &f->fe));
	if (rc)
		fail_msg("body %s: rc %d, %s/%s", code, rc, f->fe.n ? f->fe.e[0].field : "-",
		         f->fe.n ? f->fe.e[0].code : "-");
	return id;
}

static int64_t mediator(struct fixture *f, const wg_caller *c, int64_t body_id, const char *name,
                        int64_t user, int lead, const char *const *specs, size_t nspecs)
{
	wg_mediation_env env = env_of(f, c);
	wg_mediator_input in = {.name = name,
	                        .user_id = user,
	                        .specialities = specs,
	                        .nspecialities = nspecs,
	                        .set_specialities = nspecs > 0,
	                        .lead = lead,
	                        .active = WG_MEDIATION_UNSET};
	int64_t id = 0;
	wg_field_errors_init(&f->fe, &f->arena);
	wg_test_begin(f->db);
	int rc = wg_test_end(f->db, wg_mediator_create(f->db, &env, body_id, &in, &id, &f->fe));
	if (rc)
		fail_msg("mediator %s: rc %d, %s/%s", name, rc, f->fe.n ? f->fe.e[0].field : "-",
		         f->fe.n ? f->fe.e[0].code : "-");
	return id;
}

/* The bodies of the other tests: committees of village 1 and 2 and of both
 * towns, a labour body at the county, a property body in town 1, the expert
 * pool. */
struct bodies {
	int64_t vc1, vc2, tc1, tc2, labour, property1, experts;
};

static void make_bodies(struct fixture *f, struct bodies *b)
{
	b->vc1 = body(f, &county, "vc-1", "village_committee", NULL, VILLAGE1);
	b->vc2 = body(f, &county, "vc-2", "village_committee", NULL, VILLAGE2);
	b->tc1 = body(f, &county, "tc-1", "town_committee", NULL, TOWN1);
	b->tc2 = body(f, &county, "tc-2", "town_committee", NULL, TOWN2);
	b->labour = body(f, &county, "labour", "trade", "labour", COUNTY);
	b->property1 = body(f, &town1, "property-1", "trade", "property", TOWN1);
	b->experts = body(f, &county, "experts", "expert_pool", NULL, COUNTY);
}

/* ---- vocabularies ---------------------------------------------------------------- */

static void test_vocabularies(void **state)
{
	(void)state;
	static const struct {
		const wg_terms *v;
		size_t n;
		const char *some;
	} t[] = {
		{&wg_mediation_kinds, 4, "expert_pool"},
		{&wg_mediation_trades, 5, "marriage_family"},
		{&wg_region_posts, 5, "womens_federation"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(t[i].v->n, t[i].n);
		assert_non_null(wg_terms_key(t[i].v, t[i].some));
		assert_null(wg_terms_key(t[i].v, "nonexistent"));
		for (size_t k = 0; k < t[i].v->n; k++) {
			assert_non_null(t[i].v->t[k].label);
			assert_non_null(t[i].v->t[k].label_en);
		}
	}
}

/* ---- bodies ----------------------------------------------------------------------- */

static void test_body_validation(void **state)
{
	struct fixture *f = fixture_of(state);
	body(f, &county, "taken", "village_committee", NULL, VILLAGE1B);
	static const char long_name[] =
		"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
		"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
		"一二三四五六七八九十一二三四五六七八九十一";
	static const struct {
		const wg_caller *who;
		const char *code, *name, *kind, *trade, *region, *phone;
		int rc;
		const char *field, *error;
	} t[] = {
		{&county, NULL, "x", "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "code",
	         "required"},
		{&county, "AB", "x", "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "code",
	         "pattern"},
		{&county, "a", "x", "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "code",
	         "pattern"},
		{&county, "ok-1", NULL, "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "name",
	         "required"},
		{&county, "ok-1", long_name, "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION,
	         "name", "too_long"},
		{&county, "ok-1", "a\tb", "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "name",
	         "pattern"},
		{&county, "ok-1", "x", NULL, NULL, VILLAGE1, NULL, WG_EVALIDATION, "kind", "required"},
		{&county, "ok-1", "x", "court", NULL, VILLAGE1, NULL, WG_EVALIDATION, "kind", "unknown"},
		{&county, "ok-1", "x", "village_committee", "labour", VILLAGE1, NULL, WG_EVALIDATION, "trade",
	         "not_allowed"},
		{&county, "ok-1", "x", "trade", NULL, COUNTY, NULL, WG_EVALIDATION, "trade", "required"},
		{&county, "ok-1", "x", "trade", "fishing", COUNTY, NULL, WG_EVALIDATION, "trade", "unknown"},
		{&county, "ok-1", "x", "trade", "labour", NULL, NULL, WG_EVALIDATION, "region", "required"},
		{&county, "ok-1", "x", "trade", "labour", "6103", NULL, WG_EVALIDATION, "region", "pattern"},
		{&county, "ok-1", "x", "trade", "labour", "610326109000", NULL, WG_EVALIDATION, "region",
	         "not_found"},
		{&town2, "ok-1", "x", "village_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "region",
	         "not_found"},
		{&town1, "ok-1", "x", "trade", "labour", COUNTY, NULL, WG_EVALIDATION, "region", "not_found"},
		{&county, "ok-1", "x", "village_committee", NULL, TOWN1, NULL, WG_EVALIDATION, "region",
	         "level"},
		{&county, "ok-1", "x", "town_committee", NULL, VILLAGE1, NULL, WG_EVALIDATION, "region",
	         "level"},
		{&county, "ok-1", "x", "trade", "medical", VILLAGE1, NULL, WG_EVALIDATION, "region", "level"},
		{&county, "ok-1", "x", "expert_pool", NULL, TOWN1, NULL, WG_EVALIDATION, "region", "level"},
		{&county, "ok-1", "x", "village_committee", NULL, VILLAGE1, "12345", WG_EVALIDATION, "phone",
	         "format"},
		{&county, "taken", "x", "village_committee", NULL, VILLAGE1, NULL, WG_ECONFLICT, "code",
	         "conflict"},
		{&county, "other", "x", "village_committee", NULL, VILLAGE1B, NULL, WG_ECONFLICT, "region",
	         "conflict"},
		{&town1, "ok-1", "横渠村人民调解委员会", "village_committee", NULL, VILLAGE1, "0917-5521234",
	         0, NULL, NULL},
		{&village1, "ok-2", "x", "village_committee", NULL, VILLAGE1, NULL, WG_ECONFLICT, "region",
	         "conflict"},
		{&county, "ok-3", "x", "trade", "labour", TOWN1, NULL, 0, NULL, NULL},
		{&county, "ok-4", "x", "trade", "traffic", TOWN1, NULL, 0, NULL, NULL},
		{&system_caller, "ok-5", "x", "expert_pool", NULL, COUNTY, NULL, 0, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_env env = env_of(f, t[i].who);
		wg_mediation_body_input in = {.code = t[i].code,
		                              .name = t[i].name,
		                              .kind = t[i].kind,
		                              .trade = t[i].trade,
		                              .region = t[i].region,
		                              .phone = t[i].phone,
		                              .active = WG_MEDIATION_UNSET};
		int64_t id = 0;
		wg_test_begin(f->db);
		int rc = wg_test_end(f->db, wg_mediation_body_create(f->db, &env, &in, &id, &f->fe));
		expect_case(f, i, rc, t[i].rc, t[i].field, t[i].error);
		if (!t[i].field)
			assert_true(id > 0);
	}
	/* The office phone is kept normalised; a create is audited. */
	assert_int_equal(count(f, "SELECT count(*) FROM mediation_bodies WHERE phone = '09175521234'", NULL),
	                 1);
	assert_int_equal(count(f, "SELECT count(*) FROM mediation_bodies", NULL), 5);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = ?", "mediation_body.create"),
	                 5);
}

struct seen {
	int n;
	int64_t ids[16];
	wg_mediation_body last; /* its strings point into the buffers below */
	char code[48], region_name[64], name[128], kind[32], trade[32], phone[24], address[256];
};

static const char *keep(char *buf, size_t len, const char *s)
{
	if (!s)
		return NULL;
	snprintf(buf, len, "%s", s);
	return buf;
}

static int collect_body(void *ctx, const wg_mediation_body *b)
{
	struct seen *s = ctx;
	if (s->n < 16)
		s->ids[s->n] = b->id;
	s->n++;
	s->last = *b;
	s->last.code = keep(s->code, sizeof s->code, b->code);
	s->last.region_name = keep(s->region_name, sizeof s->region_name, b->region_name);
	s->last.name = keep(s->name, sizeof s->name, b->name);
	s->last.kind = keep(s->kind, sizeof s->kind, b->kind);
	s->last.trade = keep(s->trade, sizeof s->trade, b->trade);
	s->last.phone = keep(s->phone, sizeof s->phone, b->phone);
	s->last.address = keep(s->address, sizeof s->address, b->address);
	s->last.region = NULL;
	return 0;
}

static bool has(const struct seen *s, int64_t id)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static void test_body_visibility(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	/* Each reader sees its area's bodies and those of the regions above. */
	const struct {
		const wg_caller *who;
		int n;
		int64_t yes[7], no[4];
	} t[] = {
		{&county, 7, {b.vc1, b.vc2, b.tc1, b.tc2, b.labour, b.property1, b.experts}, {0}},
		{&town1, 5, {b.vc1, b.tc1, b.labour, b.property1, b.experts}, {b.vc2, b.tc2}},
		{&town2, 4, {b.vc2, b.tc2, b.labour, b.experts}, {b.vc1, b.tc1, b.property1}},
		{&village1, 5, {b.vc1, b.tc1, b.labour, b.property1, b.experts}, {b.vc2, b.tc2}},
		{&worker1, 5, {b.vc1, b.tc1, b.labour, b.property1, b.experts}, {b.vc2, b.tc2}},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_mediation_env env = env_of(f, t[i].who);
		wg_mediation_body_filter filter = {.active = WG_MEDIATION_UNSET, .limit = 50};
		struct seen s = {0};
		int64_t total = -1;
		assert_int_equal(
			wg_mediation_body_list(f->db, &env, &filter, collect_body, &s, &total, &f->fe), 0);
		assert_int_equal(s.n, t[i].n);
		assert_int_equal(total, t[i].n);
		for (int k = 0; k < 7 && t[i].yes[k]; k++) {
			assert_true(has(&s, t[i].yes[k]));
			struct seen one = {0};
			assert_int_equal(wg_mediation_body_get(f->db, &env, t[i].yes[k], collect_body, &one),
			                 0);
		}
		for (int k = 0; k < 4 && t[i].no[k]; k++) {
			assert_false(has(&s, t[i].no[k]));
			struct seen one = {0};
			assert_int_equal(wg_mediation_body_get(f->db, &env, t[i].no[k], collect_body, &one),
			                 WG_ENOTFOUND);
			assert_int_equal(one.n, 0);
		}
	}
	/* Filters, as the county. */
	wg_mediation_env env = env_of(f, &county);
	const struct {
		const char *region, *kind, *trade;
		int active;
		int n;
		const char *field;
	} q[] = {
		{NULL, "trade", NULL, WG_MEDIATION_UNSET, 2, NULL},
		{NULL, NULL, "labour", WG_MEDIATION_UNSET, 1, NULL},
		{TOWN1, NULL, NULL, WG_MEDIATION_UNSET, 3, NULL},
		{VILLAGE2, NULL, NULL, WG_MEDIATION_UNSET, 1, NULL},
		{NULL, NULL, NULL, 1, 7, NULL},
		{NULL, NULL, NULL, 0, 0, NULL},
		{"61032610", NULL, NULL, WG_MEDIATION_UNSET, 0, "region"},
		{NULL, "court", NULL, WG_MEDIATION_UNSET, 0, "kind"},
		{NULL, NULL, "fishing", WG_MEDIATION_UNSET, 0, "trade"},
		{NULL, NULL, NULL, 2, 0, "active"},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_body_filter filter = {.region = q[i].region,
		                                   .kind = q[i].kind,
		                                   .trade = q[i].trade,
		                                   .active = q[i].active,
		                                   .limit = 50};
		struct seen s = {0};
		int64_t total = -1;
		int rc = wg_mediation_body_list(f->db, &env, &filter, collect_body, &s, &total, &f->fe);
		if (q[i].field) {
			assert_int_equal(rc, WG_EVALIDATION);
			assert_string_equal(f->fe.e[0].field, q[i].field);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(s.n, q[i].n);
			assert_int_equal(total, q[i].n);
		}
	}
	/* Paging by id. */
	wg_mediation_body_filter page = {.active = WG_MEDIATION_UNSET, .limit = 3};
	struct seen first = {0}, rest = {0};
	int64_t total;
	assert_int_equal(wg_mediation_body_list(f->db, &env, &page, collect_body, &first, &total, &f->fe), 0);
	assert_int_equal(first.n, 3);
	page.after_id = first.ids[2];
	page.limit = 50;
	assert_int_equal(wg_mediation_body_list(f->db, &env, &page, collect_body, &rest, NULL, &f->fe), 0);
	assert_int_equal(rest.n, 4);
	assert_true(rest.ids[0] > first.ids[2]);
	/* One body as shown. */
	struct seen one = {0};
	assert_int_equal(wg_mediation_body_get(f->db, &env, b.vc1, collect_body, &one), 0);
	assert_string_equal(one.code, "vc-1");
	assert_string_equal(one.region_name, "横渠村");
	assert_string_equal(one.last.kind, "village_committee");
	assert_null(one.last.trade);
	assert_true(one.last.active);
	assert_int_equal(one.last.mediators, 0);
	assert_int_equal(one.last.version, 1);
	assert_int_equal(one.last.created_at, T0);
}

static void test_body_update(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	static const char *const no = NULL;
	const struct {
		const wg_caller *who;
		int64_t id;
		wg_mediation_body_input in;
		int64_t version;
		int rc;
		const char *field, *error;
	} t[] = {
		{&town1, b.vc1, {.name = "新名", .phone = "13812345678", .active = 0}, 1, 0, NULL, NULL},
		{&town1, b.vc1, {.name = "again", .active = WG_MEDIATION_UNSET}, 1, WG_ECONFLICT, NULL, NULL},
		{&town1, b.vc1, {.address = "横渠镇横渠村", .active = 1}, 2, 0, NULL, NULL},
		{&town1,
	         b.vc1,
	         {.set_phone = true, .phone = no, .active = WG_MEDIATION_UNSET},
	         0,
	         0,
	         NULL,
	         NULL},
		{&town1,
	         b.vc1,
	         {.code = "other", .active = WG_MEDIATION_UNSET},
	         0,
	         WG_EVALIDATION,
	         "code",
	         "read_only"},
		{&town1,
	         b.vc1,
	         {.region = VILLAGE1B, .active = WG_MEDIATION_UNSET},
	         0,
	         WG_EVALIDATION,
	         "region",
	         "read_only"},
		{&town1,
	         b.vc1,
	         {.kind = "trade", .trade = "labour", .active = WG_MEDIATION_UNSET},
	         0,
	         WG_EVALIDATION,
	         "trade",
	         "read_only"},
		{&town1,
	         b.vc1,
	         {.phone = "999", .active = WG_MEDIATION_UNSET},
	         0,
	         WG_EVALIDATION,
	         "phone",
	         "format"},
		{&town1,
	         b.vc1,
	         {.set_address = true, .address = "a\nb", .active = WG_MEDIATION_UNSET},
	         0,
	         WG_EVALIDATION,
	         "address",
	         "pattern"},
		{&town1, b.vc1, {.active = 3}, 0, WG_EVALIDATION, "active", "range"},
		/* Visible is not writable: the county's body, another town's. */
		{&town1, b.labour, {.name = "x", .active = WG_MEDIATION_UNSET}, 0, WG_ENOTFOUND, NULL, NULL},
		{&town2, b.vc1, {.name = "x", .active = WG_MEDIATION_UNSET}, 0, WG_ENOTFOUND, NULL, NULL},
		{&village1, b.tc1, {.name = "x", .active = WG_MEDIATION_UNSET}, 0, WG_ENOTFOUND, NULL, NULL},
		{&county, 999999, {.name = "x", .active = WG_MEDIATION_UNSET}, 0, WG_ENOTFOUND, NULL, NULL},
		{&county,
	         b.labour,
	         {.name = "眉县劳动人事争议调解委员会", .active = WG_MEDIATION_UNSET},
	         0,
	         0,
	         NULL,
	         NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_env env = env_of(f, t[i].who);
		wg_test_begin(f->db);
		int rc = wg_test_end(f->db, wg_mediation_body_update(f->db, &env, t[i].id, &t[i].in,
		                                                     t[i].version, &f->fe));
		expect_case(f, i, rc, t[i].rc, t[i].field, t[i].error);
	}
	wg_mediation_env env = env_of(f, &county);
	struct seen one = {0};
	assert_int_equal(wg_mediation_body_get(f->db, &env, b.vc1, collect_body, &one), 0);
	assert_string_equal(one.last.name, "新名");
	assert_null(one.last.phone);
	assert_string_equal(one.last.address, "横渠镇横渠村");
	assert_true(one.last.active);
	assert_int_equal(one.last.version, 4);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = ?", "mediation_body.update"),
	                 4);
	assert_int_equal(count(f,
	                       "SELECT count(*) FROM audit_log WHERE action = 'mediation_body.update' AND "
	                       "detail LIKE ?",
	                       "%\"phone\"%"),
	                 2);
}

/* ---- mediators ---------------------------------------------------------------------- */

struct mseen {
	int n;
	int64_t ids[16];
	wg_mediator last;
	char name[64], phone[24];
};

static int collect_mediator(void *ctx, const wg_mediator *m)
{
	struct mseen *s = ctx;
	if (s->n < 16)
		s->ids[s->n] = m->id;
	s->n++;
	s->last = *m;
	snprintf(s->name, sizeof s->name, "%s", m->name);
	snprintf(s->phone, sizeof s->phone, "%s", m->phone ? m->phone : "");
	s->last.name = s->name;
	s->last.phone = m->phone ? s->phone : NULL;
	s->last.body_code = s->last.body_name = s->last.body_kind = s->last.body_region = NULL;
	s->last.body_trade = NULL;
	return 0;
}

static void test_mediator_create(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	static const char *const good[] = {"11", "14"};
	static const char *const event[] = {"01"};
	static const char *const minor[] = {"1101"};
	static const char *const twice[] = {"11", "14", "11"};
	static const char *const null_one[] = {NULL};
	static const char *const many[] = {"11", "11", "11", "11", "11", "11", "11", "11", "11",
	                                   "11", "11", "11", "11", "11", "11", "11", "11"};
	/* specs NULL: not given; user, lead and active -1: not given. */
	const struct {
		const wg_caller *who;
		int64_t body;
		const char *name, *phone;
		const char *const *specs;
		size_t nspecs;
		int64_t user;
		int lead, active;
		int rc;
		const char *field, *error;
	} t[] = {
		{&town1, b.vc1, NULL, NULL, NULL, 0, -1, -1, -1, WG_EVALIDATION, "name", "required"},
		{&town1, b.vc1, "x\x01", NULL, NULL, 0, -1, -1, -1, WG_EVALIDATION, "name", "pattern"},
		{&town1, b.vc1, "张", "1", NULL, 0, -1, -1, -1, WG_EVALIDATION, "phone", "format"},
		{&town1, b.vc1, "张", NULL, event, 1, -1, -1, -1, WG_EVALIDATION, "specialities[0]",
	         "unknown"},
		{&town1, b.vc1, "张", NULL, minor, 1, -1, -1, -1, WG_EVALIDATION, "specialities[0]",
	         "unknown"},
		{&town1, b.vc1, "张", NULL, null_one, 1, -1, -1, -1, WG_EVALIDATION, "specialities[0]",
	         "unknown"},
		{&town1, b.vc1, "张", NULL, twice, 3, -1, -1, -1, WG_EVALIDATION, "specialities[2]",
	         "duplicate"},
		{&town1, b.vc1, "张", NULL, many, 17, -1, -1, -1, WG_EVALIDATION, "specialities", "too_long"},
		{&town1, b.vc1, "张", NULL, NULL, 0, 999999, -1, -1, WG_EVALIDATION, "user", "not_found"},
		{&town1, b.vc1, "张", NULL, NULL, 0, f->leader, -1, -1, WG_EVALIDATION, "user", "role"},
		{&town1, b.vc1, "张", NULL, NULL, 0, f->med_off, -1, -1, WG_EVALIDATION, "user", "inactive"},
		{&town1, b.vc1, "张", NULL, NULL, 0, f->med2, -1, -1, WG_EVALIDATION, "user", "out_of_reach"},
		{&county, b.labour, "张", NULL, NULL, 0, f->med1, -1, -1, WG_EVALIDATION, "user",
	         "out_of_reach"},
		{&town1, b.vc1, "张", NULL, NULL, 0, -1, 2, -1, WG_EVALIDATION, "lead", "range"},
		{&town2, b.vc1, "张", NULL, NULL, 0, -1, -1, -1, WG_ENOTFOUND, NULL, NULL},
		{&town1, b.labour, "张", NULL, NULL, 0, -1, -1, -1, WG_ENOTFOUND, NULL, NULL},
		{&town1, b.vc1, "张秀兰", "138 1234 5678", good, 2, f->med1, 1, -1, 0, NULL, NULL},
		{&town1, b.vc1, "again", NULL, NULL, 0, f->med1, -1, -1, WG_ECONFLICT, "user", "conflict"},
		{&town1, b.tc1, "同一人", NULL, NULL, 0, f->med1, 1, -1, 0, NULL, NULL},
		{&county, b.labour, "县", NULL, NULL, 0, f->med_county, 1, -1, 0, NULL, NULL},
		{&county, b.experts, "无账号", NULL, NULL, 0, 0, -1, 0, 0, NULL, NULL},
	};
	int64_t first = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_env env = env_of(f, t[i].who);
		wg_mediator_input in = {.name = t[i].name,
		                        .phone = t[i].phone,
		                        .specialities = t[i].specs,
		                        .nspecialities = t[i].nspecs,
		                        .set_specialities = t[i].specs != NULL,
		                        .user_id = t[i].user,
		                        .lead = t[i].lead,
		                        .active = t[i].active};
		int64_t id = 0;
		wg_test_begin(f->db);
		int rc = wg_test_end(f->db, wg_mediator_create(f->db, &env, t[i].body, &in, &id, &f->fe));
		expect_case(f, i, rc, t[i].rc, t[i].field, t[i].error);
		if (!rc && !first)
			first = id;
	}
	assert_int_equal(count(f, "SELECT count(*) FROM mediators", NULL), 4);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = ?", "mediator.create"), 4);
	/* The phone is sealed: the stored text is no phone, and opens to it. */
	char sealed[512] = "";
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(f->db, "SELECT phone, phone_masked FROM mediators WHERE id = ?", &st),
	                 0);
	assert_int_equal(wg_stmt_bindf(st, "i", first), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	snprintf(sealed, sizeof sealed, "%s", wg_stmt_text(st, 0, NULL));
	assert_string_equal(wg_stmt_text(st, 1, NULL), "138****5678");
	wg_stmt_finalize(st);
	assert_null(strstr(sealed, "13812345678"));
	char plain[32];
	assert_int_equal(wg_basedata_reveal(f->key, sealed, plain, sizeof plain), 0);
	assert_string_equal(plain, "13812345678");
	/* Shown masked, with its specialities. */
	wg_mediation_env env = env_of(f, &village1);
	struct mseen s = {0};
	assert_int_equal(wg_mediator_get(f->db, &env, first, collect_mediator, &s), 0);
	assert_string_equal(s.name, "张秀兰");
	assert_string_equal(s.phone, "138****5678");
	assert_int_equal(s.last.nspecialities, 2);
	assert_string_equal(s.last.specialities[0], "11");
	assert_string_equal(s.last.specialities[1], "14");
	assert_true(s.last.lead);
	assert_true(s.last.active);
	assert_int_equal(s.last.user_id, f->med1);
	assert_int_equal(s.last.body, b.vc1);
	env = env_of(f, &town2);
	assert_int_equal(wg_mediator_get(f->db, &env, first, collect_mediator, &s), WG_ENOTFOUND);
}

static void test_mediator_lists(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	static const char *const family[] = {"11"};
	static const char *const labour[] = {"14"};
	static const char *const both[] = {"11", "14"};
	int64_t m_vc1 = mediator(f, &town1, b.vc1, "村一", f->med1, 1, family, 1);
	int64_t m_vc1b = mediator(f, &town1, b.vc1, "村一助理", 0, 0, family, 1);
	int64_t m_vc2 = mediator(f, &town2, b.vc2, "村二", f->med2, 1, both, 2);
	int64_t m_tc1 = mediator(f, &town1, b.tc1, "镇一", 0, 1, labour, 1);
	int64_t m_lab = mediator(f, &county, b.labour, "县劳动", f->med_county, 1, labour, 1);
	int64_t m_exp = mediator(f, &county, b.experts, "专家", 0, 1, both, 2);
	/* An inactive body's lead is not in the pool. */
	int64_t m_prop = mediator(f, &town1, b.property1, "物业", 0, 1, both, 2);
	wg_mediation_env cenv = env_of(f, &county);
	wg_mediation_body_input off = {.active = 0};
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_mediation_body_update(f->db, &cenv, b.property1, &off, 0, &f->fe)), 0);
	const struct {
		const wg_caller *who;
		wg_mediator_filter f;
		int rc;
		int n;
		int64_t yes[6];
		const char *field;
	} t[] = {
		{&county, {.active = -1}, 0, 7, {m_vc1, m_vc1b, m_vc2, m_tc1, m_lab, m_exp}, NULL},
		{&town1, {.active = -1}, 0, 6, {m_vc1, m_vc1b, m_tc1, m_lab, m_exp, m_prop}, NULL},
		{&town1, {.body = b.vc1, .active = -1}, 0, 2, {m_vc1, m_vc1b}, NULL},
		{&town2, {.body = b.vc1, .active = -1}, WG_ENOTFOUND, 0, {0}, NULL},
		{&county, {.body = 999999, .active = -1}, WG_ENOTFOUND, 0, {0}, NULL},
		/* The pool for a family dispute in village 1. */
		{&town1,
	         {.pool = true, .region = VILLAGE1, .speciality = "11", .active = -1},
	         0,
	         2,
	         {m_vc1, m_exp},
	         NULL},
		{&county,
	         {.pool = true, .region = VILLAGE1, .speciality = "14", .active = -1},
	         0,
	         3,
	         {m_tc1, m_lab, m_exp},
	         NULL},
		{&county,
	         {.pool = true, .region = VILLAGE2, .active = -1},
	         0,
	         3,
	         {m_vc2, m_lab, m_exp},
	         NULL},
		{&county, {.pool = true, .region = COUNTY, .active = -1}, 0, 2, {m_lab, m_exp}, NULL},
		{&town2, {.pool = true, .active = -1}, 0, 3, {m_vc2, m_lab, m_exp}, NULL},
		{&county, {.active = 0}, 0, 0, {0}, NULL},
		{&county, {.speciality = "01", .active = -1}, WG_EVALIDATION, 0, {0}, "speciality"},
		{&county, {.speciality = "1101", .active = -1}, WG_EVALIDATION, 0, {0}, "speciality"},
		{&county, {.region = "6103", .active = -1}, WG_EVALIDATION, 0, {0}, "region"},
		{&county, {.active = 5}, WG_EVALIDATION, 0, {0}, "active"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_env env = env_of(f, t[i].who);
		wg_mediator_filter filter = t[i].f;
		filter.limit = 50;
		struct mseen s = {0};
		int64_t total = -1;
		int rc = wg_mediator_list(f->db, &env, &filter, collect_mediator, &s, &total, &f->fe);
		if (rc != t[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, t[i].rc);
		if (t[i].field)
			assert_string_equal(f->fe.e[0].field, t[i].field);
		if (rc)
			continue;
		if (s.n != t[i].n || total != t[i].n)
			fail_msg("case %zu: %d mediators (total %lld), want %d", i, s.n, (long long)total,
			         t[i].n);
		for (int k = 0; k < 6 && t[i].yes[k]; k++) {
			bool found = false;
			for (int j = 0; j < s.n; j++)
				found = found || s.ids[j] == t[i].yes[k];
			if (!found)
				fail_msg("case %zu: mediator %lld missing", i, (long long)t[i].yes[k]);
		}
	}
	/* Paging by id keeps the total. */
	wg_mediator_filter page = {.active = -1, .limit = 4};
	struct mseen p1 = {0}, p2 = {0};
	int64_t total = 0;
	assert_int_equal(wg_mediator_list(f->db, &cenv, &page, collect_mediator, &p1, &total, &f->fe), 0);
	assert_int_equal(p1.n, 4);
	assert_int_equal(total, 7);
	page.after_id = p1.ids[3];
	assert_int_equal(wg_mediator_list(f->db, &cenv, &page, collect_mediator, &p2, &total, &f->fe), 0);
	assert_int_equal(p2.n, 3);
	/* A body counts its active mediators. */
	struct seen one = {0};
	assert_int_equal(wg_mediation_body_get(f->db, &cenv, b.vc1, collect_body, &one), 0);
	assert_int_equal(one.last.mediators, 2);
}

static void test_mediator_update(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	static const char *const family[] = {"11"};
	static const char *const labour[] = {"14"};
	int64_t m = mediator(f, &town1, b.vc1, "村一", f->med1, 1, family, 1);
	int64_t other = mediator(f, &town1, b.vc1, "村一助理", 0, 0, NULL, 0);
	/* phone NULL with set_phone: cleared; specs NULL: not given; user, lead
	 * and active -1: not given. */
	const struct {
		const wg_caller *who;
		int64_t id;
		const char *name, *phone;
		bool set_phone;
		const char *const *specs;
		int64_t user;
		int lead, active;
		int64_t version;
		int rc;
		const char *field, *error;
	} t[] = {
		{&town1, m, NULL, "029-87654321", false, NULL, -1, 0, -1, 1, 0, NULL, NULL},
		{&town1, m, "x", NULL, false, NULL, -1, -1, -1, 1, WG_ECONFLICT, NULL, NULL},
		{&town1, m, NULL, NULL, false, labour, -1, -1, -1, 2, 0, NULL, NULL},
		{&town1, other, NULL, NULL, false, NULL, f->med1, -1, -1, 0, WG_ECONFLICT, "user",
	         "conflict"},
		{&town1, other, NULL, NULL, false, NULL, f->med2, -1, -1, 0, WG_EVALIDATION, "user",
	         "out_of_reach"},
		{&town1, other, "", NULL, false, NULL, -1, -1, -1, 0, WG_EVALIDATION, "name", "required"},
		{&town2, m, "x", NULL, false, NULL, -1, -1, -1, 0, WG_ENOTFOUND, NULL, NULL},
		{&town1, 999999, "x", NULL, false, NULL, -1, -1, -1, 0, WG_ENOTFOUND, NULL, NULL},
		{&town1, m, NULL, NULL, true, NULL, 0, -1, 0, 0, 0, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_env env = env_of(f, t[i].who);
		wg_mediator_input in = {.name = t[i].name,
		                        .phone = t[i].phone,
		                        .set_phone = t[i].set_phone,
		                        .specialities = t[i].specs,
		                        .nspecialities = t[i].specs ? 1 : 0,
		                        .set_specialities = t[i].specs != NULL,
		                        .user_id = t[i].user,
		                        .lead = t[i].lead,
		                        .active = t[i].active};
		wg_test_begin(f->db);
		int rc = wg_test_end(f->db,
		                     wg_mediator_update(f->db, &env, t[i].id, &in, t[i].version, &f->fe));
		expect_case(f, i, rc, t[i].rc, t[i].field, t[i].error);
		if (i == 0) {
			/* A fixed line keeps its area code in the mask. */
			assert_int_equal(count(f, "SELECT count(*) FROM mediators WHERE phone_masked = ?",
			                       "029******21"),
			                 1);
		}
	}
	wg_mediation_env env = env_of(f, &county);
	struct mseen s = {0};
	assert_int_equal(wg_mediator_get(f->db, &env, m, collect_mediator, &s), 0);
	assert_null(s.last.phone);
	assert_int_equal(s.last.user_id, 0);
	assert_false(s.last.lead);
	assert_false(s.last.active);
	assert_int_equal(s.last.nspecialities, 1);
	assert_string_equal(s.last.specialities[0], "14");
	assert_string_equal(s.name, "村一");
	assert_int_equal(s.last.version, 4);
	assert_int_equal(count(f, "SELECT count(*) FROM mediators WHERE phone IS NOT NULL", NULL), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = ?", "mediator.update"), 3);
}

/* ---- posts -------------------------------------------------------------------------- */

struct pseen {
	int n;
	char post[8][24];
	int64_t user[8];
};

static int collect_post(void *ctx, const wg_region_post *p)
{
	struct pseen *s = ctx;
	if (s->n < 8) {
		snprintf(s->post[s->n], sizeof s->post[0], "%s", p->post);
		s->user[s->n] = p->user_id;
	}
	s->n++;
	return 0;
}

static void test_posts(void **state)
{
	struct fixture *f = fixture_of(state);
	const wg_region_post_input village[] = {
		{"womens_federation", f->sec1},
		{"party_secretary", f->sec1},
		{"committee_member", f->mem1},
	};
	const wg_region_post_input bad_levels[] = {
		{"dept_head", f->sec1},
		{"county_leader", f->sec1},
		{"mayor", f->sec1},
		{NULL, f->sec1},
	};
	const wg_region_post_input bad_users[] = {
		{"party_secretary", 999999}, {"party_secretary", f->sec_off}, {"party_secretary", f->med2},
		{"party_secretary", 0},      {"party_secretary", f->med1},    {"party_secretary", f->med1},
	};
	const wg_region_post_input town[] = {{"dept_head", f->med1}, {"party_secretary", f->med1}};
	const wg_region_post_input town_bad[] = {{"committee_member", f->med1}, {"dept_head", f->gw1}};
	const wg_region_post_input county_ok[] = {{"county_leader", f->leader}};
	const wg_region_post_input county_bad[] = {{"party_secretary", f->leader}};
	wg_region_post_input many[WG_REGION_POSTS_MAX + 1];
	for (size_t i = 0; i < WG_REGION_POSTS_MAX + 1; i++)
		many[i] = (wg_region_post_input){"committee_member", f->sec1};
	const struct {
		const wg_caller *who;
		const char *region;
		const wg_region_post_input *in;
		size_t n;
		int rc;
		const char *field, *error;
	} t[] = {
		{&village1, VILLAGE1, village, 3, 0, NULL, NULL},
		{&village1, VILLAGE1, bad_levels, 4, WG_EVALIDATION, "posts[0].post", "level"},
		{&village1, VILLAGE1, bad_levels, 4, WG_EVALIDATION, "posts[1].post", "level"},
		{&village1, VILLAGE1, bad_levels, 4, WG_EVALIDATION, "posts[2].post", "unknown"},
		{&village1, VILLAGE1, bad_levels, 4, WG_EVALIDATION, "posts[3].post", "required"},
		{&town1, VILLAGE1, bad_users, 6, WG_EVALIDATION, "posts[0].user", "not_found"},
		{&town1, VILLAGE1, bad_users, 6, WG_EVALIDATION, "posts[1].user", "inactive"},
		{&town1, VILLAGE1, bad_users, 6, WG_EVALIDATION, "posts[2].user", "out_of_reach"},
		{&town1, VILLAGE1, bad_users, 6, WG_EVALIDATION, "posts[3].user", "required"},
		{&town1, VILLAGE1, bad_users, 6, WG_EVALIDATION, "posts[5]", "duplicate"},
		{&town1, VILLAGE1, many, WG_REGION_POSTS_MAX + 1, WG_EVALIDATION, "posts", "too_long"},
		{&town1, TOWN1, town, 2, 0, NULL, NULL},
		{&town1, TOWN1, town_bad, 2, WG_EVALIDATION, "posts[0].post", "level"},
		{&town1, TOWN1, town_bad, 2, WG_EVALIDATION, "posts[1].user", "out_of_reach"},
		{&county, COUNTY, county_ok, 1, 0, NULL, NULL},
		{&county, COUNTY, county_bad, 1, WG_EVALIDATION, "posts[0].post", "level"},
		/* Outside the writer's area, or no region at all. */
		{&town2, VILLAGE1, village, 3, WG_ENOTFOUND, NULL, NULL},
		{&town1, COUNTY, county_ok, 1, WG_ENOTFOUND, NULL, NULL},
		{&county, "610326109000", village, 0, WG_ENOTFOUND, NULL, NULL},
		{&county, "garbage", village, 0, WG_ENOTFOUND, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		wg_mediation_env env = env_of(f, t[i].who);
		wg_test_begin(f->db);
		int rc = wg_test_end(f->db,
		                     wg_region_posts_set(f->db, &env, t[i].region, t[i].in, t[i].n, &f->fe));
		expect_case(f, i, rc, t[i].rc, t[i].field, t[i].error);
	}
	/* Read back in post order; visible to the area and below, not beside. */
	wg_mediation_env env = env_of(f, &worker1);
	struct pseen s = {0};
	assert_int_equal(wg_region_posts_get(f->db, &env, VILLAGE1, collect_post, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.post[0], "party_secretary");
	assert_string_equal(s.post[1], "committee_member");
	assert_int_equal(s.user[1], f->mem1);
	assert_string_equal(s.post[2], "womens_federation");
	struct pseen up = {0};
	assert_int_equal(wg_region_posts_get(f->db, &env, COUNTY, collect_post, &up), 0);
	assert_int_equal(up.n, 1);
	env = env_of(f, &town2);
	struct pseen none = {0};
	assert_int_equal(wg_region_posts_get(f->db, &env, VILLAGE1, collect_post, &none), WG_ENOTFOUND);
	assert_int_equal(wg_region_posts_get(f->db, &env, "610326109000", collect_post, &none), WG_ENOTFOUND);
	assert_int_equal(wg_region_posts_get(f->db, &env, "x", collect_post, &none), WG_ENOTFOUND);
	assert_int_equal(none.n, 0);
	/* A set replaces: an empty list removes every post of the region. */
	env = env_of(f, &town1);
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_region_posts_set(f->db, &env, VILLAGE1, village + 1, 1, &f->fe)), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM region_posts WHERE region = ?", VILLAGE1), 1);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_region_posts_set(f->db, &env, VILLAGE1, NULL, 0, &f->fe)), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM region_posts WHERE region = ?", VILLAGE1), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM region_posts", NULL), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = ?", "region.posts"), 5);
}

/* ---- what the dispute flow calls ----------------------------------------------------- */

struct holders {
	wg_db *db;
	int n;
	int64_t ids[8];
	char names[8][32];
	int64_t queried; /* what a query inside the callback found */
};

static int collect_holder(void *ctx, int64_t id, const char *name)
{
	struct holders *h = ctx;
	/* The flow writes while it walks the holders: the connection is free. */
	h->queried += wg_test_query_int(h->db, "SELECT count(*) FROM users WHERE id = ?", NULL, id);
	if (h->n < 8) {
		h->ids[h->n] = id;
		snprintf(h->names[h->n], sizeof h->names[0], "%s", name);
	}
	h->n++;
	return 0;
}

static int stop_holder(void *ctx, int64_t id, const char *name)
{
	(void)ctx;
	(void)id;
	(void)name;
	return WG_EINTERNAL;
}

static void test_post_holders(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_mediation_env env = env_of(f, &county);
	const wg_region_post_input in[] = {
		{"committee_member", f->mem1},
		{"committee_member", f->sec1},
		{"party_secretary", f->sec1},
	};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_region_posts_set(f->db, &env, VILLAGE1, in, 3, &f->fe)), 0);
	const struct {
		const char *region, *post;
		int n;
		int64_t first;
	} t[] = {
		{VILLAGE1, "committee_member", 2, f->sec1 < f->mem1 ? f->sec1 : f->mem1},
		{VILLAGE1, "party_secretary", 1, f->sec1},
		{VILLAGE1, "womens_federation", 0, 0},
		{TOWN1, "party_secretary", 0, 0},
		{VILLAGE1B, "committee_member", 0, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct holders h = {.db = f->db};
		assert_int_equal(wg_region_post_holders(f->db, t[i].region, t[i].post, collect_holder, &h),
		                 0);
		assert_int_equal(h.n, t[i].n);
		assert_int_equal(h.queried, t[i].n);
		if (t[i].n)
			assert_int_equal(h.ids[0], t[i].first);
		if (t[i].n > 1)
			assert_true(h.ids[0] < h.ids[1]);
	}
	struct holders h = {.db = f->db};
	assert_int_equal(wg_region_post_holders(f->db, VILLAGE1, "party_secretary", collect_holder, &h), 0);
	assert_string_equal(h.names[0], "sec1");
	assert_int_equal(wg_region_post_holders(f->db, VILLAGE1, "party_secretary", stop_holder, NULL),
	                 WG_EINTERNAL);
	/* An account made inactive holds nothing. */
	assert_int_equal(wg_db_execf(f->db, "UPDATE users SET active = 0 WHERE id = ?", NULL, "i", f->sec1),
	                 0);
	struct holders after = {.db = f->db};
	assert_int_equal(wg_region_post_holders(f->db, VILLAGE1, "committee_member", collect_holder, &after),
	                 0);
	assert_int_equal(after.n, 1);
	assert_int_equal(after.ids[0], f->mem1);
}

static void test_check_assignment(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	int64_t lead = mediator(f, &town1, b.vc1, "村一", f->med1, 1, NULL, 0);
	int64_t helper = mediator(f, &town1, b.vc1, "助理", 0, 0, NULL, 0);
	int64_t off = mediator(f, &town1, b.vc1, "离任", 0, 1, NULL, 0);
	int64_t expert = mediator(f, &county, b.experts, "专家", 0, 1, NULL, 0);
	int64_t town_lead = mediator(f, &town1, b.tc1, "镇一", f->med1, 1, NULL, 0);
	int64_t vc2_lead = mediator(f, &town2, b.vc2, "村二", f->med2, 1, NULL, 0);
	wg_mediation_env env = env_of(f, &county);
	wg_mediator_input retire = {.user_id = -1, .lead = -1, .active = 0};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_mediator_update(f->db, &env, off, &retire, 0, &f->fe)), 0);
	wg_mediation_body_input closed = {.active = 0};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_mediation_body_update(f->db, &env, b.tc2, &closed, 0, &f->fe)),
	                 0);
	const struct {
		int64_t body, mediator;
		const char *region;
		int64_t user;
		const char *name;
		const char *field, *error, *field2, *error2;
	} t[] = {
		{b.vc1, lead, VILLAGE1, f->med1, "村一", NULL, NULL, NULL, NULL},
		{b.tc1, town_lead, VILLAGE1, f->med1, "镇一", NULL, NULL, NULL, NULL},
		{b.tc1, town_lead, TOWN1, f->med1, "镇一", NULL, NULL, NULL, NULL},
		{b.experts, expert, VILLAGE2, 0, "专家", NULL, NULL, NULL, NULL},
		{b.vc1, lead, VILLAGE2, 0, NULL, "body", "out_of_reach", NULL, NULL},
		{b.vc1, lead, TOWN1, 0, NULL, "body", "out_of_reach", NULL, NULL},
		{b.vc1, lead, VILLAGE1B, 0, NULL, "body", "out_of_reach", NULL, NULL},
		{b.vc1, lead, NULL, 0, NULL, "body", "out_of_reach", NULL, NULL},
		{b.tc2, vc2_lead, VILLAGE2, 0, NULL, "body", "inactive", "mediator", "not_member"},
		{999999, lead, VILLAGE1, 0, NULL, "body", "not_found", "mediator", "not_member"},
		{b.vc1, 999999, VILLAGE1, 0, NULL, "mediator", "not_found", NULL, NULL},
		{b.vc1, vc2_lead, VILLAGE1, 0, NULL, "mediator", "not_member", NULL, NULL},
		{b.vc1, off, VILLAGE1, 0, NULL, "mediator", "inactive", NULL, NULL},
		{b.vc1, helper, VILLAGE1, 0, NULL, "mediator", "not_lead", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&f->fe, &f->arena);
		int64_t user = -7;
		char name[64] = "unset";
		assert_int_equal(wg_mediation_check_assignment(f->db, t[i].body, t[i].mediator, t[i].region,
		                                               &user, name, sizeof name, &f->fe),
		                 0);
		if (!t[i].field) {
			if (f->fe.n)
				fail_msg("case %zu: %s/%s", i, f->fe.e[0].field, f->fe.e[0].code);
			assert_int_equal(user, t[i].user);
			assert_string_equal(name, t[i].name);
			continue;
		}
		expect_error(f, t[i].field, t[i].error);
		if (t[i].field2)
			expect_error(f, t[i].field2, t[i].error2);
		assert_int_equal(f->fe.n, t[i].field2 ? 2 : 1);
	}
	/* Name and account are optional outputs; a short name buffer truncates. */
	wg_field_errors_init(&f->fe, &f->arena);
	assert_int_equal(wg_mediation_check_assignment(f->db, b.vc1, lead, VILLAGE1, NULL, NULL, 0, &f->fe),
	                 0);
	assert_int_equal(f->fe.n, 0);
	char small[4];
	assert_int_equal(wg_mediation_check_assignment(f->db, b.vc1, lead, VILLAGE1, NULL, small,
	                                               sizeof small, &f->fe),
	                 0);
	assert_int_equal(strlen(small), 3);
}

static void test_body_of(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	int64_t labour1 = body(f, &town1, "labour-1", "trade", "labour", TOWN1);
	wg_mediation_env env = env_of(f, &county);
	wg_mediation_body_input closed = {.active = 0};
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_mediation_body_update(f->db, &env, b.vc2, &closed, 0, &f->fe)),
	                 0);
	const struct {
		const char *region, *kind, *trade;
		int rc;
		int64_t id;
	} t[] = {
		{VILLAGE1, "village_committee", NULL, 0, b.vc1},
		{TOWN1, "town_committee", NULL, 0, b.tc1},
		{COUNTY, "trade", "labour", 0, b.labour},
		{TOWN1, "trade", "labour", 0, labour1},
		{TOWN1, "trade", "property", 0, b.property1},
		{TOWN1, "trade", NULL, 0, b.property1 < labour1 ? b.property1 : labour1},
		{COUNTY, "expert_pool", NULL, 0, b.experts},
		{TOWN2, "trade", "labour", WG_ENOTFOUND, 0},
		{VILLAGE2, "village_committee", NULL, WG_ENOTFOUND, 0},
		{VILLAGE1B, "village_committee", NULL, WG_ENOTFOUND, 0},
		{VILLAGE1, "town_committee", NULL, WG_ENOTFOUND, 0},
		{NULL, "town_committee", NULL, WG_ENOTFOUND, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int64_t id = -1;
		int rc = wg_mediation_body_of(f->db, t[i].region, t[i].kind, t[i].trade, &id);
		if (rc != t[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, t[i].rc);
		if (!rc)
			assert_int_equal(id, t[i].id);
	}
}

/* ---- out of memory ------------------------------------------------------------------------ */

static int count_holder(void *ctx, int64_t id, const char *name)
{
	(void)id;
	(void)name;
	(*(int *)ctx)++;
	return 0;
}

static void test_out_of_memory(void **state)
{
	struct fixture *f = fixture_of(state);
	struct bodies b;
	make_bodies(f, &b);
	static const char *const specs[] = {"11", "14"};
	const wg_region_post_input posts[] = {{"party_secretary", f->sec1}, {"committee_member", f->mem1}};
	/* What a call that ran out of memory must have left: nothing of its own. */
	static const char *const left[] = {"SELECT count(*) FROM mediators",
	                                   "SELECT count(*) FROM region_posts", NULL};
	for (int which = 0; which < 3; which++) {
		int rc = WG_ENOMEM, holders = 0;
		unsigned long failures = 0;
		for (unsigned long n = 1; rc == WG_ENOMEM; n++) {
			wg_arena_clear(&f->arena);
			wg_field_errors_init(&f->fe, &f->arena);
			wg_mediation_env env = env_of(f, &town1);
			wg_mediator_input in = {.name = "张秀兰",
			                        .phone = "13812345678",
			                        .user_id = f->med1,
			                        .specialities = specs,
			                        .nspecialities = 2,
			                        .set_specialities = true,
			                        .lead = 1,
			                        .active = WG_MEDIATION_UNSET};
			int64_t id = 0;
			holders = 0;
			wg_test_begin(f->db);
			wg_alloc_fail_at(n);
			if (which == 0)
				rc = wg_mediator_create(f->db, &env, b.vc1, &in, &id, &f->fe);
			else if (which == 1)
				rc = wg_region_posts_set(f->db, &env, VILLAGE1, posts, 2, &f->fe);
			else
				rc = wg_region_post_holders(f->db, VILLAGE1, "party_secretary", count_holder,
				                            &holders);
			wg_alloc_fail_at(0);
			wg_test_end(f->db, rc);
			if (rc == WG_ENOMEM) {
				failures++;
				if (left[which])
					assert_int_equal(count(f, left[which], NULL), 0);
			} else if (rc) {
				fail_msg("allocation %lu of %d: rc %d", n, which, rc);
			}
			assert_true(n < 500);
		}
		assert_true(failures >= 1);
		if (which == 2)
			assert_int_equal(holders, 1);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM mediators", NULL), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM region_posts", NULL), 2);
}

#define STORE_TEST(name, fx) cmocka_unit_test_prestate_setup_teardown(name, setup, teardown, &(fx))
#define STORE_TESTS(fx)                                                                    \
	STORE_TEST(test_body_validation, fx), STORE_TEST(test_body_visibility, fx),        \
		STORE_TEST(test_body_update, fx), STORE_TEST(test_mediator_create, fx),    \
		STORE_TEST(test_mediator_lists, fx), STORE_TEST(test_mediator_update, fx), \
		STORE_TEST(test_posts, fx), STORE_TEST(test_post_holders, fx),             \
		STORE_TEST(test_check_assignment, fx), STORE_TEST(test_body_of, fx)

static struct fixture sqlite_fixture = {.t = {.kind = WG_DB_SQLITE}};
static struct fixture pg_fixture = {.t = {.kind = WG_DB_POSTGRES}};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabularies),
		STORE_TESTS(sqlite_fixture),
		STORE_TEST(test_out_of_memory, sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, group_setup, wg_test_group_teardown);
}
