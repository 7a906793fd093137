/* The auth step in front of every route that is not public: who is asking
 * (a session token from "Authorization: Bearer" or the wg_session cookie),
 * whether their session may do anything yet, whether their role may call
 * this route, and for cookie sessions whether an unsafe request carries
 * the CSRF token. The route table says who may call what; nothing after
 * this step repeats those checks. */
#include "http/auth.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/role.h"
#include "domain/session.h"
#include "http/loop.h"

#include <event2/http.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A session is marked used at most once a minute: the idle timeout is
 * 30 minutes, so a minute of slack costs nothing and saves a write per
 * request. */
enum { TOUCH_EVERY_MS = 60000 };

static const char cookie_name[] = "wg_session";

/* The token in "Cookie: a=b; wg_session=TOKEN; c=d", copied into buf. */
static bool cookie_token(const char *header, char *buf, size_t len)
{
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		size_t name = sizeof cookie_name - 1;
		if (n > name && strncmp(p, cookie_name, name) == 0 && p[name] == '=') {
			size_t vlen = n - name - 1;
			if (vlen == 0 || vlen >= len)
				return false;
			memcpy(buf, p + name + 1, vlen);
			buf[vlen] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

bool wg_auth_token(const char *authorization, const char *cookie, char *buf, size_t len, bool *from_cookie)
{
	if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0) {
		const char *t = authorization + 7;
		while (*t == ' ')
			t++;
		size_t n = strlen(t);
		if (n == 0 || n >= len)
			return false;
		memcpy(buf, t, n + 1);
		*from_cookie = false;
		return true;
	}
	if (!cookie_token(cookie, buf, len))
		return false;
	*from_cookie = true;
	return true;
}

static bool find_token(wg_req *req, char *buf, size_t len)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req->ev);
	bool from_cookie = false;
	bool found = wg_auth_token(evhttp_find_header(in, "Authorization"), evhttp_find_header(in, "Cookie"),
	                           buf, len, &from_cookie);
	req->cookie_auth = found && from_cookie;
	return found;
}

struct auth_state {
	void (*next)(wg_req *req);
	wg_session_info info;
	int64_t now;
	uint64_t epoch; /* PostgreSQL: wg_store_session_epoch before the lookup; 0: no memo */
	bool memoised;  /* info came from the memo */
};

/* Each loop's memo of the sessions it found, each entry with the stamp it
 * was found under. On SQLite the stamp is the read snapshot (store.h,
 * wg_store_read_snapshot): a lookup in it would find the same row. On
 * PostgreSQL it is the session epoch read before the lookup began
 * (wg_store_session_epoch), which moves on every change to sessions and
 * accounts, this node's before they are acknowledged and other nodes' when
 * their NOTIFY arrives (milliseconds later, or, should the listening
 * connection be lost, as soon as that is noticed). The memo is checked on
 * the loop before the pool is asked, so that a request is one pool job,
 * not two. A hit checks the time again against the current limits, and is
 * refused once the session is due to be marked used, so that marking it
 * (a write no one is told of) always follows a real lookup. Only sessions
 * found are kept; the strings are copied in, and out again into the
 * request's arena, since an entry may be replaced while a request that
 * read it still runs. */
enum { MEMO_SLOTS = 64, MEMO_TEXT = 96 };

struct memo_entry {
	uint64_t stamp; /* 0: empty */
	char token_hash[65];
	wg_session_info info; /* the caller's strings are NULL here */
	char username[MEMO_TEXT], scope[MEMO_TEXT], department[MEMO_TEXT];
	bool has_department;
};

static _Thread_local struct memo_entry memo[MEMO_SLOTS];

static struct memo_entry *memo_slot(const char *token_hash)
{
	unsigned h = 0;
	for (int i = 0; i < 8; i++)
		h = h * 31 + (unsigned char)token_hash[i];
	return &memo[h % MEMO_SLOTS];
}

static bool copy_in(char *dst, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= MEMO_TEXT)
		return false;
	memcpy(dst, s ? s : "", n + 1);
	return true;
}

static void memo_put(struct memo_entry *e, uint64_t stamp, const char *token_hash,
                     const wg_session_info *info)
{
	e->stamp = 0;
	const wg_caller *c = &info->caller;
	if (!copy_in(e->username, c->username) || !copy_in(e->scope, c->scope) ||
	    !copy_in(e->department, c->department))
		return;
	e->has_department = c->department != NULL;
	e->info = *info;
	e->info.caller.username = e->info.caller.scope = e->info.caller.department = NULL;
	memcpy(e->token_hash, token_hash, sizeof e->token_hash);
	e->stamp = stamp;
}

/* The entry's session into *out, its strings in arena; false when it is
 * not one for this token and stamp, has ended by now under the current
 * limits, or is due to be marked used. */
static bool memo_get(const wg_config *cfg, const struct memo_entry *e, uint64_t stamp, const char *token_hash,
                     int64_t now, wg_arena *arena, wg_session_info *out)
{
	const wg_session_info *in = &e->info;
	if (!stamp || e->stamp != stamp || sodium_memcmp(e->token_hash, token_hash, 64) != 0 ||
	    now > in->expires_at || now - in->last_seen_at > cfg->security_session_idle_s * 1000 ||
	    now - in->created_at > cfg->security_session_absolute_s * 1000 ||
	    now - in->last_seen_at >= TOUCH_EVERY_MS)
		return false;
	*out = e->info;
	out->caller.username = wg_arena_strdup(arena, e->username);
	out->caller.scope = wg_arena_strdup(arena, e->scope);
	out->caller.department = e->has_department ? wg_arena_strdup(arena, e->department) : NULL;
	return out->caller.username && out->caller.scope && (out->caller.department || !e->has_department);
}

static int lookup(wg_db *db, void *arg)
{
	wg_req *req = arg;
	struct auth_state *a = req->user;
	const wg_server *server = req->loop->server;
	uint64_t snapshot = wg_store_read_snapshot(server->store, req->loop->index);
	struct memo_entry *e = snapshot ? memo_slot(req->token_hash) : NULL;
	const wg_config *cfg = server->cfg;
	if (e && memo_get(cfg, e, snapshot, req->token_hash, a->now, &req->arena, &a->info))
		return 0;
	int rc = wg_session_lookup(db, req->token_hash, a->now, cfg->security_session_idle_s * 1000,
	                           cfg->security_session_absolute_s * 1000, &req->arena, &a->info);
	if (rc == 0 && e)
		memo_put(e, snapshot, req->token_hash, &a->info);
	return rc;
}

static int touch(wg_db *db, void *arg)
{
	char *token_hash = arg;
	return wg_session_touch(db, token_hash, wg_clock_now_ms());
}

static void touched(void *arg, int status)
{
	(void)status; /* a lost touch only makes the session end a minute early */
	wg_free(arg);
}

/* Marks the session used without holding up the request: the answer does
 * not depend on this write, so it is not waited for. */
static void touch_later(wg_req *req)
{
	char *copy = wg_strdup(req->token_hash);
	if (copy && wg_store_write_keeping_sessions(req->loop->server->store, touch, touched, copy) != 0)
		wg_free(copy);
}

static bool unsafe_method(const wg_req *req)
{
	return req->method & (WG_POST | WG_PUT | WG_PATCH | WG_DELETE);
}

static void after_lookup(wg_req *req, int status)
{
	struct auth_state *a = req->user;
	req->user = NULL;
	if (status == WG_EUNAUTH) {
		wg_req_header(req, "WWW-Authenticate", "Bearer");
		wg_req_problem(req, WG_EUNAUTH, "the session has ended or was never valid: sign in again");
		return;
	}
	if (wg_req_status_or_reply(req, status))
		return;
	if (a->epoch && !a->memoised)
		memo_put(memo_slot(req->token_hash), a->epoch, req->token_hash, &a->info);
	a->info.caller.address = req->address;
	req->session = &a->info;
	req->caller = &a->info.caller;
	if (req->cookie_auth && unsafe_method(req)) {
		const char *csrf =
			evhttp_find_header(evhttp_request_get_input_headers(req->ev), "X-CSRF-Token");
		size_t want = strlen(a->info.csrf);
		if (!csrf || strlen(csrf) != want || sodium_memcmp(csrf, a->info.csrf, want) != 0) {
			wg_req_problem(req, WG_EFORBIDDEN,
			               "send the X-CSRF-Token header returned at sign-in with every change");
			return;
		}
	}
	if (a->info.state != WG_SESSION_FULL && !(req->route->flags & WG_ROUTE_ANY_STATE)) {
		wg_req_problem(req, WG_EFORBIDDEN,
		               a->info.state == WG_SESSION_MUST_CHANGE_PASSWORD
		                       ? "change your password first (PUT /api/v1/me/password)"
		                       : "enrol a second factor first (POST /api/v1/me/totp)");
		return;
	}
	if (req->route->roles && !(req->caller->roles & req->route->roles)) {
		wg_req_problem(req, WG_EFORBIDDEN, "your roles may not do this");
		return;
	}
	if (a->now - a->info.last_seen_at >= TOUCH_EVERY_MS)
		touch_later(req);
	a->next(req);
}

void wg__authenticate(wg_req *req, void (*next)(wg_req *req))
{
	char token[128];
	if (!find_token(req, token, sizeof token)) {
		wg_req_header(req, "WWW-Authenticate", "Bearer");
		wg_req_problem(req, WG_EUNAUTH, "sign in first: POST /api/v1/session");
		return;
	}
	wg_session_hash(token, req->token_hash);
	sodium_memzero(token, sizeof token);
	struct auth_state *a = wg_arena_calloc(&req->arena, 1, sizeof *a);
	if (!a) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	a->next = next;
	a->now = wg_clock_now_ms();
	req->user = a;
	const wg_server *server = req->loop->server;
	a->epoch = wg_store_session_epoch(server->store);
	if (a->epoch && memo_get(server->cfg, memo_slot(req->token_hash), a->epoch, req->token_hash, a->now,
	                         &req->arena, &a->info)) {
		a->memoised = true;
		after_lookup(req, 0);
		return;
	}
	wg_req_read(req, lookup, req, after_lookup);
}
