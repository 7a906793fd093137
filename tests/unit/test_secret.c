/* test_secret.c - the key file, sealing and opening, and the blind index. */
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/secret.h"

/* A fresh folder per test, removed with everything in it afterwards. */
static char base[64];

static int setup(void **state)
{
	(void)state;
	umask(022);
	const char *tmp = getenv("TMPDIR");
	snprintf(base, sizeof base, "%s/wg-secret-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	return mkdtemp(base) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", base, name);
}

static void write_file(const char *path, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)i, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static wg_secret_key *load_ok(const char *path)
{
	wg_secret_key *k = NULL;
	char err[512];
	int rc = wg_secret_key_load(path, &k, err, sizeof err);
	if (rc != 0)
		fail_msg("load %s: %s: %s", path, wg_error_name(rc), err);
	assert_non_null(k);
	return k;
}

/* Sealed under a, opened under b. */
static bool same_key(const wg_secret_key *a, const wg_secret_key *b)
{
	char *sealed;
	assert_int_equal(wg_secret_seal(a, "11010119900307777X", 18, &sealed), 0);
	unsigned char out[32];
	size_t n;
	int rc = wg_secret_open(b, sealed, out, sizeof out, &n);
	wg_free(sealed);
	if (rc != 0)
		return false;
	assert_int_equal(n, 18);
	assert_memory_equal(out, "11010119900307777X", 18);
	return true;
}

/* A missing key file is made, with its folders, private to the owner;
 * loading it again gives the same key. */
static void test_created_and_reloaded(void **state)
{
	(void)state;
	char path[128], dir[128];
	path_in(dir, sizeof dir, "etc/wangge");
	path_in(path, sizeof path, "etc/wangge/secret.key");
	wg_secret_key *a = load_ok(path);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, WG_SECRET_KEY_BYTES);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	wg_secret_key *b = load_ok(path);
	assert_true(same_key(a, b));
	assert_true(same_key(b, a));

	/* Another file is another key. */
	char other_path[128];
	path_in(other_path, sizeof other_path, "other.key");
	wg_secret_key *other = load_ok(other_path);
	assert_false(same_key(a, other));

	/* Nothing but the key is left in the folder (no temporary file). */
	DIR *d = opendir(dir);
	assert_non_null(d);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(d);
	assert_int_equal(entries, 1);

	wg_secret_key_free(a);
	wg_secret_key_free(b);
	wg_secret_key_free(other);
	wg_secret_key_free(NULL);
}

static void expect_refused(const char *path, int want, const char *in_err)
{
	wg_secret_key *k = (wg_secret_key *)1;
	char err[512];
	int rc = wg_secret_key_load(path, &k, err, sizeof err);
	if (rc != want)
		fail_msg("%s: %s (%s), want %s", path, wg_error_name(rc), err, wg_error_name(want));
	assert_null(k);
	if (!strstr(err, in_err))
		fail_msg("message \"%s\" lacks \"%s\"", err, in_err);
	if (!strstr(err, path))
		fail_msg("message \"%s\" lacks the path", err);
}

static void test_refused_files(void **state)
{
	(void)state;
	char path[128];
	static const size_t sizes[] = {0, 31, 33, 64};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		path_in(path, sizeof path, "sized.key");
		write_file(path, sizes[i], 0600);
		expect_refused(path, WG_ECONFIG, "not 32");
	}
	static const mode_t open_modes[] = {0640, 0604, 0620, 0602, 0644, 0660, 0610};
	for (size_t i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
		path_in(path, sizeof path, "open.key");
		write_file(path, WG_SECRET_KEY_BYTES, open_modes[i]);
		expect_refused(path, WG_ECONFIG, "chmod 600");
	}
	/* Read-only for the owner is fine. */
	path_in(path, sizeof path, "readonly.key");
	write_file(path, WG_SECRET_KEY_BYTES, 0400);
	wg_secret_key_free(load_ok(path));

	path_in(path, sizeof path, "folder.key");
	assert_int_equal(mkdir(path, 0700), 0);
	expect_refused(path, WG_ECONFIG, "not a regular file");

	/* The folder cannot be made: a file stands in its way. */
	char blocker[128];
	path_in(blocker, sizeof blocker, "blocker");
	write_file(blocker, 1, 0600);
	path_in(path, sizeof path, "blocker/sub/secret.key");
	expect_refused(path, WG_EIO, "blocker");

	/* err may be left out. */
	wg_secret_key *k;
	path_in(path, sizeof path, "open.key");
	assert_int_equal(wg_secret_key_load(path, &k, NULL, 0), WG_ECONFIG);
}

struct racer {
	const char *path;
	wg_secret_key *key;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	r->rc = wg_secret_key_load(r->path, &r->key, NULL, 0);
	return NULL;
}

/* Processes starting together (threads here) end with one key. */
static void test_concurrent_creation(void **state)
{
	(void)state;
	enum { N = 8 };
	for (int round = 0; round < 5; round++) {
		char path[128];
		char name[32];
		snprintf(name, sizeof name, "race%d/secret.key", round);
		path_in(path, sizeof path, name);
		struct racer r[N];
		pthread_t t[N];
		for (int i = 0; i < N; i++) {
			r[i] = (struct racer){path, NULL, -100};
			assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
		}
		for (int i = 0; i < N; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		for (int i = 0; i < N; i++) {
			assert_int_equal(r[i].rc, 0);
			assert_true(same_key(r[0].key, r[i].key));
		}
		for (int i = 0; i < N; i++)
			wg_secret_key_free(r[i].key);
	}
}

static wg_secret_key *test_key(void)
{
	char path[128];
	path_in(path, sizeof path, "test.key");
	return load_ok(path);
}

static void test_seal_open(void **state)
{
	(void)state;
	wg_secret_key *k = test_key();
	static const char *values[] = {"", "1", "13800138000", "11010119900307777X",
	                               "张三 110101199003077777"};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		size_t len = strlen(values[i]);
		char *sealed = NULL;
		assert_int_equal(wg_secret_seal(k, values[i], len, &sealed), 0);
		assert_non_null(sealed);
		assert_memory_equal(sealed, "v1.", 3);
		/* base64url: letters, digits, '-' and '_' only. */
		assert_int_equal(strspn(sealed + 3,
		                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		                 strlen(sealed + 3));
		assert_int_equal(strlen(sealed), 3 + ((24 + 16 + len) * 4 + 2) / 3);
		unsigned char out[64];
		size_t n = 99;
		assert_int_equal(wg_secret_open(k, sealed, out, len, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, values[i], len);
		if (len > 0) {
			assert_int_equal(wg_secret_open(k, sealed, out, len - 1, &n), WG_ETOOLARGE);
			assert_int_equal(n, len);
		}
		wg_free(sealed);
	}
	wg_secret_key_free(k);
}

/* A fresh nonce each time: equal values do not give equal strings. */
static void test_nonce_differs(void **state)
{
	(void)state;
	wg_secret_key *k = test_key();
	char *a, *b;
	assert_int_equal(wg_secret_seal(k, "13800138000", 11, &a), 0);
	assert_int_equal(wg_secret_seal(k, "13800138000", 11, &b), 0);
	/* The first 32 base64 characters are 24 bytes: the nonce. */
	assert_int_not_equal(memcmp(a + 3, b + 3, 32), 0);
	assert_string_not_equal(a, b);
	wg_free(a);
	wg_free(b);
	wg_secret_key_free(k);
}

/* Every single-character change, truncation or extension is refused. */
static void test_tampered(void **state)
{
	(void)state;
	wg_secret_key *k = test_key();
	char *sealed;
	assert_int_equal(wg_secret_seal(k, "110101199003077777", 18, &sealed), 0);
	size_t len = strlen(sealed);
	unsigned char out[64];
	size_t n;
	static const char replacement[] = "AQg_-z";
	for (size_t i = 0; i < len; i++) {
		for (const char *r = replacement; *r; r++) {
			if (sealed[i] == *r)
				continue;
			char saved = sealed[i];
			sealed[i] = *r;
			int rc = wg_secret_open(k, sealed, out, sizeof out, &n);
			sealed[i] = saved;
			if (rc != WG_EBADREQ)
				fail_msg("byte %zu set to '%c': %s", i, *r, wg_error_name(rc));
		}
	}
	char *copy = wg_malloc(len + 2);
	assert_non_null(copy);
	for (size_t cut = 0; cut < len; cut++) {
		memcpy(copy, sealed, cut);
		copy[cut] = '\0';
		if (wg_secret_open(k, copy, out, sizeof out, &n) != WG_EBADREQ)
			fail_msg("cut at %zu accepted", cut);
	}
	memcpy(copy, sealed, len);
	memcpy(copy + len, "A", 2);
	assert_int_equal(wg_secret_open(k, copy, out, sizeof out, &n), WG_EBADREQ);
	memcpy(copy, sealed, len + 1);
	copy[1] = '2';
	assert_int_equal(wg_secret_open(k, copy, out, sizeof out, &n), WG_EBADREQ);
	assert_int_equal(wg_secret_open(k, NULL, out, sizeof out, &n), WG_EBADREQ);
	assert_int_equal(wg_secret_open(k, "v1.=", out, sizeof out, &n), WG_EBADREQ);
	wg_free(copy);

	/* Another key cannot open it. */
	char other_path[128];
	path_in(other_path, sizeof other_path, "other.key");
	wg_secret_key *other = load_ok(other_path);
	assert_int_equal(wg_secret_open(other, sealed, out, sizeof out, &n), WG_EBADREQ);
	assert_int_equal(n, 0);
	wg_secret_key_free(other);
	wg_free(sealed);
	wg_secret_key_free(k);
}

/* Each allocation failing in turn gives WG_ENOMEM and leaks nothing. */
static void test_out_of_memory(void **state)
{
	(void)state;
	wg_secret_key *k = test_key();
	char *sealed = NULL;
	for (unsigned long nth = 1; nth <= 2; nth++) {
		wg_alloc_fail_at(nth);
		int rc = wg_secret_seal(k, "13800138000", 11, &sealed);
		wg_alloc_fail_at(0);
		assert_int_equal(rc, WG_ENOMEM);
		assert_null(sealed);
	}
	assert_int_equal(wg_secret_seal(k, "13800138000", 11, &sealed), 0);
	unsigned char out[16];
	size_t n;
	wg_alloc_fail_at(1);
	int rc = wg_secret_open(k, sealed, out, sizeof out, &n);
	wg_alloc_fail_at(0);
	assert_int_equal(rc, WG_ENOMEM);
	wg_free(sealed);
	wg_secret_key_free(k);
}

static void index_of(const wg_secret_key *k, const char *context, const char *value,
                     char hex[WG_SECRET_INDEX_HEX])
{
	assert_int_equal(wg_secret_blind_index(k, context, value, strlen(value), hex), 0);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
}

static void test_blind_index(void **state)
{
	(void)state;
	wg_secret_key *k = test_key();
	char a[WG_SECRET_INDEX_HEX], b[WG_SECRET_INDEX_HEX];

	index_of(k, "phone", "13800138000", a);
	index_of(k, "phone", "13800138000", b);
	assert_string_equal(a, b);

	/* Reloading the key gives the same index: it can be stored. */
	wg_secret_key *again = test_key();
	index_of(again, "phone", "13800138000", b);
	assert_string_equal(a, b);
	wg_secret_key_free(again);

	index_of(k, "phone", "13800138001", b);
	assert_string_not_equal(a, b);
	index_of(k, "idcard", "13800138000", b);
	assert_string_not_equal(a, b);
	index_of(k, "", "13800138000", b);
	assert_string_not_equal(a, b);
	/* Only eight bytes of context count. */
	index_of(k, "contact1", "13800138000", a);
	index_of(k, "contact1-extra", "13800138000", b);
	assert_string_equal(a, b);

	char other_path[128];
	path_in(other_path, sizeof other_path, "other.key");
	wg_secret_key *other = load_ok(other_path);
	index_of(k, "phone", "13800138000", a);
	index_of(other, "phone", "13800138000", b);
	assert_string_not_equal(a, b);
	wg_secret_key_free(other);

	/* The empty value has an index too. */
	assert_int_equal(wg_secret_blind_index(k, "phone", NULL, 0, a), 0);
	assert_int_equal(strlen(a), 64);
	wg_secret_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_created_and_reloaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_creation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_differs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
