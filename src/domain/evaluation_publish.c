/* Publishing evaluations by the system (evaluation.h "publishing by the
 * system"): which period of each kind is due, and publishing it for every
 * county and subject still unpublished, through wg_evaluation_publish as a
 * centre of that county would. */
#include "domain/evaluation.h"

#include "core/error.h"
#include "domain/role.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL

/* The last ended period of kind k before the local date today, and the
 * one running on it. */
static void periods_around(enum wg_evaluation_period_kind k, int64_t today, wg_evaluation_period *last,
                           wg_evaluation_period *current)
{
	char date[WG_STATS_DATE_LEN + 1], key[40]; /* room for any int, though years have 4 digits */
	wg_stats_day_format(today, date);
	int y = 0, m = 0;
	sscanf(date, "%4d-%2d", &y, &m);
	switch (k) {
	case WG_EVALUATION_MONTH:
		snprintf(key, sizeof key, "%04d-%02d", y, m);
		wg_evaluation_period_parse(key, current);
		snprintf(key, sizeof key, "%04d-%02d", m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1);
		break;
	case WG_EVALUATION_QUARTER: {
		int q = (m - 1) / 3 + 1;
		snprintf(key, sizeof key, "%04d-Q%d", y, q);
		wg_evaluation_period_parse(key, current);
		snprintf(key, sizeof key, "%04d-Q%d", q == 1 ? y - 1 : y, q == 1 ? 4 : q - 1);
		break;
	}
	default:
		snprintf(key, sizeof key, "%04d", y);
		wg_evaluation_period_parse(key, current);
		snprintf(key, sizeof key, "%04d", y - 1);
		break;
	}
	wg_evaluation_period_parse(key, last);
}

/* The local date a period is published on by the system. */
static int64_t publish_day(const wg_evaluation_config *c, const wg_evaluation_period *p)
{
	int64_t to = 0;
	wg_stats_day_parse(p->to, &to);
	return to + c->periods[p->kind].publish_after_days;
}

/* Counties whose evaluation of p for subject s nobody has published. */
static int unpublished(wg_db *db, const wg_evaluation_period *p, enum wg_evaluation_subject s, int64_t *n)
{
	*n = 0;
	int rc = wg_db_query_int(db,
	                         "SELECT count(*) FROM regions r WHERE r.level = 'county' AND NOT EXISTS "
	                         "(SELECT 1 FROM evaluation_snapshots e WHERE e.region = r.code AND "
	                         "e.period = ? AND e.subject = ?)",
	                         n, "tt", p->key, wg_evaluation_subject_names[s]);
	return rc == WG_ENOTFOUND ? 0 : rc;
}

/* The first local day with statistics (an evaluation is computed from
 * them; stats_day's key begins with the day, so this reads one index
 * entry), or *none when there are none: no period before it is published
 * by the system. */
static int first_day(wg_db *db, int64_t *day, bool *none)
{
	*day = 0;
	*none = true;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT min(day) FROM stats_day", &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		rc = 0;
		*none = wg_stmt_is_null(st, 0) || !wg_stats_day_parse(wg_stmt_text(st, 0, NULL), day);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Whether some configured subject of p is unpublished for some county. */
static int anything_unpublished(wg_db *db, const wg_evaluation_config *c, const wg_evaluation_period *p,
                                bool *any)
{
	*any = false;
	for (int s = 0; s < WG_EVALUATION_SUBJECTS && !*any; s++) {
		if (!c->subjects[s].configured)
			continue;
		int64_t n = 0;
		int rc = unpublished(db, p, (enum wg_evaluation_subject)s, &n);
		if (rc)
			return rc;
		*any = n > 0;
	}
	return 0;
}

/* The periods of kind k the system publishes at today, newest first, into
 * due (*n of them, at most WG_EVALUATION_CATCH_UP): the last ended one on
 * and after its publishing day, and the unpublished ones before it back
 * to the catch-up limit and the first day with statistics (the last one
 * is published whatever its figures, as it always was). *next_day: the local
 * date of the kind's next publishing (0 when the kind does not publish by
 * itself). */
static int kind_due(wg_db *db, const wg_evaluation_config *c, enum wg_evaluation_period_kind k, int64_t today,
                    wg_evaluation_period due[WG_EVALUATION_CATCH_UP], size_t *n, int64_t *next_day)
{
	*n = 0;
	*next_day = 0;
	if (!c->periods[k].configured || c->periods[k].publish_after_days <= 0)
		return 0;
	wg_evaluation_period last, current;
	periods_around(k, today, &last, &current);
	*next_day = publish_day(c, &current);
	if (today < publish_day(c, &last)) {
		*next_day = publish_day(c, &last);
		return 0;
	}
	int64_t first = 0;
	bool none = true;
	int rc = first_day(db, &first, &none);
	wg_evaluation_period p = last;
	for (int i = 0; !rc && i < WG_EVALUATION_CATCH_UP; i++) {
		int64_t from = 0, to = 0;
		wg_stats_day_parse(p.from, &from);
		wg_stats_day_parse(p.to, &to);
		/* The last ended period is always published; one before it
		 * only when it has statistics. */
		if (i > 0 && (none || to < first))
			break;
		bool any = false;
		rc = anything_unpublished(db, c, &p, &any);
		if (!rc && any)
			due[(*n)++] = p;
		wg_evaluation_period before, same;
		periods_around(k, from, &before, &same);
		p = before;
	}
	return rc;
}

int wg_evaluation_publish_due(wg_db *db, const wg_evaluation_config *c, int offset_minutes, int64_t now,
                              bool *due, int64_t *next)
{
	*due = false;
	*next = 0;
	int64_t offset = (int64_t)offset_minutes * 60000;
	int64_t today = wg_stats_local_day(now, offset_minutes);
	for (int k = 0; k < WG_EVALUATION_PERIOD_KINDS && !*due; k++) {
		wg_evaluation_period periods[WG_EVALUATION_CATCH_UP];
		size_t n = 0;
		int64_t day = 0;
		int rc = kind_due(db, c, (enum wg_evaluation_period_kind)k, today, periods, &n, &day);
		if (rc)
			return rc;
		*due = n > 0;
		int64_t at = day * DAY_MS - offset; /* the local midnight starting that day */
		if (day && (!*next || at < *next))
			*next = at;
	}
	if (*due)
		*next = now;
	return 0;
}

/* The county codes into an arena array. */
static int counties(wg_db *db, wg_arena *arena, const char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT code FROM regions WHERE level = 'county' ORDER BY code",
	                              &st);
	if (rc)
		return rc;
	size_t cap = 0;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			const char **grown = wg_arena_calloc(arena, cap, sizeof *grown);
			if (!grown) {
				rc = WG_ENOMEM;
				break;
			}
			if (*n)
				memcpy(grown, *out, *n * sizeof *grown);
			*out = grown;
		}
		const char *code = wg_stmt_text(st, 0, NULL);
		(*out)[*n] = wg_arena_strdup(arena, code ? code : "");
		if (!(*out)[(*n)++]) {
			rc = WG_ENOMEM;
			break;
		}
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_evaluation_publish_auto(wg_db *db, const wg_evaluation_config *c, int offset_minutes, int64_t now,
                               const char *audit_alg, int64_t *published)
{
	*published = 0;
	int64_t today = wg_stats_local_day(now, offset_minutes);
	wg_arena arena, work; /* the county codes; each publishing's answer */
	wg_arena_init(&arena, 4096);
	wg_arena_init(&work, 16384);
	const char **codes = NULL;
	size_t ncodes = 0;
	int rc = counties(db, &arena, &codes, &ncodes);
	for (int k = 0; !rc && k < WG_EVALUATION_PERIOD_KINDS; k++) {
		wg_evaluation_period periods[WG_EVALUATION_CATCH_UP];
		size_t n = 0;
		int64_t next_day = 0;
		rc = kind_due(db, c, (enum wg_evaluation_period_kind)k, today, periods, &n, &next_day);
		for (size_t p = 0; !rc && p < n; p++)
			for (int s = 0; !rc && s < WG_EVALUATION_SUBJECTS; s++) {
				if (!c->subjects[s].configured)
					continue;
				for (size_t i = 0; !rc && i < ncodes; i++) {
					/* As the county's centre would; published_by stays empty. */
					const wg_caller system = {.user_id = 0,
					                          .username = "system",
					                          .roles = WG_ROLE_CENTRE_OPERATOR,
					                          .scope = codes[i]};
					wg_evaluation_query q = {.caller = &system,
					                         .config = c,
					                         .region = codes[i],
					                         .period = periods[p],
					                         .subject = (enum wg_evaluation_subject)s,
					                         .offset_minutes = offset_minutes,
					                         .arena = &work};
					wg_field_errors fe;
					wg_field_errors_init(&fe, &work);
					wg_evaluation out;
					rc = wg_evaluation_publish(db, &q, now, audit_alg, &out, &fe);
					wg_arena_clear(&work);
					if (!rc)
						(*published)++;
					else if (rc == WG_ECONFLICT) /* published already */
						rc = 0;
				}
			}
	}
	wg_arena_clear(&work);
	wg_arena_clear(&arena);
	return rc;
}
