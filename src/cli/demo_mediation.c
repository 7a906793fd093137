/* The demo county's mediation bodies, mediators and posts (see
 * demo_mediation.h), through domain/mediation.h. */
#include "cli/demo_mediation.h"

#include "cli/demo_people.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/fielderr.h"
#include "domain/account.h"
#include "domain/mediation.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct gen {
	wg_db *db;
	wg__demo_rng rng;
	wg_mediation_env env;
	wg_arena arena;
	wg_field_errors fe;
	int64_t bodies, mediators, links, posts;
};

static int failed(struct gen *g, const char *what, const char *which, int rc)
{
	fprintf(stderr, "wangge: demo mediation: %s %s: %s", what, which,
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

/* What the mediators of a kind of body take: major dispute categories. The
 * committees of villages and towns take the everyday disputes (婚姻家庭,
 * 邻里, 土地承包, 债务, 其他), a town's also land requisition (征地拆迁). */
struct pool {
	const char *const *codes;
	size_t n;
};
#define POOL(...)                                                                   \
	{                                                                           \
		(const char *const[]){__VA_ARGS__},                                 \
			sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *) \
	}
static const struct pool village_pool = POOL("11", "12", "15", "20", "21");
static const struct pool town_pool = POOL("11", "12", "15", "16", "20", "21");
static const struct pool expert_pool = POOL("13", "14", "15", "16", "17", "18", "20");

/* The county's trade bodies, with what their mediators take. */
static const struct {
	const char *trade, *name;
	struct pool pool;
} trade_bodies[] = {
	{"property", "物业纠纷调解委员会", POOL("13", "19")},
	{"labour", "劳动人事争议调解委员会", POOL("14", "20")},
	{"traffic", "道路交通事故调解委员会", POOL("17", "20")},
	{"medical", "医疗纠纷调解委员会", POOL("18")},
	{"marriage_family", "婚姻家庭纠纷调解委员会", POOL("11", "12")},
};

/* A town or village, read before writing (one statement at a time on a
 * PostgreSQL connection). */
struct place {
	char code[13];
	char name[96];
	bool town;
};

static int load_places(wg_db *db, struct place **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT code, name, level FROM regions WHERE code >= ? AND code < ? "
	                              "AND level IN ('town', 'village') ORDER BY code",
	                              &st);
	if (rc)
		return rc;
	char lo[7], hi[7];
	snprintf(lo, sizeof lo, "%.6s", WG__DEMO_COUNTY);
	snprintf(hi, sizeof hi, "%.6s", WG__DEMO_COUNTY);
	hi[5]++;
	rc = wg_stmt_bindf(st, "tt", lo, hi);
	size_t cap = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 128;
			struct place *bigger = wg_realloc(*out, cap * sizeof **out);
			if (!bigger) {
				rc = WG_ENOMEM;
				break;
			}
			*out = bigger;
		}
		struct place *p = &(*out)[(*n)++];
		snprintf(p->code, sizeof p->code, "%s", wg_stmt_text(st, 0, NULL));
		snprintf(p->name, sizeof p->name, "%s", wg_stmt_text(st, 1, NULL));
		p->town = strcmp(wg_stmt_text(st, 2, NULL), "town") == 0;
		rc = 0;
	}
	wg_stmt_finalize(st);
	if (rc < 0) {
		wg_free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The committee of a place is named after the place, not after its
 * committee: 北兴村委会 -> 北兴村人民调解委员会, 东关社区居委会 ->
 * 东关社区人民调解委员会, 横渠镇 -> 横渠镇人民调解委员会. */
static void committee_name(const char *place, char *out, size_t len)
{
	size_t n = strlen(place);
	if (ends_with(place, "村委会"))
		snprintf(out, len, "%.*s村人民调解委员会", (int)(n - strlen("村委会")), place);
	else if (ends_with(place, "居委会"))
		snprintf(out, len, "%.*s人民调解委员会", (int)(n - strlen("居委会")), place);
	else
		snprintf(out, len, "%s人民调解委员会", place);
}

/* The id of the body with code, or 0 when there is none. */
static int body_by_code(wg_db *db, const char *code, int64_t *id)
{
	*id = 0;
	int rc = wg_db_query_int(db, "SELECT id FROM mediation_bodies WHERE code = ?", id, "t", code);
	return rc == WG_ENOTFOUND ? 0 : rc;
}

/* Up to two distinct codes of pool, drawn. */
static size_t draw_specialities(struct gen *g, const struct pool *pool, const char *out[2])
{
	size_t want = pool->n > 1 ? 1 + (size_t)wg__demo_below(&g->rng, 2) : 1;
	size_t first = (size_t)wg__demo_below(&g->rng, pool->n);
	out[0] = pool->codes[first];
	if (want == 2)
		out[1] = pool->codes[(first + 1 + (size_t)wg__demo_below(&g->rng, pool->n - 1)) % pool->n];
	return want;
}

/* A body and its 2 to 4 mediators, the first leads lead; nothing when the
 * code exists. */
static int add_body(struct gen *g, const char *code, const char *name, const char *kind, const char *trade,
                    const char *region, const char *address, const struct pool *pool, int leads)
{
	int64_t id;
	int rc = body_by_code(g->db, code, &id);
	if (rc || id)
		return rc;
	char phone[16];
	snprintf(phone, sizeof phone, "0917-5%06u", (unsigned)wg__demo_below(&g->rng, 1000000));
	next_record(g);
	wg_mediation_body_input in = {.code = code,
	                              .name = name,
	                              .kind = kind,
	                              .trade = trade,
	                              .region = region,
	                              .phone = phone,
	                              .address = address,
	                              .active = WG_MEDIATION_UNSET};
	rc = wg_mediation_body_create(g->db, &g->env, &in, &id, &g->fe);
	if (rc)
		return failed(g, "body", code, rc);
	g->bodies++;
	int n = 2 + (int)wg__demo_below(&g->rng, 3);
	for (int i = 0; i < n; i++) {
		char person[32], mobile[12];
		wg__demo_name(&g->rng, wg__demo_below(&g->rng, 2) == 0, person);
		wg__demo_phone(&g->rng, mobile);
		const char *specs[2];
		size_t nspecs = draw_specialities(g, pool, specs);
		next_record(g);
		wg_mediator_input m = {.name = person,
		                       .phone = mobile,
		                       .user_id = WG_MEDIATION_UNSET,
		                       .specialities = specs,
		                       .nspecialities = nspecs,
		                       .set_specialities = true,
		                       .lead = i < leads,
		                       .active = WG_MEDIATION_UNSET};
		int64_t mid;
		rc = wg_mediator_create(g->db, &g->env, id, &m, &mid, &g->fe);
		if (rc)
			return failed(g, "mediator of", code, rc);
		g->mediators++;
	}
	return 0;
}

static int add_bodies(struct gen *g, const struct place *places, size_t n)
{
	char county[96] = "";
	wg_stmt *st;
	int rc = wg_db_prepare_cached(g->db, "SELECT name FROM regions WHERE code = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", WG__DEMO_COUNTY);
	if (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		snprintf(county, sizeof county, "%s", wg_stmt_text(st, 0, NULL));
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	char code[48], name[160], address[160];
	for (size_t i = 0; !rc && i < n; i++) {
		const struct place *p = &places[i];
		snprintf(code, sizeof code, "%s-%s", p->town ? "tc" : "vc", p->code);
		committee_name(p->name, name, sizeof name);
		snprintf(address, sizeof address, "%s%s", p->name,
		         p->town ? "矛盾纠纷调处化解中心" : "便民服务室");
		rc = add_body(g, code, name, p->town ? "town_committee" : "village_committee", NULL, p->code,
		              address, p->town ? &town_pool : &village_pool, 1);
	}
	snprintf(address, sizeof address, "%s矛盾纠纷调处化解中心", county);
	for (size_t i = 0; !rc && i < sizeof trade_bodies / sizeof trade_bodies[0]; i++) {
		/* Codes take no '_': marriage_family is trade-marriage-family-610326. */
		snprintf(code, sizeof code, "trade-%s-%.6s", trade_bodies[i].trade, WG__DEMO_COUNTY);
		for (char *c = code; *c; c++)
			*c = *c == '_' ? '-' : *c;
		snprintf(name, sizeof name, "%s%s", county, trade_bodies[i].name);
		rc = add_body(g, code, name, "trade", trade_bodies[i].trade, WG__DEMO_COUNTY, address,
		              &trade_bodies[i].pool, 2);
	}
	if (!rc) {
		snprintf(code, sizeof code, "experts-%.6s", WG__DEMO_COUNTY);
		snprintf(name, sizeof name, "%s矛盾纠纷调解专家库", county);
		rc = add_body(g, code, name, "expert_pool", NULL, WG__DEMO_COUNTY, address, &expert_pool, 2);
	}
	return rc;
}

/* An account's id, area and name; *id 0 when there is no such account (a
 * database made before the account was added to the demo). */
static int account(wg_db *db, const char *username, int64_t *id, char scope[24], char name[160])
{
	*id = 0;
	int rc = wg_account_id_by_username(db, username, id);
	if (rc == WG_ENOTFOUND) {
		*id = 0;
		return 0;
	}
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db, "SELECT scope_key, name FROM users WHERE id = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", *id);
	if (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		snprintf(scope, 24, "%s", wg_stmt_text(st, 0, NULL));
		snprintf(name, 160, "%s", wg_stmt_text(st, 1, NULL));
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	return rc;
}

/* The demo's mediator accounts as lead mediators: mediator1 of the
 * county's labour body, mediator2 of the committee of its own town. */
static int link_accounts(struct gen *g)
{
	static const struct {
		const char *username, *kind, *trade;
		bool at_county; /* else the account's own area */
		const char *specialities[2];
	} links[] = {
		{"mediator1", "trade", "labour", true, {"14", "20"}},
		{"mediator2", "town_committee", NULL, false, {"11", "12"}},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		int64_t user, body, existing;
		char scope[24], name[160];
		int rc = account(g->db, links[i].username, &user, scope, name);
		if (rc || !user)
			return rc;
		rc = wg_mediation_body_of(g->db, links[i].at_county ? WG__DEMO_COUNTY : scope, links[i].kind,
		                          links[i].trade, &body);
		if (rc == WG_ENOTFOUND)
			continue;
		if (!rc)
			rc = wg_db_query_int(g->db, "SELECT id FROM mediators WHERE body = ? AND user_id = ?",
			                     &existing, "ii", body, user);
		if (!rc)
			continue;
		if (rc != WG_ENOTFOUND)
			return rc;
		next_record(g);
		wg_mediator_input m = {.name = name,
		                       .user_id = user,
		                       .specialities = links[i].specialities,
		                       .nspecialities = 2,
		                       .set_specialities = true,
		                       .lead = 1,
		                       .active = WG_MEDIATION_UNSET};
		int64_t id;
		rc = wg_mediator_create(g->db, &g->env, body, &m, &id, &g->fe);
		if (rc)
			return failed(g, "mediator account", links[i].username, rc);
		g->links++;
	}
	return 0;
}

/* One post of an account in its own area, added to the posts the region
 * has (wg_region_posts_set replaces them all). */
static int add_post(struct gen *g, const char *username, const char *post)
{
	int64_t user;
	char region[24], name[160];
	int rc = account(g->db, username, &user, region, name);
	if (rc || !user)
		return rc;
	wg_region_post_input have[WG_REGION_POSTS_MAX + 1];
	char posts[WG_REGION_POSTS_MAX + 1][24];
	size_t n = 0;
	bool held = false;
	wg_stmt *st;
	rc = wg_db_prepare_cached(
		g->db, "SELECT post, user_id FROM region_posts WHERE region = ? ORDER BY post, user_id", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", region);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && n < WG_REGION_POSTS_MAX) {
		snprintf(posts[n], sizeof posts[n], "%s", wg_stmt_text(st, 0, NULL));
		have[n] = (wg_region_post_input){posts[n], wg_stmt_int(st, 1)};
		held = held || (have[n].user_id == user && strcmp(posts[n], post) == 0);
		n++;
		rc = 0;
	}
	wg_stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (held || n == WG_REGION_POSTS_MAX)
		return 0;
	have[n++] = (wg_region_post_input){post, user};
	next_record(g);
	rc = wg_region_posts_set(g->db, &g->env, region, have, n, &g->fe);
	if (rc)
		return failed(g, "post of", username, rc);
	g->posts++;
	return 0;
}

static int add_posts(struct gen *g)
{
	/* Red disputes: the village and town party secretaries and a county
	 * leader; yellow: a village committee member and a town department
	 * head (司法所); family disputes: the women's federation member. */
	static const struct {
		const char *username, *post;
	} posts[] = {
		{"secretary1", "party_secretary"}, {"member1", "committee_member"},
		{"member1", "womens_federation"},  {"townsec1", "party_secretary"},
		{"townhead1", "dept_head"},        {"leader", "county_leader"},
	};
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof posts / sizeof posts[0]; i++)
		rc = add_post(g, posts[i].username, posts[i].post);
	return rc;
}

int wg__demo_mediation(wg_db *db, const wg_config *cfg, const struct wg_secret_key *key,
                       const wg__demo_options *o, bool *made)
{
	if (made)
		*made = false;
	struct place *places;
	size_t n;
	int rc = load_places(db, &places, &n);
	if (rc)
		return rc;
	static const wg_caller console = {0};
	struct gen g = {
		.db = db,
		.rng = {o->seed ^ 0x746961006a696500ULL},
		.env = {.caller = &console, .key = key, .audit_alg = cfg->security_audit_hash},
	};
	wg_arena_init(&g.arena, 4096);
	g.env.arena = &g.arena;
	wg_field_errors_init(&g.fe, &g.arena);
	rc = wg_db_begin(db);
	rc = rc ? rc : add_bodies(&g, places, n);
	rc = rc ? rc : link_accounts(&g);
	rc = rc ? rc : add_posts(&g);
	rc = rc ? rc : wg_db_commit(db);
	if (rc)
		wg_db_rollback(db);
	bool added = !rc && (g.bodies || g.mediators || g.links || g.posts);
	if (added && o->progress)
		fprintf(o->progress,
		        "mediation: %" PRId64 " bodies, %" PRId64 " mediators, %" PRId64
		        " accounts linked, %" PRId64 " posts\n",
		        g.bodies, g.mediators, g.links, g.posts);
	if (made)
		*made = added;
	wg_arena_clear(&g.arena);
	wg_free(places);
	return rc;
}
