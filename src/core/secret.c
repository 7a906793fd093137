#include "core/secret.h"

#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(WG_SECRET_KEY_BYTES == crypto_kdf_KEYBYTES, "the master key is a crypto_kdf key");
_Static_assert(crypto_secretbox_KEYBYTES == 32, "the sealing key is derived as 32 bytes");

struct wg_secret_key {
	unsigned char master[WG_SECRET_KEY_BYTES];
	unsigned char seal[crypto_secretbox_KEYBYTES];
};

/* Subkey ids under crypto_kdf: the sealing key, and the blind-index keys
 * whose context is the caller's. Different ids keep them apart whatever
 * context a caller picks. */
enum { SUBKEY_SEAL = 1, SUBKEY_INDEX = 2 };
static const char seal_context[crypto_kdf_CONTEXTBYTES] = {'w', 'g', 's', 'e', 'a', 'l', 'v', '1'};

static const char prefix[] = "v1.";
enum { PREFIX_LEN = sizeof prefix - 1, VARIANT = sodium_base64_VARIANT_URLSAFE_NO_PADDING };
enum { OVERHEAD = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES };

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Read and check the key file. WG_ENOTFOUND when it does not exist. */
static int read_key(const char *path, unsigned char key[WG_SECRET_KEY_BYTES], char *err, size_t errlen)
{
	/* Symbolic links are followed: container secrets are mounted that way. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return WG_ENOTFOUND;
		set_err(err, errlen, "key file %s: %s", path, strerror(errno));
		return WG_EIO;
	}
	int rc = 0;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		set_err(err, errlen, "key file %s: %s", path, strerror(errno));
		rc = WG_EIO;
	} else if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "key file %s is not a regular file", path);
		rc = WG_ECONFIG;
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		set_err(err, errlen, "key file %s has mode %03o, open to group or others: chmod 600 %s", path,
		        (unsigned)(st.st_mode & 0777), path);
		rc = WG_ECONFIG;
	} else if (st.st_size != WG_SECRET_KEY_BYTES) {
		/* Never replaced by a new key: what was sealed under the old
		 * one would be lost. */
		set_err(err, errlen, "key file %s is %lld bytes, not %d: restore the right file", path,
		        (long long)st.st_size, WG_SECRET_KEY_BYTES);
		rc = WG_ECONFIG;
	} else {
		size_t got = 0;
		while (got < WG_SECRET_KEY_BYTES) {
			ssize_t r = read(fd, key + got, WG_SECRET_KEY_BYTES - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				set_err(err, errlen, "key file %s: %s", path,
				        r < 0 ? strerror(errno) : "shorter than its size");
				rc = WG_EIO;
				break;
			}
			got += (size_t)r;
		}
	}
	close(fd);
	return rc;
}

/* mkdir -p of the folders above path, each new one with mode 0700. */
static int make_folders(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof dir) {
		set_err(err, errlen, "key file %s: path too long", path);
		return WG_ECONFIG;
	}
	memcpy(dir, path, len + 1);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			set_err(err, errlen, "key file %s: cannot create folder %s: %s", path, dir,
			        strerror(errno));
			return WG_EIO;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

static bool write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Make the folder's new entry durable; best effort, as a failure here does
 * not make the key wrong. */
static void sync_folder(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof dir)
		return;
	memcpy(dir, path, len + 1);
	char *slash = strrchr(dir, '/');
	if (!slash)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Create the key file with fresh random bytes. It is written and synced
 * under a temporary name, then linked to path: link() fails when path
 * exists, so a process that loses a race keeps the winner's key. */
static int create_key(const char *path, char *err, size_t errlen)
{
	int rc = make_folders(path, err, errlen);
	if (rc)
		return rc;
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
		set_err(err, errlen, "key file %s: path too long", path);
		return WG_ECONFIG;
	}
	int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		set_err(err, errlen, "key file %s: cannot create %s: %s", path, tmp, strerror(errno));
		return WG_EIO;
	}
	unsigned char key[WG_SECRET_KEY_BYTES];
	randombytes_buf(key, sizeof key);
	bool written = write_all(fd, key, sizeof key) && fsync(fd) == 0;
	int saved = errno;
	sodium_memzero(key, sizeof key);
	if (close(fd) != 0 && written) {
		written = false;
		saved = errno;
	}
	if (!written) {
		set_err(err, errlen, "key file %s: cannot write %s: %s", path, tmp, strerror(saved));
		unlink(tmp);
		return WG_EIO;
	}
	if (link(tmp, path) != 0 && errno != EEXIST) {
		set_err(err, errlen, "key file %s: cannot create: %s", path, strerror(errno));
		rc = WG_EIO;
	}
	unlink(tmp);
	if (rc == 0)
		sync_folder(path);
	return rc;
}

int wg_secret_key_load(const char *path, wg_secret_key **out, char *err, size_t errlen)
{
	*out = NULL;
	set_err(err, errlen, "%s", "");
	if (sodium_init() < 0) {
		set_err(err, errlen, "key file %s: libsodium failed to start", path);
		return WG_EINTERNAL;
	}
	wg_secret_key *k = sodium_malloc(sizeof *k);
	if (!k) {
		set_err(err, errlen, "key file %s: out of memory", path);
		return WG_ENOMEM;
	}
	int rc = read_key(path, k->master, err, errlen);
	if (rc == WG_ENOTFOUND) {
		rc = create_key(path, err, errlen);
		if (rc == 0)
			rc = read_key(path, k->master, err, errlen);
		if (rc == WG_ENOTFOUND) {
			set_err(err, errlen, "key file %s vanished after it was created", path);
			rc = WG_EIO;
		}
	}
	if (rc == 0 &&
	    crypto_kdf_derive_from_key(k->seal, sizeof k->seal, SUBKEY_SEAL, seal_context, k->master) != 0) {
		set_err(err, errlen, "key file %s: key derivation failed", path);
		rc = WG_EINTERNAL;
	}
	if (rc) {
		sodium_free(k);
		return rc;
	}
	/* A stray write through a bad pointer now faults instead of changing
	 * the key. */
	sodium_mprotect_readonly(k);
	*out = k;
	return 0;
}

void wg_secret_key_free(wg_secret_key *k)
{
	sodium_free(k);
}

int wg_secret_seal(const wg_secret_key *k, const void *plain, size_t n, char **out)
{
	*out = NULL;
	/* Keeps the sizes below, the base64 one included, from overflowing. */
	if (n > SIZE_MAX / 2 - OVERHEAD)
		return WG_ENOMEM;
	size_t rawlen = OVERHEAD + n;
	unsigned char *raw = wg_malloc(rawlen);
	if (!raw)
		return WG_ENOMEM;
	size_t b64len = sodium_base64_ENCODED_LEN(rawlen, VARIANT); /* with the NUL */
	char *s = wg_malloc(PREFIX_LEN + b64len);
	if (!s) {
		wg_free(raw);
		return WG_ENOMEM;
	}
	static const unsigned char nothing[1];
	randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, n ? plain : nothing, n, raw, k->seal);
	memcpy(s, prefix, PREFIX_LEN);
	sodium_bin2base64(s + PREFIX_LEN, b64len, raw, rawlen, VARIANT);
	wg_free(raw);
	*out = s;
	return 0;
}

int wg_secret_open(const wg_secret_key *k, const char *sealed, unsigned char *out, size_t cap, size_t *n)
{
	*n = 0;
	if (!sealed || strncmp(sealed, prefix, PREFIX_LEN) != 0)
		return WG_EBADREQ;
	const char *b64 = sealed + PREFIX_LEN;
	size_t b64len = strlen(b64);
	size_t maxraw = b64len / 4 * 3 + 3;
	if (maxraw < OVERHEAD)
		return WG_EBADREQ;
	unsigned char *raw = wg_malloc(maxraw);
	if (!raw)
		return WG_ENOMEM;
	size_t rawlen = 0;
	int rc = 0;
	/* No b64_end: libsodium then refuses trailing characters, and in this
	 * variant padding and non-zero unused bits too. */
	if (sodium_base642bin(raw, maxraw, b64, b64len, NULL, &rawlen, NULL, VARIANT) != 0 ||
	    rawlen < OVERHEAD) {
		rc = WG_EBADREQ;
	} else if (rawlen - OVERHEAD > cap) {
		*n = rawlen - OVERHEAD;
		rc = WG_ETOOLARGE;
	} else {
		unsigned char nowhere[1] = {0};
		/* secretbox checks the tag before it writes any plain text. */
		if (crypto_secretbox_open_easy(out ? out : nowhere, raw + crypto_secretbox_NONCEBYTES,
		                               rawlen - crypto_secretbox_NONCEBYTES, raw, k->seal) != 0)
			rc = WG_EBADREQ;
		else
			*n = rawlen - OVERHEAD;
	}
	wg_free(raw);
	return rc;
}

int wg_secret_blind_index(const wg_secret_key *k, const char *context, const void *value, size_t n,
                          char hex[WG_SECRET_INDEX_HEX])
{
	char ctx[crypto_kdf_CONTEXTBYTES] = {0};
	size_t clen = context ? strnlen(context, sizeof ctx) : 0;
	memcpy(ctx, context ? context : "", clen);
	unsigned char subkey[crypto_generichash_KEYBYTES];
	unsigned char digest[32];
	static const unsigned char nothing[1];
	hex[0] = '\0';
	int rc = 0;
	if (crypto_kdf_derive_from_key(subkey, sizeof subkey, SUBKEY_INDEX, ctx, k->master) != 0 ||
	    crypto_generichash(digest, sizeof digest, n ? value : nothing, n, subkey, sizeof subkey) != 0)
		rc = WG_EINTERNAL;
	else
		sodium_bin2hex(hex, WG_SECRET_INDEX_HEX, digest, sizeof digest);
	sodium_memzero(subkey, sizeof subkey);
	return rc;
}
