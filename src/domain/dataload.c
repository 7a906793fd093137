#include "domain/dataload.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "domain/department.h"
#include "domain/region.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef int (*loader_fn)(wg_db *db, const char *text, size_t len, int *loaded, char *err, size_t errlen);

/* Shipped data sets: a folder under data/, the file ending and its loader. */
static const struct {
	const char *folder;
	const char *suffix;
	loader_fn load;
} datasets[] = {
	{"regions", ".csv", wg_region_load_csv},
};

static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return WG_EIO;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = wg_malloc(cap);
	int rc = buf ? 0 : WG_ENOMEM;
	while (!rc) {
		if (n == cap) {
			char *bigger = wg_realloc(buf, cap *= 2);
			if (!bigger) {
				rc = WG_ENOMEM;
				break;
			}
			buf = bigger;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = WG_EIO;
	}
	fclose(f);
	if (rc) {
		wg_free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return 0;
}

static int recorded_hash(wg_db *db, const char *name, char hex[65])
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, "SELECT sha256 FROM data_loads WHERE name = ?", &st);
	if (rc)
		return rc;
	hex[0] = '\0';
	rc = wg_stmt_bindf(st, "t", name);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW)
		snprintf(hex, 65, "%s", wg_stmt_text(st, 0, NULL));
	wg_stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int record_hash(wg_db *db, const char *name, const char *hex)
{
	return wg_db_execf(
		db,
		"INSERT INTO data_loads (name, sha256, loaded_at) VALUES (?, ?, ?) "
		"ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, loaded_at = excluded.loaded_at",
		NULL, "tti", name, hex, wg_clock_now_ms());
}

static void sha256_hex(const char *text, size_t len, char hex[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)text, len);
	sodium_bin2hex(hex, 65, digest, sizeof digest);
}

static int load_file(wg_db *db, const char *dir, const char *folder, const char *file, loader_fn load,
                     bool *changed, FILE *log, char *err, size_t errlen)
{
	char path[4096], name[512];
	snprintf(path, sizeof path, "%s/%s/%s", dir, folder, file);
	snprintf(name, sizeof name, "%s/%s", folder, file);
	char *text;
	size_t len;
	int rc = read_file(path, &text, &len, err, errlen);
	if (rc)
		return rc;
	char hex[65], old[65];
	sha256_hex(text, len, hex);
	rc = recorded_hash(db, name, old);
	if (!rc && strcmp(old, hex) != 0) {
		*changed = true;
		int loaded = 0;
		char why[512] = "";
		rc = load(db, text, len, &loaded, why, sizeof why);
		if (rc)
			snprintf(err, errlen, "%s: %s", path, why[0] ? why : wg_error_message(rc));
		else
			rc = record_hash(db, name, hex);
		if (!rc && log)
			fprintf(log, "loaded %s: %d rows\n", name, loaded);
	}
	wg_free(text);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The organisation files: the categories and the departments that own
 * them, checked against each other, so both load together. */
static const char categories_name[] = "categories.json";
static const char departments_name[] = "departments.json";

/* Loading keeps what a sysadmin edited (category.h, department.h); say so,
 * so that an operator who upgraded the files knows why some values differ
 * from them. */
static int report_kept_edits(wg_db *db, FILE *log)
{
	int64_t deadlines = 0, lists = 0;
	int rc = wg_db_query_int(db,
	                         "SELECT count(*) FROM categories WHERE deadline_edited_at IS NOT NULL AND "
	                         "(deadline <> default_deadline OR deadline_unit <> default_deadline_unit)",
	                         &deadlines, "");
	if (!rc)
		rc = wg_db_query_int(db,
		                     "SELECT count(*) FROM departments WHERE duties_edited_at IS NOT NULL",
		                     &lists, "");
	if (!rc && (deadlines || lists))
		fprintf(log,
		        "kept what administrators edited: %lld category deadlines that differ from %s, "
		        "%lld department duty lists (GET /api/v1/categories and /api/v1/departments show "
		        "them)\n",
		        (long long)deadlines, categories_name, (long long)lists);
	return rc;
}

int wg_dataload_organisation(wg_db *db, const char *dir, bool force, FILE *log, char *err, size_t errlen)
{
	char cat_path[4096], dep_path[4096];
	snprintf(cat_path, sizeof cat_path, "%s/%s", dir, categories_name);
	snprintf(dep_path, sizeof dep_path, "%s/%s", dir, departments_name);
	char *cat = NULL, *dep = NULL;
	size_t cat_len, dep_len;
	int rc = read_file(cat_path, &cat, &cat_len, err, errlen);
	if (!rc)
		rc = read_file(dep_path, &dep, &dep_len, err, errlen);
	char cat_hex[65] = "", dep_hex[65] = "", cat_old[65] = "", dep_old[65] = "";
	if (!rc) {
		sha256_hex(cat, cat_len, cat_hex);
		sha256_hex(dep, dep_len, dep_hex);
		rc = recorded_hash(db, categories_name, cat_old);
	}
	if (!rc)
		rc = recorded_hash(db, departments_name, dep_old);
	if (!rc && (force || strcmp(cat_hex, cat_old) != 0 || strcmp(dep_hex, dep_old) != 0)) {
		int loaded = 0;
		rc = wg_department_load_data(db, cat, cat_len, cat_path, dep, dep_len, dep_path, &loaded, err,
		                             errlen);
		if (!rc)
			rc = record_hash(db, categories_name, cat_hex);
		if (!rc)
			rc = record_hash(db, departments_name, dep_hex);
		if (!rc && log)
			fprintf(log, "loaded %s and %s: %d categories and departments\n", categories_name,
			        departments_name, loaded);
		if (!rc && log)
			rc = report_kept_edits(db, log);
	}
	wg_free(cat);
	wg_free(dep);
	return rc;
}

int wg_dataload_all(wg_db *db, const char *dir, FILE *log, char *err, size_t errlen)
{
	bool regions_changed = false;
	for (size_t d = 0; d < sizeof datasets / sizeof datasets[0]; d++) {
		char folder[4096];
		snprintf(folder, sizeof folder, "%s/%s", dir, datasets[d].folder);
		struct dirent **entries;
		int n = scandir(folder, &entries, NULL, by_name);
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", folder, strerror(errno));
			return WG_EIO;
		}
		int rc = 0;
		for (int i = 0; i < n; i++) {
			const char *file = entries[i]->d_name;
			size_t fl = strlen(file), sl = strlen(datasets[d].suffix);
			if (!rc && file[0] != '.' && fl > sl &&
			    strcmp(file + fl - sl, datasets[d].suffix) == 0)
				rc = load_file(db, dir, datasets[d].folder, file, datasets[d].load,
				               &regions_changed, log, err, errlen);
			free(entries[i]);
		}
		free(entries);
		if (rc)
			return rc;
	}
	/* New towns need their departments even when the files are as before. */
	return wg_dataload_organisation(db, dir, regions_changed, log, err, errlen);
}
