// What every screen of the phone app shares: the API client (the phone keeps
// its bearer token in localStorage, so a worker stays signed in between
// visits to the field), the texts, who is signed in, whether the phone is
// online, and the reference data a report needs (categories, the event flow),
// which is kept on the phone so that a report can be written without network.
import { reactive, ref } from 'vue';
import { createApi } from '@shared/api.js';
import { createI18n, locale, setLocale } from '@shared/i18n.js';
import { Locale, showNotify, showToast } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';
import { zh, en } from './messages.js';

const STORAGE_KEY = 'wg.mobile';
const CACHE_PREFIX = 'wg.mobile.cache.';

export const { t, isZh } = createI18n({ zh, en });
export { locale };

let onUnauthorized = () => {};
/** Called when the server says the session is gone (set by the router). */
export function whenUnauthorized(fn) {
	onUnauthorized = fn;
}

export const api = createApi({
	mode: 'bearer',
	storage: localStorage,
	key: STORAGE_KEY,
	onUnauthorized: (e) => {
		auth.user = null;
		auth.state = null;
		onUnauthorized(e);
	},
});

/** The signed-in worker ({user, state}) as the screens see it. */
export const auth = reactive({ user: api.session()?.user || null, state: api.session()?.state || null });

export function rememberSession() {
	const s = api.session();
	auth.user = s?.user || null;
	auth.state = s?.state || null;
}

export async function signOut() {
	try {
		await api.logout();
	} catch {
		/* offline or already gone: the token is dropped either way */
	}
	rememberSession();
}

/** navigator.onLine, kept current by the browser's online/offline events. */
export const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
window.addEventListener('online', () => (online.value = true));
window.addEventListener('offline', () => (online.value = false));

/** Switch the language of the app and of Vant's own texts. */
export function useLocale(code) {
	setLocale(code);
	applyVantLocale();
}
export function applyVantLocale() {
	if (locale.value === 'en') Locale.use('en-US', enUS);
	else Locale.use('zh-CN', zhCN);
	document.title = t('app.title') + ' · ' + (locale.value === 'en' ? 'Grid' : '网格');
}

function readCache(name) {
	try {
		return JSON.parse(localStorage.getItem(CACHE_PREFIX + name) || 'null');
	} catch {
		return null;
	}
}

/** GET path, remembered on the phone: offline, the last answer is used. */
async function cached(name, path, query) {
	try {
		const data = await api.get(path, query);
		localStorage.setItem(CACHE_PREFIX + name, JSON.stringify(data));
		return data;
	} catch (e) {
		const old = readCache(name);
		if (old && (e.offline || e.status >= 500)) return old;
		throw e;
	}
}

let categories;
/** The event categories (major with children), cached on the phone. */
export async function loadCategories() {
	if (!categories) categories = cached('categories', '/categories', { kind: 'event' }).then((d) => d.items);
	try {
		return await categories;
	} catch (e) {
		categories = undefined;
		throw e;
	}
}

let flow;
/** The event flow ({states, actions}) from GET /flows/event, cached on the phone. */
export async function loadFlow() {
	if (!flow) flow = cached('flow', '/flows/event');
	try {
		return await flow;
	} catch (e) {
		flow = undefined;
		throw e;
	}
}

/** The grid record of code, cached (name and boundary do not change often). */
export async function loadGrid(code) {
	if (!code) return null;
	return cached(`grid.${code}`, `/grids/${code}`);
}
/** Where a region lies, "眉县 首善街道 东关社区居委会" (county down), cached. */
export async function regionPath(code) {
	if (!code) return '';
	const r = await cached(`region.${code}`, `/regions/${code}`);
	return r.path
		.filter((p) => !['province', 'city'].includes(p.level))
		.map((p) => p.name)
		.join(' ');
}

export function cachedGrid(code) {
	return code ? readCache(`grid.${code}`) : null;
}

/** One field error ({field, code, message}) in words: the code's, or the
 * server's message for a code without words. */
export function fieldText(x) {
	const word = t(`fields.${x.code}`);
	return word.startsWith('fields.') ? x.message : word;
}

/** Field errors as one line: "标题：太长；…" (the field's own name where
 * the form's table has none). */
export function fieldsLine(errors) {
	return errors
		.map((x) => {
			const name = t(`fieldNames.${x.field}`);
			return `${name.startsWith('fieldNames.') ? x.field : name}${isZh.value ? '：' : ': '}${fieldText(x)}`;
		})
		.join(isZh.value ? '；' : '; ');
}

/** A short text for an ApiError: the field errors in words, or the detail. */
export function errorText(e) {
	if (!e) return '';
	if (e.offline) return t('common.networkError');
	const errs = e.problem?.errors || [];
	if (errs.length) return fieldsLine(errs);
	return e.problem?.detail || e.message || String(e);
}

/** The field errors of an ApiError as {field: text} for a form. */
export function fieldErrors(e) {
	const out = {};
	for (const x of e?.problem?.errors || []) out[x.field] = fieldText(x);
	return out;
}

/** Today's date (YYYY-MM-DD) in China time, as the server's clocks count. */
export function chinaDate(d = new Date()) {
	return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);
}

let labels;
/** Labels of special groups and place types ({tag: {label, label_en}}), cached. */
export async function loadLabels() {
	if (!labels)
		labels = Promise.all([cached('groups', '/special-groups'), cached('placeTypes', '/place-types')]).then(([g, p]) => {
			const out = {};
			for (const x of g.items) out[x.tag] = x;
			for (const x of p.items) out[x.type] = x;
			return out;
		});
	try {
		return await labels;
	} catch (e) {
		labels = undefined;
		throw e;
	}
}

// Vant draws notices and toasts as role="dialog" without a name; they are
// status messages, so they are announced as such.
const statusAttrs = (message) => ({ role: 'status', 'aria-live': 'polite', 'aria-label': String(message) });

/** A notice at the top: type primary | success | warning | danger. */
export function notify(type, message, duration = 3000) {
	return showNotify({ type, message, duration, ...statusAttrs(message) });
}

/** A toast in the middle: kind text | success | fail. */
export function toast(message, kind = 'text') {
	return showToast({ type: kind, message, wordBreak: 'break-word', ...statusAttrs(message) });
}

/** After sign-in: fetch what a report needs offline (categories, flow, labels, own grid). */
export function warmCache() {
	const quiet = (p) => p.catch(() => null);
	quiet(loadCategories());
	quiet(loadFlow());
	quiet(loadLabels());
	if (auth.user?.grid) quiet(loadGrid(auth.user.grid));
	if (auth.user?.region) quiet(regionPath(auth.user.region));
}
