#include "io/xlsx_report.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

/* The workbook being written and the first error any call gave: the
 * sheets are written through put_* so that one check at the end sees a
 * failure anywhere. */
struct book {
	lxw_workbook *wb;
	lxw_format *title, *head, *percent, *hours;
	lxw_error first;
};

static void note(struct book *b, lxw_error e)
{
	if (e != LXW_NO_ERROR && b->first == LXW_NO_ERROR)
		b->first = e;
}

static void put_s(struct book *b, lxw_worksheet *ws, int row, int col, const char *s, lxw_format *f)
{
	note(b, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s ? s : "", f));
}

static void put_n(struct book *b, lxw_worksheet *ws, int row, int col, double v, lxw_format *f)
{
	note(b, worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, f));
}

/* A rate as a fraction under the percent format, or "—" when nothing
 * was counted (the denominator is 0). */
static void put_rate(struct book *b, lxw_worksheet *ws, int row, int col, const wg_stats_rate *r)
{
	if (r->denominator == 0)
		put_s(b, ws, row, col, "—", NULL);
	else
		put_n(b, ws, row, col, (double)r->numerator / (double)r->denominator, b->percent);
}

/* A two-column table under a heading; returns the next free row. */
static int counts_table(struct book *b, lxw_worksheet *ws, int row, const char *heading, const char *head,
                        const wg_stats_count *c, size_t n, const char *(*title)(const wg_stats_count *))
{
	put_s(b, ws, row, 0, heading, b->title);
	row++;
	put_s(b, ws, row, 0, head, b->head);
	put_s(b, ws, row, 1, "数量", b->head);
	row++;
	for (size_t i = 0; i < n; i++, row++) {
		put_s(b, ws, row, 0, title(&c[i]), NULL);
		put_n(b, ws, row, 1, (double)c[i].count, NULL);
	}
	return row + 1;
}

static const char *state_title(const wg_stats_count *c)
{
	return c->name && *c->name ? c->name : c->key;
}

static const char *kind_title(const wg_stats_count *c)
{
	return wg_report_kind_name(c->key);
}

static const char *source_title(const wg_stats_count *c)
{
	return wg_report_source_title(c->key);
}

static void overview_sheet(struct book *b, const wg_report *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "概览");
	if (!ws) {
		note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	note(b, worksheet_set_column(ws, 0, 0, 24, NULL));
	note(b, worksheet_set_column(ws, 1, 1, 14, NULL));
	put_s(b, ws, 0, 0, r->title, b->title);
	put_s(b, ws, 1, 0, "区域", b->head);
	put_s(b, ws, 1, 1, r->area_name, NULL);
	put_s(b, ws, 1, 2, r->area, NULL);
	put_s(b, ws, 2, 0, "统计时段", b->head);
	put_s(b, ws, 2, 1, r->from, NULL);
	put_s(b, ws, 2, 2, r->to, NULL);

	const wg_stats_overview *o = &r->overview;
	static const char *const names[] = {"上报总数", "在办", "超期", "办结"};
	const int64_t values[] = {o->total, o->open, o->overdue, o->closed};
	put_s(b, ws, 4, 0, "指标", b->head);
	put_s(b, ws, 4, 1, "数量", b->head);
	for (int i = 0; i < 4; i++) {
		put_s(b, ws, 5 + i, 0, names[i], NULL);
		put_n(b, ws, 5 + i, 1, (double)values[i], NULL);
	}
	int row = 10;
	row = counts_table(b, ws, row, "按状态", "状态", o->by_state, o->nstate, state_title);
	row = counts_table(b, ws, row, "按类型", "类型", o->by_kind, o->nkind, kind_title);
	counts_table(b, ws, row, "按来源", "来源", o->by_source, o->nsource, source_title);
}

static void category_sheet(struct book *b, const wg_report *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "分类");
	if (!ws) {
		note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	note(b, worksheet_set_column(ws, 0, 0, 14, NULL));
	note(b, worksheet_set_column(ws, 1, 1, 28, NULL));
	static const char *const heads[] = {"分类编码", "分类名称", "数量", "占比"};
	for (int c = 0; c < 4; c++)
		put_s(b, ws, 0, c, heads[c], b->head);
	const wg_stats_overview *o = &r->overview;
	for (size_t i = 0; i < o->ncategory; i++) {
		int row = (int)i + 1;
		const wg_stats_count *c = &o->by_category[i];
		put_s(b, ws, row, 0, c->key, NULL);
		put_s(b, ws, row, 1, c->name, NULL);
		put_n(b, ws, row, 2, (double)c->count, NULL);
		wg_stats_rate share = {c->count, o->total};
		put_rate(b, ws, row, 3, &share);
	}
}

static void trend_sheet(struct book *b, const wg_report *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "趋势");
	if (!ws) {
		note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	note(b, worksheet_set_column(ws, 0, 0, 14, NULL));
	put_s(b, ws, 0, 0, r->bucket == WG_STATS_DAY ? "日期" : "周（起始日）", b->head);
	put_s(b, ws, 0, 1, "上报", b->head);
	put_s(b, ws, 0, 2, "办结", b->head);
	for (size_t i = 0; i < r->ntrend; i++) {
		put_s(b, ws, (int)i + 1, 0, r->trend[i].period, NULL);
		put_n(b, ws, (int)i + 1, 1, (double)r->trend[i].reported, NULL);
		put_n(b, ws, (int)i + 1, 2, (double)r->trend[i].closed, NULL);
	}
	if (r->ntrend == 0)
		return;
	lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_LINE);
	if (!chart) {
		note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	chart_title_set_name(chart, "上报与办结趋势");
	lxw_row_t last = (lxw_row_t)r->ntrend;
	static const char *const series_names[] = {"上报", "办结"};
	for (lxw_col_t c = 1; c <= 2; c++) {
		lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
		if (!s) {
			note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
			return;
		}
		chart_series_set_categories(s, "趋势", 1, 0, last, 0);
		chart_series_set_values(s, "趋势", 1, c, last, c);
		chart_series_set_name(s, series_names[c - 1]);
	}
	chart_axis_set_name(chart->y_axis, "件数");
	note(b, worksheet_insert_chart(ws, 1, 4, chart));
}

static void rates_sheet(struct book *b, const wg_report *r)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "考核");
	if (!ws) {
		note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	note(b, worksheet_set_column(ws, 0, 0, 16, NULL));
	note(b, worksheet_set_column(ws, 1, 1, 18, NULL));
	note(b, worksheet_merge_range(ws, 0, 0, 1, 0, "区域编码", b->head));
	note(b, worksheet_merge_range(ws, 0, 1, 1, 1, "区域名称", b->head));
	static const char *const parts[] = {"分子", "分母", "比率"};
	for (int k = 0; k < WG_STATS_RATES; k++) {
		lxw_col_t c = (lxw_col_t)(2 + 3 * k);
		note(b, worksheet_merge_range(ws, 0, c, 0, c + 2, wg_report_rate_titles[k], b->head));
		for (int p = 0; p < 3; p++)
			put_s(b, ws, 1, (int)c + p, parts[p], b->head);
	}
	int tail = 2 + 3 * WG_STATS_RATES;
	note(b, worksheet_merge_range(ws, 0, (lxw_col_t)tail, 0, (lxw_col_t)(tail + 2),
	                              "办理时长（工作小时）", b->head));
	put_s(b, ws, 1, tail, "平均", b->head);
	put_s(b, ws, 1, tail + 1, "P90", b->head);
	put_s(b, ws, 1, tail + 2, "件数", b->head);
	for (size_t i = 0; i < r->ngroups; i++) {
		const wg_stats_group_figures *g = &r->groups[i];
		int row = (int)i + 2;
		put_s(b, ws, row, 0, g->key, NULL);
		put_s(b, ws, row, 1, g->name, NULL);
		for (int k = 0; k < WG_STATS_RATES; k++) {
			int c = 2 + 3 * k;
			put_n(b, ws, row, c, (double)g->rates[k].numerator, NULL);
			put_n(b, ws, row, c + 1, (double)g->rates[k].denominator, NULL);
			put_rate(b, ws, row, c + 2, &g->rates[k]);
		}
		int64_t mean = wg_stats_mean_tenths(g), p90 = wg_stats_p90_hours(g);
		if (mean < 0)
			put_s(b, ws, row, tail, "—", NULL);
		else
			put_n(b, ws, row, tail, (double)mean / 10.0, b->hours);
		if (p90 < 0)
			put_s(b, ws, row, tail + 1, "—", NULL);
		else
			put_n(b, ws, row, tail + 1, (double)p90, NULL);
		put_n(b, ws, row, tail + 2, (double)g->handled, NULL);
	}
	worksheet_freeze_panes(ws, 2, 2);
}

int wg_xlsx_report_write(const wg_report *r, const char *path, char *err, size_t len)
{
	struct book b = {.wb = workbook_new(path)};
	if (!b.wb) {
		snprintf(err, len, "cannot create the workbook %s", path);
		return WG_EIO;
	}
	b.title = workbook_add_format(b.wb);
	b.head = workbook_add_format(b.wb);
	b.percent = workbook_add_format(b.wb);
	b.hours = workbook_add_format(b.wb);
	if (b.title && b.head && b.percent && b.hours) {
		format_set_bold(b.title);
		format_set_font_size(b.title, 14);
		format_set_bold(b.head);
		format_set_bg_color(b.head, 0xDDEBF7);
		format_set_border(b.head, LXW_BORDER_THIN);
		format_set_align(b.head, LXW_ALIGN_CENTER);
		format_set_num_format(b.percent, "0.0%");
		format_set_num_format(b.hours, "0.0");
		overview_sheet(&b, r);
		category_sheet(&b, r);
		trend_sheet(&b, r);
		rates_sheet(&b, r);
	} else {
		note(&b, LXW_ERROR_MEMORY_MALLOC_FAILED);
	}
	lxw_error closed = workbook_close(b.wb);
	note(&b, closed);
	if (b.first != LXW_NO_ERROR) {
		snprintf(err, len, "cannot write the workbook: %s", lxw_strerror(b.first));
		return WG_EIO;
	}
	return 0;
}
