// The dashboard shares the console's session: the same cookie, and the CSRF
// token and user the console keeps in sessionStorage under 'wg.console'.
import { ref } from 'vue';
import { createApi } from '@shared/api.js';

/** True once the server said the session is gone (401): show the sign-in link. */
export const signedOut = ref(false);

export const api = createApi({
	mode: 'cookie',
	storage: sessionStorage,
	key: 'wg.console',
	onUnauthorized: () => {
		signedOut.value = true;
	},
});

/** Where the console signs in and comes back here. */
export const LOGIN_URL = '/login?next=/dashboard/';
