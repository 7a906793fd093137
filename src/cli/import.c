/* wangge import KIND FILE: bulk loads from files, through the same domain
 * rules as the API, all or nothing.
 *
 *   wangge import grids FILE.geojson [--dry-run]   a FeatureCollection; the
 *       property "code" names each grid ("name", "type", "parent" optional);
 *       new codes are created, existing ones redrawn; every bad feature is
 *       reported with its index and code, and nothing is written unless all
 *       are good (--dry-run: check only).
 *   wangge import regions FILE.csv                 division codes
 *       (code,parent,name; UTF-8 or GBK), then the departments of the new
 *       counties and towns (data/departments.json).
 *   wangge import residents FILE.csv ...           see import_residents.c.
 *
 * A running server keeps its grid index in memory: after importing grids,
 * restart it so that locating points sees them. */
#include "cli/cli.h"

#include "cli/internal.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/error.h"
#include "domain/audit.h"
#include "domain/dataload.h"
#include "domain/geometry.h"
#include "domain/grid.h"
#include "domain/region.h"
#include "io/geojson.h"
#include "io/text.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const wg_caller console = {0};

/* The whole file, converted to UTF-8 (GBK accepted); prints the reason. */
static int read_text(const char *path, char **text, size_t *len, const char **encoding)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "wangge: %s: %s\n", path, strerror(errno));
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
	if (!rc && ferror(f))
		rc = WG_EIO;
	fclose(f);
	char err[256] = "";
	if (!rc)
		rc = wg_text_to_utf8(buf, n, text, len, encoding, err, sizeof err);
	wg_free(buf);
	if (rc)
		fprintf(stderr, "wangge: %s: %s\n", path,
		        err[0]         ? err
		        : rc == WG_EIO ? "read error"
		                       : wg_error_message(rc));
	return rc;
}

/* ---- grids ------------------------------------------------------------------ */

struct feature {
	char *code, *name, *type, *parent; /* wg_malloc'd, NULL when absent */
};

struct grids_import {
	const char *path;
	wg_grid_input *items;
	struct feature *props;
	size_t n, cap;
	size_t bad;  /* features with a problem */
	size_t last; /* index of the last feature reported, to count each once */
	bool any;    /* a problem was reported */
	wg_progress progress;
	int rc; /* out of memory while reading */
};

static void report_feature(struct grids_import *g, size_t index, const char *code, const char *field,
                           const char *message)
{
	if (!g->any || g->last != index)
		g->bad++;
	g->any = true;
	g->last = index;
	fprintf(stderr, "wangge: %s: features[%zu]%s%s%s: %s%s%s\n", g->path, index, code ? " (" : "",
	        code ? code : "", code ? ")" : "", field ? field : "", field ? ": " : "", message);
}

/* A string property copied, or NULL; a non-string is reported. */
static char *property(struct grids_import *g, size_t index, const json_t *props, const char *name, bool *bad)
{
	json_t *v = json_object_get(props, name);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		char field[48];
		snprintf(field, sizeof field, "properties.%s", name);
		report_feature(g, index, NULL, field, "must be a non-empty string");
		*bad = true;
		return NULL;
	}
	char *s = wg_strdup(json_string_value(v));
	if (!s)
		g->rc = WG_ENOMEM;
	return s;
}

static int on_feature(void *ctx, size_t index, const json_t *props, const wg_geom *geom, const char *error)
{
	struct grids_import *g = ctx;
	wg_progress_update(&g->progress, (int64_t)index + 1);
	if (g->n == g->cap) {
		size_t bigger = g->cap ? 2 * g->cap : 256;
		wg_grid_input *items = wg_realloc(g->items, bigger * sizeof *items);
		if (items)
			g->items = items;
		struct feature *p = items ? wg_realloc(g->props, bigger * sizeof *p) : NULL;
		if (!p)
			return g->rc = WG_ENOMEM;
		g->props = p;
		g->cap = bigger;
	}
	struct feature *f = &g->props[g->n];
	wg_grid_input *in = &g->items[g->n];
	*f = (struct feature){0};
	*in = (wg_grid_input){.feature = index};
	g->n++;
	bool bad = false;
	if (props && !json_is_object(props)) {
		report_feature(g, index, NULL, "properties", "must be an object");
		bad = true;
		props = NULL;
	}
	f->code = property(g, index, props, "code", &bad);
	f->name = property(g, index, props, "name", &bad);
	f->type = property(g, index, props, "type", &bad);
	f->parent = property(g, index, props, "parent", &bad);
	if (g->rc)
		return g->rc;
	*in = (wg_grid_input){
		.code = f->code, .name = f->name, .type = f->type, .parent = f->parent, .feature = index};
	if (!f->code && !bad)
		report_feature(g, index, NULL, "properties.code",
		               "missing: the property names the grid's code");
	if (error) {
		report_feature(g, index, f->code, NULL, error);
		return 0;
	}
	char why[256];
	int rc = wg_geometry_check(geom, why, sizeof why);
	if (rc == WG_EVALIDATION) {
		report_feature(g, index, f->code, "geometry", why);
		return 0;
	}
	if (!rc)
		rc = wg_geom_copy(geom, &in->boundary);
	if (rc)
		return g->rc = rc;
	in->set_boundary = true;
	return 0;
}

static void on_problem(void *ctx, const wg_grid_input *in, const char *field, const char *code,
                       const char *message)
{
	(void)code;
	char where[48];
	if (strcmp(field, "boundary") == 0)
		snprintf(where, sizeof where, "geometry");
	else
		snprintf(where, sizeof where, "properties.%s", field);
	report_feature(ctx, in->feature, in->code, where, message);
}

static void free_import(struct grids_import *g)
{
	for (size_t i = 0; i < g->n; i++) {
		wg_geom_free(&g->items[i].boundary);
		wg_free(g->props[i].code);
		wg_free(g->props[i].name);
		wg_free(g->props[i].type);
		wg_free(g->props[i].parent);
	}
	wg_free(g->items);
	wg_free(g->props);
}

static int save_grids(wg_config *cfg, struct grids_import *g, bool dry_run)
{
	wg_db *db;
	int rc = wg__cli_open(cfg, &db);
	if (rc)
		return rc;
	wg_arena arena;
	wg_arena_init(&arena, 1024);
	wg_field_errors fe;
	wg_field_errors_init(&fe, &arena);
	wg_grid_batch b = {
		.mode = WG_GRID_IMPORT, .items = g->items, .n = g->n, .report = on_problem, .report_ctx = g};
	rc = wg_db_begin(db);
	if (!rc)
		rc = wg_grid_save(db, &console, cfg->security_audit_hash, &b, &fe);
	if (!rc && dry_run)
		rc = wg_db_rollback(db);
	else if (!rc)
		rc = wg_db_commit(db);
	else
		wg_db_rollback(db);
	wg_grid_index_discard(&b.built);
	if (rc == WG_EVALIDATION)
		fprintf(stderr, "wangge: %s: %zu of %zu features are bad; nothing was written\n", g->path,
		        b.bad, g->n);
	else if (rc)
		wg__cli_print_errors(&fe, rc, db);
	else
		printf("%s: %zu features: %zu created, %zu redrawn or renamed, %zu unchanged%s\n", g->path,
		       g->n, b.created, b.updated, g->n - b.created - b.updated,
		       dry_run ? " (dry run: nothing written)" : "");
	wg_arena_clear(&arena);
	wg_db_close(db);
	return rc;
}

static int import_grids(wg_config *cfg, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-') {
		fputs("usage: wangge import grids FILE.geojson [--dry-run]\n", stderr);
		return WG_EVALIDATION;
	}
	bool dry_run = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") != 0) {
			fprintf(stderr, "wangge: unknown option '%s'\n", argv[i]);
			return WG_EVALIDATION;
		}
		dry_run = true;
	}
	struct grids_import g = {.path = argv[0]};
	char *text;
	size_t len;
	const char *encoding;
	int rc = read_text(g.path, &text, &len, &encoding);
	if (rc)
		return rc;
	char err[256] = "";
	wg_progress_start(&g.progress, stderr, "features", 0);
	rc = wg_geojson_features(text, len, on_feature, &g, err, sizeof err);
	wg_progress_finish(&g.progress);
	wg_free(text);
	if (rc == WG_EBADREQ)
		fprintf(stderr, "wangge: %s: %s\n", g.path, err);
	else if (rc)
		fprintf(stderr, "wangge: %s: %s\n", g.path, wg_error_message(rc));
	else if (g.n == 0) {
		fprintf(stderr, "wangge: %s: no features\n", g.path);
		rc = WG_EVALIDATION;
	} else if (g.any) {
		fprintf(stderr, "wangge: %s: %zu of %zu features are bad; nothing was written\n", g.path,
		        g.bad, g.n);
		rc = WG_EVALIDATION;
	} else {
		rc = save_grids(cfg, &g, dry_run);
	}
	free_import(&g);
	return rc;
}

/* ---- regions -------------------------------------------------------------------- */

static int import_regions(wg_config *cfg, int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-') {
		fputs("usage: wangge import regions FILE.csv\n", stderr);
		return WG_EVALIDATION;
	}
	const char *path = argv[0];
	char *text;
	size_t len;
	const char *encoding;
	int rc = read_text(path, &text, &len, &encoding);
	if (rc)
		return rc;
	wg_db *db;
	rc = wg__cli_open(cfg, &db);
	if (rc) {
		wg_free(text);
		return rc;
	}
	int loaded = 0;
	char err[1024] = "";
	rc = wg_db_begin(db);
	if (!rc)
		rc = wg_region_load_csv(db, text, len, &loaded, err, sizeof err);
	/* New counties and towns get their departments; the data files say
	 * which. */
	if (!rc)
		rc = wg_dataload_organisation(db, cfg->data_dir, true, NULL, err, sizeof err);
	char detail[160];
	snprintf(detail, sizeof detail, "{\"rows\":%d,\"encoding\":\"%s\"}", loaded, encoding);
	wg_audit_entry e = {
		.action = "region.import", .object_type = "region", .result = WG_AUDIT_OK, .detail = detail};
	if (!rc)
		rc = wg_audit_append(db, cfg->security_audit_hash, &e);
	if (!rc)
		rc = wg_db_commit(db);
	else
		wg_db_rollback(db);
	if (rc)
		fprintf(stderr, "wangge: %s: %s; nothing was written\n", path,
		        err[0]            ? err
		        : rc == WG_ESTORE ? wg_db_errmsg(db)
		                          : wg_error_message(rc));
	else
		printf("%s: %d regions loaded (%s)\n", path, loaded, encoding);
	wg_free(text);
	wg_db_close(db);
	return rc;
}

/* ---- the dispatcher ------------------------------------------------------------- */

static const struct {
	const char *kind;
	int (*run)(wg_config *cfg, int argc, char **argv);
} kinds[] = {
	{"grids", import_grids},
	{"regions", import_regions},
	{"residents", wg__cli_import_residents},
};

int wg_cli_import(wg_config *cfg, int argc, char **argv)
{
	for (size_t i = 0; argc >= 2 && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(argv[1], kinds[i].kind) == 0)
			return kinds[i].run(cfg, argc - 2, argv + 2);
	fputs("usage: wangge import KIND FILE [options]\nkinds:", stderr);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		fprintf(stderr, " %s", kinds[i].kind);
	fputc('\n', stderr);
	return WG_EVALIDATION;
}
