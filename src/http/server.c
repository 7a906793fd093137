#include "http/server.h"

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "core/workpool.h"
#include "domain/evaluation.h"
#include "domain/flow.h"
#include "domain/grid.h"
#include "domain/holiday.h"
#include "domain/locate.h"
#include "http/loop.h"
#include "http/sse.h"
#include "http/target.h"
#include "http/validate.h"
#include "io/pdf_report.h"
#include "jobs/case_clocks.h"
#include "jobs/evaluation_publish.h"
#include "jobs/scheduler.h"
#include "jobs/stats_fold.h"
#include "jobs/sync.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static _Thread_local struct wg_loop *current_loop;
static uint32_t request_id_prefix;

struct wg_loop *wg__current_loop(void)
{
	return current_loop;
}

const wg_config *wg_req_config(const wg_req *req)
{
	return req->loop->server->cfg;
}

wg_store *wg_req_store(const wg_req *req)
{
	return req->loop->server->store;
}

struct wg_secret_key *wg_req_secret_key(const wg_req *req)
{
	return req->loop->server->key;
}

struct wg_ratelimit *wg_req_login_limit(const wg_req *req)
{
	return req->loop->server->login_limit;
}

struct wg_ratelimit *wg_req_portal_limit(const wg_req *req)
{
	return req->loop->server->portal_limit;
}

const struct wg_calendar *wg_req_calendar(const wg_req *req)
{
	return req->loop->server->calendar;
}

struct wg_calendar *wg_req_calendar_edit(const wg_req *req)
{
	return req->loop->server->calendar;
}

static int read_sync_generations(wg_db *db, void *arg)
{
	wg_server *s = arg;
	return wg_sync_generations(db, s->sync_seen);
}

static int apply_calendar_edits(wg_db *db, void *arg)
{
	wg_server *s = arg;
	return wg_holiday_apply_edits(db, s->calendar, s->start_err, sizeof s->start_err);
}

/* The case engine's data: the flow files and the working calendar. A bad
 * file stops the start with its name, path and reason. */
static int load_case_data(wg_server *s, char *err, size_t errlen)
{
	const wg_config *cfg = s->cfg;
	int rc = wg_flow_load_dir(cfg->flows_dir, err, errlen);
	if (rc)
		return rc;
	wg_office_hours hours;
	char why[200];
	if (wg_office_hours_parse(cfg->office_hours, &hours, why, sizeof why) != 0) {
		snprintf(err, errlen, "office.hours: %s", why);
		return WG_ECONFIG;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/holidays", cfg->data_dir);
	rc = wg_calendar_load_dir(dir, &hours, &s->calendar, err, errlen);
	/* Deadlines would quietly count public holidays as working days. */
	int year = rc ? 0 : wg_calendar_year_of(wg_clock_now_ms(), cfg->time_offset_minutes);
	for (int y = year; y && y <= year + 1; y++)
		if (!wg_calendar_has_year(s->calendar, y))
			wg_log(WG_LOG_WARN,
			       "no holiday file %s/%d.json: %d counts Monday to Friday as working days "
			       "(see data/README.md)",
			       dir, y, y);
	return rc;
}

int wg_req_render_metrics(wg_req *req)
{
	wg_server *s = req->loop->server;
	return wg_metrics_render(s->metrics, s->nloops, s->router, s->store, req->out);
}

unsigned wg_server_loop_count(const wg_config *cfg)
{
	if (cfg->http_threads > 0)
		return (unsigned)cfg->http_threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* ---- request dispatch ---------------------------------------------------- */

static const struct {
	enum evhttp_cmd_type cmd;
	unsigned bit;
	const char *name;
} methods[] = {
	{EVHTTP_REQ_GET, WG_GET, "GET"},
	{EVHTTP_REQ_HEAD, WG_HEAD, "HEAD"},
	{EVHTTP_REQ_POST, WG_POST, "POST"},
	{EVHTTP_REQ_PUT, WG_PUT, "PUT"},
	{EVHTTP_REQ_PATCH, WG_PATCH, "PATCH"},
	{EVHTTP_REQ_DELETE, WG_DELETE, "DELETE"},
	{EVHTTP_REQ_OPTIONS, WG_OPTIONS, "OPTIONS"},
};

/* v as n lower-case hex digits at p, zero-padded; returns p + n. */
static char *put_hex(char *p, unsigned long long v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 4)
		p[i] = "0123456789abcdef"[v & 15];
	return p + n;
}

static void set_request_id(wg_req *req, struct evkeyvalq *in)
{
	const char *given = evhttp_find_header(in, "X-Request-Id");
	if (given) {
		size_t n = strlen(given);
		bool ok = n > 0 && n < sizeof req->request_id;
		for (size_t i = 0; ok && i < n; i++) {
			char c = given[i];
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '-' || c == '_' || c == '.';
		}
		if (ok) {
			memcpy(req->request_id, given, n + 1);
			return;
		}
	}
	static _Thread_local unsigned long long counter;
	/* PPPPPPPP-LL-CCCCCCCCCC: process, loop, request; without printf, as
	 * every request pays for it. */
	char *p = put_hex(req->request_id, request_id_prefix, 8);
	*p++ = '-';
	p = put_hex(p, req->loop->index & 0xffu, 2);
	*p++ = '-';
	p = put_hex(p, ++counter & 0xffffffffffULL, 10);
	*p = '\0';
}

static bool parse_query_or_reply(wg_req *req, const char *raw)
{
	if (!raw || !*raw)
		return true;
	req->query = wg_calloc(1, sizeof *req->query);
	if (!req->query) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return false;
	}
	TAILQ_INIT(req->query);
	const char *why = NULL;
	int rc = wg_target_parse_query(raw, req->query, &why);
	if (rc)
		wg_req_problem(req, rc, why);
	return rc == 0;
}

/* Checks and parses a JSON object body; replies with the matching problem
 * and returns false when the body is not acceptable. */
static bool parse_body_or_reply(wg_req *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req->ev);
	struct evbuffer *body = evhttp_request_get_input_buffer(req->ev);
	size_t len = evbuffer_get_length(body);
	if (!wg_media_type_is_json(evhttp_find_header(in, "Content-Type"))) {
		wg_req_problem(req, WG_EMEDIATYPE, "send the body as application/json");
		return false;
	}
	if (len == 0) {
		wg_req_problem(req, WG_EBADREQ, "the request body is empty; a JSON object is required");
		return false;
	}
	const char *text = (const char *)evbuffer_pullup(body, -1);
	if (!text) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return false;
	}
	if (!wg_utf8_valid(text, len)) {
		wg_req_problem(req, WG_EBADREQ, "the request body is not valid UTF-8");
		return false;
	}
	json_error_t jerr;
	req->body = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!req->body) {
		char *detail = wg_arena_printf(&req->arena, "malformed JSON at line %d, column %d: %s",
		                               jerr.line, jerr.column, jerr.text);
		wg_req_problem(req, WG_EBADREQ, detail);
		return false;
	}
	if (!json_is_object(req->body)) {
		wg_req_problem(req, WG_EBADREQ, "the request body must be a JSON object");
		return false;
	}
	return true;
}

/* Hands the body of a WG_ROUTE_RAW_BODY route to the handler as
 * libevent's pieces, without copying up to the attachment limit again. */
static bool raw_body_or_reply(wg_req *req)
{
	struct evbuffer *body = evhttp_request_get_input_buffer(req->ev);
	int n = evbuffer_peek(body, -1, NULL, NULL, 0);
	if (n <= 0)
		return true;
	struct evbuffer_iovec *pieces = wg_arena_calloc(&req->arena, (size_t)n, sizeof *pieces);
	struct iovec *parts = wg_arena_calloc(&req->arena, (size_t)n, sizeof *parts);
	if (!pieces || !parts) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return false;
	}
	n = evbuffer_peek(body, -1, NULL, pieces, n);
	for (int i = 0; i < n; i++) {
		parts[i].iov_base = pieces[i].iov_base;
		parts[i].iov_len = pieces[i].iov_len;
	}
	req->raw_body = parts;
	req->raw_body_parts = (size_t)n;
	req->raw_body_len = evbuffer_get_length(body);
	return true;
}

/* After authentication: the body, then the handler. */
static void proceed(wg_req *req)
{
	if ((req->route->flags & WG_ROUTE_JSON_BODY) && !parse_body_or_reply(req))
		return;
	if ((req->route->flags & WG_ROUTE_RAW_BODY) && !raw_body_or_reply(req))
		return;
	req->route->handler(req);
}

/* ---- body limits per route -------------------------------------------------
 *
 * libevent 2.1 limits bodies per connection (the evhttp's max body size,
 * copied into each connection when it is accepted) and enforces the limit
 * while it reads, answering 413 as soon as a Content-Length over it
 * arrives, before the body is sent. It offers no hook between a request's
 * head and its body on the server side (libevent 2.2's
 * evhttp_set_newreqcb), and the limit must be decided before the body. So
 * that the upload route can take files larger than http.max_body without
 * every JSON route taking them too:
 *
 *  - every connection starts with http.max_body (evhttp_set_max_body_size);
 *  - each connection's input buffer has a callback (on_input) that runs when
 *    bytes arrive from the socket, before libevent parses them. When the
 *    buffer starts with a request line whose route has WG_ROUTE_RAW_BODY,
 *    the connection's limit becomes raw_body_limit;
 *  - dispatch (the body is complete) sets the limit back to http.max_body,
 *    then looks at the buffer again, where a pipelined request may wait.
 *
 * The front of the buffer is not always a request line (it may be a body),
 * and a body may imitate one: that only raises the limit of the request
 * being read, so dispatch checks every other route's body against
 * http.max_body again. The connection is found as the bufferevent's
 * callback argument, which is how evhttp 2.1 sets up its bufferevents. */

/* A request line longer than this is not looked at: its route gets
 * http.max_body (the upload path is 20 bytes). */
#define RAW_LINE_MAX 512

static ev_ssize_t raw_body_limit(const wg_config *cfg)
{
	long long a = cfg->attachments_max_bytes, v = cfg->attachments_max_video;
	long long max = a > v ? a : v;
	long long json = cfg->http_max_body;
	return (ev_ssize_t)(max > json ? max : json);
}

/* Whether buf starts with a complete request line of a WG_ROUTE_RAW_BODY
 * route (only methods that carry a body). */
static bool starts_raw_request(const wg_router *router, struct evbuffer *buf)
{
	char line[RAW_LINE_MAX + 1];
	unsigned method;
	size_t skip;
	/* Most reads do not start a POST, PUT or PATCH: six bytes tell. */
	if (evbuffer_copyout(buf, line, 6) != 6)
		return false;
	if (memcmp(line, "POST ", 5) == 0)
		method = WG_POST, skip = 5;
	else if (memcmp(line, "PUT ", 4) == 0)
		method = WG_PUT, skip = 4;
	else if (memcmp(line, "PATCH ", 6) == 0)
		method = WG_PATCH, skip = 6;
	else
		return false;
	ev_ssize_t n = evbuffer_copyout(buf, line, RAW_LINE_MAX);
	const char *target = line + skip;
	const char *eol = n > 0 ? memchr(line, '\n', (size_t)n) : NULL;
	const char *end = eol && eol > target ? memchr(target, ' ', (size_t)(eol - target)) : NULL;
	if (!end || target[0] != '/')
		return false;
	const char *query = memchr(target, '?', (size_t)(end - target));
	line[(query ? query : end) - line] = '\0';
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	const char *path, *params[WG_MAX_PATH_PARAMS];
	unsigned nparams, allowed;
	const wg_route *route = NULL;
	if (wg_target_decode_path(target, &arena, &path) == 0)
		route = wg_router_match(router, method, path, &arena, params, &nparams, &allowed);
	wg_arena_clear(&arena);
	return route && (route->flags & WG_ROUTE_RAW_BODY);
}

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct bufferevent *bev = arg;
	struct wg_loop *loop = wg__current_loop();
	void *evcon = NULL;
	if (info->n_added == 0 || !loop)
		return;
	bufferevent_getcb(bev, NULL, NULL, NULL, &evcon);
	if (evcon && starts_raw_request(loop->server->router, buf))
		evhttp_connection_set_max_body_size(evcon, raw_body_limit(loop->server->cfg));
}

/* evhttp's bufferevent for a new connection, as evhttp would make it, plus
 * the callback above. */
static struct bufferevent *new_connection(struct event_base *base, void *arg)
{
	(void)arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev && !evbuffer_add_cb(bufferevent_get_input(bev), on_input, bev)) {
		bufferevent_free(bev);
		return NULL; /* evhttp makes its own: uploads over http.max_body get 413 */
	}
	return bev;
}

/* The request's body is complete: the next one on the connection starts
 * from http.max_body, unless it is already waiting and is an upload. */
static void reset_body_limit(struct wg_loop *loop, struct evhttp_request *ev)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	if (!bev)
		return;
	const wg_config *cfg = loop->server->cfg;
	bool raw = starts_raw_request(loop->server->router, bufferevent_get_input(bev));
	evhttp_connection_set_max_body_size(evcon,
	                                    raw ? raw_body_limit(cfg) : (ev_ssize_t)cfg->http_max_body);
}

static void set_address(wg_req *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req->ev);
	char *host = NULL;
	ev_uint16_t port = 0;
	if (conn)
		evhttp_connection_get_peer(conn, &host, &port);
	snprintf(req->address, sizeof req->address, "%s", host ? host : "");
}

static void dispatch(struct evhttp_request *ev, void *arg)
{
	struct wg_loop *loop = arg;
	wg_req *req = wg_calloc(1, sizeof *req);
	struct evbuffer *out = evbuffer_new();
	if (!req || !out) {
		wg_free(req);
		if (out)
			evbuffer_free(out);
		evhttp_send_error(ev, 503, "Service Unavailable");
		return;
	}
	loop->inflight++;
	req->ev = ev;
	req->loop = loop;
	req->out = out;
	req->start_us = wg_clock_mono_us();
	wg_arena_init(&req->arena, 4096);
	wg_field_errors_init(&req->errors, &req->arena);
	wg_json_init(&req->json, wg_evbuffer_sink, out);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(ev);
	req->method_name = "OTHER";
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].cmd == cmd) {
			req->method = (int)methods[i].bit;
			req->method_name = methods[i].name;
		}
	reset_body_limit(loop, ev);
	struct evkeyvalq *in = evhttp_request_get_input_headers(ev);
	set_request_id(req, in);
	set_address(req);
	const char *uri = evhttp_request_get_uri(ev);
	req->raw_path = wg_arena_strdup(&req->arena, uri ? uri : "");
	if (!req->raw_path) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	const struct evhttp_uri *parsed = evhttp_request_get_evhttp_uri(ev);
	int rc = wg_target_decode_path(parsed ? evhttp_uri_get_path(parsed) : NULL, &req->arena, &req->path);
	if (rc) {
		wg_req_problem(req, rc, "the path must be absolute, without NUL bytes, in UTF-8");
		return;
	}
	unsigned allowed = 0;
	req->route = wg_router_match(loop->server->router, (unsigned)req->method, req->path, &req->arena,
	                             req->params, &req->nparams, &allowed);
	if (!parse_query_or_reply(req, evhttp_uri_get_query(parsed)))
		return;
	if (!req->route) {
		if (allowed) {
			char allow[96];
			wg_router_methods_text(allowed, allow, sizeof allow);
			wg_req_header(req, "Allow", allow);
			wg_req_problem(req, WG_EMETHOD, NULL);
		} else if (strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0 ||
		           strncmp(req->path, "/open311/", 9) == 0 || !(req->method & (WG_GET | WG_HEAD))) {
			wg_req_problem(req, WG_ENOTFOUND, NULL);
		} else {
			wg__static_serve(req);
		}
		return;
	}
	if (!(req->route->flags & WG_ROUTE_RAW_BODY) &&
	    evbuffer_get_length(evhttp_request_get_input_buffer(ev)) >
	            (size_t)loop->server->cfg->http_max_body) {
		/* Only a body imitating an upload's request line gets here (see
		 * "body limits per route"); libevent answers the others itself. */
		wg_req_header(req, "Connection", "close");
		wg_req_problem(req, WG_ETOOLARGE, "the request body is larger than http.max_body");
		return;
	}
	if (req->route->flags & WG_ROUTE_PUBLIC)
		proceed(req);
	else
		wg__authenticate(req, proceed);
}

/* ---- loops --------------------------------------------------------------- */

static void on_grace_expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct wg_loop *loop = arg;
	wg_log(WG_LOG_WARN, "loop %u: %u requests still in flight after the grace period", loop->index,
	       loop->inflight);
	event_base_loopexit(loop->base, NULL);
}

static void begin_stopping(struct wg_loop *loop)
{
	wg__sse_stop(loop); /* event streams end now: the grace period is not for them */
	loop->stopping = true;
	if (loop->bound) {
		evhttp_del_accept_socket(loop->http, loop->bound);
		loop->bound = NULL;
	}
	if (loop->inflight == 0) {
		event_base_loopexit(loop->base, NULL);
		return;
	}
	struct timeval grace = {.tv_sec = (time_t)loop->server->cfg->shutdown_grace_s};
	loop->grace_timer = evtimer_new(loop->base, on_grace_expired, loop);
	if (!loop->grace_timer || evtimer_add(loop->grace_timer, &grace) != 0)
		event_base_loopexit(loop->base, NULL);
}

/* A kept snapshot lives at most 10 ms (store.c); the timer ends one the
 * loop no longer uses, a little after that. */
static const struct timeval release_after = {.tv_usec = 20000};

static void on_release(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct wg_loop *loop = arg;
	if (wg_store_read_release(loop->server->store, loop->index))
		evtimer_add(loop->release_timer, &release_after);
}

int wg__loop_read(struct wg_loop *loop, wg_store_fn fn, wg_store_done_fn done, void *arg)
{
	wg_store *store = loop->server->store;
	int rc = wg_store_read(store, loop->index, fn, done, arg);
	if (rc == 0 && loop->release_timer && !evtimer_pending(loop->release_timer, NULL) &&
	    wg_store_read_held(store, loop->index))
		evtimer_add(loop->release_timer, &release_after);
	return rc;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct wg_loop *loop = arg;
	uint64_t n;
	ssize_t rc = read(fd, &n, sizeof n);
	(void)rc; /* EAGAIN only means another wake already drained it */
	pthread_mutex_lock(&loop->lock);
	wg_req *req = loop->done_head;
	loop->done_head = loop->done_tail = NULL;
	bool stop = loop->stop_requested;
	pthread_mutex_unlock(&loop->lock);
	while (req) {
		wg_req *next = req->next_done;
		req->then(req, req->async_status);
		req = next;
	}
	if (stop && !loop->stopping)
		begin_stopping(loop);
}

static void *loop_main(void *arg)
{
	struct wg_loop *loop = arg;
	current_loop = loop;
	event_base_dispatch(loop->base);
	current_loop = NULL;
	return NULL;
}

static int listen_socket(const char *host, int port, int *fd_out, int *bound_port, char *err, size_t errlen)
{
	char service[16];
	snprintf(service, sizeof service, "%d", port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, service, &hints, &res);
	if (gai != 0) {
		snprintf(err, errlen, "http.host '%s': %s", host, gai_strerror(gai));
		return WG_ECONFIG;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	/* TCP_NODELAY, which Linux hands on to accepted connections: evhttp
	 * writes a reply's head and body separately, and with Nagle's rule the
	 * body of a large reply would wait for the client's delayed ACK of the
	 * head (40 ms on every keep-alive list page before this). */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return WG_EIO;
	}
	freeaddrinfo(res);
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	memset(&addr, 0, sizeof addr);
	socklen_t sl = sizeof addr;
	if (getsockname(fd, &addr.sa, &sl) == 0)
		*bound_port = ntohs(addr.sa.sa_family == AF_INET6 ? addr.in6.sin6_port : addr.in.sin_port);
	*fd_out = fd;
	return 0;
}

static int loop_init(wg_server *s, struct wg_loop *loop, unsigned index, char *err, size_t errlen)
{
	const wg_config *cfg = s->cfg;
	loop->server = s;
	loop->index = index;
	loop->wakefd = -1;
	pthread_mutex_init(&loop->lock, NULL);
	/* With the change list, epoll learns of a connection's interest
	 * changes once per loop turn instead of at each change: evhttp stops
	 * reading while it answers and starts again once the answer is out,
	 * three epoll_ctl calls a request otherwise. The flag is unsafe only
	 * for descriptors made with dup(), which nothing here uses. */
	struct event_config *ec = event_config_new();
	if (ec && event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == 0)
		loop->base = event_base_new_with_config(ec);
	if (ec)
		event_config_free(ec);
	loop->http = loop->base ? evhttp_new(loop->base) : NULL;
	loop->metrics = wg_metrics_new(wg_router_count(s->router));
	if (!loop->http || !loop->metrics)
		return WG_ENOMEM;
	/* libevent refuses a larger body itself (413) as soon as the headers
	 * declare it, before reading it. Without lingering close it answers at
	 * once, which a client waiting on "Expect: 100-continue" needs. Upload
	 * routes get a larger limit per request ("body limits per route"). */
	evhttp_set_max_body_size(loop->http, (ev_ssize_t)cfg->http_max_body);
	evhttp_set_bevcb(loop->http, new_connection, NULL);
	evhttp_set_max_headers_size(loop->http, 65536);
	evhttp_set_timeout(loop->http, (int)cfg->http_timeout_s);
	evhttp_set_allowed_methods(loop->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	                                               EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	                                               EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(loop->http, dispatch, loop);

	int fd, port = s->port;
	int rc = listen_socket(cfg->http_host, s->port ? s->port : (int)cfg->http_port, &fd, &port, err,
	                       errlen);
	if (rc)
		return rc;
	s->port = port;
	loop->bound = evhttp_accept_socket_with_handle(loop->http, fd);
	if (!loop->bound) {
		close(fd);
		snprintf(err, errlen, "cannot accept on port %d", port);
		return WG_EIO;
	}
	loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	loop->wake = loop->wakefd >= 0
	                     ? event_new(loop->base, loop->wakefd, EV_READ | EV_PERSIST, on_wake, loop)
	                     : NULL;
	if (!loop->wake || event_add(loop->wake, NULL) != 0) {
		snprintf(err, errlen, "cannot create the loop's wake-up event: %s", strerror(errno));
		return WG_EIO;
	}
	loop->release_timer = evtimer_new(loop->base, on_release, loop);
	if (!loop->release_timer) {
		snprintf(err, errlen, "cannot create the loop's snapshot timer");
		return WG_ENOMEM;
	}
	return 0;
}

/* Whether path lies in root, a resolved folder ("" for none). path may not
 * exist yet (the attachments folder is made by the first upload): its
 * longest existing leading part is resolved and the rest appended. */
static bool inside_static_root(const char *root, const char *path)
{
	size_t rootlen = strlen(root), len = strlen(path), cut = len;
	char prefix[PATH_MAX], real[PATH_MAX], full[PATH_MAX * 2];
	if (!rootlen || len >= sizeof prefix)
		return false;
	for (;;) {
		memcpy(prefix, path, cut);
		prefix[cut] = '\0';
		if (realpath(cut ? prefix : (path[0] == '/' ? "/" : "."), real))
			break;
		if (cut == 0)
			return false;
		while (cut > 0 && path[cut - 1] != '/')
			cut--;
		while (cut > 0 && path[cut - 1] == '/')
			cut--;
	}
	const char *rest = path + cut;
	while (*rest == '/')
		rest++;
	size_t rl = strlen(real);
	snprintf(full, sizeof full, "%s%s%s", real, rl && real[rl - 1] == '/' ? "" : "/", rest);
	return strncmp(full, root, rootlen) == 0 &&
	       (rootlen == 1 || full[rootlen] == '/' || full[rootlen] == '\0');
}

int wg_server_new(const wg_config *cfg, wg_store *store, const wg_route *routes, size_t nroutes,
                  wg_server **out, char *err, size_t errlen)
{
	static bool threads_ready;
	if (!threads_ready) {
		if (evthread_use_pthreads() != 0 || sodium_init() < 0) {
			snprintf(err, errlen, "cannot initialise libevent threads or libsodium");
			return WG_EINTERNAL;
		}
		randombytes_buf(&request_id_prefix, sizeof request_id_prefix);
		threads_ready = true;
	}
	wg_server *s = wg_calloc(1, sizeof *s);
	if (!s)
		return WG_ENOMEM;
	s->cfg = cfg;
	s->store = store;
	int rc = wg_router_new(routes, nroutes, &s->router, err, errlen);
	if (rc) {
		wg_free(s);
		return rc;
	}
	if (!realpath(cfg->http_static_dir, s->static_root))
		s->static_root[0] = '\0';
	if (inside_static_root(s->static_root, cfg->attachments_dir)) {
		/* Uploads would be served by name to anyone, skipping every check
		 * of the attachments route. */
		snprintf(err, errlen, "attachments.dir (%s) lies inside http.static_dir (%s)",
		         cfg->attachments_dir, s->static_root);
		wg_router_free(s->router);
		wg_free(s);
		return WG_ECONFIG;
	}
	rc = wg_secret_key_load(cfg->security_key_file, &s->key, err, errlen);
	if (rc) {
		wg_server_free(s);
		return rc;
	}
	/* What the sync job compares with (read first: a change made while
	 * the server loads is then reloaded by the job). */
	rc = wg_store_run(store, read_sync_generations, s);
	if (rc) {
		snprintf(err, errlen, "cannot read sync_generations: %s", wg_error_message(rc));
		wg_server_free(s);
		return rc;
	}
	/* The loops locate points from their first request on. */
	rc = wg_store_run(store, wg_grid_index_load, NULL);
	if (rc) {
		snprintf(err, errlen, "cannot build the grid index: %s", wg_error_message(rc));
		wg_server_free(s);
		return rc;
	}
	rc = load_case_data(s, err, errlen);
	/* The holidays edited in wangge take the place of their years' files. */
	if (!rc && (rc = wg_store_run(store, apply_calendar_edits, s)) != 0)
		snprintf(err, errlen, "holiday calendar: %s",
		         s->start_err[0] ? s->start_err : wg_error_message(rc));
	if (rc) {
		wg_server_free(s);
		return rc;
	}
	/* A report font that does not load fails only the PDF reports: say so
	 * now rather than at the first export. */
	char why[256];
	if (wg_pdf_report_font_check(cfg->reports_font, (int)cfg->reports_font_index, why, sizeof why) != 0)
		wg_log(WG_LOG_WARN, "PDF reports unavailable: %s", why);
	s->workpool = wg_workpool_new(wg_server_loop_count(cfg));
	s->login_limit = wg_ratelimit_new((unsigned)cfg->security_login_per_minute);
	s->portal_limit = wg_ratelimit_new((unsigned)cfg->portal_per_minute);
	if (!s->workpool || !s->login_limit || !s->portal_limit) {
		wg_server_free(s);
		return WG_ENOMEM;
	}
	s->nloops = wg_server_loop_count(cfg);
	s->loops = wg_calloc(s->nloops, sizeof *s->loops);
	s->metrics = wg_calloc(s->nloops, sizeof(wg_metrics *));
	if (!s->loops || !s->metrics) {
		wg_server_free(s);
		return WG_ENOMEM;
	}
	for (unsigned i = 0; i < s->nloops; i++) {
		rc = loop_init(s, &s->loops[i], i, err, errlen);
		s->metrics[i] = s->loops[i].metrics;
		if (rc) {
			if (rc == WG_ENOMEM)
				snprintf(err, errlen, "out of memory creating event loop %u", i);
			wg_server_free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

int wg_server_port(const wg_server *s)
{
	return s->port;
}

static pthread_t main_thread;

int wg_server_run(wg_server *s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	main_thread = pthread_self();

	if (wg_case_clocks_start(s->store, s->cfg, s->calendar, s->key, &s->scheduler) != 0)
		wg_log(WG_LOG_ERROR, "cannot start the scheduler of case clocks");
	wg_scheduler_set_global(s->scheduler);
	if (wg_stats_fold_start(s->store, &s->stats_fold) != 0)
		wg_log(WG_LOG_ERROR, "cannot start the statistics fold");
	const wg_evaluation_config *evaluation = wg_evaluation_loaded();
	if (evaluation && wg_evaluation_publish_start(s->store, s->cfg, evaluation, &s->evaluation) != 0)
		wg_log(WG_LOG_ERROR, "cannot start the publishing of evaluations");
	/* Live settings are set in place, as PUT /settings/{name} sets them. */
	const wg_sync_targets targets = {.cfg = (wg_config *)s->cfg, .calendar = s->calendar};
	if (wg_sync_start(s->store, &targets, s->sync_seen, &s->sync) != 0)
		wg_log(WG_LOG_ERROR, "cannot start the sync job");
	unsigned started = 0;
	for (; started < s->nloops; started++)
		if (pthread_create(&s->loops[started].thread, NULL, loop_main, &s->loops[started]) != 0)
			break;
	if (started < s->nloops)
		wg_log(WG_LOG_ERROR, "could only start %u of %u event loops", started, s->nloops);
	else {
		int sig = 0;
		sigwait(&set, &sig);
		wg_log(WG_LOG_INFO, "received %s: finishing in-flight requests",
		       sig == SIGINT ? "SIGINT" : "SIGTERM");
	}
	for (unsigned i = 0; i < started; i++) {
		struct wg_loop *loop = &s->loops[i];
		pthread_mutex_lock(&loop->lock);
		loop->stop_requested = true;
		pthread_mutex_unlock(&loop->lock);
		uint64_t one = 1;
		ssize_t n = write(loop->wakefd, &one, sizeof one);
		(void)n;
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(s->loops[i].thread, NULL);
	/* The store closes after this returns: no clock may fire then. */
	wg_scheduler_set_global(NULL);
	wg_scheduler_stop(s->scheduler);
	s->scheduler = NULL;
	wg_stats_fold_stop(s->stats_fold);
	s->stats_fold = NULL;
	wg_scheduler_stop(s->evaluation);
	s->evaluation = NULL;
	wg_sync_stop(s->sync);
	s->sync = NULL;
	return started == s->nloops ? 0 : WG_EINTERNAL;
}

void wg_server_stop(wg_server *s)
{
	(void)s;
	/* The main thread waits in sigwait for exactly this signal; it is not
	 * a request to kill the process. */
	pthread_kill(main_thread, SIGTERM); /* NOLINT(bugprone-bad-signal-to-kill-thread) */
}

void wg_server_free(wg_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; s->loops && i < s->nloops; i++) {
		struct wg_loop *loop = &s->loops[i];
		if (!loop->server)
			continue; /* never initialised */
		/* Completions that arrived after the loop stopped: nobody can be
		 * answered any more, so only free them. */
		for (wg_req *req = loop->done_head; req;) {
			wg_req *next = req->next_done;
			wg__req_discard(req);
			req = next;
		}
		if (loop->grace_timer)
			event_free(loop->grace_timer);
		if (loop->release_timer)
			event_free(loop->release_timer);
		if (loop->wake)
			event_free(loop->wake);
		if (loop->wakefd >= 0)
			close(loop->wakefd);
		wg__sse_loop_free(loop);
		if (loop->http)
			evhttp_free(loop->http);
		if (loop->base)
			event_base_free(loop->base);
		wg_metrics_free(loop->metrics);
		pthread_mutex_destroy(&loop->lock);
	}
	wg__sse_server_free(s);
	wg_free(s->loops);
	wg_free(s->metrics);
	wg_router_free(s->router);
	if (s->workpool)
		wg_workpool_free(s->workpool);
	if (s->login_limit)
		wg_ratelimit_free(s->login_limit);
	if (s->portal_limit)
		wg_ratelimit_free(s->portal_limit);
	wg_calendar_free(s->calendar);
	wg_flow_unload();
	if (s->key)
		wg_secret_key_free(s->key);
	wg_locate_shutdown();
	wg_free(s);
}
