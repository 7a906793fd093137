// The API helpers of the map, base-data, admin and audit views, on the
// console's one client (components/context.js).
import { api, fetchAll } from '../../components/context.js';

export { api, fetchAll };

/** The signed-in user: the remembered one, else asked of the server (GET /me). */
export async function currentUser() {
	const s = api.session();
	if (s?.user) return s.user;
	return api.get('/me');
}
