#include "api/api.h"

const wg_route wg_api_routes[] = {
	{WG_GET, "/healthz", wg_api_healthz, 0},
	{WG_GET, "/metrics", wg_api_metrics, 0},
	{WG_GET, "/api/v1/regions", wg_api_regions_list, 0},
	{WG_POST, "/api/v1/regions", wg_api_regions_create, WG_ROUTE_JSON_BODY},
	{WG_GET, "/api/v1/regions/{code}", wg_api_regions_get, 0},
};

const size_t wg_api_route_count = sizeof wg_api_routes / sizeof wg_api_routes[0];
