/* role.h - the roles of API.md and the rules between them.
 *
 * Roles are bits of an unsigned set. Three of them are the separate admin
 * powers (三权分立): sysadmin manages accounts, departments and settings;
 * secadmin grants roles and sets security policy; auditor reads the audit
 * trail. No account may hold two of them. */
#ifndef WG_DOMAIN_ROLE_H
#define WG_DOMAIN_ROLE_H

#include <stdbool.h>
#include <stddef.h>

/* X(NAME, "api_name", "中文名") */
#define WG_ROLE_MAP(X)                                    \
	X(GRID_WORKER, "grid_worker", "网格员")           \
	X(GRID_HEAD, "grid_head", "网格长")               \
	X(CENTRE_OPERATOR, "centre_operator", "综治中心") \
	X(DEPT_HANDLER, "dept_handler", "部门经办人")     \
	X(DEPT_HEAD, "dept_head", "部门负责人")           \
	X(MEDIATOR, "mediator", "调解员")                 \
	X(LEADER, "leader", "领导")                       \
	X(SYSADMIN, "sysadmin", "系统管理员")             \
	X(SECADMIN, "secadmin", "安全管理员")             \
	X(AUDITOR, "auditor", "安全审计员")

enum wg_role_index {
#define WG__ROLE_INDEX(name, api, zh) WG_ROLE_INDEX_##name,
	WG_ROLE_MAP(WG__ROLE_INDEX)
#undef WG__ROLE_INDEX
		WG_ROLE_COUNT
};

enum wg_role {
#define WG__ROLE_BIT(name, api, zh) WG_ROLE_##name = 1u << WG_ROLE_INDEX_##name,
	WG_ROLE_MAP(WG__ROLE_BIT)
#undef WG__ROLE_BIT
};

#define WG_ROLES_ADMIN (WG_ROLE_SYSADMIN | WG_ROLE_SECADMIN | WG_ROLE_AUDITOR)
#define WG_ROLES_DEPARTMENT (WG_ROLE_DEPT_HANDLER | WG_ROLE_DEPT_HEAD)
#define WG_ROLES_ALL ((1u << WG_ROLE_COUNT) - 1)

/* The bit of an API name ("grid_worker"), or 0 if there is none. */
unsigned wg_role_parse(const char *name);

/* API name and Chinese label of a single role bit; NULL for anything else. */
const char *wg_role_name(unsigned role);
const char *wg_role_label(unsigned role);

/* True when the set holds two or more of the three admin powers; *a and *b
 * (may be NULL) get two of the conflicting bits. */
bool wg_role_admin_conflict(unsigned roles, unsigned *a, unsigned *b);

#endif
