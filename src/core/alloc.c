#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong fail_at;
static atomic_ulong counter;

static int should_fail(void)
{
	unsigned long n = atomic_fetch_add(&counter, 1) + 1;
	unsigned long f = atomic_load(&fail_at);
	return f != 0 && n == f;
}

void *wg_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n ? n : 1);
}

void *wg_calloc(size_t count, size_t size)
{
	return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *wg_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void wg_free(void *p)
{
	free(p);
}

char *wg_strndup(const char *s, size_t n)
{
	char *d = wg_malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *wg_strdup(const char *s)
{
	return wg_strndup(s, strlen(s));
}

void wg_alloc_fail_at(unsigned long nth)
{
	atomic_store(&counter, 0);
	atomic_store(&fail_at, nth);
}

unsigned long wg_alloc_count(void)
{
	return atomic_load(&counter);
}
