// The case engine over HTTP (/api/v1/cases): the event loop end to end as
// each role in turn, role, scope, state and version refusals, field errors
// naming the field, Idempotency-Key, the citizen portal without personal
// data, and bad input that changes nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, call, login } from './lib/http.mjs';
import { ensureGrids, pointInGrid, uploadPhoto } from './lib/basedata.mjs';
import { GRID1, GRID2, ROOT, startServer } from './lib/server.mjs';

const C = '/api/v1/cases';
let srv;
let worker1, worker2, village1, town1, town2, county, police1, justice1, leader, sysadmin;

const report = (who, extra = {}) =>
	who.post(C, { category: '0801', description: '小区门口有人聚集赌博，影响治安', grid: GRID1, ...extra });

async function act(who, c, action, fields = {}) {
	return who.post(`${C}/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });
}

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	[worker1, worker2, village1, town1, town2, county, police1, justice1, leader, sysadmin] = await Promise.all(
		['worker1', 'worker2', 'village1', 'town1', 'town2', 'county', 'police1', 'justice1', 'leader', 'sysadmin'].map(
			async (u) => as(srv, await login(srv, u)),
		),
	);
});
after(async () => {
	await srv?.stop();
});

describe('the event loop end to end', () => {
	it('report → accept → assess → dispatch → acknowledge → feedback → verify → close → callback', async () => {
		let res = await report(worker1, { title: '聚众赌博' });
		assertStatus(res, 201);
		let c = res.json;
		assert.match(c.number, /^SJ\d{8}-\d{6}$/);
		assert.equal(c.state, 'reported');
		assert.equal(c.state_label, '待受理');
		assert.equal(c.level, 'village');
		assert.equal(c.grid, GRID1);
		// The place by name as well as by code.
		assert.equal(c.grid_name, (await village1.get(`/api/v1/grids/${GRID1}`)).json.name);
		assert.equal(c.region_name, (await village1.get(`/api/v1/regions/${c.region}`)).json.name);
		assert.ok(c.grid_name && c.region_name, JSON.stringify([c.grid_name, c.region_name]));
		assert.equal(c.source, 'grid');
		assert.ok(c.deadline, 'the acceptance clock runs');
		assert.equal(res.header('location'), `${C}/${c.id}`);
		assert.deepEqual(c.actions, [], 'a grid worker takes no action on a reported case');

		c = (await village1.get(`${C}/${c.id}`)).json;
		assert.ok(c.actions.includes('accept') && c.actions.includes('reject'), JSON.stringify(c.actions));
		res = await act(village1, c, 'accept', { note: '已受理' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'accepted');
		res = await act(village1, c, 'assess', { priority: 'urgent', level: 'county' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.level, 'county');
		assert.equal(c.centre, '610326000000');
		assert.equal(c.priority, 'urgent');

		// The village no longer is the centre in charge.
		res = await act(village1, c, 'dispatch', {});
		assertProblem(res, 403, 'forbidden');
		res = await act(county, c, 'dispatch', { co_departments: ['610326-justice'] });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'dispatched');
		assert.equal(c.department, '610326-police', 'routed by the duty list');
		assert.deepEqual(c.co_departments, ['610326-justice']);

		// The co-handler sees it but may not acknowledge.
		assertStatus(await justice1.get(`${C}/${c.id}`), 200);
		assertProblem(await act(justice1, c, 'acknowledge'), 403, 'forbidden');
		res = await act(police1, c, 'acknowledge');
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'handling');
		assert.equal(c.clock, 'handle');

		const photo = await uploadPhoto(police1);
		res = await act(police1, c, 'feedback', { result: '已依法查处，现场秩序恢复', photos: [photo] });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'feedback');
		assert.equal(c.result, '已依法查处，现场秩序恢复');
		// The photo of the case is readable by the area.
		assertStatus(await worker1.get(`/api/v1/attachments/${photo}`), 200);

		res = await act(worker1, c, 'verify', { note: '现场核查属实' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'verified');
		res = await act(county, c, 'close');
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'closed');
		assert.ok(c.closed_at);
		res = await act(county, c, 'callback', { satisfaction: 5, comment: '满意' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'archived');
		assert.equal(c.terminal, true);
		assert.equal(c.satisfaction, 5);

		const tl = (await county.get(`${C}/${c.id}/timeline`)).json.items;
		assert.deepEqual(
			tl.map((e) => e.action),
			['report', 'accept', 'assess', 'dispatch', 'acknowledge', 'feedback', 'verify', 'close', 'callback'],
		);
		assert.equal(tl[1].role, 'centre_operator');
		assert.equal(tl[1].from_state, 'reported');
		assert.equal(tl[1].to_state, 'accepted');
		assert.deepEqual(tl[1].fields, { note: '已受理' });
	});

	it('a dissatisfied call-back reopens once with the centre, then archives', async () => {
		let c = (await report(worker1)).json;
		for (const [who, action, fields] of [
			[village1, 'accept', {}],
			[village1, 'assess', { level: 'county' }],
			[county, 'dispatch', {}],
			[police1, 'acknowledge', {}],
			[police1, 'feedback', { result: '已处理' }],
			[county, 'verify', {}],
			[county, 'close', {}],
			[county, 'callback', { satisfaction: 1 }],
		]) {
			const res = await act(who, c, action, fields);
			assertStatus(res, 200);
			c = res.json;
		}
		assert.equal(c.state, 'dissatisfied');
		let res = await act(county, c, 'reopen', { reason: '群众不满意，重新办理' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'handling');
		assert.equal(c.counts.reopens, 1);
		for (const [who, action, fields] of [
			[police1, 'feedback', { result: '再次处理' }],
			[county, 'verify', {}],
			[county, 'close', {}],
			[county, 'callback', { satisfaction: 2 }],
		]) {
			res = await act(who, c, action, fields);
			assertStatus(res, 200);
			c = res.json;
		}
		assert.equal(c.state, 'archived', 'dissatisfied again after a reopen: archived');
	});

	it('return, extension asked and approved, rework', async () => {
		let c = (await report(worker1)).json;
		for (const [who, action, fields] of [
			[village1, 'accept', {}],
			[village1, 'assess', { level: 'county' }],
			[county, 'dispatch', {}],
		]) {
			c = (await act(who, c, action, fields)).json;
		}
		let res = await act(police1, c, 'return', { reason: '不属于本部门职责' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'returned');
		assert.equal(c.department, null);
		assert.deepEqual((await police1.get(`${C}/${c.id}`)).json.actions, [], 'no longer the owner');
		// Elsewhere than the duty list needs a reason.
		res = await act(county, c, 'dispatch', { department: '610326-justice' });
		assertFieldError(res, 422, 'validation', 'reason', 'required');
		res = await act(county, c, 'dispatch', { department: '610326-justice', reason: '涉及调解' });
		assertStatus(res, 200);
		c = res.json;
		c = (await act(justice1, c, 'acknowledge')).json;
		const later = new Date(Date.parse(c.deadline) + 5 * 86400000).toISOString();
		res = await act(county, c, 'approve_extension');
		assertProblem(res, 409, 'conflict');
		res = await act(justice1, c, 'extend', { deadline: later, reason: '需要协调多方' });
		assertStatus(res, 200);
		c = res.json;
		assert.ok(c.pending_deadline);
		res = await act(county, c, 'approve_extension');
		assertStatus(res, 200);
		c = res.json;
		assert.equal(Date.parse(c.deadline), Date.parse(later));
		assert.equal(c.counts.extensions, 1);
		c = (await act(justice1, c, 'feedback', { result: '已调解' })).json;
		res = await act(worker1, c, 'rework', { reason: '现场仍有问题' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.state, 'handling');
		assert.equal(c.counts.reworks, 1);
	});

	it('escalation moves the case and its centre up a level', async () => {
		let c = (await report(worker1)).json;
		const res = await act(village1, c, 'escalate', { reason: '村级无法处理' });
		assertStatus(res, 200);
		c = res.json;
		assert.equal(c.level, 'town');
		assert.equal(c.centre, '610326001000');
		assert.equal(c.state, 'accepted');
		assert.deepEqual((await village1.get(`${C}/${c.id}`)).json.actions.includes('assess'), false);
		assert.ok((await town1.get(`${C}/${c.id}`)).json.actions.includes('assess'));
	});
});

describe('refusals', () => {
	it('403 for a role, 404 out of scope, 409 for state and stale versions', async () => {
		const c = (await report(worker1)).json;
		assertProblem(await act(worker1, c, 'accept'), 403, 'forbidden');
		assertProblem(await act(town2, c, 'accept'), 404, 'not-found');
		assertProblem(await worker2.get(`${C}/${c.id}`), 404, 'not-found');
		assertProblem(await sysadmin.get(`${C}/${c.id}`), 403, 'forbidden');
		assertFieldError(await act(village1, c, 'close'), 409, 'conflict', 'state', 'state');
		const ok = await act(village1, c, 'accept');
		assertStatus(ok, 200);
		assertFieldError(await act(village1, c, 'assess'), 409, 'conflict', 'version', 'stale');
	});

	it('two operators at once: exactly one wins', async () => {
		const c = (await report(worker1)).json;
		const [a, b] = await Promise.all([act(village1, c, 'accept'), act(town1, c, 'reject', { reason: '重复上报' })]);
		const codes = [a.status, b.status].sort();
		assert.deepEqual(codes, [200, 409]);
		const tl = (await village1.get(`${C}/${c.id}/timeline`)).json.items;
		assert.equal(tl.length, 2);
	});

	it('bad input: unknown action, unknown field, deadline in the past, huge description', async () => {
		const c = (await report(worker1)).json;
		assertFieldError(await act(village1, c, 'fly'), 422, 'validation', 'action', 'unknown_action');
		assertFieldError(await act(village1, c, 'accept', { colour: 'red' }), 422, 'validation', 'colour', 'unknown');
		// A required field sent as null is missing (found by tests/fuzz/fuzz_action_fields.c).
		assertFieldError(await act(village1, c, 'supervise', { colour: null }), 422, 'validation', 'colour', 'required');
		assertFieldError(await act(village1, c, 'reject', { reason: null }), 422, 'validation', 'reason', 'required');
		const acc = (await act(village1, c, 'accept')).json;
		const ass = (await act(village1, acc, 'assess', { level: 'county' })).json;
		const past = new Date(Date.now() - 86400000).toISOString();
		assertFieldError(await act(county, ass, 'dispatch', { deadline: past }), 422, 'validation', 'deadline', 'past');
		assertFieldError(
			await report(worker1, { description: '长'.repeat(5001) }),
			422,
			'validation',
			'description',
			'too_long',
		);
		assertFieldError(await report(worker1, { category: '9999' }), 422, 'validation', 'category', 'not_found');
		const again = (await village1.get(`${C}/${c.id}`)).json;
		assert.equal(again.version, ass.version, 'nothing changed by the refusals');
	});
});

describe('who may do what, in every state', () => {
	// The actions GET /cases/{id} offers each account, by state, for a
	// village case of GRID1 dispatched to the police, co-handled by justice
	// (who keeps reading it once released). Every other action of the flow is refused:
	// 404 out of sight, 403 for a role it does not name, 409 in a state it
	// does not start from, else 403, 409 or 422 by its place or fields; and
	// nothing changes.
	const ROLE = {
		worker1: 'grid_worker', worker2: 'grid_worker', village1: 'centre_operator', town1: 'centre_operator',
		town2: 'centre_operator', county: 'centre_operator', police1: 'dept_handler', justice1: 'dept_handler',
		leader: 'leader',
	};
	const CENTRE_EARLY = 'escalate supervise merge';
	const OFFERED = {
		reported: { worker1: '', village1: `accept reject ${CENTRE_EARLY}`, town1: `accept reject ${CENTRE_EARLY}`, county: `accept reject ${CENTRE_EARLY}`, leader: 'supervise' },
		accepted: { worker1: '', village1: 'assess escalate supervise merge', town1: 'assess escalate supervise summon merge', county: 'assess escalate supervise merge', leader: 'supervise' },
		assessed: { worker1: '', village1: 'supervise', town1: 'supervise', county: 'dispatch supervise merge', leader: 'supervise' },
		dispatched: { worker1: '', village1: 'supervise', town1: 'supervise', county: 'supervise', police1: 'acknowledge return', justice1: '', leader: 'supervise' },
		handling: { worker1: '', village1: 'supervise', town1: 'supervise', county: 'supervise', police1: 'return extend feedback', justice1: '', leader: 'supervise' },
		returned: { worker1: '', village1: 'supervise', town1: 'supervise', county: 'dispatch supervise', police1: '', justice1: '', leader: 'supervise' },
		feedback: { worker1: 'verify rework', village1: 'verify rework supervise', town1: 'verify rework supervise', county: 'verify rework supervise', police1: '', justice1: '', leader: 'supervise' },
		verified: { worker1: '', village1: 'supervise', town1: 'supervise', county: 'close supervise', police1: '', justice1: '', leader: 'supervise' },
		closed: { worker1: '', village1: 'supervise', town1: 'supervise', county: 'callback supervise', police1: '', justice1: '', leader: 'supervise' },
	};
	const STEPS = [
		['village1', 'accept', {}],
		['village1', 'assess', { level: 'county' }],
		['county', 'dispatch', { co_departments: ['610326-justice'] }],
		['police1', 'acknowledge', {}],
		['police1', 'feedback', { result: '已处理' }],
		['worker1', 'verify', {}],
		['county', 'close', {}],
	];
	const PATH = { reported: 0, accepted: 1, assessed: 2, dispatched: 3, handling: 4, feedback: 5, verified: 6, closed: 7 };

	it('offers exactly what each may do and refuses the rest', async () => {
		const flow = JSON.parse(readFileSync(`${ROOT}/flows/event.json`, 'utf8'));
		const who = { worker1, worker2, village1, town1, town2, county, police1, justice1, leader };
		for (const [state, offered] of Object.entries(OFFERED)) {
			let c = (await report(worker1, { description: `权限矩阵：${state}` })).json;
			const steps = state === 'returned' ? [...STEPS.slice(0, 3), ['police1', 'return', { reason: '不属于本部门' }]] : STEPS.slice(0, PATH[state]);
			for (const [name, action, fields] of steps) {
				const res = await act(who[name], c, action, fields);
				assertStatus(res, 200);
				c = res.json;
			}
			assert.equal(c.state, state);
			for (const [name, as] of Object.entries(who)) {
				const got = await as.get(`${C}/${c.id}`);
				const seen = name in offered;
				if (!seen) {
					assertProblem(got, 404, 'not-found');
				} else {
					assertStatus(got, 200);
					assert.equal(got.json.actions.join(' '), offered[name], `${name} in ${state}`);
				}
				for (const [action, a] of Object.entries(flow.actions)) {
					if (seen && got.json.actions.includes(action)) continue;
					const res = await act(as, c, action, {});
					const want = !seen ? 404 : !a.roles.includes(ROLE[name]) ? 403 : !a.from.includes(state) ? 409 : null;
					if (want) assert.equal(res.status, want, `${name} ${action} in ${state}:\n${res}`);
					else assert.ok([403, 409, 422].includes(res.status), `${name} ${action} in ${state}:\n${res}`);
				}
			}
			assert.equal((await county.get(`${C}/${c.id}`)).json.version, c.version, `nothing changed in ${state}`);
		}
	});
});

describe('Idempotency-Key and lists', () => {
	it('a retry with the same key returns the first answer and creates nothing', async () => {
		const headers = { 'Idempotency-Key': `k-${Date.now()}` };
		const body = { category: '0801', description: '重复提交测试', grid: GRID1 };
		const a = await worker1.post(C, body, { headers });
		const b = await worker1.post(C, body, { headers });
		assertStatus(a, 201);
		assertStatus(b, 201);
		assert.equal(a.json.id, b.json.id);
		const c = await worker1.post(C, { ...body, description: '另一件事' }, { headers });
		assertFieldError(c, 422, 'validation', 'Idempotency-Key', 'reused');
	});

	it('GET /cases lists newest first in scope, with filters', async () => {
		const res = await village1.get(`${C}?limit=3&total=true`);
		assertStatus(res, 200);
		assert.equal(res.json.items.length, 3);
		assert.ok(res.json.items[0].id > res.json.items[1].id);
		assert.ok(res.json.total >= 3);
		for (const c of res.json.items) assert.ok(c.grid_name && c.region_name, JSON.stringify(c));
		assert.equal((await village1.get(`${C}?limit=3`)).json.total, undefined, 'a total only when asked for');
		assertFieldError(await village1.get(`${C}?total=yes`), 422, 'validation', 'total', 'type');
		const archived = (await county.get(`${C}?state=archived`)).json;
		assert.ok(archived.items.every((c) => c.state === 'archived'));
		assert.equal((await worker2.get(`${C}?total=true`)).json.total, 0, 'another grid sees none of these');
		const next = await village1.get(`${C}?limit=3&cursor=${encodeURIComponent(res.json.next_cursor)}`);
		assert.ok(next.json.items[0].id < res.json.items[2].id);
	});
});

describe('the citizen portal', () => {
	it('reports, follows without personal data, rates after closure', async () => {
		const phone = '13912345678';
		let res = await call(srv, 'POST', '/api/v1/public/reports', {
			json: {
				category: '0801',
				description: '楼下有人深夜喧哗',
				location: await pointInGrid(county, GRID1),
				contact: { name: '王小明', phone },
			},
		});
		assertStatus(res, 201);
		const code = res.json.tracking_code;
		assert.match(code, /^[0-9A-Z]{10}$/);
		res = await call(srv, 'GET', `/api/v1/public/reports/${code}`);
		assertStatus(res, 200);
		assert.equal(res.json.state, 'reported');
		const text = JSON.stringify(res.json);
		assert.ok(!text.includes(phone) && !text.includes('王小明') && !text.includes('5678'), text);
		res = await call(srv, 'POST', `/api/v1/public/reports/${code}/rating`, { json: { satisfaction: 5 } });
		assertFieldError(res, 409, 'conflict', 'state', 'state');
		assertProblem(await call(srv, 'GET', '/api/v1/public/reports/ZZZZZZZZZZ'), 404, 'not-found');
	});
});

describe('duplicate candidates before saving: POST /cases/candidates', () => {
	it('finds a like case at the place, within the caller’s sight, and creates nothing', async () => {
		const at = await pointInGrid(county, GRID1);
		const first = (await worker1.post(C, { category: '0801', description: '东关小区北门垃圾堆积多日', location: at })).json;
		const before = Number(srv.sql('SELECT count(*) FROM cases')[0][0]);
		const body = { category: '0801', description: '东关小区北门垃圾堆积好几天了', location: at };
		const res = await village1.post(`${C}/candidates`, body);
		assertStatus(res, 200);
		const hit = res.json.items.find((c) => c.id === first.id);
		assert.ok(hit, `the earlier report is a candidate:\n${res}`);
		assert.ok(hit.score >= 40 && hit.score <= 100, `score ${hit.score}`);
		assert.equal(hit.number, first.number);
		assert.equal(Number(srv.sql('SELECT count(*) FROM cases')[0][0]), before, 'nothing created');
		// Another town's centre places a report only in its own area.
		assertFieldError(await town2.post(`${C}/candidates`, body), 422, 'validation', 'location');
		// A department sees only its own cases: the same search finds nothing for it.
		const dept = await police1.post(`${C}/candidates`, body);
		assertStatus(dept, 200);
		assert.ok(!dept.json.items.some((c) => c.id === first.id), `${dept}`);
		// Other text at the same place is no candidate.
		const other = await village1.post(`${C}/candidates`, { ...body, description: '路灯损坏夜间无照明' });
		assert.ok(!other.json.items.some((c) => c.id === first.id), `${other}`);
	});

	it('refuses what POST /cases refuses, naming the field', async () => {
		assertFieldError(await village1.post(`${C}/candidates`, { description: '垃圾', grid: GRID1 }), 422, 'validation', 'category');
		assertFieldError(await village1.post(`${C}/candidates`, { category: '0801', grid: GRID1 }), 422, 'validation', 'description');
		assertFieldError(await village1.post(`${C}/candidates`, { category: '0801', description: '垃圾', grid: GRID1, nope: 1 }), 422, 'validation', 'nope');
		assertProblem(await sysadmin.post(`${C}/candidates`, { category: '0801', description: '垃圾', grid: GRID1 }), 403, 'forbidden');
	});
});
