/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private interface of the memory pool (lib/env/mempool.c and
 * lib/env/mempool_cache.c); tests may include it to look at a pool's inner
 * state. See the comment at the top of mempool.c for the design.
 */

#ifndef PW_MEMPOOL_INTERNAL_H
#define PW_MEMPOOL_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/queue.h"

#include "common/pw_common.h"

/* Per-pthread cache slots. A pthread takes the lowest free slot on its first
 * cached get or put and gives it back when it exits; while every slot is
 * taken, further pthreads work directly on the shared store. */
#define PW_MEMPOOL_MAX_SLOTS	256

/* Largest per-pthread cache, in elements (DPDK's limit, which SPDK relies on). */
#define PW_MEMPOOL_CACHE_MAX	512

/* Values of pw__mempool_tslot besides "slot index + 1". */
#define PW_MEMPOOL_TSLOT_UNSET	0u
#define PW_MEMPOOL_TSLOT_NONE	UINT_MAX

/* One pthread's cache of one pool. Only the owning pthread touches objs[];
 * len is also read, atomically, by spdk_mempool_count() and
 * spdk_mempool_free() on other pthreads. */
struct pw_mempool_cache {
	size_t		len;
	void		*objs[];
} PW_CACHE_ALIGNED;

/* One cell of the shared store: a bounded multi-producer multi-consumer
 * array of pointers in which every cell carries a sequence number telling
 * which lap of which side (producer or consumer) may use it next. */
struct pw_mempool_cell {
	uint64_t	seq;
	void		*obj;
};

struct spdk_mempool {
	/* Read-mostly part, shared by every user of the pool. */
	char				*base;		/* first element */
	size_t				count;		/* number of elements */
	size_t				ele_size;	/* size asked for */
	size_t				stride;		/* ele_size, cache-line rounded */
	size_t				span;		/* count * stride */
	size_t				cache_size;	/* per-pthread capacity; 0: none */
	size_t				batch;		/* moved per refill or flush */
	/* Membership test of put: offset / stride is exact iff the low
	 * stride_shift bits are clear and (offset >> stride_shift) times
	 * stride_inv (inverse of the odd part of stride mod 2^64) is at most
	 * stride_lim. */
	unsigned			stride_shift;
	uint64_t			stride_inv;
	uint64_t			stride_lim;
	struct pw_mempool_cell		*cells;
	uint64_t			mask;		/* number of cells - 1 */
	/* In the global list, under the pool lock. */
	TAILQ_ENTRY(spdk_mempool)	link;
	char				name[SPDK_MAX_MEMPOOL_NAME_LEN + 1];

	/* Created by the owning pthread on its first use of the pool; freed
	 * with the pool. Read by others with acquire loads. */
	struct pw_mempool_cache		*caches[PW_MEMPOOL_MAX_SLOTS];

	/* Shared store positions, each alone on its cache line. */
	uint64_t			enq PW_CACHE_ALIGNED;
	uint64_t			deq PW_CACHE_ALIGNED;
} PW_CACHE_ALIGNED;

/* Slot of the calling pthread plus one, or one of the PW_MEMPOOL_TSLOT_*
 * values. Written only by its own pthread. */
extern __thread unsigned pw__mempool_tslot __attribute__((tls_model("initial-exec")));

/* The lock behind the global list of pools and the slot table. Cold paths only. */
void pw__mempool_lock(void);
void pw__mempool_unlock(void);

/* Give the calling pthread a slot (or PW_MEMPOOL_TSLOT_NONE when they are
 * all taken) and store it in pw__mempool_tslot, which it also returns. */
unsigned pw__mempool_slot_acquire(void);

/* Highest slot index ever handed out plus one: count() looks no further. */
unsigned pw__mempool_slot_high(void);

/* Create the calling pthread's cache of mp for its slot; NULL when out of memory. */
struct pw_mempool_cache *pw__mempool_cache_create(struct spdk_mempool *mp, unsigned slot);

/* Per-pthread cache capacity that a pool of count elements gets when
 * requested is asked for (the rule is stated in mempool.c). */
size_t pw__mempool_cache_size_for(size_t count, size_t requested);

/* Move every element cached under slot in every pool back to the shared
 * stores. Called with the lock held, by the slot's owner as it exits.
 * Returns how many elements did not fit (a store would have held more than
 * its pool's size: an element was put twice); they are dropped, and the
 * caller logs them once the lock is released. */
size_t pw__mempool_flush_slot_locked(unsigned slot);

/* Length of a cache. Relaxed: only the owner writes it; readers on other
 * pthreads (count, free) want a snapshot. */
static inline size_t
pw__mempool_cache_len(const struct pw_mempool_cache *c)
{
	return __atomic_load_n(&c->len, __ATOMIC_RELAXED);
}

/* Set by the owner only. Relaxed: pairs with nothing, see above. */
static inline void
pw__mempool_cache_set_len(struct pw_mempool_cache *c, size_t len)
{
	__atomic_store_n(&c->len, len, __ATOMIC_RELAXED);
}

/* Take at least min and at most n elements from mp's shared store into
 * objs. Returns how many were taken: 0 when fewer than min were there. */
size_t pw__mempool_store_get(struct spdk_mempool *mp, void **objs, size_t n, size_t min);

/* Put n elements into mp's shared store; any that do not fit (an element
 * was put twice) are dropped and logged, rate-limited. */
void pw__mempool_store_put_logged(struct spdk_mempool *mp, void *const *objs, size_t n);

/* Get n elements through the calling pthread's cache c of mp, all or
 * nothing: 0, or -ENOENT with nothing taken. */
int pw__mempool_cache_get(struct spdk_mempool *mp, struct pw_mempool_cache *c, void **objs,
			  size_t n);

/* Put n elements through the calling pthread's cache c of mp. */
void pw__mempool_cache_put(struct spdk_mempool *mp, struct pw_mempool_cache *c,
			   void *const *objs, size_t n);

/* Elements in the shared store of mp (a snapshot). */
size_t pw__mempool_store_count(const struct spdk_mempool *mp);

/* Elements in mp's per-pthread caches (a snapshot). */
size_t pw__mempool_cached_count(const struct spdk_mempool *mp);

#endif /* PW_MEMPOOL_INTERNAL_H */
