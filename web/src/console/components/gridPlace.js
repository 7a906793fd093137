// Where a report being registered happens, as the new-case and new-dispute
// forms find it: the grid of a typed code (GET /grids/{code}), of a point
// (GET /grids/locate), or of a grid clicked on the map; and the grids drawn
// on the form's map (GET /grids.geojson of the user's area).
import { ref } from 'vue';
import { api } from './context.js';

export const GRID_CODE = /^\d{15}(\d{3})?$/;

/**
 * useGridPlace(mapRef) → {located, locateMiss, areaGeo, lookGrid, locate, pickGrid, loadArea}
 *   located     the grid found ({code, name, ...}) or null
 *   locateMiss  true when the last look found none
 *   areaGeo     the GeoJSON of the map's grids, or null
 * mapRef: the form's GridMap, fitted to the grids once they are drawn.
 */
export function useGridPlace(mapRef) {
	const located = ref(null);
	const locateMiss = ref(false);
	const areaGeo = ref(null);

	/** The grid of a code; a code of the wrong shape is not asked. */
	async function lookGrid(code) {
		located.value = null;
		locateMiss.value = false;
		if (!GRID_CODE.test(code)) return;
		try {
			located.value = await api.get(`/grids/${code}`);
		} catch {
			locateMiss.value = true;
		}
	}

	/** The grid of a point (numbers; a non-finite one is not asked). */
	async function locate(lat, lng) {
		located.value = null;
		locateMiss.value = false;
		if (!Number.isFinite(lat) || !Number.isFinite(lng)) return;
		try {
			located.value = await api.get('/grids/locate', { lat, lng });
		} catch (e) {
			if (e.status === 404 || e.status === 422) locateMiss.value = true;
		}
	}

	/** A grid clicked on the map (a GeoJSON feature). */
	function pickGrid(feature) {
		located.value = { code: feature.properties.code, name: feature.properties.name };
		locateMiss.value = false;
	}

	/** Draws the grids of `query` (GET /grids.geojson) and fits the map to them. */
	async function loadArea(query) {
		try {
			areaGeo.value = await api.get('/grids.geojson', query);
			// The column settles its width after the first paint: fit again then.
			setTimeout(() => {
				mapRef.value?.invalidate();
				mapRef.value?.fit();
			}, 300);
		} catch {
			areaGeo.value = null;
		}
	}

	return { located, locateMiss, areaGeo, lookGrid, locate, pickGrid, loadArea };
}
