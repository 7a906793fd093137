// Where the browser tests leave what people look at: screenshots of each
// main page (shot()) and dialog (shotDialog()), and Playwright's failure
// screenshots and traces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ARTIFACTS = process.env.WG_E2E_ARTIFACTS || path.join(os.tmpdir(), 'wangge-e2e');

/** Save a full-page screenshot as ARTIFACTS/screenshots/NAME.png and attach it to the test. */
export async function shot(page, name, testInfo) {
	const dir = path.join(ARTIFACTS, 'screenshots');
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	if (testInfo) await testInfo.attach(name, { path: file, contentType: 'image/png' });
	return file;
}

/**
 * A screenshot with a dialog open: the viewport grown to the whole page
 * first, so the dialog's overlay covers all of it.
 */
export async function shotDialog(page, name, testInfo) {
	const size = page.viewportSize();
	const height = await page.evaluate(() => document.documentElement.scrollHeight);
	await page.setViewportSize({ width: size.width, height: Math.max(size.height, height) });
	await shot(page, name, testInfo);
	await page.setViewportSize(size);
}
