/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of the index of threads by id (thread_ids.c) on real pthreads:
 * lookups by id race with creations and destructions that grow and shrink
 * the table.
 *
 * lookups_race_create_destroy: each of NWORKERS pthreads owns one long-lived
 * spdk_thread and, in a loop, creates a batch of threads (the table grows),
 * looks each up by id, exits and destroys them (it shrinks), and checks that
 * their ids are no longer found; between steps it looks up the long-lived
 * threads of every other worker, which must always be found, and sends to
 * them by id (pw__send_to_thread_id), whose messages must all run, exactly
 * once. A lookup that returns NULL for a live thread, or another thread, or a
 * lost or doubled message fails; TSan reports any access to the table outside
 * the thread list lock.
 *
 * Bounded by PW_STRESS_SECONDS (default 2).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_stress.h"
#include "ut_stress_thread.h"

#include "thread/thread_internal.h"

#include <stdatomic.h>

#define NWORKERS	3
#define BATCH		300	/* threads created at once: 64 -> 512 slots and back */

struct worker {
	pthread_t		pthread;
	struct spdk_thread	*own;
	uint64_t		own_id;
	_Atomic uint64_t	received;	/* messages run on `own` */
	uint64_t		sent;		/* by the other workers to this one: summed at the end */
	uint64_t		sent_to[NWORKERS];
	uint32_t		idx;
};

static struct worker g_w[NWORKERS];
static _Atomic uint32_t g_ready;
static _Atomic bool g_stop;
static _Atomic uint32_t g_done;

static void
count_msg(void *ctx)
{
	atomic_fetch_add_explicit((_Atomic uint64_t *)ctx, 1, memory_order_relaxed);
}

static void
check_others(struct worker *me)
{
	for (uint32_t k = 0; k < NWORKERS; k++) {
		struct worker *o = &g_w[k];

		if (o == me) {
			continue;
		}
		ASSERT_PTR_EQ(spdk_thread_get_by_id(o->own_id), o->own);
		ASSERT_EQ(pw__send_to_thread_id(o->own_id, count_msg, &o->received), 0);
		me->sent_to[k]++;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *me = arg;
	struct spdk_thread *batch[BATCH];
	uint64_t ids[BATCH];
	uint64_t end = now_ns() + env_u64("PW_STRESS_SECONDS", 2) * 1000000000ull;

	atomic_fetch_add(&g_ready, 1);
	while (atomic_load(&g_ready) < NWORKERS) {
		sched_yield();
	}
	while (now_ns() < end) {
		for (uint32_t i = 0; i < BATCH; i++) {
			batch[i] = spdk_thread_create(NULL, NULL);
			ASSERT_NOT_NULL(batch[i]);
			ids[i] = spdk_thread_get_id(batch[i]);
			ASSERT_PTR_EQ(spdk_thread_get_by_id(ids[i]), batch[i]);
			if (i % 50 == 0) {
				check_others(me);
			}
			/* Keep the own thread's queue short. */
			spdk_thread_poll(me->own, 0, 0);
		}
		for (uint32_t i = 0; i < BATCH; i++) {
			ASSERT_PTR_EQ(spdk_thread_get_by_id(ids[i]), batch[i]);
			thread_finish(batch[i]);
			ASSERT_NULL(spdk_thread_get_by_id(ids[i]));
			ASSERT_EQ(pw__send_to_thread_id(ids[i], count_msg, &me->received), -EIO);
			if (i % 50 == 0) {
				check_others(me);
			}
			spdk_thread_poll(me->own, 0, 0);
		}
	}
	atomic_fetch_add(&g_done, 1);
	/* Keep running the messages sent to the own thread until everyone is
	 * done sending. */
	while (atomic_load(&g_done) < NWORKERS || !atomic_load(&g_stop)) {
		spdk_thread_poll(me->own, 0, 0);
		if (atomic_load(&g_done) == NWORKERS && me->idx == 0) {
			atomic_store(&g_stop, true);
		}
	}
	while (spdk_thread_poll(me->own, 0, 0) > 0) {
	}
	return NULL;
}

TEST_TIMEOUT(lookups_race_create_destroy, 120)
{
	uint64_t expected[NWORKERS] = { 0 };

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	for (uint32_t k = 0; k < NWORKERS; k++) {
		g_w[k].idx = k;
		g_w[k].own = spdk_thread_create("own", NULL);
		ASSERT_NOT_NULL(g_w[k].own);
		g_w[k].own_id = spdk_thread_get_id(g_w[k].own);
	}
	for (uint32_t k = 0; k < NWORKERS; k++) {
		ASSERT_EQ(pthread_create(&g_w[k].pthread, NULL, worker_main, &g_w[k]), 0);
	}
	for (uint32_t k = 0; k < NWORKERS; k++) {
		ASSERT_EQ(pthread_join(g_w[k].pthread, NULL), 0);
	}
	for (uint32_t k = 0; k < NWORKERS; k++) {
		for (uint32_t o = 0; o < NWORKERS; o++) {
			expected[o] += g_w[k].sent_to[o];
		}
	}
	for (uint32_t k = 0; k < NWORKERS; k++) {
		/* Messages sent after the receiver's last poll run now. */
		while (spdk_thread_poll(g_w[k].own, 0, 0) > 0) {
		}
		ASSERT_GT(expected[k], 0);
		ASSERT_EQ(atomic_load(&g_w[k].received), expected[k]);
	}
	ASSERT_EQ(spdk_thread_get_count(), NWORKERS);
	for (uint32_t k = 0; k < NWORKERS; k++) {
		struct spdk_thread *t = g_w[k].own;

		ASSERT_PTR_EQ(spdk_thread_get_by_id(g_w[k].own_id), t);
		thread_finish(t);
	}
	spdk_thread_lib_fini();		/* frees the app thread, the first one */
	ASSERT_EQ(pw__thread_ids_slots(), 0);
}
