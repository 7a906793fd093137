// Live settings: who may read and change which (sysadmin the general ones,
// secadmin the security policy), validation, that a change is in force at
// once, audited, and still in force after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const S = '/api/v1/settings';

let srv;
let sys;
let sec;

before(async () => {
	srv = await startServer();
	sys = as(srv, await login(srv, 'sysadmin'));
	sec = as(srv, await login(srv, 'secadmin'));
});
after(async () => {
	await srv?.stop();
});

function item(res, name) {
	return res.json.items.find((s) => s.name === name);
}

describe('settings', () => {
	it('sysadmin and secadmin list them; others may not', async () => {
		const res = await sys.get(S);
		assertStatus(res, 200);
		const url = item(res, 'db.url');
		assert.equal(url.live, false);
		const min = item(res, 'security.password_min_length');
		assert.deepEqual([min.type, min.value, min.default, min.min, min.max, min.live, min.yours], ['integer', '8', '8', '8', '128', true, false]);
		assert.equal(item(await sec.get(S), 'security.password_min_length').yours, true);
		for (const who of ['auditor', 'county', 'worker1']) assertProblem(await as(srv, await login(srv, who)).get(S), 403, 'forbidden');
	});

	it('security policy is secadmin\'s, the rest sysadmin\'s', async () => {
		assertProblem(await sys.put(`${S}/security.lockout_failures`, { value: 3 }), 403, 'forbidden');
		assertProblem(await sec.put(`${S}/time.offset_minutes`, { value: 0 }), 403, 'forbidden');
		assertProblem(await sys.put(`${S}/no.such`, { value: 1 }), 404, 'not-found');
	});

	it('values are checked like a config file: type, range, read-only', async () => {
		assertFieldError(await sec.put(`${S}/security.password_min_length`, { value: 4 }), 422, 'validation', 'value', 'range');
		assertFieldError(await sec.put(`${S}/security.password_min_length`, { value: 'many' }), 422, 'validation', 'value', 'type');
		assertFieldError(await sec.put(`${S}/security.admin_2fa`, { value: 'maybe' }), 422, 'validation', 'value', 'type');
		assertFieldError(await sec.put(`${S}/security.password_min_length`, { value: [1] }), 422, 'validation', 'value', 'type');
		assertFieldError(await sys.put(`${S}/http.port`, { value: 9999 }), 422, 'validation', 'value', 'read_only');
		assertFieldError(await sec.put(`${S}/security.key_file`, { value: '/tmp/x' }), 422, 'validation', 'value', 'read_only');
	});

	it('a change is in force at once and audited', async () => {
		const res = await sec.put(`${S}/security.password_min_length`, { value: 12 });
		assertStatus(res, 200);
		assert.equal(res.json.value, '12');
		// The new policy applies to the very next password change.
		assertFieldError(await sys.put('/api/v1/me/password', { current_password: 'x', new_password: 'Short#2026a' }), 422, 'validation', 'new_password', 'policy');
		const aud = as(srv, await login(srv, 'auditor'));
		const rows = (await aud.get('/api/v1/audit?action=setting.change')).json.items;
		assert.equal(rows.length, 1);
		assert.equal(rows[0].actor_name, 'secadmin');
		assert.deepEqual(rows[0].detail, { name: 'security.password_min_length', old: '8', new: '12' });
	});

	it('a change survives a restart', async () => {
		assertStatus(await sys.put(`${S}/time.offset_minutes`, { value: 0 }), 200);
		await srv.restart();
		const again = as(srv, await login(srv, 'sysadmin'));
		const res = await again.get(S);
		assert.equal(item(res, 'time.offset_minutes').value, '0');
		assert.equal(item(res, 'security.password_min_length').value, '12');
		assert.match((await again.get('/api/v1/me')).json.created_at, /Z$|\+00:00$/);
	});
});
