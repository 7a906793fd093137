// The grid worker's phone app (/m/) on a 390x844 touch screen with the
// phone's location inside worker1's grid: a report with a camera photo
// placed in the right grid; a report made offline, kept across a reload and
// sent exactly once when the network returns, even when the first answer is
// lost after the server made the case; verifying a department's result on
// site; and no serious accessibility problem on the main screens.
import { test, expect } from '@playwright/test';
import zlib from 'node:zlib';
import { baseURL, signIn, GRID1 } from './lib/api.mjs';
import { shot } from './lib/artifacts.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { phoneContext } from './lib/ui.mjs';

let point; // {latitude, longitude} inside GRID1, from its boundary
let worker1;

test.beforeAll(async () => {
	worker1 = await signIn('worker1');
	const grid = await worker1.get(`/grids/${GRID1}`);
	const [w, s, e, n] = grid.bbox;
	point = { latitude: s + (n - s) * 0.45, longitude: w + (e - w) * 0.55 };
	const found = await worker1.get(`/grids/locate?lat=${point.latitude}&lng=${point.longitude}`);
	expect(found.code, 'the test point lies in worker1 grid').toBe(GRID1);
});

/** A phone: 390x844, touch, Chinese, located at `point`. */
async function phone(browser) {
	const context = await phoneContext(browser, {
		baseURL: baseURL(),
		deviceScaleFactor: 2,
		permissions: ['geolocation'],
		geolocation: point,
	});
	const page = await context.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	return { context, page, errors };
}

async function signInOnPhone(page, username = 'worker1') {
	await page.goto('/m/');
	await expect(page).toHaveURL(/\/m\/login/);
	await page.getByLabel('账号').fill(username);
	await page.getByLabel('密码').fill('Test#2026pass');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page).toHaveURL(/\/m\/tasks/);
}

/** A small PNG of one colour (a valid file the server accepts as image/png). */
function png(r, g, b, size = 8) {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (buf) => {
		let c = 0xffffffff;
		for (const x of buf) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type, data) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
		const sum = Buffer.alloc(4);
		sum.writeUInt32BE(crc(body));
		return Buffer.concat([len, body, sum]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(size, 0);
	ihdr.writeUInt32BE(size, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // RGB
	const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
	const raw = Buffer.concat(Array.from({ length: size }, () => row));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('IDAT', zlib.deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

/** Fill the report form: category 安全隐患 / 消防安全隐患, title, description, one photo. */
async function fillReport(page, title, photo) {
	await page.getByTestId('report-category').click();
	await page.getByRole('menuitemradio', { name: '安全隐患' }).click();
	await page.getByRole('menuitemradio', { name: '消防安全隐患' }).click();
	await expect(page.getByTestId('report-category')).toContainText('安全隐患 / 消防安全隐患');
	await page.getByTestId('report-title').locator('input').fill(title);
	await page.getByTestId('report-description').locator('textarea').fill(`${title}：楼道内堆放大量纸箱，堵塞消防通道`);
	await page.getByTestId('report-photos-input').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: photo });
	await expect(page.getByTestId('report-photos').locator('img')).toHaveCount(1);
}

async function casesTitled(title) {
	return (await worker1.get(`/cases?q=${encodeURIComponent(title)}&limit=50`)).items;
}

test('a worker signs in on the phone and reports with a photo and the location: the case lies in their grid', async ({ browser }, testInfo) => {
	const { context, page, errors } = await phone(browser);
	await page.goto('/m/');
	await expect(page.getByRole('button', { name: '登录' })).toBeVisible();
	await shot(page, 'mobile-signin', testInfo);
	await expectAccessible(page, 'phone sign-in');

	await signInOnPhone(page);
	await expect(page.getByRole('tab', { name: /待核查/ })).toBeVisible();
	await expect(page.getByText(/实时提醒已连接|每 60 秒自动刷新/)).toBeVisible();
	await shot(page, 'mobile-tasks', testInfo);
	await expectAccessible(page, 'phone tasks');

	await page.getByRole('tab', { name: '上报', exact: true }).click();
	await expect(page).toHaveURL(/\/m\/report/);
	await expect(page.getByTestId('report-place')).toContainText('所在网格：东关社区居委会第1网格');
	const title = `消防通道堵塞 ${Date.now()}`;
	await fillReport(page, title, png(200, 40, 40));
	await shot(page, 'mobile-report', testInfo);
	await expectAccessible(page, 'phone report form');
	await page.getByTestId('report-submit').click();
	await expect(page).toHaveURL(/\/m\/case\/\d+/);
	await expect(page.getByTestId('case-title')).toHaveText(title);
	await expect(page.getByTestId('case-state')).toHaveText('待受理');

	const id = Number(page.url().match(/case\/(\d+)/)[1]);
	const c = await worker1.get(`/cases/${id}`);
	expect(c.title).toBe(title);
	expect(c.grid).toBe(GRID1);
	expect(c.category).toBe('0101');
	expect(c.source).toBe('grid');
	expect(c.location.lat).toBeCloseTo(point.latitude, 5);
	expect(c.location.lng).toBeCloseTo(point.longitude, 5);
	const timeline = (await worker1.get(`/cases/${id}/timeline`)).items;
	expect(timeline[0].fields.photos).toHaveLength(1);
	expect(await casesTitled(title)).toHaveLength(1);
	expect(errors).toEqual([]);
	await context.close();
});

// The server's refusal is stood in for here (a route answering 422), so
// that the test can name codes a real form rarely meets together; what is
// checked is how the phone words them: each code in Chinese from the
// shared table, the form field marked, nothing kept in the outbox.
test('a report the server refuses shows its field errors in Chinese words', async ({ browser }, testInfo) => {
	const { context, page, errors } = await phone(browser);
	await signInOnPhone(page);
	await page.getByRole('tab', { name: '上报', exact: true }).click();
	await expect(page.getByTestId('report-place')).toContainText('所在网格');
	const title = `被退回的上报 ${Date.now()}`;
	await fillReport(page, title, png(200, 40, 40));
	await page.route('**/api/v1/cases', (route) =>
		route.request().method() === 'POST'
			? route.fulfill({
					status: 422,
					contentType: 'application/problem+json',
					body: JSON.stringify({
						type: 'about:blank',
						title: 'Unprocessable Content',
						status: 422,
						errors: [
							{ field: 'title', code: 'too_long', message: 'title has at most 60 characters' },
							{ field: 'location', code: 'no_grid', message: 'no grid covers 34.1, 107.9' },
						],
					}),
				})
			: route.fallback(),
	);
	await page.getByTestId('report-submit').click();
	await expect(page.getByText('标题：太长；位置：位置不在任何网格内')).toBeVisible();
	await expect(page.getByTestId('report-title')).toContainText('太长');
	await shot(page, 'mobile-report-refused', testInfo);
	await expect(page).toHaveURL(/\/m\/report/);
	expect(await casesTitled(title)).toHaveLength(0);
	expect(errors).toEqual([]);
	await context.close();
});

test('a report made offline is kept on the phone, survives a reload and is sent exactly once', async ({ browser }, testInfo) => {
	const { context, page, errors } = await phone(browser);
	await signInOnPhone(page);
	await page.getByRole('tab', { name: '上报', exact: true }).click();
	await expect(page.getByTestId('report-place')).toContainText('所在网格');
	// The service worker keeps the app on the phone before the network goes.
	await expect(page.locator('html')).toHaveAttribute('data-offline', 'ready', { timeout: 15_000 });

	await context.setOffline(true);
	await expect(page.getByTestId('offline-banner')).toBeVisible();
	const title = `离线上报 ${Date.now()}`;
	await fillReport(page, title, png(40, 120, 200));
	await page.getByTestId('report-submit').click();
	await expect(page.getByText('已保存到本机，联网后自动发送')).toBeVisible();
	await expect(page.getByTestId('outbox-indicator')).toHaveText(/待发送 1/);
	await page.getByTestId('outbox-indicator').click();
	await expect(page.getByTestId('outbox-pending')).toContainText(title);
	await shot(page, 'mobile-offline-queue', testInfo);
	await expectAccessible(page, 'phone offline queue');

	await page.reload();
	await expect(page.getByTestId('outbox-indicator')).toHaveText(/待发送 1/);
	await expect(page.getByTestId('outbox-pending')).toContainText(title);
	expect(await casesTitled(title)).toHaveLength(0);

	// The first create reaches the server, which makes the case, but its
	// answer is lost: the phone must retry with the same Idempotency-Key and
	// get the same case back, not a second one.
	const posts = [];
	let dropped = false;
	await page.route('**/api/v1/cases', async (route) => {
		const req = route.request();
		if (req.method() !== 'POST') return route.continue();
		posts.push(req.headers()['idempotency-key']);
		if (dropped) return route.continue();
		dropped = true;
		const res = await route.fetch();
		expect(res.status()).toBe(201);
		return route.abort('connectionreset');
	});
	await context.setOffline(false);
	await expect(page.getByTestId('outbox-indicator')).toHaveCount(0, { timeout: 30_000 });
	await expect(page.getByText('没有待发送的上报')).toBeVisible();

	expect(dropped, 'the first answer was dropped').toBe(true);
	expect(posts.length).toBeGreaterThanOrEqual(2);
	expect(new Set(posts).size, 'every attempt carries the same key').toBe(1);
	expect(posts[0]).toMatch(/^[0-9a-f]{32}$/);
	const found = await casesTitled(title);
	expect(found, 'exactly one case').toHaveLength(1);
	expect(found[0].grid).toBe(GRID1);
	const timeline = (await worker1.get(`/cases/${found[0].id}/timeline`)).items;
	expect(timeline[0].fields.photos, 'the photo kept offline was uploaded first').toHaveLength(1);
	expect(errors).toEqual([]);
	await context.close();
});

test('the worker verifies on site a case the department fed back', async ({ browser }, testInfo) => {
	const [town1, county, police1] = await Promise.all(['town1', 'county', 'police1'].map((u) => signIn(u)));
	const title = `核查 楼道杂物 ${Date.now()}`;
	const c = await worker1.post('/cases', { category: '0801', title, description: '楼道堆放杂物，影响通行', grid: GRID1 });
	await town1.act(c.id, 'accept');
	await town1.act(c.id, 'assess', { level: 'county' });
	await county.act(c.id, 'dispatch', {});
	await police1.act(c.id, 'acknowledge');
	const up = await fetch(`${baseURL()}/api/v1/attachments`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${police1.token}`, 'Content-Type': 'image/png' },
		body: png(30, 160, 60),
	});
	expect(up.status).toBe(201);
	const photo = (await up.json()).sha256;
	const fed = await police1.act(c.id, 'feedback', { result: '已清理楼道杂物，通道畅通', photos: [photo] });
	expect(fed.state).toBe('feedback');

	const { context, page, errors } = await phone(browser);
	await signInOnPhone(page);
	await page.getByRole('tab', { name: /待核查/ }).click();
	const item = page.getByTestId(`case-${c.id}`);
	await expect(item).toBeVisible();
	await item.click();
	await expect(page).toHaveURL(new RegExp(`/m/case/${c.id}$`));
	await expect(page.getByTestId('case-result')).toContainText('已清理楼道杂物，通道畅通');
	await expect(page.getByTestId('case-result').locator('img')).toHaveCount(1);
	await expect(page.getByTestId('verify-form')).toBeVisible();
	await page.getByTestId('choose-verify').click();
	await page.getByTestId('field-note').locator('textarea').fill('现场查看，杂物已清理');
	await page.getByTestId('verify-photos-input').setInputFiles({ name: 'check.png', mimeType: 'image/png', buffer: png(90, 90, 200) });
	await expect(page.getByTestId('verify-photos').locator('img')).toHaveCount(1);
	await shot(page, 'mobile-verify', testInfo);
	await expectAccessible(page, 'phone verify on site');
	await page.getByTestId('verify-submit').click();
	await expect(page.getByTestId('case-state')).toHaveText('待办结');
	await expect(page.getByTestId('verify-form')).toHaveCount(0);

	const after = await worker1.get(`/cases/${c.id}`);
	expect(after.state).toBe('verified');
	const tl = (await worker1.get(`/cases/${c.id}/timeline`)).items;
	const verify = tl.find((e) => e.action === 'verify');
	expect(verify.fields.note).toBe('现场查看，杂物已清理');
	expect(verify.fields.photos).toHaveLength(1);
	expect(errors).toEqual([]);
	await context.close();
});
