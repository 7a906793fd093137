// Departments with their duty lists and the category tree: what the shipped
// data files (data/departments.json, data/categories.json) make in every
// county and town of the regions, read back independently of the server;
// scope (a town sees its county's departments and its own, never another
// town's); filters and paging; a sysadmin adding a department; who may.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertJson, assertProblem, assertStatus, assertUnauthenticated, call, login } from './lib/http.mjs';
import { loadRegions } from './lib/regions.mjs';
import { COUNTY, ROOT, TOWN1, TOWN2, startServer } from './lib/server.mjs';

const D = '/api/v1/departments';
const CAT = '/api/v1/categories';
const data = (f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'data', f), 'utf8'));
const defs = data('departments.json').departments;
const cats = data('categories.json').categories;
const regions = loadRegions();
const prefix = (r) => (r.level === 'county' ? r.code.slice(0, 6) : r.code.slice(0, 9));

// Every department the files should make: code → {name, level, region, duties}.
const expected = new Map();
for (const r of regions.values()) {
	if (r.level !== 'county' && r.level !== 'town') continue;
	for (const d of defs) {
		if (!d.name[r.level]) continue;
		const duties = d.duties.filter((x) => x.levels.includes(r.level)).map((x) => x.category);
		expected.set(`${prefix(r)}-${d.key}`, { name: r.name + d.name[r.level], level: r.level, region: r.code, duties: duties.sort() });
	}
}

let srv;
let county;
let town1;
let sys;
let aud;

before(async () => {
	srv = await startServer();
	county = as(srv, await login(srv, 'county'));
	town1 = as(srv, await login(srv, 'town1'));
	sys = as(srv, await login(srv, 'sysadmin'));
	aud = as(srv, await login(srv, 'auditor'));
});
after(async () => {
	await srv?.stop();
});

async function all(who, query = '') {
	const items = [];
	let cursor = null;
	do {
		const res = await who.get(`${D}?limit=50${query}${cursor ? `&cursor=${cursor}` : ''}`);
		assertStatus(res, 200);
		items.push(...res.json.items);
		assert.ok(res.json.total >= items.length);
		cursor = res.json.next_cursor;
	} while (cursor);
	return items;
}

describe('GET /departments', () => {
	it('every county and town has the departments of the data file, named and with duties', async () => {
		const items = await all(county);
		assert.equal(items.length, expected.size);
		for (const d of items) {
			const e = expected.get(d.code);
			assert.ok(e, `unexpected department ${d.code}`);
			assert.equal(d.name, e.name);
			assert.equal(d.level, e.level);
			assert.equal(d.region, e.region);
			assert.deepEqual(d.duties, e.duties, `duties of ${d.code}`);
			assert.equal(d.key, d.code.split('-')[1]);
			assert.equal(d.active, true);
			assert.equal(typeof d.name_en, 'string');
		}
		const codes = items.map((d) => d.code);
		assert.deepEqual(codes, [...codes].sort(), 'in code order, the county first');
	});

	it('the demo accounts\' departments exist: 610326-police is 眉县公安局, 610326-justice 眉县司法局', async () => {
		const police = await county.get(`${D}/610326-police`);
		assertStatus(police, 200);
		assertJson(police);
		assert.equal(police.json.name, '眉县公安局');
		assert.ok(police.json.duties.length > 0);
		assert.equal((await county.get(`${D}/610326-justice`)).json.name, '眉县司法局');
		const station = await county.get(`${D}/${TOWN1.slice(0, 9)}-police`);
		assert.equal(station.json.name, `${regions.get(TOWN1).name}派出所`);
	});

	it('filters: level, region, q (name or key)', async () => {
		const countyOnly = await all(county, '&level=county');
		assert.ok(countyOnly.length > 0 && countyOnly.every((d) => d.level === 'county' && d.region === COUNTY));
		const t1 = await all(county, `&region=${TOWN1}`);
		assert.ok(t1.length > 0 && t1.every((d) => d.region === TOWN1));
		const police = await all(county, `&q=${encodeURIComponent('公安')}`);
		assert.ok(police.some((d) => d.code === '610326-police'));
		assert.ok(police.every((d) => d.name.includes('公安')));
		const byKey = await all(county, '&q=justice');
		assert.deepEqual(
			byKey.map((d) => d.code),
			[...expected.keys()].filter((c) => c.endsWith('-justice')).sort(),
		);
		assertFieldError(await county.get(`${D}?level=village`), 422, 'validation', 'level', 'unknown');
		assertFieldError(await county.get(`${D}?region=6103`), 422, 'validation', 'region', 'pattern');
		assertFieldError(await county.get(`${D}?cursor=bogus`), 422, 'validation', 'cursor', 'pattern');
	});

	it('scope: town 1 sees the county\'s and its own, never town 2\'s', async () => {
		const items = await all(town1);
		const mine = [...expected.entries()].filter(([, e]) => e.region === COUNTY || e.region === TOWN1).map(([c]) => c).sort();
		assert.deepEqual(items.map((d) => d.code), mine);
		assertProblem(await town1.get(`${D}/${TOWN2.slice(0, 9)}-police`), 404, 'not-found');
		assertStatus(await town1.get(`${D}/610326-police`), 200);
		assert.deepEqual(await all(town1, `&region=${TOWN2}`), []);
		assertProblem(await county.get(`${D}/610326-nothing`), 404, 'not-found');
	});

	it('who may: 401 without a session, 403 for the auditor', async () => {
		assertUnauthenticated(await call(srv, 'GET', D));
		assertUnauthenticated(await call(srv, 'GET', CAT));
		assertProblem(await aud.get(D), 403, 'forbidden');
		assertProblem(await aud.get(CAT), 403, 'forbidden');
		assertProblem(await aud.get(`${D}/610326-police`), 403, 'forbidden');
	});
});

describe('POST /departments', () => {
	const ok = { key: 'fire', region: TOWN1, name: '消防救援站', name_en: 'Fire Rescue Station', duties: [] };

	it('a sysadmin adds one: 201, Location, as GET shows it', async () => {
		const duty = cats[0].children[0].code;
		const res = await sys.post(D, { ...ok, duties: [duty] });
		assertStatus(res, 201);
		const code = `${TOWN1.slice(0, 9)}-fire`;
		assert.equal(res.header('location'), `${D}/${code}`);
		assert.equal(res.json.code, code);
		assert.equal(res.json.name, '消防救援站');
		assert.equal(res.json.level, 'town');
		assert.deepEqual(res.json.duties, [duty]);
		assert.deepEqual((await town1.get(`${D}/${code}`)).json, res.json);
		const audit = await aud.get('/api/v1/audit?action=department.create');
		assert.ok(audit.json.items.some((r) => r.object_id === code && r.actor_name === 'sysadmin'));
	});

	it('409 for a key the region has', async () => {
		assertProblem(await sys.post(D, ok), 409, 'conflict');
		assertProblem(await sys.post(D, { ...ok, key: 'police', region: COUNTY }), 409, 'conflict');
	});

	it('422 naming each bad field', async () => {
		for (const [body, field, code] of [
			[{ ...ok, key: undefined }, 'key', 'required'],
			[{ ...ok, key: 'Fire-1' }, 'key', 'pattern'],
			[{ ...ok, region: undefined }, 'region', 'required'],
			[{ ...ok, region: '6103' }, 'region', 'pattern'],
			[{ ...ok, region: `${TOWN1.slice(0, 9)}201` }, 'region', 'level'],
			[{ ...ok, region: '610327000000' }, 'region', 'not_found'],
			[{ ...ok, name: undefined }, 'name', 'required'],
			[{ ...ok, name_en: 'x'.repeat(129) }, 'name_en', 'too_long'],
			[{ ...ok, duties: ['9999'] }, 'duties[0]', 'not_found'],
			[{ ...ok, duties: [cats[0].code] }, 'duties[0]', 'pattern'],
			[{ ...ok, duties: [`${cats[0].code}99`] }, 'duties[0]', 'not_found'],
			[{ ...ok, duties: ['01a'] }, 'duties[0]', 'pattern'],
			[{ ...ok, duties: 'all' }, 'duties', 'type'],
			[{ ...ok, boss: 'x' }, 'boss', 'unknown'],
		]) {
			assertFieldError(await sys.post(D, body), 422, 'validation', field, code);
		}
	});

	it('403 for anyone but the sysadmin', async () => {
		assertProblem(await county.post(D, { ...ok, key: 'other' }), 403, 'forbidden');
		assertProblem(await aud.post(D, { ...ok, key: 'other' }), 403, 'forbidden');
	});
});

describe('GET /categories', () => {
	it('the tree of the data file, with deadlines and owners', async () => {
		const res = await county.get(CAT);
		assertStatus(res, 200);
		assert.equal(res.json.items.length, cats.length);
		for (let i = 0; i < cats.length; i++) {
			const got = res.json.items[i];
			const want = cats[i];
			assert.equal(got.code, want.code);
			assert.equal(got.name, want.name);
			assert.equal(got.name_en, want.name_en);
			assert.equal(got.kind, want.kind);
			assert.equal(got.children.length, want.children.length);
			for (let j = 0; j < want.children.length; j++) {
				const c = got.children[j];
				const w = want.children[j];
				assert.deepEqual(
					{ code: c.code, name: c.name, kind: c.kind, deadline: c.deadline, owner: c.owner },
					{ code: w.code, name: w.name, kind: w.kind, deadline: w.deadline, owner: w.owner },
				);
			}
		}
	});

	it('every owner is a department of the county that has the duty', async () => {
		const byCode = new Map((await all(county, '&level=county')).map((d) => [d.key, d]));
		for (const major of (await county.get(CAT)).json.items) {
			for (const c of major.children) {
				const d = byCode.get(c.owner.county);
				assert.ok(d, `owner ${c.owner.county} of ${c.code} is no county department`);
				assert.ok(d.duties.includes(c.code), `${d.code} lacks its duty ${c.code}`);
			}
		}
	});

	it('?kind= filters; anything else is 422', async () => {
		const disputes = await county.get(`${CAT}?kind=dispute`);
		assertStatus(disputes, 200);
		assert.deepEqual(
			disputes.json.items.map((c) => c.code),
			cats.filter((c) => c.kind === 'dispute').map((c) => c.code),
		);
		assert.ok(disputes.json.items.length > 0);
		assertFieldError(await county.get(`${CAT}?kind=petition`), 422, 'validation', 'kind', 'unknown');
	});
});
