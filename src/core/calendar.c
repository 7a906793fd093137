#include "core/calendar.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/utf8.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL
#define MINUTE_MS 60000LL
#define NYEARS (WG_CALENDAR_YEAR_MAX - WG_CALENDAR_YEAR_MIN + 1)

/* A day's byte: whether it is a working day, and which holiday (index + 1,
 * 0 for none) it lies in. One byte per day keeps a year in 366 bytes and a
 * lookup a single load. */
#define DAY_WORK 0x80u
#define DAY_HOLIDAY 0x7fu

struct cal_year {
	uint8_t day[366];              /* by day of the year, 0 = 1 January */
	int nwork;                     /* working days in the year, to skip it whole */
	struct cal_year *retired_next; /* replaced: kept until the calendar is freed */
	const char *name[WG_CALENDAR_HOLIDAYS_MAX];
	char names[]; /* the names, each NUL-terminated, that name[] points into */
};

struct wg_calendar {
	wg_office_hours hours;
	int64_t span_start[2], span_end[2]; /* ms after local midnight */
	int64_t day_ms;                     /* office time of a working day */
	/* Readers load a year's pointer once per lookup; wg_calendar_replace_year
	 * swaps in a new one, so a reader sees the old year or the new, whole. */
	_Atomic(struct cal_year *) year[NYEARS];
	pthread_mutex_t replace_lock; /* one replacing writer at a time */
	struct cal_year *retired;     /* replaced years: their names stay valid until freed */
};

static struct cal_year *year_at(const wg_calendar *cal, int i)
{
	return atomic_load_explicit(&((wg_calendar *)cal)->year[i], memory_order_acquire);
}

/* ---- civil dates ---------------------------------------------------------- */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool date_ok(int64_t y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* 0 Sunday .. 6 Saturday; 1970-01-01 was a Thursday. */
static int weekday(int64_t z)
{
	return (int)(z + 4 - wg_floor_div(z + 4, 7) * 7);
}

static bool weekend(int64_t z)
{
	int w = weekday(z);
	return w == 0 || w == 6;
}

/* Monday-to-Friday days before day k of a count whose day 0 is the Monday
 * 1969-12-29 (k = z + 3). */
static int64_t weekdays_before(int64_t k)
{
	int64_t q = wg_floor_div(k, 7), r = k - q * 7;
	return 5 * q + (r < 5 ? r : 5);
}

/* Monday-to-Friday days in [lo, hi]. */
static int64_t weekdays_in(int64_t lo, int64_t hi)
{
	return hi < lo ? 0 : weekdays_before(hi + 4) - weekdays_before(lo + 3);
}

/* The n-th (n >= 1) Monday-to-Friday day after z. */
static int64_t nth_weekday_after(int64_t z, int64_t n)
{
	/* The smallest k with weekdays_before(k) == g: the day k - 1 is the one. */
	int64_t g = weekdays_before(z + 4) + n;
	int64_t q = wg_floor_div(g - 1, 5);
	return 7 * q + (g - 5 * q) - 4;
}

/* ---- the day table ---------------------------------------------------------- */

/* The first day of WG_CALENDAR_YEAR_MIN and the day after WG_CALENDAR_YEAR_MAX. */
static int64_t table_first(void)
{
	return wg_days_from_civil(WG_CALENDAR_YEAR_MIN, 1, 1);
}

static int64_t table_end(void)
{
	return wg_days_from_civil(WG_CALENDAR_YEAR_MAX + 1, 1, 1);
}

/* The year's table holding day z (its day of the year in *doy), or NULL
 * when that year has none; *first and *last get the bounds of the stretch
 * z lies in that the same rule covers: its year within the table's years,
 * else everything before or after them. */
static const struct cal_year *block_of(const wg_calendar *cal, int64_t z, int64_t *first, int64_t *last,
                                       int *doy)
{
	int64_t lo = table_first(), hi = table_end();
	*doy = 0;
	if (z < lo) {
		*first = -WG_CALENDAR_TIME_LIMIT;
		*last = lo - 1;
		return NULL;
	}
	if (z >= hi) {
		*first = hi;
		*last = WG_CALENDAR_TIME_LIMIT;
		return NULL;
	}
	int64_t y;
	int m, d;
	wg_civil_from_days(z, &y, &m, &d);
	*first = wg_days_from_civil(y, 1, 1);
	*last = wg_days_from_civil(y + 1, 1, 1) - 1;
	*doy = (int)(z - *first);
	return year_at(cal, (int)(y - WG_CALENDAR_YEAR_MIN));
}

bool wg_calendar_has_year(const wg_calendar *cal, int year)
{
	return year >= WG_CALENDAR_YEAR_MIN && year <= WG_CALENDAR_YEAR_MAX &&
	       year_at(cal, year - WG_CALENDAR_YEAR_MIN);
}

int wg_calendar_year_of(int64_t t_ms, int offset_minutes)
{
	int64_t y;
	int m, d;
	wg_civil_from_days(wg_floor_div(t_ms + (int64_t)offset_minutes * 60000, 86400000), &y, &m, &d);
	return (int)y;
}

static bool working(const wg_calendar *cal, int64_t z)
{
	int64_t first, last;
	int doy;
	const struct cal_year *cy = block_of(cal, z, &first, &last, &doy);
	return cy ? (cy->day[doy] & DAY_WORK) != 0 : !weekend(z);
}

/* Working days in [lo, hi]: a block at a time, whole years of a table by
 * their count, so the cost grows with the years crossed, not the days. */
static int64_t count_working(const wg_calendar *cal, int64_t lo, int64_t hi)
{
	int64_t n = 0;
	while (lo <= hi) {
		int64_t first, last;
		int doy;
		const struct cal_year *cy = block_of(cal, lo, &first, &last, &doy);
		int64_t end = last < hi ? last : hi;
		if (!cy) {
			n += weekdays_in(lo, end);
		} else if (lo == first && end == last) {
			n += cy->nwork;
		} else {
			for (int64_t z = lo; z <= end; z++, doy++)
				n += (cy->day[doy] & DAY_WORK) != 0;
		}
		lo = end + 1;
	}
	return n;
}

/* The n-th (n >= 1) working day after z. */
static int64_t nth_working_after(const wg_calendar *cal, int64_t z, int64_t n)
{
	for (;;) {
		int64_t first, last;
		int doy;
		const struct cal_year *cy = block_of(cal, z + 1, &first, &last, &doy);
		if (!cy) {
			int64_t c = weekdays_in(z + 1, last);
			if (c >= n)
				return nth_weekday_after(z, n);
			n -= c;
		} else if (z + 1 == first && cy->nwork < n) {
			n -= cy->nwork;
		} else {
			for (int64_t d = z + 1; d <= last; d++, doy++)
				if ((cy->day[doy] & DAY_WORK) && --n == 0)
					return d;
		}
		z = last;
	}
}

/* ---- time ------------------------------------------------------------------- */

static int64_t clamp_time(int64_t t)
{
	return t < -WG_CALENDAR_TIME_LIMIT  ? -WG_CALENDAR_TIME_LIMIT
	       : t > WG_CALENDAR_TIME_LIMIT ? WG_CALENDAR_TIME_LIMIT
	                                    : t;
}

/* t as a local day and milliseconds into it. */
static void local(int64_t t_ms, int offset_minutes, int64_t *z, int64_t *x)
{
	int64_t l = clamp_time(t_ms) + (int64_t)offset_minutes * MINUTE_MS;
	*z = wg_floor_div(l, DAY_MS);
	*x = l - *z * DAY_MS;
}

static int64_t utc(int64_t z, int64_t x, int offset_minutes)
{
	return z * DAY_MS + x - (int64_t)offset_minutes * MINUTE_MS;
}

static int64_t close_ms(const wg_calendar *cal)
{
	return cal->span_end[cal->hours.nspans - 1];
}

/* Office time of day z before x ms into it. */
static int64_t office_before(const wg_calendar *cal, int64_t z, int64_t x)
{
	if (!working(cal, z))
		return 0;
	int64_t sum = 0;
	for (int i = 0; i < cal->hours.nspans; i++) {
		int64_t s = cal->span_start[i], e = cal->span_end[i];
		sum += x <= s ? 0 : x >= e ? e - s : x - s;
	}
	return sum;
}

int64_t wg_calendar_add_working_days(const wg_calendar *cal, int64_t t_ms, int n, int offset_minutes)
{
	int64_t z, x;
	local(t_ms, offset_minutes, &z, &x);
	if (n <= 0) {
		if (working(cal, z) && x < close_ms(cal))
			return utc(z, close_ms(cal), offset_minutes);
		n = 1;
	}
	return utc(nth_working_after(cal, z, n), close_ms(cal), offset_minutes);
}

int64_t wg_calendar_add_working_minutes(const wg_calendar *cal, int64_t t_ms, int64_t n, int offset_minutes)
{
	int64_t z, x;
	local(t_ms, offset_minutes, &z, &x);
	int64_t rem = (n <= 0 ? 0 : n > WG_CALENDAR_MINUTES_MAX ? WG_CALENDAR_MINUTES_MAX : n) * MINUTE_MS;
	for (;;) {
		if (working(cal, z))
			for (int i = 0; i < cal->hours.nspans; i++) {
				int64_t s = cal->span_start[i], e = cal->span_end[i];
				if (x >= e)
					continue;
				int64_t from = x > s ? x : s;
				if (rem <= e - from)
					return utc(z, from + rem, offset_minutes);
				rem -= e - from;
				x = e;
			}
		/* Whole working days the rest fills, all but the one it ends in. */
		if (rem > cal->day_ms) {
			int64_t k = (rem - 1) / cal->day_ms;
			z = nth_working_after(cal, z, k);
			rem -= k * cal->day_ms;
		}
		z = nth_working_after(cal, z, 1);
		x = 0;
	}
}

int64_t wg_calendar_working_minutes_between(const wg_calendar *cal, int64_t a_ms, int64_t b_ms,
                                            int offset_minutes)
{
	if (b_ms <= a_ms)
		return 0;
	int64_t za, xa, zb, xb;
	local(a_ms, offset_minutes, &za, &xa);
	local(b_ms, offset_minutes, &zb, &xb);
	int64_t ms;
	if (za == zb)
		ms = office_before(cal, za, xb) - office_before(cal, za, xa);
	else
		ms = office_before(cal, za, DAY_MS) - office_before(cal, za, xa) +
		     count_working(cal, za + 1, zb - 1) * cal->day_ms + office_before(cal, zb, xb);
	return ms / MINUTE_MS;
}

int wg_calendar_working_days_between(const wg_calendar *cal, int64_t a_ms, int64_t b_ms, int offset_minutes)
{
	if (b_ms <= a_ms)
		return 0;
	int64_t za, xa, zb, xb;
	local(a_ms, offset_minutes, &za, &xa);
	local(b_ms, offset_minutes, &zb, &xb);
	int64_t n = count_working(cal, za + 1, zb);
	return n > INT_MAX ? INT_MAX : (int)n;
}

bool wg_calendar_is_working_day(const wg_calendar *cal, int y, int m, int d)
{
	return date_ok(y, m, d) && working(cal, wg_days_from_civil(y, m, d));
}

const char *wg_calendar_holiday(const wg_calendar *cal, int y, int m, int d)
{
	if (y < WG_CALENDAR_YEAR_MIN || y > WG_CALENDAR_YEAR_MAX || !date_ok(y, m, d))
		return NULL;
	const struct cal_year *cy = year_at(cal, y - WG_CALENDAR_YEAR_MIN);
	if (!cy)
		return NULL;
	unsigned h = cy->day[wg_days_from_civil(y, m, d) - wg_days_from_civil(y, 1, 1)] & DAY_HOLIDAY;
	return h ? cy->name[h - 1] : NULL;
}

bool wg_calendar_day_number(int y, int m, int d, int64_t *out)
{
	if (y < 1 || y > 9999 || !date_ok(y, m, d))
		return false;
	*out = wg_days_from_civil(y, m, d);
	return true;
}

int64_t wg_calendar_local_day(int64_t t_ms, int offset_minutes)
{
	return wg_floor_div(clamp_time(t_ms) + (int64_t)offset_minutes * MINUTE_MS, DAY_MS);
}

/* The holiday nearest day doy of cy, or NULL when the year has none. */
static const char *nearest_holiday(const struct cal_year *cy, int doy, int ndays)
{
	for (int dist = 1; dist < ndays; dist++) {
		int at[2] = {doy - dist, doy + dist};
		for (int i = 0; i < 2; i++)
			if (at[i] >= 0 && at[i] < ndays && (cy->day[at[i]] & DAY_HOLIDAY))
				return cy->name[(cy->day[at[i]] & DAY_HOLIDAY) - 1];
	}
	return NULL;
}

void wg_calendar_describe(const wg_calendar *cal, int64_t z, wg_calendar_day *out)
{
	int64_t lo = wg_days_from_civil(1, 1, 1), hi = wg_days_from_civil(9999, 12, 31);
	z = z < lo ? lo : z > hi ? hi : z;
	int64_t y;
	wg_civil_from_days(z, &y, &out->month, &out->day);
	out->year = (int)y;
	int w = weekday(z);
	out->weekday = w == 0 ? 7 : w;
	/* The year read once: an edit replacing it meanwhile (wg_calendar_replace_year)
	 * shows either whole. */
	const struct cal_year *cy = out->year >= WG_CALENDAR_YEAR_MIN && out->year <= WG_CALENDAR_YEAR_MAX
	                                    ? year_at(cal, out->year - WG_CALENDAR_YEAR_MIN)
	                                    : NULL;
	int doy = (int)(z - wg_days_from_civil(y, 1, 1));
	out->working = cy ? (cy->day[doy] & DAY_WORK) != 0 : !weekend(z);
	out->known = cy != NULL;
	out->holiday = NULL;
	out->swapped_for = NULL;
	if (!cy)
		return;
	unsigned h = cy->day[doy] & DAY_HOLIDAY;
	if (h)
		out->holiday = cy->name[h - 1];
	else if (out->working && weekend(z))
		out->swapped_for = nearest_holiday(cy, doy, leap(y) ? 366 : 365);
}

/* ---- office hours ------------------------------------------------------------ */

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool hours_ok(const wg_office_hours *h)
{
	if (!h || h->nspans < 1 || h->nspans > 2)
		return false;
	int prev = -1;
	for (int i = 0; i < h->nspans; i++) {
		if (h->start[i] <= prev || h->start[i] < 0 || h->end[i] <= h->start[i] || h->end[i] > 1440)
			return false;
		prev = h->end[i];
	}
	return true;
}

/* "HH:MM" at s, minutes after midnight into *out; 24:00 only as an end. */
static bool clock_time(const char *s, bool end, int *out)
{
	for (int i = 0; i < 5; i++)
		if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return false;
	*out = h * 60 + m;
	return true;
}

int wg_office_hours_parse(const char *spec, wg_office_hours *out, char *err, size_t errlen)
{
	static const char form[] = "must be HH:MM-HH:MM or HH:MM-HH:MM,HH:MM-HH:MM";
	if (err && errlen)
		err[0] = '\0';
	if (!spec)
		return fail(WG_EVALIDATION, err, errlen, "office hours: missing");
	size_t len = strlen(spec);
	if (len != 11 && len != 23)
		return fail(WG_EVALIDATION, err, errlen, "office hours \"%.40s\": %s", spec, form);
	wg_office_hours h = {.nspans = (int)(len / 12 + 1)};
	for (int i = 0; i < h.nspans; i++) {
		const char *p = spec + (ptrdiff_t)12 * i;
		if (!clock_time(p, false, &h.start[i]) || p[5] != '-' ||
		    !clock_time(p + 6, true, &h.end[i]) || (i == 0 && h.nspans == 2 && p[11] != ','))
			return fail(WG_EVALIDATION, err, errlen, "office hours \"%s\": %s", spec, form);
		if (h.end[i] <= h.start[i])
			return fail(WG_EVALIDATION, err, errlen,
			            "office hours \"%s\": span %d must end after it starts", spec, i + 1);
	}
	if (h.nspans == 2 && h.start[1] <= h.end[0])
		return fail(WG_EVALIDATION, err, errlen,
		            "office hours \"%s\": the second span must start after the first ends", spec);
	*out = h;
	return 0;
}

/* ---- calendars --------------------------------------------------------------- */

wg_calendar *wg_calendar_new(const wg_office_hours *hours)
{
	if (!hours_ok(hours))
		return NULL;
	wg_calendar *cal = wg_calloc(1, sizeof *cal);
	if (!cal)
		return NULL;
	cal->hours = *hours;
	for (int i = 0; i < NYEARS; i++)
		atomic_init(&cal->year[i], NULL);
	if (pthread_mutex_init(&cal->replace_lock, NULL) != 0) {
		wg_free(cal);
		return NULL;
	}
	for (int i = 0; i < hours->nspans; i++) {
		cal->span_start[i] = hours->start[i] * MINUTE_MS;
		cal->span_end[i] = hours->end[i] * MINUTE_MS;
		cal->day_ms += cal->span_end[i] - cal->span_start[i];
	}
	return cal;
}

void wg_calendar_free(wg_calendar *cal)
{
	if (!cal)
		return;
	for (int i = 0; i < NYEARS; i++)
		wg_free(year_at(cal, i));
	while (cal->retired) {
		struct cal_year *next = cal->retired->retired_next;
		wg_free(cal->retired);
		cal->retired = next;
	}
	pthread_mutex_destroy(&cal->replace_lock);
	wg_free(cal);
}

/* What one file says, checked but not yet in a calendar. Names point into
 * the parsed document. */
struct parsed {
	int year;
	uint8_t day[366];
	const char *name[WG_CALENDAR_HOLIDAYS_MAX];
	size_t name_len[WG_CALENDAR_HOLIDAYS_MAX];
	int nholidays;
};

static bool text_ok(const char *s, size_t n, size_t max_chars)
{
	if (n == 0 || strlen(s) != n || !wg_utf8_valid(s, n) || wg_utf8_count(s, n) > max_chars)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int only(const json_t *obj, const char *const *known, const char *file, const char *path, char *err,
                size_t errlen)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value) {
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok)
			return fail(WG_EVALIDATION, err, errlen, "%s: %s: unknown member \"%.40s\"", file,
			            path, key);
	}
	return 0;
}

/* A date "YYYY-MM-DD" of the file's year at path, as its day of the year. */
static int date_of_year(const json_t *v, const struct parsed *p, const char *file, const char *path, int *doy,
                        char *err, size_t errlen)
{
	if (!v)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: missing", file, path);
	const char *s = json_string_value(v);
	bool shape = s && strlen(s) == 10 && s[4] == '-' && s[7] == '-';
	for (int i = 0; shape && i < 10; i++)
		shape = i == 4 || i == 7 || (s[i] >= '0' && s[i] <= '9');
	if (!shape)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: must be a date YYYY-MM-DD", file, path);
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!date_ok(y, m, d))
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: %s is not a date", file, path, s);
	if (y != p->year)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: %s is not in %d", file, path, s, p->year);
	*doy = (int)(wg_days_from_civil(y, m, d) - wg_days_from_civil(y, 1, 1));
	return 0;
}

static void format_day(int year, int doy, char out[16])
{
	int64_t y;
	int m, d;
	wg_civil_from_days(wg_days_from_civil(year, 1, 1) + doy, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", (int)y, m, d);
}

static int parse_holiday(const json_t *h, size_t i, struct parsed *p, const char *file, char *err,
                         size_t errlen)
{
	static const char *const known[] = {"name", "from", "to", NULL};
	char path[64];
	snprintf(path, sizeof path, "holidays[%zu]", i);
	if (!json_is_object(h))
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: must be an object {name, from, to}", file,
		            path);
	int rc = only(h, known, file, path, err, errlen);
	if (rc)
		return rc;
	json_t *name = json_object_get(h, "name");
	if (!json_is_string(name) ||
	    !text_ok(json_string_value(name), json_string_length(name), WG_CALENDAR_NAME_MAX))
		return fail(WG_EVALIDATION, err, errlen,
		            "%s: %s.name: must be a string of 1 to %d characters without control characters",
		            file, path, WG_CALENDAR_NAME_MAX);
	int from = 0, to = 0;
	char here[80];
	snprintf(here, sizeof here, "%s.from", path);
	rc = date_of_year(json_object_get(h, "from"), p, file, here, &from, err, errlen);
	snprintf(here, sizeof here, "%s.to", path);
	if (!rc)
		rc = date_of_year(json_object_get(h, "to"), p, file, here, &to, err, errlen);
	if (rc)
		return rc;
	if (to < from)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: must not be before %s.from", file, here,
		            path);
	if (to - from + 1 > WG_CALENDAR_SPAN_MAX)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: the span is %d days, longer than %d", file,
		            here, to - from + 1, WG_CALENDAR_SPAN_MAX);
	for (int d = from; d <= to; d++)
		if (p->day[d] & DAY_HOLIDAY) {
			char when[16];
			format_day(p->year, d, when);
			return fail(WG_EVALIDATION, err, errlen, "%s: %s: %s lies in holidays[%u] too", file,
			            path, when, (p->day[d] & DAY_HOLIDAY) - 1u);
		}
	for (int d = from; d <= to; d++)
		p->day[d] = (uint8_t)(i + 1);
	p->name[i] = json_string_value(name);
	p->name_len[i] = json_string_length(name);
	p->nholidays = (int)i + 1;
	return 0;
}

static int parse_workday(const json_t *w, size_t i, struct parsed *p, const char *file, char *err,
                         size_t errlen)
{
	char path[64];
	snprintf(path, sizeof path, "workdays[%zu]", i);
	int d = 0;
	int rc = date_of_year(w, p, file, path, &d, err, errlen);
	if (rc)
		return rc;
	const char *s = json_string_value(w);
	if (!weekend(wg_days_from_civil(p->year, 1, 1) + d))
		return fail(WG_EVALIDATION, err, errlen,
		            "%s: %s: %s is Monday to Friday, a working day already", file, path, s);
	if (p->day[d] & DAY_HOLIDAY)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: %s lies in holidays[%u]", file, path, s,
		            (p->day[d] & DAY_HOLIDAY) - 1u);
	if (p->day[d] & DAY_WORK)
		return fail(WG_EVALIDATION, err, errlen, "%s: %s: %s appears twice", file, path, s);
	p->day[d] |= DAY_WORK;
	return 0;
}

static int parse_doc(const json_t *doc, struct parsed *p, const char *file, char *err, size_t errlen)
{
	static const char *const known[] = {"year", "source", "holidays", "workdays", NULL};
	if (!json_is_object(doc))
		return fail(WG_EVALIDATION, err, errlen,
		            "%s: (document): must be an object {year, source, holidays, workdays}", file);
	int rc = only(doc, known, file, "(document)", err, errlen);
	if (rc)
		return rc;
	json_t *year = json_object_get(doc, "year");
	if (!year)
		return fail(WG_EVALIDATION, err, errlen, "%s: year: missing", file);
	if (!json_is_integer(year) || json_integer_value(year) < WG_CALENDAR_YEAR_MIN ||
	    json_integer_value(year) > WG_CALENDAR_YEAR_MAX)
		return fail(WG_EVALIDATION, err, errlen, "%s: year: must be a whole number within %d..%d",
		            file, WG_CALENDAR_YEAR_MIN, WG_CALENDAR_YEAR_MAX);
	p->year = (int)json_integer_value(year);
	json_t *source = json_object_get(doc, "source");
	if (source &&
	    (!json_is_string(source) ||
	     !text_ok(json_string_value(source), json_string_length(source), WG_CALENDAR_SOURCE_MAX)))
		return fail(WG_EVALIDATION, err, errlen,
		            "%s: source: must be a string of 1 to %d characters without control characters",
		            file, WG_CALENDAR_SOURCE_MAX);
	json_t *holidays = json_object_get(doc, "holidays"), *workdays = json_object_get(doc, "workdays");
	if (!holidays)
		return fail(WG_EVALIDATION, err, errlen, "%s: holidays: missing", file);
	if (!json_is_array(holidays) || json_array_size(holidays) == 0 ||
	    json_array_size(holidays) > WG_CALENDAR_HOLIDAYS_MAX)
		return fail(WG_EVALIDATION, err, errlen, "%s: holidays: must be an array of 1 to %d holidays",
		            file, WG_CALENDAR_HOLIDAYS_MAX);
	if (!workdays)
		return fail(WG_EVALIDATION, err, errlen, "%s: workdays: missing", file);
	if (!json_is_array(workdays))
		return fail(WG_EVALIDATION, err, errlen,
		            "%s: workdays: must be an array of dates (may be empty)", file);
	size_t i;
	json_t *v;
	json_array_foreach(holidays, i, v) {
		rc = parse_holiday(v, i, p, file, err, errlen);
		if (rc)
			return rc;
	}
	json_array_foreach(workdays, i, v) {
		rc = parse_workday(v, i, p, file, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Parse and check text; on success *out is the year's table (the caller
 * frees it) and *year its year. */
static int parse_year(const wg_calendar *cal, bool replace, const char *text, size_t len, const char *file,
                      struct cal_year **out, int *year, char *err, size_t errlen)
{
	*out = NULL;
	if (!file)
		file = "(holidays)";
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return fail(WG_EBADREQ, err, errlen, "%s: line %d column %d: %s", file, jerr.line,
		            jerr.column, jerr.text);
	struct parsed p = {.year = 0};
	int rc = parse_doc(doc, &p, file, err, errlen);
	if (!rc && !replace && year_at(cal, p.year - WG_CALENDAR_YEAR_MIN))
		rc = fail(WG_EVALIDATION, err, errlen, "%s: year: %d is loaded already", file, p.year);
	size_t names = 0;
	for (int i = 0; !rc && i < p.nholidays; i++)
		names += p.name_len[i] + 1;
	struct cal_year *cy = rc ? NULL : wg_malloc(sizeof *cy + names);
	if (!rc && !cy)
		rc = WG_ENOMEM;
	if (!rc) {
		memset(cy, 0, sizeof *cy);
		char *w = cy->names;
		for (int i = 0; i < p.nholidays; i++) {
			memcpy(w, p.name[i], p.name_len[i] + 1);
			cy->name[i] = w;
			w += p.name_len[i] + 1;
		}
		int64_t first = wg_days_from_civil(p.year, 1, 1);
		int ndays = leap(p.year) ? 366 : 365;
		for (int d = 0; d < ndays; d++) {
			bool work = (p.day[d] & DAY_WORK) ||
			            ((p.day[d] & DAY_HOLIDAY) == 0 && !weekend(first + d));
			cy->day[d] = (uint8_t)((p.day[d] & DAY_HOLIDAY) | (work ? DAY_WORK : 0));
			cy->nwork += work;
		}
		*out = cy;
		*year = p.year;
	}
	json_decref(doc);
	return rc;
}

int wg_calendar_add_year(wg_calendar *cal, const char *text, size_t len, const char *file, char *err,
                         size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	struct cal_year *cy = NULL;
	int year = 0;
	int rc = parse_year(cal, false, text, len, file, &cy, &year, err, errlen);
	if (!rc)
		atomic_store_explicit(&cal->year[year - WG_CALENDAR_YEAR_MIN], cy, memory_order_release);
	return rc;
}

int wg_calendar_check_year(const wg_calendar *cal, const char *text, size_t len, const char *file, int *year,
                           char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	struct cal_year *cy = NULL;
	int rc = parse_year(cal, true, text, len, file, &cy, year, err, errlen);
	wg_free(cy);
	return rc;
}

int wg_calendar_replace_year(wg_calendar *cal, const char *text, size_t len, const char *file, char *err,
                             size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	struct cal_year *cy = NULL;
	int year = 0;
	int rc = parse_year(cal, true, text, len, file, &cy, &year, err, errlen);
	if (rc)
		return rc;
	pthread_mutex_lock(&cal->replace_lock);
	struct cal_year *old =
		atomic_exchange_explicit(&cal->year[year - WG_CALENDAR_YEAR_MIN], cy, memory_order_acq_rel);
	if (old) {
		/* A reader may still hold it (or a holiday name from it). */
		old->retired_next = cal->retired;
		cal->retired = old;
	}
	pthread_mutex_unlock(&cal->replace_lock);
	return 0;
}

/* The whole file at path, NUL-terminated, in *text (the caller frees it). */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(WG_EIO, err, errlen, "%s: %s", path, strerror(errno));
	char *buf = wg_malloc(WG_CALENDAR_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return WG_ENOMEM;
	}
	size_t n = fread(buf, 1, WG_CALENDAR_FILE_MAX + 1, f);
	int rc = 0;
	if (ferror(f))
		rc = fail(WG_EIO, err, errlen, "%s: %s", path, strerror(errno));
	else if (n > WG_CALENDAR_FILE_MAX)
		rc = fail(WG_EVALIDATION, err, errlen, "%s: larger than %d bytes", path,
		          WG_CALENDAR_FILE_MAX);
	fclose(f);
	if (rc) {
		wg_free(buf);
		return rc;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static bool year_file_name(const char *name, int *year)
{
	for (int i = 0; i < 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	if (strcmp(name + 4, ".json") != 0)
		return false;
	*year = (name[0] - '0') * 1000 + (name[1] - '0') * 100 + (name[2] - '0') * 10 + (name[3] - '0');
	return true;
}

int wg_calendar_load_dir(const char *dir, const wg_office_hours *hours, wg_calendar **out, char *err,
                         size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!hours_ok(hours))
		return fail(WG_EVALIDATION, err, errlen,
		            "office hours: not one or two ordered spans within a day");
	/* The years present first, so that files load in order whatever order
	 * the folder lists them in, and the first bad year is the one named. */
	bool present[10000] = {false};
	DIR *d = opendir(dir);
	if (!d)
		return fail(WG_EIO, err, errlen, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	int year;
	while ((e = readdir(d)) != NULL)
		if (year_file_name(e->d_name, &year))
			present[year] = true;
	closedir(d);
	wg_calendar *cal = wg_calendar_new(hours);
	if (!cal)
		return WG_ENOMEM;
	int rc = 0;
	for (int y = 0; !rc && y < 10000; y++) {
		if (!present[y])
			continue;
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%04d.json", dir, y) >= (int)sizeof path) {
			rc = fail(WG_EIO, err, errlen, "%.100s...: path too long", dir);
			break;
		}
		char *text = NULL;
		size_t len = 0;
		rc = read_file(path, &text, &len, err, errlen);
		if (rc)
			break;
		struct cal_year *cy = NULL;
		int got = 0;
		rc = parse_year(cal, false, text, len, path, &cy, &got, err, errlen);
		wg_free(text);
		if (!rc && got != y) {
			wg_free(cy);
			rc = fail(WG_EVALIDATION, err, errlen,
			          "%s: year: %d is not the year of the file's name", path, got);
		}
		if (!rc)
			atomic_store_explicit(&cal->year[got - WG_CALENDAR_YEAR_MIN], cy,
			                      memory_order_release);
	}
	if (rc) {
		wg_calendar_free(cal);
		return rc;
	}
	*out = cal;
	return 0;
}
