// Disputes (矛盾纠纷) on the case engine: registration with parties, risk
// colours and the people in personal charge (包抓) who hear of every step,
// triage, mediation sessions, agreement, the five-step ladder a failed
// mediation climbs, judicial confirmation, performance, family disputes'
// call-backs among the due visits, scope, and every refusal with the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { ensureGrids, newIdNumber, uploadPhoto } from './lib/basedata.mjs';
import { COUNTY, GRID1, GRID2, TOWN1, VILLAGE1, sql, startServer } from './lib/server.mjs';

const C = '/api/v1/cases';
let srv;
const s = {};
const NAMES = ['worker1', 'village1', 'town1', 'town2', 'county', 'mediator1', 'mediator2', 'secretary1', 'townsec1',
	'member1', 'leader', 'justice1'];

const parties = [
	{ role: 'applicant', name: '张三', phone: '13800138000', id_number: '11010519491231002X' },
	{ role: 'respondent', name: '李四', phone: '13900139000' },
];

const register = (who, extra = {}) =>
	who.post(C, {
		kind: 'dispute',
		category: '1202',
		description: '邻里之间因宅前堆放杂物发生争执，多次协商未果',
		grid: GRID1,
		source: 'window',
		parties,
		subject_matter: '宅前通道使用',
		amount: 1200.5,
		...extra,
	});

async function act(who, c, action, fields = {}) {
	const res = await who.post(`${C}/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });
	return res;
}

/** Take an action that must succeed; the case after it. */
async function step(who, c, action, fields = {}) {
	const res = await act(who, c, action, fields);
	assertStatus(res, 200);
	return res.json;
}

const bad = (res, field) => assertFieldError(res, 422, 'validation', field);
const one = (q) => sql(srv, q)[0]?.[0];
const userId = (name) => Number(one(`SELECT id FROM users WHERE username = '${name}'`));
/** The body and the lead mediator (ids) of an account that mediates. */
function mediatorOf(username) {
	const row = sql(
		srv,
		`SELECT m.body, m.id FROM mediators m JOIN users u ON u.id = m.user_id WHERE u.username = '${username}' ` +
			`AND m.lead = 1 ORDER BY m.id`,
	)[0];
	assert.ok(row, `no lead mediator with the account ${username}`);
	return { body: Number(row[0]), mediator: Number(row[1]) };
}
const notices = (user, caseId) =>
	Number(one(`SELECT count(*) FROM notifications WHERE target_kind = 'user' AND target = '${user}' AND case_id = ${caseId}`));

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	for (const n of NAMES) s[n] = as(srv, await login(srv, n));
});
after(async () => {
	await srv?.stop();
});

describe('registering a dispute', () => {
	it('the window registers a dispute with its parties, masked, and the triage starts where it lies', async () => {
		const res = await register(s.village1);
		assertStatus(res, 201);
		const c = res.json;
		assert.match(c.number, /^JF\d{8}-\d{6}$/);
		assert.equal(c.kind, 'dispute');
		assert.equal(c.state, 'registered');
		assert.equal(c.tier, 'village');
		assert.equal(c.dispute.subject_matter, '宅前通道使用');
		assert.equal(c.dispute.amount, 1200.5);
		assert.equal(c.dispute.parties.length, 2);
		const [a, r] = c.dispute.parties;
		assert.equal(a.role, 'applicant');
		assert.equal(a.name, '张三');
		assert.equal(a.phone, '138****8000');
		assert.equal(a.id_number, '110***********002X');
		assert.equal(r.role, 'respondent');
		assert.equal(c.dispute.mediation.ladder, 'on_site');
		assert.deepEqual(c.in_charge, []);
		const raw = JSON.stringify(c);
		assert.ok(!raw.includes('13800138000') && !raw.includes('11010519491231002X'), raw);
		// Stored sealed and indexed, never in the clear.
		const stored = sql(srv, `SELECT phone, id_index FROM case_parties WHERE case_id = ${c.id} ORDER BY id`);
		assert.ok(!stored[0][0].includes('13800138000'));
		assert.match(stored[0][1], /^[0-9a-f]{64}$/);
	});

	it('a party whose ID number is a resident of the area is linked to the resident, elsewhere not', async () => {
		const id_number = newIdNumber('19750505', 'female');
		const r = await s.village1.post('/api/v1/residents', { name: '王芳', id_number, region: VILLAGE1 });
		assertStatus(r, 201);
		const mine = [{ role: 'applicant', name: '王芳', id_number }, { role: 'respondent', name: '刘强' }];
		const c = (await register(s.village1, { parties: mine })).json;
		assert.equal(c.dispute.parties[0].resident, r.json.id);
		assert.equal(c.dispute.parties[1].resident, null);
		// Town 2 sees no such resident: the party stays unlinked, and naming it is refused.
		const other = await s.town2.post(C, { kind: 'dispute', category: '1201', description: '宅基地界址争议',
			grid: GRID2, parties: mine });
		assertStatus(other, 201);
		assert.equal(other.json.dispute.parties[0].resident, null);
		const named = await s.town2.post(C, { kind: 'dispute', category: '1201', description: '宅基地界址争议',
			grid: GRID2, parties: [{ role: 'applicant', name: '王芳', resident: r.json.id }] });
		bad(named, 'parties[0].resident');
	});

	it('refuses a dispute without parties, without an applicant, or with bad party fields', async () => {
		bad(await register(s.village1, { parties: undefined }), 'parties');
		bad(await register(s.village1, { parties: [] }), 'parties');
		bad(await register(s.village1, { parties: [{ role: 'respondent', name: '王五' }] }), 'parties');
		bad(
			await register(s.village1, { parties: [{ role: 'applicant', name: '王五', phone: '12345' }] }),
			'parties[0].phone',
		);
		bad(
			await register(s.village1, { parties: [{ role: 'applicant', name: '王五', id_number: '110105194912310021' }] }),
			'parties[0].id_number',
		);
		bad(await register(s.village1, { parties: [{ role: 'judge', name: '王五' }] }), 'parties[0].role');
		bad(await register(s.village1, { parties: [{ role: 'applicant' }] }), 'parties[0].name');
		bad(
			await register(s.village1, {
				parties: [{ role: 'applicant', type: 'organisation', name: '某公司', id_number: '11010519491231002X' }],
			}),
			'parties[0].id_number',
		);
		bad(await register(s.village1, { amount: -1 }), 'amount');
		bad(await register(s.village1, { amount: 1.234 }), 'amount');
		bad(await register(s.village1, { category: '0801' }), 'category');
		// An event takes no parties.
		const ev = await s.village1.post(C, { category: '0801', description: '有人聚集赌博', grid: GRID1, parties });
		bad(ev, 'parties');
	});
});

describe('the dispute ladder end to end', () => {
	it('red risk names the people in charge, who hear of every step; a failed mediation climbs to the town', async () => {
		let c = (await register(s.village1)).json;
		c = await step(s.village1, c, 'accept');
		c = await step(s.village1, c, 'assess', { risk: 'red', tier: 'village', note: '双方情绪激动' });
		assert.equal(c.state, 'assessed');
		assert.equal(c.risk, 'red');
		const posts = c.in_charge.map((p) => `${p.post}@${p.region}:${p.user ?? '-'}`).sort();
		assert.deepEqual(posts, [
			`county_leader@${COUNTY}:${userId('leader')}`,
			`party_secretary@${TOWN1}:${userId('townsec1')}`,
			`party_secretary@${VILLAGE1}:${userId('secretary1')}`,
		]);
		// The people in charge find it on their work list.
		const mine = await s.secretary1.get(`${C}?in_charge=me&kind=dispute`);
		assertStatus(mine, 200);
		assert.ok(mine.json.items.some((x) => x.id === c.id));
		bad(await s.secretary1.get(`${C}?in_charge=someone`), 'in_charge');

		// First step: on site, by the town's committee (mediator2 leads it).
		const town = mediatorOf('mediator2');
		bad(await act(s.village1, c, 'assign', { body: town.body, mediator: 999999 }), 'mediator');
		assertProblem(await act(s.worker1, c, 'assign', town), 403, 'forbidden');
		c = await step(s.village1, c, 'assign', town);
		assert.equal(c.state, 'mediating');
		assert.equal(c.dispute.mediation.mediator, town.mediator);
		assert.ok(c.dispute.mediation.body_name);

		// The mediator schedules and records a session.
		let m = (await s.mediator2.get(`${C}/${c.id}`)).json;
		assert.ok(m.actions.includes('schedule') && m.actions.includes('agree'), JSON.stringify(m.actions));
		const at = new Date(Date.now() + 2 * 86400000).toISOString();
		bad(await act(s.mediator2, m, 'schedule', { at: '2020-01-01T00:00:00Z' }), 'at');
		m = await step(s.mediator2, m, 'schedule', { at, place: '村调解室', attendees: '张三、李四、调解员' });
		assert.equal(m.dispute.sessions.length, 1);
		const session = m.dispute.sessions[0].id;
		bad(await act(s.mediator2, m, 'minutes', { session: session + 1000, minutes: '双方陈述' }), 'session');
		m = await step(s.mediator2, m, 'minutes', { session, minutes: '双方陈述各自理由，分歧较大' });
		assert.ok(m.dispute.sessions[0].held_at);
		bad(await act(s.mediator2, m, 'minutes', { session, minutes: '再记一次' }), 'session');

		// Fails: step 2, diverted, at the same level; the mediator is released.
		m = await step(s.mediator2, m, 'fail', { reason: '被申请人拒不到场' });
		assert.equal(m.state, 'assessed');
		assert.equal(m.dispute.mediation.ladder, 'diverted');
		assert.equal(m.dispute.mediation.mediator, null);
		assert.equal(m.level, 'village');
		c = await step(s.village1, (await s.village1.get(`${C}/${c.id}`)).json, 'assign', town);
		c = (await s.mediator2.get(`${C}/${c.id}`)).json;
		c = await step(s.mediator2, c, 'fail', { reason: '分流调解仍未达成一致' });
		// Step 3, town joint: the town's centre takes it.
		assert.equal(c.dispute.mediation.ladder, 'town_joint');
		assert.equal(c.level, 'town');
		assert.equal(c.centre, TOWN1);
		assert.equal(c.tier, 'town');
		assertProblem(await act(s.village1, (await s.village1.get(`${C}/${c.id}`)).json, 'assign', town), 403, 'forbidden');
		c = await step(s.town1, (await s.town1.get(`${C}/${c.id}`)).json, 'assign', town);

		// Agreement with the signed document, judicial confirmation, performance.
		const doc = await uploadPhoto(s.mediator2);
		m = (await s.mediator2.get(`${C}/${c.id}`)).json;
		assert.ok(!m.actions.includes('record_confirmation'));
		m = await step(s.mediator2, m, 'agree', { terms: '李四三日内清理杂物，张三不再追究', documents: [doc] });
		assert.equal(m.state, 'agreed');
		assert.equal(m.dispute.agreements.length, 1);
		assert.deepEqual(m.dispute.agreements[0].documents, [doc]);
		assertStatus(await s.secretary1.get(`/api/v1/attachments/${doc}`), 200);
		assert.ok(!m.actions.includes('record_confirmation'), 'nothing asked for yet');
		assertProblem(await act(s.mediator2, m, 'record_confirmation', { result: 'confirmed' }), 409, 'conflict');
		m = await step(s.mediator2, m, 'request_confirmation', { court: '眉县人民法院' });
		assert.equal(m.dispute.judicial.state, 'requested');
		assert.ok(!m.actions.includes('request_confirmation'));
		m = await step(s.mediator2, m, 'record_confirmation', { result: 'confirmed', ruling: '(2026)陕0326民特12号' });
		assert.equal(m.dispute.judicial.state, 'confirmed');
		assert.equal(m.dispute.judicial.court, '眉县人民法院');
		const w = (await s.worker1.get(`${C}/${c.id}`)).json;
		c = await step(s.worker1, w, 'perform', { note: '现场查看，杂物已清理' });
		assert.equal(c.state, 'performed');
		assert.ok(c.dispute.mediation.performed_at);
		c = await step(s.town1, (await s.town1.get(`${C}/${c.id}`)).json, 'close');
		c = await step(s.town1, c, 'callback', { satisfaction: 5 });
		assert.equal(c.state, 'archived');

		const tl = (await s.town1.get(`${C}/${c.id}/timeline`)).json.items.map((e) => e.action);
		assert.deepEqual(tl, ['report', 'accept', 'assess', 'assign', 'schedule', 'minutes', 'fail', 'assign', 'fail',
			'assign', 'agree', 'request_confirmation', 'record_confirmation', 'perform', 'close', 'callback']);
		// Every step after the risk was set reached each person in charge.
		for (const who of ['secretary1', 'townsec1', 'leader'])
			assert.ok(notices(userId(who), c.id) >= tl.length - 3, `${who}: ${notices(userId(who), c.id)} notices`);
		assert.ok(notices(userId('mediator2'), c.id) >= 3, 'the mediator hears of each assignment');
	});

	it('a mediation failing at every step ends referred to arbitration or court', async () => {
		let c = (await register(s.village1)).json;
		c = await step(s.village1, c, 'accept');
		c = await step(s.village1, c, 'assess', { risk: 'blue', tier: 'village' });
		assert.ok(c.in_charge.length >= 1, 'the village mediation committee is in charge of a blue one');
		assert.ok(c.in_charge.every((p) => p.post === 'mediation_committee'));
		const county = mediatorOf('mediator1');
		const centres = ['village1', 'village1', 'town1', 'county'];
		const ladders = ['diverted', 'town_joint', 'county_joint', 'litigation'];
		for (let i = 0; i < 4; i++) {
			c = await step(s[centres[i]], (await s[centres[i]].get(`${C}/${c.id}`)).json, 'assign', county);
			c = await step(s.mediator1, (await s.mediator1.get(`${C}/${c.id}`)).json, 'fail', { reason: `第${i + 1}步未成` });
			assert.equal(c.dispute.mediation.ladder, ladders[i]);
		}
		assert.equal(c.state, 'referred');
		assert.equal(c.terminal, true);
		assert.equal(c.level, 'county');
	});

	it('yellow risk names a village committee member and a town department head; the risk may change', async () => {
		let c = (await register(s.village1)).json;
		c = await step(s.village1, c, 'accept');
		c = await step(s.village1, c, 'assess', { risk: 'yellow', tier: 'town' });
		assert.equal(c.level, 'town', 'the tier raises the level');
		assert.deepEqual(c.in_charge.map((p) => p.post).sort(), ['committee_member', 'dept_head']);
		assert.ok(c.in_charge.some((p) => p.user === userId('member1')));
		c = await step(s.town1, (await s.town1.get(`${C}/${c.id}`)).json, 'rerisk', { risk: 'red', reason: '矛盾激化' });
		assert.equal(c.risk, 'red');
		assert.ok(!c.in_charge.some((p) => p.post === 'committee_member'), 'the yellow duty was released');
		bad(await act(s.town1, c, 'rerisk', { risk: 'purple', reason: '测试' }), 'risk');
		assertFieldError(await act(s.village1, (await s.village1.get(`${C}/${c.id}`)).json, 'assess', {}), 409, 'conflict', 'state');
	});
});

describe('family disputes', () => {
	it('family levels name who calls back and put the call-backs among their due visits', async () => {
		let c = (await register(s.village1, { category: '1106', description: '夫妻因家务长期争吵' })).json;
		c = await step(s.village1, c, 'accept');
		bad(
			await act(s.village1, c, 'assess', { risk: 'blue', tier: 'village', family_level: 'grave' }),
			'family_level',
		);
		c = await step(s.village1, c, 'assess', { risk: 'blue', tier: 'village', family_level: 'micro' });
		assert.equal(c.dispute.family.level, 'micro');
		assert.equal(c.dispute.family.colour, 'blue');
		assert.equal(c.dispute.family.frequency, 'monthly');
		assert.deepEqual(c.callback.map((p) => [p.post, p.user]), [['womens_federation', userId('member1')]]);
		const due = new Date(c.dispute.family.callback_due);
		const days = (due - Date.now()) / 86400000;
		assert.ok(days >= 29 && days <= 36, `a month on, on a working day: ${c.dispute.family.callback_due}`);

		const list = await s.member1.get('/api/v1/visits/due?days=40');
		assertStatus(list, 200);
		const item = list.json.items.find((x) => x.subject.type === 'case' && x.subject.id === c.id);
		assert.ok(item, JSON.stringify(list.json.items.slice(0, 3)));
		assert.equal(item.family.colour, 'blue');
		const only = await s.member1.get('/api/v1/visits/due?days=40&type=case');
		assert.ok(only.json.items.length >= 1 && only.json.items.every((x) => x.subject.type === 'case'));
		bad(await s.member1.get('/api/v1/visits/due?type=dispute'), 'type');
		// Mediators, who call back for their committee, read the list too.
		assertStatus(await s.mediator2.get('/api/v1/visits/due?type=case'), 200);
		// Not the village's operator's: the women's federation member calls back.
		const other = await s.village1.get('/api/v1/visits/due?days=40');
		assert.ok(!other.json.items.some((x) => x.subject.type === 'case' && x.subject.id === c.id));

		// High: twice a week, by the county centre.
		c = await step(s.village1, c, 'family_level', { family_level: 'high', reason: '出现家暴苗头' });
		assert.equal(c.dispute.family.colour, 'red');
		assert.deepEqual(c.callback.map((p) => [p.post, p.region, p.user]), [['county_centre', COUNTY, null]]);
		const county = await s.county.get('/api/v1/visits/due?days=10');
		assert.ok(county.json.items.some((x) => x.subject.type === 'case' && x.subject.id === c.id));
		const before = c.dispute.family.callback_due;
		c = await step(s.county, (await s.county.get(`${C}/${c.id}`)).json, 'family_visit', { note: '电话回访，情况稳定' });
		assert.ok(c.dispute.family.last_callback_at);
		assert.ok(c.dispute.family.callback_due >= before);
		// A dispute not about a family takes no family level and no call-back.
		let n = (await register(s.village1)).json;
		n = await step(s.village1, n, 'accept');
		bad(await act(s.village1, n, 'assess', { risk: 'blue', tier: 'village', family_level: 'low' }), 'family_level');
	});
});

describe('scope', () => {
	it("a town's mediator never sees another town's dispute", async () => {
		const res = await s.town2.post(C, {
			kind: 'dispute',
			category: '1201',
			description: '相邻宅基地界址争议',
			grid: GRID2,
			parties,
		});
		assertStatus(res, 201);
		const id = res.json.id;
		assertProblem(await s.mediator2.get(`${C}/${id}`), 404, 'not-found');
		const list = await s.mediator2.get(`${C}?kind=dispute&limit=200`);
		assert.ok(!list.json.items.some((x) => x.id === id));
		// Nor can a town's mediator be assigned to it.
		let c = await step(s.town2, res.json, 'accept');
		c = await step(s.town2, c, 'assess', { risk: 'blue', tier: 'village' });
		bad(await act(s.town2, c, 'assign', mediatorOf('mediator2')), 'body');
		assertProblem(await s.justice1.get(`${C}/${id}`), 404, 'not-found');
	});
});

describe('petitions', () => {
	const petition = (who, extra = {}) =>
		who.post(C, {
			kind: 'petition',
			category: '0901',
			description: '反映村内道路长期失修',
			grid: GRID1,
			petition: {
				form: 'visit',
				visitor: { name: '赵六', phone: '13700137000', id_number: '11010519491231002X' },
				visitors: 3,
				subject: '道路维修',
				demands: '请求尽快维修村道',
				...extra,
			},
		});

	it('the window registers a petition; first-asked responsibility is recorded; a repeat is linked', async () => {
		let res = await petition(s.town1);
		assertStatus(res, 201);
		const first = res.json;
		assert.match(first.number, /^XF\d{8}-\d{6}$/);
		assert.equal(first.state, 'reported');
		assert.equal(first.petition.form, 'visit');
		assert.equal(first.petition.visitors, 3);
		assert.equal(first.petition.visitor.phone, '137****7000');
		assert.equal(first.petition.first_asked.user, userId('town1'));
		assert.equal(first.petition.repeat_of, null);
		// The same visitor on the same matter again: linked to the first.
		res = await petition(s.town1, { form: 'letter' });
		assertStatus(res, 201);
		assert.equal(res.json.petition.repeat_of.id, first.id);
		const again = (await s.town1.get(`${C}/${first.id}`)).json;
		assert.deepEqual(again.petition.repeats, [res.json.id]);
		// It then runs the event loop.
		const c = await step(s.town1, again, 'accept');
		assert.equal(c.state, 'accepted');
	});

	it('refuses a petition with bad fields, and grid staff register none', async () => {
		bad(await s.town1.post(C, { kind: 'petition', category: '0901', description: '反映问题', grid: GRID1 }), 'petition');
		bad(await petition(s.town1, { form: 'fax' }), 'petition.form');
		bad(await petition(s.town1, { demands: '' }), 'petition.demands');
		bad(await petition(s.town1, { visitors: 0 }), 'petition.visitors');
		bad(await petition(s.town1, { visitor: { phone: '13700137000' } }), 'petition.visitor.name');
		bad(await petition(s.town1, { repeat_of: 99999999 }), 'petition.repeat_of');
		bad(await petition(s.town1, { urgent: true }), 'petition.urgent');
		assertProblem(await petition(s.worker1), 403, 'forbidden');
	});
});

describe('the dispute statistics feed', () => {
	it('found, resolved (agreement performed) and 化解率 by type, tier and colour equal a direct count', async () => {
		const res = await s.county.get('/api/v1/stats/disputes?group_by=risk');
		assertStatus(res, 200);
		const direct = sql(
			srv,
			"SELECT count(*), sum(CASE WHEN d.performed_at IS NOT NULL THEN 1 ELSE 0 END) FROM cases c JOIN disputes d " +
				"ON d.case_id = c.id WHERE c.master IS NULL AND (c.accepted_at IS NOT NULL OR c.escalations > 0)",
		)[0].map(Number);
		assert.equal(res.json.found, direct[0]);
		assert.equal(res.json.resolved, direct[1]);
		assert.ok(res.json.found >= 5 && res.json.resolved >= 1, JSON.stringify(res.json));
		assert.equal(res.json.resolution.numerator, res.json.resolved);
		assert.equal(res.json.resolution.denominator, res.json.found);
		assert.equal(res.json.items.reduce((n, x) => n + x.found, 0), res.json.found);
		assert.ok(res.json.items.some((x) => x.key === 'red'));
		const cat = await s.county.get('/api/v1/stats/disputes?group_by=category');
		assert.ok(cat.json.items.find((x) => x.key === '1202').name, JSON.stringify(cat.json.items));
		const tier = await s.county.get('/api/v1/stats/disputes?group_by=tier');
		assertStatus(tier, 200);
		// A town sees its own only; another town's area is not found.
		const t2 = await s.town2.get('/api/v1/stats/disputes');
		assert.ok(t2.json.found < res.json.found);
		assertStatus(await s.town2.get(`/api/v1/stats/disputes?region=${TOWN1}`), 404);
		bad(await s.county.get('/api/v1/stats/disputes?group_by=colour'), 'group_by');
	});
});

describe('warnings', () => {
	it('open red and yellow disputes are warned, red first; a resolved one no longer', async () => {
		const res = await s.county.get('/api/v1/warnings?kind=dispute');
		assertStatus(res, 200);
		const items = res.json.items;
		assert.ok(items.length >= 1 && items.every((w) => w.kind === 'dispute'), JSON.stringify(items));
		const open = sql(
			srv,
			"SELECT count(*) FROM cases WHERE kind = 'dispute' AND risk IN ('red', 'yellow') AND closed_at IS NULL " +
				'AND master IS NULL',
		)[0].map(Number)[0];
		assert.equal(res.json.totals.dispute, open);
		assert.equal(items[0].level, 'red');
		assert.match(items[0].title, /^红色矛盾纠纷：/);
		assert.ok(items[0].case.number.startsWith('JF'));
		const archived = sql(srv, "SELECT id FROM cases WHERE kind = 'dispute' AND state = 'archived'").map((r) => Number(r[0]));
		assert.ok(archived.length >= 1);
		assert.ok(!items.some((w) => archived.includes(w.case.id)));
		// Not in another town's.
		const t2 = await s.town2.get('/api/v1/warnings?kind=dispute');
		assert.ok(!t2.json.items.some((w) => items.slice(0, 1).some((x) => x.case.id === w.case.id)));
	});
});
