// What every console page shares: the API client (cookie session kept in
// sessionStorage under 'wg.console'), the message tables, the signed-in
// user, and read-once caches of the flow, categories and departments.
// A 401 anywhere sends the browser to the sign-in page with `next` set, by a
// full navigation, so every module re-reads the (now empty) session.
import { reactive, ref } from 'vue';
import { createApi, ApiError, newKey } from '@shared/api.js';
import { createI18n, label, locale, formatDateTime } from '@shared/i18n.js';
import messages from '../messages.js';

export { ApiError, newKey, label, locale, formatDateTime };

export const api = createApi({
	mode: 'cookie',
	storage: sessionStorage,
	key: 'wg.console',
	onUnauthorized: () => {
		if (location.pathname === '/login') return;
		const next = location.pathname + location.search;
		location.assign(`/login?next=${encodeURIComponent(next)}`);
	},
});

export const { t, isZh } = createI18n(messages);

/** One field error of a 422 or 409 ({field, code, message}) in the
 * interface's language: Chinese words for the codes the server uses, its
 * own (English) message otherwise. */
export function fieldText(x) {
	if (isZh.value && x?.code) {
		const word = t(`fieldCodes.${x.code}`);
		if (word !== `fieldCodes.${x.code}`) return word;
	}
	return x?.message || x?.code || '';
}

/** The signed-in user ({id, name, roles, region, ...}) or null. */
export const user = ref(api.session()?.user || null);

export function hasRole(...roles) {
	const mine = user.value?.roles || [];
	return roles.some((r) => mine.includes(r));
}

/** Bumped by the live event stream; lists watch it to refresh. */
export const live = reactive({ tick: 0, unread: [], connected: false });

/** A user-facing message for an API failure. */
export function errorText(e) {
	if (e?.offline) return t('common.offline');
	if (e?.status === 403) return t('common.forbidden');
	if (e?.status === 404) return t('common.notFound');
	return t('common.error', { msg: e?.message || String(e) });
}

const flows = new Map();
/**
 * The flow of a kind (`event` by default, `dispute`, `petition`), read once:
 * {raw, stateList, actionList, states: Map name→state, actions: Map
 * name→action}. Rejects (and is asked again next call) on failure.
 */
export function loadFlow(kind = 'event') {
	if (!flows.has(kind))
		flows.set(
			kind,
			api.get(`/flows/${kind}`).then(
				(f) => ({
					raw: f,
					stateList: f.states,
					actionList: f.actions,
					states: new Map(f.states.map((s) => [s.name, s])),
					actions: new Map(f.actions.map((a) => [a.name, a])),
				}),
				(e) => {
					flows.delete(kind);
					throw e;
				},
			),
		);
	return flows.get(kind);
}

/** The kind of a case by its number's prefix (SJ event, JF dispute, XF petition). */
export function kindOfNumber(number) {
	return { JF: 'dispute', XF: 'petition' }[String(number || '').slice(0, 2)] || 'event';
}

/** The console's page of a case of a kind. */
export function casePath(kind, id) {
	return `/${{ dispute: 'disputes', petition: 'petitions' }[kind] || 'cases'}/${id}`;
}

let categoriesPromise = null;
/** The category tree of GET /categories (all kinds), read once. */
export function loadCategories() {
	if (!categoriesPromise)
		categoriesPromise = api.get('/categories').then(
			(r) => r.items || [],
			(e) => {
				categoriesPromise = null;
				throw e;
			},
		);
	return categoriesPromise;
}

/** A category's name (a node of the tree of GET /categories) in the chosen language. */
export function catLabel(c) {
	return locale.value === 'en' ? c.name_en || c.name : c.name;
}

/** The display name of a category in the chosen language, from the tree. */
export function categoryName(tree, code) {
	for (const major of tree || []) {
		if (major.code === code) return catLabel(major);
		for (const minor of major.children || []) if (minor.code === code) return catLabel(minor);
	}
	return code;
}

/**
 * Every item of a cursor-paged list, following next_cursor up to maxPages
 * pages of `limit`. Returns {items, total, complete}: complete is false when
 * the page limit stopped it before the end.
 */
export async function fetchAll(path, query = {}, { limit = 200, maxPages = 100 } = {}) {
	const items = [];
	let cursor;
	let total;
	for (let page = 0; page < maxPages; page++) {
		const r = await api.get(path, { ...query, limit, cursor });
		items.push(...(r.items || []));
		if (total === undefined && r.total !== undefined) total = r.total;
		if (!r.next_cursor) return { items, total: total ?? items.length, complete: true };
		cursor = r.next_cursor;
	}
	return { items, total: total ?? items.length, complete: false };
}

/** The items of every page of a list (fetchAll's items). */
export async function fetchEvery(path, query = {}) {
	return (await fetchAll(path, query)).items;
}

let departmentsPromise = null;
/** Every department the caller may see (all pages of GET /departments), read once. */
export function loadDepartments() {
	if (!departmentsPromise)
		departmentsPromise = fetchEvery('/departments').catch((e) => {
			departmentsPromise = null;
			throw e;
		});
	return departmentsPromise;
}

/** The name of a department in the chosen language. */
export function departmentName(d) {
	if (!d) return '';
	return locale.value === 'en' ? d.name_en || d.name : d.name;
}

/** A state's label from the flow, falling back to the case's own label. */
export function stateLabel(flow, name, fallback) {
	const s = flow?.states.get(name);
	return s ? label(s) : fallback || name || '';
}

/** The label of an action of the flow. */
export function actionLabel(flow, name, fallback) {
	const a = flow?.actions.get(name);
	return a ? label(a) : fallback || name || '';
}

/** Label of a field of an action: the console's table, else the name. */
export function fieldLabel(name) {
	const s = t(`field.${name}`);
	return s === `field.${name}` ? name : s;
}

/** Label of an enum value of a field. */
export function enumLabel(field, value) {
	const s = t(`enum.${field}.${value}`);
	return s === `enum.${field}.${value}` ? value : s;
}

/** A Date as RFC 3339 in Beijing time ("2026-11-24T09:30:00+08:00"), as the API wants times. */
export function rfc3339Beijing(d) {
	const ms = d.getTime() + 8 * 3600 * 1000;
	const x = new Date(ms);
	const p = (n) => String(n).padStart(2, '0');
	return `${x.getUTCFullYear()}-${p(x.getUTCMonth() + 1)}-${p(x.getUTCDate())}T${p(x.getUTCHours())}:${p(
		x.getUTCMinutes(),
	)}:${p(x.getUTCSeconds())}+08:00`;
}
