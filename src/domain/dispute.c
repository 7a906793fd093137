/* Disputes on the case engine: the report's parties, the dispute effects
 * of flows/dispute.json, and reading a dispute back (dispute.h). */
#include "domain/dispute.h"

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/secret.h"
#include "domain/case_internal.h"
#include "domain/mediation.h"
#include "domain/region.h"
#include "domain/scope.h"
#include "domain/stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const wg_dispute_ladder[WG_DISPUTE_LADDER_TOP + 1] = {"on_site", "diverted", "town_joint",
                                                                  "county_joint", "litigation"};
const char *const wg_dispute_ladder_labels[WG_DISPUTE_LADDER_TOP + 1] = {"就地调解", "分流调解", "镇级联调",
                                                                         "县级联调", "仲裁诉讼"};

static const wg_dispute_family families[] = {
	{"safe", NULL, "watch", 0, NULL},
	{"micro", "blue", "monthly", 30, "womens_federation"},
	{"low", "yellow", "twice_monthly", 15, "mediation_committee"},
	{"medium", "orange", "weekly", 7, "town_centre"},
	{"high", "red", "twice_weekly", 3, "county_centre"},
};

const wg_dispute_family *wg_dispute_family_of(const char *level)
{
	for (size_t i = 0; level && i < sizeof families / sizeof families[0]; i++)
		if (strcmp(families[i].level, level) == 0)
			return &families[i];
	return NULL;
}

const char *wg_dispute_family_colour(const char *level)
{
	const wg_dispute_family *f = wg_dispute_family_of(level);
	return f ? f->colour : NULL;
}

/* Family disputes are the minor categories of major 11 (婚姻家庭纠纷). */
static bool family_category(const char *category)
{
	return strncmp(category, "11", 2) == 0;
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* ---- the report ------------------------------------------------------------------ */

typedef struct party_in {
	const char *role, *type, *name, *address, *credit_code;
	const char *phone_sealed; /* arena */
	char phone_masked[24];
	char id_index[WG_SECRET_INDEX_HEX];
	char id_masked[19];
	int64_t resident, organisation;
} party_in;

typedef struct petition_in {
	const char *form, *name, *subject, *demands;
	const char *phone_sealed; /* arena */
	char phone_masked[24];
	char id_index[WG_SECRET_INDEX_HEX];
	char id_masked[19];
	int64_t visitors, repeat_of;
} petition_in;

struct wg__kind_report {
	bool dispute, petition;
	/* dispute */
	party_in parties[WG_DISPUTE_PARTIES_MAX];
	size_t nparties;
	const char *subject_matter;
	bool has_amount;
	int64_t amount_fen;
	/* petition */
	petition_in p;
};

/* members of body that belong to one kind only */
static const struct {
	const char *member, *kind;
} kind_members[] = {
	{"parties", "dispute"},
	{"subject_matter", "dispute"},
	{"amount", "dispute"},
	{"petition", "petition"},
};

static bool text_ok(wg_field_errors *fe, const char *field, const json_t *v, size_t min, size_t max,
                    bool lines)
{
	if (!json_is_string(v)) {
		wg_field_errors_add(fe, field, "type", "%s must be a string", field);
		return false;
	}
	return wg__case_text(fe, field, json_string_value(v), min, max, lines);
}

/* Seal a phone and keep its mask. */
static int phone_in(const wg_case_env *env, const char *field, const json_t *v, const char **sealed,
                    char masked[24], wg_field_errors *fe)
{
	if (!v || json_is_null(v))
		return 0;
	char norm[24];
	const char *code, *why;
	if (!json_is_string(v) || wg_ident_phone(json_string_value(v), norm, &code, &why) != 0) {
		wg_field_errors_add(fe, field, json_is_string(v) ? code : "type", "%s",
		                    json_is_string(v) ? why : "a phone number as a string");
		return 0;
	}
	wg_ident_mask_phone(norm, masked);
	char *s = NULL;
	int rc = env->key ? wg_secret_seal(env->key, norm, strlen(norm), &s) : WG_EINTERNAL;
	*sealed = rc ? NULL : wg_arena_strdup(env->arena, s);
	wg_free(s);
	return rc ? rc : (*sealed ? 0 : WG_ENOMEM);
}

/* An ID number is kept as its blind index (the register's "idcard"
 * context, so that it finds the resident) and its mask. */
static int id_in(const wg_case_env *env, const char *field, const json_t *v, char index[WG_SECRET_INDEX_HEX],
                 char masked[19], wg_field_errors *fe)
{
	if (!v || json_is_null(v))
		return 0;
	char norm[19];
	wg_id_info info;
	const char *code, *why;
	int today = wg_ident_ymd(env->now, (int)wg__case_setting(env, "time.offset_minutes"));
	if (!json_is_string(v) ||
	    wg_ident_id_number(json_string_value(v), today, norm, &info, &code, &why) != 0) {
		wg_field_errors_add(fe, field, json_is_string(v) ? code : "type", "%s",
		                    json_is_string(v) ? why : "an ID number as a string");
		return 0;
	}
	wg_ident_mask_id_number(norm, masked);
	return env->key ? wg_secret_blind_index(env->key, "idcard", norm, strlen(norm), index) : WG_EINTERNAL;
}

/* A register record the caller sees: its id, or one found by number. */
static int register_link(wg_db *db, const wg_case_env *env, const char *sql_by_id, const char *sql_by_number,
                         const char *field, const json_t *v, const char *number, int64_t *out,
                         wg_field_errors *fe)
{
	wg_scope scope;
	wg_scope_of(env->caller, &scope);
	bool by_id = v && !json_is_null(v);
	if (by_id && (!json_is_integer(v) || json_integer_value(v) <= 0)) {
		wg_field_errors_add(fe, field, "type", "%s must be a record id", field);
		return 0;
	}
	if (!by_id && !(number && *number))
		return 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, by_id ? sql_by_id : sql_by_number, &st);
	if (rc)
		return rc;
	rc = by_id ? wg_stmt_bind_int(st, 1, json_integer_value(v)) : wg_stmt_bindf(st, "t", number);
	if (!rc && (rc = wg_scope_bind(&scope, st, 2)) > 0)
		rc = 0;
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW)
		*out = wg_stmt_int(st, 0);
	else if (rc == WG_DB_DONE && by_id)
		wg_field_errors_add(fe, field, "not_found", "no record %" PRId64 " in your area",
		                    (int64_t)json_integer_value(v));
	wg_stmt_finalize(st);
	return rc == WG_DB_ROW || rc == WG_DB_DONE ? 0 : rc;
}

static int party_check(wg_db *db, const wg_case_env *env, const json_t *o, size_t i, party_in *p,
                       wg_field_errors *fe)
{
	static const char *const known[] = {"role",        "type",     "name",         "phone",  "id_number",
	                                    "credit_code", "resident", "organisation", "address"};
	char f[48];
	if (!json_is_object(o)) {
		snprintf(f, sizeof f, "parties[%zu]", i);
		wg_field_errors_add(fe, f, "type", "a party is an object {role, type, name, ...}");
		return 0;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		bool ok = false;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			ok = ok || strcmp(key, known[k]) == 0;
		if (!ok) {
			snprintf(f, sizeof f, "parties[%zu].%.16s", i, key);
			wg_field_errors_add(fe, f, "unknown", "a party has no member %s", key);
		}
	}
	static const char *const roles[] = {"applicant", "respondent", "third_party"};
	static const char *const types[] = {"person", "organisation"};
	p->role = json_string_value(json_object_get(o, "role"));
	p->type = json_object_get(o, "type") ? json_string_value(json_object_get(o, "type")) : "person";
	bool role_ok = false, type_ok = false;
	for (size_t k = 0; k < 3; k++)
		role_ok = role_ok || (p->role && strcmp(p->role, roles[k]) == 0);
	for (size_t k = 0; k < 2; k++)
		type_ok = type_ok || (p->type && strcmp(p->type, types[k]) == 0);
	snprintf(f, sizeof f, "parties[%zu].role", i);
	if (!role_ok)
		wg_field_errors_add(fe, f, p->role ? "unknown" : "required",
		                    "role is applicant, respondent or third_party");
	snprintf(f, sizeof f, "parties[%zu].type", i);
	if (!type_ok)
		wg_field_errors_add(fe, f, "unknown", "type is person or organisation");
	bool person = type_ok && strcmp(p->type, "person") == 0;
	snprintf(f, sizeof f, "parties[%zu].name", i);
	if (text_ok(fe, f, json_object_get(o, "name"), 1, WG_DISPUTE_NAME_MAX, false))
		p->name = json_string_value(json_object_get(o, "name"));
	snprintf(f, sizeof f, "parties[%zu].address", i);
	const json_t *addr = json_object_get(o, "address");
	if (addr && !json_is_null(addr) && text_ok(fe, f, addr, 1, WG_DISPUTE_ADDRESS_MAX, false))
		p->address = json_string_value(addr);
	snprintf(f, sizeof f, "parties[%zu].phone", i);
	int rc = phone_in(env, f, json_object_get(o, "phone"), &p->phone_sealed, p->phone_masked, fe);
	const json_t *idn = json_object_get(o, "id_number"), *cc = json_object_get(o, "credit_code");
	snprintf(f, sizeof f, "parties[%zu].%s", i, person ? "credit_code" : "id_number");
	if ((person && cc && !json_is_null(cc)) || (!person && idn && !json_is_null(idn)))
		wg_field_errors_add(fe, f, "type", "a %s has no %s", person ? "person" : "organisation",
		                    person ? "credit code" : "ID number");
	snprintf(f, sizeof f, "parties[%zu].id_number", i);
	if (!rc && person)
		rc = id_in(env, f, idn, p->id_index, p->id_masked, fe);
	char code_norm[19] = "";
	if (!person && cc && !json_is_null(cc)) {
		const char *code, *why;
		snprintf(f, sizeof f, "parties[%zu].credit_code", i);
		if (!json_is_string(cc) ||
		    wg_ident_credit_code(json_string_value(cc), code_norm, &code, &why))
			wg_field_errors_add(fe, f, json_is_string(cc) ? code : "type", "%s",
			                    json_is_string(cc) ? why : "a credit code as a string");
		else
			p->credit_code = wg_arena_strdup(env->arena, code_norm);
	}
	snprintf(f, sizeof f, "parties[%zu].resident", i);
	if (!rc && person)
		rc = register_link(
			db, env, "SELECT id FROM residents WHERE id = ? AND " WG_SCOPE_SQL("scope_key"),
			"SELECT id FROM residents WHERE id_number_index = ? AND " WG_SCOPE_SQL("scope_key"),
			f, json_object_get(o, "resident"), p->id_index, &p->resident, fe);
	snprintf(f, sizeof f, "parties[%zu].organisation", i);
	if (!rc && !person)
		rc = register_link(
			db, env, "SELECT id FROM organisations WHERE id = ? AND " WG_SCOPE_SQL("scope_key"),
			"SELECT id FROM organisations WHERE credit_code = ? AND " WG_SCOPE_SQL("scope_key"),
			f, json_object_get(o, "organisation"), code_norm, &p->organisation, fe);
	return rc;
}

/* An amount in yuan with at most two decimals, as fen. */
static void amount_check(const json_t *v, wg__kind_report *k, wg_field_errors *fe)
{
	if (!v || json_is_null(v))
		return;
	double y = json_number_value(v);
	double fen = y * 100.0;
	if (!json_is_number(v) || !isfinite(y) || y < 0 || y > (double)WG_DISPUTE_AMOUNT_MAX_YUAN) {
		wg_field_errors_add(fe, "amount", "range", "amount is a number of yuan from 0 to %lld",
		                    (long long)WG_DISPUTE_AMOUNT_MAX_YUAN);
		return;
	}
	if (fabs(fen - round(fen)) > 1e-6 * (1.0 + fabs(fen))) {
		wg_field_errors_add(fe, "amount", "precision", "amount has at most two decimals (fen)");
		return;
	}
	k->has_amount = true;
	k->amount_fen = (int64_t)llround(fen);
}

static int dispute_check(wg_db *db, const wg_case_env *env, const json_t *body, wg__kind_report *k,
                         wg_field_errors *fe)
{
	const json_t *parties = json_object_get(body, "parties");
	size_t n = json_array_size(parties);
	if (!json_is_array(parties) || n == 0 || n > WG_DISPUTE_PARTIES_MAX) {
		wg_field_errors_add(fe, "parties", parties ? "length" : "required",
		                    "a dispute has 1 to %d parties, at least one applicant",
		                    WG_DISPUTE_PARTIES_MAX);
		n = 0;
	}
	int rc = 0;
	bool applicant = false;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = party_check(db, env, json_array_get(parties, i), i, &k->parties[i], fe);
		applicant = applicant || (k->parties[i].role && strcmp(k->parties[i].role, "applicant") == 0);
	}
	k->nparties = n;
	if (n && !applicant)
		wg_field_errors_add(fe, "parties", "applicant", "at least one party is the applicant");
	const json_t *sm = json_object_get(body, "subject_matter");
	if (sm && !json_is_null(sm) && text_ok(fe, "subject_matter", sm, 1, WG_DISPUTE_SUBJECT_MAX, true))
		k->subject_matter = json_string_value(sm);
	amount_check(json_object_get(body, "amount"), k, fe);
	return rc;
}

static int petition_check(wg_db *db, const wg_case_env *env, const json_t *body, petition_in *p,
                          wg_field_errors *fe)
{
	static const char *const forms[] = {"visit", "letter", "phone", "online"};
	const json_t *o = json_object_get(body, "petition");
	if (!json_is_object(o)) {
		wg_field_errors_add(fe, "petition", o ? "type" : "required",
		                    "a petition needs {form, visitor, subject, demands}");
		return 0;
	}
	static const char *const known[] = {"form", "visitor", "visitors", "subject", "demands", "repeat_of"};
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			char f[48];
			snprintf(f, sizeof f, "petition.%.24s", key);
			wg_field_errors_add(fe, f, "unknown", "a petition has no member %s", key);
		}
	}
	p->form = json_string_value(json_object_get(o, "form"));
	bool form_ok = false;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		form_ok = form_ok || (p->form && strcmp(p->form, forms[i]) == 0);
	if (!form_ok)
		wg_field_errors_add(fe, "petition.form", p->form ? "unknown" : "required",
		                    "form is visit, letter, phone or online");
	if (text_ok(fe, "petition.subject", json_object_get(o, "subject"), 1, WG_PETITION_SUBJECT_MAX, false))
		p->subject = json_string_value(json_object_get(o, "subject"));
	if (text_ok(fe, "petition.demands", json_object_get(o, "demands"), 1, WG_PETITION_DEMANDS_MAX, true))
		p->demands = json_string_value(json_object_get(o, "demands"));
	const json_t *n = json_object_get(o, "visitors");
	p->visitors = 1;
	if (n && (!json_is_integer(n) || json_integer_value(n) < 1 ||
	          json_integer_value(n) > WG_PETITION_VISITORS_MAX))
		wg_field_errors_add(fe, "petition.visitors", "range", "visitors is a whole number 1..%d",
		                    WG_PETITION_VISITORS_MAX);
	else if (n)
		p->visitors = json_integer_value(n);
	const json_t *who = json_object_get(o, "visitor");
	int rc = 0;
	if (!json_is_object(who)) {
		wg_field_errors_add(fe, "petition.visitor", who ? "type" : "required",
		                    "the visitor is {name, phone, id_number}");
	} else {
		if (text_ok(fe, "petition.visitor.name", json_object_get(who, "name"), 1, WG_DISPUTE_NAME_MAX,
		            false))
			p->name = json_string_value(json_object_get(who, "name"));
		rc = phone_in(env, "petition.visitor.phone", json_object_get(who, "phone"), &p->phone_sealed,
		              p->phone_masked, fe);
		if (!rc)
			rc = id_in(env, "petition.visitor.id_number", json_object_get(who, "id_number"),
			           p->id_index, p->id_masked, fe);
	}
	const json_t *rep = json_object_get(o, "repeat_of");
	if (!rc && rep && !json_is_null(rep)) {
		wg__case_row earlier;
		int64_t id = json_is_integer(rep) ? json_integer_value(rep) : 0;
		rc = id > 0 ? wg__case_load(db, env, id, &earlier) : WG_ENOTFOUND;
		if (rc == WG_ENOTFOUND || (!rc && strcmp(earlier.kind, "petition") != 0)) {
			wg_field_errors_add(fe, "petition.repeat_of", "not_found",
			                    "no earlier petition %" PRId64 " in your area", id);
			rc = 0;
		} else if (!rc) {
			p->repeat_of = id;
		}
	}
	return rc;
}

int wg__kind_report_check(wg_db *db, const wg_case_env *env, const char *kind, const json_t *body,
                          wg__kind_report **out, wg_field_errors *fe)
{
	*out = NULL;
	for (size_t i = 0; body && i < sizeof kind_members / sizeof kind_members[0]; i++)
		if (json_object_get(body, kind_members[i].member) && strcmp(kind, kind_members[i].kind) != 0)
			wg_field_errors_add(fe, kind_members[i].member, "kind", "only a %s has %s",
			                    kind_members[i].kind, kind_members[i].member);
	bool dispute = strcmp(kind, "dispute") == 0, petition = strcmp(kind, "petition") == 0;
	if (!dispute && !petition)
		return 0;
	wg__kind_report *k = wg_arena_alloc(env->arena, sizeof *k);
	if (!k)
		return WG_ENOMEM;
	memset(k, 0, sizeof *k);
	k->dispute = dispute;
	k->petition = petition;
	*out = k;
	return dispute ? dispute_check(db, env, body, k, fe) : petition_check(db, env, body, &k->p, fe);
}

static int store_party(wg_db *db, int64_t case_id, const party_in *p)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"INSERT INTO case_parties (case_id, role, type, name, phone, phone_masked, "
		"id_index, id_masked, credit_code, resident, organisation, address) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ittttttttzzt", case_id, p->role, p->type, p->name, p->phone_sealed,
	                   or_null(p->phone_masked), or_null(p->id_index), or_null(p->id_masked),
	                   p->credit_code, p->resident, p->organisation, p->address);
	if (!rc)
		rc = wg_stmt_step(st);
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

/* The latest earlier petition by the same visitor (by ID number) on the
 * same category within petitions.repeat_days: the one this repeats. */
static int find_repeat(wg_db *db, const wg_case_env *env, const wg__case_row *row, const petition_in *p,
                       int64_t *out)
{
	if (p->repeat_of || !p->id_index[0]) {
		*out = p->repeat_of;
		return 0;
	}
	int64_t since = env->now - wg__case_setting(env, "petitions.repeat_days") * 86400000LL;
	int rc = wg_db_query_int(db,
	                         "SELECT coalesce(max(c.id), 0) FROM petitions p JOIN cases c ON c.id = "
	                         "p.case_id WHERE p.visitor_id_index = ? AND c.category = ? AND c.id <> ? "
	                         "AND c.reported_at >= ?",
	                         out, "ttii", p->id_index, row->category, row->id, since);
	return rc;
}

int wg__kind_report_store(wg_db *db, const wg_case_env *env, const wg__case_row *row,
                          const wg__kind_report *k)
{
	if (!k)
		return 0;
	int rc = 0;
	if (k->dispute) {
		rc = k->has_amount ? wg_db_execf(db,
		                                 "INSERT INTO disputes (case_id, subject_matter, amount_fen) "
		                                 "VALUES (?, ?, ?)",
		                                 NULL, "iti", row->id, k->subject_matter, k->amount_fen)
		                   : wg_db_execf(db,
		                                 "INSERT INTO disputes (case_id, subject_matter, amount_fen) "
		                                 "VALUES (?, ?, ?)",
		                                 NULL, "itn", row->id, k->subject_matter);
		for (size_t i = 0; !rc && i < k->nparties; i++)
			rc = store_party(db, row->id, &k->parties[i]);
	} else {
		const petition_in *p = &k->p;
		int64_t repeat = 0;
		rc = find_repeat(db, env, row, p, &repeat);
		if (!rc)
			rc = wg_db_execf(
				db,
				"INSERT INTO petitions (case_id, form, visitor_name, visitor_phone, "
				"visitor_phone_masked, visitor_id_index, visitor_id_masked, visitors, "
				"subject, demands, first_asked_user, first_asked_name, repeat_of) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				"(SELECT name FROM users WHERE id = ?), ?)",
				NULL, "ittttttittziz", row->id, p->form, p->name, p->phone_sealed,
				or_null(p->phone_masked), or_null(p->id_index), or_null(p->id_masked),
				p->visitors, p->subject, p->demands, env->caller->user_id,
				env->caller->user_id, repeat);
	}
	return rc;
}

/* ---- people in charge and call-backs ------------------------------------------------ */

/* The code of the case's region at level, or "" when the case lies above
 * it (a dispute placed at a town has no village). */
static void region_at(const wg__case_row *row, const char *level, char out[16])
{
	if (!wg__case_centre_at(row->region, level, out))
		out[0] = '\0';
}

struct duty_ctx {
	wg__case_act *x;
	const char *duty, *post, *region;
	int added;
};

static int add_person(struct duty_ctx *d, int64_t user, const char *name)
{
	d->added++;
	return wg_db_execf(
		d->x->db,
		"INSERT INTO case_in_charge (case_id, duty, post, region, user_id, name, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?)",
		NULL, "itttzti", d->x->row->id, d->duty, d->post, d->region, user, name, d->x->env->now);
}

static int add_holder(void *ctx, int64_t user, const char *name)
{
	return add_person(ctx, user, name);
}

/* The holders of post in region on the case for duty; a vacant post is
 * kept with no user (in charge: shown as vacant; call-back: the region's
 * centre answers). */
static int add_post(wg__case_act *x, const char *duty, const char *post, const char *region)
{
	if (!*region)
		return 0;
	struct duty_ctx d = {x, duty, post, region, 0};
	int rc = wg_region_post_holders(x->db, region, post, add_holder, &d);
	return rc || d.added ? rc : add_person(&d, 0, NULL);
}

/* The mediators with accounts of the region's people's mediation committee. */
static int add_committee(wg__case_act *x, const char *duty, const char *region)
{
	if (!*region)
		return 0;
	struct duty_ctx d = {x, duty, "mediation_committee", region, 0};
	int64_t body = 0;
	int rc = wg_mediation_body_of(x->db, region, "village_committee", NULL, &body);
	if (rc == WG_ENOTFOUND)
		return add_person(&d, 0, NULL);
	wg_stmt *st;
	if (!rc)
		rc = wg_db_prepare_cached(x->db,
		                          "SELECT m.user_id, m.name FROM mediators m WHERE m.body = ? AND "
		                          "m.active = 1 AND m.user_id IS NOT NULL ORDER BY m.user_id",
		                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", body);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		char name[4 * WG_DISPUTE_NAME_MAX + 1];
		snprintf(name, sizeof name, "%s", wg_stmt_text(st, 1, NULL) ? wg_stmt_text(st, 1, NULL) : "");
		rc = add_person(&d, wg_stmt_int(st, 0), name);
	}
	wg_stmt_finalize(st);
	if (rc != WG_DB_DONE)
		return rc;
	return d.added ? 0 : add_person(&d, 0, NULL);
}

static int release(wg__case_act *x, const char *duty)
{
	return wg_db_execf(x->db,
	                   "UPDATE case_in_charge SET released_at = ? WHERE case_id = ? AND duty = ? AND "
	                   "released_at IS NULL",
	                   NULL, "iit", x->env->now, x->row->id, duty);
}

/* 包抓 by colour (dispute.h). */
static int effect_risk(wg__case_act *x)
{
	const char *risk = wg__act_text(x, "risk");
	if (!risk)
		return 0;
	snprintf(x->row->risk, sizeof x->row->risk, "%s", risk);
	char village[16], town[16], county[16];
	region_at(x->row, "village", village);
	region_at(x->row, "town", town);
	region_at(x->row, "county", county);
	int rc = release(x, "in_charge");
	if (!rc && strcmp(risk, "red") == 0) {
		rc = add_post(x, "in_charge", "party_secretary", village);
		if (!rc)
			rc = add_post(x, "in_charge", "party_secretary", town);
		if (!rc)
			rc = add_post(x, "in_charge", "county_leader", county);
	} else if (!rc && strcmp(risk, "yellow") == 0) {
		rc = add_post(x, "in_charge", "committee_member", village);
		if (!rc)
			rc = add_post(x, "in_charge", "dept_head", town);
	} else if (!rc) {
		rc = add_committee(x, "in_charge", *village ? village : town);
	}
	return rc;
}

static int effect_triage(wg__case_act *x)
{
	const char *tier = wg__act_text(x, "tier");
	if (!tier)
		return 0;
	/* The tier takes the case to that level's centre when it lies above;
	 * a grid tier (first look by the grid) keeps the village's centre. */
	if (strcmp(tier, "grid") != 0 && !wg__case_raise_level(x->row, tier)) {
		wg_field_errors_add(x->fe, "tier", "lower", "the tier cannot lie below the case's level %s",
		                    x->row->level);
		return WG_EVALIDATION;
	}
	snprintf(x->row->tier, sizeof x->row->tier, "%s", tier);
	return 0;
}

/* When the next family call-back falls due from base (dispute.h). */
static int64_t callback_due(const wg_case_env *env, const wg_dispute_family *f, int64_t base)
{
	if (!f->days)
		return 0;
	return wg_calendar_add_working_days(env->cal, base + (int64_t)f->days * 86400000LL, 0,
	                                    (int)wg__case_setting(env, "time.offset_minutes"));
}

static int effect_family(wg__case_act *x)
{
	const char *level = wg__act_text(x, "family_level");
	if (!level)
		return 0;
	if (!family_category(x->row->category)) {
		wg_field_errors_add(x->fe, "family_level", "category",
		                    "only a family dispute (category 11xx, 婚姻家庭纠纷) has a family level");
		return WG_EVALIDATION;
	}
	const wg_dispute_family *f = wg_dispute_family_of(level);
	char village[16], town[16], county[16];
	region_at(x->row, "village", village);
	region_at(x->row, "town", town);
	region_at(x->row, "county", county);
	int rc = release(x, "callback");
	if (!rc && f->duty && strcmp(f->duty, "womens_federation") == 0)
		rc = add_post(x, "callback", "womens_federation", *village ? village : town);
	else if (!rc && f->duty && strcmp(f->duty, "mediation_committee") == 0)
		rc = add_committee(x, "callback", *village ? village : town);
	else if (!rc && f->duty) {
		struct duty_ctx d = {x, "callback", f->duty,
		                     strcmp(f->duty, "town_centre") == 0 ? town : county, 0};
		rc = add_person(&d, 0, NULL);
	}
	snprintf(x->row->family_level, sizeof x->row->family_level, "%s", level);
	int64_t due = callback_due(x->env, f, x->env->now);
	return rc ? rc
	          : wg_db_execf(x->db,
	                        "UPDATE disputes SET family_level = ?, family_set_at = ?, callback_due = ? "
	                        "WHERE case_id = ?",
	                        NULL, "tizi", level, x->env->now, due, x->row->id);
}

static int effect_callback(wg__case_act *x)
{
	const wg_dispute_family *f = wg_dispute_family_of(x->row->family_level);
	if (!f || !f->days) {
		wg_field_errors_add(x->fe, "state", "no_callback",
		                    "no family call-backs are scheduled for this case");
		return WG_ECONFLICT;
	}
	return wg_db_execf(x->db,
	                   "UPDATE disputes SET last_callback_at = ?, callback_due = ? WHERE case_id = ?",
	                   NULL, "izi", x->env->now, callback_due(x->env, f, x->env->now), x->row->id);
}

/* ---- mediation ------------------------------------------------------------------------ */

static int effect_mediate(wg__case_act *x)
{
	int64_t body = wg__act_int(x, "body"), mediator = wg__act_int(x, "mediator"), user = 0;
	char name[4 * WG_DISPUTE_NAME_MAX + 1] = "";
	int rc = wg_mediation_check_assignment(x->db, body, mediator, x->row->region, &user, name,
	                                       sizeof name, x->fe);
	if (rc || x->fe->n)
		return rc ? rc : WG_EVALIDATION;
	x->row->mediator_user = user;
	x->notify |= WG_FLOW_AUDIENCE_MEDIATOR;
	return wg_db_execf(x->db, "UPDATE disputes SET body = ?, mediator = ? WHERE case_id = ?", NULL, "iii",
	                   body, mediator, x->row->id);
}

int wg__dispute_release_mediator(wg__case_act *x)
{
	if (strcmp(x->row->kind, "dispute") != 0)
		return 0;
	x->row->mediator_user = 0;
	if (x->row->tier[0])
		snprintf(x->row->tier, sizeof x->row->tier, "%s", x->row->level);
	return wg_db_execf(x->db, "UPDATE disputes SET body = NULL, mediator = NULL WHERE case_id = ?", NULL,
	                   "i", x->row->id);
}

static int effect_session(wg__case_act *x)
{
	const json_t *online = wg__act_value(x, "online");
	return wg_db_execf(
		x->db,
		"INSERT INTO mediation_sessions (case_id, at, place, online, attendees, created_by, "
		"created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		NULL, "iitbtzi", x->row->id, wg__act_time(x, "at"), wg__act_text(x, "place"),
		online && json_is_true(online), wg__act_text(x, "attendees"), x->env->caller->user_id,
		x->env->now);
}

static int effect_minutes(wg__case_act *x)
{
	int64_t changes = 0;
	int64_t session = wg__act_int(x, "session");
	int rc = wg_db_execf(
		x->db,
		"UPDATE mediation_sessions SET minutes = ?, held_at = ? WHERE id = ? AND case_id = ? "
		"AND held_at IS NULL",
		&changes, "tiii", wg__act_text(x, "minutes"), x->env->now, session, x->row->id);
	if (!rc && changes != 1) {
		wg_field_errors_add(x->fe, "session", "not_found",
		                    "no session %" PRId64 " of this case waiting for its minutes", session);
		rc = WG_EVALIDATION;
	}
	return rc;
}

static int effect_agree(wg__case_act *x)
{
	const json_t *docs = wg__act_value(x, "documents");
	char *list = docs ? json_dumps(docs, JSON_COMPACT) : NULL;
	if (docs && !list)
		return WG_ENOMEM;
	int rc = wg__act_link_files(x, "documents");
	if (!rc)
		rc = wg_db_execf(x->db,
		                 "INSERT INTO agreements (case_id, terms, documents, created_by, created_at) "
		                 "VALUES (?, ?, ?, ?, ?)",
		                 NULL, "ittzi", x->row->id, wg__act_text(x, "terms"), list ? list : "[]",
		                 x->env->caller->user_id, x->env->now);
	free(list);
	return rc ? rc
	          : wg_db_execf(x->db, "UPDATE disputes SET agreed_at = ? WHERE case_id = ?", NULL, "ii",
	                        x->env->now, x->row->id);
}

/* A failed mediation climbs the ladder: town joint and county joint take
 * the case to that level; the last step refers it out (the to_if
 * condition ladder_end). The next step's mediator is assigned anew. */
static int effect_fail(wg__case_act *x)
{
	wg__case_row *r = x->row;
	if (r->ladder < WG_DISPUTE_LADDER_TOP)
		r->ladder++;
	const char *level = r->ladder == 2 ? "town" : r->ladder == 3 ? "county" : NULL;
	if (level)
		wg__case_raise_level(r, level);
	x->cond = r->ladder == WG_DISPUTE_LADDER_TOP;
	return wg__dispute_release_mediator(x);
}

static int effect_judicial(wg__case_act *x, bool request)
{
	if (!wg__dispute_possible(x->row, request ? WG_FLOW_EFFECT_JUDICIAL_REQUEST
	                                          : WG_FLOW_EFFECT_JUDICIAL_RECORD)) {
		wg_field_errors_add(x->fe, "state", "judicial",
		                    request ? "judicial confirmation was asked for already"
		                            : "no judicial confirmation was asked for");
		return WG_ECONFLICT;
	}
	const char *state = request ? "requested" : wg__act_text(x, "result");
	snprintf(x->row->judicial, sizeof x->row->judicial, "%s", state);
	return request ? wg_db_execf(x->db,
	                             "UPDATE disputes SET judicial = ?, judicial_court = ?, judicial_ruling "
	                             "= NULL, "
	                             "judicial_at = ? WHERE case_id = ?",
	                             NULL, "ttii", state, wg__act_text(x, "court"), x->env->now, x->row->id)
	               : wg_db_execf(x->db,
	                             "UPDATE disputes SET judicial = ?, judicial_ruling = ?, judicial_at = ? "
	                             "WHERE case_id = ?",
	                             NULL, "ttii", state, wg__act_text(x, "ruling"), x->env->now, x->row->id);
}

int wg__dispute_effect(wg__case_act *x, unsigned effect)
{
	if (strcmp(x->row->kind, "dispute") != 0)
		return 0; /* flow validation keeps these to dispute flows; be safe */
	switch (effect) {
	case WG_FLOW_EFFECT_RISK: return effect_risk(x);
	case WG_FLOW_EFFECT_TRIAGE: return effect_triage(x);
	case WG_FLOW_EFFECT_FAMILY: return effect_family(x);
	case WG_FLOW_EFFECT_MEDIATE: return effect_mediate(x);
	case WG_FLOW_EFFECT_SESSION: return effect_session(x);
	case WG_FLOW_EFFECT_MINUTES: return effect_minutes(x);
	case WG_FLOW_EFFECT_AGREE: return effect_agree(x);
	case WG_FLOW_EFFECT_FAIL: return effect_fail(x);
	case WG_FLOW_EFFECT_JUDICIAL_REQUEST: return effect_judicial(x, true);
	case WG_FLOW_EFFECT_JUDICIAL_RECORD: return effect_judicial(x, false);
	case WG_FLOW_EFFECT_PERFORM:
		return wg_db_execf(x->db, "UPDATE disputes SET performed_at = ? WHERE case_id = ?", NULL,
		                   "ii", x->env->now, x->row->id);
	case WG_FLOW_EFFECT_CALLBACK: return effect_callback(x);
	default: return WG_EINTERNAL;
	}
}

bool wg__dispute_possible(const wg__case_row *row, unsigned effects)
{
	if ((effects & WG_FLOW_EFFECT_JUDICIAL_RECORD) && strcmp(row->judicial, "requested") != 0)
		return false;
	if ((effects & WG_FLOW_EFFECT_JUDICIAL_REQUEST) &&
	    (strcmp(row->judicial, "requested") == 0 || strcmp(row->judicial, "confirmed") == 0))
		return false;
	if (effects & WG_FLOW_EFFECT_CALLBACK) {
		const wg_dispute_family *f = wg_dispute_family_of(row->family_level);
		return f && f->days;
	}
	return true;
}

/* ---- reading ------------------------------------------------------------------------- */

static const char *col(wg_arena *a, wg_stmt *st, int i)
{
	return wg_stmt_is_null(st, i) ? NULL : wg_arena_strdup(a, wg_stmt_text(st, i, NULL));
}

static int read_parties(wg_db *db, wg_arena *a, int64_t id, wg_dispute *d)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT id, role, type, name, phone_masked, id_masked, credit_code, address, "
		"resident, organisation FROM case_parties WHERE case_id = ? ORDER BY id",
		&st);
	if (rc)
		return rc;
	d->parties = wg_arena_alloc(a, WG_DISPUTE_PARTIES_MAX * sizeof *d->parties);
	rc = d->parties ? wg_stmt_bindf(st, "i", id) : WG_ENOMEM;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && d->nparties < WG_DISPUTE_PARTIES_MAX) {
		rc = 0;
		wg_dispute_party *p = &d->parties[d->nparties++];
		p->id = wg_stmt_int(st, 0);
		p->role = col(a, st, 1);
		p->type = col(a, st, 2);
		p->name = col(a, st, 3);
		p->phone = col(a, st, 4);
		p->id_number = col(a, st, 5);
		p->credit_code = col(a, st, 6);
		p->address = col(a, st, 7);
		p->resident = wg_stmt_int(st, 8);
		p->organisation = wg_stmt_int(st, 9);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE || rc == WG_DB_ROW ? 0 : rc;
}

static int read_sessions(wg_db *db, wg_arena *a, int64_t id, wg_dispute *d)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db,
	                              "SELECT id, at, held_at, place, attendees, minutes, online FROM "
	                              "mediation_sessions WHERE case_id = ? ORDER BY at, id",
	                              &st);
	if (rc)
		return rc;
	d->sessions = wg_arena_alloc(a, WG_DISPUTE_SESSIONS_MAX * sizeof *d->sessions);
	rc = d->sessions ? wg_stmt_bindf(st, "i", id) : WG_ENOMEM;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && d->nsessions < WG_DISPUTE_SESSIONS_MAX) {
		rc = 0;
		wg_dispute_session *s = &d->sessions[d->nsessions++];
		s->id = wg_stmt_int(st, 0);
		s->at = wg_stmt_int(st, 1);
		s->held_at = wg_stmt_int(st, 2);
		s->place = col(a, st, 3);
		s->attendees = col(a, st, 4);
		s->minutes = col(a, st, 5);
		s->online = wg_stmt_int(st, 6) != 0;
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE || rc == WG_DB_ROW ? 0 : rc;
}

static int read_agreements(wg_db *db, wg_arena *a, int64_t id, wg_dispute *d)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db, "SELECT id, created_at, terms, documents FROM agreements WHERE case_id = ? ORDER BY id",
		&st);
	if (rc)
		return rc;
	d->agreements = wg_arena_alloc(a, WG_DISPUTE_AGREEMENTS_MAX * sizeof *d->agreements);
	rc = d->agreements ? wg_stmt_bindf(st, "i", id) : WG_ENOMEM;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && d->nagreements < WG_DISPUTE_AGREEMENTS_MAX) {
		rc = 0;
		wg_dispute_agreement *g = &d->agreements[d->nagreements++];
		g->id = wg_stmt_int(st, 0);
		g->created_at = wg_stmt_int(st, 1);
		g->terms = col(a, st, 2);
		g->documents = col(a, st, 3);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE || rc == WG_DB_ROW ? 0 : rc;
}

int wg_dispute_read(wg_db *db, wg_arena *arena, int64_t case_id, wg_dispute *out)
{
	memset(out, 0, sizeof *out);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT d.subject_matter, d.amount_fen, d.body, d.mediator, b.name, m.name, c.ladder, "
		"d.judicial, "
		"d.judicial_court, d.judicial_ruling, d.judicial_at, d.agreed_at, d.performed_at, "
		"d.family_level, "
		"d.last_callback_at, d.callback_due FROM disputes d JOIN cases c ON c.id = d.case_id "
		"LEFT JOIN mediation_bodies b ON b.id = d.body LEFT JOIN mediators m ON m.id = d.mediator "
		"WHERE d.case_id = ?",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", case_id);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		rc = 0;
		out->subject_matter = col(arena, st, 0);
		out->has_amount = !wg_stmt_is_null(st, 1);
		out->amount_fen = wg_stmt_int(st, 1);
		out->body = wg_stmt_int(st, 2);
		out->mediator = wg_stmt_int(st, 3);
		out->body_name = col(arena, st, 4);
		out->mediator_name = col(arena, st, 5);
		out->ladder = (int)wg_stmt_int(st, 6);
		out->judicial = col(arena, st, 7);
		out->judicial_court = col(arena, st, 8);
		out->judicial_ruling = col(arena, st, 9);
		out->judicial_at = wg_stmt_int(st, 10);
		out->agreed_at = wg_stmt_int(st, 11);
		out->performed_at = wg_stmt_int(st, 12);
		out->family_level = col(arena, st, 13);
		out->last_callback_at = wg_stmt_int(st, 14);
		out->callback_due = wg_stmt_int(st, 15);
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	if (!rc)
		rc = read_parties(db, arena, case_id, out);
	if (!rc)
		rc = read_sessions(db, arena, case_id, out);
	if (!rc)
		rc = read_agreements(db, arena, case_id, out);
	return rc;
}

enum { PEOPLE_MAX = 32 };

int wg_case_people(wg_db *db, wg_arena *arena, int64_t case_id, wg_case_person **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT duty, post, region, user_id, name FROM case_in_charge WHERE case_id = ? "
		"AND released_at IS NULL ORDER BY duty DESC, region DESC, post, user_id",
		&st);
	if (rc)
		return rc;
	wg_case_person *p = wg_arena_alloc(arena, PEOPLE_MAX * sizeof *p);
	rc = p ? wg_stmt_bindf(st, "i", case_id) : WG_ENOMEM;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && *n < PEOPLE_MAX) {
		rc = 0;
		wg_case_person *q = &p[(*n)++];
		q->duty = col(arena, st, 0);
		q->post = col(arena, st, 1);
		q->region = col(arena, st, 2);
		q->user = wg_stmt_int(st, 3);
		q->name = col(arena, st, 4);
	}
	wg_stmt_finalize(st);
	*out = p;
	return rc == WG_DB_DONE || rc == WG_DB_ROW ? 0 : rc;
}

int wg__case_people_users(wg_db *db, int64_t case_id, int (*fn)(void *ctx, int64_t user), void *ctx)
{
	int64_t users[PEOPLE_MAX];
	size_t n = 0;
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT DISTINCT user_id FROM case_in_charge WHERE case_id = ? AND duty = "
		"'in_charge' AND released_at IS NULL AND user_id IS NOT NULL",
		&st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "i", case_id);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && n < PEOPLE_MAX) {
		rc = 0;
		users[n++] = wg_stmt_int(st, 0);
	}
	wg_stmt_finalize(st);
	if (rc != WG_DB_DONE && rc != WG_DB_ROW)
		return rc;
	/* Collected first: fn writes notifications through other statements. */
	rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = fn(ctx, users[i]);
	return rc;
}

int wg_petition_read(wg_db *db, wg_arena *arena, const wg_scope *scope, int64_t case_id, wg_petition *out)
{
	memset(out, 0, sizeof *out);
	wg_stmt *st;
	int rc = wg_db_prepare_cached(
		db,
		"SELECT p.form, p.visitor_name, p.visitor_phone_masked, p.visitor_id_masked, p.visitors, "
		"p.subject, "
		"p.demands, p.first_asked_user, p.first_asked_name, c.id, c.number FROM petitions p "
		"LEFT JOIN cases c ON c.id = p.repeat_of AND " WG_CASE_VISIBLE_SQL(
			"c") " WHERE p.case_id = ?",
		&st);
	if (rc)
		return rc;
	int next = wg_scope_bind_dept(scope, st, 1);
	rc = next < 0 ? next : wg_stmt_bind_int(st, next, case_id);
	if (!rc)
		rc = wg_stmt_step(st);
	if (rc == WG_DB_ROW) {
		rc = 0;
		out->form = col(arena, st, 0);
		out->visitor_name = col(arena, st, 1);
		out->visitor_phone = col(arena, st, 2);
		out->visitor_id_number = col(arena, st, 3);
		out->visitors = wg_stmt_int(st, 4);
		out->subject = col(arena, st, 5);
		out->demands = col(arena, st, 6);
		out->first_asked_user = wg_stmt_int(st, 7);
		out->first_asked_name = col(arena, st, 8);
		out->repeat_of = wg_stmt_int(st, 9);
		out->repeat_of_number = col(arena, st, 10);
	} else if (rc == WG_DB_DONE) {
		rc = WG_ENOTFOUND;
	}
	wg_stmt_finalize(st);
	if (rc)
		return rc;
	rc = wg_db_prepare_cached(db,
	                          "SELECT p.case_id FROM petitions p JOIN cases c ON c.id = p.case_id WHERE "
	                          "p.repeat_of = ? AND " WG_CASE_VISIBLE_SQL("c") " ORDER BY p.case_id",
	                          &st);
	if (rc)
		return rc;
	rc = wg_stmt_bind_int(st, 1, case_id);
	if (!rc && (rc = wg_scope_bind_dept(scope, st, 2)) > 0)
		rc = 0;
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW && out->nrepeats < WG_PETITION_REPEATS_MAX) {
		rc = 0;
		out->repeats[out->nrepeats++] = wg_stmt_int(st, 0);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE || rc == WG_DB_ROW ? 0 : rc;
}

/* ---- the statistics feed ---------------------------------------------------------------- */

/* found and resolved per group: the key column differs; the filter is one. */
#define FIGURES_FROM                                                                                         \
	" count(*), sum(CASE WHEN d.performed_at IS NOT NULL THEN 1 ELSE 0 END) FROM cases c JOIN disputes " \
	"d ON "                                                                                              \
	"d.case_id = c.id WHERE c.kind = 'dispute' AND c.scope_key >= ? AND c.scope_key < ? AND "            \
	"c.reported_at >= ? AND c.reported_at < ? AND c.master IS NULL AND (c.accepted_at IS NOT NULL OR "   \
	"c.escalations > 0) AND coalesce(c.department, '-') = coalesce(?, coalesce(c.department, '-'))"

static const struct {
	const char *by, *sql;
} figure_queries[] = {
	{NULL, "SELECT NULL, NULL," FIGURES_FROM},
	{"category",
         "SELECT c.category, (SELECT k.name FROM categories k WHERE k.code = c.category)," FIGURES_FROM
         " GROUP BY c.category ORDER BY c.category"},
	{"tier", "SELECT c.tier, NULL," FIGURES_FROM " GROUP BY c.tier ORDER BY c.tier"},
	{"risk", "SELECT c.risk, NULL," FIGURES_FROM " GROUP BY c.risk ORDER BY c.risk"},
};

/* Local midnight of date "YYYY-MM-DD" plus days, as UTC ms. */
static int64_t day_start(const char *date, int days, int offset_minutes)
{
	int y = 0, m = 0, d = 0;
	int64_t z = 0;
	if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || !wg_calendar_day_number(y, m, d, &z))
		return 0;
	return ((z + days) * 1440 - offset_minutes) * 60000;
}

static int figures_run(wg_db *db, const wg_stats_query *q, const wg_stats_area *a, size_t i,
                       wg_dispute_figure_fn fn, void *ctx, wg_dispute_figure *total)
{
	wg_stmt *st;
	int rc = wg_db_prepare_cached(db, figure_queries[i].sql, &st);
	if (rc)
		return rc;
	rc = wg_stmt_bindf(st, "ttiit", a->lo, a->hi, day_start(q->from, 0, q->offset_minutes),
	                   day_start(q->to, 1, q->offset_minutes), a->dept);
	while (!rc && (rc = wg_stmt_step(st)) == WG_DB_ROW) {
		rc = 0;
		wg_dispute_figure f = {
			.key = wg_stmt_is_null(st, 0) ? NULL
		                                      : wg_arena_strdup(q->arena, wg_stmt_text(st, 0, NULL)),
			.name = wg_stmt_is_null(st, 1) ? NULL
		                                       : wg_arena_strdup(q->arena, wg_stmt_text(st, 1, NULL)),
			.found = wg_stmt_int(st, 2),
			.resolved = wg_stmt_int(st, 3),
		};
		if (i == 0)
			*total = f;
		else
			rc = fn(ctx, &f);
	}
	wg_stmt_finalize(st);
	return rc == WG_DB_DONE ? 0 : rc;
}

int wg_dispute_figures(wg_db *db, const wg_stats_query *q, const char *by, wg_dispute_figure_fn fn, void *ctx,
                       wg_dispute_figure *total, wg_field_errors *fe)
{
	memset(total, 0, sizeof *total);
	size_t which = 0;
	for (size_t i = 1; by && i < sizeof figure_queries / sizeof figure_queries[0]; i++)
		if (strcmp(by, figure_queries[i].by) == 0)
			which = i;
	if (by && !which) {
		wg_field_errors_add(fe, "by", "unknown", "by is category, tier or risk");
		return WG_EVALIDATION;
	}
	wg_stats_area a;
	int rc = wg_stats_area_of(db, q->caller, q->area, &a, fe);
	if (!rc)
		rc = figures_run(db, q, &a, 0, fn, ctx, total);
	if (!rc && which)
		rc = figures_run(db, q, &a, which, fn, ctx, total);
	return rc;
}
