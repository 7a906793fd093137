#!/usr/bin/env node
// tools/field-codes.mjs - every field-error code the server writes has
// words in the web app's table (web/src/shared/fieldCodes.js), in Chinese
// and in English, so that no form shows a bare code or the server's
// English message in the Chinese interface.
//
// The codes are read from the C sources: the third argument of
// wg_req_field_error, wg_field_errors_add and the helpers that pass theirs
// on (field_error, import_problem), when it is a string literal, or a
// literal chosen there with ?:; and codes set through an out-parameter
// ("*code = \"...\""). Prints what is missing and exits 1, or "ok".
// Usage: node tools/field-codes.mjs   (from anywhere; no network)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fieldCodes } from '../web/src/shared/fieldCodes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function* cFiles(dir) {
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) yield* cFiles(path);
		else if (name.endsWith('.c')) yield path;
	}
}

// A call's first two arguments may hold calls of their own but not
// strings with commas; the third is what is looked at.
const call = /\b(?:wg_req_field_error|wg_field_errors_add|field_error|import_problem)\s*\(\s*[^,;]+,\s*[^,;]+,\s*([^,;]+),/g;
const literal = /"([a-z_]+)"/g;
const outParam = /\*code\s*=\s*"([a-z_]+)"/g;

const used = new Map(); // code -> first place
for (const path of cFiles(join(root, 'src'))) {
	const text = readFileSync(path, 'utf8');
	const note = (code, index) => {
		if (!used.has(code)) used.set(code, `${path.slice(root.length + 1)}:${text.slice(0, index).split('\n').length}`);
	};
	for (const m of text.matchAll(call)) for (const l of m[1].matchAll(literal)) note(l[1], m.index);
	for (const m of text.matchAll(outParam)) note(m[1], m.index);
}

let missing = 0;
for (const [code, where] of [...used].sort()) {
	for (const lang of ['zh', 'en']) {
		if (typeof fieldCodes[lang][code] !== 'string') {
			console.log(`${where}: field-error code "${code}" has no ${lang} words in web/src/shared/fieldCodes.js`);
			missing++;
		}
	}
}
if (used.size < 20) {
	console.log(`only ${used.size} codes found in src/: has the way they are written changed?`);
	process.exit(1);
}
console.log(missing ? `${missing} missing` : `ok: ${used.size} codes, each in Chinese and English`);
process.exit(missing ? 1 : 0);
