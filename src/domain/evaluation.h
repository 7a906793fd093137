/* evaluation.h - the evaluation (考核) of towns, departments and grid
 * workers: monthly ranking, quarterly and yearly scores (月评比、季考评、
 * 年考核) made of the rates of domain/stats.h, with the weights of a data
 * file, and the snapshots that freeze a published period.
 *
 * The file (data/evaluation.json; setting evaluation.file) says for each
 * subject kind which rates count, with what weight (the weights of a kind
 * add up to the scale, 100 points), whether higher or lower is better, and
 * below which denominator a rate has no data; how a rate without data is
 * scored (no_data: reweight, zero or full); the period kinds evaluated
 * (month, quarter, year), each used for a ranking or for scores with
 * grades (等次). It is validated in full at start: a bad file stops the
 * server with the file, the JSON path and the reason
 * ("data/evaluation.json: subjects.town.rates: the weights add up to 95,
 * not the scale 100").
 *
 * The score of a subject (docs/statistics.md "Evaluation"): per rate the
 * share r = numerator / denominator (1 - that when lower is better), its
 * points weight x r, and the score the sum of the points, scaled by
 * scale / (the weights of the rates with data) under reweight. Points and
 * scores are kept in hundredths of a point, computed in integers.
 * Subjects are ranked by score within the county, ties sharing a rank
 * (1, 2, 2, 4); a subject without data in any of its rates has no score
 * and no rank.
 *
 * An evaluation always covers one county, read as the system (every
 * subject of the county), and the caller is shown the subjects in their
 * scope: a county account all of them, a town account its own town, its
 * own grid workers and its town's departments, a department account its
 * own department; ranks stay those of the whole county. A published
 * snapshot stores every subject's row, weights and figures as they were
 * at publishing, and is what the evaluation of that period answers from
 * then on. */
#ifndef WG_DOMAIN_EVALUATION_H
#define WG_DOMAIN_EVALUATION_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/region.h"
#include "domain/scope.h"
#include "domain/stats.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_t;

enum wg_evaluation_subject {
	WG_EVALUATION_TOWN,
	WG_EVALUATION_DEPARTMENT,
	WG_EVALUATION_GRID_WORKER,
	WG_EVALUATION_SUBJECTS
};

/* "town", "department", "grid_worker". */
extern const char *const wg_evaluation_subject_names[WG_EVALUATION_SUBJECTS];

enum wg_evaluation_period_kind {
	WG_EVALUATION_MONTH,
	WG_EVALUATION_QUARTER,
	WG_EVALUATION_YEAR,
	WG_EVALUATION_PERIOD_KINDS
};

/* "month", "quarter", "year". */
extern const char *const wg_evaluation_period_kind_names[WG_EVALUATION_PERIOD_KINDS];

/* How a rate whose denominator is below its min_denominator is scored. */
enum wg_evaluation_no_data {
	WG_EVALUATION_REWEIGHT, /* left out; the other rates' weights scale up to the whole scale */
	WG_EVALUATION_ZERO,     /* no points */
	WG_EVALUATION_FULL,     /* its whole weight */
};

#define WG_EVALUATION_SCALE_MAX 1000
#define WG_EVALUATION_GRADES_MAX 10
#define WG_EVALUATION_LABEL_MAX 32 /* characters of a label */
#define WG_EVALUATION_MIN_DENOMINATOR_MAX 100000
#define WG_EVALUATION_PUBLISH_AFTER_MAX 90 /* days */

typedef struct wg_evaluation_rule {
	int64_t weight; /* points; 0: the rate does not count for this kind */
	bool lower_better;
	int64_t min_denominator; /* >= 1: below it the rate has no data */
} wg_evaluation_rule;

typedef struct wg_evaluation_config {
	struct json_t *doc; /* the parsed file; the labels point into it */
	char *file;         /* the name it was loaded as, for messages */
	int64_t scale;      /* points of a perfect score */
	enum wg_evaluation_no_data no_data;
	struct {
		bool configured;
		bool ranking; /* "use": "ranking" (no grades), else "score" */
		const char *label;
		int64_t publish_after_days; /* published by the system this many days after the
		                             * period ends; 0: only by hand */
	} periods[WG_EVALUATION_PERIOD_KINDS];
	struct {
		const char *label;
		int64_t min;                /* points */
	} grades[WG_EVALUATION_GRADES_MAX]; /* mins strictly decreasing */
	size_t ngrades;
	struct {
		bool configured;
		const char *label;
		wg_evaluation_rule rates[WG_STATS_RATES]; /* by enum wg_stats_rate_kind */
	} subjects[WG_EVALUATION_SUBJECTS];
} wg_evaluation_config;

/* Parse and check the text of an evaluation file named file (for
 * messages). Returns 0 with *out (free with wg_evaluation_free);
 * WG_EBADREQ when the text is not JSON ("FILE: line L column C: ..."),
 * WG_EVALIDATION for the first broken rule ("FILE: PATH: reason"), both
 * in err; WG_ENOMEM ("FILE: out of memory"). On failure *out is NULL. */
int wg_evaluation_parse(const char *text, size_t len, const char *file, wg_evaluation_config **out, char *err,
                        size_t errlen);

/* Free a parsed file; NULL is fine. */
void wg_evaluation_free(wg_evaluation_config *c);

/* Read and parse the file at path and put it in force (replacing what
 * was). Returns 0, WG_EIO (unreadable, not a regular file, over 1 MiB) or
 * as wg_evaluation_parse, the reason in err; on failure what was in force
 * stays. Not thread-safe against wg_evaluation_loaded: call before the
 * loops start. */
int wg_evaluation_load(const char *path, char *err, size_t errlen);

/* The file in force, or NULL before a load. Valid until the next load or
 * unload. */
const wg_evaluation_config *wg_evaluation_loaded(void);

/* Free the file in force. */
void wg_evaluation_unload(void);

/* ---- periods ---------------------------------------------------------------- */

typedef struct wg_evaluation_period {
	enum wg_evaluation_period_kind kind;
	char key[8];                                                 /* 2026-10, 2026-Q3, 2026 */
	char from[WG_STATS_DATE_LEN + 1], to[WG_STATS_DATE_LEN + 1]; /* local dates, both in */
} wg_evaluation_period;

/* A period key exactly: YYYY-MM (a month), YYYY-Qn (n 1..4, a quarter) or
 * YYYY (a year), years 1970..9999. Returns false for anything else. */
bool wg_evaluation_period_parse(const char *text, wg_evaluation_period *out);

/* ---- scores ---------------------------------------------------------------- */

typedef struct wg_evaluation_item {
	const char *key; /* town code, department code or username */
	const char *name;
	const char *scope_key; /* where it sits: the town, the department's region, the account's area */
	wg_stats_rate rates[WG_STATS_RATES];
	bool scored;                    /* some rate had data: score and rank below */
	int64_t score;                  /* hundredths of a point */
	int64_t points[WG_STATS_RATES]; /* hundredths; -1 where the rate gives none (not weighted,
	                                 * or no data under reweight) */
	bool no_data[WG_STATS_RATES];   /* denominator below the rule's min_denominator */
	int64_t rank;                   /* 1.. ; 0 when not scored */
	const char *grade;              /* for periods used for scores; NULL otherwise */
	const char *rates_json;         /* the item's "rates" object as JSON text */
} wg_evaluation_item;

/* Score one item of subject kind s from its rates: fills scored, score,
 * points and no_data. Pure; never fails. */
void wg_evaluation_score(const wg_evaluation_config *c, enum wg_evaluation_subject s, wg_evaluation_item *it);

/* Rank n scored items: sort them by score (highest first, then by key),
 * the unscored after them by key; rank 1 + the number scoring higher; the
 * grade of each score when the period kind is used for scores. *ranked
 * gets how many are ranked. Pure; never fails. */
void wg_evaluation_rank(const wg_evaluation_config *c, enum wg_evaluation_period_kind kind,
                        wg_evaluation_item *items, size_t n, int64_t *ranked);

/* The "rates" JSON object of a scored item: every rate of stats.h as
 * {"numerator","denominator","percent","weight","better","min_denominator",
 * "no_data","points"}, into it->rates_json (arena). Returns 0 or
 * WG_ENOMEM. */
int wg_evaluation_rates_json(const wg_evaluation_config *c, enum wg_evaluation_subject s,
                             wg_evaluation_item *it, wg_arena *arena);

/* ---- evaluations ------------------------------------------------------------- */

typedef struct wg_evaluation_query {
	const wg_caller *caller;
	const wg_evaluation_config *config;
	const char *region; /* a county code; NULL: the county of the caller's area */
	wg_evaluation_period period;
	enum wg_evaluation_subject subject;
	int offset_minutes; /* time.offset_minutes */
	wg_arena *arena;    /* everything the answer points to */
} wg_evaluation_query;

typedef struct wg_evaluation {
	char county[WG_REGION_CODE_LEN + 1];
	int64_t scale;
	bool ranking;              /* the period kind is used for a ranking */
	bool published;            /* from the snapshot */
	int64_t published_at;      /* UTC ms */
	const char *published_by;  /* username */
	int64_t ranked;            /* subjects ranked in the county */
	wg_evaluation_item *items; /* those the caller may see, in rank order */
	size_t n;
	const char *conflict; /* why publishing answered WG_ECONFLICT */
} wg_evaluation;

/* The county an evaluation covers: region (a county code) or, NULL, the
 * county of the caller's area. Returns 0 with county set; WG_EVALIDATION
 * (fe "region") for a region that is no county code, or when the caller
 * sits above a county and names none; WG_ENOTFOUND for a county that does
 * not exist or neither holds nor lies in the caller's area; a store error. */
int wg_evaluation_county(wg_db *db, const wg_caller *caller, const char *region,
                         char county[WG_REGION_CODE_LEN + 1], wg_field_errors *fe);

/* The evaluation of q's period and subject kind in the county: the
 * published snapshot when there is one, else the live figures from the
 * rollups; the items the caller may see. Returns 0; WG_EVALIDATION (fe
 * "period" or "subject" when the file does not configure them, or as
 * wg_evaluation_county); WG_ENOTFOUND; WG_ENOMEM or a store error. */
int wg_evaluation_get(wg_db *db, const wg_evaluation_query *q, wg_evaluation *out, wg_field_errors *fe);

/* Publish q's period for q's subject kind in the county: compute it live,
 * store it as the snapshot with every subject of the county and audit
 * "evaluation.publish", in the caller's transaction; out gets what the
 * caller may see of it. Only a centre operator or leader whose area holds
 * the county (WG_EFORBIDDEN otherwise), only a period that ended before
 * the local date of now, and once (WG_ECONFLICT, out->conflict says which).
 * Otherwise returns as wg_evaluation_get, or an audit error. */
int wg_evaluation_publish(wg_db *db, const wg_evaluation_query *q, int64_t now, const char *audit_alg,
                          wg_evaluation *out, wg_field_errors *fe);

typedef struct wg_evaluation_snapshot {
	int64_t id;
	const char *period, *kind, *subject, *county, *from, *to;
	int64_t published_at;
	const char *published_by; /* username */
	int64_t ranked, rows;
} wg_evaluation_snapshot;

typedef int (*wg_evaluation_snapshot_fn)(void *ctx, const wg_evaluation_snapshot *s);

typedef struct wg_evaluation_list {
	const wg_caller *caller;
	const char *region; /* a county; NULL: the caller's county, or every county in the area of a
	                     * caller above one */
	int subject;        /* enum wg_evaluation_subject, or -1 for all */
	int kind;           /* enum wg_evaluation_period_kind, or -1 for all */
	int64_t before_id;  /* paging: snapshots with id below it; 0 from the newest */
	int64_t limit;
} wg_evaluation_list;

/* The published snapshots the caller may read, newest first: fn gets each
 * (valid during the call). Returns 0, fn's value, as wg_evaluation_county
 * for a region, or a store error. */
int wg_evaluation_snapshots(wg_db *db, const wg_evaluation_list *l, wg_evaluation_snapshot_fn fn, void *ctx,
                            wg_field_errors *fe);

/* ---- publishing by the system ------------------------------------------------ */

/* A period kind with publish_after_days N is published by the system N
 * days after it ends: on that local date, every county's evaluation of
 * the last ended period of the kind, for each configured subject, that no
 * one has published by hand. A period before it still unpublished (the
 * server was down across a whole period) is published then too, back to
 * WG_EVALUATION_CATCH_UP periods in all, but none of those earlier ones
 * that ended before the first day with statistics: there is nothing to
 * evaluate in it. */
enum { WG_EVALUATION_CATCH_UP = 3 };

/* Whether some publishing is due at now (*due), and the clock time (ms)
 * the next one falls due when none is (*next, 0: never: no period kind
 * publishes by itself). Returns 0 or a store error. */
int wg_evaluation_publish_due(wg_db *db, const wg_evaluation_config *c, int offset_minutes, int64_t now,
                              bool *due, int64_t *next);

/* Publish everything due at now as the system (audited as each publishing
 * is), in the caller's transaction; *published gets how many evaluations.
 * Returns 0, WG_ENOMEM or a store error. */
int wg_evaluation_publish_auto(wg_db *db, const wg_evaluation_config *c, int offset_minutes, int64_t now,
                               const char *audit_alg, int64_t *published);

#endif
