/* fuzz_category.c - the parsers of data/categories.json and
 * data/departments.json on arbitrary text.
 *
 * The same bytes go to both parsers. Besides surviving the sanitizers: a
 * failure leaves an empty set and a message ("line ..." when the text is
 * not JSON); a success gives well-formed items (codes of 2 or 4 digits, a
 * minor after its major and starting with its code, a deadline within its
 * bounds; department keys of the allowed form, duties only at levels the
 * department has); and checking the two sets against each other never
 * crashes, whatever they hold. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "domain/category.h"
#include "domain/department.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_categories(const wg_category_set *c)
{
	const wg_category *major = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const wg_category *x = &c->items[i];
		if (!x->code || !x->name || !x->name_en || !x->kind || x->position != (int64_t)i)
			abort();
		if (!x->parent) {
			if (strlen(x->code) != 2 || x->deadline != 0)
				abort();
			major = x;
			continue;
		}
		int64_t max = strcmp(x->deadline_unit, "working_days") == 0 ? WG_CATEGORY_DAYS_MAX
		                                                            : WG_CATEGORY_HOURS_MAX;
		if (!major || strcmp(x->parent, major->code) != 0 || strlen(x->code) != 4 ||
		    strncmp(x->code, major->code, 2) != 0 || x->deadline < 1 || x->deadline > max ||
		    !wg_department_key_ok(x->owner_town) || !wg_department_key_ok(x->owner_county))
			abort();
	}
}

static void check_departments(const wg_department_set *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const wg_department_def *x = &d->items[i];
		if (!wg_department_key_ok(x->key) || x->levels == 0 || (x->levels & ~3u))
			abort();
		for (size_t j = 0; j < x->nduties; j++)
			if (strlen(x->duties[j].category) != 4 || x->duties[j].levels == 0 ||
			    (x->duties[j].levels & ~x->levels))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	wg_category_set c;
	wg_department_set d;
	char err[400];
	int crc = wg_category_parse(text, size, &c, err, sizeof err);
	if (crc ? c.items != NULL || !err[0] || (crc == WG_EBADREQ && strncmp(err, "line ", 5) != 0)
	        : err[0] != '\0')
		abort();
	if (!crc)
		check_categories(&c);
	int drc = wg_department_parse(text, size, &d, err, sizeof err);
	if (drc ? d.items != NULL || !err[0] || (drc == WG_EBADREQ && strncmp(err, "line ", 5) != 0)
	        : err[0] != '\0')
		abort();
	if (!drc)
		check_departments(&d);
	/* One text is hardly both files; check each against an empty other. */
	wg_category_set none_c = {0};
	wg_department_set none_d = {0};
	int rc = wg_department_check(drc ? &none_d : &d, crc ? &none_c : &c, "c", "d", err, sizeof err);
	if (rc != 0 && rc != WG_EVALIDATION)
		abort();
	wg_category_set_free(&c);
	wg_department_set_free(&d);
	free(text);
	return 0;
}
