// Taking an action on a case from its page: the dialog's state, opening it
// for an action of the case's flow, and sending it with If-Match:
// "<version>". Done: the page takes the case the server answers and loads
// it again. A 409 that is a version conflict reloads the case and says
// someone else changed it; a 422 (or another 409) marks the form's fields
// and lists the rest. A live notification about the case reloads it
// unless the dialog is open.
import { computed, reactive, ref, watch } from 'vue';
import { ElMessage } from 'element-plus';
import { api, t, live, actionLabel, errorText, fieldText } from './context.js';

/**
 * useCaseActions({id, kase, flow, load, conflict, isConflict, otherText})
 *   id, kase, flow  refs of the page: the case's id, the case, its flow
 *   load            reloads the case
 *   conflict        ref set when someone else changed the case meanwhile
 *   isConflict      error → whether it is a version conflict (default: any 409)
 *   otherText       a refused field not on the form → its line (default "field: message")
 * Returns {form, dialog, title, open, close, submit}: `form` is the
 * ActionDialog's ref, `dialog` its state.
 */
export function useCaseActions({
	id,
	kase,
	flow,
	load,
	conflict,
	isConflict = (e) => e.status === 409,
	otherText = (x) => `${x.field}: ${x.message}`,
}) {
	const form = ref(null);
	const dialog = reactive({ open: false, action: '', fields: [], errors: {}, message: '', hint: '', busy: false, initial: {}, labels: {} });
	const title = computed(() => actionLabel(flow.value, dialog.action));

	/** Opens the dialog of an action, with optional starting values, hint and labels of its fields. */
	function open(name, { initial = {}, hint = '', labels = {} } = {}) {
		const a = flow.value?.actions.get(name);
		dialog.action = name;
		dialog.fields = a?.fields || [];
		dialog.errors = {};
		dialog.message = '';
		dialog.hint = hint;
		dialog.labels = labels;
		dialog.initial = initial;
		dialog.open = true;
	}

	function close() {
		dialog.open = false;
	}

	async function submit() {
		dialog.errors = {};
		dialog.message = '';
		const body = form.value ? await form.value.collect() : {};
		if (!body) {
			dialog.message = t('form.invalid');
			return;
		}
		dialog.busy = true;
		try {
			const k = await api.post(`/cases/${id.value}/actions/${dialog.action}`, body, { ifMatch: kase.value.version });
			const name = actionLabel(flow.value, dialog.action);
			dialog.open = false;
			conflict.value = false;
			kase.value = k;
			ElMessage.success(t('detail.done', { action: name }));
			await load();
		} catch (e) {
			if (isConflict(e)) {
				dialog.open = false;
				conflict.value = true;
				ElMessage.warning(t('detail.conflict'));
				await load();
			} else if (e.status === 422 || e.status === 409) {
				const own = new Set(dialog.fields.map((f) => f.name));
				const errs = {};
				const other = [];
				for (const x of e.problem?.errors || []) {
					const base = String(x.field).replace(/\[\d+\]$/, '');
					if (own.has(base)) errs[base] = fieldText(x);
					else other.push(otherText(x));
				}
				dialog.errors = errs;
				dialog.message = other.length ? other.join('；') : e.status === 409 ? errorText(e) : t('form.invalid');
			} else {
				dialog.message = errorText(e);
			}
		} finally {
			dialog.busy = false;
		}
	}

	// A live notification about this case reloads it (unless a form is open).
	watch(
		() => live.tick,
		() => {
			const n = live.unread[0];
			if (n && n.case_id === id.value && !dialog.open) load();
		},
	);

	return { form, dialog, title, open, close, submit };
}
