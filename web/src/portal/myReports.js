// "My reports": the tracking codes sent from this browser, kept in
// localStorage only (code, category name, when), newest first.
import { ref } from 'vue';

const KEY = 'wg.portal.reports';

function load() {
	try {
		const v = JSON.parse(localStorage.getItem(KEY) || '[]');
		return Array.isArray(v) ? v.filter((r) => r && typeof r.code === 'string') : [];
	} catch {
		return [];
	}
}

export const myReports = ref(load());

function save() {
	localStorage.setItem(KEY, JSON.stringify(myReports.value));
}

/** Remember a code (or refresh what is known of it); keeps the list unique. */
export function remember(entry) {
	const old = myReports.value.find((r) => r.code === entry.code);
	const rest = myReports.value.filter((r) => r.code !== entry.code);
	myReports.value = [{ ...old, ...entry }, ...rest];
	save();
}

/** Update what is known of a remembered code without moving it. */
export function touch(code, patch) {
	const i = myReports.value.findIndex((r) => r.code === code);
	if (i < 0) return;
	myReports.value = myReports.value.map((r, j) => (j === i ? { ...r, ...patch } : r));
	save();
}

export function forget(code) {
	myReports.value = myReports.value.filter((r) => r.code !== code);
	save();
}
