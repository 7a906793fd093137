/* report.h - the periodic reports (每周梳理、每月分析、每季研判、半年总结):
 * the figures of one area over one calendar period, gathered once from
 * the statistics of domain/stats.h (overview, trend, rates by region) so
 * that the .xlsx and .pdf writers (io/xlsx_report.h, io/pdf_report.h) only
 * lay them out. No figure is counted here: each is what /stats answers
 * for the same area and period. */
#ifndef WG_DOMAIN_REPORT_H
#define WG_DOMAIN_REPORT_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/stats.h"
#include "store/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wg_report_period {
	WG_REPORT_WEEK,
	WG_REPORT_MONTH,
	WG_REPORT_QUARTER,
	WG_REPORT_HALF,
	WG_REPORT_PERIODS
};

/* "week", "month", "quarter", "half", by enum wg_report_period. */
extern const char *const wg_report_period_names[WG_REPORT_PERIODS];

/* The period named name (as in wg_report_period_names, length len), or -1. */
int wg_report_period_parse(const char *name, size_t len);

/* The first and last day (YYYY-MM-DD) of the period of kind p holding the
 * date y-m-d: the week Monday..Sunday, the calendar month, the quarter, the
 * half-year January..June or July..December. from and to get 11 bytes.
 * Returns false, nothing written, for a date that does not exist or a
 * period reaching outside the years 1..9999. Allocates nothing. */
bool wg_report_period_bounds(enum wg_report_period p, int y, int m, int d, char *from, char *to);

/* The date of day number z (days since 1970-01-01, as wg_calendar_day_number
 * counts them) into *y, *m, *d. */
void wg_report_date_of_day(int64_t z, int *y, int *m, int *d);

/* A strict YYYY-MM-DD date that exists, into *y, *m, *d; false otherwise. */
bool wg_report_parse_date(const char *s, int *y, int *m, int *d);

/* The period's name in a title, into buf (len bytes, truncated): "2026年
 * 第48周（11月23日至11月29日）", "2026年11月", "2026年第四季度",
 * "2026年上半年"; and what the report of such a period is called: 每周梳理,
 * 每月分析, 每季研判, 半年总结 (static strings). */
void wg_report_period_label(enum wg_report_period p, const char *from, const char *to, char *buf, size_t len);
const char *wg_report_kind_title(enum wg_report_period p);

/* Chinese names of the rates, by enum wg_stats_rate_kind (化解率, ...). */
extern const char *const wg_report_rate_titles[WG_STATS_RATES];

/* Chinese name of a case source (grid: 网格员上报, ...) or kind (event:
 * 事件, ...); the key itself when it has none. Static or key. */
const char *wg_report_source_title(const char *key);
const char *wg_report_kind_name(const char *key);

/* Everything a report shows; strings and arrays in the query's arena. */
typedef struct wg_report {
	enum wg_report_period period;
	char from[WG_STATS_DATE_LEN + 1], to[WG_STATS_DATE_LEN + 1];
	const char *area;      /* the area's code */
	const char *area_name; /* its name (the code when it has none) */
	const char *title;     /* "<area name> <period> <kind title>" */
	const char *label;     /* the period as in the title */
	wg_stats_overview overview;
	enum wg_stats_bucket bucket; /* of the trend: days for a week or month, weeks beyond */
	wg_stats_point *trend;
	size_t ntrend;
	wg_stats_group_figures *groups; /* rates of the child regions, in order of key */
	size_t ngroups;
} wg_report;

/* Gather the report of kind p for the period holding y-m-d, in the area
 * q->area (NULL: the caller's own) within q->caller's scope; q->from and
 * q->to are set here and q->arena holds the answer. now is the clock (ms)
 * the statistics count "now" figures at. Returns 0; WG_EVALIDATION (fe
 * names "region" or "date"); WG_ENOTFOUND for an area outside the scope
 * or absent; WG_ENOMEM or a store error. */
int wg_report_build(wg_db *db, wg_stats_query *q, enum wg_report_period p, int y, int m, int d,
                    wg_report *out, wg_field_errors *fe);

#endif
