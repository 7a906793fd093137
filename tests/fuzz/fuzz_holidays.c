/* fuzz_holidays.c - the holiday file parser (wg_calendar_add_year) and the
 * office hours parser on arbitrary text, and the deadline arithmetic on
 * whatever loads.
 *
 * The same bytes go to both parsers. Office hours that parse must print
 * back to exactly the input (the form is strict) and make a calendar. A
 * holiday file that fails must say why ("fuzz: line ..." when it is not
 * JSON) and leave the calendar as it was; one that loads must give days
 * that keep the rules: a holiday is never a working day, a weekday outside
 * holidays always is, names are 1..32 characters. On such a calendar, for
 * times and counts taken from the input, counting back what was added
 * gives the count again and a working-day deadline is the close of a
 * working day. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/error.h"
#include "core/utf8.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const wg_office_hours standard = {{510, 840}, {720, 1050}, 2};

/* Days since 1970-01-01 of y-m-d (y >= 1970), counted plainly: the driver
 * must not share the arithmetic it checks. */
static int64_t day_number(int y, int m, int d)
{
	static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t n = 0;
	for (int k = 1970; k < y; k++)
		n += (k % 4 == 0 && k % 100 != 0) || k % 400 == 0 ? 366 : 365;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return n + before[m - 1] + (m > 2 && leap) + d - 1;
}

static bool weekday(int64_t z)
{
	int w = (int)((z + 4) % 7); /* 0 Sunday; 1970-01-01 was a Thursday */
	return w != 0 && w != 6;
}

static int64_t all_working(const wg_calendar *cal)
{
	int64_t a = day_number(WG_CALENDAR_YEAR_MIN, 1, 1) * 86400000 - 1;
	int64_t b = day_number(WG_CALENDAR_YEAR_MAX + 1, 1, 1) * 86400000 - 1;
	return wg_calendar_working_days_between(cal, a, b, 0);
}

static uint64_t mix(const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	return h;
}

/* text ends at its first NUL, like any C string the parser is given. */
static void check_hours(const char *text, wg_office_hours *hours)
{
	char err[200];
	wg_office_hours h;
	int rc = wg_office_hours_parse(text, &h, err, sizeof err);
	if (rc) {
		if (rc != WG_EVALIDATION || strncmp(err, "office hours", 12) != 0)
			abort();
		return;
	}
	char back[32];
	if (h.nspans == 1)
		snprintf(back, sizeof back, "%02d:%02d-%02d:%02d", h.start[0] / 60, h.start[0] % 60,
		         h.end[0] / 60, h.end[0] % 60);
	else
		snprintf(back, sizeof back, "%02d:%02d-%02d:%02d,%02d:%02d-%02d:%02d", h.start[0] / 60,
		         h.start[0] % 60, h.end[0] / 60, h.end[0] % 60, h.start[1] / 60, h.start[1] % 60,
		         h.end[1] / 60, h.end[1] % 60);
	if (strcmp(back, text) != 0 || err[0])
		abort();
	wg_calendar *cal = wg_calendar_new(&h);
	if (!cal)
		abort();
	wg_calendar_free(cal);
	*hours = h;
}

static void check_year(const wg_calendar *cal, const wg_office_hours *h, int year, uint64_t seed)
{
	int64_t working_day = -1;
	for (int m = 1; m <= 12; m++) {
		int64_t start = day_number(year, m, 1);
		int64_t next = m < 12 ? day_number(year, m + 1, 1) : day_number(year + 1, 1, 1);
		for (int d = 1; d <= next - start; d++) {
			int64_t z = start + d - 1;
			bool work = wg_calendar_is_working_day(cal, year, m, d);
			const char *name = wg_calendar_holiday(cal, year, m, d);
			if (name && (work || !wg_utf8_valid(name, strlen(name)) || strlen(name) == 0 ||
			             wg_utf8_count(name, strlen(name)) > WG_CALENDAR_NAME_MAX))
				abort();
			if (!name && weekday(z) && !work)
				abort();
			if (work && (working_day < 0 || (int64_t)(seed % 7) == z % 7))
				working_day = z;
		}
	}
	if (working_day < 0)
		return;
	/* A time in office hours of that day, offsets and counts from the input. */
	int span = (int)(seed % (uint64_t)h->nspans);
	int64_t x = h->start[span] * 60000LL +
	            (int64_t)((seed >> 8) % (uint64_t)((h->end[span] - h->start[span]) * 60000));
	int off = (int)((seed >> 24) % 1561) - 720;
	int64_t t = working_day * 86400000 + x - off * 60000LL;
	int64_t n = (int64_t)((seed >> 32) % 200000);
	int64_t u = wg_calendar_add_working_minutes(cal, t, n, off);
	if (u < t || wg_calendar_working_minutes_between(cal, t, u, off) != n)
		abort();
	int k = 1 + (int)((seed >> 40) % 400);
	u = wg_calendar_add_working_days(cal, t, k, off);
	if (wg_calendar_working_days_between(cal, t, u, off) != k)
		abort();
	int64_t lz = (u + off * 60000LL) / 86400000, lx = (u + off * 60000LL) % 86400000;
	if (lx != h->end[h->nspans - 1] * 60000LL)
		abort();
	/* The deadline's date, through the date interface. */
	int64_t days = lz, y = 1970;
	for (;; y++) {
		int64_t len = day_number((int)y + 1, 1, 1) - day_number((int)y, 1, 1);
		if (days < len)
			break;
		days -= len;
	}
	int m = 1;
	while (m < 12 && day_number((int)y, m + 1, 1) - day_number((int)y, 1, 1) <= days)
		m++;
	int d = (int)(days - (day_number((int)y, m, 1) - day_number((int)y, 1, 1))) + 1;
	if (!wg_calendar_is_working_day(cal, (int)y, m, d))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes for the holiday parser, so that
	 * reading past it is caught, and a terminated one for the hours. */
	char *text = malloc(size ? size : 1), *str = malloc(size + 1);
	if (!text || !str)
		abort();
	memcpy(text, data, size);
	memcpy(str, data, size);
	str[size] = '\0';
	wg_office_hours hours = standard;
	check_hours(str, &hours);

	wg_calendar *cal = wg_calendar_new(&hours);
	if (!cal)
		abort();
	static int64_t empty_count = -1;
	if (empty_count < 0)
		empty_count = all_working(cal);
	char err[400];
	int rc = wg_calendar_add_year(cal, text, size, "fuzz", err, sizeof err);
	if (rc) {
		if ((rc != WG_EBADREQ && rc != WG_EVALIDATION) || strncmp(err, "fuzz: ", 6) != 0 ||
		    (rc == WG_EBADREQ && strncmp(err, "fuzz: line ", 11) != 0))
			abort();
		if (all_working(cal) != empty_count)
			abort();
	} else {
		if (err[0])
			abort();
		json_t *doc = json_loadb(text, size, 0, NULL);
		json_t *year = json_object_get(doc, "year");
		if (!json_is_integer(year))
			abort();
		int y = (int)json_integer_value(year);
		/* The same text again is the same year twice. */
		if (wg_calendar_add_year(cal, text, size, "fuzz", err, sizeof err) != WG_EVALIDATION)
			abort();
		check_year(cal, &hours, y, mix(data, size));
		json_decref(doc);
	}
	wg_calendar_free(cal);
	free(text);
	free(str);
	return 0;
}
