// `wangge demo --cases=N` also makes a year of disputes (about 3 per 100
// cases) and petitions (0.7 per 100) through the case engine. Read back
// through the API as the county centre: every state of flows/dispute.json
// has disputes, the statistics feed resolves more than 90% of those found,
// each dispute reads with its parties, mediation, sessions and agreement,
// every timeline is complete from the report to the case's state,
// repeated petitions are linked, the people in charge and the mediators
// with accounts find theirs, and a second run adds nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { as, assertStatus, login } from './lib/http.mjs';
import { allItems } from './lib/basedata.mjs';
import { BIN, PASSWORD, ROOT, startServer } from './lib/server.mjs';

const CASES = 3000;
const DISPUTES = 90; // 3 per 100 cases
const PETITIONS = 21; // 0.7 per 100 cases
const C = '/api/v1/cases';
const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'dispute.json'), 'utf8'));
const STATES = Object.keys(flow.states);

let srv;
let county;
let disputes;
let petitions;
let printed; // what the demo printed

before(async () => {
	// startServer runs each command for a minute at most; a year of 3,000
	// cases takes longer on PostgreSQL under the sanitizers. So the demo
	// runs here, alone as before `wangge serve`, with the server stopped.
	srv = await startServer();
	await srv.kill9();
	const r = spawnSync(
		BIN,
		[
			'demo',
			`--cases=${CASES}`,
			'--residents=0',
			`--password=${PASSWORD}`,
			'--quiet',
			`--db.url=${srv.dbUrl}`,
			`--data.dir=${path.join(ROOT, 'data')}`,
			`--security.key_file=${path.join(srv.dir, 'wangge.key')}`,
			`--attachments.dir=${path.join(srv.dir, 'attachments')}`,
		],
		{ cwd: ROOT, encoding: 'utf8', timeout: 30 * 60000 },
	);
	assert.equal(r.status, 0, `wangge demo --cases=${CASES}: ${r.error || ''}\n${r.stderr}`);
	printed = r.stdout;
	await srv.restart();
	county = as(srv, await login(srv, 'county'));
	disputes = await allItems(county, `${C}?kind=dispute&limit=200`);
	petitions = await allItems(county, `${C}?kind=petition&limit=200`);
});
after(async () => {
	await srv?.stop();
});

async function timeline(id) {
	const res = await county.get(`${C}/${id}/timeline`);
	assertStatus(res, 200);
	return res.json.items;
}

async function read(id) {
	const res = await county.get(`${C}/${id}`);
	assertStatus(res, 200);
	return res.json;
}

/** Whether the actions of want come in this order among those of items. */
function inOrder(items, want) {
	let k = 0;
	for (const e of items) if (k < want.length && e.action === want[k]) k++;
	return k === want.length;
}

/** The local date (Asia/Shanghai) days from now, YYYY-MM-DD. */
const localDay = (days) => new Date(Date.now() + 8 * 3600000 + days * 86400000).toISOString().slice(0, 10);

function checkTimeline(c, items) {
	assert.ok(items.length >= 1, `timeline of ${c.number}`);
	assert.equal(items[0].action, 'report', `first event of ${c.number}`);
	assert.equal(items[0].at, c.reported_at, `report time of ${c.number}`);
	for (let i = 1; i < items.length; i++)
		assert.ok(Date.parse(items[i].at) >= Date.parse(items[i - 1].at), `events of ${c.number} in time order`);
	assert.ok(Date.parse(items.at(-1).at) <= Date.now(), `no event of ${c.number} in the future`);
	assert.equal(items.filter((e) => e.to_state).at(-1).to_state, c.state, `last state change of ${c.number}`);
}

describe('demo disputes and petitions', () => {
	it('registers about 3 disputes and 0.7 petitions per 100 cases over the past year', () => {
		assert.equal(disputes.length, DISPUTES);
		assert.equal(petitions.length, PETITIONS);
		assert.match(printed, new RegExp(`disputes: ${DISPUTES} registered from .* with ${PETITIONS} petitions`));
		assert.match(printed, /found \d+, resolved \d+ \(\d+\.\d%\)/);
		const now = Date.now();
		for (const c of [...disputes, ...petitions]) {
			const t = Date.parse(c.reported_at);
			assert.ok(t <= now && t > now - 367 * 86400000, `reported_at of ${c.number}: ${c.reported_at}`);
		}
		assert.ok(new Set(disputes.map((c) => c.reported_at.slice(0, 7))).size >= 10, 'disputes over the months');
		assert.ok(disputes.every((c) => /^JF\d{8}-\d{6}$/.test(c.number)));
		assert.ok(petitions.every((c) => /^XF\d{8}-\d{6}$/.test(c.number)));
		const sources = new Set(disputes.map((c) => c.source));
		assert.ok(sources.has('window') && sources.has('grid'), [...sources].join());
		assert.ok(disputes.filter((c) => c.source === 'window').length > DISPUTES / 3, 'mostly at the window');
		const majors = new Set(disputes.map((c) => c.category.slice(0, 2)));
		assert.ok(majors.size >= 7, `major categories: ${[...majors]}`);
		for (const m of ['11', '12']) assert.ok(majors.has(m), `no dispute of major ${m}`);
	});

	it('has disputes in every state of the dispute flow, and petitions along the event loop', async () => {
		for (const state of STATES) {
			const res = await county.get(`${C}?kind=dispute&state=${state}&limit=1&total=true`);
			assertStatus(res, 200);
			assert.ok(res.json.total > 0, `no dispute in state ${state}`);
		}
		const states = new Set(petitions.map((c) => c.state));
		assert.ok(states.has('archived'), 'petitions closed and called back');
		assert.ok([...states].filter((s) => !['archived', 'rejected'].includes(s)).length >= 3, [...states].join());
	});

	it('colours the risks mostly blue, some yellow, a few red', () => {
		const by = (r) => disputes.filter((c) => c.risk === r).length;
		assert.ok(by('blue') > by('yellow') && by('yellow') > by('red') && by('red') > 0,
			`blue ${by('blue')} yellow ${by('yellow')} red ${by('red')}`);
		assert.ok(by('blue') >= DISPUTES * 0.55, `blue ${by('blue')}`);
	});

	it('resolves more than 90% of the disputes found in the year (化解率)', async () => {
		const res = await county.get(`/api/v1/stats/disputes?from=${localDay(-366)}&to=${localDay(0)}&group_by=risk`);
		assertStatus(res, 200);
		const s = res.json;
		const found = disputes.filter((c) => c.accepted_at || c.counts.escalations > 0).length;
		assert.equal(s.found, found);
		assert.equal(s.resolution.denominator, s.found);
		assert.equal(s.resolution.numerator, s.resolved);
		assert.ok(s.resolution.percent > 90, JSON.stringify(s.resolution));
		assert.ok(s.resolution.percent < 100, 'some are still being mediated');
		assert.equal(s.items.reduce((n, x) => n + x.found, 0), s.found);
	});

	it('reads a resolved dispute with its parties, mediation, sessions and agreement', async () => {
		const done = disputes.filter((c) => c.state === 'archived').slice(0, 12);
		assert.ok(done.length >= 10);
		for (const x of done) {
			const c = await read(x.id);
			const d = c.dispute;
			assert.ok(d.parties.length >= 2 && d.parties.length <= 3, `parties of ${c.number}`);
			assert.ok(d.parties.some((p) => p.role === 'applicant') && d.parties.some((p) => p.role === 'respondent'));
			for (const p of d.parties) {
				assert.ok(p.name, `a party of ${c.number} without a name`);
				if (p.phone) assert.match(p.phone, /^(1\d{2}\*{4}\d{4}|0\d{3}\*+\d{2})$/);
				if (p.id_number) assert.match(p.id_number, /^\d{3}\*{11}[\dX]{4}$/);
			}
			assert.ok(d.subject_matter, `subject matter of ${c.number}`);
			assert.ok(d.mediation.body_name && d.mediation.mediator_name, `mediation of ${c.number}`);
			assert.ok(d.mediation.agreed_at && d.mediation.performed_at, `agreed and performed: ${c.number}`);
			assert.ok(d.sessions.length >= 1 && d.sessions.every((s) => s.minutes && s.held_at), `sessions of ${c.number}`);
			assert.ok(d.agreements.length >= 1 && d.agreements[0].terms, `agreement of ${c.number}`);
			assert.ok(['red', 'yellow', 'blue'].includes(c.risk) && c.tier, `risk and tier of ${c.number}`);
			assert.ok(c.satisfaction >= 1, `called back: ${c.number}`);
			if (c.category.startsWith('11')) assert.ok(d.family, `family level of ${c.number}`);
			else assert.equal(d.family, null);
			// Coordinates and credit codes may hold eleven digits in a row;
			// phones never show.
			const shown = JSON.stringify(c, (k, v) => (['credit_code', 'location'].includes(k) ? undefined : v));
			assert.ok(!shown.match(/1[3-9]\d{9}/), `a phone in the clear in ${c.number}`);
		}
		const money = [];
		for (const x of disputes.filter((c) => ['14', '20'].includes(c.category.slice(0, 2))).slice(0, 6))
			money.push((await read(x.id)).dispute.amount);
		assert.ok(money.some((a) => a > 0), 'money disputes name the amount');
	});

	it('gives every dispute and petition a complete timeline', async () => {
		const sample = [];
		for (const state of STATES) sample.push(...disputes.filter((c) => c.state === state).slice(0, 2));
		for (const c of sample) checkTimeline(c, await timeline(c.id));
		for (const c of disputes.filter((x) => x.state === 'archived').slice(0, 10)) {
			const items = await timeline(c.id);
			checkTimeline(c, items);
			assert.ok(
				inOrder(items, ['report', 'accept', 'assess', 'assign', 'schedule', 'minutes', 'agree', 'perform', 'close', 'callback']),
				`the whole way of ${c.number}: ${items.map((e) => e.action)}`,
			);
		}
		const referred = disputes.find((c) => c.state === 'referred');
		const items = await timeline(referred.id);
		assert.equal(items.filter((e) => e.action === 'fail').length, 4, 'up the five steps to arbitration or court');
		assert.equal((await read(referred.id)).dispute.mediation.ladder, 'litigation');
		for (const state of new Set(petitions.map((c) => c.state))) {
			const c = petitions.find((x) => x.state === state);
			checkTimeline(c, await timeline(c.id));
		}
		const done = petitions.find((c) => c.state === 'archived');
		assert.ok(
			inOrder(await timeline(done.id), ['report', 'accept', 'assess', 'dispatch', 'acknowledge', 'feedback', 'verify', 'close', 'callback']),
			`the event loop of petition ${done.number}`,
		);
	});

	it('has judicial confirmations, family call-backs and failed mediations', () => {
		const n = (q) => Number(srv.sql(q)[0][0]);
		assert.ok(n("SELECT count(*) FROM disputes WHERE judicial = 'confirmed'") >= 1, 'a judicial confirmation');
		assert.ok(n("SELECT count(*) FROM case_events WHERE action = 'family_visit'") >= 1, 'a family call-back');
		assert.ok(n("SELECT count(*) FROM cases WHERE kind = 'dispute' AND ladder > 0") >= 2, 'failed mediations');
	});

	it('links a visitor coming back on the same matter to the earlier petition', async () => {
		let linked = 0;
		for (const x of petitions) {
			const c = await read(x.id);
			assert.ok(c.petition.first_asked.user, `first asked of ${c.number}`);
			assert.ok(c.petition.subject && c.petition.demands && c.petition.visitor.name);
			if (!c.petition.repeat_of) continue;
			linked++;
			const m = await read(c.petition.repeat_of.id);
			assert.equal(m.category, c.category);
			assert.equal(m.petition.visitor.id_number, c.petition.visitor.id_number);
			assert.ok(m.petition.repeats.includes(c.id));
			assert.ok(Date.parse(m.reported_at) < Date.parse(c.reported_at));
		}
		assert.ok(linked >= 1, 'no repeated petition');
	});

	it('puts disputes on the work lists of the people in charge and of the mediators', async () => {
		const leader = as(srv, await login(srv, 'leader'));
		const mine = await leader.get(`${C}?in_charge=me&kind=dispute&limit=1&total=true`);
		assertStatus(mine, 200);
		assert.ok(mine.json.total >= 1, 'the county leader is in charge of the red disputes');
		let led = 0;
		for (const name of ['mediator1', 'mediator2']) {
			const m = as(srv, await login(srv, name));
			const res = await m.get(`${C}?mediator=me&limit=1&total=true`);
			assertStatus(res, 200);
			led += res.json.total;
		}
		assert.ok(led >= 1, 'the mediator accounts lead some mediations');
	});

	it('adds nothing on a second run', () => {
		// The server's scheduler may fire a clock meanwhile: its events are
		// the system's, at the real time, after t0; the demo's are in the past.
		const t0 = Date.now();
		const events = () =>
			Number(srv.sql(`SELECT count(*) FROM case_events WHERE role <> 'system' OR at <= ${t0}`)[0][0]);
		const before0 = events();
		const r = srv.cli(['demo', '--cases=50', '--residents=0', `--password=${PASSWORD}`, '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`disputes and petitions: ${DISPUTES + PETITIONS} exist, left as they are`));
		assert.equal(Number(srv.sql("SELECT count(*) FROM cases WHERE kind <> 'event'")[0][0]), DISPUTES + PETITIONS);
		assert.equal(events(), before0);
	});
});
