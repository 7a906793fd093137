// Key places (/api/v1/places): the fixed list of types, an organisation in
// scope, a patrol schedule with its worker; lists, changes; scope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { allItems, assertPlaceNames, ensureGrids } from './lib/basedata.mjs';
import { GRID1, GRID2, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const P = '/api/v1/places';

let srv;
let town1, town2, worker1, worker2, leader, auditor;
let me1, me2;

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	[town1, town2, worker1, worker2, leader, auditor] = await Promise.all(
		['town1', 'town2', 'worker1', 'worker2', 'leader', 'auditor'].map(async (u) => as(srv, await login(srv, u))),
	);
	me1 = (await worker1.get('/api/v1/me')).json;
	me2 = (await worker2.get('/api/v1/me')).json;
});
after(async () => {
	await srv?.stop();
});

describe('places', () => {
	it('the types with their labels', async () => {
		const res = await leader.get('/api/v1/place-types');
		assertStatus(res, 200);
		const types = res.json.items.map((t) => t.type);
		for (const t of ['school', 'hospital', 'market', 'hotel', 'internet_cafe', 'entertainment', 'gas_station', 'construction_site', 'hazardous_chemicals', 'religious', 'rental_cluster', 'other'])
			assert.ok(types.includes(t), t);
		assert.equal(res.json.items.find((t) => t.type === 'internet_cafe').label, '网吧');
	});

	it('201: a grid worker setting a schedule becomes its worker', async () => {
		const res = await worker1.post(P, { name: '星空网吧', type: 'internet_cafe', address: '幸福路3号', visit_days: 7, grid: GRID1 });
		assertStatus(res, 201);
		const p = res.json;
		assert.equal(res.header('location'), `${P}/${p.id}`);
		assert.equal(p.type_label, '网吧');
		assert.equal(p.visit_days, 7);
		assert.equal(p.worker, me1.id);
		assert.equal(p.organisation, null);
		await assertPlaceNames(worker1, p);
		const noSchedule = (await town1.post(P, { name: '首善小学', type: 'school', region: VILLAGE1 })).json;
		assert.equal(noSchedule.visit_days, null);
		assert.equal(noSchedule.worker, null);
	});

	it('422: type, organisation elsewhere, worker elsewhere, schedule range', async () => {
		const org2 = (await town2.post('/api/v1/organisations', { name: '槐芽加油站公司', type: 'enterprise', region: VILLAGE2 })).json;
		for (const [body, field, code] of [
			[{ name: 'a', type: 'casino', grid: GRID1 }, 'type', 'unknown'],
			[{ name: 'a', grid: GRID1 }, 'type', 'required'],
			[{ name: 'a', type: 'other', organisation: org2.id, grid: GRID1 }, 'organisation', 'not_found'],
			[{ name: 'a', type: 'other', worker: me2.id, visit_days: 7, grid: GRID1 }, 'worker', 'not_found'],
			[{ name: 'a', type: 'other', visit_days: 0, grid: GRID1 }, 'visit_days', 'range'],
			[{ name: 'a', type: 'other', visit_days: 400, grid: GRID1 }, 'visit_days', 'range'],
			[{ name: 'a', type: 'other', grid: GRID2 }, 'grid', 'not_found'],
		])
			assertFieldError(await town1.post(P, body), 422, 'validation', field, code);
		assertProblem(await leader.post(P, { name: 'a', type: 'other', grid: GRID1 }), 403, 'forbidden');
		assertStatus(await town2.post(P, { name: '槐芽加油站', type: 'gas_station', organisation: org2.id, region: VILLAGE2 }), 201);
	});

	it('read and list: scope, filters', async () => {
		const p = (await town1.post(P, { name: '首善集贸市场', type: 'market', region: VILLAGE1 })).json;
		assertStatus(await town1.get(`${P}/${p.id}`), 200);
		assertProblem(await town2.get(`${P}/${p.id}`), 404, 'not-found');
		assertProblem(await auditor.get(`${P}/${p.id}`), 403, 'forbidden');
		const mine = await allItems(town1, `${P}?limit=1`);
		assert.ok(mine.length >= 3 && mine.every((x) => x.region.startsWith('610326001')));
		assert.deepEqual(
			(await allItems(town1, `${P}?type=market`)).map((x) => x.id),
			[p.id],
		);
		assert.deepEqual(
			(await allItems(town1, `${P}?q=${encodeURIComponent('集贸')}`)).map((x) => x.id),
			[p.id],
		);
		assert.ok((await allItems(town2, P)).every((x) => x.region === VILLAGE2));
		assertFieldError(await town1.get(`${P}?type=casino`), 422, 'validation', 'type', 'unknown');
	});

	it('PATCH: schedule cleared and set, worker, version, scope', async () => {
		const p = (await worker1.post(P, { name: '工地', type: 'construction_site', visit_days: 14, grid: GRID1 })).json;
		const res = await town1.patch(`${P}/${p.id}`, { visit_days: null }, { headers: { 'If-Match': '"1"' } });
		assertStatus(res, 200);
		assert.equal(res.json.visit_days, null);
		assert.equal(res.json.worker, null);
		assert.equal(res.json.version, 2);
		const again = await town1.patch(`${P}/${p.id}`, { visit_days: 3, worker: me1.id });
		assert.equal(again.json.visit_days, 3);
		assert.equal(again.json.worker, me1.id);
		assertFieldError(await town1.patch(`${P}/${p.id}`, { worker: me2.id }), 422, 'validation', 'worker', 'not_found');
		assertProblem(await town1.patch(`${P}/${p.id}`, { name: 'x' }, { headers: { 'If-Match': '"1"' } }), 409, 'conflict');
		assertProblem(await town2.patch(`${P}/${p.id}`, { name: 'x' }), 404, 'not-found');
	});
});
