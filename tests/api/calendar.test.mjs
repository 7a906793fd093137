// GET /api/v1/calendar?from=&to=: the holiday calendar, one item per day, from
// the files data/holidays/YYYY.json the server loads at start. Every day of
// 2026 is checked against the file as this test reads it (holidays with their
// names, swapped working days, the Monday-to-Friday rule otherwise), a year
// without a file says known: false, the period defaults to the current month
// of the (test) clock, and bad periods are 422 naming the field.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertProblem, assertStatus, get, login } from './lib/http.mjs';
import { ROOT, startServer } from './lib/server.mjs';

const C = '/api/v1/calendar';
const DAY = 86400000;
let srv;
let worker;

/** YYYY-MM-DD of a UTC date. */
const ymd = (t) => new Date(t).toISOString().slice(0, 10);

/** What the file of a year says each day is: {date: {holiday} | {swapped: true}}. */
function readYear(year) {
	const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'holidays', `${year}.json`), 'utf8'));
	const days = {};
	for (const h of file.holidays)
		for (let t = Date.parse(h.from); t <= Date.parse(h.to); t += DAY) days[ymd(t)] = { holiday: h.name };
	for (const w of file.workdays) days[w] = { swapped: true };
	return { file, days };
}

/** ISO weekday 1 (Monday) .. 7 (Sunday) of YYYY-MM-DD. */
const isoWeekday = (date) => ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

before(async () => {
	srv = await startServer({ extraArgs: ['--testing.clock=true'] });
	worker = as(srv, await login(srv, 'worker1'));
});
after(async () => {
	await srv?.stop();
});

describe('GET /calendar', () => {
	it('shows the Spring Festival 2026 and its swapped working days', async () => {
		const res = await worker.get(`${C}?from=2026-02-13&to=2026-03-01`);
		assertStatus(res, 200);
		const b = res.json;
		assert.equal(b.from, '2026-02-13');
		assert.equal(b.to, '2026-03-01');
		assert.equal(b.items.length, 17);
		const by = Object.fromEntries(b.items.map((d) => [d.date, d]));
		for (let t = Date.parse('2026-02-15'); t <= Date.parse('2026-02-23'); t += DAY) {
			const d = by[ymd(t)];
			assert.equal(d.working, false, d.date);
			assert.equal(d.kind, 'holiday', d.date);
			assert.equal(d.note, '春节', d.date);
			assert.equal(d.holiday, '春节', d.date);
			assert.equal(d.known, true, d.date);
		}
		// Saturday 14 February and Saturday 28 February are worked for it.
		for (const date of ['2026-02-14', '2026-02-28']) {
			assert.deepEqual(by[date], {
				date,
				weekday: 6,
				working: true,
				kind: 'swapped_workday',
				note: '春节调休上班',
				holiday: null,
				known: true,
			});
		}
		assert.deepEqual(by['2026-02-13'], {
			date: '2026-02-13',
			weekday: 5,
			working: true,
			kind: 'workday',
			note: null,
			holiday: null,
			known: true,
		});
		// Sunday 1 March is an ordinary weekend day.
		assert.deepEqual(by['2026-03-01'], {
			date: '2026-03-01',
			weekday: 7,
			working: false,
			kind: 'weekend',
			note: null,
			holiday: null,
			known: true,
		});
	});

	it('says of every day of 2026 what data/holidays/2026.json says', async () => {
		const { days } = readYear(2026);
		const res = await worker.get(`${C}?from=2026-01-01&to=2026-12-31`);
		assertStatus(res, 200);
		const items = res.json.items;
		assert.equal(items.length, 365);
		let t = Date.parse('2026-01-01');
		let holidays = 0;
		let swapped = 0;
		for (const d of items) {
			const date = ymd(t);
			t += DAY;
			assert.equal(d.date, date);
			const wd = isoWeekday(date);
			assert.equal(d.weekday, wd, date);
			assert.equal(d.known, true, date);
			const f = days[date];
			if (f?.holiday) {
				holidays++;
				assert.equal(d.working, false, date);
				assert.equal(d.kind, 'holiday', date);
				assert.equal(d.note, f.holiday, date);
			} else if (f?.swapped) {
				swapped++;
				assert.ok(wd >= 6, `${date} is a weekend day in the file`);
				assert.equal(d.working, true, date);
				assert.equal(d.kind, 'swapped_workday', date);
				assert.match(d.note, /^.+调休上班$/, date);
			} else {
				assert.equal(d.working, wd <= 5, date);
				assert.equal(d.kind, wd <= 5 ? 'workday' : 'weekend', date);
				assert.equal(d.note, null, date);
			}
		}
		assert.equal(holidays, Object.values(days).filter((f) => f.holiday).length);
		assert.equal(swapped, readYear(2026).file.workdays.length);
		// The notice's swaps, each next to its break.
		const note = Object.fromEntries(items.map((d) => [d.date, d.note]));
		assert.equal(note['2026-01-04'], '元旦调休上班');
		assert.equal(note['2026-05-09'], '劳动节调休上班');
		assert.equal(note['2026-09-20'], '中秋节调休上班');
		assert.equal(note['2026-10-10'], '国庆节调休上班');
	});

	it('counts Monday to Friday in a year without a file, and says known: false', async () => {
		assert.equal(fs.existsSync(path.join(ROOT, 'data', 'holidays', '2030.json')), false);
		const res = await worker.get(`${C}?from=2029-12-30&to=2030-01-06`);
		assertStatus(res, 200);
		const items = res.json.items;
		assert.equal(items.length, 8);
		for (const d of items) {
			const wd = isoWeekday(d.date);
			assert.equal(d.weekday, wd, d.date);
			assert.equal(d.working, wd <= 5, d.date);
			assert.equal(d.kind, wd <= 5 ? 'workday' : 'weekend', d.date);
			assert.equal(d.note, null, d.date);
			assert.equal(d.holiday, null, d.date);
			assert.equal(d.known, false, d.date);
		}
		// 1 January 2030 is a Tuesday: no file, so a working day.
		assert.equal(items.find((d) => d.date === '2030-01-01').working, true);
	});

	it('crosses a year end, file to file', async () => {
		const res = await worker.get(`${C}?from=2026-12-31&to=2027-01-01`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.items.map((d) => [d.date, d.working, d.known]),
			[
				['2026-12-31', true, true],
				['2027-01-01', false, true],
			],
		);
		assert.equal(res.json.items[1].note, readYear(2027).days['2027-01-01'].holiday);
	});

	it('takes the current month of the clock by default', async () => {
		// Tuesday 10 February 2026, 09:00 in Beijing.
		const county = as(srv, await login(srv, 'county'));
		assertStatus(await county.put('/api/v1/testing/clock', { now: '2026-02-10T01:00:00Z' }), 200);
		const who = as(srv, await login(srv, 'worker1'));
		let res = await who.get(C);
		assertStatus(res, 200);
		assert.equal(res.json.from, '2026-02-01');
		assert.equal(res.json.to, '2026-02-28');
		assert.equal(res.json.items.length, 28);
		// One end given: the month of that end.
		res = await who.get(`${C}?from=2028-02-10`);
		assertStatus(res, 200);
		assert.deepEqual([res.json.from, res.json.to, res.json.items.length], ['2028-02-10', '2028-02-29', 20]);
		res = await who.get(`${C}?to=2026-12-02`);
		assertStatus(res, 200);
		assert.deepEqual([res.json.from, res.json.to, res.json.items.length], ['2026-12-01', '2026-12-02', 2]);
		// 31 January 2026 16:00 UTC is already 1 February in Beijing.
		assertStatus(await county.put('/api/v1/testing/clock', { now: '2026-01-31T16:30:00Z' }), 200);
		res = await as(srv, await login(srv, 'worker1')).get(C);
		assertStatus(res, 200);
		assert.equal(res.json.from, '2026-02-01');
	});

	it('gives up to 366 days', async () => {
		const res = await worker.get(`${C}?from=2028-01-01&to=2028-12-31`);
		assertStatus(res, 200);
		assert.equal(res.json.items.length, 366);
		assert.equal(res.json.items[59].date, '2028-02-29');
		assertProblem(await worker.get(`${C}?from=2028-01-01&to=2029-01-01`), 422, 'validation', { field: 'to' });
	});

	it('answers 422 naming the field for a bad date or to before from', async () => {
		for (const [q, field] of [
			['from=2026-02-30&to=2026-03-01', 'from'],
			['from=2026-2-01&to=2026-03-01', 'from'],
			['from=yesterday', 'from'],
			['from=2026-02-01&to=2026-02-01T00:00', 'to'],
			['from=2026-02-01&to=2026/02/28', 'to'],
			['from=2026-02-01&to=2026-13-01', 'to'],
			['from=2026-03-01&to=2026-02-28', 'to'],
			['from=0000-01-01&to=2026-01-02', 'from'],
		]) {
			const p = assertProblem(await worker.get(`${C}?${q}`), 422, 'validation', { field });
			assert.ok(p.errors.every((e) => e.field === field), `${q}: ${JSON.stringify(p.errors)}`);
		}
	});

	it('is for every signed-in role but the auditor, and 401 without a session', async () => {
		assertProblem(await get(srv, `${C}?from=2026-02-14&to=2026-02-14`), 401, 'unauthorized');
		for (const u of ['sysadmin', 'town1', 'police1', 'leader']) {
			const res = await as(srv, await login(srv, u)).get(`${C}?from=2026-02-14&to=2026-02-14`);
			assertStatus(res, 200);
			assert.equal(res.json.items[0].note, '春节调休上班', u);
		}
		const aud = as(srv, await login(srv, 'auditor'));
		assertStatus(await aud.get(`${C}?from=2026-02-14&to=2026-02-14`), 403);
	});
});

describe('editing a year (GET and PUT /calendar/{year})', () => {
	const doc2027 = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'holidays', '2027.json'), 'utf8'));

	it('reads the file of a year, and the sysadmin replaces it: the clocks count on the edit at once', async () => {
		const admin = as(srv, await login(srv, 'sysadmin'));
		let res = await worker.get(`${C}/2027`);
		assertStatus(res, 200);
		assert.equal(res.json.source, 'file');
		assert.deepEqual(res.json.document, doc2027());
		assertStatus(await worker.get(`${C}/2031`), 404);
		assertStatus(await worker.get(`${C}/1999`), 404);

		const edited = doc2027();
		edited.source = '国务院办公厅关于2027年部分节假日安排的通知（测试）';
		edited.holidays.push({ name: '测试假日', from: '2027-03-10', to: '2027-03-10' });
		assertProblem(await worker.put(`${C}/2027`, edited), 403, 'forbidden');
		res = await admin.put(`${C}/2027`, edited);
		assertStatus(res, 200);
		assert.equal(res.json.source, 'edited');
		assert.ok(res.json.updated_at);
		assert.deepEqual(res.json.document, edited);
		const day = await worker.get(`${C}?from=2027-03-10&to=2027-03-10`);
		assert.equal(day.json.items[0].holiday, '测试假日');
		assert.equal(day.json.items[0].working, false);

		// Kept across a restart, over the file.
		await srv.restart();
		const after = await worker.get(`${C}?from=2027-03-10&to=2027-03-10`);
		assert.equal(after.json.items[0].holiday, '测试假日');
		res = await worker.get(`${C}/2027`);
		assert.equal(res.json.source, 'edited');
		const audit = as(srv, await login(srv, 'auditor'));
		const rows = await audit.get('/api/v1/audit?action=calendar.update');
		assertStatus(rows, 200);
		assert.ok(rows.json.items.some((r) => r.object_id === '2027'), JSON.stringify(rows.json.items.slice(0, 2)));
	});

	it('refuses a document that breaks a rule, naming where, and changes nothing', async () => {
		const admin = as(srv, await login(srv, 'sysadmin'));
		const before = (await worker.get(`${C}/2027`)).json.document;
		const bad = async (doc, field, year = 2027) => {
			const res = await admin.put(`${C}/${year}`, doc);
			assertProblem(res, 422, 'validation');
			assert.ok(res.json.errors.some((e) => e.field === field), `${field}: ${JSON.stringify(res.json.errors)}`);
		};
		await bad({ ...doc2027(), year: 2026 }, 'year');
		const backwards = doc2027();
		backwards.holidays[1] = { name: '春节', from: '2027-02-12', to: '2027-02-05' };
		await bad(backwards, 'holidays[1].to');
		const weekday = doc2027();
		weekday.workdays.push('2027-03-03');
		await bad(weekday, 'workdays[5]');
		await bad({ year: 2027 }, 'holidays');
		assert.deepEqual((await worker.get(`${C}/2027`)).json.document, before);
	});
});
