// Names of department keys without their region: "police" is 派出所 in a
// town and 公安局 in the county. Departments are named "<region><unit>"
// (docs/api.md), so the unit is the common ending of the names of one key
// across towns, or the county department's name after the county's name.
import { label, locale } from '@shared/i18n.js';

function commonSuffix(names) {
	if (!names.length) return '';
	let s = names[0];
	for (const n of names.slice(1)) {
		let i = 0;
		while (i < s.length && i < n.length && s[s.length - 1 - i] === n[n.length - 1 - i]) i++;
		s = s.slice(s.length - i);
	}
	return s;
}

/**
 * unitNames(departments, regionNames) → (level, key) => text.
 * departments: the list GET /departments gives; regionNames: Map code → name.
 * Falls back to the key when no department has it.
 */
export function unitNames(departments, regionNames) {
	const byLevelKey = new Map();
	for (const d of departments) {
		const k = `${d.level}:${d.key}`;
		if (!byLevelKey.has(k)) byLevelKey.set(k, []);
		byLevelKey.get(k).push(d);
	}
	const cache = new Map();
	return (level, key) => {
		if (!key) return '';
		const k = `${level}:${key}`;
		const list = byLevelKey.get(k) || [];
		if (!list.length) return key;
		if (locale.value === 'en') return list[0].name_en || key;
		if (cache.has(k)) return cache.get(k);
		let name;
		if (list.length > 1) name = commonSuffix(list.map((d) => d.name));
		else {
			const d = list[0];
			const region = regionNames.get(d.region);
			name = region && d.name.startsWith(region) ? d.name.slice(region.length) : d.name;
		}
		if (!name) name = label({ name: list[0].name, label_en: list[0].name_en });
		cache.set(k, name);
		return name;
	};
}
