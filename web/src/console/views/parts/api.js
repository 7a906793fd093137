// The API helpers of the map, base-data, admin and audit views, on the
// console's one client (components/context.js).
import { api } from '../../components/context.js';

export { api };

/** The signed-in user: the remembered one, else asked of the server (GET /me). */
export async function currentUser() {
	const s = api.session();
	if (s?.user) return s.user;
	return api.get('/me');
}

/**
 * Every item of a cursor-paged list, following next_cursor up to maxPages
 * pages of `limit`. Returns {items, total, complete}: complete is false when
 * the page limit stopped it before the end.
 */
export async function fetchAll(path, query = {}, { limit = 200, maxPages = 100 } = {}) {
	const items = [];
	let cursor;
	let total;
	for (let page = 0; page < maxPages; page++) {
		const r = await api.get(path, { ...query, limit, cursor });
		items.push(...(r.items || []));
		if (total === undefined && r.total !== undefined) total = r.total;
		if (!r.next_cursor) return { items, total: total ?? items.length, complete: true };
		cursor = r.next_cursor;
	}
	return { items, total: total ?? items.length, complete: false };
}
