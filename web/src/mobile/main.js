// The grid worker's phone app (/m/): Vant components, designed for a 390x844
// screen. Only the components used are imported, each with its own styles.
import { createApp } from 'vue';
import {
	ActionSheet,
	Badge,
	Button,
	Cascader,
	Cell,
	CellGroup,
	Divider,
	Empty,
	Field,
	Form,
	Icon,
	Loading,
	NavBar,
	NoticeBar,
	Popup,
	PullRefresh,
	Radio,
	RadioGroup,
	Search,
	Step,
	Steps,
	Switch,
	Tab,
	Tabbar,
	TabbarItem,
	Tabs,
	Tag,
} from 'vant';
import './icons.css';
import './vant-styles.js';
import './theme.css';
import App from './App.vue';
import { createMobileRouter } from './router.js';
import { applyVantLocale, locale } from './core.js';
import { registerOffline } from './offline.js';

document.documentElement.lang = locale.value;
applyVantLocale();

const app = createApp(App);
for (const c of [
	ActionSheet,
	Badge,
	Button,
	Cascader,
	Cell,
	CellGroup,
	Divider,
	Empty,
	Field,
	Form,
	Icon,
	Loading,
	NavBar,
	NoticeBar,
	Popup,
	PullRefresh,
	Radio,
	RadioGroup,
	Search,
	Step,
	Steps,
	Switch,
	Tab,
	Tabbar,
	TabbarItem,
	Tabs,
	Tag,
])
	app.use(c);
app.use(createMobileRouter());
app.mount('#app');
registerOffline();
