// Bad input, one test each: the right 4xx problem, never a 5xx, and the
// server keeps serving afterwards.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { as, assertNoStore, assertProblem, assertSecurityHeaders, assertStatus, assertTooLarge, bearerLine, get, login, raw } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

// Every request is made as `sysadmin` (who may create regions), so that
// what answers is the check under test, not the session check.
let srv;
let api;
let AUTH; // the Authorization header line for raw requests
before(async () => {
	srv = await startServer();
	const s = await login(srv, 'sysadmin');
	api = as(srv, s);
	AUTH = bearerLine(s);
});
after(async () => {
	await srv?.stop();
});
// Whatever a test sent, the server must still answer.
afterEach(async () => {
	if (!srv) return;
	const res = await get(srv, '/healthz', { timeout: 5000 });
	assert.equal(res.status, 200, `server unhealthy after the test:\n${res}\n${srv.logTail(2000)}`);
});

const P = '/api/v1/regions';
const JSON_CT = { 'Content-Type': 'application/json' };

function head(method, path, headers) {
	return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;
}

describe('request bodies', () => {
	const malformed = [
		['a truncated object', '{"code":"610326101279",'],
		['a bare brace', '{'],
		['single quotes', "{'code':'610326101279','name':'x'}"],
		['a trailing comma', '{"code":"610326101279","name":"x",}'],
		['two documents', '{"code":"610326101279","name":"x"} {}'],
		['trailing garbage', '{"code":"610326101279","name":"x"}x'],
		['an empty body', ''],
		['whitespace only', '  \n'],
		['a NUL byte', '{"code":"610326101279","name":"x"}\u0000'],
		['an unescaped control character in a string', '{"code":"610326101279","name":"a\u0001b"}'],
		['a bad escape', '{"code":"610326101279","name":"\\x41"}'],
		['a lone surrogate escape', '{"code":"610326101279","name":"\\ud800"}'],
		['deep nesting', `${'['.repeat(100000)}${']'.repeat(100000)}`],
	];
	for (const [what, body] of malformed) {
		it(`malformed JSON (${what}) is 400`, async () => {
			const res = await api.call('POST', P, { body, headers: JSON_CT });
			assertProblem(res, 400, 'bad-request', { instance: P });
			assertNoStore(res);
			assertStatus(await api.get('/api/v1/regions/610326101279'), 404);
		});
	}

	for (const [what, body] of [
		['an array', '[{"code":"610326101279","name":"x"}]'],
		['a string', '"610326101279"'],
		['a number', '610326101279'],
		['null', 'null'],
		['true', 'true'],
	]) {
		it(`a JSON ${what} as the body is 400 saying an object is required`, async () => {
			const res = await api.call('POST', P, { body, headers: JSON_CT });
			const b = assertProblem(res, 400, 'bad-request');
			assert.match(b.detail, /object/i, `detail should say a JSON object is required:\n${res}`);
		});
	}

	it('a field of the wrong type is 422 naming it', async () => {
		const res = await api.call('POST', P, { body: '{"code":610326101279,"name":"x"}', headers: JSON_CT });
		assertProblem(res, 422, 'validation', { field: 'code' });
		const res2 = await api.call('POST', P, { body: '{"code":"610326101279","name":["x"]}', headers: JSON_CT });
		assertProblem(res2, 422, 'validation', { field: 'name' });
	});

	for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json']) {
		it(`Content-Type ${ct} is 415`, async () => {
			const res = await api.call('POST', P, {
				body: '{"code":"610326101279","name":"x"}',
				headers: { 'Content-Type': ct },
			});
			assertProblem(res, 415, 'unsupported-media-type', { instance: P });
			assertStatus(await api.get('/api/v1/regions/610326101279'), 404);
		});
	}

	it('a body without Content-Type is 415', async () => {
		const body = '{"code":"610326101279","name":"x"}';
		const res = await raw(srv.port, head('POST', P, [`Content-Length: ${Buffer.byteLength(body)}`]) + body);
		assertProblem(res, 415, 'unsupported-media-type');
		assertStatus(await api.get('/api/v1/regions/610326101279'), 404);
	});

	it('a body over 1 MiB (2 MiB of JSON) is 413', async (t) => {
		const body = Buffer.from(JSON.stringify({ code: '610326101279', name: 'x'.repeat(2 * 1024 * 1024) }));
		const res = await raw(srv.port, head('POST', P, ['Content-Type: application/json', `Content-Length: ${body.length}`]), {
			body,
			bodyDelayMs: 200,
			timeout: 20000,
		});
		if (res.status === undefined && /ECONNRESET|EPIPE/.test(res.error)) {
			t.diagnostic(`connection reset before an answer arrived (${res.error})`);
			return;
		}
		assert.ok(res.status !== undefined, `no response to a 2 MiB body (${res.error}); expected 413`);
		assertTooLarge(res);
	});

	it('a declared Content-Length over 1 MiB is 413 before the body is sent', async () => {
		const res = await raw(
			srv.port,
			head('POST', P, ['Content-Type: application/json', `Content-Length: ${64 * 1024 * 1024}`]),
			{ timeout: 10000 },
		);
		assert.ok(res.status !== undefined, `no response (${res.error}); expected 413`);
		assertTooLarge(res);
	});

	it('a chunked body over 1 MiB is 413', async (t) => {
		const chunk = Buffer.alloc(256 * 1024, 'a');
		const parts = [];
		parts.push(Buffer.from('{"code":"610326101279","name":"'));
		for (let i = 0; i < 8; i++) parts.push(chunk);
		parts.push(Buffer.from('"}'));
		const body = Buffer.concat(parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]).concat(Buffer.from('0\r\n\r\n')));
		const res = await raw(srv.port, head('POST', P, ['Content-Type: application/json', 'Transfer-Encoding: chunked']), {
			body,
			timeout: 20000,
		});
		if (res.status === undefined && /ECONNRESET|EPIPE/.test(res.error)) {
			t.diagnostic(`connection reset before an answer arrived (${res.error})`);
			return;
		}
		assert.ok(res.status !== undefined, `no response (${res.error}); expected 413`);
		assertTooLarge(res);
	});

	for (const [what, bytes] of [
		['0xff', [0xff]],
		['an overlong slash (c0 af)', [0xc0, 0xaf]],
		['an encoded surrogate (ed a0 80)', [0xed, 0xa0, 0x80]],
		['a truncated sequence (e6 b5)', [0xe6, 0xb5]],
		['a code point above U+10FFFF (f4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
	]) {
		it(`invalid UTF-8 in the body (${what}) is 400`, async () => {
			const body = Buffer.concat([
				Buffer.from('{"code":"610326101279","name":"a'),
				Buffer.from(bytes),
				Buffer.from('b"}'),
			]);
			const res = await api.call('POST', P, { body, headers: JSON_CT });
			assertProblem(res, 400, 'bad-request');
			assertStatus(await api.get('/api/v1/regions/610326101279'), 404);
		});
	}

	it('a body shorter than its Content-Length gets no 2xx and no 5xx', async () => {
		const body = '{"code":"610326101279","name":"x"}';
		const res = await raw(srv.port, head('POST', P, ['Content-Type: application/json', `Content-Length: ${body.length + 100}`]) + body, {
			timeout: 3000,
		});
		// The server may wait for the rest (timeout here) or answer 400/408.
		if (res.status !== undefined) assert.ok(res.status >= 400 && res.status < 500, `${res}`);
		assertStatus(await api.get('/api/v1/regions/610326101279'), 404);
	});

	for (const cl of ['abc', '-1', '1, 2', '99999999999999999999999']) {
		it(`Content-Length: ${cl} is a 4xx`, async () => {
			const res = await raw(srv.port, head('POST', P, ['Content-Type: application/json', `Content-Length: ${cl}`]) + '{}');
			if (res.status !== undefined) assert.ok(res.status >= 400 && res.status < 500, `${res}`);
		});
	}
});

describe('query strings', () => {
	for (const q of ['parent=%ff', 'parent=%C0%AF', 'parent=%ED%A0%80', 'limit=%ff', 'x=%fe%ff']) {
		it(`invalid UTF-8 in the query (${q}) is 400`, async () => {
			const res = await raw(srv.port, head('GET', `${P}?${q}`, []));
			assertProblem(res, 400, 'bad-request');
		});
	}

	for (const q of ['parent=%zz', 'parent=%f', 'parent=%']) {
		it(`malformed percent-encoding in the query (${q}) is 400`, async () => {
			const res = await raw(srv.port, head('GET', `${P}?${q}`, []));
			assertProblem(res, 400, 'bad-request');
		});
	}

	it('a NUL in the query is a 4xx', async () => {
		const res = await raw(srv.port, head('GET', `${P}?parent=610326000000%00`, []));
		assert.ok(res.status === 400 || res.status === 422, `${res}`);
	});
});

describe('routes and methods', () => {
	for (const p of ['/api/v1/nope', '/api/v1', '/api/', '/api/v2/regions', '/api/v1/regionsx', '/api/v1/regions.json']) {
		it(`unknown API route ${p} is a 404 problem, also with Accept: text/html`, async () => {
			const res = await api.get(p, { headers: { Accept: 'text/html' } });
			assertProblem(res, 404, 'not-found');
			assertNoStore(res);
			assert.ok(!res.text.includes('wangge-test-index'), 'served the SPA for an API path');
		});
	}

	it('DELETE /api/v1/regions is 405 with Allow: GET, HEAD, POST', async () => {
		const res = await api.call('DELETE', P);
		assertProblem(res, 405, 'method-not-allowed', { instance: P });
		const allow = (res.header('allow') || '').split(',').map((s) => s.trim());
		for (const m of ['GET', 'HEAD', 'POST']) assert.ok(allow.includes(m), `Allow lacks ${m}:\n${res}`);
		assert.ok(!allow.includes('DELETE'), `Allow lists DELETE:\n${res}`);
	});

	it('PUT /api/v1/regions/{code} is 405 with an Allow header listing GET', async () => {
		const res = await api.call('PUT', '/api/v1/regions/610326001002', { json: { name: 'x' } });
		assertProblem(res, 405, 'method-not-allowed');
		const allow = (res.header('allow') || '').split(',').map((s) => s.trim());
		assert.ok(allow.includes('GET'), `Allow lacks GET:\n${res}`);
	});

	it('an unknown method is 405 or 501, never a crash', async () => {
		const res = await raw(srv.port, head('BREW', P, []));
		assert.ok(res.status === 405 || res.status === 501 || res.status === 400, `${res}`);
	});

	it('HEAD of a list: 200, no body', async () => {
		const res = await api.call('HEAD', `${P}?parent=610326000000`);
		assertStatus(res, 200);
		assert.equal(res.body.length, 0);
		assertSecurityHeaders(res);
	});

	it('HEAD over a raw socket sends headers only', async () => {
		const res = await raw(srv.port, head('HEAD', '/api/v1/regions/610326001002', []), { head: true });
		assertStatus(res, 200);
		assert.match(res.header('content-type') || '', /^application\/json/);
	});
});

describe('headers', () => {
	it('a 10 kB header line: answered (200 or 4xx), server unharmed', async () => {
		const res = await api.get('/api/v1/regions/610326001002', { headers: { 'X-Long': 'a'.repeat(10 * 1024) } });
		assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `${res}`);
		if (res.status !== 200) assertSecurityHeaders(res);
	});

	it('a 100 kB header block gets a 4xx or a closed connection, never a 5xx', async () => {
		const lines = Array.from({ length: 100 }, (_, i) => `X-H${i}: ${'b'.repeat(1000)}`);
		const res = await raw(srv.port, head('GET', '/api/v1/regions/610326001002', lines));
		if (res.status !== undefined) assert.ok(res.status < 500, `${res}`);
	});

	it('a request line of 100 kB gets a 4xx or a closed connection, never a 5xx', async () => {
		const res = await raw(srv.port, head('GET', `${P}?x=${'c'.repeat(100 * 1024)}`, []));
		if (res.status !== undefined) assert.ok(res.status < 500, `${res}`);
	});

	it('garbage instead of HTTP gets a 400 or a closed connection', async () => {
		const res = await raw(srv.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]));
		if (res.status !== undefined) assert.equal(res.status, 400, `${res}`);
	});

	it('HTTP/1.0 without Host is answered', async () => {
		const res = await raw(srv.port, 'GET /healthz HTTP/1.0\r\n\r\n');
		assertStatus(res, 200);
	});
});

describe('credentials', () => {
	const badAuth = [
		['an empty bearer token', 'Authorization: Bearer '],
		['"Bearer" alone', 'Authorization: Bearer'],
		['a 4 kB bearer token', `Authorization: Bearer ${'A'.repeat(4096)}`],
		['a token with spaces and quotes', 'Authorization: Bearer a b "c"'],
		['a token of NUL-like escapes', 'Authorization: Bearer %00%00'],
		['Basic credentials', 'Authorization: Basic c3lzYWRtaW46VGVzdCMyMDI2cGFzcw=='],
		['a garbage bearer token', 'Authorization: Bearer garbage'],
		['an empty session cookie', 'Cookie: wg_session='],
		['a 4 kB session cookie', `Cookie: wg_session=${'B'.repeat(4096)}`],
		['a cookie header of separators', 'Cookie: ;;;=;wg_session'],
	];
	for (const [what, line] of badAuth) {
		it(`${what}: 401 with WWW-Authenticate, never a 5xx`, async () => {
			const req = `GET /api/v1/regions/610326001002 HTTP/1.1\r\nHost: 127.0.0.1\r\n${line}\r\nConnection: close\r\n\r\n`;
			const res = await raw(srv.port, req);
			assertProblem(res, 401, 'unauthorized');
			assert.match(res.header('www-authenticate') || '', /^Bearer\b/, `${res}`);
		});
	}

	it('non-ASCII bytes in the bearer token: 401 or 400, never a 5xx', async () => {
		const req = Buffer.concat([
			Buffer.from('GET /api/v1/regions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer '),
			Buffer.from('网格\xff', 'latin1'),
			Buffer.from('\r\nConnection: close\r\n\r\n'),
		]);
		const res = await raw(srv.port, req);
		assert.ok(res.status === 401 || res.status === 400, `${res}`);
	});

	const badSignIns = [
		['a truncated object', '{"username":"sysadmin",', 400],
		['an array', '[]', 400],
		['a number as username', '{"username":1,"password":"x"}', 422],
		['no password', '{"username":"sysadmin"}', 422],
		['no username', '{"password":"x"}', 422],
		['an unknown member', '{"username":"sysadmin","password":"x","remember":true}', 422],
		['a 100 kB username', JSON.stringify({ username: 'u'.repeat(100000), password: 'x' }), 422],
		['a 100 kB password', JSON.stringify({ username: 'sysadmin', password: 'p'.repeat(100000) }), 422],
	];
	for (const [what, body, status] of badSignIns) {
		it(`POST /api/v1/session with ${what}: ${status}, no token`, async () => {
			const res = await api.call('POST', '/api/v1/session', { body, headers: JSON_CT, token: null });
			assertProblem(res, status, status === 400 ? 'bad-request' : 'validation', { instance: '/api/v1/session' });
			assert.ok(!res.header('set-cookie'), `a refused sign-in sets a cookie:\n${res}`);
		});
	}

	it('POST /api/v1/session as text/plain: 415', async () => {
		const res = await api.call('POST', '/api/v1/session', {
			body: '{"username":"sysadmin","password":"Test#2026pass"}',
			headers: { 'Content-Type': 'text/plain' },
			token: null,
		});
		assertProblem(res, 415, 'unsupported-media-type');
		assert.ok(!res.header('set-cookie'), `${res}`);
	});
});
