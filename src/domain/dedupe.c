#include "domain/dedupe.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/case.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- text similarity ----------------------------------------------------- */

/* A bigram is two code points (21 bits each) in one integer, a run of one
 * character the character and 0: no separator is ever part of a key. */
#define GRAM_SHIFT 21

/* Keys of one text, sorted and distinct once finished. */
struct grams {
	uint64_t *v;
	size_t n, cap;
};

/* Text and title-and-description keys of one case. */
struct text_sets {
	struct grams title, full;
};

/* The code point as compared, or 0 where the text separates runs. Folding
 * full-width forms matters: Chinese input methods type "ＬＥＤ" and "１号"
 * as readily as "LED" and "1号". */
static uint32_t fold(uint32_t c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c + ('a' - 'A');
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : 0;
	}
	if (c >= 0xFF10 && c <= 0xFF19) /* full-width digits */
		return c - 0xFEE0;
	if (c >= 0xFF21 && c <= 0xFF3A) /* full-width capitals */
		return c - 0xFEE0 + ('a' - 'A');
	if (c >= 0xFF41 && c <= 0xFF5A) /* full-width small letters */
		return c - 0xFEE0;
	static const struct {
		uint32_t lo, hi;
	} separators[] = {
		{0x80, 0xBF},       /* Latin-1 controls, punctuation and signs */
		{0xD7, 0xD7},       /* multiplication sign */
		{0xF7, 0xF7},       /* division sign */
		{0x2000, 0x2BFF},   /* punctuation, symbols, arrows, shapes */
		{0x3000, 0x303F},   /* CJK symbols and punctuation: 、。「」 */
		{0xE000, 0xF8FF},   /* private use */
		{0xFE00, 0xFE6F},   /* variation selectors, vertical, compatibility and small forms */
		{0xFF00, 0xFF65},   /* full-width punctuation: ，！（）： */
		{0x1F000, 0x1FAFF}, /* emoji and pictographs */
	};
	for (size_t i = 0; i < sizeof separators / sizeof separators[0]; i++)
		if (c >= separators[i].lo && c <= separators[i].hi)
			return 0;
	return c;
}

/* The code point of the well-formed sequence of len bytes at s. */
static uint32_t decode(const unsigned char *s, size_t len)
{
	if (len == 1)
		return s[0];
	uint32_t c = s[0] & (0x7Fu >> len);
	for (size_t i = 1; i < len; i++)
		c = (c << 6) | (s[i] & 0x3Fu);
	return c;
}

/* Append the keys of s to g, which has room for one per byte of s. */
static void grams_add_text(struct grams *g, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), run = 0;
	uint32_t prev = 0;
	for (;;) {
		uint32_t c = 0;
		size_t len = left ? wg_utf8_sequence(p, left) : 0;
		if (len)
			c = fold(decode(p, len));
		else if (left)
			len = 1; /* a bad byte: a separator */
		if (c) {
			if (prev)
				g->v[g->n++] = (uint64_t)prev << GRAM_SHIFT | c;
			prev = c;
			run++;
		} else {
			if (run == 1)
				g->v[g->n++] = (uint64_t)prev << GRAM_SHIFT;
			prev = 0;
			run = 0;
		}
		if (!left)
			break;
		p += len;
		left -= len;
	}
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void grams_finish(struct grams *g)
{
	qsort(g->v, g->n, sizeof g->v[0], cmp_key);
	size_t out = 0;
	for (size_t i = 0; i < g->n; i++)
		if (out == 0 || g->v[out - 1] != g->v[i])
			g->v[out++] = g->v[i];
	g->n = out;
}

/* Room for need keys, keeping the buffer for the next text. */
static int grams_reserve(struct grams *g, size_t need)
{
	g->n = 0;
	if (need <= g->cap)
		return 0;
	uint64_t *v = wg_realloc(g->v, need * sizeof *v);
	if (!v)
		return WG_ENOMEM;
	g->v = v;
	g->cap = need;
	return 0;
}

static int text_sets_of(struct text_sets *t, const char *title, const char *description)
{
	title = title ? title : "";
	description = description ? description : "";
	size_t tl = strlen(title), dl = strlen(description);
	/* At most one key per byte, plus one per text for a last run of one. */
	int rc = grams_reserve(&t->title, tl + 1);
	if (!rc)
		rc = grams_reserve(&t->full, tl + dl + 2);
	if (rc)
		return rc;
	grams_add_text(&t->title, title);
	grams_add_text(&t->full, title);
	grams_add_text(&t->full, description);
	grams_finish(&t->title);
	grams_finish(&t->full);
	return 0;
}

static void text_sets_free(struct text_sets *t)
{
	wg_free(t->title.v);
	wg_free(t->full.v);
	*t = (struct text_sets){0};
}

static double dice(const struct grams *a, const struct grams *b)
{
	if (a->n == 0 || b->n == 0)
		return 0;
	size_t i = 0, j = 0, common = 0;
	while (i < a->n && j < b->n) {
		if (a->v[i] < b->v[j]) {
			i++;
		} else if (a->v[i] > b->v[j]) {
			j++;
		} else {
			common++;
			i++;
			j++;
		}
	}
	return 2.0 * (double)common / (double)(a->n + b->n);
}

static double similarity(const struct text_sets *a, const struct text_sets *b)
{
	return fmax(dice(&a->title, &b->title), dice(&a->full, &b->full));
}

int wg_dedupe_similarity(const char *title_a, const char *description_a, const char *title_b,
                         const char *description_b, double *out)
{
	*out = 0;
	struct text_sets a = {0}, b = {0};
	int rc = text_sets_of(&a, title_a, description_a);
	if (!rc)
		rc = text_sets_of(&b, title_b, description_b);
	if (!rc)
		*out = similarity(&a, &b);
	text_sets_free(&a);
	text_sets_free(&b);
	return rc;
}

/* ---- the full-text index ------------------------------------------------- */

int wg_dedupe_index(wg_db *db, int64_t case_id, const char *title, const char *description)
{
	static const char *const columns[] = {"title", "description"};
	const char *values[] = {title ? title : "", description ? description : ""};
	return wg_db_text_index(db, "case_text", case_id, columns, values, 2);
}

/* ---- candidates ------------------------------------------------------------ */

#define EARTH_RADIUS_M 6371008.8
#define RAD (3.14159265358979323846 / 180.0)

/* Great-circle distance (haversine), accurate to well under a metre at
 * the few hundred metres compared here. */
static double distance_m(double lat1, double lng1, double lat2, double lng2)
{
	double dlat = (lat2 - lat1) * RAD, dlng = (lng2 - lng1) * RAD;
	double a = sin(dlat / 2) * sin(dlat / 2) +
	           cos(lat1 * RAD) * cos(lat2 * RAD) * sin(dlng / 2) * sin(dlng / 2);
	return 2 * EARTH_RADIUS_M * asin(fmin(1.0, sqrt(a)));
}

/* A box around the point holding every point within radius, for SQL to
 * narrow by before the exact distance decides. It is a little
 * larger than needed; near a pole or the antimeridian it spans every
 * longitude. */
static void bounding_box(double lat, double lng, double radius, double box[4])
{
	double dlat = radius / (EARTH_RADIUS_M * RAD) * 1.001 + 1e-7;
	box[0] = lat - dlat;
	box[1] = lat + dlat;
	double c = cos(fmin(fabs(lat) + dlat, 90.0) * RAD);
	double dlng = c > 1e-6 ? dlat / c : 360.0;
	if (lng - dlng < -180.0 || lng + dlng > 180.0) {
		box[2] = -180.0;
		box[3] = 180.0;
	} else {
		box[2] = lng - dlng;
		box[3] = lng + dlng;
	}
}

/* The rule of the place: within the box (the exact distance follows),
 * or, for a case without a point, in the same grid or region; without a
 * point of the report's own, the grid or region alone. The newest first,
 * so that the cap keeps those most likely to be the same matter.
 *
 * A report with a point is looked up with two statements, not one with an
 * OR: each then reads one range of cases_place (category, lat, lng,
 * reported_at), the box's band of latitude or the cases of the category
 * without a point, testing longitude and the window in the index before a
 * row is read. In the box statement the window is written +reported_at so
 * that SQLite does not take cases_category for its order instead: that
 * reads every case of the category in the window, a number that grows with
 * the rate of reports rather than with the box. */
#define CANDIDATES_SQL(window, place)                                                                \
	"SELECT id, lat, lng, title, description FROM cases "                                        \
	"WHERE category = ? AND id <> ? AND master IS NULL AND state NOT IN ('rejected', 'merged') " \
	"AND " window " >= ? AND " window " <= ? AND " place " ORDER BY reported_at DESC, id DESC LIMIT ?"

static const char box_sql[] =
	CANDIDATES_SQL("+reported_at", "lat >= ? AND lat <= ? AND lng >= ? AND lng <= ?");
static const char unplaced_grid_sql[] =
	CANDIDATES_SQL("reported_at", "lat IS NULL AND lng IS NULL AND grid = ?");
static const char unplaced_region_sql[] =
	CANDIDATES_SQL("reported_at", "lat IS NULL AND lng IS NULL AND region = ?");
static const char grid_sql[] = CANDIDATES_SQL("reported_at", "grid = ?");
static const char region_sql[] = CANDIDATES_SQL("reported_at", "region = ?");

struct found {
	wg_dedupe_hit *v;
	size_t n, cap;
};

static int found_add(struct found *f, wg_dedupe_hit h)
{
	if (f->n == f->cap) {
		size_t bigger = f->cap ? 2 * f->cap : 16;
		wg_dedupe_hit *v = wg_realloc(f->v, bigger * sizeof *v);
		if (!v)
			return WG_ENOMEM;
		f->v = v;
		f->cap = bigger;
	}
	f->v[f->n++] = h;
	return 0;
}

static int cmp_hit(const void *pa, const void *pb)
{
	const wg_dedupe_hit *a = pa, *b = pb;
	if (a->score != b->score)
		return b->score - a->score;
	/* No distance sorts after every distance. */
	unsigned da = (unsigned)a->distance_m, db = (unsigned)b->distance_m;
	if (da != db)
		return da < db ? -1 : 1;
	return (a->candidate > b->candidate) - (a->candidate < b->candidate);
}

/* One of the statements above, bound for q: the box when box is set, else
 * the grid or region. */
static int prepare_candidates(wg_db *db, const wg_dedupe_query *q, const char *sql, bool box, wg_stmt **st)
{
	int rc = wg_db_prepare_cached(db, sql, st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(*st, "tiii", q->category, q->case_id, q->reported_at - q->window_ms,
	                   q->reported_at);
	int idx = 5;
	if (!rc && box) {
		double b[4];
		bounding_box(q->lat, q->lng, (double)q->radius_m, b);
		for (int i = 0; !rc && i < 4; i++)
			rc = wg_stmt_bind_double(*st, idx++, b[i]);
	} else if (!rc) {
		const char *area = q->grid ? q->grid : q->region;
		rc = wg_stmt_bind_text(*st, idx++, area, strlen(area));
	}
	if (!rc)
		rc = wg_stmt_bind_int(*st, idx, WG_DEDUPE_SCAN_MAX);
	if (rc) {
		wg_stmt_finalize(*st);
		*st = NULL;
	}
	return rc;
}

/* Score the candidate on the current row into *hit; false when it is too
 * far or too unlike. */
static bool score_row(const wg_dedupe_query *q, wg_stmt *st, double text, wg_dedupe_hit *hit)
{
	if (text * 100.0 + 1e-9 < WG_DEDUPE_TEXT_MIN_PERCENT)
		return false;
	double place = 0.5;
	hit->candidate = wg_stmt_int(st, 0);
	hit->distance_m = -1;
	if (q->has_location && !wg_stmt_is_null(st, 1) && !wg_stmt_is_null(st, 2)) {
		double d = distance_m(q->lat, q->lng, wg_stmt_double(st, 1), wg_stmt_double(st, 2));
		if (d > (double)q->radius_m)
			return false;
		place = 1.0 - d / (double)q->radius_m;
		hit->distance_m = (int)lround(d);
	}
	long score = lround(100.0 * (0.6 * text + 0.4 * place));
	hit->score = (int)(score < 0 ? 0 : score > 100 ? 100 : score);
	return hit->score >= WG_DEDUPE_SCORE_MIN;
}

/* Runs one candidate statement and keeps the rows that score. */
static int scan(wg_db *db, const wg_dedupe_query *q, const char *sql, bool box, const struct text_sets *mine,
                struct text_sets *theirs, struct found *f)
{
	wg_stmt *st;
	int rc = prepare_candidates(db, q, sql, box, &st);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		rc = text_sets_of(theirs, wg_stmt_text(st, 3, NULL), wg_stmt_text(st, 4, NULL));
		wg_dedupe_hit hit;
		if (!rc && score_row(q, st, similarity(mine, theirs), &hit))
			rc = found_add(f, hit);
	}
	if (st)
		wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_dedupe_find(wg_db *db, const wg_dedupe_query *q, wg_dedupe_hit *hits, size_t max, size_t *n)
{
	*n = 0;
	if (q->radius_m <= 0 || q->window_ms <= 0 || !q->category || !q->region)
		return WG_EINTERNAL;
	struct text_sets mine = {0}, theirs = {0};
	struct found f = {0};
	int rc = text_sets_of(&mine, q->title, q->description);
	if (!rc && q->has_location) {
		rc = scan(db, q, box_sql, true, &mine, &theirs, &f);
		if (!rc)
			rc = scan(db, q, q->grid ? unplaced_grid_sql : unplaced_region_sql, false, &mine,
			          &theirs, &f);
	} else if (!rc) {
		rc = scan(db, q, q->grid ? grid_sql : region_sql, false, &mine, &theirs, &f);
	}
	if (!rc) {
		*n = f.n < max ? f.n : max;
		if (*n) {
			qsort(f.v, f.n, sizeof f.v[0], cmp_hit);
			memcpy(hits, f.v, *n * sizeof hits[0]);
		}
	}
	wg_free(f.v);
	text_sets_free(&mine);
	text_sets_free(&theirs);
	return rc;
}

/* ---- stored candidates ----------------------------------------------------- */

int wg_dedupe_store(wg_db *db, int64_t case_id, const wg_dedupe_hit *hits, size_t n)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = wg_db_execf(db,
		                 "INSERT INTO case_similar (case_id, candidate, score) VALUES (?, ?, ?) "
		                 "ON CONFLICT (case_id, candidate) DO UPDATE SET score = excluded.score",
		                 NULL, "iii", case_id, hits[i].candidate, (int64_t)hits[i].score);
	return rc;
}

static const char list_sql[] =
	"SELECT c.id, s.score, c.number, c.kind, c.title, c.state, c.reported_at, c.master "
	"FROM case_similar s JOIN cases c ON c.id = s.candidate "
	"WHERE s.case_id = ? AND " WG_CASE_VISIBLE_SQL("c") " ORDER BY s.score DESC, c.id";

/* The candidate on st's row: columns as list_sql's, the score at 1. */
static wg_dedupe_candidate candidate_of(wg_stmt *st)
{
	return (wg_dedupe_candidate){
		.id = wg_stmt_int(st, 0),
		.score = (int)wg_stmt_int(st, 1),
		.number = wg_stmt_text(st, 2, NULL),
		.kind = wg_stmt_text(st, 3, NULL),
		.title = wg_stmt_text(st, 4, NULL),
		.state = wg_stmt_text(st, 5, NULL),
		.reported_at = wg_stmt_int(st, 6),
		.master = wg_stmt_int(st, 7),
	};
}

int wg_dedupe_list(wg_db *db, int64_t case_id, const wg_scope *scope, wg_dedupe_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, list_sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, case_id);
	if (!rc && (rc = wg_scope_bind_dept(scope, st, 2)) > 0)
		rc = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_dedupe_candidate c = candidate_of(st);
		rc = fn(ctx, &c);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static const char hit_sql[] = "SELECT c.id, ?, c.number, c.kind, c.title, c.state, c.reported_at, c.master "
			      "FROM cases c WHERE c.id = ? AND " WG_CASE_VISIBLE_SQL("c");

int wg_dedupe_each(wg_db *db, const wg_dedupe_hit *hits, size_t n, const wg_scope *scope, wg_dedupe_fn fn,
                   void *ctx)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		wg_stmt *st;
		rc = wg_db_prepare_cached(db, hit_sql, &st);
		if (rc)
			return rc;
		rc = wg_stmt_bind_int(st, 1, hits[i].score);
		if (!rc)
			rc = wg_stmt_bind_int(st, 2, hits[i].candidate);
		if (!rc && (rc = wg_scope_bind_dept(scope, st, 3)) > 0)
			rc = 0;
		if (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
			wg_dedupe_candidate c = candidate_of(st);
			rc = fn(ctx, &c);
		} else if (rc == WG_DB_DONE) {
			rc = 0; /* out of the caller's sight */
		}
		wg_stmt_finalize(st);
	}
	return rc;
}
