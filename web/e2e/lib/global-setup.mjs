// Starts the one wangge server of the browser tests: fresh SQLite data with
// the Mei-county demo (grids, staff and accounts, 300 residents; no cases:
// the specs report their own), the built web app from web/dist. The specs
// read WG_BASE_URL; the returned function stops the server.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../tests/api/lib/server.mjs';

// WG_E2E_DIST: another build of the app (a helper's own), web/dist by default.
const dist = process.env.WG_E2E_DIST || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

export default async function globalSetup() {
	if (!fs.existsSync(path.join(dist, 'index.html')))
		throw new Error(`no built web app in ${dist}: run "npm run build" in web/ first`);
	const srv = await startServer({ store: 'sqlite', staticDir: dist, residents: 300 });
	process.env.WG_BASE_URL = srv.url;
	process.env.WG_E2E_DIR = srv.dir;
	return async () => {
		await srv.stop();
	};
}
