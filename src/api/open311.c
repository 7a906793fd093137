/* /open311/v2/: Open311 GeoReport v2 (open311.h). Each resource is named
 * with its format, ".json" or ".xml", and every answer, errors included,
 * comes in that format and in GeoReport's shapes (io/tree_out.h writes
 * both from one description). The work is the citizen portal's
 * (domain/case.h): a request is reported as a citizen, limited per
 * address, and followed by its tracking code. */
#include "api/open311.h"

#include "api/api.h"
#include "api/idempotency.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/ratelimit.h"
#include "domain/case.h"
#include "domain/category.h"
#include "http/server.h"
#include "http/target.h"
#include "http/validate.h"
#include "io/tree_out.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#define SPECIFICATION "http://wiki.open311.org/GeoReport_v2"
/* When this server's GeoReport surface last changed (discovery's changeset). */
#define CHANGESET "2026-11-25T00:00:00+08:00"
/* The most requests one GET /requests names. */
#define IDS_MAX 50

struct op {
	wg_req *req;
	bool xml;
	const char *stem; /* the resource's name without its format */
	wg_tree_out tree;
	wg_case_env env;
	wg_case_report report;
	char tracking[WG_CASE_TRACKING_LEN + 1];
	int64_t id;     /* the case a POST made */
	bool one_asked; /* GET /requests/{id}: 404 when it is not found */
	wg_idempotency idem;
	int status; /* of the answer written in the write transaction */
	const char *ids[IDS_MAX];
	size_t nids;
	size_t found;
	/* GET /services: the major category the minors that follow belong to. */
	const char *group;
	bool service_found; /* GET /services/{code}: it is an event category */
};

static const wg_caller citizen = {.user_id = 0, .username = "citizen", .roles = 0, .scope = NULL};

/* ---- answers in either format ---------------------------------------------- */

static void tree_begin(struct op *op)
{
	if (op->xml)
		wg_tree_init_xml(&op->tree, wg_evbuffer_sink, op->req->out);
	else
		wg_tree_init_json(&op->tree, wg_req_json(op->req));
}

/* The document written to req->out, as it is. */
static void send_body(struct op *op, int status)
{
	/* Open311 apps in browsers run on other origins. Nothing here reads a
	 * cookie or a session, so letting any origin read the answers gives
	 * away nothing a plain request does not. */
	wg_req_header(op->req, "Access-Control-Allow-Origin", "*");
	wg_req_reply_body(op->req, status,
	                  op->xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8");
}

/* The end of the document (invalid UTF-8 in it was replaced, WG_EBADREQ:
 * still sent); 0 or what stopped it. */
static int tree_end(struct op *op)
{
	int rc = wg_tree_finish(&op->tree);
	return rc == WG_EBADREQ ? 0 : rc;
}

static void send_tree(struct op *op, int status)
{
	int rc = tree_end(op);
	if (rc)
		wg_req_problem(op->req, rc, NULL);
	else
		send_body(op, status);
}

/* GeoReport's error document: [{"code": status, "description"}], one per
 * problem; the field errors collected on req, or else description. */
static void send_errors(struct op *op, int status, const char *description)
{
	wg_req *req = op->req;
	/* Whatever was written before the failure goes. */
	evbuffer_drain(req->out, evbuffer_get_length(req->out));
	wg_json_init(&req->json, wg_evbuffer_sink, req->out);
	tree_begin(op);
	wg_tree_list_begin(&op->tree, "errors");
	unsigned n = req->errors.n ? req->errors.n : 1;
	for (unsigned i = 0; i < n; i++) {
		const char *text = description;
		if (req->errors.n) {
			const wg_field_error *e = &req->errors.e[i];
			text = wg_arena_printf(&req->arena, "%s: %s", wg_open311_param_of(e->field),
			                       e->message);
		}
		wg_tree_object_begin(&op->tree, "error");
		wg_tree_int(&op->tree, "code", status);
		wg_tree_string(&op->tree, "description", text ? text : wg_error_message(WG_EINTERNAL));
		wg_tree_object_end(&op->tree);
	}
	wg_tree_list_end(&op->tree);
	send_tree(op, status);
}

/* A status from the store or the engine: the field errors as 400, any other
 * code as its HTTP status with its message. */
static void send_failure(struct op *op, int rc)
{
	if (rc == WG_EVALIDATION || (op->req->errors.n && rc != WG_ESTORE && rc != WG_ENOMEM))
		send_errors(op, 400, NULL);
	else
		send_errors(op, wg_error_http_status(rc), wg_error_message(rc));
}

static void kv_time(struct op *op, const char *name, int64_t ms)
{
	char text[40];
	int offset = (int)wg_req_config(op->req)->time_offset_minutes;
	bool ok = ms > 0 && wg_clock_format_rfc3339(ms, offset, 0, text, sizeof text) == 0;
	wg_tree_string(&op->tree, name, ok ? text : NULL);
}

/* ---- the resource's name ----------------------------------------------------- */

/* "services.json" into op->stem "services" and op->xml; false after a 404
 * for a format this server does not write. */
static bool file_or_reply(struct op *op, const char *file)
{
	const char *dot = strrchr(file, '.');
	if (dot && (strcmp(dot, ".json") == 0 || strcmp(dot, ".xml") == 0)) {
		op->xml = dot[1] == 'x';
		op->stem = wg_arena_strndup(&op->req->arena, file, (size_t)(dot - file));
		if (op->stem)
			return true;
		wg_req_problem(op->req, WG_ENOMEM, NULL);
		return false;
	}
	send_errors(op, 404, "no such resource: name it with its format, .json or .xml");
	return false;
}

static struct op *new_op(wg_req *req)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return NULL;
	op->req = req;
	wg__api_case_env(req, &op->env);
	op->env.caller = &citizen;
	return file_or_reply(op, req->params[0]) ? op : NULL;
}

/* ---- GET /open311/v2/discovery ---------------------------------------------- */

static void discovery(struct op *op)
{
	wg_req *req = op->req;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req->ev);
	const char *host = evhttp_find_header(in, "Host");
	const char *proto = evhttp_find_header(in, "X-Forwarded-Proto");
	bool https = proto && strcmp(proto, "https") == 0;
	const char *url =
		host ? wg_arena_printf(&req->arena, "%s://%s/open311/v2", https ? "https" : "http", host)
		     : "/open311/v2";
	const char *contact = wg_req_config(req)->open311_contact;
	tree_begin(op);
	wg_tree_object_begin(&op->tree, "discovery");
	wg_tree_string(&op->tree, "changeset", CHANGESET);
	wg_tree_string(&op->tree, "contact", contact && *contact ? contact : NULL);
	wg_tree_string(&op->tree, "key_service",
	               "不需要 api_key：任何人都可报告，同一地址每分钟限报若干次（no api_key is needed）");
	wg_tree_list_begin(&op->tree, "endpoints");
	wg_tree_object_begin(&op->tree, "endpoint");
	wg_tree_string(&op->tree, "specification", SPECIFICATION);
	wg_tree_string(&op->tree, "url", url);
	wg_tree_string(&op->tree, "changeset", CHANGESET);
	wg_tree_string(&op->tree, "type", "production");
	wg_tree_list_begin(&op->tree, "formats");
	wg_tree_string(&op->tree, "format", "text/xml");
	wg_tree_string(&op->tree, "format", "application/json");
	wg_tree_list_end(&op->tree);
	wg_tree_object_end(&op->tree);
	wg_tree_list_end(&op->tree);
	wg_tree_object_end(&op->tree);
	send_tree(op, 200);
}

/* ---- GET /open311/v2/services, /services/{code} ------------------------------- */

static const char *deadline_text(struct op *op, const wg_category *c)
{
	bool hours = c->deadline_unit && strcmp(c->deadline_unit, "working_hours") == 0;
	return wg_arena_printf(&op->req->arena, "%s：%s，%lld 个工作%s内办结", op->group ? op->group : "",
	                       c->name, (long long)c->deadline, hours ? "小时" : "日");
}

static int service_item(void *ctx, const wg_category *c)
{
	struct op *op = ctx;
	if (!c->parent) {
		op->group = wg_arena_strdup(&op->req->arena, c->name);
		return op->group ? 0 : WG_ENOMEM;
	}
	wg_tree_out *t = &op->tree;
	wg_tree_object_begin(t, "service");
	wg_tree_string(t, "service_code", c->code);
	wg_tree_string(t, "service_name", c->name);
	wg_tree_string(t, "description", deadline_text(op, c));
	wg_tree_bool(t, "metadata", false);
	wg_tree_string(t, "type", "realtime");
	wg_tree_string(t, "keywords", c->name_en);
	wg_tree_string(t, "group", op->group);
	wg_tree_object_end(t);
	return 0;
}

static int services_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	tree_begin(op);
	wg_tree_list_begin(&op->tree, "services");
	int rc = wg_category_list(db, "event", service_item, op);
	wg_tree_list_end(&op->tree);
	return rc;
}

static void tree_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (status)
		send_failure(op, status);
	else
		send_tree(op, 200);
}

static int definition_item(void *ctx, const wg_category *c)
{
	struct op *op = ctx;
	op->service_found = op->service_found || (c->parent && strcmp(c->code, op->stem) == 0);
	return 0;
}

static int definition_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_category_list(db, "event", definition_item, op);
	if (rc)
		return rc;
	if (!op->service_found)
		return WG_ENOTFOUND;
	/* No service has attributes: every one is "metadata": false. */
	tree_begin(op);
	wg_tree_object_begin(&op->tree, "service_definition");
	wg_tree_string(&op->tree, "service_code", op->stem);
	wg_tree_list_begin(&op->tree, "attributes");
	wg_tree_list_end(&op->tree);
	wg_tree_object_end(&op->tree);
	return 0;
}

void wg_api_open311_service(wg_req *req)
{
	struct op *op = new_op(req);
	if (op)
		wg_req_read(req, definition_run, op, tree_then);
}

/* ---- GET /open311/v2/requests, /requests/{id}, /tokens/{token} ------------------ */

static int request_item(void *ctx, const wg_case_public *c)
{
	struct op *op = ctx;
	wg_tree_out *t = &op->tree;
	op->found++;
	wg_tree_object_begin(t, "request");
	wg_tree_string(t, "service_request_id", c->tracking_code);
	wg_tree_string(t, "status", c->done ? "closed" : "open");
	wg_tree_string(t, "status_notes", c->master_state_label ? c->master_state_label : c->state_label);
	wg_tree_string(t, "service_name", c->category_name);
	wg_tree_string(t, "service_code", c->category);
	wg_tree_string(t, "agency_responsible", c->department_name);
	kv_time(op, "requested_datetime", c->reported_at);
	kv_time(op, "updated_datetime", c->updated_at);
	kv_time(op, "expected_datetime", c->handle_deadline);
	if (c->has_location) {
		wg_tree_double(t, "lat", c->lat);
		wg_tree_double(t, "long", c->lng);
	} else {
		wg_tree_string(t, "lat", NULL);
		wg_tree_string(t, "long", NULL);
	}
	wg_tree_object_end(t);
	return 0;
}

/* Each id's request, those not found left out; none found of a single id
 * asked for by path is a 404. */
static int requests_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	tree_begin(op);
	wg_tree_list_begin(&op->tree, "service_requests");
	for (size_t i = 0; i < op->nids; i++) {
		int rc = wg_case_public_get(db, &op->env, op->ids[i], request_item, NULL, op);
		if (rc && rc != WG_ENOTFOUND)
			return rc;
	}
	wg_tree_list_end(&op->tree);
	return op->one_asked && !op->found ? WG_ENOTFOUND : 0;
}

/* ?service_request_id=A,B,...: the requests to show; GeoReport's other
 * filters only narrow a list, and this server lists no one's requests. */
static bool ids_or_reply(struct op *op)
{
	const char *given = wg_req_query(op->req, "service_request_id");
	char *list = given ? wg_arena_strdup(&op->req->arena, given) : NULL;
	for (char *save = NULL, *id = list ? strtok_r(list, ",", &save) : NULL; id;
	     id = strtok_r(NULL, ",", &save)) {
		if (op->nids == IDS_MAX) {
			send_errors(op, 400, "service_request_id: at most 50 ids at once");
			return false;
		}
		if (wg_case_tracking_code_ok(id))
			op->ids[op->nids++] = id;
	}
	if (!given) {
		send_errors(
			op, 400,
			"service_request_id is required: requests are shown only to whoever holds their ids");
		return false;
	}
	return true;
}

static void show_requests(struct op *op)
{
	wg_req_read(op->req, requests_run, op, tree_then);
}

void wg_api_open311_request(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	if (!wg_case_tracking_code_ok(op->stem)) {
		send_errors(op, 404, "no such service request");
		return;
	}
	op->ids[op->nids++] = op->stem;
	op->one_asked = true;
	show_requests(op);
}

static int token_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int64_t id = 0;
	int rc = wg_db_query_int(db, "SELECT id FROM cases WHERE tracking_code = ?", &id, "t", op->stem);
	if (rc)
		return rc;
	tree_begin(op);
	wg_tree_list_begin(&op->tree, "service_requests");
	wg_tree_object_begin(&op->tree, "request");
	wg_tree_string(&op->tree, "service_request_id", op->stem);
	wg_tree_string(&op->tree, "token", op->stem);
	wg_tree_object_end(&op->tree);
	wg_tree_list_end(&op->tree);
	return 0;
}

/* This server answers a POST with the request's id at once and issues no
 * other tokens; a client that keeps the id as its token gets it back. */
void wg_api_open311_token(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	if (!wg_case_tracking_code_ok(op->stem)) {
		send_errors(op, 404, "no such token");
		return;
	}
	wg_req_read(req, token_run, op, tree_then);
}

void wg_api_open311_get(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	if (strcmp(op->stem, "discovery") == 0)
		discovery(op);
	else if (strcmp(op->stem, "services") == 0)
		wg_req_read(req, services_run, op, tree_then);
	else if (strcmp(op->stem, "requests") != 0)
		send_errors(op, 404, "no such resource: discovery, services or requests");
	else if (ids_or_reply(op))
		show_requests(op);
}

/* ---- POST /open311/v2/requests ------------------------------------------------ */

/* The form body, decoded (as a query is) and read into op->report; false
 * after replying with what is wrong. */
static bool form_or_reply(struct op *op)
{
	wg_req *req = op->req;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req->ev);
	if (!wg_media_type_is(evhttp_find_header(in, "Content-Type"), "application/x-www-form-urlencoded")) {
		send_errors(op, 415, "send the request as application/x-www-form-urlencoded");
		return false;
	}
	struct evbuffer *body = evhttp_request_get_input_buffer(req->ev);
	size_t len = evbuffer_get_length(body);
	const char *raw = len ? (const char *)evbuffer_pullup(body, -1) : "";
	char *text = raw ? wg_arena_strndup(&req->arena, raw, len) : NULL;
	if (!text) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return false;
	}
	struct evkeyvalq form;
	TAILQ_INIT(&form);
	const char *why = NULL;
	int rc = strlen(text) == len ? wg_target_parse_query(text, &form, &why) : WG_EBADREQ;
	wg_open311_request r;
	if (!rc)
		wg_open311_read_request(&form, &req->arena, &r, &req->errors);
	evhttp_clear_headers(&form);
	if (rc) {
		send_errors(op, 400, why ? why : "the form contains a NUL byte");
		return false;
	}
	/* A retry repeats the form and the format the first answer was in. */
	char *retried = wg_arena_printf(&req->arena, "%s\n%s", op->xml ? "xml" : "json", text);
	if (!retried) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return false;
	}
	wg_idempotency_from_text(req, true, retried, strlen(retried), &op->idem);
	if (req->errors.n) {
		send_errors(op, 400, NULL);
		return false;
	}
	op->report = (wg_case_report){
		.citizen = true,
		.kind = "event",
		.source = "citizen",
		.category = r.service_code,
		.description = r.description,
		.address = r.address,
		.has_location = r.has_location,
		.lat = r.lat,
		.lng = r.lng,
		.reporter_name = r.name,
		.reporter_phone = r.phone,
	};
	return true;
}

/* GeoReport's answer to a request posted: its id, in the transaction that
 * made it, so that a retry with the same Idempotency-Key gets it again. */
static int write_created(struct op *op)
{
	tree_begin(op);
	wg_tree_list_begin(&op->tree, "service_requests");
	wg_tree_object_begin(&op->tree, "request");
	wg_tree_string(&op->tree, "service_request_id", op->tracking);
	wg_tree_string(&op->tree, "service_notice", "已收到您的报告，可凭编号查询办理进度。");
	wg_tree_string(&op->tree, "account_id", NULL);
	wg_tree_object_end(&op->tree);
	wg_tree_list_end(&op->tree);
	return tree_end(op);
}

static int create_request(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_case_create(db, &op->env, &op->report, &op->id, op->tracking, &op->req->errors);
	return rc ? rc : write_created(op);
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	op->status = 201;
	return wg_idempotency_run(db, &op->idem, op->req, &op->status, op->env.now, create_request, op);
}

static void create_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (status) {
		send_failure(op, status);
		return;
	}
	wg__api_cases_written();
	send_body(op, op->status);
}

void wg_api_open311_post(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	if (strcmp(op->stem, "requests") != 0) {
		send_errors(op, 404, "no such resource: service requests are posted to requests");
		return;
	}
	int64_t retry_ms = 0;
	if (!wg_ratelimit_allow(wg_req_portal_limit(req), req->address, wg_clock_now_ms(), &retry_ms)) {
		char retry[32];
		snprintf(retry, sizeof retry, "%lld", (long long)((retry_ms + 999) / 1000));
		wg_req_header(req, "Retry-After", retry);
		send_errors(op, 429, "too many reports from this address");
		return;
	}
	if (form_or_reply(op))
		wg_req_write(req, create_run, op, create_then);
}
