/* server.h - the HTTP server: one libevent loop per core.
 *
 * Each loop thread has its own event_base, its own evhttp and its own
 * listening socket bound with SO_REUSEPORT, so the kernel spreads
 * connections across loops and no lock is taken on the request path. A loop
 * never blocks on the disk or the network: reads run inline (SQLite) or on
 * the store's pool, writes go to the group-commit writer, and completions
 * come back through the loop's mailbox (an eventfd).
 *
 * Shutdown (SIGTERM or SIGINT): every loop stops accepting, lets in-flight
 * requests finish for up to shutdown.grace_s seconds, then exits; the caller
 * then closes the store. */
#ifndef WG_HTTP_SERVER_H
#define WG_HTTP_SERVER_H

#include "core/config.h"
#include "http/router.h"
#include "store/store.h"

typedef struct wg_server wg_server;

/* Bind the sockets and create the loops (not yet running). cfg, store and
 * routes must outlive the server. Returns 0, WG_ECONFIG / WG_EIO with the
 * reason in err, or WG_ENOMEM. */
int wg_server_new(const wg_config *cfg, wg_store *store, const wg_route *routes, size_t nroutes,
                  wg_server **out, char *err, size_t errlen);

/* Event loops the server will run for cfg (http.threads, or one per core);
 * the store needs as many readers. */
unsigned wg_server_loop_count(const wg_config *cfg);

/* The port actually bound (useful with http.port = 0). */
int wg_server_port(const wg_server *s);

/* Run the loops until SIGTERM/SIGINT or wg_server_stop; returns after
 * every loop thread has finished. Blocks SIGTERM and SIGINT in the calling
 * thread (and the loops inherit that) to receive them with sigwait. */
int wg_server_run(wg_server *s);

/* Ask a running server to shut down gracefully (async-signal-unsafe; for
 * tests and embedding). */
void wg_server_stop(wg_server *s);

/* Free the server. Call after wg_server_run returned and after the store
 * was closed, so that every completion has arrived. */
void wg_server_free(wg_server *s);

/* What handlers need from the server. */
const wg_config *wg_req_config(const wg_req *req);
wg_store *wg_req_store(const wg_req *req);

/* The key for secrets at rest, the sign-in and portal limiters, and the
 * working calendar. */
struct wg_secret_key *wg_req_secret_key(const wg_req *req);
struct wg_ratelimit *wg_req_login_limit(const wg_req *req);
struct wg_ratelimit *wg_req_portal_limit(const wg_req *req);
const struct wg_calendar *wg_req_calendar(const wg_req *req);
/* The same calendar to change: for wg_calendar_replace_year only, after
 * the edit is committed (api/calendar.c). */
struct wg_calendar *wg_req_calendar_edit(const wg_req *req);

/* Render /metrics for this server into the request's body buffer. */
int wg_req_render_metrics(wg_req *req);

#endif
