#include "http/metrics.h"

#include "core/alloc.h"
#include "core/error.h"
#include "http/router.h"
#include "jobs/scheduler.h"
#include "store/store.h"

#include <event2/buffer.h>
#include <stdatomic.h>

/* Statuses counted individually; anything else lands in "other". */
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404,
                               405, 409, 413, 415, 422, 429, 500, 503};
enum { NSTATUS = sizeof statuses / sizeof statuses[0] + 1 };

static const char *const method_names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
enum { NMETHOD = sizeof method_names / sizeof method_names[0] };

/* Upper bounds in microseconds of the latency buckets. */
static const int64_t bucket_us[] = {500,   1000,   2500,   5000,   10000,   25000,
                                    50000, 100000, 250000, 500000, 1000000, 2500000};
enum { NBUCKET = sizeof bucket_us / sizeof bucket_us[0] };

struct route_metrics {
	_Atomic uint64_t count[NMETHOD][NSTATUS];
	_Atomic uint64_t bucket[NBUCKET];
	_Atomic uint64_t observed;
	_Atomic uint64_t sum_us;
};

struct wg_metrics {
	size_t nroutes;
	struct route_metrics r[];
};

wg_metrics *wg_metrics_new(size_t nroutes)
{
	wg_metrics *m = wg_calloc(1, sizeof *m + (nroutes + 1) * sizeof m->r[0]);
	if (m)
		m->nroutes = nroutes;
	return m;
}

void wg_metrics_free(wg_metrics *m)
{
	wg_free(m);
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

static size_t method_slot(unsigned method)
{
	for (size_t i = 0; i < NMETHOD; i++)
		if (method == 1u << i)
			return i;
	return 0;
}

static void bump(_Atomic uint64_t *c, uint64_t by)
{
	/* One writer per counter: load+store is enough and cheaper than an RMW. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by, memory_order_relaxed);
}

void wg_metrics_observe(wg_metrics *m, size_t route, unsigned method, int status, int64_t latency_us)
{
	if (route > m->nroutes)
		route = m->nroutes;
	struct route_metrics *r = &m->r[route];
	bump(&r->count[method_slot(method)][status_slot(status)], 1);
	for (size_t b = 0; b < NBUCKET; b++)
		if (latency_us <= bucket_us[b]) {
			bump(&r->bucket[b], 1);
			break;
		}
	bump(&r->observed, 1);
	bump(&r->sum_us, latency_us > 0 ? (uint64_t)latency_us : 0);
}

static uint64_t sum(wg_metrics *const *loops, size_t nloops, size_t route, size_t off)
{
	uint64_t total = 0;
	for (size_t l = 0; l < nloops; l++) {
		const _Atomic uint64_t *c =
			(const _Atomic uint64_t *)(const void *)((const char *)&loops[l]->r[route] + off);
		total += atomic_load_explicit(c, memory_order_relaxed);
	}
	return total;
}

static const char *route_label(const wg_router *router, size_t i)
{
	const wg_route *route = wg_router_route(router, i);
	return route ? route->pattern : "unmatched";
}

int wg_metrics_render(wg_metrics *const *loops, size_t nloops, const wg_router *router, wg_store *store,
                      struct evbuffer *out)
{
	size_t nroutes = wg_router_count(router);
	evbuffer_add_printf(
		out, "# HELP wg_http_requests_total HTTP requests by route pattern, method and status.\n"
		     "# TYPE wg_http_requests_total counter\n");
	for (size_t i = 0; i <= nroutes; i++)
		for (size_t mth = 0; mth < NMETHOD; mth++)
			for (size_t s = 0; s < NSTATUS; s++) {
				size_t off = offsetof(struct route_metrics, count) +
				             (mth * NSTATUS + s) * sizeof(uint64_t);
				uint64_t v = sum(loops, nloops, i, off);
				if (!v)
					continue;
				char status[8];
				if (s < NSTATUS - 1)
					snprintf(status, sizeof status, "%d", statuses[s]);
				else
					snprintf(status, sizeof status, "other");
				evbuffer_add_printf(out,
				                    "wg_http_requests_total{route=\"%s\",method=\"%s\","
				                    "status=\"%s\"} %llu\n",
				                    route_label(router, i), method_names[mth], status,
				                    (unsigned long long)v);
			}
	evbuffer_add_printf(
		out, "# HELP wg_http_request_duration_seconds Time from request parsed to reply sent.\n"
		     "# TYPE wg_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= nroutes; i++) {
		uint64_t observed = sum(loops, nloops, i, offsetof(struct route_metrics, observed));
		if (!observed)
			continue;
		const char *label = route_label(router, i);
		uint64_t cumulative = 0;
		for (size_t b = 0; b < NBUCKET; b++) {
			cumulative += sum(loops, nloops, i,
			                  offsetof(struct route_metrics, bucket) + b * sizeof(uint64_t));
			evbuffer_add_printf(
				out, "wg_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				label, (double)bucket_us[b] / 1e6, (unsigned long long)cumulative);
		}
		evbuffer_add_printf(
			out, "wg_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
			label, (unsigned long long)observed);
		evbuffer_add_printf(out, "wg_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
		                    (double)sum(loops, nloops, i, offsetof(struct route_metrics, sum_us)) /
		                            1e6);
		evbuffer_add_printf(out, "wg_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
		                    (unsigned long long)observed);
	}
	wg_store_stats st;
	wg_store_get_stats(store, &st);
	evbuffer_add_printf(out,
	                    "# HELP wg_store_queue_depth Writes waiting for the writer.\n"
	                    "# TYPE wg_store_queue_depth gauge\nwg_store_queue_depth %lu\n"
	                    "# HELP wg_store_commits_total Group-commit transactions committed.\n"
	                    "# TYPE wg_store_commits_total counter\nwg_store_commits_total %llu\n"
	                    "# HELP wg_store_writes_total Writes acknowledged after a durable commit.\n"
	                    "# TYPE wg_store_writes_total counter\nwg_store_writes_total %llu\n"
	                    "# HELP wg_store_errors_total Failed commits and connection errors.\n"
	                    "# TYPE wg_store_errors_total counter\nwg_store_errors_total %llu\n",
	                    st.queue_depth, st.commits, st.writes, st.errors);
	if (st.session_watch >= 0)
		evbuffer_add_printf(
			out,
			"# HELP wg_session_watch_listening Whether the server hears of session "
			"changes made elsewhere (PostgreSQL LISTEN); 0: no session memo.\n"
			"# TYPE wg_session_watch_listening gauge\nwg_session_watch_listening %d\n",
			st.session_watch);
	wg_scheduler_stats sc;
	if (wg_scheduler_global_stats(&sc))
		evbuffer_add_printf(
			out,
			"# HELP wg_scheduler_passes_total Times the case-clock scheduler woke and looked.\n"
			"# TYPE wg_scheduler_passes_total counter\nwg_scheduler_passes_total %llu\n"
			"# HELP wg_scheduler_fired_total Clock expiries applied and committed.\n"
			"# TYPE wg_scheduler_fired_total counter\nwg_scheduler_fired_total %llu\n"
			"# HELP wg_scheduler_errors_total Failed expiries and failed reads of the schedule.\n"
			"# TYPE wg_scheduler_errors_total counter\nwg_scheduler_errors_total %llu\n"
			"# HELP wg_scheduler_backed_off Cases whose expiry failed, waiting to be retried.\n"
			"# TYPE wg_scheduler_backed_off gauge\nwg_scheduler_backed_off %lu\n"
			"# HELP wg_scheduler_last_run_seconds Clock time of the last pass (Unix seconds).\n"
			"# TYPE wg_scheduler_last_run_seconds gauge\nwg_scheduler_last_run_seconds %.3f\n",
			sc.passes, sc.fired, sc.errors, sc.backed_off, (double)sc.last_run_ms / 1e3);
	return 0;
}
