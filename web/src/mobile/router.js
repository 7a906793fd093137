// The phone app's screens under /m/ (the server answers /m/index.html for
// any path below it, so each screen has its own address). Everything but
// sign-in needs a session; a session that must first change its password
// goes to the password screen.
import { createRouter, createWebHistory } from 'vue-router';
import { auth, whenUnauthorized } from './core.js';
import SignIn from './views/SignIn.vue';
import Password from './views/Password.vue';
import Tasks from './views/Tasks.vue';
import Report from './views/Report.vue';
import Visit from './views/Visit.vue';
import CaseDetail from './views/CaseDetail.vue';
import Outbox from './views/Outbox.vue';
import Me from './views/Me.vue';
import FamilyCallback from './views/FamilyCallback.vue';

export const routes = [
	{ path: '/login', name: 'login', component: SignIn, meta: { public: true, title: 'login.title' } },
	{ path: '/password', name: 'password', component: Password, meta: { anyState: true, title: 'password.title', back: true } },
	{ path: '/', redirect: '/tasks' },
	{ path: '/tasks', name: 'tasks', component: Tasks, meta: { tab: 'tasks', title: 'tasks.title' } },
	{ path: '/report', name: 'report', component: Report, meta: { tab: 'report', title: 'report.title' } },
	{ path: '/visit', name: 'visit', component: Visit, meta: { tab: 'visit', title: 'visit.title' } },
	{ path: '/case/:id(\\d+)', name: 'case', component: CaseDetail, meta: { title: 'case.title', back: true } },
	{ path: '/outbox', name: 'outbox', component: Outbox, meta: { title: 'outbox.title', back: true } },
	{ path: '/callback/:id(\\d+)', name: 'callback', component: FamilyCallback, meta: { title: 'callback.title', back: true } },
	{ path: '/me', name: 'me', component: Me, meta: { tab: 'me', title: 'me.title' } },
	{ path: '/:rest(.*)*', redirect: '/tasks' },
];

export function createMobileRouter() {
	const router = createRouter({ history: createWebHistory('/m/'), routes });
	router.beforeEach((to) => {
		if (to.meta.public) return auth.user && to.name === 'login' && auth.state === 'full' ? '/tasks' : true;
		if (!auth.user) return { name: 'login', query: to.fullPath !== '/tasks' ? { next: to.fullPath } : {} };
		if (auth.state !== 'full' && !to.meta.anyState) return { name: 'password' };
		return true;
	});
	whenUnauthorized(() => {
		const here = router.currentRoute.value;
		if (!here.meta.public) router.replace({ name: 'login', query: { next: here.fullPath } });
	});
	return router;
}
