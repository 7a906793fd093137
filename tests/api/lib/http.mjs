// HTTP helpers for the API tests: a fetch wrapper that keeps the whole
// exchange for assertion messages, a raw-socket client for requests fetch
// cannot send (unnormalised paths, missing or wrong headers, oversize bodies),
// and the common assertions (problem documents, security headers).
import assert from 'node:assert/strict';
import net from 'node:net';
import { PASSWORD } from './server.mjs';

const MAX_SHOWN = 600;

function shorten(s) {
	return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}… (${s.length} chars)` : s;
}

/** A response with everything read: status, headers (a Headers), text, json (or undefined). */
class Reply {
	constructor(req, status, headers, buf) {
		this.req = req;
		this.status = status;
		this.headers = headers;
		this.body = buf;
		this.text = buf.toString('utf8');
		try {
			this.json = this.text ? JSON.parse(this.text) : undefined;
		} catch {
			this.json = undefined;
		}
	}
	header(name) {
		return this.headers.get(name);
	}
	/** The exchange, for assertion messages and bug reports. */
	toString() {
		const hs = [];
		this.headers.forEach((v, k) => hs.push(`${k}: ${v}`));
		return `${this.req}\n→ ${this.status}\n${hs.join('\n')}\n\n${shorten(this.text)}`;
	}
}

function describeBody(body) {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return `\n\n${shorten(body)}`;
	if (body.length > MAX_SHOWN) return `\n\n<${body.length} bytes>`;
	return `\n\n${Buffer.from(body).toString('utf8')}`;
}

function tokenOf(t) {
	return typeof t === 'string' ? t : t?.token;
}

/**
 * call(srv, method, path, {json, body, headers, token, cookie, csrf}) with fetch.
 * json: a value sent as application/json; body: sent as is (string or bytes);
 * token: a session (from login()) or a token string, sent as
 * "Authorization: Bearer"; cookie: the same, sent as the wg_session cookie
 * instead; csrf: an X-CSRF-Token value.
 */
export async function call(srv, method, path, { json, body, headers = {}, timeout = 15000, token, cookie, csrf } = {}) {
	const h = {};
	if (token !== undefined && token !== null) h.Authorization = `Bearer ${tokenOf(token)}`;
	if (cookie !== undefined && cookie !== null) h.Cookie = `wg_session=${tokenOf(cookie)}`;
	if (csrf !== undefined && csrf !== null) h['X-CSRF-Token'] = csrf;
	Object.assign(h, headers);
	let payload = body;
	if (json !== undefined) {
		payload = JSON.stringify(json);
		if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
	}
	const shownHeaders = Object.entries(h)
		.map(([k, v]) => `\n${k}: ${String(v).length > 200 ? `<${String(v).length} chars>` : v}`)
		.join('');
	const req = `${method} ${path}${shownHeaders}${describeBody(payload)}`;
	const res = await fetch(srv.url + path, {
		method,
		headers: h,
		body: payload,
		redirect: 'manual',
		signal: AbortSignal.timeout(timeout),
	});
	const buf = Buffer.from(await res.arrayBuffer());
	return new Reply(req, res.status, res.headers, buf);
}

export const get = (srv, path, opts) => call(srv, 'GET', path, opts);
export const post = (srv, path, json, opts = {}) => call(srv, 'POST', path, { ...opts, json });

/** POST /api/v1/session; the reply, whatever it is. */
export function signIn(srv, username, password = PASSWORD, { totp, headers } = {}) {
	const json = { username, password };
	if (totp !== undefined) json.totp = totp;
	return call(srv, 'POST', '/api/v1/session', { json, headers });
}

/**
 * Sign in (asserting 201) and return the session:
 * {username, token, csrf, cookie ("wg_session=…"), user, state, expires_at, res}.
 */
export async function login(srv, username, password = PASSWORD, opts = {}) {
	const res = await signIn(srv, username, password, opts);
	assertStatus(res, 201);
	const b = res.json;
	assert.ok(b && typeof b.token === 'string' && b.token.length > 0, `no token in the sign-in answer:\n${res}`);
	return {
		username,
		token: b.token,
		csrf: b.csrf_token,
		cookie: `wg_session=${b.token}`,
		user: b.user,
		state: b.state,
		expires_at: b.expires_at,
		res,
	};
}

/** Helpers bound to one server and session: as(srv, s).get(path), .post(path, json), .call(method, path, opts). */
export function as(srv, session) {
	return {
		session,
		call: (method, path, opts = {}) => call(srv, method, path, { token: session, ...opts }),
		get: (path, opts = {}) => call(srv, 'GET', path, { token: session, ...opts }),
		post: (path, json, opts = {}) => call(srv, 'POST', path, { token: session, ...opts, json }),
		patch: (path, json, opts = {}) => call(srv, 'PATCH', path, { token: session, ...opts, json }),
		put: (path, json, opts = {}) => call(srv, 'PUT', path, { token: session, ...opts, json }),
		del: (path, opts = {}) => call(srv, 'DELETE', path, { token: session, ...opts }),
	};
}

/** "Authorization: Bearer …" as a raw header line, for raw(). */
export function bearerLine(session) {
	return `Authorization: Bearer ${tokenOf(session)}`;
}

function parseHead(head) {
	const lines = head.split('\r\n');
	const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
	if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(lines[0])}`);
	const headers = new Headers();
	for (const line of lines.slice(1)) {
		const i = line.indexOf(':');
		if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
	}
	return { status: Number(m[1]), headers };
}

function dechunk(buf) {
	const out = [];
	let pos = 0;
	for (;;) {
		const eol = buf.indexOf('\r\n', pos);
		if (eol < 0) return null;
		const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
		if (Number.isNaN(size)) throw new Error('bad chunk size');
		if (size === 0) return Buffer.concat(out);
		if (buf.length < eol + 2 + size + 2) return null;
		out.push(buf.subarray(eol + 2, eol + 2 + size));
		pos = eol + 2 + size + 2;
	}
}

/**
 * Send bytes on a fresh TCP connection and read one response.
 * request: string or Buffer (the whole request, or just the head when body is
 * given); body: optional Buffer written in chunks after the head (write errors
 * are tolerated: the server may answer and close before reading it all);
 * bodyDelayMs: wait this long for an early answer before sending the body.
 * Resolves {status, headers, body, text, json, error, toString()}; status is
 * undefined when no response arrived (error then says why).
 */
export function raw(port, request, { body, bodyDelayMs = 0, head = false, timeout = 10000 } = {}) {
	return new Promise((resolve) => {
		const sock = net.connect(port, '127.0.0.1');
		let data = Buffer.alloc(0);
		let done = false;
		let error;
		const shown = Buffer.isBuffer(request) ? request.toString('latin1') : request;
		const reqText = `${shorten(shown.replace(/\r\n/g, '\n').trimEnd())}${body ? `\n\n<${body.length} bytes>` : ''}`;

		function finish() {
			if (done) return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			const sep = data.indexOf('\r\n\r\n');
			if (sep < 0) {
				resolve({
					status: undefined,
					error: error || (data.length ? `incomplete response: ${shorten(data.toString('latin1'))}` : 'no response'),
					toString: () => `${reqText}\n→ no response (${error || 'connection closed'})`,
				});
				return;
			}
			let parsed;
			try {
				parsed = parseHead(data.subarray(0, sep).toString('latin1'));
			} catch (e) {
				resolve({ status: undefined, error: e.message, toString: () => `${reqText}\n→ ${e.message}` });
				return;
			}
			let b = data.subarray(sep + 4);
			if ((parsed.headers.get('transfer-encoding') || '').toLowerCase().includes('chunked')) {
				try {
					b = dechunk(b) ?? b;
				} catch {
					/* keep the raw bytes */
				}
			}
			const reply = new Reply(reqText, parsed.status, parsed.headers, head ? Buffer.alloc(0) : b);
			reply.error = error;
			resolve(reply);
		}

		// Resolve as soon as one complete response is in, whether or not the
		// server closes the connection.
		function complete() {
			const sep = data.indexOf('\r\n\r\n');
			if (sep < 0) return false;
			let parsed;
			try {
				parsed = parseHead(data.subarray(0, sep).toString('latin1'));
			} catch {
				return true;
			}
			if (head || parsed.status === 204 || parsed.status === 304 || (parsed.status >= 100 && parsed.status < 200)) return true;
			const b = data.subarray(sep + 4);
			const te = (parsed.headers.get('transfer-encoding') || '').toLowerCase();
			if (te.includes('chunked')) {
				try {
					return dechunk(b) !== null;
				} catch {
					return true;
				}
			}
			const cl = parsed.headers.get('content-length');
			if (cl !== null) return b.length >= Number(cl);
			return false; // read to end of connection
		}

		const timer = setTimeout(() => {
			error = error || `timeout after ${timeout} ms`;
			finish();
		}, timeout);
		sock.on('data', (chunk) => {
			data = Buffer.concat([data, chunk]);
			if (complete()) finish();
		});
		sock.on('end', finish);
		sock.on('close', finish);
		sock.on('error', (e) => {
			error = error || e.code || e.message;
			// Data already received is still a response; finish() decides.
			finish();
		});
		sock.on('connect', () => {
			sock.write(request);
			if (body) {
				let off = 0;
				const CHUNK = 64 * 1024;
				// Stop sending once an answer has started: a server may answer
				// (413) before reading the body, and writing on would only
				// provoke a reset that can swallow its answer.
				const pump = () => {
					while (off < body.length && !done && !sock.destroyed && data.length === 0) {
						const piece = body.subarray(off, off + CHUNK);
						off += piece.length;
						if (!sock.write(piece)) {
							sock.once('drain', pump);
							return;
						}
					}
				};
				// Give a server that judges the head alone a moment to answer
				// before the body goes out.
				if (bodyDelayMs > 0) {
					const t = setTimeout(pump, bodyDelayMs);
					sock.once('data', () => clearTimeout(t));
				} else {
					pump();
				}
			}
		});
	});
}

/** Assert res.status === status, showing the whole exchange when it is not. */
export function assertStatus(res, status) {
	assert.equal(res.status, status, `expected ${status}, got:\n${res}`);
}

/**
 * Assert an RFC 9457 problem document as API.md and the contract define it:
 * {"type":"/errors/<slug>","title","status","detail","instance","request_id"}.
 * instance defaults to not being checked; pass the request path to check it.
 */
// A body over http.max_body is refused by libevent itself as soon as the
// headers declare it (before it is read, so that nobody uploads megabytes to
// be refused); libevent 2.1 answers with its own short HTML page and closes.
// docs/api.md records this exception to problem+json.
export function assertTooLarge(res) {
	assertStatus(res, 413);
	assert.match(res.header('connection') || '', /close/i, `a 413 closes the connection:\n${res}`);
	assert.doesNotMatch(res.text || '', /wangge|sqlite|postgres/i, `a 413 leaks nothing:\n${res}`);
}

export function assertProblem(res, status, slug, { instance, field } = {}) {
	assertStatus(res, status);
	const ct = res.header('content-type') || '';
	assert.match(ct, /^application\/problem\+json/, `content-type of a ${status}:\n${res}`);
	const b = res.json;
	assert.ok(b && typeof b === 'object' && !Array.isArray(b), `problem body is not a JSON object:\n${res}`);
	assert.equal(b.type, `/errors/${slug}`, `problem type:\n${res}`);
	assert.equal(b.status, status, `problem status member:\n${res}`);
	assert.equal(typeof b.title, 'string', `problem title:\n${res}`);
	assert.ok(b.title.length > 0, `problem title empty:\n${res}`);
	assert.equal(typeof b.detail, 'string', `problem detail:\n${res}`);
	if (instance !== undefined) assert.equal(b.instance, instance, `problem instance:\n${res}`);
	else assert.equal(typeof b.instance, 'string', `problem instance:\n${res}`);
	assert.equal(typeof b.request_id, 'string', `problem request_id:\n${res}`);
	assert.equal(b.request_id, res.header('x-request-id'), `request_id equals X-Request-Id:\n${res}`);
	if (status === 422) {
		assert.ok(Array.isArray(b.errors) && b.errors.length > 0, `422 without errors[]:\n${res}`);
		for (const e of b.errors) {
			assert.equal(typeof e.field, 'string', `errors[].field:\n${res}`);
			assert.equal(typeof e.message, 'string', `errors[].message:\n${res}`);
			assert.ok(e.message.length > 0, `errors[].message empty:\n${res}`);
		}
		if (field !== undefined) {
			assert.ok(
				b.errors.some((e) => e.field === field),
				`422 does not name field '${field}':\n${res}`,
			);
		}
	}
	return b;
}

/** Headers every response carries. */
export function assertSecurityHeaders(res) {
	const id = res.header('x-request-id');
	assert.ok(id && id.length > 0, `X-Request-Id missing:\n${res}`);
	assert.equal(res.header('x-content-type-options'), 'nosniff', `X-Content-Type-Options:\n${res}`);
	assert.equal(res.header('x-frame-options'), 'DENY', `X-Frame-Options:\n${res}`);
	const csp = res.header('content-security-policy') || '';
	assert.match(csp, /(^|;)\s*default-src 'self'(\s|;|$)/, `CSP default-src:\n${res}`);
	assert.match(csp, /(^|;)\s*frame-ancestors 'none'(\s|;|$)/, `CSP frame-ancestors:\n${res}`);
	assert.equal(res.header('referrer-policy'), 'no-referrer', `Referrer-Policy:\n${res}`);
}

/** Cache-Control of API responses. */
export function assertNoStore(res) {
	const cc = res.header('cache-control') || '';
	assert.match(cc, /(^|,)\s*no-store\s*(,|$)/, `Cache-Control no-store:\n${res}`);
}

export function assertJson(res) {
	assert.match(res.header('content-type') || '', /^application\/json/, `content-type:\n${res}`);
	assert.ok(res.json !== undefined, `body is not JSON:\n${res}`);
}

/**
 * Assert a problem whose errors[] names field with the machine code
 * (e.g. 422 new_password/policy, 401 totp/required). Returns the body.
 */
export function assertFieldError(res, status, slug, field, code) {
	const b = assertProblem(res, status, slug);
	assert.ok(Array.isArray(b.errors), `no errors[] in the ${status}:\n${res}`);
	const e = b.errors.find((x) => x.field === field);
	assert.ok(e, `errors[] does not name '${field}':\n${res}`);
	if (code !== undefined) assert.equal(e.code, code, `code of the error on '${field}':\n${res}`);
	assert.equal(typeof e.message, 'string', `errors[].message:\n${res}`);
	return b;
}

/** Assert a 401 of a missing, unknown or ended session. */
export function assertUnauthenticated(res) {
	assertProblem(res, 401, 'unauthorized');
	assert.match(res.header('www-authenticate') || '', /^Bearer\b/, `401 without WWW-Authenticate: Bearer:\n${res}`);
}
