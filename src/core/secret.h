/* secret.h - personal data encrypted at rest, and its blind index.
 *
 * ID numbers, phone numbers and TOTP secrets are stored sealed with
 * libsodium's secretbox (XSalsa20-Poly1305) under a key read from a file
 * outside the database, so a copy of the database alone reveals nothing.
 * Exact-match search on a sealed column goes through a keyed BLAKE2b blind
 * index stored next to it. The file holds one 32-byte master key; the
 * sealing key and each index key are derived from it (crypto_kdf), so no
 * key serves two purposes. */
#ifndef WG_CORE_SECRET_H
#define WG_CORE_SECRET_H

#include <stddef.h>

#define WG_SECRET_KEY_BYTES 32
#define WG_SECRET_INDEX_HEX 65 /* 32-byte blind index as lower-case hex + NUL */

/* A loaded key, in memory that libsodium guards (sodium_malloc: guard pages,
 * never swapped, wiped when freed). Read-only once loaded, so one key may be
 * shared by every thread. */
typedef struct wg_secret_key wg_secret_key;

/* Load the key file at path into *out. If the file does not exist, create
 * it with 32 random bytes and mode 0600, creating missing folders with mode
 * 0700; the file appears whole or not at all (written under a temporary
 * name, then linked into place), so two processes starting together end up
 * with the same key. Refuses a key file that is not a regular file, is not
 * exactly 32 bytes, or can be read or written by group or others. Returns
 * 0; WG_ECONFIG for a file refused (err says why and, for permissions, to
 * chmod 600); WG_EIO when a system call fails; WG_ENOMEM when guarded memory
 * runs out; WG_EINTERNAL when libsodium cannot start. On failure *out is
 * NULL and err (errlen bytes, may be NULL when errlen is 0) holds an English
 * sentence naming the path. The caller owns *out and frees it with
 * wg_secret_key_free. */
int wg_secret_key_load(const char *path, wg_secret_key **out, char *err, size_t errlen);

/* Wipe and free a key; NULL is ignored. */
void wg_secret_key_free(wg_secret_key *k);

/* Seal n bytes into *out: "v1." followed by base64url without padding of
 * a fresh random 24-byte nonce, the ciphertext and its 16-byte tag, so the
 * same value sealed twice gives different strings. Returns 0 or WG_ENOMEM
 * (then *out is NULL). *out comes from wg_malloc; the caller frees it with
 * wg_free. */
int wg_secret_seal(const wg_secret_key *k, const void *plain, size_t n, char **out);

/* Open a string from wg_secret_seal into out (cap bytes), the length into
 * *n. Returns 0; WG_EBADREQ when sealed is malformed, was altered or was
 * sealed under another key (out untouched); WG_ETOOLARGE when the plain
 * text is longer than cap (*n says how long; checked before the
 * authentication); WG_ENOMEM. The plain text is not NUL-terminated. */
int wg_secret_open(const wg_secret_key *k, const char *sealed, unsigned char *out, size_t cap, size_t *n);

/* Blind index of n bytes for exact-match search: keyed BLAKE2b-256 under a
 * key derived for context, as lower-case hex into hex. Deterministic for one
 * key and context; different contexts ("phone", "idcard") give unrelated
 * values, so equal values in two columns cannot be linked. Only the first 8
 * bytes of context count (crypto_kdf's context size). Normalise the value
 * first (e.g. upper-case X in ID numbers): the index matches bytes. Returns
 * 0, or WG_EINTERNAL if libsodium fails. */
int wg_secret_blind_index(const wg_secret_key *k, const char *context, const void *value, size_t n,
                          char hex[WG_SECRET_INDEX_HEX]);

#endif
