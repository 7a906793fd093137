// The API from the browser tests' side: sign in as a demo account and call
// the API with its bearer token, to set up what a spec needs (a case in a
// given state) and to check what the UI did (the case exists once).
export { PASSWORD, DEMO, COUNTY, TOWN1, TOWN2, VILLAGE1, GRID1, GRID2 } from '../../../tests/api/lib/server.mjs';
import { PASSWORD } from '../../../tests/api/lib/server.mjs';

export const baseURL = () => {
	const url = process.env.WG_BASE_URL;
	if (!url) throw new Error('WG_BASE_URL is not set: run the specs with e2e/playwright.config.mjs');
	return url;
};

/** A client signed in as username: {token, get, post, act(id, action, fields)}. Throws on non-2xx. */
export async function signIn(username, password = PASSWORD) {
	const res = await fetch(`${baseURL()}/api/v1/session`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username, password }),
	});
	const body = await res.json();
	if (res.status !== 201) throw new Error(`sign-in of ${username}: ${res.status} ${JSON.stringify(body)}`);
	return client(body.token);
}

function client(token) {
	async function call(method, path, body, headers = {}) {
		const res = await fetch(`${baseURL()}/api/v1${path}`, {
			method,
			headers: {
				Authorization: `Bearer ${token}`,
				...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
				...headers,
			},
			body: body !== undefined ? JSON.stringify(body) : undefined,
		});
		const text = await res.text();
		const data = text ? JSON.parse(text) : null;
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
		return data;
	}
	const c = {
		token,
		get: (path) => call('GET', path),
		post: (path, body, headers) => call('POST', path, body, headers),
		/** Take an action on a case at its current version; returns the new case. */
		async act(id, action, fields = {}) {
			const kase = await call('GET', `/cases/${id}`);
			return call('POST', `/cases/${id}/actions/${action}`, fields, { 'If-Match': `"${kase.version}"` });
		},
	};
	return c;
}
