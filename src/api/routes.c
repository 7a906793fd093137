#include "api/api.h"

#include "domain/basedata.h"
#include "domain/role.h"

/* Who may call what is decided here and nowhere else: the auth step reads
 * the last column before any handler runs. */
enum {
	ADMINS_OF_ACCOUNTS = WG_ROLE_SYSADMIN | WG_ROLE_SECADMIN,
	PUBLIC = WG_ROUTE_PUBLIC,
	BODY = WG_ROUTE_JSON_BODY,
	ANY_STATE = WG_ROUTE_ANY_STATE,
	RAW_BODY = WG_ROUTE_RAW_BODY,
	/* Everyone signed in but the auditor, who reads the audit trail only. */
	NOT_AUDITOR = WG_ROLES_ALL & ~WG_ROLE_AUDITOR,
	CASE_WORK = WG_ROLES_ALL & ~WG_ROLES_ADMIN,
	/* Who publishes an evaluation; the handler also wants the county in their area. */
	EVALUATION_PUBLISH = WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER,
	/* The mediation registries: kept by centre operators and the sysadmin. */
	MEDIATION_READ = CASE_WORK | WG_ROLE_SYSADMIN,
	MEDIATION_WRITE = WG_ROLE_CENTRE_OPERATOR | WG_ROLE_SYSADMIN,
};

const wg_route wg_api_routes[] = {
	{WG_GET, "/healthz", wg_api_healthz, PUBLIC, 0, "Liveness and the store in use"},
	{WG_GET, "/metrics", wg_api_metrics, PUBLIC, 0, "Prometheus metrics"},

	{WG_POST, "/api/v1/session", wg_api_session_create, PUBLIC | BODY, 0,
         "Sign in: a session token and its CSRF token"},
	{WG_DELETE, "/api/v1/session", wg_api_session_delete, ANY_STATE, 0, "Sign out: the token is revoked"},
	{WG_GET, "/api/v1/me", wg_api_me, ANY_STATE, 0, "The signed-in account, its roles, area and session"},
	{WG_PUT, "/api/v1/me/password", wg_api_me_password, ANY_STATE | BODY, 0, "Change one's own password"},
	{WG_POST, "/api/v1/me/totp", wg_api_me_totp_begin, ANY_STATE, 0,
         "Begin enrolling a second factor (TOTP)"},
	{WG_POST, "/api/v1/me/totp/confirm", wg_api_me_totp_confirm, ANY_STATE | BODY, 0,
         "Confirm the second factor with a code"},

	{WG_GET, "/api/v1/users", wg_api_users_list, 0, ADMINS_OF_ACCOUNTS, "Accounts in the caller's area",
         "q role active limit cursor"},
	/* The account picker of the posts and mediators forms; before /users/{id}. */
	{WG_GET, "/api/v1/users/pick", wg_api_users_pick, 0, MEDIATION_WRITE,
         "Accounts to pick for a post or a mediator", "q role region reaches limit cursor"},
	{WG_POST, "/api/v1/users", wg_api_users_create, BODY, WG_ROLE_SYSADMIN, "Create an account"},
	{WG_GET, "/api/v1/users/{id}", wg_api_users_get, 0, ADMINS_OF_ACCOUNTS, "One account"},
	{WG_PATCH, "/api/v1/users/{id}", wg_api_users_update, BODY, WG_ROLE_SYSADMIN,
         "Change an account's name, phone, area, department or whether it is active"},
	{WG_PUT, "/api/v1/users/{id}/roles", wg_api_users_roles, BODY, WG_ROLE_SECADMIN,
         "Grant roles (no combined admin powers)"},
	{WG_POST, "/api/v1/users/{id}/password", wg_api_users_password_reset, 0, WG_ROLE_SYSADMIN,
         "Reset an account's password"},
	{WG_POST, "/api/v1/users/{id}/totp/reset", wg_api_users_totp_reset, 0, WG_ROLE_SECADMIN,
         "Reset an account's second factor"},

	{WG_GET, "/api/v1/settings", wg_api_settings_list, 0, ADMINS_OF_ACCOUNTS,
         "Settings with their values and limits"},
	{WG_PUT, "/api/v1/settings/{name}", wg_api_settings_change, BODY, ADMINS_OF_ACCOUNTS,
         "Change a live setting"},

	{WG_GET, "/api/v1/audit", wg_api_audit_list, 0, WG_ROLE_AUDITOR,
         "The audit trail, filtered by actor, action and time", "actor action from to limit cursor"},
	{WG_GET, "/api/v1/audit/verify", wg_api_audit_verify, 0, WG_ROLE_AUDITOR,
         "Check the audit trail's hash chain"},

	{WG_GET, "/api/v1/regions", wg_api_regions_list, 0, 0, "Children of a region, with counts",
         "parent limit cursor"},
	{WG_POST, "/api/v1/regions", wg_api_regions_create, BODY, WG_ROLE_SYSADMIN, "Add a region"},
	{WG_GET, "/api/v1/regions/{code}", wg_api_regions_get, 0, 0,
         "One region with its path from the province"},

	/* Grids and their staff: read by everyone but the auditor, drawn by
	 * centre operators. /grids/locate before /grids/{code}, which would
	 * take "locate" for a code. */
	{WG_GET, "/api/v1/grids", wg_api_grids_list, 0, NOT_AUDITOR, "Grids under a region",
         "region q limit cursor"},
	{WG_POST, "/api/v1/grids", wg_api_grids_create, BODY, WG_ROLE_CENTRE_OPERATOR, "Draw a grid"},
	{WG_GET, "/api/v1/grids.geojson", wg_api_grids_geojson, 0, NOT_AUDITOR,
         "Grid boundaries as GeoJSON for the map", "region"},
	{WG_GET, "/api/v1/grids/locate", wg_api_grids_locate, 0, NOT_AUDITOR,
         "The grid containing a point (WGS-84)", "lat lng"},
	{WG_POST, "/api/v1/grids/import", wg_api_grids_import, BODY, WG_ROLE_CENTRE_OPERATOR,
         "Import grids from GeoJSON"},
	{WG_GET, "/api/v1/grids/{code}", wg_api_grids_get, 0, NOT_AUDITOR,
         "One grid: boundary, staff and counts"},
	{WG_PATCH, "/api/v1/grids/{code}", wg_api_grids_update, BODY, WG_ROLE_CENTRE_OPERATOR,
         "Redraw or rename a grid"},
	{WG_GET, "/api/v1/staff", wg_api_staff_list, 0, NOT_AUDITOR, "Grid staff",
         "grid region role limit cursor"},
	{WG_POST, "/api/v1/staff", wg_api_staff_create, BODY, WG_ROLE_CENTRE_OPERATOR,
         "Assign an account to a grid"},
	{WG_GET, "/api/v1/staff/{id}", wg_api_staff_get, 0, NOT_AUDITOR, "One grid staff assignment"},
	{WG_DELETE, "/api/v1/staff/{id}", wg_api_staff_delete, 0, WG_ROLE_CENTRE_OPERATOR,
         "End a grid staff assignment"},

	/* Departments and categories: read by everyone but the auditor, added
	 * by the sysadmin. */
	{WG_GET, "/api/v1/departments", wg_api_departments_list, 0, NOT_AUDITOR,
         "Departments with their duty lists", "region level q limit cursor"},
	{WG_POST, "/api/v1/departments", wg_api_departments_create, BODY, WG_ROLE_SYSADMIN,
         "Add a department"},
	{WG_GET, "/api/v1/departments/{code}", wg_api_departments_get, 0, NOT_AUDITOR, "One department"},
	{WG_PUT, "/api/v1/departments/{code}/duties", wg_api_departments_duties, BODY, WG_ROLE_SYSADMIN,
         "Set a department's duty list"},
	{WG_GET, "/api/v1/categories", wg_api_categories_list, 0, NOT_AUDITOR,
         "The category tree with deadlines", "kind"},
	{WG_GET, "/api/v1/categories/{code}", wg_api_categories_get, 0, NOT_AUDITOR, "One category"},
	{WG_PATCH, "/api/v1/categories/{code}", wg_api_categories_update, BODY, WG_ROLE_SYSADMIN,
         "Change a minor category's deadline"},
	{WG_GET, "/api/v1/calendar", wg_api_calendar_list, 0, NOT_AUDITOR,
         "Working days and holidays, one item per day", "from to"},
	{WG_GET, "/api/v1/calendar/{year}", wg_api_calendar_year_get, 0, NOT_AUDITOR,
         "A year's holidays and swapped working days"},
	{WG_PUT, "/api/v1/calendar/{year}", wg_api_calendar_year_put, BODY, WG_ROLE_SYSADMIN,
         "Set a year's holidays and swapped working days"},
	{WG_GET, "/api/v1/flows/{kind}", wg_api_flows_get, PUBLIC, 0, "A flow's states and action forms"},
	/* This table as OpenAPI 3.1 (openapi.c). */
	{WG_GET, "/api/v1/openapi.json", wg_api_openapi, PUBLIC, 0, "This document"},
	/* What the citizen portal needs to report: the categories and the grid map. */
	{WG_GET, "/api/v1/public/categories", wg_api_categories_list, PUBLIC, 0,
         "The categories, for the citizen portal", "kind"},
	{WG_GET, "/api/v1/public/grids.geojson", wg_api_grids_geojson, PUBLIC, 0,
         "Grid boundaries, for the citizen portal's map", "region"},

	{WG_POST, "/api/v1/attachments", wg_api_attachments_upload, RAW_BODY, NOT_AUDITOR,
         "Upload a file (JPEG, PNG, PDF, MP4)"},
	{WG_GET, "/api/v1/attachments/{sha256}", wg_api_attachments_get, 0, NOT_AUDITOR,
         "A file, to those who may see a case holding it"},

	/* Cases: the people of the loop, not the three admin powers. */
	{WG_POST, "/api/v1/cases", wg_api_cases_create, BODY, CASE_WORK, "Report a case"},
	{WG_POST, "/api/v1/cases/candidates", wg_api_cases_candidates, BODY, CASE_WORK,
         "Possible duplicates of a report before saving it"},
	{WG_GET, "/api/v1/cases", wg_api_cases_list, 0, CASE_WORK,
         "Cases in scope, newest first, with filters",
         "kind state category department source risk tier in_charge mediator q overdue total from to region "
         "grid limit cursor"},
	{WG_GET, "/api/v1/cases/{id}", wg_api_cases_get, 0, CASE_WORK,
         "One case with the actions the caller may take"},
	{WG_GET, "/api/v1/cases/{id}/timeline", wg_api_cases_timeline, 0, CASE_WORK,
         "Every event of a case, oldest first"},
	{WG_GET, "/api/v1/cases/{id}/similar", wg_api_cases_similar, 0, CASE_WORK,
         "Duplicate candidates of a case with scores"},
	{WG_POST, "/api/v1/cases/{id}/actions/{action}", wg_api_cases_act, BODY, CASE_WORK,
         "Take an action of the case's flow (If-Match)"},
	{WG_POST, "/api/v1/cases/{id}/attachments", wg_api_cases_attach, RAW_BODY, CASE_WORK,
         "Attach a file to a case"},
	{WG_POST, "/api/v1/public/reports", wg_api_public_reports_create, PUBLIC | BODY, 0,
         "Citizen portal: report without an account"},
	{WG_GET, "/api/v1/public/reports/{code}", wg_api_public_reports_get, PUBLIC, 0,
         "Citizen portal: follow a report by tracking code"},
	{WG_POST, "/api/v1/public/reports/{code}/rating", wg_api_public_reports_rate, PUBLIC | BODY, 0,
         "Citizen portal: rate a closed report"},
	/* Open311 GeoReport v2 over the portal (open311.h): "{file}" is a
	 * resource with its format, "services.json", "requests.xml". */
	{WG_GET, "/open311/v2/{file}", wg_api_open311_get, PUBLIC, 0,
         "Open311: discovery, services or requests (.json or .xml)", "service_request_id"},
	{WG_POST, "/open311/v2/{file}", wg_api_open311_post, PUBLIC, 0,
         "Open311: post a service request (a form)"},
	{WG_GET, "/open311/v2/services/{file}", wg_api_open311_service, PUBLIC, 0,
         "Open311: a service definition"},
	{WG_GET, "/open311/v2/requests/{file}", wg_api_open311_request, PUBLIC, 0,
         "Open311: one service request"},
	{WG_GET, "/open311/v2/tokens/{file}", wg_api_open311_token, PUBLIC, 0,
         "Open311: the service request of a token"},
	/* The live notifications: for the same people as the cases. */
	{WG_GET, "/api/v1/events/stream", wg_api_events_stream, 0, WG_ROLES_ALL & ~WG_ROLES_ADMIN,
         "Live notifications (server-sent events)", "last_event_id"},

	/* Statistics: the people of the loop, within their scope. */
	{WG_GET, "/api/v1/stats/overview", wg_api_stats_overview, 0, CASE_WORK,
         "Counts by state, kind, category and source", "region from to"},
	{WG_GET, "/api/v1/stats/trend", wg_api_stats_trend, 0, CASE_WORK,
         "A series of counts by day, week or month", "bucket region from to"},
	{WG_GET, "/api/v1/stats/rates", wg_api_stats_rates, 0, CASE_WORK,
         "Resolution, on-time, satisfaction and other rates by group", "group_by region from to"},
	{WG_GET, "/api/v1/stats/places", wg_api_stats_places, 0, CASE_WORK,
         "Cases reported, open and overdue per grid under an area", "region from to"},
	{WG_GET, "/api/v1/stats/disputes", wg_api_stats_disputes, 0, CASE_WORK,
         "Disputes found and resolved, by category, tier or risk", "group_by region from to"},
	{WG_GET, "/api/v1/warnings", wg_api_warnings, 0, CASE_WORK,
         "Overdue and soon-due clocks, risky disputes, spikes, missed visits", "region kind"},
	/* Reports: "{period}.xlsx" or ".pdf", as the statistics they are made of. */
	{WG_GET, "/api/v1/reports/{file}", wg_api_reports_get, 0, CASE_WORK,
         "A periodic report as .xlsx or .pdf", "region date"},
	/* Evaluation: read as the statistics are; published by the county. */
	{WG_GET, "/api/v1/evaluation", wg_api_evaluation_get, 0, CASE_WORK,
         "Evaluation scores of a period and a subject", "period region subject"},
	{WG_GET, "/api/v1/evaluation/periods", wg_api_evaluation_periods, 0, CASE_WORK,
         "Published evaluation snapshots, newest first", "region subject kind limit cursor"},
	{WG_POST, "/api/v1/evaluation/{period}/publish", wg_api_evaluation_publish, 0, EVALUATION_PUBLISH,
         "Publish a period's evaluation", "region subject"},

	/* Base data: read by grid staff, centres and leaders, written by grid
	 * staff and centres (domain/basedata.h). */
	{WG_GET, "/api/v1/residents", wg_api_residents_list, 0, WG_ROLES_BASEDATA_READ, "Residents in scope",
         "unmask q special_group id_number phone house region grid limit cursor"},
	{WG_POST, "/api/v1/residents", wg_api_residents_create, BODY, WG_ROLES_BASEDATA_WRITE,
         "Register a resident"},
	{WG_GET, "/api/v1/residents/{id}", wg_api_residents_get, 0, WG_ROLES_BASEDATA_READ,
         "One resident (numbers masked unless unmasked)", "unmask"},
	{WG_PATCH, "/api/v1/residents/{id}", wg_api_residents_update, BODY, WG_ROLES_BASEDATA_WRITE,
         "Change a resident"},
	{WG_GET, "/api/v1/special-groups", wg_api_special_groups, 0, WG_ROLES_BASEDATA_READ,
         "The special groups and their visit frequencies"},
	{WG_GET, "/api/v1/houses", wg_api_houses_list, 0, WG_ROLES_BASEDATA_READ, "Houses in scope",
         "q use rental region grid limit cursor"},
	{WG_POST, "/api/v1/houses", wg_api_houses_create, BODY, WG_ROLES_BASEDATA_WRITE, "Register a house"},
	{WG_GET, "/api/v1/houses/{id}", wg_api_houses_get, 0, WG_ROLES_BASEDATA_READ, "One house"},
	{WG_PATCH, "/api/v1/houses/{id}", wg_api_houses_update, BODY, WG_ROLES_BASEDATA_WRITE,
         "Change a house"},
	{WG_GET, "/api/v1/organisations", wg_api_organisations_list, 0, WG_ROLES_BASEDATA_READ,
         "Organisations in scope", "q type credit_code region grid limit cursor"},
	{WG_POST, "/api/v1/organisations", wg_api_organisations_create, BODY, WG_ROLES_BASEDATA_WRITE,
         "Register an organisation"},
	{WG_GET, "/api/v1/organisations/{id}", wg_api_organisations_get, 0, WG_ROLES_BASEDATA_READ,
         "One organisation"},
	{WG_PATCH, "/api/v1/organisations/{id}", wg_api_organisations_update, BODY, WG_ROLES_BASEDATA_WRITE,
         "Change an organisation"},
	{WG_GET, "/api/v1/places", wg_api_places_list, 0, WG_ROLES_BASEDATA_READ, "Key places in scope",
         "q type organisation region grid limit cursor"},
	{WG_POST, "/api/v1/places", wg_api_places_create, BODY, WG_ROLES_BASEDATA_WRITE,
         "Register a key place"},
	{WG_GET, "/api/v1/places/{id}", wg_api_places_get, 0, WG_ROLES_BASEDATA_READ, "One key place"},
	{WG_PATCH, "/api/v1/places/{id}", wg_api_places_update, BODY, WG_ROLES_BASEDATA_WRITE,
         "Change a key place"},
	{WG_GET, "/api/v1/place-types", wg_api_place_types, 0, WG_ROLES_BASEDATA_READ,
         "The types of key places"},
	{WG_GET, "/api/v1/visits", wg_api_visits_list, 0, WG_ROLES_BASEDATA_READ,
         "Visits and patrols recorded", "subject_type subject_id limit cursor"},
	{WG_POST, "/api/v1/visits", wg_api_visits_create, BODY, WG_ROLES_BASEDATA_WRITE,
         "Record a visit or a patrol"},
	{WG_GET, "/api/v1/visits/due", wg_api_visits_due, 0, WG_ROLES_BASEDATA_READ | WG_ROLE_MEDIATOR,
         "The caller's visits and patrols due", "days type limit cursor"},
	{WG_GET, "/api/v1/visits/{id}", wg_api_visits_get, 0, WG_ROLES_BASEDATA_READ, "One visit"},

	/* Mediation bodies, mediators and the posts of a region (包抓): read by
	 * the people of the loop, written by centre operators of the area and
	 * the sysadmin (domain/mediation.h). */
	{WG_GET, "/api/v1/mediation/bodies", wg_api_mediation_bodies_list, 0, MEDIATION_READ,
         "Mediation bodies in scope", "region kind trade active limit cursor"},
	{WG_POST, "/api/v1/mediation/bodies", wg_api_mediation_bodies_create, BODY, MEDIATION_WRITE,
         "Add a mediation body"},
	{WG_GET, "/api/v1/mediation/bodies/{id}", wg_api_mediation_bodies_get, 0, MEDIATION_READ,
         "One mediation body"},
	{WG_PATCH, "/api/v1/mediation/bodies/{id}", wg_api_mediation_bodies_update, BODY, MEDIATION_WRITE,
         "Change a mediation body"},
	{WG_GET, "/api/v1/mediation/bodies/{id}/mediators", wg_api_body_mediators_list, 0, MEDIATION_READ,
         "A body's mediators", "region speciality active limit cursor"},
	{WG_POST, "/api/v1/mediation/bodies/{id}/mediators", wg_api_mediators_create, BODY, MEDIATION_WRITE,
         "Add a mediator to a body"},
	{WG_GET, "/api/v1/mediation/mediators", wg_api_mediators_list, 0, MEDIATION_READ,
         "Mediators in scope", "region speciality active limit cursor"},
	{WG_GET, "/api/v1/mediation/mediators/{id}", wg_api_mediators_get, 0, MEDIATION_READ, "One mediator"},
	{WG_PATCH, "/api/v1/mediation/mediators/{id}", wg_api_mediators_update, BODY, MEDIATION_WRITE,
         "Change a mediator"},
	{WG_GET, "/api/v1/regions/{code}/posts", wg_api_region_posts_get, 0, MEDIATION_READ,
         "The posts (包抓) of a region"},
	{WG_PUT, "/api/v1/regions/{code}/posts", wg_api_region_posts_set, BODY, MEDIATION_WRITE,
         "Set the posts (包抓) of a region"},

	/* Tests only: answers 404 unless the setting testing.clock is on. Any
	 * state, since a moved clock may expire the caller's password. */
	{WG_PUT, "/api/v1/testing/clock", wg_api_testing_clock, ANY_STATE | BODY, 0,
         "Tests only: set the server's clock"},
};

const size_t wg_api_route_count = sizeof wg_api_routes / sizeof wg_api_routes[0];
