// Routes of the portal under /portal/: report (home), the tracking code
// after a report, follow (with the code in the path) and the list of codes
// remembered on this phone.
import { createRouter, createWebHistory } from 'vue-router';

export default createRouter({
	history: createWebHistory('/portal/'),
	routes: [
		{ path: '/', name: 'report', component: () => import('./views/ReportView.vue') },
		{ path: '/done/:code', name: 'done', component: () => import('./views/DoneView.vue'), props: true },
		{ path: '/track/:code?', name: 'follow', component: () => import('./views/FollowView.vue'), props: true },
		{ path: '/mine', name: 'mine', component: () => import('./views/MineView.vue') },
		{ path: '/:rest(.*)*', redirect: '/' },
	],
	scrollBehavior: () => ({ top: 0 }),
});
