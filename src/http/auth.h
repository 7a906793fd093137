/* auth.h - where a request's session token comes from: the
 * "Authorization: Bearer TOKEN" header, else the wg_session cookie.
 *
 * The parsing of both headers is kept apart from the auth step (auth.c,
 * which looks the token up and checks roles and CSRF) as a pure function,
 * so that untrusted header bytes have a fuzz driver of their own
 * (tests/fuzz/fuzz_cookie_auth.c). */
#ifndef WG_HTTP_AUTH_H
#define WG_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* The session token of a request whose Authorization and Cookie headers
 * have these values (NULL: header absent), copied NUL-terminated into buf
 * (len bytes).
 *
 * An Authorization value starting with "Bearer " (the word in any case)
 * decides alone: the token is the rest after any further spaces, taken as
 * it is. Otherwise the Cookie value is read as "a=b; wg_session=TOKEN;
 * c=d": spaces and ';' before a cookie are skipped, the name is matched
 * exactly, and the first wg_session cookie decides; its value runs to the
 * next ';' or the end.
 *
 * Returns true with the token in buf and *from_cookie set when it came from
 * the cookie (so that CSRF applies), false (buf and *from_cookie
 * untouched) when there is no token, it is empty, or it needs len bytes
 * or more. Allocates nothing. */
bool wg_auth_token(const char *authorization, const char *cookie, char *buf, size_t len, bool *from_cookie);

#endif
