// Warnings (GET /api/v1/warnings) under the test clock: overdue cases most
// overdue first and soon-due cases soonest first, counted in working time;
// a category spike made by reporting many cases of one category in one
// village now (and none before), no spike for a flat series (its baseline
// put into the rollups for earlier days); missed visits; scope (a town sees
// only its own area, a department only its own cases, a grid worker their
// grid); 403 for the admin roles and 422 naming the bad parameter.
//
// Times are Beijing time on the working calendar (data/holidays) with the
// default office hours 08:30-12:00 and 14:00-17:30; warnings.soon_due_hours
// is 2.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { ensureGrids } from './lib/basedata.mjs';
import { GRID1, GRID2, TOWN1, TOWN2, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const C = '/api/v1/cases';
const W = '/api/v1/warnings';
const POLICE = '610326-police';
const ACCOUNTS = ['worker1', 'worker2', 'village1', 'town1', 'town2', 'county', 'police1', 'justice1', 'mediator1',
	'leader', 'auditor', 'sysadmin'];
const LONG_SESSIONS = ['--security.session_idle_s=86400', '--security.session_absolute_s=604800'];

let srv;
const who = {};
let clock = 0;

async function setClock(now) {
	const res = await who.county.put('/api/v1/testing/clock', { now });
	assertStatus(res, 200);
	const t = Date.parse(now);
	if (t - clock > 12 * 3600 * 1000) await signInAll();
	clock = t;
}

async function signInAll() {
	for (const u of ACCOUNTS) who[u] = as(srv, await login(srv, u));
}

async function act(as_, c, action, fields = {}) {
	const res = await as_.post(`${C}/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });
	assertStatus(res, 200);
	return res.json;
}

async function report(as_, category, grid, description) {
	const res = await as_.post(C, { category, description, grid });
	assertStatus(res, 201);
	return res.json;
}

/** GET /warnings as `as_` with query, 200; the body. */
async function warnings(as_, query = '') {
	const res = await as_.get(`${W}${query}`);
	assertStatus(res, 200);
	return res.json;
}

const ids = (body, kind) => body.items.filter((i) => i.kind === kind).map((i) => i.case.id);

let a, b, d; // A and B wait for acceptance (GRID1, GRID2); D is with the police (GRID1)

before(async () => {
	srv = await startServer({ extraArgs: ['--testing.clock=true', '--warnings.soon_due_hours=2', ...LONG_SESSIONS] });
	ensureGrids(srv);
	who.county = as(srv, await login(srv, 'county'));
	// Monday 23 November 2026, a working day.
	await setClock('2026-11-23T09:00:00+08:00');
	a = await report(who.worker1, '0801', GRID1, '村口有人聚众赌博');
	d = await report(who.worker1, '0801', GRID1, '夜间有人寻衅滋事');
	d = await act(who.village1, d, 'accept');
	d = await act(who.village1, d, 'assess', { level: 'town' });
	d = await act(who.town1, d, 'dispatch', {
		department: POLICE,
		reason: '涉及治安，由公安处置',
		deadline: '2026-11-23T17:00:00+08:00',
	});
	d = await act(who.police1, d, 'acknowledge');
	assert.equal(d.deadline, '2026-11-23T17:00:00+08:00');
	await setClock('2026-11-23T09:30:00+08:00');
	b = await report(who.worker2, '0801', GRID2, '集市有人打架');
	// 4 working hours to accept: the deadlines fall in the afternoon.
	assert.equal(a.deadline, '2026-11-23T15:00:00+08:00');
	assert.equal(b.deadline, '2026-11-23T15:30:00+08:00');
});
after(async () => {
	await srv?.stop();
});

describe('overdue and soon due', () => {
	it('soon due counts working hours: 11:00 to 15:00 is two of them (lunch does not count)', async () => {
		await setClock('2026-11-23T10:59:00+08:00');
		let w = await warnings(who.county, '?kind=soon_due');
		assert.deepEqual(ids(w, 'soon_due'), [], JSON.stringify(w));
		assert.deepEqual(w.totals, { soon_due: 0 });

		await setClock('2026-11-23T11:00:00+08:00');
		w = await warnings(who.county, '?kind=soon_due');
		assert.deepEqual(ids(w, 'soon_due'), [a.id]);
		const it_ = w.items[0];
		assert.equal(it_.kind, 'soon_due');
		assert.equal(it_.level, 'yellow');
		assert.equal(it_.region, VILLAGE1);
		assert.equal(it_.grid, GRID1);
		assert.equal(it_.category.code, '0801');
		assert.equal(typeof it_.category.name, 'string');
		assert.equal(it_.department, null, 'not dispatched');
		assert.deepEqual(it_.case, { id: a.id, number: a.number, title: a.title, deadline: '2026-11-23T15:00:00+08:00' });
		assert.deepEqual(it_.figures, { working_minutes_left: 120 });
		assert.ok(it_.title.includes(a.title), it_.title);
		assert.ok(it_.detail.includes('2 小时'), it_.detail);
		assert.equal(w.generated_at, '2026-11-23T11:00:00+08:00');
		assert.equal(w.region, '610326000000');
	});

	it('past the deadline: overdue, most overdue first, with working minutes and totals', async () => {
		await setClock('2026-11-23T16:00:00+08:00');
		const w = await warnings(who.county);
		assert.deepEqual(ids(w, 'overdue'), [a.id, b.id], JSON.stringify(w));
		assert.deepEqual(ids(w, 'soon_due'), [d.id]);
		const [oa, ob] = w.items.filter((i) => i.kind === 'overdue');
		assert.equal(oa.level, 'red');
		assert.deepEqual(oa.figures, { working_minutes_overdue: 60 });
		assert.deepEqual(ob.figures, { working_minutes_overdue: 30 });
		assert.equal(ob.region, VILLAGE2);
		const sd = w.items.find((i) => i.kind === 'soon_due');
		assert.deepEqual(sd.figures, { working_minutes_left: 60 });
		assert.equal(sd.department.code, POLICE);
		assert.equal(typeof sd.department.name, 'string');
		assert.equal(w.totals.overdue, 2);
		assert.equal(w.totals.soon_due, 1);
		assert.deepEqual(Object.keys(w.totals).sort(), ['dispute', 'missed_visit', 'overdue', 'soon_due', 'spike']);
		// Every item comes after the cases of the higher kinds.
		const kinds = w.items.map((i) => i.kind);
		assert.deepEqual(kinds.slice(0, 3), ['overdue', 'overdue', 'soon_due']);
	});

	it('scope: towns, a grid, the grid worker, departments', async () => {
		let w = await warnings(who.town1, '?kind=overdue');
		assert.deepEqual(ids(w, 'overdue'), [a.id]);
		assert.equal(w.totals.overdue, 1);
		assert.equal(w.region, TOWN1);
		w = await warnings(who.town2);
		assert.deepEqual(ids(w, 'overdue'), [b.id]);
		assert.deepEqual(ids(w, 'soon_due'), []);
		w = await warnings(who.county, `?region=${GRID1}`);
		assert.deepEqual(ids(w, 'overdue'), [a.id]);
		assert.deepEqual(ids(w, 'soon_due'), [d.id]);
		assert.equal(w.region, GRID1);
		w = await warnings(who.worker1);
		assert.deepEqual(ids(w, 'overdue'), [a.id]);
		w = await warnings(who.worker2);
		assert.deepEqual(ids(w, 'overdue'), [b.id]);
		assert.deepEqual(ids(w, 'soon_due'), []);
		// The police see the case they own, not the ones waiting at a centre.
		w = await warnings(who.police1);
		assert.deepEqual(ids(w, 'overdue'), []);
		assert.deepEqual(ids(w, 'soon_due'), [d.id]);
		assert.equal(w.totals.overdue, 0);
		w = await warnings(who.justice1);
		assert.deepEqual(w.items, []);
		// Leaders and mediators: everything of their area.
		w = await warnings(who.leader, '?kind=overdue');
		assert.deepEqual(ids(w, 'overdue'), [a.id, b.id]);
		w = await warnings(who.mediator1, '?kind=overdue');
		assert.deepEqual(ids(w, 'overdue'), [a.id, b.id]);
	});

	it('a case acted on is no longer overdue: its next clock runs', async () => {
		await setClock('2026-11-24T09:00:00+08:00');
		// D's deadline (17:00) has passed overnight too.
		let w = await warnings(who.town1, '?kind=overdue');
		assert.deepEqual(ids(w, 'overdue'), [a.id, d.id]);
		assert.equal(w.items[1].figures.working_minutes_overdue, 30 + 30);
		const c = (await who.village1.get(`${C}/${a.id}`)).json;
		await act(who.village1, c, 'accept');
		w = await warnings(who.town1, '?kind=overdue');
		assert.deepEqual(ids(w, 'overdue'), [d.id]);
		assert.deepEqual(ids(await warnings(who.county, '?kind=overdue'), 'overdue'), [b.id, d.id]);
		assert.deepEqual(ids(await warnings(who.police1, '?kind=overdue'), 'overdue'), [d.id]);
	});
});

describe('spikes', () => {
	it('a category reported many times in one village this week, after none before: a spike', async () => {
		await setClock('2026-11-24T10:00:00+08:00');
		for (let i = 0; i < 5; i++) await report(who.worker1, '0301', GRID1, `垃圾堆放第${i + 1}处`);
		// A flat series in the other village: 5 this week after 20 in the
		// four weeks before (reported earlier: put into the rollups).
		for (let i = 0; i < 5; i++) await report(who.worker2, '0303', GRID2, `占道经营第${i + 1}处`);
		srv.sql(
			"INSERT INTO stats_day (day, scope_key, kind, category, source, department, reporter, reported, open) " +
				`VALUES ('2026-11-02', '${GRID2}', 'event', '0303', 'citizen', '', 0, 20, 20)`,
		);
		const w = await warnings(who.county, '?kind=spike');
		assert.equal(w.items.length, 1, JSON.stringify(w));
		assert.deepEqual(w.totals, { spike: 1 });
		const s = w.items[0];
		assert.equal(s.kind, 'spike');
		assert.equal(s.level, 'orange');
		assert.equal(s.region, VILLAGE1);
		assert.equal(typeof s.region_name, 'string');
		assert.equal(s.category.code, '0301');
		assert.deepEqual(s.figures, {
			window_days: 7,
			baseline_days: 28,
			window: 5,
			baseline: 0,
			expected: 1.0,
			ratio: 5.0,
			min_count: 5,
			threshold_percent: 300,
		});
		// The department in charge: the town's owner of the category.
		assert.ok(s.department, JSON.stringify(s));
		assert.ok(s.department.code.startsWith('610326001-'), s.department.code);
		assert.equal(typeof s.department.name, 'string');
		assert.ok(s.title.includes(s.region_name) && s.title.includes(s.category.name), s.title);
		assert.equal(s.case, undefined);
	});

	it('the flat series spikes once its baseline is gone', async () => {
		const baseline = "INSERT INTO stats_day (day, scope_key, kind, category, source, department, reporter, reported, open) " +
			`VALUES ('2026-11-02', '${GRID2}', 'event', '0303', 'citizen', '', 0, 20, 20)`;
		srv.sql(`DELETE FROM stats_day WHERE day = '2026-11-02' AND scope_key = '${GRID2}' AND category = '0303'`);
		const w = await warnings(who.town2, '?kind=spike');
		assert.deepEqual(w.items.map((i) => [i.region, i.category.code, i.figures.window, i.figures.baseline]), [
			[VILLAGE2, '0303', 5, 0],
		]);
		srv.sql(baseline);
		assert.deepEqual((await warnings(who.town2, '?kind=spike')).items, []);
	});

	it('scope: the other town, a department and a grid worker elsewhere see no spike', async () => {
		assert.deepEqual((await warnings(who.town2, '?kind=spike')).items, []);
		assert.equal((await warnings(who.town1, '?kind=spike')).items.length, 1);
		assert.equal((await warnings(who.worker1, '?kind=spike')).items.length, 1);
		assert.deepEqual((await warnings(who.worker2, '?kind=spike')).items, []);
		assert.deepEqual((await warnings(who.police1, '?kind=spike')).items, [], 'none of them is a police case');
		assert.deepEqual((await warnings(who.county, `?kind=spike&region=${TOWN2}`)).items, []);
	});
});

describe('missed visits', () => {
	it('a special-group resident not visited on schedule; only in scope, not for departments', async () => {
		const r = (await who.worker1.post('/api/v1/residents', {
			name: '矫正对象甲',
			grid: GRID1,
			tags: [{ tag: 'community_correction' }],
		})).json;
		assert.ok(r.id, JSON.stringify(r));
		let w = await warnings(who.town1, '?kind=missed_visit');
		assert.deepEqual(w.items, [], 'just put in the group: not due yet');
		srv.sql(`UPDATE resident_tags SET since = since - ${22 * 86400000} WHERE resident = ${r.id}`);
		w = await warnings(who.town1, '?kind=missed_visit');
		assert.equal(w.items.length, 1, JSON.stringify(w));
		const m = w.items[0];
		assert.equal(m.kind, 'missed_visit');
		assert.deepEqual(m.subject, { type: 'resident', id: r.id, name: '矫正对象甲' });
		assert.equal(m.grid, GRID1);
		assert.equal(m.region, VILLAGE1);
		assert.deepEqual(m.figures, { visit_days: 7, missed_periods: 3 });
		assert.equal(m.level, 'orange');
		assert.equal(typeof m.due_at, 'string');
		assert.equal(w.totals.missed_visit, 1);
		assert.equal((await warnings(who.worker1, '?kind=missed_visit')).items.length, 1);
		assert.equal((await warnings(who.county, `?kind=missed_visit&region=${VILLAGE1}`)).items.length, 1);
		assert.deepEqual((await warnings(who.town2, '?kind=missed_visit')).items, []);
		assert.deepEqual((await warnings(who.worker2, '?kind=missed_visit')).items, []);
		assert.deepEqual((await warnings(who.county, `?kind=missed_visit&region=${TOWN2}`)).items, []);
		// Not base-data readers, or not their cases: none.
		assert.deepEqual((await warnings(who.police1, '?kind=missed_visit')).items, []);
		assert.deepEqual((await warnings(who.mediator1, '?kind=missed_visit')).items, []);
		// A visit clears it.
		assertStatus(await who.worker1.post('/api/v1/visits', { subject: { type: 'resident', id: r.id } }), 201);
		assert.deepEqual((await warnings(who.town1, '?kind=missed_visit')).items, []);
	});
});

describe('errors', () => {
	it('403 for the admin roles', async () => {
		for (const u of ['auditor', 'sysadmin']) assertProblem(await who[u].get(W), 403, 'forbidden');
	});

	it('404 for an area outside the caller or that does not exist', async () => {
		assertProblem(await who.town1.get(`${W}?region=${TOWN2}`), 404, 'not-found');
		assertProblem(await who.worker1.get(`${W}?region=${VILLAGE1}`), 404, 'not-found');
		assertProblem(await who.county.get(`${W}?region=610326999000`), 404, 'not-found');
	});

	it('422 naming the parameter', async () => {
		assertFieldError(await who.county.get(`${W}?kind=red`), 422, 'validation', 'kind', 'unknown');
		assertFieldError(await who.county.get(`${W}?region=61032x`), 422, 'validation', 'region');
		assertFieldError(await who.county.get(`${W}?region=${'6'.repeat(40)}`), 422, 'validation', 'region');
	});
});
