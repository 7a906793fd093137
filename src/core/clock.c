#include "core/clock.h"

#include "core/error.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int64_t fixed_ms;

int64_t wg_clock_now_ms(void)
{
	int64_t f = atomic_load(&fixed_ms);
	if (f)
		return f;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wg_clock_set_ms(int64_t ms)
{
	atomic_store(&fixed_ms, ms);
}

int64_t wg_clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* RFC 3339 has four-digit years and two-digit offset hours, so anything
 * outside those is refused rather than written in a form no parser takes;
 * the bounds also keep the arithmetic below far from int64 overflow. */
enum { MAX_OFFSET_MINUTES = 23 * 60 + 59 };
#define MIN_MS INT64_C(-62167219200000) /* 0000-01-01T00:00:00Z */
#define MAX_MS INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

int wg_clock_format_rfc3339(int64_t ms, int offset_minutes, int with_ms, char *buf, size_t len)
{
	if (offset_minutes < -MAX_OFFSET_MINUTES || offset_minutes > MAX_OFFSET_MINUTES ||
	    ms < MIN_MS - 86400000 || ms > MAX_MS + 86400000)
		return WG_EBADREQ;
	int64_t local_ms = ms + (int64_t)offset_minutes * 60000;
	if (local_ms < MIN_MS || local_ms > MAX_MS)
		return WG_EBADREQ;
	/* Floor division, so that times before 1970 keep a positive fraction. */
	int64_t secs = local_ms / 1000, frac = local_ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return WG_EBADREQ;
	char offset[8] = "Z";
	if (offset_minutes != 0) {
		int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
		offset[0] = offset_minutes < 0 ? '-' : '+';
		offset[1] = (char)('0' + a / 600);
		offset[2] = (char)('0' + a / 60 % 10);
		offset[3] = ':';
		offset[4] = (char)('0' + a % 60 / 10);
		offset[5] = (char)('0' + a % 10);
		offset[6] = '\0';
	}
	int n;
	if (with_ms)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm.tm_year + 1900,
		             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac, offset);
	else
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
		             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset);
	return n < 0 || (size_t)n >= len ? WG_EBADREQ : 0;
}
