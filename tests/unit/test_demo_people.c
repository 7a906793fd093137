/* test_demo_people.c - the demo county's people pass the validation typed
 * numbers get, and their ID numbers never repeat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/demo_people.h"
#include "core/ident.h"

#define PEOPLE 20000

static int by_string(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_people_are_valid_and_unique(void **state)
{
	(void)state;
	wg__demo_people *reg = wg__demo_people_new();
	assert_non_null(reg);
	wg__demo_rng r = {11};
	char(*ids)[19] = calloc(PEOPLE, sizeof *ids);
	assert_non_null(ids);
	for (int i = 0; i < PEOPLE; i++) {
		wg__demo_person p;
		assert_true(wg__demo_person_new(reg, &r, i % 5 ? "610326" : "610323", 1940, 2020, &p));
		char norm[19];
		wg_id_info info;
		const char *code, *why;
		if (wg_ident_id_number(p.id_number, 20261124, norm, &info, &code, &why) != 0)
			fail_msg("%s: %s", p.id_number, why);
		assert_int_equal(info.sex, p.male ? 'M' : 'F');
		assert_true(p.birth_year >= 1940 && p.birth_year <= 2020);
		char phone[24];
		if (wg_ident_phone(p.phone, phone, &code, &why) != 0)
			fail_msg("%s: %s", p.phone, why);
		size_t len = strlen(p.name);
		assert_true(len == 6 || len == 9); /* 2 or 3 characters of 3 bytes */
		memcpy(ids[i], p.id_number, 19);
	}
	qsort(ids, PEOPLE, sizeof *ids, by_string);
	for (int i = 1; i < PEOPLE; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	free(ids);
	wg__demo_people_free(reg);
}

static void test_one_day_runs_out(void **state)
{
	(void)state;
	/* One year holds 366 days x 500 numbers per sex. Drawn at random, some
	 * day and sex fills up first, and then the register refuses rather
	 * than repeat a number. */
	wg__demo_people *reg = wg__demo_people_new();
	assert_non_null(reg);
	wg__demo_rng r = {2};
	int made = 0;
	wg__demo_person p;
	while (made < 400000 && wg__demo_person_new(reg, &r, "610326", 2000, 2000, &p))
		made++;
	assert_true(made > 200000 && made < 366000);
	wg__demo_people_free(reg);
}

static void test_same_seed_same_people(void **state)
{
	(void)state;
	wg__demo_people *a = wg__demo_people_new(), *b = wg__demo_people_new();
	assert_non_null(a);
	assert_non_null(b);
	wg__demo_rng ra = {99}, rb = {99};
	for (int i = 0; i < 1000; i++) {
		wg__demo_person pa, pb;
		assert_true(wg__demo_person_new(a, &ra, "610326", 1930, 2025, &pa));
		assert_true(wg__demo_person_new(b, &rb, "610326", 1930, 2025, &pb));
		assert_string_equal(pa.name, pb.name);
		assert_string_equal(pa.id_number, pb.id_number);
		assert_string_equal(pa.phone, pb.phone);
	}
	wg__demo_people_free(a);
	wg__demo_people_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_people_are_valid_and_unique),
		cmocka_unit_test(test_one_day_runs_out),
		cmocka_unit_test(test_same_seed_same_people),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
