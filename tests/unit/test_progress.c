/* test_progress.c - the progress line: exact text on a terminal and in a
 * log, the redraw cadence, unknown totals, and the number and duration
 * formats, with the clock set instead of slept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/progress.h"
#include "core/clock.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

/* A memory stream to write into and read back. */
struct mem {
	FILE *f;
	char *buf;
	size_t size;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->size = 0;
	m->f = open_memstream(&m->buf, &m->size);
	assert_non_null(m->f);
}

/* What has been written so far. */
static const char *mem_text(struct mem *m)
{
	assert_int_equal(fflush(m->f), 0);
	return m->buf;
}

static void mem_close(struct mem *m)
{
	fclose(m->f);
	free(m->buf);
}

static void at(int64_t ms_after_t0, wg_progress *p, int64_t done)
{
	wg_clock_set_ms(T0 + ms_after_t0);
	wg_progress_update(p, done);
}

static void test_tty(void **state)
{
	(void)state;
	struct mem m;
	mem_open(&m);
	wg_progress p;
	wg_clock_set_ms(T0);
	wg_progress_start_as(&p, m.f, "residents", 30000, true);
	assert_string_equal(mem_text(&m), "\rresidents  [--------------------]   0%  0/30,000");
	/* Less than 100 ms since the last draw: nothing. */
	at(50, &p, 100);
	at(99, &p, 200);
	assert_string_equal(mem_text(&m), "\rresidents  [--------------------]   0%  0/30,000");
	at(100, &p, 1000);
	at(150, &p, 1500);
	at(1500, &p, 18300);
	at(1550, &p, 18400);
	assert_string_equal(mem_text(&m),
	                    "\rresidents  [--------------------]   0%  0/30,000"
	                    "\rresidents  [--------------------]   3%  1,000/30,000  10,000 rows/s  ETA 3s"
	                    "\rresidents  [############--------]  61%  18,300/30,000  12,200 rows/s  ETA 1s");
	wg_clock_set_ms(T0 + 2500);
	wg_progress_update(&p, 30000);
	wg_progress_finish(&p);
	const char *text = mem_text(&m);
	const char *last = strrchr(text, '\r');
	assert_string_equal(
		last,
		"\rresidents  [####################] 100%  30,000/30,000  12,000 rows/s  done in 2.5s\n");
	/* Finished: further calls write nothing. */
	size_t before = strlen(text);
	at(5000, &p, 31000);
	wg_progress_finish(&p);
	assert_int_equal(strlen(mem_text(&m)), before);
	mem_close(&m);
}

/* A shorter line is padded with spaces over the rest of the longer one. */
static void test_tty_blanks_rest(void **state)
{
	(void)state;
	struct mem m;
	mem_open(&m);
	wg_progress p;
	wg_clock_set_ms(T0);
	wg_progress_start_as(&p, m.f, "cases", 0, true);
	at(1000, &p, 123456);
	at(100000, &p, 123457);
	assert_string_equal(mem_text(&m), "\rcases  0 rows"
	                                  "\rcases  123,456 rows  123,456 rows/s"
	                                  "\rcases  123,457 rows  1,234 rows/s  ");
	wg_clock_set_ms(T0 + 100000);
	wg_progress_finish(&p);
	assert_non_null(strstr(mem_text(&m), "\rcases  123,457 rows  1,234 rows/s  done in 1m40s\n"));
	mem_close(&m);
}

static void test_plain(void **state)
{
	(void)state;
	struct mem m;
	mem_open(&m);
	wg_progress p;
	wg_clock_set_ms(T0);
	wg_progress_start_as(&p, m.f, "residents", 30000, false);
	assert_string_equal(mem_text(&m), "");
	at(1000, &p, 5000);
	at(4999, &p, 15000);
	assert_string_equal(mem_text(&m), "");
	at(5000, &p, 18300);
	at(9999, &p, 20000);
	at(10000, &p, 25000);
	wg_clock_set_ms(T0 + 12000);
	wg_progress_update(&p, 30000);
	wg_progress_finish(&p);
	assert_string_equal(mem_text(&m), "residents: 18300/30000 rows (61%), 3660 rows/s, ETA 4s\n"
	                                  "residents: 25000/30000 rows (83%), 2500 rows/s, ETA 2s\n"
	                                  "residents: 30000/30000 rows (100%), 2500 rows/s, done in 12.0s\n");
	mem_close(&m);
}

static void test_plain_unknown_total(void **state)
{
	(void)state;
	struct mem m;
	mem_open(&m);
	wg_progress p;
	wg_clock_set_ms(T0);
	wg_progress_start_as(&p, m.f, "grids", 0, false);
	at(5000, &p, 1000);
	wg_clock_set_ms(T0 + 5000);
	wg_progress_finish(&p);
	assert_string_equal(mem_text(&m), "grids: 1000 rows, 200 rows/s\n"
	                                  "grids: 1000 rows, 200 rows/s, done in 5.0s\n");
	mem_close(&m);
}

/* Nothing done, no time passed, more done than the total, the clock set
 * back: no rate, no division by zero, the percentage capped. */
static void test_edges(void **state)
{
	(void)state;
	struct mem m;
	mem_open(&m);
	wg_progress p;
	wg_clock_set_ms(T0);
	wg_progress_start_as(&p, m.f, "demo", 10, false);
	wg_progress_finish(&p);
	assert_string_equal(mem_text(&m), "demo: 0/10 rows (0%), done in 0.0s\n");
	mem_close(&m);

	mem_open(&m);
	wg_clock_set_ms(T0);
	wg_progress_start_as(&p, m.f, "demo", 10, false);
	at(6000, &p, 12);
	at(-60000, &p, 12); /* set back a minute: drawn at once, elapsed 0 */
	assert_string_equal(mem_text(&m), "demo: 12/10 rows (100%), 2 rows/s, ETA 0s\n"
	                                  "demo: 12/10 rows (100%)\n");
	mem_close(&m);

	/* Silent progress and a label cut at a character boundary. */
	wg_progress_start_as(&p, NULL, "x", 5, true);
	wg_progress_update(&p, 3);
	wg_progress_finish(&p);
	wg_progress_start_as(&p, NULL, "住户住户住户住户住户住户", 5, false); /* 36 bytes */
	assert_string_equal(p.label, "住户住户住户住户住户");
	wg_progress_start(&p, NULL, NULL, -5);
	assert_string_equal(p.label, "");
	assert_int_equal(p.total, 0);
	assert_false(p.tty);
}

/* A memory stream is no terminal. */
static void test_start_detects(void **state)
{
	(void)state;
	struct mem m;
	mem_open(&m);
	wg_progress p;
	wg_clock_set_ms(T0);
	wg_progress_start(&p, m.f, "x", 5);
	assert_false(p.tty);
	assert_string_equal(mem_text(&m), "");
	mem_close(&m);
}

static void test_thousands(void **state)
{
	(void)state;
	static const struct {
		int64_t n;
		const char *s;
	} cases[] = {
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1,000"},
		{18300, "18,300"},
		{123456, "123,456"},
		{1234567, "1,234,567"},
		{-1234, "-1,234"},
		{-999, "-999"},
		{INT64_MAX, "9,223,372,036,854,775,807"},
		{INT64_MIN, "-9,223,372,036,854,775,808"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[40];
		size_t n = wg_progress_thousands(cases[i].n, buf, sizeof buf);
		assert_string_equal(buf, cases[i].s);
		assert_int_equal(n, strlen(cases[i].s));
	}
	char small[4];
	assert_int_equal(wg_progress_thousands(18300, small, sizeof small), 3);
	assert_string_equal(small, "18,");
}

static void test_duration(void **state)
{
	(void)state;
	static const struct {
		int64_t ms;
		bool tenths;
		const char *s;
	} cases[] = {
		{0, true, "0.0s"},       {2449, true, "2.4s"},     {59999, true, "59.9s"},
		{60000, true, "1m00s"},  {65999, true, "1m05s"},   {3723000, true, "1h02m03s"},
		{-5, true, "0.0s"},      {0, false, "0s"},         {1, false, "1s"},
		{959, false, "1s"},      {1000, false, "1s"},      {1001, false, "2s"},
		{59001, false, "1m00s"}, {125000, false, "2m05s"}, {INT64_C(360000000), false, "100h00m00s"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[24];
		size_t n = wg_progress_duration(cases[i].ms, cases[i].tenths, buf, sizeof buf);
		if (strcmp(buf, cases[i].s) != 0)
			fail_msg("%lld ms: \"%s\", want \"%s\"", (long long)cases[i].ms, buf, cases[i].s);
		assert_int_equal(n, strlen(cases[i].s));
	}
}

static int reset_clock(void **state)
{
	(void)state;
	wg_clock_set_ms(0);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tty),       cmocka_unit_test(test_tty_blanks_rest),
		cmocka_unit_test(test_plain),     cmocka_unit_test(test_plain_unknown_total),
		cmocka_unit_test(test_edges),     cmocka_unit_test(test_start_detects),
		cmocka_unit_test(test_thousands), cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, NULL, reset_clock);
}
