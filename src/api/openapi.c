/* GET /api/v1/openapi.json: the route table (routes.c) as an OpenAPI 3.1
 * document, written from the table on each request, so that it says what
 * the router serves and cannot drift from it (the test clock's route only
 * where testing.clock is on). Each operation has its summary, its path
 * and query parameters, whether it needs a session and which roles may
 * call it ("x-roles"), the body it takes and the problem document its
 * errors are. The members of bodies and answers, and what each query
 * parameter means, are described in docs/api.md, not here; Open311's
 * resources are GeoReport v2's (its externalDocs). */
#include "api/api.h"

#include "core/config.h"
#include "domain/role.h"
#include "http/server.h"

#include <ctype.h>
#include <string.h>

#define GEOREPORT "http://wiki.open311.org/GeoReport_v2"

static const char *method_name(unsigned m)
{
	switch (m) {
	case WG_GET: return "get";
	case WG_POST: return "post";
	case WG_PUT: return "put";
	case WG_PATCH: return "patch";
	case WG_DELETE: return "delete";
	default: return "options";
	}
}

static bool is_open311(const wg_route *r)
{
	return strncmp(r->pattern, "/open311/", 9) == 0;
}

/* "get_api_v1_cases_id_timeline": the method and the path's words. */
static void operation_id(wg_json_out *w, const wg_route *r)
{
	char id[160];
	size_t n = (size_t)snprintf(id, sizeof id, "%s", method_name(r->methods));
	for (const char *p = r->pattern; *p && n + 2 < sizeof id; p++) {
		if (isalnum((unsigned char)*p))
			id[n++] = *p;
		else if (id[n - 1] != '_')
			id[n++] = '_';
	}
	while (n > 0 && id[n - 1] == '_')
		n--;
	wg_json_key(w, "operationId");
	wg_json_string_n(w, id, n);
}

/* The first word of the path after /api/v1/ ("cases"), or its first word. */
static void tag(wg_json_out *w, const wg_route *r)
{
	const char *p = r->pattern + 1;
	if (strncmp(p, "api/v1/", 7) == 0)
		p += 7;
	size_t n = strcspn(p, "/.{");
	wg_json_key(w, "tags");
	wg_json_array_begin(w);
	wg_json_string_n(w, p, n);
	wg_json_array_end(w);
}

/* A query parameter's type by its name, the same on every route that
 * reads it; any other is a string. */
static const struct {
	const char *name, *type;
} query_types[] = {
	{"limit", "integer"},  {"house", "integer"}, {"organisation", "integer"}, {"subject_id", "integer"},
	{"days", "integer"},   {"lat", "number"},    {"lng", "number"},           {"active", "boolean"},
	{"rental", "boolean"}, {"total", "boolean"}, {"overdue", "boolean"},
};

static const char *query_type(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof query_types / sizeof query_types[0]; i++)
		if (strlen(query_types[i].name) == n && memcmp(query_types[i].name, name, n) == 0)
			return query_types[i].type;
	return "string";
}

static void parameter(wg_json_out *w, const char *name, size_t n, const char *in, const char *type)
{
	wg_json_object_begin(w);
	wg_json_key(w, "name");
	wg_json_string_n(w, name, n);
	wg_json_kv_string(w, "in", in);
	wg_json_kv_bool(w, "required", strcmp(in, "path") == 0);
	wg_json_key(w, "schema");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", type);
	wg_json_object_end(w);
	wg_json_object_end(w);
}

/* The path's parameters, then the query's (r->query, space-separated). */
static void parameters(wg_json_out *w, const wg_route *r)
{
	wg_json_key(w, "parameters");
	wg_json_array_begin(w);
	for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{'))
		parameter(w, p + 1, strcspn(p + 1, "}"), "path", "string");
	for (const char *q = r->query; q && *q;) {
		size_t n = strcspn(q, " ");
		if (n)
			parameter(w, q, n, "query", query_type(q, n));
		q += n + (q[n] == ' ');
	}
	wg_json_array_end(w);
}

static void who(wg_json_out *w, const wg_route *r)
{
	wg_json_key(w, "security");
	wg_json_array_begin(w);
	if (!(r->flags & WG_ROUTE_PUBLIC)) {
		for (int i = 0; i < 2; i++) {
			wg_json_object_begin(w);
			wg_json_key(w, i ? "cookie" : "bearer");
			wg_json_array_begin(w);
			wg_json_array_end(w);
			wg_json_object_end(w);
		}
	}
	wg_json_array_end(w);
	if (r->flags & WG_ROUTE_PUBLIC)
		return;
	wg_json_key(w, "x-roles");
	wg_json_array_begin(w);
	unsigned roles = r->roles ? r->roles : WG_ROLES_ALL;
	for (unsigned bit = 1; bit && bit <= WG_ROLES_ALL; bit <<= 1)
		if (roles & bit)
			wg_json_string(w, wg_role_name(bit));
	wg_json_array_end(w);
	if (r->flags & WG_ROUTE_ANY_STATE)
		wg_json_kv_bool(w, "x-before-password-change", true);
}

static void body(wg_json_out *w, const wg_route *r)
{
	const char *type = NULL, *schema = "object", *format = NULL;
	if (r->flags & WG_ROUTE_JSON_BODY) {
		type = "application/json";
	} else if (r->flags & WG_ROUTE_RAW_BODY) {
		type = "application/octet-stream"; /* any type: the bytes are judged */
		schema = "string";
		format = "binary";
	} else if (is_open311(r) && r->methods == WG_POST) {
		type = "application/x-www-form-urlencoded";
	}
	if (!type)
		return;
	wg_json_key(w, "requestBody");
	wg_json_object_begin(w);
	wg_json_kv_bool(w, "required", true);
	wg_json_key(w, "content");
	wg_json_object_begin(w);
	wg_json_key(w, type);
	wg_json_object_begin(w);
	wg_json_key(w, "schema");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", schema);
	if (format)
		wg_json_kv_string(w, "format", format);
	wg_json_object_end(w);
	wg_json_object_end(w);
	wg_json_object_end(w);
	wg_json_object_end(w);
}

static void responses(wg_json_out *w, const wg_route *r)
{
	wg_json_key(w, "responses");
	wg_json_object_begin(w);
	wg_json_key(w, "2XX");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "description", is_open311(r) ? "GeoReport v2's answer" : "see docs/api.md");
	wg_json_object_end(w);
	wg_json_key(w, "4XX");
	wg_json_object_begin(w);
	if (is_open311(r))
		wg_json_kv_string(w, "description", "GeoReport v2's error document [{code, description}]");
	else
		wg_json_kv_string(w, "$ref", "#/components/responses/Problem");
	wg_json_object_end(w);
	wg_json_key(w, "5XX");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "$ref", "#/components/responses/Problem");
	wg_json_object_end(w);
	wg_json_object_end(w);
}

static void operation(wg_json_out *w, const wg_route *r)
{
	wg_json_key(w, method_name(r->methods));
	wg_json_object_begin(w);
	operation_id(w, r);
	wg_json_kv_string(w, "summary", r->summary);
	tag(w, r);
	if (is_open311(r)) {
		wg_json_key(w, "externalDocs");
		wg_json_object_begin(w);
		wg_json_kv_string(w, "url", GEOREPORT);
		wg_json_object_end(w);
	}
	parameters(w, r);
	who(w, r);
	body(w, r);
	responses(w, r);
	wg_json_object_end(w);
}

/* Whether the route answers here: the test clock only where it is on. */
static bool served(const wg_route *r, const wg_config *cfg)
{
	return r->handler != wg_api_testing_clock || cfg->testing_clock;
}

/* "paths": each pattern once, with the operations of every route on it. */
static void paths(wg_json_out *w, const wg_config *cfg)
{
	wg_json_key(w, "paths");
	wg_json_object_begin(w);
	for (size_t i = 0; i < wg_api_route_count; i++) {
		const char *pattern = wg_api_routes[i].pattern;
		if (!served(&wg_api_routes[i], cfg))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(wg_api_routes[j].pattern, pattern) == 0;
		if (seen)
			continue;
		wg_json_key(w, pattern);
		wg_json_object_begin(w);
		for (size_t j = i; j < wg_api_route_count; j++)
			if (strcmp(wg_api_routes[j].pattern, pattern) == 0 && served(&wg_api_routes[j], cfg))
				operation(w, &wg_api_routes[j]);
		wg_json_object_end(w);
	}
	wg_json_object_end(w);
}

static void problem_schema(wg_json_out *w)
{
	static const char *const members[][2] = {
		{"type", "string"},   {"title", "string"},    {"status", "integer"},
		{"detail", "string"}, {"instance", "string"}, {"request_id", "string"},
	};
	wg_json_key(w, "Problem");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "type", "object");
	wg_json_key(w, "required");
	wg_json_array_begin(w);
	wg_json_string(w, "type");
	wg_json_string(w, "title");
	wg_json_string(w, "status");
	wg_json_array_end(w);
	wg_json_key(w, "properties");
	wg_json_object_begin(w);
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		wg_json_key(w, members[i][0]);
		wg_json_object_begin(w);
		wg_json_kv_string(w, "type", members[i][1]);
		wg_json_object_end(w);
	}
	/* The field errors of a 422 (and of some 409s). */
	wg_json_key(w, "errors");
	wg_json_raw(w, "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"field\",\"code\","
	               "\"message\"],\"properties\":{\"field\":{\"type\":\"string\"},\"code\":{\"type\":"
	               "\"string\"},\"message\":{\"type\":\"string\"}}}}");
	wg_json_object_end(w);
	wg_json_object_end(w);
}

static void components(wg_json_out *w)
{
	wg_json_key(w, "components");
	wg_json_object_begin(w);
	wg_json_key(w, "securitySchemes");
	wg_json_raw(
		w,
		"{\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":\"the token of POST "
		"/api/v1/"
		"session\"},\"cookie\":{\"type\":\"apiKey\",\"in\":\"cookie\",\"name\":\"wg_session\","
		"\"description\":\"set by POST /api/v1/session; unsafe methods also send X-CSRF-Token\"}}");
	wg_json_key(w, "schemas");
	wg_json_object_begin(w);
	problem_schema(w);
	wg_json_object_end(w);
	wg_json_key(w, "responses");
	wg_json_raw(w, "{\"Problem\":{\"description\":\"an RFC 9457 problem\",\"content\":{\"application/"
	               "problem+json\":{\"schema\":{\"$ref\":\"#/components/schemas/Problem\"}}}}}");
	wg_json_object_end(w);
}

void wg_api_openapi(wg_req *req)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "openapi", "3.1.0");
	wg_json_key(w, "info");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "title", "网格 wangge");
	wg_json_kv_string(w, "version", WG_VERSION);
	wg_json_kv_string(w, "description",
	                  "基层网格化治理平台的接口。The HTTP interface of wangge: the contract is API.md, "
	                  "the details docs/api.md; this document is the server's route table.");
	wg_json_object_end(w);
	wg_json_key(w, "servers");
	wg_json_raw(w, "[{\"url\":\"/\"}]");
	paths(w, wg_req_config(req));
	components(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}
