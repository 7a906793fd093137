/* organisation.h - organisations (组织): enterprises, individual
 * businesses, social organisations, public bodies, schools and hospitals
 * in a grid, with their unified social credit code (GB 32100), which names
 * one organisation only. Placed and scoped like all base data
 * (basedata.h). Strings of a wg_organisation passed to a callback are valid
 * during the call only. */
#ifndef WG_DOMAIN_ORGANISATION_H
#define WG_DOMAIN_ORGANISATION_H

#include "domain/basedata.h"

#define WG_ORGANISATION_NAME_MAX 100
#define WG_ORGANISATION_PERSON_MAX 64
#define WG_ORGANISATION_ADDRESS_MAX 200
#define WG_ORGANISATION_EMPLOYEES_MAX 10000000

/* NULL (or !set_*) is "not given"; set_* with NULL clears on update. */
typedef struct wg_organisation_input {
	const char *name;
	const char *credit_code; /* as typed */
	bool set_credit_code;
	const char *type; /* wg_organisation_types */
	const char *legal_person;
	bool set_legal_person;
	int64_t employees; /* -1: none */
	bool set_employees;
	const char *address;
	bool set_address;
	wg_basedata_where where;
} wg_organisation_input;

typedef struct wg_organisation {
	int64_t id;
	const char *name;
	const char *credit_code; /* NULL when none */
	const char *type;
	const char *legal_person;
	int64_t employees; /* -1 when unknown */
	const char *address;
	bool has_location;
	double lat, lng;
	const char *grid;
	const char *region;
	const char *grid_name, *region_name; /* NULL when unknown */
	int64_t created_at, updated_at, version;
} wg_organisation;

typedef int (*wg_organisation_fn)(void *ctx, const wg_organisation *o);

/* Check and insert (audited "organisation.create"). Returns 0 with *id,
 * WG_EVALIDATION, WG_ECONFLICT for a credit code already registered (fe:
 * "credit_code", "conflict"), or a store error. */
int wg_organisation_create(wg_db *db, const wg_basedata_env *env, const wg_organisation_input *in,
                           int64_t *id, wg_field_errors *fe);

/* Change the fields given (audited "organisation.update"); expect_version
 * as resident.h. Returns 0, WG_ENOTFOUND, WG_EVALIDATION, WG_ECONFLICT or a
 * store error. */
int wg_organisation_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_organisation_input *in,
                           int64_t expect_version, wg_field_errors *fe);

/* Organisation id in the caller's scope: 0, WG_ENOTFOUND, the callback's
 * value or a store error. */
int wg_organisation_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_organisation_fn fn, void *ctx);

/* q matches a substring of the name; credit_code exactly (normalised
 * first; an invalid code is a field error); area as wg_resident_filter. */
typedef struct wg_organisation_filter {
	const char *area;
	const char *area_field;
	const char *q;
	const char *type;
	const char *credit_code;
	int64_t after_id;
	int64_t limit;
} wg_organisation_filter;

int wg_organisation_list(wg_db *db, const wg_basedata_env *env, const wg_organisation_filter *f,
                         wg_organisation_fn fn, void *ctx, int64_t *total, wg_field_errors *fe);

#endif
