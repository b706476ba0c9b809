/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Small threads (doc/design.md "Small threads"): a queue without a segment.
 *
 * - segq_no_segment_first_push_give_back_push_again: a lazy queue holds no
 *   segment and its tail word is PW_SEGQ_NONE; a batch claim finds no segment
 *   and fails; the first push opens one (free of charge), the consumer takes
 *   it through `first`; once drained the queue gives it back (held back to
 *   0, the tail word PW_SEGQ_NONE again); the next push opens one again, and
 *   order holds across give-backs and segment boundaries
 * - segq_give_back_refused_while_claimed: a claimed, unpublished slot (a
 *   staged send) or an unconsumed entry keeps the segment
 * - segq_exhaustion_enomem_around_no_segment: with the pool's limit at 0 the
 *   small first segment and the full one after it are still free of charge,
 *   a third one is -ENOMEM; given
 *   back, the queue takes a first one again; the exhausted push changed
 *   nothing
 * - thread_first_message_without_segment: a new thread holds no segment; the
 *   first message opens one, which its slices keep (no parking)
 * - drained_parked_thread_holds_no_segment: a driver that parks its idle
 *   threads: once many are parked, a drained thread parks without a segment,
 *   and every segment of the pool is given back; a message wakes it and
 *   runs
 */

#include "harness.h"
#include "ut_thread.h"
#include "thread/thread_internal.h"

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#define W	2u	/* words per entry, as messages */

static struct pw_segq_pool g_pool = PW_SEGQ_POOL_INITIALIZER;

static int
push_n(struct pw_segq_prod *prod, uintptr_t from, uintptr_t n)
{
	for (uintptr_t i = from; i < from + n; i++) {
		void *const vals[W] = { (void *)(i + 1), (void *)i };
		int rc = pw_segq_push(prod, &g_pool, W, vals);

		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* Pop everything; check the sequence goes on from *next. */
static void
pop_all(struct pw_segq_prod *prod, struct pw_segq_cons *cons, uintptr_t *next)
{
	void *out[8 * W];
	uint32_t n;

	while ((n = pw_segq_pop(prod, cons, &g_pool, W, out, 8)) > 0) {
		for (uint32_t i = 0; i < n; i++) {
			ASSERT_EQ((uintptr_t)out[i * W + 1], *next);
			ASSERT_EQ((uintptr_t)out[i * W], *next + 1);
			(*next)++;
		}
	}
}

TEST(segq_no_segment_first_push_give_back_push_again)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	const uintptr_t slots = pw_segq_slots(W);
	uintptr_t next = 0;

	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	ASSERT_EQ(atomic_load(&prod.tail), PW_SEGQ_NONE);
	ASSERT_NULL(cons.seg);
	ASSERT_TRUE(pw_segq_empty(&prod, &cons, W));
	ASSERT_FALSE(pw_segq_pending(&prod, &cons));
	/* Nothing to give back, and a batch claim finds no segment. */
	ASSERT_FALSE(pw_segq_give_back(&prod, &cons, &g_pool, W));
	ASSERT_NULL(pw_segq_try_claim(&prod, W));
	ASSERT_EQ(atomic_load(&prod.tail), PW_SEGQ_NONE);

	for (int round = 0; round < 3; round++) {
		/* The first push opens the queue's first segment. */
		ASSERT_EQ(push_n(&prod, next, 1), 0);
		ASSERT_EQ(pw_segq_pool_held(&g_pool), 1);
		ASSERT_TRUE(pw_segq_pending(&prod, &cons));
		ASSERT_FALSE(pw_segq_empty(&prod, &cons, W));
		ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 1);	/* free of charge: queues only */
		/* Beyond one segment, and a batch claim now succeeds. */
		ASSERT_EQ(push_n(&prod, next + 1, slots + 2), 0);
		ASSERT_EQ(pw_segq_pool_held(&g_pool), 2);
		pop_all(&prod, &cons, &next);
		ASSERT_EQ(next, (round + 1) * (slots + 3));
		ASSERT_FALSE(pw_segq_pending(&prod, &cons));
		ASSERT_NOT_NULL(cons.seg);
		/* Drained: given back (the consumed first segment is the spare). */
		ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, W));
		ASSERT_EQ(atomic_load(&prod.tail), PW_SEGQ_NONE);
		ASSERT_NULL(cons.seg);
		ASSERT_NULL(atomic_load(&prod.spare));
		ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
		ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 1);
		ASSERT_FALSE(pw_segq_pending(&prod, &cons));
		ASSERT_TRUE(pw_segq_empty(&prod, &cons, W));
		ASSERT_FALSE(pw_segq_give_back(&prod, &cons, &g_pool, W));
	}
	pw_segq_fini(&prod, &cons, &g_pool);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
}

TEST(segq_give_back_refused_while_claimed)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	_Atomic(void *) *slot;
	uintptr_t next = 0;

	pw_segq_init_lazy(&prod, &cons, &g_pool);
	ASSERT_EQ(push_n(&prod, 0, 1), 0);
	/* Not consumed yet. */
	ASSERT_FALSE(pw_segq_give_back(&prod, &cons, &g_pool, W));
	pop_all(&prod, &cons, &next);
	/* Claimed, not published (a staged send): kept. */
	slot = pw_segq_try_claim(&prod, W);
	ASSERT_NOT_NULL(slot);
	ASSERT_FALSE(pw_segq_give_back(&prod, &cons, &g_pool, W));
	ASSERT_TRUE(pw_segq_pending(&prod, &cons));
	{
		void *const vals[W] = { (void *)(next + 1), (void *)next };

		pw_segq_publish(slot, W, vals);
	}
	pop_all(&prod, &cons, &next);
	ASSERT_EQ(next, 2);
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, W));
	/* The next opening clears only what was used: the entry is not seen
	 * again. */
	ASSERT_EQ(push_n(&prod, next, 1), 0);
	pop_all(&prod, &cons, &next);
	ASSERT_EQ(next, 3);
	ASSERT_TRUE(pw_segq_empty(&prod, &cons, W));
	pw_segq_fini(&prod, &cons, &g_pool);
	pw_segq_pool_drain(&g_pool);
}

TEST(segq_exhaustion_enomem_around_no_segment)
{
	struct pw_segq_prod prod;
	struct pw_segq_cons cons;
	const uintptr_t slots = pw_segq_slots(W), small = pw_segq_small_slots(W);
	uintptr_t tail;
	uintptr_t next = 0;

	g_pool.limit = 0;
	pw_segq_init_lazy(&prod, &cons, &g_pool);
	/* The small first segment and the full one after it are free of charge
	 * even at the limit. */
	ASSERT_EQ(push_n(&prod, 0, small + slots), 0);
	tail = atomic_load(&prod.tail);
	/* A third one is not: -ENOMEM, and nothing changed. */
	ASSERT_EQ(push_n(&prod, small + slots, 1), -ENOMEM);
	ASSERT_EQ(atomic_load(&prod.tail), tail);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 2);
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 1);
	pop_all(&prod, &cons, &next);
	ASSERT_EQ(next, small + slots);
	/* The consumer waits at the end of a full segment; drained, given back. */
	ASSERT_TRUE(pw_segq_give_back(&prod, &cons, &g_pool, W));
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	/* Without a segment, the next push takes a first one again. */
	ASSERT_EQ(push_n(&prod, next, 1), 0);
	pop_all(&prod, &cons, &next);
	ASSERT_EQ(next, small + slots + 1);
	pw_segq_fini(&prod, &cons, &g_pool);
	pw_segq_pool_drain(&g_pool);
	g_pool.limit = SIZE_MAX;
}

static int g_msgs;

static void
count_msg(void *ctx)
{
	(void)ctx;
	g_msgs++;
}

TEST(thread_first_message_without_segment)
{
	size_t held0;

	ut_threads_init(2);
	held0 = pw__msgq_segments_held();
	ASSERT_FALSE(pw__msgq_has_segment(ut_thread(1)));
	ASSERT_FALSE(pw_thread_has_pending_messages(ut_thread(1)));
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), count_msg, NULL), 0);
	ASSERT_EQ(pw__msgq_segments_held(), held0 + 1);
	/* Counted before the consumer took the segment. */
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 1);
	ASSERT_TRUE(pw_thread_has_pending_messages(ut_thread(1)));
	ut_poll_thread(1);
	ASSERT_EQ(g_msgs, 1);
	/* A driver that does not park keeps it. */
	ASSERT_TRUE(pw__msgq_has_segment(ut_thread(1)));
	ut_threads_fini();
}

#define NPARK	(PW_GIVE_BACK_PARKED + 8)

TEST(drained_parked_thread_holds_no_segment)
{
	struct pw_waker *waker;
	struct pw_park_lot *lot;
	size_t held0;
	uint32_t i, taken;

	ut_threads_init(NPARK);
	ASSERT_EQ(pw_waker_create(&waker), 0);
	ASSERT_EQ(pw_park_lot_create(&lot), 0);
	held0 = pw__msgq_segments_held();
	for (i = 0; i < NPARK; i++) {
		pw_thread_set_waker(ut_thread(i), waker);
	}
	/* One message each, then idle: each parks after its slices. */
	g_msgs = 0;
	for (i = 0; i < NPARK; i++) {
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(i), count_msg, NULL), 0);
	}
	ASSERT_EQ(pw__msgq_segments_held(), held0 + NPARK);
	/* The first ones wake up on the lot: take them back. */
	for (i = 0; i < NPARK; i++) {
		ut_poll_thread(i);
		ASSERT_TRUE(pw_thread_park(ut_thread(i), lot));
	}
	ASSERT_EQ(g_msgs, NPARK);
	/* Those that parked with enough others parked hold no segment. */
	for (i = 0; i < NPARK; i++) {
		ASSERT_EQ(pw__msgq_has_segment(ut_thread(i)), i < PW_GIVE_BACK_PARKED);
	}
	ASSERT_EQ(pw__msgq_segments_held(), held0 + PW_GIVE_BACK_PARKED);
	/* A message still wakes a thread without a segment, and runs. */
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(NPARK - 1), count_msg, NULL), 0);
	ASSERT_PTR_EQ(pw_park_lot_take(lot), ut_thread(NPARK - 1));
	ut_poll_thread(NPARK - 1);
	ASSERT_EQ(g_msgs, NPARK + 1);
	ASSERT_TRUE(pw_thread_park(ut_thread(NPARK - 1), lot));
	ASSERT_FALSE(pw__msgq_has_segment(ut_thread(NPARK - 1)));
	/* Take every thread back for the teardown. */
	taken = 0;
	for (i = 0; i < NPARK; i++) {
		if (pw_thread_unpark(ut_thread(i))) {
			taken++;
		}
		pw_thread_set_waker(ut_thread(i), NULL);
	}
	ASSERT_EQ(taken, NPARK);
	ut_threads_fini();
	pw_park_lot_destroy(lot);
	pw_waker_destroy(waker);
}
