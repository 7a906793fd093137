/* test_settings.c - live settings: a change is validated like a config
 * file, stored with its audit row, and applied at start; stored values that
 * are no longer valid are skipped. SQLite, and PostgreSQL when
 * WG_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "domain/audit.h"
#include "domain/settings.h"
#include "fixture.h"

static int64_t count(wg_db *db, const char *sql)
{
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(db, sql, &st), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t n = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return n;
}

static int store(wg_db *db, const wg_config *cfg, const char *name, const char *value, wg_field_errors *fe)
{
	wg_caller sec = {.user_id = 2, .username = "secadmin", .roles = 0, .scope = "610326000000"};
	assert_int_equal(wg_db_begin(db), 0);
	int rc = wg_settings_store(db, &sec, "sha256", cfg, name, value, fe);
	if (rc)
		wg_db_rollback(db);
	else
		assert_int_equal(wg_db_commit(db), 0);
	return rc;
}

static void test_store_and_apply(void **state)
{
	wg_db *db = wg_test_open(state);
	wg_config cfg;
	assert_int_equal(wg_config_defaults(&cfg), 0);
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);

	static const struct {
		const char *name, *value;
		int rc;
		const char *code;
	} t[] = {
		{"security.password_min_length", "12", 0, NULL},
		{"security.admin_2fa", "false", 0, NULL},
		{"security.password_min_length", "7", WG_EVALIDATION, "range"},
		{"security.lockout_s", "soon", WG_EVALIDATION, "type"},
		{"http.port", "9000", WG_EVALIDATION, "read_only"},
		{"no.such", "1", WG_ENOTFOUND, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		wg_field_errors_init(&fe, &arena);
		assert_int_equal(store(db, &cfg, t[i].name, t[i].value, &fe), t[i].rc);
		if (t[i].code) {
			assert_int_equal(fe.n, 1);
			assert_string_equal(fe.e[0].field, "value");
			assert_string_equal(fe.e[0].code, t[i].code);
		}
	}
	/* Storing again replaces, and every accepted change has its audit row. */
	assert_int_equal(store(db, &cfg, "security.password_min_length", "14", &fe), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM settings"), 2);
	assert_int_equal(count(db, "SELECT count(*) FROM audit_log WHERE action = 'setting.change'"), 3);
	int64_t rows, bad;
	assert_int_equal(wg_audit_verify(db, &rows, &bad), 0);
	assert_int_equal(bad, 0);

	/* At start the stored values win; a value an upgrade made invalid is
	 * skipped and reported, the others still apply. */
	assert_int_equal(wg_db_execf(db, "INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)",
	                             NULL, "tti", "http.port", "1", (int64_t)1),
	                 0);
	assert_int_equal(wg_db_execf(db, "INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)",
	                             NULL, "tti", "security.lockout_s", "0", (int64_t)1),
	                 0);
	char log[1024] = "";
	FILE *out = fmemopen(log, sizeof log, "w");
	assert_int_equal(wg_settings_apply(db, &cfg, out), 0);
	fclose(out);
	assert_int_equal(cfg.security_password_min_length, 14);
	assert_false(cfg.security_admin_2fa);
	assert_int_equal(cfg.http_port, 8080);
	assert_int_equal(cfg.security_lockout_s, 300);
	assert_non_null(strstr(log, "http.port"));
	assert_non_null(strstr(log, "security.lockout_s"));
	wg_config_free(&cfg);
	wg_arena_clear(&arena);
}

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_store_and_apply, wg_test_setup_open,
	                                                 wg_test_teardown, &sqlite_fixture),
		cmocka_unit_test_prestate_setup_teardown(test_store_and_apply, wg_test_setup_open,
	                                                 wg_test_teardown, &pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
