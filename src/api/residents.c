/* /api/v1/residents: residents with their special groups; personal
 * numbers masked unless a permitted role unmasks one resident with a
 * reason (audited before the answer). */
#include "api/api.h"
#include "api/basedata.h"

#include "core/error.h"
#include "domain/resident.h"
#include "http/page.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

void wg__api_write_resident(wg_req *req, const wg_resident *r)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_int(w, "id", r->id);
	wg_json_kv_string(w, "name", r->name);
	wg_json_kv_string(w, "id_number", r->id_number);
	wg_json_kv_string(w, "phone", r->phone);
	wg_json_kv_bool(w, "unmasked", r->unmasked);
	wg_json_kv_string(w, "sex", r->sex);
	wg_json_kv_string(w, "birth_date", r->birth_date);
	wg__api_write_term(req, "residence_type", &wg_residence_types, r->residence_type);
	wg_json_kv_string(w, "household", r->household);
	wg_json_kv_string(w, "address", r->address);
	wg__api_kv_ref(req, "house", r->house);
	wg_json_kv_string(w, "house_relation", r->house_relation);
	wg__api_write_where(req, r->has_location, r->lat, r->lng, r->grid, r->grid_name, r->region,
	                    r->region_name);
	wg_json_key(w, "tags");
	wg_json_array_begin(w);
	for (size_t i = 0; i < r->ntags; i++) {
		const wg_resident_tag *t = &r->tags[i];
		const wg_term *term = wg_terms_key(&wg_special_groups, t->tag);
		wg_json_object_begin(w);
		wg_json_kv_string(w, "tag", t->tag);
		wg_json_kv_string(w, "label", term ? term->label : NULL);
		wg_json_kv_int(w, "visit_days", t->visit_days);
		wg__api_kv_ref(req, "worker", t->worker);
		wg__api_kv_time(req, "since", t->since);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg__api_kv_time(req, "created_at", r->created_at);
	wg__api_kv_time(req, "updated_at", r->updated_at);
	wg_json_kv_int(w, "version", r->version);
}

struct op {
	wg_req *req;
	wg_basedata_env env;
	int64_t id, version;
	const char *reason;
	wg_resident_input in;
	wg_resident_filter filter;
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

static int write_one(void *ctx, const wg_resident *r)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg__api_write_resident(req, r);
	wg_json_object_end(w);
	return 0;
}

/* ?unmask= asks for numbers in full: refused outright to roles that may
 * never see them. Returns false after replying 403. */
static bool unmask_allowed_or_reply(wg_req *req)
{
	if (wg_req_query(req, "unmask") && !(req->caller->roles & WG_ROLES_UNMASK)) {
		wg_req_problem(req, WG_EFORBIDDEN, "your roles may not see personal numbers in full");
		return false;
	}
	return true;
}

/* ---- GET /residents ----------------------------------------------------- */

static int list_item(void *ctx, const wg_resident *r)
{
	struct op *op = ctx;
	return wg_page_row_id(&op->page, r->id) ? write_one(op->req, r) : 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	return wg_resident_list(db, &op->env, &op->filter, list_item, op, &op->total, &op->req->errors);
}

static void list_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

void wg_api_residents_list(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op || !unmask_allowed_or_reply(req))
		return;
	if (wg_req_query(req, "unmask"))
		wg_req_field_error(req, "unmask", "unsupported",
		                   "unmask one resident at a time: GET /api/v1/residents/{id}?unmask=reason");
	wg_resident_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->after_id);
	f->limit = wg_page_fetch(&op->page);
	wg__api_query_area(req, &f->area, &f->area_field);
	f->q = wg_query_string(req, "q", WG_RESIDENT_NAME_MAX);
	f->tag = wg_query_string(req, "special_group", 32);
	f->id_number = wg_query_string(req, "id_number", 32);
	f->phone = wg_query_string(req, "phone", 32);
	if (f->id_number && f->phone)
		wg_req_field_error(req, "phone", "conflict", "search by id_number or by phone, not both");
	wg_query_int(req, "house", 0, 0, INT64_MAX, &f->house);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

/* ---- GET /residents/{id} ------------------------------------------------ */

static int get_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	return wg_resident_get(db, &op->env, op->id, write_one, op->req);
}

static int unmask_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	return wg_resident_unmask(db, &op->env, op->id, op->reason, write_one, op->req, &op->req->errors);
}

static void reply_200(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_residents_get(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op || !unmask_allowed_or_reply(req) || !wg__api_id_or_reply(req, &op->id))
		return;
	op->reason = wg_req_query(req, "unmask");
	if (!op->reason) {
		wg_req_read(req, get_run, op, reply_200);
		return;
	}
	/* A write, although nothing changes but the audit trail: the row
	 * must be durable before the numbers leave. */
	wg_req_write(req, unmask_run, op, reply_200);
}

/* ---- POST and PATCH ------------------------------------------------------ */

static void read_tags(wg_req *req, wg_resident_input *in)
{
	json_t *tags = json_object_get(req->body, "tags");
	in->set_tags = tags != NULL;
	if (!tags || json_is_null(tags)) {
		in->ntags = 0;
		return;
	}
	if (!json_is_array(tags)) {
		wg_req_field_error(req, "tags", "type",
		                   "tags must be a list of {\"tag\",\"visit_days\",\"worker\"}");
		return;
	}
	if (json_array_size(tags) > WG_SPECIAL_GROUP_COUNT) {
		wg_req_field_error(req, "tags", "too_long", "more tags than there are special groups");
		return;
	}
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t) {
		char field[40];
		wg_resident_tag_input *ti = &in->tags[in->ntags++];
		ti->worker = WG_BASEDATA_UNSET;
		if (!json_is_object(t)) {
			snprintf(field, sizeof field, "tags[%zu]", i);
			wg_req_field_error(req, field, "type",
			                   "a tag is an object {\"tag\",\"visit_days\",\"worker\"}");
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(t, key, v) {
			snprintf(field, sizeof field, "tags[%zu].%s", i, key);
			if (strcmp(key, "tag") == 0) {
				if (json_is_string(v))
					ti->tag = json_string_value(v);
				else
					wg_req_field_error(req, field, "type",
					                   "tag must be the key of a special group");
			} else if (strcmp(key, "visit_days") == 0) {
				if (json_is_integer(v) && json_integer_value(v) >= 1 &&
				    json_integer_value(v) <= 366)
					ti->visit_days = json_integer_value(v);
				else if (!json_is_null(v))
					wg_req_field_error(req, field, "range",
					                   "visit_days must be a whole number within 1..366");
			} else if (strcmp(key, "worker") == 0) {
				if (json_is_null(v))
					ti->worker = 0;
				else if (json_is_integer(v) && json_integer_value(v) > 0)
					ti->worker = json_integer_value(v);
				else
					wg_req_field_error(req, field, "type",
					                   "worker must be an account id or null");
			} else {
				wg_req_field_error(req, field, "unknown",
				                   "a tag has only tag, visit_days and worker");
			}
		}
		if (!ti->tag) {
			snprintf(field, sizeof field, "tags[%zu].tag", i);
			wg_req_field_error(req, field, "required", "tag is required");
		}
	}
}

static void read_input(wg_req *req, wg_resident_input *in, bool creating)
{
	static const char *const fields[] = {"name",       "id_number",      "phone",     "sex",
	                                     "birth_date", "residence_type", "household", "address",
	                                     "house",      "house_relation", "location",  "grid",
	                                     "region",     "tags",           NULL};
	wg_body_only(req, fields);
	in->name =
		wg_body_string(req, "name", WG_RESIDENT_NAME_MAX, creating || wg__api_body_has(req, "name"));
	in->id_number = wg_body_string(req, "id_number", 32, false);
	in->set_id_number = wg__api_body_has(req, "id_number");
	in->phone = wg_body_string(req, "phone", 32, false);
	in->set_phone = wg__api_body_has(req, "phone");
	in->sex = wg_body_string(req, "sex", 8, false);
	in->birth_date = wg_body_string(req, "birth_date", 10, false);
	in->residence_type = wg_body_string(req, "residence_type", 32, false);
	in->household = wg_body_string(req, "household", WG_RESIDENT_HOUSEHOLD_MAX, false);
	in->set_household = wg__api_body_has(req, "household");
	in->address = wg_body_string(req, "address", WG_RESIDENT_ADDRESS_MAX, false);
	in->set_address = wg__api_body_has(req, "address");
	int64_t house = wg__api_body_ref(req, "house");
	in->set_house = house != WG_BASEDATA_UNSET;
	in->house = in->set_house ? house : 0;
	in->house_relation = wg_body_string(req, "house_relation", 16, false);
	wg__api_body_where(req, &in->where);
	read_tags(req, in);
}

static int render(wg_db *db, struct op *op)
{
	return wg_resident_get(db, &op->env, op->id, write_one, op->req);
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_resident_create(db, &op->env, &op->in, &op->id, &op->req->errors);
	return rc ? rc : render(db, op);
}

static void created(wg_req *req, int status)
{
	struct op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/residents/", op->id);
}

void wg_api_residents_create(wg_req *req)
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
	int rc = wg_resident_update(db, &op->env, op->id, &op->in, op->version, &op->req->errors);
	return rc ? rc : render(db, op);
}

void wg_api_residents_update(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	read_input(req, &op->in, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, update_run, op, reply_200);
}

/* ---- GET /special-groups ------------------------------------------------------ */

void wg_api_special_groups(wg_req *req)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	for (size_t i = 0; i < wg_special_groups.n; i++) {
		const wg_term *t = &wg_special_groups.t[i];
		wg_json_object_begin(w);
		wg_json_kv_string(w, "tag", t->key);
		wg_json_kv_string(w, "label", t->label);
		wg_json_kv_string(w, "label_en", t->label_en);
		wg_json_kv_int(w, "visit_days", t->visit_days);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}
