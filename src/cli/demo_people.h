/* demo_people.h - the people of the demo county: names, valid ID numbers
 * and mobile numbers, deterministic for a seed.
 *
 * ID numbers carry a real birth date and a check character computed by
 * src/core/ident.h, so they pass the same validation as typed ones, and
 * never repeat: a register of the (birth date, sequence) pairs given out
 * moves a collision to the next free sequence number of the same sex. */
#ifndef WG_CLI_DEMO_PEOPLE_H
#define WG_CLI_DEMO_PEOPLE_H

#include "cli/demo_map.h"

#include <stdbool.h>
#include <stddef.h>

#define WG__DEMO_FIRST_YEAR 1930
#define WG__DEMO_LAST_YEAR 2025

typedef struct wg__demo_person {
	char name[32];      /* 2 or 3 Chinese characters */
	char id_number[19]; /* GB 11643 */
	char phone[12];     /* mainland mobile, 11 digits */
	bool male;
	int birth_year;
} wg__demo_person;

/* Who has been given out; one per generation run. */
typedef struct wg__demo_people wg__demo_people;

/* A register for people born WG__DEMO_FIRST_YEAR..WG__DEMO_LAST_YEAR; NULL
 * when memory runs out. Free with wg__demo_people_free. */
wg__demo_people *wg__demo_people_new(void);
void wg__demo_people_free(wg__demo_people *p);

/* A new person registered in the county with the 6-digit code region6,
 * born between the years given (inclusive, within the range above).
 * Returns false when every sequence number of the drawn birth date is taken
 * (1,000 people born on one day in one county: not with demo sizes). */
bool wg__demo_person_new(wg__demo_people *p, wg__demo_rng *r, const char *region6, int from_year, int to_year,
                         wg__demo_person *out);

/* A name of the given sex (out holds 32 bytes). */
void wg__demo_name(wg__demo_rng *r, bool male, char out[32]);

/* A mainland mobile number (11 digits and NUL). */
void wg__demo_phone(wg__demo_rng *r, char out[12]);

#endif
