/* /api/v1/visits: visits to residents and patrols of key places, and
 * /visits/due, the caller's schedule with missed visits flagged. */
#include "api/api.h"
#include "api/basedata.h"

#include "core/clock.h"
#include "core/error.h"
#include "domain/dispute.h"
#include "domain/visit.h"
#include "http/page.h"
#include "http/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ------------------------------------------------------------------ */

static void write_visit(wg_req *req, const wg_visit *v)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_int(w, "id", v->id);
	wg_json_key(w, "subject");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", v->subject_type);
	wg_json_kv_int(w, "id", v->subject_id);
	wg_json_kv_string(w, "name", v->subject_name);
	wg_json_object_end(w);
	wg_json_key(w, "user");
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", v->user_id);
	wg_json_kv_string(w, "name", v->user_name);
	wg_json_object_end(w);
	wg__api_kv_time(req, "at", v->at);
	wg_json_key(w, "location");
	if (v->has_location) {
		wg_json_object_begin(w);
		wg_json_key(w, "lat");
		wg_json_double(w, v->lat);
		wg_json_key(w, "lng");
		wg_json_double(w, v->lng);
		wg_json_object_end(w);
	} else {
		wg_json_null(w);
	}
	wg_json_kv_string(w, "notes", v->notes);
	wg_json_key(w, "photos");
	wg_json_array_begin(w);
	for (size_t i = 0; i < v->nphotos; i++)
		wg_json_string(w, v->photos[i]);
	wg_json_array_end(w);
	wg_json_kv_string(w, "grid", v->grid);
	wg__api_kv_time(req, "created_at", v->created_at);
}

struct op {
	wg_req *req;
	wg_basedata_env env;
	int64_t id;
	wg_visit_input in;
	wg_visit_filter filter;
	wg_visit_due_filter due;
	wg_page page;
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

static int write_one(void *ctx, const wg_visit *v)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	write_visit(req, v);
	wg_json_object_end(w);
	return 0;
}

static void reply_200(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

static void list_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, -1);
	wg_req_reply(req, 200);
}

/* ---- GET /visits ------------------------------------------------------------------ */

static int list_item(void *ctx, const wg_visit *v)
{
	struct op *op = ctx;
	return wg_page_row_id(&op->page, v->id) ? write_one(op->req, v) : 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	return wg_visit_list(db, &op->env, &op->filter, list_item, op, &op->req->errors);
}

void wg_api_visits_list(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	wg_visit_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->before_id);
	f->limit = wg_page_fetch(&op->page);
	f->subject_type = wg_query_string(req, "subject_type", 16);
	wg_query_int(req, "subject_id", 0, 1, INT64_MAX, &f->subject_id);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

/* ---- GET /visits/{id} ------------------------------------------------------------- */

static int get_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	return wg_visit_get(db, &op->env, op->id, write_one, op->req);
}

void wg_api_visits_get(wg_req *req)
{
	struct op *op = new_op(req);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, get_run, op, reply_200);
}

/* ---- POST /visits ------------------------------------------------------------------ */

static void read_input(wg_req *req, wg_visit_input *in)
{
	static const char *const fields[] = {"subject", "at", "location", "notes", "photos", NULL};
	wg_body_only(req, fields);
	json_t *subject = json_object_get(req->body, "subject");
	if (!json_is_object(subject)) {
		wg_req_field_error(req, "subject", subject ? "type" : "required",
		                   "subject must be {\"type\": \"resident\" or \"place\", \"id\"}");
	} else {
		json_t *type = json_object_get(subject, "type"), *id = json_object_get(subject, "id");
		if (json_is_string(type))
			in->subject_type = json_string_value(type);
		else
			wg_req_field_error(req, "subject.type", type ? "type" : "required",
			                   "subject.type must be resident or place");
		if (json_is_integer(id) && json_integer_value(id) > 0)
			in->subject_id = json_integer_value(id);
		else
			wg_req_field_error(req, "subject.id", id ? "type" : "required",
			                   "subject.id must be the id of the resident or place");
		const char *key;
		json_t *v;
		json_object_foreach(subject, key, v) {
			if (strcmp(key, "type") != 0 && strcmp(key, "id") != 0)
				wg_req_field_error(req, "subject", "unknown", "subject has only type and id");
		}
	}
	const char *at = wg_body_string(req, "at", 40, false);
	in->at = wg_clock_now_ms(); /* recorded on the spot unless said otherwise */
	if (at && wg_clock_parse_rfc3339(at, &in->at) != 0)
		wg_req_field_error(req, "at", "pattern", "at must be an RFC 3339 time with offset");
	wg_basedata_where where;
	wg__api_body_where(req, &where);
	in->has_location = where.has_location;
	in->lat = where.lat;
	in->lng = where.lng;
	in->notes = wg_body_string(req, "notes", WG_VISIT_NOTES_MAX, false);
	json_t *photos = json_object_get(req->body, "photos");
	if (photos && !json_is_null(photos) && !json_is_array(photos)) {
		wg_req_field_error(req, "photos", "type",
		                   "photos must be a list of SHA-256 names of uploads");
	} else if (json_array_size(photos) > WG_VISIT_PHOTOS_MAX) {
		wg_req_field_error(req, "photos", "too_long", "at most 9 photos");
	} else {
		size_t i;
		json_t *p;
		json_array_foreach(photos, i, p) {
			char field[40];
			snprintf(field, sizeof field, "photos[%zu]", i);
			if (json_is_string(p))
				in->photos[in->nphotos++] = json_string_value(p);
			else
				wg_req_field_error(req, field, "type", "a photo is the SHA-256 of an upload");
		}
	}
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_visit_create(db, &op->env, &op->in, &op->id, &op->req->errors);
	return rc ? rc : wg_visit_get(db, &op->env, op->id, write_one, op->req);
}

static void created(wg_req *req, int status)
{
	struct op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/visits/", op->id);
}

void wg_api_visits_create(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	read_input(req, &op->in);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, create_run, op, created);
}

/* ---- GET /visits/due --------------------------------------------------------------- */

static int due_item(void *ctx, const wg_visit_due *d)
{
	struct op *op = ctx;
	char key[64];
	snprintf(key, sizeof key, "%lld.%s.%lld", (long long)d->due_at, d->subject_type,
	         (long long)d->subject_id);
	if (!wg_page_row(&op->page, key))
		return 0;
	wg_req *req = op->req;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_key(w, "subject");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", d->subject_type);
	wg_json_kv_int(w, "id", d->subject_id);
	wg_json_kv_string(w, "name", d->name);
	wg_json_object_end(w);
	wg_json_kv_string(w, "grid", d->grid);
	if (d->kind)
		wg__api_write_term(req, "place_type", &wg_place_types, d->kind);
	if (d->family_level) {
		wg_json_key(w, "family");
		wg_json_object_begin(w);
		wg_json_kv_string(w, "level", d->family_level);
		wg_json_kv_string(w, "colour", wg_dispute_family_colour(d->family_level));
		wg_json_object_end(w);
	}
	wg_json_key(w, "tags");
	wg_json_array_begin(w);
	for (size_t i = 0; i < d->ntags; i++)
		wg_json_string(w, d->tags[i]);
	wg_json_array_end(w);
	wg_json_kv_int(w, "visit_days", d->visit_days);
	wg__api_kv_time(req, "last_visit", d->last_visit);
	wg__api_kv_time(req, "due_at", d->due_at);
	wg_json_kv_string(w, "status", d->missed ? "overdue" : "due");
	wg_json_kv_bool(w, "missed", d->missed);
	wg_json_kv_int(w, "missed_periods", d->missed_periods);
	wg_json_object_end(w);
	return 0;
}

static int due_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	return wg_visit_due_list(db, &op->env, &op->due, due_item, op);
}

/* The cursor of the schedule: "<due_at>.<type>.<id>". */
static bool due_cursor(const char *s, wg_visit_due_filter *f)
{
	char *end;
	errno = 0;
	long long due = strtoll(s, &end, 10);
	if (errno || end == s || *end != '.')
		return false;
	const char *type = end + 1;
	const char *dot = strchr(type, '.');
	if (!dot)
		return false;
	size_t n = (size_t)(dot - type);
	if (n == 8 && strncmp(type, "resident", 8) == 0)
		f->after_type = "resident";
	else if (n == 5 && strncmp(type, "place", 5) == 0)
		f->after_type = "place";
	else if (n == 4 && strncmp(type, "case", 4) == 0)
		f->after_type = "case";
	else
		return false;
	long long id = strtoll(dot + 1, &end, 10);
	if (errno || *end || id <= 0)
		return false;
	f->after_due = due;
	f->after_id = id;
	return true;
}

void wg_api_visits_due(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	const char *after = NULL;
	wg_page_init(&op->page, req, &after);
	op->due.limit = wg_page_fetch(&op->page);
	wg_query_int(req, "days", 3, 0, 366, &op->due.within_days);
	op->due.type = wg_query_string(req, "type", 10);
	if (op->due.type && strcmp(op->due.type, "resident") != 0 && strcmp(op->due.type, "place") != 0 &&
	    strcmp(op->due.type, "case") != 0)
		wg_req_field_error(req, "type", "unknown", "type is resident, place or case");
	if (after && !due_cursor(after, &op->due))
		wg_req_field_error(req, "cursor", "pattern", "cursor is not a cursor returned by this list");
	if (wg_req_errors_or_reply(req))
		return;
	op->due.now = wg_clock_now_ms();
	wg_req_read(req, due_run, op, list_then);
}
