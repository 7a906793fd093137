/* What several resource files write the same way. */
#include "api/api.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/ratelimit.h"
#include "domain/scope.h"
#include "http/server.h"

#include <stdio.h>

const wg_caller wg__api_system = {0};

void wg__api_kv_time(wg_req *req, const char *key, int64_t ms)
{
	wg_json_out *w = wg_req_json(req);
	if (ms <= 0) {
		wg_json_kv_null(w, key);
		return;
	}
	char text[40];
	if (wg_clock_format_rfc3339(ms, (int)wg_req_config(req)->time_offset_minutes, 0, text, sizeof text) !=
	    0)
		wg_json_kv_null(w, key);
	else
		wg_json_kv_string(w, key, text);
}

bool wg__api_rate_or_reply(wg_req *req, struct wg_ratelimit *limit, const char *detail)
{
	int64_t retry_ms = 0;
	if (wg_ratelimit_allow(limit, req->address, wg_clock_now_ms(), &retry_ms))
		return true;
	char retry[32];
	snprintf(retry, sizeof retry, "%lld", (long long)((retry_ms + 999) / 1000));
	wg_req_header(req, "Retry-After", retry);
	wg_req_problem(req, WG_ERATELIMIT, detail);
	return false;
}
