/* page.h - one page of a list, as API.md shapes every list:
 * {"items":[...],"next_cursor":"..."|null,"total":N}.
 *
 * A list asks the store for one row more than the page holds, only to learn
 * whether a next page exists; that row is not written. The cursor is the
 * key of the last row written, made opaque by wg_cursor_encode. The items
 * are written where the rows are read (on the store's thread for
 * PostgreSQL); the page is closed on the loop by wg_page_end. */
#ifndef WG_HTTP_PAGE_H
#define WG_HTTP_PAGE_H

#include "http/request.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct wg_page {
	wg_req *req;
	int64_t limit; /* rows on the page (?limit=) */
	int64_t written;
	bool more;
	char last[64]; /* key of the last row written */
} wg_page;

/* Read ?limit= and ?cursor=; *after gets the cursor's key (arena string)
 * or NULL. Records field errors and returns false when either is bad. */
bool wg_page_init(wg_page *p, wg_req *req, const char **after);

/* The same for lists keyed by a positive integer id (0: from the start). */
bool wg_page_init_id(wg_page *p, wg_req *req, int64_t *after_id);

/* How many rows to ask the store for. */
int64_t wg_page_fetch(const wg_page *p);

/* Open the response object and its items array. */
void wg_page_begin(wg_page *p);

/* For each row read: true when it belongs on the page (the caller then
 * writes it), false for the extra row that only says there is more. */
bool wg_page_row(wg_page *p, const char *key);
bool wg_page_row_id(wg_page *p, int64_t id);

/* Close the items, write next_cursor and total (total < 0: none) and close
 * the object; the caller replies. */
void wg_page_end(wg_page *p, int64_t total);

#endif
