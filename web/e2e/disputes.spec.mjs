// Disputes in Chromium: a dispute from the window's registration to an
// agreement. village1 registers it at the one-stop window with two parties
// (the possible duplicate is shown before saving), accepts it, assesses it
// red (the people in personal charge appear, by post), and assigns it to
// the town committee's lead mediator through the body and mediator
// pickers; mediator2, in a browser of its own, finds it under 我调解的,
// schedules a session, records its minutes and reaches an agreement with
// the signed document uploaded. axe on each dispute page, screenshots of
// each. Then the registries' admin pages, the dashboard's 化解率 tile
// against GET /stats/disputes, and a family call-back recorded on the phone.
import { test, expect } from '@playwright/test';
import { signIn, baseURL, GRID1, TOWN1 } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot, shotDialog } from './lib/artifacts.mjs';
import { attachPNG, unique, signInUI, pickOption as pick, act, phoneContext } from './lib/ui.mjs';

/**
 * Let passing messages go before a screenshot: wait out Element's toasts
 * and close the live notifications.
 */
async function calm(page) {
	// Notifications keep arriving from the event stream: close them until none is left.
	await expect(async () => {
		for (const b of await page.locator('.el-notification .el-notification__closeBtn').all())
			await b.click({ timeout: 1000 }).catch(() => {});
		await expect(page.locator('.el-message, .el-notification')).toHaveCount(0, { timeout: 1500 });
	}).toPass({ timeout: 15_000 });
}

/** A time two days on, as the date-time picker takes it typed (Beijing time). */
function inTwoDays() {
	const d = new Date(Date.now() + 2 * 86400e3 + 8 * 3600e3);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} 10:00`;
}

test('a dispute from window registration to agreement', async ({ page, browser }, testInfo) => {
	const subject = unique('宅前通道');
	const description = `${subject}：邻里之间因宅前堆放杂物发生争执，多次协商未果，双方情绪激动`;
	// The same matter registered before, so the window sees it as a possible duplicate.
	const village1 = await signIn('village1');
	const earlier = await village1.post('/cases', {
		kind: 'dispute',
		category: '1202',
		description,
		grid: GRID1,
		parties: [{ role: 'applicant', name: '张三' }],
	});

	await signInUI(page, 'village1');
	await page.goto(`${baseURL()}/disputes`);
	await expect(page.locator('[data-tab="registered"] .count')).not.toHaveText('…');
	await expect(page.locator('.cases').getByText(earlier.number)).toBeVisible();
	await expectAccessible(page, 'the disputes work list');
	await shot(page, 'disputes-list', testInfo);

	// Registration at the window: two parties, the subject matter and amount.
	await page.locator('button[data-new="dispute"]').click();
	await page.waitForURL(/\/disputes\/new$/);
	await pick(page, '#dn-category', '1202', { type: true });
	await page.locator('#dn-description').fill(description);
	await page.locator('#party-0-name').fill('张三');
	await page.locator('#party-0-phone').fill('13800138000');
	await page.locator('#party-0-id').fill('11010519491231002X');
	await page.locator('#party-1-name').fill('李四');
	await page.locator('#party-1-phone').fill('13900139000');
	await page.locator('#dn-subject').fill(subject);
	await page.locator('#dn-amount').fill('1200.50');
	await pick(page, '#dn-grid', GRID1, { type: true });
	await expect(page.locator('[data-located]')).toBeVisible();
	await page.locator('button[data-submit="dispute"]').click();
	// The server's candidates come first: the earlier one, and a confirmation.
	await expect(page.locator('[data-duplicates]').getByText(earlier.number)).toBeVisible();
	// The pointer is still on the (primary) button: its hover colours are checked too.
	await expectAccessible(page, 'the dispute registration with its duplicates');
	await shot(page, 'dispute-new-duplicates', testInfo);
	await page.locator('button[data-submit="anyway"]').click();
	await expect(page.locator('.el-result')).toContainText('已登记纠纷');
	await page.locator('button[data-open-created]').click();
	await page.waitForURL(/\/disputes\/\d+$/);
	const id = Number(new URL(page.url()).pathname.split('/').pop());
	expect(id).not.toBe(earlier.id);
	const { number } = await village1.get(`/cases/${id}`);

	// The parties as the server keeps them: masked.
	const parties = page.locator('[data-panel="parties"]');
	await expect(parties).toContainText('138****8000');
	await expect(parties).toContainText('110***********002X');
	await expect(parties).not.toContainText('13800138000');
	await expect(page.locator('.head .case-tags .el-tag').first()).toHaveText('待受理');

	await act(page, 'accept', (d) => d.locator('#act-note').fill('窗口受理'), '待研判');
	await act(
		page,
		'assess',
		async () => {
			await pick(page, '#act-risk', '红色');
			await page.locator('#act-note').fill('双方情绪激动，易激化');
		},
		'待指派',
	);
	// Red: the village and town party secretaries and the county leader are in charge.
	const inCharge = page.locator('[data-posts="in_charge"] li');
	await expect(inCharge).toHaveCount(3);
	await expect(page.locator('[data-panel="risk"]')).toContainText('村党支部书记');
	await expect(page.locator('[data-panel="risk"]')).toContainText('镇党委书记');
	await expect(page.locator('[data-panel="risk"]')).toContainText('县领导');
	await expect(page.locator('.head [data-risk="red"]')).toBeVisible();
	await expectAccessible(page, 'the dispute page, assessed red');
	await calm(page);
	await shot(page, 'dispute-assessed-red', testInfo);

	// Assign: the body and its lead mediator are picked by name.
	await page.locator('.actions button[data-action="assign"]').click();
	await expect(page.locator('.el-dialog')).toBeVisible();
	await pick(page, '#act-body', '首善街道人民调解委员会', { type: true });
	await pick(page, '#act-mediator', '调解员二');
	await expectAccessible(page, 'the assign form');
	await calm(page);
	await shotDialog(page, 'dispute-assign-dialog', testInfo);
	await page.locator('.el-dialog button[data-submit="action"]').click();
	await expect(page.locator('.el-dialog')).toBeHidden();
	await expect(page.locator('.head .case-tags .el-tag').first()).toHaveText('调解中');
	await expect(page.locator('[data-body]')).toHaveText('首善街道人民调解委员会');
	await expect(page.locator('[data-mediator]')).toHaveText('调解员二');

	// mediator2 finds it among the mediations it leads.
	const other = await browser.newContext();
	const mp = await other.newPage();
	await signInUI(mp, 'mediator2');
	await mp.goto(`${baseURL()}/disputes`);
	await expect(mp.locator('.tabs .is-active [data-tab="mediator"]')).toBeVisible();
	await mp.locator('.cases').getByText(number).click();
	await mp.waitForURL(new RegExp(`/disputes/${id}$`));
	await expect(mp.locator('#h-actions')).toBeVisible();

	await act(mp, 'schedule', async (d) => {
		await d.locator('#act-at').fill(inTwoDays());
		await d.locator('#act-at').press('Enter');
		await d.locator('#act-place').fill('首善街道矛盾纠纷调处化解中心');
		await d.locator('#act-attendees').fill('张三、李四、调解员二、网格员');
	});
	await expect(mp.locator('[data-sessions]')).toContainText('首善街道矛盾纠纷调处化解中心');
	await expect(mp.locator('[data-sessions] .waiting')).toHaveCount(1);
	await act(mp, 'minutes', (d) => d.locator('#act-minutes').fill('双方陈述各自理由，经释法说理，李四同意清理杂物'));
	await expect(mp.locator('[data-sessions]')).toContainText('经释法说理');

	await act(
		mp,
		'agree',
		async (d) => {
			await d.locator('#act-terms').fill('李四三日内清理宅前杂物，保持通道畅通；张三不再追究。');
			await attachPNG(d, 'agreement.png');
		},
		'已达成协议',
	);
	const agreement = mp.locator('[data-agreement]');
	await expect(agreement).toContainText('李四三日内清理宅前杂物');
	const doc = agreement.locator('a[data-document]');
	await expect(doc).toHaveCount(1);
	const href = await doc.getAttribute('href');
	expect((await mp.request.get(new URL(href, baseURL()).href)).status()).toBe(200);
	await expect(mp.locator('.ladder [data-step="on_site"] .el-step__head')).toHaveClass(/is-success/);
	await expectAccessible(mp, 'the dispute page with its agreement');
	await calm(mp);
	await shot(mp, 'dispute-agreed-mediator', testInfo);
	await other.close();

	// What the server holds: one agreement with the document, the steps in order.
	const c = await village1.get(`/cases/${id}`);
	expect(c.state).toBe('agreed');
	expect(c.risk).toBe('red');
	expect(c.dispute.agreements).toHaveLength(1);
	expect(c.dispute.agreements[0].documents).toHaveLength(1);
	expect(c.dispute.sessions[0].held_at).toBeTruthy();
	// (Uploading the document adds an `attach` step of its own.)
	const steps = (await village1.get(`/cases/${id}/timeline`)).items.map((e) => e.action).filter((a) => a !== 'attach');
	expect(steps).toEqual(['report', 'accept', 'assess', 'assign', 'schedule', 'minutes', 'agree']);
});

test('the mediation registries and the posts in charge', async ({ page }, testInfo) => {
	await signInUI(page, 'town1');
	await page.goto(`${baseURL()}/admin/mediation`);
	const row = page.locator('[data-body-row="tc-610326001000"]');
	await expect(row).toBeVisible();
	await row.click();
	await expect(page.locator('.mediators')).toContainText('调解员二');
	await expectAccessible(page, 'the mediation bodies page');
	await shot(page, 'admin-mediation', testInfo);

	// A new trade body serving the town, the town picked by name (its villages
	// are offered under it; one body of a kind and trade per place).
	const code = `e2e-${Date.now() % 1e8}`;
	await page.locator('button[data-create="body"]').click();
	const dialog = page.locator('.el-dialog');
	await dialog.locator('#be-code').fill(code);
	await dialog.getByRole('combobox', { name: '服务区域' }).click();
	const node = (name) => page.locator('.el-cascader-node:visible', { hasText: name });
	await node('首善街道').click();
	await expect(node('东关社区居委会')).toBeVisible();
	await node('首善街道').locator('.el-radio').click();
	await dialog.locator('#be-name').click();
	await dialog.locator('#be-name').fill('首善街道物业纠纷调解委员会（测试）');
	await pick(page, '#be-kind', '行业性专业性调解组织');
	await pick(page, '#be-trade', '物业纠纷');
	await shot(page, 'admin-mediation-new-body', testInfo);
	await dialog.locator('button[data-submit="body"]').click();
	await expect(dialog).toBeHidden();
	const bodies = await (await signIn('town1')).get('/mediation/bodies?limit=200');
	expect(bodies.items.find((b) => b.code === code)?.region).toBe(TOWN1);

	await page.goto(`${baseURL()}/admin/posts`);
	await expect(page.locator('[data-holder="townsec1"]')).toBeVisible();
	await expect(page.locator('[data-holder="townhead1"]')).toBeVisible();
	await expectAccessible(page, 'the posts page');
	await shot(page, 'admin-posts', testInfo);
});

test('the dashboard shows the dispute resolution rate', async ({ page }, testInfo) => {
	// One dispute resolved (its agreement performed), whatever ran before.
	const [village1, mediator2, county] = await Promise.all([signIn('village1'), signIn('mediator2'), signIn('county')]);
	const c = await village1.post('/cases', {
		kind: 'dispute',
		category: '1201',
		description: `${unique('相邻通风采光')}：两户相邻住宅因加盖遮挡采光发生纠纷`,
		grid: GRID1,
		parties: [
			{ role: 'applicant', name: '王五' },
			{ role: 'respondent', name: '赵六' },
		],
	});
	await village1.act(c.id, 'accept');
	await village1.act(c.id, 'assess', { risk: 'blue', tier: 'village' });
	const pool = await village1.get(`/mediation/mediators?region=${c.region}`);
	const lead = pool.items.find((m) => m.name === '调解员二');
	await village1.act(c.id, 'assign', { body: lead.body.id, mediator: lead.id });
	await mediator2.act(c.id, 'agree', { terms: '赵六拆除遮挡部分，王五不再追究' });
	await mediator2.act(c.id, 'perform', { note: '已拆除' });

	await signInUI(page, 'county');
	await page.goto(`${baseURL()}/dashboard/`);
	await expect(page.locator('[data-test="kpi-resolution-sub"]')).not.toHaveText('');
	const stats = await county.get('/stats/disputes');
	const pct = stats.resolution.percent === null ? '—' : `${new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 }).format(stats.resolution.percent)}%`;
	await expect(page.locator('[data-test="kpi-resolution-value"]')).toHaveText(pct);
	await expect(page.locator('[data-test="kpi-resolution-sub"]')).toHaveText(`化解 ${stats.resolved} / 排查 ${stats.found}`);
	await page.locator('[data-test="tab-disputes"]').click();
	expect(stats.resolved).toBeGreaterThanOrEqual(1);
	await expect(page.locator('[data-test="chart-disputes"]')).toBeVisible();
	await page.locator('[data-test="dispute-group-risk"]').click();
	await expectAccessible(page, 'the dashboard with the dispute chart');
	await shot(page, 'dashboard-disputes', testInfo);
});

test('a family dispute is called back from the phone', async ({ browser }, testInfo) => {
	// High risk: twice a week, by the county centre.
	const [village1, county] = await Promise.all([signIn('village1'), signIn('county')]);
	const c = await village1.post('/cases', {
		kind: 'dispute',
		category: '1102',
		description: `${unique('家暴苗头')}：丈夫酒后多次对妻子动手，妻子到村委会求助`,
		grid: GRID1,
		parties: [
			{ role: 'applicant', name: '孙丽', phone: '13612345678' },
			{ role: 'respondent', name: '周强' },
		],
	});
	await village1.act(c.id, 'accept');
	await village1.act(c.id, 'assess', { risk: 'red', tier: 'village', family_level: 'high' });
	const pool = await village1.get(`/mediation/mediators?region=${c.region}`);
	const lead = pool.items.find((m) => m.name === '调解员二');
	const before = await village1.act(c.id, 'assign', { body: lead.body.id, mediator: lead.id });
	expect(before.dispute.family.colour).toBe('red');

	const context = await phoneContext(browser);
	const page = await context.newPage();
	await page.goto(`${baseURL()}/m/callback/${c.id}`);
	await expect(page).toHaveURL(/\/m\/login/);
	await page.getByLabel('账号').fill('county');
	await page.getByLabel('密码').fill('Test#2026pass');
	await page.getByRole('button', { name: '登录' }).click();
	await expect(page).toHaveURL(new RegExp(`/m/callback/${c.id}$`));
	await expect(page.getByTestId('callback-colour')).toHaveText('红色预警');
	await expect(page.locator('.m-page')).toContainText('136****5678');
	await page.getByTestId('callback-note').locator('textarea').fill('电话回访孙丽，近一周未再发生冲突，已告知求助渠道');
	await expectAccessible(page, 'the call-back screen');
	await shot(page, 'phone-family-callback', testInfo);
	await page.getByTestId('callback-submit').click();
	await expect(page).toHaveURL(/\/m\/tasks/);

	const after = await county.get(`/cases/${c.id}`);
	expect(after.dispute.family.last_callback_at).toBeTruthy();
	expect(after.dispute.family.callback_due >= before.dispute.family.callback_due).toBe(true);
	const steps = (await county.get(`/cases/${c.id}/timeline`)).items.map((e) => e.action);
	expect(steps.at(-1)).toBe('family_visit');
	await context.close();
});

test('a petition is registered at the window, its grid found by name', async ({ page }, testInfo) => {
	const subject = unique('拖欠工资');
	const grid = await (await signIn('village1')).get(`/grids/${GRID1}`);
	await signInUI(page, 'village1', '/petitions/new');
	await page.locator('#pn-name').fill('赵六');
	await page.locator('#pn-phone').fill('13700137000');
	await pick(page, '#pn-category', '1401', { type: true });
	await page.locator('#pn-subject').fill(subject);
	await page.locator('#pn-description').fill(`${subject}：工地拖欠农民工工资三个月，多次讨要未果`);
	await page.locator('#pn-demands').fill('请求督促用工单位支付拖欠工资');
	// Part of the grid's name finds it among the village's grids.
	await page.locator('#pn-grid').click({ force: true });
	await page.locator('#pn-grid').fill(grid.name.slice(-4));
	await page.locator('.el-select-dropdown__item:visible', { hasText: GRID1 }).first().click();
	await expect(page.locator('.el-form-item', { has: page.locator('#pn-grid') })).toContainText(grid.name);
	await expectAccessible(page, 'the petition registration');
	await shot(page, 'petition-new', testInfo);
	await page.locator('button[data-submit="petition"]').click();
	const anyway = page.locator('button[data-submit="anyway"]');
	const done = page.locator('.el-result');
	await expect(done.or(anyway)).toBeVisible();
	if (await anyway.isVisible()) await anyway.click();
	await expect(done).toContainText('已登记信访件');

	const found = await (await signIn('village1')).get(`/cases?kind=petition&q=${encodeURIComponent(subject)}`);
	expect(found.items).toHaveLength(1);
	expect(found.items[0].grid).toBe(GRID1);
});

test('a grid worker registering a dispute starts at their own grid, shown by name', async ({ page }) => {
	const grid = await (await signIn('worker1')).get(`/grids/${GRID1}`);
	await signInUI(page, 'worker1', '/disputes/new');
	await expect(page.locator('.el-form-item', { has: page.locator('#dn-grid') })).toContainText(grid.name);
	await expect(page.locator('[data-located]')).toContainText(GRID1);
});
