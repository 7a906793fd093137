/* fuzz_flow.c - the case flow parser (domain/flow.c) on arbitrary text.
 *
 * Besides surviving the sanitizers: a failure leaves no flow and a message
 * naming the file ("line ..." after it when the text is not JSON); a
 * success gives tables case.c may index without checks: an initial state
 * that is not terminal, from-sets within the states and free of terminal
 * ones, targets and clocks within their arrays, every state reachable and
 * every non-terminal one with a way out, fields whose min is not above
 * their max. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "domain/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_index(int i, size_t n, bool may_be_none)
{
	if (i >= (int)n || i < (may_be_none ? -1 : 0))
		abort();
}

static void check_action(const wg_flow *f, const wg_flow_action *a)
{
	if (a->from == 0 || (f->nstates < 32 && a->from >> f->nstates) || a->roles == 0 || !a->label)
		abort();
	check_index(a->to, f->nstates, true);
	for (int s = 0; s < (int)f->nstates; s++) {
		if (!(a->from & (1u << s)))
			continue;
		if (f->states[s].terminal)
			abort();
		check_index(wg_flow_target(a, s, false), f->nstates, true);
		check_index(wg_flow_target(a, s, true), f->nstates, true);
	}
	for (size_t k = 0; k < a->nfields; k++) {
		const wg_flow_field *fl = &a->fields[k];
		if (fl->min > fl->max || !wg_flow_field_type_name(fl->type) ||
		    wg_flow_field_find(a, fl->name) != fl)
			abort();
		if ((fl->type == WG_FLOW_ENUM) != (fl->nvalues > 0))
			abort();
	}
	if (!wg_flow_scope_name(a->scope) || wg_flow_action_find(f, a->name) != a)
		abort();
}

/* Reachability and ways out, computed again through wg_flow_target. */
static void check_graph(const wg_flow *f)
{
	uint32_t seen = 1u << f->initial, before = 0, exits = 0;
	if (f->self_resolved >= 0)
		seen |= 1u << f->self_resolved | 1u << f->self_resolved_sampled;
	while (seen != before) {
		before = seen;
		for (size_t i = 0; i < f->nactions; i++)
			for (int s = 0; s < (int)f->nstates; s++) {
				if (!(f->actions[i].from & (1u << s)))
					continue;
				for (int cond = 0; cond < 2; cond++) {
					int t = wg_flow_target(&f->actions[i], s, cond);
					if (t >= 0 && (seen & (1u << s)))
						seen |= 1u << t;
					if (t >= 0 && t != s)
						exits |= 1u << s;
				}
			}
	}
	for (size_t s = 0; s < f->nstates; s++)
		if (!(seen & (1u << s)) || (!f->states[s].terminal && !(exits & (1u << s))))
			abort();
}

static void check_flow(const wg_flow *f)
{
	static const char *const sources[] = {"grid", "citizen", "hotline", "camera", "nonsense", NULL};
	if (f->nstates == 0 || f->nstates > WG_FLOW_STATES_MAX || f->nactions > WG_FLOW_ACTIONS_MAX)
		abort();
	check_index(f->initial, f->nstates, false);
	if (f->states[f->initial].terminal || !f->number_prefix || !f->kind)
		abort();
	check_index(f->self_resolved, f->nstates, true);
	check_index(f->self_resolved_sampled, f->nstates, true);
	for (size_t s = 0; s < f->nstates; s++) {
		const wg_flow_state *st = &f->states[s];
		check_index(st->clock, f->nclocks, true);
		check_index(st->clock_citizen, f->nclocks, true);
		if (wg_flow_state_index(f, st->name) != (int)s || (st->terminal && st->clock >= 0))
			abort();
		for (size_t k = 0; k < sizeof sources / sizeof sources[0]; k++)
			wg_flow_state_clock(f, (int)s, sources[k]);
	}
	for (size_t c = 0; c < f->nclocks; c++) {
		const wg_flow_clock *k = &f->clocks[c];
		if (k->nsteps > WG_FLOW_STEPS_MAX || k->warn_percent < 0 || k->warn_percent > 99 ||
		    wg_flow_clock_index(f, k->name) != (int)c)
			abort();
		for (size_t i = 0; i < k->nsteps; i++)
			if (k->steps[i].after.source == WG_FLOW_BY_CATEGORY || k->steps[i].up < 1 ||
			    k->steps[i].up > 2)
				abort();
	}
	for (size_t i = 0; i < f->nactions; i++)
		check_action(f, &f->actions[i]);
	check_graph(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so reading past it is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	wg_flow *f = (wg_flow *)text;
	char err[400];
	int rc = wg_flow_parse(text, size, "fuzz.json", &f, err, sizeof err);
	if (rc ? f != NULL || strncmp(err, "fuzz.json: ", 11) != 0 ||
	                    (rc != WG_EBADREQ && rc != WG_EVALIDATION && rc != WG_ENOMEM) ||
	                    (rc == WG_EBADREQ && strncmp(err + 11, "line ", 5) != 0)
	       : f == NULL || err[0] != '\0')
		abort();
	if (!rc)
		check_flow(f);
	wg_flow_free(f);
	free(text);
	return 0;
}
