// Live notifications from GET /api/v1/events/stream (server-sent events,
// the session cookie). EventSource hands named events only to listeners of
// that name, so one is added per kind the server sends: "case.<action>" for
// each action of the flow and the clock's own kinds.
import { ref } from 'vue';

const CLOCK_KINDS = [
	'case.reported',
	'case.create',
	'case.yellow',
	'case.red',
	'case.near_deadline',
	'case.summon_overdue',
	'clock.warn',
	'clock.yellow',
	'clock.red',
	'clock.escalate',
	'summon.overdue',
];

/**
 * connectLive(actionNames, onEvent) → {connected, close}
 * onEvent({id, kind, data}) for each notification; connected is a ref that
 * follows the stream (EventSource reconnects by itself after `retry`).
 */
export function connectLive(actionNames, onEvent) {
	const connected = ref(false);
	const es = new EventSource('/api/v1/events/stream', { withCredentials: true });
	es.onopen = () => (connected.value = true);
	es.onerror = () => (connected.value = es.readyState === EventSource.OPEN);
	const kinds = new Set([...CLOCK_KINDS, ...actionNames.map((a) => `case.${a}`)]);
	const handle = (e) => {
		let data = {};
		try {
			data = JSON.parse(e.data);
		} catch {
			data = {};
		}
		onEvent({ id: e.lastEventId, kind: e.type, data });
	};
	for (const k of kinds) es.addEventListener(k, handle);
	es.onmessage = handle;
	return {
		connected,
		close: () => {
			es.close();
			connected.value = false;
		},
	};
}
