// Residents (/api/v1/residents): create, read, list, search and change;
// ID numbers and phones masked in every list and record, shown in full only
// through ?unmask=<reason> to the roles allowed, each unmask audited before
// the answer; scope: town 1 never sees town 2's residents by any route. And
// `wangge import residents FILE.csv`: GBK and UTF-8, every bad row reported,
// all or nothing, --skip-bad, --dry-run, a 200 MB single-line file refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { allItems, assertPlaceNames, auditRows, ensureGrids, maskId, maskPhone, newIdNumber, newPhone } from './lib/basedata.mjs';
import { GRID1, GRID2, TOWN1, VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const R = '/api/v1/residents';

let srv;
let town1, town2, county, worker1, worker2, leader, auditor, police, village1;
let tmp;

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	[town1, town2, county, worker1, worker2, leader, auditor, police, village1] = await Promise.all(
		['town1', 'town2', 'county', 'worker1', 'worker2', 'leader', 'auditor', 'police1', 'village1'].map(
			async (u) => as(srv, await login(srv, u)),
		),
	);
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-residents-'));
});
after(async () => {
	await srv?.stop();
	if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function create(who, body) {
	const res = await who.post(R, body);
	assertStatus(res, 201);
	return res.json;
}

/** A resident of town 1 (village 1) with fresh numbers. */
async function resident1(extra = {}) {
	const id_number = newIdNumber('19800101', 'male');
	const phone = newPhone();
	const r = await create(town1, { name: '张三', id_number, phone, region: VILLAGE1, ...extra });
	return { ...r, full: { id_number, phone } };
}

function assertMasked(r, full) {
	assert.equal(r.id_number, maskId(full.id_number), `id_number not masked: ${JSON.stringify(r)}`);
	assert.equal(r.phone, maskPhone(full.phone), `phone not masked: ${JSON.stringify(r)}`);
	assert.equal(r.unmasked, false);
	assert.ok(!JSON.stringify(r).includes(full.id_number.slice(3, 14)), 'the hidden digits leak');
}

describe('create', () => {
	it('201 with the record masked, sex and birth date from the ID number, tags with labels', async () => {
		const id_number = newIdNumber('19850315', 'female');
		const phone = newPhone();
		const res = await town1.post(R, {
			name: '李梅',
			id_number,
			phone,
			region: VILLAGE1,
			household: 'H-001',
			address: '首善街道一号',
			residence_type: 'floating',
			tags: [{ tag: 'left_behind_child', visit_days: 20 }, { tag: 'disabled' }],
		});
		assertStatus(res, 201);
		const r = res.json;
		assert.equal(res.header('location'), `${R}/${r.id}`);
		assertMasked(r, { id_number, phone });
		assert.equal(r.sex, 'female');
		assert.equal(r.birth_date, '1985-03-15');
		assert.equal(r.region, VILLAGE1);
		assert.equal(r.grid, null);
		await assertPlaceNames(town1, r);
		assert.equal(r.residence_type, 'floating');
		assert.equal(r.residence_type_label, '流动人口');
		assert.equal(r.version, 1);
		assert.deepEqual(
			r.tags.map((t) => [t.tag, t.label, t.visit_days, t.worker]),
			[
				['disabled', '残疾人', 30, null],
				['left_behind_child', '留守儿童', 20, null],
			],
		);
	});

	it('a grid worker records in their grid and becomes the worker of the special groups', async () => {
		const me = (await worker1.get('/api/v1/me')).json;
		const r = await create(worker1, { name: '赵六', grid: GRID1, tags: [{ tag: 'community_correction' }] });
		assert.equal(r.grid, GRID1);
		await assertPlaceNames(worker1, r);
		assert.equal(r.tags[0].worker, me.id);
		assert.equal(r.tags[0].visit_days, 7);
		assertFieldError(await worker1.post(R, { name: '赵六', region: VILLAGE1 }), 422, 'validation', 'region', 'not_found');
	});

	it('422 with every problem at once', async () => {
		const res = await town1.post(R, {
			id_number: '610326198001011234',
			phone: '12345',
			sex: 'x',
			tags: [{ tag: 'vip' }, { tag: 'disabled', visit_days: 0 }],
			colour: 'red',
		});
		const b = assertProblem(res, 422, 'validation');
		const fields = b.errors.map((e) => `${e.field}/${e.code}`).sort();
		for (const f of ['name/required', 'colour/unknown', 'tags[1].visit_days/range']) assert.ok(fields.includes(f), `${f} in ${fields}`);
	});

	it('422 for what only the domain can judge, field by field', async () => {
		const male = newIdNumber('19900101', 'male');
		for (const [body, field, code] of [
			[{ name: 'a', id_number: '610326198001011234', region: VILLAGE1 }, 'id_number', 'checksum'],
			[{ name: 'a', id_number: male, sex: 'female', region: VILLAGE1 }, 'sex', 'conflict'],
			[{ name: 'a', id_number: male, birth_date: '1990-01-02', region: VILLAGE1 }, 'birth_date', 'conflict'],
			[{ name: 'a', phone: '1381234567', region: VILLAGE1 }, 'phone', 'format'],
			[{ name: 'a', region: VILLAGE1, tags: [{ tag: 'vip' }] }, 'tags[0].tag', 'unknown'],
			[{ name: 'a', region: VILLAGE1, residence_type: 'tourist' }, 'residence_type', 'unknown'],
			[{ name: 'a', region: VILLAGE2 }, 'region', 'not_found'],
			[{ name: 'a', grid: GRID2 }, 'grid', 'not_found'],
			[{ name: 'a' }, 'location', 'required'],
			[{ name: 'a', location: { lat: 91, lng: 107.7 } }, 'location.lat', 'range'],
			[{ name: 'a', location: 'here' }, 'location', 'type'],
			[{ name: 'a', region: VILLAGE1, house: 999999, house_relation: 'owner' }, 'house', 'not_found'],
			[{ name: 'a', region: VILLAGE1, house_relation: 'owner' }, 'house_relation', 'conflict'],
			[{ name: 'a', region: VILLAGE1, tags: [{ tag: 'disabled', worker: 999999 }] }, 'tags[0].worker', 'not_found'],
		]) {
			assertFieldError(await town1.post(R, body), 422, 'validation', field, code);
		}
	});

	it('409 naming id_number for a number already registered, in any town', async () => {
		const r = await resident1();
		const res = await town2.post(R, { name: '冒名', id_number: r.full.id_number.toLowerCase(), region: VILLAGE2 });
		assertFieldError(res, 409, 'conflict', 'id_number', 'conflict');
		const said = JSON.stringify([res.json.detail, res.json.errors]);
		assert.ok(!new RegExp(`\\b${r.id}\\b`).test(said), `the 409 names no record: ${said}`);
	});

	it('403 for roles that may not write base data', async () => {
		for (const who of [leader, auditor, police]) {
			assertProblem(await who.post(R, { name: 'a', region: VILLAGE1 }), 403, 'forbidden');
		}
	});
});

describe('read and list', () => {
	it('GET one: masked, 404 out of scope exactly like absent', async () => {
		const r = await resident1();
		const res = await town1.get(`${R}/${r.id}`);
		assertStatus(res, 200);
		assertMasked(res.json, r.full);
		const hidden = await town2.get(`${R}/${r.id}`);
		const absent = await town2.get(`${R}/99999999`);
		assertProblem(hidden, 404, 'not-found');
		assertProblem(absent, 404, 'not-found');
		assert.equal(hidden.json.detail, absent.json.detail);
		assertProblem(await town1.get(`${R}/abc`), 404, 'not-found');
		assertProblem(await worker2.get(`${R}/${r.id}`), 404, 'not-found');
		assertStatus(await leader.get(`${R}/${r.id}`), 200);
		assertProblem(await police.get(`${R}/${r.id}`), 403, 'forbidden');
	});

	it('lists are masked and scoped; total and paging', async () => {
		const mine = await resident1();
		const items = await allItems(town1, `${R}?limit=2`);
		assert.ok(items.some((r) => r.id === mine.id));
		for (const r of items) {
			if (r.id_number) assert.match(r.id_number, /^\d{3}\*{11}[\dX]{4}$/);
			if (r.phone) assert.match(r.phone, /^\d{3}\*{4}\d{4}$/);
			assert.ok(r.region.startsWith(TOWN1.slice(0, 9)), `town 1 sees only town 1: ${JSON.stringify(r)}`);
		}
		const first = await town1.get(`${R}?limit=1`);
		assert.equal(first.json.total, items.length);
		assert.equal(first.json.items.length, 1);
		assert.equal(typeof first.json.next_cursor, 'string');
		for (const r of await allItems(town2, R)) assert.ok(r.region.startsWith('610326101'), JSON.stringify(r));
		assertFieldError(await town1.get(`${R}?cursor=bogus`), 422, 'validation', 'cursor');
	});

	it('exact search by id_number and phone through the blind index; never across towns', async () => {
		const r = await resident1();
		const byId = await town1.get(`${R}?id_number=${r.full.id_number}`);
		assertStatus(byId, 200);
		assert.deepEqual(
			byId.json.items.map((x) => x.id),
			[r.id],
		);
		assertMasked(byId.json.items[0], r.full);
		const byPhone = await town1.get(`${R}?phone=${encodeURIComponent(`+86 ${r.full.phone}`)}`);
		assert.deepEqual(
			byPhone.json.items.map((x) => x.id),
			[r.id],
		);
		for (const q of [`id_number=${r.full.id_number}`, `phone=${r.full.phone}`]) {
			const other = await town2.get(`${R}?${q}`);
			assertStatus(other, 200);
			assert.deepEqual(other.json.items, []);
			assert.equal(other.json.total, 0);
		}
		assertStatus(await county.get(`${R}?id_number=${r.full.id_number}`), 200);
		assertFieldError(await town1.get(`${R}?id_number=123`), 422, 'validation', 'id_number', 'length');
		assertFieldError(await town1.get(`${R}?phone=12`), 422, 'validation', 'phone', 'format');
	});

	it('filters: q (substring of the name), special_group, grid, region', async () => {
		const a = await create(town1, { name: '欧阳修远', region: VILLAGE1, tags: [{ tag: 'veteran' }] });
		const b = await create(worker1, { name: '修远', grid: GRID1 });
		const ids = async (q) => (await allItems(town1, `${R}?${q}`)).map((r) => r.id);
		assert.deepEqual(await ids(`q=${encodeURIComponent('修远')}`), [a.id, b.id]);
		assert.deepEqual(await ids(`q=${encodeURIComponent('阳修')}`), [a.id]);
		assert.ok((await ids('special_group=veteran')).includes(a.id));
		assert.ok(!(await ids('special_group=veteran')).includes(b.id));
		assert.ok((await ids(`grid=${GRID1}`)).includes(b.id));
		assert.ok(!(await ids(`grid=${GRID1}`)).includes(a.id));
		assert.ok((await ids(`region=${VILLAGE1}`)).includes(a.id));
		assert.deepEqual(await ids(`region=${VILLAGE2}`), []);
		assertFieldError(await town1.get(`${R}?special_group=vip`), 422, 'validation', 'special_group', 'unknown');
		assertFieldError(await town1.get(`${R}?grid=${GRID1}&region=${VILLAGE1}`), 422, 'validation', 'grid', 'conflict');
	});
});

describe('unmask', () => {
	it('a centre operator sees the numbers with a reason; the audit row has the reason, never the numbers', async () => {
		const r = await resident1();
		const reason = '核查身份信息';
		const res = await town1.get(`${R}/${r.id}?unmask=${encodeURIComponent(reason)}`);
		assertStatus(res, 200);
		assert.equal(res.json.id_number, r.full.id_number);
		assert.equal(res.json.phone, r.full.phone);
		assert.equal(res.json.unmasked, true);
		const rows = (await auditRows(auditor, 'resident.unmask')).filter((a) => a.object_id === String(r.id));
		assert.equal(rows.length, 1);
		assert.equal(rows[0].actor_name, 'town1');
		assert.equal(rows[0].object_type, 'resident');
		assert.deepEqual(rows[0].detail, { reason });
		const all = JSON.stringify(await auditRows(auditor, 'resident.'));
		assert.ok(!all.includes(r.full.id_number) && !all.includes(r.full.phone), 'numbers in the audit trail');
	});

	it('a grid worker may unmask in their grid', async () => {
		const id_number = newIdNumber('19700101', 'female');
		const r = await create(worker1, { name: '孙七', id_number, grid: GRID1 });
		const res = await worker1.get(`${R}/${r.id}?unmask=${encodeURIComponent('入户走访核对')}`);
		assertStatus(res, 200);
		assert.equal(res.json.id_number, id_number);
	});

	it('403 for a leader, with nothing recorded; 404 out of scope, with nothing recorded', async () => {
		const r = await resident1();
		const before = (await auditRows(auditor, 'resident.unmask')).length;
		assertProblem(await leader.get(`${R}/${r.id}?unmask=${encodeURIComponent('领导查看')}`), 403, 'forbidden');
		assertProblem(await leader.get(`${R}?unmask=${encodeURIComponent('领导查看')}`), 403, 'forbidden');
		assertProblem(await town2.get(`${R}/${r.id}?unmask=${encodeURIComponent('越权查看')}`), 404, 'not-found');
		assert.equal((await auditRows(auditor, 'resident.unmask')).length, before);
		// the leader still reads the record, masked
		const masked = await leader.get(`${R}/${r.id}`);
		assertMasked(masked.json, r.full);
	});

	it('422 for a reason too short or too long, and on lists (one resident at a time)', async () => {
		const r = await resident1();
		assertFieldError(await town1.get(`${R}/${r.id}?unmask=x`), 422, 'validation', 'unmask', 'too_short');
		assertFieldError(await town1.get(`${R}/${r.id}?unmask=${'长'.repeat(201)}`), 422, 'validation', 'unmask', 'too_long');
		assertFieldError(await town1.get(`${R}?unmask=${encodeURIComponent('批量查看')}`), 422, 'validation', 'unmask', 'unsupported');
	});
});

describe('update', () => {
	it('PATCH with If-Match: changes, version, stale 409, scope 404', async () => {
		const r = await resident1();
		const ok = await town1.patch(`${R}/${r.id}`, { address: '新地址', phone: null }, { headers: { 'If-Match': '"1"' } });
		assertStatus(ok, 200);
		assert.equal(ok.json.version, 2);
		assert.equal(ok.json.address, '新地址');
		assert.equal(ok.json.phone, null);
		assert.equal(ok.json.id_number, maskId(r.full.id_number));
		assertProblem(await town1.patch(`${R}/${r.id}`, { address: 'x' }, { headers: { 'If-Match': '"1"' } }), 409, 'conflict');
		assertProblem(await town2.patch(`${R}/${r.id}`, { address: 'x' }), 404, 'not-found');
		assertProblem(await town1.patch(`${R}/${r.id}`, { address: 'x' }, { headers: { 'If-Match': 'abc' } }), 400, 'bad-request');
		assertFieldError(await town1.patch(`${R}/${r.id}`, { sex: 'female' }), 422, 'validation', 'sex', 'conflict');
		assertFieldError(await town1.patch(`${R}/${r.id}`, { grid: GRID2 }), 422, 'validation', 'grid', 'not_found');
		const moved = await town1.patch(`${R}/${r.id}`, { grid: GRID1, tags: [{ tag: 'key_petitioner' }] });
		assertStatus(moved, 200);
		assert.equal(moved.json.grid, GRID1);
		assert.deepEqual(
			moved.json.tags.map((t) => t.tag),
			['key_petitioner'],
		);
		assertStatus(await worker1.get(`${R}/${r.id}`), 200);
		const rows = (await auditRows(auditor, 'resident.update')).filter((a) => a.object_id === String(r.id));
		assert.deepEqual(rows.at(-1).detail, { fields: ['phone', 'address'] });
	});

	it('special groups listed with their labels', async () => {
		const res = await leader.get('/api/v1/special-groups');
		assertStatus(res, 200);
		const cc = res.json.items.find((g) => g.tag === 'community_correction');
		assert.deepEqual(cc, { tag: 'community_correction', label: '社区矫正对象', label_en: 'Person under community correction', visit_days: 7 });
		assert.ok(res.json.items.length >= 10);
	});
});

describe('wangge import residents', () => {
	const header = '姓名,身份证号,手机号,性别,住址,网格,户号,人员类型,特殊人群';

	function write(name, text, encoding = 'utf-8') {
		const file = path.join(tmp, name);
		fs.writeFileSync(file, encoding === 'gbk' ? execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text }) : text);
		return file;
	}

	async function count(q) {
		return (await allItems(county, `${R}?q=${encodeURIComponent(q)}`)).length;
	}

	it('a GBK register with Chinese headers and labels', async () => {
		const ids = [newIdNumber('19600505', 'male'), newIdNumber('20150601', 'female'), newIdNumber('19450101', 'male')];
		const file = write(
			'gbk.csv',
			`${header}\r\n` +
				`导入甲,${ids[0]},13900001111,男,横渠村一组,${GRID1},H1,户籍,刑满释放人员\r\n` +
				`导入乙,${ids[1]},,女,"横渠村二组, 东",${GRID1},H1,流动人口,留守儿童；残疾人\r\n` +
				`导入丙,${ids[2]},13900002222,,,${GRID1},H2,,\r\n`,
			'gbk',
		);
		const r = srv.cli(['import', 'residents', file]);
		assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
		assert.match(r.stdout, /imported 3 residents, GBK/);
		assert.match(r.stdout, /rows\/s/);
		const items = await allItems(worker1, `${R}?q=${encodeURIComponent('导入')}`);
		assert.deepEqual(
			items.map((x) => x.name),
			['导入甲', '导入乙', '导入丙'],
		);
		const b = items[1];
		assert.equal(b.address, '横渠村二组, 东');
		assert.equal(b.residence_type, 'floating');
		assert.equal(b.sex, 'female');
		assert.deepEqual(
			b.tags.map((t) => t.tag),
			['disabled', 'left_behind_child'],
		);
		assert.equal(items[0].id_number, maskId(ids[0]));
		const rows = await auditRows(auditor, 'resident.import');
		assert.deepEqual(rows[0].detail, { imported: 3, skipped: 0 });
	});

	it('every bad row reported by line and field; nothing written; --dry-run; --skip-bad', async () => {
		const taken = (await resident1()).full.id_number;
		const good = [newIdNumber('19770707', 'male'), newIdNumber('19880808', 'female')];
		const file = write(
			'bad.csv',
			`name,id_number,phone,grid,tags\n` +
				`坏行好甲,${good[0]},13900003333,${GRID1},\n` +
				`坏行一,610326198001011234,13900004444,${GRID1},\n` +
				`坏行二,,123,${GRID1},vip\n` +
				`坏行三,${taken},,${GRID1},\n` +
				`,,,${GRID1},\n` +
				`坏行四,,,${VILLAGE1}099,\n` + // no such grid
				`坏行好乙,${good[1]},,${GRID1},disabled\n`,
		);
		const all = srv.cli(['import', 'residents', file]);
		assert.notEqual(all.code, 0);
		for (const line of [
			/line 3: id_number: /,
			/line 4: phone: /,
			/line 4: tags\[0\]\.tag: /,
			/line 5: id_number: .*already registered/,
			/line 6: name: /,
			/line 7: grid: /,
		])
			assert.match(all.stderr, line);
		assert.match(all.stdout, /5 of 7 rows are bad: nothing imported/);
		assert.equal(await count('坏行'), 0);

		const dry = srv.cli(['import', 'residents', file, '--dry-run', '--skip-bad']);
		assert.equal(dry.code, 0, dry.stderr);
		assert.match(dry.stdout, /dry run: 7 rows checked, 2 good, 5 bad; nothing written/);
		assert.equal(await count('坏行'), 0);

		const skip = srv.cli(['import', 'residents', file, '--skip-bad']);
		assert.equal(skip.code, 0, skip.stderr);
		assert.match(skip.stdout, /imported 2 residents \(bad rows skipped\)/);
		assert.match(skip.stderr, /line 3: id_number: /);
		assert.equal(await count('坏行'), 2);
	});

	it('a header without a name or a place is refused before any row', async () => {
		const r = srv.cli(['import', 'residents', write('nohead.csv', '身份证号,备注\n1,2\n')]);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /no name column/);
		assert.match(r.stderr, /no column says where/);
		assert.match(r.stderr, /column '备注' is not imported/);
		const usage = srv.cli(['import', 'residents']);
		assert.notEqual(usage.code, 0);
		assert.match(usage.stderr, /usage: wangge import residents/);
		const missing = srv.cli(['import', 'residents', path.join(tmp, 'none.csv')]);
		assert.notEqual(missing.code, 0);
		assert.match(missing.stderr, /none\.csv: No such file/);
	});

	it('a 200 MB file of one line: a clear error at once, nothing stored', async () => {
		const file = path.join(tmp, 'huge.csv');
		const fd = fs.openSync(file, 'w');
		const block = Buffer.alloc(4 * 1024 * 1024, 'a');
		fs.writeSync(fd, `name,grid\n巨行,`);
		for (let i = 0; i < 50; i++) fs.writeSync(fd, block);
		fs.closeSync(fd);
		const started = Date.now();
		const r = srv.cli(['import', 'residents', file]);
		fs.rmSync(file);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /line 2: a row longer than 65536 bytes/);
		assert.ok(Date.now() - started < 20000, 'the file was not read whole');
		assert.equal(await count('巨行'), 0);
	});
});
