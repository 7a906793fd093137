// Reports (/api/v1/reports/{period}.xlsx and .pdf): after a few cases, the
// workbook unzips into the four named sheets with Chinese headers and the
// total of /stats/overview for the same period; the PDF's text (pdftotext)
// holds the Chinese title and that total; every export leaves an audit row;
// a town cannot export another town (404), the auditor none (403); unknown
// periods are 404 and a bad date is 422 naming date.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { auditRows, ensureGrids } from './lib/basedata.mjs';
import { COUNTY, GRID1, GRID2, TOWN1, TOWN2, startServer } from './lib/server.mjs';

const R = '/api/v1/reports';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
let srv, tmp;
const who = {};

const TODAY = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

/** The first and last day of the month holding TODAY. */
function thisMonth() {
	const [y, m] = TODAY.split('-').map(Number);
	const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
	const mm = String(m).padStart(2, '0');
	return { y, m, from: `${y}-${mm}-01`, to: `${y}-${mm}-${String(last).padStart(2, '0')}` };
}

function saved(res, name) {
	const file = path.join(tmp, name);
	fs.writeFileSync(file, res.body);
	return file;
}

const unzip = (file, member) => execFileSync('unzip', ['-p', file, member], { encoding: 'utf8' });
const pdftotext = (file) => execFileSync('pdftotext', ['-q', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });

async function overviewTotal(as_, from, to, region) {
	const q = `from=${from}&to=${to}${region ? `&region=${region}` : ''}`;
	const res = await as_.get(`/api/v1/stats/overview?${q}`);
	assertStatus(res, 200);
	return res.json.total;
}

before(async () => {
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-reports-'));
	srv = await startServer();
	ensureGrids(srv);
	for (const u of ['worker1', 'worker2', 'village1', 'town1', 'town2', 'county', 'police1', 'leader', 'auditor',
		'sysadmin'])
		who[u] = as(srv, await login(srv, u));
	const reports = [
		[who.worker1, GRID1, '0801'],
		[who.worker1, GRID1, '0801'],
		[who.worker1, GRID1, '0101'],
		[who.worker2, GRID2, '0801'],
	];
	for (const [u, grid, category] of reports) {
		const res = await u.post('/api/v1/cases', { category, grid, description: `网格内发现问题需要处理 ${category}` });
		assertStatus(res, 201);
	}
});

after(async () => {
	await srv?.stop();
	if (tmp && !process.env.WG_TEST_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
	else if (tmp) console.log(`# reports kept in ${tmp}`);
});

describe('xlsx', () => {
	it('has the four sheets, Chinese headers, the overview total and a chart', async () => {
		const { from, to } = thisMonth();
		const res = await who.county.get(`${R}/month.xlsx?date=${TODAY}`);
		assertStatus(res, 200);
		assert.equal(res.header('content-type'), XLSX);
		assert.match(res.header('content-disposition'), /^attachment; filename="[^"]+\.xlsx"$/);
		const file = saved(res, 'month.xlsx');
		const workbook = unzip(file, 'xl/workbook.xml');
		for (const sheet of ['概览', '分类', '趋势', '考核'])
			assert.ok(workbook.includes(`name="${sheet}"`), `no sheet ${sheet} in\n${workbook}`);
		const strings = unzip(file, 'xl/sharedStrings.xml');
		for (const head of ['上报总数', '分类名称', '结案率', '按期办结率', '眉县'])
			assert.ok(strings.includes(head), `no ${head} in the shared strings`);
		const total = await overviewTotal(who.county, from, to);
		assert.ok(total >= 4, `the set-up's cases are counted: ${total}`);
		const sheet1 = unzip(file, 'xl/worksheets/sheet1.xml');
		const b6 = sheet1.match(/<c r="B6"[^>]*><v>([^<]*)<\/v><\/c>/);
		assert.ok(b6, `no total in B6 of 概览:\n${sheet1.slice(0, 2000)}`);
		assert.equal(Number(b6[1]), total);
		const listing = execFileSync('unzip', ['-l', file], { encoding: 'utf8' });
		assert.match(listing, /xl\/charts\/chart1\.xml/);
		const sheet4 = unzip(file, 'xl/worksheets/sheet4.xml');
		assert.match(sheet4, /<c r="A3"/, 'the rates sheet has a row of a child region');
		const styles = unzip(file, 'xl/styles.xml');
		assert.match(styles, /formatCode="0\.0%"/);
	});

	it('answers every period kind, each for the period holding the date', async () => {
		for (const period of ['week', 'month', 'quarter', 'half']) {
			const res = await who.town1.get(`${R}/${period}.xlsx?date=2026-02-28`);
			assertStatus(res, 200);
			assert.equal(res.header('content-type'), XLSX);
			const file = saved(res, `${period}.xlsx`);
			const sheet1 = unzip(file, 'xl/worksheets/sheet1.xml');
			const strings = unzip(file, 'xl/sharedStrings.xml');
			const expect = {
				week: ['2026-02-23', '2026-03-01', '每周梳理'],
				month: ['2026-02-01', '2026-02-28', '每月分析'],
				quarter: ['2026-01-01', '2026-03-31', '每季研判'],
				half: ['2026-01-01', '2026-06-30', '半年总结'],
			}[period];
			for (const s of expect) assert.ok(strings.includes(s), `${period}: no ${s} in\n${strings.slice(0, 1500)}`);
			assert.ok(strings.includes('首善街道'), `${period}: the town's name`);
			assert.ok(sheet1.length > 0);
		}
	});
});

describe('pdf', () => {
	it('prints the Chinese title and the overview total', async () => {
		const { y, m, from, to } = thisMonth();
		const res = await who.county.get(`${R}/month.pdf`);
		assertStatus(res, 200);
		assert.equal(res.header('content-type'), 'application/pdf');
		assert.match(res.header('content-disposition'), /^attachment; filename="[^"]+\.pdf"$/);
		assert.equal(res.body.subarray(0, 5).toString('latin1'), '%PDF-');
		const text = pdftotext(saved(res, 'month.pdf'));
		assert.ok(text.includes(`眉县 ${y}年${m}月 每月分析`), `no title in\n${text}`);
		const total = await overviewTotal(who.county, from, to);
		assert.ok(text.replace(/\s+/g, '').includes(`上报总数${total}件`), `no total ${total} in\n${text}`);
		for (const s of ['问题分类', '考核指标', '结案率']) assert.ok(text.includes(s), `no ${s} in\n${text}`);
	});

	it('titles a quarter and a half-year of a town', async () => {
		let res = await who.town1.get(`${R}/quarter.pdf?date=2026-11-24`);
		assertStatus(res, 200);
		let text = pdftotext(saved(res, 'quarter.pdf'));
		assert.ok(text.includes('首善街道 2026年第四季度 每季研判'), `no title in\n${text}`);
		res = await who.town1.get(`${R}/half.pdf?date=2026-03-01&region=${TOWN1}`);
		assertStatus(res, 200);
		text = pdftotext(saved(res, 'half.pdf'));
		assert.ok(text.includes('首善街道 2026年上半年 半年总结'), `no title in\n${text}`);
	});
});

describe('scope, roles and input', () => {
	it('keeps a town to itself', async () => {
		assertProblem(await who.town2.get(`${R}/month.xlsx?region=${TOWN1}`), 404, 'not-found');
		assertProblem(await who.town2.get(`${R}/month.pdf?region=${TOWN1}`), 404, 'not-found');
		assertStatus(await who.town2.get(`${R}/week.xlsx?region=${TOWN2}`), 200);
		assertStatus(await who.county.get(`${R}/week.pdf?region=${TOWN2}`), 200);
	});

	it('gives a grid worker their grid and a department its own cases', async () => {
		const { from, to } = thisMonth();
		let res = await who.worker1.get(`${R}/month.pdf`);
		assertStatus(res, 200);
		let text = pdftotext(saved(res, 'grid.pdf'));
		const grid = (await who.worker1.get(`/api/v1/grids/${GRID1}`)).json;
		assert.ok(text.includes(`${grid.name} `), `no grid name ${grid.name} in\n${text}`);
		const mine = await overviewTotal(who.worker1, from, to);
		assert.equal(mine, 3);
		assert.ok(text.replace(/\s+/g, '').includes(`上报总数${mine}件`), `no total ${mine} in\n${text}`);
		assertProblem(await who.worker1.get(`${R}/month.xlsx?region=${GRID2}`), 404, 'not-found');
		// Nothing dispatched yet: the police own no case.
		res = await who.police1.get(`${R}/month.xlsx`);
		assertStatus(res, 200);
		const sheet1 = unzip(saved(res, 'police.xlsx'), 'xl/worksheets/sheet1.xml');
		assert.equal(await overviewTotal(who.police1, from, to), 0);
		assert.match(sheet1, /<c r="B6"[^>]*><v>0<\/v><\/c>/);
	});

	it('refuses the admin powers', async () => {
		assertProblem(await who.auditor.get(`${R}/month.xlsx`), 403, 'forbidden');
		assertProblem(await who.sysadmin.get(`${R}/month.pdf`), 403, 'forbidden');
	});

	it('answers 404 for reports that do not exist and 422 for a bad date', async () => {
		for (const name of ['year.xlsx', 'month.csv', 'month', 'month.xlsx.pdf', '.pdf'])
			assertProblem(await who.county.get(`${R}/${name}`), 404, 'not-found');
		for (const date of ['2026-02-30', '2026-13-01', 'yesterday', '2026-1-01'])
			assertFieldError(await who.county.get(`${R}/month.xlsx?date=${date}`), 422, 'validation', 'date');
		assertFieldError(await who.county.get(`${R}/month.pdf?region=x`), 422, 'validation', 'region');
	});

	it('audits every export with period, region and format', async () => {
		const before_ = (await auditRows(who.auditor, 'report.export')).length;
		assertStatus(await who.town1.get(`${R}/week.pdf?date=2026-11-24`), 200);
		const rows = await auditRows(who.auditor, 'report.export');
		assert.equal(rows.length, before_ + 1);
		const row = rows[0];
		assert.equal(row.actor_name, 'town1');
		assert.equal(row.object_id, 'week.pdf');
		const detail = typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail;
		assert.deepEqual(detail, { period: 'week', from: '2026-11-23', to: '2026-11-29', region: TOWN1, format: 'pdf' });
		const details = rows.map((r) => ({ actor: r.actor_name, ...(typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) }));
		assert.deepEqual([...new Set(details.map((d) => d.format))].sort(), ['pdf', 'xlsx']);
		const refused = details.filter((d) => d.actor === 'auditor' || d.actor === 'sysadmin' || (d.actor === 'town2' && d.region === TOWN1));
		assert.equal(refused.length, 0, 'a refused export leaves no row');
	});
});

describe('a font libharu cannot read', () => {
	let bad;
	before(async () => {
		bad = await startServer({ extraArgs: ['--reports.font=/nonexistent/font.ttf'] });
	});
	after(async () => {
		await bad?.stop();
	});

	it('is a 500 naming the setting, the workbook still works, and nothing is audited', async () => {
		const county = as(bad, await login(bad, 'county'));
		const auditor = as(bad, await login(bad, 'auditor'));
		const res = await county.get(`${R}/month.pdf`);
		assertProblem(res, 500, 'internal');
		assert.match(res.json.detail, /reports\.font/);
		assertStatus(await county.get(`${R}/month.xlsx`), 200);
		const rows = await auditRows(auditor, 'report.export');
		assert.deepEqual(rows.map((r) => r.object_id), ['month.xlsx']);
	});
});
