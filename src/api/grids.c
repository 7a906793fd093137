/* /api/v1/grids and /api/v1/staff: grids and micro-grids with their
 * boundaries (list, one, create, redraw, import, locate, the map) and the
 * staff who serve them. */
#include "api/api.h"

#include "core/error.h"
#include "domain/geometry.h"
#include "domain/grid.h"
#include "domain/locate.h"
#include "domain/scope.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field errors an import reports one by one before saying how many more
 * there are: a wg_field_errors holds WG_MAX_FIELD_ERRORS. */
#define IMPORT_ERRORS_SHOWN (WG_MAX_FIELD_ERRORS - 1)

static const char *audit_alg(wg_req *req)
{
	return wg_req_config(req)->security_audit_hash;
}

static void write_grid(wg_json_out *w, const wg_grid *g)
{
	wg_json_kv_string(w, "code", g->code);
	wg_json_kv_string(w, "name", g->name);
	wg_json_kv_string(w, "type", g->type);
	wg_json_kv_string(w, "type_label", wg_grid_type_label(g->type));
	wg_json_kv_string(w, "region", g->region);
	wg_json_kv_string(w, "parent", g->parent);
	wg_json_kv_bool(w, "drawn", g->drawn);
	wg_json_key(w, "area_m2");
	if (g->drawn)
		wg_json_double(w, round(g->area_m2));
	else
		wg_json_null(w);
	wg_json_key(w, "bbox");
	if (g->drawn) {
		wg_json_array_begin(w);
		wg_json_double(w, g->min_lng);
		wg_json_double(w, g->min_lat);
		wg_json_double(w, g->max_lng);
		wg_json_double(w, g->max_lat);
		wg_json_array_end(w);
	} else {
		wg_json_null(w);
	}
}

static void write_times(wg_req *req, const wg_grid *g)
{
	wg__api_kv_time(req, "created_at", g->created_at);
	wg__api_kv_time(req, "updated_at", g->updated_at);
	wg_json_kv_int(wg_req_json(req), "version", g->version);
}

/* A decimal degree from the query: the whole value a finite number within
 * [-max, max]. */
static bool query_degree(wg_req *req, const char *name, double max, double *out)
{
	const char *s = wg_req_query(req, name);
	if (!s || !*s) {
		char msg[64];
		snprintf(msg, sizeof msg, "%s is required", name);
		wg_req_field_error(req, name, "required", msg);
		return false;
	}
	int rc = wg_degree_parse(s, max, out);
	if (rc == WG_EBADREQ) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be a decimal number of degrees (WGS-84)", name);
		wg_req_field_error(req, name, "type", msg);
	} else if (rc) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be within -%g..%g", name, max, max);
		wg_req_field_error(req, name, "range", msg);
	}
	return rc == 0;
}

/* A copy of g whose arrays live in the request's arena, so that no path of
 * the request (a reply from any step, a shutdown) has to free it. */
static int arena_geom(wg_arena *a, const wg_geom *g, wg_geom *out)
{
	*out = *g;
	out->polys = wg_arena_calloc(a, g->npolys ? g->npolys : 1, sizeof *out->polys);
	if (!out->polys)
		return WG_ENOMEM;
	for (size_t p = 0; p < g->npolys; p++) {
		const wg_polygon *src = &g->polys[p];
		wg_polygon *dst = &out->polys[p];
		dst->nrings = src->nrings;
		dst->rings = wg_arena_calloc(a, src->nrings ? src->nrings : 1, sizeof *dst->rings);
		if (!dst->rings)
			return WG_ENOMEM;
		for (size_t r = 0; r < src->nrings; r++) {
			dst->rings[r].n = src->rings[r].n;
			dst->rings[r].xy = wg_arena_calloc(a, 2 * src->rings[r].n, sizeof(double));
			if (!dst->rings[r].xy)
				return WG_ENOMEM;
			memcpy(dst->rings[r].xy, src->rings[r].xy, 2 * src->rings[r].n * sizeof(double));
		}
	}
	return 0;
}

/* Parse (code "geojson": not a Polygon or MultiPolygon, coordinates out of
 * range, rings not closed) and check (code "invalid": GEOS validity) a
 * geometry, into an arena copy. A problem gets field, the reason and the
 * place, and WG_EVALIDATION; WG_ENOMEM otherwise. */
static int parse_boundary(wg_req *req, const json_t *geometry, wg_geom *out, const char **code, char *err,
                          size_t errlen)
{
	wg_geom g;
	*code = "geojson";
	int rc = wg_geojson_parse(geometry, &g, err, errlen);
	if (!rc) {
		*code = "invalid";
		rc = wg_geometry_check(&g, err, errlen);
		if (!rc)
			rc = arena_geom(&req->arena, &g, out);
		wg_geom_free(&g);
	}
	return rc;
}

static int boundary_of(wg_req *req, const json_t *geometry, const char *field, wg_geom *out)
{
	const char *code;
	char err[256];
	int rc = parse_boundary(req, geometry, out, &code, err, sizeof err);
	if (rc == WG_EVALIDATION) {
		char *msg = wg_arena_printf(&req->arena, "%s: %s", field, err);
		wg_req_field_error(req, field, code, msg ? msg : err);
	}
	return rc;
}

/* ---- GET /grids ------------------------------------------------------------------ */

struct list_args {
	wg_req *req;
	wg_grid_filter f;
	wg_page page;
	int64_t total;
};

static int list_item(void *ctx, const wg_grid *g)
{
	struct list_args *a = ctx;
	if (!wg_page_row(&a->page, g->code))
		return 0;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_grid(w, g);
	write_times(a->req, g);
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
	return wg_grid_list(db, &scope, &a->f, list_item, a, &a->total);
}

static void list_then(wg_req *req, int status)
{
	struct list_args *a = req->user;
	if (status == WG_ENOTFOUND) {
		wg_req_problem(req, WG_ENOTFOUND,
		               "no region or grid with the code given as region in your area");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&a->page, a->total);
	wg_req_reply(req, 200);
}

/* ?region= as a region or grid code; records the error. */
static const char *area_query(wg_req *req, const char *name)
{
	const char *v = wg_query_string(req, name, 32);
	char prefix[WG_SCOPE_KEY_MAX + 1];
	if (v && !wg_scope_prefix(v, prefix)) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be a 12-digit division code or a grid code", name);
		wg_req_field_error(req, name, "pattern", msg);
		return NULL;
	}
	return v;
}

void wg_api_grids_list(wg_req *req)
{
	struct list_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	a->f.region = area_query(req, "region");
	a->f.q = wg_query_string(req, "q", WG_GRID_NAME_MAX);
	wg_page_init(&a->page, req, &a->f.after);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, a, list_then);
}

/* ---- GET /grids/{code} ----------------------------------------------------------- */

static const char *const staff_roles[] = {"chief_grid_head", "grid_head", "grid_instructor", "grid_worker",
                                          "grid_assistant"};
#define NROLES (sizeof staff_roles / sizeof staff_roles[0])

static void write_staff(wg_req *req, const wg_grid_staff *s)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_int(w, "id", s->id);
	wg_json_kv_string(w, "role", s->role);
	wg_json_kv_string(w, "name", s->name);
	wg_json_kv_string(w, "phone", s->phone_masked);
	wg_json_key(w, "user");
	if (s->user_id > 0)
		wg_json_int(w, s->user_id);
	else
		wg_json_null(w);
	size_t n = strlen(s->scope_key);
	wg_json_kv_string(w, "grid", n > 12 ? s->scope_key : NULL);
	wg_json_key(w, "region");
	if (n > 12)
		wg_json_null(w);
	else
		wg_json_string(w, s->scope_key);
	wg__api_kv_time(req, "created_at", s->created_at);
}

struct get_args {
	wg_req *req;
	const char *code;
	int role; /* staff: index of the role array open, -1 none */
};

static int grid_fields(void *ctx, const wg_grid *g)
{
	struct get_args *a = ctx;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_grid(w, g);
	wg_json_key(w, "boundary");
	if (g->boundary)
		wg_json_raw(w, g->boundary); /* canonical text this server stored */
	else
		wg_json_null(w);
	write_times(a->req, g);
	return 0;
}

static int child_item(void *ctx, const wg_grid *g)
{
	struct get_args *a = ctx;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "code", g->code);
	wg_json_kv_string(w, "name", g->name);
	wg_json_kv_bool(w, "drawn", g->drawn);
	wg_json_object_end(w);
	return 0;
}

/* Staff arrive in role order: open each role's array as it comes. */
static void open_roles_up_to(struct get_args *a, int role)
{
	wg_json_out *w = wg_req_json(a->req);
	while (a->role < role) {
		if (a->role >= 0)
			wg_json_array_end(w);
		a->role++;
		wg_json_key(w, staff_roles[a->role]);
		wg_json_array_begin(w);
	}
}

static int staff_item(void *ctx, const wg_grid_staff *s)
{
	struct get_args *a = ctx;
	int role = 0;
	while (role < (int)NROLES - 1 && strcmp(staff_roles[role], s->role) != 0)
		role++;
	open_roles_up_to(a, role);
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_staff(a->req, s);
	wg_json_object_end(w);
	return 0;
}

/* The grid as GET shows it: fields, boundary, micro-grids, staff, counts. */
static int render_grid(wg_db *db, struct get_args *a)
{
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	int rc = wg_grid_get(db, &scope, a->code, grid_fields, a);
	if (rc)
		return rc;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_key(w, "micro_grids");
	wg_json_array_begin(w);
	rc = wg_grid_children(db, a->code, child_item, a);
	wg_json_array_end(w);
	wg_json_key(w, "staff");
	wg_json_object_begin(w);
	a->role = -1;
	if (!rc)
		rc = wg_grid_staff_of(db, a->code, staff_item, a);
	open_roles_up_to(a, (int)NROLES - 1);
	wg_json_array_end(w);
	wg_json_object_end(w);
	wg_grid_counts counts = {0};
	if (!rc)
		rc = wg_grid_count_records(db, a->code, &counts);
	wg_json_key(w, "counts");
	wg_json_object_begin(w);
	wg_json_kv_int(w, "residents", counts.residents);
	wg_json_kv_int(w, "houses", counts.houses);
	wg_json_kv_int(w, "organisations", counts.organisations);
	wg_json_kv_int(w, "places", counts.places);
	wg_json_object_end(w);
	wg_json_object_end(w);
	return rc;
}

static int get_run(wg_db *db, void *arg)
{
	return render_grid(db, arg);
}

static void get_then(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_grids_get(wg_req *req)
{
	struct get_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	a->code = req->params[0];
	wg_req_read(req, get_run, a, get_then);
}

/* ---- POST /grids, PATCH /grids/{code} --------------------------------------------- */

struct save_args {
	struct get_args get; /* renders the grid after the write, like GET */
	const json_t *boundary;
	wg_grid_input in;
	wg_grid_batch batch;
	enum wg_grid_mode mode;
};

static int save_check(void *arg)
{
	struct save_args *a = arg;
	wg_req *req = a->get.req;
	int rc = a->boundary ? boundary_of(req, a->boundary, "boundary", &a->in.boundary) : 0;
	a->in.set_boundary = a->boundary && rc == 0;
	return rc;
}

static int save_run(wg_db *db, void *arg)
{
	struct save_args *a = arg;
	wg_req *req = a->get.req;
	a->batch = (wg_grid_batch){.mode = a->mode, .items = &a->in, .n = 1};
	int rc = wg_grid_save(db, req->caller, audit_alg(req), &a->batch, &req->errors);
	return rc ? rc : render_grid(db, &a->get);
}

static void save_then(wg_req *req, int status)
{
	struct save_args *a = req->user;
	if (status == 0)
		wg_grid_index_publish(&a->batch.built);
	else
		wg_grid_index_discard(&a->batch.built);
	if (status == WG_ECONFLICT) {
		wg_req_problem(
			req, WG_ECONFLICT,
			a->mode == WG_GRID_CREATE
				? "a grid with this code already exists"
				: "the grid was changed since the version given in If-Match: load it again");
		return;
	}
	if (status == WG_ENOTFOUND) {
		wg_req_problem(req, WG_ENOTFOUND, "no such grid in your area");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	if (a->mode == WG_GRID_CREATE) {
		char *location = wg_arena_printf(&req->arena, "/api/v1/grids/%s", a->in.code);
		if (location)
			wg_req_header(req, "Location", location);
	}
	wg_req_reply(req, a->mode == WG_GRID_CREATE ? 201 : 200);
}

static void save_checked(wg_req *req, int status)
{
	struct save_args *a = req->user;
	if (!wg_req_status_or_reply(req, status))
		wg_req_write(req, save_run, a, save_then);
}

static struct save_args *read_grid_body(wg_req *req, bool creating)
{
	static const char *const create_fields[] = {"code", "name", "type", "parent", "boundary", NULL};
	static const char *const update_fields[] = {"name", "type", "boundary", NULL};
	struct save_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return NULL;
	a->get.req = req;
	wg_body_only(req, creating ? create_fields : update_fields);
	if (creating) {
		a->in.code = wg_body_string(req, "code", WG_MICRO_GRID_CODE_LEN, true);
		a->in.parent = wg_body_string(req, "parent", WG_GRID_CODE_LEN, false);
	}
	a->in.name = wg_body_string(req, "name", WG_GRID_NAME_MAX, creating);
	a->in.type = wg_body_string(req, "type", 16, creating);
	json_t *b = json_object_get(req->body, "boundary");
	a->boundary = b && !json_is_null(b) ? b : NULL;
	return a;
}

void wg_api_grids_create(wg_req *req)
{
	struct save_args *a = read_grid_body(req, true);
	if (!a)
		return;
	a->mode = WG_GRID_CREATE;
	a->get.code = a->in.code;
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_compute(req, save_check, a, save_checked);
}

void wg_api_grids_update(wg_req *req)
{
	int64_t version;
	if (!wg_req_version_or_reply(req, &version))
		return;
	struct save_args *a = read_grid_body(req, false);
	if (!a)
		return;
	a->mode = WG_GRID_UPDATE;
	a->in.code = a->get.code = req->params[0];
	a->in.version = version;
	if (json_is_null(json_object_get(req->body, "boundary")))
		wg_req_field_error(
			req, "boundary", "required",
			"a boundary cannot be removed, only redrawn: give a Polygon or MultiPolygon");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_compute(req, save_check, a, save_checked);
}

/* ---- POST /grids/import --------------------------------------------------------- */

struct import_args {
	wg_req *req;
	wg_grid_input *items;
	size_t n;
	wg_grid_batch batch;
	size_t problems; /* reported, shown or not */
};

static void import_problem(struct import_args *a, const char *field, const char *code, const char *message)
{
	if (a->problems++ < IMPORT_ERRORS_SHOWN)
		wg_req_field_error(a->req, field, code, message);
}

/* A string property of 1..max characters, or NULL (absent or null). */
static const char *feature_string(struct import_args *a, size_t i, const json_t *props, const char *name,
                                  size_t max, bool required)
{
	json_t *v = json_object_get(props, name);
	char field[64];
	snprintf(field, sizeof field, "features[%zu].properties.%s", i, name);
	if (!v || json_is_null(v)) {
		if (required)
			import_problem(a, field, "required", "the property names the grid's code");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v) || !*s) {
		import_problem(a, field, "type", "must be a non-empty string");
		return NULL;
	}
	if (json_string_length(v) > 4 * max) {
		import_problem(a, field, "too_long", "is too long");
		return NULL;
	}
	return s;
}

static int import_feature(struct import_args *a, size_t i, const json_t *f, wg_grid_input *in)
{
	char field[64];
	*in = (wg_grid_input){.feature = i};
	snprintf(field, sizeof field, "features[%zu]", i);
	if (!json_is_object(f) || !json_is_string(json_object_get(f, "type")) ||
	    strcmp(json_string_value(json_object_get(f, "type")), "Feature") != 0) {
		import_problem(a, field, "type", "must be a GeoJSON Feature");
		return 0;
	}
	const json_t *props = json_object_get(f, "properties");
	snprintf(field, sizeof field, "features[%zu].properties", i);
	if (!json_is_object(props)) {
		import_problem(a, field, "required", "properties must be an object with at least \"code\"");
		return 0;
	}
	in->code = feature_string(a, i, props, "code", WG_MICRO_GRID_CODE_LEN, true);
	in->name = feature_string(a, i, props, "name", WG_GRID_NAME_MAX, false);
	in->type = feature_string(a, i, props, "type", 16, false);
	in->parent = feature_string(a, i, props, "parent", WG_GRID_CODE_LEN, false);
	const json_t *geometry = json_object_get(f, "geometry");
	snprintf(field, sizeof field, "features[%zu].geometry", i);
	if (!geometry || json_is_null(geometry)) {
		import_problem(a, field, "required", "a grid's feature needs its boundary");
		return 0;
	}
	const char *code;
	char err[256];
	int rc = parse_boundary(a->req, geometry, &in->boundary, &code, err, sizeof err);
	if (rc == WG_EVALIDATION) {
		char *msg = wg_arena_printf(&a->req->arena, "%s: %s", field, err);
		import_problem(a, field, code, msg ? msg : err);
		return 0;
	}
	in->set_boundary = rc == 0;
	return rc;
}

static int import_check(void *arg)
{
	struct import_args *a = arg;
	wg_req *req = a->req;
	const json_t *features = json_object_get(req->body, "features");
	size_t i;
	const json_t *f;
	a->n = json_array_size(features);
	a->items = wg_arena_calloc(&req->arena, a->n ? a->n : 1, sizeof *a->items);
	if (!a->items)
		return WG_ENOMEM;
	int rc = 0;
	json_array_foreach(features, i, f) {
		rc = import_feature(a, i, f, &a->items[i]);
		if (rc)
			break;
	}
	return rc ? rc : a->problems ? WG_EVALIDATION : 0;
}

static void import_report(void *ctx, const wg_grid_input *in, const char *field, const char *code,
                          const char *message)
{
	struct import_args *a = ctx;
	char name[80];
	if (strcmp(field, "boundary") == 0)
		snprintf(name, sizeof name, "features[%zu].geometry", in->feature);
	else
		snprintf(name, sizeof name, "features[%zu].properties.%s", in->feature, field);
	import_problem(a, name, code, message);
}

static int import_run(wg_db *db, void *arg)
{
	struct import_args *a = arg;
	wg_req *req = a->req;
	a->batch = (wg_grid_batch){.mode = WG_GRID_IMPORT,
	                           .items = a->items,
	                           .n = a->n,
	                           .report = import_report,
	                           .report_ctx = a};
	int rc = wg_grid_save(db, req->caller, audit_alg(req), &a->batch, &req->errors);
	if (rc)
		return rc;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "features", (int64_t)a->n);
	wg_json_kv_int(w, "created", (int64_t)a->batch.created);
	wg_json_kv_int(w, "updated", (int64_t)a->batch.updated);
	wg_json_kv_int(w, "unchanged", (int64_t)(a->n - a->batch.created - a->batch.updated));
	wg_json_object_end(w);
	return 0;
}

/* More problems than one answer shows: say how many. */
static void add_more_problems(struct import_args *a)
{
	if (a->problems <= IMPORT_ERRORS_SHOWN)
		return;
	char *msg = wg_arena_printf(&a->req->arena, "%zu more problems not shown: fix these and send again",
	                            a->problems - IMPORT_ERRORS_SHOWN);
	wg_req_field_error(a->req, "features", "more", msg ? msg : "more problems not shown");
}

static void import_then(wg_req *req, int status)
{
	struct import_args *a = req->user;
	if (status == 0)
		wg_grid_index_publish(&a->batch.built);
	else
		wg_grid_index_discard(&a->batch.built);
	if (status == WG_EVALIDATION)
		add_more_problems(a);
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

static void import_checked(wg_req *req, int status)
{
	struct import_args *a = req->user;
	if (status == WG_EVALIDATION)
		add_more_problems(a);
	if (!wg_req_status_or_reply(req, status))
		wg_req_write(req, import_run, a, import_then);
}

void wg_api_grids_import(wg_req *req)
{
	struct import_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	const json_t *type = json_object_get(req->body, "type");
	const json_t *features = json_object_get(req->body, "features");
	if (!json_is_string(type) || strcmp(json_string_value(type), "FeatureCollection") != 0)
		wg_req_field_error(req, "type", "pattern", "the body must be a GeoJSON FeatureCollection");
	if (!json_is_array(features) || json_array_size(features) == 0)
		wg_req_field_error(req, "features", "required",
		                   "features must be a non-empty array of Features");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_compute(req, import_check, a, import_checked);
}

/* ---- GET /grids/locate ---------------------------------------------------------------- */

struct locate_args {
	wg_req *req;
	char code[WG_SCOPE_KEY_MAX + 1];
	double lng, lat;
};

static int locate_item(void *ctx, const wg_grid *g)
{
	struct locate_args *a = ctx;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_grid(w, g);
	write_times(a->req, g);
	wg_json_key(w, "point");
	wg_json_object_begin(w);
	wg_json_key(w, "lat");
	wg_json_double(w, a->lat);
	wg_json_key(w, "lng");
	wg_json_double(w, a->lng);
	wg_json_object_end(w);
	wg_json_object_end(w);
	return 0;
}

static int locate_run(wg_db *db, void *arg)
{
	struct locate_args *a = arg;
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	return wg_grid_get(db, &scope, a->code, locate_item, a);
}

static void locate_then(wg_req *req, int status)
{
	if (status == WG_ENOTFOUND) {
		wg_req_problem(req, WG_ENOTFOUND, "no grid in your area covers this point");
		return;
	}
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_grids_locate(wg_req *req)
{
	struct locate_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	query_degree(req, "lat", 90, &a->lat);
	query_degree(req, "lng", 180, &a->lng);
	if (wg_req_errors_or_reply(req))
		return;
	/* The index answers without the database; the grid is then read in
	 * the caller's scope, so another area's grid is absent like none. */
	const wg_locate *ix = wg_locate_acquire();
	const char *code = wg_locate_find(ix, a->lng, a->lat);
	if (code)
		snprintf(a->code, sizeof a->code, "%s", code);
	wg_locate_release(ix);
	if (!a->code[0]) {
		wg_req_problem(req, WG_ENOTFOUND, "no grid in your area covers this point");
		return;
	}
	wg_req_read(req, locate_run, a, locate_then);
}

/* ---- GET /grids.geojson ---------------------------------------------------------------- */

struct map_args {
	wg_req *req;
	const char *region;
	bool open;
};

static void map_open(struct map_args *a)
{
	if (a->open)
		return;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", "FeatureCollection");
	wg_json_key(w, "features");
	wg_json_array_begin(w);
	a->open = true;
}

static int map_feature(void *ctx, const wg_grid *g)
{
	struct map_args *a = ctx;
	map_open(a);
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", "Feature");
	wg_json_kv_string(w, "id", g->code);
	wg_json_key(w, "properties");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "code", g->code);
	wg_json_kv_string(w, "name", g->name);
	wg_json_kv_string(w, "type", g->type);
	wg_json_kv_string(w, "region", g->region);
	wg_json_kv_string(w, "parent", g->parent);
	wg_json_object_end(w);
	wg_json_key(w, "geometry");
	wg_json_raw(w, g->boundary); /* canonical text this server stored */
	wg_json_object_end(w);
	return 0;
}

static int map_run(wg_db *db, void *arg)
{
	struct map_args *a = arg;
	/* No caller on the portal's route: the grid map is public. */
	wg_scope scope;
	wg_scope_of(a->req->caller ? a->req->caller : &wg__api_system, &scope);
	int rc = wg_grid_boundaries(db, &scope, a->region, map_feature, a);
	if (!rc) {
		map_open(a);
		wg_json_out *w = wg_req_json(a->req);
		wg_json_array_end(w);
		wg_json_object_end(w);
	}
	return rc;
}

static void map_then(wg_req *req, int status)
{
	if (status == WG_ENOTFOUND) {
		wg_req_problem(req, WG_ENOTFOUND,
		               "no region or grid with the code given as region in your area");
		return;
	}
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_grids_geojson(wg_req *req)
{
	struct map_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	a->region = area_query(req, "region");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, map_run, a, map_then);
}

/* ---- /staff ------------------------------------------------------------------------------ */

/* {id} as a positive integer; anything else names nobody (404). */
static bool staff_id_or_reply(wg_req *req, int64_t *id)
{
	const char *s = req->params[0];
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || s[0] == '+' || s[0] == '0') {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return false;
	}
	*id = v;
	return true;
}

struct staff_args {
	wg_req *req;
	int64_t id;
	wg_grid_staff_filter f;
	wg_grid_staff_input in;
	wg_page page;
	int64_t total;
};

static int staff_list_item(void *ctx, const wg_grid_staff *s)
{
	struct staff_args *a = ctx;
	if (!wg_page_row_id(&a->page, s->id))
		return 0;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	write_staff(a->req, s);
	wg_json_object_end(w);
	return 0;
}

static int staff_list_run(wg_db *db, void *arg)
{
	struct staff_args *a = arg;
	wg_page_begin(&a->page);
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	a->f.limit = wg_page_fetch(&a->page);
	return wg_grid_staff_list(db, &scope, &a->f, staff_list_item, a, &a->total);
}

static void staff_list_then(wg_req *req, int status)
{
	struct staff_args *a = req->user;
	if (status == WG_ENOTFOUND) {
		wg_req_problem(req, WG_ENOTFOUND, "no region or grid with the code given in your area");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&a->page, a->total);
	wg_req_reply(req, 200);
}

void wg_api_staff_list(wg_req *req)
{
	struct staff_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	const char *grid = area_query(req, "grid"), *region = area_query(req, "region");
	if (grid && region)
		wg_req_field_error(req, "grid", "conflict", "give grid or region, not both");
	a->f.area = grid ? grid : region;
	const char *role = wg_query_string(req, "role", 32);
	if (role && !(a->f.role = wg_grid_staff_role(role, NULL)))
		wg_req_field_error(req, "role", "unknown",
		                   "role must be chief_grid_head, grid_head, grid_instructor, grid_worker or "
		                   "grid_assistant");
	wg_page_init_id(&a->page, req, &a->f.after_id);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, staff_list_run, a, staff_list_then);
}

static int staff_one(void *ctx, const wg_grid_staff *s)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	write_staff(req, s);
	wg_json_object_end(w);
	return 0;
}

static int staff_get_run(wg_db *db, void *arg)
{
	struct staff_args *a = arg;
	wg_scope scope;
	wg_scope_of(a->req->caller, &scope);
	return wg_grid_staff_get(db, &scope, a->id, staff_one, a->req);
}

static void staff_get_then(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_staff_get(wg_req *req)
{
	struct staff_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (a && staff_id_or_reply(req, &a->id)) {
		a->req = req;
		wg_req_read(req, staff_get_run, a, staff_get_then);
	}
}

static int staff_create_run(wg_db *db, void *arg)
{
	struct staff_args *a = arg;
	wg_req *req = a->req;
	int rc = wg_grid_staff_add(db, req->caller, audit_alg(req), wg_req_secret_key(req), &a->in, &a->id,
	                           &req->errors);
	return rc ? rc : staff_get_run(db, a);
}

static void staff_create_then(wg_req *req, int status)
{
	struct staff_args *a = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	char *location = wg_arena_printf(&req->arena, "/api/v1/staff/%lld", (long long)a->id);
	if (location)
		wg_req_header(req, "Location", location);
	wg_req_reply(req, 201);
}

void wg_api_staff_create(wg_req *req)
{
	static const char *const fields[] = {"role", "name", "phone", "user", "grid", "region", NULL};
	struct staff_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	wg_body_only(req, fields);
	a->in.role = wg_body_string(req, "role", 32, true);
	a->in.name = wg_body_string(req, "name", WG_STAFF_NAME_MAX, true);
	a->in.phone = wg_body_string(req, "phone", 32, false);
	a->in.grid = wg_body_string(req, "grid", WG_MICRO_GRID_CODE_LEN, false);
	a->in.region = wg_body_string(req, "region", 12, false);
	if (wg_body_int(req, "user", 1, INT64_MAX, false, &a->in.user_id) == false)
		a->in.user_id = 0;
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, staff_create_run, a, staff_create_then);
}

static int staff_delete_run(wg_db *db, void *arg)
{
	struct staff_args *a = arg;
	return wg_grid_staff_remove(db, a->req->caller, audit_alg(a->req), a->id);
}

static void staff_delete_then(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply_body(req, 204, "application/json; charset=utf-8");
}

void wg_api_staff_delete(wg_req *req)
{
	struct staff_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (a && staff_id_or_reply(req, &a->id)) {
		a->req = req;
		wg_req_write(req, staff_delete_run, a, staff_delete_then);
	}
}
