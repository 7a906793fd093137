/* pg_watch.c - LISTEN on a connection of its own (pg_watch.h). */
#include "store/pg_watch.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
	POLL_MS = 200,    /* how soon a stop is noticed while listening */
	RETRY_MS = 1000,  /* between attempts to connect */
	CHANNEL_MAX = 63, /* PostgreSQL's identifier length */
};

struct wg_pg_watch {
	char *conninfo;
	char listen_sql[CHANNEL_MAX + 16];
	pthread_t thread;
	atomic_bool stop;
	atomic_bool listening;
	atomic_ullong epoch; /* starts at 1, only grows */
};

uint64_t wg__pg_watch_epoch(wg_pg_watch *w)
{
	if (!atomic_load_explicit(&w->listening, memory_order_acquire))
		return 0;
	return atomic_load_explicit(&w->epoch, memory_order_acquire);
}

void wg__pg_watch_bump(wg_pg_watch *w)
{
	atomic_fetch_add_explicit(&w->epoch, 1, memory_order_acq_rel);
}

/* Sleeps ms unless asked to stop; false when asked. */
static bool pause_ms(wg_pg_watch *w, int ms)
{
	for (int slept = 0; slept < ms; slept += POLL_MS) {
		if (atomic_load(&w->stop))
			return false;
		struct timespec t = {.tv_sec = 0, .tv_nsec = (long)POLL_MS * 1000000L};
		nanosleep(&t, NULL);
	}
	return !atomic_load(&w->stop);
}

static void log_outage(const char *msg, PGconn *conn)
{
	wg_json_out *out = wg_log_line_begin(WG_LOG_WARN, msg);
	if (!out)
		return;
	wg_json_kv_string(out, "error", conn ? PQerrorMessage(conn) : "out of memory");
	wg_log_line_end(out);
}

/* Frees the notifications received; true when there were any. */
static bool drain(PGconn *conn)
{
	bool heard = false;
	PGnotify *note;
	while ((note = PQnotifies(conn)) != NULL) {
		heard = true;
		PQfreemem(note);
	}
	return heard;
}

/* The server's FATAL on a killed connection is logged as a lost one. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A connection with LISTEN in force, or NULL (logged unless quiet). */
static PGconn *open_listening(wg_pg_watch *w, bool quiet)
{
	/* The URL's own settings come first; what follows adds to them. */
	const char *keys[] = {
		"dbname",          "fallback_application_name", "connect_timeout",  "keepalives",
		"keepalives_idle", "keepalives_interval",       "keepalives_count", NULL};
	const char *values[] = {w->conninfo, "wangge-watch", "5", "1", "5", "2", "2", NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	if (conn && PQstatus(conn) == CONNECTION_OK) {
		PQsetNoticeProcessor(conn, ignore_notice, NULL);
		PGresult *r = PQexec(conn, w->listen_sql);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (ok && PQsetnonblocking(conn, 1) == 0) {
			(void)drain(conn); /* the caller starts a new epoch anyway */
			return conn;
		}
	}
	if (!quiet)
		log_outage("session watch: cannot listen; sessions are read from the database meanwhile",
		           conn);
	PQfinish(conn);
	return NULL;
}

/* Waits for notifications until the connection fails or a stop; true
 * when the connection failed. */
static bool listen_until_lost(wg_pg_watch *w, PGconn *conn)
{
	struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
	while (!atomic_load(&w->stop)) {
		if (poll(&p, 1, POLL_MS) <= 0)
			continue; /* nothing yet, or EINTR */
		if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
			return true;
		if (drain(conn))
			wg__pg_watch_bump(w);
	}
	return false;
}

static void *watch_main(void *arg)
{
	wg_pg_watch *w = arg;
	bool outage_logged = false;
	while (!atomic_load(&w->stop)) {
		PGconn *conn = open_listening(w, outage_logged);
		if (!conn) {
			outage_logged = true;
			if (!pause_ms(w, RETRY_MS))
				break;
			continue;
		}
		if (outage_logged)
			wg_log(WG_LOG_INFO, "session watch: listening again");
		outage_logged = false;
		/* Whatever changed while nobody listened is unknown: a new epoch. */
		wg__pg_watch_bump(w);
		atomic_store_explicit(&w->listening, true, memory_order_release);
		bool lost = listen_until_lost(w, conn);
		atomic_store_explicit(&w->listening, false, memory_order_release);
		wg__pg_watch_bump(w);
		if (lost) {
			log_outage("session watch: connection lost; sessions are read from the database "
			           "meanwhile",
			           conn);
			outage_logged = true;
		}
		PQfinish(conn);
	}
	return NULL;
}

int wg__pg_watch_start(const char *conninfo, const char *channel, wg_pg_watch **out)
{
	*out = NULL;
	size_t n = strlen(channel);
	if (n == 0 || n > CHANNEL_MAX || strspn(channel, "abcdefghijklmnopqrstuvwxyz_0123456789") != n)
		return WG_EINTERNAL;
	wg_pg_watch *w = wg_calloc(1, sizeof *w);
	if (!w)
		return WG_ENOMEM;
	w->conninfo = wg_strdup(conninfo);
	if (!w->conninfo) {
		wg_free(w);
		return WG_ENOMEM;
	}
	snprintf(w->listen_sql, sizeof w->listen_sql, "LISTEN %s", channel);
	atomic_init(&w->stop, false);
	atomic_init(&w->listening, false);
	atomic_init(&w->epoch, 1);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		wg_free(w->conninfo);
		wg_free(w);
		return WG_EINTERNAL;
	}
	*out = w;
	return 0;
}

void wg__pg_watch_stop(wg_pg_watch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	wg_free(w->conninfo);
	wg_free(w);
}
