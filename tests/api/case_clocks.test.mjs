// Case clocks under the test clock (PUT /testing/clock): each clock's
// expiry and what it triggers (near-deadline notice, yellow, red,
// escalation one level up), a citizen report supervised by the town and
// then the county, summoned departments reporting in or not, merge, the
// portal's view of a merged report, and case attachments (415 for a
// renamed executable, seen by every department on the case).
//
// Times are Beijing time on the working calendar (data/holidays) with the
// default office hours 08:30-12:00 and 14:00-17:30.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, call, login } from './lib/http.mjs';
import { jpeg, pointInGrid } from './lib/basedata.mjs';
import { openStream } from './lib/sse.mjs';
import { COUNTY, GRID1, TOWN1, startServer } from './lib/server.mjs';

const C = '/api/v1/cases';
const ACCOUNTS = ['worker1', 'village1', 'town1', 'county', 'police1', 'justice1', 'leader'];
let srv;
let who = {};

// Sessions as long as the settings allow: the clock moves by days.
const LONG_SESSIONS = ['--security.session_idle_s=86400', '--security.session_absolute_s=604800'];

let clock = 0;
/** Move the server's clock; after a jump beyond the idle limit, sign everyone in again. */
async function setClock(now) {
	const res = await who.county.put('/api/v1/testing/clock', { now });
	assertStatus(res, 200);
	const t = Date.parse(now);
	if (t - clock > 12 * 3600 * 1000) for (const u of ACCOUNTS) who[u] = as(srv, await login(srv, u));
	clock = t;
}

async function get(as, id) {
	const res = await as.get(`${C}/${id}`);
	assertStatus(res, 200);
	return res.json;
}

/** Poll case id as `as` until pred holds (the scheduler works apart). */
async function until(as, id, pred, what) {
	let c;
	for (let i = 0; i < 100; i++) {
		c = await get(as, id);
		if (pred(c)) return c;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.fail(`case ${id} never got ${what}: ${JSON.stringify(c)}`);
}

/** Take an action on c as `as`, with c's version. */
const tryAct = (as, c, action, fields = {}) =>
	as.post(`${C}/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });

async function act(as, c, action, fields = {}) {
	const res = await tryAct(as, c, action, fields);
	assertStatus(res, 200);
	return res.json;
}

async function timeline(as, id) {
	const res = await as.get(`${C}/${id}/timeline`);
	assertStatus(res, 200);
	return res.json.items;
}

/** The notifications of case id as "kind target", oldest first. */
const notifications = (id) =>
	srv.sql(`SELECT kind || ' ' || COALESCE(target, '') FROM notifications WHERE case_id = ${id} ORDER BY id`).map((r) => r[0]);

const caseOfTrackingCode = (code) => Number(srv.sql(`SELECT id FROM cases WHERE tracking_code = '${code}'`)[0][0]);

before(async () => {
	srv = await startServer({ extraArgs: ['--testing.clock=true', ...LONG_SESSIONS] });
	who.county = as(srv, await login(srv, 'county'));
	// Monday 23 November 2026, a working day.
	await setClock('2026-11-23T09:00:00+08:00');
});
after(async () => {
	await srv?.stop();
});

describe('the acceptance clock of a grid report', () => {
	it('warns, then yellow, red and escalation to the town, each on the timeline', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		let res = await who.worker1.post(C, { category: '0801', description: '路口有人聚众斗殴', grid: GRID1 });
		assertStatus(res, 201);
		const id = res.json.id;
		// 4 working hours: 09:00-12:00 and 14:00-15:00.
		assert.equal(res.json.deadline, '2026-11-23T15:00:00+08:00');
		assert.equal(res.json.clock, 'accept');

		// A quarter of the working time left (3 of 4 hours gone: 12:00, not
		// 13:30 as a quarter of the clock time would be): the near-deadline notice.
		await setClock('2026-11-23T11:59:00+08:00');
		await new Promise((r) => setTimeout(r, 300));
		assert.deepEqual(notifications(id).filter((n) => n.startsWith('case.near_deadline')), []);
		await setClock('2026-11-23T12:30:00+08:00');
		await until(who.village1, id, () => notifications(id).some((n) => n.startsWith('case.near_deadline')), 'a warning');
		let c = await get(who.village1, id);
		assert.equal(c.supervision, null);
		assert.equal(c.overdue, false);

		await setClock('2026-11-23T15:00:01+08:00');
		c = await until(who.village1, id, (x) => x.supervision === 'yellow', 'yellow');
		assert.equal(c.overdue, true);
		assert.equal(c.level, 'village');

		// Red 4 working hours after the deadline: 15:00-17:30, then 08:30-10:00.
		await setClock('2026-11-24T09:59:00+08:00');
		await new Promise((r) => setTimeout(r, 300));
		assert.equal((await get(who.village1, id)).supervision, 'yellow', 'not red a minute early');
		await setClock('2026-11-24T10:00:00+08:00');
		c = await until(who.village1, id, (x) => x.supervision === 'red', 'red');

		// Escalation 8 working hours after the deadline: Tuesday 16:00.
		await setClock('2026-11-24T16:00:00+08:00');
		c = await until(who.town1, id, (x) => x.level === 'town', 'escalation');
		assert.equal(c.centre, TOWN1);
		assert.equal(c.counts.escalations, 1);
		assert.equal(c.state, 'accepted', 'the town assesses it afresh');
		assert.equal(c.supervision, null, 'the new centre starts clean');
		assert.equal(c.clock, 'assess');
		assert.ok(c.actions.includes('assess'), JSON.stringify(c.actions));
		// The village is no longer the centre in charge: it sees, cannot act.
		assert.ok(!(await get(who.village1, id)).actions.includes('assess'));

		const tl = await timeline(who.town1, id);
		assert.deepEqual(
			tl.map((e) => e.action),
			['report', 'clock.warn', 'clock.yellow', 'clock.red', 'escalate'],
		);
		for (const e of tl.slice(1)) assert.equal(e.role, 'system', JSON.stringify(e));
		// The centre above the late one supervises.
		assert.equal(tl[2].fields.supervisor, TOWN1);
		assert.equal(tl[2].fields.deadline, '2026-11-23T15:00:00+08:00');
		assert.equal(tl[4].from_state, 'reported');
		assert.equal(tl[4].to_state, 'accepted');
		assert.deepEqual(tl[4].fields, { reason: '超时自动提级' });
		const sent = notifications(id);
		assert.ok(sent.includes(`case.yellow ${TOWN1}`), sent.join('; '));
		assert.ok(sent.includes(`case.red ${TOWN1}`), sent.join('; '));
		assert.ok(sent.includes(`case.escalate ${TOWN1}`), sent.join('; '));

		// /metrics counts what the scheduler applied.
		const m = await call(srv, 'GET', '/metrics');
		const fired = Number(/^wg_scheduler_fired_total (\d+)$/m.exec(m.text)?.[1]);
		assert.ok(fired >= 4, `wg_scheduler_fired_total ${fired}:\n${m.text.slice(-800)}`);
		assert.match(m.text, /^wg_scheduler_errors_total 0$/m);
	});

	it('acting in time stops the clock: nothing fires later', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		let c = (await who.worker1.post(C, { category: '0801', description: '夜间噪音扰民', grid: GRID1 })).json;
		c = await act(who.village1, c, 'accept');
		assert.equal(c.clock, 'assess');
		c = await act(who.village1, c, 'assess', { level: 'county' });
		c = await act(who.county, c, 'dispatch', {});
		c = await act(who.police1, c, 'acknowledge');
		assert.equal(c.clock, 'handle');
		const deadline = c.deadline;
		assert.ok(deadline > '2026-11-23T09:00:00+08:00');
		await setClock('2026-11-23T11:00:00+08:00');
		await new Promise((r) => setTimeout(r, 300));
		c = await get(who.county, c.id);
		assert.equal(c.supervision, null);
		assert.deepEqual(
			(await timeline(who.county, c.id)).map((e) => e.action),
			['report', 'accept', 'assess', 'dispatch', 'acknowledge'],
		);
	});

	it('the handling clock: yellow at the deadline, red a working day later, then back to the county', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		let c = (await who.worker1.post(C, { category: '0801', description: '商铺占道经营', grid: GRID1 })).json;
		c = await act(who.village1, c, 'accept');
		c = await act(who.village1, c, 'assess', { level: 'town' });
		assert.equal(c.centre, TOWN1);
		c = await act(who.town1, c, 'dispatch', {
			department: '610326-police',
			reason: '涉及治安，由公安处置',
			deadline: '2026-11-24T12:00:00+08:00',
		});
		c = await act(who.police1, c, 'acknowledge');
		assert.equal(c.deadline, '2026-11-24T12:00:00+08:00');

		await setClock('2026-11-24T12:00:00+08:00');
		c = await until(who.town1, c.id, (x) => x.supervision === 'yellow', 'yellow');
		// One working day after the deadline: by the end of Wednesday's office hours.
		await setClock('2026-11-25T17:29:00+08:00');
		await new Promise((r) => setTimeout(r, 300));
		assert.equal((await get(who.town1, c.id)).supervision, 'yellow');
		await setClock('2026-11-25T17:30:00+08:00');
		c = await until(who.town1, c.id, (x) => x.supervision === 'red', 'red');
		// Three working days after: the end of Friday, up to the county.
		await setClock('2026-11-27T17:30:00+08:00');
		c = await until(who.county, c.id, (x) => x.level === 'county', 'escalation');
		assert.equal(c.centre, COUNTY);
		assert.equal(c.department, null, 'the county dispatches afresh');
		// The department that let it lapse still reads it, but acts no more.
		const lapsed = await get(who.police1, c.id);
		assert.deepEqual(lapsed.actions, []);
		assertProblem(await tryAct(who.police1, lapsed, 'feedback', { result: '已处理' }), 409, 'conflict');
	});
});

describe('a citizen report', () => {
	it('late at the village: the town supervises, then the county', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		const location = await pointInGrid(who.county, GRID1);
		const phone = '13900001111';
		let res = await call(srv, 'POST', '/api/v1/public/reports', {
			json: { category: '0801', description: '河边有人非法采砂', location, contact: { name: '赵铁柱', phone } },
		});
		assertStatus(res, 201);
		const code = res.json.tracking_code;
		const id = caseOfTrackingCode(code);
		let c = await get(who.village1, id);
		assert.equal(c.source, 'citizen');
		assert.equal(c.clock, 'accept_citizen');
		// 8 working hours: Monday 09:00-12:00, 14:00-17:30, Tuesday 08:30-10:00.
		assert.equal(c.deadline, '2026-11-24T10:00:00+08:00');
		assert.equal(c.reporter_phone, '139****1111');
		assert.equal(c.reporter_name, '赵**');

		// The town's operators hear of it live.
		const stream = await openStream(srv, who.town1.session);
		assert.equal(stream.status, 200);
		await setClock('2026-11-24T10:00:00+08:00');
		c = await until(who.town1, id, (x) => x.supervision === 'yellow', 'the town supervising');
		await stream.waitFor(
			(st) => st.events.some((e) => e.event === 'case.yellow' && e.data.case_id === id),
			'case.yellow on the town\'s stream',
		);
		stream.close();
		// cases.citizen_town_hours (8) later: Tuesday 10:00-12:00, 14:00-17:30, Wednesday 08:30-11:00.
		await setClock('2026-11-25T10:59:00+08:00');
		await new Promise((r) => setTimeout(r, 300));
		assert.equal((await get(who.town1, id)).supervision, 'yellow');
		await setClock('2026-11-25T11:00:00+08:00');
		c = await until(who.county, id, (x) => x.supervision === 'red', 'the county supervising');
		assert.equal(c.level, 'village', 'supervised, not taken over');

		const tl = await timeline(who.county, id);
		const steps = tl.filter((e) => e.role === 'system' && e.action !== 'clock.warn');
		assert.deepEqual(
			steps.map((e) => [e.action, e.fields.supervisor]),
			[
				['clock.yellow', TOWN1],
				['clock.red', COUNTY],
			],
		);
		const sent = notifications(id);
		assert.ok(sent.includes(`case.yellow ${TOWN1}`), sent.join('; '));
		assert.ok(sent.includes(`case.red ${COUNTY}`), sent.join('; '));

		// The citizen follows it without anyone's name or number.
		res = await call(srv, 'GET', `/api/v1/public/reports/${code}`);
		assertStatus(res, 200);
		const text = JSON.stringify(res.json);
		for (const secret of [phone, '1111', '赵铁柱', '赵', '非法采砂'])
			assert.ok(!text.includes(secret), `${secret} in ${text}`);
		assert.ok(!/supervisor|610326/.test(text), text);
	});
});

describe('summons (发令) and reporting in (报到)', () => {
	it('a town summons county departments; who does not report in by the time is noted', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		let c = (await who.town1.post(C, { category: '0801', description: '企业欠薪引发聚集', region: TOWN1 })).json;
		assert.equal(c.level, 'town');
		c = await act(who.town1, c, 'accept');
		// Centres summon, and of them only a town's: not a leader, not the county.
		const summon = (as, fields) => tryAct(as, c, 'summon', fields);
		let res = await summon(who.leader, { departments: ['610326-police'], hours: 2 });
		assertProblem(res, 403, 'forbidden');
		res = await summon(who.county, { departments: ['610326-police'], hours: 2 });
		assertFieldError(res, 422, 'validation', 'departments', 'role');
		for (const [fields, field, code] of [
			[{ departments: ['610326-nowhere'], hours: 2 }, 'departments', undefined],
			[{ departments: ['610326-police'], hours: 0 }, 'hours', undefined],
			[{ departments: ['610326-police'], hours: 73 }, 'hours', undefined],
			[{ departments: ['610326-police'] }, 'hours', 'required'],
			[{ hours: 2 }, 'departments', 'required'],
		]) {
			res = await summon(who.town1, fields);
			assertFieldError(res, 422, 'validation', field, code);
		}
		c = await act(who.town1, c, 'summon', { departments: ['610326-police', '610326-justice'], hours: 2, note: '请速到场' });
		const summoned = Object.fromEntries(c.summoned.map((s) => [s.department, s]));
		assert.equal(summoned['610326-police'].due, '2026-11-23T11:00:00+08:00');
		assert.equal(summoned['610326-police'].reported_in_at, null);

		// Summoned departments see the case and may report in; nobody else may.
		assert.ok((await get(who.justice1, c.id)).actions.includes('report_in'));
		c = await get(who.police1, c.id);
		assert.ok(c.actions.includes('report_in'), JSON.stringify(c.actions));
		c = await act(who.police1, c, 'report_in', { note: '已到场' });
		assert.ok(c.summoned.find((s) => s.department === '610326-police').reported_in_at);
		assert.ok(!(await get(who.police1, c.id)).actions.includes('report_in'), 'once is enough');

		await setClock('2026-11-23T11:00:01+08:00');
		await until(who.town1, c.id, () => notifications(c.id).some((n) => n.startsWith('case.summon_overdue')), 'the overdue note');
		const tl = await timeline(who.town1, c.id);
		assert.deepEqual(
			tl.map((e) => e.action),
			['report', 'accept', 'summon', 'report_in', 'summon.overdue'],
		);
		assert.equal(tl.filter((e) => e.action === 'summon.overdue').length, 1);
		c = await get(who.town1, c.id);
		assert.equal(c.summoned.find((s) => s.department === '610326-justice').reported_in_at, null);
	});
});

describe('merge', () => {
	it('folds a duplicate into its master; the merged citizen follows the master', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		const location = await pointInGrid(who.county, GRID1);
		const master = (await who.worker1.post(C, { category: '0801', description: '东关街垃圾堆积多日无人清运', grid: GRID1 })).json;
		let res = await call(srv, 'POST', '/api/v1/public/reports', {
			json: { category: '0801', description: '东关街垃圾堆积多日没人清运', location, contact: { name: '钱多多', phone: '13900002222' } },
		});
		assertStatus(res, 201);
		const code = res.json.tracking_code;
		const id = caseOfTrackingCode(code);
		const similar = (await who.village1.get(`${C}/${id}/similar`)).json.items;
		assert.ok(similar.some((s) => s.id === master.id), JSON.stringify(similar));

		let dup = await get(who.village1, id);
		assert.ok(dup.actions.includes('merge'));
		for (const [m, code] of [
			[id, 'not_found'],
			[999999, 'not_found'],
			['x', 'type'],
		]) {
			res = await who.village1.post(`${C}/${id}/actions/merge`, { master: m }, { headers: { 'If-Match': `"${dup.version}"` } });
			assertFieldError(res, 422, 'validation', 'master', code);
		}
		dup = await act(who.village1, dup, 'merge', { master: master.id, reason: '同一事项' });
		assert.equal(dup.state, 'merged');
		assert.equal(dup.terminal, true);
		assert.equal(dup.master, master.id);
		assert.equal(dup.clock, null);

		let pub = (await call(srv, 'GET', `/api/v1/public/reports/${code}`)).json;
		assert.equal(pub.state, 'merged');
		assert.equal(pub.merged_into_state, 'reported');
		let m = await act(who.village1, master, 'accept');
		pub = (await call(srv, 'GET', `/api/v1/public/reports/${code}`)).json;
		assert.equal(pub.merged_into_state, 'accepted');
		assert.equal(pub.merged_into_state_label, '待研判');
		assert.ok(!JSON.stringify(pub).includes('钱多多'));
		// Open311 follows the master as well: its state, then its department.
		const open311 = async () => {
			const r = await call(srv, 'GET', `/open311/v2/requests/${code}.json`);
			assertStatus(r, 200);
			return r.json[0];
		};
		let r = await open311();
		assert.deepEqual([r.status, r.status_notes, r.agency_responsible], ['open', '待研判', null]);
		m = await act(who.village1, m, 'assess');
		m = await act(who.village1, m, 'dispatch');
		r = await open311();
		const dept = (await who.county.get(`/api/v1/departments/${m.department}`)).json;
		assert.deepEqual([r.status, r.status_notes, r.agency_responsible], ['open', '待签收', dept.name]);
		assert.ok(r.expected_datetime && r.updated_datetime >= r.requested_datetime, JSON.stringify(r));
		// A merged case is done: no more actions, no clock firing.
		assert.deepEqual((await get(who.village1, id)).actions, []);
	});
});

describe('case attachments', () => {
	const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120, 0x41)]);

	it('refuse a renamed executable (415) and reach every department on the case', async () => {
		await setClock('2026-11-23T09:00:00+08:00');
		let c = (await who.worker1.post(C, { category: '0801', description: '小区电动车违规充电', grid: GRID1 })).json;
		for (const type of ['image/jpeg', 'image/png', 'application/pdf', 'video/mp4']) {
			const res = await who.worker1.call('POST', `${C}/${c.id}/attachments`, { body: ELF, headers: { 'Content-Type': type } });
			assertProblem(res, 415, 'unsupported-media-type');
		}
		assert.deepEqual(srv.sql(`SELECT count(*) FROM attachment_links WHERE owner_type = 'case' AND owner_id = ${c.id}`), [['0']]);

		const attached = await who.worker1.call('POST', `${C}/${c.id}/attachments`, {
			body: jpeg(),
			headers: { 'Content-Type': 'image/jpeg' },
		});
		assertStatus(attached, 201);
		const sha = attached.json.sha256;
		assert.equal((await timeline(who.village1, c.id)).at(-1).action, 'attach');
		// Before dispatch no department sees it.
		assertProblem(await who.police1.get(`/api/v1/attachments/${sha}`), 404, 'not-found');

		c = await act(who.village1, await get(who.village1, c.id), 'accept');
		c = await act(who.village1, c, 'assess', { level: 'county' });
		c = await act(who.county, c, 'dispatch', { co_departments: ['610326-justice'] });
		// Neither department uploaded it nor holds the grid: both see it through the case.
		for (const dept of [who.police1, who.justice1]) assertStatus(await dept.get(`/api/v1/attachments/${sha}`), 200);
		// A grid elsewhere does not.
		const worker2 = as(srv, await login(srv, 'worker2'));
		assertProblem(await worker2.get(`/api/v1/attachments/${sha}`), 404, 'not-found');
	});
});
