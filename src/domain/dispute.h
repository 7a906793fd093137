/* dispute.h - disputes (矛盾纠纷) and petitions (信访) on the case engine:
 * what their flows (flows/dispute.json, flows/petition.json) keep besides
 * the cases row, and how it reads.
 *
 * A dispute has parties (当事人: persons and organisations as applicant,
 * respondent or third party; phones sealed and ID numbers kept only as a
 * blind index, both shown masked; linked to a resident or organisation of
 * the register where the number matches one), a subject matter and an
 * amount; a risk colour that names the people in personal charge (包抓:
 * red the village and town party secretaries and a county leader, yellow
 * a village committee member and a town department head, blue the
 * village's mediation committee); a triage tier (四级分诊); the mediation
 * body and lead mediator assigned; sessions, agreements, the five-step
 * ladder (五步调解法) a failed mediation climbs, judicial confirmation
 * and performance. A family dispute (major category 11, 婚姻家庭纠纷) has
 * a risk level whose call-backs fall due for a responsible person
 * (WG_DISPUTE_FAMILY below) and appear among their due visits (visit.h).
 *
 * A petition records the visitor, the form, subject and demands, the staff
 * member who first received it (首问责任) and the earlier petition on the
 * same matter it repeats.
 *
 * The actions that change these are the flow's effects (flow.h), applied
 * by dispute.c inside the case engine's transaction; this header is the
 * reading side for the API. Strings point into the arena given. */
#ifndef WG_DOMAIN_DISPUTE_H
#define WG_DOMAIN_DISPUTE_H

#include "core/arena.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_scope;

#define WG_DISPUTE_PARTIES_MAX 20
#define WG_DISPUTE_NAME_MAX 64                     /* characters of a party's or visitor's name */
#define WG_DISPUTE_ADDRESS_MAX 200                 /* characters */
#define WG_DISPUTE_SUBJECT_MAX 500                 /* characters of the subject matter */
#define WG_DISPUTE_AMOUNT_MAX_YUAN 1000000000000LL /* a trillion yuan: beyond any real claim */
#define WG_DISPUTE_LADDER_TOP 4                    /* arbitration or court */
#define WG_DISPUTE_SESSIONS_MAX 64                 /* sessions read with a dispute */
#define WG_DISPUTE_AGREEMENTS_MAX 16               /* agreements read with a dispute */
#define WG_PETITION_SUBJECT_MAX 200                /* characters */
#define WG_PETITION_DEMANDS_MAX 5000               /* characters */
#define WG_PETITION_VISITORS_MAX 500               /* people in one visit */
#define WG_PETITION_REPEATS_MAX 50                 /* later petitions listed with one */

/* The five steps (五步调解法), by ladder index: on site (就地调解),
 * diverted to a trade body (分流调解), town joint (镇级联调), county joint
 * (县级联调), arbitration or court (仲裁诉讼). Failing at step 1 raises the
 * case to town level, at step 2 to county; failing at step 3 ends at the
 * last, which refers the dispute out of mediation. */
extern const char *const wg_dispute_ladder[WG_DISPUTE_LADDER_TOP + 1];
extern const char *const wg_dispute_ladder_labels[WG_DISPUTE_LADDER_TOP + 1];

/* Family dispute levels: colour, call-back interval in days (0: watched,
 * no call-back is scheduled) and who calls back.
 *   safe    -       watch            -
 *   micro   blue    monthly (30)     the village women's federation member
 *   low     yellow  twice a month (15) the village's mediation committee
 *                                     (婚姻家庭调解室)
 *   medium  orange  weekly (7)       the town centre
 *   high    red     twice a week (3) the county (district) centre
 * A call-back is due that many days after the later of the last call-back
 * and the day the level was set, moved to the end of the next working day
 * when it falls on a rest day. A post with no holder falls to the centre
 * of its region. */
typedef struct wg_dispute_family {
	const char *level, *colour,
		*frequency; /* frequency: watch monthly twice_monthly weekly twice_weekly */
	int days;
	const char *duty; /* womens_federation mediation_committee town_centre county_centre; NULL for safe */
} wg_dispute_family;
/* The row for level, or NULL for an unknown one. Static storage. */
const wg_dispute_family *wg_dispute_family_of(const char *level);

/* The colour of a family level, e.g. for the warnings; NULL for safe or
 * an unknown level. */
const char *wg_dispute_family_colour(const char *level);

typedef struct wg_dispute_party {
	int64_t id;
	const char *role; /* applicant respondent third_party */
	const char *type; /* person organisation */
	const char *name;
	const char *phone;     /* masked, or NULL */
	const char *id_number; /* masked, or NULL */
	const char *credit_code;
	const char *address;
	int64_t resident, organisation; /* register links, 0 when none */
} wg_dispute_party;

typedef struct wg_dispute_session {
	int64_t id, at, held_at; /* held_at 0 until minutes are recorded */
	const char *place, *attendees, *minutes;
	bool online;
} wg_dispute_session;

typedef struct wg_dispute_agreement {
	int64_t id, created_at;
	const char *terms;
	const char *documents; /* JSON list of sha256 */
} wg_dispute_agreement;

/* Someone with a duty on a case: in personal charge (包抓) of a dispute,
 * or the person or centre that calls a family dispute back. user 0 and
 * name NULL: the post has no holder (in charge), or the centre of region
 * (call-back). */
typedef struct wg_case_person {
	const char *duty; /* in_charge callback */
	const char *post; /* party_secretary committee_member dept_head county_leader
	                   * mediation_committee womens_federation town_centre county_centre ... */
	const char *region;
	int64_t user;
	const char *name;
} wg_case_person;

typedef struct wg_dispute {
	const char *subject_matter;
	bool has_amount;
	int64_t amount_fen;
	int64_t body, mediator; /* 0 when not assigned */
	const char *body_name, *mediator_name;
	int ladder;
	const char *judicial, *judicial_court, *judicial_ruling; /* NULL when never asked */
	int64_t judicial_at, agreed_at, performed_at;
	const char *family_level; /* NULL when not a family dispute or not set */
	int64_t last_callback_at, callback_due;
	wg_dispute_party *parties;
	size_t nparties;
	wg_dispute_session *sessions;
	size_t nsessions;
	wg_dispute_agreement *agreements;
	size_t nagreements;
} wg_dispute;

/* The dispute data of case id (already known to be a dispute the caller
 * sees) into *out, arrays and strings in arena. Returns 0, WG_ENOTFOUND
 * (no dispute row), WG_ENOMEM or a store error. */
int wg_dispute_read(wg_db *db, wg_arena *arena, int64_t case_id, wg_dispute *out);

/* The people with a duty on case id now (not released), in charge first,
 * into *out (arena). Returns 0, WG_ENOMEM or a store error. */
int wg_case_people(wg_db *db, wg_arena *arena, int64_t case_id, wg_case_person **out, size_t *n);

typedef struct wg_petition {
	const char *form;                                             /* visit letter phone online */
	const char *visitor_name, *visitor_phone, *visitor_id_number; /* masked */
	int64_t visitors;
	const char *subject, *demands;
	int64_t first_asked_user;
	const char *first_asked_name;
	int64_t repeat_of; /* 0 when first on its matter */
	const char *repeat_of_number;
	int64_t repeats[WG_PETITION_REPEATS_MAX]; /* later petitions that repeat this one */
	size_t nrepeats;
} wg_petition;

/* The petition data of case id into *out (strings in arena); the
 * petition it repeats and those that repeat it only as far as they lie in
 * scope (the caller's, as wg_scope_of_matters gives it). Returns 0,
 * WG_ENOTFOUND, WG_ENOMEM or a store error. */
int wg_petition_read(wg_db *db, wg_arena *arena, const struct wg_scope *scope, int64_t case_id,
                     wg_petition *out);

/* The dispute statistics feed (化解率): disputes found (valid ones reported
 * in q's period in q's area: accepted or escalated, not merged) and of
 * those resolved (an agreement reached and performed), in total and per
 * group by "category", "tier" or "risk" (by NULL: totals only, fn not
 * called). A group's key is NULL for disputes not yet given one (risk and
 * tier before assessment). Reads the disputes of the area and period
 * through cases_disputes, a partial index of the dispute rows only (a few
 * percent of all cases), not the case rollups. Returns 0, WG_EVALIDATION
 * (fe: "region", "by"), WG_ENOTFOUND (an area out of scope), fn's value or
 * a store error. */
typedef struct wg_dispute_figure {
	const char *key, *name; /* name: the category's */
	int64_t found, resolved;
} wg_dispute_figure;
typedef int (*wg_dispute_figure_fn)(void *ctx, const wg_dispute_figure *f);
struct wg_stats_query;
struct wg_field_errors;
int wg_dispute_figures(wg_db *db, const struct wg_stats_query *q, const char *by, wg_dispute_figure_fn fn,
                       void *ctx, wg_dispute_figure *total, struct wg_field_errors *fe);

#endif
