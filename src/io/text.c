#include "io/text.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* GBK text read as UTF-8 breaks within a few characters: in a test over
 * random common hanzi, never after more than 7 well-formed multi-byte
 * sequences, each one about five times rarer than the one before. A text
 * whose first 16 non-ASCII characters are UTF-8 is UTF-8 that has been
 * damaged, and decoding it as GB18030 would import mojibake without a word
 * (UTF-8 bytes often pair up into valid GB18030 characters). */
enum { UTF8_EVIDENCE = 16 };

static void set_err(char *err, size_t errlen, const char *msg, size_t line)
{
	if (err && errlen)
		snprintf(err, errlen, "line %zu: %s", line, msg);
}

/* 1-based line of byte off: LF never occurs inside a UTF-8 or GB18030
 * multi-byte character (their trail bytes are 0x30 or above), so counting
 * LF bytes is right for both. */
static size_t line_at(const char *in, size_t off)
{
	size_t line = 1;
	for (const char *p = in, *end = in + off; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		line++;
	return line;
}

/* Length of the longest prefix of s that is well-formed UTF-8; *multi gets
 * the number of multi-byte characters in it. */
static size_t utf8_prefix(const unsigned char *s, size_t n, size_t *multi)
{
	size_t i = 0;
	*multi = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = wg_utf8_sequence(s + i, n - i);
		if (k == 0)
			return i;
		i += k;
		++*multi;
	}
	return n;
}

static int copy_out(const char *s, size_t n, char **out, size_t *outlen)
{
	char *buf = wg_malloc(n + 1);
	if (!buf)
		return WG_ENOMEM;
	if (n)
		memcpy(buf, s, n);
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

/* Decode as GB18030. Returns 0 with the output, WG_EVALIDATION with *bad the
 * offset of the first byte that is no GB18030 character (or starts one cut
 * short by the end), WG_ENOMEM or WG_EINTERNAL. */
static int decode_gb18030(const char *in, size_t len, char **out, size_t *outlen, size_t *bad, char *err,
                          size_t errlen)
{
	/* A GB18030 character of 1, 2 or 4 bytes becomes at most 1, 4 or 4
	 * UTF-8 bytes: six two-byte codes (FE51, FE52, FE53, FE6C, FE76, FE91)
	 * stand for characters beyond the BMP. So the output never exceeds
	 * twice the input. */
	if (len > (SIZE_MAX - 1) / 2)
		return WG_ENOMEM;
	size_t cap = 2 * len + 1;
	char *buf = wg_malloc(cap);
	if (!buf)
		return WG_ENOMEM;
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		int e = errno;
		wg_free(buf);
		if (e == ENOMEM)
			return WG_ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "the C library cannot decode GB18030: %s", strerror(e));
		return WG_EINTERNAL;
	}
	/* iconv's prototype takes char ** but never writes through the input. */
	char *ip = (char *)(uintptr_t)in;
	size_t il = len;
	char *op = buf;
	size_t ol = cap - 1;
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	int e = errno;
	iconv_close(cd);
	if (r == (size_t)-1) {
		wg_free(buf);
		if (e == EILSEQ || e == EINVAL) {
			*bad = (size_t)(ip - in);
			return WG_EVALIDATION;
		}
		if (err && errlen)
			snprintf(err, errlen, "decoding GB18030 failed: %s", strerror(e));
		return WG_EINTERNAL;
	}
	*op = '\0';
	*out = buf;
	*outlen = (size_t)(op - buf);
	return 0;
}

int wg_text_to_utf8(const char *in, size_t len, char **out, size_t *outlen, const char **encoding, char *err,
                    size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	*encoding = NULL;
	if (err && errlen)
		err[0] = '\0';
	static const char bom[] = "\xEF\xBB\xBF";
	if (len >= 3 && memcmp(in, bom, 3) == 0) {
		if (!wg_utf8_valid(in + 3, len - 3)) {
			size_t multi;
			size_t at = 3 + utf8_prefix((const unsigned char *)in + 3, len - 3, &multi);
			set_err(err, errlen,
			        "bytes are not UTF-8 although the file starts with a UTF-8 byte order mark",
			        line_at(in, at));
			return WG_EVALIDATION;
		}
		int rc = copy_out(in + 3, len - 3, out, outlen);
		*encoding = rc == 0 ? "utf-8" : NULL;
		return rc;
	}
	if (len == 0 || wg_utf8_valid(in, len)) {
		int rc = copy_out(len ? in : "", len, out, outlen);
		*encoding = rc == 0 ? "utf-8" : NULL;
		return rc;
	}
	size_t multi;
	size_t utf8_bad = utf8_prefix((const unsigned char *)in, len, &multi);
	if (multi >= UTF8_EVIDENCE) {
		set_err(err, errlen, "bytes are not UTF-8, though the text before them is",
		        line_at(in, utf8_bad));
		return WG_EVALIDATION;
	}
	size_t gb_bad = 0;
	int rc = decode_gb18030(in, len, out, outlen, &gb_bad, err, errlen);
	if (rc == 0) {
		*encoding = "gb18030";
		return 0;
	}
	if (rc != WG_EVALIDATION)
		return rc;
	/* The encoding that decodes further is the likelier one, and the line
	 * where it stops is the one to show the user. */
	set_err(err, errlen, "bytes are neither UTF-8 nor GBK",
	        line_at(in, utf8_bad > gb_bad ? utf8_bad : gb_bad));
	return WG_EVALIDATION;
}
