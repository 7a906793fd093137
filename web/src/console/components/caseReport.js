// Registering a case (an event, a dispute, a petition) from a console form
// (ReportPage's): the form's checks, the duplicate-candidates step before
// saving and the saving itself.
//
// Before saving, the report as filled in goes to POST /cases/candidates,
// which answers the cases the server would take for the same matter; when
// there are some the form lists them and saving needs a second word
// (save(true)), until a field the search looks at changes. POST /cases
// carries one Idempotency-Key per form, so a double click or a retry
// creates one case; a 422 is put at the fields it names.
import { reactive, ref, watch } from 'vue';
import { api, t, newKey, errorText, fieldText } from './context.js';

/**
 * useCaseReport({model, rules, body, validate, watched, fieldKey, problemText, onCreated})
 *   model        the form's values (reactive) and `rules` its el-form rules (a ref):
 *                ReportPage's el-form checks them
 *   body         () → the report as the form holds it (the body of POST /cases)
 *   validate     async (ok) → true when the form may be sent, `ok` saying whether
 *                the rules held; it shows its own messages (default: ok)
 *   watched      () → the fields the duplicate search looks at
 *   fieldKey     the key in `errs` of a field the server names (default: as named)
 *   problemText  [{field, message}] → the message line of a 422 (default: 表单有误)
 *   onCreated    called with the new case
 * Returns {model, rules, form, errs, message, busy, created, duplicates,
 * dupChecked, needConfirm, findDuplicates, save, reset}: `form` is the
 * el-form's ref, set by ReportPage.
 */
export function useCaseReport({
	model,
	rules,
	body,
	validate = (ok) => ok,
	watched,
	fieldKey = String,
	problemText = () => t('form.invalid'),
	onCreated,
}) {
	const form = ref(null);
	const errs = reactive({});
	const message = ref('');
	const busy = ref(false);
	const created = ref(null);
	const duplicates = ref([]);
	const dupChecked = ref(false);
	const needConfirm = ref(false);
	let idemKey = newKey();

	function clearErrors() {
		Object.keys(errs).forEach((k) => delete errs[k]);
	}

	/** The possible duplicates of the report as it stands (none without a category). */
	async function findDuplicates() {
		dupChecked.value = false;
		duplicates.value = [];
		const report = body();
		if (!report.category) return [];
		try {
			duplicates.value = (await api.post('/cases/candidates', report)).items || [];
		} catch (e) {
			// A report the server refuses is refused again, field by field, on saving.
			if (e.status !== 422) message.value = errorText(e);
		}
		dupChecked.value = true;
		return duplicates.value;
	}

	/** Saves the report; unless `confirmed`, stops at its possible duplicates. */
	async function save(confirmed) {
		message.value = '';
		clearErrors();
		const ok = await form.value.validate().catch(() => false);
		if (!(await validate(ok))) return;
		if (!confirmed) {
			const d = await findDuplicates();
			if (d.length) {
				needConfirm.value = true;
				return;
			}
		}
		busy.value = true;
		try {
			created.value = await api.post('/cases', body(), { idempotencyKey: idemKey });
			onCreated?.(created.value);
		} catch (e) {
			if (e.status === 422) {
				const list = e.problem.errors || [];
				for (const x of list) errs[fieldKey(x.field)] = fieldText(x);
				message.value = problemText(list);
			} else message.value = errorText(e);
		} finally {
			busy.value = false;
		}
	}

	/** A fresh form: no duplicates, no errors, a new Idempotency-Key. */
	function reset() {
		duplicates.value = [];
		dupChecked.value = false;
		needConfirm.value = false;
		created.value = null;
		clearErrors();
		idemKey = newKey();
	}

	// Anything changed after a duplicate warning needs a new look.
	watch(watched, () => (needConfirm.value = false));

	return { model, rules, form, errs, message, busy, created, duplicates, dupChecked, needConfirm, findDuplicates, save, reset };
}
