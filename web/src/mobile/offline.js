// The app opens without network: a service worker (/m/sw.js, from
// web/public/m/) keeps the page and its assets. Once it says they are kept,
// <html data-offline="ready"> tells whoever cares (the browser tests too).
import { ref } from 'vue';

export const shellKept = ref(false);

export function registerOffline() {
	if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
	let asked = 0;
	const ask = (reg) => {
		asked += 1;
		reg.active?.postMessage({ type: 'shell?' });
	};
	navigator.serviceWorker.addEventListener('message', (ev) => {
		if (ev.data?.type !== 'shell') return;
		shellKept.value = !!ev.data.ok;
		if (ev.data.ok) document.documentElement.dataset.offline = 'ready';
		// A new build may still be being stored: ask again a little later.
		else if (asked < 5) setTimeout(() => navigator.serviceWorker.ready.then(ask), 2000);
	});
	navigator.serviceWorker
		.register('/m/sw.js', { scope: '/m/' })
		.then(() => navigator.serviceWorker.ready)
		.then(ask)
		.catch(() => {
			/* no service worker (a private window): the app still works online */
		});
}
