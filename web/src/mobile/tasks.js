// The worker's tasks and reminders, kept fresh while the app is open:
//  - cases to verify on site (state feedback in the worker's grid, and
//    self-resolved cases sampled for verification),
//  - the reports of the grid's staff with their state (the API has no
//    "reported by me" filter; in a grid these are its worker's reports),
//  - visits and patrols due (GET /visits/due), with a badge and a notice
//    when one is due today or overdue.
// Fresh how: GET /events/stream is read with EventSource, which cannot send
// the bearer header; the server also accepts the HttpOnly session cookie it
// set at sign-in, and EventSource sends that (same origin). Whatever the
// stream does, the lists are fetched again every POLL_MS while the app is
// visible, so reminders arrive even where the stream is cut off (a proxy, an
// expired cookie).
import { reactive } from 'vue';
import { api, auth, online, chinaDate } from './core.js';

const POLL_MS = 60_000;

export const tasks = reactive({
	verify: [],
	mine: [],
	visits: [],
	loaded: false,
	loading: false,
	error: null,
	live: false, // the event stream is connected
	at: 0,
});

/** Visits due today or overdue: the reminder count. */
export function urgentVisits() {
	const today = chinaDate();
	return tasks.visits.filter((v) => v.status === 'overdue' || v.missed || chinaDate(new Date(v.due_at)) <= today);
}

export function badgeCount() {
	return tasks.verify.length + urgentVisits().length;
}

async function casesIn(query) {
	const r = await api.get('/cases', { grid: auth.user.grid || undefined, limit: 50, ...query });
	return r.items;
}

const CACHE_KEY = 'wg.mobile.tasks';

// The last lists are kept on the phone while the worker is signed in, to be
// seen when it starts offline; signing out removes them.
function remember() {
	const { verify, mine, visits, at } = tasks;
	try {
		localStorage.setItem(CACHE_KEY, JSON.stringify({ user: auth.user?.username, verify, mine, visits, at }));
	} catch {
		/* storage full: the lists are only not kept */
	}
}
function recall() {
	try {
		const old = JSON.parse(localStorage.getItem(CACHE_KEY) || 'null');
		if (old && old.user === auth.user?.username) {
			const { verify, mine, visits, at } = old;
			Object.assign(tasks, { verify, mine, visits, at, loaded: true });
		}
	} catch {
		/* a spoilt copy is ignored */
	}
}

/** Fetch all three lists; keeps the previous ones when offline. */
export async function refreshTasks() {
	if (!auth.user || auth.state !== 'full') return;
	tasks.loading = true;
	try {
		const [feedback, sampled, mine, due] = await Promise.all([
			casesIn({ state: 'feedback' }),
			casesIn({ state: 'sampled' }),
			casesIn({ source: 'grid', limit: 30 }),
			api.get('/visits/due', { days: 3, limit: 100 }),
		]);
		// Lists do not say what the caller may do (actions is empty there):
		// a feedback or sampled case in the worker's grid is theirs to verify,
		// and the case screen offers the actions the server allows.
		tasks.verify = [...feedback, ...sampled].sort((a, b) => (a.deadline || '').localeCompare(b.deadline || ''));
		tasks.mine = mine;
		tasks.visits = due.items;
		tasks.error = null;
		tasks.loaded = true;
		tasks.at = Date.now();
		remember();
	} catch (e) {
		tasks.error = e;
	} finally {
		tasks.loading = false;
	}
}

let source = null;
let timer = null;

function openStream() {
	if (source || typeof EventSource === 'undefined' || !online.value) return;
	source = new EventSource(api.url('/events/stream'));
	source.onopen = () => (tasks.live = true);
	source.onerror = () => {
		tasks.live = false;
		// CLOSED: the server refused (401/403/429): polling carries on alone
		// until the next start; CONNECTING: EventSource retries by itself.
		if (source?.readyState === EventSource.CLOSED) {
			source = null;
		}
	};
	// An event only says "something changed": the lists are read again with
	// the worker's own token (the stream's cookie may belong to another
	// sign-in in this browser, so its content is not shown).
	const handle = (ev) => {
		if (ev.type === 'session.ended') {
			closeStream();
			return;
		}
		refreshSoon();
	};
	const actions = 'accept reject assess dispatch acknowledge return extend approve_extension refuse_extension feedback verify rework close callback reopen archive escalate supervise summon report_in merge';
	const kinds = [
		'case.reported',
		'case.dispatched',
		...actions.split(' ').map((a) => `case.${a}`),
		'clock.warn',
		'clock.yellow',
		'clock.red',
		'clock.escalate',
		'summon.overdue',
		'session.ended',
		'message',
	];
	for (const kind of kinds)
		source.addEventListener(kind, handle);
}

let soon = null;
/** One refresh for a burst of events. */
function refreshSoon() {
	clearTimeout(soon);
	soon = setTimeout(refreshTasks, 500);
}

function closeStream() {
	source?.close();
	source = null;
	tasks.live = false;
}

/** Start keeping the tasks fresh (after sign-in); stopReminders() on sign-out. */
export function startReminders() {
	if (!tasks.loaded) recall();
	refreshTasks();
	openStream();
	if (!timer)
		timer = setInterval(() => {
			if (document.visibilityState !== 'visible' || !online.value) return;
			refreshTasks();
			if (!source) openStream();
		}, POLL_MS);
}

export function stopReminders() {
	localStorage.removeItem(CACHE_KEY);
	clearInterval(timer);
	timer = null;
	closeStream();
	tasks.verify = [];
	tasks.mine = [];
	tasks.visits = [];
	tasks.loaded = false;
}

window.addEventListener('online', () => {
	if (timer) {
		refreshTasks();
		openStream();
	}
});
window.addEventListener('offline', closeStream);
