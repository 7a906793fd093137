/* digest.h - named hash algorithms for tamper evidence (the audit chain).
 *
 * "sha256" (FIPS 180-4) and "sm3" (GB/T 32905, the national algorithm),
 * both from OpenSSL's EVP interface, so the chain's algorithm is a setting. */
#ifndef WG_CORE_DIGEST_H
#define WG_CORE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define WG_DIGEST_HEX_MAX 65 /* 32-byte digest as lower-case hex + NUL */

/* True when name is a supported algorithm ("sha256", "sm3"). */
bool wg_digest_known(const char *name);

/* Incremental digest: parts fed one after another hash as their
 * concatenation. */
typedef struct wg_digest wg_digest;

/* Start a digest; NULL for an unknown name or when memory runs out. */
wg_digest *wg_digest_begin(const char *name);
void wg_digest_update(wg_digest *d, const void *data, size_t n);
/* Finish into hex (lower case, NUL-terminated) and free d. Returns 0, or
 * WG_EINTERNAL if OpenSSL failed at any step. */
int wg_digest_end(wg_digest *d, char hex[WG_DIGEST_HEX_MAX]);

#endif
