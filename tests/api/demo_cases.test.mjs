// `wangge demo --cases=N`: a year of cases made through the case engine.
// Read back through the API as the county centre: every state of
// flows/event.json has cases, some are overdue, supervised and escalated,
// every timeline starts with the report and ends in the case's state, a
// merged case names its master, and the audit chain holds. Bad --cases
// values are refused before anything is written, and a second run leaves
// the cases as they are.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertStatus, login } from './lib/http.mjs';
import { allItems } from './lib/basedata.mjs';
import { PASSWORD, ROOT, startServer } from './lib/server.mjs';

const CASES = 600;
const C = '/api/v1/cases';
const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'event.json'), 'utf8'));
const STATES = Object.keys(flow.states);

let srv;
let county;
let all;

before(async () => {
	srv = await startServer({ demoArgs: [`--cases=${CASES}`] });
	county = as(srv, await login(srv, 'county'));
	// The events: --cases also makes disputes and petitions (tests/api/demo_disputes.test.mjs).
	all = await allItems(county, `${C}?limit=200&kind=event`);
});
after(async () => {
	await srv?.stop();
});

async function timeline(id) {
	const res = await county.get(`${C}/${id}/timeline`);
	assertStatus(res, 200);
	return res.json.items;
}

describe('demo cases', () => {
	it('reports the number asked for, over the past year', () => {
		assert.equal(all.length, CASES);
		const now = Date.now();
		for (const c of all) {
			const t = Date.parse(c.reported_at);
			assert.ok(t <= now && t > now - 367 * 86400000, `reported_at of ${c.number}: ${c.reported_at}`);
		}
		const months = new Set(all.map((c) => c.reported_at.slice(0, 7)));
		assert.ok(months.size >= 12, `reports fall in ${months.size} months`);
	});

	it('has cases in every state of the event flow', async () => {
		for (const state of STATES) {
			const res = await county.get(`${C}?state=${state}&limit=1&total=true`);
			assertStatus(res, 200);
			assert.ok(res.json.total > 0, `no case in state ${state}`);
		}
	});

	it('spreads over sources, categories, grids and departments', () => {
		const count = (f) => new Set(all.map(f).filter((v) => v)).size;
		assert.equal(count((c) => c.source), 6, 'all six sources');
		assert.ok(count((c) => c.category) >= 40, `categories: ${count((c) => c.category)}`);
		assert.ok(count((c) => c.grid) >= 300, `grids: ${count((c) => c.grid)}`);
		assert.ok(count((c) => c.department) >= 50, `departments: ${count((c) => c.department)}`);
		assert.ok(all.some((c) => c.self_resolved), 'a self-resolved case');
		assert.ok(all.some((c) => c.tracking_code), 'a citizen report');
	});

	it('has overdue, supervised and escalated cases', async () => {
		const overdue = await county.get(`${C}?overdue=true&limit=1&total=true`);
		assertStatus(overdue, 200);
		assert.ok(overdue.json.total > 0, 'no overdue case');
		assert.ok(all.some((c) => c.overdue && !c.terminal), 'an open overdue case');
		const supervised = all.filter((c) => c.supervision === 'yellow' || c.supervision === 'red');
		assert.ok(supervised.length > 0, 'no case under supervision');
		assert.ok(supervised.some((c) => c.supervision === 'red'), 'no red supervision');
		assert.ok(all.some((c) => c.counts.escalations > 0), 'no escalated case');
		for (const what of ['returns', 'extensions', 'reworks', 'reopens'])
			assert.ok(all.some((c) => c.counts[what] > 0), `no case with ${what}`);
		const rated = all.filter((c) => c.satisfaction !== null);
		assert.ok(rated.length > CASES / 2, `rated: ${rated.length}`);
		assert.ok(rated.filter((c) => c.satisfaction >= 4).length > rated.length * 0.7, 'mostly satisfied');
	});

	it('gives every case a true timeline: the report first, its state last', async () => {
		const sample = [];
		for (const state of STATES) sample.push(...all.filter((c) => c.state === state).slice(0, 2));
		sample.push(...all.filter((c) => c.counts.escalations > 0).slice(0, 2));
		for (const c of sample) {
			const items = await timeline(c.id);
			assert.ok(items.length > 0, `empty timeline of ${c.number}`);
			assert.equal(items[0].action, 'report', `first event of ${c.number}`);
			assert.equal(items[0].at, c.reported_at, `report time of ${c.number}`);
			for (let i = 1; i < items.length; i++)
				assert.ok(Date.parse(items[i].at) >= Date.parse(items[i - 1].at), `events of ${c.number} in time order`);
			const last = items.filter((e) => e.to_state).at(-1);
			assert.equal(last.to_state, c.state, `last state change of ${c.number}`);
		}
		const escalated = all.find((c) => c.counts.escalations > 0);
		const items = await timeline(escalated.id);
		assert.ok(items.some((e) => e.action === 'escalate'), `escalation of ${escalated.number} on its timeline`);
	});

	it('merges a duplicate into its master', async () => {
		const merged = all.filter((c) => c.state === 'merged');
		assert.ok(merged.length > 0);
		for (const c of merged) {
			assert.equal(typeof c.master, 'number', `master of ${c.number}`);
			const m = all.find((x) => x.id === c.master);
			assert.ok(m, `master ${c.master} of ${c.number} is a case`);
			assert.ok(!['merged', 'rejected'].includes(m.state), `master state ${m.state}`);
			assert.equal(m.category, c.category);
			assert.equal(m.grid, c.grid);
		}
	});

	// The list query holds only the filters given (src/domain/case.c): each
	// filter, alone and combined, as a county, a town and a department sees
	// it, must give exactly the cases the full list says, page after page,
	// with the total when asked for.
	it('lists exactly the matching cases for every filter, scope and page', async () => {
		const town = as(srv, await login(srv, 'town1'));
		const police = as(srv, await login(srv, 'police1'));
		const policeIds = new Set(
			srv.sql("SELECT DISTINCT case_id FROM case_departments WHERE department = '610326-police'").map((r) => Number(r[0])),
		);
		const key = (c) => c.grid || c.region;
		const sample = all.find((c) => c.state === 'handling') || all[0];
		const word = [...sample.title].slice(0, 2).join('');
		const mid = all[Math.floor(all.length / 2)].reported_at;
		const filters = [
			['', () => true],
			[`state=handling`, (c) => c.state === 'handling'],
			[`category=${sample.category}`, (c) => c.category === sample.category],
			[`source=citizen`, (c) => c.source === 'citizen'],
			[`overdue=true`, (c) => c.overdue],
			[`overdue=false`, (c) => !c.overdue],
			[`region=610326001000`, (c) => key(c).startsWith('610326001')],
			[`grid=${sample.grid}`, (c) => key(c).startsWith(sample.grid)],
			[`department=610326-police`, (c) => c.department === '610326-police'],
			[`q=${encodeURIComponent(word)}`, (c) => c.title.includes(word) || c.number === word],
			[`from=${encodeURIComponent(mid)}`, (c) => Date.parse(c.reported_at) >= Date.parse(mid)],
			[`to=${encodeURIComponent(mid)}&source=grid`, (c) => Date.parse(c.reported_at) < Date.parse(mid) && c.source === 'grid'],
			[`state=closed&overdue=false`, (c) => c.state === 'closed' && !c.overdue],
		];
		const callers = [
			['county', county, () => true],
			['town1', town, (c) => key(c).startsWith('610326001')],
			['police1', police, (c) => policeIds.has(c.id)],
		];
		for (const [name, who, sees] of callers) {
			for (const [query, match] of filters) {
				const want = all.filter((c) => sees(c) && match(c)).map((c) => c.id);
				const path = query ? `${C}?limit=37&kind=event&${query}` : `${C}?limit=37&kind=event`;
				const first = await who.get(`${path}&total=true`);
				assertStatus(first, 200);
				assert.equal(first.json.total, want.length, `${name} ${query}: total`);
				const got = (await allItems(who, path)).map((c) => c.id);
				assert.deepEqual(got, want, `${name} ${query}: items`);
				if (first.json.next_cursor) {
					const second = await who.get(`${path}&total=true&cursor=${encodeURIComponent(first.json.next_cursor)}`);
					assert.equal(second.json.total, want.length, `${name} ${query}: total on a later page`);
				}
			}
		}
	});

	it('keeps the audit chain intact', async () => {
		const auditor = as(srv, await login(srv, 'auditor'));
		const res = await auditor.get('/api/v1/audit/verify');
		assertStatus(res, 200);
		assert.equal(res.json.intact, true, `audit chain:\n${res}`);
		assert.ok(res.json.rows > CASES * 5, `audit rows: ${res.json.rows}`);
	});

	it('refuses a bad --cases before writing anything', () => {
		for (const bad of ['abc', '-1', '12x', '', `${1000001}`]) {
			const r = srv.cli(['demo', `--cases=${bad}`, `--password=${PASSWORD}`, '--quiet']);
			assert.notEqual(r.code, 0, `--cases=${bad} was taken:\n${r.stdout}${r.stderr}`);
			assert.match(r.stderr, /--cases must be a whole number from 0 to 1000000/);
		}
	});

	it('leaves existing cases as they are on a second run', () => {
		const r = srv.cli(['demo', '--cases=50', '--residents=0', `--password=${PASSWORD}`, '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`cases: ${CASES} exist, left as they are`));
		assert.equal(Number(srv.sql("SELECT count(*) FROM cases WHERE kind = 'event'")[0][0]), CASES);
	});
});
