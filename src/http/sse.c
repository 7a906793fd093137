#include "http/sse.h"

#include "core/alloc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "domain/notification.h"
#include "domain/session.h"
#include "http/loop.h"
#include "http/router.h"
#include "http/validate.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	POLL_PAGE = 500,        /* rows a loop reads per tick (more: another read at once) */
	CATCH_UP_PAGE = 100,    /* rows per read while a stream catches up */
	CHECKS_MAX = 256,       /* session checks per tick (the rest: next tick) */
	PACE_BYTES = 64 * 1024, /* unsent bytes above which catching up waits a tick */
	USER_BUCKETS = 256,     /* of the per-account counts */
	RECHECK_MIN_MS = 1000,  /* sooner than this a session is not looked at again */
	EXPIRY_SLACK_MS = 250,  /* after a session's end, to look once it has passed */
};

static const char retry_line[] = "retry: 3000\n\n";
static const char ping_line[] = ": ping\n\n";
static const char ended_event[] = "event: session.ended\ndata: {}\n\n";

_Static_assert(WG_SSE_RETRY_MS == 3000, "retry_line states WG_SSE_RETRY_MS");

/* ---- the event text ------------------------------------------------------ */

bool wg_sse_parse_last_event_id(const char *s, int64_t *id)
{
	size_t n = s ? strlen(s) : 0;
	return n <= 19 && wg_decimal_parse(s, n, id);
}

static bool framing_safe(const char *kind)
{
	if (!kind || !*kind)
		return false;
	for (const char *p = kind; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* {"case_id":..,"at":..} followed by the payload's other members, compact:
 * jansson escapes every control character, so the text has no line break.
 * malloc'd (jansson's allocator), NULL when memory runs out. */
static char *data_json(const wg_notification *n, int offset_minutes)
{
	json_t *out = json_object();
	json_t *payload = n->payload ? json_loads(n->payload, JSON_REJECT_DUPLICATES, NULL) : NULL;
	char at[40];
	int bad = !out;
	if (!bad)
		bad = json_object_set_new(out, "case_id",
		                          n->case_id > 0 ? json_integer(n->case_id) : json_null());
	if (!bad)
		bad = json_object_set_new(out, "at",
		                          wg_clock_format_rfc3339(n->at, offset_minutes, 0, at, sizeof at) ==
		                                          0
		                                  ? json_string(at)
		                                  : json_null());
	if (!bad && json_is_object(payload)) {
		const char *key;
		json_t *value;
		json_object_foreach(payload, key, value) {
			if (strcmp(key, "case_id") != 0 && strcmp(key, "at") != 0 &&
			    json_object_set(out, key, value) != 0) {
				bad = 1;
				break;
			}
		}
	}
	char *text = bad ? NULL : json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(payload);
	json_decref(out);
	return text;
}

char *wg_sse_event_text(const wg_notification *n, int offset_minutes, size_t *len)
{
	char *json = data_json(n, offset_minutes);
	if (!json)
		return NULL;
	const char *kind = framing_safe(n->kind) ? n->kind : "notification";
	size_t need = 64 + strlen(kind) + strlen(json);
	char *text = wg_malloc(need);
	if (text) {
		int w = snprintf(text, need, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)n->id, kind,
		                 json);
		if (w < 0 || (size_t)w >= need) {
			wg_free(text);
			text = NULL;
		} else {
			*len = (size_t)w;
		}
	}
	free(json);
	return text;
}

/* ---- streams per account, server-wide ------------------------------------ */

struct user_slot {
	struct user_slot *next;
	int64_t user_id;
	unsigned n;
};

struct wg__sse_users {
	pthread_mutex_t lock;
	struct user_slot *bucket[USER_BUCKETS];
};

static struct wg__sse_users *users_of(struct wg_server *s)
{
	struct wg__sse_users *u = atomic_load(&s->sse_users);
	if (u)
		return u;
	struct wg__sse_users *made = wg_calloc(1, sizeof *made);
	if (!made)
		return NULL;
	pthread_mutex_init(&made->lock, NULL);
	struct wg__sse_users *expected = NULL;
	if (atomic_compare_exchange_strong(&s->sse_users, &expected, made))
		return made;
	pthread_mutex_destroy(&made->lock);
	wg_free(made);
	return expected;
}

static size_t bucket_of(int64_t user_id)
{
	return (size_t)((uint64_t)user_id * 0x9e3779b97f4a7c15ull >> 56) % USER_BUCKETS;
}

/* Counts one more stream of user_id. Returns 0, WG_ERATELIMIT at the
 * limit, or WG_ENOMEM. */
static int users_acquire(struct wg_server *s, int64_t user_id)
{
	struct wg__sse_users *u = users_of(s);
	if (!u)
		return WG_ENOMEM;
	int rc = 0;
	pthread_mutex_lock(&u->lock);
	struct user_slot **head = &u->bucket[bucket_of(user_id)], *slot = *head;
	while (slot && slot->user_id != user_id)
		slot = slot->next;
	if (!slot) {
		slot = wg_calloc(1, sizeof *slot);
		if (slot) {
			slot->user_id = user_id;
			slot->next = *head;
			*head = slot;
		}
	}
	if (!slot)
		rc = WG_ENOMEM;
	else if (slot->n >= WG_SSE_PER_USER_MAX)
		rc = WG_ERATELIMIT;
	else
		slot->n++;
	pthread_mutex_unlock(&u->lock);
	return rc;
}

static void users_release(struct wg_server *s, int64_t user_id)
{
	struct wg__sse_users *u = atomic_load(&s->sse_users);
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	for (struct user_slot **p = &u->bucket[bucket_of(user_id)]; *p; p = &(*p)->next) {
		struct user_slot *slot = *p;
		if (slot->user_id != user_id)
			continue;
		if (--slot->n == 0) {
			*p = slot->next;
			wg_free(slot);
		}
		break;
	}
	pthread_mutex_unlock(&u->lock);
}

void wg__sse_server_free(struct wg_server *s)
{
	struct wg__sse_users *u = atomic_load(&s->sse_users);
	if (!u)
		return;
	for (size_t i = 0; i < USER_BUCKETS; i++)
		for (struct user_slot *slot = u->bucket[i]; slot;) {
			struct user_slot *next = slot->next;
			wg_free(slot);
			slot = next;
		}
	pthread_mutex_destroy(&u->lock);
	wg_free(u);
	atomic_store(&s->sse_users, NULL);
}

/* ---- state per loop ------------------------------------------------------ */

struct stream {
	struct stream *prev, *next;
	wg_req *req;
	uint64_t serial;
	int64_t user_id;
	int64_t last_id; /* the newest notification id dealt with for this stream */
	bool live;       /* caught up: served by the loop's reads */
	bool want_more;  /* catching up, another page is due */
	bool reading;    /* a catch-up read is out */
	bool checking;   /* in the session checks of the loop's read */
	int64_t last_write_us, next_check_us;
};

struct job;

struct wg__sse_loop {
	struct wg_loop *loop;
	struct event *tick, *wake;
	struct evbuffer *scratch;
	bool ticking;

	/* Reads that came back, from any thread. */
	pthread_mutex_t lock;
	struct job *done_head, *done_tail;

	struct stream *streams;
	unsigned nstreams, nopening, nlive;
	uint64_t next_serial;

	/* The newest id the loop's reads have dealt with; live streams have
	 * every row up to it. epoch changes when the mark is set anew, so that
	 * a read from the old mark is not applied. */
	int64_t mark;
	uint64_t epoch;
	bool polling; /* the tick's read is out */
	bool poll_failing;
	bool stopping;
};

/* ---- reads --------------------------------------------------------------- */

enum job_kind { JOB_OPEN, JOB_CATCH_UP, JOB_TICK };

enum check_result { CHECK_UNKNOWN, CHECK_OK, CHECK_ENDED };

struct check {
	uint64_t serial;
	char token_hash[WG_TOKEN_HASH_TEXT];
	wg_caller caller; /* as the stream began; strings in the job's arena */
	enum check_result result;
	int64_t expires_at;
};

struct row {
	wg_notification n; /* strings in the job's arena; payload not kept */
	char *text;        /* wg_malloc'd event */
	size_t len;
};

/* A read and its result. It owns copies of everything it uses, so that it
 * never touches a stream, which may end while the read is out. */
struct job {
	struct job *next;
	enum job_kind kind;
	struct wg__sse_loop *sl;
	int status;
	wg_arena arena;
	int offset_minutes;

	/* JOB_OPEN and JOB_CATCH_UP: the caller's rows after `after`. */
	wg_req *req; /* JOB_OPEN: the request, not yet answered */
	uint64_t serial;
	wg_caller caller;
	bool from_latest;
	int64_t after, last_id, snapshot_max;
	size_t count;
	struct evbuffer *text;

	/* JOB_TICK: every row after `from`, and session checks. */
	bool poll;
	int poll_status;
	int64_t from;
	uint64_t epoch;
	struct row *rows;
	size_t nrows;
	struct check *checks;
	size_t nchecks;
	int64_t now_ms, idle_ms, absolute_ms;
};

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->nrows; i++)
		wg_free(j->rows[i].text);
	if (j->text)
		evbuffer_free(j->text);
	wg_arena_clear(&j->arena);
	wg_free(j);
}

static struct job *job_new(struct wg__sse_loop *sl, enum job_kind kind)
{
	struct job *j = wg_calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->kind = kind;
	j->sl = sl;
	wg_arena_init(&j->arena, 4096);
	j->offset_minutes = (int)sl->loop->server->cfg->time_offset_minutes;
	if (kind != JOB_TICK && !(j->text = evbuffer_new())) {
		job_free(j);
		return NULL;
	}
	return j;
}

static const char *arena_copy(wg_arena *a, const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *c = wg_arena_strdup(a, s);
	if (!c)
		*ok = false;
	return c;
}

static bool copy_caller(wg_arena *a, const wg_caller *from, wg_caller *to)
{
	bool ok = true;
	*to = (wg_caller){.user_id = from->user_id, .roles = from->roles};
	to->username = arena_copy(a, from->username, &ok);
	to->scope = arena_copy(a, from->scope, &ok);
	to->department = arena_copy(a, from->department, &ok);
	return ok;
}

/* From the store's thread (or inline on SQLite): hand the job to its loop. */
static void job_done(void *arg, int status)
{
	struct job *j = arg;
	struct wg__sse_loop *sl = j->sl;
	j->status = status;
	j->next = NULL;
	pthread_mutex_lock(&sl->lock);
	if (sl->done_tail)
		sl->done_tail->next = j;
	else
		sl->done_head = j;
	sl->done_tail = j;
	pthread_mutex_unlock(&sl->lock);
	event_active(sl->wake, EV_READ, 0);
}

static int submit(struct wg__sse_loop *sl, struct job *j, wg_store_fn fn)
{
	struct wg_loop *loop = sl->loop;
	return wg__loop_read(loop, fn, job_done, j);
}

static int add_event(void *ctx, const wg_notification *n)
{
	struct job *j = ctx;
	size_t len;
	char *text = wg_sse_event_text(n, j->offset_minutes, &len);
	if (!text)
		return WG_ENOMEM;
	int rc = evbuffer_add(j->text, text, len) == 0 ? 0 : WG_ENOMEM;
	wg_free(text);
	j->last_id = n->id;
	j->count++;
	return rc;
}

/* JOB_OPEN and JOB_CATCH_UP, on the store's thread: the newest id and the
 * caller's rows after `after`, in one snapshot. */
static int catch_up_run(wg_db *db, void *arg)
{
	struct job *j = arg;
	int rc = wg_notification_latest(db, &j->snapshot_max);
	if (rc)
		return rc;
	/* An id from the future (another database) would hide what comes. */
	if (j->from_latest || j->after > j->snapshot_max)
		j->after = j->snapshot_max;
	j->last_id = j->after;
	return wg_notification_list(db, &j->caller, j->after, CATCH_UP_PAGE, add_event, j);
}

static int keep_row(void *ctx, const wg_notification *n)
{
	struct job *j = ctx;
	struct row *r = &j->rows[j->nrows];
	bool ok = true;
	r->n = *n;
	r->n.payload = NULL;
	r->n.kind = arena_copy(&j->arena, n->kind, &ok);
	r->n.target_kind = arena_copy(&j->arena, n->target_kind, &ok);
	r->n.target = arena_copy(&j->arena, n->target, &ok);
	r->text = ok ? wg_sse_event_text(n, j->offset_minutes, &r->len) : NULL;
	if (!r->text)
		return WG_ENOMEM;
	j->nrows++;
	return 0;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void run_check(wg_db *db, struct job *j, struct check *c)
{
	wg_session_info info;
	int rc =
		wg_session_lookup(db, c->token_hash, j->now_ms, j->idle_ms, j->absolute_ms, &j->arena, &info);
	if (rc == WG_EUNAUTH) {
		c->result = CHECK_ENDED;
		return;
	}
	if (rc)
		return; /* unknown: looked at again later */
	const wg_caller *now = &info.caller;
	/* Roles, scope or department changed: what the stream may tell changed
	 * too; the client reconnects and gets the account as it is now. */
	bool same = now->user_id == c->caller.user_id && now->roles == c->caller.roles &&
	            same_text(now->scope, c->caller.scope) &&
	            same_text(now->department, c->caller.department);
	c->result = same && info.state == WG_SESSION_FULL ? CHECK_OK : CHECK_ENDED;
	c->expires_at = info.expires_at;
}

/* JOB_TICK, on the store's thread. */
static int tick_run(wg_db *db, void *arg)
{
	struct job *j = arg;
	if (j->poll)
		j->poll_status = wg_notification_since(db, j->from, POLL_PAGE, keep_row, j);
	for (size_t i = 0; i < j->nchecks; i++)
		run_check(db, j, &j->checks[i]);
	return 0;
}

/* ---- streams ------------------------------------------------------------- */

static int64_t now_us(void)
{
	return wg_clock_mono_us();
}

static struct bufferevent *bev_of(struct stream *s)
{
	struct evhttp_connection *evcon = s->req->ev ? evhttp_request_get_connection(s->req->ev) : NULL;
	return evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
}

static size_t unsent(struct stream *s)
{
	struct bufferevent *bev = bev_of(s);
	return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

static struct stream *find_stream(struct wg__sse_loop *sl, uint64_t serial)
{
	for (struct stream *s = sl->streams; s; s = s->next)
		if (s->serial == serial)
			return s;
	return NULL;
}

enum end_how { END_BY_SERVER, END_BY_CLIENT };

static void stream_end(struct wg__sse_loop *sl, struct stream *s, enum end_how how)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		sl->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	sl->nstreams--;
	if (s->live)
		sl->nlive--;
	struct wg_loop *loop = sl->loop;
	users_release(loop->server, s->user_id);
	wg_req *req = s->req;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
	if (evcon) {
		evhttp_connection_set_closecb(evcon, NULL, NULL);
		/* The connection may serve more requests: ordinary timeouts again. */
		if (how == END_BY_SERVER)
			evhttp_connection_set_timeout(evcon, (int)loop->server->cfg->http_timeout_s);
	}
	wg__req_stream_end(req, how == END_BY_CLIENT);
	wg_free(s);
	if (sl->nstreams == 0 && sl->ticking) {
		evtimer_del(sl->tick);
		sl->ticking = false;
	}
}

/* Send what buf holds (emptying it); false when the stream was ended
 * instead because its client stopped reading. */
static bool stream_send(struct wg__sse_loop *sl, struct stream *s, struct evbuffer *buf)
{
	size_t n = evbuffer_get_length(buf);
	if (n == 0)
		return true;
	if (unsent(s) + n > WG_SSE_BACKLOG_MAX) {
		evbuffer_drain(buf, n);
		wg_log(WG_LOG_INFO, "event stream %s: the client reads too slowly, ending it",
		       s->req->request_id);
		stream_end(sl, s, END_BY_SERVER);
		return false;
	}
	evhttp_send_reply_chunk(s->req->ev, buf);
	s->req->bytes_out += n;
	s->last_write_us = now_us();
	return true;
}

static bool stream_send_text(struct wg__sse_loop *sl, struct stream *s, const char *text, size_t len)
{
	if (evbuffer_add(sl->scratch, text, len) != 0) {
		stream_end(sl, s, END_BY_SERVER);
		return false;
	}
	return stream_send(sl, s, sl->scratch);
}

static void on_client_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	struct stream *s = arg;
	struct wg__sse_loop *sl = s->req->loop->sse;
	stream_end(sl, s, END_BY_CLIENT);
}

/* When to look at a session again: every WG_SSE_RECHECK_S, and just after
 * it would end by itself if that is sooner. */
static void schedule_check(struct stream *s, int64_t expires_at)
{
	int64_t wait_ms = (int64_t)WG_SSE_RECHECK_S * 1000;
	if (expires_at > 0) {
		int64_t until = expires_at - wg_clock_now_ms() + EXPIRY_SLACK_MS;
		if (until < wait_ms)
			wait_ms = until < RECHECK_MIN_MS ? RECHECK_MIN_MS : until;
	}
	s->next_check_us = now_us() + wait_ms * 1000;
}

static void catch_up(struct wg__sse_loop *sl, struct stream *s)
{
	if (!s->want_more || s->reading || sl->stopping || unsent(s) >= PACE_BYTES)
		return; /* the tick tries again */
	struct job *j = job_new(sl, JOB_CATCH_UP);
	if (!j || !copy_caller(&j->arena, s->req->caller, &j->caller)) {
		if (j)
			job_free(j);
		return;
	}
	j->serial = s->serial;
	j->after = s->last_id;
	if (submit(sl, j, catch_up_run) != 0) {
		job_free(j);
		return;
	}
	s->reading = true;
}

/* A catch-up read came back for s: send it, then go live or read on. */
static void apply_catch_up(struct wg__sse_loop *sl, struct stream *s, struct job *j)
{
	if (!stream_send(sl, s, j->text))
		return;
	if (j->last_id > s->last_id)
		s->last_id = j->last_id;
	if (j->count < CATCH_UP_PAGE) {
		/* Every row of the caller up to snapshot_max has been sent (ids
		 * commit in order, so none below it can still appear). */
		if (j->snapshot_max > s->last_id)
			s->last_id = j->snapshot_max;
		if (sl->nlive == 0) {
			/* Nobody else depends on the mark: start it here. */
			sl->mark = j->snapshot_max;
			sl->epoch++;
		}
		if (s->last_id >= sl->mark) {
			s->want_more = false;
			s->live = true;
			sl->nlive++;
			return;
		}
	}
	/* More pages, or the loop's reads are ahead of this snapshot. */
	s->want_more = true;
	catch_up(sl, s);
}

static void start_tick_read(struct wg__sse_loop *sl);

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct wg__sse_loop *sl = arg;
	int64_t now = now_us();
	for (struct stream *s = sl->streams, *next; s; s = next) {
		next = s->next;
		if (now - s->last_write_us >= (int64_t)WG_SSE_PING_S * 1000000 &&
		    !stream_send_text(sl, s, ping_line, sizeof ping_line - 1))
			continue;
		catch_up(sl, s);
	}
	start_tick_read(sl);
}

/* The loop's one read per tick: the rows after the mark when a stream is
 * live, and the sessions due for a look. */
static void start_tick_read(struct wg__sse_loop *sl)
{
	if (sl->polling || sl->stopping)
		return;
	int64_t now = now_us();
	size_t due = 0;
	for (struct stream *s = sl->streams; s; s = s->next)
		due += !s->checking && s->next_check_us <= now;
	if (sl->nlive == 0 && due == 0)
		return;
	struct job *j = job_new(sl, JOB_TICK);
	if (!j)
		return;
	const wg_config *cfg = sl->loop->server->cfg;
	j->poll = sl->nlive > 0;
	j->from = sl->mark;
	j->epoch = sl->epoch;
	j->now_ms = wg_clock_now_ms();
	j->idle_ms = cfg->security_session_idle_s * 1000;
	j->absolute_ms = cfg->security_session_absolute_s * 1000;
	if (due > CHECKS_MAX)
		due = CHECKS_MAX;
	j->rows = j->poll ? wg_arena_calloc(&j->arena, POLL_PAGE, sizeof *j->rows) : NULL;
	j->checks = due ? wg_arena_calloc(&j->arena, due, sizeof *j->checks) : NULL;
	bool ok = (!j->poll || j->rows) && (!due || j->checks);
	for (struct stream *s = sl->streams; ok && s && j->nchecks < due; s = s->next) {
		if (s->checking || s->next_check_us > now)
			continue;
		struct check *c = &j->checks[j->nchecks++];
		c->serial = s->serial;
		snprintf(c->token_hash, sizeof c->token_hash, "%s", s->req->token_hash);
		ok = copy_caller(&j->arena, s->req->caller, &c->caller);
		s->checking = true;
	}
	if (!ok || submit(sl, j, tick_run) != 0) {
		/* Only this read marks streams: the next tick tries again. */
		for (struct stream *s = sl->streams; s; s = s->next)
			s->checking = false;
		job_free(j);
		return;
	}
	sl->polling = true;
}

static void apply_rows(struct wg__sse_loop *sl, struct job *j)
{
	if (j->poll_status) {
		if (!sl->poll_failing)
			wg_log(WG_LOG_WARN, "loop %u: reading notifications failed: %s", sl->loop->index,
			       wg_error_name(j->poll_status));
		sl->poll_failing = true;
		return;
	}
	sl->poll_failing = false;
	if (j->epoch != sl->epoch || j->from != sl->mark || j->nrows == 0)
		return;
	int64_t newest = j->rows[j->nrows - 1].n.id;
	for (struct stream *s = sl->streams, *next; s; s = next) {
		next = s->next;
		if (!s->live)
			continue;
		bool failed = false;
		for (size_t i = 0; !failed && i < j->nrows; i++) {
			const struct row *r = &j->rows[i];
			failed = r->n.id > s->last_id && wg_notification_for(s->req->caller, &r->n) &&
			         evbuffer_add(sl->scratch, r->text, r->len) != 0;
		}
		if (failed) {
			/* Out of memory: rather than skip rows, end the stream; the
			 * client comes back with Last-Event-ID. */
			evbuffer_drain(sl->scratch, evbuffer_get_length(sl->scratch));
			stream_end(sl, s, END_BY_SERVER);
			continue;
		}
		s->last_id = newest > s->last_id ? newest : s->last_id;
		stream_send(sl, s, sl->scratch);
	}
	evbuffer_drain(sl->scratch, evbuffer_get_length(sl->scratch));
	sl->mark = newest;
}

static void apply_checks(struct wg__sse_loop *sl, struct job *j)
{
	for (size_t i = 0; i < j->nchecks; i++) {
		const struct check *c = &j->checks[i];
		struct stream *s = find_stream(sl, c->serial);
		if (!s)
			continue;
		s->checking = false;
		if (c->result == CHECK_ENDED) {
			if (stream_send_text(sl, s, ended_event, sizeof ended_event - 1))
				stream_end(sl, s, END_BY_SERVER);
		} else {
			schedule_check(s, c->result == CHECK_OK ? c->expires_at : 0);
		}
	}
}

static void stream_begin(struct wg__sse_loop *sl, struct job *j);

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct wg__sse_loop *sl = arg;
	pthread_mutex_lock(&sl->lock);
	struct job *j = sl->done_head;
	sl->done_head = sl->done_tail = NULL;
	pthread_mutex_unlock(&sl->lock);
	while (j) {
		struct job *next = j->next;
		if (j->kind == JOB_OPEN) {
			stream_begin(sl, j);
		} else if (j->kind == JOB_CATCH_UP) {
			struct stream *s = find_stream(sl, j->serial);
			if (s) {
				s->reading = false;
				if (j->status == 0)
					apply_catch_up(sl, s, j); /* else the tick tries again */
			}
		} else {
			sl->polling = false;
			if (j->poll)
				apply_rows(sl, j);
			apply_checks(sl, j);
			/* A full page: more rows wait, read them now. */
			if (j->poll && j->poll_status == 0 && j->nrows == POLL_PAGE)
				start_tick_read(sl);
		}
		job_free(j);
		j = next;
	}
}

static struct wg__sse_loop *loop_state(struct wg_loop *loop)
{
	if (loop->sse)
		return loop->sse;
	struct wg__sse_loop *sl = wg_calloc(1, sizeof *sl);
	if (!sl)
		return NULL;
	sl->loop = loop;
	pthread_mutex_init(&sl->lock, NULL);
	sl->tick = event_new(loop->base, -1, EV_PERSIST, on_tick, sl);
	sl->wake = event_new(loop->base, -1, 0, on_wake, sl);
	sl->scratch = evbuffer_new();
	if (!sl->tick || !sl->wake || !sl->scratch) {
		if (sl->tick)
			event_free(sl->tick);
		if (sl->wake)
			event_free(sl->wake);
		if (sl->scratch)
			evbuffer_free(sl->scratch);
		pthread_mutex_destroy(&sl->lock);
		wg_free(sl);
		return NULL;
	}
	loop->sse = sl;
	return sl;
}

/* The first read of a stream came back: answer with the stream, or with
 * the problem. */
static void stream_begin(struct wg__sse_loop *sl, struct job *j)
{
	wg_req *req = j->req;
	struct wg_loop *loop = sl->loop;
	sl->nopening--;
	int rc = j->status;
	if (!rc && sl->stopping)
		rc = WG_ESHUTDOWN;
	struct evhttp_connection *evcon = rc ? NULL : evhttp_request_get_connection(req->ev);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct stream *s = bev ? wg_calloc(1, sizeof *s) : NULL;
	if (!s) {
		users_release(loop->server, req->caller->user_id);
		if (!rc && !evcon)
			wg_req_reply_body(req, 200, WG_SSE_CONTENT_TYPE); /* the client left already */
		else
			wg_req_problem(req, rc ? rc : WG_ENOMEM, NULL);
		return;
	}
	s->req = req;
	s->serial = j->serial;
	s->user_id = req->caller->user_id;
	s->last_id = j->last_id;
	s->next = sl->streams;
	if (sl->streams)
		sl->streams->prev = s;
	sl->streams = s;
	sl->nstreams++;
	evhttp_connection_set_closecb(evcon, on_client_close, s);
	/* The client sends nothing more: no read timeout; a write that makes
	 * no progress for http.timeout_s still ends the connection. */
	struct timeval write_limit = {.tv_sec = (time_t)loop->server->cfg->http_timeout_s};
	bufferevent_set_timeouts(bev, NULL, &write_limit);
	wg_req_header(req, "X-Accel-Buffering", "no");
	wg__req_stream_start(req, WG_SSE_CONTENT_TYPE);
	schedule_check(s, req->session ? req->session->expires_at : 0);
	if (!sl->ticking) {
		struct timeval every = {.tv_sec = WG_SSE_TICK_MS / 1000,
		                        .tv_usec = (suseconds_t)(WG_SSE_TICK_MS % 1000) * 1000};
		sl->ticking = evtimer_add(sl->tick, &every) == 0;
	}
	if (!stream_send_text(sl, s, retry_line, sizeof retry_line - 1))
		return;
	apply_catch_up(sl, s, j);
}

void wg_sse_open(wg_req *req, int64_t after_id)
{
	if (req->method == WG_HEAD) {
		wg_req_header(req, "X-Accel-Buffering", "no");
		wg_req_reply_body(req, 200, WG_SSE_CONTENT_TYPE);
		return;
	}
	struct wg_loop *loop = req->loop;
	if (loop->stopping) {
		wg_req_problem(req, WG_ESHUTDOWN, NULL);
		return;
	}
	struct wg__sse_loop *sl = loop_state(loop);
	if (!sl) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	if (sl->nstreams + sl->nopening >= WG_SSE_PER_LOOP_MAX) {
		wg_req_header(req, "Retry-After", "30");
		wg_req_problem(req, WG_ERATELIMIT, "this server holds as many event streams as it may");
		return;
	}
	int rc = users_acquire(loop->server, req->caller->user_id);
	if (rc) {
		if (rc == WG_ERATELIMIT) {
			wg_req_header(req, "Retry-After", "30");
			wg_req_problem(req, rc,
			               "this account has as many event streams open as it may: close one");
		} else {
			wg_req_problem(req, rc, NULL);
		}
		return;
	}
	struct job *j = job_new(sl, JOB_OPEN);
	if (!j || !copy_caller(&j->arena, req->caller, &j->caller)) {
		if (j)
			job_free(j);
		users_release(loop->server, req->caller->user_id);
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	j->req = req;
	j->serial = ++sl->next_serial;
	j->from_latest = after_id < 0;
	j->after = after_id < 0 ? 0 : after_id;
	sl->nopening++;
	rc = submit(sl, j, catch_up_run);
	if (rc) {
		sl->nopening--;
		job_free(j);
		users_release(loop->server, req->caller->user_id);
		wg_req_problem(req, rc, NULL);
	}
}

/* ---- stopping and freeing ------------------------------------------------ */

void wg__sse_stop(struct wg_loop *loop)
{
	struct wg__sse_loop *sl = loop->sse;
	if (!sl)
		return;
	sl->stopping = true;
	while (sl->streams)
		stream_end(sl, sl->streams, END_BY_SERVER);
}

void wg__sse_loop_free(struct wg_loop *loop)
{
	struct wg__sse_loop *sl = loop->sse;
	if (!sl)
		return;
	/* Streams still open here (a loop that never stopped) belong to
	 * connections evhttp_free is about to free, with their requests. */
	for (struct stream *s = sl->streams; s;) {
		struct stream *next = s->next;
		struct evhttp_connection *evcon = evhttp_request_get_connection(s->req->ev);
		if (evcon)
			evhttp_connection_set_closecb(evcon, NULL, NULL);
		wg__req_discard(s->req);
		wg_free(s);
		s = next;
	}
	for (struct job *j = sl->done_head; j;) {
		struct job *next = j->next;
		if (j->kind == JOB_OPEN)
			wg__req_discard(j->req);
		job_free(j);
		j = next;
	}
	event_free(sl->tick);
	event_free(sl->wake);
	evbuffer_free(sl->scratch);
	pthread_mutex_destroy(&sl->lock);
	wg_free(sl);
	loop->sse = NULL;
}
