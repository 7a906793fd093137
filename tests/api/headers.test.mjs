// Headers every response carries: request id, security headers, and
// Cache-Control: no-store on API responses, for successes and errors alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNoStore, assertSecurityHeaders, call, get, raw } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
	srv = await startServer();
});
after(async () => {
	await srv?.stop();
});

const ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

// [name, request, isApi]
const requests = [
	['GET /healthz', () => get(srv, '/healthz'), false],
	['GET /metrics', () => get(srv, '/metrics'), false],
	['GET /api/v1/regions (200)', () => get(srv, '/api/v1/regions'), true],
	['GET /api/v1/regions/{code} (200)', () => get(srv, '/api/v1/regions/610326000000'), true],
	['GET /api/v1/regions/{code} (404)', () => get(srv, '/api/v1/regions/610326999999'), true],
	['GET /api/v1/regions?limit=0 (422)', () => get(srv, '/api/v1/regions?limit=0'), true],
	['GET /api/v1/nope (404)', () => get(srv, '/api/v1/nope'), true],
	['DELETE /api/v1/regions (405)', () => call(srv, 'DELETE', '/api/v1/regions'), true],
	[
		'POST /api/v1/regions text/plain (415)',
		() => call(srv, 'POST', '/api/v1/regions', { body: '{}', headers: { 'Content-Type': 'text/plain' } }),
		true,
	],
	[
		'POST /api/v1/regions malformed (400)',
		() => call(srv, 'POST', '/api/v1/regions', { body: '{', headers: { 'Content-Type': 'application/json' } }),
		true,
	],
	['HEAD /api/v1/regions/{code}', () => call(srv, 'HEAD', '/api/v1/regions/610326000000'), true],
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
		const res = await raw(srv.port, 'GET /api/v1/regions?parent=%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
		assert.ok(res.status !== undefined, `no response: ${res.error}`);
		assertSecurityHeaders(res);
		assertNoStore(res);
	});
});

describe('X-Request-Id', () => {
	const echoed = ['abc', 'A-Z.a_z-0.9', 'x'.repeat(64), '0', 'req-2026-11-24T09.30.00'];
	for (const id of echoed) {
		it(`echoes a valid id ${JSON.stringify(id.length > 20 ? `${id.slice(0, 8)}…(${id.length})` : id)}`, async () => {
			const res = await get(srv, '/api/v1/regions/610326000000', { headers: { 'X-Request-Id': id } });
			assert.equal(res.header('x-request-id'), id, `${res}`);
		});
	}

	it('echoes a valid id into a problem body', async () => {
		const res = await get(srv, '/api/v1/regions/610326999999', { headers: { 'X-Request-Id': 'trace.42' } });
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
					`GET /api/v1/regions/610326000000 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`,
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
