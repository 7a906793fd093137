#include "core/totp.h"

#include "core/error.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

/* HOTP (RFC 4226 section 5.3) of one counter value. */
static int hotp(const unsigned char *key, size_t keylen, uint64_t counter, unsigned *code)
{
	if (keylen > INT_MAX)
		return WG_EINTERNAL;
	unsigned char msg[8];
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xFF);
		counter >>= 8;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	/* OpenSSL wants a key pointer even for an empty key. */
	static const unsigned char empty[1];
	if (!HMAC(EVP_sha1(), keylen ? key : empty, (int)keylen, msg, sizeof msg, md, &mdlen) || mdlen != 20)
		return WG_EINTERNAL;
	unsigned off = md[19] & 0x0F;
	uint32_t bin = (uint32_t)(md[off] & 0x7F) << 24 | (uint32_t)md[off + 1] << 16 |
	               (uint32_t)md[off + 2] << 8 | md[off + 3];
	*code = bin % 1000000;
	return 0;
}

int wg_totp_code(const unsigned char *key, size_t keylen, int64_t unix_seconds, unsigned *code)
{
	if (unix_seconds < 0)
		return WG_EINTERNAL;
	return hotp(key, keylen, (uint64_t)(unix_seconds / WG_TOTP_PERIOD), code);
}

bool wg_totp_verify(const unsigned char *key, size_t keylen, int64_t unix_seconds, const char *code,
                    int64_t last_step, int64_t *matched_step)
{
	if (!code || unix_seconds < 0)
		return false;
	for (int i = 0; i < WG_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	if (code[WG_TOTP_DIGITS] != '\0')
		return false;
	int64_t now = unix_seconds / WG_TOTP_PERIOD;
	bool ok = false;
	int64_t matched = 0;
	/* No early exit: the time taken does not tell which step matched. */
	for (int64_t step = now - 1; step <= now + 1; step++) {
		if (step < 0 || step <= last_step)
			continue;
		unsigned want;
		if (hotp(key, keylen, (uint64_t)step, &want) != 0)
			return false;
		char digits[WG_TOTP_DIGITS + 1];
		snprintf(digits, sizeof digits, "%06u", want);
		bool same = CRYPTO_memcmp(digits, code, WG_TOTP_DIGITS) == 0;
		/* The earliest matching step, so a code stays usable for its
		 * whole window without skipping ahead. */
		if (same && !ok) {
			ok = true;
			matched = step;
		}
	}
	if (ok)
		*matched_step = matched;
	return ok;
}

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t wg_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	if (outlen > 0)
		out[0] = '\0';
	if (n > (SIZE_MAX - 5) / 8 || outlen < WG_BASE32_ENCODED_SIZE(n))
		return 0;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xFFFF;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 0x1F];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 0x1F];
	out[o] = '\0';
	return o;
}

/* Value of one base32 digit, -1 for a character outside the alphabet. */
static int digit_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int wg_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *n)
{
	size_t o = 0, chars = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	*n = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == ' ' || *p == '=')
			continue;
		int v = digit_value(*p);
		if (v < 0)
			return WG_EBADREQ;
		chars++;
		acc = (acc << 5 | (uint32_t)v) & 0xFFF; /* at most 7 + 5 bits held */
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return WG_ETOOLARGE;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* 8 characters carry 5 bytes; 2, 4, 5 or 7 left over carry 1 to 4
	 * bytes, and the bits beyond those must be zero. */
	size_t rest = chars % 8;
	if (rest == 1 || rest == 3 || rest == 6 || (acc & ((1u << bits) - 1)) != 0)
		return WG_EBADREQ;
	*n = o;
	return 0;
}

/* Append s to out at *o, percent-encoding all but RFC 3986's unreserved
 * characters. False when it does not fit (leaving room for the NUL). */
static bool put_encoded(char *out, size_t len, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		            c == '-' || c == '.' || c == '_' || c == '~';
		size_t need = keep ? 1 : 3;
		if (len - *o <= need)
			return false;
		if (keep) {
			out[(*o)++] = (char)c;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 0x0F];
		}
	}
	return true;
}

static bool put(char *out, size_t len, size_t *o, const char *s)
{
	size_t k = strlen(s);
	if (len - *o <= k)
		return false;
	memcpy(out + *o, s, k);
	*o += k;
	return true;
}

int wg_totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out, size_t len)
{
	if (len == 0)
		return WG_ETOOLARGE;
	size_t o = 0;
	bool ok = put(out, len, &o, "otpauth://totp/") && put_encoded(out, len, &o, issuer) &&
	          put(out, len, &o, ":") && put_encoded(out, len, &o, account) &&
	          put(out, len, &o, "?secret=") && put_encoded(out, len, &o, secret_b32) &&
	          put(out, len, &o, "&issuer=") && put_encoded(out, len, &o, issuer) &&
	          put(out, len, &o, "&algorithm=SHA1&digits=6&period=30");
	out[ok ? o : 0] = '\0';
	return ok ? 0 : WG_ETOOLARGE;
}
