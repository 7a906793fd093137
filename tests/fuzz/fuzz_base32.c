/* fuzz_base32.c - base32 decoding of arbitrary text, and encoding of
 * arbitrary bytes.
 *
 * Whatever decodes must encode back to the input as written canonically
 * (upper case, no spaces, no '=' padding): wg_base32_decode refuses every
 * other spelling, so each byte string has exactly one. Whatever is encoded
 * must decode to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The input as a C string (it ends at the first NUL), in a block of
	 * exactly its size so that reading past it is caught. */
	char *text = malloc(size + 1);
	unsigned char *bytes = malloc(size ? size : 1);
	char *canon = malloc(size + 1);
	char *enc = malloc(WG_BASE32_ENCODED_SIZE(size));
	unsigned char *back = malloc(size ? size : 1);
	if (!text || !bytes || !canon || !enc || !back)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	size_t k = 0;
	for (const char *p = text; *p; p++)
		if (*p != ' ' && *p != '=')
			canon[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	canon[k] = '\0';

	/* Five bytes per eight characters: size bytes are always room enough. */
	size_t n = 1;
	int rc = wg_base32_decode(text, bytes, size, &n);
	if (rc == 0) {
		if (n > size || wg_base32_encode(bytes, n, enc, WG_BASE32_ENCODED_SIZE(n)) != k ||
		    strcmp(enc, canon) != 0)
			abort();
	} else if (rc != WG_EBADREQ || n != 0) {
		abort();
	}

	size_t len = wg_base32_encode(data, size, enc, WG_BASE32_ENCODED_SIZE(size));
	if ((size > 0 && len != (size * 8 + 4) / 5) || strlen(enc) != len)
		abort();
	if (wg_base32_decode(enc, back, size, &n) != 0 || n != size ||
	    (size && memcmp(back, data, size) != 0))
		abort();

	free(text);
	free(bytes);
	free(canon);
	free(enc);
	free(back);
	return 0;
}
