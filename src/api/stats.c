/* /api/v1/stats: overview counts, trends and rates within the caller's
 * scope, read from the rollups of domain/stats.h (definitions in
 * docs/statistics.md). This file only turns HTTP into its calls. */
#include "api/api.h"

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "domain/dispute.h"
#include "domain/stats.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

struct op {
	wg_req *req;
	wg_stats_query q;
	enum wg_stats_bucket bucket;
	enum wg_stats_group group;
	const char *bucket_name, *group_name;
};

/* The state, the caller's area and period from ?region=&from=&to=, field
 * errors recorded; NULL after replying (out of memory). */
static struct op *new_op(wg_req *req)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return NULL;
	op->req = req;
	const wg_config *cfg = wg_req_config(req);
	op->q.caller = req->caller;
	op->q.area = wg_query_string(req, "region", WG_SCOPE_KEY_MAX);
	op->q.offset_minutes = (int)cfg->time_offset_minutes;
	op->q.arena = &req->arena;
	wg_stats_period(&op->q, wg_req_query(req, "from"), wg_req_query(req, "to"), wg_clock_now_ms(),
	                &req->errors);
	return op;
}

/* One of names[] for ?name= (def when absent), its index in *out. */
static const char *choice(wg_req *req, const char *name, const char *const *names, size_t n, int *out)
{
	const char *v = wg_req_query(req, name);
	if (!v) {
		*out = 0;
		return names[0];
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return names[i];
		}
	char *msg = wg_arena_printf(&req->arena, "%s is one of %s", name, names[0]);
	for (size_t i = 1; msg && i < n; i++)
		msg = wg_arena_printf(&req->arena, "%s, %s", msg, names[i]);
	wg_req_field_error(req, name, "unknown", msg ? msg : name);
	return NULL;
}

static void write_period(wg_json_out *w, const struct op *op, const char *area)
{
	wg_json_kv_string(w, "region", area);
	wg_json_kv_string(w, "from", op->q.from);
	wg_json_kv_string(w, "to", op->q.to);
}

static void then_reply(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

/* ---- GET /stats/overview ---------------------------------------------------- */

static void write_counts(wg_json_out *w, const char *key, const wg_stats_count *c, size_t n,
                         const char *name_key)
{
	wg_json_key(w, key);
	wg_json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		wg_json_object_begin(w);
		wg_json_kv_string(w, "key", c[i].key);
		if (c[i].kind)
			wg_json_kv_string(w, "kind", c[i].kind);
		if (name_key)
			wg_json_kv_string(w, name_key, c[i].name);
		wg_json_kv_int(w, "count", c[i].count);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
}

static int overview_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_stats_overview o;
	int rc = wg_stats_overview_get(db, &op->q, &o, &op->req->errors);
	if (rc)
		return rc;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	write_period(w, op, o.area);
	wg_json_kv_int(w, "total", o.total);
	wg_json_kv_int(w, "open", o.open);
	wg_json_kv_int(w, "overdue", o.overdue);
	wg_json_kv_int(w, "closed", o.closed);
	write_counts(w, "by_state", o.by_state, o.nstate, "label");
	write_counts(w, "by_kind", o.by_kind, o.nkind, NULL);
	write_counts(w, "by_category", o.by_category, o.ncategory, "name");
	write_counts(w, "by_source", o.by_source, o.nsource, NULL);
	wg_json_object_end(w);
	return 0;
}

void wg_api_stats_overview(wg_req *req)
{
	struct op *op = new_op(req);
	if (op && !wg_req_errors_or_reply(req))
		wg_req_read(req, overview_run, op, then_reply);
}

/* ---- GET /stats/places ------------------------------------------------------- */

static int place_item(void *ctx, const wg_stats_place *p)
{
	wg_json_out *w = ctx;
	wg_json_object_begin(w);
	wg_json_kv_string(w, "key", p->key);
	wg_json_kv_int(w, "total", p->total);
	wg_json_kv_int(w, "open", p->open);
	wg_json_kv_int(w, "overdue", p->overdue);
	wg_json_object_end(w);
	return 0;
}

static int places_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	write_period(w, op, op->q.area ? op->q.area : op->req->caller->scope);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_stats_places(db, &op->q, place_item, w, &op->req->errors);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

void wg_api_stats_places(wg_req *req)
{
	struct op *op = new_op(req);
	if (op && !wg_req_errors_or_reply(req))
		wg_req_read(req, places_run, op, then_reply);
}

/* ---- GET /stats/trend ---------------------------------------------------------- */

static int trend_point(void *ctx, const wg_stats_point *p)
{
	wg_json_out *w = ctx;
	wg_json_object_begin(w);
	wg_json_kv_string(w, "period", p->period);
	wg_json_kv_int(w, "reported", p->reported);
	wg_json_kv_int(w, "closed", p->closed);
	wg_json_object_end(w);
	return 0;
}

static int trend_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "bucket", op->bucket_name);
	write_period(w, op, op->q.area ? op->q.area : op->q.caller->scope);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_stats_trend(db, &op->q, op->bucket, trend_point, w, &op->req->errors);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

void wg_api_stats_trend(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	static const char *const buckets[] = {"day", "week", "month"};
	int b = 0;
	op->bucket_name = choice(req, "bucket", buckets, 3, &b);
	op->bucket = (enum wg_stats_bucket)b;
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, trend_run, op, then_reply);
}

/* ---- GET /stats/rates ---------------------------------------------------------- */

/* A number in tenths as a JSON number with one decimal, null when < 0. */
static void kv_tenths(wg_json_out *w, const char *key, int64_t tenths)
{
	wg_json_key(w, key);
	if (tenths < 0) {
		wg_json_null(w);
		return;
	}
	char buf[32];
	snprintf(buf, sizeof buf, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
	wg_json_raw(w, buf);
}

static int rates_group(void *ctx, const wg_stats_group_figures *g)
{
	wg_json_out *w = ctx;
	wg_json_object_begin(w);
	wg_json_kv_string(w, "key", g->key);
	wg_json_kv_string(w, "name", g->name);
	wg_json_key(w, "rates");
	wg_json_object_begin(w);
	for (int r = 0; r < WG_STATS_RATES; r++) {
		wg_json_key(w, wg_stats_rate_names[r]);
		wg_json_object_begin(w);
		wg_json_kv_int(w, "numerator", g->rates[r].numerator);
		wg_json_kv_int(w, "denominator", g->rates[r].denominator);
		kv_tenths(w, "percent", wg_stats_permille(&g->rates[r]));
		wg_json_object_end(w);
	}
	wg_json_object_end(w);
	wg_json_key(w, "handling_hours");
	wg_json_object_begin(w);
	kv_tenths(w, "mean", wg_stats_mean_tenths(g));
	int64_t p90 = wg_stats_p90_hours(g);
	if (p90 < 0)
		wg_json_kv_null(w, "p90");
	else
		wg_json_kv_int(w, "p90", p90);
	wg_json_kv_int(w, "count", g->handled);
	wg_json_object_end(w);
	wg_json_object_end(w);
	return 0;
}

static int rates_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "group_by", op->group_name);
	write_period(w, op, op->q.area ? op->q.area : op->q.caller->scope);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_stats_rates(db, &op->q, op->group, rates_group, w, &op->req->errors);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

void wg_api_stats_rates(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	static const char *const groups[] = {"region", "department", "grid_worker"};
	int g = 0;
	op->group_name = choice(req, "group_by", groups, 3, &g);
	op->group = (enum wg_stats_group)g;
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, rates_run, op, then_reply);
}

/* ---- GET /stats/disputes ---------------------------------------------------------- */

/* found, resolved and the resolution rate (化解率 = resolved ÷ found). */
static void write_figure(wg_json_out *w, const wg_dispute_figure *f)
{
	wg_json_kv_int(w, "found", f->found);
	wg_json_kv_int(w, "resolved", f->resolved);
	wg_json_key(w, "resolution");
	wg_json_object_begin(w);
	wg_json_kv_int(w, "numerator", f->resolved);
	wg_json_kv_int(w, "denominator", f->found);
	wg_stats_rate r = {f->resolved, f->found};
	kv_tenths(w, "percent", wg_stats_permille(&r));
	wg_json_object_end(w);
}

static int dispute_group(void *ctx, const wg_dispute_figure *f)
{
	wg_json_out *w = ctx;
	wg_json_object_begin(w);
	wg_json_kv_string(w, "key", f->key);
	if (f->name)
		wg_json_kv_string(w, "name", f->name);
	write_figure(w, f);
	wg_json_object_end(w);
	return 0;
}

static int disputes_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	write_period(w, op, op->q.area ? op->q.area : op->q.caller->scope);
	wg_json_kv_string(w, "group_by", op->group_name);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	wg_dispute_figure total;
	int rc = wg_dispute_figures(db, &op->q, op->group_name, dispute_group, w, &total, &op->req->errors);
	wg_json_array_end(w);
	write_figure(w, &total);
	wg_json_object_end(w);
	return rc;
}

void wg_api_stats_disputes(wg_req *req)
{
	struct op *op = new_op(req);
	if (!op)
		return;
	static const char *const groups[] = {"category", "tier", "risk"};
	int g = 0;
	op->group_name = choice(req, "group_by", groups, 3, &g);
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, disputes_run, op, then_reply);
}
