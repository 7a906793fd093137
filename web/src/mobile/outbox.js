// The outbox: every report the worker makes is first written to the phone
// (IndexedDB: the case body, its photos as bytes, and the Idempotency-Key
// made at the moment of the report) and then sent. Without network it waits
// and is sent when the network returns (the online event, every start of the
// app, and a retry timer), exactly once: every attempt carries the same key,
// so that a create whose answer was lost is answered again by the server
// instead of being made twice, and an item leaves the outbox only after the
// 201, or after a 4xx saying the report itself is wrong (then it stays, as
// failed, with the server's reason, for the worker to see).
//
// Photos go first (POST /attachments: content-addressed, so sending one
// twice stores it once) and their sha256 are kept with the item; the body
// sent is fixed at its first attempt (the server compares the bytes of a
// repeat with the first request) and reused verbatim on every retry.
import { reactive } from 'vue';
import { api, auth, online } from './core.js';
import { newKey } from '@shared/api.js';

const DB_NAME = 'wg-mobile';
const STORE = 'outbox';
const RETRY_MS = 30_000;

let dbp;
function openDb() {
	if (!dbp)
		dbp = new Promise((resolve, reject) => {
			const req = indexedDB.open(DB_NAME, 1);
			req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
	return dbp;
}

async function tx(mode, fn) {
	const db = await openDb();
	return new Promise((resolve, reject) => {
		const t = db.transaction(STORE, mode);
		const store = t.objectStore(STORE);
		let result;
		const r = fn(store);
		if (r) r.onsuccess = () => (result = r.result);
		t.oncomplete = () => resolve(result);
		t.onerror = () => reject(t.error);
		t.onabort = () => reject(t.error);
	});
}

const put = (item) => tx('readwrite', (s) => s.put(item));
const remove = (key) => tx('readwrite', (s) => s.delete(key));
const all = () => tx('readonly', (s) => s.getAll());

/** What the screens show: the items (without photo bytes) and the state. */
export const outbox = reactive({ items: [], sending: false });

async function reload() {
	const items = (await all()) || [];
	items.sort((a, b) => a.created_at.localeCompare(b.created_at));
	outbox.items = items.map((i) => ({
		key: i.key,
		user: i.user,
		created_at: i.created_at,
		title: i.body.title || i.body.description.split('\n')[0],
		category: i.body.category,
		photos: i.photos.length,
		status: i.status,
		attempts: i.attempts,
		error: i.error,
	}));
}

/** Items waiting for the current account (shown as "待发送 n"). */
export function pendingCount() {
	return outbox.items.filter((i) => i.status === 'pending' && i.user === auth.user?.username).length;
}
export function failedCount() {
	return outbox.items.filter((i) => i.status === 'failed' && i.user === auth.user?.username).length;
}

/**
 * Keep a report on the phone. body: the POST /cases body without photos;
 * photos: Blobs; fallbackGrid: the worker's own grid, used if the location
 * turns out to lie in no grid when it is sent. Returns the item's key.
 */
export async function enqueue(body, photos, fallbackGrid) {
	const stored = [];
	for (const p of photos) stored.push({ type: p.type || 'application/octet-stream', data: await p.arrayBuffer(), sha256: null });
	const item = {
		key: newKey(),
		user: auth.user.username,
		created_at: new Date().toISOString(),
		body,
		fallbackGrid: fallbackGrid || null,
		photos: stored,
		sent_body: null,
		status: 'pending',
		attempts: 0,
		error: null,
	};
	await put(item);
	await reload();
	return item.key;
}

export async function discard(key) {
	await remove(key);
	await reload();
}

function transient(e) {
	return e.offline || e.status === 0 || e.status === 401 || e.status === 408 || e.status === 409 || e.status === 429 || e.status >= 500;
}

/**
 * Send one item. Returns {status: 'sent', case} | {status: 'waiting', error}
 * | {status: 'failed', error}. Never sends an item twice at the same time.
 */
async function sendItem(key) {
	const item = await tx('readonly', (s) => s.get(key));
	if (!item || item.status !== 'pending') return { status: 'gone' };
	try {
		for (const p of item.photos) {
			if (p.sha256) continue;
			const r = await api.upload('/attachments', new Blob([p.data], { type: p.type }));
			p.sha256 = r.sha256;
			await put(item);
		}
		if (!item.sent_body) {
			item.sent_body = { ...item.body };
			if (item.photos.length) item.sent_body.photos = item.photos.map((p) => p.sha256);
			await put(item);
		}
		let c;
		try {
			c = await api.post('/cases', item.sent_body, { idempotencyKey: item.key });
		} catch (e) {
			// A point in no grid of the area (known only once online): the
			// worker's own grid, keeping the point. The refused attempt was not
			// recorded under the key, so the changed body may use it.
			const where = e.status === 422 && (e.problem?.errors || []).find((x) => x.field === 'location');
			if (!where || !item.fallbackGrid || item.sent_body.grid) throw e;
			item.sent_body = { ...item.sent_body, grid: item.fallbackGrid };
			await put(item);
			c = await api.post('/cases', item.sent_body, { idempotencyKey: item.key });
		}
		await remove(item.key);
		return { status: 'sent', case: c };
	} catch (e) {
		item.attempts += 1;
		if (transient(e)) {
			await put(item);
			return { status: 'waiting', error: e };
		}
		item.status = 'failed';
		item.error = { status: e.status, detail: e.problem?.detail || e.message, errors: e.problem?.errors || [] };
		await put(item);
		return { status: 'failed', error: e };
	} finally {
		await reload();
	}
}

let running = null;
let chain = Promise.resolve();
/** One sender at a time: in this tab (a queue) and across the app's tabs (a Web Lock). */
function locked(fn) {
	const run = () => (navigator.locks?.request ? navigator.locks.request('wg-mobile-outbox', fn) : fn());
	const p = chain.then(run, run);
	chain = p.catch(() => {});
	return p;
}

/**
 * Send what waits for the signed-in account, oldest first; stops at the
 * first network failure. Returns the cases sent.
 */
export function flush() {
	if (running) return running;
	running = (async () => {
		const sent = [];
		if (!auth.user || auth.state !== 'full') return sent;
		outbox.sending = true;
		try {
			await locked(async () => {
				const items = ((await all()) || [])
					.filter((i) => i.status === 'pending' && i.user === auth.user?.username)
					.sort((a, b) => a.created_at.localeCompare(b.created_at));
				for (const i of items) {
					const r = await sendItem(i.key);
					if (r.status === 'sent') sent.push(r.case);
					if (r.status === 'waiting') break;
				}
			});
		} finally {
			outbox.sending = false;
			running = null;
		}
		return sent;
	})();
	return running;
}

/** Send one item now (the report screen's submit); result as sendItem. */
export async function sendNow(key) {
	await running;
	return locked(() => sendItem(key));
}

/** Retry a failed item after the worker looked at it. */
export async function retryFailed(key) {
	const item = await tx('readonly', (s) => s.get(key));
	if (!item) return;
	item.status = 'pending';
	item.error = null;
	item.sent_body = null;
	await put(item);
	await reload();
	return flush();
}

let started = false;
let backoff = 0;
let retryTimer = null;
let kick = null;
/**
 * Load the outbox and send it: now, whenever the network returns or the app
 * comes back to the screen, and after a failed attempt again in 2, 4, 8 …
 * up to RETRY_MS seconds while something waits.
 */
export function startOutbox(onSent) {
	if (started) return;
	started = true;
	const go = async () => {
		clearTimeout(retryTimer);
		retryTimer = null;
		if (!online.value) return;
		const sent = await flush();
		if (sent.length) onSent?.(sent);
		if (pendingCount() && online.value) {
			backoff = Math.min(RETRY_MS, backoff ? backoff * 2 : 2000);
			retryTimer = setTimeout(go, backoff);
		} else backoff = 0;
	};
	reload().then(go);
	window.addEventListener('online', () => {
		backoff = 0;
		go();
	});
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'visible' && pendingCount()) go();
	});
	kick = go;
}

/** Try sending again soon (after sign-in, or when a report was queued). */
export function kickOutbox() {
	backoff = 0;
	kick?.();
}

