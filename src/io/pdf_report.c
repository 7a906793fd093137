#include "io/pdf_report.h"

#include "core/error.h"

#include <hpdf.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A4 in points, and the margins of every page. */
#define PAGE_W 595.0f
#define PAGE_H 842.0f
#define MARGIN 50.0f
#define TOP_CATEGORIES 15

/* The document and the first error libharu reported through its
 * handler: calls after an error do nothing harmful, so the drawing code
 * runs straight through and the error is checked once at the end. */
struct doc {
	HPDF_Doc pdf;
	HPDF_Font font;
	HPDF_Page page;
	float y; /* baseline of the next line on page */
	HPDF_STATUS error;
	HPDF_STATUS detail;
};

static void on_error(HPDF_STATUS error, HPDF_STATUS detail, void *data)
{
	struct doc *d = data;
	if (!d->error) {
		d->error = error;
		d->detail = detail;
	}
}

static bool is_collection(const char *font)
{
	size_t n = strlen(font);
	return n > 4 && strcasecmp(font + n - 4, ".ttc") == 0;
}

/* Load the font into d->pdf with UTF-8 text; false when it cannot be. */
static bool load_font(struct doc *d, const char *font, int font_index)
{
	if (HPDF_UseUTFEncodings(d->pdf) != HPDF_OK || HPDF_SetCurrentEncoder(d->pdf, "UTF-8") != HPDF_OK)
		return false;
	const char *name = is_collection(font)
	                           ? HPDF_LoadTTFontFromFile2(d->pdf, font, (HPDF_UINT)font_index, HPDF_TRUE)
	                           : HPDF_LoadTTFontFromFile(d->pdf, font, HPDF_TRUE);
	if (!name)
		return false;
	d->font = HPDF_GetFont(d->pdf, name, "UTF-8");
	return d->font != NULL;
}

static void font_reason(const struct doc *d, const char *font, char *err, size_t len)
{
	snprintf(err, len,
	         "reports.font %s cannot be used (libharu error 0x%04X/%u): it must be a TrueType "
	         ".ttf or .ttc with CJK glyphs, such as Debian's fonts-wqy-zenhei",
	         font, (unsigned)d->error, (unsigned)d->detail);
}

int wg_pdf_report_font_check(const char *font, int font_index, char *err, size_t len)
{
	struct doc d = {0};
	d.pdf = HPDF_New(on_error, &d);
	if (!d.pdf) {
		snprintf(err, len, "out of memory checking reports.font");
		return WG_ECONFIG;
	}
	bool ok = load_font(&d, font, font_index);
	if (!ok)
		font_reason(&d, font, err, len);
	HPDF_Free(d.pdf);
	return ok ? 0 : WG_ECONFIG;
}

/* ---- drawing ---------------------------------------------------------------------- */

static void new_page(struct doc *d)
{
	d->page = HPDF_AddPage(d->pdf);
	if (!d->page)
		return;
	HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	d->y = PAGE_H - MARGIN;
}

/* Room for height points below the current line, else a new page. */
static void need(struct doc *d, float height)
{
	if (d->y - height < MARGIN)
		new_page(d);
}

static void text_at(struct doc *d, float x, float y, float size, const char *s)
{
	if (!d->page)
		return;
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, d->font, size);
	HPDF_Page_TextOut(d->page, x, y, s ? s : "");
	HPDF_Page_EndText(d->page);
}

/* s ending at x (numbers in columns). */
static void text_right(struct doc *d, float x, float y, float size, const char *s)
{
	if (!d->page)
		return;
	HPDF_Page_SetFontAndSize(d->page, d->font, size);
	float w = HPDF_Page_TextWidth(d->page, s);
	text_at(d, x - w, y, size, s);
}

static void line(struct doc *d, float size, const char *s)
{
	need(d, size * 1.6f);
	d->y -= size * 1.6f;
	text_at(d, MARGIN, d->y, size, s);
}

static void rule(struct doc *d, float x0, float y, float x1)
{
	if (!d->page)
		return;
	HPDF_Page_SetLineWidth(d->page, 0.5f);
	HPDF_Page_MoveTo(d->page, x0, y);
	HPDF_Page_LineTo(d->page, x1, y);
	HPDF_Page_Stroke(d->page);
}

static void heading(struct doc *d, const char *s)
{
	need(d, 40);
	d->y -= 12;
	line(d, 13, s);
}

static void percent_text(const wg_stats_rate *r, char *buf, size_t len)
{
	int64_t pm = wg_stats_permille(r);
	if (pm < 0)
		snprintf(buf, len, "—");
	else
		snprintf(buf, len, "%lld.%lld%%", (long long)(pm / 10), (long long)(pm % 10));
}

static void overview(struct doc *d, const wg_report *r)
{
	const wg_stats_overview *o = &r->overview;
	char buf[256];
	heading(d, "一、总体情况");
	snprintf(buf, sizeof buf, "上报总数 %lld 件，在办 %lld 件，超期 %lld 件，办结 %lld 件。",
	         (long long)o->total, (long long)o->open, (long long)o->overdue, (long long)o->closed);
	line(d, 10.5f, buf);
	size_t at = 0;
	at += (size_t)snprintf(buf, sizeof buf, "按来源：");
	for (size_t i = 0; i < o->nsource && at < sizeof buf; i++)
		at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s %lld", i ? "，" : "",
		                       wg_report_source_title(o->by_source[i].key),
		                       (long long)o->by_source[i].count);
	if (o->nsource == 0)
		snprintf(buf + at, sizeof buf - at, "无");
	line(d, 10.5f, buf);
	at = (size_t)snprintf(buf, sizeof buf, "按类型：");
	for (size_t i = 0; i < o->nkind && at < sizeof buf; i++)
		at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s %lld", i ? "，" : "",
		                       wg_report_kind_name(o->by_kind[i].key),
		                       (long long)o->by_kind[i].count);
	if (o->nkind == 0)
		snprintf(buf + at, sizeof buf - at, "无");
	line(d, 10.5f, buf);
}

/* Bars of the cases reported (dark) and closed (light) per day or week,
 * scaled to the largest count, with the first and last period named. */
static void trend_chart(struct doc *d, const wg_report *r)
{
	heading(d, r->bucket == WG_STATS_DAY ? "二、每日上报与办结" : "二、每周上报与办结");
	const float height = 140, width = PAGE_W - 2 * MARGIN;
	need(d, height + 40);
	if (!d->page || r->ntrend == 0)
		return;
	int64_t max = 1;
	for (size_t i = 0; i < r->ntrend; i++) {
		if (r->trend[i].reported > max)
			max = r->trend[i].reported;
		if (r->trend[i].closed > max)
			max = r->trend[i].closed;
	}
	float base = d->y - height - 10, left = MARGIN + 24;
	float slot = (width - 24) / (float)r->ntrend;
	float bar = slot * 0.4f;
	HPDF_Page_SetLineWidth(d->page, 0.5f);
	HPDF_Page_SetRGBStroke(d->page, 0, 0, 0);
	HPDF_Page_MoveTo(d->page, left, base + height);
	HPDF_Page_LineTo(d->page, left, base);
	HPDF_Page_LineTo(d->page, MARGIN + width, base);
	HPDF_Page_Stroke(d->page);
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)max);
	text_right(d, left - 3, base + height - 4, 8, buf);
	text_right(d, left - 3, base - 3, 8, "0");
	for (size_t i = 0; i < r->ntrend; i++) {
		float x = left + slot * (float)i + slot * 0.1f;
		float h1 = height * (float)r->trend[i].reported / (float)max;
		float h2 = height * (float)r->trend[i].closed / (float)max;
		HPDF_Page_SetRGBFill(d->page, 0.16f, 0.38f, 0.69f);
		HPDF_Page_Rectangle(d->page, x, base, bar, h1);
		HPDF_Page_Fill(d->page);
		HPDF_Page_SetRGBFill(d->page, 0.55f, 0.78f, 0.45f);
		HPDF_Page_Rectangle(d->page, x + bar, base, bar, h2);
		HPDF_Page_Fill(d->page);
	}
	HPDF_Page_SetRGBFill(d->page, 0, 0, 0);
	text_at(d, left, base - 12, 8, r->trend[0].period);
	text_right(d, MARGIN + width, base - 12, 8, r->trend[r->ntrend - 1].period);
	/* The legend. */
	float ly = base - 26;
	HPDF_Page_SetRGBFill(d->page, 0.16f, 0.38f, 0.69f);
	HPDF_Page_Rectangle(d->page, left, ly, 8, 8);
	HPDF_Page_Fill(d->page);
	HPDF_Page_SetRGBFill(d->page, 0.55f, 0.78f, 0.45f);
	HPDF_Page_Rectangle(d->page, left + 50, ly, 8, 8);
	HPDF_Page_Fill(d->page);
	HPDF_Page_SetRGBFill(d->page, 0, 0, 0);
	text_at(d, left + 11, ly, 8, "上报");
	text_at(d, left + 61, ly, 8, "办结");
	d->y = ly - 6;
}

static void categories(struct doc *d, const wg_report *r)
{
	heading(d, "三、问题分类（前15位）");
	const wg_stats_overview *o = &r->overview;
	const float x_no = MARGIN, x_name = MARGIN + 30, x_count = MARGIN + 380, x_share = PAGE_W - MARGIN;
	need(d, 20);
	d->y -= 16;
	text_at(d, x_no, d->y, 9.5f, "序号");
	text_at(d, x_name, d->y, 9.5f, "分类");
	text_right(d, x_count, d->y, 9.5f, "件数");
	text_right(d, x_share, d->y, 9.5f, "占比");
	rule(d, MARGIN, d->y - 4, PAGE_W - MARGIN);
	size_t n = o->ncategory < TOP_CATEGORIES ? o->ncategory : TOP_CATEGORIES;
	for (size_t i = 0; i < n; i++) {
		const wg_stats_count *c = &o->by_category[i];
		char no[16], count[32], share[32];
		snprintf(no, sizeof no, "%zu", i + 1);
		snprintf(count, sizeof count, "%lld", (long long)c->count);
		wg_stats_rate s = {c->count, o->total};
		percent_text(&s, share, sizeof share);
		need(d, 16);
		d->y -= 15;
		text_at(d, x_no, d->y, 9.5f, no);
		text_at(d, x_name, d->y, 9.5f, c->name && *c->name ? c->name : c->key);
		text_right(d, x_count, d->y, 9.5f, count);
		text_right(d, x_share, d->y, 9.5f, share);
	}
	if (n == 0)
		line(d, 9.5f, "本期无上报。");
}

/* Each rate as its percent over numerator/denominator in small print,
 * one column per rate: all eight fit an A4 portrait page at this size. */
static void rates(struct doc *d, const wg_report *r)
{
	heading(d, "四、考核指标（按区域）");
	const float name_w = 100, col = (PAGE_W - 2 * MARGIN - name_w) / WG_STATS_RATES;
	need(d, 20);
	d->y -= 16;
	text_at(d, MARGIN, d->y, 8.5f, "区域");
	for (int k = 0; k < WG_STATS_RATES; k++)
		text_right(d, MARGIN + name_w + col * (float)(k + 1) - 2, d->y, 8.5f,
		           wg_report_rate_titles[k]);
	rule(d, MARGIN, d->y - 4, PAGE_W - MARGIN);
	for (size_t i = 0; i < r->ngroups; i++) {
		const wg_stats_group_figures *g = &r->groups[i];
		need(d, 26);
		d->y -= 14;
		text_at(d, MARGIN, d->y, 8.5f, g->name && *g->name ? g->name : g->key);
		for (int k = 0; k < WG_STATS_RATES; k++) {
			char pct[32], frac[48];
			percent_text(&g->rates[k], pct, sizeof pct);
			snprintf(frac, sizeof frac, "%lld/%lld", (long long)g->rates[k].numerator,
			         (long long)g->rates[k].denominator);
			float x = MARGIN + name_w + col * (float)(k + 1) - 2;
			text_right(d, x, d->y, 8.5f, pct);
			text_right(d, x, d->y - 9, 6.5f, frac);
		}
		d->y -= 9;
	}
	if (r->ngroups == 0)
		line(d, 9.5f, "本期无可考核的数据。");
	line(d, 7.5f, "比率下方为分子/分母；“—”表示分母为零。定义见统计口径说明。");
}

static int status_of(const struct doc *d, const char *path, char *err, size_t len)
{
	if (d->error == HPDF_FAILD_TO_ALLOC_MEM) {
		snprintf(err, len, "out of memory writing the PDF");
		return WG_ENOMEM;
	}
	snprintf(err, len, "cannot write the PDF %s (libharu error 0x%04X/%u)", path, (unsigned)d->error,
	         (unsigned)d->detail);
	return WG_EIO;
}

int wg_pdf_report_write(const wg_report *r, const char *font, int font_index, const char *path, char *err,
                        size_t len)
{
	struct doc d = {0};
	d.pdf = HPDF_New(on_error, &d);
	if (!d.pdf) {
		snprintf(err, len, "out of memory writing the PDF");
		return WG_ENOMEM;
	}
	if (!load_font(&d, font, font_index)) {
		int rc = WG_ECONFIG;
		if (d.error == HPDF_FAILD_TO_ALLOC_MEM)
			rc = status_of(&d, path, err, len);
		else
			font_reason(&d, font, err, len);
		HPDF_Free(d.pdf);
		return rc;
	}
	HPDF_SetCompressionMode(d.pdf, HPDF_COMP_ALL);
	HPDF_SetInfoAttr(d.pdf, HPDF_INFO_TITLE, r->title);
	HPDF_SetInfoAttr(d.pdf, HPDF_INFO_CREATOR, "wangge");
	new_page(&d);
	d.y -= 10;
	text_at(&d, MARGIN, d.y, 18, r->title);
	char buf[160];
	snprintf(buf, sizeof buf, "统计时段：%s 至 %s    区域代码：%s", r->from, r->to,
	         r->area ? r->area : "全部");
	line(&d, 9.5f, buf);
	rule(&d, MARGIN, d.y - 6, PAGE_W - MARGIN);
	overview(&d, r);
	trend_chart(&d, r);
	categories(&d, r);
	rates(&d, r);
	if (!d.error)
		HPDF_SaveToFile(d.pdf, path);
	int rc = d.error ? status_of(&d, path, err, len) : 0;
	HPDF_Free(d.pdf);
	return rc;
}
