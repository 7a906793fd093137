/* bench/stats-gen.c - millions of generated cases for the statistics
 * benchmark (bench/stats.sh): the cases table of a county that reported N
 * cases in the year up to a given day, written straight into the store,
 * not through the API or the case engine (which would take hours for ten
 * million), so that `wangge stats rebuild` can then build the rollups with
 * the real code and the statistics endpoints be timed over them.
 *
 *   bench_stats_gen --db.url=URL --cases=N --end=YYYY-MM-DD [--seed=S]
 *   bench_stats_gen --db.url=URL --export=TABLE
 *   bench_stats_gen --columns=TABLE
 *
 * The first form needs a migrated database holding the demo county
 * (`wangge demo --staff-accounts`: grids, categories, departments and the
 * grid workers' accounts) and no case yet. Each case is drawn from the seed
 * and its id alone, so a run on SQLite and one on PostgreSQL with the same
 * arguments write the same cases:
 *   - reported on a day of the 365 ending at --end (fewer at weekends),
 *     between 07:00 and 21:00 local time (UTC+8), ids in time order;
 *   - in a grid drawn by weight (urban grids three times a rural one, each
 *     grid a weight of its own), at a point inside the grid's box; the
 *     village of the grid is its region and centre;
 *   - of a minor event category drawn by a Zipf-like weight, from a source
 *     (grid 62 %, citizen and hotline 12 % each, window 8 %, department 4 %,
 *     camera 2 %); grid reports carry the grid worker's account;
 *   - with an outcome: 3 % rejected, 2 % merged into an earlier case, 15 %
 *     of grid reports resolved on the spot, the rest accepted, assessed,
 *     dispatched to the department in charge of the category (the town's
 *     when the town has one, else the county's), handled within days
 *     (a long tail; 6 % returned once, 5 % extended, 4 % reworked), fed
 *     back, verified, closed and called back (satisfaction mostly 4-5,
 *     some reopened); escalations and supervision now and then. Each step
 *     takes hours to days, so cases reported in the last weeks stop in the
 *     state they reached by the end of --end, with that state's clock
 *     running, overdue when its deadline has passed.
 * Only the cases rows are written: no timeline events, notifications,
 * audit rows or text index, which the statistics do not read; next_due is
 * left NULL so that the server's clock job finds nothing to fire.
 *
 * The second form writes a table (cases, stats_day, stats_state or stats_cube) as CSV
 * on stdout, for PostgreSQL's COPY (bench/stats.sh fills the PostgreSQL
 * database from the SQLite one: the same cases, and the rollups that
 * `wangge stats rebuild` built from them there, since rebuilding them on
 * PostgreSQL, a few statements per case over the wire, takes most of an
 * hour at ten million); the third prints the columns it writes.
 *
 * Writes in transactions of BATCH_ROWS rows with multi-row INSERTs; prints
 * progress on stderr and one summary line on stdout. Exits 0, or 1 after
 * printing the reason. */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/db.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OFFSET_MIN 480 /* the demo county's UTC+8 */
#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL
#define DAYS 365
#define ROWS_PER_INSERT 200
#define BATCH_ROWS 50000

/* ---- drawing ------------------------------------------------------------------- */

/* splitmix64: one stream per case, from the seed and the case id. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return (double)(mix(s) >> 11) / 9007199254740992.0;
}

static bool chance(uint64_t *s, double p)
{
	return unit(s) < p;
}

static int64_t hours(uint64_t *s, double lo, double hi)
{
	return (int64_t)((lo + (hi - lo) * unit(s)) * (double)HOUR_MS);
}

/* Index of the first cumulative weight above u * total. */
static size_t pick(const double *cum, size_t n, double u)
{
	double x = u * cum[n - 1];
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- the county, as the demo made it ------------------------------------------------ */

struct grid {
	char code[19], village[13], town[10];
	double west, south, east, north;
	int64_t worker; /* the grid worker's account, 0 if none */
};

struct category {
	char code[8], name[64], owner_town[32], owner_county[32];
};

struct county {
	struct grid *grids;
	double *grid_cum;
	size_t ngrids;
	struct category *cats;
	double *cat_cum;
	size_t ncats;
	char (*depts)[40]; /* sorted codes */
	size_t ndepts;
};

static int fail(wg_db *db, const char *what, int rc)
{
	fprintf(stderr, "bench_stats_gen: %s: %s%s%s\n", what, wg_error_message(rc), db ? ": " : "",
	        db ? wg_db_errmsg(db) : "");
	return rc ? rc : WG_EINTERNAL;
}

static void copy_col(wg_stmt *st, int col, char *out, size_t len)
{
	const char *t = wg_stmt_text(st, col, NULL);
	snprintf(out, len, "%s", t ? t : "");
}

static int load_grids(wg_db *db, struct county *c)
{
	wg_stmt *st;
	int rc = wg_db_prepare(db,
	                       "SELECT g.code, g.region, g.type, g.min_lng, g.min_lat, g.max_lng, g.max_lat, "
	                       "COALESCE((SELECT u.id FROM users u WHERE u.username = 'gw' || g.code), 0) "
	                       "FROM grids g WHERE g.min_lng IS NOT NULL ORDER BY g.code",
	                       &st);
	if (rc)
		return fail(db, "reading the grids", rc);
	size_t cap = 0;
	uint64_t s = 42;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (c->ngrids == cap) {
			cap = cap ? cap * 2 : 1024;
			struct grid *g = wg_realloc(c->grids, cap * sizeof *g);
			double *w = wg_realloc(c->grid_cum, cap * sizeof *w);
			if (g)
				c->grids = g;
			if (w)
				c->grid_cum = w;
			if (!g || !w) {
				rc = WG_ENOMEM;
				break;
			}
		}
		struct grid *g = &c->grids[c->ngrids];
		copy_col(st, 0, g->code, sizeof g->code);
		copy_col(st, 1, g->village, sizeof g->village);
		snprintf(g->town, sizeof g->town, "%.9s", g->village);
		g->west = wg_stmt_double(st, 3);
		g->south = wg_stmt_double(st, 4);
		g->east = wg_stmt_double(st, 5);
		g->north = wg_stmt_double(st, 6);
		g->worker = wg_stmt_int(st, 7);
		const char *type = wg_stmt_text(st, 2, NULL);
		/* Busy and quiet grids: a weight of their own, urban ones more. */
		double w =
			(0.3 + 2.0 * unit(&s) * unit(&s)) * (type && strcmp(type, "urban") == 0 ? 3.0 : 1.0);
		c->grid_cum[c->ngrids] = (c->ngrids ? c->grid_cum[c->ngrids - 1] : 0) + w;
		c->ngrids++;
	}
	wg_stmt_finalize(st);
	if (rc < 0)
		return fail(db, "reading the grids", rc);
	if (!c->ngrids) {
		fprintf(stderr,
		        "bench_stats_gen: no drawn grids: run `wangge demo --staff-accounts` first\n");
		return WG_ENOTFOUND;
	}
	return 0;
}

static int load_categories(wg_db *db, struct county *c)
{
	wg_stmt *st;
	int rc = wg_db_prepare(db,
	                       "SELECT code, name, COALESCE(owner_town, ''), COALESCE(owner_county, '') "
	                       "FROM categories WHERE kind = 'event' AND parent IS NOT NULL ORDER BY code",
	                       &st);
	if (rc)
		return fail(db, "reading the categories", rc);
	size_t cap = 0;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (c->ncats == cap) {
			cap = cap ? cap * 2 : 128;
			struct category *k = wg_realloc(c->cats, cap * sizeof *k);
			double *w = wg_realloc(c->cat_cum, cap * sizeof *w);
			if (k)
				c->cats = k;
			if (w)
				c->cat_cum = w;
			if (!k || !w) {
				rc = WG_ENOMEM;
				break;
			}
		}
		struct category *k = &c->cats[c->ncats++];
		copy_col(st, 0, k->code, sizeof k->code);
		copy_col(st, 1, k->name, sizeof k->name);
		copy_col(st, 2, k->owner_town, sizeof k->owner_town);
		copy_col(st, 3, k->owner_county, sizeof k->owner_county);
	}
	wg_stmt_finalize(st);
	if (rc < 0)
		return fail(db, "reading the categories", rc);
	if (!c->ncats) {
		fprintf(stderr, "bench_stats_gen: no event categories: run `wangge migrate` first\n");
		return WG_ENOTFOUND;
	}
	/* A few categories make most reports: rank r (in a shuffled order, so
	 * that the busy ones are not all of one major category) weighs
	 * 1 / r^0.9. */
	size_t *rank = wg_malloc(c->ncats * sizeof *rank);
	if (!rank)
		return fail(NULL, "reading the categories", WG_ENOMEM);
	for (size_t i = 0; i < c->ncats; i++)
		rank[i] = i + 1;
	uint64_t s = 7;
	for (size_t i = c->ncats - 1; i > 0; i--) {
		size_t j = (size_t)(mix(&s) % (i + 1));
		size_t t = rank[i];
		rank[i] = rank[j];
		rank[j] = t;
	}
	for (size_t i = 0; i < c->ncats; i++)
		c->cat_cum[i] = (i ? c->cat_cum[i - 1] : 0) + 1.0 / pow((double)rank[i], 0.9);
	wg_free(rank);
	return 0;
}

static int load_departments(wg_db *db, struct county *c)
{
	wg_stmt *st;
	int rc = wg_db_prepare(db, "SELECT code FROM departments WHERE active = 1 ORDER BY code", &st);
	if (rc)
		return fail(db, "reading the departments", rc);
	size_t cap = 0;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (c->ndepts == cap) {
			cap = cap ? cap * 2 : 256;
			void *d = wg_realloc(c->depts, cap * sizeof *c->depts);
			if (!d) {
				rc = WG_ENOMEM;
				break;
			}
			c->depts = d;
		}
		copy_col(st, 0, c->depts[c->ndepts], sizeof c->depts[0]);
		c->ndepts++;
	}
	wg_stmt_finalize(st);
	return rc < 0 ? fail(db, "reading the departments", rc) : 0;
}

static int by_code(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool dept_exists(const struct county *c, const char *code)
{
	return c->ndepts && bsearch(code, c->depts, c->ndepts, sizeof c->depts[0], by_code) != NULL;
}

static void free_county(struct county *c)
{
	wg_free(c->grids);
	wg_free(c->grid_cum);
	wg_free(c->cats);
	wg_free(c->cat_cum);
	wg_free(c->depts);
}

/* ---- one case ------------------------------------------------------------------------ */

struct row {
	int64_t id;
	char number[48], title[96], description[256], tracking[16];
	const char *category, *state, *source, *priority, *supervision, *clock;
	const struct grid *grid;
	double lat, lng;
	char department[80];
	int64_t reporter, master;
	int64_t clock_started, deadline;
	bool overdue, self_resolved, handled_late;
	int64_t handle_deadline, satisfaction;
	int64_t returns, extensions, reworks, reopens, escalations;
	int64_t reported_at, accepted_at, dispatched_at, feedback_at, closed_at, updated_at, version;
	const char *result;
};

static const char *const complaints[] = {
	"群众反映此处问题已持续多日，影响周边居民正常生活，请尽快核实处理",
	"网格员巡查发现该问题，现场已拍照留存，需要相关部门协助处置",
	"居民多次来电反映，情况有所加重，存在一定安全隐患",
	"商户和住户意见较大，希望有关部门尽快到场查看并答复",
	"夜间问题更为突出，附近老人和儿童较多，请优先处理",
	"此前已反映过一次，问题反复出现，请彻底解决",
};

static const char *const results[] = {
	"已到现场处置完毕，并向反映人说明情况",
	"已协调责任单位整改，复查无问题",
	"已依法处理，相关隐患已消除",
};

/* The clock of an open state and its length (flows/event.json, roughly:
 * the benchmark needs plausible deadlines, not the working calendar). */
static const struct {
	const char *state, *clock;
	int hours;
} clocks[] = {
	{"reported", "accept", 4},        {"accepted", "assess", 4},  {"assessed", "dispatch", 8},
	{"dispatched", "acknowledge", 4}, {"handling", "handle", 0},  {"feedback", "verify", 24},
	{"verified", "close", 8},         {"closed", "callback", 72}, {"sampled", "verify", 24},
};

/* Stop r at state if `at` is after the end: what happened by then. */
static bool stops(struct row *r, int64_t at, int64_t end, const char *state, int64_t since)
{
	if (at <= end)
		return false;
	r->state = state;
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
		if (strcmp(clocks[i].state, state) == 0) {
			r->clock = clocks[i].clock;
			r->clock_started = since;
			r->deadline =
				clocks[i].hours ? since + clocks[i].hours * HOUR_MS : r->handle_deadline;
			r->overdue = r->deadline < end;
			if (r->overdue)
				r->supervision = r->deadline < end - 2 * DAY_MS ? "red" : "yellow";
		}
	r->updated_at = since;
	return true;
}

static void owner_of(const struct county *c, const struct category *k, const struct grid *g, uint64_t *s,
                     char out[80])
{
	char town[80], county[80];
	snprintf(town, sizeof town, "%s-%s", g->town, k->owner_town);
	snprintf(county, sizeof county, "610326-%s", k->owner_county);
	if (k->owner_town[0] && dept_exists(c, town) && chance(s, 0.7))
		snprintf(out, 80, "%s", town);
	else if (k->owner_county[0] && dept_exists(c, county))
		snprintf(out, 80, "%s", county);
	else
		snprintf(out, 80, "%s", c->depts[mix(s) % c->ndepts]);
}

/* Draw case id (reported at `at`, the seq-th case of its local day) and
 * walk it as far as `end`. */
static void draw(const struct county *c, uint64_t seed, int64_t id, int64_t at, int64_t seq, int64_t end,
                 struct row *r)
{
	uint64_t s = seed ^ ((uint64_t)id * 0xd1342543de82ef95ULL);
	memset(r, 0, sizeof *r);
	r->id = id;
	r->reported_at = at;
	r->grid = &c->grids[pick(c->grid_cum, c->ngrids, unit(&s))];
	const struct category *k = &c->cats[pick(c->cat_cum, c->ncats, unit(&s))];
	r->category = k->code;
	r->lat = r->grid->south + (r->grid->north - r->grid->south) * (0.05 + 0.9 * unit(&s));
	r->lng = r->grid->west + (r->grid->east - r->grid->west) * (0.05 + 0.9 * unit(&s));
	double u = unit(&s);
	r->source = u < 0.62   ? "grid"
	            : u < 0.74 ? "citizen"
	            : u < 0.86 ? "hotline"
	            : u < 0.94 ? "window"
	            : u < 0.98 ? "department"
	                       : "camera";
	r->reporter = strcmp(r->source, "grid") == 0 ? r->grid->worker : 0;
	r->priority = chance(&s, 0.05) ? "urgent" : "normal";
	int64_t local = at + OFFSET_MIN * 60000LL;
	time_t t = (time_t)(local / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(r->number, sizeof r->number, "SJ%04d%02d%02d-%06" PRId64, tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, seq % 1000000);
	snprintf(r->title, sizeof r->title, "%s问题反映", k->name);
	snprintf(r->description, sizeof r->description, "%s%s，门牌%d号附近", k->name,
	         complaints[mix(&s) % (sizeof complaints / sizeof complaints[0])], (int)(1 + mix(&s) % 300));
	if (strcmp(r->source, "citizen") == 0) {
		static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
		uint64_t v = (uint64_t)id;
		for (int i = 9; i >= 0; i--, v >>= 5)
			r->tracking[i] = b32[v & 31];
		r->tracking[10] = '\0';
	}
	r->version = 1;
	r->updated_at = at;
	r->escalations = chance(&s, 0.02);

	u = unit(&s);
	if (u < 0.03) { /* rejected at the village centre */
		r->closed_at = at + hours(&s, 0.5, 8);
		if (!stops(r, r->closed_at, end, "reported", at)) {
			r->state = "rejected";
			r->escalations = 0;
			r->updated_at = r->closed_at;
			r->version = 2;
		} else
			r->closed_at = 0;
		return;
	}
	if (u < 0.05 && id > 1) { /* a duplicate of a case reported shortly before */
		int64_t when = at + hours(&s, 0.5, 6);
		if (!stops(r, when, end, "reported", at)) {
			r->master = id - 1 - (int64_t)(mix(&s) % (uint64_t)(id - 1 < 200 ? id - 1 : 200));
			r->state = "merged";
			r->escalations = 0;
			r->updated_at = when;
			r->version = 2;
		}
		return;
	}
	if (strcmp(r->source, "grid") == 0 && chance(&s, 0.15)) { /* resolved on the spot */
		r->self_resolved = true;
		r->escalations = 0;
		r->result = results[0];
		/* A share of the last days' is drawn for verification, still open. */
		if (at > end - 3 * DAY_MS && chance(&s, 0.1))
			stops(r, end + 1, end, "sampled", at);
		else {
			r->state = "archived";
			r->closed_at = at;
		}
		return;
	}
	/* since: when the case entered its present state; next: when it leaves it. */
	int64_t since = at, next = at + hours(&s, 0.2, 6);
	if (stops(r, next, end, "reported", since))
		return;
	r->accepted_at = since = next;
	r->version++;
	next = since + hours(&s, 0.5, 8);
	if (stops(r, next, end, "accepted", since))
		return;
	since = next;
	r->version++;
	next = since + hours(&s, 0.5, 12);
	if (stops(r, next, end, "assessed", since))
		return;
	owner_of(c, k, r->grid, &s, r->department);
	r->dispatched_at = since = next;
	r->handle_deadline = since + (int64_t)(3 + mix(&s) % 8) * 34 * HOUR_MS; /* working days, roughly */
	r->version++;
	if (chance(&s, 0.06)) { /* returned once, dispatched again within a day or so */
		r->returns = 1;
		since += hours(&s, 2, 30);
		r->handle_deadline += 24 * HOUR_MS;
		r->version += 2;
	}
	next = since + hours(&s, 0.5, 8);
	if (stops(r, next, end, "dispatched", since))
		return;
	since = next;
	r->version++;
	/* Handling: a median of about two days, a long tail. */
	double days = exp(log(2.0) + 0.9 * (unit(&s) + unit(&s) + unit(&s) - 1.5) * 2.0);
	if (chance(&s, 0.05)) {
		r->extensions = 1;
		r->handle_deadline += 5 * 24 * HOUR_MS;
		days += 4;
		r->version += 2;
	}
	next = since + (int64_t)(days * (double)DAY_MS);
	if (stops(r, next, end, "handling", since))
		return;
	r->feedback_at = since = next;
	r->handled_late = r->feedback_at > r->handle_deadline;
	r->result = results[mix(&s) % (sizeof results / sizeof results[0])];
	r->version++;
	if (chance(&s, 0.04)) { /* verification failed once: fed back again later */
		r->reworks = 1;
		since += hours(&s, 24, 96);
		r->version += 2;
	}
	next = since + hours(&s, 1, 30);
	if (stops(r, next, end, "feedback", since))
		return;
	since = next;
	r->version++;
	next = since + hours(&s, 1, 24);
	if (stops(r, next, end, "verified", since))
		return;
	r->closed_at = since = next;
	r->version++;
	next = since + hours(&s, 24, 72);
	if (stops(r, next, end, "closed", since))
		return;
	int64_t now = next;
	u = unit(&s);
	r->satisfaction = u < 0.6 ? 5 : u < 0.85 ? 4 : u < 0.93 ? 3 : u < 0.97 ? 2 : 1;
	r->version++;
	r->state = "archived";
	if (r->satisfaction <= 2 && chance(&s, 0.4)) { /* reopened, handled again, closed later */
		r->reopens = 1;
		int64_t again = now + hours(&s, 72, 240);
		if (again > end) {
			r->closed_at = 0;
			stops(r, end + 1, end, "handling", now);
			r->state = "handling";
			return;
		}
		r->closed_at = again;
		r->version += 3;
		now = again;
	}
	if (r->overdue || r->handled_late)
		r->supervision = chance(&s, 0.5) ? "yellow" : NULL;
	r->updated_at = now;
}

/* ---- writing ------------------------------------------------------------------------- */

#define CASE_COLUMNS                                                                                   \
	"id, number, kind, category, title, description, state, level, centre, source, priority, "     \
	"self_resolved, lat, lng, grid, region, scope_key, department, reporter_user, tracking_code, " \
	"master, supervision, clock, clock_started, deadline, overdue, handle_deadline, "              \
	"handled_late, satisfaction, result, returns, extensions, reworks, reopens, escalations, "     \
	"reported_at, accepted_at, dispatched_at, feedback_at, closed_at, updated_at, version"
#define CASE_NCOLS 42

/* Binding in column order: each call binds the next parameter, unless an
 * earlier one failed. */
struct binder {
	wg_stmt *st;
	int next, rc;
};

static void b_text(struct binder *b, const char *s)
{
	if (!b->rc)
		b->rc = s ? wg_stmt_bind_text(b->st, ++b->next, s, strlen(s))
		          : wg_stmt_bind_null(b->st, ++b->next);
}

static void b_int(struct binder *b, int64_t v)
{
	if (!b->rc)
		b->rc = wg_stmt_bind_int(b->st, ++b->next, v);
}

/* 0 binds NULL: an unset time, count or reference. */
static void b_opt(struct binder *b, int64_t v)
{
	if (!b->rc)
		b->rc = v ? wg_stmt_bind_int(b->st, ++b->next, v) : wg_stmt_bind_null(b->st, ++b->next);
}

static void b_double(struct binder *b, double v)
{
	if (!b->rc)
		b->rc = wg_stmt_bind_double(b->st, ++b->next, v);
}

static void bind_row(struct binder *b, const struct row *r)
{
	const struct grid *g = r->grid;
	b_int(b, r->id);
	b_text(b, r->number);
	b_text(b, "event");
	b_text(b, r->category);
	b_text(b, r->title);
	b_text(b, r->description);
	b_text(b, r->state);
	b_text(b, "village");
	b_text(b, g->village);
	b_text(b, r->source);
	b_text(b, r->priority);
	b_int(b, r->self_resolved);
	b_double(b, r->lat);
	b_double(b, r->lng);
	b_text(b, g->code);
	b_text(b, g->village);
	b_text(b, g->code);
	b_text(b, r->department[0] ? r->department : NULL);
	b_opt(b, r->reporter);
	b_text(b, r->tracking[0] ? r->tracking : NULL);
	b_opt(b, r->master);
	b_text(b, r->supervision);
	b_text(b, r->clock);
	b_opt(b, r->clock ? r->clock_started : 0);
	b_opt(b, r->clock ? r->deadline : 0);
	b_int(b, r->overdue);
	b_opt(b, r->handle_deadline);
	b_int(b, r->handled_late);
	b_opt(b, r->satisfaction);
	b_text(b, r->result);
	b_int(b, r->returns);
	b_int(b, r->extensions);
	b_int(b, r->reworks);
	b_int(b, r->reopens);
	b_int(b, r->escalations);
	b_int(b, r->reported_at);
	b_opt(b, r->accepted_at);
	b_opt(b, r->dispatched_at);
	b_opt(b, r->feedback_at);
	b_opt(b, r->closed_at);
	b_int(b, r->updated_at);
	b_int(b, r->version);
}

/* "INSERT INTO table (columns) VALUES (?, ...), ..." for rows rows of ncols
 * columns; wg_malloc'd (the caller frees it), NULL when memory runs out. */
static char *insert_sql(const char *table, const char *columns, int ncols, int rows)
{
	size_t len = strlen(table) + strlen(columns) + 64 + (size_t)rows * ((size_t)ncols * 3 + 4);
	char *sql = wg_malloc(len);
	if (!sql)
		return NULL;
	size_t n = (size_t)snprintf(sql, len, "INSERT INTO %s (%s) VALUES ", table, columns);
	for (int r = 0; r < rows; r++) {
		sql[n++] = r ? ',' : ' ';
		sql[n++] = '(';
		for (int c = 0; c < ncols; c++) {
			if (c)
				sql[n++] = ',';
			sql[n++] = '?';
		}
		sql[n++] = ')';
	}
	sql[n] = '\0';
	return sql;
}

/* Statements inserting ROWS_PER_INSERT rows and one row of a table. */
struct inserter {
	wg_db *db;
	wg_stmt *many, *one;
	int ncols, pending; /* rows bound into many */
	struct binder b;
};

static int inserter_open(wg_db *db, const char *table, const char *columns, int ncols, struct inserter *ins)
{
	memset(ins, 0, sizeof *ins);
	ins->db = db;
	ins->ncols = ncols;
	char *many = insert_sql(table, columns, ncols, ROWS_PER_INSERT);
	char *one = insert_sql(table, columns, ncols, 1);
	int rc = many && one ? 0 : WG_ENOMEM;
	if (!rc)
		rc = wg_db_prepare(db, many, &ins->many);
	if (!rc)
		rc = wg_db_prepare(db, one, &ins->one);
	wg_free(many);
	wg_free(one);
	ins->b = (struct binder){.st = ins->many};
	return rc;
}

static int run(wg_stmt *st)
{
	int rc = wg_stmt_step(st);
	wg_stmt_reset(st);
	return rc == WG_DB_DONE ? 0 : rc < 0 ? rc : WG_EINTERNAL;
}

/* Ready for the next row's bindings (b_* on ins->b), flushing a full
 * statement first. */
static int inserter_row(struct inserter *ins)
{
	if (ins->pending == ROWS_PER_INSERT) {
		int rc = ins->b.rc ? ins->b.rc : run(ins->many);
		ins->pending = 0;
		ins->b = (struct binder){.st = ins->many};
		if (rc)
			return rc;
	}
	ins->pending++;
	return ins->b.rc;
}

/* The rows bound but not written yet: with the multi-row statement when
 * it is full, else again one by one from the caller (rebind). */
static int inserter_flush(struct inserter *ins, int (*rebind)(struct binder *b, int i, void *ctx), void *ctx)
{
	int rc = ins->b.rc;
	if (!rc && ins->pending == ROWS_PER_INSERT)
		rc = run(ins->many);
	else
		for (int i = 0; !rc && i < ins->pending; i++) {
			struct binder b = {.st = ins->one};
			rc = rebind(&b, i, ctx);
			rc = rc ? rc : b.rc ? b.rc : run(ins->one);
		}
	ins->pending = 0;
	ins->b = (struct binder){.st = ins->many};
	return rc;
}

static void inserter_close(struct inserter *ins)
{
	if (ins->many)
		wg_stmt_finalize(ins->many);
	if (ins->one)
		wg_stmt_finalize(ins->one);
}

/* ---- generating ---------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

struct gen {
	const struct county *c;
	uint64_t seed;
	int64_t end;                      /* UTC ms: the end of the last local day */
	struct row rows[ROWS_PER_INSERT]; /* the rows bound into the pending statement */
};

static int rebind_case(struct binder *b, int i, void *ctx)
{
	struct gen *g = ctx;
	bind_row(b, &g->rows[i]);
	return 0;
}

/* Cases per local day: weekdays 1.0, Saturdays 0.6, Sundays 0.5, and the
 * year's total n spread by those weights. */
static void per_day(int64_t first_day, int64_t n, int64_t counts[DAYS])
{
	double w[DAYS], total = 0;
	for (int d = 0; d < DAYS; d++) {
		int wd = (int)(((first_day + d) % 7 + 7 + 3) % 7); /* 0 = Monday; 1970-01-01 was a Thursday */
		w[d] = wd == 5 ? 0.6 : wd == 6 ? 0.5 : 1.0;
		total += w[d];
	}
	int64_t given = 0;
	for (int d = 0; d < DAYS; d++) {
		counts[d] = (int64_t)((double)n * w[d] / total);
		given += counts[d];
	}
	for (int d = 0; given < n; d = (d + 1) % DAYS, given++)
		counts[d]++;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int generate(wg_db *db, const struct county *c, int64_t n, int64_t end_day, uint64_t seed)
{
	struct gen *g = wg_calloc(1, sizeof *g);
	int64_t *counts = wg_malloc(DAYS * sizeof *counts);
	int64_t *times = NULL;
	size_t times_cap = 0;
	if (!g || !counts) {
		wg_free(g);
		wg_free(counts);
		return fail(NULL, "generating", WG_ENOMEM);
	}
	g->c = c;
	g->seed = seed;
	g->end = (end_day + 1) * DAY_MS - OFFSET_MIN * 60000LL - 1;
	int64_t first_day = end_day - DAYS + 1;
	per_day(first_day, n, counts);
	struct inserter ins;
	int rc = inserter_open(db, "cases", CASE_COLUMNS, CASE_NCOLS, &ins);
	if (rc)
		return fail(db, "preparing the insert", rc);
	int64_t id = 0, started = wg_clock_mono_us(), in_batch = 0;
	rc = wg_db_begin(db);
	for (int d = 0; !rc && d < DAYS; d++) {
		/* The day's report times, in order, so that ids follow time. */
		if ((size_t)counts[d] > times_cap) {
			times_cap = (size_t)counts[d];
			int64_t *t = wg_realloc(times, times_cap * sizeof *t);
			if (!t) {
				rc = WG_ENOMEM;
				break;
			}
			times = t;
		}
		uint64_t s = seed ^ (uint64_t)(first_day + d) * 0x9e3779b97f4a7c15ULL;
		int64_t day0 = (first_day + d) * DAY_MS - OFFSET_MIN * 60000LL;
		for (int64_t i = 0; i < counts[d]; i++) {
			/* 07:00 to 21:00, busiest mid-morning and mid-afternoon. */
			double h = 7.0 + 14.0 * (unit(&s) + unit(&s)) / 2.0;
			times[i] = day0 + (int64_t)(h * (double)HOUR_MS);
		}
		qsort(times, (size_t)counts[d], sizeof *times, cmp_i64);
		for (int64_t i = 0; !rc && i < counts[d]; i++) {
			id++;
			if ((rc = inserter_row(&ins)) != 0)
				break;
			struct row *r = &g->rows[ins.pending - 1];
			draw(c, seed, id, times[i], i + 1, g->end, r);
			bind_row(&ins.b, r);
			if (++in_batch >= BATCH_ROWS && ins.pending == ROWS_PER_INSERT) {
				rc = inserter_flush(&ins, rebind_case, g);
				rc = rc ? rc : wg_db_commit(db);
				rc = rc ? rc : wg_db_begin(db);
				in_batch = 0;
				double secs = (double)(wg_clock_mono_us() - started) / 1e6;
				fprintf(stderr, "\rbench_stats_gen: %" PRId64 " of %" PRId64 " cases, %.0f s",
				        id, n, secs);
			}
		}
	}
	rc = rc ? rc : inserter_flush(&ins, rebind_case, g);
	rc = rc ? rc : wg_db_commit(db);
	if (rc)
		wg_db_rollback(db);
	inserter_close(&ins);
	double secs = (double)(wg_clock_mono_us() - started) / 1e6;
	fprintf(stderr, "\n");
	if (!rc)
		printf("generated %" PRId64 " cases in %.1f s (%.0f per second)\n", n, secs,
		       (double)n / secs);
	wg_free(times);
	wg_free(counts);
	wg_free(g);
	return rc ? fail(db, "writing the cases", rc) : 0;
}

/* ---- exporting ------------------------------------------------------------------------ */

/* The tables bench/stats.sh copies to PostgreSQL, with their columns and
 * an order that follows their primary key (so that the copy appends to
 * it). */
static const struct table {
	const char *name, *columns, *order;
} tables[] = {
	{"cases", CASE_COLUMNS, "id"},
	{"stats_day",
         "day, scope_key, kind, category, source, department, reporter, reported, accepted, rejected, "
         "merged, open, reported_closed, self_resolved, closed, closed_due, closed_on_time, rated, "
         "satisfied, reworked, extended, returned, handled, handling_minutes, h0, h1, h2, h3, h4, h5, "
         "h6, h7, h8, h9, h10, h11, due, due_closed",
         "day, scope_key, kind, category, source, department, reporter"},
	{"stats_state", "day, scope_key, kind, category, source, department, state, n",
         "day, scope_key, kind, category, source, department, state"},
	{"stats_cube",
         "area, dim, day, val, n, grid_reported, grid_accepted, dispute_closed, dispute_accepted, "
         "reported, accepted, rejected, merged, open, reported_closed, self_resolved, closed, "
         "closed_due, closed_on_time, rated, satisfied, reworked, extended, returned, handled, "
         "handling_minutes, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, due, due_closed",
         "area, dim, day, val"},
};

static const struct table *table_named(const char *name)
{
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strcmp(tables[i].name, name) == 0)
			return &tables[i];
	fprintf(stderr,
	        "bench_stats_gen: no table %s to export (cases, stats_day, stats_state, stats_cube)\n", name);
	return NULL;
}

/* t's rows as CSV on stdout, as PostgreSQL's COPY reads it: NULL as
 * nothing, every other value quoted (COPY reads "12" into a number). */
static int export_table(wg_db *db, const struct table *t)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", t->columns, t->name, t->order);
	wg_stmt *st;
	int rc = wg_db_prepare(db, sql, &st);
	if (rc)
		return fail(db, t->name, rc);
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		int n = wg_stmt_columns(st);
		for (int c = 0; c < n; c++) {
			if (c)
				putchar(',');
			if (wg_stmt_is_null(st, c))
				continue;
			const char *v = wg_stmt_text(st, c, NULL);
			putchar('"');
			for (; v && *v; v++) {
				if (*v == '"')
					putchar('"');
				putchar(*v);
			}
			putchar('"');
		}
		putchar('\n');
	}
	wg_stmt_finalize(st);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "bench_stats_gen: writing %s failed\n", t->name);
		return WG_EIO;
	}
	return rc < 0 ? fail(db, t->name, rc) : 0;
}

/* ---- the command ---------------------------------------------------------------------- */

static const char *flag(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i] + 2, name, n) == 0 &&
		    argv[i][2 + n] == '=')
			return argv[i] + 3 + n;
	return NULL;
}

static bool whole(const char *s, int64_t min, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min)
		return false;
	*out = v;
	return true;
}

static int usage(void)
{
	fputs("usage: bench_stats_gen --db.url=URL --cases=N --end=YYYY-MM-DD [--seed=S]\n"
	      "       bench_stats_gen --db.url=URL --export=TABLE\n"
	      "       bench_stats_gen --columns=TABLE\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *url = flag(argc, argv, "db.url"), *export = flag(argc, argv, "export");
	const char *columns = flag(argc, argv, "columns"), *end = flag(argc, argv, "end");
	if (columns) {
		const struct table *t = table_named(columns);
		if (t)
			printf("%s\n", t->columns);
		return t ? 0 : 2;
	}
	int64_t n = 0, seed = 1;
	int y = 0, m = 0, d = 0;
	char tail;
	if (!url)
		return usage();
	const struct table *t = export ? table_named(export) : NULL;
	if (export && !t)
		return 2;
	if (!export && (!whole(flag(argc, argv, "cases"), 1, &n) || !end ||
	                sscanf(end, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
	                d > 31 || (flag(argc, argv, "seed") && !whole(flag(argc, argv, "seed"), 0, &seed))))
		return usage();
	wg_db *db;
	char err[512] = "";
	int rc = wg_db_open(url, 5000, &db, err, sizeof err);
	if (rc) {
		fprintf(stderr, "bench_stats_gen: %s: %s\n", url, err[0] ? err : wg_error_message(rc));
		return 1;
	}
	if (t) {
		rc = export_table(db, t);
		wg_db_close(db);
		return rc ? 1 : 0;
	}
	/* A bulk load: a page cache of 1 GB keeps the indexes that take rows
	 * in random order (cases_place) out of the disk's way. */
	if (wg_db_kind(db) == WG_DB_SQLITE)
		rc = wg_db_exec(db, "PRAGMA cache_size = -1000000");
	int64_t have = 0;
	rc = rc ? rc : wg_db_query_int(db, "SELECT count(*) FROM cases", &have, "");
	if (!rc && have) {
		fprintf(stderr,
		        "bench_stats_gen: %s holds %" PRId64 " cases already: start from a fresh database\n",
		        url, have);
		rc = WG_ECONFLICT;
	}
	struct county c = {0};
	rc = rc ? rc : load_grids(db, &c);
	rc = rc ? rc : load_categories(db, &c);
	rc = rc ? rc : load_departments(db, &c);
	rc = rc ? rc : generate(db, &c, n, days_from_civil(y, m, d), (uint64_t)seed);
	free_county(&c);
	wg_db_close(db);
	return rc ? 1 : 0;
}
