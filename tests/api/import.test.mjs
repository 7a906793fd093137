// The command-line imports, run on the test server's database:
// `wangge import regions FILE.csv` (UTF-8 or GBK; new towns get their
// departments) and `wangge import grids FILE.geojson [--dry-run]` (all or
// nothing, every bad feature reported with its index and code). What they
// write is read back through the API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertProblem, assertStatus, login } from './lib/http.mjs';
import { ROOT, startServer } from './lib/server.mjs';

const TOWN = '610326108000'; // a town the CSV adds
const VILLAGE = '610326108001';
const VILLAGE_GBK = '610326108002';
const townLevelDepartments = JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'departments.json'), 'utf8')).departments.filter((d) => d.name.town).length;

const ring = (x0, y0, x1, y1) => [
	[x0, y0],
	[x1, y0],
	[x1, y1],
	[x0, y1],
	[x0, y0],
];
const box = (x0, y0, x1, y1) => ({ type: 'Polygon', coordinates: [ring(x0, y0, x1, y1)] });
const feature = (code, geometry, props = {}) => ({ type: 'Feature', properties: { code, ...props }, geometry });

let srv;
let county;

function file(name, content) {
	const p = path.join(srv.dir, name);
	fs.writeFileSync(p, content);
	return p;
}

function run(args) {
	const r = srv.cli(args);
	assert.ok(!r.error, `could not run wangge ${args.join(' ')}: ${r.error}`);
	return r;
}

before(async () => {
	srv = await startServer();
	county = as(srv, await login(srv, 'county'));
});
after(async () => {
	await srv?.stop();
});

describe('wangge import regions', () => {
	it('a UTF-8 file: the regions, and the departments of the new town', async () => {
		const p = file('regions.csv', `code,parent,name\n${TOWN},610326000000,测试镇\n${VILLAGE},${TOWN},测试村\n`);
		const r = run(['import', 'regions', p]);
		assert.equal(r.code, 0, `exit ${r.code}:\n${r.stderr}`);
		assert.match(r.stdout, /2 regions loaded \(utf-8\)/);
		const town = await county.get(`/api/v1/regions/${TOWN}`);
		assertStatus(town, 200);
		assert.equal(town.json.name, '测试镇');
		const deps = await county.get(`/api/v1/departments?region=${TOWN}&limit=200`);
		assert.equal(deps.json.total, townLevelDepartments);
		const police = await county.get(`/api/v1/departments/610326108-police`);
		assertStatus(police, 200);
		assert.equal(police.json.name, '测试镇派出所');
	});

	it('a GBK file from Excel', async () => {
		// 二村 in GBK: b6fe b4e5
		const bytes = Buffer.concat([Buffer.from(`code,parent,name\r\n${VILLAGE_GBK},${TOWN},`), Buffer.from('b6feb4e5', 'hex'), Buffer.from('\r\n')]);
		const r = run(['import', 'regions', file('gbk.csv', bytes)]);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /1 regions loaded \(gb18030\)/);
		assert.equal((await county.get(`/api/v1/regions/${VILLAGE_GBK}`)).json.name, '二村');
	});

	it('a bad row: the line and the reason, nothing written', async () => {
		const p = file('bad.csv', `code,parent,name\n610326109000,610326000000,好镇\n610326109001,610326000000,错村\n`);
		const r = run(['import', 'regions', p]);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /line 3: parent of 610326109001 must be 610326109000/);
		assert.match(r.stderr, /nothing was written/);
		assertProblem(await county.get('/api/v1/regions/610326109000'), 404, 'not-found');
		const missing = run(['import', 'regions', path.join(srv.dir, 'nope.csv')]);
		assert.notEqual(missing.code, 0);
		assert.match(missing.stderr, /nope\.csv: No such file/);
	});
});

describe('wangge import grids', () => {
	const g = (n) => `${VILLAGE}00${n}`;
	const good = () => ({
		type: 'FeatureCollection',
		features: [
			feature(g(1), box(125, 45, 125.01, 45.01), { name: '一网格', type: '农村' }),
			feature(g(2), box(125.01, 45, 125.02, 45.01), { name: '二网格', type: 'urban' }),
			feature(`${g(1)}001`, box(125, 45, 125.005, 45.005), { name: '微网格' }),
		],
	});

	it('--dry-run checks and writes nothing', async () => {
		const r = run(['import', 'grids', file('dry.geojson', JSON.stringify(good())), '--dry-run']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /3 features: 3 created, 0 redrawn or renamed, 0 unchanged \(dry run: nothing written\)/);
		assertProblem(await county.get(`/api/v1/grids/${g(1)}`), 404, 'not-found');
	});

	it('every bad feature reported with its index and code; nothing written', async () => {
		const fc = good();
		fc.features.push(
			feature(g(4), { type: 'Polygon', coordinates: [[[125, 46], [125.01, 46.01], [125.01, 46], [125, 46.01], [125, 46]]] }),
			feature(g(5), { type: 'Polygon', coordinates: [[[125, 47], [125.01, 97], [125.01, 47.01], [125, 47]]] }),
			{ type: 'Feature', properties: { name: 'no code' }, geometry: box(125, 48, 125.01, 48.01) },
			feature(g(7), null),
		);
		const r = run(['import', 'grids', file('bad.geojson', JSON.stringify(fc))]);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, new RegExp(`features\\[3\\] \\(${g(4)}\\): geometry: Self-intersection at 125\\.005`));
		assert.match(r.stderr, new RegExp(`features\\[4\\] \\(${g(5)}\\): .*latitude 97`));
		assert.match(r.stderr, /features\[5\]: properties\.code: missing/);
		assert.match(r.stderr, new RegExp(`features\\[6\\] \\(${g(7)}\\): .*geometry`));
		assert.match(r.stderr, /4 of 7 features are bad; nothing was written/);
		assertProblem(await county.get(`/api/v1/grids/${g(1)}`), 404, 'not-found');
	});

	it('rules of the domain: overlaps, codes and villages, each feature named', async () => {
		const fc = good();
		fc.features.push(
			feature(g(8), box(125.005, 45.005, 125.015, 45.006)),
			feature('61032610800', box(125, 49, 125.01, 49.01)),
			feature('610326199001001', box(125, 50, 125.01, 50.01)),
		);
		const r = run(['import', 'grids', file('rules.geojson', JSON.stringify(fc))]);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /features\[4\] \(61032610800\): properties\.code: code must be/);
		assert.match(r.stderr, /features\[5\] \(610326199001001\): properties\.code: no village 610326199001/);
		assert.match(r.stderr, /2 of 6 features are bad/);
		fc.features.splice(4, 2);
		const o = run(['import', 'grids', file('overlap.geojson', JSON.stringify(fc))]);
		assert.notEqual(o.code, 0);
		assert.match(o.stderr, new RegExp(`features\\[0\\] \\(${g(1)}\\): geometry: the boundary overlaps grid ${g(8)}`));
		assert.match(o.stderr, new RegExp(`features\\[3\\] \\(${g(8)}\\): geometry: the boundary overlaps grids ${g(1)}, ${g(2)}`));
		assertProblem(await county.get(`/api/v1/grids/${g(1)}`), 404, 'not-found');
	});

	it('not GeoJSON, not a file, no kind: a clear error', () => {
		const notJson = run(['import', 'grids', file('x.geojson', '{"type": "FeatureCollection", "features": [')]);
		assert.notEqual(notJson.code, 0);
		assert.match(notJson.stderr, /x\.geojson: .*line 1/);
		const point = run(['import', 'grids', file('p.geojson', '{"type":"Point","coordinates":[1,2]}')]);
		assert.notEqual(point.code, 0);
		assert.match(point.stderr, /FeatureCollection/);
		const none = run(['import', 'grids', path.join(srv.dir, 'none.geojson')]);
		assert.match(none.stderr, /No such file/);
		const usage = run(['import', 'people', 'x']);
		assert.notEqual(usage.code, 0);
		assert.match(usage.stderr, /usage: wangge import KIND FILE.*\nkinds: grids regions residents/);
		const opt = run(['import', 'grids', 'x.geojson', '--fast']);
		assert.match(opt.stderr, /unknown option '--fast'/);
	});

	it('imports; the server finds the grids after a restart; again changes nothing', async () => {
		const p = file('good.geojson', JSON.stringify(good()));
		const r = run(['import', 'grids', p]);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /3 features: 3 created, 0 redrawn or renamed, 0 unchanged$/m);
		const one = await county.get(`/api/v1/grids/${g(1)}`);
		assertStatus(one, 200);
		assert.equal(one.json.name, '一网格');
		assert.equal(one.json.type, 'rural');
		assert.deepEqual(one.json.micro_grids.map((m) => m.code), [`${g(1)}001`]);
		const audit = await as(srv, await login(srv, 'auditor')).get('/api/v1/audit?action=grid.create&limit=10');
		assert.ok(audit.json.items.some((a) => a.object_id === g(2) && a.actor_name === 'system'));
		// The running server's index is built at start.
		await srv.restart();
		county = as(srv, await login(srv, 'county'));
		const here = await county.get('/api/v1/grids/locate?lat=45.002&lng=125.002');
		assertStatus(here, 200);
		assert.equal(here.json.code, `${g(1)}001`);
		const again = run(['import', 'grids', p]);
		assert.equal(again.code, 0, again.stderr);
		assert.match(again.stdout, /0 created, 0 redrawn or renamed, 3 unchanged/);
	});
});
