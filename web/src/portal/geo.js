// Which grid of a FeatureCollection holds a point: the even-odd rule on
// each ring (holes included), enough for grid polygons of a county.

function inRing(ring, x, y) {
	let inside = false;
	for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
		const [xi, yi] = ring[i];
		const [xj, yj] = ring[j];
		if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
	}
	return inside;
}

function inPolygon(rings, x, y) {
	let inside = false;
	for (const ring of rings) if (inRing(ring, x, y)) inside = !inside;
	return inside;
}

/** The feature holding {lat, lng}, or null. */
export function gridAt(collection, { lat, lng }) {
	for (const f of collection?.features || []) {
		const g = f.geometry;
		if (!g) continue;
		const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
		if (polys.some((p) => inPolygon(p, lng, lat))) return f;
	}
	return null;
}
