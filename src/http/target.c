#include "http/target.h"

#include "core/error.h"
#include "core/utf8.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

static bool hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* libevent leaves a '%' without two hex digits as it is; that is a
 * malformed target, not text to pass on. */
static bool escapes_ok(const char *s)
{
	for (const char *p = s; (p = strchr(p, '%')) != NULL; p++)
		if (!hex(p[1]) || !hex(p[2]))
			return false;
	return true;
}

int wg_target_decode_path(const char *raw, wg_arena *arena, const char **out)
{
	if (!raw || raw[0] != '/' || !escapes_ok(raw))
		return WG_EBADREQ;
	size_t len = 0;
	char *decoded = evhttp_uridecode(raw, 0, &len);
	if (!decoded)
		return WG_ENOMEM;
	int rc = strlen(decoded) == len && wg_utf8_valid(decoded, len) ? 0 : WG_EBADREQ;
	if (!rc) {
		*out = wg_arena_strndup(arena, decoded, len);
		if (!*out)
			rc = WG_ENOMEM;
	}
	free(decoded);
	return rc;
}

int wg_target_parse_query(const char *raw, struct evkeyvalq *q, const char **why)
{
	/* libevent decodes %00 into a NUL that silently cuts the value short. */
	for (const char *p = raw; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0') {
			*why = "the query contains a NUL byte";
			return WG_EBADREQ;
		}
	if (!escapes_ok(raw)) {
		*why = "malformed percent-encoding in the query";
		return WG_EBADREQ;
	}
	if (evhttp_parse_query_str(raw, q) != 0) {
		*why = "malformed query string";
		return WG_EBADREQ;
	}
	struct evkeyval *kv;
	TAILQ_FOREACH(kv, q, next) {
		if (!wg_utf8_valid(kv->key, strlen(kv->key)) ||
		    !wg_utf8_valid(kv->value, strlen(kv->value))) {
			*why = "the query contains invalid UTF-8";
			return WG_EBADREQ;
		}
	}
	return 0;
}
