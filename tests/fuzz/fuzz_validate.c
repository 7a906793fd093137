/* fuzz_validate.c - the body validators on arbitrary JSON objects: every
 * getter returns a value within its bounds or records a field error, never
 * both, and never crashes on any member type. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/utf8.h"
#include "http/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	static wg_req req;
	memset(&req, 0, sizeof req);
	wg_arena_init(&req.arena, 1024);
	wg_field_errors_init(&req.errors, &req.arena);
	req.body = body;

	static const char *const known[] = {"code", "name", "n", "flag", NULL};
	wg_body_only(&req, known);
	unsigned before = req.errors.n;
	const char *name = wg_body_string(&req, "name", 8, false);
	if (name && (req.errors.n != before || wg_utf8_count(name, strlen(name)) > 8 || !*name))
		abort();
	before = req.errors.n;
	int64_t n = 0;
	if (wg_body_int(&req, "n", -5, 5, false, &n) && (req.errors.n != before || n < -5 || n > 5))
		abort();
	before = req.errors.n;
	bool flag;
	if (wg_body_bool(&req, "flag", false, &flag) && req.errors.n != before)
		abort();
	wg_body_string(&req, "code", 12, true);
	for (unsigned i = 0; i < req.errors.n; i++)
		if (!req.errors.e[i].field || !req.errors.e[i].code || !req.errors.e[i].message)
			abort();
	json_decref(body);
	wg_arena_clear(&req.arena);
	return 0;
}
