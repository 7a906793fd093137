// The portal's API client: no account, so no session is ever stored; only
// the public routes (/public/reports, /flows/event) and, when the server
// lets the public read them, the categories and the grid map.
import { createApi } from '@shared/api.js';

export const api = createApi({ mode: 'bearer', storage: sessionStorage, key: 'wg.portal' });

let flowPromise = null;
/** The event flow (states and actions with their labels), read once. */
export function eventFlow() {
	if (!flowPromise)
		flowPromise = api.get('/flows/event').catch((e) => {
			flowPromise = null;
			throw e;
		});
	return flowPromise;
}

/** A tracking code as typed, made canonical: Crockford base32 in capitals
 * without separators; the letters it never uses read as the digits they
 * resemble (O as 0, I and L as 1). */
export function normaliseCode(s) {
	return String(s || '')
		.toUpperCase()
		.replace(/[\s-]/g, '')
		.replace(/O/g, '0')
		.replace(/[IL]/g, '1');
}

export const CODE_RE = /^[0-9A-HJKMNP-TV-Z]{10}$/;
