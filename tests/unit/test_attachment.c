/* test_attachment.c - uploads: names and paths, the type and size check,
 * storing files durably by content (reuse, repair, I/O errors, failing
 * allocations), and the rows, links and who may read a file, on SQLite and
 * on PostgreSQL when WG_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "domain/attachment.h"

#include "fixture.h"

/* The bytes FF D8 FF E0 "hello", and their SHA-256 (sha256sum). */
static const char jpeg[] = "\xff\xd8\xff\xe0hello";
#define JPEG_LEN 9
#define JPEG_SHA "3b74e141e7a96b5f5b910aed9455d8b3eb59b69a1b0f76a6b916a28494737878"

static const wg_attachment_limits limits = {.max_bytes = 64, .max_video_bytes = 128};

static struct iovec one(const void *p, size_t n)
{
	return (struct iovec){.iov_base = (void *)p, .iov_len = n};
}

/* A fresh folder for a case's files: <test dir>/<name>. */
static const char *files_dir(const char *name)
{
	static char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/%s", wg_test_dir(), name);
	return dir;
}

static void read_file(const char *path, char *buf, size_t len, size_t *got)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, len);
	assert_true(n >= 0);
	*got = (size_t)n;
	close(fd);
}

/* Entries in a folder whose name starts with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{JPEG_SHA, true},
		{"0000000000000000000000000000000000000000000000000000000000000000", true},
		{"3B74E141E7A96B5F5B910AED9455D8B3EB59B69A1B0F76A6B916A28494737878", false},
		{"3b74e141e7a96b5f5b910aed9455d8b3eb59b69a1b0f76a6b916a2849473787", false},
		{"3b74e141e7a96b5f5b910aed9455d8b3eb59b69a1b0f76a6b916a284947378780", false},
		{"3b74e141e7a96b5f5b910aed9455d8b3eb59b69a1b0f76a6b916a2849473787g", false},
		{"../../../../etc/passwd", false},
		{"", false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(wg_attachment_sha256_valid(t[i].s), t[i].ok);
	assert_false(wg_attachment_sha256_valid(NULL));

	char path[128];
	assert_int_equal(wg_attachment_path("var/att", JPEG_SHA, path, sizeof path), 0);
	assert_string_equal(path, "var/att/3b/74/" JPEG_SHA);
	assert_int_equal(wg_attachment_path("var/att", JPEG_SHA, path, 79), 0);
	assert_int_equal(wg_attachment_path("var/att", "../x", path, sizeof path), WG_ENOTFOUND);
	assert_int_equal(wg_attachment_path("var/att", JPEG_SHA, path, 78), WG_ETOOLARGE);
}

static void test_check(void **state)
{
	(void)state;
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
	                                    0,    0,   0,   13,  'I',  'H',  'D',  'R'};
	static const unsigned char mp4[] = {0, 0, 0, 16, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0};
	static const char elf[] = "\x7f"
				  "ELF\x02\x01\x01";
	static char big[200];
	memset(big, 'x', sizeof big);
	struct iovec split_png[] = {one(png, 3), one(png + 3, 0), one(png + 3, 9), one(png + 12, 4)};
	struct iovec jpeg_at_limit[] = {one(jpeg, JPEG_LEN), one(big, 64 - JPEG_LEN)};
	struct iovec jpeg_over[] = {one(jpeg, JPEG_LEN), one(big, 65 - JPEG_LEN)};
	struct iovec mp4_at_limit[] = {one(mp4, sizeof mp4), one(big, 128 - sizeof mp4)};
	struct iovec mp4_over[] = {one(mp4, sizeof mp4), one(big, 129 - sizeof mp4)};
	struct iovec empty_parts[] = {one(big, 0), one(big, 0)};
	struct iovec jpeg_one[] = {one(jpeg, JPEG_LEN)};
	struct iovec elf_one[] = {one(elf, sizeof elf - 1)};
	const struct {
		const char *what;
		const struct iovec *parts;
		size_t n;
		int rc;
		enum wg_media media;
	} t[] = {
		{"a JPEG", jpeg_one, 1, 0, WG_MEDIA_JPEG},
		{"a PNG head split across pieces", split_png, 4, 0, WG_MEDIA_PNG},
		{"a JPEG of exactly the image limit", jpeg_at_limit, 2, 0, WG_MEDIA_JPEG},
		{"a JPEG one byte over", jpeg_over, 2, WG_ETOOLARGE, WG_MEDIA_JPEG},
		/* Over the image limit but within the video one. */
		{"an MP4 of exactly the video limit", mp4_at_limit, 2, 0, WG_MEDIA_MP4},
		{"an MP4 one byte over", mp4_over, 2, WG_ETOOLARGE, WG_MEDIA_MP4},
		{"an executable", elf_one, 1, WG_EMEDIATYPE, WG_MEDIA_NONE},
		{"no pieces", NULL, 0, WG_EMEDIATYPE, WG_MEDIA_NONE},
		{"empty pieces", empty_parts, 2, WG_EMEDIATYPE, WG_MEDIA_NONE},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum wg_media media = (enum wg_media)99;
		int rc = wg_attachment_check(t[i].parts, t[i].n, &limits, &media);
		if (rc != t[i].rc || media != t[i].media)
			fail_msg("%s: rc %d media %d", t[i].what, rc, (int)media);
	}
}

static void test_save(void **state)
{
	(void)state;
	const char *dir = files_dir("save/nested");
	/* The pieces as libevent may hand them over. */
	struct iovec parts[] = {one(jpeg, 2), one(jpeg + 2, 5), one(jpeg + 7, 2)};
	wg_attachment a;
	char err[256] = "";
	assert_int_equal(wg_attachment_save(dir, parts, 3, &limits, &a, err, sizeof err), 0);
	assert_string_equal(a.sha256, JPEG_SHA);
	assert_int_equal(a.media, WG_MEDIA_JPEG);
	assert_int_equal(a.size, JPEG_LEN);

	char path[PATH_MAX], folder[PATH_MAX + 16], buf[64];
	size_t got;
	assert_int_equal(wg_attachment_path(dir, JPEG_SHA, path, sizeof path), 0);
	read_file(path, buf, sizeof buf, &got);
	assert_int_equal(got, JPEG_LEN);
	assert_memory_equal(buf, jpeg, JPEG_LEN);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(folder, sizeof folder, "%s/3b/74", dir);
	assert_int_equal(count_entries(folder, ".tmp-"), 0);
	assert_int_equal(count_entries(folder, JPEG_SHA), 1);

	/* The same bytes again: the file there is kept, not written anew. */
	ino_t first = st.st_ino;
	wg_attachment b;
	assert_int_equal(wg_attachment_save(dir, parts, 3, &limits, &b, err, sizeof err), 0);
	assert_string_equal(b.sha256, JPEG_SHA);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, first);

	/* A damaged file under the name (same size, other bytes) is replaced. */
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("XXXXXXXXX", 1, JPEG_LEN, f);
	fclose(f);
	assert_int_equal(wg_attachment_save(dir, parts, 3, &limits, &b, err, sizeof err), 0);
	read_file(path, buf, sizeof buf, &got);
	assert_int_equal(got, JPEG_LEN);
	assert_memory_equal(buf, jpeg, JPEG_LEN);
	/* And a truncated one. */
	assert_int_equal(truncate(path, 3), 0);
	assert_int_equal(wg_attachment_save(dir, parts, 3, &limits, &b, err, sizeof err), 0);
	read_file(path, buf, sizeof buf, &got);
	assert_int_equal(got, JPEG_LEN);
	assert_int_equal(count_entries(folder, ".tmp-"), 0);
}

static void test_save_refuses(void **state)
{
	(void)state;
	const char *dir = files_dir("refused");
	static const char elf[] = "\x7f"
				  "ELF\x02\x01\x01\x00\x00";
	static char big[100];
	memcpy(big, jpeg, JPEG_LEN);
	struct iovec exe[] = {one(elf, sizeof elf - 1)};
	struct iovec large[] = {one(big, sizeof big)};
	wg_attachment a;
	char err[256] = "";
	assert_int_equal(wg_attachment_save(dir, exe, 1, &limits, &a, err, sizeof err), WG_EMEDIATYPE);
	assert_true(strlen(err) > 0);
	assert_int_equal(wg_attachment_save(dir, large, 1, &limits, &a, err, sizeof err), WG_ETOOLARGE);
	assert_int_equal(wg_attachment_save(dir, NULL, 0, &limits, &a, err, sizeof err), WG_EMEDIATYPE);
	/* Nothing was written, not even the folder. */
	struct stat st;
	assert_int_equal(stat(dir, &st), -1);
}

static void test_save_io_errors(void **state)
{
	(void)state;
	struct iovec parts[] = {one(jpeg, JPEG_LEN)};
	wg_attachment a;
	char err[256] = "";

	/* The folder is a file. */
	const char *file = files_dir("plain-file");
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(wg_attachment_save(file, parts, 1, &limits, &a, err, sizeof err), WG_EIO);
	assert_non_null(strstr(err, "plain-file"));

	/* A file where the ab folder should be. */
	char dir[PATH_MAX], ab[PATH_MAX + 8];
	snprintf(dir, sizeof dir, "%s", files_dir("blocked"));
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(ab, sizeof ab, "%s/3b", dir);
	f = fopen(ab, "w");
	assert_non_null(f);
	fclose(f);
	err[0] = '\0';
	assert_int_equal(wg_attachment_save(dir, parts, 1, &limits, &a, err, sizeof err), WG_EIO);
	assert_non_null(strstr(err, "3b"));

	/* A folder the server may not write to (root may write anyway). */
	if (geteuid() != 0) {
		char ro[PATH_MAX];
		snprintf(ro, sizeof ro, "%s", files_dir("read-only"));
		assert_int_equal(mkdir(ro, 0500), 0);
		assert_int_equal(wg_attachment_save(ro, parts, 1, &limits, &a, err, sizeof err), WG_EIO);
		assert_non_null(strstr(err, "Permission denied"));
		chmod(ro, 0700);
	}
}

/* Every allocation that can fail does so cleanly: WG_ENOMEM, and no file
 * or temporary file is left. */
static void test_save_out_of_memory(void **state)
{
	(void)state;
	struct iovec parts[] = {one(jpeg, JPEG_LEN)};
	wg_attachment a;
	char err[256];
	int rc = -1;
	unsigned long n = 1;
	for (; n < 50; n++) {
		char dir[PATH_MAX + 24];
		snprintf(dir, sizeof dir, "%s/%lu", files_dir("oom"), n);
		wg_alloc_fail_at(n);
		rc = wg_attachment_save(dir, parts, 1, &limits, &a, err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, WG_ENOMEM);
		struct stat st;
		assert_int_equal(stat(dir, &st), -1);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 1);
}

/* ---- rows, links and who reads -------------------------------------------- */

#define COUNTY "610326000000"
#define TOWN_A "610326101000"
#define VILLAGE_A "610326101201"
#define GRID_A "610326101201001"
#define GRID_A2 "610326101201002"
#define TOWN_B "610326102000"
#define OTHER_SHA "00000000000000000000000000000000000000000000000000000000000000ff"

static int setup(void **state)
{
	if (wg_test_setup_open(state) != 0)
		return -1;
	wg_test_db *t = *state;
	if (!t->db)
		return 0;
	/* Two uploaders; who reads is decided by the caller given, not by
	 * the account's row. */
	int rc = wg_db_exec(t->db, "INSERT INTO users (id, username, name, scope_key, password_hash, "
	                           "password_changed_at, created_at, updated_at) VALUES "
	                           "(1, 'worker_a', 'A', '" GRID_A "', 'x', 0, 0, 0), "
	                           "(2, 'worker_b', 'B', '" TOWN_B "', 'x', 0, 0, 0)");
	if (rc)
		fprintf(stderr, "inserting users: %s\n", wg_db_errmsg(t->db));
	return rc ? -1 : 0;
}

static wg_attachment stored(const char *sha, enum wg_media media, int64_t size)
{
	wg_attachment a = {.media = media, .size = size};
	snprintf(a.sha256, sizeof a.sha256, "%s", sha);
	return a;
}

static int get_as(wg_db *db, int64_t user_id, const char *scope, const char *department, const char *sha)
{
	wg_caller c = {.user_id = user_id, .scope = scope, .department = department};
	wg_attachment out;
	return wg_attachment_get(db, &c, sha, &out);
}

static void test_record_and_uploaders(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_attachment a = stored(JPEG_SHA, WG_MEDIA_JPEG, JPEG_LEN);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_record(db, &a, 1, 1000)), 0);

	/* The uploader reads it back, with its type and size; nobody else
	 * does, until something links it. */
	wg_caller uploader = {.user_id = 1, .scope = GRID_A};
	wg_attachment out = {0};
	assert_int_equal(wg_attachment_get(db, &uploader, JPEG_SHA, &out), 0);
	assert_string_equal(out.sha256, JPEG_SHA);
	assert_int_equal(out.media, WG_MEDIA_JPEG);
	assert_int_equal(out.size, JPEG_LEN);
	assert_int_equal(get_as(db, 2, TOWN_B, NULL, JPEG_SHA), WG_ENOTFOUND);
	assert_int_equal(get_as(db, 3, GRID_A, NULL, JPEG_SHA), WG_ENOTFOUND);
	assert_int_equal(get_as(db, 4, COUNTY, NULL, JPEG_SHA), WG_ENOTFOUND);
	/* The system reads everything. */
	assert_int_equal(wg_attachment_get(db, &(wg_caller){0}, JPEG_SHA, &out), 0);

	/* The same bytes from someone else: one file, two uploaders who each
	 * read it; the row keeps the first. Repeats change nothing. */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_record(db, &a, 2, 2000)), 0);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_record(db, &a, 2, 3000)), 0);
	assert_int_equal(get_as(db, 2, TOWN_B, NULL, JPEG_SHA), 0);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM attachments", NULL, 0), 1);
	assert_int_equal(
		wg_test_query_int(db, "SELECT created_by FROM attachments WHERE sha256 = ?", JPEG_SHA, 0), 1);
	assert_int_equal(
		wg_test_query_int(db, "SELECT created_at FROM attachments WHERE sha256 = ?", JPEG_SHA, 0),
		1000);
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM attachment_uploads WHERE sha256 = ?",
	                                   JPEG_SHA, 0),
	                 2);

	/* The system records no uploader. */
	wg_attachment pdf = stored(OTHER_SHA, WG_MEDIA_PDF, 100);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_record(db, &pdf, 0, 4000)), 0);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM attachments WHERE created_by IS NULL", NULL, 0),
		1);
	assert_int_equal(wg_attachment_get(db, &(wg_caller){0}, OTHER_SHA, &out), 0);
	assert_int_equal(out.media, WG_MEDIA_PDF);

	/* What the server never stores. */
	wg_attachment bad_type = stored(JPEG_SHA, WG_MEDIA_NONE, 1);
	wg_attachment bad_name = stored("nope", WG_MEDIA_JPEG, 1);
	assert_int_equal(wg_attachment_record(db, &bad_type, 1, 1), WG_EINTERNAL);
	assert_int_equal(wg_attachment_record(db, &bad_name, 1, 1), WG_EINTERNAL);
	/* Names that are not files. */
	assert_int_equal(get_as(db, 1, GRID_A, NULL, "nope"), WG_ENOTFOUND);
	assert_int_equal(get_as(db, 1, GRID_A, NULL,
	                        "1111111111111111111111111111111111111111111111111111111111111111"),
	                 WG_ENOTFOUND);
}

static void test_links(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_attachment a = stored(JPEG_SHA, WG_MEDIA_JPEG, JPEG_LEN);
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_record(db, &a, 1, 1000)), 0);

	/* A visit in village A holds it. */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_link(db, JPEG_SHA, "visit", 7, VILLAGE_A)), 0);
	static const struct {
		const char *who;
		int64_t id;
		const char *scope, *department;
		int rc;
	} t[] = {
		{"the county", 10, COUNTY, NULL, 0},
		{"town A", 11, TOWN_A, NULL, 0},
		{"village A", 12, VILLAGE_A, NULL, 0},
		{"town B", 13, TOWN_B, NULL, WG_ENOTFOUND},
		/* A grid sees its own grid's records, not its village's. */
		{"a grid of village A", 14, GRID_A2, NULL, WG_ENOTFOUND},
		{"a broken scope", 15, "x", NULL, WG_ENOTFOUND},
		{"a department of town B", 16, TOWN_B, "610326-police", WG_ENOTFOUND},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = get_as(db, t[i].id, t[i].scope, t[i].department, JPEG_SHA);
		if (rc != t[i].rc)
			fail_msg("%s: %d, want %d", t[i].who, rc, t[i].rc);
	}

	/* Linked again, the record moved to grid A2: now its grid sees it and
	 * village A still does (grid A2 lies in it). */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_link(db, JPEG_SHA, "visit", 7, GRID_A2)), 0);
	assert_int_equal(get_as(db, 14, GRID_A2, NULL, JPEG_SHA), 0);
	assert_int_equal(get_as(db, 12, VILLAGE_A, NULL, JPEG_SHA), 0);
	assert_int_equal(
		wg_test_query_int(db, "SELECT count(*) FROM attachment_links WHERE sha256 = ?", JPEG_SHA, 0),
		1);

	/* A case in town B dispatched to the police: police handlers read it,
	 * wherever their own area is; the justice bureau does not. */
	wg_test_begin(db);
	assert_int_equal(wg_test_end(db, wg_attachment_link_department(db, JPEG_SHA, "case", 9, TOWN_B,
	                                                               "610326-police")),
	                 0);
	assert_int_equal(get_as(db, 16, TOWN_A, "610326-police", JPEG_SHA), 0);
	assert_int_equal(get_as(db, 17, GRID_A, "610326-justice", JPEG_SHA), WG_ENOTFOUND);
	assert_int_equal(get_as(db, 13, TOWN_B, NULL, JPEG_SHA), 0);

	/* Links that cannot be made. */
	static const struct {
		const char *what, *sha, *owner, *scope, *department;
		int rc;
	} bad[] = {
		{"a file nobody uploaded", OTHER_SHA, "visit", VILLAGE_A, NULL, WG_ENOTFOUND},
		{"a malformed name", "../x", "visit", VILLAGE_A, NULL, WG_ENOTFOUND},
		{"an empty owner type", JPEG_SHA, "", VILLAGE_A, NULL, WG_EINTERNAL},
		{"no owner type", JPEG_SHA, NULL, VILLAGE_A, NULL, WG_EINTERNAL},
		{"a long owner type", JPEG_SHA, "an_owner_type_of_33_bytes_in_all_", VILLAGE_A, NULL,
	         WG_EINTERNAL},
		{"a scope that is no code", JPEG_SHA, "visit", "x", NULL, WG_EINTERNAL},
		{"no scope", JPEG_SHA, "visit", NULL, NULL, WG_EINTERNAL},
		{"an empty department", JPEG_SHA, "case", TOWN_B, "", WG_EINTERNAL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wg_test_begin(db);
		int rc = wg_test_end(db, wg_attachment_link_department(db, bad[i].sha, bad[i].owner, 1,
		                                                       bad[i].scope, bad[i].department));
		if (rc != bad[i].rc)
			fail_msg("%s: %d, want %d", bad[i].what, rc, bad[i].rc);
	}
	assert_int_equal(wg_test_query_int(db, "SELECT count(*) FROM attachment_links", NULL, 0), 2);
}

#define STORE_TESTS(fx)                                                                                      \
	cmocka_unit_test_prestate_setup_teardown(test_record_and_uploaders, setup, wg_test_teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_links, setup, wg_test_teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),          cmocka_unit_test(test_check),
		cmocka_unit_test(test_save),           cmocka_unit_test(test_save_refuses),
		cmocka_unit_test(test_save_io_errors), cmocka_unit_test(test_save_out_of_memory),
		STORE_TESTS(sqlite_fixture),           STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
