/* What the base-data resources share (see basedata.h). */
#include "api/basedata.h"

#include "api/api.h"
#include "core/error.h"
#include "http/server.h"
#include "http/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wg__api_basedata_env(wg_req *req, wg_basedata_env *env)
{
	const wg_config *cfg = wg_req_config(req);
	*env = (wg_basedata_env){
		.caller = req->caller,
		.key = wg_req_secret_key(req),
		.audit_alg = cfg->security_audit_hash,
		.offset_minutes = (int)cfg->time_offset_minutes,
		.arena = &req->arena,
	};
}

bool wg__api_id_or_reply(wg_req *req, int64_t *id)
{
	const char *s = req->params[0];
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || s[0] == '+' || s[0] == '0') {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return false;
	}
	*id = v;
	return true;
}

bool wg__api_body_has(wg_req *req, const char *field)
{
	return req->body && json_object_get(req->body, field) != NULL;
}

int64_t wg__api_body_ref(wg_req *req, const char *field)
{
	json_t *v = req->body ? json_object_get(req->body, field) : NULL;
	if (!v)
		return WG_BASEDATA_UNSET;
	if (json_is_null(v))
		return 0;
	int64_t id = 0;
	if (!wg_body_int(req, field, 1, INT64_MAX, false, &id))
		return 0;
	return id;
}

static bool coordinate(wg_req *req, json_t *loc, const char *name, double min, double max, double *out)
{
	json_t *v = json_object_get(loc, name);
	char field[24], msg[96];
	snprintf(field, sizeof field, "location.%s", name);
	if (!json_is_number(v)) {
		snprintf(msg, sizeof msg, "%s must be a number (WGS-84 degrees)", field);
		wg_req_field_error(req, field, v ? "type" : "required", msg);
		return false;
	}
	*out = json_number_value(v);
	if (*out < min || *out > max) {
		snprintf(msg, sizeof msg, "%s must be within %g..%g", field, min, max);
		wg_req_field_error(req, field, "range", msg);
		return false;
	}
	return true;
}

void wg__api_body_where(wg_req *req, wg_basedata_where *w)
{
	memset(w, 0, sizeof *w);
	w->grid = wg_body_string(req, "grid", 18, false);
	w->region = wg_body_string(req, "region", 12, false);
	json_t *loc = req->body ? json_object_get(req->body, "location") : NULL;
	if (loc && !json_is_null(loc)) {
		if (!json_is_object(loc)) {
			wg_req_field_error(req, "location", "type",
			                   "location must be an object {\"lat\",\"lng\"}");
		} else {
			bool ok = coordinate(req, loc, "lat", -90, 90, &w->lat);
			ok = coordinate(req, loc, "lng", -180, 180, &w->lng) && ok;
			w->has_location = ok;
			const char *key;
			json_t *value;
			json_object_foreach(loc, key, value) {
				if (strcmp(key, "lat") != 0 && strcmp(key, "lng") != 0)
					wg_req_field_error(req, "location", "unknown",
					                   "location has only lat and lng");
			}
		}
	}
	w->given = w->grid || w->region || w->has_location;
}

void wg__api_query_area(wg_req *req, const char **area, const char **field)
{
	const char *grid = wg_query_string(req, "grid", 18);
	const char *region = wg_query_string(req, "region", 12);
	if (grid && region)
		wg_req_field_error(req, "grid", "conflict", "filter by grid or by region, not both");
	*area = grid ? grid : region;
	*field = grid ? "grid" : "region";
}

void wg__api_write_where(wg_req *req, bool has_location, double lat, double lng, const char *grid,
                         const char *grid_name, const char *region, const char *region_name)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_key(w, "location");
	if (has_location) {
		wg_json_object_begin(w);
		wg_json_key(w, "lat");
		wg_json_double(w, lat);
		wg_json_key(w, "lng");
		wg_json_double(w, lng);
		wg_json_object_end(w);
	} else {
		wg_json_null(w);
	}
	bool in_grid = grid && *grid;
	wg_json_kv_string(w, "grid", in_grid ? grid : NULL);
	wg_json_kv_string(w, "grid_name", in_grid ? grid_name : NULL);
	wg_json_kv_string(w, "region", region);
	wg_json_kv_string(w, "region_name", region_name);
}

void wg__api_write_term(wg_req *req, const char *key, const wg_terms *v, const char *value)
{
	wg_json_out *w = wg_req_json(req);
	const wg_term *t = wg_terms_key(v, value);
	char label[40];
	snprintf(label, sizeof label, "%s_label", key);
	wg_json_kv_string(w, key, value);
	wg_json_kv_string(w, label, t ? t->label : NULL);
}

void wg__api_kv_ref(wg_req *req, const char *key, int64_t id)
{
	wg_json_out *w = wg_req_json(req);
	if (id > 0)
		wg_json_kv_int(w, key, id);
	else
		wg_json_kv_null(w, key);
}

void wg__api_written(wg_req *req, int status, int http_status, const char *prefix, int64_t id)
{
	if (wg_req_status_or_reply(req, status))
		return;
	if (http_status == 201) {
		char *location = wg_arena_printf(&req->arena, "%s%lld", prefix, (long long)id);
		if (location)
			wg_req_header(req, "Location", location);
	}
	wg_req_reply(req, http_status);
}
