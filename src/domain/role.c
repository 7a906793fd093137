#include "domain/role.h"

#include <string.h>

static const struct {
	unsigned bit;
	const char *name;
	const char *label;
} roles[] = {
#define WG__ROLE_ROW(name, api, zh) {WG_ROLE_##name, api, zh},
	WG_ROLE_MAP(WG__ROLE_ROW)
#undef WG__ROLE_ROW
};

unsigned wg_role_parse(const char *name)
{
	for (size_t i = 0; name && i < WG_ROLE_COUNT; i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].bit;
	return 0;
}

const char *wg_role_name(unsigned role)
{
	for (size_t i = 0; i < WG_ROLE_COUNT; i++)
		if (roles[i].bit == role)
			return roles[i].name;
	return NULL;
}

const char *wg_role_label(unsigned role)
{
	for (size_t i = 0; i < WG_ROLE_COUNT; i++)
		if (roles[i].bit == role)
			return roles[i].label;
	return NULL;
}

bool wg_role_admin_conflict(unsigned roles_set, unsigned *a, unsigned *b)
{
	unsigned admin = roles_set & WG_ROLES_ADMIN;
	if (!(admin & (admin - 1)))
		return false; /* zero or one admin power */
	unsigned first = admin & -admin;
	unsigned rest = admin & ~first;
	if (a)
		*a = first;
	if (b)
		*b = rest & -rest;
	return true;
}
