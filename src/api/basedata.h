/* basedata.h - what the base-data resources (residents.c, houses.c,
 * organisations.c, places.c, visits.c) share: the domain environment of a
 * request, path ids, where a record is (in and out), area filters and the
 * vocabularies. */
#ifndef WG_API_BASEDATA_H
#define WG_API_BASEDATA_H

#include "domain/basedata.h"
#include "http/request.h"

#include <stdbool.h>
#include <stdint.h>

/* The domain environment for req: its caller, the server's key, the audit
 * algorithm, the time offset and the request's arena. */
void wg__api_basedata_env(wg_req *req, wg_basedata_env *env);

/* {id} (the first path parameter) as a positive integer; anything else
 * names no record: replies 404 and returns false. */
bool wg__api_id_or_reply(wg_req *req, int64_t *id);

/* Whether the body has member field (null included). */
bool wg__api_body_has(wg_req *req, const char *field);

/* An optional id member: absent WG_BASEDATA_UNSET, null 0, else a
 * positive integer (a field error otherwise, and 0). */
int64_t wg__api_body_ref(wg_req *req, const char *field);

/* "grid", "region" and "location" {"lat","lng"} of the body into w (WGS-84
 * ranges checked; field errors recorded). */
void wg__api_body_where(wg_req *req, wg_basedata_where *w);

/* ?grid= or ?region= (not both) as an area filter: *area the code,
 * *field the parameter's name; field errors recorded. */
void wg__api_query_area(wg_req *req, const char **area, const char **field);

/* Write "location", "grid", "grid_name", "region" and "region_name" of a
 * record (a name NULL when the code names none). */
void wg__api_write_where(wg_req *req, bool has_location, double lat, double lng, const char *grid,
                         const char *grid_name, const char *region, const char *region_name);

/* Write key and a value of a vocabulary with its labels:
 * "type":"school","type_label":"学校". */
void wg__api_write_term(wg_req *req, const char *key, const wg_terms *v, const char *value);

/* An id that may be none (0): the number, or null. */
void wg__api_kv_ref(wg_req *req, const char *key, int64_t id);

/* Reply 201 or 200 after a write that rendered the record: the Location
 * of a new one is prefix + id. */
void wg__api_written(wg_req *req, int status, int http_status, const char *prefix, int64_t id);

/* The members of a resident (residents.c), for houses.c's residents too. */
struct wg_resident;
void wg__api_write_resident(wg_req *req, const struct wg_resident *r);

#endif
