// Helpers of the base-data tests (residents, houses, organisations, places,
// visits): grid rows for the demo accounts' grids, valid ID numbers, a
// JPEG to upload, audit rows as the auditor reads them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertStatus } from './http.mjs';
import { GRID1, GRID2, VILLAGE1, VILLAGE2 } from './server.mjs';

/**
 * The grids worker1 and worker2 work in, as rows without a boundary: the
 * tests place records by grid code or region, never by the demo's
 * geometry. Rows the demo already made are left as they are.
 */
export function ensureGrids(srv) {
	for (const [code, village, name] of [
		[GRID1, VILLAGE1, '测试网格一'],
		[GRID2, VILLAGE2, '测试网格二'],
	]) {
		srv.sql(
			`INSERT INTO grids (code, region, name, type, scope_key, created_at, updated_at) ` +
				`VALUES ('${code}', '${village}', '${name}', 'rural', '${code}', 0, 0) ON CONFLICT (code) DO NOTHING`,
		);
	}
}

/**
 * A record names its grid and region as the grid and region read by code
 * name themselves (grid_name null without a grid).
 */
export async function assertPlaceNames(who, record) {
	const name = async (path) => {
		const res = await who.get(path);
		assertStatus(res, 200);
		assert.ok(res.json.name, `${path} has a name`);
		return res.json.name;
	};
	assert.equal(record.grid_name, record.grid ? await name(`/api/v1/grids/${record.grid}`) : null);
	assert.equal(record.region_name, await name(`/api/v1/regions/${record.region}`));
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** GB 11643: the 18-character ID number of 17 digits. */
export function idNumber(first17) {
	let sum = 0;
	for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
	return first17 + CHECK[sum % 11];
}

let serial = 0;
/**
 * A new valid ID number registered in Mei county: born on date
 * (YYYYMMDD), of sex 'male' or 'female' (the 17th digit's parity).
 */
export function newIdNumber(date = '19800101', sex = 'male') {
	serial = (serial + 1) % 500;
	const seq = serial * 2 + (sex === 'male' ? 1 : 0);
	return idNumber(`610326${date}${String(seq).padStart(3, '0')}`);
}

/** The mask the API shows: first 3 and last 4 characters kept. */
export const maskId = (id) => `${id.slice(0, 3)}${'*'.repeat(11)}${id.slice(14)}`;
export const maskPhone = (p) => `${p.slice(0, 3)}****${p.slice(7)}`;

let phoneSerial = 1000;
export function newPhone() {
	phoneSerial++;
	return `1391234${String(phoneSerial).padStart(4, '0')}`;
}

/** A JPEG the attachments route takes (new bytes each time). */
export function jpeg() {
	const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
	return Buffer.concat([head, randomBytes(64)]);
}

/** Upload a JPEG as who; returns its sha256. */
export async function uploadPhoto(who) {
	const res = await who.call('POST', '/api/v1/attachments', { body: jpeg(), headers: { 'Content-Type': 'image/jpeg' } });
	assertStatus(res, 201);
	return res.json.sha256;
}

/** Audit rows of an action, newest first, as the auditor reads them. */
export async function auditRows(auditor, action) {
	const res = await auditor.get(`/api/v1/audit?action=${encodeURIComponent(action)}&limit=200`);
	assertStatus(res, 200);
	return res.json.items;
}

/** Every item of a list, following next_cursor. */
export async function allItems(who, path) {
	const items = [];
	let cursor = null;
	for (let page = 0; page < 100; page++) {
		const sep = path.includes('?') ? '&' : '?';
		const res = await who.get(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
		assertStatus(res, 200);
		items.push(...res.json.items);
		cursor = res.json.next_cursor;
		if (!cursor) return items;
	}
	assert.fail('paging does not end');
}

/**
 * A point inside the demo grid `code` (the demo draws rectangles: the
 * middle of its bounding box), checked with the locate route.
 */
export async function pointInGrid(who, code) {
	const g = await who.get(`/api/v1/grids/${code}`);
	assertStatus(g, 200);
	const [w, s, e, n] = g.json.bbox;
	const point = { lat: (s + n) / 2, lng: (w + e) / 2 };
	const located = await who.get(`/api/v1/grids/locate?lat=${point.lat}&lng=${point.lng}`);
	assertStatus(located, 200);
	assert.equal(located.json.code, code, 'the point lies in the grid');
	return point;
}
