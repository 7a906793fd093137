// /api/v1/users: create, validate, list, read, update with If-Match,
// deactivate, roles (secadmin), password reset (sysadmin), and who may do
// which.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
	as,
	assertFieldError,
	assertJson,
	assertNoStore,
	assertProblem,
	assertStatus,
	assertUnauthenticated,
	login,
	signIn,
} from './lib/http.mjs';
import { DEMO, PASSWORD, startServer } from './lib/server.mjs';

const P = '/api/v1/users';
const PW = 'Clerk#2026pass';

let srv;
let sys; // sysadmin
let sec; // secadmin
let aud; // auditor
before(async () => {
	srv = await startServer();
	sys = as(srv, await login(srv, 'sysadmin'));
	sec = as(srv, await login(srv, 'secadmin'));
	aud = as(srv, await login(srv, 'auditor'));
});
after(async () => {
	await srv?.stop();
});

const USER_KEYS = [
	'id',
	'username',
	'name',
	'phone',
	'region',
	'grid',
	'department',
	'roles',
	'active',
	'must_change_password',
	'totp_enabled',
	'password_changed_at',
	'last_login_at',
	'created_at',
	'updated_at',
	'version',
];

function assertUser(u, res) {
	for (const k of USER_KEYS) assert.ok(k in u, `user lacks ${k}:\n${res}`);
	for (const k of Object.keys(u)) {
		assert.doesNotMatch(k, /hash|secret|^password$|token/, `user member ${k}:\n${res}`);
	}
	assert.equal(typeof u.id, 'number');
	assert.ok(Array.isArray(u.roles));
	assert.equal(typeof u.version, 'number');
}

async function listAll(query = '', by = sys, limit = 200) {
	const items = [];
	let cursor = null;
	let total;
	for (let page = 0; page < 1000; page++) {
		const sep = query ? '&' : '';
		const res = await by.get(`${P}?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		assertStatus(res, 200);
		assertJson(res);
		if (total === undefined) total = res.json.total;
		assert.equal(res.json.total, total, `total changed between pages:\n${res}`);
		assert.ok(res.json.items.length <= limit, `page over the limit:\n${res}`);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
		if (cursor === null) return { items, total, pages: page + 1 };
	}
	throw new Error('paging does not end');
}

describe('POST /users', () => {
	it('201 with Location, the user, must_change_password, and an initial_password when none was given', async () => {
		const res = await sys.post(P, { username: 'zhang.san', name: '张三', region: '610326001000', phone: '13800138000' });
		assertStatus(res, 201);
		assertJson(res);
		assertNoStore(res);
		const u = res.json;
		assertUser(u, res);
		assert.equal(res.header('location'), `${P}/${u.id}`, `Location:\n${res}`);
		assert.equal(u.username, 'zhang.san');
		assert.equal(u.name, '张三');
		assert.equal(u.region, '610326001000');
		assert.equal(u.grid, null);
		assert.equal(u.phone, '13800138000');
		assert.deepEqual(u.roles, []);
		assert.equal(u.active, true);
		assert.equal(u.must_change_password, true);
		assert.equal(u.totp_enabled, false);
		assert.equal(u.last_login_at, null);
		assert.equal(typeof u.initial_password, 'string', `no initial_password:\n${res}`);
		assert.ok(u.initial_password.length >= 8);
		// It is shown once: GET does not have it.
		const again = await sys.get(res.header('location'));
		assertStatus(again, 200);
		assert.ok(!('initial_password' in again.json), `GET shows initial_password:\n${again}`);
		const { initial_password: pw, ...rest } = u;
		assert.deepEqual(again.json, rest, 'GET after POST differs from the 201 body');
		// And it signs in, with a password change required.
		const s = await login(srv, 'zhang.san', pw);
		assert.equal(s.state, 'password_change_required');
	});

	it('with a password: no initial_password, must change it still', async () => {
		const res = await sys.post(P, { username: 'li.si', name: '李四', region: '610326101000', password: PW, department: '610326-police' });
		assertStatus(res, 201);
		assert.ok(!('initial_password' in res.json), `initial_password although one was given:\n${res}`);
		assert.ok(!res.text.includes(PW), `the password in the answer:\n${res}`);
		assert.equal(res.json.must_change_password, true);
		assert.equal(res.json.department, '610326-police');
		const s = await login(srv, 'li.si', PW);
		assert.equal(s.state, 'password_change_required');
	});

	it('a grid account: region is the village, grid the grid', async () => {
		const res = await sys.post(P, { username: 'wang.wu', name: '王五', grid: '610326001002001', password: PW });
		assertStatus(res, 201);
		assert.equal(res.json.grid, '610326001002001', `${res}`);
		assert.equal(res.json.region, '610326001002', `${res}`);
	});

	const bad = [
		['username too short', { username: 'ab' }, 'username', 'too_short'],
		['username starting with a digit', { username: '1abc' }, 'username', 'pattern'],
		['username with upper case', { username: 'Zhang' }, 'username', 'pattern'],
		['username with a space', { username: 'zhang san' }, 'username', 'pattern'],
		['username of 33 characters', { username: `a${'b'.repeat(32)}` }, 'username', 'too_long'],
		['username in Chinese', { username: '张三丰' }, 'username', 'pattern'],
		['username starting with a dot', { username: '.abc' }, 'username', 'pattern'],
		['username taken (demo)', { username: 'sysadmin' }, 'username', 'conflict'],
		['username taken (this file)', { username: 'zhang.san' }, 'username', 'conflict'],
		['username missing', { username: undefined }, 'username', 'required'],
		['name missing', { name: undefined }, 'name', 'required'],
		['name empty', { name: '' }, 'name', undefined],
		['name not a string', { name: 5 }, 'name', 'type'],
		['phone with letters', { phone: 'abc' }, 'phone', 'pattern'],
		['phone with a script', { phone: '<script>' }, 'phone', 'pattern'],
		['region that does not exist', { region: '610326999000' }, 'region', 'not_found'],
		['region malformed', { region: '6103' }, 'region', undefined],
		['region and grid both missing', { region: undefined }, 'region', undefined],
		['password of 7 characters', { password: 'Ab1#xyz' }, 'password', 'policy'],
		['password of one class', { password: 'abcdefghijkl' }, 'password', 'policy'],
		['an unknown member', { roles: ['sysadmin'] }, 'roles', 'unknown'],
		['an unknown member (misspelt)', { usename: 'x' }, 'usename', 'unknown'],
	];
	for (const [what, change, field, code] of bad) {
		it(`${what}: 422 ${field}${code ? `/${code}` : ''}, nothing created`, async () => {
			const body = { username: 'bad.input', name: '坏输入', region: '610326001000', ...change };
			for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
			const res = await sys.post(P, body);
			assertFieldError(res, 422, 'validation', field, code);
			const list = await sys.get(`${P}?q=bad.input`);
			assertStatus(list, 200);
			assert.equal(list.json.total, 0, `a refused POST created an account:\n${list}`);
		});
	}

	it('several bad fields: 422, every error names one of them', async () => {
		const res = await sys.post(P, { username: '1', name: '', region: '610326999000', phone: 'x' });
		const b = assertProblem(res, 422, 'validation');
		for (const e of b.errors) assert.ok(['username', 'name', 'region', 'phone'].includes(e.field), `errors[] names ${e.field}:\n${res}`);
	});
});

describe('GET /users', () => {
	it('lists the demo accounts and the created ones, by id, with total', async () => {
		const { items, total } = await listAll();
		assert.equal(total, items.length);
		const names = items.map((u) => u.username);
		for (const n of [...Object.keys(DEMO), 'zhang.san', 'li.si', 'wang.wu']) assert.ok(names.includes(n), `${n} missing from the list`);
		const ids = items.map((u) => u.id);
		assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'not ordered by id');
		for (const u of items) assertUser(u, JSON.stringify(u));
		const w = items.find((u) => u.username === 'worker1');
		assert.equal(w.grid, '610326001002001');
		const p = items.find((u) => u.username === 'police1');
		assert.equal(p.department, '610326-police');
	});

	it('paging with limit=2 walks every account exactly once', async () => {
		const all = await listAll();
		const paged = await listAll('', sys, 2);
		assert.equal(paged.total, all.total);
		assert.deepEqual(
			paged.items.map((u) => u.id),
			all.items.map((u) => u.id),
		);
		assert.equal(paged.pages, Math.ceil(all.total / 2), 'pages of 2');
	});

	it('q finds by username and by name', async () => {
		const a = await sys.get(`${P}?q=zhang`);
		assertStatus(a, 200);
		assert.deepEqual(
			a.json.items.map((u) => u.username),
			['zhang.san'],
		);
		assert.equal(a.json.total, 1);
		const b = await sys.get(`${P}?q=${encodeURIComponent('李四')}`);
		assert.deepEqual(
			b.json.items.map((u) => u.username),
			['li.si'],
			`${b}`,
		);
		const c = await sys.get(`${P}?q=no-such-thing-xyz`);
		assert.deepEqual(c.json.items, []);
		assert.equal(c.json.total, 0);
		assert.equal(c.json.next_cursor, null);
	});

	it('q with LIKE wildcards is taken literally', async () => {
		for (const q of ['%', '_', '\\']) {
			const res = await sys.get(`${P}?q=${encodeURIComponent(q)}`);
			assertStatus(res, 200);
			for (const u of res.json.items) {
				assert.ok(u.username.includes(q) || u.name.includes(q), `q=${q} matched ${u.username}:\n${res}`);
			}
		}
	});

	it('role filters by role', async () => {
		const res = await sys.get(`${P}?role=grid_worker`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.items.map((u) => u.username).sort(),
			['worker1', 'worker2'],
		);
		assert.equal(res.json.total, 2);
		const ops = await sys.get(`${P}?role=centre_operator&limit=200`);
		assert.deepEqual(
			ops.json.items.map((u) => u.username).sort(),
			['county', 'town1', 'town2', 'village1'],
		);
	});

	it('an unknown role or a bad active: 422', async () => {
		assertFieldError(await sys.get(`${P}?role=king`), 422, 'validation', 'role');
		assertFieldError(await sys.get(`${P}?active=yes`), 422, 'validation', 'active');
		assertFieldError(await sys.get(`${P}?limit=0`), 422, 'validation', 'limit');
		assertFieldError(await sys.get(`${P}?cursor=garbage`), 422, 'validation', 'cursor');
	});

	it('secadmin may list and read', async () => {
		const res = await sec.get(`${P}?q=zhang`);
		assertStatus(res, 200);
		assert.equal(res.json.total, 1);
		assertStatus(await sec.get(`${P}/${res.json.items[0].id}`), 200);
	});
});

describe('GET /users/{id}', () => {
	it('an unknown or malformed id: 404', async () => {
		for (const id of ['999999', '0', '-1', 'abc', '1.0', '01', '1e3']) {
			assertProblem(await sys.get(`${P}/${id}`), 404, 'not-found');
		}
	});
});

describe('PATCH /users/{id}', () => {
	let u;
	before(async () => {
		u = (await sys.post(P, { username: 'zhao.liu', name: '赵六', region: '610326001000', password: PW })).json;
	});

	it('with the right If-Match: 200, version + 1, the change made', async () => {
		const res = await sys.patch(`${P}/${u.id}`, { name: '赵六六', phone: '13900000000' }, { headers: { 'If-Match': `"${u.version}"` } });
		assertStatus(res, 200);
		assert.equal(res.json.name, '赵六六');
		assert.equal(res.json.phone, '13900000000');
		assert.equal(res.json.version, u.version + 1);
		assert.equal(res.json.username, 'zhao.liu');
		const again = await sys.get(`${P}/${u.id}`);
		assert.deepEqual(again.json, res.json);
	});

	it('with a stale If-Match: 409, nothing changed', async () => {
		const res = await sys.patch(`${P}/${u.id}`, { name: '过时' }, { headers: { 'If-Match': `"${u.version}"` } });
		assertProblem(res, 409, 'conflict');
		const again = await sys.get(`${P}/${u.id}`);
		assert.equal(again.json.name, '赵六六');
		assert.equal(again.json.version, u.version + 1);
	});

	it('without If-Match: 200', async () => {
		const res = await sys.patch(`${P}/${u.id}`, { region: '610326101000' });
		assertStatus(res, 200);
		assert.equal(res.json.region, '610326101000');
		assert.equal(res.json.version, u.version + 2);
	});

	it('bad fields: 422 (unknown member, username, roles, bad region, bad phone)', async () => {
		assertFieldError(await sys.patch(`${P}/${u.id}`, { username: 'other' }), 422, 'validation', 'username', 'unknown');
		assertFieldError(await sys.patch(`${P}/${u.id}`, { roles: ['sysadmin'] }), 422, 'validation', 'roles', 'unknown');
		assertFieldError(await sys.patch(`${P}/${u.id}`, { region: '610326999000' }), 422, 'validation', 'region', 'not_found');
		assertFieldError(await sys.patch(`${P}/${u.id}`, { phone: 'abc' }), 422, 'validation', 'phone', 'pattern');
		assertFieldError(await sys.patch(`${P}/${u.id}`, { active: 'no' }), 422, 'validation', 'active');
	});

	it('an unknown id: 404', async () => {
		assertProblem(await sys.patch(`${P}/999999`, { name: 'x' }), 404, 'not-found');
	});

	it('secadmin may not PATCH: 403', async () => {
		assertProblem(await sec.patch(`${P}/${u.id}`, { name: 'x' }), 403, 'forbidden');
	});
});

describe('deactivation', () => {
	let u;
	let s;
	before(async () => {
		u = (await sys.post(P, { username: 'qian.qi', name: '钱七', region: '610326001000', password: PW })).json;
		s = await login(srv, 'qian.qi', PW);
	});

	it('active:false ends the account\'s sessions; sign-in fails like a wrong password', async () => {
		assertStatus(await as(srv, s).get('/api/v1/me'), 200);
		const res = await sys.patch(`${P}/${u.id}`, { active: false });
		assertStatus(res, 200);
		assert.equal(res.json.active, false);
		assertUnauthenticated(await as(srv, s).get('/api/v1/me'));
		const right = await signIn(srv, 'qian.qi', PW);
		const wrong = await signIn(srv, 'zhang.san', 'Wrong#2026pass');
		assertProblem(right, 401, 'unauthorized');
		const strip = (r) => {
			const { request_id: _r, ...rest } = r.json;
			return rest;
		};
		assert.deepEqual(strip(right), strip(wrong), `a deactivated account answers unlike a wrong password:\n${right}\n\n${wrong}`);
	});

	it('active=false lists it; active=true does not', async () => {
		const off = await sys.get(`${P}?active=false`);
		assertStatus(off, 200);
		assert.deepEqual(
			off.json.items.map((x) => x.username),
			['qian.qi'],
		);
		assert.equal(off.json.total, 1);
		const on = await listAll('active=true');
		assert.ok(!on.items.some((x) => x.username === 'qian.qi'));
		assert.ok(on.items.every((x) => x.active === true));
	});

	it('reactivated, it signs in again', async () => {
		assertStatus(await sys.patch(`${P}/${u.id}`, { active: true }), 200);
		assertStatus(await signIn(srv, 'qian.qi', PW), 201);
	});

	it('deactivating oneself: 403', async () => {
		const res = await sys.patch(`${P}/${sys.session.user.id}`, { active: false });
		assertProblem(res, 403, 'forbidden');
		assertStatus(await sys.get('/api/v1/me'), 200);
	});
});

describe('PUT /users/{id}/roles', () => {
	let u;
	before(async () => {
		u = (await sys.post(P, { username: 'sun.ba', name: '孙八', region: '610326001000', password: PW })).json;
	});

	it('secadmin grants centre_operator: 200 with the roles', async () => {
		const res = await sec.put(`${P}/${u.id}/roles`, { roles: ['centre_operator'] });
		assertStatus(res, 200);
		assert.deepEqual(res.json.roles, ['centre_operator']);
		assertUser(res.json, res);
		const again = await sys.get(`${P}/${u.id}`);
		assert.deepEqual(again.json.roles, ['centre_operator']);
	});

	it('several roles, then none', async () => {
		const res = await sec.put(`${P}/${u.id}/roles`, { roles: ['grid_worker', 'mediator'] });
		assertStatus(res, 200);
		assert.deepEqual([...res.json.roles].sort(), ['grid_worker', 'mediator']);
		const none = await sec.put(`${P}/${u.id}/roles`, { roles: [] });
		assertStatus(none, 200);
		assert.deepEqual(none.json.roles, []);
	});

	for (const combo of [
		['sysadmin', 'auditor'],
		['sysadmin', 'secadmin'],
		['secadmin', 'auditor'],
		['sysadmin', 'secadmin', 'auditor'],
	]) {
		it(`${combo.join(' + ')}: 422 roles/conflict, nothing changed`, async () => {
			assertStatus(await sec.put(`${P}/${u.id}/roles`, { roles: ['centre_operator'] }), 200);
			const res = await sec.put(`${P}/${u.id}/roles`, { roles: combo });
			assertFieldError(res, 422, 'validation', 'roles', 'conflict');
			assert.deepEqual((await sys.get(`${P}/${u.id}`)).json.roles, ['centre_operator']);
		});
	}

	it('an unknown role or a non-list: 422', async () => {
		const a = await sec.put(`${P}/${u.id}/roles`, { roles: ['king'] });
		const b = assertProblem(a, 422, 'validation');
		assert.ok(b.errors.some((e) => e.field.startsWith('roles')), `${a}`);
		assertFieldError(await sec.put(`${P}/${u.id}/roles`, { roles: 'sysadmin' }), 422, 'validation', 'roles');
		assertFieldError(await sec.put(`${P}/${u.id}/roles`, {}), 422, 'validation', 'roles');
	});

	it('secadmin changing their own roles: 403', async () => {
		const res = await sec.put(`${P}/${sec.session.user.id}/roles`, { roles: ['secadmin', 'centre_operator'] });
		assertProblem(res, 403, 'forbidden');
	});

	it('sysadmin may not PUT roles: 403', async () => {
		assertProblem(await sys.put(`${P}/${u.id}/roles`, { roles: ['leader'] }), 403, 'forbidden');
		assertProblem(await sys.put(`${P}/${sys.session.user.id}/roles`, { roles: ['sysadmin', 'leader'] }), 403, 'forbidden');
	});

	it('an unknown id: 404', async () => {
		assertProblem(await sec.put(`${P}/999999/roles`, { roles: ['leader'] }), 404, 'not-found');
	});

	it('a granted role takes effect: the account may do what the role admits', async () => {
		assertStatus(await sec.put(`${P}/${u.id}/roles`, { roles: ['sysadmin'] }), 200);
		const s = await login(srv, 'sun.ba', PW);
		assert.equal(s.state, 'password_change_required');
		const c = await as(srv, s).put('/api/v1/me/password', { current_password: PW, new_password: 'Sunba#2026new' });
		assertStatus(c, 204);
		assertStatus(await as(srv, s).get(P), 200);
		// ...and a revoked one stops at once, in the same session.
		assertStatus(await sec.put(`${P}/${u.id}/roles`, { roles: ['leader'] }), 200);
		assertProblem(await as(srv, s).get(P), 403, 'forbidden');
	});
});

describe('who may do what', () => {
	it('secadmin may not POST /users: 403, nothing created', async () => {
		const res = await sec.post(P, { username: 'from.sec', name: 'x', region: '610326000000', password: PW });
		assertProblem(res, 403, 'forbidden');
		assert.equal((await sys.get(`${P}?q=from.sec`)).json.total, 0);
	});

	it('auditor may not GET /users: 403', async () => {
		assertProblem(await aud.get(P), 403, 'forbidden');
		assertProblem(await aud.get(`${P}/${sys.session.user.id}`), 403, 'forbidden');
	});

	for (const role of ['county', 'leader', 'worker1', 'police1']) {
		it(`${role} may not list, read, create, or reset: 403`, async () => {
			const s = as(srv, await login(srv, role));
			assertProblem(await s.get(P), 403, 'forbidden');
			assertProblem(await s.get(`${P}/${sys.session.user.id}`), 403, 'forbidden');
			assertProblem(await s.post(P, { username: 'from.x', name: 'x', region: '610326000000' }), 403, 'forbidden');
			assertProblem(await s.post(`${P}/${sys.session.user.id}/password`), 403, 'forbidden');
		});
	}

	it('without a session: 401', async () => {
		assertUnauthenticated(await as(srv, null).get(P));
	});
});

describe('POST /users/{id}/password (reset by sysadmin)', () => {
	let u;
	let s;
	before(async () => {
		u = (await sys.post(P, { username: 'zhou.jiu', name: '周九', region: '610326001000', password: PW })).json;
		s = await login(srv, 'zhou.jiu', PW);
		assertStatus(await as(srv, s).put('/api/v1/me/password', { current_password: PW, new_password: 'Zhoujiu#2026' }), 204);
	});

	it('200 with temporary_password; the account\'s sessions end; it must change the password', async () => {
		const res = await sys.post(`${P}/${u.id}/password`);
		assertStatus(res, 200);
		assertNoStore(res);
		const tmp = res.json.temporary_password;
		assert.equal(typeof tmp, 'string', `${res}`);
		assert.ok(tmp.length >= 8);
		assertUnauthenticated(await as(srv, s).get('/api/v1/me'));
		assertProblem(await signIn(srv, 'zhou.jiu', 'Zhoujiu#2026'), 401, 'unauthorized');
		const t = await login(srv, 'zhou.jiu', tmp);
		assert.equal(t.state, 'password_change_required');
		assert.equal((await sys.get(`${P}/${u.id}`)).json.must_change_password, true);
		assertStatus(await as(srv, t).put('/api/v1/me/password', { current_password: tmp, new_password: 'Zhoujiu#2027' }), 204);
		assert.equal((await as(srv, t).get('/api/v1/me')).json.session.state, 'full');
	});

	it('for oneself: 403', async () => {
		assertProblem(await sys.post(`${P}/${sys.session.user.id}/password`), 403, 'forbidden');
	});

	it('an unknown id: 404', async () => {
		assertProblem(await sys.post(`${P}/999999/password`), 404, 'not-found');
	});

	it('secadmin may not: 403', async () => {
		assertProblem(await sec.post(`${P}/${u.id}/password`), 403, 'forbidden');
	});

	it('the demo password is not in any answer about accounts', async () => {
		const { items } = await listAll();
		assert.ok(!JSON.stringify(items).includes(PASSWORD));
	});
});
