// The catalogue's admin screens in Chromium: the system administrator
// changes a category's deadline (a value out of range refused at the field,
// a stale version reloaded, the unit changed, the default restored) and a
// department's duty list (added and removed counted before saving, a
// refused entry marked at its checkbox, a stale version reloaded keeping
// the ticks, the default restored); a town's centre operator picks post
// holders and mediators from GET /users/pick, with the accounts that cannot
// serve the region greyed out. Each test puts back what it changed, so the
// other specs on the same server see the demo's catalogue. axe on each
// screen, screenshots of each.
import { test, expect } from '@playwright/test';
import { signIn, baseURL, TOWN1 } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot, shotDialog } from './lib/artifacts.mjs';
import { signInTo } from './lib/ui.mjs';

const CATEGORY = '0705'; // 假冒伪劣商品, 5 working days in categories.json
const DEPT = '610326103-water'; // 汤峪镇水利站

/** A request of the API as `client` (a signIn() result) that may fail: {status, body}. */
async function raw(client, method, path, body, ifMatch) {
	const res = await fetch(`${baseURL()}/api/v1${path}`, {
		method,
		headers: {
			Authorization: `Bearer ${client.token}`,
			'Content-Type': 'application/json',
			...(ifMatch !== undefined ? { 'If-Match': `"${ifMatch}"` } : {}),
		},
		body: JSON.stringify(body),
	});
	return { status: res.status, body: await res.json() };
}

/** Wait until Element's toasts are gone (they fade, and axe would catch them half-way). */
async function calm(page) {
	await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 10_000 });
}

test('the system administrator changes and restores a category deadline', async ({ page }, testInfo) => {
	const admin = await signIn('sysadmin');
	const start = await admin.get(`/categories/${CATEGORY}`);
	if (start.deadline_edited_at) await raw(admin, 'PATCH', `/categories/${CATEGORY}`, { deadline: null });

	await signInTo(page, 'sysadmin', '/admin/categories');
	await expect(page.locator('[data-category="0101"]')).toBeVisible();
	// The major 07 alone, so that the page (and its screenshots) stay short.
	await page.locator('#cat-q').fill('07');
	await expect(page.locator('[data-category="0101"]')).toHaveCount(0);
	const row = page.locator('.el-table__row', { has: page.locator(`[data-category="${CATEGORY}"]`) });
	await expect(row.locator('[data-test="deadline"]')).toHaveText('5 个工作日');
	await expect(row.locator('[data-test="edited"]')).toHaveCount(0);

	// Out of range: the server's 422 at the field.
	await page.locator(`[data-edit-category="${CATEGORY}"]`).click();
	const dialog = page.locator('.el-dialog:visible');
	await expect(dialog).toContainText('假冒伪劣商品');
	await expect(dialog.locator('[data-test="dialog-default"]')).toHaveText('5 个工作日');
	await page.locator('#cat-deadline').fill('400');
	await dialog.locator('[data-submit="category"]').click();
	await expect(dialog.locator('.el-form-item__error')).toHaveText('工作日须在 1–365 之间');
	await expectAccessible(page, 'the deadline dialog with a field error');
	await shotDialog(page, 'admin-category-dialog', testInfo);

	await page.locator('#cat-deadline').fill('7');
	await dialog.locator('[data-submit="category"]').click();
	await expect(dialog).toBeHidden();
	await expect(row.locator('[data-test="deadline"]')).toHaveText('7 个工作日');
	await expect(row.locator('[data-test="edited"]')).toHaveText('已调整');
	await expect(row.locator('[data-test="default"]')).toHaveText('5 个工作日');
	await expect(row.locator('[data-test="edited-at"]')).not.toHaveText('');
	let c = await admin.get(`/categories/${CATEGORY}`);
	expect(c.deadline).toEqual({ working_days: 7 });
	expect(c.deadline_edited_at).toBeTruthy();

	// Someone else saves meanwhile: 409, reload, then save in hours.
	await page.locator(`[data-edit-category="${CATEGORY}"]`).click();
	await expect(dialog).toBeVisible();
	expect((await raw(admin, 'PATCH', `/categories/${CATEGORY}`, { deadline: 8 }, c.version)).status).toBe(200);
	await page.locator('#cat-deadline').fill('9');
	await dialog.locator('[data-submit="category"]').click();
	await expect(dialog.locator('.el-alert--warning')).toContainText('该类别已被他人修改');
	await dialog.locator('[data-reload="category"]').click();
	await expect(dialog.locator('[data-test="dialog-current"]')).toContainText('8 个工作日');
	await expect(page.locator('#cat-deadline')).toHaveValue('8');
	await page.locator('#cat-deadline').fill('48');
	await dialog.locator('[data-unit="working_hours"]').click();
	await dialog.locator('[data-submit="category"]').click();
	await expect(dialog).toBeHidden();
	await expect(row.locator('[data-test="deadline"]')).toHaveText('48 个工作小时');
	c = await admin.get(`/categories/${CATEGORY}`);
	expect(c.deadline).toEqual({ working_hours: 48 });

	// The edited ones alone; then the major 07 again, with the mark.
	await page.locator('[data-filter="edited"]').click();
	await expect(page.locator(`[data-category="${CATEGORY}"]`)).toBeVisible();
	await expect(page.locator('[data-category="0701"]')).toHaveCount(0);
	await page.locator('[data-filter="edited"]').click();
	await expect(page.locator('[data-category="0701"]')).toBeVisible();
	await calm(page);
	await expectAccessible(page, 'the category deadlines');
	await shot(page, 'admin-categories', testInfo);

	// Back to the file's value.
	await page.locator(`[data-restore-category="${CATEGORY}"]`).click();
	const box = page.locator('.el-message-box');
	await expect(box).toContainText('5 个工作日');
	await box.locator('.el-button--primary').click();
	await expect(row.locator('[data-test="deadline"]')).toHaveText('5 个工作日');
	await expect(row.locator('[data-test="edited"]')).toHaveCount(0);
	c = await admin.get(`/categories/${CATEGORY}`);
	expect(c.deadline).toEqual({ working_days: 5 });
	expect(c.deadline_edited_at).toBeNull();
});

test("the system administrator edits and restores a department's duty list", async ({ page }, testInfo) => {
	const admin = await signIn('sysadmin');
	let start = await admin.get(`/departments/${DEPT}`);
	if (start.duties_edited_at) {
		await raw(admin, 'PUT', `/departments/${DEPT}/duties`, { categories: null });
		start = await admin.get(`/departments/${DEPT}`);
	}
	const defaults = start.default_duties;
	expect(defaults).toContain('0108');
	expect(defaults).not.toContain('0402');

	await signInTo(page, 'sysadmin', '/admin/departments');
	await page.locator('#dep-region').fill('610326103000');
	await page.locator('#dep-q').fill('水利站');
	await page.locator('button[type=submit]').click();
	await page.locator(`[data-duties="${DEPT}"]`).click();
	const dialog = page.locator('.el-dialog:visible');
	await expect(dialog.locator('[data-test="duty-state"]')).toHaveText(`当前为默认清单（${defaults.length} 项）`);
	await expect(dialog.locator('[data-test="duty-selected"]')).toHaveText(`已选 ${defaults.length} 项`);

	// One removed, one added (found by its code), one added and undone.
	await dialog.locator('[data-duty="0108"]').click();
	await page.locator('#duty-q').fill('040');
	await dialog.locator('[data-duty="0402"]').click();
	await dialog.locator('[data-duty="0401"]').click();
	await expect(dialog.locator('[data-test="duty-added"]')).toHaveText('新增 2 项');
	await dialog.locator('[data-change-added="0401"] .el-tag__close').click();
	await expect(dialog.locator('[data-test="duty-added"]')).toHaveText('新增 1 项');
	await expect(dialog.locator('[data-test="duty-removed"]')).toHaveText('移除 1 项');
	await expect(dialog.locator('[data-change-added="0402"]')).toBeVisible();
	await expect(dialog.locator('[data-change-removed="0108"]')).toBeVisible();
	await page.locator('#duty-q').fill('');
	await expectAccessible(page, 'the duty list dialog');
	await shotDialog(page, 'admin-duties-dialog', testInfo);

	// An entry the server refuses is marked at its checkbox (the answer made
	// up here: the console only offers codes that exist).
	const sent = [...defaults.filter((c) => c !== '0108'), '0402'].sort();
	await page.route(`**/api/v1/departments/${DEPT}/duties`, (route) =>
		route.fulfill({
			status: 422,
			contentType: 'application/problem+json',
			body: JSON.stringify({
				type: '/errors/validation',
				title: 'Unprocessable Content',
				status: 422,
				errors: [{ field: 'categories[1]', code: 'not_found', message: `${sent[1]} is not a minor category` }],
			}),
		}),
	);
	await dialog.locator('[data-submit="duties"]').click();
	await expect(dialog.locator(`[data-entry-error="${sent[1]}"]`)).toHaveText('没有这个小类');
	await expect(dialog.locator('.el-alert--error')).toContainText(`${sent[1]}`);
	await page.unroute(`**/api/v1/departments/${DEPT}/duties`);

	// Someone else saves meanwhile (adding 0303): reload keeps the ticks and counts again.
	const other = [...defaults, '0303'];
	expect((await raw(admin, 'PUT', `/departments/${DEPT}/duties`, { categories: other }, start.version)).status).toBe(200);
	await dialog.locator('[data-submit="duties"]').click();
	await expect(dialog.locator('.el-alert--warning')).toContainText('该部门已被他人修改');
	await dialog.locator('[data-reload="duties"]').click();
	await expect(dialog.locator('[data-test="duty-removed"]')).toHaveText('移除 2 项');
	await expect(dialog.locator('[data-change-removed="0303"]')).toBeVisible();
	await dialog.locator('[data-duty="0303"]').click();
	await expect(dialog.locator('[data-test="duty-removed"]')).toHaveText('移除 1 项');
	await dialog.locator('[data-submit="duties"]').click();
	await expect(dialog).toBeHidden();
	await expect(page.locator(`[data-duties-edited="${DEPT}"]`)).toHaveText('已调整');
	await expect(page.locator(`[data-duty-count="${DEPT}"]`)).toHaveText(`${defaults.length + 1} 项`);
	let d = await admin.get(`/departments/${DEPT}`);
	expect(d.duties).toEqual([...sent, '0303'].sort());
	expect(d.duties_edited_at).toBeTruthy();
	await calm(page);
	await expectAccessible(page, 'the departments with an edited duty list');
	await shot(page, 'admin-departments', testInfo);

	// Back to the default: the confirmation says what it adds and removes.
	await page.locator(`[data-duties="${DEPT}"]`).click();
	await expect(dialog.locator('[data-test="duty-state"]')).toContainText('已于');
	await dialog.locator('[data-restore="duties"]').click();
	const box = page.locator('.el-message-box');
	await expect(box).toContainText('新增 1 项、移除 2 项');
	await box.locator('.el-button--primary').click();
	await expect(dialog).toBeHidden();
	await expect(page.locator(`[data-duties-edited="${DEPT}"]`)).toHaveCount(0);
	d = await admin.get(`/departments/${DEPT}`);
	expect(d.duties).toEqual([...defaults].sort());
	expect(d.duties_edited_at).toBeNull();
});

test('a town operator picks post holders and mediators among the accounts that fit', async ({ page }, testInfo) => {
	await signInTo(page, 'town1', '/admin/posts');
	await expect(page.locator('[data-holder="townsec1"]')).toBeVisible();
	await page.locator('[data-edit="posts"]').click();
	const dialog = page.locator('.el-dialog:visible');
	await dialog.getByRole('button', { name: '添加一行' }).click();
	const input = dialog.locator('[data-post-row] input[role=combobox][id^="pe-user-"]').last();
	await input.click({ force: true });

	// Opened empty: the town's own accounts that may hold its posts.
	const pop = page.locator('.el-select__popper.wg-account-pop:visible');
	await expect(pop).toContainText('可选：首善街道或其上级区划的账号');
	await expect(pop.locator('[data-account="townsec1"]')).toBeVisible();
	await expect(pop.locator('[data-account="town1"]')).toBeVisible();
	await expect(pop.locator('[data-out-of-reach]')).toHaveCount(0);
	await expect(pop.locator('[data-account="worker1"]')).toHaveCount(0);
	await expect(pop).toContainText('首善街道可担任的账号，含上级区划的');
	await shotDialog(page, 'admin-posts-picker-open', testInfo);

	// Typed: the whole area, a village's account greyed out with the reason.
	await input.fill('综治');
	const village = pop.locator('.el-select-dropdown__item', { has: page.locator('[data-account="village1"]') });
	await expect(village).toHaveClass(/is-disabled/);
	await expect(village).toContainText('不含首善街道');
	const town = pop.locator('.el-select-dropdown__item', { has: page.locator('[data-account="town1"]') });
	await expect(town).not.toHaveClass(/is-disabled/);
	await expectAccessible(page, 'the account picker of the posts');
	await shotDialog(page, 'admin-posts-picker', testInfo);
	await town.click();
	await expect(dialog.locator('[data-post-row]').last()).toContainText('镇综治中心一（town1）');
	await dialog.getByRole('button', { name: '取消' }).click();
	await expect(dialog).toBeHidden();

	// A mediator of the town's committee: mediators of the town only.
	await page.goto(`${baseURL()}/admin/mediation`);
	await page.locator(`[data-body-row="tc-${TOWN1}"]`).click();
	await page.locator('[data-create="mediator"]').click();
	await page.locator('#me-user').click({ force: true });
	await expect(pop.locator('[data-account="mediator2"]')).toBeVisible();
	for (const role of await pop.locator('.el-select-dropdown__item .roles').allTextContents()) expect(role).toContain('调解员');
	await pop.locator('.el-select-dropdown__item', { has: page.locator('[data-account="mediator2"]') }).click();
	// mediator2 serves this committee already: refused (409), in words.
	const medDialog = page.getByRole('dialog', { name: '添加调解员' });
	await medDialog.locator('#me-name').fill('调解员乙');
	await medDialog.locator('[data-submit="mediator"]').click();
	await expect(medDialog.locator('.el-form-item__error')).toHaveText('与已有记录重复或冲突');
	await medDialog.getByRole('button', { name: '取消' }).click();
	// The account shows by name in the list, and by name in the picker of
	// the edit dialog, never as a bare id.
	const linked = page.locator('[data-mediator-account="mediator2"]');
	await expect(linked).toBeVisible();
	await expect(linked).not.toHaveText(/^\d+$|#/);
	const mediatorRow = page.locator('.mediators tr', { has: linked });
	await mediatorRow.getByRole('button', { name: /^编辑 / }).click();
	const editDialog = page.getByRole('dialog', { name: '编辑调解员' });
	await expect(editDialog.locator('.account-picker')).toContainText('（mediator2）');
	await shotDialog(page, 'admin-mediator-account', testInfo);
	await editDialog.getByRole('button', { name: '取消' }).click();
});
