/* test_config.c - the settings table: every entry round-trips, bounds and
 * types are enforced and named, files, environment and redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"

/* The table read again through its X-macro, independently of config.c. */
struct expect {
	const char *name;
	enum wg_setting_type type;
	const char *def_string;
	long long def_int, min, max;
	int flags;
};

#define EXPECT_STRING(def) (def), 0
#define EXPECT_INT(def) NULL, (def)
#define EXPECT_BOOL(def) NULL, (def)
static const struct expect table[] = {
#define ROW(field, name, type, def, min, max, flags, help) \
	{name, WG_SET_##type, EXPECT_##type(def), min, max, flags},
	WG_SETTINGS(ROW)
#undef ROW
};
enum { NTABLE = sizeof table / sizeof table[0] };

static void get(const wg_config *c, const char *name, char *buf, size_t len)
{
	if (wg_config_get(c, name, buf, len) != 0)
		fail_msg("%s: wg_config_get failed", name);
}

/* Default -> get -> set -> get gives the same text, for every setting. */
static void test_round_trip(void **state)
{
	(void)state;
	assert_int_equal(wg_config_count(), NTABLE);
	assert_null(wg_config_name(NTABLE));
	wg_config c;
	assert_int_equal(wg_config_defaults(&c), 0);
	for (size_t i = 0; i < NTABLE; i++) {
		const struct expect *e = &table[i];
		assert_string_equal(wg_config_name(i), e->name);
		char def[256], want[256], again[256], err[256] = "";
		get(&c, e->name, def, sizeof def);
		if (e->type == WG_SET_STRING)
			snprintf(want, sizeof want, "%s", e->def_string);
		else if (e->type == WG_SET_INT)
			snprintf(want, sizeof want, "%lld", e->def_int);
		else
			snprintf(want, sizeof want, "%s", e->def_int ? "true" : "false");
		if (strcmp(def, want) != 0)
			fail_msg("%s: default '%s', want '%s'", e->name, def, want);
		if (wg_config_set(&c, e->name, def, err, sizeof err) != 0)
			fail_msg("%s: setting its default failed: %s", e->name, err);
		get(&c, e->name, again, sizeof again);
		if (strcmp(def, again) != 0)
			fail_msg("%s: '%s' came back as '%s'", e->name, def, again);
	}
	wg_config_free(&c);
}

static void want_error(wg_config *c, const char *name, const char *value, const char *part)
{
	char err[256] = "";
	int rc = wg_config_set(c, name, value, err, sizeof err);
	if (rc != WG_ECONFIG)
		fail_msg("%s = '%s' accepted (rc %d)", name, value, rc);
	if (!strstr(err, name))
		fail_msg("%s = '%s': error '%s' does not name the setting", name, value, err);
	if (part && !strstr(err, part))
		fail_msg("%s = '%s': error '%s' lacks '%s'", name, value, err, part);
}

static void want_value(wg_config *c, const char *name, const char *value, const char *shown)
{
	char err[256] = "", buf[256];
	if (wg_config_set(c, name, value, err, sizeof err) != 0)
		fail_msg("%s = '%s' refused: %s", name, value, err);
	get(c, name, buf, sizeof buf);
	if (strcmp(buf, shown) != 0)
		fail_msg("%s = '%s' reads back as '%s', want '%s'", name, value, buf, shown);
}

/* Each integer accepts its bounds and refuses one beyond them, each boolean
 * its spellings, and every type error names the setting. */
static void test_bounds_and_types(void **state)
{
	(void)state;
	wg_config c;
	assert_int_equal(wg_config_defaults(&c), 0);
	for (size_t i = 0; i < NTABLE; i++) {
		const struct expect *e = &table[i];
		char v[64];
		switch (e->type) {
		case WG_SET_INT:
			snprintf(v, sizeof v, "%lld", e->min);
			want_value(&c, e->name, v, v);
			snprintf(v, sizeof v, "%lld", e->max);
			want_value(&c, e->name, v, v);
			snprintf(v, sizeof v, "%lld", e->min - 1);
			want_error(&c, e->name, v, "out of range");
			snprintf(v, sizeof v, "%lld", e->max + 1);
			want_error(&c, e->name, v, "out of range");
			want_error(&c, e->name, "abc", "not a whole number");
			want_error(&c, e->name, "12x", "not a whole number");
			want_error(&c, e->name, "", "not a whole number");
			want_error(&c, e->name, "99999999999999999999", "not a whole number");
			break;
		case WG_SET_BOOL: {
			static const char *const yes[] = {"1", "true", "yes", "on"};
			static const char *const no[] = {"0", "false", "no", "off"};
			for (size_t k = 0; k < 4; k++) {
				want_value(&c, e->name, yes[k], "true");
				want_value(&c, e->name, no[k], "false");
			}
			want_error(&c, e->name, "maybe", "not a boolean");
			want_error(&c, e->name, "", "not a boolean");
			break;
		}
		case WG_SET_STRING:
			want_value(&c, e->name, "with spaces and = sign", "with spaces and = sign");
			want_value(&c, e->name, "", "");
			break;
		}
	}
	char err[128] = "";
	assert_int_equal(wg_config_set(&c, "no.such", "1", err, sizeof err), WG_ECONFIG);
	assert_non_null(strstr(err, "no.such"));
	char buf[16];
	assert_int_equal(wg_config_get(&c, "no.such", buf, sizeof buf), WG_ENOTFOUND);
	wg_config_free(&c);
}

struct parse_case {
	const char *name;
	const char *text;
	int rc;
	const char *err;     /* substring expected in the error */
	const char *setting; /* checked after a successful parse */
	const char *value;
};

static const struct parse_case parses[] = {
	{"comments and blanks", "# wangge\n\n   # indented comment\nhttp.port = 9000\n", 0, NULL, "http.port",
         "9000"},
	{"no spaces", "http.port=81\n", 0, NULL, "http.port", "81"},
	{"CRLF and tabs", "\thttp.host\t=\t0.0.0.0 \r\n", 0, NULL, "http.host", "0.0.0.0"},
	{"quoted", "data.dir = \"/srv/wangge data\"\n", 0, NULL, "data.dir", "/srv/wangge data"},
	{"equals in value", "db.url = host=db password=x\n", 0, NULL, "db.url", "host=db password=x"},
	{"last wins", "http.port = 1\nhttp.port = 2", 0, NULL, "http.port", "2"},
	{"bool", "http.access_log = off\n", 0, NULL, "http.access_log", "false"},
	{"empty file", "", 0, NULL, "http.port", "8080"},
	{"no equals", "http.port = 1\n# c\n\nbogus line\n", WG_ECONFIG, "line 4: expected 'name = value'",
         NULL, NULL},
	{"bad value", "\nhttp.port = 1\nhttp.port = abc\n", WG_ECONFIG,
         "line 3: http.port: 'abc' is not a whole number", NULL, NULL},
	{"out of range", "db.pool = 65\n", WG_ECONFIG, "line 1: db.pool: out of range 1..64", NULL, NULL},
	{"unknown", "# x\nhttp.prot = 1\n", WG_ECONFIG, "line 2: unknown setting 'http.prot'", NULL, NULL},
	{"bad bool", "http.access_log = sometimes", WG_ECONFIG, "line 1: http.access_log", NULL, NULL},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
		const struct parse_case *p = &parses[i];
		wg_config c;
		assert_int_equal(wg_config_defaults(&c), 0);
		char err[256] = "";
		int rc = wg_config_parse(&c, p->text, strlen(p->text), err, sizeof err);
		if (rc != p->rc)
			fail_msg("%s: rc %d (%s), want %d", p->name, rc, err, p->rc);
		if (p->err && !strstr(err, p->err))
			fail_msg("%s: error '%s' lacks '%s'", p->name, err, p->err);
		if (p->setting) {
			char buf[256];
			get(&c, p->setting, buf, sizeof buf);
			if (strcmp(buf, p->value) != 0)
				fail_msg("%s: %s is '%s', want '%s'", p->name, p->setting, buf, p->value);
		}
		wg_config_free(&c);
	}
	/* A NUL byte is refused rather than silently ending the file. */
	wg_config c;
	assert_int_equal(wg_config_defaults(&c), 0);
	char err[128] = "";
	assert_int_equal(wg_config_parse(&c, "http.port = 1\0x", 16, err, sizeof err), WG_ECONFIG);
	assert_non_null(strstr(err, "NUL"));
	wg_config_free(&c);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/wg-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "# test\nhttp.port = 7070\nlog.level = debug\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	wg_config c;
	assert_int_equal(wg_config_defaults(&c), 0);
	char err[256] = "";
	assert_int_equal(wg_config_load_file(&c, path, err, sizeof err), 0);
	assert_int_equal(c.http_port, 7070);
	assert_string_equal(c.log_level, "debug");
	unlink(path);
	assert_int_equal(wg_config_load_file(&c, path, err, sizeof err), WG_ECONFIG);
	assert_non_null(strstr(err, path));
	wg_config_free(&c);
}

static void test_env(void **state)
{
	(void)state;
	wg_config c;
	assert_int_equal(wg_config_defaults(&c), 0);
	char *env[] = {"PATH=/bin",
	               "WG_HTTP_PORTX=1",
	               "WG_HTTP_PORT=9090",
	               "WG_DB_URL=sqlite:/tmp/x.db",
	               "WG_HTTP_ACCESS_LOG=no",
	               "wg_http_threads=3",
	               NULL};
	char err[256] = "";
	assert_int_equal(wg_config_load_env(&c, env, err, sizeof err), 0);
	assert_int_equal(c.http_port, 9090);
	assert_string_equal(c.db_url, "sqlite:/tmp/x.db");
	assert_false(c.http_access_log);
	assert_int_equal(c.http_threads, 0); /* names are upper-case */
	char *bad[] = {"WG_HTTP_PORT=70000", NULL};
	assert_int_equal(wg_config_load_env(&c, bad, err, sizeof err), WG_ECONFIG);
	assert_non_null(strstr(err, "http.port"));
	assert_int_equal(wg_config_load_env(&c, NULL, err, sizeof err), 0);
	wg_config_free(&c);
}

/* The db.url line of wg_config_print, and the secret that must not be in
 * it. */
struct redact_case {
	const char *url;
	const char *shown;
	const char *secret;
};

static const struct redact_case redactions[] = {
	{"postgresql://wg:s3cret@db.local:5432/wangge", "postgresql://wg:<redacted>@db.local:5432/wangge",
         "s3cret"},
	{"postgres://wg:p@ss@db/x", "postgres://wg:<redacted>@db/x", "p@ss"},
	{"host=db user=wg password=s3cret dbname=wangge", "host=db user=wg password=<redacted> dbname=wangge",
         "s3cret"},
	{"password=s3cret", "password=<redacted>", "s3cret"},
	{"host=db password = s3cret port=5432", "host=db password = <redacted> port=5432", "s3cret"},
	{"host=db password='s3 cr\\'et' port=1", "host=db password=<redacted> port=1", "cr"},
	{"host=db sslpassword=s3cret", "host=db sslpassword=<redacted>", "s3cret"},
	{"postgresql://db/wangge?user=wg&password=s3cret&sslmode=require",
         "postgresql://db/wangge?user=wg&password=<redacted>&sslmode=require", "s3cret"},
	{"postgresql://db:5432/x?application_name=a@b", "postgresql://db:5432/x?application_name=a@b", NULL},
	{"postgresql://wg@db/x", "postgresql://wg@db/x", NULL},
	{"sqlite:var/wangge.db", "sqlite:var/wangge.db", NULL},
	{"host=db passwordless=1", "host=db passwordless=1", NULL},
};

static void test_redaction(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof redactions / sizeof redactions[0]; i++) {
		const struct redact_case *r = &redactions[i];
		wg_config c;
		assert_int_equal(wg_config_defaults(&c), 0);
		char err[128] = "";
		assert_int_equal(wg_config_set(&c, "db.url", r->url, err, sizeof err), 0);
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		assert_non_null(f);
		wg_config_print(&c, f);
		fclose(f);
		char want[512];
		snprintf(want, sizeof want, "db.url = %s\n", r->shown);
		if (!strstr(out, want))
			fail_msg("'%s' printed as:\n%s", r->url, out);
		if (r->secret && strstr(out, r->secret))
			fail_msg("'%s': secret '%s' printed", r->url, r->secret);
		/* wg_config_get is the unredacted value. */
		char raw[512];
		get(&c, "db.url", raw, sizeof raw);
		assert_string_equal(raw, r->url);
		free(out);
		wg_config_free(&c);
	}
}

/* Every setting has a row in the generated documentation. */
static void test_markdown(void **state)
{
	(void)state;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	wg_config_print_markdown(f);
	fclose(f);
	for (size_t i = 0; i < NTABLE; i++) {
		char row[128];
		snprintf(row, sizeof row, "| `%s` | `WG_", table[i].name);
		if (!strstr(out, row))
			fail_msg("no row for %s", table[i].name);
	}
	assert_non_null(strstr(out, "| `http.port` | `WG_HTTP_PORT` | integer | 8080 | 0–65535 |"));
	free(out);
}

/* Each allocation fails in turn: WG_ENOMEM, nothing leaked, and the config
 * left valid for wg_config_free. */
static void test_failing_allocator(void **state)
{
	(void)state;
	int rc = WG_ENOMEM;
	unsigned long n;
	for (n = 1; rc == WG_ENOMEM; n++) {
		wg_config c;
		wg_alloc_fail_at(n);
		rc = wg_config_defaults(&c);
		wg_alloc_fail_at(0);
		if (rc == 0)
			wg_config_free(&c);
		else
			assert_int_equal(rc, WG_ENOMEM);
	}
	assert_true(n > 2);

	const char text[] = "db.url = postgresql://x\nhttp.host = ::\nhttp.port = 1\ndata.dir = d\n";
	rc = WG_ENOMEM;
	for (n = 1; rc == WG_ENOMEM; n++) {
		wg_config c;
		assert_int_equal(wg_config_defaults(&c), 0);
		char err[128];
		wg_alloc_fail_at(n);
		rc = wg_config_parse(&c, text, sizeof text - 1, err, sizeof err);
		wg_alloc_fail_at(0);
		if (rc == 0)
			assert_string_equal(c.data_dir, "d");
		else
			assert_int_equal(rc, WG_ENOMEM);
		wg_config_free(&c);
	}
	/* The copy of the text and three string settings. */
	assert_int_equal(n, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_bounds_and_types),
		cmocka_unit_test(test_parse),      cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_env),        cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_markdown),   cmocka_unit_test(test_failing_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
