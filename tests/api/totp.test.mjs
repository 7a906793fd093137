// The second factor (TOTP, RFC 6238) of admin accounts, on a server with
// security.admin_2fa on: enrolment, sign-in with a code, replay, recovery
// codes, and the secadmin's reset. The test computes codes itself
// (lib/totp.mjs), checked here against the RFC's own test vectors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertFieldError, assertProblem, assertStatus, call, get, login, signIn } from './lib/http.mjs';
import { createUser, grantRoles } from './lib/accounts.mjs';
import { base32Decode, hotp, stepOf, totpCode } from './lib/totp.mjs';
import { PASSWORD, startServer } from './lib/server.mjs';

describe('the test\'s own TOTP (RFC 6238 appendix B, SHA-1)', () => {
	const key = Buffer.from('12345678901234567890', 'ascii');
	const vectors = [
		[59, '94287082'],
		[1111111109, '07081804'],
		[1111111111, '14050471'],
		[1234567890, '89005924'],
		[2000000000, '69279037'],
		[20000000000, '65353130'],
	];
	for (const [t, code] of vectors) {
		it(`T=${t}: ${code} (8 digits), ${code.slice(2)} (6 digits)`, () => {
			assert.equal(hotp(key, stepOf(t), { digits: 8 }), code);
			assert.equal(totpCode(key, { step: stepOf(t), digits: 8 }), code);
			assert.equal(totpCode(key, { step: stepOf(t) }), code.slice(2));
		});
	}
	it('RFC 4226 appendix D HOTP values', () => {
		const want = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
		want.forEach((code, i) => assert.equal(hotp(key, i), code));
	});
	it('base32: RFC 4648 test vectors and the key above', () => {
		assert.equal(base32Decode('MZXW6YTBOI======').toString(), 'foobar');
		assert.equal(base32Decode('mzxw6ytb').toString(), 'fooba');
		assert.equal(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').toString(), '12345678901234567890');
	});
});

let srv;
before(async () => {
	srv = await startServer({ admin2fa: true });
});
after(async () => {
	await srv?.stop();
});

/** A six-digit code that is none of the codes the server could accept now. */
function wrongCode(secret) {
	const now = stepOf();
	const near = new Set([-2, -1, 0, 1, 2].map((d) => totpCode(secret, { step: now + d })));
	for (let i = 0; ; i++) {
		const c = String((123456 + i * 7919) % 1000000).padStart(6, '0');
		if (!near.has(c)) return c;
	}
}

/** Enrol a session's account: begin, confirm; returns {secret, uri, recovery, step}. */
async function enrol(s) {
	const begin = await call(srv, 'POST', '/api/v1/me/totp', { token: s });
	assertStatus(begin, 201);
	const step = stepOf();
	const res = await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: s, json: { code: totpCode(begin.json.secret, { step }) } });
	assertStatus(res, 200);
	return { secret: begin.json.secret, uri: begin.json.otpauth_uri, recovery: res.json.recovery_codes, step };
}

describe('enrolment of a sysadmin', () => {
	let sa; // sysadmin's first session
	let sec; // secadmin, enrolled
	let saAgain; // sysadmin, enrolled again after the reset
	let secret;
	let confirmStep;
	let recovery;
	let codeUsed;

	it('a sysadmin without TOTP signs in with state totp_enrolment_required', async () => {
		sa = await login(srv, 'sysadmin');
		assert.equal(sa.state, 'totp_enrolment_required', `${sa.res}`);
		assert.equal(sa.user.totp_enabled, false);
	});

	it('secadmin and auditor too; other roles are full', async () => {
		for (const u of ['secadmin', 'auditor']) {
			const s = await login(srv, u);
			assert.equal(s.state, 'totp_enrolment_required', `${u}:\n${s.res}`);
		}
		for (const u of ['county', 'worker1', 'leader']) {
			const s = await login(srv, u);
			assert.equal(s.state, 'full', `${u}:\n${s.res}`);
		}
	});

	it('until enrolled: GET /users and the regions are 403; GET /me answers', async () => {
		assertProblem(await get(srv, '/api/v1/users', { token: sa }), 403, 'forbidden');
		assertProblem(await get(srv, '/api/v1/regions', { token: sa }), 403, 'forbidden');
		assertProblem(await call(srv, 'POST', '/api/v1/users', { token: sa, json: { username: 'x.y', name: 'x', region: '610326000000' } }), 403, 'forbidden');
		const me = await get(srv, '/api/v1/me', { token: sa });
		assertStatus(me, 200);
		assert.equal(me.json.session.state, 'totp_enrolment_required');
	});

	it('POST /me/totp/confirm before POST /me/totp is refused (4xx)', async () => {
		const res = await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: { code: '123456' } });
		assert.ok(res.status === 409 || res.status === 422, `${res}`);
	});

	it('POST /me/totp: 201 with a base32 secret and an otpauth:// URI carrying it', async () => {
		const res = await call(srv, 'POST', '/api/v1/me/totp', { token: sa });
		assertStatus(res, 201);
		secret = res.json.secret;
		assert.match(secret, /^[A-Z2-7]+=*$/, `secret is not base32:\n${res}`);
		assert.ok(base32Decode(secret).length >= 16, `a secret under 128 bits:\n${res}`);
		const uri = res.json.otpauth_uri;
		assert.match(uri, /^otpauth:\/\/totp\//, `otpauth_uri:\n${res}`);
		const u = new URL(uri);
		assert.equal(u.protocol, 'otpauth:');
		assert.equal(u.host, 'totp');
		const label = decodeURIComponent(u.pathname.slice(1));
		assert.match(label, /(^|:)sysadmin$/, `label of the URI: ${label}`);
		assert.equal(u.searchParams.get('secret'), secret, `secret in the URI:\n${uri}`);
		assert.ok(u.searchParams.get('issuer'), `no issuer in the URI:\n${uri}`);
		if (label.includes(':')) assert.equal(label.split(':')[0], u.searchParams.get('issuer'), 'the label prefix and issuer differ');
		const alg = u.searchParams.get('algorithm');
		if (alg !== null) assert.equal(alg.toUpperCase(), 'SHA1');
		const digits = u.searchParams.get('digits');
		if (digits !== null) assert.equal(digits, '6');
		const period = u.searchParams.get('period');
		if (period !== null) assert.equal(period, '30');
		assert.equal(res.header('cache-control')?.includes('no-store'), true, `${res}`);
	});

	it('confirm with a wrong code: 422 code/invalid; with a malformed one: 422 code', async () => {
		assertFieldError(
			await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: { code: wrongCode(secret) } }),
			422,
			'validation',
			'code',
			'invalid',
		);
		for (const code of ['12345', '1234567', 'abcdef', '']) {
			const res = await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: { code } });
			assertFieldError(res, 422, 'validation', 'code');
		}
		assertFieldError(await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: {} }), 422, 'validation', 'code');
		assertFieldError(await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: { code: 123456 } }), 422, 'validation', 'code');
		const me = await get(srv, '/api/v1/me', { token: sa });
		assert.equal(me.json.totp_enabled, false);
	});

	it('confirm with the current code: 200 and 10 recovery codes xxxx-xxxx', async () => {
		confirmStep = stepOf();
		const res = await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: { code: totpCode(secret, { step: confirmStep }) } });
		assertStatus(res, 200);
		recovery = res.json.recovery_codes;
		assert.ok(Array.isArray(recovery) && recovery.length === 10, `recovery_codes:\n${res}`);
		for (const c of recovery) assert.match(c, /^[a-z0-9]{4}-[a-z0-9]{4}$/i, `recovery code ${c}`);
		assert.equal(new Set(recovery.map((c) => c.toLowerCase())).size, 10, 'recovery codes repeat');
		assert.ok(res.header('cache-control')?.includes('no-store'), `${res}`);
	});

	it('the same session is now full: GET /users answers', async () => {
		assertStatus(await get(srv, '/api/v1/users', { token: sa }), 200);
		const me = await get(srv, '/api/v1/me', { token: sa });
		assert.equal(me.json.session.state, 'full');
		assert.equal(me.json.totp_enabled, true);
	});

	it('POST /me/totp again: 409 (already enabled)', async () => {
		assertProblem(await call(srv, 'POST', '/api/v1/me/totp', { token: sa }), 409, 'conflict');
		assertProblem(
			await call(srv, 'POST', '/api/v1/me/totp/confirm', { token: sa, json: { code: totpCode(secret) } }),
			409,
			'conflict',
		);
	});

	it('sign-in without totp: 401 naming totp, code required; no session', async () => {
		const res = await signIn(srv, 'sysadmin', PASSWORD);
		assertFieldError(res, 401, 'unauthorized', 'totp', 'required');
		assert.ok(!res.json.token, `${res}`);
		assert.ok(!res.headers.getSetCookie().some((c) => /wg_session=[^;]/.test(c)), `${res}`);
	});

	it('a wrong password with TOTP enabled: the plain 401, no hint about totp', async () => {
		const res = await signIn(srv, 'sysadmin', 'Wrong#2026pass');
		const b = assertProblem(res, 401, 'unauthorized');
		assert.equal(b.detail, 'wrong username or password', `${res}`);
		assert.ok(!(b.errors || []).some((e) => e.field === 'totp'), `a wrong password reveals the second factor:\n${res}`);
		const res2 = await signIn(srv, 'sysadmin', 'Wrong#2026pass', { totp: totpCode(secret) });
		const b2 = assertProblem(res2, 401, 'unauthorized');
		assert.equal(b2.detail, 'wrong username or password', `${res2}`);
	});

	it('sign-in with a valid code: 201, state full', async () => {
		// The confirm used the code of confirmStep; the next step's code is
		// inside the one-step window and has not been used.
		codeUsed = totpCode(secret, { step: confirmStep + 1 });
		const s = await login(srv, 'sysadmin', PASSWORD, { totp: codeUsed });
		assert.equal(s.state, 'full', `${s.res}`);
		assertStatus(await get(srv, '/api/v1/users', { token: s }), 200);
	});

	it('the same code again (replay): 401 totp/invalid', async () => {
		const res = await signIn(srv, 'sysadmin', PASSWORD, { totp: codeUsed });
		assertFieldError(res, 401, 'unauthorized', 'totp', 'invalid');
		assert.ok(!res.json.token);
	});

	it('the code used at confirm (an earlier step): 401 totp/invalid', async () => {
		const res = await signIn(srv, 'sysadmin', PASSWORD, { totp: totpCode(secret, { step: confirmStep }) });
		assertFieldError(res, 401, 'unauthorized', 'totp', 'invalid');
	});

	it('a wrong or malformed code: 401 totp/invalid (or 422 for a malformed one)', async () => {
		assertFieldError(await signIn(srv, 'sysadmin', PASSWORD, { totp: wrongCode(secret) }), 401, 'unauthorized', 'totp', 'invalid');
		const res = await signIn(srv, 'sysadmin', PASSWORD, { totp: 'abcdef' });
		assert.ok(res.status === 401 || res.status === 422, `${res}`);
		assert.ok(!res.json?.token, `${res}`);
	});

	it('a recovery code works once; the second time 401 totp/invalid', async () => {
		const s = await login(srv, 'sysadmin', PASSWORD, { totp: recovery[0] });
		assert.equal(s.state, 'full');
		const again = await signIn(srv, 'sysadmin', PASSWORD, { totp: recovery[0] });
		assertFieldError(again, 401, 'unauthorized', 'totp', 'invalid');
		// Another code of the list still works.
		const s2 = await login(srv, 'sysadmin', PASSWORD, { totp: recovery[1] });
		assert.equal(s2.state, 'full');
	});

	it('a recovery code of the right shape that was never issued: 401 totp/invalid', async () => {
		const res = await signIn(srv, 'sysadmin', PASSWORD, { totp: 'zzzz-zzzz' });
		assertFieldError(res, 401, 'unauthorized', 'totp', 'invalid');
	});

	describe('reset by a secadmin', () => {
		let sysadminId;
		before(async () => {
			sysadminId = sa.user.id;
		});

		it('a secadmin must enrol before resetting anyone: 403 until then', async () => {
			sec = await login(srv, 'secadmin');
			assert.equal(sec.state, 'totp_enrolment_required');
			assertProblem(await call(srv, 'POST', `/api/v1/users/${sysadminId}/totp/reset`, { token: sec }), 403, 'forbidden');
			const e = await enrol(sec);
			assert.equal(e.recovery.length, 10);
			const me = await get(srv, '/api/v1/me', { token: sec });
			assert.equal(me.json.session.state, 'full');
		});

		it('a sysadmin may not reset a second factor: 403', async () => {
			const res = await call(srv, 'POST', `/api/v1/users/${sysadminId}/totp/reset`, { token: sa });
			assertProblem(res, 403, 'forbidden');
		});

		it('an unknown id: 404', async () => {
			assertProblem(await call(srv, 'POST', '/api/v1/users/999999/totp/reset', { token: sec }), 404, 'not-found');
		});

		it('POST /users/{id}/totp/reset: 204; the account signs in without a code and enrols again', async () => {
			const res = await call(srv, 'POST', `/api/v1/users/${sysadminId}/totp/reset`, { token: sec });
			assertStatus(res, 204);
			const s = await login(srv, 'sysadmin', PASSWORD);
			saAgain = s;
			assert.equal(s.state, 'totp_enrolment_required', `${s.res}`);
			assert.equal(s.user.totp_enabled, false);
			assertProblem(await get(srv, '/api/v1/users', { token: s }), 403, 'forbidden');
			const e = await enrol(s);
			assert.notEqual(e.secret, secret, 'the same secret after a reset');
			assertStatus(await get(srv, '/api/v1/users', { token: s }), 200);
			// The old secret's codes and the old recovery codes are dead.
			const oldCode = await signIn(srv, 'sysadmin', PASSWORD, { totp: totpCode(secret, { step: stepOf() + 1 }) });
			assertFieldError(oldCode, 401, 'unauthorized', 'totp', 'invalid');
			const oldRecovery = await signIn(srv, 'sysadmin', PASSWORD, { totp: recovery[2] });
			assertFieldError(oldRecovery, 401, 'unauthorized', 'totp', 'invalid');
		});
	});

	describe('a new admin account: password first, then the second factor', () => {
		it('password_change_required → PUT /me/password → totp_enrolment_required → enrol → full', async () => {
			const initial = 'Initial#2026pw';
			const u = await createUser(srv, saAgain, { username: 'new.auditor', name: '新审计员', region: '610326000000', password: initial });
			await grantRoles(srv, sec, u.id, ['auditor']);
			const s = await login(srv, 'new.auditor', initial);
			assert.equal(s.state, 'password_change_required', `${s.res}`);
			const res = await call(srv, 'PUT', '/api/v1/me/password', {
				token: s,
				json: { current_password: initial, new_password: 'Second#2026pw' },
			});
			assertStatus(res, 204);
			const me = await get(srv, '/api/v1/me', { token: s });
			assertStatus(me, 200);
			assert.equal(me.json.session.state, 'totp_enrolment_required', `${me}`);
			assertProblem(await get(srv, '/api/v1/audit', { token: s }), 403, 'forbidden');
			await enrol(s);
			assertStatus(await get(srv, '/api/v1/audit', { token: s }), 200);
		});
	});
});
