// The event flow as the screens need it: state and action labels, and the
// fields of an action (GET /flows/event, kept on the phone).
import { ref } from 'vue';
import { loadFlow } from './core.js';

export const flow = ref(null);

export function ensureFlow() {
	return loadFlow()
		.then((f) => (flow.value = f))
		.catch(() => null);
}

export function flowState(name) {
	return flow.value?.states.find((s) => s.name === name) || null;
}

export function flowAction(name) {
	return flow.value?.actions.find((a) => a.name === name) || null;
}

ensureFlow();
