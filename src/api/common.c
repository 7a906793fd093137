/* What several resource files write the same way. */
#include "api/api.h"

#include "core/clock.h"
#include "domain/scope.h"
#include "http/server.h"

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
