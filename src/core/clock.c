#include "core/clock.h"

#include "core/error.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

int64_t wg_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The year is taken to start on 1 March, so that the leap day ends it and
 * the month lengths from March on follow a fixed pattern (153 days per
 * five months); a 400-year era has exactly 146097 days. */
int64_t wg_days_from_civil(int64_t y, int m, int d)
{
	if (m <= 2)
		y--;
	int64_t era = wg_floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t mar = m > 2 ? m - 3 : m + 9;
	int64_t doy = (153 * mar + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468; /* 719468: days from 0000-03-01 to 1970-01-01 */
}

void wg_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = wg_floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	/* Leap days drop out: one per 1460 days, none per 36524, one per 146096. */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mar = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mar + 2) / 5 + 1);
	*m = (int)(mar < 10 ? mar + 3 : mar - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* n decimal digits of v at p, zero-padded; returns p + n. */
static char *put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

int wg_clock_format_rfc3339(int64_t ms, int offset_minutes, int with_ms, char *buf, size_t len)
{
	if (offset_minutes < -MAX_OFFSET_MINUTES || offset_minutes > MAX_OFFSET_MINUTES ||
	    ms < MIN_MS - 86400000 || ms > MAX_MS + 86400000)
		return WG_EBADREQ;
	int64_t local_ms = ms + (int64_t)offset_minutes * 60000;
	if (local_ms < MIN_MS || local_ms > MAX_MS)
		return WG_EBADREQ;
	/* "YYYY-MM-DDTHH:MM:SS" 19, ".mmm" 4, "+hh:mm" 6 or "Z" 1, NUL 1. */
	size_t need = 19 + (with_ms ? 4 : 0) + (offset_minutes ? 6 : 1) + 1;
	if (len < need)
		return WG_EBADREQ;
	/* Floor division, so that times before 1970 keep a positive fraction. */
	int64_t day = wg_floor_div(local_ms, 86400000), in_day = local_ms - day * 86400000;
	int64_t y;
	int m, d;
	wg_civil_from_days(day, &y, &m, &d);
	char *p = put_digits(buf, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, in_day / 3600000, 2);
	*p++ = ':';
	p = put_digits(p, in_day / 60000 % 60, 2);
	*p++ = ':';
	p = put_digits(p, in_day / 1000 % 60, 2);
	if (with_ms) {
		*p++ = '.';
		p = put_digits(p, in_day % 1000, 3);
	}
	if (offset_minutes == 0) {
		*p++ = 'Z';
	} else {
		int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
		*p++ = offset_minutes < 0 ? '-' : '+';
		p = put_digits(p, a / 60, 2);
		*p++ = ':';
		p = put_digits(p, a % 60, 2);
	}
	*p = '\0';
	return 0;
}

/* n decimal digits at s into *out; false if any is not a digit. */
static bool read_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int wg_clock_parse_rfc3339(const char *s, int64_t *ms)
{
	static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec;
	/* "YYYY-MM-DDTHH:MM:SS" is 19 fixed characters; strnlen keeps the
	 * field reads below inside the string. */
	if (!s || strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || !read_digits(s, 4, &y) || !read_digits(s + 5, 2, &mo) ||
	    !read_digits(s + 8, 2, &d) || !read_digits(s + 11, 2, &h) || !read_digits(s + 14, 2, &mi) ||
	    !read_digits(s + 17, 2, &sec))
		return WG_EBADREQ;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60 ||
	    d > month_days[mo - 1] + (mo == 2 && leap_year(y)))
		return WG_EBADREQ;
	const char *p = s + 19;
	int frac = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return WG_EBADREQ;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	int offset = 0;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		offset = 0;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!read_digits(p + 1, 2, &oh) || p[3] != ':' || !read_digits(p + 4, 2, &om) ||
		    p[6] != '\0' || oh > 23 || om > 59)
			return WG_EBADREQ;
		offset = (oh * 60 + om) * (*p == '-' ? -1 : 1);
	} else {
		return WG_EBADREQ;
	}
	/* POSIX time has no leap seconds: 23:59:60 is the last second of its
	 * minute, not the first of the next day. */
	if (sec == 60)
		sec = 59;
	int64_t secs = wg_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec -
	               (int64_t)offset * 60;
	*ms = secs * 1000 + frac;
	return 0;
}
