// Organisations (/api/v1/organisations): unified social credit codes
// checked (GB 32100) and unique, lists with filters, changes; scope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { allItems, assertPlaceNames, ensureGrids } from './lib/basedata.mjs';
import { GRID1, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const O = '/api/v1/organisations';
// Valid codes (core/ident.h's tests): Huawei, Tencent, Xiaomi.
const HUAWEI = '914403001922038216';
const TENCENT = '9144030071526726XG';
const XIAOMI = '91110108551385082Q';

let srv;
let town1, town2, county, worker1, leader, police;

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	[town1, town2, county, worker1, leader, police] = await Promise.all(
		['town1', 'town2', 'county', 'worker1', 'leader', 'police1'].map(async (u) => as(srv, await login(srv, u))),
	);
});
after(async () => {
	await srv?.stop();
});

describe('organisations', () => {
	it('201: code normalised, labels, Location', async () => {
		const res = await town1.post(O, {
			name: '首善商贸有限公司',
			credit_code: HUAWEI.toLowerCase(),
			type: 'enterprise',
			legal_person: '张三',
			employees: 25,
			address: '首善街道',
			region: VILLAGE1,
		});
		assertStatus(res, 201);
		const o = res.json;
		assert.equal(res.header('location'), `${O}/${o.id}`);
		assert.equal(o.credit_code, HUAWEI);
		assert.equal(o.type_label, '企业');
		assert.equal(o.employees, 25);
		assert.equal(o.region, VILLAGE1);
		assert.equal(o.grid, null);
		await assertPlaceNames(county, (await county.get(`${O}/${o.id}`)).json);
		assertStatus(await county.get(`${O}/${o.id}`), 200);
		assertProblem(await town2.get(`${O}/${o.id}`), 404, 'not-found');
	});

	it('422 for bad codes and fields; 409 for a code registered anywhere', async () => {
		for (const [body, field, code] of [
			[{ name: 'a', type: 'enterprise', credit_code: '914403001922038217', grid: GRID1 }, 'credit_code', 'checksum'],
			[{ name: 'a', type: 'enterprise', credit_code: '9144', grid: GRID1 }, 'credit_code', 'length'],
			[{ name: 'a', type: 'bank', grid: GRID1 }, 'type', 'unknown'],
			[{ name: 'a', grid: GRID1 }, 'type', 'required'],
			[{ type: 'other', grid: GRID1 }, 'name', 'required'],
			[{ name: 'a', type: 'other', employees: -1, grid: GRID1 }, 'employees', 'range'],
			[{ name: 'a', type: 'other', region: VILLAGE2 }, 'region', 'not_found'],
		])
			assertFieldError(await town1.post(O, body), 422, 'validation', field, code);
		assertStatus(await town1.post(O, { name: '腾讯', type: 'enterprise', credit_code: TENCENT, grid: GRID1 }), 201);
		assertFieldError(await town2.post(O, { name: '冒用', type: 'enterprise', credit_code: TENCENT, region: VILLAGE2 }), 409, 'conflict', 'credit_code', 'conflict');
		assertProblem(await leader.post(O, { name: 'a', type: 'other', grid: GRID1 }), 403, 'forbidden');
	});

	it('list: filters and scope', async () => {
		await town2.post(O, { name: '槐芽农业合作社', type: 'social', region: VILLAGE2 });
		const mine = await allItems(town1, `${O}?limit=1`);
		assert.ok(mine.length >= 2);
		assert.ok(mine.every((o) => o.region.startsWith('610326001')));
		assert.deepEqual(
			(await allItems(town1, `${O}?credit_code=${TENCENT.toLowerCase()}`)).map((o) => o.name),
			['腾讯'],
		);
		assert.deepEqual(await allItems(town2, `${O}?credit_code=${TENCENT}`), []);
		assert.deepEqual(
			(await allItems(town1, `${O}?q=${encodeURIComponent('商贸')}`)).map((o) => o.name),
			['首善商贸有限公司'],
		);
		assert.deepEqual(
			(await allItems(town2, `${O}?type=social`)).map((o) => o.name),
			['槐芽农业合作社'],
		);
		assert.ok((await allItems(worker1, O)).every((o) => o.grid === GRID1));
		assertFieldError(await town1.get(`${O}?type=bank`), 422, 'validation', 'type', 'unknown');
		assertFieldError(await town1.get(`${O}?credit_code=x`), 422, 'validation', 'credit_code');
		assertStatus(await leader.get(O), 200);
		assertProblem(await police.get(O), 403, 'forbidden');
	});

	it('PATCH: clear, conflict, version, scope', async () => {
		const o = (await town1.post(O, { name: '小米', type: 'enterprise', credit_code: XIAOMI, employees: 3, grid: GRID1 })).json;
		const res = await town1.patch(`${O}/${o.id}`, { employees: null, legal_person: '雷', credit_code: XIAOMI }, { headers: { 'If-Match': '"1"' } });
		assertStatus(res, 200);
		assert.equal(res.json.employees, null);
		assert.equal(res.json.legal_person, '雷');
		assert.equal(res.json.version, 2);
		assertFieldError(await town1.patch(`${O}/${o.id}`, { credit_code: HUAWEI }), 409, 'conflict', 'credit_code', 'conflict');
		assertProblem(await town1.patch(`${O}/${o.id}`, { name: 'x' }, { headers: { 'If-Match': '"1"' } }), 409, 'conflict');
		assertProblem(await town2.patch(`${O}/${o.id}`, { name: 'x' }), 404, 'not-found');
		const cleared = await town1.patch(`${O}/${o.id}`, { credit_code: null });
		assert.equal(cleared.json.credit_code, null);
	});
});
