/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Small first segments (lib/common/pw_segq.h, doc/design.md "Small threads"):
 * a queue opened over PW_SEGQ_NONE takes a 256-byte segment first.
 *
 * - first_push_opens_a_small_segment: the tail's segment part is a small
 *   one (not page aligned), its index starts at pw_segq_small_start(), the
 *   pool counts one small segment on one page; the consumer takes the entry
 * - growth_into_full_segments: beyond the small segment's slots the queue
 *   opens full segments; FIFO across both; the small one goes back to its
 *   page when the consumer leaves it (not to the spare); only the third
 *   segment is charged
 * - give_back_small_and_reuse: a drained queue gives its small segment back;
 *   the next opening reuses the same block (the pool keeps its only page)
 *   and clears only what was used: no stale entry is seen
 * - small_blocks_from_a_dirty_page: a page that was a full segment (every
 *   word written) is cleared before it is cut into small blocks
 * - many_queues_pages_and_drain: 31 queues take three pages of small blocks
 *   (15 a page); as their blocks come back the pages go back to the pool,
 *   but for the last one, which pw_segq_pool_drain() frees; no chunk is left
 * - exhaustion_enomem_through_limit: with the limit at 1, the small segment
 *   and two full ones are accepted, then -ENOMEM changes nothing; after the
 *   consumer retires segments, pushes are accepted again, in order
 * - three_word_entries: a queue of 3-word entries (events' size) opens a
 *   small segment of pw_segq_small_slots(3) slots and grows the same way
 * - fault_small_segment_allocation (fault injection builds): the page for
 *   the small segment cannot be mapped: -ENOMEM, the queue unchanged, and the
 *   next push succeeds
 */

#include "harness.h"
#include "common/pw_segq.h"
#ifdef PW_FAULT_INJECTION
#include "common/pw_fault.h"
#endif

#include "spdk/stdinc.h"
#include "spdk/util.h"

static struct pw_segq_pool g_pool = PW_SEGQ_POOL_INITIALIZER;

static int
push_w(struct pw_segq_prod *prod, unsigned w, uintptr_t from, uintptr_t n)
{
	for (uintptr_t i = from; i < from + n; i++) {
		void *vals[3] = { (void *)(i + 1), (void *)i, (void *)(i * 3) };
		int rc = pw_segq_push(prod, &g_pool, w, vals);

		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* Pop up to max entries; check the sequence goes on from *next. */
static uint32_t
pop_w(struct pw_segq_prod *prod, struct pw_segq_cons *cons, unsigned w, uintptr_t *next,
      uint32_t max)
{
	void *out[8 * 3];
	uint32_t n, total = 0;

	while (total < max &&
	       (n = pw_segq_pop(prod, cons, &g_pool, w, out, spdk_min(8u, max - total))) > 0) {
		for (uint32_t i = 0; i < n; i++) {
			ASSERT_EQ((uintptr_t)out[i * w], *next + 1);
			ASSERT_EQ((uintptr_t)out[i * w + 1], *next);
			if (w == 3) {
				ASSERT_EQ((uintptr_t)out[i * w + 2], *next * 3);
			}
			(*next)++;
		}
		total += n;
	}
	return total;
}

static struct pw_segq_seg *
tail_seg(struct pw_segq_prod *prod)
{
	return (struct pw_segq_seg *)(atomic_load(&prod->tail) & ~PW_SEGQ_IDX_MASK);
}

static void
pool_empty(void)
{
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_small_held(&g_pool), 0);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_small_pages(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
}

TEST(first_push_opens_a_small_segment)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	uintptr_t next = 0;

	ASSERT_TRUE(pw_segq_small_ok(2));
	ASSERT_EQ(pw_segq_small_slots(2), 15);
	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(push_w(&prod, 2, 0, 1), 0);
	ASSERT_TRUE(pw_segq_is_small(tail_seg(&prod)));
	ASSERT_EQ(atomic_load(&prod.tail) & PW_SEGQ_IDX_MASK, pw_segq_small_start(2) + 1);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 1);
	ASSERT_EQ(pw_segq_pool_small_held(&g_pool), 1);
	ASSERT_EQ(pw_segq_pool_small_pages(&g_pool), 1);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 1);
	/* The block is 256-byte aligned, not the page's last (bookkeeping). */
	ASSERT_EQ((uintptr_t)pw_segq_real(tail_seg(&prod)) % PW_SEGQ_SMALL_BYTES, 0);
	ASSERT_NE((uintptr_t)pw_segq_real(tail_seg(&prod)) % PW_SEGQ_SEG_BYTES,
		  PW_SEGQ_SMALL_OFF);
	/* A batch claim now claims in it. */
	ASSERT_NOT_NULL(pw_segq_try_claim(&prod, 2));
	{
		void *const vals[2] = { (void *)2, (void *)1 };
		_Atomic(void *) *slot = &tail_seg(&prod)->words[(pw_segq_small_start(2) + 1) * 2];

		pw_segq_publish(slot, 2, vals);
	}
	ASSERT_FALSE(pw_segq_empty(&prod, &cons, 2));
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 100), 2);
	ASSERT_EQ(pw_segq_count(&cons, 2), 0);
	ASSERT_FALSE(pw_segq_pending(&prod, &cons));
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, 2));
	pw_segq_fini(&prod, &cons, &g_pool);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 0);
	pool_empty();
}

TEST(growth_into_full_segments)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	const uintptr_t small = pw_segq_small_slots(2), slots = pw_segq_slots(2);
	uintptr_t next = 0;

	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(push_w(&prod, 2, 0, small), 0);
	ASSERT_TRUE(pw_segq_is_small(tail_seg(&prod)));
	/* Full: the next push opens a full segment, free of charge. */
	ASSERT_EQ(push_w(&prod, 2, small, 1), 0);
	ASSERT_FALSE(pw_segq_is_small(tail_seg(&prod)));
	ASSERT_EQ(atomic_load(&prod.tail) & PW_SEGQ_IDX_MASK, 1);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 2);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 1);
	/* Then another, charged. */
	ASSERT_EQ(push_w(&prod, 2, small + 1, slots), 0);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 3);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 2);
	ASSERT_EQ(pw_segq_count(&cons, 2), 0);	/* the consumer has not taken `first` yet */
	/* Past the small one: back to its page, not the spare. */
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, small + 1), small + 1);
	ASSERT_EQ(pw_segq_pool_small_held(&g_pool), 0);
	ASSERT_NULL(atomic_load(&prod.spare));
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 2);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 2);
	ASSERT_EQ(pw_segq_count(&cons, 2), slots);
	/* Past the first full one: its charge goes, it becomes the spare. */
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 1000), slots);
	ASSERT_EQ(next, small + 1 + slots);
	ASSERT_NOT_NULL(atomic_load(&prod.spare));
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 1);
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, 2));
	ASSERT_NULL(atomic_load(&prod.spare));
	/* Opening again: small first again. */
	ASSERT_EQ(push_w(&prod, 2, next, 1), 0);
	ASSERT_TRUE(pw_segq_is_small(tail_seg(&prod)));
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 1000), 1);
	pw_segq_fini(&prod, &cons, &g_pool);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 0);
	pool_empty();
}

TEST(give_back_small_and_reuse)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	struct pw_segq_seg *seg;
	uintptr_t next = 0;

	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(push_w(&prod, 2, 0, 3), 0);
	seg = tail_seg(&prod);
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 2), 2);
	/* An entry not consumed yet keeps it. */
	ASSERT_FALSE(pw_segq_give_back(&prod, &cons, &g_pool, 2));
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 100), 1);
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, 2));
	ASSERT_EQ(atomic_load(&prod.tail), PW_SEGQ_NONE);
	ASSERT_EQ(pw_segq_pool_small_held(&g_pool), 0);
	/* Its page stays (the only one), and records what was used. */
	ASSERT_EQ(pw_segq_pool_small_pages(&g_pool), 1);
	ASSERT_EQ(pw_segq_real(seg)->dirty, 3 * 2);
	/* Reopened: the same block, cleared: one entry, then empty. */
	ASSERT_EQ(push_w(&prod, 2, next, 1), 0);
	ASSERT_PTR_EQ(tail_seg(&prod), seg);
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 100), 1);
	ASSERT_EQ(next, 4);
	ASSERT_TRUE(pw_segq_empty(&prod, &cons, 2));
	/* Only its first slot holds an entry (the reopening's). */
	ASSERT_EQ((uintptr_t)atomic_load(&seg->words[pw_segq_small_start(2) * 2]), 4);
	for (uint32_t i = pw_segq_small_start(2) + 1; i < pw_segq_slots(2); i++) {
		ASSERT_NULL(atomic_load(&seg->words[i * 2]));
		ASSERT_NULL(atomic_load(&seg->words[i * 2 + 1]));
	}
	pw_segq_fini(&prod, &cons, &g_pool);
	pool_empty();
}

TEST(small_blocks_from_a_dirty_page)
{
	struct pw_segq_prod prod, lazy[2];
	struct pw_segq_cons cons, lcons[2];
	const uintptr_t slots = pw_segq_slots(2), small = pw_segq_small_slots(2);
	uintptr_t next = 0;

	/* A full segment with every slot written, then back to the cache. */
	ASSERT_EQ(pw_segq_init(&prod, &cons, &g_pool), 0);
	ASSERT_EQ(push_w(&prod, 2, 0, slots), 0);
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 1000), slots);
	pw_segq_fini(&prod, &cons, &g_pool);
	ASSERT_EQ(pw_segq_pool_cached(&g_pool), 1);
	/* That page (the cache's only one) is cut into small blocks. */
	for (int q = 0; q < 2; q++) {
		uintptr_t n = 1000 * (uintptr_t)(q + 1);

		pw_segq_init_lazy(&lazy[q], &lcons[q], &g_pool);
		ASSERT_EQ(push_w(&lazy[q], 2, n, 1), 0);
		ASSERT_EQ(pw_segq_pool_cached(&g_pool), 0);
		ASSERT_EQ(pop_w(&lazy[q], &lcons[q], 2, &n, 100), 1);
		/* Nothing left from the page's earlier use. */
		ASSERT_TRUE(pw_segq_empty(&lazy[q], &lcons[q], 2));
		ASSERT_EQ(push_w(&lazy[q], 2, n, small - 1), 0);
		ASSERT_EQ(pop_w(&lazy[q], &lcons[q], 2, &n, 100), small - 1);
		ASSERT_EQ(pw_segq_count(&lcons[q], 2), 0);
	}
	for (int q = 0; q < 2; q++) {
		pw_segq_fini(&lazy[q], &lcons[q], &g_pool);
	}
	pool_empty();
}

TEST(many_queues_pages_and_drain)
{
	enum { NQ = 2 * PW_SEGQ_SMALL_PER_PAGE + 1 };
	struct pw_segq_prod prod[NQ];
	struct pw_segq_cons cons[NQ];

	for (int q = 0; q < NQ; q++) {
		pw_segq_init_lazy(&prod[q], &cons[q], &g_pool);
		ASSERT_EQ(push_w(&prod[q], 2, (uintptr_t)q, 1), 0);
	}
	ASSERT_EQ(pw_segq_pool_small_held(&g_pool), NQ);
	ASSERT_EQ(pw_segq_pool_small_pages(&g_pool), 3);
	/* Pages share nothing: blocks of distinct queues are distinct. */
	for (int q = 1; q < NQ; q++) {
		ASSERT_PTR_NE(tail_seg(&prod[q]), tail_seg(&prod[q - 1]));
	}
	for (int q = 0; q < NQ; q++) {
		uintptr_t n = (uintptr_t)q;

		ASSERT_EQ(pop_w(&prod[q], &cons[q], 2, &n, 10), 1);
		ASSERT_TRUE(pw_segq_give_back(&prod[q], &cons[q], &g_pool, 2));
		pw_segq_fini(&prod[q], &cons[q], &g_pool);
	}
	/* Emptied pages went back to the pool, but for one. */
	ASSERT_EQ(pw_segq_pool_small_pages(&g_pool), 1);
	ASSERT_EQ(pw_segq_pool_cached(&g_pool), 2);
	pool_empty();
}

TEST(exhaustion_enomem_through_limit)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	const uintptr_t small = pw_segq_small_slots(2), slots = pw_segq_slots(2);
	const uintptr_t cap = small + 2 * slots;
	uintptr_t tail, next = 0;

	g_pool.limit = 1;
	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(push_w(&prod, 2, 0, cap), 0);
	tail = atomic_load(&prod.tail);
	ASSERT_EQ(push_w(&prod, 2, cap, 1), -ENOMEM);
	ASSERT_EQ(push_w(&prod, 2, cap, 1), -ENOMEM);
	ASSERT_EQ(atomic_load(&prod.tail), tail);
	ASSERT_NULL(pw_segq_try_claim(&prod, 2));
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 3);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 2);
	/* Leaving the small one frees no charge: still the limit. */
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, small + 1), small + 1);
	ASSERT_EQ(push_w(&prod, 2, cap, 1), -ENOMEM);
	/* Leaving the first full one does. */
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, slots), slots);
	ASSERT_EQ(push_w(&prod, 2, cap, 1), 0);
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 1000), slots);
	ASSERT_EQ(next, cap + 1);
	pw_segq_fini(&prod, &cons, &g_pool);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 0);
	g_pool.limit = SIZE_MAX;
	pool_empty();
}

TEST(three_word_entries)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	const uintptr_t small = pw_segq_small_slots(3), slots = pw_segq_slots(3);
	uintptr_t next = 0;

	ASSERT_TRUE(pw_segq_small_ok(3));
	ASSERT_EQ(small, 10);
	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(push_w(&prod, 3, 0, small), 0);
	ASSERT_TRUE(pw_segq_is_small(tail_seg(&prod)));
	ASSERT_EQ(push_w(&prod, 3, small, slots + 1), 0);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 3);
	ASSERT_EQ(pop_w(&prod, &cons, 3, &next, 10000), small + slots + 1);
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, 3));
	ASSERT_EQ(push_w(&prod, 3, next, 2), 0);
	ASSERT_EQ(pop_w(&prod, &cons, 3, &next, 10000), 2);
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, 3));
	pw_segq_fini(&prod, &cons, &g_pool);
	pool_empty();
}

#ifdef PW_FAULT_INJECTION
TEST(fault_small_segment_allocation)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	uintptr_t next = 0;
	uint64_t points;

	pw_segq_init_lazy(&prod, &cons, &g_pool);
	/* An empty pool: the small segment needs a chunk (its table, its
	 * bookkeeping, its mapping). Fail each point in turn. */
	for (uint64_t nth = 1;; nth++) {
		int rc;

		pw__fault_arm(nth, false);
		rc = push_w(&prod, 2, next, 1);
		points = pw__fault_points();
		pw__fault_arm(0, false);
		if (rc == 0) {
			ASSERT_GT(nth, points);
			break;
		}
		ASSERT_EQ(rc, -ENOMEM);
		ASSERT_EQ(atomic_load(&prod.tail), PW_SEGQ_NONE);
		ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
		ASSERT_TRUE(pw_segq_empty(&prod, &cons, 2));
	}
	ASSERT_GE(points, 2);
	ASSERT_EQ(pop_w(&prod, &cons, 2, &next, 10), 1);
	pw_segq_fini(&prod, &cons, &g_pool);
	pool_empty();
}
#endif

