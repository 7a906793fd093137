#include "api/api.h"

#include "core/error.h"
#include "http/server.h"

/* The store answers a trivial query: proves the connection (or pool) is
 * alive, not just that the process runs. */
static int ping(wg_db *db, void *arg)
{
	(void)arg;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT 1", &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW ? 0 : WG_ESTORE;
}

static void healthz_then(wg_req *req, int status)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "status", status ? "unavailable" : "ok");
	wg_json_kv_string(w, "store", wg_store_kind_name(wg_req_store(req)));
	wg_json_kv_string(w, "version", WG_VERSION);
	wg_json_object_end(w);
	wg_req_reply(req, status ? 503 : 200);
}

void wg_api_healthz(wg_req *req)
{
	wg_req_read(req, ping, NULL, healthz_then);
}

void wg_api_metrics(wg_req *req)
{
	if (wg_req_render_metrics(req) != 0) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	wg_req_reply_body(req, 200, "text/plain; version=0.0.4; charset=utf-8");
}
