/* /api/v1/mediation: mediation bodies and their mediators, the pool of
 * lead mediators a dispute is assigned from, and /api/v1/regions/{code}/posts,
 * who holds which post in a region (domain/mediation.h). */
#include "api/api.h"
#include "api/basedata.h"

#include "core/error.h"
#include "domain/mediation.h"
#include "http/page.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

static void env_of(wg_req *req, wg_mediation_env *env)
{
	*env = (wg_mediation_env){
		.caller = req->caller,
		.key = wg_req_secret_key(req),
		.audit_alg = wg_req_config(req)->security_audit_hash,
		.arena = &req->arena,
	};
}

/* ?active=true|false as 1 or 0; WG_MEDIATION_UNSET when absent. */
static int query_active(wg_req *req)
{
	const char *a = wg_req_query(req, "active");
	if (!a)
		return WG_MEDIATION_UNSET;
	if (strcmp(a, "true") == 0)
		return 1;
	if (strcmp(a, "false") == 0)
		return 0;
	wg_req_field_error(req, "active", "type", "active must be true or false");
	return WG_MEDIATION_UNSET;
}

/* A body member given as a boolean: 1 or 0, WG_MEDIATION_UNSET when absent
 * (or wrong, with the error recorded). */
static int body_flag(wg_req *req, const char *field)
{
	bool v = false;
	return wg_body_bool(req, field, false, &v) ? v : WG_MEDIATION_UNSET;
}

/* The text of a JSON string without NUL, else NULL. */
static const char *plain_string(json_t *v)
{
	const char *s = json_string_value(v);
	return s && strlen(s) == json_string_length(v) ? s : NULL;
}

static void reply_200(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

/* ---- bodies ----------------------------------------------------------------- */

static void write_body(wg_req *req, const wg_mediation_body *b)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", b->id);
	wg_json_kv_string(w, "code", b->code);
	wg_json_kv_string(w, "name", b->name);
	wg__api_write_term(req, "kind", &wg_mediation_kinds, b->kind);
	wg__api_write_term(req, "trade", &wg_mediation_trades, b->trade);
	wg_json_kv_string(w, "region", b->region);
	wg_json_kv_string(w, "region_name", b->region_name);
	wg_json_kv_string(w, "phone", b->phone);
	wg_json_kv_string(w, "address", b->address);
	wg_json_kv_bool(w, "active", b->active);
	wg_json_kv_int(w, "mediators", b->mediators);
	wg__api_kv_time(req, "created_at", b->created_at);
	wg__api_kv_time(req, "updated_at", b->updated_at);
	wg_json_kv_int(w, "version", b->version);
	wg_json_object_end(w);
}

struct body_op {
	wg_req *req;
	wg_mediation_env env;
	int64_t id, version;
	wg_mediation_body_input in;
	wg_mediation_body_filter filter;
	wg_page page;
	int64_t total;
};

static struct body_op *new_body_op(wg_req *req)
{
	struct body_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (op) {
		op->req = req;
		env_of(req, &op->env);
	}
	return op;
}

static int body_one(void *ctx, const wg_mediation_body *b)
{
	write_body(ctx, b);
	return 0;
}

static int body_item(void *ctx, const wg_mediation_body *b)
{
	struct body_op *op = ctx;
	if (wg_page_row_id(&op->page, b->id))
		write_body(op->req, b);
	return 0;
}

static int bodies_list_run(wg_db *db, void *arg)
{
	struct body_op *op = arg;
	wg_page_begin(&op->page);
	return wg_mediation_body_list(db, &op->env, &op->filter, body_item, op, &op->total, &op->req->errors);
}

static void bodies_list_then(wg_req *req, int status)
{
	struct body_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

void wg_api_mediation_bodies_list(wg_req *req)
{
	struct body_op *op = new_body_op(req);
	if (!op)
		return;
	wg_mediation_body_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->after_id);
	f->limit = wg_page_fetch(&op->page);
	f->region = wg_query_string(req, "region", 32);
	f->kind = wg_query_string(req, "kind", 32);
	f->trade = wg_query_string(req, "trade", 32);
	f->active = query_active(req);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_read(req, bodies_list_run, op, bodies_list_then);
}

static int body_render(wg_db *db, struct body_op *op)
{
	return wg_mediation_body_get(db, &op->env, op->id, body_one, op->req);
}

static int body_get_run(wg_db *db, void *arg)
{
	return body_render(db, arg);
}

void wg_api_mediation_bodies_get(wg_req *req)
{
	struct body_op *op = new_body_op(req);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, body_get_run, op, reply_200);
}

static void read_body_input(wg_req *req, wg_mediation_body_input *in, bool creating)
{
	static const char *const fields[] = {"code",  "name",    "kind",   "trade", "region",
	                                     "phone", "address", "active", NULL};
	wg_body_only(req, fields);
	in->code = wg_body_string(req, "code", WG_MEDIATION_CODE_MAX, creating);
	in->name =
		wg_body_string(req, "name", WG_MEDIATION_NAME_MAX, creating || wg__api_body_has(req, "name"));
	in->kind = wg_body_string(req, "kind", 32, creating);
	in->trade = wg_body_string(req, "trade", 32, false);
	in->region = wg_body_string(req, "region", 32, creating);
	in->phone = wg_body_string(req, "phone", 32, false);
	in->set_phone = wg__api_body_has(req, "phone");
	in->address = wg_body_string(req, "address", WG_MEDIATION_ADDRESS_MAX, false);
	in->set_address = wg__api_body_has(req, "address");
	in->active = body_flag(req, "active");
	/* A null names nothing to the getters above, but still tries to
	 * change what names the body. */
	static const char *const fixed[] = {"code", "kind", "trade", "region"};
	const char *given[] = {in->code, in->kind, in->trade, in->region};
	for (size_t i = 0; !creating && i < 4; i++)
		if (!given[i] && wg__api_body_has(req, fixed[i]))
			wg_req_field_error(req, fixed[i], "read_only",
			                   "it names the body and cannot be changed");
}

static int body_create_run(wg_db *db, void *arg)
{
	struct body_op *op = arg;
	int rc = wg_mediation_body_create(db, &op->env, &op->in, &op->id, &op->req->errors);
	return rc ? rc : body_render(db, op);
}

static void body_created(wg_req *req, int status)
{
	struct body_op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/mediation/bodies/", op->id);
}

void wg_api_mediation_bodies_create(wg_req *req)
{
	struct body_op *op = new_body_op(req);
	if (!op)
		return;
	read_body_input(req, &op->in, true);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, body_create_run, op, body_created);
}

static int body_update_run(wg_db *db, void *arg)
{
	struct body_op *op = arg;
	int rc = wg_mediation_body_update(db, &op->env, op->id, &op->in, op->version, &op->req->errors);
	return rc ? rc : body_render(db, op);
}

void wg_api_mediation_bodies_update(wg_req *req)
{
	struct body_op *op = new_body_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version))
		return;
	read_body_input(req, &op->in, false);
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, body_update_run, op, reply_200);
}

/* ---- mediators ----------------------------------------------------------------- */

static void write_mediator(wg_req *req, const wg_mediator *m)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", m->id);
	wg_json_key(w, "body");
	wg_json_object_begin(w);
	wg_json_kv_int(w, "id", m->body);
	wg_json_kv_string(w, "code", m->body_code);
	wg_json_kv_string(w, "name", m->body_name);
	wg_json_kv_string(w, "kind", m->body_kind);
	wg_json_kv_string(w, "trade", m->body_trade);
	wg_json_kv_string(w, "region", m->body_region);
	wg_json_object_end(w);
	wg__api_kv_ref(req, "user", m->user_id);
	wg_json_kv_string(w, "username", m->username);
	wg_json_kv_string(w, "user_name", m->user_name);
	wg_json_kv_string(w, "name", m->name);
	wg_json_kv_string(w, "phone", m->phone);
	wg_json_key(w, "specialities");
	wg_json_array_begin(w);
	for (size_t i = 0; i < m->nspecialities; i++)
		wg_json_string(w, m->specialities[i]);
	wg_json_array_end(w);
	wg_json_kv_bool(w, "lead", m->lead);
	wg_json_kv_bool(w, "active", m->active);
	wg__api_kv_time(req, "created_at", m->created_at);
	wg__api_kv_time(req, "updated_at", m->updated_at);
	wg_json_kv_int(w, "version", m->version);
	wg_json_object_end(w);
}

struct mediator_op {
	wg_req *req;
	wg_mediation_env env;
	int64_t id, body, version;
	wg_mediator_input in;
	wg_mediator_filter filter;
	wg_page page;
	int64_t total;
};

static struct mediator_op *new_mediator_op(wg_req *req)
{
	struct mediator_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (op) {
		op->req = req;
		env_of(req, &op->env);
	}
	return op;
}

static int mediator_one(void *ctx, const wg_mediator *m)
{
	write_mediator(ctx, m);
	return 0;
}

static int mediator_item(void *ctx, const wg_mediator *m)
{
	struct mediator_op *op = ctx;
	if (wg_page_row_id(&op->page, m->id))
		write_mediator(op->req, m);
	return 0;
}

static int mediators_list_run(wg_db *db, void *arg)
{
	struct mediator_op *op = arg;
	wg_page_begin(&op->page);
	return wg_mediator_list(db, &op->env, &op->filter, mediator_item, op, &op->total, &op->req->errors);
}

static void mediators_list_then(wg_req *req, int status)
{
	struct mediator_op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_page_end(&op->page, op->total);
	wg_req_reply(req, 200);
}

/* The query of both mediator lists; false after replying. */
static bool read_mediator_query(wg_req *req, struct mediator_op *op)
{
	wg_mediator_filter *f = &op->filter;
	wg_page_init_id(&op->page, req, &f->after_id);
	f->limit = wg_page_fetch(&op->page);
	f->region = wg_query_string(req, "region", 32);
	f->speciality = wg_query_string(req, "speciality", 8);
	f->active = query_active(req);
	return !wg_req_errors_or_reply(req);
}

void wg_api_mediators_list(wg_req *req)
{
	struct mediator_op *op = new_mediator_op(req);
	if (!op)
		return;
	op->filter.pool = true;
	if (read_mediator_query(req, op))
		wg_req_read(req, mediators_list_run, op, mediators_list_then);
}

void wg_api_body_mediators_list(wg_req *req)
{
	struct mediator_op *op = new_mediator_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->filter.body))
		return;
	if (read_mediator_query(req, op))
		wg_req_read(req, mediators_list_run, op, mediators_list_then);
}

static int mediator_render(wg_db *db, struct mediator_op *op)
{
	return wg_mediator_get(db, &op->env, op->id, mediator_one, op->req);
}

static int mediator_get_run(wg_db *db, void *arg)
{
	return mediator_render(db, arg);
}

void wg_api_mediators_get(wg_req *req)
{
	struct mediator_op *op = new_mediator_op(req);
	if (op && wg__api_id_or_reply(req, &op->id))
		wg_req_read(req, mediator_get_run, op, reply_200);
}

/* "specialities": a list of category codes; false after replying when
 * memory runs out. */
static bool read_specialities(wg_req *req, wg_mediator_input *in)
{
	json_t *list = json_object_get(req->body, "specialities");
	in->set_specialities = list != NULL;
	if (!list)
		return true;
	if (!json_is_array(list)) {
		wg_req_field_error(req, "specialities", "type",
		                   "specialities must be a list of category codes");
		return true;
	}
	size_t n = json_array_size(list);
	if (n > WG_MEDIATOR_SPECIALITIES_MAX) {
		in->nspecialities = n;
		return true;
	}
	const char **codes = n ? wg_arena_calloc(&req->arena, n, sizeof *codes) : NULL;
	if (n && !codes) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		codes[i] = plain_string(json_array_get(list, i));
		if (!codes[i]) {
			char field[48];
			snprintf(field, sizeof field, "specialities[%zu]", i);
			wg_req_field_error(req, field, "type",
			                   "a speciality is a category code such as \"11\"");
		}
	}
	in->specialities = codes;
	in->nspecialities = n;
	return true;
}

/* The members of a mediator; false after replying. */
static bool read_mediator_input(wg_req *req, wg_mediator_input *in, bool creating)
{
	static const char *const fields[] = {"name", "phone", "user", "specialities", "lead", "active", NULL};
	wg_body_only(req, fields);
	in->name =
		wg_body_string(req, "name", WG_MEDIATOR_NAME_MAX, creating || wg__api_body_has(req, "name"));
	in->phone = wg_body_string(req, "phone", 32, false);
	in->set_phone = wg__api_body_has(req, "phone");
	in->user_id = wg__api_body_ref(req, "user");
	in->lead = body_flag(req, "lead");
	in->active = body_flag(req, "active");
	if (!read_specialities(req, in))
		return false;
	if (in->nspecialities > WG_MEDIATOR_SPECIALITIES_MAX) {
		char msg[48];
		snprintf(msg, sizeof msg, "at most %d specialities", WG_MEDIATOR_SPECIALITIES_MAX);
		wg_req_field_error(req, "specialities", "too_long", msg);
	}
	return !wg_req_errors_or_reply(req);
}

static int mediator_create_run(wg_db *db, void *arg)
{
	struct mediator_op *op = arg;
	int rc = wg_mediator_create(db, &op->env, op->body, &op->in, &op->id, &op->req->errors);
	return rc ? rc : mediator_render(db, op);
}

static void mediator_created(wg_req *req, int status)
{
	struct mediator_op *op = req->user;
	wg__api_written(req, status, 201, "/api/v1/mediation/mediators/", op->id);
}

void wg_api_mediators_create(wg_req *req)
{
	struct mediator_op *op = new_mediator_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->body) || !read_mediator_input(req, &op->in, true))
		return;
	wg_req_write(req, mediator_create_run, op, mediator_created);
}

static int mediator_update_run(wg_db *db, void *arg)
{
	struct mediator_op *op = arg;
	int rc = wg_mediator_update(db, &op->env, op->id, &op->in, op->version, &op->req->errors);
	return rc ? rc : mediator_render(db, op);
}

void wg_api_mediators_update(wg_req *req)
{
	struct mediator_op *op = new_mediator_op(req);
	if (!op || !wg__api_id_or_reply(req, &op->id) || !wg_req_version_or_reply(req, &op->version) ||
	    !read_mediator_input(req, &op->in, false))
		return;
	wg_req_write(req, mediator_update_run, op, reply_200);
}

/* ---- posts of a region ------------------------------------------------------------ */

struct posts_op {
	wg_req *req;
	wg_mediation_env env;
	const char *region;
	wg_region_post_input *posts;
	size_t n;
	bool open;
};

static int post_item(void *ctx, const wg_region_post *p)
{
	struct posts_op *op = ctx;
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg__api_write_term(op->req, "post", &wg_region_posts, p->post);
	wg_json_kv_int(w, "user", p->user_id);
	wg_json_kv_string(w, "username", p->username);
	wg_json_kv_string(w, "name", p->name);
	wg_json_kv_bool(w, "active", p->active);
	wg__api_kv_time(op->req, "created_at", p->created_at);
	wg_json_object_end(w);
	return 0;
}

static int posts_render(wg_db *db, struct posts_op *op)
{
	wg_json_out *w = wg_req_json(op->req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "region", op->region);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	int rc = wg_region_posts_get(db, &op->env, op->region, post_item, op);
	wg_json_array_end(w);
	wg_json_object_end(w);
	return rc;
}

static int posts_get_run(wg_db *db, void *arg)
{
	return posts_render(db, arg);
}

static struct posts_op *new_posts_op(wg_req *req)
{
	struct posts_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (op) {
		op->req = req;
		op->region = req->params[0];
		env_of(req, &op->env);
	}
	return op;
}

void wg_api_region_posts_get(wg_req *req)
{
	struct posts_op *op = new_posts_op(req);
	if (op)
		wg_req_read(req, posts_get_run, op, reply_200);
}

/* One {"post","user"} of the list at i. */
static void read_post(wg_req *req, json_t *item, size_t i, wg_region_post_input *out)
{
	char field[48];
	if (!json_is_object(item)) {
		snprintf(field, sizeof field, "posts[%zu]", i);
		wg_req_field_error(req, field, "type", "a post is an object {\"post\",\"user\"}");
		return;
	}
	const char *key;
	json_t *v;
	json_object_foreach(item, key, v) {
		if (strcmp(key, "post") != 0 && strcmp(key, "user") != 0) {
			snprintf(field, sizeof field, "posts[%zu]", i);
			wg_req_field_error(req, field, "unknown",
			                   "a post has only the members post and user");
			break;
		}
	}
	json_t *post = json_object_get(item, "post"), *user = json_object_get(item, "user");
	snprintf(field, sizeof field, "posts[%zu].post", i);
	if (post && !(out->post = plain_string(post)))
		wg_req_field_error(req, field, "type", "post must be a string");
	snprintf(field, sizeof field, "posts[%zu].user", i);
	if (user && (!json_is_integer(user) || json_integer_value(user) <= 0))
		wg_req_field_error(req, field, "type", "user must be an account id");
	else if (user)
		out->user_id = json_integer_value(user);
}

static int posts_set_run(wg_db *db, void *arg)
{
	struct posts_op *op = arg;
	int rc = wg_region_posts_set(db, &op->env, op->region, op->posts, op->n, &op->req->errors);
	return rc ? rc : posts_render(db, op);
}

void wg_api_region_posts_set(wg_req *req)
{
	static const char *const fields[] = {"posts", NULL};
	struct posts_op *op = new_posts_op(req);
	if (!op)
		return;
	wg_body_only(req, fields);
	json_t *list = json_object_get(req->body, "posts");
	if (!list || json_is_null(list))
		wg_req_field_error(req, "posts", "required", "posts is required ([] removes every post)");
	else if (!json_is_array(list))
		wg_req_field_error(req, "posts", "type", "posts must be a list of {\"post\",\"user\"}");
	else if (json_array_size(list) > WG_REGION_POSTS_MAX) {
		char msg[48];
		snprintf(msg, sizeof msg, "a region has at most %d post holders", WG_REGION_POSTS_MAX);
		wg_req_field_error(req, "posts", "too_long", msg);
	} else if ((op->n = json_array_size(list)) > 0) {
		op->posts = wg_arena_calloc(&req->arena, op->n, sizeof *op->posts);
		if (!op->posts) {
			wg_req_problem(req, WG_ENOMEM, NULL);
			return;
		}
		for (size_t i = 0; i < op->n; i++)
			read_post(req, json_array_get(list, i), i, &op->posts[i]);
	}
	if (wg_req_errors_or_reply(req))
		return;
	wg_req_write(req, posts_set_run, op, reply_200);
}
