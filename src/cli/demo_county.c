/* The demo county's grids and grid staff. */
#include "cli/demo_county.h"

#include "cli/demo_people.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/error.h"
#include "domain/geometry.h"
#include "domain/grid.h"
#include "domain/role.h"

#include <stdio.h>
#include <string.h>

/* Mei county lies between the Wei river and the Qinling ridge; the box is
 * where the demo draws it. */
static const wg__demo_box county_box = {107.6, 33.95, 108.05, 34.35};

/* How a town's villages are drawn: the county seat's communities are
 * dense urban grids, the two mountain areas (太白山旅游区, 红河谷森林公园)
 * large special grids with few people, the rest farming villages. */
static void village_kind(wg__demo_rng *r, const char *town, wg__demo_village *v)
{
	if (strncmp(town + 6, "0", 1) == 0) { /* 街道: towns numbered 001-099 */
		v->type = "urban";
		v->weight = 1.5 + 0.5 * wg__demo_unit(r);
		v->area = 0.3 + 0.2 * wg__demo_unit(r);
	} else if (strncmp(town + 6, "4", 1) == 0) { /* 400-499: special areas */
		v->type = "special";
		v->weight = 0.1;
		v->area = 12;
	} else {
		v->type = "rural";
		v->weight = 0.6 + 0.8 * wg__demo_unit(r);
		v->area = 0.7 + 0.6 * wg__demo_unit(r);
	}
}

static int count_rows(wg_db *db, const char *sql, int64_t *n)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	*n = rc == WG_DB_ROW ? wg_stmt_int(st, 0) : 0;
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The county's villages in code order (so the villages of a town are
 * adjacent). *v from wg_malloc. */
static int load_villages(wg_db *db, wg__demo_rng *r, wg__demo_village **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT code, parent, name FROM regions WHERE level = 'village' "
	                              "AND code >= ? AND code < ? ORDER BY code",
	                              &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "tt", "610326", "610327");
	size_t cap = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 128;
			wg__demo_village *bigger = wg_realloc(*v, cap * sizeof **v);
			if (!bigger) {
				rc = WG_ENOMEM;
				break;
			}
			*v = bigger;
		}
		wg__demo_village *x = &(*v)[(*n)++];
		memset(x, 0, sizeof *x);
		snprintf(x->code, sizeof x->code, "%s", wg_stmt_text(st, 0, NULL));
		snprintf(x->town, sizeof x->town, "%s", wg_stmt_text(st, 1, NULL));
		snprintf(x->name, sizeof x->name, "%s", wg_stmt_text(st, 2, NULL));
		village_kind(r, x->town, x);
		rc = 0;
	}
	wg_stmt_finalize(st);
	if (rc < 0) {
		wg_free(*v);
		*v = NULL;
		*n = 0;
		return rc;
	}
	return *n ? 0 : WG_ENOTFOUND;
}

static int insert_grid(wg_db *db, const wg__demo_village *v, const wg__demo_grid *g)
{
	const wg__demo_box *b = &g->box;
	double xy[] = {b->west,  b->south, b->east,  b->south, b->east,
	               b->north, b->west,  b->north, b->west,  b->south};
	wg_ring ring = {5, xy};
	wg_polygon polygon = {1, &ring};
	wg_geom geom = {1, &polygon, b->west, b->south, b->east, b->north};
	char err[160];
	if (wg_geometry_check(&geom, err, sizeof err) != 0) {
		fprintf(stderr, "wangge: demo grid %s: %s\n", g->code, err);
		return WG_EINTERNAL;
	}
	char name[WG_GRID_NAME_MAX * 4];
	snprintf(name, sizeof name, "%s第%d网格", v->name, g->number);
	wg_grid_row row = {.code = g->code, .name = name, .type = v->type, .boundary = &geom};
	return wg_grid_insert(db, &row);
}

struct staffing {
	wg_db *db;
	const struct wg_secret_key *key;
	wg__demo_rng *rng;
	wg__demo_people *people;
	wg_progress progress;
	int64_t made;
};

static int add_staff(struct staffing *s, const char *role, const char *scope_key)
{
	wg__demo_person p;
	if (!wg__demo_person_new(s->people, s->rng, "610326", 1965, 2000, &p))
		return WG_EINTERNAL;
	int64_t id;
	int rc = wg_grid_staff_insert(s->db, s->key, role, p.name, p.phone, 0, scope_key, &id);
	if (!rc)
		wg_progress_update(&s->progress, ++s->made);
	return rc;
}

/* One grid worker per grid, a grid head and an instructor per village, a
 * chief grid head per town, and grid assistants in evenly spread grids to
 * make up the county's total. */
static int add_all_staff(struct staffing *s, const wg__demo_village *v, size_t nv, const wg__demo_grid *g,
                         size_t ng)
{
	size_t towns = 0;
	for (size_t i = 0; i < nv; i++)
		towns += i == 0 || strcmp(v[i].town, v[i - 1].town) != 0;
	size_t fixed = ng + 2 * nv + towns;
	size_t assistants = WG__DEMO_STAFF > fixed ? WG__DEMO_STAFF - fixed : 0;
	wg_progress_start(&s->progress, s->progress.out, "grid staff", (int64_t)(fixed + assistants));
	int rc = 0;
	for (size_t i = 0; !rc && i < nv; i++) {
		if (i == 0 || strcmp(v[i].town, v[i - 1].town) != 0)
			rc = add_staff(s, "chief_grid_head", v[i].town);
		rc = rc ? rc : add_staff(s, "grid_head", v[i].code);
		rc = rc ? rc : add_staff(s, "grid_instructor", v[i].code);
	}
	for (size_t i = 0; !rc && i < ng; i++)
		rc = add_staff(s, "grid_worker", g[i].code);
	for (size_t k = 0; !rc && k < assistants; k++)
		rc = add_staff(s, "grid_assistant", g[k * ng / assistants].code);
	wg_progress_finish(&s->progress);
	return rc;
}

int wg__demo_grids(wg_db *db, const wg_config *cfg, const struct wg_secret_key *key,
                   const wg__demo_options *o, bool *made)
{
	(void)cfg;
	*made = false;
	int64_t existing;
	int rc = count_rows(db, "SELECT count(*) FROM grids", &existing);
	if (rc || existing)
		return rc;
	wg__demo_rng rng = {o->seed};
	wg__demo_village *v;
	size_t nv;
	wg__demo_grid *g = NULL;
	size_t ng = 0;
	wg__demo_people *people = wg__demo_people_new();
	rc = people ? load_villages(db, &rng, &v, &nv) : WG_ENOMEM;
	if (rc == WG_ENOTFOUND)
		fprintf(stderr,
		        "wangge: no villages of Mei county (610326) are loaded: run `wangge migrate`\n");
	if (rc) {
		wg__demo_people_free(people);
		return rc;
	}
	rc = wg__demo_map(&county_box, v, nv, WG__DEMO_GRIDS, &g, &ng);
	rc = rc ? rc : wg_db_begin(db);
	wg_progress p;
	wg_progress_start(&p, o->progress, "grids", (int64_t)ng);
	for (size_t i = 0; !rc && i < ng; i++) {
		rc = insert_grid(db, &v[g[i].village], &g[i]);
		wg_progress_update(&p, (int64_t)i + 1);
	}
	wg_progress_finish(&p);
	struct staffing s = {db, key, &rng, people, {.out = o->progress}, 0};
	rc = rc ? rc : add_all_staff(&s, v, nv, g, ng);
	rc = rc ? rc : wg_grid_index_reload(db);
	rc = rc ? rc : wg_db_commit(db);
	if (rc) {
		fprintf(stderr, "wangge: demo grids: %s\n",
		        rc == WG_ESTORE ? wg_db_errmsg(db) : wg_error_message(rc));
		wg_db_rollback(db);
	}
	*made = rc == 0;
	wg_free(v);
	wg_free(g);
	wg__demo_people_free(people);
	return rc;
}

int wg__demo_link_workers(wg_db *db)
{
	int rc = wg_db_begin(db);
	rc = rc ? rc
	        : wg_db_execf(db,
	                      "UPDATE grid_staff SET user_id = (SELECT min(u.id) FROM users u "
	                      "WHERE u.scope_key = grid_staff.scope_key AND u.roles = ?) "
	                      "WHERE role = 'grid_worker' AND user_id IS NULL",
	                      NULL, "i", (int64_t)WG_ROLE_GRID_WORKER);
	rc = rc ? rc : wg_db_commit(db);
	if (rc)
		wg_db_rollback(db);
	return rc;
}
