// The command line's help: `wangge COMMAND --help` prints the usage and does
// nothing else (no database, no key, no demo made where it was run).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN } from './lib/server.mjs';

describe('the command line', () => {
	for (const command of ['demo', 'serve', 'migrate', 'check', 'user', 'import', 'stats']) {
		it(`${command} --help prints the usage and touches nothing`, () => {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wg-cli-'));
			try {
				const out = execFileSync(BIN, [command, '--help'], { cwd: dir, encoding: 'utf8', timeout: 10000 });
				assert.match(out, /^usage: wangge COMMAND/);
				assert.deepEqual(fs.readdirSync(dir), [], 'the command ran: it left files');
			} finally {
				fs.rmSync(dir, { recursive: true, force: true });
			}
		});
	}
});
