// PUT /api/v1/me/password: the policy, the current password, reuse, what
// happens to the account's sessions; the password_change_required state of
// accounts an admin created and of passwords past their maximum age.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFieldError, assertProblem, assertStatus, assertUnauthenticated, call, get, login, signIn } from './lib/http.mjs';
import { createUser } from './lib/accounts.mjs';
import { PASSWORD, startServer } from './lib/server.mjs';

const P = '/api/v1/me/password';
const SECOND = 'Second#2026pw';

let srv;
let admin;
before(async () => {
	srv = await startServer();
	admin = await login(srv, 'sysadmin');
});
after(async () => {
	await srv?.stop();
});

function change(session, current_password, new_password, opts = {}) {
	return call(srv, 'PUT', P, { token: session, json: { current_password, new_password }, ...opts });
}

describe('PUT /me/password refuses', () => {
	let s;
	before(async () => {
		s = await login(srv, 'village1');
	});

	const policy = [
		['7 characters of 4 classes', 'Ab1#xyz'],
		['lower case only', 'abcdefghijklmnop'],
		['upper case only', 'ABCDEFGHIJKLMNOP'],
		['digits only', '1234567890123'],
		['lower and digits (2 classes)', 'abcdefgh12345'],
		['lower and upper (2 classes)', 'abcdefghIJKLMN'],
		['upper and other (2 classes)', 'ABCDEFGH#$%&*'],
		['Chinese characters only (1 class)', '网格化基层治理密码'],
	];
	for (const [what, pw] of policy) {
		it(`a new password that is ${what}: 422 new_password/policy`, async () => {
			const res = await change(s, PASSWORD, pw);
			assertFieldError(res, 422, 'validation', 'new_password', 'policy');
			assert.ok(!res.text.includes(PASSWORD), `the current password in the answer:\n${res}`);
		});
	}

	it('an empty new password: 422 new_password (policy, or required)', async () => {
		const res = await change(s, PASSWORD, '');
		const b = assertFieldError(res, 422, 'validation', 'new_password');
		const e = b.errors.find((x) => x.field === 'new_password');
		assert.ok(['policy', 'required'].includes(e.code), `code of the error:\n${res}`);
	});

	it('a wrong current password: 422 current_password/invalid', async () => {
		const res = await change(s, 'Wrong#2026pass', SECOND);
		assertFieldError(res, 422, 'validation', 'current_password', 'invalid');
	});

	it('the current password as the new one: 422 new_password/reused', async () => {
		const res = await change(s, PASSWORD, PASSWORD);
		assertFieldError(res, 422, 'validation', 'new_password', 'reused');
	});

	it('missing members: 422 naming them', async () => {
		const res = await call(srv, 'PUT', P, { token: s, json: {} });
		const b = assertProblem(res, 422, 'validation');
		for (const f of ['current_password', 'new_password']) assert.ok(b.errors.some((e) => e.field === f), `errors[] lacks ${f}:\n${res}`);
	});

	it('an unknown member: 422 naming it', async () => {
		const res = await call(srv, 'PUT', P, { token: s, json: { current_password: PASSWORD, new_password: SECOND, confirm: SECOND } });
		assertFieldError(res, 422, 'validation', 'confirm', 'unknown');
	});

	it('a number as the new password: 422', async () => {
		const res = await call(srv, 'PUT', P, { token: s, json: { current_password: PASSWORD, new_password: 12345678 } });
		assertFieldError(res, 422, 'validation', 'new_password');
	});

	it('none of these changed the password', async () => {
		assertStatus(await signIn(srv, 'village1', PASSWORD), 201);
	});
});

describe('PUT /me/password changes it', () => {
	let a; // the session that changes the password
	let b; // another session of the same account
	let other; // a session of another account
	before(async () => {
		a = await login(srv, 'town1');
		b = await login(srv, 'town1');
		other = await login(srv, 'town2');
	});

	it('204; this session continues, the other sessions of the account end', async () => {
		const res = await change(a, PASSWORD, SECOND);
		assertStatus(res, 204);
		assert.equal(res.body.length, 0);
		const me = await get(srv, '/api/v1/me', { token: a });
		assertStatus(me, 200);
		assert.equal(me.json.session.state, 'full');
		assert.equal(me.json.must_change_password, false);
		assert.ok(Math.abs(Date.parse(me.json.password_changed_at) - Date.now()) < 60000, `password_changed_at:\n${me}`);
		assertUnauthenticated(await get(srv, '/api/v1/me', { token: b }));
		assertStatus(await get(srv, '/api/v1/me', { token: other }), 200);
	});

	it('the old password no longer signs in; the new one does', async () => {
		const old = await signIn(srv, 'town1', PASSWORD);
		assertProblem(old, 401, 'unauthorized');
		const s = await login(srv, 'town1', SECOND);
		assert.equal(s.state, 'full');
	});

	it('the previous password is refused as reused', async () => {
		const res = await change(a, SECOND, PASSWORD);
		assertFieldError(res, 422, 'validation', 'new_password', 'reused');
	});

	it('the current password is refused as reused', async () => {
		const res = await change(a, SECOND, SECOND);
		assertFieldError(res, 422, 'validation', 'new_password', 'reused');
	});

	it('the old password as current_password: 422 current_password/invalid', async () => {
		const res = await change(a, PASSWORD, 'Third#2026pw');
		assertFieldError(res, 422, 'validation', 'current_password', 'invalid');
	});

	it('a chain of changes: each recent password is refused, a new one is taken', async () => {
		assertStatus(await change(a, SECOND, 'Third#2026pw'), 204);
		for (const old of [PASSWORD, SECOND, 'Third#2026pw']) {
			assertFieldError(await change(a, 'Third#2026pw', old), 422, 'validation', 'new_password', 'reused');
		}
		assertStatus(await change(a, 'Third#2026pw', 'Fourth#2026pw'), 204);
		assertStatus(await signIn(srv, 'town1', 'Fourth#2026pw'), 201);
	});
});

describe('an account an admin created must change its password', () => {
	let user;
	let s;
	const initial = 'Initial#2026pw';
	before(async () => {
		user = await createUser(srv, admin, { username: 'new.clerk', name: '新文员', region: '610326001000', password: initial });
	});

	it('signs in with state password_change_required', async () => {
		assert.equal(user.must_change_password, true, `POST /users answer:\n${JSON.stringify(user)}`);
		s = await login(srv, 'new.clerk', initial);
		assert.equal(s.state, 'password_change_required', `${s.res}`);
		assert.equal(s.user.must_change_password, true, `${s.res}`);
	});

	it('GET /me answers (state password_change_required); other routes are 403', async () => {
		const me = await get(srv, '/api/v1/me', { token: s });
		assertStatus(me, 200);
		assert.equal(me.json.session.state, 'password_change_required');
		for (const p of ['/api/v1/regions', '/api/v1/regions/610326001000', '/api/v1/users', '/api/v1/audit']) {
			assertProblem(await get(srv, p, { token: s }), 403, 'forbidden');
		}
		assertProblem(await call(srv, 'POST', '/api/v1/regions', { token: s, json: { code: '610326001299', name: 'x' } }), 403, 'forbidden');
	});

	it('after PUT /me/password the same session is full', async () => {
		assertStatus(await change(s, initial, SECOND), 204);
		const me = await get(srv, '/api/v1/me', { token: s });
		assertStatus(me, 200);
		assert.equal(me.json.session.state, 'full');
		assert.equal(me.json.must_change_password, false);
		assertStatus(await get(srv, '/api/v1/regions/610326001000', { token: s }), 200);
		const again = await login(srv, 'new.clerk', SECOND);
		assert.equal(again.state, 'full');
	});

	it('DELETE /session works in any state', async () => {
		const u = await createUser(srv, admin, { username: 'new.clerk2', name: '新文员二', region: '610326001000', password: initial });
		assert.equal(u.must_change_password, true);
		const t = await login(srv, 'new.clerk2', initial);
		assert.equal(t.state, 'password_change_required');
		assertStatus(await call(srv, 'DELETE', '/api/v1/session', { token: t }), 204);
		assertUnauthenticated(await get(srv, '/api/v1/me', { token: t }));
	});
});

describe('a password older than security.password_max_age_days (90)', () => {
	it('91 days old: state password_change_required until it is changed', async () => {
		const day = 86400 * 1000;
		srv.sql(`UPDATE users SET password_changed_at = password_changed_at - ${91 * day} WHERE username = 'leader'`);
		const s = await login(srv, 'leader');
		assert.equal(s.state, 'password_change_required', `${s.res}`);
		assertProblem(await get(srv, '/api/v1/regions', { token: s }), 403, 'forbidden');
		assertStatus(await change(s, PASSWORD, SECOND), 204);
		assertStatus(await get(srv, '/api/v1/regions', { token: s }), 200);
		const again = await login(srv, 'leader', SECOND);
		assert.equal(again.state, 'full');
	});

	it('89 days old: full', async () => {
		const day = 86400 * 1000;
		srv.sql(`UPDATE users SET password_changed_at = password_changed_at - ${89 * day} WHERE username = 'mediator1'`);
		const s = await login(srv, 'mediator1');
		assert.equal(s.state, 'full', `${s.res}`);
	});
});
