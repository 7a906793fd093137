// The one client of the wangge HTTP API (API.md) for every page of the web
// app. Two ways to hold a session, as API.md says: the console keeps the
// HttpOnly cookie the server sets and sends the CSRF token with each unsafe
// method ('cookie'); the phone app keeps the bearer token ('bearer'). Both
// remember what they need in the given storage under `key`.
//
// Every failure is an ApiError carrying the RFC 9457 problem: status, title,
// detail and the field errors, so forms can mark the field named.

export class ApiError extends Error {
	constructor(status, problem) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;
		this.problem = problem || {};
		this.fields = Object.fromEntries((this.problem.errors || []).map((e) => [e.field, e.message]));
		this.retryAfter = 0;
	}
}

const BASE = '/api/v1';

function queryString(query) {
	if (!query) return '';
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(query))
		if (v !== undefined && v !== null && v !== '') p.append(k, String(v));
	const s = p.toString();
	return s ? `?${s}` : '';
}

/** A fresh Idempotency-Key: random, so a retried create is recognised. */
export function newKey() {
	const b = new Uint8Array(16);
	crypto.getRandomValues(b);
	return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * createApi({mode: 'cookie'|'bearer', storage, key, onUnauthorized})
 * Returns {get, post, put, patch, del, upload, login, logout, session, url}.
 */
export function createApi({ mode = 'cookie', storage = sessionStorage, key = 'wg', onUnauthorized } = {}) {
	const load = () => {
		try {
			return JSON.parse(storage.getItem(key) || 'null');
		} catch {
			return null;
		}
	};
	let session = load(); // {token?, csrf?, user?, state?}
	const save = (s) => {
		session = s;
		if (s) storage.setItem(key, JSON.stringify(s));
		else storage.removeItem(key);
	};

	async function request(method, path, { query, body, headers = {}, raw } = {}) {
		const h = { Accept: 'application/json', ...headers };
		if (session?.token && mode === 'bearer') h.Authorization = `Bearer ${session.token}`;
		if (session?.csrf && mode === 'cookie' && method !== 'GET') h['X-CSRF-Token'] = session.csrf;
		let payload = body;
		if (body !== undefined && !raw) {
			h['Content-Type'] = 'application/json';
			payload = JSON.stringify(body);
		}
		let res;
		try {
			res = await fetch(BASE + path + queryString(query), {
				method,
				headers: h,
				body: payload,
				credentials: 'same-origin',
			});
		} catch (e) {
			const err = new ApiError(0, { title: 'network', detail: e.message });
			err.offline = true;
			throw err;
		}
		if (res.status === 204) return null;
		const type = res.headers.get('Content-Type') || '';
		const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
		if (!res.ok) {
			const err = new ApiError(res.status, typeof data === 'object' ? data : { detail: data });
			err.retryAfter = Number(res.headers.get('Retry-After') || 0);
			if (res.status === 401 && path !== '/session') {
				save(null);
				onUnauthorized?.(err);
			}
			throw err;
		}
		if (type.includes('json') && res.headers.get('ETag') && data && typeof data === 'object')
			Object.defineProperty(data, '$etag', { value: res.headers.get('ETag'), enumerable: false });
		return data;
	}

	return {
		get: (path, query) => request('GET', path, { query }),
		post: (path, body, opt = {}) => request('POST', path, { body, ...withHeaders(opt) }),
		put: (path, body, opt = {}) => request('PUT', path, { body, ...withHeaders(opt) }),
		patch: (path, body, opt = {}) => request('PATCH', path, { body, ...withHeaders(opt) }),
		del: (path) => request('DELETE', path),
		/** Upload a File or Blob as the raw body; the server sniffs the type. */
		upload: (path, file) =>
			request('POST', path, {
				body: file,
				raw: true,
				headers: { 'Content-Type': file.type || 'application/octet-stream' },
			}),
		/** Sign in; returns the server's answer ({token, csrf_token, state, user}). */
		async login(username, password, totp) {
			const body = { username, password };
			if (totp) body.totp = totp;
			const r = await request('POST', '/session', { body });
			save({ token: mode === 'bearer' ? r.token : undefined, csrf: r.csrf_token, user: r.user, state: r.state });
			return r;
		},
		async logout() {
			try {
				await request('DELETE', '/session');
			} finally {
				save(null);
			}
		},
		/** The remembered session ({user, state}) or null; refresh() asks the server. */
		session: () => session,
		async refresh() {
			if (!session) return null;
			const me = await request('GET', '/me');
			save({ ...session, user: me, state: me.session?.state || 'full' });
			return session;
		},
		update: (patch) => save({ ...session, ...patch }),
		/** URL of a GET (attachments, exports) for <img src> and links. */
		url: (path, query) => BASE + path + queryString(query),
	};
}

function withHeaders({ ifMatch, idempotencyKey, headers = {} }) {
	const h = { ...headers };
	if (ifMatch !== undefined) h['If-Match'] = /^".*"$/.test(String(ifMatch)) ? String(ifMatch) : `"${ifMatch}"`;
	if (idempotencyKey) h['Idempotency-Key'] = idempotencyKey;
	return { headers: h };
}
