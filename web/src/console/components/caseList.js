// What the case work lists share (the event work list, the disputes work
// list): tabs kept in the address (?tab=), each tab a chain of GET /cases
// queries read in turn with cursor paging (overdue ones first, say), a page
// of PAGE new rows at a time, the tabs' counts asked once per load, and a
// refresh when the live event stream says something changed (at most every
// 2 s). A reload drops what an older one was still reading (generation).
import { computed, reactive, ref, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { api, live, errorText } from './context.js';

const PAGE = 20;

/**
 * useCaseList({tabs, filters, chainOf, countOf})
 *   tabs      computed [{key, ...}]: the tabs in order
 *   filters   () → the filter values when blank (the page edits the returned `filters`)
 *   chainOf   tab → [query]: the queries read in turn for the tab's rows
 *   countOf   tab → Promise<number>: the tab's count
 * Returns {tab, current, filters, counts, rows, loading, error, chainDone,
 * start, reload, loadMore, resetFilters}. Call start() once the page has
 * what its tabs and queries need (flows, categories): it settles the tab
 * and loads.
 */
export function useCaseList({ tabs, filters: blankFilters, chainOf, countOf }) {
	const route = useRoute();
	const router = useRouter();

	const tab = ref(typeof route.query.tab === 'string' ? route.query.tab : '');
	const current = computed(() => tabs.value.find((x) => x.key === tab.value) || tabs.value[0]);
	const filters = reactive(blankFilters());
	const counts = reactive({});
	const rows = ref([]);
	const loading = ref(false);
	const error = ref('');
	const chainDone = ref(true);

	// The reading position in the current tab's chain.
	let chain = [];
	let qi = 0;
	let cursor = null;
	let generation = 0;

	async function loadCounts() {
		const list = tabs.value;
		const results = await Promise.all(list.map((tb) => countOf(tb).catch(() => null)));
		list.forEach((tb, i) => (counts[tb.key] = results[i]));
	}

	async function loadMore() {
		const gen = generation;
		loading.value = true;
		error.value = '';
		try {
			let got = 0;
			while (qi < chain.length && got < PAGE) {
				const r = await api.get('/cases', { ...chain[qi], limit: PAGE - got, cursor: cursor || undefined });
				if (gen !== generation) return;
				const have = new Set(rows.value.map((x) => x.id));
				const fresh = (r.items || []).filter((x) => !have.has(x.id));
				rows.value = rows.value.concat(fresh);
				got += fresh.length;
				if (r.next_cursor) cursor = r.next_cursor;
				else {
					qi++;
					cursor = null;
				}
			}
			chainDone.value = qi >= chain.length;
		} catch (e) {
			if (gen === generation) error.value = errorText(e);
		} finally {
			if (gen === generation) loading.value = false;
		}
	}

	async function reload() {
		generation++;
		const tb = current.value;
		tab.value = tb.key;
		if (route.query.tab !== tb.key) router.replace({ query: { ...route.query, tab: tb.key } });
		chain = chainOf(tb);
		qi = 0;
		cursor = null;
		rows.value = [];
		chainDone.value = false;
		loadCounts();
		await loadMore();
	}

	function resetFilters() {
		Object.assign(filters, blankFilters());
		reload();
	}

	function start() {
		if (!tabs.value.some((x) => x.key === tab.value)) tab.value = tabs.value[0].key;
		return reload();
	}

	// New work or supervision arrived: refresh, but not more than every 2 s.
	let pending = null;
	watch(
		() => live.tick,
		() => {
			if (pending) return;
			pending = setTimeout(() => {
				pending = null;
				reload();
			}, 2000);
		},
	);

	return { tab, current, filters, counts, rows, loading, error, chainDone, start, reload, loadMore, resetFilters };
}
