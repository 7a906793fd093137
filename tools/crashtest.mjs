#!/usr/bin/env node
// The crash harness: no acknowledged write is ever lost or doubled by a crash.
//
//   node tools/crashtest.mjs [--iter=N] [--store=sqlite|postgres] [--clients=N]
//                            [--min-ms=N] [--max-ms=N] [--control]
//
// Starts wangge on fresh data (tests/api/lib/server.mjs), and N clients
// (half signed in as the grid worker worker1, half as the village centre
// village1) report cases as fast as they can, each with a unique
// Idempotency-Key and a unique title. A client appends every acknowledged
// write (201) to its own journal file and fsyncs it before counting it, so
// the journals are the record of what the server promised. After a random
// time under load the server gets SIGKILL and is restarted on the same data,
// and the load goes on; ITER times. A request that got no answer is
// retried with its key after the restart half of the time (its first try
// may or may not have been committed: the retry must then be answered with
// the first answer and create nothing), and abandoned otherwise.
//
// At the end, on the restarted server: every journalled key has its
// idempotency row and its case (the id the answer gave, with its title),
// once; no title appears on two cases; `wangge check` passes (integrity,
// migrations, audit chain). Prints one line
//   crashtest: N runs, M acknowledged writes, L lost, D duplicated
// and exits 1 if anything was lost or doubled, the check failed, or the
// load itself went wrong (an answer other than 201 while the server was up).
//
// --control turns durability off on purpose (testing.ack_before_commit: each
// write is answered before its transaction commits) and inverts the verdict:
// the run passes only if the harness finds lost writes, which shows that it
// can fail.
//
// Environment: WG_BIN (default build/wangge), WG_TEST_PG_ADMIN_URL (postgres;
// without it a throwaway cluster is started with tests/api/pg-cluster.sh),
// WG_TEST_KEEP=1 keeps the data folder (it is always kept on failure).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { login } from '../tests/api/lib/http.mjs';
import { GRID1, ROOT, startServer } from '../tests/api/lib/server.mjs';

const TITLE = '崩溃测试';
const REQUEST_TIMEOUT_MS = 30000;
const MAX_OUTPUT = 1 << 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function deferred() {
	let resolve;
	const promise = new Promise((r) => {
		resolve = r;
	});
	return { promise, resolve };
}

// Like server.mjs's sql(), with room for every row of a long run.
function rows(srv, statement) {
	const args =
		srv.store === 'sqlite'
			? ['sqlite3', ['-bail', '-batch', '-cmd', '.timeout 10000', srv.dbFile, statement]]
			: ['psql', [srv.dbUrl, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', statement]];
	const out = execFileSync(args[0], args[1], { encoding: 'utf8', maxBuffer: MAX_OUTPUT, stdio: ['ignore', 'pipe', 'pipe'] });
	return out
		.split('\n')
		.filter((l) => l !== '')
		.map((l) => l.split('|'));
}

// The journals ("key id run" lines): key -> the case ids its answers gave
// (a replayed answer gives the first id again), and key -> the run in which
// it was first answered (the SIGKILL that ended that run is the one that
// could lose it).
function readJournals(dir) {
	const acked = new Map();
	const runOf = new Map();
	for (const f of fs.readdirSync(dir)) {
		for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
			if (!line) continue;
			const [key, id, run] = line.split(' ');
			if (!acked.has(key)) acked.set(key, new Set());
			acked.get(key).add(id);
			if (run !== undefined && !runOf.has(key)) runOf.set(key, run);
		}
	}
	return { acked, runOf };
}

/**
 * Verifies the database against the journals. Returns {acked, lost,
 * lostRuns, duplicated, unacknowledged, problems: [...]}: lost counts
 * acknowledged keys without their idempotency row or their case, lostRuns
 * the runs whose SIGKILL lost any; duplicated counts keys or titles stored
 * more than once.
 */
export function verify(srv, journalDir, tag) {
	const { acked, runOf } = readJournals(journalDir);
	const lostRuns = new Set();
	const problems = [];
	const keyRows = new Map();
	for (const [key] of rows(srv, `SELECT key FROM idempotency_keys WHERE key LIKE '${tag}-%'`)) {
		keyRows.set(key, (keyRows.get(key) || 0) + 1);
	}
	const cases = new Map();
	for (const [id, title] of rows(srv, `SELECT id, title FROM cases WHERE title LIKE '${TITLE} ${tag}-%'`)) {
		const key = title.slice(TITLE.length + 1);
		if (!cases.has(key)) cases.set(key, []);
		cases.get(key).push(id);
	}
	let lost = 0;
	let duplicated = 0;
	for (const [key, ids] of acked) {
		const stored = cases.get(key) || [];
		const bad = [];
		if (ids.size !== 1) bad.push(`answered with different ids ${[...ids].join(',')}`);
		if (!keyRows.has(key)) bad.push('no idempotency row');
		if (stored.length === 0) bad.push('no case');
		else if (![...ids].every((id) => stored.includes(id))) bad.push(`case ids ${stored.join(',')} instead of ${[...ids].join(',')}`);
		if (bad.length) {
			lost++;
			lostRuns.add(runOf.get(key));
			if (problems.length < 20) problems.push(`lost ${key}: ${bad.join('; ')}`);
		}
	}
	for (const [key, n] of keyRows) {
		if (n > 1) {
			duplicated++;
			if (problems.length < 20) problems.push(`key ${key} stored ${n} times`);
		}
	}
	let unacknowledged = 0;
	for (const [key, ids] of cases) {
		if (ids.length > 1) {
			duplicated++;
			if (problems.length < 20) problems.push(`title of ${key} on ${ids.length} cases: ${ids.join(',')}`);
		}
		if (!acked.has(key)) unacknowledged++;
	}
	return { acked: acked.size, lost, lostRuns: lostRuns.size, duplicated, unacknowledged, problems };
}

function startPgCluster() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-crash-pg-'));
	const script = path.join(ROOT, 'tests/api/pg-cluster.sh');
	const url = execFileSync(script, ['start', dir], { encoding: 'utf8' }).trim();
	return {
		url,
		stop() {
			try {
				execFileSync(script, ['stop', dir], { stdio: 'ignore' });
			} finally {
				fs.rmSync(dir, { recursive: true, force: true });
			}
		},
	};
}

/**
 * Runs the harness. Options: iter (SIGKILLs), store, clients, minMs/maxMs
 * (load before each SIGKILL, picked at random between them), control
 * (durability off: testing.ack_before_commit), log (progress lines).
 * Returns {runs, acked, lost, lostRuns, duplicated, unacknowledged,
 * unanswered, unexpected: [first 20], unexpectedCount, killedIdle: [runs
 * killed with nothing in flight], checkOk, checkOutput, problems: [...],
 * dir, ok}; ok is the verdict (for a control: losses were found).
 */
export async function crashtest({ iter = 1000, store = 'sqlite', clients = 16, minMs = 200, maxMs = 1200, control = false, log = () => {} } = {}) {
	let cluster = null;
	if (store === 'postgres' && !process.env.WG_TEST_PG_ADMIN_URL) {
		cluster = startPgCluster();
		process.env.WG_TEST_PG_ADMIN_URL = cluster.url;
	}
	let srv;
	try {
		srv = await startServer({
			store,
			extraArgs: control ? ['--testing.ack_before_commit=true', '--http.access_log=false'] : ['--http.access_log=false'],
		});
	} catch (e) {
		cluster?.stop();
		throw e;
	}
	const tag = `ck${randomBytes(4).toString('hex')}`;
	const journalDir = path.join(srv.dir, 'journal');
	fs.mkdirSync(journalDir);
	const sessions = [await login(srv, 'worker1'), await login(srv, 'village1')];

	let stopped = false;
	let gate = null; // set while the server is down: clients wait on it
	let inFlight = 0;
	let run = 1; // the run the server now up will end
	let acked = 0;
	let unanswered = 0;
	const unexpected = [];
	let unexpectedCount = 0;
	const killedIdle = [];

	async function client(c) {
		const fd = fs.openSync(path.join(journalDir, `client-${c}`), 'a');
		const session = sessions[c % sessions.length];
		let seq = 0;
		let retry = null;
		try {
			while (!stopped) {
				if (gate) {
					await gate.promise;
					continue;
				}
				const key = retry ?? `${tag}-${c}-${seq++}`;
				retry = null;
				const sentIn = run; // an answer read after the kill still belongs to it
				inFlight++;
				try {
					const res = await fetch(`${srv.url}/api/v1/cases`, {
						method: 'POST',
						headers: {
							'Content-Type': 'application/json',
							Authorization: `Bearer ${session.token}`,
							'Idempotency-Key': key,
						},
						body: JSON.stringify({ category: '0801', title: `${TITLE} ${key}`, description: `崩溃测试上报 ${key}`, grid: GRID1 }),
						signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
					});
					const text = await res.text();
					if (res.status === 201) {
						const id = JSON.parse(text).id;
						fs.writeSync(fd, `${key} ${id} ${sentIn}\n`);
						fs.fsyncSync(fd);
						acked++;
					} else {
						unexpectedCount++;
						if (unexpected.length < 20) unexpected.push(`${key}: ${res.status} ${text.slice(0, 300)}`);
					}
				} catch (e) {
					// No complete answer (the server was killed): the write
					// may or may not have been committed.
					unanswered++;
					if (Math.random() < 0.5) retry = key;
					if (!gate && !stopped) await sleep(20);
				} finally {
					inFlight--;
				}
			}
		} finally {
			fs.closeSync(fd);
		}
	}

	const started = Date.now();
	const workers = Array.from({ length: clients }, (_, c) => client(c));
	let verdict;
	try {
		for (; run <= iter; run++) {
			await sleep(minMs + Math.random() * (maxMs - minMs));
			if (inFlight === 0) killedIdle.push(run);
			gate = deferred();
			const exit = await srv.kill9();
			if (exit?.signal !== 'SIGKILL') {
				throw new Error(`run ${run}: the server was not running at SIGKILL (${JSON.stringify(exit)}):\n${srv.logTail(3000)}`);
			}
			if (run === iter) stopped = true;
			await srv.restart();
			const g = gate;
			gate = null;
			g.resolve();
			if (run % 50 === 0 || run === iter) log(`run ${run}/${iter}: ${acked} acknowledged, ${Math.round((Date.now() - started) / 1000)} s`);
		}
		await Promise.all(workers);

		const check = srv.cli(['check']);
		const checkOk = check.code === 0;
		const v = verify(srv, journalDir, tag);
		const ok = control ? v.lost > 0 : v.lost === 0 && v.duplicated === 0 && checkOk && unexpectedCount === 0 && v.acked > 0;
		verdict = {
			runs: iter,
			...v,
			journalled: acked,
			unanswered,
			unexpected,
			unexpectedCount,
			killedIdle,
			checkOk,
			checkOutput: `${check.stdout}${check.stderr}`,
			seconds: Math.round((Date.now() - started) / 1000),
			dir: srv.dir,
			ok,
		};
	} finally {
		stopped = true;
		if (gate) gate.resolve();
		if (!verdict?.ok) process.env.WG_TEST_KEEP = '1';
		await srv.stop();
		if (cluster) cluster.stop();
	}
	return verdict;
}

function parseArgs(argv) {
	const opt = {};
	for (const a of argv) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
		if (!m) throw new Error(`unknown argument ${a}`);
		const [, name, value] = m;
		if (name === 'control') opt.control = true;
		else if (name === 'store') opt.store = value;
		else if (['iter', 'clients', 'min-ms', 'max-ms'].includes(name) && /^[0-9]+$/.test(value ?? '')) {
			opt[name.replace(/-([a-z])/, (_, l) => l.toUpperCase())] = Number(value);
		} else throw new Error(`bad argument ${a}`);
	}
	if (opt.store && !['sqlite', 'postgres'].includes(opt.store)) throw new Error(`--store is sqlite or postgres, not ${opt.store}`);
	return opt;
}

export function summary(v, control = false) {
	return `crashtest${control ? ' (control: acknowledged before commit)' : ''}: ${v.runs} runs, ${v.acked} acknowledged writes, ${v.lost} lost, ${v.duplicated} duplicated`;
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
	let opt;
	try {
		opt = parseArgs(process.argv.slice(2));
	} catch (e) {
		console.error(`crashtest: ${e.message}`);
		process.exit(2);
	}
	const log = (s) => console.error(`crashtest: ${s}`);
	try {
		const v = await crashtest({ ...opt, log });
		log(`${v.seconds} s, store ${opt.store || 'sqlite'}; writes lost by ${v.lostRuns} of ${v.runs} kills; ${v.unacknowledged} committed without an answer, ${v.unanswered} requests unanswered, ${v.runs - v.killedIdle.length} of ${v.runs} kills with requests in flight`);
		log(`wangge check: ${v.checkOk ? 'passed' : 'FAILED'}`);
		if (!v.checkOk || !v.ok) process.stderr.write(v.checkOutput);
		for (const p of v.problems) log(p);
		for (const u of v.unexpected) log(`unexpected answer ${u}`);
		if (!v.ok) log(`data kept in ${v.dir}`);
		console.log(summary(v, opt.control));
		if (opt.control) console.log(v.ok ? 'control: losses detected, as they must be with durability off' : 'control: FAILED, no loss detected with durability off');
		process.exit(v.ok ? 0 : 1);
	} catch (e) {
		console.error(`crashtest: ${e.stack || e.message}`);
		process.exit(1);
	}
}
