/* wangge import residents FILE.csv [--skip-bad] [--dry-run]: a register of
 * residents from a spreadsheet, through the same domain code as the API.
 *
 * The file is UTF-8 (with or without a byte order mark) or GBK, as Excel
 * saves CSV on Chinese Windows; the header names the columns in Chinese or
 * English. It is read twice, a chunk at a time and never whole: first to
 * count the rows and refuse a file with a row longer than ROW_MAX (a file
 * that is not a register) before anything is written, then to check and
 * write every row in ONE transaction. Every bad row is reported as
 * "line N: field: reason"; without --skip-bad one bad row means nothing is
 * written, with it the good rows are. --dry-run checks everything and
 * writes nothing. The import is audited once, as "resident.import". */
#include "cli/internal.h"

#include "cli/progress.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/secret.h"
#include "domain/basedata.h"
#include "domain/grid.h"
#include "domain/resident.h"
#include "io/csv.h"
#include "io/text.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROW_MAX ((size_t)64 * 1024)            /* bytes of one row */
#define FILE_MAX ((int64_t)1024 * 1024 * 1024) /* a county of 310,000 residents is ~60 MB */
#define CHUNK ((size_t)1024 * 1024)            /* bytes read at a time */

/* ---- columns --------------------------------------------------------------- */

enum column {
	COL_NAME,
	COL_ID_NUMBER,
	COL_PHONE,
	COL_SEX,
	COL_BIRTH_DATE,
	COL_ADDRESS,
	COL_GRID,
	COL_REGION,
	COL_HOUSEHOLD,
	COL_RESIDENCE_TYPE,
	COL_TAGS,
	COL_LAT,
	COL_LNG,
	COL_COUNT
};

/* The names a header may give each column: the API's name first (used in
 * messages), then what registers call it. */
static const char *const column_names[COL_COUNT][8] = {
	[COL_NAME] = {"name", "姓名", NULL},
	[COL_ID_NUMBER] = {"id_number", "身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", NULL},
	[COL_PHONE] = {"phone", "手机号", "手机号码", "联系电话", "电话", "联系方式", NULL},
	[COL_SEX] = {"sex", "性别", NULL},
	[COL_BIRTH_DATE] = {"birth_date", "出生日期", NULL},
	[COL_ADDRESS] = {"address", "住址", "现住址", "居住地址", "地址", NULL},
	[COL_GRID] = {"grid", "网格", "网格编码", "网格编号", NULL},
	[COL_REGION] = {"region", "村社区", "村（社区）", "区划代码", "行政区划代码", NULL},
	[COL_HOUSEHOLD] = {"household", "户号", NULL},
	[COL_RESIDENCE_TYPE] = {"residence_type", "人员类型", "人口类型", NULL},
	[COL_TAGS] = {"tags", "特殊人群", "人员标签", NULL},
	[COL_LAT] = {"lat", "纬度", NULL},
	[COL_LNG] = {"lng", "经度", NULL},
};

/* The column a header cell names: ASCII case and white space, and the
 * asterisk templates put on required columns, do not count. */
static int column_of(const char *cell)
{
	char buf[64];
	size_t n = 0;
	for (const char *p = cell; *p && n < sizeof buf - 1; p++)
		if (*p != ' ' && *p != '\t' && *p != '*')
			buf[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	buf[n] = '\0';
	for (int c = 0; c < COL_COUNT; c++)
		for (const char *const *name = column_names[c]; *name; name++)
			if (strcmp(*name, buf) == 0)
				return c;
	return -1;
}

/* ---- the import ----------------------------------------------------------- */

struct import {
	wg_db *db;
	wg_basedata_env env;
	wg_arena arena; /* per row */
	bool skip_bad, dry_run;
	int map[WG_CSV_MAX_FIELDS]; /* column of each field, -1 ignored */
	size_t nfields;
	bool have_header;
	unsigned first_line; /* line of the chunk being parsed */
	int64_t rows, good, bad;
	int64_t total_rows;
	wg_progress progress;
	const char *encoding; /* of the file, once a chunk with non-ASCII bytes said */
};

static void report(unsigned line, const char *field, const char *message)
{
	if (field)
		fprintf(stderr, "line %u: %s: %s\n", line, field, message);
	else
		fprintf(stderr, "line %u: %s\n", line, message);
}

static int read_header(struct import *im, unsigned line, const wg_csv_field *f, size_t n)
{
	bool seen[COL_COUNT] = {false};
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		int c = column_of(f[i].s);
		im->map[i] = c;
		if (c < 0) {
			if (f[i].n)
				fprintf(stderr, "line %u: column '%s' is not imported\n", line, f[i].s);
			continue;
		}
		if (seen[c]) {
			fprintf(stderr, "line %u: two columns name %s\n", line, column_names[c][0]);
			bad++;
		}
		seen[c] = true;
	}
	if (!seen[COL_NAME]) {
		fprintf(stderr, "line %u: no name column (姓名 or name)\n", line);
		bad++;
	}
	if (!seen[COL_GRID] && !seen[COL_REGION] && !(seen[COL_LAT] && seen[COL_LNG])) {
		fprintf(stderr,
		        "line %u: no column says where: grid (网格), region (区划代码), or lat and lng\n",
		        line);
		bad++;
	}
	im->nfields = n;
	im->have_header = true;
	return bad ? WG_EVALIDATION : 0;
}

static const char *sex_of(const char *s)
{
	if (strcmp(s, "男") == 0 || strcmp(s, "M") == 0 || strcmp(s, "m") == 0)
		return "male";
	if (strcmp(s, "女") == 0 || strcmp(s, "F") == 0 || strcmp(s, "f") == 0)
		return "female";
	return s; /* "male", "female", or refused by the domain */
}

/* Special groups separated by ; , 、 | or / (half or full width). Returns 0
 * or WG_ENOMEM. */
static int read_tags(struct import *im, char *s, wg_resident_input *in, unsigned line, bool *bad)
{
	static const char *const seps[] = {";", ",", "|", "/", "；", "，", "、", "／", " "};
	in->set_tags = true;
	char *p = s;
	while (*p) {
		size_t len = strlen(p), skip = 0;
		for (size_t i = 0; i < len && !skip;) {
			for (size_t k = 0; k < sizeof seps / sizeof seps[0] && !skip; k++)
				if (strncmp(p + i, seps[k], strlen(seps[k])) == 0) {
					len = i;
					skip = strlen(seps[k]);
				}
			if (!skip)
				i++;
		}
		if (len) {
			char *tag = wg_arena_strndup(&im->arena, p, len);
			if (!tag)
				return WG_ENOMEM;
			const wg_term *t = wg_terms_find(&wg_special_groups, tag);
			if (in->ntags == WG_SPECIAL_GROUP_COUNT) {
				report(line, "tags", "more special groups than there are");
				*bad = true;
				return 0;
			}
			in->tags[in->ntags++] = (wg_resident_tag_input){.tag = t ? t->key : tag, .worker = 0};
		}
		p += len + skip;
	}
	return 0;
}

static bool read_coordinate(const char *s, double min, double max, double *out, const char *field,
                            unsigned line)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out < min || *out > max) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be a number within %g..%g (WGS-84 degrees)", field, min,
		         max);
		report(line, field, msg);
		return false;
	}
	return true;
}

/* One data row: checked and written, or reported. Returns 0 (also for a
 * bad row) or an error that stops the import. */
static int import_row(struct import *im, unsigned line, const wg_csv_field *f, size_t n)
{
	im->rows++;
	wg_arena_clear(&im->arena);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &im->arena);
	if (n > im->nfields) {
		char msg[96];
		snprintf(msg, sizeof msg, "%zu fields where the header has %zu", n, im->nfields);
		report(line, NULL, msg);
		im->bad++;
		return 0;
	}
	wg_resident_input in = {0};
	const char *lat = NULL, *lng = NULL;
	bool bad = false;
	for (size_t i = 0; i < n; i++) {
		if (im->map[i] < 0 || f[i].n == 0)
			continue;
		/* A copy trimmed of the spaces spreadsheets leave around cells. */
		const char *s = f[i].s;
		size_t len = f[i].n;
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
			len--;
		char *v = wg_arena_strndup(&im->arena, s, len);
		if (!v)
			return WG_ENOMEM;
		if (!len)
			continue;
		switch ((enum column)im->map[i]) {
		case COL_NAME: in.name = v; break;
		case COL_ID_NUMBER: in.id_number = v; break;
		case COL_PHONE: in.phone = v; break;
		case COL_SEX: in.sex = sex_of(v); break;
		case COL_BIRTH_DATE: in.birth_date = v; break;
		case COL_ADDRESS: in.address = v; break;
		case COL_GRID: in.where.grid = v; break;
		case COL_REGION: in.where.region = v; break;
		case COL_HOUSEHOLD: in.household = v; break;
		case COL_RESIDENCE_TYPE: {
			const wg_term *t = wg_terms_find(&wg_residence_types, v);
			in.residence_type = t ? t->key : v;
			break;
		}
		case COL_TAGS:
			if (read_tags(im, v, &in, line, &bad) != 0)
				return WG_ENOMEM;
			break;
		case COL_LAT: lat = v; break;
		case COL_LNG: lng = v; break;
		case COL_COUNT: break;
		}
	}
	if (lat || lng) {
		if (!lat || !lng) {
			report(line, "location", "give both lat and lng");
			bad = true;
		} else {
			bool ok = read_coordinate(lat, -90, 90, &in.where.lat, "lat", line);
			ok = read_coordinate(lng, -180, 180, &in.where.lng, "lng", line) && ok;
			in.where.has_location = ok;
			bad = bad || !ok;
		}
	}
	in.where.given = in.where.grid || in.where.region || in.where.has_location;
	int64_t id;
	int rc = bad ? WG_EVALIDATION : wg_resident_add(im->db, &im->env, &in, &id, &fe);
	if (rc == WG_EVALIDATION || rc == WG_ECONFLICT) {
		for (unsigned i = 0; i < fe.n; i++)
			report(line, fe.e[i].field, fe.e[i].message);
		im->bad++;
		return 0;
	}
	if (rc) {
		fprintf(stderr, "line %u: %s%s%s\n", line, wg_error_message(rc), rc == WG_ESTORE ? ": " : "",
		        rc == WG_ESTORE ? wg_db_errmsg(im->db) : "");
		return rc;
	}
	im->good++;
	wg_progress_update(&im->progress, im->rows);
	return 0;
}

static int on_record(void *ctx, unsigned line, const wg_csv_field *f, size_t n)
{
	struct import *im = ctx;
	unsigned at = im->first_line + line - 1;
	return im->have_header ? import_row(im, at, f, n) : read_header(im, at, f, n);
}

/* ---- reading the file a chunk at a time --------------------------------------- */

/* Where rows end: an LF outside quotes (a quoted field may hold line
 * breaks; a doubled quote toggles twice). LF and '"' never occur inside a
 * multi-byte UTF-8 or GBK character, so this holds for both. */
struct scan {
	bool quoted;
	size_t row_bytes;  /* of the row being read */
	unsigned line;     /* LFs seen */
	unsigned row_line; /* line where the row being read began (1-based) */
	int64_t rows;      /* rows ended */
};

/* Scan n bytes: *cut gets the offset just after the last row end in them
 * (0: none). Returns false when a row exceeds ROW_MAX. */
static bool scan(struct scan *s, const char *p, size_t n, size_t *cut)
{
	*cut = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '"') {
			s->quoted = !s->quoted;
		} else if (c == '\n') {
			s->line++;
			if (!s->quoted) {
				*cut = i + 1;
				s->rows += s->row_bytes > 0;
				s->row_bytes = 0;
				s->row_line = s->line + 1;
				continue;
			}
		}
		if (++s->row_bytes > ROW_MAX)
			return false;
	}
	return true;
}

static void too_long(const char *path, const struct scan *s)
{
	fprintf(stderr,
	        "wangge: %s: line %u: a row longer than %zu bytes (is this a CSV register? a quote "
	        "left open?); nothing imported\n",
	        path, s->row_line, ROW_MAX);
}

struct file {
	const char *path;
	int fd;
	int64_t size;
	char *buf;
	size_t len; /* bytes held */
};

static int read_more(struct file *f, bool *eof)
{
	size_t room = CHUNK + ROW_MAX - f->len;
	ssize_t n;
	do
		n = read(f->fd, f->buf + f->len, room);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, "wangge: %s: %s\n", f->path, strerror(errno));
		return WG_EIO;
	}
	f->len += (size_t)n;
	*eof = n == 0;
	return 0;
}

/* The first pass: rows counted, long rows refused, nothing kept. */
static int count_rows(struct file *f, int64_t *rows)
{
	struct scan s = {.row_line = 1};
	bool eof = false;
	while (!eof) {
		f->len = 0;
		int rc = read_more(f, &eof);
		if (rc)
			return rc;
		size_t cut;
		if (!scan(&s, f->buf, f->len, &cut)) {
			too_long(f->path, &s);
			return WG_ETOOLARGE;
		}
	}
	*rows = s.rows + (s.row_bytes > 0);
	if (lseek(f->fd, 0, SEEK_SET) < 0) {
		fprintf(stderr, "wangge: %s: %s\n", f->path, strerror(errno));
		return WG_EIO;
	}
	return 0;
}

static bool ascii(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return false;
	return true;
}

/* Decode and parse rows buf[0..n). */
static int parse_chunk(struct import *im, const char *path, const char *buf, size_t n)
{
	char *text = NULL, err[256] = "";
	size_t len = 0;
	const char *encoding = NULL;
	int rc = wg_text_to_utf8(buf, n, &text, &len, &encoding, err, sizeof err);
	if (rc) {
		/* err names the line within this chunk. */
		long at = strncmp(err, "line ", 5) == 0 ? strtol(err + 5, NULL, 10) : 1;
		const char *why = strchr(err, ':');
		fprintf(stderr, "wangge: %s: line %ld%s\n", path, (long)im->first_line + at - 1,
		        why ? why : ": cannot decode");
		return rc;
	}
	if (!ascii(buf, n)) {
		if (im->encoding && strcmp(im->encoding, encoding) != 0) {
			fprintf(stderr,
			        "wangge: %s: from line %u the file is %s, before it %s: save it in one "
			        "encoding\n",
			        path, im->first_line, encoding, im->encoding);
			wg_free(text);
			return WG_EVALIDATION;
		}
		im->encoding = encoding;
	}
	rc = wg_csv_parse(text, len, on_record, im, err, sizeof err);
	wg_free(text);
	if (rc == WG_EBADREQ) {
		long at = strncmp(err, "line ", 5) == 0 ? strtol(err + 5, NULL, 10) : 1;
		const char *why = strchr(err, ':');
		fprintf(stderr, "wangge: %s: line %ld%s\n", path, (long)im->first_line + at - 1,
		        why ? why : "");
	}
	return rc;
}

static unsigned lines_in(const char *p, size_t n)
{
	unsigned lines = 0;
	for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		lines++;
	return lines;
}

/* The second pass: chunks of whole rows, decoded and imported. */
static int import_file(struct import *im, struct file *f)
{
	struct scan s = {.row_line = 1};
	bool eof = false;
	f->len = 0;
	im->first_line = 1;
	size_t scanned = 0;
	while (!eof) {
		int rc = read_more(f, &eof);
		if (rc)
			return rc;
		size_t cut;
		if (!scan(&s, f->buf + scanned, f->len - scanned, &cut)) {
			too_long(f->path, &s); /* the file changed since the first pass */
			return WG_ETOOLARGE;
		}
		cut = cut ? scanned + cut : 0;
		scanned = f->len;
		if (eof)
			cut = f->len;
		if (!cut)
			continue;
		rc = parse_chunk(im, f->path, f->buf, cut);
		if (rc)
			return rc;
		im->first_line += lines_in(f->buf, cut);
		memmove(f->buf, f->buf + cut, f->len - cut);
		f->len -= cut;
		scanned -= cut;
	}
	return 0;
}

static int open_file(struct file *f)
{
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (f->fd < 0 || fstat(f->fd, &st) != 0) {
		fprintf(stderr, "wangge: %s: %s\n", f->path, strerror(errno));
		return WG_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "wangge: %s: not a regular file\n", f->path);
		return WG_EIO;
	}
	f->size = st.st_size;
	if (f->size > FILE_MAX) {
		fprintf(stderr,
		        "wangge: %s: %" PRId64 " MiB, more than the %" PRId64
		        " MiB one import takes: split it\n",
		        f->path, f->size >> 20, FILE_MAX >> 20);
		return WG_ETOOLARGE;
	}
	f->buf = wg_malloc(CHUNK + ROW_MAX + 1);
	return f->buf ? 0 : WG_ENOMEM;
}

static const wg_caller console = {0};

/* Everything in one transaction: kept when all rows are good (or bad ones
 * are skipped) and this is no dry run. */
static int run(struct import *im, struct file *f)
{
	/* The locate index places rows given by point. */
	int rc = wg_db_begin_read(im->db);
	if (!rc) {
		rc = wg_grid_index_reload(im->db);
		int end = wg_db_rollback(im->db);
		rc = rc ? rc : end;
	}
	if (rc) {
		fprintf(stderr, "wangge: cannot load the grids: %s\n", wg_db_errmsg(im->db));
		return rc;
	}
	if ((rc = wg_db_begin(im->db)) != 0) {
		fprintf(stderr, "wangge: %s\n", wg_db_errmsg(im->db));
		return rc;
	}
	wg_progress_start(&im->progress, stderr, "residents", im->total_rows);
	rc = import_file(im, f);
	wg_progress_finish(&im->progress);
	if (!rc && !im->have_header) {
		fprintf(stderr, "wangge: %s: the file is empty\n", f->path);
		rc = WG_EVALIDATION;
	}
	bool keep = !rc && !im->dry_run && (im->bad == 0 || im->skip_bad) && im->good > 0;
	if (keep) {
		char detail[96];
		snprintf(detail, sizeof detail, "{\"imported\":%" PRId64 ",\"skipped\":%" PRId64 "}",
		         im->good, im->bad);
		rc = wg__basedata_audit(im->db, &im->env, "resident.import", "resident", 0, detail);
		if (!rc)
			rc = wg_db_commit(im->db);
		if (rc)
			fprintf(stderr, "wangge: cannot commit: %s\n", wg_db_errmsg(im->db));
	}
	if (!keep || rc)
		wg_db_rollback(im->db);
	return rc ? rc : (im->bad && !im->skip_bad) ? WG_EVALIDATION : 0;
}

static void summary(const struct import *im, int rc, int64_t ms)
{
	char rate[32] = "";
	if (ms > 0)
		snprintf(rate, sizeof rate, "%" PRId64, im->rows * 1000 / ms);
	else
		snprintf(rate, sizeof rate, "%" PRId64 "+", im->rows * 1000);
	const char *enc = im->encoding && strcmp(im->encoding, "utf-8") != 0 ? ", GBK" : "";
	if (im->dry_run && !rc)
		printf("dry run: %" PRId64 " rows checked, %" PRId64 " good, %" PRId64
		       " bad%s; nothing written (%s rows/s)\n",
		       im->rows, im->good, im->bad, enc, rate);
	else if (rc == WG_EVALIDATION && im->bad)
		printf("%" PRId64 " of %" PRId64
		       " rows are bad: nothing imported (fix them, or --skip-bad)\n",
		       im->bad, im->rows);
	else if (!rc)
		printf("imported %" PRId64 " residents%s%s in %" PRId64 ".%01" PRId64 "s, %s rows/s\n",
		       im->good, enc, im->bad ? " (bad rows skipped)" : "", ms / 1000, (ms % 1000) / 100,
		       rate);
}

int wg__cli_import_residents(wg_config *cfg, int argc, char **argv)
{
	struct import im;
	memset(&im, 0, sizeof im);
	const char *path = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--skip-bad") == 0)
			im.skip_bad = true;
		else if (strcmp(argv[i], "--dry-run") == 0)
			im.dry_run = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			path = NULL;
			break;
		}
	}
	if (!path) {
		fputs("usage: wangge import residents FILE.csv [--skip-bad] [--dry-run]\n"
		      "  columns (Chinese or English): 姓名/name, 身份证号/id_number, 手机号/phone, "
		      "性别/sex,\n"
		      "  出生日期/birth_date, 住址/address, 网格/grid, 区划代码/region, 户号/household,\n"
		      "  人员类型/residence_type, 特殊人群/tags, 纬度/lat, 经度/lng\n",
		      stderr);
		return WG_EBADREQ;
	}
	struct file f = {.path = path, .fd = -1};
	wg_secret_key *key = NULL;
	int64_t started = wg_clock_now_ms();
	int rc = open_file(&f);
	if (!rc && (rc = count_rows(&f, &im.total_rows)) == 0 && im.total_rows > 0)
		im.total_rows--; /* the header */
	if (!rc) {
		char err[512] = "";
		rc = wg_secret_key_load(cfg->security_key_file, &key, err, sizeof err);
		if (rc)
			fprintf(stderr, "wangge: %s\n", err);
	}
	if (!rc)
		rc = wg__cli_open(cfg, &im.db);
	if (!rc) {
		wg_arena_init(&im.arena, 4096);
		im.env = (wg_basedata_env){.caller = &console,
		                           .key = key,
		                           .audit_alg = cfg->security_audit_hash,
		                           .offset_minutes = (int)cfg->time_offset_minutes,
		                           .arena = &im.arena};
		rc = run(&im, &f);
		wg_arena_clear(&im.arena);
		wg_db_close(im.db);
		summary(&im, rc, wg_clock_now_ms() - started);
	}
	wg_secret_key_free(key);
	wg_free(f.buf);
	if (f.fd >= 0)
		close(f.fd);
	return rc;
}
