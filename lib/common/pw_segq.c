/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The out-of-line parts of the segmented MPSC queue (see pw_segq.h): the
 * segment pool, opening a new segment, retiring a consumed one. Each runs
 * once per segment at most, so a mutex is cheap enough for the pool's list.
 */

#include "common/pw_segq.h"

#include <sys/mman.h>

/*
 * Segment memory. Segments are carved from chunks of PW_SEGQ_CHUNK_SEGS
 * pages mapped with mmap(), and a chunk is unmapped as soon as every segment
 * of it is free again, so that the resident set really shrinks when queues
 * give their segments back (a free 4 KiB block inside malloc's heap stays
 * resident, and aligned_alloc() fragments the heap). In front of the chunks
 * the pool keeps at most PW_SEGQ_POOL_CACHE free segments for quick reuse.
 * Everything is under the pool's mutex: this runs once per segment opened or
 * given back, never per entry.
 */
#define PW_SEGQ_CHUNK_SEGS	32u	/* 128 KiB */

struct pw_segq_chunk {
	char			*base;
	struct pw_segq_seg	*free;		/* its free segments, not in the cache */
	uint32_t		avail;		/* free + never carved */
	uint32_t		carved;		/* segments handed out at least once */
	uint32_t		idx;		/* in pool->chunks */
	bool			listed;		/* on pool->partial */
	bool			kept;		/* pw_segq_pool_keep_chunk(): mapped until drained */
	struct pw_segq_chunk	*prev, *next;	/* pool->partial: chunks with avail > 0 */
};

static void
chunk_unlist(struct pw_segq_pool *pool, struct pw_segq_chunk *c)
{
	if (!c->listed) {
		return;
	}
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		pool->partial = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	c->listed = false;
}

static void
chunk_list(struct pw_segq_pool *pool, struct pw_segq_chunk *c)
{
	if (c->listed) {
		return;
	}
	c->prev = NULL;
	c->next = pool->partial;
	if (pool->partial != NULL) {
		pool->partial->prev = c;
	}
	pool->partial = c;
	c->listed = true;
}

/* A new chunk, registered in the pool (lock held); NULL without memory. */
static struct pw_segq_chunk *
chunk_new(struct pw_segq_pool *pool)
{
	struct pw_segq_chunk *c;
	uint32_t idx;
	void *base;

	if (pool->nchunks == pool->chunks_cap) {
		uint32_t cap = pool->chunks_cap ? pool->chunks_cap * 2 : 64;
		struct pw_segq_chunk **t = realloc(pool->chunks, cap * sizeof(*t));

		if (t == NULL) {
			return NULL;
		}
		memset(t + pool->chunks_cap, 0, (cap - pool->chunks_cap) * sizeof(*t));
		pool->chunks = t;
		pool->chunks_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	base = mmap(NULL, (size_t)PW_SEGQ_CHUNK_SEGS * PW_SEGQ_SEG_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		free(c);
		return NULL;
	}
	/* The first empty entry of the table (entries are cleared when chunks
	 * go, so one is found below nchunks + 1). */
	for (idx = pool->chunk_hint; pool->chunks[idx] != NULL;) {
		idx = idx + 1 == pool->chunks_cap ? 0 : idx + 1;
	}
	pool->chunks[idx] = c;
	pool->chunk_hint = idx;
	pool->nchunks++;
	c->base = base;
	c->avail = PW_SEGQ_CHUNK_SEGS;
	c->idx = idx;
	chunk_list(pool, c);
	return c;
}

/* A segment of the pool (lock held); NULL without memory. */
static struct pw_segq_seg *
seg_take_locked(struct pw_segq_pool *pool)
{
	struct pw_segq_chunk *c;
	struct pw_segq_seg *seg = pool->free;

	if (seg != NULL) {
		pool->free = atomic_load_explicit(&seg->next, memory_order_relaxed);
		pool->nfree--;
		return seg;
	}
	c = pool->partial;
	if (c == NULL) {
		c = chunk_new(pool);
		if (c == NULL) {
			return NULL;
		}
	}
	if (c->free != NULL) {
		seg = c->free;
		c->free = atomic_load_explicit(&seg->next, memory_order_relaxed);
	} else {
		/* Never used: a fresh page, all zero. */
		seg = (struct pw_segq_seg *)(c->base + (size_t)c->carved * PW_SEGQ_SEG_BYTES);
		c->carved++;
		seg->dirty = 0;
		seg->chunk = c->idx;
	}
	if (--c->avail == 0) {
		chunk_unlist(pool, c);
	}
	return seg;
}

static struct pw_segq_seg *
seg_alloc(struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg;

	pthread_mutex_lock(&pool->lock);
	seg = seg_take_locked(pool);
	pthread_mutex_unlock(&pool->lock);
	if (seg != NULL) {
		atomic_fetch_add_explicit(&pool->held, 1, memory_order_relaxed);
	}
	return seg;
}

/* Unregister an all-free chunk (lock held); returns its memory to unmap. */
static void *
chunk_release_locked(struct pw_segq_pool *pool, struct pw_segq_chunk *c)
{
	void *base;

	chunk_unlist(pool, c);
	pool->chunks[c->idx] = NULL;
	pool->nchunks--;
	base = c->base;
	free(c);
	return base;
}

/* Back to its chunk (lock held); returns the chunk's memory to unmap once
 * every segment of it is free, else NULL. */
static void *
seg_put_chunk_locked(struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	struct pw_segq_chunk *c = pool->chunks[seg->chunk];

	atomic_store_explicit(&seg->next, c->free, memory_order_relaxed);
	c->free = seg;
	if (++c->avail < PW_SEGQ_CHUNK_SEGS || c->kept) {
		chunk_list(pool, c);
		return NULL;
	}
	return chunk_release_locked(pool, c);
}

/* A segment back to the cache or its chunk (lock held); returns the chunk's
 * memory to unmap, else NULL. */
static void *
seg_put_locked(struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	if (pool->nfree < PW_SEGQ_POOL_CACHE) {
		atomic_store_explicit(&seg->next, pool->free, memory_order_relaxed);
		pool->free = seg;
		pool->nfree++;
		return NULL;
	}
	return seg_put_chunk_locked(pool, seg);
}

static void
seg_free(struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	void *unmap = NULL;

	atomic_fetch_sub_explicit(&pool->held, 1, memory_order_relaxed);
	pthread_mutex_lock(&pool->lock);
	unmap = seg_put_locked(pool, seg);
	pthread_mutex_unlock(&pool->lock);
	if (unmap != NULL) {
		munmap(unmap, (size_t)PW_SEGQ_CHUNK_SEGS * PW_SEGQ_SEG_BYTES);
	}
}

/*
 * Small segments. A page taken from the chunks (seg_take_locked()) is cut
 * into PW_SEGQ_SMALL_PER_PAGE blocks of PW_SEGQ_SMALL_BYTES, carved in order
 * as they are needed (a fresh page is touched block by block); its last
 * block holds this bookkeeping. A page whose blocks are all free goes back
 * to the pool as a full segment, unless it is the pool's only page of small
 * ones (so that a thread opening and giving back its small segment over and
 * over does not convert a page each time). Under the pool's mutex, once per
 * small segment opened or given back.
 */
struct pw_segq_spage {
	struct pw_segq_seg	*free;		/* free blocks, linked by next */
	struct pw_segq_spage	*prev, *next;	/* pool->spartial */
	uint32_t		avail;		/* free + never carved */
	uint32_t		carved;
	uint32_t		chunk;		/* the page's, restored when it goes back */
	bool			listed;
};

_Static_assert(sizeof(struct pw_segq_spage) <= PW_SEGQ_SMALL_BYTES, "page bookkeeping fits a block");

static struct pw_segq_spage *
spage_of(void *block)
{
	return (struct pw_segq_spage *)(((uintptr_t)block & ~(uintptr_t)(PW_SEGQ_SEG_BYTES - 1)) +
					PW_SEGQ_SMALL_PER_PAGE * PW_SEGQ_SMALL_BYTES);
}

static void
spage_unlist(struct pw_segq_pool *pool, struct pw_segq_spage *sp)
{
	if (!sp->listed) {
		return;
	}
	if (sp->prev != NULL) {
		sp->prev->next = sp->next;
	} else {
		pool->spartial = sp->next;
	}
	if (sp->next != NULL) {
		sp->next->prev = sp->prev;
	}
	sp->listed = false;
}

static void
spage_list(struct pw_segq_pool *pool, struct pw_segq_spage *sp)
{
	if (sp->listed) {
		return;
	}
	sp->prev = NULL;
	sp->next = pool->spartial;
	if (pool->spartial != NULL) {
		pool->spartial->prev = sp;
	}
	pool->spartial = sp;
	sp->listed = true;
}

/* A small block, all zero from words[0] on (lock held); NULL without memory. */
static struct pw_segq_seg *
small_take_locked(struct pw_segq_pool *pool)
{
	struct pw_segq_spage *sp = pool->spartial;
	struct pw_segq_seg *blk;

	if (sp == NULL) {
		struct pw_segq_seg *page = seg_take_locked(pool);
		uint32_t chunk;

		if (page == NULL) {
			return NULL;
		}
		/* What its use as a full segment left (nothing on a fresh page). */
		chunk = page->chunk;
		memset(page->words, 0, page->dirty * sizeof(page->words[0]));
		sp = spage_of(page);
		memset(sp, 0, sizeof(*sp));
		sp->avail = PW_SEGQ_SMALL_PER_PAGE;
		sp->chunk = chunk;
		pool->spages++;
		spage_list(pool, sp);
	}
	if (sp->free != NULL) {
		blk = sp->free;
		sp->free = atomic_load_explicit(&blk->next, memory_order_relaxed);
	} else {
		blk = (struct pw_segq_seg *)(((uintptr_t)sp & ~(uintptr_t)(PW_SEGQ_SEG_BYTES - 1)) +
					     (size_t)sp->carved * PW_SEGQ_SMALL_BYTES);
		/* Its slots are zero: a fresh page, or cleared above. */
		blk->dirty = 0;
		sp->carved++;
	}
	if (--sp->avail == 0) {
		spage_unlist(pool, sp);
	}
	return blk;
}

/* A small block back to its page (lock held); returns the page when it goes
 * back to the pool as a full segment, else NULL. */
static struct pw_segq_seg *
small_put_locked(struct pw_segq_pool *pool, struct pw_segq_seg *blk)
{
	struct pw_segq_spage *sp = spage_of(blk);
	struct pw_segq_seg *page;
	uint32_t chunk;

	atomic_store_explicit(&blk->next, sp->free, memory_order_relaxed);
	sp->free = blk;
	if (++sp->avail < PW_SEGQ_SMALL_PER_PAGE || pool->spages == 1) {
		spage_list(pool, sp);
		return NULL;
	}
	spage_unlist(pool, sp);
	pool->spages--;
	chunk = sp->chunk;
	page = (struct pw_segq_seg *)((uintptr_t)blk & ~(uintptr_t)(PW_SEGQ_SEG_BYTES - 1));
	/* A full segment's header again; any word of it may be non-zero. */
	page->chunk = chunk;
	page->dirty = PW_SEGQ_WORDS;
	return page;
}

/* A small segment, as the queue sees it (its base), empty; NULL without
 * memory. */
static struct pw_segq_seg *
small_alloc(struct pw_segq_pool *pool, unsigned words)
{
	struct pw_segq_seg *blk;

	pthread_mutex_lock(&pool->lock);
	blk = small_take_locked(pool);
	pthread_mutex_unlock(&pool->lock);
	if (blk == NULL) {
		return NULL;
	}
	atomic_fetch_add_explicit(&pool->held, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&pool->small_held, 1, memory_order_relaxed);
	memset(blk->words, 0, blk->dirty * sizeof(blk->words[0]));
	atomic_store_explicit(&blk->next, NULL, memory_order_relaxed);
	/* Until the consumer says how far it got (pw_segq_give_back()). */
	blk->dirty = pw_segq_small_slots(words) * words;
	return (struct pw_segq_seg *)((uintptr_t)blk - PW_SEGQ_SMALL_OFF);
}

/* A small segment (its base) back to the pool. */
static void
small_free(struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	struct pw_segq_seg *page;
	void *unmap = NULL;

	atomic_fetch_sub_explicit(&pool->held, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&pool->small_held, 1, memory_order_relaxed);
	pthread_mutex_lock(&pool->lock);
	page = small_put_locked(pool, pw_segq_real(seg));
	if (page != NULL) {
		unmap = seg_put_locked(pool, page);
	}
	pthread_mutex_unlock(&pool->lock);
	if (unmap != NULL) {
		munmap(unmap, (size_t)PW_SEGQ_CHUNK_SEGS * PW_SEGQ_SEG_BYTES);
	}
}

/* Either size of segment (as the queue sees it) back to the pool. */
static void
any_free(struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	if (pw_segq_is_small(seg)) {
		small_free(pool, seg);
	} else {
		seg_free(pool, seg);
	}
}

/* Make a segment empty before it is published. Done by whoever opens it:
 * its lines are about to be written by the producers anyway. Only the words
 * used since it was last cleared are cleared again. */
static void
seg_reset(struct pw_segq_seg *seg)
{
	memset(seg->words, 0, seg->dirty * sizeof(seg->words[0]));
	atomic_store_explicit(&seg->next, NULL, memory_order_relaxed);
	/* Until the consumer says how far it got (pw_segq_give_back()). */
	seg->dirty = PW_SEGQ_WORDS;
}

/*
 * The limit counts one word, pool->extra: the segments linked in queues
 * beyond each queue's first one, plus the ones being opened. It changes only
 * by read-modify-writes, +1 in seg_reserve() before a segment is linked, -1
 * when a segment leaves a chain (pw_segq_retire(), an unused fresh segment,
 * pw_segq_fini()). Relaxed is enough: every RMW reads the latest value in
 * the word's modification order, and each -1 happens after the +1 it undoes
 * (the consumer reaches a segment through the acquire load of `next` that
 * pairs with the release store linking it, which follows the +1 in the
 * producer; pw_segq_fini() walks the chain with the same acquire loads), so
 * the word never drops below the true count and cannot wrap.
 *
 * (It used to be computed as reserved - queues from two words that queue
 * creation and destruction updated one after the other, read relaxed: in
 * between the difference wrapped and a send failed with -ENOMEM.)
 */

/* Reserve room for one more segment in a queue; false at the limit. */
static bool
seg_reserve(struct pw_segq_pool *pool)
{
	size_t extra = atomic_fetch_add_explicit(&pool->extra, 1, memory_order_relaxed);

	if (extra >= pool->limit) {
		atomic_fetch_sub_explicit(&pool->extra, 1, memory_order_relaxed);
		return false;
	}
	return true;
}

/* A segment beyond its queue's first leaves its chain. */
static void
seg_unreserve(struct pw_segq_pool *pool)
{
	atomic_fetch_sub_explicit(&pool->extra, 1, memory_order_relaxed);
}

int
pw_segq_init(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg = seg_alloc(pool);

	if (seg == NULL) {
		return -ENOMEM;
	}
	seg_reset(seg);
	/* Its first segment is free of charge: the limit is not touched. */
	atomic_fetch_add_explicit(&pool->queues, 1, memory_order_relaxed);
	cons->seg = seg;
	cons->idx = 0;
	atomic_init(&prod->tail, (uintptr_t)seg);
	atomic_init(&prod->spare, NULL);
	atomic_init(&prod->first, NULL);
	return 0;
}

void
pw_segq_init_lazy(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool)
{
	atomic_fetch_add_explicit(&pool->queues, 1, memory_order_relaxed);
	cons->seg = NULL;
	cons->idx = PW_SEGQ_IDX_MASK;
	atomic_init(&prod->tail, PW_SEGQ_NONE);
	atomic_init(&prod->spare, NULL);
	atomic_init(&prod->first, NULL);
}

bool
pw_segq_give_back(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool,
		  unsigned words)
{
	struct pw_segq_seg *seg = cons->seg, *spare;
	uintptr_t head = (uintptr_t)seg | cons->idx;

	if (seg == NULL) {
		return false;
	}
	/*
	 * seq_cst, like a producer's claim: if it succeeds, every claim came
	 * before it in the tail word's order and was consumed (head == tail),
	 * and each producer's publication of its entry, consumed through our
	 * acquire load, was its last access to the segment; a producer that
	 * read the old tail fails its own CAS and reads PW_SEGQ_NONE. Release:
	 * our reads of the segment, and the reset of `first` (pw_segq_pop()),
	 * happen before the producer that next opens a segment over
	 * PW_SEGQ_NONE (its CAS reads this value).
	 */
	if (!atomic_compare_exchange_strong_explicit(&prod->tail, &head, PW_SEGQ_NONE,
			memory_order_seq_cst, memory_order_relaxed)) {
		return false;
	}
	cons->seg = NULL;
	cons->idx = PW_SEGQ_IDX_MASK;
	/* Slots from head on were never claimed: they are still zero. Its
	 * `next` is NULL: a producer links one only after moving the tail. */
	pw_segq_real(seg)->dirty = ((uint32_t)(head & PW_SEGQ_IDX_MASK) -
				    pw_segq_seg_start(seg, words)) * words;
	any_free(pool, seg);
	/* Only the consumer stores a spare (pw_segq_retire()); producers take it
	 * with an exchange. Acquire pairs with the release of that store. */
	spare = atomic_exchange_explicit(&prod->spare, NULL, memory_order_acquire);
	if (spare != NULL) {
		seg_free(pool, spare);
	}
	return true;
}

void
pw_segq_fini(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg = cons->seg, *next, *spare;

	if (seg == NULL) {
		/* A lazy queue: its only segment may still wait in `first`.
		 * Pairs with the release store of first in pw_segq_push_slow(). */
		seg = atomic_exchange_explicit(&prod->first, NULL, memory_order_acquire);
	}
	/* The chain's first full segment is free of charge, as is a small one
	 * (only ever the first of a chain); the other full ones are charged. */
	for (bool first_full = true; seg != NULL; seg = next) {
		/* Pairs with the release store of next in pw_segq_push_slow(). */
		next = atomic_load_explicit(&pw_segq_real(seg)->next, memory_order_acquire);
		if (pw_segq_is_small(seg)) {
			small_free(pool, seg);
			continue;
		}
		if (!first_full) {
			seg_unreserve(pool);
		}
		first_full = false;
		seg_free(pool, seg);
	}
	atomic_fetch_sub_explicit(&pool->queues, 1, memory_order_relaxed);
	spare = atomic_exchange_explicit(&prod->spare, NULL, memory_order_acquire);
	if (spare != NULL) {
		seg_free(pool, spare);
	}
	cons->seg = NULL;
	cons->idx = PW_SEGQ_IDX_MASK;
}

void
pw_segq_pool_drain(struct pw_segq_pool *pool)
{
	struct pw_segq_chunk *c;
	struct pw_segq_seg *seg;
	void *unmap;
	uint32_t i;

	pthread_mutex_lock(&pool->lock);
	/* The page of small segments kept while all free (small_put_locked()). */
	for (struct pw_segq_spage *sp = pool->spartial, *spn; sp != NULL; sp = spn) {
		spn = sp->next;
		if (sp->avail == PW_SEGQ_SMALL_PER_PAGE) {
			struct pw_segq_seg *page = (struct pw_segq_seg *)((uintptr_t)sp &
						   ~(uintptr_t)(PW_SEGQ_SEG_BYTES - 1));

			spage_unlist(pool, sp);
			pool->spages--;
			page->chunk = sp->chunk;
			page->dirty = PW_SEGQ_WORDS;
			unmap = seg_put_chunk_locked(pool, page);
			if (unmap != NULL) {
				munmap(unmap, (size_t)PW_SEGQ_CHUNK_SEGS * PW_SEGQ_SEG_BYTES);
			}
		}
	}
	while ((seg = pool->free) != NULL) {
		pool->free = atomic_load_explicit(&seg->next, memory_order_relaxed);
		pool->nfree--;
		unmap = seg_put_chunk_locked(pool, seg);
		if (unmap != NULL) {
			munmap(unmap, (size_t)PW_SEGQ_CHUNK_SEGS * PW_SEGQ_SEG_BYTES);
		}
	}
	for (i = 0; i < pool->chunks_cap; i++) {
		c = pool->chunks[i];
		if (c != NULL && c->kept && c->avail == PW_SEGQ_CHUNK_SEGS) {
			pool->kept = false;
			munmap(chunk_release_locked(pool, c),
			       (size_t)PW_SEGQ_CHUNK_SEGS * PW_SEGQ_SEG_BYTES);
		}
	}
	if (pool->nchunks == 0) {
		free(pool->chunks);
		pool->chunks = NULL;
		pool->chunks_cap = 0;
		pool->chunk_hint = 0;
	}
	pthread_mutex_unlock(&pool->lock);
}

int
pw_segq_pool_keep_chunk(struct pw_segq_pool *pool)
{
	struct pw_segq_chunk *c;
	int rc = 0;

	pthread_mutex_lock(&pool->lock);
	if (!pool->kept) {
		c = chunk_new(pool);
		if (c == NULL) {
			rc = -ENOMEM;
		} else {
			c->kept = true;
			pool->kept = true;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return rc;
}

size_t
pw_segq_pool_reserved(struct pw_segq_pool *pool)
{
	return atomic_load_explicit(&pool->extra, memory_order_relaxed) +
	       atomic_load_explicit(&pool->queues, memory_order_relaxed);
}

size_t
pw_segq_pool_held(struct pw_segq_pool *pool)
{
	return atomic_load_explicit(&pool->held, memory_order_relaxed);
}

size_t
pw_segq_pool_small_held(struct pw_segq_pool *pool)
{
	return atomic_load_explicit(&pool->small_held, memory_order_relaxed);
}

size_t
pw_segq_pool_small_pages(struct pw_segq_pool *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->lock);
	n = pool->spages;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

size_t
pw_segq_pool_chunks(struct pw_segq_pool *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->lock);
	n = pool->nchunks;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

size_t
pw_segq_pool_cached(struct pw_segq_pool *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->lock);
	n = pool->nfree;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

void
pw_segq_retire(struct pw_segq_prod *prod, struct pw_segq_pool *pool, struct pw_segq_seg *seg,
	       unsigned words)
{
	struct pw_segq_seg *old;

	if (pw_segq_is_small(seg)) {
		/* Free of charge, and not a spare (the next opening is a full
		 * segment). Every slot was used. */
		pw_segq_real(seg)->dirty = pw_segq_small_slots(words) * words;
		small_free(pool, seg);
		return;
	}
	seg_unreserve(pool);
	/* Pairs with the acquire exchange in fresh_segment(): the consumer is
	 * done reading the segment before a producer zeroes and reuses it. */
	old = atomic_exchange_explicit(&prod->spare, seg, memory_order_acq_rel);
	if (old != NULL) {
		seg_free(pool, old);
	}
}

/* A zeroed segment: the queue's spare first, else the pool. NULL out of
 * memory. Not reserved. */
static struct pw_segq_seg *
fresh_segment(struct pw_segq_prod *prod, struct pw_segq_pool *pool)
{
	/* Pairs with the release exchange in pw_segq_retire(). */
	struct pw_segq_seg *seg = atomic_exchange_explicit(&prod->spare, NULL, memory_order_acquire);

	if (seg == NULL) {
		seg = seg_alloc(pool);
		if (seg == NULL) {
			return NULL;
		}
	}
	seg_reset(seg);
	return seg;
}

/* Write the entry of a claimed slot, call `claimed`, publish word 0. */
static inline void
fill_slot(_Atomic(void *) *slot, unsigned words, void *const *vals, pw_segq_claimed_fn claimed,
	  void *arg)
{
	for (unsigned k = 1; k < words; k++) {
		atomic_store_explicit(&slot[k], vals[k], memory_order_relaxed);
	}
	if (claimed != NULL) {
		claimed(arg);
	}
	/* Pairs with the consumer's acquire load of word 0. */
	atomic_store_explicit(&slot[0], vals[0], memory_order_release);
}

/* An unused segment a producer opened back to the pool (not to the spare,
 * which only the consumer fills), and its charge. */
static void
drop_fresh(struct pw_segq_pool *pool, struct pw_segq_seg *fresh, bool charged)
{
	if (charged) {
		seg_unreserve(pool);
	}
	if (fresh != NULL) {
		any_free(pool, fresh);
	}
}

int
pw_segq_push_slow(struct pw_segq_prod *prod, struct pw_segq_pool *pool, unsigned words,
		  uintptr_t tail, void *const *vals, pw_segq_claimed_fn claimed, void *arg)
{
	const uint32_t slots = pw_segq_slots(words);
	struct pw_segq_seg *fresh = NULL;
	bool charged = false;

	for (;;) {
		struct pw_segq_seg *seg = (struct pw_segq_seg *)(tail & ~PW_SEGQ_IDX_MASK);
		uint32_t idx = (uint32_t)(tail & PW_SEGQ_IDX_MASK);
		bool small;
		uintptr_t opened;

		if (idx < slots) {
			/* Another producer opened a segment meanwhile: claim in it. */
			if (atomic_compare_exchange_weak_explicit(&prod->tail, &tail, tail + 1,
					memory_order_seq_cst, memory_order_acquire)) {
				fill_slot(&seg->words[idx * words], words, vals, claimed, arg);
				drop_fresh(pool, fresh, charged);
				return 0;
			}
			continue;
		}
		/* The tail segment is full, or there is none (PW_SEGQ_NONE). A
		 * queue's first segment is a small one (if the entry size allows)
		 * and free of charge; the one after a small one is a full one,
		 * free of charge too; any other counts against the limit. */
		small = seg == NULL && pw_segq_small_ok(words);
		if (seg != NULL && !pw_segq_is_small(seg)) {
			if (!charged) {
				if (!seg_reserve(pool)) {
					drop_fresh(pool, fresh, false);
					return -ENOMEM;
				}
				charged = true;
			}
		} else if (charged) {
			seg_unreserve(pool);
			charged = false;
		}
		if (fresh != NULL && pw_segq_is_small(fresh) != small) {
			/* The queue changed under us (given back, or its first
			 * segment filled): the other size is needed. */
			any_free(pool, fresh);
			fresh = NULL;
		}
		if (fresh == NULL) {
			fresh = small ? small_alloc(pool, words) : fresh_segment(prod, pool);
			if (fresh == NULL) {
				drop_fresh(pool, NULL, charged);
				return -ENOMEM;
			}
		}
		/* Publish the new segment with our entry in its first slot. */
		idx = pw_segq_seg_start(fresh, words);
		opened = (uintptr_t)fresh | (idx + 1);
		if (atomic_compare_exchange_weak_explicit(&prod->tail, &tail, opened,
				memory_order_seq_cst, memory_order_acquire)) {
			/* The consumer reaches the entry only through the link below. */
			fill_slot(&fresh->words[idx * words], words, vals, claimed, arg);
			if (seg == NULL) {
				/* Pairs with the consumer's acquire load of first. */
				atomic_store_explicit(&prod->first, fresh, memory_order_release);
			} else {
				/* Pairs with the consumer's acquire load of next. */
				atomic_store_explicit(&pw_segq_real(seg)->next, fresh,
						      memory_order_release);
			}
			return 0;
		}
	}
}

size_t
pw_segq_count(const struct pw_segq_cons *cons, unsigned words)
{
	const uint32_t slots = pw_segq_slots(words);
	const struct pw_segq_seg *seg = cons->seg;
	uint32_t idx = cons->idx;
	size_t count = 0;

	while (seg != NULL) {
		for (; idx < slots; idx++) {
			if (atomic_load_explicit(&seg->words[idx * words], memory_order_acquire) == NULL) {
				return count;
			}
			count++;
		}
		seg = atomic_load_explicit(&pw_segq_real((struct pw_segq_seg *)seg)->next,
					   memory_order_acquire);
		idx = seg != NULL ? pw_segq_seg_start(seg, words) : 0;
	}
	return count;
}

_Static_assert(sizeof(struct pw_segq_seg) == PW_SEGQ_SEG_BYTES, "a segment is one page");
/* A segment's index, full one included, fits the index bits (a full index
 * may equal PW_SEGQ_NONE's: its segment part, NULL, tells them apart). */
_Static_assert(PW_SEGQ_WORDS / 2 <= PW_SEGQ_IDX_MASK, "indexes of 2-word entries fit");
_Static_assert(PW_SEGQ_WORDS / 3 <= PW_SEGQ_IDX_MASK, "indexes of 3-word entries fit");
/* Small segments: their slots end where the block ends, their base is
 * 256-byte aligned (PW_SEGQ_SMALL_OFF is), and is not page aligned. */
_Static_assert((PW_SEGQ_WORDS / 2) * 2 * sizeof(void *) + 2 * sizeof(void *) -
	       PW_SEGQ_SMALL_OFF == PW_SEGQ_SMALL_BYTES, "2-word small slots fill the block");
_Static_assert((PW_SEGQ_WORDS / 3) * 3 * sizeof(void *) + 2 * sizeof(void *) -
	       PW_SEGQ_SMALL_OFF == PW_SEGQ_SMALL_BYTES, "3-word small slots fill the block");
_Static_assert(PW_SEGQ_SMALL_OFF % PW_SEGQ_SMALL_BYTES == 0 &&
	       PW_SEGQ_SMALL_OFF % PW_SEGQ_SEG_BYTES != 0, "small bases are told apart");
