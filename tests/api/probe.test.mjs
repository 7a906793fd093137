// API robustness probe: every route of src/api/routes.c (read at start, so a
// new route is probed without touching this file) gets hostile path
// parameters, query values, bodies, content types and credentials. For each
// request: never a 5xx, a 4xx is an RFC 9457 problem of the expected class
// (under /open311/, GeoReport's error document, docs/api.md "Open311"),
// and a request meant to be refused is refused. After each route's probes
// the server still answers /healthz and the row counts of the stored data
// are what they were before (refused requests change nothing).
//
// What each route may take is read from its handler's source: the handler
// function and the static functions of its file it reaches, scanned for
// query getters (wg_query_*, wg_req_query and the files' own query helpers)
// and body getters (wg_body_*, wg__api_body_*, json_object_get(req->body)).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { get, login, raw } from './lib/http.mjs';
import { flowActions, handlerInputs } from './lib/handlers.mjs';
import { DEMO, ROOT, startServer } from './lib/server.mjs';

/* ---- the route table, from the source of truth ------------------------ */

const ROLE_NAMES = [...fs.readFileSync(path.join(ROOT, 'src/domain/role.h'), 'utf8').matchAll(/^\s*X\((\w+), "(\w+)"/gm)].map(
	(m) => ({ macro: m[1], api: m[2] }),
);

// Evaluates a role or flag expression of routes.c ("WG_ROLES_ALL & ~WG_ROLE_AUDITOR")
// with the constants of role.h, basedata.h, router.h and routes.c's own enum.
function constants() {
	const c = { WG_ROLE_COUNT: ROLE_NAMES.length };
	ROLE_NAMES.forEach((r, i) => (c[`WG_ROLE_${r.macro}`] = 1 << i));
	const router = fs.readFileSync(path.join(ROOT, 'src/http/router.h'), 'utf8');
	for (const m of router.matchAll(/(WG_ROUTE_\w+) = (\d+)/g)) c[m[1]] = Number(m[2]);
	for (const m of router.matchAll(/(WG_(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)) = 1 << (\d+)/g)) c[m[1]] = 1 << Number(m[2]);
	for (const f of ['src/domain/role.h', 'src/domain/basedata.h']) {
		const text = fs.readFileSync(path.join(ROOT, f), 'utf8').replace(/\\\n/g, ' ');
		for (const m of text.matchAll(/^#define (WG_ROLES_\w+)\s+(.+)$/gm)) c[m[1]] = m[2];
	}
	return c;
}
const CONST = constants();

function evaluate(expr, local) {
	const tokens = expr.match(/\w+|<<|[()|&~]/g) || [];
	let i = 0;
	const value = (name) => {
		if (/^\d+u?$/.test(name)) return parseInt(name, 10);
		const v = local[name] ?? CONST[name];
		if (v === undefined) throw new Error(`routes.c: unknown constant ${name}`);
		return typeof v === 'number' ? v : evaluate(v, local);
	};
	// or := and ('|' and)*; and := shift ('&' shift)*; shift := unary ('<<' unary)?; unary := '~' unary | atom
	function unary() {
		const t = tokens[i++];
		if (t === '~') return ~unary() >>> 0;
		if (t === '(') {
			const v = or();
			i++; // ')'
			return v;
		}
		return value(t);
	}
	function shift() {
		let v = unary();
		while (tokens[i] === '<<') {
			i++;
			v = (v << unary()) >>> 0;
		}
		return v;
	}
	function and() {
		let v = shift();
		while (tokens[i] === '&') {
			i++;
			v = (v & shift()) >>> 0;
		}
		return v;
	}
	function or() {
		let v = and();
		while (tokens[i] === '|') {
			i++;
			v = (v | and()) >>> 0;
		}
		return v;
	}
	// "(1u << WG_ROLE_COUNT) - 1": the one subtraction of the headers.
	const minus = /^\((.*)\)\s*-\s*1$/.exec(expr.trim().replace(/^\((.*)\)$/, '$1'));
	if (minus) return (evaluate(`(${minus[1]})`, local) - 1) >>> 0;
	return or();
}

function readRoutes() {
	const src = fs.readFileSync(path.join(ROOT, 'src/api/routes.c'), 'utf8');
	const local = {};
	const en = /enum\s*\{([^}]*)\};/.exec(src);
	if (en) {
		for (const line of en[1].replace(/\/\*[\s\S]*?\*\//g, '').split(',')) {
			const m = /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(line);
			if (m) local[m[1]] = m[2];
		}
	}
	const routes = [];
	// One entry per route, its summary (and the query parameters it reads)
	// wrapped onto a line of their own when long, a long string split in two.
	const table = src.replace(/"\n\s+"/g, '').replace(/,\n\s+"/g, ', "');
	for (const m of table.matchAll(/^\s*\{(WG_\w+), "([^"]+)", (wg_api_\w+), ([^,]+), ([^,}]+), "[^"]*"(?:, "[^"]*")?\},/gm)) {
		const flags = evaluate(m[4], local);
		routes.push({
			method: m[1].slice(3),
			template: m[2],
			handler: m[3],
			flags,
			roles: evaluate(m[5], local),
			public: (flags & CONST.WG_ROUTE_PUBLIC) !== 0,
			body: (flags & CONST.WG_ROUTE_JSON_BODY) !== 0,
			rawBody: (flags & CONST.WG_ROUTE_RAW_BODY) !== 0,
			anyState: (flags & CONST.WG_ROUTE_ANY_STATE) !== 0,
			params: [...m[2].matchAll(/\{(\w+)\}/g)].map((p) => p[1]),
		});
	}
	return routes;
}

/* ---- hostile values ------------------------------------------------------ */

const LONG_UTF8 = '网格🙂'.repeat(700); // 2100 code points, 7000 bytes
const PATH_VALUES = [
	"'; DROP TABLE cases;--",
	'<script>alert(1)</script>',
	'%00',
	'a%00b',
	'..%2F..%2Fetc%2Fpasswd',
	'x'.repeat(2000),
	'-1',
	'0',
	'99999999999999999999999',
	'9223372036854775808',
	'1e309',
	'%FF%FE',
	LONG_UTF8,
];
const QUERY_VALUES = [
	"' OR 1=1;--",
	'<script>alert(1)</script>',
	'%00',
	'-1',
	'99999999999999999999',
	'%FF',
	'x'.repeat(3000),
	LONG_UTF8,
];
const DEEP = `${'['.repeat(10000)}${']'.repeat(10000)}`;
// Raw JSON texts of a field's value: wrong types, beyond any limit, NUL,
// numbers JSON allows but no field does.
const FIELD_VALUES = [
	['a number', '12345'],
	['true', 'true'],
	['an array', '["x"]'],
	['an object', '{"x":"y"}'],
	['a 100k string', JSON.stringify('x'.repeat(100000))],
	['a NUL byte', '"a\\u0000b"'],
	['long UTF-8', JSON.stringify('网'.repeat(20000))],
	['1e309', '1e309'],
	['-0', '-0'],
	['2^63', '9223372036854775808'],
	['10,000-deep arrays', DEEP],
];
const BAD_BODIES = [
	['not JSON', null, '{"a":', 400],
	['JSON array', null, '[]', 400],
	['JSON string', null, '"x"', 400],
	['JSON number', null, '1e309', 400],
	['JSON null', null, 'null', 400],
	['10,000-deep arrays', null, DEEP, 400],
	['a NUL byte', null, '{}\u0000', 400],
	['text/plain', 'text/plain', '{}', 415],
	['form data', 'application/x-www-form-urlencoded', 'a=1', 415],
	['no Content-Type', '', '{}', 415],
];

// Well-formed values that name nothing, so that a probe of one part reaches
// the checks past the path and is still refused (404) if all else passes.
const NOWHERE = {
	id: '999999',
	code: '610326001002999',
	name: 'no.such_setting',
	kind: 'no_such_kind',
	sha256: '0'.repeat(64),
	action: 'accept',
};

/* ---- the accounts that may call a route -------------------------------- */

// Preferred first: a county centre operator sees every case and base datum
// of the county; then the admin powers, then the rest of the loop.
const PREFERENCE = ['county', 'sysadmin', 'secadmin', 'auditor', 'worker1', 'police1', 'mediator1', 'leader'];
const ROLE_BIT = Object.fromEntries(ROLE_NAMES.map((r, i) => [r.api, 1 << i]));
function accountFor(route) {
	// Routes of one's own account: an account no other route uses, so that a
	// lockout after wrong current passwords or codes spoils nothing else.
	if (route.anyState && route.template.startsWith('/api/v1/me')) return 'town2';
	for (const name of PREFERENCE) {
		const bits = DEMO[name].roles.reduce((a, r) => a | ROLE_BIT[r], 0);
		if (route.roles === 0 || (route.roles & bits) !== 0) return name;
	}
	return null;
}

/* ---- requests ------------------------------------------------------------ */

let srv;
const sessions = {};

// One request; a stream (text/event-stream) is closed once its head is in.
async function send(method, url, { headers = {}, body } = {}) {
	const ac = new AbortController();
	const timer = setTimeout(() => ac.abort(), 10000);
	const shown = `${method} ${url.length > 300 ? `${url.slice(0, 300)}… (${url.length} chars)` : url}${Object.entries(headers)
		.filter(([k]) => k !== 'Authorization')
		.map(([k, v]) => `\n${k}: ${String(v).slice(0, 120)}`)
		.join('')}${body === undefined ? '' : `\n\n${String(body).slice(0, 200)}${String(body).length > 200 ? `… (${String(body).length} chars)` : ''}`}`;
	try {
		const res = await fetch(srv.url + url, { method, headers, body, redirect: 'manual', signal: ac.signal });
		const ct = res.headers.get('content-type') || '';
		let text = '';
		if (ct.startsWith('text/event-stream')) ac.abort();
		else text = await res.text();
		return { status: res.status, ct, text, shown };
	} catch (e) {
		return { status: 0, ct: '', text: String(e.cause?.code || e.message), shown };
	} finally {
		clearTimeout(timer);
	}
}

async function sendRaw(bytes) {
	const head = bytes.subarray(0, bytes.indexOf('\r\n\r\n')).toString('latin1');
	const shown = head
		.split('\r\n')
		.filter((l) => !/^Authorization:/i.test(l))
		.map((l) => (l.length > 300 ? `${l.slice(0, 300)}… (${l.length} chars)` : l))
		.join('\n');
	const res = await raw(srv.port, bytes, { timeout: 10000 });
	if (res.status === undefined) return { status: 0, ct: '', text: String(res.error), shown };
	return { status: res.status, ct: res.header('content-type') || '', text: res.text || '', shown };
}

function expand(template, values) {
	return template.replace(/\{(\w+)\}/g, (_, p) => values[p] ?? NOWHERE[p]);
}

// The probes of one route: {what, method, url, headers, body, expect}, where
// expect is the set of statuses the request may get (all refusals unless 200
// is listed). auth: the session of the account that may call the route.
function probesOf(route, auth) {
	const out = [];
	const inputs = handlerInputs(route.handler);
	const bearer = auth ? { Authorization: `Bearer ${auth.token}` } : {};
	const jsonCt = { 'Content-Type': 'application/json' };
	const base = expand(route.template, {});
	const mutating = route.method !== 'GET';
	// A mutating route with nothing to refuse (no body, no parameter) would
	// act on a valid session: only the credential probes for it.
	const actsWhenAuthed = mutating && !route.body && !route.rawBody && route.params.length === 0;
	const bodyFor = route.body ? '{}' : undefined;
	const ctFor = route.body ? jsonCt : {};

	if (!route.public) {
		out.push({ what: 'no credentials', url: base, headers: ctFor, body: bodyFor, expect: [401] });
		out.push({
			what: 'an SQL fragment as the token',
			url: base,
			headers: { ...ctFor, Authorization: "Bearer ' OR 1=1;--" },
			body: bodyFor,
			expect: [401],
		});
		if (actsWhenAuthed || !auth) {
			for (const [what, header, expect] of [
				['a 4000-char token', { Authorization: `Bearer ${'A'.repeat(4000)}` }, [401]],
				['a hostile cookie', { Cookie: 'wg_session=<script>x</script>' }, [401, 403]],
				['a Basic credential', { Authorization: 'Basic YWRtaW46YWRtaW4=' }, [401]],
			])
				out.push({ what, url: base, headers: { ...ctFor, ...header }, body: bodyFor, expect });
		}
	}
	if (actsWhenAuthed || (!auth && !route.public)) return out.map((p) => ({ ...p, method: route.method }));

	// Path parameters, one at a time, the others well-formed.
	for (const p of route.params) {
		for (const v of PATH_VALUES) {
			const value = /%/.test(v) ? v : encodeURIComponent(v);
			out.push({
				what: `path {${p}} = ${v.slice(0, 40)}`,
				url: expand(route.template, { [p]: value }),
				headers: { ...bearer, ...ctFor },
				body: bodyFor,
				expect: [400, 404, 422],
			});
		}
	}

	// Query parameters: GET routes are read-only, so any answer but a 5xx is
	// possible (a search for "<script>" finds nothing); a paging parameter
	// out of range is refused.
	if (route.method === 'GET') {
		// On a resource that exists, so that the query is read past the lookup.
		const where = expand(route.template, LIVE.get(route.template) || {});
		const names = new Set([...inputs.query, 'limit', 'cursor']);
		for (const q of names) {
			for (const v of QUERY_VALUES) {
				const value = /^%/.test(v) ? v : encodeURIComponent(v);
				const strict = (q === 'limit' || q === 'cursor') && inputs.query.has(q);
				out.push({
					what: `?${q}=${v.slice(0, 40)}`,
					url: `${where}?${q}=${value}`,
					headers: bearer,
					expect: strict ? [400, 422] : [200, 400, 404, 422],
				});
			}
			out.push({ what: `?${q} twice`, url: `${where}?${q}=1&${q}=2`, headers: bearer, expect: [200, 400, 404, 422] });
		}
	} else if (!route.body) {
		// A query string on a write is ignored or refused, never acted on:
		// combined with a path that names nothing.
		out.push({
			what: 'a hostile query string',
			url: `${base}?limit=-1&q=%00&unmask=${'x'.repeat(500)}`,
			headers: { ...bearer },
			expect: [400, 404, 415, 422],
		});
	}

	if (route.body) {
		for (const [what, ct, body, status] of BAD_BODIES) {
			const headers = { ...bearer };
			if (ct === null) headers['Content-Type'] = 'application/json';
			else if (ct) headers['Content-Type'] = ct;
			out.push({ what: `body: ${what}`, url: base, headers, body: ct === '' ? Buffer.from(body) : body, expect: [status] });
		}
		const fields = [...inputs.body];
		if (fields.length === 0) fields.push('name');
		for (const f of fields) {
			for (const [what, raw] of FIELD_VALUES) {
				out.push({
					what: `field ${f} = ${what}`,
					url: base,
					headers: { ...bearer, ...jsonCt },
					body: `{${JSON.stringify(f)}:${raw}}`,
					// 401: a sign-in with a well-typed but unknown name; 403/409: a
					// state the value cannot reach.
					expect: [400, 401, 403, 404, 409, 422],
				});
			}
		}
		// On a resource that exists, so that validation past the lookup runs
		// too; an unknown member keeps each request refused, whatever the
		// hostile value does (the handler refuses unknown members).
		const live = LIVE.get(route.template);
		if (live && inputs.only) {
			for (const f of fields) {
				for (const [what, raw] of FIELD_VALUES) {
					out.push({
						what: `field ${f} = ${what}, on ${JSON.stringify(live)}`,
						url: expand(route.template, live),
						headers: { ...bearer, ...jsonCt },
						body: `{${JSON.stringify(f)}:${raw},"zz_probe_unknown":1}`,
						expect: [400, 422],
					});
				}
			}
		}
		// Each action of the flows on a case that exists, each of its fields
		// hostile, with an unknown member (the case engine refuses it).
		const acting = LIVE_CASE && route.params.includes('action') && route.params.length === 2;
		if (acting) {
			for (const [action, { fields, from }] of flowActions()) {
				// A case in a state the action starts from, when the demo made one,
				// so that the fields are judged rather than the state.
				const id = LIVE_CASES.find((c) => from.has(c.state))?.id ?? LIVE_CASE;
				const url = expand(route.template, { [route.params[0]]: id, action });
				out.push({ what: `action ${action}, only an unknown member`, url, headers: { ...bearer, ...jsonCt }, body: '{"zz_probe_unknown":1}', expect: [400, 403, 409, 422] });
				for (const f of fields) {
					for (const [what, raw] of FIELD_VALUES.filter((_, i) => i % 2 === 0)) {
						out.push({
							what: `action ${action}, field ${f} = ${what}`,
							url,
							headers: { ...bearer, ...jsonCt },
							body: `{${JSON.stringify(f)}:${raw},"zz_probe_unknown":1}`,
							expect: [400, 403, 409, 422],
						});
					}
				}
			}
		}
		for (const [what, header, body] of [
			['an unknown member', {}, '{"<script>":"\'; DROP TABLE users;--"}'],
			['a duplicate member', {}, '{"a":1,"a":2}'],
			['If-Match hostile', { 'If-Match': "'; DROP TABLE grids;--" }, '{}'],
			// Regression: a malformed key on POST /cases and /public/reports
			// used to get no answer at all (cases.c create()).
			['Idempotency-Key hostile', { 'Idempotency-Key': '<'.repeat(300) }, '{}'],
		])
			out.push({ what, url: base, headers: { ...bearer, ...jsonCt, ...header }, body, expect: [400, 401, 403, 404, 422] });
	}

	// Bytes fetch would encode or normalise, on a raw connection: invalid
	// UTF-8 and dot segments in the path, a query of 16 KB.
	const head = (target) => {
		const lines = [`${route.method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
		for (const [k, v] of Object.entries({ ...bearer, ...ctFor })) lines.push(`${k}: ${v}`);
		const body = bodyFor ?? '';
		lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
		return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body)]);
	};
	const latin1 = (t) => Buffer.from(t, 'latin1').toString('latin1');
	for (const p of route.params) {
		out.push({ what: `raw path {${p}} = invalid UTF-8`, raw: head(latin1(expand(route.template, { [p]: "\xff\xfe'\xc0\xaf" }))), expect: [400, 404, 422] });
		out.push({ what: `raw path {${p}} = ../..`, raw: head(expand(route.template, { [p]: '../../etc/passwd' })), expect: [400, 404, 405, 422] });
	}
	if (route.method === 'GET') {
		const q = [...inputs.query][0] || 'q';
		out.push({ what: `raw ?${q}= invalid UTF-8`, raw: head(latin1(`${base}?${q}=\xff\xfe\xc0\xaf`)), expect: [200, 400, 404, 422] });
		out.push({ what: `raw ?${q}= 16 KB`, raw: head(`${base}?${q}=${'%41'.repeat(5500)}`), expect: [200, 400, 404, 414, 422, 431] });
	}

	if (route.rawBody) {
		const bodies = [
			['an empty body', 'application/octet-stream', ''],
			['HTML with a script', 'text/html', '<html><script>alert(1)</script></html>'],
			['SQL text as a JPEG', 'image/jpeg', "'; DROP TABLE attachments;--"],
			['NUL bytes as a PNG', 'image/png', Buffer.alloc(4096)],
			['JSON', 'application/json', '{"a":1}'],
		];
		for (const [what, ct, body] of bodies) {
			out.push({ what: `upload: ${what}`, url: base, headers: { ...bearer, 'Content-Type': ct }, body, expect: [400, 404, 413, 415, 422] });
		}
	}
	return out.map((p) => ({ ...p, method: route.method }));
}

/* ---- stored data --------------------------------------------------------- */

// The one table the probe may write: audit_log, since a read of a
// resident's unmasked identity (GET /residents/{id}?unmask=..., answered 200
// on a live resident) is audited by design. Found by running with no
// exception: no other table changed. login_failures stays compared: the
// sign-in probes are all refused before any password is checked.
const MAY_CHANGE = new Set(['audit_log']);

function tables() {
	const q =
		srv.store === 'sqlite'
			? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
			: 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename';
	return srv.sql(q).map((r) => r[0]);
}
let TABLES = [];
// Path values of resources that exist, for the body and query probes: for
// /api/v1/<table>/{<column>}..., the least <column> of <table>, else the
// <column> of the first item the collection /api/v1/<table> lists.
const LIVE = new Map();
let LIVE_CASE = null; // the id of a case the demo made
let LIVE_CASES = []; // [{id, state}] of the demo's cases
async function findLive() {
	LIVE_CASES = srv.sql('SELECT id, state FROM cases ORDER BY id').map(([id, state]) => ({ id, state }));
	LIVE_CASE = LIVE_CASES[0]?.id ?? null;
	for (const r of ROUTES) {
		const m = /^(\/api\/v1\/([\w-]+))\/\{(\w+)\}/.exec(r.template);
		if (!(r.body || r.method === 'GET') || !m || r.params.length !== 1) continue;
		let v;
		if (TABLES.includes(m[2])) {
			try {
				v = srv.sql(`SELECT min(${m[3]}) FROM ${m[2]}`)[0]?.[0];
			} catch {
				/* no such column */
			}
		}
		const account = accountFor(r);
		if (!v && account) {
			const res = await get(srv, m[1], { token: sessions[account] });
			v = res.status === 200 ? res.json?.items?.[0]?.[m[3]] : undefined;
		}
		if (v !== undefined && v !== null && v !== '') LIVE.set(r.template, { [m[3]]: encodeURIComponent(String(v)) });
	}
	// Open311's {file} is a resource with its format (src/api/open311.c).
	const tracking = srv.sql('SELECT min(tracking_code) FROM cases')[0]?.[0];
	LIVE.set('/open311/v2/{file}', { file: 'requests.json' });
	LIVE.set('/open311/v2/services/{file}', { file: '0301.json' });
	if (tracking) {
		LIVE.set('/open311/v2/requests/{file}', { file: `${tracking}.json` });
		LIVE.set('/open311/v2/tokens/{file}', { file: `${tracking}.json` });
	}
}

/** Whether res is GeoReport v2's error document (docs/api.md "Open311"). */
function geoReportError(res, doc) {
	if (/^text\/xml/.test(res.ct)) return /<errors>(<error><code>\d+<\/code><description>[^<]*<\/description><\/error>)+<\/errors>/.test(res.text);
	return (
		/^application\/json/.test(res.ct) &&
		Array.isArray(doc) &&
		doc.length > 0 &&
		doc.every((e) => e.code === res.status && typeof e.description === 'string')
	);
}
function digest() {
	const parts = TABLES.filter((t) => !MAY_CHANGE.has(t)).map((t) => `SELECT '${t}', count(*) FROM ${t}`);
	return Object.fromEntries(srv.sql(parts.join(' UNION ALL ')).map(([t, n]) => [t, Number(n)]));
}

/* ---- the probe ----------------------------------------------------------- */

const ROUTES = readRoutes();
const MIN_PROBES = 3;
const CONCURRENCY = 4;
const counts = new Map();
let totalProbes = 0;
let before0;

before(async () => {
	srv = await startServer({ residents: 2, demoArgs: ['--cases=40'], extraArgs: ['--portal.per_minute=10000'] });
	for (const name of new Set(ROUTES.map(accountFor).filter(Boolean))) sessions[name] = await login(srv, name);
	TABLES = tables();
	await findLive();
	before0 = digest();
});
after(async () => {
	await srv?.stop();
});

describe('API robustness probe', () => {
	it('reads the route table of src/api/routes.c', () => {
		assert.ok(ROUTES.length >= 50, `only ${ROUTES.length} routes parsed from routes.c`);
		const lines = fs.readFileSync(path.join(ROOT, 'src/api/routes.c'), 'utf8').match(/^\s*\{WG_\w+, "/gm) || [];
		assert.equal(ROUTES.length, lines.length, 'every route line of routes.c is parsed');
		for (const r of ROUTES) assert.ok(r.public || accountFor(r), `no demo account may call ${r.method} ${r.template}`);
	});

	let last;
	for (const route of ROUTES) {
		const label = `${route.method} ${route.template}`;
		it(label, async (t) => {
			last ??= before0;
			const account = route.public ? null : accountFor(route);
			const probes = probesOf(route, account ? sessions[account] : null);
			counts.set(label, probes.length);
			const inputs = handlerInputs(route.handler);
			t.diagnostic(
				`${probes.length} probes as ${account || 'nobody'}; query: ${[...inputs.query].join(' ') || '-'}; body: ${[...inputs.body].join(' ') || '-'}`,
			);
			totalProbes += probes.length;
			const failures = [];
			const seen = new Map(); // status -> count
			let next = 0;
			async function worker() {
				while (next < probes.length) {
					const p = probes[next++];
					const res = p.raw ? await sendRaw(p.raw) : await send(p.method, p.url, { headers: p.headers, body: p.body });
					seen.set(res.status, (seen.get(res.status) || 0) + 1);
					const where = `${p.what} (as ${account || 'nobody'}):\n${res.shown}\n→ ${res.status} ${res.ct}\n${res.text.slice(0, 300)}`;
					if (res.status === 0 || res.status >= 500) {
						failures.push(`a ${res.status || 'lost'} answer to ${where}`);
						continue;
					}
					if (!p.expect.includes(res.status)) failures.push(`expected ${p.expect.join('|')}, got ${res.status} for ${where}`);
					// A 413 from libevent itself is the one 4xx that is not a
					// problem document (docs/api.md).
					if (res.status >= 400 && res.status !== 413) {
						let doc;
						try {
							doc = JSON.parse(res.text);
						} catch {
							doc = null;
						}
						const problem =
							/^application\/problem\+json/.test(res.ct) &&
							doc?.status === res.status &&
							typeof doc.type === 'string' &&
							typeof doc.title === 'string';
						// Open311's handlers answer in GeoReport's shape; a path no
						// route takes is the server's problem document.
						const open311 = route.template.startsWith('/open311/') && geoReportError(res, doc);
						if (!problem && !open311) failures.push(`not an RFC 9457 problem for ${where}`);
					}
				}
			}
			await Promise.all(Array.from({ length: CONCURRENCY }, worker));
			t.diagnostic(`answers: ${[...seen].sort((a, b) => a[0] - b[0]).map(([st, n]) => `${st}×${n}`).join(' ')}`);

			const health = await get(srv, '/healthz', { timeout: 10000 }).catch((e) => ({ status: 0, toString: () => e.message }));
			if (health.status !== 200) failures.push(`unhealthy after the probes: ${health}\n${srv.logTail(3000)}`);
			else {
				const now = digest();
				const changed = Object.keys(now).filter((t) => now[t] !== last[t]);
				if (changed.length) failures.push(`stored rows changed: ${changed.map((t) => `${t} ${last[t]} → ${now[t]}`).join(', ')}`);
				last = now;
			}
			assert.ok(probes.length >= MIN_PROBES, `${label} got only ${probes.length} probes: the generators do not cover it`);
			assert.equal(failures.length, 0, `${failures.length} of ${probes.length} probes failed on ${label}:\n\n${failures.join('\n\n')}`);
		});
	}

	it('covered every route and changed no stored row', (t) => {
		for (const r of ROUTES) {
			const n = counts.get(`${r.method} ${r.template}`) ?? 0;
			assert.ok(n >= MIN_PROBES, `${r.method} ${r.template}: ${n} probes`);
		}
		t.diagnostic(`${ROUTES.length} routes, ${totalProbes} probes; row counts of ${TABLES.length - MAY_CHANGE.size} of ${TABLES.length} tables compared`);
		assert.deepEqual(digest(), before0, 'row counts after the whole probe');
	});
});
