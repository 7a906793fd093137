// The dispute figures of the dashboard (GET /stats/disputes): found,
// resolved and 化解率 (resolved ÷ found) for the area and period shown, and
// the same by type, triage tier or risk colour for the chart. One instance
// per screen: the KPI tile and the chart share it. It reads again when the
// area or period changes and whenever `stamp` (the screen's last refresh)
// moves, so live notifications refresh it with the other figures.
import { reactive, watch } from 'vue';
import { api } from './api.js';

export const DISPUTE_GROUPS = ['category', 'tier', 'risk'];

/**
 * useDisputeStats(query, stamp) → reactive {total, groups: {category, tier,
 * risk}, groupBy, error, forbidden, reload()}. `query` is a ref of
 * {region, from, to}; `stamp` a function whose value changes on refresh.
 */
export function useDisputeStats(query, stamp) {
	const state = reactive({ total: null, groups: {}, groupBy: 'category', error: '', forbidden: false });
	let seq = 0;

	async function reload() {
		const n = ++seq;
		try {
			const by = state.groupBy;
			const r = await api.get('/stats/disputes', { ...query.value, group_by: by });
			if (n !== seq) return;
			state.total = { found: r.found, resolved: r.resolved, resolution: r.resolution };
			state.groups = { ...state.groups, [by]: r.items || [] };
			state.error = '';
		} catch (e) {
			if (n !== seq) return;
			state.forbidden = e.status === 403;
			state.error = e.message || String(e);
		}
	}

	state.reload = reload;
	watch([query, stamp, () => state.groupBy], reload, { immediate: true });
	return state;
}
