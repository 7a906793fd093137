/* Statements whose text is built at run time (a list query with only the
 * filters a request gives), prepared once per connection all the same:
 * wg_db_prepare_cached keys statements by address, so each distinct text
 * is interned here, process-wide, into a copy that lives until exit. The
 * texts are few (one per combination of filters actually used) and
 * bounded; past WG_DB_BUILT_MAX of them a statement is prepared afresh
 * each time, which is slower but right. */
#include "store/db.h"

#include "core/alloc.h"
#include "core/error.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

enum { WG_DB_BUILT_MAX = 256, SLOTS = 512 /* power of two, > 1.5 x max */ };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *slots[SLOTS];
static size_t used;

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The interned copy of sql, or NULL when the table is full or memory is
 * short. */
static const char *intern(const char *sql)
{
	const char *found = NULL;
	pthread_mutex_lock(&lock);
	size_t i = hash(sql) & (SLOTS - 1);
	while (slots[i] && strcmp(slots[i], sql) != 0)
		i = (i + 1) & (SLOTS - 1);
	if (slots[i]) {
		found = slots[i];
	} else if (used < WG_DB_BUILT_MAX) {
		size_t n = strlen(sql) + 1;
		char *copy = wg_malloc(n);
		if (copy) {
			memcpy(copy, sql, n);
			slots[i] = copy;
			used++;
			found = copy;
		}
	}
	pthread_mutex_unlock(&lock);
	return found;
}

int wg_db_prepare_built(wg_db *db, const char *sql, wg_stmt **out)
{
	const char *kept = intern(sql);
	return kept ? wg_db_prepare_cached(db, kept, out) : wg_db_prepare(db, sql, out);
}
