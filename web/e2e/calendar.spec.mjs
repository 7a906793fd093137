// The console's holiday calendar (/admin/calendar) against the demo server:
// the system administrator picks February 2026, where the Spring Festival
// (春节, 15-23 February) shows as public holidays with the file's name and
// the swapped working Saturdays (14 and 28 February) as 调休上班; the page
// shows the office hours, which the system administrator may read.
import { test, expect } from '@playwright/test';
import { baseURL, PASSWORD } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot } from './lib/artifacts.mjs';

test('the holiday calendar shows the Spring Festival 2026 and its swapped working days', async ({ page }, testInfo) => {
	await page.goto(`${baseURL()}/login?next=${encodeURIComponent('/admin/calendar')}`);
	await page.locator('#login-username').fill('sysadmin');
	await page.locator('#login-password').fill(PASSWORD);
	await page.locator('button[type=submit]').click();
	await page.waitForURL((u) => u.pathname === '/admin/calendar', { timeout: 15_000 });
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
