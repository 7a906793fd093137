// Languages of the web app: Simplified Chinese by default, English on
// request; the choice is remembered per browser. Each page passes its own
// message tables (zh and en with the same keys); t('a.b', {n: 3}) looks a
// key up and fills {n}. A missing English text falls back to Chinese, a
// missing key shows the key, so a gap is visible, never blank.
// Dates and numbers are formatted with Intl in the chosen locale.
import { ref, computed } from 'vue';

const STORAGE_KEY = 'wg.locale';
export const LOCALES = [
	{ code: 'zh-CN', label: '简体中文' },
	{ code: 'en', label: 'English' },
];

const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
export const locale = ref(LOCALES.some((l) => l.code === stored) ? stored : 'zh-CN');

export function setLocale(code) {
	locale.value = code;
	localStorage.setItem(STORAGE_KEY, code);
	document.documentElement.lang = code;
}

function lookup(table, key) {
	return key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), table);
}

/** createI18n({zh, en}) → {t, locale, isZh}; t is reactive through locale. */
export function createI18n(messages) {
	function t(key, params) {
		const tables = locale.value === 'en' ? [messages.en, messages.zh] : [messages.zh];
		let s;
		for (const table of tables) if ((s = lookup(table, key)) !== undefined) break;
		if (typeof s !== 'string') return key;
		return params ? s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : s;
	}
	return { t, locale, isZh: computed(() => locale.value !== 'en') };
}

/** The label of a flow state or action in the chosen language. */
export function label(obj) {
	if (!obj) return '';
	return locale.value === 'en' ? obj.label_en || obj.label || obj.name : obj.label || obj.name;
}

export function formatDateTime(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(locale.value, {
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		hour12: false,
		timeZone: 'Asia/Shanghai',
	}).format(d);
}

export function formatDate(iso) {
	if (!iso) return '';
	const d = new Date(iso.length === 10 ? `${iso}T00:00:00+08:00` : iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(locale.value, {
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		timeZone: 'Asia/Shanghai',
	}).format(d);
}

export function formatNumber(n, opts) {
	return n === null || n === undefined ? '' : new Intl.NumberFormat(locale.value, opts).format(n);
}

export function formatPercent(p) {
	return p === null || p === undefined ? '—' : new Intl.NumberFormat(locale.value, { maximumFractionDigits: 1 }).format(p) + '%';
}
