/* The statistics cube (migration 0015, docs/statistics.md "At scale"):
 * folding the rows the case engine appends to stats_pending into
 * stats_cube, one dimension at a time per area and day. A fold reads a
 * run of pending rows, sums what each adds to every cube row it touches in
 * a hash table (most rows of a run share their county, town and day), then
 * writes each touched cube row once, in key order, and deletes the run, all
 * in the caller's transaction. */
#include "domain/stats.h"

#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "domain/region.h"
#include "domain/stats_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cube row's values: n, the four derived counters, then COUNTERS. */
enum { X_n, X_grid_reported, X_grid_accepted, X_dispute_closed, X_dispute_accepted, NEXTRA };
#define NVALUES (NEXTRA + NCOUNTERS)

#define AREAS_MAX 5    /* province, city, county, town; the department */
#define KEY_SEP '\x1f' /* between area, dim, day and val in a cell's key */

struct cell {
	char *key; /* area SEP dim SEP day SEP val, in the arena; NULL: free slot */
	uint64_t hash;
	int64_t v[NVALUES];
};

struct cells {
	wg_arena *arena;
	struct cell *slots;
	size_t cap, n; /* cap a power of two */
};

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int cells_grow(struct cells *c)
{
	size_t cap = c->cap ? c->cap * 2 : 1024;
	struct cell *slots = wg_calloc(cap, sizeof *slots);
	if (!slots)
		return WG_ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->slots[i].key)
			continue;
		size_t j = c->slots[i].hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = c->slots[i];
	}
	wg_free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

/* Add v to the cell of key (len bytes), making it when new. */
static int cells_add(struct cells *c, const char *key, size_t len, const int64_t v[NVALUES])
{
	if ((c->n + 1) * 2 > c->cap) {
		int rc = cells_grow(c);
		if (rc)
			return rc;
	}
	uint64_t h = fnv1a(key, len);
	size_t j = h & (c->cap - 1);
	while (c->slots[j].key && !(c->slots[j].hash == h && strncmp(c->slots[j].key, key, len) == 0 &&
	                            c->slots[j].key[len] == '\0'))
		j = (j + 1) & (c->cap - 1);
	struct cell *cell = &c->slots[j];
	if (!cell->key) {
		cell->key = wg_arena_strndup(c->arena, key, len);
		if (!cell->key)
			return WG_ENOMEM;
		cell->hash = h;
		c->n++;
	}
	for (int i = 0; i < NVALUES; i++)
		cell->v[i] += v[i];
	return 0;
}

/* One pending row as read. Strings are the statement's until its next step. */
struct pending {
	const char *day, *scope_key, *kind, *category, *source, *department, *state;
	int64_t reporter, v[NVALUES];
};

static int add_dim(struct cells *c, const char *area, const char *dim, const struct pending *p,
                   const char *val)
{
	char key[160];
	int len = snprintf(key, sizeof key, "%s%c%s%c%s%c%s", area, KEY_SEP, dim, KEY_SEP, p->day, KEY_SEP,
	                   val);
	if (len < 0 || (size_t)len >= sizeof key)
		return WG_ESTORE; /* keys are codes of a few dozen characters */
	return cells_add(c, key, (size_t)len, p->v);
}

/* The areas of a place: each region above it or at it that the cube
 * keeps, as a 12-digit code, with its level. Returns how many. */
static size_t areas_of(const char *scope_key, char codes[AREAS_MAX][WG_REGION_CODE_LEN + 1],
                       enum wg_region_level levels[AREAS_MAX])
{
	size_t n = 0;
	if (strlen(scope_key) < WG_REGION_CODE_LEN)
		return 0;
	for (int l = WG_REGION_PROVINCE; l < WG_REGION_VILLAGE; l++) {
		size_t keep = wg_region_prefix_len((enum wg_region_level)l);
		memset(codes[n], '0', WG_REGION_CODE_LEN);
		memcpy(codes[n], scope_key, keep);
		codes[n][WG_REGION_CODE_LEN] = '\0';
		enum wg_region_level got;
		/* A place at a town is its own village-level prefix: skip what is
		 * no region of this level. */
		if (wg_region_code_level(codes[n], &got) && got == (enum wg_region_level)l &&
		    wg__stats_cube_holds(false, got, "all")) {
			levels[n] = got;
			n++;
		}
	}
	return n;
}

bool wg__stats_cube_holds(bool dept, enum wg_region_level level, const char *dim)
{
	if (!dept && level == WG_REGION_VILLAGE)
		return false;
	if (strcmp(dim, "place") == 0 || strcmp(dim, "reporter") == 0)
		return !dept && level >= WG_REGION_COUNTY;
	if (strcmp(dim, "child") == 0 || strcmp(dim, "department") == 0)
		return !dept;
	return true;
}

/* Every cube row one pending row adds to. */
static int expand(struct cells *c, const struct pending *p)
{
	char codes[AREAS_MAX][WG_REGION_CODE_LEN + 1];
	enum wg_region_level levels[AREAS_MAX];
	size_t nregions = areas_of(p->scope_key, codes, levels);
	char dept_area[64];
	bool dept = p->department[0] != '\0';
	if (dept && snprintf(dept_area, sizeof dept_area, "d:%s", p->department) >= (int)sizeof dept_area)
		return WG_ESTORE;
	char reporter[24];
	snprintf(reporter, sizeof reporter, "%" PRId64, p->reporter);
	int rc = 0;
	for (size_t i = 0; !rc && i < nregions + (dept ? 1 : 0); i++) {
		bool region = i < nregions;
		const char *area = region ? codes[i] : dept_area;
		if (p->state[0]) {
			char val[96];
			if (snprintf(val, sizeof val, "%s:%s", p->kind, p->state) >= (int)sizeof val)
				return WG_ESTORE;
			rc = add_dim(c, area, "state", p, val);
			continue;
		}
		rc = add_dim(c, area, "all", p, "");
		if (!rc)
			rc = add_dim(c, area, "kind", p, p->kind);
		if (!rc)
			rc = add_dim(c, area, "category", p, p->category);
		if (!rc)
			rc = add_dim(c, area, "source", p, p->source);
		enum wg_region_level level = region ? levels[i] : WG_REGION_PROVINCE;
		if (!rc && wg__stats_cube_holds(!region, level, "place"))
			rc = add_dim(c, area, "place", p, p->scope_key);
		if (!rc && p->reporter && wg__stats_cube_holds(!region, level, "reporter"))
			rc = add_dim(c, area, "reporter", p, reporter);
		if (!rc && region && dept)
			rc = add_dim(c, area, "department", p, p->department);
		if (!rc && region) {
			/* The child's significant digits, as the fine reads group them. */
			char child[WG_REGION_CODE_LEN + 1];
			size_t keep = wg_region_prefix_len(levels[i] + 1);
			memcpy(child, p->scope_key, keep);
			child[keep] = '\0';
			rc = add_dim(c, area, "child", p, child);
		}
	}
	return rc;
}

static int read_pending(wg_stmt *st, struct pending *p)
{
	const char **text[] = {&p->day,    &p->scope_key,  &p->kind, &p->category,
	                       &p->source, &p->department, &p->state};
	for (int i = 0; i < 7; i++) {
		const char *s = wg_stmt_text(st, 1 + i, NULL);
		*text[i] = s ? s : "";
	}
	p->reporter = wg_stmt_int(st, 8);
	memset(p->v, 0, sizeof p->v);
	p->v[X_n] = wg_stmt_int(st, 9);
	for (int k = 0; k < NCOUNTERS; k++)
		p->v[NEXTRA + k] = wg_stmt_int(st, 10 + k);
	bool dispute = strcmp(p->kind, "dispute") == 0;
	p->v[X_grid_reported] = p->reporter ? p->v[NEXTRA + K_reported] : 0;
	p->v[X_grid_accepted] = p->reporter ? p->v[NEXTRA + K_accepted] : 0;
	p->v[X_dispute_closed] = dispute ? p->v[NEXTRA + K_reported_closed] : 0;
	p->v[X_dispute_accepted] = dispute ? p->v[NEXTRA + K_accepted] : 0;
	return 0;
}

static int cmp_cell(const void *a, const void *b)
{
	return strcmp(((const struct cell *)a)->key, ((const struct cell *)b)->key);
}

#define ADD(n) ", " #n " = stats_cube." #n " + excluded." #n
/* The values of a cube row before COUNTERS, in the order of enum above. */
#define EXTRA(X) X(n) X(grid_reported) X(grid_accepted) X(dispute_closed) X(dispute_accepted)

/* area = excluded.area changes nothing: it only opens the list. */
static const char upsert_sql[] = "INSERT INTO stats_cube (area, dim, day, val" EXTRA(COL)
	COUNTERS(COL) ") VALUES (?, ?, ?, ?" EXTRA(QMARK) COUNTERS(
		QMARK) ") ON CONFLICT (area, dim, day, val) DO UPDATE SET area = excluded.area" EXTRA(ADD)
		COUNTERS(ADD);

static int upsert(wg_db *db, const struct cell *cell)
{
	const char *part[4];
	size_t len[4];
	const char *s = cell->key;
	for (int i = 0; i < 4; i++) {
		const char *end = i < 3 ? strchr(s, KEY_SEP) : s + strlen(s);
		if (!end)
			return WG_EINTERNAL;
		part[i] = s;
		len[i] = (size_t)(end - s);
		s = end + 1;
	}
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, upsert_sql, &st);
	for (int i = 0; !rc && i < 4; i++)
		rc = wg_stmt_bind_text(st, i + 1, part[i], len[i]);
	for (int i = 0; !rc && i < NVALUES; i++)
		rc = wg_stmt_bind_int(st, 5 + i, cell->v[i]);
	if (!rc)
		rc = wg_stmt_step(st);
	if (st)
		wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static bool any_value(const struct cell *cell)
{
	for (int i = 0; i < NVALUES; i++)
		if (cell->v[i])
			return true;
	return false;
}

/* Write the touched cells, in key order: two folds on PostgreSQL never
 * take the same rows' locks in opposite orders. */
static int write_cells(wg_db *db, struct cells *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].key && any_value(&c->slots[i]))
			c->slots[n++] = c->slots[i];
	if (n == 0)
		return 0;
	qsort(c->slots, n, sizeof *c->slots, cmp_cell);
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = upsert(db, &c->slots[i]);
	return rc;
}

int wg_stats_fold(wg_db *db, int64_t upto, int64_t *folded)
{
	*folded = 0;
	/* One folder at a time across nodes (PostgreSQL); after the lock, the
	 * rows another folder took are gone. */
	int rc = wg_db_lock(db, "stats_fold");
	if (rc)
		return rc;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "SELECT id, day, scope_key, kind, category, source, department, state, "
	                          "reporter, n" COUNTERS(COL) " FROM stats_pending WHERE id <= ? ORDER BY id",
	                          &st);
	if (rc)
		return rc;
	wg_arena arena;
	wg_arena_init(&arena, (size_t)64 * 1024);
	struct cells c = {.arena = &arena};
	int64_t last = 0;
	rc = wg_stmt_bind_int(st, 1, upto);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		struct pending p;
		last = wg_stmt_int(st, 0);
		rc = read_pending(st, &p);
		if (!rc)
			rc = expand(&c, &p);
		(*folded)++;
	}
	wg_stmt_finalize(st);
	if (rc == WG_DB_DONE)
		rc = 0;
	if (!rc && last)
		rc = write_cells(db, &c);
	if (!rc && last)
		rc = wg_db_execf(db, "DELETE FROM stats_pending WHERE id <= ?", NULL, "i", last);
	wg_free(c.slots);
	wg_arena_clear(&arena);
	return rc;
}

int wg_stats_fold_next(wg_db *db, size_t max_rows, int64_t *first_at, int64_t *upto)
{
	*first_at = 0;
	*upto = 0;
	int rc = wg_db_query_int(db, "SELECT at FROM stats_pending ORDER BY id LIMIT 1", first_at, "");
	if (rc == WG_ENOTFOUND)
		return 0;
	if (!rc)
		rc = wg_db_query_int(db, "SELECT id FROM stats_pending ORDER BY id LIMIT 1 OFFSET ?", upto,
		                     "i", (int64_t)(max_rows ? max_rows - 1 : 0));
	if (rc == WG_ENOTFOUND)
		rc = wg_db_query_int(db, "SELECT max(id) FROM stats_pending", upto, "");
	return rc;
}

int wg_stats_cube_reset(wg_db *db)
{
	int rc = wg_db_execf(db, "DELETE FROM stats_cube", NULL, "");
	if (!rc)
		rc = wg_db_execf(db, "DELETE FROM stats_pending", NULL, "");
	if (!rc)
		rc = wg_db_execf(
			db,
			"INSERT INTO stats_pending (at, day, scope_key, kind, category, source, "
			"department, reporter" COUNTERS(
				COL) ") SELECT 0, day, scope_key, kind, "
				     "category, source, department, reporter" COUNTERS(COL) " FROM stats_day",
			NULL, "");
	if (!rc)
		rc = wg_db_execf(db,
		                 "INSERT INTO stats_pending (at, day, scope_key, kind, category, source, "
		                 "department, reporter, state, n) SELECT 0, day, scope_key, kind, category, "
		                 "source, department, 0, state, n FROM stats_state WHERE n <> 0",
		                 NULL, "");
	return rc;
}
