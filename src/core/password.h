/* password.h - password hashing and the complexity policy.
 *
 * Hashes are argon2id (libsodium's crypto_pwhash_str_alg, ALG_ARGON2ID13)
 * in the PHC string form "$argon2id$v=19$m=19456,t=2,p=1$salt$hash", which
 * carries its own parameters, so raising the cost later leaves old hashes
 * verifiable. The cost is never below DESIGN.md's floor of 19 MiB and two
 * passes. The caller must have called sodium_init() (the server does at
 * start); these functions call it too, which is cheap and thread-safe. */
#ifndef WG_CORE_PASSWORD_H
#define WG_CORE_PASSWORD_H

#include <stdbool.h>

/* Size of a hash string buffer including the NUL: crypto_pwhash_STRBYTES,
 * checked against libsodium in password.c so that this header does not
 * pull in <sodium.h>. */
#define WG_PASSWORD_HASH_MAX 128

/* The floor: argon2id with less memory (KiB) or fewer passes is refused. */
#define WG_PASSWORD_MIN_MEMORY_KIB 19456
#define WG_PASSWORD_MIN_PASSES 2

/* Hash a NUL-terminated password with a fresh random salt into out.
 * Returns 0; WG_EVALIDATION when memory_kib < WG_PASSWORD_MIN_MEMORY_KIB,
 * passes < WG_PASSWORD_MIN_PASSES, either is above libsodium's maximum or
 * password is NULL;
 * WG_ENOMEM when the memory for argon2 (memory_kib) cannot be allocated,
 * the only way libsodium fails. out is "" on failure. Takes about as long as
 * the cost asks (tens of milliseconds at the floor): keep it off event
 * loops that serve other requests. */
int wg_password_hash(const char *password, long long memory_kib, long long passes,
                     char out[WG_PASSWORD_HASH_MAX]);

/* True when password matches hash (a string from wg_password_hash, or any
 * argon2 string libsodium accepts); the comparison is constant-time. False
 * for a wrong password, a NULL argument, a malformed hash or when memory
 * runs out. */
bool wg_password_verify(const char *hash, const char *password);

/* True when hash was made with other parameters than memory_kib and passes
 * (or is not an argon2id hash at all): after a successful sign-in the caller
 * rehashes the password so that a raised cost reaches every account. */
bool wg_password_needs_rehash(const char *hash, long long memory_kib, long long passes);

/* Verify password against a fixed hash made once (thread-safe) at the
 * floor cost, and ignore the result: a sign-in for an unknown user then
 * costs the same time as for a known one. When the configured cost is
 * above the floor, the dummy is cheaper than a real verify by the
 * difference. */
void wg_password_dummy_verify(const char *password);

/* Check a NUL-terminated password against the complexity policy: at least
 * min_length characters (Unicode code points) and characters from at least
 * min_classes of four classes: ASCII lower-case letters, ASCII upper-case
 * letters, ASCII digits, and everything else (punctuation, space, CJK and any
 * other non-ASCII character). Returns NULL when the password is acceptable,
 * else an English sentence naming the first rule broken ("must be at least 8
 * characters long", "must mix at least 3 of: lower-case letters, upper-case
 * letters, digits, other characters", "must be valid UTF-8 text"); the
 * sentence is in thread-local storage, valid until the next call on the same
 * thread, never freed. A min_classes above 4 counts as 4. */
const char *wg_password_policy(const char *password, long long min_length, long long min_classes);

#endif
