/* pdf_report.h - a periodic report (domain/report.h) as an A4 PDF to
 * print: the title, the overall figures, a bar chart of the trend, the
 * top categories and the rates of the child regions. Written with
 * libharu; Chinese text needs a TrueType font with CJK glyphs (the
 * setting reports.font; libharu reads TrueType outlines only, so an
 * OpenType/CFF font such as Noto Sans CJK is refused), embedded in the
 * file so that it prints the same everywhere. */
#ifndef WG_IO_PDF_REPORT_H
#define WG_IO_PDF_REPORT_H

#include "domain/report.h"

#include <stddef.h>

/* Write r as a PDF to the file path (created or replaced) with the font
 * file font (a .ttf, or a .ttc collection and font_index in it). Returns
 * 0; WG_ECONFIG when the font cannot be used, WG_EIO when the file cannot
 * be written, WG_ENOMEM when libharu runs out of memory, each with the
 * reason in err (len bytes). Nothing stays allocated on any path. */
int wg_pdf_report_write(const wg_report *r, const char *font, int font_index, const char *path, char *err,
                        size_t len);

/* Whether font (and font_index) can be loaded as above, for a check at
 * start; the reason in err when not. Returns 0 or WG_ECONFIG. */
int wg_pdf_report_font_check(const char *font, int font_index, char *err, size_t len);

#endif
