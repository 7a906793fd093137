// One Vite build, four pages: the console at /, the grid worker's phone app
// at /m/, the citizen portal at /portal/ and the leader dashboard at
// /dashboard/. Everything ships in dist/: no CDN, fonts or map tiles.
// `WG_API` (default http://127.0.0.1:8080) is where `vite` (dev) proxies the API.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath, URL } from 'node:url';

const page = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
	plugins: [vue()],
	resolve: { alias: { '@shared': page('./src/shared') } },
	build: {
		outDir: 'dist',
		emptyOutDir: true,
		chunkSizeWarningLimit: 1500,
		rollupOptions: {
			input: {
				console: page('./index.html'),
				mobile: page('./m/index.html'),
				portal: page('./portal/index.html'),
				dashboard: page('./dashboard/index.html'),
			},
		},
	},
	server: {
		proxy: { '/api': process.env.WG_API || 'http://127.0.0.1:8080' },
	},
});
