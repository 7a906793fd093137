/* ident.h - personal and organisation numbers: validation, normalisation and
 * masking of resident identity card numbers (GB 11643-1999), unified social
 * credit codes (GB 32100-2015) and mainland phone numbers.
 *
 * Every validator takes a NUL-terminated string, writes the normalised form
 * only on success, and on failure sets *code to a stable machine code (for
 * field errors; clients localise by it) and *why to an English sentence.
 * Both are static strings. Any of norm, info, code and why may be NULL when
 * the caller does not want them. Nothing here allocates, so nothing here can
 * run out of memory. Input is taken as written: callers trim surrounding
 * white space first. */
#ifndef WG_CORE_IDENT_H
#define WG_CORE_IDENT_H

#include <stdint.h>

typedef struct wg_id_info {
	char birth_date[11]; /* YYYY-MM-DD */
	char sex;            /* 'M' or 'F' */
	char region[7];      /* first 6 digits: the county where the number was first issued */
} wg_id_info;

/* A resident identity card number: 18 characters, 17 digits and a check
 * character (digit, or X; lower-case x accepted) by ISO 7064 MOD 11-2.
 * Digits 1-2 a province code of GB/T 2260 (11-15, 21-23, 31-37, 41-46,
 * 50-54, 61-65, 71) or 81, 82, 83 (the residence permits of Hong Kong,
 * Macao and Taiwan residents, GB 11643 numbers too); digits 7-14 a real
 * calendar date from 1900-01-01 to today_ymd (YYYYMMDD); digit 17 odd for
 * a man. The checks run in that order, so a number with a bad date and a
 * bad check character reports the date.
 * Returns 0 with norm (upper-case X) and info filled, or WG_EVALIDATION with
 * *code "length", "characters", "region", "birth_date" or "checksum". */
int wg_ident_id_number(const char *s, int today_ymd, char norm[19], wg_id_info *info, const char **code,
                       const char **why);

/* The check character ('0'-'9' or 'X') for 17 digits; '?' if any of them is
 * not a digit. */
char wg_ident_id_check_char(const char digits17[17]);

/* A unified social credit code: 18 characters from 0-9 and A-Z without I, O,
 * Z, S and V (lower case accepted); character 1 the registration authority
 * and 2 the kind of organisation, a pair from the table of GB 32100-2015
 * (plus 54, the village and residents' committees that civil affairs has
 * coded since 2017); 3-8 the registering authority's division code (digits);
 * 9-17 the organisation's identifier; 18 the MOD 31 check character.
 * Returns 0 with norm upper-cased, or WG_EVALIDATION with *code "length",
 * "characters", "authority" or "checksum". */
int wg_ident_credit_code(const char *s, char norm[19], const char **code, const char **why);

/* The check character for the first 17 characters of a credit code (upper or
 * lower case); '?' if any is outside the code's character set. */
char wg_ident_credit_check_char(const char first17[17]);

/* A phone number. Spaces and hyphens anywhere are ignored, and so is one
 * pair of parentheses around the area code ("(029) 8765 4321").
 *   mobile      11 digits 1[3-9]NNNNNNNNN, optionally after +86, 0086 or 86.
 *   fixed line  an area code and a local number of 7 or 8 digits that does
 *               not start with 0 or 1: 010 and 020-029 (but 026) take 8
 *               digits, the four-digit codes 03xx-09xx 7 or 8. After +86 or
 *               0086 the area code's 0 may be left out, as dialled from abroad.
 * Parentheses may also enclose the country code ("(+86) 138 1234 5678").
 * Extensions, service numbers (95xxx, 400) and foreign numbers are refused:
 * a record keeps those in its free-text note. On success norm holds digits
 * only: the 11 digits of a mobile, or area code and local number (11 or 12
 * digits). Returns 0, or WG_EVALIDATION with *code "format". */
int wg_ident_phone(const char *s, char norm[24], const char **code, const char **why);

/* Masks for display. The ID number keeps its first 3 and last 4 characters
 * (110***********1234). out has the same length as norm; a string longer than
 * 18 characters is no ID number and comes out as 18 asterisks, one of 7 or
 * fewer characters all asterisks. */
void wg_ident_mask_id_number(const char *norm, char out[19]);

/* A mobile keeps its first 3 and last 4 digits (138****5678); a fixed line
 * (norm starting with 0) keeps its area code and last 2 digits
 * (0917*****45), because the area code only names a city and more digits
 * would leave too few hidden. Anything else, or a norm longer than 23
 * characters, comes out all asterisks (at most 23). */
void wg_ident_mask_phone(const char *norm, char out[24]);

/* The calendar date YYYYMMDD at utc_ms in a zone offset_minutes east of UTC
 * (480 for Asia/Shanghai), proleptic Gregorian, for the birth date check.
 * 0 when the offset is beyond a day or utc_ms is not within the years
 * 0001-9999 less a day at each end. */
int wg_ident_ymd(int64_t utc_ms, int offset_minutes);

#endif
