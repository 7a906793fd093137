/* GET /api/v1/warnings: overdue and soon-due cases, category spikes and
 * missed visits in the caller's scope (domain/warning.h; the rules are in
 * docs/statistics.md). This file only turns HTTP into its call. */
#include "api/api.h"
#include "api/basedata.h"

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "domain/role.h"
#include "domain/warning.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

struct op {
	wg_req *req;
	wg_warning_query q;
	wg_basedata_env visits;
	wg_warning_totals totals;
};

/* A number in tenths with one decimal. */
static void kv_tenths(wg_json_out *w, const char *key, int64_t tenths)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
	wg_json_key(w, key);
	wg_json_raw(w, buf);
}

static void kv_string_or_null(wg_json_out *w, const char *key, const char *s)
{
	if (s)
		wg_json_kv_string(w, key, s);
	else
		wg_json_kv_null(w, key);
}

/* {"code", "name"} or null. */
static void kv_named(wg_json_out *w, const char *key, const char *code, const char *name)
{
	wg_json_key(w, key);
	if (!code) {
		wg_json_null(w);
		return;
	}
	wg_json_object_begin(w);
	wg_json_kv_string(w, "code", code);
	kv_string_or_null(w, "name", name);
	wg_json_object_end(w);
}

static int write_item(void *ctx, const wg_warning *it)
{
	struct op *op = ctx;
	wg_req *req = op->req;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "kind", wg_warning_kind_names[it->kind]);
	wg_json_kv_string(w, "level", it->level);
	wg_json_kv_string(w, "title", it->title);
	wg_json_kv_string(w, "detail", it->detail);
	kv_string_or_null(w, "region", it->region);
	kv_string_or_null(w, "region_name", it->region_name);
	if (it->kind != WG_WARNING_SPIKE)
		kv_string_or_null(w, "grid", it->grid);
	if (it->kind != WG_WARNING_MISSED_VISIT)
		kv_named(w, "category", it->category, it->category_name);
	if (it->kind != WG_WARNING_MISSED_VISIT)
		kv_named(w, "department", it->department, it->department_name);
	wg_json_key(w, "figures");
	wg_json_object_begin(w);
	switch (it->kind) {
	case WG_WARNING_OVERDUE:
	case WG_WARNING_SOON_DUE:
		wg_json_kv_int(w,
		               it->kind == WG_WARNING_OVERDUE ? "working_minutes_overdue"
		                                              : "working_minutes_left",
		               it->working_minutes);
		break;
	case WG_WARNING_SPIKE:
		wg_json_kv_int(w, "window_days", op->q.spike.window_days);
		wg_json_kv_int(w, "baseline_days", op->q.spike.baseline_days);
		wg_json_kv_int(w, "window", it->spike.window);
		wg_json_kv_int(w, "baseline", it->spike.baseline);
		kv_tenths(w, "expected", it->spike.expected_tenths);
		kv_tenths(w, "ratio", it->spike.ratio_tenths);
		wg_json_kv_int(w, "min_count", op->q.spike.min_count);
		wg_json_kv_int(w, "threshold_percent", op->q.spike.ratio_percent);
		break;
	case WG_WARNING_MISSED_VISIT:
		wg_json_kv_int(w, "visit_days", it->visit_days);
		wg_json_kv_int(w, "missed_periods", it->missed_periods);
		break;
	case WG_WARNING_DISPUTE: /* the case says it all */
	case WG_WARNING_KINDS: break;
	}
	wg_json_object_end(w);
	if (it->kind == WG_WARNING_OVERDUE || it->kind == WG_WARNING_SOON_DUE ||
	    it->kind == WG_WARNING_DISPUTE) {
		wg_json_key(w, "case");
		wg_json_object_begin(w);
		wg_json_kv_int(w, "id", it->case_id);
		wg_json_kv_string(w, "number", it->case_number);
		wg_json_kv_string(w, "title", it->case_title);
		wg__api_kv_time(req, "deadline", it->deadline);
		wg_json_object_end(w);
	}
	if (it->kind == WG_WARNING_MISSED_VISIT) {
		wg_json_key(w, "subject");
		wg_json_object_begin(w);
		wg_json_kv_string(w, "type", it->subject_type);
		wg_json_kv_int(w, "id", it->subject_id);
		wg_json_kv_string(w, "name", it->subject_name);
		wg_json_object_end(w);
		wg__api_kv_time(req, "due_at", it->due_at);
	}
	wg_json_object_end(w);
	return 0;
}

static int run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	kv_string_or_null(w, "region", op->q.area ? op->q.area : op->q.caller->scope);
	wg__api_kv_time(op->req, "generated_at", op->q.now);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_warning_list(db, &op->q, write_item, op, &op->totals, NULL, &op->req->errors);
	wg_json_array_end(w);
	wg_json_key(w, "totals");
	wg_json_object_begin(w);
	for (int k = 0; k < WG_WARNING_KINDS; k++)
		if (op->q.kinds & (1u << k))
			wg_json_kv_int(w, wg_warning_kind_names[k], op->totals.n[k]);
	wg_json_object_end(w);
	wg_json_object_end(w);
	return rc;
}

static void then_reply(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_warnings(wg_req *req)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return;
	op->req = req;
	const wg_config *cfg = wg_req_config(req);
	wg_warning_query *q = &op->q;
	q->caller = req->caller;
	q->area = wg_query_string(req, "region", WG_SCOPE_KEY_MAX);
	q->now = wg_clock_now_ms();
	q->offset_minutes = (int)cfg->time_offset_minutes;
	q->cal = wg_req_calendar(req);
	q->soon_due_hours = cfg->warnings_soon_due_hours;
	q->spike = (wg_spike_rule){
		.window_days = cfg->warnings_spike_window_days,
		.baseline_days = cfg->warnings_spike_baseline,
		.min_count = cfg->warnings_spike_min_count,
		.ratio_percent = cfg->warnings_spike_ratio_percent,
		.expected_min = cfg->warnings_spike_expected_min,
	};
	q->arena = &req->arena;
	const char *kind = wg_req_query(req, "kind");
	if (!kind) {
		q->kinds = (1u << WG_WARNING_KINDS) - 1;
	} else {
		for (int k = 0; k < WG_WARNING_KINDS; k++)
			if (strcmp(kind, wg_warning_kind_names[k]) == 0)
				q->kinds = 1u << k;
		if (!q->kinds)
			wg_req_field_error(req, "kind", "unknown",
			                   "kind is one of overdue, soon_due, spike, missed_visit, dispute");
	}
	/* Missed visits are base data: only for those who may read it. */
	if (req->caller->roles & WG_ROLES_BASEDATA_READ) {
		wg__api_basedata_env(req, &op->visits);
		q->visits = &op->visits;
	}
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, run, op, then_reply);
}
