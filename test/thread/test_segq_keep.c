/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * pw_segq_pool_keep_chunk(): the chunk a pool keeps mapped so that queues
 * without a segment can open one without allocating (what lets the thread
 * library's own messages through when memory has run out; the fault
 * scenarios io_device_sticky and iobuf_sticky check that end to end).
 *
 * - keep_chunk_serves_first_segments: once kept, the first 32 x 15 queues
 *   open their (small) first segment from it (no second chunk); a second
 *   call keeps no other
 * - kept_chunk_survives_until_drain: all its segments free again, it stays
 *   mapped; pw_segq_pool_drain() unmaps it, and a pool can keep one again
 */

#include "harness.h"
#include "common/pw_segq.h"

#include "spdk/stdinc.h"

#define W	2u
#define NSEG	32	/* segments (pages) in a chunk */
#define NQ	(NSEG * PW_SEGQ_SMALL_PER_PAGE)	/* small first segments in a chunk */

static struct pw_segq_pool g_pool = PW_SEGQ_POOL_INITIALIZER;
static struct pw_segq_prod g_prod[2 * NQ];
static struct pw_segq_cons g_cons[2 * NQ];

static void
open_queues(int from, int n)
{
	for (int i = from; i < from + n; i++) {
		void *const vals[W] = { (void *)(uintptr_t)(i + 1), NULL };

		pw_segq_init_lazy(&g_prod[i], &g_cons[i], &g_pool);
		ASSERT_EQ(pw_segq_push(&g_prod[i], &g_pool, W, vals), 0);
	}
}

static void
close_queues(int from, int n)
{
	for (int i = from; i < from + n; i++) {
		void *out[W];

		ASSERT_EQ(pw_segq_pop(&g_prod[i], &g_cons[i], &g_pool, W, out, 1), 1);
		ASSERT_EQ((uintptr_t)out[0], (uintptr_t)(i + 1));
		ASSERT_TRUE(pw_segq_give_back(&g_prod[i], &g_cons[i], &g_pool, W));
		pw_segq_fini(&g_prod[i], &g_cons[i], &g_pool);
	}
}

TEST(keep_chunk_serves_first_segments)
{
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_keep_chunk(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 1);
	ASSERT_EQ(pw_segq_pool_keep_chunk(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 1);

	open_queues(0, NQ);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), NQ);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 1);
	/* One more needs a chunk of its own. */
	open_queues(NQ, 1);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 2);
	close_queues(0, NQ + 1);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
}

TEST(kept_chunk_survives_until_drain)
{
	ASSERT_EQ(pw_segq_pool_keep_chunk(&g_pool), 0);
	/* The kept chunk's 32 pages of small segments, then a second chunk's. */
	open_queues(0, 2 * NQ);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 2);
	/* The second chunk's segments fill the pool's cache; the kept chunk's
	 * then go back to it until all are free: an ordinary chunk would be
	 * unmapped there, the kept one stays. */
	close_queues(NQ, NQ);
	ASSERT_EQ(pw_segq_pool_cached(&g_pool), NSEG);
	close_queues(0, NQ);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 2);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
	/* A drained pool keeps one again. */
	ASSERT_EQ(pw_segq_pool_keep_chunk(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 1);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
}
