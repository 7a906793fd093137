/* dataload.h - loading the shipped data files (data/) into the database.
 *
 * Each file is recorded in data_loads with its SHA-256, so an unchanged
 * file is skipped at the next start and a changed one is loaded again
 * (loaders insert or update, so loading twice is harmless). */
#ifndef WG_DOMAIN_DATALOAD_H
#define WG_DOMAIN_DATALOAD_H

#include "store/db.h"

#include <stdio.h>

/* Load every shipped file under dir that changed since it was last loaded
 * (now: the CSV files in regions/). Progress lines go to log (may be NULL). Returns 0,
 * or a WG_E code with the file and reason in err. Runs inside the caller's
 * transaction. */
int wg_dataload_all(wg_db *db, const char *dir, FILE *log, char *err, size_t errlen);

#endif
