#include "core/fielderr.h"

#include <stdarg.h>

void wg_field_errors_init(wg_field_errors *fe, wg_arena *arena)
{
	fe->arena = arena;
	fe->n = 0;
}

void wg_field_errors_add(wg_field_errors *fe, const char *field, const char *code, const char *fmt, ...)
{
	if (fe->n == WG_MAX_FIELD_ERRORS)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *message = wg_arena_vprintf(fe->arena, fmt, ap);
	va_end(ap);
	wg_field_error *e = &fe->e[fe->n];
	e->field = wg_arena_strdup(fe->arena, field);
	e->code = code;
	e->message = message;
	if (e->field && e->message)
		fe->n++;
}
