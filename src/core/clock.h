/* clock.h - the injectable clock.
 *
 * All wall-clock reads go through wg_clock_now_ms so that tests can set time
 * instead of sleeping. Monotonic time (latency, timeouts) uses
 * wg_clock_mono_us and is never faked. */
#ifndef WG_CORE_CLOCK_H
#define WG_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (UTC), or the fixed test time if set. */
int64_t wg_clock_now_ms(void);

/* Fix the clock at ms (tests); 0 returns to the real clock. */
void wg_clock_set_ms(int64_t ms);

/* Monotonic microseconds for measuring durations. */
int64_t wg_clock_mono_us(void);

/* a / b rounded toward minus infinity (b > 0). */
int64_t wg_floor_div(int64_t a, int64_t b);

/* Days since 1970-01-01 of y-m-d in the proleptic Gregorian calendar, and
 * back. */
int64_t wg_days_from_civil(int64_t y, int m, int d);
void wg_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* Format ms as RFC 3339 with the given offset in minutes
 * ("2026-11-24T09:30:00.123+08:00" when with_ms, else without fraction).
 * Writes at most len bytes; returns 0, or WG_EBADREQ if len is too small,
 * the offset is beyond +-23:59 or the local year outside 0000..9999. */
int wg_clock_format_rfc3339(int64_t ms, int offset_minutes, int with_ms, char *buf, size_t len);

/* Parse an RFC 3339 date-time with its offset into *ms (UTC milliseconds):
 * "2026-11-24T09:30:00+08:00", "...Z", lower-case t and z, an optional
 * fraction of any length (cut to milliseconds). A time without an offset
 * is refused rather than guessed; a leap second (:60) is taken as :59.
 * Returns 0, or WG_EBADREQ for anything else (*ms untouched). Allocates
 * nothing. */
int wg_clock_parse_rfc3339(const char *s, int64_t *ms);

#endif
