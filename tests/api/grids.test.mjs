// Grids and micro-grids: create, read, redraw, import, locate, the map, and
// their staff; every rule on boundaries (broken GeoJSON, self-intersection,
// coordinates out of range, overlap with a neighbour, a micro-grid inside its
// grid), versions (stale If-Match is 409), who may do what, and scope: town 1
// never sees town 2's grids by any route.
//
// The tests draw their own grids near 110 E, 30 N in villages they add (the
// demo county fills 107.6-108.05 E, 33.95-34.35 N), so nothing here depends
// on the demo's map.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertJson, assertNoStore, assertProblem, assertStatus, assertUnauthenticated, call, login } from './lib/http.mjs';
import { TOWN1, TOWN2, startServer } from './lib/server.mjs';

const G = '/api/v1/grids';
const S = '/api/v1/staff';
// Villages the tests add: one in each demo town.
const V1 = `${TOWN1.slice(0, 9)}298`;
const V2 = `${TOWN2.slice(0, 9)}298`;
const V3 = `${TOWN1.slice(0, 9)}297`; // for imports

const ring = (x0, y0, x1, y1) => [
	[x0, y0],
	[x1, y0],
	[x1, y1],
	[x0, y1],
	[x0, y0],
];
const box = (x0, y0, x1, y1) => ({ type: 'Polygon', coordinates: [ring(x0, y0, x1, y1)] });

// Grid A of village 1 and its neighbour B share the edge x = 110.01.
const A = `${V1}001`;
const B = `${V1}002`;
const C = `${V2}001`; // town 2's, near 110.5 E
const BOX_A = box(110, 30, 110.01, 30.01);
const BOX_B = box(110.01, 30, 110.02, 30.01);
const BOX_C = box(110.5, 30.5, 110.51, 30.51);

let srv;
let county; // centre operator of the county
let town1;
let town2;
let worker; // grid worker: reads
let sys; // sysadmin: reads, does not draw
let aud; // auditor: reads nothing here

before(async () => {
	srv = await startServer();
	sys = as(srv, await login(srv, 'sysadmin'));
	for (const [code, name] of [
		[V1, '测试一村'],
		[V2, '测试二村'],
		[V3, '测试导入村'],
	]) {
		assertStatus(await sys.post('/api/v1/regions', { code, name }), 201);
	}
	county = as(srv, await login(srv, 'county'));
	town1 = as(srv, await login(srv, 'town1'));
	town2 = as(srv, await login(srv, 'town2'));
	worker = as(srv, await login(srv, 'worker1'));
	aud = as(srv, await login(srv, 'auditor'));
	assertStatus(await town1.post(G, { code: A, name: '一网格', type: 'rural', boundary: BOX_A }), 201);
	assertStatus(await town2.post(G, { code: C, name: '二村一网格', type: 'urban', boundary: BOX_C }), 201);
});
after(async () => {
	await srv?.stop();
});

describe('who may', () => {
	it('without a session: 401 on every route', async () => {
		for (const [m, p] of [
			['GET', G],
			['POST', G],
			['GET', `${G}/${A}`],
			['PATCH', `${G}/${A}`],
			['GET', `${G}/locate?lat=30&lng=110`],
			['GET', `${G}.geojson`],
			['POST', `${G}/import`],
			['GET', S],
			['POST', S],
			['DELETE', `${S}/1`],
		]) {
			assertUnauthenticated(await call(srv, m, p, { json: m === 'GET' || m === 'DELETE' ? undefined : {} }));
		}
	});

	it('the auditor reads the audit trail only: 403', async () => {
		for (const p of [G, `${G}/${A}`, `${G}/locate?lat=30.005&lng=110.005`, `${G}.geojson`, S]) {
			assertProblem(await aud.get(p), 403, 'forbidden');
		}
	});

	it('only centre operators draw: 403 for a sysadmin and a grid worker', async () => {
		const body = { code: `${V1}009`, name: 'x', type: 'rural', boundary: box(111, 31, 111.01, 31.01) };
		for (const who of [sys, worker]) {
			assertProblem(await who.post(G, body), 403, 'forbidden');
			assertProblem(await who.patch(`${G}/${A}`, { name: 'x' }), 403, 'forbidden');
			assertProblem(await who.post(`${G}/import`, { type: 'FeatureCollection', features: [] }), 403, 'forbidden');
			assertProblem(await who.post(S, { role: 'grid_worker', name: 'x', grid: A }), 403, 'forbidden');
		}
		assertStatus(await worker.get(G), 200);
		assertStatus(await sys.get(`${G}/${A}`), 200);
	});
});

describe('POST /grids', () => {
	it('201 with Location, the grid as GET shows it', async () => {
		const res = await town1.post(G, { code: B, name: '二网格', type: '城镇', boundary: BOX_B });
		assertStatus(res, 201);
		assertJson(res);
		assertNoStore(res);
		assert.equal(res.header('location'), `${G}/${B}`);
		const g = res.json;
		assert.equal(g.code, B);
		assert.equal(g.name, '二网格');
		assert.equal(g.type, 'urban', 'Chinese type names are stored as their keys');
		assert.equal(g.type_label, '城镇');
		assert.equal(g.region, V1);
		assert.equal(g.parent, null);
		assert.equal(g.drawn, true);
		assert.deepEqual(g.boundary, BOX_B, 'the boundary comes back as sent');
		assert.deepEqual(g.bbox, [110.01, 30, 110.02, 30.01]);
		assert.ok(g.area_m2 > 1.0e6 && g.area_m2 < 1.1e6, `about 1 km by 1.1 km: ${g.area_m2}`);
		assert.equal(g.version, 1);
		assert.deepEqual(g.micro_grids, []);
		assert.deepEqual(Object.keys(g.staff), ['chief_grid_head', 'grid_head', 'grid_instructor', 'grid_worker', 'grid_assistant']);
		assert.deepEqual(g.counts, { residents: 0, houses: 0, organisations: 0, places: 0 });
		assert.ok(!('open_cases' in g.counts), 'no case counts until cases exist');
		const again = await town1.get(`${G}/${B}`);
		assertStatus(again, 200);
		assert.deepEqual(again.json, g);
	});

	it('a grid without a boundary yet', async () => {
		const res = await county.post(G, { code: `${V1}003`, name: '未划网格', type: 'special' });
		assertStatus(res, 201);
		assert.equal(res.json.drawn, false);
		assert.equal(res.json.boundary, null);
		assert.equal(res.json.bbox, null);
		assert.equal(res.json.area_m2, null);
	});

	it('409 for a code that exists', async () => {
		assertProblem(await town1.post(G, { code: A, name: 'again', type: 'rural', boundary: box(112, 32, 112.01, 32.01) }), 409, 'conflict');
	});

	it('422 naming each bad field', async () => {
		const ok = { code: `${V1}010`, name: 'n', type: 'rural', boundary: box(113, 33, 113.01, 33.01) };
		for (const [body, field, code] of [
			[{ ...ok, code: undefined }, 'code', 'required'],
			[{ ...ok, code: `${V1}01` }, 'code', 'pattern'],
			[{ ...ok, code: `${V1}000` }, 'code', 'pattern'],
			[{ ...ok, code: `${TOWN1}001` }, 'code', 'pattern'],
			[{ ...ok, code: '610326001296001' }, 'code', 'not_found'],
			[{ ...ok, name: undefined }, 'name', 'required'],
			[{ ...ok, name: 'x'.repeat(65) }, 'name', 'too_long'],
			[{ ...ok, type: 'downtown' }, 'type', 'unknown'],
			[{ ...ok, parent: A }, 'parent', 'mismatch'],
			[{ ...ok, colour: 'red' }, 'colour', 'unknown'],
			[{ ...ok, code: 15 }, 'code', 'type'],
		]) {
			assertFieldError(await town1.post(G, body), 422, 'validation', field, code);
		}
	});

	it('another town\'s village reads as absent: 422 not_found, nothing created', async () => {
		const res = await town2.post(G, { code: `${V1}011`, name: 'n', type: 'rural', boundary: box(114, 34, 114.01, 34.01) });
		const b = assertFieldError(res, 422, 'validation', 'code', 'not_found');
		assert.match(b.errors[0].message, /in your area/);
		assertProblem(await county.get(`${G}/${V1}011`), 404, 'not-found');
	});
});

describe('boundaries', () => {
	const post = (boundary, code = `${V1}020`) => town1.post(G, { code, name: 'n', type: 'rural', boundary });

	it('broken GeoJSON: 422 on boundary, code geojson, with the reason', async () => {
		for (const [boundary, reason] of [
			[{ type: 'Polygo', coordinates: [ring(115, 35, 115.01, 35.01)] }, /type/i],
			[{ type: 'Polygon' }, /coordinates/],
			[{ type: 'Point', coordinates: [115, 35] }, /Point|Polygon/],
			[{ type: 'Feature', geometry: box(115, 35, 115.01, 35.01) }, /Feature/],
			[{ type: 'Polygon', coordinates: [[[115, 35], [115.01, 35], [115.01, 35.01], [115, 35.01]]] }, /closed|4/],
			[{ type: 'Polygon', coordinates: [[[115, 35], [115.01, 35], [115, 35]]] }, /4|closed|positions/],
			[{ type: 'Polygon', coordinates: [[['115', 35], [115.01, 35], [115.01, 35.01], ['115', 35]]] }, /number/],
			['not an object', /object/],
		]) {
			const b = assertFieldError(await post(boundary), 422, 'validation', 'boundary', 'geojson');
			assert.match(b.errors[0].message, reason, `${JSON.stringify(boundary)}`);
		}
	});

	it('coordinates out of range: 422 naming the position', async () => {
		for (const [bad, what] of [
			[[[115, 35], [115.01, 91], [115.01, 35.01], [115, 35]], /latitude 91/],
			[[[181, 35], [115.01, 35], [115.01, 35.01], [181, 35]], /longitude 181/],
			[[[115, -91], [115.01, 35], [115.01, 35.01], [115, -91]], /latitude -91/],
		]) {
			const b = assertFieldError(await post({ type: 'Polygon', coordinates: [bad] }), 422, 'validation', 'boundary', 'geojson');
			assert.match(b.errors[0].message, what);
			assert.match(b.errors[0].message, /coordinates\[0\]\[\d\]/);
		}
	});

	it('a self-intersecting polygon: 422 code invalid, with where', async () => {
		const bowtie = { type: 'Polygon', coordinates: [[[115, 35], [115.01, 35.01], [115.01, 35], [115, 35.01], [115, 35]]] };
		const b = assertFieldError(await post(bowtie), 422, 'validation', 'boundary', 'invalid');
		assert.match(b.errors[0].message, /Self-intersection at 115\.005/);
		const hole = { type: 'Polygon', coordinates: [ring(115, 35, 115.01, 35.01), ring(115.02, 35, 115.03, 35.01)] };
		assertFieldError(await post(hole), 422, 'validation', 'boundary', 'invalid');
	});

	it('overlapping a neighbour: 422 code overlap naming it; touching is fine', async () => {
		const b = assertFieldError(await post(box(110.005, 30.005, 110.006, 30.02)), 422, 'validation', 'boundary', 'overlap');
		assert.match(b.errors[0].message, new RegExp(A));
		// Another village's grid may not overlap either.
		const c = assertFieldError(await county.post(G, { code: `${V2}005`, name: 'n', type: 'rural', boundary: box(110.015, 30.005, 110.03, 30.006) }), 422, 'validation', 'boundary', 'overlap');
		assert.match(c.errors[0].message, new RegExp(B));
		assertStatus(await post(box(110, 30.01, 110.01, 30.02), `${V1}004`), 201);
		assertProblem(await county.get(`${G}/${V1}020`), 404, 'not-found');
	});

	it('holes: a grid may fill another\'s hole', async () => {
		const ringed = { type: 'Polygon', coordinates: [ring(116, 36, 116.03, 36.03), ring(116.01, 36.01, 116.02, 36.02)] };
		assertStatus(await post(ringed, `${V1}005`), 201);
		assertStatus(await post(box(116.01, 36.01, 116.02, 36.02), `${V1}006`), 201);
		const inHole = await county.get(`${G}/locate?lat=36.015&lng=116.015`);
		assertStatus(inHole, 200);
		assert.equal(inHole.json.code, `${V1}006`);
		const inRing = await county.get(`${G}/locate?lat=36.005&lng=116.005`);
		assert.equal(inRing.json.code, `${V1}005`);
	});

	it('a micro-grid inside its grid: 201; outside: outside_parent', async () => {
		const res = await town1.post(G, { code: `${A}001`, name: '微网格', type: 'rural', boundary: box(110, 30, 110.005, 30.005) });
		assertStatus(res, 201);
		assert.equal(res.json.parent, A);
		const out = await town1.post(G, { code: `${A}002`, name: 'x', type: 'rural', boundary: box(110, 29.99, 110.005, 29.995) });
		assertFieldError(out, 422, 'validation', 'boundary', 'outside_parent');
		const parentless = await town1.post(G, { code: `${V1}099001`, name: 'x', type: 'rural', boundary: box(117, 37, 117.01, 37.01) });
		assertFieldError(parentless, 422, 'validation', 'parent', 'not_found');
		const a = await town1.get(`${G}/${A}`);
		assert.deepEqual(a.json.micro_grids, [{ code: `${A}001`, name: '微网格', drawn: true }]);
		const here = await town1.get(`${G}/locate?lat=30.002&lng=110.002`);
		assert.equal(here.json.code, `${A}001`, 'a point in a micro-grid locates the micro-grid');
	});
});

describe('PATCH /grids/{code}', () => {
	it('renames with If-Match; a stale version is 409', async () => {
		const res = await town1.patch(`${G}/${B}`, { name: '二网格(新)' }, { headers: { 'If-Match': '"1"' } });
		assertStatus(res, 200);
		assert.equal(res.json.name, '二网格(新)');
		assert.equal(res.json.version, 2);
		assertProblem(await town1.patch(`${G}/${B}`, { name: 'again' }, { headers: { 'If-Match': '"1"' } }), 409, 'conflict');
		assertProblem(await town1.patch(`${G}/${B}`, { name: 'x' }, { headers: { 'If-Match': 'soon' } }), 400, 'bad-request');
		assert.equal((await town1.get(`${G}/${B}`)).json.name, '二网格(新)');
	});

	it('redraws: the index follows at once', async () => {
		const res = await town1.patch(`${G}/${B}`, { boundary: box(110.01, 30, 110.025, 30.01) }, { headers: { 'If-Match': '2' } });
		assertStatus(res, 200);
		assert.equal(res.json.version, 3);
		const here = await town1.get(`${G}/locate?lat=30.005&lng=110.022`);
		assertStatus(here, 200);
		assert.equal(here.json.code, B);
	});

	it('422 for an overlap, a micro-grid left outside, a bad field; nothing changes', async () => {
		assertFieldError(await town1.patch(`${G}/${B}`, { boundary: box(110.005, 30, 110.02, 30.01) }), 422, 'validation', 'boundary', 'overlap');
		assertFieldError(await town1.patch(`${G}/${A}`, { boundary: box(110.006, 30, 110.01, 30.01) }), 422, 'validation', 'boundary', 'children_outside');
		assertFieldError(await town1.patch(`${G}/${A}`, { code: 'x' }), 422, 'validation', 'code', 'unknown');
		assertFieldError(await town1.patch(`${G}/${A}`, { boundary: null }), 422, 'validation', 'boundary', 'required');
		assertFieldError(await town1.patch(`${G}/${A}`, { type: 'x' }), 422, 'validation', 'type', 'unknown');
		assert.equal((await town1.get(`${G}/${B}`)).json.version, 3);
	});

	it('404 for a grid outside the caller\'s area or absent', async () => {
		assertProblem(await town2.patch(`${G}/${A}`, { name: 'mine' }), 404, 'not-found');
		assertProblem(await town1.patch(`${G}/${V1}999`, { name: 'x' }), 404, 'not-found');
		assertProblem(await town1.patch(`${G}/nonsense`, { name: 'x' }), 404, 'not-found');
	});
});

describe('GET /grids', () => {
	it('lists a region in code order, paged, with a total', async () => {
		const all = await county.get(`${G}?region=${V1}&limit=200`);
		assertStatus(all, 200);
		const codes = all.json.items.map((g) => g.code);
		assert.equal(all.json.total, codes.length);
		assert.deepEqual(codes, [...codes].sort());
		for (const c of [A, B, `${A}001`]) assert.ok(codes.includes(c), `${c} missing from ${codes}`);
		assert.ok(!('boundary' in all.json.items[0]), 'lists leave boundaries out');
		const seen = [];
		let cursor = null;
		do {
			const page = await county.get(`${G}?region=${V1}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
			assertStatus(page, 200);
			assert.ok(page.json.items.length <= 2);
			seen.push(...page.json.items.map((g) => g.code));
			cursor = page.json.next_cursor;
		} while (cursor);
		assert.deepEqual(seen, codes);
	});

	it('q matches part of the name or the start of the code', async () => {
		const byName = await county.get(`${G}?q=${encodeURIComponent('微网格')}&region=${V1}`);
		assert.deepEqual(byName.json.items.map((g) => g.code), [`${A}001`]);
		const byCode = await county.get(`${G}?q=${A}`);
		assert.deepEqual(byCode.json.items.map((g) => g.code), [A, `${A}001`]);
	});

	it('422 for a malformed region or cursor, 404 for one outside the area', async () => {
		assertFieldError(await county.get(`${G}?region=12345`), 422, 'validation', 'region', 'pattern');
		assertFieldError(await county.get(`${G}?cursor=zzz`), 422, 'validation', 'cursor', 'pattern');
		assertFieldError(await county.get(`${G}?limit=0`), 422, 'validation', 'limit', 'range');
		assertProblem(await town2.get(`${G}?region=${V1}`), 404, 'not-found');
		assertProblem(await county.get(`${G}?region=${TOWN1.slice(0, 9)}296`), 404, 'not-found');
	});
});

describe('scope: town 1 and town 2 never see each other\'s grids', () => {
	it('by list, get, locate and the map', async () => {
		const t2 = await town2.get(`${G}?limit=200`);
		assertStatus(t2, 200);
		assert.ok(t2.json.items.every((g) => g.code.startsWith(TOWN2.slice(0, 9))), 'town 2 lists only its own');
		assert.deepEqual((await town2.get(`${G}?region=${V2}`)).json.items.map((g) => g.code), [C]);
		const t1 = await town1.get(`${G}?limit=200`);
		assert.ok(!t1.json.items.some((g) => g.code === C));
		assertProblem(await town2.get(`${G}/${A}`), 404, 'not-found');
		assertProblem(await town1.get(`${G}/${C}`), 404, 'not-found');
		assertProblem(await town2.get(`${G}/locate?lat=30.005&lng=110.005`), 404, 'not-found');
		assertStatus(await town2.get(`${G}/locate?lat=30.505&lng=110.505`), 200);
		const map = await town2.get(`${G}.geojson`);
		assertStatus(map, 200);
		assert.ok(!map.json.features.some((f) => f.id === A));
		assert.ok(map.json.features.some((f) => f.id === C));
		assertProblem(await town2.get(`${G}.geojson?region=${V1}`), 404, 'not-found');
		assertProblem(await town2.get(`${S}?grid=${A}`), 404, 'not-found');
	});

	it('a grid worker sees its own grid only', async () => {
		const res = await worker.get(`${G}?limit=200`);
		assertStatus(res, 200);
		const me = worker.session.user.grid;
		assert.ok(res.json.items.every((g) => g.code.startsWith(me)), `a worker of ${me} listed ${res.json.items.map((g) => g.code)}`);
		assertProblem(await worker.get(`${G}/${A}`), 404, 'not-found');
	});
});

describe('GET /grids/locate', () => {
	it('the grid covering a point; an edge goes to the smaller code', async () => {
		const res = await town1.get(`${G}/locate?lat=30.005&lng=110.007`);
		assertStatus(res, 200);
		assert.equal(res.json.code, A);
		assert.deepEqual(res.json.point, { lat: 30.005, lng: 110.007 });
		const edge = await town1.get(`${G}/locate?lat=30.005&lng=110.01`);
		assert.equal(edge.json.code, A);
	});

	it('404 where no grid lies', async () => {
		assertProblem(await county.get(`${G}/locate?lat=-45&lng=-120`), 404, 'not-found');
	});

	it('422 naming the bad number', async () => {
		for (const [q, field, code] of [
			['lng=110', 'lat', 'required'],
			['lat=30', 'lng', 'required'],
			['lat=abc&lng=110', 'lat', 'type'],
			['lat=30&lng=1e', 'lng', 'type'],
			['lat=30&lng=nan', 'lng', 'type'],
			['lat=91&lng=110', 'lat', 'range'],
			['lat=30&lng=-180.5', 'lng', 'range'],
			['lat=&lng=110', 'lat', 'required'],
		]) {
			assertFieldError(await county.get(`${G}/locate?${q}`), 422, 'validation', field, code);
		}
	});
});

describe('GET /grids.geojson', () => {
	it('a FeatureCollection of the drawn grids of a region, with their stored boundaries', async () => {
		const res = await county.get(`${G}.geojson?region=${V1}`);
		assertStatus(res, 200);
		assertJson(res);
		assert.equal(res.json.type, 'FeatureCollection');
		const byId = new Map(res.json.features.map((f) => [f.id, f]));
		assert.ok(!byId.has(`${V1}003`), 'undrawn grids are not on the map');
		const a = byId.get(A);
		assert.equal(a.type, 'Feature');
		assert.deepEqual(a.properties, { code: A, name: '一网格', type: 'rural', region: V1, parent: null });
		assert.deepEqual(a.geometry, BOX_A);
		assert.equal(byId.get(`${A}001`).properties.parent, A);
		const list = await county.get(`${G}?region=${V1}&limit=200`);
		assert.equal(res.json.features.length, list.json.items.filter((g) => g.drawn).length);
	});
});

describe('POST /grids/import', () => {
	const feature = (code, geometry, props = {}) => ({ type: 'Feature', properties: { code, ...props }, geometry });
	const G3 = (n) => `${V3}00${n}`;

	it('all or nothing: every bad feature named by index', async () => {
		const fc = {
			type: 'FeatureCollection',
			features: [
				feature(G3(1), box(120, 40, 120.01, 40.01)),
				feature(G3(2), { type: 'Polygon', coordinates: [[[120, 41], [120.01, 41.01], [120.01, 41], [120, 41.01], [120, 41]]] }),
				feature(G3(3), { type: 'Polygon', coordinates: [[[120, 42], [120.01, 95], [120.01, 42.01], [120, 42]]] }),
				feature('61032600129700x', box(120, 43, 120.01, 43.01)),
				{ type: 'Feature', properties: {}, geometry: box(120, 44, 120.01, 44.01) },
				feature(G3(6), null),
				{ type: 'Point' },
			],
		};
		const res = await town1.post(`${G}/import`, fc);
		const b = assertProblem(res, 422, 'validation');
		const fields = b.errors.map((e) => `${e.field} ${e.code}`);
		assert.deepEqual(fields, [
			'features[1].geometry invalid',
			'features[2].geometry geojson',
			'features[4].properties.code required',
			'features[5].geometry required',
			'features[6] type',
		]);
		// The code pattern of features[3] shows once the geometries are good.
		fc.features = fc.features.slice(0, 1).concat(fc.features.slice(3, 4));
		const again = await town1.post(`${G}/import`, fc);
		assert.deepEqual(assertProblem(again, 422, 'validation').errors.map((e) => `${e.field} ${e.code}`), ['features[1].properties.code pattern']);
		assertProblem(await town1.get(`${G}/${G3(1)}`), 404, 'not-found');
	});

	it('overlaps among the features and with stored grids', async () => {
		const res = await town1.post(`${G}/import`, {
			type: 'FeatureCollection',
			features: [feature(G3(1), box(121, 40, 121.02, 40.01)), feature(G3(2), box(121.01, 40, 121.03, 40.01)), feature(G3(3), box(110.009, 30.009, 110.011, 30.011))],
		});
		const b = assertProblem(res, 422, 'validation');
		const overlap = b.errors.filter((e) => e.code === 'overlap').map((e) => e.field);
		assert.deepEqual(overlap, ['features[0].geometry', 'features[1].geometry', 'features[2].geometry']);
		assert.match(b.errors[2].message, new RegExp(`${A}`));
	});

	it('creates, then on the same file again changes nothing, then redraws', async () => {
		const fc = {
			type: 'FeatureCollection',
			features: [
				feature(G3(1), box(122, 40, 122.01, 40.01), { name: '导入一', type: '农村' }),
				feature(`${G3(1)}001`, box(122, 40, 122.005, 40.005), { parent: G3(1) }),
				feature(G3(2), box(122.01, 40, 122.02, 40.01), { type: 'special' }),
			],
		};
		const res = await town1.post(`${G}/import`, fc);
		assertStatus(res, 200);
		assert.deepEqual(res.json, { features: 3, created: 3, updated: 0, unchanged: 0 });
		const two = await town1.get(`${G}/${G3(2)}`);
		assert.equal(two.json.name, G3(2), 'the name defaults to the code');
		assert.equal(two.json.type, 'special');
		const again = await town1.post(`${G}/import`, fc);
		assert.deepEqual(again.json, { features: 3, created: 0, updated: 0, unchanged: 3 });
		fc.features[2].geometry = box(122.01, 40, 122.03, 40.01);
		const redraw = await town1.post(`${G}/import`, fc);
		assert.deepEqual(redraw.json, { features: 3, created: 0, updated: 1, unchanged: 2 });
		assert.equal((await town1.get(`${G}/locate?lat=40.005&lng=122.025`)).json.code, G3(2));
		assert.equal((await town1.get(`${G}/${G3(2)}`)).json.version, 2);
	});

	it('another town\'s village is not_found; a body that is not a FeatureCollection is 422', async () => {
		const res = await town2.post(`${G}/import`, { type: 'FeatureCollection', features: [feature(`${V3}009`, box(123, 40, 123.01, 40.01))] });
		assertFieldError(res, 422, 'validation', 'features[0].properties.code', 'not_found');
		assertFieldError(await town1.post(`${G}/import`, { type: 'Feature' }), 422, 'validation', 'type', 'pattern');
		assertFieldError(await town1.post(`${G}/import`, { type: 'FeatureCollection', features: [] }), 422, 'validation', 'features', 'required');
	});

	it('more bad features than one answer holds: the rest are counted', async () => {
		const features = [];
		for (let i = 0; i < 40; i++) features.push(feature(`${V3}${String(100 + i)}`, { type: 'Polygon', coordinates: [] }));
		const b = assertProblem(await town1.post(`${G}/import`, { type: 'FeatureCollection', features }), 422, 'validation');
		assert.equal(b.errors.length, 32);
		assert.equal(b.errors[30].field, 'features[30].geometry');
		assert.equal(b.errors[31].field, 'features');
		assert.match(b.errors[31].message, /^9 more problems/);
	});
});

describe('staff', () => {
	let workerId;
	it('POST /staff: a grid worker of a grid, with a masked phone', async () => {
		const res = await town1.post(S, { role: 'grid_worker', name: '王网格', phone: '138 1234 5678', grid: A });
		assertStatus(res, 201);
		const s = res.json;
		assert.equal(res.header('location'), `${S}/${s.id}`);
		assert.deepEqual({ ...s, id: 0, created_at: 'x' }, { id: 0, role: 'grid_worker', name: '王网格', phone: '138****5678', user: null, grid: A, region: null, created_at: 'x' });
		workerId = s.id;
		const text = JSON.stringify(srv.sql(`SELECT phone, phone_masked FROM grid_staff WHERE id = ${s.id}`));
		assert.ok(!text.includes('12345678') && text.includes('138****5678'), `the phone is sealed at rest: ${text}`);
	});

	it('heads and instructors serve a village or a town; GET /grids/{code} shows them by role', async () => {
		assertStatus(await town1.post(S, { role: 'grid_head', name: '李村长', region: V1 }), 201);
		assertStatus(await town1.post(S, { role: 'grid_instructor', name: '赵干部', region: TOWN1, user: worker.session.user.id }), 201);
		const g = await town1.get(`${G}/${A}`);
		// The demo may give the town staff of its own: only the town's and
		// the village's may show beside the grid's.
		const staff = g.json.staff;
		for (const role of ['chief_grid_head', 'grid_head', 'grid_instructor']) {
			assert.ok(staff[role].every((s) => s.grid === null && [V1, TOWN1].includes(s.region)), `${role}: ${JSON.stringify(staff[role])}`);
		}
		assert.deepEqual(staff.grid_worker.map((s) => s.name), ['王网格']);
		assert.deepEqual(staff.grid_assistant, []);
		assert.ok(staff.grid_head.some((s) => s.name === '李村长' && s.region === V1));
		assert.ok(staff.grid_instructor.some((s) => s.name === '赵干部' && s.region === TOWN1 && s.user === worker.session.user.id));
		const b = await town1.get(`${G}/${B}`);
		assert.deepEqual(b.json.staff.grid_worker, [], 'a worker serves one grid');
		assert.ok(b.json.staff.grid_head.some((s) => s.name === '李村长'), 'the village head serves every grid of the village');
	});

	it('GET /staff lists by area and role; town 2 sees none of it', async () => {
		const list = await town1.get(`${S}?region=${V1}`);
		assertStatus(list, 200);
		assert.equal(list.json.total, 2);
		const workers = await town1.get(`${S}?role=grid_worker&grid=${A}`);
		assert.deepEqual(workers.json.items.map((s) => s.id), [workerId]);
		const t2 = await town2.get(`${S}?limit=200`);
		assertStatus(t2, 200);
		assert.ok(t2.json.items.every((s) => (s.grid || s.region).startsWith(TOWN2.slice(0, 9))), 'town 2 lists only its own staff');
		assertProblem(await town2.get(`${S}/${workerId}`), 404, 'not-found');
		assertProblem(await town2.del(`${S}/${workerId}`), 404, 'not-found');
		assertFieldError(await town1.get(`${S}?role=boss`), 422, 'validation', 'role', 'unknown');
		assertFieldError(await town1.get(`${S}?grid=${A}&region=${V1}`), 422, 'validation', 'grid', 'conflict');
	});

	it('422 naming each bad field', async () => {
		for (const [body, field, code] of [
			[{ name: 'x', grid: A }, 'role', 'required'],
			[{ role: 'grid_boss', name: 'x', grid: A }, 'role', 'unknown'],
			[{ role: 'grid_worker', grid: A }, 'name', 'required'],
			[{ role: 'grid_worker', name: 'x', grid: A, phone: '12345' }, 'phone', 'format'],
			[{ role: 'grid_worker', name: 'x', region: V1 }, 'grid', 'required'],
			[{ role: 'grid_worker', name: 'x', grid: C }, 'grid', 'not_found'],
			[{ role: 'grid_head', name: 'x', grid: A }, 'region', 'required'],
			[{ role: 'grid_head', name: 'x', region: '610326000000' }, 'region', 'level'],
			[{ role: 'grid_head', name: 'x', region: V2 }, 'region', 'not_found'],
			[{ role: 'grid_head', name: 'x', region: V1, user: 999999 }, 'user', 'not_found'],
			[{ role: 'grid_head', name: 'x', region: V1, user: 'me' }, 'user', 'type'],
			[{ role: 'grid_head', name: 'x', region: V1, age: 3 }, 'age', 'unknown'],
		]) {
			assertFieldError(await town1.post(S, body), 422, 'validation', field, code);
		}
	});

	it('DELETE /staff/{id}: 204, then 404', async () => {
		const res = await town1.del(`${S}/${workerId}`);
		assertStatus(res, 204);
		assertProblem(await town1.get(`${S}/${workerId}`), 404, 'not-found');
		assertProblem(await town1.del(`${S}/${workerId}`), 404, 'not-found');
		assertProblem(await town1.del(`${S}/x`), 404, 'not-found');
	});
});

describe('audit', () => {
	it('grid and staff writes leave their rows, without phones', async () => {
		const res = await aud.get('/api/v1/audit?limit=200');
		assertStatus(res, 200);
		const actions = res.json.items.map((r) => r.action);
		for (const a of ['grid.create', 'grid.update', 'staff.create', 'staff.delete']) assert.ok(actions.includes(a), `no ${a} in the audit trail`);
		const created = res.json.items.find((r) => r.action === 'grid.create' && r.object_id === B);
		assert.equal(created.actor_name, 'town1');
		assert.ok(!JSON.stringify(res.json).includes('12345678'), 'a phone in the audit trail');
	});
});
