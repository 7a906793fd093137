/* GET /api/v1/calendar?from=&to=: the holiday calendar, one item per day,
 * as the working-day clocks count it. The holidays are the files
 * data/holidays/YYYY.json loaded at start with the edits of
 * domain/holiday.h over them, so this reads no store: the answer is
 * computed on the loop thread from the loaded calendar.
 * GET and PUT /calendar/{year}: a year's document, and its edit. */
#include "api/api.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "domain/holiday.h"
#include "http/server.h"
#include "http/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A period is at most a leap year, what a year's page asks for at once. */
#define CALENDAR_DAYS_MAX 366

/* "YYYY-MM-DD", exactly ten characters, a real date. */
static bool parse_date(const char *s, int64_t *day)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	return wg_calendar_day_number(y, m, d, day);
}

/* The period from ?from=&to=, by default the current local month; false
 * with the field errors recorded. */
static bool period(wg_req *req, const wg_calendar *cal, int64_t *from, int64_t *to)
{
	const char *f = wg_req_query(req, "from"), *t = wg_req_query(req, "to");
	unsigned errors = req->errors.n;
	if (f && !parse_date(f, from))
		wg_req_field_error(req, "from", "format", "from must be a date YYYY-MM-DD");
	if (t && !parse_date(t, to))
		wg_req_field_error(req, "to", "format", "to must be a date YYYY-MM-DD");
	if (req->errors.n != errors)
		return false;
	if (!f || !t) {
		int64_t anchor = f   ? *from
		                 : t ? *to
		                     : wg_calendar_local_day(wg_clock_now_ms(),
		                                             (int)wg_req_config(req)->time_offset_minutes);
		wg_calendar_day day;
		wg_calendar_describe(cal, anchor, &day);
		int64_t first = anchor - (day.day - 1), last = first;
		/* The month's last day: the day before the 1st of the next month,
		 * which December 9999 does not have. */
		for (int d = 31; d >= 28; d--)
			if (wg_calendar_day_number(day.year, day.month, d, &last))
				break;
		if (!f)
			*from = first;
		if (!t)
			*to = last;
	}
	if (*to < *from)
		wg_req_field_error(req, "to", "range", "to must not be before from");
	else if (*to - *from + 1 > CALENDAR_DAYS_MAX)
		wg_req_field_error(req, "to", "range", "a period is at most 366 days");
	return req->errors.n == errors;
}

static void write_day(wg_json_out *w, const wg_calendar_day *d)
{
	char date[16], note[WG_CALENDAR_NAME_MAX * 4 + 32];
	snprintf(date, sizeof date, "%04d-%02d-%02d", d->year, d->month, d->day);
	const char *kind = d->holiday                      ? "holiday"
	                   : d->working && d->weekday >= 6 ? "swapped_workday"
	                   : d->working                    ? "workday"
	                                                   : "weekend";
	wg_json_object_begin(w);
	wg_json_kv_string(w, "date", date);
	wg_json_kv_int(w, "weekday", d->weekday);
	wg_json_kv_bool(w, "working", d->working);
	wg_json_kv_string(w, "kind", kind);
	if (d->holiday) {
		wg_json_kv_string(w, "note", d->holiday);
	} else if (d->working && d->weekday >= 6) {
		snprintf(note, sizeof note, "%s调休上班", d->swapped_for ? d->swapped_for : "");
		wg_json_kv_string(w, "note", note);
	} else {
		wg_json_kv_null(w, "note");
	}
	wg_json_kv_string(w, "holiday", d->holiday);
	wg_json_kv_bool(w, "known", d->known);
	wg_json_object_end(w);
}

void wg_api_calendar_list(wg_req *req)
{
	const wg_calendar *cal = wg_req_calendar(req);
	int64_t from = 0, to = 0;
	if (!period(req, cal, &from, &to) && wg_req_errors_or_reply(req))
		return;
	wg_calendar_day first, last;
	wg_calendar_describe(cal, from, &first);
	wg_calendar_describe(cal, to, &last);
	char text[2][16];
	snprintf(text[0], sizeof text[0], "%04d-%02d-%02d", first.year, first.month, first.day);
	snprintf(text[1], sizeof text[1], "%04d-%02d-%02d", last.year, last.month, last.day);

	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_string(w, "from", text[0]);
	wg_json_kv_string(w, "to", text[1]);
	wg_json_key(w, "items");
	wg_json_array_begin(w);
	for (int64_t z = from; z <= to; z++) {
		wg_calendar_day d;
		wg_calendar_describe(cal, z, &d);
		write_day(w, &d);
	}
	wg_json_array_end(w);
	wg_json_object_end(w);
	wg_req_reply(req, 200);
}

/* ---- GET and PUT /calendar/{year}: editing the holidays --------------------- */

struct year_op {
	wg_req *req;
	int year;
	const char *text; /* PUT: the document */
	wg_holiday_doc doc;
};

/* The year of the path, 2000..2099; false after replying 404. */
static bool year_or_reply(wg_req *req, int *year)
{
	const char *s = req->nparams ? req->params[0] : "";
	char *end;
	long y = strtol(s, &end, 10);
	if (strlen(s) != 4 || *end || y < WG_CALENDAR_YEAR_MIN || y > WG_CALENDAR_YEAR_MAX) {
		wg_req_problem(req, WG_ENOTFOUND, NULL);
		return false;
	}
	*year = (int)y;
	return true;
}

static void write_year(wg_req *req, const wg_holiday_doc *doc)
{
	wg_json_out *w = wg_req_json(req);
	wg_json_object_begin(w);
	wg_json_kv_int(w, "year", doc->year);
	wg_json_kv_string(w, "source", doc->source);
	wg__api_kv_time(req, "updated_at", doc->updated_at);
	if (doc->updated_by)
		wg_json_kv_int(w, "updated_by", doc->updated_by);
	else
		wg_json_kv_null(w, "updated_by");
	/* The document as stored: validated JSON (a file loaded at start, or an edit). */
	wg_json_key(w, "document");
	wg_json_raw(w, doc->text);
	wg_json_object_end(w);
}

static int year_read(wg_db *db, void *arg)
{
	struct year_op *op = arg;
	wg_req *req = op->req;
	int rc = wg_holiday_get(db, wg_req_config(req)->data_dir, op->year, &req->arena, &op->doc);
	if (!rc)
		write_year(req, &op->doc);
	return rc;
}

static void year_reply(wg_req *req, int status)
{
	if (!wg_req_status_or_reply(req, status))
		wg_req_reply(req, 200);
}

void wg_api_calendar_year_get(wg_req *req)
{
	struct year_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op || !year_or_reply(req, &op->year))
		return;
	op->req = req;
	wg_req_read(req, year_read, op, year_reply);
}

static int year_write(wg_db *db, void *arg)
{
	struct year_op *op = arg;
	wg_req *req = op->req;
	int64_t now = wg_clock_now_ms();
	int rc =
		wg_holiday_put(db, wg_req_calendar(req), req->caller, wg_req_config(req)->security_audit_hash,
	                       op->year, op->text, now, &req->errors);
	op->doc = (wg_holiday_doc){op->year, "edited", op->text, now, req->caller->user_id};
	if (!rc)
		write_year(req, &op->doc);
	return rc;
}

/* Committed: the clocks count on the new year from now on. */
static void year_written(wg_req *req, int status)
{
	struct year_op *op = req->user;
	char err[512];
	if (!status && wg_calendar_replace_year(wg_req_calendar_edit(req), op->text, strlen(op->text),
	                                        "calendar", err, sizeof err) != 0) {
		/* Checked in the transaction against the same rules: only memory fails here. */
		wg_log(WG_LOG_ERROR, "calendar %d stored but not applied until restart: %s", op->year, err);
		status = WG_ENOMEM;
	}
	year_reply(req, status);
}

void wg_api_calendar_year_put(wg_req *req)
{
	struct year_op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op || !year_or_reply(req, &op->year))
		return;
	op->req = req;
	char *text = json_dumps(req->body, JSON_COMPACT);
	op->text = text ? wg_arena_strdup(&req->arena, text) : NULL;
	free(text);
	if (!op->text) {
		wg_req_problem(req, WG_ENOMEM, NULL);
		return;
	}
	wg_req_write(req, year_write, op, year_written);
}
