#include "domain/notification.h"

#include "core/error.h"
#include "core/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lock of the audit chain (audit.c): see wg_notify in the header. */
#define ORDER_LOCK "audit_log"

#define LIMIT_MAX 1000

static bool valid_kind(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > WG_NOTIFICATION_KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Checks the arguments of wg_notify; returns 0 or WG_EINTERNAL. */
static int check_target(const char *target_kind, const char *target, unsigned roles)
{
	size_t n = target ? strlen(target) : 0;
	if (n == 0 || n > WG_NOTIFICATION_TARGET_MAX || !target_kind || !wg_utf8_valid(target, n))
		return WG_EINTERNAL;
	if (strcmp(target_kind, "user") == 0)
		return all_digits(target) ? 0 : WG_EINTERNAL;
	if (strcmp(target_kind, "scope") == 0 || strcmp(target_kind, "department") == 0)
		return roles ? 0 : WG_EINTERNAL;
	return WG_EINTERNAL;
}

int wg_notify(wg_db *db, const char *kind, int64_t case_id, const char *target_kind, const char *target,
              unsigned roles, const char *payload_json, int64_t now_ms)
{
	if (!valid_kind(kind) || case_id < 0 || check_target(target_kind, target, roles) || !payload_json)
		return WG_EINTERNAL;
	json_error_t jerr;
	json_t *payload = json_loads(payload_json, JSON_REJECT_DUPLICATES, &jerr);
	if (!payload) {
		return json_error_code(&jerr) == json_error_out_of_memory ? WG_ENOMEM : WG_EINTERNAL;
	}
	if (!json_is_object(payload)) {
		json_decref(payload);
		return WG_EINTERNAL;
	}
	/* Stored compact: the stream writes a payload on one "data:" line, and
	 * compact JSON holds no line break. */
	char *text = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(payload);
	if (!text)
		return WG_ENOMEM;
	int rc = strlen(text) > WG_NOTIFICATION_PAYLOAD_MAX ? WG_EINTERNAL : 0;
	if (!rc)
		rc = wg_db_lock(db, ORDER_LOCK);
	if (!rc) {
		rc = case_id ? wg_db_execf(db,
		                           "INSERT INTO notifications (kind, case_id, target_kind, target, "
		                           "roles, "
		                           "payload, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		                           NULL, "tittiti", kind, case_id, target_kind, target,
		                           (int64_t)roles, text, now_ms)
		             : wg_db_execf(db,
		                           "INSERT INTO notifications (kind, case_id, target_kind, target, "
		                           "roles, "
		                           "payload, at) VALUES (?, NULL, ?, ?, ?, ?, ?)",
		                           NULL, "tttiti", kind, target_kind, target, (int64_t)roles, text,
		                           now_ms);
	}
	free(text);
	return rc;
}

bool wg_notification_for(const wg_caller *c, const wg_notification *n)
{
	if (!c || !n || !n->target_kind || !n->target)
		return false;
	if (strcmp(n->target_kind, "user") == 0) {
		if (c->user_id <= 0)
			return false;
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)c->user_id);
		return strcmp(n->target, id) == 0;
	}
	const char *mine;
	if (strcmp(n->target_kind, "scope") == 0)
		mine = c->scope;
	else if (strcmp(n->target_kind, "department") == 0)
		mine = c->department;
	else
		return false;
	return mine && strcmp(n->target, mine) == 0 && (n->roles & c->roles) != 0;
}

#define COLUMNS "id, kind, case_id, target_kind, target, roles, payload, at"

static int row_to_notification(wg_stmt *st, wg_notification *n)
{
	n->id = wg_stmt_int(st, 0);
	n->kind = wg_stmt_text(st, 1, NULL);
	n->case_id = wg_stmt_is_null(st, 2) ? 0 : wg_stmt_int(st, 2);
	n->target_kind = wg_stmt_text(st, 3, NULL);
	n->target = wg_stmt_text(st, 4, NULL);
	/* Stored from an unsigned set; only role bits mean anything. */
	n->roles = (unsigned)((uint64_t)wg_stmt_int(st, 5) & 0xffffffffu);
	n->payload = wg_stmt_text(st, 6, NULL);
	n->at = wg_stmt_int(st, 7);
	return n->kind && n->target_kind && n->target && n->payload ? 0 : WG_ESTORE;
}

static int visit_rows(wg_stmt *st, int rc, wg_notification_fn fn, void *ctx)
{
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		wg_notification n;
		rc = row_to_notification(st, &n);
		if (!rc)
			rc = fn(ctx, &n);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* Each branch walks notifications_target (target_kind, target, id) from
 * after_id up, so the cost follows the rows returned, not the table. */
#define BRANCH(kind_literal, extra)                                                                    \
	"SELECT * FROM (SELECT " COLUMNS " FROM notifications WHERE target_kind = '" kind_literal "' " \
	"AND target = ? AND id > ? " extra "ORDER BY id LIMIT ?)"
#define ROLES_MATCH "AND (roles & ?) <> 0 "
#define LIST_SQL                                                                                          \
	"SELECT " COLUMNS                                                                                 \
	" FROM (" BRANCH("user", "") " u UNION ALL " BRANCH("scope", ROLES_MATCH) " s UNION ALL " BRANCH( \
		"department", ROLES_MATCH) " d) n ORDER BY id LIMIT ?"

int wg_notification_list(wg_db *db, const wg_caller *c, int64_t after_id, int64_t limit,
                         wg_notification_fn fn, void *ctx)
{
	if (!c || limit < 1 || limit > LIMIT_MAX)
		return WG_EINTERNAL;
	char id[24];
	const char *user = NULL;
	if (c->user_id > 0) {
		snprintf(id, sizeof id, "%lld", (long long)c->user_id);
		user = id;
	}
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, LIST_SQL, &st);
	if (rc)
		return rc;
	int64_t roles = (int64_t)c->roles;
	rc = wg_stmt_bindf(st, "tiitiiitiiii", user, after_id, limit, c->scope, after_id, roles, limit,
	                   c->department, after_id, roles, limit, limit);
	return visit_rows(st, rc, fn, ctx);
}

int wg_notification_since(wg_db *db, int64_t after_id, int64_t limit, wg_notification_fn fn, void *ctx)
{
	if (limit < 1 || limit > LIMIT_MAX)
		return WG_EINTERNAL;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT " COLUMNS " FROM notifications WHERE id > ? ORDER BY id LIMIT ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ii", after_id, limit);
	return visit_rows(st, rc, fn, ctx);
}

int wg_notification_latest(wg_db *db, int64_t *id)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT max(id) FROM notifications", &st);
	if (rc)
		return rc;
	rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		*id = wg_stmt_is_null(st, 0) ? 0 : wg_stmt_int(st, 0);
		rc = 0;
	} else if (rc >= 0) {
		rc = WG_ESTORE;
	}
	wg_stmt_finalize(st);
	return rc;
}
