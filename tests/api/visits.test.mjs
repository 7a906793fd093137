// Visits and patrols (/api/v1/visits) and the schedule (/visits/due): a
// visit to a resident or place in scope, at a time neither in the future
// nor older than 30 days, with photos already uploaded; the due list per
// caller (a grid worker's own round, a centre's whole area), missed visits
// flagged with the intervals missed; scope. Time passes by moving the
// records' clocks back (srv.sql), never by sleeping.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertFieldError, assertProblem, assertStatus, login } from './lib/http.mjs';
import { allItems, ensureGrids, uploadPhoto } from './lib/basedata.mjs';
import { GRID1, GRID2, startServer } from './lib/server.mjs';

const V = '/api/v1/visits';
const DAY = 86400000;

let srv;
let town1, town2, worker1, worker2, leader, county;
let me1;
let r1, r2, p1, plain;

const iso = (ms) => new Date(ms).toISOString();

before(async () => {
	srv = await startServer();
	ensureGrids(srv);
	[town1, town2, worker1, worker2, leader, county] = await Promise.all(
		['town1', 'town2', 'worker1', 'worker2', 'leader', 'county'].map(async (u) => as(srv, await login(srv, u))),
	);
	me1 = (await worker1.get('/api/v1/me')).json;
	const tagged = { tags: [{ tag: 'community_correction' }, { tag: 'disabled' }] };
	r1 = (await worker1.post('/api/v1/residents', { name: '矫正甲', grid: GRID1, ...tagged })).json;
	r2 = (await worker2.post('/api/v1/residents', { name: '矫正乙', grid: GRID2, ...tagged })).json;
	plain = (await worker1.post('/api/v1/residents', { name: '居民丙', grid: GRID1 })).json;
	p1 = (await worker1.post('/api/v1/places', { name: '网吧甲', type: 'internet_cafe', visit_days: 10, grid: GRID1 })).json;
	for (const x of [r1, r2, plain, p1]) assert.ok(x.id, JSON.stringify(x));
});
after(async () => {
	await srv?.stop();
});

describe('POST /visits', () => {
	it('201 with photos linked; the photo is then visible to the area', async () => {
		const photo = await uploadPhoto(worker1);
		const at = Date.now() - 3600000;
		const res = await worker1.post(V, {
			subject: { type: 'resident', id: plain.id },
			at: iso(at),
			location: { lat: 34.1, lng: 107.7 },
			notes: '入户走访，情况稳定',
			photos: [photo],
		});
		assertStatus(res, 201);
		const v = res.json;
		assert.equal(res.header('location'), `${V}/${v.id}`);
		assert.deepEqual(v.subject, { type: 'resident', id: plain.id, name: '居民丙' });
		assert.deepEqual(v.user, { id: me1.id, name: me1.name });
		assert.equal(Date.parse(v.at), Math.floor(at / 1000) * 1000);
		assert.deepEqual(v.photos, [photo]);
		assert.equal(v.grid, GRID1);
		assert.deepEqual(v.location, { lat: 34.1, lng: 107.7 });
		assertStatus(await town1.get(`/api/v1/attachments/${photo}`), 200);
		assertProblem(await town2.get(`/api/v1/attachments/${photo}`), 404, 'not-found');
		// without at: now
		const now = await town1.post(V, { subject: { type: 'place', id: p1.id } });
		assertStatus(now, 201);
		assert.ok(Math.abs(Date.parse(now.json.at) - Date.now()) < 60000);
	});

	it('422 field by field; 403 for a leader', async () => {
		const theirs = await uploadPhoto(worker2);
		for (const [body, field, code] of [
			[{ at: iso(Date.now()) }, 'subject', 'required'],
			[{ subject: { type: 'house', id: r1.id } }, 'subject.type', 'unknown'],
			[{ subject: { type: 'resident' } }, 'subject.id', 'required'],
			[{ subject: { type: 'resident', id: r2.id } }, 'subject.id', 'not_found'],
			[{ subject: { type: 'resident', id: r1.id }, at: iso(Date.now() + 3600000) }, 'at', 'future'],
			[{ subject: { type: 'resident', id: r1.id }, at: iso(Date.now() - 31 * DAY) }, 'at', 'too_old'],
			[{ subject: { type: 'resident', id: r1.id }, at: '2026-01-01 10:00' }, 'at', 'pattern'],
			[{ subject: { type: 'resident', id: r1.id }, at: '2026-01-01T10:00:00' }, 'at', 'pattern'],
			[{ subject: { type: 'resident', id: r1.id }, photos: ['abc'] }, 'photos[0]', 'pattern'],
			[{ subject: { type: 'resident', id: r1.id }, photos: ['a'.repeat(64)] }, 'photos[0]', 'not_found'],
			[{ subject: { type: 'resident', id: r1.id }, photos: [theirs] }, 'photos[0]', 'not_found'],
			[{ subject: { type: 'resident', id: r1.id }, photos: 'x' }, 'photos', 'type'],
			[{ subject: { type: 'resident', id: r1.id }, location: { lat: 1 } }, 'location.lng', 'required'],
		])
			assertFieldError(await worker1.post(V, body), 422, 'validation', field, code);
		assertProblem(await leader.post(V, { subject: { type: 'resident', id: r1.id } }), 403, 'forbidden');
	});
});

describe('GET /visits', () => {
	it('one subject’s visits, newest first; scoped; one visit', async () => {
		const a = (await worker1.post(V, { subject: { type: 'resident', id: r1.id }, at: iso(Date.now() - 2 * 3600000) })).json;
		const b = (await worker1.post(V, { subject: { type: 'resident', id: r1.id }, at: iso(Date.now() - 3600000) })).json;
		const list = await allItems(town1, `${V}?subject_type=resident&subject_id=${r1.id}&limit=1`);
		assert.deepEqual(
			list.map((v) => v.id),
			[b.id, a.id],
		);
		assert.deepEqual(await allItems(town2, `${V}?subject_type=resident&subject_id=${r1.id}`), []);
		assert.ok((await allItems(town2, V)).every((v) => v.grid === GRID2 || v.grid === null));
		assertStatus(await leader.get(`${V}/${a.id}`), 200);
		assertProblem(await town2.get(`${V}/${a.id}`), 404, 'not-found');
		assertProblem(await worker2.get(`${V}/${a.id}`), 404, 'not-found');
		assertFieldError(await town1.get(`${V}?subject_id=${r1.id}`), 422, 'validation', 'subject_type', 'required');
		assertFieldError(await town1.get(`${V}?subject_type=car&subject_id=1`), 422, 'validation', 'subject_type', 'unknown');
	});
});

describe('GET /visits/due', () => {
	/** Move a subject's schedule back: its start and its visits. */
	function age(table, id, days) {
		const ms = days * DAY;
		if (table === 'resident') {
			srv.sql(`UPDATE resident_tags SET since = since - ${ms} WHERE resident = ${id}`);
		} else {
			srv.sql(`UPDATE places SET visit_since = visit_since - ${ms} WHERE id = ${id}`);
		}
		srv.sql(`UPDATE visits SET at = at - ${ms} WHERE subject_type = '${table}' AND subject_id = ${id}`);
	}

	const find = (items, type, id) => items.find((d) => d.subject.type === type && d.subject.id === id);

	it('due soon, then missed with the intervals counted; a visit resets it; sorted by due_at', async () => {
		// r1 was visited an hour ago (above): not due within 3 days.
		let items = (await worker1.get(`${V}/due`)).json.items;
		assert.equal(find(items, 'resident', r1.id), undefined);
		assert.ok((await worker1.get(`${V}/due?days=7`)).json.items.some((d) => d.subject.id === r1.id));
		age('resident', r1.id, 22); // last visit 22 days ago: due at day 7, missed 3 times
		age('place', p1.id, 25); // patrolled on day 25 of a 10-day round (now): visit due 10 days after
		items = (await worker1.get(`${V}/due`)).json.items;
		const d = find(items, 'resident', r1.id);
		assert.ok(d, JSON.stringify(items));
		assert.equal(d.status, 'overdue');
		assert.equal(d.missed, true);
		assert.equal(d.missed_periods, 3);
		assert.equal(d.visit_days, 7);
		assert.deepEqual(d.tags, ['community_correction', 'disabled']);
		assert.equal(d.subject.name, '矫正甲');
		assert.ok(Date.parse(d.last_visit) < Date.now() - 21 * DAY);
		const p = find(items, 'place', p1.id);
		assert.ok(p, JSON.stringify(items));
		assert.equal(p.place_type, 'internet_cafe');
		assert.equal(p.missed_periods, 2);
		const dues = items.map((x) => Date.parse(x.due_at));
		assert.deepEqual(
			dues,
			[...dues].sort((a, b) => a - b),
		);
		// a visit now: no longer due
		assertStatus(await worker1.post(V, { subject: { type: 'resident', id: r1.id } }), 201);
		items = (await worker1.get(`${V}/due`)).json.items;
		assert.equal(find(items, 'resident', r1.id), undefined);
	});

	it('a worker sees their round; a centre its area; a leader the county; never another town', async () => {
		age('resident', r2.id, 30);
		const w1 = (await worker1.get(`${V}/due`)).json.items;
		assert.equal(find(w1, 'resident', r2.id), undefined);
		const w2 = (await worker2.get(`${V}/due`)).json.items;
		assert.ok(find(w2, 'resident', r2.id));
		assert.ok((await town2.get(`${V}/due`)).json.items.some((d) => d.subject.id === r2.id && d.subject.type === 'resident'));
		assert.equal(find((await town1.get(`${V}/due`)).json.items, 'resident', r2.id), undefined);
		assert.ok(find((await leader.get(`${V}/due`)).json.items, 'resident', r2.id));
		assert.ok(find((await county.get(`${V}/due`)).json.items, 'resident', r2.id));
		// untagged residents are never on the schedule
		assert.equal(find((await town1.get(`${V}/due?days=366`)).json.items, 'resident', plain.id), undefined);
	});

	it('paging and bad parameters', async () => {
		const all = await allItems(leader, `${V}/due?days=366&limit=1`);
		assert.ok(all.length >= 3);
		const keys = all.map((d) => `${d.subject.type}:${d.subject.id}`);
		assert.equal(new Set(keys).size, keys.length, 'no item twice across pages');
		assertFieldError(await leader.get(`${V}/due?days=400`), 422, 'validation', 'days', 'range');
		assertFieldError(await leader.get(`${V}/due?cursor=c1.bm9wZQ`), 422, 'validation', 'cursor');
	});
});
