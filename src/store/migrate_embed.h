/* migrate_embed.h - the migration files compiled into the binary
 * (generated as migrations.c by tools/embed.py; see migrations/meson.build). */
#ifndef WG_STORE_MIGRATE_EMBED_H
#define WG_STORE_MIGRATE_EMBED_H

struct wg__migration {
	const char *dialect; /* "sqlite" or "postgres" */
	const char *name;    /* "0001_core.sql" */
	const char *sql;
};

extern const struct wg__migration wg__migrations[];
extern const unsigned wg__migration_count;

#endif
