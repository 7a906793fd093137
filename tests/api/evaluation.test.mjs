// Evaluation (考核, /api/v1/evaluation): the figures of each subject equal
// what /stats/rates gives the county for the same period; each caller sees
// only their scope (a town its own town, grid workers and departments, a
// department only itself); publishing freezes the period, so that a case
// closed late within it (the testing clock set back) moves the live
// figures and not the published snapshot; a second publish is 409, a
// period not ended 409, a bad period or subject 422 naming the field; a
// bad evaluation file stops the server. A month with publish_after_days is
// published by the system on that day, every subject once. And `wangge
// stats rebuild` gives the rollups the engine kept, and the same figures.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { auditRows, ensureGrids } from './lib/basedata.mjs';
import { COUNTY, GRID1, TOWN1, TOWN2, VILLAGE1, startServer } from './lib/server.mjs';

const C = '/api/v1/cases';
const E = '/api/v1/evaluation';
const S = '/api/v1/stats';
const POLICE = '610326-police';
const OCT = 'from=2026-10-01&to=2026-10-31';

// Every rate counts from a denominator of 1, so that a handful of cases
// gives ranks.
const FILE = {
	scale: 100,
	no_data: 'reweight',
	periods: {
		month: { label: '月评比', use: 'ranking' },
		quarter: { label: '季考评', use: 'score' },
		year: { label: '年考核', use: 'score' },
	},
	grades: [{ label: '优秀', min: 90 }, { label: '合格', min: 60 }, { label: '不合格', min: 0 }],
	subjects: {
		town: { label: '乡镇', rates: { closure: { weight: 50, better: 'higher' }, rework: { weight: 50, better: 'lower' } } },
		department: { label: '部门', rates: { on_time: { weight: 60, better: 'higher' }, return: { weight: 40, better: 'lower' } } },
		grid_worker: { label: '网格员', rates: { valid_report: { weight: 60, better: 'higher' }, closure: { weight: 40, better: 'higher' } } },
	},
};

let srv;
let dir;
const who = {};
const USERS = ['worker1', 'village1', 'town1', 'town2', 'county', 'police1', 'justice1', 'leader', 'auditor', 'sysadmin'];

/** Set the server's clock and sign everyone in again at that time. */
async function clock(now) {
	const res = await as(srv, await login(srv, 'county')).put('/api/v1/testing/clock', { now });
	assertStatus(res, 200);
	for (const u of USERS) who[u] = as(srv, await login(srv, u));
}

async function act(u, c, action, fields = {}) {
	const res = await who[u].post(`${C}/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });
	assertStatus(res, 200);
	return res.json;
}

async function steps(c, list) {
	for (const [u, action, fields] of list) c = await act(u, c, action, fields);
	return c;
}

async function report(u, extra) {
	const res = await who[u].post(C, { category: '0801', description: '小区门口有人聚集赌博，影响治安', ...extra });
	assertStatus(res, 201);
	return res.json;
}

const TO_POLICE = (centre) => [
	[centre, 'accept', {}],
	[centre, 'assess', { level: 'county' }],
	['county', 'dispatch', {}],
	['police1', 'acknowledge', {}],
];
const TO_CLOSED = [
	['police1', 'feedback', { result: '已依法处理' }],
	['county', 'verify', {}],
	['county', 'close', {}],
];

async function evaluation(u, query) {
	const res = await who[u].get(`${E}?${query}`);
	assertStatus(res, 200);
	return res.json;
}

const byKey = (items) => Object.fromEntries(items.map((i) => [i.key, i]));

/** The evaluation's rates equal those of /stats/rates for every group. */
async function sameAsStats(subject, groupBy, period = '2026-10', range = OCT) {
	const ev = await evaluation('county', `period=${period}&subject=${subject}`);
	const st = await who.county.get(`${S}/rates?group_by=${groupBy}&${range}`);
	assertStatus(st, 200);
	const items = byKey(ev.items);
	let compared = 0;
	for (const g of st.json.items) {
		if (subject === 'town' && g.key === COUNTY) continue; // the county's own cases: no town
		const it = items[g.key];
		assert.ok(it, `${subject} ${g.key} is evaluated`);
		for (const [rate, v] of Object.entries(g.rates)) {
			assert.equal(it.rates[rate].numerator, v.numerator, `${subject} ${g.key} ${rate} numerator`);
			assert.equal(it.rates[rate].denominator, v.denominator, `${subject} ${g.key} ${rate} denominator`);
			assert.equal(it.rates[rate].percent, v.percent, `${subject} ${g.key} ${rate} percent`);
		}
		compared++;
	}
	assert.ok(compared > 0, `${subject}: some group compared`);
	return ev;
}

/** A score from the file's weights and an item's rates, as docs/statistics.md writes it. */
function expectedScore(subject, it) {
	const rules = FILE.subjects[subject].rates;
	let sum = 0;
	let weights = 0;
	for (const [rate, rule] of Object.entries(rules)) {
		const { numerator: n, denominator: d } = it.rates[rate];
		if (d < 1) continue;
		sum += rule.weight * (rule.better === 'lower' ? (d - n) / d : n / d);
		weights += rule.weight;
	}
	return weights ? Math.round((sum * FILE.scale * 100) / weights) / 100 : null;
}

let case2;

before(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-evaluation-'));
	fs.writeFileSync(path.join(dir, 'evaluation.json'), JSON.stringify(FILE));
	srv = await startServer({ extraArgs: ['--testing.clock=true', `--evaluation.file=${path.join(dir, 'evaluation.json')}`] });
	ensureGrids(srv);
	// Monday 12 October 2026, office hours.
	await clock('2026-10-12T10:00:00+08:00');
	// 1: worker1's report, the whole loop, rated 5.
	let c = await report('worker1', { grid: GRID1 });
	await steps(c, [...TO_POLICE('village1'), ...TO_CLOSED, ['county', 'callback', { satisfaction: 5 }]]);
	// 2: worker1's report, with the police and due in October, still open.
	case2 = await steps(await report('worker1', { grid: GRID1 }), TO_POLICE('village1'));
	// 3: worker1's report, rejected.
	c = await report('worker1', { grid: GRID1 });
	await act('village1', c, 'reject', { reason: '重复上报' });
	// 4: town 2's window report at the town, closed with a rework.
	c = await report('town2', { region: TOWN2, source: 'window' });
	await steps(c, [
		...TO_POLICE('town2'),
		['police1', 'feedback', { result: '已处理' }],
		['county', 'rework', { reason: '未处理到位' }],
		...TO_CLOSED,
		['county', 'callback', { satisfaction: 4 }],
	]);
	// November: October has ended.
	await clock('2026-11-03T10:00:00+08:00');
});

after(async () => {
	await srv?.stop();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('live figures', () => {
	it('towns, departments and grid workers: the rates of /stats/rates, scored and ranked', async () => {
		const towns = await sameAsStats('town', 'region');
		assert.equal(towns.published, false);
		assert.equal(towns.published_at, null);
		assert.equal(towns.kind, 'month');
		assert.equal(towns.use, 'ranking');
		assert.equal(towns.label, '月评比');
		assert.equal(towns.region, COUNTY);
		assert.equal(towns.from, '2026-10-01');
		assert.equal(towns.to, '2026-10-31');
		assert.equal(towns.scale, 100);
		const t = byKey(towns.items);
		// Town 1: closure 1/2, rework 0/1 (75); town 2: closure 1/1, rework 1/1 (50).
		assert.deepEqual([t[TOWN1].rates.closure.numerator, t[TOWN1].rates.closure.denominator], [1, 2]);
		assert.equal(t[TOWN1].score, 75);
		assert.equal(t[TOWN2].score, 50);
		assert.deepEqual([t[TOWN1].rank, t[TOWN2].rank], [1, 2]);
		assert.equal(towns.ranked, 2);
		assert.equal(t[TOWN1].grade, null, 'a month is a ranking, without grades');
		assert.equal(t[TOWN1].rates.closure.weight, 50);
		assert.equal(t[TOWN1].rates.closure.points, 25);
		assert.equal(t[TOWN1].rates.satisfaction.weight, 0);
		assert.equal(t[TOWN1].rates.satisfaction.points, null);
		// Every town of the county is listed; those without cases unranked, after the ranked.
		assert.ok(towns.items.length >= 10);
		const unranked = towns.items.filter((i) => i.rank === null);
		assert.equal(unranked.length, towns.items.length - 2);
		assert.ok(unranked.every((i) => i.score === null));
		assert.deepEqual(towns.items.slice(0, 2).map((i) => i.key), [TOWN1, TOWN2]);
		for (const it of towns.items) assert.equal(it.score, expectedScore('town', it), it.key);

		const depts = await sameAsStats('department', 'department');
		const police = byKey(depts.items)[POLICE];
		assert.equal(police.rank, 1);
		assert.equal(police.score, expectedScore('department', police));
		assert.equal(depts.ranked, 1);
		assert.ok(byKey(depts.items)['610326-justice'], 'departments without cases are listed');

		const workers = await sameAsStats('grid_worker', 'grid_worker');
		const w1 = byKey(workers.items).worker1;
		assert.deepEqual([w1.rates.valid_report.numerator, w1.rates.valid_report.denominator], [2, 3]);
		assert.equal(w1.score, expectedScore('grid_worker', w1));
		assert.equal(w1.rank, 1);
		assert.ok(byKey(workers.items).worker2, 'grid workers without reports are listed');
		assert.equal(byKey(workers.items).worker2.rank, null);
	});

	it('a quarter and a year are scored with grades', async () => {
		const q = await sameAsStats('town', 'region', '2026-Q4', 'from=2026-10-01&to=2026-12-31');
		assert.equal(q.use, 'score');
		assert.equal(q.label, '季考评');
		const t = byKey(q.items);
		assert.equal(t[TOWN1].grade, '合格');
		assert.equal(t[TOWN2].grade, '不合格');
		const y = await evaluation('county', 'period=2026&subject=town');
		assert.equal(y.from, '2026-01-01');
		assert.equal(y.to, '2026-12-31');
		assert.equal(y.kind, 'year');
	});

	it('an empty period lists everyone and ranks nobody', async () => {
		const e = await evaluation('county', 'period=2025-10&subject=town');
		assert.equal(e.ranked, 0);
		assert.ok(e.items.length >= 10);
		assert.ok(e.items.every((i) => i.rank === null && i.score === null));
	});
});

describe('scope', () => {
	it('a town sees itself among the towns, its grid workers and its departments', async () => {
		const towns = await evaluation('town1', 'period=2026-10&subject=town');
		assert.deepEqual(towns.items.map((i) => i.key), [TOWN1]);
		assert.equal(towns.items[0].rank, 1);
		assert.equal(towns.ranked, 2, 'ranks are the county’s');
		assert.equal(towns.region, COUNTY);
		const workers = await evaluation('town1', 'period=2026-10&subject=grid_worker');
		const mine = srv
			.sql(`SELECT username FROM users WHERE scope_key LIKE '${TOWN1.slice(0, 9)}%' AND active = 1 AND (roles & 1) <> 0`)
			.map((r) => r[0])
			.sort();
		assert.deepEqual(workers.items.map((i) => i.key).sort(), mine);
		assert.ok(mine.includes('worker1') && !mine.includes('worker2'));
		const depts = await evaluation('town1', 'period=2026-10&subject=department');
		assert.ok(depts.items.length > 0);
		assert.ok(depts.items.every((i) => i.key.startsWith(`${TOWN1.slice(0, 9)}-`)), 'its own town’s departments');
		const other = await evaluation('town2', 'period=2026-10&subject=town');
		assert.deepEqual(other.items.map((i) => i.key), [TOWN2]);
	});

	it('a department sees only itself; a grid worker their grid; the admin roles nothing', async () => {
		const own = await evaluation('police1', 'period=2026-10&subject=department');
		assert.deepEqual(own.items.map((i) => i.key), [POLICE]);
		assert.equal((await evaluation('police1', 'period=2026-10&subject=town')).items.length, 0);
		assert.equal((await evaluation('police1', 'period=2026-10&subject=grid_worker')).items.length, 0);
		const justice = await evaluation('justice1', 'period=2026-10&subject=department');
		assert.deepEqual(justice.items.map((i) => i.key), ['610326-justice']);
		assert.equal(justice.items[0].rank, null);
		assert.equal((await evaluation('worker1', 'period=2026-10&subject=town')).items.length, 0);
		const w = await evaluation('worker1', 'period=2026-10&subject=grid_worker');
		assert.ok(w.items.some((i) => i.key === 'worker1'));
		assert.ok(!w.items.some((i) => i.key === 'worker2'));
		for (const u of ['auditor', 'sysadmin']) {
			assertProblem(await who[u].get(`${E}?period=2026-10&subject=town`), 403, 'forbidden');
			assertProblem(await who[u].get(`${E}/periods`), 403, 'forbidden');
		}
	});

	it('another county is 404; a region that is no county 422', async () => {
		assertProblem(await who.town1.get(`${E}?period=2026-10&subject=town&region=610327000000`), 404, 'not-found');
		assertFieldError(await who.county.get(`${E}?period=2026-10&subject=town&region=${TOWN1}`), 422, 'validation', 'region', 'pattern');
		const named = await evaluation('town1', `period=2026-10&subject=town&region=${COUNTY}`);
		assert.deepEqual(named.items.map((i) => i.key), [TOWN1]);
	});
});

describe('publishing', () => {
	let frozen;

	it('only the county publishes, and only a period that has ended', async () => {
		for (const u of ['town1', 'village1', 'worker1', 'police1', 'auditor']) {
			assertProblem(await who[u].post(`${E}/2026-10/publish?subject=town`, undefined), 403, 'forbidden');
		}
		const b = assertProblem(await who.county.post(`${E}/2026-11/publish?subject=town`, undefined), 409, 'conflict');
		assert.match(b.detail, /has not ended/);
		assertFieldError(await who.county.post(`${E}/2026-13/publish?subject=town`, undefined), 422, 'validation', 'period', 'pattern');
		assertFieldError(await who.county.post(`${E}/2026-10/publish`, undefined), 422, 'validation', 'subject', 'required');
		assert.equal((await evaluation('county', 'period=2026-10&subject=town')).published, false);
	});

	it('publishes once, audited; the snapshot is what GET answers', async () => {
		const live = await sameAsStats('town', 'region');
		const res = await who.county.post(`${E}/2026-10/publish?subject=town`, undefined);
		assertStatus(res, 201);
		assert.equal(res.header('location'), `${E}?period=2026-10&subject=town&region=${COUNTY}`);
		assert.equal(res.json.published, true);
		assert.equal(res.json.published_by, 'county');
		assert.equal(res.json.published_at, '2026-11-03T10:00:00+08:00');
		assert.deepEqual(res.json.items, live.items);
		frozen = await evaluation('county', 'period=2026-10&subject=town');
		assert.equal(frozen.published, true);
		assert.deepEqual(frozen.items, live.items);
		const again = assertProblem(await who.county.post(`${E}/2026-10/publish?subject=town`, undefined), 409, 'conflict');
		assert.match(again.detail, /already published/);
		// A leader of the county may publish too.
		assertStatus(await who.leader.post(`${E}/2026-10/publish?subject=grid_worker`, undefined), 201);
		const rows = await auditRows(who.auditor, 'evaluation.publish');
		assert.equal(rows.length, 2);
		const town = rows.find((r) => r.object_id === `${COUNTY}/town/2026-10`);
		assert.ok(town, JSON.stringify(rows));
		assert.equal(town.actor_name, 'county');
	});

	it('a case closed late within the period moves the live figures, not the snapshot', async () => {
		const before_ = (await who.county.get(`${S}/rates?group_by=region&${OCT}`)).json.items.find((i) => i.key === TOWN1);
		// Back to 30 October: case 2 is fed back and closed, within October.
		await clock('2026-10-30T15:00:00+08:00');
		const c = (await who.county.get(`${C}/${case2.id}`)).json;
		await steps(c, TO_CLOSED);
		await clock('2026-11-04T10:00:00+08:00');
		const after_ = (await who.county.get(`${S}/rates?group_by=region&${OCT}`)).json.items.find((i) => i.key === TOWN1);
		assert.deepEqual([before_.rates.closure.numerator, after_.rates.closure.numerator], [1, 2], 'the live closure moved');
		// The published towns stay as they were, for everyone.
		const now = await evaluation('county', 'period=2026-10&subject=town');
		assert.equal(now.published, true);
		assert.deepEqual(now.items, frozen.items);
		assert.equal(byKey(now.items)[TOWN1].rates.closure.numerator, 1);
		const t1 = await evaluation('town1', 'period=2026-10&subject=town');
		assert.deepEqual(t1.items, frozen.items.filter((i) => i.key === TOWN1));
		// What is not published is live: the departments of October, the towns of the quarter.
		const depts = await sameAsStats('department', 'department');
		assert.equal(depts.published, false);
		const q = await sameAsStats('town', 'region', '2026-Q4', 'from=2026-10-01&to=2026-12-31');
		assert.equal(byKey(q.items)[TOWN1].rates.closure.numerator, 2);
		assert.equal(byKey(q.items)[TOWN1].score, 100);
	});

	it('lists the published snapshots in scope, newest first', async () => {
		const res = await who.town1.get(`${E}/periods`);
		assertStatus(res, 200);
		assert.deepEqual(res.json.items.map((i) => [i.period, i.subject]), [['2026-10', 'grid_worker'], ['2026-10', 'town']]);
		const town = res.json.items[1];
		assert.equal(town.region, COUNTY);
		assert.equal(town.kind, 'month');
		assert.equal(town.from, '2026-10-01');
		assert.equal(town.to, '2026-10-31');
		assert.equal(town.published_by, 'county');
		assert.equal(town.ranked, 2);
		assert.ok(town.rows >= 10);
		assert.equal(res.json.next_cursor, null);
		const one = await who.county.get(`${E}/periods?limit=1`);
		assert.equal(one.json.items.length, 1);
		assert.equal(one.json.items[0].subject, 'grid_worker');
		const next = await who.county.get(`${E}/periods?limit=1&cursor=${encodeURIComponent(one.json.next_cursor)}`);
		assert.deepEqual(next.json.items.map((i) => i.subject), ['town']);
		assert.deepEqual((await who.county.get(`${E}/periods?subject=town`)).json.items.map((i) => i.subject), ['town']);
		assert.deepEqual((await who.county.get(`${E}/periods?kind=quarter`)).json.items, []);
		assertFieldError(await who.county.get(`${E}/periods?kind=week`), 422, 'validation', 'kind', 'unknown');
		assertFieldError(await who.county.get(`${E}/periods?subject=village`), 422, 'validation', 'subject', 'unknown');
		assertProblem(await who.county.get(`${E}/periods?region=610327000000`), 404, 'not-found');
	});
});

describe('bad input', () => {
	it('422 names the period or the subject', async () => {
		for (const [query, field, code] of [
			['subject=town', 'period', 'required'],
			['period=2026-13&subject=town', 'period', 'pattern'],
			['period=2026-Q5&subject=town', 'period', 'pattern'],
			['period=26-10&subject=town', 'period', 'pattern'],
			['period=2026-10-01&subject=town', 'period', 'pattern'],
			['period=2026-10', 'subject', 'required'],
			['period=2026-10&subject=village', 'subject', 'unknown'],
		]) {
			assertFieldError(await who.county.get(`${E}?${query}`), 422, 'validation', field, code);
		}
	});

	it('a bad evaluation file stops the server, naming the file, the path and the reason', async () => {
		const bad = path.join(dir, 'bad.json');
		const broken = structuredClone(FILE);
		broken.subjects.town.rates.closure.weight = 40;
		fs.writeFileSync(bad, JSON.stringify(broken));
		const r = srv.cli(['serve', `--evaluation.file=${bad}`, '--http.port=0']);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, new RegExp(`${bad}: subjects\\.town\\.rates: the weights add up to 90, not the scale 100`));
		const missing = srv.cli(['serve', `--evaluation.file=${path.join(dir, 'none.json')}`, '--http.port=0']);
		assert.equal(missing.code, 1);
		assert.match(missing.stderr, /none\.json: No such file/);
	});
});

describe('wangge stats rebuild', () => {
	it('recomputes the rollups the engine kept, and says how many', async () => {
		const q = 'SELECT day, scope_key, kind, category, source, department, reporter, reported, accepted, closed, ' +
			'closed_on_time, rated, satisfied, reworked, returned, handled, handling_minutes, due, due_closed ' +
			'FROM stats_day WHERE reported <> 0 OR closed <> 0 OR due <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7';
		const kept = srv.sql(q);
		// The county's figures come from the cube, which the rebuild folds again.
		const overview = (await who.county.get(`${S}/overview?${OCT}`)).json;
		const rates = (await who.county.get(`${S}/rates?${OCT}&group_by=department`)).json;
		const r = srv.cli(['stats', 'rebuild']);
		assert.equal(r.code, 0, r.stderr);
		const cases = Number(srv.sql('SELECT count(*) FROM cases')[0][0]);
		assert.match(r.stdout, new RegExp(`^cases: ${cases}\\n`));
		assert.match(r.stdout, /stats_day rows: \d+\n/);
		assert.match(r.stdout, new RegExp(`reported in the rollups: ${cases}\\n`));
		assert.match(r.stdout, /stats_cube rows: [1-9]\d*\n/);
		assert.equal(Number(srv.sql('SELECT count(*) FROM stats_pending')[0][0]), 0);
		assert.match(r.stderr, /stats rebuild: /);
		assert.deepEqual(srv.sql(q), kept);
		assert.deepEqual((await who.county.get(`${S}/overview?${OCT}`)).json, overview);
		assert.deepEqual((await who.county.get(`${S}/rates?${OCT}&group_by=department`)).json, rates);
		assert.equal((await auditRows(who.auditor, 'stats.rebuild')).length, 1);
		assert.equal(srv.cli(['stats', 'rebuilt']).code, 1);
	});
});

describe('publishing by the system', () => {
	let auto;
	let autoDir;
	before(async () => {
		autoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-evaluation-auto-'));
		const file = structuredClone(FILE);
		file.periods.month.publish_after_days = 5;
		fs.writeFileSync(path.join(autoDir, 'evaluation.json'), JSON.stringify(file));
		auto = await startServer({
			extraArgs: ['--testing.clock=true', `--evaluation.file=${path.join(autoDir, 'evaluation.json')}`],
		});
	});
	after(async () => {
		await auto?.stop();
		if (autoDir) fs.rmSync(autoDir, { recursive: true, force: true });
	});

	async function snapshots(at) {
		const county = as(auto, await login(auto, 'county'));
		assertStatus(await county.put('/api/v1/testing/clock', { now: at }), 200);
		const res = await as(auto, await login(auto, 'county')).get(`${E}/periods`);
		assertStatus(res, 200);
		return res.json.items;
	}

	it('publishes every subject of the month publish_after_days after it ends, once', async () => {
		// The server started on the real date and may have published the
		// month before it already; look at next month, published on the
		// 5th of the month after (within the passwords' life).
		const pad = (n) => String(n).padStart(2, '0');
		const today = new Date();
		const next = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1));
		const day5 = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 2, 5));
		const month = `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}`;
		const on = (d, t) => `${day5.getUTCFullYear()}-${pad(day5.getUTCMonth() + 1)}-${pad(d)}T${t}:00+08:00`;
		const of = (items) => items.filter((i) => i.period === month);
		assert.deepEqual(of(await snapshots(on(4, '23:50'))), []);
		let items = of(await snapshots(on(5, '00:10')));
		for (let i = 0; i < 100 && items.length < 3; i++) {
			await new Promise((r) => setTimeout(r, 100));
			items = of(await snapshots(on(5, '00:10')));
		}
		assert.deepEqual(items.map((i) => i.subject).sort(), ['department', 'grid_worker', 'town']);
		for (const i of items) assert.equal(i.published_by, 'system');
		const auditor = as(auto, await login(auto, 'auditor'));
		const published = (await auditRows(auditor, 'evaluation.publish')).filter((r) => r.object_id.endsWith(`/${month}`));
		assert.equal(published.length, 3);
		// Once: a later look publishes nothing more of it; and the quarter,
		// without publish_after_days, waits for the county.
		await new Promise((r) => setTimeout(r, 300));
		const later = await snapshots(on(6, '10:00'));
		assert.equal(of(later).length, 3);
		assert.equal(later.filter((i) => i.kind === 'quarter').length, 0);
	});
});
