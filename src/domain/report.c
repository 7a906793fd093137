#include "domain/report.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/grid.h"
#include "domain/region.h"
#include "domain/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const wg_report_period_names[WG_REPORT_PERIODS] = {"week", "month", "quarter", "half"};

static const char *const kind_titles[WG_REPORT_PERIODS] = {"每周梳理", "每月分析", "每季研判", "半年总结"};

const char *const wg_report_rate_titles[WG_STATS_RATES] = {
	[WG_STATS_RESOLUTION] = "化解率",  [WG_STATS_CLOSURE] = "结案率",
	[WG_STATS_ON_TIME] = "按期办结率", [WG_STATS_SATISFACTION] = "满意率",
	[WG_STATS_REWORK] = "返工率",      [WG_STATS_EXTENSION] = "延期率",
	[WG_STATS_RETURN] = "回退率",      [WG_STATS_VALID_REPORT] = "有效上报率",
};

static const char *lookup(const char *const (*table)[2], size_t n, const char *key)
{
	for (size_t i = 0; key && i < n; i++)
		if (strcmp(table[i][0], key) == 0)
			return table[i][1];
	return key ? key : "";
}

const char *wg_report_source_title(const char *key)
{
	static const char *const sources[][2] = {
		{"grid", "网格员上报"}, {"citizen", "群众上报"},    {"hotline", "热线"},
		{"window", "窗口受理"}, {"department", "部门上报"}, {"camera", "视频发现"},
	};
	return lookup(sources, sizeof sources / sizeof sources[0], key);
}

const char *wg_report_kind_name(const char *key)
{
	static const char *const kinds[][2] = {
		{"event", "事件"}, {"dispute", "矛盾纠纷"}, {"petition", "信访"}};
	return lookup(kinds, sizeof kinds / sizeof kinds[0], key);
}

/* Day numbers 1..9999 as wg_calendar_day_number accepts them. */
#define FIRST_DAY (-719162)
#define LAST_DAY 2932896

int wg_report_period_parse(const char *name, size_t len)
{
	for (int i = 0; i < WG_REPORT_PERIODS; i++)
		if (strlen(wg_report_period_names[i]) == len &&
		    memcmp(name, wg_report_period_names[i], len) == 0)
			return i;
	return -1;
}

const char *wg_report_kind_title(enum wg_report_period p)
{
	return kind_titles[p];
}

/* The civil date of day number z, years 0000..9999 as the reports use. */
static void civil_of(int64_t z, int *y, int *m, int *d)
{
	int64_t year;
	wg_civil_from_days(z, &year, m, d);
	*y = (int)year;
}

void wg_report_date_of_day(int64_t z, int *y, int *m, int *d)
{
	civil_of(z, y, m, d);
}

static void format_day(int64_t z, char *out)
{
	int y, m, d;
	civil_of(z, &y, &m, &d);
	snprintf(out, WG_STATS_DATE_LEN + 1, "%04d-%02d-%02d", y, m, d);
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

bool wg_report_parse_date(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != WG_STATS_DATE_LEN || s[4] != '-' || s[7] != '-')
		return false;
	int v[3] = {0, 0, 0};
	static const int at[3] = {0, 5, 8}, width[3] = {4, 2, 2};
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < width[k]; i++) {
			char c = s[at[k] + i];
			if (c < '0' || c > '9')
				return false;
			v[k] = v[k] * 10 + (c - '0');
		}
	int64_t z;
	if (!wg_calendar_day_number(v[0], v[1], v[2], &z))
		return false;
	*y = v[0];
	*m = v[1];
	*d = v[2];
	return true;
}

bool wg_report_period_bounds(enum wg_report_period p, int y, int m, int d, char *from, char *to)
{
	int64_t z, f, t;
	if (!wg_calendar_day_number(y, m, d, &z))
		return false;
	int first = m, last = m;
	switch (p) {
	case WG_REPORT_WEEK: {
		/* 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday. */
		int64_t dow = ((z % 7) + 7 + 3) % 7;
		f = z - dow;
		t = f + 6;
		if (f < FIRST_DAY || t > LAST_DAY)
			return false;
		format_day(f, from);
		format_day(t, to);
		return true;
	}
	case WG_REPORT_MONTH: break;
	case WG_REPORT_QUARTER:
		first = (m - 1) / 3 * 3 + 1;
		last = first + 2;
		break;
	case WG_REPORT_HALF:
		first = m <= 6 ? 1 : 7;
		last = first + 5;
		break;
	default: return false;
	}
	if (!wg_calendar_day_number(y, first, 1, &f) ||
	    !wg_calendar_day_number(y, last, month_days(y, last), &t))
		return false;
	format_day(f, from);
	format_day(t, to);
	return true;
}

/* ISO 8601 week of the Monday z: the week belongs to the year of its
 * Thursday, and is numbered from that year's first Thursday's week. */
static void iso_week(int64_t monday, int *year, int *week)
{
	int64_t thursday = monday + 3;
	int y, m, d;
	civil_of(thursday, &y, &m, &d);
	int64_t jan1;
	wg_calendar_day_number(y, 1, 1, &jan1);
	*year = y;
	*week = (int)((thursday - jan1) / 7 + 1);
}

void wg_report_period_label(enum wg_report_period p, const char *from, const char *to, char *buf, size_t len)
{
	static const char *const quarters[4] = {"一", "二", "三", "四"};
	int fy, fm, fd, ty, tm, td;
	if (!wg_report_parse_date(from, &fy, &fm, &fd) || !wg_report_parse_date(to, &ty, &tm, &td)) {
		snprintf(buf, len, "%s至%s", from, to);
		return;
	}
	switch (p) {
	case WG_REPORT_WEEK: {
		int64_t z;
		wg_calendar_day_number(fy, fm, fd, &z);
		int wy, wn;
		iso_week(z, &wy, &wn);
		snprintf(buf, len, "%d年第%d周（%d月%d日至%d月%d日）", wy, wn, fm, fd, tm, td);
		return;
	}
	case WG_REPORT_MONTH: snprintf(buf, len, "%d年%d月", fy, fm); return;
	case WG_REPORT_QUARTER: snprintf(buf, len, "%d年第%s季度", fy, quarters[(fm - 1) / 3]); return;
	case WG_REPORT_HALF:
	default: snprintf(buf, len, "%d年%s半年", fy, fm <= 6 ? "上" : "下"); return;
	}
}

/* ---- gathering ------------------------------------------------------------------ */

struct growing {
	wg_arena *arena;
	void *items;
	size_t n, cap, size;
};

/* Room for one more item of g->size bytes; NULL when memory runs out. */
static void *grow(struct growing *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		void *items = wg_arena_calloc(g->arena, cap, g->size);
		if (!items)
			return NULL;
		if (g->n)
			memcpy(items, g->items, g->n * g->size);
		g->items = items;
		g->cap = cap;
	}
	return (char *)g->items + g->n++ * g->size;
}

static int take_point(void *ctx, const wg_stats_point *p)
{
	wg_stats_point *it = grow(ctx);
	if (!it)
		return WG_ENOMEM;
	*it = *p;
	return 0;
}

static int take_group(void *ctx, const wg_stats_group_figures *g)
{
	struct growing *gr = ctx;
	wg_stats_group_figures *it = grow(gr);
	if (!it)
		return WG_ENOMEM;
	*it = *g;
	it->key = wg_arena_strdup(gr->arena, g->key ? g->key : "");
	it->name = wg_arena_strdup(gr->arena, g->name ? g->name : "");
	return it->key && it->name ? 0 : WG_ENOMEM;
}

struct named {
	wg_arena *arena;
	const char *name;
};

static int skip_region(void *ctx, const wg_region *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

static int region_name(void *ctx, const wg_region *r)
{
	struct named *n = ctx;
	n->name = wg_arena_strdup(n->arena, r->name ? r->name : "");
	return n->name ? 0 : WG_ENOMEM;
}

static int grid_name(void *ctx, const wg_grid *g)
{
	struct named *n = ctx;
	n->name = wg_arena_strdup(n->arena, g->name ? g->name : "");
	return n->name ? 0 : WG_ENOMEM;
}

/* The name of the area code, which the overview already checked against
 * the caller's scope; the code itself when the name cannot be read. */
static int area_name(wg_db *db, const wg_caller *caller, const char *code, wg_arena *arena, const char **out)
{
	if (!code) {
		*out = "全域";
		return 0;
	}
	wg_scope scope;
	wg_scope_of(caller, &scope);
	struct named n = {.arena = arena};
	enum wg_region_level level;
	int rc = wg_region_code_level(code, &level)
	                 ? wg_region_get(db, &scope, code, skip_region, region_name, &n)
	                 : wg_grid_get(db, &scope, code, grid_name, &n);
	if (rc == WG_ENOMEM || rc == WG_ESTORE)
		return rc;
	*out = n.name && *n.name ? n.name : code;
	return 0;
}

/* Categories by count, largest first, then by key: the order of the
 * tables and of the "top" list. */
static int by_count_desc(const void *a, const void *b)
{
	const wg_stats_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

int wg_report_build(wg_db *db, wg_stats_query *q, enum wg_report_period p, int y, int m, int d,
                    wg_report *out, wg_field_errors *fe)
{
	memset(out, 0, sizeof *out);
	out->period = p;
	if (!wg_report_period_bounds(p, y, m, d, out->from, out->to)) {
		wg_field_errors_add(fe, "date", "format", "date must be a date YYYY-MM-DD");
		return WG_EVALIDATION;
	}
	if (!wg_stats_period(q, out->from, out->to, 0, fe))
		return WG_EVALIDATION;
	int rc = wg_stats_overview_get(db, q, &out->overview, fe);
	if (rc)
		return rc;
	if (out->overview.ncategory > 1)
		qsort(out->overview.by_category, out->overview.ncategory, sizeof *out->overview.by_category,
		      by_count_desc);
	out->area = out->overview.area;
	rc = area_name(db, q->caller, out->area, q->arena, &out->area_name);
	if (rc)
		return rc;

	out->bucket = p == WG_REPORT_WEEK || p == WG_REPORT_MONTH ? WG_STATS_DAY : WG_STATS_WEEK;
	struct growing points = {.arena = q->arena, .size = sizeof(wg_stats_point)};
	rc = wg_stats_trend(db, q, out->bucket, take_point, &points, fe);
	if (rc)
		return rc;
	out->trend = points.items;
	out->ntrend = points.n;

	struct growing groups = {.arena = q->arena, .size = sizeof(wg_stats_group_figures)};
	rc = wg_stats_rates(db, q, WG_STATS_BY_REGION, take_group, &groups, fe);
	if (rc)
		return rc;
	out->groups = groups.items;
	out->ngroups = groups.n;

	char label[96];
	wg_report_period_label(p, out->from, out->to, label, sizeof label);
	out->label = wg_arena_strdup(q->arena, label);
	out->title = wg_arena_printf(q->arena, "%s %s %s", out->area_name, label, kind_titles[p]);
	return out->label && out->title ? 0 : WG_ENOMEM;
}
