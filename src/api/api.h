/* api.h - the HTTP resources: one file per resource, named as in API.md.
 *
 * Each handler parses and validates its input, runs domain functions
 * through wg_req_read / wg_req_write and writes the JSON answer. The one
 * dispatch table of every route is wg_api_routes (routes.c). */
#ifndef WG_API_API_H
#define WG_API_API_H

#include "http/router.h"

#include <stddef.h>
#include <stdint.h>

extern const wg_route wg_api_routes[];
extern const size_t wg_api_route_count;

/* Shared by the resource files. */
struct wg_user;
/* A timestamp (UTC ms) as RFC 3339 in the configured offset; 0 as null. */
void wg__api_kv_time(wg_req *req, const char *key, int64_t ms);
/* An account as API.md shows it (users.c). */
void wg__api_write_user(wg_req *req, const struct wg_user *u);
/* The system caller, for reads that are not the requester's own business
 * (loading the account that just signed in). */
extern const struct wg_caller wg__api_system;

/* health.c */
void wg_api_healthz(wg_req *req);
void wg_api_metrics(wg_req *req);

/* regions.c */
void wg_api_regions_list(wg_req *req);
void wg_api_regions_get(wg_req *req);
void wg_api_regions_create(wg_req *req);

/* session.c */
void wg_api_session_create(wg_req *req);
void wg_api_session_delete(wg_req *req);
void wg_api_me(wg_req *req);
void wg_api_me_password(wg_req *req);
void wg_api_me_totp_begin(wg_req *req);
void wg_api_me_totp_confirm(wg_req *req);

/* users.c */
void wg_api_users_list(wg_req *req);
void wg_api_users_create(wg_req *req);
void wg_api_users_get(wg_req *req);
void wg_api_users_update(wg_req *req);
void wg_api_users_roles(wg_req *req);
void wg_api_users_password_reset(wg_req *req);
void wg_api_users_totp_reset(wg_req *req);

/* settings.c */
void wg_api_settings_list(wg_req *req);
void wg_api_settings_change(wg_req *req);

/* audit.c */
void wg_api_audit_list(wg_req *req);
void wg_api_audit_verify(wg_req *req);

#endif
