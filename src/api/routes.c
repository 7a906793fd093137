#include "api/api.h"

#include "domain/role.h"

/* Who may call what is decided here and nowhere else: the auth step reads
 * the last column before any handler runs. */
enum {
	ADMINS_OF_ACCOUNTS = WG_ROLE_SYSADMIN | WG_ROLE_SECADMIN,
	PUBLIC = WG_ROUTE_PUBLIC,
	BODY = WG_ROUTE_JSON_BODY,
	ANY_STATE = WG_ROUTE_ANY_STATE,
};

const wg_route wg_api_routes[] = {
	{WG_GET, "/healthz", wg_api_healthz, PUBLIC, 0},
	{WG_GET, "/metrics", wg_api_metrics, PUBLIC, 0},

	{WG_POST, "/api/v1/session", wg_api_session_create, PUBLIC | BODY, 0},
	{WG_DELETE, "/api/v1/session", wg_api_session_delete, ANY_STATE, 0},
	{WG_GET, "/api/v1/me", wg_api_me, ANY_STATE, 0},
	{WG_PUT, "/api/v1/me/password", wg_api_me_password, ANY_STATE | BODY, 0},
	{WG_POST, "/api/v1/me/totp", wg_api_me_totp_begin, ANY_STATE, 0},
	{WG_POST, "/api/v1/me/totp/confirm", wg_api_me_totp_confirm, ANY_STATE | BODY, 0},

	{WG_GET, "/api/v1/users", wg_api_users_list, 0, ADMINS_OF_ACCOUNTS},
	{WG_POST, "/api/v1/users", wg_api_users_create, BODY, WG_ROLE_SYSADMIN},
	{WG_GET, "/api/v1/users/{id}", wg_api_users_get, 0, ADMINS_OF_ACCOUNTS},
	{WG_PATCH, "/api/v1/users/{id}", wg_api_users_update, BODY, WG_ROLE_SYSADMIN},
	{WG_PUT, "/api/v1/users/{id}/roles", wg_api_users_roles, BODY, WG_ROLE_SECADMIN},
	{WG_POST, "/api/v1/users/{id}/password", wg_api_users_password_reset, 0, WG_ROLE_SYSADMIN},
	{WG_POST, "/api/v1/users/{id}/totp/reset", wg_api_users_totp_reset, 0, WG_ROLE_SECADMIN},

	{WG_GET, "/api/v1/settings", wg_api_settings_list, 0, ADMINS_OF_ACCOUNTS},
	{WG_PUT, "/api/v1/settings/{name}", wg_api_settings_change, BODY, ADMINS_OF_ACCOUNTS},

	{WG_GET, "/api/v1/audit", wg_api_audit_list, 0, WG_ROLE_AUDITOR},
	{WG_GET, "/api/v1/audit/verify", wg_api_audit_verify, 0, WG_ROLE_AUDITOR},

	{WG_GET, "/api/v1/regions", wg_api_regions_list, 0, 0},
	{WG_POST, "/api/v1/regions", wg_api_regions_create, BODY, WG_ROLE_SYSADMIN},
	{WG_GET, "/api/v1/regions/{code}", wg_api_regions_get, 0, 0},
};

const size_t wg_api_route_count = sizeof wg_api_routes / sizeof wg_api_routes[0];
