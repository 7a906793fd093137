// The four pages of the web app load from the server the way a browser
// meets them: each at its own path and at a deep link below it (the
// server's per-page fallback), in Chinese by default, with no script
// error, no missing file, and nothing the Content-Security-Policy had to
// block (which would mean an inline script, eval or an outside address
// slipped into the build).
import { test, expect } from '@playwright/test';
import { baseURL } from './lib/api.mjs';

const pages = [
	{ path: '/login', deep: '/cases/999999', title: /网格/ },
	{ path: '/m/', deep: '/m/tasks', title: /网格员/ },
	{ path: '/portal/', deep: '/portal/track/ABCD2345', title: /群众诉求/ },
	{ path: '/dashboard/', deep: '/dashboard/overview', title: /指挥大屏/ },
];

for (const p of pages) {
	for (const url of [p.path, p.deep]) {
		test(`${url} loads its page without script errors or CSP violations`, async ({ page }) => {
			const problems = [];
			page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
			// Every file the page loads exists (an API answer may be 401 before sign-in).
			page.on('response', (r) => {
				if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/')) problems.push(`${r.status()} ${r.url()}`);
			});
			page.on('console', (m) => {
				if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
			});
			const res = await page.goto(baseURL() + url);
			expect(res.status()).toBe(200);
			await expect(page).toHaveTitle(p.title);
			await expect(page.locator('#app')).not.toBeEmpty();
			expect(await page.evaluate(() => document.documentElement.lang)).toMatch(/^zh/);
			expect(problems).toEqual([]);
		});
	}
}

test('no request leaves the server: every page fetches only from its own origin', async ({ page }) => {
	const outside = [];
	page.on('request', (r) => {
		if (!r.url().startsWith(baseURL()) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
			outside.push(r.url());
	});
	for (const p of pages) {
		await page.goto(baseURL() + p.path);
		await page.waitForLoadState('networkidle');
	}
	expect(outside).toEqual([]);
});
