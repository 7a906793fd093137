// Attachments: POST /api/v1/attachments takes a file as the raw body and
// judges it by its bytes (JPEG, PNG, PDF, MP4; never the name or the
// Content-Type), within size limits; GET /api/v1/attachments/{sha256} gives it
// back only to its uploaders and to those who see a record linking it.
//
// The server runs with small limits: JSON bodies up to JSON_MAX bytes
// (http.max_body), images and PDF up to IMAGE_MAX, videos up to VIDEO_MAX:
// the upload route takes bodies larger than http.max_body while JSON routes
// still refuse them. JSON_MAX is small so that a few pipelined requests fit
// in one read of the server (libevent reads 4096 bytes at a time), which
// makes the order of events certain.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
	as,
	assertProblem,
	assertSecurityHeaders,
	assertStatus,
	assertTooLarge,
	assertUnauthenticated,
	bearerLine,
	call,
	login,
	raw,
} from './lib/http.mjs';
import { VILLAGE1, VILLAGE2, startServer } from './lib/server.mjs';

const A = '/api/v1/attachments';
const IMAGE_MAX = 200000;
const VIDEO_MAX = 2000000;
const JSON_MAX = 1024; // the least http.max_body may be

let srv;
let files; // attachments.dir
let worker1; // grid worker in village 1 of town 1
let worker2; // grid worker in village 2 of town 2
let town1;
let town2;
let county;
let auditor;

before(async () => {
	files = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-att-'));
	srv = await startServer({
		extraArgs: [
			`--attachments.dir=${files}`,
			`--http.max_body=${JSON_MAX}`,
			`--attachments.max_bytes=${IMAGE_MAX}`,
			`--attachments.max_video_bytes=${VIDEO_MAX}`,
		],
	});
	worker1 = as(srv, await login(srv, 'worker1'));
	worker2 = as(srv, await login(srv, 'worker2'));
	town1 = as(srv, await login(srv, 'town1'));
	town2 = as(srv, await login(srv, 'town2'));
	county = as(srv, await login(srv, 'county'));
	auditor = as(srv, await login(srv, 'auditor'));
});
after(async () => {
	await srv?.stop();
	if (files && process.env.WG_TEST_KEEP !== '1') fs.rmSync(files, { recursive: true, force: true });
});

// ---- files built from their formats' first bytes --------------------------

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Pads head to n bytes with random bytes, so that each file is new. */
function pad(head, n) {
	return Buffer.concat([head, randomBytes(Math.max(0, n - head.length))]);
}

function jpeg(n = 64) {
	// SOI, then an APP0 JFIF segment.
	const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
	return pad(head, n);
}

function crc32(buf) {
	let c = ~0;
	for (const b of buf) {
		c ^= b;
		for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
	}
	return ~c >>> 0;
}

function chunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([len, body, crc]);
}

function png() {
	// A 1×1 truecolour image: signature, IHDR, IEND (and random text to be new).
	const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('tEXt', Buffer.concat([Buffer.from('k\0', 'latin1'), randomBytes(8)])),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

function pdf() {
	return Buffer.from(`%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% ${randomBytes(8).toString('hex')}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`);
}

function mp4(n = 64) {
	// ftyp (isom, compatible isom iso2 avc1 mp41), then a free box.
	const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom\0\0\x02\0isomiso2avc1mp41', 'latin1')]);
	return pad(ftyp, n);
}

function upload(who, body, headers = { 'Content-Type': 'application/octet-stream' }) {
	return who.call('POST', A, { body, headers });
}

function assertUploaded(res, buf, mediaType) {
	assertStatus(res, 201);
	assert.deepEqual(res.json, { sha256: sha256(buf), media_type: mediaType, size: buf.length }, `upload answer:\n${res}`);
	assert.equal(res.header('location'), `${A}/${sha256(buf)}`);
	assertSecurityHeaders(res);
	return res.json.sha256;
}

function stored(sha) {
	return path.join(files, sha.slice(0, 2), sha.slice(2, 4), sha);
}

/**
 * Writes parts on one connection (pipelined requests; a number among them
 * waits that many milliseconds before the next parts) and reads count
 * responses with a Content-Length; resolves [{status, headers, body}].
 */
function pipelined(parts, count, timeout = 20000) {
	return new Promise((resolve, reject) => {
		const sock = net.connect(srv.port, '127.0.0.1');
		let data = Buffer.alloc(0);
		const replies = [];
		const timer = setTimeout(() => {
			sock.destroy();
			reject(new Error(`${replies.length} of ${count} responses after ${timeout} ms: ${data.toString('latin1').slice(0, 300)}`));
		}, timeout);
		const parse = () => {
			for (;;) {
				const sep = data.indexOf('\r\n\r\n');
				if (sep < 0) return;
				const head = data.subarray(0, sep).toString('latin1').split('\r\n');
				const headers = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
				const len = Number(headers.get('content-length') || 0);
				if (data.length < sep + 4 + len) return;
				replies.push({ status: Number(head[0].split(' ')[1]), headers, body: data.subarray(sep + 4, sep + 4 + len) });
				data = data.subarray(sep + 4 + len);
				if (replies.length === count) {
					clearTimeout(timer);
					sock.destroy();
					resolve(replies);
					return;
				}
			}
		};
		sock.on('data', (d) => {
			data = Buffer.concat([data, d]);
			parse();
		});
		sock.on('error', () => {});
		sock.on('close', () => {
			clearTimeout(timer);
			if (replies.length < count) reject(new Error(`connection closed after ${replies.length} of ${count} responses`));
		});
		// Parts between two delays go out in one write.
		sock.on('connect', async () => {
			let pending = [];
			for (const part of [...parts, 0]) {
				if (typeof part !== 'number') {
					pending.push(part);
					continue;
				}
				if (pending.length && !sock.destroyed) sock.write(Buffer.concat(pending));
				pending = [];
				if (part) await new Promise((r) => setTimeout(r, part));
			}
		});
	});
}

function uploadHead(session, length) {
	return `POST ${A} HTTP/1.1\r\nHost: x\r\n${bearerLine(session)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`;
}

// ---- uploading ------------------------------------------------------------

describe('POST /attachments', () => {
	it('takes JPEG, PNG, PDF and MP4 files and stores each by its SHA-256', async () => {
		for (const [buf, type] of [
			[jpeg(), 'image/jpeg'],
			[png(), 'image/png'],
			[pdf(), 'application/pdf'],
			[mp4(), 'video/mp4'],
		]) {
			const sha = assertUploaded(await upload(worker1, buf), buf, type);
			assert.deepEqual(fs.readFileSync(stored(sha)), buf, `stored file of ${type}`);
			const folder = path.dirname(stored(sha));
			assert.deepEqual(fs.readdirSync(folder).filter((n) => n.startsWith('.tmp')), [], 'temporary files left');
		}
	});

	it('judges by the bytes, not the Content-Type or a file name', async () => {
		const p = png();
		assertUploaded(await upload(worker1, p, { 'Content-Type': 'image/jpeg', 'Content-Disposition': 'attachment; filename="x.jpg"' }), p, 'image/png');
		const d = pdf();
		assertUploaded(await upload(worker1, d, {}), d, 'application/pdf');
		const j = jpeg();
		assertUploaded(await upload(worker1, j, { 'Content-Type': 'application/json' }), j, 'image/jpeg');
	});

	it('refuses an executable renamed .jpg, and other formats, with 415', async () => {
		const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(120)]);
		const exe = Buffer.concat([Buffer.from('MZ\x90\0\x03\0\0\0', 'latin1'), randomBytes(120)]);
		const html = Buffer.from('<!doctype html><script>alert(1)</script>');
		const quicktime = pad(Buffer.from('\0\0\0\x14ftypqt  \0\0\x02\0qt  ', 'latin1'), 64);
		for (const [what, buf] of [
			['an ELF executable', elf],
			['a Windows executable', exe],
			['HTML', html],
			['QuickTime', quicktime],
		]) {
			const res = await upload(worker1, buf, { 'Content-Type': 'image/jpeg', 'Content-Disposition': 'attachment; filename="photo.jpg"' });
			const b = assertProblem(res, 415, 'unsupported-media-type');
			assert.match(b.detail, /JPEG, PNG, PDF or MP4/, `${what}: detail names what is accepted`);
			const sha = sha256(buf);
			assert.equal(fs.existsSync(stored(sha)), false, `${what} was stored`);
			assert.deepEqual(srv.sql(`SELECT count(*) FROM attachments WHERE sha256 = '${sha}'`), [['0']]);
		}
	});

	it('refuses an empty body with 415', async () => {
		const b = assertProblem(await upload(worker1, Buffer.alloc(0)), 415, 'unsupported-media-type');
		assert.match(b.detail, /empty/);
		assertProblem(await worker1.call('POST', A), 415, 'unsupported-media-type');
	});

	it('takes an image of exactly the limit and refuses one byte more with 413', async () => {
		const ok = jpeg(IMAGE_MAX);
		assertUploaded(await upload(worker1, ok), ok, 'image/jpeg');
		const big = pdf();
		const over = Buffer.concat([big, randomBytes(IMAGE_MAX + 1 - big.length)]);
		const b = assertProblem(await upload(worker1, over), 413, 'too-large');
		assert.match(b.detail, new RegExp(`${IMAGE_MAX}`));
		assert.equal(fs.existsSync(stored(sha256(over))), false);
	});

	it('takes a video larger than http.max_body, up to its own limit', async () => {
		const v = mp4(JSON_MAX + 300000);
		const sha = assertUploaded(await upload(worker1, v), v, 'video/mp4');
		const res = await worker1.get(`${A}/${sha}`);
		assertStatus(res, 200);
		assert.ok(res.body.equals(v), 'the video read back differs');
	});

	it('refuses a body over the upload limit as soon as its length is declared', async () => {
		const res = await raw(srv.port, uploadHead(worker1.session, VIDEO_MAX + 1), { timeout: 10000 });
		assert.ok(res.status !== undefined, `no response (${res.error}); expected 413`);
		assertTooLarge(res);
	});

	it('does not raise the limit of JSON routes', async () => {
		// Declared only: answered before the body is sent.
		const head = `POST /api/v1/regions HTTP/1.1\r\nHost: x\r\n${bearerLine(county.session)}\r\nContent-Type: application/json\r\nContent-Length: ${JSON_MAX + 300000}\r\n\r\n`;
		const res = await raw(srv.port, head, { timeout: 10000 });
		assert.ok(res.status !== undefined, `no response (${res.error}); expected 413`);
		assertTooLarge(res);
	});

	it('does not let a body that imitates an upload request enlarge a JSON request', async () => {
		// Chunk data that starts like an upload's request line reaches the
		// server first in its own read (the server looks there for one),
		// then the chunks go on past http.max_body.
		const fake = Buffer.concat([Buffer.from(`POST ${A} HTTP/1.1\r\n\r\n`), Buffer.alloc(JSON_MAX / 2, 0x20)]);
		const filler = Buffer.alloc(JSON_MAX / 2, 0x20);
		const chunks = [fake, ...Array(4).fill(filler)].map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]));
		const head = `POST /api/v1/regions HTTP/1.1\r\nHost: x\r\n${bearerLine(county.session)}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
		const first = chunks[0];
		const sizeLine = first.subarray(0, first.indexOf('\r\n') + 2);
		const [res] = await pipelined([Buffer.from(head), sizeLine, 150, first.subarray(sizeLine.length), ...chunks.slice(1), Buffer.from('0\r\n\r\n')], 1);
		// Read to its end and then refused (a problem document, unlike
		// libevent's own 413 before reading).
		assert.equal(res.status, 413, res.body.toString());
		assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
		assert.equal(res.headers.get('connection'), 'close');
	});

	it('gives the upload limit to the request after a JSON one on the same connection, and takes it back', async () => {
		// All three arrive in one read: the upload's request line is found
		// when the first request is dispatched, not when bytes arrive.
		const v = mp4(JSON_MAX + 500);
		const me = `GET /api/v1/me HTTP/1.1\r\nHost: x\r\n${bearerLine(worker1.session)}\r\n\r\n`;
		const tooBig = `POST /api/v1/regions HTTP/1.1\r\nHost: x\r\n${bearerLine(county.session)}\r\nContent-Type: application/json\r\nContent-Length: ${JSON_MAX + 1}\r\n\r\n`;
		// The last one declares its length only: it is answered before its
		// body would be sent.
		const [first, second, third] = await pipelined([Buffer.from(me), Buffer.from(uploadHead(worker1.session, v.length)), v, Buffer.from(tooBig)], 3);
		assert.equal(first.status, 200);
		assert.equal(second.status, 201, second.body.toString());
		assert.equal(JSON.parse(second.body).sha256, sha256(v));
		assert.equal(third.status, 413);
	});

	it('answers the same for the same bytes, from anyone', async () => {
		const buf = jpeg();
		const sha = assertUploaded(await upload(worker1, buf), buf, 'image/jpeg');
		assertUploaded(await upload(worker1, buf), buf, 'image/jpeg');
		assertUploaded(await upload(worker2, buf), buf, 'image/jpeg');
		assert.deepEqual(srv.sql(`SELECT count(*) FROM attachments WHERE sha256 = '${sha}'`), [['1']]);
		// Both uploaders read it back.
		assertStatus(await worker2.get(`${A}/${sha}`), 200);
		assertStatus(await worker1.get(`${A}/${sha}`), 200);
	});

	it('needs a session, and is not for the auditor', async () => {
		assertUnauthenticated(await call(srv, 'POST', A, { body: jpeg() }));
		assertProblem(await upload(auditor, jpeg()), 403, 'forbidden');
		// A cookie session sends the CSRF token like for any change.
		assertProblem(await call(srv, 'POST', A, { body: jpeg(), cookie: worker1.session }), 403, 'forbidden');
		const buf = jpeg();
		assertUploaded(await call(srv, 'POST', A, { body: buf, cookie: worker1.session, csrf: worker1.session.csrf }), buf, 'image/jpeg');
	});
});

// ---- reading ----------------------------------------------------------------

describe('GET /attachments/{sha256}', () => {
	let photo; // uploaded by worker1
	let sha;

	before(async () => {
		photo = jpeg(5000);
		sha = assertUploaded(await upload(worker1, photo), photo, 'image/jpeg');
	});

	it('serves the bytes to the uploader, as a download of the sniffed type', async () => {
		const res = await worker1.get(`${A}/${sha}`);
		assertStatus(res, 200);
		assert.ok(res.body.equals(photo), 'the bytes differ');
		assert.equal(res.header('content-type'), 'image/jpeg');
		assert.equal(res.header('content-length'), String(photo.length));
		assert.equal(res.header('content-disposition'), `attachment; filename="${sha}.jpg"`);
		assert.equal(res.header('etag'), `"${sha}"`);
		assert.match(res.header('cache-control') || '', /^private\b/);
		assertSecurityHeaders(res);
		const again = await worker1.get(`${A}/${sha}`, { headers: { 'If-None-Match': `"${sha}"` } });
		assertStatus(again, 304);
		assert.equal(again.body.length, 0);
		const head = await raw(srv.port, `HEAD ${A}/${sha} HTTP/1.1\r\nHost: x\r\n${bearerLine(worker1.session)}\r\n\r\n`, { head: true });
		assertStatus(head, 200);
		assert.equal(head.header('content-length'), String(photo.length));
	});

	it('is 404 for another town, exactly like a file that does not exist', async () => {
		const res = await town2.get(`${A}/${sha}`);
		const missing = await town2.get(`${A}/${'0'.repeat(64)}`);
		assertProblem(res, 404, 'not-found');
		assertProblem(missing, 404, 'not-found');
		const { request_id: _a, instance: _b, ...one } = res.json;
		const { request_id: _c, instance: _d, ...other } = missing.json;
		assert.deepEqual(one, other);
		// Not even the uploader's own town sees it before a record links it.
		assertProblem(await town1.get(`${A}/${sha}`), 404, 'not-found');
		// Knowing the file is not enough: worker2 has not uploaded it.
		assertProblem(await worker2.get(`${A}/${sha}`, { headers: { 'If-None-Match': `"${sha}"` } }), 404, 'not-found');
	});

	it('needs a session, and is not for the auditor', async () => {
		assertUnauthenticated(await call(srv, 'GET', `${A}/${sha}`));
		assertProblem(await auditor.get(`${A}/${sha}`), 403, 'forbidden');
	});

	it('is 404 for names that are not a lower-case SHA-256', async () => {
		for (const name of [sha.toUpperCase(), sha.slice(1), `${sha}0`, `${sha.slice(0, 63)}g`, '..%2F..%2Fetc%2Fpasswd']) {
			assertProblem(await worker1.get(`${A}/${name}`), 404, 'not-found');
		}
	});

	it('serves a linked file to those who see the record that links it', async () => {
		const buf = pdf();
		const linked = assertUploaded(await upload(worker1, buf), buf, 'application/pdf');
		// A record in village 1 of town 1 holds it (as visits and cases link).
		srv.sql(`INSERT INTO attachment_links (sha256, owner_type, owner_id, scope_key, created_at) VALUES ('${linked}', 'visit', 1, '${VILLAGE1}', 0)`);
		for (const who of [town1, county]) {
			const res = await who.get(`${A}/${linked}`);
			assertStatus(res, 200);
			assert.ok(res.body.equals(buf));
			assert.equal(res.header('content-type'), 'application/pdf');
		}
		assertProblem(await town2.get(`${A}/${linked}`), 404, 'not-found');
		assertProblem(await worker2.get(`${A}/${linked}`), 404, 'not-found');
		// A link in town 2 opens it to town 2.
		srv.sql(`INSERT INTO attachment_links (sha256, owner_type, owner_id, scope_key, created_at) VALUES ('${linked}', 'visit', 2, '${VILLAGE2}', 0)`);
		assertStatus(await town2.get(`${A}/${linked}`), 200);
	});

	it('answers 500, not the wrong bytes, when the stored file is gone', async () => {
		const buf = png();
		const gone = assertUploaded(await upload(worker1, buf), buf, 'image/png');
		fs.rmSync(stored(gone));
		const res = await worker1.get(`${A}/${gone}`);
		assertProblem(res, 500, 'internal');
		assert.doesNotMatch(res.text, new RegExp(files.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the folder leaks');
		// Uploading it again repairs it.
		assertUploaded(await upload(worker1, buf), buf, 'image/png');
		assertStatus(await worker1.get(`${A}/${gone}`), 200);
	});
});

describe('attachments.dir', () => {
	it('may not lie inside http.static_dir, where files would be served to anyone', () => {
		const stat = path.join(srv.dir, 'static');
		for (const dir of [path.join(stat, 'uploads', 'not-yet-made'), path.join(stat, 'assets'), stat]) {
			const r = srv.cli(['serve', '--http.port=0', `--http.static_dir=${stat}`, `--attachments.dir=${dir}`]);
			assert.notEqual(r.code, 0, `serve started with attachments.dir=${dir}`);
			assert.match(r.stderr, /attachments\.dir .* lies inside http\.static_dir/);
		}
	});
});
