/* key_place.h - key places (重点场所): schools, markets, internet cafés,
 * filling stations, construction sites, places of worship, clusters of
 * rented housing..., each of a type from wg_place_types, possibly run by
 * an organisation, and patrolled (巡查) every visit_days by a responsible
 * worker when a schedule is set. Served as /api/v1/places; the module is
 * named key_place because grid.h's wg_place is a record's location.
 * Placed and scoped like all base data (basedata.h). Strings of a
 * wg_key_place passed to a callback are valid during the call only. */
#ifndef WG_DOMAIN_KEY_PLACE_H
#define WG_DOMAIN_KEY_PLACE_H

#include "domain/basedata.h"

#define WG_KEY_PLACE_NAME_MAX 100
#define WG_KEY_PLACE_ADDRESS_MAX 200

/* NULL / !set_* is "not given". organisation and worker: 0 none (clears),
 * WG_BASEDATA_UNSET not given; visit_days 0 clears the schedule. A new
 * schedule recorded by a grid worker without a worker makes them the
 * worker. */
typedef struct wg_key_place_input {
	const char *name;
	const char *type; /* wg_place_types */
	const char *address;
	bool set_address;
	int64_t organisation;
	int64_t visit_days;
	bool set_visit_days;
	int64_t worker;
	wg_basedata_where where;
} wg_key_place_input;

typedef struct wg_key_place {
	int64_t id;
	const char *name;
	const char *type;
	const char *address;
	int64_t organisation; /* 0 when none */
	int64_t visit_days;   /* 0 when not patrolled on a schedule */
	int64_t worker;       /* 0 when none */
	bool has_location;
	double lat, lng;
	const char *grid;
	const char *region;
	const char *grid_name, *region_name; /* NULL when unknown */
	int64_t created_at, updated_at, version;
} wg_key_place;

typedef int (*wg_key_place_fn)(void *ctx, const wg_key_place *p);

/* Check and insert (audited "place.create"). Returns 0 with *id,
 * WG_EVALIDATION or a store error. */
int wg_key_place_create(wg_db *db, const wg_basedata_env *env, const wg_key_place_input *in, int64_t *id,
                        wg_field_errors *fe);

/* Change the fields given (audited "place.update"); expect_version as
 * resident.h. Moving a place drops a worker whose area no longer includes
 * it. Returns 0, WG_ENOTFOUND, WG_EVALIDATION, WG_ECONFLICT or a store
 * error. */
int wg_key_place_update(wg_db *db, const wg_basedata_env *env, int64_t id, const wg_key_place_input *in,
                        int64_t expect_version, wg_field_errors *fe);

/* Place id in the caller's scope: 0, WG_ENOTFOUND, the callback's value or
 * a store error. */
int wg_key_place_get(wg_db *db, const wg_basedata_env *env, int64_t id, wg_key_place_fn fn, void *ctx);

/* q matches a substring of the name; organisation 0: any. */
typedef struct wg_key_place_filter {
	const char *area;
	const char *area_field;
	const char *q;
	const char *type;
	int64_t organisation;
	int64_t after_id;
	int64_t limit;
} wg_key_place_filter;

int wg_key_place_list(wg_db *db, const wg_basedata_env *env, const wg_key_place_filter *f, wg_key_place_fn fn,
                      void *ctx, int64_t *total, wg_field_errors *fe);

#endif
