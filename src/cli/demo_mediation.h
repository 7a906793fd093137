/* demo_mediation.h - the demo county's mediation registries behind
 * `wangge demo`: a people's mediation committee in every village and town
 * (<村名>人民调解委员会), five trade mediation bodies and the expert pool
 * (专家库) at the county, two to four mediators in each, the demo's
 * mediator accounts as lead mediators (mediator1 of the county's labour
 * body, mediator2 of town 1's committee), and the posts its leader
 * accounts hold for personal charge (包抓) of disputes.
 *
 * Made through domain/mediation.h (the same validation and audit rows as
 * the API), deterministic for a seed, in one transaction. Every part is
 * added only where it is missing (bodies by code, mediators with the body
 * that is new, an account's place in its body, each post), so a second
 * run adds nothing. */
#ifndef WG_CLI_DEMO_MEDIATION_H
#define WG_CLI_DEMO_MEDIATION_H

#include "cli/demo_county.h"
#include "core/config.h"
#include "store/db.h"

#include <stdbool.h>

struct wg_secret_key;

/* Add what is missing of the registries above. Needs the regions and
 * categories (`wangge migrate`) and the demo accounts (demo.c makes them
 * first). *made (may be NULL) tells whether anything was added. Returns 0,
 * or a WG_E code after printing the reason (the record and its field
 * errors) to stderr; the transaction is then rolled back. */
int wg__demo_mediation(wg_db *db, const wg_config *cfg, const struct wg_secret_key *key,
                       const wg__demo_options *o, bool *made);

#endif
