/* alloc.h - the allocator every wangge module calls.
 *
 * wg_malloc/wg_realloc/wg_free wrap the C library. Tests can make the Nth
 * allocation from now fail (wg_alloc_fail_at) to prove that every caller
 * returns WG_ENOMEM cleanly and leaks nothing (curl's "torture" idea). */
#ifndef WG_CORE_ALLOC_H
#define WG_CORE_ALLOC_H

#include <stddef.h>

/* Like malloc/realloc/calloc/free; NULL when memory runs out or when the
 * test hook says this allocation must fail. */
void *wg_malloc(size_t n);
void *wg_calloc(size_t count, size_t size);
void *wg_realloc(void *p, size_t n);
void wg_free(void *p);

/* Copy of s (NUL-terminated), or NULL on failure; caller frees with wg_free. */
char *wg_strdup(const char *s);
char *wg_strndup(const char *s, size_t n);

/* Test hook: the nth allocation from now fails (1 = the next one); 0 turns
 * failures off. Counts all threads together; tests use it single-threaded. */
void wg_alloc_fail_at(unsigned long nth);

/* Allocations made since the last wg_alloc_fail_at call. */
unsigned long wg_alloc_count(void);

#endif
