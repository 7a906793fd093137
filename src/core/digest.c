#include "core/digest.h"

#include "core/alloc.h"
#include "core/error.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

struct wg_digest {
	EVP_MD_CTX *ctx;
	bool failed; /* an update failed: wg_digest_end reports it */
};

/* wangge's names and OpenSSL's. Looked up by name rather than EVP_sm3(),
 * which does not exist in an OpenSSL built with no-sm3. */
static const struct {
	const char *name;
	const char *openssl;
} algorithms[] = {
	{"sha256", "SHA256"},
	{"sm3", "SM3"},
};

static const EVP_MD *find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof algorithms / sizeof algorithms[0]; i++)
		if (strcmp(algorithms[i].name, name) == 0)
			return EVP_get_digestbyname(algorithms[i].openssl);
	return NULL;
}

bool wg_digest_known(const char *name)
{
	return find(name) != NULL;
}

wg_digest *wg_digest_begin(const char *name)
{
	const EVP_MD *md = find(name);
	if (!md || EVP_MD_get_size(md) * 2 + 1 > WG_DIGEST_HEX_MAX)
		return NULL;
	wg_digest *d = wg_malloc(sizeof *d);
	if (!d)
		return NULL;
	d->failed = false;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(d->ctx);
		wg_free(d);
		return NULL;
	}
	return d;
}

void wg_digest_update(wg_digest *d, const void *data, size_t n)
{
	if (n && EVP_DigestUpdate(d->ctx, data, n) != 1)
		d->failed = true;
}

int wg_digest_end(wg_digest *d, char hex[WG_DIGEST_HEX_MAX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int rc = 0;
	hex[0] = '\0';
	if (d->failed || EVP_DigestFinal_ex(d->ctx, md, &len) != 1 || len * 2 + 1 > WG_DIGEST_HEX_MAX)
		rc = WG_EINTERNAL;
	else {
		for (size_t i = 0; i < len; i++) {
			hex[2 * i] = digits[md[i] >> 4];
			hex[2 * i + 1] = digits[md[i] & 0x0F];
		}
		hex[2 * (size_t)len] = '\0';
	}
	EVP_MD_CTX_free(d->ctx);
	wg_free(d);
	return rc;
}
