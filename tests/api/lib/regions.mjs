// The shipped region data (data/regions/*.csv), read independently of the
// server so the tests can compare every row, and the code rules of the
// 12-digit statistical division codes.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './server.mjs';

export function levelOf(code) {
	if (code.slice(2) === '0000000000') return 'province';
	if (code.slice(4) === '00000000') return 'city';
	if (code.slice(6) === '000000') return 'county';
	if (code.slice(9) === '000') return 'town';
	return 'village';
}

/** The parent the server must derive from a code (null for a province). */
export function parentOf(code) {
	switch (levelOf(code)) {
		case 'village':
			return `${code.slice(0, 9)}000`;
		case 'town':
			return `${code.slice(0, 6)}000000`;
		case 'county':
			return `${code.slice(0, 4)}00000000`;
		case 'city':
			return `${code.slice(0, 2)}0000000000`;
		default:
			return null;
	}
}

/** Map code → {code, parent, name, level, children: [codes sorted]}. */
export function loadRegions() {
	const dir = path.join(ROOT, 'data', 'regions');
	const rows = new Map();
	for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.csv')).sort()) {
		const lines = fs.readFileSync(path.join(dir, f), 'utf8').split(/\r?\n/).filter(Boolean);
		for (const line of lines.slice(1)) {
			const [code, parent, name] = line.split(',');
			rows.set(code, { code, parent: parent || null, name, level: levelOf(code), children: [] });
		}
	}
	for (const r of rows.values()) if (r.parent) rows.get(r.parent).children.push(r.code);
	for (const r of rows.values()) r.children.sort();
	return rows;
}
