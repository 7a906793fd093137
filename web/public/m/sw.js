// Service worker of the grid worker's phone app (scope /m/): it keeps the
// app itself (the page and its hashed assets) on the phone, so that the app
// opens without network and the reports kept in its outbox can be seen and
// are sent when the network returns. It never touches the API: every
// /api/ request goes to the network as if there were no worker.
const CACHE = 'wg-mobile-shell-v1';
const SHELL = '/m/';

const assetsOf = (html) => [...new Set(Array.from(html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g), (m) => m[1]))];

// Store the page and the assets it names; drop assets of older builds.
async function keepShell(res) {
	const cache = await caches.open(CACHE);
	const html = await res.clone().text();
	const assets = assetsOf(html);
	await cache.put(SHELL, res);
	await Promise.all(
		assets.map(async (a) => {
			if (!(await cache.match(a))) await cache.add(a);
		}),
	);
	const keep = new Set(assets.map((a) => new URL(a, self.location.origin).href));
	for (const req of await cache.keys()) {
		const url = new URL(req.url);
		if (url.pathname.startsWith('/assets/') && !keep.has(req.url)) await cache.delete(req);
	}
}

self.addEventListener('install', (event) => {
	event.waitUntil(
		fetch(SHELL, { cache: 'no-cache' })
			.then((res) => (res.ok ? keepShell(res) : undefined))
			.then(() => self.skipWaiting()),
	);
});

self.addEventListener('activate', (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((names) => Promise.all(names.filter((n) => n.startsWith('wg-mobile-shell-') && n !== CACHE).map((n) => caches.delete(n))))
			.then(() => self.clients.claim()),
	);
});

self.addEventListener('fetch', (event) => {
	const req = event.request;
	if (req.method !== 'GET') return;
	const url = new URL(req.url);
	if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
	if (req.mode === 'navigate' && url.pathname.startsWith('/m/')) {
		// The network first (a new build shows at once), the kept page offline.
		event.respondWith(
			fetch(req)
				.then((res) => {
					if (res.ok && (res.headers.get('Content-Type') || '').includes('text/html'))
						event.waitUntil(keepShell(res.clone()).catch(() => {}));
					return res;
				})
				.catch(() => caches.match(SHELL).then((r) => r || Response.error())),
		);
		return;
	}
	if (url.pathname.startsWith('/assets/')) {
		// Hashed names never change: the kept copy, else the network.
		event.respondWith(
			caches.match(req).then(
				(hit) =>
					hit ||
					fetch(req).then((res) => {
						if (res.ok) {
							const copy = res.clone();
							event.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
						}
						return res;
					}),
			),
		);
	}
});

// The page asks "is the app kept?" once it runs; the answer comes once the
// page and its assets are in the cache.
self.addEventListener('message', (event) => {
	if (event.data?.type !== 'shell?') return;
	event.waitUntil(
		caches
			.open(CACHE)
			.then(async (cache) => {
				let page = await cache.match(SHELL);
				if (!page) {
					const res = await fetch(SHELL, { cache: 'no-cache' });
					if (res.ok) await keepShell(res);
					page = await cache.match(SHELL);
				}
				if (!page) return false;
				const assets = assetsOf(await page.text());
				const present = await Promise.all(assets.map((a) => cache.match(a)));
				return present.every(Boolean);
			})
			.catch(() => false)
			.then((ok) => event.source?.postMessage({ type: 'shell', ok })),
	);
});
