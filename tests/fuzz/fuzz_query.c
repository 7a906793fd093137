/* fuzz_query.c - the query string as the list routes read it: the decoder
 * (wg_target_parse_query), then every reader of decoded values that list
 * handlers use, on one request whose ?query is the input (up to a NUL).
 *
 * Checked:
 *   - an accepted query decodes as a reference decoder written here from
 *     libevent's rules does: pairs split on '&' and at the first '=', the
 *     value percent-decoded with '+' as a space, the name left as sent;
 *     every name and value valid UTF-8; a refused one gives a reason;
 *   - repeated names: wg_req_query gives the first (names compared
 *     without regard to ASCII case, as libevent looks them up);
 *   - wg_query_int / wg_query_limit: within bounds and equal to the
 *     decimal text, the default when absent, else a field error;
 *   - wg_query_string: non-empty and within its length, else absent or a
 *     field error;
 *   - cursors (wg_query_cursor, wg_page_init, wg_page_init_id): a key
 *     comes back only from a cursor wg_cursor_encode makes of that key
 *     again, and any decoded value (?q=) survives encode then decode;
 *   - the area filter (wg__api_query_area): grid and region together are
 *     a conflict;
 *   - dates (?from= ?to= ?date=): the statistics period holds real dates
 *     in order and at most WG_STATS_DAYS_MAX days, keeping the ends given;
 *     a report date is printed back as given; RFC 3339 times (the case
 *     list's from/to) survive format then parse. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "api/basedata.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/utf8.h"
#include "domain/report.h"
#include "domain/stats.h"
#include "http/page.h"
#include "http/target.h"
#include "http/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-24T09:30:00+08:00: "today" of the statistics period. */
#define NOW INT64_C(1795483800000)

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* How many '&'-separated pieces raw has at most. */
static int pieces(const char *raw)
{
	int n = 1;
	for (const char *p = raw; (p = strchr(p, '&')) != NULL; p++)
		n++;
	return n;
}

/* The reference: the pairs of raw in order, into names/values (malloc'd
 * copies, at most max). Returns the count, or -1 for a piece without '='
 * or with an empty name (which libevent refuses). */
static int reference_pairs(const char *raw, char **names, char **values, int max)
{
	int n = 0;
	for (const char *p = raw; *p;) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (!eq || eq == p || n == max) {
			while (n > 0) {
				n--;
				free(names[n]);
				free(values[n]);
			}
			return -1;
		}
		names[n] = strndup(p, (size_t)(eq - p));
		char *v = malloc(len + 1);
		if (!names[n] || !v)
			abort();
		size_t o = 0;
		for (size_t k = (size_t)(eq + 1 - p); k < len; k++) {
			char c = p[k];
			int hi = c == '%' && k + 2 < len ? hex_value(p[k + 1]) : -1;
			int lo = hi >= 0 ? hex_value(p[k + 2]) : -1;
			if (c == '+') {
				c = ' ';
			} else if (hi >= 0 && lo >= 0) {
				c = (char)(hi * 16 + lo);
				k += 2;
			}
			v[o++] = c;
		}
		v[o] = '\0';
		values[n++] = v;
		if (!end)
			break;
		p = end + 1;
	}
	return n;
}

/* Whether the decoder must refuse raw: a '%' without two hex digits, a
 * %00, a piece the reference refuses, or invalid UTF-8 in a name or a
 * decoded value. */
static bool must_refuse(const char *raw)
{
	for (const char *p = raw; (p = strchr(p, '%')) != NULL; p++)
		if (hex_value(p[1]) < 0 || hex_value(p[2]) < 0 || (p[1] == '0' && p[2] == '0'))
			return true;
	int max = pieces(raw);
	char **names = calloc((size_t)max, sizeof *names), **values = calloc((size_t)max, sizeof *values);
	if (!names || !values)
		abort();
	int n = reference_pairs(raw, names, values, max);
	bool refuse = n < 0;
	for (int i = 0; i < n; i++) {
		refuse = refuse || !wg_utf8_valid(names[i], strlen(names[i])) ||
		         !wg_utf8_valid(values[i], strlen(values[i]));
		free(names[i]);
		free(values[i]);
	}
	free(names);
	free(values);
	return refuse;
}

static void check_decoding(const char *raw, struct evkeyvalq *q)
{
	int max = pieces(raw);
	char **names = calloc((size_t)max, sizeof *names), **values = calloc((size_t)max, sizeof *values);
	if (!names || !values)
		abort();
	int n = reference_pairs(raw, names, values, max);
	if (n < 0)
		abort(); /* libevent took what the reference refuses */
	int i = 0;
	const struct evkeyval *kv;
	TAILQ_FOREACH(kv, q, next) {
		if (i == n || strcmp(kv->key, names[i]) != 0 || strcmp(kv->value, values[i]) != 0)
			abort();
		if (!wg_utf8_valid(kv->key, strlen(kv->key)) || !wg_utf8_valid(kv->value, strlen(kv->value)))
			abort();
		i++;
	}
	if (i != n)
		abort();
	for (i = 0; i < n; i++) {
		/* The first pair of a name, whatever the case of its letters, is
		 * what a handler reads. */
		const char *first = NULL;
		for (int k = 0; k < n && !first; k++)
			if (strcasecmp(names[k], names[i]) == 0)
				first = values[k];
		const char *got = evhttp_find_header(q, names[i]);
		if (!got || strcmp(got, first) != 0)
			abort();
	}
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(values[i]);
	}
	free(names);
	free(values);
}

/* Whether an error on field (with code, unless NULL) was recorded since
 * before. */
static bool error_code_on(const wg_req *req, unsigned before, const char *field, const char *code)
{
	for (unsigned i = before; i < req->errors.n; i++)
		if (strcmp(req->errors.e[i].field, field) == 0 &&
		    (!code || strcmp(req->errors.e[i].code, code) == 0))
			return true;
	return false;
}

static bool error_on(const wg_req *req, unsigned before, const char *field)
{
	return error_code_on(req, before, field, NULL);
}

/* The value of ?name= as wg_query_string takes it: non-empty and at most
 * max_chars code points, else NULL. */
static const char *accepted_string(wg_req *req, const char *name, size_t max_chars)
{
	const char *v = wg_req_query(req, name);
	return v && *v && wg_utf8_count(v, strlen(v)) <= max_chars ? v : NULL;
}

static void check_int(wg_req *req, const char *name, int64_t def, int64_t min, int64_t max)
{
	unsigned before = req->errors.n;
	int64_t v = -12345;
	bool ok = wg_query_int(req, name, def, min, max, &v);
	const char *text = wg_req_query(req, name);
	if (ok != (req->errors.n == before) || ok == error_on(req, before, name))
		abort();
	if (!ok)
		return;
	if (!text) {
		if (v != def)
			abort();
		return;
	}
	char *end;
	errno = 0;
	long long parsed = strtoll(text, &end, 10);
	if (v < min || v > max || errno || *end || parsed != v ||
	    !isdigit((unsigned char)text[text[0] == '-']))
		abort();
}

static void check_string(wg_req *req, const char *name, size_t max_chars)
{
	unsigned before = req->errors.n;
	const char *v = wg_query_string(req, name, max_chars);
	const char *text = wg_req_query(req, name);
	if (v) {
		if (v != text || !*v || wg_utf8_count(v, strlen(v)) > max_chars || req->errors.n != before)
			abort();
	} else if (text && *text && !error_on(req, before, name)) {
		abort();
	}
}

/* What the list's cursor decodes to, if anything, must be what the cursor
 * encodes; and any text survives encode then decode. */
static void check_cursor(wg_req *req, struct evkeyvalq *q)
{
	bool bad = true;
	unsigned before = req->errors.n;
	const char *key = wg_query_cursor(req, &bad);
	const char *text = wg_req_query(req, "cursor");
	if (key) {
		const char *again = wg_cursor_encode(req, key);
		if (bad || !text || !again || strcmp(again, text) != 0 || !wg_utf8_valid(key, strlen(key)))
			abort();
	} else if (bad != (text && *text) || bad != error_on(req, before, "cursor")) {
		abort();
	}

	wg_page page;
	const char *after = NULL;
	before = req->errors.n;
	bool ok = wg_page_init(&page, req, &after);
	if (ok != (req->errors.n == before) || (!after != !key) ||
	    (after && (!key || strcmp(after, key) != 0)))
		abort();
	if (ok && (page.limit < 1 || page.limit > 200 || wg_page_fetch(&page) != page.limit + 1))
		abort();
	int64_t after_id = -1;
	before = req->errors.n;
	ok = wg_page_init_id(&page, req, &after_id);
	if (ok != (req->errors.n == before) || after_id < 0 || (after_id > 0 && !key))
		abort();

	/* Round trip of a decoded value through a cursor of our own. */
	const char *v = wg_req_query(req, "q");
	if (v && *v && strlen(v) < 300) {
		const char *c = wg_cursor_encode(req, v);
		if (!c)
			abort();
		struct evkeyval kv = {.key = (char *)"cursor", .value = (char *)c};
		struct evkeyvalq one;
		TAILQ_INIT(&one);
		TAILQ_INSERT_TAIL(&one, &kv, next);
		req->query = &one;
		const char *back = wg_query_cursor(req, &bad);
		if (bad || !back || strcmp(back, v) != 0)
			abort();
		req->query = q;
	}
}

static bool strict_date(const char *s)
{
	int y, m, d;
	char again[16];
	if (!wg_report_parse_date(s, &y, &m, &d))
		return false;
	snprintf(again, sizeof again, "%04d-%02d-%02d", y, m, d);
	if (strcmp(again, s) != 0)
		abort();
	return true;
}

static void check_dates(wg_req *req)
{
	const char *from = wg_req_query(req, "from"), *to = wg_req_query(req, "to");
	wg_stats_query sq = {.offset_minutes = 480};
	unsigned before = req->errors.n;
	if (wg_stats_period(&sq, from, to, NOW, &req->errors)) {
		int64_t f, t;
		int y, m, d;
		if (req->errors.n != before || !strict_date(sq.from) || !strict_date(sq.to) ||
		    strcmp(sq.from, sq.to) > 0 || (from && strcmp(from, sq.from) != 0) ||
		    (to && strcmp(to, sq.to) != 0))
			abort();
		wg_report_parse_date(sq.from, &y, &m, &d);
		wg_calendar_day_number(y, m, d, &f);
		wg_report_parse_date(sq.to, &y, &m, &d);
		wg_calendar_day_number(y, m, d, &t);
		if (t - f + 1 > WG_STATS_DAYS_MAX || (!from && t - f != 29))
			abort();
	} else if (req->errors.n == before) {
		abort();
	}

	/* The case list reads from/to as RFC 3339 times. */
	const char *times[] = {from, to};
	for (int i = 0; i < 2; i++) {
		int64_t ms = 0, back = 0;
		char text[40];
		if (times[i] && wg_clock_parse_rfc3339(times[i], &ms) == 0 &&
		    wg_clock_format_rfc3339(ms, 0, 1, text, sizeof text) == 0 &&
		    (wg_clock_parse_rfc3339(text, &back) != 0 || back != ms))
			abort();
	}

	/* A report's ?date= and the periods holding it. */
	const char *date = wg_req_query(req, "date");
	int y, m, d;
	if (date && strict_date(date)) {
		wg_report_parse_date(date, &y, &m, &d);
		for (int p = 0; p < WG_REPORT_PERIODS; p++) {
			char pf[WG_STATS_DATE_LEN + 1], pt[WG_STATS_DATE_LEN + 1];
			if (!wg_report_period_bounds((enum wg_report_period)p, y, m, d, pf, pt))
				continue;
			if (!strict_date(pf) || !strict_date(pt) || strcmp(pf, date) > 0 ||
			    strcmp(date, pt) > 0)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = malloc(size + 1);
	if (!raw)
		return 0;
	memcpy(raw, data, size);
	raw[size] = '\0';

	struct evkeyvalq q;
	TAILQ_INIT(&q);
	const char *why = NULL;
	bool refuse = must_refuse(raw);
	if (wg_target_parse_query(raw, &q, &why) != 0) {
		if (!refuse || !why || !*why)
			abort();
		evhttp_clear_headers(&q);
		free(raw);
		return 0;
	}
	if (refuse)
		abort();
	check_decoding(raw, &q);

	static wg_req req;
	memset(&req, 0, sizeof req);
	wg_arena_init(&req.arena, 1024);
	wg_field_errors_init(&req.errors, &req.arena);
	req.query = &q;

	int64_t limit = 0;
	unsigned before = req.errors.n;
	if (wg_query_limit(&req, &limit) ? limit < 1 || limit > 200 : !error_on(&req, before, "limit"))
		abort();
	check_int(&req, "days", 3, 0, 366);
	check_int(&req, "house", 0, 0, INT64_MAX);
	check_int(&req, "subject_id", 0, 1, INT64_MAX);
	check_int(&req, "n", -5, INT64_MIN, -1);
	check_string(&req, "q", 8);
	check_string(&req, "role", 32);
	check_cursor(&req, &q);

	const char *area = NULL, *field = NULL;
	before = req.errors.n;
	wg__api_query_area(&req, &area, &field);
	const char *grid = accepted_string(&req, "grid", 18), *region = accepted_string(&req, "region", 12);
	if ((grid && region) != error_code_on(&req, before, "grid", "conflict") ||
	    area != (grid ? grid : region) || strcmp(field, grid ? "grid" : "region") != 0)
		abort();
	check_dates(&req);

	for (unsigned i = 0; i < req.errors.n; i++)
		if (!req.errors.e[i].field || !req.errors.e[i].code || !req.errors.e[i].message ||
		    !wg_utf8_valid(req.errors.e[i].message, strlen(req.errors.e[i].message)))
			abort();
	evhttp_clear_headers(&q);
	wg_arena_clear(&req.arena);
	free(raw);
	return 0;
}
