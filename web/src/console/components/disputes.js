// What the dispute and petition pages share: their texts (dt, falling back
// to the console's tables), the risk and family colours, the mediation
// registries the assign form picks from, and region names for the people in
// charge. Their flows come from context.js's loadFlow(kind).
import { createI18n } from '@shared/i18n.js';
import { api, t, locale, catLabel, fetchEvery } from './context.js';
import tables from './disputeMessages.js';

export { catLabel };

const own = createI18n(tables);

/** A text of the dispute pages; a key they do not have comes from the console's tables. */
export function dt(key, params) {
	const s = own.t(key, params);
	return s === key ? t(key, params) : s;
}


/** Risk colours (风险等级) as tag colours: text stays readable on each (WCAG AA). */
export const RISK_COLOURS = {
	red: { bg: '#c62828', fg: '#fff' },
	yellow: { bg: '#f7ba1e', fg: '#1d2129' },
	blue: { bg: '#1f5fbf', fg: '#fff' },
};

/** The family warning colours (blue, yellow, orange, red) the same way. */
export const FAMILY_COLOURS = {
	blue: { bg: '#1f5fbf', fg: '#fff' },
	yellow: { bg: '#f7ba1e', fg: '#1d2129' },
	orange: { bg: '#d9480f', fg: '#fff' },
	red: { bg: '#c62828', fg: '#fff' },
};

/** The five steps of the mediation ladder (五步调解法), in order. */
export const LADDER = ['on_site', 'diverted', 'town_joint', 'county_joint', 'litigation'];

/** The dispute states a work list tab reads, in the order of the flow. */
export const STAGES = ['registered', 'accepted', 'assessed', 'mediating', 'agreed'];

/** A term of ours (`risk.red`, `post.county_leader` …), else the key's last part. */
export function term(group, key) {
	if (key === null || key === undefined || key === '') return '';
	const s = dt(`${group}.${key}`);
	return s === `${group}.${key}` ? String(key) : s;
}

/**
 * Whether a body whose region is `bodyRegion` serves a place in
 * `placeRegion`: the same region or one containing it (county 6 digits +
 * zeros, town 9 + zeros, village 12).
 */
export function serves(bodyRegion, placeRegion) {
	if (!bodyRegion || !placeRegion) return false;
	if (bodyRegion === placeRegion) return true;
	const county = bodyRegion.endsWith('000000');
	const town = !county && bodyRegion.endsWith('000');
	if (county) return placeRegion.startsWith(bodyRegion.slice(0, 6));
	if (town) return placeRegion.startsWith(bodyRegion.slice(0, 9));
	return false;
}


/**
 * What the assign form offers for a case placed in `region`: the bodies
 * serving that place and, for each, its active lead mediators (the pool of
 * GET /mediation/mediators?region=). Bodies without a lead mediator are
 * listed with none, so the form can say why they cannot be picked.
 * Returns [{id, name, kind, kind_label, trade_label, region_name, mediators: [m]}].
 */
export async function assignChoices(region) {
	const [bodies, pool] = await Promise.all([
		fetchEvery('/mediation/bodies', { active: 'true' }),
		fetchEvery('/mediation/mediators', { region }),
	]);
	const byBody = new Map();
	for (const m of pool) {
		if (!byBody.has(m.body.id)) byBody.set(m.body.id, []);
		byBody.get(m.body.id).push(m);
	}
	const order = { village_committee: 0, town_committee: 1, trade: 2, expert_pool: 3 };
	return bodies
		.filter((b) => serves(b.region, region) || byBody.has(b.id))
		.map((b) => ({ ...b, mediators: byBody.get(b.id) || [] }))
		.sort((a, b) => (order[a.kind] ?? 9) - (order[b.kind] ?? 9) || a.id - b.id);
}

const regionNames = new Map();
/** The name of a region code (GET /regions/{code}), remembered; the code when unknown. */
export function regionName(code) {
	if (!code) return Promise.resolve('');
	if (!regionNames.has(code))
		regionNames.set(
			code,
			api.get(`/regions/${code}`).then(
				(r) => r.name || code,
				() => code,
			),
		);
	return regionNames.get(code);
}

/** The categories of a kind as [{code, name, children}] groups. */
export function groupsOf(tree, kind) {
	return (tree || []).filter((g) => !kind || g.kind === kind);
}

/** An amount in yuan, in the chosen language's format. */
export function yuan(n) {
	if (n === null || n === undefined) return '';
	return new Intl.NumberFormat(locale.value, { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 }).format(n);
}
