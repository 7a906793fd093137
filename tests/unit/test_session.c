/* test_session.c - sign-in sessions: tokens and their hashes, lookup with
 * the idle and absolute limits, touch, state changes, sign-out and revoking
 * an account's other sessions; on SQLite, and on PostgreSQL when
 * WG_TEST_PG_URL is set (each test in a schema of its own, chosen through
 * PGOPTIONS, dropped afterwards). */
#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/account.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/session.h"

#include "fixture.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define ALG "sha256"
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define IDLE INT64_C(1800000)
#define ABSOLUTE INT64_C(43200000)

static const char tree[] = "code,parent,name\n"
			   "610000000000,,陕西省\n"
			   "610300000000,610000000000,宝鸡市\n"
			   "610326000000,610300000000,眉县\n"
			   "610326101000,610326000000,横渠镇\n"
			   "610326102000,610326000000,槐芽镇\n"
			   "610326101201,610326101000,横渠村\n"
			   "610326102201,610326102000,槐芽村\n";

/* ---- fixture: a fresh, migrated database with regions per test (fixture.h) */

struct fixture {
	wg_test_db t; /* first: the shared setup and teardown find it at *state */
	wg_db *db;    /* t.db, under the name the cases use */
	wg_arena arena;
};

static int group_setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	return wg_test_group_setup(state);
}

static int setup(void **state)
{
	struct fixture *f = *state;
	wg_clock_set_ms(T0);
	if (wg_test_setup_open(state) != 0 || wg_test_load_regions(&f->t, tree, 7) != 0)
		return -1;
	f->db = f->t.db;
	if (f->t.skip)
		return 0;
	wg_arena_init(&f->arena, 4096);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	wg_clock_set_ms(0);
	if (f->t.skip)
		return 0;
	wg_arena_clear(&f->arena);
	f->db = NULL;
	return wg_test_teardown(state);
}

static struct fixture *fixture_of(void **state)
{
	wg_test_of(state); /* skips a case without a store */
	return *state;
}

static int64_t audit_count(struct fixture *f, const char *action)
{
	return wg_test_query_int(f->db, "SELECT count(*) FROM audit_log WHERE action = ? AND result = 'ok'",
	                         action, 0);
}

/* No audit row holds s (a token, its hash or a CSRF token) anywhere. */
static void assert_not_in_audit(struct fixture *f, const char *s)
{
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(f->db, "SELECT detail, object_id, actor_name FROM audit_log", &st), 0);
	int rows = 0, rc;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		for (int col = 0; col < 3; col++) {
			const char *v = wg_stmt_text(st, col, NULL);
			assert_null(v ? strstr(v, s) : NULL);
		}
		rows++;
	}
	assert_int_equal(rc, WG_DB_DONE);
	assert_true(rows > 0);
	wg_stmt_finalize(st);
}

static const wg_caller sys = {.user_id = 0, .username = "console"};

/* An account with roles, and the caller it signs in as. */
static wg_caller account(struct fixture *f, const char *username, const char *scope, const char *department,
                         unsigned roles)
{
	wg_user_input in = {.username = username, .name = "用户", .scope = scope, .department = department};
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	int64_t id = 0;
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_account_create(f->db, &sys, ALG, &in, "$argon2id$x", false, &id, &fe)),
		0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_account_set_roles(f->db, &sys, ALG, id, roles, &fe)), 0);
	return (wg_caller){.user_id = id,
	                   .username = username,
	                   .roles = roles,
	                   .scope = scope,
	                   .address = "198.51.100.7"};
}

static void open_session(struct fixture *f, const wg_caller *who, enum wg_session_state state, int64_t at,
                         char hash[WG_TOKEN_HASH_TEXT], char csrf[WG_TOKEN_TEXT])
{
	char token[WG_TOKEN_TEXT];
	wg_session_new_token(token, hash);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_create(f->db, ALG, who, hash, state, at, csrf)), 0);
}

static int lookup(struct fixture *f, const char *hash, int64_t at, wg_session_info *info)
{
	return wg_session_lookup(f->db, hash, at, IDLE, ABSOLUTE, &f->arena, info);
}

/* ---- tokens --------------------------------------------------------------- */

static bool all_of(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

static void test_tokens(void **state)
{
	(void)state;
	char t1[WG_TOKEN_TEXT], h1[WG_TOKEN_HASH_TEXT], t2[WG_TOKEN_TEXT], h2[WG_TOKEN_HASH_TEXT];
	wg_session_new_token(t1, h1);
	wg_session_new_token(t2, h2);
	assert_int_equal(strlen(t1), 43);
	assert_int_equal(strlen(h1), 64);
	assert_true(all_of(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"));
	assert_true(all_of(h1, "0123456789abcdef"));
	assert_string_not_equal(t1, t2);
	assert_string_not_equal(h1, h2);
	/* 32 random bytes decode back from the text. */
	unsigned char raw[64];
	size_t n = 0;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, t1, strlen(t1), NULL, &n, NULL,
	                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	                 0);
	assert_int_equal(n, 32);

	char h[WG_TOKEN_HASH_TEXT];
	wg_session_hash(t1, h);
	assert_string_equal(h, h1);
	wg_session_hash("abc", h); /* FIPS 180-2 example */
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	wg_session_hash("", h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- create and lookup ------------------------------------------------------ */

static void test_create_lookup(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller who =
		account(f, "handler", "610326101201", "police", WG_ROLE_DEPT_HANDLER | WG_ROLE_MEDIATOR);
	char hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	open_session(f, &who, WG_SESSION_FULL, T0, hash, csrf);
	assert_int_equal(strlen(csrf), 43);

	wg_session_info info;
	assert_int_equal(lookup(f, hash, T0 + 1000, &info), 0);
	assert_int_equal(info.caller.user_id, who.user_id);
	assert_string_equal(info.caller.username, "handler");
	assert_int_equal(info.caller.roles, WG_ROLE_DEPT_HANDLER | WG_ROLE_MEDIATOR);
	assert_string_equal(info.caller.scope, "610326101201");
	assert_string_equal(info.caller.department, "police");
	assert_null(info.caller.address);
	assert_string_equal(info.csrf, csrf);
	assert_int_equal(info.state, WG_SESSION_FULL);
	assert_int_equal(info.created_at, T0);
	assert_int_equal(info.last_seen_at, T0);
	assert_int_equal(info.expires_at, T0 + IDLE);
	/* The strings live in the arena, not in the statement. */
	assert_true(f->arena.used > 0);

	/* The sign-in is stored, and audited without secrets. */
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT last_login_at FROM users WHERE id = ?", NULL, who.user_id),
		T0);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM sessions WHERE address = ?",
	                                   "198.51.100.7", 0),
	                 1);
	assert_int_equal(audit_count(f, "session.login"), 1);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM audit_log WHERE detail LIKE ?",
	                                   "%\"full\"%", 0),
	                 1);
	assert_not_in_audit(f, csrf);
	assert_not_in_audit(f, hash);

	/* No department: NULL. */
	wg_caller plain = account(f, "plain", "610326101000", NULL, WG_ROLE_CENTRE_OPERATOR);
	char hash2[WG_TOKEN_HASH_TEXT], csrf2[WG_TOKEN_TEXT];
	open_session(f, &plain, WG_SESSION_MUST_CHANGE_PASSWORD, T0, hash2, csrf2);
	assert_string_not_equal(csrf, csrf2);
	assert_int_equal(lookup(f, hash2, T0, &info), 0);
	assert_null(info.caller.department);
	assert_string_equal(info.caller.scope, "610326101000");
	assert_int_equal(info.state, WG_SESSION_MUST_CHANGE_PASSWORD);

	/* Unknown tokens, and a token instead of its hash. */
	char other[WG_TOKEN_TEXT], other_hash[WG_TOKEN_HASH_TEXT];
	wg_session_new_token(other, other_hash);
	assert_int_equal(lookup(f, other_hash, T0, &info), WG_EUNAUTH);
	assert_int_equal(info.caller.user_id, 0);
	assert_int_equal(lookup(f, "", T0, &info), WG_EUNAUTH);

	/* Creating for no account is a programming error. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_create(f->db, ALG, &sys, other_hash, WG_SESSION_FULL,
	                                                      T0, csrf)),
	                 WG_EINTERNAL);
}

static void test_limits(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller who = account(f, "idle", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	char hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	open_session(f, &who, WG_SESSION_FULL, T0, hash, csrf);
	wg_session_info info;

	/* Idle: up to the limit, not a millisecond after. */
	assert_int_equal(lookup(f, hash, T0 + IDLE, &info), 0);
	assert_int_equal(lookup(f, hash, T0 + IDLE + 1, &info), WG_EUNAUTH);

	/* Touching moves the idle end; an older touch never moves it back. */
	int64_t t = T0 + IDLE - 1000;
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_touch(f->db, hash, t)), 0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_touch(f->db, hash, T0 + 5)), 0);
	assert_int_equal(lookup(f, hash, t + IDLE, &info), 0);
	assert_int_equal(info.last_seen_at, t);
	assert_int_equal(info.expires_at, t + IDLE);
	assert_int_equal(lookup(f, hash, t + IDLE + 1, &info), WG_EUNAUTH);

	/* Absolute: used all day, still ends 12 hours after sign-in. */
	for (t = T0 + IDLE; t <= T0 + ABSOLUTE; t += IDLE / 2) {
		wg_test_begin(f->db);
		assert_int_equal(wg_test_end(f->db, wg_session_touch(f->db, hash, t)), 0);
	}
	assert_int_equal(lookup(f, hash, T0 + ABSOLUTE, &info), 0);
	assert_int_equal(info.expires_at, T0 + ABSOLUTE); /* the earlier end */
	assert_int_equal(lookup(f, hash, T0 + ABSOLUTE + 1, &info), WG_EUNAUTH);

	/* Other limits are the caller's to pass. */
	assert_int_equal(
		wg_session_lookup(f->db, hash, T0 + ABSOLUTE + 1, IDLE, ABSOLUTE * 2, &f->arena, &info), 0);
	assert_int_equal(wg_session_lookup(f->db, hash, T0 + ABSOLUTE + 2, 1, ABSOLUTE * 2, &f->arena, &info),
	                 WG_EUNAUTH);
}

static void test_revoke(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller who = account(f, "leaver", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	wg_caller other = account(f, "other", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	char hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	open_session(f, &who, WG_SESSION_FULL, T0, hash, csrf);
	wg_session_info info;

	/* Nobody signs out someone else's session. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_revoke(f->db, ALG, &other, hash, T0 + 10)), 0);
	assert_int_equal(lookup(f, hash, T0 + 10, &info), 0);
	assert_int_equal(audit_count(f, "session.logout"), 0);

	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_revoke(f->db, ALG, &who, hash, T0 + 20)), 0);
	assert_int_equal(lookup(f, hash, T0 + 20, &info), WG_EUNAUTH);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT revoked_at FROM sessions WHERE token_hash = ?", hash, 0),
		T0 + 20);
	assert_int_equal(audit_count(f, "session.logout"), 1);
	assert_int_equal(
		wg_test_query_int(f->db,
	                          "SELECT count(*) FROM audit_log WHERE action = 'session.logout' AND "
	                          "actor_name = ? AND address = '198.51.100.7'",
	                          "leaver", 0),
		1);
	/* Twice: nothing more happens. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_revoke(f->db, ALG, &who, hash, T0 + 30)), 0);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT revoked_at FROM sessions WHERE token_hash = ?", hash, 0),
		T0 + 20);
	assert_int_equal(audit_count(f, "session.logout"), 1);
	/* A revoked session is neither touched nor moved on. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_touch(f->db, hash, T0 + 40)), 0);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT last_seen_at FROM sessions WHERE token_hash = ?", hash, 0),
		T0);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_set_state(f->db, hash, WG_SESSION_FULL)),
	                 WG_ENOTFOUND);
}

static void test_revoke_user(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller who = account(f, "many", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	wg_caller other = account(f, "bystander", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	char hash[3][WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT], other_hash[WG_TOKEN_HASH_TEXT];
	for (int i = 0; i < 3; i++)
		open_session(f, &who, WG_SESSION_FULL, T0, hash[i], csrf);
	open_session(f, &other, WG_SESSION_FULL, T0, other_hash, csrf);

	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_revoke_user(f->db, who.user_id, hash[1], T0 + 5)), 0);
	wg_session_info info;
	assert_int_equal(lookup(f, hash[0], T0 + 5, &info), WG_EUNAUTH);
	assert_int_equal(lookup(f, hash[1], T0 + 5, &info), 0);
	assert_int_equal(lookup(f, hash[2], T0 + 5, &info), WG_EUNAUTH);
	assert_int_equal(lookup(f, other_hash, T0 + 5, &info), 0);

	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_revoke_user(f->db, who.user_id, NULL, T0 + 6)), 0);
	assert_int_equal(lookup(f, hash[1], T0 + 6, &info), WG_EUNAUTH);
	assert_int_equal(lookup(f, other_hash, T0 + 6, &info), 0);
	/* Earlier revocations keep their time. */
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT revoked_at FROM sessions WHERE token_hash = ?", hash[0], 0),
		T0 + 5);
}

static void test_state(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller who = account(f, "admin", "610326000000", NULL, WG_ROLE_SYSADMIN);
	char hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	open_session(f, &who, WG_SESSION_MUST_ENROL_TOTP, T0, hash, csrf);
	wg_session_info info;
	assert_int_equal(lookup(f, hash, T0, &info), 0);
	assert_int_equal(info.state, WG_SESSION_MUST_ENROL_TOTP);
	assert_int_equal(wg_test_query_int(f->db, "SELECT count(*) FROM audit_log WHERE detail = ?",
	                                   "{\"state\":\"must_enrol_totp\"}", 0),
	                 1);

	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_session_set_state(f->db, hash, WG_SESSION_MUST_CHANGE_PASSWORD)), 0);
	assert_int_equal(lookup(f, hash, T0, &info), 0);
	assert_int_equal(info.state, WG_SESSION_MUST_CHANGE_PASSWORD);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_set_state(f->db, hash, WG_SESSION_FULL)), 0);
	assert_int_equal(lookup(f, hash, T0, &info), 0);
	assert_int_equal(info.state, WG_SESSION_FULL);

	char token[WG_TOKEN_TEXT], unknown[WG_TOKEN_HASH_TEXT];
	wg_session_new_token(token, unknown);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_set_state(f->db, unknown, WG_SESSION_FULL)),
	                 WG_ENOTFOUND);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_set_state(f->db, hash, (enum wg_session_state)7)),
	                 WG_EINTERNAL);
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_create(f->db, ALG, &who, unknown,
	                                                      (enum wg_session_state)7, T0, csrf)),
	                 WG_EINTERNAL);
}

static void test_inactive_account(void **state)
{
	struct fixture *f = fixture_of(state);
	wg_caller who = account(f, "paused", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	char hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	open_session(f, &who, WG_SESSION_FULL, T0, hash, csrf);
	wg_session_info info;
	assert_int_equal(lookup(f, hash, T0, &info), 0);
	/* Inactive by any route (here behind the domain's back): the session,
	 * though not revoked, no longer works. */
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE users SET active = 0 WHERE id = %" PRId64, who.user_id);
	assert_int_equal(wg_db_exec(f->db, sql), 0);
	assert_int_equal(lookup(f, hash, T0, &info), WG_EUNAUTH);
	assert_int_equal(
		wg_test_query_int(f->db, "SELECT count(*) FROM sessions WHERE revoked_at IS NULL", NULL, 0),
		1);
	snprintf(sql, sizeof sql, "UPDATE users SET active = 1 WHERE id = %" PRId64, who.user_id);
	assert_int_equal(wg_db_exec(f->db, sql), 0);
	assert_int_equal(lookup(f, hash, T0, &info), 0);
	/* Roles are read at each lookup: a change applies at once. */
	wg_field_errors fe;
	wg_field_errors_init(&fe, &f->arena);
	wg_test_begin(f->db);
	assert_int_equal(
		wg_test_end(f->db, wg_account_set_roles(f->db, &sys, ALG, who.user_id, WG_ROLE_LEADER, &fe)),
		0);
	assert_int_equal(lookup(f, hash, T0, &info), 0);
	assert_int_equal(info.caller.roles, WG_ROLE_LEADER);
}

/* ---- PostgreSQL: changes are told (migration 0018) ----------------------- */

/* Notifications on wangge_sessions from this case's schema (the payload)
 * that arrive within ms; others' (tests running beside) are dropped. */
static int told(PGconn *listener, const char *schema, int ms)
{
	int n = 0;
	for (int waited = 0; waited <= ms; waited += 10) {
		assert_int_equal(PQconsumeInput(listener), 1);
		PGnotify *note;
		while ((note = PQnotifies(listener)) != NULL) {
			n += strcmp(note->relname, "wangge_sessions") == 0 &&
			     strcmp(note->extra, schema) == 0;
			PQfreemem(note);
		}
		if (n)
			return n;
		struct timespec t = {.tv_sec = 0, .tv_nsec = 10000000L};
		nanosleep(&t, NULL);
	}
	return n;
}

static void sql(struct fixture *f, const char *statement, const char *hash)
{
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_db_execf(f->db, statement, NULL, "t", hash)), 0);
}

/* Every change to what a session lookup reads is told to the servers
 * listening (their memos end); marking a session used is not, nor are
 * the account's other columns. Each change is followed by one that is
 * told, so that "not told" is seen by the order of arrival, not by a
 * wait: notifications of one connection arrive in commit order. */
static void test_changes_told(void **state)
{
	struct fixture *f = fixture_of(state);
	if (f->t.kind != WG_DB_POSTGRES)
		skip();
	wg_caller who = account(f, "watched", "610326101000", NULL, WG_ROLE_GRID_WORKER);
	char hash[WG_TOKEN_HASH_TEXT], csrf[WG_TOKEN_TEXT];
	open_session(f, &who, WG_SESSION_FULL, T0, hash, csrf);
	PGconn *listener = PQconnectdb(getenv("WG_TEST_PG_URL"));
	assert_int_equal(PQstatus(listener), CONNECTION_OK);
	PGresult *r = PQexec(listener, "LISTEN wangge_sessions");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	const char *schema = f->t.schema;

	/* Not told: marked used, signed in again, renamed. Then told: revoked. */
	wg_test_begin(f->db);
	assert_int_equal(wg_test_end(f->db, wg_session_touch(f->db, hash, T0 + 60000)), 0);
	sql(f,
	    "UPDATE users SET last_login_at = 1, name = '改名' WHERE id = (SELECT user_id FROM sessions "
	    "WHERE token_hash = ?)",
	    hash);
	sql(f, "UPDATE sessions SET revoked_at = 5 WHERE token_hash = ?", hash);
	assert_int_equal(told(listener, schema, 5000), 1);
	assert_int_equal(told(listener, schema, 100), 0);

	/* Told, one by one: made older, its state, the account's roles, area,
	 * department, whether it is active, and the session deleted. */
	static const char *const changes[] = {
		"UPDATE sessions SET last_seen_at = last_seen_at - 1 WHERE token_hash = ?",
		"UPDATE sessions SET state = 1 WHERE token_hash = ?",
		"UPDATE users SET roles = 0 WHERE id = (SELECT user_id FROM sessions WHERE token_hash = ?)",
		"UPDATE users SET scope_key = '610326102201' WHERE id = (SELECT user_id FROM sessions "
		"WHERE token_hash = ?)",
		"UPDATE users SET department = NULL WHERE id = (SELECT user_id FROM sessions WHERE "
		"token_hash = ?)",
		"UPDATE users SET active = 0 WHERE id = (SELECT user_id FROM sessions WHERE token_hash = ?)",
		"DELETE FROM sessions WHERE token_hash = ?",
	};
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		sql(f, changes[i], hash);
		assert_int_equal(told(listener, schema, 5000), 1);
	}
	PQfinish(listener);
}

static struct fixture sqlite_fixture = {.t.kind = WG_DB_SQLITE};
static struct fixture pg_fixture = {.t.kind = WG_DB_POSTGRES};

/* NOLINTBEGIN(bugprone-macro-parentheses): prefix is a string literal joined to #fn; parentheses
 * would stop the joining. */
#define ON(prefix, fn, fixture) ((struct CMUnitTest){prefix #fn, fn, setup, teardown, &(fixture)})
/* NOLINTEND(bugprone-macro-parentheses) */
#define ON_BOTH(fn) ON("sqlite/", fn, sqlite_fixture), ON("postgresql/", fn, pg_fixture)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),  ON_BOTH(test_create_lookup),
		ON_BOTH(test_limits),           ON_BOTH(test_revoke),
		ON_BOTH(test_revoke_user),      ON_BOTH(test_state),
		ON_BOTH(test_inactive_account), ON("postgresql/", test_changes_told, pg_fixture),
	};
	return cmocka_run_group_tests(tests, group_setup, wg_test_group_teardown);
}
