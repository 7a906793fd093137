/* migrate.h - numbered schema migrations per dialect.
 *
 * migrations/sqlite/NNNN_name.sql and migrations/postgres/NNNN_name.sql are
 * embedded in the binary at build time (tools/embed.py). wg_migrate applies
 * the ones not yet recorded in schema_migrations, in order, each in its own
 * transaction together with its record; running it again does nothing.
 * Called inside a transaction (wg_store_run), each runs under a savepoint
 * instead and everything commits with that transaction. On PostgreSQL an
 * advisory lock makes nodes that start together apply each migration once. */
#ifndef WG_STORE_MIGRATE_H
#define WG_STORE_MIGRATE_H

#include "store/db.h"

#include <stdio.h>

/* Apply pending migrations. *applied (may be NULL) gets how many ran.
 * Returns 0, WG_ENOMEM, or WG_ESTORE with the failing file named in err. */
int wg_migrate(wg_db *db, int *applied, char *err, size_t errlen);

/* Print each known migration and whether it is applied; returns the number
 * pending (>= 0) or a negative WG_E code. */
int wg_migrate_status(wg_db *db, FILE *out);

#endif
