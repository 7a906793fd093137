/* arena.h - per-request memory pool.
 *
 * Everything a request needs for its lifetime comes from its arena and is
 * released at once by wg_arena_clear when the request ends, so handlers never
 * free per-request memory. Not thread-safe: one thread uses an arena at a
 * time (a request handed to the writer thread hands its arena along). */
#ifndef WG_CORE_ARENA_H
#define WG_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct wg_arena_chunk;

typedef struct wg_arena {
	struct wg_arena_chunk *head; /* newest chunk first */
	size_t chunk_size;           /* size of ordinary chunks */
	size_t used;                 /* bytes handed out, for metrics and tests */
} wg_arena;

/* Prepare an empty arena; no memory is taken until the first allocation. */
void wg_arena_init(wg_arena *a, size_t chunk_size);

/* n bytes aligned for any type, or NULL when memory runs out. Owned by the
 * arena until wg_arena_clear. */
void *wg_arena_alloc(wg_arena *a, size_t n);

/* Zeroed allocation of count*size bytes (NULL on overflow or no memory). */
void *wg_arena_calloc(wg_arena *a, size_t count, size_t size);

/* NUL-terminated copy of the n bytes at s, or NULL. */
char *wg_arena_strndup(wg_arena *a, const char *s, size_t n);
char *wg_arena_strdup(wg_arena *a, const char *s);

/* printf into the arena; NULL when memory runs out or the format fails. */
char *wg_arena_printf(wg_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *wg_arena_vprintf(wg_arena *a, const char *fmt, va_list ap);

/* Release every allocation; the arena may be used again afterwards. */
void wg_arena_clear(wg_arena *a);

#endif
