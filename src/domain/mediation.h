/* mediation.h - the registries the dispute flow reads: mediation bodies
 * (调解组织), their mediators (调解员), and the posts people hold in a
 * region (村党支部书记, 镇司法所所长, 县级包抓领导 ...), whose holders the
 * flow names in personal charge (包抓) of red and yellow disputes.
 *
 * A body serves a region: a village's or a town's people's mediation
 * committee (人民调解委员会) its village or town, a trade mediation body
 * (物业, 劳动人事争议, 道路交通事故, 医疗纠纷, 婚姻家庭) a town or the county,
 * the expert pool (专家库) the county. A dispute placed in that region or
 * under it may be assigned to the body; one body of a kind (and trade)
 * serves a region. Readers see the bodies of their area and of the regions
 * above it (a town sees its villages' committees, its own, and the
 * county's trade bodies and expert pool), never another area's; writers
 * change only the bodies whose region lies in their area. Mediators follow
 * their body. Posts of a region are read like bodies and set by writers of
 * that region.
 *
 * Mediators' phones are stored sealed (core/secret.h) with their mask
 * beside them; reads give the mask only. Every write appends its audit row
 * (domain/audit.h) in the caller's transaction, naming the fields changed,
 * never a phone. A write that fails may have written part of its rows: its
 * caller rolls back (the store's savepoint does for the API).
 *
 * Validation records every problem in a wg_field_errors (codes required,
 * too_long, pattern, unknown, format, not_found, level, read_only,
 * not_allowed, duplicate, inactive, role, out_of_reach, conflict) and
 * returns WG_EVALIDATION. Every function returns 0 or a negative WG_E
 * code: WG_ENOMEM when memory runs out, WG_ESTORE when the database fails.
 * Nothing returned is the caller's to free: scratch memory comes from
 * env->arena, and what a callback is given is valid during the call only. */
#ifndef WG_DOMAIN_MEDIATION_H
#define WG_DOMAIN_MEDIATION_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/basedata.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_secret_key;

#define WG_MEDIATION_CODE_MAX 40     /* [a-z0-9-]{2,40} */
#define WG_MEDIATION_NAME_MAX 100    /* characters */
#define WG_MEDIATION_ADDRESS_MAX 200 /* characters */
#define WG_MEDIATOR_NAME_MAX 64      /* characters */
#define WG_MEDIATOR_SPECIALITIES_MAX 16
#define WG_REGION_POSTS_MAX 30 /* holders of all posts of one region */
/* "Not given" for the tri-state and optional-id members of an input. */
#define WG_MEDIATION_UNSET (-1)

/* The vocabularies of migrations/.../0011_mediation.sql, with labels:
 * kinds (village_committee, town_committee, trade, expert_pool), trades
 * (property, labour, traffic, medical, marriage_family) and posts
 * (party_secretary, committee_member, womens_federation, dept_head,
 * county_leader). */
extern const wg_terms wg_mediation_kinds;
extern const wg_terms wg_mediation_trades;
extern const wg_terms wg_region_posts;

/* Who acts, and with what. arena is scratch memory for the call, cleared
 * by the caller afterwards; key seals mediators' phones. */
typedef struct wg_mediation_env {
	const wg_caller *caller;
	const struct wg_secret_key *key;
	const char *audit_alg; /* security.audit_hash */
	wg_arena *arena;
} wg_mediation_env;

/* ---- bodies --------------------------------------------------------------- */

typedef struct wg_mediation_body {
	int64_t id;
	const char *code;
	const char *name;
	const char *kind;
	const char *trade; /* NULL unless kind is trade */
	const char *region;
	const char *region_name;
	const char *phone; /* normalised digits, or NULL */
	const char *address;
	bool active;
	int64_t mediators; /* active mediators */
	int64_t created_at, updated_at, version;
} wg_mediation_body;

typedef int (*wg_mediation_body_fn)(void *ctx, const wg_mediation_body *b);

/* NULL (or !set_*) is "not given"; set_* with NULL clears on update. code,
 * kind, trade and region name a body: given on create, refused on update
 * (read_only). active: WG_MEDIATION_UNSET, 0 or 1 (new bodies are active). */
typedef struct wg_mediation_body_input {
	const char *code;
	const char *name;
	const char *kind;
	const char *trade;
	const char *region;
	const char *phone; /* as typed: a mobile or fixed line (core/ident.h) */
	bool set_phone;
	const char *address;
	bool set_address;
	int active;
} wg_mediation_body_input;

/* Check and insert a body (audited "mediation_body.create"). Field errors:
 * code (required, pattern), name (required, too_long, pattern), kind
 * (required, unknown), trade (required for kind trade, unknown,
 * not_allowed for the other kinds), region (required, pattern, not_found:
 * absent or outside the caller's area, level: village for a village
 * committee, town for a town committee, town or county for a trade body,
 * county for the expert pool), phone (format), address (too_long,
 * pattern). Returns 0 with *id, WG_EVALIDATION, WG_ECONFLICT (fe: "code"
 * taken, or "region" already served by a body of that kind and trade) or a
 * store error. */
int wg_mediation_body_create(wg_db *db, const wg_mediation_env *env, const wg_mediation_body_input *in,
                             int64_t *id, wg_field_errors *fe);

/* Change the fields given of a body whose region is in the caller's area
 * (audited "mediation_body.update" with the fields named). expect_version 0
 * skips the version check. Returns 0, WG_ENOTFOUND (absent or outside the
 * area), WG_EVALIDATION, WG_ECONFLICT (a stale version) or a store error. */
int wg_mediation_body_update(wg_db *db, const wg_mediation_env *env, int64_t id,
                             const wg_mediation_body_input *in, int64_t expect_version, wg_field_errors *fe);

/* A body visible to the caller. Returns 0 (fn called), WG_ENOTFOUND, fn's
 * value or a store error. */
int wg_mediation_body_get(wg_db *db, const wg_mediation_env *env, int64_t id, wg_mediation_body_fn fn,
                          void *ctx);

/* region: the bodies whose region is this region or under it (a 12-digit
 * region code, else the error pattern); kind, trade: exact keys (unknown
 * otherwise); active: WG_MEDIATION_UNSET for any, 0 or 1. */
typedef struct wg_mediation_body_filter {
	const char *region;
	const char *kind;
	const char *trade;
	int active;
	int64_t after_id;
	int64_t limit;
} wg_mediation_body_filter;

/* Bodies visible to the caller matching f, by id; *total (may be NULL)
 * gets the number of all matches. A non-zero return of fn stops the walk.
 * Returns 0, WG_EVALIDATION, fn's value or a store error. */
int wg_mediation_body_list(wg_db *db, const wg_mediation_env *env, const wg_mediation_body_filter *f,
                           wg_mediation_body_fn fn, void *ctx, int64_t *total, wg_field_errors *fe);

/* ---- mediators ------------------------------------------------------------ */

typedef struct wg_mediator {
	int64_t id;
	/* The body served. */
	int64_t body;
	const char *body_code;
	const char *body_name;
	const char *body_kind;
	const char *body_trade; /* NULL unless a trade body */
	const char *body_region;
	int64_t user_id;       /* the account, 0 when none */
	const char *username;  /* the account's, NULL when none */
	const char *user_name; /* the account's display name, NULL when none */
	const char *name;
	const char *phone; /* masked (138****5678), or NULL */
	size_t nspecialities;
	char specialities[WG_MEDIATOR_SPECIALITIES_MAX][3]; /* major dispute categories */
	bool lead;
	bool active;
	int64_t created_at, updated_at, version;
} wg_mediator;

typedef int (*wg_mediator_fn)(void *ctx, const wg_mediator *m);

/* name: required on create; phone, specialities: given when set_*;
 * user_id: WG_MEDIATION_UNSET (not given), 0 (none) or an account id;
 * lead, active: WG_MEDIATION_UNSET, 0 or 1 (new mediators are active, not
 * lead). */
typedef struct wg_mediator_input {
	const char *name;
	const char *phone; /* as typed; NULL with set_phone clears */
	bool set_phone;
	int64_t user_id;
	const char *const *specialities; /* major dispute category codes ("11") */
	size_t nspecialities;
	bool set_specialities;
	int lead;
	int active;
} wg_mediator_input;

/* Add a mediator to body, a body whose region is in the caller's area
 * (audited "mediator.create"). Field errors: name (required, too_long,
 * pattern), phone (format), specialities (too_long: more than
 * WG_MEDIATOR_SPECIALITIES_MAX), specialities[i] (unknown: not a major
 * dispute category; duplicate), user (not_found, inactive, role: not a
 * mediator account, out_of_reach: the account's area does not include the
 * body's region). Returns 0 with *id, WG_ENOTFOUND (no such body in the
 * area), WG_EVALIDATION, WG_ECONFLICT (fe "user": the account already
 * serves the body) or a store error. */
int wg_mediator_create(wg_db *db, const wg_mediation_env *env, int64_t body, const wg_mediator_input *in,
                       int64_t *id, wg_field_errors *fe);

/* Change the fields given of a mediator whose body's region is in the
 * caller's area (audited "mediator.update" with the fields named); checks
 * as create. Returns 0, WG_ENOTFOUND, WG_EVALIDATION, WG_ECONFLICT (a stale
 * version, or fe "user") or a store error. */
int wg_mediator_update(wg_db *db, const wg_mediation_env *env, int64_t id, const wg_mediator_input *in,
                       int64_t expect_version, wg_field_errors *fe);

/* A mediator of a body visible to the caller: 0 (fn called),
 * WG_ENOTFOUND, fn's value or a store error. */
int wg_mediator_get(wg_db *db, const wg_mediation_env *env, int64_t id, wg_mediator_fn fn, void *ctx);

/* body: only its mediators (0: any); the body must be visible, else the
 * list is WG_ENOTFOUND. pool: only active lead mediators of active bodies,
 * the ones a dispute may be assigned to. region: only bodies that reach it
 * (serve it or an area containing it; a 12-digit region code, else the
 * error pattern). speciality: only mediators who take this major dispute
 * category (unknown when it is none). active: WG_MEDIATION_UNSET, 0 or 1. */
typedef struct wg_mediator_filter {
	int64_t body;
	bool pool;
	const char *region;
	const char *speciality;
	int active;
	int64_t after_id;
	int64_t limit;
} wg_mediator_filter;

/* Mediators of the bodies visible to the caller matching f, by id; *total
 * (may be NULL) gets the number of all matches. Returns 0, WG_ENOTFOUND,
 * WG_EVALIDATION, fn's value or a store error. */
int wg_mediator_list(wg_db *db, const wg_mediation_env *env, const wg_mediator_filter *f, wg_mediator_fn fn,
                     void *ctx, int64_t *total, wg_field_errors *fe);

/* ---- posts of a region ---------------------------------------------------- */

typedef struct wg_region_post {
	const char *post;
	int64_t user_id;
	const char *username;
	const char *name; /* the account's display name */
	bool active;      /* the account's */
	int64_t created_at;
} wg_region_post;

typedef int (*wg_region_post_fn)(void *ctx, const wg_region_post *p);

/* The posts of region (a region visible to the caller), by post in the
 * order of wg_region_posts, then by user id. Returns 0, WG_ENOTFOUND (no
 * such region, or not visible), fn's value or a store error. */
int wg_region_posts_get(wg_db *db, const wg_mediation_env *env, const char *region, wg_region_post_fn fn,
                        void *ctx);

typedef struct wg_region_post_input {
	const char *post;
	int64_t user_id;
} wg_region_post_input;

/* Make the posts of region (in the caller's area) exactly the n given
 * (audited "region.posts" with the list). Which post fits which level:
 * party_secretary a village or town; committee_member and
 * womens_federation a village; dept_head a town; county_leader a county.
 * Field errors: posts (too_long: more than WG_REGION_POSTS_MAX),
 * posts[i].post (required, unknown, level), posts[i].user (required,
 * not_found, inactive, out_of_reach: the account's area does not include
 * the region), posts[i] (duplicate). Returns 0, WG_ENOTFOUND (no such
 * region in the area), WG_EVALIDATION or a store error. */
int wg_region_posts_set(wg_db *db, const wg_mediation_env *env, const char *region,
                        const wg_region_post_input *posts, size_t n, wg_field_errors *fe);

/* ---- what the dispute flow calls -------------------------------------------- */

/* Whether a dispute placed in case_region may be assigned to body and lead
 * mediator: body exists, is active and serves a region that contains
 * case_region (its region is a prefix-ancestor of case_region, or equal);
 * mediator exists, is active, lead, of that body. Field errors go on "body"
 * and "mediator" (codes not_found, inactive, out_of_reach, not_lead,
 * not_member). On success *mediator_user is the mediator's account (0 when
 * none) and name (may be NULL) gets the mediator's name, copied into
 * name[namelen]. No scope applies: the caller has checked its own. Returns
 * 0 (check fe->n), or a store error. */
int wg_mediation_check_assignment(wg_db *db, int64_t body, int64_t mediator, const char *case_region,
                                  int64_t *mediator_user, char *name, size_t namelen, wg_field_errors *fe);

/* Each holder of post in region (exact region code), by user id order:
 * fn(ctx, user_id, display name). Accounts that are not active hold no
 * post here. The holders are read first and the statement finished before
 * fn runs, so fn may use db. Returns 0, fn's value, WG_ENOMEM or a store
 * error. */
typedef int (*wg_post_holder_fn)(void *ctx, int64_t user_id, const char *name);
int wg_region_post_holders(wg_db *db, const char *region, const char *post, wg_post_holder_fn fn, void *ctx);

/* The active mediation body of kind, trade (NULL for any) serving region
 * exactly. 0 found, WG_ENOTFOUND, or a store error. */
int wg_mediation_body_of(wg_db *db, const char *region, const char *kind, const char *trade, int64_t *id);

#endif
