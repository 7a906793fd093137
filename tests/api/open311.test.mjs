// Open311 GeoReport v2 (/open311/v2/, API.md "Open311"): discovery, the
// services (the minor categories of events), a request posted as a form and
// reported as a citizen's, followed by its id (the tracking code) in JSON
// and in XML, its status as the case moves, and the errors in GeoReport's
// shape. Nothing personal comes back, and no one lists others' requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { as, assertStatus, call, login } from './lib/http.mjs';
import { ensureGrids, pointInGrid } from './lib/basedata.mjs';
import { GRID1, startServer } from './lib/server.mjs';

const V2 = '/open311/v2';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
let srv, county, village1, at;

before(async () => {
	srv = await startServer({ extraArgs: ['--portal.per_minute=10000', '--open311.contact=眉县综治中心 0917-5540000'] });
	ensureGrids(srv);
	[county, village1] = await Promise.all(['county', 'village1'].map(async (u) => as(srv, await login(srv, u))));
	at = await pointInGrid(county, GRID1);
});
after(async () => {
	await srv?.stop();
});

const post = (fields, headers = FORM, format = 'json') =>
	call(srv, 'POST', `${V2}/requests.${format}`, {
		body: new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined)).toString(),
		headers,
	});

const report = (extra = {}, headers = FORM) =>
	post({ service_code: '0301', lat: String(at.lat), long: String(at.lng), description: '路口垃圾堆了三天没人清理', ...extra }, headers);

/** Asserts a GeoReport error document: status, and a description naming what. */
function assertErrors(res, status, what) {
	assertStatus(res, status);
	assert.ok(Array.isArray(res.json), `an array of errors:\n${res}`);
	for (const e of res.json) assert.equal(e.code, status, `${res}`);
	assert.ok(
		res.json.some((e) => e.description.includes(what)),
		`an error naming ${what}:\n${res}`,
	);
}

/** The text of each <name> element in xml, in order. */
const elements = (xml, name) => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]);

describe('discovery and services', () => {
	it('discovery names the GeoReport v2 endpoint and its formats', async () => {
		const res = await call(srv, 'GET', `${V2}/discovery.json`);
		assertStatus(res, 200);
		assert.match(res.header('content-type'), /^application\/json/);
		assert.equal(res.json.contact, '眉县综治中心 0917-5540000');
		const [ep] = res.json.endpoints;
		assert.equal(ep.specification, 'http://wiki.open311.org/GeoReport_v2');
		assert.equal(ep.url, `${srv.url}${V2}`);
		assert.deepEqual(ep.formats, ['text/xml', 'application/json']);
		assert.equal(res.header('access-control-allow-origin'), '*', 'apps on other origins may read it');
		const xml = await call(srv, 'GET', `${V2}/discovery.xml`);
		assertStatus(xml, 200);
		assert.match(xml.header('content-type'), /^text\/xml; charset=utf-8/);
		assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<discovery>/);
		assert.deepEqual(elements(xml.text, 'format'), ['text/xml', 'application/json']);
	});

	it('the services are the minor categories of events, grouped by their major', async () => {
		const res = await call(srv, 'GET', `${V2}/services.json`);
		assertStatus(res, 200);
		const cats = (await county.get('/api/v1/categories')).json;
		const minors = (cats.items ?? cats).flatMap((m) => (m.kind === 'event' ? m.children ?? [] : []));
		assert.ok(minors.length > 10, `event categories:\n${JSON.stringify(cats).slice(0, 300)}`);
		assert.deepEqual(
			res.json.map((s) => s.service_code),
			minors.map((c) => c.code),
		);
		const s = res.json.find((x) => x.service_code === '0301');
		assert.equal(s.service_name, minors.find((c) => c.code === '0301').name);
		assert.equal(s.group, '市容环境');
		assert.equal(s.metadata, false);
		assert.equal(s.type, 'realtime');
		assert.match(s.description, /个工作(日|小时)内办结/);
		assert.ok(!res.json.some((x) => x.service_code.startsWith('11')), 'no dispute categories');
		const xml = await call(srv, 'GET', `${V2}/services.xml`);
		assert.deepEqual(elements(xml.text, 'service_code'), res.json.map((x) => x.service_code));
	});

	it('a service definition: no attributes; an unknown code or a dispute is 404', async () => {
		const res = await call(srv, 'GET', `${V2}/services/0301.json`);
		assertStatus(res, 200);
		assert.deepEqual(res.json, { service_code: '0301', attributes: [] });
		const xml = await call(srv, 'GET', `${V2}/services/0301.xml`);
		assert.match(xml.text, /<service_definition><service_code>0301<\/service_code><attributes><\/attributes>/);
		assertErrors(await call(srv, 'GET', `${V2}/services/1101.json`), 404, 'no such resource');
		assertErrors(await call(srv, 'GET', `${V2}/services/9999.json`), 404, 'no such resource');
	});

	it('a resource without a format, or another one, is 404 in GeoReport shape', async () => {
		assertErrors(await call(srv, 'GET', `${V2}/services`), 404, '.json or .xml');
		assertErrors(await call(srv, 'GET', `${V2}/services.csv`), 404, '.json or .xml');
		assertErrors(await call(srv, 'GET', `${V2}/cases.json`), 404, 'no such resource');
		const xml = await call(srv, 'GET', `${V2}/cases.xml`);
		assertStatus(xml, 404);
		assert.match(xml.text, /<errors><error><code>404<\/code><description>[^<]+<\/description><\/error><\/errors>/);
		assertStatus(await call(srv, 'GET', '/open311/v3/services.json'), 404);
	});
});

describe('a service request', () => {
	it('is reported as a citizen, followed by its id, and shows its case moving', async () => {
		const phone = '13812345678';
		let res = await report({ first_name: '小明', last_name: '王', phone, email: 'x@example.com', api_key: 'any' });
		assertStatus(res, 201);
		const [made] = res.json;
		assert.match(made.service_request_id, /^[0-9A-Z]{10}$/);
		assert.ok(made.service_notice);
		assert.equal(made.account_id, null);
		const id = made.service_request_id;

		// The centre sees a citizen's report in its grid, with the contact.
		const list = (await village1.get('/api/v1/cases?source=citizen')).json.items;
		const c0 = list.find((x) => x.description === '路口垃圾堆了三天没人清理');
		assert.ok(c0, 'the report reached the village centre');
		let c = (await village1.get(`/api/v1/cases/${c0.id}`)).json;
		assert.equal(c.kind, 'event');
		assert.equal(c.category, '0301');
		assert.equal(c.grid, GRID1);
		assert.equal(srv.sql(`SELECT reporter_name FROM cases WHERE id = ${c.id}`)[0][0], '王小明');

		res = await call(srv, 'GET', `${V2}/requests/${id}.json`);
		assertStatus(res, 200);
		let [r] = res.json;
		assert.equal(r.service_request_id, id);
		assert.equal(r.status, 'open');
		assert.equal(r.status_notes, '待受理');
		assert.equal(r.service_code, '0301');
		assert.equal(r.agency_responsible, null);
		assert.match(r.requested_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
		assert.ok(Math.abs(r.lat - at.lat) < 1e-9 && Math.abs(r.long - at.lng) < 1e-9);
		const text = res.text;
		for (const secret of [phone, '5678', '王小明', '小明', '垃圾堆了', 'x@example.com'])
			assert.ok(!text.includes(secret), `no ${secret} in:\n${text}`);

		// XML carries the same.
		const xml = await call(srv, 'GET', `${V2}/requests/${id}.xml`);
		assertStatus(xml, 200);
		assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<service_requests><request>/);
		assert.deepEqual(elements(xml.text, 'status'), ['open']);
		assert.ok(xml.text.includes('<agency_responsible/>'), xml.text);

		// Accepted and dispatched: the department and its deadline show.
		const act = (who, action, fields = {}) =>
			who.post(`/api/v1/cases/${c.id}/actions/${action}`, fields, { headers: { 'If-Match': `"${c.version}"` } });
		for (const [who, action] of [
			[village1, 'accept'],
			[village1, 'assess'],
			[village1, 'dispatch'],
		]) {
			res = await act(who, action);
			assertStatus(res, 200);
			c = res.json;
		}
		assert.equal(c.state, 'dispatched');
		[r] = (await call(srv, 'GET', `${V2}/requests/${id}.json`)).json;
		assert.equal(r.status, 'open');
		assert.equal(r.status_notes, '待签收');
		const dept = (await county.get(`/api/v1/departments/${c.department}`)).json;
		assert.equal(r.agency_responsible, dept.name);
		assert.ok(r.expected_datetime > r.requested_datetime, JSON.stringify(r));

		// The token of the id is the id.
		res = await call(srv, 'GET', `${V2}/tokens/${id}.json`);
		assertStatus(res, 200);
		assert.deepEqual(res.json, [{ service_request_id: id, token: id }]);
		assertErrors(await call(srv, 'GET', `${V2}/tokens/ZZZZZZZZZZ.json`), 404, 'no such resource');
	});

	it('a rejected report is closed', async () => {
		const id = (await report({ description: '这里也有垃圾' })).json[0].service_request_id;
		const c = (await village1.get('/api/v1/cases?source=citizen')).json.items.find((x) => x.description === '这里也有垃圾');
		const res = await village1.post(`/api/v1/cases/${c.id}/actions/reject`, { reason: '已有人报告' }, {
			headers: { 'If-Match': `"${c.version}"` },
		});
		assertStatus(res, 200);
		const got = await call(srv, 'GET', `${V2}/requests/${id}.json`);
		assertStatus(got, 200);
		const [r] = got.json;
		assert.equal(r.status, 'closed', `${got}`);
		assert.equal(r.status_notes, '不予受理');
	});

	it('GET /requests shows only the requests named by id', async () => {
		const a = (await report({ description: '第一处' })).json[0].service_request_id;
		const b = (await report({ description: '第二处' })).json[0].service_request_id;
		const res = await call(srv, 'GET', `${V2}/requests.json?service_request_id=${a},ZZZZZZZZZZ,${b},short`);
		assertStatus(res, 200);
		assert.deepEqual(
			res.json.map((r) => r.service_request_id),
			[a, b],
		);
		const xml = await call(srv, 'GET', `${V2}/requests.xml?service_request_id=${b}`);
		assert.deepEqual(elements(xml.text, 'service_request_id'), [b]);
		assertErrors(await call(srv, 'GET', `${V2}/requests.json`), 400, 'service_request_id');
		assertErrors(await call(srv, 'GET', `${V2}/requests.json?status=open`), 400, 'service_request_id');
		assertErrors(await call(srv, 'GET', `${V2}/requests/ZZZZZZZZZZ.json`), 404, 'no such resource');
		assertErrors(await call(srv, 'GET', `${V2}/requests/abc.json`), 404, 'no such service request');
	});

	it('a photo link is kept in the description for the operators', async () => {
		const url = 'https://img.example.com/a.jpg?x=1&y=2';
		assertStatus(await report({ description: '井盖丢失', service_code: '0401', media_url: url }), 201);
		const c = (await village1.get('/api/v1/cases?source=citizen')).json.items.find((x) => x.description.startsWith('井盖丢失'));
		assert.equal(c.description, `井盖丢失\n照片：${url}`);
	});
});

describe('Idempotency-Key', () => {
	const count = () => Number(srv.sql('SELECT count(*) FROM cases')[0][0]);

	it('a retry gets the first answer and creates nothing; another form with the key is refused', async () => {
		const key = { ...FORM, 'Idempotency-Key': `o311-${process.pid}-${Date.now()}` };
		const before = count();
		const first = await report({ description: '重试不重复登记' }, key);
		assertStatus(first, 201);
		const again = await report({ description: '重试不重复登记' }, key);
		assertStatus(again, 201);
		assert.equal(again.text, first.text, 'the same answer, the same id');
		assert.equal(count(), before + 1, 'one case');
		assertErrors(await report({ description: '另一件事' }, key), 400, 'Idempotency-Key');
		// The same form asked as XML is another request: the key was the JSON one's.
		const xml = await post({ service_code: '0301', lat: String(at.lat), long: String(at.lng), description: '重试不重复登记' }, key, 'xml');
		assertStatus(xml, 400);
		assert.ok(xml.text.includes('<description>Idempotency-Key: '), xml.text);
		assertErrors(await report({}, { ...FORM, 'Idempotency-Key': 'has space' }), 400, 'Idempotency-Key');
		assert.equal(count(), before + 1, 'nothing more');
	});
});

describe('errors in GeoReport shape, nothing created', () => {
	const count = () => Number(srv.sql('SELECT count(*) FROM cases')[0][0]);

	it('each missing or wrong parameter is named', async () => {
		const before = count();
		assertErrors(await post({ lat: String(at.lat), long: String(at.lng), description: 'x' }), 400, 'service_code');
		assertErrors(await report({ service_code: '9999' }), 400, 'service_code');
		assertErrors(await report({ service_code: '1101' }), 400, 'service_code');
		assertErrors(await post({ service_code: '0301', description: '无位置', address_string: '北街 3 号' }), 400, 'not by an address');
		assertErrors(await report({ lat: '34.2', long: undefined }), 400, 'lat');
		assertErrors(await report({ lat: 'north' }), 400, 'lat');
		assertErrors(await report({ long: '200' }), 400, 'long');
		assertErrors(await report({ lat: '0', long: '0' }), 400, 'lat');
		assertErrors(await report({ description: '' }), 400, 'description');
		assertErrors(await report({ description: '长'.repeat(5001) }), 400, 'description');
		assertErrors(await report({ media_url: 'javascript:alert(1)' }), 400, 'media_url');
		assertErrors(await report({ phone: '12' }), 400, 'phone');
		// Several problems at once: each its own error.
		const many = await post({ lat: 'x', long: '1' });
		assertErrors(many, 400, 'service_code');
		assert.ok(many.json.some((e) => e.description.startsWith('lat:')), `${many}`);
		// A parameter twice.
		const twice = await call(srv, 'POST', `${V2}/requests.json`, {
			body: `service_code=0301&service_code=0302&lat=${at.lat}&long=${at.lng}&description=x`,
			headers: FORM,
		});
		assertErrors(twice, 400, 'service_code');
		assert.equal(twice.header('access-control-allow-origin'), '*', 'errors too');
		assertErrors(await call(srv, 'POST', `${V2}/requests.json`, { body: 'service_code=%zz', headers: FORM }), 400, 'percent');
		assert.equal(count(), before, 'nothing created');
	});

	it('a body that is not a form is 415; posting elsewhere is 404; the errors come in XML too', async () => {
		const before = count();
		assertErrors(
			await call(srv, 'POST', `${V2}/requests.json`, { json: { service_code: '0301' } }),
			415,
			'x-www-form-urlencoded',
		);
		assertErrors(await post({ service_code: '0301' }, FORM, 'csv'), 404, '.json or .xml');
		assertErrors(await call(srv, 'POST', `${V2}/services.json`, { body: 'a=1', headers: FORM }), 404, 'requests');
		const xml = await post({ service_code: '0301' }, FORM, 'xml');
		assertStatus(xml, 400);
		assert.match(xml.text, /<errors>(<error><code>400<\/code><description>[^<]*<\/description><\/error>)+<\/errors>/);
		assert.ok(xml.text.includes('<description>lat: '), xml.text);
		assert.equal(count(), before, 'nothing created');
	});
});

describe('the portal limit per address', () => {
	it('applies to Open311 reports too: 429 with Retry-After', async () => {
		const limited = await startServer({ extraArgs: ['--portal.per_minute=2'] });
		try {
			ensureGrids(limited);
			const c = as(limited, await login(limited, 'county'));
			const p = await pointInGrid(c, GRID1);
			const body = new URLSearchParams({ service_code: '0301', lat: String(p.lat), long: String(p.lng), description: '限流' }).toString();
			const send = () => call(limited, 'POST', `${V2}/requests.json`, { body, headers: FORM });
			assertStatus(await send(), 201);
			assertStatus(await send(), 201);
			const res = await send();
			assertStatus(res, 429);
			assert.ok(Number(res.header('retry-after')) >= 1, `${res}`);
			assert.equal(res.json[0].code, 429);
		} finally {
			await limited.stop();
		}
	});
});
