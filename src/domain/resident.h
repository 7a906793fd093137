/* resident.h - residents (实有人口): who lives in a grid, with their ID
 * number, phone, household and house, and the special groups (特殊人群)
 * they belong to, each visited on a schedule by a responsible worker.
 *
 * ID numbers (GB 11643) and phones are stored sealed under the key file,
 * with a keyed blind index for exact search and a masked copy for display
 * (core/secret.h, core/ident.h): reading a resident never opens a seal
 * unless the caller asks to unmask (wg_resident_unmask), which is audited
 * with its reason. Sex and birth date follow from the ID number; when one
 * is given as well it must agree. An ID number belongs to one resident.
 *
 * Strings of a wg_resident passed to a callback are valid during the call
 * only. See basedata.h for scope, audit and field errors. */
#ifndef WG_DOMAIN_RESIDENT_H
#define WG_DOMAIN_RESIDENT_H

#include "domain/basedata.h"

#define WG_RESIDENT_NAME_MAX 64
#define WG_RESIDENT_ADDRESS_MAX 200
#define WG_RESIDENT_HOUSEHOLD_MAX 32
#define WG_RESIDENT_UNMASK_REASON_MIN 2
#define WG_RESIDENT_UNMASK_REASON_MAX 200

/* A special group a resident is in, as given: visit_days 0 takes the
 * group's default (or the interval it already had), worker
 * WG_BASEDATA_UNSET keeps the worker it had, else the caller when a grid
 * worker records it; 0 is no worker. */
typedef struct wg_resident_tag_input {
	const char *tag;
	int64_t visit_days;
	int64_t worker;
} wg_resident_tag_input;

/* Fields of a new or changed resident. NULL (or !set_*) is "not given";
 * set_* with NULL (0 for house) clears an optional field on update. */
typedef struct wg_resident_input {
	const char *name;
	const char *id_number; /* as typed */
	bool set_id_number;
	const char *sex;        /* "male" or "female" */
	const char *birth_date; /* YYYY-MM-DD */
	const char *phone;      /* as typed */
	bool set_phone;
	const char *residence_type; /* wg_residence_types; default registered */
	const char *household;
	bool set_household;
	const char *address;
	bool set_address;
	int64_t house; /* a house in the caller's scope; 0 none */
	bool set_house;
	const char *house_relation; /* wg_house_relations; required with a house */
	/* Where: without it a resident with a house is where the house is. */
	wg_basedata_where where;
	bool set_tags; /* tags given: they replace the resident's set */
	size_t ntags;
	wg_resident_tag_input tags[WG_SPECIAL_GROUP_COUNT];
} wg_resident_input;

typedef struct wg_resident_tag {
	const char *tag; /* static: the key from wg_special_groups */
	int64_t visit_days;
	int64_t worker; /* account id, 0 when none */
	int64_t since;  /* UTC ms the resident was put in the group */
} wg_resident_tag;

typedef struct wg_resident {
	int64_t id;
	const char *name;
	/* Masked ("610***********1234", "138****5678"), or in full after
	 * wg_resident_unmask; NULL when none. */
	const char *id_number;
	const char *phone;
	bool unmasked;
	const char *sex;
	const char *birth_date;
	const char *residence_type;
	const char *household;
	const char *address;
	int64_t house; /* 0 when none */
	const char *house_relation;
	bool has_location;
	double lat, lng;
	const char *grid; /* NULL when placed by region only */
	const char *region;
	const char *grid_name, *region_name; /* NULL when unknown */
	size_t ntags;
	wg_resident_tag tags[WG_SPECIAL_GROUP_COUNT];
	int64_t created_at, updated_at, version;
} wg_resident;

typedef int (*wg_resident_fn)(void *ctx, const wg_resident *r);

/* Check and insert a resident, with its tags, in the caller's scope:
 * placed by in->where (grid.h), else where its house is. Returns 0 with
 * *id set, WG_EVALIDATION (fe says what), WG_ECONFLICT for an ID number
 * already registered (fe: "id_number", code "conflict"), or a store error.
 * wg_resident_add writes no audit row: for imports, which audit the batch
 * once; wg_resident_create appends "resident.create". */
int wg_resident_add(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, int64_t *id,
                    wg_field_errors *fe);
int wg_resident_create(wg_db *db, const wg_basedata_env *env, const wg_resident_input *in, int64_t *id,
                       wg_field_errors *fe);

/* Change the fields given of resident id in the caller's scope (audited
 * "resident.update" with the names of the fields). expect_version (0:
 * don't check) guards against lost updates (WG_ECONFLICT, fe empty).
 * Moving a resident drops tag workers whose area no longer includes it.
 * Returns 0, WG_ENOTFOUND, WG_EVALIDATION, WG_ECONFLICT or a store error. */
int wg_resident_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_resident_input *in,
                       int64_t expect_version, wg_field_errors *fe);

/* Resident id in the caller's scope, masked. Returns 0, WG_ENOTFOUND, the
 * callback's non-zero value or a store error. */
int wg_resident_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_resident_fn fn, void *ctx);

/* Resident id in full, for a caller with a role of WG_ROLES_UNMASK
 * (else WG_EFORBIDDEN), after appending "resident.unmask" with the reason
 * (2..200 characters, else WG_EVALIDATION on "unmask") to the audit trail.
 * Run it in a write transaction: the row must commit before anyone sees
 * the numbers. Returns as wg_resident_get; WG_EBADREQ when a seal does not
 * open under the key. */
int wg_resident_unmask(wg_db *db, const wg_basedata_env *env, int64_t id, const char *reason,
                       wg_resident_fn fn, void *ctx, wg_field_errors *fe);

/* What a list selects. id_number and phone are typed numbers, matched
 * exactly through the blind index (an invalid one is a field error);
 * q matches a substring of the name. area narrows to a grid or region code
 * (field errors on "grid" / "region" as area_field says). */
typedef struct wg_resident_filter {
	const char *area;
	const char *area_field;
	const char *q;
	const char *tag;
	const char *id_number;
	const char *phone;
	int64_t house; /* 0: any */
	int tenant;    /* 0 any; 1 owners and family; 2 tenants */
	int64_t after_id;
	int64_t limit;
} wg_resident_filter;

/* Residents in the caller's scope matching f, by id after f->after_id, at
 * most f->limit, masked; *total (may be NULL) gets the count of all
 * matches. Returns 0, WG_EVALIDATION for a bad filter, the callback's
 * value or a store error. */
int wg_resident_list(wg_db *db, const wg_basedata_env *env, const wg_resident_filter *f, wg_resident_fn fn,
                     void *ctx, int64_t *total, wg_field_errors *fe);

#endif
