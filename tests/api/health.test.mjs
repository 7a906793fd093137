// GET /healthz and GET /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertJson, assertStatus, call, get, login } from './lib/http.mjs';
import { STORE, startServer } from './lib/server.mjs';

let srv;
let admin;
before(async () => {
	srv = await startServer();
	admin = as(srv, await login(srv, 'sysadmin'));
});
after(async () => {
	await srv?.stop();
});

// Parses Prometheus text exposition 0.0.4 strictly enough to catch a
// malformed line. Returns {types: Map name→type, samples: [{name, labels, value}]}.
function parseMetrics(text) {
	const types = new Map();
	const samples = [];
	const lines = text.split('\n');
	assert.equal(lines.at(-1), '', 'exposition ends with a newline');
	for (const line of lines.slice(0, -1)) {
		if (line === '') continue;
		if (line.startsWith('#')) {
			const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
			if (m && m[1] === 'TYPE') {
				assert.match(m[3], /^(counter|gauge|histogram|summary|untyped)$/, `TYPE line: ${line}`);
				types.set(m[2], m[3]);
			}
			continue;
		}
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
		assert.ok(m, `malformed sample line: ${JSON.stringify(line)}`);
		const labels = {};
		if (m[3]) {
			const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
			let lm;
			let consumed = 0;
			while ((lm = re.exec(m[3])) !== null) {
				labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
				consumed = re.lastIndex;
				if (consumed === m[3].length) break;
			}
			assert.equal(consumed, m[3].length, `malformed labels: ${JSON.stringify(line)}`);
		}
		const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
		assert.ok(!Number.isNaN(value) || m[4] === 'NaN', `sample value: ${JSON.stringify(line)}`);
		samples.push({ name: m[1], labels, value });
	}
	return { types, samples };
}

async function metrics() {
	const res = await get(srv, '/metrics');
	assertStatus(res, 200);
	assert.match(res.header('content-type') || '', /^text\/plain; ?version=0\.0\.4/, `content-type:\n${res}`);
	return { res, ...parseMetrics(res.text) };
}

describe('public routes', () => {
	it('/healthz and /metrics need no session', async () => {
		assertStatus(await get(srv, '/healthz'), 200);
		assertStatus(await get(srv, '/metrics'), 200);
	});

	it('/metrics does not show tokens, usernames or passwords', async () => {
		const { res } = await metrics();
		assert.ok(!res.text.includes(admin.session.token), 'a session token in /metrics');
		assert.ok(!/sysadmin|Test#2026pass/.test(res.text), `account data in /metrics:\n${res}`);
	});
});

describe('healthz', () => {
	it('answers 200 {"status":"ok","store","version"}', async () => {
		const res = await get(srv, '/healthz');
		assertStatus(res, 200);
		assertJson(res);
		assert.equal(res.json.status, 'ok');
		assert.equal(res.json.store, STORE === 'sqlite' ? 'sqlite' : 'postgresql');
		assert.equal(typeof res.json.version, 'string');
		assert.match(res.json.version, /^\d+\.\d+\.\d+/, `version:\n${res}`);
	});

	it('answers HEAD with 200 and no body', async () => {
		const res = await call(srv, 'HEAD', '/healthz');
		assertStatus(res, 200);
		assert.equal(res.body.length, 0);
	});
});

describe('metrics', () => {
	it('is Prometheus text 0.0.4 with the store series', async () => {
		const { res, samples } = await metrics();
		for (const name of ['wg_store_queue_depth', 'wg_store_commits_total', 'wg_store_errors_total']) {
			assert.ok(samples.some((s) => s.name === name), `${name} missing:\n${res}`);
		}
		const depth = samples.find((s) => s.name === 'wg_store_queue_depth');
		assert.ok(depth.value >= 0);
		// PostgreSQL: listening for session changes (docs/operations.md), once its
		// connection is up (moments after the start); SQLite has no such thing.
		const watching = (list) => list.find((s) => s.name === 'wg_session_watch_listening');
		if (srv.store === 'sqlite') assert.equal(watching(samples), undefined);
		else {
			let watch = watching(samples);
			for (let i = 0; i < 50 && watch?.value !== 1; i++) {
				await new Promise((r) => setTimeout(r, 100));
				watch = watching((await metrics()).samples);
			}
			assert.equal(watch?.value, 1, `wg_session_watch_listening:\n${res}`);
		}
	});

	it('counts requests by route pattern, method and status', async () => {
		for (let i = 0; i < 3; i++) assertStatus(await admin.get('/api/v1/regions/610326001002'), 200);
		assertStatus(await admin.get('/api/v1/regions/610326999999'), 404);
		const { res, types, samples } = await metrics();
		assert.equal(types.get('wg_http_requests_total'), 'counter', 'TYPE of wg_http_requests_total');
		const ok = samples.find(
			(s) =>
				s.name === 'wg_http_requests_total' &&
				s.labels.route === '/api/v1/regions/{code}' &&
				s.labels.method === 'GET' &&
				s.labels.status === '200',
		);
		assert.ok(ok, `no wg_http_requests_total{route="/api/v1/regions/{code}",method="GET",status="200"}:\n${res}`);
		assert.ok(ok.value >= 3, `count ${ok.value} < 3`);
		const nf = samples.find(
			(s) =>
				s.name === 'wg_http_requests_total' &&
				s.labels.route === '/api/v1/regions/{code}' &&
				s.labels.method === 'GET' &&
				s.labels.status === '404',
		);
		assert.ok(nf && nf.value >= 1, `no 404 series for /api/v1/regions/{code}:\n${res}`);
		assert.ok(!res.text.includes('610326001002'), 'a concrete path leaked into a label');
		assert.ok(!res.text.includes('610326999999'), 'a concrete path leaked into a label');
	});

	it('does not create a series per unknown path', async () => {
		const junk = `nope-${Math.random().toString(36).slice(2)}`;
		assertStatus(await admin.get(`/api/v1/${junk}`), 404);
		assertStatus(await get(srv, `/assets/${junk}.js`), 404);
		const { res } = await metrics();
		assert.ok(!res.text.includes(junk), `label cardinality: '${junk}' appears in /metrics`);
	});

	it('has a latency histogram with cumulative buckets, _sum and _count', async () => {
		const { res, types, samples } = await metrics();
		assert.equal(types.get('wg_http_request_duration_seconds'), 'histogram', 'TYPE of the histogram');
		const buckets = samples.filter((s) => s.name === 'wg_http_request_duration_seconds_bucket');
		assert.ok(buckets.length > 0, `no wg_http_request_duration_seconds_bucket lines:\n${res}`);
		const series = new Map();
		for (const b of buckets) {
			assert.ok('le' in b.labels, 'bucket without le');
			const { le, ...rest } = b.labels;
			const key = JSON.stringify(Object.entries(rest).sort());
			if (!series.has(key)) series.set(key, []);
			series.get(key).push({ le: le === '+Inf' ? Infinity : Number(le), value: b.value });
		}
		const counts = samples.filter((s) => s.name === 'wg_http_request_duration_seconds_count');
		const sums = samples.filter((s) => s.name === 'wg_http_request_duration_seconds_sum');
		for (const [key, bs] of series) {
			bs.sort((a, b) => a.le - b.le);
			assert.equal(bs.at(-1).le, Infinity, `series ${key} has no le="+Inf" bucket`);
			for (let i = 1; i < bs.length; i++) assert.ok(bs[i].value >= bs[i - 1].value, `buckets of ${key} not cumulative`);
			const c = counts.find((s) => JSON.stringify(Object.entries(s.labels).sort()) === key);
			assert.ok(c, `series ${key} has no _count`);
			assert.equal(c.value, bs.at(-1).value, `_count of ${key} differs from the +Inf bucket`);
			assert.ok(
				sums.some((s) => JSON.stringify(Object.entries(s.labels).sort()) === key),
				`series ${key} has no _sum`,
			);
		}
	});

	it('counts store commits after a write', async () => {
		const res = await admin.post('/api/v1/regions', { code: '610326101290', name: '指标村' });
		assertStatus(res, 201);
		const { samples } = await metrics();
		const commits = samples.find((s) => s.name === 'wg_store_commits_total');
		assert.ok(commits.value >= 1, `wg_store_commits_total is ${commits.value} after a write`);
	});
});
