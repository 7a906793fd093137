/* wangge demo: a complete, deterministic Mei county (眉县, 610326): its 974
 * grids over the real towns and villages of data/regions with their 1,226
 * staff (demo_county.c), the demo accounts, one per kind of user, the
 * base data of residents, houses, organisations and key places
 * (demo_base.c), the mediation bodies, mediators and posts of personal
 * charge (demo_mediation.c), and with --cases a year of cases
 * (demo_cases.c) and of disputes and petitions (demo_disputes.c). */
#include "cli/cli.h"

#include "cli/demo_cases.h"
#include "cli/demo_county.h"
#include "cli/demo_disputes.h"
#include "cli/demo_mediation.h"
#include "cli/internal.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/secret.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/scope.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the demo puts people: filled from the region tree, so the demo
 * follows the shipped division codes rather than hard-coding them. */
struct places {
	char town1[13], town2[13];
	char village1[13]; /* first village of town1 */
	char village2[13]; /* first village of town2 */
	char grid1[16];    /* first grid of village1 */
	char grid2[16];    /* first grid of village2 */
};

struct first {
	char *out;
	int want, seen;
};

static int take(void *ctx, const wg_region *r)
{
	struct first *f = ctx;
	if (++f->seen == f->want)
		snprintf(f->out, 13, "%s", r->code);
	return 0;
}

static int nth_child(wg_db *db, const char *parent, int n, char out[13])
{
	struct first f = {out, n, 0};
	int64_t total;
	out[0] = '\0';
	wg_scope everything;
	wg_scope_of(&(wg_caller){0}, &everything);
	int rc = wg_region_children(db, &everything, parent, NULL, n, take, &f, &total);
	return rc ? rc : out[0] ? 0 : WG_ENOTFOUND;
}

static int find_places(wg_db *db, struct places *p)
{
	int rc = nth_child(db, WG__DEMO_COUNTY, 1, p->town1);
	rc = rc ? rc : nth_child(db, WG__DEMO_COUNTY, 2, p->town2);
	rc = rc ? rc : nth_child(db, p->town1, 1, p->village1);
	rc = rc ? rc : nth_child(db, p->town2, 1, p->village2);
	/* Grid codes are the village code and a 3-digit number. */
	snprintf(p->grid1, sizeof p->grid1, "%s001", p->village1);
	snprintf(p->grid2, sizeof p->grid2, "%s001", p->village2);
	return rc;
}

struct demo_account {
	const char *username, *name;
	unsigned roles;
	const char *scope;
	const char *department;
};

/* --name=N as a count within [min, max]; def when absent. */
static int count_flag(int argc, char **argv, const char *name, int64_t def, int64_t min, int64_t max,
                      int64_t *out)
{
	const char *v = wg__cli_flag(argc, argv, name);
	*out = def;
	if (!v)
		return 0;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (end == v || *end || n < min || n > max) {
		fprintf(stderr, "wangge: --%s must be a whole number from %" PRId64 " to %" PRId64 "\n", name,
		        min, max);
		return WG_EVALIDATION;
	}
	*out = n;
	return 0;
}

static bool has_flag(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0)
			return true;
	return false;
}

/* An account for every grid worker, named after the grid (gw + its code),
 * in one transaction: the county's phones sign in with these. */
static int add_staff_accounts(wg_db *db, const wg_config *cfg, const char *hash)
{
	static const wg_caller console = {0};
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT s.scope_key, s.name FROM grid_staff s WHERE s.role = 'grid_worker' "
		"AND s.user_id IS NULL AND NOT EXISTS (SELECT 1 FROM users u "
		"WHERE u.username = 'gw' || s.scope_key) ORDER BY s.scope_key",
		&st);
	if (rc)
		return rc;
	/* Read first: one statement at a time on a PostgreSQL connection. */
	size_t n = 0, cap = 0;
	struct {
		char grid[19], name[64];
	} *w = NULL;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			void *bigger = wg_realloc(w, cap * sizeof *w);
			if (!bigger) {
				rc = WG_ENOMEM;
				break;
			}
			w = bigger;
		}
		snprintf(w[n].grid, sizeof w[n].grid, "%s", wg_stmt_text(st, 0, NULL));
		snprintf(w[n].name, sizeof w[n].name, "%s", wg_stmt_text(st, 1, NULL));
		n++;
	}
	wg_stmt_finalize(st);
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	rc = rc < 0 ? rc : wg_db_begin(db);
	for (size_t i = 0; !rc && i < n; i++) {
		char username[32];
		snprintf(username, sizeof username, "gw%s", w[i].grid);
		wg_field_errors_init(&fe, &arena);
		wg_user_input in = {.username = username, .name = w[i].name, .scope = w[i].grid};
		int64_t id;
		rc = wg_account_create(db, &console, cfg->security_audit_hash, &in, hash, false, &id, &fe);
		rc = rc ? rc
		        : wg_account_set_roles(db, &console, cfg->security_audit_hash, id,
		                               WG_ROLE_GRID_WORKER, &fe);
		if (rc)
			wg__cli_print_errors(&fe, rc, db);
		wg_arena_clear(&arena);
	}
	rc = rc ? rc : wg_db_commit(db);
	if (rc)
		wg_db_rollback(db);
	else if (n)
		printf("grid worker accounts: %zu (gw + grid code, e.g. gw%s), same password\n", n,
		       w[0].grid);
	wg_free(w);
	return rc;
}

static int demo_accounts(wg_db *db, wg_config *cfg, const struct places *p, const char *hash, int *created)
{
	const struct demo_account accounts[] = {
		{"sysadmin", "系统管理员", WG_ROLE_SYSADMIN, WG__DEMO_COUNTY, NULL},
		{"secadmin", "安全管理员", WG_ROLE_SECADMIN, WG__DEMO_COUNTY, NULL},
		{"auditor", "安全审计员", WG_ROLE_AUDITOR, WG__DEMO_COUNTY, NULL},
		{"county", "县综治中心", WG_ROLE_CENTRE_OPERATOR, WG__DEMO_COUNTY, NULL},
		{"town1", "镇综治中心一", WG_ROLE_CENTRE_OPERATOR, p->town1, NULL},
		{"town2", "镇综治中心二", WG_ROLE_CENTRE_OPERATOR, p->town2, NULL},
		{"village1", "村综治中心", WG_ROLE_CENTRE_OPERATOR, p->village1, NULL},
		{"worker1", "网格员一", WG_ROLE_GRID_WORKER, p->grid1, NULL},
		{"worker2", "网格员二", WG_ROLE_GRID_WORKER, p->grid2, NULL},
		{"police1", "公安局经办人", WG_ROLE_DEPT_HANDLER, WG__DEMO_COUNTY, "610326-police"},
		{"justice1", "司法局经办人", WG_ROLE_DEPT_HANDLER, WG__DEMO_COUNTY, "610326-justice"},
		{"mediator1", "调解员", WG_ROLE_MEDIATOR, WG__DEMO_COUNTY, NULL},
		{"leader", "县领导", WG_ROLE_LEADER, WG__DEMO_COUNTY, NULL},
		{"mediator2", "调解员二", WG_ROLE_MEDIATOR, p->town1, NULL},
		{"secretary1", "村党支部书记", WG_ROLE_LEADER, p->village1, NULL},
		{"member1", "村委委员", WG_ROLE_LEADER, p->village1, NULL},
		{"townsec1", "镇党委书记", WG_ROLE_LEADER, p->town1, NULL},
		{"townhead1", "镇司法所所长", WG_ROLE_LEADER, p->town1, NULL},
	};
	int rc = 0;
	*created = 0;
	for (size_t i = 0; !rc && i < sizeof accounts / sizeof accounts[0]; i++) {
		const struct demo_account *a = &accounts[i];
		int64_t id;
		if (wg_account_id_by_username(db, a->username, &id) == 0) {
			printf("%-10s exists, left as it is\n", a->username);
			continue;
		}
		wg_user_input in = {.username = a->username,
		                    .name = a->name,
		                    .scope = a->scope,
		                    .department = a->department,
		                    .set_department = a->department != NULL};
		rc = wg__cli_add_user(db, cfg, &in, a->roles, hash, false, &id);
		if (!rc) {
			printf("%-10s %-16s %-15s %s\n", a->username, wg_role_name(a->roles), a->scope,
			       a->department ? a->department : "");
			(*created)++;
		}
	}
	return rc;
}

int wg_cli_demo(wg_config *cfg, int argc, char **argv)
{
	wg__demo_options o = {.staff_accounts = has_flag(argc, argv, "staff-accounts"),
	                      .progress = has_flag(argc, argv, "quiet") ? NULL : stderr};
	int64_t seed;
	int rc = count_flag(argc, argv, "seed", 1, 0, INT64_MAX, &seed);
	rc = rc ? rc : count_flag(argc, argv, "residents", WG__DEMO_RESIDENTS, 0, 5000000, &o.residents);
	/* --cases alone is the default count; cases need every grid's worker. */
	bool cases = has_flag(argc, argv, "cases") || wg__cli_flag(argc, argv, "cases");
	wg__demo_cases_options co = {.progress = o.progress};
	rc = rc ? rc : count_flag(argc, argv, "cases", WG__DEMO_CASES, 0, WG__DEMO_CASES_MAX, &co.count);
	o.staff_accounts = o.staff_accounts || cases;
	const char *url = wg__cli_flag(argc, argv, "db");
	char err[256];
	if (!rc && url && wg_config_set(cfg, "db.url", url, err, sizeof err) != 0) {
		fprintf(stderr, "wangge: --db: %s\n", err);
		rc = WG_ECONFIG;
	}
	if (rc)
		return rc;
	o.seed = co.seed = (uint64_t)seed;
	wg_secret_key *key;
	if (wg_secret_key_load(cfg->security_key_file, &key, err, sizeof err) != 0) {
		fprintf(stderr, "wangge: %s\n", err);
		return WG_ECONFIG;
	}
	wg_db *db;
	rc = wg__cli_open(cfg, &db);
	if (rc) {
		wg_secret_key_free(key);
		return rc;
	}
	int64_t started = wg_clock_mono_us();
	bool grids_made = false, base_made = false;
	rc = wg__demo_grids(db, cfg, key, &o, &grids_made);
	struct places p;
	if (!rc && (rc = find_places(db, &p)) != 0)
		fprintf(stderr,
		        "wangge: the region tree of Mei county (%s) is not loaded: run `wangge migrate`\n",
		        WG__DEMO_COUNTY);
	const char *given = wg__cli_flag(argc, argv, "password");
	char generated[17], hash[WG_PASSWORD_HASH_MAX];
	if (!given)
		wg__cli_random_password(generated);
	const char *password = given ? given : generated;
	/* One hash for all: they share the password anyway, and argon2id is
	 * slow on purpose. */
	rc = rc ? rc : wg__cli_hash(cfg, password, hash);
	int created = 0;
	rc = rc ? rc : demo_accounts(db, cfg, &p, hash, &created);
	if (!rc && created)
		printf("password of the %d demo accounts above: %s\n", created, password);
	else if (!rc && !given && (o.staff_accounts || cases))
		/* The demo accounts keep theirs; the accounts this run adds (grid
		 * workers, department handlers) need a password somebody knows. */
		printf("password of the accounts this run adds: %s\n", password);
	rc = rc ? rc : o.staff_accounts ? add_staff_accounts(db, cfg, hash) : 0;
	rc = rc ? rc : wg__demo_link_workers(db);
	rc = rc ? rc : wg__demo_base(db, cfg, key, &o, &base_made);
	rc = rc ? rc : wg__demo_mediation(db, cfg, key, &o, NULL);
	co.password_hash = hash;
	bool cases_made = false;
	rc = rc || !cases ? rc : wg__demo_cases(db, cfg, key, &co, &cases_made);
	rc = rc || !cases ? rc : wg__demo_disputes(db, cfg, key, &co);
	if (!rc && o.progress && (grids_made || base_made || cases_made))
		fprintf(o.progress, "demo county built in %.1f s\n",
		        (double)(wg_clock_mono_us() - started) / 1e6);
	sodium_memzero(generated, sizeof generated);
	sodium_memzero(hash, sizeof hash);
	wg_db_close(db);
	wg_secret_key_free(key);
	return rc;
}
