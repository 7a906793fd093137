/* house.h - houses (房屋) and rented homes (出租屋): where residents live.
 *
 * A house has an address, a use, a rental flag and its owner's name; its
 * residents (resident.h) name it with their relation to it (owner, family,
 * tenant). Placed and scoped like all base data (basedata.h). Strings of a
 * wg_house passed to a callback are valid during the call only. */
#ifndef WG_DOMAIN_HOUSE_H
#define WG_DOMAIN_HOUSE_H

#include "domain/basedata.h"

#define WG_HOUSE_ADDRESS_MAX 200
#define WG_HOUSE_OWNER_MAX 64

/* NULL (or !set_*) is "not given"; set_owner_name with NULL clears it. */
typedef struct wg_house_input {
	const char *address;
	const char *use; /* wg_house_uses; default residential */
	bool set_rental;
	bool rental;
	const char *owner_name;
	bool set_owner_name;
	wg_basedata_where where;
} wg_house_input;

typedef struct wg_house {
	int64_t id;
	const char *address;
	const char *use;
	bool rental;
	const char *owner_name;
	bool has_location;
	double lat, lng;
	const char *grid; /* NULL when placed by region only */
	const char *region;
	const char *grid_name, *region_name; /* NULL when unknown */
	int64_t residents;                   /* residents in the caller's scope who name it */
	int64_t created_at, updated_at, version;
} wg_house;

typedef int (*wg_house_fn)(void *ctx, const wg_house *h);

/* Check and insert a house in the caller's scope (audited
 * "house.create"). Returns 0 with *id, WG_EVALIDATION or a store error. */
int wg_house_create(wg_db *db, const wg_basedata_env *env, const wg_house_input *in, int64_t *id,
                    wg_field_errors *fe);

/* Change the fields given (audited "house.update"); expect_version as
 * resident.h. Its residents stay where they are. Returns 0, WG_ENOTFOUND,
 * WG_EVALIDATION, WG_ECONFLICT or a store error. */
int wg_house_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_house_input *in,
                    int64_t expect_version, wg_field_errors *fe);

/* House id in the caller's scope: 0, WG_ENOTFOUND, the callback's value or
 * a store error. */
int wg_house_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_house_fn fn, void *ctx);

/* q matches a substring of the address; use filters by use, rental -1
 * any, 0 or 1; area as wg_resident_filter. */
typedef struct wg_house_filter {
	const char *area;
	const char *area_field;
	const char *q;
	const char *use;
	int rental;
	int64_t after_id;
	int64_t limit;
} wg_house_filter;

/* Houses in the caller's scope matching f, by id after f->after_id, at
 * most f->limit; *total (may be NULL) the count of all matches. Returns 0,
 * WG_EVALIDATION, the callback's value or a store error. */
int wg_house_list(wg_db *db, const wg_basedata_env *env, const wg_house_filter *f, wg_house_fn fn, void *ctx,
                  int64_t *total, wg_field_errors *fe);

/* Where house id (in the caller's scope) is, for a resident who lives
 * there: its place and point. Returns 0, WG_EVALIDATION ("not_found" on
 * field) or a store error. */
struct wg_place;
int wg_house_place_of(wg_db *db, const wg_basedata_env *env, int64_t id, const char *field,
                      struct wg_place *place, bool *has_location, double *lat, double *lng,
                      wg_field_errors *fe);

#endif
