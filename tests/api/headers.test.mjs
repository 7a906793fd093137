// Headers every response carries: request id, security headers, and
// Cache-Control: no-store on API responses, for successes and errors alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoStore, assertSecurityHeaders, bearerLine, call, get, login, raw } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let srv;
let admin; // sysadmin: may read and create regions
let reader; // a grid worker: 403 on POST /regions
before(async () => {
	srv = await startServer();
	admin = await login(srv, 'sysadmin');
	reader = await login(srv, 'worker1');
});
after(async () => {
	await srv?.stop();
});

const ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

// [name, request, isApi]
const requests = [
	['GET /healthz', () => get(srv, '/healthz'), false],
	['GET /metrics', () => get(srv, '/metrics'), false],
	['GET /api/v1/regions (200)', () => get(srv, '/api/v1/regions', { token: admin }), true],
	['GET /api/v1/regions/{code} (200)', () => get(srv, '/api/v1/regions/610326000000', { token: admin }), true],
	['GET /api/v1/regions/{code} (404)', () => get(srv, '/api/v1/regions/610326999999', { token: admin }), true],
	['GET /api/v1/regions?limit=0 (422)', () => get(srv, '/api/v1/regions?limit=0', { token: admin }), true],
	['GET /api/v1/regions without a session (401)', () => get(srv, '/api/v1/regions'), true],
	['GET /api/v1/regions with a garbage token (401)', () => get(srv, '/api/v1/regions', { token: 'garbage' }), true],
	[
		'POST /api/v1/regions as a grid worker (403)',
		() => call(srv, 'POST', '/api/v1/regions', { token: reader, json: { code: '610326101279', name: 'x' } }),
		true,
	],
	['GET /api/v1/users as a grid worker (403)', () => get(srv, '/api/v1/users', { token: reader }), true],
	['GET /api/v1/me (200)', () => get(srv, '/api/v1/me', { token: reader }), true],
	[
		'POST /api/v1/session wrong password (401)',
		() => call(srv, 'POST', '/api/v1/session', { json: { username: 'nobody', password: 'Wrong#2026pass' } }),
		true,
	],
	['GET /api/v1/nope (404)', () => get(srv, '/api/v1/nope', { token: admin }), true],
	['DELETE /api/v1/regions (405)', () => call(srv, 'DELETE', '/api/v1/regions', { token: admin }), true],
	[
		'POST /api/v1/regions text/plain (415)',
		() => call(srv, 'POST', '/api/v1/regions', { token: admin, body: '{}', headers: { 'Content-Type': 'text/plain' } }),
		true,
	],
	[
		'POST /api/v1/regions malformed (400)',
		() => call(srv, 'POST', '/api/v1/regions', { token: admin, body: '{', headers: { 'Content-Type': 'application/json' } }),
		true,
	],
	['HEAD /api/v1/regions/{code}', () => call(srv, 'HEAD', '/api/v1/regions/610326000000', { token: admin }), true],
	['GET / (SPA)', () => get(srv, '/', { headers: { Accept: 'text/html' } }), false],
	['GET /grids/map (SPA)', () => get(srv, '/grids/map', { headers: { Accept: 'text/html' } }), false],
	['GET /assets/app-1234.js', () => get(srv, '/assets/app-1234.js'), false],
	['GET /assets/nope.js (404)', () => get(srv, '/assets/nope.js'), false],
];

describe('security headers on every response', () => {
	for (const [name, send, isApi] of requests) {
		it(name, async () => {
			const res = await send();
			assertSecurityHeaders(res);
			if (isApi) assertNoStore(res);
		});
	}

	it('on a 400 for an unparseable request line (raw socket)', async () => {
		const res = await raw(srv.port, `GET /api/v1/regions?parent=%ff HTTP/1.1\r\nHost: x\r\n${bearerLine(admin)}\r\nConnection: close\r\n\r\n`);
		assert.ok(res.status !== undefined, `no response: ${res.error}`);
		assertSecurityHeaders(res);
		assertNoStore(res);
	});
});

describe('X-Request-Id', () => {
	const echoed = ['abc', 'A-Z.a_z-0.9', 'x'.repeat(64), '0', 'req-2026-11-24T09.30.00'];
	for (const id of echoed) {
		it(`echoes a valid id ${JSON.stringify(id.length > 20 ? `${id.slice(0, 8)}…(${id.length})` : id)}`, async () => {
			const res = await get(srv, '/api/v1/regions/610326000000', { token: admin, headers: { 'X-Request-Id': id } });
			assert.equal(res.header('x-request-id'), id, `${res}`);
		});
	}

	it('echoes a valid id into a 401 problem body', async () => {
		const res = await get(srv, '/api/v1/regions', { headers: { 'X-Request-Id': 'trace.401' } });
		assert.equal(res.status, 401, `${res}`);
		assert.equal(res.header('x-request-id'), 'trace.401');
		assert.equal(res.json?.request_id, 'trace.401', `${res}`);
	});

	it('echoes a valid id into a problem body', async () => {
		const res = await get(srv, '/api/v1/regions/610326999999', { token: admin, headers: { 'X-Request-Id': 'trace.42' } });
		assert.equal(res.status, 404);
		assert.equal(res.header('x-request-id'), 'trace.42');
		assert.equal(res.json?.request_id, 'trace.42', `${res}`);
	});

	const rejected = [
		['65 characters', 'y'.repeat(65)],
		['a space', 'a b'],
		['a slash', 'a/b'],
		['markup', '<script>'],
		['a quote', 'a"b'],
		['non-ASCII bytes', Buffer.from('网格', 'utf8').toString('latin1')],
		['empty', ''],
	];
	for (const [name, id] of rejected) {
		it(`generates a fresh id instead of one with ${name}`, async () => {
			// Raw socket: fetch refuses some of these header values.
			const res = await raw(
				srv.port,
				Buffer.from(
					`GET /api/v1/regions/610326000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n${bearerLine(admin)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`,
					'latin1',
				),
			);
			assert.equal(res.status, 200, `${res}`);
			const got = res.header('x-request-id');
			assert.ok(got, `no X-Request-Id:\n${res}`);
			assert.notEqual(got, id.trim() === '' ? '' : id, `echoed an invalid id:\n${res}`);
			assert.match(got, ID_RE, `generated id is not itself a valid id:\n${res}`);
		});
	}

	it('generates different ids for different requests', async () => {
		const ids = new Set();
		for (let i = 0; i < 20; i++) {
			const res = await get(srv, '/healthz');
			const id = res.header('x-request-id');
			assert.match(id || '', ID_RE);
			ids.add(id);
		}
		assert.equal(ids.size, 20, 'generated request ids repeat');
	});
});
