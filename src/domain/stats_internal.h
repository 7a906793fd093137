/* stats_internal.h - what stats.c (the rollups and their reads) and
 * stats_cube.c (folding pending rows into the cube) share: the counters of
 * a rollup row, in the order of their columns. */
#ifndef WG_DOMAIN_STATS_INTERNAL_H
#define WG_DOMAIN_STATS_INTERNAL_H

#include "domain/region.h"

#include <stdbool.h>

#define COUNTERS(X)         \
	X(reported)         \
	X(accepted)         \
	X(rejected)         \
	X(merged)           \
	X(open)             \
	X(reported_closed)  \
	X(self_resolved)    \
	X(closed)           \
	X(closed_due)       \
	X(closed_on_time)   \
	X(rated)            \
	X(satisfied)        \
	X(reworked)         \
	X(extended)         \
	X(returned)         \
	X(handled)          \
	X(handling_minutes) \
	X(h0)               \
	X(h1)               \
	X(h2)               \
	X(h3)               \
	X(h4)               \
	X(h5)               \
	X(h6)               \
	X(h7)               \
	X(h8)               \
	X(h9)               \
	X(h10)              \
	X(h11)              \
	X(due)              \
	X(due_closed)

enum wg__stats_counter {
#define COUNTER_ENUM(n) K_##n,
	COUNTERS(COUNTER_ENUM)
#undef COUNTER_ENUM
		NCOUNTERS
};

/* Whether the cube keeps dim for an area: a department's (dept) or a
 * region of level. It keeps provinces, cities, counties and towns (a
 * village's and a grid's rows are few, and stats_day_scope finds them),
 * and the map's places and the grid workers only under a county or a
 * town, where they are asked for. The rest is read from the fine rows. */
bool wg__stats_cube_holds(bool dept, enum wg_region_level level, const char *dim);

#define COL(n) ", " #n
#define QMARK(n) ", ?"

#endif
