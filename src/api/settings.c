/* /api/v1/settings: the settings in force, and changes to the live ones.
 * sysadmin manages the general settings, secadmin the security policy
 * (security.*): the three powers stay apart here too. */
#include "api/api.h"

#include "core/error.h"
#include "domain/role.h"
#include "domain/settings.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

/* security.* belongs to secadmin, everything else to sysadmin. */
static bool may_change(const wg_req *req, const char *name)
{
	unsigned need = wg_config_is_security(name) ? WG_ROLE_SECADMIN : WG_ROLE_SYSADMIN;
	return req->caller->roles & need;
}

static void write_setting(wg_req *req, const wg_setting_info *info)
{
	wg_json_out *w = wg_req_json(req);
	char value[1024];
	wg_config_get_shown(wg_req_config(req), info->name, value, sizeof value);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "name", info->name);
	wg_json_kv_string(w, "type", info->type);
	wg_json_kv_string(w, "value", value);
	wg_json_kv_string(w, "default", info->def);
	wg_json_kv_string(w, "min", info->min[0] ? info->min : NULL);
	wg_json_kv_string(w, "max", info->max[0] ? info->max : NULL);
	wg_json_kv_bool(w, "live", info->runtime);
	wg_json_kv_bool(w, "yours", info->runtime && may_change(req, info->name));
	wg_json_kv_string(w, "help", info->help);
	wg_json_object_end(w);
}

void wg_api_settings_list(wg_req *req)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	wg_setting_info info;
	for (size_t i = 0; wg_config_info(i, &info); i++)
		write_setting(req, &info);
	wg_json_array_end(w);
	wg_json_kv_null(w, "next_cursor");
	wg_json_kv_int(w, "total", (int64_t)wg_config_count());
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}

struct change {
	wg_req *req;
	const char *name;
	const char *value;
};

static int store(wg_db *db, void *arg)
{
	struct change *c = arg;
	const wg_config *cfg = wg_req_config(c->req);
	return wg_settings_store(db, c->req->caller, cfg->security_audit_hash, cfg, c->name, c->value,
	                         &c->req->errors);
}

static void stored(wg_req *req, int status)
{
	struct change *c = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	/* Durable: now in force on this server. The value was validated the
	 * same way, so applying it cannot fail. */
	char err[256];
	wg_config_set((wg_config *)wg_req_config(req), c->name, c->value, err, sizeof err);
	wg_setting_info info;
	for (size_t i = 0; wg_config_info(i, &info); i++)
		if (strcmp(info.name, c->name) == 0)
			write_setting(req, &info);
	wg_req_reply(req, 200);
}

/* The value as text, whatever JSON type it came as. */
static const char *value_text(wg_req *req)
{
	json_t *v = json_object_get(req->body, "value");
	if (json_is_string(v))
		return wg_body_string(req, "value", 256, true);
	if (json_is_integer(v))
		return wg_arena_printf(&req->arena, "%lld", (long long)json_integer_value(v));
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	wg_req_field_error(req, "value", v ? "type" : "required",
	                   "value must be a string, a whole number or a boolean");
	return NULL;
}

void wg_api_settings_change(wg_req *req)
{
	struct change *c = wg_req_state_or_reply(req, sizeof *c);
	if (!c)
		return;
	c->req = req;
	c->name = req->params[0];
	if (!wg_config_exists(c->name)) {
		wg_req_problem(req, WG_ENOTFOUND, "no setting of that name");
		return;
	}
	if (!may_change(req, c->name)) {
		wg_req_problem(req, WG_EFORBIDDEN,
		               wg_config_is_security(c->name) ? "security policy is set by secadmin"
		                                              : "this setting is managed by sysadmin");
		return;
	}
	static const char *const fields[] = {"value", NULL};
	wg_body_only(req, fields);
	c->value = value_text(req);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, store, c, stored);
}
