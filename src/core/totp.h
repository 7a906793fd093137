/* totp.h - time-based one-time passwords, the second factor of admin roles.
 *
 * TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1, 30-second steps and
 * six digits: what every authenticator app (Google Authenticator, Microsoft
 * Authenticator, FreeOTP) assumes when a provisioning URI leaves the
 * parameters out. Secrets travel as RFC 4648 base32. Time is passed in, so
 * tests never wait for it. */
#ifndef WG_CORE_TOTP_H
#define WG_CORE_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_TOTP_PERIOD 30 /* seconds per step */
#define WG_TOTP_DIGITS 6

/* The code for key at unix_seconds (step unix_seconds / 30) into *code
 * (0..999999; print it with "%06u"). Returns 0, or WG_EINTERNAL when
 * unix_seconds is negative, keylen does not fit an int or OpenSSL fails. */
int wg_totp_code(const unsigned char *key, size_t keylen, int64_t unix_seconds, unsigned *code);

/* True when code (exactly six ASCII digits, NUL-terminated) is the code of
 * step now-1, now or now+1 (clock drift of one step either way) and that
 * step is later than last_step, the step of the last code this account used
 * (pass -1 when there is none): a code is accepted once, never replayed.
 * On success sets *matched_step, which the caller stores as the next
 * last_step. Every step of the window is computed and compared in constant
 * time. False for anything else, *matched_step untouched. */
bool wg_totp_verify(const unsigned char *key, size_t keylen, int64_t unix_seconds, const char *code,
                    int64_t last_step, int64_t *matched_step);

/* Bytes needed for the base32 form of n bytes, NUL included. */
#define WG_BASE32_ENCODED_SIZE(n) (((n)*8 + 4) / 5 + 1)

/* Encode n bytes as upper-case base32 without '=' padding, NUL-terminated,
 * into out. Returns the length without the NUL, or 0 when outlen is below
 * WG_BASE32_ENCODED_SIZE(n) (then out is "" if outlen > 0). 0 also for
 * n == 0. */
size_t wg_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen);

/* Decode NUL-terminated base32 into out (cap bytes), the length into *n.
 * Accepts lower case and ignores spaces and '=' anywhere, so a secret typed
 * in groups or padded decodes. Returns 0; WG_EBADREQ for any other
 * character, a length no encoding has (1, 3 or 6 characters beyond a
 * multiple of 8) or unused trailing bits that are not zero (so that each
 * byte string has one encoding); WG_ETOOLARGE when more than cap bytes
 * would be written. *n is 0 on failure. */
int wg_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *n);

/* The provisioning URI an authenticator app reads from a QR code:
 * otpauth://totp/ISSUER:ACCOUNT?secret=SECRET&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with issuer, account and secret percent-encoded (every byte but
 * A-Z a-z 0-9 - . _ ~ as %XX, so UTF-8 names and a ':' in them are safe).
 * Returns 0, or WG_ETOOLARGE when out (len bytes) is too small (out is
 * then ""). */
int wg_totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out, size_t len);

#endif
