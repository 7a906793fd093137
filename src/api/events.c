/* /api/v1/events/stream: the caller's live notifications as server-sent
 * events (http/sse.h). */
#include "api/api.h"

#include "core/error.h"
#include "http/sse.h"

#include <event2/http.h>

/* Where the stream starts: the Last-Event-ID header an EventSource sends
 * when it reconnects, or ?last_event_id= from polyfills that cannot send
 * headers. An empty value is no value (polyfills send one on the first
 * connection). */
void wg_api_events_stream(wg_req *req)
{
	const char *given = evhttp_find_header(evhttp_request_get_input_headers(req->ev), "Last-Event-ID");
	const char *name = "Last-Event-ID";
	if (!given || !*given) {
		given = wg_req_query(req, "last_event_id");
		name = "last_event_id";
	}
	int64_t after = -1;
	if (given && *given && !wg_sse_parse_last_event_id(given, &after)) {
		wg_req_problem(req, WG_EBADREQ,
		               wg_arena_printf(&req->arena, "%s must be the decimal id of an event", name));
		return;
	}
	wg_sse_open(req, after);
}
