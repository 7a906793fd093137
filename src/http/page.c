#include "http/page.h"

#include "http/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

bool wg_page_init(wg_page *p, wg_req *req, const char **after)
{
	p->req = req;
	p->written = 0;
	p->more = false;
	p->last[0] = '\0';
	bool bad = false;
	bool ok = wg_query_limit(req, &p->limit);
	*after = wg_query_cursor(req, &bad);
	return ok && !bad;
}

bool wg_page_init_id(wg_page *p, wg_req *req, int64_t *after_id)
{
	const char *after;
	bool ok = wg_page_init(p, req, &after);
	*after_id = 0;
	if (after) {
		char *end;
		errno = 0;
		long long v = strtoll(after, &end, 10);
		if (errno || *end || end == after || v <= 0) {
			wg_req_field_error(req, "cursor", "pattern",
			                   "cursor is not a cursor returned by this list");
			return false;
		}
		*after_id = v;
	}
	return ok;
}

int64_t wg_page_fetch(const wg_page *p)
{
	return p->limit + 1;
}

void wg_page_begin(wg_page *p)
{
	wg_json_out *w = wg_req_json(p->req);
	wg_json_object_begin(w);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
}

bool wg_page_row(wg_page *p, const char *key)
{
	if (p->written == p->limit) {
		p->more = true;
		return false;
	}
	p->written++;
	snprintf(p->last, sizeof p->last, "%s", key);
	return true;
}

bool wg_page_row_id(wg_page *p, int64_t id)
{
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)id);
	return wg_page_row(p, key);
}

void wg_page_end(wg_page *p, int64_t total)
{
	wg_json_out *w = wg_req_json(p->req);
	wg_json_array_end(w);
	wg_json_kv_string(w, "next_cursor", p->more ? wg_cursor_encode(p->req, p->last) : NULL);
	if (total >= 0)
		wg_json_kv_int(w, "total", total);
	wg_json_object_end(w);
}
