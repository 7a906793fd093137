/* /api/v1/evaluation: the evaluation (考核) of a period for a subject kind
 * in a county (domain/evaluation.h): the published snapshot when there is
 * one, else the live figures; publishing a period; the list of published
 * snapshots. This file only turns HTTP into those calls. */
#include "api/api.h"

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "domain/evaluation.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

#define PERIOD_FORMS "YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY (a year)"

struct op {
	wg_req *req;
	wg_evaluation_query q;
	wg_evaluation e;
	wg_evaluation_list list;
	wg_page page;
};

/* One of names for ?name= (required when def < 0, else def when absent),
 * or -1 after recording the field error. */
static int choice(wg_req *req, const char *name, const char *const *names, int n, int def)
{
	const char *v = wg_req_query(req, name);
	if (!v && def >= 0)
		return def;
	for (int i = 0; v && i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	char *msg =
		wg_arena_printf(&req->arena, "%s %s one of %s", name, v ? "is" : "is required:", names[0]);
	for (int i = 1; msg && i < n; i++)
		msg = wg_arena_printf(&req->arena, "%s, %s", msg, names[i]);
	wg_req_field_error(req, name, v ? "unknown" : "required", msg ? msg : name);
	return -1;
}

/* The state with the query of ?subject=&region= and the period given,
 * field errors recorded; NULL after replying. */
static struct op *new_op(wg_req *req, const char *period)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return NULL;
	op->req = req;
	op->q.config = wg_evaluation_loaded();
	if (!op->q.config) {
		wg_req_problem(req, WG_EINTERNAL, "no evaluation file is in force");
		return NULL;
	}
	op->q.caller = req->caller;
	op->q.offset_minutes = (int)wg_req_config(req)->time_offset_minutes;
	op->q.arena = &req->arena;
	op->q.region = wg_query_string(req, "region", WG_SCOPE_KEY_MAX);
	if (!period)
		wg_req_field_error(req, "period", "required", "period is required: " PERIOD_FORMS);
	else if (!wg_evaluation_period_parse(period, &op->q.period))
		wg_req_field_error(req, "period", "pattern", "period must be " PERIOD_FORMS);
	int s = choice(req, "subject", wg_evaluation_subject_names, WG_EVALUATION_SUBJECTS, -1);
	op->q.subject = s < 0 ? WG_EVALUATION_TOWN : (enum wg_evaluation_subject)s;
	return op;
}

/* Hundredths as a number with two decimals. */
static void kv_hundredths(wg_json_out *w, const char *key, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
	wg_json_key(w, key);
	wg_json_raw(w, buf);
}

static void write_evaluation(wg_req *req, const struct op *op)
{
	const wg_evaluation *e = &op->e;
	const wg_evaluation_query *q = &op->q;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "period", q->period.key);
	wg_json_kv_string(w, "kind", wg_evaluation_period_kind_names[q->period.kind]);
	wg_json_kv_string(w, "label", q->config->periods[q->period.kind].label);
	wg_json_kv_string(w, "use", e->ranking ? "ranking" : "score");
	wg_json_kv_string(w, "from", q->period.from);
	wg_json_kv_string(w, "to", q->period.to);
	wg_json_kv_string(w, "subject", wg_evaluation_subject_names[q->subject]);
	wg_json_kv_string(w, "subject_label", q->config->subjects[q->subject].label);
	wg_json_kv_string(w, "region", e->county);
	wg_json_kv_int(w, "scale", e->scale);
	wg_json_kv_bool(w, "published", e->published);
	wg__api_kv_time(req, "published_at", e->published ? e->published_at : 0);
	wg_json_kv_string(w, "published_by", e->published ? e->published_by : NULL);
	wg_json_kv_int(w, "ranked", e->ranked);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	for (size_t i = 0; i < e->n; i++) {
		const wg_evaluation_item *it = &e->items[i];
		wg_json_object_begin(w);
		wg_json_kv_string(w, "key", it->key);
		wg_json_kv_string(w, "name", it->name);
		if (it->scored) {
			wg_json_kv_int(w, "rank", it->rank);
			kv_hundredths(w, "score", it->score);
		} else {
			wg_json_kv_null(w, "rank");
			wg_json_kv_null(w, "score");
		}
		wg_json_kv_string(w, "grade", it->grade);
		wg_json_key(w, "rates");
		wg_json_raw(w, it->rates_json);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg_json_object_end(w);
}

/* ---- GET /evaluation ---------------------------------------------------------- */

static int get_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	return wg_evaluation_get(db, &op->q, &op->e, &op->req->errors);
}

static void get_then(wg_req *req, int status)
{
	if (wg_req_status_or_reply(req, status))
		return;
	write_evaluation(req, req->user);
	wg_req_reply(req, 200);
}

void wg_api_evaluation_get(wg_req *req)
{
	struct op *op = new_op(req, wg_req_query(req, "period"));
	if (op && !wg_req_errors_or_reply(req))
		wg_req_read(req, get_run, op, get_then);
}

/* ---- POST /evaluation/{period}/publish -------------------------------------------- */

static int publish_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_req *req = op->req;
	return wg_evaluation_publish(db, &op->q, wg_clock_now_ms(), wg_req_config(req)->security_audit_hash,
	                             &op->e, &req->errors);
}

static void publish_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (status == WG_ECONFLICT) {
		wg_req_problem(req, WG_ECONFLICT, op->e.conflict);
		return;
	}
	if (status == WG_EFORBIDDEN) {
		wg_req_problem(req, WG_EFORBIDDEN,
		               "only a centre operator or leader of the county (or above it) publishes its "
		               "evaluation");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	char *location =
		wg_arena_printf(&req->arena, "/api/v1/evaluation?period=%s&subject=%s&region=%s",
	                        op->q.period.key, wg_evaluation_subject_names[op->q.subject], op->e.county);
	if (location)
		wg_req_header(req, "Location", location);
	write_evaluation(req, op);
	wg_req_reply(req, 201);
}

void wg_api_evaluation_publish(wg_req *req)
{
	struct op *op = new_op(req, req->nparams ? req->params[0] : NULL);
	if (op && !wg_req_errors_or_reply(req))
		wg_req_write(req, publish_run, op, publish_then);
}

/* ---- GET /evaluation/periods ------------------------------------------------------ */

static int snapshot_item(void *ctx, const wg_evaluation_snapshot *s)
{
	struct op *op = ctx;
	if (!wg_page_row_id(&op->page, s->id))
		return 0;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "period", s->period);
	wg_json_kv_string(w, "kind", s->kind);
	wg_json_kv_string(w, "subject", s->subject);
	wg_json_kv_string(w, "region", s->county);
	wg_json_kv_string(w, "from", s->from);
	wg_json_kv_string(w, "to", s->to);
	wg__api_kv_time(op->req, "published_at", s->published_at);
	wg_json_kv_string(w, "published_by", s->published_by);
	wg_json_kv_int(w, "ranked", s->ranked);
	wg_json_kv_int(w, "rows", s->rows);
	wg_json_object_end(w);
	return 0;
}

static int periods_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	op->list.limit = wg_page_fetch(&op->page);
	wg_page_begin(&op->page);
	return wg_evaluation_snapshots(db, &op->list, snapshot_item, op, &op->req->errors);
}

static void periods_then(wg_req *req, int status)
{
	if (wg_req_status_or_reply(req, status))
		return;
	struct op *op = req->user;
	wg_page_end(&op->page, -1);
	wg_req_reply(req, 200);
}

void wg_api_evaluation_periods(wg_req *req)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return;
	op->req = req;
	op->list.caller = req->caller;
	op->list.region = wg_query_string(req, "region", WG_SCOPE_KEY_MAX);
	op->list.subject = choice(req, "subject", wg_evaluation_subject_names, WG_EVALUATION_SUBJECTS,
	                          WG_EVALUATION_SUBJECTS);
	op->list.kind = choice(req, "kind", wg_evaluation_period_kind_names, WG_EVALUATION_PERIOD_KINDS,
	                       WG_EVALUATION_PERIOD_KINDS);
	/* Absent filters came back as the count: every one. */
	if (op->list.subject == WG_EVALUATION_SUBJECTS)
		op->list.subject = -1;
	if (op->list.kind == WG_EVALUATION_PERIOD_KINDS)
		op->list.kind = -1;
	wg_page_init_id(&op->page, req, &op->list.before_id);
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, periods_run, op, periods_then);
}
