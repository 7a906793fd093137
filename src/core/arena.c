#include "core/arena.h"

#include "core/alloc.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct wg_arena_chunk {
	struct wg_arena_chunk *next;
	size_t size;
	size_t off;
	alignas(max_align_t) unsigned char data[];
};

enum { ALIGN = alignof(max_align_t) };

void wg_arena_init(wg_arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 4096;
	a->used = 0;
}

static struct wg_arena_chunk *new_chunk(size_t size)
{
	/* The header is added to the request, which may be near SIZE_MAX. */
	if (size > SIZE_MAX - sizeof(struct wg_arena_chunk))
		return NULL;
	struct wg_arena_chunk *c = wg_malloc(sizeof *c + size);
	if (c) {
		c->next = NULL;
		c->size = size;
		c->off = 0;
	}
	return c;
}

void *wg_arena_alloc(wg_arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ALIGN)
		return NULL;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	struct wg_arena_chunk *c = a->head;
	if (!c || c->size - c->off < need) {
		/* A large request gets a chunk of its own behind the current one,
		 * so the current chunk's free space stays usable. */
		bool own = need > a->chunk_size / 4;
		struct wg_arena_chunk *fresh = new_chunk(own ? need : a->chunk_size);
		if (!fresh)
			return NULL;
		if (c && own) {
			fresh->next = c->next;
			c->next = fresh;
		} else {
			fresh->next = c;
			a->head = fresh;
		}
		c = fresh;
	}
	void *p = c->data + c->off;
	c->off += need;
	a->used += need;
	return p;
}

void *wg_arena_calloc(wg_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	void *p = wg_arena_alloc(a, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

char *wg_arena_strndup(wg_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *d = wg_arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *wg_arena_strdup(wg_arena *a, const char *s)
{
	return wg_arena_strndup(a, s, strlen(s));
}

char *wg_arena_vprintf(wg_arena *a, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	char *d = wg_arena_alloc(a, (size_t)n + 1);
	if (d)
		vsnprintf(d, (size_t)n + 1, fmt, ap);
	return d;
}

char *wg_arena_printf(wg_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *d = wg_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return d;
}

void wg_arena_clear(wg_arena *a)
{
	struct wg_arena_chunk *c = a->head;
	while (c) {
		struct wg_arena_chunk *next = c->next;
		wg_free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}
