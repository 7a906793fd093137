// POST /api/v1/regions: create, parent derivation, validation, conflicts.
// Writes as `sysadmin` (the county's system administrator) inside Mei
// county, and as PROVADMIN (a sysadmin of the province) above it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertJson, assertNoStore, assertProblem, assertStatus, login, post } from './lib/http.mjs';
import { PROVADMIN, startServer } from './lib/server.mjs';

let srv;
let admin; // sysadmin of Mei county
let prov; // sysadmin of the province
let operator; // centre_operator of Mei county: may read, not create
before(async () => {
	srv = await startServer({ provadmin: true });
	admin = as(srv, await login(srv, 'sysadmin'));
	prov = as(srv, await login(srv, PROVADMIN));
	operator = as(srv, await login(srv, 'county'));
});
after(async () => {
	await srv?.stop();
});

const P = '/api/v1/regions';

async function created(code, name, { parent, level, pathLen, by = admin }) {
	const res = await by.post(P, { code, name });
	assertStatus(res, 201);
	assertJson(res);
	assertNoStore(res);
	assert.equal(res.header('location'), `/api/v1/regions/${code}`, `Location:\n${res}`);
	assert.equal(res.json.code, code, `${res}`);
	assert.equal(res.json.name, name, `${res}`);
	assert.equal(res.json.level, level, `${res}`);
	assert.equal(res.json.parent, parent, `${res}`);
	assert.equal(res.json.counts?.children, 0, `${res}`);
	assert.ok(Array.isArray(res.json.path), `path:\n${res}`);
	assert.equal(res.json.path.length, pathLen, `${res}`);
	assert.deepEqual(res.json.path.at(-1), { code, name, level });
	// The 201 body is the region as GET shows it.
	const again = await by.get(`/api/v1/regions/${code}`);
	assertStatus(again, 200);
	assert.deepEqual(again.json, res.json, 'GET after POST differs from the 201 body');
	return res;
}

describe('POST /api/v1/regions creates', () => {
	it('a village under 横渠镇: 201, Location, the region as GET shows it', async () => {
		const res = await created('610326101299', '测试村', { parent: '610326101000', level: 'village', pathLen: 5 });
		assert.deepEqual(
			res.json.path.map((p) => p.code),
			['610000000000', '610300000000', '610326000000', '610326101000', '610326101299'],
		);
	});

	it('updates the parent: counts.children and the list (in code order)', async () => {
		const town = await admin.get('/api/v1/regions/610326101000');
		assert.equal(town.json.counts.children, 17, `${town}`);
		const list = await admin.get(`${P}?parent=610326101000&limit=200`);
		assertStatus(list, 200);
		assert.equal(list.json.total, 17);
		const codes = list.json.items.map((i) => i.code);
		assert.ok(codes.includes('610326101299'));
		assert.deepEqual(codes, [...codes].sort(), 'list not sorted by code');
		assert.equal(new Set(codes).size, codes.length, 'duplicates in the list');
	});

	it('a town under the county, then a village under that new town', async () => {
		await created('610326108000', '测试镇', { parent: '610326000000', level: 'town', pathLen: 4 });
		const county = await admin.get('/api/v1/regions/610326000000');
		assert.equal(county.json.counts.children, 11);
		await created('610326108001', '测试镇第一村', { parent: '610326108000', level: 'village', pathLen: 5 });
		const town = await admin.get('/api/v1/regions/610326108000');
		assert.equal(town.json.counts.children, 1);
	});

	it('a county under 宝鸡市', async () => {
		await created('610327000000', '测试县', { parent: '610300000000', level: 'county', pathLen: 3, by: prov });
	});

	it('a city under 陕西省', async () => {
		await created('610400000000', '测试市', { parent: '610000000000', level: 'city', pathLen: 2, by: prov });
	});

	it('a name of exactly 64 characters (192 UTF-8 bytes)', async () => {
		await created('610326101298', '测'.repeat(64), { parent: '610326101000', level: 'village', pathLen: 5 });
	});

	it('a name with quotes, backslashes, markup and escapes round-trips exactly', async () => {
		const name = 'a"b\\c</script>\u2028 村😀';
		await created('610326101297', name, { parent: '610326101000', level: 'village', pathLen: 5 });
	});

	it('accepts Content-Type application/json; charset=utf-8', async () => {
		const res = await admin.call('POST', P, {
			body: JSON.stringify({ code: '610326101296', name: '字符集村' }),
			headers: { 'Content-Type': 'application/json; charset=utf-8' },
		});
		assertStatus(res, 201);
	});

	it('accepts \\u escapes in the name as the characters they stand for', async () => {
		const res = await admin.call('POST', P, {
			body: '{"code":"610326101295","name":"\\u6d4b\\u8bd5\\u6751"}',
			headers: { 'Content-Type': 'application/json' },
		});
		assertStatus(res, 201);
		assert.equal(res.json.name, '测试村');
	});
});

describe('POST /api/v1/regions rejects', () => {
	const codeCases = [
		['11 digits', '61032610129'],
		['13 digits', '6103261012900'],
		['a letter', '61032610129x'],
		['a leading space', ' 61032610129'],
		['full-width digits', '６１０３２６１０１２９４'],
		['empty', ''],
		['a number', 610326101294],
		['null', null],
		['an array', ['610326101294']],
		['a parent town that does not exist', '610326199001'],
		['a parent city that does not exist', '619901000000'],
		['a parent county that does not exist', '610399001000'],
	];
	for (const [what, code] of codeCases) {
		it(`code that is ${what}: 422 naming code`, async () => {
			const res = await admin.post(P, { code, name: '坏编码村' });
			assertProblem(res, 422, 'validation', { field: 'code', instance: P });
		});
	}

	it('a missing code: 422 naming code', async () => {
		const res = await admin.post(P, { name: '无编码村' });
		assertProblem(res, 422, 'validation', { field: 'code' });
	});

	const nameCases = [
		['missing', undefined],
		['empty', ''],
		['a number', 5],
		['null', null],
		['true', true],
		['an object', { zh: '村' }],
		['65 characters', '测'.repeat(65)],
		['65 ASCII characters', 'a'.repeat(65)],
	];
	for (const [what, name] of nameCases) {
		it(`name that is ${what}: 422 naming name`, async () => {
			const body = { code: '610326101289' };
			if (name !== undefined) body.name = name;
			const res = await admin.post(P, body);
			assertProblem(res, 422, 'validation', { field: 'name', instance: P });
			const gone = await admin.get('/api/v1/regions/610326101289');
			assertStatus(gone, 404);
		});
	}

	it('an existing code: 409 conflict (created in this file)', async () => {
		const res = await admin.post(P, { code: '610326101299', name: '重复村' });
		assertProblem(res, 409, 'conflict', { instance: P });
		const still = await admin.get('/api/v1/regions/610326101299');
		assert.equal(still.json.name, '测试村', 'a conflicting POST changed the region');
	});

	it('an existing code: 409 conflict (shipped data)', async () => {
		const res = await admin.post(P, { code: '610326001002', name: '东关' });
		assertProblem(res, 409, 'conflict');
		const still = await admin.get('/api/v1/regions/610326001002');
		assert.equal(still.json.name, '东关社区居委会');
	});

	it('concurrent creates of one code: exactly one 201, the rest 409', async () => {
		const results = await Promise.all(
			Array.from({ length: 16 }, (_, i) => admin.post(P, { code: '610326101288', name: `竞争村${i}` })),
		);
		const statuses = results.map((r) => r.status).sort();
		assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses}`);
		assert.equal(statuses.filter((s) => s === 409).length, 15, `statuses: ${statuses}`);
		const list = await admin.get(`${P}?parent=610326101000&limit=200`);
		const codes = list.json.items.map((i) => i.code);
		assert.equal(codes.filter((c) => c === '610326101288').length, 1);
	});

	it('a failed write in a batch does not roll back its neighbours', async () => {
		// Valid and conflicting creates submitted together; the valid ones
		// must all succeed even if they share a group commit with a failure.
		const codes = Array.from({ length: 12 }, (_, i) => `610326102${String(301 + i)}`);
		const reqs = [];
		for (const code of codes) {
			reqs.push(admin.post(P, { code, name: '批量村' }));
			reqs.push(admin.post(P, { code: '610326001002', name: '冲突' }));
		}
		const results = await Promise.all(reqs);
		for (let i = 0; i < results.length; i++) {
			assertStatus(results[i], i % 2 === 0 ? 201 : 409);
		}
		for (const code of codes) assertStatus(await admin.get(`/api/v1/regions/${code}`), 200);
	});
});

describe('POST /api/v1/regions is for sysadmins, within their area', () => {
	it('without a session: 401 with WWW-Authenticate, nothing created', async () => {
		const res = await post(srv, P, { code: '610326101279', name: '无会话村' });
		assertProblem(res, 401, 'unauthorized', { instance: P });
		assert.match(res.header('www-authenticate') || '', /^Bearer\b/, `${res}`);
		assertStatus(await admin.get('/api/v1/regions/610326101279'), 404);
	});

	it('a centre operator: 403, nothing created', async () => {
		const res = await operator.post(P, { code: '610326101278', name: '无权村' });
		assertProblem(res, 403, 'forbidden', { instance: P });
		assertStatus(await admin.get('/api/v1/regions/610326101278'), 404);
	});

	for (const role of ['secadmin', 'auditor', 'leader', 'worker1']) {
		it(`${role}: 403`, async () => {
			const s = as(srv, await login(srv, role));
			const res = await s.post(P, { code: '610326101277', name: '无权村' });
			assertProblem(res, 403, 'forbidden');
		});
	}
	it('...and nothing was created by them', async () => {
		assertStatus(await admin.get('/api/v1/regions/610326101277'), 404);
	});

	it('the county sysadmin cannot create outside the county (a county, a city beside it): refused, nothing created', async () => {
		for (const [code, name] of [
			['610328000000', '县外县'],
			['610500000000', '省内另一市'],
		]) {
			const res = await admin.post(P, { code, name });
			// 403, 404, or refused on the code as if the parent were missing.
			assert.ok(
				res.status === 403 || res.status === 404 || (res.status === 422 && res.json?.errors?.some((e) => e.field === 'code')),
				`expected a refusal outside the caller's area (403, 404, or 422 on code), got:\n${res}`,
			);
		}
		for (const code of ['610328000000', '610500000000']) assertStatus(await prov.get(`/api/v1/regions/${code}`), 404);
	});
});
