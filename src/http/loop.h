/* loop.h - internals shared by server.c, request.c and static.c: the
 * server and its per-core loops. Not for use outside src/http/. */
#ifndef WG_HTTP_LOOP_H
#define WG_HTTP_LOOP_H

#include "http/metrics.h"
#include "http/request.h"
#include "http/server.h"
#include "jobs/sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct event_base;
struct event;
struct evhttp;
struct evhttp_bound_socket;

struct wg_loop {
	struct wg_server *server;
	unsigned index;
	pthread_t thread;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	wg_metrics *metrics;

	/* Completions from store threads (and the stop request). */
	pthread_mutex_t lock;
	wg_req *done_head, *done_tail;
	int wakefd; /* eventfd */
	struct event *wake;
	bool stop_requested; /* under lock */

	unsigned inflight; /* requests dispatched and not yet replied (loop thread only) */
	bool stopping;     /* loop thread only */
	struct event *grace_timer;
	struct event *release_timer; /* ends the kept read snapshot (wg__loop_read) */
	/* Event streams (sse.c), NULL until the first; loop thread only. */
	struct wg__sse_loop *sse;
};

struct wg_server {
	const wg_config *cfg;
	wg_store *store;
	wg_router *router;
	unsigned nloops;
	struct wg_loop *loops;
	wg_metrics **metrics; /* one per loop, for rendering */
	int port;
	char static_root[4096];            /* realpath of http.static_dir, "" if missing */
	struct wg_workpool *workpool;      /* CPU-heavy work: password hashing */
	struct wg_secret_key *key;         /* secrets at rest (TOTP) */
	struct wg_ratelimit *login_limit;  /* sign-in attempts per address */
	struct wg_ratelimit *portal_limit; /* citizen portal reports and ratings per address */
	struct wg_calendar *calendar;      /* working days and office hours */
	char start_err[512];               /* why a step of the start failed, when it says */
	struct wg_scheduler *scheduler;    /* case clocks, while the loops run */
	struct wg_scheduler *stats_fold;   /* the statistics' fold, while the loops run */
	struct wg_scheduler *evaluation;   /* publishing evaluations, while the loops run */
	struct wg_sync *sync;              /* reloads what others changed, while the loops run */
	int64_t sync_seen[WG_SYNC_KINDS];  /* its counters when the server loaded */
	/* Event streams per account (sse.c), made by the first stream. */
	_Atomic(struct wg__sse_users *) sse_users;
};

/* Send req->out with this status and content type, plus the standard
 * security headers, request id and the given Cache-Control; then finish the
 * request (request.c). */
void wg__req_send(wg_req *req, int status, const char *content_type, const char *cache_control);

/* Free a request without answering it (its loop has stopped). */
void wg__req_discard(wg_req *req);

/* A reply sent in pieces (sse.c): start it with status 200, the standard
 * headers, content_type and Cache-Control: no-store; the caller sends the
 * pieces with evhttp_send_reply_chunk and adds them to req->bytes_out.
 * wg__req_stream_end ends it; req is logged, counted and freed like any
 * reply once the end of the body is out (until then it counts as in
 * flight), at once with client_gone: when called from the connection's
 * close callback, evhttp having dropped or being about to free the
 * connection. Either way the caller must not touch req afterwards. */
void wg__req_stream_start(wg_req *req, const char *content_type);
void wg__req_stream_end(wg_req *req, bool client_gone);

/* The loop whose thread is running now, NULL on other threads. */
struct wg_loop *wg__current_loop(void);

/* wg_store_read on the loop's own read connection, and on SQLite a timer
 * that ends the snapshot the store keeps after it once the loop has had
 * no read for a while (store.h). */
int wg__loop_read(struct wg_loop *loop, wg_store_fn fn, wg_store_done_fn done, void *arg);

/* Authenticate the request (session token from the Authorization header
 * or the cookie, CSRF for cookie sessions, session state, route roles), then
 * call next; or answer 401/403 (auth.c). */
void wg__authenticate(wg_req *req, void (*next)(wg_req *req));

/* Serve a static file or the SPA index for GET/HEAD (static.c); replies. */
void wg__static_serve(wg_req *req);

#endif
