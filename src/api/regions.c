/* /api/v1/regions: the region tree (GET list and one, POST create). */
#include "api/api.h"

#include "core/error.h"
#include "domain/region.h"
#include "domain/scope.h"
#include "http/page.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

static void write_region(wg_json_out *w, const wg_region *r)
{
	wg_json_kv_string(w, "code", r->code);
	wg_json_kv_string(w, "name", r->name);
	wg_json_kv_string(w, "level", wg_region_level_name(r->level));
	wg_json_kv_string(w, "parent", r->parent);
	wg_json_key(w, "counts");
	wg_json_object_begin(w);
	wg_json_kv_int(w, "children", r->children);
	wg_json_object_end(w);
}

/* ---- list ------------------------------------------------------------- */

struct list_args {
	wg_req *req;
	const char *parent;
	const char *after;
	wg_page page;
	int64_t total;
};

static int list_item(void *ctx, const wg_region *r)
{
	struct list_args *a = ctx;
	if (!wg_page_row(&a->page, r->code))
		return 0;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_region(w, r);
	wg_json_object_end(w);
	return 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct list_args *a = arg;
	wg_page_begin(&a->page);
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	return wg_region_children(db, &scope, a->parent, a->after, wg_page_fetch(&a->page), list_item, a,
	                          &a->total);
}

static void list_then(wg_req *req, int status)
{
	if (status == WG_ENOTFOUND) {
		wg_req_problem(req, WG_ENOTFOUND, "no region with the code given as parent");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	struct list_args *a = req->user;
	wg_page_end(&a->page, a->total);
	wg_req_reply(req, 200);
}

void wg_api_regions_list(wg_req *req)
{
	struct list_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	enum wg_region_level level;
	a->parent = wg_req_query(req, "parent");
	if (a->parent && !wg_region_code_level(a->parent, &level))
		wg_req_field_error(req, "parent", "pattern", "parent must be a 12-digit division code");
	wg_page_init(&a->page, req, &a->after);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, a, list_then);
}

/* ---- one region ----------------------------------------------------------- */

struct get_args {
	wg_req *req;
	const char *code;
	bool path_open;
};

static int path_item(void *ctx, const wg_region *r)
{
	struct get_args *a = ctx;
	wg_json_out *w = wg_req_json(a->req);
	if (!a->path_open) {
		wg_json_object_begin(w);
		wg_json_key(w, "path");
		wg_json_array_begin(w);
		a->path_open = true;
	}
	wg_json_object_begin(w);
	wg_json_kv_string(w, "code", r->code);
	wg_json_kv_string(w, "name", r->name);
	wg_json_kv_string(w, "level", wg_region_level_name(r->level));
	wg_json_object_end(w);
	return 0;
}

static int self_item(void *ctx, const wg_region *r)
{
	struct get_args *a = ctx;
	wg_json_out *w = wg_req_json(a->req);
	if (!a->path_open) {
		wg_json_object_begin(w);
		wg_json_key(w, "path");
		wg_json_array_begin(w);
		a->path_open = true;
	}
	path_item(ctx, r);
	wg_json_array_end(w);
	write_region(w, r);
	wg_json_object_end(w);
	return 0;
}

static int get_run(wg_db *db, void *arg)
{
	struct get_args *a = arg;
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	return wg_region_get(db, &scope, a->code, path_item, self_item, a);
}

static void get_then(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_regions_get(wg_req *req)
{
	struct get_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	a->code = req->params[0];
	wg_req_read(req, get_run, a, get_then);
}

/* ---- create --------------------------------------------------------------- */

struct create_args {
	struct get_args get; /* renders the created region like GET */
	const char *name;
};

static int create_run(wg_db *db, void *arg)
{
	struct create_args *a = arg;
	wg_scope scope;
	wg_scope_of(a->get.req->caller, &scope);
	int rc = wg_region_create(db, &scope, a->get.code, a->name);
	return rc ? rc : get_run(db, &a->get);
}

static void create_then(wg_req *req, int status)
{
	struct create_args *a = req->user;
	if (status == WG_ENOTFOUND) {
		char parent[WG_REGION_CODE_LEN + 1];
		wg_region_parent_code(a->get.code, parent);
		/* Outside the caller's area reads exactly like absent: no hint
		 * about what exists elsewhere. */
		char *msg = wg_arena_printf(&req->arena, "no parent region %s in your area", parent);
		wg_req_field_error(req, "code", "parent_missing",
		                   msg ? msg : "no parent region in your area");
		wg_req_errors_or_reply(req);
		return;
	}
	if (status == WG_ECONFLICT) {
		wg_req_problem(req, WG_ECONFLICT, "a region with this code already exists");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	char *location = wg_arena_printf(&req->arena, "/api/v1/regions/%s", a->get.code);
	if (location)
		wg_req_header(req, "Location", location);
	wg_req_reply(req, 201);
}

void wg_api_regions_create(wg_req *req)
{
	static const char *const fields[] = {"code", "name", NULL};
	struct create_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->get.req = req;
	wg_body_only(req, fields);
	a->get.code = wg_body_string(req, "code", WG_REGION_CODE_LEN + 1, true);
	enum wg_region_level level;
	if (a->get.code && !wg_region_code_level(a->get.code, &level))
		wg_req_field_error(req, "code", "pattern", "code must be a 12-digit division code");
	a->name = wg_body_string(req, "name", WG_REGION_NAME_MAX, true);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, create_run, a, create_then);
}
