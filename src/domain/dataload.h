/* dataload.h - loading the shipped data files (data/) into the database.
 *
 * Each file is recorded in data_loads with its SHA-256, so an unchanged
 * file is skipped at the next start and a changed one is loaded again
 * (loaders insert or update, so loading twice is harmless). */
#ifndef WG_DOMAIN_DATALOAD_H
#define WG_DOMAIN_DATALOAD_H

#include "store/db.h"

#include <stdbool.h>
#include <stdio.h>

/* Load every shipped file under dir that changed since it was last loaded:
 * the CSV files in regions/, then categories.json with departments.json
 * (see wg_dataload_organisation; forced when a regions file changed, so
 * that new counties and towns get their departments). Progress lines go to
 * log (may be NULL). Returns 0, or a WG_E code with the file and reason in
 * err. Runs inside the caller's transaction. */
int wg_dataload_all(wg_db *db, const char *dir, FILE *log, char *err, size_t errlen);

/* Load dir/categories.json and dir/departments.json together (each checks
 * the other: wg_department_load_data) when either changed since it was
 * last loaded, or whatever their hashes when force is set (after regions
 * were added). Category deadlines and duty lists that a sysadmin edited
 * through the API are kept (wg_category_store, wg_department_instantiate);
 * when any are, a line on log says how many. A bad file stops the load with its path and the reason in
 * err, and nothing of it is stored (the caller rolls back). Runs inside the
 * caller's transaction. Returns 0, WG_EIO (unreadable file), WG_EBADREQ /
 * WG_EVALIDATION (bad file), WG_ECONFLICT, WG_ESTORE or WG_ENOMEM. */
int wg_dataload_organisation(wg_db *db, const char *dir, bool force, FILE *log, char *err, size_t errlen);

#endif
