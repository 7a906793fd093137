/* /api/v1/testing/clock: the API tests set the server's clock, so that
 * deadlines fall due without waiting. Served only with the setting
 * testing.clock on; otherwise it answers as an unknown route does. */
#include "api/api.h"

#include "core/clock.h"
#include "core/error.h"
#include "http/server.h"
#include "http/validate.h"
#include "jobs/scheduler.h"

void wg_api_testing_clock(wg_req *req)
{
	if (!wg_req_config(req)->testing_clock) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	static const char *const fields[] = {"now", NULL};
	wg_body_only(req, fields);
	json_t *v = json_object_get(req->body, "now");
	int64_t ms = 0; /* the real clock */
	if (!v) {
		wg_req_field_error(req, "now", "required",
		                   "now is required: a time, or null for the real clock");
	} else if (json_is_string(v)) {
		const char *s = wg_body_string(req, "now", 64, true);
		if (s && (wg_clock_parse_rfc3339(s, &ms) != 0 || ms <= 0))
			wg_req_field_error(req, "now", "pattern",
			                   "now must be an RFC 3339 time with offset, after 1970-01-01");
	} else if (!json_is_null(v)) {
		wg_req_field_error(req, "now", "type", "now must be a string or null");
	}
	if (wg_req_errors_or_reply(req))
		return;
	wg_clock_set_ms(ms);
	/* Moving the clock may have made things due; the scheduler would
	 * otherwise notice only at its next look. */
	int64_t now = wg_clock_now_ms();
	wg_scheduler_hint_all(now);
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg__api_kv_time(req, "now", now);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}
