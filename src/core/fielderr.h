/* fielderr.h - field errors collected while validating input.
 *
 * Validation reads every field and records each problem (field name,
 * machine code, English message) instead of stopping at the first, so a
 * client learns everything wrong with a request at once (422). Domain
 * functions record into the same collector as the HTTP validators and
 * return WG_EVALIDATION. Strings are copied into the collector's arena. */
#ifndef WG_CORE_FIELDERR_H
#define WG_CORE_FIELDERR_H

#include "core/arena.h"

#define WG_MAX_FIELD_ERRORS 32

typedef struct wg_field_error {
	const char *field;   /* JSON member or query parameter */
	const char *code;    /* required, type, too_long, range, pattern, unknown, conflict, ... */
	const char *message; /* English sentence for developers; clients localise by code */
} wg_field_error;

typedef struct wg_field_errors {
	wg_arena *arena;
	unsigned n;
	wg_field_error e[WG_MAX_FIELD_ERRORS];
} wg_field_errors;

void wg_field_errors_init(wg_field_errors *fe, wg_arena *arena);

/* Record an error; code must have static storage. Beyond
 * WG_MAX_FIELD_ERRORS, or when memory runs out, the error is dropped (the
 * request still fails: callers check n or their own status). */
void wg_field_errors_add(wg_field_errors *fe, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
