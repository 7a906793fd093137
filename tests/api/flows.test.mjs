// GET /api/v1/flows/{kind}: what clients draw a case and its action forms
// from. It must say exactly what flows/event.json says (labels, terminal
// states, each action's from-states, target, roles and fields), with no
// session, and 404 for a kind that has no flow.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProblem, assertStatus, get } from './lib/http.mjs';
import { ROOT, startServer } from './lib/server.mjs';

const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'event.json'), 'utf8'));

let srv;
before(async () => {
	srv = await startServer();
});
after(async () => {
	await srv?.stop();
});

describe('GET /flows/event', () => {
	let flow;
	before(async () => {
		const res = await get(srv, '/api/v1/flows/event');
		assertStatus(res, 200);
		flow = res.json;
	});

	it('needs no session and names the kind and the initial state', () => {
		assert.equal(flow.kind, 'event');
		assert.equal(flow.initial, file.initial);
		assert.deepEqual([...flow.report_roles].sort(), [...file.report_roles].sort());
	});

	it('lists every state of the file in its order, with labels and terminal', () => {
		assert.deepEqual(
			flow.states.map((s) => s.name),
			Object.keys(file.states),
		);
		for (const s of flow.states) {
			const f = file.states[s.name];
			assert.equal(s.label, f.label);
			assert.equal(s.label_en, f.label_en);
			assert.equal(s.terminal, f.terminal === true, s.name);
		}
	});

	it('lists every action with its from-states, target, roles and fields', () => {
		assert.deepEqual(
			flow.actions.map((a) => a.name),
			Object.keys(file.actions),
		);
		for (const a of flow.actions) {
			const f = file.actions[a.name];
			assert.equal(a.label, f.label, a.name);
			assert.deepEqual([...a.from].sort(), [...f.from].sort(), a.name);
			assert.equal(a.to, f.to ?? null, a.name);
			assert.deepEqual([...a.roles].sort(), [...f.roles].sort(), a.name);
			assert.deepEqual(
				a.fields.map((x) => x.name),
				Object.keys(f.fields || {}),
				a.name,
			);
			for (const x of a.fields) {
				const want = f.fields[x.name];
				assert.equal(x.type, want.type, `${a.name}.${x.name}`);
				assert.equal(x.required, want.required === true, `${a.name}.${x.name}`);
				if (want.values) assert.deepEqual(x.values, want.values, `${a.name}.${x.name}`);
				if (want.max !== undefined) assert.equal(x.max, want.max, `${a.name}.${x.name}`);
				if (want.min !== undefined) assert.equal(x.min, want.min, `${a.name}.${x.name}`);
			}
		}
	});
});

describe('GET /flows/{kind} refusals', () => {
	for (const kind of ['nope', 'EVENT', 'event.json', '..%2Fevent']) {
		it(`${kind} is 404`, async () => {
			const res = await get(srv, `/api/v1/flows/${kind}`);
			assertProblem(res, 404, 'not-found');
		});
	}
});
