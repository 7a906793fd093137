// Accessibility check with axe-core: no serious or critical violation on
// the page as it is now. axe is evaluated through the DevTools protocol,
// which the page's Content-Security-Policy does not govern, so the app
// keeps its real CSP during the test.
import { expect } from '@playwright/test';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Run axe on page; fails the test listing each serious or critical violation. */
export async function expectAccessible(page, what) {
	// A dialog or message still fading in has, for that moment, too little
	// contrast: check the page at rest.
	// (Endless ones, such as a spinner, are not waited for.)
	await page.evaluate(() =>
		Promise.all(
			document
				.getAnimations()
				.filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
				.map((a) => a.finished.catch(() => null)),
		),
	);
	const loaded = await page.evaluate(() => typeof window.axe === 'object');
	if (!loaded) await page.evaluate(source);
	const violations = await page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations
			.filter((v) => v.impact === 'serious' || v.impact === 'critical')
			.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}× e.g. ${v.nodes[0]?.target?.join(' ')})`);
	});
	expect(violations, `accessibility of ${what}`).toEqual([]);
}
