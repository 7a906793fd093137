#include "core/ratelimit.h"

#include "core/alloc.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* A bucket counts in 1/60000 of an attempt, so that refilling per_minute
 * attempts a minute adds exactly per_minute units a millisecond. */
enum { UNIT = 60000 };
/* Slots a key may live in, from its hash on: a lookup reads at most this
 * many, and eviction picks among them (set-associative, like a CPU cache). */
enum { WINDOW = 8 };

_Static_assert((WG_RATELIMIT_SLOTS & (WG_RATELIMIT_SLOTS - 1)) == 0, "slots must be a power of two");

struct slot {
	uint64_t id;     /* SipHash of the key; 0 when free (a hash of 0 is stored as 1) */
	uint64_t used;   /* value of the limiter's use counter at the last attempt, for LRU */
	int64_t last_ms; /* time up to which the bucket is refilled */
	int64_t tokens;  /* in units, 0..capacity */
};

struct wg_ratelimit {
	pthread_mutex_t lock;
	int64_t per_minute; /* units added per millisecond */
	int64_t capacity;   /* per_minute attempts, in units */
	uint64_t uses;      /* counts attempts, orders slots by last use */
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	struct slot slots[WG_RATELIMIT_SLOTS];
};

wg_ratelimit *wg_ratelimit_new(unsigned per_minute)
{
	if (per_minute == 0 || sodium_init() < 0)
		return NULL;
	wg_ratelimit *r = wg_calloc(1, sizeof *r);
	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		wg_free(r);
		return NULL;
	}
	r->per_minute = per_minute;
	r->capacity = (int64_t)per_minute * UNIT;
	crypto_shorthash_keygen(r->hash_key);
	return r;
}

void wg_ratelimit_free(wg_ratelimit *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	wg_free(r);
}

/* The bucket's units at now_ms, without changing it. A minute or more
 * refills any bucket, which also keeps the product from overflowing. */
static int64_t tokens_at(const wg_ratelimit *r, const struct slot *s, int64_t now_ms)
{
	if (now_ms <= s->last_ms)
		return s->tokens;
	int64_t elapsed = now_ms - s->last_ms;
	if (elapsed >= UNIT)
		return r->capacity;
	int64_t t = s->tokens + elapsed * r->per_minute;
	return t < r->capacity ? t : r->capacity;
}

/* The slot of id: its own if present; else a free one, else one whose
 * bucket is full again (forgetting it changes nothing), else the least
 * recently used of the window, reset to a full bucket. */
static struct slot *find_slot(wg_ratelimit *r, uint64_t id, int64_t now_ms)
{
	struct slot *victim = NULL;
	int victim_rank = 3; /* 0 free, 1 full bucket, 2 in use */
	for (unsigned i = 0; i < WINDOW; i++) {
		struct slot *s = &r->slots[(id + i) & (WG_RATELIMIT_SLOTS - 1)];
		if (s->id == id)
			return s;
		int rank = s->id == 0 ? 0 : tokens_at(r, s, now_ms) == r->capacity ? 1 : 2;
		if (rank < victim_rank || (rank == victim_rank && s->used < victim->used)) {
			victim = s;
			victim_rank = rank;
		}
	}
	victim->id = id;
	victim->last_ms = now_ms;
	victim->tokens = r->capacity;
	return victim;
}

bool wg_ratelimit_allow(wg_ratelimit *r, const char *key, int64_t now_ms, int64_t *retry_after_ms)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)key, strlen(key), r->hash_key);
	uint64_t id;
	memcpy(&id, h, sizeof id);
	if (id == 0)
		id = 1;

	pthread_mutex_lock(&r->lock);
	struct slot *s = find_slot(r, id, now_ms);
	s->tokens = tokens_at(r, s, now_ms);
	/* Never moved back: time already counted must not refill twice. */
	if (now_ms > s->last_ms)
		s->last_ms = now_ms;
	s->used = ++r->uses;
	bool allowed = s->tokens >= UNIT;
	int64_t wait = 0;
	if (allowed)
		s->tokens -= UNIT;
	else
		wait = (s->last_ms - now_ms) + (UNIT - s->tokens + r->per_minute - 1) / r->per_minute;
	pthread_mutex_unlock(&r->lock);

	if (retry_after_ms)
		*retry_after_ms = wait;
	return allowed;
}
