#include "domain/scope.h"

#include "core/error.h"
#include "domain/region.h"
#include "domain/role.h"

#include <string.h>

/* Grid codes are a village code followed by digits (see grid.c when it
 * lands): longer than a region code, at most WG_SCOPE_KEY_MAX digits. */
static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

bool wg_scope_prefix(const char *code, char *prefix)
{
	if (!code)
		return false;
	size_t n = strlen(code);
	enum wg_region_level level;
	if (n == WG_REGION_CODE_LEN && wg_region_code_level(code, &level)) {
		size_t keep = wg_region_prefix_len(level);
		memcpy(prefix, code, keep);
		prefix[keep] = '\0';
		return true;
	}
	if (n > WG_REGION_CODE_LEN && n <= WG_SCOPE_KEY_MAX && all_digits(code, n)) {
		char village[WG_REGION_CODE_LEN + 1];
		memcpy(village, code, WG_REGION_CODE_LEN);
		village[WG_REGION_CODE_LEN] = '\0';
		if (!wg_region_code_level(village, &level) || level != WG_REGION_VILLAGE)
			return false;
		memcpy(prefix, code, n + 1);
		return true;
	}
	return false;
}

void wg_scope_of(const wg_caller *c, wg_scope *s)
{
	memset(s, 0, sizeof *s);
	if (c->user_id == 0 && !c->scope) {
		/* Everything: every scope_key is made of digits, so it sorts below ':'. */
		s->lo[0] = '\0';
		s->hi[0] = ':';
		s->hi[1] = '\0';
		return;
	}
	if (!wg_scope_prefix(c->scope, s->lo)) {
		/* An empty range: lo > hi matches nothing. */
		s->lo[0] = '~';
		s->hi[0] = '\0';
		return;
	}
	size_t n = strlen(s->lo);
	memcpy(s->hi, s->lo, n + 1);
	s->hi[n - 1]++; /* '9' + 1 is ':', still above every digit */
	s->department = c->department;
}

void wg_scope_of_matters(const wg_caller *c, wg_scope *s)
{
	wg_scope_of(c, s);
	if (c->user_id && c->roles && !(c->roles & ~WG_ROLES_DEPARTMENT)) {
		s->lo[0] = '~';
		s->lo[1] = '\0';
		s->hi[0] = '\0';
	}
}

bool wg_scope_contains(const wg_scope *s, const char *scope_key)
{
	return scope_key && strcmp(scope_key, s->lo) >= 0 && strcmp(scope_key, s->hi) < 0;
}

int wg_scope_bind(const wg_scope *s, wg_stmt *st, int idx)
{
	int rc = wg_stmt_bind_text(st, idx, s->lo, strlen(s->lo));
	if (!rc)
		rc = wg_stmt_bind_text(st, idx + 1, s->hi, strlen(s->hi));
	return rc ? rc : idx + 2;
}

int wg_scope_bind_dept(const wg_scope *s, wg_stmt *st, int idx)
{
	int rc = wg_scope_bind(s, st, idx);
	if (rc < 0)
		return rc;
	rc = s->department ? wg_stmt_bind_text(st, idx + 2, s->department, strlen(s->department))
	                   : wg_stmt_bind_null(st, idx + 2);
	return rc ? rc : idx + 3;
}
