// The leader dashboard (/dashboard/): signed in through the API with the
// console's session (cookie + sessionStorage 'wg.console'), the figures it
// shows are the statistics API's, each chart is drawn on a canvas, the map
// shows the demo's grids coloured by open cases, the warnings panel shows
// GET /warnings' totals and lists a spike of reports this file makes, and a
// notification from the event stream refreshes the figures. axe on the screen; screenshots at
// 1440×900 and 1920×1080. The specs share one server: the cases this file
// reports are its own, the figures are compared with what the API says
// at the time, never with fixed numbers.
import { test, expect } from '@playwright/test';
import { signIn, baseURL, PASSWORD, GRID1, VILLAGE1 } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot } from './lib/artifacts.mjs';

/** Sign the browser context in as username the way the console does: the cookie and 'wg.console'. */
async function signInBrowser(context, username) {
	const res = await context.request.post(`${baseURL()}/api/v1/session`, { data: { username, password: PASSWORD } });
	expect(res.status()).toBe(201);
	const s = await res.json();
	await context.addInitScript((v) => sessionStorage.setItem('wg.console', v), JSON.stringify({ csrf: s.csrf_token, user: s.user, state: s.state }));
}

/** Report n cases in GRID1 as worker1 (open: reported, at the village). */
async function report(n, what) {
	const worker = await signIn('worker1');
	const county = await signIn('county');
	const cats = await county.get('/categories?kind=event');
	const minors = cats.items.filter((m) => m.kind === 'event').flatMap((m) => m.children || []);
	const made = [];
	for (let i = 0; i < n; i++)
		made.push(await worker.post('/cases', { category: minors[i % minors.length].code, description: `${what} ${i + 1}`, grid: GRID1 }));
	return made;
}

const number = (s) => Number(String(s).replace(/[^\d]/g, ''));

test('as leader: the figures are the API\'s, the charts are drawn, the map shows the grids', async ({ browser }, testInfo) => {
	test.setTimeout(90_000);
	await report(4, '仪表盘测试事件');
	const leader = await signIn('leader');
	const grids = await leader.get('/grids.geojson');

	for (const [width, height] of [
		[1440, 900],
		[1920, 1080],
	]) {
		const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
		await signInBrowser(context, 'leader');
		const page = await context.newPage();
		const problems = [];
		page.on('pageerror', (e) => problems.push(e.message));
		const overviewRes = page.waitForResponse((r) => r.url().includes('/api/v1/stats/overview'));
		const trendRes = page.waitForResponse((r) => r.url().includes('/api/v1/stats/trend'));
		const ratesRes = page.waitForResponse((r) => r.url().includes('/api/v1/stats/rates'));
		await page.goto(`${baseURL()}/dashboard/`);
		const overview = await (await overviewRes).json();
		const trend = await (await trendRes).json();
		await (await ratesRes).json();

		// The page asked for the last 30 days of the leader's county; the API
		// counts this file's cases in it, and the page shows its numbers.
		const asked = new URL((await overviewRes).url()).searchParams;
		expect(asked.get('to')).toBe(overview.to);
		expect(overview.total).toBeGreaterThanOrEqual(4);
		expect(overview.open).toBeGreaterThanOrEqual(4);
		for (const k of ['total', 'open', 'overdue', 'closed'])
			await expect(page.locator(`[data-test="kpi-${k}"]`)).toHaveText(new Intl.NumberFormat('zh-CN').format(overview[k]));
		// The same figures straight from the API with the same question.
		const again = await leader.get(`/stats/overview?${asked}`);
		expect(number(await page.locator('[data-test="kpi-total"]').textContent())).toBe(again.total);
		expect(trend.items.reduce((s, i) => s + i.reported, 0)).toBeGreaterThanOrEqual(4);

		// Each chart is drawn (a canvas with pixels), the map has every grid.
		for (const chart of ['chart-trend', 'chart-category', 'chart-source', 'chart-state'])
			await expect(page.locator(`[data-test="${chart}"] canvas`).first()).toBeVisible();
		const drawn = await page.locator('[data-test="chart-trend"] canvas').first().evaluate((c) => {
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let n = 0;
			for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
			return n;
		});
		expect(drawn).toBeGreaterThan(1000);
		const polygons = page.locator('.area-map path.leaflet-interactive');
		await expect(polygons).toHaveCount(grids.features.length);
		// GRID1 holds this file's open cases: some grid is coloured as open or overdue.
		await expect
			.poll(() => polygons.evaluateAll((ps) => ps.filter((p) => ['#e9c46a', '#f4a261', '#e63946'].includes(p.getAttribute('fill'))).length))
			.toBeGreaterThan(0);
		await expect(page.locator('[data-test="live-status"]')).toHaveText(/实时连接/);

		await shot(page, `dashboard-${width}`, testInfo);
		if (width === 1440) {
			await expectAccessible(page, 'dashboard');
			// The category chart says in words what the API counted, first category first.
			const first = overview.by_category[0];
			await expect(page.locator('[data-test="chart-category"]')).toHaveAttribute('aria-label', new RegExp(`事件类别.*: ${first.name} ${first.count}`));
			// Rankings by department: the API is asked again, its chart drawn.
			const deptRes = page.waitForResponse((r) => r.url().includes('group_by=department'));
			await page.locator('[data-test="group-department"]').click();
			expect((await deptRes).status()).toBe(200);
			// The trend by month: one more question, same figures kind.
			const monthRes = page.waitForResponse((r) => r.url().includes('bucket=month'));
			await page.locator('[data-test="bucket-month"]').click();
			const month = await (await monthRes).json();
			expect(month.bucket).toBe('month');
		}
		expect(problems).toEqual([]);
		await context.close();
	}
});

test('the warnings panel shows the API\'s totals and lists a spike of reports first', async ({ browser }, testInfo) => {
	test.setTimeout(60_000);
	// Five reports of one category in one village this week and none in the
	// four weeks before: a spike under the default rule (7 days, at least 5,
	// 300 % of the expected). Each is also due soon: 4 working hours to
	// accept, within the 8 of warnings.soon_due_hours.
	const worker = await signIn('worker1');
	const county = await signIn('county');
	const cats = await county.get('/categories?kind=event');
	const minors = cats.items.filter((m) => m.kind === 'event').flatMap((m) => m.children || []);
	const category = minors[minors.length - 1];
	const made = [];
	for (let i = 0; i < 5; i++)
		made.push(await worker.post('/cases', { category: category.code, description: `预警测试 第${i + 1}处`, grid: GRID1 }));
	const leader = await signIn('leader');
	const asked = await leader.get('/warnings');
	const spike = asked.items.find((w) => w.kind === 'spike' && w.region === VILLAGE1 && w.category.code === category.code);
	expect(spike, JSON.stringify(asked.items.filter((w) => w.kind === 'spike'))).toBeTruthy();
	expect(spike.figures.window).toBeGreaterThanOrEqual(5);
	expect(asked.totals.soon_due).toBeGreaterThanOrEqual(5);

	const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
	await signInBrowser(context, 'leader');
	const page = await context.newPage();
	const problems = [];
	page.on('pageerror', (e) => problems.push(e.message));
	const warningsRes = page.waitForResponse((r) => r.url().includes('/api/v1/warnings'));
	await page.goto(`${baseURL()}/dashboard/`);
	const shown = await (await warningsRes).json();
	// The page asked for the leader's county, all kinds, as the API answers it now.
	expect(shown.region).toBe(asked.region);
	expect(Object.keys(shown.totals).sort()).toEqual(['dispute', 'missed_visit', 'overdue', 'soon_due', 'spike']);
	const again = await leader.get('/warnings');
	expect(shown.totals).toEqual(again.totals);
	const fmt = (n) => new Intl.NumberFormat('zh-CN').format(n);
	for (const [kind, n] of Object.entries(shown.totals))
		await expect(page.locator(`[data-test="warn-total-${kind}"]`)).toHaveText(kind === 'missed_visit' && n >= 1000 ? `${fmt(n)}+` : fmt(n));
	await expect(page.locator('[data-test="tab-warnings"]')).toHaveAttribute('aria-selected', 'true');

	// Spikes lead the list; this one with its village, category and figures.
	const items = page.locator('[data-test="warn-item"]');
	await expect(items.first()).toHaveAttribute('data-kind', 'spike');
	const one = (x) => new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x);
	const row = items.filter({ hasText: `${spike.region_name} · ${category.name}` });
	await expect(row).toHaveCount(1);
	await expect(row).toHaveAttribute('data-kind', 'spike');
	await expect(row).toContainText('急剧攀升');
	await expect(row).toContainText(`近 7 天 ${fmt(spike.figures.window)} 件 / 预期 ${one(spike.figures.expected)} · ${one(spike.figures.ratio)} 倍`);
	await expectAccessible(page, 'dashboard: warnings');
	await shot(page, 'dashboard-warnings', testInfo);

	// The tile of the cases due soon shows only them, each linking to the
	// case in the console, soonest first as the API lists them.
	await page.locator('[data-test="warn-tile-soon_due"]').click();
	await expect(page.locator('[data-test="warn-tile-soon_due"]')).toHaveAttribute('aria-pressed', 'true');
	const soon = shown.items.filter((w) => w.kind === 'soon_due');
	await expect(items).toHaveCount(soon.length);
	await expect(page.locator('[data-test="warn-item"]:not([data-kind="soon_due"])')).toHaveCount(0);
	const link = items.first().locator('[data-test="warn-case"]');
	await expect(link).toHaveAttribute('href', `/cases/${soon[0].case.id}`);
	await expect(link).toContainText(soon[0].case.number);
	await expect(items.first()).toContainText('剩余');
	// The ones reported here are among them when the API lists them all.
	if (shown.totals.soon_due <= soon.length)
		for (const c of made) await expect(page.locator(`[data-test="warn-case"][href="/cases/${c.id}"]`)).toContainText(c.number);
	// Pressed again: every kind.
	await page.locator('[data-test="warn-tile-soon_due"]').click();
	await expect(items).toHaveCount(shown.items.length);
	expect(problems).toEqual([]);
	await context.close();
});

test('a notification from the event stream shows in the feed and refreshes the figures', async ({ browser }) => {
	test.setTimeout(60_000);
	// The village centre hears what is reported in its grids.
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
	await signInBrowser(context, 'village1');
	const page = await context.newPage();
	const first = page.waitForResponse((r) => r.url().includes('/api/v1/stats/overview'));
	await page.goto(`${baseURL()}/dashboard/`);
	const before = await (await first).json();
	await expect(page.locator('[data-test="live-status"]')).toHaveText(/实时连接/);
	await expect(page.locator('[data-test="kpi-total"]')).toHaveText(new Intl.NumberFormat('zh-CN').format(before.total));

	const refreshed = page.waitForResponse((r) => r.url().includes('/api/v1/stats/overview'), { timeout: 20_000 });
	const warningsAgain = page.waitForResponse((r) => r.url().includes('/api/v1/warnings'), { timeout: 20_000 });
	const [made] = await report(1, '实时动态测试');
	// The warnings tab is shown: the live tab counts what arrived meanwhile.
	await expect(page.locator('[data-test="tab-live-badge"]')).toBeVisible({ timeout: 15_000 });
	await page.locator('[data-test="tab-live"]').click();
	await expect(page.locator('[data-test="tab-live-badge"]')).toHaveCount(0);
	await expect(page.locator('[data-test="feed"]')).toContainText(made.number, { timeout: 15_000 });
	await expect(page.locator('[data-test="feed"]')).toContainText('新上报');
	const after = await (await refreshed).json();
	expect(after.total).toBe(before.total + 1);
	await expect(page.locator('[data-test="kpi-total"]')).toHaveText(new Intl.NumberFormat('zh-CN').format(after.total));
	// The warnings are read again with the figures.
	expect((await warningsAgain).status()).toBe(200);
	await context.close();
});

test('without a session the dashboard leads to the console\'s sign-in', async ({ page }) => {
	await page.goto(`${baseURL()}/dashboard/`);
	const go = page.getByRole('link', { name: '前往登录' });
	await expect(go).toHaveAttribute('href', '/login?next=/dashboard/');
	await expectAccessible(page, 'dashboard: signed out');
});
