/* /api/v1/organisations: organisations with their unified social credit
 * code. */
#include "api/api.h"
#include "api/basedata.h"

#include "core/error.h"
#include "domain/organisation.h"
#include "http/page.h"
#include "http/validate.h"

static void write_org(wg_req *req, const wg_organisation *o)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_int(w, "id", o->id);
	wg_json_kv_string(w, "name", o->name);
	wg_json_kv_string(w, "credit_code", o->credit_code);
	wg__api_write_term(req, "type", &wg_organisation_types, o->type);
	wg_json_kv_string(w, "legal_person", o->legal_person);
	if (o->employees >= 0)
		wg_json_kv_int(w, "employees", o->employees);
	else
		wg_json_kv_null(w, "employees");
	wg_json_kv_string(w, "address", o->address);
	wg__api_write_where(req, o->has_location, o->lat, o->lng, o->grid, o->grid_name, o->region,
	                    o->region_name);
	wg__api_kv_time(req, "created_at", o->created_at);
	wg__api_kv_time(req, "updated_at", o->updated_at);
	wg_json_kv_int(w, "version", o->version);
}

struct op {
	wg_req *req;
	wg_basedata_env env;
	int64_t id, version;
	wg_organisation_input in;
	wg_organisation_filter filter;
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

static int write_one(void *ctx, const wg_organisation *o)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	write_org(req, o);
	wg_json_object_end(w);
	return 0;
}

static int list_item(void *ctx, const wg_organisation *o)
{
	struct op *op = ctx;
	return wg_page_row_id(&op->page, o->id) ? write_one(op->req, o) : 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	return wg_organisation_list(db, &op->env, &op->filter, list_item, op, &op->total, &op->req->errors);
}

static void list_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

void wg_api_organisations_list(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	wg_organisation_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->after_id);
	f->limit = wg_page_fetch(&op->page);
	wg__api_query_area(req, &f->area, &f->area_field);
	f->q = wg_query_string(req, "q", WG_ORGANISATION_NAME_MAX);
	f->type = wg_query_string(req, "type", 32);
	f->credit_code = wg_query_string(req, "credit_code", 32);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

static int render(wg_db *db, struct op *op)
{
	return wg_organisation_get(db, &op->env, op->id, write_one, op->req);
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

void wg_api_organisations_get(wg_req *req)
{
	struct op *op = new_op(req);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, get_run, op, reply_200);
}

static void read_input(wg_req *req, wg_organisation_input *in, bool creating)
{
	static const char *const fields[] = {"name",    "credit_code", "type", "legal_person", "employees",
	                                     "address", "location",    "grid", "region",       NULL};
	wg_body_only(req, fields);
	in->name = wg_body_string(req, "name", WG_ORGANISATION_NAME_MAX,
	                          creating || wg__api_body_has(req, "name"));
	in->credit_code = wg_body_string(req, "credit_code", 32, false);
	in->set_credit_code = wg__api_body_has(req, "credit_code");
	in->type = wg_body_string(req, "type", 32, creating || wg__api_body_has(req, "type"));
	in->legal_person = wg_body_string(req, "legal_person", WG_ORGANISATION_PERSON_MAX, false);
	in->set_legal_person = wg__api_body_has(req, "legal_person");
	in->set_employees = wg__api_body_has(req, "employees");
	in->employees = -1;
	if (in->set_employees)
		wg_body_int(req, "employees", 0, WG_ORGANISATION_EMPLOYEES_MAX, false, &in->employees);
	in->address = wg_body_string(req, "address", WG_ORGANISATION_ADDRESS_MAX, false);
	in->set_address = wg__api_body_has(req, "address");
	wg__api_body_where(req, &in->where);
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_organisation_create(db, &op->env, &op->in, &op->id, &op->req->errors);
	return rc ? rc : render(db, op);
}

static void created(wg_req *req, int status)
{
	struct op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/organisations/", op->id);
}

void wg_api_organisations_create(wg_req *req)
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
	int rc = wg_organisation_update(db, &op->env, op->id, &op->in, op->version, &op->req->errors);
	return rc ? rc : render(db, op);
}

void wg_api_organisations_update(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	read_input(req, &op->in, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, update_run, op, reply_200);
}
