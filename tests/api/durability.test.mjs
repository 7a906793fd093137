// Durability: every write the server acknowledged (201) survives kill -9.
//
// 32 clients POST new villages as fast as they can; after ~1.5 s the server
// gets SIGKILL while load is running. On restart with the same database,
// every acknowledged code must be there exactly once. Writes that got no
// answer may or may not be there (but never twice).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertStatus, login } from './lib/http.mjs';
import { PROVADMIN, startServer } from './lib/server.mjs';

const CLIENTS = Number(process.env.WG_TEST_DURABILITY_CLIENTS || 32);
const LOAD_MS = Number(process.env.WG_TEST_DURABILITY_MS || 1500);
const COUNTY = '610399000000';
const TOWNS = 60; // 60 × 999 village codes, more than a run can use
const MIN_ACKED = 50;

// The writes create a county of their own (610399) under 宝鸡市, so they
// are made by a sysadmin of the province.
let srv;
let admin;
before(async () => {
	srv = await startServer({ provadmin: true });
	admin = as(srv, await login(srv, PROVADMIN));
});
after(async () => {
	await srv?.stop();
});

function townCode(t) {
	return `610399${String(t).padStart(3, '0')}000`;
}

async function listAll(parent) {
	const codes = [];
	let cursor = null;
	let total;
	for (let page = 0; page < 10000; page++) {
		const q = `/api/v1/regions?parent=${parent}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
		const res = await admin.get(q);
		assertStatus(res, 200);
		total = res.json.total;
		codes.push(...res.json.items.map((i) => i.code));
		cursor = res.json.next_cursor;
		if (cursor === null) return { codes, total };
	}
	throw new Error(`paging under ${parent} does not end`);
}

async function pool(items, width, fn) {
	let next = 0;
	await Promise.all(
		Array.from({ length: width }, async () => {
			while (next < items.length) await fn(items[next++]);
		}),
	);
}

describe('durability', () => {
	it(`acknowledged writes survive SIGKILL (${CLIENTS} clients, kill after ${LOAD_MS} ms)`, async (t) => {
		assertStatus(await admin.post('/api/v1/regions', { code: COUNTY, name: '耐久测试县' }), 201);
		for (let i = 1; i <= TOWNS; i++) {
			assertStatus(await admin.post('/api/v1/regions', { code: townCode(i), name: `耐久测试镇${i}` }), 201);
		}

		// Codes handed out in order: town 1 villages 001..999, then town 2, ...
		let seq = 0;
		const nextCode = () => {
			const t = Math.floor(seq / 999) + 1;
			const v = (seq % 999) + 1;
			seq++;
			if (t > TOWNS) return null;
			return `610399${String(t).padStart(3, '0')}${String(v).padStart(3, '0')}`;
		};

		const acked = new Set();
		const sent = new Set();
		const otherStatus = [];
		let killed = false;
		let inFlight = 0;
		let inFlightAtKill = -1;
		let errorsBeforeKill = 0;
		const url = srv.url;

		async function client() {
			for (;;) {
				if (killed) return;
				const code = nextCode();
				if (code === null) return;
				sent.add(code);
				inFlight++;
				try {
					const res = await fetch(`${url}/api/v1/regions`, {
						method: 'POST',
						headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.session.token}` },
						body: JSON.stringify({ code, name: `村${code.slice(-6)}` }),
						signal: AbortSignal.timeout(30000),
					});
					const text = await res.text();
					if (res.status === 201) acked.add(code);
					else if (otherStatus.length < 20) otherStatus.push(`${code}: ${res.status} ${text.slice(0, 300)}`);
				} catch (e) {
					// No complete answer: the write may or may not have happened.
					if (!killed) errorsBeforeKill++;
					if (killed) return;
				} finally {
					inFlight--;
				}
			}
		}

		const clients = Array.from({ length: CLIENTS }, client);
		await new Promise((r) => setTimeout(r, LOAD_MS));
		inFlightAtKill = inFlight;
		killed = true;
		const exit = await srv.kill9();
		await Promise.all(clients);

		t.diagnostic(`acknowledged ${acked.size} writes of ${sent.size} sent; ${inFlightAtKill} in flight at SIGKILL`);
		assert.equal(exit?.signal, 'SIGKILL', `the server was not running at SIGKILL: ${JSON.stringify(exit)}\n${srv.logTail(3000)}`);
		assert.deepEqual(otherStatus, [], 'valid unique creates answered something other than 201');
		assert.equal(errorsBeforeKill, 0, 'requests failed while the server was up');
		assert.ok(acked.size >= MIN_ACKED, `only ${acked.size} writes acknowledged in ${LOAD_MS} ms`);
		assert.ok(inFlightAtKill > 0, 'no request was in flight at SIGKILL: the test did not exercise a crash under load');

		await srv.restart();

		// Every acknowledged code is readable.
		const missing = [];
		await pool([...acked], 32, async (code) => {
			const res = await admin.get(`/api/v1/regions/${code}`);
			if (res.status !== 200 || res.json?.code !== code) missing.push(`${code}: ${res.status}`);
		});
		assert.deepEqual(missing.slice(0, 20), [], `${missing.length} acknowledged writes lost after SIGKILL`);

		// Each town's children: no duplicates, every acknowledged code, nothing never sent.
		let present = 0;
		for (let i = 1; i <= TOWNS; i++) {
			const town = townCode(i);
			const { codes, total } = await listAll(town);
			present += codes.length;
			assert.equal(new Set(codes).size, codes.length, `duplicates under ${town}`);
			assert.equal(total, codes.length, `total under ${town} differs from the items listed`);
			for (const c of codes) assert.ok(sent.has(c), `${c} under ${town} was never sent`);
			const want = [...acked].filter((c) => c.startsWith(town.slice(0, 9)));
			const have = new Set(codes);
			for (const c of want) assert.ok(have.has(c), `acknowledged ${c} missing from the list under ${town}`);
			const tr = await admin.get(`/api/v1/regions/${town}`);
			assert.equal(tr.json?.counts?.children, codes.length, `counts.children of ${town}`);
		}
		t.diagnostic(`after restart: ${present} present (${acked.size} acknowledged, ${present - acked.size} unacknowledged but committed)`);
		assert.ok(present >= acked.size);

		// The restarted server still takes writes.
		const fresh = nextCode();
		if (fresh !== null) assertStatus(await admin.post('/api/v1/regions', { code: fresh, name: '重启后村' }), 201);
	});
});
