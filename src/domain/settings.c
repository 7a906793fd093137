#include "domain/settings.h"

#include "core/clock.h"
#include "core/error.h"
#include "domain/audit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int wg_settings_apply(wg_db *db, wg_config *cfg, FILE *log)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT name, value FROM settings ORDER BY name", &st);
	if (rc)
		return rc;
	while ((rc = wg_stmt_step(st)) == WG_DB_ROW) {
		const char *name = wg_stmt_text(st, 0, NULL);
		const char *value = wg_stmt_text(st, 1, NULL);
		char err[256] = "";
		if (!name || !value || !wg_config_is_runtime(name) ||
		    wg_config_set(cfg, name, value, err, sizeof err) != 0) {
			if (log)
				fprintf(log, "stored setting %s = %s ignored: %s\n", name ? name : "?",
				        value ? value : "?", err[0] ? err : "not a live setting");
		}
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* A scratch configuration checks the value exactly as a config file would. */
static int validate(const char *name, const char *value, wg_field_errors *fe)
{
	wg_config scratch;
	int rc = wg_config_defaults(&scratch);
	if (rc)
		return rc;
	char err[256] = "";
	rc = wg_config_set(&scratch, name, value, err, sizeof err);
	wg_config_free(&scratch);
	if (rc == WG_ECONFIG) {
		wg_field_errors_add(fe, "value", strstr(err, "range") ? "range" : "type", "%s", err);
		return WG_EVALIDATION;
	}
	return rc;
}

static char *change_detail(const char *name, const char *old, const char *value)
{
	json_t *d = json_pack("{s:s, s:s, s:s}", "name", name, "old", old, "new", value);
	char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	return text;
}

int wg_settings_store(wg_db *db, const wg_caller *actor, const char *audit_alg, const wg_config *current,
                      const char *name, const char *value, wg_field_errors *fe)
{
	char old[1024];
	if (wg_config_get_shown(current, name, old, sizeof old) != 0)
		return WG_ENOTFOUND;
	if (!wg_config_is_runtime(name)) {
		wg_field_errors_add(fe, "value", "read_only",
		                    "%s takes effect at start only: set it in the configuration file", name);
		return WG_EVALIDATION;
	}
	int rc = validate(name, value, fe);
	if (rc)
		return rc;
	rc = wg_db_execf(
		db,
		"INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
		"ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
		"updated_by = excluded.updated_by",
		NULL, "ttit", name, value, wg_clock_now_ms(), actor ? actor->username : NULL);
	if (rc)
		return rc;
	char *detail = change_detail(name, old, value);
	if (!detail)
		return WG_ENOMEM;
	wg_audit_entry e = {.actor = actor,
	                    .action = "setting.change",
	                    .object_type = "setting",
	                    .object_id = name,
	                    .result = WG_AUDIT_OK,
	                    .detail = detail};
	rc = wg_audit_append(db, audit_alg, &e);
	free(detail);
	return rc;
}
