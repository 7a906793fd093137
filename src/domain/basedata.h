/* basedata.h - the base data of grid work (人、地、事、物、组织): what
 * residents (resident.h), houses (house.h), organisations
 * (organisation.h), key places (key_place.h) and visits (visit.h) share.
 *
 * Every record carries its grid and region codes and a scope_key (its grid
 * code, else its region code), set by src/domain/grid.h from what the
 * client gave: a grid code, a point, or a region. Every read takes the
 * caller's scope (src/domain/scope.h), so a record outside it does not
 * exist for the caller, and every write appends its audit row
 * (src/domain/audit.h) in the same transaction; the rows name the fields
 * changed, never their values, and never a personal number.
 *
 * The fixed vocabularies (special groups, place types, house uses,
 * organisation types, residence types, relations to a house) are tables
 * here: the database keeps their keys, clients show their labels.
 *
 * Validation records every problem in a wg_field_errors (field, code,
 * English message) and reports WG_EVALIDATION, so that the API and the
 * importer apply the same rules and report all of a record's problems at
 * once. Codes: required, too_long, pattern, unknown, not_found, conflict,
 * duplicate, range, future, too_old, plus those of core/ident.h.
 *
 * Every function returns 0 or a negative WG_E code: WG_ENOMEM when memory
 * runs out, WG_ESTORE (or WG_ECONFLICT for a constraint) when the database
 * fails. A write that fails may have written part of its rows: its caller
 * rolls back (the store's savepoint does so for the API). Nothing returned
 * is the caller's to free: scratch memory comes from env->arena, and what a
 * callback is given is valid during the call only. */
#ifndef WG_DOMAIN_BASEDATA_H
#define WG_DOMAIN_BASEDATA_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/role.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_secret_key;

/* Who may read base data, who may write it, and who may see personal
 * numbers in full (?unmask=): the route table and the handlers use these,
 * nothing else decides. Leaders read, but only masked. */
#define WG_ROLES_BASEDATA_READ \
	(WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD | WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER)
#define WG_ROLES_BASEDATA_WRITE (WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD | WG_ROLE_CENTRE_OPERATOR)
#define WG_ROLES_UNMASK (WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD | WG_ROLE_CENTRE_OPERATOR)
/* Who may be the responsible worker of a special group or a key place. */
#define WG_ROLES_VISITOR (WG_ROLE_GRID_WORKER | WG_ROLE_GRID_HEAD)

/* Who acts, and with what. The caller's scope bounds every record read,
 * referred to or written. arena is scratch memory for the call (copies of
 * loaded values, sealed numbers), cleared by the caller afterwards. */
typedef struct wg_basedata_env {
	const wg_caller *caller;
	const struct wg_secret_key *key; /* seals personal numbers, keys the blind index */
	const char *audit_alg;           /* security.audit_hash */
	int offset_minutes;              /* time.offset_minutes: what "today" is for birth dates */
	wg_arena *arena;
} wg_basedata_env;

/* Where a record is, as the client said it: a grid code, a point (WGS-84)
 * or a region code; any may be absent. given is true when any of the
 * three was given (on an update: the record moves). */
typedef struct wg_basedata_where {
	bool given;
	const char *grid;
	const char *region;
	bool has_location;
	double lat, lng;
} wg_basedata_where;

/* The names of a record's grid and region, two columns to append to a
 * record's own (t: the table's alias): lists show places by name. */
#define WG_BASEDATA_NAMES_SQL(t)                                             \
	", (SELECT g.name FROM grids g WHERE g.code = " t ".grid), (SELECT " \
	"n.name FROM regions n WHERE n.code = " t ".region)"

/* "Not given" for optional ids of an update, where 0 means "none". */
#define WG_BASEDATA_UNSET (-1)

/* ---- vocabularies ------------------------------------------------------- */

typedef struct wg_term {
	const char *key;      /* API and database value */
	const char *label;    /* Chinese name, as forms and registers write it */
	const char *label_en; /* English name */
	const char *alias;    /* a shorter Chinese name accepted on import, or NULL */
	int visit_days;       /* special groups and place types: default visit interval; else 0 */
} wg_term;

typedef struct wg_terms {
	const char *what; /* "special group", ... for messages */
	const wg_term *t;
	size_t n;
} wg_terms;

/* Special groups (特殊人群 / 重点人员) that grid staff visit on a schedule:
 * X(NAME, "key", "中文", "English", "alias" or NULL, default visit days).
 * The intervals are the usual ones of county grid rules: weekly for people
 * under correction, in drug rehabilitation or petitioning, fortnightly for
 * severe mental disorders and the elderly living alone, monthly for the
 * rest of the assistance cases, quarterly for veterans. */
#define WG_SPECIAL_GROUP_MAP(X)                                                                              \
	X(COMMUNITY_CORRECTION, "community_correction", "社区矫正对象", "Person under community correction", \
	  "社区矫正人员", 7)                                                                                 \
	X(RELEASED, "released", "刑满释放人员", "Person released from prison", "安置帮教对象", 30)           \
	X(DRUG_REHAB, "drug_rehab", "社区戒毒社区康复人员", "Person in community drug rehabilitation",       \
	  "社区戒毒康复人员", 7)                                                                             \
	X(MENTAL_DISORDER, "mental_disorder", "严重精神障碍患者", "Person with a severe mental disorder",    \
	  "精神障碍患者", 14)                                                                                \
	X(KEY_PETITIONER, "key_petitioner", "重点信访人员", "Key petitioner", "信访人员", 7)                 \
	X(KEY_YOUTH, "key_youth", "重点青少年", "Youth at risk", NULL, 30)                                   \
	X(LEFT_BEHIND_CHILD, "left_behind_child", "留守儿童", "Left-behind child", NULL, 30)                 \
	X(EMPTY_NEST_ELDERLY, "empty_nest_elderly", "空巢独居老人", "Elderly person living alone",           \
	  "独居老人", 14)                                                                                    \
	X(DISABLED, "disabled", "残疾人", "Person with a disability", NULL, 30)                              \
	X(LOW_INCOME, "low_income", "低保户", "Household on minimum living allowance", "低保对象", 30)       \
	X(VETERAN, "veteran", "退役军人", "Veteran", NULL, 90)

enum wg_special_group {
#define WG__SPECIAL_GROUP_ENUM(name, key, zh, en, alias, days) WG_SPECIAL_GROUP_##name,
	WG_SPECIAL_GROUP_MAP(WG__SPECIAL_GROUP_ENUM)
#undef WG__SPECIAL_GROUP_ENUM
		WG_SPECIAL_GROUP_COUNT
};

/* Key places (重点场所): X(NAME, "key", "中文", "English", alias). */
#define WG_PLACE_TYPE_MAP(X)                                                                               \
	X(SCHOOL, "school", "学校", "School", "幼儿园")                                                    \
	X(HOSPITAL, "hospital", "医疗机构", "Hospital or clinic", "医院")                                  \
	X(MARKET, "market", "集贸市场", "Market", "市场")                                                  \
	X(HOTEL, "hotel", "旅馆", "Hotel or guest house", "宾馆")                                          \
	X(INTERNET_CAFE, "internet_cafe", "网吧", "Internet café", "上网服务场所")                         \
	X(ENTERTAINMENT, "entertainment", "娱乐场所", "Entertainment venue", "歌舞娱乐场所")               \
	X(GAS_STATION, "gas_station", "加油站", "Filling station", "加油加气站")                           \
	X(CONSTRUCTION_SITE, "construction_site", "建筑工地", "Construction site", "工地")                 \
	X(HAZARDOUS_CHEMICALS, "hazardous_chemicals", "危险化学品场所", "Hazardous chemicals site",        \
	  "危化品场所")                                                                                    \
	X(RELIGIOUS, "religious", "宗教活动场所", "Place of worship", "宗教场所")                          \
	X(RENTAL_CLUSTER, "rental_cluster", "出租房屋集中区", "Cluster of rented housing", "出租屋集中区") \
	X(OTHER, "other", "其他重点场所", "Other key place", "其他")

extern const wg_terms wg_special_groups;
extern const wg_terms wg_place_types;
/* The enumerations of migrations/.../0006_basedata.sql, with labels. */
extern const wg_terms wg_house_uses; /* residential, commercial, mixed, industrial, public, other */
extern const wg_terms
	wg_organisation_types; /* enterprise, individual, social, government, school, hospital, other */
extern const wg_terms wg_residence_types; /* registered (户籍), floating (流动), overseas (境外) */
extern const wg_terms wg_house_relations; /* owner, family, tenant */

/* The term whose key is s exactly, or NULL. */
const wg_term *wg_terms_key(const wg_terms *v, const char *s);

/* The term named s by its key, Chinese label or alias (for imports, where
 * registers write the Chinese), or NULL. */
const wg_term *wg_terms_find(const wg_terms *v, const char *s);

/* ---- personal numbers ---------------------------------------------------- */

/* Open a sealed personal number (core/secret.h) into out (cap bytes,
 * NUL-terminated). Returns 0, WG_EBADREQ for a seal that does not open
 * under this key (WG_ETOOLARGE when out is too small); out is "" then.
 * Nothing is allocated beyond libsodium's own work. */
int wg_basedata_reveal(const struct wg_secret_key *k, const char *sealed, char *out, size_t cap);

/* ---- for the base-data files only --------------------------------------- */

/* Check a free-text field: valid UTF-8 without control characters, at most
 * max_chars code points, present when required (NULL or "" is absent).
 * Records the error; returns false when there was one. */
bool wg__basedata_text(wg_field_errors *fe, const char *field, const char *s, size_t max_chars,
                       bool required);

/* A key of v, or the error "unknown" naming the keys. NULL when s is NULL. */
const wg_term *wg__basedata_term(wg_field_errors *fe, const char *field, const wg_terms *v, const char *s);

/* Grid, region and scope_key for w in the caller's scope (grid.h), with
 * errors on "grid", "location" or "region". out gets 19-, 13- and 19-byte
 * codes. Returns 0, WG_EVALIDATION or WG_ESTORE. */
struct wg_place;
int wg__basedata_place(wg_db *db, const wg_basedata_env *env, const wg_basedata_where *w,
                       struct wg_place *out, wg_field_errors *fe);

/* Check that account id may be the responsible worker of a record at
 * scope_key: an active grid worker or grid head of the caller's area whose
 * own area includes the record. Errors on field: not_found (also for an
 * account outside the caller's area), role, area. Returns 0,
 * WG_EVALIDATION or a store error. */
int wg__basedata_check_worker(wg_db *db, const wg_basedata_env *env, int64_t id, const char *scope_key,
                              const char *field, wg_field_errors *fe);

/* The record of table (a literal: "houses", "organisations") with this id
 * in the caller's scope: 0, or the error "not_found" on field and
 * WG_EVALIDATION. scope_key (WG_SCOPE_KEY_MAX + 1 bytes, may be NULL) gets
 * its scope_key. */
int wg__basedata_ref(wg_db *db, const wg_basedata_env *env, const char *sql, int64_t id, const char *field,
                     char *scope_key, wg_field_errors *fe);

/* A personal number as stored: sealed (arena copy), blind index and mask. */
typedef struct wg__basedata_number {
	const char *sealed;
	char index[65];
	char masked[24];
} wg__basedata_number;

/* Seal and index norm (already normalised) under context ("idcard",
 * "phone"); masked as an ID number or a phone by context. Returns 0,
 * WG_ENOMEM or WG_EINTERNAL. */
int wg__basedata_seal(const wg_basedata_env *env, const char *context, const char *norm,
                      wg__basedata_number *out);

/* The blind index of a normalised number, for exact search. */
int wg__basedata_index(const struct wg_secret_key *k, const char *context, const char *norm, char index[65]);

/* Append the audit row of a write on object type/id with detail (a JSON
 * object or NULL), as the env's caller. */
int wg__basedata_audit(wg_db *db, const wg_basedata_env *env, const char *action, const char *type,
                       int64_t id, const char *detail);

/* The JSON object {"fields":[names...]} of the fields an update changed,
 * arena-allocated; NULL when memory runs out. */
const char *wg__basedata_fields_detail(wg_arena *a, const char *const *names, size_t n);

/* The JSON object {"reason":"..."} of an unmask, arena-allocated; NULL
 * when memory runs out. */
const char *wg__basedata_reason_detail(wg_arena *a, const char *reason);

/* scope narrowed to the area under code (a region or a grid code): false
 * when code is neither. The result may be empty (lo >= hi: no record). */
bool wg__basedata_narrow(const wg_scope *scope, const char *code, wg_scope *out);

/* "%q%" for LIKE ... ESCAPE '!' into buf (len bytes); q NULL gives "%". */
void wg__basedata_like(const char *q, char *buf, size_t len);

/* Bind lat and lng at idx, idx + 1 (NULL when !has); returns 0 or the
 * binding error. Read them back from columns col, col + 1. */
int wg__basedata_bind_location(wg_stmt *st, int idx, bool has, double lat, double lng);
bool wg__basedata_location(wg_stmt *st, int col, double *lat, double *lng);

/* Text of a column or NULL, copied into the arena ("" stays ""). false when
 * memory runs out. */
bool wg__basedata_copy(wg_arena *a, wg_stmt *st, int col, const char **out);

/* Whether s is YYYY-MM-DD, a real date from 1900-01-01 to today_ymd. */
bool wg__basedata_date_ok(const char *s, int today_ymd);

/* Step st (bound with rc) to its first row: 0 on it, none when no row,
 * else the error. */
int wg__basedata_first(wg_stmt *st, int rc, int none);

/* Finish an INSERT ... RETURNING id whose row values are bound up to idx
 * (or idx is the negative binding error): bind created_at and updated_at
 * (now) at idx and idx + 1, run it and read the new id into *id. The
 * statement is finalised. Returns 0, WG_ECONFLICT (a unique value taken)
 * or another store error. */
int wg__basedata_insert(wg_stmt *st, int idx, int64_t *id);

/* Finish an UPDATE ... SET ..., updated_at = ? ... WHERE id = ? AND
 * version = ? whose values are bound up to idx (or idx is the negative
 * binding error): bind now, id and version, run it, finalise it. *stale
 * tells that no row had that version (a lost update). Returns 0,
 * WG_ECONFLICT (a unique value taken) or another store error. */
int wg__basedata_update(wg_stmt *st, int idx, int64_t id, int64_t version, bool *stale);

#endif
