// The citizen portal at /portal/: report a matter without an account, get a
// tracking code, follow it and rate the result. Mobile first (Vant).
import { createApp, watch } from 'vue';
import {
	Button,
	Picker,
	Cell,
	CellGroup,
	ConfigProvider,
	Dialog,
	Empty,
	Field,
	Form,
	Loading,
	NavBar,
	Popup,
	Tabbar,
	TabbarItem,
	Tag,
	Locale,
} from 'vant';
import zhCN from 'vant/es/locale/lang/zh-CN';
import enUS from 'vant/es/locale/lang/en-US';
import './vant-styles.js';
import { locale } from '@shared/i18n.js';
import App from './App.vue';
import router from './router.js';
import './portal.css';

const app = createApp(App);
for (const c of [
	Button,
	Picker,
	Cell,
	CellGroup,
	ConfigProvider,
	Dialog,
	Empty,
	Field,
	Form,
	Loading,
	NavBar,
	Popup,
	Tabbar,
	TabbarItem,
	Tag,
])
	app.use(c);

// Vant's own texts (placeholders, buttons of dialogs) follow the chosen language.
watch(
	locale,
	(code) => {
		Locale.use(code === 'en' ? 'en-US' : 'zh-CN', code === 'en' ? enUS : zhCN);
		document.documentElement.lang = code;
	},
	{ immediate: true },
);

app.use(router).mount('#app');
