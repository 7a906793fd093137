/* test_import_residents.c - `wangge import residents`: GBK registers read in
 * chunks with rows (and quoted line breaks) across the chunk boundaries,
 * line numbers of bad rows past the first chunk, all or nothing,
 * --skip-bad, --dry-run, an over-long row refused, and the failing
 * allocator at every allocation of an import; on SQLite, and on PostgreSQL
 * when WG_TEST_PG_URL is set. */
#include "cli/internal.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "domain/grid.h"

#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define VILLAGE "610326101201"
#define GRID VILLAGE "001"

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326101201,610326101000,横渠村\n";

struct fixture {
	wg_test_db t;
	wg_config cfg;
	char csv[600], err[600];
};

static int setup(void **state)
{
	struct fixture *f = *state;
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(&f->t, tree, 5) != 0)
		return -1;
	if (f->t.skip)
		return 0;
	wg_grid_row row = {.code = GRID, .name = "一网格", .type = "rural"};
	if (wg_db_begin(f->t.db) || wg_grid_insert(f->t.db, &row) || wg_db_commit(f->t.db))
		return -1;
	char err[256], key[600];
	snprintf(key, sizeof key, "%s/import.key", wg_test_dir());
	snprintf(f->csv, sizeof f->csv, "%s/residents.csv", wg_test_dir());
	snprintf(f->err, sizeof f->err, "%s/stderr.txt", wg_test_dir());
	if (wg_config_defaults(&f->cfg) || wg_config_set(&f->cfg, "db.url", f->t.url, err, sizeof err) ||
	    wg_config_set(&f->cfg, "security.key_file", key, err, sizeof err))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f->t.skip)
		wg_config_free(&f->cfg);
	return wg_test_teardown(state);
}

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

/* text (UTF-8) as GB18030, into path. */
static void write_gbk(const char *path, const char *text)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t inleft = strlen(text), outcap = inleft * 2 + 16, outleft = outcap;
	char *out = malloc(outcap), *in = (char *)text, *o = out;
	assert_non_null(out);
	assert_int_not_equal(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1);
	iconv_close(cd);
	write_file(path, out, outcap - outleft);
	free(out);
}

/* Run the import with args; stderr goes to f->err. */
static int import(struct fixture *f, const char *a1, const char *a2)
{
	char *argv[] = {f->csv, (char *)a1, (char *)a2, NULL};
	int argc = 1 + (a1 != NULL) + (a2 != NULL);
	fflush(stderr);
	int saved = dup(2), fd = open(f->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	int rc = wg__cli_import_residents(&f->cfg, argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	return rc;
}

static bool err_has(struct fixture *f, const char *needle)
{
	static char buf[1 << 16];
	FILE *fp = fopen(f->err, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static int64_t residents(struct fixture *f)
{
	return wg_test_query_int(f->t.db, "SELECT count(*) FROM residents", NULL, 0);
}

static struct fixture *fixture_of(void **state)
{
	wg_test_of(state);
	return *state;
}

/* GB 11643 number for birth date 1980-01-01 and sequence seq (0..999). */
static void id_number(int seq, char out[19])
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	snprintf(out, 19, "61032619800101%03d", seq % 1000);
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}

/* rows of about 300 bytes (6,000 span two chunks); quoted addresses with
 * line breaks and commas cross the chunks' boundaries. bad_row (-1: none)
 * has a bad phone. */
static char *big_register(int rows, int bad_row)
{
	size_t cap = (size_t)rows * 600 + 256, n = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	n += (size_t)snprintf(s, cap, "姓名,身份证号,手机号,住址,网格,特殊人群\r\n");
	char pad[181];
	memset(pad, 'x', 180);
	pad[180] = '\0';
	for (int i = 0; i < rows; i++) {
		char id[19];
		id_number(i, id);
		n += (size_t)snprintf(s + n, cap - n, "居民%d,%s,%s,\"横渠村%d号,\n二单元%s\",%s,%s\r\n", i,
		                      i < 1000 ? id : "", i == bad_row ? "123" : "13912345678", i, pad, GRID,
		                      i % 2 ? "残疾人、低保户" : "");
	}
	return s;
}

static void test_big_gbk_register(void **state)
{
	struct fixture *f = fixture_of(state);
	char *text = big_register(6000, -1);
	write_gbk(f->csv, text);
	free(text);
	assert_int_equal(import(f, NULL, NULL), 0);
	assert_int_equal(residents(f), 6000);
	/* A row from past the first chunk, with its quoted line break. */
	assert_int_equal(wg_test_query_int(f->t.db,
	                                   "SELECT count(*) FROM residents WHERE name = ? AND address LIKE "
	                                   "'横渠村5999号,%二单元x%'",
	                                   "居民5999", 0),
	                 1);
	/* 9 characters, the line break, 3 and the 180 of the padding. */
	assert_int_equal(wg_test_query_int(f->t.db, "SELECT length(address) FROM residents WHERE name = ?",
	                                   "居民5999", 0),
	                 193);
	assert_int_equal(wg_test_query_int(f->t.db,
	                                   "SELECT count(*) FROM resident_tags WHERE tag = 'low_income'",
	                                   NULL, 0),
	                 3000);
	assert_int_equal(wg_test_query_int(f->t.db,
	                                   "SELECT count(*) FROM audit_log WHERE action = 'resident.import'",
	                                   NULL, 0),
	                 1);
}

static void test_bad_row_past_first_chunk(void **state)
{
	struct fixture *f = fixture_of(state);
	char *text = big_register(6000, 5000);
	write_file(f->csv, text, strlen(text));
	free(text);
	assert_int_equal(import(f, NULL, NULL), WG_EVALIDATION);
	/* Each row takes two lines (its address holds one break); line 1 is the header. */
	assert_true(err_has(f, "line 10002: phone: "));
	assert_int_equal(residents(f), 0);
	assert_int_equal(import(f, "--dry-run", "--skip-bad"), 0);
	assert_int_equal(residents(f), 0);
	assert_int_equal(import(f, "--skip-bad", NULL), 0);
	assert_int_equal(residents(f), 5999);
}

static void test_refused_files(void **state)
{
	struct fixture *f = fixture_of(state);
	/* A row longer than 64 KiB, even inside quotes. */
	size_t n = (size_t)70 * 1024;
	char *s = malloc(n + 64);
	assert_non_null(s);
	int h = snprintf(s, 64, "name,grid\n\"");
	memset(s + h, 'a', n);
	memcpy(s + h + n, "\",x\n", 5);
	write_file(f->csv, s, strlen(s));
	free(s);
	assert_int_equal(import(f, NULL, NULL), WG_ETOOLARGE);
	assert_true(err_has(f, "line 2: a row longer than 65536 bytes"));
	/* Neither UTF-8 nor GBK. */
	write_file(f->csv, "name,grid\n\xff\xff\xff,x\n", 16);
	assert_int_not_equal(import(f, NULL, NULL), 0);
	assert_true(err_has(f, "line 2: "));
	/* Empty, and a header alone. */
	write_file(f->csv, "", 0);
	assert_int_equal(import(f, NULL, NULL), WG_EVALIDATION);
	assert_true(err_has(f, "the file is empty"));
	write_file(f->csv, "name,grid\n", 10);
	assert_int_equal(import(f, NULL, NULL), 0);
	/* More fields than the header; a lone coordinate. */
	write_file(f->csv, "name,grid,lat\n甲," GRID ",1,2\n乙," GRID ",34.1\n",
	           strlen("name,grid,lat\n甲," GRID ",1,2\n乙," GRID ",34.1\n"));
	assert_int_equal(import(f, NULL, NULL), WG_EVALIDATION);
	assert_true(err_has(f, "line 2: 4 fields where the header has 3"));
	assert_true(err_has(f, "line 3: location: give both lat and lng"));
	assert_int_equal(residents(f), 0);
	/* Not a file. */
	snprintf(f->csv, sizeof f->csv, "%s", wg_test_dir());
	assert_int_equal(import(f, NULL, NULL), WG_EIO);
	assert_true(err_has(f, "not a regular file"));
}

static void test_alloc_failures(void **state)
{
	struct fixture *f = fixture_of(state);
	static const char csv[] =
		"姓名,性别,出生日期,网格,特殊人群,人员类型\n甲,男,1980-01-01," GRID ",残疾人;退役军人,流动\n"
		"乙,女,,\"" GRID "\",,\n";
	write_file(f->csv, csv, strlen(csv));
	for (unsigned long n = 1;; n++) {
		wg_alloc_fail_at(n);
		int rc = import(f, NULL, NULL);
		wg_alloc_fail_at(0);
		if (rc == 0)
			break;
		/* A clean error; nothing half-written; ASan finds no leak. */
		assert_int_equal(residents(f), 0);
		assert_true(n < 2000);
	}
	assert_int_equal(residents(f), 2);
}

static struct fixture sqlite_fixture = {.t.kind = WG_DB_SQLITE};
static struct fixture pg_fixture = {.t.kind = WG_DB_POSTGRES};

/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) ((struct CMUnitTest){prefix #fn, fn, setup, teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

static int group_setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	return wg_test_group_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_BOTH(test_big_gbk_register),
		ON_BOTH(test_bad_row_past_first_chunk),
		ON_BOTH(test_refused_files),
		ON("sqlite/", test_alloc_failures, sqlite_fixture),
	};
	return cmocka_run_group_tests(tests, group_setup, wg_test_group_teardown);
}
