/* test_arena.c - the per-request memory pool. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"

static bool aligned(const void *p)
{
	return (uintptr_t)p % alignof(max_align_t) == 0;
}

/* Allocations of every small size are aligned, do not overlap, and keep
 * their contents until the arena is cleared. */
static void test_alignment_and_contents(void **state)
{
	(void)state;
	static const size_t chunk_sizes[] = {64, 100, 4096};
	for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
		wg_arena a;
		wg_arena_init(&a, chunk_sizes[c]);
		unsigned char *p[200];
		for (size_t n = 0; n < 200; n++) {
			p[n] = wg_arena_alloc(&a, n);
			assert_non_null(p[n]);
			if (!aligned(p[n]))
				fail_msg("chunk %zu: size %zu unaligned", chunk_sizes[c], n);
			memset(p[n], (int)(n & 0xFF), n);
		}
		for (size_t n = 0; n < 200; n++)
			for (size_t i = 0; i < n; i++)
				if (p[n][i] != (unsigned char)n)
					fail_msg("chunk %zu: allocation %zu overwritten", chunk_sizes[c], n);
		wg_arena_clear(&a);
	}
}

static void test_zero_size(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 0);
	void *x = wg_arena_alloc(&a, 0), *y = wg_arena_alloc(&a, 0);
	assert_non_null(x);
	assert_non_null(y);
	assert_ptr_not_equal(x, y);
	assert_int_equal(a.chunk_size, 4096);
	wg_arena_clear(&a);
}

/* A request larger than a quarter chunk that does not fit gets a chunk of
 * its own, and the free space of the current chunk stays in use. */
static void test_big_allocations(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 1024);
	static const size_t sizes[] = {1024, 3000, 1 << 20, 5000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *small = wg_arena_alloc(&a, 16);
		unsigned char *big = wg_arena_alloc(&a, sizes[i]);
		unsigned char *after = wg_arena_alloc(&a, 16);
		assert_non_null(small);
		assert_non_null(big);
		assert_non_null(after);
		assert_true(aligned(big));
		memset(big, 0xAB, sizes[i]);
		memset(after, 0xCD, 16);
		assert_int_equal(big[sizes[i] - 1], 0xAB);
		if (small + 16 != after)
			fail_msg("size %zu: the current chunk was abandoned", sizes[i]);
	}
	/* One that still fits in the current chunk is taken from it. */
	unsigned char *small = wg_arena_alloc(&a, 16);
	unsigned char *mid = wg_arena_alloc(&a, 300);
	assert_ptr_equal(mid, small + 16);
	wg_arena_clear(&a);
}

/* Sizes near SIZE_MAX fail instead of wrapping around to a small block. */
static void test_overflow(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 4096);
	/* Only sizes that wrap when the chunk header is added: a request
	 * that reaches malloc makes AddressSanitizer abort, not return NULL. */
	static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX - 40};
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
		if (wg_arena_alloc(&a, huge[i]) != NULL)
			fail_msg("alloc of SIZE_MAX - %zu succeeded", SIZE_MAX - huge[i]);
	assert_null(wg_arena_calloc(&a, SIZE_MAX / 2, 3));
	assert_null(wg_arena_calloc(&a, 3, SIZE_MAX / 2));
	assert_null(wg_arena_strndup(&a, "x", SIZE_MAX));
	assert_int_equal(a.used, 0);
	wg_arena_clear(&a);
}

static void test_calloc_and_strings(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 256);
	/* Dirty the first chunk so that calloc has something to clear. */
	memset(wg_arena_alloc(&a, 200), 0xFF, 200);
	wg_arena_clear(&a);
	unsigned char *z = wg_arena_calloc(&a, 50, 4);
	assert_non_null(z);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(z[i], 0);
	assert_non_null(wg_arena_calloc(&a, 0, 8));

	char *s = wg_arena_strdup(&a, "网格 grid");
	assert_string_equal(s, "网格 grid");
	char *t = wg_arena_strndup(&a, "abcdef", 3);
	assert_string_equal(t, "abc");
	char *e = wg_arena_strndup(&a, "", 0);
	assert_string_equal(e, "");
	wg_arena_clear(&a);
}

static char *via_vprintf(wg_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = wg_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return s;
}

static void test_printf(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 128);
	assert_string_equal(wg_arena_printf(&a, "%d-%s", 42, "abc"), "42-abc");
	assert_string_equal(wg_arena_printf(&a, "%s", ""), "");
	assert_string_equal(via_vprintf(&a, "%05.1f|%x", 3.14159, 255u), "003.1|ff");
	/* Longer than a chunk. */
	char *long_text = wg_arena_printf(&a, "%0500d%s", 7, "end");
	assert_non_null(long_text);
	assert_int_equal(strlen(long_text), 503);
	assert_string_equal(long_text + 499, "7end");
	wg_arena_clear(&a);
}

/* Clearing returns the arena to empty; it is usable again, and the used
 * count follows the rounded sizes. */
static void test_clear_and_reuse(void **state)
{
	(void)state;
	wg_arena a;
	wg_arena_init(&a, 512);
	for (int round = 0; round < 3; round++) {
		assert_null(a.head);
		assert_int_equal(a.used, 0);
		size_t expect = 0;
		for (size_t n = 1; n < 100; n += 7) {
			assert_non_null(wg_arena_alloc(&a, n));
			expect +=
				(n + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
		}
		assert_non_null(wg_arena_alloc(&a, 2000));
		expect += 2000;
		assert_int_equal(a.used, expect);
		wg_arena_clear(&a);
	}
	/* Clearing an empty arena is harmless. */
	wg_arena_clear(&a);
	assert_null(a.head);
}

/* Each chunk allocation fails in turn: the failing call returns NULL and
 * leaves the arena as it was; later calls succeed; clear frees everything
 * (LeakSanitizer checks). */
static void test_failing_allocator(void **state)
{
	(void)state;
	static const size_t sizes[] = {10, 4000, 10, 20000, 300, 300, 300, 300, 8};
	enum { N = sizeof sizes / sizeof sizes[0] };
	bool saw_failure = false;
	for (unsigned long fail = 1; fail < 10; fail++) {
		wg_arena a;
		wg_arena_init(&a, 1024);
		wg_alloc_fail_at(fail);
		size_t nulls = 0;
		for (size_t i = 0; i < N; i++) {
			size_t used = a.used;
			struct wg_arena_chunk *head = a.head;
			void *p = wg_arena_alloc(&a, sizes[i]);
			if (!p) {
				nulls++;
				assert_int_equal(a.used, used);
				assert_ptr_equal(a.head, head);
				/* The next try gets memory. */
				p = wg_arena_alloc(&a, sizes[i]);
				assert_non_null(p);
			}
			memset(p, 1, sizes[i]);
		}
		unsigned long made = wg_alloc_count();
		wg_alloc_fail_at(0);
		/* An allocation failed exactly when one was due. */
		assert_int_equal(nulls, fail <= made - 1 ? 1 : 0);
		saw_failure |= nulls > 0;
		wg_arena_clear(&a);
	}
	assert_true(saw_failure);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_contents), cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_big_allocations),        cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_calloc_and_strings),     cmocka_unit_test(test_printf),
		cmocka_unit_test(test_clear_and_reuse),        cmocka_unit_test(test_failing_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
