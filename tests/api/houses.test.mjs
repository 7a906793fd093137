// Houses (/api/v1/houses): create, read with the residents (masked; the
// household apart from the tenants), list with filters, change; scope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { allItems, assertPlaceNames, ensureGrids, maskId, newIdNumber } from './lib/basedata.mjs';
import { GRID1, GRID2, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const H = '/api/v1/houses';
const R = '/api/v1/residents';

let srv;
let town1, town2, worker1, leader, auditor;

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	[town1, town2, worker1, leader, auditor] = await Promise.all(
		['town1', 'town2', 'worker1', 'leader', 'auditor'].map(async (u) => as(srv, await login(srv, u))),
	);
});
after(async () => {
	await srv?.stop();
});

async function create(who, body) {
	const res = await who.post(H, body);
	assertStatus(res, 201);
	return res.json;
}

describe('houses', () => {
	it('201 with defaults; Location; labels', async () => {
		const res = await town1.post(H, { address: '首善街道幸福路1号', grid: GRID1, rental: true, owner_name: '王房东' });
		assertStatus(res, 201);
		const h = res.json;
		assert.equal(res.header('location'), `${H}/${h.id}`);
		assert.equal(h.use, 'residential');
		assert.equal(h.use_label, '住宅');
		assert.equal(h.rental, true);
		assert.equal(h.owner_name, '王房东');
		assert.equal(h.grid, GRID1);
		assert.equal(h.region, VILLAGE1);
		await assertPlaceNames(town1, h);
		assert.equal(h.residents, 0);
		assert.deepEqual(h.household, []);
		assert.deepEqual(h.tenants, []);
		assert.equal(h.version, 1);
	});

	it('422 field by field; 403 for a leader', async () => {
		for (const [body, field, code] of [
			[{ grid: GRID1 }, 'address', 'required'],
			[{ address: 'a', use: 'castle', grid: GRID1 }, 'use', 'unknown'],
			[{ address: 'a', rental: 'yes', grid: GRID1 }, 'rental', 'type'],
			[{ address: 'a' }, 'location', 'required'],
			[{ address: 'a', region: VILLAGE2 }, 'region', 'not_found'],
			[{ address: 'a', grid: GRID1, owner: 'x' }, 'owner', 'unknown'],
		])
			assertFieldError(await town1.post(H, body), 422, 'validation', field, code);
		assertProblem(await leader.post(H, { address: 'a', grid: GRID1 }), 403, 'forbidden');
	});

	it('GET one shows its residents masked, owners and family apart from tenants; scoped', async () => {
		const h = await create(town1, { address: '幸福路2号', grid: GRID1, rental: true });
		const owner = newIdNumber('19600101', 'male');
		const tenant = newIdNumber('19950101', 'female');
		const o = (await town1.post(R, { name: '房主', id_number: owner, house: h.id, house_relation: 'owner' })).json;
		assert.equal(o.grid, GRID1, 'a resident with a house and no place of their own lives there');
		await town1.post(R, { name: '家属', house: h.id, house_relation: 'family' });
		const t = (await town1.post(R, { name: '租客', id_number: tenant, house: h.id, house_relation: 'tenant' })).json;
		const res = await town1.get(`${H}/${h.id}`);
		assertStatus(res, 200);
		assert.equal(res.json.residents, 3);
		assert.deepEqual(
			res.json.household.map((r) => [r.name, r.house_relation]),
			[
				['房主', 'owner'],
				['家属', 'family'],
			],
		);
		assert.deepEqual(
			res.json.tenants.map((r) => r.id),
			[t.id],
		);
		assert.equal(res.json.household[0].id_number, maskId(owner));
		assert.equal(res.json.tenants[0].id_number, maskId(tenant));
		assert.ok(!JSON.stringify(res.json).includes(owner) && !JSON.stringify(res.json).includes(tenant));
		// the same residents through /residents?house=
		assert.equal((await allItems(town1, `${R}?house=${h.id}`)).length, 3);
		// out of scope: exactly like absent
		const hidden = await town2.get(`${H}/${h.id}`);
		assertProblem(hidden, 404, 'not-found');
		assert.equal(hidden.json.detail, (await town2.get(`${H}/99999999`)).json.detail);
		assertProblem(await town2.post(R, { name: 'x', house: h.id, house_relation: 'tenant' }), 422, 'validation', { field: 'house' });
		assertStatus(await worker1.get(`${H}/${h.id}`), 200);
		assertStatus(await leader.get(`${H}/${h.id}`), 200);
		assertProblem(await auditor.get(`${H}/${h.id}`), 403, 'forbidden');
	});

	it('list: filters rental, use, q, grid; scope; paging', async () => {
		await create(town1, { address: '商铺街8号', use: 'commercial', region: VILLAGE1 });
		await create(town2, { address: '槐芽村9号', region: VILLAGE2 });
		const all = await allItems(town1, `${H}?limit=1`);
		assert.ok(all.length >= 3);
		const byRegion = all.find((h) => h.address === '商铺街8号');
		assert.equal(byRegion.grid_name, null);
		await assertPlaceNames(town1, byRegion);
		assert.ok(all.every((h) => h.region.startsWith('610326001')), 'town 1 sees only town 1');
		assert.ok((await allItems(town1, `${H}?rental=true`)).every((h) => h.rental));
		assert.ok((await allItems(town1, `${H}?rental=false`)).every((h) => !h.rental));
		assert.deepEqual(
			(await allItems(town1, `${H}?use=commercial`)).map((h) => h.address),
			['商铺街8号'],
		);
		assert.deepEqual(
			(await allItems(town1, `${H}?q=${encodeURIComponent('商铺')}`)).map((h) => h.address),
			['商铺街8号'],
		);
		assert.ok((await allItems(town1, `${H}?grid=${GRID1}`)).every((h) => h.grid === GRID1));
		assert.deepEqual(await allItems(town1, `${H}?grid=${GRID2}`), []);
		assert.deepEqual(
			(await allItems(town2, H)).map((h) => h.address),
			['槐芽村9号'],
		);
		assertFieldError(await town1.get(`${H}?rental=maybe`), 422, 'validation', 'rental', 'type');
		assertFieldError(await town1.get(`${H}?use=castle`), 422, 'validation', 'use', 'unknown');
	});

	it('PATCH: fields, If-Match, scope', async () => {
		const h = await create(town1, { address: '改址路1号', grid: GRID1, owner_name: '甲' });
		const res = await town1.patch(`${H}/${h.id}`, { rental: true, owner_name: null, use: 'mixed' }, { headers: { 'If-Match': '1' } });
		assertStatus(res, 200);
		assert.equal(res.json.rental, true);
		assert.equal(res.json.owner_name, null);
		assert.equal(res.json.use, 'mixed');
		assert.equal(res.json.version, 2);
		assertProblem(await town1.patch(`${H}/${h.id}`, { rental: false }, { headers: { 'If-Match': '1' } }), 409, 'conflict');
		assertProblem(await town2.patch(`${H}/${h.id}`, { rental: false }), 404, 'not-found');
		assertFieldError(await town1.patch(`${H}/${h.id}`, { address: '' }), 422, 'validation', 'address', 'required');
		assertProblem(await town1.patch(`${H}/x1`, { rental: false }), 404, 'not-found');
	});
});
