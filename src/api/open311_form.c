#include "api/open311.h"

#include "core/error.h"
#include "http/validate.h"

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

/* The value of name, "" counted as absent; a second one is an error. */
static const char *param(const struct evkeyvalq *form, const char *name, wg_field_errors *fe)
{
	const char *value = NULL;
	unsigned n = 0;
	const struct evkeyval *kv;
	TAILQ_FOREACH(kv, form, next) {
		if (strcmp(kv->key, name) == 0 && n++ == 0)
			value = kv->value;
	}
	if (n > 1)
		wg_field_errors_add(fe, name, "duplicate", "%s is given %u times; send it once", name, n);
	return value && *value ? value : NULL;
}

static void degree(const char *name, const char *text, double max, double *out, wg_field_errors *fe)
{
	int rc = wg_degree_parse(text, max, out);
	if (rc == WG_EBADREQ)
		wg_field_errors_add(fe, name, "type", "%s must be a decimal number of degrees (WGS-84)",
		                    name);
	else if (rc)
		wg_field_errors_add(fe, name, "range", "%s must be within -%g..%g", name, max, max);
}

/* The parameters this server reads, each read once. */
struct params {
	const char *service_code, *lat, *lng, *address, *address_id, *description, *media_url, *phone, *first,
		*last;
};

/* Where the report is: lat and long, both or neither; without them the
 * request cannot be placed in a grid. */
static void read_point(const struct params *p, wg_open311_request *out, wg_field_errors *fe)
{
	if (p->lat && p->lng) {
		unsigned before = fe->n;
		degree("lat", p->lat, 90, &out->lat, fe);
		degree("long", p->lng, 180, &out->lng, fe);
		out->has_location = fe->n == before;
	} else if (p->lat || p->lng) {
		wg_field_errors_add(fe, p->lat ? "long" : "lat", "required", "lat and long come together");
	} else {
		wg_field_errors_add(
			fe, "lat", "required",
			p->address || p->address_id
				? "lat and long are required: this server places a request by its "
				  "point, not by an address"
				: "lat and long are required");
	}
}

static bool http_url(const char *s)
{
	if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The description, with a line naming the photo's address when there is
 * one: this server fetches nothing from elsewhere, so the URL is kept for
 * the operators to open. */
static const char *description_of(const char *text, const char *media_url, wg_arena *arena,
                                  wg_field_errors *fe)
{
	if (media_url && (strlen(media_url) > WG_OPEN311_MEDIA_URL_MAX || !http_url(media_url))) {
		wg_field_errors_add(fe, "media_url", "type",
		                    "media_url must be an http or https URL of at most %d bytes",
		                    WG_OPEN311_MEDIA_URL_MAX);
		media_url = NULL;
	}
	if (!text || !media_url)
		return text ? wg_arena_strdup(arena, text) : NULL;
	return wg_arena_printf(arena, "%s\n照片：%s", text, media_url);
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* A Chinese name is family name then given name, run together; a name in
 * Latin letters is given name, a space, family name. */
static const char *name_of(const char *first, const char *last, wg_arena *arena)
{
	if (!first || !last)
		return first || last ? wg_arena_strdup(arena, first ? first : last) : NULL;
	if (ascii(first) && ascii(last))
		return wg_arena_printf(arena, "%s %s", first, last);
	return wg_arena_printf(arena, "%s%s", last, first);
}

static const char *copy(const char *s, wg_arena *arena)
{
	return s ? wg_arena_strdup(arena, s) : NULL;
}

bool wg_open311_read_request(const struct evkeyvalq *form, wg_arena *arena, wg_open311_request *out,
                             wg_field_errors *fe)
{
	unsigned before = fe->n;
	struct params p = {
		.service_code = param(form, "service_code", fe),
		.lat = param(form, "lat", fe),
		.lng = param(form, "long", fe),
		.address = param(form, "address_string", fe),
		.address_id = param(form, "address_id", fe),
		.description = param(form, "description", fe),
		.media_url = param(form, "media_url", fe),
		.phone = param(form, "phone", fe),
		.first = param(form, "first_name", fe),
		.last = param(form, "last_name", fe),
	};
	*out = (wg_open311_request){
		.service_code = copy(p.service_code, arena),
		.description = description_of(p.description, p.media_url, arena, fe),
		.address = copy(p.address, arena),
		.name = name_of(p.first, p.last, arena),
		.phone = copy(p.phone, arena),
	};
	if (!p.service_code)
		wg_field_errors_add(fe, "service_code", "required", "service_code is required");
	read_point(&p, out, fe);
	return fe->n == before;
}

const char *wg_open311_param_of(const char *field)
{
	static const char *const map[][2] = {
		{"category", "service_code"},
		{"location", "lat"},
		{"grid", "lat"},
		{"region", "lat"},
		{"address", "address_string"},
		{"reporter_phone", "phone"},
		{"reporter_name", "first_name"},
		{"contact", "first_name"},
		{"kind", "service_code"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return field;
}
