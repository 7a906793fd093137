/* workpool.h - threads for CPU-heavy work that must not run on an event
 * loop or the database writer: password hashing and verification (argon2id
 * takes tens of milliseconds by design), later report rendering.
 *
 * Jobs run in submission order on any of the pool's threads; done is called
 * on that thread right after fn, and the HTTP layer posts it back to the
 * request's loop. */
#ifndef WG_CORE_WORKPOOL_H
#define WG_CORE_WORKPOOL_H

typedef struct wg_workpool wg_workpool;

typedef int (*wg_work_fn)(void *arg);
typedef void (*wg_work_done_fn)(void *arg, int status);

/* Start n threads (at least 1). NULL when threads or memory are lacking. */
wg_workpool *wg_workpool_new(unsigned n);

/* Queue fn(arg); done(arg, fn's result) follows on the same thread.
 * Returns 0, WG_ENOMEM, or WG_ESHUTDOWN once wg_workpool_free has begun (done
 * is then not called). */
int wg_workpool_submit(wg_workpool *p, wg_work_fn fn, wg_work_done_fn done, void *arg);

/* Run every queued job, stop the threads and free the pool. */
void wg_workpool_free(wg_workpool *p);

#endif
