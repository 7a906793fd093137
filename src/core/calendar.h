/* calendar.h - working days and working hours (工作日 / 调休).
 *
 * Time limits in the field count working days on the official holiday
 * calendar, which moves weekends every year: a public holiday on a weekday
 * is a day off, and a swapped working day (调休上班) on a Saturday or
 * Sunday is a working day. data/holidays/YYYY.json gives both for a year,
 * as the State Council's notice (国务院办公厅关于YYYY年部分节假日安排的通知)
 * publishes them:
 *
 *   {"year": 2026,
 *    "source": "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)",
 *    "holidays": [{"name": "春节", "from": "2026-02-15", "to": "2026-02-23"}, ...],
 *    "workdays": ["2026-02-14", "2026-02-28", ...]}
 *
 *   year      required, 2000..2099 (WG_CALENDAR_YEAR_MIN..MAX).
 *   source    optional, 1..200 characters without control characters: where
 *             the dates come from (the notice, or how they were derived when
 *             no notice is out yet). Checked, not kept.
 *   holidays  required, 1..32 spans {name, from, to}: name 1..32
 *             characters without control characters; from and to dates
 *             YYYY-MM-DD of this year, to not before from, at most 31 days
 *             inclusive; no day in two spans. A span is the whole break
 *             including the weekend it joins (端午节 2024: 06-08..06-10),
 *             so that every day of it carries the holiday's name; a break
 *             across New Year is split between the two years' files.
 *   workdays  required (may be empty): the swapped working days, each a
 *             Saturday or Sunday of this year, listed once, in no holiday.
 *
 * A day is a working day when it is listed in "workdays", else when it is
 * Monday to Friday and lies in no holiday. Days of years with no file count
 * Monday to Friday. Working hours are the office hours of a working day
 * (one or two spans, local time, e.g. 08:30-12:00 and 14:00-17:30).
 *
 * Every function below except the loaders is pure: times are UTC
 * milliseconds, converted to local time with the zone offset in minutes
 * (480 for Asia/Shanghai, which has no daylight saving). Times are clamped
 * to +-WG_CALENDAR_TIME_LIMIT so that no arithmetic can overflow; no real
 * time comes near it. A loaded calendar is never changed by the pure
 * functions, so any number of threads may read it at once; adding a year
 * while others read needs the caller's lock. wg_calendar_replace_year may
 * run while others read: a reader sees a year as it was or as it is, whole
 * (a computation spanning two years may see one old and one new). */
#ifndef WG_CORE_CALENDAR_H
#define WG_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_CALENDAR_YEAR_MIN 2000
#define WG_CALENDAR_YEAR_MAX 2099
#define WG_CALENDAR_HOLIDAYS_MAX 32                  /* holiday spans in one year's file */
#define WG_CALENDAR_NAME_MAX 32                      /* characters of a holiday's name */
#define WG_CALENDAR_SOURCE_MAX 200                   /* characters of "source" */
#define WG_CALENDAR_SPAN_MAX 31                      /* days of one holiday span */
#define WG_CALENDAR_FILE_MAX 1048576                 /* bytes of a file wg_calendar_load_dir reads */
#define WG_CALENDAR_TIME_LIMIT 1000000000000000000LL /* ms, about 31 million years */
#define WG_CALENDAR_MINUTES_MAX 1000000000LL         /* n of wg_calendar_add_working_minutes */

/* Office hours: spans [start, end) in minutes after local midnight,
 * ordered and not overlapping: 0 <= start[0] < end[0] < start[1] < end[1]
 * <= 1440. */
typedef struct wg_office_hours {
	int start[2], end[2];
	int nspans; /* 1 or 2 */
} wg_office_hours;

typedef struct wg_calendar wg_calendar;

/* Parse "HH:MM-HH:MM" or "HH:MM-HH:MM,HH:MM-HH:MM" (no spaces; hours 00..23
 * with minutes 00..59, or 24:00 as an end; each span non-empty, the second
 * starting after the first ends). Returns 0 with *out set, or WG_EVALIDATION
 * with the reason in err and *out unchanged. Allocates nothing. */
int wg_office_hours_parse(const char *spec, wg_office_hours *out, char *err, size_t errlen);

/* An empty calendar (every year counts Monday to Friday) with a copy of
 * these office hours. Returns NULL when out of memory, or when hours is
 * NULL or not office hours as described above. The caller owns the
 * calendar and frees it with wg_calendar_free (NULL is fine), which also
 * frees every holiday name it handed out. */
wg_calendar *wg_calendar_new(const wg_office_hours *hours);
void wg_calendar_free(wg_calendar *cal);

/* Add one year's file text (as above); file names it in messages. Every
 * rule above is checked; a year the calendar already holds, dates outside
 * the year, a holiday span ending before it starts or longer than 31 days,
 * two spans sharing a day, a working day that is Monday to Friday or
 * listed twice, a day both a holiday and a working day, unknown or missing
 * members: WG_EVALIDATION ("FILE: holidays[2].to: ..."); not JSON:
 * WG_EBADREQ ("FILE: line L column C: ..."); WG_ENOMEM (one allocation
 * per year). On failure the calendar is unchanged. */
int wg_calendar_add_year(wg_calendar *cal, const char *text, size_t len, const char *file, char *err,
                         size_t errlen);

/* Check one year's text as wg_calendar_add_year would (but a year the
 * calendar holds is fine), without changing the calendar; *year gets its
 * year. Returns as wg_calendar_add_year. */
int wg_calendar_check_year(const wg_calendar *cal, const char *text, size_t len, const char *file, int *year,
                           char *err, size_t errlen);

/* Put one year's text in place of the year the calendar holds (or add
 * it), safely while other threads read the calendar (an edit of the
 * holidays, GET/PUT /calendar/{year}). The year replaced stays allocated,
 * with its holiday names, until wg_calendar_free. Returns as
 * wg_calendar_add_year; on failure the calendar is unchanged. */
int wg_calendar_replace_year(wg_calendar *cal, const char *text, size_t len, const char *file, char *err,
                             size_t errlen);

/* Load every YYYY.json in dir (other names are ignored) into a new
 * calendar, in the order of the years; a file's "year" must be the year
 * of its name. Returns 0 with *out set (the caller frees it with
 * wg_calendar_free). On failure *out is NULL, nothing stays allocated, and
 * err says why, naming the file as DIR/YYYY.json: WG_EIO (folder or file
 * unreadable); WG_EVALIDATION (hours not valid office hours, a file over
 * WG_CALENDAR_FILE_MAX bytes or naming another year, or a rule of
 * wg_calendar_add_year); WG_EBADREQ (not JSON); WG_ENOMEM. */
int wg_calendar_load_dir(const char *dir, const wg_office_hours *hours, wg_calendar **out, char *err,
                         size_t errlen);

/* Whether a file for the year was loaded (a year without one counts Monday
 * to Friday as working days). False for a year outside
 * WG_CALENDAR_YEAR_MIN..MAX. */
bool wg_calendar_has_year(const wg_calendar *cal, int year);

/* The local calendar year of t_ms. */
int wg_calendar_year_of(int64_t t_ms, int offset_minutes);

/* Whether the local date y-m-d is a working day; false for a date that
 * does not exist (2026-02-30). */
bool wg_calendar_is_working_day(const wg_calendar *cal, int y, int m, int d);

/* The holiday's name when y-m-d lies in one, else NULL. The name belongs
 * to the calendar: valid until wg_calendar_free. */
const char *wg_calendar_holiday(const wg_calendar *cal, int y, int m, int d);

/* One day as the holiday calendar shows it (GET /calendar). */
typedef struct wg_calendar_day {
	int year, month, day;
	int weekday;  /* 1 Monday .. 7 Sunday (ISO 8601) */
	bool working; /* as wg_calendar_is_working_day */
	bool known;   /* the year's file was loaded */
	/* The holiday's name when the day lies in one, else NULL. */
	const char *holiday;
	/* For a swapped working day (a Saturday or Sunday the file lists as a
	 * working day) the name of the holiday it is swapped for, else NULL.
	 * The file does not say which break a swapped day pays for, and the
	 * notices always put it next to its break, so this is the holiday
	 * nearest the day in the same year (the earlier one on a tie). */
	const char *swapped_for;
} wg_calendar_day;

/* Days since 1970-01-01 of the date y-m-d (proleptic Gregorian, years
 * 1..9999) in *out. Returns false, *out unchanged, for a date that does
 * not exist. */
bool wg_calendar_day_number(int y, int m, int d, int64_t *out);

/* The local day number (as above) of t_ms. */
int64_t wg_calendar_local_day(int64_t t_ms, int offset_minutes);

/* Describe the day with day number z (years 1..9999: z from -719162 to
 * 2932896; others are clamped to those bounds) into *out. The names
 * belong to the calendar: valid until wg_calendar_free. Allocates
 * nothing. */
void wg_calendar_describe(const wg_calendar *cal, int64_t z, wg_calendar_day *out);

/* The deadline of n working days counted from t: the end of the office
 * hours of the n-th working day after t's local date (n >= 1); n == 0 (or
 * below) is the end of the office hours of t's date if it is a working day
 * and t is before that end, else of the next working day. */
int64_t wg_calendar_add_working_days(const wg_calendar *cal, int64_t t_ms, int n, int offset_minutes);

/* The moment when n working hours (n >= 0, in minutes: 60 * hours) of
 * office time have passed since t. Time outside office hours does not
 * count: from a Friday 17:00 with office hours ending 17:30, 60 minutes
 * end 30 minutes into Monday's first span (or the next working day's).
 * An n that runs out exactly at the end of a span gives that end, not the
 * start of the next span. n == 0 (or below) is t itself when t lies in
 * office hours, else the start of the next span; n above
 * WG_CALENDAR_MINUTES_MAX counts as that. */
int64_t wg_calendar_add_working_minutes(const wg_calendar *cal, int64_t t_ms, int64_t n, int offset_minutes);

/* Minutes of office time between a and b (0 when b <= a), rounded down:
 * what the statistics use for mean handling time in working hours. For t
 * in office hours, wg_calendar_working_minutes_between(t,
 * wg_calendar_add_working_minutes(t, n)) == n. */
int64_t wg_calendar_working_minutes_between(const wg_calendar *cal, int64_t a_ms, int64_t b_ms,
                                            int offset_minutes);

/* Working days from a's local date to b's (the days after a's date up to
 * and including b's date that are working days; 0 when b <= a; INT_MAX at
 * most). For n >= 1, wg_calendar_working_days_between(t,
 * wg_calendar_add_working_days(t, n)) == n. */
int wg_calendar_working_days_between(const wg_calendar *cal, int64_t a_ms, int64_t b_ms, int offset_minutes);

#endif
