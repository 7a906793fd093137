/* ratelimit.h - attempts per client address on the sign-in path.
 *
 * A token bucket per key (the client address): up to per_minute attempts
 * at once, refilled at per_minute a minute. The table has a fixed number of
 * slots, so memory stays the same whatever keys an attacker sends: a new
 * key takes a free slot near its hash, else one whose bucket has refilled
 * (it holds nothing worth keeping), else the least recently used one there.
 * Keys are hashed with SipHash under a random key made at creation, so an
 * attacker cannot pick keys that collide with a victim's. Thread-safe (one
 * mutex); time is passed in, so tests never sleep. The per-account lockout
 * is elsewhere: this only slows one address guessing many accounts. */
#ifndef WG_CORE_RATELIMIT_H
#define WG_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define WG_RATELIMIT_SLOTS 4096

typedef struct wg_ratelimit wg_ratelimit;

/* A limiter allowing per_minute attempts a minute per key (1 or more).
 * NULL when per_minute is 0 or memory runs out. The caller owns it and frees
 * it with wg_ratelimit_free. */
wg_ratelimit *wg_ratelimit_new(unsigned per_minute);

/* Take one attempt for key (NUL-terminated, any length) at now_ms
 * (milliseconds, e.g. wg_clock_now_ms()). True when allowed. When refused,
 * sets *retry_after_ms (if not NULL) to the milliseconds until the next
 * attempt will be allowed (at least 1), for a Retry-After header; it is set
 * to 0 when allowed. A clock that steps back refills nothing. */
bool wg_ratelimit_allow(wg_ratelimit *r, const char *key, int64_t now_ms, int64_t *retry_after_ms);

/* Free a limiter no thread uses any more; NULL is ignored. */
void wg_ratelimit_free(wg_ratelimit *r);

#endif
