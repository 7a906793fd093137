/* evaluation.c - the evaluation file, the scores and ranks, and the
 * snapshots of published periods (see evaluation.h).
 *
 * Every figure comes from wg_stats_rates over the county, read as the
 * system; nothing here counts cases. The score arithmetic is in integers
 * (units of 1e-8 point), so that SQLite and PostgreSQL servers, and the
 * snapshot and a live answer, agree to the last digit. */
#include "domain/evaluation.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/role.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const wg_evaluation_subject_names[WG_EVALUATION_SUBJECTS] = {"town", "department", "grid_worker"};
const char *const wg_evaluation_period_kind_names[WG_EVALUATION_PERIOD_KINDS] = {"month", "quarter", "year"};
static const char *const no_data_names[] = {"reweight", "zero", "full"};
static const char *const use_names[] = {"ranking", "score"};
static const char *const better_names[] = {"higher", "lower"};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])
#define FILE_MAX (1024L * 1024) /* the shipped file is 2 KB */
#define PATH_LEN 160
#define NOTE_MAX 500
/* Points are computed in units of 1e-8 point: a hundredth is 1e6 units. */
#define UNITS_PER_POINT INT64_C(100000000)
#define UNITS_PER_HUNDREDTH INT64_C(1000000)

static int find_name(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* ---- the file --------------------------------------------------------------- */

typedef struct parser {
	const char *file;
	char *err;
	size_t errlen;
} parser;

static int fail(const parser *p, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "FILE: AT: why" into err (no AT for the whole document). */
static int fail(const parser *p, const char *at, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return WG_EVALIDATION;
	size_t used = 0;
	int n = snprintf(p->err, p->errlen, "%s: %s%s", p->file, at, at[0] ? ": " : "");
	if (n > 0)
		used = (size_t)n < p->errlen ? (size_t)n : p->errlen - 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + used, p->errlen - used, fmt, ap);
	va_end(ap);
	return WG_EVALIDATION;
}

/* base.member, or member at the top; a path too long for out ends in "...". */
static void path_join(char out[PATH_LEN], const char *base, const char *member)
{
	int n = snprintf(out, PATH_LEN, "%s%s%s", base, base[0] ? "." : "", member);
	if (n >= PATH_LEN)
		memcpy(out + PATH_LEN - 4, "...", 4);
}

static void path_index(char out[PATH_LEN], const char *base, size_t i)
{
	int n = snprintf(out, PATH_LEN, "%s[%zu]", base, i);
	if (n >= PATH_LEN)
		memcpy(out + PATH_LEN - 4, "...", 4);
}

/* "a, b, c" of names, for messages. */
static const char *names_list(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
		used += k > 0 ? (size_t)k : 0;
	}
	return buf;
}

/* Every member of obj at `at` must be one of known. */
static int only(const parser *p, const char *at, json_t *obj, const char *const *known, size_t n)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value) {
		if (find_name(known, n, key) >= 0)
			continue;
		char where[PATH_LEN], list[400];
		path_join(where, at, key);
		return fail(p, where, "unknown member; the members here are %s",
		            names_list(list, sizeof list, known, n));
	}
	return 0;
}

/* The object at obj.name (required), or an error. */
static int get_object(const parser *p, const char *at, json_t *obj, const char *name, json_t **out)
{
	char where[PATH_LEN];
	path_join(where, at, name);
	*out = json_object_get(obj, name);
	if (!*out)
		return fail(p, where, "required");
	if (!json_is_object(*out) || json_object_size(*out) == 0)
		return fail(p, where, "must be an object with at least one member");
	return 0;
}

/* An integer lo..hi at obj.name; absent: def when not required. */
static int get_int(const parser *p, const char *at, json_t *obj, const char *name, bool required, int64_t lo,
                   int64_t hi, int64_t def, int64_t *out)
{
	char where[PATH_LEN];
	path_join(where, at, name);
	json_t *v = json_object_get(obj, name);
	if (!v) {
		*out = def;
		return required ? fail(p, where, "required: an integer from %lld to %lld", (long long)lo,
		                       (long long)hi)
		                : 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(p, where, "must be an integer from %lld to %lld", (long long)lo, (long long)hi);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

/* A string of 1..max characters without control characters at obj.name. */
static int get_text(const parser *p, const char *at, json_t *obj, const char *name, bool required, size_t max,
                    const char **out)
{
	char where[PATH_LEN];
	path_join(where, at, name);
	json_t *v = json_object_get(obj, name);
	*out = NULL;
	if (!v)
		return required ? fail(p, where, "required: a text of 1 to %zu characters", max) : 0;
	const char *s = json_string_value(v);
	size_t len = json_is_string(v) ? json_string_length(v) : 0;
	bool ok = s && len > 0 && strlen(s) == len && wg_utf8_count(s, len) <= max;
	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	if (!ok)
		return fail(p, where, "must be a text of 1 to %zu characters, without control characters",
		            max);
	*out = s;
	return 0;
}

/* One of names at obj.name (required). */
static int get_choice(const parser *p, const char *at, json_t *obj, const char *name,
                      const char *const *names, size_t n, int *out)
{
	char where[PATH_LEN], list[400];
	path_join(where, at, name);
	json_t *v = json_object_get(obj, name);
	*out = find_name(names, n, json_string_value(v));
	if (*out >= 0)
		return 0;
	return fail(p, where, "%s one of %s",
	            v ? "must be" : "required:", names_list(list, sizeof list, names, n));
}

static int parse_periods(const parser *p, wg_evaluation_config *c, json_t *doc)
{
	static const char *const members[] = {"label", "use", "publish_after_days"};
	json_t *periods;
	int rc = get_object(p, "", doc, "periods", &periods);
	if (rc)
		return rc;
	const char *key;
	json_t *v;
	json_object_foreach(periods, key, v) {
		char at[PATH_LEN], list[400];
		path_join(at, "periods", key);
		int k = find_name(wg_evaluation_period_kind_names, WG_EVALUATION_PERIOD_KINDS, key);
		if (k < 0)
			return fail(p, at, "unknown period kind; one of %s",
			            names_list(list, sizeof list, wg_evaluation_period_kind_names,
			                       WG_EVALUATION_PERIOD_KINDS));
		if (!json_is_object(v))
			return fail(p, at, "must be an object");
		int use = 0;
		rc = only(p, at, v, members, COUNT(members));
		if (!rc)
			rc = get_text(p, at, v, "label", true, WG_EVALUATION_LABEL_MAX, &c->periods[k].label);
		if (!rc)
			rc = get_choice(p, at, v, "use", use_names, COUNT(use_names), &use);
		if (!rc)
			rc = get_int(p, at, v, "publish_after_days", false, 1,
			             WG_EVALUATION_PUBLISH_AFTER_MAX, 0, &c->periods[k].publish_after_days);
		if (rc)
			return rc;
		c->periods[k].configured = true;
		c->periods[k].ranking = use == 0;
	}
	return 0;
}

static int parse_grades(const parser *p, wg_evaluation_config *c, json_t *doc)
{
	static const char *const members[] = {"label", "min"};
	json_t *grades = json_object_get(doc, "grades");
	if (!grades)
		return 0;
	if (!json_is_array(grades) || json_array_size(grades) > WG_EVALUATION_GRADES_MAX)
		return fail(p, "grades", "must be an array of at most %d grades", WG_EVALUATION_GRADES_MAX);
	int rc = 0;
	for (size_t i = 0; !rc && i < json_array_size(grades); i++) {
		char at[PATH_LEN], where[PATH_LEN];
		path_index(at, "grades", i);
		json_t *g = json_array_get(grades, i);
		if (!json_is_object(g))
			return fail(p, at, "must be an object {\"label\", \"min\"}");
		rc = only(p, at, g, members, COUNT(members));
		if (!rc)
			rc = get_text(p, at, g, "label", true, WG_EVALUATION_LABEL_MAX, &c->grades[i].label);
		if (!rc)
			rc = get_int(p, at, g, "min", true, 0, c->scale, 0, &c->grades[i].min);
		path_join(where, at, "min");
		if (!rc && i > 0 && c->grades[i].min >= c->grades[i - 1].min)
			rc = fail(p, where,
			          "must be below the min of the grade before it (%lld): grades go from the "
			          "best down",
			          (long long)c->grades[i - 1].min);
		path_join(where, at, "label");
		for (size_t j = 0; !rc && j < i; j++)
			if (strcmp(c->grades[j].label, c->grades[i].label) == 0)
				rc = fail(p, where, "\"%s\" is also the label of grades[%zu]",
				          c->grades[i].label, j);
		c->ngrades = i + 1;
	}
	return rc;
}

static int parse_rate(const parser *p, const char *at, json_t *v, int64_t scale, wg_evaluation_rule *r)
{
	static const char *const members[] = {"weight", "better", "min_denominator"};
	if (!json_is_object(v))
		return fail(p, at, "must be an object {\"weight\", \"better\", \"min_denominator\"}");
	int better = 0;
	int rc = only(p, at, v, members, COUNT(members));
	if (!rc)
		rc = get_int(p, at, v, "weight", true, 1, scale, 0, &r->weight);
	if (!rc)
		rc = get_choice(p, at, v, "better", better_names, COUNT(better_names), &better);
	if (!rc)
		rc = get_int(p, at, v, "min_denominator", false, 1, WG_EVALUATION_MIN_DENOMINATOR_MAX, 1,
		             &r->min_denominator);
	r->lower_better = better == 1;
	return rc;
}

static int parse_subject(const parser *p, wg_evaluation_config *c, const char *at, int s, json_t *v)
{
	static const char *const members[] = {"label", "rates"};
	if (!json_is_object(v))
		return fail(p, at, "must be an object {\"label\", \"rates\"}");
	json_t *rates;
	int rc = only(p, at, v, members, COUNT(members));
	if (!rc)
		rc = get_text(p, at, v, "label", true, WG_EVALUATION_LABEL_MAX, &c->subjects[s].label);
	if (!rc)
		rc = get_object(p, at, v, "rates", &rates);
	if (rc)
		return rc;
	char rates_at[PATH_LEN];
	path_join(rates_at, at, "rates");
	int64_t sum = 0;
	const char *key;
	json_t *rv;
	json_object_foreach(rates, key, rv) {
		char where[PATH_LEN], list[400];
		path_join(where, rates_at, key);
		int r = find_name(wg_stats_rate_names, WG_STATS_RATES, key);
		if (r < 0)
			return fail(p, where, "unknown rate; one of %s",
			            names_list(list, sizeof list, wg_stats_rate_names, WG_STATS_RATES));
		rc = parse_rate(p, where, rv, c->scale, &c->subjects[s].rates[r]);
		if (rc)
			return rc;
		sum += c->subjects[s].rates[r].weight;
	}
	if (sum != c->scale)
		return fail(p, rates_at, "the weights add up to %lld, not the scale %lld", (long long)sum,
		            (long long)c->scale);
	c->subjects[s].configured = true;
	return 0;
}

static int parse_doc(const parser *p, wg_evaluation_config *c, json_t *doc)
{
	static const char *const members[] = {"note", "scale", "no_data", "periods", "grades", "subjects"};
	if (!json_is_object(doc))
		return fail(p, "", "must be a JSON object");
	const char *note;
	int no_data = 0;
	int rc = only(p, "", doc, members, COUNT(members));
	if (!rc)
		rc = get_text(p, "", doc, "note", false, NOTE_MAX, &note);
	if (!rc)
		rc = get_int(p, "", doc, "scale", true, 1, WG_EVALUATION_SCALE_MAX, 0, &c->scale);
	if (!rc)
		rc = get_choice(p, "", doc, "no_data", no_data_names, COUNT(no_data_names), &no_data);
	c->no_data = (enum wg_evaluation_no_data)(no_data < 0 ? 0 : no_data);
	if (!rc)
		rc = parse_periods(p, c, doc);
	if (!rc)
		rc = parse_grades(p, c, doc);
	json_t *subjects = NULL;
	if (!rc)
		rc = get_object(p, "", doc, "subjects", &subjects);
	if (rc)
		return rc;
	const char *key;
	json_t *v;
	json_object_foreach(subjects, key, v) {
		char at[PATH_LEN], list[400];
		path_join(at, "subjects", key);
		int s = find_name(wg_evaluation_subject_names, WG_EVALUATION_SUBJECTS, key);
		if (s < 0)
			return fail(p, at, "unknown subject kind; one of %s",
			            names_list(list, sizeof list, wg_evaluation_subject_names,
			                       WG_EVALUATION_SUBJECTS));
		rc = parse_subject(p, c, at, s, v);
		if (rc)
			return rc;
	}
	return 0;
}

static bool json_out_of_memory(const json_error_t *e)
{
	return json_error_code(e) == json_error_out_of_memory || e->text[0] == '\0';
}

int wg_evaluation_parse(const char *text, size_t len, const char *file, wg_evaluation_config **out, char *err,
                        size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	file = file ? file : "(evaluation)";
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc && !json_out_of_memory(&jerr)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: line %d column %d: %s", file, jerr.line, jerr.column,
			         jerr.text);
		return WG_EBADREQ;
	}
	wg_evaluation_config *c = doc ? wg_calloc(1, sizeof *c) : NULL;
	if (c) {
		c->doc = doc;
		c->file = wg_strdup(file);
	} else {
		json_decref(doc);
	}
	int rc = c && c->file ? 0 : WG_ENOMEM;
	if (!rc) {
		parser p = {.file = file, .err = err, .errlen = errlen};
		rc = parse_doc(&p, c, doc);
	}
	if (rc == WG_ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", file);
	if (rc)
		wg_evaluation_free(c);
	else
		*out = c;
	return rc;
}

void wg_evaluation_free(wg_evaluation_config *c)
{
	if (!c)
		return;
	json_decref(c->doc);
	wg_free(c->file);
	wg_free(c);
}

/* ---- the file in force ------------------------------------------------------------- */

static wg_evaluation_config *in_force;

static int io_fail(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
	return WG_EIO;
}

int wg_evaluation_load(const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return io_fail(err, errlen, path, strerror(errno));
	struct stat st;
	int rc = fstat(fileno(fp), &st) != 0 ? io_fail(err, errlen, path, strerror(errno)) : 0;
	if (!rc && !S_ISREG(st.st_mode))
		rc = io_fail(err, errlen, path, "not a regular file");
	if (!rc && st.st_size > FILE_MAX)
		rc = io_fail(err, errlen, path, "larger than 1 MiB");
	size_t len = rc ? 0 : (size_t)st.st_size;
	char *text = rc ? NULL : wg_malloc(len + 1);
	if (!rc && !text) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		rc = WG_ENOMEM;
	}
	if (!rc && fread(text, 1, len, fp) != len)
		rc = io_fail(err, errlen, path, ferror(fp) ? strerror(errno) : "changed while being read");
	fclose(fp);
	wg_evaluation_config *c = NULL;
	if (!rc)
		rc = wg_evaluation_parse(text, len, path, &c, err, errlen);
	wg_free(text);
	if (rc)
		return rc;
	wg_evaluation_free(in_force);
	in_force = c;
	return 0;
}

const wg_evaluation_config *wg_evaluation_loaded(void)
{
	return in_force;
}

void wg_evaluation_unload(void)
{
	wg_evaluation_free(in_force);
	in_force = NULL;
}

/* ---- periods ------------------------------------------------------------------ */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return days[m - 1] + (m == 2 && leap(y));
}

/* YYYY-MM-DD of a date whose year is 1970..9999. */
static void date_text(char out[WG_STATS_DATE_LEN + 1], int y, int m, int d)
{
	const int v[] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, -1, m / 10, m % 10, -1, d / 10, d % 10};
	for (int i = 0; i < WG_STATS_DATE_LEN; i++)
		out[i] = v[i] < 0 ? '-' : (char)('0' + v[i]);
	out[WG_STATS_DATE_LEN] = '\0';
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool wg_evaluation_period_parse(const char *s, wg_evaluation_period *out)
{
	size_t n = s ? strlen(s) : 0;
	if ((n != 4 && n != 7) || !digits(s, 4))
		return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (y < 1970)
		return false;
	int first = 1, last = 12;
	enum wg_evaluation_period_kind kind = WG_EVALUATION_YEAR;
	if (n == 7) {
		if (s[4] != '-')
			return false;
		if (s[5] == 'Q') {
			if (s[6] < '1' || s[6] > '4')
				return false;
			kind = WG_EVALUATION_QUARTER;
			last = (s[6] - '0') * 3;
			first = last - 2;
		} else {
			if (!digits(s + 5, 2))
				return false;
			kind = WG_EVALUATION_MONTH;
			first = last = (s[5] - '0') * 10 + (s[6] - '0');
			if (first < 1 || first > 12)
				return false;
		}
	}
	memset(out, 0, sizeof *out);
	out->kind = kind;
	memcpy(out->key, s, n + 1);
	date_text(out->from, y, first, 1);
	date_text(out->to, y, last, month_days(y, last));
	return true;
}

/* ---- scores -------------------------------------------------------------------- */

/* floor(c * n / d) for c >= 0 and 0 <= n <= d, without overflow: with d
 * below 2^31, (c mod d) * n stays below 2^62. Larger counts (never seen:
 * a county's cases of ten years are far fewer) lose their lowest bits
 * first. 0 when d is not positive. */
static int64_t mul_div(int64_t c, int64_t n, int64_t d)
{
	if (d <= 0)
		return 0;
	while (d >= (INT64_C(1) << 31)) {
		d >>= 1;
		n >>= 1;
	}
	return c / d * n + c % d * n / d;
}

/* x / y rounded half up, x >= 0, y > 0. */
static int64_t div_round(int64_t x, int64_t y)
{
	return (x + y / 2) / y;
}

void wg_evaluation_score(const wg_evaluation_config *c, enum wg_evaluation_subject s, wg_evaluation_item *it)
{
	const wg_evaluation_rule *rules = c->subjects[s].rates;
	int64_t units[WG_STATS_RATES] = {0};
	bool counts[WG_STATS_RATES] = {false};
	int64_t with_data = 0;
	it->scored = false;
	it->score = 0;
	it->rank = 0;
	it->grade = NULL;
	for (int r = 0; r < WG_STATS_RATES; r++) {
		const wg_evaluation_rule *rule = &rules[r];
		int64_t d = it->rates[r].denominator > 0 ? it->rates[r].denominator : 0;
		int64_t n = it->rates[r].numerator < 0   ? 0
		            : it->rates[r].numerator > d ? d
		                                         : it->rates[r].numerator;
		it->points[r] = -1;
		it->no_data[r] = d < (rule->weight ? rule->min_denominator : 1);
		if (!rule->weight)
			continue;
		if (!it->no_data[r]) {
			units[r] = mul_div(rule->weight * UNITS_PER_POINT, rule->lower_better ? d - n : n, d);
			with_data += rule->weight;
			counts[r] = true;
		} else if (c->no_data != WG_EVALUATION_REWEIGHT) {
			units[r] = c->no_data == WG_EVALUATION_FULL ? rule->weight * UNITS_PER_POINT : 0;
			counts[r] = true;
		}
	}
	if (!with_data)
		return;
	/* Under reweight the rates with data share the whole scale. */
	int64_t whole = c->no_data == WG_EVALUATION_REWEIGHT ? with_data : c->scale;
	int64_t total = 0;
	for (int r = 0; r < WG_STATS_RATES; r++) {
		if (!counts[r])
			continue;
		it->points[r] = div_round(units[r] * c->scale, whole * UNITS_PER_HUNDREDTH);
		total += units[r];
	}
	it->score = div_round(total * c->scale, whole * UNITS_PER_HUNDREDTH);
	it->scored = true;
}

static int by_rank(const void *pa, const void *pb)
{
	const wg_evaluation_item *a = pa, *b = pb;
	if (a->scored != b->scored)
		return a->scored ? -1 : 1;
	if (a->scored && a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->key, b->key);
}

void wg_evaluation_rank(const wg_evaluation_config *c, enum wg_evaluation_period_kind kind,
                        wg_evaluation_item *items, size_t n, int64_t *ranked)
{
	if (n)
		qsort(items, n, sizeof *items, by_rank);
	bool grades = c->periods[kind].configured && !c->periods[kind].ranking;
	*ranked = 0;
	for (size_t i = 0; i < n; i++) {
		wg_evaluation_item *it = &items[i];
		it->rank = 0;
		it->grade = NULL;
		if (!it->scored)
			continue;
		(*ranked)++;
		it->rank = i > 0 && items[i - 1].score == it->score ? items[i - 1].rank : (int64_t)i + 1;
		for (size_t g = 0; grades && g < c->ngrades && !it->grade; g++)
			if (it->score >= c->grades[g].min * 100)
				it->grade = c->grades[g].label;
	}
}

/* Appends to a bounded buffer; false once it would overflow. */
struct text {
	char s[4096];
	size_t n;
	bool full;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	if (t->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof t->s - t->n)
		t->full = true;
	else
		t->n += (size_t)k;
}

int wg_evaluation_rates_json(const wg_evaluation_config *c, enum wg_evaluation_subject s,
                             wg_evaluation_item *it, wg_arena *arena)
{
	struct text t = {.n = 0};
	put(&t, "{");
	for (int r = 0; r < WG_STATS_RATES; r++) {
		const wg_evaluation_rule *rule = &c->subjects[s].rates[r];
		const wg_stats_rate *rate = &it->rates[r];
		int64_t permille = wg_stats_permille(rate);
		put(&t, "%s\"%s\":{\"numerator\":%lld,\"denominator\":%lld,\"percent\":", r ? "," : "",
		    wg_stats_rate_names[r], (long long)rate->numerator, (long long)rate->denominator);
		if (permille < 0)
			put(&t, "null");
		else
			put(&t, "%lld.%lld", (long long)(permille / 10), (long long)(permille % 10));
		put(&t, ",\"weight\":%lld,\"better\":", (long long)rule->weight);
		if (rule->weight)
			put(&t, "\"%s\"", rule->lower_better ? "lower" : "higher");
		else
			put(&t, "null");
		put(&t, ",\"min_denominator\":%lld,\"no_data\":%s,\"points\":",
		    (long long)(rule->weight ? rule->min_denominator : 1), it->no_data[r] ? "true" : "false");
		if (it->points[r] < 0)
			put(&t, "null}");
		else
			put(&t, "%lld.%02lld}", (long long)(it->points[r] / 100),
			    (long long)(it->points[r] % 100));
	}
	put(&t, "}");
	if (t.full)
		return WG_EINTERNAL;
	it->rates_json = wg_arena_strndup(arena, t.s, t.n);
	return it->rates_json ? 0 : WG_ENOMEM;
}

/* ---- the county --------------------------------------------------------------------- */

/* The 12-digit region code a caller sits at (a grid's village), or false. */
static bool caller_region(const wg_caller *c, char code[WG_REGION_CODE_LEN + 1], enum wg_region_level *level)
{
	if (!c->scope || strlen(c->scope) < WG_REGION_CODE_LEN)
		return false;
	memcpy(code, c->scope, WG_REGION_CODE_LEN);
	code[WG_REGION_CODE_LEN] = '\0';
	return wg_region_code_level(code, level);
}

int wg_evaluation_county(wg_db *db, const wg_caller *c, const char *region,
                         char county[WG_REGION_CODE_LEN + 1], wg_field_errors *fe)
{
	enum wg_region_level level;
	char own[WG_REGION_CODE_LEN + 1];
	bool placed = caller_region(c, own, &level);
	if (region) {
		if (!wg_region_code_level(region, &level) || level != WG_REGION_COUNTY) {
			wg_field_errors_add(fe, "region", "pattern",
			                    "region must be the 12-digit code of a county");
			return WG_EVALIDATION;
		}
		memcpy(county, region, WG_REGION_CODE_LEN + 1);
	} else if (placed && level >= WG_REGION_COUNTY) {
		memcpy(county, own, 6);
		memcpy(county + 6, "000000", 7);
	} else {
		wg_field_errors_add(fe, "region", "required",
		                    "region is required: your area holds several counties, name one");
		return WG_EVALIDATION;
	}
	/* The county holds the caller (a town account), or the caller's area
	 * holds the county (a city leader). */
	wg_scope s;
	wg_scope_of(c, &s);
	bool inside = placed && strncmp(own, county, 6) == 0;
	if (!inside && !wg_scope_contains(&s, county))
		return WG_ENOTFOUND;
	int64_t one = 0;
	return wg_db_query_int(db, "SELECT 1 FROM regions WHERE code = ? AND level = 'county'", &one, "t",
	                       county);
}

/* ---- live figures ---------------------------------------------------------------------- */

struct items {
	wg_arena *arena;
	wg_evaluation_item *v;
	size_t n, cap;
};

static wg_evaluation_item *items_add(struct items *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		wg_evaluation_item *v = wg_arena_calloc(l->arena, cap, sizeof *v);
		if (!v)
			return NULL;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	wg_evaluation_item *it = &l->v[l->n++];
	memset(it, 0, sizeof *it);
	return it;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const wg_evaluation_item *)a)->key, ((const wg_evaluation_item *)b)->key);
}

/* The groups of wg_stats_rates, as they come. */
struct groups {
	wg_arena *arena;
	wg_stats_group_figures *v;
	size_t n, cap;
};

static int group_add(void *ctx, const wg_stats_group_figures *g)
{
	struct groups *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		wg_stats_group_figures *v = wg_arena_calloc(l->arena, cap, sizeof *v);
		if (!v)
			return WG_ENOMEM;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *g;
	return 0;
}

static const char *dup_text(wg_arena *a, wg_stmt *st, int col)
{
	const char *s = wg_stmt_text(st, col, NULL);
	return wg_arena_strdup(a, s ? s : "");
}

/* The departments whose region lies in the county, and the active grid
 * workers placed in it: the subjects with or without figures. */
static int listed_subjects(wg_db *db, enum wg_evaluation_subject s, const wg_scope *county, struct items *l)
{
	static const char departments_sql[] =
		"SELECT code, name, region, active FROM departments WHERE region >= ? AND region < ?";
	static const char workers_sql[] =
		"SELECT username, name, scope_key, 1 FROM users WHERE scope_key >= ? AND "
		"scope_key < ? AND active = 1 AND (roles & ?) <> 0";
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, s == WG_EVALUATION_DEPARTMENT ? departments_sql : workers_sql, &st);
	if (rc)
		return rc;
	rc = wg_scope_bind(county, st, 1);
	if (rc > 0 && s == WG_EVALUATION_GRID_WORKER)
		rc = wg_stmt_bind_int(st, rc, WG_ROLE_GRID_WORKER);
	rc = rc < 0 ? rc : 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_evaluation_item *it = items_add(l);
		if (!it) {
			rc = WG_ENOMEM;
			break;
		}
		it->key = dup_text(l->arena, st, 0);
		it->name = dup_text(l->arena, st, 1);
		it->scope_key = dup_text(l->arena, st, 2);
		/* An inactive department stays only if it has figures. */
		it->rank = wg_stmt_int(st, 3) ? 0 : -1;
		rc = it->key && it->name && it->scope_key ? 0 : WG_ENOMEM;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Where an account that reported in the county sits now. */
static int account_place(wg_db *db, wg_arena *a, const char *username, const char **scope_key)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT scope_key FROM users WHERE username = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "t", username);
	if (!rc)
		rc = wg_stmt_step(st);
	*scope_key = rc == WG_DB_ROW ? dup_text(a, st, 0) : "";
	wg_stmt_finalize(st);
	if (rc != WG_DB_ROW && rc != WG_DB_DONE)
		return rc;
	return *scope_key ? 0 : WG_ENOMEM;
}

/* Every subject of kind s in the county with its figures for the period,
 * scored and ranked, into l (all of them, in rank order). */
static int live(wg_db *db, const wg_evaluation_query *q, const char *county, struct items *l, int64_t *ranked)
{
	static const wg_caller system = {0};
	static const enum wg_stats_group group_of[WG_EVALUATION_SUBJECTS] = {
		WG_STATS_BY_REGION, WG_STATS_BY_DEPARTMENT, WG_STATS_BY_GRID_WORKER};
	wg_stats_query sq = {
		.caller = &system, .area = county, .offset_minutes = q->offset_minutes, .arena = q->arena};
	memcpy(sq.from, q->period.from, sizeof sq.from);
	memcpy(sq.to, q->period.to, sizeof sq.to);
	struct groups g = {.arena = q->arena};
	wg_field_errors fe;
	wg_field_errors_init(&fe, q->arena);
	int rc = wg_stats_rates(db, &sq, group_of[q->subject], group_add, &g, &fe);
	const wg_caller as_county = {.user_id = 1, .scope = county};
	wg_scope area;
	wg_scope_of(&as_county, &area);
	if (!rc && q->subject != WG_EVALUATION_TOWN)
		rc = listed_subjects(db, q->subject, &area, l);
	if (rc)
		return rc;
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, by_key);
	size_t listed = l->n;
	for (size_t i = 0; i < g.n && !rc; i++) {
		const wg_stats_group_figures *f = &g.v[i];
		enum wg_region_level level;
		/* Region groups are the towns, and the county's own cases. */
		if (q->subject == WG_EVALUATION_TOWN &&
		    (!wg_region_code_level(f->key, &level) || level != WG_REGION_TOWN))
			continue;
		wg_evaluation_item probe = {.key = f->key};
		wg_evaluation_item *it = listed ? bsearch(&probe, l->v, listed, sizeof *l->v, by_key) : NULL;
		if (!it) {
			it = items_add(l);
			if (!it)
				return WG_ENOMEM;
			it->key = f->key;
			it->name = f->name ? f->name : f->key;
			if (q->subject == WG_EVALUATION_GRID_WORKER)
				rc = account_place(db, q->arena, f->key, &it->scope_key);
			else
				it->scope_key = f->key;
		}
		memcpy(it->rates, f->rates, sizeof it->rates);
		it->rank = 0; /* has figures: kept */
	}
	size_t kept = 0;
	for (size_t i = 0; i < l->n && !rc; i++) {
		if (l->v[i].rank < 0)
			continue;
		l->v[kept] = l->v[i];
		wg_evaluation_score(q->config, q->subject, &l->v[kept]);
		kept++;
	}
	l->n = kept;
	if (!rc)
		wg_evaluation_rank(q->config, q->period.kind, l->v, l->n, ranked);
	return rc;
}

/* ---- who sees what -------------------------------------------------------------------- */

static bool department_only(const wg_caller *c)
{
	return c->user_id && c->roles && !(c->roles & ~(unsigned)WG_ROLES_DEPARTMENT);
}

static bool visible(const wg_caller *c, enum wg_evaluation_subject s, const wg_evaluation_item *it)
{
	if (department_only(c))
		return s == WG_EVALUATION_DEPARTMENT && c->department && strcmp(it->key, c->department) == 0;
	wg_scope scope;
	wg_scope_of(c, &scope);
	return it->scope_key && wg_scope_contains(&scope, it->scope_key);
}

/* Keep in out the items of l the caller may see, with their rates JSON
 * (live items) made. */
static int answer(const wg_evaluation_query *q, struct items *l, bool make_json, wg_evaluation *out)
{
	out->items = l->v;
	out->n = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!visible(q->caller, q->subject, &l->v[i]))
			continue;
		wg_evaluation_item *it = &out->items[out->n++];
		*it = l->v[i];
		if (make_json) {
			int rc = wg_evaluation_rates_json(q->config, q->subject, it, q->arena);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* ---- snapshots ----------------------------------------------------------------------- */

/* The snapshot of the period and kind in the county into out and l;
 * WG_ENOTFOUND when none. */
static int snapshot_read(wg_db *db, const wg_evaluation_query *q, wg_evaluation *out, struct items *l)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT id, published_at, published_by_name, scale, ranked, purpose FROM "
		"evaluation_snapshots WHERE region = ? AND subject = ? AND period = ?",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttt", out->county, wg_evaluation_subject_names[q->subject], q->period.key);
	if (!rc)
		rc = wg_stmt_step(st);
	int64_t id = 0;
	if (rc == WG_DB_ROW) {
		id = wg_stmt_int(st, 0);
		out->published = true;
		out->published_at = wg_stmt_int(st, 1);
		out->published_by = dup_text(q->arena, st, 2);
		out->scale = wg_stmt_int(st, 3);
		out->ranked = wg_stmt_int(st, 4);
		const char *use = wg_stmt_text(st, 5, NULL);
		out->ranking = use && strcmp(use, "ranking") == 0;
		rc = out->published_by ? 0 : WG_ENOMEM;
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          "SELECT subject_key, name, scope_key, rank, score, grade, rates FROM "
	                          "evaluation_rows WHERE snapshot = ? ORDER BY seq",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", id);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_evaluation_item *it = items_add(l);
		if (!it) {
			rc = WG_ENOMEM;
			break;
		}
		it->key = dup_text(q->arena, st, 0);
		it->name = dup_text(q->arena, st, 1);
		it->scope_key = dup_text(q->arena, st, 2);
		it->rank = wg_stmt_is_null(st, 3) ? 0 : wg_stmt_int(st, 3);
		it->scored = !wg_stmt_is_null(st, 4);
		it->score = it->scored ? wg_stmt_int(st, 4) : 0;
		it->grade = wg_stmt_is_null(st, 5) ? NULL : dup_text(q->arena, st, 5);
		it->rates_json = dup_text(q->arena, st, 6);
		rc = it->key && it->name && it->scope_key && it->rates_json &&
		                     (wg_stmt_is_null(st, 5) || it->grade)
		             ? 0
		             : WG_ENOMEM;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int snapshot_write(wg_db *db, const wg_evaluation_query *q, const wg_evaluation *e,
                          const struct items *l, int64_t now)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "INSERT INTO evaluation_snapshots (period, kind, subject, region, "
	                              "period_from, period_to, purpose, "
	                              "scale, ranked, row_count, published_at, published_by, "
	                              "published_by_name) VALUES (?, ?, ?, ?, ?, ?, ?, "
	                              "?, ?, ?, ?, ?, ?) RETURNING id",
	                              &st);
	if (rc)
		return rc;
	const wg_caller *c = q->caller;
	rc = wg_stmt_bindf(st, "tttttttiiiizt", q->period.key,
	                   wg_evaluation_period_kind_names[q->period.kind],
	                   wg_evaluation_subject_names[q->subject], e->county, q->period.from, q->period.to,
	                   e->ranking ? "ranking" : "score", e->scale, e->ranked, (int64_t)l->n, now,
	                   c->user_id, c->username ? c->username : "system");
	if (!rc)
		rc = wg_stmt_step(st);
	int64_t id = rc == WG_DB_ROW ? wg_stmt_int(st, 0) : 0;
	wg_stmt_finalize(st);
	if (rc != WG_DB_ROW)
		return rc == WG_DB_DONE ? WG_ESTORE : rc;
	rc = 0;
	for (size_t i = 0; !rc && i < l->n; i++) {
		const wg_evaluation_item *it = &l->v[i];
		rc = wg_db_prepare_cached(
			db,
			"INSERT INTO evaluation_rows (snapshot, seq, subject_key, name, "
			"scope_key, rank, score, grade, rates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
		if (rc)
			break;
		rc = wg_stmt_bindf(st, "iitttzntt", id, (int64_t)i + 1, it->key, it->name, it->scope_key,
		                   it->rank, it->grade, it->rates_json);
		if (!rc && it->scored)
			rc = wg_stmt_bind_int(st, 7, it->score);
		if (!rc)
			rc = wg_stmt_step(st);
		wg_stmt_finalize(st);
		rc = rc == WG_DB_DONE ? 0 : rc;
	}
	return rc;
}

/* ---- the evaluations ---------------------------------------------------------------------- */

/* The checks every evaluation makes: the file configures the period
 * kind and the subject kind, and the county. */
static int begin(wg_db *db, const wg_evaluation_query *q, wg_evaluation *out, wg_field_errors *fe)
{
	memset(out, 0, sizeof *out);
	const wg_evaluation_config *c = q->config;
	int rc = 0;
	if (!c->periods[q->period.kind].configured) {
		wg_field_errors_add(fe, "period", "unknown", "%s evaluations are not configured in %s",
		                    wg_evaluation_period_kind_names[q->period.kind], c->file);
		rc = WG_EVALIDATION;
	}
	if (!c->subjects[q->subject].configured) {
		wg_field_errors_add(fe, "subject", "unknown", "%s evaluations are not configured in %s",
		                    wg_evaluation_subject_names[q->subject], c->file);
		rc = WG_EVALIDATION;
	}
	if (!rc)
		rc = wg_evaluation_county(db, q->caller, q->region, out->county, fe);
	out->scale = c->scale;
	out->ranking = c->periods[q->period.kind].ranking;
	return rc;
}

int wg_evaluation_get(wg_db *db, const wg_evaluation_query *q, wg_evaluation *out, wg_field_errors *fe)
{
	int rc = begin(db, q, out, fe);
	if (rc)
		return rc;
	struct items l = {.arena = q->arena};
	rc = snapshot_read(db, q, out, &l);
	if (!rc)
		return answer(q, &l, false, out);
	if (rc != WG_ENOTFOUND)
		return rc;
	out->scale = q->config->scale;
	rc = live(db, q, out->county, &l, &out->ranked);
	return rc ? rc : answer(q, &l, true, out);
}

/* Today's local date at now. */
static void local_date(int64_t now, int offset_minutes, char out[WG_STATS_DATE_LEN + 1])
{
	wg_stats_day_format(wg_stats_local_day(now, offset_minutes), out);
}

static int audit(wg_db *db, const wg_evaluation_query *q, const wg_evaluation *e, size_t rows,
                 const char *audit_alg)
{
	char object[64], detail[256];
	snprintf(object, sizeof object, "%s/%s/%s", e->county, wg_evaluation_subject_names[q->subject],
	         q->period.key);
	snprintf(detail, sizeof detail,
	         "{\"period\":\"%s\",\"subject\":\"%s\",\"region\":\"%s\",\"rows\":%zu,\"ranked\":%lld}",
	         q->period.key, wg_evaluation_subject_names[q->subject], e->county, rows,
	         (long long)e->ranked);
	wg_audit_entry entry = {
		.actor = q->caller,
		.action = "evaluation.publish",
		.object_type = "evaluation",
		.object_id = object,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, audit_alg, &entry);
}

int wg_evaluation_publish(wg_db *db, const wg_evaluation_query *q, int64_t now, const char *audit_alg,
                          wg_evaluation *out, wg_field_errors *fe)
{
	int rc = begin(db, q, out, fe);
	if (rc)
		return rc;
	const wg_caller *c = q->caller;
	wg_scope scope;
	wg_scope_of(c, &scope);
	if (!(c->roles & (WG_ROLE_CENTRE_OPERATOR | WG_ROLE_LEADER)) ||
	    !wg_scope_contains(&scope, out->county))
		return WG_EFORBIDDEN;
	char today[WG_STATS_DATE_LEN + 1];
	local_date(now, q->offset_minutes, today);
	if (strcmp(q->period.to, today) >= 0) {
		out->conflict = wg_arena_printf(q->arena,
		                                "%s has not ended: it ends on %s and may be published "
		                                "from the day after",
		                                q->period.key, q->period.to);
		return WG_ECONFLICT;
	}
	struct items l = {.arena = q->arena};
	wg_evaluation ignored;
	memcpy(&ignored, out, sizeof ignored);
	rc = snapshot_read(db, q, &ignored, &l);
	if (rc != WG_ENOTFOUND) {
		if (!rc)
			out->conflict =
				wg_arena_printf(q->arena, "the %s evaluation of %s is already published",
			                        wg_evaluation_subject_names[q->subject], q->period.key);
		return rc ? rc : WG_ECONFLICT;
	}
	l.n = 0;
	rc = live(db, q, out->county, &l, &out->ranked);
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = wg_evaluation_rates_json(q->config, q->subject, &l.v[i], q->arena);
	if (!rc)
		rc = snapshot_write(db, q, out, &l, now);
	if (rc == WG_ECONFLICT) /* published at the same moment by someone else */
		out->conflict = wg_arena_printf(q->arena, "the %s evaluation of %s is already published",
		                                wg_evaluation_subject_names[q->subject], q->period.key);
	if (!rc)
		rc = audit(db, q, out, l.n, audit_alg);
	if (rc)
		return rc;
	out->published = true;
	out->published_at = now;
	out->published_by = c->username ? c->username : "system";
	return answer(q, &l, false, out);
}

int wg_evaluation_snapshots(wg_db *db, const wg_evaluation_list *l, wg_evaluation_snapshot_fn fn, void *ctx,
                            wg_field_errors *fe)
{
	char lo[WG_SCOPE_KEY_MAX + 1], hi[WG_SCOPE_KEY_MAX + 1];
	char own[WG_REGION_CODE_LEN + 1], county[WG_REGION_CODE_LEN + 1];
	enum wg_region_level level;
	bool placed = caller_region(l->caller, own, &level);
	if (l->region || (placed && level >= WG_REGION_COUNTY)) {
		int rc = wg_evaluation_county(db, l->caller, l->region, county, fe);
		if (rc)
			return rc;
		memcpy(lo, county, sizeof county);
		memcpy(hi, county, sizeof county);
		hi[WG_REGION_CODE_LEN - 1]++; /* the code's last digit is 0: the range holds it alone */
	} else {
		wg_scope s;
		wg_scope_of(l->caller, &s);
		memcpy(lo, s.lo, sizeof lo);
		memcpy(hi, s.hi, sizeof hi);
	}
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT id, period, kind, subject, region, period_from, period_to, published_at, "
		"published_by_name, ranked, row_count FROM evaluation_snapshots WHERE region >= ? AND region "
		"< ? AND "
		"subject = COALESCE(?, subject) AND kind = COALESCE(?, kind) AND id < ? ORDER BY id DESC "
		"LIMIT ?",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttttii", lo, hi,
	                   l->subject >= 0 ? wg_evaluation_subject_names[l->subject] : NULL,
	                   l->kind >= 0 ? wg_evaluation_period_kind_names[l->kind] : NULL,
	                   l->before_id > 0 ? l->before_id : INT64_MAX, l->limit);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_evaluation_snapshot s = {
			.id = wg_stmt_int(st, 0),
			.period = wg_stmt_text(st, 1, NULL),
			.kind = wg_stmt_text(st, 2, NULL),
			.subject = wg_stmt_text(st, 3, NULL),
			.county = wg_stmt_text(st, 4, NULL),
			.from = wg_stmt_text(st, 5, NULL),
			.to = wg_stmt_text(st, 6, NULL),
			.published_at = wg_stmt_int(st, 7),
			.published_by = wg_stmt_text(st, 8, NULL),
			.ranked = wg_stmt_int(st, 9),
			.rows = wg_stmt_int(st, 10),
		};
		rc = fn(ctx, &s);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}
