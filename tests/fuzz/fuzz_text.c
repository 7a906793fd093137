/* fuzz_text.c - the import text decoder on arbitrary bytes.
 *
 * Besides surviving the sanitizers: success gives NUL-terminated, valid
 * UTF-8; "utf-8" means the input itself (less a byte order mark); "gb18030"
 * means input that is not UTF-8 and whose output, encoded back with iconv
 * and decoded again, is the same; a failure names a line that exists. */
#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"
#include "io/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* out encoded as GB18030 decodes to out again. Not "equals in": glibc's
 * GB18030 table maps some four-byte sequences to characters that also have
 * a two-byte code (9D34 FC36 is one), and encodes those back the short way. */
static bool round_trips(const char *out, size_t outlen)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	if (cd == (iconv_t)-1)
		abort();
	size_t cap = outlen * 2 + 4;
	char *back = malloc(cap);
	if (!back)
		abort();
	char *ip = (char *)(uintptr_t)out, *op = back;
	size_t il = outlen, ol = cap;
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	iconv_close(cd);
	char *again = NULL;
	size_t againlen = 0;
	const char *enc;
	char err[128];
	bool same =
		r != (size_t)-1 &&
		wg_text_to_utf8(back, (size_t)(op - back), &again, &againlen, &enc, err, sizeof err) == 0 &&
		againlen == outlen && memcmp(again, out, outlen) == 0;
	wg_free(again);
	free(back);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	char *in = malloc(size ? size : 1);
	if (!in)
		return 0;
	if (size)
		memcpy(in, data, size);
	char *out;
	size_t outlen;
	const char *enc;
	char err[128];
	int rc = wg_text_to_utf8(in, size, &out, &outlen, &enc, err, sizeof err);
	bool bom = size >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0;
	if (rc == 0) {
		if (out[outlen] != '\0' || !wg_utf8_valid(out, outlen) || err[0])
			abort();
		if (strcmp(enc, "utf-8") == 0) {
			size_t skip = bom ? 3 : 0;
			if (outlen != size - skip || memcmp(out, in + skip, outlen) != 0)
				abort();
		} else if (strcmp(enc, "gb18030") == 0) {
			if (bom || wg_utf8_valid(in, size) || !round_trips(out, outlen))
				abort();
		} else {
			abort();
		}
		wg_free(out);
	} else {
		if (rc != WG_EVALIDATION || out || enc || strncmp(err, "line ", 5) != 0)
			abort();
		unsigned long line = strtoul(err + 5, NULL, 10);
		unsigned long lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += in[i] == '\n';
		if (line < 1 || line > lines)
			abort();
	}
	free(in);
	return 0;
}
