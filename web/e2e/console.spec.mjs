// The console in Chromium: sign-in through the form, the work list with its
// counted tabs, a case taken round the loop through the forms the console
// generates from the flow (town1 accepts, assesses and dispatches to the
// county police; police1 acknowledges and feeds back with a photo; town1
// verifies and closes), the timeline showing each step, a stale version
// answered with the conflict message, a new case saved once, and axe on
// the main pages. Each test makes the cases it needs through the API.
import { test, expect } from '@playwright/test';
import { signIn, baseURL, GRID1, TOWN1 } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot } from './lib/artifacts.mjs';
import { attachPNG, unique, signInUI, pickOption, act as actOn } from './lib/ui.mjs';
import { totpCode } from '../../tests/api/lib/totp.mjs';

/** Report a case in GRID1 as town1 through the API; returns it. */
async function reportCase(title) {
	const town1 = await signIn('town1');
	return town1.post('/cases', {
		category: '0801',
		title,
		description: `${title}：楼道里有人聚集，疑似存在治安隐患，请尽快处理。`,
		grid: GRID1,
		source: 'hotline',
	});
}

async function openCase(page, id) {
	await page.goto(`${baseURL()}/cases/${id}`);
	await expect(page.locator('#h-actions')).toBeVisible();
}

/** An action through its dialog: each is taken once in these tests. */
const act = (page, action, fill, state) => actOn(page, action, fill, state, { once: true });

test('sign-in, the work list and a case round the loop through generated forms', async ({ page, browser }, testInfo) => {
	const title = unique('治安隐患');
	const kase = await reportCase(title);

	await page.goto(`${baseURL()}/work`);
	await expect(page).toHaveURL(/\/login\?next=(%2F|\/)work$/);
	await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
	await expectAccessible(page, 'the sign-in page');
	await shot(page, 'console-login', testInfo);

	// A wrong password is said plainly.
	await page.locator('#login-username').fill('town1');
	await page.locator('#login-password').fill('wrong-password-1');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByRole('alert')).toContainText('用户名或密码错误');

	await page.locator('#login-password').fill('Test#2026pass');
	await page.getByRole('button', { name: '登录' }).click();
	await page.waitForURL(/\/work/);

	// The work list: the 待受理 tab counts our case and lists it.
	const reportedTab = page.locator('[data-tab="reported"]');
	await expect(reportedTab).toBeVisible();
	await expect(reportedTab.locator('.count')).not.toHaveText('…');
	expect(Number(await reportedTab.locator('.count').textContent())).toBeGreaterThanOrEqual(1);
	await expect(page.locator('.cases').getByText(kase.number)).toBeVisible();
	await expect(page.locator('[data-tab="all"] .count')).not.toHaveText('…');
	await expectAccessible(page, 'the work list');
	await shot(page, 'console-work-town1', testInfo);

	// Open it from the list.
	await page.locator('.cases').getByText(kase.number).click();
	await page.waitForURL(new RegExp(`/cases/${kase.id}$`));
	await expect(page.locator('.page-title')).toContainText(title);
	await expect(page.locator('.timeline .ev[data-action="report"]')).toHaveCount(1);

	await act(page, 'accept', async (d) => d.locator('#act-note').fill('已受理，转研判'), '待研判');
	await expectAccessible(page, 'the case page');

	await act(
		page,
		'assess',
		async () => {
			await page.locator('#act-priority').click({ force: true });
			await page.locator('.el-select-dropdown__item:visible', { hasText: '紧急' }).click();
		},
		'待派遣',
	);

	// Dispatch to the county police: the form offers departments by name.
	await page.locator('.actions button[data-action="dispatch"]').click();
	await expect(page.locator('.el-dialog')).toBeVisible();
	await pickOption(page, '#act-department', '眉县公安局', { type: true });
	await page.locator('#act-reason').fill('涉及治安，由县公安局办理');
	await expectAccessible(page, 'the case page with the dispatch form');
	await shot(page, 'console-case-dispatch-dialog', testInfo);
	await page.locator('.el-dialog button[data-submit="action"]').click();
	await expect(page.locator('.el-dialog')).toBeHidden();
	await expect(page.locator('.head .case-tags .el-tag').first()).toHaveText('待签收');
	await expect(page.locator('.timeline .ev[data-action="dispatch"]')).toHaveCount(1);

	// police1, in a browser of its own, finds it to acknowledge and feeds back.
	const police = await browser.newContext();
	const pp = await police.newPage();
	await signInUI(pp, 'police1');
	await expect(pp.locator('[data-tab="dispatched"]')).toBeVisible();
	await expect(pp.locator('.cases').getByText(kase.number)).toBeVisible();
	await shot(pp, 'console-work-police1', testInfo);
	await pp.locator('.cases').getByText(kase.number).click();
	await expect(pp.locator('#h-actions')).toBeVisible();
	await act(pp, 'acknowledge', null, '办理中');
	await act(
		pp,
		'feedback',
		async (d) => {
			await d.locator('#act-result').fill('已到现场核实并劝散聚集人员，加强巡逻');
			await attachPNG(d, 'scene.png');
		},
		'待核查',
	);
	await expect(pp.locator('.atts img')).toHaveCount(1);
	await police.close();

	// Back to town1: verify and close.
	await openCase(page, kase.id);
	await act(page, 'verify', async (d) => d.locator('#act-note').fill('现场核查属实'), '待办结');
	await act(page, 'close', null, '待回访');

	const steps = await page.locator('.timeline .ev').evaluateAll((els) => els.map((e) => e.dataset.action));
	// The photo went to the case's attachments first (an "attach" event), then the feedback named it.
	expect(steps).toEqual(['report', 'accept', 'assess', 'dispatch', 'acknowledge', 'attach', 'feedback', 'verify', 'close']);
	await shot(page, 'console-case-closed', testInfo);

	const town1 = await signIn('town1');
	const after = await town1.get(`/cases/${kase.id}`);
	expect(after.state).toBe('closed');
	expect(after.department).toBe('610326-police');
	expect(after.priority).toBe('urgent');
});

test('the work list is filtered by a place picked by name, down to a grid', async ({ page }, testInfo) => {
	const kase = await reportCase(unique('区域筛选'));
	await signInUI(page, 'town1');
	await page.goto(`${baseURL()}/work?tab=all`);
	await expect(page.locator('.cases').getByText(kase.number)).toBeVisible();

	// The town, then its village, then the grid: each level opened by name.
	await page.getByRole('combobox', { name: '区域' }).click();
	const node = (name) => page.locator('.el-cascader-node:visible', { hasText: name });
	await node('首善街道').click();
	await node('东关社区居委会').first().click();
	await node('东关社区居委会第1网格').locator('.el-radio').click();
	await shot(page, 'console-work-area', testInfo);
	await page.locator('h1.page-title').click();
	await expect(page.locator('.el-cascader__dropdown')).toBeHidden();
	// (Checked closed: Element Plus's open cascader panel has radios without labels.)
	await expectAccessible(page, 'the work list with a place picked');
	await page.getByRole('button', { name: '查询' }).click();
	await expect(page.locator('.cases').getByText(kase.number)).toBeVisible();
	// With the pointer on a primary button and on a plain one: hover colours keep their contrast.
	await expectAccessible(page, 'the work list, the pointer on 查询');
	await page.getByRole('button', { name: '重置' }).hover();
	await expectAccessible(page, 'the work list, the pointer on 重置');
	const places = await page.locator('.cases tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent));
	expect(places.length).toBeGreaterThan(0);
	for (const p of places) expect(p).toContain('东关社区居委会第1网格');

	// Another village of the town: the case is not there.
	await page.getByRole('combobox', { name: '区域' }).click();
	await node('首善街道').click();
	await node('景贤社区居委会').locator('.el-radio').click();
	await page.locator('h1.page-title').click();
	await page.getByRole('button', { name: '查询' }).click();
	await expect(page.locator('.summary')).toBeVisible();
	await expect(page.locator('.cases').getByText(kase.number)).toHaveCount(0);
});

test('a case changed by someone else meanwhile gives the conflict message', async ({ page }) => {
	const kase = await reportCase(unique('并发修改'));
	await signInUI(page, 'town1', `/cases/${kase.id}`);
	await expect(page).toHaveURL(new RegExp(`/cases/${kase.id}$`));
	await expect(page.locator('.actions button[data-action="accept"]')).toBeVisible();

	// Another operator supervises it: same state, new version.
	const other = await signIn('town1');
	await other.act(kase.id, 'supervise', { colour: 'yellow', note: '请加快办理' });

	await page.locator('.actions button[data-action="accept"]').click();
	await page.locator('.el-dialog button[data-submit="action"]').click();
	await expect(page.locator('#main .el-alert').filter({ hasText: '刚被其他人修改' })).toBeVisible();
	// Reloaded: the supervision is there now, and the accept goes through.
	await expect(page.locator('.head .case-tags')).toContainText('黄牌督办');
	await act(page, 'accept', null, '待研判');
});

test('a new case is saved once, with its grid located', async ({ page }, testInfo) => {
	const title = unique('新建测试');
	await signInUI(page, 'town1', '/cases/new');
	await expect(page.locator('#nc-category')).toBeVisible();
	await pickOption(page, '#nc-category', '0807', { type: true });
	await page.locator('#nc-title').fill(title);
	await page.locator('#nc-description').fill('小区内有未拴绳的大型犬，居民反映存在安全隐患。');
	// The grid found by its name: the options show each grid's name and code.
	const grid = await (await signIn('town1')).get(`/grids/${GRID1}`);
	await page.getByRole('radio', { name: '选择网格' }).check({ force: true });
	await page.locator('#nc-grid').click({ force: true });
	await page.locator('#nc-grid').fill(grid.name);
	// Searched by the server: every grid offered has the name typed.
	const options = page.locator('.el-select-dropdown__item:visible');
	await expect.poll(async () => (await options.allTextContents()).every((x) => x.includes(grid.name))).toBe(true);
	const option = options.filter({ hasText: GRID1 });
	await expect(option).toContainText(grid.name);
	await shot(page, 'console-case-new-grid-search', testInfo);
	await option.first().click();
	await expect(page.locator('[data-located]')).toContainText(GRID1);
	await expect(page.locator('.el-form-item', { has: page.locator('#nc-grid') })).toContainText(grid.name);
	await expectAccessible(page, 'the new case page');
	await shot(page, 'console-case-new', testInfo);

	const save = page.locator('button[data-submit="case"]');
	await save.dblclick();
	const anyway = page.locator('button[data-submit="anyway"]');
	const done = page.locator('.done');
	await expect(done.or(anyway)).toBeVisible();
	if (await anyway.isVisible()) await anyway.dblclick();
	await expect(done).toContainText('已创建事件');

	const town1 = await signIn('town1');
	const found = await town1.get(`/cases?total=true&q=${encodeURIComponent(title)}`);
	expect(found.total).toBe(1);
	expect(found.items[0].grid).toBe(GRID1);
});

test('a window registration shows its possible duplicates before saving', async ({ page }, testInfo) => {
	const earlier = await reportCase(unique('重复登记'));
	await signInUI(page, 'town1', '/cases/new');
	await page.getByRole('radio', { name: '来访登记（一站式窗口）' }).check({ force: true });
	await pickOption(page, '#nc-category', '0801', { type: true });
	await page.locator('#nc-description').fill(`${earlier.title}：楼道里有人聚集，疑似存在治安隐患。`);
	await page.getByRole('radio', { name: '选择网格' }).check({ force: true });
	await pickOption(page, '#nc-grid', GRID1, { type: true });
	await page.locator('#nc-rname').fill('来访群众');
	await page.locator('#nc-rphone').fill('13900001111');
	await page.locator('button[data-submit="case"]').click();
	// Not saved yet: the earlier case is listed, and saving needs a second word.
	await expect(page.locator('[data-duplicates]')).toContainText(earlier.number);
	await expect(page.locator('button[data-submit="anyway"]')).toBeVisible();
	await shot(page, 'console-window-duplicates', testInfo);
	const town1 = await signIn('town1');
	const before = (await town1.get('/cases?total=true&source=window')).total;
	await page.locator('button[data-submit="anyway"]').click();
	await expect(page.locator('.done')).toContainText('已创建事件');
	expect((await town1.get('/cases?total=true&source=window')).total).toBe(before + 1);
});

test('the console in English', async ({ page }, testInfo) => {
	const kase = await reportCase(unique('英文界面'));
	await page.goto(`${baseURL()}/login`);
	await page.getByRole('radio', { name: 'English' }).check({ force: true });
	await expect(page.locator('html')).toHaveAttribute('lang', 'en');
	await page.locator('#login-username').fill('town1');
	await page.locator('#login-password').fill('Test#2026pass');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL(/\/work/);
	await expect(page.locator('[data-tab="reported"]')).toContainText('To accept');
	await openCase(page, kase.id);
	await expect(page.locator('.actions button[data-action="accept"]')).toHaveText('Accept');
	await expectAccessible(page, 'the case page in English');
	await shot(page, 'console-case-en', testInfo);
});

test('a new account must change its password first; errors show at the field', async ({ page }) => {
	const sysadmin = await signIn('sysadmin');
	const secadmin = await signIn('secadmin');
	const username = unique('op').toLowerCase();
	const made = await sysadmin.post('/users', { username, name: '新操作员', region: TOWN1 });
	const res = await fetch(`${baseURL()}/api/v1/users/${made.id}/roles`, {
		method: 'PUT',
		headers: { Authorization: `Bearer ${secadmin.token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ roles: ['centre_operator'] }),
	});
	expect(res.status).toBe(200);

	await page.goto(`${baseURL()}/login`);
	await page.locator('#login-username').fill(username);
	await page.locator('#login-password').fill(made.initial_password);
	await page.getByRole('button', { name: '登录' }).click();
	await page.waitForURL(/\/password/);
	await expect(page.locator('.el-alert--warning')).toContainText('请先设置新密码');
	await expectAccessible(page, 'the forced password change');

	// A wrong current password is marked at its field.
	await page.locator('#pw-current').fill('not-the-password-1');
	await page.locator('#pw-new').fill('Another#2026pass');
	await page.locator('#pw-repeat').fill('Another#2026pass');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.locator('.el-form-item', { has: page.locator('#pw-current') }).locator('.el-form-item__error')).toContainText(
		'当前密码不正确',
	);
	// A weak new one too.
	await page.locator('#pw-current').fill(made.initial_password);
	await page.locator('#pw-new').fill('short');
	await page.locator('#pw-repeat').fill('short');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.locator('.el-form-item', { has: page.locator('#pw-new') }).locator('.el-form-item__error')).toContainText('密码策略');

	await page.locator('#pw-new').fill('Another#2026pass');
	await page.locator('#pw-repeat').fill('Another#2026pass');
	await page.getByRole('button', { name: '保存' }).click();
	await page.waitForURL(/\/work/);
	await expect(page.locator('[data-tab="reported"]')).toBeVisible();
});

test('an account with a second factor is asked for its code at sign-in', async ({ page }) => {
	const sysadmin = await signIn('sysadmin');
	const secadmin = await signIn('secadmin');
	const username = unique('tf').toLowerCase();
	const made = await sysadmin.post('/users', { username, name: '双因素操作员', region: TOWN1 });
	const call = async (token, method, path, body) => {
		const res = await fetch(`${baseURL()}/api/v1${path}`, {
			method,
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
		return text ? JSON.parse(text) : null;
	};
	await call(secadmin.token, 'PUT', `/users/${made.id}/roles`, { roles: ['centre_operator'] });
	// The account's owner sets a password and turns TOTP on, through the API.
	const first = await fetch(`${baseURL()}/api/v1/session`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username, password: made.initial_password }),
	}).then((r) => r.json());
	await call(first.token, 'PUT', '/me/password', { current_password: made.initial_password, new_password: 'Second#2026pass' });
	const secret = await call(first.token, 'POST', '/me/totp');
	const done = await call(first.token, 'POST', '/me/totp/confirm', { code: totpCode(secret.secret) });

	await page.goto(`${baseURL()}/login`);
	await page.locator('#login-username').fill(username);
	await page.locator('#login-password').fill('Second#2026pass');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.getByRole('alert')).toContainText('请输入动态验证码');
	await expect(page.locator('#login-totp')).toBeVisible();
	await expectAccessible(page, 'the sign-in page asking for a code');
	await page.locator('#login-totp').fill('000000');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page.locator('.el-form-item', { has: page.locator('#login-totp') }).locator('.el-form-item__error')).toContainText(
		'动态验证码错误',
	);
	// The code of this step was used to confirm: a recovery code signs in.
	await page.locator('#login-totp').fill(done.recovery_codes[0]);
	await page.getByRole('button', { name: '登录' }).click();
	await page.waitForURL(/\/work/);
});
