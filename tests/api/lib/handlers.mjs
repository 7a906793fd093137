// What a handler of src/api reads, from its source: the handler function
// and the static functions of its file it reaches, scanned for query
// getters (wg_query_*, wg_req_query and the files' own query helpers) and
// body getters (wg_body_*, wg__api_body_*, json_object_get(req->body)).
// Used by the probe (probe.test.mjs), which sends each route hostile values
// of what it reads, and by the OpenAPI test, which holds the route table's
// declared query parameters to it.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './server.mjs';

// The top-level functions of a C file: name -> body text.
function functionsOf(text) {
	const fns = new Map();
	const lines = text.split('\n');
	let head = [];
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		if (line === '{') {
			const m = /(\w+)\s*\(/.exec(head.join(' '));
			let j = i + 1;
			while (j < lines.length && lines[j] !== '}') j++;
			if (m) fns.set(m[1], lines.slice(i, j + 1).join('\n'));
			i = j;
			head = [];
		} else if (line === '' || line.startsWith('}') || line.startsWith('#') || /;\s*$/.test(line)) {
			head = [];
		} else if (!line.startsWith('/*') && !line.startsWith(' *')) {
			head.push(line);
		}
	}
	return fns;
}

// The case actions of every flow (flows/*.json): name -> {fields: Set,
// from: Set of states}.
export function flowActions() {
	const out = new Map();
	const dir = path.join(ROOT, 'flows');
	for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
		const flow = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
		for (const [name, a] of Object.entries(flow.actions || {})) {
			const fields = a.fields || {};
			if (!out.has(name)) out.set(name, { fields: new Set(), from: new Set() });
			for (const field of Array.isArray(fields) ? fields.map((x) => x.name ?? x) : Object.keys(fields)) out.get(name).fields.add(field);
			for (const st of a.from || []) out.get(name).from.add(st);
		}
	}
	return out;
}
function flowFields() {
	return new Set([...flowActions().values()].flatMap((x) => [...x.fields]));
}

const SOURCES = new Map(); // handler -> {query: Set, body: Set, only, getters: Map}

/**
 * What handler (a wg_api_* function) reads: {query: Set of names, body: Set
 * of member names, only: whether it refuses other members, getters: Map of
 * query name -> the function that reads it ('area' for the area filter's
 * pair, 'page' for limit and cursor)}.
 */
export function handlerInputs(handler) {
	if (SOURCES.size === 0) {
		const dir = path.join(ROOT, 'src/api');
		for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.c'))) {
			const fns = functionsOf(fs.readFileSync(path.join(dir, f), 'utf8'));
			for (const name of fns.keys()) {
				if (!name.startsWith('wg_api_')) continue;
				// The handler and every function of its file it names (calls and
				// the run/then callbacks it passes), transitively.
				const seen = new Set([name]);
				const todo = [name];
				while (todo.length) {
					for (const id of fns.get(todo.pop()).match(/\b\w+\b/g) || []) {
						if (fns.has(id) && !seen.has(id)) {
							seen.add(id);
							todo.push(id);
						}
					}
				}
				const getters = new Map();
				const body = new Set();
				for (const fn of seen) {
					const text = fns.get(fn);
					for (const m of text.matchAll(/\b(\w+)\(\s*(?:\w+->)?req\s*,\s*"(\w+)"/g)) {
						if (/query|time_filter|^choice$/.test(m[1])) getters.set(m[2], m[1]);
						else if (/^wg_body_|^wg__api_body_/.test(m[1])) body.add(m[2]);
					}
					for (const m of text.matchAll(/json_object_get\(\s*req->body\s*,\s*(?:portal \? )?"(\w+)"(?:\s*:\s*"(\w+)")?/g)) {
						body.add(m[1]);
						if (m[2]) body.add(m[2]);
					}
					if (/wg__api_query_area\b/.test(text)) ['region', 'grid'].forEach((q) => getters.set(q, 'area'));
					if (/wg__api_body_where\b/.test(text)) ['location', 'grid'].forEach((b) => body.add(b));
					if (/wg_query_limit\b|wg__api_page|wg_page_/.test(text)) ['limit', 'cursor'].forEach((q) => getters.set(q, 'page'));
					if (/wg_query_cursor\b/.test(text)) getters.set('cursor', 'page');
					// The members wg_body_only() accepts are fields too.
					for (const m of text.matchAll(/\{((?:\s*"\w+",)+)\s*NULL\s*\}/g)) for (const f of m[1].match(/\w+/g)) body.add(f);
					// Case actions take the fields their flow definition names.
					if (/\bwg_case_act\(/.test(text)) for (const f of flowFields()) body.add(f);
				}
				const only = [...seen].some((fn) => /\bwg_body_only\(/.test(fns.get(fn)));
				SOURCES.set(name, { query: new Set(getters.keys()), body, only, getters });
			}
		}
	}
	return SOURCES.get(handler) || { query: new Set(), body: new Set(), only: false, getters: new Map() };
}

