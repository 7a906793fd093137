/* open311.h - Open311 GeoReport v2 (API.md "Open311") over the case engine.
 *
 * /open311/v2/ lets existing Open311 clients and apps report into the
 * platform as the citizen portal does (no account, a limit per address):
 * the services are the minor categories of events, a service request is a
 * citizen's report, and its service_request_id is the report's tracking
 * code. A request is read by its id only: this server lists no one's
 * requests to anyone else, since where and what a citizen reported can name
 * them to those they reported. The handlers are in open311.c; what is read
 * from the form is here, a pure function with a fuzz driver. */
#ifndef WG_API_OPEN311_H
#define WG_API_OPEN311_H

#include "core/arena.h"
#include "core/fielderr.h"

#include <stdbool.h>

struct evkeyvalq;

#define WG_OPEN311_MEDIA_URL_MAX 1000 /* bytes */

/* What a client sent to POST /open311/v2/requests, for the case engine. */
typedef struct wg_open311_request {
	const char *service_code; /* the category */
	const char *description;  /* NULL when not given; with the media_url's line */
	const char *address;      /* address_string */
	const char *name;         /* first_name and last_name */
	const char *phone;
	bool has_location;
	double lat, lng;
} wg_open311_request;

/* The decoded form (http/target.h's query parser reads a form body too)
 * into *out, its strings copied into the arena. Records a field error
 * named by the Open311 parameter for each problem: service_code missing,
 * a parameter given twice, lat and long not both given or not numbers of
 * degrees, a request without a point (address_string and address_id alone
 * cannot be placed), a media_url that is not an http(s) URL. The case
 * engine checks the rest (the category, the description's length, the
 * phone). Parameters GeoReport v2 defines that this server does not keep
 * (email, device_id, account_id, api_key, jurisdiction_id, attributes) are
 * ignored. Returns true when no error was recorded. */
bool wg_open311_read_request(const struct evkeyvalq *form, wg_arena *arena, wg_open311_request *out,
                             wg_field_errors *fe);

/* The Open311 parameter that names what a case engine's field error names
 * ("category" is "service_code", "location" is "lat"). */
const char *wg_open311_param_of(const char *field);

#endif
