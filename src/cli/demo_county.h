/* demo_county.h - the demo county's data behind `wangge demo`: grids and
 * their staff (demo_county.c), then the base data of people, houses,
 * organisations and key places (demo_base.c), deterministic for a seed.
 *
 * Each step runs in one transaction of its own and is skipped when its
 * tables already hold data, so `wangge demo` can run again on a database
 * that has it and change nothing. Progress goes to the given stream. */
#ifndef WG_CLI_DEMO_COUNTY_H
#define WG_CLI_DEMO_COUNTY_H

#include "cli/demo_map.h"
#include "core/config.h"
#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct wg_secret_key;

#define WG__DEMO_COUNTY "610326000000"
#define WG__DEMO_GRIDS 974       /* Mei county's published figure */
#define WG__DEMO_STAFF 1226      /* grid staff of all roles */
#define WG__DEMO_RESIDENTS 30000 /* default; --residents=310000 is the county's size */

typedef struct wg__demo_options {
	uint64_t seed;
	int64_t residents;
	const char *password_hash; /* for staff accounts */
	bool staff_accounts;       /* an account for every grid worker */
	FILE *progress;            /* NULL: quiet */
} wg__demo_options;

/* The grids of every village of the demo county tiling the county box,
 * and their staff. Returns 0 (also when grids exist: *made = false),
 * WG_ENOTFOUND when the county's villages are not loaded, or a store
 * error (the reason printed to stderr). */
int wg__demo_grids(wg_db *db, const wg_config *cfg, const struct wg_secret_key *key,
                   const wg__demo_options *o, bool *made);

/* Link the staff rows of grid workers to the accounts whose scope is their
 * grid (the demo's worker accounts). */
int wg__demo_link_workers(wg_db *db);

/* Houses, residents with their special groups, organisations and key
 * places, spread over the grids by their type. Returns 0 (*made false when
 * residents exist), or an error printed to stderr. */
int wg__demo_base(wg_db *db, const wg_config *cfg, const struct wg_secret_key *key, const wg__demo_options *o,
                  bool *made);

#endif
