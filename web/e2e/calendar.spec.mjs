// The console's holiday calendar (/admin/calendar) against the demo server:
// the system administrator picks February 2026, where the Spring Festival
// (春节, 15-23 February) shows as public holidays with the file's name and
// the swapped working Saturdays (14 and 28 February) as 调休上班; the page
// shows the office hours, which the system administrator may read.
import { test, expect } from '@playwright/test';
import { expectAccessible } from './lib/axe.mjs';
import { shot } from './lib/artifacts.mjs';
import { signInTo } from './lib/ui.mjs';

test('the holiday calendar shows the Spring Festival 2026 and its swapped working days', async ({ page }, testInfo) => {
	await signInTo(page, 'sysadmin', '/admin/calendar');
	await expect(page.getByRole('heading', { name: '节假日日历' })).toBeVisible();

	// Pick the month by typing it into the month picker.
	const picker = page.getByRole('combobox', { name: '月份' }).or(page.locator('.wg-hcal-picker input'));
	await picker.first().click();
	await picker.first().fill('2026-02');
	await picker.first().press('Enter');
	await page.locator('h1').click();
	await expect(page).toHaveURL(/month=2026-02/);
	await expect(page.locator('.wg-hcal-grid caption')).toHaveText('2026年2月');

	const day = (date) => page.locator(`td[data-date="${date}"]`);
	for (const date of ['2026-02-15', '2026-02-17', '2026-02-20', '2026-02-23']) {
		await expect(day(date)).toHaveClass(/is-holiday/);
		await expect(day(date)).toContainText('法定节假日');
		await expect(day(date).locator('.wg-hcal-note')).toHaveText('春节');
	}
	for (const date of ['2026-02-14', '2026-02-28']) {
		await expect(day(date)).toHaveClass(/is-swapped_workday/);
		await expect(day(date).locator('.wg-hcal-kind')).toHaveText('调休上班');
		await expect(day(date).locator('.wg-hcal-note')).toHaveText('春节调休上班');
	}
	await expect(day('2026-02-08')).toHaveClass(/is-weekend/);
	await expect(day('2026-02-08')).toContainText('休息日');
	await expect(day('2026-02-24')).toHaveClass(/is-workday/);
	await expect(page.locator('.wg-hcal-grid td.wg-hcal-day')).toHaveCount(28);
	await expect(page.getByText('本月工作日 16 天，休息日 12 天（其中法定节假日 9 天、调休上班 2 天）')).toBeVisible();
	await expect(page.getByText(/办公时间（工作日）：\d\d:\d\d-\d\d:\d\d/)).toBeVisible();
	await expect(page.locator('.el-alert--warning')).toHaveCount(0);

	await shot(page, 'console-admin-calendar', testInfo);
	await expectAccessible(page, 'the holiday calendar');
});

test('the system administrator edits a year: a new holiday shows at once', async ({ page }, testInfo) => {
	await signInTo(page, 'sysadmin', '/admin/calendar?month=2027-03');
	await expect(page.locator('.wg-hcal-grid caption')).toHaveText('2027年3月');
	const day = page.locator('td[data-date="2027-03-10"]');
	await expect(day).toHaveClass(/is-workday/);

	await page.getByRole('button', { name: '编辑2027年节假日' }).click();
	const dialog = page.getByRole('dialog', { name: '2027年节假日与调休' });
	await expect(dialog).toBeVisible();
	await expect(dialog.getByText('当前为数据文件 data/holidays/2027.json 的安排。')).toBeVisible();
	const rows = dialog.locator('fieldset').first().locator('.wg-hed-row');
	await expect(rows).toHaveCount(7);
	await dialog.getByRole('button', { name: '添加假期' }).click();
	const row = rows.nth(7);
	await row.locator('input').first().fill('测试假日');
	for (const i of [1, 2]) {
		const input = row.locator('input').nth(i);
		await input.click();
		await input.fill('2027-03-10');
		await input.press('Enter');
	}
	await dialog.locator('legend').first().click();
	await shot(page, 'console-admin-calendar-edit', testInfo);
	await expectAccessible(page, 'the holiday editor');

	// A broken rule is named on its row and nothing is saved.
	const bad = dialog.locator('fieldset').nth(1);
	await bad.getByRole('button', { name: '添加调休上班日' }).click();
	const wd = bad.locator('.wg-hed-row').last().locator('input').first();
	await wd.click();
	await wd.fill('2027-03-03');
	await wd.press('Enter');
	await dialog.locator('legend').first().click();
	await dialog.getByRole('button', { name: '保存' }).click();
	await expect(bad.locator('.wg-hed-error')).toBeVisible();
	await bad.locator('.wg-hed-row').last().getByRole('button').click();

	await dialog.getByRole('button', { name: '保存' }).click();
	await expect(dialog).toBeHidden();
	await expect(day).toHaveClass(/is-holiday/);
	await expect(day.locator('.wg-hcal-note')).toHaveText('测试假日');
});
