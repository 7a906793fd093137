// Starts a fresh wangge server for one test file.
//
// startServer({store}) creates new data (a temp SQLite file, or a new
// PostgreSQL database in the cluster named by WG_TEST_PG_ADMIN_URL), a static
// folder with a known index.html and asset, runs `wangge serve` (which
// migrates and loads data/regions) on a free port, and waits for GET /healthz
// to answer 200.
//
// Environment:
//   WG_BIN                path of the binary (default build/wangge under the repo root)
//   WG_TEST_STORE         sqlite (default) or postgres
//   WG_TEST_PG_ADMIN_URL  libpq key=value string of the test cluster (postgres only)
//   WG_TEST_MIGRATE       1 to run `wangge migrate` before serving (serve migrates anyway)
//   WG_TEST_KEEP          1 to keep the temp folder (database, server logs) after stop
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.resolve(ROOT, process.env.WG_BIN || 'build/wangge');
export const STORE = process.env.WG_TEST_STORE || 'sqlite';

// Contents of the static folder, so that static and SPA tests are exact.
export const INDEX_HTML =
	'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>网格 test</title>' +
	'<script type="module" src="/assets/app-1234.js"></script></head>' +
	'<body><div id="app">wangge-test-index</div></body></html>\n';
export const APP_JS = 'console.log("wangge-test-asset-1234");\n';
// A file next to (not inside) the static folder; no response may ever contain it.
export const SECRET = 'wangge-test-SECRET-outside-static-dir';

const HEALTH_TIMEOUT_MS = 20000;
const live = new Set();

// Children must not outlive the test process, even when it dies on an error.
process.on('exit', () => {
	for (const child of live) {
		try {
			child.kill('SIGKILL');
		} catch {
			/* already gone */
		}
	}
});

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

function pgAdminUrl() {
	const url = process.env.WG_TEST_PG_ADMIN_URL;
	if (!url) throw new Error('WG_TEST_STORE=postgres needs WG_TEST_PG_ADMIN_URL (see tests/api/run.sh)');
	return url;
}

function psql(sql) {
	return execFileSync('psql', [pgAdminUrl(), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

// Replaces dbname=... in a libpq key=value string (or appends it).
function withDbname(conninfo, db) {
	if (/(^|\s)dbname=\S+/.test(conninfo)) return conninfo.replace(/(^|\s)dbname=\S+/, `$1dbname=${db}`);
	return `${conninfo} dbname=${db}`;
}

function tail(file, bytes = 8000) {
	try {
		const buf = fs.readFileSync(file);
		return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
	} catch {
		return '';
	}
}

function makeStatic(dir) {
	fs.mkdirSync(path.join(dir, 'static', 'assets'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'static', 'index.html'), INDEX_HTML);
	fs.writeFileSync(path.join(dir, 'static', 'assets', 'app-1234.js'), APP_JS);
	fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET + '\n');
	fs.writeFileSync(path.join(dir, 'secret.js'), `/* ${SECRET} */\n`);
}

function runOnce(args, logFile) {
	const fd = fs.openSync(logFile, 'a');
	try {
		execFileSync(BIN, args, { cwd: ROOT, stdio: ['ignore', fd, fd], timeout: 60000 });
	} catch (e) {
		throw new Error(`${path.basename(BIN)} ${args.join(' ')} failed (${e.status ?? e.signal}):\n${tail(logFile)}`);
	} finally {
		fs.closeSync(fd);
	}
}

async function waitHealthy(url, child, logFile) {
	const deadline = Date.now() + HEALTH_TIMEOUT_MS;
	let last = 'no answer';
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before /healthz answered:\n${tail(logFile)}`);
		}
		try {
			const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
			await res.arrayBuffer();
			if (res.status === 200) return;
			last = `status ${res.status}`;
		} catch (e) {
			last = String(e.cause?.code || e.message);
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`GET ${url}/healthz did not answer 200 within ${HEALTH_TIMEOUT_MS} ms (${last}):\n${tail(logFile)}`);
}

/**
 * Start a server on fresh data. Returns {url, port, dbUrl, dir, log, stop(),
 * kill9(), restart(), logTail(), lastExit}; url and port change on restart
 * (a new free port).
 */
export async function startServer({ store = STORE, extraArgs = [] } = {}) {
	if (!fs.existsSync(BIN)) throw new Error(`no server binary at ${BIN} (set WG_BIN or build it)`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-api-'));
	makeStatic(dir);
	const log = path.join(dir, 'server.log');

	let dbUrl;
	let pgDb = null;
	if (store === 'sqlite') {
		dbUrl = `sqlite:${path.join(dir, 'wangge.db')}`;
	} else if (store === 'postgres' || store === 'postgresql') {
		pgDb = `wg_${randomBytes(6).toString('hex')}`;
		psql(`CREATE DATABASE ${pgDb}`);
		dbUrl = withDbname(pgAdminUrl(), pgDb);
	} else {
		throw new Error(`unknown WG_TEST_STORE '${store}' (sqlite or postgres)`);
	}

	const common = [`--db.url=${dbUrl}`, `--data.dir=${path.join(ROOT, 'data')}`];
	if (process.env.WG_TEST_MIGRATE === '1') runOnce(['migrate', ...common], log);

	const srv = { url: '', port: 0, dbUrl, dir, log, child: null };

	async function launch() {
		const port = await freePort();
		const fd = fs.openSync(log, 'a');
		const child = spawn(
			BIN,
			[
				'serve',
				...common,
				`--http.port=${port}`,
				'--http.host=127.0.0.1',
				`--http.static_dir=${path.join(dir, 'static')}`,
				...extraArgs,
			],
			{ cwd: ROOT, stdio: ['ignore', fd, fd] },
		);
		fs.closeSync(fd);
		live.add(child);
		child.exited = new Promise((resolve) => {
			child.once('exit', (code, signal) => {
				live.delete(child);
				resolve({ code, signal });
			});
			child.once('error', (e) => {
				live.delete(child);
				resolve({ code: null, signal: null, error: e });
			});
		});
		srv.child = child;
		srv.port = port;
		srv.url = `http://127.0.0.1:${port}`;
		await waitHealthy(srv.url, child, log);
	}

	async function terminate(signal, graceMs) {
		const child = srv.child;
		if (!child) return null;
		srv.child = null;
		if (child.exitCode !== null || child.signalCode !== null) return child.exited;
		child.kill(signal);
		let timer;
		const timeout = new Promise((r) => {
			timer = setTimeout(() => r('timeout'), graceMs);
		});
		let result = await Promise.race([child.exited, timeout]);
		clearTimeout(timer);
		if (result === 'timeout') {
			child.kill('SIGKILL');
			result = { ...(await child.exited), timedOut: true };
		}
		return result;
	}

	let stopped = false;
	srv.kill9 = async () => (srv.lastExit = await terminate('SIGKILL', 10000));
	// Graceful restart on the same data; srv.lastExit gets {code, signal, timedOut}.
	srv.restart = async () => {
		srv.lastExit = await terminate('SIGTERM', 15000);
		await launch();
		return srv;
	};
	srv.logTail = (bytes) => tail(log, bytes);
	// Stops the server (SIGTERM, SIGKILL after 15 s) and removes its data.
	// Returns {code, signal, timedOut} of the process (null if not running).
	srv.stop = async () => {
		if (stopped) return null;
		stopped = true;
		const result = await terminate('SIGTERM', 15000);
		if (pgDb) {
			try {
				psql(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
			} catch {
				/* the cluster may already be gone */
			}
		}
		if (process.env.WG_TEST_KEEP !== '1') fs.rmSync(dir, { recursive: true, force: true });
		return result;
	};

	try {
		await launch();
	} catch (e) {
		await srv.stop().catch(() => {});
		throw e;
	}
	return srv;
}
