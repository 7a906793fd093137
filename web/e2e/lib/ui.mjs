// What the browser specs share when they drive the pages: a text no other
// test run uses, a tiny PNG to upload, signing in through the console's
// form, choosing an option of an Element Plus select, taking a case action
// through the case page's dialog (and uploading a file in it), and a
// phone-sized browser context.
import { expect } from '@playwright/test';
import { baseURL, PASSWORD } from './api.mjs';

/** A 1×1 PNG: a photo or a scanned document to upload. */
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
	'base64',
);

/** `what` followed by something this run alone has. */
export function unique(what) {
	return `${what}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** Fill in the console's sign-in form as username and send it; `next`: where it leads after. */
async function submitSignIn(page, username, next) {
	await page.goto(`${baseURL()}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
	await page.locator('#login-username').fill(username);
	await page.locator('#login-password').fill(PASSWORD);
	await page.locator('button[type=submit]').click();
}

/** Sign in through the console's sign-in page (then to `next`, if given) and leave it. */
export async function signInUI(page, username, next = '') {
	await submitSignIn(page, username, next);
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Sign in through the console's sign-in page and land on `path`. */
export async function signInTo(page, username, path) {
	await submitSignIn(page, username, path);
	await page.waitForURL((u) => u.pathname === path.split('?')[0], { timeout: 15_000 });
}

/** Choose an option of an Element Plus select by its text; `type` types it first (a filterable select). */
export async function pickOption(page, selector, text, { type = false } = {}) {
	// The select's placeholder lies over its input: click through it.
	await page.locator(selector).click({ force: true });
	if (type) await page.locator(selector).fill(text);
	await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

/**
 * Open the dialog of a case's action, let fill() complete its form, submit
 * it, wait for the new state's tag (if `state`) and the step in the
 * timeline: the only one of its action when `once`.
 */
export async function act(page, action, fill, state, { once = false } = {}) {
	await page.locator(`.actions button[data-action="${action}"]`).click();
	const dialog = page.locator('.el-dialog');
	await expect(dialog).toBeVisible();
	if (fill) await fill(dialog);
	await dialog.locator('button[data-submit="action"]').click();
	await expect(dialog).toBeHidden();
	if (state) await expect(page.locator('.head .case-tags .el-tag').first()).toHaveText(state);
	const steps = page.locator(`.timeline .ev[data-action="${action}"]`);
	if (once) await expect(steps).toHaveCount(1);
	else await expect(steps.last()).toBeVisible();
}

/** Upload PNG as `name` through the file input of `scope` (an action's dialog) and wait until it went through. */
export async function attachPNG(scope, name) {
	await scope.locator('input[type=file]').setInputFiles({ name, mimeType: 'image/png', buffer: PNG });
	await expect(scope.locator('.el-upload-list__item.is-success')).toHaveCount(1);
}

/** A phone's browser context: 390×844, touch, Chinese, Beijing time; `extra` adds options. */
export function phoneContext(browser, extra = {}) {
	return browser.newContext({
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
		locale: 'zh-CN',
		timezoneId: 'Asia/Shanghai',
		...extra,
	});
}
