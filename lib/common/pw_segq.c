/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The out-of-line parts of the segmented MPSC queue (see pw_segq.h): the
 * segment pool, opening a new segment, retiring a consumed one. Each runs
 * once per segment at most, so a mutex is cheap enough for the pool's list.
 */

#include "common/pw_segq.h"

static struct pw_segq_seg *
seg_alloc(struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg;

	pthread_mutex_lock(&pool->lock);
	seg = pool->free;
	if (seg != NULL) {
		pool->free = seg->free_next;
	}
	pthread_mutex_unlock(&pool->lock);
	if (seg == NULL) {
		seg = aligned_alloc(PW_SEGQ_SEG_BYTES, PW_SEGQ_SEG_BYTES);
	}
	return seg;
}

static void
seg_free(struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	pthread_mutex_lock(&pool->lock);
	seg->free_next = pool->free;
	pool->free = seg;
	pthread_mutex_unlock(&pool->lock);
}

/* Make a segment empty before it is published. Done by whoever opens it:
 * its lines are about to be written by the producers anyway. */
static void
seg_reset(struct pw_segq_seg *seg)
{
	memset(seg->words, 0, sizeof(seg->words));
	atomic_store_explicit(&seg->next, NULL, memory_order_relaxed);
	seg->free_next = NULL;
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
	return 0;
}

void
pw_segq_fini(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg = cons->seg, *next, *spare;

	while (seg != NULL) {
		/* Pairs with the release store of next in pw_segq_push_slow(). */
		next = atomic_load_explicit(&seg->next, memory_order_acquire);
		if (seg != cons->seg) {
			seg_unreserve(pool);
		}
		seg_free(pool, seg);
		seg = next;
	}
	atomic_fetch_sub_explicit(&pool->queues, 1, memory_order_relaxed);
	spare = atomic_exchange_explicit(&prod->spare, NULL, memory_order_acquire);
	if (spare != NULL) {
		seg_free(pool, spare);
	}
	cons->seg = NULL;
}

void
pw_segq_pool_drain(struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg;

	pthread_mutex_lock(&pool->lock);
	while ((seg = pool->free) != NULL) {
		pool->free = seg->free_next;
		free(seg);
	}
	pthread_mutex_unlock(&pool->lock);
}

size_t
pw_segq_pool_reserved(struct pw_segq_pool *pool)
{
	return atomic_load_explicit(&pool->extra, memory_order_relaxed) +
	       atomic_load_explicit(&pool->queues, memory_order_relaxed);
}

void
pw_segq_retire(struct pw_segq_prod *prod, struct pw_segq_pool *pool, struct pw_segq_seg *seg)
{
	struct pw_segq_seg *old;

	seg_unreserve(pool);
	/* Pairs with the acquire exchange in fresh_segment(): the consumer is
	 * done reading the segment before a producer zeroes and reuses it. */
	old = atomic_exchange_explicit(&prod->spare, seg, memory_order_acq_rel);
	if (old != NULL) {
		seg_free(pool, old);
	}
}

/* A new, reserved and zeroed segment: the queue's spare first, else the
 * pool. NULL at the limit or out of memory. */
static struct pw_segq_seg *
fresh_segment(struct pw_segq_prod *prod, struct pw_segq_pool *pool)
{
	struct pw_segq_seg *seg;

	if (!seg_reserve(pool)) {
		return NULL;
	}
	seg = atomic_exchange_explicit(&prod->spare, NULL, memory_order_acquire);
	if (seg == NULL) {
		seg = seg_alloc(pool);
		if (seg == NULL) {
			seg_unreserve(pool);
			return NULL;
		}
	}
	seg_reset(seg);
	return seg;
}

int
pw_segq_push_slow(struct pw_segq_prod *prod, struct pw_segq_pool *pool, unsigned words,
		  uintptr_t tail, void *const *vals, pw_segq_claimed_fn claimed, void *arg)
{
	const uint32_t slots = pw_segq_slots(words);
	struct pw_segq_seg *fresh = NULL;

	for (;;) {
		struct pw_segq_seg *seg = (struct pw_segq_seg *)(tail & ~PW_SEGQ_IDX_MASK);
		uint32_t idx = (uint32_t)(tail & PW_SEGQ_IDX_MASK);
		_Atomic(void *) *slot;

		if (idx < slots) {
			/* Another producer opened a segment meanwhile: claim in it. */
			if (atomic_compare_exchange_weak_explicit(&prod->tail, &tail, tail + 1,
					memory_order_seq_cst, memory_order_acquire)) {
				slot = &seg->words[idx * words];
				for (unsigned k = 1; k < words; k++) {
					atomic_store_explicit(&slot[k], vals[k], memory_order_relaxed);
				}
				if (claimed != NULL) {
					claimed(arg);
				}
				atomic_store_explicit(&slot[0], vals[0], memory_order_release);
				if (fresh != NULL) {
					pw_segq_retire(prod, pool, fresh);
				}
				return 0;
			}
			continue;
		}
		if (fresh == NULL) {
			fresh = fresh_segment(prod, pool);
			if (fresh == NULL) {
				return -ENOMEM;
			}
		}
		/* Publish the new segment with our entry in its slot 0. */
		if (atomic_compare_exchange_weak_explicit(&prod->tail, &tail, (uintptr_t)fresh | 1u,
				memory_order_seq_cst, memory_order_acquire)) {
			slot = &fresh->words[0];
			for (unsigned k = 1; k < words; k++) {
				atomic_store_explicit(&slot[k], vals[k], memory_order_relaxed);
			}
			atomic_store_explicit(&slot[0], vals[0], memory_order_release);
			/* The consumer reaches the entry only through the link below. */
			if (claimed != NULL) {
				claimed(arg);
			}
			/* Pairs with the consumer's acquire load of next. */
			atomic_store_explicit(&seg->next, fresh, memory_order_release);
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
		seg = atomic_load_explicit(&seg->next, memory_order_acquire);
		idx = 0;
	}
	return count;
}
