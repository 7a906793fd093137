#!/usr/bin/env node
// bench/sse-idle.mjs - what 1,000 idle live-notification subscribers cost
// the server (GET /api/v1/events/stream), for bench/run.sh.
//
//   node bench/sse-idle.mjs --url=http://127.0.0.1:PORT --accounts=FILE
//        --password=P --pid=PID [--streams=1000] [--per-account=5]
//        [--concurrency=64] [--hold=3]
//
// FILE holds one username per line: accounts that may stream (the demo's
// grid workers). The server allows 5 streams per account
// (src/http/sse.h), so the script signs in streams / per-account of them
// (argon2id makes that about as slow as the sign-in row of the benchmark),
// reads the server's resident memory (VmRSS of /proc/PID/status), opens the
// streams, at most `concurrency` opening at once, each counted open when
// its first bytes ("retry: 3000") arrive; then holds them all open and idle
// for `hold` seconds (the server's loops tick every second meanwhile),
// reads VmRSS and the CPU the server used while holding them, closes every
// stream and reads VmRSS once more. Prints one line of name=value pairs;
// exits 1 with the reason on stderr if a stream fails to open or ends
// before it is closed.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const opt = {
	streams: 1000,
	'per-account': 5,
	concurrency: 64,
	hold: 3,
};
for (const a of process.argv.slice(2)) {
	const m = /^--([a-z-]+)=(.*)$/.exec(a);
	if (!m) fail(`unknown argument ${a}`);
	opt[m[1]] = m[2];
}
for (const k of ['url', 'accounts', 'password', 'pid'])
	if (!opt[k]) fail(`--${k} is missing`);
for (const k of ['streams', 'per-account', 'concurrency', 'hold']) {
	opt[k] = Number(opt[k]);
	if (!Number.isInteger(opt[k]) || opt[k] <= 0) fail(`--${k} must be a positive whole number`);
}

function fail(why) {
	process.stderr.write(`sse-idle: ${why}\n`);
	process.exit(1);
}

const base = new URL(opt.url);
// No keep-alive pool: every stream is a connection of its own, as each
// browser tab is.
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function status(name) {
	const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${opt.pid}/status`, 'utf8'));
	if (!m) fail(`no ${name} in /proc/${opt.pid}/status`);
	return Number(m[1]);
}

// utime + stime of the server, in clock ticks (fields 14 and 15 of stat,
// counted after the command name, which may hold spaces).
function cpuTicks() {
	const s = readFileSync(`/proc/${opt.pid}/stat`, 'utf8');
	const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
	return Number(f[11]) + Number(f[12]);
}

function signIn(username) {
	return new Promise((resolve, reject) => {
		const body = JSON.stringify({ username, password: opt.password });
		const req = http.request(
			new URL('/api/v1/session', base),
			{
				method: 'POST',
				agent,
				headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c) => (text += c));
				res.on('end', () => {
					if (res.statusCode !== 201 && res.statusCode !== 200)
						return reject(new Error(`sign-in of ${username}: ${res.statusCode} ${text.slice(0, 200)}`));
					resolve(JSON.parse(text).token);
				});
			},
		);
		req.on('error', reject);
		req.end(body);
	});
}

const open = [];
let closing = false;

function openStream(token) {
	return new Promise((resolve, reject) => {
		const started = process.hrtime.bigint();
		const req = http.get(
			new URL('/api/v1/events/stream', base),
			{ agent, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } },
			(res) => {
				if (res.statusCode !== 200) {
					res.resume();
					return reject(new Error(`stream: ${res.statusCode}`));
				}
				let first = true;
				res.on('data', () => {
					if (!first) return;
					first = false;
					open.push(req);
					resolve(Number(process.hrtime.bigint() - started) / 1e6);
				});
				res.on('end', () => {
					if (!closing) fail('a stream ended while it was held open');
				});
			},
		);
		req.on('error', (e) => {
			if (!closing) reject(e);
		});
	});
}

// Run fn over items with at most n at once; results in order.
async function pool(items, n, fn) {
	const out = new Array(items.length);
	let next = 0;
	async function worker() {
		while (next < items.length) {
			const i = next++;
			out[i] = await fn(items[i], i);
		}
	}
	await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
	return out;
}

function percentile(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
	const names = readFileSync(opt.accounts, 'utf8').split('\n').filter(Boolean);
	const needed = Math.ceil(opt.streams / opt['per-account']);
	if (names.length < needed) fail(`${opt.streams} streams need ${needed} accounts, ${opt.accounts} has ${names.length}`);
	let t = Date.now();
	// Two at a time: the server verifies passwords on a pool of its cores.
	const tokens = await pool(names.slice(0, needed), 2, signIn);
	const signInS = (Date.now() - t) / 1000;
	await sleep(500);
	const rssBefore = status('VmRSS');
	t = Date.now();
	const slots = Array.from({ length: opt.streams }, (_, i) => tokens[Math.floor(i / opt['per-account'])]);
	const lat = await pool(slots, opt.concurrency, openStream);
	const openS = (Date.now() - t) / 1000;
	const ticks0 = cpuTicks();
	await sleep(opt.hold * 1000);
	const ticks1 = cpuTicks();
	const rssAfter = status('VmRSS');
	if (open.length !== opt.streams) fail(`${open.length} streams open, not ${opt.streams}`);
	closing = true;
	for (const r of open) r.destroy();
	await sleep(1500);
	const rssClosed = status('VmRSS');
	lat.sort((a, b) => a - b);
	const hz = 100; // USER_HZ on Linux
	const cpuPct = ((ticks1 - ticks0) / hz / opt.hold) * 100;
	const line = {
		streams: opt.streams,
		accounts: needed,
		sign_in_s: signInS.toFixed(1),
		open_s: openS.toFixed(2),
		open_per_s: Math.round(opt.streams / openS),
		open_p50_ms: percentile(lat, 50).toFixed(2),
		open_p99_ms: percentile(lat, 99).toFixed(2),
		rss_before_kb: rssBefore,
		rss_after_kb: rssAfter,
		per_stream_bytes: Math.round(((rssAfter - rssBefore) * 1024) / opt.streams),
		rss_closed_kb: rssClosed,
		idle_cpu_pct: cpuPct.toFixed(1),
	};
	console.log(
		'sse ' +
			Object.entries(line)
				.map(([k, v]) => `${k}=${v}`)
				.join(' '),
	);
	agent.destroy();
}

main().catch((e) => fail(e.message));
