/* /api/v1/cases: report, read, list, act on cases, their timeline,
 * duplicate candidates and attachments; and the citizen portal's
 * /api/v1/public/reports, which reports and follows without an account.
 * The engine is domain/case.h; this file only turns HTTP into its calls. */
#include "api/api.h"
#include "api/basedata.h"
#include "api/idempotency.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/ratelimit.h"
#include "domain/case.h"
#include "domain/dedupe.h"
#include "domain/dispute.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"
#include "jobs/scheduler.h"
#include "jobs/stats_fold.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>

struct op {
	wg_req *req;
	wg_case_env env;
	int64_t id, version;
	const char *action;
	wg_case_report report;
	wg_case_filter filter;
	wg_page page;
	int64_t total;
	char tracking[WG_CASE_TRACKING_LEN + 1];
	wg_idempotency idem;
	int status; /* of the answer written in a write transaction */
	int satisfaction;
	const char *comment;
};

static const wg_caller citizen = {.user_id = 0, .username = "citizen", .roles = 0, .scope = NULL};

void wg__api_case_env(wg_req *req, wg_case_env *env)
{
	const wg_config *cfg = wg_req_config(req);
	*env = (wg_case_env){
		.caller = req->caller ? req->caller : &citizen,
		.cfg = cfg,
		.cal = wg_req_calendar(req),
		.key = wg_req_secret_key(req),
		.audit_alg = cfg->security_audit_hash,
		.now = wg_clock_now_ms(),
		.arena = &req->arena,
	};
}

static struct op *new_op(wg_req *req, bool portal)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return NULL;
	op->req = req;
	wg__api_case_env(req, &op->env);
	if (portal)
		op->env.caller = &citizen;
	return op;
}

/* in_charge: the people in personal charge (包抓); callback: who calls a
 * family dispute back. A person without user is a vacant post (in charge)
 * or the centre of region (call-back). */
static void write_people(wg_req *req, const wg_case *c)
{
	wg_json_out *w = wg_req_json(req);
	static const char *const duties[] = {"in_charge", "callback"};
	for (size_t d = 0; d < 2; d++) {
		wg_json_key(w, duties[d]);
		wg_json_array_begin(w);
		for (size_t i = 0; i < c->npeople; i++) {
			const wg_case_person *p = &c->people[i];
			if (strcmp(p->duty, duties[d]) != 0)
				continue;
			wg_json_object_begin(w);
			wg_json_kv_string(w, "post", p->post);
			wg_json_kv_string(w, "region", p->region);
			if (p->user)
				wg_json_kv_int(w, "user", p->user);
			else
				wg_json_kv_null(w, "user");
			wg_json_kv_string(w, "name", p->name);
			wg_json_object_end(w);
		}
		wg_json_array_end(w);
	}
}

static void kv_id(wg_json_out *w, const char *key, int64_t id)
{
	if (id)
		wg_json_kv_int(w, key, id);
	else
		wg_json_kv_null(w, key);
}

static void write_parties(wg_json_out *w, const wg_dispute *d)
{
	wg_json_key(w, "parties");
	wg_json_array_begin(w);
	for (size_t i = 0; i < d->nparties; i++) {
		const wg_dispute_party *p = &d->parties[i];
		wg_json_object_begin(w);
		wg_json_kv_int(w, "id", p->id);
		wg_json_kv_string(w, "role", p->role);
		wg_json_kv_string(w, "type", p->type);
		wg_json_kv_string(w, "name", p->name);
		wg_json_kv_string(w, "phone", p->phone);
		wg_json_kv_string(w, "id_number", p->id_number);
		wg_json_kv_string(w, "credit_code", p->credit_code);
		wg_json_kv_string(w, "address", p->address);
		kv_id(w, "resident", p->resident);
		kv_id(w, "organisation", p->organisation);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
}

static void write_mediation(wg_req *req, const wg_dispute *d)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_key(w, "sessions");
	wg_json_array_begin(w);
	for (size_t i = 0; i < d->nsessions; i++) {
		const wg_dispute_session *s = &d->sessions[i];
		wg_json_object_begin(w);
		wg_json_kv_int(w, "id", s->id);
		wg__api_kv_time(req, "at", s->at);
		wg_json_kv_string(w, "place", s->place);
		wg_json_kv_bool(w, "online", s->online);
		wg_json_kv_string(w, "attendees", s->attendees);
		wg_json_kv_string(w, "minutes", s->minutes);
		wg__api_kv_time(req, "held_at", s->held_at);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg_json_key(w, "agreements");
	wg_json_array_begin(w);
	for (size_t i = 0; i < d->nagreements; i++) {
		const wg_dispute_agreement *g = &d->agreements[i];
		wg_json_object_begin(w);
		wg_json_kv_int(w, "id", g->id);
		wg_json_kv_string(w, "terms", g->terms);
		wg_json_key(w, "documents");
		wg_json_raw(w, g->documents ? g->documents : "[]");
		wg__api_kv_time(req, "created_at", g->created_at);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
}

static void write_dispute(wg_req *req, const wg_dispute *d)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_key(w, "dispute");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "subject_matter", d->subject_matter);
	wg_json_key(w, "amount");
	char amount[32];
	snprintf(amount, sizeof amount, "%lld.%02lld", (long long)(d->amount_fen / 100),
	         (long long)(d->amount_fen % 100));
	if (d->has_amount)
		wg_json_raw(w, amount);
	else
		wg_json_null(w);
	wg_json_key(w, "mediation");
	wg_json_object_begin(w);
	kv_id(w, "body", d->body);
	wg_json_kv_string(w, "body_name", d->body_name);
	kv_id(w, "mediator", d->mediator);
	wg_json_kv_string(w, "mediator_name", d->mediator_name);
	wg_json_kv_string(w, "ladder", wg_dispute_ladder[d->ladder]);
	wg_json_kv_string(w, "ladder_label", wg_dispute_ladder_labels[d->ladder]);
	wg_json_kv_int(w, "ladder_step", d->ladder + 1);
	wg__api_kv_time(req, "agreed_at", d->agreed_at);
	wg__api_kv_time(req, "performed_at", d->performed_at);
	wg_json_object_end(w);
	wg_json_key(w, "judicial");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "state", d->judicial);
	wg_json_kv_string(w, "court", d->judicial_court);
	wg_json_kv_string(w, "ruling", d->judicial_ruling);
	wg__api_kv_time(req, "at", d->judicial_at);
	wg_json_object_end(w);
	const wg_dispute_family *f = wg_dispute_family_of(d->family_level);
	wg_json_key(w, "family");
	if (f) {
		wg_json_object_begin(w);
		wg_json_kv_string(w, "level", f->level);
		wg_json_kv_string(w, "colour", f->colour);
		wg_json_kv_string(w, "frequency", f->frequency);
		wg__api_kv_time(req, "last_callback_at", d->last_callback_at);
		wg__api_kv_time(req, "callback_due", d->callback_due);
		wg_json_object_end(w);
	} else {
		wg_json_null(w);
	}
	write_parties(w, d);
	write_mediation(req, d);
	wg_json_object_end(w);
}

static void write_petition(wg_req *req, const wg_petition *p)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_key(w, "petition");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "form", p->form);
	wg_json_key(w, "visitor");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "name", p->visitor_name);
	wg_json_kv_string(w, "phone", p->visitor_phone);
	wg_json_kv_string(w, "id_number", p->visitor_id_number);
	wg_json_object_end(w);
	wg_json_kv_int(w, "visitors", p->visitors);
	wg_json_kv_string(w, "subject", p->subject);
	wg_json_kv_string(w, "demands", p->demands);
	wg_json_key(w, "first_asked");
	wg_json_object_begin(w);
	kv_id(w, "user", p->first_asked_user);
	wg_json_kv_string(w, "name", p->first_asked_name);
	wg_json_object_end(w);
	wg_json_key(w, "repeat_of");
	if (p->repeat_of) {
		wg_json_object_begin(w);
		wg_json_kv_int(w, "id", p->repeat_of);
		wg_json_kv_string(w, "number", p->repeat_of_number);
		wg_json_object_end(w);
	} else {
		wg_json_null(w);
	}
	wg_json_key(w, "repeats");
	wg_json_array_begin(w);
	for (size_t i = 0; i < p->nrepeats; i++)
		wg_json_int(w, p->repeats[i]);
	wg_json_array_end(w);
	wg_json_object_end(w);
}

static void write_case(wg_req *req, const wg_case *c)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", c->id);
	wg_json_kv_string(w, "number", c->number);
	wg_json_kv_string(w, "kind", c->kind);
	wg_json_kv_string(w, "category", c->category);
	wg_json_kv_string(w, "category_name", c->category_name);
	wg_json_kv_string(w, "title", c->title);
	wg_json_kv_string(w, "description", c->description);
	wg_json_kv_string(w, "state", c->state);
	wg_json_kv_string(w, "state_label", c->state_label);
	wg_json_kv_bool(w, "terminal", c->terminal);
	wg_json_kv_string(w, "level", c->level);
	wg_json_kv_string(w, "centre", c->centre);
	wg_json_kv_string(w, "source", c->source);
	wg_json_kv_string(w, "priority", c->priority);
	wg_json_kv_bool(w, "self_resolved", c->self_resolved);
	wg_json_key(w, "location");
	if (c->has_location) {
		wg_json_object_begin(w);
		wg_json_key(w, "lat");
		wg_json_double(w, c->lat);
		wg_json_key(w, "lng");
		wg_json_double(w, c->lng);
		wg_json_object_end(w);
	} else {
		wg_json_null(w);
	}
	wg_json_kv_string(w, "address", c->address);
	wg_json_kv_string(w, "grid", c->grid);
	wg_json_kv_string(w, "grid_name", c->grid_name);
	wg_json_kv_string(w, "region", c->region);
	wg_json_kv_string(w, "region_name", c->region_name);
	wg_json_kv_string(w, "department", c->department);
	wg_json_kv_string(w, "department_name", c->department_name);
	wg_json_key(w, "co_departments");
	wg_json_array_begin(w);
	for (size_t i = 0; i < c->ndepartments; i++)
		if (strcmp(c->departments[i].role, "co") == 0)
			wg_json_string(w, c->departments[i].code);
	wg_json_array_end(w);
	wg_json_key(w, "summoned");
	wg_json_array_begin(w);
	for (size_t i = 0; i < c->ndepartments; i++) {
		const wg_case_department *d = &c->departments[i];
		if (strcmp(d->role, "summoned") != 0)
			continue;
		wg_json_object_begin(w);
		wg_json_kv_string(w, "department", d->code);
		wg_json_kv_string(w, "name", d->name);
		wg__api_kv_time(req, "due", d->due);
		wg__api_kv_time(req, "reported_in_at", d->reported_in_at);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg_json_kv_string(w, "reporter_name", c->reporter_name);
	wg_json_kv_string(w, "reporter_phone", c->reporter_phone);
	wg_json_kv_string(w, "tracking_code", c->tracking_code);
	if (c->master)
		wg_json_kv_int(w, "master", c->master);
	else
		wg_json_kv_null(w, "master");
	wg_json_kv_string(w, "supervision", c->supervision);
	wg_json_kv_string(w, "risk", c->risk);
	wg_json_kv_string(w, "tier", c->tier);
	if (c->has_actions) {
		write_people(req, c);
		if (c->dispute)
			write_dispute(req, c->dispute);
		if (c->petition)
			write_petition(req, c->petition);
	}
	wg_json_kv_string(w, "clock", c->clock);
	wg_json_kv_string(w, "clock_label", c->clock_label);
	wg__api_kv_time(req, "deadline", c->deadline);
	wg_json_kv_bool(w, "overdue", c->overdue);
	wg__api_kv_time(req, "pending_deadline", c->pending_deadline);
	if (c->satisfaction)
		wg_json_kv_int(w, "satisfaction", c->satisfaction);
	else
		wg_json_kv_null(w, "satisfaction");
	wg_json_kv_string(w, "result", c->result);
	wg_json_key(w, "counts");
	wg_json_object_begin(w);
	wg_json_kv_int(w, "returns", c->returns);
	wg_json_kv_int(w, "extensions", c->extensions);
	wg_json_kv_int(w, "reworks", c->reworks);
	wg_json_kv_int(w, "reopens", c->reopens);
	wg_json_kv_int(w, "escalations", c->escalations);
	wg_json_object_end(w);
	wg__api_kv_time(req, "reported_at", c->reported_at);
	wg__api_kv_time(req, "accepted_at", c->accepted_at);
	wg__api_kv_time(req, "dispatched_at", c->dispatched_at);
	wg__api_kv_time(req, "closed_at", c->closed_at);
	wg__api_kv_time(req, "updated_at", c->updated_at);
	wg_json_kv_int(w, "version", c->version);
	if (c->has_actions) {
		wg_json_key(w, "actions");
		wg_json_array_begin(w);
		for (size_t i = 0; i < c->nactions; i++)
			wg_json_string(w, c->actions[i]);
		wg_json_array_end(w);
	}
	wg_json_object_end(w);
}

/* An ETag of the version, so that a client can send it back in If-Match. */
static int write_versioned(void *ctx, const wg_case *c)
{
	wg_req *req = ctx;
	char *etag = wg_arena_printf(&req->arena, "\"%lld\"", (long long)c->version);
	if (etag)
		wg_req_header(req, "ETag", etag);
	write_case(req, c);
	return 0;
}

static void reply_status(wg_req *req, int status)
{
	struct op *op = req->user;
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, op->status ? op->status : 200);
}

void wg__api_cases_written(void)
{
	int64_t now = wg_clock_now_ms();
	wg_scheduler_hint_global(now);
	wg_stats_fold_hint(now);
}

static void reply_after_write(wg_req *req, int status)
{
	if (!status)
		wg__api_cases_written();
	reply_status(req, status);
}

/* ---- POST /cases and POST /public/reports --------------------------------- */

void wg__api_case_read_report(wg_req *req, wg_case_report *r, bool portal)
{
	static const char *const staff[] = {
		"kind",    "category", "title",          "description", "source",   "priority",
		"address", "grid",     "location",       "region",      "reporter", "self_resolved",
		"photos",  "parties",  "subject_matter", "amount",      "petition", NULL};
	static const char *const public_fields[] = {"category", "description", "location",
	                                            "address",  "contact",     NULL};
	wg_body_only(req, portal ? public_fields : staff);
	r->citizen = portal;
	r->body = portal ? NULL : req->body;
	r->kind = portal ? "event" : wg_body_string(req, "kind", 16, false);
	r->category = wg_body_string(req, "category", 8, false);
	r->title = portal ? NULL : wg_body_string(req, "title", WG_CASE_TITLE_MAX, false);
	r->description = wg_body_raw_string(req, "description", WG_CASE_DESCRIPTION_MAX, true);
	r->source = portal ? "citizen" : wg_body_string(req, "source", 16, false);
	r->priority = portal ? NULL : wg_body_string(req, "priority", 8, false);
	r->address = wg_body_string(req, "address", WG_CASE_ADDRESS_MAX, false);
	wg_basedata_where where;
	wg__api_body_where(req, &where);
	r->grid = where.grid;
	r->region = where.region;
	r->has_location = where.has_location;
	r->lat = where.lat;
	r->lng = where.lng;
	json_t *who = json_object_get(req->body, portal ? "contact" : "reporter");
	if (who && !json_is_null(who)) {
		if (!json_is_object(who)) {
			wg_req_field_error(req, portal ? "contact" : "reporter", "type",
			                   "an object {\"name\",\"phone\"}");
		} else {
			r->reporter_name = json_string_value(json_object_get(who, "name"));
			r->reporter_phone = json_string_value(json_object_get(who, "phone"));
		}
	}
	if (!portal)
		wg_body_bool(req, "self_resolved", false, &r->self_resolved);
	json_t *photos = portal ? NULL : json_object_get(req->body, "photos");
	if (photos && !json_is_null(photos)) {
		if (!json_is_array(photos) || json_array_size(photos) > WG_CASE_PHOTOS_MAX)
			wg_req_field_error(req, "photos", "type",
			                   "photos is a list of at most 9 sha256 names");
		else
			for (size_t i = 0; i < json_array_size(photos); i++) {
				const char *s = json_string_value(json_array_get(photos, i));
				if (!s)
					wg_req_field_error(req, "photos", "type",
					                   "photos holds sha256 names");
				else
					r->photos[r->nphotos++] = s;
			}
	}
}

static int create_answer(wg_db *db, struct op *op)
{
	wg_req *req = op->req;
	if (op->report.citizen) {
		wg_json_out *w = wg_req_json(req);
		wg_json_object_begin(w);
		wg_json_kv_string(w, "tracking_code", op->tracking);
		wg_json_object_end(w);
		return wg_json_finish(w) ? WG_ENOMEM : 0;
	}
	int rc = wg_case_get(db, &op->env, op->id, write_versioned, req);
	return rc ? rc : (wg_json_finish(wg_req_json(req)) ? WG_ENOMEM : 0);
}

static int create_case(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_case_create(db, &op->env, &op->report, &op->id, op->tracking, &op->req->errors);
	return rc ? rc : create_answer(db, op);
}

static int create_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	op->status = 201;
	return wg_idempotency_run(db, &op->idem, op->req, &op->status, op->env.now, create_case, op);
}

static void create_then(wg_req *req, int status)
{
	struct op *op = req->user;
	/* Not to the portal: a citizen follows a tracking code, never a case id. */
	if (!status && op->status == 201 && op->id && op->env.caller != &citizen) {
		char *location = wg_arena_printf(&req->arena, "/api/v1/cases/%lld", (long long)op->id);
		if (location)
			wg_req_header(req, "Location", location);
	}
	if (!status)
		wg__api_cases_written();
	if (wg_req_status_or_reply(req, status))
		return;
	wg_req_reply_body(req, op->status, "application/json; charset=utf-8");
}

static void create(wg_req *req, bool portal)
{
	struct op *op = new_op(req, portal);
	if (!op)
		return;
	if (portal &&
	    !wg__api_rate_or_reply(req, wg_req_portal_limit(req), "too many reports from this address"))
		return;
	wg__api_case_read_report(req, &op->report, portal);
	/* Not short-circuited: a malformed key is a field error, and only the
	 * 422 below answers it (returning without a reply would leave the
	 * client waiting). */
	bool key_ok = wg_idempotency_from_request(req, portal, &op->idem);
	if (wg_req_errors_or_reply(req) || !key_ok)
		return;
	wg_req_write(req, create_run, op, create_then);
}

void wg_api_cases_create(wg_req *req)
{
	create(req, false);
}

void wg_api_public_reports_create(wg_req *req)
{
	create(req, true);
}

/* ---- GET /cases ------------------------------------------------------------- */

static int list_item(void *ctx, const wg_case *c)
{
	struct op *op = ctx;
	if (wg_page_row_id(&op->page, c->id))
		write_case(op->req, c);
	return 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_page_begin(&op->page);
	/* The total only when asked for (total=true): counting every match of
	 * a county costs many times the page itself. */
	return wg_case_list(db, &op->env, &op->filter, list_item, op, op->total == 0 ? &op->total : NULL,
	                    &op->req->errors);
}

static void list_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

/* A true/false query parameter: 1, 0, or -1 when absent (or wrong, with
 * a field error). */
static int query_flag(wg_req *req, const char *name)
{
	const char *v = wg_req_query(req, name);
	if (!v)
		return -1;
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return v[0] == 't';
	wg_req_field_error(req, name, "type", "must be true or false");
	return -1;
}

static int64_t query_time(wg_req *req, const char *name)
{
	const char *s = wg_req_query(req, name);
	int64_t ms = 0;
	if (s && wg_clock_parse_rfc3339(s, &ms) != 0)
		wg_req_field_error(req, name, "format", "a time in RFC 3339 (2026-11-24T09:30:00+08:00)");
	return ms;
}

/* A filter on the caller's own duty: "me" or absent. */
static int64_t query_me(wg_req *req, const char *name)
{
	const char *v = wg_query_string(req, name, 8);
	if (v && strcmp(v, "me") != 0)
		wg_req_field_error(req, name, "unknown", "takes only the value me");
	return v && req->caller ? req->caller->user_id : 0;
}

void wg_api_cases_list(wg_req *req)
{
	struct op *op = new_op(req, false);
	if (!op)
		return;
	wg_case_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->before_id);
	f->limit = wg_page_fetch(&op->page);
	wg__api_query_area(req, &f->area, &f->area_field);
	f->kind = wg_query_string(req, "kind", 16);
	f->state = wg_query_string(req, "state", WG_FLOW_NAME_MAX);
	f->category = wg_query_string(req, "category", 8);
	f->department = wg_query_string(req, "department", 64);
	f->source = wg_query_string(req, "source", 16);
	f->risk = wg_query_string(req, "risk", 8);
	f->tier = wg_query_string(req, "tier", 8);
	f->in_charge = query_me(req, "in_charge");
	f->mediator = query_me(req, "mediator");
	f->q = wg_query_string(req, "q", 100);
	f->overdue = query_flag(req, "overdue");
	op->total = query_flag(req, "total") == 1 ? 0 : -1;
	f->from = query_time(req, "from");
	f->to = query_time(req, "to");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

/* ---- GET /cases/{id} and its timeline ----------------------------------------- */

static int get_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	return wg_case_get(db, &op->env, op->id, write_versioned, op->req);
}

void wg_api_cases_get(wg_req *req)
{
	struct op *op = new_op(req, false);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, get_run, op, reply_status);
}

static int timeline_item(void *ctx, const wg_case_event *e)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", e->id);
	if (e->actor)
		wg_json_kv_int(w, "actor", e->actor);
	else
		wg_json_kv_null(w, "actor");
	wg_json_kv_string(w, "actor_name", e->actor_name);
	wg_json_kv_string(w, "role", e->role);
	wg_json_kv_string(w, "action", e->action);
	wg_json_kv_string(w, "action_label", e->action_label);
	wg_json_kv_string(w, "from_state", e->from_state);
	wg_json_kv_string(w, "to_state", e->to_state);
	wg_json_key(w, "fields");
	wg_json_raw(w, e->fields ? e->fields : "{}");
	wg_json_kv_bool(w, "public", e->public);
	wg__api_kv_time(req, "at", e->at);
	wg_json_object_end(w);
	return 0;
}

static int timeline_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_case_timeline(db, &op->env, op->id, timeline_item, op->req);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

void wg_api_cases_timeline(wg_req *req)
{
	struct op *op = new_op(req, false);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, timeline_run, op, reply_status);
}

/* ---- POST /cases/{id}/actions/{action} --------------------------------------- */

static int act_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_case_act(db, &op->env, op->id, op->action, op->req->body, op->version, &op->req->errors);
	return rc ? rc : wg_case_get(db, &op->env, op->id, write_versioned, op->req);
}

void wg_api_cases_act(wg_req *req)
{
	struct op *op = new_op(req, false);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	op->action = req->params[1];
	wg_req_write(req, act_run, op, reply_after_write);
}

/* ---- GET /cases/{id}/similar -------------------------------------------------- */

static int similar_item(void *ctx, const wg_dedupe_candidate *c)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", c->id);
	wg_json_kv_string(w, "number", c->number);
	wg_json_kv_string(w, "title", c->title);
	wg_json_kv_string(w, "state", c->state);
	wg_json_kv_int(w, "score", c->score);
	wg__api_kv_time(req, "reported_at", c->reported_at);
	wg_json_object_end(w);
	return 0;
}

static int similar_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_case_get(db, &op->env, op->id, NULL, NULL);
	if (rc)
		return rc;
	wg_scope scope;
	wg_scope_of_matters(op->env.caller, &scope);
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	rc = wg_dedupe_list(db, op->id, &scope, similar_item, op->req);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

void wg_api_cases_similar(wg_req *req)
{
	struct op *op = new_op(req, false);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, similar_run, op, reply_status);
}

/* ---- POST /cases/candidates ---------------------------------------------------- */

static int candidates_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_case_candidates(db, &op->env, &op->report, similar_item, op->req, &op->req->errors);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

/* The duplicate candidates of a report before it is made: the body of
 * POST /cases, read only. */
void wg_api_cases_candidates(wg_req *req)
{
	struct op *op = new_op(req, false);
	if (!op)
		return;
	wg__api_case_read_report(req, &op->report, false);
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, candidates_run, op, reply_status);
}

/* ---- the portal: follow and rate ------------------------------------------------ */

static bool tracking_or_reply(wg_req *req, const char **code)
{
	*code = req->params[0];
	if (!wg_case_tracking_code_ok(*code)) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return false;
	}
	return true;
}

static int public_case(void *ctx, const wg_case_public *c)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_kv_string(w, "tracking_code", c->tracking_code);
	wg_json_kv_string(w, "number", c->number);
	wg_json_kv_string(w, "category_name", c->category_name);
	wg_json_kv_string(w, "state", c->state);
	wg_json_kv_string(w, "state_label", c->state_label);
	wg_json_kv_bool(w, "may_rate", c->closed);
	if (c->satisfaction)
		wg_json_kv_int(w, "satisfaction", c->satisfaction);
	else
		wg_json_kv_null(w, "satisfaction");
	wg__api_kv_time(req, "reported_at", c->reported_at);
	wg__api_kv_time(req, "closed_at", c->closed_at);
	wg_json_kv_string(w, "merged_into_state", c->master_state);
	wg_json_kv_string(w, "merged_into_state_label", c->master_state_label);
	wg_json_key(w, "timeline");
	wg_json_array_begin(w);
	return 0;
}

static int public_event(void *ctx, const wg_case_public_event *e)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "action", e->action);
	wg_json_kv_string(w, "label", e->label);
	wg_json_kv_string(w, "state", e->state);
	wg_json_kv_string(w, "state_label", e->state_label);
	wg__api_kv_time(req, "at", e->at);
	wg_json_object_end(w);
	return 0;
}

static int public_get_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	int rc = wg_case_public_get(db, &op->env, op->action, public_case, public_event, op->req);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

void wg_api_public_reports_get(wg_req *req)
{
	struct op *op = new_op(req, true);
	if (op && tracking_or_reply(req, &op->action))
		wg_req_read(req, public_get_run, op, reply_status);
}

static int rate_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	int rc = wg_case_public_rate(db, &op->env, op->action, op->satisfaction, op->comment,
	                             &op->req->errors);
	return rc ? rc : public_get_run(db, op);
}

void wg_api_public_reports_rate(wg_req *req)
{
	struct op *op = new_op(req, true);
	if (!op ||
	    !wg__api_rate_or_reply(req, wg_req_portal_limit(req), "too many ratings from this address") ||
	    !tracking_or_reply(req, &op->action))
		return;
	static const char *const fields[] = {"satisfaction", "comment", NULL};
	wg_body_only(req, fields);
	int64_t s = 0;
	wg_body_int(req, "satisfaction", 1, 5, true, &s);
	op->satisfaction = (int)s;
	op->comment = wg_body_string(req, "comment", 500, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, rate_run, op, reply_after_write);
}
