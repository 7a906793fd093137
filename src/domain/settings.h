/* settings.h - settings changed while serving.
 *
 * The settings table of core/config.h marks some settings live
 * (WG_SET_RUNTIME): password and session policy, lockout, the access log,
 * the time offset. An admin changes them through the API; the change is
 * validated like any other source of settings, stored in the `settings`
 * table with an audit row ("setting.change", detail: name, old and new
 * value) in one transaction, and applied by the caller. At start the stored
 * values are applied over the file, the environment and flags. */
#ifndef WG_DOMAIN_SETTINGS_H
#define WG_DOMAIN_SETTINGS_H

#include "core/config.h"
#include "core/fielderr.h"
#include "domain/scope.h"
#include "store/db.h"

#include <stdio.h>

/* Apply the stored values to cfg. A stored value that is no longer valid
 * (a setting removed or its bounds narrowed by an upgrade) is skipped and
 * named in log (may be NULL). Returns 0 or WG_ESTORE. */
int wg_settings_apply(wg_db *db, wg_config *cfg, FILE *log);

/* Store a change of the live setting name to value (text form, as in a
 * config file), made by actor. Returns 0; WG_ENOTFOUND for an unknown name;
 * WG_EVALIDATION with a field error on "value" (code "read_only" for a
 * setting that is not live, "type" or "range" otherwise); or WG_ESTORE.
 * current is the configuration in force, for the audit's old value. */
int wg_settings_store(wg_db *db, const wg_caller *actor, const char *audit_alg, const wg_config *current,
                      const char *name, const char *value, wg_field_errors *fe);

#endif
