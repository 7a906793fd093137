// A list page's rows read page by page (GET <path>?limit=50&cursor=…)
// under the page's filters: the first page on load(true), the next on
// load(false) (the 更多 button, while nextCursor is set). Used by the
// admin, audit and mediation registry pages, on the console's one client.
import { ref } from 'vue';
import { api } from './api.js';
import { blank, fieldErrors, problemText } from './forms.js';

/**
 * usePagedList(path, filters, {failure})
 *   path     the list's path, e.g. '/users'
 *   filters  reactive {name: value}: each one filled is sent, trimmed
 *   failure  error → the text of a failed read (default: problemText)
 * Returns {rows, nextCursor, total, loading, error, filterErrors, load}:
 * total is the list's `total` when the server gives one (else null);
 * filterErrors the server's errors by filter.
 */
export function usePagedList(path, filters, { failure = problemText } = {}) {
	const rows = ref([]);
	const nextCursor = ref(null);
	const total = ref(null);
	const loading = ref(false);
	const error = ref('');
	const filterErrors = ref({});

	async function load(reset) {
		loading.value = true;
		error.value = '';
		filterErrors.value = {};
		try {
			const q = {};
			for (const [k, v] of Object.entries(filters)) if (!blank(v)) q[k] = String(v).trim();
			const r = await api.get(path, { ...q, limit: 50, cursor: reset ? undefined : nextCursor.value });
			rows.value = reset ? r.items : rows.value.concat(r.items);
			nextCursor.value = r.next_cursor;
			if (r.total !== undefined) total.value = r.total;
		} catch (e) {
			filterErrors.value = fieldErrors(e);
			error.value = failure(e);
		} finally {
			loading.value = false;
		}
	}

	return { rows, nextCursor, total, loading, error, filterErrors, load };
}
