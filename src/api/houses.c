/* /api/v1/houses: houses and rented homes; one house shows its residents
 * (masked), the household apart from the tenants. */
#include "api/api.h"
#include "api/basedata.h"

#include "core/error.h"
#include "domain/house.h"
#include "domain/resident.h"
#include "http/page.h"
#include "http/validate.h"

#include <string.h>

/* More residents than this in one house (a dormitory) are listed through
 * GET /residents?house=. */
#define HOUSE_RESIDENTS_SHOWN 200

static void write_house(wg_req *req, const wg_house *h)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_int(w, "id", h->id);
	wg_json_kv_string(w, "address", h->address);
	wg__api_write_term(req, "use", &wg_house_uses, h->use);
	wg_json_kv_bool(w, "rental", h->rental);
	wg_json_kv_string(w, "owner_name", h->owner_name);
	wg__api_write_where(req, h->has_location, h->lat, h->lng, h->grid, h->grid_name, h->region,
	                    h->region_name);
	wg_json_kv_int(w, "residents", h->residents);
	wg__api_kv_time(req, "created_at", h->created_at);
	wg__api_kv_time(req, "updated_at", h->updated_at);
	wg_json_kv_int(w, "version", h->version);
}

struct op {
	wg_req *req;
	wg_basedata_env env;
	int64_t id, version;
	wg_house_input in;
	wg_house_filter filter;
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

static int write_one(void *ctx, const wg_house *h)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	write_house(req, h);
	wg_json_object_end(w);
	return 0;
}

/* ---- GET /houses ---------------------------------------------------------- */

static int list_item(void *ctx, const wg_house *h)
{
	struct op *op = ctx;
	return wg_page_row_id(&op->page, h->id) ? write_one(op->req, h) : 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	return wg_house_list(db, &op->env, &op->filter, list_item, op, &op->total, &op->req->errors);
}

static void list_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

void wg_api_houses_list(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	wg_house_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->after_id);
	f->limit = wg_page_fetch(&op->page);
	wg__api_query_area(req, &f->area, &f->area_field);
	f->q = wg_query_string(req, "q", WG_HOUSE_ADDRESS_MAX);
	f->use = wg_query_string(req, "use", 32);
	f->rental = -1;
	const char *rental = wg_req_query(req, "rental");
	if (rental && strcmp(rental, "true") == 0)
		f->rental = 1;
	else if (rental && strcmp(rental, "false") == 0)
		f->rental = 0;
	else if (rental)
		wg_req_field_error(req, "rental", "type", "rental must be true or false");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

/* ---- GET /houses/{id} -------------------------------------------------------- */

static int resident_item(void *ctx, const wg_resident *r)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg__api_write_resident(req, r);
	wg_json_object_end(w);
	return 0;
}

static int house_open(void *ctx, const wg_house *h)
{
	wg_req *req = ctx;
	wg_json_object_begin(wg_req_json(req));
	write_house(req, h);
	return 0;
}

/* The house, then its household and its tenants as the caller may see
 * them. */
static int render(wg_db *db, struct op *op)
{
	wg_req *req = op->req;
	int rc = wg_house_get(db, &op->env, op->id, house_open, req);
	wg_json_out *w = wg_req_json(req);
	static const char *const groups[] = {"household", "tenants"};
	for (int i = 0; !rc && i < 2; i++) {
		wg_resident_filter f = {.house = op->id, .tenant = i + 1, .limit = HOUSE_RESIDENTS_SHOWN};
		wg_json_key(w, groups[i]);
		wg_json_array_begin(w);
		rc = wg_resident_list(db, &op->env, &f, resident_item, req, NULL, &req->errors);
		wg_json_array_end(w);
	}
	if (!rc)
		wg_json_object_end(w);
	return rc;
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

void wg_api_houses_get(wg_req *req)
{
	struct op *op = new_op(req);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, get_run, op, reply_200);
}

/* ---- POST and PATCH ------------------------------------------------------------ */

static void read_input(wg_req *req, wg_house_input *in, bool creating)
{
	static const char *const fields[] = {"address",  "use",  "rental", "owner_name",
	                                     "location", "grid", "region", NULL};
	wg_body_only(req, fields);
	in->address = wg_body_string(req, "address", WG_HOUSE_ADDRESS_MAX,
	                             creating || wg__api_body_has(req, "address"));
	in->use = wg_body_string(req, "use", 32, false);
	in->set_rental = wg_body_bool(req, "rental", false, &in->rental);
	in->owner_name = wg_body_string(req, "owner_name", WG_HOUSE_OWNER_MAX, false);
	in->set_owner_name = wg__api_body_has(req, "owner_name");
	wg__api_body_where(req, &in->where);
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_house_create(db, &op->env, &op->in, &op->id, &op->req->errors);
	return rc ? rc : render(db, op);
}

static void created(wg_req *req, int status)
{
	struct op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/houses/", op->id);
}

void wg_api_houses_create(wg_req *req)
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
	int rc = wg_house_update(db, &op->env, op->id, &op->in, op->version, &op->req->errors);
	return rc ? rc : render(db, op);
}

void wg_api_houses_update(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	read_input(req, &op->in, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, update_run, op, reply_200);
}
