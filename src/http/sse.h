/* sse.h - the live stream of notifications (GET /api/v1/events/stream):
 * server-sent events held open on their loop.
 *
 * A stream is a chunked evhttp reply that stays open on the loop that
 * accepted it. It starts with "retry: 3000", then, when the client gave a
 * Last-Event-ID, every notification the caller may hear after that id (read
 * in pages), and from then on what arrives. Each loop with open streams has
 * a timer (every WG_SSE_TICK_MS) that reads the notifications newer than
 * the loop's mark ONCE (domain/notification.h: wg_notification_since, on
 * the loop's own reader; on PostgreSQL the read runs on a pool thread and
 * comes back through the loop), and writes each row to every stream of the
 * loop whose caller may hear it (wg_notification_for). The same timer sends
 * a comment (": ping") on a stream quiet for WG_SSE_PING_S, and rechecks
 * each stream's session every WG_SSE_RECHECK_S, or sooner when the session
 * ends sooner: a session that ended (expired, signed out, account changed
 * or disabled) ends its stream after an event "session.ended". A stream
 * does not keep its session alive: it ends with the session's idle limit
 * unless the client does something else meanwhile.
 *
 * The event of notification row n:
 *
 *     id: <n.id>
 *     event: <n.kind>
 *     data: {"case_id":<n.case_id or null>,"at":"<RFC 3339>",...n.payload}
 *
 * Limits: WG_SSE_PER_LOOP_MAX streams per loop and WG_SSE_PER_USER_MAX per
 * account on the whole server (429 beyond). A client that stops reading is
 * cut off once WG_SSE_BACKLOG_MAX bytes wait unsent; it reconnects with
 * Last-Event-ID and loses nothing. A stream ends when its client closes
 * (evhttp's close callback; nothing is leaked or touched afterwards), when
 * its session ends, or when the server stops: shutdown ends every stream at
 * once and does not wait the grace period for them. Each stream is logged
 * and counted in the metrics when it ends, with the bytes it sent.
 *
 * Everything here runs on the stream's loop thread, except the reads, which
 * own copies of what they need and never touch a stream. */
#ifndef WG_HTTP_SSE_H
#define WG_HTTP_SSE_H

#include "domain/notification.h"
#include "http/request.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_SSE_PER_LOOP_MAX 10000
#define WG_SSE_PER_USER_MAX 5
#define WG_SSE_TICK_MS 1000
#define WG_SSE_PING_S 15
#define WG_SSE_RECHECK_S 60
#define WG_SSE_RETRY_MS 3000
#define WG_SSE_BACKLOG_MAX ((size_t)4 * 1024 * 1024)
#define WG_SSE_CONTENT_TYPE "text/event-stream; charset=utf-8"

/* Open the stream of req's caller (after the auth step), after_id < 0 to
 * start at the newest notification (no backlog), else to send every row the
 * caller may hear with a larger id first. HEAD gets the headers only.
 * Replies itself on every error (429 over a limit, 503 when the store
 * fails, memory runs out or the server is stopping); the handler returns
 * right after this call and does not touch req again. */
void wg_sse_open(wg_req *req, int64_t after_id);

/* A Last-Event-ID value: 1 to 19 decimal digits up to INT64_MAX, nothing
 * else (no sign, no space). Returns true with *id, false otherwise. */
bool wg_sse_parse_last_event_id(const char *s, int64_t *id);

/* The event text of n (the framing above, ending in a blank line) with "at"
 * in offset_minutes from UTC. A payload that is not a JSON object counts as
 * {}; its own "case_id" and "at" give way to the row's; a kind holding
 * anything but [A-Za-z0-9._-] is sent as "notification", so that no row can
 * break the framing. Returns the text (wg_malloc'd, the caller wg_frees it)
 * with its length in *len, or NULL when memory runs out. */
char *wg_sse_event_text(const wg_notification *n, int offset_minutes, size_t *len);

/* For server.c, on the loop's thread: end every stream of the loop
 * (shutdown begins; later opens get 503). */
struct wg_loop;
struct wg_server;
void wg__sse_stop(struct wg_loop *loop);
/* Free the loop's stream state, from wg_server_free: after the loop
 * thread ended and the store closed (every read has come back). */
void wg__sse_loop_free(struct wg_loop *loop);
/* Free the server-wide count of streams per account, from wg_server_free
 * after the loops. */
void wg__sse_server_free(struct wg_server *s);

#endif
