// Routes under /dashboard/: the overview screen, also at /overview.
import { createRouter, createWebHistory } from 'vue-router';
import OverviewView from './views/OverviewView.vue';

export default createRouter({
	history: createWebHistory('/dashboard/'),
	routes: [
		{ path: '/', name: 'overview', component: OverviewView },
		{ path: '/overview', redirect: '/' },
		{ path: '/:rest(.*)*', redirect: '/' },
	],
});
