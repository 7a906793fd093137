/* internal.h - what the subcommands of src/cli/ share. */
#ifndef WG_CLI_INTERNAL_H
#define WG_CLI_INTERNAL_H

#include "core/config.h"
#include "core/fielderr.h"
#include "core/password.h"
#include "domain/account.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

/* Open the configured database, printing the reason on failure. */
int wg__cli_open(wg_config *cfg, wg_db **db);

/* Print field errors, or the code's message, to stderr. */
void wg__cli_print_errors(const wg_field_errors *fe, int rc, wg_db *db);

/* 16 random characters mixing all four classes. */
void wg__cli_random_password(char out[17]);

/* Check a password against the policy and hash it; prints the reason. */
int wg__cli_hash(const wg_config *cfg, const char *password, char hash[WG_PASSWORD_HASH_MAX]);

/* Create an account with roles in one transaction, as the console. */
int wg__cli_add_user(wg_db *db, const wg_config *cfg, const wg_user_input *in, unsigned roles,
                     const char *hash, bool must_change, int64_t *id);

/* The value of --name=value among argv, or NULL. */
const char *wg__cli_flag(int argc, char **argv, const char *name);

/* wangge import residents: argv holds what follows "residents" (the file
 * and --skip-bad, --dry-run). Returns 0, WG_EVALIDATION when bad rows
 * stopped the import (each reported on stderr), or another WG_E code after
 * printing the reason (import_residents.c). */
int wg__cli_import_residents(wg_config *cfg, int argc, char **argv);

#endif
