// PUT /api/v1/testing/clock: only with the setting testing.clock on; it
// moves the server's clock, which the sessions' expiry shows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
	as,
	assertFieldError,
	assertJson,
	assertProblem,
	assertStatus,
	assertUnauthenticated,
	call,
	login,
} from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const PATH = '/api/v1/testing/clock';

describe('testing.clock off (the default)', () => {
	let srv;
	let admin;
	before(async () => {
		srv = await startServer();
		admin = as(srv, await login(srv, 'sysadmin'));
	});
	after(async () => {
		await srv?.stop();
	});

	it('answers as an unknown route does, and the clock stays real', async () => {
		const res = await admin.put(PATH, { now: '2030-01-02T03:04:05+08:00' });
		const b = assertProblem(res, 404, 'not-found', { instance: PATH });
		const unknown = await admin.put('/api/v1/testing/nothing', { now: '2030-01-02T03:04:05+08:00' });
		const u = assertProblem(unknown, 404, 'not-found');
		assert.equal(b.title, u.title);
		assert.equal(b.detail, u.detail);
		// Signing in again works and expires within a day of the real now.
		const s = await login(srv, 'county');
		assert.ok(Math.abs(Date.parse(s.expires_at) - Date.now()) < 86400000, `expires_at ${s.expires_at}`);
	});
});

describe('testing.clock on', () => {
	let srv;
	before(async () => {
		srv = await startServer({ extraArgs: ['--testing.clock=true'] });
	});
	after(async () => {
		await srv?.stop();
	});

	it('needs a session', async () => {
		const res = await call(srv, 'PUT', PATH, { json: { now: null } });
		assertUnauthenticated(res);
	});

	it('refuses what is not a time with offset or null', async () => {
		const u = as(srv, await login(srv, 'worker1'));
		const cases = [
			[{}, 'now', 'required'],
			[{ now: '2030-01-02' }, 'now', 'pattern'],
			[{ now: '2030-01-02T03:04:05' }, 'now', 'pattern'],
			[{ now: '2030-02-30T03:04:05Z' }, 'now', 'pattern'],
			[{ now: '1969-12-31T23:59:59Z' }, 'now', 'pattern'],
			[{ now: '' }, 'now', 'required'],
			[{ now: 1893456000000 }, 'now', 'type'],
			[{ now: true }, 'now', 'type'],
			[{ now: null, at: 'x' }, 'at', 'unknown'],
		];
		for (const [json, field, code] of cases) {
			const res = await u.put(PATH, json);
			assertFieldError(res, 422, 'validation', field, code);
		}
	});

	it('sets the clock for any signed-in account, then goes back to the real one', async () => {
		const worker = as(srv, await login(srv, 'worker1'));
		let res = await worker.put(PATH, { now: '2030-01-02T03:04:05.678Z' });
		assertStatus(res, 200);
		assertJson(res);
		assert.deepEqual(res.json, { now: '2030-01-02T11:04:05+08:00' });

		// A year on, the session signed in before has been idle too long;
		// a new one counts from the fixed time.
		res = await worker.get('/api/v1/me');
		assertUnauthenticated(res);
		const later = await login(srv, 'worker1');
		const expires = Date.parse(later.expires_at);
		const fixed = Date.parse('2030-01-02T03:04:05.678Z');
		assert.ok(expires > fixed && expires - fixed <= 86400000, `expires_at ${later.expires_at}`);

		// Offsets are honoured; the answer is in the configured offset.
		// (The same instant less the fraction: the session stays fresh.)
		const w = as(srv, later);
		res = await w.put(PATH, { now: '2030-01-01T21:34:05-05:30' });
		assertStatus(res, 200);
		assert.deepEqual(res.json, { now: '2030-01-02T11:04:05+08:00' });

		res = await w.put(PATH, { now: null });
		assertStatus(res, 200);
		const now = Date.parse(res.json.now);
		assert.ok(Math.abs(now - Date.now()) < 60000, `real clock again: ${res.json.now}`);
		const fresh = await login(srv, 'worker1');
		assert.ok(Math.abs(Date.parse(fresh.expires_at) - Date.now()) < 86400000, `expires_at ${fresh.expires_at}`);
	});
});
