// The console: Element Plus pages for centre operators, department
// handlers, leaders, mediators and the three administrators. The router's
// guard keeps the session rules of API.md: no session → sign-in (with the
// page asked for as `next`); a session that must change its password or
// enrol a second factor → the account page until that is done; a page not
// meant for the user's roles → the first page that is.
import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './console.css';
import { locale } from '@shared/i18n.js';
import App from './App.vue';
import { createConsoleRouter } from './router.js';
import { homeFor, allowed } from './components/nav.js';
import { api, user, t } from './components/context.js';

document.documentElement.lang = locale.value;

const router = createConsoleRouter();

let checked = false;
router.beforeEach(async (to) => {
	if (to.meta.public) return true;
	let s = api.session();
	if (!s) return { path: '/login', query: { next: to.fullPath } };
	if (!checked) {
		// The remembered session may have ended on the server: ask once.
		try {
			s = await api.refresh();
			checked = true;
		} catch (e) {
			if (e.status === 401) return { path: '/login', query: { next: to.fullPath } };
			checked = true;
		}
	}
	user.value = s.user;
	if (s.state && s.state !== 'full' && to.name !== 'password') return { path: '/password', query: { next: to.fullPath } };
	const roles = s.user?.roles || [];
	if (!allowed(to, roles)) {
		const home = homeFor(roles);
		if (home && home !== to.path) return home;
	}
	return true;
});

router.afterEach((to) => {
	const key = to.meta.menu ? `menu.${to.meta.menu === 'new' ? 'new' : to.meta.menu}` : null;
	document.title = key ? `${t(key)} · ${t('app.name')}` : t('app.name');
});

createApp(App).use(ElementPlus).use(router).mount('#app');
