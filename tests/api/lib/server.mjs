// Starts a fresh wangge server for one test file.
//
// startServer({store}) creates new data (a temp SQLite file, or a new
// PostgreSQL database in the cluster named by WG_TEST_PG_ADMIN_URL), a static
// folder with a known index.html and asset, runs `wangge migrate` and
// `wangge demo --password=PASSWORD` on it (the demo accounts of Mei county,
// all with the password PASSWORD), adds any extra accounts with
// `wangge user add`, then runs `wangge serve` on a free port and waits for
// GET /healthz to answer 200.
//
// Environment:
//   WG_BIN                path of the binary (default build/wangge under the repo root)
//   WG_TEST_STORE         sqlite (default) or postgres
//   WG_TEST_PG_ADMIN_URL  libpq key=value string of the test cluster (postgres only)
//   WG_TEST_KEEP          1 to keep the temp folder (database, server logs) after stop
import { spawn, spawnSync, execFileSync } from 'node:child_process';
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
// A page of its own under /m/ (as the phone app is), for the per-page fallback.
export const PAGE_HTML = '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>page m</title></head>' +
	'<body><div id="app">wangge-test-page-m</div></body></html>\n';
// A file next to (not inside) the static folder; no response may ever contain it.
export const SECRET = 'wangge-test-SECRET-outside-static-dir';

// The password of every demo account (`wangge demo --password=`).
export const PASSWORD = 'Test#2026pass';

// The demo accounts (src/cli/demo.c) and where they sit in data/regions.
export const COUNTY = '610326000000';
export const TOWN1 = '610326001000'; // first town of the county by code
export const TOWN2 = '610326101000'; // second town
export const VILLAGE1 = '610326001002'; // first village of TOWN1
export const VILLAGE2 = '610326101200'; // first village of TOWN2
export const GRID1 = `${VILLAGE1}001`;
export const GRID2 = `${VILLAGE2}001`;
export const DEMO = {
	sysadmin: { roles: ['sysadmin'], region: COUNTY },
	secadmin: { roles: ['secadmin'], region: COUNTY },
	auditor: { roles: ['auditor'], region: COUNTY },
	county: { roles: ['centre_operator'], region: COUNTY },
	town1: { roles: ['centre_operator'], region: TOWN1 },
	town2: { roles: ['centre_operator'], region: TOWN2 },
	village1: { roles: ['centre_operator'], region: VILLAGE1 },
	worker1: { roles: ['grid_worker'], region: VILLAGE1, grid: GRID1 },
	worker2: { roles: ['grid_worker'], region: VILLAGE2, grid: GRID2 },
	police1: { roles: ['dept_handler'], region: COUNTY, department: '610326-police' },
	justice1: { roles: ['dept_handler'], region: COUNTY, department: '610326-justice' },
	mediator1: { roles: ['mediator'], region: COUNTY },
	leader: { roles: ['leader'], region: COUNTY },
	// Disputes (src/cli/demo_mediation.c): a town mediator and the people who
	// hold the posts of personal charge (包抓) in town 1 and village 1.
	mediator2: { roles: ['mediator'], region: TOWN1 },
	secretary1: { roles: ['leader'], region: VILLAGE1 },
	member1: { roles: ['leader'], region: VILLAGE1 },
	townsec1: { roles: ['leader'], region: TOWN1 },
	townhead1: { roles: ['leader'], region: TOWN1 },
};

// A sysadmin of the whole province, for the tests that create regions
// outside Mei county (startServer({provadmin: true})).
export const PROVADMIN = 'provadmin';

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

// What ASan, LSan, UBSan and TSan print (UBSan's "runtime error:" lines).
export const SANITIZER = /(Address|Leak|UndefinedBehavior|Thread)Sanitizer|runtime error:/;

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
	fs.mkdirSync(path.join(dir, 'static', 'm'));
	fs.writeFileSync(path.join(dir, 'static', 'm', 'index.html'), PAGE_HTML);
	fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET + '\n');
	fs.writeFileSync(path.join(dir, 'secret.js'), `/* ${SECRET} */\n`);
}

function runOnce(args, logFile) {
	const fd = fs.openSync(logFile, 'a');
	try {
		fs.writeSync(fd, `$ wangge ${args.join(' ')}\n`);
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
 * Start a server on fresh data with the demo accounts. Returns {url, port,
 * dbUrl, dir, log, store, stop(), kill9(), restart(), logTail(), cli(),
 * sql(), lastExit}; url and port change on restart (a new free port).
 *
 * admin2fa: security.admin_2fa (default off, so that admins sign in with a
 * password alone); loginPerMinute: security.login_per_minute (default high
 * enough never to matter); provadmin: also create PROVADMIN, a sysadmin of
 * the province 610000000000; users: more accounts for `wangge user add`,
 * [{username, name, region|grid, roles: [..], password}]; extraArgs: more
 * --setting=value flags for serve; residents: how many residents (with their
 * houses, organisations and key places) the demo adds (default 0: the
 * files that test base data make their own; the demo's 974 grids and their
 * staff are always there).
 * demoArgs: flags for a second `wangge demo` run on that data (--cases=N).
 * staticDir: the folder served as the web app (default: a test folder with
 * INDEX_HTML and APP_JS; the browser tests pass web/dist).
 */
export async function startServer({
	store = STORE,
	extraArgs = [],
	admin2fa = false,
	loginPerMinute = 100000,
	provadmin = false,
	users = [],
	residents = 0,
	demoArgs = [],
	staticDir = null,
} = {}) {
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

	const keyFile = path.join(dir, 'wangge.key');
	const common = [
		`--db.url=${dbUrl}`,
		`--data.dir=${path.join(ROOT, 'data')}`,
		`--security.key_file=${keyFile}`,
		`--attachments.dir=${path.join(dir, 'attachments')}`,
	];
	const srv = {
		url: '',
		port: 0,
		dbUrl,
		dbFile: store === 'sqlite' ? path.join(dir, 'wangge.db') : null,
		store: store === 'sqlite' ? 'sqlite' : 'postgres',
		dir,
		log,
		child: null,
	};

	async function prepare() {
		runOnce(['migrate', ...common], log);
		runOnce(['demo', ...common, `--password=${PASSWORD}`, `--residents=${residents}`, '--quiet'], log);
		if (demoArgs.length) runOnce(['demo', ...common, `--password=${PASSWORD}`, `--residents=${residents}`, '--quiet', ...demoArgs], log);
		const extra = [...users];
		if (provadmin) {
			extra.push({ username: PROVADMIN, name: '省系统管理员', region: '610000000000', roles: ['sysadmin'], password: PASSWORD });
		}
		for (const u of extra) {
			const args = ['user', 'add', u.username, ...common, `--name=${u.name || u.username}`];
			if (u.grid) args.push(`--grid=${u.grid}`);
			else args.push(`--region=${u.region || COUNTY}`);
			if (u.roles?.length) args.push(`--roles=${u.roles.join(',')}`);
			if (u.department) args.push(`--department=${u.department}`);
			args.push(`--password=${u.password || PASSWORD}`);
			runOnce(args, log);
		}
	}

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
				`--http.static_dir=${staticDir || path.join(dir, 'static')}`,
				`--security.admin_2fa=${admin2fa ? 'true' : 'false'}`,
				`--security.login_per_minute=${loginPerMinute}`,
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
	// Runs `wangge ARGS` with this server's database and key settings (a
	// setting ARGS give wins); returns {code, stdout, stderr} whatever the
	// exit status.
	srv.cli = (args) => {
		const given = new Set(args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]));
		const settings = common.filter((a) => !given.has(a.split('=')[0]));
		const r = spawnSync(BIN, [...args, ...settings], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
		return { code: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '', error: r.error };
	};
	srv.sql = (statement) => sql(srv, statement);
	// Stops the server (SIGTERM, SIGKILL after 15 s) and removes its data.
	// Returns {code, signal, timedOut} of the process (null if not running).
	// Throws (after cleaning up) when the sanitizers reported anything in the
	// server's life, or the graceful stop did not exit 0: a leak or an error
	// at shutdown fails the test file that started the server.
	srv.stop = async () => {
		if (stopped) return null;
		stopped = true;
		const result = await terminate('SIGTERM', 15000);
		const logText = tail(log, 1 << 24);
		const report = SANITIZER.exec(logText);
		const failed = report
			? `sanitizer report in the server's log:\n${logText.slice(Math.max(0, report.index - 2000), report.index + 6000)}`
			: result && !result.timedOut && result.signal === null && result.code !== 0
				? `the server exited ${result.code} after SIGTERM:\n${tail(log, 4000)}`
				: null;
		if (pgDb) {
			try {
				psql(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
			} catch {
				/* the cluster may already be gone */
			}
		}
		if (process.env.WG_TEST_KEEP !== '1') fs.rmSync(dir, { recursive: true, force: true });
		if (failed) throw new Error(failed);
		return result;
	};

	try {
		await prepare();
		await launch();
	} catch (e) {
		await srv.stop().catch(() => {});
		throw e;
	}
	return srv;
}

/**
 * Runs SQL on a test server's database, behind the server's back (to age
 * sessions, tamper with the audit trail...). SQLite: the sqlite3 shell on
 * the file; PostgreSQL: psql on the file's database as the cluster's admin.
 * Returns the output rows as arrays of column strings ('|'-separated);
 * throws with the tool's message when a statement fails.
 */
const snapshotPause = new Int32Array(new SharedArrayBuffer(4));

export function sql(srv, statement) {
	let out;
	try {
		if (srv.store === 'sqlite') {
			out = execFileSync('sqlite3', ['-bail', '-batch', '-cmd', '.timeout 10000', srv.dbFile, statement], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			// The server's loops keep a read snapshot for up to 10 ms while
			// the server itself commits nothing (src/store/store.c, "struct
			// reader"): another process's change is seen by reads that begin
			// after that.
			Atomics.wait(snapshotPause, 0, 0, 20);
		} else {
			out = execFileSync('psql', [srv.dbUrl, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', statement], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
			});
		}
	} catch (e) {
		const err = new Error(`SQL failed (${srv.store}): ${statement}\n${e.stderr || e.message}`);
		err.stderr = String(e.stderr || '');
		throw err;
	}
	return out
		.split('\n')
		.filter((l) => l !== '')
		.map((l) => l.split('|'));
}
