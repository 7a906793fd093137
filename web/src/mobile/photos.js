// Photos on the phone: a camera picture is several megabytes and may be in a
// format the server refuses (it takes JPEG and PNG), so large or foreign
// pictures are redrawn as a JPEG of at most MAX_SIDE pixels before they are
// kept or sent. Attachments are fetched with the bearer token (an <img src>
// would not send it) and shown through object URLs, which the CSP allows.
import { api } from './core.js';

const MAX_SIDE = 1600;
const KEEP_BYTES = 1024 * 1024;
const QUALITY = 0.85;

/** A File or Blob ready to upload: small JPEG/PNG as given, others redrawn. */
export async function preparePhoto(file) {
	const plain = file.type === 'image/jpeg' || file.type === 'image/png';
	if (plain && file.size <= KEEP_BYTES) return file;
	let bitmap;
	try {
		bitmap = await createImageBitmap(file);
	} catch {
		return file; // not decodable here: let the server judge it
	}
	const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
	const w = Math.round(bitmap.width * scale);
	const h = Math.round(bitmap.height * scale);
	const canvas = document.createElement('canvas');
	canvas.width = w;
	canvas.height = h;
	canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
	bitmap.close?.();
	const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
	return blob && blob.size < file.size ? blob : file;
}

/** Upload a Blob as an attachment; returns its sha256. */
export async function uploadPhoto(blob) {
	const r = await api.upload('/attachments', blob);
	return r.sha256;
}

const urls = new Map();
/** An object URL of attachment sha256 (fetched once with the bearer token). */
export async function attachmentUrl(sha256) {
	if (urls.has(sha256)) return urls.get(sha256);
	const p = (async () => {
		const token = api.session()?.token;
		const res = await fetch(api.url(`/attachments/${sha256}`), {
			headers: token ? { Authorization: `Bearer ${token}` } : {},
		});
		if (!res.ok) throw new Error(`HTTP ${res.status}`);
		return URL.createObjectURL(await res.blob());
	})();
	urls.set(sha256, p);
	p.catch(() => urls.delete(sha256));
	return p;
}
