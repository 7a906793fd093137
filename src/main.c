/* wangge - grid-based grassroots governance (网格化基层治理) server.
 *
 * The command line is one more caller of the domain: every subcommand
 * reads the settings the same way (defaults < --config file < WG_*
 * environment < --name=value flags) and then calls into store/ and domain/. */
#include "api/api.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "domain/audit.h"
#include "domain/dataload.h"
#include "domain/evaluation.h"
#include "domain/settings.h"
#include "http/server.h"
#include "store/migrate.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

struct command {
	const char *name;
	int (*run)(wg_config *cfg, int argc, char **argv);
};

static void usage(FILE *out)
{
	fputs("usage: wangge COMMAND [--config=FILE] [--setting=value ...]\n\n"
	      "commands:\n"
	      "  serve      migrate the database, then serve the API and web app\n"
	      "  migrate    apply pending migrations and load changed data files\n"
	      "  check      verify database integrity and migration state\n"
	      "  config     print the effective settings (secrets redacted); --markdown for the table\n"
	      "  user       add|passwd|roles|list: accounts from the console (the first admin)\n"
	      "  demo       build the demo county of Mei (眉县): grids, accounts, base data\n"
	      "             [--password=P] [--seed=N] [--residents=N] [--staff-accounts]\n"
	      "             [--cases[=N]] (a year of cases, 30000 without N, with disputes\n"
	      "             and petitions)\n"
	      "  import     grids FILE.geojson [--dry-run] | regions FILE.csv | residents FILE.csv:\n"
	      "             bulk loads, all or nothing, every bad feature or row reported\n"
	      "  stats      rebuild: recompute the statistics rollups from the cases\n"
	      "  version    print the version\n\n"
	      "settings: `wangge config` lists them; docs/configuration.md explains them.\n",
	      out);
}

/* Settings from all sources; flags that are not settings are left in
 * argv (compacted) for the command. */
static int load_settings(wg_config *cfg, int *argc, char **argv)
{
	char err[512];
	int rc = wg_config_defaults(cfg);
	if (rc)
		return rc;
	const char *file = getenv("WG_CONFIG");
	for (int i = 1; i < *argc; i++)
		if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	if (file && (rc = wg_config_load_file(cfg, file, err, sizeof err)) != 0)
		goto fail;
	if ((rc = wg_config_load_env(cfg, environ, err, sizeof err)) != 0)
		goto fail;
	int kept = 1;
	for (int i = 1; i < *argc; i++) {
		char *arg = argv[i];
		char *eq = strchr(arg, '=');
		if (strncmp(arg, "--", 2) == 0 && eq && strncmp(arg, "--config=", 9) != 0) {
			*eq = '\0';
			bool known = false;
			for (size_t k = 0; k < wg_config_count(); k++)
				known = known || strcmp(wg_config_name(k), arg + 2) == 0;
			if (known) {
				rc = wg_config_set(cfg, arg + 2, eq + 1, err, sizeof err);
				*eq = '=';
				if (rc)
					goto fail;
				continue;
			}
			*eq = '=';
		}
		if (strncmp(arg, "--config=", 9) != 0)
			argv[kept++] = arg;
	}
	*argc = kept;
	if (wg_log_set_level(cfg->log_level) != 0) {
		snprintf(err, sizeof err, "log.level: '%s' is not one of debug, info, warn, error",
		         cfg->log_level);
		rc = WG_ECONFIG;
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "wangge: %s\n", rc == WG_ENOMEM ? "out of memory" : err);
	return rc;
}

static int open_db(const wg_config *cfg, wg_db **db)
{
	char err[512] = "";
	int rc = wg_db_open(cfg->db_url, (int)cfg->db_busy_timeout_ms, db, err, sizeof err);
	if (rc)
		fprintf(stderr, "wangge: cannot open the database: %s\n",
		        err[0] ? err : wg_error_message(rc));
	return rc;
}

/* Bring the schema and the shipped data up to date, and put in force the
 * settings changed while serving (they win over file, environment and
 * flags). */
static int prepare_database(wg_config *cfg, FILE *log)
{
	wg_db *db;
	int rc = open_db(cfg, &db);
	if (rc)
		return rc;
	char err[1024] = "";
	int applied = 0;
	rc = wg_migrate(db, &applied, err, sizeof err);
	if (!rc && log)
		fprintf(log, "migrations applied: %d\n", applied);
	if (!rc && (rc = wg_db_begin(db)) == 0) {
		rc = wg_dataload_all(db, cfg->data_dir, log, err, sizeof err);
		if (rc)
			wg_db_rollback(db);
		else if ((rc = wg_db_commit(db)) != 0)
			snprintf(err, sizeof err, "commit: %s", wg_db_errmsg(db));
	}
	if (!rc)
		rc = wg_settings_apply(db, cfg, stderr);
	if (rc)
		fprintf(stderr, "wangge: %s\n", err[0] ? err : wg_db_errmsg(db));
	wg_db_close(db);
	return rc;
}

static int cmd_migrate(wg_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return prepare_database(cfg, stdout);
}

static int cmd_check(wg_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	wg_db *db;
	int rc = open_db(cfg, &db);
	if (rc)
		return rc;
	char err[1024];
	int problems = 0;
	rc = wg_db_integrity_check(db, err, sizeof err);
	printf("database integrity: %s\n", rc ? err : "ok");
	problems += rc != 0;
	int pending = wg_migrate_status(db, stdout);
	if (pending != 0)
		printf("migrations: %s\n",
		       pending > 0 ? "pending (run `wangge migrate`)" : wg_error_message(pending));
	else
		printf("migrations: up to date\n");
	problems += pending != 0;
	if (pending == 0) {
		int64_t rows = 0, first_bad = 0;
		rc = wg_audit_verify(db, &rows, &first_bad);
		if (rc)
			printf("audit chain: cannot be read: %s\n", wg_db_errmsg(db));
		else if (first_bad)
			printf("audit chain: BROKEN at row %lld (of %lld rows): that row or the one before "
			       "it was "
			       "changed or removed\n",
			       (long long)first_bad, (long long)rows);
		else
			printf("audit chain: intact, %lld rows\n", (long long)rows);
		problems += rc != 0 || first_bad != 0;
	}
	wg_db_close(db);
	return problems ? WG_ESTORE : 0;
}

static int cmd_config(wg_config *cfg, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--markdown") == 0)
		wg_config_print_markdown(stdout);
	else
		wg_config_print(cfg, stdout);
	return 0;
}

static int cmd_version(wg_config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argc;
	(void)argv;
	printf("wangge %s\n", WG_VERSION);
	return 0;
}

/* Put the evaluation file in force (evaluation.file, or evaluation.json
 * in data.dir): a bad one stops the start with its name, path and reason. */
static int load_evaluation(const wg_config *cfg)
{
	char path[4096], err[512] = "";
	if (cfg->evaluation_file[0])
		snprintf(path, sizeof path, "%s", cfg->evaluation_file);
	else
		snprintf(path, sizeof path, "%s/evaluation.json", cfg->data_dir);
	int rc = wg_evaluation_load(path, err, sizeof err);
	if (rc)
		fprintf(stderr, "wangge: %s\n", err[0] ? err : wg_error_message(rc));
	return rc;
}

static int cmd_serve(wg_config *cfg, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int rc = load_evaluation(cfg);
	if (!rc)
		rc = prepare_database(cfg, NULL);
	if (rc) {
		wg_evaluation_unload();
		return rc;
	}
	char err[512] = "";
	wg_store_options opt = {
		.url = cfg->db_url,
		.busy_timeout_ms = (int)cfg->db_busy_timeout_ms,
		.pool = (int)cfg->db_pool,
		.batch_max = (int)cfg->db_batch_max,
		.readers = wg_server_loop_count(cfg),
		.ack_before_commit = cfg->testing_ack_before_commit,
		.watch_sessions = true,
	};
	wg_store *store;
	rc = wg_store_open(&opt, &store, err, sizeof err);
	if (rc) {
		fprintf(stderr, "wangge: cannot open the store: %s\n", err[0] ? err : wg_error_message(rc));
		wg_evaluation_unload();
		return rc;
	}
	wg_server *server;
	rc = wg_server_new(cfg, store, wg_api_routes, wg_api_route_count, &server, err, sizeof err);
	if (rc) {
		fprintf(stderr, "wangge: %s\n", err[0] ? err : wg_error_message(rc));
		wg_store_close(store);
		wg_evaluation_unload();
		return rc;
	}
	wg_json_out *w = wg_log_line_begin(WG_LOG_INFO, "listening");
	if (w) {
		char url[300];
		snprintf(url, sizeof url, "http://%s:%d/", cfg->http_host, wg_server_port(server));
		wg_json_kv_string(w, "url", url);
		wg_json_kv_int(w, "port", wg_server_port(server));
		wg_json_kv_int(w, "loops", wg_server_loop_count(cfg));
		wg_json_kv_string(w, "store", wg_store_kind_name(store));
		wg_json_kv_string(w, "version", WG_VERSION);
		wg_log_line_end(w);
	}
	rc = wg_server_run(server);
	wg_store_close(store);
	wg_server_free(server);
	wg_evaluation_unload();
	wg_log(WG_LOG_INFO, "stopped");
	return rc;
}

static const struct command commands[] = {
	{"serve", cmd_serve},   {"migrate", cmd_migrate},  {"check", cmd_check},
	{"config", cmd_config}, {"version", cmd_version},  {"user", wg_cli_user},
	{"demo", wg_cli_demo},  {"import", wg_cli_import}, {"stats", wg_cli_stats},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const struct command *cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "wangge: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	/* `wangge demo --help` must not build a demo: any command's --help is the usage. */
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	wg_config cfg;
	argc--;
	argv++;
	if (load_settings(&cfg, &argc, argv) != 0)
		return 2;
	int rc = cmd->run(&cfg, argc, argv);
	wg_config_free(&cfg);
	return rc ? 1 : 0;
}
