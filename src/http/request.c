#include "http/request.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/workpool.h"
#include "http/loop.h"
#include "http/router.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

int wg_evbuffer_sink(void *ctx, const char *data, size_t len)
{
	return evbuffer_add(ctx, data, len) == 0 ? 0 : WG_ENOMEM;
}

wg_json_out *wg_req_json(wg_req *req)
{
	return &req->json;
}

void *wg_req_state_or_reply(wg_req *req, size_t size)
{
	void *state = wg_arena_calloc(&req->arena, 1, size);
	if (!state)
		wg_req_problem(req, WG_ENOMEM, NULL);
	req->user = state;
	return state;
}

void wg_req_header(wg_req *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), name, value);
}

const char *wg_req_query(wg_req *req, const char *name)
{
	return req->query ? evhttp_find_header(req->query, name) : NULL;
}

void wg__req_discard(wg_req *req)
{
	json_decref(req->body);
	if (req->query) {
		evhttp_clear_headers(req->query);
		wg_free(req->query);
	}
	evbuffer_free(req->out);
	wg_arena_clear(&req->arena);
	wg_free(req);
}

static void standard_headers(wg_req *req, const char *content_type, const char *cache_control)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", cache_control);
	evhttp_add_header(h, "X-Request-Id", req->request_id);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Content-Security-Policy",
	                  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
	                  "object-src 'none'; base-uri 'self'; frame-ancestors 'none'");
}

/* After the reply went to evhttp (req->ev NULL): count, log and free. */
static void finish(wg_req *req, int status)
{
	struct wg_loop *loop = req->loop;
	int64_t latency = wg_clock_mono_us() - req->start_us;
	size_t route = req->route ? wg_router_index(loop->server->router, req->route)
	                          : wg_router_count(loop->server->router);
	wg_metrics_observe(loop->metrics, route, (unsigned)req->method, status, latency);
	if (loop->server->cfg->http_access_log) {
		wg_json_out *w = wg_log_line_begin(WG_LOG_INFO, "request");
		if (w) {
			wg_json_kv_string(w, "id", req->request_id);
			wg_json_kv_string(w, "method", req->method_name);
			wg_json_kv_string(w, "path", req->path ? req->path : req->raw_path);
			wg_json_kv_string(w, "route", req->route ? req->route->pattern : NULL);
			wg_json_kv_int(w, "status", status);
			wg_json_kv_int(w, "bytes", (int64_t)req->bytes_out);
			wg_json_kv_int(w, "latency_us", latency);
			wg_log_line_end(w);
		}
	}

	wg__req_discard(req);

	loop->inflight--;
	if (loop->stopping && loop->inflight == 0)
		event_base_loopexit(loop->base, NULL);
}

void wg__req_send(wg_req *req, int status, const char *content_type, const char *cache_control)
{
	standard_headers(req, content_type, cache_control);
	req->status = status;
	evhttp_send_reply(req->ev, status, reason(status), req->out);
	req->ev = NULL; /* evhttp owns and frees it once sent */
	finish(req, status);
}

void wg__req_stream_start(wg_req *req, const char *content_type)
{
	standard_headers(req, content_type, "no-store");
	req->status = 200;
	evhttp_send_reply_start(req->ev, 200, reason(200));
}

/* The last bytes of a stream ended by the server went out. */
static void stream_sent(struct evhttp_request *ev, void *arg)
{
	wg_req *req = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	if (evcon)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	req->ev = NULL; /* evhttp frees it after this */
	finish(req, req->status);
}

/* The connection went away before they did: evhttp frees the request with
 * it. */
static void stream_dropped(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	wg_req *req = arg;
	evhttp_request_set_on_complete_cb(req->ev, NULL, NULL);
	req->ev = NULL;
	finish(req, req->status);
}

void wg__req_stream_end(wg_req *req, bool client_gone)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
	if (client_gone || !evcon) {
		/* A request evhttp has dropped from its connection is ours to
		 * free; one still on a connection being freed goes with it. */
		if (!evcon)
			evhttp_request_free(req->ev);
		req->ev = NULL;
		finish(req, req->status);
		return;
	}
	/* In flight until the end of the body is out, so that a stopping loop
	 * sends it before exiting; either callback finishes the request. */
	evhttp_connection_set_closecb(evcon, stream_dropped, req);
	evhttp_request_set_on_complete_cb(req->ev, stream_sent, req);
	evhttp_send_reply_end(req->ev);
}

void wg_req_reply(wg_req *req, int status)
{
	int rc = wg_json_finish(&req->json);
	if (rc != 0 && rc != WG_EBADREQ) {
		/* The body is incomplete: nothing has been sent yet, so replace it. */
		evbuffer_drain(req->out, evbuffer_get_length(req->out));
		wg_log(WG_LOG_ERROR, "response writer failed on %s: %s", req->raw_path, wg_error_name(rc));
		wg_req_problem(req, rc == WG_ENOMEM ? WG_ENOMEM : WG_EINTERNAL, NULL);
		return;
	}
	req->bytes_out = evbuffer_get_length(req->out);
	wg__req_send(req, status, "application/json; charset=utf-8", "no-store");
}

void wg_req_reply_body(wg_req *req, int status, const char *content_type)
{
	req->bytes_out = evbuffer_get_length(req->out);
	wg__req_send(req, status, content_type, "no-store");
}

void wg_req_reply_file(wg_req *req, int status, int fd, size_t size, const char *content_type,
                       const char *cache_control)
{
	if (fd >= 0 && size > 0) {
		/* On success libevent sends the file from the descriptor (sendfile)
		 * and closes it once sent. */
		if (evbuffer_add_file(req->out, fd, 0, (ev_off_t)size) != 0) {
			close(fd);
			wg_req_problem(req, WG_ENOMEM, NULL);
			return;
		}
		req->bytes_out = size;
	} else if (fd >= 0) {
		close(fd);
	}
	if (fd >= 0) {
		/* Given here so that HEAD, which libevent sends without a body,
		 * also tells the length. */
		char length[24];
		snprintf(length, sizeof length, "%zu", size);
		wg_req_header(req, "Content-Length", length);
	}
	wg__req_send(req, status, content_type, cache_control);
}

void wg_req_problem(wg_req *req, int code, const char *detail)
{
	int status = wg_error_http_status(code);
	evbuffer_drain(req->out, evbuffer_get_length(req->out));
	wg_json_init(&req->json, wg_evbuffer_sink, req->out);
	wg_json_out *w = &req->json;
	char type[64];
	snprintf(type, sizeof type, "/errors/%s", wg_error_type(code));
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", type);
	wg_json_kv_string(w, "title", reason(status));
	wg_json_kv_int(w, "status", status);
	wg_json_kv_string(w, "detail", detail ? detail : wg_error_message(code));
	wg_json_kv_string(w, "instance", req->path ? req->path : req->raw_path);
	wg_json_kv_string(w, "request_id", req->request_id);
	if (req->errors.n) {
		wg_json_key(w, "errors");
		wg_json_array_begin(w);
		for (unsigned i = 0; i < req->errors.n; i++) {
			wg_json_object_begin(w);
			wg_json_kv_string(w, "field", req->errors.e[i].field);
			wg_json_kv_string(w, "code", req->errors.e[i].code);
			wg_json_kv_string(w, "message", req->errors.e[i].message);
			wg_json_object_end(w);
		}
		wg_json_array_end(w);
	}
	wg_json_object_end(w);
	wg_json_finish(w);
	if (status == 503)
		wg_req_header(req, "Retry-After", "1");
	req->bytes_out = evbuffer_get_length(req->out);
	wg__req_send(req, status, "application/problem+json; charset=utf-8", "no-store");
}

void wg_req_field_error(wg_req *req, const char *field, const char *code, const char *message)
{
	wg_field_errors_add(&req->errors, field, code, "%s", message);
}

bool wg_req_errors_or_reply(wg_req *req)
{
	if (!req->errors.n)
		return false;
	wg_req_problem(req, WG_EVALIDATION, req->errors.n == 1 ? req->errors.e[0].message : NULL);
	return true;
}

bool wg_req_status_or_reply(wg_req *req, int status)
{
	if (status >= 0)
		return false;
	if (status == WG_EVALIDATION && wg_req_errors_or_reply(req))
		return true;
	wg_req_problem(req, status, NULL);
	return true;
}

/* Database work leaves the loop wrapped with its request, so that the
 * completion finds its way back to the right loop. */
struct async_work {
	wg_req *req;
	wg_store_fn fn;         /* database work, or */
	int (*compute)(void *); /* work for the worker pool */
	void *arg;
};

static int run_work(wg_db *db, void *arg)
{
	struct async_work *w = arg;
	return w->fn(db, w->arg);
}

static void work_done(void *arg, int status)
{
	struct async_work *w = arg;
	wg_req *req = w->req;
	struct wg_loop *loop = req->loop;
	req->async_status = status;
	if (wg__current_loop() == loop) {
		req->then(req, status);
		return;
	}
	pthread_mutex_lock(&loop->lock);
	req->next_done = NULL;
	if (loop->done_tail)
		loop->done_tail->next_done = req;
	else
		loop->done_head = req;
	loop->done_tail = req;
	pthread_mutex_unlock(&loop->lock);
	uint64_t one = 1;
	ssize_t n = write(loop->wakefd, &one, sizeof one);
	(void)n; /* an eventfd counter cannot overflow at this rate; a failed wake is retried by the next */
}

static int run_compute(void *arg)
{
	struct async_work *w = arg;
	return w->compute(w->arg);
}

enum work_kind { WORK_READ, WORK_WRITE, WORK_COMPUTE };

static void submit(wg_req *req, enum work_kind kind, wg_store_fn fn, int (*compute)(void *), void *arg,
                   wg_req_then_fn then)
{
	struct async_work *w = wg_arena_alloc(&req->arena, sizeof *w);
	if (!w) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	w->req = req;
	w->fn = fn;
	w->compute = compute;
	w->arg = arg;
	req->then = then;
	wg_server *server = req->loop->server;
	int rc;
	switch (kind) {
	case WORK_READ: rc = wg__loop_read(req->loop, run_work, work_done, w); break;
	case WORK_WRITE: rc = wg_store_write(server->store, run_work, work_done, w); break;
	default: rc = wg_workpool_submit(server->workpool, run_compute, work_done, w); break;
	}
	if (rc)
		wg_req_problem(req, rc, NULL);
}

void wg_req_read(wg_req *req, wg_store_fn fn, void *arg, wg_req_then_fn then)
{
	submit(req, WORK_READ, fn, NULL, arg, then);
}

void wg_req_write(wg_req *req, wg_store_fn fn, void *arg, wg_req_then_fn then)
{
	submit(req, WORK_WRITE, fn, NULL, arg, then);
}

void wg_req_compute(wg_req *req, int (*fn)(void *arg), void *arg, wg_req_then_fn then)
{
	submit(req, WORK_COMPUTE, NULL, fn, arg, then);
}
