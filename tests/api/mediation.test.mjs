// Mediation bodies, mediators and the posts of a region
// (/api/v1/mediation/..., /api/v1/regions/{code}/posts): the demo's
// registries, create and change with every refusal naming its field,
// scope (a town never sees or touches another town's committees), the
// pool of lead mediators, post levels, the audit rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { allItems, auditRows } from './lib/basedata.mjs';
import { COUNTY, TOWN1, TOWN2, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const B = '/api/v1/mediation/bodies';
const M = '/api/v1/mediation/mediators';
const P = (code) => `/api/v1/regions/${code}/posts`;
const TOWN1_VILLAGES = 16; // villages and communities of 首善街道 in data/regions
const DEMO_BODIES = 97 + 10 + 5 + 1; // a committee per village and town, five trades, the expert pool

let srv;
let county, town1, town2, village1, sys, leader, med1, auditor, secadmin;
const ids = {};

before(async () => {
	srv = await startServer();
	[county, town1, town2, village1, sys, leader, med1, auditor, secadmin] = await Promise.all(
		['county', 'town1', 'town2', 'village1', 'sysadmin', 'leader', 'mediator1', 'auditor', 'secadmin'].map(async (u) =>
			as(srv, await login(srv, u)),
		),
	);
	for (const u of ['mediator1', 'mediator2', 'secretary1', 'member1', 'townsec1', 'townhead1', 'leader', 'worker1', 'worker2', 'town1']) {
		ids[u] = Number(srv.sql(`SELECT id FROM users WHERE username = '${u}'`)[0][0]);
	}
});
after(async () => {
	await srv?.stop();
});

const bodyOf = async (who, region, kind, trade) =>
	(await allItems(who, `${B}?region=${region}&kind=${kind}${trade ? `&trade=${trade}` : ''}&limit=200`)).find((b) => b.region === region);

describe('the demo registries', () => {
	it('a committee per village and town, five county trade bodies and the expert pool', async () => {
		const all = await allItems(county, `${B}?limit=200`);
		assert.equal(all.length, DEMO_BODIES);
		const first = await county.get(`${B}?limit=1`);
		assert.equal(first.json.total, DEMO_BODIES);
		const v1 = all.find((b) => b.region === VILLAGE1);
		assert.equal(v1.name, '东关社区人民调解委员会');
		assert.equal(v1.kind, 'village_committee');
		assert.equal(v1.kind_label, '村人民调解委员会');
		assert.equal(v1.trade, null);
		assert.ok(v1.mediators >= 2 && v1.mediators <= 4, `${JSON.stringify(v1)}`);
		assert.equal(all.find((b) => b.region === TOWN1).name, '首善街道人民调解委员会');
		const trades = all.filter((b) => b.kind === 'trade');
		assert.deepEqual(trades.map((b) => b.trade).sort(), ['labour', 'marriage_family', 'medical', 'property', 'traffic']);
		assert.ok(trades.every((b) => b.region === COUNTY && b.name.startsWith('眉县') && b.name.endsWith('调解委员会')));
		assert.ok(trades.some((b) => b.name === '眉县劳动人事争议调解委员会'));
		const pools = all.filter((b) => b.kind === 'expert_pool');
		assert.equal(pools.length, 1);
		assert.equal(pools[0].name, '眉县矛盾纠纷调解专家库');
		// 2 to 4 mediators each (and the linked accounts), a lead in every body.
		const counts = srv.sql('SELECT body, count(*), sum(lead) FROM mediators GROUP BY body');
		assert.equal(counts.length, DEMO_BODIES);
		for (const [, n, leads] of counts) {
			assert.ok(Number(n) >= 2 && Number(n) <= 5, `a body with ${n} mediators`);
			assert.ok(Number(leads) >= 1);
		}
	});

	it('mediator1 leads at the county labour body, mediator2 at town 1 committee', async () => {
		const labour = await bodyOf(county, COUNTY, 'trade', 'labour');
		const mine = await allItems(county, `${B}/${labour.id}/mediators?limit=200`);
		const m1 = mine.find((m) => m.user === ids.mediator1);
		assert.ok(m1, JSON.stringify(mine));
		assert.equal(m1.lead, true);
		assert.equal(m1.body.trade, 'labour');
		assert.ok(m1.specialities.includes('14'));
		const tc1 = await bodyOf(county, TOWN1, 'town_committee');
		const m2 = (await allItems(county, `${B}/${tc1.id}/mediators?limit=200`)).find((m) => m.user === ids.mediator2);
		assert.ok(m2);
		assert.equal(m2.lead, true);
		// Every generated mediator has a masked mobile.
		for (const m of mine.filter((x) => x.user === null)) assert.match(m.phone, /^1\d\d\*{4}\d{4}$/);
	});

	it('the leader accounts hold their posts', async () => {
		const v = await town1.get(P(VILLAGE1));
		assertStatus(v, 200);
		assert.equal(v.json.region, VILLAGE1);
		const held = v.json.items.map((p) => `${p.post}:${p.username}`);
		assert.deepEqual(held, ['party_secretary:secretary1', 'committee_member:member1', 'womens_federation:member1']);
		assert.equal(v.json.items[0].user, ids.secretary1);
		assert.equal(v.json.items[0].post_label, '党组织书记');
		const t = await town1.get(P(TOWN1));
		assert.deepEqual(
			t.json.items.map((p) => `${p.post}:${p.username}`),
			['party_secretary:townsec1', 'dept_head:townhead1'],
		);
		const c = await town1.get(P(COUNTY));
		assert.deepEqual(
			c.json.items.map((p) => `${p.post}:${p.username}`),
			['county_leader:leader'],
		);
	});

	it('a second `wangge demo` adds nothing', async () => {
		const before = srv.sql('SELECT (SELECT count(*) FROM mediation_bodies), (SELECT count(*) FROM mediators), (SELECT count(*) FROM region_posts)')[0];
		const r = srv.cli(['demo', '--password=Test#2026pass', '--residents=0', '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		const now = srv.sql('SELECT (SELECT count(*) FROM mediation_bodies), (SELECT count(*) FROM mediators), (SELECT count(*) FROM region_posts)')[0];
		assert.deepEqual(now, before);
	});
});

describe('who sees and who writes', () => {
	it('a town sees its villages, itself and the county; never another town', async () => {
		const mine = await allItems(town1, `${B}?limit=50`);
		assert.equal(mine.length, TOWN1_VILLAGES + 1 + 5 + 1);
		assert.ok(mine.every((b) => b.region.startsWith('610326001') || b.region === COUNTY), 'only town 1 and the county');
		const theirs = await allItems(town2, `${B}?limit=200`);
		assert.ok(theirs.every((b) => !b.region.startsWith('610326001')));
		assert.ok(theirs.some((b) => b.region === VILLAGE2));
		assert.equal((await town2.get(`${B}?region=${VILLAGE1}`)).json.total, 0);
		const v1 = mine.find((b) => b.region === VILLAGE1);
		assertProblem(await town2.get(`${B}/${v1.id}`), 404, 'not-found');
		assertProblem(await town2.get(`${B}/${v1.id}/mediators`), 404, 'not-found');
		assertProblem(await town2.patch(`${B}/${v1.id}`, { name: '改名' }), 404, 'not-found');
		assertProblem(await town2.post(`${B}/${v1.id}/mediators`, { name: '冒名' }), 404, 'not-found');
		const one = (await allItems(town1, `${B}/${v1.id}/mediators`))[0];
		assertProblem(await town2.get(`${M}/${one.id}`), 404, 'not-found');
		assertProblem(await town2.patch(`${M}/${one.id}`, { lead: false }), 404, 'not-found');
		// The same 404 as an id that names nothing.
		assertProblem(await town2.get(`${B}/999999`), 404, 'not-found');
	});

	it('a village sees its own committee and those above it', async () => {
		const seen = await allItems(village1, `${B}?limit=50`);
		assert.deepEqual(
			seen.map((b) => b.region).filter((r) => r !== COUNTY),
			[TOWN1, VILLAGE1],
		);
		assert.equal(seen.length, 2 + 5 + 1);
	});

	it('visible is not writable: a town cannot change the county bodies', async () => {
		const labour = await bodyOf(town1, COUNTY, 'trade', 'labour');
		assertStatus(await town1.get(`${B}/${labour.id}`), 200);
		assertProblem(await town1.patch(`${B}/${labour.id}`, { name: 'x' }), 404, 'not-found');
		assertProblem(await town1.post(`${B}/${labour.id}/mediators`, { name: '张三' }), 404, 'not-found');
	});

	it('roles: case workers read, operators and the sysadmin write, admins of security and audit do neither', async () => {
		assertStatus(await leader.get(`${B}?limit=1`), 200);
		assertStatus(await med1.get(`${M}?limit=1`), 200);
		assertStatus(await sys.get(`${B}?limit=1`), 200);
		assertProblem(await auditor.get(`${B}?limit=1`), 403, 'forbidden');
		assertProblem(await secadmin.get(P(COUNTY)), 403, 'forbidden');
		assertProblem(await leader.post(B, { code: 'x-1', name: 'x', kind: 'expert_pool', region: COUNTY }), 403, 'forbidden');
		assertProblem(await med1.put(P(COUNTY), { posts: [] }), 403, 'forbidden');
		const created = await sys.post(B, { code: 'sys-pool', name: '系统测试', kind: 'trade', trade: 'medical', region: TOWN2 });
		assertStatus(created, 201);
	});
});

describe('bodies: create and change', () => {
	let made;

	it('201 with labels and Location; 409 for a code or a place taken', async () => {
		const res = await county.post(B, {
			code: 't1-traffic',
			name: '首善街道道路交通事故调解委员会',
			kind: 'trade',
			trade: 'traffic',
			region: TOWN1,
			phone: '0917-552 1234',
			address: '首善街道',
		});
		assertStatus(res, 201);
		made = res.json;
		assert.equal(res.header('location'), `${B}/${made.id}`);
		assert.equal(made.trade_label, '道路交通事故');
		assert.equal(made.kind_label, '行业性专业性调解组织');
		assert.equal(made.region_name, '首善街道');
		assert.equal(made.phone, '09175521234');
		assert.equal(made.active, true);
		assert.equal(made.mediators, 0);
		assert.equal(made.version, 1);
		assertStatus(await town1.get(`${B}/${made.id}`), 200);
		assertFieldError(
			await county.post(B, { code: 't1-traffic', name: 'x', kind: 'expert_pool', region: COUNTY }),
			409,
			'conflict',
			'code',
			'conflict',
		);
		assertFieldError(
			await town1.post(B, { code: 't1-traffic-2', name: 'x', kind: 'trade', trade: 'traffic', region: TOWN1 }),
			409,
			'conflict',
			'region',
			'conflict',
		);
	});

	it('422 names every bad field', async () => {
		const none = await county.post(B, {});
		for (const f of ['code', 'name', 'kind', 'region']) assertFieldError(none, 422, 'validation', f, 'required');
		for (const [who, body, field, code] of [
			[county, { code: 'Bad Code', name: 'x', kind: 'expert_pool', region: COUNTY }, 'code', 'pattern'],
			[county, { code: 'ok-9', name: 'x', kind: 'court', region: COUNTY }, 'kind', 'unknown'],
			[county, { code: 'ok-9', name: 'x', kind: 'expert_pool', trade: 'labour', region: COUNTY }, 'trade', 'not_allowed'],
			[county, { code: 'ok-9', name: 'x', kind: 'trade', region: COUNTY }, 'trade', 'required'],
			[county, { code: 'ok-9', name: 'x', kind: 'trade', trade: 'fishing', region: COUNTY }, 'trade', 'unknown'],
			[county, { code: 'ok-9', name: 'x', kind: 'village_committee', region: TOWN1 }, 'region', 'level'],
			[county, { code: 'ok-9', name: 'x', kind: 'expert_pool', region: TOWN1 }, 'region', 'level'],
			[county, { code: 'ok-9', name: 'x', kind: 'town_committee', region: '6103' }, 'region', 'pattern'],
			[town2, { code: 'ok-9', name: 'x', kind: 'trade', trade: 'labour', region: TOWN1 }, 'region', 'not_found'],
			[town1, { code: 'ok-9', name: 'x', kind: 'trade', trade: 'medical', region: COUNTY }, 'region', 'not_found'],
			[county, { code: 'ok-9', name: 'x', kind: 'expert_pool', region: COUNTY, phone: '12345' }, 'phone', 'format'],
			[county, { code: 'ok-9', name: 'x', kind: 'expert_pool', region: COUNTY, colour: 'red' }, 'colour', 'unknown'],
			[county, { code: 'ok-9', name: 'x', kind: 'expert_pool', region: COUNTY, active: 'yes' }, 'active', undefined],
			[county, { code: 'ok-9', name: 'x'.repeat(101), kind: 'expert_pool', region: COUNTY }, 'name', undefined],
		])
			assertFieldError(await who.post(B, body), 422, 'validation', field, code);
	});

	it('PATCH with If-Match: changes, versions, stale 409, names are read-only', async () => {
		const res = await town1.patch(`${B}/${made.id}`, { name: '首善街道交通调解委员会', active: false }, { headers: { 'If-Match': '"1"' } });
		assertStatus(res, 200);
		assert.equal(res.json.name, '首善街道交通调解委员会');
		assert.equal(res.json.active, false);
		assert.equal(res.json.version, 2);
		assertProblem(await town1.patch(`${B}/${made.id}`, { active: true }, { headers: { 'If-Match': '"1"' } }), 409, 'conflict');
		assertStatus(await town1.patch(`${B}/${made.id}`, { active: true, phone: null }), 200);
		const now = await county.get(`${B}/${made.id}`);
		assert.equal(now.json.phone, null);
		assert.equal(now.json.version, 3);
		for (const field of ['code', 'kind', 'region'])
			assertFieldError(await town1.patch(`${B}/${made.id}`, { [field]: field === 'region' ? VILLAGE1 : 'village_committee' }), 422, 'validation', field, 'read_only');
		assertFieldError(await town1.patch(`${B}/${made.id}`, { name: '' }), 422, 'validation', 'name');
		assertFieldError(await town1.patch(`${B}/${made.id}`, { trade: null }), 422, 'validation', 'trade', 'read_only');
		assertProblem(await town1.patch(`${B}/abc`, { name: 'x' }), 404, 'not-found');
		assert.ok((await auditRows(auditor, 'mediation_body.update')).some((r) => r.object_id === String(made.id)));
		assert.ok((await auditRows(auditor, 'mediation_body.create')).some((r) => r.object_id === String(made.id)));
	});

	it('filters: kind, trade, region, active; bad ones 422', async () => {
		const traffic = await allItems(county, `${B}?trade=traffic&limit=200`);
		assert.deepEqual(traffic.map((b) => b.region).sort(), [COUNTY, TOWN1]);
		const inTown1 = await allItems(county, `${B}?region=${TOWN1}&limit=200`);
		assert.equal(inTown1.length, TOWN1_VILLAGES + 2);
		assert.equal((await county.get(`${B}?active=false`)).json.total, 0);
		assertFieldError(await county.get(`${B}?kind=court`), 422, 'validation', 'kind', 'unknown');
		assertFieldError(await county.get(`${B}?trade=fishing`), 422, 'validation', 'trade', 'unknown');
		assertFieldError(await county.get(`${B}?region=61`), 422, 'validation', 'region', 'pattern');
		assertFieldError(await county.get(`${B}?active=maybe`), 422, 'validation', 'active', 'type');
		assertFieldError(await county.get(`${B}?cursor=garbage`), 422, 'validation', 'cursor');
	});

	it('mediators: create, mask, refusals, change, the pool', async () => {
		const url = `${B}/${made.id}/mediators`;
		const res = await county.post(url, { name: '王建国', phone: '139 1234 5678', specialities: ['17', '20'], lead: true });
		assertStatus(res, 201);
		const m = res.json;
		assert.equal(res.header('location'), `${M}/${m.id}`);
		assert.equal(m.phone, '139****5678');
		assert.deepEqual(m.specialities, ['17', '20']);
		assert.equal(m.lead, true);
		assert.equal(m.active, true);
		assert.equal(m.user, null);
		assert.equal(m.username, null);
		assert.equal(m.user_name, null);
		assert.equal(m.body.id, made.id);
		assert.equal(m.body.trade, 'traffic');
		const stored = srv.sql(`SELECT phone FROM mediators WHERE id = ${m.id}`)[0][0];
		assert.ok(!stored.includes('13912345678'), 'the phone is stored sealed');
		const withAccount = await town1.post(url, { name: '调解员二', user: ids.mediator2, specialities: ['17'] });
		assertStatus(withAccount, 201);
		assert.equal(withAccount.json.user, ids.mediator2);
		assert.equal(withAccount.json.username, 'mediator2');
		assert.equal(typeof withAccount.json.user_name, 'string');
		assert.equal(withAccount.json.lead, false);
		for (const [who, target, body, status, field, code] of [
			[town1, url, { name: '又一次', user: ids.mediator2 }, 409, 'user', 'conflict'],
			[town1, url, { name: 'x', user: ids.leader }, 422, 'user', 'role'],
			[town1, url, { name: 'x', user: 999999 }, 422, 'user', 'not_found'],
			[town1, url, { name: 'x', specialities: ['01'] }, 422, 'specialities[0]', 'unknown'],
			[town1, url, { name: 'x', specialities: ['1701'] }, 422, 'specialities[0]', 'unknown'],
			[town1, url, { name: 'x', specialities: ['17', '17'] }, 422, 'specialities[1]', 'duplicate'],
			[town1, url, { name: 'x', specialities: [17] }, 422, 'specialities[0]', 'type'],
			[town1, url, { name: 'x', specialities: '17' }, 422, 'specialities', 'type'],
			[town1, url, { name: 'x', specialities: Array(17).fill('17') }, 422, 'specialities', 'too_long'],
			[town1, url, { name: 'x', phone: '110' }, 422, 'phone', 'format'],
			[town1, url, { name: 'x', lead: 'yes' }, 422, 'lead', undefined],
			[town1, url, {}, 422, 'name', 'required'],
			[town1, url, { name: 'x', body: 1 }, 422, 'body', 'unknown'],
		])
			assertFieldError(await who.post(target, body), status, status === 409 ? 'conflict' : 'validation', field, code);
		// An account whose area does not include the body's region.
		const labour = await bodyOf(county, COUNTY, 'trade', 'labour');
		assertFieldError(await county.post(`${B}/${labour.id}/mediators`, { name: 'x', user: ids.mediator2 }), 422, 'validation', 'user', 'out_of_reach');

		const patched = await town1.patch(`${M}/${m.id}`, { lead: false, phone: null, specialities: ['17'] }, { headers: { 'If-Match': '"1"' } });
		assertStatus(patched, 200);
		assert.equal(patched.json.lead, false);
		assert.equal(patched.json.phone, null);
		assert.deepEqual(patched.json.specialities, ['17']);
		assert.equal(patched.json.version, 2);
		assertProblem(await town1.patch(`${M}/${m.id}`, { lead: true }, { headers: { 'If-Match': '"1"' } }), 409, 'conflict');
		assertFieldError(await town1.patch(`${M}/${withAccount.json.id}`, { user: ids.worker1 }), 422, 'validation', 'user', 'role');
		assertStatus(await town1.patch(`${M}/${m.id}`, { lead: true }), 200);
		assertStatus(await village1.get(`${M}/${m.id}`), 200);
		assert.ok((await auditRows(auditor, 'mediator.create')).some((r) => r.object_id === String(m.id)));
		assert.ok((await auditRows(auditor, 'mediator.update')).some((r) => r.object_id === String(m.id)));

		// The pool for a traffic dispute in village 1: active leads who take 17,
		// of active bodies that reach the village.
		const pool = await allItems(town1, `${M}?region=${VILLAGE1}&speciality=17&limit=50`);
		assert.ok(pool.some((x) => x.id === m.id), JSON.stringify(pool));
		assert.ok(!pool.some((x) => x.id === withAccount.json.id), 'not a lead');
		for (const x of pool) {
			assert.equal(x.lead, true);
			assert.equal(x.active, true);
			assert.ok(x.specialities.includes('17'));
			assert.ok([VILLAGE1, TOWN1, COUNTY].includes(x.body.region), x.body.region);
		}
		// Another town's pool never shows town 1's bodies.
		const other = await allItems(town2, `${M}?speciality=17&limit=200`);
		assert.ok(other.every((x) => !x.body.region.startsWith('610326001')));
		assert.ok(!(await allItems(town2, `${M}?region=${VILLAGE1}&limit=200`)).some((x) => x.body.region.startsWith('610326001')));
		// A body made inactive leaves the pool.
		assertStatus(await town1.patch(`${B}/${made.id}`, { active: false }), 200);
		assert.ok(!(await allItems(town1, `${M}?region=${VILLAGE1}&speciality=17&limit=50`)).some((x) => x.id === m.id));
		assertFieldError(await town1.get(`${M}?speciality=01`), 422, 'validation', 'speciality', 'unknown');
		assertFieldError(await town1.get(`${M}?region=x`), 422, 'validation', 'region', 'pattern');
		assertFieldError(await town1.get(`${B}/${made.id}/mediators?active=1`), 422, 'validation', 'active', 'type');
		assert.equal((await town1.get(`${B}/${made.id}/mediators?active=true`)).json.total, 2);
	});
});

describe('posts of a region', () => {
	it('PUT replaces the set; GET reads it back', async () => {
		const res = await town1.put(P(VILLAGE1), {
			posts: [
				{ post: 'party_secretary', user: ids.secretary1 },
				{ post: 'committee_member', user: ids.member1 },
				{ post: 'committee_member', user: ids.secretary1 },
			],
		});
		assertStatus(res, 200);
		// By post, then by account id.
		const members = ['secretary1', 'member1'].sort((a, b) => ids[a] - ids[b]);
		assert.deepEqual(
			res.json.items.map((p) => `${p.post}:${p.username}`),
			['party_secretary:secretary1', ...members.map((u) => `committee_member:${u}`)],
		);
		const back = await village1.get(P(VILLAGE1));
		assert.equal(back.json.items.length, 3);
		assert.ok((await auditRows(auditor, 'region.posts')).some((r) => r.object_id === VILLAGE1));
		// Put the demo's posts back.
		assertStatus(
			await town1.put(P(VILLAGE1), {
				posts: [
					{ post: 'party_secretary', user: ids.secretary1 },
					{ post: 'committee_member', user: ids.member1 },
					{ post: 'womens_federation', user: ids.member1 },
				],
			}),
			200,
		);
	});

	it('each post fits its level, each holder is an active account reaching the region', async () => {
		for (const [region, posts, field, code] of [
			[VILLAGE1, [{ post: 'dept_head', user: ids.secretary1 }], 'posts[0].post', 'level'],
			[VILLAGE1, [{ post: 'county_leader', user: ids.secretary1 }], 'posts[0].post', 'level'],
			[TOWN1, [{ post: 'committee_member', user: ids.townsec1 }], 'posts[0].post', 'level'],
			[TOWN1, [{ post: 'womens_federation', user: ids.townsec1 }], 'posts[0].post', 'level'],
			[VILLAGE1, [{ post: 'mayor', user: ids.secretary1 }], 'posts[0].post', 'unknown'],
			[VILLAGE1, [{ user: ids.secretary1 }], 'posts[0].post', 'required'],
			[VILLAGE1, [{ post: 'party_secretary' }], 'posts[0].user', 'required'],
			[VILLAGE1, [{ post: 'party_secretary', user: 999999 }], 'posts[0].user', 'not_found'],
			[VILLAGE1, [{ post: 'party_secretary', user: ids.worker2 }], 'posts[0].user', 'out_of_reach'],
			[TOWN1, [{ post: 'dept_head', user: ids.secretary1 }], 'posts[0].user', 'out_of_reach'],
			[VILLAGE1, [{ post: 'party_secretary', user: 'x' }], 'posts[0].user', 'type'],
			[VILLAGE1, [{ post: 'party_secretary', user: ids.secretary1, since: 1 }], 'posts[0]', 'unknown'],
			[VILLAGE1, ['party_secretary'], 'posts[0]', 'type'],
			[
				VILLAGE1,
				[
					{ post: 'party_secretary', user: ids.secretary1 },
					{ post: 'party_secretary', user: ids.secretary1 },
				],
				'posts[1]',
				'duplicate',
			],
			[VILLAGE1, Array(31).fill({ post: 'committee_member', user: ids.member1 }), 'posts', 'too_long'],
			[VILLAGE1, 'all', 'posts', 'type'],
		])
			assertFieldError(await town1.put(P(region), { posts }), 422, 'validation', field, code);
		assertFieldError(await town1.put(P(VILLAGE1), {}), 422, 'validation', 'posts', 'required');
		assertFieldError(await town1.put(P(VILLAGE1), { posts: [], extra: 1 }), 422, 'validation', 'extra', 'unknown');
		// County leaders are set at the county, by the county.
		assertStatus(await county.put(P(COUNTY), { posts: [{ post: 'county_leader', user: ids.leader }] }), 200);
		// Nothing was changed by the refusals.
		assert.equal((await town1.get(P(VILLAGE1))).json.items.length, 3);
	});

	it('scope: another town neither reads nor sets them; a town reads the county but does not set it', async () => {
		assertProblem(await town2.get(P(VILLAGE1)), 404, 'not-found');
		assertProblem(await town2.put(P(VILLAGE1), { posts: [] }), 404, 'not-found');
		assertStatus(await town1.get(P(COUNTY)), 200);
		assertProblem(await town1.put(P(COUNTY), { posts: [] }), 404, 'not-found');
		assertProblem(await town1.get(P('610326001999')), 404, 'not-found');
		assertProblem(await town1.get(P('garbage')), 404, 'not-found');
		assertStatus(await town2.get(P(TOWN2)), 200);
		assert.equal(srv.sql(`SELECT count(*) FROM region_posts WHERE region = '${VILLAGE1}'`)[0][0], '3');
	});
});
