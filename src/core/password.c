#include "core/password.h"

#include "core/error.h"
#include "core/utf8.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(WG_PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES, "WG_PASSWORD_HASH_MAX must match libsodium");

/* Parameters within the floor and libsodium's bounds, as libsodium wants
 * them (bytes of memory, passes). */
static int cost(long long memory_kib, long long passes, size_t *memlimit, unsigned long long *opslimit)
{
	if (memory_kib < WG_PASSWORD_MIN_MEMORY_KIB || passes < WG_PASSWORD_MIN_PASSES)
		return WG_EVALIDATION;
	if ((unsigned long long)memory_kib > crypto_pwhash_MEMLIMIT_MAX / 1024 ||
	    (unsigned long long)passes > crypto_pwhash_OPSLIMIT_MAX)
		return WG_EVALIDATION;
	*memlimit = (size_t)memory_kib * 1024;
	*opslimit = (unsigned long long)passes;
	return 0;
}

int wg_password_hash(const char *password, long long memory_kib, long long passes,
                     char out[WG_PASSWORD_HASH_MAX])
{
	size_t memlimit;
	unsigned long long opslimit;
	out[0] = '\0';
	int rc = cost(memory_kib, passes, &memlimit, &opslimit);
	if (rc || !password)
		return rc ? rc : WG_EVALIDATION;
	if (sodium_init() < 0)
		return WG_EINTERNAL;
	/* Only the allocation of memlimit bytes can fail: the password length
	 * (size_t) is below crypto_pwhash_PASSWD_MAX on every platform. */
	if (crypto_pwhash_str_alg(out, password, strlen(password), opslimit, memlimit,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
		out[0] = '\0';
		return WG_ENOMEM;
	}
	return 0;
}

bool wg_password_verify(const char *hash, const char *password)
{
	/* libsodium reads the hash with strlen: a string longer than any it
	 * makes is not one of ours. */
	if (!hash || !password || strnlen(hash, WG_PASSWORD_HASH_MAX) == WG_PASSWORD_HASH_MAX)
		return false;
	if (sodium_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool wg_password_needs_rehash(const char *hash, long long memory_kib, long long passes)
{
	size_t memlimit;
	unsigned long long opslimit;
	if (!hash || strnlen(hash, WG_PASSWORD_HASH_MAX) == WG_PASSWORD_HASH_MAX ||
	    cost(memory_kib, passes, &memlimit, &opslimit) != 0)
		return true;
	/* The argon2id function, not the generic one, so that an argon2i hash
	 * (-1 here) is rehashed too. */
	return crypto_pwhash_argon2id_str_needs_rehash(hash, opslimit, memlimit) != 0;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[WG_PASSWORD_HASH_MAX];

static void make_dummy(void)
{
	/* The password does not matter: nobody can sign in with this hash. */
	if (wg_password_hash("wangge dummy password", WG_PASSWORD_MIN_MEMORY_KIB, WG_PASSWORD_MIN_PASSES,
	                     dummy_hash) != 0)
		dummy_hash[0] = '\0';
}

void wg_password_dummy_verify(const char *password)
{
	pthread_once(&dummy_once, make_dummy);
	if (!password)
		password = "";
	if (dummy_hash[0]) {
		(void)wg_password_verify(dummy_hash, password);
		return;
	}
	/* Memory ran out when the dummy was made: hashing costs the same as
	 * verifying, so the time still matches. */
	char scratch[WG_PASSWORD_HASH_MAX];
	(void)wg_password_hash(password, WG_PASSWORD_MIN_MEMORY_KIB, WG_PASSWORD_MIN_PASSES, scratch);
}

enum { CLASS_LOWER = 1, CLASS_UPPER = 2, CLASS_DIGIT = 4, CLASS_OTHER = 8 };

const char *wg_password_policy(const char *password, long long min_length, long long min_classes)
{
	static _Thread_local char message[160];
	if (!password)
		password = "";
	size_t n = strlen(password);
	if (!wg_utf8_valid(password, n))
		return "must be valid UTF-8 text";
	if (min_length > 0 && wg_utf8_count(password, n) < (unsigned long long)min_length) {
		snprintf(message, sizeof message, "must be at least %lld character%s long", min_length,
		         min_length == 1 ? "" : "s");
		return message;
	}
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)password[i];
		if (c >= 'a' && c <= 'z')
			seen |= CLASS_LOWER;
		else if (c >= 'A' && c <= 'Z')
			seen |= CLASS_UPPER;
		else if (c >= '0' && c <= '9')
			seen |= CLASS_DIGIT;
		else
			seen |= CLASS_OTHER;
	}
	long long want = min_classes > 4 ? 4 : min_classes;
	long long have = __builtin_popcount(seen);
	if (have < want) {
		snprintf(message, sizeof message,
		         "must mix at least %lld of: lower-case letters, upper-case letters, digits, other "
		         "characters",
		         want);
		return message;
	}
	return NULL;
}
