/* cli.h - subcommands beyond serve/migrate/check: each is another caller
 * of domain/, never a second implementation of a rule. They run on one
 * database connection, each change in its own transaction, as the system
 * (user_id 0) whose audit rows name the console. */
#ifndef WG_CLI_CLI_H
#define WG_CLI_CLI_H

#include "core/config.h"

/* wangge user add|passwd|roles|list ... Returns 0, or a WG_E code after
 * printing the reason to stderr. */
int wg_cli_user(wg_config *cfg, int argc, char **argv);

/* wangge demo [--password=P]: the demo accounts of Mei county. */
int wg_cli_demo(wg_config *cfg, int argc, char **argv);

/* wangge import grids FILE.geojson [--dry-run] | regions FILE.csv |
 * residents FILE.csv ...: bulk loads, all or nothing, every bad feature or
 * row reported (import.c dispatches). */
int wg_cli_import(wg_config *cfg, int argc, char **argv);

/* wangge stats rebuild: recompute the statistics rollups from the cases
 * (stats.c), progress on stderr, the counts on stdout. */
int wg_cli_stats(wg_config *cfg, int argc, char **argv);

#endif
