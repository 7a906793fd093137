/* fixture.h - the shared fixture of the store-backed unit tests: a fresh
 * database per case, on SQLite and, when WG_TEST_PG_URL is set, on
 * PostgreSQL.
 *
 * A test program runs its cases with wg_test_group_setup and
 * wg_test_group_teardown, which make and remove a temporary folder under
 * $TMPDIR. A case that needs a database gets a wg_test_db as its initial
 * state (cmocka's prestate) naming the store, and runs with wg_test_setup
 * (or wg_test_setup_open) and wg_test_teardown:
 *
 *   SQLite      a file in a folder of its own in the temporary folder; the
 *               folder does not exist yet, so opening creates it.
 *   PostgreSQL  a schema of its own on the WG_TEST_PG_URL server, which every
 *               connection the process opens then uses (PGOPTIONS sets its
 *               search_path), dropped afterwards. Without WG_TEST_PG_URL the
 *               case is skipped: wg_test_of, wg_test_open and wg_test_connect
 *               call skip().
 *
 * Names (the folder, the schemas) carry the program's name without "test_"
 * and the process id, so that programs running at once never meet.
 *
 * A test file that keeps more per case puts a wg_test_db first in its own
 * struct: the functions here find it at *state. */
#ifndef WG_TESTS_UNIT_FIXTURE_H
#define WG_TESTS_UNIT_FIXTURE_H

#include "store/db.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct wg_test_db {
	enum wg_db_kind kind; /* set by the test file */
	bool skip;            /* PostgreSQL without WG_TEST_PG_URL */
	char url[1024];       /* the case's database */
	char schema[64];      /* PostgreSQL: the case's schema */
	wg_db *db;            /* opened and migrated by wg_test_setup_open; closed by wg_test_teardown */
} wg_test_db;

/* cmocka group setup and teardown: make and remove the temporary folder.
 * Return 0, or -1 (the reason on stderr). */
int wg_test_group_setup(void **state);
int wg_test_group_teardown(void **state);

/* The temporary folder, for files a case names itself. */
const char *wg_test_dir(void);

/* cmocka setup: a fresh database for the wg_test_db at *state (none when
 * skipped). wg_test_setup_open also opens it and applies the migrations, into
 * db. Return 0, or -1 (the reason on stderr). */
int wg_test_setup(void **state);
int wg_test_setup_open(void **state);

/* cmocka teardown: close db if open and drop the PostgreSQL schema. Returns
 * 0, or -1 (the reason on stderr). */
int wg_test_teardown(void **state);

/* Load region rows (CSV, as wg_region_load_csv) into db, expecting rows of
 * them; nothing when the case is skipped. For a setup: returns 0, or -1 (the
 * reason on stderr). */
int wg_test_load_regions(wg_test_db *t, const char *csv, int rows);

/* In a case: the fixture, or skip() when it has no store. */
wg_test_db *wg_test_of(void **state);

/* Run writes as the store does: begin, then commit on 0 or roll back on an
 * error (a failed statement spoils a PostgreSQL transaction). wg_test_end
 * returns rc. */
void wg_test_begin(wg_db *db);
int wg_test_end(wg_db *db, int rc);

/* The integer in the first column of the one row sql gives, binding text
 * (if not NULL) and then num (if not 0). */
int64_t wg_test_query_int(wg_db *db, const char *sql, const char *text, int64_t num);

/* In a case: the connection wg_test_setup_open opened (skip() when there is
 * no store). The teardown closes it. */
wg_db *wg_test_open(void **state);

/* In a case: a new connection to the case's database, not migrated, with
 * the busy timeout given (skip() when there is no store; a failure to open
 * fails the case). The caller closes it. */
wg_db *wg_test_connect(void **state, int busy_timeout_ms);

#endif
