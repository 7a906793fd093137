/* holiday.h - the holiday calendar as edited in wangge: a year's document
 * (the format of data/holidays/YYYY.json, core/calendar.h) kept in the
 * calendar_years table takes the place of the year's file. The edits are
 * applied over the files at start (wg_holiday_apply_edits) and, once an
 * edit is committed, on the node that made it (wg_calendar_replace_year);
 * other nodes of a PostgreSQL deployment see it on their next start.
 * Clocks started before an edit keep the deadline they were given. */
#ifndef WG_DOMAIN_HOLIDAY_H
#define WG_DOMAIN_HOLIDAY_H

#include "core/arena.h"
#include "core/fielderr.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdint.h>

struct wg_calendar;

#define WG_HOLIDAY_DOC_MAX 65536 /* bytes of one year's document: the real ones are ~2 KB */

/* Replace, in cal, every year edited in the store. Returns 0, or the
 * error of the first year that does not load (its reason in err: a store
 * edited by a version with other rules), a store error. */
int wg_holiday_apply_edits(wg_db *db, struct wg_calendar *cal, char *err, size_t errlen);

/* One year's document: the edit in the store, else the file
 * data_dir/holidays/YYYY.json. */
typedef struct wg_holiday_doc {
	int year;
	const char *source; /* "edited" or "file" */
	const char *text;   /* the JSON document (arena) */
	int64_t updated_at; /* edited: UTC ms */
	int64_t updated_by; /* edited: the account, 0 when unknown */
} wg_holiday_doc;

/* Year's document into *out (text in arena). Returns 0, WG_ENOTFOUND
 * (neither an edit nor a file), WG_EIO (an unreadable file), WG_ENOMEM,
 * a store error. */
int wg_holiday_get(wg_db *db, const char *data_dir, int year, wg_arena *arena, wg_holiday_doc *out);

/* Check text as the year's document against the rules of core/calendar.h
 * (cal gives the office hours; the year may be held already) and keep it
 * in the store in place of the year's file, with an audit row
 * ("calendar.update"), in the caller's write transaction. The document's
 * "year" must be year. Field errors name the JSON path of the document
 * ("holidays[2].to", "year"). Returns 0, WG_EVALIDATION, a store error. */
int wg_holiday_put(wg_db *db, const struct wg_calendar *cal, const wg_caller *caller, const char *audit_alg,
                   int year, const char *text, int64_t now, wg_field_errors *fe);

#endif
