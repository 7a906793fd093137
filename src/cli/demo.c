/* wangge demo: the demo accounts of Mei county (眉县, 610326), one per kind
 * of user, placed in the real towns and villages of data/regions. */
#include "cli/cli.h"

#include "cli/internal.h"
#include "core/error.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/scope.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define COUNTY "610326000000"

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
	int rc = nth_child(db, COUNTY, 1, p->town1);
	rc = rc ? rc : nth_child(db, COUNTY, 2, p->town2);
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

int wg_cli_demo(wg_config *cfg, int argc, char **argv)
{
	wg_db *db;
	int rc = wg__cli_open(cfg, &db);
	if (rc)
		return rc;
	struct places p;
	rc = find_places(db, &p);
	if (rc) {
		fprintf(stderr,
		        "wangge: the region tree of Mei county (%s) is not loaded: run `wangge migrate`\n",
		        COUNTY);
		wg_db_close(db);
		return rc;
	}
	const struct demo_account accounts[] = {
		{"sysadmin", "系统管理员", WG_ROLE_SYSADMIN, COUNTY, NULL},
		{"secadmin", "安全管理员", WG_ROLE_SECADMIN, COUNTY, NULL},
		{"auditor", "安全审计员", WG_ROLE_AUDITOR, COUNTY, NULL},
		{"county", "县综治中心", WG_ROLE_CENTRE_OPERATOR, COUNTY, NULL},
		{"town1", "镇综治中心一", WG_ROLE_CENTRE_OPERATOR, p.town1, NULL},
		{"town2", "镇综治中心二", WG_ROLE_CENTRE_OPERATOR, p.town2, NULL},
		{"village1", "村综治中心", WG_ROLE_CENTRE_OPERATOR, p.village1, NULL},
		{"worker1", "网格员一", WG_ROLE_GRID_WORKER, p.grid1, NULL},
		{"worker2", "网格员二", WG_ROLE_GRID_WORKER, p.grid2, NULL},
		{"police1", "公安局经办人", WG_ROLE_DEPT_HANDLER, COUNTY, "610326-police"},
		{"justice1", "司法局经办人", WG_ROLE_DEPT_HANDLER, COUNTY, "610326-justice"},
		{"mediator1", "调解员", WG_ROLE_MEDIATOR, COUNTY, NULL},
		{"leader", "县领导", WG_ROLE_LEADER, COUNTY, NULL},
	};
	const char *given = wg__cli_flag(argc, argv, "password");
	char generated[17], hash[WG_PASSWORD_HASH_MAX];
	if (!given)
		wg__cli_random_password(generated);
	const char *password = given ? given : generated;
	/* One hash for all: they share the password anyway, and argon2id is
	 * slow on purpose. */
	rc = wg__cli_hash(cfg, password, hash);
	int created = 0;
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
			created++;
		}
	}
	if (!rc && created)
		printf("password of the %d demo accounts above: %s\n", created, password);
	sodium_memzero(generated, sizeof generated);
	wg_db_close(db);
	return rc;
}
