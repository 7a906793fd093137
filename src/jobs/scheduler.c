#include "jobs/scheduler.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* One item being fired: the argument of its store write. */
struct fire {
	struct wg_scheduler *s;
	int64_t id;
	int64_t now;
	unsigned streak; /* successful fires in the rounds just before */
	int status;
};

/* A read of the job's state (next_due, or the due list when list is set). */
struct read {
	struct wg_scheduler *s;
	bool list;
	int64_t now;
	size_t max;
	size_t n;
	int64_t when;
	int status;
};

/* An item whose fire failed: it is not fired again before retry_at. */
struct backoff {
	int64_t id;
	int64_t retry_at;
	unsigned failures;
};

/* An item fired successfully in the previous round and how many rounds in
 * a row that has been so. */
struct streak {
	int64_t id;
	unsigned fires;
};

struct wg_scheduler {
	wg_store *store;
	wg_scheduler_job job;
	pthread_t thread;

	/* lock guards the fields from here to stats; wake is waited on with
	 * the monotonic clock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t done;
	bool stopping;
	bool kicked;      /* a hint asks the sleeping thread to look now */
	int64_t target;   /* clock ms the thread sleeps until; 0 while awake */
	int64_t hint;     /* earliest hinted time not yet looked at; 0: none */
	unsigned pending; /* store calls not yet acknowledged */
	wg_scheduler_stats stats;

	/* The thread's own from here on. */
	int64_t *ids; /* WG_SCHEDULER_BATCH + WG_SCHEDULER_BACKOFF_SLOTS */
	struct backoff *backoff;
	size_t nbackoff;
	struct fire fires[WG_SCHEDULER_BATCH];
	struct streak prev[WG_SCHEDULER_BATCH];
	size_t nprev;
	unsigned read_failures; /* in a row */
};

/* The registered scheduler. Its lock is taken before a scheduler's own and
 * never by the thread, so that a hint cannot reach a freed scheduler. */
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static wg_scheduler *global;
/* Every running scheduler, for wg_scheduler_hint_all; under global_lock. */
static wg_scheduler *running[WG_SCHEDULER_RUNNING_MAX];

/* ---- store calls ---------------------------------------------------------- */

static void call_done(struct wg_scheduler *s, int *status, int rc)
{
	pthread_mutex_lock(&s->lock);
	*status = rc;
	if (--s->pending == 0)
		pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->lock);
}

static void read_done(void *arg, int rc)
{
	struct read *r = arg;
	call_done(r->s, &r->status, rc);
}

static void fire_done(void *arg, int rc)
{
	struct fire *f = arg;
	call_done(f->s, &f->status, rc);
}

static int read_fn(wg_db *db, void *arg)
{
	struct read *r = arg;
	const wg_scheduler_job *job = &r->s->job;
	if (!r->list)
		return job->next_due(db, job->ctx, &r->when);
	size_t n = 0;
	int rc = job->due(db, job->ctx, r->now, r->s->ids, r->max, &n);
	/* More than asked for means ids overflowed: a bug in the job. */
	if (rc == 0 && n > r->max)
		rc = WG_EINTERNAL;
	r->n = rc == 0 ? n : 0;
	return rc;
}

static int fire_fn(wg_db *db, void *arg)
{
	struct fire *f = arg;
	return f->s->job.fire(db, f->s->job.ctx, f->id, f->now);
}

/* Queue one call; its status arrives through call_done. A read on SQLite
 * takes the write queue: the read connections belong to the event loops,
 * one each, and this thread is none of them. */
static void submit(struct wg_scheduler *s, bool read, wg_store_fn fn, wg_store_done_fn done, void *arg,
                   int *status)
{
	pthread_mutex_lock(&s->lock);
	s->pending++;
	pthread_mutex_unlock(&s->lock);
	int rc = read && wg_store_kind(s->store) == WG_DB_POSTGRES ? wg_store_read(s->store, 0, fn, done, arg)
	                                                           : wg_store_write(s->store, fn, done, arg);
	if (rc)
		call_done(s, status, rc);
}

static void wait_all(struct wg_scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->pending)
		pthread_cond_wait(&s->done, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

static void count(struct wg_scheduler *s, unsigned long long fired, unsigned long long errors)
{
	pthread_mutex_lock(&s->lock);
	s->stats.fired += fired;
	s->stats.errors += errors;
	s->stats.backed_off = (unsigned long)s->nbackoff;
	pthread_mutex_unlock(&s->lock);
}

/* Run a read and wait for it. A failure is counted, and logged on the
 * first, second, fourth, ... in a row, so that a database that stays away
 * does not fill the log every few seconds. */
static int read_state(struct wg_scheduler *s, struct read *r)
{
	r->s = s;
	submit(s, true, read_fn, read_done, r, &r->status);
	wait_all(s);
	if (r->status == 0) {
		s->read_failures = 0;
		return 0;
	}
	count(s, 0, 1);
	unsigned n = ++s->read_failures;
	if ((n & (n - 1)) == 0) {
		wg_json_out *w = wg_log_line_begin(WG_LOG_ERROR, "scheduler could not read what is due");
		if (w) {
			wg_json_kv_string(w, "job", s->job.name);
			wg_json_kv_string(w, "call", r->list ? "due" : "next_due");
			wg_json_kv_string(w, "error", wg_error_name(r->status));
			wg_json_kv_int(w, "failures_in_a_row", n);
			wg_log_line_end(w);
		}
	}
	return r->status;
}

/* ---- backoff -------------------------------------------------------------- */

static struct backoff *backoff_find(struct wg_scheduler *s, int64_t id)
{
	for (size_t i = 0; i < s->nbackoff; i++)
		if (s->backoff[i].id == id)
			return &s->backoff[i];
	return NULL;
}

static void backoff_remove(struct wg_scheduler *s, struct backoff *b)
{
	*b = s->backoff[--s->nbackoff];
}

/* Record one more failure of id at now. Returns false when the table is
 * full and id could not be recorded. */
static bool backoff_fail(struct wg_scheduler *s, int64_t id, int64_t now, const char *why, int status)
{
	struct backoff *b = backoff_find(s, id);
	if (!b) {
		if (s->nbackoff == WG_SCHEDULER_BACKOFF_SLOTS)
			return false;
		b = &s->backoff[s->nbackoff++];
		*b = (struct backoff){.id = id};
	}
	b->failures++;
	int64_t delay = WG_SCHEDULER_BACKOFF_MIN_MS;
	for (unsigned i = 1; i < b->failures && delay < WG_SCHEDULER_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > WG_SCHEDULER_BACKOFF_MAX_MS)
		delay = WG_SCHEDULER_BACKOFF_MAX_MS;
	b->retry_at = now + delay;
	wg_json_out *w = wg_log_line_begin(WG_LOG_ERROR, why);
	if (w) {
		wg_json_kv_string(w, "job", s->job.name);
		wg_json_kv_int(w, "id", id);
		if (status)
			wg_json_kv_string(w, "error", wg_error_name(status));
		wg_json_kv_int(w, "failures", b->failures);
		wg_json_kv_int(w, "retry_in_ms", delay);
		wg_log_line_end(w);
	}
	return true;
}

/* ids[0..n) is everything due: an entry not among them is due no longer
 * (another write settled it) and is forgotten. */
static void backoff_prune(struct wg_scheduler *s, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < s->nbackoff;) {
		bool due = false;
		for (size_t k = 0; k < n && !due; k++)
			due = ids[k] == s->backoff[i].id;
		if (due)
			i++;
		else
			backoff_remove(s, &s->backoff[i]);
	}
}

/* The earliest retry after now, or 0 when none. */
static int64_t backoff_next(const struct wg_scheduler *s, int64_t now)
{
	int64_t next = 0;
	for (size_t i = 0; i < s->nbackoff; i++)
		if (s->backoff[i].retry_at > now && (!next || s->backoff[i].retry_at < next))
			next = s->backoff[i].retry_at;
	return next;
}

static unsigned streak_of(const struct wg_scheduler *s, int64_t id)
{
	for (size_t i = 0; i < s->nprev; i++)
		if (s->prev[i].id == id)
			return s->prev[i].fires;
	return 0;
}

/* ---- the thread ------------------------------------------------------------ */

static bool stopping(struct wg_scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	bool stop = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

/* Pick the ids of this round worth firing into s->fires. Returns how many;
 * *full is set when an item to hold back found no room in the table. */
static size_t pick(struct wg_scheduler *s, size_t n, int64_t now, bool *full)
{
	size_t nfire = 0;
	unsigned long long stuck = 0;
	for (size_t i = 0; i < n && nfire < WG_SCHEDULER_BATCH; i++) {
		int64_t id = s->ids[i];
		struct backoff *b = backoff_find(s, id);
		if (b && b->retry_at > now)
			continue;
		unsigned streak = streak_of(s, id);
		if (streak >= WG_SCHEDULER_MAX_REFIRES) {
			/* Fired and still due, round after round: firing it
			 * again would only spin. */
			stuck++;
			if (!backoff_fail(s, id, now, "scheduled item still due after firing", 0))
				*full = true;
			continue;
		}
		s->fires[nfire++] = (struct fire){.s = s, .id = id, .now = now, .streak = streak};
	}
	if (stuck)
		count(s, 0, stuck);
	return nfire;
}

/* Fire everything due at now that is not held back, a round of at most
 * WG_SCHEDULER_BATCH at a time. Returns false when the pass ended early (a
 * failed read, no room to hold back a failing item, or stopping): what is
 * due then is not all handled. */
static bool pass(struct wg_scheduler *s, int64_t now)
{
	s->nprev = 0;
	for (;;) {
		if (stopping(s))
			return false;
		/* Room for every held-back item besides a full batch, so that
		 * items failing at the head of the list hide nothing behind. */
		struct read r = {.list = true, .now = now, .max = WG_SCHEDULER_BATCH + s->nbackoff};
		if (read_state(s, &r) != 0)
			return false;
		if (r.n < r.max)
			backoff_prune(s, s->ids, r.n);
		bool full = false;
		size_t nfire = pick(s, r.n, now, &full);
		if (nfire == 0) {
			count(s, 0, 0);
			return !full;
		}
		for (size_t i = 0; i < nfire; i++)
			submit(s, false, fire_fn, fire_done, &s->fires[i], &s->fires[i].status);
		wait_all(s);

		unsigned long long fired = 0, errors = 0;
		s->nprev = 0;
		for (size_t i = 0; i < nfire; i++) {
			const struct fire *f = &s->fires[i];
			if (f->status == 0) {
				fired++;
				struct backoff *b = backoff_find(s, f->id);
				if (b)
					backoff_remove(s, b);
				s->prev[s->nprev++] = (struct streak){.id = f->id, .fires = f->streak + 1};
				continue;
			}
			errors++;
			if (!backoff_fail(s, f->id, now, "scheduled item failed", f->status))
				full = true;
		}
		count(s, fired, errors);
		if (full) {
			wg_log(WG_LOG_WARN, "scheduler %s: more than %d items failing; trying again later",
			       s->job.name, WG_SCHEDULER_BACKOFF_SLOTS);
			return false;
		}
	}
}

/* With s->lock held: sleep until target (clock ms) or a hint or stop. The
 * wait is measured on the monotonic clock, so that a fixed test clock
 * still gives a finite sleep, and it never exceeds the safety re-check. */
static void sleep_until(struct wg_scheduler *s, int64_t target)
{
	int64_t wait_ms = target - wg_clock_now_ms();
	if (wait_ms <= 0)
		return;
	if (wait_ms > WG_SCHEDULER_RECHECK_MS)
		wait_ms = WG_SCHEDULER_RECHECK_MS;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	int64_t ns = deadline.tv_nsec + wait_ms % 1000 * 1000000;
	deadline.tv_sec += (time_t)(wait_ms / 1000 + ns / 1000000000);
	deadline.tv_nsec = (long)(ns % 1000000000);
	while (!s->stopping && !s->kicked)
		if (pthread_cond_timedwait(&s->wake, &s->lock, &deadline) == ETIMEDOUT)
			break;
}

/* What to sleep until after a pass at now, with s->lock held. */
static int64_t next_target(struct wg_scheduler *s, int64_t now, bool ok, int64_t when)
{
	int64_t clock = wg_clock_now_ms(), target;
	if (!ok) {
		target = clock + WG_SCHEDULER_RETRY_MS;
	} else if (when == 0) {
		target = clock + WG_SCHEDULER_RECHECK_MS;
	} else if (when <= now) {
		/* Only held-back items were due at now, and the earliest of
		 * them pins next_due: items falling due behind it can only be
		 * found by looking again, every few seconds, until it clears. */
		int64_t retry = backoff_next(s, now);
		target = now + WG_SCHEDULER_RETRY_MS;
		if (retry && retry < target)
			target = retry;
	} else {
		target = when;
	}
	if (target > clock + WG_SCHEDULER_RECHECK_MS)
		target = clock + WG_SCHEDULER_RECHECK_MS;
	if (s->hint && s->hint < target)
		target = s->hint;
	return target;
}

static void *scheduler_main(void *arg)
{
	struct wg_scheduler *s = arg;
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		int64_t now = wg_clock_now_ms();
		/* This pass answers every hint up to now. */
		if (s->hint && s->hint <= now)
			s->hint = 0;
		s->kicked = false;
		s->target = 0;
		s->stats.passes++;
		s->stats.last_run_ms = now;
		s->stats.next_run_ms = 0;
		pthread_mutex_unlock(&s->lock);

		struct read r = {.list = false};
		bool ok = pass(s, now) && read_state(s, &r) == 0;

		pthread_mutex_lock(&s->lock);
		if (s->stopping)
			break;
		int64_t target = next_target(s, now, ok, r.when);
		s->target = target;
		s->stats.next_run_ms = target;
		sleep_until(s, target);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- public ------------------------------------------------------------------ */

static void destroy(struct wg_scheduler *s)
{
	wg_free(s->ids);
	wg_free(s->backoff);
	wg_free(s);
}

static int init_sync(struct wg_scheduler *s)
{
	pthread_condattr_t attr;
	if (pthread_condattr_init(&attr) != 0)
		return WG_ENOMEM;
	int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	                         pthread_cond_init(&s->wake, &attr) == 0
	                 ? 0
	                 : WG_ENOMEM;
	pthread_condattr_destroy(&attr);
	if (rc)
		return rc;
	if (pthread_cond_init(&s->done, NULL) != 0) {
		pthread_cond_destroy(&s->wake);
		return WG_ENOMEM;
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		pthread_cond_destroy(&s->done);
		pthread_cond_destroy(&s->wake);
		return WG_ENOMEM;
	}
	return 0;
}

static void fini_sync(struct wg_scheduler *s)
{
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->done);
	pthread_cond_destroy(&s->wake);
}

int wg_scheduler_start(wg_store *store, const wg_scheduler_job *job, wg_scheduler **out)
{
	*out = NULL;
	if (!store || !job || !job->next_due || !job->due || !job->fire)
		return WG_EINTERNAL;
	struct wg_scheduler *s = wg_calloc(1, sizeof *s);
	if (!s)
		return WG_ENOMEM;
	s->store = store;
	s->job = *job;
	if (!s->job.name)
		s->job.name = "job";
	s->ids = wg_malloc((WG_SCHEDULER_BATCH + WG_SCHEDULER_BACKOFF_SLOTS) * sizeof *s->ids);
	s->backoff = wg_malloc(WG_SCHEDULER_BACKOFF_SLOTS * sizeof *s->backoff);
	if (!s->ids || !s->backoff || init_sync(s) != 0) {
		destroy(s);
		return WG_ENOMEM;
	}
	/* Signals are for the event loops; this thread only waits. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&s->thread, NULL, scheduler_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		fini_sync(s);
		destroy(s);
		return WG_ENOMEM;
	}
	pthread_mutex_lock(&global_lock);
	for (size_t i = 0; i < WG_SCHEDULER_RUNNING_MAX; i++)
		if (!running[i]) {
			running[i] = s;
			break;
		}
	pthread_mutex_unlock(&global_lock);
	*out = s;
	return 0;
}

void wg_scheduler_hint(wg_scheduler *s, int64_t when)
{
	if (when <= 0)
		when = 1; /* 0 means no hint */
	pthread_mutex_lock(&s->lock);
	if (!s->hint || when < s->hint)
		s->hint = when;
	if (s->target && (when < s->target || wg_clock_now_ms() >= s->target)) {
		s->kicked = true;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
}

void wg_scheduler_stop(wg_scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&global_lock);
	if (global == s)
		global = NULL;
	for (size_t i = 0; i < WG_SCHEDULER_RUNNING_MAX; i++)
		if (running[i] == s)
			running[i] = NULL;
	pthread_mutex_unlock(&global_lock);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	fini_sync(s);
	destroy(s);
}

void wg_scheduler_set_global(wg_scheduler *s)
{
	pthread_mutex_lock(&global_lock);
	global = s;
	pthread_mutex_unlock(&global_lock);
}

void wg_scheduler_hint_global(int64_t when)
{
	pthread_mutex_lock(&global_lock);
	if (global)
		wg_scheduler_hint(global, when);
	pthread_mutex_unlock(&global_lock);
}

void wg_scheduler_hint_all(int64_t when)
{
	pthread_mutex_lock(&global_lock);
	for (size_t i = 0; i < WG_SCHEDULER_RUNNING_MAX; i++)
		if (running[i])
			wg_scheduler_hint(running[i], when);
	pthread_mutex_unlock(&global_lock);
}

void wg_scheduler_get_stats(wg_scheduler *s, wg_scheduler_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

bool wg_scheduler_global_stats(wg_scheduler_stats *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&global_lock);
	bool any = global != NULL;
	if (any)
		wg_scheduler_get_stats(global, out);
	pthread_mutex_unlock(&global_lock);
	return any;
}
