/* The demo county's base data: households in houses, residents with their
 * special groups, organisations and key places, through the same domain
 * functions (and so the same validation) as the API and the imports. */
#include "cli/demo_county.h"

#include "cli/demo_people.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "core/ident.h"
#include "domain/house.h"
#include "domain/key_place.h"
#include "domain/organisation.h"
#include "domain/resident.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS ((int64_t)24 * 3600 * 1000)

/* Counties whose people rent in Mei county (流动人口): the rest of Baoji
 * and nearby Xianyang and Hanzhong. */
static const char *const other_counties[] = {"610302", "610303", "610304", "610322", "610323",
                                             "610324", "610327", "610328", "610330", "610331",
                                             "610404", "610431", "610481", "610702", "610722"};

/* Names of shops and firms: a trade name and what it is. */
static const char *const trade_names[] = {"宏达", "鑫源", "秦川", "金渠", "太白", "渭河", "兴农", "嘉禾",
                                          "华泰", "丰收", "汤峪", "槐芽", "横渠", "常兴", "齐峰", "红河"};
static const struct {
	const char *suffix, *type;
	char credit_prefix[3]; /* registration authority and kind (GB 32100) */
} firm_kinds[] = {
	{"猕猴桃专业合作社", "enterprise", "93"}, {"商贸有限公司", "enterprise", "91"},
	{"建材有限公司", "enterprise", "91"},     {"果业有限公司", "enterprise", "91"},
	{"农家乐", "individual", "92"},           {"便民超市", "individual", "92"},
	{"汽车修理部", "individual", "92"},       {"物流有限公司", "enterprise", "91"},
	{"养老服务中心", "social", "52"},
};

/* The 31 characters of a credit code's body (no I, O, S, V, Z). */
static const char credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

struct gen {
	wg_db *db;
	const wg__demo_options *o;
	wg__demo_rng rng;
	wg__demo_people *people;
	wg_basedata_env env;
	wg_arena arena;
	wg_field_errors fe;
	int64_t now;
	wg_progress progress;
	int64_t residents_made;
	int64_t firms_made;
};

/* The grids with what the demo needs of them. */
struct grid {
	char code[19];
	char name[96]; /* its village's name */
	const char *type;
	wg__demo_box box;
	int64_t worker; /* account of its grid worker, 0 when none */
};

static int failed(struct gen *g, const char *what, int rc)
{
	fprintf(stderr, "wangge: demo %s: %s", what,
	        rc == WG_ESTORE ? wg_db_errmsg(g->db) : wg_error_message(rc));
	for (unsigned i = 0; i < g->fe.n; i++)
		fprintf(stderr, "%s %s: %s", i ? ";" : ":", g->fe.e[i].field, g->fe.e[i].message);
	fputc('\n', stderr);
	return rc;
}

/* Forget the previous record's scratch memory and errors. */
static void next_record(struct gen *g)
{
	wg_arena_clear(&g->arena);
	wg_field_errors_init(&g->fe, &g->arena);
}

static int load_grids(wg_db *db, struct grid **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT g.code, r.name, g.type, g.min_lng, g.min_lat, g.max_lng, g.max_lat, "
		"(SELECT min(s.user_id) FROM grid_staff s WHERE s.scope_key = g.code "
		"AND s.role = 'grid_worker') "
		"FROM grids g JOIN regions r ON r.code = g.region "
		"WHERE g.parent IS NULL AND g.boundary IS NOT NULL ORDER BY g.code",
		&st);
	size_t cap = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			struct grid *bigger = wg_realloc(*out, cap * sizeof **out);
			if (!bigger) {
				rc = WG_ENOMEM;
				break;
			}
			*out = bigger;
		}
		struct grid *x = &(*out)[(*n)++];
		snprintf(x->code, sizeof x->code, "%s", wg_stmt_text(st, 0, NULL));
		snprintf(x->name, sizeof x->name, "%s", wg_stmt_text(st, 1, NULL));
		const char *type = wg_stmt_text(st, 2, NULL);
		x->type = strcmp(type, "urban") == 0     ? "urban"
		          : strcmp(type, "special") == 0 ? "special"
		                                         : "rural";
		x->box.west = wg_stmt_double(st, 3);
		x->box.south = wg_stmt_double(st, 4);
		x->box.east = wg_stmt_double(st, 5);
		x->box.north = wg_stmt_double(st, 6);
		x->worker = wg_stmt_int(st, 7);
		rc = 0;
	}
	if (!rc || rc == WG_DB_DONE)
		wg_stmt_finalize(st);
	if (rc < 0) {
		wg_free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

static double people_weight(const struct grid *g)
{
	return strcmp(g->type, "urban") == 0 ? 1.6 : strcmp(g->type, "special") == 0 ? 0.15 : 1.0;
}

static wg_basedata_where at_point(struct gen *g, const struct grid *grid)
{
	wg_basedata_where w = {.given = true, .has_location = true};
	wg__demo_point_in(&g->rng, &grid->box, &w.lng, &w.lat);
	return w;
}

/* The special groups a person of this age may be in, with how often. */
static const char *special_group(struct gen *g, int age, bool male, bool rural)
{
	unsigned roll = (unsigned)wg__demo_below(&g->rng, 1000);
	if (age >= 70)
		return roll < 120   ? "empty_nest_elderly"
		       : roll < 150 ? "disabled"
		       : roll < 190 ? "low_income"
		                    : NULL;
	if (age <= 14)
		return rural && roll < 80 ? "left_behind_child" : NULL;
	if (age <= 25 && roll < 10)
		return "key_youth";
	static const struct {
		const char *tag;
		unsigned per_mille;
	} adult[] = {
		{"community_correction", 4}, {"released", 5},  {"drug_rehab", 2},  {"mental_disorder", 5},
		{"key_petitioner", 3},       {"disabled", 20}, {"low_income", 30},
	};
	unsigned acc = 0;
	for (size_t i = 0; i < sizeof adult / sizeof adult[0]; i++) {
		acc += adult[i].per_mille;
		if (roll < acc)
			return adult[i].tag;
	}
	return male && age <= 70 && roll < acc + 20 ? "veteran" : NULL;
}

/* Put a new tag's start in the past, so that some visits are due and some
 * missed, as in a county that has run the platform for a while. */
static int backdate_tags(struct gen *g, int64_t resident)
{
	int64_t since = g->now - (int64_t)wg__demo_below(&g->rng, 120) * DAY_MS - DAY_MS;
	return wg_db_execf(g->db, "UPDATE resident_tags SET since = ? WHERE resident = ?", NULL, "ii", since,
	                   resident);
}

static int add_resident(struct gen *g, const struct grid *grid, int64_t house, const char *relation,
                        const char *household, const char *address, bool tenant, int from, int to,
                        char head_name[32])
{
	wg__demo_person p;
	const char *region6 = tenant ? other_counties[wg__demo_below(
					       &g->rng, sizeof other_counties / sizeof other_counties[0])]
	                             : "610326";
	if (!wg__demo_person_new(g->people, &g->rng, region6, from, to, &p))
		return WG_EINTERNAL;
	if (head_name)
		memcpy(head_name, p.name, sizeof p.name);
	int age = 2026 - p.birth_year;
	wg_resident_input in = {
		.name = p.name,
		.id_number = p.id_number,
		.set_id_number = true,
		.phone = age >= 14 ? p.phone : NULL,
		.set_phone = age >= 14,
		.residence_type = tenant ? "floating" : "registered",
		.household = household,
		.set_household = household != NULL,
		.address = address,
		.set_address = true,
		.house = house,
		.set_house = true,
		.house_relation = relation,
	};
	const char *tag = special_group(g, age, p.male, strcmp(grid->type, "rural") == 0);
	if (tag) {
		in.set_tags = true;
		in.ntags = 1;
		in.tags[0] = (wg_resident_tag_input){tag, 0, grid->worker};
	}
	int64_t id;
	int rc = wg_resident_add(g->db, &g->env, &in, &id, &g->fe);
	if (!rc && tag)
		rc = backdate_tags(g, id);
	if (!rc)
		wg_progress_update(&g->progress, ++g->residents_made);
	return rc;
}

/* A household in a house of its own, or tenants in a rented one. */
static int add_household(struct gen *g, const struct grid *grid, int number, int size)
{
	bool urban = strcmp(grid->type, "urban") == 0;
	bool rental = wg__demo_below(&g->rng, 100) < (urban ? 15u : 5u);
	char address[160], household[24], owner[32];
	if (urban)
		snprintf(address, sizeof address, "%s%d号楼%d单元%d室", grid->name, 1 + number / 24,
		         1 + number / 8 % 3, 101 + number % 8);
	else
		snprintf(address, sizeof address, "%s%d组%d号", grid->name, 1 + number / 30, 1 + number % 30);
	snprintf(household, sizeof household, "%.12s%05d", grid->code + 3, number % 100000);
	wg__demo_name(&g->rng, wg__demo_below(&g->rng, 2) == 0, owner);
	next_record(g);
	wg_house_input h = {
		.address = address,
		.use = "residential",
		.set_rental = true,
		.rental = rental,
		.owner_name = owner,
		.set_owner_name = true,
		.where = at_point(g, grid),
	};
	int64_t house;
	int rc = wg_house_create(g->db, &g->env, &h, &house, &g->fe);
	if (rc)
		return failed(g, "house", rc);
	for (int k = 0; !rc && k < size; k++) {
		next_record(g);
		if (rental)
			rc = add_resident(g, grid, house, "tenant", NULL, address, true, 1960, 2005, NULL);
		else if (k == 0)
			rc = add_resident(g, grid, house, "owner", household, address, false, 1940, 1995,
			                  NULL);
		else
			rc = add_resident(g, grid, house, "family", household, address, false, 1930, 2024,
			                  NULL);
		if (rc)
			return failed(g, "resident", rc);
	}
	return 0;
}

static int add_firm(struct gen *g, const struct grid *grid)
{
	size_t kind = wg__demo_below(&g->rng, sizeof firm_kinds / sizeof firm_kinds[0]);
	char name[128], code[19], boss[32];
	snprintf(name, sizeof name, "眉县%s%s%s", grid->name,
	         trade_names[wg__demo_below(&g->rng, sizeof trade_names / sizeof trade_names[0])],
	         firm_kinds[kind].suffix);
	/* The body numbers the firms, so codes never repeat. */
	char first17[18];
	int64_t n = ++g->firms_made;
	snprintf(first17, sizeof first17, "%s610326", firm_kinds[kind].credit_prefix);
	for (int i = 16; i >= 8; i--, n /= 31)
		first17[i] = credit_chars[n % 31];
	first17[17] = '\0';
	memcpy(code, first17, 17);
	code[17] = wg_ident_credit_check_char(first17);
	code[18] = '\0';
	wg__demo_name(&g->rng, true, boss);
	next_record(g);
	wg_organisation_input in = {
		.name = name,
		.credit_code = code,
		.set_credit_code = true,
		.type = firm_kinds[kind].type,
		.legal_person = boss,
		.set_legal_person = true,
		.employees = 1 + (int64_t)wg__demo_below(&g->rng, 60),
		.set_employees = true,
		.where = at_point(g, grid),
	};
	int64_t id;
	int rc = wg_organisation_create(g->db, &g->env, &in, &id, &g->fe);
	return rc ? failed(g, "organisation", rc) : 0;
}

static int add_place(struct gen *g, const struct grid *grid)
{
	static const struct {
		const char *type, *name;
		int visit_days;
	} kinds[] = {
		{"school", "中心小学", 30},
		{"hospital", "卫生室", 30},
		{"market", "农贸市场", 14},
		{"hotel", "宾馆", 14},
		{"internet_cafe", "网吧", 14},
		{"gas_station", "加油站", 14},
		{"construction_site", "建筑工地", 7},
		{"hazardous_chemicals", "化工仓库", 7},
		{"religious", "寺庙", 30},
		{"rental_cluster", "出租房屋集中区", 14},
	};
	size_t k = wg__demo_below(&g->rng, sizeof kinds / sizeof kinds[0]);
	char name[128];
	snprintf(name, sizeof name, "%s%s", grid->name, kinds[k].name);
	next_record(g);
	wg_key_place_input in = {
		.name = name,
		.type = kinds[k].type,
		.visit_days = kinds[k].visit_days,
		.set_visit_days = true,
		.worker = grid->worker,
		.where = at_point(g, grid),
	};
	int64_t id;
	int rc = wg_key_place_create(g->db, &g->env, &in, &id, &g->fe);
	return rc ? failed(g, "key place", rc) : 0;
}

/* Household sizes as a county's census shows them: 1 to 5 people. */
static int household_size(struct gen *g)
{
	unsigned roll = (unsigned)wg__demo_below(&g->rng, 100);
	return roll < 15 ? 1 : roll < 45 ? 2 : roll < 70 ? 3 : roll < 90 ? 4 : 5;
}

static int populate(struct gen *g, const struct grid *grids, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += people_weight(&grids[i]);
	int rc = 0;
	int64_t target = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		const struct grid *grid = &grids[i];
		/* Running targets, so the total comes out exact. */
		target = i + 1 == n ? g->o->residents
		                    : target + (int64_t)((double)g->o->residents * people_weight(grid) / sum +
		                                         0.5);
		if (target > g->o->residents)
			target = g->o->residents;
		for (int number = 0; !rc && g->residents_made < target; number++) {
			int size = household_size(g);
			if (size > target - g->residents_made)
				size = (int)(target - g->residents_made);
			rc = add_household(g, grid, number, size);
		}
		bool urban = strcmp(grid->type, "urban") == 0;
		int firms = urban ? 2 + (int)wg__demo_below(&g->rng, 3) : (int)wg__demo_below(&g->rng, 3);
		for (int k = 0; !rc && k < firms; k++)
			rc = add_firm(g, grid);
		if (!rc && wg__demo_below(&g->rng, 100) < (urban ? 90u : 50u))
			rc = add_place(g, grid);
	}
	return rc;
}

int wg__demo_base(wg_db *db, const wg_config *cfg, const struct wg_secret_key *key, const wg__demo_options *o,
                  bool *made)
{
	*made = false;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT count(*) FROM residents", &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	int64_t existing = rc == WG_DB_ROW ? wg_stmt_int(st, 0) : 0;
	wg_stmt_finalize(st);
	if (rc < 0 || existing || o->residents == 0)
		return rc < 0 ? rc : 0;
	struct grid *grids;
	size_t n;
	rc = load_grids(db, &grids, &n);
	if (rc)
		return rc;
	static const wg_caller console = {0};
	struct gen g = {
		.db = db,
		.o = o,
		.rng = {o->seed ^ 0x6d65697869616eULL},
		.people = wg__demo_people_new(),
		.env = {.caller = &console,
	                .key = key,
	                .audit_alg = cfg->security_audit_hash,
	                .offset_minutes = (int)cfg->time_offset_minutes},
		.now = wg_clock_now_ms(),
	};
	wg_arena_init(&g.arena, 4096);
	g.env.arena = &g.arena;
	wg_field_errors_init(&g.fe, &g.arena);
	rc = g.people ? wg_db_begin(db) : WG_ENOMEM;
	wg_progress_start(&g.progress, o->progress, "residents", o->residents);
	rc = rc ? rc : populate(&g, grids, n);
	wg_progress_finish(&g.progress);
	rc = rc ? rc : wg_db_commit(db);
	if (rc)
		wg_db_rollback(db);
	*made = rc == 0;
	wg_arena_clear(&g.arena);
	wg__demo_people_free(g.people);
	wg_free(grids);
	return rc;
}
