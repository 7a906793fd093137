// The sysadmin's edits of the shipped organisation data, and the account
// picker of the posts and mediators forms:
//   PATCH /categories/{code}          a minor category's deadline (or back to the file's)
//   PUT /departments/{code}/duties    a department's duty list (or back to the default)
//   GET /users/pick                   active accounts in the caller's area, few fields
// Each: success as GET shows it, every field error by name, 403 / 404 / 409,
// the audit row; the case engine using an edit at once (a new case's
// deadline, the department it routes to); `wangge migrate` on an unchanged
// and on a changed data file keeping the edits.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, assertUnauthenticated, call, login } from './lib/http.mjs';
import { ensureGrids } from './lib/basedata.mjs';
import { COUNTY, GRID1, ROOT, TOWN1, TOWN2, VILLAGE1, startServer } from './lib/server.mjs';

const CAT = '/api/v1/categories';
const D = '/api/v1/departments';
const PICK = '/api/v1/users/pick';
const C = '/api/v1/cases';
const file = (f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'data', f), 'utf8'));
const minors = new Map(file('categories.json').categories.flatMap((m) => m.children.map((c) => [c.code, c])));
const T1 = TOWN1.slice(0, 9);
const T2 = TOWN2.slice(0, 9);

// 0807 and 0804: owned by the county police, 3 and 5 working days in the file.
const EDITED = '0807';
const FIVE_DAYS = '0804';
// 0808: owned by the town police; routing moves it to the town's justice office.
const ROUTED = '0808';

let srv;
let sys, sec, aud, county, town1, town2, village1, worker1, police1, leader, mediator1, townadmin;

before(async () => {
	assert.deepEqual(minors.get(EDITED).deadline, { working_days: 3 });
	assert.deepEqual(minors.get(FIVE_DAYS).deadline, { working_days: 5 });
	assert.equal(minors.get(ROUTED).owner.town, 'police');
	srv = await startServer({ users: [{ username: 'townadmin', name: '镇系统管理员', region: TOWN1, roles: ['sysadmin'] }] });
	ensureGrids(srv);
	[sys, sec, aud, county, town1, town2, village1, worker1, police1, leader, mediator1, townadmin] = await Promise.all(
		['sysadmin', 'secadmin', 'auditor', 'county', 'town1', 'town2', 'village1', 'worker1', 'police1', 'leader', 'mediator1', 'townadmin'].map(
			async (u) => as(srv, await login(srv, u)),
		),
	);
});
after(async () => {
	await srv?.stop();
});

const ifMatch = (v) => ({ headers: { 'If-Match': `"${v}"` } });

async function category(code) {
	const res = await county.get(`${CAT}/${code}`);
	assertStatus(res, 200);
	return res.json;
}

async function department(code) {
	const res = await sys.get(`${D}/${code}`);
	assertStatus(res, 200);
	return res.json;
}

async function allDepartments() {
	const items = [];
	let cursor = null;
	do {
		const res = await sys.get(`${D}?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
		assertStatus(res, 200);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
	} while (cursor);
	return items;
}

async function auditRows(action) {
	const res = await aud.get(`/api/v1/audit?action=${action}&limit=200`);
	assertStatus(res, 200);
	return res.json.items;
}

// A grid worker's report in GRID1, accepted by the village and assessed at
// level; returns the assessed case.
async function assessed(categoryCode, level) {
	let res = await worker1.post(C, { category: categoryCode, description: `测试事项 ${categoryCode} ${level}`, grid: GRID1 });
	assertStatus(res, 201);
	let c = res.json;
	res = await village1.post(`${C}/${c.id}/actions/accept`, {}, ifMatch(c.version));
	assertStatus(res, 200);
	c = res.json;
	res = await village1.post(`${C}/${c.id}/actions/assess`, { level }, ifMatch(c.version));
	assertStatus(res, 200);
	return res.json;
}

// A county-level case dispatched to the county police and acknowledged, so
// that its deadline is the handling deadline the category gave at dispatch.
async function handlingDeadline(categoryCode) {
	let c = await assessed(categoryCode, 'county');
	let res = await county.post(`${C}/${c.id}/actions/dispatch`, {}, ifMatch(c.version));
	assertStatus(res, 200);
	c = res.json;
	assert.equal(c.department, '610326-police');
	res = await police1.post(`${C}/${c.id}/actions/acknowledge`, {}, ifMatch(c.version));
	assertStatus(res, 200);
	assert.equal(res.json.state, 'handling');
	assert.ok(res.json.deadline);
	return res.json.deadline;
}

describe('PATCH /categories/{code}', () => {
	it('GET /categories and /categories/{code} show the deadline, the default, the mark and the version', async () => {
		const tree = (await county.get(CAT)).json.items;
		const fromTree = tree.flatMap((m) => m.children).find((c) => c.code === EDITED);
		assert.deepEqual(fromTree.deadline, { working_days: 3 });
		assert.deepEqual(fromTree.default_deadline, { working_days: 3 });
		assert.equal(fromTree.deadline_edited_at, null);
		assert.equal(typeof fromTree.version, 'number');
		const one = await category(EDITED);
		assert.equal(one.parent, '08');
		assert.deepEqual({ ...one, parent: undefined }, { ...fromTree, parent: undefined });
		const major = await category('08');
		assert.equal(major.children.length, file('categories.json').categories.find((m) => m.code === '08').children.length);
		assert.equal(major.deadline, undefined);
		assertProblem(await county.get(`${CAT}/9999`), 404, 'not-found');
		assertProblem(await county.get(`${CAT}/abc`), 404, 'not-found');
	});

	it('a sysadmin sets it: 200 with the category, marked, audited; new cases use it', async () => {
		const before3 = await handlingDeadline(EDITED);
		const five = await handlingDeadline(FIVE_DAYS);
		assert.notEqual(before3, five);

		const was = await category(EDITED);
		const res = await sys.patch(`${CAT}/${EDITED}`, { deadline: 5, deadline_unit: 'working_days' }, ifMatch(was.version));
		assertStatus(res, 200);
		assert.equal(res.json.code, EDITED);
		assert.deepEqual(res.json.deadline, { working_days: 5 });
		assert.deepEqual(res.json.default_deadline, { working_days: 3 });
		assert.ok(res.json.deadline_edited_at);
		assert.equal(res.json.version, was.version + 1);
		assert.deepEqual(await category(EDITED), res.json);

		const rows = (await auditRows('category.deadline')).filter((r) => r.object_id === EDITED);
		assert.equal(rows.length, 1);
		assert.equal(rows[0].actor_name, 'sysadmin');
		assert.equal(rows[0].object_type, 'category');
		const detail = typeof rows[0].detail === 'string' ? JSON.parse(rows[0].detail) : rows[0].detail;
		assert.deepEqual(detail, {
			deadline: 5,
			deadline_unit: 'working_days',
			previous_deadline: 3,
			previous_deadline_unit: 'working_days',
			restored: false,
		});

		// The next dispatch counts 5 working days, as a 5-day category does.
		assert.equal(await handlingDeadline(EDITED), five);
	});

	it('the unit alone, the number alone, and back to the file with null', async () => {
		let c = await category(FIVE_DAYS);
		let res = await sys.patch(`${CAT}/${FIVE_DAYS}`, { deadline_unit: 'working_hours' });
		assertStatus(res, 200);
		assert.deepEqual(res.json.deadline, { working_hours: 5 });
		res = await sys.patch(`${CAT}/${FIVE_DAYS}`, { deadline: 2920 });
		assertStatus(res, 200);
		assert.deepEqual(res.json.deadline, { working_hours: 2920 });
		res = await sys.patch(`${CAT}/${FIVE_DAYS}`, { deadline: null });
		assertStatus(res, 200);
		assert.deepEqual(res.json.deadline, { working_days: 5 });
		assert.equal(res.json.deadline_edited_at, null);
		assert.equal(res.json.version, c.version + 3);
		const restored = (await auditRows('category.deadline')).find((r) => r.object_id === FIVE_DAYS);
		assert.match(JSON.stringify(restored.detail), /"restored\\?":true/);
		c = res.json;
		// A case dispatched now counts the file's 5 working days again.
		assert.equal(await handlingDeadline(FIVE_DAYS), await handlingDeadline(EDITED));
	});

	it('If-Match: a stale version is 409 and changes nothing; a malformed one 400', async () => {
		const c = await category(EDITED);
		assertProblem(await sys.patch(`${CAT}/${EDITED}`, { deadline: 4 }, ifMatch(c.version - 1)), 409, 'conflict');
		assert.deepEqual(await category(EDITED), c);
		assertProblem(await sys.patch(`${CAT}/${EDITED}`, { deadline: 4 }, { headers: { 'If-Match': 'W/"x"' } }), 400, 'bad-request');
	});

	it('422 naming each bad field', async () => {
		const before = await category(EDITED);
		for (const [code, body, field, why] of [
			[EDITED, {}, 'deadline', 'required'],
			[EDITED, { deadline: 'five' }, 'deadline', 'type'],
			[EDITED, { deadline: 2.5 }, 'deadline', 'type'],
			[EDITED, { deadline: 0 }, 'deadline', 'range'],
			[EDITED, { deadline: -3 }, 'deadline', 'range'],
			[EDITED, { deadline: 366, deadline_unit: 'working_days' }, 'deadline', 'range'],
			[EDITED, { deadline: 2921, deadline_unit: 'working_hours' }, 'deadline', 'range'],
			[EDITED, { deadline: 366 }, 'deadline', 'range'], // the current unit is working_days
			[EDITED, { deadline: 3, deadline_unit: 'weeks' }, 'deadline_unit', 'unknown'],
			[EDITED, { deadline: 3, deadline_unit: 7 }, 'deadline_unit', 'type'],
			[EDITED, { deadline: null, deadline_unit: 'working_days' }, 'deadline_unit', 'restore'],
			[EDITED, { deadline: 3, owner: 'police' }, 'owner', 'unknown'],
			['08', { deadline: 3 }, 'deadline', 'major'],
		]) {
			assertFieldError(await sys.patch(`${CAT}/${code}`, body), 422, 'validation', field, why);
		}
		assert.deepEqual(await category(EDITED), before);
	});

	it('404 for a code that is no category; 403 for anyone but the sysadmin; 401 without a session', async () => {
		assertProblem(await sys.patch(`${CAT}/9999`, { deadline: 3 }), 404, 'not-found');
		assertProblem(await sys.patch(`${CAT}/08x1`, { deadline: 3 }), 404, 'not-found');
		assertProblem(await sys.patch(`${CAT}/080701`, { deadline: 3 }), 404, 'not-found');
		for (const who of [county, town1, sec, aud, police1, leader, worker1]) {
			assertProblem(await who.patch(`${CAT}/${EDITED}`, { deadline: 3 }), 403, 'forbidden');
		}
		assertUnauthenticated(await call(srv, 'PATCH', `${CAT}/${EDITED}`, { json: { deadline: 3 } }));
		assertProblem(await aud.get(`${CAT}/${EDITED}`), 403, 'forbidden');
		assert.deepEqual((await category(EDITED)).deadline, { working_days: 5 });
	});
});

describe('PUT /departments/{code}/duties', () => {
	const police = `${T1}-police`;
	const justice = `${T1}-justice`;

	it('GET /departments/{code} shows the duties, the default list, the mark and the version', async () => {
		const d = await department(police);
		assert.ok(d.duties.includes(ROUTED));
		assert.deepEqual(d.default_duties, d.duties);
		assert.equal(d.duties_edited_at, null);
		assert.equal(typeof d.version, 'number');
	});

	it('routing follows an edit at once; audited with what was added and removed', async () => {
		let c = await assessed(ROUTED, 'town');
		let res = await town1.post(`${C}/${c.id}/actions/dispatch`, {}, ifMatch(c.version));
		assertStatus(res, 200);
		assert.equal(res.json.department, police, 'the file routes 0808 to the town police');

		const p = await department(police);
		res = await sys.put(`${D}/${police}/duties`, { categories: p.duties.filter((x) => x !== ROUTED) }, ifMatch(p.version));
		assertStatus(res, 200);
		assert.ok(!res.json.duties.includes(ROUTED));
		assert.ok(res.json.duties_edited_at);
		assert.equal(res.json.version, p.version + 1);
		assert.deepEqual(res.json.default_duties, p.default_duties);
		assert.deepEqual(await department(police), res.json);

		// Without the owner, the first other department of the town that
		// holds 0808 takes it (by code), as routing.h says.
		const holders = (await sys.get(`${D}?region=${TOWN1}&limit=200`)).json.items.filter((d) => d.duties.includes(ROUTED));
		assert.ok(holders.length > 0 && holders.every((d) => d.code !== police && d.code < justice), holders.map((d) => d.code).join());
		c = await assessed(ROUTED, 'town');
		res = await town1.post(`${C}/${c.id}/actions/dispatch`, {}, ifMatch(c.version));
		assertStatus(res, 200);
		assert.equal(res.json.department, holders[0].code);

		// Once no town department holds it, the centre must name one.
		for (const h of holders) {
			assertStatus(await sys.put(`${D}/${h.code}/duties`, { categories: h.duties.filter((x) => x !== ROUTED) }), 200);
		}
		c = await assessed(ROUTED, 'town');
		assertFieldError(await town1.post(`${C}/${c.id}/actions/dispatch`, {}, ifMatch(c.version)), 422, 'validation', 'department', 'required');

		const j = await department(justice);
		res = await sys.put(`${D}/${justice}/duties`, { categories: [ROUTED, ...j.duties] });
		assertStatus(res, 200);
		assert.deepEqual(res.json.duties, [ROUTED, ...j.duties].sort());
		res = await town1.post(`${C}/${c.id}/actions/dispatch`, {}, ifMatch(c.version));
		assertStatus(res, 200);
		assert.equal(res.json.department, justice, 'routed by the edited duty lists');

		const rows = await auditRows('department.duties');
		const removed = rows.find((r) => r.object_id === police);
		const added = rows.find((r) => r.object_id === justice);
		const detail = (r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail);
		assert.deepEqual(detail(removed), { added: [], removed: [ROUTED], restored: false });
		assert.deepEqual(detail(added), { added: [ROUTED], removed: [], restored: false });
		assert.equal(removed.actor_name, 'sysadmin');
		assert.equal(removed.object_type, 'department');
	});

	it('an empty list is a list; null puts back the default', async () => {
		const vet = `${T2}-veterans`;
		const d = await department(vet);
		let res = await sys.put(`${D}/${vet}/duties`, { categories: [] });
		assertStatus(res, 200);
		assert.deepEqual(res.json.duties, []);
		assert.ok(res.json.duties_edited_at);
		res = await sys.put(`${D}/${vet}/duties`, { categories: null });
		assertStatus(res, 200);
		assert.deepEqual(res.json.duties, d.default_duties);
		assert.equal(res.json.duties_edited_at, null);
		const restored = (await auditRows('department.duties')).find((r) => r.object_id === vet);
		assert.match(JSON.stringify(restored.detail), /"restored\\?":true/);
	});

	it('a department added through the API: its creation list is its default', async () => {
		const res = await sys.post(D, { key: 'grid_office', region: TOWN2, name: '网格办', name_en: 'Grid Office', duties: ['0301', '0102'] });
		assertStatus(res, 201);
		assert.deepEqual(res.json.default_duties, ['0102', '0301']);
		const code = res.json.code;
		assertStatus(await sys.put(`${D}/${code}/duties`, { categories: ['0501'] }), 200);
		const back = await sys.put(`${D}/${code}/duties`, { categories: null });
		assertStatus(back, 200);
		assert.deepEqual(back.json.duties, ['0102', '0301']);
	});

	it('422 naming each bad field, and nothing changes', async () => {
		const code = `${T2}-police`;
		const before = await department(code);
		const many = Array.from({ length: 1001 }, () => '0801');
		for (const [body, field, why] of [
			[{}, 'categories', 'required'],
			[{ categories: '0801' }, 'categories', 'type'],
			[{ categories: { a: 1 } }, 'categories', 'type'],
			[{ categories: many }, 'categories', 'too_long'],
			[{ categories: ['0801', '0802', '0801'] }, 'categories[2]', 'duplicate'],
			[{ categories: ['0801', '08'] }, 'categories[1]', 'pattern'],
			[{ categories: ['0801', 801] }, 'categories[1]', 'pattern'],
			[{ categories: [null] }, 'categories[0]', 'pattern'],
			[{ categories: ['080a'] }, 'categories[0]', 'pattern'],
			[{ categories: ['0801', '0802', '0803', '9999'] }, 'categories[3]', 'not_found'],
			[{ categories: ['0801'], extra: true }, 'extra', 'unknown'],
		]) {
			assertFieldError(await sys.put(`${D}/${code}/duties`, body), 422, 'validation', field, why);
		}
		// Every bad element is named at once.
		const res = await sys.put(`${D}/${code}/duties`, { categories: ['9999', '0801', 'x', '0801'] });
		const fields = assertProblem(res, 422, 'validation').errors.map((e) => e.field);
		assert.deepEqual(fields.sort(), ['categories[0]', 'categories[2]', 'categories[3]']);
		assert.deepEqual(await department(code), before);
	});

	it('404 outside the area or unknown, 403 above it or for another role, 409 inactive or stale', async () => {
		const mine = `${T1}-health`;
		const ok = { categories: ['0704'] };
		assertProblem(await sys.put(`${D}/610326-nothing/duties`, ok), 404, 'not-found');
		assertProblem(await townadmin.put(`${D}/${T2}-health/duties`, ok), 404, 'not-found');
		const above = await townadmin.put(`${D}/610326-health/duties`, ok);
		assertProblem(above, 403, 'forbidden');
		assertStatus(await townadmin.put(`${D}/${mine}/duties`, ok), 200);
		for (const who of [county, town1, sec, aud, police1]) {
			assertProblem(await who.put(`${D}/${mine}/duties`, ok), 403, 'forbidden');
		}
		assertUnauthenticated(await call(srv, 'PUT', `${D}/${mine}/duties`, { json: ok }));

		const d = await department(mine);
		assertProblem(await sys.put(`${D}/${mine}/duties`, ok, ifMatch(d.version + 5)), 409, 'conflict');
		srv.sql(`UPDATE departments SET active = 0 WHERE code = '${T2}-culture_tourism'`);
		const inactive = await sys.put(`${D}/${T2}-culture_tourism/duties`, ok);
		assert.match(assertProblem(inactive, 409, 'conflict').detail, /not active/);
		assert.deepEqual((await department(mine)).duties, ['0704']);
	});
});

describe('wangge migrate keeps the edits', () => {
	it('an unchanged data folder loads nothing and changes nothing', async () => {
		const cat = await category(EDITED);
		const pol = await department(`${T1}-police`);
		const r = srv.cli(['migrate']);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(await category(EDITED), cat);
		assert.deepEqual(await department(`${T1}-police`), pol);
	});

	it('a changed file: edits stay, the new file values become the defaults, the rest follows the file', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-data-'));
		try {
			fs.cpSync(path.join(ROOT, 'data'), dir, { recursive: true });
			const cats = file('categories.json');
			const mins = cats.categories.flatMap((m) => m.children);
			mins.find((c) => c.code === EDITED).deadline = { working_days: 4 };
			mins.find((c) => c.code === '0809').deadline = { working_days: 4 };
			fs.writeFileSync(path.join(dir, 'categories.json'), JSON.stringify(cats, null, '\t'));
			const deps = file('departments.json');
			const pol = deps.departments.find((d) => d.key === 'police');
			const gained = [...minors.keys()].find((code) => !pol.duties.some((x) => x.category === code));
			pol.duties.push({ category: gained, levels: ['town'] });
			fs.writeFileSync(path.join(dir, 'departments.json'), JSON.stringify(deps, null, '\t'));

			const editedLists = (await allDepartments()).filter((d) => d.duties_edited_at).length;
			assert.ok(editedLists >= 3);
			const r = srv.cli(['migrate', `--data.dir=${dir}`]);
			assert.equal(r.code, 0, r.stderr);
			const said = new RegExp(`kept what administrators edited: 1 category deadlines .*, ${editedLists} department duty lists`);
			assert.match(r.stdout + r.stderr, said);

			const edited = await category(EDITED);
			assert.deepEqual(edited.deadline, { working_days: 5 }, 'the sysadmin\'s 5 days stay');
			assert.deepEqual(edited.default_deadline, { working_days: 4 }, 'the file\'s new value is the default');
			assert.ok(edited.deadline_edited_at);
			const plain = await category('0809');
			assert.deepEqual(plain.deadline, { working_days: 4 }, 'an unedited category follows the file');
			assert.equal(plain.deadline_edited_at, null);

			const pol1 = await department(`${T1}-police`);
			assert.ok(!pol1.duties.includes(ROUTED) && !pol1.duties.includes(gained), 'the edited list stays whole');
			assert.ok(pol1.default_duties.includes(gained) && pol1.default_duties.includes(ROUTED));
			const pol2 = await department(`${T2}-police`);
			assert.ok(pol2.duties.includes(gained), 'an unedited list follows the file');
			assert.equal(pol2.duties_edited_at, null);

			// Back to the defaults: the new file's.
			const back = await sys.patch(`${CAT}/${EDITED}`, { deadline: null });
			assertStatus(back, 200);
			assert.deepEqual(back.json.deadline, { working_days: 4 });
			const list = await sys.put(`${D}/${T1}-police/duties`, { categories: null });
			assertStatus(list, 200);
			assert.ok(list.json.duties.includes(gained) && list.json.duties.includes(ROUTED));
			assert.deepEqual(list.json.duties, list.json.default_duties);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('GET /users/pick', () => {
	const KEYS = ['department', 'grid', 'id', 'name', 'region', 'roles', 'username'];

	async function pickAll(who, query = '') {
		const items = [];
		let cursor = null;
		let total;
		do {
			const res = await who.get(`${PICK}?limit=50${query}${cursor ? `&cursor=${cursor}` : ''}`);
			assertStatus(res, 200);
			items.push(...res.json.items);
			total = res.json.total;
			cursor = res.json.next_cursor;
		} while (cursor);
		assert.equal(items.length, total);
		assert.equal(new Set(items.map((u) => u.id)).size, items.length, 'no account twice across pages');
		return items;
	}

	it('a town operator picks among the accounts of the town only, with only the picking fields', async () => {
		const items = await pickAll(town1);
		const names = items.map((u) => u.username);
		for (const u of ['town1', 'village1', 'worker1', 'mediator2', 'secretary1', 'townadmin']) assert.ok(names.includes(u), `${u} in ${names}`);
		for (const u of ['town2', 'worker2', 'county', 'sysadmin', 'police1', 'leader']) assert.ok(!names.includes(u), `${u} not in ${names}`);
		for (const u of items) {
			assert.deepEqual(Object.keys(u).sort(), KEYS);
			assert.ok(u.region.startsWith(T1), `${u.username} at ${u.region}`);
			assert.ok(Array.isArray(u.roles));
		}
		const w = items.find((u) => u.username === 'worker1');
		assert.equal(w.grid, GRID1);
		assert.equal(w.region, VILLAGE1);
		assert.deepEqual(w.roles, ['grid_worker']);
		// ... and town 2 the other way round.
		const other = (await pickAll(town2)).map((u) => u.username);
		assert.ok(other.includes('worker2') && !other.includes('worker1') && !other.includes('town1'));
	});

	it('the county and its sysadmin see the whole county', async () => {
		for (const who of [county, sys]) {
			const names = (await pickAll(who)).map((u) => u.username);
			for (const u of ['town1', 'town2', 'worker1', 'worker2', 'police1', 'county']) assert.ok(names.includes(u), `${u}`);
		}
	});

	it('q (username or name, any part), role and region filter; a region outside the area gives nothing', async () => {
		assert.deepEqual((await pickAll(county, '&q=orker')).map((u) => u.username).sort(), ['worker1', 'worker2']);
		assert.deepEqual((await pickAll(county, '&q=WORKER1')).map((u) => u.username), ['worker1']);
		const t1 = (await pickAll(county, '&q=town1'))[0];
		const part = [...t1.name].slice(1, 3).join('');
		assert.ok((await pickAll(county, `&q=${encodeURIComponent(part)}`)).some((u) => u.username === 'town1'));
		const mediators = await pickAll(county, '&role=mediator');
		assert.ok(mediators.length >= 2 && mediators.every((u) => u.roles.includes('mediator')));
		assert.deepEqual((await pickAll(town1, '&role=mediator')).map((u) => u.username), ['mediator2']);
		const village = await pickAll(county, `&region=${VILLAGE1}`);
		assert.ok(village.length > 0 && village.every((u) => u.region === VILLAGE1));
		assert.ok(village.some((u) => u.username === 'worker1'));
		assert.deepEqual(await pickAll(town1, `&region=${TOWN2}`), []);
		assert.deepEqual(
			(await pickAll(town1, `&region=${COUNTY}`)).map((u) => u.id),
			(await pickAll(town1)).map((u) => u.id),
			'a region above the caller\'s area is the caller\'s area',
		);
		assert.deepEqual(await pickAll(county, '&q=nobody-by-that-name'), []);
	});

	it('reaches: the accounts whose area holds a region, those that may serve it, within the caller\'s area', async () => {
		const all = await pickAll(county);
		const fits = (code) =>
			all.filter((u) => !u.grid && code.startsWith(u.region.replace(/0{10}$|0{8}$|0{6}$|000$/, ''))).map((u) => u.id).sort();
		const village = await pickAll(county, `&reaches=${VILLAGE1}`);
		assert.deepEqual(village.map((u) => u.id).sort(), fits(VILLAGE1));
		const names = village.map((u) => u.username);
		for (const u of ['village1', 'town1', 'county']) assert.ok(names.includes(u), `${u} may serve the village`);
		for (const u of ['worker1', 'town2', 'village2']) assert.ok(!names.includes(u), `${u} may not`);
		assert.deepEqual(
			(await pickAll(county, `&reaches=${TOWN1}`)).map((u) => u.id).sort(),
			fits(TOWN1),
			'a town: its own accounts and those above, none of its villages',
		);
		// Within the caller's area only: the town operator sees no county account.
		const fromTown = (await pickAll(town1, `&reaches=${VILLAGE1}`)).map((u) => u.username);
		assert.ok(fromTown.includes('town1') && fromTown.includes('village1') && !fromTown.includes('county'));
		// With the other filters; another town's village: nothing from town 1.
		assert.deepEqual((await pickAll(county, `&reaches=${VILLAGE1}&q=village1`)).map((u) => u.username), ['village1']);
		assert.deepEqual(await pickAll(town1, `&reaches=${TOWN2}`), []);
		assertFieldError(await town1.get(`${PICK}?reaches=61032600`), 422, 'validation', 'reaches', 'pattern');
	});

	it('limit: 20 by default, at most 50; cursor paging', async () => {
		for (let i = 0; i < 22; i++) {
			assertStatus(await sys.post('/api/v1/users', { username: `pick${i}`, name: `挑选${i}`, region: TOWN1 }), 201);
		}
		const first = await town1.get(PICK);
		assertStatus(first, 200);
		assert.equal(first.json.items.length, 20);
		assert.ok(first.json.total > 20);
		assert.ok(first.json.next_cursor);
		const second = await town1.get(`${PICK}?cursor=${first.json.next_cursor}`);
		assertStatus(second, 200);
		assert.ok(second.json.items.every((u) => !first.json.items.some((f) => f.id === u.id)));
		assert.equal((await town1.get(`${PICK}?limit=50`)).json.items.length, Math.min(50, first.json.total));
		assertFieldError(await town1.get(`${PICK}?limit=51`), 422, 'validation', 'limit', 'range');
		assertFieldError(await town1.get(`${PICK}?limit=0`), 422, 'validation', 'limit', 'range');
		assertFieldError(await town1.get(`${PICK}?cursor=bogus`), 422, 'validation', 'cursor', 'pattern');
		assertFieldError(await town1.get(`${PICK}?role=boss`), 422, 'validation', 'role', 'pattern');
		assertFieldError(await town1.get(`${PICK}?region=6103`), 422, 'validation', 'region', 'pattern');
	});

	it('a deactivated account is not offered', async () => {
		const id = (await pickAll(town1, '&q=pick0')).find((u) => u.username === 'pick0').id;
		const u = await sys.get(`/api/v1/users/${id}`);
		assertStatus(await sys.patch(`/api/v1/users/${id}`, { active: false }, ifMatch(u.json.version)), 200);
		assert.ok(!(await pickAll(town1, '&q=pick0')).some((x) => x.username === 'pick0'));
	});

	it('only centre operators and the sysadmin: 403 for the others, 401 without a session', async () => {
		for (const who of [worker1, police1, leader, mediator1, sec, aud]) {
			assertProblem(await who.get(PICK), 403, 'forbidden');
		}
		assertUnauthenticated(await call(srv, 'GET', PICK));
		// GET /users stays the account admins' own.
		assertProblem(await town1.get('/api/v1/users'), 403, 'forbidden');
	});
});
