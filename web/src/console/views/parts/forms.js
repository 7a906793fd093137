// Helpers of the forms of the map, base-data, admin and audit views: the
// server's field errors put at the field they name, and a one-line text of
// any other failure.
import { t } from '../../messages-more.js';
import { fieldText } from '../../components/context.js';

/**
 * The field errors of an ApiError keyed by the form's field: "location.lat"
 * and "tags[0].tag" belong to "location" and "tags". The first message of a
 * field wins. Returns {} when the error names no field.
 */
export function fieldErrors(err) {
	const out = {};
	for (const e of err?.problem?.errors || []) {
		const key = String(e.field || '').split(/[.[]/)[0];
		if (key && !(key in out)) out[key] = fieldText(e);
	}
	return out;
}

/** A short text of a failure for a message line. */
export function problemText(err) {
	if (!err) return '';
	if (err.status === 403) return t('common.forbidden');
	return err.problem?.detail || err.problem?.title || err.message || String(err);
}

/** The value a form field sends: '' and undefined are "nothing". */
export function blank(v) {
	return v === '' || v === undefined || v === null || (Array.isArray(v) && v.length === 0);
}
