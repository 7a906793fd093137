/* /api/v1/audit: the audit trail, for the auditor and nobody else (the
 * route table says so). */
#include "api/api.h"

#include "core/clock.h"
#include "core/error.h"
#include "domain/audit.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct audit_op {
	wg_req *req;
	wg_audit_filter filter;
	wg_page page;
	int64_t rows, first_bad;
};

static int write_row(void *ctx, const wg_audit_row *r)
{
	struct audit_op *op = ctx;
	if (!wg_page_row_id(&op->page, r->id))
		return 0;
	wg_req *req = op->req;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", r->id);
	wg__api_kv_time(req, "at", r->at_ms);
	wg_json_key(w, "actor");
	if (r->actor_id)
		wg_json_int(w, r->actor_id);
	else
		wg_json_null(w);
	wg_json_kv_string(w, "actor_name", r->actor_name);
	wg_json_kv_string(w, "roles", r->actor_roles);
	wg_json_kv_string(w, "address", r->address);
	wg_json_kv_string(w, "action", r->action);
	wg_json_kv_string(w, "object_type", r->object_type);
	wg_json_kv_string(w, "object_id", r->object_id);
	wg_json_kv_string(w, "result", r->result);
	wg_json_key(w, "detail");
	if (r->detail)
		wg_json_raw(w, r->detail); /* stored only after being checked to be a JSON object */
	else
		wg_json_null(w);
	wg_json_kv_string(w, "hash", r->hash);
	wg_json_object_end(w);
	return 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct audit_op *op = arg;
	wg_page_begin(&op->page);
	return wg_audit_list(db, &op->filter, write_row, op);
}

static void list_then(wg_req *req, int status)
{
	struct audit_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, -1);
	wg_req_reply(req, 200);
}

/* A bound of the time filter: RFC 3339 with offset, or a date taken in
 * the configured offset. Returns UTC milliseconds, or -1 when malformed. */
static int64_t parse_time(wg_req *req, const char *s)
{
	int64_t ms;
	if (strlen(s) == 10) {
		/* A date alone is the start of that day where the server is. */
		char start[32];
		snprintf(start, sizeof start, "%sT00:00:00Z", s);
		if (wg_clock_parse_rfc3339(start, &ms) != 0)
			return -1;
		ms -= (int64_t)wg_req_config(req)->time_offset_minutes * 60000;
	} else if (wg_clock_parse_rfc3339(s, &ms) != 0) {
		return -1;
	}
	return ms < 0 ? -1 : ms;
}

static void time_filter(wg_req *req, const char *name, int64_t *out)
{
	const char *v = wg_query_string(req, name, 40);
	if (!v)
		return;
	*out = parse_time(req, v);
	if (*out < 0) {
		*out = 0;
		wg_req_field_error(req, name, "pattern", "use a date (2026-11-24) or an RFC 3339 time");
	}
}

void wg_api_audit_list(wg_req *req)
{
	struct audit_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return;
	op->req = req;
	wg_page_init_id(&op->page, req, &op->filter.before_id);
	op->filter.limit = wg_page_fetch(&op->page);
	op->filter.actor = wg_query_string(req, "actor", 32);
	op->filter.action = wg_query_string(req, "action", 64);
	time_filter(req, "from", &op->filter.from_ms);
	time_filter(req, "to", &op->filter.to_ms);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

static int verify_run(wg_db *db, void *arg)
{
	struct audit_op *op = arg;
	return wg_audit_verify(db, &op->rows, &op->first_bad);
}

static void verified(wg_req *req, int status)
{
	struct audit_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "rows", op->rows);
	wg_json_kv_bool(w, "intact", op->first_bad == 0);
	wg_json_key(w, "first_bad_id");
	if (op->first_bad)
		wg_json_int(w, op->first_bad);
	else
		wg_json_null(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}

void wg_api_audit_verify(wg_req *req)
{
	struct audit_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (op)
		wg_req_read(req, verify_run, op, verified);
}
