// The console's map, base-data, admin and audit pages against the demo
// server: the map draws every grid the API has for the region (one SVG path
// per GeoJSON feature) and a click opens the grid's panel; residents are
// listed masked and unmasked one at a time with a reason, which the auditor
// then finds in the audit trail; the system administrator creates a user;
// the security administrator is refused a combination of admin powers.
import { test, expect } from '@playwright/test';
import { baseURL, signIn, COUNTY, GRID1, TOWN1 } from './lib/api.mjs';
import { expectAccessible } from './lib/axe.mjs';
import { shot } from './lib/artifacts.mjs';
import { signInTo as signInUi } from './lib/ui.mjs';

const overlayPaths = (page) => page.locator('.leaflet-overlay-pane path');

test('the map shows every grid of the county and a click opens its panel', async ({ page }, testInfo) => {
	const county = await signIn('county');
	const gj = await county.get(`/grids.geojson?region=${COUNTY}`);
	expect(gj.features.length).toBeGreaterThan(0);

	await signInUi(page, 'county', '/map');
	await expect(overlayPaths(page)).toHaveCount(gj.features.length, { timeout: 20_000 });
	await expect(page.getByText(/无未结事项/)).toBeVisible();
	await shot(page, 'console-map-county', testInfo);
	await expectAccessible(page, 'the grid map');

	// Leaflet adds the features in order: path i is feature i.
	const feature = gj.features[0];
	await overlayPaths(page).nth(0).click({ force: true });
	const panel = page.locator('.wg-map-panel');
	await expect(panel.getByRole('heading', { name: feature.properties.name })).toBeVisible();
	await expect(panel).toContainText(feature.properties.code);
	await expect(panel).toContainText('网格员');
	await expect(panel).toContainText('实有人口');
});

test('the map of a town shows its grids', async ({ page }, testInfo) => {
	const town = await signIn('town1');
	const gj = await town.get(`/grids.geojson?region=${TOWN1}`);
	await signInUi(page, 'town1', '/map');
	await expect(overlayPaths(page)).toHaveCount(gj.features.length, { timeout: 20_000 });
	expect(gj.features.length).toBeLessThan((await town.get('/grids.geojson')).features.length + 1);
	await shot(page, 'console-map-town1', testInfo);

	// Drilling into a village narrows the map to that village's grids.
	const villages = await town.get(`/regions?parent=${TOWN1}`);
	const village = villages.items[0];
	const vg = await town.get(`/grids.geojson?region=${village.code}`);
	await page.locator('.wg-map-children').click();
	await page.getByRole('option', { name: village.name, exact: true }).click();
	await expect(overlayPaths(page)).toHaveCount(vg.features.length, { timeout: 20_000 });
});

test('residents are masked; unmasking takes a reason, shows the numbers and is audited', async ({ page, browser }, testInfo) => {
	await signInUi(page, 'county', '/basedata/residents');
	const firstId = page.locator('.el-table__body tr').first().locator('[data-field="id_number"]');
	await expect(firstId).toHaveText(/^\d{3}\*+[\dX]{4}$/);
	await expectAccessible(page, 'the residents list');

	const reason = `e2e 核实身份 ${Date.now()}`;
	await page.getByRole('button', { name: '查看完整号码' }).first().click();
	// A reason too short is refused at the field, nothing is asked of the server.
	await page.getByLabel('查看事由').fill('x');
	await page.getByRole('button', { name: '确定' }).click();
	await expect(page.locator('.el-dialog .el-form-item__error')).toBeVisible();
	await page.getByLabel('查看事由').fill(reason);
	await page.getByRole('button', { name: '确定' }).click();
	await expect(firstId).toHaveText(/^\d{17}[\dX]$/);
	await expect(page.getByText('已显示完整号码').first()).toBeVisible();
	// The next row stays masked.
	await expect(page.locator('.el-table__body tr').nth(1).locator('[data-field="id_number"]')).toHaveText(/\*/);
	await shot(page, 'console-residents-unmasked', testInfo);

	const auditor = await signIn('auditor');
	const rows = await auditor.get('/audit?action=resident.unmask');
	expect(rows.items.some((r) => r.detail?.reason === reason)).toBe(true);

	const ctx = await browser.newContext();
	const ap = await ctx.newPage();
	await signInUi(ap, 'auditor', '/audit');
	await ap.locator('#audit-action').fill('resident.unmask');
	await ap.getByRole('button', { name: '查询' }).click();
	await expect(ap.locator('.el-table__body')).toContainText(reason);
	await ap.getByRole('button', { name: '校验哈希链' }).click();
	await expect(ap.locator('[data-test="audit-verdict"]')).toContainText('哈希链完整');
	await shot(ap, 'console-audit', testInfo);
	await expectAccessible(ap, 'the audit trail');
	await ctx.close();
});

test('the system administrator creates a user; combined admin powers are refused', async ({ page, browser }, testInfo) => {
	await signInUi(page, 'sysadmin', '/admin/users');
	await expect(page.locator('.el-table__body tr').first()).toBeVisible();
	await expectAccessible(page, 'the users page');
	await shot(page, 'console-users', testInfo);

	const username = `e2e_user_${Date.now() % 1e8}`;
	await page.getByRole('button', { name: '新建用户' }).click();
	await page.locator('#user-username').fill('Not A Username!');
	await page.locator('#user-name').fill('端到端测试');
	// The region is picked by name, from the administrator's own county; its
	// text box is named by the field's label, not by its placeholder.
	await expect(page.locator('.el-dialog').getByRole('combobox', { name: '所属区划', exact: true })).toBeVisible();
	const regionField = page.locator('.el-dialog .el-form-item', { hasText: '所属区划' }).locator('.el-cascader');
	await regionField.click();
	await page.locator('.el-cascader-node:visible', { hasText: '眉县' }).first().locator('.el-radio').click();
	await page.locator('.el-dialog .el-dialog__title').click();
	await page.getByRole('button', { name: '保存' }).click();
	// The server's field error is shown at the field.
	await expect(page.locator('.el-form-item.is-error').filter({ has: page.locator('#user-username') })).toBeVisible();
	await page.locator('#user-username').fill(username);
	// The department is picked by name.
	await page.locator('#user-department').click({ force: true });
	await page.locator('#user-department').fill('公安');
	await page.locator('.el-select-dropdown__item:visible', { hasText: '610326-police' }).first().click();
	await shot(page, 'console-user-new', testInfo);
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByText(/初始密码（仅显示一次）/)).toBeVisible();
	await page.getByRole('button', { name: /OK|确定|确认/ }).click();
	const sys = await signIn('sysadmin');
	const found = await sys.get(`/users?q=${username}`);
	expect(found.items.map((u) => u.username)).toContain(username);
	const made = found.items.find((u) => u.username === username);
	expect([made.region, made.department]).toEqual([COUNTY, '610326-police']);
	// An account's region is shown by name when it is edited.
	await page.locator('.el-table__body tr', { hasText: 'town1' }).first().getByRole('button', { name: '编辑' }).click();
	await expect(regionField.locator('input')).toHaveValue('首善街道');
	await page.getByRole('button', { name: '取消' }).click();

	// Settings: the page lists the live settings with their ranges.
	await page.goto(`${baseURL()}/admin/settings`);
	await expect(page.locator('.el-table__body')).toContainText('cases.accept_hours');
	await shot(page, 'console-settings', testInfo);

	// The security administrator may not give one account two admin powers.
	const ctx = await browser.newContext();
	const sp = await ctx.newPage();
	await signInUi(sp, 'secadmin', '/admin/users');
	await sp.locator('#users-q').fill(username);
	await sp.getByRole('button', { name: '查询' }).click();
	await expect(sp.locator('.el-table__body tr')).toHaveCount(1);
	await sp.getByRole('button', { name: '角色' }).first().click();
	const dlg = sp.locator('.el-dialog').filter({ hasText: '设置角色' });
	await dlg.getByText('系统管理员', { exact: true }).click();
	await dlg.getByText('审计员', { exact: true }).click();
	await dlg.getByRole('button', { name: '保存' }).click();
	await expect(dlg.locator('.el-form-item__error')).toContainText('三权分立');
	await ctx.close();
});

test('base data is filtered by a grid picked by name, and a new record starts in it', async ({ page }, testInfo) => {
	const village1 = await signIn('village1');
	const grid = await village1.get(`/grids/${GRID1}`);
	await village1.post('/houses', { address: `东关街${Date.now() % 1e6}号`, grid: GRID1 });
	await signInUi(page, 'village1', '/basedata/houses');
	await page.locator('#bd-grid').click({ force: true });
	await page.locator('#bd-grid').fill(grid.name);
	await page.locator('.el-select-dropdown__item:visible', { hasText: GRID1 }).first().click();
	await page.getByRole('button', { name: '查询' }).click();
	// Every house listed is in that grid, shown by its name and its village's.
	const village = await village1.get(`/regions/${grid.region}`);
	const rows = page.locator('.el-table__body tr');
	await expect(rows.first()).toContainText(grid.name);
	for (const text of await rows.allTextContents()) {
		expect(text).toContain(grid.name);
		expect(text).toContain(village.name);
		expect(text).not.toContain(GRID1);
	}
	await expectAccessible(page, 'the houses list filtered by grid');
	await shot(page, 'console-basedata-by-grid', testInfo);
	// The new record's grid is the filter's, shown by its name.
	await page.getByRole('button', { name: '新建' }).click();
	const field = page.locator('.el-dialog .el-form-item', { has: page.locator('#bd-edit-grid') });
	await expect(field).toContainText(grid.name);
	await shot(page, 'console-basedata-new-in-grid', testInfo);
});
