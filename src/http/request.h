/* request.h - one HTTP request from dispatch to reply.
 *
 * A wg_req is created by the server for each request, carries the request's
 * arena, parsed path parameters, query and JSON body, and the response body
 * being written. It ends in exactly one reply (wg_req_reply, or one of the
 * _or_reply helpers), which sends, logs, counts and frees it: after a reply
 * the handler must not touch req again.
 *
 * Database work leaves the loop through wg_req_read / wg_req_write: the
 * request is suspended and `then` runs later on the request's own loop
 * thread with the status of the work. */
#ifndef WG_HTTP_REQUEST_H
#define WG_HTTP_REQUEST_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "core/json_out.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct evhttp_request;
struct iovec;
struct evbuffer;
struct evkeyvalq;
struct wg_loop;
struct wg_route;

#define WG_MAX_PATH_PARAMS 8
typedef struct wg_req wg_req;

/* Continuation after database work, on the request's loop thread. */
typedef void (*wg_req_then_fn)(wg_req *req, int status);

struct wg_req {
	struct evhttp_request *ev;
	struct wg_loop *loop;
	wg_arena arena;
	const struct wg_route *route;
	int method;              /* enum wg_method bit of the request */
	const char *method_name; /* "GET", ... */
	const char *raw_path;    /* as received, for logs when decoding failed */
	const char *path;        /* percent-decoded, NUL-free, valid UTF-8; NULL until decoded */
	const char *params[WG_MAX_PATH_PARAMS]; /* path parameters in pattern order */
	unsigned nparams;
	struct evkeyvalq *query; /* decoded query parameters, NULL if none */
	json_t *body;            /* parsed JSON object for routes that take one */
	/* The body of a WG_ROUTE_RAW_BODY route as the pieces libevent holds it
	 * in (not copied; valid until the reply, also on other threads while
	 * the request waits for them); NULL and 0 for other routes. */
	const struct iovec *raw_body;
	size_t raw_body_parts;
	size_t raw_body_len;
	char request_id[65];
	int64_t start_us;
	int status;             /* set by the reply */
	struct evbuffer *out;   /* response body */
	size_t bytes_out;       /* body bytes sent, for the access log */
	wg_json_out json;       /* writes into out */
	wg_field_errors errors; /* collected by validators and the domain */

	void *user; /* the handler's state across a suspension (arena) */

	/* Who is asking: set by the auth step before the handler of every
	 * route that is not public. */
	const struct wg_caller *caller;
	struct wg_session_info *session;
	char token_hash[65];
	bool cookie_auth; /* the token came from the cookie: CSRF applies */
	char address[64]; /* client address */

	/* Suspended database work. */
	wg_req_then_fn then;
	int async_status;
	wg_req *next_done; /* link in the loop's completion mailbox */
};

/* A wg_json_out sink appending to an evbuffer (ctx): with req->out, the
 * response body, for writers other than req->json. */
int wg_evbuffer_sink(void *ctx, const char *data, size_t len);

/* Start the JSON response body; returns the writer (req->json). */
wg_json_out *wg_req_json(wg_req *req);

/* Send the JSON written with wg_req_json with this status, plus the
 * standard headers. Ends the request. */
void wg_req_reply(wg_req *req, int status);

/* Send what was appended to req->out as is (not JSON), e.g. /metrics. */
void wg_req_reply_body(wg_req *req, int status, const char *content_type);

/* Send size bytes of the open file fd as the body (fd < 0: no body, e.g.
 * 304), with this Content-Type and Cache-Control plus the standard
 * headers. The response owns fd from here on and closes it, also when the
 * reply fails (503). Ends the request. */
void wg_req_reply_file(wg_req *req, int status, int fd, size_t size, const char *content_type,
                       const char *cache_control);

/* Send a problem response for a WG_E code; detail may be NULL (the code's
 * message is used). Ends the request. */
void wg_req_problem(wg_req *req, int code, const char *detail);

/* Record a field error (strings are copied into the arena). */
void wg_req_field_error(wg_req *req, const char *field, const char *code, const char *message);

/* If any field errors were recorded, reply 422 with all of them and return
 * true (the caller returns); otherwise false. */
bool wg_req_errors_or_reply(wg_req *req);

/* The handler's state across suspensions: size zeroed bytes from the
 * arena, also stored in req->user. NULL after replying 503 when memory runs
 * out (the caller returns). */
void *wg_req_state_or_reply(wg_req *req, size_t size);

/* Add a response header (copied). */
void wg_req_header(wg_req *req, const char *name, const char *value);

/* Query parameter value, or NULL. Valid until the reply. */
const char *wg_req_query(wg_req *req, const char *name);

/* Run fn(db, arg) as a read (inline on SQLite) or a write (group commit),
 * then call then(req, status) on this loop. If the work cannot be queued,
 * the request gets a 503 problem. Either way the handler must return right
 * after this call and not touch req. */
void wg_req_read(wg_req *req, wg_store_fn fn, void *arg, wg_req_then_fn then);
void wg_req_write(wg_req *req, wg_store_fn fn, void *arg, wg_req_then_fn then);

/* Run fn(arg) on the worker pool (CPU-heavy work such as password
 * hashing), then then(req, status) on this loop. Same rules as
 * wg_req_read. */
void wg_req_compute(wg_req *req, int (*fn)(void *arg), void *arg, wg_req_then_fn then);

/* A reply for status codes returned by domain functions: 0 is not an error;
 * returns true after replying with a problem for a negative code. */
bool wg_req_status_or_reply(wg_req *req, int status);

#endif
