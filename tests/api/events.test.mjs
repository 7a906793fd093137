// The live stream GET /api/v1/events/stream: who may open it, its headers
// and framing, who hears which notification, Last-Event-ID (replay after a
// reconnect, malformed values), the per-account limit, clients that leave
// mid-stream, the connection timeout, a session that ends under an open
// stream, a case report reaching its village centre, and a shutdown with
// streams open.
//
// Notifications are written behind the server's back (srv.sql) where a test
// is about the stream itself; the case engine writes them for real in the
// case report test.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
	as,
	assertProblem,
	assertSecurityHeaders,
	assertStatus,
	assertUnauthenticated,
	call,
	login,
} from './lib/http.mjs';
import { GRID1, SANITIZER, TOWN1, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';
import { openStream } from './lib/sse.mjs';

const PATH = '/api/v1/events/stream';

// Role bits (src/domain/role.h) as the notifications table stores them.
const ROLE = { grid_worker: 1, grid_head: 2, centre_operator: 4, dept_handler: 8, dept_head: 16, leader: 64 };
const CENTRE = ROLE.centre_operator | ROLE.leader;
const PER_USER_MAX = 5;
const AT = Date.UTC(2026, 10, 24, 1, 30, 0); // 2026-11-24T09:30:00+08:00

let srv;
const s = {}; // sessions by demo username
before(async () => {
	srv = await startServer();
	for (const name of ['village1', 'worker1', 'worker2', 'town1', 'police1', 'justice1', 'leader', 'mediator1']) {
		s[name] = await login(srv, name);
		s[name].id = (await as(srv, s[name]).get('/api/v1/me')).json.id;
	}
});
after(async () => {
	await srv?.stop();
});

// Problem replies (status, headers) for assertProblem.
function asReply(st) {
	return { status: st.status, json: st.json, text: st.text, header: st.header, toString: st.toString };
}

function sqlQuote(v) {
	return `'${String(v).replace(/'/g, "''")}'`;
}

/** Insert notification rows behind the server's back; returns their ids in order. */
function notify(server, rows) {
	const values = rows
		.map(
			(r) =>
				`(${sqlQuote(r.kind || 'case.reported')}, ${r.case_id ?? 'NULL'}, ${sqlQuote(r.target_kind)}, ` +
				`${sqlQuote(r.target)}, ${r.roles ?? 0}, ${sqlQuote(r.payload ?? '{}')}, ${r.at ?? AT})`,
		)
		.join(', ');
	const out = server.sql(
		`INSERT INTO notifications (kind, case_id, target_kind, target, roles, payload, at) VALUES ${values} RETURNING id`,
	);
	return out.map((r) => Number(r[0]));
}

function latestId(server) {
	const out = server.sql('SELECT coalesce(max(id), 0) FROM notifications');
	return Number(out[0][0]);
}

const toUser = (session, extra = {}) => ({ target_kind: 'user', target: String(session.id), ...extra });
const ids = (st) => st.events.filter((e) => e.event !== 'session.ended').map((e) => Number(e.id));
const hasId = (id) => (st) => ids(st).includes(id);

function rfc3339(ms) {
	return `${new Date(ms + 8 * 3600e3).toISOString().slice(0, 19)}+08:00`;
}

// ---- tests -------------------------------------------------------------------

describe('who may open the stream', () => {
	it('401 without a session', async () => {
		const res = await call(srv, 'GET', PATH);
		assertUnauthenticated(res);
	});

	it('403 for the three admin powers', async () => {
		for (const name of ['sysadmin', 'secadmin', 'auditor']) {
			const res = await call(srv, 'GET', PATH, { token: await login(srv, name) });
			assertProblem(res, 403, 'forbidden');
		}
	});

	it('400 for a malformed Last-Event-ID, header or query', async () => {
		// (fetch trims spaces around header values: those are sent in the query.)
		for (const bad of ['abc', '-1', '+1', '1.5', '0x10', '1e3', '99999999999999999999', '9223372036854775808']) {
			const st = await openStream(srv, s.village1, { lastEventId: bad });
			if (st.status === 200) st.close();
			assertProblem(asReply(st), 400, 'bad-request');
			assert.match(st.json.detail, /Last-Event-ID/, `detail names the header:\n${st}`);
		}
		for (const bad of ['x1', '%207', '7%20', '-0']) {
			const st = await openStream(srv, s.village1, { query: `?last_event_id=${bad}` });
			if (st.status === 200) st.close();
			assertProblem(asReply(st), 400, 'bad-request');
			assert.match(st.json.detail, /last_event_id/, `detail names the parameter:\n${st}`);
		}
	});
});

describe('the stream', () => {
	it('answers 200 text/event-stream, uncached and unbuffered, and starts with retry', async () => {
		const st = await openStream(srv, s.village1);
		try {
			assert.equal(st.status, 200, String(st));
			assert.equal(st.header('content-type'), 'text/event-stream; charset=utf-8');
			assert.match(st.header('cache-control') || '', /no-store/);
			assert.equal(st.header('x-accel-buffering'), 'no');
			assert.match(st.header('transfer-encoding') || '', /chunked/);
			assertSecurityHeaders({ header: st.header, toString: st.toString });
			await st.waitFor((x) => x.retry !== null, 'the retry line', 1500);
			assert.equal(st.retry, 3000);
			assert.ok(st.raw.startsWith('retry: 3000\n\n'), `first bytes:\n${st}`);
		} finally {
			st.close();
		}
	});

	it('HEAD gives the headers without a body', async () => {
		const st = await openStream(srv, s.village1, { method: 'HEAD' });
		assert.equal(st.status, 200);
		assert.equal(st.header('content-type'), 'text/event-stream; charset=utf-8');
		assert.equal(st.text, '');
	});

	it('opens with the session cookie too (what EventSource sends)', async () => {
		const st = await openStream(srv, s.worker1, { cookie: true });
		try {
			assert.equal(st.status, 200, String(st));
			const [id] = notify(srv, [toUser(s.worker1)]);
			await st.waitFor(hasId(id), 'the row for worker1');
		} finally {
			st.close();
		}
	});

	it('frames each notification as id, event and data with case_id and at', async () => {
		const st = await openStream(srv, s.village1);
		try {
			await st.waitFor((x) => x.retry !== null, 'the retry line');
			const [id] = notify(srv, [
				{
					kind: 'case.accepted',
					target_kind: 'scope',
					target: VILLAGE1,
					roles: CENTRE,
					payload: '{"number":"SJ20261124-000042","title":"路灯坏了\\n两盏","case_id":999,"at":"x"}',
				},
			]);
			await st.waitFor(hasId(id), 'the row');
			const ev = st.events.find((e) => Number(e.id) === id);
			assert.equal(ev.event, 'case.accepted');
			assert.deepEqual(ev.data, {
				case_id: null,
				at: rfc3339(AT),
				number: 'SJ20261124-000042',
				title: '路灯坏了\n两盏',
			});
			assert.ok(!ev.text.includes('\n'), 'data is one line');
			assert.ok(
				st.raw.includes(`id: ${id}\nevent: case.accepted\ndata: {"case_id":null,"at":"${rfc3339(AT)}",`),
				`framing:\n${st}`,
			);
		} finally {
			st.close();
		}
	});

	it('tells each caller what is for them only', async () => {
		const names = ['village1', 'worker1', 'worker2', 'town1', 'police1', 'justice1', 'leader'];
		const streams = {};
		for (const n of names) streams[n] = await openStream(srv, s[n]);
		try {
			for (const n of names) await streams[n].waitFor((x) => x.retry !== null, `${n} opens`);
			const rows = [
				{ target_kind: 'scope', target: VILLAGE1, roles: CENTRE }, // village1
				{ target_kind: 'scope', target: GRID1, roles: ROLE.grid_worker }, // worker1
				{ target_kind: 'scope', target: TOWN1, roles: CENTRE }, // town1, not the villages under it
				{ target_kind: 'scope', target: VILLAGE1, roles: ROLE.grid_worker }, // nobody: worker1's scope is the grid
				{ target_kind: 'scope', target: VILLAGE2, roles: CENTRE }, // nobody here
				{ target_kind: 'department', target: '610326-police', roles: ROLE.dept_handler }, // police1
				{ target_kind: 'department', target: '610326-justice', roles: ROLE.dept_head }, // nobody: justice1 handles
				toUser(s.worker2), // worker2
				{ target_kind: 'user', target: `0${s.worker2.id}` }, // nobody
				{ target_kind: 'scope', target: '610326000000', roles: ROLE.leader }, // leader (county)
			];
			const got = notify(srv, rows);
			// One last row per stream: rows arrive in id order, so when it is
			// there, everything before it that was coming has come.
			const last = notify(
				srv,
				names.map((n) => toUser(s[n])),
			);
			const want = {
				village1: [got[0]],
				worker1: [got[1]],
				worker2: [got[7]],
				town1: [got[2]],
				police1: [got[5]],
				justice1: [],
				leader: [got[9]],
			};
			for (const [i, n] of names.entries()) {
				await streams[n].waitFor(hasId(last[i]), `${n}'s last row`);
				assert.deepEqual(ids(streams[n]), [...want[n], last[i]], `${n} heard:\n${streams[n]}`);
			}
		} finally {
			for (const n of names) streams[n].close();
		}
	});

	it('sends no backlog without Last-Event-ID', async () => {
		const [before] = notify(srv, [toUser(s.leader)]);
		const st = await openStream(srv, s.leader);
		try {
			const [now] = notify(srv, [toUser(s.leader)]);
			await st.waitFor(hasId(now), 'the new row');
			assert.deepEqual(ids(st), [now], `only the row after connecting (not ${before}):\n${st}`);
		} finally {
			st.close();
		}
	});
});

describe('Last-Event-ID', () => {
	it('a reconnect gets what it missed, then what comes', async () => {
		const first = await openStream(srv, s.town1);
		const [a] = notify(srv, [{ target_kind: 'scope', target: TOWN1, roles: CENTRE }]);
		await first.waitFor(hasId(a), 'the first row');
		first.close();
		await first.done;
		const missed = notify(srv, [
			{ target_kind: 'scope', target: TOWN1, roles: CENTRE },
			{ target_kind: 'scope', target: VILLAGE1, roles: CENTRE }, // not town1's
			toUser(s.town1),
		]);
		const again = await openStream(srv, s.town1, { lastEventId: a });
		try {
			await again.waitFor(hasId(missed[2]), 'the missed rows');
			const [live] = notify(srv, [toUser(s.town1)]);
			await again.waitFor(hasId(live), 'the live row');
			assert.deepEqual(ids(again), [missed[0], missed[2], live], String(again));
		} finally {
			again.close();
		}
	});

	it('?last_event_id= works as the header does, and an empty value is none', async () => {
		const base = latestId(srv);
		const missed = notify(srv, [toUser(s.police1), toUser(s.police1)]);
		const st = await openStream(srv, s.police1, { query: `?last_event_id=${base}` });
		try {
			await st.waitFor(hasId(missed[1]), 'the missed rows');
			assert.deepEqual(ids(st), missed);
		} finally {
			st.close();
		}
		const none = await openStream(srv, s.police1, { query: '?last_event_id=' });
		try {
			const [now] = notify(srv, [toUser(s.police1)]);
			await none.waitFor(hasId(now), 'the new row');
			assert.deepEqual(ids(none), [now], String(none));
		} finally {
			none.close();
		}
	});

	it('replays more than a page of missed rows, in order', async () => {
		const base = latestId(srv);
		const rows = [];
		for (let i = 0; i < 250; i++) rows.push(toUser(s.justice1, { payload: `{"n":${i}}` }));
		const missed = notify(srv, rows);
		const st = await openStream(srv, s.justice1, { lastEventId: base });
		try {
			await st.waitFor(hasId(missed[missed.length - 1]), 'all 250 rows', 15000);
			assert.deepEqual(ids(st), missed);
			assert.deepEqual(
				st.events.map((e) => e.data.n),
				rows.map((_, i) => i),
			);
		} finally {
			st.close();
		}
	});

	it('an id beyond the newest starts at the newest', async () => {
		const st = await openStream(srv, s.worker2, { lastEventId: latestId(srv) + 1000000 });
		try {
			await st.waitFor((x) => x.retry !== null, 'the retry line');
			const [now] = notify(srv, [toUser(s.worker2)]);
			await st.waitFor(hasId(now), 'the new row');
		} finally {
			st.close();
		}
	});
});

describe('limits and leaving', () => {
	it(`${PER_USER_MAX} streams per account, the next one 429 until one closes`, async () => {
		const open = [];
		try {
			for (let i = 0; i < PER_USER_MAX; i++) {
				const st = await openStream(srv, s.mediator1);
				assert.equal(st.status, 200, String(st));
				open.push(st);
			}
			const over = await openStream(srv, s.mediator1);
			assertProblem(asReply(over), 429, 'rate-limited');
			assert.ok(Number(over.header('retry-after')) > 0, `Retry-After:\n${over}`);
			// Another account is not affected.
			const other = await openStream(srv, s.leader);
			assert.equal(other.status, 200);
			other.close();
			open.shift().close();
			const deadline = Date.now() + 5000;
			let again;
			for (;;) {
				again = await openStream(srv, s.mediator1);
				if (again.status === 200 || Date.now() > deadline) break;
				await new Promise((r) => setTimeout(r, 50));
			}
			assert.equal(again.status, 200, `a slot frees when a stream closes:\n${again}`);
			open.push(again);
		} finally {
			for (const st of open) st.close();
		}
	});

	it('a client that leaves mid-stream is logged and the server carries on', async () => {
		const st = await openStream(srv, s.village1);
		await st.waitFor((x) => x.retry !== null, 'the retry line');
		const rows = [];
		for (let i = 0; i < 300; i++) rows.push({ target_kind: 'scope', target: VILLAGE1, roles: CENTRE, payload: `{"n":${i}}` });
		notify(srv, rows);
		await st.waitFor((x) => x.events.length > 0, 'the first rows');
		st.close();
		await st.done;
		const id = st.header('x-request-id');
		const deadline = Date.now() + 5000;
		let line;
		while (!line && Date.now() < deadline) {
			line = srv
				.logTail(400000)
				.split('\n')
				.find((l) => l.includes(`"id":"${id}"`) && l.includes('"msg":"request"'));
			if (!line) await new Promise((r) => setTimeout(r, 50));
		}
		assert.ok(line, `the access log has the stream ${id} once it ended:\n${srv.logTail(3000)}`);
		const entry = JSON.parse(line);
		assert.equal(entry.status, 200);
		assert.equal(entry.route, PATH);
		assert.ok(entry.bytes > 0, line);
		// The others go on being served.
		const next = await openStream(srv, s.village1);
		try {
			const [now] = notify(srv, [toUser(s.village1)]);
			await next.waitFor(hasId(now), 'a row on a new stream');
		} finally {
			next.close();
		}
		const metrics = await call(srv, 'GET', '/metrics');
		assert.match(metrics.text, /events\/stream/, 'the stream route is counted');
	});
});

describe('a case report', () => {
	it('reaches the village centre and the grid as case.reported', async () => {
		const centre = await openStream(srv, s.village1);
		const grid = await openStream(srv, s.worker1);
		try {
			await centre.waitFor((x) => x.retry !== null, 'the centre stream opens');
			await grid.waitFor((x) => x.retry !== null, 'the grid stream opens');
			const res = await as(srv, s.worker1).post('/api/v1/cases', {
				kind: 'event',
				category: '0101',
				title: '楼道堆放杂物',
				description: '三号楼一单元楼道堆放大量纸箱，存在消防隐患。',
				grid: GRID1,
				source: 'grid',
			});
			assertStatus(res, 201);
			const caseId = res.json.id;
			const reported = (x) => x.events.some((e) => e.event === 'case.reported' && e.data.case_id === caseId);
			await centre.waitFor(reported, 'case.reported at the village centre');
			await grid.waitFor(reported, 'case.reported at the grid');
			const ev = centre.events.find((e) => e.event === 'case.reported' && e.data.case_id === caseId);
			assert.equal(typeof ev.data.at, 'string');
			assert.match(ev.data.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
		} finally {
			centre.close();
			grid.close();
		}
	});
});

describe('stopping', () => {
	it('SIGTERM ends open streams at once and exits 0 without sanitizer reports', async () => {
		const streams = [];
		for (const n of ['village1', 'town1', 'leader']) streams.push(await openStream(srv, s[n]));
		for (const st of streams) await st.waitFor((x) => x.retry !== null, 'opens');
		const t0 = Date.now();
		const ended = Promise.all(streams.map((st) => st.done)).then(() => Date.now() - t0);
		await srv.restart();
		const took = await ended;
		assert.deepEqual(
			{ code: srv.lastExit.code, signal: srv.lastExit.signal, timedOut: !!srv.lastExit.timedOut },
			{ code: 0, signal: null, timedOut: false },
			`exit after SIGTERM:\n${srv.logTail(4000)}`,
		);
		for (const st of streams) {
			await st.done;
			assert.equal(st.error, null, `the stream ended cleanly:\n${st}`);
		}
		assert.ok(took < 5000, `the streams ended at SIGTERM, not after the grace period (${took} ms)`);
		assert.ok(!SANITIZER.test(srv.logTail(400000)), `sanitizer report:\n${srv.logTail(8000)}`);
	});
});

describe('with http.timeout_s=1', () => {
	let srv2;
	before(async () => {
		srv2 = await startServer({ extraArgs: ['--http.timeout_s=1'] });
	});
	after(async () => {
		const r = await srv2?.stop();
		assert.equal(r?.code, 0, `exit of the second server:\n${srv2?.logTail(4000)}`);
	});

	it('a quiet stream outlives the connection timeout', async () => {
		const leader = await login(srv2, 'leader');
		leader.id = (await as(srv2, leader).get('/api/v1/me')).json.id;
		const st = await openStream(srv2, leader);
		try {
			await st.waitFor((x) => x.retry !== null, 'opens');
			// Three times http.timeout_s with nothing sent either way.
			await new Promise((r) => setTimeout(r, 3000));
			assert.equal(st.ended, false, `the stream was cut:\n${st}`);
			const [id] = notify(srv2, [toUser(leader)]);
			await st.waitFor(hasId(id), 'a row after the quiet time');
		} finally {
			st.close();
		}
	});

	it('a session that ends closes its stream with session.ended', async () => {
		const worker = await login(srv2, 'worker2');
		const hash = createHash('sha256').update(worker.token).digest('hex');
		// The session's absolute end comes 1.5 s from now.
		srv2.sql(
			`UPDATE sessions SET created_at = ${Date.now() + 1500 - 43200 * 1000} WHERE token_hash = '${hash}'`,
		);
		const st = await openStream(srv2, worker);
		assert.equal(st.status, 200, String(st));
		await st.done;
		assert.equal(st.error, null, `ended by the server, cleanly:\n${st}`);
		assert.equal(st.events.at(-1)?.event, 'session.ended', String(st));
		const again = await openStream(srv2, worker);
		assertUnauthenticated(asReply(again));
	});
});
