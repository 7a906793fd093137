#include "domain/audit.h"

#include "core/clock.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/role.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* prev_hash of the first row. */
static const char genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Rows fetched per query while verifying: bounded memory on PostgreSQL,
 * whose driver holds a whole result at once. */
#define VERIFY_PAGE 512

#define LIST_DEFAULT_LIMIT 100

/* ---- the canonical serialisation --------------------------------------- */

/* One hashed field: s NULL is SQL NULL, which serialises as "-1:" and so
 * differs from the empty string "0:". */
struct field {
	const char *s;
	size_t n;
};

enum {
	F_PREV_HASH,
	F_AT_MS,
	F_ACTOR_ID,
	F_ACTOR_NAME,
	F_ACTOR_ROLES,
	F_ADDRESS,
	F_ACTION,
	F_OBJECT_TYPE,
	F_OBJECT_ID,
	F_RESULT,
	F_DETAIL,
	F_ALG,
	F_COUNT
};

static struct field text_field(const char *s)
{
	return (struct field){s, s ? strlen(s) : 0};
}

/* Every field as "<decimal length>:<bytes>" in the fixed order above: the
 * length prefixes make the encoding injective, so no two different rows
 * hash the same input. Returns 0, WG_EVALIDATION (alg unknown), WG_ENOMEM
 * or WG_EINTERNAL. */
static int hash_fields(const char *alg, const struct field f[F_COUNT], char hex[WG_DIGEST_HEX_MAX])
{
	if (!alg || !wg_digest_known(alg))
		return WG_EVALIDATION;
	wg_digest *d = wg_digest_begin(alg);
	if (!d)
		return WG_ENOMEM;
	for (int i = 0; i < F_COUNT; i++) {
		char len[24];
		int k = f[i].s ? snprintf(len, sizeof len, "%zu:", f[i].n) : snprintf(len, sizeof len, "-1:");
		wg_digest_update(d, len, (size_t)k);
		if (f[i].s)
			wg_digest_update(d, f[i].s, f[i].n);
	}
	return wg_digest_end(d, hex);
}

/* ---- append -------------------------------------------------------------- */

static bool valid_result(const char *r)
{
	return r && (strcmp(r, WG_AUDIT_OK) == 0 || strcmp(r, WG_AUDIT_DENIED) == 0 ||
	             strcmp(r, WG_AUDIT_FAILED) == 0);
}

static bool valid_text(const char *s)
{
	return !s || wg_utf8_valid(s, strlen(s));
}

/* detail must be one JSON object; it is stored as given, not re-encoded,
 * so that the hashed bytes are the stored bytes. */
static int check_detail(const char *detail)
{
	if (!detail)
		return 0;
	json_error_t jerr;
	json_t *j = json_loads(detail, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return json_error_code(&jerr) == json_error_out_of_memory ? WG_ENOMEM : WG_EVALIDATION;
	bool object = json_is_object(j);
	json_decref(j);
	return object ? 0 : WG_EVALIDATION;
}

/* Comma-separated names of the role bits, in the table's order. */
static void role_names(unsigned roles, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < WG_ROLE_COUNT; i++) {
		const char *name = (roles & (1u << i)) ? wg_role_name(1u << i) : NULL;
		if (!name)
			continue;
		int k = snprintf(buf + used, len - used, "%s%s", used ? "," : "", name);
		if (k < 0 || (size_t)k >= len - used)
			break; /* cannot happen with WG_ROLE_MAP's names and the buffer below */
		used += (size_t)k;
	}
}

static int last_hash(wg_db *db, char hash[WG_DIGEST_HEX_MAX])
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		size_t n = 0;
		const char *h = wg_stmt_text(st, 0, &n);
		/* Whatever is stored is chained onto as it is: a damaged last hash
		 * is verify's to report, and the next row must not hide it. */
		snprintf(hash, WG_DIGEST_HEX_MAX, "%.*s",
		         (int)(n < WG_DIGEST_HEX_MAX - 1 ? n : WG_DIGEST_HEX_MAX - 1), h ? h : "");
		rc = 0;
	} else if (rc == WG_DB_DONE) {
		snprintf(hash, WG_DIGEST_HEX_MAX, "%s", genesis);
	}
	wg_stmt_finalize(st);
	return rc;
}

/* The fields are C strings (text_field), so they bind as text. */
static int insert_row(wg_db *db, const struct field f[F_COUNT], int64_t at_ms, const int64_t *actor_id,
                      const char *hash)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"INSERT INTO audit_log (at_ms, actor_id, actor_name, actor_roles, address, "
		"action, object_type, object_id, result, detail, alg, prev_hash, hash) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc)
		return rc;
	/* actor_id is NULL for the system, else bound over the NULL. */
	rc = wg_stmt_bindf(st, "inttttttttttt", at_ms, f[F_ACTOR_NAME].s, f[F_ACTOR_ROLES].s, f[F_ADDRESS].s,
	                   f[F_ACTION].s, f[F_OBJECT_TYPE].s, f[F_OBJECT_ID].s, f[F_RESULT].s, f[F_DETAIL].s,
	                   f[F_ALG].s, f[F_PREV_HASH].s, hash);
	if (!rc && actor_id)
		rc = wg_stmt_bind_int(st, 2, *actor_id);
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc < 0 ? rc : WG_EINTERNAL;
}

int wg_audit_append(wg_db *db, const char *alg, const wg_audit_entry *e)
{
	if (!e || !e->action || !*e->action || !valid_result(e->result) || !alg || !wg_digest_known(alg))
		return WG_EVALIDATION;
	const wg_caller *a = e->actor;
	const char *name = a && a->username ? a->username : e->actor_name ? e->actor_name : "system";
	const char *address = a ? a->address : NULL;
	const char *texts[] = {name, address, e->action, e->object_type, e->object_id};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (!valid_text(texts[i]))
			return WG_EVALIDATION;
	int rc = check_detail(e->detail);
	if (rc)
		return rc;

	char roles[256];
	if (a)
		role_names(a->roles, roles, sizeof roles);
	int64_t actor_id = a ? a->user_id : 0;
	int64_t at_ms = wg_clock_now_ms();
	char at[24], id[24];
	snprintf(at, sizeof at, "%" PRId64, at_ms);
	snprintf(id, sizeof id, "%" PRId64, actor_id);

	/* The lock comes before reading the last row, so that on PostgreSQL a
	 * second writer reads it only after the first has committed. */
	rc = wg_db_lock(db, "audit_log");
	char prev[WG_DIGEST_HEX_MAX];
	if (!rc)
		rc = last_hash(db, prev);
	if (rc)
		return rc;

	struct field f[F_COUNT] = {
		[F_PREV_HASH] = text_field(prev),
		[F_AT_MS] = text_field(at),
		[F_ACTOR_ID] = text_field(actor_id ? id : NULL),
		[F_ACTOR_NAME] = text_field(name),
		[F_ACTOR_ROLES] = text_field(a ? roles : NULL),
		[F_ADDRESS] = text_field(address),
		[F_ACTION] = text_field(e->action),
		[F_OBJECT_TYPE] = text_field(e->object_type),
		[F_OBJECT_ID] = text_field(e->object_id),
		[F_RESULT] = text_field(e->result),
		[F_DETAIL] = text_field(e->detail),
		[F_ALG] = text_field(alg),
	};
	char hash[WG_DIGEST_HEX_MAX];
	rc = hash_fields(alg, f, hash);
	if (rc)
		return rc;
	return insert_row(db, f, at_ms, actor_id ? &actor_id : NULL, hash);
}

/* ---- reading rows ---------------------------------------------------------- */

#define AUDIT_COLUMNS                                                                             \
	"id, at_ms, actor_id, actor_name, actor_roles, address, action, object_type, object_id, " \
	"result, detail, alg, prev_hash, hash"

static const char *column_text(wg_stmt *st, int col, size_t *n)
{
	*n = 0;
	return wg_stmt_is_null(st, col) ? NULL : wg_stmt_text(st, col, n);
}

/* The row at st (AUDIT_COLUMNS) into r, and its hashed fields into f. */
static void read_row(wg_stmt *st, wg_audit_row *r, struct field f[F_COUNT], char at[24], char id[24])
{
	size_t n[14];
	r->id = wg_stmt_int(st, 0);
	r->at_ms = wg_stmt_int(st, 1);
	r->actor_id = wg_stmt_is_null(st, 2) ? 0 : wg_stmt_int(st, 2);
	r->actor_name = column_text(st, 3, &n[3]);
	r->actor_roles = column_text(st, 4, &n[4]);
	r->address = column_text(st, 5, &n[5]);
	r->action = column_text(st, 6, &n[6]);
	r->object_type = column_text(st, 7, &n[7]);
	r->object_id = column_text(st, 8, &n[8]);
	r->result = column_text(st, 9, &n[9]);
	r->detail = column_text(st, 10, &n[10]);
	r->alg = column_text(st, 11, &n[11]);
	r->prev_hash = column_text(st, 12, &n[12]);
	r->hash = column_text(st, 13, &n[13]);
	if (!f)
		return;
	snprintf(at, 24, "%" PRId64, r->at_ms);
	snprintf(id, 24, "%" PRId64, r->actor_id);
	f[F_PREV_HASH] = (struct field){r->prev_hash, n[12]};
	f[F_AT_MS] = text_field(at);
	f[F_ACTOR_ID] = text_field(wg_stmt_is_null(st, 2) ? NULL : id);
	f[F_ACTOR_NAME] = (struct field){r->actor_name, n[3]};
	f[F_ACTOR_ROLES] = (struct field){r->actor_roles, n[4]};
	f[F_ADDRESS] = (struct field){r->address, n[5]};
	f[F_ACTION] = (struct field){r->action, n[6]};
	f[F_OBJECT_TYPE] = (struct field){r->object_type, n[7]};
	f[F_OBJECT_ID] = (struct field){r->object_id, n[8]};
	f[F_RESULT] = (struct field){r->result, n[9]};
	f[F_DETAIL] = (struct field){r->detail, n[10]};
	f[F_ALG] = (struct field){r->alg, n[11]};
}

/* ---- list -------------------------------------------------------------------- */

int wg_audit_list(wg_db *db, const wg_audit_filter *f, wg_audit_fn fn, void *ctx)
{
	static const wg_audit_filter none = {0};
	if (!f)
		f = &none;
	size_t alen = f->action ? strlen(f->action) : 0;
	bool prefix = alen > 0 && f->action[alen - 1] == '.';
	/* A prefix is the byte range [p, p with its final '.' raised to '/'):
	 * unlike LIKE, no wildcard characters to escape, the same
	 * case-sensitive meaning on both dialects (action is COLLATE "C" on
	 * PostgreSQL) and the (action, id) index serves it. */
	char hi[256];
	if (prefix) {
		if (alen >= sizeof hi)
			return 0; /* no action is that long */
		memcpy(hi, f->action, alen - 1);
		hi[alen - 1] = '.' + 1;
		hi[alen] = '\0';
	}

	/* Only constant fragments are joined; every value is bound. */
	char sql[512];
	int k = snprintf(sql, sizeof sql,
	                 "SELECT %s FROM audit_log WHERE id < ?%s%s%s%s ORDER BY id DESC LIMIT ?",
	                 AUDIT_COLUMNS, f->actor ? " AND actor_name = ?" : "",
	                 !f->action ? ""
	                 : prefix   ? " AND action >= ? AND action < ?"
	                            : " AND action = ?",
	                 f->from_ms ? " AND at_ms >= ?" : "", f->to_ms ? " AND at_ms < ?" : "");
	if (k < 0 || (size_t)k >= sizeof sql)
		return WG_EINTERNAL;
	wg_stmt *st;
	int rc = wg_db_prepare(db, sql, &st);
	if (rc)
		return rc;
	int idx = 1;
	rc = wg_stmt_bind_int(st, idx++, f->before_id > 0 ? f->before_id : INT64_MAX);
	if (!rc && f->actor)
		rc = wg_stmt_bind_text(st, idx++, f->actor, strlen(f->actor));
	if (!rc && f->action)
		rc = wg_stmt_bind_text(st, idx++, f->action, alen);
	if (!rc && prefix)
		rc = wg_stmt_bind_text(st, idx++, hi, alen);
	if (!rc && f->from_ms)
		rc = wg_stmt_bind_int(st, idx++, f->from_ms);
	if (!rc && f->to_ms)
		rc = wg_stmt_bind_int(st, idx++, f->to_ms);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx, f->limit > 0 ? f->limit : LIST_DEFAULT_LIMIT);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_audit_row r;
		read_row(st, &r, NULL, NULL, NULL);
		rc = fn(ctx, &r);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- verify -------------------------------------------------------------------- */

static bool text_is(const char *s, size_t n, const char *want)
{
	return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* Whether the row at st continues the chain from prev; on success prev
 * becomes its hash. Returns 0 (*ok tells), WG_ENOMEM or WG_EINTERNAL. */
static int check_row(wg_stmt *st, char prev[WG_DIGEST_HEX_MAX], int64_t *id, bool *ok)
{
	wg_audit_row r;
	struct field f[F_COUNT];
	char at[24], actor[24];
	read_row(st, &r, f, at, actor);
	*id = r.id;
	*ok = false;
	if (!text_is(f[F_PREV_HASH].s, f[F_PREV_HASH].n, prev))
		return 0;
	/* An unknown algorithm is a bad row, not an error: nothing this
	 * program writes carries one. */
	if (!r.alg || !wg_digest_known(r.alg) || strlen(r.alg) != f[F_ALG].n)
		return 0;
	char hash[WG_DIGEST_HEX_MAX];
	int rc = hash_fields(r.alg, f, hash);
	if (rc)
		return rc;
	size_t hn = 0;
	if (!wg_stmt_is_null(st, 13))
		wg_stmt_text(st, 13, &hn);
	if (!text_is(r.hash, hn, hash))
		return 0;
	memcpy(prev, hash, sizeof hash);
	*ok = true;
	return 0;
}

/* Rows are read a page at a time by id, oldest first. Concurrent appends
 * do not disturb the walk: each takes the chain lock until it commits, so
 * rows become visible in id order and a later page only finds newer rows.
 *
 * What the chain cannot show: removing rows from the end (the remaining
 * chain is intact), or rewriting a row and then recomputing every later
 * hash, since the hash has no key. The operator's defence is to keep what
 * `wangge check` reports (the row count; wg_audit_count) outside the
 * database and compare it with the previous check: fewer rows than last
 * time means the tail was cut. */
int wg_audit_verify(wg_db *db, int64_t *rows, int64_t *first_bad)
{
	*rows = 0;
	*first_bad = 0;
	char prev[WG_DIGEST_HEX_MAX];
	memcpy(prev, genesis, sizeof genesis);
	int64_t after = 0;
	for (;;) {
		wg_stmt *st;
		int rc = wg_db_prepare_cached(
			db, "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", &st);
		if (rc)
			return rc;
		rc = wg_stmt_bindf(st, "ii", after, (int64_t)VERIFY_PAGE);
		int64_t seen = 0;
		bool ok = true;
		while (!rc && ok && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
			rc = check_row(st, prev, &after, &ok);
			seen++;
			(*rows)++;
		}
		wg_stmt_finalize(st);
		if (rc < 0)
			return rc;
		if (!ok) {
			*first_bad = after;
			return 0;
		}
		if (seen < VERIFY_PAGE)
			return 0;
	}
}

int wg_audit_count(wg_db *db, int64_t *n)
{
	*n = 0;
	int rc = wg_db_query_int(db, "SELECT count(*) FROM audit_log", n, "");
	return rc == WG_ENOTFOUND ? WG_ESTORE : rc; /* count(*) always has a row */
}

int wg_audit_record(wg_db *db, const char *alg, const wg_caller *actor, const char *action,
                    const char *object_type, const char *object_id, json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	if (!text)
		return WG_ENOMEM;
	wg_audit_entry e = {
		.actor = actor && actor->user_id ? actor : NULL,
		.actor_name = actor ? actor->username : NULL,
		.action = action,
		.object_type = object_type,
		.object_id = object_id,
		.result = WG_AUDIT_OK,
		.detail = text,
	};
	int rc = wg_audit_append(db, alg, &e);
	free(text);
	return rc;
}
