/* visit.h - visits (走访) to residents and patrols (巡查) of key places,
 * and the schedule they keep.
 *
 * A visit records who went where and when, with notes and photos (already
 * uploaded attachments, linked to the visit). It belongs to the area of
 * its subject, so it is seen by exactly those who see the subject.
 *
 * The schedule: a resident in a special group (resident.h) is due a visit
 * visit_days after the later of their last visit and the day they were put
 * in the group (the tightest of their groups wins); a key place with a
 * patrol interval likewise from its last patrol or the day the interval
 * was set. A visit due in the past is missed: the list flags it with the
 * number of whole intervals missed. Time comes from core/clock.h. */
#ifndef WG_DOMAIN_VISIT_H
#define WG_DOMAIN_VISIT_H

#include "domain/basedata.h"

#define WG_VISIT_NOTES_MAX 2000
#define WG_VISIT_PHOTOS_MAX 9
/* A visit is recorded within this many days, and not ahead of the clock by
 * more than the skew (phones' clocks drift). */
#define WG_VISIT_MAX_AGE_DAYS 30
#define WG_VISIT_CLOCK_SKEW_MS (INT64_C(5) * 60 * 1000)
#define WG_DAY_MS INT64_C(86400000)

typedef struct wg_visit_input {
	const char *subject_type; /* "resident" or "place" */
	int64_t subject_id;
	int64_t at; /* UTC ms */
	bool has_location;
	double lat, lng;
	const char *notes;
	size_t nphotos;
	const char *photos[WG_VISIT_PHOTOS_MAX]; /* SHA-256, 64 lower-case hex digits */
} wg_visit_input;

typedef struct wg_visit {
	int64_t id;
	const char *subject_type;
	int64_t subject_id;
	const char *subject_name;
	int64_t user_id;
	const char *user_name;
	int64_t at;
	bool has_location;
	double lat, lng;
	const char *notes;
	const char *grid;
	int64_t created_at;
	size_t nphotos;
	char photos[WG_VISIT_PHOTOS_MAX][65];
} wg_visit;

typedef int (*wg_visit_fn)(void *ctx, const wg_visit *v);

/* Record a visit by the caller to a subject in their scope (else the
 * error "not_found" on subject.id: absent and elsewhere look alike), at a
 * time from WG_VISIT_MAX_AGE_DAYS ago to the clock's skew ahead ("too_old",
 * "future" on "at"), with photos that exist in the attachments table
 * ("not_found", "duplicate", "pattern" on photos[i]). Audited
 * "visit.create". Returns 0 with *id, WG_EVALIDATION or a store error. */
int wg_visit_create(wg_db *db, const wg_basedata_env *env, const wg_visit_input *in, int64_t *id,
                    wg_field_errors *fe);

/* Visit id in the caller's scope: 0, WG_ENOTFOUND, the callback's value or
 * a store error. */
int wg_visit_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_visit_fn fn, void *ctx);

/* Visits in the caller's scope, newest first (by id, before before_id; 0:
 * from the newest), at most limit; subject_type with subject_id (both or
 * neither) selects one subject's. Returns 0, WG_EVALIDATION, the
 * callback's value or a store error. */
typedef struct wg_visit_filter {
	const char *subject_type;
	int64_t subject_id;
	int64_t before_id;
	int64_t limit;
} wg_visit_filter;
int wg_visit_list(wg_db *db, const wg_basedata_env *env, const wg_visit_filter *f, wg_visit_fn fn, void *ctx,
                  wg_field_errors *fe);

/* One subject on the schedule. */
typedef struct wg_visit_due {
	const char *subject_type; /* "resident", "place", or "case": a family dispute's call-back */
	int64_t subject_id;
	const char *name; /* a case's title */
	const char *grid;
	const char *kind;         /* place type, or NULL for a resident */
	const char *family_level; /* a case's family level (dispute.h), else NULL */
	int64_t visit_days;       /* the interval that makes it due */
	int64_t last_visit;       /* UTC ms, 0 when never visited */
	int64_t due_at;           /* UTC ms */
	bool missed;              /* due_at is in the past */
	int64_t missed_periods;   /* whole intervals missed, at least 1 when missed */
	size_t ntags;             /* a resident's special groups on this schedule */
	const char *tags[WG_SPECIAL_GROUP_COUNT];
} wg_visit_due;

typedef int (*wg_visit_due_fn)(void *ctx, const wg_visit_due *d);

/* What is due for the caller by now + within_days, and everything missed,
 * by due_at (then subject type and id): for a caller who is only a grid
 * worker, the subjects whose responsible worker they are; for heads,
 * centres and leaders, every scheduled subject in their scope; and the
 * family disputes whose call-back falls to the caller, or to their centre
 * when the caller is a centre operator (dispute.h). Starts
 * after the cursor (due_at, subject_type, id) when after_type is not NULL;
 * at most limit. Returns 0, the callback's value or a store error. */
typedef struct wg_visit_due_filter {
	int64_t now;
	int64_t within_days;
	const char *type; /* "resident", "place" or "case" only; NULL all */
	int64_t after_due;
	const char *after_type;
	int64_t after_id;
	int64_t limit;
} wg_visit_due_filter;
int wg_visit_due_list(wg_db *db, const wg_basedata_env *env, const wg_visit_due_filter *f, wg_visit_due_fn fn,
                      void *ctx);

#endif
