// Process lifecycle: a graceful stop exits 0 with nothing reported by the
// sanitizers, serving again on the same data migrates nothing twice, and
// sessions (kept in the database) survive a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertStatus, login } from './lib/http.mjs';
import { SANITIZER, startServer } from './lib/server.mjs';

let srv;
let admin;
before(async () => {
	srv = await startServer();
	admin = as(srv, await login(srv, 'sysadmin'));
});
after(async () => {
	await srv?.stop();
});


describe('lifecycle', () => {
	it('SIGTERM exits 0 within the grace period, without sanitizer reports', async () => {
		assertStatus(await admin.post('/api/v1/regions', { code: '610326101279', name: '重启村' }), 201);
		assertStatus(await admin.get('/api/v1/regions?parent=610326000000'), 200);
		await srv.restart();
		assert.deepEqual(
			{ code: srv.lastExit.code, signal: srv.lastExit.signal, timedOut: !!srv.lastExit.timedOut },
			{ code: 0, signal: null, timedOut: false },
			`exit after SIGTERM:\n${srv.logTail(4000)}`,
		);
		assert.ok(!SANITIZER.test(srv.logTail(200000)), `sanitizer report:\n${srv.logTail(8000)}`);
	});

	it('a session opened before the restart still works after it', async () => {
		const res = await admin.get('/api/v1/me');
		assertStatus(res, 200);
		assert.equal(res.json.username, 'sysadmin');
	});

	it('data written before a graceful restart is there after it', async () => {
		const res = await admin.get('/api/v1/regions/610326101279');
		assertStatus(res, 200);
		assert.equal(res.json.name, '重启村');
	});

	it('serving again on the same data loads nothing twice', async () => {
		const county = await admin.get('/api/v1/regions?parent=610326000000');
		assert.equal(county.json.total, 10);
		const town = await admin.get('/api/v1/regions?parent=610326101000&limit=200');
		assert.equal(town.json.total, 17);
		const top = await admin.get('/api/v1/regions');
		assert.equal(top.json.total, 1);
	});
});
