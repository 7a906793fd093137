/* fuzz_ident.c - the ID number, credit code and phone validators and the
 * masks on arbitrary strings.
 *
 * Besides surviving the sanitizers: an accepted value's normal form is
 * accepted again and normalises to itself, carries a check character that
 * the check functions reproduce, and masks to a string of the same length
 * that keeps only the promised characters; a refused value leaves the
 * output untouched and gives one of the documented codes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool one_of(const char *code, const char *const *codes)
{
	for (; *codes; codes++)
		if (strcmp(code, *codes) == 0)
			return true;
	return false;
}

/* The mask has norm's length, and every character is either norm's own or
 * an asterisk. */
static void check_mask(const char *norm, const char *masked)
{
	if (strlen(masked) != strlen(norm))
		abort();
	for (size_t i = 0; masked[i]; i++)
		if (masked[i] != '*' && masked[i] != norm[i])
			abort();
}

static void id_number(const char *s)
{
	static const char *const codes[] = {"length", "characters", "region", "birth_date", "checksum", NULL};
	char norm[19] = "untouched", again[19];
	wg_id_info info;
	const char *code = NULL, *why = NULL;
	if (wg_ident_id_number(s, 20260115, norm, &info, &code, &why) == 0) {
		if (strlen(norm) != 18 || wg_ident_id_check_char(norm) != norm[17] ||
		    strlen(info.birth_date) != 10 || (info.sex != 'M' && info.sex != 'F') ||
		    memcmp(info.region, norm, 6) != 0)
			abort();
		if (wg_ident_id_number(norm, 20260115, again, NULL, NULL, NULL) != 0 ||
		    strcmp(again, norm) != 0)
			abort();
		char masked[19];
		wg_ident_mask_id_number(norm, masked);
		check_mask(norm, masked);
		if (memcmp(masked, norm, 3) != 0 || memcmp(masked + 14, norm + 14, 4) != 0 ||
		    strspn(masked + 3, "*") != 11)
			abort();
	} else if (!code || !why || !one_of(code, codes) || strcmp(norm, "untouched") != 0) {
		abort();
	}
}

static void credit_code(const char *s)
{
	static const char *const codes[] = {"length", "characters", "authority", "checksum", NULL};
	char norm[19] = "untouched", again[19];
	const char *code = NULL, *why = NULL;
	if (wg_ident_credit_code(s, norm, &code, &why) == 0) {
		if (strlen(norm) != 18 || wg_ident_credit_check_char(norm) != norm[17] ||
		    strcasecmp(norm, s) != 0)
			abort();
		if (wg_ident_credit_code(norm, again, NULL, NULL) != 0 || strcmp(again, norm) != 0)
			abort();
	} else if (!code || !why || !one_of(code, codes) || strcmp(norm, "untouched") != 0) {
		abort();
	}
}

static void phone(const char *s)
{
	static const char *const codes[] = {"format", NULL};
	char norm[24] = "untouched", again[24];
	const char *code = NULL, *why = NULL;
	if (wg_ident_phone(s, norm, &code, &why) == 0) {
		size_t n = strlen(norm);
		if (n < 11 || n > 12 || strspn(norm, "0123456789") != n || (norm[0] != '0' && norm[0] != '1'))
			abort();
		if (wg_ident_phone(norm, again, NULL, NULL) != 0 || strcmp(again, norm) != 0)
			abort();
		char masked[24];
		wg_ident_mask_phone(norm, masked);
		check_mask(norm, masked);
		/* At least four digits are always hidden. */
		size_t hidden = 0;
		for (size_t i = 0; i < n; i++)
			hidden += masked[i] == '*';
		if (hidden < 4)
			abort();
	} else if (!code || !why || !one_of(code, codes) || strcmp(norm, "untouched") != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The validators take C strings: an exact-size copy, cut at a NUL. */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	id_number(s);
	credit_code(s);
	phone(s);
	/* The masks take anything too. */
	char m1[19], m2[24];
	wg_ident_mask_id_number(s, m1);
	wg_ident_mask_phone(s, m2);
	if (strlen(m1) > 18 || strlen(m2) > 23)
		abort();
	if (size >= 8) {
		int64_t ms;
		memcpy(&ms, data, sizeof ms);
		int ymd = wg_ident_ymd(ms, 480);
		if (ymd != 0 && (ymd < 10101 || ymd > 99991231 || ymd % 100 < 1 || ymd % 100 > 31 ||
		                 ymd / 100 % 100 < 1 || ymd / 100 % 100 > 12))
			abort();
	}
	free(s);
	return 0;
}
