/* /api/v1/audit: the audit trail, for the auditor and nobody else (the
 * route table says so). */
#include "api/api.h"

#include "core/error.h"
#include "domain/audit.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
	char sign = '+';
	int offset_min = (int)wg_req_config(req)->time_offset_minutes;
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	if (s[n] == 'T') {
		int m = 0;
		if (sscanf(s + n, "T%2d:%2d:%2d%n", &h, &mi, &sec, &m) != 3)
			return -1;
		n += m;
		if (s[n] == 'Z' && !s[n + 1])
			offset_min = 0;
		else if (sscanf(s + n, "%c%2d:%2d", &sign, &oh, &om) == 3 && (sign == '+' || sign == '-') &&
		         strlen(s + n) == 6)
			offset_min = (sign == '-' ? -1 : 1) * (oh * 60 + om);
		else
			return -1;
	} else if (s[n]) {
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = sec};
	time_t t = timegm(&tm);
	return ((int64_t)t - (int64_t)offset_min * 60) * 1000;
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
