/* GET /api/v1/flows/{kind}: a flow as clients need it to draw a case (state
 * labels, which states are terminal) and the form of each action (its
 * fields, their types, limits and enum values). Who may take an action on
 * a given case is not here: the case's "actions" says that, since it
 * depends on the caller's place. Read from the flows loaded at start, so
 * no store round trip. */
#include "api/api.h"

#include "core/error.h"
#include "domain/flow.h"
#include "domain/role.h"
#include "http/server.h"

#include <string.h>

static void write_roles(wg_json_out *w, const char *key, unsigned roles)
{
	wg_json_key(w, key);
	wg_json_array_begin(w);
	for (unsigned i = 0; i < WG_ROLE_COUNT; i++)
		if (roles & (1u << i))
			wg_json_string(w, wg_role_name(1u << i));
	wg_json_array_end(w);
}

static void write_field(wg_json_out *w, const wg_flow_field *fl)
{
	wg_json_object_begin(w);
	wg_json_kv_string(w, "name", fl->name);
	wg_json_kv_string(w, "type", wg_flow_field_type_name(fl->type));
	wg_json_kv_bool(w, "required", fl->required);
	if (fl->type != WG_FLOW_BOOL && fl->type != WG_FLOW_ENUM && fl->type != WG_FLOW_TIME &&
	    fl->type != WG_FLOW_DEPARTMENT && fl->type != WG_FLOW_CATEGORY && fl->type != WG_FLOW_CASE) {
		wg_json_kv_int(w, "min", fl->min);
		wg_json_kv_int(w, "max", fl->max);
	}
	if (fl->type == WG_FLOW_ENUM) {
		wg_json_key(w, "values");
		wg_json_array_begin(w);
		for (size_t i = 0; i < fl->nvalues; i++)
			wg_json_string(w, fl->values[i]);
		wg_json_array_end(w);
	}
	wg_json_object_end(w);
}

static void write_action(wg_json_out *w, const wg_flow *f, const wg_flow_action *a)
{
	wg_json_object_begin(w);
	wg_json_kv_string(w, "name", a->name);
	wg_json_kv_string(w, "label", a->label);
	wg_json_kv_string(w, "label_en", a->label_en);
	wg_json_key(w, "from");
	wg_json_array_begin(w);
	for (size_t i = 0; i < f->nstates; i++)
		if (a->from & (1u << i))
			wg_json_string(w, f->states[i].name);
	wg_json_array_end(w);
	if (a->to >= 0)
		wg_json_kv_string(w, "to", f->states[a->to].name);
	else
		wg_json_kv_null(w, "to");
	write_roles(w, "roles", a->roles);
	wg_json_key(w, "fields");
	wg_json_array_begin(w);
	for (size_t i = 0; i < a->nfields; i++)
		write_field(w, &a->fields[i]);
	wg_json_array_end(w);
	wg_json_object_end(w);
}

void wg_api_flows_get(wg_req *req)
{
	const wg_flow *f = wg_flow_get(req->params[0]);
	if (!f) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "kind", f->kind);
	wg_json_kv_string(w, "initial", f->states[f->initial].name);
	write_roles(w, "report_roles", f->report_roles);
	wg_json_key(w, "states");
	wg_json_array_begin(w);
	for (size_t i = 0; i < f->nstates; i++) {
		const wg_flow_state *s = &f->states[i];
		wg_json_object_begin(w);
		wg_json_kv_string(w, "name", s->name);
		wg_json_kv_string(w, "label", s->label);
		wg_json_kv_string(w, "label_en", s->label_en);
		wg_json_kv_bool(w, "terminal", s->terminal);
		wg_json_object_end(w);
	}
	wg_json_array_end(w);
	wg_json_key(w, "actions");
	wg_json_array_begin(w);
	for (size_t i = 0; i < f->nactions; i++)
		write_action(w, f, &f->actions[i]);
	wg_json_array_end(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}
