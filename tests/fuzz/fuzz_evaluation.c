/* fuzz_evaluation.c - the evaluation file parser (domain/evaluation.c) on
 * arbitrary text, and the scores of whatever loads.
 *
 * Besides surviving the sanitizers: a failure leaves no config and a
 * message naming the file ("line ..." after it when the text is not JSON);
 * a success gives a scale of 1..1000, at least one period kind, each
 * configured subject kind's weights adding up to the scale with minimum
 * denominators of at least 1, grades in strictly falling order within the
 * scale. On such a file, items whose figures come from the input score
 * within 0..scale points, rank 1 + the number scoring higher, and write
 * their rates as JSON that parses with every rate of the statistics. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/error.h"
#include "domain/evaluation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ITEMS 6

static void check_config(const wg_evaluation_config *c)
{
	if (c->scale < 1 || c->scale > WG_EVALUATION_SCALE_MAX || c->ngrades > WG_EVALUATION_GRADES_MAX)
		abort();
	bool any = false;
	for (int k = 0; k < WG_EVALUATION_PERIOD_KINDS; k++)
		if (c->periods[k].configured) {
			any = true;
			if (!c->periods[k].label)
				abort();
		}
	if (!any)
		abort();
	for (size_t g = 0; g < c->ngrades; g++)
		if (!c->grades[g].label || c->grades[g].min < 0 || c->grades[g].min > c->scale ||
		    (g > 0 && c->grades[g].min >= c->grades[g - 1].min))
			abort();
	for (int s = 0; s < WG_EVALUATION_SUBJECTS; s++) {
		int64_t sum = 0;
		for (int r = 0; r < WG_STATS_RATES; r++) {
			const wg_evaluation_rule *rule = &c->subjects[s].rates[r];
			if (rule->weight < 0 || rule->weight > c->scale ||
			    (rule->weight && rule->min_denominator < 1))
				abort();
			sum += rule->weight;
		}
		if (c->subjects[s].configured ? sum != c->scale || !c->subjects[s].label : sum != 0)
			abort();
	}
}

/* Figures for the items from the input's bytes, denominators up to 255. */
static void check_scores(const wg_evaluation_config *c, const uint8_t *data, size_t size)
{
	wg_arena arena;
	wg_arena_init(&arena, 4096);
	for (int s = 0; s < WG_EVALUATION_SUBJECTS; s++) {
		if (!c->subjects[s].configured)
			continue;
		wg_evaluation_item items[ITEMS];
		memset(items, 0, sizeof items);
		static const char *const keys[ITEMS] = {"a", "b", "c", "d", "e", "f"};
		size_t at = 0;
		for (int i = 0; i < ITEMS; i++) {
			items[i].key = keys[i];
			for (int r = 0; r < WG_STATS_RATES; r++) {
				int64_t d = size ? data[at++ % size] : 0;
				int64_t n = size && d ? data[at++ % size] % (d + 1) : 0;
				items[i].rates[r] = (wg_stats_rate){n, d};
			}
			wg_evaluation_score(c, (enum wg_evaluation_subject)s, &items[i]);
			if (items[i].scored && (items[i].score < 0 || items[i].score > c->scale * 100))
				abort();
			for (int r = 0; r < WG_STATS_RATES; r++)
				if (items[i].points[r] > c->scale * 100 || items[i].points[r] < -1 ||
				    (!c->subjects[s].rates[r].weight && items[i].points[r] != -1))
					abort();
		}
		for (int k = 0; k < WG_EVALUATION_PERIOD_KINDS; k++) {
			int64_t ranked = -1;
			wg_evaluation_rank(c, (enum wg_evaluation_period_kind)k, items, ITEMS, &ranked);
			for (int i = 0; i < ITEMS; i++) {
				int64_t higher = 0;
				for (int j = 0; j < ITEMS; j++)
					higher += items[j].scored && items[i].scored &&
					          items[j].score > items[i].score;
				if (items[i].scored ? items[i].rank != higher + 1 || i >= ranked
				                    : items[i].rank != 0 || items[i].grade)
					abort();
				if (items[i].grade && (c->periods[k].ranking || !c->periods[k].configured))
					abort();
			}
		}
		for (int i = 0; i < ITEMS; i++) {
			if (wg_evaluation_rates_json(c, (enum wg_evaluation_subject)s, &items[i], &arena) !=
			    0)
				abort();
			json_error_t jerr;
			json_t *doc = json_loads(items[i].rates_json, 0, &jerr);
			if (!doc || json_object_size(doc) != WG_STATS_RATES)
				abort();
			for (int r = 0; r < WG_STATS_RATES; r++)
				if (!json_is_object(json_object_get(doc, wg_stats_rate_names[r])))
					abort();
			json_decref(doc);
		}
	}
	wg_arena_clear(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	wg_evaluation_config *c = (wg_evaluation_config *)text;
	char err[400];
	int rc = wg_evaluation_parse(text, size, "fuzz.json", &c, err, sizeof err);
	if (rc ? c != NULL || strncmp(err, "fuzz.json: ", 11) != 0 ||
	                    (rc != WG_EBADREQ && rc != WG_EVALIDATION && rc != WG_ENOMEM) ||
	                    (rc == WG_EBADREQ && strncmp(err + 11, "line ", 5) != 0)
	       : c == NULL || err[0] != '\0')
		abort();
	if (!rc) {
		check_config(c);
		check_scores(c, data, size);
	}
	wg_evaluation_free(c);
	free(text);
	return 0;
}
