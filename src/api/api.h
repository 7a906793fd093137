/* api.h - the HTTP resources: one file per resource, named as in API.md.
 *
 * Each handler parses and validates its input, runs domain functions
 * through wg_req_read / wg_req_write and writes the JSON answer. The one
 * dispatch table of every route is wg_api_routes (routes.c). */
#ifndef WG_API_API_H
#define WG_API_API_H

#include "http/router.h"

#include <stdbool.h>
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
/* Count a request from the client's address against limit; false after
 * replying 429 with Retry-After and detail. */
struct wg_ratelimit;
bool wg__api_rate_or_reply(wg_req *req, struct wg_ratelimit *limit, const char *detail);

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
void wg_api_users_pick(wg_req *req);

/* settings.c */
void wg_api_settings_list(wg_req *req);
void wg_api_settings_change(wg_req *req);

/* attachments.c */
void wg_api_attachments_upload(wg_req *req);
void wg_api_attachments_get(wg_req *req);

/* residents.c, houses.c, organisations.c, places.c, visits.c: base data */
void wg_api_residents_list(wg_req *req);
void wg_api_residents_create(wg_req *req);
void wg_api_residents_get(wg_req *req);
void wg_api_residents_update(wg_req *req);
void wg_api_special_groups(wg_req *req);
void wg_api_houses_list(wg_req *req);
void wg_api_houses_create(wg_req *req);
void wg_api_houses_get(wg_req *req);
void wg_api_houses_update(wg_req *req);
void wg_api_organisations_list(wg_req *req);
void wg_api_organisations_create(wg_req *req);
void wg_api_organisations_get(wg_req *req);
void wg_api_organisations_update(wg_req *req);
void wg_api_places_list(wg_req *req);
void wg_api_places_create(wg_req *req);
void wg_api_places_get(wg_req *req);
void wg_api_places_update(wg_req *req);
void wg_api_place_types(wg_req *req);
void wg_api_visits_list(wg_req *req);
void wg_api_visits_create(wg_req *req);
void wg_api_visits_due(wg_req *req);
void wg_api_visits_get(wg_req *req);

/* grids.c: grids, micro-grids and their staff */
void wg_api_grids_list(wg_req *req);
void wg_api_grids_create(wg_req *req);
void wg_api_grids_import(wg_req *req);
void wg_api_grids_locate(wg_req *req);
void wg_api_grids_geojson(wg_req *req);
void wg_api_grids_get(wg_req *req);
void wg_api_grids_update(wg_req *req);
void wg_api_staff_list(wg_req *req);
void wg_api_staff_create(wg_req *req);
void wg_api_staff_get(wg_req *req);
void wg_api_staff_delete(wg_req *req);

/* departments.c: departments with their duty lists, and the categories */
void wg_api_departments_list(wg_req *req);
void wg_api_departments_create(wg_req *req);
void wg_api_departments_get(wg_req *req);
void wg_api_categories_list(wg_req *req);
void wg_api_departments_duties(wg_req *req);
/* categories.c: the category tree and a minor category's deadline */
void wg_api_categories_get(wg_req *req);
void wg_api_categories_update(wg_req *req);

/* GET /api/v1/openapi.json: the route table as OpenAPI 3.1 (openapi.c). */
void wg_api_openapi(wg_req *req);

/* GET /api/v1/flows/{kind}: states and action forms of a flow (flows.c). */
void wg_api_flows_get(wg_req *req);

/* GET /api/v1/calendar: the holiday calendar, one item per day (calendar.c). */
void wg_api_calendar_list(wg_req *req);
void wg_api_calendar_year_get(wg_req *req);
void wg_api_calendar_year_put(wg_req *req);

/* cases.c: the case engine, and the citizen portal */
struct wg_case_env;
/* The engine's environment for the signed-in caller, now. */
void wg__api_case_env(wg_req *req, struct wg_case_env *env);
/* The body of POST /cases (staff; portal: POST /public/reports, fewer
 * members) into *r, borrowing from req->body; field errors into
 * req->errors. Also the fuzz driver of the report's validation. */
struct wg_case_report;
void wg__api_case_read_report(wg_req *req, struct wg_case_report *r, bool portal);
/* After a write to cases: the scheduler may have an earlier deadline to
 * watch, and the statistics pending rows to fold. */
void wg__api_cases_written(void);
void wg_api_cases_create(wg_req *req);
void wg_api_cases_list(wg_req *req);
void wg_api_cases_get(wg_req *req);
void wg_api_cases_timeline(wg_req *req);
void wg_api_cases_act(wg_req *req);
void wg_api_cases_similar(wg_req *req);
void wg_api_cases_candidates(wg_req *req);
void wg_api_cases_attach(wg_req *req);
void wg_api_public_reports_create(wg_req *req);
void wg_api_public_reports_get(wg_req *req);
/* open311.c: Open311 GeoReport v2 over the portal's reports (open311.h) */
void wg_api_open311_get(wg_req *req);
void wg_api_open311_post(wg_req *req);
void wg_api_open311_service(wg_req *req);
void wg_api_open311_request(wg_req *req);
void wg_api_open311_token(wg_req *req);
void wg_api_public_reports_rate(wg_req *req);

/* events.c: the live notifications (server-sent events) */
void wg_api_events_stream(wg_req *req);

/* testing.c: the test clock (setting testing.clock) */
void wg_api_testing_clock(wg_req *req);

/* stats.c: counts, trends and rates within the caller's scope */
void wg_api_stats_overview(wg_req *req);
void wg_api_stats_trend(wg_req *req);
void wg_api_stats_rates(wg_req *req);
void wg_api_stats_places(wg_req *req);
void wg_api_stats_disputes(wg_req *req);

/* warnings.c: overdue and soon-due cases, spikes, missed visits in scope */
void wg_api_warnings(wg_req *req);

/* reports.c: the periodic reports as .xlsx and .pdf, audited */
void wg_api_reports_get(wg_req *req);

/* evaluation.c: the evaluation (考核) of a period, publishing it, the snapshots */
void wg_api_evaluation_get(wg_req *req);
void wg_api_evaluation_publish(wg_req *req);
void wg_api_evaluation_periods(wg_req *req);

/* audit.c */
void wg_api_audit_list(wg_req *req);
void wg_api_audit_verify(wg_req *req);

/* mediation.c: mediation bodies, their mediators, the pool of lead
 * mediators, and the posts of a region (包抓) */
void wg_api_mediation_bodies_list(wg_req *req);
void wg_api_mediation_bodies_create(wg_req *req);
void wg_api_mediation_bodies_get(wg_req *req);
void wg_api_mediation_bodies_update(wg_req *req);
void wg_api_body_mediators_list(wg_req *req);
void wg_api_mediators_create(wg_req *req);
void wg_api_mediators_list(wg_req *req);
void wg_api_mediators_get(wg_req *req);
void wg_api_mediators_update(wg_req *req);
void wg_api_region_posts_get(wg_req *req);
void wg_api_region_posts_set(wg_req *req);

#endif
