/* fuzz_cookie_auth.c - where the session token comes from
 * (wg_auth_token, http/auth.h): the Authorization and Cookie header values
 * of a request, as libevent hands them over, against a reference written
 * here from the header's contract, and the token's stored hash.
 *
 * Input: byte 0's bit 0 says an Authorization header is present, bit 1 a
 * Cookie header, and bits 2..7 the size of the token buffer (0: the 128
 * bytes auth.c uses; else that many, to find the boundary); the rest is
 * the Authorization value, a '\n', and the Cookie value (missing parts are
 * empty).
 *
 * Checked: the same answer, token and source as the reference; the buffer
 * is written only within its size and only on success; a cookie token holds
 * no ';'; the token's hash is 64 lower-case hex digits. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "domain/session.h"
#include "http/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char name[] = "wg_session=";

/* The reference. Bearer: the rest after "Bearer " and spaces. Cookie:
 * pieces split on ';', leading spaces dropped, empty ones skipped; the
 * first that starts with "wg_session=" decides. tok and n: the token's
 * bytes in the input. */
static bool reference(const char *auth, const char *cookie, size_t len, const char **tok, size_t *n,
                      bool *from_cookie)
{
	if (auth && strlen(auth) >= 7 && strncasecmp(auth, "bearer ", 7) == 0) {
		*tok = auth + 7 + strspn(auth + 7, " ");
		*n = strlen(*tok);
		*from_cookie = false;
		return *n > 0 && *n < len;
	}
	*from_cookie = true;
	for (const char *piece = cookie; piece;) {
		const char *semi = strchr(piece, ';');
		const char *end = semi ? semi : piece + strlen(piece);
		const char *s = piece + strspn(piece, " ");
		size_t plen = (size_t)(end - s);
		if (plen >= sizeof name - 1 && memcmp(s, name, sizeof name - 1) == 0) {
			*tok = s + sizeof name - 1;
			*n = plen - (sizeof name - 1);
			return *n > 0 && *n < len;
		}
		piece = semi ? semi + 1 : NULL;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = true;
	}
	if (size == 0)
		return 0;
	bool has_auth = data[0] & 1, has_cookie = data[0] & 2;
	size_t len = data[0] >> 2 ? (size_t)(data[0] >> 2) : 128;
	data++, size--;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *nl = strchr(text, '\n');
	const char *cookie = "";
	if (nl) {
		*nl = '\0';
		cookie = nl + 1;
	}
	const char *auth = has_auth ? text : NULL;
	if (!has_cookie)
		cookie = NULL;

	/* Exactly len bytes, so that a write past them is caught; filled with
	 * a mark to see that a refusal writes nothing. */
	char *buf = malloc(len);
	if (!buf) {
		free(text);
		return 0;
	}
	memset(buf, 0x5a, len);
	bool from_cookie = false, want_cookie = false;
	bool got = wg_auth_token(auth, cookie, buf, len, &from_cookie);
	const char *tok = NULL;
	size_t n = 0;
	bool want = reference(auth, cookie, len, &tok, &n, &want_cookie);
	if (got != want)
		abort();
	if (got) {
		if (from_cookie != want_cookie || strnlen(buf, len) != n || memcmp(buf, tok, n) != 0 ||
		    (from_cookie && memchr(buf, ';', n)))
			abort();
		char hash[WG_TOKEN_HASH_TEXT];
		wg_session_hash(buf, hash);
		if (strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64)
			abort();
	} else {
		for (size_t i = 0; i < len; i++)
			if (buf[i] != 0x5a)
				abort();
	}
	free(buf);
	free(text);
	return 0;
}
