/* fuzz_config.c - wg_config_parse on arbitrary text.
 *
 * A parse either succeeds or fails with WG_ECONFIG naming a line (or the NUL
 * byte); afterwards every setting still reads back and prints as one
 * "name = value" line, whatever the values became, and a db.url of the
 * form scheme://user:password@host never prints its password. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The password of scheme://user:password@host/..., copied to pw; false when
 * the URL has none. The same shape that config.c redacts, found here by a
 * different route: the user info is everything before the last '@' of the
 * authority. */
static bool url_password(const char *url, char *pw, size_t len)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return false;
	const char *auth = scheme + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < alen; i++)
		if (auth[i] == '@')
			at = auth + i;
	if (!at)
		return false;
	const char *colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon || (size_t)(at - colon - 1) >= len)
		return false;
	memcpy(pw, colon + 1, (size_t)(at - colon - 1));
	pw[at - colon - 1] = '\0';
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wg_config c;
	if (wg_config_defaults(&c) != 0)
		abort();
	char err[256] = "";
	int rc = wg_config_parse(&c, (const char *)data, size, err, sizeof err);
	if (rc == WG_ECONFIG) {
		if (strncmp(err, "line ", 5) != 0 && !strstr(err, "NUL"))
			abort();
	} else if (rc != 0) {
		abort();
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	wg_config_print(&c, f);
	fclose(f);
	/* One line per setting, in table order. */
	const char *p = out;
	for (size_t i = 0; i < wg_config_count(); i++) {
		const char *name = wg_config_name(i);
		size_t nl = strlen(name);
		if (strncmp(p, name, nl) != 0 || strncmp(p + nl, " = ", 3) != 0)
			abort();
		char buf[64];
		if (wg_config_get(&c, name, buf, sizeof buf) != 0)
			abort();
		/* Values never hold a line break: the file is read by lines. */
		const char *eol = strchr(p, '\n');
		if (!eol)
			abort();
		p = eol + 1;
	}
	/* Long passwords may be cut by the print buffer; short ones must not
	 * show. A password that also occurs elsewhere in the URL or in the
	 * other settings cannot be checked this way. */
	char pw[64];
	if (url_password(c.db_url, pw, sizeof pw) && strlen(pw) >= 4 && strlen(c.db_url) < 900 &&
	    !strstr("<redacted>", pw)) {
		const char *db = strstr(out, "db.url = ");
		const char *end = db ? strchr(db, '\n') : NULL;
		size_t occurrences = 0;
		for (const char *q = c.db_url; (q = strstr(q, pw)) != NULL; q++)
			occurrences++;
		if (db && end && occurrences == 1) {
			char line[1024];
			size_t n =
				(size_t)(end - db) < sizeof line - 1 ? (size_t)(end - db) : sizeof line - 1;
			memcpy(line, db, n);
			line[n] = '\0';
			if (strstr(line + strlen("db.url = "), pw))
				abort();
		}
	}
	free(out);
	wg_config_free(&c);
	return 0;
}
