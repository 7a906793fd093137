/* /api/v1/places: key places (重点场所) and their patrol schedule; also
 * GET /api/v1/place-types, the fixed list of types with their labels. */
#include "api/api.h"
#include "api/basedata.h"

#include "core/error.h"
#include "domain/key_place.h"
#include "http/page.h"
#include "http/validate.h"

static void write_place(wg_req *req, const wg_key_place *p)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_int(w, "id", p->id);
	wg_json_kv_string(w, "name", p->name);
	wg__api_write_term(req, "type", &wg_place_types, p->type);
	wg_json_kv_string(w, "address", p->address);
	wg__api_kv_ref(req, "organisation", p->organisation);
	wg__api_kv_ref(req, "visit_days", p->visit_days);
	wg__api_kv_ref(req, "worker", p->worker);
	wg__api_write_where(req, p->has_location, p->lat, p->lng, p->grid, p->grid_name, p->region,
	                    p->region_name);
	wg__api_kv_time(req, "created_at", p->created_at);
	wg__api_kv_time(req, "updated_at", p->updated_at);
	wg_json_kv_int(w, "version", p->version);
}

struct op {
	wg_req *req;
	wg_basedata_env env;
	int64_t id, version;
	wg_key_place_input in;
	wg_key_place_filter filter;
	wg_page page;
	int64_t total;
};

static struct op *new_op(wg_req *req)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (op) {
		op->req = req;
		wg__api_basedata_env(req, &op->env);
	}
	return op;
}

static int write_one(void *ctx, const wg_key_place *p)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	write_place(req, p);
	wg_json_object_end(w);
	return 0;
}

static int list_item(void *ctx, const wg_key_place *p)
{
	struct op *op = ctx;
	return wg_page_row_id(&op->page, p->id) ? write_one(op->req, p) : 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	return wg_key_place_list(db, &op->env, &op->filter, list_item, op, &op->total, &op->req->errors);
}

static void list_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

void wg_api_places_list(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	wg_key_place_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->after_id);
	f->limit = wg_page_fetch(&op->page);
	wg__api_query_area(req, &f->area, &f->area_field);
	f->q = wg_query_string(req, "q", WG_KEY_PLACE_NAME_MAX);
	f->type = wg_query_string(req, "type", 32);
	wg_query_int(req, "organisation", 0, 0, INT64_MAX, &f->organisation);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

static int render(wg_db *db, struct op *op)
{
	return wg_key_place_get(db, &op->env, op->id, write_one, op->req);
}

static int get_run(wg_db *db, void *arg)
{
	return render(db, arg);
}

static void reply_200(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_places_get(wg_req *req)
{
	struct op *op = new_op(req);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, get_run, op, reply_200);
}

static void read_input(wg_req *req, wg_key_place_input *in, bool creating)
{
	static const char *const fields[] = {"name",   "type",     "address", "organisation", "visit_days",
	                                     "worker", "location", "grid",    "region",       NULL};
	wg_body_only(req, fields);
	in->name =
		wg_body_string(req, "name", WG_KEY_PLACE_NAME_MAX, creating || wg__api_body_has(req, "name"));
	in->type = wg_body_string(req, "type", 32, creating || wg__api_body_has(req, "type"));
	in->address = wg_body_string(req, "address", WG_KEY_PLACE_ADDRESS_MAX, false);
	in->set_address = wg__api_body_has(req, "address");
	in->organisation = wg__api_body_ref(req, "organisation");
	in->set_visit_days = wg__api_body_has(req, "visit_days");
	if (in->set_visit_days)
		wg_body_int(req, "visit_days", 1, 366, false, &in->visit_days);
	in->worker = wg__api_body_ref(req, "worker");
	wg__api_body_where(req, &in->where);
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_key_place_create(db, &op->env, &op->in, &op->id, &op->req->errors);
	return rc ? rc : render(db, op);
}

static void created(wg_req *req, int status)
{
	struct op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/places/", op->id);
}

void wg_api_places_create(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	read_input(req, &op->in, true);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, create_run, op, created);
}

static int update_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_key_place_update(db, &op->env, op->id, &op->in, op->version, &op->req->errors);
	return rc ? rc : render(db, op);
}

void wg_api_places_update(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	read_input(req, &op->in, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, update_run, op, reply_200);
}

void wg_api_place_types(wg_req *req)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	for (size_t i = 0; i < wg_place_types.n; i++) {
		const wg_term *t = &wg_place_types.t[i];
		wg_json_object_begin(w);
		wg_json_kv_string(w, "type", t->key);
		wg_json_kv_string(w, "label", t->label);
		wg_json_kv_string(w, "label_en", t->label_en);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}
