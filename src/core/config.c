#include "core/config.h"

#include "core/alloc.h"
#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct setting {
	const char *name;
	enum wg_setting_type type;
	size_t offset;
	const char *def_string;
	long long def_int;
	long long min, max;
	int flags;
	const char *help;
};

#define WG__DEF_STRING(def) (def), 0
#define WG__DEF_INT(def) NULL, (def)
#define WG__DEF_BOOL(def) NULL, (def)
#define WG__SET_ROW(field, name, type, def, min, max, flags, help) \
	{name, WG_SET_##type, offsetof(wg_config, field), WG__DEF_##type(def), min, max, flags, help},

static const struct setting settings[] = {WG_SETTINGS(WG__SET_ROW)};
#undef WG__SET_ROW

enum { NSETTINGS = sizeof settings / sizeof settings[0] };

static void say(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b);
}

static const struct setting *find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

static char **string_at(wg_config *c, const struct setting *s)
{
	return (char **)(void *)((char *)c + s->offset);
}

static _Atomic long long *int_at(wg_config *c, const struct setting *s)
{
	return (_Atomic long long *)(void *)((char *)c + s->offset);
}

static _Atomic bool *bool_at(wg_config *c, const struct setting *s)
{
	return (_Atomic bool *)(void *)((char *)c + s->offset);
}

bool wg_config_is_runtime(const char *name)
{
	const struct setting *s = find(name);
	return s && (s->flags & WG_SET_RUNTIME);
}

bool wg_config_is_security(const char *name)
{
	return find(name) && strncmp(name, "security.", 9) == 0;
}

bool wg_config_exists(const char *name)
{
	return find(name) != NULL;
}

bool wg_config_info(size_t i, wg_setting_info *out)
{
	if (i >= NSETTINGS)
		return false;
	const struct setting *s = &settings[i];
	memset(out, 0, sizeof *out);
	out->name = s->name;
	out->help = s->help;
	out->runtime = s->flags & WG_SET_RUNTIME;
	out->secret = s->flags & WG_SET_SECRET;
	switch (s->type) {
	case WG_SET_STRING:
		out->type = "string";
		snprintf(out->def, sizeof out->def, "%s", out->secret ? "<redacted>" : s->def_string);
		break;
	case WG_SET_INT:
		out->type = "integer";
		snprintf(out->def, sizeof out->def, "%lld", s->def_int);
		snprintf(out->min, sizeof out->min, "%lld", s->min);
		snprintf(out->max, sizeof out->max, "%lld", s->max);
		break;
	case WG_SET_BOOL:
		out->type = "boolean";
		snprintf(out->def, sizeof out->def, "%s", s->def_int ? "true" : "false");
		break;
	}
	return true;
}

size_t wg_config_count(void)
{
	return NSETTINGS;
}

const char *wg_config_name(size_t i)
{
	return i < NSETTINGS ? settings[i].name : NULL;
}

int wg_config_defaults(wg_config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		switch (s->type) {
		case WG_SET_STRING:
			if (!(*string_at(c, s) = wg_strdup(s->def_string))) {
				wg_config_free(c);
				return WG_ENOMEM;
			}
			break;
		case WG_SET_INT: *int_at(c, s) = s->def_int; break;
		case WG_SET_BOOL: *bool_at(c, s) = s->def_int != 0; break;
		}
	}
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return WG_ECONFIG;
}

int wg_config_set(wg_config *c, const char *name, const char *value, char *err, size_t errlen)
{
	const struct setting *s = find(name);
	if (!s) {
		say(err, errlen, "unknown setting '%s'%s", name, "");
		return WG_ECONFIG;
	}
	switch (s->type) {
	case WG_SET_STRING: {
		char *copy = wg_strdup(value);
		if (!copy)
			return WG_ENOMEM;
		wg_free(*string_at(c, s));
		*string_at(c, s) = copy;
		return 0;
	}
	case WG_SET_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno || end == value || *end != '\0') {
			say(err, errlen, "%s: '%s' is not a whole number", name, value);
			return WG_ECONFIG;
		}
		if (v < s->min || v > s->max) {
			char range[64];
			snprintf(range, sizeof range, "%lld..%lld", s->min, s->max);
			say(err, errlen, "%s: out of range %s", name, range);
			return WG_ECONFIG;
		}
		*int_at(c, s) = v;
		return 0;
	}
	case WG_SET_BOOL: {
		bool b;
		if (parse_bool(value, &b) != 0) {
			say(err, errlen, "%s: '%s' is not a boolean (true/false)", name, value);
			return WG_ECONFIG;
		}
		*bool_at(c, s) = b;
		return 0;
	}
	}
	return WG_ECONFIG;
}

static const char *trim(char *s, char **end)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	*end = e;
	return s;
}

int wg_config_parse(wg_config *c, const char *text, size_t len, char *err, size_t errlen)
{
	char *copy = wg_strndup(text, len);
	if (!copy)
		return WG_ENOMEM;
	if (strlen(copy) != len) {
		wg_free(copy);
		say(err, errlen, "config file contains a NUL byte%s%s", "", "");
		return WG_ECONFIG;
	}
	int rc = 0;
	unsigned line = 0;
	char *next = copy;
	while (rc == 0 && next) {
		char *cur = next;
		char *nl = strchr(cur, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line++;
		char *end;
		const char *t = trim(cur, &end);
		if (*t == '\0' || *t == '#')
			continue;
		char *eq = strchr(t, '=');
		char sub[256];
		if (!eq) {
			snprintf(sub, sizeof sub, "line %u: expected 'name = value'", line);
			say(err, errlen, "%s%s", sub, "");
			rc = WG_ECONFIG;
			break;
		}
		*eq = '\0';
		char *kend;
		const char *key = trim((char *)t, &kend);
		const char *value = trim(eq + 1, &end);
		size_t vlen = strlen(value);
		char *v = (char *)value;
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
			v[vlen - 1] = '\0';
			v++;
		}
		rc = wg_config_set(c, key, v, sub, sizeof sub);
		if (rc == WG_ECONFIG) {
			char lineno[32];
			snprintf(lineno, sizeof lineno, "line %u: ", line);
			say(err, errlen, "%s%s", lineno, sub);
		}
	}
	wg_free(copy);
	return rc;
}

int wg_config_load_file(wg_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		return WG_ECONFIG;
	}
	size_t cap = 4096, len = 0;
	char *text = wg_malloc(cap);
	int rc = text ? 0 : WG_ENOMEM;
	while (rc == 0) {
		if (len == cap) {
			char *bigger = cap < (1u << 20) ? wg_realloc(text, cap * 2) : NULL;
			if (!bigger) {
				rc = cap < (1u << 20) ? WG_ENOMEM : WG_ECONFIG;
				if (rc == WG_ECONFIG)
					say(err, errlen, "%s: larger than 1 MiB%s", path, "");
				break;
			}
			text = bigger;
			cap *= 2;
		}
		size_t n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (rc == 0 && ferror(f)) {
		say(err, errlen, "%s: read error%s", path, "");
		rc = WG_ECONFIG;
	}
	fclose(f);
	if (rc == 0)
		rc = wg_config_parse(c, text, len, err, errlen);
	wg_free(text);
	return rc;
}

static void env_name(const char *name, char *buf, size_t len)
{
	size_t j = 0;
	const char prefix[] = "WG_";
	for (size_t i = 0; prefix[i] && j + 1 < len; i++)
		buf[j++] = prefix[i];
	for (size_t i = 0; name[i] && j + 1 < len; i++)
		buf[j++] = name[i] == '.' ? '_' : (char)toupper((unsigned char)name[i]);
	buf[j] = '\0';
}

int wg_config_load_env(wg_config *c, char *const *envp, char *err, size_t errlen)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		char var[96];
		env_name(settings[i].name, var, sizeof var);
		size_t vlen = strlen(var);
		for (char *const *e = envp; e && *e; e++) {
			if (strncmp(*e, var, vlen) == 0 && (*e)[vlen] == '=') {
				int rc = wg_config_set(c, settings[i].name, *e + vlen + 1, err, errlen);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

int wg_config_get(const wg_config *c, const char *name, char *buf, size_t len)
{
	const struct setting *s = find(name);
	if (!s)
		return WG_ENOTFOUND;
	wg_config *m = (wg_config *)c;
	switch (s->type) {
	case WG_SET_STRING: snprintf(buf, len, "%s", *string_at(m, s)); break;
	case WG_SET_INT: snprintf(buf, len, "%lld", (long long)*int_at(m, s)); break;
	case WG_SET_BOOL: snprintf(buf, len, "%s", *bool_at(m, s) ? "true" : "false"); break;
	}
	return 0;
}

/* Appends up to n bytes of s to buf (size len > 0, kept NUL-terminated),
 * cutting what does not fit. */
static void put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	while (n-- && *at + 1 < len)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
}

/* Copies url to buf with every password replaced by "<redacted>": the one in
 * the user info of scheme://user:password@host, and the value of each
 * password keyword, in libpq's key = value form (spaces around '=' allowed,
 * values in single quotes with backslash escapes) or as a URL query
 * parameter. "sslpassword" is caught too. */
static void redact_url(const char *url, char *buf, size_t len)
{
	static const char hidden[] = "<redacted>";
	size_t at = 0;
	const char *p = url;
	buf[0] = '\0';
	const char *scheme = strstr(url, "://");
	if (scheme) {
		const char *user = scheme + 3;
		/* The user info ends at the last '@' before the path, so an '@' in
		 * the query is not taken for it and one in the password is. */
		size_t authority = strcspn(user, "/?#");
		const char *sign = memrchr(user, '@', authority);
		const char *colon = sign ? memchr(user, ':', (size_t)(sign - user)) : NULL;
		if (colon) {
			put(buf, len, &at, url, (size_t)(colon + 1 - url));
			put(buf, len, &at, hidden, sizeof hidden - 1);
			p = sign;
		}
	}
	for (const char *kw; (kw = strstr(p, "password")) != NULL;) {
		const char *v = kw + strlen("password");
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=') {
			put(buf, len, &at, p, (size_t)(v - p));
			p = v;
			continue;
		}
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		put(buf, len, &at, p, (size_t)(v - p));
		const char *end = v;
		if (*end == '\'') {
			for (end++; *end && *end != '\''; end++)
				if (*end == '\\' && end[1])
					end++;
			if (*end)
				end++;
		} else {
			while (*end && !isspace((unsigned char)*end) && *end != '&')
				end++;
		}
		put(buf, len, &at, hidden, sizeof hidden - 1);
		p = end;
	}
	put(buf, len, &at, p, strlen(p));
}

int wg_config_get_shown(const wg_config *c, const char *name, char *buf, size_t len)
{
	const struct setting *s = find(name);
	if (!s)
		return WG_ENOTFOUND;
	char raw[1024];
	wg_config_get(c, name, raw, sizeof raw);
	if (s->flags & WG_SET_SECRET)
		snprintf(buf, len, "<redacted>");
	else if (s->flags & WG_SET_URL_PW)
		redact_url(raw, buf, len);
	else
		snprintf(buf, len, "%s", raw);
	return 0;
}

void wg_config_print(const wg_config *c, FILE *out)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		char value[1024];
		wg_config_get_shown(c, settings[i].name, value, sizeof value);
		fprintf(out, "%s = %s\n", settings[i].name, value);
	}
}

void wg_config_print_markdown(FILE *out)
{
	fputs("# Configuration\n\n"
	      "Generated by `wangge config --markdown` from the settings table in "
	      "`src/core/config.h`. Each setting can be given in a config file "
	      "(`--config=FILE`, lines `name = value`), as an environment variable "
	      "(`WG_` + the name upper-cased, dots as underscores) or as a flag "
	      "(`--name=value`); flags win over the environment, which wins over the file.\n\n"
	      "Settings marked *live* can also be changed while the server runs, with "
	      "`PUT /api/v1/settings/{name}` (security.* by secadmin, the others by sysadmin); "
	      "such a change is audited, stored in the database and wins over the file, the "
	      "environment and flags from then on.\n\n"
	      "| setting | environment | type | default | range | live | meaning |\n"
	      "|---|---|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		char var[96], def[256], range[64] = "";
		env_name(s->name, var, sizeof var);
		const char *type = s->type == WG_SET_STRING ? "string"
		                   : s->type == WG_SET_INT  ? "integer"
		                                            : "boolean";
		if (s->type == WG_SET_STRING)
			snprintf(def, sizeof def, "`%s`", s->def_string);
		else if (s->type == WG_SET_INT) {
			snprintf(def, sizeof def, "%lld", s->def_int);
			snprintf(range, sizeof range, "%lld–%lld", s->min, s->max);
		} else
			snprintf(def, sizeof def, "%s", s->def_int ? "true" : "false");
		fprintf(out, "| `%s` | `%s` | %s | %s | %s | %s | %s |\n", s->name, var, type, def, range,
		        s->flags & WG_SET_RUNTIME ? "live" : "", s->help);
	}
}

void wg_config_free(wg_config *c)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].type == WG_SET_STRING) {
			wg_free(*string_at(c, &settings[i]));
			*string_at(c, &settings[i]) = NULL;
		}
}
