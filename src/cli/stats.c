/* wangge stats rebuild: recompute the statistics rollups (stats_day and
 * stats_state, docs/statistics.md) from the cases table with the working
 * calendar, in one transaction, audited as the console; then fold them into
 * the cube (stats_cube), a run of rows per transaction. wangge stats fold
 * does only the folding.
 *
 * For what the backfill of migration 0010 cannot do (handling times of the
 * cases closed before it), and after changing time.offset_minutes. Safe
 * while the server runs: changes to cases wait until the rebuild commits
 * (SQLite's one writer; on PostgreSQL a SHARE lock on the cases table, or
 * a change committed between two batches of the rebuild would be counted
 * twice), and readers see the old rollups until then. */
#include "cli/cli.h"

#include "cli/internal.h"
#include "cli/progress.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/audit.h"
#include "domain/case.h"
#include "domain/stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void usage(void)
{
	fputs("usage: wangge stats rebuild | fold\n"
	      "  rebuild: recompute the statistics rollups from the cases, then fold the cube\n"
	      "  fold:    fold the rows still pending into the cube now (docs/operations.md)\n",
	      stderr);
}

/* The working calendar the clocks count on; prints the reason. */
static int load_calendar(const wg_config *cfg, wg_calendar **cal)
{
	wg_office_hours hours;
	char why[200], err[512] = "";
	if (wg_office_hours_parse(cfg->office_hours, &hours, why, sizeof why) != 0) {
		fprintf(stderr, "wangge: office.hours: %s\n", why);
		return WG_ECONFIG;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/holidays", cfg->data_dir);
	int rc = wg_calendar_load_dir(dir, &hours, cal, err, sizeof err);
	if (rc)
		fprintf(stderr, "wangge: %s\n", err[0] ? err : wg_error_message(rc));
	return rc;
}

static int count(wg_db *db, const char *sql, int64_t *n)
{
	*n = 0;
	int rc = wg_db_query_int(db, sql, n, "");
	return rc == WG_ENOTFOUND ? 0 : rc;
}

/* Rebuild in one transaction with its audit row. */
static int rebuild(wg_db *db, const wg_case_env *env, int64_t cases)
{
	char detail[64];
	snprintf(detail, sizeof detail, "{\"cases\":%lld}", (long long)cases);
	wg_audit_entry e = {
		.actor_name = "console",
		.action = "stats.rebuild",
		.object_type = "stats",
		.result = WG_AUDIT_OK,
		.detail = detail,
	};
	int rc = wg_db_begin(db);
	if (rc)
		return rc;
	if (wg_db_kind(db) == WG_DB_POSTGRES)
		rc = wg_db_exec(db, "LOCK TABLE cases IN SHARE MODE");
	if (!rc)
		rc = wg_stats_rebuild(db, env);
	if (!rc)
		rc = wg_audit_append(db, env->audit_alg, &e);
	if (!rc)
		rc = wg_db_commit(db);
	if (rc)
		wg_db_rollback(db);
	return rc;
}

/* Fold every pending row into the cube (wg_stats_fold), FOLD_RUN rows per
 * transaction, with progress; the server's fold job may take turns. */
#define FOLD_RUN 50000

static int fold_all(wg_db *db, int64_t *cube_rows)
{
	int64_t pending = 0, done = 0;
	int rc = count(db, "SELECT count(*) FROM stats_pending", &pending);
	wg_progress progress;
	wg_progress_start(&progress, stderr, "stats fold", pending);
	while (!rc) {
		int64_t first_at = 0, upto = 0, folded = 0;
		rc = wg_db_begin(db);
		if (!rc)
			rc = wg_stats_fold_next(db, FOLD_RUN, &first_at, &upto);
		if (!rc && upto)
			rc = wg_stats_fold(db, upto, &folded);
		if (!rc)
			rc = wg_db_commit(db);
		else
			wg_db_rollback(db);
		if (rc || !upto)
			break;
		done += folded;
		wg_progress_update(&progress, done < pending ? done : pending);
	}
	if (!rc)
		wg_progress_finish(&progress);
	return rc ? rc : count(db, "SELECT count(*) FROM stats_cube", cube_rows);
}

/* wangge stats fold: what the server's fold job would do, at once (after
 * migration 0015 on a large database, say). */
static int fold_pending(wg_config *cfg)
{
	wg_db *db = NULL;
	int rc = wg__cli_open(cfg, &db);
	if (rc)
		return rc;
	int64_t cube = 0;
	rc = fold_all(db, &cube);
	if (rc)
		fprintf(stderr, "\nwangge: stats fold: %s%s%s\n", wg_error_message(rc),
		        rc == WG_ESTORE ? ": " : "", rc == WG_ESTORE ? wg_db_errmsg(db) : "");
	else
		printf("stats_cube rows: %lld\n", (long long)cube);
	wg_db_close(db);
	return rc;
}

int wg_cli_stats(wg_config *cfg, int argc, char **argv)
{
	bool fold_only = argc == 2 && strcmp(argv[1], "fold") == 0;
	if (argc != 2 || (!fold_only && strcmp(argv[1], "rebuild") != 0)) {
		usage();
		return WG_EBADREQ;
	}
	if (fold_only)
		return fold_pending(cfg);
	wg_calendar *cal = NULL;
	int rc = load_calendar(cfg, &cal);
	wg_db *db = NULL;
	if (!rc)
		rc = wg__cli_open(cfg, &db);
	if (rc) {
		wg_calendar_free(cal);
		return rc;
	}
	int64_t cases = 0, days = 0, states = 0, reported = 0;
	rc = count(db, "SELECT count(*) FROM cases", &cases);
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	const wg_caller console = {0};
	wg_case_env env = {
		.caller = &console,
		.cfg = cfg,
		.cal = cal,
		.audit_alg = cfg->security_audit_hash,
		.now = wg_clock_now_ms(),
		.arena = &arena,
	};
	/* The rebuild is one call: the line shows it started and, at the
	 * end, how long the cases took. */
	wg_progress progress;
	wg_progress_start(&progress, stderr, "stats rebuild", cases);
	if (!rc)
		rc = rebuild(db, &env, cases);
	if (!rc) {
		wg_progress_update(&progress, cases);
		wg_progress_finish(&progress);
		rc = count(db, "SELECT count(*) FROM stats_day", &days);
	}
	if (!rc)
		rc = count(db, "SELECT count(*) FROM stats_state", &states);
	if (!rc)
		rc = count(db, "SELECT COALESCE(sum(reported), 0) FROM stats_day", &reported);
	int64_t cube = 0;
	if (!rc)
		rc = fold_all(db, &cube);
	if (rc) {
		fprintf(stderr, "\nwangge: stats rebuild: %s%s%s\n", wg_error_message(rc),
		        rc == WG_ESTORE ? ": " : "", rc == WG_ESTORE ? wg_db_errmsg(db) : "");
	} else {
		printf("cases: %lld\nstats_day rows: %lld\nstats_state rows: %lld\nreported in the rollups: "
		       "%lld\nstats_cube rows: %lld\n",
		       (long long)cases, (long long)days, (long long)states, (long long)reported,
		       (long long)cube);
	}
	wg_arena_clear(&arena);
	wg_db_close(db);
	wg_calendar_free(cal);
	return rc;
}
