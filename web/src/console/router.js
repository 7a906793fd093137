// The console's pages. Each route names its view file in ./views; the
// views are loaded when first visited (one chunk each). `roles` lists who
// the page is for (the menu hides it from others; the API still decides
// what each may see). `public` pages need no session.
import { createRouter, createWebHistory } from 'vue-router';

const views = import.meta.glob('./views/*.vue');
const view = (name) => {
	const load = views[`./views/${name}.vue`];
	return load || (() => Promise.reject(new Error(`console view ${name}.vue is missing`)));
};

const CASE_WORK = ['grid_worker', 'grid_head', 'centre_operator', 'dept_handler', 'dept_head', 'mediator', 'leader'];
const BASEDATA = ['grid_worker', 'grid_head', 'centre_operator', 'leader'];
// Who registers disputes and petitions (flows/dispute.json and petition.json report_roles).
const DISPUTE_REPORT = ['grid_worker', 'grid_head', 'centre_operator', 'dept_handler', 'dept_head', 'mediator'];
const PETITION_REPORT = ['centre_operator', 'dept_handler', 'dept_head'];

export const routes = [
	{ path: '/login', name: 'login', component: view('Login'), meta: { public: true } },
	{ path: '/password', name: 'password', component: view('ChangePassword'), meta: { session: 'any' } },
	{ path: '/', redirect: '/work' },
	{ path: '/work', name: 'work', component: view('WorkList'), meta: { menu: 'work', roles: CASE_WORK } },
	{ path: '/cases/new', name: 'case-new', component: view('CaseNew'), meta: { menu: 'new', roles: CASE_WORK } },
	{ path: '/cases/:id(\\d+)', name: 'case', component: view('CaseDetail'), meta: { roles: CASE_WORK } },
	{ path: '/map', name: 'map', component: view('GridMap'), meta: { menu: 'map', roles: CASE_WORK } },
	{ path: '/disputes', name: 'disputes', component: view('DisputeList'), meta: { menu: 'disputes', item: 'disputeWork', roles: CASE_WORK } },
	{ path: '/disputes/new', name: 'dispute-new', component: view('DisputeNew'), meta: { menu: 'disputes', item: 'disputeNew', roles: DISPUTE_REPORT } },
	{ path: '/petitions/new', name: 'petition-new', component: view('PetitionNew'), meta: { menu: 'disputes', item: 'petitionNew', roles: PETITION_REPORT } },
	{ path: '/disputes/:id(\\d+)', name: 'dispute', component: view('DisputeDetail'), meta: { roles: CASE_WORK } },
	{ path: '/petitions/:id(\\d+)', name: 'petition', component: view('DisputeDetail'), meta: { roles: CASE_WORK } },
	{
		path: '/basedata/:kind(residents|houses|organisations|places)',
		name: 'basedata',
		component: view('BaseData'),
		meta: { menu: 'basedata', roles: BASEDATA },
	},
	{ path: '/admin/users', name: 'users', component: view('AdminUsers'), meta: { menu: 'admin', roles: ['sysadmin', 'secadmin'] } },
	{ path: '/admin/departments', name: 'departments', component: view('AdminDepartments'), meta: { menu: 'admin', roles: ['sysadmin'] } },
	{ path: '/admin/categories', name: 'categories', component: view('AdminCategories'), meta: { menu: 'admin', roles: ['sysadmin', 'centre_operator'] } },
	{ path: '/admin/calendar', name: 'calendar', component: view('AdminCalendar'), meta: { menu: 'admin', roles: ['sysadmin', 'centre_operator'] } },
	{ path: '/admin/mediation', name: 'mediation', component: view('AdminMediation'), meta: { menu: 'admin', roles: ['sysadmin', 'centre_operator'] } },
	{ path: '/admin/posts', name: 'posts', component: view('AdminPosts'), meta: { menu: 'admin', roles: ['sysadmin', 'centre_operator'] } },
	{ path: '/admin/settings', name: 'settings', component: view('AdminSettings'), meta: { menu: 'admin', roles: ['sysadmin', 'secadmin'] } },
	{ path: '/audit', name: 'audit', component: view('Audit'), meta: { menu: 'audit', roles: ['auditor'] } },
	{ path: '/:rest(.*)*', name: 'not-found', component: view('NotFound'), meta: { public: true } },
];

export function createConsoleRouter() {
	return createRouter({ history: createWebHistory('/'), routes });
}
