// GET /api/v1/regions and GET /api/v1/regions/{code} on the shipped data
// (Mei county, 眉县 610326), read as `county` (a centre operator of the
// whole county, which sees the whole shipped tree: the county, everything
// under it and the path above it). Nothing in this file writes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertJson, assertProblem, assertStatus, get, login } from './lib/http.mjs';
import { loadRegions } from './lib/regions.mjs';
import { startServer } from './lib/server.mjs';

const regions = loadRegions();
const COUNTY = '610326000000';
const TOWNS = regions.get(COUNTY).children;

let srv;
let api;
before(async () => {
	srv = await startServer();
	api = as(srv, await login(srv, 'county'));
});
after(async () => {
	await srv?.stop();
});

function assertItem(item, code, res) {
	const r = regions.get(code);
	assert.equal(item.code, r.code, `${res}`);
	assert.equal(item.name, r.name, `name of ${code}`);
	assert.equal(item.level, r.level, `level of ${code}`);
	assert.equal(item.parent, r.parent, `parent of ${code}`);
	assert.equal(typeof item.counts, 'object', `counts of ${code}`);
	assert.equal(item.counts.children, r.children.length, `counts.children of ${code}`);
}

async function list(query) {
	const res = await api.get(`/api/v1/regions${query}`);
	assertStatus(res, 200);
	assertJson(res);
	assert.ok(Array.isArray(res.json.items), `items:\n${res}`);
	assert.ok('next_cursor' in res.json, `next_cursor missing:\n${res}`);
	return res;
}

describe('shipped data', () => {
	it('has the expected shape (110 rows, 10 towns, 97 villages)', () => {
		assert.equal(regions.size, 110);
		assert.equal(TOWNS.length, 10);
		assert.equal([...regions.values()].filter((r) => r.level === 'village').length, 97);
	});
});

describe('GET /api/v1/regions', () => {
	it('without parent lists the top level: 陕西省', async () => {
		const res = await list('');
		assert.equal(res.json.items.length, 1, `${res}`);
		assertItem(res.json.items[0], '610000000000', res);
		assert.equal(res.json.items[0].parent, null);
		assert.equal(res.json.next_cursor, null);
		assert.equal(res.json.total, 1);
	});

	it('lists the 10 towns of 眉县 sorted by code', async () => {
		const res = await list(`?parent=${COUNTY}`);
		assert.equal(res.json.total, 10, `${res}`);
		assert.equal(res.json.next_cursor, null);
		assert.deepEqual(
			res.json.items.map((i) => i.code),
			TOWNS,
		);
		for (const item of res.json.items) assertItem(item, item.code, res);
		const shouShan = res.json.items.find((i) => i.code === '610326001000');
		assert.equal(shouShan.name, '首善街道');
		assert.equal(shouShan.level, 'town');
		const hengQu = res.json.items.find((i) => i.code === '610326101000');
		assert.equal(hengQu.name, '横渠镇');
		assert.equal(hengQu.counts.children, 16);
	});

	it('matches data/regions for every parent in the tree', async () => {
		for (const r of regions.values()) {
			const res = await list(`?parent=${r.code}&limit=200`);
			assert.equal(res.json.total, r.children.length, `total under ${r.code}:\n${res}`);
			assert.deepEqual(
				res.json.items.map((i) => i.code),
				r.children,
				`children of ${r.code}`,
			);
			for (const item of res.json.items) assertItem(item, item.code, res);
			assert.equal(res.json.next_cursor, null, `next_cursor under ${r.code}`);
		}
	});

	it('a village has no children: 200 with an empty list', async () => {
		const res = await list('?parent=610326001002');
		assert.deepEqual(res.json.items, []);
		assert.equal(res.json.total, 0);
		assert.equal(res.json.next_cursor, null);
	});

	it('an unknown 12-digit parent is 404', async () => {
		const res = await api.get('/api/v1/regions?parent=610326999000');
		assertProblem(res, 404, 'not-found', { instance: '/api/v1/regions' });
	});

	for (const bad of ['610326', '6103260000000', '61032600000x', '61032600000%20', '-61032600000', '６１０３２６０００００', '']) {
		it(`parent=${JSON.stringify(bad)} is 422 naming parent`, async () => {
			const res = await api.get(`/api/v1/regions?parent=${encodeURIComponent(bad)}`);
			assertProblem(res, 422, 'validation', { field: 'parent', instance: '/api/v1/regions' });
		});
	}

	for (const bad of ['0', '201', 'x', '-1', '1.5', '', '1e2', '9999999999999999999999']) {
		it(`limit=${JSON.stringify(bad)} is 422 naming limit`, async () => {
			const res = await api.get(`/api/v1/regions?parent=${COUNTY}&limit=${encodeURIComponent(bad)}`);
			assertProblem(res, 422, 'validation', { field: 'limit' });
		});
	}

	it('limit=1 and limit=200 are accepted', async () => {
		const one = await list(`?parent=${COUNTY}&limit=1`);
		assert.deepEqual(
			one.json.items.map((i) => i.code),
			TOWNS.slice(0, 1),
		);
		assert.equal(one.json.total, 10);
		assert.equal(typeof one.json.next_cursor, 'string');
		const all = await list(`?parent=${COUNTY}&limit=200`);
		assert.equal(all.json.items.length, 10);
	});

	it('defaults to 50 items per page', async () => {
		// No parent in the shipped data has more than 50 children, so this
		// checks only that the default does not cut a 16-child list.
		const res = await list('?parent=610326101000');
		assert.equal(res.json.items.length, 16);
		assert.equal(res.json.next_cursor, null);
	});

	it('pages with limit=3 walk all 10 towns exactly once, in order', async () => {
		const seen = [];
		let cursor = null;
		let pages = 0;
		do {
			const q = `?parent=${COUNTY}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
			const res = await list(q);
			pages++;
			assert.ok(pages <= 10, 'paging does not end');
			assert.ok(res.json.items.length <= 3, `page larger than limit:\n${res}`);
			assert.equal(res.json.total, 10, `total on page ${pages}`);
			seen.push(...res.json.items.map((i) => i.code));
			cursor = res.json.next_cursor;
			assert.ok(cursor === null || (typeof cursor === 'string' && cursor.length > 0), `next_cursor:\n${res}`);
		} while (cursor !== null);
		assert.deepEqual(seen, TOWNS);
		assert.equal(pages, 4);
	});

	it('a cursor is reusable (reads do not consume it)', async () => {
		const first = await list(`?parent=${COUNTY}&limit=3`);
		const c = encodeURIComponent(first.json.next_cursor);
		const a = await list(`?parent=${COUNTY}&limit=3&cursor=${c}`);
		const b = await list(`?parent=${COUNTY}&limit=3&cursor=${c}`);
		assert.deepEqual(a.json.items, b.json.items);
		assert.deepEqual(
			a.json.items.map((i) => i.code),
			TOWNS.slice(3, 6),
		);
	});

	for (const bad of ['garbage', '!!!', 'AAAAAAAAAAAAAAAA', '%00', 'x'.repeat(300)]) {
		it(`cursor=${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 5)}…(${bad.length})` : bad)} is 422 naming cursor`, async () => {
			const res = await api.get(`/api/v1/regions?parent=${COUNTY}&cursor=${encodeURIComponent(bad)}`);
			assertProblem(res, 422, 'validation', { field: 'cursor' });
		});
	}

	it('a repeated query parameter does not crash: 200 or 4xx', async () => {
		const res = await api.get(`/api/v1/regions?parent=${COUNTY}&parent=610326101000`);
		assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `${res}`);
	});

	it('unknown query parameters are ignored', async () => {
		const res = await list(`?parent=${COUNTY}&foo=bar`);
		assert.equal(res.json.total, 10);
	});
});

describe('without a session', () => {
	for (const p of ['/api/v1/regions', '/api/v1/regions?parent=610326000000', '/api/v1/regions/610326001002', '/api/v1/regions/610326999999']) {
		it(`GET ${p} is 401 with WWW-Authenticate: Bearer`, async () => {
			const res = await get(srv, p);
			assertProblem(res, 401, 'unauthorized');
			assert.match(res.header('www-authenticate') || '', /^Bearer\b/, `${res}`);
			assert.ok(!res.text.includes('眉县') && !res.text.includes('东关'), `a 401 shows region data:\n${res}`);
		});
	}
});

describe('GET /api/v1/regions/{code}', () => {
	it('a village: fields and the path from the province down to itself', async () => {
		const res = await api.get('/api/v1/regions/610326001002');
		assertStatus(res, 200);
		assertJson(res);
		assertItem(res.json, '610326001002', res);
		assert.equal(res.json.name, '东关社区居委会');
		assert.equal(res.json.level, 'village');
		assert.equal(res.json.parent, '610326001000');
		assert.equal(res.json.counts.children, 0);
		assert.deepEqual(res.json.path, [
			{ code: '610000000000', name: '陕西省', level: 'province' },
			{ code: '610300000000', name: '宝鸡市', level: 'city' },
			{ code: '610326000000', name: '眉县', level: 'county' },
			{ code: '610326001000', name: '首善街道', level: 'town' },
			{ code: '610326001002', name: '东关社区居委会', level: 'village' },
		]);
	});

	it('the province: parent null, path of itself', async () => {
		const res = await api.get('/api/v1/regions/610000000000');
		assertStatus(res, 200);
		assert.equal(res.json.parent, null);
		assert.equal(res.json.counts.children, 1);
		assert.deepEqual(res.json.path, [{ code: '610000000000', name: '陕西省', level: 'province' }]);
	});

	it('matches data/regions for every row', async () => {
		for (const r of regions.values()) {
			const res = await api.get(`/api/v1/regions/${r.code}`);
			assertStatus(res, 200);
			assertItem(res.json, r.code, res);
			const want = [];
			for (let c = r.code; c; c = regions.get(c).parent) {
				const x = regions.get(c);
				want.unshift({ code: x.code, name: x.name, level: x.level });
			}
			assert.deepEqual(
				res.json.path.map((p) => ({ code: p.code, name: p.name, level: p.level })),
				want,
				`path of ${r.code}`,
			);
		}
	});

	it('an unknown code is 404', async () => {
		const res = await api.get('/api/v1/regions/610326999999');
		assertProblem(res, 404, 'not-found', { instance: '/api/v1/regions/610326999999' });
	});

	for (const bad of ['abc', '610326', '6103260010021', '61032600100x', '610326001002%20', '%20610326001002', '610326001002.json', '0x1', '-1']) {
		it(`a path that cannot be a code (${bad}) is 404`, async () => {
			const res = await api.get(`/api/v1/regions/${bad}`);
			assertProblem(res, 404, 'not-found');
		});
	}

	it('an extra path segment is 404, not the region', async () => {
		for (const p of ['/api/v1/regions/610326001002/x', '/api/v1/regions//610326001002']) {
			const res = await api.get(p);
			assertProblem(res, 404, 'not-found');
		}
	});

	it('HEAD answers 200 with the GET headers and no body', async () => {
		const res = await api.call('HEAD', '/api/v1/regions/610326001002');
		assertStatus(res, 200);
		assert.match(res.header('content-type') || '', /^application\/json/);
		assert.equal(res.body.length, 0);
	});
});
