// Sessions: sign-in, bearer and cookie use, CSRF, sign-out, idle and
// absolute expiry, lockout after wrong passwords, the per-address rate
// limit, and what a request without a valid session gets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
	assertJson,
	assertNoStore,
	assertProblem,
	assertSecurityHeaders,
	assertStatus,
	assertUnauthenticated,
	call,
	get,
	login,
	signIn,
} from './lib/http.mjs';
import { userId } from './lib/accounts.mjs';
import { PASSWORD, startServer } from './lib/server.mjs';

const WRONG = 'Wrong#2026pass';
const LOCKOUT_FAILURES = 5;
const LOCKOUT_S = 300;

let srv;
let admin; // sysadmin session, bearer
before(async () => {
	srv = await startServer();
	admin = await login(srv, 'sysadmin');
});
after(async () => {
	await srv?.stop();
});

function isoTime(s) {
	assert.equal(typeof s, 'string', `not a time string: ${s}`);
	assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, `not RFC 3339: ${s}`);
	const t = Date.parse(s);
	assert.ok(!Number.isNaN(t), `unparseable time ${s}`);
	return t;
}

/** A problem body without what differs between any two requests. */
function comparable(res) {
	const { request_id: _id, ...rest } = res.json || {};
	return rest;
}

async function sessionOfUser(username) {
	return srv.sql(
		`SELECT count(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = '${username}') AND revoked_at IS NULL`,
	)[0][0];
}

describe('sign-in', () => {
	it('201 with token, csrf_token, expires_at, state, user and an HttpOnly SameSite=Strict cookie', async () => {
		const before = Date.now();
		const res = await signIn(srv, 'county');
		assertStatus(res, 201);
		assertJson(res);
		assertNoStore(res);
		assertSecurityHeaders(res);
		const b = res.json;
		assert.equal(typeof b.token, 'string', `${res}`);
		assert.ok(b.token.length >= 32, `a short token (${b.token.length} chars):\n${res}`);
		assert.equal(typeof b.csrf_token, 'string', `${res}`);
		assert.ok(b.csrf_token.length >= 32, `a short csrf_token:\n${res}`);
		assert.notEqual(b.csrf_token, b.token);
		assert.equal(b.state, 'full');
		const exp = isoTime(b.expires_at);
		// The idle timeout (30 min) ends it first.
		assert.ok(exp > before + 25 * 60 * 1000 && exp <= Date.now() + 30 * 60 * 1000 + 2000, `expires_at ${b.expires_at}`);
		assert.equal(b.user.username, 'county');
		assert.deepEqual(b.user.roles, ['centre_operator']);
		assert.equal(b.user.region, '610326000000');
		assert.equal(b.user.active, true);
		assert.equal(b.user.must_change_password, false);
		assert.equal(typeof b.user.id, 'number');
		for (const k of Object.keys(b.user)) assert.doesNotMatch(k, /hash|secret|^password$|^totp$|csrf|token/, `user member ${k}:\n${res}`);
		assert.ok(!res.text.includes(PASSWORD), `the password in the answer:\n${res}`);
		assert.ok(!res.text.includes('$argon2'), `a password hash in the answer:\n${res}`);

		const cookies = res.headers.getSetCookie();
		const c = cookies.find((x) => x.startsWith('wg_session='));
		assert.ok(c, `no wg_session cookie:\n${res}`);
		const parts = c.split(';').map((p) => p.trim());
		assert.equal(parts[0], `wg_session=${b.token}`, `cookie value:\n${res}`);
		const attrs = parts.slice(1).map((p) => p.toLowerCase());
		assert.ok(attrs.includes('httponly'), `cookie not HttpOnly: ${c}`);
		assert.ok(attrs.includes('samesite=strict'), `cookie not SameSite=Strict: ${c}`);
		assert.ok(attrs.includes('path=/'), `cookie Path is not /: ${c}`);
		assert.ok(!attrs.includes('secure'), `Secure without security.cookie_secure: ${c}`);
		assert.ok(!attrs.some((a) => a.startsWith('domain=')), `cookie with a Domain: ${c}`);
		const maxAge = attrs.find((a) => a.startsWith('max-age='));
		if (maxAge) assert.ok(Number(maxAge.slice(8)) > 0, `cookie Max-Age: ${c}`);
	});

	it('two sign-ins give two different tokens and CSRF tokens', async () => {
		const a = await login(srv, 'leader');
		const b = await login(srv, 'leader');
		assert.notEqual(a.token, b.token);
		assert.notEqual(a.csrf, b.csrf);
	});

	it('records last_login_at', async () => {
		const s = await login(srv, 'mediator1');
		const me = await get(srv, '/api/v1/me', { token: s });
		assertStatus(me, 200);
		const t = isoTime(me.json.last_login_at);
		assert.ok(Math.abs(t - Date.now()) < 60000, `last_login_at ${me.json.last_login_at}`);
	});

	it('wrong password, unknown user and deactivated account: the same 401', async () => {
		const victim = 'police1';
		const id = await userId(srv, admin, 'justice1');
		// Deactivate justice1 (sysadmin).
		const off = await call(srv, 'PATCH', `/api/v1/users/${id}`, { token: admin, json: { active: false } });
		assertStatus(off, 200);

		const wrong = await signIn(srv, victim, WRONG);
		const unknown = await signIn(srv, 'no.such.user', WRONG);
		const unknownRightPw = await signIn(srv, 'no.such.user2', PASSWORD);
		const inactive = await signIn(srv, 'justice1', PASSWORD);
		const b = assertProblem(wrong, 401, 'unauthorized', { instance: '/api/v1/session' });
		assert.equal(b.detail, 'wrong username or password', `${wrong}`);
		for (const res of [unknown, unknownRightPw, inactive]) {
			assertProblem(res, 401, 'unauthorized', { instance: '/api/v1/session' });
			assert.deepEqual(comparable(res), comparable(wrong), `a different 401:\n${res}\n\nversus\n${wrong}`);
			assert.equal(res.header('www-authenticate'), wrong.header('www-authenticate'), `${res}`);
			assert.equal(res.header('content-type'), wrong.header('content-type'));
			assert.ok(!res.headers.getSetCookie().some((c) => /wg_session=[^;]/.test(c)), `a cookie on a 401:\n${res}`);
		}
	});

	it('an unknown user costs about as much as a wrong password (no shortcut around the hash)', async () => {
		const time = async (u) => {
			const t0 = process.hrtime.bigint();
			const res = await signIn(srv, u, WRONG);
			assertStatus(res, 401);
			return Number(process.hrtime.bigint() - t0) / 1e6;
		};
		const known = [];
		const unknown = [];
		for (let i = 0; i < 3; i++) {
			known.push(await time('leader'));
			unknown.push(await time(`ghost.timing${i}`));
		}
		const k = Math.min(...known);
		const u = Math.min(...unknown);
		assert.ok(u > k * 0.3, `unknown user ${u.toFixed(1)} ms vs wrong password ${k.toFixed(1)} ms: the difference tells who exists`);
	});
});

describe('using the session', () => {
	it('Authorization: Bearer works; GET /me shows the caller and the session', async () => {
		const s = await login(srv, 'town1');
		const res = await get(srv, '/api/v1/me', { token: s });
		assertStatus(res, 200);
		assertNoStore(res);
		const me = res.json;
		for (const k of [
			'id',
			'username',
			'name',
			'phone',
			'region',
			'grid',
			'department',
			'roles',
			'active',
			'must_change_password',
			'totp_enabled',
			'password_changed_at',
			'last_login_at',
			'created_at',
			'updated_at',
			'version',
			'session',
		]) {
			assert.ok(k in me, `GET /me lacks ${k}:\n${res}`);
		}
		assert.equal(me.username, 'town1');
		assert.equal(me.region, '610326001000');
		assert.equal(me.grid, null);
		assert.deepEqual(me.roles, ['centre_operator']);
		assert.equal(me.session.state, 'full');
		isoTime(me.session.expires_at);
		assert.ok(!res.text.includes(s.token), `GET /me shows the token:\n${res}`);
	});

	it('GET /me of a grid worker: region is the village, grid the grid', async () => {
		const s = await login(srv, 'worker1');
		const res = await get(srv, '/api/v1/me', { token: s });
		assertStatus(res, 200);
		assert.equal(res.json.grid, '610326001002001', `${res}`);
		assert.equal(res.json.region, '610326001002', `${res}`);
	});

	it('the cookie works for GET, and HEAD', async () => {
		const s = await login(srv, 'county');
		const res = await get(srv, '/api/v1/regions/610326001002', { cookie: s });
		assertStatus(res, 200);
		const head = await call(srv, 'HEAD', '/api/v1/me', { cookie: s });
		assertStatus(head, 200);
	});

	it('the cookie among other cookies works', async () => {
		const s = await login(srv, 'county');
		const res = await get(srv, '/api/v1/me', { headers: { Cookie: `a=1; wg_session=${s.token}; b=2` } });
		assertStatus(res, 200);
	});

	describe('CSRF with the cookie', () => {
		let s;
		let victimId;
		before(async () => {
			s = await login(srv, 'sysadmin');
			victimId = await userId(srv, admin, 'leader');
		});

		it('POST without X-CSRF-Token: 403, nothing created', async () => {
			const res = await call(srv, 'POST', '/api/v1/regions', { cookie: s, json: { code: '610326101279', name: '跨站村' } });
			assertProblem(res, 403, 'forbidden');
			assertStatus(await get(srv, '/api/v1/regions/610326101279', { token: admin }), 404);
		});

		it('POST with a wrong X-CSRF-Token (another session\'s, or garbage): 403', async () => {
			for (const csrf of [admin.csrf, 'garbage', '', s.token]) {
				const res = await call(srv, 'POST', '/api/v1/regions', {
					cookie: s,
					headers: { 'X-CSRF-Token': csrf },
					json: { code: '610326101279', name: '跨站村' },
				});
				assertProblem(res, 403, 'forbidden');
			}
			assertStatus(await get(srv, '/api/v1/regions/610326101279', { token: admin }), 404);
		});

		it('PATCH, PUT and DELETE without X-CSRF-Token: 403, nothing changed', async () => {
			const patch = await call(srv, 'PATCH', `/api/v1/users/${victimId}`, { cookie: s, json: { name: '被改了' } });
			assertProblem(patch, 403, 'forbidden');
			const put = await call(srv, 'PUT', '/api/v1/me/password', {
				cookie: s,
				json: { current_password: PASSWORD, new_password: 'Hijack#2026pw' },
			});
			assertProblem(put, 403, 'forbidden');
			const del = await call(srv, 'DELETE', '/api/v1/session', { cookie: s });
			assertProblem(del, 403, 'forbidden');
			// Nothing happened: the name, the password and the session are as they were.
			const u = await get(srv, `/api/v1/users/${victimId}`, { token: admin });
			assert.notEqual(u.json.name, '被改了', `${u}`);
			assertStatus(await get(srv, '/api/v1/me', { cookie: s }), 200);
		});

		it('with X-CSRF-Token: POST, PATCH and DELETE pass', async () => {
			const res = await call(srv, 'POST', '/api/v1/regions', {
				cookie: s,
				csrf: s.csrf,
				json: { code: '610326101279', name: '同站村' },
			});
			assertStatus(res, 201);
			const patch = await call(srv, 'PATCH', `/api/v1/users/${victimId}`, { cookie: s, csrf: s.csrf, json: { phone: '13800000001' } });
			assertStatus(patch, 200);
			const del = await call(srv, 'DELETE', '/api/v1/session', { cookie: s, csrf: s.csrf });
			assertStatus(del, 204);
			assertUnauthenticated(await get(srv, '/api/v1/me', { cookie: s }));
		});

		it('PUT with the cookie: 403 without X-CSRF-Token, 200 with it', async () => {
			const sc = await login(srv, 'secadmin');
			const id = await userId(srv, admin, 'mediator1');
			const without = await call(srv, 'PUT', `/api/v1/users/${id}/roles`, { cookie: sc, json: { roles: ['leader'] } });
			assertProblem(without, 403, 'forbidden');
			assert.deepEqual((await get(srv, `/api/v1/users/${id}`, { token: admin })).json.roles, ['mediator']);
			const res = await call(srv, 'PUT', `/api/v1/users/${id}/roles`, { cookie: sc, csrf: sc.csrf, json: { roles: ['mediator', 'leader'] } });
			assertStatus(res, 200);
			assert.deepEqual([...res.json.roles].sort(), ['leader', 'mediator']);
		});

		it('bearer requests need no CSRF token', async () => {
			const res = await call(srv, 'POST', '/api/v1/regions', { token: admin, json: { code: '610326101278', name: '令牌村' } });
			assertStatus(res, 201);
		});

		it('POST /session itself needs no CSRF token, even with a cookie', async () => {
			const res = await call(srv, 'POST', '/api/v1/session', {
				cookie: admin,
				json: { username: 'county', password: PASSWORD },
			});
			assertStatus(res, 201);
		});
	});
});

describe('sign-out', () => {
	it('DELETE /session: 204, cookie cleared, then the token is 401', async () => {
		const s = await login(srv, 'village1');
		const other = await login(srv, 'village1');
		const res = await call(srv, 'DELETE', '/api/v1/session', { token: s });
		assertStatus(res, 204);
		assert.equal(res.body.length, 0, `a 204 with a body:\n${res}`);
		const c = res.headers.getSetCookie().find((x) => x.startsWith('wg_session='));
		assert.ok(c, `DELETE /session does not clear the cookie:\n${res}`);
		assert.match(c, /^wg_session=;|^wg_session=""?;/, `the cookie is not emptied: ${c}`);
		assert.ok(/max-age=0\b/i.test(c) || /expires=[^;]*19[67]\d/i.test(c), `the cookie is not expired: ${c}`);
		assertUnauthenticated(await get(srv, '/api/v1/me', { token: s }));
		assertUnauthenticated(await get(srv, '/api/v1/me', { cookie: s }));
		assertUnauthenticated(await call(srv, 'DELETE', '/api/v1/session', { token: s }));
		// Other sessions of the account go on.
		assertStatus(await get(srv, '/api/v1/me', { token: other }), 200);
	});
});

/**
 * A session changed behind the server's back (SQL here, another node or a
 * CLI command in use) is refused from the next request on SQLite, and on
 * PostgreSQL as soon as the change's NOTIFY has reached the server, which
 * keeps a memo of the sessions it looked up (src/http/auth.c): moments.
 */
async function soonUnauthenticated(path, creds) {
	const end = Date.now() + (srv.store === 'sqlite' ? 0 : 2000);
	for (;;) {
		const res = await get(srv, path, creds);
		if (res.status === 401 || Date.now() >= end) return assertUnauthenticated(res);
		await new Promise((r) => setTimeout(r, 20));
	}
}

describe('expiry', () => {
	it('idle: 31 minutes without a request ends the session (401)', async () => {
		const s = await login(srv, 'mediator1');
		const keep = await login(srv, 'leader');
		assertStatus(await get(srv, '/api/v1/me', { token: s }), 200);
		srv.sql(
			`UPDATE sessions SET last_seen_at = last_seen_at - ${31 * 60 * 1000} WHERE user_id = (SELECT id FROM users WHERE username = 'mediator1')`,
		);
		await soonUnauthenticated('/api/v1/me', { token: s });
		assertUnauthenticated(await get(srv, '/api/v1/regions', { cookie: s }));
		assertStatus(await get(srv, '/api/v1/me', { token: keep }), 200);
	});

	it('idle: 29 minutes is still alive', async () => {
		const s = await login(srv, 'police1', PASSWORD);
		srv.sql(
			`UPDATE sessions SET last_seen_at = last_seen_at - ${29 * 60 * 1000}, created_at = created_at - ${29 * 60 * 1000} WHERE user_id = (SELECT id FROM users WHERE username = 'police1')`,
		);
		assertStatus(await get(srv, '/api/v1/me', { token: s }), 200);
	});

	it('absolute: 12 hours after sign-in it ends even though it was used just now', async () => {
		const s = await login(srv, 'worker2');
		assertStatus(await get(srv, '/api/v1/me', { token: s }), 200);
		srv.sql(
			`UPDATE sessions SET created_at = created_at - ${12 * 3600 * 1000 + 1000} WHERE user_id = (SELECT id FROM users WHERE username = 'worker2')`,
		);
		const rows = srv.sql(`SELECT count(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'worker2')`);
		assert.equal(rows[0][0], '1');
		await soonUnauthenticated('/api/v1/me', { token: s });
	});

	it('absolute: 11 hours 50 minutes after sign-in, used just now, is still alive', async () => {
		const s = await login(srv, 'worker1');
		srv.sql(
			`UPDATE sessions SET created_at = created_at - ${(11 * 60 + 50) * 60 * 1000} WHERE user_id = (SELECT id FROM users WHERE username = 'worker1')`,
		);
		const res = await get(srv, '/api/v1/me', { token: s });
		assertStatus(res, 200);
		// expires_at follows the absolute end now (10 minutes away), not the idle end.
		const exp = Date.parse(res.json.session.expires_at);
		assert.ok(exp < Date.now() + 11 * 60 * 1000, `session.expires_at ignores the absolute end: ${res.json.session.expires_at}`);
	});
});

describe('lockout', () => {
	it(`${LOCKOUT_FAILURES} wrong passwords lock the username: 429 with Retry-After, also for the right password`, async () => {
		const user = 'town2';
		for (let i = 0; i < LOCKOUT_FAILURES; i++) {
			const res = await signIn(srv, user, `${WRONG}${i}`);
			assertProblem(res, 401, 'unauthorized');
		}
		const locked = await signIn(srv, user, WRONG);
		assertProblem(locked, 429, 'rate-limited', { instance: '/api/v1/session' });
		const retry = Number(locked.header('retry-after'));
		assert.ok(Number.isInteger(retry) && retry > 0 && retry <= LOCKOUT_S, `Retry-After:\n${locked}`);
		const right = await signIn(srv, user, PASSWORD);
		assertProblem(right, 429, 'rate-limited');
		assert.ok(Number(right.header('retry-after')) > 0, `Retry-After:\n${right}`);
		assert.ok(!right.text.includes('token'), `a locked sign-in gave a token:\n${right}`);
		// Another username is not affected.
		assertStatus(await signIn(srv, 'town1'), 201);
	});

	it('unknown usernames lock the same way', async () => {
		const user = 'nobody.locked';
		for (let i = 0; i < LOCKOUT_FAILURES; i++) {
			const res = await signIn(srv, user, `${WRONG}${i}`);
			assertProblem(res, 401, 'unauthorized');
		}
		const locked = await signIn(srv, user, WRONG);
		assertProblem(locked, 429, 'rate-limited');
		const retry = Number(locked.header('retry-after'));
		assert.ok(Number.isInteger(retry) && retry > 0 && retry <= LOCKOUT_S, `Retry-After:\n${locked}`);
	});

	it('fewer failures than the limit do not lock; a success forgets them', async () => {
		const user = 'leader';
		for (let i = 0; i < LOCKOUT_FAILURES - 1; i++) assertStatus(await signIn(srv, user, WRONG), 401);
		assertStatus(await signIn(srv, user), 201);
		for (let i = 0; i < LOCKOUT_FAILURES - 1; i++) assertStatus(await signIn(srv, user, WRONG), 401);
		assertStatus(await signIn(srv, user), 201);
	});

	it('the lock ends after lockout_s: the right password works again', async () => {
		const user = 'town2'; // locked by the first test
		assertStatus(await signIn(srv, user), 429);
		srv.sql(`UPDATE login_failures SET at = at - ${LOCKOUT_S * 1000} WHERE username = '${user}'`);
		const res = await signIn(srv, user);
		assertStatus(res, 201);
		assert.equal(res.json.user.username, user);
	});

	it('an existing session is not ended by a lockout', async () => {
		const s = await login(srv, 'village1');
		const open = await sessionOfUser('village1');
		for (let i = 0; i <= LOCKOUT_FAILURES; i++) await signIn(srv, 'village1', WRONG);
		assertStatus(await signIn(srv, 'village1'), 429);
		assertStatus(await get(srv, '/api/v1/me', { token: s }), 200);
		assert.equal(await sessionOfUser('village1'), open);
	});
});

describe('without a valid session', () => {
	const routes = [
		['GET', '/api/v1/me'],
		['GET', '/api/v1/regions'],
		['GET', '/api/v1/users'],
		['GET', '/api/v1/audit'],
		['DELETE', '/api/v1/session'],
		['PUT', '/api/v1/me/password'],
		['POST', '/api/v1/me/totp'],
		['POST', '/api/v1/users'],
	];
	for (const [method, path] of routes) {
		it(`${method} ${path} with no token: 401, WWW-Authenticate: Bearer`, async () => {
			const opts = method === 'GET' || method === 'DELETE' ? {} : { json: {} };
			assertUnauthenticated(await call(srv, method, path, opts));
		});
	}

	for (const [what, opts] of [
		['a garbage bearer token', () => ({ token: 'garbage' })],
		['a well-formed but unknown token', () => ({ token: 'A'.repeat(43) })],
		['a garbage cookie', () => ({ cookie: 'garbage' })],
		['the CSRF token as bearer', () => ({ token: admin.csrf })],
		['the CSRF token as cookie', () => ({ cookie: admin.csrf })],
		['Basic credentials', () => ({ headers: { Authorization: `Basic ${Buffer.from(`sysadmin:${PASSWORD}`).toString('base64')}` } })],
		['the token without "Bearer"', () => ({ headers: { Authorization: admin.token } })],
		['the token in another cookie name', () => ({ headers: { Cookie: `session=${admin.token}` } })],
	]) {
		it(`${what}: 401`, async () => {
			assertUnauthenticated(await get(srv, '/api/v1/me', opts()));
		});
	}

	it('/healthz and /metrics stay public', async () => {
		assertStatus(await get(srv, '/healthz'), 200);
		assertStatus(await get(srv, '/metrics'), 200);
	});
});

describe('rate limit per address', () => {
	let limited;
	before(async () => {
		limited = await startServer({ loginPerMinute: 3 });
	});
	after(async () => {
		await limited?.stop();
	});

	let opened;
	it('login_per_minute=3: the 4th attempt in a minute is 429 with Retry-After, even with the right password', async () => {
		assertStatus(await signIn(limited, 'leader', WRONG), 401);
		opened = await login(limited, 'county');
		assertStatus(await signIn(limited, 'mediator1', WRONG), 401);
		const res = await signIn(limited, 'leader');
		assertProblem(res, 429, 'rate-limited', { instance: '/api/v1/session' });
		const retry = Number(res.header('retry-after'));
		assert.ok(Number.isInteger(retry) && retry > 0 && retry <= 60, `Retry-After:\n${res}`);
		assert.ok(!res.json?.token, `a rate-limited sign-in gave a token:\n${res}`);
	});

	it('other routes are not limited by it: a session opened before goes on', async () => {
		assertStatus(await signIn(limited, 'county'), 429);
		for (let i = 0; i < 10; i++) assertStatus(await get(limited, '/api/v1/me', { token: opened }), 200);
	});

	it('the main server (a high limit) is not affected by another server\'s limit', async () => {
		assertStatus(await signIn(srv, 'county'), 201);
	});
});

describe('sessions are kept hashed', () => {
	it('the database holds no token in clear', async () => {
		const s = await login(srv, 'county');
		const rows = srv.sql(`SELECT token_hash FROM sessions`);
		assert.ok(rows.length > 0);
		for (const [h] of rows) assert.notEqual(h, s.token);
		assert.ok(!rows.some(([h]) => h.includes(s.token)), 'a token stored in clear');
	});
});
