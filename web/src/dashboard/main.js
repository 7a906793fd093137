// The leader dashboard at /dashboard/: counts, trend, categories and
// sources, rankings of towns and departments, the grid map, the warnings and live
// notifications, on a dark screen fit for 1440×900 up to a 1920×1080 wall.
import { createApp, watch } from 'vue';
import { locale } from '@shared/i18n.js';
import App from './App.vue';
import router from './router.js';
import './dashboard.css';

watch(locale, (code) => (document.documentElement.lang = code), { immediate: true });

createApp(App).use(router).mount('#app');
