// What a server keeps in memory from the database (the grid index, the
// holiday calendar's edited years, the live settings) follows changes made
// behind its back, as another node on PostgreSQL or a CLI command makes
// them: here SQL run by the test. Triggers move a counter per table
// (migration 0017) and the sync job (src/jobs/sync.c) reloads what moved
// within a poll or two. Its memo of sessions looked up (src/http/auth.c)
// ends with the snapshot on SQLite and, on PostgreSQL, when a trigger's
// NOTIFY arrives (migration 0018): a changed session or account is seen
// from the next request on SQLite and within moments on PostgreSQL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertStatus, login } from './lib/http.mjs';
import { ROOT, startServer } from './lib/server.mjs';

let srv;
let county;
let sys;

before(async () => {
	srv = await startServer();
	county = as(srv, await login(srv, 'county'));
	sys = as(srv, await login(srv, 'sysadmin'));
});
after(async () => {
	await srv?.stop();
});

/** Asks check() every 200 ms until it returns true, for at most 8 s (the job polls every 2 s). */
async function eventually(what, check) {
	const end = Date.now() + 8000;
	for (;;) {
		if (await check()) return;
		if (Date.now() > end) assert.fail(`${what}: not seen by the server within 8 s`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

const generation = (name) => Number(srv.sql(`SELECT generation FROM sync_generations WHERE name = '${name}'`)[0][0]);

describe('changes made elsewhere reach the server', () => {
	it('a live setting', async () => {
		const before = generation('settings');
		srv.sql(
			"INSERT INTO settings (name, value, updated_at, updated_by) VALUES ('security.password_min_length', '14', 0, 'elsewhere') " +
				'ON CONFLICT (name) DO UPDATE SET value = excluded.value',
		);
		// (PostgreSQL fires the INSERT and the UPDATE triggers of an upsert.)
		assert.ok(generation('settings') > before, 'the trigger moved the counter');
		await eventually('the setting', async () => {
			const res = await sys.get('/api/v1/settings');
			assertStatus(res, 200);
			return res.json.items.find((s) => s.name === 'security.password_min_length').value === '14';
		});
	});

	it('an edited holiday year', async () => {
		const day = async () => (await county.get('/api/v1/calendar?from=2026-03-02&to=2026-03-02')).json.items[0];
		assert.equal((await day()).working, true, 'a Monday of 2026 is a working day by the file');
		const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'holidays', '2026.json'), 'utf8'));
		doc.holidays.push({ name: '测试假日', from: '2026-03-02', to: '2026-03-02' });
		const text = JSON.stringify(doc).replaceAll("'", "''");
		srv.sql(`INSERT INTO calendar_years (year, doc, updated_at) VALUES (2026, '${text}', 0)`);
		await eventually('the holiday', async () => (await day()).working === false);
	});

	it('a redrawn grid', async () => {
		const grids = (await county.get('/api/v1/grids?limit=1')).json.items;
		const code = grids[0].code;
		const far = '/api/v1/grids/locate?lat=20.005&lng=100.005';
		assert.equal((await county.get(far)).status, 404, 'no grid there yet');
		const square = JSON.stringify({
			type: 'Polygon',
			coordinates: [
				[
					[100, 20],
					[100.01, 20],
					[100.01, 20.01],
					[100, 20.01],
					[100, 20],
				],
			],
		});
		srv.sql(`UPDATE grids SET boundary = '${square}' WHERE code = '${code}'`);
		await eventually('the grid', async () => {
			const res = await county.get(far);
			return res.status === 200 && res.json.code === code;
		});
	});
});

describe('changes to sessions and accounts made elsewhere end what the server remembers of them', () => {
	// Several requests first, so that the session is in the loops' memos.
	async function warm(who, path, status) {
		for (let i = 0; i < 6; i++) assertStatus(await who.get(path), status);
	}
	/** At once on SQLite; within 2 s on PostgreSQL (the NOTIFY's way). */
	async function soon(what, who, path, status) {
		const end = Date.now() + (srv.store === 'sqlite' ? 0 : 2000);
		for (;;) {
			const res = await who.get(path);
			if (res.status === status) return;
			if (Date.now() >= end) assert.fail(`${what}: ${path} answered ${res.status}, not ${status}:\n${res}`);
			await new Promise((r) => setTimeout(r, 20));
		}
	}
	const userOf = (name) => `(SELECT id FROM users WHERE username = '${name}')`;

	it('a session revoked', async () => {
		const who = as(srv, await login(srv, 'village1'));
		await warm(who, '/api/v1/me', 200);
		srv.sql(`UPDATE sessions SET revoked_at = 1 WHERE user_id = ${userOf('village1')}`);
		await soon('the revoked session', who, '/api/v1/me', 401);
	});

	it('an account disabled', async () => {
		const who = as(srv, await login(srv, 'police1'));
		await warm(who, '/api/v1/me', 200);
		srv.sql("UPDATE users SET active = 0 WHERE username = 'police1'");
		await soon('the disabled account', who, '/api/v1/me', 401);
	});

	it('roles taken away', async () => {
		const who = as(srv, await login(srv, 'town2'));
		await warm(who, '/api/v1/users/pick', 200);
		srv.sql("UPDATE users SET roles = 0 WHERE username = 'town2'");
		await soon('the roles taken away', who, '/api/v1/users/pick', 403);
		assertStatus(await who.get('/api/v1/me'), 200);
	});

	it('a session made older than the idle limit', async () => {
		const who = as(srv, await login(srv, 'worker2'));
		await warm(who, '/api/v1/me', 200);
		srv.sql(`UPDATE sessions SET last_seen_at = last_seen_at - ${31 * 60 * 1000} WHERE user_id = ${userOf('worker2')}`);
		await soon('the idle session', who, '/api/v1/me', 401);
	});
});
