/* metrics.h - request counters and latency histograms for /metrics.
 *
 * Each event loop owns one wg_metrics and is the only writer of it (relaxed
 * atomics, no locks on the request path); rendering sums all loops. Routes
 * are counted by pattern (the router index), with one extra slot for
 * requests that matched no route (static files, 404s). */
#ifndef WG_HTTP_METRICS_H
#define WG_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct wg_router;
struct wg_store;

typedef struct wg_metrics wg_metrics;

/* Counters for nroutes routes (+1 unmatched). NULL when memory runs out. */
wg_metrics *wg_metrics_new(size_t nroutes);
void wg_metrics_free(wg_metrics *m);

/* Count one finished request. route == nroutes for unmatched; method is the
 * enum wg_method bit. */
void wg_metrics_observe(wg_metrics *m, size_t route, unsigned method, int status, int64_t latency_us);

/* Append Prometheus text (format 0.0.4) for all loops and the store. */
int wg_metrics_render(wg_metrics *const *loops, size_t nloops, const struct wg_router *router,
                      struct wg_store *store, struct evbuffer *out);

#endif
