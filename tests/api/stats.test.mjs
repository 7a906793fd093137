// Statistics (/api/v1/stats/overview, /trend, /rates): after a set of cases
// driven through the loop by the engine, every figure equals a direct count
// over the cases table by the definitions of docs/statistics.md; each
// caller sees only their scope (a town its town, a department its own
// cases, a grid worker their grid), other areas are 404, the admin roles
// 403, and bad parameters 422 naming the parameter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { ensureGrids, uploadPhoto } from './lib/basedata.mjs';
import { COUNTY, GRID1, GRID2, TOWN1, TOWN2, VILLAGE1, startServer } from './lib/server.mjs';

const C = '/api/v1/cases';
const S = '/api/v1/stats';
const POLICE = '610326-police';
let srv;
const who = {};

const localDay = (ms) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
const TODAY = localDay(Date.now());
const LATER = localDay(Date.now() + 90 * 86400 * 1000);
const inFuture = (days) => new Date(Date.now() + days * 86400 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

async function act(as_, c, action, fields = {}) {
	const res = await as_.post(`${C}/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });
	assertStatus(res, 200);
	return res.json;
}

async function report(as_, extra = {}) {
	const res = await as_.post(C, { category: '0801', description: '小区门口有人聚集赌博，影响治安', ...extra });
	assertStatus(res, 201);
	return res.json;
}

/** Run steps [who, action, fields] on c in order. */
async function steps(c, list) {
	for (const [u, action, fields] of list) c = await act(who[u], c, action, fields);
	return c;
}

const TO_COUNTY = [
	['village1', 'accept', {}],
	['village1', 'assess', { level: 'county' }],
	['county', 'dispatch', {}],
	['police1', 'acknowledge', {}],
];
const TO_CLOSED = [
	['police1', 'feedback', { result: '已依法处理' }],
	['county', 'verify', {}],
	['county', 'close', {}],
];

/** The cases table as rows of the columns the definitions read. */
function cases(where = 'true') {
	const cols = [
		'scope_key', 'kind', 'category', 'source', "COALESCE(department, '')", 'state',
		"CASE WHEN source = 'grid' THEN COALESCE(reporter_user, 0) ELSE 0 END", 'reported_at',
		'COALESCE(accepted_at, 0)', 'COALESCE(closed_at, 0)', 'COALESCE(handle_deadline, 0)', 'handled_late',
		'COALESCE(satisfaction, 0)', 'reworks', 'reopens', 'extensions', 'returns', 'self_resolved',
		'COALESCE(master, 0)', 'escalations', 'overdue',
	];
	return srv.sql(`SELECT ${cols.join(', ')} FROM cases WHERE ${where}`).map((r) => {
		const n = r.map((v, i) => (i >= 6 || i === 0 ? v : v));
		const c = {
			scope_key: n[0], kind: n[1], category: n[2], source: n[3], department: n[4], state: n[5],
			reporter: Number(n[6]), reported_at: Number(n[7]), accepted_at: Number(n[8]), closed_at: Number(n[9]),
			handle_deadline: Number(n[10]), handled_late: Number(n[11]) !== 0, satisfaction: Number(n[12]),
			reworks: Number(n[13]), reopens: Number(n[14]), extensions: Number(n[15]), returns: Number(n[16]),
			self_resolved: Number(n[17]) !== 0 && n[17] !== 'f', master: Number(n[18]), escalations: Number(n[19]),
			overdue: Number(n[20]) !== 0,
		};
		c.merged = c.master !== 0;
		c.valid = !c.merged && (c.accepted_at !== 0 || c.self_resolved || c.escalations > 0);
		c.isClosed = c.closed_at !== 0 && c.valid;
		c.dueDay = c.valid && c.handle_deadline
			? localDay(c.isClosed && c.closed_at < c.handle_deadline ? c.closed_at : c.handle_deadline)
			: null;
		return c;
	});
}

const inPeriod = (day, from, to) => day !== null && day >= from && day <= to;

/** The rates of docs/statistics.md over case rows, for a period. */
function expectedRates(rows, from, to) {
	const rep = rows.filter((c) => inPeriod(localDay(c.reported_at), from, to));
	const closed = rows.filter((c) => c.isClosed && inPeriod(localDay(c.closed_at), from, to));
	const due = rows.filter((c) => inPeriod(c.dueDay, from, to));
	const withDeadline = closed.filter((c) => c.handle_deadline);
	const rated = closed.filter((c) => c.satisfaction > 0);
	const disputes = rep.filter((c) => c.kind === 'dispute' && c.valid);
	const byWorkers = rep.filter((c) => c.reporter !== 0);
	const rate = (num, den) => ({
		numerator: num,
		denominator: den,
		percent: den ? Math.round((num * 1000) / den) / 10 : null,
	});
	return {
		resolution: rate(disputes.filter((c) => c.isClosed).length, disputes.length),
		closure: rate(due.filter((c) => c.isClosed).length, due.length),
		on_time: rate(withDeadline.filter((c) => !c.handled_late).length, withDeadline.length),
		satisfaction: rate(rated.filter((c) => c.satisfaction >= 4).length, rated.length),
		rework: rate(closed.filter((c) => c.reworks + c.reopens > 0).length, closed.length),
		extension: rate(closed.filter((c) => c.extensions > 0).length, closed.length),
		return: rate(closed.filter((c) => c.returns > 0).length, closed.length),
		valid_report: rate(byWorkers.filter((c) => c.valid).length, byWorkers.length),
	};
}

/** Count of rows per key, as [{key, count}] without zeros, sorted by key. */
function countBy(rows, key) {
	const m = new Map();
	for (const c of rows) m.set(c[key], (m.get(c[key]) || 0) + 1);
	return [...m].map(([k, count]) => ({ key: k, count })).sort((a, b) => a.key.localeCompare(b.key));
}
const sorted = (items) => items.map(({ key, count }) => ({ key, count })).sort((a, b) => a.key.localeCompare(b.key));

function checkOverview(o, rows) {
	const rep = rows.filter((c) => inPeriod(localDay(c.reported_at), o.from, o.to));
	assert.equal(o.total, rep.length, 'total');
	assert.equal(o.open, rep.filter((c) => !c.merged && !c.closed_at).length, 'open');
	assert.equal(o.closed, rep.filter((c) => c.isClosed).length, 'closed');
	assert.equal(o.overdue, rep.filter((c) => c.overdue).length, 'overdue');
	// One item per kind and state: two flows may name a state alike.
	const byKindState = o.by_state.map(({ kind, key, count }) => ({ key: `${kind}:${key}`, count }));
	assert.deepEqual(sorted(byKindState), countBy(rep.map((c) => ({ ...c, ks: `${c.kind}:${c.state}` })), 'ks'), 'by_state');
	assert.deepEqual(sorted(o.by_kind), countBy(rep, 'kind'), 'by_kind');
	assert.deepEqual(sorted(o.by_category), countBy(rep, 'category'), 'by_category');
	assert.deepEqual(sorted(o.by_source), countBy(rep, 'source'), 'by_source');
}

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	for (const u of ['worker1', 'worker2', 'village1', 'town1', 'town2', 'county', 'police1', 'justice1', 'leader',
		'auditor', 'sysadmin']) {
		who[u] = as(srv, await login(srv, u));
	}

	// 1: the whole loop, satisfied.
	let c = await report(who.worker1, { grid: GRID1 });
	c = await steps(c, [...TO_COUNTY, ...TO_CLOSED, ['county', 'callback', { satisfaction: 5 }]]);
	assert.equal(c.state, 'archived');
	// 2: rejected.
	c = await report(who.worker1, { grid: GRID1 });
	await act(who.village1, c, 'reject', { reason: '重复上报' });
	// 3: returned, dispatched again, extended, reworked, closed, rated 4.
	c = await report(who.worker1, { grid: GRID1 });
	c = await steps(c, [
		['village1', 'accept', {}],
		['village1', 'assess', { level: 'county' }],
		['county', 'dispatch', {}],
		['police1', 'return', { reason: '不属于本部门职责' }],
		['county', 'dispatch', {}],
		['police1', 'acknowledge', {}],
		['police1', 'extend', { deadline: inFuture(60), reason: '需要协调' }],
		['county', 'approve_extension', {}],
		['police1', 'feedback', { result: '已处理' }],
		['county', 'rework', { reason: '未处理到位' }],
		...TO_CLOSED,
		['county', 'callback', { satisfaction: 4 }],
	]);
	// 4: dissatisfied, reopened, still handling.
	c = await report(who.worker1, { grid: GRID1 });
	c = await steps(c, [...TO_COUNTY, ...TO_CLOSED, ['county', 'callback', { satisfaction: 1 }],
		['county', 'reopen', { reason: '群众不满意' }]]);
	assert.equal(c.state, 'handling');
	// 5: handling with the police, not fed back.
	await steps(await report(who.worker1, { grid: GRID1 }), TO_COUNTY);
	// 6: worker2's report in the other town, waiting.
	await report(who.worker2, { grid: GRID2 });
	// 7: a window report of town1 at a village without a grid, accepted.
	c = await report(who.town1, { region: VILLAGE1, source: 'window' });
	await act(who.village1, c, 'accept', {});
	// 8: self-resolved on the spot by worker1.
	const photo = await uploadPhoto(who.worker1);
	await report(who.worker1, { grid: GRID1, self_resolved: true, photos: [photo] });
	// 9: a duplicate merged into case 7's master.
	const dup = await report(who.worker1, { grid: GRID1 });
	await act(who.village1, dup, 'merge', { master: c.id, reason: '重复' });
});
after(async () => {
	await srv?.stop();
});

describe('figures equal a direct count over the cases', () => {
	it('overview of the county', async () => {
		const res = await who.county.get(`${S}/overview`);
		assertStatus(res, 200);
		const o = res.json;
		assert.equal(o.region, COUNTY);
		assert.equal(o.to, TODAY);
		assert.equal(o.from, localDay(Date.parse(`${TODAY}T00:00:00+08:00`) - 29 * 86400 * 1000));
		assert.equal(o.total, 9);
		checkOverview(o, cases());
		const states = Object.fromEntries(o.by_state.map((s) => [s.key, s.label]));
		assert.equal(states.archived, '已归档');
		assert.equal(states.rejected, '不予受理');
		assert.ok(o.by_category.every((x) => x.name), 'categories named');
	});

	it('places: per grid (or region) open and overdue, as the overview counts them', async () => {
		for (const [u, where] of [
			['county', 'true'],
			['town1', `scope_key LIKE '${TOWN1.slice(0, 9)}%'`],
			['police1', `department = '${POLICE}'`],
		]) {
			const res = await who[u].get(`${S}/places`);
			assertStatus(res, 200);
			const rows = cases(where);
			const keys = [...new Set(rows.map((c) => c.scope_key))].sort();
			assert.deepEqual(res.json.items.map((p) => p.key), keys, `${u}: places`);
			for (const p of res.json.items) {
				const here = rows.filter((c) => c.scope_key === p.key);
				assert.equal(p.total, here.length, `${u} ${p.key}: total`);
				assert.equal(p.open, here.filter((c) => !c.merged && !c.closed_at).length, `${u} ${p.key}: open`);
				assert.equal(p.overdue, here.filter((c) => c.overdue).length, `${u} ${p.key}: overdue`);
			}
		}
		assertProblem(await who.town1.get(`${S}/places?region=${TOWN2}`), 404, 'not-found');
		assertFieldError(await who.county.get(`${S}/places?from=yesterday`), 422, 'validation', 'from');
	});

	it('trend by day, week and month', async () => {
		const rows = cases();
		const closedToday = rows.filter((c) => c.isClosed && localDay(c.closed_at) === TODAY).length;
		for (const bucket of ['day', 'week', 'month']) {
			const res = await who.county.get(`${S}/trend?bucket=${bucket}&from=${TODAY}&to=${TODAY}`);
			assertStatus(res, 200);
			assert.equal(res.json.bucket, bucket);
			assert.equal(res.json.items.length, 1);
			const [p] = res.json.items;
			assert.equal(p.reported, rows.length);
			assert.equal(p.closed, closedToday);
			assert.ok(p.period <= TODAY);
		}
		const res = await who.county.get(`${S}/trend?from=2026-01-01&to=2026-01-31&bucket=week`);
		assertStatus(res, 200);
		assert.deepEqual(res.json.items.map((p) => p.period),
			['2025-12-29', '2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26'], 'weeks start on Monday');
		assert.ok(res.json.items.every((p) => p.reported === 0 && p.closed === 0));
		const days = (await who.county.get(`${S}/trend?from=2026-02-27&to=2026-03-02`)).json.items;
		assert.deepEqual(days.map((p) => p.period), ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
	});

	it('rates by region: the towns of the county', async () => {
		const res = await who.county.get(`${S}/rates?group_by=region&from=${TODAY}&to=${LATER}`);
		assertStatus(res, 200);
		assert.equal(res.json.group_by, 'region');
		const items = res.json.items;
		const keys = items.map((i) => i.key);
		assert.deepEqual(keys, [...keys].sort());
		assert.ok(keys.includes(TOWN1) && keys.includes(TOWN2), 'every town, with or without cases');
		for (const town of [TOWN1, TOWN2]) {
			const it_ = items.find((i) => i.key === town);
			assert.ok(it_.name);
			assert.deepEqual(it_.rates, expectedRates(cases(`scope_key LIKE '${town.slice(0, 9)}%'`), TODAY, LATER), town);
		}
		const t1 = items.find((i) => i.key === TOWN1);
		assert.ok(t1.rates.closure.denominator >= 3);
		assert.equal(t1.rates.resolution.percent, null, 'no disputes: 0 denominator');
		assert.ok(t1.handling_hours.count >= 2);
		assert.equal(typeof t1.handling_hours.mean, 'number');
		assert.equal(typeof t1.handling_hours.p90, 'number');
		assert.ok(t1.handling_hours.p90 >= t1.handling_hours.mean);
		const empty = items.find((i) => !i.rates.closure.denominator && !i.rates.valid_report.denominator);
		if (empty) {
			assert.equal(empty.handling_hours.mean, null);
			assert.equal(empty.handling_hours.p90, null);
		}
		// A town's children are its villages.
		const v = (await who.town1.get(`${S}/rates?group_by=region&from=${TODAY}&to=${LATER}`)).json.items;
		const v1 = v.find((i) => i.key === VILLAGE1);
		assert.deepEqual(v1.rates, expectedRates(cases(`scope_key LIKE '${VILLAGE1}%'`), TODAY, LATER));
	});

	it('rates by department and by grid worker', async () => {
		let res = await who.county.get(`${S}/rates?group_by=department&from=${TODAY}&to=${LATER}`);
		assertStatus(res, 200);
		const police = res.json.items.find((i) => i.key === POLICE);
		assert.ok(police.name);
		assert.deepEqual(police.rates, expectedRates(cases(`department = '${POLICE}'`), TODAY, LATER));
		assert.ok(!res.json.items.some((i) => i.key === ''), 'no group of cases without a department');
		res = await who.county.get(`${S}/rates?group_by=grid_worker&from=${TODAY}&to=${LATER}`);
		assertStatus(res, 200);
		const w1 = res.json.items.find((i) => i.key === 'worker1');
		const id = srv.sql("SELECT id FROM users WHERE username = 'worker1'")[0][0];
		const mine = cases(`source = 'grid' AND reporter_user = ${id}`);
		assert.deepEqual(w1.rates, expectedRates(mine, TODAY, LATER));
		assert.equal(w1.rates.valid_report.denominator, 7);
		assert.equal(w1.rates.valid_report.numerator, 5, 'rejected and merged are not valid');
		assert.equal(w1.rates.valid_report.percent, 71.4);
	});

	it('the rollups equal a rebuild from the cases table', async () => {
		// Every counter of stats_day and stats_state against the case rows.
		const rows = cases();
		const sum = (col) => Number(srv.sql(`SELECT COALESCE(sum(${col}), 0) FROM stats_day`)[0][0]);
		assert.equal(sum('reported'), rows.length);
		assert.equal(sum('closed'), rows.filter((c) => c.isClosed).length);
		assert.equal(sum('due'), rows.filter((c) => c.dueDay).length);
		assert.equal(Number(srv.sql('SELECT sum(n) FROM stats_state')[0][0]), rows.length);
		assert.equal(Number(srv.sql('SELECT count(*) FROM stats_state WHERE n < 0')[0][0]), 0);
	});
});

describe('scope', () => {
	it('a town sees only its town', async () => {
		const res = await who.town1.get(`${S}/overview`);
		assertStatus(res, 200);
		assert.equal(res.json.region, TOWN1);
		checkOverview(res.json, cases(`scope_key LIKE '${TOWN1.slice(0, 9)}%'`));
		assertProblem(await who.town1.get(`${S}/overview?region=${COUNTY}`), 404, 'not-found');
		assertProblem(await who.town1.get(`${S}/overview?region=${TOWN2}`), 404, 'not-found');
		assertProblem(await who.town1.get(`${S}/rates?region=${TOWN2}`), 404, 'not-found');
		assertProblem(await who.town1.get(`${S}/trend?region=${TOWN2}`), 404, 'not-found');
		const v = await who.town1.get(`${S}/overview?region=${VILLAGE1}`);
		assertStatus(v, 200);
		checkOverview(v.json, cases(`scope_key LIKE '${VILLAGE1}%'`));
	});

	it('a department sees only its own cases', async () => {
		const res = await who.police1.get(`${S}/overview`);
		assertStatus(res, 200);
		checkOverview(res.json, cases(`department = '${POLICE}'`));
		assert.ok(res.json.total >= 3);
		const justice = await who.justice1.get(`${S}/overview`);
		assertStatus(justice, 200);
		assert.equal(justice.json.total, 0);
		const d = (await who.police1.get(`${S}/rates?group_by=department&from=${TODAY}&to=${LATER}`)).json.items;
		assert.deepEqual(d.map((i) => i.key), [POLICE]);
	});

	it('a grid worker sees only their grid', async () => {
		const res = await who.worker1.get(`${S}/overview`);
		assertStatus(res, 200);
		assert.equal(res.json.region, GRID1);
		checkOverview(res.json, cases(`scope_key = '${GRID1}'`));
		assertProblem(await who.worker1.get(`${S}/overview?region=${VILLAGE1}`), 404, 'not-found');
		assertProblem(await who.worker2.get(`${S}/overview?region=${GRID1}`), 404, 'not-found');
		const r = (await who.worker1.get(`${S}/rates`)).json.items;
		assert.deepEqual(r.map((i) => i.key), [GRID1]);
	});

	it('a leader of the county sees the county; admin roles are refused', async () => {
		assertStatus(await who.leader.get(`${S}/overview`), 200);
		for (const u of ['auditor', 'sysadmin']) {
			for (const p of ['overview', 'trend', 'rates']) assertProblem(await who[u].get(`${S}/${p}`), 403, 'forbidden');
		}
	});
});

describe('bad parameters', () => {
	for (const [query, field] of [
		['from=2026-13-01', 'from'],
		['from=2026-02-30', 'from'],
		['to=yesterday', 'to'],
		['from=2026-11-10&to=2026-11-01', 'to'],
		['from=2000-01-01&to=2026-01-01', 'to'],
		['region=abc', 'region'],
		['region=61032600000', 'region'],
	]) {
		it(`${query} is 422 naming ${field}`, async () => {
			assertFieldError(await who.county.get(`${S}/overview?${query}`), 422, 'validation', field);
		});
	}
	it('unknown bucket and group_by are 422', async () => {
		assertFieldError(await who.county.get(`${S}/trend?bucket=year`), 422, 'validation', 'bucket');
		assertFieldError(await who.county.get(`${S}/rates?group_by=town`), 422, 'validation', 'group_by');
	});
	it('a region code that does not exist is 404', async () => {
		assertProblem(await who.county.get(`${S}/overview?region=610326999000`), 404, 'not-found');
	});
});
