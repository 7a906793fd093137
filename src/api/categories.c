/* /api/v1/categories: the category tree with deadlines and owners, one
 * category, and a sysadmin changing a minor category's deadline. */
#include "api/api.h"

#include "core/error.h"
#include "domain/category.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

/* {"working_days": N} or {"working_hours": N}, as data/categories.json
 * writes a deadline. */
static void write_deadline(wg_json_out *w, const char *key, const char *unit, int64_t n)
{
	wg_json_key(w, key);
	wg_json_object_begin(w);
	wg_json_kv_int(w, unit ? unit : "working_days", n);
	wg_json_object_end(w);
}

/* The members of a category up to (not including) a major's children;
 * leaves the object open. */
static void write_category(wg_req *req, const wg_category *c, bool with_parent)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "code", c->code);
	if (with_parent && c->parent)
		wg_json_kv_string(w, "parent", c->parent);
	wg_json_kv_string(w, "name", c->name);
	wg_json_kv_string(w, "name_en", c->name_en);
	wg_json_kv_string(w, "kind", c->kind);
	if (!c->parent)
		return;
	write_deadline(w, "deadline", c->deadline_unit, c->deadline);
	write_deadline(w, "default_deadline",
	               c->default_deadline_unit ? c->default_deadline_unit : c->deadline_unit,
	               c->default_deadline ? c->default_deadline : c->deadline);
	wg__api_kv_time(req, "deadline_edited_at", c->deadline_edited_at);
	wg_json_key(w, "owner");
	wg_json_object_begin(w);
	wg_json_kv_string(w, "town", c->owner_town);
	wg_json_kv_string(w, "county", c->owner_county);
	wg_json_object_end(w);
	wg_json_kv_int(w, "version", c->version);
}

/* ---- GET /categories ----------------------------------------------------------------- */

struct tree_args {
	wg_req *req;
	const char *kind;
	const char *only; /* GET /categories/{code}: this code (and a major's children) only */
	bool major_open;
	bool found;
};

static void close_major(struct tree_args *a)
{
	wg_json_out *w = wg_req_json(a->req);
	wg_json_array_end(w);
	wg_json_object_end(w);
	a->major_open = false;
}

static int tree_item(void *ctx, const wg_category *c)
{
	struct tree_args *a = ctx;
	if (!c->parent && a->major_open)
		close_major(a);
	if (a->only) {
		bool self = strcmp(c->code, a->only) == 0;
		bool child = c->parent && strcmp(c->parent, a->only) == 0;
		if (!self && !child)
			return 0;
		a->found = a->found || self;
	}
	write_category(a->req, c, a->only != NULL);
	if (!c->parent) {
		wg_json_key(wg_req_json(a->req), "children");
		wg_json_array_begin(wg_req_json(a->req));
		a->major_open = true;
		return 0;
	}
	wg_json_object_end(wg_req_json(a->req));
	return 0;
}

static int tree_run(wg_db *db, void *arg)
{
	struct tree_args *a = arg;
	wg_json_out *w = wg_req_json(a->req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_category_list(db, a->kind, tree_item, a);
	if (a->major_open)
		close_major(a);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

static void tree_then(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_categories_list(wg_req *req)
{
	struct tree_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	a->kind = wg_query_string(req, "kind", 16);
	if (a->kind && strcmp(a->kind, "event") != 0 && strcmp(a->kind, "dispute") != 0)
		wg_req_field_error(req, "kind", "unknown", "kind must be event or dispute");
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, tree_run, a, tree_then);
}

/* ---- GET /categories/{code} ------------------------------------------------------------ */

/* One category: a minor with its parent's code, a major with its children.
 * The tree is a hundred rows or so, read whole as GET /categories does. */
static int one_run(wg_db *db, void *arg)
{
	struct tree_args *a = arg;
	int rc = wg_category_list(db, NULL, tree_item, a);
	if (a->major_open)
		close_major(a);
	return rc ? rc : a->found ? 0 : WG_ENOTFOUND;
}

static bool code_ok(const char *s)
{
	size_t n = strlen(s);
	if (n != 2 && n != 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

void wg_api_categories_get(wg_req *req)
{
	struct tree_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->req = req;
	a->only = req->params[0];
	if (!code_ok(a->only)) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	wg_req_read(req, one_run, a, tree_then);
}

/* ---- PATCH /categories/{code} ------------------------------------------------------------ */

struct patch_args {
	struct tree_args tree; /* first: one_run renders the answer */
	char code[8];
	wg_category_deadline_input in;
	int64_t version;
};

static int patch_run(wg_db *db, void *arg)
{
	struct patch_args *a = arg;
	wg_req *req = a->tree.req;
	int rc = wg_category_set_deadline(db, req->caller, wg_req_config(req)->security_audit_hash, a->code,
	                                  &a->in, a->version, &req->errors);
	return rc ? rc : one_run(db, &a->tree);
}

static void patch_then(wg_req *req, int status)
{
	if (status == WG_ECONFLICT) {
		wg_req_problem(req, WG_ECONFLICT, "the category changed since you read it (If-Match)");
		return;
	}
	tree_then(req, status);
}

void wg_api_categories_update(wg_req *req)
{
	static const char *const fields[] = {"deadline", "deadline_unit", NULL};
	struct patch_args *a = wg_req_state_or_reply(req, sizeof *a);
	if (!a)
		return;
	a->tree.req = req;
	if (!code_ok(req->params[0])) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return;
	}
	snprintf(a->code, sizeof a->code, "%s", req->params[0]);
	a->tree.only = a->code;
	if (!wg_req_version_or_reply(req, &a->version))
		return;
	wg_body_only(req, fields);
	json_t *deadline = json_object_get(req->body, "deadline");
	json_t *unit = json_object_get(req->body, "deadline_unit");
	a->in.restore = json_is_null(deadline);
	if (deadline && !a->in.restore) {
		if (json_is_integer(deadline)) {
			a->in.set_deadline = true;
			a->in.deadline = json_integer_value(deadline);
		} else {
			wg_req_field_error(req, "deadline", "type",
			                   "deadline must be a whole number, or null for the data file's");
		}
	}
	if (unit && !json_is_null(unit)) {
		if (a->in.restore)
			wg_req_field_error(
				req, "deadline_unit", "restore",
				"deadline null restores the data file's deadline and unit: give no "
				"deadline_unit with it");
		else if (!json_is_string(unit))
			wg_req_field_error(req, "deadline_unit", "type",
			                   "deadline_unit must be working_days or working_hours");
		else
			a->in.unit = json_string_value(unit);
	}
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, patch_run, a, patch_then);
}
