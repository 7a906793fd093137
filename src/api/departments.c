/* /api/v1/departments: the departments that handle cases, each with its
 * duty list, a sysadmin adding one or replacing its duty list. The
 * category tree is categories.c. */
#include "api/api.h"

#include "core/error.h"
#include "domain/department.h"
#include "domain/region.h"
#include "domain/scope.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

static void write_department(wg_req *req, const wg_department *d)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_string(w, "code", d->code);
	wg_json_kv_string(w, "key", d->key);
	wg_json_kv_string(w, "region", d->region);
	wg_json_kv_string(w, "level", d->level);
	wg_json_kv_string(w, "name", d->name);
	wg_json_kv_string(w, "name_en", d->name_en);
	wg_json_kv_bool(w, "active", d->active);
	wg_json_key(w, "duties");
	wg_json_array_begin(w);
	for (size_t i = 0; i < d->nduties; i++)
		wg_json_string(w, d->duties[i]);
	wg_json_array_end(w);
	/* The default list: the data file's, or the one it was created with. */
	wg_json_key(w, "default_duties");
	wg_json_array_begin(w);
	for (const char *p = d->default_duties ? d->default_duties : ""; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		wg_json_string_n(w, p, len);
		p = end ? end + 1 : p + len;
	}
	wg_json_array_end(w);
	wg__api_kv_time(req, "duties_edited_at", d->duties_edited_at);
	wg__api_kv_time(req, "created_at", d->created_at);
	wg__api_kv_time(req, "updated_at", d->updated_at);
	wg_json_kv_int(w, "version", d->version);
}

/* ---- GET /departments -------------------------------------------------------------- */

struct list_args {
	wg_req *req;
	wg_department_filter f;
	wg_page page;
	int64_t total;
};

static int list_item(void *ctx, const wg_department *d)
{
	struct list_args *a = ctx;
	if (!wg_page_row(&a->page, d->code))
		return 0;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_department(a->req, d);
	wg_json_object_end(w);
	return 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct list_args *a = arg;
	wg_page_begin(&a->page);
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	a->f.limit = wg_page_fetch(&a->page);
	return wg_department_list(db, &scope, &a->f, list_item, a, &a->total);
}

static void list_then(wg_req *req, int status)
{
	struct list_args *a = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&a->page, a->total);
	wg_req_reply(req, 200);
}

void wg_api_departments_list(wg_req *req)
{
	struct list_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	enum wg_region_level level;
	a->f.region = wg_query_string(req, "region", 12);
	if (a->f.region && !wg_region_code_level(a->f.region, &level))
		wg_req_field_error(req, "region", "pattern", "region must be a 12-digit division code");
	const char *l = wg_query_string(req, "level", 8);
	if (l && !(a->f.level = wg_department_level_parse(l)))
		wg_req_field_error(req, "level", "unknown", "level must be county or town");
	a->f.q = wg_query_string(req, "q", WG_DEPARTMENT_NAME_MAX);
	wg_page_init(&a->page, req, &a->f.after);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, a, list_then);
}

/* ---- GET /departments/{code}, POST /departments -------------------------------------- */

struct one_args {
	wg_req *req;
	char code[WG_DEPARTMENT_CODE_MAX + 1];
	wg_department_input in;
};

static int one_item(void *ctx, const wg_department *d)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	write_department(req, d);
	wg_json_object_end(w);
	return 0;
}

static int get_run(wg_db *db, void *arg)
{
	struct one_args *a = arg;
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	return wg_department_get(db, &scope, a->code, one_item, a->req);
}

static void get_then(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_departments_get(wg_req *req)
{
	struct one_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	if (strlen(req->params[0]) > WG_DEPARTMENT_CODE_MAX) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	snprintf(a->code, sizeof a->code, "%s", req->params[0]);
	wg_req_read(req, get_run, a, get_then);
}

static int create_run(wg_db *db, void *arg)
{
	struct one_args *a = arg;
	wg_req *req = a->req;
	int rc = wg_department_create(db, req->caller, wg_req_config(req)->security_audit_hash, &a->in,
	                              a->code, &req->errors);
	return rc ? rc : get_run(db, a);
}

static void create_then(wg_req *req, int status)
{
	struct one_args *a = req->user;
	if (status == WG_ECONFLICT) {
		wg_req_problem(req, WG_ECONFLICT, "the region already has a department with this key");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	char *location = wg_arena_printf(&req->arena, "/api/v1/departments/%s", a->code);
	if (location)
		wg_req_header(req, "Location", location);
	wg_req_reply(req, 201);
}

void wg_api_departments_create(wg_req *req)
{
	static const char *const fields[] = {"key", "region", "name", "name_en", "duties", NULL};
	struct one_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	wg_body_only(req, fields);
	a->in.key = wg_body_string(req, "key", WG_DEPARTMENT_KEY_MAX, true);
	a->in.region = wg_body_string(req, "region", 12, true);
	a->in.name = wg_body_string(req, "name", WG_DEPARTMENT_NAME_MAX, true);
	a->in.name_en = wg_body_string(req, "name_en", WG_DEPARTMENT_NAME_EN_MAX, true);
	json_t *duties = json_object_get(req->body, "duties");
	if (duties && !json_is_array(duties))
		wg_req_field_error(req, "duties", "type", "duties must be a list of minor category codes");
	size_t n = json_is_array(duties) ? json_array_size(duties) : 0;
	const char **codes = n ? wg_arena_calloc(&req->arena, n, sizeof *codes) : NULL;
	if (n && !codes) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	for (size_t i = 0; codes && i < n; i++) {
		codes[i] = json_string_value(json_array_get(duties, i));
		if (!codes[i] || strlen(codes[i]) != 4) {
			char field[32];
			snprintf(field, sizeof field, "duties[%zu]", i);
			wg_req_field_error(req, field, "pattern", "a duty is a 4-digit minor category code");
		}
	}
	a->in.duties = codes;
	a->in.nduties = n;
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, create_run, a, create_then);
}

/* ---- PUT /departments/{code}/duties ------------------------------------------------------ */

struct duties_args {
	struct one_args one; /* first: get_run renders the answer */
	const char **categories;
	size_t n;
	bool restore;
	int64_t version;
	const char *why;
};

static int duties_run(wg_db *db, void *arg)
{
	struct duties_args *a = arg;
	wg_req *req = a->one.req;
	int rc = wg_department_set_duties(db, req->caller, wg_req_config(req)->security_audit_hash,
	                                  a->one.code, a->categories, a->n, a->restore, a->version,
	                                  &req->errors, &a->why);
	return rc ? rc : get_run(db, &a->one);
}

static void duties_then(wg_req *req, int status)
{
	struct duties_args *a = req->user;
	if (status == WG_ECONFLICT) {
		wg_req_problem(req, WG_ECONFLICT, a->why);
		return;
	}
	if (status == WG_EFORBIDDEN) {
		wg_req_problem(req, WG_EFORBIDDEN,
		               "the department belongs to an area above yours: its administrators keep its "
		               "duty list");
		return;
	}
	get_then(req, status);
}

void wg_api_departments_duties(wg_req *req)
{
	static const char *const fields[] = {"categories", NULL};
	struct duties_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->one.req = req;
	if (strlen(req->params[0]) > WG_DEPARTMENT_CODE_MAX) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	snprintf(a->one.code, sizeof a->one.code, "%s", req->params[0]);
	if (!wg_req_version_or_reply(req, &a->version))
		return;
	wg_body_only(req, fields);
	json_t *list = json_object_get(req->body, "categories");
	a->restore = json_is_null(list);
	if (!list)
		wg_req_field_error(
			req, "categories", "required",
			"categories is required: the minor category codes of the new duty list, or "
			"null for the default list");
	else if (!a->restore && !json_is_array(list))
		wg_req_field_error(req, "categories", "type",
		                   "categories must be a list of minor category codes, or null");
	a->n = json_is_array(list) ? json_array_size(list) : 0;
	if (a->n > WG_DEPARTMENT_DUTIES_MAX) {
		char message[96];
		snprintf(message, sizeof message, "a duty list holds at most %d categories",
		         WG_DEPARTMENT_DUTIES_MAX);
		wg_req_field_error(req, "categories", "too_long", message);
	}
	if (wg_req_errors_or_reply(req))
		return;
	a->categories = a->n ? wg_arena_calloc(&req->arena, a->n, sizeof *a->categories) : NULL;
	if (a->n && !a->categories) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	/* Anything but a string stays NULL, which the domain reports as a
	 * pattern error under its index, with the other codes' errors. */
	for (size_t i = 0; i < a->n; i++)
		a->categories[i] = json_string_value(json_array_get(list, i));
	wg_req_write(req, duties_run, a, duties_then);
}
