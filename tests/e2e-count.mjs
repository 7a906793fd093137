#!/usr/bin/env node
// Prints "N passed, N failed" from Playwright's JSON report (argv[2]); a
// missing or unreadable report is one failure, so a run that never started
// cannot pass; so can a run with no test at all. Flaky (passed on retry) counts as failed: there are no retries.
import fs from 'node:fs';

let stats, report;
try {
	report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	stats = report.stats;
} catch (e) {
	console.log(`no browser test report (${e.message})`);
	console.log('0 passed, 1 failed');
	process.exit(0);
}
// Errors outside a test (a spec that does not load, global set-up) count too.
const failed = (stats.unexpected || 0) + (stats.flaky || 0) + (report.errors?.length || 0);
const errors = stats.expected === 0 && failed === 0 ? 1 : 0;
console.log(`${stats.expected || 0} passed, ${failed + errors} failed`);
