// Which console pages a user has: the menu and the landing page, both
// derived from the router's table (meta.menu and meta.roles).
import { routes } from '../router.js';

/** The first menu page the roles admit, or '/password' when there is none. */
export function homeFor(roles) {
	for (const r of routes) {
		if (!r.meta?.menu || !r.meta.roles || r.path.includes(':')) continue;
		if (r.meta.roles.some((x) => roles.includes(x))) return r.path;
	}
	for (const r of routes)
		if (r.meta?.menu && r.meta.roles?.some((x) => roles.includes(x))) return r.path.replace(/\/:kind.*$/, '/residents');
	return '/password';
}

/** Whether a route is meant for someone with these roles. */
export function allowed(route, roles) {
	return !route.meta?.roles || route.meta.roles.some((r) => roles.includes(r));
}
