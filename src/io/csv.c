#include "io/csv.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The reader's state for one wg_csv_parse call. Field contents go into one
 * growable scratch buffer and are remembered by offset, because growing it
 * may move it; the slices handed to the callback are made once the record
 * is complete. */
struct reader {
	const unsigned char *text;
	size_t len;
	size_t pos;
	unsigned line; /* physical line of text[pos] */
	char *scratch;
	size_t cap;
	size_t used;
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, unsigned line, const char *reason)
{
	if (r->err && r->errlen)
		snprintf(r->err, r->errlen, "line %u: %s", line, reason);
	return WG_EBADREQ;
}

/* Room for n more scratch bytes; WG_ENOMEM when it cannot grow. */
static int reserve(struct reader *r, size_t n)
{
	if (r->cap - r->used >= n)
		return 0;
	if (n > SIZE_MAX / 2 - r->used)
		return WG_ENOMEM;
	size_t cap = r->cap ? r->cap : 256;
	while (cap - r->used < n)
		cap *= 2;
	char *bigger = wg_realloc(r->scratch, cap);
	if (!bigger)
		return WG_ENOMEM;
	r->scratch = bigger;
	r->cap = cap;
	return 0;
}

static int append(struct reader *r, const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0; /* the scratch buffer may not exist yet */
	int rc = reserve(r, n);
	if (rc == 0) {
		memcpy(r->scratch + r->used, s, n);
		r->used += n;
	}
	return rc;
}

/* True when text[pos] ends a line: LF, CRLF, or a CR that is the last byte
 * (a file cut after the CR of its final CRLF). Stores the ending's length. */
static bool line_end_at(const struct reader *r, size_t pos, size_t *n)
{
	if (pos >= r->len)
		return false;
	if (r->text[pos] == '\n') {
		*n = 1;
		return true;
	}
	if (r->text[pos] == '\r' && (pos + 1 == r->len || r->text[pos + 1] == '\n')) {
		*n = pos + 1 == r->len ? 1 : 2;
		return true;
	}
	return false;
}

/* Steps over the UTF-8 sequence at pos, which starts with a byte >= 0x80;
 * returns its length or 0 if it is ill-formed. */
static size_t sequence_at(const struct reader *r, size_t pos)
{
	return wg_utf8_sequence(r->text + pos, r->len - pos);
}

/* An unquoted field runs to the next comma, line end or the end of text. */
static int unquoted_field(struct reader *r)
{
	size_t start = r->pos, i = r->pos, n;
	while (i < r->len) {
		unsigned char c = r->text[i];
		if (c == ',' || line_end_at(r, i, &n))
			break;
		if (c == '"')
			return fail(r, r->line, "quote inside an unquoted field");
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = sequence_at(r, i);
		if (k == 0)
			return fail(r, r->line, "invalid UTF-8");
		i += k;
	}
	r->pos = i;
	return append(r, r->text + start, i - start);
}

/* A quoted field: "" stands for ", and commas and line breaks are data.
 * The closing quote must be followed by a comma, a line end or the end. */
static int quoted_field(struct reader *r)
{
	unsigned opened = r->line;
	size_t i = ++r->pos, start = i, n;
	for (;;) {
		if (i >= r->len)
			return fail(r, opened, "unterminated quoted field");
		unsigned char c = r->text[i];
		if (c == '"') {
			int rc = append(r, r->text + start, i - start + 1);
			if (rc)
				return rc;
			if (i + 1 < r->len && r->text[i + 1] == '"') {
				/* The first quote of the pair was kept; skip the second. */
				i += 2;
				start = i;
				continue;
			}
			r->used--; /* the closing quote is not data */
			i++;
			break;
		}
		if (c == '\n')
			r->line++;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = sequence_at(r, i);
		if (k == 0)
			return fail(r, r->line, "invalid UTF-8");
		i += k;
	}
	r->pos = i;
	if (i < r->len && r->text[i] != ',' && !line_end_at(r, i, &n))
		return fail(r, r->line, "text after a closing quote");
	return 0;
}

/* Parses the record at r->pos (not a blank line) into the scratch buffer
 * and offsets, and steps past its line end. */
static int record(struct reader *r, size_t *off, size_t *len, size_t *nfields)
{
	r->used = 0;
	*nfields = 0;
	for (;;) {
		if (*nfields == WG_CSV_MAX_FIELDS) {
			char reason[64];
			snprintf(reason, sizeof reason, "more than %d fields", WG_CSV_MAX_FIELDS);
			return fail(r, r->line, reason);
		}
		size_t begin = r->used;
		int rc = r->pos < r->len && r->text[r->pos] == '"' ? quoted_field(r) : unquoted_field(r);
		if (rc == 0)
			rc = reserve(r, 1);
		if (rc)
			return rc;
		off[*nfields] = begin;
		len[*nfields] = r->used - begin;
		r->scratch[r->used++] = '\0';
		++*nfields;
		if (r->pos < r->len && r->text[r->pos] == ',') {
			r->pos++;
			continue;
		}
		size_t n;
		if (line_end_at(r, r->pos, &n)) {
			r->pos += n;
			r->line++;
		}
		return 0;
	}
}

int wg_csv_parse(const char *text, size_t len, wg_csv_record_fn fn, void *ctx, char *err, size_t errlen)
{
	struct reader r = {
		.text = (const unsigned char *)text,
		.len = len,
		.line = 1,
		.err = err,
		.errlen = errlen,
	};
	if (err && errlen)
		err[0] = '\0';
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r.pos = 3;
	size_t off[WG_CSV_MAX_FIELDS], flen[WG_CSV_MAX_FIELDS], nfields;
	wg_csv_field fields[WG_CSV_MAX_FIELDS];
	int rc = 0;
	while (rc == 0 && r.pos < r.len) {
		size_t n;
		if (line_end_at(&r, r.pos, &n)) {
			r.pos += n;
			r.line++;
			continue;
		}
		unsigned line = r.line;
		rc = record(&r, off, flen, &nfields);
		if (rc)
			break;
		for (size_t i = 0; i < nfields; i++) {
			fields[i].s = r.scratch + off[i];
			fields[i].n = flen[i];
		}
		rc = fn(ctx, line, fields, nfields);
	}
	wg_free(r.scratch);
	return rc;
}
