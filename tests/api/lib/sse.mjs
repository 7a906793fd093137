// A small EventSource over fetch, for the tests of GET /api/v1/events/stream
// and of what the case engine tells its users live.

const PATH = '/api/v1/events/stream';

function parseBlock(st, block) {
	const ev = { id: undefined, event: 'message', data: [], comments: [] };
	let any = false;
	for (const line of block.split('\n')) {
		if (line.startsWith(':')) {
			ev.comments.push(line.slice(1).trim());
			continue;
		}
		const i = line.indexOf(':');
		const field = i < 0 ? line : line.slice(0, i);
		let value = i < 0 ? '' : line.slice(i + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'retry') st.retry = Number(value);
		else if (field === 'id') (ev.id = value), (any = true);
		else if (field === 'event') (ev.event = value), (any = true);
		else if (field === 'data') ev.data.push(value), (any = true);
	}
	st.comments.push(...ev.comments);
	if (!any) return;
	const text = ev.data.join('\n');
	let data;
	try {
		data = JSON.parse(text);
	} catch {
		data = text;
	}
	st.events.push({ id: ev.id, event: ev.event, data, text });
}

/**
 * Open the stream with fetch. session: a login() session (bearer) or null;
 * cookie: send it as the cookie instead. Resolves {status, headers, json (not
 * 200), events, comments, retry, raw, ended, error, waitFor(pred, ms), close(),
 * done}.
 */
export async function openStream(server, session, { lastEventId, query = '', cookie = false, method = 'GET' } = {}) {
	const ac = new AbortController();
	const headers = {};
	if (session && cookie) headers.Cookie = session.cookie;
	else if (session) headers.Authorization = `Bearer ${session.token}`;
	if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
	const res = await fetch(`${server.url}${PATH}${query}`, { method, headers, signal: ac.signal });
	const st = {
		status: res.status,
		headers: res.headers,
		events: [],
		comments: [],
		retry: null,
		raw: '',
		ended: false,
		error: null,
		waiters: [],
		close: () => ac.abort(),
		header: (n) => res.headers.get(n),
		toString: () => `${method} ${PATH}${query} → ${res.status}\n${st.raw || st.text || ''}`,
	};
	const check = () => {
		st.waiters = st.waiters.filter((w) => {
			if (!w.pred(st) && !st.ended) return true;
			clearTimeout(w.timer);
			if (w.pred(st)) w.resolve(st);
			else w.reject(new Error(`${w.what}: the stream ended first:\n${st}`));
			return false;
		});
	};
	st.waitFor = (pred, what = 'condition', ms = 8000) =>
		new Promise((resolve, reject) => {
			if (pred(st)) return resolve(st);
			if (st.ended) return reject(new Error(`${what}: the stream has ended:\n${st}`));
			const w = { pred, what, resolve, reject };
			w.timer = setTimeout(() => {
				st.waiters = st.waiters.filter((x) => x !== w);
				reject(new Error(`${what}: not within ${ms} ms:\n${st}`));
			}, ms);
			st.waiters.push(w);
		});
	if (res.status !== 200 || method === 'HEAD') {
		st.text = await res.text();
		try {
			st.json = JSON.parse(st.text);
		} catch {
			st.json = undefined;
		}
		st.ended = true;
		st.done = Promise.resolve();
		return st;
	}
	const reader = res.body.getReader();
	const dec = new TextDecoder();
	let buf = '';
	st.done = (async () => {
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				const t = dec.decode(value, { stream: true });
				st.raw += t;
				buf += t;
				let i;
				while ((i = buf.indexOf('\n\n')) >= 0) {
					parseBlock(st, buf.slice(0, i));
					buf = buf.slice(i + 2);
				}
				check();
			}
		} catch (e) {
			st.error = e;
		}
		st.ended = true;
		check();
	})();
	return st;
}

