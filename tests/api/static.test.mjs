// The web app: static assets, the SPA fallback for non-API paths, and path
// traversal. The harness fills the static folder with index.html and
// assets/app-1234.js, and puts secret.txt and secret.js NEXT TO it: no
// response may ever contain them.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertSecurityHeaders, assertStatus, call, get, raw } from './lib/http.mjs';
import { APP_JS, INDEX_HTML, PAGE_HTML, SECRET, startServer } from './lib/server.mjs';

let srv;
before(async () => {
	srv = await startServer();
});
after(async () => {
	await srv?.stop();
});
afterEach(async () => {
	if (!srv) return;
	const res = await get(srv, '/healthz', { timeout: 5000 });
	assert.equal(res.status, 200, `server unhealthy after the test:\n${res}`);
});

function rawGet(path, accept = 'text/html') {
	return raw(srv.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`);
}

describe('SPA', () => {
	for (const p of ['/', '/grids/map', '/cases/123/timeline', '/portal', '/console/cases?state=open']) {
		it(`${p} with Accept: text/html is index.html, Cache-Control: no-cache`, async () => {
			const res = await get(srv, p, { headers: { Accept: 'text/html' } });
			assertStatus(res, 200);
			assert.match(res.header('content-type') || '', /^text\/html/, `${res}`);
			assert.equal(res.text, INDEX_HTML);
			assert.match(res.header('cache-control') || '', /(^|,)\s*no-cache\s*(,|$)/, `${res}`);
			assertSecurityHeaders(res);
		});
	}

	// The phone app, the portal and the dashboard are pages of their own:
	// a deep link below one gets that page's index.html.
	for (const p of ['/m/', '/m', '/m/tasks/3', '/m/report?draft=1']) {
		it(`${p} is the /m/ page's index.html`, async () => {
			const res = await get(srv, p, { headers: { Accept: 'text/html' } });
			assertStatus(res, 200);
			assert.equal(res.text, PAGE_HTML);
			assert.match(res.header('cache-control') || '', /no-cache/, `${res}`);
		});
	}

	for (const p of ['/mx/tasks', '/cases/m/', '/dashboard/live']) {
		it(`${p}, under no page of its own, is the top index.html`, async () => {
			const res = await get(srv, p, { headers: { Accept: 'text/html' } });
			assertStatus(res, 200);
			assert.equal(res.text, INDEX_HTML);
		});
	}

	it('a missing file below a page is 404, not its index', async () => {
		const res = await get(srv, '/m/assets/nope.js', { headers: { Accept: 'text/html' } });
		assertStatus(res, 404);
	});

	it('/index.html is the same document', async () => {
		const res = await get(srv, '/index.html');
		assertStatus(res, 200);
		assert.equal(res.text, INDEX_HTML);
	});

	it('HEAD / answers 200 with no body', async () => {
		const res = await call(srv, 'HEAD', '/', { headers: { Accept: 'text/html' } });
		assertStatus(res, 200);
		assert.equal(res.body.length, 0);
	});

	it('POST to an SPA path is not served the page (405 or 404)', async () => {
		const res = await call(srv, 'POST', '/grids/map', { json: {} });
		assert.ok(res.status === 404 || res.status === 405, `${res}`);
	});
});

describe('assets', () => {
	it('/assets/app-1234.js: 200, JavaScript, immutable', async () => {
		const res = await get(srv, '/assets/app-1234.js');
		assertStatus(res, 200);
		assert.equal(res.text, APP_JS);
		assert.match(res.header('content-type') || '', /^(text|application)\/javascript/, `${res}`);
		assert.match(res.header('cache-control') || '', /immutable/, `${res}`);
		assertSecurityHeaders(res);
	});

	it('HEAD /assets/app-1234.js: 200, no body, the right length', async () => {
		const res = await raw(srv.port, 'HEAD /assets/app-1234.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { head: true });
		assertStatus(res, 200);
		const cl = res.header('content-length');
		if (cl !== null) assert.equal(Number(cl), Buffer.byteLength(APP_JS));
	});

	for (const p of ['/assets/nope.js', '/assets/nope.css', '/favicon.ico', '/grids/map.png', '/robots.txt']) {
		it(`missing file ${p} is 404, not the SPA`, async () => {
			const res = await get(srv, p, { headers: { Accept: 'text/html' } });
			assertStatus(res, 404);
			assert.ok(!res.text.includes('wangge-test-index'), `SPA fallback for a path with an extension:\n${res}`);
			assertSecurityHeaders(res);
		});
	}

	it('a directory is not listed', async () => {
		const res = await get(srv, '/assets/', { headers: { Accept: 'text/html' } });
		assert.ok(!res.text.includes('app-1234.js') || res.text === INDEX_HTML, `directory listing:\n${res}`);
		assert.ok(res.status < 500, `${res}`);
	});
});

describe('path traversal never leaves the static folder', () => {
	const paths = [
		'/../etc/passwd',
		'/../../../../../../etc/passwd',
		'/%2e%2e/%2e%2e/etc/passwd',
		'/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
		'/assets/..%2f..%2fetc/passwd',
		'/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd',
		'/assets/%2e%2e%5c..%5cetc/passwd',
		'/assets/..\\..\\..\\etc\\passwd',
		'/assets/%00x.js',
		'/assets/app-1234.js%00.html',
		'/..%2fsecret.txt',
		'/../secret.txt',
		'/assets/../../secret.js',
		'/assets/..%2f..%2fsecret.js',
		'/assets/%2e%2e/%2e%2e/secret.js',
		'/assets/%252e%252e/%252e%252e/secret.js',
		'/assets/..%c0%af..%c0%afsecret.js',
		'/.%2e/secret.txt',
		'//etc/passwd',
		'/assets//..//..//secret.js',
		'/static/../secret.txt',
		'/%5c..%5csecret.txt',
		'/assets/app-1234.js/../../secret.js',
	];
	for (const p of paths) {
		it(`GET ${p}`, async () => {
			const res = await rawGet(p);
			assert.ok(res.status !== undefined, `no response (${res.error})`);
			assert.ok(res.status < 500, `5xx:\n${res}`);
			assert.ok(!res.text.includes(SECRET), `served a file outside the static folder:\n${res}`);
			assert.ok(!/root:.*:0:0:/.test(res.text), `served /etc/passwd:\n${res}`);
			if (res.status === 200) assert.equal(res.text, INDEX_HTML, `200 with something other than index.html:\n${res}`);
			assertSecurityHeaders(res);
		});
	}

	it('an absolute URI in the request line does not escape either', async () => {
		const res = await rawGet('http://127.0.0.1/../secret.txt');
		if (res.status !== undefined) {
			assert.ok(res.status < 500, `${res}`);
			assert.ok(!res.text.includes(SECRET), `${res}`);
		}
	});
});
