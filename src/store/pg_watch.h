/* pg_watch.h - a PostgreSQL connection of its own that LISTENs on one
 * channel and counts what may have changed (private to src/store; the
 * store's wg_store_session_epoch is built on it).
 *
 * A thread connects (with TCP keepalives, so that a dead link is noticed
 * within about ten seconds), runs LISTEN and then waits on the socket. The
 * epoch moves on every notification, every time the connection is lost and
 * every time LISTEN is in force again, and whenever the owner calls
 * wg__pg_watch_bump. While the thread is not listening the epoch reads 0:
 * a change made meanwhile would not be heard, so nothing may be trusted on
 * its strength. A value read at some moment thus stays the current value
 * only as long as nothing that channel speaks of has changed since. Lost
 * connections are retried every second and logged once per outage. */
#ifndef WG_STORE_PG_WATCH_H
#define WG_STORE_PG_WATCH_H

#include <stdint.h>

typedef struct wg_pg_watch wg_pg_watch;

/* Start watching channel (an SQL identifier) of the database at conninfo
 * (a libpq URL or key=value string). The thread connects by itself, so
 * an unreachable server is not an error here. Returns 0 with *out, or
 * WG_ENOMEM / WG_EINTERNAL (no thread). Stop with wg__pg_watch_stop. */
int wg__pg_watch_start(const char *conninfo, const char *channel, wg_pg_watch **out);

/* The current epoch: never 0 while listening, 0 while not. Any thread. */
uint64_t wg__pg_watch_epoch(wg_pg_watch *w);

/* Move the epoch, for a change the owner knows of before any notification
 * can arrive (this process's own commits). Any thread. */
void wg__pg_watch_bump(wg_pg_watch *w);

/* Stop the thread (within a poll interval, or a connect timeout while it
 * connects) and free w. NULL is a no-op. */
void wg__pg_watch_stop(wg_pg_watch *w);

#endif
