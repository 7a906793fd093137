/* fuzz_headers.c - the small grammars of request header and path values:
 * If-Match (wg_version_parse, http/validate.h), Last-Event-ID
 * (wg_sse_parse_last_event_id, http/sse.h), Idempotency-Key
 * (wg_idempotency_key_ok, api/idempotency.h), Content-Type
 * (wg_media_type_is_json, http/validate.h), an evaluation period key
 * (wg_evaluation_period_parse, domain/evaluation.h) and a report period
 * name (wg_report_period_parse, domain/report.h), each against a reference
 * written here from its header's contract.
 *
 * Input: byte 0 modulo 6 picks the parser in the order above; the rest is
 * the value, as a C string (a header value cannot hold NUL: the first one
 * ends it).
 *
 * Checked: the same answer as the reference; numbers as the reference
 * reads them and untouched on refusal; an accepted version or event id
 * prints back as its digits without leading zeros; an accepted period has
 * the key as given and first and last days within its year, the first not
 * after the last, of the kind its key names. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/idempotency.h"
#include "domain/evaluation.h"
#include "domain/report.h"
#include "http/sse.h"
#include "http/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char int64_max[] = "9223372036854775807";

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Decimal digits s[0..n) as an int64, through their text without leading
 * zeros compared with INT64_MAX's; false when larger. */
static bool digits_value(const char *s, size_t n, int64_t *v)
{
	while (n > 1 && *s == '0')
		s++, n--;
	if (n > sizeof int64_max - 1 || (n == sizeof int64_max - 1 && memcmp(s, int64_max, n) > 0))
		return false;
	char buf[sizeof int64_max];
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = (int64_t)strtoull(buf, NULL, 10);
	return true;
}

/* The digits of h as printed back: leading zeros dropped. */
static bool prints_back(int64_t v, const char *digits, size_t n)
{
	while (n > 1 && *digits == '0')
		digits++, n--;
	char buf[24];
	int k = snprintf(buf, sizeof buf, "%lld", (long long)v);
	return k > 0 && (size_t)k == n && memcmp(buf, digits, n) == 0;
}

static void check_version(const char *h)
{
	size_t len = strlen(h);
	const char *d = h;
	size_t n = len;
	bool want = true;
	if (len && h[0] == '"') {
		want = len >= 2 && h[len - 1] == '"';
		d = h + 1;
		n = want ? len - 2 : 0;
	}
	int64_t ref = 0;
	want = want && n > 0 && all_digits(d, n) && digits_value(d, n, &ref) && ref > 0;
	int64_t v = -1;
	bool got = wg_version_parse(h, &v);
	if (got != want || (got && (v != ref || !prints_back(v, d, n))) || (!got && v != -1))
		abort();
}

static void check_event_id(const char *s)
{
	size_t n = strlen(s);
	int64_t ref = 0;
	bool want = n > 0 && n <= 19 && all_digits(s, n) && digits_value(s, n, &ref);
	int64_t v = -1;
	bool got = wg_sse_parse_last_event_id(s, &v);
	if (got != want || (got && (v != ref || !prints_back(v, s, n))) || (!got && v != -1))
		abort();
}

static void check_key(const char *s)
{
	size_t n = strlen(s);
	bool want = n >= 1 && n <= WG_IDEMPOTENCY_KEY_MAX;
	for (size_t i = 0; want && i < n; i++)
		want = (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e;
	if (wg_idempotency_key_ok(s) != want)
		abort();
}

static void check_media_type(const char *ct)
{
	static const char json[] = "application/json";
	size_t n = sizeof json - 1;
	bool want = strlen(ct) >= n;
	for (size_t i = 0; want && i < n; i++) {
		char c = ct[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		want = c == json[i];
	}
	want = want && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
	if (wg_media_type_is_json(ct) != want)
		abort();
}

static void check_evaluation_period(const char *s)
{
	size_t n = strlen(s);
	int year = 0, first = 1, last = 12;
	enum wg_evaluation_period_kind kind = WG_EVALUATION_YEAR;
	bool want = (n == 4 || n == 7) && all_digits(s, 4);
	if (want)
		year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	want = want && year >= 1970;
	if (want && n == 7) {
		if (s[4] != '-') {
			want = false;
		} else if (s[5] == 'Q') {
			want = s[6] >= '1' && s[6] <= '4';
			kind = WG_EVALUATION_QUARTER;
			last = (s[6] - '0') * 3;
			first = last - 2;
		} else {
			want = all_digits(s + 5, 2);
			kind = WG_EVALUATION_MONTH;
			first = last = (s[5] - '0') * 10 + (s[6] - '0');
			want = want && first >= 1 && first <= 12;
		}
	}
	wg_evaluation_period p;
	bool got = wg_evaluation_period_parse(s, &p);
	if (got != want)
		abort();
	if (!got)
		return;
	char from[16], to_month[16];
	snprintf(from, sizeof from, "%04d-%02d-01", year, first);
	snprintf(to_month, sizeof to_month, "%04d-%02d-", year, last);
	if (p.kind != kind || strcmp(p.key, s) != 0 || strcmp(p.from, from) != 0 ||
	    strncmp(p.to, to_month, 8) != 0 || strlen(p.to) != 10 || strcmp(p.from, p.to) > 0)
		abort();
	int last_day = all_digits(p.to + 8, 2) ? (p.to[8] - '0') * 10 + (p.to[9] - '0') : 0;
	if (last_day < 28 || last_day > 31)
		abort();
}

static void check_report_period(const char *s)
{
	int want = -1;
	for (int i = 0; i < WG_REPORT_PERIODS; i++)
		if (strcmp(s, wg_report_period_names[i]) == 0)
			want = i;
	if (wg_report_period_parse(s, strlen(s)) != want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned which = data[0] % 6;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (which) {
	case 0: check_version(text); break;
	case 1: check_event_id(text); break;
	case 2: check_key(text); break;
	case 3: check_media_type(text); break;
	case 4: check_evaluation_period(text); break;
	default: check_report_period(text); break;
	}
	free(text);
	return 0;
}
