/* api.h - the HTTP resources: one file per resource, named as in API.md.
 *
 * Each handler parses and validates its input, runs domain functions
 * through wg_req_read / wg_req_write and writes the JSON answer. The one
 * dispatch table of every route is wg_api_routes (routes.c). */
#ifndef WG_API_API_H
#define WG_API_API_H

#include "http/router.h"

#include <stddef.h>

extern const wg_route wg_api_routes[];
extern const size_t wg_api_route_count;

/* health.c */
void wg_api_healthz(wg_req *req);
void wg_api_metrics(wg_req *req);

/* regions.c */
void wg_api_regions_list(wg_req *req);
void wg_api_regions_get(wg_req *req);
void wg_api_regions_create(wg_req *req);

#endif
