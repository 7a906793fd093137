/* fuzz_csv.c - the CSV reader on arbitrary text.
 *
 * Besides surviving the sanitizers, every record must be well-formed
 * (NUL-terminated fields of valid UTF-8, at most WG_CSV_MAX_FIELDS, line
 * numbers rising), errors must name a line, and what parsed must parse the
 * same again after being written back out with every field quoted. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records flattened as (field count, then per field length and bytes), and
 * the same records written back as CSV. */
struct collect {
	uint8_t *flat;
	size_t flat_len, flat_cap;
	uint8_t *csv;
	size_t csv_len, csv_cap;
	unsigned last_line;
	size_t records;
};

static void put(uint8_t **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 64;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

static int on_record(void *ctx, unsigned line, const wg_csv_field *fields, size_t nfields)
{
	struct collect *c = ctx;
	if (nfields == 0 || nfields > WG_CSV_MAX_FIELDS || line <= c->last_line)
		abort();
	c->last_line = line;
	c->records++;
	put(&c->flat, &c->flat_len, &c->flat_cap, &nfields, sizeof nfields);
	for (size_t i = 0; i < nfields; i++) {
		const wg_csv_field *f = &fields[i];
		if (f->s[f->n] != '\0' || !wg_utf8_valid(f->s, f->n))
			abort();
		put(&c->flat, &c->flat_len, &c->flat_cap, &f->n, sizeof f->n);
		put(&c->flat, &c->flat_len, &c->flat_cap, f->s, f->n);
		uint8_t **csv = &c->csv;
		if (i)
			put(csv, &c->csv_len, &c->csv_cap, ",", 1);
		put(csv, &c->csv_len, &c->csv_cap, "\"", 1);
		for (size_t k = 0; k < f->n; k++)
			put(csv, &c->csv_len, &c->csv_cap, f->s[k] == '"' ? "\"\"" : &f->s[k],
			    f->s[k] == '"' ? 2 : 1);
		put(csv, &c->csv_len, &c->csv_cap, "\"", 1);
	}
	put(&c->csv, &c->csv_len, &c->csv_cap, "\r\n", 2);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	struct collect first = {0};
	char err[128];
	int rc = wg_csv_parse(text, size, on_record, &first, err, sizeof err);
	if (rc == WG_EBADREQ) {
		if (strncmp(err, "line ", 5) != 0)
			abort();
	} else if (rc != 0) {
		abort();
	} else {
		if (first.last_line > 1 + (unsigned)size)
			abort();
		struct collect again = {0};
		if (wg_csv_parse((const char *)first.csv, first.csv_len, on_record, &again, err,
		                 sizeof err) != 0)
			abort();
		if (again.records != first.records || again.flat_len != first.flat_len ||
		    (first.flat_len && memcmp(again.flat, first.flat, first.flat_len) != 0))
			abort();
		free(again.flat);
		free(again.csv);
	}
	free(first.flat);
	free(first.csv);
	free(text);
	return 0;
}
