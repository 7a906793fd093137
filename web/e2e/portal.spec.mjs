// The citizen portal (/portal/) on a 390×844 phone: a citizen reports a
// matter without an account and gets a tracking code; following the code
// shows the state and nothing personal (not the phone, name or description
// given); once staff have closed the case through the API, the citizen
// rates it on the portal. axe on each page. Two portal writes in all (one
// report, one rating): the server allows portal.per_minute (5) per address.
import { test, expect } from '@playwright/test';
import { signIn, baseURL, GRID1 } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot } from './lib/artifacts.mjs';
import { phoneContext } from './lib/ui.mjs';

const PHONE = '13912345678';
const NAME = '王秀兰';
const DESCRIPTION = '东关街口垃圾堆放三天没人清理，气味很大，端到端测试。';
const CODE_RE = /^[0-9A-HJKMNP-TV-Z]{10}$/;

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

/** A point inside GRID1 (the centre of its first ring's vertices) and a minor event category. */
async function fixtures() {
	const county = await signIn('county');
	const grids = await county.get('/grids.geojson');
	const f = grids.features.find((x) => x.properties.code === GRID1);
	const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
	const pts = ring.slice(0, -1);
	const lng = pts.reduce((s, p) => s + p[0], 0) / pts.length;
	const lat = pts.reduce((s, p) => s + p[1], 0) / pts.length;
	const cats = await county.get('/categories?kind=event');
	const minor = cats.items.find((m) => m.kind === 'event' && m.children?.length).children[0];
	return { county, lat, lng, category: minor };
}

/** Choose the category: from the list when the public may read it, else by its code. */
async function chooseCategory(page, category) {
	const code = page.locator('[data-test="category-code"] input');
	const picker = page.locator('[data-test="category"]');
	await expect(code.or(picker)).toBeVisible();
	if (await code.isVisible()) {
		await code.fill(category.code);
		return category.name;
	}
	await picker.click();
	await page.locator('.van-picker__confirm').click();
	return (await picker.locator('input').inputValue()).split(' / ').pop();
}

test('report on the portal, follow it without personal data, rate it once closed', async ({ browser }, testInfo) => {
	test.setTimeout(90_000);
	const fx = await fixtures();
	const context = await phoneContext(browser, {
		geolocation: { latitude: fx.lat, longitude: fx.lng },
		permissions: ['geolocation'],
	});
	const page = await context.newPage();
	const problems = [];
	page.on('pageerror', (e) => problems.push(e.message));

	// Report.
	await page.goto(`${baseURL()}/portal/`);
	await expect(page.getByRole('heading', { name: '我要反映' })).toBeVisible();
	await expect(page.getByText('隐私说明')).toBeVisible();
	await expectAccessible(page, 'portal: report (empty)');
	// Sending nothing marks the required fields, and sends nothing.
	await page.locator('[data-test="submit"]').click();
	await expect(page.getByText('请选择问题发生的位置')).toBeVisible();
	const categoryName = await chooseCategory(page, fx.category);
	await page.locator('[data-test="description"] textarea').fill(DESCRIPTION);
	await page.locator('[data-test="gps"]').click();
	await expect(page.locator('[data-test="location"]')).toContainText(fx.lat.toFixed(5));
	await page.getByLabel('称呼').fill(NAME);
	await page.locator('[data-test="phone"] input').fill(PHONE);
	await shot(page, 'portal-report', testInfo);
	await expectAccessible(page, 'portal: report (filled)');
	await page.locator('[data-test="submit"]').click();

	// The tracking code, big, with a copy button; remembered on this phone.
	const codeEl = page.locator('[data-test="tracking-code"]');
	await expect(codeEl).toBeVisible();
	const code = (await codeEl.textContent()).trim();
	expect(code).toMatch(CODE_RE);
	expect(await codeEl.evaluate((e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(28);
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await page.locator('[data-test="copy"]').click();
	await expect(page.locator('[data-test="copy"]')).toContainText('已复制');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
	const remembered = await page.evaluate(() => JSON.parse(localStorage.getItem('wg.portal.reports')));
	expect(remembered.map((r) => r.code)).toContain(code);
	await shot(page, 'portal-tracking', testInfo);
	await expectAccessible(page, 'portal: tracking code');

	// Follow: the state, and nothing personal.
	await page.getByRole('button', { name: '查看办理进度' }).click();
	await expect(page.locator('[data-test="state"]')).toHaveText('待受理');
	const pub = await (await fetch(`${baseURL()}/api/v1/public/reports/${code}`)).json();
	await expect(page.locator('[data-test="report"]')).toContainText(pub.number);
	await expect(page.locator('[data-test="report"]')).toContainText(categoryName);
	await expect(page.locator('[data-test="timeline"]')).toContainText('上报');
	let text = await page.locator('body').innerText();
	expect(text).not.toContain(PHONE);
	expect(text).not.toMatch(/\d{3}\*{4}\d{4}/);
	expect(text).not.toContain(NAME);
	expect(text).not.toContain(DESCRIPTION.slice(0, 8));
	await expect(page.locator('[data-test="rate"]')).toHaveCount(0);
	await shot(page, 'portal-follow', testInfo);
	await expectAccessible(page, 'portal: follow');

	// "My reports" lists the code; following from an empty field by typing it works too.
	await page.getByRole('tab', { name: /我的诉求/ }).click();
	await expect(page.locator('[data-test="mine"]')).toContainText(code);
	await expectAccessible(page, 'portal: my reports');
	await page.goto(`${baseURL()}/portal/track`);
	await page.locator('[data-test="code-input"] input').fill(code.toLowerCase());
	await page.locator('[data-test="lookup"]').click();
	await expect(page).toHaveURL(new RegExp(`/portal/track/${code}$`));
	await expect(page.locator('[data-test="state"]')).toHaveText('待受理');

	// Staff bring the case to closed through the API (village accepts and
	// assesses to the county, the county dispatches to the police, who
	// acknowledge and feed back, the county verifies and closes).
	const found = await fx.county.get(`/cases?q=${encodeURIComponent(pub.number)}`);
	expect(found.items.length).toBe(1);
	const id = found.items[0].id;
	const staffView = await fx.county.get(`/cases/${id}`);
	expect(staffView.source).toBe('citizen');
	const village1 = await signIn('village1');
	const police1 = await signIn('police1');
	await village1.act(id, 'accept', {});
	await village1.act(id, 'assess', { level: 'county' });
	await fx.county.act(id, 'dispatch', { department: '610326-police', reason: '端到端测试指定公安' });
	await police1.act(id, 'acknowledge', {});
	await police1.act(id, 'feedback', { result: '已清理' });
	await fx.county.act(id, 'verify', {});
	const closed = await fx.county.act(id, 'close', {});
	expect(closed.state).toBe('closed');

	// Rate on the portal: the dissatisfied case is explained before sending.
	await page.reload();
	const rate = page.locator('[data-test="rate"]');
	await expect(rate).toBeVisible();
	await expect(rate).toContainText('1 星或 2 星表示不满意');
	await page.locator('[data-test="rate-submit"]').click();
	await expect(rate).toContainText('请选择星级');
	await page.locator('[data-test="star-5"]').click();
	await expect(page.locator('[data-test="star-5"]')).toHaveAttribute('aria-checked', 'true');
	await page.locator('[data-test="comment"] textarea').fill('处理及时，谢谢');
	await shot(page, 'portal-rate', testInfo);
	await expectAccessible(page, 'portal: rate');
	await page.locator('[data-test="rate-submit"]').click();
	await expect(page.locator('[data-test="rated"]')).toContainText('感谢您的评价');
	await expect(page.locator('[data-test="state"]')).toHaveText('已归档');
	await expect(rate).toHaveCount(0);
	const after = await fx.county.get(`/cases/${id}`);
	expect(after.state).toBe('archived');
	text = await page.locator('body').innerText();
	expect(text).not.toContain(PHONE);
	expect(text).not.toContain('已清理');
	await shot(page, 'portal-rated', testInfo);

	expect(problems).toEqual([]);
	await context.close();
});

test('a refused report (429) says when to try again, without sending', async ({ page }) => {
	// The limit itself is the server's (tests/api); here only what the
	// citizen sees when it answers 429, so no real report is spent.
	await page.route('**/api/v1/public/reports', (route) =>
		route.fulfill({
			status: 429,
			headers: { 'Retry-After': '42', 'Content-Type': 'application/problem+json' },
			body: JSON.stringify({ type: '/errors/rate-limited', title: 'Too Many Requests', status: 429 }),
		}),
	);
	const fx = await fixtures();
	await page.context().grantPermissions(['geolocation']);
	await page.context().setGeolocation({ latitude: fx.lat, longitude: fx.lng });
	await page.goto(`${baseURL()}/portal/`);
	await chooseCategory(page, fx.category);
	await page.locator('[data-test="description"] textarea').fill('路灯不亮');
	await page.locator('[data-test="gps"]').click();
	await expect(page.locator('[data-test="location"]')).toContainText(fx.lat.toFixed(5));
	await page.locator('[data-test="submit"]').click();
	await expect(page.locator('[data-test="failure"]')).toContainText('请 42 秒后再试');
	await expect(page.locator('[data-test="submit"]')).toBeDisabled();
	await expect(page.locator('[data-test="tracking-code"]')).toHaveCount(0);
});

test('an unknown tracking code is said so; the page is in English on request', async ({ page }) => {
	await page.goto(`${baseURL()}/portal/track/ZZZZ2345ZZ`);
	await expect(page.getByRole('alert')).toContainText('没有找到这个查询码');
	await page.getByRole('button', { name: '切换语言' }).click();
	await expect(page.getByRole('heading', { name: 'Follow a report' })).toBeVisible();
	await page.locator('[data-test="code-input"] input').fill('abc');
	await page.locator('[data-test="lookup"]').click();
	await expect(page.getByText('A tracking code has 10 letters and digits')).toBeVisible();
	await expectAccessible(page, 'portal: follow, not found, English');
	await page.evaluate(() => localStorage.removeItem('wg.locale'));
});
