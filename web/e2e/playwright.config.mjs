// Browser tests of the web app in Debian's Chromium. One wangge server for
// the whole run (lib/global-setup.mjs: fresh SQLite data, the Mei-county
// demo, web/dist as the web app), one worker: the specs share that server
// and each makes the cases it needs. Screenshots, traces of failures and
// the JSON results go to WG_E2E_ARTIFACTS (default /tmp/wangge-e2e).
import { defineConfig } from '@playwright/test';
import { ARTIFACTS } from './lib/artifacts.mjs';
import path from 'node:path';

export default defineConfig({
	testDir: '.',
	testMatch: '*.spec.mjs',
	workers: 1,
	fullyParallel: false,
	timeout: 120_000,
	expect: { timeout: 10_000 },
	retries: 0,
	outputDir: path.join(ARTIFACTS, 'results'),
	reporter: [['list'], ['json', { outputFile: path.join(ARTIFACTS, 'results.json') }]],
	globalSetup: './lib/global-setup.mjs',
	use: {
		browserName: 'chromium',
		launchOptions: { executablePath: process.env.WG_CHROMIUM || '/usr/bin/chromium' },
		locale: 'zh-CN',
		timezoneId: 'Asia/Shanghai',
		viewport: { width: 1440, height: 900 },
		screenshot: 'only-on-failure',
		trace: 'retain-on-failure',
		actionTimeout: 15_000,
	},
});
