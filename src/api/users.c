/* /api/v1/users: accounts, for sysadmin (manage) and secadmin (roles). */
#include "api/api.h"

#include "core/error.h"
#include "core/password.h"
#include "domain/account.h"
#include "domain/region.h"
#include "domain/role.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wg__api_write_user(wg_req *req, const wg_user *u)
{
	wg_json_out *w = wg_req_json(req);
	bool grid = u->scope && strlen(u->scope) > 12;
	wg_json_kv_int(w, "id", u->id);
	wg_json_kv_string(w, "username", u->username);
	wg_json_kv_string(w, "name", u->name);
	wg_json_kv_string(w, "phone", u->phone);
	wg_json_key(w, "region");
	if (grid)
		wg_json_string_n(w, u->scope, 12);
	else
		wg_json_string(w, u->scope);
	wg_json_kv_string(w, "grid", grid ? u->scope : NULL);
	wg_json_kv_string(w, "department", u->department);
	wg_json_key(w, "roles");
	wg_json_array_begin(w);
	for (unsigned bit = 1; bit && bit <= WG_ROLES_ALL; bit <<= 1)
		if (u->roles & bit)
			wg_json_string(w, wg_role_name(bit));
	wg_json_array_end(w);
	wg_json_kv_bool(w, "active", u->active);
	wg_json_kv_bool(w, "must_change_password", u->must_change_password);
	wg_json_kv_bool(w, "totp_enabled", u->totp_enabled);
	wg__api_kv_time(req, "password_changed_at", u->password_changed_at);
	wg__api_kv_time(req, "last_login_at", u->last_login_at);
	wg__api_kv_time(req, "created_at", u->created_at);
	wg__api_kv_time(req, "updated_at", u->updated_at);
	wg_json_kv_int(w, "version", u->version);
}

static int write_one(void *ctx, const wg_user *u)
{
	wg_req *req = ctx;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg__api_write_user(req, u);
	wg_json_object_end(w);
	return 0;
}

/* {id} as a positive integer; anything else names no account (404). */
static bool id_param_or_reply(wg_req *req, int64_t *id)
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

struct user_op {
	wg_req *req;
	int64_t id;
	wg_user_input in;
	wg_user_filter filter;
	unsigned roles;
	int64_t version;
	wg_page page;
	int64_t total;
	const char *password; /* given or generated, shown once */
	bool generated;
	char hash[WG_PASSWORD_HASH_MAX];
};

static struct user_op *new_op(wg_req *req)
{
	struct user_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (op)
		op->req = req;
	return op;
}

static const char *audit_alg(wg_req *req)
{
	return wg_req_config(req)->security_audit_hash;
}

/* ---- GET /users ---------------------------------------------------------- */

static int list_item(void *ctx, const wg_user *u)
{
	struct user_op *op = ctx;
	return wg_page_row_id(&op->page, u->id) ? write_one(op->req, u) : 0;
}

static int list_run(wg_db *db, void *arg)
{
	struct user_op *op = arg;
	wg_page_begin(&op->page);
	return wg_account_list(db, op->req->caller, &op->filter, list_item, op, &op->total);
}

static void list_then(wg_req *req, int status)
{
	struct user_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

void wg_api_users_list(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (!op)
		return;
	wg_page_init_id(&op->page, req, &op->filter.after_id);
	op->filter.limit = wg_page_fetch(&op->page);
	op->filter.q = wg_query_string(req, "q", 32);
	const char *role = wg_query_string(req, "role", 32);
	if (role && !(op->filter.role = wg_role_parse(role)))
		wg_req_field_error(req, "role", "pattern", "role is not one of the roles of API.md");
	op->filter.active = -1;
	if (wg_req_query(req, "active")) {
		const char *a = wg_req_query(req, "active");
		if (strcmp(a, "true") == 0)
			op->filter.active = 1;
		else if (strcmp(a, "false") == 0)
			op->filter.active = 0;
		else
			wg_req_field_error(req, "active", "type", "active must be true or false");
	}
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, list_run, op, list_then);
}

/* ---- one account: render it after the operation ------------------------- */

static int user_fields(void *ctx, const wg_user *u)
{
	wg__api_write_user(ctx, u);
	return 0;
}

/* Opens the response object and writes the account's fields; the
 * continuation adds anything else and closes it with finish(). */
static int render(wg_db *db, struct user_op *op)
{
	wg_json_object_begin(wg_req_json(op->req));
	return wg_account_get(db, op->req->caller, op->id, user_fields, op->req);
}

static void finish(wg_req *req, int status, int http_status)
{
	struct user_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_json_out *w = wg_req_json(req);
	if (op->generated)
		wg_json_kv_string(w, "initial_password", op->password);
	wg_json_object_end(w);
	if (http_status == 201) {
		char *location = wg_arena_printf(&req->arena, "/api/v1/users/%lld", (long long)op->id);
		if (location)
			wg_req_header(req, "Location", location);
	}
	wg_req_reply(req, http_status);
}

static void finish_200(wg_req *req, int status)
{
	finish(req, status, 200);
}

static int get_run(wg_db *db, void *arg)
{
	return render(db, arg);
}

void wg_api_users_get(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (op && id_param_or_reply(req, &op->id))
		wg_req_read(req, get_run, op, finish_200);
}

/* ---- fields of POST and PATCH ------------------------------------------- */

static void read_input(wg_req *req, wg_user_input *in, bool creating)
{
	static const char *const create_fields[] = {"username", "name",       "phone",    "region",
	                                            "grid",     "department", "password", NULL};
	static const char *const update_fields[] = {"name",       "phone",  "region", "grid",
	                                            "department", "active", NULL};
	wg_body_only(req, creating ? create_fields : update_fields);
	if (creating)
		in->username = wg_body_string(req, "username", WG_USERNAME_MAX, true);
	in->name = wg_body_string(req, "name", 64, creating);
	in->phone = wg_body_string(req, "phone", 20, false);
	const char *grid = wg_body_string(req, "grid", 32, false);
	const char *region = wg_body_string(req, "region", 12, creating && !grid);
	in->scope = grid ? grid : region;
	in->scope_field = grid ? "grid" : "region";
	json_t *dept = json_object_get(req->body, "department");
	in->set_department = dept != NULL;
	in->department = wg_body_string(req, "department", 64, false);
	in->set_active = wg_body_bool(req, "active", false, &in->active);
}

/* ---- POST /users ----------------------------------------------------------- */

/* A temporary password that satisfies any policy: 16 characters mixing
 * all four classes, shown once to the admin who must pass it on. */
static const char *temporary_password(wg_req *req)
{
	static const char *const classes[] = {"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ",
	                                      "23456789", "!#%+-=?@"};
	char *p = wg_arena_alloc(&req->arena, 17);
	if (!p)
		return NULL;
	for (unsigned i = 0; i < 16; i++) {
		const char *set = classes[i < 4 ? i : randombytes_uniform(4)];
		p[i] = set[randombytes_uniform((uint32_t)strlen(set))];
	}
	for (unsigned i = 15; i > 0; i--) { /* shuffle, so the classes are not in a fixed order */
		unsigned j = randombytes_uniform(i + 1);
		char t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	p[16] = '\0';
	return p;
}

static int hash_password(void *arg)
{
	struct user_op *op = arg;
	const wg_config *cfg = wg_req_config(op->req);
	return wg_password_hash(op->password, cfg->security_argon2_memory_kib, cfg->security_argon2_passes,
	                        op->hash);
}

static int create_run(wg_db *db, void *arg)
{
	struct user_op *op = arg;
	wg_req *req = op->req;
	int rc = wg_account_check_input(db, &op->in, true, &req->errors);
	if (rc == 0)
		rc = wg_account_create(db, req->caller, audit_alg(req), &op->in, op->hash, true, &op->id,
		                       &req->errors);
	return rc ? rc : render(db, op);
}

static void created(wg_req *req, int status)
{
	finish(req, status, 201);
}

static void create_hashed(wg_req *req, int status)
{
	struct user_op *op = req->user;
	if (!wg_req_status_or_reply(req, status))
		wg_req_write(req, create_run, op, created);
}

void wg_api_users_create(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (!op)
		return;
	const wg_config *cfg = wg_req_config(req);
	read_input(req, &op->in, true);
	op->password = wg_body_raw_string(req, "password", WG_PASSWORD_MAX, false);
	const char *why = op->password ? wg_password_policy(op->password, cfg->security_password_min_length,
	                                                    cfg->security_password_min_classes)
	                               : NULL;
	if (why)
		wg_req_field_error(req, "password", "policy", why);
	if (wg_req_errors_or_reply(req))
		return;
	if (!op->password) {
		op->password = temporary_password(req);
		op->generated = true;
	}
	wg_req_compute(req, hash_password, op, create_hashed);
}

/* ---- PATCH /users/{id} -------------------------------------------------------- */

static int update_run(wg_db *db, void *arg)
{
	struct user_op *op = arg;
	wg_req *req = op->req;
	int rc = wg_account_check_input(db, &op->in, false, &req->errors);
	if (rc == 0)
		rc = wg_account_update(db, req->caller, audit_alg(req), op->id, &op->in, op->version,
		                       &req->errors);
	return rc ? rc : render(db, op);
}

void wg_api_users_update(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (!op || !id_param_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	read_input(req, &op->in, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, update_run, op, finish_200);
}

/* ---- PUT /users/{id}/roles ------------------------------------------------------ */

static int roles_run(wg_db *db, void *arg)
{
	struct user_op *op = arg;
	wg_req *req = op->req;
	int rc = wg_account_set_roles(db, req->caller, audit_alg(req), op->id, op->roles, &req->errors);
	return rc ? rc : render(db, op);
}

void wg_api_users_roles(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (!op || !id_param_or_reply(req, &op->id))
		return;
	static const char *const fields[] = {"roles", NULL};
	wg_body_only(req, fields);
	json_t *roles = json_object_get(req->body, "roles");
	if (!json_is_array(roles))
		wg_req_field_error(req, "roles", roles ? "type" : "required",
		                   "roles must be a list of role names");
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r) {
		unsigned bit = json_is_string(r) ? wg_role_parse(json_string_value(r)) : 0;
		if (!bit) {
			char field[32];
			snprintf(field, sizeof field, "roles[%zu]", i);
			wg_req_field_error(req, field, "pattern", "not one of the roles of API.md");
		}
		op->roles |= bit;
	}
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, roles_run, op, finish_200);
}

/* ---- POST /users/{id}/password ------------------------------------------------- */

static int reset_run(wg_db *db, void *arg)
{
	struct user_op *op = arg;
	wg_req *req = op->req;
	const wg_config *cfg = wg_req_config(req);
	return wg_account_set_password(db, req->caller, audit_alg(req), op->id, op->hash, true,
	                               cfg->security_password_history, NULL, "password.reset");
}

static void reset_done(wg_req *req, int status)
{
	struct user_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "temporary_password", op->password);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}

static void reset_hashed(wg_req *req, int status)
{
	struct user_op *op = req->user;
	if (!wg_req_status_or_reply(req, status))
		wg_req_write(req, reset_run, op, reset_done);
}

void wg_api_users_password_reset(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (!op || !id_param_or_reply(req, &op->id))
		return;
	if (op->id == req->caller->user_id) {
		wg_req_problem(req, WG_EFORBIDDEN, "change your own password with PUT /api/v1/me/password");
		return;
	}
	op->password = temporary_password(req);
	if (!op->password) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	wg_req_compute(req, hash_password, op, reset_hashed);
}

/* ---- POST /users/{id}/totp/reset ------------------------------------------------- */

static int totp_reset_run(wg_db *db, void *arg)
{
	struct user_op *op = arg;
	return wg_account_totp_reset(db, op->req->caller, audit_alg(op->req), op->id);
}

static void no_content(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply_body(req, 204, "application/json; charset=utf-8");
}

void wg_api_users_totp_reset(wg_req *req)
{
	struct user_op *op = new_op(req);
	if (op && id_param_or_reply(req, &op->id))
		wg_req_write(req, totp_reset_run, op, no_content);
}

/* ---- GET /users/pick ---------------------------------------------------------------- */

/* The account picker of the forms that name people (posts of a region,
 * mediators): active accounts in the caller's area, with only what picking
 * needs, never phones or security fields. Smaller pages than other lists:
 * a picker shows a few names. */
enum { PICK_LIMIT_DEFAULT = 20, PICK_LIMIT_MAX = 50 };

struct pick_op {
	wg_req *req;
	wg_caller area; /* the caller, narrowed to ?region= where that lies in the caller's area */
	bool nothing;   /* ?region= and the caller's area do not meet */
	wg_user_filter filter;
	wg_page page;
	int64_t total;
};

static int pick_item(void *ctx, const wg_user *u)
{
	struct pick_op *op = ctx;
	if (!wg_page_row_id(&op->page, u->id))
		return 0;
	wg_json_out *w = wg_req_json(op->req);
	bool grid = u->scope && strlen(u->scope) > 12;
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", u->id);
	wg_json_kv_string(w, "username", u->username);
	wg_json_kv_string(w, "name", u->name);
	wg_json_key(w, "roles");
	wg_json_array_begin(w);
	for (unsigned bit = 1; bit && bit <= WG_ROLES_ALL; bit <<= 1)
		if (u->roles & bit)
			wg_json_string(w, wg_role_name(bit));
	wg_json_array_end(w);
	wg_json_key(w, "region");
	if (grid)
		wg_json_string_n(w, u->scope, 12);
	else
		wg_json_string(w, u->scope);
	wg_json_kv_string(w, "grid", grid ? u->scope : NULL);
	wg_json_kv_string(w, "department", u->department);
	wg_json_object_end(w);
	return 0;
}

static int pick_run(wg_db *db, void *arg)
{
	struct pick_op *op = arg;
	wg_page_begin(&op->page);
	if (op->nothing)
		return 0;
	return wg_account_list(db, &op->area, &op->filter, pick_item, op, &op->total);
}

static void list_then_pick(wg_req *req, int status)
{
	struct pick_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

/* The caller's area and region's are prefix ranges, so they either nest
 * or miss each other: the smaller one is where to look, or nowhere. */
static void narrow_area(struct pick_op *op, const char *region)
{
	const wg_caller *c = op->req->caller;
	op->area = *c;
	if (!region)
		return;
	wg_scope mine, theirs;
	wg_scope_of(c, &mine);
	wg_caller at_region = {.user_id = c->user_id, .scope = region};
	wg_scope_of(&at_region, &theirs);
	if (wg_scope_contains(&mine, region))
		op->area.scope = region;
	else if (!wg_scope_contains(&theirs, c->scope))
		op->nothing = true;
}

void wg_api_users_pick(wg_req *req)
{
	struct pick_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return;
	op->req = req;
	int64_t limit = PICK_LIMIT_DEFAULT;
	wg_query_int(req, "limit", PICK_LIMIT_DEFAULT, 1, PICK_LIMIT_MAX, &limit);
	bool bad = false;
	const char *after = wg_query_cursor(req, &bad);
	if (after) {
		char *end;
		errno = 0;
		long long v = strtoll(after, &end, 10);
		if (errno || *end || end == after || v <= 0)
			wg_req_field_error(req, "cursor", "pattern",
			                   "cursor is not a cursor returned by this list");
		else
			op->filter.after_id = v;
	}
	op->page = (wg_page){.req = req, .limit = limit};
	op->filter.limit = wg_page_fetch(&op->page);
	op->filter.q = wg_query_string(req, "q", 64);
	op->filter.active = 1;
	const char *role = wg_query_string(req, "role", 32);
	if (role && !(op->filter.role = wg_role_parse(role)))
		wg_req_field_error(req, "role", "pattern", "role is not one of the roles of API.md");
	const char *region = wg_query_string(req, "region", 12);
	enum wg_region_level level;
	if (region && !wg_region_code_level(region, &level))
		wg_req_field_error(req, "region", "pattern", "region must be a 12-digit division code");
	op->filter.reaches = wg_query_string(req, "reaches", 12);
	if (op->filter.reaches && !wg_region_code_level(op->filter.reaches, &level))
		wg_req_field_error(req, "reaches", "pattern", "reaches must be a 12-digit division code");
	if (wg_req_errors_or_reply(req))
		return;
	narrow_area(op, region);
	wg_req_read(req, pick_run, op, list_then_pick);
}
