// TOTP (RFC 6238 over RFC 4226 HOTP) computed independently of the server,
// with node:crypto, so that the tests can act as an authenticator app.
// totp.test.mjs checks it against the RFC 6238 SHA-1 test vectors.
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 to bytes; case, spaces and '=' padding are ignored. */
export function base32Decode(text) {
	const clean = text.toUpperCase().replace(/[\s=]/g, '');
	let bits = 0;
	let value = 0;
	const out = [];
	for (const ch of clean) {
		const v = ALPHABET.indexOf(ch);
		if (v < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
		value = (value << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out.push((value >>> bits) & 0xff);
		}
	}
	return Buffer.from(out);
}

/** HOTP (RFC 4226) of counter with key (bytes), digits long, as a zero-padded string. */
export function hotp(key, counter, { digits = 6, algorithm = 'sha1' } = {}) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(counter));
	const mac = createHmac(algorithm, key).update(msg).digest();
	const off = mac[mac.length - 1] & 0x0f;
	const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
	return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The TOTP step (30 s) of a unix time in seconds (default: now). */
export function stepOf(unixSeconds = Date.now() / 1000, period = 30) {
	return Math.floor(unixSeconds / period);
}

/** TOTP code of a base32 secret (or key bytes) for a step (default: now). */
export function totpCode(secret, { step = stepOf(), digits = 6, algorithm = 'sha1' } = {}) {
	const key = Buffer.isBuffer(secret) ? secret : base32Decode(secret);
	return hotp(key, step, { digits, algorithm });
}
