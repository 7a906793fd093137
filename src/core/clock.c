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

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar,
 * counted in 400-year eras (146,097 days each) from a year that starts in
 * March, so that the leap day falls at the end of the year. */
static int64_t civil_to_days(int y, int m, int d)
{
	if (m <= 2)
		y--;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + day_of_era - 719468;
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
	int64_t secs = civil_to_days(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec -
	               (int64_t)offset * 60;
	*ms = secs * 1000 + frac;
	return 0;
}
