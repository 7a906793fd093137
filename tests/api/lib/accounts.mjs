// Account chores shared by the session, password, users, scope and audit
// tests: creating accounts through the API and bringing them to a full
// session.
import assert from 'node:assert/strict';
import { assertStatus, call, login } from './http.mjs';

let serial = 0;

/** A fresh username: prefix, the process id and a counter (unique per run). */
export function uniqueName(prefix = 'u') {
	serial++;
	return `${prefix}${process.pid % 10000}.${serial}`;
}

/** POST /api/v1/users as admin (a session), asserting 201; the created user (with initial_password if any). */
export async function createUser(srv, admin, fields) {
	const res = await call(srv, 'POST', '/api/v1/users', { token: admin, json: fields });
	assertStatus(res, 201);
	return res.json;
}

/** PUT /api/v1/users/{id}/roles as a secadmin session, asserting 200. */
export async function grantRoles(srv, secadmin, id, roles) {
	const res = await call(srv, 'PUT', `/api/v1/users/${id}/roles`, { token: secadmin, json: { roles } });
	assertStatus(res, 200);
	assert.deepEqual([...res.json.roles].sort(), [...roles].sort(), `roles after PUT:\n${res}`);
	return res.json;
}

/**
 * Sign in an account that must change its password first, change it to
 * newPassword and return the session (now in state full).
 */
export async function activate(srv, username, password, newPassword) {
	const s = await login(srv, username, password);
	assert.equal(s.state, 'password_change_required', `state of a new account:\n${s.res}`);
	const res = await call(srv, 'PUT', '/api/v1/me/password', {
		token: s,
		json: { current_password: password, new_password: newPassword },
	});
	assertStatus(res, 204);
	const me = await call(srv, 'GET', '/api/v1/me', { token: s });
	assertStatus(me, 200);
	assert.equal(me.json.session?.state, 'full', `state after the password change:\n${me}`);
	s.state = 'full';
	return s;
}

/** The id of a username, looked up with GET /users?q= as an admin session. */
export async function userId(srv, admin, username) {
	const res = await call(srv, 'GET', `/api/v1/users?q=${encodeURIComponent(username)}&limit=200`, { token: admin });
	assertStatus(res, 200);
	const u = res.json.items.find((x) => x.username === username);
	assert.ok(u, `no account '${username}' in:\n${res}`);
	return u.id;
}
