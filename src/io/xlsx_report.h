/* xlsx_report.h - a periodic report (domain/report.h) as an Excel
 * workbook: sheets 概览 (totals, by state, kind and source), 分类 (by
 * category), 趋势 (reported and closed per day or week, with a line chart)
 * and 考核 (the rates of the child regions, percent-formatted). Written
 * with libxlsxwriter, which writes to a file of its own. */
#ifndef WG_IO_XLSX_REPORT_H
#define WG_IO_XLSX_REPORT_H

#include "domain/report.h"

#include <stddef.h>

/* Write r as a workbook to the file path (created or replaced). Returns 0,
 * or WG_EIO with libxlsxwriter's reason in err (len bytes) when the
 * workbook cannot be created or written; the library's out-of-memory
 * failures also come back as WG_EIO. Allocates nothing of its own. */
int wg_xlsx_report_write(const wg_report *r, const char *path, char *err, size_t len);

#endif
