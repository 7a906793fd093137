// Where the phone is: navigator.geolocation as a promise of {lat, lng,
// accuracy}, rounded to the 7 decimals the server keeps.

const round = (x) => Math.round(x * 1e7) / 1e7;

/** Resolves {lat, lng, accuracy}; rejects with {code, message} (1 denied, 2 unavailable, 3 timeout). */
export function currentPosition({ timeout = 15000 } = {}) {
	return new Promise((resolve, reject) => {
		if (!navigator.geolocation) {
			reject({ code: 2, message: 'no geolocation' });
			return;
		}
		navigator.geolocation.getCurrentPosition(
			(p) => resolve({ lat: round(p.coords.latitude), lng: round(p.coords.longitude), accuracy: p.coords.accuracy }),
			(e) => reject({ code: e.code, message: e.message }),
			{ enableHighAccuracy: true, timeout, maximumAge: 60000 },
		);
	});
}
