/* wangge user add|passwd|roles|list: the first admin of a new install, and
 * account care from the console, through the same domain code as the API. */
#include "cli/cli.h"

#include "cli/internal.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/password.h"
#include "domain/account.h"
#include "domain/role.h"
#include "domain/settings.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const wg_caller console = {0};

int wg__cli_open(wg_config *cfg, wg_db **db)
{
	char err[512] = "";
	int rc = wg_db_open(cfg->db_url, (int)cfg->db_busy_timeout_ms, db, err, sizeof err);
	if (rc) {
		fprintf(stderr, "wangge: cannot open the database: %s\n",
		        err[0] ? err : wg_error_message(rc));
		return rc;
	}
	/* The password policy in force is the one the server uses. */
	rc = wg_settings_apply(*db, cfg, stderr);
	if (rc) {
		fprintf(stderr, "wangge: %s (run `wangge migrate` first)\n", wg_db_errmsg(*db));
		wg_db_close(*db);
	}
	return rc;
}

void wg__cli_print_errors(const wg_field_errors *fe, int rc, wg_db *db)
{
	for (unsigned i = 0; i < fe->n; i++)
		fprintf(stderr, "wangge: %s: %s\n", fe->e[i].field, fe->e[i].message);
	if (!fe->n)
		fprintf(stderr, "wangge: %s%s%s\n", wg_error_message(rc), rc == WG_ESTORE ? ": " : "",
		        rc == WG_ESTORE ? wg_db_errmsg(db) : "");
}

/* Generated passwords mix all four classes, so every policy accepts them. */
void wg__cli_random_password(char out[17])
{
	static const char *const classes[] = {"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ",
	                                      "23456789", "!#%+-=?@"};
	for (unsigned i = 0; i < 16; i++) {
		const char *set = classes[i % 4];
		out[i] = set[randombytes_uniform((uint32_t)strlen(set))];
	}
	for (unsigned i = 15; i > 0; i--) {
		unsigned j = randombytes_uniform(i + 1);
		char t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	out[16] = '\0';
}

int wg__cli_hash(const wg_config *cfg, const char *password, char hash[WG_PASSWORD_HASH_MAX])
{
	const char *why = wg_password_policy(password, cfg->security_password_min_length,
	                                     cfg->security_password_min_classes);
	if (why) {
		fprintf(stderr, "wangge: password: %s\n", why);
		return WG_EVALIDATION;
	}
	int rc = wg_password_hash(password, cfg->security_argon2_memory_kib, cfg->security_argon2_passes,
	                          hash);
	if (rc)
		fprintf(stderr, "wangge: cannot hash the password: %s\n", wg_error_message(rc));
	return rc;
}

static unsigned parse_roles(const char *list, bool *ok)
{
	unsigned roles = 0;
	*ok = true;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *p = buf; p && *p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		unsigned bit = wg_role_parse(p);
		if (!bit && *p) {
			fprintf(stderr, "wangge: unknown role '%s'\n", p);
			*ok = false;
		}
		roles |= bit;
		p = comma ? comma + 1 : NULL;
	}
	return roles;
}

int wg__cli_add_user(wg_db *db, const wg_config *cfg, const wg_user_input *in, unsigned roles,
                     const char *hash, bool must_change, int64_t *id)
{
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	const char *alg = cfg->security_audit_hash;
	int rc = wg_db_begin(db);
	if (!rc)
		rc = wg_account_check_input(db, in, true, &fe);
	if (!rc)
		rc = wg_account_create(db, &console, alg, in, hash, must_change, id, &fe);
	if (!rc && roles)
		rc = wg_account_set_roles(db, &console, alg, *id, roles, &fe);
	if (!rc)
		rc = wg_db_commit(db);
	if (rc) {
		wg_db_rollback(db);
		wg__cli_print_errors(&fe, rc, db);
	}
	wg_arena_clear(&arena);
	return rc;
}

/* --name=value among argv, or NULL. */
const char *wg__cli_flag(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strncmp(argv[i] + 2, name, n) == 0 &&
		    argv[i][2 + n] == '=')
			return argv[i] + 3 + n;
	return NULL;
}

static int user_add(const wg_config *cfg, wg_db *db, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-') {
		fputs("usage: wangge user add USERNAME --name=NAME --region=CODE [--grid=CODE] "
		      "[--department=CODE] [--phone=PHONE] [--roles=ROLE,...] [--password=P]\n",
		      stderr);
		return WG_EVALIDATION;
	}
	const char *grid = wg__cli_flag(argc, argv, "grid");
	wg_user_input in = {
		.username = argv[0],
		.name = wg__cli_flag(argc, argv, "name"),
		.phone = wg__cli_flag(argc, argv, "phone"),
		.scope = grid ? grid : wg__cli_flag(argc, argv, "region"),
		.scope_field = grid ? "--grid" : "--region",
		.department = wg__cli_flag(argc, argv, "department"),
	};
	in.set_department = in.department != NULL;
	bool ok = true;
	const char *roles_text = wg__cli_flag(argc, argv, "roles");
	unsigned roles = roles_text ? parse_roles(roles_text, &ok) : 0;
	if (!ok)
		return WG_EVALIDATION;
	const char *given = wg__cli_flag(argc, argv, "password");
	char generated[17], hash[WG_PASSWORD_HASH_MAX];
	if (!given)
		wg__cli_random_password(generated);
	int rc = wg__cli_hash(cfg, given ? given : generated, hash);
	int64_t id = 0;
	if (!rc)
		rc = wg__cli_add_user(db, cfg, &in, roles, hash, !given, &id);
	if (!rc) {
		printf("created %s (id %lld)\n", in.username, (long long)id);
		if (!given)
			printf("temporary password (shown once; to be changed at first sign-in): %s\n",
			       generated);
	}
	sodium_memzero(generated, sizeof generated);
	return rc;
}

static int find(wg_db *db, const char *username, int64_t *id)
{
	int rc = wg_account_id_by_username(db, username, id);
	if (rc == WG_ENOTFOUND)
		fprintf(stderr, "wangge: no account '%s'\n", username);
	else if (rc)
		fprintf(stderr, "wangge: %s\n", wg_db_errmsg(db));
	return rc;
}

static int user_passwd(const wg_config *cfg, wg_db *db, int argc, char **argv)
{
	if (argc < 1) {
		fputs("usage: wangge user passwd USERNAME [--password=P]\n", stderr);
		return WG_EVALIDATION;
	}
	int64_t id;
	int rc = find(db, argv[0], &id);
	const char *given = wg__cli_flag(argc, argv, "password");
	char generated[17], hash[WG_PASSWORD_HASH_MAX];
	if (!given)
		wg__cli_random_password(generated);
	if (!rc)
		rc = wg__cli_hash(cfg, given ? given : generated, hash);
	if (!rc && (rc = wg_db_begin(db)) == 0) {
		rc = wg_account_set_password(db, &console, cfg->security_audit_hash, id, hash, !given,
		                             cfg->security_password_history, NULL, "password.reset");
		rc = rc ? rc : wg_db_commit(db);
		if (rc) {
			wg_db_rollback(db);
			fprintf(stderr, "wangge: %s\n", wg_error_message(rc));
		}
	}
	if (!rc) {
		printf("password of %s set; every session of the account ended\n", argv[0]);
		if (!given)
			printf("temporary password (shown once; to be changed at first sign-in): %s\n",
			       generated);
	}
	sodium_memzero(generated, sizeof generated);
	return rc;
}

static int user_roles(const wg_config *cfg, wg_db *db, int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: wangge user roles USERNAME ROLE,ROLE,...  (an empty list '' removes all)\n",
		      stderr);
		return WG_EVALIDATION;
	}
	bool ok;
	unsigned roles = parse_roles(argv[1], &ok);
	int64_t id;
	int rc = ok ? find(db, argv[0], &id) : WG_EVALIDATION;
	if (rc)
		return rc;
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	rc = wg_db_begin(db);
	if (!rc)
		rc = wg_account_set_roles(db, &console, cfg->security_audit_hash, id, roles, &fe);
	if (!rc)
		rc = wg_db_commit(db);
	if (rc) {
		wg_db_rollback(db);
		wg__cli_print_errors(&fe, rc, db);
	} else {
		printf("roles of %s: %s\n", argv[0], argv[1][0] ? argv[1] : "(none)");
	}
	wg_arena_clear(&arena);
	return rc;
}

struct listing {
	int64_t last_id;
	int64_t rows;
};

static int print_user(void *ctx, const wg_user *u)
{
	struct listing *l = ctx;
	char roles[256] = "";
	for (unsigned bit = 1; bit <= WG_ROLES_ALL; bit <<= 1)
		if (u->roles & bit) {
			size_t n = strlen(roles);
			snprintf(roles + n, sizeof roles - n, "%s%s", n ? "," : "", wg_role_name(bit));
		}
	printf("%-6lld %-20s %-16s %-15s %-24s %s%s\n", (long long)u->id, u->username, u->name, u->scope,
	       roles[0] ? roles : "-", u->active ? "" : "inactive ", u->department ? u->department : "");
	l->last_id = u->id;
	l->rows++;
	return 0;
}

static int user_list(wg_db *db)
{
	printf("%-6s %-20s %-16s %-15s %-24s %s\n", "id", "username", "name", "region/grid", "roles",
	       "department");
	wg_user_filter f = {.active = -1, .limit = 200};
	struct listing l = {0};
	int64_t total = 0, before;
	int rc;
	do { /* page by page, so a province's accounts never sit in memory at once */
		before = l.rows;
		f.after_id = l.last_id;
		rc = wg_account_list(db, &console, &f, print_user, &l, &total);
	} while (rc == 0 && l.rows - before == f.limit);
	if (rc)
		fprintf(stderr, "wangge: %s\n", wg_db_errmsg(db));
	else
		printf("%lld accounts\n", (long long)total);
	return rc;
}

int wg_cli_user(wg_config *cfg, int argc, char **argv)
{
	static const char usage[] = "usage: wangge user add|passwd|roles|list ...\n";
	if (argc < 2) {
		fputs(usage, stderr);
		return WG_EVALIDATION;
	}
	wg_db *db;
	int rc = wg__cli_open(cfg, &db);
	if (rc)
		return rc;
	const char *sub = argv[1];
	if (strcmp(sub, "add") == 0)
		rc = user_add(cfg, db, argc - 2, argv + 2);
	else if (strcmp(sub, "passwd") == 0)
		rc = user_passwd(cfg, db, argc - 2, argv + 2);
	else if (strcmp(sub, "roles") == 0)
		rc = user_roles(cfg, db, argc - 2, argv + 2);
	else if (strcmp(sub, "list") == 0)
		rc = user_list(db);
	else {
		fputs(usage, stderr);
		rc = WG_EVALIDATION;
	}
	wg_db_close(db);
	return rc;
}
