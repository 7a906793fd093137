/* dedupe.h - possible duplicates of a new report (疑似重复).
 *
 * On report the case engine looks for earlier cases of the same category,
 * reported within a time window, at the same place (within a radius when
 * both have a point, else in the same grid, else the same region) and with
 * similar text; it keeps them with a score in case_similar, and a centre
 * may then merge the report into one of them.
 *
 * Text similarity is the Dice coefficient of the two texts' sets of
 * character bigrams (wg_dedupe_similarity), computed here in C, so both
 * stores give the same scores. Character trigrams, what FTS5's trigram
 * tokenizer and pg_trgm index, share nothing between two Chinese phrases
 * that differ every third character ("楼道堆放杂物" and "楼道内堆放大量杂
 * 物" have no common trigram; Chinese words are mostly two characters),
 * and pg_trgm finds no words at all in Chinese text in a database whose
 * LC_CTYPE is C. The candidates are few (one category, a window of days,
 * a small area), so reading their text costs little.
 *
 * wg_dedupe_index keeps the full-text index of a case's title and
 * description current (SQLite's case_text; on PostgreSQL the GIN index on
 * cases needs nothing) for text search over cases; the duplicate search
 * itself does not read it. */
#ifndef WG_DOMAIN_DEDUPE_H
#define WG_DOMAIN_DEDUPE_H

#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A candidate is kept when its score reaches WG_DEDUPE_SCORE_MIN and its
 * text similarity reaches WG_DEDUPE_TEXT_MIN_PERCENT percent: a case at the
 * same spot with nothing in common in its text scores 40 on place alone,
 * which does not make it the same matter. */
#define WG_DEDUPE_SCORE_MIN 40
#define WG_DEDUPE_TEXT_MIN_PERCENT 20
/* The most recent this many cases of the category in the window and area
 * are compared; older ones beyond them are not. */
#define WG_DEDUPE_SCAN_MAX 500

/* The report to find duplicates of. Strings belong to the caller. */
typedef struct wg_dedupe_query {
	int64_t case_id;         /* the report itself, never its own candidate; 0 for none */
	const char *category;    /* minor category code */
	const char *title;       /* NULL counts as "" */
	const char *description; /* NULL counts as "" */
	bool has_location;
	double lat, lng;     /* WGS 84 degrees when has_location */
	const char *grid;    /* NULL when placed by region only */
	const char *region;  /* 12-digit code */
	int64_t reported_at; /* UTC ms: candidates reported in [reported_at - window_ms, reported_at] */
	int64_t radius_m;    /* > 0 */
	int64_t window_ms;   /* > 0 */
} wg_dedupe_query;

typedef struct wg_dedupe_hit {
	int64_t candidate; /* case id */
	int score;         /* 0..100 */
	int distance_m;    /* metres, rounded; -1 when either case has no point */
} wg_dedupe_hit;

/* How alike two texts are, 0..1: the Dice coefficient 2|A∩B| / (|A|+|B|)
 * of their sets of character bigrams, taken for the titles alone and for
 * title and description together, whichever is higher. Before that, ASCII
 * and full-width letters are folded to lower-case ASCII (full-width digits
 * to ASCII digits), and punctuation, symbols and white space separate runs
 * of characters: a bigram never spans them, and a run of one character
 * counts as itself. NULL counts as "". Text that is not UTF-8 is read up to
 * each bad byte, which separates. *out gets 0 when either side has no
 * characters. Returns 0 or WG_ENOMEM (*out 0); frees what it allocates. */
int wg_dedupe_similarity(const char *title_a, const char *description_a, const char *title_b,
                         const char *description_b, double *out);

/* Index the title and description of case_id for text search, replacing
 * what was indexed for it (SQLite: the FTS5 table case_text, rowid = case
 * id; PostgreSQL: nothing, its expression index follows the cases row).
 * Call it in the transaction that writes the case. Returns 0, WG_ESTORE or
 * WG_ENOMEM. */
int wg_dedupe_index(wg_db *db, int64_t case_id, const char *title, const char *description);

/* Candidates for q, best first, at most max of them into hits; *n gets how
 * many. A candidate is a case other than q->case_id, not merged (master IS
 * NULL) and not in the state rejected or merged (other terminal states
 * count: a closed case may be reported again), of q->category, reported in
 * the window, and at the same place: within q->radius_m (great-circle
 * distance) when both have a point; else, when q has a grid, a case in that
 * grid, and otherwise a case of the same region. Its score is
 * round(100 * (0.6 * text + 0.4 * place)), text from wg_dedupe_similarity
 * and place 1 - distance / radius when both have a point, else 0.5; kept
 * when it passes the thresholds above. Ties go to the nearer, then the
 * earlier case. Returns 0; WG_EINTERNAL for a radius or window not above 0
 * or a missing category or region; WG_ESTORE; WG_ENOMEM (*n 0). Reads only,
 * and nothing is left allocated. */
int wg_dedupe_find(wg_db *db, const wg_dedupe_query *q, wg_dedupe_hit *hits, size_t max, size_t *n);

/* Keep the n hits as case_id's candidates (case_similar), replacing the
 * score of a candidate stored before. Call it in the transaction that
 * writes the case. Returns 0, WG_ECONFLICT (a case id that does not exist),
 * WG_ESTORE. */
int wg_dedupe_store(wg_db *db, int64_t case_id, const wg_dedupe_hit *hits, size_t n);

/* A stored candidate as wg_dedupe_list reads it; strings are valid during
 * the callback only. */
typedef struct wg_dedupe_candidate {
	int64_t id;
	int score; /* 0..100, as stored */
	const char *number, *kind, *title, *state;
	int64_t reported_at;
	int64_t master; /* merged into this case since; 0 when not */
} wg_dedupe_candidate;

typedef int (*wg_dedupe_fn)(void *ctx, const wg_dedupe_candidate *c);

/* The stored candidates of case_id that scope sees, best first (then by
 * id): those whose scope_key lies in the scope's range, or that its
 * department (scope->department, if any) owns, co-handles or was summoned
 * to (case_departments), the rule of the case list (case.h). The caller
 * must itself have checked that the user sees case_id. fn's non-zero
 * return stops the walk and is returned. Returns 0, that value, or
 * WG_ESTORE. */
int wg_dedupe_list(wg_db *db, int64_t case_id, const wg_scope *scope, wg_dedupe_fn fn, void *ctx);

/* The n hits of wg_dedupe_find that scope sees (the rule of
 * wg_dedupe_list), in their order, each with its score; the others are
 * left out. fn's non-zero return stops the walk and is returned. Returns
 * 0, that value, or WG_ESTORE. */
int wg_dedupe_each(wg_db *db, const wg_dedupe_hit *hits, size_t n, const wg_scope *scope, wg_dedupe_fn fn,
                   void *ctx);

#endif
