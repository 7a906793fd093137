/* test_audit.c - the hash-chained audit trail: appending with and without an
 * actor, listing with each filter and paging, verifying across both
 * algorithms, catching edits and deletions made behind the triggers' back,
 * the triggers themselves, input checks, failing allocations, and (on
 * PostgreSQL) concurrent writers. On SQLite, and on PostgreSQL when
 * WG_TEST_PG_URL is set, each PostgreSQL test in a schema of its own chosen
 * through PGOPTIONS. */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/audit.h"
#include "domain/role.h"

#include "fixture.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* ---- fixture: a fresh, migrated database per test (fixture.h) ---------- */

static wg_db *open_url(const char *url)
{
	wg_db *db = NULL;
	char err[256] = "";
	if (wg_db_open(url, 5000, &db, err, sizeof err) != 0)
		fprintf(stderr, "open %s: %s\n", url, err);
	return db;
}

static int setup(void **state)
{
	wg_clock_set_ms(0);
	return wg_test_setup_open(state);
}

static int teardown(void **state)
{
	wg_clock_set_ms(0);
	return wg_test_teardown(state);
}

/* ---- helpers ----------------------------------------------------------------- */

static void exec_ok(wg_db *db, const char *sql)
{
	int rc = wg_db_exec(db, sql);
	if (rc)
		fail_msg("%s: %s", sql, wg_db_errmsg(db));
}

static int64_t query_int(wg_db *db, const char *sql)
{
	wg_stmt *st;
	assert_int_equal(wg_db_prepare(db, sql, &st), 0);
	assert_int_equal(wg_stmt_step(st), WG_DB_ROW);
	int64_t v = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return v;
}

/* Append in a transaction of its own; returns the append's result. */
static int append_tx(wg_db *db, const char *alg, const wg_audit_entry *e)
{
	assert_int_equal(wg_db_begin(db), 0);
	int rc = wg_audit_append(db, alg, e);
	if (rc == 0)
		assert_int_equal(wg_db_commit(db), 0);
	else
		assert_int_equal(wg_db_rollback(db), 0);
	return rc;
}

static void append_ok(wg_db *db, const char *alg, const wg_audit_entry *e)
{
	int rc = append_tx(db, alg, e);
	if (rc)
		fail_msg("append %s: %s (%s)", e->action, wg_error_name(rc), wg_db_errmsg(db));
}

static void assert_intact(wg_db *db, int64_t want_rows)
{
	int64_t rows = -1, bad = -1;
	assert_int_equal(wg_audit_verify(db, &rows, &bad), 0);
	if (bad)
		fail_msg("chain broken at row %" PRId64, bad);
	assert_int_equal(rows, want_rows);
}

static void assert_broken_at(wg_db *db, int64_t want_bad)
{
	int64_t rows = -1, bad = -1;
	assert_int_equal(wg_audit_verify(db, &rows, &bad), 0);
	assert_int_equal(bad, want_bad);
	assert_true(rows >= 1);
}

/* A copy of the rows a list returned. */
struct rowcopy {
	int64_t id, at_ms, actor_id;
	char actor_name[32], actor_roles[64], address[32], action[32], object_type[16], object_id[16];
	char result[8], detail[128], alg[8], prev_hash[65], hash[65];
	bool roles_null, address_null, detail_null, object_null;
};

struct collect {
	struct rowcopy rows[64];
	int n;
	int stop_after; /* return WG_ECONFLICT after this many rows; 0: never */
};

static void copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

static int collect(void *ctx, const wg_audit_row *r)
{
	struct collect *c = ctx;
	if (c->n == 64)
		return WG_EINTERNAL;
	struct rowcopy *o = &c->rows[c->n++];
	o->id = r->id;
	o->at_ms = r->at_ms;
	o->actor_id = r->actor_id;
	copy(o->actor_name, sizeof o->actor_name, r->actor_name);
	copy(o->actor_roles, sizeof o->actor_roles, r->actor_roles);
	copy(o->address, sizeof o->address, r->address);
	copy(o->action, sizeof o->action, r->action);
	copy(o->object_type, sizeof o->object_type, r->object_type);
	copy(o->object_id, sizeof o->object_id, r->object_id);
	copy(o->result, sizeof o->result, r->result);
	copy(o->detail, sizeof o->detail, r->detail);
	copy(o->alg, sizeof o->alg, r->alg);
	copy(o->prev_hash, sizeof o->prev_hash, r->prev_hash);
	copy(o->hash, sizeof o->hash, r->hash);
	o->roles_null = !r->actor_roles;
	o->address_null = !r->address;
	o->detail_null = !r->detail;
	o->object_null = !r->object_type;
	return c->stop_after && c->n == c->stop_after ? WG_ECONFLICT : 0;
}

static void list_ok(wg_db *db, const wg_audit_filter *f, struct collect *c)
{
	memset(c, 0, sizeof *c);
	assert_int_equal(wg_audit_list(db, f, collect, c), 0);
}

/* The ids a list returned, "6,5,3". */
static const char *ids(const struct collect *c)
{
	static char buf[512];
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < c->n; i++)
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%" PRId64, i ? "," : "",
		                         c->rows[i].id);
	return buf;
}

static const char genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

static const wg_caller alice = {
	.user_id = 7,
	.username = "alice",
	.roles = WG_ROLE_GRID_WORKER | WG_ROLE_LEADER,
	.scope = "610326101000",
	.address = "10.0.0.1",
};
static const wg_caller bob = {
	.user_id = 9,
	.username = "bob",
	.roles = WG_ROLE_SECADMIN,
	.scope = "610000000000",
	.address = "2001:db8::9",
};

#define T0 INT64_C(1764000000000)

/* Seven rows, at T0, T0 + 1000, ...; ids 1..7. */
static void append_sample(wg_db *db)
{
	static const wg_audit_entry rows[] = {
		{NULL, NULL, "config.load", NULL, NULL, WG_AUDIT_OK, NULL},
		{NULL, "mallory", "session.login", "user", NULL, WG_AUDIT_DENIED,
	         "{\"reason\": \"password\"}"},
		{&alice, NULL, "user.create", "user", "8", WG_AUDIT_OK, "{ \"username\" : \"carol\" }"},
		{&bob, NULL, "role.grant", "user", "8", WG_AUDIT_OK, "{\"role\":\"auditor\"}"},
		{&alice, NULL, "user.update", "user", "8", WG_AUDIT_FAILED, "{}"},
		{&alice, "ignored", "session.login", "session", NULL, WG_AUDIT_OK, NULL},
		{&bob, NULL, "userdata.export", NULL, NULL, WG_AUDIT_OK, NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		wg_clock_set_ms(T0 + (int64_t)i * 1000);
		append_ok(db, "sha256", &rows[i]);
	}
	wg_clock_set_ms(0);
}

/* ---- cases ---------------------------------------------------------------------- */

static void test_append_and_verify(void **state)
{
	wg_db *db = wg_test_open(state);
	assert_intact(db, 0);
	append_sample(db);
	assert_intact(db, 7);
	int64_t n = -1;
	assert_int_equal(wg_audit_count(db, &n), 0);
	assert_int_equal(n, 7);

	struct collect c;
	list_ok(db, NULL, &c);
	assert_string_equal(ids(&c), "7,6,5,4,3,2,1");
	const struct rowcopy *sys = &c.rows[6], *denied = &c.rows[5], *create = &c.rows[4];

	/* The system, with the hash pinned: the serialisation is the stored
	 * chain's format, so changing it would break every existing trail. */
	assert_string_equal(sys->actor_name, "system");
	assert_int_equal(sys->actor_id, 0);
	assert_true(sys->roles_null);
	assert_true(sys->address_null);
	assert_true(sys->detail_null);
	assert_int_equal(sys->at_ms, T0);
	assert_string_equal(sys->prev_hash, genesis);
	assert_string_equal(sys->alg, "sha256");
	assert_string_equal(sys->hash, "66e523c056ece746d7126271896378238efc6092cff274febc336477825216e9");

	/* A name without an account (a failed login). */
	assert_string_equal(denied->actor_name, "mallory");
	assert_int_equal(denied->actor_id, 0);
	assert_string_equal(denied->result, "denied");
	assert_string_equal(denied->detail, "{\"reason\": \"password\"}");
	assert_string_equal(denied->prev_hash, sys->hash);

	/* An actor: id, roles by name, address; detail kept byte for byte. */
	assert_string_equal(create->actor_name, "alice");
	assert_int_equal(create->actor_id, 7);
	assert_string_equal(create->actor_roles, "grid_worker,leader");
	assert_string_equal(create->address, "10.0.0.1");
	assert_string_equal(create->object_type, "user");
	assert_string_equal(create->object_id, "8");
	assert_string_equal(create->detail, "{ \"username\" : \"carol\" }");
	assert_string_equal(create->prev_hash, denied->hash);
	assert_int_equal(create->at_ms, T0 + 2000);
	assert_int_equal(strlen(create->hash), 64);
	/* actor_name in the entry does not override the actor's own. */
	assert_string_equal(c.rows[1].actor_name, "alice");
	assert_string_equal(c.rows[3].actor_roles, "secadmin");
	for (int i = 0; i + 1 < c.n; i++)
		assert_string_equal(c.rows[i].prev_hash, c.rows[i + 1].hash);
}

static void test_list_filters(void **state)
{
	wg_db *db = wg_test_open(state);
	append_sample(db);
	static const struct {
		wg_audit_filter f;
		const char *ids;
	} t[] = {
		{{0}, "7,6,5,4,3,2,1"},
		{{.actor = "alice"}, "6,5,3"},
		{{.actor = "system"}, "1"},
		{{.actor = "ALICE"}, ""},
		{{.action = "session.login"}, "6,2"},
		{{.action = "user."}, "5,3"}, /* not userdata.export */
		{{.action = "user"}, ""},
		{{.action = "session."}, "6,2"},
		{{.action = "."}, ""},
		{{.actor = "alice", .action = "user."}, "5,3"},
		{{.actor = "bob", .action = "user."}, ""},
		{{.from_ms = T0 + 2000}, "7,6,5,4,3"},
		{{.to_ms = T0 + 2000}, "2,1"},
		{{.from_ms = T0 + 1000, .to_ms = T0 + 4000}, "4,3,2"},
		{{.before_id = 4}, "3,2,1"},
		{{.before_id = 1}, ""},
		{{.limit = 2}, "7,6"},
		{{.before_id = 6, .limit = 2}, "5,4"},
		{{.actor = "alice", .before_id = 6, .limit = 1}, "5"},
		{{.actor = "alice", .action = "session.login", .from_ms = T0, .to_ms = T0 + 5000}, ""},
		{{.actor = "alice", .action = "session.login", .from_ms = T0, .to_ms = T0 + 5001}, "6"},
		{{.action = "session.login", .from_ms = T0 + 5000}, "6"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct collect c;
		list_ok(db, &t[i].f, &c);
		if (strcmp(ids(&c), t[i].ids) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, ids(&c), t[i].ids);
	}

	/* Paging through everything two at a time. */
	char all[64] = "";
	size_t used = 0;
	wg_audit_filter f = {.limit = 2};
	for (int pages = 0;; pages++) {
		assert_true(pages < 10);
		struct collect c;
		list_ok(db, &f, &c);
		if (c.n == 0)
			break;
		used += (size_t)snprintf(all + used, sizeof all - used, "%s%s", used ? "," : "", ids(&c));
		f.before_id = c.rows[c.n - 1].id;
	}
	assert_string_equal(all, "7,6,5,4,3,2,1");

	/* A callback's non-zero value stops the walk and is returned. */
	struct collect c = {.stop_after = 2};
	assert_int_equal(wg_audit_list(db, NULL, collect, &c), WG_ECONFLICT);
	assert_int_equal(c.n, 2);
}

/* What an attacker with database access can do: switch the triggers off. */
static void disable_triggers(void **state)
{
	wg_test_db *f = *state;
	if (f->kind == WG_DB_SQLITE)
		exec_ok(f->db, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete");
	else
		exec_ok(f->db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
}

static void test_two_algorithms(void **state)
{
	wg_db *db = wg_test_open(state);
	static const char *const algs[] = {"sha256", "sha256", "sm3", "sm3", "sha256", "sm3"};
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
		wg_clock_set_ms(T0);
		wg_audit_entry e = {i % 2 ? &alice : NULL, NULL, "config.load", NULL, NULL,
		                    WG_AUDIT_OK,           NULL};
		append_ok(db, algs[i], &e);
	}
	assert_intact(db, 6);
	struct collect c;
	list_ok(db, NULL, &c);
	for (int i = 0; i < c.n; i++)
		assert_string_equal(c.rows[i].alg, algs[c.n - 1 - i]);

	/* The pinned first row again, hashed with SM3 (GB/T 32905). */
	disable_triggers(state);
	exec_ok(db, "DELETE FROM audit_log");
	wg_clock_set_ms(T0);
	wg_audit_entry sys = {NULL, NULL, "config.load", NULL, NULL, WG_AUDIT_OK, NULL};
	append_ok(db, "sm3", &sys);
	list_ok(db, NULL, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rows[0].hash,
	                    "d37cfc5b2284c5908fd029597765eb2d66744978bce4260b10e343c6de26d217");
	assert_intact(db, 1);
}

static void test_tamper(void **state)
{
	wg_db *db = wg_test_open(state);
	append_sample(db);
	disable_triggers(state);
	/* Each edit is undone before the next, so each verify sees one. */
	static const struct {
		const char *edit, *undo;
		int64_t bad;
	} t[] = {
		{"UPDATE audit_log SET action = 'user.delete' WHERE id = 3",
	         "UPDATE audit_log SET action = 'user.create' WHERE id = 3", 3},
		{"UPDATE audit_log SET hash = '"
	         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	         "' WHERE id = 4",
	         NULL, 4},
		{"UPDATE audit_log SET object_type = '' WHERE id = 1", /* NULL and '' differ */
	         "UPDATE audit_log SET object_type = NULL WHERE id = 1", 1},
		{"UPDATE audit_log SET detail = '{\"reason\":\"password\"}' WHERE id = 2", NULL, 2},
		{"UPDATE audit_log SET at_ms = at_ms + 1 WHERE id = 7",
	         "UPDATE audit_log SET at_ms = at_ms - 1 WHERE id = 7", 7},
		{"UPDATE audit_log SET actor_id = 8 WHERE id = 5",
	         "UPDATE audit_log SET actor_id = 7 WHERE id = 5", 5},
		{"UPDATE audit_log SET actor_roles = 'grid_worker' WHERE id = 6",
	         "UPDATE audit_log SET actor_roles = 'grid_worker,leader' WHERE id = 6", 6},
		{"UPDATE audit_log SET alg = 'sm3' WHERE id = 2",
	         "UPDATE audit_log SET alg = 'sha256' WHERE id = 2", 2},
		{"UPDATE audit_log SET alg = 'md5' WHERE id = 2",
	         "UPDATE audit_log SET alg = 'sha256' WHERE id = 2", 2},
		{"UPDATE audit_log SET prev_hash = 'x' WHERE id = 1", NULL, 1},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char hash[65] = "", prev[65] = "", detail[128] = "";
		wg_audit_filter one = {.before_id = t[i].bad + 1, .limit = 1};
		struct collect c;
		list_ok(db, &one, &c);
		assert_int_equal(c.n, 1);
		copy(hash, sizeof hash, c.rows[0].hash);
		copy(prev, sizeof prev, c.rows[0].prev_hash);
		copy(detail, sizeof detail, c.rows[0].detail);

		exec_ok(db, t[i].edit);
		int64_t rows = -1, bad = -1;
		assert_int_equal(wg_audit_verify(db, &rows, &bad), 0);
		if (bad != t[i].bad)
			fail_msg("case %zu: first bad %" PRId64 ", want %" PRId64, i, bad, t[i].bad);
		assert_int_equal(rows, t[i].bad);

		if (t[i].undo) {
			exec_ok(db, t[i].undo);
		} else {
			/* Put back the stored values by parameter. */
			wg_stmt *st;
			assert_int_equal(
				wg_db_prepare(db,
			                      "UPDATE audit_log SET hash = ?, prev_hash = ?, detail = ? "
			                      "WHERE id = ?",
			                      &st),
				0);
			assert_int_equal(wg_stmt_bind_text(st, 1, hash, strlen(hash)), 0);
			assert_int_equal(wg_stmt_bind_text(st, 2, prev, strlen(prev)), 0);
			if (c.rows[0].detail_null)
				assert_int_equal(wg_stmt_bind_null(st, 3), 0);
			else
				assert_int_equal(wg_stmt_bind_text(st, 3, detail, strlen(detail)), 0);
			assert_int_equal(wg_stmt_bind_int(st, 4, t[i].bad), 0);
			assert_int_equal(wg_stmt_step(st), WG_DB_DONE);
			wg_stmt_finalize(st);
		}
		assert_intact(db, 7);
	}

	/* A row deleted in the middle: the next one no longer chains. */
	exec_ok(db, "DELETE FROM audit_log WHERE id = 4");
	assert_broken_at(db, 5);
	/* A chain rebuilt past the gap hides it, but only if every later hash
	 * is recomputed; appending after the break does not repair it. */
	append_ok(db, "sha256", &(wg_audit_entry){&bob, NULL, "user.list", NULL, NULL, WG_AUDIT_OK, NULL});
	assert_broken_at(db, 5);
}

/* Rows cut from the end leave an intact chain: only the count shows it. */
static void test_tail_cut(void **state)
{
	wg_db *db = wg_test_open(state);
	append_sample(db);
	disable_triggers(state);
	exec_ok(db, "DELETE FROM audit_log WHERE id >= 6");
	assert_intact(db, 5);
	int64_t n;
	assert_int_equal(wg_audit_count(db, &n), 0);
	assert_int_equal(n, 5);
	/* New rows chain onto what is left, so the chain stays intact. */
	append_ok(db, "sha256", &(wg_audit_entry){NULL, NULL, "config.load", NULL, NULL, WG_AUDIT_OK, NULL});
	assert_intact(db, 6);
}

static void test_append_only(void **state)
{
	wg_test_db *f = wg_test_of(state);
	append_sample(f->db);
	static const char *const sql[] = {
		"UPDATE audit_log SET action = 'x' WHERE id = 3",
		"UPDATE audit_log SET hash = hash",
		"DELETE FROM audit_log WHERE id = 3",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
	};
	size_t n = sizeof sql / sizeof sql[0] - (f->kind == WG_DB_SQLITE); /* no TRUNCATE in SQLite */
	for (size_t i = 0; i < n; i++) {
		int rc = wg_db_exec(f->db, sql[i]);
		if (rc != WG_ESTORE)
			fail_msg("%s: %s", sql[i], wg_error_name(rc));
		assert_non_null(strstr(wg_db_errmsg(f->db), "append-only"));
	}
	assert_intact(f->db, 7);
}

/* An append refused leaves nothing behind. */
static void test_validation(void **state)
{
	wg_db *db = wg_test_open(state);
	static const struct {
		const char *alg;
		wg_audit_entry e;
	} t[] = {
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "[1]"}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "\"text\""}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "42"}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "null"}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "{\"a\":1"}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "{\"a\":1} {}"}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "{\"a\":1,\"a\":2}"}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, ""}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, "{\"a\":\"\xff\"}"}},
		{"sha256", {NULL, NULL, NULL, NULL, NULL, WG_AUDIT_OK, NULL}},
		{"sha256", {NULL, NULL, "", NULL, NULL, WG_AUDIT_OK, NULL}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, NULL, NULL}},
		{"sha256", {NULL, NULL, "x.y", NULL, NULL, "maybe", NULL}},
		{"sha256", {NULL, "\xc3\x28", "x.y", NULL, NULL, WG_AUDIT_OK, NULL}},
		{"sha256", {NULL, NULL, "x.y", "user", "\xed\xa0\x80", WG_AUDIT_OK, NULL}},
		{"md5", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, NULL}},
		{"SHA256", {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, NULL}},
		{NULL, {NULL, NULL, "x.y", NULL, NULL, WG_AUDIT_OK, NULL}},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = append_tx(db, t[i].alg, &t[i].e);
		if (rc != WG_EVALIDATION)
			fail_msg("case %zu: %s", i, wg_error_name(rc));
	}
	assert_int_equal(append_tx(db, "sha256", NULL), WG_EVALIDATION);
	int64_t n = -1;
	assert_int_equal(wg_audit_count(db, &n), 0);
	assert_int_equal(n, 0);
	/* Nested objects, arrays inside, Chinese text: all fine. */
	append_ok(db, "sm3",
	          &(wg_audit_entry){&alice, NULL, "case.transfer", "case", "C1", WG_AUDIT_OK,
	                            "{\"to\":\"城管\",\"fields\":[\"dept\"],\"x\":{\"y\":null}}"});
	assert_intact(db, 1);
}

/* Every allocation of an append failing in turn: a clean error, nothing
 * written, no leak (the sanitizer checks that), and the chain intact. */
static void test_alloc_failures(void **state)
{
	wg_test_db *f = wg_test_of(state);
	append_sample(f->db);
	const wg_audit_entry e = {&alice, NULL, "user.update", "user", "8", WG_AUDIT_OK, "{\"name\":\"x\"}"};
	int64_t want = 7;
	for (unsigned long nth = 1; nth < 1000; nth++) {
		assert_int_equal(wg_db_begin(f->db), 0);
		wg_alloc_fail_at(nth);
		int rc = wg_audit_append(f->db, "sha256", &e);
		unsigned long used = wg_alloc_count();
		wg_alloc_fail_at(0);
		if (rc == 0) {
			assert_int_equal(wg_db_commit(f->db), 0);
			want++;
		} else {
			if (rc != WG_ENOMEM && rc != WG_ESTORE)
				fail_msg("allocation %lu: %s", nth, wg_error_name(rc));
			assert_int_equal(wg_db_rollback(f->db), 0);
		}
		if (rc == 0 && used < nth)
			break;
	}
	int64_t n;
	assert_int_equal(wg_audit_count(f->db, &n), 0);
	assert_int_equal(n, want);
	assert_intact(f->db, want);
}

/* More rows than one page of the walk, and a break beyond the first page. */
static void test_verify_pages(void **state)
{
	wg_db *db = wg_test_open(state);
	enum { N = 1200 };
	assert_int_equal(wg_db_begin(db), 0);
	for (int i = 0; i < N; i++) {
		char detail[32];
		snprintf(detail, sizeof detail, "{\"i\":%d}", i);
		wg_audit_entry e = {i % 3 ? &alice : NULL, NULL,  "case.view", "case", NULL,
		                    WG_AUDIT_OK,           detail};
		assert_int_equal(wg_audit_append(db, i % 2 ? "sm3" : "sha256", &e), 0);
	}
	assert_int_equal(wg_db_commit(db), 0);
	assert_intact(db, N);
	disable_triggers(state);
	exec_ok(db, "UPDATE audit_log SET detail = '{\"i\":0}' WHERE id = 1100");
	assert_broken_at(db, 1100);
	int64_t rows, bad;
	assert_int_equal(wg_audit_verify(db, &rows, &bad), 0);
	assert_int_equal(rows, 1100);
}

/* ---- PostgreSQL: writers on several connections ----------------------------- */

struct writer {
	const char *url;
	wg_db *db; /* opened by the caller, or by the thread when NULL */
	int appends;
	int rc;
	atomic_bool done;
};

static void *writer_main(void *p)
{
	struct writer *w = p;
	bool own = !w->db;
	if (own && !(w->db = open_url(w->url))) {
		w->rc = WG_ESTORE;
		atomic_store(&w->done, true);
		return NULL;
	}
	for (int i = 0; i < w->appends && !w->rc; i++) {
		/* The interleaved case began its transaction on the main thread. */
		if (own)
			w->rc = wg_db_begin(w->db);
		if (!w->rc)
			w->rc = wg_audit_append(
				w->db, i % 2 ? "sm3" : "sha256",
				&(wg_audit_entry){&bob, NULL, "role.grant", "user", "8", WG_AUDIT_OK, NULL});
		if (!w->rc)
			w->rc = wg_db_commit(w->db);
	}
	if (own)
		wg_db_close(w->db);
	atomic_store(&w->done, true);
	return NULL;
}

static int64_t backend_pid(wg_db *db)
{
	return query_int(db, "SELECT pg_backend_pid()");
}

/* Begin on A, begin on B, append on A, append on B (which must wait for
 * A's commit), then commit A: B chains onto A's row. */
static void test_pg_interleaved(void **state)
{
	wg_test_db *f = wg_test_of(state);
	if (f->kind != WG_DB_POSTGRES)
		skip();
	wg_db *a = f->db, *b = open_url(f->url);
	assert_non_null(b);
	append_ok(a, "sha256", &(wg_audit_entry){NULL, NULL, "config.load", NULL, NULL, WG_AUDIT_OK, NULL});

	assert_int_equal(wg_db_begin(a), 0);
	assert_int_equal(wg_db_begin(b), 0);
	assert_int_equal(wg_audit_append(a, "sha256",
	                                 &(wg_audit_entry){&alice, NULL, "user.create", "user", "8",
	                                                   WG_AUDIT_OK, NULL}),
	                 0);
	/* B has read the table before A commits; what it chains onto must
	 * still be A's row, read after the lock is granted. */
	assert_int_equal(query_int(b, "SELECT count(*) FROM audit_log"), 1);
	int64_t pid = backend_pid(b);
	struct writer w = {.url = f->url, .db = b, .appends = 1};
	pthread_t tid;
	assert_int_equal(pthread_create(&tid, NULL, writer_main, &w), 0);

	/* Wait for B to be waiting on the advisory lock: polling a state,
	 * bounded, not sleeping for time to pass. */
	wg_db *watch = open_url(f->url);
	wg_stmt *st = NULL;
	if (watch)
		wg_db_prepare(watch,
		              "SELECT count(*) FROM pg_locks WHERE pid = ? AND locktype = 'advisory' AND NOT "
		              "granted",
		              &st);
	bool waiting = false;
	for (int i = 0; st && i < 2000 && !waiting && !atomic_load(&w.done); i++) {
		wg_stmt_reset(st);
		waiting = wg_stmt_bind_int(st, 1, pid) == 0 && wg_stmt_step(st) == WG_DB_ROW &&
		          wg_stmt_int(st, 0) == 1;
		if (!waiting)
			nanosleep(&(struct timespec){0, 5L * 1000 * 1000}, NULL);
	}
	if (st)
		wg_stmt_finalize(st);
	if (watch)
		wg_db_close(watch);
	bool done_early = atomic_load(&w.done);
	/* Let B finish before any assertion can leave this function. */
	int commit_rc = wg_db_commit(a);
	if (commit_rc)
		wg_db_rollback(a);
	pthread_join(tid, NULL);
	char b_err[256];
	snprintf(b_err, sizeof b_err, "%s", wg_db_errmsg(b));
	wg_db_close(b);
	assert_int_equal(commit_rc, 0);
	assert_true(waiting);
	assert_false(done_early);
	if (w.rc)
		fail_msg("writer B: %s (%s)", wg_error_name(w.rc), b_err);

	assert_intact(a, 3);
	struct collect c;
	list_ok(a, NULL, &c);
	assert_string_equal(c.rows[0].action, "role.grant");
	assert_string_equal(c.rows[0].prev_hash, c.rows[1].hash);
	assert_string_equal(c.rows[1].action, "user.create");
}

/* Several connections appending at once never fork the chain. */
static void test_pg_many_writers(void **state)
{
	wg_test_db *f = wg_test_of(state);
	if (f->kind != WG_DB_POSTGRES)
		skip();
	enum { WRITERS = 6, EACH = 20 };
	struct writer w[WRITERS];
	pthread_t tid[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.url = f->url, .appends = EACH};
		assert_int_equal(pthread_create(&tid[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(tid[i], NULL);
	for (int i = 0; i < WRITERS; i++) {
		if (w[i].rc)
			fail_msg("writer %d: %s", i, wg_error_name(w[i].rc));
	}
	assert_intact(f->db, (int64_t)WRITERS * EACH);
}

/* Without a transaction the advisory lock ends with each statement, so two
 * writers could read the same last row: the table refuses the second. */
static void test_fork_refused(void **state)
{
	wg_db *db = wg_test_open(state);
	append_sample(db);
	static const char fork_sql[] =
		"INSERT INTO audit_log (at_ms, actor_name, action, result, alg, prev_hash, hash) "
		"SELECT at_ms, actor_name, action, result, alg, prev_hash, hash FROM audit_log WHERE id = 7";
	assert_int_equal(wg_db_exec(db, fork_sql), WG_ECONFLICT);
	assert_intact(db, 7);
}

#define STORE_TESTS(fx)                                                                                \
	cmocka_unit_test_prestate_setup_teardown(test_append_and_verify, setup, teardown, &(fx)),      \
		cmocka_unit_test_prestate_setup_teardown(test_list_filters, setup, teardown, &(fx)),   \
		cmocka_unit_test_prestate_setup_teardown(test_two_algorithms, setup, teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_tamper, setup, teardown, &(fx)),         \
		cmocka_unit_test_prestate_setup_teardown(test_tail_cut, setup, teardown, &(fx)),       \
		cmocka_unit_test_prestate_setup_teardown(test_append_only, setup, teardown, &(fx)),    \
		cmocka_unit_test_prestate_setup_teardown(test_validation, setup, teardown, &(fx)),     \
		cmocka_unit_test_prestate_setup_teardown(test_alloc_failures, setup, teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_verify_pages, setup, teardown, &(fx)),   \
		cmocka_unit_test_prestate_setup_teardown(test_fork_refused, setup, teardown, &(fx)),   \
		cmocka_unit_test_prestate_setup_teardown(test_pg_interleaved, setup, teardown, &(fx)), \
		cmocka_unit_test_prestate_setup_teardown(test_pg_many_writers, setup, teardown, &(fx))

static wg_test_db sqlite_fixture = {.kind = WG_DB_SQLITE};
static wg_test_db pg_fixture = {.kind = WG_DB_POSTGRES};

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TESTS(sqlite_fixture),
		STORE_TESTS(pg_fixture),
	};
	return cmocka_run_group_tests(tests, wg_test_group_setup, wg_test_group_teardown);
}
