// The audit trail: who may read it, which actions leave a row and what the
// row says, the filters and paging, that no secret ever lands in it, and
// that tampering in the database is caught (GET /audit/verify and
// `wangge check`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, assertUnauthenticated, get, login, signIn } from './lib/http.mjs';
import { totpCode } from './lib/totp.mjs';
import { PASSWORD, startServer } from './lib/server.mjs';

const A = '/api/v1/audit';
const WRONG = 'Wrong#2026audit';
const PWX = 'Target#2026first';
const PWY = 'Target#2026second';

let srv;
let t0; // before the server existed: every row is later
let aud; // auditor
let sys;
let sec;
let county;
const secrets = new Set([PASSWORD, WRONG, PWX, PWY]);
const ev = {}; // what the events produced (ids, names)

function keep(session) {
	secrets.add(session.token);
	secrets.add(session.csrf);
	return session;
}

before(async () => {
	t0 = Date.now() - 1000;
	srv = await startServer();
	aud = as(srv, keep(await login(srv, 'auditor')));
	sys = as(srv, keep(await login(srv, 'sysadmin')));
	sec = as(srv, keep(await login(srv, 'secadmin')));
	county = as(srv, keep(await login(srv, 'county')));
});
after(async () => {
	await srv?.stop();
});

/** Every row matching a query, newest first, walking the pages. */
async function rows(query = '', limit = 200) {
	const items = [];
	let cursor = null;
	let pages = 0;
	for (; pages < 1000; ) {
		const sep = query ? '&' : '';
		const res = await aud.get(`${A}?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		assertStatus(res, 200);
		pages++;
		assert.ok(Array.isArray(res.json.items), `${res}`);
		assert.ok(res.json.items.length <= limit, `a page over the limit:\n${res}`);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
		if (cursor === null || cursor === undefined) return Object.assign(items, { pages });
	}
	throw new Error('paging does not end');
}

function find(list, pred, what) {
	const r = list.find(pred);
	assert.ok(r, `no audit row for ${what} among ${list.length} rows:\n${JSON.stringify(list.slice(0, 30), null, 1)}`);
	return r;
}

function assertRow(r) {
	for (const k of ['id', 'at', 'actor', 'actor_name', 'roles', 'address', 'action', 'object_type', 'object_id', 'result', 'detail', 'hash']) {
		assert.ok(k in r, `audit row lacks ${k}: ${JSON.stringify(r)}`);
	}
	assert.equal(typeof r.id, 'number');
	assert.equal(typeof r.actor_name, 'string');
	assert.ok(['ok', 'denied', 'failed'].includes(r.result), `result ${r.result}`);
	assert.equal(typeof r.hash, 'string');
	assert.ok(r.hash.length >= 32, `hash ${r.hash}`);
	const at = Date.parse(r.at);
	assert.ok(!Number.isNaN(at), `at ${r.at}`);
	assert.ok(at >= t0 - 1000 && at <= Date.now() + 1000, `at ${r.at} is outside the test run`);
	return r;
}

function reasonOf(r) {
	if (r.detail && typeof r.detail === 'object') return r.detail.reason;
	if (typeof r.detail === 'string') {
		try {
			return JSON.parse(r.detail).reason;
		} catch {
			return r.detail;
		}
	}
	return undefined;
}

describe('who may read the audit trail', () => {
	it('the auditor: 200', async () => {
		assertStatus(await aud.get(A), 200);
		assertStatus(await aud.get(`${A}/verify`), 200);
	});

	for (const who of ['sys', 'sec', 'county']) {
		it(`${who === 'sys' ? 'sysadmin' : who === 'sec' ? 'secadmin' : 'county'}: 403`, async () => {
			const s = { sys, sec, county }[who];
			assertProblem(await s.get(A), 403, 'forbidden');
			assertProblem(await s.get(`${A}/verify`), 403, 'forbidden');
		});
	}

	it('without a session: 401', async () => {
		assertUnauthenticated(await get(srv, A));
		assertUnauthenticated(await get(srv, `${A}/verify`));
	});

	it('no route edits or deletes rows: 405 or 404', async () => {
		for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
			const res = await aud.call(m, A, m === 'DELETE' ? {} : { json: {} });
			assert.ok(res.status === 405 || res.status === 404, `${m} ${A}:\n${res}`);
			const one = await aud.call(m, `${A}/1`, m === 'DELETE' ? {} : { json: {} });
			assert.ok(one.status === 405 || one.status === 404, `${m} ${A}/1:\n${one}`);
		}
	});
});

describe('recorded actions', () => {
	let all;
	before(async () => {
		// A failed sign-in (wrong password).
		assertStatus(await signIn(srv, 'leader', WRONG), 401);
		// Sign-in and sign-out.
		const m = keep(await login(srv, 'mediator1'));
		assertStatus(await as(srv, m).del('/api/v1/session'), 204);
		// An account: create, update, roles, its own password change, a reset.
		const created = await sys.post('/api/v1/users', { username: 'audit.target', name: '审计对象', region: '610326001000', password: PWX });
		assertStatus(created, 201);
		ev.id = created.json.id;
		const patched = await sys.patch(`/api/v1/users/${ev.id}`, { phone: '13700000000' });
		assertStatus(patched, 200);
		assertStatus(await sec.put(`/api/v1/users/${ev.id}/roles`, { roles: ['leader'] }), 200);
		const t = keep(await login(srv, 'audit.target', PWX));
		assertStatus(await as(srv, t).put('/api/v1/me/password', { current_password: PWX, new_password: PWY }), 204);
		const reset = await sys.post(`/api/v1/users/${ev.id}/password`);
		assertStatus(reset, 200);
		secrets.add(reset.json.temporary_password);
		// A second factor for county: begin and enable.
		const begin = await county.post('/api/v1/me/totp');
		assertStatus(begin, 201);
		secrets.add(begin.json.secret);
		const confirm = await county.post('/api/v1/me/totp/confirm', { code: totpCode(begin.json.secret) });
		assertStatus(confirm, 200);
		for (const c of confirm.json.recovery_codes) secrets.add(c);
		all = await rows();
	});

	it('every row has the members of the contract', () => {
		assert.ok(all.length >= 10, `only ${all.length} rows`);
		for (const r of all) assertRow(r);
	});

	it('newest first, ids unique', () => {
		const ids = all.map((r) => r.id);
		assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'not newest first');
		assert.equal(new Set(ids).size, ids.length, 'ids repeat');
	});

	it('session.login ok, with the account and the address', () => {
		const r = find(all, (x) => x.action === 'session.login' && x.actor_name === 'auditor' && x.result === 'ok', 'the auditor\'s sign-in');
		assert.equal(r.address, '127.0.0.1');
		assert.equal(r.actor, aud.session.user.id);
	});

	it('session.login denied, with the reason', () => {
		const r = find(all, (x) => x.action === 'session.login' && x.actor_name === 'leader' && x.result === 'denied', 'the failed sign-in');
		assert.equal(r.address, '127.0.0.1');
		assert.ok(reasonOf(r), `no reason in the detail: ${JSON.stringify(r)}`);
		assert.match(String(reasonOf(r)), /password/, `reason of a wrong password: ${JSON.stringify(r)}`);
	});

	it('session.login denied for a username that does not exist, under the name typed', async () => {
		assertStatus(await signIn(srv, 'no.such.person', WRONG), 401);
		const list = await rows('actor=no.such.person');
		const r = find(list, (x) => x.action === 'session.login' && x.result === 'denied', 'the unknown user\'s sign-in');
		assert.equal(r.actor, null, `an unknown user has an actor id: ${JSON.stringify(r)}`);
	});

	it('session.logout', () => {
		const r = find(all, (x) => x.action === 'session.logout' && x.actor_name === 'mediator1', 'the sign-out');
		assert.equal(r.result, 'ok');
		assert.equal(r.address, '127.0.0.1');
	});

	for (const [action, actor] of [
		['user.create', 'sysadmin'],
		['user.update', 'sysadmin'],
		['role.grant', 'secadmin'],
		['password.reset', 'sysadmin'],
	]) {
		it(`${action} by ${actor}, naming the account`, () => {
			const r = find(all, (x) => x.action === action && x.actor_name === actor && x.object_id === String(ev.id), `${action} of ${ev.id}`);
			assert.equal(r.result, 'ok');
			assert.equal(r.object_type, 'user');
			assert.equal(r.address, '127.0.0.1');
			assert.ok(r.roles && String(JSON.stringify(r.roles)).includes(actor), `roles of the actor: ${JSON.stringify(r)}`);
		});
	}

	it('password.change by the account itself', () => {
		const r = find(all, (x) => x.action === 'password.change' && x.actor_name === 'audit.target', 'the password change');
		assert.equal(r.result, 'ok');
		assert.equal(r.object_id, String(ev.id));
	});

	it('totp.begin and totp.enable', () => {
		for (const action of ['totp.begin', 'totp.enable']) {
			const r = find(all, (x) => x.action === action && x.actor_name === 'county', action);
			assert.equal(r.result, 'ok');
		}
	});

	it('no row holds a password, a token, a CSRF token, a TOTP secret or a recovery code', async () => {
		const text = JSON.stringify(await rows());
		for (const s of secrets) {
			if (!s) continue;
			assert.ok(!text.includes(s), `the audit trail contains a secret (${s.slice(0, 4)}…)`);
		}
		// Nor any password hash.
		assert.ok(!text.includes('$argon2'), 'a password hash in the audit trail');
	});

	describe('filters', () => {
		it('actor: only that account\'s rows', async () => {
			const list = await rows('actor=leader');
			assert.ok(list.length >= 1);
			for (const r of list) assert.equal(r.actor_name, 'leader');
			const none = await rows(`actor=${encodeURIComponent("x' OR '1'='1")}`);
			assert.equal(none.length, 0);
		});

		it('action: exact', async () => {
			const list = await rows('action=user.create');
			assert.ok(list.length >= 1);
			for (const r of list) assert.equal(r.action, 'user.create');
			assert.equal((await rows('action=user')).length, 0, 'action=user (no dot) is not a prefix');
			assert.equal((await rows('action=user.creat')).length, 0, 'a prefix without the final dot matched');
		});

		it('action: prefix "user."', async () => {
			const list = await rows('action=user.');
			const actions = new Set(list.map((r) => r.action));
			assert.ok(actions.has('user.create') && actions.has('user.update'), `actions: ${[...actions]}`);
			for (const a of actions) assert.ok(a.startsWith('user.'), `action=user. matched ${a}`);
			const expect = all.filter((r) => r.action.startsWith('user.')).map((r) => r.id);
			assert.deepEqual(
				list.map((r) => r.id).filter((id) => id <= Math.max(...all.map((x) => x.id))),
				expect,
			);
		});

		it('action and actor together', async () => {
			const list = await rows('action=session.&actor=mediator1');
			assert.ok(list.length >= 2, `login and logout of mediator1: ${JSON.stringify(list)}`);
			for (const r of list) {
				assert.equal(r.actor_name, 'mediator1');
				assert.ok(r.action.startsWith('session.'));
			}
		});

		it('from/to with RFC 3339 times and dates', async () => {
			const everything = await rows();
			const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
			const within = await rows(`from=${encodeURIComponent(iso(t0 - 5000))}&to=${encodeURIComponent(iso(Date.now() + 60000))}`);
			assert.deepEqual(
				within.map((r) => r.id),
				everything.map((r) => r.id),
			);
			assert.equal((await rows(`from=${encodeURIComponent(iso(Date.now() + 3600000))}`)).length, 0, 'rows from the future');
			assert.equal((await rows(`to=${encodeURIComponent(iso(t0 - 60000))}`)).length, 0, 'rows before the server existed');
			assert.equal((await rows('from=2000-01-01')).length, everything.length);
			assert.equal((await rows('to=2000-01-01')).length, 0);
			assert.equal((await rows(`from=${encodeURIComponent('2000-01-01T00:00:00+08:00')}`)).length, everything.length);
			// A window between two rows splits them.
			const mid = everything[Math.floor(everything.length / 2)];
			const midAt = Date.parse(mid.at);
			const after = await rows(`from=${encodeURIComponent(new Date(midAt + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'))}`);
			for (const r of after) assert.ok(Date.parse(r.at) >= midAt, `from let through ${r.at}`);
		});

		it('bad from, to, limit or cursor: 422 naming it', async () => {
			for (const [q, f] of [
				['from=yesterday', 'from'],
				['to=2026-13-01', 'to'],
				['from=2026-11-24T25:00:00Z', 'from'],
				['limit=0', 'limit'],
				['limit=201', 'limit'],
				['cursor=garbage', 'cursor'],
			]) {
				assertFieldError(await aud.get(`${A}?${q}`), 422, 'validation', f);
			}
		});

		it('paging with limit=2 walks every row exactly once, newest first', async () => {
			const everything = await rows();
			const paged = await rows('', 2);
			assert.deepEqual(
				paged.map((r) => r.id),
				everything.map((r) => r.id),
			);
			assert.equal(paged.pages, Math.ceil(everything.length / 2));
		});
	});
});

describe('integrity', () => {
	it('GET /audit/verify: intact, every row counted', async () => {
		const res = await aud.get(`${A}/verify`);
		assertStatus(res, 200);
		assert.equal(res.json.intact, true, `${res}`);
		assert.equal(res.json.first_bad_id, null, `${res}`);
		const n = (await rows()).length;
		assert.ok(res.json.rows >= n, `verify counted ${res.json.rows} rows, the list has ${n}:\n${res}`);
	});

	it('`wangge check` passes on the untouched trail', () => {
		const r = srv.cli(['check']);
		assert.equal(r.code, 0, `wangge check failed on an intact database:\n${r.stdout}\n${r.stderr}`);
	});

	it('the database refuses UPDATE and DELETE on audit_log', () => {
		assert.throws(() => srv.sql(`UPDATE audit_log SET action = 'x' WHERE id = (SELECT min(id) FROM audit_log)`), /append-only|abort|exception/i);
		assert.throws(() => srv.sql('DELETE FROM audit_log'), /append-only|abort|exception/i);
		assert.ok(Number(srv.sql('SELECT count(*) FROM audit_log')[0][0]) > 0);
	});

	describe('after tampering with a middle row in the database', () => {
		let bad;
		before(async () => {
			const ids = srv.sql('SELECT id FROM audit_log ORDER BY id').map((r) => Number(r[0]));
			bad = ids[Math.floor(ids.length / 2)];
			if (srv.store === 'sqlite') {
				srv.sql(`DROP TRIGGER audit_log_no_update; UPDATE audit_log SET action = 'user.tampered' WHERE id = ${bad};`);
			} else {
				srv.sql(
					`ALTER TABLE audit_log DISABLE TRIGGER ALL; UPDATE audit_log SET action = 'user.tampered' WHERE id = ${bad}; ALTER TABLE audit_log ENABLE TRIGGER ALL;`,
				);
			}
			assert.equal(srv.sql(`SELECT action FROM audit_log WHERE id = ${bad}`)[0][0], 'user.tampered');
		});

		it('GET /audit/verify: intact false, first_bad_id is that row', async () => {
			const res = await aud.get(`${A}/verify`);
			assertStatus(res, 200);
			assert.equal(res.json.intact, false, `${res}`);
			assert.equal(res.json.first_bad_id, bad, `${res}`);
		});

		it('`wangge check` exits non-zero and names the row', () => {
			const r = srv.cli(['check']);
			const out = `${r.stdout}\n${r.stderr}`;
			assert.notEqual(r.code, 0, `wangge check passed a tampered audit trail:\n${out}`);
			assert.match(out, new RegExp(`\\b${bad}\\b`), `wangge check does not name row ${bad}:\n${out}`);
			assert.match(out, /audit/i, `wangge check does not say it is the audit trail:\n${out}`);
		});
	});
});
