/* /api/v1/reports/{period}.xlsx and .pdf: the periodic reports of an area
 * (domain/report.h) as a workbook or a printable PDF, within the caller's
 * scope as the statistics are. The figures are read, the file is written
 * on the worker pool into the system's temporary folder (the writers only
 * write files) and unlinked once open, the export is audited, and the open
 * file is the body. */
#include "api/api.h"

#include "core/calendar.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "domain/audit.h"
#include "domain/report.h"
#include "http/server.h"
#include "http/validate.h"
#include "io/pdf_report.h"
#include "io/xlsx_report.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct op {
	wg_req *req;
	wg_stats_query q;
	enum wg_report_period period;
	bool pdf;
	int y, m, d;
	wg_report report;
	const char *font, *audit_alg;
	int font_index;
	int fd;
	size_t size;
	char err[512];
};

/* The period and format of "{period}.{xlsx|pdf}"; false for any other
 * name (there is no such report). */
static bool parse_name(const char *name, struct op *op)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return false;
	if (strcmp(dot, ".pdf") == 0)
		op->pdf = true;
	else if (strcmp(dot, ".xlsx") != 0)
		return false;
	int p = wg_report_period_parse(name, (size_t)(dot - name));
	if (p < 0)
		return false;
	op->period = (enum wg_report_period)p;
	return true;
}

static int build_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	return wg_report_build(db, &op->q, op->period, op->y, op->m, op->d, &op->report, &op->req->errors);
}

/* A new empty file under the system's temporary folder; its name in
 * path. Returns 0 or WG_EIO (reason in err). */
static int temp_file(char *path, size_t len, const char *suffix, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int n = snprintf(path, len, "%s/wangge-report-XXXXXX%s", dir, suffix);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "the temporary folder's name is too long");
		return WG_EIO;
	}
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file in %s", dir);
		return WG_EIO;
	}
	close(fd);
	return 0;
}

/* Write the file, open it and unlink it, so that only the open
 * descriptor (op->fd) keeps it until the reply has sent it. */
static int render_run(void *arg)
{
	struct op *op = arg;
	char path[4096];
	int rc = temp_file(path, sizeof path, op->pdf ? ".pdf" : ".xlsx", op->err, sizeof op->err);
	if (rc)
		return rc;
	rc = op->pdf ? wg_pdf_report_write(&op->report, op->font, op->font_index, path, op->err,
	                                   sizeof op->err)
	             : wg_xlsx_report_write(&op->report, path, op->err, sizeof op->err);
	if (!rc) {
		op->fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (op->fd < 0 || fstat(op->fd, &st) != 0) {
			snprintf(op->err, sizeof op->err, "cannot read back the report just written");
			rc = WG_EIO;
		} else {
			op->size = (size_t)st.st_size;
		}
	}
	unlink(path);
	if (rc && op->fd >= 0) {
		close(op->fd);
		op->fd = -1;
	}
	return rc;
}

static int audit_run(wg_db *db, void *arg)
{
	struct op *op = arg;
	const wg_report *r = &op->report;
	char object[32], detail[256];
	snprintf(object, sizeof object, "%s.%s", wg_report_period_names[op->period],
	         op->pdf ? "pdf" : "xlsx");
	snprintf(detail, sizeof detail,
	         "{\"period\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"region\":\"%s\",\"format\":\"%s\"}",
	         wg_report_period_names[op->period], r->from, r->to, r->area ? r->area : "",
	         op->pdf ? "pdf" : "xlsx");
	wg_audit_entry e = {
		.actor = op->req->caller,
		.action = "report.export",
		.object_type = "report",
		.object_id = object,
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	return wg_audit_append(db, op->audit_alg, &e);
}

static void audit_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (status) {
		close(op->fd);
		wg_req_status_or_reply(req, status);
		return;
	}
	const wg_report *r = &op->report;
	char disposition[160];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"wangge-%s-%s-%s.%s\"",
	         wg_report_period_names[op->period], r->from, r->area ? r->area : "all",
	         op->pdf ? "pdf" : "xlsx");
	wg_req_header(req, "Content-Disposition", disposition);
	wg_req_reply_file(req, 200, op->fd, op->size, op->pdf ? "application/pdf" : XLSX_TYPE, "no-store");
}

static void render_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (status) {
		wg_log(WG_LOG_ERROR, "report %s: %s", req->path, op->err);
		wg_req_problem(req, status, status == WG_ENOMEM ? NULL : op->err);
		return;
	}
	/* A write although only the trail changes: the row must be durable
	 * before the figures leave. */
	wg_req_write(req, audit_run, op, audit_then);
}

static void build_then(wg_req *req, int status)
{
	struct op *op = req->user;
	if (wg_req_status_or_reply(req, status))
		return;
	wg_req_compute(req, render_run, op, render_then);
}

void wg_api_reports_get(wg_req *req)
{
	struct op *op = wg_req_state_or_reply(req, sizeof *op);
	if (!op)
		return;
	op->req = req;
	op->fd = -1;
	if (req->nparams < 1 || !parse_name(req->params[0], op)) {
		wg_req_problem(req, WG_ENOTFOUND,
		               "no such report: reports are week, month, quarter or half, as .xlsx or .pdf");
		return;
	}
	const wg_config *cfg = wg_req_config(req);
	op->font = cfg->reports_font;
	op->font_index = (int)cfg->reports_font_index;
	op->audit_alg = cfg->security_audit_hash;
	op->q.caller = req->caller;
	op->q.area = wg_query_string(req, "region", WG_SCOPE_KEY_MAX);
	op->q.offset_minutes = (int)cfg->time_offset_minutes;
	op->q.arena = &req->arena;
	const char *date = wg_req_query(req, "date");
	if (date) {
		if (!wg_report_parse_date(date, &op->y, &op->m, &op->d))
			wg_req_field_error(req, "date", "format", "date must be a date YYYY-MM-DD");
	} else {
		wg_report_date_of_day(wg_calendar_local_day(wg_clock_now_ms(), op->q.offset_minutes), &op->y,
		                      &op->m, &op->d);
	}
	if (!wg_req_errors_or_reply(req))
		wg_req_read(req, build_run, op, build_then);
}
