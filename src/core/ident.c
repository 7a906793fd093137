#include "core/ident.h"

#include "core/clock.h"
#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static int invalid(const char **code, const char **why, const char *c, const char *w)
{
	if (code)
		*code = c;
	if (why)
		*why = w;
	return WG_EVALIDATION;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- resident identity card numbers (GB 11643-1999) ---- */

/* Weight of position i (0-based) is 2^(17-i) mod 11: ISO 7064 MOD 11-2 with
 * the check character at weight 1. */
static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

char wg_ident_id_check_char(const char digits17[17])
{
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (!is_digit(digits17[i]))
			return '?';
		sum += (digits17[i] - '0') * id_weights[i];
	}
	/* The check value v makes sum + v = 1 (mod 11); 10 is written X. */
	int v = (12 - sum % 11) % 11;
	return v == 10 ? 'X' : (char)('0' + v);
}

/* Provinces of GB/T 2260, and 81-83 for the residence permits of Hong Kong,
 * Macao and Taiwan residents (their numbers begin 810000, 820000, 830000). */
static bool id_province(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
	       (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 || (p >= 81 && p <= 83);
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

static int number(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int wg_ident_id_number(const char *s, int today_ymd, char norm[19], wg_id_info *info, const char **code,
                       const char **why)
{
	if (!s || strnlen(s, 19) != 18)
		return invalid(code, why, "length", "An ID number has 18 characters.");
	for (int i = 0; i < 17; i++)
		if (!is_digit(s[i]))
			return invalid(code, why, "characters",
			               "An ID number is 17 digits followed by a digit or X.");
	char last = s[17] == 'x' ? 'X' : s[17];
	if (!is_digit(last) && last != 'X')
		return invalid(code, why, "characters",
		               "An ID number is 17 digits followed by a digit or X.");
	if (!id_province(number(s, 2)))
		return invalid(code, why, "region",
		               "The first two digits of the ID number are not a province code.");
	int y = number(s + 6, 4), m = number(s + 10, 2), d = number(s + 12, 2);
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return invalid(code, why, "birth_date",
		               "Digits 7-14 of the ID number are not a calendar date.");
	if (y < 1900)
		return invalid(code, why, "birth_date", "The birth date in the ID number is before 1900.");
	if (y * 10000 + m * 100 + d > today_ymd)
		return invalid(code, why, "birth_date", "The birth date in the ID number is in the future.");
	if (wg_ident_id_check_char(s) != last)
		return invalid(
			code, why, "checksum",
			"The check character of the ID number does not match: a digit is probably mistyped.");
	if (norm) {
		memcpy(norm, s, 17);
		norm[17] = last;
		norm[18] = '\0';
	}
	if (info) {
		memcpy(info->birth_date, s + 6, 4);
		info->birth_date[4] = '-';
		memcpy(info->birth_date + 5, s + 10, 2);
		info->birth_date[7] = '-';
		memcpy(info->birth_date + 8, s + 12, 2);
		info->birth_date[10] = '\0';
		info->sex = (s[16] - '0') % 2 ? 'M' : 'F';
		memcpy(info->region, s, 6);
		info->region[6] = '\0';
	}
	return 0;
}

/* ---- unified social credit codes (GB 32100-2015) ---- */

/* The 31 characters in the order of their values 0-30. */
static const char credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Weight of position i is 3^i mod 31. */
static const int credit_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

/* Value 0-30 of c (either case), or -1. */
static int credit_value(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == '\0')
		return -1;
	const char *p = strchr(credit_chars, c);
	return p ? (int)(p - credit_chars) : -1;
}

char wg_ident_credit_check_char(const char first17[17])
{
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int v = credit_value(first17[i]);
		if (v < 0)
			return '?';
		sum += v * credit_weights[i];
	}
	return credit_chars[(31 - sum % 31) % 31];
}

/* Registration authority (character 1) and the kinds of organisation it
 * registers (character 2), from GB 32100-2015 appendix A. Civil affairs'
 * 4 is the village and residents' committees, coded since 2017. */
static const struct {
	char authority;
	const char *kinds;
} credit_kinds[] = {
	{'1', "1239"},   /* establishment: organs, public institutions, mass organisations, other */
	{'2', "19"},     /* foreign affairs: resident foreign news agencies, other */
	{'3', "123459"}, /* justice: law firms, notaries, legal service offices, forensics, arbitration */
	{'4', "19"},     /* culture: foreign cultural centres, other */
	{'5', "12349"},  /* civil affairs: social organisations, private non-enterprise units, foundations */
	{'6', "129"},    /* tourism: representative offices of foreign and HK/Macao/Taiwan tourism bodies */
	{'7', "129"},    /* religion: venues, colleges, other */
	{'8', "19"},     /* trade unions: grassroots unions, other */
	{'9', "123"},    /* market regulation: enterprises, individual businesses, farmers' cooperatives */
	{'A', "19"},     /* military: army public institutions, other */
	{'N', "1239"},   /* agriculture: group, village and township collective economic organisations */
	{'Y', "1"},      /* other authorities */
};

static bool credit_kind_valid(char authority, char kind)
{
	for (size_t i = 0; i < sizeof credit_kinds / sizeof credit_kinds[0]; i++)
		if (credit_kinds[i].authority == authority)
			return kind != '\0' && strchr(credit_kinds[i].kinds, kind) != NULL;
	return false;
}

int wg_ident_credit_code(const char *s, char norm[19], const char **code, const char **why)
{
	static const char chars_why[] =
		"A unified social credit code has digits and capital letters other than "
		"I, O, Z, S and V, and digits in places 3-8.";
	if (!s || strnlen(s, 19) != 18)
		return invalid(code, why, "length", "A unified social credit code has 18 characters.");
	char up[19];
	for (int i = 0; i < 18; i++) {
		int v = credit_value(s[i]);
		if (v < 0 || (i >= 2 && i < 8 && v > 9))
			return invalid(code, why, "characters", chars_why);
		up[i] = credit_chars[v];
	}
	up[18] = '\0';
	if (!credit_kind_valid(up[0], up[1]))
		return invalid(code, why, "authority",
		               "The first two characters are no registration authority and kind of "
		               "organisation of GB 32100.");
	if (wg_ident_credit_check_char(up) != up[17])
		return invalid(
			code, why, "checksum",
			"The check character of the credit code does not match: a character is probably "
			"mistyped.");
	if (norm)
		memcpy(norm, up, sizeof up);
	return 0;
}

/* ---- phone numbers ---- */

enum { PHONE_MAX_DIGITS = 23 };

static const char phone_why[] = "A phone number is an 11-digit mobile number or an area code with a 7- or "
				"8-digit local number, such as 0917-5512345.";

/* Length of the area code at e (which starts with 0), or 0 if there is none;
 * *local_min gets the shortest local number it takes (all take 8 at most). */
static size_t area_code(const char *e, size_t n, size_t *local_min)
{
	if (n < 3)
		return 0;
	if (e[1] == '1' || e[1] == '2') {
		/* 010 and 020-029: the big cities, 8-digit numbers; 026 is not used. */
		if ((e[1] == '1' && e[2] != '0') || (e[1] == '2' && e[2] == '6'))
			return 0;
		*local_min = 8;
		return 3;
	}
	if (e[1] >= '3' && e[1] <= '9') {
		*local_min = 7;
		return 4;
	}
	return 0;
}

int wg_ident_phone(const char *s, char norm[24], const char **code, const char **why)
{
	if (!s)
		return invalid(code, why, "format", phone_why);
	char d[PHONE_MAX_DIGITS + 1];
	size_t nd = 0;
	bool plus = false;
	/* Digit counts where "(" and ")" stood; -1 while not seen. Whether they
	 * enclose the country code or the area code is checked at the end. */
	long open = -1, close = -1;
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p == '+' && nd == 0 && !plus && close < 0) {
			plus = true;
		} else if (*p == '(' && open < 0) {
			open = (long)nd;
		} else if (*p == ')' && open >= 0 && close < 0 && (long)nd > open) {
			close = (long)nd;
		} else if (is_digit(*p) && nd < PHONE_MAX_DIGITS) {
			d[nd++] = *p;
		} else {
			return invalid(code, why, "format", phone_why);
		}
	}
	d[nd] = '\0';
	if (open >= 0 && close < 0)
		return invalid(code, why, "format", phone_why);

	/* The country prefix: +86 or 0086, or a bare 86 before a mobile number. */
	size_t k = 0;
	bool intl = false;
	if (plus) {
		if (nd < 2 || d[0] != '8' || d[1] != '6')
			return invalid(code, why, "format",
			               "Only mainland Chinese phone numbers (+86) are accepted.");
		k = 2;
		intl = true;
	} else if (nd >= 4 && memcmp(d, "0086", 4) == 0) {
		k = 4;
		intl = true;
	} else if (nd == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1') {
		k = 2;
	}
	const char *q = d + k;
	size_t n = nd - k;
	bool paren_on_prefix = open == 0 && close == (long)k && k > 0;

	if (n == 11 && q[0] == '1') {
		if (q[1] < '3' || q[1] > '9')
			return invalid(code, why, "format", "A mobile number starts with 13 to 19.");
		if (open >= 0 && !paren_on_prefix)
			return invalid(code, why, "format", phone_why);
		if (norm) {
			memcpy(norm, q, 11);
			norm[11] = '\0';
		}
		return 0;
	}

	/* A fixed line; from abroad the area code's 0 is left out. */
	char e[PHONE_MAX_DIGITS + 2];
	size_t skipped = 0; /* 1 when the 0 was added here */
	if (intl && n > 0 && q[0] != '0') {
		e[0] = '0';
		skipped = 1;
	}
	memcpy(e + skipped, q, n);
	size_t m = n + skipped;
	e[m] = '\0';
	size_t local_min = 0;
	size_t alen = e[0] == '0' ? area_code(e, m, &local_min) : 0;
	if (alen == 0 || m < alen + local_min || m > alen + 8 || e[alen] < '2')
		return invalid(code, why, "format", phone_why);
	long area_start = (long)k, area_end = (long)(k + alen - skipped);
	if (open >= 0 && !paren_on_prefix && !(open == area_start && close == area_end))
		return invalid(code, why, "format", phone_why);
	if (norm)
		memcpy(norm, e, m + 1);
	return 0;
}

/* ---- masks ---- */

static void mask(const char *s, size_t n, size_t keep_head, size_t keep_tail, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = i < keep_head || i >= n - keep_tail ? s[i] : '*';
	out[n] = '\0';
}

void wg_ident_mask_id_number(const char *norm, char out[19])
{
	size_t n = norm ? strnlen(norm, 19) : 0;
	if (n > 18) {
		memset(out, '*', 18);
		out[18] = '\0';
		return;
	}
	if (n <= 7)
		mask(norm, n, 0, 0, out);
	else
		mask(norm, n, 3, 4, out);
}

void wg_ident_mask_phone(const char *norm, char out[24])
{
	size_t n = norm ? strnlen(norm, 24) : 0;
	if (n > 23) {
		memset(out, '*', 23);
		out[23] = '\0';
		return;
	}
	size_t local_min;
	size_t alen = n > 0 && norm[0] == '0' ? area_code(norm, n, &local_min) : 0;
	if (n == 11 && norm[0] == '1')
		mask(norm, n, 3, 4, out);
	else if (alen && n >= alen + 7)
		mask(norm, n, alen, 2, out);
	else
		mask(norm, n, 0, 0, out);
}

/* ---- dates ---- */

int wg_ident_ymd(int64_t utc_ms, int offset_minutes)
{
	/* Years 0001-9999 keep YYYYMMDD in an int of 8 digits at most and the
	 * arithmetic far from overflow; the day's margin is for the offset. */
	if (offset_minutes < -24 * 60 || offset_minutes > 24 * 60 ||
	    utc_ms < INT64_C(-62135596800000) + 86400000 || utc_ms > INT64_C(253402300799999) - 86400000)
		return 0;
	int64_t local = utc_ms + (int64_t)offset_minutes * 60000;
	int64_t y;
	int mo, d;
	wg_civil_from_days(wg_floor_div(local, 86400000), &y, &mo, &d);
	return (int)(y * 10000 + (int64_t)mo * 100 + d);
}
