/* csv.h - an RFC 4180 CSV reader for imports (region codes, residents).
 *
 * Fields may be quoted ("a ""b"", c"), quoted fields may hold commas and
 * line breaks, lines end in LF or CRLF, a UTF-8 BOM at the start is skipped.
 * The reader works on a whole buffer and calls back once per record; field
 * slices point into a scratch buffer owned by the reader, valid during the
 * callback only. */
#ifndef WG_IO_CSV_H
#define WG_IO_CSV_H

#include <stddef.h>

#define WG_CSV_MAX_FIELDS 64

typedef struct wg_csv_field {
	const char *s; /* NUL-terminated copy, unquoted */
	size_t n;
} wg_csv_field;

/* Called per record with its 1-based line number (of the record's start).
 * Return 0 to go on, non-zero to stop (that value is returned by wg_csv_parse). */
typedef int (*wg_csv_record_fn)(void *ctx, unsigned line, const wg_csv_field *fields, size_t nfields);

/* Parse text. Returns 0, the callback's non-zero value, WG_EBADREQ for
 * malformed input (unterminated quote, text after a closing quote, a quote
 * inside an unquoted field, more than WG_CSV_MAX_FIELDS fields, invalid
 * UTF-8) with "line N: reason" in err, or WG_ENOMEM. N is the line where the
 * fault is, except for an unterminated quote: the line it opened on. Blank
 * lines (empty, LF or CRLF alone) are skipped; a CR is data unless LF or
 * the end of the text follows it. err may be NULL; it is "" after success. */
int wg_csv_parse(const char *text, size_t len, wg_csv_record_fn fn, void *ctx, char *err, size_t errlen);

#endif
