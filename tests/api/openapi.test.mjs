// GET /api/v1/openapi.json (API.md "Conventions"): the route table of
// src/api/routes.c as OpenAPI 3.1, served without a session. Every route is
// in it once with its summary, path and query parameters, session and
// roles, body and problem responses; the query parameters are the ones the
// handler's source reads (lib/handlers.mjs), typed as it reads them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { handlerInputs } from './lib/handlers.mjs';
import { assertStatus, call } from './lib/http.mjs';
import { ROOT, startServer } from './lib/server.mjs';

let srv, doc;

before(async () => {
	srv = await startServer();
	const res = await call(srv, 'GET', '/api/v1/openapi.json');
	assertStatus(res, 200);
	assert.match(res.header('content-type'), /^application\/json/);
	doc = res.json;
});
after(async () => {
	await srv?.stop();
});

const ROUTES = [...fs.readFileSync(path.join(ROOT, 'src/api/routes.c'), 'utf8').matchAll(/^\s*\{WG_(\w+), "([^"]+)", (\w+)/gm)].map(
	(m) => ({ method: m[1].toLowerCase(), path: m[2], handler: m[3] }),
);

// The type a query getter reads its parameter as; others read text.
const GETTER_TYPES = { wg_query_int: 'integer', query_degree: 'number', query_flag: 'boolean' };

describe('the OpenAPI document', () => {
	it('lists the test clock where it is on', async () => {
		const testing = await startServer({ extraArgs: ['--testing.clock=true'] });
		try {
			const res = await call(testing, 'GET', '/api/v1/openapi.json');
			assertStatus(res, 200);
			assert.ok(res.json.paths['/api/v1/testing/clock']?.put, 'PUT /testing/clock listed');
		} finally {
			await testing.stop();
		}
	});

	it('is OpenAPI 3.1 with every route of the table once, and nothing else', () => {
		assert.equal(doc.openapi, '3.1.0');
		assert.ok(doc.info.title && doc.info.version, JSON.stringify(doc.info));
		assert.ok(ROUTES.length > 100, `${ROUTES.length} routes read`);
		const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`));
		// The test clock answers only where testing.clock is on (not on this server).
		const served = ROUTES.filter((r) => r.path !== '/api/v1/testing/clock');
		assert.equal(served.length, ROUTES.length - 1);
		assert.deepEqual(ops.sort(), served.map((r) => `${r.method} ${r.path}`).sort());
		const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
		assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
		for (const item of Object.values(doc.paths))
			for (const op of Object.values(item)) assert.ok(op.summary && op.summary.length > 5, JSON.stringify(op));
	});

	it('names the query parameters each handler reads, typed as it reads them', () => {
		let routes = 0;
		for (const r of ROUTES.filter((x) => x.path !== '/api/v1/testing/clock')) {
			const op = doc.paths[r.path][r.method];
			const declared = op.parameters.filter((p) => p.in === 'query');
			const { getters } = handlerInputs(r.handler);
			const what = `${r.method} ${r.path} (${r.handler})`;
			assert.deepEqual(declared.map((p) => p.name).sort(), [...getters.keys()].sort(), `${what}: query parameters`);
			for (const p of declared) {
				assert.equal(p.required, false, `${what}: ${p.name}`);
				const getter = getters.get(p.name);
				const want = getter === 'page' ? (p.name === 'limit' ? 'integer' : 'string') : GETTER_TYPES[getter];
				if (want) assert.equal(p.schema.type, want, `${what}: ${p.name} is read by ${getter}`);
			}
			routes += declared.length > 0;
		}
		assert.ok(routes > 30, `${routes} routes with query parameters`);
		const list = doc.paths['/api/v1/cases'].get.parameters;
		const type = (name) => list.find((p) => p.name === name)?.schema.type;
		assert.deepEqual([type('state'), type('overdue'), type('limit'), type('cursor')], ['string', 'boolean', 'integer', 'string']);
		assert.equal(doc.paths['/api/v1/grids/locate'].get.parameters.find((p) => p.name === 'lat').schema.type, 'number');
	});

	it('says who may call what, with the path parameters and the body', () => {
		const op = (m, p) => doc.paths[p][m];
		assert.deepEqual(op('get', '/api/v1/audit')['x-roles'], ['auditor']);
		assert.deepEqual(op('post', '/api/v1/users')['x-roles'], ['sysadmin']);
		assert.deepEqual(op('get', '/healthz').security, []);
		assert.equal(op('get', '/healthz')['x-roles'], undefined);
		assert.deepEqual(op('post', '/api/v1/cases').security, [{ bearer: [] }, { cookie: [] }]);
		assert.ok(!op('post', '/api/v1/cases')['x-roles'].includes('sysadmin'), 'the admin powers report no cases');
		assert.equal(op('put', '/api/v1/me/password')['x-before-password-change'], true);
		const act = op('post', '/api/v1/cases/{id}/actions/{action}');
		assert.deepEqual(
			act.parameters.map((p) => [p.name, p.in, p.required]),
			[
				['id', 'path', true],
				['action', 'path', true],
			],
		);
		assert.ok(act.requestBody.content['application/json']);
		assert.ok(op('post', '/api/v1/attachments').requestBody.content['application/octet-stream']);
		assert.ok(op('post', '/open311/v2/{file}').requestBody.content['application/x-www-form-urlencoded']);
		assert.equal(op('get', '/api/v1/cases').requestBody, undefined);
		assert.equal(act.responses['4XX'].$ref, '#/components/responses/Problem');
		assert.ok(doc.components.schemas.Problem.properties.errors);
		assert.ok(doc.components.securitySchemes.bearer && doc.components.securitySchemes.cookie);
	});
});
