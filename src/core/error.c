#include "core/error.h"

#include <stddef.h>

struct error_row {
	int code;
	int status;
	const char *name;
	const char *type;
	const char *message;
};

static const struct error_row rows[] = {
#define WG__ERROR_ROW(name, value, status, type, msg) {value, status, "WG_E" #name, type, msg},
	WG_ERROR_MAP(WG__ERROR_ROW)
#undef WG__ERROR_ROW
};

static const struct error_row *find(int code)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i].code == code)
			return &rows[i];
	return NULL;
}

const char *wg_error_name(int code)
{
	const struct error_row *r = find(code);
	return code == 0 ? "WG_OK" : r ? r->name : "WG_EUNKNOWN";
}

const char *wg_error_message(int code)
{
	const struct error_row *r = find(code);
	return code == 0 ? "success" : r ? r->message : "unknown error";
}

int wg_error_http_status(int code)
{
	const struct error_row *r = find(code);
	return code == 0 ? 200 : r ? r->status : 500;
}

const char *wg_error_type(int code)
{
	const struct error_row *r = find(code);
	return r ? r->type : "internal";
}
