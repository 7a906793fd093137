/* The holiday calendar's edits (holiday.h). */
#include "domain/holiday.h"

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/error.h"
#include "domain/audit.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int wg_holiday_apply_edits(wg_db *db, struct wg_calendar *cal, char *err, size_t errlen)
{
	wg_stmt *st;
	int rc = wg_db_prepare(db, "SELECT year, doc FROM calendar_years ORDER BY year", &st);
	if (rc)
		return rc;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		char file[48];
		snprintf(file, sizeof file, "calendar_years %lld", (long long)wg_stmt_int(st, 0));
		size_t len = 0;
		const char *doc = wg_stmt_text(st, 1, &len);
		rc = wg_calendar_replace_year(cal, doc ? doc : "", doc ? len : 0, file, err, errlen);
		if (rc)
			break;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* data_dir/holidays/YYYY.json whole, in arena. */
static int read_year_file(const char *data_dir, int year, wg_arena *arena, const char **text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/holidays/%d.json", data_dir, year);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? WG_ENOTFOUND : WG_EIO;
	char *buf = wg_arena_alloc(arena, WG_HOLIDAY_DOC_MAX + 1);
	size_t n = buf ? fread(buf, 1, WG_HOLIDAY_DOC_MAX, f) : 0;
	int rc = !buf ? WG_ENOMEM : ferror(f) ? WG_EIO : 0;
	fclose(f);
	if (!rc) {
		buf[n] = '\0';
		*text = buf;
	}
	return rc;
}

int wg_holiday_get(wg_db *db, const char *data_dir, int year, wg_arena *arena, wg_holiday_doc *out)
{
	memset(out, 0, sizeof *out);
	out->year = year;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT doc, updated_at, updated_by FROM calendar_years WHERE year = ?", &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", (int64_t)year);
	if (!rc)
		rc = wg_stmt_step(st);
	bool edited = rc == WG_DB_ROW;
	if (edited) {
		out->source = "edited";
		out->text = wg_arena_strdup(arena, wg_stmt_text(st, 0, NULL));
		out->updated_at = wg_stmt_int(st, 1);
		out->updated_by = wg_stmt_int(st, 2);
		rc = out->text ? 0 : WG_ENOMEM;
	}
	wg_stmt_finalize(st);
	if (edited || rc != WG_DB_DONE)
		return rc;
	out->source = "file";
	return read_year_file(data_dir, year, arena, &out->text);
}

/* "FILE: PATH: reason" or "FILE: line L column C: reason" from the
 * calendar's parser as a field error on PATH (the document itself for a
 * text that is not JSON). */
static void parser_error(wg_field_errors *fe, const char *file, const char *err)
{
	size_t skip = strlen(file) + 2;
	const char *rest = strncmp(err, file, strlen(file)) == 0 && strlen(err) > skip ? err + skip : err;
	const char *colon = strstr(rest, ": ");
	if (!colon || strncmp(rest, "line ", 5) == 0) {
		wg_field_errors_add(fe, "document", "format", "%s", rest);
		return;
	}
	char path[96];
	snprintf(path, sizeof path, "%.*s", (int)(colon - rest), rest);
	wg_field_errors_add(fe, path, "invalid", "%s", colon + 2);
}

int wg_holiday_put(wg_db *db, const struct wg_calendar *cal, const wg_caller *caller, const char *audit_alg,
                   int year, const char *text, int64_t now, wg_field_errors *fe)
{
	static const char file[] = "calendar";
	char err[512];
	int got = 0;
	size_t len = strlen(text);
	if (len > WG_HOLIDAY_DOC_MAX) {
		wg_field_errors_add(fe, "document", "too_long", "the document is larger than %d bytes",
		                    WG_HOLIDAY_DOC_MAX);
		return WG_EVALIDATION;
	}
	/* The year first: a document of another year breaks every date rule. */
	json_t *doc = json_loadb(text, len, 0, NULL);
	json_t *y = json_object_get(doc, "year");
	bool other = json_is_integer(y) && json_integer_value(y) != year;
	json_decref(doc);
	if (other) {
		wg_field_errors_add(fe, "year", "mismatch", "the document is not of %d", year);
		return WG_EVALIDATION;
	}
	int rc = wg_calendar_check_year(cal, text, len, file, &got, err, sizeof err);
	if (rc == WG_EVALIDATION || rc == WG_EBADREQ) {
		parser_error(fe, file, err);
		return WG_EVALIDATION;
	}
	if (rc)
		return rc;
	if (got != year) {
		wg_field_errors_add(fe, "year", "mismatch", "the document is of %d, not of %d", got, year);
		return WG_EVALIDATION;
	}
	rc = wg_db_execf(
		db,
		"INSERT INTO calendar_years (year, doc, updated_at, updated_by) VALUES (?, ?, ?, ?) "
		"ON CONFLICT (year) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at, "
		"updated_by = excluded.updated_by",
		NULL, "itiz", (int64_t)year, text, now, caller->user_id);
	char id[8];
	snprintf(id, sizeof id, "%d", year);
	wg_audit_entry e = {.actor = caller,
	                    .action = "calendar.update",
	                    .object_type = "calendar_year",
	                    .object_id = id,
	                    .result = WG_AUDIT_OK};
	return rc ? rc : wg_audit_append(db, audit_alg, &e);
}
