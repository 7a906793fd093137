#include "domain/account.h"

#include "core/arena.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/region.h"
#include "domain/role.h"
#include "domain/session.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_CHARS 64
#define DEPARTMENT_MAX 64
#define QUERY_MAX ((size_t)4 * NAME_MAX_CHARS) /* bytes: the longest name in UTF-8 */
#define GRID_CODE_LEN (WG_REGION_CODE_LEN + 3)
/* Sizes of the fixed buffers of wg_login and wg_account_totp_secret: longer
 * values are refused when stored, so that loading never truncates them. */
#define HASH_TEXT_MAX 160
/* Failed sign-ins are recorded by the name typed, cut to this many bytes:
 * longer names cannot be accounts anyway (WG_USERNAME_MAX). */
#define TYPED_NAME_MAX 128
#define DETAIL_MAX 512

/* ---- small helpers --------------------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Step a query whose binding gave rc to its first row: 0 when it is on one,
 * none when there is no row, else the error. The caller reads the row and
 * finalizes st in every case. */
static int first_row(wg_stmt *st, int rc, int none)
{
	if (!rc)
		rc = wg_stmt_step(st);
	return rc == WG_DB_ROW ? 0 : rc == WG_DB_DONE ? none : rc;
}

/* The first column of a one-row query (see first_row) into *v; finalizes st. */
static int one_int(wg_stmt *st, int rc, int none, int64_t *v)
{
	rc = first_row(st, rc, none);
	if (!rc)
		*v = wg_stmt_int(st, 0);
	wg_stmt_finalize(st);
	return rc;
}

/* The audit actor: NULL for the system caller, whose name (if any) is kept. */
static int audit(wg_db *db, const char *alg, const wg_caller *actor, const char *action, int64_t user_id,
                 const char *detail)
{
	char id[24];
	snprintf(id, sizeof id, "%" PRId64, user_id);
	wg_audit_entry e = {
		.actor = actor && actor->user_id ? actor : NULL,
		.actor_name = actor ? actor->username : NULL,
		.action = action,
		.object_type = "user",
		.object_id = id,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, alg, &e);
}

/* Appends to a JSON detail buffer. Only names from fixed sets and validated
 * identifiers (usernames, codes) are written, never free text, so no
 * escaping is needed; truncation is reported as WG_EINTERNAL. */
struct detail {
	char buf[DETAIL_MAX];
	size_t len;
	bool overflow;
};

static void detail_add(struct detail *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void detail_add(struct detail *d, const char *fmt, ...)
{
	if (d->overflow)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(d->buf + d->len, sizeof d->buf - d->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof d->buf - d->len)
		d->overflow = true;
	else
		d->len += (size_t)n;
}

static void detail_roles(struct detail *d, const char *key, unsigned roles)
{
	detail_add(d, "\"%s\":[", key);
	bool first = true;
	for (unsigned i = 0; i < WG_ROLE_COUNT; i++) {
		unsigned bit = 1u << i;
		if (!(roles & bit))
			continue;
		detail_add(d, "%s\"%s\"", first ? "" : ",", wg_role_name(bit));
		first = false;
	}
	detail_add(d, "]");
}

/* ---- input checks ------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static bool username_chars_ok(const char *s)
{
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* ^1[3-9][0-9]{9}$ or ^0[0-9]{2,3}-?[0-9]{7,8}$ */
static bool phone_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && all_digits(s, n))
		return true;
	if (s[0] != '0')
		return false;
	const char *dash = strchr(s, '-');
	if (!dash)
		return n >= 10 && n <= 12 && all_digits(s, n);
	size_t area = (size_t)(dash - s), local = n - area - 1;
	return area >= 3 && area <= 4 && local >= 7 && local <= 8 && all_digits(s, area) &&
	       all_digits(dash + 1, local);
}

static bool department_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > DEPARTMENT_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

static bool name_chars_ok(const char *s, size_t n)
{
	if (!wg_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

enum scope_form { SCOPE_BAD, SCOPE_REGION, SCOPE_GRID };

/* A 12-digit region code, or a grid code: a village's code and 3 digits. */
static enum scope_form scope_form(const char *s, char village[WG_REGION_CODE_LEN + 1])
{
	size_t n = strlen(s);
	enum wg_region_level level;
	if (n == WG_REGION_CODE_LEN)
		return wg_region_code_level(s, &level) ? SCOPE_REGION : SCOPE_BAD;
	if (n != GRID_CODE_LEN || !all_digits(s, n))
		return SCOPE_BAD;
	memcpy(village, s, WG_REGION_CODE_LEN);
	village[WG_REGION_CODE_LEN] = '\0';
	return wg_region_code_level(village, &level) && level == WG_REGION_VILLAGE ? SCOPE_GRID : SCOPE_BAD;
}

/* Record a field error and remember that there was one. */
#define FIELD_ERROR(flag, fe, ...) ((flag) = true, wg_field_errors_add(fe, __VA_ARGS__))

/* Whether sql, a string literal (the statement is cached) with one text
 * parameter, finds a row for value. */
static int text_found(wg_db *db, const char *sql, const char *value, bool *found)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, sql, &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "t", value), WG_ENOTFOUND);
	*found = rc == 0;
	wg_stmt_finalize(st);
	return rc == WG_ENOTFOUND ? 0 : rc;
}

/* The field the area came in ("region", "grid"; "scope" when unnamed). */
static const char *scope_field(const wg_user_input *in)
{
	return in->scope_field ? in->scope_field : "scope";
}

/* One wording for an area that does not exist and one outside the actor's
 * own: the answer must not tell them apart. */
static void scope_not_found(const wg_user_input *in, wg_field_errors *fe)
{
	char village[WG_REGION_CODE_LEN + 1];
	if (scope_form(in->scope, village) == SCOPE_GRID)
		wg_field_errors_add(fe, scope_field(in), "not_found", "no grid %s in your area", in->scope);
	else
		wg_field_errors_add(fe, scope_field(in), "not_found", "no region %s in your area", in->scope);
}

static int check_scope(wg_db *db, const wg_user_input *in, wg_field_errors *fe, bool *bad)
{
	char village[WG_REGION_CODE_LEN + 1];
	enum scope_form form = scope_form(in->scope, village);
	if (form == SCOPE_BAD) {
		FIELD_ERROR(*bad, fe, scope_field(in), "pattern",
		            "must be a 12-digit region code or a 15-digit grid code");
		return 0;
	}
	bool found;
	int rc = text_found(db, "SELECT 1 FROM regions WHERE code = ?",
	                    form == SCOPE_REGION ? in->scope : village, &found);
	if (rc || found)
		return rc;
	*bad = true;
	scope_not_found(in, fe);
	return 0;
}

static void add_username_conflict(wg_field_errors *fe, const char *username)
{
	wg_field_errors_add(fe, "username", "conflict", "the username %s is already taken", username);
}

int wg_account_check_input(wg_db *db, const wg_user_input *in, bool creating, wg_field_errors *fe)
{
	/* Counted here, not by fe->n: an error dropped for want of memory must
	 * still fail the check. */
	bool bad = false;
	int rc = 0;
	if (!creating) {
		if (in->username)
			FIELD_ERROR(bad, fe, "username", "read_only", "a username cannot be changed");
	} else if (!in->username || !*in->username) {
		FIELD_ERROR(bad, fe, "username", "required", "username is required");
	} else {
		size_t n = strlen(in->username);
		if (n < 3)
			FIELD_ERROR(bad, fe, "username", "too_short",
			            "username must be at least 3 characters");
		else if (n > WG_USERNAME_MAX)
			FIELD_ERROR(bad, fe, "username", "too_long", "username must be at most %d characters",
			            WG_USERNAME_MAX);
		else if (!username_chars_ok(in->username))
			FIELD_ERROR(bad, fe, "username", "pattern",
			            "username must start with a letter and hold only a-z, 0-9, '_', '.' "
			            "and '-'");
		else {
			bool taken;
			rc = text_found(db, "SELECT 1 FROM users WHERE username = ?", in->username, &taken);
			if (rc)
				return rc;
			if (taken) {
				bad = true;
				add_username_conflict(fe, in->username);
			}
		}
	}

	if (in->name) {
		size_t n = strlen(in->name);
		if (n == 0)
			FIELD_ERROR(bad, fe, "name", "required", "name must not be empty");
		else if (!name_chars_ok(in->name, n))
			FIELD_ERROR(bad, fe, "name", "pattern", "name must not hold control characters");
		else if (wg_utf8_count(in->name, n) > NAME_MAX_CHARS)
			FIELD_ERROR(bad, fe, "name", "too_long", "name must be at most %d characters",
			            NAME_MAX_CHARS);
	} else if (creating) {
		FIELD_ERROR(bad, fe, "name", "required", "name is required");
	}

	/* An empty phone clears it (update) or means none (create). */
	if (in->phone && *in->phone && !phone_ok(in->phone))
		FIELD_ERROR(bad, fe, "phone", "pattern",
		            "phone must be a mainland mobile number (11 digits starting 13-19) or a "
		            "landline number with its area code (such as 0917-1234567)");

	if (in->scope) {
		rc = check_scope(db, in, fe, &bad);
		if (rc)
			return rc;
	} else if (creating) {
		FIELD_ERROR(bad, fe, scope_field(in), "required", "a region or grid code is required");
	}

	if (in->department && !department_ok(in->department))
		FIELD_ERROR(bad, fe, "department", "pattern",
		            "department must be 1 to %d characters of A-Z, a-z, 0-9, '_', '.' and '-'",
		            DEPARTMENT_MAX);

	return bad ? WG_EVALIDATION : 0;
}

/* The actor's range; an actor with a broken scope gets an empty range and so
 * sees nothing (wg_scope_of), which is what is wanted here. */
static void actor_scope(const wg_caller *actor, wg_scope *s)
{
	(void)wg_scope_of(actor, s);
}

/* Whether a well-formed scope lies in the actor's; malformed ones are left to
 * the input check. */
static bool scope_outside(const wg_scope *s, const char *scope)
{
	char village[WG_REGION_CODE_LEN + 1];
	return scope && scope_form(scope, village) != SCOPE_BAD && !wg_scope_contains(s, scope);
}

/* ---- create, read, list ------------------------------------------------- */

int wg_account_create(wg_db *db, const wg_caller *actor, const char *audit_alg, const wg_user_input *in,
                      const char *password_hash, bool must_change, int64_t *id, wg_field_errors *fe)
{
	if (!password_hash || !*password_hash || strlen(password_hash) >= HASH_TEXT_MAX)
		return WG_EINTERNAL;
	wg_scope s;
	actor_scope(actor, &s);
	if (scope_outside(&s, in->scope)) {
		scope_not_found(in, fe);
		return WG_EVALIDATION;
	}
	int rc = wg_account_check_input(db, in, true, fe);
	if (rc)
		return rc;
	const char *phone = in->phone && *in->phone ? in->phone : NULL;
	int64_t now = wg_clock_now_ms();
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "INSERT INTO users (username, name, phone, scope_key, department, roles, "
	                          "active, password_hash, password_changed_at, must_change, created_at, "
	                          "updated_at, version) VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, 1) "
	                          "RETURNING id",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttttttibii", in->username, in->name, phone, in->scope, in->department,
	                   password_hash, now, must_change, now, now);
	rc = one_int(st, rc, WG_ESTORE, id);
	if (rc == WG_ECONFLICT) {
		/* Taken between the check and the insert by a concurrent writer. The
		 * caller rolls the failed statement back with its savepoint. */
		add_username_conflict(fe, in->username);
		return WG_EVALIDATION;
	}
	if (rc)
		return rc;
	struct detail d = {0};
	detail_add(&d, "{\"username\":\"%s\",\"scope\":\"%s\"", in->username, in->scope);
	if (in->department)
		detail_add(&d, ",\"department\":\"%s\"", in->department);
	detail_add(&d, ",\"must_change\":%s}", must_change ? "true" : "false");
	if (d.overflow)
		return WG_EINTERNAL;
	return audit(db, audit_alg, actor, "user.create", *id, d.buf);
}

#define USER_COLUMNS                                                                                   \
	"id, username, name, phone, scope_key, department, roles, active, must_change, totp_enabled, " \
	"password_changed_at, last_login_at, created_at, updated_at, version"

static void row_to_user(wg_stmt *st, wg_user *u)
{
	u->id = wg_stmt_int(st, 0);
	u->username = wg_stmt_text(st, 1, NULL);
	u->name = wg_stmt_text(st, 2, NULL);
	u->phone = wg_stmt_text(st, 3, NULL);
	u->scope = wg_stmt_text(st, 4, NULL);
	u->department = wg_stmt_text(st, 5, NULL);
	u->roles = (unsigned)wg_stmt_int(st, 6) & WG_ROLES_ALL;
	u->active = wg_stmt_int(st, 7) != 0;
	u->must_change_password = wg_stmt_int(st, 8) != 0;
	u->totp_enabled = wg_stmt_int(st, 9) != 0;
	u->password_changed_at = wg_stmt_int(st, 10);
	u->last_login_at = wg_stmt_int(st, 11);
	u->created_at = wg_stmt_int(st, 12);
	u->updated_at = wg_stmt_int(st, 13);
	u->version = wg_stmt_int(st, 14);
}

/* Bind "id = ? AND " WG_SCOPE_SQL: an account and the actor's range. */
static int bind_id_in_scope(wg_stmt *st, int64_t id, const wg_caller *actor)
{
	wg_scope s;
	actor_scope(actor, &s);
	int rc = wg_stmt_bindf(st, "i", id);
	if (!rc)
		rc = wg_scope_bind(&s, st, 2);
	return rc < 0 ? rc : 0;
}

int wg_account_get(wg_db *db, const wg_caller *actor, int64_t id, wg_user_fn fn, void *ctx)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT " USER_COLUMNS " FROM users WHERE id = ? AND " WG_SCOPE_SQL("scope_key"), &st);
	if (rc)
		return rc;
	rc = first_row(st, bind_id_in_scope(st, id, actor), WG_ENOTFOUND);
	if (!rc) {
		wg_user u;
		row_to_user(st, &u);
		rc = fn(ctx, &u);
	}
	wg_stmt_finalize(st);
	return rc;
}

/* Filter conditions shared by the count and the page; parameters: scope (2),
 * pattern (2), role (2), active (2). */
#define USER_FILTER_SQL                                                      \
	WG_SCOPE_SQL("scope_key")                                            \
	" AND (lower(username) LIKE ? ESCAPE '!' OR name LIKE ? ESCAPE '!')" \
	" AND ((roles & ?) <> 0 OR ? = 0) AND (active = ? OR ? < 0)"         \
	" AND (? = 0 OR scope_key IN (?, ?, ?, ?, ?))"

/* "%q%" with LIKE's special characters escaped; q lower-cased (ASCII), as
 * usernames are. */
static char *like_pattern(const char *q, char *buf, size_t len)
{
	size_t j = 0;
	buf[j++] = '%';
	for (const char *p = q ? q : ""; *p && j + 3 < len; p++) {
		char c = *p;
		if (c == '%' || c == '_' || c == '!')
			buf[j++] = '!';
		buf[j++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	buf[j++] = '%';
	buf[j] = '\0';
	return buf;
}

static int bind_filter(wg_stmt *st, const wg_scope *s, const char *pattern, const wg_user_filter *f)
{
	int idx = wg_scope_bind(s, st, 1);
	if (idx < 0)
		return idx;
	int rc = wg_stmt_bind_text(st, idx, pattern, strlen(pattern));
	/* name keeps its case: names are mostly Chinese, and lower() differs
	 * between the two stores beyond ASCII. */
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, pattern, strlen(pattern));
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 2, f->role);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 3, f->role);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 4, f->active);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 5, f->active);
	/* A code that is not a region's reaches nothing. */
	wg_region_codes reach = {0};
	if (!rc && f->reaches)
		wg_region_reach(f->reaches, &reach);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 6, f->reaches != NULL);
	return rc ? rc : wg_region_codes_bind(&reach, st, idx + 7);
}

int wg_account_list(wg_db *db, const wg_caller *actor, const wg_user_filter *f, wg_user_fn fn, void *ctx,
                    int64_t *total)
{
	wg_scope s;
	actor_scope(actor, &s);
	/* A query longer than any username or name matches nothing anyway. */
	char pattern[2 * QUERY_MAX + 8];
	if (f->q && strlen(f->q) > QUERY_MAX) {
		*total = 0;
		return 0;
	}
	like_pattern(f->q, pattern, sizeof pattern);

	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT count(*) FROM users WHERE " USER_FILTER_SQL, &st);
	if (rc)
		return rc;
	rc = bind_filter(st, &s, pattern, f);
	rc = one_int(st, rc < 0 ? rc : 0, WG_ESTORE, total);
	if (rc)
		return rc;

	rc = wg_db_prepare_cached(db,
	                          "SELECT " USER_COLUMNS " FROM users WHERE " USER_FILTER_SQL
	                          " AND id > ? ORDER BY id LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	int idx = bind_filter(st, &s, pattern, f);
	rc = idx < 0 ? idx : wg_stmt_bind_int(st, idx, f->after_id);
	if (!rc)
		rc = wg_stmt_bind_int(st, idx + 1, f->limit > 0 ? f->limit : 0);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_user u;
		row_to_user(st, &u);
		rc = fn(ctx, &u);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* ---- update and roles --------------------------------------------------- */

/* The fields of an account that update and set_roles compare against. */
struct current {
	char username[WG_USERNAME_MAX + 1];
	char name[4 * NAME_MAX_CHARS + 1];
	char phone[32];
	char scope[WG_SCOPE_KEY_MAX + 1];
	char department[DEPARTMENT_MAX + 1];
	bool has_phone, has_department, active;
	unsigned roles;
	int64_t version;
	char password_hash[HASH_TEXT_MAX];
	int64_t password_changed_at;
};

static void copy_col(wg_stmt *st, int col, char *buf, size_t len, bool *present)
{
	const char *s = wg_stmt_text(st, col, NULL);
	snprintf(buf, len, "%s", s ? s : "");
	if (present)
		*present = s != NULL;
}

/* Load an account in the actor's scope; WG_ENOTFOUND outside it. */
static int load_current(wg_db *db, const wg_caller *actor, int64_t id, struct current *c)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT username, name, phone, scope_key, department, active, roles, "
	                              "version, password_hash, password_changed_at FROM users WHERE id = ? "
	                              "AND " WG_SCOPE_SQL("scope_key"),
	                              &st);
	if (rc)
		return rc;
	rc = first_row(st, bind_id_in_scope(st, id, actor), WG_ENOTFOUND);
	if (!rc) {
		copy_col(st, 0, c->username, sizeof c->username, NULL);
		copy_col(st, 1, c->name, sizeof c->name, NULL);
		copy_col(st, 2, c->phone, sizeof c->phone, &c->has_phone);
		copy_col(st, 3, c->scope, sizeof c->scope, NULL);
		copy_col(st, 4, c->department, sizeof c->department, &c->has_department);
		c->active = wg_stmt_int(st, 5) != 0;
		c->roles = (unsigned)wg_stmt_int(st, 6) & WG_ROLES_ALL;
		c->version = wg_stmt_int(st, 7);
		copy_col(st, 8, c->password_hash, sizeof c->password_hash, NULL);
		c->password_changed_at = wg_stmt_int(st, 9);
	}
	wg_stmt_finalize(st);
	return rc;
}

int wg_account_update(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id,
                      const wg_user_input *in, int64_t expect_version, wg_field_errors *fe)
{
	struct current c;
	int rc = load_current(db, actor, id, &c);
	if (rc)
		return rc;
	wg_scope s;
	actor_scope(actor, &s);
	if (scope_outside(&s, in->scope)) {
		/* Moving an account out of one's area is like creating it there. */
		scope_not_found(in, fe);
		return WG_EVALIDATION;
	}
	if (in->set_active && !in->active && id == actor->user_id)
		return WG_EFORBIDDEN;
	rc = wg_account_check_input(db, in, false, fe);
	if (rc)
		return rc;
	if (expect_version && expect_version != c.version)
		return WG_ECONFLICT;

	const char *name = in->name ? in->name : c.name;
	const char *phone = in->phone ? (*in->phone ? in->phone : NULL) : (c.has_phone ? c.phone : NULL);
	const char *scope = in->scope ? in->scope : c.scope;
	const char *department = in->set_department || in->department
	                                 ? in->department
	                                 : (c.has_department ? c.department : NULL);
	bool active = in->set_active ? in->active : c.active;

	struct detail d = {0};
	detail_add(&d, "{\"fields\":[");
	static const char *const names[] = {"name", "phone", "scope", "department", "active"};
	bool changed[] = {
		!str_eq(name, c.name),   !str_eq(phone, c.has_phone ? c.phone : NULL),
		!str_eq(scope, c.scope), !str_eq(department, c.has_department ? c.department : NULL),
		active != c.active,
	};
	bool any = false;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (changed[i]) {
			detail_add(&d, "%s\"%s\"", any ? "," : "", names[i]);
			any = true;
		}
	if (!any)
		return 0; /* nothing to write, nothing to audit */
	detail_add(&d, "]");
	if (changed[4])
		detail_add(&d, ",\"active\":%s", active ? "true" : "false");
	detail_add(&d, "}");
	if (d.overflow)
		return WG_EINTERNAL;

	int64_t now = wg_clock_now_ms(), rows = 0;
	rc = wg_db_execf(db,
	                 "UPDATE users SET name = ?, phone = ?, scope_key = ?, department = ?, "
	                 "active = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
	                 "version = ?",
	                 &rows, "ttttbiii", name, phone, scope, department, active, now, id, c.version);
	if (!rc && rows != 1)
		rc = WG_ECONFLICT;
	if (rc)
		return rc;
	if (c.active && !active) {
		rc = wg_session_revoke_user(db, id, NULL, now);
		if (rc)
			return rc;
	}
	return audit(db, audit_alg, actor, "user.update", id, d.buf);
}

int wg_account_set_roles(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id, unsigned roles,
                         wg_field_errors *fe)
{
	if (roles & ~(unsigned)WG_ROLES_ALL) {
		wg_field_errors_add(fe, "roles", "unknown", "roles holds an unknown role");
		return WG_EVALIDATION;
	}
	struct current c;
	int rc = load_current(db, actor, id, &c);
	if (rc)
		return rc;
	if (id == actor->user_id)
		return WG_EFORBIDDEN;
	unsigned a, b;
	if (wg_role_admin_conflict(roles, &a, &b)) {
		wg_field_errors_add(fe, "roles", "conflict",
		                    "%s and %s are separate powers and cannot be held together",
		                    wg_role_name(a), wg_role_name(b));
		return WG_EVALIDATION;
	}
	if (roles == c.roles)
		return 0;
	rc = wg_db_execf(db, "UPDATE users SET roles = ?, updated_at = ?, version = version + 1 WHERE id = ?",
	                 NULL, "iii", (int64_t)roles, wg_clock_now_ms(), id);
	if (rc)
		return rc;
	struct detail d = {0};
	detail_add(&d, "{");
	detail_roles(&d, "roles", roles);
	detail_add(&d, ",");
	detail_roles(&d, "previous", c.roles);
	detail_add(&d, "}");
	if (d.overflow)
		return WG_EINTERNAL;
	return audit(db, audit_alg, actor, "role.grant", id, d.buf);
}

/* ---- passwords ----------------------------------------------------------- */

int wg_account_password_hashes(wg_db *db, int64_t id, long long history, struct wg_arena *arena,
                               const char **hashes, unsigned max, unsigned *n)
{
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT password_hash FROM users WHERE id = ?", &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "i", id), WG_ENOTFOUND);
	if (!rc && max > 0) {
		const char *h = wg_stmt_text(st, 0, NULL);
		hashes[0] = wg_arena_strdup(arena, h ? h : "");
		rc = hashes[0] ? 0 : WG_ENOMEM;
		*n = rc ? 0 : 1;
	}
	wg_stmt_finalize(st);
	if (rc || history <= 0 || *n >= max)
		return rc;

	rc = wg_db_prepare_cached(db,
	                          "SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC "
	                          "LIMIT ?",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ii", id, (int64_t)history);
	while (!rc && *n < max && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		const char *h = wg_stmt_text(st, 0, NULL);
		hashes[*n] = wg_arena_strdup(arena, h ? h : "");
		rc = hashes[*n] ? 0 : WG_ENOMEM;
		if (!rc)
			(*n)++;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

static int push_history(wg_db *db, int64_t id, const char *old_hash, long long history, int64_t now)
{
	if (history > 0) {
		int rc = wg_db_execf(
			db, "INSERT INTO password_history (user_id, hash, changed_at) VALUES (?, ?, ?)", NULL,
			"iti", id, old_hash, now);
		if (rc)
			return rc;
	}
	return wg_db_execf(db,
	                   "DELETE FROM password_history WHERE user_id = ? AND id NOT IN (SELECT id "
	                   "FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)",
	                   NULL, "iii", id, id, (int64_t)(history > 0 ? history : 0));
}

int wg_account_set_password(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id,
                            const char *password_hash, bool must_change, long long history,
                            const char *keep_token_hash, const char *action)
{
	if (!password_hash || !*password_hash || strlen(password_hash) >= HASH_TEXT_MAX || !action ||
	    (strcmp(action, "password.change") != 0 && strcmp(action, "password.reset") != 0))
		return WG_EINTERNAL;
	struct current c;
	int rc = load_current(db, actor, id, &c);
	if (rc)
		return rc;
	int64_t now = wg_clock_now_ms();
	rc = push_history(db, id, c.password_hash, history, now);
	if (rc)
		return rc;
	rc = wg_db_execf(db,
	                 "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change = ?, "
	                 "updated_at = ? WHERE id = ?",
	                 NULL, "tibii", password_hash, now, must_change, now, id);
	if (rc)
		return rc;
	rc = wg_session_revoke_user(db, id, keep_token_hash, now);
	if (rc)
		return rc;
	char detail[64];
	snprintf(detail, sizeof detail, "{\"must_change\":%s}", must_change ? "true" : "false");
	return audit(db, audit_alg, actor, action, id, detail);
}

/* ---- sign-in ------------------------------------------------------------- */

/* The name typed, cut at a character boundary to TYPED_NAME_MAX bytes. */
static const char *typed_name(const char *username, char out[TYPED_NAME_MAX + 1])
{
	size_t n = strlen(username);
	if (n <= TYPED_NAME_MAX)
		return username;
	n = TYPED_NAME_MAX;
	while (n > 0 && ((unsigned char)username[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, username, n);
	out[n] = '\0';
	return out;
}

static int lockout_state(wg_db *db, const wg_config *cfg, const char *username, int64_t now_ms,
                         int64_t *locked_ms)
{
	*locked_ms = 0;
	long long limit = cfg->security_lockout_failures;
	int64_t window = (int64_t)cfg->security_lockout_window_s * 1000;
	int64_t lockout = (int64_t)cfg->security_lockout_s * 1000;
	if (limit <= 0)
		return 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT at FROM login_failures WHERE username = ? ORDER BY at DESC LIMIT ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ti", username, (int64_t)limit);
	long long count = 0;
	int64_t newest = 0, oldest = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		int64_t at = wg_stmt_int(st, 0);
		if (count++ == 0)
			newest = at;
		oldest = at;
		rc = 0;
	}
	wg_stmt_finalize(st);
	if (rc != WG_DB_DONE)
		return rc;
	if (count == limit && newest - oldest <= window && now_ms < newest + lockout)
		*locked_ms = newest + lockout - now_ms;
	return 0;
}

int wg_account_login_load(wg_db *db, const wg_config *cfg, const char *username, int64_t now_ms,
                          wg_login *out)
{
	memset(out, 0, sizeof *out);
	if (!username)
		return WG_EINTERNAL;
	char cut[TYPED_NAME_MAX + 1];
	int rc = lockout_state(db, cfg, typed_name(username, cut), now_ms, &out->locked_ms);
	if (rc)
		return rc;
	if (strlen(username) > WG_USERNAME_MAX)
		return 0;
	wg_stmt *st;
	rc = wg_db_prepare_cached(db,
	                          "SELECT id, username, password_hash, roles, must_change, "
	                          "password_changed_at, totp_enabled, totp_secret, totp_last_step, active "
	                          "FROM users WHERE username = ?",
	                          &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "t", username), WG_ENOTFOUND);
	/* A deactivated account answers exactly like an unknown one. */
	if (!rc && wg_stmt_int(st, 9)) {
		out->exists = true;
		out->user_id = wg_stmt_int(st, 0);
		copy_col(st, 1, out->username, sizeof out->username, NULL);
		copy_col(st, 2, out->password_hash, sizeof out->password_hash, NULL);
		out->roles = (unsigned)wg_stmt_int(st, 3) & WG_ROLES_ALL;
		out->must_change = wg_stmt_int(st, 4) != 0;
		out->password_changed_at = wg_stmt_int(st, 5);
		out->totp_enabled = wg_stmt_int(st, 6) != 0;
		copy_col(st, 7, out->totp_secret, sizeof out->totp_secret, NULL);
		out->totp_last_step = wg_stmt_int(st, 8);
	}
	wg_stmt_finalize(st);
	return rc == WG_ENOTFOUND ? 0 : rc;
}

static bool known_reason(const char *reason)
{
	static const char *const reasons[] = {"password", "unknown", "totp", "locked", "inactive"};
	for (size_t i = 0; reason && i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(reason, reasons[i]) == 0)
			return true;
	return false;
}

int wg_account_login_failed(wg_db *db, const char *audit_alg, const char *username, const char *address,
                            const char *reason, int64_t now_ms)
{
	if (!username || !known_reason(reason))
		return WG_EINTERNAL;
	char cut[TYPED_NAME_MAX + 1];
	username = typed_name(username, cut);
	int rc;
	/* An attempt refused because of the lockout is not counted: counting it
	 * would let anyone keep an account locked forever. */
	if (strcmp(reason, "locked") != 0) {
		rc = wg_db_execf(db, "INSERT INTO login_failures (username, at) VALUES (?, ?)", NULL, "ti",
		                 username, now_ms);
		if (rc)
			return rc;
	}
	/* Nothing older than a window and a lockout can matter any more. The
	 * bounds are the largest the settings allow, so that a failure is never
	 * purged while another configuration could still count it. */
	rc = wg_db_execf(db, "DELETE FROM login_failures WHERE at < ?", NULL, "i",
	                 now_ms - (int64_t)(86400 + 86400) * 1000);
	if (rc)
		return rc;

	wg_caller who = {.username = username, .address = address};
	char detail[64];
	snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", reason);
	wg_audit_entry e = {
		.actor = &who,
		.actor_name = who.username,
		.action = "session.login",
		.object_type = "user",
		.result = WG_AUDIT_DENIED,
		.detail = detail,
	};
	return wg_audit_append(db, audit_alg, &e);
}

/* ---- second factor ------------------------------------------------------- */

int wg_account_totp_begin(wg_db *db, const wg_caller *actor, const char *audit_alg, const char *sealed_secret)
{
	if (!sealed_secret || !*sealed_secret || strlen(sealed_secret) >= HASH_TEXT_MAX)
		return WG_EINTERNAL;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT totp_enabled FROM users WHERE id = ? AND active = 1", &st);
	if (rc)
		return rc;
	int64_t enabled;
	rc = one_int(st, wg_stmt_bindf(st, "i", actor->user_id), WG_ENOTFOUND, &enabled);
	if (rc)
		return rc;
	if (enabled)
		return WG_ECONFLICT; /* an enabled factor is reset first, never silently replaced */
	rc = wg_db_execf(db,
	                 "UPDATE users SET totp_secret = ?, totp_enabled = 0, totp_last_step = 0, "
	                 "updated_at = ? WHERE id = ?",
	                 NULL, "tii", sealed_secret, wg_clock_now_ms(), actor->user_id);
	if (rc)
		return rc;
	return audit(db, audit_alg, actor, "totp.begin", actor->user_id, "{}");
}

int wg_account_totp_secret(wg_db *db, int64_t id, char sealed[160], bool *enabled, int64_t *last_step)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?", &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "i", id), WG_ENOTFOUND);
	if (!rc) {
		copy_col(st, 0, sealed, HASH_TEXT_MAX, NULL);
		*enabled = wg_stmt_int(st, 1) != 0;
		*last_step = wg_stmt_int(st, 2);
	}
	wg_stmt_finalize(st);
	return rc;
}

static int delete_recovery(wg_db *db, int64_t id)
{
	return wg_db_execf(db, "DELETE FROM recovery_codes WHERE user_id = ?", NULL, "i", id);
}

int wg_account_totp_enable(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t step,
                           const char *const *recovery_hashes, unsigned nrecovery)
{
	int64_t changed = 0;
	int rc = wg_db_execf(db,
	                     "UPDATE users SET totp_enabled = 1, totp_last_step = ?, updated_at = ? "
	                     "WHERE id = ? AND totp_enabled = 0 AND totp_secret IS NOT NULL",
	                     &changed, "iii", step, wg_clock_now_ms(), actor->user_id);
	if (!rc && changed != 1)
		rc = WG_ECONFLICT; /* no enrolment pending */
	if (rc)
		return rc;
	rc = delete_recovery(db, actor->user_id);
	if (rc)
		return rc;
	for (unsigned i = 0; i < nrecovery && !rc; i++) {
		if (!recovery_hashes[i] || !*recovery_hashes[i])
			return WG_EINTERNAL;
		rc = wg_db_execf(db, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", NULL,
		                 "it", actor->user_id, recovery_hashes[i]);
	}
	if (rc)
		return rc;
	char detail[64];
	snprintf(detail, sizeof detail, "{\"recovery_codes\":%u}", nrecovery);
	return audit(db, audit_alg, actor, "totp.enable", actor->user_id, detail);
}

int wg_account_totp_used(wg_db *db, int64_t id, int64_t step)
{
	int64_t changed = 0;
	int rc = wg_db_execf(db, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
	                     &changed, "iii", step, id, step);
	return !rc && changed != 1 ? WG_ECONFLICT : rc;
}

int wg_account_recovery_use(wg_db *db, const char *audit_alg, int64_t id, const char *code_hash,
                            int64_t now_ms)
{
	if (!code_hash)
		return WG_ENOTFOUND;
	int64_t changed = 0;
	int rc = wg_db_execf(db,
	                     "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND "
	                     "code_hash = ? AND used_at IS NULL",
	                     &changed, "iit", now_ms, id, code_hash);
	if (!rc && changed != 1)
		rc = WG_ENOTFOUND;
	if (rc)
		return rc;
	/* Who is signing in is not a caller yet: the account names itself. */
	char username[WG_USERNAME_MAX + 1] = "";
	wg_caller who = {.user_id = id, .username = username};
	wg_stmt *st;
	rc = wg_db_prepare_cached(db, "SELECT username, roles FROM users WHERE id = ?", &st);
	if (rc)
		return rc;
	rc = first_row(st, wg_stmt_bindf(st, "i", id), WG_ENOTFOUND);
	if (!rc) {
		copy_col(st, 0, username, sizeof username, NULL);
		who.roles = (unsigned)wg_stmt_int(st, 1) & WG_ROLES_ALL;
	}
	wg_stmt_finalize(st);
	if (rc && rc != WG_ENOTFOUND)
		return rc;
	return audit(db, audit_alg, &who, "recovery.use", id, "{}");
}

int wg_account_totp_reset(wg_db *db, const wg_caller *actor, const char *audit_alg, int64_t id)
{
	struct current c;
	int rc = load_current(db, actor, id, &c);
	if (rc)
		return rc;
	int64_t now = wg_clock_now_ms();
	rc = wg_db_execf(db,
	                 "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = 0, "
	                 "updated_at = ? WHERE id = ?",
	                 NULL, "ii", now, id);
	if (!rc)
		rc = delete_recovery(db, id);
	bool self = id == actor->user_id;
	if (!rc && !self)
		rc = wg_session_revoke_user(db, id, NULL, now);
	if (rc)
		return rc;
	return audit(db, audit_alg, actor, "totp.reset", id, self ? "{\"self\":true}" : "{\"self\":false}");
}

int wg_account_id_by_username(wg_db *db, const char *username, int64_t *id)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT id FROM users WHERE username = ?", &st);
	return rc ? rc : one_int(st, wg_stmt_bindf(st, "t", username), WG_ENOTFOUND, id);
}
