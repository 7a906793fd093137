// Scope: an account sees its own area and what lies under it (accounts and
// regions), plus the regions above it; anything else is 404, exactly like
// something that does not exist. Town 1 (首善街道 610326001000) against town 2
// (横渠镇 610326101000), with a centre operator and a sysadmin in each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login, signIn } from './lib/http.mjs';
import { activate, createUser, grantRoles } from './lib/accounts.mjs';
import { loadRegions } from './lib/regions.mjs';
import { COUNTY, GRID1, TOWN1, TOWN2, VILLAGE1, startServer } from './lib/server.mjs';

const regions = loadRegions();
const INIT = 'Init#2026pass';
const NEXT = 'Next#2026pass';
const U = '/api/v1/users';
const R = '/api/v1/regions';

let srv;
let sys; // county sysadmin
let sec; // county secadmin
const acct = {}; // username → user (as created)
let adm1; // sysadmin of town 1
let op1; // centre operator of town 1
let worker; // worker1, grid in village 1 of town 1

before(async () => {
	srv = await startServer();
	sys = as(srv, await login(srv, 'sysadmin'));
	sec = as(srv, await login(srv, 'secadmin'));
	for (const [username, region, roles] of [
		['op.t1', TOWN1, ['centre_operator']],
		['adm.t1', TOWN1, ['sysadmin']],
		['op.t2', TOWN2, ['centre_operator']],
		['adm.t2', TOWN2, ['sysadmin']],
	]) {
		const u = await createUser(srv, sys.session, { username, name: username, region, password: INIT });
		await grantRoles(srv, sec.session, u.id, roles);
		acct[username] = u;
	}
	adm1 = as(srv, await activate(srv, 'adm.t1', INIT, NEXT));
	op1 = as(srv, await activate(srv, 'op.t1', INIT, NEXT));
	worker = as(srv, await login(srv, 'worker1'));
});
after(async () => {
	await srv?.stop();
});

/** A problem body without what differs with the path and the request. */
function shape(res) {
	const { request_id: _r, instance: _i, ...rest } = res.json || {};
	return JSON.parse(JSON.stringify(rest).replace(/\d{6,}/g, 'N'));
}

async function assertHidden(res, missing) {
	assertProblem(res, 404, 'not-found');
	assertProblem(missing, 404, 'not-found');
	assert.deepEqual(shape(res), shape(missing), `an out-of-scope 404 differs from a missing one:\n${res}\n\nversus\n${missing}`);
	assert.equal(res.header('content-type'), missing.header('content-type'));
}

async function allUsers(by, query = '') {
	const items = [];
	let cursor = null;
	let total;
	for (let page = 0; page < 100; page++) {
		const res = await by.get(`${U}?limit=200${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		assertStatus(res, 200);
		total = res.json.total;
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
		if (!cursor) return { items, total, names: items.map((u) => u.username).sort() };
	}
	throw new Error('paging does not end');
}

const TOWN1_ACCOUNTS = ['adm.t1', 'op.t1', 'town1', 'village1', 'worker1', 'mediator2', 'member1', 'secretary1',
	'townhead1', 'townsec1'].sort();
const TOWN2_ACCOUNTS = ['adm.t2', 'op.t2', 'town2', 'worker2'];

describe('accounts: a town 1 sysadmin', () => {
	it('GET /users/{id} of a town 2 account: 404, the same as an id that does not exist', async () => {
		const missing = await adm1.get(`${U}/999999`);
		for (const name of ['op.t2', 'adm.t2']) {
			await assertHidden(await adm1.get(`${U}/${acct[name].id}`), missing);
		}
	});

	it('GET /users/{id} of a county-level account (above town 1): 404', async () => {
		const missing = await adm1.get(`${U}/999999`);
		await assertHidden(await adm1.get(`${U}/${sys.session.user.id}`), missing);
	});

	it('GET /users/{id} of a town 1 account and of a grid inside it: 200', async () => {
		assertStatus(await adm1.get(`${U}/${acct['op.t1'].id}`), 200);
		const w = await adm1.get(`${U}/${worker.session.user.id}`);
		assertStatus(w, 200);
		assert.equal(w.json.grid, GRID1);
	});

	it('the list holds exactly the accounts of town 1 and below; total agrees', async () => {
		const { items, total, names } = await allUsers(adm1);
		assert.deepEqual(names, TOWN1_ACCOUNTS, 'accounts listed to a town 1 sysadmin');
		assert.equal(total, TOWN1_ACCOUNTS.length, 'total counts accounts outside the scope');
		assert.equal(items.length, total);
	});

	it('paging with limit=1 shows the same accounts and total', async () => {
		const seen = [];
		let cursor = null;
		for (let i = 0; i < 50; i++) {
			const res = await adm1.get(`${U}?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
			assertStatus(res, 200);
			assert.equal(res.json.total, TOWN1_ACCOUNTS.length, `${res}`);
			seen.push(...res.json.items.map((u) => u.username));
			cursor = res.json.next_cursor;
			if (!cursor) break;
		}
		assert.deepEqual(seen.sort(), TOWN1_ACCOUNTS);
	});

	it('q, role and active filters stay inside the scope', async () => {
		for (const q of ['op.t2', 'adm.t2', 't2', 'town2', 'worker2', 'sysadmin']) {
			const res = await adm1.get(`${U}?q=${encodeURIComponent(q)}`);
			assertStatus(res, 200);
			const names = res.json.items.map((u) => u.username);
			for (const n of names) assert.ok(TOWN1_ACCOUNTS.includes(n), `q=${q} shows ${n} outside the scope:\n${res}`);
			assert.equal(res.json.total, names.length, `q=${q}: total counts hidden accounts:\n${res}`);
		}
		const town = await adm1.get(`${U}?q=town`);
		assert.deepEqual(
			town.json.items.map((u) => u.username).sort(),
			['town1', 'townhead1', 'townsec1'],
			`${town}`,
		);
		const workers = await adm1.get(`${U}?role=grid_worker`);
		assert.deepEqual(
			workers.json.items.map((u) => u.username),
			['worker1'],
			`${workers}`,
		);
		assert.equal(workers.json.total, 1);
		const sysadmins = await adm1.get(`${U}?role=sysadmin`);
		assert.deepEqual(
			sysadmins.json.items.map((u) => u.username),
			['adm.t1'],
			`${sysadmins}`,
		);
		const active = await allUsers(adm1, '&active=true');
		assert.deepEqual(active.names, TOWN1_ACCOUNTS);
	});

	it('PATCH a town 2 account: 404, nothing changed', async () => {
		const missing = await adm1.patch(`${U}/999999`, { name: '改' });
		await assertHidden(await adm1.patch(`${U}/${acct['op.t2'].id}`, { name: '越权' }), missing);
		await assertHidden(await adm1.patch(`${U}/${acct['op.t2'].id}`, { active: false }), missing);
		const u = await sys.get(`${U}/${acct['op.t2'].id}`);
		assert.equal(u.json.name, 'op.t2');
		assert.equal(u.json.active, true);
	});

	it('reset the password of a town 2 account: 404, the password unchanged', async () => {
		const missing = await adm1.post(`${U}/999999/password`);
		await assertHidden(await adm1.post(`${U}/${acct['op.t2'].id}/password`), missing);
		assertStatus(await signIn(srv, 'op.t2', INIT), 201);
	});

	// Outside the scope is "like a missing id": a region of town 2 must be
	// refused exactly as a region that does not exist is, or the answer
	// tells a town 1 admin which codes exist elsewhere.
	it('create an account in town 2: refused exactly like a region that does not exist', async () => {
		const missing = await adm1.post(U, { username: 'sneaky', name: '越权', region: '610326199000', password: INIT });
		assertProblem(missing, 422, 'validation'); // users.test checks it names region
		const res = await adm1.post(U, { username: 'sneaky', name: '越权', region: TOWN2, password: INIT });
		assert.equal(res.status, missing.status, `an out-of-scope region answers unlike a missing one:\n${res}\n\nversus\n${missing}`);
		assert.deepEqual(shape(res), shape(missing), `an out-of-scope region answers unlike a missing one:\n${res}\n\nversus\n${missing}`);
		assert.equal((await sys.get(`${U}?q=sneaky`)).json.total, 0);
	});

	it('move a town 1 account to town 2: refused exactly like a region that does not exist, not moved', async () => {
		const missing = await adm1.patch(`${U}/${acct['op.t1'].id}`, { region: '610326199000' });
		assertProblem(missing, 422, 'validation');
		const res = await adm1.patch(`${U}/${acct['op.t1'].id}`, { region: TOWN2 });
		assert.equal(res.status, missing.status, `an out-of-scope region answers unlike a missing one:\n${res}\n\nversus\n${missing}`);
		assert.deepEqual(shape(res), shape(missing), `an out-of-scope region answers unlike a missing one:\n${res}\n\nversus\n${missing}`);
		assert.equal((await sys.get(`${U}/${acct['op.t1'].id}`)).json.region, TOWN1);
	});

	it('create and edit inside town 1: allowed', async () => {
		const res = await adm1.post(U, { username: 'clerk.t1', name: '镇一文员', region: VILLAGE1, password: INIT });
		assertStatus(res, 201);
		const p = await adm1.patch(`${U}/${res.json.id}`, { name: '镇一文员甲' });
		assertStatus(p, 200);
		assert.equal(p.json.name, '镇一文员甲');
	});
});

describe('accounts: the county sysadmin and secadmin see both towns', () => {
	it('GET /users/{id} of town 1 and town 2 accounts: 200', async () => {
		for (const name of Object.keys(acct)) {
			assertStatus(await sys.get(`${U}/${acct[name].id}`), 200);
			assertStatus(await sec.get(`${U}/${acct[name].id}`), 200);
		}
	});

	it('the list has both towns', async () => {
		const { names, total } = await allUsers(sys);
		for (const n of [...TOWN1_ACCOUNTS, ...TOWN2_ACCOUNTS, 'sysadmin', 'county']) assert.ok(names.includes(n), `${n} missing`);
		assert.equal(total, names.length);
	});

	it('a town 2 sysadmin, symmetrically, sees town 2 only', async () => {
		const adm2 = as(srv, await activate(srv, 'adm.t2', INIT, NEXT));
		const missing = await adm2.get(`${U}/999999`);
		await assertHidden(await adm2.get(`${U}/${acct['op.t1'].id}`), missing);
		const { names } = await allUsers(adm2);
		assert.deepEqual(names, [...TOWN2_ACCOUNTS].sort());
	});
});

describe('regions: a town 1 centre operator', () => {
	it('GET /regions/{town 2}: 404, the same as a code that does not exist', async () => {
		const missing = await op1.get(`${R}/610326199000`);
		await assertHidden(await op1.get(`${R}/${TOWN2}`), missing);
		// A village of town 2 too.
		const v2 = regions.get(TOWN2).children[0];
		await assertHidden(await op1.get(`${R}/${v2}`), await op1.get(`${R}/610326199001`));
	});

	it('GET /regions?parent={county} lists town 1 alone (total 1)', async () => {
		const res = await op1.get(`${R}?parent=${COUNTY}`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.items.map((r) => r.code),
			[TOWN1],
			`${res}`,
		);
		assert.equal(res.json.total, 1, `${res}`);
		assert.equal(res.json.next_cursor, null);
	});

	it('GET /regions?parent={town 2}: 404', async () => {
		const missing = await op1.get(`${R}?parent=610326199000`);
		await assertHidden(await op1.get(`${R}?parent=${TOWN2}`), missing);
	});

	it('GET /regions?parent={town 1} lists all its villages', async () => {
		const res = await op1.get(`${R}?parent=${TOWN1}&limit=200`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.items.map((r) => r.code),
			regions.get(TOWN1).children,
		);
		assert.equal(res.json.total, regions.get(TOWN1).children.length);
	});

	it('GET /regions/{village of town 1}: 200 with the full path from the province', async () => {
		const res = await op1.get(`${R}/${VILLAGE1}`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.path.map((p) => p.code),
			['610000000000', '610300000000', COUNTY, TOWN1, VILLAGE1],
		);
	});

	it('the regions above: the county, the city, the province and the top-level list answer', async () => {
		assertStatus(await op1.get(`${R}/${COUNTY}`), 200);
		assertStatus(await op1.get(`${R}/610300000000`), 200);
		assertStatus(await op1.get(`${R}/610000000000`), 200);
		const top = await op1.get(R);
		assertStatus(top, 200);
		assert.deepEqual(
			top.json.items.map((r) => r.code),
			['610000000000'],
		);
		const city = await op1.get(`${R}?parent=610300000000`);
		assert.deepEqual(
			city.json.items.map((r) => r.code),
			[COUNTY],
		);
	});

	it('a centre operator may not create regions at all: 403', async () => {
		assertProblem(await op1.post(R, { code: '610326001297', name: '无权村' }), 403, 'forbidden');
	});
});

describe('regions: a grid worker of village 1', () => {
	const sibling = regions.get(TOWN1).children.find((c) => c !== VILLAGE1);

	it('sees its village (200) and the path above it', async () => {
		const res = await worker.get(`${R}/${VILLAGE1}`);
		assertStatus(res, 200);
		assert.equal(res.json.path.length, 5);
		assertStatus(await worker.get(`${R}/${TOWN1}`), 200);
		assertStatus(await worker.get(`${R}/${COUNTY}`), 200);
	});

	it('nothing beside it: a sibling village and town 2 are 404', async () => {
		assert.ok(sibling, 'town 1 has only one village in data/regions');
		const missing = await worker.get(`${R}/610326001999`);
		await assertHidden(await worker.get(`${R}/${sibling}`), missing);
		await assertHidden(await worker.get(`${R}/${TOWN2}`), await worker.get(`${R}/610326199000`));
	});

	it('GET /regions?parent={town 1} lists its village alone', async () => {
		const res = await worker.get(`${R}?parent=${TOWN1}`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.items.map((r) => r.code),
			[VILLAGE1],
			`${res}`,
		);
		assert.equal(res.json.total, 1);
		const county = await worker.get(`${R}?parent=${COUNTY}`);
		assert.deepEqual(
			county.json.items.map((r) => r.code),
			[TOWN1],
			`${county}`,
		);
	});

	it('GET /regions?parent={its village}: 200, empty', async () => {
		const res = await worker.get(`${R}?parent=${VILLAGE1}`);
		assertStatus(res, 200);
		assert.deepEqual(res.json.items, []);
	});
});

// A parent outside the caller's area must be refused as 404, or exactly as
// a parent that does not exist (422 code/parent_missing): nothing that
// tells the two apart.
function assertRefusedParent(res, missing) {
	assertFieldError(missing, 422, 'validation', 'code', 'parent_missing');
	if (res.status === 404) {
		assertProblem(res, 404, 'not-found');
		return;
	}
	assert.equal(res.status, 422, `expected 404, or the 422 of a missing parent:\n${res}`);
	assertFieldError(res, 422, 'validation', 'code', 'parent_missing');
	assert.deepEqual(shape(res), shape(missing), `an out-of-scope parent answers unlike a missing one:\n${res}\n\nversus\n${missing}`);
}

describe('regions: POST by a town 1 sysadmin', () => {
	it('under town 2: 404 (or the answer of a missing parent), nothing created', async () => {
		const missing = await adm1.post(R, { code: '610326199298', name: '越权村' });
		const res = await adm1.post(R, { code: '610326101298', name: '越权村' });
		assertRefusedParent(res, missing);
		assertStatus(await sys.get(`${R}/610326101298`), 404);
	});

	it('under town 1: 201, and the county sysadmin sees it', async () => {
		const res = await adm1.post(R, { code: '610326001298', name: '镇一新村' });
		assertStatus(res, 201);
		assertStatus(await sys.get(`${R}/610326001298`), 200);
	});

	it('a new town beside town 1 (under the county, which it can read): refused, nothing created', async () => {
		const res = await adm1.post(R, { code: '610326108000', name: '越权镇' });
		assert.ok(
			res.status === 403 || res.status === 404 || (res.status === 422 && res.json?.errors?.some((e) => e.field === 'code')),
			`expected a refusal (403, 404, or 422 on code):\n${res}`,
		);
		assertStatus(await sys.get(`${R}/610326108000`), 404);
	});

	it('the county sysadmin may create under town 2: 201', async () => {
		assertStatus(await sys.post(R, { code: '610326101297', name: '县建村' }), 201);
	});
});
